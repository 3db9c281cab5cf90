"""The PostgreSQL + PostGIS store: the shared register in a database several desks and app instances use.

The database holds one table, ``projects``: one row per register row, a typed column per register
column (:data:`COLUMN_TYPES`; ``NOT NULL`` where :data:`portfolio.schema.REQUIRED` says so; CHECK
constraints generated from the vocabularies of :mod:`portfolio.schema`; ``id`` the primary key,
``parent_id`` a foreign key to it) and ``geometry geometry(Geometry, 4326)`` with a GiST index.
``register_row`` keeps the register's order. A statement-level trigger bumps the single row of
``register_version`` on every INSERT, UPDATE, DELETE or TRUNCATE of ``projects`` (from this package,
``psql`` or QGIS alike): that counter is :meth:`PostGISStore.version`, which the register's cache
is keyed on.

The schema is made by :data:`MIGRATIONS`, an ordered list applied by :func:`init` (``python -m
portfolio db init``) and recorded in ``schema_version``. A later change (the audit table, roles and
row-level security of the change workflow) is one more :class:`Migration` appended to the list.

Text round-trips exactly: empty cells are ``NULL``; dates, years and decimals are typed columns whose
text form is the register's (``numeric`` keeps ``12.50`` as written). Geometries round-trip as the
doubles they are: :func:`geometry_lines` writes them as GeoJSON the way ``geodata/projects.geojson``
is written (shortest round-trip decimals, ``10.0`` for an integral value), one feature per line, so
files → database → files gives the same bytes (``tests/test_db_store.py`` checks it on the real
register).

Faults are :class:`~portfolio._errors.StoreError` with one problem and one of these rules:
``db_url`` (not a usable URL), ``db_unreachable`` (no server there), ``db_auth`` (password or role
refused), ``db_missing`` (no such database), ``db_no_postgis`` (PostGIS missing and not creatable),
``db_not_initialised`` (no register schema: run ``db init``), ``db_schema_old`` / ``db_schema_new``
(a schema of another version than this code's), ``db_columns`` (the table lacks a register
column), ``db_connection_lost`` (the server went away during a command; its transaction is rolled
back), ``db_refused`` (the database refused a write: a constraint), ``db_error`` (anything else the
server said).
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import io
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import psycopg
import shapely
from psycopg import errors as pg_errors
from psycopg import sql

from portfolio import schema
from portfolio._errors import Problem, RegisterError, StoreError
from portfolio._files import atomic_path, write_target
from portfolio.constants import REGION_BBOX
from portfolio.register import (
    BOUNDARY_FILE,
    DEFAULT_GEODATA,
    PROJECTS_FILE,
    RawRegister,
    _file_state,
    load_boundary,
    parse_geodata,
)
from portfolio.stores import RawInputs, redact

if TYPE_CHECKING:
    import geopandas as gpd

    from portfolio.query import Filter

#: Seconds to wait for a server before saying it is unreachable.
CONNECT_TIMEOUT = 5
#: ``application_name`` of the sessions this package opens (visible in ``pg_stat_activity``).
APPLICATION_NAME = "portfolio"

#: PostgreSQL type of each register column that is not plain ``text`` when migration 1 made the table
#: (frozen: an applied step never changes; later types come from later migrations).
_V1_COLUMN_TYPES: dict[str, str] = {
    "period_start": "smallint",
    "period_end": "smallint",
    "status_as_of": "date",
    "geocode_precision": "smallint",
    "official_area_ha": "numeric",
    "official_length_km": "numeric",
}
#: PostgreSQL type of each register column that is not plain ``text``, at the current schema.
COLUMN_TYPES: dict[str, str] = {
    **_V1_COLUMN_TYPES,
    "investment_bn_vnd": "numeric",  # migration 4
}

#: Register columns holding a vocabulary value: column -> the values :mod:`portfolio.schema` allows.
VOCABULARY_COLUMNS: dict[str, Callable[[], Sequence[object]]] = {
    "sector": lambda: list(schema.SECTORS),
    "funding_type": lambda: list(schema.FUNDING_TYPES),
    "status": lambda: list(schema.STATUSES),
    "scope": lambda: list(schema.SCOPES),
    "admin_basis": lambda: list(schema.ADMIN_BASES),
    "geocode_precision": lambda: list(schema.PRECISION),
}

#: ``portfolio._periods._HISTORY_YEARS`` as a PostgreSQL regular expression literal (the same pattern).
_HISTORY_SQL = "'=(\\d{4})-(\\d{4})\\s*(?=;|$)'"

#: ST_Dimension of each geometry family of :data:`portfolio.schema.SECTOR_GEOMETRY`.
_FAMILY_DIMENSION = {"point": 0, "line": 1, "polygon": 2}
_GEOMETRY_TYPES = ("POINT", "MULTIPOINT", "LINESTRING", "MULTILINESTRING", "POLYGON", "MULTIPOLYGON")


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _constraints() -> list[str]:
    """The table's CHECK constraints (migration 1), generated from :mod:`portfolio.schema` (never a
    copied list)."""
    checks = [f"CONSTRAINT projects_id_format CHECK (id ~ {_literal(schema.ID_RE.pattern)})"]
    for column in sorted(schema.REQUIRED - set(_V1_COLUMN_TYPES)):
        checks.append(f"CONSTRAINT projects_{column}_required CHECK (btrim({column}) <> '')")
    for column, values in VOCABULARY_COLUMNS.items():
        allowed = ", ".join(_literal(v) for v in values())
        checks.append(f"CONSTRAINT projects_{column}_vocabulary CHECK ({column} IN ({allowed}))")
    years = f"BETWEEN {schema.YEAR_MIN} AND {schema.YEAR_MAX}"
    checks += [
        f"CONSTRAINT projects_period_start_year CHECK (period_start {years})",
        f"CONSTRAINT projects_period_end_year CHECK (period_end {years})",
        "CONSTRAINT projects_period_order CHECK (period_start <= period_end)",
        f"CONSTRAINT projects_status_as_of_year CHECK (extract(year FROM status_as_of) {years})",
        "CONSTRAINT projects_official_area_ha_positive CHECK (official_area_ha > 0)",
        "CONSTRAINT projects_official_length_km_positive CHECK (official_length_km > 0)",
        # Through a function: PostGIS's geometry_columns view (which QGIS reads) takes any CHECK on
        # GeometryType(...) or ST_GeometryType(...) for the column's single type.
        "CONSTRAINT projects_geometry_type CHECK (register_geometry_type_allowed(geometry))",
        "CONSTRAINT projects_geometry_valid CHECK (NOT ST_IsEmpty(geometry) AND ST_IsValid(geometry))",
        "CONSTRAINT projects_geometry_region CHECK (geometry @ ST_MakeEnvelope({}, {}, {}, {}, 4326))".format(
            *REGION_BBOX
        ),
    ]
    kinds = " ".join(
        f"WHEN {_literal(sector)} THEN ST_Dimension(geometry) IN "
        f"({', '.join(str(_FAMILY_DIMENSION[f]) for f in sorted(families))})"
        for sector, families in schema.SECTOR_GEOMETRY.items()
    )
    checks.append(f"CONSTRAINT projects_geometry_kind CHECK (CASE sector {kinds} ELSE false END)")
    return checks


def _v1_register() -> list[str]:
    """Migration 1: the ``projects`` table, its indexes, the change counter and its trigger."""
    columns = ["register_row integer GENERATED BY DEFAULT AS IDENTITY UNIQUE"]
    for column in schema.COLUMNS:
        kind = _V1_COLUMN_TYPES.get(column, "text")
        null = " NOT NULL" if column in schema.REQUIRED else ""
        key = " PRIMARY KEY" if column == "id" else ""
        ref = " REFERENCES projects (id) DEFERRABLE INITIALLY DEFERRED" if column == "parent_id" else ""
        columns.append(f"{column} {kind}{null}{key}{ref}")
    columns.append("geometry geometry(Geometry, 4326) NOT NULL")
    body = ",\n    ".join(columns + _constraints())
    allowed = ", ".join(_literal(t) for t in _GEOMETRY_TYPES)
    return [
        "CREATE FUNCTION register_geometry_type_allowed(g geometry) RETURNS boolean\n"
        f"    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN GeometryType(g) IN ({allowed})",
        f"CREATE TABLE projects (\n    {body}\n)",
        "CREATE INDEX projects_geometry_gist ON projects USING gist (geometry)",
        "CREATE INDEX projects_status ON projects (status)",
        "CREATE INDEX projects_sector ON projects (sector)",
        "CREATE INDEX projects_owner ON projects (owner)",
        "CREATE INDEX projects_owner_current ON projects (owner_current)",
        "CREATE INDEX projects_communes ON projects (communes)",
        # the foreign key's reverse look-up: without it, deleting a project scans the table for children
        "CREATE INDEX projects_parent_id ON projects (parent_id)",
        # Every period a source gives a project (portfolio._periods.sourced_periods), as one multirange,
        # and the start of its latest one (latest_periods): the timeframe and in_year filters in SQL.
        "CREATE FUNCTION register_periods(s smallint, e smallint, h text) RETURNS int4multirange\n"
        "    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n"
        "    SELECT coalesce(range_agg(int4range(least(a, b), greatest(a, b), '[]')), '{}'::int4multirange)\n"
        "    FROM (SELECT coalesce(s, e)::int AS a, coalesce(e, s)::int AS b\n"
        "          WHERE coalesce(s, e) IS NOT NULL\n"
        "          UNION ALL SELECT m[1]::int, m[2]::int\n"
        f"          FROM regexp_matches(coalesce(h, ''), {_HISTORY_SQL}, 'g') m\n"
        "    ) p\n$$",
        "CREATE FUNCTION register_latest_start(s smallint, e smallint, h text) RETURNS integer\n"
        "    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$\n"
        "    SELECT coalesce((SELECT r.m[1]::int FROM regexp_matches(coalesce(h, ''), "
        f"{_HISTORY_SQL}, 'g') WITH ORDINALITY AS r(m, n)\n"
        "                     ORDER BY r.n DESC LIMIT 1), coalesce(s, e)::int)\n$$",
        "CREATE INDEX projects_periods ON projects USING gist "
        "(register_periods(period_start, period_end, period_history))",
        "CREATE INDEX projects_latest_start ON projects "
        "(register_latest_start(period_start, period_end, period_history))",
        "CREATE TABLE register_version (\n"
        "    one boolean PRIMARY KEY DEFAULT true CHECK (one),\n"
        "    version bigint NOT NULL,\n"
        "    changed_at timestamptz NOT NULL DEFAULT now()\n)",
        "INSERT INTO register_version (version) VALUES (1)",
        "CREATE FUNCTION bump_register_version() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    UPDATE register_version SET version = version + 1, changed_at = now();\n"
        "    RETURN NULL;\n"
        "END\n$$",
        "CREATE TRIGGER projects_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects\n"
        "    FOR EACH STATEMENT EXECUTE FUNCTION bump_register_version()",
    ]


@dataclass(frozen=True)
class Migration:
    """One step of the schema: ``version`` (1, 2, …), a short ``name``, and its SQL statements."""

    version: int
    name: str
    statements: Callable[[], list[str]]


#: The schema, step by step, oldest first; :func:`init` applies those a database lacks, in order, each
#: in the same transaction as its ``schema_version`` row. Append, never edit an applied step.
MIGRATIONS: list[Migration] = [
    Migration(1, "register table, change counter", _v1_register),
]


def _v2_changes() -> list[str]:  # issue 10: the change workflow's tables, roles and policies
    from portfolio.db_changes import migration_statements

    return migration_statements()


MIGRATIONS.append(Migration(2, "audit, department roles, row-level security", _v2_changes))


def _v3_search() -> list[str]:
    """Migration 3: an index on the old districts, and the folded search text of each project
    (:func:`portfolio._derived.search_text`, computed by this package: the folding is Python's), with a
    trigram index for the search in SQL.

    An UPDATE that changes a searched column without setting ``search_text`` (``psql``, QGIS, a change
    applied) sets it to ``NULL``: such a row is always a candidate of the search, never missed. The
    folding's version the texts were made with is kept in ``search_folding``; a store whose texts were
    made by another version does not search in SQL (:func:`_where`) until ``db push`` refreshes them."""
    from portfolio._text import SEARCH_COLUMNS

    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in SEARCH_COLUMNS)
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",  # (a trusted extension: the database's owner may create it)
        "ALTER TABLE projects ADD COLUMN search_text text",
        "CREATE INDEX projects_search_text ON projects USING gin (search_text gin_trgm_ops)",
        "CREATE INDEX projects_search_text_missing ON projects (register_row) WHERE search_text IS NULL",
        "CREATE INDEX projects_districts ON projects (districts_before_2025)",  # the district filter
        "CREATE TABLE search_folding (\n    one boolean PRIMARY KEY DEFAULT true CHECK (one),\n"
        "    version text NOT NULL\n)",
        "GRANT SELECT ON search_folding TO PUBLIC",
        "CREATE FUNCTION forget_search_text() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"    IF NEW.search_text IS NOT DISTINCT FROM OLD.search_text AND ({changed}) THEN\n"
        "        NEW.search_text := NULL;\n"
        "    END IF;\n"
        "    RETURN NEW;\n"
        "END\n$$",
        "CREATE TRIGGER projects_search_text BEFORE UPDATE ON projects\n"
        "    FOR EACH ROW EXECUTE FUNCTION forget_search_text()",
    ]


MIGRATIONS.append(Migration(3, "folded search text, trigram index; districts index", _v3_search))


def _v4_investment_numeric() -> list[str]:
    """Migration 4: ``investment_bn_vnd`` (issue 16, made ``text`` by migration 1) becomes ``numeric`` as
    ``official_*`` are, positive when given. The rows' figures passed the register's plain-number rule
    (``_rows.PLAIN_NUMBER_RE``), whose every text ``numeric`` reads; ``numeric`` keeps the digits as
    written (``12.50``), so a pull gives the file back byte for byte. A text no number reads (written
    with SQL past the rules) makes the step fail and roll back, naming the value."""
    return [
        "ALTER TABLE projects ALTER COLUMN investment_bn_vnd TYPE numeric "
        "USING nullif(btrim(investment_bn_vnd), '')::numeric",
        "ALTER TABLE projects ADD CONSTRAINT projects_investment_bn_vnd_positive "
        "CHECK (investment_bn_vnd > 0)",
    ]


MIGRATIONS.append(Migration(4, "investment_bn_vnd numeric", _v4_investment_numeric))

#: A text PostgreSQL's ``numeric`` reads as a finite number (``NaN`` and ``Infinity`` are not figures).
_NUMERIC_TEXT = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"


def _check_investment_figures(url: str, conn: psycopg.Connection[Any]) -> None:
    """Before migration 4: refuse, naming each project and its value, the ``investment_bn_vnd`` texts
    no number reads or that are not positive (written with SQL past the register's rules), rather than
    fail on PostgreSQL's cast or CHECK message."""
    bad = conn.execute(
        "SELECT id, investment_bn_vnd FROM projects WHERE btrim(investment_bn_vnd) <> '' AND "
        "CASE WHEN investment_bn_vnd ~ %s THEN investment_bn_vnd::numeric <= 0 ELSE true END "
        "ORDER BY register_row, id",
        (_NUMERIC_TEXT,),
    ).fetchall()
    if bad:
        raise StoreError(
            [
                Problem(
                    redact(url),
                    f"id {ident}",
                    "investment_bn_vnd",
                    "db_bad_figure",
                    f"migration 4 makes investment_bn_vnd a positive number, but project {ident} holds "
                    f"{value!r}: correct it (or empty it) in the database, then run `portfolio db init`",
                )
                for ident, value in bad
            ]
        )


def schema_version() -> int:
    """The schema version this code reads and writes: the last migration's."""
    return MIGRATIONS[-1].version


# ---------------------------------------------------------------- connections and faults


def _fault(url: str, rule: str, message: str) -> StoreError:
    return StoreError([Problem(redact(url), "", "", rule, message)])


def _server_said(exc: BaseException) -> str:
    """The first line of what the server or libpq said, without a repeated connection string."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    first = re.sub(r"^connection (failed|is bad): ", "", first)
    first = re.sub(
        r'connection to server (at "[^"]*"( \([^)]*\))?, port \d+|on socket "[^"]*") failed: ', "", first
    )
    return re.sub(r"^(FATAL|ERROR): +", "", first)


def _connect_fault(url: str, exc: BaseException) -> StoreError:
    said = _server_said(exc)
    low = str(exc).lower()
    if (
        isinstance(exc, psycopg.ProgrammingError)
        or "invalid connection option" in low
        or 'missing "="' in low
        or "invalid uri" in low
        or "invalid integer value" in low
    ):
        return _fault(url, "db_url", f"is not a usable database URL ({said})")
    if (
        "password authentication failed" in low
        or "no password supplied" in low
        or "role" in low
        and "does not exist" in low
        or "pg_hba.conf" in low
    ):
        return _fault(url, "db_auth", f"the server refused the login: {said}")
    if "database" in low and "does not exist" in low:
        return _fault(url, "db_missing", f"no such database on the server: {said}")
    return _fault(url, "db_unreachable", f"cannot reach the database server: {said}")


def _lost(url: str, what: str, exc: BaseException) -> StoreError:
    return _fault(
        url,
        "db_connection_lost",
        f"the connection was lost during {what} ({_server_said(exc)}); "
        "its transaction was rolled back: the database is as it was",
    )


def connect(url: str, *, autocommit: bool = False, purpose: str = "") -> psycopg.Connection[Any]:
    """A connection to ``url``; every failure is a one-line :class:`StoreError` (never a password)."""
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=f"{APPLICATION_NAME} {purpose}".strip(),
        )
    except (psycopg.Error, ValueError) as exc:
        raise _connect_fault(url, exc) from None


#: One open autocommit connection per URL, reused by :meth:`PostGISStore.version` and :func:`select`
#: (a new connection costs tens of milliseconds: more than the query); each with a lock, one user at a time.
_SHARED: dict[str, tuple[threading.Lock, list[psycopg.Connection[Any]]]] = {}
_SHARED_LOCK = threading.Lock()


@atexit.register
def _close_shared() -> None:
    """Close the shared connections when the program ends (not left to the garbage collector)."""
    with _SHARED_LOCK:
        for _, slot in _SHARED.values():
            for conn in slot:
                with contextlib.suppress(Exception):
                    conn.close()
        _SHARED.clear()


@contextlib.contextmanager
def shared_connection(url: str, purpose: str) -> Iterator[psycopg.Connection[Any]]:
    """The URL's shared autocommit connection, opened on first use and again after it broke."""
    with _SHARED_LOCK:
        lock, slot = _SHARED.setdefault(url, (threading.Lock(), []))
    with lock:
        if slot and slot[0].closed:
            slot.clear()
        if not slot:
            slot.append(connect(url, autocommit=True, purpose=purpose))
        try:
            yield slot[0]
        except BaseException:
            with contextlib.suppress(psycopg.Error):  # a broken connection is opened anew next time
                if slot[0].broken or slot[0].info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    slot[0].close()
            raise


@contextlib.contextmanager
def _faults(url: str, what: str) -> Iterator[None]:
    """Turn what psycopg raises during ``what`` into one-line StoreErrors."""
    try:
        yield
    except StoreError:
        raise
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        if isinstance(exc, pg_errors.QueryCanceled):
            raise _fault(url, "db_error", f"{what} was cancelled: {_server_said(exc)}") from None
        raise _lost(url, what, exc) from None
    except (pg_errors.IntegrityError, pg_errors.CheckViolation, pg_errors.RaiseException) as exc:
        raise _fault(url, "db_refused", f"the database refused {what}: {_server_said(exc)}") from None
    except psycopg.Error as exc:
        raise _fault(url, "db_error", f"{what} failed: {_server_said(exc)}") from None


def _has_postgis(conn: psycopg.Connection[Any]) -> bool:
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is not None


def _database_version(conn: psycopg.Connection[Any]) -> int | None:
    """The schema version recorded in the database; ``None`` when it has no ``schema_version`` table."""
    if conn.execute("SELECT to_regclass('schema_version')").fetchone() == (None,):
        return None
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _check_schema(url: str, conn: psycopg.Connection[Any]) -> None:
    """Raise the StoreError that says why this code cannot use the database's schema, if any."""
    found = _database_version(conn)
    if found is None or found == 0:
        if not _has_postgis(conn):
            raise _fault(
                url,
                "db_no_postgis",
                "the database has no PostGIS extension and no register: run `portfolio db init "
                "--database URL` as a role allowed to CREATE EXTENSION postgis",
            )
        raise _fault(
            url,
            "db_not_initialised",
            "the database holds no register schema: run `portfolio db init --database URL`",
        )
    if found < schema_version():
        raise _fault(
            url,
            "db_schema_old",
            f"the database schema is version {found}, this code needs {schema_version()}: "
            "run `portfolio db init --database URL` to migrate it",
        )
    if found > schema_version():
        raise _fault(
            url,
            "db_schema_new",
            f"the database schema is version {found}, newer than this code's "
            f"{schema_version()}: update this program before using it",
        )


# ---------------------------------------------------------------- db init


def init(url: str) -> list[Migration]:
    """Create PostGIS (when missing) and apply the migrations the database lacks; return those applied.

    Raises
    ------
    StoreError
        ``db_no_postgis`` when the extension is missing and cannot be created; ``db_schema_new``
        when the database is of a newer schema than this code; the connection faults.
    """
    with connect(url, purpose="db init") as conn, _faults(url, "db init"):
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('portfolio db init'))")
        if not _has_postgis(conn):
            try:
                with conn.transaction():
                    conn.execute("CREATE EXTENSION postgis")
            except psycopg.Error as exc:
                raise _fault(
                    url,
                    "db_no_postgis",
                    f"the database has no PostGIS extension and it cannot be created: "
                    f"{_server_said(exc)} (a superuser must run CREATE EXTENSION postgis, or "
                    "install postgresql-15-postgis-3)",
                ) from None
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (\n"
            "    version integer PRIMARY KEY,\n    name text NOT NULL,\n"
            "    applied_at timestamptz NOT NULL DEFAULT now()\n)"
        )
        found = _database_version(conn) or 0
        if found > schema_version():
            _check_schema(url, conn)
        applied = []
        for migration in MIGRATIONS:
            if migration.version <= found:
                continue
            if migration.statements is _v4_investment_numeric:
                _check_investment_figures(url, conn)
            for statement in migration.statements():
                conn.execute(statement)  # generated from portfolio.schema, no user input
            conn.execute(
                "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
            applied.append(migration)
        if any(m.statements is _v3_search for m in applied):
            refresh_search_texts(conn)  # the projects already there get their search texts
        conn.commit()
    return applied


# ---------------------------------------------------------------- the store


def _select_columns() -> sql.Composed:
    """Every register column as its register text (``''`` for NULL), then the geometry as WKB."""
    parts: list[sql.Composable] = []
    for column in schema.COLUMNS:
        ident = sql.Identifier(column)
        expr: sql.Composable
        if COLUMN_TYPES.get(column) == "date":
            expr = sql.SQL("to_char({}, 'YYYY-MM-DD')").format(ident)
        elif column in COLUMN_TYPES:
            expr = sql.SQL("{}::text").format(ident)
        else:
            expr = ident
        parts.append(sql.SQL("coalesce({}, '')").format(expr))
    parts.append(sql.SQL("ST_AsBinary(geometry)"))
    return sql.SQL(", ").join(parts)


def geometry_lines(ids: Sequence[str], geometries: Sequence[shapely.Geometry | None]) -> list[str]:
    """One GeoJSON Feature per project, each on one line, written as ``geodata/projects.geojson`` is.

    Coordinates are the doubles as stored, in the shortest decimals that read back to them (``105.618``,
    ``10.0``), the way Python's ``json`` writes floats; members in the file's order (``type``,
    ``properties`` with the ``id``, ``geometry``), no spaces. A missing geometry is ``null``.
    """
    present = [g for g in geometries if g is not None]
    texts = iter(shapely.to_geojson(np.array(present, dtype=object)).tolist() if present else [])
    lines = []
    for ident, geom in zip(ids, geometries, strict=True):
        text = next(texts) if geom is not None else "null"
        lines.append(
            '{"type":"Feature","properties":{"id":' + _json_string(ident) + '},"geometry":' + text + "}"
        )
    return lines


def _json_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def feature_collection(lines: Sequence[str]) -> str:
    """The project GeoJSON document of :func:`geometry_lines`: one feature per line, a final newline."""
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "]}\n"


@dataclass(frozen=True)
class PostGISStore:
    """The register in the database at ``url``; the city boundary from ``boundary``'s folder.

    Equal stores name the same database (and boundary folder). :meth:`version` reuses one open
    connection per URL (:func:`shared_connection`); :meth:`read` opens its own.
    """

    url: str
    boundary: Path = DEFAULT_GEODATA

    @property
    def label(self) -> str:
        """The URL without its password."""
        return redact(self.url)

    @property
    def register_name(self) -> str:
        """How problems name the register rows: ``LABEL projects``."""
        return f"{self.label} projects"

    @property
    def geodata_name(self) -> str:
        """How problems name the geometries: ``LABEL projects.geometry``."""
        return f"{self.label} projects.geometry"

    def version(self) -> str:
        """``SCHEMA:COUNTER`` (the change counter the trigger bumps) and the boundary file's state."""
        for attempt in (1, 2):  # a shared connection the server dropped since: once more on a new one
            try:
                with _faults(self.url, "reading"), shared_connection(self.url, "version") as conn:
                    _check_schema(self.url, conn)
                    row = conn.execute("SELECT version FROM register_version").fetchone()
                break
            except StoreError as exc:
                if attempt == 2 or exc.problems[0].rule != "db_connection_lost":
                    raise
        counter = row[0] if row else 0
        try:
            boundary = _file_state(self.boundary / BOUNDARY_FILE, "geodata")
        except RegisterError as exc:
            raise StoreError(exc.problems) from None
        return f"{schema_version()}:{counter}:{boundary[1]}:{boundary[2]}"

    def read(self) -> RawInputs:
        """Read every row and geometry in one snapshot; the geometries through the GeoJSON reader's
        checks (:func:`portfolio.register.parse_geodata`), so both stores report the same problems."""
        with connect(self.url, purpose="read") as conn, _faults(self.url, "reading"):
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            _check_schema(self.url, conn)
            self._check_columns(conn)
            counter = conn.execute("SELECT version FROM register_version").fetchone()
            query = sql.SQL("SELECT {} FROM projects ORDER BY register_row, id").format(_select_columns())
            records = conn.execute(query).fetchall()
            conn.rollback()
        try:
            boundary_state = _file_state(self.boundary / BOUNDARY_FILE, "geodata")
        except RegisterError as exc:
            raise StoreError(exc.problems) from None
        version = f"{schema_version()}:{counter[0] if counter else 0}:{boundary_state[1]}:{boundary_state[2]}"
        return self._raw_inputs(records, version)

    def _check_columns(self, conn: psycopg.Connection[Any]) -> None:
        found = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'projects' "
                "AND table_schema = current_schema()"
            ).fetchall()
        }
        missing = [c for c in (*schema.COLUMNS, "geometry", "register_row") if c not in found]
        if missing:
            raise _fault(
                self.url,
                "db_columns",
                f"table projects has no column {', '.join(missing)} (a register column added "
                "after this schema was made): add a migration to "
                "portfolio.stores.postgis.MIGRATIONS",
            )

    def _raw_inputs(self, records: list[tuple[Any, ...]], version: str) -> RawInputs:
        width = len(schema.COLUMNS)
        rows = [dict(zip(schema.COLUMNS, record[:width], strict=True)) for record in records]
        ids = [row["id"] for row in rows]
        wkb = [record[width] for record in records]
        geoms = shapely.from_wkb(np.array([bytes(w) if w is not None else None for w in wkb], dtype=object))
        raw = RawRegister(self.register_name, list(schema.COLUMNS), rows, list(range(1, len(rows) + 1)))
        register_problems = (
            []
            if rows
            else [Problem(self.register_name, "", "", "no_rows", "the register table holds no project rows")]
        )
        geo, geo_problems = None, []
        if rows:
            text = feature_collection(geometry_lines(ids, list(geoms)))
            geo, found = parse_geodata(Path(PROJECTS_FILE), text)
            geo_problems = [replace(p, file=self.geodata_name) for p in found]
            if geo is not None:  # the stored doubles themselves, not their reading back from text
                exact = dict(zip(ids, geoms, strict=True))
                geo = replace(
                    geo,
                    path=self.geodata_name,
                    geometries={
                        ident: (exact[ident] if g is not None else None)
                        for ident, g in geo.geometries.items()
                    },
                )
        boundary, boundary_problems = None, []
        try:
            boundary = load_boundary(self.boundary).geometry.union_all()
        except RegisterError as exc:
            boundary_problems = list(exc.problems)
        return RawInputs(
            register=raw,
            geodata=geo,
            boundary=boundary,
            register_name=self.register_name,
            geodata_name=self.geodata_name,
            version=version,
            register_problems=register_problems,
            geodata_problems=geo_problems,
            boundary_problems=boundary_problems,
        )


