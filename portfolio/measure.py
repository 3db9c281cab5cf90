"""Lengths, areas and summary figures, measured in metres on VN-2000 / TM-3 zone 482.

Every measurement is taken in EPSG:5897 (VN-2000 / TM-3, central meridian 105°, scale k = 0.9999,
false easting 500 km), the system Cần Thơ's surveyors use, after projecting the WGS 84 geometries
with pyproj. Over the city (≈ 105.2°–106.3° E) its scale error stays within about ±0.01 %, far
below the accuracy of the digitised geometries. Lengths are never measured in degrees.

- ``length_km``: length of linear projects (LineString / MultiLineString), in km; empty (NaN) for
  points and polygons.
- ``area_ha``: area of zones (Polygon / MultiPolygon), in hectares; empty (NaN) otherwise.

Every register frame holds both as columns, measured once when it is built (:mod:`portfolio._derived`):
the register cached by :func:`portfolio.register.load` and every subset taken from it
(``Filter.apply``, ``frame.loc``, ``copy()``) carry them, so an export or a summary measures nothing
again. Any other frame (built by hand, read from an export) is measured when asked
(:func:`measure_arrays`).

Parents and components in the totals
------------------------------------
A component (a row whose ``parent_id`` names another row of the set, directly or through other rows
of the set) is often only a section or phase of its parent, so :func:`summary` counts a parent only
for the part its selected components do not already cover:

- a zone: the area of the parent minus the union of its selected component polygons (exact, in
  EPSG:5897);
- a line: the length of the parent outside a corridor of :data:`COMPONENT_CORRIDOR_M` metres on
  each side of its selected component lines (flat ends: the corridor stops where a component stops,
  so a parent continuing past a section's end keeps every metre of the continuation);
- components of another kind (points, zones along a line, lines in a zone) cover nothing, and a
  point parent counts nothing anyway.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from portfolio import _derived, _periods, schema
from portfolio.constants import COMPONENT_CORRIDOR_M, METRIC_CRS

#: CRS of every measurement (:data:`portfolio.constants.METRIC_CRS`, re-exported under its old name).
MEASURE_CRS: Final[str] = METRIC_CRS
#: Columns added by :func:`with_measures`.
MEASURE_COLUMNS: Final[tuple[str, str]] = ("length_km", "area_ha")

#: Measure of geometries in EPSG:5897 (the one implementation, :func:`portfolio._derived.measure`).
_measure = _derived.measure


def measure_arrays(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``length_km`` and ``area_ha`` of each row of ``frame`` (see :func:`with_measures`).

    A register frame (every frame :func:`portfolio.register.load` gives, and its subsets and copies)
    holds them already, derived at load (:mod:`portfolio._derived`): they are read from its columns.
    Any other frame is measured now.

    Returns
    -------
    tuple of numpy.ndarray
        Lengths in km (lines, NaN otherwise) and areas in ha (polygons, NaN otherwise), row-aligned.

    Raises
    ------
    ValueError
        When ``frame`` must be measured and has no CRS.
    """
    if _derived.is_derived(frame):
        return frame["length_km"].to_numpy(dtype=float), frame["area_ha"].to_numpy(dtype=float)
    if frame.crs is None:
        raise ValueError("frame has no CRS; cannot measure")
    return _measure(frame.geometry.to_numpy(), frame.crs)


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
        columns of those names are replaced. A register frame has them already (derived at load,
        :func:`measure_arrays`): it is returned copied as it is.

    Raises
    ------
    ValueError
        When ``frame`` has no CRS.
    """
    km, ha = measure_arrays(frame)  # raises ValueError when frame has no CRS
    if _derived.is_derived(frame):
        return frame.copy()  # a register frame: its measures are columns already
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
        Total length of linear projects, km (EPSG:5897); a parent counts only for its length outside
        its selected components' corridor (see the module documentation).
    total_ha : float
        Total area of zones, ha (EPSG:5897); a parent counts only for its area outside its selected
        components.
    undated : int
        Projects no source gives a period (no year in ``period_start``, ``period_end`` or
        ``period_history``).
    latest_status_as_of : str
        Latest ``status_as_of`` date in the set (ISO), ``""`` for an empty set.
    not_totalled : tuple of str
        Ids of line or zone parents that add nothing to the totals: their selected components cover
        them entirely.
    partly_totalled : tuple of str
        Ids of line or zone parents that add only the part their selected components do not cover.
    covered_km, covered_ha : float
        Length (km) and area (ha) of parents left out of the totals because selected components
        cover them (counted once, through the components).
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
    partly_totalled: tuple[str, ...] = ()
    covered_km: float = 0.0
    covered_ha: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dictionary."""
        data = asdict(self)
        data["not_totalled"] = list(self.not_totalled)
        data["partly_totalled"] = list(self.partly_totalled)
        return data

    def format(self) -> str:
        """Readable multi-line text (what ``portfolio stats`` prints)."""
        lines = [f"Projects: {self.count}"]
        lines.append(f"Total length of linear projects: {self.total_km:,.1f} km (VN-2000 / EPSG:5897)")
        lines.append(f"Total area of zones: {self.total_ha:,.1f} ha (VN-2000 / EPSG:5897)")
        if self.not_totalled or self.partly_totalled:
            covered = " and ".join(
                text
                for value, text in (
                    (self.covered_km, f"{self.covered_km:,.1f} km"),
                    (self.covered_ha, f"{self.covered_ha:,.1f} ha"),
                )
                if value
            )
            lines.append(
                f"  (parent projects count only where their selected components do not cover them: "
                f"{covered} of parents not added again; a parent line within "
                f"{COMPONENT_CORRIDOR_M:g} m of a component line is covered)"
            )
            if self.partly_totalled:
                lines.append("  (parents counted in part: " + ", ".join(self.partly_totalled) + ")")
            if self.not_totalled:
                lines.append(
                    "  (parents wholly covered by their components, not counted: "
                    + ", ".join(self.not_totalled)
                    + ")"
                )
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


