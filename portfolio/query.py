"""Select projects: the :class:`Filter` shared by the CLI flags, the app's widgets and its URL.

A :class:`Filter` is a small frozen dataclass. Every field left at its default selects everything;
fields combine with AND, values inside one field with OR. ``Filter().apply(frame)`` returns the
frame unchanged (a copy).

Rules worth knowing
-------------------
Timeframe
    A project is in ``[year_from, year_to]`` when its period ``[period_start, period_end]`` overlaps
    it (either bound may be open). A period given by one year only (start or end) is that single
    year. Projects with **no period at all** are kept when ``undated="include"`` (the default: a
    filter never hides a project silently) and dropped when ``undated="exclude"``; ``describe()``
    says which.
``in_year``
    The city in year ``Y``: projects whose period starts in or before ``Y`` (under way or done by
    then). Undated projects follow ``undated`` as above.
Free-text search
    Ignores case, Vietnamese diacritics (``đ``/``Đ`` included) and punctuation, and knows the usual
    abbreviations both ways (``ĐT`` ↔ Đường tỉnh, ``QL`` ↔ Quốc lộ, ``KCN`` ↔ Khu công nghiệp…, see
    :data:`ABBREVIATIONS`): ``"dt 923"`` finds *Đường tỉnh 923*, ``"cai cui"`` finds *Cái Cui*,
    ``"quoc lo 91"`` finds *QL91*. Every word of the query must start a word (numbers: be a
    whole word) of one and the same searched column (:data:`SEARCH_COLUMNS`), in any order.
Owners, communes, districts
    Compared ignoring case and diacritics, against each ``;``-separated entry of the cell; for
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
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache, partial
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from portfolio import schema
from portfolio._errors import QueryError

#: Register columns the free-text search looks in.
SEARCH_COLUMNS: Final[tuple[str, ...]] = (
    "id", "name_vi", "name_en", "location_vi", "owner", "owner_current", "notes",
)

#: Abbreviations used in Vietnamese planning documents, in normalised form (lower case, no
#: diacritics): short -> long. Search text and queries are compared in both forms.
ABBREVIATIONS: Final[dict[str, str]] = {
    "dt": "duong tinh",
    "ql": "quoc lo",
    "dh": "duong huyen",
    "kcn": "khu cong nghiep",
    "ccn": "cum cong nghiep",
    "kdt": "khu do thi",
    "kdc": "khu dan cu",
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "gtvt": "giao thong van tai",
    "nsnn": "ngan sach nha nuoc",
    "bv": "benh vien",
    "dhqg": "dai hoc quoc gia",
    "bql": "ban quan ly",
    "nn ptnt": "nong nghiep va phat trien nong thon",
    "tnmt": "tai nguyen va moi truong",
}

#: Administrative kind words that may precede a commune or district name.
ADMIN_PREFIXES: Final[tuple[str, ...]] = (
    "thanh pho", "thi xa", "thi tran", "dac khu", "phuong", "quan", "huyen", "xa", "tp", "tx", "tt",
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

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# letters then digits are split ("ĐT923" -> "dt 923"); digits then letters are not: QL91B is not QL91
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower-case ASCII words of ``text``: no diacritics, ``đ`` → ``d``, punctuation → space.

    Letters followed by digits are split (``"ĐT923"`` → ``"dt 923"``); digits followed by letters
    are kept together (``"QL91B"`` → ``"ql 91b"``: Quốc lộ 91B is another road than QL91).

    Parameters
    ----------
    text : str
        Any text, Vietnamese or English.

    Returns
    -------
    str
        Words separated by single spaces, e.g. ``normalise("Đường tỉnh 923") == "duong tinh 923"``.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = _NON_ALNUM.sub(" ", stripped)
    return " ".join(_LETTER_DIGIT.sub(" ", words).split())


def _replace_phrases(text: str, table: Iterable[tuple[str, str]]) -> str:
    """Replace whole-word phrases of ``table`` in order; the pairs are given padded with spaces."""
    padded = f" {text} "
    for old, new in table:
        if old in padded:  # (a replace of an absent phrase is a no-op: skip it)
            padded = padded.replace(old, new)
            padded = padded.replace(old, new)  # overlapping neighbours
    return padded.strip()


def _padded(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((f" {old} ", f" {new} ") for old, new in sorted(pairs, key=lambda p: -len(p[0])))


_CONTRACT = _padded((long, short) for short, long in ABBREVIATIONS.items())
_EXPAND = _padded(ABBREVIATIONS.items())


@lru_cache(maxsize=65536)
def search_forms(text: str) -> tuple[str, str, str]:
    """The three normalised forms of ``text`` compared by the search: plain, contracted, expanded.

    >>> search_forms("Đường tỉnh 923")
    ('duong tinh 923', 'dt 923', 'duong tinh 923')
    """
    plain = normalise(text)
    return plain, _replace_phrases(plain, _CONTRACT), _replace_phrases(plain, _EXPAND)


def matches_search(query: str, texts: Iterable[str]) -> bool:
    """True when one of ``texts`` holds every word of ``query``, in any of its forms.

    A word of the query matches the start of a word of the text (``"cai"`` finds *Cái Cui*),
    except numbers, which match whole (``"92"`` does not find *923*). All the words must be
    found in the same text (column), so ``"dt 923"`` does not match a road named 91 whose notes
    mention some ĐT. The query is tried contracted (``"duong tinh 923"`` → ``"dt 923"``) and
    expanded (``"dt 923"`` → ``"duong tinh 923"``); an empty query matches everything.
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


