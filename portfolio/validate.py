"""Check the register and its geodata together.

Rules (each problem's ``rule``; every one is broken on purpose by ``tests/test_validate.py``):

- file structure: ``missing_file``, ``unreadable``, ``empty_file``, ``too_large``, ``not_text``,
  ``bom``, ``not_utf8``, ``csv_syntax``, ``wrong_delimiter``, ``missing_column``,
  ``duplicate_column``, ``unknown_column``, ``ragged_row``, ``no_rows``;
- cells: ``cell_too_long``, ``required``, ``formula``, ``control_char``, ``not_nfc``, ``whitespace``,
  ``unknown_value``, ``bad_year``, ``implausible_year``, ``period_order``, ``bad_id``,
  ``bad_source``, ``bad_period_history``, ``bad_precision``, ``bad_date``, ``bad_number``;
- period columns against the period history (see :func:`portfolio._rows.history_checks`):
  ``period_not_in_history`` (a history is given but the period columns are empty or equal none of its
  entries), ``period_not_current`` (they equal an entry but not the 202/KH-UBND one of a row citing its
  Phụ lục II, or else the last, most recent one), ``period_history_order`` (entries not oldest first
  by their documents' dates, where both dates can be read), ``period_history_date`` (an outside
  entry with no readable date that does not say "không rõ ngày");
- rows together: ``duplicate_id``, ``unknown_parent``, ``parent_cycle``;
- geodata file: ``bad_json``, ``not_feature_collection``, ``no_features``, ``bad_feature``,
  ``wrong_crs``;
- geometry: ``missing_id``, ``missing_geometry``, ``orphan_geometry``, ``duplicate_geometry``,
  ``empty_geometry``, ``invalid_geometry``, ``unclosed_ring``, ``bad_geometry``,
  ``projected_coordinates``, ``swapped_coordinates``, ``outside_region``, ``outside_city``,
  ``wrong_geometry_kind``, ``area_mismatch``; the city boundary (city_boundary.geojson) must be
  non-empty, valid Polygon or MultiPolygon features, else ``wrong_geometry_kind``, ``empty_geometry`` or
  ``invalid_geometry`` on its feature (and no project is then checked against it).

``internal_error`` is reported (never raised) if a check itself fails unexpectedly, so that no
exception other than :class:`~portfolio.RegisterError` reaches a user.

Every problem names the file, where (``header``, ``line N``, ``row N (id X)``, ``feature N`` or
``id X``) and the field (column or ``geometry``), as one line: see :class:`portfolio.Problem`.
Text such as HTML or JavaScript in names is allowed and kept verbatim: it is data, escaped by
whatever renders it.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from portfolio import schema
from portfolio._errors import InputError, Problem
from portfolio._rows import check_rows
from portfolio.register import (
    BOUNDARY_FILE,
    CITY_TOLERANCE_DEG,
    DEFAULT_GEODATA,
    DEFAULT_REGISTER,
    PROJECTS_FILE,
    compact_number,
    geometry_family,
    to_frame,
)
from portfolio.stores import RawInputs

#: Largest relative difference allowed between a polygon's area and ``official_area_ha``.
AREA_TOLERANCE = 0.15
#: Projected CRS used for every measurement: VN-2000 / TM-3 zone 482 (central meridian 105°).
MEASURE_CRS = "EPSG:5897"


def validate(
    register: str | os.PathLike[str] = DEFAULT_REGISTER,
    geodata: str | os.PathLike[str] = DEFAULT_GEODATA,
) -> list[Problem]:
    """Every problem in the register and its geodata; an empty list means valid.

    Parameters
    ----------
    register : path-like
        The register CSV.
    geodata : path-like
        Folder with ``projects.geojson`` and ``city_boundary.geojson``.
    """
    return validate_parsed(Path(register), Path(geodata))[1]


def validate_parsed(register: Path, geodata: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Validate and, when everything passes, return the typed GeoDataFrame too.

    Never raises for bad input: every problem, even an unexpected failure of a check
    (``internal_error``), is returned in the list.
    """
    try:
        frame, problems = _validate(Path(register), Path(geodata))
    except InputError as exc:
        frame, problems = None, list(exc.problems)
    except Exception as exc:  # a bug or an input no rule foresaw: report it, never crash the caller
        frame, problems = None, [Problem(str(register), "", "", "internal_error",
                                         f"validation failed unexpectedly ({type(exc).__name__}: {exc}); "
                                         "please report this with the file")]
    return frame, [_one_line(p) for p in problems]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Longest ``where`` or ``field`` printed (a giant id or column name is cut), and longest message.
