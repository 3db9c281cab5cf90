"""Row model of the register: one pydantic model; each error carries its rule code to its :class:`Problem`."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from portfolio import _formula, schema
from portfolio._errors import Problem
from portfolio._formula import is_formula  # the one formula rule (CSV injection), shared with export

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
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
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
_CHAR_NAMES = {"\t": "a tab", "\n": "a line feed", "\r": "a carriage return", "\x0b": "a vertical tab",
               "\x0c": "a form feed", "\x00": "a NUL", "\x7f": "DEL", "\x85": "a next-line (NEL)",
               "\u2028": "a line separator", "\u2029": "a paragraph separator",
               "\u200b": "a zero-width space", "\u200d": "a zero-width joiner",
               "\u202e": "a right-to-left override", "\ufeff": "a zero-width no-break space (BOM)"}


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
        if not schema.ID_RE.match(value):
            raise rule_error("bad_id", f"{_show(value)} is not a lowercase ascii slug "
                                      "(letters, digits, '-' or '_' between them)")
        return value

    @field_validator("parent_id")
    @classmethod
    def _parent_slug(cls, value: str | None) -> str | None:
        if value is not None and not schema.ID_RE.match(value):
            raise rule_error("bad_id", f"{_show(value)} is not a lowercase ascii slug")
        return value

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
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_start > self.period_end
        ):
            raise rule_error(
                "period_order", f"period_start {self.period_start} is after period_end {self.period_end}"
            )
        return self


# The field checks, shared by the model and by the bulk pre-check of :func:`check_rows`.

def _show(value: Any) -> str:
    """``repr(value)``, cut to :data:`_SHOW_CHARS` characters for a message."""
    text = repr(value)
    return text if len(text) <= _SHOW_CHARS else text[: _SHOW_CHARS - 2] + "…" + text[0]


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
                f"or {schema.EXTERNAL_PREFIX!r}"
            )
    return value


def _investment(field: str, value: str | None, data: dict[str, Any]) -> str | None:
    """``investment_kind`` / ``investment_source``: given exactly when ``investment_bn_vnd`` is
    (unless that cell already failed its own check); the kind in :data:`portfolio.schema.INVESTMENT_KINDS`,
    the source citing a seed document or an outside page as ``sources`` entries do."""
    if "investment_bn_vnd" in data:
        figure = data["investment_bn_vnd"] is not None
        if figure and value is None:
            what = ("approved or estimate" if field == "investment_kind"
                    else "the document or page that states it")
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
            raise rule_error("bad_period_history",
                             f"entry {_show(entry)} is not DOCUMENT=START-END (years in ASCII digits)")
        shown, doc, start, end = _show(entry.text), entry.document, entry.start, entry.end
        if not (schema.YEAR_MIN <= start <= schema.YEAR_MAX and schema.YEAR_MIN <= end <= schema.YEAR_MAX):
            raise rule_error("bad_period_history",
                             f"entry {shown} has a year outside {schema.YEAR_MIN}-{schema.YEAR_MAX}")
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
_OUTSIDE_DATE_RE = re.compile(r"^ngoài:\s*[^(=]+? (?P<date>[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?)(?: |$)",
                              re.IGNORECASE)
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
        problems.append(("period_start" if not start else "period_end", "period_not_in_history",
                         f"is empty, but period_history gives periods (the last: {last[1]}-{last[2]}); "
                         "fill period_start and period_end"))
    elif int(start) <= int(end) and cites_annex_ii(sources) and not any(
            schema.source_document(doc) == "202/KH-UBND" for doc, _, _ in entries):
        problems.append(("period_history", "period_not_in_history",
                         f"has no 202/KH-UBND entry, but the row cites Phụ lục II of 202/KH-UBND: add "
                         f"202/KH-UBND={start}-{end} (the appendix period, kept in period_start/period_end)"))
    elif int(start) <= int(end):  # else period_order is reported
        periods = [(s, e) for _, s, e in entries]
        annex = cites_annex_ii(sources) and next(
            ((s, e) for doc, s, e in entries if schema.source_document(doc) == "202/KH-UBND"), None)
        due, why = (annex, "the 202/KH-UBND entry (the row cites its Phụ lục II)") if annex else (
            (last[1], last[2]), "the last entry of period_history (the most recent source)")
        field = "period_start" if start != due[0] else "period_end"
        if (start, end) not in periods:
            listed = ", ".join(f"{s}-{e}" for s, e in periods)
            problems.append((field, "period_not_in_history",
                             f"period {start}-{end} is none of period_history's ({listed}); it must be "
                             f"{why}: {due[0]}-{due[1]}"))
        elif (start, end) != due:
            problems.append((field, "period_not_current",
                             f"period {start}-{end} is not {why}: {due[0]}-{due[1]}"))
    undated = [doc for doc, _, _ in entries if _entry_date(doc) is None
               and schema.source_document(doc) not in schema.DOCUMENTS
               and _UNKNOWN_DATE not in doc.casefold()]
    if undated:
        problems.append(("period_history", "period_history_date",
                         f"entry {_show(undated[0])} gives no date its order can be read by: write the "
                         "date right after the publisher (ngoài: VnExpress 2025-09-15=…, or 2025-09, or "
                         "2025), or say it is not known (ngoài: Publisher (không rõ ngày, …)=…)"))
    latest: tuple[str, str, _Span] | None = None  # the entry dated latest so far
    for doc, _, _ in entries:
        dated = _entry_date(doc)
        if dated is None:
            continue
        text, span = dated
        if latest is not None and latest[2][0] > span[1]:
            problems.append(("period_history", "period_history_order",
                             f"entry {_show(doc)} ({text}) comes after {_show(latest[0])} ({latest[1]}), "
                             "a later document; list the entries oldest first"))
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
    """Validate one raw CSV row.

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
    ident = raw.get("id", "").strip()
    where = f"row {row_number}" + (f" (id {ident})" if ident else "")
    problems: list[Problem] = []
    for column in schema.COLUMNS:
        if column in schema.REQUIRED and not str(raw.get(column, "")).strip():
            problems.append(Problem(file, where, column, "required", "is empty but required"))
    reported: set[str] = set()
    for column, value in raw.items():
        if len(value) > MAX_CELL_CHARS:
            reported.add(column)  # nothing more is said about the cell, nor checked by the model
            problems.append(
                Problem(file, where, column, "cell_too_long",
                        f"cell holds {len(value):,} characters; the limit is {MAX_CELL_CHARS:,} "
                        "(a spreadsheet cuts longer cells)")
            )
            continue
        if value and is_formula(value):
            reported.add(column)
            problems.append(
                Problem(file, where, column, "formula", _formula.message(value, _clip(value)))
            )
            continue
        found = [_CONTROL_RE.search(value)]
        if column not in MULTILINE_COLUMNS:
            found.append(_LINEBREAK_RE.search(value))
        bad = min((m for m in found if m is not None), key=lambda m: m.start(), default=None)
        if bad is not None:
            problems.append(Problem(file, where, column, "control_char", _control_message(column, bad)))
        if value and not schema.is_nfc(value):
            problems.append(
                Problem(file, where, column, "not_nfc",
                        "text is not in Unicode NFC (decomposed diacritics); normalise it to NFC")
            )
        if value and value != value.strip():
            problems.append(
                Problem(file, where, column, "whitespace", "has leading or trailing whitespace")
            )
    history = [] if not raw.get("period_history", "").strip() or reported & _HISTORY_COLUMNS else [
        Problem(file, where, field, rule, message)
        for field, rule, message in history_checks(raw.get("period_start", ""), raw.get("period_end", ""),
                                                   raw["period_history"], raw.get("sources", ""))]
    try:
        model = ProjectRow.model_validate({k: _empty_to_none(v) for k, v in raw.items()})
    except ValidationError as exc:
        for err in exc.errors():
            rule = err["type"]  # a field check's rule code (RuleError), else pydantic's own error type
            field = str(err["loc"][0]) if err["loc"] else ("period_start" if rule == "period_order" else "")
            if field in schema.REQUIRED and not str(raw.get(field, "")).strip():
                continue  # already reported as required
            if field in reported:
                continue  # already reported (a formula, a cell too long)
            problems.append(Problem(file, where, field, rule, err["msg"].removeprefix("Value error, ")))
        return None, problems + history
    problems += history
    return (model if not problems else None), problems


