"""The app's views for keeping the register current: login box, as-of choice, the card's history and
edit form, the review queue and the change-set upload. Streamlit widgets only; every decision is a
call into :mod:`portfolio.changes`, :mod:`portfolio.audit`, :mod:`portfolio.review` and
:mod:`portfolio.auth`. ``app.py`` calls these functions where they belong on the page."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from portfolio import audit, auth, changes, i18n, present, review, schema
from portfolio._errors import ChangeError, ConflictError, PortfolioError, RegisterError

ss = st.session_state
MISSING = "—"
#: Change-set files the upload accepts.
CHANGESET_TYPES = ["csv", "xlsx", "geojson", "json", "gpkg", "zip"]


def target(reg: Path, geo: Path) -> changes.Target:
    """Where the app's changes go: the files, or the database of ``PORTFOLIO_DATABASE_URL``."""
    return changes.Target(reg, geo, os.environ.get("PORTFOLIO_DATABASE_URL") or "")


# ------------------------------------------------------------------------------------ login


def current_editor(lang: str) -> auth.Editor | None:
    """The logged-in editor, or ``None``; an expired or ended session says so once and is dropped."""
    token = ss.get("_editor_token")
    if not token:
        return None
    try:
        return auth.session(token)
    except auth.AuthError as exc:
        ss._editor_token = None
        ss._auth_message = exc.message(lang)
        return None


def _on_login() -> None:
    lang = ss.get("lang", i18n.DEFAULT_LANG)
    try:
        ss._editor_token = auth.login(ss.get("login_user", ""), ss.get("login_password", ""))
        ss._auth_message = None
    except auth.AuthError as exc:
        ss._auth_message = exc.message(lang)
    ss.login_password = ""


def _on_logout() -> None:
    token = ss.get("_editor_token")
    if token:
        auth.logout(token)
    ss._editor_token = None
    ss._pending = None


def login_box(lang: str) -> auth.Editor | None:
    """The sidebar's login box (viewing needs none); the logged-in editor, if any."""
    editor = current_editor(lang)
    box = st.sidebar.expander(i18n.t("login_title", lang), expanded=editor is not None)
    if ss.get("_auth_message"):
        box.error(present.md_escape(ss._auth_message))
    if editor is not None:
        box.caption(
            present.md_escape(
                i18n.t(
                    "logged_in_as",
                    lang,
                    user=editor.username,
                    department=editor.department or i18n.t("all_departments", lang),
                )
            )
        )
        box.button(i18n.t("logout", lang), key="logout", on_click=_on_logout)
        return editor
    box.text_input(i18n.t("login_user", lang), key="login_user")
    box.text_input(i18n.t("login_password", lang), type="password", key="login_password")
    box.button(i18n.t("login", lang), key="login", on_click=_on_login)
    return None


# ------------------------------------------------------------------------------------ as of


def as_of_choice(lang: str) -> date | None:
    """The sidebar's "register as it stood on" date (``None``: today's register)."""
    on = st.sidebar.checkbox(i18n.t("as_of_use", lang), key="as_of_on", help=i18n.t("as_of_help", lang))
    if not on:
        return None
    day = st.sidebar.date_input(
        i18n.t("as_of_date", lang),
        key="as_of_day",
        value=date.today(),
        max_value=date.today(),
        format="YYYY-MM-DD",
    )
    return day if isinstance(day, date) else None


def register_version(reg: Path, geo: Path) -> str:
    """The files register's version (:meth:`portfolio.changes.RegisterState.register_version`)."""
    try:
        return target(reg, geo).state().register_version()
    except PortfolioError:
        return "not stated"


def register_as_of(reg: Path, geo: Path, day: date) -> Any:
    """The register at the end of ``day``, rebuilt from the audit."""
    return audit.frame_as_of(reg, geo, day, target(reg, geo).database)


# ------------------------------------------------------------------------------------ the card


def card_extras(
    full: pd.DataFrame,
    selected: str | None,
    lang: str,
    reg: Path,
    geo: Path,
    editor: auth.Editor | None,
    read_only: bool,
) -> None:
    """Under the project card: its status age, its history and, for its department's editor, the edit form."""
    if not selected or selected not in set(full["id"]):
        return
    row = full[full["id"] == selected]
    age = review.status_age(row).iloc[0]
    why = review.reasons(row).iloc[0]
    with st.container(key="card_freshness"):
        if not pd.isna(age):
            st.markdown(
                present.md_escape(i18n.t("status_age", lang, days=int(age), date=row["status_as_of"].iloc[0]))
            )
        if why:
            st.warning(
                present.md_escape(
                    i18n.t("needs_review", lang, reasons=", ".join(review.reason_text(r, lang) for r in why))
                )
            )
    try:
        state = target(reg, geo).state()
    except PortfolioError:
        return
    entries = audit.history(state, target(reg, geo).records(), selected) if selected in state.rows else []
    with st.expander(i18n.t("history_title", lang), expanded=False):
        if entries:
            st.dataframe(
                history_table(entries, lang),
                hide_index=True,
                placeholder=MISSING,
                width="stretch",
                key="history",
            )
        else:
            st.caption(i18n.t("history_none", lang))
    if editor is None or read_only or selected not in state.rows:
        return
    if not auth.may_edit(editor, state.rows[selected]):
        st.caption(present.md_escape(i18n.t("edit_not_yours", lang, department=editor.department)))
        return
    edit_form(state, selected, lang, reg, geo, editor)


