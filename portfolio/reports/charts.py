"""The app's charts of a filtered set (Altair), drawn from :func:`portfolio.reports.tables.chart_tables`.

Projects and km / ha by status and by sector, sourced investment by funding type and by owner, and
projects by the year their latest period starts and ends. Each chart draws one of the tables as it
is, so its numbers are the table's.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from portfolio import i18n, palette, schema

#: Longest owner name on the investment chart's axis (the tooltip gives it whole).
OWNER_LABEL_CHARS = 60


def _count_bars(table: pd.DataFrame, title: str, lang: str, status: bool) -> alt.Chart:
    y = alt.Y("label:N", sort=list(table["label"]), title=None, axis=alt.Axis(labelLimit=260))
    color: Any = alt.value("#2b7bba")
    if status:
        labels = [i18n.label("status", s, lang) for s in schema.STATUSES]
        color = alt.Color(
            "label:N",
            legend=None,
            scale=alt.Scale(domain=labels, range=[palette.status_color(s) for s in schema.STATUSES]),
        )
    chart: alt.Chart = (
        alt.Chart(table, title=title)
        .mark_bar()
        .encode(
            x=alt.X("projects:Q", title=i18n.t("report_projects", lang)),
            y=y,
            color=color,
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("projects:Q", title=i18n.t("report_projects", lang)),
            ],
        )
    )
    return chart


def _size_bars(table: pd.DataFrame, title: str, lang: str) -> alt.Chart:
    long = table.melt(id_vars=["key", "label"], value_vars=["km", "ha"], var_name="unit", value_name="value")
    chart: alt.Chart = (
        alt.Chart(long, title=title)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=None),
            y=alt.Y("label:N", sort=list(table["label"]), title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("unit:N", title=i18n.t("chart_measure", lang), legend=alt.Legend(orient="top")),
            yOffset="unit:N",
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("unit:N", title=i18n.t("chart_measure", lang)),
                alt.Tooltip("value:Q", title=" ", format=",.1f"),
            ],
        )
    )
    return chart


def _investment_bars(table: pd.DataFrame, title: str, lang: str) -> alt.Chart:
    shown = table.assign(
        short=[
            str(v)
            if len(str(v)) <= OWNER_LABEL_CHARS
            else str(v)[: OWNER_LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"
            for v in table["label"]
        ]
    )
    chart: alt.Chart = (
        alt.Chart(shown, title=title)
        .mark_bar(color="#176d4b")
        .encode(
            x=alt.X("investment_bn_vnd:Q", title=i18n.t("chart_investment", lang)),
            y=alt.Y("short:N", sort=list(shown["short"]), title=None, axis=alt.Axis(labelLimit=360)),
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("investment_bn_vnd:Q", title=i18n.t("chart_investment", lang), format=",.0f"),
                alt.Tooltip("projects:Q", title=i18n.t("report_projects", lang)),
            ],
        )
    )
    return chart


def _years_bars(table: pd.DataFrame, title: str, lang: str) -> alt.Chart:
    chart: alt.Chart = (
        alt.Chart(table, title=title)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=i18n.t("chart_year", lang)),
            xOffset="label:N",
            y=alt.Y("projects:Q", title=i18n.t("report_projects", lang)),
            color=alt.Color("label:N", title=None, legend=alt.Legend(orient="top")),
            tooltip=[
                alt.Tooltip("year:O", title=i18n.t("chart_year", lang)),
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("projects:Q", title=i18n.t("report_projects", lang)),
            ],
        )
    )
    return chart


def altair_charts(
    tables: dict[str, pd.DataFrame], lang: str = i18n.DEFAULT_LANG
) -> list[tuple[str, alt.Chart]]:
    """``(key, chart)`` for each chart of ``tables`` (:func:`~portfolio.reports.tables.chart_tables`) that
    has data, in the order the app shows them: projects and km/ha by status and by sector, investment by
    funding type and by owner, projects by year of start and end."""
    out: list[tuple[str, alt.Chart]] = []
    t = tables
    if not t["status"].empty:
        out += [
            ("projects_status", _count_bars(t["status"], i18n.t("chart_projects_status", lang), lang, True)),
            ("size_status", _size_bars(t["status"], i18n.t("chart_size_status", lang), lang)),
        ]
    if not t["sector"].empty:
        out += [
            ("projects_sector", _count_bars(t["sector"], i18n.t("chart_projects_sector", lang), lang, False)),
            ("size_sector", _size_bars(t["sector"], i18n.t("chart_size_sector", lang), lang)),
        ]
    if not t["funding"].empty:
        out.append(
            (
                "investment_funding",
                _investment_bars(t["funding"], i18n.t("chart_investment_funding", lang), lang),
            )
        )
    if not t["owner"].empty:
        out.append(
            ("investment_owner", _investment_bars(t["owner"], i18n.t("chart_investment_owner", lang), lang))
        )
    if not t["years"].empty:
        out.append(("years", _years_bars(t["years"], i18n.t("chart_years", lang), lang)))
    return out
