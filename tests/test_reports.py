"""PDF project sheet and portfolio report (portfolio.reports, ``portfolio report``), and the chart tables.

Every PDF is read back with poppler (Debian's poppler-utils): ``pdfinfo`` for the page count,
``pdftotext`` for the text (names with their diacritics, NFC), ``pdftotext -bbox`` for where each word
lies, and ``pdftoppm`` for the picture (the map is not blank).
"""

from __future__ import annotations

import io
import math
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from portfolio import i18n, palette, register, reports, timeline
from portfolio.measure import with_measures
from portfolio.query import Filter
from tests.conftest import FIXTURE_BOUNDARY, ROOT, base_row, write_geojson, write_register

LONG_NAME = (
    "Dự án đầu tư xây dựng tuyến đường liên kết vùng đồng bằng sông Cửu Long nối các trung tâm "
    "đô thị Cần Thơ, Vị Thanh, Sóc Trăng và Ngã Bảy với cảng biển Trần Đề, khu công nghiệp Ô Môn, "
    "cảng hàng không quốc tế và các khu dân cư dọc sông Hậu, giai đoạn thứ nhất mở rộng mặt đường "
    "và xây dựng hệ thống thoát nước, chiếu sáng, cây xanh đồng bộ"
)
#: The map's colour of "planned" as RGB (the reports draw statuses in the map's palette).
_PLANNED = palette.STATUS_COLORS["planned"]
PLANNED_BLUE = (int(_PLANNED[1:3], 16), int(_PLANNED[3:5], 16), int(_PLANNED[5:7], 16))


# ------------------------------------------------------------------------------------------ fixtures


def _rows() -> list[dict[str, str]]:
    return [
        base_row(
            investment_bn_vnd="3837",
            investment_kind="approved",
            investment_source='ngoài: Báo Đầu tư, "Đường tỉnh 923", 2021-05-01',
            period_history="202/KH-UBND=2021-2025; KH-UBND/2026=2026-2028",
            communes="Phường Ninh Kiều; Xã Thới Lai",
            districts_before_2025="Quận Ninh Kiều (Cần Thơ)",
            sources='202/KH-UBND (01/10/2021), Phụ lục II, dòng 5; ngoài: VnExpress, "Khởi công đường '
            'tỉnh 923", 2025-09-15',
        ),
        base_row(
            id="kcn-o-mon",
            name_vi="Khu công nghiệp Ô Môn",
            name_en="Ô Môn industrial park",
            sector="industrial_zone",
            owner="Ban Quản lý các khu chế xuất và công nghiệp",
            funding_type="private",
            funding_source="Vốn nhà đầu tư",
            period_start="2023",
            period_end="2027",
            status="under_construction",
            status_as_of="2025-06-30",
            location_vi="quận Ô Môn",
            investment_bn_vnd="1230",
            investment_kind="estimate",
            investment_source='ngoài: Cổng thông tin Cần Thơ, "KCN Ô Môn", 2025-06-30',
            geocode_precision="3",
        ),
        base_row(
            id="cang-cai-cui",
            name_vi="Cảng Cái Cui",
            name_en="Cái Cui port",
            sector="port",
            owner="",
            funding_source="",
            funding_type="unknown",
            period_start="",
            period_end="",
            status="operating",
            location_vi="Cái Cui",
            geocode_precision="1",
        ),
        base_row(
            id="duong-dai",
            name_vi=LONG_NAME,
            name_en="A long regional link road",
            status="planned",
            period_start="2026",
            period_end="2030",
            location_vi="nhiều xã, phường",
        ),
    ]


def _geometries() -> dict[str, Any]:
    return {
        "dt-923": {
            "type": "LineString",
            "coordinates": [[105.7525, 10.0021], [105.70, 9.99], [105.65, 10.01], [105.62, 10.08]],
        },
        "kcn-o-mon": {
            "type": "Polygon",
            "coordinates": [
                [[105.60, 10.10], [105.64, 10.10], [105.64, 10.14], [105.60, 10.14], [105.60, 10.10]]
            ],
        },
        "cang-cai-cui": {"type": "Point", "coordinates": [105.8436, 9.9947]},
        "duong-dai": {"type": "LineString", "coordinates": [[105.60, 9.90], [105.85, 10.15]]},
    }


