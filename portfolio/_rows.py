"""Row model of the register: one pydantic model; each error carries its rule code to its :class:`Problem`."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache, partial
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from portfolio import _formula, schema
from portfolio._errors import Problem
from portfolio._formula import is_formula as is_formula  # the one formula rule (CSV injection), shared

#: The one accepted form of ``official_area_ha`` / ``official_length_km``: ASCII digits, optionally a
#: single ``.`` followed by more digits (``12``, ``12.5``). No sign, exponent, spaces, separators,
#: underscores or non-ASCII digits: what this accepts, ``float`` and pandas read the same way.
PLAIN_NUMBER_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: Control characters refused in any cell: C0 (tab included), DEL and C1 (CR and LF are line
#: breaks), and the invisible format characters that hide or reorder text: zero-width spaces and
#: joiners, direction marks, embeddings and overrides (U+202E shows "abc" as "cba"), isolates,
#: word joiners and the BOM inside a cell. Vietnamese text needs none of them.
_CONTROL_RE = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
#: Invisible format characters of :data:`_CONTROL_RE` (named apart in messages).
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
#: Line breaks (CR, LF and the Unicode line and paragraph separators), allowed only in ``notes``.
_LINEBREAK_RE = re.compile(r"[\n\r\u2028\u2029]")
MULTILINE_COLUMNS: frozenset[str] = frozenset({"notes"})
#: Columns :func:`history_checks` reads: not checked against each other when one is already reported
#: as a formula or a cell too long.
_HISTORY_COLUMNS: frozenset[str] = frozenset({"period_start", "period_end", "period_history", "sources"})
#: Longest cell accepted, in characters: Excel's limit for one cell, so the register survives being
#: opened and saved in a spreadsheet without a cell being cut.
MAX_CELL_CHARS = 32_767
#: Longest value quoted in a message.
_SHOW_CHARS = 60
_CHAR_NAMES = {
    "\t": "a tab",
    "\n": "a line feed",
    "\r": "a carriage return",
    "\x0b": "a vertical tab",
    "\x0c": "a form feed",
    "\x00": "a NUL",
    "\x7f": "DEL",
    "\x85": "a next-line (NEL)",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
    "\u200b": "a zero-width space",
    "\u200d": "a zero-width joiner",
    "\u202e": "a right-to-left override",
    "\ufeff": "a zero-width no-break space (BOM)",
}


def rule_error(code: str, message: str) -> PydanticCustomError:
    """The error a field check raises: a pydantic error whose type is the rule's code
    (:data:`portfolio.rules.RULES`) and whose message is shown as written (no placeholders are filled)."""
    return PydanticCustomError(code, message)


def _empty_to_none(value: Any) -> Any:
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


class ProjectRow(BaseModel):
    """A validated row of ``projects.csv``. Every field is named as its column."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)

    id: str
    name_vi: str
    name_en: str
    sector: str
    owner: str | None = None
    owner_current: str | None = None
    investor: str | None = None
    funding_source: str | None = None
    funding_type: str
    period_start: int | None = None
    period_end: int | None = None
    period_history: str | None = None
    status: str
    status_as_of: date
    status_source: str
    sources: str
    location_vi: str
    parent_id: str | None = None
    communes: str | None = None
    districts_before_2025: str | None = None
    admin_basis: str | None = None
    scope: str
    geocode_precision: int
    official_area_ha: float | None = None
    official_length_km: float | None = None
    investment_bn_vnd: float | None = None
    investment_kind: str | None = None
    investment_source: str | None = None
    notes: str | None = None

    @field_validator("id")
    @classmethod
    def _id_slug(cls, value: str) -> str:
        return _id(value)

    @field_validator("parent_id")
    @classmethod
    def _parent_slug(cls, value: str | None) -> str | None:
        return None if value is None else _parent(value)

    @field_validator("sector", "status", "funding_type", "scope")
    @classmethod
    def _vocabulary(cls, value: str, info: ValidationInfo) -> str:
        assert info.field_name is not None
        return _in_vocabulary(value, _VOCABULARIES[info.field_name])

    @field_validator("admin_basis")
    @classmethod
    def _admin_basis(cls, value: str | None) -> str | None:
        return None if value is None else _in_vocabulary(value, schema.ADMIN_BASES)

    @field_validator("geocode_precision", mode="before")
    @classmethod
    def _precision(cls, value: Any) -> Any:
        return _precision(value)

    @field_validator("period_start", "period_end", mode="before")
    @classmethod
    def _year(cls, value: Any) -> Any:
        return _year(value)

    @field_validator("status_as_of", mode="before")
    @classmethod
    def _as_of(cls, value: Any) -> Any:
        return _as_of(value)

    @field_validator("official_area_ha", "official_length_km", "investment_bn_vnd", mode="before")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        return _positive(value)

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: str) -> str:
        return _sources(value)

    @field_validator("investment_kind", "investment_source")
    @classmethod
    def _investment(cls, value: str | None, info: ValidationInfo) -> str | None:
        assert info.field_name is not None
        return _investment(info.field_name, value, info.data)

    @field_validator("period_history")
    @classmethod
    def _history(cls, value: str | None) -> str | None:
        return _history(value)

    @model_validator(mode="after")
    def _period_order(self) -> ProjectRow:
        _period_order(self.period_start, self.period_end)
        return self


