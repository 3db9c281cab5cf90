"""Investors' view: how far each industrial park is from a port, an expressway and the airport.

Distances are measured in EPSG:5897 (VN-2000 / TM-3 zone 482, the metric CRS whose area of use names
Cần Thơ), between the park's polygon and the facility's geometry (0 when they touch). "Existing"
facilities are those ``operating`` or ``completed``; projects ``planned`` or ``under_construction``
that would bring a facility of the same kind nearer (or a road within :data:`ROAD_RADIUS_KM`) are
listed as changing the park's access, with their expected year (``period_end``, else
``period_start``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from portfolio import i18n

METRIC_CRS = "EPSG:5897"
PARK_SECTOR = "industrial_zone"
#: Facility kinds measured for each park -> the register sectors that count as that kind.
KINDS: dict[str, tuple[str, ...]] = {
    "port": ("port",),
    "expressway": ("expressway",),
    "airport": ("airport",),
}
EXISTING = ("operating", "completed")
CHANGING = ("planned", "under_construction")
#: A planned road or bridge this close to a park (km) is listed as changing its access.
ROAD_RADIUS_KM = 5.0
ROAD_SECTORS = ("road", "bridge", "intersection")
#: A planned facility must be at least this much nearer (km) to count as a change.
MIN_GAIN_KM = 0.1


@dataclass(frozen=True)
class Nearest:
    """The nearest existing facility of one kind to one park."""

    park_id: str
    kind: str
    target_id: str
    km: float
    line: shapely.LineString  # shortest line, EPSG:4326


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return frame.to_crs(METRIC_CRS)


def parks_of(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The industrial parks (sector ``industrial_zone``) of ``frame``."""
    return frame[frame["sector"] == PARK_SECTOR]


def _candidates(facilities_m: gpd.GeoDataFrame, sectors: tuple[str, ...],
                statuses: tuple[str, ...]) -> gpd.GeoDataFrame:
    mask = facilities_m["sector"].isin(sectors) & facilities_m["status"].isin(statuses)
    return facilities_m[mask]


def _year(row: pd.Series) -> int | None:
    for column in ("period_end", "period_start"):
        value = row.get(column)
        if value is not None and not pd.isna(value):
            return int(value)
    return None


