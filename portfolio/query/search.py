"""Free-text search: text folding (case, Vietnamese diacritics, punctuation), abbreviations, the
per-frame index of search texts and the ranking of hits.

Rules worth knowing
-------------------
A search ignores case, Vietnamese diacritics (``đ``/``Đ`` included, and its look-alikes ``ð``/``Ð``
U+00F0/U+00D0 and ``ɖ``/``Ɖ``; ``ß``, ``æ``, ``œ``, ``ø``, ``ł``, ``ı`` are spelt in ASCII, see
:func:`normalise`) and punctuation, and knows the usual abbreviations both ways (``ĐT`` ↔ Đường
tỉnh, ``QL`` ↔ Quốc lộ, ``KCN`` ↔ Khu công nghiệp…, see :data:`ABBREVIATIONS`): ``"dt 923"`` finds
*Đường tỉnh 923*, ``"cai cui"`` finds *Cái Cui*, ``"quoc lo 91"`` finds *QL91*. Every word of the
query must start a word (numbers: be a whole word) of one and the same searched column
(:data:`SEARCH_COLUMNS`), in any order.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from functools import partial
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

# The text folding lives in portfolio._text (the register's derived search text uses it); re-exported here.
from portfolio._text import ABBREVIATIONS as ABBREVIATIONS
from portfolio._text import SEARCH_COLUMNS as SEARCH_COLUMNS
from portfolio._text import haystack as haystack
from portfolio._text import normalise as normalise
from portfolio._text import search_forms as search_forms


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
    queries = [word_patterns(q) for q in dict.fromkeys((q_short, q_long))]
    for text in texts:
        if not text:
            continue
        hay = haystack(text)
        if any(all(p in hay for p in patterns) for patterns in queries):
            return True
    return False


def word_patterns(query: str) -> list[str]:
    """What each word of a normalised query must be found as in a haystack: a word start (``" cai"``),
    a number whole (``" 92 "``)."""
    return [f" {w} " if w.isdigit() else f" {w}" for w in query.split()]


def query_patterns(query: str) -> list[list[str]]:
    """The forms of ``query`` a text is searched for (contracted, expanded; one when they are the same),
    each as its :func:`word_patterns`; empty when the query has no word. A row's search text
    (:func:`portfolio._derived.search_text`: the haystacks of its columns) matches only if it holds
    every pattern of one form."""
    _, q_short, q_long = search_forms(query)
    return [word_patterns(q) for q in dict.fromkeys((q_short, q_long)) if q]


def folding_version() -> str:
    """A fingerprint of the folding (:func:`haystack` of a text holding every folded letter and every
    abbreviation, and :data:`SEARCH_COLUMNS`): a stored search text made by another version of the
    folding is not to be trusted, and a store compares this to the one it stored with the texts."""
    import hashlib

    probe = " ".join(["ĐðɖßæœøłıÀẤ ĐT923 QL91B", *ABBREVIATIONS, *ABBREVIATIONS.values(), *SEARCH_COLUMNS])
    return hashlib.sha256(haystack(probe).encode()).hexdigest()[:16]


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
        for pattern in word_patterns(q):
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
