"""The register's rules: a pure layer over the raw inputs the readers give.

``check(raw, geo, boundary)`` returns every problem the rows, the rows together and the geometries
break; it reads no file and imports no reader (the raw inputs are duck-typed: anything with the
attributes of :class:`portfolio.readers.RawRegister` and :class:`~portfolio.readers.RawGeodata`, e.g. the
rows a database store gives). :mod:`portfolio.register` reads, calls this and builds the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
import shapely
from pyproj import Transformer

from portfolio import schema
from portfolio._errors import Problem
from portfolio._rows import check_rows
from portfolio._text import compact_number
from portfolio.constants import AREA_TOLERANCE, CITY_TOLERANCE_DEG, METRIC_CRS, WGS84_CRS

#: The file in which the city boundary is read (named in the ``outside_city`` message).
BOUNDARY_FILE = "city_boundary.geojson"
#: The file in which the project geometries are read (named in the ``missing_geometry`` message).
PROJECTS_FILE = "projects.geojson"


class RawRows(Protocol):
    """The register as read (see :class:`portfolio.readers.RawRegister`)."""

    @property
    def path(self) -> object: ...
    @property
    def rows(self) -> list[dict[str, str]]: ...
    @property
    def row_numbers(self) -> list[int]: ...


class RawGeometries(Protocol):
    """The project geometries as read (see :class:`portfolio.readers.RawGeodata`)."""

    @property
    def path(self) -> object: ...
    @property
    def geometries(self) -> dict[str, shapely.Geometry | None]: ...
    @property
    def order(self) -> list[str]: ...


@dataclass(frozen=True)
class Checked:
    """What :func:`check_all` finds: the register's problems, the geometries' problems, the valid rows."""

    #: Problems of the rows and of the rows together, in register order.
    register: list[Problem]
    #: Problems of the geometries against the rows (empty when no geodata was read).
    geometries: list[Problem]
    #: The rows that pass their own checks, first occurrence of each id only, in register order.
    rows: list[dict[str, str]]


def check(raw: RawRows, geo: RawGeometries | None, boundary: shapely.Geometry | None) -> list[Problem]:
    """Every rule the raw register and its geometries break, the register's first.

    ``geo`` is ``None`` when the geodata could not be read (only the register is then checked);
    ``boundary`` is the city outline, ``None`` when it could not be read (no project is then checked
    against it).
    """
    found = check_all(raw, geo, boundary)
    return found.register + found.geometries


def check_all(raw: RawRows, geo: RawGeometries | None, boundary: shapely.Geometry | None) -> Checked:
    """:func:`check`, with the register's and the geometries' problems apart (a reader's problems go
    between them, file by file) and the valid rows."""
    reg_name = str(raw.path)
    problems: list[Problem] = []
    valid: list[dict[str, str]] = []
    first_row: dict[str, int] = {}
    checked = check_rows(reg_name, raw.row_numbers, raw.rows)
    for number, row, (ok, found) in zip(raw.row_numbers, raw.rows, checked, strict=True):
        problems += found
        ident = row["id"].strip()
        if ident:
            if ident in first_row:
                problems.append(
                    Problem(reg_name, f"row {number} (id {ident})", "id", "duplicate_id",
                            f"id already used in row {first_row[ident]}")
                )
                continue
            first_row[ident] = number
        if ok:
            valid.append(row)
    for number, row in zip(raw.row_numbers, raw.rows, strict=True):
        parent, ident = row.get("parent_id", "").strip(), row["id"].strip()
        where = f"row {number}" + (f" (id {ident})" if ident else "")
        if parent and parent not in first_row:
            problems.append(Problem(reg_name, where, "parent_id", "unknown_parent",
                                    f"parent {parent!r} is not an id of the register"))
        elif parent and parent == ident:
            problems.append(Problem(reg_name, where, "parent_id", "unknown_parent",
                                    "a project cannot be its own parent"))
    problems += _parent_cycles(reg_name, raw.rows, raw.row_numbers)
    geometry_problems = [] if geo is None else _check_geometries(first_row, valid, geo, boundary)
    return Checked(problems, geometry_problems, valid)


def _check_geometries(first_row: dict[str, int], valid: list[dict[str, str]], geo: RawGeometries,
                      boundary: shapely.Geometry | None) -> list[Problem]:
    """``orphan_geometry``, ``missing_geometry``, and for each valid row with a geometry
    ``wrong_geometry_kind``, ``outside_city`` and ``area_mismatch``."""
    problems: list[Problem] = []
    geo_name = str(geo.path)
    for ident in geo.order:
        if ident not in first_row:
            problems.append(Problem(geo_name, f"id {ident}", "id", "orphan_geometry",
                                    "feature has no row in the register"))
    rows_by_id = {row["id"]: row for row in valid}
    for ident, number in first_row.items():
        if ident not in geo.geometries:
            problems.append(Problem(geo_name, f"id {ident}", "geometry", "missing_geometry",
                                    f"register row {number} has no feature in {PROJECTS_FILE}"))
            continue
        geom = geo.geometries[ident]
        valid_row = rows_by_id.get(ident)
        if geom is None or valid_row is None:
            continue
        problems += _check_geometry(geo_name, ident, geom, valid_row, valid_row["sector"], boundary)
    return problems


@lru_cache(maxsize=1)
def _to_metric_crs() -> Transformer:
    return Transformer.from_crs(WGS84_CRS, METRIC_CRS, always_xy=True)


def _area_ha(geom: shapely.Geometry) -> float:
    """Area in hectares, measured in :data:`METRIC_CRS` (same result as GeoSeries.to_crs().area)."""
    transformer = _to_metric_crs()

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return float(shapely.area(shapely.transform(geom, project))) / 10_000


def _hectares(value: float) -> str:
    """An area for a message: ``1,234.5``, or ``1.23457e+20`` when grouping would make it long."""
    return f"{value:,.1f}" if abs(value) < 1e12 else compact_number(value)


def _parent_cycles(file: str, rows: list[dict[str, str]], numbers: list[int]) -> list[Problem]:
    """One ``parent_cycle`` problem per row whose chain of parents comes back to itself."""
    parent = {row["id"].strip(): row.get("parent_id", "").strip() for row in rows if row["id"].strip()}
    problems = []
    for number, row in zip(numbers, rows, strict=True):
        start = row["id"].strip()
        seen, current = [start], parent.get(start, "")
        while current and current in parent and current not in seen:
            seen.append(current)
            current = parent[current]
        if current == start and len(seen) > 1:
            chain = " → ".join([*seen, start])
            problems.append(Problem(file, f"row {number} (id {start})", "parent_id", "parent_cycle",
                                    f"parents form a cycle: {chain}"))
    return problems


def _check_geometry(
    file: str, ident: str, geom: shapely.Geometry, row: dict[str, str], sector: str,
    boundary: shapely.Geometry | None,
) -> list[Problem]:
    where = f"id {ident}"
    problems: list[Problem] = []
    family = schema.geometry_family(geom)
    allowed = schema.SECTOR_GEOMETRY[sector]
    if family not in allowed:
        problems.append(Problem(file, where, "geometry", "wrong_geometry_kind",
                                f"a {sector} project must be a {' or '.join(sorted(allowed))}, "
                                f"not a {geom.geom_type}"))
    if row["scope"] == "city" and boundary is not None and geom.distance(boundary) > CITY_TOLERANCE_DEG:
        problems.append(Problem(file, where, "geometry", "outside_city",
                                "a city-scope project lies outside the city boundary "
                                f"({BOUNDARY_FILE}); fix the geometry or set scope=regional"))
    official = row.get("official_area_ha", "").strip()
    if official and family == "polygon":
        area_ha = _area_ha(geom)
        target = float(official)
        if target > 0 and abs(area_ha - target) / target > AREA_TOLERANCE:
            problems.append(Problem(file, where, "geometry", "area_mismatch",
                                    f"polygon area {_hectares(area_ha)} ha differs from official_area_ha "
                                    f"{_hectares(target)} ha by more than {AREA_TOLERANCE:.0%}"))
    return problems
