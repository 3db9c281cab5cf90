"""Select projects: the :class:`Filter` shared by the CLI flags, the app's widgets and its URL, and
the free-text search.

- :mod:`portfolio.query.criteria`: the criteria as data (parameters, masks, SQL, words, widgets);
- :mod:`portfolio.query.filters`: the :class:`Filter` generated from them (parsing, ``describe``);
- :mod:`portfolio.query.search`: text folding, abbreviations, the search index and the ranking;
- :mod:`portfolio.query.names`: owner and place names compared ignoring case, accents and prefixes.

Everything callers use is importable from ``portfolio.query``.
"""

from __future__ import annotations

from portfolio.query.criteria import (
    CRITERIA,
    EXISTING_STATUSES,
    PARAMETERS,
    PARAMS,
    UNDATED_CHOICES,
    Criterion,
    FilterError,
    Param,
    Widget,
    criterion,
    parse_bbox,
)
from portfolio.query.filters import Filter, filter_fields
from portfolio.query.names import ADMIN_PREFIXES
from portfolio.query.search import (
    _SEARCH_INDEXES,
    ABBREVIATIONS,
    RELEVANCE_GROUPS,
    SEARCH_COLUMNS,
    by_relevance,
    haystack,
    matches_search,
    normalise,
    relevance,
    search_forms,
    search_hits,
)

__all__ = [
    "ABBREVIATIONS",
    "ADMIN_PREFIXES",
    "CRITERIA",
    "EXISTING_STATUSES",
    "PARAMETERS",
    "PARAMS",
    "RELEVANCE_GROUPS",
    "SEARCH_COLUMNS",
    "UNDATED_CHOICES",
    "_SEARCH_INDEXES",
    "Criterion",
    "Filter",
    "FilterError",
    "Param",
    "Widget",
    "by_relevance",
    "criterion",
    "filter_fields",
    "haystack",
    "matches_search",
    "normalise",
    "parse_bbox",
    "relevance",
    "search_forms",
    "search_hits",
]
