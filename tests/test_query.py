"""Filter: vocabularies, timeframe, places, box, free-text search; on fixtures and the real register."""

from __future__ import annotations

import gc
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from portfolio import query as query_module
from portfolio import schema
from portfolio._errors import QueryError
from portfolio.query import (
    ABBREVIATIONS,
    RELEVANCE_GROUPS,
    SEARCH_COLUMNS,
    Filter,
    FilterError,
    by_relevance,
    filter_fields,
    matches_search,
    normalise,
    relevance,
    search_forms,
    search_hits,
)
from portfolio.register import derive, load
from portfolio.timeline import parse_history
from tests.conftest import REAL_REGISTER, MakeRegister, base_row, fixture_geometries, fixture_rows


def rich_rows() -> list[dict[str, str]]:
    """Fixture rows covering periods, places, owners and a parent/component pair."""
    rows = fixture_rows()
    rows[0].update(
        communes="Phường Ninh Kiều; Phường Tân An",
        districts_before_2025="Quận Ninh Kiều",
        admin_basis="geometry",
        owner_current="Sở Xây dựng",
    )
    rows[1].update(
        communes="Phường Ô Môn", districts_before_2025="Quận Ô Môn (Cần Thơ)", admin_basis="geometry"
    )
    rows += [
        base_row(
            id="ql-91",
            name_vi="Nâng cấp QL91 đoạn Cần Thơ – Lộ Tẻ",
            name_en="QL91 upgrade",
            period_start="2026",
            period_end="2030",
            status="under_construction",
            status_as_of="2026-01-31",
            location_vi="quận Bình Thủy, Ô Môn",
            owner="Bộ Xây dựng",
            funding_type="oda",
            communes="Phường Bình Thủy",
            districts_before_2025="Quận Bình Thuỷ (Cần Thơ)",
            admin_basis="geometry",
            notes="Đoạn qua cầu Bình Thủy",
        ),
        base_row(
            id="cau-cai-rang-2",
            name_vi="Cầu Cái Răng 2",
            name_en="Cái Răng bridge 2",
            sector="bridge",
            period_start="2029",
            period_end="",
            status="proposed",
            status_as_of="2026-01-31",
            location_vi="Cái Răng",
            funding_type="ppp",
        ),
        base_row(
            id="bv-ung-buou",
            name_vi="Bệnh viện Ung bướu",
            name_en="Oncology hospital",
            sector="health",
            period_start="",
            period_end="2024",
            status="completed",
            status_as_of="2024-05-01",
            location_vi="Ninh Kiều",
            funding_type="state_budget",
            scope="city",
            owner="Sở Y tế (đề xuất)",
        ),
    ]
    return rows


def rich_geometries() -> dict[str, dict[str, object]]:
    geoms = fixture_geometries()
    geoms["ql-91"] = {
        "type": "LineString",
        "coordinates": [[105.76, 10.03], [105.70, 10.08], [105.64, 10.12]],
    }
    geoms["cau-cai-rang-2"] = {"type": "Point", "coordinates": [105.76, 10.00]}
    geoms["bv-ung-buou"] = {"type": "Point", "coordinates": [105.77, 10.02]}
    return geoms


@pytest.fixture
def frame(make_register: MakeRegister) -> gpd.GeoDataFrame:
    register, geodata = make_register(rich_rows(), rich_geometries())
    return load(register, geodata)


def ids(frame: gpd.GeoDataFrame) -> list[str]:
    return sorted(frame["id"])


# ------------------------------------------------------------------ normalisation and search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đường tỉnh 923", "duong tinh 923"),
        ("ĐT923", "dt 923"),
        ("Cái Cui", "cai cui"),
        ("QL.91B", "ql 91b"),
        ("Khu công nghiệp Ô Môn", "khu cong nghiep o mon"),
        ("  Ấp   Thới\u00a0Hòa  ", "ap thoi hoa"),
        ("Cầu Cái Răng", "cau cai rang"),
        ("Cu\u0300 Lao Dung", "cu lao dung"),  # decomposed (NFD) input
        ("\u00d0ường tỉnh 923", "duong tinh 923"),  # Ð (U+00D0), the look-alike of Đ
        ("\u00f0t 923", "dt 923"),  # ð (U+00F0)
        ("\u0189\u0256", "dd"),  # Ɖ ɖ
        ("Straße", "strasse"),
        ("Œuvre Ærø Łódź ı", "oeuvre aero lodz i"),
        ("— ' · …", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_search_forms_contract_and_expand() -> None:
    assert search_forms("Đường tỉnh 923") == ("duong tinh 923", "dt 923", "duong tinh 923")
    assert search_forms("KCN Trà Nóc")[2] == "khu cong nghiep tra noc"
    assert search_forms("Quốc lộ 1A")[1] == "ql 1a"


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("dt 923", "Đường tỉnh 923"),
        ("DT923", "Đường tỉnh 923"),
        ("đt 923", "Nâng cấp ĐT.923"),
        ("duong tinh 923", "ĐT923"),
        ("tinh 923", "ĐT923"),
        ("cai cui", "Cảng Cái Cui"),
        ("CÁI CUI", "Cảng Cái Cui"),
        ("ql 91", "Quốc lộ 91"),
        ("quoc lo 91", "QL91"),
        ("ql 91b", "Quốc lộ 91B (đường Nguyễn Văn Linh)"),
        ("QL61C", "Quốc lộ 61C"),
        ("kcn o mon", "Khu công nghiệp Ô Môn"),
        ("khu cong nghiep tra noc", "KCN Trà Nóc 1"),
        ("port cui", "Cái Cui port"),
        ("\u00d0T 923", "Đường tỉnh 923"),
        ("\u00d0ường tỉnh 923", "ĐT.923"),
        ("dt 923", "\u00d0ường tỉnh 923"),  # the look-alike in the register is folded too
        ("", "anything"),
    ],
)
def test_search_matches(query: str, text: str) -> None:
    assert matches_search(query, [text])


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("dt 923", "Quốc lộ 91"),
        ("dt 924", "Đường tỉnh 923"),
        ("cai rang", "Cảng Cái Cui"),
        ("ql 91", "Đường tỉnh 91"),
        ("ql 91", "Quốc lộ 91B"),
        ("dt 92", "Đường tỉnh 923"),
    ],
)
def test_search_rejects(query: str, text: str) -> None:
    assert not matches_search(query, [text])


