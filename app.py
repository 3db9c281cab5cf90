"""Cần Thơ infrastructure portfolio: the Streamlit page.

A thin layer over :mod:`portfolio`: sidebar widgets ↔ :class:`portfolio.query.Filter` ↔ the URL's
query parameters; everything else (selection, measures, map, timeline, access, exports) is a call
into the library. Run with ``make run`` or ``streamlit run app.py``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from portfolio import (
    access,
    app_editing,
    assets,
    export,
    i18n,
    mapview,
    measure,
    present,
    register,
    reports,
    review,
    schema,
    timeline,
    upload,
)
from portfolio import address as page_address
from portfolio._errors import PortfolioError, QueryError, RegisterError, UploadError
from portfolio.app_state import PageState
from portfolio.query import Criterion, Filter, Widget, by_relevance, criterion
from portfolio.query import widgets as filter_widgets

#: What a table shows in a cell with no value (a point has no length): Streamlit would write "None".
MISSING = "—"
#: Query parameters of the app itself (the rest belong to the Filter).
APP_PARAMS = ("lang", "sel", "view", "links")
#: The views under the map (the first is the default).
VIEWS = ("table", "timeline", "investors", "export", "review", "charts")
#: Output CRSs offered in the export view (the formats that allow only one say so by their button),
#: with the radio's label and the tag the file name carries.
EXPORT_CRS = {export.WGS84: ("WGS 84 (EPSG:4326)", "wgs84"), export.VN2000: ("VN-2000 (EPSG:5897)", "vn2000")}
UPLOAD_TYPES = ["geojson", "json", "gpkg", "kml", "kmz", "zip"]
#: The map's height (px): with the thin strip above, it fits a 1366×768 laptop's first screen.
MAP_HEIGHT = 580
MAX_GANTT_ROWS = 300
ss = st.session_state

#: The page's layout (static, no register text): a thin strip above the map, the card floating over
#: the map's right side on a wide screen and folding under it on a phone (Streamlit stacks columns
#: below 640 px).
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 3.5rem 1.25rem 2rem 1.25rem; max-width: none; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.35rem; padding: 0; margin: 0; }
.st-key-strip { gap: 0; }
.st-key-strip h2 { font-size: 1.05rem; padding: 0; margin: 0; }
.st-key-strip [data-testid="stMetric"] { padding: 0; display: flex; gap: 0.4rem; align-items: baseline; }
.st-key-strip [data-testid="stMetricValue"] { font-size: 1.05rem; line-height: 1.3; font-weight: 600; }
.st-key-strip [data-testid="stMetricLabel"] { min-height: 0; }
.st-key-strip [data-testid="stHorizontalBlock"] { flex-wrap: wrap; gap: 0 1rem; }
.st-key-strip [data-testid="stColumn"] { flex: 0 1 auto; width: auto; min-width: 0; }
.st-key-strip [data-testid="stCaptionContainer"] p { margin: 0; }
.st-key-mapwrap { position: relative; }
/* captions and a disabled widget's label stay readable (WCAG AA contrast; axe's color-contrast) */
[data-testid="stCaptionContainer"] { color: #5f5e5c; opacity: 1; }
label[data-testid="stWidgetLabel"][disabled],
label[data-testid="stWidgetLabel"][disabled] p { color: #62615f; }
.st-key-cardbox {
  position: absolute; top: 0.5rem; right: 0.5rem; z-index: 1000; width: min(24rem, 42%);
  max-height: calc(MAP_HEIGHTpx - 1rem); overflow-y: auto; background: var(--background-color, #fff);
  border-radius: 0.5rem; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.2);
}
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding: 3.5rem 0.5rem 2rem 0.5rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.1rem; }
  .st-key-cardbox { position: static; width: auto; max-height: none; box-shadow: none; }
}
</style>""".replace("MAP_HEIGHT", str(MAP_HEIGHT))


def page() -> PageState:
    """The page's typed state (:class:`portfolio.app_state.PageState`), made on a session's first run."""
    state = ss.get("page")
    assert state is not None, "main() makes the page state before anything reads it"
    return state  # type: ignore[no-any-return]


def data_paths() -> tuple[Path, Path]:
    """Register and geodata paths, read at run time (``PORTFOLIO_REGISTER`` / ``PORTFOLIO_GEODATA``)."""
    reg = os.environ.get("PORTFOLIO_REGISTER") or register.DEFAULT_REGISTER
    geo = os.environ.get("PORTFOLIO_GEODATA") or register.DEFAULT_GEODATA
    return Path(reg), Path(geo)


def tiles_allowed() -> bool:
    """OpenStreetMap tiles may be offered (``PORTFOLIO_TILES`` is not ``none``/``off``/``0``)."""
    return os.environ.get("PORTFOLIO_TILES", "osm").lower() not in ("", "0", "none", "off")