# ---------------------------------------------------------------- filters in SQL


def _matching_values(conn: psycopg.Connection[Any], field: str, column: str, flt: Filter) -> list[str]:
    """The distinct values of ``column`` that ``flt``'s criterion on ``field`` (owners, communes,
    districts) keeps, found by that criterion's own mask on a one-column frame (so SQL and pandas agree)."""
    import pandas as pd

    from portfolio.query import CRITERIA, Filter

    values = [
        r[0]
        for r in conn.execute(
            sql.SQL("SELECT DISTINCT {c} FROM projects WHERE {c} IS NOT NULL").format(
                c=sql.Identifier(column)
            )
        )
    ]
    if not values:
        return []
    (crit,) = [c for c in CRITERIA if c.params[0].field == field]
    probe = Filter(**{field: getattr(flt, field)})
    frame = pd.DataFrame({c: values if c == column else "" for c in crit.columns})
    return [v for v, hit in zip(values, probe.mask(frame), strict=True) if hit]


def refresh_search_texts(conn: psycopg.Connection[Any], *, missing_only: bool = True) -> int:
    """In ``conn``'s open transaction, holding the register writers' lock: store the folded search text
    of the projects that lack one (of all, when asked or when the stored texts were folded by another
    version of the folding), then record this code's folding version; return the rows refreshed. The
    caller commits."""
    import pandas as pd

    from portfolio._derived import search_text
    from portfolio._text import SEARCH_COLUMNS
    from portfolio.db_changes import _WRITE_LOCK

    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))  # no change written meanwhile
    every = not missing_only or not _search_texts_current(conn)
    cells = sql.SQL(", ").join(sql.SQL("coalesce({}, '')").format(sql.Identifier(c)) for c in SEARCH_COLUMNS)
    where = sql.SQL("" if every else " WHERE search_text IS NULL")
    records = conn.execute(sql.SQL("SELECT id, {} FROM projects{}").format(cells, where)).fetchall()
    conn.execute("CREATE TEMPORARY TABLE refreshed_search (id text PRIMARY KEY, text text) ON COMMIT DROP")
    with conn.cursor().copy("COPY refreshed_search (id, text) FROM STDIN") as copy:
        texts = search_text(pd.DataFrame([r[1:] for r in records], columns=list(SEARCH_COLUMNS)))
        for record, text in zip(records, texts, strict=True):
            copy.write_row([record[0], text])
    conn.execute("UPDATE projects p SET search_text = r.text FROM refreshed_search r WHERE p.id = r.id")
    conn.execute("DROP TABLE refreshed_search")
    _record_folding(conn)
    return len(records)


