"""Refuse a GeoPackage whose layers are not what a layer must be, before GDAL opens it.

A GeoPackage is an SQLite database: a "layer" can be a view over a query of any cost (a recursive
CTE that never ends, or one that builds gigabytes), and GDAL runs it. :func:`refusal` reads the
schema with :mod:`sqlite3` only (read-only, ``immutable``: nothing is written, no journal is looked
for), runs no statement of the file's, and bounds its own queries by a step budget. A layer must be
a plain table; the file may hold no view, no virtual table but GDAL's R-tree indexes and no trigger
but the ones GDAL and the GeoPackage standard create; the page count must agree with the file's
size; and the layers may hold at most ``max_features`` rows together.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

#: Triggers GDAL and the GeoPackage standard create (they fire only on writes, which never happen).
_STANDARD_TRIGGER = re.compile(
    r"^(?:gpkg_\w+|rtree_\w+_(?:insert|update\d|delete)|trigger_(?:insert|delete)_feature_count_\w+)$",
    re.ASCII,
)
_RTREE = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\s+\S+\s+USING\s+rtree\s*\(", re.IGNORECASE)
_VIRTUAL = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE", re.IGNORECASE)
#: SQLite virtual-machine steps allowed for all of the checks' own queries (a few milliseconds).
_STEP_BUDGET = 50_000_000


class _Budget:
    """A progress handler that stops SQLite once :data:`_STEP_BUDGET` steps are spent."""

    def __init__(self) -> None:
        self.steps = 0

    def __call__(self) -> int:
        self.steps += 1000
        return int(self.steps > _STEP_BUDGET)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def refusal(path: Path, max_features: int) -> tuple[str, str] | None:
    """``(rule, English message)`` when the GeoPackage at ``path`` must not be read, else ``None``.

    Rules: ``unsafe_geopackage`` (a view, a virtual table, a trigger, a layer that is not a table),
    ``bad_geopackage`` (the database is damaged or its header lies about its size),
    ``too_many_features``.
    """
    uri = f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        return "bad_geopackage", f"the GeoPackage cannot be opened as a database: {exc}"
    try:
        conn.set_progress_handler(_Budget(), 1000)
        conn.execute("PRAGMA trusted_schema = OFF")
        return _schema_refusal(conn, Path(path).stat().st_size, max_features)
    except sqlite3.Error as exc:
        return "bad_geopackage", f"the GeoPackage's database is damaged: {exc}"
    finally:
        conn.close()


def _schema_refusal(conn: sqlite3.Connection, size: int, max_features: int) -> tuple[str, str] | None:
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
    if page_size <= 0 or page_count * page_size > size:
        return "bad_geopackage", (
            f"the GeoPackage's header says {page_count:,} pages of {page_size:,} "
            f"bytes, more than the file's {size:,} bytes: it is damaged or cut short"
        )
    objects = conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master").fetchall()
    tables = set()
    for kind, name, table, sql in objects:
        if kind == "view":
            return "unsafe_geopackage", (
                f"the GeoPackage holds a view ({name!r}); views run queries when "
                "read and are refused: save the layer as a table"
            )
        if kind == "trigger" and not _STANDARD_TRIGGER.match(name):
            return "unsafe_geopackage", (
                f"the GeoPackage holds a trigger ({name!r} on {table!r}) that GDAL "
                "did not create; triggers are refused: save the layers again"
            )
        if kind == "table" and _VIRTUAL.match(sql):
            if not (_RTREE.match(sql) and name.startswith("rtree_")):
                return "unsafe_geopackage", (
                    f"the GeoPackage holds a virtual table ({name!r}) that is not a "
                    "spatial index; virtual tables are refused"
                )
            continue
        if kind == "table":
            tables.add(name)
    if "gpkg_contents" not in tables:
        return "bad_geopackage", "the GeoPackage has no gpkg_contents table: it is not a GeoPackage"
    layers = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM gpkg_contents WHERE data_type IN ('features', 'attributes')"
        )
    ]
    total = 0
    for layer in layers:
        if layer not in tables:
            return "unsafe_geopackage", (
                f"the GeoPackage's layer {layer!r} is not a table; layers must be plain tables"
            )
        total += int(conn.execute(f"SELECT count(*) FROM {_quote(layer)}").fetchone()[0])
        if total > max_features:
            return "too_many_features", f"the file holds more than {max_features:,} features"
    return None
