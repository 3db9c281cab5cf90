"""The filter criteria as data: one :class:`Criterion` per thing a user can filter on.

Each criterion says, once, everything the views need: its parameters (:class:`Param`: the URL query
parameter, which is also the CLI flag ``--name``, with its parser and its help), the rows it keeps
(``mask``, on the register frame), the SQL condition the PostGIS store runs for it (``sql``, where the
database can decide it), its words in :meth:`~portfolio.query.Filter.describe` in Vietnamese and
English, the text explaining it (a key of :mod:`portfolio.i18n`'s catalogue, shown as the app's help
and the CLI's) and the kind of sidebar widget it gets (:class:`Widget`). :class:`portfolio.query.Filter`,
the CLI (``portfolio.cli``), the app's sidebar and the PostGIS store's ``select`` are all generated
from :data:`CRITERIA`; adding a criterion is one entry here, one field of ``Filter`` and its tests.
datasette's ``Filters`` is the model.

The rules themselves (timeframe, "the city in year", undated projects, names, the box) are the
criteria's: read them below, next to the mask and the SQL that implement them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import shapely

from portfolio import schema
from portfolio._derived import is_derived
from portfolio._errors import QueryError
from portfolio._periods import latest_periods, sourced_periods
from portfolio.query.names import entry_keys, value_key
from portfolio.query.search import normalise, query_patterns, search_hits

if TYPE_CHECKING:
    from portfolio.query.filters import Filter


class FilterError(QueryError):
    """A filter value or parameter is not allowed, with a stable code and its details.

    Parameters
    ----------
    message : str
        The English message (``str(error)``).
    code : str
        Stable name of the problem: ``unknown_value``, ``unknown_parameter``, ``not_a_year``,
        ``year_out_of_range``, ``from_after_to``, ``repeated_parameter``, ``not_a_whole_number``,
        ``bad_bbox`` or ``no_search_words``.
    params : dict of str to str
        Details for a translated message: ``field`` (the parameter name: ``status``, ``from``,
        ``bbox``…; ``parameter`` for unknown parameter names) and, by code, ``value`` (the value(s)
        given, comma-separated), ``allowed`` (comma-separated), ``min``/``max`` (years),
        ``year_from``/``year_to``, ``count`` (times given).
    """

    def __init__(self, message: str, code: str = "invalid", params: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.code: str = code
        self.params: dict[str, str] = {str(k): str(v) for k, v in (params or {}).items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.code, self.params))


#: Statuses of works that exist today: "the city in year" keeps them when they have no period.
EXISTING_STATUSES: Final[tuple[str, ...]] = ("completed", "operating")
UNDATED_CHOICES: Final[tuple[str, ...]] = ("include", "exclude")


# --------------------------------------------------------------------------------------------
# Values: parsers and checks (each raises FilterError with a stable code)
# --------------------------------------------------------------------------------------------


def fmt_float(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def parse_int(key: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise FilterError(
            f"{key}: {raw!r} is not a whole number", "not_a_whole_number", {"field": key, "value": raw}
        ) from None


def check_year(key: str, value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise FilterError(
            f"{key}: {value!r} is not a year", "not_a_year", {"field": key, "value": str(value)}
        )
    if not schema.YEAR_MIN <= value <= schema.YEAR_MAX:
        raise FilterError(
            f"{key}: {value} is not a year between {schema.YEAR_MIN} and {schema.YEAR_MAX}",
            "year_out_of_range",
            {"field": key, "value": str(value), "min": str(schema.YEAR_MIN), "max": str(schema.YEAR_MAX)},
        )
    return value


def check_order(year_from: int | None, year_to: int | None) -> None:
    if year_from is not None and year_to is not None and year_from > year_to:
        raise FilterError(
            f"from ({year_from}) is after to ({year_to})",
            "from_after_to",
            {"field": "from", "year_from": str(year_from), "year_to": str(year_to)},
        )


def check_undated(value: str) -> str:
    if value not in UNDATED_CHOICES:
        raise unknown_error("undated", [value], UNDATED_CHOICES)
    return value


def check_search(text: str) -> str:
    """``text`` when it is empty or holds a word to search for, else ``no_search_words``."""
    if text and not normalise(text):
        raise FilterError(
            f"search: {text!r} has no letter or digit to search for; "
            "type a word or a number, or leave the search empty",
            "no_search_words",
            {"field": "search", "value": text},
        )
    return text


def check_precision(value: int | None) -> int | None:
    if value is not None and value not in schema.PRECISION:
        raise unknown_error("max_precision", [str(value)], [str(p) for p in schema.PRECISION])
    return value


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``"lon_min,lat_min,lon_max,lat_max"`` (degrees) into a checked tuple.

    Raises
    ------
    FilterError
        ``bad_bbox`` when ``text`` is not four numbers in degrees with min below max.
    """
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if len(parts) != 4:
        raise _bbox_error(f"bbox: {text!r} needs 4 numbers: lon_min,lat_min,lon_max,lat_max", text)
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise _bbox_error(f"bbox: {text!r} holds something that is not a number", text) from None
    box = check_bbox(values)
    assert box is not None
    return box


