"""Investors' view: how far each industrial park is from a port, an expressway and the airport.

Distances are measured in EPSG:5897 (VN-2000 / TM-3 zone 482, the metric CRS whose area of use names
Cần Thơ), between the park's polygon and the facility's geometry (0 when they touch). "Existing"
facilities are those ``operating`` or ``completed``; projects ``planned`` or ``under_construction``
that would bring a facility of the same kind nearer (or a road within :data:`ROAD_RADIUS_KM`) are
listed as changing the park's access, with their expected year: the end of the project's latest
period (the last ``period_history`` entry, else ``period_start``–``period_end``; see
:func:`portfolio._periods.latest_periods`).

The analysis runs once for every park of the register (spatial index queries, vectorised distances)
and is remembered for as long as that register frame lives (the app passes the cached frame of
:func:`portfolio.register.load`); the filtered parks are then picked from it.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from portfolio import _periods, i18n
from portfolio.constants import METRIC_CRS, WGS84_CRS

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


@dataclass(frozen=True)
class _Analysis:
    nearest: pd.DataFrame  # park_id, kind, target_id, km, line (EPSG:4326)
    changes: pd.DataFrame  # park_id, kind, project_id, status, expected_year, km_now, km_after
    area_ha: dict[str, float]


_MEMO: dict[int, tuple[weakref.ref[gpd.GeoDataFrame], _Analysis]] = {}
_NEAREST_COLUMNS = ["park_id", "kind", "target_id", "km", "line"]
_CHANGE_COLUMNS = ["park_id", "kind", "project_id", "status", "expected_year", "km_now", "km_after"]


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return frame.to_crs(METRIC_CRS)


def parks_of(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The industrial parks (sector ``industrial_zone``) of ``frame``, without a park whose component
    parks (rows whose ``parent_id`` is its id) are in ``frame`` too: the phases (VSIP, Phú Mỹ 3) are
    what an investor compares, and the whole park beside them would repeat their rows."""
    parks = frame[frame["sector"] == PARK_SECTOR]
    if "parent_id" not in parks:
        return parks
    parents = set(parks["parent_id"]) - {""}
    return parks[~parks["id"].isin(parents)]


def _candidates(
    facilities_m: gpd.GeoDataFrame, sectors: tuple[str, ...], statuses: tuple[str, ...]
) -> gpd.GeoDataFrame:
    mask = facilities_m["sector"].isin(sectors) & facilities_m["status"].isin(statuses)
    return facilities_m[mask]


def _expected_years(frame: pd.DataFrame) -> pd.Series:
    """The year each project of ``frame`` is expected to be done: the end of its latest period.

    Parameters
    ----------
    frame : pandas.DataFrame
        Register rows (``period_start``, ``period_end``, optionally ``period_history``).

    Returns
    -------
    pandas.Series
        Years (``Int64``), positionally aligned with ``frame`` (a ``RangeIndex``): the end year of
        the latest period (the last ``period_history`` entry, else ``period_start``–``period_end``,
        one year given standing for both ends); missing where no source gives a period. A Phụ lục II
        row keeps the appendix's period in the period columns, so those alone would give 2030 for a
        road whose latest source says 2027.
    """
    latest = _periods.latest_periods(frame)
    years = pd.Series(pd.NA, index=pd.RangeIndex(len(frame)), dtype="Int64")
    years.iloc[latest["pos"].to_numpy()] = latest["end"].to_numpy()
    return years