def haystack(text: str) -> str:
    """The string :func:`matches_search` looks in for one cell: its distinct search forms joined by
    spaces, with a space at each end (``""`` → ``"  "``, which no query word matches)."""
    return " " + " ".join(dict.fromkeys(search_forms(text))) + " "


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


def search_hits(frame: pd.DataFrame, query: str, columns: Iterable[str] = SEARCH_COLUMNS,
                rows: np.ndarray | None = None) -> np.ndarray:
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
    ("id", "name_vi", "name_en"), ("location_vi",), ("owner", "owner_current"), ("notes",),
)


def relevance(frame: pd.DataFrame, search: str) -> pd.Series:
    """Rank of each row for a free-text search: 0 = matched in id or names, 1 = location,
    2 = owner, 3 = notes only, 4 = no match. Sort by it (stable) to list the best hits first.
    """
    ranks = np.full(len(frame), len(RELEVANCE_GROUPS), dtype=int)
    for rank in reversed(range(len(RELEVANCE_GROUPS))):
        ranks[search_hits(frame, search, RELEVANCE_GROUPS[rank])] = rank
    return pd.Series(ranks, index=frame.index, name="relevance")


def _strip_admin_prefix(name: str) -> str:
    for prefix in ADMIN_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1:]
    return name


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


def _keys_of(entry: str, admin: bool) -> set[str]:
    """Keys one entry answers to: itself, and without a trailing ``(…)`` note, e.g.
    ``"Quận Bình Thuỷ (Cần Thơ)"`` → {"binh thuy can tho", "binh thuy"} (admin prefix dropped)."""
    keys: set[str] = set()
    for variant in (entry, _TRAILING_NOTE.sub("", entry)):
        norm = normalise(variant)
        if norm:
            keys.add(_strip_admin_prefix(norm) if admin else norm)
    return keys


def _entry_keys(cell: str, admin: bool) -> set[str]:
    keys: set[str] = set()
    for entry in [cell, *re.split(r"[;,]", cell)]:
        keys |= _keys_of(entry, admin)
    return keys


