"""The project sheet: one A4 page about one project, in Vietnamese or English.

A map of the project over the city outline and the main rivers and roads (the rest of the register
pale behind), its card (status with date and source, period and slippage, owner, funding, investment
where a source gives one, length or area, communes and old districts), its sources in full, its
history (:func:`portfolio.audit.history` where the register has an audit, else the documents of
``period_history``), and the register version and date it was printed from.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepInFrame, Spacer

from portfolio import i18n, present, schema, timeline
from portfolio._periods import latest_if_different, period_text
from portfolio.reports import _draw, _pdf
from portfolio.reports.tables import measured

MARGIN = 14 * mm


def _value(row: Any, column: str) -> str:
    value = row.get(column, "") if hasattr(row, "get") else ""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _number(row: Any, column: str) -> float:
    try:
        value = float(row.get(column))
    except (TypeError, ValueError):
        return math.nan
    return value


def card_rows(row: Any, full: pd.DataFrame, lang: str) -> list[tuple[str, str]]:
    """``(label, value)`` of the sheet's card, plain text, every value in ``lang`` where it has one."""
    one = full[full["id"] == row["id"]] if "id" in full.columns else full.iloc[0:0]
    if one.empty:
        one = pd.DataFrame([row])
    na = i18n.t("not_available", lang)
    rows: list[tuple[str, str]] = [
        (i18n.column("id", lang), _value(row, "id")),
        (i18n.column("sector", lang), i18n.label("sector", _value(row, "sector"), lang)),
    ]
    status = i18n.label("status", _value(row, "status"), lang)
    rows.append(
        (
            i18n.column("status", lang),
            i18n.t(
                "sheet_status_date",
                lang,
                status=status,
                date=i18n.date_text(_value(row, "status_as_of"), lang),
            ),
        )
    )
    rows.append(
        (i18n.column("status_source", lang), i18n.source_label(_value(row, "status_source"), lang) or na)
    )
    own = period_text(one)[0]
    rows.append((i18n.t("period", lang), own or na))
    latest = latest_if_different(one).iloc[0]
    if latest:
        rows.append((i18n.t("latest_period", lang), latest))
    slip = timeline.slippage(one, lang)
    if not slip.empty:
        s = slip.iloc[0]
        delta = int(s["delay_years"])
        rows.append(
            (
                i18n.t("slippage", lang),
                i18n.t(
                    "sheet_slippage",
                    lang,
                    delta=("+" if delta > 0 else "−" if delta < 0 else "±") + str(abs(delta)),
                    first=s["first"],
                    first_source=s["first_source"],
                    latest=s["latest"],
                    latest_source=s["latest_source"],
                ),
            )
        )
    for column in ("owner", "owner_current", "investor"):
        if _value(row, column) or column == "owner":
            rows.append((i18n.column(column, lang), _value(row, column) or na))
    funding = i18n.label("funding_type", _value(row, "funding_type"), lang)
    source = _value(row, "funding_source")
    rows.append((i18n.column("funding_source", lang), f"{source} ({funding})" if source else funding))
    amount = _number(row, "investment_bn_vnd")
    if math.isnan(amount):
        rows.append((i18n.column("investment_bn_vnd", lang), na))
    else:
        kind = i18n.label("investment_kind", _value(row, "investment_kind"), lang)
        rows.append(
            (
                i18n.column("investment_bn_vnd", lang),
                i18n.t(
                    "sheet_investment",
                    lang,
                    amount=i18n.number(amount, 0 if amount == int(amount) else 1, lang),
                    kind=kind,
                ),
            )
        )
        rows.append(
            (
                i18n.column("investment_source", lang),
                i18n.source_label(_value(row, "investment_source"), lang) or na,
            )
        )
    for column, key, official in (
        ("length_km", "length_km", "official_length_km"),
        ("area_ha", "area_ha", "official_area_ha"),
    ):
        value = _number(row, column)
        if not math.isnan(value) and value > 0:
            rows.append((i18n.t(key, lang), i18n.number(value, 2, lang)))
        stated = _number(row, official)
        if not math.isnan(stated):
            rows.append((i18n.column(official, lang), i18n.number(stated, 2, lang)))
    rows.append((i18n.column("location_vi", lang), _value(row, "location_vi") or na))
    rows.append((i18n.column("communes", lang), "; ".join(schema.split_list(_value(row, "communes"))) or na))
    rows.append(
        (
            i18n.column("districts_before_2025", lang),
            "; ".join(schema.split_list(_value(row, "districts_before_2025"))) or na,
        )
    )
    rows.append((i18n.t("precision", lang), present.precision_text(_value(row, "geocode_precision"), lang)))
    if "parent_id" in full.columns:
        parent, components = present.relatives(full, _value(row, "id"), lang)
        if parent:
            rows.append((i18n.t("part_of", lang), parent))
        if components:
            rows.append((i18n.t("components", lang), "; ".join(components)))
    return rows


