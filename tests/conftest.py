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
#: The real register of the repository, which the ``real`` fixture loads.
REAL_REGISTER = ROOT / "projects.csv"
REAL_GEODATA = ROOT / "geodata"

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
            official_area_ha="",
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
    ]


def fixture_geometries() -> dict[str, dict[str, Any]]:
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

    def make(
        rows: list[dict[str, str]] | None = None, geometries: dict[str, Any] | None = None, name: str = "reg"
    ) -> tuple[Path, Path]:
        folder = tmp_path / name
        geodata = folder / "geodata"
        geodata.mkdir(parents=True)
        register = write_register(folder / "projects.csv", fixture_rows() if rows is None else rows)
        geoms = fixture_geometries() if geometries is None else geometries
        write_geojson(geodata / "projects.geojson", geoms)
        write_geojson(
            geodata / "city_boundary.geojson",
            {"boundary": {"type": "Polygon", "coordinates": [FIXTURE_BOUNDARY]}},
        )
        return register, geodata

    return make


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- PostgreSQL + PostGIS (issue 9)

#: Environment variable with a superuser URL the database tests create their databases with.
ADMIN_URL_ENV = "PORTFOLIO_TEST_ADMIN_URL"
DEFAULT_ADMIN_URL = "postgresql://portfolio_test:portfolio_test@127.0.0.1:5432/postgres"


def admin_url() -> str:
    """The superuser URL of the test server (``PORTFOLIO_TEST_ADMIN_URL``, else the local default)."""
    import os

    return os.environ.get(ADMIN_URL_ENV) or DEFAULT_ADMIN_URL


def url_of(database: str, base: str | None = None) -> str:
    """``base`` (default: :func:`admin_url`) with its database name replaced by ``database``."""
    import urllib.parse

    parts = urllib.parse.urlsplit(base or admin_url())
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))


def _admin_connection() -> Any:
    """An autocommit superuser connection, or skip (fail under ``PORTFOLIO_REQUIRE_DB=1``)."""
    import os

    import psycopg

    try:
        return psycopg.connect(admin_url(), autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        message = f"no PostgreSQL server for the database tests at {ADMIN_URL_ENV}: {exc}"
        if os.environ.get("PORTFOLIO_REQUIRE_DB") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def new_database() -> Any:
    """Make databases for one test: ``new_database(postgis=True)`` returns the URL of a new, uniquely
    named database (``portfolio_test_<hex8>``), with the PostGIS extension unless ``postgis=False``;
    every database made is dropped after the test (connections to it are closed by force)."""
    import uuid

    from psycopg import sql

    admin = _admin_connection()
    made: list[str] = []

    def make(postgis: bool = True, owner: str | None = None) -> str:
        import psycopg

        name = f"portfolio_test_{uuid.uuid4().hex[:8]}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if owner:
            query = sql.SQL("{} OWNER {}").format(query, sql.Identifier(owner))
        admin.execute(query)
        made.append(name)
        url = url_of(name)
        if postgis:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
        return url

    yield make
    for name in made:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


@pytest.fixture
def database_url(new_database: Any) -> str:
    """A new database with PostGIS and no register schema yet (dropped after the test)."""
    return str(new_database())


@pytest.fixture
def register_database(database_url: str, make_register: MakeRegister) -> tuple[str, Path, Path]:
    """A database made by ``db init`` holding the fixture register pushed from ``make_register``:
    ``(url, register_csv, geodata_dir)``."""
    from portfolio.stores import postgis

    register, geodata = make_register()
    postgis.init(database_url)
    postgis.push(database_url, register, geodata)
    return database_url, register, geodata


@pytest.fixture(scope="module")
def real() -> Any:
    """The real register (``projects.csv`` + ``geodata/`` at the repository root), loaded as the app
    loads it. (A GeoDataFrame; typed ``Any`` so that this module does not import geopandas.)"""
    from portfolio import register

    return register.load(REAL_REGISTER, REAL_GEODATA)
