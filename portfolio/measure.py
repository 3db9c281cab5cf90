"""Lengths, areas and summary figures, measured in metres on VN-2000 / TM-3 zone 482.

Every measurement is taken in EPSG:5897 (VN-2000 / TM-3, central meridian 105°, scale k = 0.9999,
false easting 500 km), the system Cần Thơ's surveyors use, after projecting the WGS 84 geometries
with pyproj. Over the city (≈ 105.2°–106.3° E) its scale error stays within about ±0.01 %, far
below the accuracy of the digitised geometries. Lengths are never measured in degrees.

- ``length_km``: length of linear projects (LineString / MultiLineString), in km; empty (NaN) for
  points and polygons.
- ``area_ha``: area of zones (Polygon / MultiPolygon), in hectares; empty (NaN) otherwise.

Measures are memoised per geometry object (:func:`measure_arrays`): shapely geometries are
immutable, so a geometry's length and area in a given CRS never change. The register cached by
:func:`portfolio.register.load` and every subset taken from it (``Filter.apply``, ``frame.loc``,
``copy()``) share the same geometry objects, so an export or a summary reprojects only geometries
it has not measured before. The memo holds weak references only: an entry goes when its geometry
is garbage-collected (for example when the register file changes and is loaded again).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from portfolio import schema

#: CRS of every measurement: VN-2000 / TM-3 zone 482 (central meridian 105°).
MEASURE_CRS: Final[str] = "EPSG:5897"
#: Columns added by :func:`with_measures`.
MEASURE_COLUMNS: Final[tuple[str, str]] = ("length_km", "area_ha")

_LINES = ("LineString", "MultiLineString", "LinearRing")
_POLYGONS = ("Polygon", "MultiPolygon")


#: Memo of measures: CRS (WKT) -> id(geometry) -> (weak reference to the geometry, km, ha). An entry
#: is used only while its reference still points to that very geometry object.
_MEASURES: dict[str, dict[int, tuple[weakref.ref[shapely.Geometry], float, float]]] = {}
_MEASURES_LOCK = threading.RLock()  # re-entrant: a weakref callback may run inside a locked block


def _forget(crs_key: str, key: int, ref: weakref.ref[shapely.Geometry]) -> None:
    with _MEASURES_LOCK:
        memo = _MEASURES.get(crs_key)
        entry = memo.get(key) if memo is not None else None
        if memo is not None and entry is not None and entry[0] is ref:
            del memo[key]


def _measure(geoms: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Length (km, lines) and area (ha, polygons) of ``geoms`` (in ``crs``), in EPSG:5897."""
    projected = gpd.GeoSeries(geoms, crs=crs).to_crs(MEASURE_CRS)
    kinds = projected.geom_type
    is_line = kinds.isin(_LINES).to_numpy()
    is_poly = kinds.isin(_POLYGONS).to_numpy()
    length = projected.length.to_numpy(dtype=float) / 1000.0
    area = projected.area.to_numpy(dtype=float) / 10_000.0
    return np.where(is_line, np.round(length, 3), np.nan), np.where(is_poly, np.round(area, 3), np.nan)


