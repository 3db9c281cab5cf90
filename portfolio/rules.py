"""The register's rules: a pure layer over the raw inputs the readers give.

``check(raw, geo, boundary)`` returns every problem the rows, the rows together and the geometries
break; it reads no file and imports no reader (the raw inputs are duck-typed: anything with the
attributes of :class:`portfolio.readers.RawRegister` and :class:`~portfolio.readers.RawGeodata`, e.g. the
rows a database store gives). :mod:`portfolio.register` reads, calls this and builds the frame.
"""

from __future__ import annotations

from collections.abc import Iterable
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
                    Problem(
                        reg_name,
                        f"row {number} (id {ident})",
                        "id",
                        "duplicate_id",
                        f"id already used in row {first_row[ident]}",
                    )
                )
                continue
            first_row[ident] = number
        if ok:
            valid.append(row)
    for number, row in zip(raw.row_numbers, raw.rows, strict=True):
        parent, ident = row.get("parent_id", "").strip(), row["id"].strip()
        where = f"row {number}" + (f" (id {ident})" if ident else "")
        if parent and parent not in first_row:
            problems.append(
                Problem(
                    reg_name,
                    where,
                    "parent_id",
                    "unknown_parent",
                    f"parent {parent!r} is not an id of the register",
                )
            )
        elif parent and parent == ident:
            problems.append(
                Problem(reg_name, where, "parent_id", "unknown_parent", "a project cannot be its own parent")
            )
    problems += _parent_cycles(reg_name, raw.rows, raw.row_numbers)
    geometry_problems = [] if geo is None else _check_geometries(first_row, valid, geo, boundary)
    return Checked(problems, geometry_problems, valid)


def _check_geometries(
    first_row: dict[str, int],
    valid: list[dict[str, str]],
    geo: RawGeometries,
    boundary: shapely.Geometry | None,
) -> list[Problem]:
    """``orphan_geometry``, ``missing_geometry``, and for each valid row with a geometry
    ``wrong_geometry_kind``, ``outside_city`` and ``area_mismatch``."""
    problems: list[Problem] = []
    geo_name = str(geo.path)
    for ident in geo.order:
        if ident not in first_row:
            problems.append(
                Problem(
                    geo_name, f"id {ident}", "id", "orphan_geometry", "feature has no row in the register"
                )
            )
    rows_by_id = {row["id"]: row for row in valid}
    areas = _official_polygon_areas(first_row, rows_by_id, geo.geometries)
    for ident, number in first_row.items():
        if ident not in geo.geometries:
            problems.append(
                Problem(
                    geo_name,
                    f"id {ident}",
                    "geometry",
                    "missing_geometry",
                    f"register row {number} has no feature in {PROJECTS_FILE}",
                )
            )
            continue
        geom = geo.geometries[ident]
        valid_row = rows_by_id.get(ident)
        if geom is None or valid_row is None:
            continue
        problems += _check_geometry(
            geo_name, ident, geom, valid_row, valid_row["sector"], boundary, areas.get(ident)
        )
    return problems


def _official_polygon_areas(
    idents: Iterable[str],
    rows_by_id: dict[str, dict[str, str]],
    geometries: dict[str, shapely.Geometry | None],
) -> dict[str, float]:
    """Area (ha, :data:`METRIC_CRS`) of each polygon whose row gives ``official_area_ha``: the ones
    ``area_mismatch`` compares, reprojected together in one call (:func:`_areas_ha`)."""
    wanted = []
    for ident in idents:
        geom, row = geometries.get(ident), rows_by_id.get(ident)
        if geom is None or row is None or not row.get("official_area_ha", "").strip():
            continue
        if schema.geometry_family(geom) == "polygon":
            wanted.append(ident)
    return dict(zip(wanted, _areas_ha([geometries[i] for i in wanted]), strict=True))


@lru_cache(maxsize=1)
def _to_metric_crs() -> Transformer:
    return Transformer.from_crs(WGS84_CRS, METRIC_CRS, always_xy=True)


def _areas_ha(geoms: list[shapely.Geometry]) -> list[float]:
    """Areas in hectares, measured in :data:`METRIC_CRS` (same result as GeoSeries.to_crs().area): every
    position goes through the transformer in one call, each exactly as it would alone."""
    if not geoms:
        return []
    transformer = _to_metric_crs()

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    projected = shapely.transform(np.asarray(geoms, dtype=object), project)
    return [float(area) / 10_000 for area in shapely.area(projected)]


def _area_ha(geom: shapely.Geometry) -> float:
    """:func:`_areas_ha` of one geometry."""
    return _areas_ha([geom])[0]


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
            problems.append(
                Problem(
                    file,
                    f"row {number} (id {start})",
                    "parent_id",
                    "parent_cycle",
                    f"parents form a cycle: {chain}",
                )
            )
    return problems