def _control_message(column: str, found: re.Match[str]) -> str:
    char = found.group()
    name = _CHAR_NAMES.get(char, "a control character")
    what = f"{char!r} ({name}, U+{ord(char):04X}) at character {found.start() + 1}"
    if _LINEBREAK_RE.match(char):
        return f"holds the line break {what}; only notes may hold line breaks"
    if _INVISIBLE_RE.match(char):
        return (f"holds the invisible character {what}; no cell may hold zero-width or "
                "text-direction characters (they hide or reorder text): delete it")
    return f"holds the control character {what}; no cell may hold control characters (use a space)"


def _clip(value: str, width: int = 40) -> str:
    text = value.strip()
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def check_rows(
    file: str, row_numbers: list[int], rows: list[dict[str, str]], *, fast: bool = True,
) -> list[tuple[bool, list[Problem]]]:
    """Validate every raw row: for each, whether it is valid and the problems found (as :func:`check_row`).

    With ``fast`` (the default) the cells are first checked column by column in bulk; only the rows
    that the bulk checks cannot clear (a possible problem in any cell) go through :func:`check_row`.
    A cleared row is one :func:`check_row` accepts with no problem, so the result is the same either
    way (``fast=False`` runs :func:`check_row` on every row).
    """
    suspect = _suspect_rows(rows) if fast else set(range(len(rows)))
    results: list[tuple[bool, list[Problem]]] = []
    for index, (number, raw) in enumerate(zip(row_numbers, rows, strict=True)):
        if index in suspect:
            model, problems = check_row(file, number, raw)
            results.append((model is not None, problems))
        else:
            results.append((True, []))
    return results