def measure_arrays(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``length_km`` and ``area_ha`` of each row of ``frame`` (see :func:`with_measures`), memoised.

    Returns
    -------
    tuple of numpy.ndarray
        Lengths in km (lines, NaN otherwise) and areas in ha (polygons, NaN otherwise), row-aligned.

    Raises
    ------
    ValueError
        When ``frame`` has no CRS.
    """
    if frame.crs is None:
        raise ValueError("frame has no CRS; cannot measure")
    geoms = frame.geometry.to_numpy()
    crs_key = frame.crs.to_wkt()
    km = np.full(len(geoms), np.nan)
    ha = np.full(len(geoms), np.nan)
    todo = np.ones(len(geoms), dtype=bool)
    with _MEASURES_LOCK:
        memo = _MEASURES.setdefault(crs_key, {})
        for i, geom in enumerate(geoms):
            entry = memo.get(id(geom))
            if entry is not None and entry[0]() is geom:
                km[i], ha[i] = entry[1], entry[2]
                todo[i] = False
    if todo.any():
        missing = np.flatnonzero(todo)
        new_km, new_ha = _measure(geoms[missing], frame.crs)
        km[missing], ha[missing] = new_km, new_ha
        with _MEASURES_LOCK:
            for i, length, area in zip(missing.tolist(), new_km.tolist(), new_ha.tolist(), strict=True):
                geom = geoms[i]
                if isinstance(geom, shapely.Geometry):
                    key = id(geom)
                    memo[key] = (weakref.ref(geom, partial(_forget, crs_key, key)), length, area)
    return km, ha


def with_measures(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with ``length_km`` and ``area_ha`` columns measured in EPSG:5897.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Projects with a CRS (the register is EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows, columns and CRS as ``frame`` plus ``length_km`` (float, km, lines only) and
        ``area_ha`` (float, ha, polygons only), rounded to 3 decimals (1 m, 10 m²). Any existing
        columns of those names are replaced. Measures are memoised per geometry
        (:func:`measure_arrays`).

    Raises
    ------
    ValueError
        When ``frame`` has no CRS.
    """
    km, ha = measure_arrays(frame)  # raises ValueError when frame has no CRS
    out = frame.drop(columns=[c for c in MEASURE_COLUMNS if c in frame.columns]).copy()
    out["length_km"] = km
    out["area_ha"] = ha
    geometry_name = out.geometry.name
    ordered = [c for c in out.columns if c != geometry_name] + [geometry_name]
    return out[ordered]


@dataclass(frozen=True)
class Summary:
    """Summary figures of a set of projects.

    Attributes
    ----------
    count : int
        Number of projects (rows).
    by_status, by_sector, by_funding : dict of str to int
        Number of projects per vocabulary value, in vocabulary order, values with none omitted.
    total_km : float
        Total length of linear projects, km (EPSG:5897).
    total_ha : float
        Total area of zones, ha (EPSG:5897).
    undated : int
        Projects with neither ``period_start`` nor ``period_end``.
    latest_status_as_of : str
        Latest ``status_as_of`` date in the set (ISO), ``""`` for an empty set.
    not_totalled : tuple of str
        Ids of parent projects left out of ``total_km``/``total_ha`` because some of their
        components are in the set too (their lengths would otherwise count twice).
    """

    count: int
    by_status: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    by_funding: dict[str, int] = field(default_factory=dict)
    total_km: float = 0.0
    total_ha: float = 0.0
    undated: int = 0
    latest_status_as_of: str = ""
    not_totalled: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary."""
        data = asdict(self)
        data["not_totalled"] = list(self.not_totalled)
        return data

    def format(self) -> str:
        """Readable multi-line text (what ``portfolio stats`` prints)."""
        lines = [f"Projects: {self.count}"]
        lines.append(f"Total length of linear projects: {self.total_km:,.1f} km (VN-2000 / EPSG:5897)")
        lines.append(f"Total area of zones: {self.total_ha:,.1f} ha (VN-2000 / EPSG:5897)")
        if self.not_totalled:
            lines.append("  (parents not added to the totals, their components are: "
                         + ", ".join(self.not_totalled) + ")")
        if self.latest_status_as_of:
            lines.append(f"Latest status date: {self.latest_status_as_of}")
        if self.undated:
            lines.append(f"Projects with no period: {self.undated}")
        for title, counts, labels in (
            ("By status", self.by_status, {k: v[1] for k, v in schema.STATUSES.items()}),
            ("By sector", self.by_sector, {k: v[1] for k, v in schema.SECTORS.items()}),
            ("By funding type", self.by_funding, {k: v[1] for k, v in schema.FUNDING_TYPES.items()}),
        ):
            lines.append(f"{title}:")
            if not counts:
                lines.append("  (none)")
            width = max((len(labels.get(k, k)) for k in counts), default=0)
            for key, number in counts.items():
                lines.append(f"  {labels.get(key, key):<{width}}  {number:>4}")
        return "\n".join(lines)


def _counts(series: pd.Series, vocabulary: dict[str, Any]) -> dict[str, int]:
    found = series.value_counts()
    ordered = {key: int(found[key]) for key in vocabulary if key in found.index}
    for key in found.index:  # values outside the vocabulary (should not happen): keep, at the end
        if key not in ordered:
            ordered[str(key)] = int(found[key])
    return ordered


def summary(frame: gpd.GeoDataFrame) -> Summary:
    """Summary figures for any (filtered) set of projects.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Projects, with or without ``length_km``/``area_ha`` (measured here when absent).

    Returns
    -------
    Summary
        Counts by status, sector and funding type, total km of lines and ha of zones. A parent
        project whose components are also in ``frame`` counts in the tallies but not in the
        totals (see :attr:`Summary.not_totalled`).
    """
    if all(c in frame.columns for c in MEASURE_COLUMNS):
        km, ha = frame["length_km"].to_numpy(dtype=float), frame["area_ha"].to_numpy(dtype=float)
    else:
        km, ha = measure_arrays(frame)
    ids = set(frame["id"])
    parents = {p for p in frame.get("parent_id", pd.Series(dtype=str)) if p and p in ids}
    totalled = ~frame["id"].isin(parents).to_numpy(dtype=bool)
    undated = int((frame["period_start"].isna() & frame["period_end"].isna()).sum())
    as_of = str(frame["status_as_of"].max()) if len(frame) else ""
    return Summary(
        count=len(frame),
        by_status=_counts(frame["status"], schema.STATUSES),
        by_sector=_counts(frame["sector"], schema.SECTORS),
        by_funding=_counts(frame["funding_type"], schema.FUNDING_TYPES),
        total_km=round(float(pd.Series(km[totalled], dtype=float).sum(skipna=True)), 3),
        total_ha=round(float(pd.Series(ha[totalled], dtype=float).sum(skipna=True)), 3),
        undated=undated,
        latest_status_as_of=as_of,
        not_totalled=tuple(sorted(parents)),
    )