def test_search_fields(frame: gpd.GeoDataFrame) -> None:
    assert ids(Filter(search="dt 923").apply(frame)) == ["dt-923"]
    assert ids(Filter(search="cai cui").apply(frame)) == ["cang-cai-cui"]
    assert ids(Filter(search="cang-cai-cui").apply(frame)) == ["cang-cai-cui"]  # id
    assert ids(Filter(search="oncology").apply(frame)) == ["bv-ung-buou"]  # name_en
    assert ids(Filter(search="binh thuy cau").apply(frame)) == ["ql-91"]  # location_vi + notes
    assert ids(Filter(search="bo xay dung").apply(frame)) == ["ql-91"]  # owner
    assert ids(Filter(search="so xay dung").apply(frame)) == ["dt-923"]  # owner_current
    assert ids(Filter(search="quoc lo 91").apply(frame)) == ["ql-91"]
    assert ids(Filter(search="nothing like this").apply(frame)) == []


# ------------------------------------------------------------------ vocabularies


def test_empty_filter_keeps_everything_as_a_copy(frame: gpd.GeoDataFrame) -> None:
    out = Filter().apply(frame)
    assert ids(out) == ids(frame)
    assert out is not frame
    assert Filter().is_empty
    assert Filter().describe() == "all projects (no filter)"