#: A cell that may start a formula (after spaces), one cell per line.
_FORMULA_START_RE = _formula.SUSPECT_RE
#: Whitespace other than the plain space.
_ODD_SPACE_RE = re.compile(r"[^\S ]")
#: The controlled vocabulary of each column (:meth:`ProjectRow._vocabulary`, the vectorised check).
_VOCABULARIES: dict[str, dict[Any, Any]] = {
    "sector": schema.SECTORS, "status": schema.STATUSES, "funding_type": schema.FUNDING_TYPES,
    "scope": schema.SCOPES,
}
_PRECISION_TEXTS = frozenset(str(k) for k in schema.PRECISION)
#: Columns whose model field has no default: an empty cell (None) fails it.
_NOT_NONE = tuple(name for name, info in ProjectRow.model_fields.items() if info.is_required())


def _cell_clean(column: str, value: str) -> bool:
    """True when :func:`check_row`'s cell checks find nothing in ``value`` (cell_too_long, required,
    formula, control_char, not_nfc, whitespace)."""
    if len(value) > MAX_CELL_CHARS or (column in schema.REQUIRED and not value.strip()):
        return False
    if value and is_formula(value):
        return False
    if _CONTROL_RE.search(value) or (column not in MULTILINE_COLUMNS and _LINEBREAK_RE.search(value)):
        return False
    return not value or (schema.is_nfc(value) and value == value.strip())