# The field checks of the model (and of :func:`history_checks`); each raises its rule's code.


def _show(value: Any) -> str:
    """``repr(value)``, cut to :data:`_SHOW_CHARS` characters for a message."""
    text = repr(value)
    return text if len(text) <= _SHOW_CHARS else text[: _SHOW_CHARS - 2] + "…" + text[0]


def _id(value: str) -> str:
    if not schema.ID_RE.match(value):
        raise rule_error(
            "bad_id",
            f"{_show(value)} is not a lowercase ascii slug (letters, digits, '-' or '_' between them)",
        )
    return value


def _parent(value: str) -> str:
    if not schema.ID_RE.match(value):
        raise rule_error("bad_id", f"{_show(value)} is not a lowercase ascii slug")
    return value


def _period_order(start: int | None, end: int | None) -> None:
    if start is not None and end is not None and start > end:
        raise rule_error("period_order", f"period_start {start} is after period_end {end}")


def _precision(value: Any) -> Any:
    allowed = ", ".join(str(k) for k in schema.PRECISION)
    text = str(value).strip()
    if text not in _PRECISION_TEXTS:
        raise rule_error("bad_precision", f"{_show(value)} is not a precision code; allowed: {allowed}")
    return int(text)


def _year(value: Any) -> Any:
    if value is None:
        return None
    text = str(value).strip()
    if not _YEAR_RE.match(text):
        raise rule_error("bad_year", f"{_show(value)} is not a four-digit year (ASCII digits 0-9)")
    year = int(text)
    if not schema.YEAR_MIN <= year <= schema.YEAR_MAX:
        raise rule_error(
            "implausible_year", f"year {year} is not plausible (allowed {schema.YEAR_MIN}-{schema.YEAR_MAX})"
        )
    return year


def _as_of(value: Any) -> Any:
    if isinstance(value, str):
        try:
            if not _DATE_RE.match(value.strip()):
                raise ValueError
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise rule_error("bad_date", f"{_show(value)} is not an ISO date YYYY-MM-DD") from None
        if not schema.YEAR_MIN <= parsed.year <= schema.YEAR_MAX:
            raise rule_error("bad_date", f"date {value} is not plausible")
        if parsed > date.today():
            raise rule_error("bad_date", f"date {value} is in the future: it is the date of the evidence")
        return parsed
    return value


def _positive(value: Any) -> Any:
    if value is None:
        return None
    text = str(value).strip()
    if not PLAIN_NUMBER_RE.match(text):
        if "," in text:
            hint = "use '.' as the decimal separator and no thousands separator"
        elif not text.isascii() and any(char.isdigit() for char in text):
            hint = "it holds non-ASCII digits; type the digits 0-9"
        else:
            hint = "write ASCII digits with at most one '.', e.g. 12 or 12.5 (no sign, exponent or spaces)"
        raise rule_error("bad_number", f"{_show(value)} is not a plain number: {hint}")
    number = float(text)
    if not math.isfinite(number):
        raise rule_error("bad_number", f"{_show(value)} is too large a number")
    if not number > 0:
        raise rule_error("bad_number", f"{_show(value)} must be a positive number")
    return number


