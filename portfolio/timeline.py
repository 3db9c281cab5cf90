"""Gantt data of the projects' periods, with each document's period so slippage shows.

``period_history`` (``DOC=START-END; …``) holds every source's period, oldest first: its last entry
is the latest period, drawn as the project's bar; every other period it or ``period_start``–
``period_end`` gives (for a Phụ lục II row, the appendix's) is an "earlier" bar (e.g. the 2021
plan's 2021–2025 against a 2025 report's 2025–2027). A project with no history has one bar, its
``period_start``–``period_end``.
"""

from __future__ import annotations

import json
from typing import Any, cast

import altair as alt
import geopandas as gpd
import pandas as pd

from portfolio import _derived, _periods, i18n, palette, schema

COLUMNS = ["id", "name", "status", "status_label", "source", "start", "end", "latest", "order"]


def parse_history(text: str) -> list[tuple[str, int, int]]:
    """``[(document, start, end), …]`` from a ``period_history`` cell; malformed entries skipped
    (:func:`portfolio.schema.parse_period_history`)."""
    return [(e.document, e.start, e.end) for e in schema.period_entries(text)]


def periods(frame: gpd.GeoDataFrame | pd.DataFrame, lang: str = i18n.DEFAULT_LANG) -> pd.DataFrame:
    """One row per bar: the latest period of each dated project, plus every other period a source
    gives it. Projects are ordered by latest start, then name (``order``)."""
    name_col = i18n.name_column(lang)
    rows: list[dict[str, Any]] = []
    for _, row in frame.iterrows():
        start, end = row["period_start"], row["period_end"]
        history = parse_history(str(row.get("period_history", "") or ""))
        own: tuple[int, int] | None = None
        if not pd.isna(start) or not pd.isna(end):
            own = (
                int(start) if not pd.isna(start) else int(end),
                int(end) if not pd.isna(end) else int(start),
            )
        if own is None and not history:
            continue
        if history:
            latest_doc, cur_start, cur_end = history[-1]
        else:
            assert own is not None
            latest_doc, (cur_start, cur_end) = "", own
        base = {
            "id": row["id"],
            "name": row[name_col],
            "status": row["status"],
            "status_label": i18n.label("status", row["status"], lang),
        }
        rows.append(
            {
                **base,
                "source": i18n.source_label(latest_doc, lang),
                "start": cur_start,
                "end": cur_end,
                "latest": True,
            }
        )
        earlier = [(doc, h_start, h_end) for doc, h_start, h_end in history[:-1]]
        if own is not None and all((h_start, h_end) != own for _, h_start, h_end in history):
            earlier.insert(0, ("", *own))
        seen = {(cur_start, cur_end)}
        for doc, h_start, h_end in earlier:
            if (h_start, h_end) not in seen:
                seen.add((h_start, h_end))
                rows.append(
                    {
                        **base,
                        "source": i18n.source_label(doc, lang),
                        "start": h_start,
                        "end": h_end,
                        "latest": False,
                    }
                )
    data = pd.DataFrame(rows, columns=COLUMNS[:-1])
    if data.empty:
        data["order"] = pd.Series(dtype=int)
        return data
    firsts = data[data["latest"]].sort_values(["start", "end", "name"])
    order = {ident: i for i, ident in enumerate(firsts["id"])}
    data["order"] = data["id"].map(order).astype(int)
    return data.sort_values(["order", "latest"]).reset_index(drop=True)


def slippage(frame: gpd.GeoDataFrame | pd.DataFrame, lang: str = i18n.DEFAULT_LANG) -> pd.DataFrame:
    """Projects whose documents disagree on the period: the first and the latest entry of
    ``period_history`` and the change of the end year (years; positive = later, negative =
    earlier). Columns: id, name, first_source, first, latest_source, latest, delay_years. Documents
    are shown as :func:`portfolio.i18n.source_label` gives them (an outside source named as such in
    ``lang``)."""
    name_col = i18n.name_column(lang)
    rows = []
    for _, row in frame.iterrows():
        history = parse_history(str(row.get("period_history", "") or ""))
        if len(history) < 2:
            continue
        (doc0, s0, e0), (doc1, s1, e1) = history[0], history[-1]
        if (s0, e0) == (s1, e1):
            continue
        rows.append(
            {
                "id": row["id"],
                "name": row[name_col],
                "first_source": i18n.source_label(doc0, lang),
                "first": f"{s0}–{e0}",
                "latest_source": i18n.source_label(doc1, lang),
                "latest": f"{s1}–{e1}",
                "delay_years": e1 - e0,
            }
        )
    return pd.DataFrame(
        rows, columns=["id", "name", "first_source", "first", "latest_source", "latest", "delay_years"]
    )


