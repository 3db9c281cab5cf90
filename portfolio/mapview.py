"""The folium map of a subset of the register: styles by status, escaping, local assets, background.

Rules this module keeps (see NOTES-ecosystem):

- Only Leaflet is loaded, from the app's own static folder (:mod:`portfolio.assets`): features are
  ``GeoJson`` layers with ``GeoJsonTooltip`` and ``CircleMarker`` points, which need no jQuery.
- Register text never reaches the map unescaped: :func:`esc` (``html.escape`` and ``$`` →
  ``&#36;``) is applied in Python to every string put into feature properties.
- Geometries are simplified and rounded for display (:func:`display_geometry`), so the page stays
  small; exports use the full-precision frame, not this.
- With no tile server, the project's own generalised city boundary, rivers and main roads are the
  background; OpenStreetMap tiles (with their attribution) are an option.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import math
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.elements import ElementAddToElement
from folium.features import GeoJsonStyleMapper
from folium.template import Template as FoliumTemplate
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from portfolio import assets, i18n, schema
from portfolio._files import write_bytes_atomic
from portfolio._projects_js import PROJECTS_JS
from portfolio.constants import METRIC_CRS, WGS84_CRS

# The colours live in portfolio.palette (the reports use them without folium); re-exported here.
from portfolio.palette import BOUNDARY_COLOR as BOUNDARY_COLOR  # noqa: E402
from portfolio.palette import LINK_COLOR as LINK_COLOR  # noqa: E402
from portfolio.palette import RIVER_COLOR as RIVER_COLOR  # noqa: E402
from portfolio.palette import ROAD_COLOR as ROAD_COLOR  # noqa: E402
from portfolio.palette import SELECTED_COLOR as SELECTED_COLOR  # noqa: E402
from portfolio.palette import STATUS_COLORS as STATUS_COLORS  # noqa: E402
from portfolio.palette import UNKNOWN_COLOR as UNKNOWN_COLOR  # noqa: E402
from portfolio.palette import UPLOAD_COLOR as UPLOAD_COLOR  # noqa: E402
from portfolio.palette import status_color as status_color  # noqa: E402

# The card and text helpers moved to portfolio.present (issue 12); re-exported here while other
# branches of this session still call them through mapview. Import them from present.
from portfolio.present import card_rows as card_rows
from portfolio.present import history_text as history_text
from portfolio.present import md_escape as md_escape
from portfolio.present import precision_text as precision_text
from portfolio.present import relatives as relatives
from portfolio.present import source_rows as source_rows

#: Simplification tolerance for display, in degrees (about 20 m); coordinates rounded to 5 decimals.
DISPLAY_TOLERANCE = 0.0002
DISPLAY_DECIMALS = 5
#: Past this many vertices (thousands of detailed projects), draw coarser: about 55 m, 4 decimals.
COARSE_FROM = 200_000
COARSE_TOLERANCE = 0.0005
COARSE_DECIMALS = 4

#: Leaflet CSS class names given to each layer's paths (tests count ``.pf-project``); a project's
#: path also carries ``pf-id-<id>`` when its id is a register slug.
PROJECT_CLASS = "pf-project"
#: Dash pattern of approximate locations (precision >= schema.APPROXIMATE_FROM).
APPROXIMATE_STYLE_DASH = "8 6"

_ID_IN_TOOLTIP = re.compile(r"\[id:\s*([a-z0-9_-]+)\]")


def esc(value: object) -> str:
    """Escape register text for HTML and JavaScript template literals.

    ``html.escape`` (quotes included) and ``$`` → ``&#36;``, so neither markup nor ``${…}`` in a
    name can run in the map's iframe. ``None`` becomes ``""``.
    """
    if value is None:
        return ""
    try:
        if value != value:  # NaN / pandas NA compare unequal or raise
            return ""
    except (TypeError, ValueError):
        return ""
    return html.escape(str(value), quote=True).replace("$", "&#36;").replace("`", "&#96;")


def is_approximate(precision: object) -> bool:
    """True when a ``geocode_precision`` code means the location is approximate."""
    try:
        return int(str(precision)) >= schema.APPROXIMATE_FROM
    except ValueError:
        return True


def _round_coords(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), DISPLAY_DECIMALS)
    return [_round_coords(c) for c in coords]


def display_geometry(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """GeoJSON geometry simplified (topology preserved) and rounded, for drawing only."""
    if geom is None or geom.is_empty:
        return None
    simple = shapely.simplify(geom, DISPLAY_TOLERANCE, preserve_topology=True)
    if simple.is_empty:
        simple = geom
    gj = dict(mapping(simple))
    gj["coordinates"] = _round_coords(gj["coordinates"])
    return gj


def id_from_tooltip(text: str | None) -> str | None:
    """The project id in a clicked feature's tooltip text (``[id: …]``), else ``None``."""
    if not text:
        return None
    match = _ID_IN_TOOLTIP.search(text)
    return match.group(1) if match else None