def test_statuses_sectors_funding_scope(frame: gpd.GeoDataFrame) -> None:
    assert ids(Filter(statuses=("planned", "under_construction")).apply(frame)) == ["dt-923", "ql-91"]
    assert ids(Filter(sectors=("port", "bridge")).apply(frame)) == ["cang-cai-cui", "cau-cai-rang-2"]
    assert ids(Filter(funding_types=("oda",)).apply(frame)) == ["ql-91"]
    assert ids(Filter(scopes=("regional",)).apply(frame)) == []
    combined = Filter(statuses=("planned", "under_construction"), funding_types=("state_budget",))
    assert ids(combined.apply(frame)) == ["dt-923"]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"statuses": ("built",)}, "under_construction"),
        ({"sectors": ("roads",)}, "expressway"),
        ({"funding_types": ("budget",)}, "state_budget"),
        ({"scopes": ("province",)}, "regional"),
        ({"undated": "maybe"}, "exclude"),
        ({"max_precision": 9}, "6"),
    ],
)
def test_unknown_values_name_the_allowed_ones(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(QueryError, match="allowed values") as info:
        Filter(**kwargs)  # type: ignore[arg-type]
    assert named in str(info.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"year_from": 2030, "year_to": 2026},
        {"year_from": 26},
        {"bbox": (106.0, 9.0, 105.0, 10.0)},
        {"bbox": (580000.0, 1100000.0, 600000.0, 1120000.0)},
    ],
)
def test_bad_ranges(kwargs: dict[str, object]) -> None:
    with pytest.raises(QueryError):
        Filter(**kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------ timeframe


def test_timeframe_overlap(frame: gpd.GeoDataFrame) -> None:
    # dt-923 2021-2025, ql-91 2026-2030, cau-cai-rang-2 2029 only, bv-ung-buou 2024 only, two undated
    f = Filter(year_from=2026, year_to=2030, undated="exclude")
    assert ids(f.apply(frame)) == ["cau-cai-rang-2", "ql-91"]
    f = Filter(year_from=2025, year_to=2025, undated="exclude")
    assert ids(f.apply(frame)) == ["dt-923"]
    f = Filter(year_from=2024, year_to=2026, undated="exclude")
    assert ids(f.apply(frame)) == ["bv-ung-buou", "dt-923", "ql-91"]
    f = Filter(year_to=2020, undated="exclude")
    assert ids(f.apply(frame)) == []
    f = Filter(year_from=2030, undated="exclude")
    assert ids(f.apply(frame)) == ["ql-91"]


def test_undated_projects_are_explicit(frame: gpd.GeoDataFrame) -> None:
    included = Filter(year_from=2026, year_to=2030)
    assert included.undated == "include"
    assert ids(included.apply(frame)) == ["cang-cai-cui", "cau-cai-rang-2", "kcn-o-mon", "ql-91"]
    assert "projects with no period included" in included.describe()
    excluded = Filter(year_from=2026, year_to=2030, undated="exclude")
    assert "projects with no period excluded" in excluded.describe()


def test_in_year(frame: gpd.GeoDataFrame) -> None:
    """Started by Y (latest period), plus the port: it operates and has no period. The proposed
    industrial park has no period either and stays out."""
    by_id = frame.set_index("id")
    port, park = by_id.loc["cang-cai-cui"], by_id.loc["kcn-o-mon"]
    assert port["status"] == "operating" and pd.isna(port["period_start"])
    assert park["status"] == "proposed" and pd.isna(park["period_start"])
    assert ids(Filter(in_year=2024, undated="exclude").apply(frame)) == [
        "bv-ung-buou",
        "cang-cai-cui",
        "dt-923",
    ]
    assert ids(Filter(in_year=2030, undated="exclude").apply(frame)) == [
        "bv-ung-buou",
        "cang-cai-cui",
        "cau-cai-rang-2",
        "dt-923",
        "ql-91",
    ]
    assert "kcn-o-mon" in ids(Filter(in_year=2030, undated="include").apply(frame))


def test_in_year_reads_the_derived_latest_start(
    frame: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A register frame's ``in_year`` reads its derived ``latest_start`` (the periods are not parsed
    again); a frame without derived columns gives the same rows from its periods."""
    from portfolio._derived import DERIVED_COLUMNS
    from portfolio.query import criteria

    plain = pd.DataFrame(frame.drop(columns=list(DERIVED_COLUMNS)))
    plain.attrs = {}
    expected = {
        year: ids(Filter(in_year=year, undated="exclude").apply(plain)) for year in (2019, 2024, 2030)
    }
    assert expected[2019] != expected[2024] != expected[2030]

    def parsed_again(_frame: pd.DataFrame) -> pd.DataFrame:
        raise AssertionError("latest_periods called for a register frame")

    monkeypatch.setattr(criteria, "latest_periods", parsed_again)
    for year, want in expected.items():
        assert ids(Filter(in_year=year, undated="exclude").apply(frame)) == want


def test_timeframe_reads_every_sourced_period_in_year_the_latest(frame: gpd.GeoDataFrame) -> None:
    """dt-923 keeps its plan's 2021–2025 in its period columns; a later report moved it to 2027–2029.
    Either period puts it in a range, the gap year 2026 does not; ``in_year`` follows the latest."""
    slipped = frame.copy()
    row = slipped.index[slipped["id"] == "dt-923"][0]
    slipped.loc[row, "period_history"] = "202/KH-UBND=2021-2025; ngoài: Báo X 2025-01-01=2027-2029"
    slipped = derive(slipped)  # (the derived columns' contract: a changed register frame is derived again)

    def kept(**kwargs: Any) -> bool:
        return "dt-923" in ids(Filter(undated="exclude", **kwargs).apply(slipped))

    assert kept(year_from=2022, year_to=2022) and kept(year_from=2028, year_to=2028)
    assert not kept(year_from=2026, year_to=2026) and not kept(year_from=2030)
    assert not kept(in_year=2024) and kept(in_year=2027)


def test_a_project_dated_only_by_its_history_is_dated(frame: gpd.GeoDataFrame) -> None:
    only_history = frame.copy()
    row = only_history.index[only_history["id"] == "kcn-o-mon"][0]
    only_history.loc[row, "period_history"] = "KH-UBND/2026=2026-2030"
    assert "kcn-o-mon" in ids(Filter(year_from=2027, year_to=2027, undated="exclude").apply(only_history))
    assert "kcn-o-mon" not in ids(Filter(year_to=2025, undated="exclude").apply(only_history))
    assert "kcn-o-mon" not in ids(Filter(year_to=2025).apply(only_history))  # dated, so not "undated"


# ------------------------------------------------------------------ places, owners, box, precision


def test_communes_and_old_districts(frame: gpd.GeoDataFrame) -> None:
    assert ids(Filter(communes=("Phường Tân An",)).apply(frame)) == ["dt-923"]
    assert ids(Filter(communes=("tan an",)).apply(frame)) == ["dt-923"]
    assert ids(Filter(communes=("Ô Môn", "binh thuy")).apply(frame)) == ["kcn-o-mon", "ql-91"]
    assert ids(Filter(districts=("Ninh Kiều",)).apply(frame)) == ["dt-923"]
    assert ids(Filter(districts=("quan o mon",)).apply(frame)) == ["kcn-o-mon"]
    # a trailing "(province)" note and either tone-mark placement (Thủy / Thuỷ) are optional
    assert ids(Filter(districts=("Bình Thủy",)).apply(frame)) == ["ql-91"]
    assert ids(Filter(districts=("Quận Bình Thuỷ (Cần Thơ)",)).apply(frame)) == ["ql-91"]
    assert ids(Filter(districts=("Bình Thủy (Hậu Giang)",)).apply(frame)) == []
    Filter(districts=("binh thuy", "O Mon")).apply(frame, strict=True)  # known: no error


def test_owner_matches_owner_or_current(frame: gpd.GeoDataFrame) -> None:
    assert ids(Filter(owners=("Sở Giao thông vận tải",)).apply(frame)) == ["cau-cai-rang-2", "dt-923"]
    assert ids(Filter(owners=("so y te",)).apply(frame)) == ["bv-ung-buou"]  # "(đề xuất)" optional
    assert ids(Filter(owners=("so xay dung",)).apply(frame)) == ["dt-923"]


def test_strict_rejects_unknown_places_and_owners(frame: gpd.GeoDataFrame) -> None:
    with pytest.raises(QueryError, match="allowed values: .*Phường Ninh Kiều"):
        Filter(communes=("Atlantis",)).apply(frame, strict=True)
    with pytest.raises(QueryError, match="Quận Ô Môn"):
        Filter(districts=("Nowhere",)).apply(frame, strict=True)
    with pytest.raises(QueryError, match="Bộ Xây dựng"):
        Filter(owners=("Nobody",)).apply(frame, strict=True)
    assert len(Filter(communes=("Atlantis",)).apply(frame)) == 0  # lenient by default


def test_bbox_and_precision(frame: gpd.GeoDataFrame) -> None:
    assert ids(Filter(bbox=(105.80, 9.95, 105.90, 10.05)).apply(frame)) == ["cang-cai-cui"]
    # a line crossing the box counts even with no vertex inside
    assert "dt-923" in ids(Filter(bbox=(105.66, 9.95, 105.69, 10.05)).apply(frame))
    assert ids(Filter(max_precision=1).apply(frame)) == ["cang-cai-cui"]
    assert "kcn-o-mon" not in ids(Filter(max_precision=2).apply(frame))


# ------------------------------------------------------------------ parameters round trip


def test_params_round_trip() -> None:
    f = Filter(
        statuses=("planned", "under_construction"),
        sectors=("road",),
        owners=("Sở Xây dựng, Cần Thơ",),
        communes=("Phường Cái Khế",),
        year_from=2026,
        year_to=2030,
        undated="exclude",
        bbox=(105.5, 9.8, 106.0, 10.3),
        search="dt 923",
        max_precision=3,
    )
    params = f.to_params()
    assert params["status"] == ["planned", "under_construction"]
    assert params["from"] == "2026" and params["bbox"] == "105.5,9.8,106,10.3"
    assert Filter.from_params(params) == f
    assert Filter().to_params() == {}
    both = ("planned", "under_construction")
    assert Filter.from_params({"status": "planned,under_construction"}).statuses == both
    assert Filter.from_params({"status": ["planned", "planned"]}).statuses == ("planned",)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"colour": "red"}, "unknown parameter"),
        ({"from": "twenty"}, "not a whole number"),
        ({"bbox": "1,2,3"}, "4 numbers"),
        ({"status": "done"}, "allowed values"),
        ({"from": ["2020", "2021"]}, "once"),
    ],
)
def test_from_params_errors(params: dict[str, str], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        Filter.from_params(params)


def test_filter_is_hashable_and_frozen() -> None:
    f = Filter(statuses=["planned"])  # type: ignore[arg-type]
    assert f.statuses == ("planned",)
    assert hash(f) == hash(Filter(statuses=("planned",)))
    with pytest.raises(AttributeError):
        f.search = "x"  # type: ignore[misc]


# ------------------------------------------------------------------ the real register


def test_real_each_status_and_sector(real: gpd.GeoDataFrame) -> None:
    total = 0
    for status in schema.STATUSES:
        out = Filter(statuses=(status,)).apply(real)
        assert set(out["status"]) <= {status}
        total += len(out)
    assert total == len(real)
    for sector in set(real["sector"]):
        assert set(Filter(sectors=(sector,)).apply(real)["sector"]) == {sector}


def test_real_search_every_name_finds_itself(real: gpd.GeoDataFrame) -> None:
    for ident, name in zip(real["id"], real["name_vi"], strict=True):
        assert ident in set(Filter(search=name).apply(real)["id"]), name
        plain = normalise(name)  # no diacritics, lower case
        assert ident in set(Filter(search=plain).apply(real)["id"]), plain


def test_real_abbreviations(real: gpd.GeoDataFrame) -> None:
    for long, short in (("duong tinh", "dt"), ("quoc lo", "ql"), ("khu cong nghiep", "kcn")):
        having = [
            i
            for i, n in zip(real["id"], real["name_vi"], strict=True)
            if f"{long} " in normalise(n) or f"{short} " in normalise(n)
        ]
        for query in (long, short):
            found = set(Filter(search=query).apply(real)["id"])
            assert set(having) <= found, (query, set(having) - found)


def test_real_timeframe_matches_definition(real: gpd.GeoDataFrame) -> None:
    """In 2026–2030 when the own period or any period_history entry overlaps it (parsed here on its
    own, with the timeline's parser)."""
    f = Filter(statuses=("planned", "under_construction"), year_from=2026, year_to=2030)
    out = set(f.apply(real)["id"])
    for _, row in real.iterrows():
        start, end = row["period_start"], row["period_end"]
        start = end if start is None or start is gpd.pd.NA else start
        end = start if end is None or end is gpd.pd.NA else end
        periods = [(s, e) for _, s, e in parse_history(row["period_history"])]
        if start is not gpd.pd.NA and start is not None:
            periods.append((int(start), int(end)))
        overlaps = any(s <= 2030 and e >= 2026 for s, e in periods)
        expected = row["status"] in f.statuses and (not periods or overlaps)
        assert (row["id"] in out) == expected, row["id"]
    undated = Filter(year_from=2026, year_to=2030, undated="exclude").apply(real)
    assert undated["period_start"].notna().all() or undated["period_end"].notna().all()


def test_real_slipped_appendix_row_is_found_on_both_periods(real: gpd.GeoDataFrame) -> None:
    """The Ung Bướu hospital: 2018–2022 in Phụ lục II (its period columns), 2017–2026 by the latest
    report (period_history). A 2026 filter finds it, and so does one on 2019–2020."""
    row = real.set_index("id").loc["benh-vien-ung-buou-can-tho-500-giuong"]
    assert (row["period_start"], row["period_end"]) == (2018, 2022)
    assert parse_history(row["period_history"])[-1][1:] == (2017, 2026)
    for year_from, year_to in ((2026, 2026), (2019, 2020)):
        hits = Filter(year_from=year_from, year_to=year_to, undated="exclude").apply(real)
        assert "benh-vien-ung-buou-can-tho-500-giuong" in set(hits["id"])
    assert "benh-vien-ung-buou-can-tho-500-giuong" not in set(
        Filter(year_from=2027, undated="exclude").apply(real)["id"]
    )


def test_real_places(real: gpd.GeoDataFrame) -> None:
    communes = sorted({c for cell in real["communes"] for c in schema.split_list(cell)})
    for commune in communes[:20]:
        out = Filter(communes=(commune,)).apply(real, strict=True)
        assert len(out) > 0 and all(commune in schema.split_list(c) for c in out["communes"])
    districts = sorted({c for cell in real["districts_before_2025"] for c in schema.split_list(cell)})
    for district in districts[:20]:
        out = Filter(districts=(district,)).apply(real, strict=True)
        assert len(out) > 0
        bare = district.split(" (")[0].split(" ", 1)[1]  # "Quận Ninh Kiều (Cần Thơ)" -> "Ninh Kiều"
        assert set(out["id"]) <= set(Filter(districts=(bare,)).apply(real, strict=True)["id"])


def test_real_bbox(real: gpd.GeoDataFrame) -> None:
    minx, miny, maxx, maxy = real.total_bounds
    assert len(Filter(bbox=(minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01)).apply(real)) == len(real)
    cx, cy = 105.78, 10.03  # central Ninh Kiều
    inner = Filter(bbox=(cx - 0.05, cy - 0.05, cx + 0.05, cy + 0.05)).apply(real)
    assert 0 < len(inner) < len(real)


def test_default_register_path_is_the_real_one() -> None:
    assert Path(REAL_REGISTER).name == "projects.csv"


def test_relevance_ranks_names_before_notes(frame: gpd.GeoDataFrame) -> None:
    ranks = dict(zip(frame["id"], relevance(frame, "dt 923"), strict=True))
    assert ranks["dt-923"] == 0 and ranks["ql-91"] == 4
    ranks = dict(zip(frame["id"], relevance(frame, "binh thuy"), strict=True))
    assert ranks["ql-91"] == 1  # location_vi (notes too, but the better rank wins)
    ranks = dict(zip(frame["id"], relevance(frame, "so xay dung"), strict=True))
    assert ranks["dt-923"] == 2  # owner_current
    ranks = dict(zip(frame["id"], relevance(frame, "cau binh thuy"), strict=True))
    assert ranks["ql-91"] == 3  # notes only: "Đoạn qua cầu Bình Thủy"


# ------------------------------------------------------------------ fast search = the reference matcher


def reference_hits(
    frame: gpd.GeoDataFrame, query: str, columns: tuple[str, ...] = SEARCH_COLUMNS
) -> list[bool]:
    """The row-by-row reference: :func:`matches_search` over the cells of ``columns``."""
    cells = [frame[c].astype(str) for c in columns]
    return [matches_search(query, texts) for texts in zip(*cells, strict=True)]


def random_queries(frame: gpd.GeoDataFrame, count: int, seed: int) -> list[str]:
    """Queries mixing words of the frame (whole, cut, without accents, in capitals), abbreviations,
    numbers, punctuation and words found nowhere."""
    rng = random.Random(seed)
    words = [w for c in SEARCH_COLUMNS for cell in frame[c].astype(str) for w in cell.split()]
    extra = [
        *ABBREVIATIONS,
        *ABBREVIATIONS.values(),
        "923",
        "91b",
        "9",
        "ĐT923",
        "Q.L-91",
        "zzz",
        "cầu",
        "Thuỷ",
        "Thủy",
        "Cu\u0300",
        "&",
        "-",
        "(",
        "Sở",
        "đường",
    ]
    queries = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 3)):
            word = rng.choice(words) if rng.random() < 0.7 else rng.choice(extra)
            roll = rng.random()
            if roll < 0.2 and len(word) > 2:
                word = word[: rng.randint(1, len(word) - 1)]  # a word's beginning (or a middle cut)
            elif roll < 0.35:
                word = normalise(word)
            elif roll < 0.45:
                word = word.upper()
            parts.append(word)
        queries.append(" ".join(parts))
    return queries


