"""The change workflow on a real PostgreSQL + PostGIS server: one transaction, the audit table,
department roles and row-level security tested through real role connections (as from psql)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from shapely.geometry import Point

from portfolio import audit, auth, changes, db_changes
from portfolio._errors import ChangeError, ConflictError
from portfolio.register import load
from portfolio.stores import postgis
from tests.conftest import ROOT

Db = tuple[str, Path, Path]
EVIDENCE = {"author": "An", "reason": "update", "source": "QĐ 1/QĐ-UBND 2026-11-20"}


def sql(url: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


@pytest.fixture
def roles(register_database: Db) -> Iterator[dict[str, str]]:
    """Login URLs of the roads department (dt-923's), the trade department (kcn-o-mon's) and admins."""
    url, _register, _geodata = register_database
    sql(url, "UPDATE projects SET owner = 'Sở Công Thương' WHERE id = 'kcn-o-mon'")
    out: dict[str, str] = {}
    for key, department, admin in (
        ("roads", "Sở Giao thông vận tải", False),
        ("trade", "Sở Công Thương", False),
        ("admin", "", True),
    ):
        name, password = db_changes.create_role(url, department or "administrators", admin=admin)
        out[key] = db_changes.role_url(url, name, password)
    yield out
    for (role,) in sql(url, "SELECT role FROM department_roles"):
        sql(url, f'DROP OWNED BY "{role}"')
        sql(url, f'DROP ROLE IF EXISTS "{role}"')


def test_migration_2_is_recorded(register_database: Db) -> None:
    url, _, _ = register_database
    assert (2, "audit, department roles, row-level security") in sql(
        url, "SELECT version, name FROM schema_version ORDER BY version"
    )  # (not necessarily the last: migrations 3 and 4 follow)
    assert sql(url, "SELECT relrowsecurity FROM pg_class WHERE relname = 'projects'") == [(True,)]


def test_a_department_role_cannot_update_another_departments_row_even_from_psql(
    register_database: Db, roles: dict[str, str]
) -> None:
    url, _, _ = register_database
    with psycopg.connect(roles["trade"], autocommit=True) as conn:
        cur = conn.execute("UPDATE projects SET notes = 'hijacked' WHERE id = 'dt-923'")
        assert cur.rowcount == 0  # row-level security: the row is not theirs to update
        assert conn.execute("SELECT count(*) FROM projects").fetchone() == (3,)  # reading is open
        assert conn.execute("UPDATE projects SET notes = 'ours' WHERE id = 'kcn-o-mon'").rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE projects SET owner = 'Sở Y tế' WHERE id = 'kcn-o-mon'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM projects WHERE id = 'kcn-o-mon'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM audit")
        user = conn.execute("SELECT current_user").fetchone()
        assert user is not None and user[0].startswith("pf_")
    assert sql(url, "SELECT id, notes FROM projects WHERE id IN ('dt-923', 'kcn-o-mon') ORDER BY id") == [
        ("dt-923", None),
        ("kcn-o-mon", "ours"),
    ]


def test_apply_is_one_transaction_with_its_audit_rows(register_database: Db, roles: dict[str, str]) -> None:
    url, _register, geodata = register_database
    cs = changes.read_changeset(
        "c.csv",
        "id,status,status_as_of,status_source\n"
        "dt-923,under_construction,2026-11-20,QĐ 1/QĐ-UBND (20/11/2026)\n".encode(),
        **EVIDENCE,
    )
    cs.geometries["dt-923"] = __import__("shapely").LineString([(105.75, 10.0), (105.62, 10.08)])
    done = db_changes.apply(roles["roads"], cs, geodata=geodata, now=datetime(2026, 11, 21, tzinfo=UTC))
    assert done.audit_records == 4
    frame = load(database=url, geodata=geodata).set_index("id")
    assert frame.loc["dt-923", "status"] == "under_construction"
    records = db_changes.read_audit(url)
    assert [(r["field"], r["before"], r["after"]) for r in records[:3]] == [
        ("status", "planned", "under_construction"),
        ("status_as_of", "2021-10-01", "2026-11-20"),
        ("status_source", "202/KH-UBND (01/10/2021), Phụ lục II, dòng 5", "QĐ 1/QĐ-UBND (20/11/2026)"),
    ]
    assert records[3]["field"] == "geometry" and records[3]["after"]["type"] == "LineString"
    assert sql(url, "SELECT DISTINCT db_role FROM audit")[0][0].startswith("pf_")
    # history and as-of read the audit table the same way as the audit file
    state = changes.state_from_inputs(postgis.PostGISStore(url, boundary=geodata).read(), geodata)
    entries = audit.history(state, records, "dt-923")
    assert [e.value for e in entries if e.kind == "status"] == ["planned", "under_construction"]
    before = audit.state_as_of(state, records, audit.end_of("2026-11-01"))
    assert before.rows["dt-923"]["status"] == "planned"


def test_apply_stores_the_search_text_of_the_rows_it_writes(
    register_database: Db, roles: dict[str, str]
) -> None:
    """A name changed or a project added through a change is folded at once: not a candidate of every
    search until someone refreshes (:func:`portfolio.stores.postgis.refresh_search_texts`)."""
    url, _, geodata = register_database
    cs = changes.read_changeset("c.csv", "id,name_en\ndt-923,Xyzzy bridge (dự án)\n".encode(), **EVIDENCE)
    db_changes.apply(roles["roads"], cs, geodata=geodata)
    row = {
        "name_vi": "Cầu Plugh",
        "name_en": "Plugh bridge",
        "sector": "bridge",
        "funding_type": "unknown",
        "status": "proposed",
        "status_as_of": "2026-02-01",
        "status_source": "ngoài: VnExpress 2026-02-01",
        "sources": "ngoài: VnExpress 2026-02-01",
        "location_vi": "Ninh Kiều",
        "scope": "city",
        "geocode_precision": "3",
        "owner": "Sở Giao thông vận tải",
    }
    db_changes.apply(
        roles["admin"], changes.edit("cau-plugh", row, geometry=Point(105.78, 10.03), **EVIDENCE)
    )
    frame = load(database=url, geodata=geodata).set_index("id")
    stored = dict(sql(url, "SELECT id, search_text FROM projects WHERE id IN ('dt-923', 'cau-plugh')"))
    assert stored == {i: frame.loc[i, "search_text"] for i in ("dt-923", "cau-plugh")}
    assert " xyzzy bridge du an " in stored["dt-923"] and " cau plugh " in stored["cau-plugh"]


def test_a_refused_write_leaves_the_database_as_it_was(register_database: Db, roles: dict[str, str]) -> None:
    url, _, geodata = register_database
    counter = sql(url, "SELECT version FROM register_version")
    cs = changes.read_changeset("c.csv", b"id,notes\ndt-923,x\nkcn-o-mon,y\n", **EVIDENCE)
    with pytest.raises(ChangeError) as caught:  # kcn-o-mon is not the roads department's
        db_changes.apply(roles["roads"], cs, geodata=geodata)
    assert caught.value.problems[0].rule == "not_permitted"
    assert sql(url, "SELECT notes FROM projects WHERE id = 'dt-923'") == [(None,)]
    assert sql(url, "SELECT count(*) FROM audit") == [(0,)]
    assert sql(url, "SELECT version FROM register_version") == counter


def test_the_library_refuses_before_the_database_for_an_editor(
    register_database: Db, roles: dict[str, str], tmp_path: Path
) -> None:
    url, _, geodata = register_database
    path = tmp_path / "editors.json"
    auth.add_editor("ct", "mật-khẩu-ct-2026", "Sở Công Thương", path=path)
    editor = auth.session(auth.login("ct", "mật-khẩu-ct-2026", path), path)
    cs = changes.read_changeset("c.csv", b"id,notes\ndt-923,x\n", **EVIDENCE)
    with pytest.raises(ChangeError) as caught:
        db_changes.apply(roles["trade"], cs, geodata=geodata, editor=editor)
    assert caught.value.problems[0].where == "row 1 (id dt-923)"


def test_two_writers_from_the_same_start_conflict(register_database: Db, roles: dict[str, str]) -> None:
    url, _, geodata = register_database
    state = changes.state_from_inputs(postgis.PostGISStore(url, boundary=geodata).read(), geodata)
    first = changes.start(state, changes.read_changeset("a.csv", b"id,notes\ndt-923,first\n", **EVIDENCE))
    second = changes.start(state, changes.read_changeset("b.csv", b"id,notes\ndt-923,second\n", **EVIDENCE))
    db_changes.apply(roles["roads"], first, geodata=geodata)
    with pytest.raises(ConflictError) as caught:
        db_changes.apply(roles["roads"], second, geodata=geodata)
    assert "dt-923" in caught.value.problems[0].message and "notes" in caught.value.problems[0].message
    assert sql(url, "SELECT notes FROM projects WHERE id = 'dt-923'") == [("first",)]


def test_admin_adds_a_project_and_it_is_mapped_to_its_department(
    register_database: Db, roles: dict[str, str]
) -> None:
    url, _, geodata = register_database
    row = {
        "name_vi": "Cầu Mới",
        "name_en": "New bridge",
        "sector": "bridge",
        "funding_type": "unknown",
        "status": "proposed",
        "status_as_of": "2026-02-01",
        "status_source": "ngoài: VnExpress 2026-02-01",
        "sources": "ngoài: VnExpress 2026-02-01",
        "location_vi": "Ninh Kiều",
        "scope": "city",
        "geocode_precision": "3",
        "owner": "Sở Giao thông vận tải",
    }
    cs = changes.edit("cau-moi", row, geometry=Point(105.78, 10.03), **EVIDENCE)
    db_changes.apply(roles["admin"], cs, geodata=geodata)
    with psycopg.connect(roles["roads"], autocommit=True) as conn:
        assert conn.execute("UPDATE projects SET notes = 'mine' WHERE id = 'cau-moi'").rowcount == 1


def _cli(*argv: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "portfolio", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        input=stdin,
        env={**os.environ, **(env or {})},
    )


def test_cli_on_the_database(register_database: Db, tmp_path: Path) -> None:
    url, register, geodata = register_database
    env = {auth.EDITORS_ENV: str(tmp_path / "editors.json")}
    assert (
        _cli(
            "editors",
            "add",
            "gt",
            "--department",
            "Sở Giao thông vận tải",
            env=env,
            stdin="mật-khẩu-gt-2026\n",
        ).returncode
        == 0
    )
    made = _cli("roles", "add", "Sở Giao thông vận tải", "--database", url, env=env)
    assert made.returncode == 0 and "given to 1 editor(s)" in made.stdout, made.stderr
    editor = auth.Editor(
        **json.loads((tmp_path / "editors.json").read_text(encoding="utf-8"))["editors"]["gt"]
    )
    assert editor.db_role.startswith("pf_") and editor.db_password
    upload = tmp_path / "up.csv"
    upload.write_text("id,notes\ndt-923,from the CLI\n", encoding="utf-8")
    where = ["--database", url, "--geodata", str(geodata)]
    who = ["--author", "gt", "--reason", "r", "--source", "QĐ 1 2026-11-20"]
    preview = _cli("change", "preview", str(upload), *where, *who)
    assert preview.returncode == 0 and "dt-923: notes: '' → 'from the CLI'" in preview.stdout, preview.stderr
    applied = _cli("change", "apply", str(upload), *where, *who)
    assert applied.returncode == 0 and "audit record(s) in" in applied.stdout, applied.stderr
    assert sql(url, "SELECT notes FROM projects WHERE id = 'dt-923'") == [("from the CLI",)]
    history = _cli("history", "dt-923", *where)
    assert history.returncode == 0 and "Status over time:" in history.stdout
    assert "cau-moi" not in _cli("list", "--as-of", "2026-01-01", *where).stdout
    review = _cli("review", *where, "--today", "2026-12-03")
    assert review.returncode == 0 and "dt-923" in review.stdout
    sql(url, f'DROP OWNED BY "{editor.db_role}"')  # roles are cluster-wide: leave none behind
    sql(url, f'DROP ROLE "{editor.db_role}"')


def test_the_app_writes_as_the_editors_department_role(
    register_database: Db, roles: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    url, register, geodata = register_database
    monkeypatch.setenv("PORTFOLIO_DATABASE_URL", url)
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geodata))
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    monkeypatch.setenv(auth.EDITORS_ENV, str(tmp_path / "editors.json"))
    auth.add_editor("gt", "mật-khẩu-gt-2026", "Sở Giao thông vận tải")
    import urllib.parse

    parts = urllib.parse.urlsplit(roles["roads"])  # the roads department's login role (fixture)
    role, password = urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or "")
    auth.set_database_role("Sở Giao thông vận tải", role, password)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["sel"] = "dt-923"
    at.run()
    at.text_input(key="login_user").input("gt")
    at.text_input(key="login_password").input("mật-khẩu-gt-2026")
    at.button(key="login").click().run()
    at.text_area(key="e_notes").input("checked on site")
    at.text_input(key="e_reason").input("site visit")
    at.text_input(key="e_source").input("Biên bản kiểm tra 2026-11-30")
    next(b for b in at.button if b.label == "Xem trước" and "FormSubmitter" in str(b.key)).click().run()
    at.button(key="apply_edit_dt-923").click().run()
    assert not at.exception, at.exception
    assert sql(url, "SELECT notes FROM projects WHERE id = 'dt-923'") == [("checked on site",)]
    assert sql(url, "SELECT db_role, author FROM audit") == [(role, "gt")]  # not the tables' owner