def _check_geometry(
    file: str,
    ident: str,
    geom: shapely.Geometry,
    row: dict[str, str],
    sector: str,
    boundary: shapely.Geometry | None,
    area_ha: float | None = None,
) -> list[Problem]:
    """The geometry rules of one row; ``area_ha`` is the polygon's area when already measured."""
    where = f"id {ident}"
    problems: list[Problem] = []
    family = schema.geometry_family(geom)
    allowed = schema.SECTOR_GEOMETRY[sector]
    if family not in allowed:
        problems.append(
            Problem(
                file,
                where,
                "geometry",
                "wrong_geometry_kind",
                f"a {sector} project must be a {' or '.join(sorted(allowed))}, not a {geom.geom_type}",
            )
        )
    if row["scope"] == "city" and boundary is not None and geom.distance(boundary) > CITY_TOLERANCE_DEG:
        problems.append(
            Problem(
                file,
                where,
                "geometry",
                "outside_city",
                "a city-scope project lies outside the city boundary "
                f"({BOUNDARY_FILE}); fix the geometry or set scope=regional",
            )
        )
    official = row.get("official_area_ha", "").strip()
    if official and family == "polygon":
        area_ha = _area_ha(geom) if area_ha is None else area_ha
        target = float(official)
        if target > 0 and abs(area_ha - target) / target > AREA_TOLERANCE:
            problems.append(
                Problem(
                    file,
                    where,
                    "geometry",
                    "area_mismatch",
                    f"polygon area {_hectares(area_ha)} ha differs from official_area_ha "
                    f"{_hectares(target)} ha by more than {AREA_TOLERANCE:.0%}",
                )
            )
    return problems


# --- the registry: every rule once, with its code, what it means and the check that emits it -----------


@dataclass(frozen=True)
class Rule:
    """One rule of the register: its stable code (each problem's ``rule``), the group it belongs to, what
    it asks for, and the check that reports it (a dotted name: module, or module and function)."""

    code: str
    group: str
    description: str
    check: str


#: Groups of rules, in the order they are listed (and, mostly, checked).
RULE_GROUPS: tuple[str, ...] = (
    "file structure",
    "cells",
    "period columns against the period history",
    "rows together",
    "geodata file",
    "geometry",
    "internal",
)

_FILES, _CSV, _ROWS = "portfolio._files.read_text", "portfolio.readers.read_register", "portfolio._rows"
_GEO, _BOUNDARY = "portfolio.readers.read_geodata", "portfolio.readers.read_boundary"
_SHAPE = "portfolio.readers._resolve"

