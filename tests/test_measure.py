"""Lengths and areas in VN-2000 / TM-3 (EPSG:5897), summary figures; fixtures and the real register."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import LineString

from portfolio import _derived as derived_module
from portfolio import constants
from portfolio import measure as measure_module
from portfolio import register as register_module
from portfolio._derived import DERIVED_COLUMNS
from portfolio.measure import MEASURE_CRS, summary, with_measures
from portfolio.query import Filter
from portfolio.register import load
from tests.conftest import MakeRegister, base_row, fixture_geometries, fixture_rows

GEOD = Geod(ellps="WGS84")
TO_WGS84 = Transformer.from_crs(MEASURE_CRS, "EPSG:4326", always_xy=True)
TO_VN2000 = Transformer.from_crs("EPSG:4326", MEASURE_CRS, always_xy=True)


def from_vn2000(coords: list[tuple[float, float]]) -> list[list[float]]:
    return [list(TO_WGS84.transform(x, y)) for x, y in coords]


def test_crs_is_vn2000_tm3_105() -> None:
    from pyproj import CRS

    crs = CRS.from_user_input(MEASURE_CRS)
    assert crs.coordinate_operation is not None
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert "VN-2000" in crs.name
    assert float(params["Longitude of natural origin"]) == 105
    assert float(params["Scale factor at natural origin"]) == pytest.approx(0.9999)


def test_known_square_and_line(make_register: MakeRegister) -> None:
    x0, y0 = TO_VN2000.transform(105.70, 10.05)
    square = from_vn2000([(x0, y0), (x0 + 1000, y0), (x0 + 1000, y0 + 1000), (x0, y0 + 1000), (x0, y0)])
    line = from_vn2000([(x0, y0 - 2000), (x0 + 3000, y0 - 2000), (x0 + 3000, y0 + 2000)])
    geoms = fixture_geometries()
    geoms["kcn-o-mon"] = {"type": "Polygon", "coordinates": [square]}
    geoms["dt-923"] = {"type": "LineString", "coordinates": line}
    frame = with_measures(load(*make_register(fixture_rows(), geoms)))
    by_id = frame.set_index("id")
    assert by_id.loc["kcn-o-mon", "area_ha"] == pytest.approx(100.0, abs=0.01)
    assert by_id.loc["dt-923", "length_km"] == pytest.approx(7.0, abs=0.002)
    assert math.isnan(by_id.loc["kcn-o-mon", "length_km"])
    assert math.isnan(by_id.loc["dt-923", "area_ha"])
    assert math.isnan(by_id.loc["cang-cai-cui", "length_km"])
    assert math.isnan(by_id.loc["cang-cai-cui", "area_ha"])
    assert frame.crs.to_epsg() == 4326  # geometry stays in WGS 84
    assert frame.columns[-1] == "geometry" and {"length_km", "area_ha"} <= set(frame.columns)


def test_metres_agree_with_geodesic(make_register: MakeRegister) -> None:
    frame = with_measures(load(*make_register()))
    for _, row in frame.iterrows():
        if row.geometry.geom_type == "LineString":
            geodesic_km = GEOD.geometry_length(row.geometry) / 1000
            assert row["length_km"] == pytest.approx(geodesic_km, rel=5e-4)
        if row.geometry.geom_type == "Polygon":
            geodesic_ha = abs(GEOD.geometry_area_perimeter(row.geometry)[0]) / 10_000
            assert row["area_ha"] == pytest.approx(geodesic_ha, rel=1e-3)
            degrees = row.geometry.area
            assert row["area_ha"] > 1000 * degrees  # not measured in square degrees


def test_with_measures_does_not_touch_input(make_register: MakeRegister) -> None:
    loaded = load(*make_register())
    frame = gpd.GeoDataFrame(
        loaded.drop(columns=list(DERIVED_COLUMNS)), crs=loaded.crs
    )  # not a register frame
    before = frame.copy()
    out = with_measures(frame)
    assert "length_km" not in frame.columns
    assert frame.equals(before)
    again = with_measures(out)  # idempotent: replaces, does not duplicate
    assert list(again.columns) == list(out.columns)
    # a register frame holds its measures already: returned as it is, copied
    same_frame = with_measures(loaded)
    assert same_frame.equals(loaded) and same_frame is not loaded


def test_no_crs_is_an_error() -> None:
    with pytest.raises(ValueError, match="CRS"):
        with_measures(gpd.GeoDataFrame({"id": ["a"]}, geometry=[LineString([(0, 0), (1, 1)])]))


def test_summary_counts_and_totals(make_register: MakeRegister) -> None:
    rows = fixture_rows() + [
        base_row(
            id="cao-toc",
            name_vi="Cao tốc",
            name_en="Expressway",
            sector="expressway",
            funding_type="ppp",
            status="under_construction",
            status_as_of="2026-01-31",
        ),
        base_row(
            id="cao-toc-tp1",
            name_vi="Cao tốc, dự án thành phần 1",
            name_en="Component 1",
            sector="expressway",
            parent_id="cao-toc",
            funding_type="ppp",
            status="under_construction",
            status_as_of="2025-06-30",
        ),
    ]
    geoms = fixture_geometries()
    geoms["cao-toc"] = {"type": "LineString", "coordinates": [[105.60, 10.00], [105.70, 10.00]]}
    geoms["cao-toc-tp1"] = {"type": "LineString", "coordinates": [[105.60, 10.00], [105.65, 10.00]]}
    frame = with_measures(load(*make_register(rows, geoms)))
    s = summary(frame)
    assert s.count == 5
    assert s.by_status == {"proposed": 1, "planned": 1, "under_construction": 2, "operating": 1}
    assert list(s.by_status) == ["proposed", "planned", "under_construction", "operating"]  # vocabulary order
    assert s.by_sector == {"road": 1, "expressway": 2, "port": 1, "industrial_zone": 1}
    assert s.by_funding == {"state_budget": 1, "ppp": 2, "unknown": 2}
    by_id = frame.set_index("id")
    # the component is the western half of its parent: only the eastern half of the parent is added
    assert s.partly_totalled == ("cao-toc",) and s.not_totalled == ()
    parent_km, part_km = by_id.loc["cao-toc", "length_km"], by_id.loc["cao-toc-tp1", "length_km"]
    assert s.total_km == pytest.approx(by_id.loc["dt-923", "length_km"] + parent_km, abs=0.002)
    assert s.covered_km == pytest.approx(part_km, abs=0.002)
    assert s.total_ha == pytest.approx(by_id.loc["kcn-o-mon", "area_ha"])
    assert s.latest_status_as_of == "2026-01-31"
    assert s.undated == 2
    # a period given only in period_history dates a project too
    dated = frame.copy()
    dated.loc[dated.index[dated["period_start"].isna() & dated["period_end"].isna()][0], "period_history"] = (
        "KH-UBND/2026=2026-2030"
    )
    assert summary(dated).undated == 1
    # the parent alone is totalled
    alone = summary(frame[frame["id"] != "cao-toc-tp1"])
    assert alone.not_totalled == alone.partly_totalled == () and alone.covered_km == 0
    assert alone.total_km == pytest.approx(s.total_km, abs=0.002)  # the parent once, whole
    text = s.format()
    assert "Projects: 5" in text and "Under construction     2" in text and " km " in text
    assert "parents counted in part: cao-toc" in text and "not added" not in alone.format()


def _component_register(
    make_register: MakeRegister, shapes: dict[str, tuple[str, list[Any]]], parents: dict[str, str]
) -> gpd.GeoDataFrame:
    """A register of ``shapes`` (id -> (GeoJSON type, coordinates in EPSG:5897 metres from an origin in
    the city)) where ``parents`` maps component id -> parent id."""
    x0, y0 = TO_VN2000.transform(105.70, 10.05)

    def convert(coords: Any) -> Any:
        if isinstance(coords[0], (int, float)):
            return from_vn2000([(x0 + coords[0], y0 + coords[1])])[0]
        return [convert(c) for c in coords]

    sector = {"LineString": "road", "Polygon": "industrial_zone", "Point": "port", "MultiPoint": "port"}
    rows = [
        base_row(
            id=ident, name_vi=ident, name_en=ident, parent_id=parents.get(ident, ""), sector=sector[kind]
        )
        for ident, (kind, _) in shapes.items()
    ]
    geoms = {
        ident: {"type": kind, "coordinates": convert(coords)} for ident, (kind, coords) in shapes.items()
    }
    return load(*make_register(rows, geoms))


def rectangle(x_min: float, x_max: float, height: float = 1000) -> list[Any]:
    return [[[x_min, 0], [x_max, 0], [x_max, height], [x_min, height], [x_min, 0]]]


def test_parent_line_counts_outside_its_components_corridor(make_register: MakeRegister) -> None:
    assert constants.COMPONENT_CORRIDOR_M == 100
    shapes: dict[str, tuple[str, list[Any]]] = {
        "road": ("LineString", [[0, 0], [10_000, 0]]),  # 10 km
        "road-a": ("LineString", [[0, 0], [4000, 0]]),  # on the parent: 4 km covered
        "road-b": ("LineString", [[6000, 50], [8000, 50]]),  # drawn 50 m aside: 2 km covered
        "road-c": ("LineString", [[8000, 300], [10_000, 300]]),  # 300 m aside: another road, covers nothing
        "road-d": ("Point", [5000, 0]),  # a point covers nothing
        "road-x": ("LineString", [[5000, -1000], [5000, 1000]]),  # crossing: covers 2 × 100 m
    }
    parents = {k: "road" for k in shapes if k != "road"}
    frame = _component_register(make_register, shapes, parents)
    pick = frame.set_index("id")
    s = summary(pick.loc[["road", "road-a", "road-b", "road-c", "road-d"]].reset_index())
    assert s.total_km == pytest.approx(4 + 4 + 2 + 2, abs=0.002)  # parent: 10 - 4 - 2 km
    assert s.covered_km == pytest.approx(6, abs=0.002) and s.covered_ha == 0
    assert s.partly_totalled == ("road",) and s.not_totalled == ()
    only_c = summary(pick.loc[["road", "road-c"]].reset_index())
    assert only_c.total_km == pytest.approx(12, abs=0.002) and only_c.partly_totalled == ()
    crossing = summary(pick.loc[["road", "road-a", "road-x"]].reset_index())
    assert crossing.total_km == pytest.approx((10 - 4 - 0.2) + 4 + 2, abs=0.002)
    # the flat-ended corridor stops where a component stops: nothing of the continuation is lost
    assert summary(pick.loc[["road", "road-a"]].reset_index()).total_km == pytest.approx(10, abs=0.002)


def test_parent_zone_counts_outside_the_union_of_its_components(make_register: MakeRegister) -> None:
    shapes: dict[str, tuple[str, list[Any]]] = {
        "park": ("Polygon", rectangle(0, 1000)),  # 100 ha
        "park-1": ("Polygon", rectangle(0, 400)),  # 40 ha
        "park-2": ("Polygon", rectangle(300, 600)),  # 30 ha, 10 of them shared with park-1
        "park-3": ("Polygon", rectangle(900, 1500)),  # 60 ha, 10 of them inside the parent
        "park-4": ("Polygon", rectangle(600, 900)),  # 30 ha: with the others, covers the parent
    }
    frame = _component_register(make_register, shapes, {k: "park" for k in shapes if k != "park"})
    pick = frame.set_index("id")
    s = summary(pick.loc[["park", "park-1", "park-2", "park-3"]].reset_index())
    assert s.total_ha == pytest.approx((100 - 60 - 10) + 40 + 30 + 60, abs=0.01)
    assert s.covered_ha == pytest.approx(70, abs=0.01) and s.partly_totalled == ("park",)
    assert summary(pick.loc[["park", "park-3"]].reset_index()).total_ha == pytest.approx(90 + 60, abs=0.01)
    whole = summary(frame)
    assert whole.not_totalled == ("park",) and whole.partly_totalled == ()
    assert whole.total_ha == pytest.approx(40 + 30 + 60 + 30, abs=0.01)
    assert "wholly covered by their components, not counted: park" in whole.format()
    assert whole.to_dict()["not_totalled"] == ["park"]


def test_grandchildren_and_point_parents(make_register: MakeRegister) -> None:
    shapes: dict[str, tuple[str, list[Any]]] = {
        "road": ("LineString", [[0, 0], [10_000, 0]]),
        "road-part": ("LineString", [[0, 0], [6000, 0]]),
        "road-part-lot": ("LineString", [[0, 0], [2000, 0]]),
        "plant": ("MultiPoint", [[0, 5000], [100, 5000]]),
        "plant-1": ("Point", [0, 5000]),
    }
    parents = {"road-part": "road", "road-part-lot": "road-part", "plant-1": "plant"}
    s = summary(_component_register(make_register, shapes, parents))
    # road: 10 - 6, road-part: 6 - 2, road-part-lot: 2 -> the 10 km of road, once
    assert s.total_km == pytest.approx(10, abs=0.002) and s.covered_km == pytest.approx(8, abs=0.002)
    assert s.partly_totalled == ("road", "road-part")
    assert s.not_totalled == ()  # a point parent adds nothing anyway: not listed


def test_summary_measures_when_needed_and_empty(make_register: MakeRegister) -> None:
    frame = load(*make_register())
    assert summary(frame).total_km == summary(with_measures(frame)).total_km > 0
    empty = summary(Filter(search="no such project").apply(frame))
    assert empty.count == 0 and empty.total_km == 0 and empty.by_status == {}
    assert "(none)" in empty.format()
    assert empty.to_dict()["count"] == 0


# ------------------------------------------------------------------ the real register


@pytest.fixture(scope="module")
def real(real: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The real register (conftest's ``real``) with its measures."""
    return with_measures(real)


