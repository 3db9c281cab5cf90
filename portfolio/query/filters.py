"""The :class:`Filter`: what to select from the register, built by the CLI flags, the app's widgets
and its URL alike, every part of it generated from :data:`~portfolio.query.criteria.CRITERIA`.

A :class:`Filter` is a small frozen dataclass. Every field left at its default selects everything;
fields combine with AND, values inside one field with OR. ``Filter().apply(frame)`` returns the
frame unchanged (a copy). What each criterion keeps is written once, in
:mod:`portfolio.query.criteria`.

Parameters
----------
In parameters (URL, CLI flags), repeat a parameter for OR (``status=planned&status=operating``); for
statuses, sectors, funding types, scopes, communes and districts commas also separate values
(``commune=ninh kieu,cai rang``). Owner names contain commas (*Các Sở: Công Thương, Tài nguyên…*), so
an owner value is never split: repeat ``owner`` instead. A single-valued parameter given twice is an
error. Every error is a :class:`~portfolio.query.criteria.FilterError` with a stable ``code`` and
``params`` for translation; :meth:`Filter.from_params` stops at the first,
:meth:`Filter.from_params_lenient` keeps every valid parameter and returns the problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from portfolio.query.criteria import (
    CRITERIA,
    MASK_ORDER,
    PARAMETERS,
    PARAMS,
    FilterError,
    Rows,
    ValuesOf,
    unknown_error,
)


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
        Timeframe in years, inclusive; a project is in when a period a source gives it overlaps it.
    undated : {"include", "exclude"}
        Keep or drop the projects no source gives a period.
    in_year : int or None
        The city in year Y (see :mod:`portfolio.query.criteria`). ``Filter(in_year=Y)`` built
        directly keeps ``undated``'s default (``include``); in parameters, ``in_year`` alone means
        ``undated=exclude``.
    bbox : tuple of 4 float or None
        ``(lon_min, lat_min, lon_max, lat_max)`` in degrees (WGS 84).
    search : str
        Free text (:mod:`portfolio.query.search`). Empty: no search; text with no letter or digit
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
        for param in PARAMETERS:
            value = getattr(self, param.field)
            if param.many:
                if isinstance(value, str):
                    value = (value,)
                value = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
                if param.vocabulary is not None:
                    unknown = [v for v in value if v not in param.vocabulary]
                    if unknown:
                        raise unknown_error(param.name, unknown, param.vocabulary)
            else:
                value = param.check(value)
            object.__setattr__(self, param.field, value)
        for criterion in CRITERIA:
            if criterion.check is not None:
                criterion.check({f.name: getattr(self, f.name) for f in fields(self)})

    # ---------------------------------------------------------------- selection

    @property
    def is_empty(self) -> bool:
        """True when the filter selects everything."""
        return self == Filter()

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean Series, aligned on ``frame``, of the rows the filter keeps.

        The vectorised criteria run first; the per-row ones (owners, communes, districts) and the
        free-text search only on the rows still kept (:data:`~portfolio.query.criteria.MASK_ORDER`).
        """
        keep = np.ones(len(frame), dtype=bool)
        rows = Rows(frame)
        for criterion in MASK_ORDER:
            if criterion.active(self):
                keep = criterion.mask(self, rows, keep)
        return pd.Series(keep, index=frame.index)

    def sql_where(self, values_of: ValuesOf, without: Iterable[str] = ()) -> tuple[str, list[Any]]:
        """The SQL condition (``%s`` placeholders) of every criterion that has one (but those named in
        ``without``), and its parameters; ``values_of(field, column, filter)`` gives the cells of ``column`` a
        name criterion keeps. The search's condition is a superset: the rows found are to be filtered
        again by :meth:`apply`."""
        parts: list[str] = []
        params: list[Any] = []
        skip = set(without)
        for criterion in CRITERIA:
            if criterion.sql is not None and criterion.active(self) and criterion.name not in skip:
                condition, values = criterion.sql(self, values_of)
                parts.append(f"({condition})")
                params += values
        return (" AND ".join(parts) or "true"), params

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

        See :mod:`portfolio.query.criteria` (each name criterion's ``known``).
        """
        for criterion in CRITERIA:
            if criterion.known is not None and criterion.active(self):
                criterion.known(self, frame)

    # ---------------------------------------------------------------- parameters

    def to_params(self) -> dict[str, str | list[str]]:
        """The non-default fields as URL/CLI parameters (lists for multi-valued fields).

        ``undated`` is written whenever ``in_year`` is set (``in_year`` alone means
        ``undated=exclude`` in parameters). ``Filter.from_params(f.to_params()) == f`` for every
        filter ``f`` whose communes and districts hold no comma.
        """
        params: dict[str, str | list[str]] = {}
        defaults = Filter()
        for param in PARAMETERS:
            value = getattr(self, param.field)
            if param.many:
                if value:
                    params[param.name] = list(value)
            elif value != getattr(defaults, param.field) or (param.written and param.written(self)):
                params[param.name] = param.text(value)
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
            (the message names the parameter and, for vocabularies, the allowed values), or a
            single-valued parameter given more than once (``repeated_parameter``).
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
        """One sentence saying what the filter keeps, each criterion in its own words.

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
        parts = [c.describe(self, vi) for c in CRITERIA if (c.shown or c.active)(self)]
        if not parts:
            return "tất cả dự án (không lọc)" if vi else "all projects (no filter)"
        return "; ".join(parts)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


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
        fail(unknown_error("parameter", unknown, PARAMS, code="unknown_parameter"))
    kwargs: dict[str, Any] = {}
    for criterion in CRITERIA:
        for param in criterion.params:
            values = _as_list(mapping.get(param.name))
            if param.many:
                items = [piece for v in values for piece in (v.split(",") if param.split else [v])]
                items = [v.strip() for v in items if v.strip()]
                if param.vocabulary is not None:
                    bad = [v for v in dict.fromkeys(items) if v not in param.vocabulary]
                    if bad:
                        fail(unknown_error(param.name, bad, param.vocabulary))
                        items = [v for v in items if v in param.vocabulary]
                kwargs[param.field] = tuple(items)
                continue
            if not values:
                continue
            if len(values) > 1:
                fail(
                    FilterError(
                        f"{param.name}: given {len(values)} times; give it once",
                        "repeated_parameter",
                        {"field": param.name, "count": str(len(values)), "value": ", ".join(values)},
                    )
                )
                continue
            raw = values[0].strip()
            if not raw and not param.keep_empty:
                continue
            try:
                kwargs[param.field] = param.parse(raw)
            except FilterError as error:
                fail(error)
    for criterion in CRITERIA:
        if criterion.check is None:
            continue
        try:
            criterion.check(kwargs)
        except FilterError as error:
            fail(error)
            for param in criterion.params:
                kwargs.pop(param.field, None)
    for criterion in CRITERIA:
        if criterion.implies is not None:
            criterion.implies(kwargs)
    return kwargs


def filter_fields() -> tuple[str, ...]:
    """Names of the :class:`Filter` fields, in declaration order."""
    return tuple(f.name for f in fields(Filter))