def _field_ok(check: Any, value: Any) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def _suspect_rows(rows: list[dict[str, str]]) -> set[int]:
    """Indices of the rows that may hold a problem; every other row passes :func:`check_row` cleanly.

    Each test is exact or errs towards suspicion. Cell checks run on a whole column joined into one
    string (with a separator none of them can match across, and across which NFC cannot compose), and
    only a column where something shows is checked cell by cell. Model checks use the same functions
    as :class:`ProjectRow`'s validators, once per distinct value.
    """
    everything = set(range(len(rows)))
    columns = frozenset(schema.COLUMNS)
    if any(raw.keys() != columns for raw in rows):
        return everything
    suspect: set[int] = set()
    table = {column: [raw[column] for raw in rows] for column in schema.COLUMNS}

    def flag(column: str, ok: Any) -> None:
        """Flag the rows whose value in ``column`` fails ``ok`` (called once per distinct value)."""
        values = table[column]
        bad = {value for value in set(values) if not ok(value)}
        if bad:
            suspect.update(index for index, value in enumerate(values) if value in bad)

    for column, values in table.items():
        by_line, by_bar = "\n".join(values), "|".join(values)
        if (
            (column in schema.REQUIRED and "" in values)
            or max(map(len, values), default=0) > MAX_CELL_CHARS
            or by_bar.startswith(" ") or by_bar.endswith(" ") or "| " in by_bar or " |" in by_bar
            or _ODD_SPACE_RE.search(by_bar)  # with the spaces above: any leading or trailing whitespace
            or _FORMULA_START_RE.search(by_line)
            or _CONTROL_RE.search(by_bar)
            or (column not in MULTILINE_COLUMNS and _LINEBREAK_RE.search(by_bar))
            or not schema.is_nfc(by_line)
        ):
            flag(column, lambda value, column=column: _cell_clean(column, value))
    # The model, field by field (cells are known clean on the rows not yet flagged: no spaces around).
    flag("id", lambda v: schema.ID_RE.match(v))
    flag("parent_id", lambda v: v == "" or schema.ID_RE.match(v))
    for column, vocabulary in _VOCABULARIES.items():
        flag(column, lambda v, vocabulary=vocabulary: v in vocabulary)
    flag("admin_basis", lambda v: v == "" or v in schema.ADMIN_BASES)
    flag("geocode_precision", lambda v: v in _PRECISION_TEXTS)
    for column in ("period_start", "period_end"):
        flag(column, lambda v: v == "" or _field_ok(_year, v))
    flag("status_as_of", lambda v: _field_ok(_as_of, v))
    for column in ("official_area_ha", "official_length_km", "investment_bn_vnd"):
        flag(column, lambda v: v == "" or _field_ok(_positive, v))
    flag("investment_kind", lambda v: v == "" or v in schema.INVESTMENT_KINDS)
    flag("investment_source", lambda v: v == "" or _field_ok(_sources, v))
    suspect.update(index for index, raw in enumerate(rows)  # the three investment cells go together
                   if len({raw["investment_bn_vnd"] == "", raw["investment_kind"] == "",
                           raw["investment_source"] == ""}) > 1)
    flag("sources", lambda v: _field_ok(_sources, v))
    flag("period_history", lambda v: v == "" or _field_ok(_history, v))
    for column in _NOT_NONE:  # an empty cell is passed to the model as None
        flag(column, lambda v: v != "")
    for index, raw in enumerate(rows):
        start, end = raw["period_start"], raw["period_end"]
        if start and end and index not in suspect and int(start) > int(end):
            suspect.add(index)
    # period_history against the period columns: a Python check, on the rows that have a history only
    # (once per distinct history, period and Phụ lục II citation).
    verdicts: dict[tuple[str, str, str, bool], bool] = {}
    for index, raw in enumerate(rows):
        history = raw["period_history"]
        if not history or index in suspect:
            continue
        key = (history, raw["period_start"], raw["period_end"], cites_annex_ii(raw["sources"]))
        if key not in verdicts:
            verdicts[key] = not history_checks(key[1], key[2], history,
                                               raw["sources"] if key[3] else "")
        if not verdicts[key]:
            suspect.add(index)
    return suspect
