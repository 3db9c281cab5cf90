"""The Streamlit page through Streamlit's AppTest: sidebar, counter, table, URL state, escaping."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import FileUploader

from portfolio import assets, export, present, register
from portfolio.query import Filter
from tests.app_fixtures import HOSTILE, counter, make_app_register

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TOTAL = 8


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    reg, geo = make_app_register(tmp_path / "app")
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(reg))
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    return reg, geo


def run(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def param(at: AppTest, key: str) -> list[str]:
    value = at.query_params[key]
    return [value] if isinstance(value, str) else list(value)


def map_args(at: AppTest) -> dict[str, Any]:
    (component,) = at.get("component_instance")
    args: dict[str, Any] = json.loads(component.proto.json_args)
    return args


def map_message(at: AppTest) -> dict[str, Any]:
    """What the map is told to show: the message in the zero-height frame beside it
    (:func:`portfolio.mapview.filter_script`)."""
    for element in at.get("iframe"):
        proto = element.proto
        text = str(getattr(proto, "srcdoc", "") or getattr(getattr(proto, "iframe", None), "srcdoc", ""))
        if "__pfFilter" in text:
            message: dict[str, Any] = json.loads(text[text.index("var msg=") + 8 : text.index(";var top")])
            return message
    raise AssertionError("no map filter frame on the page")


def map_data(at: AppTest) -> tuple[str, dict[str, Any]]:
    """The map's project data as the browser fetches it: the published gzip file the script names
    (:func:`portfolio.mapview.publish_payload`), as text and parsed."""
    match = re.search(r'"\.\./\.\./app/static/(mapdata/[0-9a-f]+\.gz)"', map_args(at)["script"])
    assert match, "the map script names no data file"
    text = gzip.decompress((assets.STATIC_DIR / match.group(1)).read_bytes()).decode("utf-8")
    data: dict[str, Any] = json.loads(text)
    return text, data


def map_shown(at: AppTest, paths: tuple[Path, Path]) -> set[str]:
    """The ids of the register rows the map shows (the message's bit per row, register order)."""
    bits = np.unpackbits(np.frombuffer(base64.b64decode(map_message(at)["mask"]), dtype=np.uint8))
    ids = list(register.load(*paths)["id"])
    return {ident for ident, bit in zip(ids, bits[: len(ids)], strict=True) if bit}


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first displayed dataframe having ``column`` (non-widget dataframes expose no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def card_text(at: AppTest) -> str:
    """The card's other fields, under "more" (one Markdown block of ``**label:** value`` lines)."""
    return next(m.value for m in at.markdown if m.value.startswith(("**Mã:**", "**Id:**")))


def card_summary(at: AppTest) -> str:
    """The card's summary: ``**label:** value`` lines, then the sources as ``- **doc**…`` lines."""
    return next(m.value for m in at.markdown if m.value.startswith(("**Tình trạng:**", "**Status:**")))


def card_sources(at: AppTest) -> list[str]:
    return [line for line in card_summary(at).split("\n") if line.startswith("- ")]


def table(at: AppTest) -> pd.DataFrame:
    return next(d for d in at.dataframe if d.key == "table").value


def test_default_page_is_vietnamese_with_every_project(app_env: tuple[Path, Path]) -> None:
    at = run()
    assert at.title[0].value == "Bản đồ danh mục dự án hạ tầng Cần Thơ"
    assert counter(at) == f"{TOTAL} trên {TOTAL} dự án"
    assert len(table(at)) == TOTAL
    labels = {w.label for w in at.sidebar.multiselect}
    assert {
        "Tình trạng",
        "Lĩnh vực",
        "Cơ quan chủ trì",
        "Loại nguồn vốn",
        "Phạm vi",
        "Xã, phường (sau 2025)",
        "Quận, huyện cũ (trước 2025)",
    } <= labels
    assert at.sidebar.slider(key="f_years").value == (2020, 2030)
    assert at.sidebar.text_input(key="f_search").label == "Tìm kiếm"
    assert dict(at.query_params) == {}


def test_lang_en_switches_the_interface(app_env: tuple[Path, Path]) -> None:
    at = run({"lang": "en"})
    assert at.title[0].value == "Cần Thơ infrastructure portfolio map"
    assert counter(at) == f"{TOTAL} of {TOTAL} projects"
    assert at.sidebar.multiselect(key="f_status").label == "Status"
    assert "Name" in table(at).columns
    assert "Cái Cui port" in set(table(at)["Name"])
    assert at.button_group(key="view").options == [
        "Table",
        "Timeline",
        "Investors",
        "Export",
        "Review",
        "Charts",
    ]
    assert [e.label for e in at.main.expander] == ["Your layer"]
    assert [e.label for e in at.sidebar.expander] == ["Log in (editors)"]


def test_status_filter_updates_counter_table_map_and_url(app_env: tuple[Path, Path]) -> None:
    at = run()
    at.sidebar.multiselect(key="f_status").set_value(["operating"]).run()
    assert counter(at) == f"3 trên {TOTAL} dự án"
    assert set(table(at)["id"]) == {"cang-cai-cui", "san-bay-ct", "kcn-song-hau"}
    # The map holds every project; the filter frame beside it shows exactly the filtered ones.
    assert map_shown(at, app_env) == {"cang-cai-cui", "san-bay-ct", "kcn-song-hau"}
    assert map_message(at)["key"] == "status=operating"
    assert param(at, "status") == ["operating"]


def test_url_reproduces_the_view(app_env: tuple[Path, Path]) -> None:
    at = run({"status": "planned,under_construction", "sector": "road", "lang": "en"})
    assert counter(at) == f"2 of {TOTAL} projects"
    assert at.sidebar.multiselect(key="f_status").value == ["planned", "under_construction"]
    assert at.sidebar.multiselect(key="f_sector").value == ["road"]
    assert set(table(at)["id"]) == {"dt-923", "evil"}


def test_timeframe_slider_uses_overlap(app_env: tuple[Path, Path]) -> None:
    at = run()
    at.sidebar.checkbox(key="f_undated").uncheck()
    at.sidebar.slider(key="f_years").set_range(2026, 2030).run()
    # evil (2026-2030) and cang-moi (2026-2030) overlap; dt-923 (2021-2025), cao-toc (2020-2024) do not.
    assert set(table(at)["id"]) == {"evil", "cang-moi"}
    assert param(at, "from") == ["2026"] and param(at, "undated") == ["exclude"]
    at.sidebar.slider(key="f_years").set_range(2024, 2026).run()
    assert set(table(at)["id"]) == {"dt-923", "cao-toc-ct", "evil", "cang-moi"}


def test_a_year_outside_the_register_widens_the_sliders(app_env: tuple[Path, Path]) -> None:
    """?in_year=1990 is kept as 1990 (only the existing works with no period), not moved silently to
    the register's first year."""
    at = run({"in_year": "1990", "undated": "exclude"})
    assert at.sidebar.slider(key="f_year").value == 1990
    assert param(at, "in_year") == ["1990"]
    assert set(table(at)["id"]) == {"cang-cai-cui", "san-bay-ct", "kcn-song-hau"}
    assert at.sidebar.slider(key="f_years").value[0] == 1990  # one range for both sliders


def test_city_in_year(app_env: tuple[Path, Path]) -> None:
    existing = {"cang-cai-cui", "san-bay-ct", "kcn-song-hau"}  # operating, no period: there in any year
    at = run({"in_year": "2022", "undated": "exclude"})
    assert set(table(at)["id"]) == {"dt-923", "cao-toc-ct"} | existing
    assert at.sidebar.checkbox(key="f_use_year").value is True
    # Through the UI: turning the control on leaves the other undated projects out (kcn-o-mon, proposed).
    at = run()
    at.sidebar.checkbox(key="f_use_year").check().run()
    at.sidebar.slider(key="f_year").set_value(2026).run()
    assert at.sidebar.checkbox(key="f_undated").value is False
    assert set(table(at)["id"]) == {"dt-923", "cao-toc-ct", "evil", "cang-moi"} | existing
    assert param(at, "in_year") == ["2026"] and param(at, "undated") == ["exclude"]
    # The help says the rule the query applies.
    help_vi = at.sidebar.checkbox(key="f_use_year").help
    assert "giai đoạn mới nhất bắt đầu trong hoặc trước năm" in help_vi and "đang khai thác" in help_vi
    help_en = run({"lang": "en"}).sidebar.checkbox(key="f_use_year").help
    assert "latest period starts in or before" in help_en and "(operating or completed)" in help_en


def test_city_in_year_off_gives_the_no_period_box_back(app_env: tuple[Path, Path]) -> None:
    at = run()
    assert at.sidebar.checkbox(key="f_undated").value is True
    at.sidebar.checkbox(key="f_use_year").check().run()
    assert at.sidebar.checkbox(key="f_undated").value is False
    at.sidebar.checkbox(key="f_use_year").uncheck().run()
    assert at.sidebar.checkbox(key="f_undated").value is True
    assert counter(at) == f"{TOTAL} trên {TOTAL} dự án" and dict(at.query_params) == {}
    # Unticked before: unticked again after.
    at.sidebar.checkbox(key="f_undated").uncheck().run()
    at.sidebar.checkbox(key="f_use_year").check().run()
    at.sidebar.checkbox(key="f_use_year").uncheck().run()
    assert at.sidebar.checkbox(key="f_undated").value is False
    # Changed by the user meanwhile: their choice stays.
    at.sidebar.checkbox(key="f_use_year").check().run()
    at.sidebar.checkbox(key="f_undated").check().run()
    at.sidebar.checkbox(key="f_use_year").uncheck().run()
    assert at.sidebar.checkbox(key="f_undated").value is True
    # From a shared address: turning it off brings the undated projects back.
    at = run({"in_year": "2022"})
    assert at.sidebar.checkbox(key="f_undated").value is False
    at.sidebar.checkbox(key="f_use_year").uncheck().run()
    assert at.sidebar.checkbox(key="f_undated").value is True
    assert counter(at) == f"{TOTAL} trên {TOTAL} dự án"


def test_search_ignores_diacritics(app_env: tuple[Path, Path]) -> None:
    at = run()
    at.sidebar.text_input(key="f_search").input("cai cui").run()
    assert counter(at) == f"1 trên {TOTAL} dự án"
    assert param(at, "search") == ["cai cui"]


def test_a_search_with_no_word_is_dropped_alone(app_env: tuple[Path, Path]) -> None:
    planned = len(Filter(statuses=("planned",)).apply(register.load(*app_env)))
    assert 0 < planned < TOTAL
    at = run({"status": "planned"})
    at.sidebar.text_input(key="f_search").input("—").run()
    assert any("không có chữ cái hay chữ số" in w.value for w in at.warning)
    assert counter(at) == f"{planned} trên {TOTAL} dự án"
    assert param(at, "status") == ["planned"] and "search" not in at.query_params
    assert at.sidebar.multiselect(key="f_status").value == ["planned"]
    # A word again: the search applies and the warning goes.
    at.sidebar.text_input(key="f_search").input("ô môn").run()
    assert not at.warning and param(at, "search") == ["ô môn"]


def test_search_lists_the_best_hits_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app_fixtures import app_rows

    more = {"dt-923": {"notes": "Nối về cảng Cái Cui"}, "evil": {"location_vi": "Đường vào Cái Cui"}}
    reg, geo = make_app_register(tmp_path / "ranked", [{**r, **more.get(r["id"], {})} for r in app_rows()])
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(reg))
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    at = run({"search": "cai cui"})
    # Name first, then place, then notes only; without a search, the register's order.
    assert list(table(at)["id"]) == ["cang-cai-cui", "evil", "dt-923"]
    at.sidebar.text_input(key="f_search").input("").run()
    assert list(table(at)["id"])[:4] == ["dt-923", "kcn-o-mon", "cang-cai-cui", "evil"]


def test_commune_district_owner_funding_scope_filters(app_env: tuple[Path, Path]) -> None:
    at = run()
    at.sidebar.multiselect(key="f_commune").set_value(["Phường Ô Môn"]).run()
    assert list(table(at)["id"]) == ["kcn-o-mon"]
    at = run({"district": "Quận Ninh Kiều (Cần Thơ)"})
    assert list(table(at)["id"]) == ["dt-923"]
    at = run({"funding": "ppp"})
    assert list(table(at)["id"]) == ["cang-moi"]
    at = run({"owner": "Công ty cổ phần Sông Hậu"})
    assert list(table(at)["id"]) == ["kcn-song-hau"]
    at = run({"scope": "regional"})
    assert counter(at) == f"0 trên {TOTAL} dự án"


def test_hide_approximate(app_env: tuple[Path, Path]) -> None:
    at = run()
    at.sidebar.checkbox(key="f_approx").check().run()
    assert "kcn-o-mon" not in set(table(at)["id"])
    assert counter(at) == f"{TOTAL - 1} trên {TOTAL} dự án"


def test_clear_filters(app_env: tuple[Path, Path]) -> None:
    at = run({"status": "operating", "search": "cai cui"})
    assert counter(at) == f"1 trên {TOTAL} dự án"
    at.sidebar.button(key="reset").click().run()
    assert counter(at) == f"{TOTAL} trên {TOTAL} dự án"
    assert dict(at.query_params) == {}


def test_summary_figures(app_env: tuple[Path, Path]) -> None:
    at = run({"sector": "industrial_zone"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Km đường, tuyến"] == "0,0"  # Vietnamese decimal comma
    assert float(metrics["Ha khu, vùng"].replace(".", "").replace(",", ".")) > 0
    assert any("cập nhật đến 01/10/2021" in c.value for c in at.caption)  # dates in the page language
    at = run({"sector": "road", "lang": "en"})
    assert any("Status as of 31 January 2026" in c.value for c in at.caption)
    km = {m.label: m.value for m in at.metric}["km of roads and lines"]
    assert float(km.replace(",", "")) > 10


def test_bad_url_parameter_is_reported_and_the_page_still_works(app_env: tuple[Path, Path]) -> None:
    at = run({"status": "nonsense"})
    assert any("nonsense" in w.value for w in at.warning)
    assert counter(at) == f"{TOTAL} trên {TOTAL} dự án"


def test_hostile_name_is_text_everywhere(app_env: tuple[Path, Path]) -> None:
    at = run({"sel": "evil"})
    args = map_args(at)
    script = args["script"]
    # The name is data (HTML-safe JSON: < > & as \u003c \u003e \u0026) in the file the map fetches, shown
    # with textContent; no markup reaches the script or the file.
    text, data = map_data(at)
    assert "<img" not in script and "<img" not in text and "\\u003cimg src=x" in text
    assert HOSTILE in data["names"]
    assert HOSTILE in set(table(at)["Tên"])
    # The card is Markdown: every special character of the name is escaped.
    heading = next(e.label for e in at.expander if "img" in e.label)  # the card's title
    assert heading == "**" + present.md_escape(HOSTILE) + "**"
    assert "\\<img" in heading and "\\$" in heading and "\\*bold\\*" in heading
    assert "<img" not in card_text(at).replace("\\<img", "")


def test_card_shows_a_summary_first_and_the_rest_under_more(app_env: tuple[Path, Path]) -> None:
    at = run({"sel": "evil", "lang": "en"})
    summary = dict(
        line.split(":** ", 1) for line in card_summary(at).split("\n- ")[0].split("  \n") if ":** " in line
    )
    assert list(summary)[:2] == ["**Status", "**Period"]
    assert summary["**Status"].startswith("Under construction · ") and "days ago" in summary["**Status"]
    assert summary["**Period"] == "2021–2025 → 2026–2030 \\(KH\\-UBND/2026\\)"
    assert summary["**Owner"] == "Sở Giao thông vận tải"
    assert float(summary["**Length \\(km, EPSG\\:5897\\)"].replace("\\", "")) > 10
    assert "**Current owner" not in summary  # no rows of "—"
    assert [line.split("**")[1] for line in card_sources(at)] == [
        "202/KH\\-UBND",
        "KH\\-UBND/2026",
        "Outside source",
    ]
    more = dict(line.split(":** ", 1) for line in card_text(at).split("  \n"))
    assert more["**Id"] == "evil"
    assert more["**Location precision"].startswith("1 – Exact")
    assert "—" not in more.values() and all(more.values())
    assert more["**Sector"] == "Road \\(road\\)" and "**Status" not in more  # each field once


def test_map_has_local_assets_only_and_every_project(app_env: tuple[Path, Path]) -> None:
    at = run()
    args = map_args(at)
    assert args["js_links"] == ["../../app/static/vendor/leaflet/leaflet.js"]
    assert args["css_links"] == ["../../app/static/vendor/leaflet/leaflet.css"]
    assert set(args["returned_objects"]) <= {"last_object_clicked", "last_object_clicked_tooltip"}
    _, data = map_data(at)
    for ident in ("dt-923", "kcn-o-mon", "cang-cai-cui", "evil", "cao-toc-ct", "san-bay-ct"):
        assert ident in data["ids"]
    assert "openstreetmap" not in args["script"].lower()  # PORTFOLIO_TILES=none


def test_osm_tiles_toggle_adds_attribution(
    app_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTFOLIO_TILES", "osm")  # tiles allowed: the toggle is offered (on by default)
    at = run()
    at.sidebar.checkbox(key="tiles").uncheck().run()
    assert "tile.openstreetmap.org" not in map_args(at)["script"]
    at.sidebar.checkbox(key="tiles").check().run()
    script = map_args(at)["script"]
    assert "tile.openstreetmap.org" in script and "openstreetmap.org/copyright" in script


def test_no_tiles_toggle_where_tiles_are_switched_off(app_env: tuple[Path, Path]) -> None:
    at = run()  # PORTFOLIO_TILES=none (app_env)
    assert not [c for c in at.sidebar.checkbox if c.key == "tiles"]


def test_timeline_and_investors_views(app_env: tuple[Path, Path]) -> None:
    at = run({"lang": "en"})
    assert not [d for d in at.dataframe if "First document" in d.value.columns]  # only the chosen view runs
    at.button_group(key="view").set_value("timeline").run()
    slip = frame_with(at, "First document")
    assert list(slip["id"]) == ["evil"]
    assert param(at, "view") == ["timeline"]
    at.button_group(key="view").set_value("investors").run()
    investors = frame_with(at, "To port (km)")
    assert set(investors["id"]) == {"kcn-o-mon", "kcn-song-hau"}
    assert (investors["To port (km)"] >= 0).all()
    changes = frame_with(at, "Expected year")
    assert "New Ô Môn port" in set(changes["Project"])
    at.checkbox(key="draw_links").check().run()
    assert "pf-link" in map_args(at)["script"]
    # The links stay on the map when another view is shown.
    at.button_group(key="view").set_value("table").run()
    assert "pf-link" in map_args(at)["script"]
    assert "view" not in at.query_params


def test_view_from_the_url(app_env: tuple[Path, Path]) -> None:
    at = run({"view": "investors", "lang": "en"})
    assert frame_with(at, "To port (km)") is not None
    at = run({"view": "nonsense"})
    assert at.button_group(key="view").value == "table"


def test_export_buttons_and_exactly_filtered(app_env: tuple[Path, Path]) -> None:
    at = run({"status": "operating", "view": "export"})
    keys = {b.key for b in at.get("download_button")}
    assert {"export_geojson", "export_csv", "export_gpkg", "export_kml"} <= keys
    # The buttons call the library's exporter on the filtered frame: the same call, checked directly.
    reg, geo = app_env
    frame = Filter(statuses=("operating",)).apply(register.load(reg, geo))
    doc = json.loads(export.to_bytes(frame, "geojson"))
    assert len(doc["features"]) == 3


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[Any, str | None]]:
    """What each deferred download button would serve: placeholder file id -> (callable, file name)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, tuple[Any, str | None]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(
        self: MediaFileManager,
        data_callable: Any,
        mimetype: str | None,
        coordinates: str,
        file_name: str | None = None,
        **kwargs: Any,
    ) -> str:
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        seen[file_id] = (data_callable, file_name)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def download(at: AppTest, downloads: dict[str, tuple[Any, str | None]], key: str) -> tuple[bytes, str]:
    """The bytes and file name the download button ``key`` serves when clicked."""
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith(f"-{key}")]
    data, name = downloads[button.proto.deferred_file_id]
    return data(), str(name)


def test_export_in_vn2000(
    app_env: tuple[Path, Path], tmp_path: Path, downloads: dict[str, tuple[Any, str | None]]
) -> None:
    import pyogrio

    at = run({"view": "export", "status": "operating"})
    choice = at.radio(key="export_crs")
    assert choice.options == ["WGS 84 (EPSG:4326)", "VN-2000 (EPSG:5897)"]
    assert choice.value == "EPSG:4326"
    _, name = download(at, downloads, "export_gpkg")
    assert name == "cantho-projects-wgs84.gpkg"
    assert len([c for c in at.caption if c.value.startswith("Chỉ WGS 84")]) == 2
    choice.set_value("EPSG:5897").run()
    data, name = download(at, downloads, "export_gpkg")
    assert name == "cantho-projects-vn2000.gpkg"
    path = tmp_path / name
    path.write_bytes(data)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:5897" and info["features"] == 3
    for fmt, ext in (("shp", "zip"), ("csv", "csv"), ("dxf", "dxf")):
        assert download(at, downloads, f"export_{fmt}")[1] == f"cantho-projects-vn2000.{ext}"
    # GeoJSON (RFC 7946) and KML are WGS 84 only, and say so by their buttons.
    data, name = download(at, downloads, "export_geojson")
    assert name == "cantho-projects-wgs84.geojson" and len(json.loads(data)["features"]) == 3
    assert download(at, downloads, "export_kml")[1] == "cantho-projects-wgs84.kml"
    notes = [c.value for c in at.caption if c.value.startswith("Chỉ WGS 84")]
    assert len(notes) == 2 and any("RFC 7946" in n for n in notes)
    # The choice is kept while another view is shown.
    at.button_group(key="view").set_value("table").run()
    at.button_group(key="view").set_value("export").run()
    assert at.radio(key="export_crs").value == "EPSG:5897"


def test_register_error_is_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reg, geo = make_app_register(tmp_path / "bad")
    reg.write_text("id,name\n1,x\n", encoding="utf-8")
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(reg))
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "lỗi" in at.error[0].value


def test_single_project_register_and_empty_selection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app_fixtures import app_geometries, app_rows

    rows = [{**r, "period_start": "2030"} for r in app_rows() if r["id"] == "cang-moi"]  # one year only
    geoms = {k: v for k, v in app_geometries().items() if k == "cang-moi"}
    reg, geo = make_app_register(tmp_path / "one", rows, geoms)
    (geo / "background.geojson").unlink()  # no background layer: the map still works
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(reg))
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    at = run()
    assert counter(at) == "1 trên 1 dự án"
    at = run({"status": "completed"})
    assert counter(at) == "0 trên 1 dự án"
    assert any("Không có dự án" in i.value for i in at.info)


def test_switching_language_keeps_the_filters(app_env: tuple[Path, Path]) -> None:
    at = run({"status": "operating", "search": "cai"})
    assert counter(at) == f"1 trên {TOTAL} dự án"
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Cần Thơ infrastructure portfolio map"
    assert counter(at) == f"1 of {TOTAL} projects"
    assert at.sidebar.multiselect(key="f_status").value == ["operating"]
    assert param(at, "lang") == ["en"] and param(at, "status") == ["operating"]


def test_every_offered_owner_commune_district_selects_something(app_env: tuple[Path, Path]) -> None:
    at = run()
    frame = register.load(*app_env)
    for key, param_name in (("f_owner", "owner"), ("f_commune", "commune"), ("f_district", "district")):
        options = at.sidebar.multiselect(key=key).options
        assert options, key
        for option in options:
            assert len(Filter.from_params({param_name: option}).apply(frame)) >= 1, (key, option)


def uploader(at: AppTest) -> FileUploader:
    (element,) = at.get("file_uploader")
    assert isinstance(element, FileUploader)
    return element


def _layer_bytes(tmp_path: Path, driver: str, suffix: str) -> bytes:
    import io
    import zipfile

    import geopandas as gpd
    import shapely

    flood = gpd.GeoDataFrame(
        {"name": ["<b>vùng ngập</b>"]}, geometry=[shapely.box(105.59, 10.09, 105.63, 10.13)], crs=4326
    )
    if driver == "ESRI Shapefile":
        folder = tmp_path / "shp"
        folder.mkdir()
        flood.to_crs("EPSG:5897").to_file(folder / "flood.shp", driver=driver)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
        return buffer.getvalue()
    path = tmp_path / f"flood{suffix}"
    flood.to_file(path, driver=driver)
    return path.read_bytes()


@pytest.mark.parametrize(
    "driver,suffix", [("GeoJSON", ".geojson"), ("GPKG", ".gpkg"), ("KML", ".kml"), ("ESRI Shapefile", ".zip")]
)
def test_uploaded_layer_is_drawn_and_intersections_listed(
    app_env: tuple[Path, Path], tmp_path: Path, driver: str, suffix: str
) -> None:
    at = run({"lang": "en"})
    data = _layer_bytes(tmp_path, driver, suffix)
    uploader(at).set_value((f"flood{suffix}", data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any(m.value == "**2 projects intersect your layer**" for m in at.markdown)
    hits = frame_with(at, "Length (km)")
    assert set(hits["id"]) >= {"kcn-o-mon", "cang-moi"}
    assert "pf-upload" in map_args(at)["script"]
    assert "<b>" not in map_args(at)["script"]


def test_the_map_frames_an_uploaded_layer(app_env: tuple[Path, Path], tmp_path: Path) -> None:
    at = run({"sel": "evil", "lang": "en"})
    assert map_args(at)["center"] == pytest.approx([10.055, 105.75])
    data = _layer_bytes(tmp_path, "GeoJSON", ".geojson")  # a 4.4 km square around (10.11, 105.61)
    uploader(at).set_value(("flood.geojson", data, "application/geo+json")).run()
    args = map_args(at)
    assert args["center"] == pytest.approx([10.11, 105.61]) and args["zoom"] == 13
    # Reruns keep the frame (the selected project stays selected).
    at.sidebar.multiselect(key="f_status").set_value(["under_construction"]).run()
    assert map_args(at)["center"] == pytest.approx([10.11, 105.61])
    assert param(at, "sel") == ["evil"]


def test_bad_upload_gets_a_readable_error_and_the_page_works(app_env: tuple[Path, Path]) -> None:
    at = run({"lang": "en"})
    bogus = ("zone.zip", b"PK\x03\x04 not really a zip", "application/zip")
    uploader(at).set_value(bogus).run()
    assert not at.exception
    assert at.error and "zone\\.zip" in at.error[0].value  # Markdown-escaped file name
    assert counter(at) == f"{TOTAL} of {TOTAL} projects"
    assert "pf-upload" not in map_args(at)["script"]


def test_bbox_from_the_url_is_shown_and_cleared(app_env: tuple[Path, Path]) -> None:
    at = run({"bbox": "105.59,10.09,105.63,10.13", "lang": "en"})
    assert set(table(at)["id"]) == {"kcn-o-mon", "cang-moi"}
    assert any("Only projects within the box" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="reset").click().run()
    assert counter(at) == f"{TOTAL} of {TOTAL} projects"
    assert "bbox" not in at.query_params


def test_table_periods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app_fixtures import app_rows

    one_year = {"cang-moi": ("", "2030"), "cao-toc-ct": ("2020", ""), "dt-923": ("2024", "2024")}
    rows = [
        {**r, "period_start": one_year[r["id"]][0], "period_end": one_year[r["id"]][1]}
        if r["id"] in one_year
        else r
        for r in app_rows()
    ]
    reg, geo = make_app_register(tmp_path / "years", rows)
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(reg))
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    shown = table(run({"lang": "en"})).set_index("id")
    assert shown.loc["evil", "Period"] == "2021–2025"
    assert shown.loc["kcn-o-mon", "Period"] == ""
    # One year given is that single year, as the filter reads it (not "–2030" or "2020–").
    assert shown.loc["cang-moi", "Period"] == "2030"
    assert shown.loc["cao-toc-ct", "Period"] == "2020"
    assert shown.loc["dt-923", "Period"] == "2024"
    at = run({"lang": "en", "from": "2030", "to": "2030", "undated": "exclude"})
    assert "cang-moi" in set(table(at)["id"]) and "cao-toc-ct" not in set(table(at)["id"])


def test_clear_the_selection(app_env: tuple[Path, Path]) -> None:
    at = run({"sel": "evil", "lang": "en"})
    assert param(at, "sel") == ["evil"]
    at.button(key="clear_selection").click().run()
    assert "sel" not in at.query_params
    assert not [e for e in at.expander if e.label.startswith("**")]  # no card: the map takes the width
    assert map_args(at)["feature_group"] is None


def test_the_real_register_renders_in_every_view(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's own register: no exception in any view, every project counted and drawn."""
    for name in ("PORTFOLIO_REGISTER", "PORTFOLIO_GEODATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    real = register.load(register.ROOT / "projects.csv", register.ROOT / "geodata")
    total, drawn = len(real), int((real.geometry.notna() & ~real.geometry.is_empty).sum())
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert counter(at) == f"{total} of {total} projects"
    assert map_message(at)["n"] == total and drawn == total  # every project shown and drawable
    for view in ("timeline", "investors", "export", "table"):
        at.button_group(key="view").set_value(view).run()
        assert not at.exception, (view, at.exception)


def display_values(at: AppTest, column: str) -> list[str]:
    """What the browser shows in ``column`` of the first dataframe having it (a Styler's display
    values), as text."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    element = next(d for d in at.dataframe if column in d.value.columns)
    raw = element.proto.arrow_data.styler.display_values
    assert raw, f"{column}: the table is not formatted for the language"
    shown = convert_arrow_bytes_to_pandas_df(raw)
    return [str(v) for v in shown[column]]


def test_chips_are_relabelled_when_the_language_changes(app_env: tuple[Path, Path]) -> None:
    at = run({"status": ["planned", "operating"], "funding": "ppp", "lang": "en"})  # type: ignore[dict-item]
    assert at.sidebar.multiselect(key="f_status").value == ["planned", "operating"]
    at.sidebar.radio(key="lang").set_value("vi").run()
    status = at.sidebar.multiselect(key="f_status")
    # The values are pushed again (set_value), so the browser redraws the chips with the new labels.
    assert status.proto.set_value and list(status.proto.raw_values) == ["Kế hoạch", "Đang khai thác"]
    assert status.value == ["planned", "operating"]
    assert at.sidebar.multiselect(key="f_funding").proto.set_value
    assert param(at, "status") == ["planned", "operating"]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert list(at.sidebar.multiselect(key="f_status").proto.raw_values) == ["Planned", "Operating"]


def test_bad_address_warning_goes_once_the_filter_is_chosen(app_env: tuple[Path, Path]) -> None:
    at = run({"status": "foo"})
    assert any("foo" in w.value for w in at.warning)
    at.sidebar.multiselect(key="f_status").select("planned").run()
    assert not at.warning
    at = run({"status": "foo"})
    at.sidebar.button(key="reset").click().run()
    assert not at.warning
    # Switching the language alone keeps it (the address has not changed).
    at = run({"status": "foo"})
    at.sidebar.radio(key="lang").set_value("en").run()
    assert any("foo" in w.value for w in at.warning)


def test_draw_links_is_kept_in_the_address(app_env: tuple[Path, Path]) -> None:
    at = run({"view": "investors"})
    at.checkbox(key="draw_links").check().run()
    assert param(at, "links") == ["1"]
    at = run({"view": "investors", "links": "1"})
    assert at.checkbox(key="draw_links").value and "pf-link" in map_args(at)["script"]
    at.checkbox(key="draw_links").uncheck().run()
    assert "links" not in at.query_params and "pf-link" not in map_args(at)["script"]


def test_vietnamese_card_sources_and_tables(app_env: tuple[Path, Path]) -> None:
    at = run({"sel": "evil", "view": "investors"})
    card = card_text(at)
    assert present.md_escape("1 – Chính xác: Đúng vị trí hoặc tim tuyến") in card and "centreline" not in card
    sources = " ".join(card_sources(at))
    assert "Kế hoạch 202/KH" in sources and "People" not in sources and "Nguồn ngoài" in sources
    # Numbers in the language's style, still numbers underneath; no "None" for unmeasured distances.
    port = display_values(at, "Đến cảng (km)")
    assert all(re.fullmatch(r"\d+,\d\d", v) for v in port), port
    assert (frame_with(at, "Đến cảng (km)")["Đến cảng (km)"] >= 0).all()
    now = frame_with(at, "Hiện nay (km)")["Hiện nay (km)"]  # numbers, missing ones NaN
    assert now.isna().any() and (now.dropna() >= 0).all()
    shown = display_values(at, "Hiện nay (km)")
    assert "—" in shown and all(v == "—" or re.fullmatch(r"\d+,\d\d", v) for v in shown), shown
    # Cells with no value at all (a point's length) show "—" too, not Streamlit's "None".
    assert at.dataframe and all(d.proto.placeholder == "—" for d in at.dataframe)
    at = run({"lang": "en", "view": "investors"})
    assert all(re.fullmatch(r"\d+\.\d\d", v) for v in display_values(at, "To port (km)"))


def test_slippage_shows_the_signed_end_year_change(app_env: tuple[Path, Path]) -> None:
    at = run({"view": "timeline"})
    column = "Lệch năm kết thúc"
    assert display_values(at, column) == ["+5"]
    assert "ngoài" not in " ".join(frame_with(at, column).astype(str).stack())
    # A short header, narrow, with the explanation in the column's help.
    element = next(d for d in at.dataframe if column in d.value.columns)
    config = json.loads(element.proto.columns)[column]
    assert config["width"] == "small" and "+ là lùi lại, − là sớm hơn" in config["help"]
    # ... right after the name, so it is on screen without scrolling sideways; the id last
    assert list(element.value.columns[:2]) == ["Tên", column] and element.value.columns[-1] == "id"
    at = run({"view": "timeline", "lang": "en"})
    assert display_values(at, "Δ end (years)") == ["+5"]


def test_upload_messages_in_vietnamese(app_env: tuple[Path, Path]) -> None:
    at = run()
    uploader(at).set_value(("bad.gpkg", b"\x00\x01\x02binary\xff" * 20, "application/octet-stream")).run()
    error = at.error[0].value
    assert "bad\\.gpkg" in error and "không thuộc các định dạng" in error and "binary" not in error
    assert any(c.value.startswith("Chi tiết kỹ thuật") and "binary" in c.value for c in at.caption)
    flood = json.dumps(
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [105.75, 10.0]}}
    ).encode()
    at = run({"lang": "en"})
    uploader(at).set_value(("flood.geojson", flood, "application/geo+json")).run()
    assert any(c.value == "1 feature in your layer" for c in at.caption)


def test_export_filter_description_and_url_errors_in_the_language(app_env: tuple[Path, Path]) -> None:
    at = run({"view": "export", "status": "planned"})
    shown = " ".join(c.value for c in at.caption)
    assert present.md_escape(Filter(statuses=("planned",)).describe(lang="vi")) in shown
    at = run({"from": "2030", "to": "2025"})
    assert at.warning  # the message is the library's, translated when it carries a code


def test_bad_address_keeps_the_valid_parameters_and_speaks_vietnamese(app_env: tuple[Path, Path]) -> None:
    at = run({"status": ["operating", "foo"]})  # type: ignore[dict-item]
    assert at.sidebar.multiselect(key="f_status").value == ["operating"]
    warning = at.warning[0].value
    assert "foo" in warning and "không có giá trị" in warning and "unknown" not in warning
    at = run({"view": "export", "status": "planned", "lang": "en"})
    assert any("Planned" in c.value for c in at.caption)


def test_investors_show_a_card_per_park_and_frame_the_links(app_env: tuple[Path, Path]) -> None:
    at = run({"lang": "en", "view": "investors", "links": "1"})
    titles = [e.label for e in at.expander]
    assert any("Ô Môn" in t for t in titles), titles
    texts = [m.value.replace("\\", "") for m in at.markdown if m.value.replace("\\", "").startswith("Now: ")]
    assert len(texts) == 2 and any("From 2030: Port" in t for t in texts)  # one card per park
    args = map_args(at)
    assert args["center"] is not None and args["zoom"] is not None  # framed on the parks' links
