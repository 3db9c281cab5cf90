"""Row model of the register: one pydantic model, errors mapped to :class:`Problem`."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from portfolio import schema
from portfolio._errors import Problem


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
    notes: str | None = None

    @field_validator("id")
    @classmethod
    def _id_slug(cls, value: str) -> str:
        if not schema.ID_RE.match(value):
            raise ValueError(
                f"{value!r} is not a lowercase ascii slug (letters, digits, '-' or '_' between them)"
            )
        return value

    @field_validator("parent_id")
    @classmethod
    def _parent_slug(cls, value: str | None) -> str | None:
        if value is not None and not schema.ID_RE.match(value):
            raise ValueError(f"{value!r} is not a lowercase ascii slug")
        return value

    @field_validator("sector")
    @classmethod
    def _sector(cls, value: str) -> str:
        return _in_vocabulary(value, schema.SECTORS)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _in_vocabulary(value, schema.STATUSES)

    @field_validator("funding_type")
    @classmethod
    def _funding(cls, value: str) -> str:
        return _in_vocabulary(value, schema.FUNDING_TYPES)

    @field_validator("scope")
    @classmethod
    def _scope(cls, value: str) -> str:
        return _in_vocabulary(value, schema.SCOPES)

    @field_validator("admin_basis")
    @classmethod
    def _admin_basis(cls, value: str | None) -> str | None:
        return None if value is None else _in_vocabulary(value, schema.ADMIN_BASES)

    @field_validator("geocode_precision", mode="before")
    @classmethod
    def _precision(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().isdigit() and int(value) not in schema.PRECISION:
            allowed = ", ".join(str(k) for k in schema.PRECISION)
            raise ValueError(f"{value!r} is not a precision code; allowed: {allowed}")
        return value

    @field_validator("period_start", "period_end", mode="before")
    @classmethod
    def _year(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip()
        if not text.isdigit() or len(text) != 4:
            raise ValueError(f"{value!r} is not a four-digit year")
        year = int(text)
        if not schema.YEAR_MIN <= year <= schema.YEAR_MAX:
            raise ValueError(
                f"year {year} is not plausible (allowed {schema.YEAR_MIN}-{schema.YEAR_MAX})"
            )
        return year

    @field_validator("status_as_of", mode="before")
    @classmethod
    def _as_of(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO date YYYY-MM-DD") from None
            if not schema.YEAR_MIN <= parsed.year <= schema.YEAR_MAX:
                raise ValueError(f"date {value} is not plausible")
            return parsed
        return value

    @field_validator("official_area_ha", "official_length_km")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise ValueError(f"{value!r} must be a positive number")
        return value

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: str) -> str:
        entries = schema.split_list(value)
        if not entries:
            raise ValueError("no source is cited")
        for entry in entries:
            if schema.source_document(entry) is None:
                known = ", ".join(schema.DOCUMENTS)
                raise ValueError(
                    f"source {entry!r} does not start with a known document ({known}) "
                    f"or {schema.EXTERNAL_PREFIX!r}"
                )
        return value

    @field_validator("period_history")
    @classmethod
    def _history(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for entry in schema.split_list(value):
            match = schema.PERIOD_HISTORY_RE.match(entry)
            if match is None:
                raise ValueError(f"entry {entry!r} is not DOCUMENT=START-END")
            start, end = int(match["start"]), int(match["end"])
            if start > end:
                raise ValueError(f"entry {entry!r} starts after it ends")
            if schema.source_document(match["doc"]) is None:
                raise ValueError(f"entry {entry!r} names no known document")
        return value

    @model_validator(mode="after")
    def _period_order(self) -> ProjectRow:
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_start > self.period_end
        ):
            raise ValueError(
                f"period_start {self.period_start} is after period_end {self.period_end}"
            )
        return self


def _in_vocabulary(value: str, vocabulary: dict[Any, Any]) -> str:
    if value not in vocabulary:
        allowed = ", ".join(str(k) for k in vocabulary)
        raise ValueError(f"{value!r} is not allowed; allowed: {allowed}")
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
    for column in schema.REQUIRED:
        if not str(raw.get(column, "")).strip():
            problems.append(Problem(file, where, column, "required", "is empty but required"))
    for column, value in raw.items():
        if value and not schema.is_nfc(value):
            problems.append(
                Problem(file, where, column, "not_nfc",
                        "text is not in Unicode NFC (decomposed diacritics); normalise it to NFC")
            )
        if value and value != value.strip():
            problems.append(
                Problem(file, where, column, "whitespace", "has leading or trailing whitespace")
            )
    try:
        model = ProjectRow.model_validate({k: _empty_to_none(v) for k, v in raw.items()})
    except ValidationError as exc:
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            if not field and "period_start" in err["msg"]:
                field = "period_start"
            if field in schema.REQUIRED and not str(raw.get(field, "")).strip():
                continue  # already reported as required
            message = err["msg"].removeprefix("Value error, ")
            rule = _rule_for(field, err["type"], message)
            problems.append(Problem(file, where, field, rule, message))
        return None, problems
    return (model if not problems else None), problems


def _rule_for(field: str, err_type: str, message: str) -> str:
    if field in ("sector", "status", "funding_type", "scope", "admin_basis"):
        return "unknown_value"
    if field == "period_start" and "is after period_end" in message:
        return "period_order"
    if field in ("period_start", "period_end"):
        return "bad_year" if "plausible" not in message else "implausible_year"
    if field == "id" or field == "parent_id":
        return "bad_id"
    if field == "sources":
        return "bad_source"
    if field == "period_history":
        return "bad_period_history"
    if field == "geocode_precision":
        return "bad_precision"
    if field == "status_as_of":
        return "bad_date"
    return err_type