def _sources(value: str) -> str:
    entries = schema.split_list(value)
    if not entries:
        raise rule_error("bad_source", "no source is cited")
    for entry in entries:
        if schema.source_document(entry) is None:
            known = ", ".join(schema.DOCUMENTS)
            raise rule_error(
                "bad_source",
                f"source {_show(entry)} does not start with a known document ({known}) "
                f"or {schema.EXTERNAL_PREFIX!r}",
            )
    return value


def _investment(field: str, value: str | None, data: dict[str, Any]) -> str | None:
    """``investment_kind`` / ``investment_source``: given exactly when ``investment_bn_vnd`` is
    (unless that cell already failed its own check); the kind in :data:`portfolio.schema.INVESTMENT_KINDS`,
    the source citing a seed document or an outside page as ``sources`` entries do."""
    if "investment_bn_vnd" in data:
        figure = data["investment_bn_vnd"] is not None
        if figure and value is None:
            what = (
                "approved or estimate"
                if field == "investment_kind"
                else "the document or page that states it"
            )
            raise rule_error("required", f"is empty but investment_bn_vnd is given: say {what}")
        if not figure and value is not None:
            raise rule_error("required", "is given but investment_bn_vnd is empty")
    if value is None:
        return None
    if field == "investment_kind":
        return _in_vocabulary(value, schema.INVESTMENT_KINDS)
    return _sources(value)


def _history(value: str | None) -> str | None:
    if value is None:
        return None
    for entry in schema.parse_period_history(value):
        if isinstance(entry, str):
            raise rule_error(
                "bad_period_history",
                f"entry {_show(entry)} is not DOCUMENT=START-END (years in ASCII digits)",
            )
        shown, doc, start, end = _show(entry.text), entry.document, entry.start, entry.end
        if not (schema.YEAR_MIN <= start <= schema.YEAR_MAX and schema.YEAR_MIN <= end <= schema.YEAR_MAX):
            raise rule_error(
                "bad_period_history", f"entry {shown} has a year outside {schema.YEAR_MIN}-{schema.YEAR_MAX}"
            )
        if start > end:
            raise rule_error("bad_period_history", f"entry {shown} starts after it ends")
        if schema.source_document(doc) is None:
            raise rule_error("bad_period_history", f"entry {shown} names no known document")
    return value


#: A ``sources`` entry citing Phụ lục II (the task list) of 202/KH-UBND, e.g.
#: ``202/KH-UBND (01/10/2021), Phụ lục II, dòng 3``; its period is the one the period columns hold.
_ANNEX_II_RE = re.compile(r"^202/KH-UBND\b.*\bPhụ lục II(?![IVXL])")
#: The date an outside entry of ``period_history`` gives right after its publisher:
#: ``ngoài: VnExpress 2025-09-15``, ``ngoài: VietTimes 2025 (…)``; none in
#: ``ngoài: Thanh Niên (không rõ ngày, trước 2015)`` (a date in brackets is not read).
_OUTSIDE_DATE_RE = re.compile(
    r"^ngoài:\s*[^(=]+? (?P<date>[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)(?: |$)", re.IGNORECASE
)
#: How an outside ``period_history`` entry says its date is not known (compared case-folded).
_UNKNOWN_DATE = "không rõ ngày"
_PARTIAL_DATE_RE = re.compile(r"^(?P<y>[0-9]{4})(?:-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2}))?)?$")
#: (earliest, latest) day a date of a year, a month or a day can be, as (year, month, day).
_Span = tuple[tuple[int, int, int], tuple[int, int, int]]
#: A period_history problem found by :func:`history_checks`: (field, rule, message).
HistoryProblem = tuple[str, str, str]


def _date_span(text: str) -> _Span | None:
    """The earliest and latest day ``text`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) can mean."""
    match = _PARTIAL_DATE_RE.match(text)
    if match is None:
        return None
    year = int(match["y"])
    month = int(match["m"]) if match["m"] else None
    day = int(match["d"]) if match["d"] else None
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    if month is None:
        return (year, 1, 1), (year, 12, 31)
    if day is None:
        return (year, month, 1), (year, month, 31)
    return (year, month, day), (year, month, day)