def _make(folder: Path, rows: list[dict[str, str]], geometries: dict[str, Any]) -> tuple[Path, Path]:
    geodata = folder / "geodata"
    geodata.mkdir(parents=True)
    reg = write_register(folder / "projects.csv", rows)
    write_geojson(geodata / "projects.geojson", geometries)
    write_geojson(
        geodata / "city_boundary.geojson",
        {"boundary": {"type": "Polygon", "coordinates": [FIXTURE_BOUNDARY]}},
    )
    background = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "river", "name_vi": "Sông Hậu", "name_en": "Hậu River"},
                "geometry": {"type": "LineString", "coordinates": [[105.55, 10.15], [105.90, 9.90]]},
            }
        ],
    }
    (geodata / "background.geojson").write_text(__import__("json").dumps(background), encoding="utf-8")
    return reg, geodata


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _make(tmp_path_factory.mktemp("small"), _rows(), _geometries())


@pytest.fixture(scope="module")
def frame(small: tuple[Path, Path]) -> Any:
    return register.load(*small)


def _pdf(tmp: Path, data: bytes, name: str = "out.pdf") -> Path:
    assert data.startswith(b"%PDF-")
    path = tmp / name
    path.write_bytes(data)
    return path


def pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]


def text_of(path: Path, page: int | None = None, raw: bool = False) -> str:
    """The text of ``path`` (one page, or all); ``raw``: in the order it is drawn, so a table cell's
    wrapped lines follow each other rather than interleave with the next column's."""
    args = ["pdftotext", "-enc", "UTF-8"] + (["-raw"] if raw else [])
    args += ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def flat(text: str) -> str:
    """Words joined by single spaces (a wrapped line reads as one)."""
    return " ".join(text.split())