def display_tolerance(vertices: int) -> tuple[float, int]:
    """Simplification tolerance (degrees) and decimals for drawing ``vertices`` vertices: fine for a
    register of a few hundred projects, coarser (about 55 m and 11 m, a fraction of a pixel at the
    city-wide zoom) past :data:`COARSE_FROM` vertices so the page stays a few MB."""
    if vertices > COARSE_FROM:
        return COARSE_TOLERANCE, COARSE_DECIMALS
    return DISPLAY_TOLERANCE, DISPLAY_DECIMALS


#: Quantised coordinates are counted from this corner (lon, lat), west-south of the city.
ORIGIN = (105.0, 9.0)
#: Families, as the browser code reads them (``P.fam``).
FAMILIES = ("point", "line", "polygon")
#: Past this many projects the layer is drawn on a canvas (one element) instead of SVG paths.
CANVAS_FROM = 3_000
#: From this zoom on, approximate points show their halo; below it they are small dashed markers.
HALO_ZOOM = 13
#: Radius (m) of the approximate area drawn on hover or selection, by precision code.
HALO_METRES: dict[int, int] = {3: 2_000, 4: 1_500, 5: 4_000, 6: 6_000}


def _delta(coords: np.ndarray, scale: float) -> list[int]:
    """``[x0, y0, dx1, dy1, …]``: coordinates quantised to ``1/scale`` degree from :data:`ORIGIN`,
    the first absolute, the others as differences from the one before."""
    ints = np.round((coords[:, :2] - ORIGIN) * scale).astype(np.int64)
    deltas = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return [int(v) for v in deltas.ravel()]


def _encode(geom: BaseGeometry, family: str, scale: float) -> list[Any]:
    """A display geometry in the compact form the browser decodes: for points the points' deltas;
    for lines one delta list per part; for polygons one list of rings per polygon."""
    parts = [p for p in shapely.get_parts(geom) if not p.is_empty]
    if family == "point":
        points = [p for p in parts if p.geom_type == "Point"]
        return _delta(shapely.get_coordinates(points), scale) if points else []
    if family == "line":
        return [_delta(shapely.get_coordinates(p), scale) for p in parts if p.geom_type == "LineString"]
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    return [
        [_delta(shapely.get_coordinates(ring), scale) for ring in (p.exterior, *p.interiors)]
        for p in polygons
    ]