def _value_key(value: str, admin: bool) -> str:
    norm = normalise(value)
    return _strip_admin_prefix(norm) if admin else norm


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
        What the timeframe and ``in_year`` do with projects that have no period.
    in_year : int or None
        Keep projects whose period starts in or before this year.
    bbox : tuple of 4 float or None
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees (WGS 84).
    search : str
        Free text; see the module documentation.
    max_precision : int or None
        Hide geometries whose ``geocode_precision`` code is above this (1 = exact … 6 = city-wide).

    Raises
    ------
    QueryError
        On construction, for a value outside a vocabulary (the message lists the allowed values),
        an inverted timeframe or box, or an unknown ``undated`` or precision.
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
                raise QueryError(_unknown_message(_LIST_FIELDS[name], unknown, vocabulary))
        for name in ("year_from", "year_to", "in_year"):
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise QueryError(f"{_SCALAR_PARAMS[name]}: {value!r} is not a year")
                if not schema.YEAR_MIN <= value <= schema.YEAR_MAX:
                    raise QueryError(f"{_SCALAR_PARAMS[name]}: {value} is not a year between "
                                     f"{schema.YEAR_MIN} and {schema.YEAR_MAX}")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise QueryError(f"from ({self.year_from}) is after to ({self.year_to})")
        if self.undated not in UNDATED_CHOICES:
            raise QueryError(_unknown_message("undated", [self.undated], UNDATED_CHOICES))
        if self.bbox is not None:
            object.__setattr__(self, "bbox", _check_bbox(self.bbox))
        if self.max_precision is not None and self.max_precision not in schema.PRECISION:
            raise QueryError(_unknown_message("max_precision", [str(self.max_precision)],
                                              [str(p) for p in schema.PRECISION]))
        object.__setattr__(self, "search", " ".join(str(self.search).split()))

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
        if self.year_from is not None or self.year_to is not None or self.in_year is not None:
            keep &= self._period_mask(frame).to_numpy(dtype=bool)
        if self.max_precision is not None:
            keep &= (frame["geocode_precision"] <= self.max_precision).to_numpy(dtype=bool)
        if self.bbox is not None:
            box = shapely.box(*self.bbox)
            keep &= frame.geometry.intersects(box).to_numpy(dtype=bool)
        if self.owners:
            owners = {_value_key(v, admin=False) for v in self.owners}
            owner, current = frame["owner"].to_numpy(), frame["owner_current"].to_numpy()
            keep &= _row_test(keep, lambda i: bool(owners & (_entry_keys(owner[i], False)
                                                            | _entry_keys(current[i], False))))
        for wanted, column in ((self.communes, "communes"), (self.districts, "districts_before_2025")):
            if wanted:
                keep &= _row_test(keep, partial(_place_test, {_value_key(v, admin=True) for v in wanted},
                                                frame[column].to_numpy()))
        if self.search:
            keep = search_hits(frame, self.search, rows=keep)
        return pd.Series(keep, index=frame.index)

    def _period_mask(self, frame: pd.DataFrame) -> pd.Series:
        start = frame["period_start"].astype("Int64")
        end = frame["period_end"].astype("Int64")
        start, end = start.fillna(end), end.fillna(start)  # one year given: that single year
        undated = start.isna()
        keep = pd.Series(True, index=frame.index)
        if self.year_to is not None:
            keep &= (start <= self.year_to).fillna(False).astype(bool)
        if self.year_from is not None:
            keep &= (end >= self.year_from).fillna(False).astype(bool)
        if self.in_year is not None:
            keep &= (start <= self.in_year).fillna(False).astype(bool)
        if self.undated == "include":
            keep |= undated
        return keep

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
        """Raise :class:`QueryError` for owners, communes or districts that ``frame`` never uses."""
        for name, columns, admin in (
            ("owners", ("owner", "owner_current"), False),
            ("communes", ("communes",), True),
            ("districts", ("districts_before_2025",), True),
        ):
            wanted = getattr(self, name)
            if not wanted:
                continue
            known: dict[str, str] = {}
            for column in columns:
                for cell in frame[column]:
                    for entry in re.split(r"[;,]", cell):
                        entry = entry.strip()
                        for key in _keys_of(entry, admin) if entry else ():
                            known.setdefault(key, entry)
            unknown = [v for v in wanted if _value_key(v, admin) not in known]
            if unknown:
                raise QueryError(_unknown_message(_LIST_FIELDS[name], unknown, sorted(set(known.values()))))

    # ---------------------------------------------------------------- parameters

    def to_params(self) -> dict[str, str | list[str]]:
        """The non-default fields as URL/CLI parameters (lists for multi-valued fields).

        ``Filter.from_params(f.to_params()) == f`` for every filter ``f``.
        """
        params: dict[str, str | list[str]] = {}
        for name, key in _LIST_FIELDS.items():
            if getattr(self, name):
                params[key] = list(getattr(self, name))
        defaults = Filter()
        for name, key in _SCALAR_PARAMS.items():
            value = getattr(self, name)
            if value == getattr(defaults, name):
                continue
            if name == "bbox":
                params[key] = ",".join(_fmt_float(v) for v in value)
            else:
                params[key] = str(value)
        return params

    @classmethod
    def from_params(cls, mapping: Mapping[str, str | Iterable[str] | None]) -> Filter:
        """Build a filter from URL query parameters or CLI flag values.

        Multi-valued parameters accept repeated values and comma-separated lists
        (``status=planned,under_construction``). Unknown parameter names raise
        :class:`QueryError`, as do values that do not parse.
        """
        unknown = [k for k in mapping if k not in PARAMS]
        if unknown:
            raise QueryError(_unknown_message("parameter", unknown, PARAMS))
        kwargs: dict[str, Any] = {}
        for name, key in _LIST_FIELDS.items():
            values = _as_list(mapping.get(key))
            split_comma = name not in ("owners", "communes", "districts")
            items: list[str] = []
            for value in values:
                items += value.split(",") if split_comma else [value]
            kwargs[name] = tuple(v.strip() for v in items if v.strip())
        for name, key in _SCALAR_PARAMS.items():
            values = _as_list(mapping.get(key))
            if not values:
                continue
            if len(values) > 1:
                raise QueryError(f"{key}: given {len(values)} times; give it once")
            raw = values[0].strip()
            if name in ("year_from", "year_to", "in_year", "max_precision"):
                if raw:
                    kwargs[name] = _parse_int(key, raw)
            elif name == "bbox":
                if raw:
                    kwargs[name] = parse_bbox(raw)
            elif name == "undated":
                if raw:
                    kwargs[name] = raw
            else:
                kwargs[name] = raw
        return cls(**kwargs)

    # ---------------------------------------------------------------- description

    def describe(self) -> str:
        """One English sentence saying what the filter keeps (written into every export)."""
        parts: list[str] = []
        for name, label, vocabulary in (
            ("statuses", "status", schema.STATUSES),
            ("sectors", "sector", schema.SECTORS),
            ("funding_types", "funding", schema.FUNDING_TYPES),
            ("scopes", "scope", schema.SCOPES),
        ):
            values = getattr(self, name)
            if values:
                parts.append(f"{label}: " + " or ".join(f"{vocabulary[v][1]} ({v})" for v in values))
        for name, label in (("owners", "owner"), ("communes", "commune (2025)"),
                            ("districts", "former district (before 2025)")):
            values = getattr(self, name)
            if values:
                parts.append(f"{label}: " + " or ".join(values))
        timed = self.year_from is not None or self.year_to is not None or self.in_year is not None
        if self.year_from is not None or self.year_to is not None:
            low = "…" if self.year_from is None else str(self.year_from)
            high = "…" if self.year_to is None else str(self.year_to)
            parts.append(f"period overlaps {low}–{high}")
        if self.in_year is not None:
            parts.append(f"started by {self.in_year}")
        if timed:
            verdict = "included" if self.undated == "include" else "excluded"
            parts.append(f"projects with no period {verdict}")
        if self.max_precision is not None:
            parts.append(f"geocode precision {self.max_precision} "
                         f"({schema.PRECISION[self.max_precision][1]}) or better")
        if self.bbox is not None:
            parts.append("intersecting lon/lat box " + ", ".join(_fmt_float(v) for v in self.bbox))
        if self.search:
            parts.append(f'text matches "{self.search}"')
        return "all projects (no filter)" if not parts else "; ".join(parts)


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
        raise QueryError(f"{key}: {raw!r} is not a whole number") from None


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``"lon_min,lat_min,lon_max,lat_max"`` (degrees) into a checked tuple."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if len(parts) != 4:
        raise QueryError(f"bbox: {text!r} needs 4 numbers: lon_min,lat_min,lon_max,lat_max")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise QueryError(f"bbox: {text!r} holds something that is not a number") from None
    return _check_bbox(values)