def selected_components(frame: pd.DataFrame) -> dict[int, list[int]]:
    """Positions of each parent's components within ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Projects with ``id`` and (optionally) ``parent_id`` columns.

    Returns
    -------
    dict of int to list of int
        Row position of every project that has components in ``frame`` -> row positions of those
        components: rows whose ``parent_id`` chain, followed through rows of ``frame``, reaches it
        (children, grandchildren…). A component whose parent is not in ``frame`` links no further.
    """
    if "parent_id" not in frame.columns or not len(frame):
        return {}
    ids = frame["id"].astype(str).tolist()
    parent_of = frame["parent_id"].fillna("").astype(str).tolist()
    position = {ident: i for i, ident in enumerate(ids)}
    out: dict[int, list[int]] = {}
    for i, parent in enumerate(parent_of):
        seen = {i}
        while parent in position and position[parent] not in seen:  # (cycles: validation rejects them)
            j = position[parent]
            out.setdefault(j, []).append(i)
            seen.add(j)
            parent = parent_of[j]
    return out


#: Memo of :func:`_uncovered_part`: (CRS WKT, id(parent), ids of components) -> (weak references to
#: the parent and components, km or ha left). Used only while every reference still points to the very
#: geometry it was made for; emptied when it grows past :data:`_UNCOVERED_MAX` entries.
_UncoveredKey = tuple[str, int, tuple[int, ...]]
_UNCOVERED: dict[_UncoveredKey, tuple[tuple[weakref.ref[shapely.Geometry], ...], float]] = {}
_UNCOVERED_MAX: Final[int] = 20_000
_UNCOVERED_LOCK = threading.Lock()


def _uncovered_part(parent: shapely.Geometry, parts: list[shapely.Geometry], is_line: bool) -> float:
    """Length (km) of the line ``parent`` outside the corridor around the lines ``parts``, or area (ha)
    of the zone ``parent`` outside the zones ``parts``; all in EPSG:5897 (metres), rounded to 3 decimals."""
    if is_line:
        lines = shapely.get_parts(np.asarray(parts, dtype=object))
        cover = shapely.buffer(shapely.multilinestrings(lines), COMPONENT_CORRIDOR_M, cap_style="flat")
        return round(float(shapely.length(shapely.difference(parent, cover))) / 1000.0, 3)
    cover = shapely.union_all(np.asarray(parts, dtype=object))
    return round(float(shapely.area(shapely.difference(parent, cover))) / 10_000.0, 3)