def words_with_boxes(
    path: Path,
) -> tuple[list[tuple[str, float, float, float, float]], list[tuple[float, float]]]:
    """Every word of ``path`` with its box, and each page's size (``pdftotext -bbox``)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r'<page width="([\d.]+)" height="([\d.]+)"', html)]
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', html
    )
    import html as html_module

    return [
        (html_module.unescape(w), float(a), float(b), float(c), float(d)) for a, b, c, d, w in found
    ], sizes


def page_image(path: Path, page: int = 1, dpi: int = 60) -> np.ndarray:
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def colour_pixels(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    """Pixels within ``tolerance`` of ``rgb`` (sum of the channels' differences)."""
    return int((np.abs(image - np.array(rgb)).sum(axis=2) < tolerance).sum())


def warm_pixels(image: np.ndarray) -> int:
    """Orange pixels, however pale (a zone's fill is see-through): red well above blue. Text is grey."""
    return int((image[..., 0] - image[..., 2] > 80).sum())


def km_of(frame: Any) -> float:
    lines = frame[frame.geometry.geom_type.str.contains("LineString")]
    return float(lines.to_crs("EPSG:5897").length.sum() / 1000)


def ha_of(frame: Any) -> float:
    zones = frame[frame.geometry.geom_type.str.contains("Polygon")]
    return float(zones.to_crs("EPSG:5897").area.sum() / 10_000)


# ------------------------------------------------------------------------------------- project sheet


@pytest.fixture(scope="module")
def sheet_vi(frame: Any, small: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = reports.project_sheet(
        "dt-923", "vi", frame=frame, geodata=small[1], register_version="abc123def4567890"
    )
    return _pdf(tmp_path_factory.mktemp("sheet"), data, "sheet-vi.pdf")


def test_sheet_is_one_page_with_the_card_in_vietnamese(sheet_vi: Path, frame: Any) -> None:
    assert pages(sheet_vi) == 1
    text = text_of(sheet_vi)
    assert unicodedata.normalize("NFC", text) == text
    words = flat(text)
    assert "Nâng cấp, mở rộng Đường tỉnh 923" in words
    assert "Kế hoạch, ngày 01/10/2021" in words  # status with its date, dd/mm/yyyy
    assert "202/KH-UBND (01/10/2021), Phụ lục II, dòng 5" in words  # status source
    assert "2021–2025" in words and "2026–2028" in words  # period and latest period
    assert "+3 năm" in words  # slippage of the end year: 2025 → 2028
    assert "3.837 tỷ đồng (Đã phê duyệt)" in words
    assert "Báo Đầu tư" in words
    assert "Phường Ninh Kiều; Xã Thới Lai" in words and "Quận Ninh Kiều (Cần Thơ)" in words
    assert i18n.number(km_of(frame[frame["id"] == "dt-923"]), 2, "vi") in words  # length, EPSG:5897
    assert 'VnExpress, "Khởi công đường tỉnh 923", 2025-09-15' in words  # sources in full
    assert "Lịch sử tình trạng và giai đoạn" in words and "KH-UBND/2026" in words
    assert "Sổ đăng ký phiên bản abc123def4567890" in words and "Trang 1/1" in words
    assert re.search(r"in ngày \d{2}/\d{2}/\d{4}", words)


def test_sheet_map_is_drawn(sheet_vi: Path) -> None:
    image = page_image(sheet_vi)
    # the project is drawn in its status colour (planned: blue) over the city's pale fill
    assert colour_pixels(image, PLANNED_BLUE) > 60
    assert colour_pixels(image, (0xF4, 0xF3, 0xEE), tolerance=6) > 2000
    top = image[: image.shape[0] // 2]
    assert top.std() > 20  # not a blank half page


def test_sheet_in_english_and_from_a_row(frame: Any, small: tuple[Path, Path], tmp_path: Path) -> None:
    row = frame[frame["id"] == "kcn-o-mon"].iloc[0]
    path = _pdf(tmp_path, reports.project_sheet(row, "en", frame=frame, geodata=small[1]))
    words = flat(text_of(path))
    assert "Ô Môn industrial park" in words and "Khu công nghiệp Ô Môn" in words
    assert "Under construction, as of 30 June 2025" in words
    assert "1,230 bn VND (Estimate)" in words
    assert i18n.number(ha_of(frame[frame["id"] == "kcn-o-mon"]), 2, "en") in words
    assert "Register version not stated" in words  # the frame carries no version: said, not invented
    assert warm_pixels(page_image(path)) > 60  # the zone, under construction: orange


def test_sheet_without_investment_columns(frame: Any, small: tuple[Path, Path], tmp_path: Path) -> None:
    older = frame.drop(columns=["investment_bn_vnd", "investment_kind", "investment_source"])
    path = _pdf(tmp_path, reports.project_sheet("dt-923", "vi", frame=older, geodata=small[1]))
    words = flat(text_of(path))
    assert "Tổng mức đầu tư (tỷ đồng) (không có)" in words
    report = _pdf(tmp_path, reports.portfolio_report(older, Filter(), "vi", geodata=small[1]), "r.pdf")
    assert "Không dự án nào có số liệu đầu tư có nguồn." in flat(text_of(report))


def test_sheet_with_audit_history(small: tuple[Path, Path], tmp_path: Path, frame: Any) -> None:
    entries = reports.project_history(*small, "dt-923")
    assert entries is not None and [e.kind for e in entries] == ["period", "period", "status"]
    path = _pdf(
        tmp_path, reports.project_sheet("dt-923", "en", frame=frame, geodata=small[1], history=entries)
    )
    words = flat(text_of(path))
    assert "Status and period history" in words and "2026–2028" in words and "1 October 2021" in words


def test_unknown_id_is_a_clear_error(frame: Any) -> None:
    with pytest.raises(reports.UnknownProjectError, match="no project has the id 'no-such-id'"):
        reports.project_sheet("no-such-id", "vi", frame=frame)


def test_long_name_wraps_within_the_page(frame: Any, small: tuple[Path, Path], tmp_path: Path) -> None:
    for data in (
        reports.project_sheet("duong-dai", "vi", frame=frame, geodata=small[1]),
        reports.portfolio_report(frame, Filter(), "vi", geodata=small[1]),
    ):
        path = _pdf(tmp_path, data)
        words, sizes = words_with_boxes(path)
        width = sizes[0][0]
        assert words and all(x0 >= 0 and x1 <= width for _, x0, _, x1, _ in words), "a word is off the page"
        found = {w for w, *_ in words}
        missing = [w for w in LONG_NAME.split() if w not in found]
        assert not missing, f"cut mid-word: {missing}"  # every word of the name is whole somewhere
        lines = {round(y0) for w, _, y0, _, _ in words if w == "Trần"}
        assert lines  # and the name took several lines rather than one line off the page
        assert flat(LONG_NAME) in flat(text_of(path, raw=True))


# --------------------------------------------------------------------------------- portfolio report


@pytest.fixture(scope="module")
def report_vi(
    frame: Any, small: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Any]:
    flt = Filter.from_params({"status": ["planned", "under_construction"]})
    selected = flt.apply(frame)
    data = reports.portfolio_report(
        selected, flt, "vi", total=len(frame), geodata=small[1], register_version="0123456789abcdef"
    )
    return _pdf(tmp_path_factory.mktemp("report"), data, "report.pdf"), selected


def test_report_says_filter_count_and_totals(report_vi: tuple[Path, Any], frame: Any) -> None:
    path, selected = report_vi
    words = flat(text_of(path))
    assert unicodedata.normalize("NFC", words) == words
    flt = Filter.from_params({"status": ["planned", "under_construction"]})
    assert flat(f"Bộ lọc: {flt.describe('vi')}") in words
    assert "tình trạng: Kế hoạch hoặc Đang thi công" in words
    assert f"{len(selected)} trên {len(frame)} dự án" in words and len(selected) == 3
    km, ha = km_of(selected), ha_of(selected)
    assert f"Tổng: {i18n.number(km, 1, 'vi')} km đường, tuyến; {i18n.number(ha, 0, 'vi')} ha" in words
    invest = pd.to_numeric(selected["investment_bn_vnd"]).sum()
    assert invest == 3837 + 1230
    assert f"Tổng mức đầu tư có nguồn: {i18n.number(invest, 0, 'vi')} tỷ đồng của 2 dự án" in words
    assert "Kế hoạch 2" in words and "Đang thi công 1" in words  # counts by status
    assert "Cảng Cái Cui" not in words  # exactly the filtered set: the operating port is out
    drawn = flat(text_of(path, raw=True))
    for name in selected["name_vi"]:
        assert flat(name) in drawn
    assert "+3" in words  # the slippage table: dt-923's end moved 2025 → 2028


def test_report_pages_have_headers_and_numbers(report_vi: tuple[Path, Any]) -> None:
    path, _ = report_vi
    n = pages(path)
    assert n >= 3  # figures and map; Gantt; table
    for page in range(1, n + 1):
        words = flat(text_of(path, page))
        assert words.startswith("Báo cáo danh mục dự án hạ tầng Cần Thơ · 3 trên 4 dự án")
        assert f"Trang {page}/{n}" in words and "0123456789abcdef" in words


def test_report_map_and_gantt_are_drawn(report_vi: tuple[Path, Any]) -> None:
    path, _ = report_vi
    first = page_image(path, 1)
    assert colour_pixels(first, PLANNED_BLUE) > 100 and warm_pixels(first) > 100
    gantt = page_image(path, 2)
    assert colour_pixels(gantt, PLANNED_BLUE) > 100  # the bars


def test_report_of_nothing_says_so(frame: Any, small: tuple[Path, Path], tmp_path: Path) -> None:
    flt = Filter.from_params({"search": "không có dự án nào như thế"})
    selected = flt.apply(frame)
    assert selected.empty
    path = _pdf(tmp_path, reports.portfolio_report(selected, flt, "en", total=len(frame), geodata=small[1]))
    assert pages(path) == 1
    words = flat(text_of(path))
    assert "No project matches this filter" in words
    assert flat(flt.describe("en")) in words and "0 of 4 projects" in words


def test_long_report_runs_over_pages_with_repeated_headers(tmp_path: Path) -> None:
    rows = [
        base_row(
            id=f"duong-{i:03d}",
            name_vi=f"Đường nối số {i} qua phường Cái Khế",
            name_en=f"Link road {i}",
            period_start=str(2015 + i % 12),
            period_end=str(2020 + i % 12),
        )
        for i in range(70)
    ]
    geoms = {
        r["id"]: {
            "type": "LineString",
            "coordinates": [[105.60 + i * 0.003, 9.95], [105.62 + i * 0.003, 10.05]],
        }
        for i, r in enumerate(rows)
    }
    reg, geodata = _make(tmp_path / "long", rows, geoms)
    full = register.load(reg, geodata)
    path = _pdf(tmp_path, reports.portfolio_report(full, Filter(), "vi", total=len(full), geodata=geodata))
    n = pages(path)
    assert n >= 6  # figures, three Gantt pages (26 projects each), two or more table pages
    text = text_of(path)
    for row in rows:
        assert row["id"] in text
    table_pages = [p for p in range(1, n + 1) if "Cơ quan chủ trì" in text_of(path, p)]
    assert len(table_pages) >= 2  # the table's header row repeats on each page it runs over
    assert i18n.number(km_of(full), 1, "vi") in flat(text)


# ------------------------------------------------------------------------------------- chart tables


def test_chart_tables_match_the_table() -> None:
    full = register.load(ROOT / "projects.csv", ROOT / "geodata")
    for flt in (
        Filter(),
        Filter.from_params({"status": ["planned"]}),
        Filter.from_params({"sector": ["road"]}),
    ):
        table = with_measures(flt.apply(full))
        charts = reports.chart_tables(table, "vi")
        for name, column in (("status", "status"), ("sector", "sector")):
            chart = charts[name].set_index("key")
            assert chart["projects"].sum() == len(table)
            expected = table.groupby(column).agg(
                n=("id", "size"), km=("length_km", "sum"), ha=("area_ha", "sum")
            )
            for key, row in expected.iterrows():
                assert chart.loc[key, "projects"] == row["n"]
                assert math.isclose(chart.loc[key, "km"], row["km"], abs_tol=0.01)
                assert math.isclose(chart.loc[key, "ha"], row["ha"], abs_tol=0.01)
        # investment: rows with a figure, a component left out when its parent (with a figure) is in
        has = table["investment_bn_vnd"].notna()
        with_figure = set(table.loc[has, "id"])
        counted = table[has & ~table["parent_id"].isin(with_figure - {""})]
        by_funding = counted.groupby("funding_type")["investment_bn_vnd"].sum()
        chart = charts["funding"].set_index("key")
        assert sorted(chart.index) == sorted(by_funding.index)
        for key, total in by_funding.items():
            assert math.isclose(chart.loc[key, "investment_bn_vnd"], total)
        owners = counted.assign(owner=counted["owner"].replace("", i18n.t("not_available", "vi")))
        by_owner = owners.groupby("owner")["investment_bn_vnd"].sum()
        chart = charts["owner"].set_index("key")
        assert math.isclose(chart["investment_bn_vnd"].sum(), by_owner.sum())
        for key, total in by_owner.items():
            assert math.isclose(chart.loc[key, "investment_bn_vnd"], total)
        # years: each dated project's latest period (the Gantt's bar)
        bars = timeline.periods(table, "vi")
        bars = bars[bars["latest"]]
        years = charts["years"]
        for what in ("start", "end"):
            mine = years[years["what"] == what].set_index("year")["projects"]
            assert mine.to_dict() == bars[what].value_counts().sort_index().to_dict()


def test_chart_tables_of_a_component_and_its_parent() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "a-1", "b-1"],
            "parent_id": ["", "a", "b"],
            "investment_bn_vnd": [100.0, 40.0, 7.0],
            "investment_kind": ["approved", "estimate", "estimate"],
        }
    )
    assert reports.investment_counted(frame).tolist() == [True, False, True]
    totals = reports.investment_totals(frame)
    assert (totals["total"], totals["approved"], totals["estimate"], totals["covered"]) == (
        107.0,
        100.0,
        7.0,
        1,
    )


