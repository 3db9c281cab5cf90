"""Shared fixtures: small registers built in ``tmp_path``; the real register is never edited."""

from __future__ import annotations

import csv
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portfolio import schema

ROOT = Path(__file__).resolve().parent.parent

# A small polygon around central Cần Thơ, standing in for the city boundary in fixture registers.
FIXTURE_BOUNDARY = [[105.55, 9.85], [105.90, 9.85], [105.90, 10.20], [105.55, 10.20], [105.55, 9.85]]


def base_row(**overrides: str) -> dict[str, str]:
    """A valid register row (a road) with every column; keyword arguments override cells."""
    row = {column: "" for column in schema.COLUMNS}
    row.update(
        id="dt-923",
        name_vi="Nâng cấp, mở rộng Đường tỉnh 923",
        name_en="Upgrading and widening of provincial road 923",
        sector="road",
        owner="Sở Giao thông vận tải",
        funding_source="NSNN và các nguồn huy động khác",
        funding_type="state_budget",
        period_start="2021",
        period_end="2025",
        status="planned",
        status_as_of="2021-10-01",
        status_source="202/KH-UBND (01/10/2021), Phụ lục II, dòng 5",
        sources="202/KH-UBND (01/10/2021), Phụ lục II, dòng 5",
        location_vi="Đường tỉnh 923",
        scope="city",
        geocode_precision="2",
    )
    row.update(overrides)
    return row


def fixture_rows() -> list[dict[str, str]]:
    """Three valid rows: a road (line), an industrial park (polygon) and a port (point)."""
    return [
        base_row(),
        base_row(
            id="kcn-o-mon", name_vi="Khu công nghiệp Ô Môn", name_en="Ô Môn industrial park",
            sector="industrial_zone", owner="", funding_source="", funding_type="unknown",
            period_start="", period_end="", status="proposed", location_vi="quận Ô Môn",
            official_area_ha="", geocode_precision="3",
        ),
        base_row(
            id="cang-cai-cui", name_vi="Cảng Cái Cui", name_en="Cái Cui port", sector="port",
            owner="", funding_source="", funding_type="unknown", period_start="", period_end="",
            status="operating", location_vi="Cái Cui", geocode_precision="1",
        ),
    ]


def fixture_geometries() -> dict[str, dict[str, Any]]:
    return {
        "dt-923": {"type": "LineString",
                   "coordinates": [[105.7525, 10.0021], [105.70, 9.99], [105.65, 10.01], [105.62, 10.08]]},
        "kcn-o-mon": {"type": "Polygon",
                      "coordinates": [[[105.60, 10.10], [105.62, 10.10], [105.62, 10.12],
                                       [105.60, 10.12], [105.60, 10.10]]]},
        "cang-cai-cui": {"type": "Point", "coordinates": [105.8436, 9.9947]},
    }


def fixture_geometries_with(**overrides: Any) -> dict[str, Any]:
    """The fixture geometries with some replaced; ``None`` drops one. ``kcn_o_mon`` = ``kcn-o-mon``."""
    geoms = fixture_geometries()
    for key, value in overrides.items():
        key = key.replace("_", "-")
        if value is None:
            geoms.pop(key)
        else:
            geoms[key] = value
    return geoms


def write_register(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or list(schema.COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_geojson(path: Path, geometries: dict[str, Any], extra: dict[str, Any] | None = None) -> Path:
    features = [{"type": "Feature", "properties": {"id": k}, "geometry": g} for k, g in geometries.items()]
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    doc.update(extra or {})
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


MakeRegister = Callable[..., tuple[Path, Path]]


@pytest.fixture
def make_register(tmp_path: Path) -> MakeRegister:
    """Build a register + geodata folder in ``tmp_path``; returns ``(register_csv, geodata_dir)``."""

    def make(rows: list[dict[str, str]] | None = None,
             geometries: dict[str, Any] | None = None, name: str = "reg") -> tuple[Path, Path]:
        folder = tmp_path / name
        geodata = folder / "geodata"
        geodata.mkdir(parents=True)
        register = write_register(folder / "projects.csv", fixture_rows() if rows is None else rows)
        geoms = fixture_geometries() if geometries is None else geometries
        write_geojson(geodata / "projects.geojson", geoms)
        write_geojson(geodata / "city_boundary.geojson", {"boundary": {"type": "Polygon",
                                                                        "coordinates": [FIXTURE_BOUNDARY]}})
        return register, geodata

    return make


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
