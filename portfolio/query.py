"""Select projects: the :class:`Filter` shared by the CLI flags, the app's widgets and its URL.

A :class:`Filter` is a small frozen dataclass. Every field left at its default selects everything;
fields combine with AND, values inside one field with OR. ``Filter().apply(frame)`` returns the
frame unchanged (a copy).

Rules worth knowing
-------------------
Timeframe
    A project is in ``[year_from, year_to]`` when a period a source gives it overlaps it (either
    bound may be open): its period ``[period_start, period_end]`` or any ``period_history`` entry.
    A project whose plan slipped (2018–2022 in the appendix, 2017–2026 in a 2025 report) is thus
    found on 2026 and on 2020 alike: no source's period hides it. A period given by one year only
    (start or end) is that single year. Projects with **no period at all** (no source gives one:
    :func:`portfolio._periods.undated`) are kept when ``undated="include"`` (the default: a filter
    never hides a project silently) and dropped when ``undated="exclude"``, with or without a
    timeframe (``Filter(undated="exclude")`` alone keeps the dated projects); ``describe()`` says
    which whenever a timeframe or ``in_year`` is set, and always when they are excluded.
``in_year``
    The city in year ``Y``: projects whose latest period (the last ``period_history`` entry, else
    ``period_start``–``period_end``) starts in or before ``Y`` (under way or done by then), and the
    works that exist today (status in :data:`EXISTING_STATUSES`) that have no period: the port, the
    airport, the operating parks. The other undated projects follow ``undated`` as above; in
    parameters (URL, CLI flags), ``in_year`` without ``undated`` means ``undated=exclude`` (an
    undated plan is not known to be under way by ``Y``), and :meth:`Filter.to_params` always
    writes ``undated`` next to ``in_year``. ``Filter(in_year=Y)`` built directly keeps the field
    default (``include``).
Free-text search
    Ignores case, Vietnamese diacritics (``đ``/``Đ`` included, and its look-alikes ``ð``/``Ð``
    U+00F0/U+00D0 and ``ɖ``/``Ɖ``; ``ß``, ``æ``, ``œ``, ``ø``, ``ł``, ``ı`` are spelt in ASCII, see
    :func:`normalise`) and punctuation, and knows the usual
    abbreviations both ways (``ĐT`` ↔ Đường tỉnh, ``QL`` ↔ Quốc lộ, ``KCN`` ↔ Khu công nghiệp…, see
    :data:`ABBREVIATIONS`): ``"dt 923"`` finds *Đường tỉnh 923*, ``"cai cui"`` finds *Cái Cui*,
    ``"quoc lo 91"`` finds *QL91*. Every word of the query must start a word (numbers: be a
    whole word) of one and the same searched column (:data:`SEARCH_COLUMNS`), in any order.
    A search left empty (or blank) searches nothing; a search with no letter or digit to search for
    once normalised (``"—"``, ``"'"``, ``"?"``) is an error (``no_search_words``), not a search
    that matches every project.
Several values
    In parameters, repeat a parameter for OR (``status=planned&status=operating``); for statuses,
    sectors, funding types, scopes, communes and districts commas also separate values
    (``commune=ninh kieu,cai rang``). Owner names contain commas (*Các Sở: Công Thương, Tài nguyên…*),
    so an owner value is never split: repeat ``owner`` instead.
Errors
    Every error is a :class:`FilterError` (a :class:`~portfolio._errors.QueryError`) with a stable
    ``code`` and ``params`` for translation; :meth:`Filter.from_params` stops at the first,
    :meth:`Filter.from_params_lenient` keeps every valid parameter and returns the problems.
Owners, communes, districts
    Compared ignoring case and diacritics, against each ``;``-separated entry of the cell (an owner
    name with commas, *Sở Văn hóa, Thể thao và Du lịch*, is one entry) and each piece of it between
    commas (one department of *Các Sở: Công Thương, Tài nguyên…*); the strict check
    (:meth:`Filter.check_values`) accepts the same and lists the whole entries as allowed; for
    communes and districts the kind prefix is optional (``"ninh kieu"`` = ``"Quận Ninh Kiều"``),
    and so is a trailing note in brackets (``"Bình Thủy"`` = ``"Quận Bình Thuỷ (Cần Thơ)"``).
    ``owners`` matches ``owner`` or ``owner_current``. ``communes`` matches the post-2025
    ``communes`` column, ``districts`` the pre-2025 ``districts_before_2025`` one.
Bounding box
    ``(lon_min, lat_min, lon_max, lat_max)`` in WGS 84; a project is in when its geometry
    intersects the box.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from portfolio import i18n, schema
from portfolio._errors import QueryError
from portfolio._periods import latest_periods, sourced_periods

# The text folding lives in portfolio._text (the register's derived search text uses it); re-exported here.
from portfolio._text import ABBREVIATIONS as ABBREVIATIONS
from portfolio._text import SEARCH_COLUMNS as SEARCH_COLUMNS
from portfolio._text import haystack as haystack
from portfolio._text import normalise as normalise
from portfolio._text import search_forms as search_forms


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


#: Statuses of works that exist today: ``in_year`` keeps them when they have no period.
EXISTING_STATUSES: Final[tuple[str, ...]] = ("completed", "operating")

#: Administrative kind words that may precede a commune or district name.
ADMIN_PREFIXES: Final[tuple[str, ...]] = (
    "thanh pho",
    "thi xa",
    "thi tran",
    "dac khu",
    "phuong",
    "quan",
    "huyen",
    "xa",
    "tp",
    "tx",
    "tt",
)

UNDATED_CHOICES: Final[tuple[str, ...]] = ("include", "exclude")

_LIST_FIELDS: Final[dict[str, str]] = {
    # Filter field -> parameter name (URL query parameter and CLI flag without dashes).
    "statuses": "status",
    "sectors": "sector",
    "owners": "owner",
    "funding_types": "funding",
    "scopes": "scope",
    "communes": "commune",
    "districts": "district",
}
_SCALAR_PARAMS: Final[dict[str, str]] = {
    "year_from": "from",
    "year_to": "to",
    "undated": "undated",
    "in_year": "in_year",
    "bbox": "bbox",
    "search": "search",
    "max_precision": "max_precision",
}
#: Every parameter name :meth:`Filter.from_params` accepts.
PARAMS: Final[tuple[str, ...]] = (*_LIST_FIELDS.values(), *_SCALAR_PARAMS.values())

_VOCABULARIES: Final[dict[str, Mapping[str, Any]]] = {
    "statuses": schema.STATUSES,
    "sectors": schema.SECTORS,
    "funding_types": schema.FUNDING_TYPES,
    "scopes": schema.SCOPES,
}
_COLUMN_OF: Final[dict[str, str]] = {
    "statuses": "status",
    "sectors": "sector",
    "funding_types": "funding_type",
    "scopes": "scope",
}


# --------------------------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------------------------


def matches_search(query: str, texts: Iterable[str]) -> bool:
    """True when one of ``texts`` holds every word of ``query``, in any of its forms.

    A word of the query matches the start of a word of the text (``"cai"`` finds *Cái Cui*),
    except numbers, which match whole (``"92"`` does not find *923*). All the words must be
    found in the same text (column), so ``"dt 923"`` does not match a road named 91 whose notes
    mention some ĐT. The query is tried contracted (``"duong tinh 923"`` → ``"dt 923"``) and
    expanded (``"dt 923"`` → ``"duong tinh 923"``). A query with no word once normalised (``""``,
    ``"—"``) matches everything here; :class:`Filter` refuses a non-empty one (``no_search_words``).
    """
    _, q_short, q_long = search_forms(query)
    if not q_short:
        return True
    queries = [_word_patterns(q) for q in dict.fromkeys((q_short, q_long))]
    for text in texts:
        if not text:
            continue
        hay = haystack(text)
        if any(all(p in hay for p in patterns) for patterns in queries):
            return True
    return False


def _word_patterns(query: str) -> list[str]:
    return [f" {w} " if w.isdigit() else f" {w}" for w in query.split()]


# --------------------------------------------------------------------------------------------
# Fast search: normalised haystacks built once per frame, matched with vectorised str.contains
# --------------------------------------------------------------------------------------------


class _SearchIndex:
    """Haystacks (see :func:`haystack`) of every searched column of one frame.

    ``hay`` holds them all in one string Series, column after column (the haystack of row ``i``
    in column ``SEARCH_COLUMNS[c]`` is at ``c * len(frame) + i``), so that one vectorised
    ``str.contains`` per query word covers every column. ``source`` keeps the columns the
    haystacks were built from: :meth:`fits` compares them with the frame's current columns (and
    index), so a frame changed after the index was built is never searched with stale haystacks.
    """

    __slots__ = ("hay", "index", "source")

    def __init__(self, frame: pd.DataFrame) -> None:
        self.index = frame.index
        self.source: dict[str, pd.Series] = {}
        hay: list[str] = []
        for column in SEARCH_COLUMNS:
            values = frame[column]
            self.source[column] = values.copy(deep=True)  # a copy: safe without copy-on-write too
            cells = values.astype(str).to_numpy()
            lookup = {cell: haystack(cell) for cell in pd.unique(cells)}
            hay += [lookup[cell] for cell in cells]
        self.hay = pd.Series(hay, dtype="str")

    def fits(self, frame: pd.DataFrame) -> bool:
        if not frame.index.equals(self.index):
            return False
        return all(frame[column].equals(self.source[column]) for column in SEARCH_COLUMNS)


#: Search indexes by ``id(frame)``: (weak reference to the frame, its index). An entry is used only
#: while the reference still points to that very frame *and* :meth:`_SearchIndex.fits` confirms its
#: columns are unchanged; it is dropped when the frame is garbage-collected. Meant for the register
#: cached by :func:`portfolio.register.load` (never mutated): the first search over it builds the
#: index (≈ 0.2 s per 10,000 projects), later ones reuse it.
_SEARCH_INDEXES: dict[int, tuple[weakref.ref[pd.DataFrame], _SearchIndex]] = {}
_SEARCH_LOCK = threading.RLock()  # re-entrant: a weakref callback may run inside a locked block


def _forget(key: int, ref: weakref.ref[pd.DataFrame]) -> None:
    with _SEARCH_LOCK:
        entry = _SEARCH_INDEXES.get(key)
        if entry is not None and entry[0] is ref:
            del _SEARCH_INDEXES[key]


def _search_index(frame: pd.DataFrame) -> _SearchIndex:
    key = id(frame)
    with _SEARCH_LOCK:
        entry = _SEARCH_INDEXES.get(key)
    if entry is not None and entry[0]() is frame and entry[1].fits(frame):
        return entry[1]
    index = _SearchIndex(frame)
    ref = weakref.ref(frame, partial(_forget, key))
    with _SEARCH_LOCK:
        _SEARCH_INDEXES[key] = (ref, index)
    return index


def search_hits(
    frame: pd.DataFrame, query: str, columns: Iterable[str] = SEARCH_COLUMNS, rows: np.ndarray | None = None
) -> np.ndarray:
    """Vectorised :func:`matches_search` of ``query`` against ``columns`` of each row of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        Rows to search (every :data:`SEARCH_COLUMNS` column must be present).
    query : str
        The free-text query.
    columns : iterable of str
        Some of :data:`SEARCH_COLUMNS`; a row matches when one of them holds every query word.
    rows : array of bool, optional
        Search only these rows (positions); the others are ``False`` in the result.

    Returns
    -------
    numpy.ndarray of bool
        ``hits[i] == matches_search(query, [str(frame[c].iloc[i]) for c in columns])`` for every
        searched row ``i``.
    """
    n = len(frame)
    wanted = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    _, q_short, q_long = search_forms(query)
    if not q_short:
        return wanted.copy()
    hits = np.zeros(n, dtype=bool)
    positions = np.flatnonzero(wanted)
    if not len(positions):
        return hits
    index = _search_index(frame)
    offsets = np.array([SEARCH_COLUMNS.index(c) * n for c in columns], dtype=np.intp)
    everything = len(positions) == n and len(offsets) == len(SEARCH_COLUMNS)
    hay = index.hay if everything else index.hay.take((offsets[:, None] + positions[None, :]).ravel())
    found = np.zeros(len(hay), dtype=bool)
    for q in dict.fromkeys((q_short, q_long)):  # contracted and expanded forms of the query
        match = np.ones(len(hay), dtype=bool)
        for pattern in _word_patterns(q):
            match &= hay.str.contains(pattern, regex=False).to_numpy(dtype=bool)
        found |= match
    hits[positions] = found.reshape(len(offsets), len(positions)).any(axis=0)
    return hits


#: Column groups in decreasing relevance for :func:`relevance` (lower rank = more relevant).
RELEVANCE_GROUPS: Final[tuple[tuple[str, ...], ...]] = (
    ("id", "name_vi", "name_en"),
    ("location_vi",),
    ("owner", "owner_current"),
    ("notes",),
)


def relevance(frame: pd.DataFrame, search: str) -> pd.Series:
    """Rank of each row for a free-text search: 0 = matched in id or names, 1 = location,
    2 = owner, 3 = notes only, 4 = no match. Sort by it (stable) to list the best hits first.
    """
    ranks = np.full(len(frame), len(RELEVANCE_GROUPS), dtype=int)
    for rank in reversed(range(len(RELEVANCE_GROUPS))):
        ranks[search_hits(frame, search, RELEVANCE_GROUPS[rank])] = rank
    return pd.Series(ranks, index=frame.index, name="relevance")


def by_relevance(frame: gpd.GeoDataFrame, search: str) -> gpd.GeoDataFrame:
    """``frame`` with the best hits of ``search`` first (:func:`relevance`, stable: ties keep
    their order); ``frame`` itself when ``search`` is empty."""
    if not search or not len(frame):
        return frame
    return frame.iloc[relevance(frame, search).argsort(kind="stable").to_numpy()]


def _strip_admin_prefix(name: str) -> str:
    for prefix in ADMIN_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


#: "Giao các Sở:", "Các Sở:", "Sở" before a department's name (normalised): an owner value and a
#: department listed in a group owner answer to the name without it.
_DEPARTMENT_PREFIX = re.compile(r"^(?:giao )?(?:cac )?so ")


def _key(norm: str, admin: bool) -> str:
    """The comparison key of normalised text: without the administrative prefix for places,
    without the department prefix for owners."""
    return _strip_admin_prefix(norm) if admin else _DEPARTMENT_PREFIX.sub("", norm)


def _keys_of(entry: str, admin: bool) -> set[str]:
    """Keys one entry answers to: itself, and without a trailing ``(…)`` note, e.g.
    ``"Quận Bình Thuỷ (Cần Thơ)"`` → {"binh thuy can tho", "binh thuy"} (admin prefix dropped);
    an owner without "Các Sở:"/"Sở": ``"Sở Y tế"`` → {"y te"}."""
    keys: set[str] = set()
    for variant in (entry, _TRAILING_NOTE.sub("", entry)):
        norm = normalise(variant)
        if norm:
            keys.add(_key(norm, admin))
    return keys


def _entry_keys(cell: str, admin: bool) -> set[str]:
    """Keys a cell answers to: the whole cell, each ``; ``-separated entry (an owner name may hold
    commas: *Sở Văn hóa, Thể thao và Du lịch*), each piece between commas or semicolons (one
    department of *Các Sở: Công Thương, Tài nguyên…*) and each two neighbouring pieces (a
    department whose name holds a comma, listed in a group), each by :func:`_keys_of`."""
    pieces = [p for p in re.split(r"[;,]", cell) if p.strip()]
    pairs = [f"{a},{b}" for a, b in zip(pieces, pieces[1:], strict=False)]
    keys: set[str] = set()
    for entry in dict.fromkeys([cell, *schema.split_list(cell), *pieces, *pairs]):
        keys |= _keys_of(entry, admin)
    return keys


def _value_key(value: str, admin: bool) -> str:
    return _key(normalise(value), admin)


# --------------------------------------------------------------------------------------------
# Filter
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """What to select from the register. Defaults select everything.

    Parameters
    ----------
    statuses, sectors, funding_types, scopes : tuple of str
        Vocabulary values (:data:`portfolio.schema.STATUSES`…); any of them matches.
    owners : tuple of str
        Owners as written in ``owner`` or ``owner_current`` (case and diacritics ignored).
    communes : tuple of str
        Post-2025 communes or wards (``communes`` column).
    districts : tuple of str
        Pre-2025 districts (``districts_before_2025`` column).
    year_from, year_to : int or None
        Timeframe in years, inclusive; a project is in when its period overlaps it.
    undated : {"include", "exclude"}
        Keep or drop the projects no source gives a period: with a timeframe or ``in_year`` they
        cannot be placed in it; ``"exclude"`` alone keeps only the dated projects.
    in_year : int or None
        Keep projects whose period starts in or before this year.
    bbox : tuple of 4 float or None
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees (WGS 84).
    search : str
        Free text; see the module documentation. Empty: no search; text with no letter or digit
        (``"—"``) raises ``no_search_words``.
    max_precision : int or None
        Hide geometries whose ``geocode_precision`` code is above this (1 = exact … 6 = city-wide).

    Raises
    ------
    QueryError
        On construction, for a value outside a vocabulary (the message lists the allowed values),
        an inverted timeframe or box, an unknown ``undated`` or precision, or a ``search`` with
        nothing to search for.
    """

    statuses: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    funding_types: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    undated: str = "include"
    in_year: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    search: str = ""
    max_precision: int | None = None

    def __post_init__(self) -> None:
        for name in _LIST_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            cleaned = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
            object.__setattr__(self, name, cleaned)
        for name, vocabulary in _VOCABULARIES.items():
            unknown = [v for v in getattr(self, name) if v not in vocabulary]
            if unknown:
                raise _unknown_error(_LIST_FIELDS[name], unknown, vocabulary)
        for name in ("year_from", "year_to", "in_year"):
            _check_year(_SCALAR_PARAMS[name], getattr(self, name))
        _check_order(self.year_from, self.year_to)
        _check_undated(self.undated)
        if self.bbox is not None:
            object.__setattr__(self, "bbox", _check_bbox(self.bbox))
        _check_precision(self.max_precision)
        object.__setattr__(self, "search", _check_search(" ".join(str(self.search).split())))

    # ---------------------------------------------------------------- selection

    @property
    def is_empty(self) -> bool:
        """True when the filter selects everything."""
        return self == Filter()

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean Series, aligned on ``frame``, of the rows the filter keeps.

        The vectorised criteria (vocabularies, timeframe, precision, box) run first; the per-row
        ones (owners, communes, districts) and the free-text search only on the rows still kept.
        The search uses :func:`search_hits` (haystacks memoised per frame).
        """
        keep = np.ones(len(frame), dtype=bool)
        for name, column in _COLUMN_OF.items():
            wanted = getattr(self, name)
            if wanted:
                keep &= frame[column].isin(wanted).to_numpy(dtype=bool)
        if self._timed or self.undated == "exclude":
            keep &= self._period_mask(frame).to_numpy(dtype=bool)
        if self.max_precision is not None:
            keep &= (frame["geocode_precision"] <= self.max_precision).to_numpy(dtype=bool)
        if self.bbox is not None:
            box = shapely.box(*self.bbox)
            keep &= frame.geometry.intersects(box).to_numpy(dtype=bool)
        if self.owners:
            owners = {_value_key(v, admin=False) for v in self.owners}
            owner, current = frame["owner"].to_numpy(), frame["owner_current"].to_numpy()
            keep &= _row_test(
                keep, lambda i: bool(owners & (_entry_keys(owner[i], False) | _entry_keys(current[i], False)))
            )
        for wanted, column in ((self.communes, "communes"), (self.districts, "districts_before_2025")):
            if wanted:
                keep &= _row_test(
                    keep,
                    partial(
                        _place_test, {_value_key(v, admin=True) for v in wanted}, frame[column].to_numpy()
                    ),
                )
        if self.search:
            keep = search_hits(frame, self.search, rows=keep)
        return pd.Series(keep, index=frame.index)

    @property
    def _timed(self) -> bool:
        """True when a timeframe bound or ``in_year`` is set."""
        return self.year_from is not None or self.year_to is not None or self.in_year is not None

    def _period_mask(self, frame: pd.DataFrame) -> pd.Series:
        """The timeframe, ``in_year`` and ``undated`` criteria (with none of the first two: dated
        projects, plus the undated ones when ``undated="include"``)."""
        periods = sourced_periods(frame)
        start, end = periods["start"].to_numpy(), periods["end"].to_numpy()
        hit = np.ones(len(periods), dtype=bool)
        if self.year_to is not None:
            hit &= start <= self.year_to
        if self.year_from is not None:
            hit &= end >= self.year_from
        position = periods["pos"].to_numpy()
        keep = np.zeros(len(frame), dtype=bool)
        keep[position[hit]] = True
        dated = np.zeros(len(frame), dtype=bool)
        dated[position] = True
        if self.in_year is not None:
            latest = latest_periods(frame)
            started = np.zeros(len(frame), dtype=bool)
            started[latest["pos"].to_numpy()[latest["start"].to_numpy() <= self.in_year]] = True
            keep &= started
            # Works that exist today (operating, completed) with no period are part of the city.
            keep |= ~dated & frame["status"].isin(EXISTING_STATUSES).to_numpy(dtype=bool)
        if self.undated == "include":
            keep |= ~dated
        return pd.Series(keep, index=frame.index)

    def apply(self, frame: gpd.GeoDataFrame, *, strict: bool = False) -> gpd.GeoDataFrame:
        """The rows of ``frame`` the filter keeps, in frame order (a copy; ``frame`` is untouched).

        Parameters
        ----------
        frame : geopandas.GeoDataFrame
            The register as returned by :func:`portfolio.register.load`.
        strict : bool
            Also raise :class:`QueryError` when an owner, commune or district named in the filter
            occurs nowhere in ``frame`` (the CLI's behaviour; the app offers only known values).
        """
        if strict:
            self.check_values(frame)
        if self.is_empty:
            return frame.copy()
        return frame.loc[self.mask(frame).to_numpy()].copy()

    def check_values(self, frame: pd.DataFrame) -> None:
        """Raise :class:`QueryError` for owners, communes or districts that ``frame`` never uses.

        A value is known when it would match a cell (:meth:`mask`): a whole ``; ``-separated entry
        (an owner name with commas included) or a piece of one between commas. The message lists
        the whole entries (:func:`portfolio.schema.split_list`) as the allowed values.
        """
        for name, columns, admin in (
            ("owners", ("owner", "owner_current"), False),
            ("communes", ("communes",), True),
            ("districts", ("districts_before_2025",), True),
        ):
            wanted = getattr(self, name)
            if not wanted:
                continue
            cells = {str(cell) for column in columns for cell in frame[column]}
            known: set[str] = set()
            for cell in cells:
                known |= _entry_keys(cell, admin)
            unknown = [v for v in wanted if _value_key(v, admin) not in known]
            if unknown:
                allowed = {entry for cell in cells for entry in schema.split_list(cell)}
                # owner names hold commas: list them separated by semicolons, as in the register
                raise _unknown_error(
                    _LIST_FIELDS[name], unknown, sorted(allowed), sep="; " if name in _UNSPLIT else ", "
                )

    # ---------------------------------------------------------------- parameters

    def to_params(self) -> dict[str, str | list[str]]:
        """The non-default fields as URL/CLI parameters (lists for multi-valued fields).

        ``undated`` is written whenever ``in_year`` is set (``in_year`` alone means
        ``undated=exclude`` in parameters). ``Filter.from_params(f.to_params()) == f`` for every
        filter ``f`` whose communes and districts hold no comma.
        """
        params: dict[str, str | list[str]] = {}
        for name, key in _LIST_FIELDS.items():
            if getattr(self, name):
                params[key] = list(getattr(self, name))
        defaults = Filter()
        for name, key in _SCALAR_PARAMS.items():
            value = getattr(self, name)
            if value == getattr(defaults, name) and not (name == "undated" and self.in_year is not None):
                continue
            if name == "bbox":
                params[key] = ",".join(_fmt_float(v) for v in value)
            else:
                params[key] = str(value)
        return params

    @classmethod
    def from_params(cls, mapping: Mapping[str, str | Iterable[str] | None]) -> Filter:
        """Build a filter from URL query parameters or CLI flag values, strictly.

        Multi-valued parameters accept repeated values; all but ``owner`` also accept
        comma-separated lists (``status=planned,under_construction``, ``commune=ninh kieu,cai rang``).
        ``in_year`` without ``undated`` implies ``undated=exclude``.

        Raises
        ------
        FilterError
            At the first unknown parameter name or value that does not parse or is not allowed
            (the message names the parameter and, for vocabularies, the allowed values).
        """
        return cls(**_parse_params(mapping, None))

    @classmethod
    def from_params_lenient(
        cls,
        mapping: Mapping[str, str | Iterable[str] | None],
    ) -> tuple[Filter, tuple[FilterError, ...]]:
        """Like :meth:`from_params`, but keep every valid parameter and report the bad ones.

        A bad value of a multi-valued parameter drops that value only (``status=planned&status=foo``
        keeps ``planned``); a bad scalar (year, box, ``undated``, precision, or one given twice) is
        dropped; ``from`` after ``to`` drops both; unknown parameter names are ignored.

        Returns
        -------
        tuple of (Filter, tuple of FilterError)
            The filter of the valid parameters, and one error per problem (empty when none), each
            with ``code``, ``params`` and an English ``str()``.
        """
        problems: list[FilterError] = []
        kwargs = _parse_params(mapping, problems)
        return cls(**kwargs), tuple(problems)

    # ---------------------------------------------------------------- description

    def describe(self, lang: str = "en") -> str:
        """One sentence saying what the filter keeps.

        Parameters
        ----------
        lang : str
            ``"en"`` (default; written into every export's metadata) or ``"vi"`` (Vietnamese, with
            the interface's labels from :mod:`portfolio.i18n`); any value starting with ``vi``
            counts as Vietnamese.

        Returns
        -------
        str
            E.g. ``"status: Planned (planned); sector: Road (road)"`` or, in Vietnamese,
            ``"tình trạng: Đã có kế hoạch; lĩnh vực: Đường bộ"``.
        """
        vi = str(lang).strip().lower().startswith("vi")
        word = _VI_WORDS if vi else _EN_WORDS
        parts: list[str] = []
        for name, vocab, vocabulary in (
            ("statuses", "status", schema.STATUSES),
            ("sectors", "sector", schema.SECTORS),
            ("funding_types", "funding_type", schema.FUNDING_TYPES),
            ("scopes", "scope", schema.SCOPES),
        ):
            values = getattr(self, name)
            if values:
                shown = (i18n.label(vocab, v, "vi") if vi else f"{vocabulary[v][1]} ({v})" for v in values)
                parts.append(f"{word[name]}: " + word["or"].join(shown))
        for name in ("owners", "communes", "districts"):
            values = getattr(self, name)
            if values:
                parts.append(f"{word[name]}: " + word["or"].join(values))
        if self.year_from is not None or self.year_to is not None:
            low = "…" if self.year_from is None else str(self.year_from)
            high = "…" if self.year_to is None else str(self.year_to)
            parts.append(word["period"].format(low=low, high=high))
        if self.in_year is not None:
            parts.append(word["in_year"].format(year=self.in_year))
        if self._timed or self.undated == "exclude":
            other = "_other" if self.in_year is not None and self.undated == "exclude" else ""
            parts.append(word["undated_" + self.undated + other])
        if self.max_precision is not None:
            parts.append(
                word["precision"].format(
                    code=self.max_precision, label=schema.PRECISION[self.max_precision][0 if vi else 1]
                )
            )
        if self.bbox is not None:
            parts.append(word["bbox"] + ", ".join(_fmt_float(v) for v in self.bbox))
        if self.search:
            parts.append(word["search"].format(text=self.search))
        return word["all"] if not parts else "; ".join(parts)


