"""Export exactly a filtered set of projects: GeoJSON, CSV, GeoPackage, KML, Shapefile (zip), DXF.

Every export carries every register column plus ``length_km`` and ``area_ha`` (measured in
EPSG:5897, see :mod:`portfolio.measure`) and says what it is: the filter that produced it, the
register's as-of date and the licence/attribution (:func:`metadata`). Where that travels:

=========  ==========================  ==============================================================
format     CRS                         metadata
=========  ==========================  ==============================================================
geojson    EPSG:4326 only (RFC 7946)   foreign member ``"metadata"`` of the FeatureCollection
csv        EPSG:4326 or EPSG:5897      sidecar ``<name>.csv-metadata.json`` (CSV on the Web style)
gpkg       EPSG:4326 or EPSG:5897      GeoPackage metadata of the layer, and its description
kml        EPSG:4326 only              KML ``<Document>`` name and description (LIBKML driver)
shp        EPSG:4326 or EPSG:5897      ``metadata.json`` and ``README.txt`` inside the zip
dxf        EPSG:5897 (default) or 4326 ``999`` comment lines at the top of the DXF
=========  ==========================  ==============================================================

Format notes
------------
GeoJSON
    RFC 7946: WGS 84 lon/lat, exterior rings counter-clockwise, no ``crs`` member, coordinates
    rounded to 6 decimals (≈ 0.1 m); written with shapely (``shapely.to_geojson``), in the layout of
    GDAL's ``RFC7946=YES`` writer, which is several times slower on large registers.
CSV
    UTF-8 with a byte-order mark (so spreadsheets read Vietnamese correctly), comma-separated, one
    row per project, geometry as WKT in the last column ``WKT`` (6 decimals in degrees, 3 in
    metres). A text cell a spreadsheet would run as a formula (:func:`portfolio._formula.is_formula`:
    ``=``, ``+``, ``-``, ``@`` or their full-width forms after any spaces, a tab or a carriage return,
    a ``;=`` or ``,=``) is neutralised with an apostrophe (``'``) before it.
Shapefile
    A zip holding one shapefile per geometry family present (``<name>_points``, ``_lines``,
    ``_polygons``; points are written as MultiPoint), UTF-8 with a ``.cpg``, field names cut to 10
    characters by :data:`SHAPEFILE_FIELDS` (also written to ``metadata.json``); with no project,
    one empty ``<name>_empty`` layer (polygon type) with the same fields. DBF text is limited
    to 254 bytes: longer cells are cut at a character boundary and end with ``…``; the metadata
    lists which, and ``<name>_attributes.csv`` in the zip holds every attribute in full (join on
    ``id``).
DXF
    GDAL's DXF writer keeps geometry and the entity layer only: each project is on its own DXF
    layer named by its ``id`` (ASCII). An ``MTEXT`` entity on the same layer at the project's
    representative point (the middle of a line) labels it ``"<id>: <name_vi>"`` (non-ASCII
    characters as DXF ``\\U+XXXX`` escapes, so Vietnamese survives the ANSI code page; GDAL
    decodes them in MTEXT only, hence MTEXT rather than TEXT). Polygons are ``HATCH`` entities,
    lines ``LWPOLYLINE``, points ``POINT``; the metadata are ``999`` comments at the top. No other
    attribute fits in DXF: join on the layer name (= ``id``) to the CSV or GeoPackage for them.
KML
    LIBKML driver (the plain KML driver where GDAL lacks libkml), WGS 84; every column in
    ``ExtendedData``; placemark name = ``name_vi``; metadata in the ``<Document>`` description.

Writes are atomic (:func:`portfolio._files.atomic_path`): an error leaves no half-written file
and never replaces the previous one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
import xml.parsers.expat
import zipfile
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from portfolio import __version__, _formula, schema
from portfolio._errors import ExportError
from portfolio._files import atomic_path, remove_stale, temp_prefix
from portfolio.measure import MEASURE_COLUMNS, MEASURE_CRS, with_measures
from portfolio.query import Filter

#: Export formats, in the order the CLI lists them.
FORMATS: Final[tuple[str, ...]] = ("geojson", "csv", "gpkg", "kml", "shp", "dxf")
#: Usual file extension of each format (``shp`` is a zip).
EXTENSIONS: Final[dict[str, str]] = {
    "geojson": ".geojson",
    "csv": ".csv",
    "gpkg": ".gpkg",
    "kml": ".kml",
    "shp": ".zip",
    "dxf": ".dxf",
}
#: File name endings an export of each format may have, case ignored (the CLI refuses others):
#: GDAL and GIS programs pick the reader by the ending, and a zip named ``.shp`` would sit among an
#: old shapefile's ``.dbf`` and ``.shx``.
OUTPUT_SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "geojson": (".geojson", ".json"),
    "csv": (".csv",),
    "gpkg": (".gpkg",),
    "kml": (".kml",),
    "shp": (".zip",),
    "dxf": (".dxf",),
}
#: Media type of each format, for downloads.
MEDIA_TYPES: Final[dict[str, str]] = {
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml",
    "shp": "application/zip",
    "dxf": "image/vnd.dxf",
}
WGS84: Final[str] = "EPSG:4326"
VN2000: Final[str] = MEASURE_CRS
#: Output CRSs: value -> description.
CRS_NAMES: Final[dict[str, str]] = {
    WGS84: "WGS 84, longitude/latitude in degrees",
    VN2000: "VN-2000 / TM-3 zone 482 (central meridian 105°, k = 0.9999), metres",
}
#: CRSs each format may be written in; the first is the default.
FORMAT_CRS: Final[dict[str, tuple[str, ...]]] = {
    "geojson": (WGS84,),
    "csv": (WGS84, VN2000),
    "gpkg": (WGS84, VN2000),
    "kml": (WGS84,),
    "shp": (WGS84, VN2000),
    "dxf": (VN2000, WGS84),
}

#: Licence and attribution written into every export (see :func:`attribution`).
ATTRIBUTION: Final[str] = (
    "Register: CC BY 4.0, Cần Thơ portfolio project. Geometry: ODbL 1.0, digitised by the project, "
    "contains information from OpenStreetMap (© OpenStreetMap contributors) and the CTU-SematX "
    "LegoCity road layer (CC BY-SA 4.0). City outline: © Open Development Mekong / Open Development "
    "Vietnam, CC BY-SA 4.0"
)

#: Register column -> Shapefile (DBF) field name, at most 10 characters.
SHAPEFILE_FIELDS: Final[dict[str, str]] = {
    "id": "id",
    "name_vi": "name_vi",
    "name_en": "name_en",
    "sector": "sector",
    "owner": "owner",
    "owner_current": "owner_cur",
    "investor": "investor",
    "funding_source": "fund_src",
    "funding_type": "fund_type",
    "period_start": "per_start",
    "period_end": "per_end",
    "period_history": "per_hist",
    "status": "status",
    "status_as_of": "status_dt",
    "status_source": "status_src",
    "sources": "sources",
    "location_vi": "location",
    "parent_id": "parent_id",
    "communes": "communes",
    "districts_before_2025": "dist_old",
    "admin_basis": "admin_bas",
    "scope": "scope",
    "geocode_precision": "geo_prec",
    "official_area_ha": "off_area",
    "official_length_km": "off_len",
    "investment_bn_vnd": "inv_bn",
    "investment_kind": "inv_kind",
    "investment_source": "inv_src",
    "notes": "notes",
    "length_km": "length_km",
    "area_ha": "area_ha",
}
#: Largest DBF text cell, in bytes.
DBF_MAX_BYTES: Final[int] = 254
#: Height of the DXF label text, in drawing units (metres in VN-2000, degrees in WGS 84).
DXF_TEXT_HEIGHT: Final[dict[str, float]] = {VN2000: 25.0, WGS84: 0.0002}
#: Characters that make a spreadsheet treat a cell as a formula (the rule: :mod:`portfolio._formula`).
FORMULA_PREFIXES: Final[tuple[str, ...]] = (*_formula.STARTS, "\t", "\r")
LAYER_NAME: Final[str] = "projects"
#: Longest reason quoted from a failed write in an error message, in characters.
MESSAGE_LIMIT: Final[int] = 300

EXPORT_COLUMNS: Final[tuple[str, ...]] = (*schema.COLUMNS, *MEASURE_COLUMNS)
_TEXT_COLUMNS = frozenset(
    c
    for c in schema.COLUMNS
    if c
    not in (
        "period_start",
        "period_end",
        "geocode_precision",
        "official_area_ha",
        "official_length_km",
        "investment_bn_vnd",
    )
)


def attribution() -> str:
    """Licence and attribution text carried by every export.

    The integrator may change :data:`ATTRIBUTION` (or this function) when the licence is settled.
    """
    return ATTRIBUTION


def register_as_of(frame: pd.DataFrame) -> str:
    """The register's as-of date: the latest ``status_as_of`` (ISO ``YYYY-MM-DD``), ``""`` if none.

    The latest evidence date in the register is used rather than the file's modification time:
    it says how current the *content* is and does not change when the file is merely copied.
    """
    dates = [d for d in frame["status_as_of"] if isinstance(d, str) and d]
    return max(dates) if dates else ""


#: Spellings of WGS 84 longitude/latitude read as ``OGC:CRS84`` (case ignored).
_CRS84_NAMES: Final[frozenset[str]] = frozenset(
    {"CRS84", "OGC:CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84"}
)


def output_crs(fmt: str, crs: str | None = None) -> str:
    """Check ``fmt`` and ``crs``; return the CRS as ``"EPSG:nnnn"`` (the format's default if None).

    ``OGC:CRS84`` (WGS 84, longitude first; also ``CRS84``, any case) is accepted as
    ``EPSG:4326``: the exports write WGS 84 coordinates longitude first.

    Raises
    ------
    ExportError
        Unknown format, or a CRS the format does not allow (the message lists the allowed ones).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; allowed values: {', '.join(FORMATS)}")
    allowed = FORMAT_CRS[fmt]
    if crs is None:
        return allowed[0]
    if crs.strip().upper() in _CRS84_NAMES:
        crs = "OGC:CRS84"
    try:
        parsed = CRS.from_user_input(crs)
        epsg = parsed.to_epsg()
        if epsg is None and parsed.equals(CRS("OGC:CRS84")):
            epsg = 4326  # WGS 84 in lon/lat order: what every export in EPSG:4326 holds
    except CRSError:
        epsg = None
    name = f"EPSG:{epsg}" if epsg else str(crs)
    if name not in allowed:
        choices = "; ".join(f"{c} ({CRS_NAMES[c]})" for c in allowed)
        raise ExportError(f"{fmt} cannot be written in CRS {crs!r}; allowed values: {choices}")
    return name


def check_output_name(path: str | os.PathLike[str], fmt: str) -> None:
    """Check that ``path`` ends as a ``fmt`` file should (:data:`OUTPUT_SUFFIXES`, case ignored).

    :func:`export` itself writes to any name; the CLI calls this first.

    Raises
    ------
    ExportError
        Unknown format, or a name with another ending (the message names the expected ones).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; allowed values: {', '.join(FORMATS)}")
    name = Path(path).name
    if not name.lower().endswith(OUTPUT_SUFFIXES[fmt]):
        expected = " or ".join(OUTPUT_SUFFIXES[fmt])
        what = "a zip of shapefiles" if fmt == "shp" else f"a {fmt} file"
        raise ExportError(f"{fmt} output must end in {expected} ({what}); got {str(path)!r}")


def metadata(
    frame: pd.DataFrame,
    fmt: str,
    crs: str,
    filter: Filter | None = None,  # noqa: A002 - the contract's name
    as_of: str | None = None,
) -> dict[str, Any]:
    """What an export says about itself.

    Parameters
    ----------
    frame : DataFrame
        The exported projects.
    fmt, crs : str
        Format and output CRS.
    filter : Filter or None
        The filter that produced ``frame``; ``None`` is recorded as "not stated".
    as_of : str or None
        The whole register's as-of date; by default the latest ``status_as_of`` in ``frame``.
    """
    return {
        "title": "Cần Thơ infrastructure project portfolio (export)",
        "filter": filter.describe() if filter is not None else "not stated by the exporting program",
        "filter_params": filter.to_params() if filter is not None else None,
        "count": len(frame),
        "register_as_of": as_of if as_of is not None else register_as_of(frame),
        "register_as_of_basis": "latest status_as_of date in the register",
        # the register version it came from (portfolio.changes: set by the CLI and the app in attrs)
        "register_version": frame.attrs.get("register_version", "not stated"),
        "licence": attribution(),
        "format": fmt,
        "crs": crs,
        "crs_name": CRS_NAMES[crs],
        "columns": list(EXPORT_COLUMNS),
        "measures": "length_km (lines) and area_ha (polygons) measured in EPSG:5897, "
        "VN-2000 / TM-3 zone 482, central meridian 105°",
        "generator": f"cantho-portfolio {__version__}",
    }


def metadata_text(meta: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`metadata`, one ``key: value`` per line."""
    lines = []
    for key, value in meta.items():
        if key in ("columns", "filter_params"):
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}: {value}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def export(
    frame: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    fmt: str,
    crs: str | None = None,
    filter: Filter | None = None,  # noqa: A002 - the contract's name
    *,
    as_of: str | None = None,
) -> Path:
    """Write ``frame`` to ``path`` in ``fmt``, atomically.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The projects to write (typically ``filter.apply(load())``), in EPSG:4326 with every
        register column.
    path : path-like
        Output file. For ``csv`` a sidecar ``<path>-metadata.json`` is written too.
    fmt : {"geojson", "csv", "gpkg", "kml", "shp", "dxf"}
        Output format.
    crs : str, optional
        ``"EPSG:4326"`` or ``"EPSG:5897"`` where the format allows (see :data:`FORMAT_CRS`);
        default: the format's first (EPSG:5897 for DXF, EPSG:4326 otherwise).
    filter : Filter, optional
        The filter that produced ``frame``, recorded in the file's metadata.
    as_of : str, optional
        The register's as-of date to record; default: :func:`register_as_of` of ``frame``.
        Pass the full register's date when ``frame`` is a subset.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ExportError
        Unknown format or disallowed CRS, missing columns, or the write failed (the previous file
        at ``path``, if any, is untouched).
    """
    target = Path(path)
    out_crs = output_crs(fmt, crs)
    data = _prepare(frame)
    meta = metadata(data, fmt, out_crs, filter, as_of)
    for place in (target, csv_sidecar(target)) if fmt == "csv" else (target,):
        if place.is_dir():
            raise ExportError(f"could not write {fmt} to {target}: {place} is a directory")
    try:
        if fmt == "csv":
            # Both files are complete before either is renamed into place, the CSV first, then the
            # sidecar: a failure while writing either leaves the previous pair untouched.
            with atomic_path(csv_sidecar(target), suffix=".json") as sidecar, atomic_path(target) as tmp:
                _write_csv(data, tmp, out_crs, meta)
                sidecar.write_text(
                    json.dumps(_csvw(meta, target.name), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8",
                )
        else:
            with atomic_path(target) as tmp:
                _WRITERS[fmt](data, tmp, out_crs, meta, target.stem)
    except (
        _Incomplete,
        OSError,
        ValueError,
        RuntimeError,
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
    ) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if len(reason) > MESSAGE_LIMIT:  # GDAL may quote a whole SQL statement
            reason = reason[:MESSAGE_LIMIT] + "…"
        raise ExportError(f"could not write {fmt} to {target}: {reason}{_limits(target)}") from exc
    return target


def to_bytes(
    frame: gpd.GeoDataFrame,
    fmt: str,
    crs: str | None = None,
    filter: Filter | None = None,  # noqa: A002 - the contract's name
    *,
    as_of: str | None = None,
) -> bytes:
    """The bytes :func:`export` would write, for a download button (CSV: the table only).

    For CSV the metadata sidecar is not included; offer :func:`csv_metadata_bytes` beside it.
    """
    remove_stale(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=temp_prefix("export")) as folder:
        path = Path(folder) / f"{LAYER_NAME}{EXTENSIONS.get(fmt, '')}"
        export(frame, path, fmt, crs, filter, as_of=as_of)
        return path.read_bytes()


def csv_metadata_bytes(
    frame: gpd.GeoDataFrame,
    crs: str | None = None,
    filter: Filter | None = None,  # noqa: A002
    *,
    as_of: str | None = None,
    csv_name: str = f"{LAYER_NAME}.csv",
) -> bytes:
    """The CSV sidecar (CSV on the Web metadata JSON) for a CSV download."""
    data = _prepare(frame)
    meta = metadata(data, "csv", output_crs("csv", crs), filter, as_of)
    return (json.dumps(_csvw(meta, csv_name), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_sidecar(path: str | os.PathLike[str]) -> Path:
    """Path of the metadata sidecar of a CSV export: ``<file>.csv-metadata.json``."""
    path = Path(path)
    return path.with_name(path.name + "-metadata.json")


# --------------------------------------------------------------------------------------------
# Preparation
# --------------------------------------------------------------------------------------------


def _prepare(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    missing = [c for c in schema.COLUMNS if c not in frame.columns]
    if missing:
        raise ExportError(f"cannot export: columns missing from the data: {', '.join(missing)}")
    if frame.crs is None:
        raise ExportError("cannot export: the data has no CRS")
    data = with_measures(frame.to_crs(WGS84))
    data = data[[*EXPORT_COLUMNS, data.geometry.name]].reset_index(drop=True)
    return data.rename_geometry("geometry") if data.geometry.name != "geometry" else data


def _projected(data: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    return data if crs == WGS84 else data.to_crs(crs)


def _plain(value: Any) -> Any:
    """A JSON/CSV-friendly scalar: None for missing values, int for integral Int64."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


# --------------------------------------------------------------------------------------------
# Checking what GDAL wrote: GDAL does not always report a short write (a full disk, a file size
# limit), so each GDAL-written file is checked for completeness before it is renamed into place.
# --------------------------------------------------------------------------------------------


class _Incomplete(Exception):
    """What was written is not the complete file (truncated, malformed or short of features)."""


def _limits(target: Path) -> str:
    """Why a write may have failed, as ``"; …"`` for an error message; ``""`` when nothing is known.

    Names the process's file size limit (``ulimit -f``) when one is set and the free space of the
    output folder when under 1 MiB.
    """
    notes = []
    if sys.platform != "win32":
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY:
            notes.append(f"the file size limit (ulimit -f) is {soft:,} bytes")
        try:
            stat = os.statvfs(target.parent)
        except OSError:
            pass
        else:
            free = stat.f_bavail * stat.f_frsize
            if free < 1024 * 1024:
                notes.append(f"the disk holding {target.parent} is full ({free:,} bytes free)")
    return "".join(f"; {note}" for note in notes)


def _check_count(path: Path, expected: int, what: str, layer: str | None = None) -> None:
    """Raise :class:`_Incomplete` unless GDAL reads ``expected`` features from ``path``."""
    try:
        count = pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, RuntimeError) as exc:
        raise _Incomplete(f"the {what} written cannot be read back ({exc})") from None
    if count != expected:
        raise _Incomplete(f"the {what} written is incomplete: {count} of {expected} features read back")


def _check_gpkg(path: Path, expected: int) -> None:
    """A GeoPackage is complete: the size its SQLite header states, a passing ``quick_check``, the count.

    Costs about 0.05 s for 10,000 projects (26 MB).
    """
    with path.open("rb") as fh:
        header = fh.read(100)
    size = path.stat().st_size
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise _Incomplete(f"the GeoPackage written is truncated ({size:,} bytes, no SQLite header)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and pages and size != pages * page_size:
        raise _Incomplete(f"the GeoPackage written is truncated: {size:,} of {pages * page_size:,} bytes")
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        raise _Incomplete(f"the GeoPackage written is damaged ({exc})") from None
    if verdict != [("ok",)]:
        raise _Incomplete(f"the GeoPackage written is damaged ({verdict[0][0]})")
    _check_count(path, expected, "GeoPackage", LAYER_NAME)


#: A KML Placemark start tag, as bytes.
_PLACEMARK_TAG = re.compile(rb"<Placemark[\s/>]")


def _check_kml(path: Path, expected: int, text_has_tag: bool) -> None:
    """A KML file is complete: well-formed XML holding ``expected`` ``Placemark`` elements.

    Parsed with expat rather than read back with GDAL's LIBKML driver (0.25 s rather than 1 s for
    10,000 projects, 54 MB). The placemarks are counted as start tags in the bytes, unless
    ``text_has_tag`` (some text written holds ``<Placemark``, which may appear verbatim in a CDATA
    section): then expat counts the elements, which costs another 0.3 s.
    """
    placemarks = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal placemarks
        if name == "Placemark":
            placemarks += 1

    parser = xml.parsers.expat.ParserCreate()
    if text_has_tag:
        parser.StartElementHandler = start
    raw = path.read_bytes()
    try:
        parser.Parse(raw, True)
    except xml.parsers.expat.ExpatError as exc:
        raise _Incomplete(f"the KML written is not well-formed XML ({exc}); it may be truncated") from None
    if not text_has_tag:
        placemarks = len(_PLACEMARK_TAG.findall(raw))
    if placemarks != expected:
        raise _Incomplete(f"the KML written is incomplete: {placemarks} of {expected} placemarks")


def _check_shapefile(shp: Path, expected: int) -> None:
    """A shapefile is complete: ``.shp``/``.shx`` of the length their headers state, the ``.dbf`` of
    ``expected`` records of the stated size, and GDAL reads ``expected`` features."""
    for part in (shp, shp.with_suffix(".shx")):
        with part.open("rb") as fh:
            header = fh.read(100)
        size = part.stat().st_size
        stated = int.from_bytes(header[24:28], "big") * 2 if len(header) == 100 else -1
        if size != stated:
            raise _Incomplete(
                f"the shapefile part {part.name} written is truncated ({size:,} bytes, "
                f"its header says {stated:,})"
            )
    dbf = shp.with_suffix(".dbf")
    with dbf.open("rb") as fh:
        header = fh.read(12)
    size = dbf.stat().st_size
    if len(header) < 12:
        raise _Incomplete(f"the shapefile part {dbf.name} written is truncated ({size:,} bytes)")
    records = int.from_bytes(header[4:8], "little")
    stated = int.from_bytes(header[8:10], "little") + records * int.from_bytes(header[10:12], "little")
    if records != expected or size not in (stated, stated + 1):  # + the optional 0x1A end marker
        raise _Incomplete(
            f"the shapefile part {dbf.name} written is incomplete ({records} of {expected} "
            f"records, {size:,} of {stated:,} bytes)"
        )
    _check_count(shp, expected, f"shapefile {shp.name}")


# --------------------------------------------------------------------------------------------
# Writers: each writes one complete file at ``path`` (a temporary path beside the target)
# --------------------------------------------------------------------------------------------


#: Rows converted to GeoJSON at a time (bounds the memory the text of a large export takes).
GEOJSON_BATCH: Final[int] = 2000


def _geojson_features(data: gpd.GeoDataFrame) -> Iterator[str]:
    """One RFC 7946 GeoJSON Feature per row, as compact JSON text, in row order.

    Coordinates rounded to 6 decimals (``numpy.round``: the nearest double to a 6-decimal number,
    which the GEOS GeoJSON writer prints in its shortest form), polygons wound with exterior rings
    counter-clockwise and holes clockwise (``shapely.orient_polygons``), every export column as a
    property (missing values as ``null``). Converted :data:`GEOJSON_BATCH` rows at a time.
    """
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str).encode
    geoms = data.geometry.to_numpy()
    for start in range(0, len(data), GEOJSON_BATCH):
        batch = slice(start, start + GEOJSON_BATCH)
        rounded = shapely.transform(geoms[batch], partial(np.round, decimals=6), include_z=None)
        geometry_json = shapely.to_geojson(shapely.orient_polygons(rounded, exterior_cw=False)).tolist()
        columns = [_json_values(data[c].iloc[batch]) for c in EXPORT_COLUMNS]
        for geometry, values in zip(geometry_json, zip(*columns, strict=True), strict=True):
            properties = dumps(dict(zip(EXPORT_COLUMNS, values, strict=True)))
            yield (
                f'{{"type": "Feature", "properties": {properties}, '
                f'"geometry": {"null" if geometry is None else geometry}}}'
            )


def _json_values(series: pd.Series) -> list[Any]:
    """``[_plain(v) for v in series]``, without a Python call per cell for typed columns."""
    if series.dtype == object:
        return [_plain(v) for v in series.tolist()]
    values: list[Any] = series.tolist()  # Python str / int / float, pd.NA or NaN where missing
    for i in np.flatnonzero(series.isna().to_numpy(dtype=bool)).tolist():
        values[i] = None
    return values


def _write_text(path: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to ``path`` as UTF-8 (the GeoJSON writer's only file access)."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for chunk in chunks:
            fh.write(chunk)


def _write_geojson(data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any], stem: str) -> None:
    """RFC 7946 FeatureCollection (written with shapely, not GDAL's slower GeoJSON writer).

    The layout follows GDAL's ``RFC7946=YES, COORDINATE_PRECISION=6, WRITE_NAME=YES`` output: no
    ``crs`` member, the foreign member ``"metadata"``, ``"name"`` and ``"xy_coordinate_resolution"``,
    then one feature per line.
    """
    head = (
        '{\n"type": "FeatureCollection",\n'
        f'"metadata": {json.dumps(meta, ensure_ascii=False)},\n'
        f'"name": {json.dumps(LAYER_NAME)},\n'
        '"xy_coordinate_resolution": 1e-06,\n'
        '"features": [\n'
    )
    _write_text(path, _geojson_chunks(head, _geojson_features(data)))


def _geojson_chunks(head: str, features: Iterator[str]) -> Iterator[str]:
    yield head
    separator = ""
    for feature in features:
        yield separator + feature
        separator = ",\n"
    yield "\n]\n}\n" if separator else "]\n}\n"


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet would read as a formula made safe (:func:`portfolio._formula.neutralise`:
    the rule validation applies)."""
    return _formula.neutralise(cell)


def _csv_value(column: str, value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if column in _TEXT_COLUMNS:
        return neutralise(str(value))
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def _write_csv(
    data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any], *, with_wkt: bool = True
) -> None:
    geoms = _projected(data, crs).geometry
    precision = 6 if crs == WGS84 else 3
    wkt = shapely.to_wkt(geoms.to_numpy(), rounding_precision=precision, trim=True) if with_wkt else []
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*EXPORT_COLUMNS, *(["WKT"] if with_wkt else [])])
    columns = [data[c].tolist() for c in EXPORT_COLUMNS]
    for index, row in enumerate(zip(*columns, strict=True)):
        cells = [_csv_value(c, v) for c, v in zip(EXPORT_COLUMNS, row, strict=True)]
        writer.writerow([*cells, wkt[index]] if with_wkt else cells)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def _csvw(meta: dict[str, Any], csv_name: str) -> dict[str, Any]:
    """CSV on the Web (W3C) table description carrying the export metadata."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_name,
        "dc:title": meta["title"],
        "dc:description": f"Filter: {meta['filter']}",
        "dc:license": meta["licence"],
        "dc:date": meta["register_as_of"],
        "metadata": meta,
        "dialect": {"encoding": "utf-8", "header": True, "delimiter": ","},
        "tableSchema": {
            "columns": [{"name": c, "titles": c} for c in EXPORT_COLUMNS]
            + [{"name": "WKT", "titles": "WKT", "dc:description": f"geometry as WKT in {meta['crs']}"}],
        },
        "notes": [
            "Text cells starting with =, +, -, @, tab or carriage return are prefixed with ' so "
            "spreadsheets do not evaluate them."
        ],
    }


def _write_gpkg(data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any], stem: str) -> None:
    flat = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in meta.items()}
    out = _projected(data, crs)
    pyogrio.write_dataframe(
        out,
        path,
        driver="GPKG",
        layer=LAYER_NAME,
        geometry_type=None if len(out) else "Unknown",
        layer_metadata=flat,  # dataset metadata makes GDAL write a .aux.xml beside the file on reading
        layer_options={
            "DESCRIPTION": " | ".join((meta["filter"], f"as of {meta['register_as_of']}", meta["licence"])),
            "IDENTIFIER": "Cần Thơ infrastructure projects",
        },
    )
    _check_gpkg(path, len(out))


#: Characters XML 1.0 does not allow (C0 controls but tab and line breaks, surrogates, U+FFFE/F).
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD (``\ufffd``)."""
    return _XML_INVALID.sub("\ufffd", text)


#: Text the KML writers mishandle -> (its form inside a CDATA section, its form outside one). libkml
#: puts text holding ``<`` or ``&`` in CDATA without escaping ``]]>``; GDAL escapes text holding
#: ``<![CDATA[`` as entities but leaves entities already there (``&amp;`` would read back as ``&``).
_KML_HAZARDS: Final[dict[str, tuple[str, str]]] = {
    "]]>": ("]]]]><![CDATA[>", "]]&gt;"),
    "<![CDATA[": ("<![CDATA[", "&lt;![CDATA["),
}


def _kml_sentinels(texts: Iterable[str], count: int) -> list[str]:
    """``count`` private-use characters found in none of ``texts``, to stand for the hazards."""
    if count == 0:
        return []
    joined = "\n".join(texts)
    free: list[str] = []
    for code in range(0xE000, 0xF900):
        if chr(code) not in joined:
            free.append(chr(code))
            if len(free) == count:
                return free
    raise _Incomplete("the text uses every private-use character; cannot write it safely to KML")


def _restore_hazards(xml: str, sentinels: dict[str, str]) -> str:
    """Put each hazard back where its sentinel stands, in the form XML allows where it stands.

    The CDATA sections are those of the writer: no text written holds ``<![CDATA[`` or ``]]>``.
    """

    def put_back(part: str, inside: bool) -> str:
        for hazard, sentinel in sentinels.items():
            part = part.replace(sentinel, _KML_HAZARDS[hazard][0 if inside else 1])
        return part

    out: list[str] = []
    position = 0
    for section in re.finditer(r"<!\[CDATA\[(.*?)\]\]>", xml, flags=re.DOTALL):
        out.append(put_back(xml[position : section.start()], inside=False))
        out.append("<![CDATA[" + put_back(section.group(1), inside=True) + "]]>")
        position = section.end()
    out.append(put_back(xml[position:], inside=False))
    return "".join(out)


def _write_kml(data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any], stem: str) -> None:
    out = data.copy()
    out.insert(0, "name", out["name_vi"])
    title, description = xml_text(meta["title"]), xml_text(metadata_text(meta))
    # Text XML cannot hold is replaced (xml_text); the hazards (_KML_HAZARDS) are swapped for
    # sentinel characters while GDAL writes, then put back in the form XML allows where they stand.
    texts = {
        c: "\n".join(v for v in out[c].tolist() if isinstance(v, str))
        for c in out.columns
        if c != out.geometry.name and not pd.api.types.is_numeric_dtype(out[c])
    }
    for column, joined in texts.items():
        if _XML_INVALID.search(joined):
            out[column] = out[column].map(lambda v: xml_text(v) if isinstance(v, str) else v)
    text_has_tag = any("<Placemark" in text for text in (title, description, *texts.values()))
    every_text = (title, description, *texts.values())
    hazards = [h for h in _KML_HAZARDS if any(h in text for text in every_text)]
    sentinels = dict(zip(hazards, _kml_sentinels(every_text, len(hazards)), strict=True))

    def swap(text: str) -> str:
        for hazard, sentinel in sentinels.items():
            text = text.replace(hazard, sentinel)
        return text

    if sentinels:
        title, description = swap(title), swap(description)
        for column, joined in texts.items():
            if any(h in joined for h in hazards):
                out[column] = out[column].map(lambda v: swap(v) if isinstance(v, str) else v)
    if "LIBKML" in pyogrio.list_drivers():
        pyogrio.write_dataframe(
            out,
            path,
            driver="LIBKML",
            layer=LAYER_NAME,
            dataset_options={"NAME": title, "DESCRIPTION": description},
            layer_options={"NAME": LAYER_NAME},
        )
        _check_kml(path, len(out), text_has_tag)  # before reading GDAL's output back: it may be truncated
        if not sentinels:
            return
        text = path.read_text(encoding="utf-8")
    else:
        # GDAL built without libkml: the plain KML driver has no document options; add them to the XML
        pyogrio.write_dataframe(
            out, path, driver="KML", layer=LAYER_NAME, dataset_options={"NameField": "name"}
        )
        _check_kml(path, len(out), text_has_tag)
        text = path.read_text(encoding="utf-8")
        anchor = re.search(r"<Document[^>]*>", text)
        if anchor is None:
            raise _Incomplete("GDAL's KML output has no <Document>")
        head = f"<name>{xml_escape(title)}</name><description>{xml_escape(description)}</description>"
        text = text[: anchor.end()] + head + text[anchor.end() :]
    path.write_text(_restore_hazards(text, sentinels) if sentinels else text, encoding="utf-8")
    _check_kml(path, len(out), text_has_tag)


def _fit_bytes(text: str, limit: int = DBF_MAX_BYTES) -> tuple[str, bool]:
    if len(text.encode("utf-8")) <= limit:
        return text, False
    marker = "…"
    budget = limit - len(marker.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + marker, True


#: Suffix of the layer a Shapefile export of no project holds: empty, polygon-typed (a shapefile
#: has one geometry type), with every field of a non-empty export.
EMPTY_SHAPEFILE_LAYER: Final[str] = "empty"

_FAMILIES = (
    ("points", ("Point", "MultiPoint"), "MultiPoint"),
    ("lines", ("LineString", "MultiLineString"), "MultiLineString"),
    ("polygons", ("Polygon", "MultiPolygon"), "MultiPolygon"),
)


def _write_shp(data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any], stem: str) -> None:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem.removesuffix(".shp")) or LAYER_NAME
    out = _projected(data, crs).copy()
    truncated: list[dict[str, str]] = []
    for column in _TEXT_COLUMNS:
        values = out[column].tolist()
        for index, value in enumerate(values):
            fitted, cut = _fit_bytes(str(value))
            if cut:
                values[index] = fitted
                truncated.append(
                    {"id": str(out["id"].iloc[index]), "column": column, "field": SHAPEFILE_FIELDS[column]}
                )
        out[column] = pd.Series(values, index=out.index, dtype=out[column].dtype)
    out = out.rename(columns=SHAPEFILE_FIELDS)
    shp_meta = dict(meta)
    shp_meta["shapefile_fields"] = dict(SHAPEFILE_FIELDS)
    shp_meta["truncated_cells"] = truncated
    shp_meta["truncation_rule"] = (
        f"DBF text is limited to {DBF_MAX_BYTES} bytes: longer cells are cut at a character boundary and "
        "end with '…'; the other formats hold the full text"
    )
    layers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix=temp_prefix("shp"), dir=path.parent) as folder:
        kinds = out.geometry.geom_type
        for family, types, multi in _FAMILIES:
            part = out[kinds.isin(types).to_numpy()]
            if part.empty:
                continue
            name = f"{stem}_{family}"
            layers[name] = multi
            pyogrio.write_dataframe(
                part,
                Path(folder) / f"{name}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                promote_to_multi=True,
                layer_options={"RESIZE": "YES", "SPATIAL_INDEX": "NO"},
            )
            _check_shapefile(Path(folder) / f"{name}.shp", len(part))
        if not layers:  # no project: an empty layer with every field, so the zip still opens in GIS
            name = f"{stem}_{EMPTY_SHAPEFILE_LAYER}"
            layers[name] = "MultiPolygon"
            pyogrio.write_dataframe(
                out,
                Path(folder) / f"{name}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type="MultiPolygon",
                layer_options={"RESIZE": "YES", "SPATIAL_INDEX": "NO"},
            )
            _check_shapefile(Path(folder) / f"{name}.shp", 0)
        shp_meta["layers"] = layers
        shp_meta["attributes_csv"] = f"{stem}_attributes.csv"
        _write_csv(data, Path(folder) / shp_meta["attributes_csv"], crs, meta, with_wkt=False)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(Path(folder).iterdir()):
                archive.write(file, arcname=file.name)
            archive.writestr("metadata.json", json.dumps(shp_meta, ensure_ascii=False, indent=2) + "\n")
            archive.writestr("README.txt", _shp_readme(shp_meta))


