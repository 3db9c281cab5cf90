"""``portfolio db init|push|pull|status``, ``--database`` on the reading commands, the app on a database,
and the faults: each one clear line and a non-zero exit; a failed push leaves the database as it was,
a failed pull leaves the files as they were. On a real PostgreSQL + PostGIS server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from portfolio.cli import main
from portfolio.stores import DATABASE_ENV
from portfolio.validate import validate
from tests.app_fixtures import counter, make_app_register
from tests.conftest import ROOT, MakeRegister, base_row, fixture_rows, write_register

Db = tuple[str, Path, Path]


def sql(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query)
        return cur.fetchall() if cur.description else []


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit status, standard output, standard error) of ``portfolio ARGV``."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(url: str) -> list[tuple[Any, ...]]:
    """Every stored row (geometry as text) and the change counter: what 'unchanged' compares."""
    return sql(
        url,
        "SELECT register_row, id, name_en, status, ST_AsText(geometry) FROM projects ORDER BY register_row",
    ) + sql(url, "SELECT version FROM register_version")


def test_init_push_status_pull_through_the_cli(
    database_url: str,
    make_register: MakeRegister,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    reg, geo = make_register()
    code, out, err = run_cli(capsys, "db", "init", "--database", database_url)
    assert (code, err) == (0, "")
    from portfolio.stores import postgis

    steps = ", ".join(f"{m.version} ({m.name})" for m in postgis.MIGRATIONS)
    assert out.endswith(f"applied migration(s) {steps}; schema version {postgis.schema_version()}\n")
    assert "portfolio_test:***@" in out and ":portfolio_test@" not in out
    code, out, _ = run_cli(capsys, "db", "init", "--database", database_url)
    assert code == 0 and "nothing to do" in out
    code, out, err = run_cli(
        capsys, "db", "push", "--database", database_url, "--register", str(reg), "--geodata", str(geo)
    )
    assert (code, err) == (0, "") and out.startswith(f"Pushed 3 projects from {reg} and {geo} to ")
    code, out, _ = run_cli(capsys, "db", "status", "--database", database_url)
    assert code == 0
    version = postgis.schema_version()
    assert "PostGIS: 3." in out and f"schema version: {version} (this code: {version})" in out
    assert "projects: 3\n" in out
    target = tmp_path / "pulled"
    (target / "geodata").mkdir(parents=True)
    code, out, err = run_cli(
        capsys,
        "db",
        "pull",
        "--database",
        database_url,
        "--register",
        str(target / "projects.csv"),
        "--geodata",
        str(target / "geodata"),
    )
    assert (code, err) == (0, ""), err
    assert out.startswith("Pulled 3 projects from ")
    # The fixture CSV is written by csv.DictWriter with \r\n line ends; the pull writes the repository's \n.
    assert (target / "projects.csv").read_text(encoding="utf-8") == reg.read_text(encoding="utf-8")


def test_reading_commands_take_database_and_the_environment(
    register_database: Db,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, reg, geo = register_database
    files = run_cli(capsys, "list", "--register", str(reg), "--geodata", str(geo), "--status", "planned")
    from_db = run_cli(capsys, "list", "--database", url, "--geodata", str(geo), "--status", "planned")
    assert files[0] == from_db[0] == 0 and files[1] == from_db[1]
    assert "1 of 3 projects" in from_db[1]
    monkeypatch.setenv(DATABASE_ENV, url)
    sql(url, "UPDATE projects SET status = 'planned' WHERE id = 'kcn-o-mon'")
    code, out, _ = run_cli(capsys, "stats", "--geodata", str(geo), "--status", "planned", "--json")
    assert code == 0 and '"count": 2,' in out
    code, out, _ = run_cli(capsys, "validate", "--geodata", str(geo))
    assert code == 0 and out.startswith("OK: postgresql://portfolio_test:***@") and "(3 projects)" in out
    code, out, _ = run_cli(
        capsys,
        "export",
        "--geodata",
        str(geo),
        "--status",
        "planned",
        "--format",
        "csv",
        "-o",
        str(reg.parent / "planned.csv"),
    )
    assert code == 0 and out.startswith("Wrote 2 of 3 projects")
    assert (reg.parent / "planned.csv").read_text(encoding="utf-8").count("kcn-o-mon") == 1


def test_validate_database_names_row_id_and_field(
    register_database: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _, geo = register_database
    sql(url, "UPDATE projects SET name_en = name_en || ' ' WHERE id = 'kcn-o-mon'")
    code, out, err = run_cli(capsys, "validate", "--database", url, "--geodata", str(geo))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{url.replace(':portfolio_test@', ':***@')} projects: row 2 (id kcn-o-mon): name_en: "
        "has leading or trailing whitespace [whitespace]",
        "1 problem(s) found",
    ]
    code, out, err = run_cli(capsys, "list", "--database", url, "--geodata", str(geo))
    assert code == 1 and "row 2 (id kcn-o-mon): name_en" in err


@pytest.mark.parametrize(
    "command",
    [["validate"], ["list"], ["stats"], ["db", "push"], ["db", "pull"], ["db", "status"], ["db", "init"]],
)
def test_a_refused_password_is_one_line_and_exit_1(
    register_database: Db,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    url, reg, geo = register_database
    bad = url.replace(":portfolio_test@", ":wrong-password@")
    before = reg.read_bytes()
    extra = ["--register", str(reg), "--geodata", str(geo)] if command[-1] not in ("status", "init") else []
    code, out, err = run_cli(capsys, *command, "--database", bad, *extra)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.endswith("[db_auth]") and "password authentication failed" in line
    assert "wrong-password" not in err
    assert reg.read_bytes() == before


@pytest.mark.parametrize(
    ("make_url", "rule"),
    [
        (lambda url: url.replace(":5432/", ":1/"), "db_unreachable"),
        (lambda url: url.rsplit("/", 1)[0] + "/portfolio_no_such_database", "db_missing"),
        (lambda url: url.replace(":5432/", ":54x32/"), "db_url"),
        (lambda url: url.replace("postgresql://", "mysql://"), "db_url"),
    ],
)
def test_a_wrong_url_is_one_line_and_exit_1(
    register_database: Db, capsys: pytest.CaptureFixture[str], make_url: Any, rule: str
) -> None:
    url, _, geo = register_database
    code, out, err = run_cli(capsys, "list", "--database", make_url(url), "--geodata", str(geo))
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.endswith(f"[{rule}]")
    assert ":portfolio_test@" not in line


def test_db_commands_refuse_a_missing_or_foreign_url_as_usage(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_ENV, raising=False)
    with pytest.raises(SystemExit) as info:
        main(["db", "status"])
    assert info.value.code == 2 and "no database: give --database URL" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["db", "init", "--database", "sqlite:///x:secret@db"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "not a database URL" in err and "secret" not in err


def test_no_postgis_older_and_newer_schema_are_one_line_each(
    new_database: Any,
    register_database: Db,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bare = new_database(postgis=False)
    code, _, err = run_cli(capsys, "validate", "--database", bare)
    assert code == 1 and len(err.splitlines()) == 1 and err.rstrip().endswith("[db_no_postgis]")
    empty = new_database()
    code, _, err = run_cli(capsys, "list", "--database", empty)
    assert code == 1 and len(err.splitlines()) == 1 and err.rstrip().endswith("[db_not_initialised]")
    url, reg, geo = register_database
    sql(url, "DELETE FROM schema_version")  # as a database made before schema_version recorded anything
    code, _, err = run_cli(capsys, "validate", "--database", url)
    assert code == 1 and err.rstrip().endswith("[db_not_initialised]")
    from portfolio.stores import postgis

    newer = postgis.schema_version() + 5
    sql(url, f"INSERT INTO schema_version (version, name) VALUES (1, 'register'), ({newer}, 'later')")
    before = snapshot(url)
    code, _, err = run_cli(
        capsys, "db", "push", "--database", url, "--register", str(reg), "--geodata", str(geo)
    )
    assert code == 1 and len(err.splitlines()) == 1 and err.rstrip().endswith("[db_schema_new]")
    assert f"version {newer}, newer than this code's {postgis.schema_version()}" in err
    assert snapshot(url) == before


def test_push_of_invalid_files_is_refused_before_the_database(
    register_database: Db,
    make_register: MakeRegister,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _, _ = register_database
    before = snapshot(url)
    reg, geo = make_register([base_row(status="built"), *fixture_rows()[1:]], name="bad")
    code, out, err = run_cli(
        capsys, "db", "push", "--database", url, "--register", str(reg), "--geodata", str(geo)
    )
    assert code == 1 and out == ""
    (problem,) = validate(reg, geo)
    assert (problem.where, problem.field, problem.rule) == ("row 1 (id dt-923)", "status", "unknown_value")
    assert err.splitlines() == [str(problem), "1 problem(s) in the files: nothing was written"]
    assert snapshot(url) == before


def test_connection_lost_mid_push_leaves_the_database_as_it_was(
    register_database: Db,
    tmp_path: Path,
) -> None:
    """The push's backend is killed (pg_terminate_backend from a second connection) after its DELETE ran,
    while its statement trigger waits for the change counter row this test holds locked."""
    url, _, _ = register_database
    before = snapshot(url)
    from benchmarks.synth import generate

    big = generate(500, tmp_path / "big", seed=9)
    with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as watcher:
        holder.execute("SELECT version FROM register_version FOR UPDATE")  # the push's trigger will wait
        push = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portfolio",
                "db",
                "push",
                "--database",
                url,
                "--register",
                str(big.register),
                "--geodata",
                str(big.geodata),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            backend = None
            deadline = time.monotonic() + 120
            while backend is None and time.monotonic() < deadline and push.poll() is None:
                # autocommit: each query takes a new statistics snapshot (one transaction keeps its first)
                rows = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'portfolio db push' "
                    "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM projects%'"
                ).fetchall()
                backend = rows[0][0] if rows else None
                time.sleep(0.05)
            assert backend is not None, f"the push never waited on the lock (exit {push.poll()})"
            assert sql(url, "SELECT count(*) FROM projects") == [(3,)]  # its DELETE is not visible outside
            watcher.execute("SELECT pg_terminate_backend(%s)", (backend,))
        finally:
            holder.rollback()
            if push.poll() is None and backend is None:
                push.kill()
    out, err = push.communicate(timeout=60)
    assert push.returncode == 1 and out == ""
    (line,) = err.splitlines()
    assert line.endswith("[db_connection_lost]")
    assert "the connection was lost during db push" in line and "the database is as it was" in line
    assert snapshot(url) == before


def test_failed_pulls_leave_the_files_as_they_were(
    register_database: Db,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    url, reg, geo = register_database
    target = tmp_path / "target"
    (target / "geodata").mkdir(parents=True)
    old_csv = write_register(target / "projects.csv", fixture_rows()[:1])
    old_geo = target / "geodata" / "projects.geojson"
    old_geo.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    files = {p: p.read_bytes() for p in (old_csv, old_geo)}
    args = ["--register", str(old_csv), "--geodata", str(target / "geodata")]

    # the database's content breaks a rule the database cannot check (a trailing space)
    sql(url, "UPDATE projects SET name_vi = name_vi || ' ' WHERE id = 'dt-923'")
    code, _, err = run_cli(capsys, "db", "pull", "--database", url, *args)
    assert code == 1 and "row 1 (id dt-923): name_vi" in err and "nothing was written" in err
    sql(url, "UPDATE projects SET name_vi = btrim(name_vi) WHERE id = 'dt-923'")
    # the server goes away (here: a wrong password)
    code, _, err = run_cli(capsys, "db", "pull", "--database", url.replace(":portfolio_test@", ":x@"), *args)
    assert code == 1 and err.rstrip().endswith("[db_auth]")
    # the second file cannot be written: the first is not replaced either
    old_geo.unlink()
    old_geo.mkdir()
    code, _, err = run_cli(capsys, "db", "pull", "--database", url, *args)
    assert code == 1 and len(err.splitlines()) == 1 and "nothing was written" in err
    assert old_csv.read_bytes() == files[old_csv]
    old_geo.rmdir()
    old_geo.write_bytes(files[old_geo])
    assert {p: p.read_bytes() for p in files} == files
    assert sorted(p.name for p in target.rglob("*")) == ["geodata", "projects.csv", "projects.geojson"]
    code, _, _ = run_cli(capsys, "db", "pull", "--database", url, *args)
    assert code == 0 and old_csv.read_bytes() != files[old_csv]


def test_the_app_reads_the_database_and_sees_another_instances_change(
    new_database: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from portfolio.stores import postgis

    url = new_database()
    reg, geo = make_app_register(tmp_path / "app")
    postgis.init(url)
    postgis.push(url, reg, geo)
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(tmp_path / "no-such.csv"))  # the files are not read
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    monkeypatch.setenv(DATABASE_ENV, url)

    first, second = (
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=60),
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=60),
    )
    for at in (first, second):
        at.query_params["status"] = "planned"
        at.run()
        assert not at.exception, at.exception
        assert counter(at) == "2 trên 8 dự án"
    sql(url, "UPDATE projects SET status = 'planned' WHERE id = 'kcn-o-mon'")  # as psql or another desk
    for at in (first, second):
        at.run()
        assert counter(at) == "3 trên 8 dự án"
    sql(url, "DELETE FROM projects WHERE id = 'cang-cai-cui'")
    first.run()
    assert counter(first) == "3 trên 7 dự án"
