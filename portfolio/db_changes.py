"""The change workflow on the PostGIS store: apply in one transaction, the audit table, one role per
department and row-level security.

Migration 2 (:func:`migration_statements`, appended to :data:`portfolio.stores.postgis.MIGRATIONS`)
adds

- ``audit``: one row per field change (change set id, author, time, before, after, source, reason,
  origin, the register version after it, and the database role that wrote it); append-only (a
  trigger refuses UPDATE, DELETE and TRUNCATE, whoever asks);
- ``department_roles``: the database role of each department (and the administrators' role) and
  ``project_departments``: which department role answers for which project (computed by
  :func:`sync_departments` with the same reading of owner names as the files store,
  :mod:`portfolio._departments`);
- row-level security on ``projects``: everyone may read; a department role may UPDATE only the rows
  mapped to it, and may not move a row to another department (a trigger); an administrators' role
  may do anything. The table owner (the role that ran ``db init``) is not subject to the policies.

So an editor's connection cannot change another department's row even from ``psql``. The app
connects as the editor's department role (:func:`role_url`), never as the owner of the tables.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portfolio import _departments, schema
from portfolio._errors import ChangeError, Problem
from portfolio.changes import (
    Applied,
    ChangeSet,
    RegisterState,
    _geojson_geometry,
    plan,
)

AUDIT_COLUMNS = (
    "changeset",
    "time",
    "author",
    "project",
    "field",
    "before",
    "after",
    "source",
    "reason",
    "origin",
    "register_version",
    "moved_m",
)


def migration_statements() -> list[str]:
    """Migration 2: audit table, department roles, row-level security."""
    is_admin = (
        "EXISTS (SELECT 1 FROM department_roles d WHERE d.is_admin "
        "AND pg_has_role(current_user, d.role, 'MEMBER'))"
    )
    mapped = (
        "EXISTS (SELECT 1 FROM project_departments pd WHERE pd.project_id = projects.id "
        "AND pg_has_role(current_user, pd.role, 'MEMBER'))"
    )
    return [
        "CREATE TABLE audit (\n"
        "    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "    changeset text NOT NULL, time timestamptz NOT NULL, author text NOT NULL,\n"
        "    project text NOT NULL, field text NOT NULL, before jsonb, after jsonb,\n"
        "    source text NOT NULL, reason text NOT NULL, origin text NOT NULL,\n"
        "    register_version text NOT NULL, moved_m double precision,\n"
        "    db_role name NOT NULL DEFAULT current_user\n)",
        "CREATE INDEX audit_project ON audit (project, time)",
        "CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n    RAISE EXCEPTION 'the audit is append-only (% refused)', TG_OP;\nEND\n$$",
        "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit\n"
        "    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
        "CREATE TABLE department_roles (\n"
        "    role name PRIMARY KEY, department text NOT NULL,\n"
        "    is_admin boolean NOT NULL DEFAULT false\n)",
        "CREATE TABLE project_departments (\n"
        # no foreign key to projects: `db push` and psql may TRUNCATE it; a stale id matches no row
        "    project_id text NOT NULL,\n"
        "    role name NOT NULL REFERENCES department_roles (role) ON DELETE CASCADE,\n"
        "    PRIMARY KEY (project_id, role)\n)",
        # the change counter is bumped by whoever writes: its function runs with its owner's rights
        "ALTER FUNCTION bump_register_version() SECURITY DEFINER",
        "ALTER TABLE projects ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY projects_read ON projects FOR SELECT USING (true)",
        f"CREATE POLICY projects_admin ON projects FOR ALL USING ({is_admin}) WITH CHECK ({is_admin})",
        f"CREATE POLICY projects_department ON projects FOR UPDATE USING ({mapped}) WITH CHECK ({mapped})",
        "CREATE FUNCTION projects_keep_department() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"    IF NOT {is_admin} AND EXISTS (SELECT 1 FROM department_roles d\n"
        "            WHERE pg_has_role(current_user, d.role, 'MEMBER'))\n"
        "       AND (NEW.owner IS DISTINCT FROM OLD.owner\n"
        "            OR NEW.owner_current IS DISTINCT FROM OLD.owner_current\n"
        "            OR NEW.id IS DISTINCT FROM OLD.id) THEN\n"
        "        RAISE EXCEPTION 'project %: only an administrator may change its owner', OLD.id\n"
        "            USING ERRCODE = 'insufficient_privilege';\n"
        "    END IF;\n"
        "    RETURN NEW;\n"
        "END\n$$",
        "CREATE TRIGGER projects_keep_department BEFORE UPDATE ON projects\n"
        "    FOR EACH ROW EXECUTE FUNCTION projects_keep_department()",
    ]


# ------------------------------------------------------------------------------------ roles


def role_name(database: str, department: str, *, admin: bool = False) -> str:
    """The role of ``department`` in ``database``: ``pf_<db hash>_<slug>`` (roles are cluster-wide, so
    two databases on one server never share one; at most 63 bytes)."""
    db = hashlib.sha256(database.encode()).hexdigest()[:6]
    if admin:
        return f"pf_{db}_admin"
    from portfolio.query import normalise

    slug = re.sub(r"[^a-z0-9]+", "_", normalise(department)).strip("_")[:40] or "dept"
    tag = hashlib.sha256(department.encode()).hexdigest()[:4]
    return f"pf_{db}_{slug}_{tag}"


def _database_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def role_url(url: str, role: str, password: str) -> str:
    """``url`` with its user and password replaced by ``role``'s."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    user = urllib.parse.quote(role, safe="")
    secret = urllib.parse.quote(password, safe="")
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:{secret}@{host}"))


