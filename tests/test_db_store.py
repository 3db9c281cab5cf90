"""The PostGIS store on a real PostgreSQL + PostGIS server: schema, round trip, change counter, rules.

Each test makes its own database (``new_database`` in ``conftest.py``) and drops it.
"""

from __future__ import annotations

import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
import shapely

from portfolio import register, schema
from portfolio._errors import RegisterError, StoreError
from portfolio.stores import open_store, postgis
from portfolio.stores.files import FilesStore
from portfolio.validate import validate, validate_inputs
from tests.conftest import ROOT, MakeRegister, base_row, fixture_rows

#: ``register_database``: (URL, register CSV, geodata folder) of a database holding the fixture register.
Db = tuple[str, Path, Path]
REAL_REGISTER = ROOT / "projects.csv"
REAL_GEODATA = ROOT / "geodata"


def sql(url: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run one statement as a separate client would (``psql``); return its rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def copy_real_register(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "real"
    (folder / "geodata").mkdir(parents=True)
    shutil.copyfile(REAL_REGISTER, folder / "projects.csv")
    for name in ("projects.geojson", "city_boundary.geojson"):
        shutil.copyfile(REAL_GEODATA / name, folder / "geodata" / name)
    return folder / "projects.csv", folder / "geodata"


# ---------------------------------------------------------------- schema


def test_init_makes_the_versioned_schema_once(database_url: str) -> None:
    applied = postgis.init(database_url)
    assert [m.version for m in applied] == [m.version for m in postgis.MIGRATIONS]
    assert sql(database_url, "SELECT version FROM schema_version ORDER BY version") == [
        (m.version,) for m in postgis.MIGRATIONS
    ]
    assert postgis.init(database_url) == []  # nothing pending: nothing applied
    assert sql(database_url, "SELECT count(*) FROM schema_version") == [(len(postgis.MIGRATIONS),)]


def test_every_register_column_is_typed_and_required_where_the_register_says(database_url: str) -> None:
    postgis.init(database_url)
    found = dict(
        (name, (kind, nullable))
        for name, kind, nullable in sql(
            database_url,
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'projects'",
        )
    )
    assert set(schema.COLUMNS) <= set(found)
    for column in schema.COLUMNS:
        kind, nullable = found[column]
        assert (nullable == "NO") == (column in schema.REQUIRED), column
        assert kind == {"smallint": "smallint", "date": "date", "numeric": "numeric"}.get(
            postgis.COLUMN_TYPES.get(column, ""), "text"
        ), column
    assert sql(database_url, "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'projects'") == [
        ("GEOMETRY", 4326)
    ]
    index = sql(database_url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'projects_geometry_gist'")
    assert index and "USING gist (geometry)" in index[0][0]
    # the foreign key's reverse look-up (a delete checks for children) has its index
    assert sql(
        database_url,
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'projects' AND indexdef LIKE '%(parent_id)'",
    ) == [(1,)]
    assert sql(
        database_url,
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = 'projects'::regclass AND i.indisprimary",
    ) == [("id",)]


@pytest.mark.parametrize(
    ("column", "vocabulary"),
    [
        ("status", schema.STATUSES),
        ("sector", schema.SECTORS),
        ("funding_type", schema.FUNDING_TYPES),
        ("scope", schema.SCOPES),
        ("admin_basis", schema.ADMIN_BASES),
    ],
)
def test_vocabulary_checks_accept_exactly_the_schema_values(
    register_database: Db,
    column: str,
    vocabulary: dict[str, Any],
) -> None:
    url, _, _ = register_database
    ident = "cang-cai-cui" if column == "sector" else "dt-923"  # a port accepts points; the road does not
    with psycopg.connect(url) as conn:
        for value in vocabulary:
            if column == "sector" and "point" not in schema.SECTOR_GEOMETRY[value]:
                continue
            conn.execute(f"UPDATE projects SET {column} = %s WHERE id = %s", (value, ident))
        conn.rollback()
    for bad in ("built", "", vocabulary and next(iter(vocabulary)).upper()):
        # (an unknown sector also breaks projects_geometry_kind, which PostgreSQL may check first)
        with pytest.raises(
            psycopg.errors.CheckViolation,
            match=f"projects_({column}_vocabulary|{column}_required|geometry_kind)",
        ):
            sql(url, f"UPDATE projects SET {column} = %s WHERE id = %s", (bad, ident))


def test_a_bad_status_written_with_sql_is_refused_by_the_check(register_database: Db) -> None:
    url, _, _ = register_database
    before = sql(url, "SELECT version FROM register_version")
    with pytest.raises(psycopg.errors.CheckViolation, match="projects_status_vocabulary"):
        sql(url, "UPDATE projects SET status = 'built' WHERE id = 'dt-923'")
    assert sql(url, "SELECT status FROM projects WHERE id = 'dt-923'") == [("planned",)]
    assert sql(url, "SELECT version FROM register_version") == before  # refused: no change counted


@pytest.mark.parametrize(
    ("statement", "error", "constraint"),
    [
        (
            "UPDATE projects SET name_vi = NULL WHERE id = 'dt-923'",
            psycopg.errors.NotNullViolation,
            "name_vi",
        ),
        (
            "UPDATE projects SET name_vi = '  ' WHERE id = 'dt-923'",
            psycopg.errors.CheckViolation,
            "projects_name_vi_required",
        ),
        (
            "UPDATE projects SET id = 'DT 923' WHERE id = 'dt-923'",
            psycopg.errors.CheckViolation,
            "projects_id_format",
        ),
        (
            "INSERT INTO projects SELECT * FROM projects WHERE id = 'dt-923'",
            psycopg.errors.UniqueViolation,
            "projects_",
        ),
        (
            "UPDATE projects SET parent_id = 'no-such-project' WHERE id = 'dt-923'",
            psycopg.errors.ForeignKeyViolation,
            "projects_parent_id_fkey",
        ),
        (
            "UPDATE projects SET period_start = 2030, period_end = 2020 WHERE id = 'dt-923'",
            psycopg.errors.CheckViolation,
            "projects_period_order",
        ),
        (
            "UPDATE projects SET period_start = 1890 WHERE id = 'dt-923'",
            psycopg.errors.CheckViolation,
            "projects_period_start_year",
        ),
        (
            "UPDATE projects SET geocode_precision = 7 WHERE id = 'dt-923'",
            psycopg.errors.CheckViolation,
            "projects_geocode_precision_vocabulary",
        ),
        (
            "UPDATE projects SET official_area_ha = -1 WHERE id = 'kcn-o-mon'",
            psycopg.errors.CheckViolation,
            "projects_official_area_ha_positive",
        ),
        (
            "UPDATE projects SET geometry = ST_SetSRID(ST_MakePoint(105.7, 10.0), 4326) WHERE id = 'dt-923'",
            psycopg.errors.CheckViolation,
            "projects_geometry_kind",
        ),
        (
            "UPDATE projects SET geometry = ST_SetSRID(ST_MakePoint(10.0, 105.7), 4326)"
            " WHERE id = 'cang-cai-cui'",
            psycopg.errors.CheckViolation,
            "projects_geometry_region",
        ),
        (
            "UPDATE projects SET geometry = ST_GeomFromText('POLYGON((105.6 10.1, 105.62 10.12, 105.62 10.1, "
            "105.6 10.12, 105.6 10.1))', 4326) WHERE id = 'kcn-o-mon'",
            psycopg.errors.CheckViolation,
            "projects_geometry_valid",
        ),
        (
            "UPDATE projects SET geometry = ST_SetSRID(ST_MakePoint(105.7, 10.0, 3), 4326) "
            "WHERE id = 'cang-cai-cui'",
            psycopg.errors.InvalidParameterValue,
            "Z dimension",
        ),
    ],
)
def test_the_database_refuses_what_it_can_say_breaks_a_rule(
    register_database: Db,
    statement: str,
    error: type[Exception],
    constraint: str,
) -> None:
    url, register_csv, geodata = register_database
    with pytest.raises(error, match=constraint):
        sql(url, statement)
    stored = postgis.PostGISStore(url, geodata).read().register
    files = FilesStore(register_csv, geodata).read().register
    assert stored is not None and files is not None
    assert stored.rows == files.rows  # refused: the rows are as pushed


# ---------------------------------------------------------------- round trip and reading


def test_real_register_round_trips_byte_for_byte(database_url: str, tmp_path: Path) -> None:
    register_csv, geodata = copy_real_register(tmp_path)
    postgis.init(database_url)
    real_rows = len(register.load(REAL_REGISTER, REAL_GEODATA))
    assert postgis.push(database_url, register_csv, geodata) == real_rows
    out = tmp_path / "pulled"
    (out / "geodata").mkdir(parents=True)
    count = postgis.pull(database_url, out / "projects.csv", out / "geodata", boundary=geodata)
    assert count == real_rows
    assert (out / "projects.csv").read_bytes() == REAL_REGISTER.read_bytes()
    pulled = (out / "geodata" / "projects.geojson").read_bytes()
    assert pulled == (REAL_GEODATA / "projects.geojson").read_bytes()


def test_init_upgrades_a_text_investment_figure_to_numeric_and_the_files_still_round_trip(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 4 on a database made (and filled) at schema 3, where ``investment_bn_vnd`` is text:
    the column becomes numeric and positive, the figures stay, files → db → files is byte for byte."""
    register_csv, geodata = copy_real_register(tmp_path)
    text = register_csv.read_text(encoding="utf-8")
    assert ",3837," in text
    register_csv.write_text(text.replace(",3837,", ",3837.50,", 1), encoding="utf-8")  # a scale is kept
    with monkeypatch.context() as older:
        older.setattr(postgis, "MIGRATIONS", [m for m in postgis.MIGRATIONS if m.version <= 3])
        postgis.init(database_url)
        rows = postgis.push(database_url, register_csv, geodata)
    kind = (
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'projects' AND column_name = %s"
    )
    assert sql(database_url, kind, ("investment_bn_vnd",)) == [("text",)]
    assert [m.version for m in postgis.init(database_url)] == [4]
    assert sql(database_url, kind, ("investment_bn_vnd",)) == [("numeric",)]
    figures = sql(database_url, "SELECT investment_bn_vnd FROM projects WHERE investment_bn_vnd IS NOT NULL")
    assert len(figures) == 25 and all(isinstance(v, Decimal) and v > 0 for (v,) in figures)
    assert (Decimal("3837.50"),) in figures
    with pytest.raises(psycopg.errors.CheckViolation):
        sql(database_url, "UPDATE projects SET investment_bn_vnd = 0 WHERE investment_bn_vnd IS NOT NULL")
    out = tmp_path / "pulled"
    (out / "geodata").mkdir(parents=True)
    assert postgis.pull(database_url, out / "projects.csv", out / "geodata", boundary=geodata) == rows
    assert (out / "projects.csv").read_bytes() == register_csv.read_bytes()
    assert (out / "geodata" / "projects.geojson").read_bytes() == (geodata / "projects.geojson").read_bytes()
    frame = register.load(geodata=geodata, database=database_url)
    assert frame["investment_bn_vnd"].dtype.kind == "f" and 3837.5 in frame["investment_bn_vnd"].tolist()


def test_migration_4_names_the_projects_whose_figure_is_no_positive_number(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Figures written with SQL past the rules (a text no number reads, a zero) stop migration 4 with
    an error naming each project and the field, not PostgreSQL's cast message; nothing is migrated."""
    register_csv, geodata = copy_real_register(tmp_path)
    with monkeypatch.context() as older:
        older.setattr(postgis, "MIGRATIONS", [m for m in postgis.MIGRATIONS if m.version <= 3])
        postgis.init(database_url)
        postgis.push(database_url, register_csv, geodata)
    sql(database_url, "UPDATE projects SET investment_bn_vnd = 'khoảng 12' WHERE id = 'dt-923'")
    sql(database_url, "UPDATE projects SET investment_bn_vnd = '0' WHERE id = 'cang-cai-cui'")
    sql(
        database_url, "UPDATE projects SET investment_bn_vnd = ' 12.5 ' WHERE id = 'ql61c-can-tho-hau-giang'"
    )  # a number
    with pytest.raises(StoreError) as caught:
        postgis.init(database_url)
    problems = caught.value.problems
    assert sorted((p.where, p.field, p.rule) for p in problems) == [
        ("id cang-cai-cui", "investment_bn_vnd", "db_bad_figure"),
        ("id dt-923", "investment_bn_vnd", "db_bad_figure"),
    ]
    assert any("'khoảng 12'" in p.message for p in problems)
    assert sql(database_url, "SELECT max(version) FROM schema_version") == [(3,)]  # rolled back


def test_database_frame_equals_the_files_frame(database_url: str, tmp_path: Path) -> None:
    register_csv, geodata = copy_real_register(tmp_path)
    postgis.init(database_url)
    postgis.push(database_url, register_csv, geodata)
    from_files = register.load(register_csv, geodata)
    from_db = register.load(geodata=geodata, database=database_url)
    assert list(from_db.columns) == list(from_files.columns)
    assert from_db.drop(columns="geometry").equals(from_files.drop(columns="geometry"))
    assert all(
        shapely.equals_exact(a, b, tolerance=0)
        for a, b in zip(from_db.geometry, from_files.geometry, strict=True)
    )  # the same doubles, not only close ones
    assert from_db.crs == from_files.crs


def test_geojson_lines_write_floats_as_the_file_writer_does() -> None:
    import json
    import random

    rng = random.Random(9)
    values = [rng.uniform(104.3, 107.0) for _ in range(500)] + [10.0, 105.0, 9.1234567890123456, 1e-7, -0.0]
    geoms = [shapely.Point(x, 10.5) for x in values]
    lines = postgis.geometry_lines([f"p{i}" for i in range(len(values))], geoms)
    for line, x in zip(lines, values, strict=True):
        want = {
            "type": "Feature",
            "properties": {"id": line.split('"id":"')[1].split('"')[0]},
            "geometry": {"type": "Point", "coordinates": [x, 10.5]},
        }
        assert line == json.dumps(want, ensure_ascii=False, separators=(",", ":"))


def test_version_changes_on_a_psql_edit_and_load_sees_it_without_restart(
    register_database: Db,
) -> None:
    url, _, geodata = register_database
    app_one, app_two = open_store(url, geodata=geodata), open_store(url, geodata=geodata)
    first = register.load(store=app_one)
    assert register.load(store=app_two) is first  # same database, same counter: one cached frame
    version = app_one.version()
    assert app_two.version() == version
    sql(url, "UPDATE projects SET name_en = 'Provincial road 923, widened' WHERE id = 'dt-923'")
    assert app_one.version() != version
    second = register.load(store=app_two)
    assert second is not first
    assert second.set_index("id").loc["dt-923", "name_en"] == "Provincial road 923, widened"
    for statement in ("DELETE FROM projects WHERE id = 'cang-cai-cui'", "TRUNCATE projects"):
        before = app_one.version()
        sql(url, statement)
        assert app_one.version() != before, statement


def test_read_gives_the_same_raw_structures_as_the_files(register_database: Db) -> None:
    url, register_csv, geodata = register_database
    from_db = postgis.PostGISStore(url, geodata).read()
    from_files = FilesStore(register_csv, geodata).read()
    assert from_db.problems == []
    assert from_db.register is not None and from_files.register is not None
    assert from_db.register.columns == from_files.register.columns
    assert from_db.register.rows == from_files.register.rows
    assert from_db.register.row_numbers == from_files.register.row_numbers
    assert from_db.geodata is not None and from_files.geodata is not None
    assert from_db.geodata.order == from_files.geodata.order
    for ident, geom in from_files.geodata.geometries.items():
        assert shapely.equals_exact(from_db.geodata.geometries[ident], geom, tolerance=0), ident
    assert from_db.boundary is not None and from_db.boundary.equals(from_files.boundary)


# ---------------------------------------------------------------- the same rules for both stores


@pytest.mark.parametrize(
    ("statement", "overrides"),
    [
        (
            "UPDATE projects SET name_en = name_en || ' ' WHERE id = 'dt-923'",
            {"name_en": "Upgrading and widening of provincial road 923 "},
        ),
        (
            "UPDATE projects SET name_vi = 'Cang Cai Cui' || chr(7) WHERE id = 'dt-923'",
            {"name_vi": "Cang Cai Cui\x07"},
        ),
        ("UPDATE projects SET sources = 'tin đồn' WHERE id = 'dt-923'", {"sources": "tin đồn"}),
        (
            "UPDATE projects SET status_as_of = '2027-01-01', period_history = '202/KH-UBND=2021-2025' "
            "WHERE id = 'dt-923'",
            {"status_as_of": "2027-01-01", "period_history": "202/KH-UBND=2021-2025"},
        ),
    ],
)
def test_validate_database_reports_what_validate_reports_for_the_files(
    register_database: Db,
    make_register: MakeRegister,
    statement: str,
    overrides: dict[str, str],
) -> None:
    url, _, geodata = register_database
    sql(url, statement)
    frame, from_db = validate_inputs(postgis.PostGISStore(url, geodata).read())
    assert frame is None and from_db
    rows = [base_row(**overrides), *fixture_rows()[1:]]
    reg, geo = make_register(rows, name="same-break")
    from_files = validate(reg, geo)
    assert [(p.where, p.field, p.rule, p.message) for p in from_db] == [
        (p.where, p.field, p.rule, p.message) for p in from_files
    ]
    assert all(p.file == f"{postgis.PostGISStore(url).label} projects" for p in from_db)
    assert from_db[0].where == "row 1 (id dt-923)"
    assert "portfolio_test:***@" in str(from_db[0]) and "portfolio_test:portfolio_test" not in str(from_db[0])
    with pytest.raises(RegisterError) as info:
        register.load(geodata=geodata, database=url)
    assert info.value.problems == from_db


def test_a_parent_cycle_written_with_sql_is_found_by_the_rules(register_database: Db) -> None:
    url, _, geodata = register_database
    sql(
        url,
        "UPDATE projects SET parent_id = CASE id WHEN 'dt-923' THEN 'kcn-o-mon' ELSE 'dt-923' END "
        "WHERE id IN ('dt-923', 'kcn-o-mon')",
    )
    _, problems = validate_inputs(postgis.PostGISStore(url, geodata).read())
    assert [(p.where, p.field, p.rule) for p in problems] == [
        ("row 1 (id dt-923)", "parent_id", "parent_cycle"),
        ("row 2 (id kcn-o-mon)", "parent_id", "parent_cycle"),
    ]


def test_an_outside_city_geometry_is_found_by_the_rules_with_the_database_geometry_name(
    register_database: Db,
) -> None:
    url, _, geodata = register_database
    sql(
        url,
        "UPDATE projects SET geometry = ST_SetSRID(ST_MakePoint(106.9, 11.1), 4326) "
        "WHERE id = 'cang-cai-cui'",
    )
    _, problems = validate_inputs(postgis.PostGISStore(url, geodata).read())
    label = postgis.PostGISStore(url).label
    assert [(p.file, p.where, p.field, p.rule) for p in problems] == [
        (f"{label} projects.geometry", "id cang-cai-cui", "geometry", "outside_city")
    ]


def test_push_refuses_files_that_break_a_rule_and_leaves_the_database(
    register_database: Db,
    make_register: MakeRegister,
) -> None:
    url, register_csv, geodata = register_database
    before = sql(url, "SELECT version FROM register_version")
    rows = sql(url, "SELECT * FROM projects ORDER BY register_row")
    bad_register, bad_geodata = make_register(
        [
            *fixture_rows()[:2],
            base_row(id="cang-cai-cui", sector="port", name_vi=unicodedata.normalize("NFD", "Cảng Cái Cui")),
        ],
        name="bad",
    )
    with pytest.raises(RegisterError) as info:
        postgis.push(url, bad_register, bad_geodata)
    assert {p.rule for p in info.value.problems} >= {"not_nfc"}
    assert sql(url, "SELECT version FROM register_version") == before
    assert sql(url, "SELECT * FROM projects ORDER BY register_row") == rows


# ---------------------------------------------------------------- faults


def test_a_database_without_postgis_is_one_clear_problem(new_database: Any) -> None:
    url = new_database(postgis=False)
    with pytest.raises(StoreError) as info:
        open_store(url).read()
    (problem,) = info.value.problems
    assert problem.rule == "db_no_postgis"
    assert "db init" in problem.message


def test_init_says_when_postgis_cannot_be_created(new_database: Any) -> None:
    import uuid

    from tests.conftest import admin_url, url_of

    role = f"portfolio_test_owner_{uuid.uuid4().hex[:8]}"
    sql(admin_url(), f"CREATE ROLE {role} LOGIN PASSWORD 'owner-secret'")
    try:
        name = new_database(postgis=False, owner=role).rsplit("/", 1)[1]
        url = url_of(name, admin_url().replace("portfolio_test:portfolio_test@", f"{role}:owner-secret@"))
        with pytest.raises(StoreError) as info:
            postgis.init(url)
        (problem,) = info.value.problems
        assert problem.rule == "db_no_postgis"
        assert "permission denied" in problem.message and "owner-secret" not in str(problem)
        assert sql(url_of(name), "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'") == [(0,)]
    finally:
        sql(admin_url(), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        sql(admin_url(), f"DROP ROLE {role}")


def test_an_uninitialised_database_says_db_init(database_url: str) -> None:
    with pytest.raises(StoreError) as info:
        open_store(database_url).version()
    assert [p.rule for p in info.value.problems] == ["db_not_initialised"]


def test_a_newer_schema_is_refused_and_init_does_not_touch_it(register_database: Db) -> None:
    url, _, geodata = register_database
    sql(url, "INSERT INTO schema_version (version, name) VALUES (99, 'from the future')")
    for action in (
        lambda: open_store(url, geodata=geodata).read(),
        lambda: postgis.init(url),
        lambda: open_store(url, geodata=geodata).version(),
    ):
        with pytest.raises(StoreError) as info:
            action()
        (problem,) = info.value.problems
        assert problem.rule == "db_schema_new"
        assert "version 99, newer than this code's" in problem.message


def test_an_older_schema_is_refused_until_init_migrates_it(
    register_database: Db,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, register_csv, geodata = register_database
    step = postgis.Migration(
        postgis.schema_version() + 1, "a later step", lambda: ["CREATE TABLE later_step (x integer)"]
    )
    monkeypatch.setattr(postgis, "MIGRATIONS", [*postgis.MIGRATIONS, step])
    with pytest.raises(StoreError) as info:
        open_store(url, geodata=geodata).read()
    (problem,) = info.value.problems
    assert problem.rule == "db_schema_old"
    assert f"version {step.version - 1}, this code needs {step.version}" in problem.message
    with pytest.raises(StoreError):
        postgis.push(url, register_csv, geodata)
    assert postgis.init(url) == [step]
    assert len(register.load(geodata=geodata, database=url)) == len(fixture_rows())


def test_a_missing_register_column_is_named(register_database: Db) -> None:
    url, _, geodata = register_database
    sql(url, "ALTER TABLE projects DROP COLUMN notes")
    with pytest.raises(StoreError) as info:
        open_store(url, geodata=geodata).read()
    (problem,) = info.value.problems
    assert problem.rule == "db_columns" and "no column notes" in problem.message


def test_wrong_password_and_wrong_address_are_one_problem_each(register_database: Db) -> None:
    url, _, _ = register_database
    cases = {
        url.replace(":portfolio_test@", ":not-the-password@"): "db_auth",
        url.replace(":5432/", ":1/"): "db_unreachable",
        url.rsplit("/", 1)[0] + "/portfolio_no_such_database": "db_missing",
        url.replace(":5432/", ":54x32/"): "db_url",
    }
    for bad, rule in cases.items():
        with pytest.raises(StoreError) as info:
            open_store(bad).version()
        (problem,) = info.value.problems
        assert problem.rule == rule, (bad, problem)
        assert "\n" not in str(problem) and "not-the-password" not in str(problem)