#: The words of :meth:`Filter.describe`, in English and Vietnamese.
_EN_WORDS: Final[dict[str, str]] = {
    "statuses": "status",
    "sectors": "sector",
    "funding_types": "funding",
    "scopes": "scope",
    "owners": "owner",
    "communes": "commune (2025)",
    "districts": "former district (before 2025)",
    "or": " or ",
    "period": "period overlaps {low}–{high}",
    "in_year": "started by {year} (and existing works with no period)",
    "undated_include": "projects with no period included",
    "undated_exclude": "projects with no period excluded",
    "undated_exclude_other": "other projects with no period excluded",
    "precision": "geocode precision {code} ({label}) or better",
    "bbox": "intersecting lon/lat box ",
    "search": 'text matches "{text}"',
    "all": "all projects (no filter)",
}
_VI_WORDS: Final[dict[str, str]] = {
    "statuses": "tình trạng",
    "sectors": "lĩnh vực",
    "funding_types": "loại nguồn vốn",
    "scopes": "phạm vi",
    "owners": "cơ quan chủ trì",
    "communes": "xã, phường (sau 2025)",
    "districts": "quận, huyện cũ (trước 2025)",
    "or": " hoặc ",
    "period": "giai đoạn giao với {low}–{high}",
    "in_year": "đã khởi công đến năm {year} (và công trình hiện có chưa có giai đoạn)",
    "undated_include": "gồm cả dự án chưa có giai đoạn",
    "undated_exclude": "không gồm dự án chưa có giai đoạn",
    "undated_exclude_other": "không gồm các dự án khác chưa có giai đoạn",
    "precision": "độ chính xác vị trí {code} ({label}) trở lên",
    "bbox": "giao với khung kinh độ/vĩ độ ",
    "search": 'có từ khóa "{text}"',
    "all": "tất cả dự án (không lọc)",
}


