"""History read from the audit: a project's status and period over time, and the register as it
stood on a date.

The audit (:func:`portfolio.changes.read_audit`) holds one record per field change: change set id,
author, time, before, after, source, reason. A project's history starts from what its row says
before any audited change (its ``period_history`` entries, each with its document's date, and the
status the first audited change replaced) and adds each audited change. "The register on date D" is
the current register with every change recorded after the end of day D (Vietnam time, UTC+7) undone,
newest first; changes made before the audit began are those the register's own columns describe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from portfolio import schema
from portfolio.changes import RegisterState, geometry_from_audit

#: The register's time zone (Vietnam, no daylight saving time): a date D means up to the end of D here.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{4})\b")
_STATUS_FIELDS = ("status", "status_as_of", "status_source")
_PERIOD_FIELDS = ("period_start", "period_end", "period_history")


@dataclass(frozen=True)
class Entry:
    """One step of a project's history."""

    kind: str  # "status" or "period"
    value: str  # the status code, or "START–END"
    date: str  # the date of its evidence (status_as_of, the document's date), "" when unknown
    source: str  # the document (and section) that shows it
    changeset: str = ""  # "" for what the register held before any audited change
    author: str = ""
    recorded: str = ""  # when the change was applied (UTC, ISO)
    reason: str = ""
    evidence: str = ""  # the change set's source


def end_of(day: date | datetime | str) -> datetime:
    """The instant a date (or a date-time) means for "as of": the end of that day in Vietnam."""
    if isinstance(day, str):
        day = datetime.fromisoformat(day) if "T" in day or " " in day else date.fromisoformat(day)
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=LOCAL_TZ)
    return datetime.combine(day + timedelta(days=1), time.min, LOCAL_TZ)


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(record["time"]))


def state_as_of(state: RegisterState, records: Iterable[dict[str, Any]], when: datetime) -> RegisterState:
    """``state`` with every audited change recorded after ``when`` undone (newest first)."""
    rows = {i: dict(r) for i, r in state.rows.items()}
    geometries = dict(state.geometries)
    later = [r for r in records if _when(r) > when]
    for record in reversed(later):
        ident, column, before = record["project"], record["field"], record["before"]
        if column == "geometry":
            geometries[ident] = geometry_from_audit(before)
            if geometries[ident] is None:
                geometries.pop(ident)
        elif before is None:  # the project was new in this change set: it did not exist yet
            rows.pop(ident, None)
        elif ident in rows:
            rows[ident][column] = before
    return replace(state, rows=rows, geometries=geometries)


def _document_date(document: str) -> str:
    known = schema.DOCUMENTS.get(document.strip())
    if known:
        return known[0]
    found = _DATE.findall(document)
    return found[-1] if found else ""


def _periods_of(period_history: str, start: str, end: str, sources: str = "") -> list[tuple[str, str, str]]:
    """(value, date, source) of each period the row's cells give, oldest first (with no
    ``period_history``, the period columns, from the row's first source)."""
    out = []
    for entry in schema.period_entries(period_history):
        out.append((f"{entry.start}–{entry.end}", _document_date(entry.document), entry.document))
    if not out and (start or end):
        first = (schema.split_list(sources) or [""])[0]
        document = schema.source_document(first) or ""
        day = schema.DOCUMENTS[document][0] if document in schema.DOCUMENTS else _document_date(first)
        out.append((f"{start or end}–{end or start}", day, first))
    return out


