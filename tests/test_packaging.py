"""Packaging: the library and the CLI without the web stack, a wheel that works from anywhere, the pinned
Leaflet files, the version from the package's metadata."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
import venv
from pathlib import Path

import pytest

import portfolio
from portfolio import assets
from tests.conftest import ROOT

#: The `app` extra's packages, as imported (django-js-lib-leaflet's folder is js_lib_leaflet).
WEB_STACK = ("streamlit", "streamlit_folium", "folium", "branca", "js_lib_leaflet")
#: The library's modules that belong to the app and need the web stack.
APP_MODULES = {"portfolio.app_editing", "portfolio.mapview"}

#: Run in a fresh interpreter: the web stack cannot be imported (as when the `app` extra is not
#: installed); every other module of the library imports, and the CLI's commands run.
WITHOUT_WEB = textwrap.dedent(
    """
    import contextlib, importlib, importlib.abc, io, json, pkgutil, sys
    WEB = {web!r}

    class Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in WEB:
                raise ModuleNotFoundError(f"No module named {{name!r}}")
            return None

    sys.meta_path.insert(0, Absent())
    import portfolio
    from portfolio import cli

    failed = {{}}
    for found in pkgutil.walk_packages(portfolio.__path__, "portfolio."):
        if found.name == "portfolio.__main__":  # runs the CLI
            continue
        try:
            importlib.import_module(found.name)
        except ModuleNotFoundError as exc:
            failed[found.name] = str(exc)
    codes = []
    out = sys.argv[1]
    for argv in (
        ["validate"],
        ["list", "--status", "planned"],
        ["stats", "--json"],
        ["export", "-f", "geojson", "-o", out + "/x.geojson"],
        ["export", "-f", "dxf", "-o", out + "/x.dxf"],
        ["report", "--status", "planned", "-o", out + "/x.pdf"],
    ):
        with contextlib.redirect_stdout(io.StringIO()):
            codes.append(cli.main(argv))
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(WEB))
    print(json.dumps({{"failed": failed, "codes": codes, "loaded": loaded}}))
    """
)


def test_library_and_cli_work_without_the_web_stack(tmp_path: Path) -> None:
    code = WITHOUT_WEB.format(web=WEB_STACK)
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["failed"]) == APP_MODULES, result["failed"]
    assert result["codes"] == [0] * 6
    assert result["loaded"] == []
    assert {p.name for p in tmp_path.iterdir()} == {"x.geojson", "x.dxf", "x.pdf"}


def _names(requirements: list[str]) -> set[str]:
    """The distribution names of requirement strings, normalised (``Foo_Bar[x]>=1`` -> ``foo-bar``)."""
    found = (re.match(r"[A-Za-z0-9_.-]+", r.strip()) for r in requirements)
    return {m.group(0).lower().replace("_", "-") for m in found if m}


def test_the_web_stack_is_the_app_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    web = {"streamlit", "folium", "streamlit-folium", "branca", "jinja2", "django-js-lib-leaflet"}
    assert _names(project["optional-dependencies"]["app"]) == web
    assert not _names(project["dependencies"]) & web
    assert set(project["optional-dependencies"]) == {"app", "test"}  # no unused extra


def test_every_imported_package_is_declared() -> None:
    """Each top-level package the library, the CLI or the app imports is a declared requirement."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _names(project["dependencies"]) | _names(project["optional-dependencies"]["app"])
    modules = importlib.metadata.packages_distributions()
    imported: set[str] = set()
    for file in [ROOT / "app.py", *(ROOT / "portfolio").rglob("*.py")]:
        for line in file.read_text(encoding="utf-8").splitlines():
            found = re.match(r"\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*)", line)
            if found and found.group(1) in modules and found.group(1) not in sys.stdlib_module_names:
                imported.add(found.group(1))
    undeclared = {
        name: modules[name]
        for name in imported
        if not _names(modules[name]) & declared and name != "portfolio"
    }
    assert undeclared == {}


def _required(name: str, extras: frozenset[str], seen: dict[str, str], done: set[tuple[str, str]]) -> None:
    """Add to ``seen`` (key -> name) the distribution ``name`` and every one it requires, with
    ``extras``, directly or not, as installed here (markers evaluated for this interpreter)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen.setdefault(canonicalize_name(name), name)
    for extra in extras or {""}:
        if (canonicalize_name(name), extra) in done:
            continue
        done.add((canonicalize_name(name), extra))
        for text in importlib.metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                _required(req.name, frozenset(req.extras), seen, done)


def test_every_installed_requirement_is_pinned() -> None:
    """constraints.txt pins each package the project requires (with the ``app`` and ``test`` extras that
    ``make setup`` installs), directly or not, to what is installed, and nothing else."""
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {
        canonicalize_name(line.split("==")[0]): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    seen: dict[str, str] = {}
    _required("cantho-portfolio", frozenset({"app", "test"}), seen, set())
    del seen["cantho-portfolio"]
    assert len(seen) > 20  # (the walk went past the direct requirements)
    for key, name in sorted(seen.items()):
        assert key in pins, f"{name} is not in constraints.txt"
        assert importlib.metadata.version(name) == pins[key], name
    assert sorted(set(pins) - set(seen)) == [], "pinned in constraints.txt but no longer required"


def test_version_comes_from_the_package_metadata() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert portfolio.__version__ == importlib.metadata.version("cantho-portfolio") == project["version"]


def test_leaflet_files_are_checked_by_content_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = assets.find_leaflet()
    assert assets.mismatched(source.folder) == []
    copy = tmp_path / "dist"
    shutil.copytree(source.folder, copy)
    (copy / "leaflet.js").write_text("/* @preserve Leaflet 1.9.4, but not Leaflet's */", encoding="utf-8")
    fake = assets.AssetSource("tampered", copy)
    monkeypatch.setattr(assets, "_pypi_source", lambda: fake)
    monkeypatch.setattr(assets, "_npm_source", lambda *a: None)
    with pytest.raises(assets.AssetError, match=r"tampered .* is not Leaflet 1\.9\.4: leaflet\.js differ"):
        assets.install(tmp_path / "vendor")
    assert not (tmp_path / "vendor").exists()


def test_a_wheel_installs_and_validates_from_another_folder(tmp_path: Path) -> None:
    """Built as a wheel and installed (not editable) with the pinned versions and without the app extra,
    the package finds its bundled register and validates it from any folder; the web stack is absent."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("cantho_portfolio-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PORTFOLIO_", "PYTHON"))}
    done = subprocess.run(
        [str(python), "-m", "portfolio", "validate"],
        capture_output=True,
        text=True,
        check=False,
        cwd=elsewhere,
        env=clean,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ") and "site-packages" in done.stdout, done.stdout
    probe = subprocess.run(
        [str(python), "-c", "import portfolio, streamlit"],
        capture_output=True,
        text=True,
        check=False,
        cwd=elsewhere,
        env=clean,
    )
    assert "No module named 'streamlit'" in probe.stderr
    version = subprocess.run(
        [str(python), "-c", "import portfolio; print(portfolio.__version__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=elsewhere,
        env=clean,
    )
    assert version.stdout.strip() == portfolio.__version__