def _without_listed_parents(changes: pd.DataFrame, facilities: pd.DataFrame) -> pd.DataFrame:
    """``changes`` without a project listed for a park where one of its components is listed too.

    A parent project covers its component projects (the Châu Đốc – Cần Thơ – Sóc Trăng expressway's
    phase 1 is drawn as exactly the union of its four), so for a park it usually comes as near as its
    nearest component, and listing both says the same thing twice. The component is the more
    specific answer (which part, its own status and year), so it is kept and the parent (any
    ancestor, by ``parent_id``) is dropped for that park, whatever kind either was listed under.
    A parent is kept only where it is nearer than every listed component of it by at least
    :data:`MIN_GAIN_KM` km: then a part the register does not list on its own is what comes near,
    and the parent is the only row that says so.

    Parameters
    ----------
    changes : pandas.DataFrame
        Rows ``park_id``, ``project_id``, ``km_after`` (km), … as built by :func:`_compute`.
    facilities : pandas.DataFrame
        The register rows the projects come from (``id``, ``parent_id``).

    Returns
    -------
    pandas.DataFrame
        ``changes`` with those parent rows left out, re-indexed from 0.
    """
    if changes.empty or "parent_id" not in facilities:
        return changes
    parent_of = {
        str(i): str(p)
        for i, p in zip(facilities["id"], facilities["parent_id"], strict=True)
        if isinstance(p, str) and p
    }
    nearest_part: dict[tuple[str, str], float] = {}  # (park, ancestor) -> km of its nearest listed part
    for park, project, km in zip(changes["park_id"], changes["project_id"], changes["km_after"], strict=True):
        ancestor, seen = parent_of.get(str(project)), set()
        while ancestor and ancestor not in seen:  # a parent cycle is a validation error; stop anyway
            seen.add(ancestor)
            key = (str(park), ancestor)
            nearest_part[key] = min(float(km), nearest_part.get(key, math.inf))
            ancestor = parent_of.get(ancestor)
    drop = np.array(
        [
            (str(park), str(project)) in nearest_part
            and float(km) > nearest_part[(str(park), str(project))] - MIN_GAIN_KM
            for park, project, km in zip(
                changes["park_id"], changes["project_id"], changes["km_after"], strict=True
            )
        ],
        dtype=bool,
    )
    return changes[~drop].reset_index(drop=True)


def _compute(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> _Analysis:
    relevant = {sector for sectors in KINDS.values() for sector in sectors} | set(ROAD_SECTORS)
    wanted = facilities["sector"].isin(relevant) & facilities["status"].isin(EXISTING + CHANGING)
    parks_m, fac_m = _metric(parks), _metric(facilities[wanted])
    park_geoms = parks_m.geometry.to_numpy()
    park_ids = parks_m["id"].to_numpy()
    found = []
    for kind, sectors in KINDS.items():
        cands = _candidates(fac_m, sectors, EXISTING)
        if cands.empty or parks_m.empty:
            continue
        cand_geoms = cands.geometry.to_numpy()
        (ip, ic), dist = shapely.STRtree(cand_geoms).query_nearest(
            park_geoms, return_distance=True, all_matches=False
        )
        found.append(
            pd.DataFrame(
                {
                    "park_id": park_ids[ip],
                    "kind": kind,
                    "target_id": cands["id"].to_numpy()[ic],
                    "km": dist / 1000.0,
                    "line": shapely.shortest_line(park_geoms[ip], cand_geoms[ic]),
                }
            )
        )
    nearest = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=_NEAREST_COLUMNS)
    if not nearest.empty:  # one reprojection for every line
        nearest["line"] = gpd.GeoSeries(nearest["line"], crs=METRIC_CRS).to_crs(WGS84_CRS).to_numpy()
    now = {(p, k): km for p, k, km in zip(nearest["park_id"], nearest["kind"], nearest["km"], strict=True)}

    changes = []
    for kind, sectors in [*KINDS.items(), ("road", ROAD_SECTORS)]:
        cands = _candidates(fac_m, sectors, CHANGING)
        if cands.empty or parks_m.empty:
            continue
        current = np.array([now.get((p, kind), math.nan) for p in park_ids], dtype=float)
        if kind == "road":
            limit = np.full(len(park_ids), ROAD_RADIUS_KM)
        else:  # nearer than the nearest existing one, or anywhere when there is none
            limit = np.where(np.isnan(current), 1e6, current - MIN_GAIN_KM)
        keep = limit >= 0
        cand_geoms = cands.geometry.to_numpy()
        ip, ic = shapely.STRtree(cand_geoms).query(
            park_geoms[keep], predicate="dwithin", distance=limit[keep] * 1000.0
        )
        ip = np.flatnonzero(keep)[ip]
        km = shapely.distance(park_geoms[ip], cand_geoms[ic]) / 1000.0
        ok = km <= limit[ip] + 1e-9
        ip, ic, km = ip[ok], ic[ok], km[ok]
        if len(ip) == 0:
            continue
        chosen = cands.iloc[ic]
        expected = _expected_years(cands).to_numpy()[ic]
        changes.append(
            pd.DataFrame(
                {
                    "park_id": park_ids[ip],
                    "kind": kind,
                    "project_id": chosen["id"].to_numpy(),
                    "status": chosen["status"].to_numpy(),
                    "expected_year": expected,
                    "km_now": np.round(current[ip], 2) if kind != "road" else math.nan,
                    "km_after": np.round(km, 2),
                }
            )
        )
    change_frame = (
        _without_listed_parents(pd.concat(changes, ignore_index=True), facilities)
        if changes
        else pd.DataFrame(columns=_CHANGE_COLUMNS)
    )
    change_frame["expected_year"] = change_frame["expected_year"].astype("Int64")
    area = dict(zip(park_ids, (parks_m.geometry.area / 10_000.0).to_numpy(), strict=True))
    return _Analysis(nearest, change_frame, area)


