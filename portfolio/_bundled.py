"""Where the bundled register and the checkout's folders are, for an editable and a non-editable install.

The register that ships with the project (``projects.csv`` and ``geodata/``) lives at the root of the
checkout; ``portfolio/_data/`` links to it, so a wheel carries copies (package data). Run from a
checkout (an editable install, the tests, the app), the checkout's own files are used; installed from
a wheel, the copies inside the package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

#: The folder holding the ``portfolio`` package: the checkout's root, or ``site-packages``.
ROOT: Final[Path] = Path(__file__).resolve().parent.parent
#: The package's copy of the bundled register (links into the checkout, files in a wheel).
DATA: Final[Path] = Path(__file__).resolve().parent / "_data"


def checkout() -> Path | None:
    """The checkout's root when the package runs from one (it has ``pyproject.toml`` and ``app.py``)."""
    return ROOT if (ROOT / "pyproject.toml").is_file() and (ROOT / "app.py").is_file() else None


def bundled(name: str) -> Path:
    """The bundled ``projects.csv`` or ``geodata``: the checkout's own, else the installed copy."""
    root = checkout()
    return root / name if root is not None else DATA / name