def _record_folding(conn: psycopg.Connection[Any]) -> None:
    """Record that the stored search texts are this code's folding's."""
    from portfolio.query.search import folding_version

    conn.execute(
        "INSERT INTO search_folding (version) VALUES (%s) ON CONFLICT (one) DO UPDATE SET version = %s",
        (folding_version(), folding_version()),
    )


def _search_texts_current(conn: psycopg.Connection[Any]) -> bool:
    """True when the stored search texts were made by this code's folding (:func:`_v3_search`)."""
    from portfolio.query.search import folding_version

    row = conn.execute("SELECT version FROM search_folding").fetchone()
    return row is not None and row[0] == folding_version()


def _where(conn: psycopg.Connection[Any], flt: Filter) -> tuple[sql.Composable, list[Any]]:
    """The SQL condition of every criterion of ``flt`` that has one, and its parameters: each
    criterion's own ``sql`` (:mod:`portfolio.query.criteria`), the name criteria (owners, communes,
    districts) through the cells of their columns that they match, the search on the stored folded
    texts (a superset, when they were made by this code's folding; else the search is left out).
    :func:`select` filters the rows found again with :meth:`Filter.apply`."""
    without = () if not flt.search or _search_texts_current(conn) else ("search",)
    condition, params = flt.sql_where(
        lambda field, column, f: _matching_values(conn, field, column, f), without
    )
    return sql.SQL(condition), params  # (text built from the criteria's constants; values are parameters)