def _check_bbox(values: Iterable[Any]) -> tuple[float, float, float, float]:
    box = tuple(float(v) for v in values)
    if len(box) != 4:
        raise QueryError("bbox needs 4 numbers: lon_min, lat_min, lon_max, lat_max")
    lon_min, lat_min, lon_max, lat_max = box
    in_degrees = (all(-180 <= v <= 180 for v in (lon_min, lon_max))
                  and all(-90 <= v <= 90 for v in (lat_min, lat_max)))
    if not in_degrees:
        raise QueryError(f"bbox {box} is not in degrees (lon -180..180, lat -90..90); "
                         "give lon_min,lat_min,lon_max,lat_max in WGS 84")
    if lon_min >= lon_max or lat_min >= lat_max:
        raise QueryError(f"bbox {box}: lon_min must be below lon_max and lat_min below lat_max")
    return (lon_min, lat_min, lon_max, lat_max)


def _unknown_message(what: str, unknown: Iterable[str], allowed: Iterable[str]) -> str:
    bad = ", ".join(repr(str(u)) for u in unknown)
    return f"unknown {what} {bad}; allowed values: {', '.join(str(a) for a in allowed)}"


def filter_fields() -> tuple[str, ...]:
    """Names of the :class:`Filter` fields, in declaration order."""
    return tuple(f.name for f in fields(Filter))
