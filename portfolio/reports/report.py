"""The portfolio report: exactly the filtered set on A4 landscape pages, with a header and page numbers.

The filter in words (:meth:`portfolio.query.Filter.describe`), the count, a map of the set, the
figures (counts, km and ha by status and by sector, sourced investment totals), the Gantt with
slippage, and the table of every project. A filter that keeps nothing gives a one-page report that
says so.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from portfolio import i18n, measure, timeline
from portfolio._periods import latest_if_different, period_text
from portfolio.reports import _draw, _pdf
from portfolio.reports.tables import chart_tables, investment_totals, investment_values, measured

PAGE = landscape(A4)
MARGIN = 12 * mm


def _size(km: float, ha: float, lang: str) -> str:
    if not math.isnan(km) and km > 0:
        return f"{i18n.number(km, 1, lang)} km"
    if not math.isnan(ha) and ha > 0:
        return f"{i18n.number(ha, 0, lang)} ha"
    return ""


def _figure_table(
    table: pd.DataFrame, title_key: str, lang: str, st: dict[str, Any], width: float
) -> Flowable:
    head = [i18n.t(title_key, lang), i18n.t("report_projects", lang), "km", "ha"]
    rows = [[_pdf.para(h, st["cell_bold"]) for h in head]]
    for r in table.itertuples():
        rows.append(
            [
                _pdf.para(r.label, st["cell"]),
                _pdf.para(str(r.projects), st["num"]),
                _pdf.para(i18n.number(r.km, 1, lang), st["num"]),
                _pdf.para(i18n.number(r.ha, 0, lang), st["num"]),
            ]
        )
    rest = width - 50 * mm
    return _pdf.table(rows, [rest, 16 * mm, 17 * mm, 17 * mm], align_right=(1, 2, 3))


def _figures(frame: gpd.GeoDataFrame, lang: str, st: dict[str, Any], width: float) -> list[Flowable]:
    tables = chart_tables(frame, lang)
    figures = measure.summary(frame)
    out: list[Flowable] = [
        _pdf.para(i18n.t("report_figures", lang), st["h2"]),
        _pdf.para(
            i18n.t(
                "report_totals",
                lang,
                km=i18n.number(figures.total_km, 1, lang),
                ha=i18n.number(figures.total_ha, 0, lang),
            ),
            st["body"],
        ),
    ]
    notes = []
    if figures.not_totalled or figures.partly_totalled:
        notes.append(i18n.t("not_totalled", lang, n=len(figures.not_totalled) + len(figures.partly_totalled)))
    if figures.undated:
        notes.append(i18n.t("undated_count", lang, n=figures.undated))
    if figures.latest_status_as_of:
        notes.append(i18n.t("as_of", lang, date=i18n.date_text(figures.latest_status_as_of, lang)))
    if notes:
        out.append(_pdf.para(" · ".join(notes), st["small"]))
    money = investment_totals(frame)
    if money["projects"]:
        out.append(
            _pdf.para(
                i18n.t(
                    "report_investment",
                    lang,
                    total=i18n.number(money["total"], 0, lang),
                    n=money["projects"],
                    approved=i18n.number(money["approved"], 0, lang),
                    estimate=i18n.number(money["estimate"], 0, lang),
                ),
                st["body"],
            )
        )
        if money["covered"]:
            out.append(_pdf.para(i18n.t("report_investment_covered", lang, n=money["covered"]), st["small"]))
    else:
        out.append(_pdf.para(i18n.t("report_investment_none", lang), st["body"]))
    out += [Spacer(1, 2 * mm), _figure_table(tables["status"], "status", lang, st, width), Spacer(1, 3 * mm)]
    out.append(_figure_table(tables["sector"], "sector", lang, st, width))
    return out


def _project_table(frame: gpd.GeoDataFrame, lang: str, st: dict[str, Any], width: float) -> Flowable:
    name_col = i18n.name_column(lang)
    periods = [
        (own or "—") + (f" → {now}" if now else "")
        for own, now in zip(period_text(frame), latest_if_different(frame), strict=True)
    ]
    money = investment_values(frame)
    head = [
        i18n.t("name", lang),
        i18n.column("status", lang),
        i18n.t("period", lang),
        i18n.t("report_size", lang),
        i18n.column("owner", lang),
        i18n.column("funding_type", lang),
        i18n.column("investment_bn_vnd", lang),
    ]
    rows = [[_pdf.para(h, st["cell_bold"]) for h in head]]
    kinds = (
        frame["investment_kind"].astype(str).tolist()
        if "investment_kind" in frame.columns
        else [""] * len(frame)
    )
    for i, (_, r) in enumerate(frame.iterrows()):
        invest = ""
        if not math.isnan(money[i]):
            invest = f"{i18n.number(money[i], 0, lang)} ({i18n.label('investment_kind', kinds[i], lang)})"
        name = _pdf.text(r[name_col]) + f'<br/><font size="6.2" color="#555555">{_pdf.text(r["id"])}</font>'
        rows.append(
            [
                Paragraph(name, st["cell"]),
                _pdf.para(i18n.label("status", r["status"], lang), st["cell"]),
                _pdf.para(periods[i], st["cell"]),
                _pdf.para(_size(float(r["length_km"]), float(r["area_ha"]), lang), st["num"]),
                _pdf.para(r["owner"] or "—", st["cell"]),
                _pdf.para(i18n.label("funding_type", r["funding_type"], lang), st["cell"]),
                _pdf.para(invest or "—", st["cell"]),
            ]
        )
    fixed = [26 * mm, 30 * mm, 20 * mm, 52 * mm, 28 * mm, 30 * mm]
    return _pdf.table(rows, [width - sum(fixed), *fixed], align_right=(3,))


def _slippage(frame: gpd.GeoDataFrame, lang: str, st: dict[str, Any], width: float) -> list[Flowable]:
    slip = timeline.slippage(frame, lang)
    if slip.empty:
        return [_pdf.para(i18n.t("report_no_slippage", lang), st["body"])]
    head = [
        i18n.t("name", lang),
        i18n.t("first_period", lang),
        i18n.t("latest_period", lang),
        i18n.t("slippage_years", lang),
    ]
    rows = [[_pdf.para(h, st["cell_bold"]) for h in head]]
    for r in slip.itertuples():
        rows.append(
            [
                _pdf.para(r.name, st["cell"]),
                _pdf.para(f"{r.first} ({r.first_source})", st["cell"]),
                _pdf.para(f"{r.latest} ({r.latest_source})", st["cell"]),
                _pdf.para(i18n.number_text(r.delay_years, 0, lang, signed=True), st["num"]),
            ]
        )
    fixed = [62 * mm, 62 * mm, 24 * mm]
    return [
        _pdf.para(i18n.t("slippage", lang), st["h2"]),
        _pdf.table(rows, [width - sum(fixed), *fixed], align_right=(3,)),
    ]


def render(
    selected: gpd.GeoDataFrame,
    description: str,
    lang: str,
    *,
    total: int | None,
    version: str,
    boundary: gpd.GeoDataFrame | None,
    background: gpd.GeoDataFrame | None,
    printed: date,
) -> bytes:
    """The report's PDF (see :func:`portfolio.reports.portfolio_report`)."""
    _pdf.register_fonts()
    st = _pdf.styles()
    width = PAGE[0] - 2 * MARGIN
    frame = measured(selected)
    counter = (
        i18n.t("counter", lang, n=len(frame), total=total)
        if total is not None
        else i18n.t("report_count", lang, n=len(frame))
    )
    story: list[Flowable] = [
        _pdf.para(i18n.t("report_title", lang), st["title"]),
        _pdf.para(i18n.t("filter_description", lang, text=description), st["body"]),
        _pdf.para(counter, st["h2"]),
    ]
    if frame.empty:
        story.append(_pdf.para(i18n.t("report_empty", lang), st["body"]))
    else:
        map_w = 158 * mm
        png = _draw.map_png(frame, lang, boundary=boundary, background=background, size=(map_w / 72, 4.1))
        side = width - map_w - 6 * mm
        left = [_pdf.picture(png, map_w), _pdf.para(i18n.t("report_map_note", lang), st["small"])]
        right = _figures(frame, lang, st, side)
        layout = Table([[left, right]], colWidths=[map_w + 6 * mm, side], hAlign="LEFT")
        layout.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story += [
            layout,
            PageBreak(),
            _pdf.para(i18n.t("report_gantt", lang), st["h2"]),
            _pdf.para(i18n.t("timeline_help", lang), st["small"]),
            Spacer(1, 2 * mm),
        ]
        pictures = _draw.gantt_pngs(frame, lang, width=width / 72)
        if not pictures:
            story.append(_pdf.para(i18n.t("report_no_period", lang), st["body"]))
        for png in pictures:
            story.append(_pdf.picture(png, width, max_height=PAGE[1] - 2 * MARGIN - 20 * mm))
        story += [
            CondPageBreak(40 * mm),
            *_slippage(frame, lang, st, width),
            PageBreak(),
            _pdf.para(i18n.t("report_table", lang), st["h2"]),
            _project_table(frame, lang, st, width),
        ]
    header = f"{i18n.t('report_title', lang)} · {counter}"
    stamp = (
        f"{i18n.t('report_version', lang, version=version)} · "
        f"{i18n.t('report_printed', lang, date=i18n.date_text(printed, lang))}"
    )

    def footer(page: int, pages: int) -> str:
        return f"{stamp} · {i18n.t('report_page', lang, page=page, pages=pages)}"

    return _pdf.build(
        story,
        pagesize=PAGE,
        margin=MARGIN,
        title=i18n.t("report_title", lang),
        header=header,
        footer=footer,
        lang=lang,
    )