def _bbox_error(message: str, value: str) -> FilterError:
    return FilterError(message, "bad_bbox", {"field": "bbox", "value": value})


def check_bbox(values: Iterable[Any] | None) -> tuple[float, float, float, float] | None:
    if values is None:
        return None
    try:
        box = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise _bbox_error("bbox needs 4 numbers: lon_min, lat_min, lon_max, lat_max", str(values)) from None
    text = ",".join(fmt_float(v) for v in box)
    if len(box) != 4:
        raise _bbox_error("bbox needs 4 numbers: lon_min, lat_min, lon_max, lat_max", text)
    lon_min, lat_min, lon_max, lat_max = box
    in_degrees = all(-180 <= v <= 180 for v in (lon_min, lon_max)) and all(
        -90 <= v <= 90 for v in (lat_min, lat_max)
    )
    if not in_degrees:
        raise _bbox_error(
            f"bbox {box} is not in degrees (lon -180..180, lat -90..90); "
            "give lon_min,lat_min,lon_max,lat_max in WGS 84",
            text,
        )
    if lon_min >= lon_max or lat_min >= lat_max:
        raise _bbox_error(f"bbox {box}: lon_min must be below lon_max and lat_min below lat_max", text)
    return (lon_min, lat_min, lon_max, lat_max)


def unknown_error(
    what: str, unknown: Iterable[str], allowed: Iterable[str], code: str = "unknown_value", sep: str = ", "
) -> FilterError:
    """``unknown_value`` (or ``code``) error; ``sep`` joins the allowed values (``"; "`` for values
    that hold commas, such as owner names)."""
    bad, ok = [str(u) for u in unknown], [str(a) for a in allowed]
    listed = ", ".join(repr(u) for u in bad)
    return FilterError(
        f"unknown {what} {listed}; allowed values: {sep.join(ok)}",
        code,
        {"field": what, "value": ", ".join(bad), "allowed": sep.join(ok)},
    )


