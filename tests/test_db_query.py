"""Filters run in SQL (``portfolio.stores.postgis.select``): the same projects as ``Filter.apply`` on the
loaded register, and the indexes used (``EXPLAIN``) once the table is large. On a real server."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest

from portfolio import register
from portfolio.query import Filter
from portfolio.stores import postgis
from tests.conftest import ROOT

FILTERS: list[dict[str, Any]] = [
    {},
    {"statuses": ("planned", "under_construction")},
    {"sectors": ("industrial_zone",)},
    {"funding_types": ("oda", "mixed"), "scopes": ("city",)},
    {"owners": ("Sở Xây dựng",)},
    {"owners": ("so giao thong van tai", "Bộ Xây dựng")},
    {"communes": ("ninh kieu", "Cái Răng")},
    {"districts": ("Ninh Kiều",), "sectors": ("road",)},
    {"bbox": (105.7, 10.0, 105.8, 10.1)},
    {"year_from": 2026, "year_to": 2030},
    {"year_from": 2026, "year_to": 2030, "undated": "exclude"},
    {"year_to": 2020},
    {"year_from": 2031, "undated": "exclude"},
    {"in_year": 2024},
    {"in_year": 2022, "undated": "include"},
    {"undated": "exclude"},
    {"max_precision": 2, "statuses": ("operating",)},
    {"search": "dt 923"},
    {
        "statuses": ("under_construction", "planned"),
        "year_from": 2026,
        "year_to": 2030,
        "bbox": (105.3, 9.6, 106.2, 10.4),
    },
]


@contextlib.contextmanager
def module_database() -> Iterator[str]:
    """A database with PostGIS and the register schema, dropped on exit (for a module's read-only tests)."""
    import uuid

    from tests.conftest import _admin_connection, url_of

    admin = _admin_connection()
    name = f"portfolio_test_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    url = url_of(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        postgis.init(url)
        yield url
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="module")
def real_database() -> Iterator[str]:
    """The real register pushed into a database shared by this module's read-only tests."""
    import tempfile

    with module_database() as url, tempfile.TemporaryDirectory() as folder:
        reg, geo = Path(folder) / "projects.csv", Path(folder) / "geodata"
        geo.mkdir()
        shutil.copyfile(ROOT / "projects.csv", reg)
        for file in ("projects.geojson", "city_boundary.geojson"):
            shutil.copyfile(ROOT / "geodata" / file, geo / file)
        postgis.push(url, reg, geo)
        yield url


@pytest.mark.parametrize("criteria", FILTERS, ids=[",".join(f) or "all" for f in FILTERS])
def test_sql_selects_what_the_filter_selects(real_database: str, criteria: dict[str, Any]) -> None:
    flt = Filter(**criteria)
    frame = register.load(ROOT / "projects.csv", ROOT / "geodata")
    want = flt.apply(frame).reset_index(drop=True)
    got = postgis.select(postgis.PostGISStore(real_database), flt)
    assert list(got["id"]) == list(want["id"])
    pd.testing.assert_frame_equal(got.drop(columns="geometry"), want.drop(columns="geometry"))
    assert list(got.geometry.to_wkb()) == list(want.geometry.to_wkb())
    assert len(got) > 0 or criteria.get("year_from") == 2031, "a filter that selects nothing tests little"


def test_sql_conditions_decide_alone_what_the_database_can(real_database: str) -> None:
    """Without the final Filter.apply, the SQL condition alone already gives the filter's rows (all but
    the search's, a superset: every word in the same column is the mask's to check)."""
    frame = register.load(ROOT / "projects.csv", ROOT / "geodata")
    for criteria in FILTERS:
        if "search" in criteria:
            continue
        flt = Filter(**criteria)
        with psycopg.connect(real_database) as conn:
            where, params = postgis._where(conn, flt)
            query = psycopg.sql.SQL("SELECT id FROM projects WHERE {} ORDER BY register_row").format(where)
            ids = [r[0] for r in conn.execute(query, params).fetchall()]
        assert ids == list(flt.apply(frame)["id"]), criteria


SEARCHES = ["dt 923", "cai cui", "quoc lo 91", "ql91", "kcn", "cau", "2030", "song hau", "ninh kieu 1"]


@pytest.mark.parametrize("text", SEARCHES)
def test_the_search_in_sql_keeps_every_match(real_database: str, text: str) -> None:
    """The stored folded texts find a superset of the search's matches: the SQL misses none."""
    frame = register.load(ROOT / "projects.csv", ROOT / "geodata")
    flt = Filter(search=text)
    want = list(flt.apply(frame)["id"])
    with psycopg.connect(real_database) as conn:
        where, params = postgis._where(conn, flt)
        assert "search_text LIKE" in where.as_string(conn)
        query = psycopg.sql.SQL("SELECT id FROM projects WHERE {} ORDER BY register_row").format(where)
        candidates = [r[0] for r in conn.execute(query, params).fetchall()]
    assert set(want) <= set(candidates) and len(candidates) < len(frame), (text, len(candidates))
    assert list(postgis.select(postgis.PostGISStore(real_database), flt)["id"]) == want


