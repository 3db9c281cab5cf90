"""The app's sidebar values ↔ filter parameters, for each kind of widget a criterion asks for.

A criterion names its widget (:class:`~portfolio.query.criteria.Widget`: kind, session key, label);
this module says, per kind, which values a filter gives the widgets (:func:`widget_values`) and which
parameters the widgets' values mean (:func:`widget_params`, read by
:meth:`~portfolio.query.Filter.from_params_lenient`). The app only draws each kind. Plain values in,
plain values out: no Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from portfolio import schema
from portfolio.query.criteria import CRITERIA, Criterion
from portfolio.query.filters import Filter

Years = tuple[int, int]
Params = dict[str, str | list[str]]


def _field(criterion: Criterion) -> str:
    return criterion.params[0].field


def _name(criterion: Criterion) -> str:
    return criterion.params[0].name


def _key(criterion: Criterion) -> str:
    assert criterion.widget is not None
    return criterion.widget.key


def _values_list(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    return {_key(c): list(getattr(flt, _field(c)))}


def _params_list(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    return {_name(c): list(values[_key(c)])}


def _values_range(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    lo, hi = years
    return {_key(c): (max(lo, flt.year_from or lo), min(hi, flt.year_to or hi))}


def _params_range(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    """The slider at an end of the register's years leaves that bound open."""
    lo, hi = years
    y_from, y_to = values[_key(c)]
    low, high = (p.name for p in c.params)
    params: Params = {}
    if y_from > lo:
        params[low] = str(y_from)
    if y_to < hi:
        params[high] = str(y_to)
    return params


def _values_undated(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    return {_key(c): flt.undated == "include"}


def _params_undated(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    return {_name(c): "include" if values[_key(c)] else "exclude"}


def _values_in_year(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    assert c.widget is not None
    lo, hi = years
    year = flt.in_year or min(2026, hi)
    return {c.widget.toggle: flt.in_year is not None, _key(c): min(max(year, lo), hi)}


def _params_in_year(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    assert c.widget is not None
    return {_name(c): str(int(values[_key(c)]))} if values[c.widget.toggle] else {}


def _values_text(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    return {_key(c): getattr(flt, _field(c))}


def _params_text(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    return {_name(c): values[_key(c)]}


def _values_approximate(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    """One box: hide the geometries located only approximately (precision from
    :data:`portfolio.schema.APPROXIMATE_FROM` on)."""
    code = flt.max_precision
    return {_key(c): code is not None and code < schema.APPROXIMATE_FROM}


def _params_approximate(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    return {_name(c): str(schema.APPROXIMATE_FROM - 1)} if values[_key(c)] else {}


def _values_box(c: Criterion, flt: Filter, years: Years) -> dict[str, Any]:
    return {_key(c): flt.bbox}


def _params_box(c: Criterion, values: Mapping[str, Any], years: Years) -> Params:
    box = values.get(_key(c))
    return {_name(c): c.params[0].text(tuple(float(v) for v in box))} if box else {}  # as to_params


#: Per widget kind: (the widgets' values of a filter, the parameters of the widgets' values).
KINDS: Final[
    dict[
        str,
        tuple[
            Callable[[Criterion, Filter, Years], dict[str, Any]],
            Callable[[Criterion, Mapping[str, Any], Years], Params],
        ],
    ]
] = {
    "vocabulary": (_values_list, _params_list),
    "names": (_values_list, _params_list),
    "year_range": (_values_range, _params_range),
    "undated": (_values_undated, _params_undated),
    "in_year": (_values_in_year, _params_in_year),
    "text": (_values_text, _params_text),
    "approximate": (_values_approximate, _params_approximate),
    "box": (_values_box, _params_box),
}


def sidebar_criteria() -> list[Criterion]:
    """The criteria that have a widget, in the sidebar's order (top first)."""
    return sorted(
        (c for c in CRITERIA if c.widget is not None), key=lambda c: c.widget.rank if c.widget else 0
    )


def widget_values(flt: Filter, years: Years) -> dict[str, Any]:
    """The value of each widget (by session key) that shows ``flt``; ``years`` is the sliders' range."""
    values: dict[str, Any] = {}
    for criterion in sidebar_criteria():
        assert criterion.widget is not None
        values |= KINDS[criterion.widget.kind][0](criterion, flt, years)
    return values


def widget_params(values: Mapping[str, Any], years: Years) -> Params:
    """The filter parameters the widgets' ``values`` (by session key) say."""
    params: Params = {}
    for criterion in sidebar_criteria():
        assert criterion.widget is not None
        params |= KINDS[criterion.widget.kind][1](criterion, values, years)
    return params