def _shp_readme(meta: dict[str, Any]) -> str:
    lines = [
        metadata_text(
            {
                k: v
                for k, v in meta.items()
                if k not in ("shapefile_fields", "truncated_cells", "layers", "columns")
            }
        ),
        "",
        "Layers: "
        + ", ".join(f"{k} ({v})" for k, v in meta["layers"].items())
        + (" - no project was selected: the layer is empty, with every field" if meta["count"] == 0 else ""),
        "",
        "Field names (register column -> shapefile field):",
    ]
    lines += [f"  {column:<22} {field}" for column, field in meta["shapefile_fields"].items()]
    lines += [
        "",
        meta["truncation_rule"] + ".",
        f"Full, untruncated attributes of every project: {meta['attributes_csv']} (UTF-8 CSV, register "
        "column names; join on id).",
    ]
    if meta["truncated_cells"]:
        lines.append("Cut cells: " + ", ".join(f"{t['id']}/{t['field']}" for t in meta["truncated_cells"]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- DXF


def dxf_escape(text: str, mtext: bool = False) -> str:
    """ASCII DXF text: non-ASCII characters as ``\\U+XXXX``, line breaks as spaces.

    Other control characters become ``\\U+FFFD`` (the replacement character), characters beyond
    U+FFFF ``?``.

    With ``mtext``, MTEXT's special characters are escaped too (backslash, braces, caret, percent).
    """
    out = []
    for ch in " ".join(text.split()):
        if mtext and ch in "\\{}":
            out.append("\\" + ch)
        elif mtext and ch == "^":
            out.append("^ ")
        elif mtext and ch == "%":  # "%%d" would become a degree sign
            out.append("\\U+0025")
        elif ord(ch) < 0x20 or ch == "\x7f":  # a control character: not text
            out.append("\\U+FFFD")
        elif ord(ch) < 128:
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\U+{ord(ch):04X}")
        else:
            out.append("?")
    return "".join(out)


def dxf_label(ident: str, name: str) -> str:
    """The label text of a project in DXF: ``"<id>: <name_vi>"``."""
    return f"{ident}: {name}"


def _write_dxf(data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any], stem: str) -> None:
    out = _projected(data, crs)
    layer = gpd.GeoDataFrame({"Layer": out["id"].astype(str)}, geometry=out.geometry.to_numpy(), crs=out.crs)
    if len(layer):
        pyogrio.write_dataframe(layer, path, driver="DXF")
    else:
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[], crs=out.crs), path, driver="DXF")
    raw = path.read_bytes()
    if raw.rstrip().rsplit(maxsplit=1)[-1:] != [b"EOF"]:
        raise _Incomplete(f"GDAL's DXF output is truncated ({len(raw):,} bytes, no EOF at the end)")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise _Incomplete(f"GDAL's DXF output holds a non-ASCII byte at offset {exc.start}") from None
    labels = [
        (
            ident,
            dxf_label(ident, name),
            geom.representative_point()
            if geom.geom_type not in ("LineString", "MultiLineString")
            else _midpoint(geom),
        )
        for ident, name, geom in zip(out["id"], out["name_vi"], out.geometry, strict=True)
    ]
    # each part of a multi-part geometry is an entity of its own
    shapes = int(np.maximum(shapely.get_num_geometries(out.geometry.to_numpy()), 1).sum()) if len(out) else 0
    text = _add_dxf_text(text, labels, DXF_TEXT_HEIGHT[crs], shapes)
    comments = [
        "DXF export of the Cần Thơ infrastructure project portfolio",
        *metadata_text(meta).splitlines(),
        "Each project is on the DXF layer named by its id; an MTEXT entity labels it 'id: name_vi'.",
        "No other attribute fits in DXF: join on the layer name to the CSV or GeoPackage export.",
    ]
    header = "".join(f"999\n{chunk}\n" for line in comments for chunk in _dxf_chunks(dxf_escape(line)))
    path.write_text(header + text, encoding="ascii", newline="")