def assert_fast_equals_reference(frame: gpd.GeoDataFrame, queries: list[str]) -> None:
    groups = [SEARCH_COLUMNS, *RELEVANCE_GROUPS]
    for query in queries:
        for columns in groups:
            fast = search_hits(frame, query, columns)
            assert fast.tolist() == reference_hits(frame, query, columns), (query, columns)
        if query.strip() and not normalise(query):  # nothing to search for: the filter refuses it
            with pytest.raises(FilterError, match="no letter or digit"):
                Filter(search=query)
            continue
        expected = [i for i, hit in zip(frame["id"], reference_hits(frame, query), strict=True) if hit]
        assert list(Filter(search=query).apply(frame)["id"]) == expected, query


def test_fast_search_equals_reference_on_fixtures(frame: gpd.GeoDataFrame) -> None:
    fixed = [
        "dt 923",
        "cai cui",
        "binh thuy cau",
        "so xay dung",
        "quoc lo 91",
        "",
        "  ",
        "!!!",
        "92",
        "oncology",
        "cang-cai-cui",
        "o mon kcn",
    ]
    assert_fast_equals_reference(frame, fixed + random_queries(frame, 150, seed=3))


def test_fast_search_with_other_criteria_equals_reference(frame: gpd.GeoDataFrame) -> None:
    """The search runs last, on the rows the other criteria keep: the result is the plain AND."""
    for query in ["cau", "dt 923", "o mon", "can tho", "so"] + random_queries(frame, 40, seed=4):
        for other in (
            Filter(statuses=("planned", "under_construction")),
            Filter(year_from=2026, year_to=2030),
            Filter(districts=("Ninh Kiều", "binh thuy")),
            Filter(owners=("Sở Giao thông vận tải",)),
            Filter(bbox=(105.6, 9.9, 105.8, 10.1)),
            Filter(statuses=("suspended",)),
        ):
            combined = Filter(**{**{f: getattr(other, f) for f in filter_fields()}, "search": query})
            keep = other.mask(frame).to_numpy() & np.array(reference_hits(frame, query))
            assert list(combined.apply(frame)["id"]) == list(frame["id"][keep]), (query, other)