def _place_test(places: set[str], cells: np.ndarray, i: int) -> bool:
    return bool(places & _entry_keys(cells[i], True))


def _row_test(rows: np.ndarray, test: Callable[[int], bool]) -> np.ndarray:
    """``test(i)`` for each position ``i`` where ``rows`` is true; false elsewhere."""
    out = np.zeros(len(rows), dtype=bool)
    for i in np.flatnonzero(rows):
        out[i] = test(int(i))
    return out


def _fmt_float(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _parse_int(key: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise FilterError(
            f"{key}: {raw!r} is not a whole number", "not_a_whole_number", {"field": key, "value": raw}
        ) from None


#: Multi-valued fields whose values are never split at commas (owner names contain commas).
_UNSPLIT: Final[frozenset[str]] = frozenset({"owners"})


def _parse_params(
    mapping: Mapping[str, str | Iterable[str] | None], problems: list[FilterError] | None
) -> dict[str, Any]:
    """Keyword arguments of :class:`Filter` from parameters; raise at the first problem when
    ``problems`` is None, else append each problem to it and leave the bad values out."""

    def fail(error: FilterError) -> None:
        if problems is None:
            raise error
        problems.append(error)

    unknown = [k for k in mapping if k not in PARAMS]
    if unknown:
        fail(_unknown_error("parameter", unknown, PARAMS, code="unknown_parameter"))
    kwargs: dict[str, Any] = {}
    for name, key in _LIST_FIELDS.items():
        items: list[str] = []
        for value in _as_list(mapping.get(key)):
            items += [value] if name in _UNSPLIT else value.split(",")
        items = [v.strip() for v in items if v.strip()]
        vocabulary = _VOCABULARIES.get(name)
        if vocabulary is not None:
            bad = [v for v in dict.fromkeys(items) if v not in vocabulary]
            if bad:
                fail(_unknown_error(key, bad, vocabulary))
                items = [v for v in items if v in vocabulary]
        kwargs[name] = tuple(items)
    for name, key in _SCALAR_PARAMS.items():
        values = _as_list(mapping.get(key))
        if not values:
            continue
        if len(values) > 1:
            fail(
                FilterError(
                    f"{key}: given {len(values)} times; give it once",
                    "repeated_parameter",
                    {"field": key, "count": str(len(values)), "value": ", ".join(values)},
                )
            )
            continue
        raw = values[0].strip()
        try:
            if name == "search":
                kwargs[name] = _check_search(raw)
            elif not raw:
                continue
            elif name == "bbox":
                kwargs[name] = parse_bbox(raw)
            elif name == "undated":
                kwargs[name] = _check_undated(raw)
            elif name == "max_precision":
                kwargs[name] = _check_precision(_parse_int(key, raw))
            else:
                kwargs[name] = _check_year(key, _parse_int(key, raw))
        except FilterError as error:
            fail(error)
    try:
        _check_order(kwargs.get("year_from"), kwargs.get("year_to"))
    except FilterError as error:
        fail(error)
        del kwargs["year_from"], kwargs["year_to"]
    if kwargs.get("in_year") is not None and "undated" not in kwargs:
        kwargs["undated"] = "exclude"  # the city in year Y: undated projects are not known to be under way
    return kwargs


def _check_year(key: str, value: Any) -> Any:
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


def _check_order(year_from: int | None, year_to: int | None) -> None:
    if year_from is not None and year_to is not None and year_from > year_to:
        raise FilterError(
            f"from ({year_from}) is after to ({year_to})",
            "from_after_to",
            {"field": "from", "year_from": str(year_from), "year_to": str(year_to)},
        )


def _check_undated(value: str) -> str:
    if value not in UNDATED_CHOICES:
        raise _unknown_error("undated", [value], UNDATED_CHOICES)
    return value


def _check_search(text: str) -> str:
    """``text`` when it is empty or holds a word to search for, else ``no_search_words``."""
    if text and not normalise(text):
        raise FilterError(
            f"search: {text!r} has no letter or digit to search for; "
            "type a word or a number, or leave the search empty",
            "no_search_words",
            {"field": "search", "value": text},
        )
    return text


def _check_precision(value: int | None) -> int | None:
    if value is not None and value not in schema.PRECISION:
        raise _unknown_error("max_precision", [str(value)], [str(p) for p in schema.PRECISION])
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
    return _check_bbox(values)


def _bbox_error(message: str, value: str) -> FilterError:
    return FilterError(message, "bad_bbox", {"field": "bbox", "value": value})


def _check_bbox(values: Iterable[Any]) -> tuple[float, float, float, float]:
    try:
        box = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise _bbox_error("bbox needs 4 numbers: lon_min, lat_min, lon_max, lat_max", str(values)) from None
    text = ",".join(_fmt_float(v) for v in box)
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


def _unknown_message(what: str, unknown: Iterable[str], allowed: Iterable[str], sep: str = ", ") -> str:
    bad = ", ".join(repr(str(u)) for u in unknown)
    return f"unknown {what} {bad}; allowed values: {sep.join(str(a) for a in allowed)}"


def _unknown_error(
    what: str, unknown: Iterable[str], allowed: Iterable[str], code: str = "unknown_value", sep: str = ", "
) -> FilterError:
    """``unknown_value`` (or ``code``) error; ``sep`` joins the allowed values (``"; "`` for values
    that hold commas, such as owner names)."""
    bad, ok = [str(u) for u in unknown], [str(a) for a in allowed]
    return FilterError(
        _unknown_message(what, bad, ok, sep),
        code,
        {"field": what, "value": ", ".join(bad), "allowed": sep.join(ok)},
    )


def filter_fields() -> tuple[str, ...]:
    """Names of the :class:`Filter` fields, in declaration order."""
    return tuple(f.name for f in fields(Filter))