def test_a_row_changed_by_another_tool_is_still_found() -> None:
    """psql changes a name: its stored text is dropped (a candidate of every search, never missed);
    a refresh stores it again; texts of another folding version are not searched in SQL."""
    import tempfile

    with module_database() as url, tempfile.TemporaryDirectory() as folder:
        reg, geo = Path(folder) / "projects.csv", Path(folder) / "geodata"
        geo.mkdir()
        shutil.copyfile(ROOT / "projects.csv", reg)
        for file in ("projects.geojson", "city_boundary.geojson"):
            shutil.copyfile(ROOT / "geodata" / file, geo / file)
        postgis.push(url, reg, geo)
        store, flt = postgis.PostGISStore(url), Filter(search="xyzzy dự án")
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE projects SET name_en = 'Xyzzy (dự án)' WHERE id = 'dt-923'")
            missing = conn.execute("SELECT id FROM projects WHERE search_text IS NULL").fetchall()
        assert missing == [("dt-923",)]
        assert list(postgis.select(store, flt)["id"]) == ["dt-923"]
        with psycopg.connect(url) as conn:
            assert postgis.refresh_search_texts(conn) == 1
            conn.commit()
            stored = conn.execute("SELECT search_text FROM projects WHERE id = 'dt-923'").fetchone()
        assert stored is not None and " xyzzy du an " in stored[0]
        assert list(postgis.select(store, flt)["id"]) == ["dt-923"]
        assert "search_text" in postgis.explain(store, flt)
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE search_folding SET version = 'another folding'")
            conn.commit()
        assert "search_text" not in postgis.explain(store, flt)  # not trusted: the search runs in Python
        assert list(postgis.select(store, flt)["id"]) == ["dt-923"]


def test_a_refresh_after_another_folding_refolds_every_row() -> None:
    """Texts another folding version stored (none missing) are all folded again before this version is
    recorded: a search in SQL then finds the row the old text missed."""
    with module_database() as url:
        postgis.push(url, ROOT / "projects.csv", ROOT / "geodata")
        store, flt = postgis.PostGISStore(url), Filter(search="xyzzy")
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE projects SET name_en = 'Xyzzy', search_text = 'stale' WHERE id = 'dt-923'")
            conn.execute("UPDATE search_folding SET version = 'another folding'")
            conn.commit()
            count = conn.execute("SELECT count(*) FROM projects").fetchone()
            assert count is not None
            assert postgis.refresh_search_texts(conn) == count[0]
            conn.commit()
        assert "search_text" in postgis.explain(store, flt)  # trusted again, and right
        assert list(postgis.select(store, flt)["id"]) == ["dt-923"]


#: Synthetic projects added in SQL to make the planner choose between scans (20,000 rows: 1 % suspended,
#: 1 % intersections, 500 owners, 300 communes, 200 old districts, periods 1990–2057 (5 % undated), points
#: over 1°×1°).
BULK = """
INSERT INTO projects (id, name_vi, name_en, sector, funding_type, status, status_as_of, status_source,
                      sources, location_vi, scope, geocode_precision, period_start, period_end, owner,
                      communes, districts_before_2025, geometry)
SELECT 'synth-' || g, 'Dự án ' || g, 'Project ' || g,
       CASE WHEN g % 100 = 0 THEN 'intersection' ELSE 'bridge' END,
       'unknown', CASE WHEN g % 100 = 1 THEN 'suspended' ELSE 'planned' END, DATE '2021-10-01',
       '202/KH-UBND (01/10/2021), Phụ lục II', '202/KH-UBND (01/10/2021), Phụ lục II', 'Cần Thơ', 'city', 2,
       CASE WHEN g % 20 = 0 THEN NULL ELSE 1990 + g % 65 END,
       CASE WHEN g % 20 = 0 THEN NULL ELSE 1993 + g % 65 END,
       'Chủ đầu tư ' || g % 500, 'Phường Tổng hợp ' || g % 300, 'Huyện Cũ ' || g % 200,
       ST_SetSRID(ST_MakePoint(105.3 + (g % 1000) / 1000.0, 9.5 + (g / 1000) % 1000 / 1000.0), 4326)
FROM generate_series(1, 20000) g
"""


@pytest.fixture(scope="module")
def bulk_database() -> Iterator[str]:
    with module_database() as url:
        with psycopg.connect(url) as conn:
            conn.execute(BULK)
            postgis.refresh_search_texts(conn)  # (rows inserted in SQL have no stored search text)
            conn.commit()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE projects")
        yield url


@pytest.mark.parametrize(
    ("criteria", "index"),
    [
        ({"statuses": ("suspended",)}, "projects_status"),
        ({"sectors": ("intersection",)}, "projects_sector"),
        ({"owners": ("Chủ đầu tư 17",)}, "projects_owner"),
        ({"communes": ("tong hop 42",)}, "projects_communes"),
        ({"districts": ("cu 7",)}, "projects_districts"),
        ({"bbox": (105.30, 9.50, 105.31, 9.51)}, "projects_geometry_gist"),
        ({"year_from": 1995, "year_to": 1995, "undated": "exclude"}, "projects_periods"),
        ({"year_from": 1995, "year_to": 1995}, "projects_latest_start"),  # undated ones: latest start IS NULL
        ({"in_year": 1991, "undated": "exclude"}, "projects_latest_start"),
        ({"search": "du an 1234"}, "projects_search_text"),
        ({"search": "project 77", "statuses": ("planned",)}, "projects_search_text"),
    ],
)
def test_explain_shows_the_filters_use_the_indexes(
    bulk_database: str, criteria: dict[str, Any], index: str
) -> None:
    url = bulk_database
    store = postgis.PostGISStore(url)
    flt = Filter(**criteria)
    plan = postgis.explain(store, flt)
    assert re.search(rf"(Bitmap Index Scan on|Index Scan using|Index Only Scan using) {index}\b", plan), plan
    assert "Seq Scan on projects" not in plan, plan
    found = postgis.select(store, flt)
    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM projects").fetchone()
    assert total is not None and 0 < len(found) < total[0] / 4