def test_search_index_memo_is_reused_and_never_stale(frame: gpd.GeoDataFrame) -> None:
    query_module._SEARCH_INDEXES.clear()
    assert ids(Filter(search="cai cui").apply(frame)) == ["cang-cai-cui"]
    ((ref, index),) = query_module._SEARCH_INDEXES.values()
    live = ref()
    assert live is not None and live is frame
    Filter(search="dt 923").apply(frame)
    assert query_module._SEARCH_INDEXES[id(frame)][1] is index  # built once per frame
    # a frame changed after its index was built is searched with its new text
    frame.loc[frame["id"] == "dt-923", "notes"] = "Gần cảng Cái Cui"
    assert ids(Filter(search="cai cui").apply(frame)) == ["cang-cai-cui", "dt-923"]
    assert query_module._SEARCH_INDEXES[id(frame)][1] is not index
    # a modified copy is its own frame
    other = frame.copy()
    other.loc[other["id"] == "kcn-o-mon", "name_en"] = "Cái Cui logistics park"
    assert ids(Filter(search="cai cui").apply(other)) == ["cang-cai-cui", "dt-923", "kcn-o-mon"]
    assert ids(Filter(search="cai cui").apply(frame)) == ["cang-cai-cui", "dt-923"]
    # reordered rows (same index labels, other order) are not confused with the original
    shuffled = frame.iloc[::-1]
    assert list(Filter(search="cai cui").apply(shuffled)["id"]) == ["cang-cai-cui", "dt-923"]
    assert search_hits(shuffled, "cai cui").tolist() == reference_hits(shuffled, "cai cui")
    # the memo does not keep frames alive
    key = id(other)
    del other
    gc.collect()
    assert key not in query_module._SEARCH_INDEXES


def test_relevance_equals_reference(frame: gpd.GeoDataFrame) -> None:
    fixed = ["dt 923", "binh thuy", "so xay dung", "cau binh thuy", ""]
    for query in fixed + random_queries(frame, 30, seed=5):
        expected = []
        for texts in zip(*[frame[c].astype(str) for c in SEARCH_COLUMNS], strict=True):
            cells = dict(zip(SEARCH_COLUMNS, texts, strict=True))
            ranks = [
                r
                for r, group in enumerate(RELEVANCE_GROUPS)
                if matches_search(query, [cells[c] for c in group])
            ]
            expected.append(min(ranks, default=len(RELEVANCE_GROUPS)))
        assert relevance(frame, query).tolist() == expected, query


def test_real_fast_search_equals_reference(real: gpd.GeoDataFrame) -> None:
    names = [n for column in ("name_vi", "name_en", "location_vi", "owner") for n in real[column]][:200]
    queries = names + [normalise(n) for n in names[:80]] + random_queries(real, 300, seed=6)
    for query in queries:
        fast = search_hits(real, query)
        assert fast.tolist() == reference_hits(real, query), query
    assert_fast_equals_reference(real, random_queries(real, 60, seed=7))


def reference_forms(text: str) -> tuple[str, str, str]:
    """``search_forms`` as first written (phrase replacement without the absent-phrase shortcut)."""

    def replace(plain: str, table: list[tuple[str, str]]) -> str:
        padded = f" {plain} "
        for old, new in table:
            padded = padded.replace(f" {old} ", f" {new} ")
            padded = padded.replace(f" {old} ", f" {new} ")
        return padded.strip()

    contract = sorted(((long, short) for short, long in ABBREVIATIONS.items()), key=lambda p: -len(p[0]))
    expand = sorted(ABBREVIATIONS.items(), key=lambda p: -len(p[0]))
    plain = normalise(text)
    return plain, replace(plain, contract), replace(plain, expand)