#: Every rule, by code. The validate module's docstring, the README's list of rule codes and
#: ``tests/test_validate.py`` (every rule broken on purpose) are read from, or tested against, this.
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("missing_file", "file structure", "the file does not exist", _FILES),
        Rule("unreadable", "file structure", "the file or folder cannot be looked at or read", _FILES),
        Rule("empty_file", "file structure", "the file is empty, or the register has no header row", _FILES),
        Rule("too_large", "file structure", "the file is over 256 MiB", _FILES),
        Rule(
            "not_text", "file structure", "the file is not text (a spreadsheet, an archive, binary)", _FILES
        ),
        Rule("bom", "file structure", "the file starts with a byte-order mark", _FILES),
        Rule("not_utf8", "file structure", "the file is not UTF-8 (the message names the line)", _FILES),
        Rule("csv_syntax", "file structure", "the CSV cannot be parsed (an unclosed quote)", _CSV),
        Rule("wrong_delimiter", "file structure", "the register is not comma-separated", _CSV),
        Rule("missing_column", "file structure", "a register column is missing from the header", _CSV),
        Rule("duplicate_column", "file structure", "a column appears twice in the header", _CSV),
        Rule("unknown_column", "file structure", "a header cell is empty or not a register column", _CSV),
        Rule("ragged_row", "file structure", "a row has more or fewer cells than the header", _CSV),
        Rule("no_rows", "file structure", "the register has a header but no project rows", _CSV),
        Rule("cell_too_long", "cells", "a cell holds more than 32,767 characters (Excel's limit)", _ROWS),
        Rule("required", "cells", "a required column is empty", _ROWS),
        Rule("formula", "cells", "a cell starts like a spreadsheet formula (=, +, -, @, tab, CR)", _ROWS),
        Rule(
            "control_char",
            "cells",
            "a control, zero-width or text-direction character, or a line break outside notes",
            _ROWS,
        ),
        Rule("not_nfc", "cells", "text is not in Unicode NFC", _ROWS),
        Rule("whitespace", "cells", "a cell has leading or trailing whitespace", _ROWS),
        Rule("unknown_value", "cells", "a value outside its column's vocabulary", _ROWS),
        Rule("bad_year", "cells", "a period year is not four ASCII digits", _ROWS),
        Rule("implausible_year", "cells", "a period year is outside 1990-2060", _ROWS),
        Rule("period_order", "cells", "period_start is after period_end", _ROWS),
        Rule("bad_id", "cells", "an id or parent_id is not a lowercase ASCII slug", _ROWS),
        Rule("bad_source", "cells", "no source cited, or one that names no known document or ngoài:", _ROWS),
        Rule(
            "bad_period_history",
            "cells",
            "a period_history entry is not DOCUMENT=START-END with "
            "plausible years, in order, naming a known document",
            _ROWS,
        ),
        Rule("bad_precision", "cells", "geocode_precision is not one digit 1-6", _ROWS),
        Rule(
            "bad_date", "cells", "status_as_of is not an ISO date, or is implausible or in the future", _ROWS
        ),
        Rule("bad_number", "cells", "an official area or length is not a plain decimal above 0", _ROWS),
        Rule(
            "period_not_in_history",
            "period columns against the period history",
            "a history is given but the period columns are empty or equal none of its entries (or a "
            "Phụ lục II row's history has no 202/KH-UBND entry)",
            _ROWS,
        ),
        Rule(
            "period_not_current",
            "period columns against the period history",
            "the period columns equal an entry, but not the 202/KH-UBND one of a row citing its Phụ lục II, "
            "or else the last, most recent one",
            _ROWS,
        ),
        Rule(
            "period_history_order",
            "period columns against the period history",
            "entries are not oldest first by their documents' dates (where both dates can be read)",
            _ROWS,
        ),
        Rule(
            "period_history_date",
            "period columns against the period history",
            'an outside entry with no readable date that does not say "không rõ ngày"',
            _ROWS,
        ),
        Rule("duplicate_id", "rows together", "an id is used by two rows", "portfolio.rules.check_all"),
        Rule(
            "unknown_parent",
            "rows together",
            "parent_id is not an id of the register, or the row itself",
            "portfolio.rules.check_all",
        ),
        Rule("parent_cycle", "rows together", "parents form a cycle", "portfolio.rules._parent_cycles"),
        Rule("bad_json", "geodata file", "the file is not valid JSON", "portfolio.readers._parse_document"),
        Rule(
            "not_feature_collection",
            "geodata file",
            "not a GeoJSON FeatureCollection with a features array",
            "portfolio.readers._collection_features",
        ),
        Rule(
            "no_features",
            "geodata file",
            "the FeatureCollection holds no features",
            "portfolio.readers._collection_features",
        ),
        Rule(
            "bad_feature",
            "geodata file",
            "an entry of features is not a GeoJSON Feature",
            "portfolio.readers",
        ),
        Rule(
            "wrong_crs",
            "geodata file",
            "a crs member other than WGS 84 (CRS84, EPSG:4326)",
            "portfolio.readers._collection_features",
        ),
        Rule("missing_id", "geometry", "a feature has no text id property", _GEO),
        Rule(
            "missing_geometry",
            "geometry",
            "a feature has no geometry, or a row has no feature",
            "portfolio.readers",
        ),
        Rule(
            "orphan_geometry",
            "geometry",
            "a feature's id has no row in the register",
            "portfolio.rules._check_geometries",
        ),
        Rule("duplicate_geometry", "geometry", "an id has more than one feature", _GEO),
        Rule("empty_geometry", "geometry", "a geometry with no coordinates, or empty", "portfolio.readers"),
        Rule("invalid_geometry", "geometry", "a geometry shapely finds invalid (self-intersection…)", _SHAPE),
        Rule("unclosed_ring", "geometry", "a polygon ring whose first and last positions differ", _SHAPE),
        Rule(
            "bad_geometry",
            "geometry",
            "a geometry that is not GeoJSON of an allowed type with [lon, lat] "
            "positions (GeometryCollection, too few positions, not numbers)",
            _SHAPE,
        ),
        Rule("projected_coordinates", "geometry", "coordinates in metres labelled WGS 84", _SHAPE),
        Rule("swapped_coordinates", "geometry", "coordinates in (lat, lon) order", _SHAPE),
        Rule("outside_region", "geometry", "a vertex outside lon 104.3-107.0, lat 8.5-11.2", _SHAPE),
        Rule(
            "outside_city",
            "geometry",
            "a city-scope project more than about 2 km outside the city boundary",
            "portfolio.rules._check_geometry",
        ),
        Rule(
            "wrong_geometry_kind",
            "geometry",
            "a geometry family the sector does not allow, or a city "
            "boundary feature that is not a Polygon or MultiPolygon",
            "portfolio.rules._check_geometry",
        ),
        Rule(
            "area_mismatch",
            "geometry",
            "a polygon's area is more than 15 % off official_area_ha",
            "portfolio.rules._check_geometry",
        ),
        Rule(
            "internal_error",
            "internal",
            "a check failed unexpectedly (reported, never raised)",
            "portfolio.register.validate_parsed",
        ),
    )
}


def rule_list(codes: Iterable[str] | None = None) -> str:
    """The rules as a bullet list by group (``- cells: ``a``, ``b``;``), for docstrings and docs."""
    wanted = set(RULES if codes is None else codes)
    lines = []
    for group in RULE_GROUPS:
        listed = [f"``{code}``" for code, rule in RULES.items() if rule.group == group and code in wanted]
        if listed:
            lines.append(f"- {group}: {', '.join(listed)};")
    return "\n".join(lines)