def select(store: PostGISStore, flt: Filter) -> gpd.GeoDataFrame:
    """The projects ``flt`` selects, found by the database (:func:`_where`, using its indexes), as
    :meth:`Filter.apply` on :func:`portfolio.register.load`'s frame gives them (same columns, types and
    order; a fresh ``RangeIndex``).

    The rows found are filtered again by :meth:`Filter.apply` (districts, search, and a check of the
    rest); the register's rules are not run here (a load runs them all).
    """
    from portfolio.register import to_frame

    with _faults(store.url, "reading"), shared_connection(store.url, "select") as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _check_schema(store.url, conn)
        where, params = _where(conn, flt)
        query = sql.SQL("SELECT {} FROM projects WHERE {} ORDER BY register_row, id").format(
            _select_columns(), where
        )
        records = conn.execute(query, params).fetchall()
    width = len(schema.COLUMNS)
    rows = [dict(zip(schema.COLUMNS, r[:width], strict=True)) for r in records]
    geoms = shapely.from_wkb(np.array([bytes(r[width]) for r in records], dtype=object))
    frame = to_frame(rows, dict(zip([row["id"] for row in rows], geoms, strict=True)))
    return flt.apply(frame).reset_index(drop=True)


def explain(store: PostGISStore, flt: Filter, *, analyze: bool = False) -> str:
    """PostgreSQL's plan (``EXPLAIN``, with ``ANALYZE`` when asked) of :func:`select`'s query."""
    with connect(store.url, purpose="explain") as conn, _faults(store.url, "reading"):
        where, params = _where(conn, flt)
        prefix = sql.SQL("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ")
        query = sql.SQL("{}SELECT {} FROM projects WHERE {} ORDER BY register_row, id").format(
            prefix, _select_columns(), where
        )
        plan = "\n".join(str(r[0]) for r in conn.execute(query, params).fetchall())
        conn.rollback()
    return plan