#: Each project's latest period where it differs from its period columns (see :mod:`portfolio._periods`).
latest_if_different = _periods.latest_if_different
#: Each project's period columns as text, one year given being that year (see :mod:`portfolio._periods`).
period_text = _periods.period_text


#: Longest axis label (characters); longer names are shortened in the middle.
LABEL_CHARS = 56


def shorten_middle(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut in the middle (``head … tail``) to at most ``limit`` characters: the end of a
    name ("…, component project 2", "(Sóc Trăng section)") is often what tells two rows apart."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    head = limit - 1 - tail
    return text[:head].rstrip() + "…" + text[len(text) - tail :].lstrip()


def axis_labels(names: dict[str, str], limit: int = LABEL_CHARS) -> dict[str, str]:
    """Project id -> a readable label no longer than ``limit`` characters, distinct for every id:
    names shortened in the middle; labels that would still repeat get the project id appended."""
    labels = {ident: shorten_middle(name, limit) for ident, name in names.items()}
    counts: dict[str, int] = {}
    for label in labels.values():
        counts[label] = counts.get(label, 0) + 1
    for ident, label in labels.items():
        if counts[label] > 1 or not label:
            suffix = f" [{ident}]"
            labels[ident] = shorten_middle(names[ident], max(limit - len(suffix), 8)) + suffix
    return labels


def year_bounds(
    frame: gpd.GeoDataFrame | pd.DataFrame, default: tuple[int, int] = (2020, 2030)
) -> tuple[int, int]:
    """The smallest and largest year any period (current or historical) mentions (a register frame holds
    each row's as ``years_min`` / ``years_max``, :mod:`portfolio._derived`)."""
    if _derived.is_derived(frame):
        lo, hi = frame["years_min"].min(), frame["years_max"].max()
        return default if pd.isna(lo) else (int(lo), int(hi))
    years: list[int] = []
    for column in ("period_start", "period_end"):
        if column in frame:
            years += [int(v) for v in frame[column].dropna()]
    if "period_history" in frame:
        for text in frame["period_history"]:
            for _, start, end in parse_history(str(text or "")):
                years += [start, end]
    if not years:
        return default
    return min(years), max(years)


#: At most this many year labels on the time axis; longer spans label every 2nd, 5th or 10th year.
MAX_YEAR_LABELS = 12
#: Colour of the lines between years behind the bars.
YEAR_LINE_COLOR = "#dddddd"


def year_labels(lo: int, hi: int, most: int = MAX_YEAR_LABELS) -> list[float]:
    """Where the time axis labels the years ``lo`` … ``hi - 1``: the middle of each year (``Y + 0.5``).

    A bar covers its years whole, from the start of its first year to the end of its last
    (``[start, end + 1)`` on the axis), so a label in the middle of each year's cell reads the bar
    unambiguously: a 2017–2026 bar runs from under "2017" to under "2026", not to a "2027" tick.

    Parameters
    ----------
    lo, hi : int
        The axis domain in years (``hi`` is the end of the last year shown, exclusive).
    most : int
        The most labels wanted; longer spans label every 2nd, 5th or 10th year (years divisible by
        that step, so the labels stay round).

    Returns
    -------
    list of float
        Axis positions (years + 0.5), ascending.
    """
    span = max(hi - lo, 1)
    step = next((s for s in (1, 2, 5, 10, 20, 50) if span / s <= most), 100)
    return [year + 0.5 for year in range(lo, hi) if year % step == 0]


def gantt_chart(data: pd.DataFrame, lang: str = i18n.DEFAULT_LANG, year: int | None = None) -> alt.LayerChart:
    """Altair Gantt chart of :func:`periods`: bars coloured by status; earlier documents' periods as
    pale wide bars behind the current one; a rule through ``year`` ("the city in year Y").

    Each bar covers its years whole (``start`` to ``end + 1`` on a linear axis in years); thin lines
    mark where each year begins and each year's label sits in the middle of its cell
    (:func:`year_labels`), so a bar ending in 2026 ends under the "2026" label. The ``year`` rule
    runs through the middle of that year, over the bars of every project under way in it.
    """
    chart_data = data.assign(
        end_excl=data["end"] + 1,
        period=data["start"].astype(str) + "–" + data["end"].astype(str),
        kind=data["latest"].map(
            {True: i18n.t("timeline_latest", lang), False: i18n.t("timeline_earlier", lang)}
        ),
    )
    labels = [i18n.label("status", s, lang) for s in schema.STATUSES]
    colors = [palette.status_color(s) for s in schema.STATUSES]
    sort = list(chart_data.sort_values("order")["id"].drop_duplicates())
    # One row per project id (names may repeat); the axis shows distinct labels through a lookup table.
    names = axis_labels(dict(zip(chart_data["id"].astype(str), chart_data["name"].astype(str), strict=False)))
    axis = alt.Axis(labelLimit=420, labelOverlap=False, labelExpr=f"{json.dumps(names)}[datum.value]")
    y = alt.Y("id:N", sort=sort, title=None, axis=axis)
    lo = int(chart_data["start"].min())
    hi = int(chart_data["end_excl"].max())
    if year is not None:
        lo, hi = min(lo, year), max(hi, year + 1)
    scale = alt.Scale(domain=[lo, hi], zero=False, nice=False)
    # Every layer shares this x axis: a layer with ``axis=None`` would hide it for all (Vega-Lite 5).
    years_axis = alt.Axis(
        values=year_labels(lo, hi),
        labelExpr="format(floor(datum.value), 'd')",
        ticks=False,
        grid=False,
        labelOverlap=True,
    )
    x = alt.X("start:Q", title=None, axis=years_axis, scale=scale)
    color = alt.Color(
        "status_label:N",
        title=i18n.t("status", lang),
        legend=alt.Legend(orient="top"),
        scale=alt.Scale(domain=labels, range=colors),
    )
    tooltip = [
        alt.Tooltip("name:N", title=i18n.t("name", lang)),
        alt.Tooltip("period:N", title=i18n.t("period", lang)),
        alt.Tooltip("source:N", title=i18n.t("timeline_source", lang)),
        alt.Tooltip("kind:N", title=" "),
        alt.Tooltip("status_label:N", title=i18n.t("status", lang)),
    ]
    base = alt.Chart(chart_data)
    pale = alt.Color("status_label:N", scale=alt.Scale(domain=labels, range=colors), legend=None)
    earlier = (
        base.transform_filter("!datum.latest")
        .mark_bar(size=16, opacity=0.3, stroke="#333", strokeDash=[3, 2], strokeWidth=1)
        .encode(x=x, x2="end_excl:Q", y=y, color=pale, tooltip=tooltip)
    )
    latest = (
        base.transform_filter("datum.latest")
        .mark_bar(size=9)
        .encode(x=x, x2="end_excl:Q", y=y, color=color, tooltip=tooltip)
    )
    grid = (
        alt.Chart(pd.DataFrame({"year_start": range(lo, hi + 1)}))
        .mark_rule(color=YEAR_LINE_COLOR, strokeWidth=1)
        .encode(x=alt.X("year_start:Q", title=None, scale=scale))
    )
    layers: list[alt.Chart] = [grid, earlier, latest]
    if year is not None:
        rule = (
            alt.Chart(pd.DataFrame({"year": [year + 0.5]}))
            .mark_rule(color="#c00", strokeWidth=2)
            .encode(x=alt.X("year:Q", title=None, scale=scale))
        )
        layers.append(rule)
    chart = alt.layer(*layers).resolve_legend(color="independent").properties(height=alt.Step(22))
    return cast(alt.LayerChart, chart)