# ---------------------------------------------------------------------------------------------- CLI


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "portfolio", "report", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_sheet_and_report(small: tuple[Path, Path], tmp_path: Path) -> None:
    reg, geodata = small
    inputs = ["--register", str(reg), "--geodata", str(geodata)]
    out = tmp_path / "sheet.pdf"
    done = cli(*inputs, "--id", "kcn-o-mon", "-o", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert pages(out) == 1 and "Ô Môn industrial park" in text_of(out)
    assert "Register version " in done.stdout
    report = tmp_path / "report.pdf"
    done = cli(*inputs, "--sector", "road", "--from", "2026", "-o", str(report))
    assert done.returncode == 0, done.stderr
    assert "Wrote the report of 2 of 4 projects" in done.stdout
    words = flat(text_of(report))
    assert "lĩnh vực: Đường bộ; giai đoạn giao với 2026–…" in words and "2 trên 4 dự án" in words


def test_cli_unknown_id_exits_1_naming_it(small: tuple[Path, Path], tmp_path: Path) -> None:
    reg, geodata = small
    out = tmp_path / "sheet.pdf"
    out.write_bytes(b"old")
    done = cli("--register", str(reg), "--geodata", str(geodata), "--id", "khong-co", "-o", str(out))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "'khong-co'" in lines[0]
    assert out.read_bytes() == b"old"  # nothing half-written


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("-", "standard output is not supported"),
        ("folder/", "names a folder"),
        ("report.txt", "must end in .pdf"),
        ("no-such-folder/report.pdf", "does not exist"),
        ("projects.csv", "refusing to write"),
    ],
)
def test_cli_bad_output_exits_2(small: tuple[Path, Path], output: str, message: str) -> None:
    reg, geodata = small
    target = str(reg) if output == "projects.csv" else str(reg.parent / output) if output != "-" else "-"
    if output == "folder/":
        target = str(reg.parent) + "/"
    done = cli("--register", str(reg), "--geodata", str(geodata), "-o", target)
    assert done.returncode == 2
    assert message in done.stderr