def history_table(entries: list[audit.Entry], lang: str) -> pd.DataFrame:
    """The card's history: kind, value, evidence date, source, and who applied it when."""

    def value(e: audit.Entry) -> str:
        return i18n.label("status", e.value, lang) if e.kind == "status" else e.value

    return pd.DataFrame(
        {
            i18n.t("history_kind", lang): [i18n.t(f"history_{e.kind}", lang) for e in entries],
            i18n.t("history_value", lang): [value(e) for e in entries],
            i18n.t("history_date", lang): [e.date for e in entries],
            i18n.t("history_source", lang): [e.source for e in entries],
            i18n.t("history_by", lang): [
                f"{e.author} ({e.recorded[:10]})" if e.changeset else i18n.t("history_register", lang)
                for e in entries
            ],
            i18n.t("history_reason", lang): [e.reason for e in entries],
        }
    )


def edit_form(
    state: changes.RegisterState, ident: str, lang: str, reg: Path, geo: Path, editor: auth.Editor
) -> None:
    """The edit form of one project: preview first, then apply; the row version is the one the form
    opened on, so a change made meanwhile by someone else is a conflict, not an overwrite."""
    row = state.rows[ident]
    bases = ss.setdefault("_edit_base", {})
    bases.setdefault(ident, (state.version(ident), dict(row)))
    base_version, base_row = bases[ident]
    with st.expander(i18n.t("edit_title", lang), expanded=False), st.form(key=f"edit_{ident}"):
        statuses = list(schema.STATUSES)
        values = {
            "status": st.selectbox(
                i18n.column("status", lang),
                statuses,
                index=statuses.index(base_row["status"]) if base_row["status"] in statuses else 0,
                format_func=lambda v: i18n.label("status", v, lang),
                key="e_status",
            ),
            "status_as_of": st.text_input(
                i18n.column("status_as_of", lang), base_row["status_as_of"], key="e_status_as_of"
            ),
            "status_source": st.text_input(
                i18n.column("status_source", lang), base_row["status_source"], key="e_status_source"
            ),
            "period_start": st.text_input(
                i18n.column("period_start", lang), base_row["period_start"], key="e_period_start"
            ),
            "period_end": st.text_input(
                i18n.column("period_end", lang), base_row["period_end"], key="e_period_end"
            ),
            "period_history": st.text_input(
                i18n.column("period_history", lang), base_row["period_history"], key="e_period_history"
            ),
            "owner": st.text_input(i18n.column("owner", lang), base_row["owner"], key="e_owner"),
            "owner_current": st.text_input(
                i18n.column("owner_current", lang), base_row["owner_current"], key="e_owner_current"
            ),
            "funding_source": st.text_input(
                i18n.column("funding_source", lang), base_row["funding_source"], key="e_funding_source"
            ),
            "funding_type": st.selectbox(
                i18n.column("funding_type", lang),
                list(schema.FUNDING_TYPES),
                index=list(schema.FUNDING_TYPES).index(base_row["funding_type"])
                if base_row["funding_type"] in schema.FUNDING_TYPES
                else 0,
                format_func=lambda v: i18n.label("funding_type", v, lang),
                key="e_funding_type",
            ),
            "notes": st.text_area(i18n.column("notes", lang), base_row["notes"], key="e_notes"),
        }
        reason = st.text_input(i18n.t("change_reason", lang), key="e_reason")
        source = st.text_input(
            i18n.t("change_source", lang), key="e_source", help=i18n.t("change_source_help", lang)
        )
        submitted = st.form_submit_button(i18n.t("preview", lang))
    if submitted:
        given = {k: v for k, v in values.items() if v != base_row.get(k, "")}
        cs = changes.edit(
            ident, given, author=editor.username, reason=reason, source=source, base_version=base_version
        )
        cs.base_rows[ident] = base_row
        ss._pending = cs
    show_pending(state, lang, reg, geo, editor, key=f"edit_{ident}")


# ------------------------------------------------------------------------------------ preview / apply


