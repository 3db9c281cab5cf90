"""The presentation layer: the project card, its history, sources and relatives, in both languages."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import pytest

from portfolio import i18n, measure, register, schema
from portfolio.address import copy_link_html
from portfolio.present import (
    SUMMARY_COLUMNS,
    card,
    card_rows,
    card_text,
    history_text,
    md_escape,
    precision_text,
    relatives,
    source_rows,
    status_line,
)
from tests.app_fixtures import HOSTILE, app_rows, make_app_register


@pytest.fixture
def data(tmp_path):  # type: ignore[no-untyped-def]
    reg, geo = make_app_register(tmp_path / "m")
    return register.load(reg, geo), register.load_boundary(geo), register.load_background(geo)


def _moved(tmp_path, **cells: str):  # type: ignore[no-untyped-def]
    """The app register with ``evil`` a Phụ lục II row (2021–2025) that a later plan moved to 2026–2030."""
    rows = app_rows()
    evil = next(r for r in rows if r["id"] == "evil")
    evil.update(
        {
            "period_start": "2021",
            "period_end": "2025",
            "period_history": "202/KH-UBND=2021-2025; KH-UBND/2026=2026-2030",
            "status_source": "ngoài: Báo Cần Thơ, 'Khởi công', 2026-03-01",
            **cells,
        }
    )
    frame = register.load(*make_app_register(tmp_path / "p", rows))
    return measure.with_measures(frame[frame["id"] == "evil"]).iloc[0]


def test_card_lists_every_column_measures_and_sources(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    row = measure.with_measures(frame[frame["id"] == "evil"]).iloc[0]
    rows = card_rows(row, "en")
    labels = [label for label, _ in rows]
    # Every column, the latest period where a later source moved it, the measured length.
    assert len(rows) == len(schema.COLUMNS) + labels.count("Latest period") + 1
    for column in schema.COLUMNS:
        assert any(label.startswith(i18n.column(column, "en")) for label in labels), column
    assert "Length (km, EPSG:5897)" in labels
    values = dict(rows)
    assert values["Status"] == "Under construction (under_construction)"
    assert values["Name (English)"] == HOSTILE  # plain text: the caller displays it as text
    assert values["Location precision"].startswith("1 – Exact: The site or centreline")
    sources = source_rows(row["sources"], "en")
    assert sources[0][0] == "202/KH-UBND" and sources[0][2] == "Phụ lục II, dòng 5"
    assert sources[0][1].startswith("1 October 2021 · City People's Committee plan 202/KH-UBND")
    assert sources[2][0] == "Outside source" and sources[2][2].startswith("Báo Cần Thơ")


def test_md_escape() -> None:
    assert md_escape("*a* $x$ <b> [l](u) #h") == "\\*a\\* \\$x\\$ \\<b\\> \\[l\\]\\(u\\) \\#h"
    assert md_escape(None) == ""


def test_card_numbers_follow_the_language(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    row = measure.with_measures(frame[frame["id"] == "kcn-o-mon"]).iloc[0].copy()
    row["official_area_ha"] = 1234.5
    vi = dict(card_rows(row, "vi"))
    en = dict(card_rows(row, "en"))
    assert vi["Diện tích chính thức (ha)"] == "1.234,5" and en["Official area (ha)"] == "1,234.5"
    assert "," in vi["Diện tích (ha, EPSG:5897)"] and "." in en["Area (ha, EPSG:5897)"]


def test_relatives_name_parent_and_components(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    family = frame.copy()
    family.loc[family["id"] == "evil", "parent_id"] = "dt-923"
    parent, children = relatives(family, "evil", "en")
    assert parent == "Upgrading and widening of provincial road 923 (dt-923)"
    assert children == []
    parent, children = relatives(family, "dt-923", "en")
    assert parent == "" and children == [f"{HOSTILE} (evil)"]


def test_card_precision_and_sources_in_vietnamese(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    row = measure.with_measures(frame[frame["id"] == "evil"]).iloc[0]
    values = dict(card_rows(row, "vi"))
    assert values["Độ chính xác vị trí"] == "1 – Chính xác: " + i18n.PRECISION_DEFINITIONS_VI[1]
    assert precision_text(4, "vi").startswith("4 – Cấp xã: Đặt đúng xã, phường")
    assert "Placed" not in precision_text(4, "vi")
    assert precision_text(4, "en").startswith("4 – Commune: Placed")
    sources = source_rows(row["sources"], "vi")
    assert sources[0][1].startswith("01/10/2021 · Kế hoạch 202/KH-UBND của Ủy ban nhân dân thành phố")
    assert "City People" not in " ".join(title for _, title, _ in sources)
    assert sources[2][0] == "Nguồn ngoài"


def test_card_shows_the_latest_period_where_it_moved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    row = _moved(tmp_path)
    rows = card_rows(row, "en")
    labels = [label for label, _ in rows]
    assert len(rows) == len(schema.COLUMNS) + 2  # every column, the latest period, the measured length
    start = labels.index("Start year (202/KH-UBND)")
    assert labels[start + 1 : start + 3] == ["End year (202/KH-UBND)", "Latest period"]
    values = dict(rows)
    assert values["Start year (202/KH-UBND)"] == "2021" and values["End year (202/KH-UBND)"] == "2025"
    assert values["Latest period"] == "2026–2030 (KH-UBND/2026)"
    assert values["Period in each document"] == "202/KH-UBND: 2021–2025; KH-UBND/2026: 2026–2030"
    assert values["Status source"] == "Outside source: Báo Cần Thơ, 'Khởi công', 2026-03-01"
    assert values["Sources"].endswith("; Outside source: Báo Cần Thơ, 'Khởi công', 2026-03-01")
    assert "ngoài" not in " ".join(v for _, v in rows)
    vi = dict(card_rows(row, "vi"))
    assert vi["Năm bắt đầu (202/KH-UBND)"] == "2021"
    assert vi["Giai đoạn mới nhất"] == "2026–2030 (KH-UBND/2026)"
    assert vi["Căn cứ tình trạng"].startswith("Nguồn ngoài: Báo Cần Thơ")


def test_card_has_no_latest_row_where_the_period_did_not_move(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    row = measure.with_measures(frame[frame["id"] == "dt-923"]).iloc[0]
    rows = card_rows(row, "en")
    labels = [label for label, _ in rows]
    assert "Latest period" not in labels and "Start year" in labels and "End year" in labels
    assert len(rows) == len(schema.COLUMNS) + 1
    assert dict(rows)["Period in each document"] == ""


def test_card_history_text_stays_plain_and_is_escaped_for_markdown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    row = _moved(tmp_path, status_source=f"ngoài: {HOSTILE}, 2026-03-01")
    values = dict(card_rows(row, "en"))
    assert values["Status source"] == f"Outside source: {HOSTILE}, 2026-03-01"  # the caller escapes it
    shown = md_escape(values["Status source"])
    assert "<img" not in shown.replace("\\<img", "") and "\\$" in shown
    assert history_text("ngoài: Báo X 2025-01-02=2017-2017; not an entry", "en") == (
        "Outside source: Báo X 2025-01-02: 2017; not an entry"
    )


def test_real_hospital_card_reads_its_latest_period(real: gpd.GeoDataFrame) -> None:
    row = measure.with_measures(real[real["id"] == "benh-vien-ung-buou-can-tho-500-giuong"]).iloc[0]
    vi = dict(card_rows(row, "vi"))
    assert vi["Giai đoạn mới nhất"] == "2017–2026 (Nguồn ngoài: CafeF 2025-11-11)"
    assert vi["Năm bắt đầu (202/KH-UBND)"] == "2018" and vi["Năm kết thúc (202/KH-UBND)"] == "2022"
    assert vi["Giai đoạn theo từng văn bản"] == (
        "202/KH-UBND: 2018–2022; Nguồn ngoài: Vietbao 2025-10-19: 2017–2020; "
        "Nguồn ngoài: CafeF 2025-11-11: 2017–2026"
    )
    en = card_rows(row, "en")
    assert dict(en)["Latest period"] == "2017–2026 (Outside source: CafeF 2025-11-11)"
    assert dict(en)["Status source"].startswith("Outside source: Người Lao Động")
    assert "ngoài" not in " ".join(v for _, v in en)


def test_card_summary_first_every_other_field_under_more(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    row = measure.with_measures(frame[frame["id"] == "evil"]).iloc[0]
    today = date.fromisoformat(str(row["status_as_of"])) + timedelta(days=40)
    c = card(row, frame, "en", today=today)
    assert c.title == HOSTILE and c.ident == "evil"
    labels = [label for label, _ in c.summary]
    assert labels[:3] == ["Status", "Period", "Owner"]
    status = dict(c.summary)["Status"]
    assert status.startswith("Under construction · 40 days ago (") and status.endswith(")")
    assert "Length (km, EPSG:5897)" in labels and "Area (ha, EPSG:5897)" not in labels
    assert all(value and value != "—" for _, value in [*c.summary, *c.more])  # no rows of "—"
    more = dict(c.more)
    assert more["Id"] == "evil" and "Status" not in more and "Owner" not in more
    # Every register column with a value is shown once, in the summary or under "more".
    for column in schema.COLUMNS:
        value = row.get(column)
        if column in ("name_vi", "name_en", "id") or value is None or value != value or str(value) == "":
            continue
        label = i18n.column(column, "en")
        in_summary = column in SUMMARY_COLUMNS
        assert in_summary or any(name.startswith(label) for name in more), column
    vi = card(row, frame, "vi", today=today)
    assert dict(vi.summary)["Tình trạng"].startswith("Đang thi công · cập nhật 40 ngày trước (")
    text = card_text(c, "en")
    assert text.splitlines()[0] == HOSTILE and "More fields" in text and "Sources" in text


def test_card_dates_read_in_the_page_language(data) -> None:  # type: ignore[no-untyped-def]
    frame, _, _ = data
    row = frame[frame["id"] == "evil"].iloc[0].copy()
    row["status_as_of"] = "2026-12-03"
    today = date(2026, 12, 4)
    assert status_line(row, "vi", today).endswith("(03/12/2026)")
    assert status_line(row, "en", today).endswith("(3 December 2026)")


def test_copy_link_page_is_a_native_button_with_text_only() -> None:
    page = copy_link_html(
        {"copy_link": "Copy </script><b>", "copy_link_done": "ok", "copy_link_failed": "no"}
    )
    assert '<button type="button" id="pf-copy-link">' in page and 'role="status"' in page
    assert "</script><b>" not in page and "textContent" in page and "innerHTML" not in page


def test_cli_show_prints_the_card_the_app_shows(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from portfolio.cli import main

    reg, geo = make_app_register(tmp_path / "c")
    assert main(["show", "evil", "--lang", "en", "--register", str(reg), "--geodata", str(geo)]) == 0
    out = capsys.readouterr().out
    frame = register.load(reg, geo)
    expected = card_text(card(measure.with_measures(frame[frame["id"] == "evil"]).iloc[0], frame, "en"), "en")
    assert out == expected + "\n"
    assert out.splitlines()[0] == HOSTILE and "Status " in out and "More fields" in out
    assert main(["show", "ghost", "--register", str(reg), "--geodata", str(geo)]) == 1
    assert "no project with id 'ghost'" in capsys.readouterr().err