# ---------------------------------------------------------------- db push, db pull, db status


def _cell(value: str) -> str | None:
    """A register cell as COPY text: ``None`` (NULL) for an empty one, the text otherwise."""
    return value if value != "" else None


def push(url: str, register: Path, geodata: Path) -> int:
    """Replace the database's register by the files' in one transaction; return the rows written.

    The files are validated first (every rule): any problem raises :class:`RegisterError` and
    nothing is sent. A fault during the transaction (a lost connection, a constraint) rolls it back
    whole: the database is left as it was.
    """
    from portfolio.stores.files import FilesStore
    from portfolio.validate import validate_inputs

    inputs = FilesStore(register, geodata).read()
    frame, problems = validate_inputs(inputs)
    if problems or frame is None or inputs.register is None or inputs.geodata is None:
        raise RegisterError(problems)
    rows = inputs.register.rows
    geoms = [shapely.set_srid(inputs.geodata.geometries[row["id"]], 4326) for row in rows]
    wkb = shapely.to_wkb(np.array(geoms, dtype=object), hex=True, include_srid=True, output_dimension=2)
    with connect(url, purpose="db push") as conn, _faults(url, "db push"):
        _check_schema(url, conn)
        replace_rows(conn, rows, list(wkb))
        conn.commit()
    return len(rows)