def _midpoint(geom: shapely.Geometry) -> shapely.Point:
    if geom.geom_type == "MultiLineString":
        geom = max(geom.geoms, key=lambda g: g.length)
    return geom.interpolate(0.5, normalized=True)


#: Longest DXF group value written: longer MTEXT text is split into group-3 chunks (DXF reference),
#: longer comments into several ``999`` lines.
DXF_CHUNK: Final[int] = 250
_DXF_TOKEN = re.compile(r"\\U\+[0-9A-F]{4}|\\.|\^ |.", re.DOTALL)


def _dxf_chunks(text: str) -> list[str]:
    """``text`` (escaped, see :func:`dxf_escape`) cut into pieces of at most :data:`DXF_CHUNK`
    characters, never inside an escape; ``[""]`` for empty text."""
    chunks, current = [], ""
    for token in _DXF_TOKEN.findall(text):
        if len(current) + len(token) > DXF_CHUNK:
            chunks.append(current)
            current = ""
        current += token
    return [*chunks, current]


def _mtext_groups(text: str) -> list[str]:
    """The MTEXT text of an escaped label as DXF group lines: ``3`` chunks of at most
    :data:`DXF_CHUNK` characters, then the last part as group ``1`` (DXF reference, MTEXT)."""
    *chunks, last = _dxf_chunks(text)
    groups = []
    for chunk in chunks:
        groups += ["  3", chunk]
    return [*groups, "  1", last]