def create_role(
    owner_url: str, department: str, *, admin: bool = False, password: str | None = None
) -> tuple[str, str]:
    """Create (or reset the password of) the login role of ``department`` (or the administrators'),
    grant it what editing needs, and map it to its projects; returns ``(role, password)``.

    Run as the owner of the tables (the role that ran ``db init``) or a superuser.
    """
    import psycopg
    from psycopg import sql

    role = role_name(_database_of(owner_url), department, admin=admin)
    password = password or secrets.token_urlsafe(24)
    with psycopg.connect(owner_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN NOINHERIT PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        ident = sql.Identifier(role)
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(_database_of(owner_url)), ident
            )
        )
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(ident))
        conn.execute(sql.SQL("GRANT UPDATE ON projects TO {}").format(ident))
        conn.execute(sql.SQL("GRANT INSERT ON audit TO {}").format(ident))
        if admin:
            conn.execute(sql.SQL("GRANT INSERT, DELETE ON projects, project_departments TO {}").format(ident))
        conn.execute(
            "INSERT INTO department_roles (role, department, is_admin) VALUES (%s, %s, %s) "
            "ON CONFLICT (role) DO UPDATE SET department = EXCLUDED.department, "
            "is_admin = EXCLUDED.is_admin",
            (role, department, admin),
        )
        _sync(conn)
        conn.commit()
    return role, password


def _sync(conn: Any) -> int:
    roles = conn.execute("SELECT role, department FROM department_roles WHERE NOT is_admin").fetchall()
    rows = conn.execute(
        "SELECT id, coalesce(owner, ''), coalesce(owner_current, '') FROM projects"
    ).fetchall()
    pairs = [
        (ident, role)
        for ident, owner, current in rows
        for role, department in roles
        if _departments.answers_to({"owner": owner, "owner_current": current}, department)
    ]
    conn.execute("DELETE FROM project_departments")
    with conn.cursor().copy("COPY project_departments (project_id, role) FROM STDIN") as copy:
        for pair in pairs:
            copy.write_row(pair)
    return len(pairs)


def sync_departments(owner_url: str) -> int:
    """Recompute which department role answers for which project (after ``db push``, say)."""
    import psycopg

    with psycopg.connect(owner_url) as conn:
        count = _sync(conn)
        conn.commit()
    return count


# ------------------------------------------------------------------------------------ state and audit


def _state(conn: Any, url: str, geodata: Path | None) -> RegisterState:
    """The register as ``conn`` sees it, through the PostGIS store's own reading."""
    from psycopg import sql

    from portfolio.changes import state_from_inputs
    from portfolio.stores import postgis

    store = postgis.PostGISStore(url) if geodata is None else postgis.PostGISStore(url, boundary=geodata)
    query = sql.SQL("SELECT {} FROM projects ORDER BY register_row, id").format(postgis._select_columns())
    records = conn.execute(query).fetchall()
    inputs = store._raw_inputs(records, "in transaction")
    return state_from_inputs(inputs, store.boundary)


