"""What the app and the CLI show beside the map: the project card, tables and summaries, in both languages.

Plain text out: the callers escape for their medium (:func:`md_escape` for Streamlit Markdown).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from portfolio import _periods, i18n, schema

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:])")
_LEADING_DATE = re.compile(r"^\s*\([^)]*\)\s*,?\s*")


def md_escape(value: object) -> str:
    """Escape text for Streamlit Markdown (no emphasis, links, HTML or ``$…$`` maths)."""
    return _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def _cell(value: object, lang: str = i18n.DEFAULT_LANG) -> str:
    if value is None:
        return ""
    try:
        if value != value:
            return ""
    except (TypeError, ValueError):
        return ""
    if isinstance(value, float):
        text = i18n.number(value, 2, lang)
        point = "." if i18n.normalise_lang(lang) == "en" else ","
        return text.rstrip("0").rstrip(point)
    return str(value)


def _history_entries(history: object) -> list[tuple[str, int, int] | str]:
    """The entries of a ``period_history`` cell: ``(document, start, end)`` each, or the entry's text
    where it does not read as ``DOCUMENT=START-END`` (the validator reports those)."""
    return [
        e if isinstance(e, str) else (e.document, e.start, e.end)
        for e in schema.parse_period_history(_cell(history))
    ]


def _years(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def history_text(history: object, lang: str = i18n.DEFAULT_LANG) -> str:
    """A ``period_history`` cell as read: ``"202/KH-UBND: 2018–2022; Outside source: CafeF 2025-11-11:
    2017–2026"``, one entry per document, oldest first (plain text; the caller escapes it).

    Parameters
    ----------
    history : object
        The cell (``DOCUMENT=START-END; …``); missing or empty gives ``""``.
    lang : str
        ``"vi"`` or ``"en"``: ``ngoài: X`` documents read "Nguồn ngoài: X" / "Outside source: X"
        (:func:`portfolio.i18n.source_label`).
    """
    parts = [
        f"{i18n.source_label(e[0], lang)}: {_years(e[1], e[2])}"
        if isinstance(e, tuple)
        else i18n.source_label(e, lang)
        for e in _history_entries(history)
    ]
    return "; ".join(parts)


def _card_periods(row: Any) -> tuple[str, str, str]:
    """``(latest, its document, the document giving the period columns)`` of one project where its
    latest period (the last ``period_history`` entry) differs from ``period_start``–``period_end``,
    else ``("", "", "")``. The period columns' document is the first history entry with their years
    (for a Phụ lục II row, ``202/KH-UBND``), ``""`` when none has them."""
    frame = pd.DataFrame({column: [row.get(column)] for column in ("period_start", "period_end")})
    frame = frame.apply(pd.to_numeric, errors="coerce")
    frame["period_history"] = [_cell(row.get("period_history"))]
    latest = str(_periods.latest_if_different(frame).iloc[0])
    entries = [e for e in _history_entries(row.get("period_history")) if isinstance(e, tuple)]
    if not latest or not entries:
        return "", "", ""
    own = _periods.sourced_periods(frame)
    own = own[own["own"]]
    start, end = (int(own["start"].iloc[0]), int(own["end"].iloc[0])) if len(own) else (None, None)
    own_doc = next((doc for doc, a, b in entries if (a, b) == (start, end)), "")
    return latest, entries[-1][0], own_doc


def card_rows(row: Any, lang: str = i18n.DEFAULT_LANG) -> list[tuple[str, str]]:
    """``(label, value)`` for every register column of one project, then its measured length and
    area (EPSG:5897, when ``row`` has ``length_km`` / ``area_ha``). Plain text: display it as text.

    Where a later source moved the project's period (its latest period, the last ``period_history``
    entry, differs from ``period_start``–``period_end``, which for a Phụ lục II row keep the
    appendix's), the period columns' labels name their document ("Start year (202/KH-UBND)") and a
    "Latest period" row follows them: ``"2017–2026 (Outside source: CafeF 2025-11-11)"``.
    ``period_history`` reads one entry per document (:func:`history_text`); ``ngoài:`` documents in
    ``period_history``, ``status_source`` and ``sources`` read "Outside source: …" (in ``lang``).
    """
    vocab_columns = {
        "status": "status",
        "sector": "sector",
        "funding_type": "funding_type",
        "scope": "scope",
        "admin_basis": "admin_basis",
        "investment_kind": "investment_kind",
    }
    latest, latest_doc, own_doc = _card_periods(row)
    rows: list[tuple[str, str]] = []
    for column in schema.COLUMNS:
        value = _cell(row.get(column), lang)
        label = i18n.column(column, lang)
        if column in vocab_columns and value:
            value = f"{i18n.label(vocab_columns[column], value, lang)} ({value})"
        elif column == "geocode_precision" and value:
            value = precision_text(value, lang)
        elif column == "period_history":
            value = history_text(value, lang)
        elif column in ("status_source", "investment_source"):
            value = i18n.source_label(value, lang)
        elif column == "sources":
            value = "; ".join(i18n.source_label(entry, lang) for entry in schema.split_list(value))
        if column in ("period_start", "period_end") and latest and own_doc:
            label = f"{label} ({i18n.source_label(own_doc, lang)})"
        rows.append((label, value))
        if column == "period_end" and latest:
            rows.append((i18n.t("latest_period", lang), f"{latest} ({i18n.source_label(latest_doc, lang)})"))
    for column, key in (("length_km", "length_km"), ("area_ha", "area_ha")):
        if column in row and _cell(row.get(column)) and float(row.get(column) or 0) > 0:
            rows.append((i18n.t(key, lang), i18n.number(float(row[column]), 2, lang)))
    return rows


def precision_text(code: object, lang: str = i18n.DEFAULT_LANG) -> str:
    """``"2 – Near: Within about 1 km…"`` for a precision code, label and definition in ``lang``."""
    definition = i18n.precision_definition(code, lang)
    if not definition:
        return str(code)
    return f"{code} – {i18n.label('precision', code, lang)}: {definition}"


def source_rows(sources: str, lang: str = i18n.DEFAULT_LANG) -> list[tuple[str, str, str]]:
    """``(document, its date and title, section)`` for each entry of a ``sources`` cell."""
    rows = []
    for entry in schema.split_list(sources):
        key = schema.source_document(entry)
        if key == "external":
            rows.append((i18n.t("external_source", lang), "", entry[len(schema.EXTERNAL_PREFIX) :].strip()))
        elif key is not None:
            date = schema.DOCUMENTS[key][0]
            section = _LEADING_DATE.sub("", entry[len(key) :])
            rows.append((key, f"{date} · {i18n.document_title(key, lang)}", section.strip()))
        else:
            rows.append(("", "", entry))
    return rows


def relatives(full: pd.DataFrame, project_id: str, lang: str = i18n.DEFAULT_LANG) -> tuple[str, list[str]]:
    """``(parent, components)`` of a project as ``"name (id)"`` texts (plain text; ``""``/``[]`` if none)."""
    name_col = i18n.name_column(lang)
    names = dict(zip(full["id"], full[name_col], strict=False))
    rows = full[full["id"] == project_id]
    parent_id = str(rows["parent_id"].iloc[0]) if not rows.empty else ""
    parent = f"{names[parent_id]} ({parent_id})" if parent_id in names else parent_id
    children = full[full["parent_id"] == project_id]
    return parent, [f"{n} ({i})" for i, n in zip(children["id"], children[name_col], strict=True)]
