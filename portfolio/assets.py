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

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from portfolio import _bundled
from portfolio._errors import PortfolioError

ROOT = _bundled.ROOT
#: ``static/`` beside ``app.py``, which Streamlit serves: the checkout's (the app runs from a checkout), or
#: the current folder's when the package is installed from a wheel.
STATIC_DIR = (_bundled.checkout() or Path.cwd()) / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
#: URL under which Streamlit serves ``static/`` (``enableStaticServing``), as seen from the map's
#: iframe (``<base>/component/streamlit_folium.st_folium/index.html``). Relative, so the app also
#: works behind a reverse proxy under a path (``--server.baseUrlPath``).
STATIC_URL = "../../app/static"

LEAFLET_VERSION = "1.9.4"
#: Files copied from Leaflet's ``dist`` folder, relative to it, with their SHA-256: those of the ``dist``
#: folder of Leaflet's own release on npm (``npm pack leaflet@1.9.4``), which django-js-lib-leaflet
#: 1.9.4.1 ships byte for byte. A source whose files differ is refused, and so is a copy in ``static/``.
LEAFLET_SHA256: dict[str, str] = {
    "leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    "leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
    "images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    "images/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
    "images/marker-icon.png": "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
    "images/marker-icon-2x.png": "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
    "images/marker-shadow.png": "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
}
LEAFLET_FILES = tuple(LEAFLET_SHA256)


def sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mismatched(folder: Path) -> list[str]:
    """Names of :data:`LEAFLET_FILES` in ``folder`` whose content is not Leaflet's (missing ones too)."""
    return [
        name
        for name, digest in LEAFLET_SHA256.items()
        if not (folder / name).is_file() or sha256(folder / name) != digest
    ]


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
        differ = mismatched(source.folder)
        if differ:
            raise AssetError(
                f"{source.package} at {source.folder} is not Leaflet {LEAFLET_VERSION}: "
                f"{', '.join(differ)} differ from its release (SHA-256)"
            )
        return source
    raise AssetError(
        "Leaflet is not installed: install the app extra (`pip install -c constraints.txt -e .[app]`) "
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
    differ = mismatched(dest / "leaflet")
    if differ:  # the copy is checked too: a disk that lies, a file changed meanwhile
        raise AssetError(f"the copies in {dest / 'leaflet'} differ from Leaflet's: {', '.join(differ)}")
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