def test_search_forms_equal_reference(frame: gpd.GeoDataFrame) -> None:
    rng = random.Random(8)
    words = [w for pair in ABBREVIATIONS.items() for w in " ".join(pair).split()] + ["923", "cau", "x", "91b"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(3000)]
    texts += [cell for c in SEARCH_COLUMNS for cell in frame[c]]
    for text in texts:
        assert search_forms(text) == reference_forms(text), text


# ------------------------------------------------------------------ structured errors, lenient parameters


@pytest.mark.parametrize(
    ("build", "code", "params"),
    [
        (
            lambda: Filter.from_params({"colour": "red"}),
            "unknown_parameter",
            {"field": "parameter", "value": "colour"},
        ),
        (
            lambda: Filter.from_params({"status": "planned,done"}),
            "unknown_value",
            {"field": "status", "value": "done"},
        ),
        (
            lambda: Filter.from_params({"from": "twenty"}),
            "not_a_whole_number",
            {"field": "from", "value": "twenty"},
        ),
        (
            lambda: Filter.from_params({"in_year": "1200"}),
            "year_out_of_range",
            {"field": "in_year", "value": "1200", "min": str(schema.YEAR_MIN), "max": str(schema.YEAR_MAX)},
        ),
        (
            lambda: Filter(year_from=2020.5),  # type: ignore[arg-type]
            "not_a_year",
            {"field": "from", "value": "2020.5"},
        ),
        (
            lambda: Filter.from_params({"from": "2030", "to": "2026"}),
            "from_after_to",
            {"year_from": "2030", "year_to": "2026"},
        ),
        (
            lambda: Filter.from_params({"to": ["2020", "2021"]}),
            "repeated_parameter",
            {"field": "to", "count": "2"},
        ),
        (lambda: Filter.from_params({"bbox": "1,2,3"}), "bad_bbox", {"field": "bbox", "value": "1,2,3"}),
        (lambda: Filter(bbox=(106.0, 9.0, 105.0, 10.0)), "bad_bbox", {"field": "bbox"}),
        (lambda: Filter(search="—"), "no_search_words", {"field": "search", "value": "—"}),
        (lambda: Filter.from_params({"search": "'"}), "no_search_words", {"field": "search", "value": "'"}),
        (
            lambda: Filter.from_params({"undated": "maybe"}),
            "unknown_value",
            {"field": "undated", "value": "maybe"},
        ),
        (lambda: Filter.from_params({"max_precision": "9"}), "unknown_value", {"field": "max_precision"}),
    ],
)
def test_every_error_has_a_code_and_params(build: Any, code: str, params: dict[str, str]) -> None:
    with pytest.raises(QueryError) as info:
        build()
    error = info.value
    assert isinstance(error, FilterError) and error.code == code
    assert params.items() <= error.params.items()
    assert all(isinstance(v, str) for v in error.params.values())
    assert str(error) and "\n" not in str(error)


def test_strict_owner_and_place_errors_are_coded(frame: gpd.GeoDataFrame) -> None:
    with pytest.raises(FilterError) as info:
        Filter(communes=("Atlantis",)).apply(frame, strict=True)
    assert info.value.code == "unknown_value" and info.value.params["field"] == "commune"
    assert info.value.params["value"] == "Atlantis" and "Phường Ninh Kiều" in info.value.params["allowed"]


def test_lenient_params_keep_every_valid_value() -> None:
    flt, problems = Filter.from_params_lenient(
        {
            "status": ["planned", "foo"],
            "sector": "road",
            "from": "2026",
            "to": "20x",
            "colour": "red",
            "bbox": "1,2",
            "search": "dt 923",
            "max_precision": "3",
        }
    )
    assert flt == Filter(
        statuses=("planned",), sectors=("road",), year_from=2026, search="dt 923", max_precision=3
    )
    assert [p.code for p in problems] == [
        "unknown_parameter",
        "unknown_value",
        "not_a_whole_number",
        "bad_bbox",
    ]
    assert problems[1].params["value"] == "foo"
    # from after to: both dropped; a repeated scalar is dropped
    flt, problems = Filter.from_params_lenient({"from": "2030", "to": "2026", "in_year": ["2020", "2021"]})
    assert flt == Filter() and [p.code for p in problems] == ["repeated_parameter", "from_after_to"]
    # nothing wrong: same as the strict parser
    params = {"status": "planned,operating", "in_year": "2024", "commune": "ninh kieu"}
    assert Filter.from_params_lenient(params) == (Filter.from_params(params), ())


def test_communes_and_districts_split_at_commas_owners_do_not(frame: gpd.GeoDataFrame) -> None:
    assert Filter.from_params({"commune": "tan an, o mon"}).communes == ("tan an", "o mon")
    assert Filter.from_params({"district": ["ninh kieu,o mon", "binh thuy"]}).districts == (
        "ninh kieu",
        "o mon",
        "binh thuy",
    )
    owner = "Các Sở: Công Thương, Tài nguyên và Môi trường"
    assert Filter.from_params({"owner": [owner, "Bộ Xây dựng"]}).owners == (owner, "Bộ Xây dựng")
    both = Filter.from_params({"commune": "tan an,o mon"})
    assert ids(both.apply(frame, strict=True)) == ["dt-923", "kcn-o-mon"]


def test_in_year_parameter_implies_undated_exclude(frame: gpd.GeoDataFrame) -> None:
    implied = Filter.from_params({"in_year": "2030"})
    assert implied.undated == "exclude"
    assert ids(implied.apply(frame)) == ["bv-ung-buou", "cang-cai-cui", "cau-cai-rang-2", "dt-923", "ql-91"]
    explicit = Filter.from_params({"in_year": "2030", "undated": "include"})
    assert explicit.undated == "include" and "kcn-o-mon" in ids(explicit.apply(frame))
    assert Filter.from_params({"from": "2026"}).undated == "include"  # only in_year implies it
    for flt in (implied, explicit, Filter(in_year=2030)):  # round trip: undated always written
        assert flt.to_params()["undated"] == flt.undated
        assert Filter.from_params(flt.to_params()) == flt


