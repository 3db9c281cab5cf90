"""The files store: ``projects.csv`` + ``geodata/projects.geojson`` + ``geodata/city_boundary.geojson``.

It wraps the file readers of :mod:`portfolio.register` (:func:`~portfolio.register.read_register`,
:func:`~portfolio.register.read_geodata`, :func:`~portfolio.register.load_boundary`); its version is
the state (resolved path, modification time, size) of the three files.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import shapely

from portfolio._errors import InputError, Problem, RegisterError, StoreError
from portfolio.register import (
    BOUNDARY_FILE,
    PROJECTS_FILE,
    RawGeodata,
    _file_state,
    geodata_folder_problem,
    load_boundary,
    read_geodata,
    read_register,
)
from portfolio.stores import RawInputs


@dataclass(frozen=True)
class FilesStore:
    """The register CSV ``register`` and the folder ``geodata`` (projects and boundary GeoJSON)."""

    register: Path
    geodata: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "register", Path(self.register))
        object.__setattr__(self, "geodata", Path(self.geodata))

    @property
    def label(self) -> str:
        """The two paths as given: ``projects.csv + geodata``."""
        return f"{self.register} + {self.geodata}"

    def version(self) -> str:
        """The files' states (resolved path, modification time in ns, size; ``-1`` when missing).

        Raises
        ------
        StoreError
            One ``unreadable`` problem per path that cannot be looked at (a name too long, a folder
            the user may not enter, a file where the geodata folder should be).
        """
        problems: list[Problem] = []
        states: list[tuple[str, int, int]] = []
        try:
            states.append(_file_state(self.register, "register"))
        except RegisterError as exc:
            problems += exc.problems
        folder = geodata_folder_problem(self.geodata)
        if folder is not None:
            problems.append(folder)
        else:
            try:
                states.append(_file_state(self.geodata / PROJECTS_FILE, "geodata"))
                states.append(_file_state(self.geodata / BOUNDARY_FILE, "geodata"))
            except RegisterError as exc:
                problems += exc.problems
        if problems:
            raise StoreError(problems)
        return repr(states)

    def read(self) -> RawInputs:
        """Read the three files; every problem of reading them is in the result, none is raised."""
        version = ""
        with contextlib.suppress(StoreError):  # the readers report the same paths with their problems
            version = self.version()
        raw, register_problems = read_register(self.register)
        geo: RawGeodata | None = None
        boundary: shapely.Geometry | None = None
        boundary_problems: list[Problem] = []
        folder = geodata_folder_problem(self.geodata)
        if folder is not None:  # a file, or a path that cannot be looked at: one problem naming it
            geo_problems = [folder]
        else:
            geo, geo_problems = read_geodata(self.geodata / PROJECTS_FILE)
            try:
                boundary = load_boundary(self.geodata).geometry.union_all()
            except InputError as exc:
                boundary_problems = list(exc.problems)
        return RawInputs(
            register=raw,
            geodata=geo,
            boundary=boundary,
            register_name=str(self.register),
            geodata_name=str(geo.path) if geo is not None else str(self.geodata / PROJECTS_FILE),
            version=version,
            register_problems=register_problems,
            geodata_problems=geo_problems,
            boundary_problems=boundary_problems,
        )
