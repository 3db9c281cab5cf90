"""Load the register (``projects.csv``) and its geometries into one GeoDataFrame.

``load()`` reads a store (the files by default, or a database: :mod:`portfolio.stores`), validates
it (see :mod:`portfolio.validate`) and caches the result on the store's version (for the files,
their path, size and modification time): a UI rerun costs a dictionary look-up, an edited file is
re-read.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from portfolio import schema
from portfolio._errors import InputError, Problem, RegisterError
from portfolio._files import MAX_INPUT_BYTES, read_text

if TYPE_CHECKING:
    from portfolio.stores import Store

ROOT = Path(__file__).resolve().parent.parent
#: Default register and geodata, overridable with ``PORTFOLIO_REGISTER`` / ``PORTFOLIO_GEODATA``.
DEFAULT_REGISTER = Path(os.environ.get("PORTFOLIO_REGISTER", ROOT / "projects.csv"))
DEFAULT_GEODATA = Path(os.environ.get("PORTFOLIO_GEODATA", ROOT / "geodata"))

PROJECTS_FILE = "projects.geojson"
BOUNDARY_FILE = "city_boundary.geojson"
BACKGROUND_FILE = "background.geojson"

#: Box every geometry must lie in (the Mekong delta around the city): lon_min, lat_min, lon_max, lat_max.
REGION_BBOX = (104.3, 8.5, 107.0, 11.2)
#: How far (degrees, about 2 km) a city-scope geometry may stray outside the generalised boundary.
CITY_TOLERANCE_DEG = 0.02


@dataclass(frozen=True)
class RawRegister:
    """The register as read, before typing: rows of strings keyed by column."""

    path: Path
    columns: list[str]
    rows: list[dict[str, str]]
    #: 1-based data row number (header excluded, blank rows counted) of each entry of ``rows``.
    row_numbers: list[int]


@dataclass(frozen=True)
class RawGeodata:
    """Geometries by id as read from the project GeoJSON; ``None`` for an unusable one."""

    path: Path
    geometries: dict[str, BaseGeometry | None]
    order: list[str]


def read_register(path: Path) -> tuple[RawRegister | None, list[Problem]]:
    """Parse ``projects.csv`` into raw rows, reporting structural problems.

    Structural problems (encoding, delimiter, header, ragged rows) are reported here; the content of
    each cell is checked by :func:`portfolio.validate.validate`.
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
            Problem(name, "header", "", "wrong_delimiter",
                    f"the header is one column split by {sep!r}; the register must be comma-separated")
        ]
    seen: set[str] = set()
    for position, column in enumerate(header, start=1):
        if not column.strip():
            problems.append(Problem(name, "header", f"column {position}", "unknown_column",
                                    "has an empty header cell (an extra column left by a spreadsheet?)"))
            continue
        if column in seen:
            problems.append(Problem(name, "header", column, "duplicate_column", "column appears twice"))
        seen.add(column)
        if column not in schema.COLUMNS:
            hint = " (remove the spaces around it)" if column.strip() in schema.COLUMNS else ""
            problems.append(
                Problem(name, "header", column, "unknown_column",
                        f"is not a register column{hint} (see the README's column table)")
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
                Problem(name, f"row {number}" + (f" (id {ident})" if ident else ""), "", "ragged_row",
                        f"has {len(record)} cells, the header has {len(header)}")
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


def read_geodata(path: Path, *, fast: bool = True) -> tuple[RawGeodata | None, list[Problem]]:
    """Parse the project GeoJSON (WGS 84) into geometries by id, reporting what is unusable.

    Rings are checked for closure and coordinates for range before shapely sees them, so an
    unclosed ring, swapped lat/lon or projected metres get their own message.

    With ``fast`` (the default) the coordinate arrays are read and checked in bulk (see
    :func:`_read_geodata_fast`); any feature that does not pass every bulk check, and any document the
    fast reader is not sure of, goes through the per-feature reference path (``fast=False``), so the
    result and every problem are the same either way.
    """
    try:
        text = read_text(path, kind="geodata")
    except InputError as exc:
        return None, exc.problems
    return parse_geodata(path, text, fast=fast)


def parse_geodata(path: Path, text: str, *, fast: bool = True) -> tuple[RawGeodata | None, list[Problem]]:
    """:func:`read_geodata` of ``text`` already read (problems name ``path``): the GeoJSON a database
    store gives goes through the same checks as the file."""
    name = str(path)
    if fast:
        try:
            found = _read_geodata_fast(Path(path), text)
        except Exception:  # noqa: BLE001 - never trust the shortcut over the reference reader
            found = None
        if found is not None:
            return found
    doc, bad = _parse_document(name, text)
    if bad is not None:
        return None, [bad]
    return _geodata_from_doc(Path(path), doc, _resolve_one_by_one)


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


#: A geometry waiting to be parsed: (id, the GeoJSON geometry member as read).
_Pending = tuple[str, Any]
#: Parses pending geometries: one geometry, or the problem that makes it unusable, per entry.
_Resolver = Callable[[str, list[_Pending]], list[BaseGeometry | Problem]]


def _geodata_from_doc(
    path: Path, doc: Any, resolve: _Resolver,
) -> tuple[RawGeodata | None, list[Problem]]:
    """Check the document and its features in file order; ``resolve`` parses the geometries."""
    name = str(path)
    features, problems = _collection_features(name, doc)
    if features is None:
        return None, problems
    geometries: dict[str, BaseGeometry | None] = {}
    order: list[str] = []
    # Problems in file order; an int is the index of a pending geometry whose problem (if any) goes there.
    slots: list[Problem | int] = []
    pending: list[_Pending] = []
    for index, feature in enumerate(features, start=1):
        props = (feature.get("properties") or {}) if isinstance(feature, dict) else {}
        ident = props.get("id") if isinstance(props, dict) else None
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            slots.append(Problem(name, f"feature {index}", "", "bad_feature",
                                 "is not a GeoJSON Feature object"))
            continue
        if not isinstance(ident, str) or not ident.strip():
            what = "an empty id" if isinstance(ident, str) else (
                "no id property" if ident is None else f"a non-text id {ident!r}")
            slots.append(Problem(name, f"feature {index}", "id", "missing_id", f"feature has {what}"))
            continue
        where = f"id {ident}"
        if ident in geometries:
            slots.append(Problem(name, where, "geometry", "duplicate_geometry",
                                 "id has more than one feature (one geometry per project)"))
            continue
        order.append(ident)
        geometries[ident] = None
        gj = feature.get("geometry")
        if gj is None:
            slots.append(Problem(name, where, "geometry", "missing_geometry", "feature has no geometry"))
            continue
        slots.append(len(pending))
        pending.append((ident, gj))
    resolved = resolve(name, pending)
    for slot in slots:
        if isinstance(slot, Problem):
            problems.append(slot)
            continue
        result = resolved[slot]
        if isinstance(result, Problem):
            problems.append(result)
        else:
            geometries[pending[slot][0]] = result
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
            Problem(name, "", "crs", "wrong_crs",
                    f"declares CRS {crs_name!r}; geodata must be WGS 84 lon/lat (EPSG:4326), no crs member")
        )
    features = doc.get("features")
    if not isinstance(features, list):
        return None, problems + [
            Problem(name, "", "features", "not_feature_collection", "has no features array")]
    if not features:
        return None, problems + [Problem(name, "", "features", "no_features", "holds no features")]
    return features, problems