def project_payload(frame: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    """What the browser needs to draw ``frame`` (EPSG:4326), in the frame's row order (index ``i`` of
    every list is row ``i``): ids, names in ``lang``, status and precision codes, family, parent
    (a row index, ``-1`` for none) and the display geometry (simplified with topology preserved,
    quantised and delta-encoded, :func:`_encode`), plus ``order``: the rows in drawing order — zones
    (largest first), then lines, then sites, so a port inside a logistics zone stays clickable.

    Plain values only: text is escaped where it is shown (``textContent`` in the browser), and the
    JSON is HTML-safe where it is embedded (:class:`ProjectLayer`)."""
    n = len(frame)
    geoms = frame.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    tolerance, decimals = display_tolerance(int(shapely.get_num_coordinates(geoms[present]).sum()))
    scale = 10.0**decimals
    simple = geoms.copy()
    simple[present] = shapely.simplify(geoms[present], tolerance, preserve_topology=True)
    lost = present & shapely.is_empty(simple)
    simple[lost] = geoms[lost]
    type_ids = np.where(present, shapely.get_type_id(np.where(present, geoms, shapely.Point(0, 0))), -1)
    family = np.select([np.isin(type_ids, (0, 4)), np.isin(type_ids, (1, 2, 5))], [0, 1], 2)
    family[type_ids == 7] = 2  # a collection is drawn by its polygons
    ids = [str(v) for v in frame["id"]]
    position = {ident: i for i, ident in enumerate(ids)}
    parents = frame["parent_id"] if "parent_id" in frame else pd.Series([""] * n, index=frame.index)
    status_index = {s: k for k, s in enumerate(schema.STATUSES)}
    precision = pd.to_numeric(frame["geocode_precision"], errors="coerce").fillna(0).astype(int)
    areas = np.where(present, shapely.area(np.where(present, geoms, shapely.Point(0, 0))), 0.0)
    rank = np.where(family == 2, 0, np.where(family == 1, 1, 2))
    order = [int(i) for i in np.lexsort((-areas, rank)) if present[i]]
    return {
        "n": n,
        "scale": scale,
        "origin": list(ORIGIN),
        "ids": ids,
        "names": ["" if _missing(v) else str(v) for v in frame[i18n.name_column(lang)]],
        "st": [status_index.get(str(s), -1) for s in frame["status"]],
        "pr": [int(p) for p in precision],
        "ap": [int(is_approximate(p)) for p in frame["geocode_precision"]],
        "fam": [int(f) for f in family],
        "par": [position.get(str(p), -1) if not _missing(p) else -1 for p in parents],
        "g": [
            _encode(g, FAMILIES[f], scale) if ok else []
            for g, f, ok in zip(simple, family, present, strict=True)
        ],
        "order": order,
    }


def _missing(value: object) -> bool:
    try:
        return value is None or bool(value != value) or value == ""
    except (TypeError, ValueError):
        return False


def project_style(properties: dict[str, Any]) -> dict[str, Any]:
    """Leaflet path style of a project feature: colour by status, dashed/haloed when approximate.

    ``small`` is the style of an approximate point below :data:`HALO_ZOOM`: a small dashed marker,
    so a city-wide view is not a cloud of overlapping halos."""
    color = status_color(properties.get("status", ""))
    approx = bool(properties.get("approx"))
    family = properties.get("family")
    style: dict[str, Any] = {"color": color, "className": PROJECT_CLASS}
    if family == "line":
        style.update(weight=5, opacity=0.9)
    elif family == "polygon":
        style.update(weight=2, fill=True, fillColor=color, fillOpacity=0.15 if approx else 0.35, opacity=0.9)
    elif approx and properties.get("small"):
        style.update(radius=4, weight=1.5, fill=True, fillColor=color, fillOpacity=0.6, opacity=0.9)
    else:
        style.update(
            radius=11 if approx else 6,
            weight=2,
            fill=True,
            fillColor=color,
            fillOpacity=0.25 if approx else 0.85,
            opacity=0.9,
        )
    if approx:
        style["dashArray"] = "3 2" if properties.get("small") else APPROXIMATE_STYLE_DASH
    return style


def _highlight(properties: dict[str, Any]) -> dict[str, Any]:
    return {"weight": 7 if properties.get("family") == "line" else 4, "opacity": 1.0}


def _style_table() -> dict[str, dict[str, Any]]:
    """:func:`project_style` of every family × approximate, without the status colour (the browser's
    style function adds it), keyed ``"family|0"`` / ``"family|1"`` (and ``"point|1|small"``)."""
    table = {}
    for family in FAMILIES:
        for approx in (False, True):
            style = project_style({"status": "", "approx": approx, "family": family})
            table[f"{family}|{int(approx)}"] = style
    table["point|1|small"] = project_style({"status": "", "approx": True, "family": "point", "small": True})
    return table


class _Code(Element):
    """Already rendered JavaScript added to the figure as is: its template is compiled once, so the
    code (megabytes of data at 10,000 projects) is never parsed as a Jinja template."""

    _template = Template("{{ this.code }}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class _PrecompiledGeoJson(folium.GeoJson):
    """folium's ``GeoJson`` whose rendered script is added to the figure as is (:class:`_Code`).

    ``MacroElement.render`` wraps the rendered script in ``Element(script)``, which compiles it as a
    new Jinja template: slow for megabytes of data, and any ``{{ … }}`` or ``{% … %}`` in a feature's
    text (a project name) would be evaluated by Jinja in this process. Rendering is otherwise
    folium's (style maps, the ``addTo`` child, the children such as the tooltip).
    """

    def render(self, **kwargs: Any) -> str:
        if (self.style or self.highlight) and self.data["features"]:
            mapper = GeoJsonStyleMapper(self.data, self.feature_identifier, self)
            if self.style:
                self.style_map = mapper.get_style_map(self.style_function)
            if self.highlight:
                self.highlight_map = mapper.get_highlight_map(self.highlight_function)
        if self.show and self._parent is not None:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=self._parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Code(str(script(self, kwargs))), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)
        return ""


class _PrecompiledMacro(MacroElement):
    """A ``MacroElement`` whose rendered script is added to the figure as is (see
    :class:`_PrecompiledGeoJson`): its data is never compiled as a Jinja template."""

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Code(str(script(self, kwargs))), name=self.get_name())
        return ""


