"""Change sets: read → preview (a diff) → the rules on the register as it would be → apply → audit.

A change set is one of

- a CSV or Excel ``.xlsx`` file of rows keyed by ``id`` holding only the columns it changes (an empty
  cell leaves that field as it is; a row whose id is not in the register is a new project and must
  fill every required column); an optional ``version`` column names the row version the edit started
  from (see :func:`row_version`);
- a GeoJSON, GeoPackage or zipped Shapefile of new geometries, each feature with an ``id`` property
  (read by :func:`portfolio.upload.read_upload`, the app's bounded upload reader);
- one in-app edit of one project (:func:`edit`);

with who (``author``), why (``reason``) and on what evidence (``source``: a document and its date, or
an address; required).

:func:`preview` lists new rows, changed fields (before → after), moved geometries (metres, length and
area change, in EPSG:5897) and ids that do not exist, and runs every validation rule on the register
as it would be after the change, through the public :func:`portfolio.validate.validate_parsed`. A
change that breaks a rule is refused naming the change set's file, row and field. A status change
needs a status date (``status_as_of``) no earlier than the one it replaces. Formula cells are refused.

:func:`apply` writes the files store atomically: under a lock file, the new ``projects.csv`` and
``projects.geojson`` are written beside their targets, a journal naming them is written (the commit
point), then they are renamed into place and the audit lines appended; an interrupted apply is
finished by the next one (:func:`recover`). The audit file (``projects.audit.jsonl`` beside the
register) is append-only, one JSON line per field change. Optimistic versioning: a change set records
the version of each row it started from; when another change got there first, :class:`ConflictError`
names the project and the fields, and nothing is written.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from portfolio import schema
from portfolio._errors import ChangeError, ConflictError, InputError, Problem
from portfolio._files import write_target, write_text_atomic
from portfolio._rows import is_formula
from portfolio.measure import MEASURE_CRS
from portfolio.register import BOUNDARY_FILE, PROJECTS_FILE, read_geodata, read_register

#: Columns a change-set file may hold besides the register's: the row version it started from.
VERSION_COLUMN = "version"
#: Fields an in-app edit may change (the project card's form).
EDITABLE_FIELDS: tuple[str, ...] = (
    "status",
    "status_as_of",
    "status_source",
    "period_start",
    "period_end",
    "period_history",
    "owner",
    "owner_current",
    "funding_source",
    "funding_type",
    "notes",
)
#: Largest change-set file read, in bytes.
MAX_CHANGESET_BYTES = 20 * 1024 * 1024
#: Origin of an in-app edit (where a file name would be).
APP_ORIGIN = "app edit"

_DATE_IN_TEXT = re.compile(r"\b(\d{4}-\d{2}(-\d{2})?|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{4})\b")
_ADDRESS = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")


# ------------------------------------------------------------------------------------------------ model


@dataclass
class ChangeSet:
    """One proposed change: rows (only the fields it sets), geometries and its evidence."""

    origin: str
    author: str
    reason: str
    source: str
    #: id -> {column: new value}; only the fields the change set gives.
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    #: id -> where it is in the change set (``row 3``, ``feature 2``, ``id X``), for messages.
    where: dict[str, str] = field(default_factory=dict)
    geometries: dict[str, BaseGeometry] = field(default_factory=dict)
    #: id -> the row version the change started from (:func:`row_version`); filled by :func:`start`.
    base: dict[str, str] = field(default_factory=dict)
    #: id -> the row as it was when the change started (to name the fields another change touched).
    base_rows: dict[str, dict[str, str]] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def ids(self) -> list[str]:
        return list(dict.fromkeys([*self.rows, *self.geometries]))


@dataclass(frozen=True)
class FieldChange:
    id: str
    field: str
    before: str | None  # None: the project is new
    after: str


@dataclass(frozen=True)
class GeometryChange:
    id: str
    #: How far the geometry's centre moved, and the largest distance between the two shapes (metres).
    moved_m: float | None
    max_shift_m: float | None
    length_before_km: float | None
    length_after_km: float | None
    area_before_ha: float | None
    area_after_ha: float | None


@dataclass
class Preview:
    changeset: ChangeSet
    new_rows: list[str]
    changes: list[FieldChange]
    geometries: list[GeometryChange]
    unknown_ids: list[str]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.changes or self.geometries)

    def format(self) -> str:
        """The preview as text: one line per change, then the problems."""
        lines = [
            f"change set {self.changeset.id} from {self.changeset.origin}: "
            f"{len(self.new_rows)} new project(s), {len(self.changes)} field change(s), "
            f"{len(self.geometries)} geometry change(s)"
        ]
        lines += [f"  new project {i}" for i in self.new_rows]
        for ch in self.changes:
            before = "(new)" if ch.before is None else repr(ch.before)
            lines.append(f"  {ch.id}: {ch.field}: {before} → {ch.after!r}")
        for g in self.geometries:
            lines.append(f"  {g.id}: geometry {_describe_geometry(g)}")
        lines += [f"  not in the register: {i}" for i in self.unknown_ids]
        if self.problems:
            lines.append(f"REFUSED: {len(self.problems)} problem(s), nothing would be written")
            lines += [f"  {p}" for p in self.problems]
        elif not (self.changes or self.geometries):
            lines.append("nothing to change")
        return "\n".join(lines)


def _describe_geometry(g: GeometryChange) -> str:
    parts = []
    if g.moved_m is None:
        parts.append("new")
    else:
        parts.append(f"moved {g.moved_m:,.0f} m (at most {g.max_shift_m:,.0f} m apart)")
    if g.length_after_km is not None or g.length_before_km is not None:
        parts.append(f"length {_num(g.length_before_km, 'km')} → {_num(g.length_after_km, 'km')}")
    if g.area_after_ha is not None or g.area_before_ha is not None:
        parts.append(f"area {_num(g.area_before_ha, 'ha')} → {_num(g.area_after_ha, 'ha')}")
    return ", ".join(parts)


def _num(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:,.2f} {unit}"


# ------------------------------------------------------------------------------------------------ state


@dataclass
class RegisterState:
    """The register as stored: raw rows in order, geometries by id, and where it lives."""

    columns: list[str]
    rows: dict[str, dict[str, str]]
    geometries: dict[str, BaseGeometry | None]
    label: str
    boundary: Path | None = None
    #: Order of the geometries in the store (the GeoJSON's feature order); new ones go last.
    geo_order: list[str] = field(default_factory=list)

    def geometry_order(self, rows: Mapping[str, object]) -> list[str]:
        known = [i for i in self.geo_order if i in rows]
        return known + [i for i in rows if i not in set(known)]

    def version(self, ident: str) -> str:
        return row_version(self.rows[ident], self.geometries.get(ident))

    def register_version(self) -> str:
        """A short hash of every row and geometry: changes whenever the data changes.

        The hash of the rows' versions (:func:`row_version`), with the geometries' WKB made in one call
        (one call per geometry was half the time of an export of 10,000 projects from the CLI).
        """
        idents = list(self.rows)
        geoms = [self.geometries.get(ident) for ident in idents]
        wkb = shapely.to_wkb(geoms, hex=True, output_dimension=2).tolist() if geoms else []
        digest = hashlib.sha256()
        for ident, geom in zip(idents, wkb, strict=True):
            digest.update(_version(self.rows[ident], geom or "").encode())
        return digest.hexdigest()[:16]


def row_version(row: Mapping[str, str], geometry: BaseGeometry | None) -> str:
    """A row's version: a hash of its register cells and its geometry (16 hex digits)."""
    geom = shapely.to_wkb(geometry, hex=True, output_dimension=2) if geometry is not None else ""
    return _version(row, geom)