# --------------------------------------------------------------------------------------------
# The specification types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One URL query parameter, which is also the CLI flag ``--name`` (``_`` written ``-``).

    ``many`` parameters may be repeated (OR) and, when ``split``, take comma-separated values; a
    vocabulary parameter accepts only the keys of ``vocabulary``. A single-valued parameter given
    twice is an error (``repeated_parameter``; in the CLI, a usage error). ``parse`` turns one
    value as typed (stripped, not empty) into the field's value; ``check`` checks (and normalises) a
    field value given in Python, for :class:`~portfolio.query.Filter` built directly; ``text`` writes
    a value back as a parameter (:meth:`~portfolio.query.Filter.to_params`), which writes it when it is
    not the default or when ``written`` says so.
    """

    name: str
    field: str
    metavar: str
    help: str
    parse: Callable[[str], Any] = str
    check: Callable[[Any], Any] = lambda value: value
    many: bool = False
    split: bool = True
    vocabulary: Mapping[str, Any] | None = None
    keep_empty: bool = False
    text: Callable[[Any], str] = str
    written: Callable[[Filter], bool] | None = None

    @property
    def flag(self) -> str:
        """The CLI flag: ``--max-precision`` for ``max_precision``."""
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Widget:
    """The sidebar widget of a criterion: its ``kind`` (the app draws each kind its own way:
    ``vocabulary`` and ``names`` multiselects, ``year_range`` slider, ``undated`` box, ``in_year``
    box and slider, ``text`` input, ``approximate`` box, ``box`` caption), its session-state
    ``key`` (and the ``toggle`` box's key, for ``in_year``), the catalogue key of its ``label`` and
    its place in the sidebar (``rank``, top first); ``toggle_label`` is the toggle box's label."""

    kind: str
    key: str
    label: str
    rank: int
    toggle: str = ""
    toggle_label: str = ""


#: How the PostGIS store finds the values of a column a name criterion matches: (the criterion's field,
#: the column, the filter) → the distinct cells of that column the criterion's mask keeps.
ValuesOf = Callable[[str, str, "Filter"], list[str]]


@dataclass(frozen=True)
class Criterion:
    """One thing to filter on: its parameters, the rows it keeps, its SQL, its words and its widget.

    Attributes
    ----------
    name : str
        Its name (``status``, ``years``, ``in_year``…).
    params : tuple of Param
        Its parameters (``years`` has two: ``from`` and ``to``).
    columns : tuple of str
        The register columns it reads (a vocabulary's column first: its labels in :mod:`portfolio.i18n`).
    words : tuple of (str, str)
        Its name in :meth:`~portfolio.query.Filter.describe`, Vietnamese then English (with
        ``{placeholders}`` filled by ``describe``).
    about : str
        Catalogue key (:mod:`portfolio.i18n`) of the text that explains it (the app's help, the CLI's
        epilog); empty: the first parameter's ``help`` says it.
    example : str
        The flag as the CLI's epilog shows it (``--status planned,under_construction``).
    active, mask, describe
        Whether the filter uses it; the rows it keeps (given the rows kept so far, which a per-row
        criterion may alone test); its words in ``describe``.
    sql : callable or None
        ``(filter, values_of) -> (condition, parameters)`` with ``%s`` placeholders, or None when the
        database cannot decide it (the rows found are filtered again by the mask in any case).
    per_row : bool
        Run after the vectorised criteria, on the rows still kept.
    shown : callable or None
        Whether ``describe`` says it (default: when active).
    check : callable or None
        A check across its fields (``from`` after ``to``), on :class:`~portfolio.query.Filter`'s
        fields or the parsed parameters; a :class:`FilterError` drops its fields from parameters.
    implies : callable or None
        What its parameters imply for another field (``in_year`` alone: ``undated=exclude``).
    known : callable or None
        ``(filter, frame)``: raise :class:`FilterError` for a value the frame never uses (the CLI's
        strict check of names).
    widget : Widget or None
    """

    name: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    words: tuple[str, str]
    active: Callable[[Filter], bool]
    mask: Callable[[Filter, Rows, np.ndarray], np.ndarray]
    describe: Callable[[Filter, bool], str]
    example: str
    about: str = ""
    sql: Callable[[Filter, ValuesOf], tuple[str, list[Any]]] | None = None
    per_row: bool = False
    shown: Callable[[Filter], bool] | None = None
    check: Callable[[Mapping[str, Any]], None] | None = None
    implies: Callable[[dict[str, Any]], None] | None = None
    known: Callable[[Filter, pd.DataFrame], None] | None = None
    widget: Widget | None = None

    def word(self, vi: bool) -> str:
        return self.words[0 if vi else 1]


class Rows:
    """The frame a mask reads, with the periods computed once for all the period criteria."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    @cached_property
    def periods(self) -> pd.DataFrame:
        return sourced_periods(self.frame)

    @cached_property
    def dated(self) -> np.ndarray:
        """Rows a source gives a period."""
        out = np.zeros(len(self.frame), dtype=bool)
        out[self.periods["pos"].to_numpy()] = True
        return out

    @cached_property
    def existing(self) -> np.ndarray:
        """Works that exist today (:data:`EXISTING_STATUSES`)."""
        return np.asarray(self.frame["status"].isin(EXISTING_STATUSES), dtype=bool)

    def started_by(self, year: int) -> np.ndarray:
        """Rows whose latest period (:func:`~portfolio._periods.latest_periods`) starts by ``year``: a
        register frame's ``latest_start`` (:mod:`portfolio._derived`), else read from its periods."""
        if is_derived(self.frame):
            return np.asarray((self.frame["latest_start"] <= year).fillna(False), dtype=bool)
        latest = latest_periods(self.frame)
        out = np.zeros(len(self.frame), dtype=bool)
        out[latest["pos"].to_numpy()[latest["start"].to_numpy() <= year]] = True
        return out


def _or(vi: bool) -> str:
    return " hoặc " if vi else " or "


# --------------------------------------------------------------------------------------------
# Vocabularies: status, sector, funding, scope
# --------------------------------------------------------------------------------------------


def _vocabulary(
    field: str, param: str, column: str, vocabulary: Mapping[str, Any], metavar: str, what: str,
    words: tuple[str, str], example: str, rank: int,
) -> Criterion:  # fmt: skip
    def describe(flt: Filter, vi: bool) -> str:
        from portfolio import i18n

        values = getattr(flt, field)
        shown = (i18n.label(column, v, "vi") if vi else f"{vocabulary[v][1]} ({v})" for v in values)
        return f"{made.word(vi)}: " + _or(vi).join(shown)

    made = Criterion(
        name=param,
        params=(
            Param(
                param, field, metavar, f"{what}: " + ", ".join(vocabulary), many=True, vocabulary=vocabulary
            ),
        ),
        columns=(column,),
        words=words,
        active=lambda flt: bool(getattr(flt, field)),
        mask=lambda flt, rows, keep: keep & rows.frame[column].isin(getattr(flt, field)).to_numpy(dtype=bool),
        describe=describe,
        sql=lambda flt, _: (f"{column} = ANY(%s)", [list(getattr(flt, field))]),
        example=example,
        widget=Widget("vocabulary", f"f_{param}", column, rank),
    )
    return made


# --------------------------------------------------------------------------------------------
# Names: owners, communes, districts (case, diacritics, kind prefix ignored: portfolio.query.names)
# --------------------------------------------------------------------------------------------


def _names(
    field: str, param: str, columns: tuple[str, ...], admin: bool, metavar: str, help: str,
    words: tuple[str, str], example: str, rank: int, label: str, *, split: bool = True, in_sql: bool = True,
) -> Criterion:  # fmt: skip
    def mask(flt: Filter, rows: Rows, keep: np.ndarray) -> np.ndarray:
        """The kept rows with a cell, in one of ``columns``, that answers to a wanted value; each
        distinct cell is read once (a register names a few hundred owners and places)."""
        wanted = {value_key(v, admin) for v in getattr(flt, field)}
        positions = np.flatnonzero(keep)
        out = np.zeros(len(keep), dtype=bool)
        for column in columns:
            cells = [str(cell) for cell in rows.frame[column].to_numpy()[positions]]
            hit = {cell: bool(wanted & entry_keys(cell, admin)) for cell in set(cells)}
            out[positions] |= np.fromiter((hit[cell] for cell in cells), dtype=bool, count=len(cells))
        return out

    def known(flt: Filter, frame: pd.DataFrame) -> None:
        """A value is known when it would match a cell (a whole ``;``-separated entry, an owner name
        with commas included, or a piece of one between commas); the error lists the whole entries."""
        cells = {str(cell) for column in columns for cell in frame[column]}
        keys: set[str] = set()
        for cell in cells:
            keys |= entry_keys(cell, admin)
        unknown = [v for v in getattr(flt, field) if value_key(v, admin) not in keys]
        if unknown:
            allowed = sorted({entry for cell in cells for entry in schema.split_list(cell)})
            # owner names hold commas: list them separated by semicolons, as in the register
            raise unknown_error(param, unknown, allowed, sep=", " if split else "; ")

    def sql(flt: Filter, values_of: ValuesOf) -> tuple[str, list[Any]]:
        # the cells the mask keeps, found by the mask itself (so SQL and pandas agree)
        found = [(c, values) for c in columns if (values := values_of(field, c, flt))]
        return " OR ".join(f"{c} = ANY(%s)" for c, _ in found) or "false", [values for _, values in found]

    made = Criterion(
        name=param,
        params=(Param(param, field, metavar, help, many=True, split=split),),
        columns=columns,
        words=words,
        active=lambda flt: bool(getattr(flt, field)),
        mask=mask,
        describe=lambda flt, vi: f"{made.word(vi)}: " + _or(vi).join(getattr(flt, field)),
        sql=sql if in_sql else None,
        per_row=True,
        known=known,
        example=example,
        widget=Widget("names", f"f_{param}", label, rank),
    )
    return made


# --------------------------------------------------------------------------------------------
# Periods: the timeframe, "the city in year", projects with no period
# --------------------------------------------------------------------------------------------

_PERIODS = "register_periods(period_start, period_end, period_history)"
_LATEST = "register_latest_start(period_start, period_end, period_history)"  # NULL: no period


def _timed(flt: Filter) -> bool:
    return flt.year_from is not None or flt.year_to is not None or flt.in_year is not None


def _years_mask(flt: Filter, rows: Rows, keep: np.ndarray) -> np.ndarray:
    """Timeframe: a dated project is in when a period a source gives it (its own or a
    ``period_history`` entry) overlaps ``[from, to]``; undated ones are left to ``undated``."""
    periods = rows.periods
    start, end = periods["start"].to_numpy(), periods["end"].to_numpy()
    hit = np.ones(len(periods), dtype=bool)
    if flt.year_to is not None:
        hit &= start <= flt.year_to
    if flt.year_from is not None:
        hit &= end >= flt.year_from
    overlap = np.zeros(len(keep), dtype=bool)
    overlap[periods["pos"].to_numpy()[hit]] = True
    return np.asarray(keep & (overlap | ~rows.dated), dtype=bool)


def _years_sql(flt: Filter, _: ValuesOf) -> tuple[str, list[Any]]:
    overlap = f"{_PERIODS} && int4range(%s, %s, '[]')"  # an undated project's multirange is empty
    if flt.undated == "exclude" and flt.in_year is None:  # undated ones are out anyway: the GiST index alone
        return overlap, [flt.year_from, flt.year_to]
    return f"{_LATEST} IS NULL OR {overlap}", [flt.year_from, flt.year_to]


def _years_order(kwargs: Mapping[str, Any]) -> None:
    check_order(kwargs.get("year_from"), kwargs.get("year_to"))


def _years_describe(flt: Filter, vi: bool) -> str:
    low = "…" if flt.year_from is None else str(flt.year_from)
    high = "…" if flt.year_to is None else str(flt.year_to)
    return ("giai đoạn giao với {low}–{high}" if vi else "period overlaps {low}–{high}").format(
        low=low, high=high
    )


def _in_year_mask(flt: Filter, rows: Rows, keep: np.ndarray) -> np.ndarray:
    """The city in year Y: projects whose latest period starts in or before Y (under way or done by
    then), and the works that exist today (:data:`EXISTING_STATUSES`) that have no period (the port,
    the airport, the operating parks). Other undated projects follow ``undated``; in parameters,
    ``in_year`` without ``undated`` means ``undated=exclude`` (:func:`_in_year_default`)."""
    assert flt.in_year is not None
    undated_kept = rows.existing | (flt.undated == "include")
    return keep & np.where(rows.dated, rows.started_by(flt.in_year), undated_kept)


def _in_year_sql(flt: Filter, _: ValuesOf) -> tuple[str, list[Any]]:
    undated = "true" if flt.undated == "include" else "status = ANY(%s)"
    params: list[Any] = [flt.in_year] + ([] if flt.undated == "include" else [list(EXISTING_STATUSES)])
    return f"{_LATEST} <= %s OR ({_LATEST} IS NULL AND {undated})", params


def _in_year_default(kwargs: dict[str, Any]) -> None:
    """An undated plan is not known to be under way by Y: ``in_year`` alone excludes it."""
    if kwargs.get("in_year") is not None and "undated" not in kwargs:
        kwargs["undated"] = "exclude"


def _undated_mask(flt: Filter, rows: Rows, keep: np.ndarray) -> np.ndarray:
    """``undated=exclude``: only dated projects (with ``in_year``: and the existing works)."""
    existing = rows.existing if flt.in_year is not None else np.zeros(len(keep), dtype=bool)
    return np.asarray(keep & (rows.dated | existing), dtype=bool)


def _undated_sql(flt: Filter, _: ValuesOf) -> tuple[str, list[Any]]:
    if flt.in_year is None:
        return f"{_LATEST} IS NOT NULL", []
    return f"{_LATEST} IS NOT NULL OR status = ANY(%s)", [list(EXISTING_STATUSES)]


def _undated_describe(flt: Filter, vi: bool) -> str:
    if flt.undated == "include":
        return "gồm cả dự án chưa có giai đoạn" if vi else "projects with no period included"
    if flt.in_year is not None:
        return (
            "không gồm các dự án khác chưa có giai đoạn" if vi else "other projects with no period excluded"
        )
    return "không gồm dự án chưa có giai đoạn" if vi else "projects with no period excluded"


# --------------------------------------------------------------------------------------------
# Precision, box, search
# --------------------------------------------------------------------------------------------


def _precision_describe(flt: Filter, vi: bool) -> str:
    assert flt.max_precision is not None
    label = schema.PRECISION[flt.max_precision][0 if vi else 1]
    text = (
        "độ chính xác vị trí {code} ({label}) trở lên"
        if vi
        else "geocode precision {code} ({label}) or better"
    )
    return text.format(code=flt.max_precision, label=label)


def _bbox_mask(flt: Filter, rows: Rows, keep: np.ndarray) -> np.ndarray:
    assert flt.bbox is not None
    return np.asarray(keep & rows.frame.geometry.intersects(shapely.box(*flt.bbox)).to_numpy(), dtype=bool)


def _bbox_describe(flt: Filter, vi: bool) -> str:
    assert flt.bbox is not None
    word = "giao với khung kinh độ/vĩ độ " if vi else "intersecting lon/lat box "
    return word + ", ".join(fmt_float(v) for v in flt.bbox)


def _search_mask(flt: Filter, rows: Rows, keep: np.ndarray) -> np.ndarray:
    return search_hits(rows.frame, flt.search, rows=keep)


def _search_sql(flt: Filter, _: ValuesOf) -> tuple[str, list[Any]]:
    """The rows whose stored search text (:func:`portfolio._derived.search_text`, the store's
    ``search_text`` column) holds every word of one form of the query, in any column: a superset of the
    matches (the mask keeps those with every word in one column); a row whose stored text is missing
    (``NULL``: changed by another tool since it was stored) is always a candidate."""
    alternatives, params = [], []
    for patterns in query_patterns(flt.search):
        alternatives.append(" AND ".join(["search_text LIKE %s"] * len(patterns)))
        params += [f"%{p}%" for p in patterns]  # (folded words: a-z, 0-9 and spaces, no LIKE wildcard)
    return "search_text IS NULL OR " + " OR ".join(f"({a})" for a in alternatives), params


def _search_describe(flt: Filter, vi: bool) -> str:
    return ('có từ khóa "{text}"' if vi else 'text matches "{text}"').format(text=flt.search)


def _year_param(name: str, field: str, help: str) -> Param:
    return Param(
        name,
        field,
        "YEAR",
        help,
        parse=lambda raw: check_year(name, parse_int(name, raw)),
        check=lambda value: check_year(name, value),
    )


#: Every criterion, in the order :meth:`~portfolio.query.Filter.describe` says them.
CRITERIA: Final[tuple[Criterion, ...]] = (
    _vocabulary(
        "statuses",
        "status",
        "status",
        schema.STATUSES,
        "STATUS",
        "status",
        ("tình trạng", "status"),
        "--status planned,under_construction",
        10,
    ),
    _vocabulary(
        "sectors",
        "sector",
        "sector",
        schema.SECTORS,
        "SECTOR",
        "sector",
        ("lĩnh vực", "sector"),
        "--sector road",
        60,
    ),
    _vocabulary(
        "funding_types",
        "funding",
        "funding_type",
        schema.FUNDING_TYPES,
        "TYPE",
        "funding type",
        ("loại nguồn vốn", "funding"),
        "--funding oda",
        80,
    ),
    _vocabulary(
        "scopes",
        "scope",
        "scope",
        schema.SCOPES,
        "SCOPE",
        "scope",
        ("phạm vi", "scope"),
        "--scope city",
        90,
    ),
    _names(
        "owners",
        "owner",
        ("owner", "owner_current"),
        False,
        "OWNER",
        "owner or current owner; names contain commas, so a comma is part of the name: repeat --owner "
        'for OR (--owner "Sở Xây dựng" --owner "Bộ Xây dựng")',
        ("cơ quan chủ trì", "owner"),
        "--owner NAME",
        70,
        "owner",
        split=False,
    ),
    _names(
        "communes",
        "commune",
        ("communes",),
        True,
        "NAME",
        "commune or ward (2025 units); case and accents ignored, kind prefix optional "
        '("ninh kieu" = "Phường Ninh Kiều"); separate names by commas or repeat for OR',
        ("xã, phường (sau 2025)", "commune (2025)"),
        '--commune "ninh kieu,cai rang"',
        100,
        "commune",
    ),
    _names(
        "districts",
        "district",
        ("districts_before_2025",),
        True,
        "NAME",
        "district before 2025; as --commune",
        ("quận, huyện cũ (trước 2025)", "former district (before 2025)"),
        '--district "o mon"',
        110,
        "district",
    ),
    Criterion(
        name="years",
        params=(
            _year_param("from", "year_from", "first year of the timeframe"),
            _year_param("to", "year_to", "last year of the timeframe"),
        ),
        columns=("period_start", "period_end", "period_history"),
        words=("giai đoạn", "period"),
        active=lambda flt: flt.year_from is not None or flt.year_to is not None,
        mask=_years_mask,
        describe=_years_describe,
        sql=_years_sql,
        example="--from 2026 --to 2030",
        about="timeframe_help",
        check=_years_order,
        widget=Widget("year_range", "f_years", "timeframe", 20),
    ),
    Criterion(
        name="in_year",
        params=(_year_param("in_year", "in_year", "the city in year YEAR"),),
        columns=("period_start", "period_end", "period_history", "status"),
        words=("đã khởi công đến năm", "started by"),
        active=lambda flt: flt.in_year is not None,
        mask=_in_year_mask,
        describe=lambda flt, vi: (
            "đã khởi công đến năm {year} (và công trình hiện có chưa có giai đoạn)"
            if vi
            else "started by {year} (and existing works with no period)"
        ).format(year=flt.in_year),
        sql=_in_year_sql,
        example="--in-year 2020",
        about="city_in_year_help",
        implies=_in_year_default,
        widget=Widget(
            "in_year", "f_year", "city_in_year", 40, toggle="f_use_year", toggle_label="use_city_in_year"
        ),
    ),
    Criterion(
        name="undated",
        params=(
            Param(
                "undated",
                "undated",
                "{include,exclude}",
                "projects with no period under --from/--to/--in-year "
                "(default: include; exclude with --in-year)",
                parse=check_undated,
                check=check_undated,
                written=lambda flt: flt.in_year is not None,  # in_year alone means exclude: say which
            ),
        ),
        columns=("period_start", "period_end", "period_history"),
        words=("dự án chưa có giai đoạn", "projects with no period"),
        active=lambda flt: flt.undated == "exclude",
        mask=_undated_mask,
        describe=_undated_describe,
        shown=lambda flt: _timed(flt) or flt.undated == "exclude",
        sql=_undated_sql,
        example="--undated exclude",
        widget=Widget("undated", "f_undated", "include_undated", 30),
    ),
    Criterion(
        name="max_precision",
        params=(
            Param(
                "max_precision",
                "max_precision",
                "CODE",
                "hide approximate geometries: keep geocode_precision <= CODE (1 exact … 6 city-wide)",
                parse=lambda raw: check_precision(parse_int("max_precision", raw)),
                check=check_precision,
            ),
        ),
        columns=("geocode_precision",),
        words=("độ chính xác vị trí", "geocode precision"),
        active=lambda flt: flt.max_precision is not None,
        mask=lambda flt, rows, keep: (
            keep & (rows.frame["geocode_precision"] <= flt.max_precision).to_numpy(bool)
        ),
        describe=_precision_describe,
        sql=lambda flt, _: ("geocode_precision <= %s", [flt.max_precision]),
        example="--max-precision 3",
        about="hide_approximate_help",
        widget=Widget("approximate", "f_approx", "hide_approximate", 120),
    ),
    Criterion(
        name="bbox",
        params=(
            Param(
                "bbox",
                "bbox",
                "LON_MIN,LAT_MIN,LON_MAX,LAT_MAX",
                "WGS 84 degrees; projects whose geometry intersects the box",
                parse=parse_bbox,
                check=check_bbox,
                text=lambda box: ",".join(fmt_float(v) for v in box),
            ),
        ),
        columns=("geometry",),
        words=("khung", "box"),
        active=lambda flt: flt.bbox is not None,
        mask=_bbox_mask,
        describe=_bbox_describe,
        sql=lambda flt, _: (
            "ST_Intersects(geometry, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
            list(flt.bbox or ()),
        ),
        example="--bbox LON_MIN,LAT_MIN,LON_MAX,LAT_MAX",
        widget=Widget("box", "f_bbox", "bbox_active", 130),
    ),
    Criterion(
        name="search",
        params=(
            Param(
                "search",
                "search",
                "TEXT",
                "free text in id, names, location, owner, notes; accents and case ignored, abbreviations "
                "understood both ways (ĐT/Đường tỉnh, QL/Quốc lộ, KCN...)",
                parse=check_search,
                check=lambda text: check_search(" ".join(str(text).split())),
                keep_empty=True,
            ),
        ),
        columns=("id", "name_vi", "name_en", "location_vi", "owner", "owner_current", "notes"),
        words=("từ khóa", "text"),
        active=lambda flt: bool(flt.search),
        mask=_search_mask,
        describe=_search_describe,
        sql=_search_sql,
        example='--search "dt 923"',
        about="search_help",
        per_row=True,
        widget=Widget("text", "f_search", "search", 50),
    ),
)

#: Every parameter, in the order of :data:`CRITERIA`.
PARAMETERS: Final[tuple[Param, ...]] = tuple(p for c in CRITERIA for p in c.params)
#: Every parameter name :meth:`~portfolio.query.Filter.from_params` accepts.
PARAMS: Final[tuple[str, ...]] = tuple(p.name for p in PARAMETERS)
#: The criteria in the order a mask runs them: vectorised first, per-row ones (names, search) last.
MASK_ORDER: Final[tuple[Criterion, ...]] = tuple(sorted(CRITERIA, key=lambda c: c.per_row))


def criterion(name: str) -> Criterion:
    """The criterion called ``name``."""
    for c in CRITERIA:
        if c.name == name:
            return c
    raise KeyError(name)