def _resolve_one(name: str, ident: str, gj: Any) -> BaseGeometry | Problem:
    """The reference parse of one project geometry: the geometry, or the problem naming what is wrong."""
    return _resolve_at(name, f"id {ident}", gj)


def _resolve_at(name: str, where: str, gj: Any) -> BaseGeometry | Problem:
    """The reference parse of the geometry at ``where`` (``id X``, ``feature N``) of the file ``name``."""
    try:
        return _parse_geometry(gj)
    except _BadGeometry as bad:
        return Problem(name, where, "geometry", bad.rule, bad.message)
    except RecursionError:
        return Problem(name, where, "geometry", "bad_geometry", "coordinates are nested too deeply")


def _resolve_one_by_one(name: str, pending: list[_Pending]) -> list[BaseGeometry | Problem]:
    return [_resolve_one(name, ident, gj) for ident, gj in pending]


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
    return (upper.endswith(("CRS84", "EPSG::4326", "EPSG:4326"))
            or upper in ("WGS84", "WGS 84", "4326"))


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


def _clip(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _flat_2d(coords: Any, depth: int, kind: str) -> Any:
    """Check the nesting of ``coords`` and return it with every position cut to [x, y] floats."""
    if depth == 0:
        if not (isinstance(coords, list) and 2 <= len(coords) <= 3 and all(map(_is_number, coords))):
            raise _BadGeometry("bad_geometry", f"position {_clip(coords)} is not [lon, lat] "
                                               f"({kind} coordinates must be {_GEOMETRY_SHAPES[kind][1]})")
        return [float(coords[0]), float(coords[1])]
    if not isinstance(coords, list) or not coords:
        raise _BadGeometry("bad_geometry", f"{kind} coordinates must be {_GEOMETRY_SHAPES[kind][1]}; "
                                           f"found {_clip(coords)}")
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
        if (array is None or array.ndim != 2 or not array.shape[0] or array.shape[1] not in (2, 3)
                or array.dtype.kind not in "if"):
            array = np.asarray(_flat_2d(coords, 1, kind), dtype=float)
        return np.ascontiguousarray(array[:, :2], dtype=float)
    if not isinstance(coords, list) or not coords:
        raise _BadGeometry("bad_geometry", f"{kind} coordinates must be {_GEOMETRY_SHAPES[kind][1]}; "
                                           f"found {_clip(coords)}")
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


def compact_number(value: float) -> str:
    """``value`` as it is usually written (``105.8436``, ``593605.2``), or in 6 significant digits
    (``1e+300``, ``105.777``) when that is longer than 12 characters: messages stay one short line."""
    text = repr(float(value))
    return text if len(text) <= 12 else f"{value:.6g}"


def _check_position(x: float, y: float) -> None:
    """Raise the first rule a single position breaks (finite, not swapped, degrees, in the region)."""
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    at = f"{compact_number(x)}, {compact_number(y)}"
    if not (math.isfinite(x) and math.isfinite(y)):
        raise _BadGeometry("bad_geometry", f"position [{at}] holds a value that is not a finite number")
    if lat_min <= x <= lat_max and lon_min <= y <= lon_max:
        raise _BadGeometry("swapped_coordinates",
                           f"coordinate ({at}) looks like (lat, lon); GeoJSON order is [lon, lat]")
    if abs(x) > 180 or abs(y) > 90:
        raise _BadGeometry("projected_coordinates",
                           f"coordinate ({at}) is not degrees: it looks like projected "
                           "metres (VN-2000?) labelled WGS 84; reproject to EPSG:4326")
    if not (lon_min <= x <= lon_max and lat_min <= y <= lat_max):
        raise _BadGeometry("outside_region",
                           f"coordinate ({at}) lies outside the region {REGION_BBOX} (lon/lat box)")


def _parse_geometry(gj: Any) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry that must be WGS 84 lon/lat in the region.

    Raises ``_BadGeometry(rule, message)`` naming the first thing wrong: structure, emptiness,
    swapped lat/lon, projected metres, a position outside the region, an unclosed ring.
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
    if raw is None or raw == []:
        raise _BadGeometry("empty_geometry", "geometry has no coordinates")
    coords = _as_arrays(raw, depth, kind)
    positions = np.concatenate(_leaves(coords, depth))
    x, y = positions[:, 0], positions[:, 1]
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    with np.errstate(invalid="ignore"):
        inside = (lon_min <= x) & (x <= lon_max) & (lat_min <= y) & (y <= lat_max)
    if not inside.all():
        first = int(np.argmin(inside))  # positions are checked in file order, as a loop would
        _check_position(float(x[first]), float(y[first]))
    for ring in _rings(kind, coords):
        if not np.array_equal(ring[0], ring[-1]):
            raise _BadGeometry("unclosed_ring",
                               "a polygon ring is not closed (first and last positions differ)")
        if len(ring) < 4:
            raise _BadGeometry("bad_geometry", "a polygon ring has fewer than 4 positions (3 corners and "
                                               "the first one again)")
    if kind == "Point":
        coords = coords.tolist()
    lines = [coords] if kind == "LineString" else coords if kind == "MultiLineString" else []
    if any(len(line) < 2 for line in lines):
        raise _BadGeometry("bad_geometry", "a line has fewer than 2 positions")
    try:
        geom = shapely.geometry.shape({"type": kind, "coordinates": coords})
    except Exception as exc:  # shapely raises many types on malformed input
        raise _BadGeometry("bad_geometry", f"unreadable geometry: {exc}") from None
    if geom.is_empty:
        raise _BadGeometry("empty_geometry", "geometry is empty")
    if not geom.is_valid:
        raise _BadGeometry("invalid_geometry", f"invalid geometry: {shapely.is_valid_reason(geom)}")
    return geom


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
    column = pd.read_csv(io.BytesIO(data.replace(b",", b"\n")), header=None, names=["v"], dtype=float,
                         na_filter=False, engine="c", skip_blank_lines=False, **options)["v"]
    return np.ascontiguousarray(column.to_numpy(dtype=float))


def _read_geodata_fast(path: Path, text: str) -> tuple[RawGeodata | None, list[Problem]] | None:
    """:func:`read_geodata`'s result with coordinates read in bulk; ``None`` when not sure (use the
    reference path)."""
    token = f"{uuid.uuid4().hex}:"  # placeholder prefix: random, so no file can hold it by chance
    blobs: list[tuple[str, int]] = []

    def stash(match: re.Match[str]) -> str:
        blobs.append((match.group(match.lastgroup or ""), _DEPTH_OF_GROUP[match.lastgroup or ""]))
        return f'{match.group(1)}"{token}{len(blobs) - 1}"'

    skeleton = _COORDINATES_RE.sub(stash, text)
    if not blobs:
        return None
    try:
        doc = load_json(skeleton)
    except ValueError:
        return None  # the reference path reports the JSON error at its line
    if isinstance(doc, dict) and "crs" in doc and token in json.dumps(doc["crs"], ensure_ascii=False):
        return None  # a "coordinates" array inside the crs member: its message quotes it

    def resolve(name: str, pending: list[_Pending]) -> list[BaseGeometry | Problem]:
        return _resolve_in_bulk(name, pending, token, blobs)

    found = _geodata_from_doc(path, doc, resolve)
    if any(token in f"{p.where}{p.field}{p.message}" for p in found[1]):
        return None  # a message quotes JSON that held a "coordinates" array (a non-text id, say)
    return found


def _placeholder(gj: Any, token: str) -> int | None:
    if isinstance(gj, dict):
        value = gj.get("coordinates")
        if isinstance(value, str) and value.startswith(token):
            return int(value[len(token):])
    return None


def _resolve_in_bulk(
    name: str, pending: list[_Pending], token: str, blobs: list[tuple[str, int]],
) -> list[BaseGeometry | Problem]:
    results: list[BaseGeometry | Problem | None] = [None] * len(pending)
    # Candidates: a known type whose coordinate array (a placeholder) nests as the type requires.
    candidates: list[tuple[int, str, str]] = []
    for slot, (_, gj) in enumerate(pending):
        blob_index = _placeholder(gj, token)
        if blob_index is not None:
            kind = gj.get("type")
            blob, depth = blobs[blob_index]
            if isinstance(kind, str) and kind in _GEOMETRY_TYPES and _GEOMETRY_SHAPES[kind][0] == depth:
                candidates.append((slot, kind, blob))
    built = _build_checked(candidates)
    for slot, geom in built.items():
        results[slot] = geom
    out: list[BaseGeometry | Problem] = []
    for slot, (ident, gj) in enumerate(pending):
        result = results[slot]
        if result is None:  # not a candidate or failed a bulk check: the reference parse, same message
            blob_index = _placeholder(gj, token)
            if blob_index is not None:
                gj = {**gj, "coordinates": load_json(blobs[blob_index][0])}
            result = _resolve_one(name, ident, gj)
        out.append(result)
    return out


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


def _build_checked(candidates: list[tuple[int, str, str]]) -> dict[int, BaseGeometry]:
    """Geometries of the candidates that pass every check of :func:`_parse_geometry`, by slot."""
    if not candidates:
        return {}
    raw = [blob.encode("ascii") for _, _, blob in candidates]
    xy = parse_numbers(b",".join(raw).translate(None, _NOT_NUMBER)).reshape(-1, 2)
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    x, y = xy[:, 0], xy[:, 1]
    inside = (lon_min <= x) & (x <= lon_max) & (lat_min <= y) & (y <= lat_max)
    structure = [_leaf_counts(data, _GEOMETRY_SHAPES[kind][0])
                 for data, (_, kind, _) in zip(raw, candidates, strict=True)]
    leaf_sizes = np.array([n for leaves, _ in structure for n in leaves], dtype=np.int64)
    leaf_starts = np.concatenate(([0], np.cumsum(leaf_sizes)[:-1]))
    leaf_ends = leaf_starts + leaf_sizes - 1
    leaves_per_geom = np.array([len(leaves) for leaves, _ in structure], dtype=np.int64)
    geom_first_leaf = np.concatenate(([0], np.cumsum(leaves_per_geom)[:-1]))
    sizes = np.add.reduceat(leaf_sizes, geom_first_leaf)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    if int(sizes.sum()) != len(xy):
        return {}  # cannot happen for regex-checked arrays; never guess
    ok = np.logical_and.reduceat(inside, starts)
    kinds = np.array([kind for _, kind, _ in candidates])
    kind_of_leaf = np.repeat(kinds, leaves_per_geom)
    is_ring = np.isin(kind_of_leaf, ["Polygon", "MultiPolygon"])
    is_line = np.isin(kind_of_leaf, ["LineString", "MultiLineString"])
    closed = (xy[leaf_starts] == xy[leaf_ends]).all(axis=1)
    leaf_ok = ~(is_ring & ((leaf_sizes < 4) | ~closed)) & ~(is_line & (leaf_sizes < 2))
    ok &= np.logical_and.reduceat(leaf_ok, geom_first_leaf)
    built: dict[int, BaseGeometry] = {}
    for kind, geometry_type in _GEOMETRY_TYPES.items():
        chosen = np.flatnonzero(ok & (kinds == kind))
        if not len(chosen):
            continue
        coords = np.concatenate([xy[starts[i]:starts[i] + sizes[i]] for i in chosen])
        if kind == "Point":
            geoms = shapely.points(coords)
        else:
            first, many = geom_first_leaf[chosen], leaves_per_geom[chosen]
            leaf_counts = np.concatenate([leaf_sizes[a:a + n] for a, n in zip(first, many, strict=True)])
            leaf_offsets = np.concatenate(([0], np.cumsum(leaf_counts)))
            geom_offsets = np.concatenate(([0], np.cumsum(leaves_per_geom[chosen])))
            if kind in ("MultiPoint", "LineString"):
                offsets: tuple[Any, ...] = (leaf_offsets,)  # one leaf per geometry: its positions
            elif kind == "MultiPolygon":
                rings_per_polygon = np.array([n for i in chosen for n in structure[i][1]], dtype=np.int64)
                polygon_offsets = np.concatenate(([0], np.cumsum(rings_per_polygon)))
                polygons_per_geom = np.array([len(structure[i][1]) for i in chosen], dtype=np.int64)
                offsets = (leaf_offsets, polygon_offsets, np.concatenate(([0], np.cumsum(polygons_per_geom))))
            else:  # MultiLineString, Polygon
                offsets = (leaf_offsets, geom_offsets)
            geoms = shapely.from_ragged_array(geometry_type, coords, offsets)
        good = ~shapely.is_empty(geoms) & shapely.is_valid(geoms)
        for slot_index, geom, fine in zip(chosen, geoms, good, strict=True):
            if fine:
                built[candidates[slot_index][0]] = geom
    return built


def geometry_family(geom: BaseGeometry) -> str:
    """``"point"``, ``"line"`` or ``"polygon"`` for a (multi-part) shapely geometry."""
    kind = geom.geom_type
    if kind in ("Point", "MultiPoint"):
        return "point"
    if kind in ("LineString", "MultiLineString", "LinearRing"):
        return "line"
    if kind in ("Polygon", "MultiPolygon"):
        return "polygon"
    return str(kind).lower()


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
        return Problem(name, "", "", "unreadable",
                       f"geodata path is not a folder: give the folder holding {PROJECTS_FILE} and "
                       f"{BOUNDARY_FILE}")
    return None


def _file_state(path: Path, kind: str = "file") -> tuple[str, int, int]:
    """(resolved path, modification time, size) of ``path``, to key a cache; ``-1`` when it is missing.

    Raises
    ------
    RegisterError
        ``unreadable``, naming ``path`` as given, when it cannot be looked at (a name too long, a
        folder the user may not enter, a file where a folder is expected).
    """
    try:
        st = path.stat()
        found = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        found = (-1, -1)
    except (OSError, ValueError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise RegisterError([Problem(str(path), "", "", "unreadable",
                                     f"{kind} file cannot be read: {reason}")]) from None
    try:
        resolved = str(path.resolve())
    except (OSError, RuntimeError):  # a symbolic link loop: the path as given keys the cache
        resolved = str(path.absolute())
    return (resolved, *found)


def load(
    register: str | os.PathLike[str] = DEFAULT_REGISTER,
    geodata: str | os.PathLike[str] = DEFAULT_GEODATA,
    *,
    database: str | None = None,
    store: Store | None = None,
) -> gpd.GeoDataFrame:
    """Load, validate and join the register and its geometries, from the files or a database.

    Parameters
    ----------
    register : path-like
        The register CSV.
    geodata : path-like
        The folder holding ``projects.geojson`` and ``city_boundary.geojson`` (for a database, the
        folder the city boundary is read from).
    database : str, optional
        A ``postgresql://`` URL: read the register from that database instead of the files
        (:func:`portfolio.stores.open_store`; an empty string means the files). The environment is
        not read here: pass ``os.environ.get("PORTFOLIO_DATABASE_URL")`` to follow it.
    store : Store, optional
        A store already opened (:mod:`portfolio.stores`); wins over the other arguments.

    The result is cached on the store's :meth:`~portfolio.stores.Store.version` (the files' states,
    or the database's change counter): a rerun costs that look-up, a change made anywhere (another
    app instance, ``psql``) is read on the next call.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per project, every column of :data:`portfolio.schema.COLUMNS` (text as ``str``,
        ``""`` when empty; ``period_start``/``period_end`` as nullable ``Int64``;
        ``geocode_precision`` as ``int``; ``official_*`` as float), geometry in EPSG:4326, in
        register order. Callers must not modify it in place (it is cached): copy first.

    Raises
    ------
    RegisterError
        When validation finds any problem; ``.problems`` lists each one. A store that cannot be read
        at all raises :class:`~portfolio._errors.StoreError` (a RegisterError with one problem).
    """
    from portfolio.stores import open_store

    if store is None:
        store = open_store(database if database is not None else "", register=register, geodata=geodata)
    return _load_cached(store, store.version())


@lru_cache(maxsize=8)
def _load_cached(store: Store, version: str) -> gpd.GeoDataFrame:
    """Read the store, validate and build the frame; ``version`` only keys the cache."""
    from portfolio.validate import validate_inputs

    inputs = store.read()
    frame, problems = validate_inputs(inputs)
    if problems or frame is None:
        raise RegisterError(problems or [Problem(inputs.register_name, "", "", "invalid",
                                                 "register is invalid")])
    return frame


def to_frame(rows: list[dict[str, str]], geometries: dict[str, BaseGeometry | None]) -> gpd.GeoDataFrame:
    """Build the typed GeoDataFrame from valid raw rows and their geometries."""
    data = pd.DataFrame(rows, columns=list(schema.COLUMNS)).fillna("")
    # The cells passed the row checks (four ASCII digits, a precision code, a plain decimal), so these
    # conversions read exactly what the checks read.
    for column in ("period_start", "period_end"):
        data[column] = pd.array([int(v) if v else None for v in data[column]], dtype="Int64")
    data["geocode_precision"] = [int(v) for v in data["geocode_precision"]]
    for column in ("official_area_ha", "official_length_km"):
        data[column] = np.array([float(v) if v else math.nan for v in data[column]], dtype=float)
    geoms = [geometries.get(i) for i in data["id"]]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def load_layer(geodata: str | os.PathLike[str], filename: str) -> gpd.GeoDataFrame:
    """Read one of the bundled layers (boundary, background) of ``geodata`` as a GeoDataFrame.

    Raises
    ------
    RegisterError
        When ``geodata`` is not a folder that can be looked at, or the layer cannot be read.
    """
    return _load_layer_cached(*_layer_key(geodata, filename))


def _layer_key(geodata: str | os.PathLike[str], filename: str) -> tuple[str, tuple[str, int, int]]:
    """The layer's name as the user gave it and its file state (the cache key), or a RegisterError."""
    folder = geodata_folder_problem(Path(geodata))
    if folder is not None:
        raise RegisterError([folder])
    path = Path(geodata) / filename
    return str(path), _file_state(path, "geodata")


@lru_cache(maxsize=8)
def _load_layer_cached(name: str, state: tuple[str, int, int]) -> gpd.GeoDataFrame:
    """Read the layer at ``name`` (problems name it as the user gave it); ``state`` keys the cache."""
    path = Path(name)
    try:
        text = read_text(path, kind="geodata")
    except InputError as exc:
        raise RegisterError(exc.problems) from None
    try:
        doc = load_json(text)
    except json.JSONDecodeError as exc:
        raise RegisterError([Problem(name, f"line {exc.lineno}", "", "bad_json",
                                     f"not valid JSON: {exc.msg}")]) from None
    except ValueError as exc:
        raise RegisterError([Problem(name, "", "", "bad_json",
                                     f"not readable JSON: {str(exc)[:100]}")]) from None
    except RecursionError:
        raise RegisterError([Problem(name, "", "", "bad_json", "JSON is nested too deeply")]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise RegisterError([Problem(name, "", "features", "no_features",
                                     "is not a GeoJSON FeatureCollection with features")])
    try:
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except Exception as exc:  # malformed features: shapely/pandas raise many types
        raise RegisterError([Problem(name, "", "geometry", "bad_geometry",
                                     f"a feature cannot be read: {exc}")]) from None
    empty = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if empty.any():
        raise RegisterError([Problem(name, f"feature {int(np.flatnonzero(empty)[0]) + 1}", "geometry",
                                     "empty_geometry", "feature has no geometry")])
    return frame


def load_boundary(geodata: str | os.PathLike[str] = DEFAULT_GEODATA) -> gpd.GeoDataFrame:
    """The generalised boundary of the 2025 city (one polygon feature).

    The file gets every check ``projects.geojson`` gets (:func:`read_boundary`).

    Raises
    ------
    RegisterError
        When the layer cannot be read or breaks any rule, one problem per fault: a point, a line or a
        polygon out of the region would put every city-scope project "outside the city".
    """
    return _load_boundary_cached(*_layer_key(geodata, BOUNDARY_FILE))


@lru_cache(maxsize=8)
def _load_boundary_cached(name: str, state: tuple[str, int, int]) -> gpd.GeoDataFrame:
    """Read and check the boundary at ``name`` (problems name it as given); ``state`` keys the cache."""
    frame, problems = read_boundary(Path(name))
    if problems or frame is None:
        raise RegisterError(problems or [Problem(name, "", "", "invalid", "city boundary is invalid")])
    return frame


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
    doc, bad = _parse_document(name, text)
    if bad is not None:
        return None, [bad]
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
        geom = _resolve_at(name, where, gj)
        if isinstance(geom, Problem):
            problems.append(geom)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(name, where, "geometry", "wrong_geometry_kind",
                                    "the city boundary must be a Polygon or MultiPolygon, "
                                    f"not a {geom.geom_type}"))
            continue
        props = feature.get("properties")
        columns = {k: v for k, v in props.items() if k != "geometry"} if isinstance(props, dict) else {}
        records.append({"geometry": geom, **columns})
    if problems:
        return None, problems
    return gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326"), problems


def load_background(geodata: str | os.PathLike[str] = DEFAULT_GEODATA) -> gpd.GeoDataFrame:
    """Main rivers and roads drawn as the offline map background (``kind``, ``name_vi``, ``name_en``)."""
    return load_layer(geodata, BACKGROUND_FILE)