def _add_dxf_text(text: str, labels: list[tuple[str, str, shapely.Point]], height: float, shapes: int) -> str:
    """Insert MTEXT entities at the end of the ENTITIES section of GDAL's DXF output, with fresh handles.

    Checks first that the section holds ``shapes`` entities (what GDAL was asked to write): GDAL
    does not always report a short write.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    try:
        start = next(
            i for i in range(len(lines) - 1) if lines[i].strip() == "2" and lines[i + 1] == "ENTITIES"
        )
        end = next(
            i for i in range(start, len(lines) - 1) if lines[i].strip() == "0" and lines[i + 1] == "ENDSEC"
        )
        seed_at = next(i for i in range(len(lines) - 2) if lines[i] == "$HANDSEED")
        handle = int(lines[seed_at + 2].strip(), 16)
    except (StopIteration, ValueError):
        raise _Incomplete(
            "GDAL's DXF output has no ENTITIES section or $HANDSEED; cannot add labels"
        ) from None
    found = sum(1 for code in lines[start + 2 : end : 2] if code.strip() == "0")
    if found != shapes:
        raise _Incomplete(f"GDAL's DXF output is incomplete: {found} of {shapes} entities")
    entities: list[str] = []
    for layer, label, point in labels:
        entities += [
            "  0",
            "MTEXT",
            "  5",
            f"{handle:X}",
            "100",
            "AcDbEntity",
            "  8",
            layer,
            "100",
            "AcDbMText",
            " 10",
            f"{point.x:.6f}",
            " 20",
            f"{point.y:.6f}",
            " 30",
            "0.0",
            " 40",
            f"{height:g}",
            " 71",
            "5",
            *_mtext_groups(dxf_escape(label, mtext=True)),
        ]
        handle += 1
    lines[seed_at + 2] = f"{handle:08X}"
    return newline.join(lines[:end] + entities + lines[end:])


_WRITERS = {
    "geojson": _write_geojson,
    "gpkg": _write_gpkg,
    "kml": _write_kml,
    "shp": _write_shp,
    "dxf": _write_dxf,
}
