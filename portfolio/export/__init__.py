"""Export exactly a filtered set of projects, in the formats of :data:`REGISTRY`.

Every export carries every register column plus ``length_km`` and ``area_ha`` (measured in
EPSG:5897, see :mod:`portfolio.measure`) and says what it is: the filter that produced it, the
register's as-of date, the register version and the licence/attribution (:func:`metadata`). Each
format is one module of this package declaring one :class:`Format` (its file endings, media type, CRS
choices, label in both languages, writer and read-back check; the module's docstring says where its
metadata travel); :data:`REGISTRY` lists them in the order the CLI and the app offer them, and every
lookup here, the CLI's ``--format`` and the app's buttons derive from it. Adding a format is one
module and one entry in :data:`REGISTRY`.

Writes are atomic (:func:`portfolio._files.atomic_path`): every file of an export (the CSV and its
sidecar) is complete, and read back where a library wrote it, before any is renamed into place; an
error leaves no half-written file and never replaces the previous one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from portfolio._errors import ExportError
from portfolio._files import atomic_path, remove_stale, temp_prefix
from portfolio.export import csv, dxf, geojson, gpkg, kml, shp
from portfolio.export._core import (
    ATTRIBUTION,
    CRS_NAMES,
    EXPORT_COLUMNS,
    LAYER_NAME,
    MESSAGE_LIMIT,
    VN2000,
    WGS84,
    Companion,
    Format,
    Incomplete,
    attribution,
    check_exportable,
    limits,
    metadata,
    metadata_text,
    prepare,
    register_as_of,
)
from portfolio.query import Filter

#: Every export format, in the order the CLI and the app list them.
REGISTRY: Final[tuple[Format, ...]] = (
    geojson.FORMAT,
    csv.FORMAT,
    gpkg.FORMAT,
    kml.FORMAT,
    shp.FORMAT,
    dxf.FORMAT,
)
BY_NAME: Final[dict[str, Format]] = {f.name: f for f in REGISTRY}

# Lookups derived from the registry (the names the CLI, the app and the tests use).
FORMATS: Final[tuple[str, ...]] = tuple(BY_NAME)
EXTENSIONS: Final[dict[str, str]] = {f.name: f.extension for f in REGISTRY}
OUTPUT_SUFFIXES: Final[dict[str, tuple[str, ...]]] = {f.name: f.suffixes for f in REGISTRY}
FORMAT_CRS: Final[dict[str, tuple[str, ...]]] = {f.name: f.crs for f in REGISTRY}

# What the format modules export under the names the package has always had.
SHAPEFILE_FIELDS = shp.SHAPEFILE_FIELDS
neutralise = csv.neutralise

__all__ = [
    "ATTRIBUTION",
    "BY_NAME",
    "Companion",
    "CRS_NAMES",
    "EXPORT_COLUMNS",
    "EXTENSIONS",
    "FORMATS",
    "FORMAT_CRS",
    "OUTPUT_SUFFIXES",
    "REGISTRY",
    "SHAPEFILE_FIELDS",
    "VN2000",
    "WGS84",
    "Format",
    "attribution",
    "check_output_name",
    "companion_bytes",
    "csv_metadata_bytes",
    "csv_sidecar",
    "export",
    "get",
    "metadata",
    "metadata_text",
    "neutralise",
    "output_crs",
    "outputs",
    "prepare",
    "register_as_of",
    "to_bytes",
]

#: Spellings of WGS 84 longitude/latitude read as ``OGC:CRS84`` (case ignored).
_CRS84_NAMES: Final[frozenset[str]] = frozenset(
    {"CRS84", "OGC:CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84"}
)


def get(fmt: str) -> Format:
    """The format called ``fmt``.

    Raises
    ------
    ExportError
        Unknown format (the message lists the known ones).
    """
    try:
        return BY_NAME[fmt]
    except KeyError:
        raise ExportError(f"unknown format {fmt!r}; allowed values: {', '.join(FORMATS)}") from None


def output_crs(fmt: str, crs: str | None = None) -> str:
    """Check ``fmt`` and ``crs``; return the CRS as ``"EPSG:nnnn"`` (the format's default if None).

    ``OGC:CRS84`` (WGS 84, longitude first; also ``CRS84``, any case) is accepted as
    ``EPSG:4326``: the exports write WGS 84 coordinates longitude first.

    Raises
    ------
    ExportError
        Unknown format, or a CRS the format does not allow (the message lists the allowed ones).
    """
    allowed = get(fmt).crs
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
    """Check that ``path`` ends as a ``fmt`` file should (:attr:`Format.suffixes`, case ignored).

    :func:`export` itself writes to any name; the CLI calls this first.

    Raises
    ------
    ExportError
        Unknown format, or a name with another ending (the message names the expected ones).
    """
    spec = get(fmt)
    if not Path(path).name.lower().endswith(spec.suffixes):
        expected = " or ".join(spec.suffixes)
        raise ExportError(f"{fmt} output must end in {expected} ({spec.what}); got {str(path)!r}")


def outputs(path: str | os.PathLike[str], fmt: str) -> tuple[Path, ...]:
    """Every file an export of ``fmt`` to ``path`` writes (``path`` first; CSV adds its sidecar)."""
    return get(fmt).outputs(path)


def csv_sidecar(path: str | os.PathLike[str]) -> Path:
    """Path of the metadata sidecar of a CSV export: ``<file>.csv-metadata.json``."""
    return csv.FORMAT.outputs(path)[1]


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
        Output file. The format's companions are written beside it (CSV: ``<path>-metadata.json``).
    fmt : str
        Output format, one of :data:`FORMATS`.
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
        Unknown format or disallowed CRS, missing columns, or the write failed (the previous files
        at ``path``, if any, are untouched).
    """
    spec = get(fmt)
    target = Path(path)
    out_crs = output_crs(fmt, crs)
    data = prepare(frame)
    meta = metadata(data, fmt, out_crs, filter, as_of)
    places = spec.outputs(target)
    for place in places:
        if place.is_dir():
            raise ExportError(f"could not write {fmt} to {target}: {place} is a directory")
    try:
        with contextlib.ExitStack() as stack:
            # Entered last, the main file leaves first: it is renamed into place before its companions,
            # and a failure to rename it leaves them (and the previous set) untouched.
            temporary = {place: stack.enter_context(atomic_path(place)) for place in reversed(places)}
            paths = tuple(temporary[place] for place in places)
            spec.write(data, paths, out_crs, meta, target.name)
            if spec.check is not None:
                spec.check(paths[0], data)
    except (
        Incomplete,
        OSError,
        ValueError,
        RuntimeError,
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.FeatureError,
    ) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if len(reason) > MESSAGE_LIMIT:  # GDAL may quote a whole SQL statement
            reason = reason[:MESSAGE_LIMIT] + "…"
        raise ExportError(f"could not write {fmt} to {target}: {reason}{limits(target)}") from exc
    return target


def to_bytes(
    frame: gpd.GeoDataFrame,
    fmt: str,
    crs: str | None = None,
    filter: Filter | None = None,  # noqa: A002 - the contract's name
    *,
    as_of: str | None = None,
) -> bytes:
    """The bytes :func:`export` would write to the main file, for a download button (CSV: the table;
    offer :func:`csv_metadata_bytes` beside it)."""
    spec = get(fmt)
    remove_stale(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=temp_prefix("export")) as folder:
        path = Path(folder) / f"{LAYER_NAME}{spec.extension}"
        export(frame, path, fmt, crs, filter, as_of=as_of)
        return path.read_bytes()


def companion_bytes(
    frame: gpd.GeoDataFrame,
    fmt: str,
    ending: str,
    crs: str | None = None,
    filter: Filter | None = None,  # noqa: A002
    *,
    as_of: str | None = None,
    name: str | None = None,
) -> bytes:
    """The companion file (by its ``ending``) an export of ``fmt`` to a file called ``name`` writes, for
    a download beside :func:`to_bytes`'s (default name: ``projects`` + the format's extension).

    Raises
    ------
    ExportError
        Unknown format, a disallowed CRS, or a format without that companion.
    """
    spec = get(fmt)
    companion = next((c for c in spec.companions if c.ending == ending), None)
    if companion is None:
        raise ExportError(f"{fmt} exports write no {ending!r} file")
    check_exportable(frame)  # (the metadata read the rows' count, dates and attrs: nothing to prepare)
    meta = metadata(frame, fmt, output_crs(fmt, crs), filter, as_of)
    return companion.build(meta, name or f"{LAYER_NAME}{spec.extension}")


def csv_metadata_bytes(
    frame: gpd.GeoDataFrame,
    crs: str | None = None,
    filter: Filter | None = None,  # noqa: A002
    *,
    as_of: str | None = None,
    csv_name: str = f"{LAYER_NAME}.csv",
) -> bytes:
    """The CSV sidecar (CSV on the Web metadata JSON) for a CSV download (:func:`companion_bytes`)."""
    return companion_bytes(frame, "csv", csv.SIDECAR, crs, filter, as_of=as_of, name=csv_name)