def test_cli_id_with_filters_is_a_usage_error(small: tuple[Path, Path], tmp_path: Path) -> None:
    reg, geodata = small
    done = cli(
        "--register",
        str(reg),
        "--geodata",
        str(geodata),
        "--id",
        "dt-923",
        "--status",
        "planned",
        "-o",
        str(tmp_path / "x.pdf"),
    )
    assert done.returncode == 2 and "give no filter flag" in done.stderr
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------------------------------------- app

from tests import test_app as _app  # noqa: E402 (the app tests' fixtures and helpers)

app_env, downloads, download, run = _app.app_env, _app.downloads, _app.download, _app.run


def test_app_sheet_button_by_the_card(
    app_env: tuple[Path, Path], downloads: dict[str, tuple[Any, str | None]], tmp_path: Path
) -> None:
    at = run({"sel": "kcn-o-mon"})
    data, name = download(at, downloads, "sheet_pdf")  # made only now, as on a click
    assert name == "phieu-du-an-kcn-o-mon.pdf"
    assert any(b.proto.label == "Tải phiếu dự án (PDF)" for b in at.get("download_button"))
    path = _pdf(tmp_path, data)
    assert pages(path) == 1
    words = flat(text_of(path))
    assert "Khu công nghiệp Ô Môn" in words
    reg, geo = app_env
    assert audit_version(reg, geo) in words  # the register version it was made from
    assert "sheet_pdf" not in {b.key for b in run().get("download_button")}  # no project, no button


