"""Local copies of the map's scripts and styles, served by the app itself (no CDN at run time).

Leaflet 1.9.4 comes from an *installed* package, never from the repository and never from a CDN:
the PyPI package ``django-js-lib-leaflet`` ships Leaflet's ``dist`` files (BSD licence, no
dependencies; it is located on disk, never imported, so Django is not needed). ``npm install
leaflet@1.9.4`` in the project folder is accepted as a second source. At set-up
(``python -m portfolio assets``, run by ``make setup``) the files are copied into
``static/vendor/leaflet/`` (git-ignored); Streamlit serves them at ``/app/static/vendor/...`` when
``[server] enableStaticServing = true`` (``.streamlit/config.toml``).

Only Leaflet is needed: the map uses ``GeoJson`` with ``GeoJsonTooltip`` and ``CircleMarker``,
which need neither jQuery nor Bootstrap (see :mod:`portfolio.mapview`).
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from portfolio._errors import PortfolioError

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: URL under which Streamlit serves ``static/`` (``enableStaticServing``), as seen from the map's
#: iframe (``<base>/component/streamlit_folium.st_folium/index.html``). Relative, so the app also
#: works behind a reverse proxy under a path (``--server.baseUrlPath``).
STATIC_URL = "../../app/static"

LEAFLET_VERSION = "1.9.4"
#: Files copied from Leaflet's ``dist`` folder, relative to it.
LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


class AssetError(PortfolioError):
    """The map's local assets cannot be found or copied."""


@dataclass(frozen=True)
class AssetSource:
    """Where an installed copy of Leaflet's ``dist`` files was found."""

    package: str
    folder: Path


def _pypi_source() -> AssetSource | None:
    spec = importlib.util.find_spec("js_lib_leaflet")  # finds the folder without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" / "js_lib_leaflet"
    return AssetSource("django-js-lib-leaflet (PyPI)", folder) if folder.is_dir() else None


def _npm_source(root: Path = ROOT) -> AssetSource | None:
    folder = root / "node_modules" / "leaflet" / "dist"
    return AssetSource("leaflet (npm)", folder) if folder.is_dir() else None


def find_leaflet() -> AssetSource:
    """Locate an installed Leaflet |version| ``dist`` folder.

    Raises
    ------
    AssetError
        When no installed package provides Leaflet's files, or the version is not 1.9.4.
    """
    for source in (_pypi_source(), _npm_source()):
        if source is None:
            continue
        missing = [name for name in LEAFLET_FILES if not (source.folder / name).is_file()]
        if missing:
            continue
        head = (source.folder / "leaflet.js").read_text(encoding="utf-8", errors="replace")[:400]
        if f"Leaflet {LEAFLET_VERSION}" not in head:
            raise AssetError(f"{source.package} at {source.folder} is not Leaflet {LEAFLET_VERSION}")
        return source
    raise AssetError(
        "Leaflet is not installed: run `pip install django-js-lib-leaflet==1.9.4.1` "
        "(or `npm install leaflet@1.9.4`), then `python -m portfolio assets`"
    )


def install(dest: Path = VENDOR_DIR) -> list[Path]:
    """Copy Leaflet's files from the installed package into ``dest/leaflet/``.

    Returns the copied paths. Idempotent: files are rewritten only when they differ.
    """
    source = find_leaflet()
    copied: list[Path] = []
    for name in LEAFLET_FILES:
        src, dst = source.folder / name, dest / "leaflet" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.is_file() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
        copied.append(dst)
    (dest / "leaflet" / "SOURCE.txt").write_text(
        f"Leaflet {LEAFLET_VERSION}, copied from {source.package} by `python -m portfolio assets`.\n"
        "Generated at set-up; not part of the repository.\n",
        encoding="utf-8",
    )
    return copied


def missing(dest: Path = VENDOR_DIR) -> list[str]:
    """Names of the vendor files that are not in place (empty when the map can load offline)."""
    return [name for name in LEAFLET_FILES if not (dest / "leaflet" / name).is_file()]


def js_links() -> list[tuple[str, str]]:
    """``(name, url)`` pairs for ``folium.Map.default_js``: local Leaflet only."""
    return [("leaflet", f"{STATIC_URL}/vendor/leaflet/leaflet.js")]


def css_links() -> list[tuple[str, str]]:
    """``(name, url)`` pairs for ``folium.Map.default_css``."""
    return [("leaflet_css", f"{STATIC_URL}/vendor/leaflet/leaflet.css")]