class ProjectLayer(_PrecompiledMacro):
    """Every project of the register, drawn once per register and language, shown or hidden in the
    browser without redrawing the map (:func:`filter_script`).

    The data is :func:`project_payload` (compact: codes, not labels; quantised, delta-encoded
    coordinates) serialised once with ``tojson``'s HTML-safe encoding (``<``, ``>``, ``&`` and ``'``
    become ``\\u00XX``); labels, colours and :func:`project_style`'s table are sent once beside it.
    The tooltip is built in the browser with ``textContent`` (register text is never parsed as HTML)
    and ends with ``[id: …]``, which streamlit-folium returns on click. Zones, lines and sites are
    drawn in their own panes, in that order; past :data:`CANVAS_FROM` projects on a canvas.
    The map container carries ``data-drawn`` (projects shown) and ``data-filter`` (the filter they
    reflect) after each draw, so any benchmark or test can tell when the map holds a new set.
    """

    _template = FoliumTemplate(
        """
        {% macro script(this, kwargs) %}
        (function(map, P, S, url) {
        {{ this.code }}
        })({{ this._parent.get_name() }}, {{ this.payload }}, {{ this.settings|tojson }},
           {{ this.url|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, payload_json: str, settings: dict[str, Any], bounds: list[list[float]] | None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ProjectLayer"
        # A published payload (publish_payload) is fetched by the browser: the map's message stays small.
        self.url = payload_json[len(_URL_PREFIX) :] if payload_json.startswith(_URL_PREFIX) else None
        self.payload = "null" if self.url else payload_json
        self.settings = settings
        self.code = PROJECTS_JS
        self._bounds = bounds

    def _get_self_bounds(self) -> list[list[float | None]]:
        if self._bounds is None:
            return [[None, None], [None, None]]
        return [[self._bounds[0][0], self._bounds[0][1]], [self._bounds[1][0], self._bounds[1][1]]]


def payload_json(frame: gpd.GeoDataFrame, lang: str) -> str:
    """:func:`project_payload` as HTML-safe JSON (``<``, ``>``, ``&``, ``'`` escaped), to embed; UTF-8
    text stays as it is (a Vietnamese letter is 2–3 bytes, not a 6-byte escape)."""
    text = htmlsafe_json_dumps(
        project_payload(frame, lang), dumps=json.dumps, separators=(",", ":"), ensure_ascii=False
    )
    return str(text)


#: Where published map data lives (served by Streamlit's static serving at ``assets.STATIC_URL``).
MAP_DATA_DIR = assets.STATIC_DIR / "mapdata"
#: How many published files are kept (older register versions are removed).
MAP_DATA_KEEP = 16
#: A ``payload`` argument of :func:`build_map` that starts with this is a published file's URL.
_URL_PREFIX = "url:"


def publish_payload(payload: str, folder: Path = MAP_DATA_DIR) -> str:
    """Write ``payload`` (:func:`payload_json`) gzipped to ``folder/<sha256>.gz`` (atomically, once)
    and return what :func:`build_map` takes as ``payload`` to have the browser fetch it, so the map's
    Streamlit message (serialised and hashed on every rerun) carries a URL instead of megabytes.

    Where the folder cannot be written (a read-only install), ``payload`` itself is returned: the
    data is then embedded in the map as before. The :data:`MAP_DATA_KEEP` newest files are kept."""
    data = payload.encode("utf-8")
    name = hashlib.sha256(data).hexdigest()[:32] + ".gz"
    target = folder / name
    try:
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(target, gzip.compress(data, compresslevel=6, mtime=0))
            published = sorted(folder.glob("*.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in published[MAP_DATA_KEEP:]:
                old.unlink(missing_ok=True)
    except OSError:
        return payload
    return f"{_URL_PREFIX}{assets.STATIC_URL}/mapdata/{name}"


#: :func:`published_payload`'s memo: (register version, language) → what :func:`build_map` takes.
_PUBLISHED: dict[tuple[str, str], str] = {}
_PUBLISHED_KEEP = 4
_PUBLISHING = threading.Lock()


def map_version(full: gpd.GeoDataFrame, register: Path, geodata: Path, database: str = "") -> str:
    """The register's version as its store states it (files: paths, sizes, modification times;
    the database: its change counter), to key the map's data: cheap, unlike a content hash."""
    if full.attrs.get("register_version"):
        return str(full.attrs["register_version"])
    from portfolio.stores import open_store

    return f"{open_store(database or None, register=register, geodata=geodata).version()}|{len(full)}"


def published_payload(version: str, lang: str, full: gpd.GeoDataFrame) -> str:
    """:func:`payload_json` of the whole register, published (:func:`publish_payload`) once per
    register ``version`` and language in this process: every session of the app and the start-up
    warm-up (:func:`portfolio.serve.warm`) share it, and a session that asks while it is being built
    waits for that build instead of making its own."""
    key = (version, lang)
    with _PUBLISHING:
        if key not in _PUBLISHED:
            while len(_PUBLISHED) >= _PUBLISHED_KEEP:
                _PUBLISHED.pop(next(iter(_PUBLISHED)))
            _PUBLISHED[key] = publish_payload(payload_json(full, lang), MAP_DATA_DIR)
        return _PUBLISHED[key]


def layer_settings(lang: str, n: int) -> dict[str, Any]:
    """What the browser code needs beside the data: styles, colours, labels in ``lang``, thresholds."""
    return {
        "styles": _style_table(),
        "highlight": {"line": _highlight({"family": "line"}), "other": _highlight({})},
        "colors": [status_color(s) for s in schema.STATUSES],
        "unknown": UNKNOWN_COLOR,
        "statusLabels": [i18n.label("status", s, lang) for s in schema.STATUSES],
        "precisionLabels": {str(code): i18n.label("precision", code, lang) for code in schema.PRECISION},
        "haloMetres": {str(k): v for k, v in HALO_METRES.items()},
        "haloZoom": HALO_ZOOM,
        "canvas": n >= CANVAS_FROM,
        "families": list(FAMILIES),
        "hideProgrammes": i18n.t("hide_programmes", lang),
        "hasProgrammes": False,
        "selectedColor": SELECTED_COLOR,
    }


def filter_message(full: gpd.GeoDataFrame, shown: gpd.GeoDataFrame, key: str, *, fit: bool) -> dict[str, Any]:
    """What the map needs to show ``shown`` (rows of ``full``): a bit per row of ``full`` (base64,
    most significant bit first), the filter ``key`` it reflects (written to ``data-filter``) and
    whether to frame the shown projects."""
    if full.index.is_unique and shown.index.isin(full.index).all():  # rows of full: hashed index labels
        mask = full.index.isin(shown.index)
    else:
        mask = np.isin(full["id"].to_numpy(dtype=object), shown["id"].to_numpy(dtype=object))
    return {
        "mask": base64.b64encode(np.packbits(mask).tobytes()).decode("ascii"),
        "n": int(mask.sum()),
        "key": key,
        "fit": bool(fit),
    }


def filter_script(message: dict[str, Any]) -> str:
    """A ``<script>`` for a zero-height ``components.html`` frame beside the map: it hands ``message``
    (:func:`filter_message`) to the map's frame (``pfFilter``), and leaves it on the page for a map
    that mounts later. A filter change sends this (bytes), not the map (megabytes)."""
    data = htmlsafe_json_dumps(message, dumps=json.dumps, separators=(",", ":"))
    return (
        "<script>(function(){var msg=" + str(data) + ";var top=window.parent;top.__pfFilter=msg;var tries=0;"
        "function push(){var done=false;"
        "top.document.querySelectorAll('iframe[title=\"streamlit_folium.st_folium\"]').forEach(function(f){"
        "try{var w=f.contentWindow;if(w&&typeof w.pfFilter==='function'){w.pfFilter(msg);done=true;}}"
        "catch(e){}});"
        "if(!done&&tries++<600){setTimeout(push,50);}}push();})();</script>"
    )


class Legend(MacroElement):
    """A Leaflet control with pre-escaped HTML (no jQuery, no Bootstrap)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomright"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "pf-legend");
            div.innerHTML = {{ this.html|tojson }};  // pre-escaped in Python (legend_html)
            var box = div.querySelector("details");
            if (box && {{ this._parent.get_name() }}.getSize().x < 500) { box.open = false; }
            L.DomEvent.disableClickPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.html = html_text


_SWATCH = "display:inline-block;width:16px;margin-right:6px;vertical-align:middle;"


def legend_html(
    lang: str, statuses: Iterable[str] | None = None, extra: Iterable[tuple[str, str]] = ()
) -> str:
    """Legend markup, a ``<details>`` that folds (folded at first on a narrow map): one swatch per
    status, then every other symbol the map draws — the approximate (dashed) outline and its halo,
    the selection, the city boundary, rivers and roads, and the ``extra`` layers (the user's layer,
    access links)."""
    box = (
        "background:rgba(255,255,255,.92);padding:4px 8px;border-radius:4px;"
        "font:12px/1.5 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:220px"
    )
    rows = [
        f'<details class="pf-legend-box" open style="{box}">'
        f'<summary style="cursor:pointer;font-weight:bold">{esc(i18n.t("legend_title", lang))}</summary>'
    ]
    for status in statuses if statuses is not None else schema.STATUSES:
        rows.append(
            f'<div><span style="{_SWATCH}height:10px;border-radius:5px;background:{status_color(status)}">'
            f"</span>{esc(i18n.label('status', status, lang))}</div>"
        )
    symbols = [
        (f"height:0;border-top:3px dashed {UNKNOWN_COLOR}", "legend_approximate"),
        (f"height:12px;width:12px;border-radius:7px;border:1.5px dashed {UNKNOWN_COLOR}", "legend_halo"),
        (f"height:0;border-top:6px solid {SELECTED_COLOR}", "legend_selected"),
        (f"height:0;border-top:2px solid {BOUNDARY_COLOR}", "legend_boundary"),
        (f"height:0;border-top:3px solid {RIVER_COLOR}", "legend_river"),
        (f"height:0;border-top:2px solid {ROAD_COLOR}", "legend_road"),
    ]
    symbols += [(f"height:0;border-top:3px solid {color}", key) for key, color in extra]
    for css, key in symbols:
        rows.append(f'<div><span style="{_SWATCH}{css}"></span>{esc(i18n.t(key, lang))}</div>')
    rows.append("</details>")
    return "".join(rows)


def _bounds(frame: gpd.GeoDataFrame) -> list[list[float]] | None:
    if frame is None or frame.empty:
        return None
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in frame.total_bounds)
    if any(math.isnan(v) for v in (lon_min, lat_min, lon_max, lat_max)):
        return None
    return [[lat_min, lon_min], [lat_max, lon_max]]


#: OpenStreetMap's tile server and the attribution its tile policy requires.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
#: The one tile requested first to learn whether the tile server is reachable (zoom 9, over the city).
OSM_PROBE = {"z": 9, "x": 406, "y": 241}
#: Tooltips wrap and stay narrower than half the map, so Leaflet's "auto" direction (right of the
#: pointer in the map's left half, left of it in the right half) keeps them inside the frame.
TOOLTIP_CSS = (
    ".leaflet-tooltip{white-space:normal;width:max-content;max-width:min(320px,42vw);overflow-wrap:anywhere}"
)
#: And if one would still cross the map's edge (a tall tooltip near the top or bottom, a narrow map),
#: it is moved back inside (Leaflet 1.9's ``Tooltip._setPosition``, wrapped once per page).
TOOLTIP_CLAMP_JS = """
(function() {
    var proto = L.Tooltip.prototype;
    if (proto._pfClamped || typeof proto._setPosition !== "function") { return; }
    proto._pfClamped = true;
    var place = proto._setPosition;
    proto._setPosition = function(pos) {
        place.call(this, pos);
        var map = this._map, el = this._container;
        if (!map || !el) { return; }
        var at = map.layerPointToContainerPoint(L.DomUtil.getPosition(el));
        var size = map.getSize(), margin = 4;
        var x = Math.max(margin, Math.min(at.x, size.x - margin - el.offsetWidth));
        var y = Math.max(margin, Math.min(at.y, size.y - margin - el.offsetHeight));
        if (x !== at.x || y !== at.y) {
            L.DomUtil.setPosition(el, map.containerPointToLayerPoint([x, y]));
        }
    };
})();
"""


class OsmTiles(MacroElement):
    """OpenStreetMap tiles, added only once a first tile has loaded.

    Offline, Leaflet would request (and fail) every tile of every view: dozens of errors per load.
    Here one probe tile is requested first; if it fails, no tile layer is added and a small note says
    the bundled background is shown. If tiles start failing later, the layer is removed at the first
    error (no further requests) and the same note appears."""

    _template = FoliumTemplate(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var layer = L.tileLayer({{ this.url|tojson }}, {{ this.options|tojson }});
            var noted = false;
            function offline() {
                if (map.hasLayer(layer)) { map.removeLayer(layer); }
                if (noted) { return; }
                noted = true;
                var note = L.control({position: "topright"});  // the legend holds the bottom right
                note.onAdd = function() {
                    var div = L.DomUtil.create("div", "pf-tiles-offline");
                    div.textContent = {{ this.offline_text|tojson }};
                    div.style.cssText = "background:rgba(255,255,255,.85);padding:2px 6px;"
                        + "font:12px sans-serif;max-width:260px;white-space:normal";
                    return div;
                };
                note.addTo(map);
            }
            layer.on("tileerror", offline);
            var probe = new Image();
            probe.onload = function() { if (!noted) { layer.addTo(map); layer.bringToBack(); } };
            probe.onerror = offline;
            probe.src = L.Util.template({{ this.url|tojson }}, {{ this.probe|tojson }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, offline_text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "OsmTiles"
        self.url = OSM_TILES
        self.options = {"attribution": OSM_ATTRIBUTION, "maxZoom": 19}
        self.probe = {**OSM_PROBE, "s": "a", "r": ""}
        self.offline_text = offline_text


class TooltipClamp(MacroElement):
    """Adds :data:`TOOLTIP_CLAMP_JS` to the map's script (a child, so streamlit-folium sends it)."""

    _template = FoliumTemplate("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "TooltipClamp"
        self.code = TOOLTIP_CLAMP_JS


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's ``control_scale`` adds miles)."""

    _template = FoliumTemplate(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "MetricScale"


def new_map(tiles: bool, lang: str = i18n.DEFAULT_LANG) -> folium.Map:
    """An empty map loading Leaflet from the app's static folder; OSM tiles only if asked (and only
    once a probe tile loads: see :class:`OsmTiles`)."""
    m = folium.Map(
        location=[9.95, 105.75], zoom_start=9, tiles=None, control_scale=False, prefer_canvas=False
    )
    # Instance attributes shadow folium's CDN lists (class attributes): only local Leaflet.
    m.default_js = assets.js_links()
    m.default_css = assets.css_links()
    if tiles:
        OsmTiles(i18n.t("tiles_offline", lang)).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(
        Element(
            "<style>.leaflet-container{background:#f3f1ea}.pf-legend{margin-bottom:18px}"
            + TOOLTIP_CSS
            + "</style>"
        )
    )
    TooltipClamp().add_to(m)
    MetricScale().add_to(m)
    return m


def _add_background(
    m: folium.Map, boundary: gpd.GeoDataFrame | None, background: gpd.GeoDataFrame | None
) -> None:
    if background is not None and not background.empty:
        feats = []
        for _, row in background.iterrows():
            geometry = display_geometry(row.geometry)
            if geometry is not None:
                feats.append(
                    {
                        "type": "Feature",
                        "properties": {"kind": str(row.get("kind", ""))},
                        "geometry": geometry,
                    }
                )
        if feats:
            _PrecompiledGeoJson(
                {"type": "FeatureCollection", "features": feats},
                name="background",
                style_function=lambda f: {
                    "color": RIVER_COLOR if f["properties"]["kind"] == "river" else ROAD_COLOR,
                    "weight": 3 if f["properties"]["kind"] == "river" else 2,
                    "opacity": 0.9,
                    "interactive": False,
                    "className": "pf-background",
                },
                interactive=False,
            ).add_to(m)
    if boundary is not None and not boundary.empty:
        feats = [
            {"type": "Feature", "properties": {}, "geometry": g}
            for g in (display_geometry(geom) for geom in boundary.geometry)
            if g is not None
        ]
        _PrecompiledGeoJson(
            {"type": "FeatureCollection", "features": feats},
            name="boundary",
            style_function=lambda f: {
                "color": BOUNDARY_COLOR,
                "weight": 2,
                "fill": False,
                "interactive": False,
                "className": "pf-boundary",
            },
            interactive=False,
        ).add_to(m)


def overlay_layer(
    frame: gpd.GeoDataFrame, *, color: str, class_name: str, tips: list[str] | None = None
) -> folium.GeoJson | None:
    """A GeoJson layer of extra shapes (a user's layer, access links); ``tips`` are escaped here."""
    feats = []
    for i, geom in enumerate(frame.geometry):
        geometry = display_geometry(geom)
        if geometry is None:
            continue
        props = {"k": i, "tip": esc(tips[i]) if tips else ""}
        feats.append({"type": "Feature", "properties": props, "geometry": geometry})
    if not feats:
        return None
    style = {
        "color": color,
        "weight": 3,
        "fill": True,
        "fillColor": color,
        "fillOpacity": 0.15,
        "opacity": 0.9,
        "className": class_name,
    }
    if class_name == "pf-link":
        style["dashArray"] = "2 6"
    layer = _PrecompiledGeoJson(
        {"type": "FeatureCollection", "features": feats},
        style_function=lambda f: style,
        marker=folium.CircleMarker(radius=5),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False) if tips else None,
        interactive=bool(tips),
    )
    return layer


def build_map(
    frame: gpd.GeoDataFrame,
    lang: str = i18n.DEFAULT_LANG,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    background: gpd.GeoDataFrame | None = None,
    tiles: bool = False,
    upload: gpd.GeoDataFrame | None = None,
    links: gpd.GeoDataFrame | None = None,
    link_tips: list[str] | None = None,
    payload: str | None = None,
) -> folium.Map:
    """The map of ``frame`` (EPSG:4326) over the city's boundary and background.

    The projects are drawn once; which of them are shown is a browser-side matter
    (:func:`filter_message`, :func:`filter_script`): the app builds this map of the whole register,
    so the map (and its megabytes) stays the same across filter changes and only the filter moves.

    Parameters
    ----------
    frame : GeoDataFrame
        The projects to draw (the filtered register).
    lang : str
        ``"vi"`` or ``"en"`` for names, tooltips and the legend.
    boundary, background : GeoDataFrame, optional
        The bundled city outline and rivers/roads (``portfolio.register.load_boundary`` /
        ``load_background``).
    tiles : bool
        Add OpenStreetMap tiles (with attribution); off on an intranet.
    upload : GeoDataFrame, optional
        A user's layer drawn on top.
    links, link_tips : optional
        Lines (e.g. an industrial park to its nearest port) and their tooltip texts (plain text).
    payload : str, optional
        :func:`payload_json` of ``frame`` and ``lang`` when the caller has it cached, or
        :func:`publish_payload`'s reference to it as a static file the browser fetches.
    """
    m = new_map(tiles, lang)
    _add_background(m, boundary, background)
    extra: list[tuple[str, str]] = []
    if upload is not None and not upload.empty:
        layer = overlay_layer(upload, color=UPLOAD_COLOR, class_name="pf-upload")
        if layer is not None:
            layer.add_to(m)
            extra.append(("legend_upload", UPLOAD_COLOR))
    if len(frame):
        settings = layer_settings(lang, len(frame))
        if "parent_id" in frame:
            ids = set(frame["id"].to_numpy(dtype=object))
            settings["hasProgrammes"] = any(p in ids for p in frame["parent_id"].to_numpy(dtype=object) if p)
        ProjectLayer(
            payload if payload is not None else payload_json(frame, lang), settings, _bounds(frame)
        ).add_to(m)
    if links is not None and not links.empty:
        layer = overlay_layer(links, color=LINK_COLOR, class_name="pf-link", tips=link_tips)
        if layer is not None:
            layer.add_to(m)
            extra.append(("legend_links", LINK_COLOR))
    found = set(frame["status"].unique()) if not frame.empty else set()
    present = [s for s in schema.STATUSES if s in found]
    m.add_child(Legend(legend_html(lang, present or None, extra)))
    bounds = _bounds(boundary) if boundary is not None and not boundary.empty else _bounds(frame)
    if bounds is not None:
        m.fit_bounds(bounds)
    return m


def selection_layer(frame: gpd.GeoDataFrame, project_id: str | None) -> folium.FeatureGroup | None:
    """A feature group outlining one project (added without remounting the map)."""
    if not project_id:
        return None
    rows = frame[frame["id"] == project_id]
    if rows.empty or rows.geometry.iloc[0] is None:
        return None
    geometry = display_geometry(rows.geometry.iloc[0])
    if geometry is None:
        return None
    group = folium.FeatureGroup(name="selected")
    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": geometry},
        style_function=lambda f: {
            "color": SELECTED_COLOR,
            "weight": 10,
            "opacity": 0.55,
            "fillOpacity": 0.1,
            "className": "pf-selected",
        },
        marker=folium.CircleMarker(radius=14),
        interactive=False,
    ).add_to(group)
    return group


def view_of(frame: gpd.GeoDataFrame, project_id: str | None) -> tuple[tuple[float, float] | None, int | None]:
    """``(center (lat, lon), zoom)`` framing one project, or ``(None, None)``."""
    if not project_id:
        return None, None
    rows = frame[frame["id"] == project_id]
    if rows.empty or rows.geometry.iloc[0] is None:
        return None, None
    lon_min, lat_min, lon_max, lat_max = rows.geometry.iloc[0].bounds
    extent = max(lon_max - lon_min, lat_max - lat_min, 0.008)
    # Leaflet shows 256·2^z px per 360°: fit the extent in about 350 px (context around it).
    zoom = int(max(8, min(16, math.floor(math.log2(350 * 360 / 256 / extent)))))
    return ((lat_min + lat_max) / 2, (lon_min + lon_max) / 2), zoom


def nearest_project(frame: gpd.GeoDataFrame, lat: float, lon: float, max_km: float = 2.0) -> str | None:
    """Id of the project nearest to a clicked point within ``max_km`` (measured in EPSG:5897);
    the fallback when the clicked feature's tooltip gave no id."""
    if frame.empty:
        return None
    metric = frame.geometry.to_crs(METRIC_CRS)
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84_CRS).to_crs(METRIC_CRS).iloc[0]
    distances = metric.distance(point)
    if distances.dropna().empty or distances.min() > max_km * 1000:
        return None
    return str(frame.loc[distances.idxmin(), "id"])


def clicked_project(frame: gpd.GeoDataFrame, state: dict[str, Any] | None) -> str | None:
    """The project id a ``st_folium`` return value points at (tooltip id first, else nearest)."""
    if not state:
        return None
    ident = id_from_tooltip(state.get("last_object_clicked_tooltip"))
    if ident and (frame["id"] == ident).any():
        return ident
    point = state.get("last_object_clicked")
    if isinstance(point, dict) and "lat" in point and "lng" in point:
        return nearest_project(frame, float(point["lat"]), float(point["lng"]))
    return None


def projects_intersecting(frame: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The projects of ``frame`` whose geometry intersects any feature of a user's ``layer``
    (both EPSG:4326)."""
    if frame.empty or layer is None or layer.empty:
        return frame.iloc[0:0]
    layer = layer.to_crs(frame.crs) if layer.crs is not None and frame.crs is not None else layer
    shapes = shapely.union_all([g for g in layer.geometry if g is not None and not g.is_empty])
    if shapes.is_empty:
        return frame.iloc[0:0]
    shapely.prepare(shapes)
    return frame[frame.geometry.intersects(shapes)]