def _uncovered(frame: gpd.GeoDataFrame, jobs: list[tuple[int, list[int], bool]]) -> list[float]:
    """:func:`_uncovered_part` of each ``(parent position, component positions, is_line)`` job of
    ``frame``, memoised per geometry objects (only the geometries not seen before are reprojected)."""
    if frame.crs is None:
        raise ValueError("frame has no CRS; cannot measure what components cover")
    geoms = frame.geometry.to_numpy()
    crs_key = frame.crs.to_wkt()
    out: list[float] = [math.nan] * len(jobs)
    todo: list[int] = []
    with _UNCOVERED_LOCK:
        for k, (parent, parts, _) in enumerate(jobs):
            key = (crs_key, id(geoms[parent]), tuple(id(geoms[c]) for c in parts))
            entry = _UNCOVERED.get(key)
            if entry is not None and all(
                ref() is geoms[i] for ref, i in zip(entry[0], [parent, *parts], strict=True)
            ):
                out[k] = entry[1]
            else:
                todo.append(k)
    if not todo:
        return out
    needed = sorted({i for k in todo for i in (jobs[k][0], *jobs[k][1])})
    projected = gpd.GeoSeries(geoms[needed], crs=frame.crs).to_crs(MEASURE_CRS).to_numpy()
    at = dict(zip(needed, projected, strict=True))
    with _UNCOVERED_LOCK:
        if len(_UNCOVERED) > _UNCOVERED_MAX:
            _UNCOVERED.clear()
        for k in todo:
            parent, parts, is_line = jobs[k]
            out[k] = _uncovered_part(at[parent], [at[c] for c in parts], is_line)
            key = (crs_key, id(geoms[parent]), tuple(id(geoms[c]) for c in parts))
            _UNCOVERED[key] = (tuple(weakref.ref(geoms[i]) for i in (parent, *parts)), out[k])
    return out


def summary(frame: gpd.GeoDataFrame) -> Summary:
    """Summary figures for any (filtered) set of projects.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Projects, with or without ``length_km``/``area_ha`` (measured here when absent).

    Returns
    -------
    Summary
        Counts by status, sector and funding type, total km of lines and ha of zones (EPSG:5897).
        A parent project whose components are also in ``frame`` counts in the tallies, and in the
        totals only for the part they do not cover (see the module documentation and
        :attr:`Summary.partly_totalled`, :attr:`Summary.not_totalled`).

    Raises
    ------
    ValueError
        When ``frame`` has no CRS and measures (or a parent's uncovered part) must be computed.
    """
    if all(c in frame.columns for c in MEASURE_COLUMNS):
        km, ha = frame["length_km"].to_numpy(dtype=float), frame["area_ha"].to_numpy(dtype=float)
    else:
        km, ha = measure_arrays(frame)
    km, ha = km.copy(), ha.copy()
    partly: list[str] = []
    wholly: list[str] = []
    covered_km = covered_ha = 0.0
    jobs: list[tuple[int, list[int], bool]] = []
    for parent, parts in selected_components(frame).items():
        own = km if not np.isnan(km[parent]) else ha  # a line parent is covered by lines, a zone by zones
        kept = [c for c in parts if not np.isnan(own[c])]
        if kept and not np.isnan(own[parent]):
            jobs.append((parent, kept, own is km))
    if jobs:
        ids = frame["id"].astype(str).to_numpy()
        for (parent, _, is_line), left in zip(jobs, _uncovered(frame, jobs), strict=True):
            values = km if is_line else ha
            full = float(values[parent])
            left = min(left, full)  # (rounding: never more than the parent itself)
            values[parent] = left
            if is_line:
                covered_km += full - left
            else:
                covered_ha += full - left
            if left <= 0:
                wholly.append(str(ids[parent]))
            elif left < full:
                partly.append(str(ids[parent]))
    undated = int(_periods.undated(frame).sum())
    as_of = str(frame["status_as_of"].max()) if len(frame) else ""
    return Summary(
        count=len(frame),
        by_status=_counts(frame["status"], schema.STATUSES),
        by_sector=_counts(frame["sector"], schema.SECTORS),
        by_funding=_counts(frame["funding_type"], schema.FUNDING_TYPES),
        total_km=round(float(pd.Series(km, dtype=float).sum(skipna=True)), 3),
        total_ha=round(float(pd.Series(ha, dtype=float).sum(skipna=True)), 3),
        undated=undated,
        latest_status_as_of=as_of,
        not_totalled=tuple(sorted(wholly)),
        partly_totalled=tuple(sorted(partly)),
        covered_km=round(covered_km, 3),
        covered_ha=round(covered_ha, 3),
    )
