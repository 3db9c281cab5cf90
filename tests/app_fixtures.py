"""A small but complete register for the app's tests (issue 4): every geometry family, every
status the map colours, an approximate location, a period that slipped between two plans, ports,
an expressway and the airport around two industrial parks, and a hostile name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.conftest import FIXTURE_BOUNDARY, base_row, write_geojson, write_register

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

HOSTILE = "<img src=x onerror=alert(1)> ${alert(2)} *bold*"

SRC_2021 = "202/KH-UBND (01/10/2021), Phụ lục II, dòng 5"
SRC_2026 = "KH-UBND/2026 (01/2026), mục II.4.2"


def app_rows() -> list[dict[str, str]]:
    return [
        base_row(
            communes="Phường Ninh Kiều; Phường Bình Thủy",
            admin_basis="source_text",
            districts_before_2025="Quận Ninh Kiều (Cần Thơ)",
        ),
        base_row(
            id="kcn-o-mon",
            name_vi="Khu công nghiệp Ô Môn",
            name_en="Ô Môn industrial park",
            sector="industrial_zone",
            owner="",
            funding_source="",
            funding_type="unknown",
            period_start="",
            period_end="",
            status="proposed",
            location_vi="quận Ô Môn",
            geocode_precision="3",
            communes="Phường Ô Môn",
            admin_basis="source_text",
            districts_before_2025="Quận Ô Môn (Cần Thơ)",
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
            id="evil",
            name_vi=HOSTILE,
            name_en=HOSTILE,
            sector="road",
            status="under_construction",
            period_start="2021",
            period_end="2025",  # the appendix period (SRC_2021 cites Phụ lục II)
            period_history="202/KH-UBND=2021-2025; KH-UBND/2026=2026-2030",
            sources=f"{SRC_2021}; {SRC_2026}; ngoài: Báo Cần Thơ, 'Khởi công', 2026-03-01",
            status_as_of="2026-01-31",
            status_source=SRC_2026,
            geocode_precision="1",
        ),
        base_row(
            id="cao-toc-ct",
            name_vi="Cao tốc Cần Thơ – Cà Mau",
            name_en="Cần Thơ – Cà Mau expressway",
            sector="expressway",
            status="completed",
            period_start="2020",
            period_end="2024",
            owner="Bộ Giao thông vận tải",
            geocode_precision="2",
        ),
        base_row(
            id="san-bay-ct",
            name_vi="Cảng hàng không quốc tế Cần Thơ",
            name_en="Cần Thơ airport",
            sector="airport",
            status="operating",
            period_start="",
            period_end="",
            funding_type="unknown",
            funding_source="",
            owner="",
            geocode_precision="1",
        ),
        base_row(
            id="cang-moi",
            name_vi="Cảng Ô Môn mới",
            name_en="New Ô Môn port",
            sector="port",
            status="planned",
            period_start="2026",
            period_end="2030",
            funding_type="ppp",
            owner="Sở Xây dựng",
            geocode_precision="2",
        ),
        base_row(
            id="kcn-song-hau",
            name_vi="Khu công nghiệp Sông Hậu",
            name_en="Sông Hậu industrial park",
            sector="industrial_zone",
            status="operating",
            period_start="",
            period_end="",
            owner="Công ty cổ phần Sông Hậu",
            funding_type="private",
            funding_source="Vốn nhà đầu tư",
            geocode_precision="1",
            scope="city",
        ),
    ]


def app_geometries() -> dict[str, dict[str, Any]]:
    return {
        "dt-923": {
            "type": "LineString",
            "coordinates": [[105.7525, 10.0021], [105.70, 9.99], [105.65, 10.01], [105.62, 10.08]],
        },
        "kcn-o-mon": {
            "type": "Polygon",
            "coordinates": [
                [[105.60, 10.10], [105.62, 10.10], [105.62, 10.12], [105.60, 10.12], [105.60, 10.10]]
            ],
        },
        "cang-cai-cui": {"type": "Point", "coordinates": [105.8436, 9.9947]},
        "evil": {"type": "LineString", "coordinates": [[105.70, 10.05], [105.80, 10.06]]},
        "cao-toc-ct": {
            "type": "LineString",
            "coordinates": [[105.70, 9.88], [105.75, 9.95], [105.78, 10.02]],
        },
        "san-bay-ct": {"type": "Point", "coordinates": [105.71, 10.085]},
        "cang-moi": {"type": "Point", "coordinates": [105.625, 10.125]},
        "kcn-song-hau": {
            "type": "Polygon",
            "coordinates": [
                [[105.80, 9.97], [105.82, 9.97], [105.82, 9.985], [105.80, 9.985], [105.80, 9.97]]
            ],
        },
    }


def background() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "river", "name_vi": "Sông Hậu", "name_en": "Hậu River"},
                "geometry": {"type": "LineString", "coordinates": [[105.56, 10.19], [105.89, 9.86]]},
            },
            {
                "type": "Feature",
                "properties": {"kind": "road", "name_vi": "Quốc lộ 91", "name_en": "National road 91"},
                "geometry": {"type": "LineString", "coordinates": [[105.60, 10.15], [105.78, 10.03]]},
            },
        ],
    }


def make_app_register(
    folder: Path, rows: list[dict[str, str]] | None = None, geometries: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Write the app's register into ``folder``; returns ``(register_csv, geodata_dir)``."""
    geodata = folder / "geodata"
    geodata.mkdir(parents=True, exist_ok=True)
    register = write_register(folder / "projects.csv", app_rows() if rows is None else rows)
    write_geojson(geodata / "projects.geojson", app_geometries() if geometries is None else geometries)
    write_geojson(
        geodata / "city_boundary.geojson",
        {"boundary": {"type": "Polygon", "coordinates": [FIXTURE_BOUNDARY]}},
    )
    text = json.dumps(background(), ensure_ascii=False)
    (geodata / "background.geojson").write_text(text, encoding="utf-8")
    return register, geodata


def counter(at: AppTest) -> str:
    """The page's counter ("2 trên 8 dự án"), the h2 of the strip above the map."""
    return next(m.value for m in at.markdown if m.value.startswith("## "))[3:]