def history(state: RegisterState, records: Iterable[dict[str, Any]], ident: str) -> list[Entry]:
    """Status and period of project ``ident`` over time, oldest first.

    Raises
    ------
    KeyError
        ``ident`` is not in the register and no audited change names it.
    """
    mine = [r for r in records if r["project"] == ident]
    if ident not in state.rows and not mine:
        raise KeyError(ident)
    # the row as it was before the first audited change: undo all of them
    first = state_as_of(state, mine, datetime.min.replace(tzinfo=LOCAL_TZ)).rows.get(ident)
    entries: list[Entry] = []
    if first is not None:
        cells = [first.get(c, "") for c in ("period_history", "period_start", "period_end", "sources")]
        for value, day, source in _periods_of(*cells):
            entries.append(Entry("period", value, day, source))
        entries.append(
            Entry(
                "status",
                first.get("status", ""),
                first.get("status_as_of", ""),
                first.get("status_source", ""),
            )
        )
    row = dict(first or {})
    by_changeset: dict[str, list[dict[str, Any]]] = {}
    for record in mine:
        by_changeset.setdefault(record["changeset"], []).append(record)
    for changeset, group in by_changeset.items():
        before = dict(row)
        for record in group:
            if record["field"] != "geometry":
                row[record["field"]] = record["after"]
        meta = group[0]
        common = {
            "changeset": changeset,
            "author": meta["author"],
            "recorded": meta["time"],
            "reason": meta["reason"],
            "evidence": meta["source"],
        }
        fields = {r["field"] for r in group}
        if fields & set(_PERIOD_FIELDS):
            old = _periods_of(
                before.get("period_history", ""), before.get("period_start", ""), before.get("period_end", "")
            )
            new = _periods_of(
                row.get("period_history", ""), row.get("period_start", ""), row.get("period_end", "")
            )
            latest = new[-1] if new else ("", "", "")
            if not old or old[-1][0] != latest[0]:
                entries.append(
                    Entry(
                        "period",
                        latest[0],
                        latest[1] or str(meta["time"])[:10],
                        latest[2] or meta["source"],
                        **common,
                    )
                )
        if fields & set(_STATUS_FIELDS):
            entries.append(
                Entry(
                    "status",
                    row.get("status", ""),
                    row.get("status_as_of", ""),
                    row.get("status_source", ""),
                    **common,
                )
            )
    return entries


def format_history(ident: str, name: str, entries: list[Entry], age_days: int | None) -> str:
    """The ``portfolio history`` text."""
    lines = [f"{ident} — {name}"]
    if age_days is not None:
        lines.append(f"status age: {age_days} days")
    for kind, title in (("status", "Status over time"), ("period", "Period over time")):
        lines.append(f"{title}:")
        items = [e for e in entries if e.kind == kind]
        if not items:
            lines.append("  (none recorded)")
        for e in items:
            text = f"  {e.date or '(no date)':<10}  {e.value:<18}  {e.source or '(no source)'}"
            if e.changeset:
                text += (
                    f"  [change set {e.changeset} by {e.author}, applied {e.recorded}; "
                    f"evidence: {e.evidence}; reason: {e.reason}]"
                )
            else:
                text += "  [register]"
            lines.append(text)
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ the files store


def files_state(register: Any, geodata: Any, when: datetime | None = None) -> RegisterState:
    """The files store's register now, or as it stood at ``when`` (rebuilt from its audit file)."""
    from pathlib import Path

    from portfolio import changes

    register, geodata = Path(register), Path(geodata)
    changes.recover(register, geodata)
    state = changes.read_state(register, geodata)
    if when is None:
        return state
    return state_as_of(state, changes.read_audit(changes.audit_path(register)), when)


def frame_of(state: RegisterState) -> Any:
    """The typed register frame of ``state`` (every rule checked), its version in
    ``attrs["register_version"]``.

    Raises
    ------
    RegisterError
        The state breaks a rule (a register edited by hand after the audited changes, say).
    """
    from portfolio._errors import Problem, RegisterError
    from portfolio.changes import validated_frame

    frame, problems = validated_frame(state)
    if problems or frame is None:
        raise RegisterError(problems or [Problem(state.label, "", "", "invalid", "register is invalid")])
    frame.attrs["register_version"] = state.register_version()
    return frame


def frame_as_of(register: Any, geodata: Any, day: date | datetime | str, database: str = "") -> Any:
    """The register (the files, or the database ``database``) as it stood at the end of ``day``
    (see :func:`end_of`), rebuilt from its audit."""
    from portfolio.changes import Target

    target = Target(register, geodata, database)
    return frame_of(state_as_of(target.state(), target.records(), end_of(day)))