def _entry_date(document: str) -> tuple[str, _Span] | None:
    """The date of the document of a ``period_history`` entry, as written and as a span; ``None`` when
    it cannot be read (an outside entry with no date right after its publisher)."""
    key = schema.source_document(document)
    if key is not None and key in schema.DOCUMENTS:
        text = schema.DOCUMENTS[key][0]
    else:
        match = _OUTSIDE_DATE_RE.match(document.strip())
        if match is None:
            return None
        text = match["date"]
    span = _date_span(text)
    return None if span is None else (text, span)


def cites_annex_ii(sources: str) -> bool:
    """True when an entry of ``sources`` cites Phụ lục II of 202/KH-UBND.

    Such an entry reads ``202/KH-UBND (01/10/2021), Phụ lục II, dòng N``.
    """
    return any(_ANNEX_II_RE.match(entry) for entry in schema.split_list(sources))


def history_checks(start: str, end: str, history: str, sources: str) -> list[HistoryProblem]:
    """What ``period_history`` says against the period columns and about its own order.

    Checked only when ``history`` and the period cells pass their own checks (else those are reported):

    - ``period_not_in_history``: the history is given but the period columns are empty, or equal none
      of its entries, or the row cites Phụ lục II of 202/KH-UBND and the history has no 202/KH-UBND
      entry (the appendix period belongs in it);
    - ``period_not_current``: the columns equal an entry, but not the one they must hold: the
      202/KH-UBND entry for a row citing Phụ lục II of 202/KH-UBND, else the last entry (the most
      recent source; the history is oldest first);
    - ``period_history_order``: an entry's document is dated before an earlier entry's, where both dates
      can be read (seed documents: :data:`portfolio.schema.DOCUMENTS`; outside entries: a date
      ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` right after the publisher);
    - ``period_history_date``: an outside entry whose date cannot be read (none, ``15/09/2025``, a
      month 13…) and that does not say "không rõ ngày" (its date is not known).
    """
    history, start, end = history.strip(), start.strip(), end.strip()
    if not history or not _field_ok(_history, history):
        return []
    if not all(v == "" or _field_ok(_year, v) for v in (start, end)):
        return []
    # _history passed: every entry reads, with years of four digits (str() gives them back as written)
    entries = [(e.document, str(e.start), str(e.end)) for e in schema.period_entries(history)]
    problems: list[HistoryProblem] = []
    last = entries[-1]
    if not start or not end:
        problems.append(
            (
                "period_start" if not start else "period_end",
                "period_not_in_history",
                f"is empty, but period_history gives periods (the last: {last[1]}-{last[2]}); "
                "fill period_start and period_end",
            )
        )
    elif (
        int(start) <= int(end)
        and cites_annex_ii(sources)
        and not any(schema.source_document(doc) == "202/KH-UBND" for doc, _, _ in entries)
    ):
        problems.append(
            (
                "period_history",
                "period_not_in_history",
                f"has no 202/KH-UBND entry, but the row cites Phụ lục II of 202/KH-UBND: add "
                f"202/KH-UBND={start}-{end} (the appendix period, kept in period_start/period_end)",
            )
        )
    elif int(start) <= int(end):  # else period_order is reported
        periods = [(s, e) for _, s, e in entries]
        annex = cites_annex_ii(sources) and next(
            ((s, e) for doc, s, e in entries if schema.source_document(doc) == "202/KH-UBND"), None
        )
        due, why = (
            (annex, "the 202/KH-UBND entry (the row cites its Phụ lục II)")
            if annex
            else ((last[1], last[2]), "the last entry of period_history (the most recent source)")
        )
        field = "period_start" if start != due[0] else "period_end"
        if (start, end) not in periods:
            listed = ", ".join(f"{s}-{e}" for s, e in periods)
            problems.append(
                (
                    field,
                    "period_not_in_history",
                    f"period {start}-{end} is none of period_history's ({listed}); it must be "
                    f"{why}: {due[0]}-{due[1]}",
                )
            )
        elif (start, end) != due:
            problems.append(
                (field, "period_not_current", f"period {start}-{end} is not {why}: {due[0]}-{due[1]}")
            )
    undated = [
        doc
        for doc, _, _ in entries
        if _entry_date(doc) is None
        and schema.source_document(doc) not in schema.DOCUMENTS
        and _UNKNOWN_DATE not in doc.casefold()
    ]
    if undated:
        problems.append(
            (
                "period_history",
                "period_history_date",
                f"entry {_show(undated[0])} gives no date its order can be read by: write the "
                "date right after the publisher (ngoài: VnExpress 2025-09-15=…, or 2025-09, or "
                "2025), or say it is not known (ngoài: Publisher (không rõ ngày, …)=…)",
            )
        )
    latest: tuple[str, str, _Span] | None = None  # the entry dated latest so far
    for doc, _, _ in entries:
        dated = _entry_date(doc)
        if dated is None:
            continue
        text, span = dated
        if latest is not None and latest[2][0] > span[1]:
            problems.append(
                (
                    "period_history",
                    "period_history_order",
                    f"entry {_show(doc)} ({text}) comes after {_show(latest[0])} ({latest[1]}), "
                    "a later document; list the entries oldest first",
                )
            )
            break
        if latest is None or span[0] > latest[2][0]:
            latest = (doc, text, span)
    return problems