def history_rows(row: Any, entries: list[Any] | None, lang: str) -> list[tuple[str, str, str, str]]:
    """``(date, kind, value, source)`` of the project's history, oldest first: ``entries``
    (:class:`portfolio.audit.Entry`, from the audit) when given, else each ``period_history``
    document's period and the row's status."""
    out: list[tuple[str, str, str, str]] = []
    if entries is None:
        for entry in schema.period_entries(_value(row, "period_history")):
            known = schema.DOCUMENTS.get(entry.document.strip())
            out.append(
                (
                    i18n.date_text(known[0], lang) if known else "",
                    i18n.t("history_period", lang),
                    f"{entry.start}–{entry.end}",
                    i18n.source_label(entry.document, lang),
                )
            )
        out.append(
            (
                i18n.date_text(_value(row, "status_as_of"), lang),
                i18n.t("history_status", lang),
                i18n.label("status", _value(row, "status"), lang),
                i18n.source_label(_value(row, "status_source"), lang),
            )
        )
        return out
    for e in entries:
        value = i18n.label("status", e.value, lang) if e.kind == "status" else e.value
        source = i18n.source_label(e.source, lang)
        if e.changeset:
            source += f" [{e.changeset}, {e.author}, {e.recorded[:10]}: {e.reason}]"
        kind = i18n.t("history_status" if e.kind == "status" else "history_period", lang)
        out.append((i18n.date_text(e.date, lang), kind, value, source))
    return out


def _source_lines(row: Any, lang: str) -> list[str]:
    lines = []
    for doc, about, section in present.source_rows(_value(row, "sources"), lang):
        head = f"{doc} ({about})" if about else doc
        lines.append(f"{head}: {section}" if head and section else head or section)
    return lines


def render(
    row: Any,
    full: gpd.GeoDataFrame,
    lang: str,
    *,
    version: str,
    boundary: gpd.GeoDataFrame | None,
    background: gpd.GeoDataFrame | None,
    history: list[Any] | None,
    printed: date,
) -> bytes:
    """The sheet's PDF (see :func:`portfolio.reports.project_sheet`)."""
    _pdf.register_fonts()
    st = _pdf.styles()
    width = A4[0] - 2 * MARGIN
    one = measured(gpd.GeoDataFrame([row], geometry=[row.geometry], crs=full.crs))
    row = one.iloc[0]
    other = "name_vi" if i18n.name_column(lang) == "name_en" else "name_en"
    story: list[Flowable] = [
        _pdf.para(_value(row, i18n.name_column(lang)), st["title"]),
        _pdf.para(f"{_value(row, other)} · {_value(row, 'id')}", st["small"]),
        Spacer(1, 2 * mm),
    ]
    context = full[full["id"] != row["id"]]
    png = _draw.map_png(
        one, lang, boundary=boundary, background=background, context=context, size=(width / 72, 3.3)
    )
    story += [
        _pdf.picture(png, width),
        _pdf.para(i18n.t("report_map_note", lang), st["small"]),
        Spacer(1, 2 * mm),
    ]
    label_w = 46 * mm
    story.append(
        _pdf.table(
            [
                [_pdf.para(label, st["cell_bold"]), _pdf.para(value, st["cell"])]
                for label, value in card_rows(row, full, lang)
            ],
            [label_w, width - label_w],
            header=False,
        )
    )
    story.append(_pdf.para(i18n.t("sources_list", lang), st["h2"]))
    story += [_pdf.para(f"• {line}", st["cell"]) for line in _source_lines(row, lang)]
    story.append(_pdf.para(i18n.t("history_title", lang), st["h2"]))
    rows = history_rows(row, history, lang)
    if rows:
        head = [i18n.t(k, lang) for k in ("history_date", "history_kind", "history_value", "history_source")]
        widths = [22 * mm, 22 * mm, 30 * mm, width - 74 * mm]
        story.append(
            _pdf.table(
                [[_pdf.para(h, st["cell_bold"]) for h in head]]
                + [[_pdf.para(c, st["cell"]) for c in r] for r in rows],
                widths,
            )
        )
    else:
        story.append(_pdf.para(i18n.t("history_none", lang), st["cell"]))
    # One page whatever the project: a sheet too long for A4 is scaled down to fit, never cut.
    frame_height = A4[1] - 2 * MARGIN - 14
    fitted = KeepInFrame(width, frame_height, story, mode="shrink")
    header = f"{i18n.t('sheet_title', lang)} · {i18n.t('app_title', lang)}"
    stamp = (
        f"{i18n.t('report_version', lang, version=version)} · "
        f"{i18n.t('report_printed', lang, date=i18n.date_text(printed, lang))}"
    )

    def footer(page: int, pages: int) -> str:
        return f"{stamp} · {i18n.t('report_page', lang, page=page, pages=pages)}"

    return _pdf.build(
        [fitted],
        pagesize=A4,
        margin=MARGIN,
        title=_value(row, i18n.name_column(lang)),
        header=header,
        footer=footer,
        lang=lang,
    )