def test_describe_in_vietnamese() -> None:
    f = Filter(statuses=("planned",), sectors=("road",), year_from=2026, year_to=2030, undated="exclude")
    assert (
        f.describe()
        == f.describe("en")
        == (
            "status: Planned (planned); sector: Road (road); period overlaps 2026–2030; "
            "projects with no period excluded"
        )
    )
    vi = f.describe(lang="vi")
    assert vi == (
        f"tình trạng: {schema.STATUSES['planned'][0]}; lĩnh vực: {schema.SECTORS['road'][0]}; "
        "giai đoạn giao với 2026–2030; không gồm dự án chưa có giai đoạn"
    )
    assert Filter().describe("vi") == "tất cả dự án (không lọc)"
    every = Filter(
        funding_types=("oda",),
        scopes=("city",),
        owners=("Sở Y tế",),
        communes=("Tân An",),
        districts=("Ninh Kiều",),
        in_year=2024,
        max_precision=2,
        bbox=(105.5, 9.8, 106.0, 10.3),
        search="cầu",
    )
    text = every.describe("vi")
    for piece in (
        "loại nguồn vốn: ",
        "phạm vi: ",
        "cơ quan chủ trì: Sở Y tế",
        "xã, phường (sau 2025): Tân An",
        "quận, huyện cũ (trước 2025): Ninh Kiều",
        "đã khởi công đến năm 2024",
        "gồm cả dự án chưa có giai đoạn",
        f"độ chính xác vị trí 2 ({schema.PRECISION[2][0]})",
        "105.5, 9.8, 106, 10.3",
        'có từ khóa "cầu"',
    ):
        assert piece in text, piece
    assert not any(word in text for word in (" or ", "period", "status"))


# ------------------------------------------------------------------ owner names holding commas


def owners_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with owners as in the real register: names with commas, a group owner, two entries."""
    out = frame.copy()
    cells = {
        "kcn-o-mon": "Sở Văn hóa, Thể thao và Du lịch",
        "cau-cai-rang-2": "Các Sở: Công Thương, Tài nguyên và Môi trường",
        "cang-cai-cui": "Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố; Sở Y tế",
    }
    for ident, owner in cells.items():
        out.loc[out["id"] == ident, "owner"] = owner
    return out


def test_strict_owner_accepts_whole_names_with_commas(frame: gpd.GeoDataFrame) -> None:
    owned = owners_frame(frame)
    for owner, expected in [
        ("Sở Văn hóa, Thể thao và Du lịch", ["kcn-o-mon"]),
        ("so van hoa, the thao va du lich", ["kcn-o-mon"]),
        ("Các Sở: Công Thương, Tài nguyên và Môi trường", ["cau-cai-rang-2"]),
        ("Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố", ["cang-cai-cui"]),
        # pieces the matching accepted before stay accepted
        ("Tài nguyên và Môi trường", ["cau-cai-rang-2"]),
        ("Thể thao và Du lịch", ["kcn-o-mon"]),
        ("Sở Y tế", ["bv-ung-buou", "cang-cai-cui"]),
        ("Sở Xây dựng", ["cang-cai-cui", "dt-923"]),
    ]:
        assert ids(Filter(owners=(owner,)).apply(owned, strict=True)) == expected, owner
    Filter.from_params({"owner": "Sở Văn hóa, Thể thao và Du lịch"}).apply(owned, strict=True)


def test_strict_owner_error_lists_whole_names(frame: gpd.GeoDataFrame) -> None:
    owned = owners_frame(frame)
    assert ids(Filter(owners=("Nobody",)).apply(owned)) == []  # not strict: no check
    with pytest.raises(FilterError) as info:
        Filter(owners=("Nobody",)).apply(owned, strict=True)
    error = info.value
    assert error.code == "unknown_value" and error.params["field"] == "owner"
    allowed = error.params["allowed"].split("; ")
    expected = sorted(
        {
            entry
            for column in ("owner", "owner_current")
            for cell in owned[column]
            for entry in schema.split_list(cell)
        }
    )
    assert allowed == expected
    assert "Sở Văn hóa, Thể thao và Du lịch" in allowed and "Thể thao và Du lịch" not in allowed
    assert "Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố" in allowed and "Sở Y tế" in allowed
    assert "allowed values: " + "; ".join(expected) in str(error)


def test_real_every_owner_name_is_known_and_matches(real: gpd.GeoDataFrame) -> None:
    names = {e for c in ("owner", "owner_current") for cell in real[c] for e in schema.split_list(cell)}
    reported = {
        "Sở Văn hóa, Thể thao và Du lịch",
        "Bệnh viện Huyết học truyền máu, Sở Y tế",
        "Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố",
    }
    assert reported <= names
    for name in names:
        out = Filter(owners=(name,)).apply(real, strict=True)
        having = [
            i
            for i, a, b in zip(real["id"], real["owner"], real["owner_current"], strict=True)
            if name in schema.split_list(a) + schema.split_list(b)
        ]
        assert set(having) <= set(out["id"]) and having, name
    with pytest.raises(FilterError) as info:
        Filter(owners=("Nobody",)).apply(real, strict=True)
    assert set(info.value.params["allowed"].split("; ")) == names


# ------------------------------------------------------------------ undated="exclude" on its own


def test_undated_exclude_alone_drops_undated_projects(frame: gpd.GeoDataFrame) -> None:
    # cang-cai-cui and kcn-o-mon have no period (see test_timeframe_overlap)
    dated = ["bv-ung-buou", "cau-cai-rang-2", "dt-923", "ql-91"]
    excluded = Filter(undated="exclude")
    assert not excluded.is_empty
    assert ids(excluded.apply(frame)) == dated
    assert ids(Filter(undated="include").apply(frame)) == ids(frame)
    proposed_or_operating = Filter(statuses=("proposed", "operating"), undated="exclude")
    assert ids(proposed_or_operating.apply(frame)) == ["cau-cai-rang-2"]
    assert excluded.describe() == "projects with no period excluded"
    assert excluded.describe("vi") == "không gồm dự án chưa có giai đoạn"
    assert Filter(undated="include").describe() == "all projects (no filter)"
    # a project dated only by its history is dated
    history = frame.copy()
    history.loc[history["id"] == "kcn-o-mon", "period_history"] = "KH-UBND/2026=2026-2030"
    assert ids(excluded.apply(history)) == sorted([*dated, "kcn-o-mon"])


def test_undated_exclude_alone_round_trips_through_parameters() -> None:
    excluded = Filter(undated="exclude")
    assert excluded.to_params() == {"undated": "exclude"}
    assert Filter.from_params(excluded.to_params()) == excluded
    assert Filter.from_params_lenient({"undated": "exclude"}) == (excluded, ())
    assert Filter(undated="include").to_params() == {}
    with_status = Filter(statuses=("planned",), undated="exclude")
    assert Filter.from_params(with_status.to_params()) == with_status


def test_real_undated_exclude_alone(real: gpd.GeoDataFrame) -> None:
    dated = {
        i
        for i, s, e, h in zip(
            real["id"], real["period_start"], real["period_end"], real["period_history"], strict=True
        )
        if not (gpd.pd.isna(s) and gpd.pd.isna(e)) or parse_history(h)
    }
    out = set(Filter(undated="exclude").apply(real)["id"])
    assert out == dated and 0 < len(out) < len(real)


# ------------------------------------------------------------------ searches with nothing to search for


NO_WORDS = ["—", "'", "!!!", "–", "·", "« »", "?"]


@pytest.mark.parametrize("text", NO_WORDS)
def test_search_with_no_word_is_an_error(text: str) -> None:
    builds: list[Callable[[], Filter]] = [
        lambda: Filter(search=text),
        lambda: Filter.from_params({"search": text}),
    ]
    for build in builds:
        with pytest.raises(FilterError) as info:
            build()
        assert info.value.code == "no_search_words"
        assert info.value.params == {"field": "search", "value": text}
        assert "no letter or digit" in str(info.value) and "\n" not in str(info.value)
    flt, problems = Filter.from_params_lenient({"search": text, "status": "planned"})
    assert flt == Filter(statuses=("planned",))
    assert [p.code for p in problems] == ["no_search_words"]


def test_blank_search_is_no_search(frame: gpd.GeoDataFrame) -> None:
    for text in ("", "   ", "\u00a0"):
        flt = Filter(search=text)
        assert flt.search == "" and flt.is_empty
        assert Filter.from_params({"search": text}) == Filter()


def test_look_alike_d_finds_the_road(frame: gpd.GeoDataFrame) -> None:
    for query in ("\u00d0ường tỉnh 923", "\u00d0T 923", "\u00f0t923", "Ð", "Đ"):
        flt = Filter(search=query)
        assert "dt-923" in ids(flt.apply(frame)), query
        assert flt.describe() == f'text matches "{query}"'
    assert ids(Filter(search="\u00d0ường tỉnh 923").apply(frame)) == ["dt-923"]


def test_real_look_alike_d_equals_d(real: gpd.GeoDataFrame) -> None:
    found = list(Filter(search="\u00d0ường tỉnh 923").apply(real)["id"])
    assert found and found == list(Filter(search="Đường tỉnh 923").apply(real)["id"])
    for name in real["name_vi"]:
        if "Đ" in name:
            look_alike = name.replace("Đ", "\u00d0").replace("đ", "\u00f0")
            assert list(Filter(search=look_alike).apply(real)["id"]) == list(
                Filter(search=name).apply(real)["id"]
            ), name


def test_by_relevance_lists_best_hits_first(frame: gpd.GeoDataFrame) -> None:
    ranked = by_relevance(frame, "binh thuy")
    assert sorted(ids(ranked)) == sorted(ids(frame))  # reordered, nothing dropped
    ranks = relevance(ranked, "binh thuy").to_list()
    assert ranks == sorted(ranks) and ranks[0] < ranks[-1]
    assert by_relevance(frame, "") is frame


def test_real_owner_department_answers_with_or_without_so(real: gpd.GeoDataFrame) -> None:
    """One department of a group owner ("Các Sở: Công Thương, …") is found as "Công Thương", "Sở
    Công Thương" or "Các Sở: Công Thương"; a department name holding a comma is found in a group."""

    def found(owner: str) -> set[str]:
        return set(Filter(owners=(owner,)).apply(real, strict=True)["id"])

    group = found("Các Sở: Công Thương")
    assert group and found("Công Thương") == found("Sở Công Thương") == group
    assert found("Sở Y tế") == found("Y tế") and len(found("Y tế")) > 0
    culture = found("Văn hóa, Thể thao và Du lịch")
    assert culture == found("Sở Văn hóa, Thể thao và Du lịch") and len(culture) > 0
    assert any("Các Sở" in real.set_index("id").loc[i, "owner"] for i in culture)  # found in a group


