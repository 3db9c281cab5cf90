"""Reports people print (issue 15): a one-page project sheet and a portfolio report of a filtered set,
as PDF, in Vietnamese or English; and the tables the app's charts draw.

- :func:`project_sheet` — one project on one A4 page (:mod:`portfolio.reports.sheet`);
- :func:`portfolio_report` — exactly the filtered projects (:mod:`portfolio.reports.report`);
- :func:`chart_tables` — the figures of a set, one table per chart (:mod:`portfolio.reports.tables`).

The CLI (``portfolio report``) and the app call these same functions. Maps are drawn from the
project's own geodata (city outline, rivers, roads) with matplotlib; no tile is fetched. The font is
Debian's DejaVu Sans, embedded.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from portfolio import i18n
from portfolio._errors import RegisterError
from portfolio.reports._pdf import ReportError, UnknownProjectError
from portfolio.reports.tables import chart_tables, investment_counted, investment_totals

__all__ = [
    "ReportError",
    "UnknownProjectError",
    "chart_tables",
    "investment_counted",
    "investment_totals",
    "portfolio_report",
    "project_history",
    "project_sheet",
    "sheet_name",
    "report_name",
]

#: The register's time zone: the print date is the date in Cần Thơ.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


def _layers(
    geodata: str | os.PathLike[str] | None,
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The city outline and the background of ``geodata`` (``None`` for a layer that cannot be read:
    the map then draws the projects alone)."""
    from portfolio import register

    folder = register.DEFAULT_GEODATA if geodata is None else Path(geodata)
    out: list[gpd.GeoDataFrame | None] = []
    for loader in (register.load_boundary, register.load_background):
        try:
            out.append(loader(folder))
        except (RegisterError, OSError):
            out.append(None)
    return out[0], out[1]


def _version(frame: pd.DataFrame, version: str | None, lang: str) -> str:
    return version or str(frame.attrs.get("register_version") or "") or i18n.t("report_not_stated", lang)


def project_history(
    register: str | os.PathLike[str], geodata: str | os.PathLike[str], ident: str
) -> list[Any] | None:
    """Project ``ident``'s history from a files register's audit (:func:`portfolio.audit.history`),
    or ``None`` when it cannot be read (the sheet then lists the ``period_history`` documents)."""
    from portfolio import audit, changes
    from portfolio._errors import PortfolioError

    try:
        state = changes.read_state(Path(register), Path(geodata))
        records = changes.read_audit(changes.audit_path(Path(register)))
        return audit.history(state, records, ident)
    except (PortfolioError, KeyError, OSError, ValueError):
        return None


def project_sheet(
    frame_row_or_id: Any,
    lang: str = i18n.DEFAULT_LANG,
    *,
    frame: gpd.GeoDataFrame | None = None,
    geodata: str | os.PathLike[str] | None = None,
    register_version: str | None = None,
    history: list[Any] | None = None,
    printed: date | None = None,
) -> bytes:
    """One project's sheet: a one-page A4 PDF.

    Parameters
    ----------
    frame_row_or_id : str or pandas.Series
        The project's id (looked up in ``frame``) or its register row (with its geometry).
    lang : str
        ``"vi"`` (default) or ``"en"``.
    frame : geopandas.GeoDataFrame, optional
        The whole register (for the id, the pale context on the map, parent and components);
        default: :func:`portfolio.register.load` of the default files.
    geodata : path-like, optional
        Folder with ``city_boundary.geojson`` and ``background.geojson`` (default: the register's).
    register_version : str, optional
        Printed on the sheet; default ``frame.attrs["register_version"]``.
    history : list of portfolio.audit.Entry, optional
        The project's history (:func:`project_history`); default: its ``period_history`` documents and
        its status.
    printed : datetime.date, optional
        The print date (default: today in Cần Thơ).

    Raises
    ------
    UnknownProjectError
        No project of ``frame`` has that id.
    ReportError
        The font is missing.
    """
    if frame is None:
        from portfolio import register

        frame = register.load()
    if isinstance(frame_row_or_id, pd.Series):
        row = frame_row_or_id
    else:
        ident = str(frame_row_or_id)
        rows = frame[frame["id"] == ident]
        if rows.empty:
            raise UnknownProjectError(ident)
        row = rows.iloc[0]
    from portfolio.reports import sheet

    boundary, background = _layers(geodata)
    return sheet.render(
        row,
        frame,
        i18n.normalise_lang(lang),
        version=_version(frame, register_version, lang),
        boundary=boundary,
        background=background,
        history=history,
        printed=printed or _today(),
    )


def portfolio_report(
    selected_frame: gpd.GeoDataFrame,
    filter: Any = None,
    lang: str = i18n.DEFAULT_LANG,
    *,
    total: int | None = None,
    geodata: str | os.PathLike[str] | None = None,
    register_version: str | None = None,
    printed: date | None = None,
) -> bytes:
    """The report of exactly ``selected_frame``: a multi-page A4 landscape PDF.

    Parameters
    ----------
    selected_frame : geopandas.GeoDataFrame
        The filtered projects (``Filter.apply`` of the register), in the order the table lists them.
    filter : portfolio.query.Filter or str, optional
        The filter that selected them, written in words on the first page (a ``Filter`` is described
        in ``lang``; a string is printed as it is; ``None``: no filter).
    lang : str
        ``"vi"`` (default) or ``"en"``.
    total : int, optional
        Size of the whole register ("25 of 91 projects").
    geodata, register_version, printed
        As for :func:`project_sheet`.
    """
    lang = i18n.normalise_lang(lang)
    if filter is None:
        from portfolio.query import Filter

        filter = Filter()
    description = filter if isinstance(filter, str) else filter.describe(lang)
    from portfolio.reports import report

    boundary, background = _layers(geodata)
    return report.render(
        selected_frame,
        description,
        lang,
        total=total,
        version=_version(selected_frame, register_version, lang),
        boundary=boundary,
        background=background,
        printed=printed or _today(),
    )


def sheet_name(ident: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """Download name of a project sheet: ``phieu-du-an-dt-923.pdf`` / ``project-sheet-dt-923.pdf``."""
    return f"{'project-sheet' if i18n.normalise_lang(lang) == 'en' else 'phieu-du-an'}-{ident}.pdf"


def report_name(lang: str = i18n.DEFAULT_LANG) -> str:
    """Download name of a portfolio report."""
    return (
        "cantho-portfolio-report.pdf" if i18n.normalise_lang(lang) == "en" else "bao-cao-danh-muc-can-tho.pdf"
    )
