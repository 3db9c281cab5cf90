"""Read the register's files into raw inputs and the problems that make them unusable.

``read_register`` gives the CSV's rows of strings (:class:`RawRegister`), ``read_geodata`` the project
geometries by id (:class:`RawGeodata`), ``read_boundary`` the city outline; each with the problems of the
file itself (encoding, structure, JSON, coordinates). What the cells and geometries must mean is checked
by :mod:`portfolio.rules`, which imports nothing from here.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from portfolio import schema
from portfolio._errors import InputError, Problem, RegisterError
from portfolio._files import MAX_INPUT_BYTES, read_text
from portfolio._text import compact_number
from portfolio.constants import REGION_BBOX, WGS84_CRS

PROJECTS_FILE = "projects.geojson"
BOUNDARY_FILE = "city_boundary.geojson"
BACKGROUND_FILE = "background.geojson"


@dataclass(frozen=True)
class RawRegister:
    """The register as read, before typing: rows of strings keyed by column."""

    #: The file read, or (for a database store) the label its problems name.
    path: Path | str
    columns: list[str]
    rows: list[dict[str, str]]
    #: 1-based data row number (header excluded, blank rows counted) of each entry of ``rows``.
    row_numbers: list[int]


@dataclass(frozen=True)
class RawGeodata:
    """Geometries by id as read from the project GeoJSON; ``None`` for an unusable one."""

    #: The file read, or (for a database store) the label its problems name.
    path: Path | str
    geometries: dict[str, BaseGeometry | None]
    order: list[str]


def read_register(path: Path) -> tuple[RawRegister | None, list[Problem]]:
    """Parse ``projects.csv`` into raw rows, reporting structural problems.

    Structural problems (encoding, delimiter, header, ragged rows) are reported here; the content of
    each cell is checked by :mod:`portfolio.rules`.
    """
    name = str(path)
    try:
        text = read_text(path, kind="register")
    except InputError as exc:
        return None, exc.problems
    # The csv module refuses fields over 131,072 characters by default; the file size limit bounds them
    # instead, and each cell's length is checked with its row and column (``cell_too_long``).
    if csv.field_size_limit() < MAX_INPUT_BYTES:
        csv.field_size_limit(MAX_INPUT_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        records = list(reader)
    except csv.Error as exc:
        return None, [Problem(name, f"line {reader.line_num}", "", "csv_syntax", f"CSV syntax error: {exc}")]
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        return None, [Problem(name, "", "", "empty_file", "register has no header row")]
    header = records[0]
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in header[0])
        return None, [
            Problem(
                name,
                "header",
                "",
                "wrong_delimiter",
                f"the header is one column split by {sep!r}; the register must be comma-separated",
            )
        ]
    seen: set[str] = set()
    for position, column in enumerate(header, start=1):
        if not column.strip():
            problems.append(
                Problem(
                    name,
                    "header",
                    f"column {position}",
                    "unknown_column",
                    "has an empty header cell (an extra column left by a spreadsheet?)",
                )
            )
            continue
        if column in seen:
            problems.append(Problem(name, "header", column, "duplicate_column", "column appears twice"))
        seen.add(column)
        if column not in schema.COLUMNS:
            hint = " (remove the spaces around it)" if column.strip() in schema.COLUMNS else ""
            problems.append(
                Problem(
                    name,
                    "header",
                    column,
                    "unknown_column",
                    f"is not a register column{hint} (see the README's column table)",
                )
            )
    for column in schema.COLUMNS:
        if column not in seen:
            problems.append(Problem(name, "header", column, "missing_column", "column is missing"))
    if problems:
        return None, problems
    rows: list[dict[str, str]] = []
    numbers: list[int] = []
    for number, record in enumerate(records[1:], start=1):
        if not any(cell.strip() for cell in record):
            continue  # a blank line or a row of empty cells: skipped, but counted
        if len(record) != len(header):
            ident = record[0].strip() if record and header[0] == "id" else ""
            problems.append(
                Problem(
                    name,
                    f"row {number}" + (f" (id {ident})" if ident else ""),
                    "",
                    "ragged_row",
                    f"has {len(record)} cells, the header has {len(header)}",
                )
            )
            continue
        rows.append(dict(zip(header, record, strict=True)))
        numbers.append(number)
    if not rows and not problems:
        problems.append(Problem(name, "", "", "no_rows", "register has a header but no project rows"))
    return RawRegister(path, header, rows, numbers), problems


#: Longest integer (in digits) read from JSON as an ``int``; a longer one is read as a float (``inf`` past
#: about 309 digits), so that no number can exceed Python's int-to-text digit limit (4,300 digits) or
#: overflow when converted to a coordinate.
MAX_JSON_INT_DIGITS = 300


def _json_int(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= MAX_JSON_INT_DIGITS else float(text)


def load_json(text: str) -> Any:
    """``json.loads(text)``, with integers longer than :data:`MAX_JSON_INT_DIGITS` digits read as floats."""
    return json.loads(text, parse_int=_json_int)


def read_geodata(path: Path) -> tuple[RawGeodata | None, list[Problem]]:
    """Parse the project GeoJSON (WGS 84) into geometries by id, reporting what is unusable.

    Rings are checked for closure and coordinates for range before shapely sees them, so an
    unclosed ring, swapped lat/lon or projected metres get their own message. The coordinate arrays are
    read in bulk and every geometry is built and checked vectorised (:func:`_resolve`).
    """
    try:
        text = read_text(path, kind="geodata")
    except InputError as exc:
        return None, exc.problems
    return parse_geodata(path, text)


def parse_geodata(path: Path, text: str) -> tuple[RawGeodata | None, list[Problem]]:
    """:func:`read_geodata` of ``text`` already read (problems name ``path``): the GeoJSON a database
    store gives goes through the same checks as the file."""
    name = str(path)
    doc, lexed, bad = _read_document(name, text)
    if bad is not None:
        return None, [bad]
    found = _geodata_from_doc(Path(path), doc, lexed)
    if lexed is not None and any(lexed.token in f"{p.where}{p.field}{p.message}" for p in found[1]):
        # a message quotes JSON that held a "coordinates" array (a non-text id, say): quote it as written
        found = _geodata_from_doc(Path(path), lexed.restore(doc), None)
    return found


def _parse_document(name: str, text: str) -> tuple[Any, Problem | None]:
    """The JSON document of a geodata file, or the ``bad_json`` problem that makes it unreadable."""
    try:
        return load_json(text), None
    except json.JSONDecodeError as exc:
        return None, Problem(name, f"line {exc.lineno}", "", "bad_json", f"not valid JSON: {exc.msg}")
    except ValueError as exc:  # not raised by json for any input known; reported, never a crash
        return None, Problem(name, "", "", "bad_json", f"not readable JSON: {str(exc)[:100]}")
    except RecursionError:
        return None, Problem(name, "", "", "bad_json", "JSON is nested too deeply to be GeoJSON")


#: A geometry waiting to be parsed: (where it is, ``id X`` or ``feature N``; the GeoJSON geometry member).
_Pending = tuple[str, Any]


def _geodata_from_doc(
    path: Path,
    doc: Any,
    lexed: _Lexed | None,
) -> tuple[RawGeodata | None, list[Problem]]:
    """Check the document and its features in file order, then parse the geometries (:func:`_resolve`)."""
    name = str(path)
    features, problems = _collection_features(name, doc)
    if features is None:
        return None, problems
    geometries: dict[str, BaseGeometry | None] = {}
    order: list[str] = []
    # Problems in file order; an int is the index of a pending geometry whose problem (if any) goes there.
    slots: list[Problem | int] = []
    pending: list[_Pending] = []
    idents: list[str] = []
    for index, feature in enumerate(features, start=1):
        props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
        ident = props.get("id") if isinstance(props, dict) else None
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            slots.append(
                Problem(name, f"feature {index}", "", "bad_feature", "is not a GeoJSON Feature object")
            )
            continue
        if not isinstance(ident, str) or not ident.strip():
            what = (
                "an empty id"
                if isinstance(ident, str)
                else ("no id property" if ident is None else f"a non-text id {ident!r}")
            )
            slots.append(Problem(name, f"feature {index}", "id", "missing_id", f"feature has {what}"))
            continue
        where = f"id {ident}"
        if ident in geometries:
            slots.append(
                Problem(
                    name,
                    where,
                    "geometry",
                    "duplicate_geometry",
                    "id has more than one feature (one geometry per project)",
                )
            )
            continue
        order.append(ident)
        geometries[ident] = None
        gj = feature.get("geometry")
        if gj is None:
            slots.append(Problem(name, where, "geometry", "missing_geometry", "feature has no geometry"))
            continue
        slots.append(len(pending))
        pending.append((where, gj))
        idents.append(ident)
    resolved = _resolve(name, pending, lexed)
    for slot in slots:
        if isinstance(slot, Problem):
            problems.append(slot)
            continue
        result = resolved[slot]
        if isinstance(result, Problem):
            problems.append(result)
        else:
            geometries[idents[slot]] = result
    return RawGeodata(path, geometries, order), problems


def _collection_features(name: str, doc: Any) -> tuple[list[Any] | None, list[Problem]]:
    """The features of a GeoJSON FeatureCollection in WGS 84, and the problems of the document itself.

    The features are ``None`` when the document has none to check (not a FeatureCollection, no
    ``features`` array, an empty one); a foreign ``crs`` member is a problem, but its features are
    still checked.
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return None, [Problem(name, "", "", "not_feature_collection", "is not a GeoJSON FeatureCollection")]
    problems: list[Problem] = []
    crs_name = _crs_name(doc)
    if crs_name is not None and not _is_wgs84(crs_name):
        problems.append(
            Problem(
                name,
                "",
                "crs",
                "wrong_crs",
                f"declares CRS {crs_name!r}; geodata must be WGS 84 lon/lat (EPSG:4326), no crs member",
            )
        )
    features = doc.get("features")
    if not isinstance(features, list):
        return None, problems + [
            Problem(name, "", "features", "not_feature_collection", "has no features array")
        ]
    if not features:
        return None, problems + [Problem(name, "", "features", "no_features", "holds no features")]
    return features, problems