def read_audit(url: str) -> list[dict[str, Any]]:
    """Every audit record of the database, oldest first, as :func:`portfolio.changes.read_audit` gives."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT changeset, time, author, project, field, before, after, source, reason, origin, "
            "register_version, moved_m FROM audit ORDER BY seq"
        ).fetchall()
    out = []
    for row in rows:
        record = dict(zip(AUDIT_COLUMNS, row, strict=True))
        record["time"] = record["time"].astimezone(UTC).isoformat(timespec="seconds")
        out.append(record)
    return out


# ------------------------------------------------------------------------------------ apply


_WRITE_LOCK = 0x70_66_31_30  # pg_advisory_xact_lock key of register writers ("pf10")


def apply(
    url: str, cs: ChangeSet, *, now: datetime | None = None, editor: Any = None, geodata: Path | None = None
) -> Applied:
    """Apply ``cs`` to the database at ``url`` (connect as the editor's department role) in one
    transaction: rows, geometries and audit records are all written, or nothing is. ``geodata`` is
    the folder of the city boundary (default: the repository's).

    Raises
    ------
    ConflictError
        A project changed since the change started.
    ChangeError
        A rule broken, nothing changed, ``editor`` not allowed, or the database refused the write
        (row-level security, a constraint): ``not_permitted`` / ``db_refused``.
    """
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import sql

    when = now or datetime.now(UTC)
    with psycopg.connect(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
        state = _state(conn, url, geodata)
        result, version_after, lines = plan(state, cs, when, editor)
        new = set(result.preview.new_rows)
        by_row: dict[str, dict[str, str]] = {}
        for change in result.preview.changes:
            if change.id not in new:
                by_row.setdefault(change.id, {})[change.field] = change.after
        texts = _search_texts(result.rows, [*result.preview.new_rows, *by_row])
        try:
            for ident in result.preview.new_rows:
                row = result.rows[ident]
                columns = [c for c in schema.COLUMNS if row.get(c, "") != ""]
                conn.execute(
                    sql.SQL(
                        "INSERT INTO projects ({}, search_text, geometry) VALUES ({}, %s, "
                        "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))"
                    ).format(
                        sql.SQL(", ").join(map(sql.Identifier, columns)),
                        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
                    ),
                    [
                        *(row[c] for c in columns),
                        texts[ident],
                        _json(_geojson_geometry(result.geometries[ident])),
                    ],
                )
            for ident, fields in by_row.items():
                assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(f)) for f in fields)
                cur = conn.execute(  # (the folded search text too: else the trigger forgets it)
                    sql.SQL("UPDATE projects SET {}, search_text = %s WHERE id = %s").format(assignments),
                    [*(v if v != "" else None for v in fields.values()), texts[ident], ident],
                )
                _check_written(cur, cs, ident)
            for g in result.preview.geometries:
                if g.id in new:
                    continue
                cur = conn.execute(
                    "UPDATE projects SET geometry = ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326) WHERE id = %s",
                    (_json(_geojson_geometry(result.geometries[g.id])), g.id),
                )
                _check_written(cur, cs, g.id)
            with conn.cursor().copy(
                sql.SQL("COPY audit ({}) FROM STDIN").format(
                    sql.SQL(", ").join(map(sql.Identifier, AUDIT_COLUMNS))
                )
            ) as copy:
                for line in lines:
                    copy.write_row(
                        [
                            _json(line.get(c)) if c in ("before", "after") else line.get(c)
                            for c in AUDIT_COLUMNS
                        ]
                    )
            moved = any(c.field in ("owner", "owner_current") for c in result.preview.changes) or new
            admin = conn.execute(
                "SELECT 1 FROM department_roles WHERE is_admin AND pg_has_role(current_user, role, 'MEMBER')"
            ).fetchone()
            if moved and admin:  # who answers for which project changed: recompute the mapping
                _sync(conn)
            conn.commit()
        except (pg_errors.InsufficientPrivilege, pg_errors.IntegrityError, pg_errors.CheckViolation) as exc:
            conn.rollback()
            rule = "not_permitted" if isinstance(exc, pg_errors.InsufficientPrivilege) else "db_refused"
            first = str(exc).strip().splitlines()[0]
            raise ChangeError(
                [Problem(cs.origin, "", "", rule, f"the database refused the change: {first}")]
            ) from None
    return Applied(cs.id, result.preview, version_after, len(lines))


def _search_texts(rows: dict[str, dict[str, str]], idents: list[str]) -> dict[str, str]:
    """The stored search text (:func:`portfolio._derived.search_text`) of each of ``idents``' rows."""
    import pandas as pd

    from portfolio._derived import search_text
    from portfolio._text import SEARCH_COLUMNS

    cells = [{c: rows[i].get(c, "") for c in SEARCH_COLUMNS} for i in idents]
    return dict(zip(idents, search_text(pd.DataFrame(cells, columns=list(SEARCH_COLUMNS))), strict=True))


def _check_written(cur: Any, cs: ChangeSet, ident: str) -> None:
    if cur.rowcount != 1:  # row-level security hides another department's row from UPDATE
        raise ChangeError(
            [
                Problem(
                    cs.origin,
                    cs.where.get(ident, f"id {ident}"),
                    "",
                    "not_permitted",
                    f"the database did not let this role change project {ident} "
                    "(row-level security: another department's project)",
                )
            ]
        )


def _json(value: Any) -> Any:
    import json

    return None if value is None else json.dumps(value, ensure_ascii=False)
