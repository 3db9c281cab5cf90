"""Gantt data: current periods, earlier documents' periods (slippage), year bounds, the chart."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from portfolio import register, timeline
from tests.app_fixtures import make_app_register


@pytest.fixture
def frame(tmp_path):  # type: ignore[no-untyped-def]
    return register.load(*make_app_register(tmp_path / "t"))


def test_parse_history() -> None:
    assert timeline.parse_history("202/KH-UBND=2021-2025; KH-UBND/2026=2026-2030") == [
        ("202/KH-UBND", 2021, 2025),
        ("KH-UBND/2026", 2026, 2030),
    ]
    assert timeline.parse_history("") == []
    assert timeline.parse_history("garbage; 59-NQ/TW=2020-2030") == [("59-NQ/TW", 2020, 2030)]


def test_periods_show_current_and_earlier_bars(frame) -> None:  # type: ignore[no-untyped-def]
    data = timeline.periods(frame, "en")
    evil = data[data["id"] == "evil"]
    assert len(evil) == 2
    current = evil[evil["latest"]].iloc[0]
    earlier = evil[~evil["latest"]].iloc[0]
    assert (current["start"], current["end"], current["source"]) == (2026, 2030, "KH-UBND/2026")
    assert (earlier["start"], earlier["end"], earlier["source"]) == (2021, 2025, "202/KH-UBND")
    assert current["status_label"] == "Under construction"
    # Undated projects have no bar; dated ones one each.
    assert set(data["id"]) == {"dt-923", "evil", "cao-toc-ct", "cang-moi"}
    # Ordered by current start: the 2020 expressway first.
    assert data.sort_values("order").iloc[0]["id"] == "cao-toc-ct"


def test_only_one_year_or_only_history() -> None:
    rows = pd.DataFrame(
        [
            {
                "id": "a",
                "name_vi": "A",
                "status": "planned",
                "period_start": pd.NA,
                "period_end": 2030,
                "period_history": "",
            },
            {
                "id": "b",
                "name_vi": "B",
                "status": "proposed",
                "period_start": pd.NA,
                "period_end": pd.NA,
                "period_history": "59-NQ/TW=2021-2030",
            },
        ]
    )
    data = timeline.periods(rows)
    bars = set(zip(data["id"], data["start"], data["end"], strict=True))
    assert bars == {("a", 2030, 2030), ("b", 2021, 2030)}


def test_slippage(frame) -> None:  # type: ignore[no-untyped-def]
    slip = timeline.slippage(frame, "vi")
    assert list(slip["id"]) == ["evil"]
    row = slip.iloc[0]
    assert (row["first"], row["latest"], row["delay_years"]) == ("2021–2025", "2026–2030", 5)


def test_year_bounds(frame) -> None:  # type: ignore[no-untyped-def]
    assert timeline.year_bounds(frame) == (2020, 2030)
    assert timeline.year_bounds(frame.iloc[0:0]) == (2020, 2030)
    assert timeline.year_bounds(frame.iloc[0:0], default=(2000, 2001)) == (2000, 2001)


def test_year_bounds_trusts_only_a_derived_frame(frame) -> None:  # type: ignore[no-untyped-def]
    """The ``years_min`` / ``years_max`` columns are read only from a frame :func:`_derived.is_derived`
    calls derived (the mark and every derived column), else the periods are read."""
    partial = frame.drop(columns=["search_text"])  # the mark is carried, one derived column is not
    partial["years_min"] = 1900
    assert timeline.year_bounds(partial) == timeline.year_bounds(frame) == (2020, 2030)


def _layer(spec: dict[str, Any], mark: str, **props: Any) -> dict[str, Any]:
    """The one layer of ``spec`` drawing ``mark`` with these mark properties."""
    found = [
        layer
        for layer in spec["layer"]
        if layer["mark"]["type"] == mark and all(layer["mark"].get(k) == v for k, v in props.items())
    ]
    assert len(found) == 1, found
    layer: dict[str, Any] = found[0]
    return layer


def _rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    data: dict[str, Any] = layer.get("data") or spec["data"]
    return list(spec["datasets"][data["name"]])


def test_gantt_chart_has_layers_and_year_rule(frame) -> None:  # type: ignore[no-untyped-def]
    data = timeline.periods(frame, "en")
    spec = timeline.gantt_chart(data, "en", year=2027).to_dict()
    assert len(spec["layer"]) == 4  # year lines, earlier periods, latest periods, the year
    assert spec["height"] == {"step": 22}  # one row per project, whatever their number
    rule = _layer(spec, "rule", color="#c00")
    assert [r["year"] for r in _rows(spec, rule)] == [2027.5]  # through the middle of 2027
    no_rule = timeline.gantt_chart(data, "vi").to_dict()
    assert len(no_rule["layer"]) == 3


def test_bars_cover_whole_years_and_labels_sit_in_the_middle_of_each_year() -> None:
    """A 2017–2026 bar spans [2017, 2027) and its last labelled year is 2026: no "2027" tick at its end."""
    rows = pd.DataFrame(
        [
            {
                "id": "bv",
                "name_vi": "BV",
                "name_en": "BV",
                "status": "under_construction",
                "period_start": 2018,
                "period_end": 2022,
                "period_history": "202/KH-UBND=2018-2022; ngoài: CafeF 2025-11-11=2017-2026",
            }
        ]
    )
    spec = timeline.gantt_chart(timeline.periods(rows, "en"), "en").to_dict()
    latest = _layer(spec, "bar", size=9)
    assert latest["encoding"]["x"]["field"] == "start" and latest["encoding"]["x2"]["field"] == "end_excl"
    bar = next(r for r in _rows(spec, latest) if r["latest"])
    assert (bar["start"], bar["end_excl"]) == (2017, 2027)
    x = latest["encoding"]["x"]
    assert x["scale"]["domain"] == [2017, 2027]
    axis = x["axis"]
    assert axis["values"] == [y + 0.5 for y in range(2017, 2027)]
    assert axis["labelExpr"] == "format(floor(datum.value), 'd')" and axis["ticks"] is False
    inside = [v for v in axis["values"] if bar["start"] <= v < bar["end_excl"]]
    assert math.floor(inside[0]) == 2017 and math.floor(inside[-1]) == 2026
    # Thin lines where each year begins, behind the bars.
    grid = _layer(spec, "rule", color=timeline.YEAR_LINE_COLOR)
    assert spec["layer"].index(grid) == 0
    assert [r["year_start"] for r in _rows(spec, grid)] == list(range(2017, 2028))
    # The axis is shared by every layer: one with axis=None would hide it for all of them.
    with_year = timeline.gantt_chart(timeline.periods(rows, "en"), "en", year=2030).to_dict()
    assert with_year["layer"][1]["encoding"]["x"]["scale"]["domain"] == [2017, 2031]
    for layer in (*spec["layer"], *with_year["layer"]):
        assert layer["encoding"]["x"].get("axis", {}) is not None


def test_year_labels_thin_out_on_long_spans() -> None:
    assert timeline.year_labels(2017, 2027) == [y + 0.5 for y in range(2017, 2027)]
    assert timeline.year_labels(2010, 2031) == [y + 0.5 for y in range(2010, 2031, 2)]
    assert timeline.year_labels(1990, 2061) == [y + 0.5 for y in range(1990, 2061, 10)]
    assert len(timeline.year_labels(2001, 2050)) <= timeline.MAX_YEAR_LABELS
    assert timeline.year_labels(2030, 2031) == [2030.5]


def test_projects_with_the_same_name_keep_their_own_rows(frame) -> None:  # type: ignore[no-untyped-def]
    same = frame.copy()
    same["name_en"] = "Châu Đốc - Cần Thơ - Sóc Trăng Expressway, component project"
    data = timeline.periods(same, "en")
    spec = timeline.gantt_chart(data, "en").to_dict()
    latest = _layer(spec, "bar", size=9)["encoding"]["y"]
    assert latest["field"] == "id" and len(latest["sort"]) == data["id"].nunique() == 4
    assert "component project" in latest["axis"]["labelExpr"]


def test_outside_sources_and_earlier_end_years_are_labelled_honestly() -> None:
    rows = pd.DataFrame(
        [
            {
                "id": "ql91-km0-km7",
                "name_vi": "QL91",
                "name_en": "QL91",
                "status": "planned",
                "period_start": 2021,
                "period_end": 2024,
                "period_history": "202/KH-UBND=2021-2025; ngoài: VietTimes 2025=2021-2024",
            }
        ]
    )
    data = timeline.periods(rows, "en")
    assert set(data["source"]) == {"Outside source: VietTimes 2025", "202/KH-UBND"}
    assert not data["source"].str.contains("ngoài").any()
    assert set(timeline.periods(rows, "vi")["source"]) == {"Nguồn ngoài: VietTimes 2025", "202/KH-UBND"}
    slip = timeline.slippage(rows, "en").iloc[0]
    assert slip["latest_source"] == "Outside source: VietTimes 2025"
    assert slip["delay_years"] == -1  # moved earlier: negative, shown as "−1" under "End year change"


def test_axis_labels_are_distinct_and_short() -> None:
    long = "Châu Đốc - Cần Thơ - Sóc Trăng Expressway, component project {} ({} section)"
    names = {
        "a": long.format(1, "An Giang"),
        "b": long.format(2, "Cần Thơ"),
        "c": long.format(3, "Sóc Trăng"),
        "d": "Short name",
        "e": "Short name",
        "f": "x" * 200,
        "g": "x" * 200,
    }
    labels = timeline.axis_labels(names)
    assert len(set(labels.values())) == len(names)
    assert all(len(label) <= timeline.LABEL_CHARS for label in labels.values())
    assert labels["a"].startswith("Châu Đốc") and labels["a"].endswith("(An Giang section)")
    assert labels["d"] == "Short name [d]" and labels["f"].endswith("[f]")
    assert timeline.shorten_middle("abc", 10) == "abc"
    assert timeline.shorten_middle("abcdefghijkl", 7) == "abc…jkl"


def test_chart_axis_uses_the_distinct_labels(frame) -> None:  # type: ignore[no-untyped-def]
    chart = timeline.gantt_chart(timeline.periods(frame, "en"), "en").to_dict()
    text = str(chart)
    assert "labelExpr" in text and "labelLimit" in text


def test_appendix_period_in_the_columns_latest_period_from_the_history() -> None:
    """A Phụ lục II row keeps the appendix's period in its columns; the bar is the latest source's,
    the appendix's an earlier bar. A period the columns give that no history entry repeats is kept
    as an earlier bar too."""
    rows = pd.DataFrame(
        [
            {
                "id": "bv",
                "name_vi": "BV",
                "name_en": "BV",
                "status": "under_construction",
                "period_start": 2018,
                "period_end": 2022,
                "period_history": "202/KH-UBND=2018-2022; ngoài: Vietbao 2025=2017-2020; "
                "ngoài: CafeF 2025=2017-2026",
            },
            {
                "id": "x",
                "name_vi": "X",
                "name_en": "X",
                "status": "planned",
                "period_start": 2021,
                "period_end": 2025,
                "period_history": "ngoài: Báo Y 2025=2026-2030",
            },
        ]
    )
    data = timeline.periods(rows, "en")
    latest = data[data["latest"]].set_index("id")
    assert (latest.loc["bv", "start"], latest.loc["bv", "end"]) == (2017, 2026)
    assert latest.loc["bv", "source"] == "Outside source: CafeF 2025"
    earlier = data[~data["latest"]]
    assert set(zip(earlier["id"], earlier["start"], earlier["end"], strict=True)) == {
        ("bv", 2018, 2022),
        ("bv", 2017, 2020),
        ("x", 2021, 2025),
    }
    slip = timeline.slippage(rows, "en").set_index("id")
    assert (slip.loc["bv", "first"], slip.loc["bv", "latest"], slip.loc["bv", "delay_years"]) == (
        "2018–2022",
        "2017–2026",
        4,
    )


def test_latest_if_different() -> None:
    rows = pd.DataFrame(
        {
            "period_start": pd.array([2018, 2021, pd.NA, pd.NA], dtype="Int64"),
            "period_end": pd.array([2022, 2025, pd.NA, 2030], dtype="Int64"),
            "period_history": [
                "202/KH-UBND=2018-2022; ngoài: CafeF 2025=2017-2026",
                "202/KH-UBND=2021-2025",
                "KH-UBND/2026=2026-2030",
                "",
            ],
        },
        index=[10, 11, 12, 13],
    )
    assert timeline.latest_if_different(rows).to_dict() == {10: "2017–2026", 11: "", 12: "2026–2030", 13: ""}


def test_period_text_reads_one_year_as_that_year() -> None:
    rows = pd.DataFrame(
        {
            "period_start": pd.array([2021, pd.NA, 2030, pd.NA], dtype="Int64"),
            "period_end": pd.array([2025, 2021, pd.NA, pd.NA], dtype="Int64"),
            "period_history": ["", "", "", "KH-UBND/2026=2026-2030"],
        }
    )
    assert timeline.period_text(rows) == ["2021–2025", "2021", "2030", ""]