def _crs_name(doc: dict[str, Any]) -> str | None:
    """The CRS a GeoJSON (2008) ``crs`` member declares, as text; ``None`` when there is none.

    Handles the named form (``{"type": "name", "properties": {"name": "EPSG:5897"}}``), the old
    ``EPSG`` form (``{"type": "EPSG", "properties": {"code": 5897}}``), a bare string, and anything
    else (reported by its JSON text).
    """
    crs = doc.get("crs")
    if crs is None:
        return None
    if isinstance(crs, str):
        return crs
    if isinstance(crs, dict):
        props = crs.get("properties")
        if isinstance(props, dict):
            if isinstance(props.get("name"), str):
                return str(props["name"])
            if isinstance(props.get("code"), (int, str)) and str(crs.get("type", "")).upper() == "EPSG":
                return f"EPSG:{props['code']}"
    return json.dumps(crs, ensure_ascii=False)[:80]


def _is_wgs84(name: str) -> bool:
    upper = name.strip().upper()
    return upper.endswith(("CRS84", "EPSG::4326", "EPSG:4326")) or upper in ("WGS84", "WGS 84", "4326")


#: How deep each GeoJSON geometry type nests its positions, and how to say it in a message.
_GEOMETRY_SHAPES: dict[str, tuple[int, str]] = {
    "Point": (0, "[lon, lat]"),
    "MultiPoint": (1, "a list of [lon, lat] positions"),
    "LineString": (1, "a list of [lon, lat] positions"),
    "MultiLineString": (2, "a list of lines, each a list of [lon, lat] positions"),
    "Polygon": (2, "a list of rings, each a list of [lon, lat] positions"),
    "MultiPolygon": (3, "a list of polygons, each a list of rings of [lon, lat] positions"),
}