def _in_vocabulary(value: str, vocabulary: dict[Any, Any]) -> str:
    if value not in vocabulary:
        allowed = ", ".join(str(k) for k in vocabulary)
        guess = value.strip().lower().replace(" ", "_")
        hint = f" (did you mean {guess!r}?)" if guess != value and guess in vocabulary else ""
        raise rule_error("unknown_value", f"{_show(value)} is not allowed{hint}; allowed: {allowed}")
    return value


def check_row(file: str, row_number: int, raw: dict[str, str]) -> tuple[ProjectRow | None, list[Problem]]:
    """Validate one raw CSV row (:func:`check_rows` on that row alone).

    Parameters
    ----------
    file : str
        File name for messages.
    row_number : int
        1-based data row number (header excluded).
    raw : dict of str to str
        The row's cells by column name.

    Returns
    -------
    tuple
        The row model (``None`` when invalid) and the problems found.
    """
    ((valid, problems),) = _check(file, [row_number], [raw])
    if not valid:
        return None, problems
    return ProjectRow.model_validate(_model_input(raw)), problems


def check_rows(
    file: str,
    row_numbers: list[int],
    rows: list[dict[str, str]],
) -> list[tuple[bool, list[Problem]]]:
    """Validate every raw row: for each, whether it is valid and the problems found.

    Each row's problems come in this order: ``required`` (in column order), then each cell in the row's
    column order (``cell_too_long`` or ``formula``, which end what is said about the cell; else
    ``control_char``, ``not_nfc``, ``whitespace``), then the row model's (:class:`ProjectRow`; a rule
    code carried by each error), then the period history's (:func:`history_checks`).
    """
    return _check(file, row_numbers, rows)


def _model_input(raw: dict[str, str]) -> dict[str, str | None]:
    """A raw row as the model reads it: a blank cell is ``None``."""
    return {k: None if v.strip() == "" else v for k, v in raw.items()}


def _check(file: str, row_numbers: list[int], rows: list[dict[str, str]]) -> list[tuple[bool, list[Problem]]]:
    """The cell rules, computed column by column over every row; then the model (on the rows
    :func:`_model_clears` cannot clear) and the history per row."""
    cells = _cell_problems(rows)
    cleared = _model_clears(rows)
    out: list[tuple[bool, list[Problem]]] = []
    for index, (number, raw) in enumerate(zip(row_numbers, rows, strict=True)):
        ident = raw.get("id", "").strip()
        where = f"row {number}" + (f" (id {ident})" if ident else "")
        found = cells.get(index, {})
        problems = (
            [
                Problem(file, where, column, "required", "is empty but required")
                for column in _REQUIRED_IN_ORDER
                if column not in raw or column in found and found[column][0][0] == "required"
            ]
            if found or not raw.keys() >= schema.REQUIRED
            else []
        )
        reported: set[str] = set()
        for column in raw if found else ():  # the row's own column order
            for rule, message in found.get(column, ()):
                if rule == "required":
                    continue
                if rule in ("cell_too_long", "formula"):
                    reported.add(column)  # nothing more is said about the cell, nor checked by the model
                problems.append(Problem(file, where, column, rule, message))
        history = (
            []
            if not raw.get("period_history", "").strip() or reported & _HISTORY_COLUMNS
            else [
                Problem(file, where, field, rule, message)
                for field, rule, message in _history_checks(
                    raw.get("period_start", ""),
                    raw.get("period_end", ""),
                    raw["period_history"],
                    raw.get("sources", ""),
                )
            ]
        )
        try:
            if not cleared[index]:
                ProjectRow.model_validate(_model_input(raw))
        except ValidationError as exc:
            for err in exc.errors():
                rule = err["type"]  # a field check's rule code (rule_error), else pydantic's own error type
                field = str(err["loc"][0]) if err["loc"] else "period_start" if rule == "period_order" else ""
                if field in schema.REQUIRED and not str(raw.get(field, "")).strip():
                    continue  # already reported as required
                if field in reported:
                    continue  # already reported (a formula, a cell too long)
                problems.append(Problem(file, where, field, rule, err["msg"].removeprefix("Value error, ")))
            out.append((False, problems + history))
            continue
        problems += history
        out.append((not problems, problems))
    return out


