"""Lengths, areas and summary figures, measured in metres on VN-2000 / TM-3 zone 482.

Every measurement is taken in EPSG:5897 (VN-2000 / TM-3, central meridian 105°, scale k = 0.9999,
false easting 500 km), the system Cần Thơ's surveyors use, after projecting the WGS 84 geometries
with pyproj. Over the city (≈ 105.2°–106.3° E) its scale error stays within about ±0.01 %, far
below the accuracy of the digitised geometries. Lengths are never measured in degrees.

- ``length_km``: length of linear projects (LineString / MultiLineString), in km; empty (NaN) for
  points and polygons.
- ``area_ha``: area of zones (Polygon / MultiPolygon), in hectares; empty (NaN) otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from portfolio import schema

#: CRS of every measurement: VN-2000 / TM-3 zone 482 (central meridian 105°).
MEASURE_CRS: Final[str] = "EPSG:5897"
#: Columns added by :func:`with_measures`.
MEASURE_COLUMNS: Final[tuple[str, str]] = ("length_km", "area_ha")

_LINES = ("LineString", "MultiLineString", "LinearRing")
_POLYGONS = ("Polygon", "MultiPolygon")


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
        columns of those names are replaced.

    Raises
    ------
    ValueError
        When ``frame`` has no CRS.
    """
    if frame.crs is None:
        raise ValueError("frame has no CRS; cannot measure")
    out = frame.drop(columns=[c for c in MEASURE_COLUMNS if c in frame.columns]).copy()
    projected = out.geometry.to_crs(MEASURE_CRS)
    kinds = projected.geom_type
    is_line = kinds.isin(_LINES).to_numpy()
    is_poly = kinds.isin(_POLYGONS).to_numpy()
    length = projected.length.to_numpy(dtype=float) / 1000.0
    area = projected.area.to_numpy(dtype=float) / 10_000.0
    out["length_km"] = np.where(is_line, np.round(length, 3), np.nan)
    out["area_ha"] = np.where(is_poly, np.round(area, 3), np.nan)
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
    if not all(c in frame.columns for c in MEASURE_COLUMNS):
        frame = with_measures(frame)
    ids = set(frame["id"])
    parents = {p for p in frame.get("parent_id", pd.Series(dtype=str)) if p and p in ids}
    totalled = ~frame["id"].isin(parents)
    undated = int((frame["period_start"].isna() & frame["period_end"].isna()).sum())
    as_of = str(frame["status_as_of"].max()) if len(frame) else ""
    return Summary(
        count=len(frame),
        by_status=_counts(frame["status"], schema.STATUSES),
        by_sector=_counts(frame["sector"], schema.SECTORS),
        by_funding=_counts(frame["funding_type"], schema.FUNDING_TYPES),
        total_km=round(float(frame.loc[totalled, "length_km"].sum(skipna=True)), 3),
        total_ha=round(float(frame.loc[totalled, "area_ha"].sum(skipna=True)), 3),
        undated=undated,
        latest_status_as_of=as_of,
        not_totalled=tuple(sorted(parents)),
    )