class _BadGeometry(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message
        #: The message quotes a position's numbers (read again from the JSON when they were lexed).
        self.quotes_position = False


def _clip(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _flat_2d(coords: Any, depth: int, kind: str) -> Any:
    """Check the nesting of ``coords`` and return it with every position cut to [x, y] floats."""
    if depth == 0:
        if not (isinstance(coords, list) and 2 <= len(coords) <= 3 and all(map(_is_number, coords))):
            raise _BadGeometry(
                "bad_geometry",
                f"position {_clip(coords)} is not [lon, lat] "
                f"({kind} coordinates must be {_GEOMETRY_SHAPES[kind][1]})",
            )
        return [float(coords[0]), float(coords[1])]
    if not isinstance(coords, list) or not coords:
        raise _BadGeometry(
            "bad_geometry", f"{kind} coordinates must be {_GEOMETRY_SHAPES[kind][1]}; found {_clip(coords)}"
        )
    return [_flat_2d(part, depth - 1, kind) for part in coords]


def _as_arrays(coords: Any, depth: int, kind: str) -> Any:
    """``coords`` checked for nesting, each list of positions as an ``(n, 2)`` float array.

    numpy reads a well-formed list of positions in one call; anything odd (strings, nulls, ragged
    positions, mixed 2-D/3-D) goes through :func:`_flat_2d`, which names the fault or repairs the
    dimension.
    """
    if depth == 0:
        return np.asarray(_flat_2d(coords, 0, kind), dtype=float)
    if depth == 1:
        try:
            array = np.array(coords)
        except (ValueError, TypeError):
            array = None
        if (
            array is None
            or array.ndim != 2
            or not array.shape[0]
            or array.shape[1] not in (2, 3)
            or array.dtype.kind not in "if"
        ):
            array = np.asarray(_flat_2d(coords, 1, kind), dtype=float)
        return np.ascontiguousarray(array[:, :2], dtype=float)
    if not isinstance(coords, list) or not coords:
        raise _BadGeometry(
            "bad_geometry", f"{kind} coordinates must be {_GEOMETRY_SHAPES[kind][1]}; found {_clip(coords)}"
        )
    return [_as_arrays(part, depth - 1, kind) for part in coords]


def _leaves(coords: Any, depth: int) -> list[Any]:
    if depth == 0:
        return [coords.reshape(1, 2)]
    if depth == 1:
        return [coords]
    return [leaf for part in coords for leaf in _leaves(part, depth - 1)]


def _rings(kind: str, coords: Any) -> list[Any]:
    if kind == "Polygon":
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for poly in coords for ring in poly]
    return []


def _check_position(x: float, y: float) -> None:
    """Raise the first rule a single position breaks (finite, not swapped, degrees, in the region)."""
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    at = f"{compact_number(x)}, {compact_number(y)}"
    if not (math.isfinite(x) and math.isfinite(y)):
        raise _BadGeometry("bad_geometry", f"position [{at}] holds a value that is not a finite number")
    if lat_min <= x <= lat_max and lon_min <= y <= lon_max:
        raise _BadGeometry(
            "swapped_coordinates", f"coordinate ({at}) looks like (lat, lon); GeoJSON order is [lon, lat]"
        )
    if abs(x) > 180 or abs(y) > 90:
        raise _BadGeometry(
            "projected_coordinates",
            f"coordinate ({at}) is not degrees: it looks like projected "
            "metres (VN-2000?) labelled WGS 84; reproject to EPSG:4326",
        )
    if not (lon_min <= x <= lon_max and lat_min <= y <= lat_max):
        raise _BadGeometry(
            "outside_region", f"coordinate ({at}) lies outside the region {REGION_BBOX} (lon/lat box)"
        )


def _structure(gj: Any, lexed: _Lexed | None) -> tuple[str, Any] | tuple[str, int]:
    """The type of a GeoJSON geometry and its coordinates: ``(kind, blob index)`` for a lexed array that
    nests as the type requires, else ``(kind, nested (n, 2) arrays)`` read from the JSON.

    Raises ``_BadGeometry(rule, message)`` naming the first thing wrong with the structure: not a
    geometry object, a GeometryCollection or an unknown type, no coordinates, a bad nesting or position.
    """
    if not isinstance(gj, dict) or "type" not in gj:
        raise _BadGeometry("bad_geometry", "geometry is not a GeoJSON geometry object")
    kind = gj["type"]
    if kind == "GeometryCollection":
        raise _BadGeometry("bad_geometry", "GeometryCollection is not supported; use a Multi* geometry")
    if not isinstance(kind, str) or kind not in _GEOMETRY_SHAPES:
        allowed = ", ".join(_GEOMETRY_SHAPES)
        raise _BadGeometry("bad_geometry", f"geometry type {_clip(kind)} is not one of {allowed}")
    depth = _GEOMETRY_SHAPES[kind][0]
    raw = gj.get("coordinates")
    blob = lexed.blob_of(raw) if lexed is not None else None
    if blob is not None:
        if lexed is not None and lexed.blobs[blob][1] == depth:
            return kind, blob
        raw = load_json(lexed.blobs[blob][0]) if lexed is not None else raw
    if raw is None or raw == []:
        raise _BadGeometry("empty_geometry", "geometry has no coordinates")
    return kind, _as_arrays(raw, depth, kind)


def _resolve(name: str, pending: list[_Pending], lexed: _Lexed | None) -> list[BaseGeometry | Problem]:
    """The geometry of each pending GeoJSON geometry, or the problem naming the first thing wrong with it.

    The rules, in the order they are reported: the structure (:func:`_structure`); every position a
    finite [lon, lat] in degrees inside :data:`REGION_BBOX` (the first position outside, in file order,
    is named: :func:`_check_position`); each ring closed, with at least 4 positions; each line with at
    least 2; then the geometry built by shapely must be non-empty and valid. Everything after the
    structure is computed for all geometries at once.
    """
    results: list[BaseGeometry | Problem | None] = [None] * len(pending)
    kinds: list[str] = []
    slots: list[int] = []
    from_lexed: list[bool] = []
    leaf_sizes: list[int] = []
    leaves_per_geom: list[int] = []
    rings_per_polygon: list[list[int]] = []
    parts: list[np.ndarray] = []
    lexed_xy = lexed.numbers() if lexed is not None else np.empty((0, 2))
    for slot, (where, gj) in enumerate(pending):
        try:
            kind, coords = _structure(gj, lexed)
        except _BadGeometry as bad:
            results[slot] = Problem(name, where, "geometry", bad.rule, bad.message)
            continue
        except RecursionError:
            results[slot] = Problem(
                name, where, "geometry", "bad_geometry", "coordinates are nested too deeply"
            )
            continue
        depth = _GEOMETRY_SHAPES[kind][0]
        if isinstance(coords, int):
            assert lexed is not None
            leaves, per_polygon = lexed.structure(coords)
            start = lexed.offsets[coords]
            parts.append(lexed_xy[start : start + sum(leaves)])
        else:
            arrays = _leaves(coords, depth)
            leaves = [len(a) for a in arrays]
            per_polygon = [len(polygon) for polygon in coords] if kind == "MultiPolygon" else []
            parts.append(np.concatenate(arrays))
        slots.append(slot)
        from_lexed.append(isinstance(coords, int))
        kinds.append(kind)
        leaf_sizes.extend(leaves)
        leaves_per_geom.append(len(leaves))
        rings_per_polygon.append(per_polygon)
    if slots:
        built = _check_and_build(
            parts,
            kinds,
            np.array(leaf_sizes, dtype=np.int64),
            np.array(leaves_per_geom, dtype=np.int64),
            rings_per_polygon,
        )
        for slot, result, lexed_one in zip(slots, built, from_lexed, strict=True):
            where, gj = pending[slot]
            if isinstance(result, _BadGeometry) and result.quotes_position and lexed_one and lexed:
                # quote the numbers as the JSON reads them (-0 is the integer 0, not -0.0)
                (again,) = _resolve(name, [(where, lexed.restore(gj))], None)
                results[slot] = again
                continue
            results[slot] = (
                result
                if isinstance(result, BaseGeometry)
                else Problem(name, where, "geometry", result.rule, result.message)
            )
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _check_and_build(
    parts: list[np.ndarray],
    kinds: list[str],
    leaf_sizes: np.ndarray,
    leaves_per_geom: np.ndarray,
    rings_per_polygon: list[list[int]],
) -> list[BaseGeometry | _BadGeometry]:
    """Check the positions, rings and lines of every geometry at once, then build and check the ones that
    pass with shapely; each geometry, or the first rule it breaks."""
    xy = np.concatenate(parts)
    kind_of = np.array(kinds)
    n = len(kinds)
    out: list[BaseGeometry | _BadGeometry | None] = [None] * n
    sizes = np.array([len(part) for part in parts], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    geom_first_leaf = np.concatenate(([0], np.cumsum(leaves_per_geom)[:-1]))
    leaf_starts = np.concatenate(([0], np.cumsum(leaf_sizes)[:-1]))
    # every position finite, in degrees, inside the region; the first one outside is named
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    x, y = xy[:, 0], xy[:, 1]
    with np.errstate(invalid="ignore"):
        inside = (lon_min <= x) & (x <= lon_max) & (lat_min <= y) & (y <= lat_max)
    for position in np.flatnonzero(~inside):
        g = int(np.searchsorted(starts, position, side="right")) - 1
        if out[g] is None:
            try:
                _check_position(float(x[position]), float(y[position]))
            except _BadGeometry as bad:
                bad.quotes_position = True
                out[g] = bad
    # rings closed with 4 positions or more, lines with 2 or more (the first such leaf of each geometry)
    kind_of_leaf = np.repeat(kind_of, leaves_per_geom)
    is_ring = np.isin(kind_of_leaf, ["Polygon", "MultiPolygon"])
    is_line = np.isin(kind_of_leaf, ["LineString", "MultiLineString"])
    closed = (xy[leaf_starts] == xy[leaf_starts + leaf_sizes - 1]).all(axis=1)
    leaf_bad = (is_ring & (~closed | (leaf_sizes < 4))) | (is_line & (leaf_sizes < 2))
    for leaf in np.flatnonzero(leaf_bad):
        g = int(np.searchsorted(geom_first_leaf, leaf, side="right")) - 1
        if out[g] is None:
            if is_line[leaf]:
                out[g] = _BadGeometry("bad_geometry", "a line has fewer than 2 positions")
            elif not closed[leaf]:
                out[g] = _BadGeometry(
                    "unclosed_ring", "a polygon ring is not closed (first and last positions differ)"
                )
            else:
                out[g] = _BadGeometry(
                    "bad_geometry",
                    "a polygon ring has fewer than 4 positions (3 corners and the first one again)",
                )
    # build the rest, kind by kind, and check them
    for kind, geometry_type in _GEOMETRY_TYPES.items():
        chosen = [g for g in range(n) if out[g] is None and kinds[g] == kind]
        if not chosen:
            continue
        coords = np.concatenate([parts[g] for g in chosen])
        if kind == "Point":
            geoms = shapely.points(coords)
        else:
            first, many = geom_first_leaf[chosen], leaves_per_geom[chosen]
            leaf_counts = np.concatenate([leaf_sizes[a : a + m] for a, m in zip(first, many, strict=True)])
            leaf_offsets = np.concatenate(([0], np.cumsum(leaf_counts)))
            geom_offsets = np.concatenate(([0], np.cumsum(many)))
            if kind in ("MultiPoint", "LineString"):
                offsets: tuple[Any, ...] = (leaf_offsets,)  # one leaf per geometry: its positions
            elif kind == "MultiPolygon":
                rings = np.array([r for g in chosen for r in rings_per_polygon[g]], dtype=np.int64)
                polygons = np.array([len(rings_per_polygon[g]) for g in chosen], dtype=np.int64)
                offsets = (
                    leaf_offsets,
                    np.concatenate(([0], np.cumsum(rings))),
                    np.concatenate(([0], np.cumsum(polygons))),
                )
            else:  # MultiLineString, Polygon
                offsets = (leaf_offsets, geom_offsets)
            geoms = shapely.from_ragged_array(geometry_type, coords, offsets)
        empty = shapely.is_empty(geoms)
        valid = shapely.is_valid(geoms)
        for g, geom, is_empty, is_valid in zip(chosen, geoms, empty, valid, strict=True):
            if is_empty:
                out[g] = _BadGeometry("empty_geometry", "geometry is empty")
            elif not is_valid:
                out[g] = _BadGeometry(
                    "invalid_geometry", f"invalid geometry: {shapely.is_valid_reason(geom)}"
                )
            else:
                out[g] = geom
    assert all(result is not None for result in out)
    return [result for result in out if result is not None]


# --- fast path: coordinate arrays read in bulk ---------------------------------------------------------
#
# The coordinates of a well-formed feature are a strict JSON array of [lon, lat] number pairs nested as
# its type requires. ``_COORDINATES_RE`` finds each such array that follows a ``"coordinates"`` key and
# replaces it with a unique placeholder string, so ``json.loads`` only reads the small rest of the
# document; the numbers are converted in one pass (:func:`parse_numbers`, bit for bit as ``json``
# converts them) and the geometries built and checked vectorised. The pattern only matches text that is
# valid JSON in a position where a value is expected and holds no quote, so the document with
# placeholders is valid JSON exactly when the original is. Anything else (an array the pattern does not
# match, a geometry failing any bulk check, a placeholder in the crs member or quoted by a problem) goes
# through the reference path, so messages never change.

_WS = r"[ \t\n\r]*+"
_NUM = r"-?+(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+"
_POSITION = rf"\[{_WS}{_NUM}{_WS},{_WS}{_NUM}{_WS}\]"


def _array_of(inner: str) -> str:
    return rf"\[{_WS}{inner}(?:{_WS},{_WS}{inner})*+{_WS}\]"


_DEPTH1 = _array_of(_POSITION)
_DEPTH2 = _array_of(_DEPTH1)
_DEPTH3 = _array_of(_DEPTH2)
#: ``"coordinates":`` then a 2-D coordinate array; the group that matches gives the nesting depth.
_COORDINATES_RE = re.compile(
    rf'("coordinates"{_WS}:{_WS})(?:(?P<d3>{_DEPTH3})|(?P<d2>{_DEPTH2})|(?P<d1>{_DEPTH1})|(?P<d0>{_POSITION}))'
)
_DEPTH_OF_GROUP = {"d0": 0, "d1": 1, "d2": 2, "d3": 3}
_NOT_STRUCTURE = b"0123456789.eE+- \t\n\r"
_NOT_NUMBER = b"[] \t\n\r"
_GEOMETRY_TYPES = {
    "Point": shapely.GeometryType.POINT,
    "MultiPoint": shapely.GeometryType.MULTIPOINT,
    "LineString": shapely.GeometryType.LINESTRING,
    "MultiLineString": shapely.GeometryType.MULTILINESTRING,
    "Polygon": shapely.GeometryType.POLYGON,
    "MultiPolygon": shapely.GeometryType.MULTIPOLYGON,
}


#: pandas from 3.1 converts every float with fast_float (correctly rounded, as ``float``); before, only its
#: ``round_trip`` converter (Python's own ``PyOS_string_to_double``) is exact.
_PANDAS_EXACT_DEFAULT = tuple(int(part) for part in pd.__version__.split(".")[:2]) >= (3, 1)


def parse_numbers(data: bytes) -> np.ndarray:
    """The comma-separated JSON numbers of ``data`` as float64, each exactly as ``float(token)`` gives it.

    pandas' C parser converts them in one pass (0.1 s for 2 million, against 0.35 s for ``float`` one by
    one). ``data`` must hold only valid JSON numbers separated by single commas.
    """
    if not data:
        return np.empty(0)
    options: dict[str, Any] = {} if _PANDAS_EXACT_DEFAULT else {"float_precision": "round_trip"}
    column = pd.read_csv(
        io.BytesIO(data.replace(b",", b"\n")),
        header=None,
        names=["v"],
        dtype=float,
        na_filter=False,
        engine="c",
        skip_blank_lines=False,
        **options,
    )["v"]
    return np.ascontiguousarray(column.to_numpy(dtype=float))


class _Lexed:
    """The coordinate arrays lexed out of a document: each a placeholder ``"<token><index>"`` in the JSON
    that is parsed, its text and nesting depth in :attr:`blobs`, its numbers read in one pass."""

    def __init__(self, token: str, blobs: list[tuple[str, int]]) -> None:
        self.token, self.blobs = token, blobs
        self._xy: np.ndarray | None = None
        self._structures: list[tuple[list[int], list[int]]] = []
        self.offsets: list[int] = []

    def blob_of(self, value: Any) -> int | None:
        """The index of the lexed array ``value`` stands for, ``None`` when it is not a placeholder."""
        if isinstance(value, str) and value.startswith(self.token):
            return int(value[len(self.token) :])
        return None

    def numbers(self) -> np.ndarray:
        """Every lexed position as an ``(n, 2)`` float array, in lexing order (read once)."""
        if self._xy is None:
            raw = [blob.encode("ascii") for blob, _ in self.blobs]
            self._xy = parse_numbers(b",".join(raw).translate(None, _NOT_NUMBER)).reshape(-1, 2)
            self._structures = [
                _leaf_counts(data, depth) for data, (_, depth) in zip(raw, self.blobs, strict=True)
            ]
            counts = [sum(leaves) for leaves, _ in self._structures]
            self.offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(int).tolist()
        return self._xy

    def structure(self, index: int) -> tuple[list[int], list[int]]:
        """Positions per innermost list of lexed array ``index``, and rings per polygon (MultiPolygon)."""
        return self._structures[index]

    def restore(self, value: Any) -> Any:
        """``value`` with every placeholder replaced by the JSON it stands for."""
        if isinstance(value, dict):
            return {key: self.restore(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.restore(item) for item in value]
        blob = self.blob_of(value)
        return load_json(self.blobs[blob][0]) if blob is not None else value


def _read_document(name: str, text: str) -> tuple[Any, _Lexed | None, Problem | None]:
    """The JSON document of a geodata file with its coordinate arrays lexed out (:class:`_Lexed`), or the
    ``bad_json`` problem that makes it unreadable (reported on the text as written, at its line)."""
    token = f"{uuid.uuid4().hex}:"  # placeholder prefix: random, so no file can hold it by chance
    blobs: list[tuple[str, int]] = []

    def stash(match: re.Match[str]) -> str:
        blobs.append((match.group(match.lastgroup or ""), _DEPTH_OF_GROUP[match.lastgroup or ""]))
        return f'{match.group(1)}"{token}{len(blobs) - 1}"'

    skeleton = _COORDINATES_RE.sub(stash, text)
    if not blobs:
        doc, bad = _parse_document(name, text)
        return doc, None, bad
    lexed = _Lexed(token, blobs)
    try:
        doc = load_json(skeleton)
    except (ValueError, RecursionError):
        doc, bad = _parse_document(name, text)  # the skeleton is invalid exactly when the text is
        return doc, None, bad
    if isinstance(doc, dict) and "crs" in doc:
        doc["crs"] = lexed.restore(doc["crs"])  # a "coordinates" array inside the crs member: quoted as is
    return doc, lexed, None


def _leaf_counts(blob: bytes, depth: int) -> tuple[list[int], list[int]]:
    """Positions per innermost list of a (regex-checked) coordinate array, and lists per polygon."""
    if depth == 0:
        return [1], []
    if depth == 1:
        return [blob.count(b"[") - 1], []
    shape = blob.translate(None, _NOT_STRUCTURE).replace(b"[,]", b"p")
    if depth == 2:
        return [leaf.count(b"p") for leaf in shape[2:-2].split(b"],[")], []
    leaves: list[int] = []
    per_polygon: list[int] = []
    for polygon in shape[3:-3].split(b"]],[["):
        rings = polygon.split(b"],[")
        per_polygon.append(len(rings))
        leaves.extend(ring.count(b"p") for ring in rings)
    return leaves, per_polygon


def _os_reason(exc: OSError) -> str:
    """What went wrong, without the (possibly huge) file name an ``OSError`` repeats."""
    return exc.strerror or type(exc).__name__


def geodata_folder_problem(geodata: Path) -> Problem | None:
    """The problem with the geodata folder itself, or ``None`` when it is a folder that can be looked at.

    A folder that does not exist is not reported here: each file in it is then reported missing by its
    own name. A path that is a file, or that cannot be looked at (a name too long, a parent folder the
    user may not enter), is one ``unreadable`` problem naming the folder as the user gave it.
    """
    name = str(geodata)
    try:
        st = geodata.stat()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
        return Problem(name, "", "", "unreadable", f"geodata folder cannot be looked at: {reason}")
    if not stat.S_ISDIR(st.st_mode):
        return Problem(
            name,
            "",
            "",
            "unreadable",
            f"geodata path is not a folder: give the folder holding {PROJECTS_FILE} and {BOUNDARY_FILE}",
        )
    return None


def read_boundary(path: Path) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Parse and check ``city_boundary.geojson``: the frame (``None`` on any problem) and the problems.

    The document and each geometry go through the checks of :func:`read_geodata` (``bad_json``,
    ``not_feature_collection``, ``no_features``, ``wrong_crs``, ``bad_feature``, ``bad_geometry``,
    ``unclosed_ring``, ``swapped_coordinates``, ``projected_coordinates``, ``outside_region``,
    ``empty_geometry``, ``invalid_geometry``), a feature's problem reported at ``feature N``; then each
    geometry must be a Polygon or MultiPolygon (``wrong_geometry_kind``). Features need no ``id``.
    """
    name = str(path)
    try:
        text = read_text(path, kind="geodata")
    except InputError as exc:
        return None, exc.problems
    doc, lexed, bad = _read_document(name, text)
    if bad is not None:
        return None, [bad]
    if lexed is not None:
        doc = lexed.restore(doc)  # a few features: read as JSON, every message quotes it as written
    features, problems = _collection_features(name, doc)
    if features is None:
        return None, problems
    records: list[dict[str, Any]] = []
    for index, feature in enumerate(features, start=1):
        where = f"feature {index}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem(name, where, "", "bad_feature", "is not a GeoJSON Feature object"))
            continue
        gj = feature.get("geometry")
        if gj is None:
            problems.append(Problem(name, where, "geometry", "empty_geometry", "feature has no geometry"))
            continue
        (geom,) = _resolve(name, [(where, gj)], None)
        if isinstance(geom, Problem):
            problems.append(geom)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(
                    name,
                    where,
                    "geometry",
                    "wrong_geometry_kind",
                    f"the city boundary must be a Polygon or MultiPolygon, not a {geom.geom_type}",
                )
            )
            continue
        props = feature.get("properties")
        columns = {k: v for k, v in props.items() if k != "geometry"} if isinstance(props, dict) else {}
        records.append({"geometry": geom, **columns})
    if problems:
        return None, problems
    return gpd.GeoDataFrame(records, geometry="geometry", crs=WGS84_CRS), problems


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """Read a bundled layer (boundary, background) with its properties; problems name ``path`` as given.

    Raises
    ------
    RegisterError
        When the file cannot be read or holds no readable features.
    """
    name = str(path)
    try:
        text = read_text(path, kind="geodata")
    except InputError as exc:
        raise RegisterError(exc.problems) from None
    try:
        doc = load_json(text)
    except json.JSONDecodeError as exc:
        raise RegisterError(
            [Problem(name, f"line {exc.lineno}", "", "bad_json", f"not valid JSON: {exc.msg}")]
        ) from None
    except ValueError as exc:
        raise RegisterError(
            [Problem(name, "", "", "bad_json", f"not readable JSON: {str(exc)[:100]}")]
        ) from None
    except RecursionError:
        raise RegisterError([Problem(name, "", "", "bad_json", "JSON is nested too deeply")]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise RegisterError(
            [Problem(name, "", "features", "no_features", "is not a GeoJSON FeatureCollection with features")]
        )
    try:
        frame = gpd.GeoDataFrame.from_features(features, crs=WGS84_CRS)
    except Exception as exc:  # malformed features: shapely/pandas raise many types
        raise RegisterError(
            [Problem(name, "", "geometry", "bad_geometry", f"a feature cannot be read: {exc}")]
        ) from None
    empty = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if empty.any():
        raise RegisterError(
            [
                Problem(
                    name,
                    f"feature {int(np.flatnonzero(empty)[0]) + 1}",
                    "geometry",
                    "empty_geometry",
                    "feature has no geometry",
                )
            ]
        )
    return frame