def _version(row: Mapping[str, str], geometry_wkb: str) -> str:
    """:func:`row_version` of a row and its geometry's hex WKB (``""`` for none)."""
    cells = [str(row.get(column, "")) for column in schema.COLUMNS]
    text = json.dumps([cells, geometry_wkb], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_state(register: Path, geodata: Path) -> RegisterState:
    """The files store's register as raw rows and geometries (read through the public readers).

    Raises
    ------
    InputError
        The register or its geodata cannot be read.
    """
    raw, problems = read_register(Path(register))
    geo, geo_problems = read_geodata(Path(geodata) / PROJECTS_FILE)
    problems = problems + geo_problems
    if raw is None or geo is None or problems:
        raise ChangeError(
            problems or [Problem(str(register), "", "", "unreadable", "register cannot be read")]
        )
    rows = {row["id"]: dict(row) for row in raw.rows}
    return RegisterState(
        list(raw.columns),
        rows,
        dict(geo.geometries),
        str(register),
        Path(geodata) / BOUNDARY_FILE,
        list(geo.order),
    )


def state_from_inputs(inputs: Any, boundary_folder: Path | None) -> RegisterState:
    """A :class:`RegisterState` from a store's :class:`~portfolio.stores.RawInputs` (any store).

    Raises
    ------
    ChangeError
        The store's register or geometries could not be read.
    """
    unread = inputs.register is None or inputs.geodata is None
    if unread or inputs.register_problems or inputs.geodata_problems:
        raise ChangeError(
            inputs.problems
            or [Problem(inputs.register_name, "", "", "unreadable", "register cannot be read")]
        )
    rows = {row["id"]: dict(row) for row in inputs.register.rows}
    boundary = Path(boundary_folder) / BOUNDARY_FILE if boundary_folder is not None else None
    return RegisterState(
        list(inputs.register.columns),
        rows,
        dict(inputs.geodata.geometries),
        inputs.register_name,
        boundary,
        list(inputs.geodata.order),
    )


def start(state: RegisterState, changeset: ChangeSet) -> ChangeSet:
    """Record the versions the change set starts from (rows it names that already exist), unless the
    change set gave them itself (a ``version`` column, an edit form)."""
    for ident in changeset.ids():
        if ident in state.rows:
            changeset.base.setdefault(ident, state.version(ident))
            changeset.base_rows.setdefault(ident, dict(state.rows[ident]))
    return changeset


# ------------------------------------------------------------------------------------------------ reading


def _kind(name: str, data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        with contextlib.suppress(Exception):
            import zipfile

            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "xlsx"
        return "geometry"
    if data.startswith(b"SQLite format 3\x00"):
        return "geometry"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return "geometry"
    if name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def read_changeset(name: str, data: bytes, *, author: str, reason: str, source: str) -> ChangeSet:
    """Read a change-set file (CSV, ``.xlsx``, GeoJSON, GeoPackage, zipped Shapefile).

    Parameters
    ----------
    name : str
        The file's name as the user gave it (messages name it).
    data : bytes
        Its content; the kind is told from the content (the name only tells CSV from a workbook).
    author, reason, source : str
        Who, why and on what evidence (checked by :func:`preview`).

    Raises
    ------
    ChangeError
        The file cannot be read as a change set; each problem names the file, row and field.
    """
    if len(data) > MAX_CHANGESET_BYTES:
        raise ChangeError(
            [
                Problem(
                    name,
                    "",
                    "",
                    "too_large",
                    f"change set is {len(data):,} bytes; the limit is {MAX_CHANGESET_BYTES:,}",
                )
            ]
        )
    if not data.strip():
        raise ChangeError([Problem(name, "", "", "empty_file", "change set is empty")])
    changeset = ChangeSet(name, author.strip(), reason.strip(), source.strip())
    kind = _kind(name, data)
    if kind == "geometry":
        _read_geometries(changeset, data)
        return changeset
    header, records = _xlsx_records(name, data) if kind == "xlsx" else _csv_records(name, data)
    _rows_from_records(changeset, header, records)
    return changeset


def _csv_records(name: str, data: bytes) -> tuple[list[str], list[tuple[str, list[str]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ChangeError(
            [
                Problem(
                    name,
                    f"offset {exc.start}",
                    "",
                    "not_utf8",
                    "change set is not UTF-8 text: save it as CSV UTF-8",
                )
            ]
        ) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ChangeError([Problem(name, "", "", "csv_syntax", f"CSV syntax error: {exc}")]) from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise ChangeError([Problem(name, "", "", "empty_file", "change set has no header row")])
    body = [(f"row {n}", r) for n, r in enumerate(records[1:], start=1)]
    return records[0], body


def _xlsx_records(name: str, data: bytes) -> tuple[list[str], list[tuple[str, list[str]]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ChangeError(
            [Problem(name, "", "", "unreadable", f"not a readable .xlsx workbook ({type(exc).__name__})")]
        ) from None
    try:
        sheet = book.worksheets[0]
        problems: list[Problem] = []
        table: list[tuple[str, list[str]]] = []
        for row in sheet.iter_rows():
            cells: list[str] = []
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type != "s"
                ):
                    problems.append(
                        Problem(
                            name,
                            f"cell {cell.coordinate}",
                            "",
                            "formula",
                            f"is a formula ({str(cell.value)[:40]}); type the value instead",
                        )
                    )
                cells.append(_cell_text(cell.value))
            table.append((f"row {len(table)}", cells))
    finally:
        book.close()
    table = [(w, r) for w, r in table if any(c.strip() for c in r)]
    if problems:
        raise ChangeError(problems)
    if not table:
        raise ChangeError([Problem(name, "", "", "empty_file", "the first sheet is empty")])
    header = [c.strip() for c in table[0][1]]
    while header and not header[-1]:
        header.pop()
    body = [
        (f"row {n}", cells[: len(header)] + [""] * (len(header) - len(cells)))
        for n, (_, cells) in enumerate(table[1:], start=1)
    ]
    return header, body


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from_records(changeset: ChangeSet, header: list[str], records: list[tuple[str, list[str]]]) -> None:
    name = changeset.origin
    problems: list[Problem] = []
    if "id" not in header:
        raise ChangeError(
            [
                Problem(
                    name,
                    "header",
                    "id",
                    "missing_column",
                    "a change set needs an id column naming the projects it changes",
                )
            ]
        )
    for column in header:
        if column not in schema.COLUMNS and column != VERSION_COLUMN:
            problems.append(
                Problem(
                    name,
                    "header",
                    column,
                    "unknown_column",
                    "is not a register column (see the README's column table)",
                )
            )
    if len(set(header)) != len(header):
        dup = next(c for c in header if header.count(c) > 1)
        problems.append(Problem(name, "header", dup, "duplicate_column", "column appears twice"))
    if problems:
        raise ChangeError(problems)
    for where, cells in records:
        if len(cells) != len(header):
            problems.append(
                Problem(
                    name, where, "", "ragged_row", f"has {len(cells)} cells, the header has {len(header)}"
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        ident = values.pop("id").strip()
        label = f"{where} (id {ident})" if ident else where
        if not ident:
            problems.append(Problem(name, where, "id", "required", "row has no id"))
            continue
        if ident in changeset.rows:
            problems.append(
                Problem(
                    name,
                    label,
                    "id",
                    "duplicate_id",
                    f"id also on {changeset.where[ident]}: one row per project",
                )
            )
            continue
        for column, value in values.items():
            if value and is_formula(value) and not _plain_number(value):
                problems.append(
                    Problem(
                        name,
                        label,
                        column,
                        "formula",
                        f"cell is a spreadsheet formula ({value[:40]!r}); remove the leading character",
                    )
                )
        version = values.pop(VERSION_COLUMN, "").strip()
        if version:
            changeset.base[ident] = version
        changeset.rows[ident] = {c: v for c, v in values.items() if v != ""}
        changeset.where[ident] = label
    if problems:
        raise ChangeError(problems)


def _plain_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _read_geometries(changeset: ChangeSet, data: bytes) -> None:
    from portfolio.upload import read_upload

    name = changeset.origin
    try:
        frame = read_upload(name, data)
    except InputError as exc:
        raise ChangeError(exc.problems) from None
    if "id" not in frame.columns:
        raise ChangeError(
            [Problem(name, "", "id", "missing_id", "each feature needs an id property naming its project")]
        )
    problems: list[Problem] = []
    for number, (ident, geom) in enumerate(zip(frame["id"], frame.geometry, strict=True), start=1):
        where = f"feature {number}"
        text = "" if ident is None or ident != ident else str(ident).strip()
        if not text:
            problems.append(Problem(name, where, "id", "missing_id", "feature has no id"))
            continue
        if text in changeset.geometries:
            problems.append(
                Problem(
                    name,
                    f"{where} (id {text})",
                    "geometry",
                    "duplicate_geometry",
                    f"id also on {changeset.where[text]}: one geometry per project",
                )
            )
            continue
        changeset.geometries[text] = geom
        changeset.where[text] = f"{where} (id {text})"
    if problems:
        raise ChangeError(problems)


def edit(
    ident: str,
    values: Mapping[str, str],
    *,
    author: str,
    reason: str,
    source: str,
    geometry: BaseGeometry | None = None,
    base_version: str | None = None,
) -> ChangeSet:
    """A change set of one in-app edit of project ``ident``.

    ``values`` holds the form's fields (an empty string empties a field); fields equal to the
    register's are not changes. ``base_version`` is the row version the form was opened on.
    """
    changeset = ChangeSet(APP_ORIGIN, author.strip(), reason.strip(), source.strip())
    changeset.rows[ident] = {k: str(v) for k, v in values.items()}
    changeset.where[ident] = f"id {ident}"
    if geometry is not None:
        changeset.geometries[ident] = geometry
    if base_version:
        changeset.base[ident] = base_version
    return changeset


# ------------------------------------------------------------------------------------------------ preview


def _evidence_problems(cs: ChangeSet) -> list[Problem]:
    problems = []
    if not cs.author:
        problems.append(Problem(cs.origin, "", "author", "evidence_required", "a change needs its author"))
    if not cs.reason:
        problems.append(Problem(cs.origin, "", "reason", "evidence_required", "a change needs a reason"))
    src = cs.source
    if not src:
        problems.append(
            Problem(
                cs.origin,
                "",
                "source",
                "evidence_required",
                "a change needs its evidence: a document and its date, or an address",
            )
        )
    elif not (
        _ADDRESS.match(src) or (_DATE_IN_TEXT.search(src) and len(_DATE_IN_TEXT.sub("", src).strip()) >= 3)
    ):
        problems.append(
            Problem(
                cs.origin,
                "",
                "source",
                "evidence_required",
                f"source {src[:60]!r} names no document with a date (e.g. 'QĐ 123/QĐ-UBND "
                "2026-05-04') and is not an address (https://…)",
            )
        )
    return problems


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _status_problems(
    cs: ChangeSet, ident: str, before: Mapping[str, str], after: Mapping[str, str]
) -> list[Problem]:
    where, given = cs.where.get(ident, f"id {ident}"), cs.rows.get(ident, {})
    problems = []
    old_day, new_day = _parse_day(before.get("status_as_of", "")), _parse_day(after.get("status_as_of", ""))
    if after.get("status") != before.get("status") and "status_as_of" not in given:
        problems.append(
            Problem(
                cs.origin,
                where,
                "status_as_of",
                "status_date_required",
                f"status changes {before.get('status')} → {after.get('status')}: give the "
                "date of its evidence (status_as_of) and its source (status_source)",
            )
        )
    elif old_day and new_day and new_day < old_day:
        problems.append(
            Problem(
                cs.origin,
                where,
                "status_as_of",
                "status_date_earlier",
                f"{new_day.isoformat()} is earlier than the status date it replaces "
                f"({old_day.isoformat()}): newer evidence only",
            )
        )
    if after.get("status") != before.get("status") and "status_source" not in given:
        problems.append(
            Problem(
                cs.origin,
                where,
                "status_source",
                "status_date_required",
                "a status change needs the document and section that show it (status_source)",
            )
        )
    return problems


def _metric(geoms: list[BaseGeometry | None]) -> list[BaseGeometry | None]:
    present = [g for g in geoms if g is not None]
    if not present:
        return list(geoms)
    projected = iter(gpd.GeoSeries(present, crs="EPSG:4326").to_crs(MEASURE_CRS).to_numpy())
    return [next(projected) if g is not None else None for g in geoms]


def _measures(geom: BaseGeometry | None) -> tuple[float | None, float | None]:
    if geom is None:
        return None, None
    family = geom.geom_type
    if family in ("LineString", "MultiLineString"):
        return geom.length / 1000, None
    if family in ("Polygon", "MultiPolygon"):
        return None, geom.area / 10_000
    return None, None


def _geometry_change(ident: str, before: BaseGeometry | None, after: BaseGeometry) -> GeometryChange:
    old, new = _metric([before, after])
    assert new is not None
    length_b, area_b = _measures(old)
    length_a, area_a = _measures(new)
    if old is None:
        return GeometryChange(ident, None, None, length_b, length_a, area_b, area_a)
    moved = float(old.centroid.distance(new.centroid))
    return GeometryChange(
        ident, moved, float(old.hausdorff_distance(new)), length_b, length_a, area_b, area_a
    )


@dataclass
class _Result:
    rows: dict[str, dict[str, str]]
    geometries: dict[str, BaseGeometry | None]
    preview: Preview


def _after(state: RegisterState, cs: ChangeSet) -> _Result:
    """The register after ``cs`` and the preview (without the validation of the whole register)."""
    problems = _evidence_problems(cs)
    rows = {i: dict(r) for i, r in state.rows.items()}
    geometries = dict(state.geometries)
    changes: list[FieldChange] = []
    new_rows: list[str] = []
    unknown: list[str] = []
    for ident, given in cs.rows.items():
        where = cs.where.get(ident, f"id {ident}")
        if ident not in rows:
            missing = sorted(c for c in schema.REQUIRED if c != "id" and not given.get(c))
            if missing:
                unknown.append(ident)
                problems.append(
                    Problem(
                        cs.origin,
                        where,
                        "id",
                        "unknown_id",
                        f"{ident!r} is not in the register; a new project must fill every "
                        f"required column (missing: {', '.join(missing)})",
                    )
                )
                continue
            rows[ident] = {c: given.get(c, "") for c in state.columns}
            rows[ident]["id"] = ident
            new_rows.append(ident)
            changes += [FieldChange(ident, c, None, v) for c, v in rows[ident].items() if v and c != "id"]
            continue
        before = state.rows[ident]
        after = dict(before)
        for column, value in given.items():
            if column == "id":
                continue
            after[column] = value
            if value != before.get(column, ""):
                changes.append(FieldChange(ident, column, before.get(column, ""), value))
        problems += _status_problems(cs, ident, before, after)
        rows[ident] = after
    geometry_changes = []
    for ident, geom in cs.geometries.items():
        if ident not in rows:
            unknown.append(ident)
            problems.append(
                Problem(
                    cs.origin,
                    cs.where.get(ident, f"id {ident}"),
                    "geometry",
                    "unknown_id",
                    f"{ident!r} is not in the register and the change set gives no row for it",
                )
            )
            continue
        before_geom = state.geometries.get(ident)
        if before_geom is not None and shapely.equals_exact(before_geom, geom, tolerance=0):
            continue
        geometries[ident] = geom
        geometry_changes.append(_geometry_change(ident, before_geom, geom))
    preview = Preview(cs, new_rows, changes, geometry_changes, list(dict.fromkeys(unknown)), problems)
    return _Result(rows, geometries, preview)


def preview(state: RegisterState, cs: ChangeSet) -> Preview:
    """What ``cs`` would change in ``state``, and every problem that refuses it.

    Validation runs on the whole register as it would be after the change (the public
    :func:`portfolio.validate.validate_parsed`, on files written to a temporary folder); a problem on a
    project the change set names is reported against the change set's file and row.
    """
    start(state, cs)
    result = _after(state, cs)
    if not result.preview.problems and (result.preview.changes or result.preview.geometries):
        result.preview.problems += _validate_after(state, cs, result)
    return result.preview


def _register_text(columns: list[str], rows: Mapping[str, Mapping[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows.values():
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


def _geojson_text(order: list[str], geometries: Mapping[str, BaseGeometry | None]) -> str:
    """The project GeoJSON in the register's layout: one feature per line, compact JSON."""
    features = []
    for ident in order:
        geom = geometries.get(ident)
        if geom is None:
            continue
        feature = {"type": "Feature", "properties": {"id": ident}, "geometry": _geojson_geometry(geom)}
        features.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "]}\n"


def _geojson_geometry(geom: BaseGeometry) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(shapely.to_geojson(geom))
    return found


def validated_frame(state: RegisterState) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Every rule on ``state`` (through the public :func:`portfolio.validate.validate_parsed`, on the
    register and geodata written to a temporary folder) and, when it passes, its typed frame."""
    from portfolio.validate import validate_parsed

    with tempfile.TemporaryDirectory(prefix="portfolio-change-") as tmp:
        folder = Path(tmp)
        (folder / "geodata").mkdir()
        register = folder / "projects.csv"
        register.write_text(_register_text(state.columns, state.rows), encoding="utf-8")
        (folder / "geodata" / PROJECTS_FILE).write_text(
            _geojson_text(state.geometry_order(state.rows), state.geometries), encoding="utf-8"
        )
        if state.boundary is not None:
            shutil.copyfile(state.boundary, folder / "geodata" / BOUNDARY_FILE)
        return validate_parsed(register, folder / "geodata")


def _validate_after(state: RegisterState, cs: ChangeSet, result: _Result) -> list[Problem]:
    after = RegisterState(
        state.columns, result.rows, result.geometries, state.label, state.boundary, state.geo_order
    )
    _frame, found = validated_frame(after)
    named = set(cs.ids())
    out = []
    for problem in found:
        ident = _problem_id(problem.where)
        if ident in named:
            out.append(
                Problem(
                    cs.origin,
                    cs.where.get(ident, problem.where),
                    problem.field,
                    problem.rule,
                    problem.message,
                )
            )
        else:
            out.append(
                Problem(
                    state.label,
                    problem.where,
                    problem.field,
                    problem.rule,
                    f"{problem.message} (in the register as it would be after the change)",
                )
            )
    return out


_ID_IN_WHERE = re.compile(r"\bid ([^)\s]+)\)?$")


def _problem_id(where: str) -> str | None:
    match = _ID_IN_WHERE.search(where)
    return match.group(1) if match else None


# ------------------------------------------------------------------------------------------------ apply


def audit_path(register: Path) -> Path:
    """The audit file of a files-store register: ``<stem>.audit.jsonl`` beside it."""
    register = Path(register)
    return register.with_name(f"{register.stem}.audit.jsonl")


def _lock_path(register: Path) -> Path:
    return Path(register).with_name(f"{Path(register).name}.lock")


def _journal_path(register: Path) -> Path:
    return Path(register).with_name(f"{Path(register).name}.journal.json")


@contextlib.contextmanager
def _locked(register: Path) -> Iterator[None]:
    """Hold the register's lock file (an exclusive ``flock``) for the block."""
    import fcntl

    fd = os.open(_lock_path(register), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP for the block (main thread only): delivered after it ends, when the
    register is whole again."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def audit_lines(
    cs: ChangeSet, result: _Result, state: RegisterState, when: datetime, version_after: str
) -> list[dict[str, Any]]:
    """One audit record per field change (and per geometry change) of an applied change set."""
    common = {
        "changeset": cs.id,
        "time": when.astimezone(UTC).isoformat(timespec="seconds"),
        "author": cs.author,
        "source": cs.source,
        "reason": cs.reason,
        "origin": cs.origin,
        "register_version": version_after,
    }
    lines: list[dict[str, Any]] = [
        {**common, "project": ch.id, "field": ch.field, "before": ch.before, "after": ch.after}
        for ch in result.preview.changes
    ]
    for g in result.preview.geometries:
        before = state.geometries.get(g.id)
        lines.append(
            {
                **common,
                "project": g.id,
                "field": "geometry",
                "before": None if before is None else _geojson_geometry(before),
                "after": _geojson_geometry(result.geometries[g.id]),
                "moved_m": None if g.moved_m is None else round(g.moved_m, 1),
            }
        )
    return lines


@dataclass(frozen=True)
class Applied:
    changeset: str
    preview: Preview
    register_version: str
    audit_records: int


def _conflicts(state: RegisterState, cs: ChangeSet) -> list[Problem]:
    problems = []
    for ident, base in cs.base.items():
        if ident not in state.rows:
            continue
        now = state.version(ident)
        if now == base:
            continue
        old = cs.base_rows.get(ident)
        theirs = sorted(
            c for c in schema.COLUMNS if old is not None and old.get(c, "") != state.rows[ident].get(c, "")
        )
        if old is not None and state.geometries.get(ident) is not None and ident in cs.geometries:
            theirs = theirs or ["geometry"]
        mine = sorted(set(cs.rows.get(ident, {})) | ({"geometry"} if ident in cs.geometries else set()))
        changed = (
            f"another change set changed {', '.join(theirs)}" if theirs else "another change set changed it"
        )
        problems.append(
            Problem(
                cs.origin,
                cs.where.get(ident, f"id {ident}"),
                ", ".join(mine),
                "conflict",
                f"project {ident} changed since this change started (version {base} → {now}): "
                f"{changed}; your change to {', '.join(mine)} was not applied: preview it "
                "again on the current register",
            )
        )
    return problems


def plan(
    state: RegisterState, cs: ChangeSet, when: datetime, editor: Any = None
) -> tuple[_Result, str, list[dict[str, Any]]]:
    """What applying ``cs`` to ``state`` writes, checked as every store checks it before writing: the
    editor's permission, conflicts with changes made since the change set started, something to change,
    every rule on the register as it would be after. Returns the result, the register version after it
    and the audit records (one per field changed).

    Raises
    ------
    ConflictError, ChangeError
        As :func:`apply` says; nothing is written by this function.
    """
    if editor is not None:  # a logged-in editor (portfolio.auth): only their department's rows
        from portfolio.auth import permission_problems

        refused = permission_problems(editor, state.rows, cs)
        if refused:
            raise ChangeError(refused)
    if not cs.base:
        start(state, cs)
    conflicts = _conflicts(state, cs)
    if conflicts:
        raise ConflictError(conflicts)
    result = _after(state, cs)
    if not result.preview.problems and not (result.preview.changes or result.preview.geometries):
        raise ChangeError([Problem(cs.origin, "", "", "no_change", "the change set changes nothing")])
    if not result.preview.problems:
        result.preview.problems += _validate_after(state, cs, result)
    if result.preview.problems:
        raise ChangeError(result.preview.problems)
    after = RegisterState(
        state.columns, result.rows, result.geometries, state.label, state.boundary, state.geo_order
    )
    version_after = after.register_version()
    return result, version_after, audit_lines(cs, result, state, when, version_after)


def apply(
    register: Path, geodata: Path, cs: ChangeSet, *, now: datetime | None = None, editor: Any = None
) -> Applied:
    """Apply ``cs`` to the files store atomically and append its audit records.

    Raises
    ------
    ConflictError
        A project the change set names changed since the change started (nothing written).
    ChangeError
        The change breaks a rule, changes nothing, or names a project ``editor`` (a
        :class:`portfolio.auth.Editor`, when given) may not change (``not_permitted``); nothing written.
    """
    register, geodata = Path(register), Path(geodata)
    when = now or datetime.now(UTC)
    with _locked(register):
        recover(register, geodata, locked=True)
        _remove_orphans(register, geodata)
        state = read_state(register, geodata)
        result, version_after, lines = plan(state, cs, when, editor)
        targets: list[tuple[Path, str]] = []
        if result.preview.changes:
            targets.append((register, _register_text(state.columns, result.rows)))
        if result.preview.geometries or result.preview.new_rows:
            targets.append(
                (geodata / PROJECTS_FILE, _geojson_text(state.geometry_order(result.rows), result.geometries))
            )
        with _signals_held():
            _stage_and_commit(register, geodata, cs.id, targets, lines)
    return Applied(cs.id, result.preview, version_after, len(lines))


def _stage_and_commit(
    register: Path,
    geodata: Path,
    changeset: str,
    targets: list[tuple[Path, str]],
    lines: list[dict[str, Any]],
) -> None:
    staged: list[tuple[str, str]] = []
    try:
        for target, text in targets:
            real = write_target(target)
            fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".staged", dir=real.parent)
            with contextlib.suppress(FileNotFoundError):  # keep the file's permissions
                os.chmod(tmp, os.stat(real).st_mode & 0o7777)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            staged.append((tmp, str(real)))
        audit = audit_path(register)
        offset = audit.stat().st_size if audit.exists() else 0
        journal = {"changeset": changeset, "renames": staged, "audit": lines, "audit_offset": offset}
        write_text_atomic(_journal_path(register), json.dumps(journal, ensure_ascii=False))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _roll_forward(register, journal)


def _roll_forward(register: Path, journal: dict[str, Any]) -> None:
    for tmp, target in journal["renames"]:
        if os.path.exists(tmp):
            os.replace(tmp, target)
    path = audit_path(register)
    # Whatever follows the offset the audit had when this change was staged is a part of this change's
    # own append, cut short: it is written again whole (the lock keeps every other writer out).
    offset = int(journal.get("audit_offset", 0))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in journal["audit"])
    with path.open("ab") as fh:
        if fh.tell() > offset:
            fh.truncate(offset)
            fh.seek(offset)
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    _journal_path(register).unlink()


def _remove_orphans(register: Path, geodata: Path) -> None:
    """Remove staged files an apply killed before its commit point left behind (under the lock)."""
    for folder, name in ((Path(register).parent, Path(register).name), (Path(geodata), PROJECTS_FILE)):
        for orphan in folder.glob(f".{name}.*.staged"):
            with contextlib.suppress(OSError):
                orphan.unlink()


def recover(register: Path, geodata: Path, *, locked: bool = False) -> bool:
    """Finish an apply that was interrupted after its commit point (its journal exists); True if one was.

    An apply interrupted before the journal was written left the register as it was (its staged files
    are removed here too).
    """
    register = Path(register)
    journal_file = _journal_path(register)
    if not journal_file.exists():
        return False
    lock = contextlib.nullcontext() if locked else _locked(register)
    with lock, _signals_held():
        if not journal_file.exists():
            return False
        _roll_forward(register, json.loads(journal_file.read_text(encoding="utf-8")))
    return True


def read_audit(path: Path) -> list[dict[str, Any]]:
    """Every audit record of the audit file ``path`` (none when it does not exist), in file order.

    A last line cut short (a machine that stopped while appending) is ignored.
    """
    path = Path(path)
    if not path.exists():
        return []
    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.endswith("\n"):
                break
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
    return records


def geometry_from_audit(value: Any) -> BaseGeometry | None:
    """A geometry as an audit record holds it (GeoJSON), ``None`` for none."""
    return None if value is None else shape(value)


# ------------------------------------------------------------------------------------ either store


@dataclass(frozen=True)
class Target:
    """Where changes go: the files (``register`` + ``geodata``) or, with ``database``, the PostGIS
    store (its city boundary read from ``geodata``). The CLI and the app use this one door."""

    register: Path
    geodata: Path
    database: str = ""

    @property
    def label(self) -> str:
        from portfolio.stores import redact

        return redact(self.database) if self.database else str(self.register)

    def state(self) -> RegisterState:
        """The register as stored now (an interrupted files apply is finished first)."""
        if not self.database:
            recover(self.register, self.geodata)
            return read_state(self.register, self.geodata)
        from portfolio.stores.postgis import PostGISStore

        return state_from_inputs(
            PostGISStore(self.database, boundary=Path(self.geodata)).read(), self.geodata
        )

    def records(self) -> list[dict[str, Any]]:
        """Every audit record, oldest first (the audit file, or the audit table)."""
        if not self.database:
            return read_audit(audit_path(self.register))
        from portfolio.db_changes import read_audit as read_table

        return read_table(self.database)

    def audit_name(self) -> str:
        return str(audit_path(self.register)) if not self.database else f"{self.label} audit"

    def apply(self, cs: ChangeSet, *, editor: Any = None, now: datetime | None = None) -> Applied:
        """Apply ``cs`` (as ``editor`` when given: on the database, through the editor's department role,
        never as the tables' owner)."""
        if not self.database:
            return apply(self.register, self.geodata, cs, editor=editor, now=now)
        from portfolio.db_changes import apply as apply_db
        from portfolio.db_changes import role_url

        url = self.database
        if editor is not None:
            if not (getattr(editor, "db_role", "") and getattr(editor, "db_password", "")):
                raise ChangeError(
                    [
                        Problem(
                            cs.origin,
                            "",
                            "",
                            "not_permitted",
                            f"editor {editor.username} has no database role: an administrator "
                            "gives one with `portfolio roles add`",
                        )
                    ]
                )
            url = role_url(self.database, editor.db_role, editor.db_password)
        return apply_db(url, cs, editor=editor, now=now, geodata=Path(self.geodata))
