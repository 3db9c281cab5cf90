"""What the app and the CLI show beside the map: the project card, tables and summaries, in both languages.

Plain text out: the callers escape for their medium (:func:`md_escape` for Streamlit Markdown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
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
            section = _LEADING_DATE.sub("", entry[len(key) :])
            day = i18n.date_text(schema.DOCUMENTS[key][0], lang)
            rows.append((key, f"{day} · {i18n.document_title(key, lang)}", section.strip()))
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


# ------------------------------------------------------------------------------------ the short card

#: Register columns the card's summary shows (the rest are behind "more").
SUMMARY_COLUMNS: tuple[str, ...] = (
    "id",
    "name_vi",
    "name_en",
    "status",
    "status_as_of",
    "status_source",
    "period_start",
    "period_end",
    "period_history",
    "owner",
    "owner_current",
    "funding_type",
    "funding_source",
    "investment_bn_vnd",
    "investment_kind",
    "sources",
    "parent_id",
)


@dataclass(frozen=True)
class Card:
    """One project's card, plain text in one language: a short summary first, the rest in ``more``.

    ``summary`` and ``more`` are ``(label, value)`` rows with a value (no rows of "—"); ``sources``
    are :func:`source_rows`; ``parent`` and ``components`` are :func:`relatives`."""

    ident: str
    title: str
    summary: list[tuple[str, str]]
    sources: list[tuple[str, str, str]]
    parent: str
    components: list[str]
    more: list[tuple[str, str]]


def _text(row: Any, column: str) -> str:
    return _cell(row.get(column)).strip()


def status_line(row: Any, lang: str = i18n.DEFAULT_LANG, today: date | None = None) -> str:
    """``"Under construction · 40 days ago (evidence of 3 December 2026)"``: the status, its age and
    its date in ``lang`` (the status alone where it has no readable date)."""
    status = i18n.label("status", _text(row, "status"), lang)
    as_of = _text(row, "status_as_of")
    try:
        day = date.fromisoformat(as_of[:10])
    except ValueError:
        return status
    days = ((today or date.today()) - day).days
    return i18n.t("card_status", lang, status=status, days=days, date=i18n.date_text(day, lang))


def period_line(row: Any, lang: str = i18n.DEFAULT_LANG) -> str:
    """``"2021–2025"``, or ``"2021–2025 → 2026–2030 (KH-UBND/2026)"`` where a later source moved it."""
    latest, latest_doc, _ = _card_periods(row)
    frame = pd.DataFrame({c: [row.get(c)] for c in ("period_start", "period_end")}).apply(
        pd.to_numeric, errors="coerce"
    )
    frame["period_history"] = [_cell(row.get("period_history"))]
    own = _periods.period_text(frame)[0]
    if latest:
        moved = f"{latest} ({i18n.source_label(latest_doc, lang)})"
        return f"{own} → {moved}" if own else moved
    return own


def _funding_line(row: Any, lang: str) -> str:
    kind = _text(row, "funding_type")
    parts = [i18n.label("funding_type", kind, lang)] if kind else []
    if _text(row, "funding_source"):
        parts.append(_text(row, "funding_source"))
    amount = row.get("investment_bn_vnd")
    if _cell(amount):
        figure = i18n.t("card_investment", lang, amount=_cell(float(amount), lang))
        kind_of = _text(row, "investment_kind")
        parts.append(f"{figure} ({i18n.label('investment_kind', kind_of, lang)})" if kind_of else figure)
    return " · ".join(parts)


def card(row: Any, full: pd.DataFrame, lang: str = i18n.DEFAULT_LANG, today: date | None = None) -> Card:
    """The card of one project (``row`` with the measured ``length_km`` / ``area_ha`` when it has
    them; ``full`` names its parent and components): name, status with its age, period, owner,
    funding, length or area and sources first, every other register field that has a value in
    :attr:`Card.more`. Plain text: the caller escapes it for its medium."""
    ident = _text(row, "id")
    summary: list[tuple[str, str]] = [(i18n.column("status", lang), status_line(row, lang, today))]
    owner, current = _text(row, "owner"), _text(row, "owner_current")
    rows = [
        (i18n.t("period", lang), period_line(row, lang)),
        (i18n.column("owner", lang), owner),
        (i18n.column("owner_current", lang), current if current != owner else ""),
        (i18n.t("card_funding", lang), _funding_line(row, lang)),
    ]
    for column in ("length_km", "area_ha"):
        value = row.get(column)
        if _cell(value) and float(value) > 0:
            rows.append((i18n.t(column, lang), i18n.number(float(value), 2, lang)))
    summary += [(label, value) for label, value in rows if value]
    parent, components = relatives(full, ident, lang) if "parent_id" in full.columns else ("", [])
    shown = {i18n.column(c, lang) for c in SUMMARY_COLUMNS}
    more = [
        (label, value)
        for label, value in card_rows(row, lang)
        if value
        and not any(label.startswith(s) for s in shown)
        and label != i18n.t("latest_period", lang)
        and label not in (i18n.t("length_km", lang), i18n.t("area_ha", lang))
    ]
    more.insert(0, (i18n.column("id", lang), ident))
    history = history_text(row.get("period_history"), lang)
    if history:
        more.append((i18n.column("period_history", lang), history))
    if _text(row, "status_source"):
        more.append(
            (i18n.column("status_source", lang), i18n.source_label(_text(row, "status_source"), lang))
        )
    return Card(
        ident=ident,
        title=_text(row, i18n.name_column(lang)) or _text(row, "name_vi"),
        summary=summary,
        sources=source_rows(_text(row, "sources"), lang),
        parent=parent,
        components=components,
        more=more,
    )


def card_markdown(c: Card, lang: str = i18n.DEFAULT_LANG) -> tuple[str, str]:
    """``(summary, more)`` of a card as escaped Streamlit Markdown: what the app shows."""
    esc = md_escape
    lines = [f"**{esc(label)}:** {esc(value)}" for label, value in c.summary]
    if c.parent:
        lines.append(f"**{esc(i18n.t('part_of', lang))}:** {esc(c.parent)}")
    if c.components:
        lines.append(f"**{esc(i18n.t('components', lang))}:** " + "; ".join(esc(x) for x in c.components))
    lines.append(f"**{esc(i18n.t('sources_list', lang))}:**")
    body = "  \n".join(lines)
    body += "\n" + "\n".join(
        f"- **{esc(doc)}**{f' ({esc(about)})' if about else ''}: {esc(section)}"
        if doc
        else f"- {esc(section)}"
        for doc, about, section in c.sources
    )
    more = "  \n".join(f"**{esc(label)}:** {esc(value)}" for label, value in c.more)
    return body, more


def card_text(c: Card, lang: str = i18n.DEFAULT_LANG) -> str:
    """The card as plain text lines (what ``portfolio show ID`` prints): summary, sources, then the rest."""
    width = max(len(label) for label, _ in [*c.summary, *c.more]) if c.summary or c.more else 0
    out = [c.title, ""]
    out += [f"{label.ljust(width)}  {value}" for label, value in c.summary]
    if c.parent:
        out.append(f"{i18n.t('part_of', lang).ljust(width)}  {c.parent}")
    for component in c.components:
        out.append(f"{i18n.t('components', lang).ljust(width)}  {component}")
    out += ["", i18n.t("sources_list", lang)]
    out += [
        f"  {doc}{f' ({about})' if about else ''}: {section}" if doc else f"  {section}"
        for doc, about, section in c.sources
    ]
    out += ["", i18n.t("card_more", lang)]
    out += [f"{label.ljust(width)}  {value}" for label, value in c.more]
    return "\n".join(out)


# ------------------------------------------------------------------------------- investors' park cards


def park_cards(by_year: pd.DataFrame, lang: str = i18n.DEFAULT_LANG) -> list[tuple[str, list[str]]]:
    """``(park name, lines)`` per park from :func:`portfolio.access.access_by_year`: the distances
    now, then, year by year, each one that a planned project brings closer. Plain text."""
    cards: list[tuple[str, list[str]]] = []
    for _, rows in by_year.groupby("park_id", sort=False):
        lines: list[str] = []
        now = rows[rows["year"].isna() & rows.index.isin(rows.groupby("kind").head(1).index)]
        parts = [
            i18n.t(
                "park_distance",
                lang,
                kind=i18n.t(f"kind_{r.kind}", lang),
                km=i18n.number(float(r.km), 1, lang),
                name=r.project,
            )
            for r in now.itertuples()
            if r.km == r.km
        ]
        lines.append(i18n.t("park_now", lang, distances="; ".join(parts) or "—"))
        later = rows.drop(now.index).sort_values("year", na_position="last")
        for r in later.itertuples():
            distance = i18n.t(
                "park_distance",
                lang,
                kind=i18n.t(f"kind_{r.kind}", lang),
                km=i18n.number(float(r.km), 1, lang),
                name=r.project,
            )
            key = "park_from_year" if r.year == r.year and r.year is not pd.NA else "park_no_year"
            lines.append(i18n.t(key, lang, year=r.year, distance=distance))
        cards.append((str(rows["park"].iloc[0]), lines))
    return cards