def show_pending(
    state: changes.RegisterState, lang: str, reg: Path, geo: Path, editor: auth.Editor, key: str
) -> None:
    """The preview of the pending change set (form edit or upload) and its apply button."""
    cs: changes.ChangeSet | None = ss.get("_pending")
    if cs is None or ss.get("_pending_key", key) != key:
        return
    ss._pending_key = key
    pv = changes.preview(state, cs)
    refused = auth.permission_problems(editor, state.rows, cs)
    problems = pv.problems + refused
    with st.container(key="change_preview"):
        st.markdown(f"**{i18n.t('preview_title', lang)}**")
        st.dataframe(
            preview_table(pv, lang),
            hide_index=True,
            placeholder=MISSING,
            width="stretch",
            key=f"preview_{key}",
        )
        if problems:
            st.error(present.md_escape(i18n.t("change_refused", lang, n=len(problems))))
            for problem in problems:
                st.caption(present.md_escape(str(problem)))
            return
        if not (pv.changes or pv.geometries):
            st.info(i18n.t("change_nothing", lang))
            return
        if st.button(i18n.t("apply", lang), key=f"apply_{key}", type="primary"):
            try:
                done = target(reg, geo).apply(cs, editor=editor)  # the database: as the editor's role
            except ConflictError as exc:
                ss._applied_message = (
                    "error",
                    i18n.t("change_conflict", lang, detail="; ".join(p.message for p in exc.problems)),
                )
            except ChangeError as exc:
                ss._applied_message = ("error", "; ".join(str(p) for p in exc.problems))
            else:
                ss._applied_message = (
                    "success",
                    i18n.t("change_applied", lang, id=done.changeset, n=done.audit_records),
                )
                ss._edit_base = {}
            ss._pending = None
            st.rerun()


def applied_message() -> None:
    """The outcome of the last apply, shown once."""
    found = ss.get("_applied_message")
    if found:
        kind, text = found
        (st.success if kind == "success" else st.error)(present.md_escape(text))
        ss._applied_message = None


def preview_table(pv: changes.Preview, lang: str) -> pd.DataFrame:
    rows = [
        {
            "id": c.id,
            i18n.t("preview_field", lang): c.field,
            i18n.t("preview_before", lang): i18n.t("preview_new", lang) if c.before is None else c.before,
            i18n.t("preview_after", lang): c.after,
        }
        for c in pv.changes
    ]
    rows += [
        {
            "id": g.id,
            i18n.t("preview_field", lang): "geometry",
            i18n.t("preview_before", lang): "",
            i18n.t("preview_after", lang): changes._describe_geometry(g),
        }
        for g in pv.geometries
    ]
    rows += [
        {
            "id": i,
            i18n.t("preview_field", lang): "id",
            i18n.t("preview_before", lang): "",
            i18n.t("preview_after", lang): i18n.t("preview_unknown", lang),
        }
        for i in pv.unknown_ids
    ]
    columns = ["id", *(i18n.t(k, lang) for k in ("preview_field", "preview_before", "preview_after"))]
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------------------------ review view


def show_review(
    full: pd.DataFrame, lang: str, reg: Path, geo: Path, editor: auth.Editor | None, read_only: bool
) -> None:
    """The review queue per department, oldest first; for an editor, the change-set upload."""
    st.caption(i18n.t("review_help", lang))
    departments = sorted({d for d in review.queue(full)["department"] if d})
    chosen = st.selectbox(
        i18n.t("review_department", lang),
        ["", *departments],
        key="review_department",
        format_func=lambda d: d or i18n.t("all_departments", lang),
    )
    data = review.queue(full, department=chosen or None)
    st.markdown(f"**{i18n.t('review_count', lang, n=len(data), total=len(full))}**")
    shown = pd.DataFrame(
        {
            i18n.t("review_department", lang): [
                d or i18n.t("review_no_department", lang) for d in data["department"]
            ],
            "id": data["id"],
            i18n.t("name", lang): data[i18n.name_column(lang)],
            i18n.column("status", lang): [i18n.label("status", s, lang) for s in data["status"]],
            i18n.column("status_as_of", lang): data["status_as_of"],
            i18n.t("status_age_days", lang): data["age_days"],
            i18n.t("review_reasons", lang): [
                ", ".join(review.reason_text(r, lang) for r in why) for why in data["reasons"]
            ],
        }
    )
    st.dataframe(shown, hide_index=True, placeholder=MISSING, width="stretch", key="review_queue")
    if editor is None or read_only:
        st.caption(i18n.t("changeset_login", lang))
        return
    upload_changeset(lang, reg, geo, editor)


def upload_changeset(lang: str, reg: Path, geo: Path, editor: auth.Editor) -> None:
    st.markdown(f"**{i18n.t('changeset_title', lang)}**")
    st.caption(i18n.t("changeset_help", lang))
    with st.form(key="changeset_form"):
        upload = st.file_uploader(i18n.t("changeset_file", lang), type=CHANGESET_TYPES, key="changeset_file")
        reason = st.text_input(i18n.t("change_reason", lang), key="cs_reason")
        source = st.text_input(
            i18n.t("change_source", lang), key="cs_source", help=i18n.t("change_source_help", lang)
        )
        submitted = st.form_submit_button(i18n.t("preview", lang))
    if submitted and upload is not None:
        try:
            ss._pending = changes.read_changeset(
                upload.name, upload.getvalue(), author=editor.username, reason=reason, source=source
            )
            ss._pending_key = "upload"
        except ChangeError as exc:
            st.error(present.md_escape(i18n.t("change_refused", lang, n=len(exc.problems))))
            for problem in exc.problems:
                st.caption(present.md_escape(str(problem)))
            return
    try:
        state = target(reg, geo).state()
    except (PortfolioError, RegisterError):
        return
    show_pending(state, lang, reg, geo, editor, key="upload")