def replace_rows(conn: psycopg.Connection[Any], rows: Sequence[dict[str, str]], wkb: Sequence[str]) -> None:
    """In ``conn``'s open transaction: delete every project and COPY ``rows`` (register text by column)
    with their geometries (hex EWKB, SRID 4326) and folded search texts, numbered in order. The caller
    validates and commits."""
    import pandas as pd

    from portfolio._derived import search_text

    texts = search_text(pd.DataFrame(list(rows), columns=list(schema.COLUMNS)))  # the register's own
    names = ("register_row", *schema.COLUMNS, "geometry", "search_text")
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in names)
    conn.execute("LOCK TABLE projects IN EXCLUSIVE MODE")
    conn.execute("DELETE FROM projects")
    with conn.cursor().copy(sql.SQL("COPY projects ({}) FROM STDIN").format(columns)) as copy:
        for number, (row, hexwkb, text) in enumerate(zip(rows, wkb, texts, strict=True), start=1):
            copy.write_row([number, *(_cell(row[c]) for c in schema.COLUMNS), hexwkb, text])
    _record_folding(conn)
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('projects', 'register_row'), "
        "greatest(coalesce(max(register_row), 0), 1)) FROM projects"
    )


def register_csv(rows: Sequence[dict[str, str]]) -> str:
    """The register CSV text as the repository writes it (header, minimal quoting, ``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(schema.COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def pull(url: str, register: Path, geodata: Path, *, boundary: Path | None = None) -> int:
    """Write the database's register to ``register`` and ``geodata/projects.geojson``; return the rows.

    The database is read and validated (every rule) before anything is written; then both files are
    written to temporary files beside them and renamed over the old ones, so a pull that fails
    leaves both files as they were. ``boundary`` (default: ``geodata``) is where the city boundary
    used by the rules is read from (default: ``geodata`` when it holds ``city_boundary.geojson``, else
    the bundled :data:`portfolio.register.DEFAULT_GEODATA`).

    Raises
    ------
    RegisterError
        The database's content breaks a rule (nothing written); a StoreError for the store faults.
    OSError
        A target cannot be written (a missing folder, a directory in the way); nothing written.
    """
    from portfolio.validate import validate_inputs

    geodata = Path(geodata)
    targets = (write_target(Path(register)), write_target(geodata / PROJECTS_FILE))  # checked first
    if boundary is None:
        boundary = geodata if (geodata / BOUNDARY_FILE).is_file() else DEFAULT_GEODATA
    inputs = PostGISStore(url, boundary).read()
    frame, problems = validate_inputs(inputs)
    if problems or frame is None or inputs.register is None or inputs.geodata is None:
        raise RegisterError(problems)
    rows = inputs.register.rows
    ids = [row["id"] for row in rows]
    csv_text = register_csv(rows)
    geo_text = feature_collection(geometry_lines(ids, [inputs.geodata.geometries[i] for i in ids]))
    with atomic_path(targets[0]) as csv_tmp, atomic_path(targets[1]) as geo_tmp:
        csv_tmp.write_bytes(csv_text.encode("utf-8"))
        geo_tmp.write_bytes(geo_text.encode("utf-8"))
    return len(rows)


@dataclass(frozen=True)
class Status:
    """What ``db status`` prints: the database's schema version, this code's, rows, change counter."""

    label: str
    postgis: str | None
    schema_version: int | None
    code_version: int
    rows: int | None
    counter: int | None
    changed_at: str | None


def status(url: str) -> Status:
    """The state of the database at ``url`` (connection faults raise StoreError, nothing else does)."""
    with connect(url, autocommit=True, purpose="db status") as conn, _faults(url, "db status"):
        postgis = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
        found = _database_version(conn)
        rows = counter = changed = None
        if found:
            if conn.execute("SELECT to_regclass('projects')").fetchone() != (None,):
                rows = conn.execute("SELECT count(*) FROM projects").fetchone()[0]  # type: ignore[index]
            if conn.execute("SELECT to_regclass('register_version')").fetchone() != (None,):
                got = conn.execute("SELECT version, changed_at::text FROM register_version").fetchone()
                if got:
                    counter, changed = got
    return Status(
        redact(url), postgis[0] if postgis else None, found, schema_version(), rows, counter, changed
    )