def audit_version(reg: Path, geo: Path) -> str:
    from portfolio.changes import read_state

    return read_state(reg, geo).register_version()


def test_app_report_button_in_the_export_view(
    app_env: tuple[Path, Path], downloads: dict[str, tuple[Any, str | None]], tmp_path: Path
) -> None:
    at = run({"status": "operating", "view": "export", "lang": "en"})
    data, name = download(at, downloads, "report_pdf")
    assert name == "cantho-portfolio-report.pdf"
    words = flat(text_of(_pdf(tmp_path, data)))
    assert "Filter: status: Operating (operating)" in words
    reg, geo = app_env
    full = register.load(reg, geo)
    selected = Filter(statuses=("operating",)).apply(full)
    assert f"{len(selected)} of {len(full)} projects" in words
    for name_en in selected["name_en"]:
        assert flat(name_en) in flat(text_of(_pdf(tmp_path, data), raw=True))


def chart_data(chart: Any) -> pd.DataFrame:
    """The data set a chart of the page draws (Arrow, as Streamlit sends it)."""
    import pyarrow as pa

    (dataset,) = chart.proto.datasets
    return pa.ipc.open_stream(dataset.data.data).read_pandas()


def test_app_charts_follow_the_filter(app_env: tuple[Path, Path]) -> None:
    at = run({"view": "charts", "status": "operating,planned"})
    charts = at.get("vega_lite_chart")
    reg, geo = app_env
    table = with_measures(Filter(statuses=("operating", "planned")).apply(register.load(reg, geo)))
    from portfolio.reports.charts import altair_charts

    expected = altair_charts(reports.chart_tables(table, "vi"), "vi")
    assert len(charts) == len(expected) >= 4
    # the status chart draws the table's counts; the km/ha chart the table's sums
    drawn = chart_data(charts[0])
    assert dict(zip(drawn["key"], drawn["projects"], strict=True)) == table["status"].value_counts().to_dict()
    sizes = chart_data(charts[1])
    km = sizes[sizes["unit"] == "km"].set_index("key")["value"]
    for status, total in table.groupby("status")["length_km"].sum().items():
        assert math.isclose(km[status], total, abs_tol=0.001)
