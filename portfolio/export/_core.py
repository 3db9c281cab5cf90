"""What every export format shares: the :class:`Format` record, the CRSs, the columns and the metadata.

A format module (``geojson.py``, ``csv.py``, …) declares one :class:`Format`; :mod:`portfolio.export`
lists them in :data:`portfolio.export.REGISTRY`, from which every lookup, the CLI's ``--format``
choices and help, and the app's export buttons derive.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from portfolio import __version__, schema
from portfolio._errors import ExportError
from portfolio.constants import METRIC_CRS, WGS84_CRS
from portfolio.measure import MEASURE_COLUMNS, with_measures
from portfolio.query import Filter

WGS84: Final[str] = WGS84_CRS
VN2000: Final[str] = METRIC_CRS
#: Output CRSs: value -> description.
CRS_NAMES: Final[dict[str, str]] = {
    WGS84: "WGS 84, longitude/latitude in degrees",
    VN2000: "VN-2000 / TM-3 zone 482 (central meridian 105°, k = 0.9999), metres",
}

#: Licence and attribution written into every export (see :func:`attribution`).
ATTRIBUTION: Final[str] = (
    "Register: CC BY 4.0, Cần Thơ portfolio project. Geometry: ODbL 1.0, digitised by the project, "
    "contains information from OpenStreetMap (© OpenStreetMap contributors) and the CTU-SematX "
    "LegoCity road layer (CC BY-SA 4.0). City outline: © Open Development Mekong / Open Development "
    "Vietnam, CC BY-SA 4.0"
)
LAYER_NAME: Final[str] = "projects"
#: Longest reason quoted from a failed write in an error message, in characters.
MESSAGE_LIMIT: Final[int] = 300

EXPORT_COLUMNS: Final[tuple[str, ...]] = (*schema.COLUMNS, *MEASURE_COLUMNS)
#: Register columns that hold text (the rest are numbers).
TEXT_COLUMNS: Final[frozenset[str]] = frozenset(
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

#: ``write(data, paths, crs, meta, name)``: write ``data`` (EPSG:4326, :data:`EXPORT_COLUMNS`) in
#: ``crs`` to the temporary ``paths`` (:meth:`Format.outputs` of the target, in that order), with
#: ``meta`` (:func:`metadata`); ``name`` is the target's final file name.
Writer = Callable[[gpd.GeoDataFrame, tuple[Path, ...], str, dict[str, Any], str], None]
#: ``check(path, data)``: read the main file written at ``path`` back; raise :class:`Incomplete` unless
#: it is whole and holds every project of ``data``.
Checker = Callable[[Path, gpd.GeoDataFrame], None]


@dataclass(frozen=True)
class Companion:
    """A file an export writes beside its main file (the CSV's CSV on the Web metadata)."""

    #: What it adds to the main file's name (``"-metadata.json"``: ``x.csv-metadata.json``).
    ending: str
    #: Download label by language (``"vi"``, ``"en"``).
    label: Mapping[str, str]
    media_type: str
    #: ``build(meta, name)``: its content, for the export's metadata and the main file's final name.
    build: Callable[[dict[str, Any], str], bytes]


@dataclass(frozen=True)
class Format:
    """One export format: everything the library, the CLI and the app need to know about it."""

    #: Short name: the CLI's ``--format`` value and the app's button key.
    name: str
    #: Button label by language (``"vi"``, ``"en"``).
    label: Mapping[str, str]
    #: File name endings allowed (case ignored); the first is the usual one. GDAL and GIS programs
    #: pick the reader by the ending.
    suffixes: tuple[str, ...]
    #: Media type, for downloads.
    media_type: str
    #: CRSs the format may be written in; the first is the default.
    crs: tuple[str, ...]
    #: What a file of the format is, for messages ("a GeoJSON file").
    what: str
    write: Writer
    #: Reads the main file back (``None``: written by Python, whose writes report every failure).
    check: Checker | None = None
    #: Files written beside the main one (CSV: its ``-metadata.json``); the writer writes them too.
    companions: tuple[Companion, ...] = ()

    @property
    def extension(self) -> str:
        """The usual file name ending."""
        return self.suffixes[0]

    def outputs(self, path: str | os.PathLike[str]) -> tuple[Path, ...]:
        """Every file an export to ``path`` writes: ``path`` first, then its companions."""
        path = Path(path)
        return (path, *(path.with_name(path.name + c.ending) for c in self.companions))


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
# Preparation
# --------------------------------------------------------------------------------------------


def check_exportable(frame: gpd.GeoDataFrame) -> None:
    """Refuse (:class:`ExportError`) a frame that lacks a register column or a CRS."""
    missing = [c for c in schema.COLUMNS if c not in frame.columns]
    if missing:
        raise ExportError(f"cannot export: columns missing from the data: {', '.join(missing)}")
    if frame.crs is None:
        raise ExportError("cannot export: the data has no CRS")


def prepare(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The export columns of ``frame`` in EPSG:4326, measured, with a fresh index.

    Raises
    ------
    ExportError
        A register column is missing, or the data has no CRS.
    """
    check_exportable(frame)
    data = with_measures(frame.to_crs(WGS84))
    data = data[[*EXPORT_COLUMNS, data.geometry.name]].reset_index(drop=True)
    return data.rename_geometry("geometry") if data.geometry.name != "geometry" else data


def projected(data: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """``data`` in ``crs`` (itself when already there)."""
    return data if crs == WGS84 else data.to_crs(crs)


def plain(value: Any) -> Any:
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
# Checking what was written: GDAL does not always report a short write (a full disk, a file size
# limit), so each file a library wrote is read back before it is renamed into place.
# --------------------------------------------------------------------------------------------


class Incomplete(Exception):
    """What was written is not the complete file (truncated, malformed or short of features)."""


def limits(target: Path) -> str:
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


def check_count(path: Path | str, expected: int, what: str, layer: str | None = None) -> None:
    """Raise :class:`Incomplete` unless GDAL reads ``expected`` features from ``path``."""
    try:
        count = pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, RuntimeError) as exc:
        raise Incomplete(f"the {what} written cannot be read back ({exc})") from None
    if count != expected:
        raise Incomplete(f"the {what} written is incomplete: {count} of {expected} features read back")