_WHERE_CHARS = 120
_MESSAGE_CHARS = 400


def _one_line(problem: Problem) -> Problem:
    """Escape control characters (a newline in an id or a column name) so a problem prints as one line,
    and cut a giant id, column name or message so the line stays readable."""

    def clean(text: str, width: int | None = None) -> str:
        text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
        return text if width is None or len(text) <= width else text[: width - 1] + "…"

    fields = (problem.file, problem.where, problem.field, problem.rule, problem.message)
    cleaned = (clean(problem.file), clean(problem.where, _WHERE_CHARS), clean(problem.field, _WHERE_CHARS),
               clean(problem.rule), clean(problem.message, _MESSAGE_CHARS))
    return problem if cleaned == fields else Problem(*cleaned)


def _validate(register: Path, geodata: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    from portfolio.stores.files import FilesStore

    return _check(FilesStore(register, geodata).read())


def validate_inputs(inputs: RawInputs) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Run every rule over what a store read (:meth:`portfolio.stores.Store.read`): the same rules for
    the files and the database. Returns the typed frame when nothing fails, and every problem.

    Never raises for bad input: an unexpected failure of a check is an ``internal_error`` problem.
    """
    try:
        frame, problems = _check(inputs)
    except InputError as exc:
        frame, problems = None, list(exc.problems)
    except Exception as exc:  # a bug or an input no rule foresaw: report it, never crash the caller
        frame, problems = None, [Problem(inputs.register_name, "", "", "internal_error",
                                         f"validation failed unexpectedly ({type(exc).__name__}: {exc}); "
                                         "please report this with the file")]
    return frame, [_one_line(p) for p in problems]


def _check(inputs: RawInputs) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    # Problems are listed source by source: the register first, then the geodata, then the boundary.
    problems = list(inputs.register_problems)
    raw, geo, boundary = inputs.register, inputs.geodata, inputs.boundary
    geo_problems, boundary_problems = inputs.geodata_problems, inputs.boundary_problems
    if raw is None:
        return None, problems + geo_problems + boundary_problems

    reg_name = inputs.register_name
    valid_rows: list[dict[str, str]] = []
    sectors: dict[str, str] = {}
    first_row: dict[str, int] = {}
    checked = check_rows(reg_name, raw.row_numbers, raw.rows)
    for number, row, (valid, found) in zip(raw.row_numbers, raw.rows, checked, strict=True):
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
        if valid:
            valid_rows.append(row)
            sectors[row["id"]] = row["sector"]  # as the row model holds them (validated, never altered)
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
    problems += geo_problems
    if geo is None:
        return None, problems + boundary_problems

    geo_name = inputs.geodata_name
    for ident in geo.order:
        if ident not in first_row:
            problems.append(Problem(geo_name, f"id {ident}", "id", "orphan_geometry",
                                    "feature has no row in the register"))
    rows_by_id = {row["id"]: row for row in valid_rows}
    for ident, number in first_row.items():
        if ident not in geo.geometries:
            problems.append(Problem(geo_name, f"id {ident}", "geometry", "missing_geometry",
                                    f"register row {number} has no feature in {PROJECTS_FILE}"))
            continue
        geom = geo.geometries[ident]
        valid_row = rows_by_id.get(ident)
        if geom is None or valid_row is None:
            continue
        problems += _check_geometry(geo_name, ident, geom, valid_row, sectors[ident], boundary)
    problems += boundary_problems
    if problems:
        return None, problems
    return to_frame(valid_rows, geo.geometries), problems


@lru_cache(maxsize=1)
def _to_measure_crs() -> Transformer:
    return Transformer.from_crs("EPSG:4326", MEASURE_CRS, always_xy=True)


def _area_ha(geom: shapely.Geometry) -> float:
    """Area in hectares, measured in :data:`MEASURE_CRS` (same result as GeoSeries.to_crs().area)."""
    transformer = _to_measure_crs()

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
    family = geometry_family(geom)
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