# ------------------------------------------------------------------ the criteria as data


def test_the_criteria_cover_every_filter_field_once() -> None:
    from portfolio.query import PARAMETERS

    assert sorted(p.field for p in PARAMETERS) == sorted(filter_fields())
    assert len({p.name for p in PARAMETERS}) == len(PARAMETERS)


def test_the_box_widget_writes_the_bbox_as_to_params_does() -> None:
    """The app's URL (the widgets' parameters) spells the box as :meth:`Filter.to_params` does."""
    from portfolio.query.widgets import widget_params, widget_values

    flt = Filter(bbox=(105.712345678, 10.00001, 105.8, 10.1))
    years = (2000, 2050)
    assert widget_params(widget_values(flt, years), years)["bbox"] == flt.to_params()["bbox"]


@pytest.mark.parametrize(
    "flt",
    [
        Filter(),
        Filter(statuses=("planned",), sectors=("road", "bridge"), owners=("Sở Xây dựng, Thể thao",)),
        Filter(communes=("Ninh Kiều",), districts=("Ô Môn",), search="dt 923"),
        Filter(year_from=2021, year_to=2025, undated="exclude"),
        Filter.from_params({"in_year": "2024"}),
        Filter(in_year=2024, undated="include", bbox=(105.7, 10.0, 105.8, 10.1)),
        Filter(max_precision=schema.APPROXIMATE_FROM - 1, funding_types=("oda",), scopes=("city",)),
    ],
)
def test_the_sidebar_widgets_show_a_filter_and_give_it_back(flt: Filter) -> None:
    """widget values of a filter → the parameters they say → the same filter (years within the range)."""
    from portfolio.query.widgets import KINDS, sidebar_criteria, widget_params, widget_values

    assert {c.widget.kind for c in sidebar_criteria() if c.widget} <= set(KINDS)
    years = (2000, 2050)
    values = widget_values(flt, years)
    again, problems = Filter.from_params_lenient(widget_params(values, years))
    assert problems == () and again == flt
    assert widget_values(again, years) == values