#: The check each field of :class:`ProjectRow` makes of its (non-blank) value: the functions its field
#: validators call, so each rule has one home. ``investment_kind`` / ``investment_source`` depend on
#: ``investment_bn_vnd`` (:func:`_investment`) and the periods' order on both periods (:func:`_period_order`):
#: :func:`_model_clears` checks those across the row. ``tests/test_bad_inputs.py`` keeps this table equal
#: to the model's validators, and the rows it clears equal to the rows the model accepts.
_VALUE_CHECKS: dict[str, Callable[[str], object]] = {
    "id": _id,
    "parent_id": _parent,
    "sector": lambda v: _in_vocabulary(v, schema.SECTORS),
    "status": lambda v: _in_vocabulary(v, schema.STATUSES),
    "funding_type": lambda v: _in_vocabulary(v, schema.FUNDING_TYPES),
    "scope": lambda v: _in_vocabulary(v, schema.SCOPES),
    "admin_basis": lambda v: _in_vocabulary(v, schema.ADMIN_BASES),
    "geocode_precision": _precision,
    "period_start": _year,
    "period_end": _year,
    "status_as_of": _as_of,
    "official_area_ha": _positive,
    "official_length_km": _positive,
    "investment_bn_vnd": _positive,
    "sources": _sources,
    "period_history": _history,
}
#: Fields checked against ``investment_bn_vnd`` (:func:`_investment`).
_INVESTMENT_FIELDS = ("investment_kind", "investment_source")


def _model_clears(rows: list[dict[str, str]]) -> list[bool]:
    """Which rows the row model certainly accepts, decided column by column: each distinct value of a
    column is checked once by the field's own check (:data:`_VALUE_CHECKS`), required cells must not be
    blank, and the checks across fields run on the few distinct pairs. A row not cleared goes through the
    model, whose errors (with their rule codes) are what is reported; a row cleared is one the model
    accepts, so this only saves running the model on clean rows."""
    cleared = [True] * len(rows)
    if not rows:
        return cleared
    keys = rows[0].keys()
    if keys != _MODEL_FIELDS or any(raw.keys() != keys for raw in rows):
        return [False] * len(rows)  # missing or unknown columns: the model says which
    for field in _MODEL_FIELDS:
        required = field in _MODEL_REQUIRED
        check = _VALUE_CHECKS.get(field)
        if not required and check is None:
            continue
        texts = [raw[field] for raw in rows]
        failing = {
            text
            for text in set(texts)
            if (required and not text.strip())
            or (check is not None and text.strip() and not _field_ok(check, text))
        }
        if failing:
            for k, text in enumerate(texts):
                if text in failing:
                    cleared[k] = False
    pairs: dict[tuple[str, str, bool], bool] = {}
    for k, raw in enumerate(rows):
        if not cleared[k]:
            continue
        figure = bool(raw["investment_bn_vnd"].strip())
        for field in _INVESTMENT_FIELDS:
            key = (field, raw[field], figure)
            verdict = pairs.get(key)
            if verdict is None:
                value = raw[field] if raw[field].strip() else None
                data: dict[str, Any] = {"investment_bn_vnd": 1.0 if figure else None}
                verdict = pairs[key] = _field_ok(partial(_investment, field, data=data), value)
            if not verdict:
                cleared[k] = False
                break
        start, end = raw["period_start"], raw["period_end"]
        if cleared[k] and start.strip() and end.strip():
            periods = (_year(start), _year(end))  # both passed _year
            cleared[k] = _field_ok(lambda pair: _period_order(*pair), periods)
    return cleared