def test_real_measures(real: gpd.GeoDataFrame) -> None:
    lines = real[real.geom_type.isin(["LineString", "MultiLineString"])]
    polygons = real[real.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert len(lines) > 0 and (lines["length_km"] > 0).all()
    assert len(polygons) == 0 or (polygons["area_ha"] > 0).all()
    for _, row in lines.iterrows():
        geodesic_km = GEOD.geometry_length(row.geometry) / 1000
        assert row["length_km"] == pytest.approx(geodesic_km, rel=5e-4), row["id"]
    for _, row in polygons.iterrows():
        geodesic = abs(GEOD.geometry_area_perimeter(row.geometry)[0]) / 10_000
        assert row["area_ha"] == pytest.approx(geodesic, rel=1e-3), row["id"]
        if not math.isnan(row["official_area_ha"]):
            assert row["area_ha"] == pytest.approx(row["official_area_ha"], rel=0.15), row["id"]


def test_real_parents_are_counted_outside_their_components(real: gpd.GeoDataFrame) -> None:
    by_id = real.set_index("id")
    for parent in sorted(set(real["parent_id"]) - {""}):
        kids = real[real["parent_id"] == parent]
        for size in ("length_km", "area_ha"):
            own = by_id.loc[parent, size]
            if math.isnan(own):
                continue
            with_kids = summary(real[(real["id"] == parent) | (real["parent_id"] == parent)])
            total = with_kids.total_km if size == "length_km" else with_kids.total_ha
            # never below the parent or below its components; never above them all added up
            assert max(own, kids[size].sum()) - 0.002 <= total <= own + kids[size].sum() + 0.002, parent
    ring = summary(Filter(search="vanh dai phia tay").apply(real))  # sections that are not the parent's
    assert ring.total_km == pytest.approx(Filter(search="vanh dai phia tay").apply(real)["length_km"].sum())


def test_real_summary(real: gpd.GeoDataFrame) -> None:
    s = summary(real)
    assert s.count == len(real)
    assert sum(s.by_status.values()) == sum(s.by_sector.values()) == sum(s.by_funding.values()) == len(real)
    assert s.total_km > 0
    subset = Filter(statuses=("under_construction", "planned"), year_from=2026, year_to=2030).apply(real)
    part = summary(subset)
    assert part.count == len(subset) <= s.count
    assert set(part.by_status) <= {"under_construction", "planned"}


# ------------------------------------------------------------------ memoised measures


def fresh_measures(frame: gpd.GeoDataFrame) -> tuple[list[float], list[float]]:
    """Measured from scratch, without the memo (the reference)."""
    km, ha = measure_module._measure(frame.geometry.to_numpy(), frame.crs)
    return km.tolist(), ha.tolist()


def same(a: list[float], b: list[float]) -> bool:
    return all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def test_register_measures_equal_fresh_ones(
    make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measures derived at load are the geometries' own; a subset, a copy, a summary or an export
    of the register measures nothing again; a frame whose geometry was changed is measured again by
    ``register.derive`` (the contract of portfolio._derived), a frame built by hand when asked."""
    frame = load(*make_register())
    first = with_measures(frame)
    km, ha = fresh_measures(frame)
    assert same(first["length_km"].tolist(), km) and same(first["area_ha"].tolist(), ha)
    fresh_km, _ = fresh_measures(frame.to_crs(MEASURE_CRS))
    measured: list[int] = []
    real_measure = measure_module._measure

    def counting(geoms: Any, crs: Any) -> Any:
        measured.append(len(geoms))
        return real_measure(geoms, crs)

    monkeypatch.setattr(measure_module, "_measure", counting)
    monkeypatch.setattr(derived_module, "measure", counting)
    again = with_measures(frame)
    subset = Filter(statuses=("planned", "operating")).apply(frame)  # a copy sharing the geometries
    part = with_measures(subset)
    summary(frame.copy())
    assert measured == []  # nothing reprojected again
    assert again.equals(first)
    assert same(part["length_km"].tolist(), first.set_index("id").loc[subset["id"], "length_km"].tolist())
    # another CRS keeps the measures (the same places), within rounding of a fresh measure
    vn2000 = with_measures(frame.to_crs(MEASURE_CRS))
    assert measured == []
    assert vn2000["length_km"].tolist() == pytest.approx(fresh_km, abs=0.002, nan_ok=True)
    # a changed geometry is measured again by derive(); a frame built by hand is measured when asked
    moved = frame.copy()
    moved.loc[moved.index[0], "geometry"] = LineString([(105.60, 10.00), (105.70, 10.00)])
    out = with_measures(register_module.derive(moved))
    assert measured == [len(frame)]
    assert out["length_km"].iloc[0] == pytest.approx(
        GEOD.geometry_length(moved.geometry.iloc[0]) / 1000, rel=5e-4
    )
    assert out["length_km"].iloc[0] != first["length_km"].iloc[0]
    by_hand = gpd.GeoDataFrame({"id": ["x"]}, geometry=[moved.geometry.iloc[0]], crs="EPSG:4326")
    assert with_measures(by_hand)["length_km"].iloc[0] == out["length_km"].iloc[0]
    assert measured == [len(frame), 1]


def test_summary_without_measures_equals_with(make_register: MakeRegister) -> None:
    frame = load(*make_register())
    assert summary(frame) == summary(with_measures(frame))


def test_real_measures_equal_fresh_ones(real: gpd.GeoDataFrame) -> None:
    plain = gpd.GeoDataFrame(real.drop(columns=list(DERIVED_COLUMNS)), crs=real.crs)
    km, ha = fresh_measures(plain)
    again = with_measures(plain)
    assert same(again["length_km"].tolist(), km) and same(again["area_ha"].tolist(), ha)
    assert same(real["length_km"].tolist(), km) and same(real["area_ha"].tolist(), ha)
    assert summary(plain) == summary(real)
