"""Investors' view: distances in EPSG:5897 from industrial parks to ports, expressways, the airport."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from portfolio import access, register
from tests.app_fixtures import app_geometries, app_rows, make_app_register
from tests.conftest import ROOT, base_row

REAL_REGISTER = ROOT / "projects.csv"
REAL_GEODATA = ROOT / "geodata"


@pytest.fixture
def frame(tmp_path):  # type: ignore[no-untyped-def]
    return register.load(*make_app_register(tmp_path / "a"))


def _km(frame: gpd.GeoDataFrame, a: str, b: str) -> float:
    metric = frame.set_index("id").geometry.to_crs("EPSG:5897")
    return float(metric.loc[a].distance(metric.loc[b])) / 1000.0


def test_table_has_one_row_per_park_with_distances(frame) -> None:  # type: ignore[no-untyped-def]
    table = access.access_table(frame, frame, "en").set_index("id")
    assert set(table.index) == {"kcn-o-mon", "kcn-song-hau"}
    o_mon = table.loc["kcn-o-mon"]
    # Only the operating port counts as existing; the planned one is a change (below).
    assert o_mon["port_id"] == "cang-cai-cui"
    assert o_mon["port_km"] == pytest.approx(_km(frame, "kcn-o-mon", "cang-cai-cui"), abs=0.01)
    assert o_mon["expressway_id"] == "cao-toc-ct"  # completed counts as existing
    assert o_mon["airport_id"] == "san-bay-ct" and o_mon["airport_name"] == "Cần Thơ airport"
    assert o_mon["airport_km"] == pytest.approx(_km(frame, "kcn-o-mon", "san-bay-ct"), abs=0.01)
    # Area measured in EPSG:5897: 0.02° x 0.02° at 10°N is about 2.19 km x 2.21 km.
    assert 470 < o_mon["area_ha"] < 500
    assert o_mon["status"] == "proposed"


def test_distance_is_metric_not_degrees(frame) -> None:  # type: ignore[no-untyped-def]
    table = access.access_table(frame, frame).set_index("id")
    park = frame.set_index("id").geometry.loc["kcn-song-hau"]
    port = frame.set_index("id").geometry.loc["cang-cai-cui"]
    degrees = park.distance(port)
    assert table.loc["kcn-song-hau", "port_km"] == pytest.approx(degrees * 109.0, rel=0.05)


def test_changes_list_nearer_planned_facilities_and_roads_with_year(frame) -> None:  # type: ignore[no-untyped-def]
    changes = access.access_changes(frame, frame, "en")
    o_mon = changes[changes["park_id"] == "kcn-o-mon"]
    port = o_mon[o_mon["kind"] == "port"].iloc[0]
    assert port["project_id"] == "cang-moi" and port["expected_year"] == 2030
    assert port["km_after"] < port["km_now"]
    road = o_mon[o_mon["kind"] == "road"]
    assert "dt-923" in set(road["project_id"])
    assert (road["km_after"] <= access.ROAD_RADIUS_KM).all()
    # The new port is farther from Sông Hậu than Cái Cui: no change there.
    song_hau = changes[changes["park_id"] == "kcn-song-hau"]
    assert "cang-moi" not in set(song_hau["project_id"])


def test_links_are_shortest_lines(frame) -> None:  # type: ignore[no-untyped-def]
    links, tips = access.access_links(frame, frame, "vi")
    assert len(links) == len(tips) == 6  # 2 parks x (port, expressway, airport)
    assert links.crs.to_epsg() == 4326
    for _, link in links.iterrows():
        metric = gpd.GeoSeries([link.geometry], crs=4326).to_crs("EPSG:5897").iloc[0]
        assert metric.length / 1000 == pytest.approx(link["km"], abs=0.01)
    assert any("Cảng Cái Cui" in t and "km" in t for t in tips)


def test_no_parks_no_rows(frame) -> None:  # type: ignore[no-untyped-def]
    roads = frame[frame["sector"] == "road"]
    assert access.access_table(roads, frame).empty
    assert access.access_changes(roads, frame).empty
    assert list(access.access_changes(roads, frame).columns)[:3] == ["park_id", "park", "kind"]


def test_no_facilities_gives_nan() -> None:
    rows = [r for r in app_rows() if r["id"] in ("kcn-o-mon",)]
    frame = gpd.GeoDataFrame(
        [{**r, "period_start": None, "period_end": None, "official_area_ha": math.nan} for r in rows],
        geometry=[shapely.box(105.60, 10.10, 105.62, 10.12)],
        crs=4326,
    )
    table = access.access_table(frame, frame)
    assert math.isnan(table.loc[0, "port_km"]) and table.loc[0, "port_name"] == ""


def test_analysis_is_remembered_per_register_frame(frame) -> None:  # type: ignore[no-untyped-def]
    first = access._analysis(frame, frame)
    assert access._analysis(frame.iloc[:3], frame) is first  # a filtered subset reuses it
    other = frame.copy()
    assert access._analysis(other, other) is not first  # another frame: computed anew
    # Parks that the facilities frame does not hold are analysed on their own.
    parks_only = frame[frame["sector"] == "industrial_zone"]
    facilities = frame[frame["sector"] != "industrial_zone"]
    table = access.access_table(parks_only, facilities).set_index("id")
    assert table.loc["kcn-o-mon", "port_id"] == "cang-cai-cui"


def test_current_distance_is_missing_only_where_nothing_exists(frame) -> None:  # type: ignore[no-untyped-def]
    changes = access.access_changes(frame, frame, "en")
    roads = changes[changes["kind"] == "road"]
    ports = changes[changes["kind"] == "port"]
    assert not roads.empty and not ports.empty
    # The register holds road projects, not the existing network: no current road distance.
    assert roads["km_now"].isna().all()
    # A port project nearer than the operating Cái Cui port: both distances are measured.
    o_mon = ports[(ports["park_id"] == "kcn-o-mon") & (ports["project_id"] == "cang-moi")].iloc[0]
    assert o_mon["km_now"] == pytest.approx(_km(frame, "kcn-o-mon", "cang-cai-cui"), abs=0.01)
    assert o_mon["km_after"] < o_mon["km_now"]


def _rows_with(**changes: dict[str, str]) -> list[dict[str, str]]:
    """The app rows with some cells replaced, by id (``cang_moi`` = ``cang-moi``)."""
    rows = app_rows()
    for key, cells in changes.items():
        row = next(r for r in rows if r["id"] == key.replace("_", "-"))
        row.update(cells)
    return rows


def test_expected_year_is_the_latest_periods_end(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The plan's period stays 2026–2030 in the period columns; a later source moved it to 2026–2028.
    rows = _rows_with(
        cang_moi={"period_history": "202/KH-UBND=2026-2030; ngoài: Báo X 2025-01-02=2026-2028"},
        dt_923={"status": "under_construction", "period_start": "", "period_end": "2027"},
    )
    frame = register.load(*make_app_register(tmp_path / "b", rows))
    changes = access.access_changes(frame, frame, "en")
    o_mon = changes[changes["park_id"] == "kcn-o-mon"].set_index("project_id")
    assert o_mon.loc["cang-moi", "expected_year"] == 2028
    assert o_mon.loc["dt-923", "expected_year"] == 2027  # one year given: that year


def test_expected_year_missing_without_any_period(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = _rows_with(cang_moi={"period_start": "", "period_end": "", "period_history": ""})
    frame = register.load(*make_app_register(tmp_path / "c", rows))
    changes = access.access_changes(frame, frame, "en")
    port = changes[(changes["park_id"] == "kcn-o-mon") & (changes["project_id"] == "cang-moi")].iloc[0]
    assert port["expected_year"] is pd.NA


@pytest.fixture(scope="module")
def real() -> gpd.GeoDataFrame:
    if not REAL_REGISTER.exists():
        pytest.skip(f"the real register {REAL_REGISTER} has not landed yet")
    return register.load(REAL_REGISTER, REAL_GEODATA)


def test_real_ql91_expected_in_its_latest_sources_year(real: gpd.GeoDataFrame) -> None:
    # Phụ lục II gives 2021–2030; the ground-breaking report of 2025-09-22 gives 2023–2027.
    changes = access.access_changes(real, real, "en")
    ql91 = changes[changes["project_id"] == "ql91-km0-km7"]
    assert {"kcn-tra-noc-1", "kcn-tra-noc-2"} <= set(ql91["park_id"])
    assert set(ql91["expected_year"]) == {2027}


def _family(tmp_path, parent_line: list[list[float]]):  # type: ignore[no-untyped-def]
    """The app register plus a planned expressway (``cao-toc-moi``) and its component project 1,
    which passes about 1 km east of the Ô Môn park; the parent is drawn as ``parent_line``."""
    rows = app_rows()
    rows.append(
        base_row(
            id="cao-toc-moi",
            name_vi="Cao tốc mới",
            name_en="New expressway",
            sector="expressway",
            status="planned",
            period_start="2026",
            period_end="2030",
        )
    )
    rows.append(
        base_row(
            id="cao-toc-moi-tp1",
            name_vi="Cao tốc mới, dự án thành phần 1",
            name_en="New expressway, component project 1",
            sector="expressway",
            status="planned",
            period_start="2026",
            period_end="2030",
            parent_id="cao-toc-moi",
        )
    )
    geometries = {
        **app_geometries(),
        "cao-toc-moi-tp1": {"type": "LineString", "coordinates": [[105.63, 10.11], [105.66, 10.13]]},
        "cao-toc-moi": {"type": "LineString", "coordinates": parent_line},
    }
    frame = register.load(*make_app_register(tmp_path / "f", rows, geometries))
    changes = access.access_changes(frame, frame, "en")
    return changes[changes["park_id"] == "kcn-o-mon"].set_index("project_id")


def test_a_component_is_listed_for_a_park_not_its_parent_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The parent is drawn over its component (and farther on): as near to the park as the component.
    o_mon = _family(tmp_path, [[105.63, 10.11], [105.66, 10.13], [105.70, 10.15]])
    assert "cao-toc-moi-tp1" in o_mon.index and "cao-toc-moi" not in o_mon.index
    assert o_mon.loc["cao-toc-moi-tp1", "kind"] == "expressway"
    assert o_mon.loc["cao-toc-moi-tp1", "km_after"] < o_mon.loc["cao-toc-moi-tp1", "km_now"]
    assert "cang-moi" in o_mon.index  # other changes stay


def test_a_parent_nearer_than_its_listed_components_stays(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A part the register does not list on its own runs along the park: only the parent says so.
    o_mon = _family(tmp_path, [[105.621, 10.105], [105.63, 10.11], [105.66, 10.13]])
    assert {"cao-toc-moi", "cao-toc-moi-tp1"} <= set(o_mon.index)
    assert o_mon.loc["cao-toc-moi", "km_after"] < o_mon.loc["cao-toc-moi-tp1", "km_after"]


def test_real_parks_list_expressway_components_not_the_phase(real: gpd.GeoDataFrame) -> None:
    changes = access.access_changes(real, real, "en")
    phase = "cao-toc-chau-doc-can-tho-soc-trang"
    for park, component, km in (
        ("kcn-an-nghiep", f"{phase}-dat4", 6.99),
        ("kcn-tran-de", f"{phase}-dat4", 2.64),
    ):
        listed = changes[changes["park_id"] == park].set_index("project_id")
        assert phase not in listed.index
        assert listed.loc[component, "km_after"] == pytest.approx(km, abs=0.01)
    assert phase not in set(changes["project_id"])  # each park lists a component of it instead


def test_a_park_with_its_phases_listed_is_left_out(real: gpd.GeoDataFrame) -> None:
    """Vĩnh Thạnh is listed as its two phases (VSIP, Phú Mỹ 3), not also as the whole park; alone,
    the whole park is listed."""
    phases = set(real.loc[real["parent_id"] == "kcn-vinh-thanh", "id"])
    assert len(phases) == 2
    listed = set(access.parks_of(real)["id"])
    assert phases <= listed and "kcn-vinh-thanh" not in listed
    alone = real[~real["id"].isin(phases)]
    assert "kcn-vinh-thanh" in set(access.parks_of(alone)["id"])
    table = access.access_table(real, real)
    assert "kcn-vinh-thanh" not in set(table["id"]) and phases <= set(table["id"])


def test_access_year_by_year_as_planned_projects_open(frame) -> None:  # type: ignore[no-untyped-def]
    from portfolio import present

    by_year = access.access_by_year(frame, frame, "en")
    o_mon = by_year[by_year["park_id"] == "kcn-o-mon"]
    port = o_mon[o_mon["kind"] == "port"].reset_index(drop=True)
    # Now: the operating port; from 2030, the planned one, nearer (the running minimum).
    assert port.loc[0, "project_id"] == "cang-cai-cui" and pd.isna(port.loc[0, "year"])
    assert port.loc[0, "km"] == pytest.approx(_km(frame, "kcn-o-mon", "cang-cai-cui"), abs=0.01)
    assert port.loc[1, "project_id"] == "cang-moi" and port.loc[1, "year"] == 2030
    assert port.loc[1, "km"] < port.loc[0, "km"]
    assert set(by_year["kind"]) <= set(access.KINDS)  # roads are not a nearest distance
    song_hau = by_year[(by_year["park_id"] == "kcn-song-hau") & (by_year["kind"] == "port")]
    assert list(song_hau["project_id"]) == ["cang-cai-cui"]  # the new port is farther: no change
    cards = dict(present.park_cards(by_year, "en"))
    lines = next(v for k, v in cards.items() if "Ô Môn" in k)
    assert lines[0].startswith("Now: Port ") and any(line.startswith("From 2030: Port ") for line in lines)
    vi = dict(present.park_cards(access.access_by_year(frame, frame, "vi"), "vi"))
    assert all(lines[0].startswith("Hiện nay: ") for lines in vi.values())