def nearest(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> list[Nearest]:
    """For each park and kind, the nearest existing facility (none when the register has none)."""
    return _nearest(_metric(parks_of(parks)), _metric(facilities))


def _nearest(parks_m: gpd.GeoDataFrame, fac_m: gpd.GeoDataFrame) -> list[Nearest]:
    found: list[tuple[str, str, str, float, shapely.LineString]] = []
    for kind, sectors in KINDS.items():
        cands = _candidates(fac_m, sectors, EXISTING)
        if cands.empty:
            continue
        for _, park in parks_m.iterrows():
            others = cands[cands["id"] != park["id"]]
            if others.empty:
                continue
            distances = others.geometry.distance(park.geometry)
            best = distances.idxmin()
            line = shapely.shortest_line(park.geometry, others.geometry.loc[best])
            found.append((str(park["id"]), kind, str(others.loc[best, "id"]),
                          float(distances.loc[best]) / 1000.0, line))
    if not found:
        return []
    # One reprojection for every line (a transformer per line would dominate the run time).
    lines = gpd.GeoSeries([f[4] for f in found], crs=METRIC_CRS).to_crs("EPSG:4326")
    return [Nearest(p, k, t, km, line) for (p, k, t, km, _), line in zip(found, lines, strict=True)]


def access_table(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                 lang: str = i18n.DEFAULT_LANG) -> pd.DataFrame:
    """One row per industrial park: id, name, status, owner, area (ha, EPSG:5897), and for each kind
    the distance in km and the name of the nearest existing facility.

    Parameters
    ----------
    parks : GeoDataFrame
        Projects to report on (usually the filtered register); only industrial parks are used.
    facilities : GeoDataFrame
        Where ports, expressways and the airport are looked up (the whole register).
    """
    names = dict(zip(facilities["id"], facilities[i18n.name_column(lang)], strict=False))
    by_park: dict[tuple[str, str], Nearest] = {(n.park_id, n.kind): n for n in nearest(parks, facilities)}
    rows = []
    park_frame = parks_of(parks)
    areas = _metric(park_frame).geometry.area / 10_000.0 if not park_frame.empty else pd.Series(dtype=float)
    for index, park in park_frame.iterrows():
        area = float(areas.loc[index]) if index in areas.index else math.nan
        row: dict[str, object] = {
            "id": park["id"],
            "name": park[i18n.name_column(lang)],
            "status": park["status"],
            "owner": park["owner"],
            "area_ha": round(area, 1),
            "official_area_ha": park["official_area_ha"],
        }
        for kind in KINDS:
            near = by_park.get((str(park["id"]), kind))
            row[f"{kind}_km"] = round(near.km, 2) if near else math.nan
            row[f"{kind}_name"] = names.get(near.target_id, "") if near else ""
            row[f"{kind}_id"] = near.target_id if near else ""
        rows.append(row)
    columns = ["id", "name", "status", "owner", "area_ha", "official_area_ha"] + [
        f"{kind}_{part}" for kind in KINDS for part in ("km", "name", "id")
    ]
    return pd.DataFrame(rows, columns=columns)


def access_links(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                 lang: str = i18n.DEFAULT_LANG) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The shortest lines from each park to its nearest port, expressway and airport (EPSG:4326),
    with a plain-text label each ("park → facility: 12.3 km"), for drawing on the map."""
    names = dict(zip(facilities["id"], facilities[i18n.name_column(lang)], strict=False))
    links = nearest(parks, facilities)
    tips = [f"{names.get(n.park_id, n.park_id)} → {names.get(n.target_id, n.target_id)}: {n.km:.1f} km"
            for n in links]
    frame = gpd.GeoDataFrame(
        {"park_id": [n.park_id for n in links], "kind": [n.kind for n in links],
         "target_id": [n.target_id for n in links], "km": [n.km for n in links]},
        geometry=[n.line for n in links], crs="EPSG:4326",
    )
    return frame, tips


def access_changes(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                   lang: str = i18n.DEFAULT_LANG) -> pd.DataFrame:
    """Planned or under-way projects that will change a park's access, with their expected year.

    A port, expressway or airport project counts when it would be nearer to the park than the
    nearest existing one (or when there is none); a road, bridge or intersection counts when it
    passes within :data:`ROAD_RADIUS_KM` km. Columns: park_id, park, kind, project_id, project,
    status, expected_year, km_now, km_after.
    """
    name_col = i18n.name_column(lang)
    parks_m, fac_m = _metric(parks_of(parks)), _metric(facilities)
    current = {(n.park_id, n.kind): n.km for n in _nearest(parks_m, fac_m)}
    rows = []
    groups = [(kind, _candidates(fac_m, sectors, CHANGING))
              for kind, sectors in [*KINDS.items(), ("road", ROAD_SECTORS)]]
    for _, park in parks_m.iterrows():
        park_id = str(park["id"])
        for kind, all_cands in groups:
            cands = all_cands[all_cands["id"] != park_id]
            if cands.empty:
                continue
            distances = cands.geometry.distance(park.geometry) / 1000.0
            now = current.get((park_id, kind), math.nan) if kind != "road" else math.nan
            for index, km in distances.items():
                if kind == "road":
                    if km > ROAD_RADIUS_KM:
                        continue
                elif not math.isnan(now) and km > now - MIN_GAIN_KM:
                    continue
                target = cands.loc[index]
                rows.append({
                    "park_id": park_id, "park": park[name_col], "kind": kind,
                    "project_id": target["id"], "project": target[name_col], "status": target["status"],
                    "expected_year": _year(target),
                    "km_now": round(now, 2) if not math.isnan(now) else math.nan,
                    "km_after": round(float(km), 2),
                })
    frame = pd.DataFrame(rows, columns=["park_id", "park", "kind", "project_id", "project", "status",
                                        "expected_year", "km_now", "km_after"])
    frame["expected_year"] = frame["expected_year"].astype("Int64")
    return frame.sort_values(["park", "expected_year", "km_after"], na_position="last").reset_index(drop=True)