def _history_checks(start: str, end: str, history: str, sources: str) -> list[HistoryProblem]:
    """:func:`history_checks`, once per distinct (history, period, Phụ lục II citation): it reads
    ``sources`` only for whether they cite Phụ lục II."""
    annex = cites_annex_ii(sources)
    return _history_checks_cached(start, end, history, annex)


@lru_cache(maxsize=65536)
def _history_checks_cached(start: str, end: str, history: str, annex: bool) -> list[HistoryProblem]:
    return history_checks(start, end, history, _ANNEX_II_SOURCE if annex else "")


#: A ``sources`` cell citing Phụ lục II of 202/KH-UBND (what :func:`cites_annex_ii` looks for).
_ANNEX_II_SOURCE = "202/KH-UBND (01/10/2021), Phụ lục II"

#: Candidates of each cell rule in a column joined into one text (each confirmed on its cell): a cell that
#: may start a formula (after spaces, one cell per line), leading or trailing whitespace next to the
#: separator or the ends.
#: :data:`portfolio._formula.SUSPECT_RE` in two parts the regex engine scans fast (each starts with a
#: character set, where ``(?m)^`` is tried at every position): a line break (the column is searched
#: with one in front) then a tab, a carriage return or spaces and a formula start; and ``;`` / ``,``
#: then spaces and ``=``. Together they match in every cell ``SUSPECT_RE`` matches in.
_FORMULA_LINE_RE = re.compile(rf"\n(?:[\t\r]|{_formula._SPACE_IN_LINE}[{re.escape(_formula.STARTS)}])")
_FORMULA_SPLIT_RE = re.compile(rf"[;,]{_formula._SPACE_IN_LINE}[=\uff1d]")
_EDGE_SPACE_RE = re.compile(r"(?:^|(?<=\x00))\s|\s(?=\x00|$)")
#: Rule and message of each cell that breaks a cell rule, by row index and column.
_CellProblems = dict[int, dict[str, list[tuple[str, str]]]]


def _cell_problems(rows: list[dict[str, str]]) -> _CellProblems:
    """The cell rules (``cell_too_long``, ``formula``, ``control_char``, ``not_nfc``, ``whitespace``) of
    every cell, column by column: each rule's candidates are found in the column joined into one text
    (a separator no rule matches and across which nothing composes), then confirmed on the cell itself."""
    found: _CellProblems = {}
    if not rows:
        return found
    first = rows[0].keys()
    same = all(raw.keys() == first for raw in rows)
    columns = list(first) if same else list(dict.fromkeys(column for raw in rows for column in raw))
    for column in columns:
        texts = [raw[column] for raw in rows] if same else [raw.get(column) or "" for raw in rows]

        def add(k: int, rule: str, message: str, column: str = column) -> None:
            found.setdefault(k, {}).setdefault(column, []).append((rule, message))

        if column in schema.REQUIRED:
            for k, value in enumerate(texts):
                if not value.strip():
                    add(k, "required", "is empty but required")
        stop: set[int] = set()  # cells too long or formulas: nothing more is said about them
        if max(map(len, texts)) > MAX_CELL_CHARS:
            for k, value in enumerate(texts):
                if len(value) > MAX_CELL_CHARS:
                    stop.add(k)
                    add(
                        k,
                        "cell_too_long",
                        f"cell holds {len(value):,} characters; the limit is "
                        f"{MAX_CELL_CHARS:,} (a spreadsheet cuts longer cells)",
                    )
        by_line = "\n".join(texts)
        starts = _Starts(texts)
        suspects = set(_candidates(_FORMULA_LINE_RE, "\n" + by_line, starts))  # offset k: cell k's line break
        suspects.update(_candidates(_FORMULA_SPLIT_RE, by_line, starts))
        for k in sorted(suspects):
            value = texts[k]
            if k not in stop and is_formula(value):
                stop.add(k)
                add(k, "formula", _formula.message(value, _clip(value)))
        by_nul = "\x00".join(texts)
        odd = set(_candidates(_CONTROL_RE, by_line, starts))  # \n is no control character
        odd.update(_candidates(_LINEBREAK_RE, by_nul, starts))  # \x00 is no line break
        nfc = schema.is_nfc(by_line)  # "\n" composes with nothing: the whole is NFC when every cell is
        odd.update(_edge_spaces(texts, by_line, starts))
        if not nfc:
            odd.update(k for k, value in enumerate(texts) if not value.isascii())
        for k in sorted(odd - stop):
            value = texts[k]
            matches = [_CONTROL_RE.search(value)]
            if column not in MULTILINE_COLUMNS:
                matches.append(_LINEBREAK_RE.search(value))
            bad = min((m for m in matches if m is not None), key=lambda m: m.start(), default=None)
            if bad is not None:
                add(k, "control_char", _control_message(column, bad))
            if not nfc and not schema.is_nfc(value):
                add(k, "not_nfc", "text is not in Unicode NFC (decomposed diacritics); normalise it to NFC")
            if value != value.strip():
                add(k, "whitespace", "has leading or trailing whitespace")
    return found