def optional_layer(
    name: str, loader: Callable[[Path], gpd.GeoDataFrame], geodata: Path
) -> gpd.GeoDataFrame | None:
    """A background layer, or ``None`` when it cannot be read: the map is drawn without it and the
    reason is kept in :attr:`PageState.layer_errors` for the page to show (not swallowed)."""
    try:
        layer = loader(geodata)
    except (PortfolioError, OSError, ValueError, KeyError) as exc:
        page().layer_errors[name] = str(exc) or type(exc).__name__
        return None
    page().layer_errors.pop(name, None)
    return layer


def options_of(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[str]:
    values: set[str] = set()
    for column in columns:
        for cell in frame[column]:
            values.update(schema.split_list(cell))
    return sorted(values, key=str.casefold)


# ------------------------------------------------------------------------------------- URL state


def filter_from_url() -> tuple[Filter, list[QueryError]]:
    """The address's filter and the errors in it: the valid parameters are kept, the bad ones
    reported (:meth:`Filter.from_params_lenient`)."""
    params = {k: st.query_params.get_all(k) for k in st.query_params if k not in APP_PARAMS}
    flt, errors = Filter.from_params_lenient(params)
    return flt, list(errors)


def init_widgets(flt: Filter, years: tuple[int, int]) -> None:
    """Give the sidebar widgets the values of ``flt`` (first run of a session, or "clear")."""
    ss.update(filter_widgets.widget_values(flt, years))
    # "The city in year" from the address implies leaving undated projects out: turning it off
    # brings them back (the default), as it does after turning it on in the sidebar.
    ss._undated_before_year = True if flt.in_year is not None else None


def widget_params(years: tuple[int, int]) -> dict[str, str | list[str]]:
    """The sidebar's values as filter parameters (what :meth:`Filter.from_params` reads)."""
    return filter_widgets.widget_params(ss.to_dict(), years)


def filter_from_widgets(years: tuple[int, int]) -> tuple[Filter, list[QueryError]]:
    """The sidebar's filter and the problems in it: a bad value (a search with no word in it) is
    left out and reported, the other filters are kept (:meth:`Filter.from_params_lenient`)."""
    flt, errors = Filter.from_params_lenient(widget_params(years))
    return flt, list(errors)


def write_url(flt: Filter, lang: str, selected: str | None) -> None:
    params: dict[str, Any] = dict(flt.to_params())
    if lang != i18n.DEFAULT_LANG:
        params["lang"] = lang
    if selected:
        params["sel"] = selected
    if ss.get("view", VIEWS[0]) != VIEWS[0]:
        params["view"] = ss.view
    if page().draw_links:
        params["links"] = "1"
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(params)


# -------------------------------------------------------------------------------------- sidebar


def clear_url_error() -> None:
    """A filter chosen in the sidebar is written to the address: the address is valid again."""
    page().url_errors = []


def on_city_in_year() -> None:
    """Turning "the city in year Y" on unticks "include projects with no period" (a project no
    source dates is not under way by Y; the box can bring them back); turning it off gives the box
    back its value from before, unless the user has changed it meanwhile."""
    clear_url_error()
    toggle, undated = _widget("in_year").toggle, _widget("undated").key
    if ss[toggle]:
        ss._undated_before_year = ss[undated]
        ss[undated] = False
    else:
        before = ss.get("_undated_before_year")
        if before is not None:
            ss[undated] = before
        ss._undated_before_year = None


def on_undated() -> None:
    """The user chose the "no period" box: turning "the city in year" off keeps their choice."""
    clear_url_error()
    ss._undated_before_year = None


def _widget(name: str) -> Widget:
    widget = criterion(name).widget
    assert widget is not None
    return widget


#: Multiselects whose chips show labels in the page's language.
LABELLED_MULTISELECTS = tuple(
    c.widget.key for c in filter_widgets.sidebar_criteria() if c.widget and c.widget.kind == "vocabulary"
)


def on_language() -> None:
    """Re-set the labelled multiselects so the browser redraws their chips in the new language (it
    keeps a widget's chosen labels, not its values, while the widget's key stays the same)."""
    for key in LABELLED_MULTISELECTS:
        if key in ss:
            ss[key] = list(ss[key])


def reset_filters(years: tuple[int, int]) -> None:
    clear_url_error()
    init_widgets(Filter(), years)


def draw_widget(sb: Any, crit: Criterion, full: gpd.GeoDataFrame, lang: str, years: tuple[int, int]) -> None:
    """Draw the sidebar widget of ``crit``, by its kind (the values live in the session state under the
    widget's key: :mod:`portfolio.query.widgets` turns them into parameters)."""
    widget = crit.widget
    assert widget is not None
    lo, hi = years
    label = i18n.t(widget.label, lang)
    about = i18n.t(crit.about, lang) if crit.about else None
    kind, key = widget.kind, widget.key
    if kind in ("vocabulary", "names"):
        column, vocabulary = crit.columns[0], crit.params[0].vocabulary
        shown: Callable[[str], str] = str
        if vocabulary is not None:
            options, shown = list(vocabulary), functools.partial(i18n.label, column, lang=lang)
        else:  # the register's names, and any chosen from the address
            options = sorted(set(options_of(full, crit.columns)) | set(ss[key]))
        sb.multiselect(
            label,
            options,
            key=key,
            placeholder=i18n.t("choose", lang),
            format_func=shown,
            on_change=clear_url_error,
            select_all=False,
        )
    elif kind == "year_range":
        sb.slider(label, min_value=lo, max_value=hi, key=key, step=1, help=about, on_change=clear_url_error)
    elif kind == "undated":
        sb.checkbox(label, key=key, help=about, on_change=on_undated)
    elif kind == "in_year":
        sb.checkbox(
            i18n.t(widget.toggle_label, lang), key=widget.toggle, help=about, on_change=on_city_in_year
        )
        sb.slider(
            label,
            min_value=lo,
            max_value=hi,
            key=key,
            step=1,
            disabled=not ss[widget.toggle],
            on_change=clear_url_error,
        )
    elif kind == "text":
        sb.text_input(label, key=key, help=about, on_change=clear_url_error)
    elif kind == "approximate":
        sb.checkbox(label, key=key, help=about, on_change=clear_url_error)
    elif kind == "box":
        if ss.get(key):
            box = ", ".join(f"{v:g}" for v in ss[key])
            sb.caption(mapview.md_escape(i18n.t(widget.label, lang, bbox=box)))
    else:
        raise ValueError(f"criterion {crit.name}: no sidebar widget of kind {kind!r}")


def sidebar(full: gpd.GeoDataFrame, lang: str, years: tuple[int, int]) -> None:
    """The filter widgets, one per criterion that asks for one (:mod:`portfolio.query.criteria`), in
    its order, each drawn by its kind; then the page's own controls."""
    sb = st.sidebar
    sb.header(i18n.t("filters", lang))
    for crit in filter_widgets.sidebar_criteria():
        draw_widget(sb, crit, full, lang, years)
    if tiles_allowed():  # no OpenStreetMap toggle where tiles are switched off (issue 14)
        sb.checkbox(i18n.t("osm_tiles", lang), key="tiles")
    sb.button(i18n.t("reset", lang), on_click=reset_filters, args=(years,), key="reset")
    sb.caption(i18n.t("share_help", lang))


# --------------------------------------------------------------------------------- page sections


def read_user_layer() -> tuple[gpd.GeoDataFrame | None, PortfolioError | None]:
    """The uploaded layer (parsed once per file) or the error reading it."""
    uploaded = ss.get("upload")
    if uploaded is None:
        page().upload = None  # the same file uploaded again is framed again
        return None, None
    data = uploaded.getvalue()
    key = (uploaded.name, hashlib.sha256(data).hexdigest())
    cached = page().upload
    if cached and cached[0] == key:
        return cached[1], cached[2]
    layer: gpd.GeoDataFrame | None = None
    error: PortfolioError | None = None
    try:
        layer = upload.read_upload_for_view(uploaded.name, data)  # in a worker with limits; geometry only
    except PortfolioError as exc:
        error = exc
    state = page()
    state.upload = (key, layer, error)
    # A new layer is framed on the map (until a project is chosen in the table).
    state.zoom_to_layer = layer is not None and not layer.empty
    if state.zoom_to_layer:
        state.zoom_to_selected = False
    return layer, error


def layer_view(layer: gpd.GeoDataFrame | None) -> tuple[tuple[float, float] | None, int | None]:
    """``(center, zoom)`` framing the whole uploaded layer (:func:`mapview.view_of` of its extent)."""
    if layer is None or layer.empty or layer.geometry.isna().all():
        return None, None
    extent = gpd.GeoDataFrame({"id": ["layer"]}, geometry=[shapely.box(*layer.total_bounds)], crs=layer.crs)
    return mapview.view_of(extent, "layer")


def clear_selection() -> None:
    page().select(None, zoom=False)


def show_card(full: gpd.GeoDataFrame, selected: str | None, lang: str) -> None:
    """The chosen project's card (:func:`portfolio.present.card`): a short summary, the rest under
    "more"; it folds (an expander) so that a phone can read the map under it."""
    rows = full[full["id"] == selected] if selected else full.iloc[0:0]
    if rows.empty:
        return
    card = present.card(measure.with_measures(rows).iloc[0], full, lang)
    summary, more = present.card_markdown(card, lang)
    with st.expander(f"**{present.md_escape(card.title)}**", expanded=True, key="card"):
        st.button(i18n.t("clear_selection", lang), key="clear_selection", on_click=clear_selection)
        st.markdown(summary)
        with st.expander(i18n.t("card_more", lang), expanded=False, key="card_more"):
            st.markdown(more)


def show_strip(frame: gpd.GeoDataFrame, full: gpd.GeoDataFrame, summary: measure.Summary, lang: str) -> None:
    """The thin strip above the map: how many projects are shown, their km and ha, by status, and
    the button that copies the link to this view."""
    notes = [
        i18n.t("by_status", lang)
        + ": "
        + " · ".join(f"{i18n.label('status', s, lang)} {n}" for s, n in summary.by_status.items() if n)
    ]
    if summary.latest_status_as_of:
        notes.append(i18n.t("as_of", lang, date=i18n.date_text(summary.latest_status_as_of, lang)))
    if summary.undated:
        notes.append(i18n.t("undated_count", lang, n=summary.undated))
    if summary.not_totalled:
        notes.append(i18n.t("not_totalled", lang, n=len(summary.not_totalled)))
    with st.container(key="strip"):
        cells = st.columns([4, 2, 2, 3], vertical_alignment="center", gap="small")
        cells[0].markdown(f"## {i18n.t('counter', lang, n=len(frame), total=len(full))}")
        cells[1].metric(i18n.t("total_km", lang), i18n.number(summary.total_km, 1, lang))
        cells[2].metric(i18n.t("total_ha", lang), i18n.number(summary.total_ha, 0, lang))
        with cells[3]:
            copy_link_button(lang)
        st.caption(present.md_escape(" · ".join(notes)))


def copy_link_button(lang: str) -> None:
    """A real button that copies the page's address (which carries the filter, the selection and
    the view) to the clipboard and says so; the component's frame may write the clipboard."""
    texts = {k: i18n.t(k, lang) for k in ("copy_link", "copy_link_done", "copy_link_failed")}
    st.iframe(page_address.copy_link_html(texts), height=44)


def _labels(values: pd.Series, vocab: str, lang: str) -> pd.Series:
    """:func:`i18n.label` of every cell, looked up once per distinct value (10,000 rows: 6 values)."""
    return values.map({v: i18n.label(vocab, v, lang) for v in values.unique()})


def table_frame(frame: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    periods = timeline.period_text(frame)
    out = pd.DataFrame(
        {
            "id": frame["id"],
            i18n.t("name", lang): frame[i18n.name_column(lang)],
            i18n.column("sector", lang): _labels(frame["sector"], "sector", lang),
            i18n.column("status", lang): _labels(frame["status"], "status", lang),
            i18n.column("owner", lang): frame["owner"],
            i18n.column("funding_type", lang): _labels(frame["funding_type"], "funding_type", lang),
            i18n.t("period", lang): periods,
            i18n.t("period_latest", lang): timeline.latest_if_different(frame),
            i18n.column("geocode_precision", lang): frame["geocode_precision"].map(
                {v: f"{v} {i18n.label('precision', v, lang)}" for v in frame["geocode_precision"].unique()}
            ),
            i18n.column("length_km", lang): frame["length_km"].round(2),
            i18n.column("area_ha", lang): frame["area_ha"].round(1),
            i18n.column("communes", lang): frame["communes"],
            i18n.column("districts_before_2025", lang): frame["districts_before_2025"],
            i18n.t("status_age_days", lang): review.status_age(frame).to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def styled_table(shown: pd.DataFrame, lang: str) -> Any:
    """:func:`table_frame`'s numbers in the language's style."""
    return i18n.styled(shown, lang, {i18n.column("length_km", lang): 2, i18n.column("area_ha", lang): 1})


def on_table_select() -> None:
    state = ss.get("table")
    rows = state.selection.rows if state is not None else []
    ids = page().table_ids
    if rows and rows[0] < len(ids):
        page().select(ids[rows[0]], zoom=True)


def show_timeline(frame: gpd.GeoDataFrame, flt: Filter, lang: str) -> None:
    st.caption(i18n.t("timeline_help", lang))
    data = timeline.periods(frame, lang)
    if data.empty:
        st.info(i18n.t("timeline_empty", lang))
        return
    total = data["id"].nunique()
    if total > MAX_GANTT_ROWS:  # a chart of thousands of rows helps nobody and weighs megabytes
        data = data[data["order"] < MAX_GANTT_ROWS]
        st.caption(i18n.t("timeline_capped", lang, shown=MAX_GANTT_ROWS, total=total))
    st.altair_chart(timeline.gantt_chart(data, lang, flt.in_year), width="stretch", key="gantt")
    slip = timeline.slippage(frame, lang)
    if not slip.empty:
        st.markdown(f"**{i18n.t('slippage', lang)}**")
        shown = slip.rename(
            columns={
                "name": i18n.t("name", lang),
                "first_source": i18n.t("first_source", lang),
                "first": i18n.t("first_period", lang),
                "latest_source": i18n.t("latest_source", lang),
                "latest": i18n.t("latest_period", lang),
                "delay_years": i18n.t("slippage_years", lang),
            }
        )
        change, name = i18n.t("slippage_years", lang), i18n.t("name", lang)
        # The change first after the name, so it is on screen on a laptop; the id last.
        order = [name, change, *(c for c in shown.columns if c not in (name, change, "id")), "id"]
        st.dataframe(
            i18n.styled(shown[order], lang, {change: 0}, signed=[change]),
            hide_index=True,
            placeholder=MISSING,
            width="stretch",
            key="slippage",
            column_config={
                change: st.column_config.Column(help=i18n.t("slippage_years_help", lang), width="small"),
                name: st.column_config.Column(width="large"),
            },
        )


def show_investors(frame: gpd.GeoDataFrame, full: gpd.GeoDataFrame, lang: str) -> None:
    st.caption(i18n.t("investors_help", lang))
    if access.parks_of(frame).empty:
        st.info(i18n.t("investors_empty", lang))
        return
    table = access.access_table(frame, full, lang)
    shown = pd.DataFrame(
        {
            i18n.t("park", lang): table["name"],
            i18n.t("port_km", lang): table["port_km"],
            i18n.t("expressway_km", lang): table["expressway_km"],
            i18n.t("airport_km", lang): table["airport_km"],
            i18n.t("area_ha_short", lang): table["area_ha"],
            i18n.column("status", lang): [i18n.label("status", v, lang) for v in table["status"]],
            i18n.column("owner", lang): table["owner"],
            i18n.t("nearest_port", lang): table["port_name"],
            i18n.t("nearest_expressway", lang): table["expressway_name"],
            i18n.t("nearest_airport", lang): table["airport_name"],
            "id": table["id"],
        }
    )
    km = {i18n.t(k, lang): 2 for k in ("port_km", "expressway_km", "airport_km")}
    st.dataframe(
        i18n.styled(shown, lang, {**km, i18n.t("area_ha_short", lang): 1}),
        hide_index=True,
        placeholder=MISSING,
        width="stretch",
        key="investors",
    )
    st.checkbox(
        i18n.t("draw_links", lang),
        value=page().draw_links,
        key="draw_links",
        on_change=lambda: setattr(page(), "draw_links", bool(ss.draw_links)),
    )
    st.markdown(f"**{i18n.t('park_cards', lang)}**")
    for name, lines in present.park_cards(access.access_by_year(frame, full, lang), lang):
        with st.expander(present.md_escape(name), expanded=False):
            st.markdown("  \n".join(present.md_escape(line) for line in lines))
    st.markdown(f"**{i18n.t('access_changes', lang)}**")
    changes = access.access_changes(frame, full, lang)
    if changes.empty:
        st.caption(i18n.t("access_changes_empty", lang))
        return
    km_now, km_after = i18n.t("km_now", lang), i18n.t("km_after", lang)
    st.dataframe(
        i18n.styled(
            pd.DataFrame(
                {
                    i18n.t("park", lang): changes["park"],
                    i18n.t("kind", lang): [i18n.t(f"kind_{k}", lang) for k in changes["kind"]],
                    i18n.t("project", lang): changes["project"],
                    i18n.column("status", lang): [i18n.label("status", v, lang) for v in changes["status"]],
                    i18n.t("expected_year", lang): changes["expected_year"].astype("string").fillna(""),
                    km_now: changes["km_now"].astype(float),
                    km_after: changes["km_after"].astype(float),
                }
            ),
            lang,
            {km_now: 2, km_after: 2},
        ),
        hide_index=True,
        placeholder=MISSING,
        width="stretch",
        key="access_changes",
        column_config={km_now: st.column_config.Column(help=i18n.t("km_now_help", lang))},
    )


def show_user_layer(
    frame: gpd.GeoDataFrame, layer: gpd.GeoDataFrame | None, error: PortfolioError | None, lang: str
) -> None:
    st.file_uploader(
        i18n.t("upload_label", lang),
        type=UPLOAD_TYPES,
        key="upload",
        help=i18n.t("upload_help", lang),
        max_upload_size=upload.MAX_UPLOAD_BYTES // 1_000_000,
    )  # Streamlit's MB are 10^6 bytes
    if error is not None:
        problems = error.problems if isinstance(error, UploadError) else []
        messages = [i18n.upload_problem(p.rule, p.file, p.message, lang) for p in problems] or [
            (str(error), "")
        ]
        with st.container(key="upload_error"):
            st.error(
                i18n.t(
                    "upload_error",
                    lang,
                    message=mapview.md_escape("; ".join(message for message, _ in messages)),
                )
            )
            for _, detail in messages:
                if detail:
                    st.caption(mapview.md_escape(i18n.t("upload_detail", lang, message=detail)))
        return
    if layer is None:
        return
    hits = mapview.projects_intersecting(frame, layer)
    st.caption(i18n.plural("upload_features", len(layer), lang))
    for note in layer.attrs.get("upload_note_items", []) or []:
        st.caption(mapview.md_escape(i18n.upload_note(note.code, note.params, lang, note.text)))
    st.markdown(f"**{i18n.plural('upload_hits', len(hits), lang)}**")
    if not hits.empty:
        st.dataframe(
            styled_table(table_frame(measure.with_measures(hits), lang), lang),
            hide_index=True,
            placeholder=MISSING,
            width="stretch",
            key="upload_hits",
        )


def export_name(fmt: str, crs: str) -> str:
    """Download name of ``fmt`` written in ``crs``, e.g. ``cantho-projects-vn2000.gpkg``."""
    return f"cantho-projects-{EXPORT_CRS[crs][1]}{export.get(fmt).extension}"


def show_export(subset: gpd.GeoDataFrame, flt: Filter, lang: str) -> None:
    st.caption(i18n.t("export_help", lang, n=len(subset)))
    st.caption(mapview.md_escape(flt.describe(lang=lang)))
    choices = list(EXPORT_CRS)
    kept = page().export_crs
    chosen = choices.index(kept) if kept in choices else 0
    crs = st.radio(
        i18n.t("export_crs", lang),
        choices,
        index=chosen,
        format_func=lambda c: EXPORT_CRS[c][0],
        horizontal=True,
        key="export_crs",
        help=i18n.t("export_crs_help", lang),
        on_change=lambda: setattr(page(), "export_crs", ss.export_crs),
    )
    columns = st.columns(len(export.REGISTRY))
    for column, spec in zip(columns, export.REGISTRY, strict=True):  # the library's formats, in order
        fmt = spec.name
        # A format that cannot be written in the chosen CRS is written in its own; one that has a single
        # CRS says so by its button.
        out = crs if crs in spec.crs else export.output_crs(fmt)
        column.download_button(
            i18n.t("export_button", lang, fmt=spec.label[lang]),
            data=functools.partial(export.to_bytes, subset, fmt, crs=out, filter=flt),
            file_name=export_name(fmt, out),
            mime=spec.media_type,
            on_click="ignore",
            key=f"export_{fmt}",
        )
        if len(spec.crs) == 1:  # said whichever CRS is chosen
            note = f"export_only_{fmt}" if f"export_only_{fmt}" in i18n.MESSAGES else "export_only"
            column.caption(i18n.t(note, lang, crs=EXPORT_CRS[out][0]))
    for spec in export.REGISTRY:  # the files an export writes beside its own (the CSV's CSVW metadata)
        out = crs if crs in spec.crs else export.output_crs(spec.name)
        for companion in spec.companions:
            st.download_button(
                i18n.t("export_button", lang, fmt=companion.label[lang]),
                data=functools.partial(
                    export.companion_bytes,
                    subset,
                    spec.name,
                    companion.ending,
                    crs=out,
                    filter=flt,
                    name=export_name(spec.name, out),
                ),
                file_name=export_name(spec.name, out) + companion.ending,
                mime=companion.media_type,
                on_click="ignore",
                key=f"export_{spec.name}{companion.ending}",
            )


# ------------------------------------------------------------------ PDF sheet and report, charts (issue 15)


def register_version_of(full: gpd.GeoDataFrame, reg: Path, geo: Path) -> str:
    """The version of the register shown (its store's), printed on the PDFs and keying their cache."""
    if full.attrs.get("register_version"):
        return str(full.attrs["register_version"])
    database = os.environ.get("PORTFOLIO_DATABASE_URL")
    if database:
        from portfolio.stores import open_store

        return str(open_store(database, register=reg, geodata=geo).version())
    return app_editing.register_version(reg, geo)


@st.cache_data(max_entries=32, show_spinner=False)
def sheet_pdf(
    ident: str, lang: str, version: str, geo: str, _full: gpd.GeoDataFrame, _history: list[Any] | None
) -> bytes:
    """A project's sheet, made once per project, language and register version."""
    return reports.project_sheet(
        ident, lang, frame=_full, geodata=geo, register_version=version, history=_history
    )


@st.cache_data(max_entries=8, show_spinner=False)
def report_pdf(
    ids: tuple[str, ...],
    lang: str,
    version: str,
    geo: str,
    description: str,
    total: int,
    _subset: gpd.GeoDataFrame,
) -> bytes:
    """The report of a filtered set, made once per set of ids, filter, language and register version."""
    return reports.portfolio_report(
        _subset, description, lang, total=total, geodata=geo, register_version=version
    )


def _sheet_bytes(full: gpd.GeoDataFrame, ident: str, lang: str, reg: Path, geo: Path, audited: bool) -> bytes:
    version = register_version_of(full, reg, geo)
    history = reports.project_history(reg, geo, ident) if audited else None
    return sheet_pdf(ident, lang, version, str(geo), full, history)


def _report_bytes(
    subset: gpd.GeoDataFrame, flt: Filter, lang: str, total: int, reg: Path, geo: Path, full: gpd.GeoDataFrame
) -> bytes:
    version = register_version_of(full, reg, geo)
    return report_pdf(tuple(subset["id"]), lang, version, str(geo), flt.describe(lang), total, subset)


def show_sheet_button(
    full: gpd.GeoDataFrame, selected: str | None, lang: str, reg: Path, geo: Path, audited: bool
) -> None:
    """By the card: the selected project's one-page PDF, made only when the button is clicked."""
    if not selected:
        return
    st.download_button(
        i18n.t("sheet_button", lang),
        data=functools.partial(_sheet_bytes, full, selected, lang, reg, geo, audited),
        file_name=reports.sheet_name(selected, lang),
        mime="application/pdf",
        on_click="ignore",
        key="sheet_pdf",
    )


def show_report_button(
    subset: gpd.GeoDataFrame, flt: Filter, lang: str, full: gpd.GeoDataFrame, reg: Path, geo: Path
) -> None:
    """In the export view: the PDF report of exactly the filtered projects, made on click."""
    st.download_button(
        i18n.t("report_button", lang, n=len(subset)),
        data=functools.partial(_report_bytes, subset, flt, lang, len(full), reg, geo, full),
        file_name=reports.report_name(lang),
        mime="application/pdf",
        on_click="ignore",
        key="report_pdf",
    )


def show_charts(frame: gpd.GeoDataFrame, lang: str) -> None:
    """Charts of the filtered projects; their numbers are the table's (:func:`reports.chart_tables`)."""
    from portfolio.reports.charts import altair_charts

    st.caption(i18n.t("charts_help", lang))
    if frame.empty:
        st.info(i18n.t("no_results", lang))
        return
    for key, chart in altair_charts(reports.chart_tables(frame, lang), lang):
        st.altair_chart(chart, width="stretch", key=f"chart_{key}")


# ------------------------------------------------------------------------------------------ page


def note_run() -> None:
    """Append a line per script run to ``PORTFOLIO_RUN_LOG`` when set (the browser test checks that
    panning and zooming the map do not rerun the script)."""
    path = os.environ.get("PORTFOLIO_RUN_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{time.time():.3f}\n")


def main() -> None:
    st.set_page_config(page_title="Cần Thơ · danh mục dự án", layout="wide")
    st.html(PAGE_CSS)
    note_run()
    if "lang" not in ss:
        ss.lang = i18n.normalise_lang(st.query_params.get("lang"))
    st.sidebar.radio(
        i18n.t("language", ss.lang),
        list(i18n.LANGS),
        key="lang",
        horizontal=True,
        format_func=lambda v: {"vi": "Tiếng Việt", "en": "English"}[v],
        on_change=on_language,
    )
    lang = ss.lang
    st.title(i18n.t("app_title", lang))

    reg_path, geo_path = data_paths()
    editor = app_editing.login_box(lang)  # viewing needs no login; editing does (issue 10)
    as_of = app_editing.as_of_choice(lang)
    try:
        database = os.environ.get("PORTFOLIO_DATABASE_URL") or ""
        full = (
            app_editing.register_as_of(reg_path, geo_path, as_of)
            if as_of
            else register.load(reg_path, geo_path, database=database)
        )
    except RegisterError as exc:
        st.error(i18n.t("register_error", lang, n=len(exc.problems)))
        st.dataframe(
            pd.DataFrame([vars(p) for p in exc.problems]),
            hide_index=True,
            placeholder=MISSING,
            key="problems",
        )
        st.stop()
    lo, hi = timeline.year_bounds(full)
    years = (lo, max(hi, lo + 1))  # a slider needs two distinct ends

    if "page" not in ss:
        flt, url_errors = filter_from_url()
        # A year in the address outside the register's years widens the sliders rather than being
        # moved silently into their range.
        asked = [y for y in (flt.year_from, flt.year_to, flt.in_year) if y is not None]
        years = (min([years[0], *asked]), max([years[1], *asked]))
        ss.page = PageState(years=years)
        init_widgets(flt, years)
        ss.tiles = tiles_allowed()
        # The page's own parameters: a wrong value is dropped with the same warning as a filter's.
        page_errors = page_address.app_param_errors(
            {k: st.query_params.get_all(k) for k in APP_PARAMS},
            langs=i18n.LANGS,
            views=VIEWS,
            ids=set(full["id"]),
        )
        wrong = {str(e.params.get("field")) for e in page_errors}
        page().select((st.query_params.get("sel") or None) if "sel" not in wrong else None, zoom=True)
        ss.view = st.query_params.get("view") or VIEWS[0] if "view" not in wrong else VIEWS[0]
        page().url_errors = [*url_errors, *page_errors]
        page().draw_links = st.query_params.get("links") == "1" and "links" not in wrong
    state = page()
    years = state.years
    if not st.query_params:  # Streamlit ignores an address of over 1,000 parameters whole: say so
        texts = {code: i18n.t("address_dropped", code) for code in i18n.LANGS}
        components.html(page_address.dropped_address_script(texts, lang), height=0)
    if state.url_errors:
        message = "; ".join(i18n.query_error(e, lang) for e in state.url_errors)
        st.warning(i18n.t("query_error_ignored", lang, message=mapview.md_escape(message)))

    sidebar(full, lang, years)
    flt, widget_errors = filter_from_widgets(years)
    if widget_errors:
        message = "; ".join(i18n.query_error(e, lang) for e in widget_errors)
        st.warning(i18n.t("query_error", lang, message=mapview.md_escape(message)))
    selected_rows = flt.apply(full)  # register order, as exports keep it
    frame = measure.with_measures(selected_rows)
    frame = by_relevance(frame, flt.search)  # listed best hits first, as `portfolio list` does
    summary = measure.summary(frame)
    selected = state.selected if state.selected in set(full["id"]) else None
    write_url(flt, lang, selected)

    app_editing.applied_message()
    if as_of:
        version = full.attrs.get("register_version")
        st.info(i18n.t("as_of_shown", lang, date=as_of.isoformat(), version=version))
    show_strip(frame, full, summary, lang)

    missing = assets.missing()
    if missing:
        st.warning(i18n.t("assets_missing", lang, files=", ".join(missing)))

    layer, layer_error = read_user_layer()
    links, link_tips = (None, None)
    if state.draw_links and not access.parks_of(frame).empty:
        links, link_tips = access.access_links(frame, full, lang)

    # The map holds the whole register and stays the same message across filter changes (Streamlit
    # then sends a reference, not the megabytes); the filter goes beside it, in a zero-height frame
    # that tells the map which projects to show (issue 13).
    with st.container(key="mapwrap"):  # the card floats over the map's right side (PAGE_CSS)
        fmap = mapview.build_map(
            full,
            lang,
            boundary=optional_layer("boundary", register.load_boundary, geo_path),
            background=optional_layer("background", register.load_background, geo_path),
            tiles=bool(ss.tiles),
            upload=layer,
            links=links,
            link_tips=link_tips,
            payload=mapview.published_payload(
                mapview.map_version(full, reg_path, geo_path, database), lang, full
            ),
        )
        center, zoom = (
            mapview.view_of(frame, selected)
            if state.zoom_to_selected
            else layer_view(layer)
            if state.zoom_to_layer
            else layer_view(links)  # the parks and the facilities they link
            if links is not None
            else (None, None)
        )
        clicks = st_folium(
            fmap,
            key="map",
            height=MAP_HEIGHT,
            use_container_width=True,
            returned_objects=["last_object_clicked", "last_object_clicked_tooltip"],
            center=center,
            zoom=zoom,
            feature_group_to_add=mapview.selection_layer(frame, selected),
        )
        filter_key = urlencode(flt.to_params(), doseq=True)
        st.iframe(
            mapview.filter_script(mapview.filter_message(full, frame, filter_key, fit=center is None)),
            height="content",
        )
        clicks = clicks or {}
        click = (str(clicks.get("last_object_clicked")), clicks.get("last_object_clicked_tooltip"))
        if clicks and clicks.get("last_object_clicked") and click != state.last_click:
            state.last_click = click
            clicked = mapview.clicked_project(frame, clicks)
            if clicked:
                state.select(clicked, zoom=False)
                selected = clicked
                write_url(flt, lang, selected)
        if selected:
            with st.container(key="cardbox"):
                show_card(full, selected, lang)
                app_editing.card_extras(
                    full, selected, lang, reg_path, geo_path, editor, read_only=as_of is not None
                )
                show_sheet_button(
                    full, selected, lang, reg_path, geo_path, audited=not as_of and not database
                )
    st.caption(i18n.t("map_help", lang) + " " + i18n.t("app_caption", lang))
    for name, reason in state.layer_errors.items():
        st.warning(i18n.t("layer_error", lang, layer=name, message=present.md_escape(reason)))

    with st.expander(i18n.t("tab_layer", lang), expanded=layer is not None or layer_error is not None):
        show_user_layer(frame, layer, layer_error, lang)

    # Only the chosen view runs (st.tabs would compute all of them on every rerun).
    view = st.segmented_control(
        i18n.t("view", lang),
        VIEWS,
        key="view",
        required=True,
        format_func=lambda v: i18n.t(f"tab_{v}", lang),
        label_visibility="collapsed",
    )
    if view == "timeline":
        show_timeline(frame, flt, lang)
    elif view == "charts":
        show_charts(frame, lang)
    elif view == "investors":
        show_investors(frame, full, lang)
    elif view == "export":
        if "register_version" not in selected_rows.attrs:  # exports name the register version
            selected_rows.attrs["register_version"] = app_editing.register_version(reg_path, geo_path)
        show_export(selected_rows, flt, lang)
        show_report_button(selected_rows, flt, lang, full, reg_path, geo_path)
    elif view == "review":
        app_editing.show_review(full, lang, reg_path, geo_path, editor, read_only=as_of is not None)
    else:
        st.caption(i18n.t("table_help", lang))
        if frame.empty:
            st.info(i18n.t("no_results", lang))
        shown = table_frame(frame, lang)
        state.table_ids = list(shown["id"])
        st.dataframe(
            styled_table(shown, lang),
            hide_index=True,
            placeholder=MISSING,
            width="stretch",
            key="table",
            on_select=on_table_select,
            selection_mode="single-row",
        )


main()