def _analysis(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> _Analysis:
    """The analysis of every park of ``facilities`` (remembered per frame), or of ``parks`` when some
    of them are not in ``facilities``."""
    wanted = set(parks_of(parks)["id"])
    if not wanted <= set(parks_of(facilities)["id"]):
        return _compute(parks_of(parks), facilities)
    hit = _MEMO.get(id(facilities))
    if hit is not None and hit[0]() is facilities:
        return hit[1]
    result = _compute(parks_of(facilities), facilities)
    if len(_MEMO) >= 8:
        _MEMO.clear()
    _MEMO[id(facilities)] = (weakref.ref(facilities), result)
    return result


def nearest(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> list[Nearest]:
    """For each park of ``parks`` and each kind, the nearest existing facility in ``facilities``."""
    ids = set(parks_of(parks)["id"])
    data = _analysis(parks, facilities).nearest
    data = data[data["park_id"].isin(ids)]
    return [
        Nearest(str(p), str(k), str(t), float(km), line)
        for p, k, t, km, line in zip(
            data["park_id"], data["kind"], data["target_id"], data["km"], data["line"], strict=True
        )
    ]


def _names(parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, lang: str) -> dict[str, str]:
    name_col = i18n.name_column(lang)
    names = dict(zip(facilities["id"], facilities[name_col], strict=False))
    names.update(zip(parks["id"], parks[name_col], strict=False))
    return names


def access_table(
    parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, lang: str = i18n.DEFAULT_LANG
) -> pd.DataFrame:
    """One row per industrial park: id, name, status, owner, area (ha, EPSG:5897), and for each kind
    the distance in km and the name of the nearest existing facility.

    Parameters
    ----------
    parks : GeoDataFrame
        Projects to report on (usually the filtered register); only industrial parks are used.
    facilities : GeoDataFrame
        Where ports, expressways and the airport are looked up (the whole register).
    """
    names = _names(parks, facilities, lang)
    analysis = _analysis(parks, facilities)
    by_park = {(n.park_id, n.kind): n for n in nearest(parks, facilities)}
    rows = []
    for _, park in parks_of(parks).iterrows():
        area = analysis.area_ha.get(str(park["id"]), math.nan)
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


def access_links(
    parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, lang: str = i18n.DEFAULT_LANG
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The shortest lines from each park to its nearest port, expressway and airport (EPSG:4326),
    with a plain-text label each ("park → facility: 12.3 km"), for drawing on the map."""
    names = _names(parks, facilities, lang)
    links = nearest(parks, facilities)
    tips = [
        f"{names.get(n.park_id, n.park_id)} → {names.get(n.target_id, n.target_id)}: {n.km:.1f} km"
        for n in links
    ]
    frame = gpd.GeoDataFrame(
        {
            "park_id": [n.park_id for n in links],
            "kind": [n.kind for n in links],
            "target_id": [n.target_id for n in links],
            "km": [n.km for n in links],
        },
        geometry=[n.line for n in links],
        crs=WGS84_CRS,
    )
    return frame, tips


def access_changes(
    parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, lang: str = i18n.DEFAULT_LANG
) -> pd.DataFrame:
    """Planned or under-way projects that will change a park's access, with their expected year.

    A port, expressway or airport project counts when it would be nearer to the park than the
    nearest existing one (by at least :data:`MIN_GAIN_KM`, or when there is none); a road, bridge or
    intersection counts when it passes within :data:`ROAD_RADIUS_KM` km. A project is not listed for
    a park where one of its components is (:func:`_without_listed_parents`). Columns: park_id, park,
    kind, project_id, project, status, expected_year, km_now, km_after.

    ``km_now`` is the distance to the nearest existing facility of that kind, and missing (NaN) where
    there is none: always for roads, whose existing network the register does not hold (it lists
    road projects, so "the nearest existing register road" would not be the park's road access).
    """
    names = _names(parks, facilities, lang)
    data = _analysis(parks, facilities).changes
    data = data[data["park_id"].isin(set(parks_of(parks)["id"]))].copy()
    data.insert(1, "park", [names.get(p, p) for p in data["park_id"]])
    data.insert(4, "project", [names.get(p, p) for p in data["project_id"]])
    frame = data[
        ["park_id", "park", "kind", "project_id", "project", "status", "expected_year", "km_now", "km_after"]
    ]
    return frame.sort_values(["park", "expected_year", "km_after"], na_position="last").reset_index(drop=True)


def access_by_year(
    parks: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, lang: str = i18n.DEFAULT_LANG
) -> pd.DataFrame:
    """How each park's access changes, year by year, as the planned projects open: for each park
    and kind (port, expressway, airport), the distance now, then one row per year in which a project
    of :func:`access_changes` is expected to open and brings the nearest facility closer, with the
    distance from then on (the running minimum) and the project that brings it.

    Columns: park_id, park, kind, year (``None`` for "now", missing for a project with no expected
    year, listed last), km, project_id, project. Roads are left out (:func:`access_changes` gives
    them as passing within :data:`ROAD_RADIUS_KM` km, not as a nearest distance).
    """
    table = access_table(parks, facilities, lang).set_index("id")
    changes = access_changes(parks, facilities, lang)
    columns = ["park_id", "park", "kind", "year", "km", "project_id", "project"]
    rows: list[dict[str, object]] = []
    for park_id, park in table.iterrows():
        for kind in KINDS:
            now = float(park[f"{kind}_km"])
            rows.append(
                {"park_id": park_id, "park": park["name"], "kind": kind, "year": None, "km": now}
                | {"project_id": park[f"{kind}_id"], "project": park[f"{kind}_name"]}
            )
            mine = changes[(changes["park_id"] == park_id) & (changes["kind"] == kind)]
            mine = mine.sort_values(["expected_year", "km_after"], na_position="last")
            best = now
            for _, change in mine.iterrows():
                km = float(change["km_after"])
                if math.isnan(km) or not (math.isnan(best) or km < best):
                    continue  # a later opening no nearer than what is open by then changes nothing
                best = km
                year = change["expected_year"]
                rows.append(
                    {
                        "park_id": park_id,
                        "park": park["name"],
                        "kind": kind,
                        "year": None if pd.isna(year) else int(year),
                        "km": round(km, 2),
                        "project_id": change["project_id"],
                        "project": change["project"],
                    }
                )
    out = pd.DataFrame(rows, columns=columns)
    out["year"] = out["year"].astype("Int64")
    return out