class _Starts:
    """Offset of each text in the texts joined by a one-character separator (computed when first needed)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self._at: np.ndarray | None = None

    def of(self, position: int) -> int:
        """Index of the text holding ``position`` of the joined text."""
        if self._at is None:
            lengths = np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts)) + 1
            self._at = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        return int(np.searchsorted(self._at, position, side="right")) - 1


def _candidates(pattern: re.Pattern[str], joined: str, starts: _Starts) -> list[int]:
    """Indices of the texts (joined by a one-character separator) in which ``pattern`` matches, each once,
    in order."""
    out: list[int] = []
    for match in pattern.finditer(joined):
        k = starts.of(match.start())
        if not out or out[-1] != k:
            out.append(k)
    return out


#: Whitespace other than the plain space and the line feed (the separator of the joined column).
_ODD_SPACE_RE = re.compile(r"[^\S \n]")


def _edge_spaces(texts: list[str], by_line: str, starts: _Starts) -> set[int]:
    """Indices of the texts that may start or end with whitespace (each is then checked itself): a space
    next to a separator or an end of the "\n"-joined column, or any other whitespace character."""
    found = set(_candidates(_ODD_SPACE_RE, by_line, starts))
    for needle, shift in (("\n ", 1), (" \n", 0)):
        at = by_line.find(needle)
        while at != -1:
            found.add(starts.of(at + shift))
            at = by_line.find(needle, at + 1)
    if by_line.startswith(" "):
        found.add(0)
    if by_line.endswith(" "):
        found.add(len(texts) - 1)
    return found


def _control_message(column: str, found: re.Match[str]) -> str:
    char = found.group()
    name = _CHAR_NAMES.get(char, "a control character")
    what = f"{char!r} ({name}, U+{ord(char):04X}) at character {found.start() + 1}"
    if _LINEBREAK_RE.match(char):
        return f"holds the line break {what}; only notes may hold line breaks"
    if _INVISIBLE_RE.match(char):
        return (
            f"holds the invisible character {what}; no cell may hold zero-width or "
            "text-direction characters (they hide or reorder text): delete it"
        )
    return f"holds the control character {what}; no cell may hold control characters (use a space)"


def _clip(value: str, width: int = 40) -> str:
    text = value.strip()
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _field_ok(check: Any, value: Any) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


_REQUIRED_IN_ORDER = tuple(column for column in schema.COLUMNS if column in schema.REQUIRED)
#: The row model's fields, and those it requires (a blank cell there is an error).
_MODEL_FIELDS = ProjectRow.model_fields.keys()
_MODEL_REQUIRED = frozenset(name for name, info in ProjectRow.model_fields.items() if info.is_required())
#: The controlled vocabulary of each column (:meth:`ProjectRow._vocabulary`).
_VOCABULARIES: dict[str, dict[Any, Any]] = {
    "sector": schema.SECTORS,
    "status": schema.STATUSES,
    "funding_type": schema.FUNDING_TYPES,
    "scope": schema.SCOPES,
}
_PRECISION_TEXTS = frozenset(str(k) for k in schema.PRECISION)
