"""Pictures of the PDF reports, drawn with matplotlib's Agg canvas (no pyplot, no display, no tiles):
a map of projects over the city outline and the bundled rivers and roads, and a Gantt with slippage.

Each function returns PNG bytes. The figures are built with :class:`matplotlib.figure.Figure` and
its own Agg canvas, so drawing holds no global state (safe in the app's threads).
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from portfolio import i18n, palette, schema, timeline

# geopandas' plotting imports pyplot: with no display (a server, CI) only Agg is wanted
matplotlib.use("Agg")

#: Resolution of the pictures in the PDF (dots per inch).
DPI = 150
#: Colour of the other projects drawn for context on a project sheet's map.
CONTEXT_COLOR = "#c8c8c8"
#: Colour of the city outline's fill.
LAND_COLOR = "#f4f3ee"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _draw_geometries(ax: object, frame: gpd.GeoDataFrame, color: str | list[str], *, strong: bool) -> None:
    """Lines, zones and points of ``frame`` in ``color`` (one colour, or one per row)."""
    if frame.empty:
        return
    colors = [color] * len(frame) if isinstance(color, str) else list(color)
    kinds = frame.geometry.geom_type.to_numpy()
    for family, types in (
        ("polygon", ("Polygon", "MultiPolygon")),
        ("line", ("LineString", "MultiLineString")),
        ("point", ("Point", "MultiPoint")),
    ):
        mask = np.isin(kinds, types)
        if not mask.any():
            continue
        part = frame[mask]
        part_colors = [c for c, m in zip(colors, mask, strict=True) if m]
        if family == "polygon":
            part.plot(
                ax=ax,
                facecolor=part_colors,
                edgecolor=part_colors,
                alpha=0.55 if strong else 0.6,
                linewidth=1.2 if strong else 0.5,
                zorder=3 if strong else 2,
            )
        elif family == "line":
            part.plot(ax=ax, color=part_colors, linewidth=2.6 if strong else 1.0, zorder=4 if strong else 2)
        else:
            part.plot(
                ax=ax,
                color=part_colors,
                markersize=42 if strong else 8,
                edgecolor="#222222" if strong else "none",
                linewidth=0.8,
                zorder=5 if strong else 2,
            )


def _extent(layers: list[gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    bounds = [layer.total_bounds for layer in layers if not layer.empty]
    xs = [b[0] for b in bounds] + [b[2] for b in bounds]
    ys = [b[1] for b in bounds] + [b[3] for b in bounds]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = 0.04 * max(x1 - x0, y1 - y0, 0.02)
    return x0 - pad, x1 + pad, y0 - pad, y1 + pad


def map_png(
    projects: gpd.GeoDataFrame,
    lang: str,
    *,
    boundary: gpd.GeoDataFrame | None,
    background: gpd.GeoDataFrame | None,
    context: gpd.GeoDataFrame | None = None,
    size: tuple[float, float] = (7.0, 4.6),
    legend: bool = True,
) -> bytes:
    """A map of ``projects`` coloured by status over the city outline, rivers and roads.

    Parameters
    ----------
    projects : geopandas.GeoDataFrame
        The projects to draw strongly (EPSG:4326).
    boundary, background : geopandas.GeoDataFrame or None
        The city outline and the main rivers and roads (``kind`` = ``river`` / ``road``); ``None``
        when the geodata folder has none.
    context : geopandas.GeoDataFrame, optional
        Other projects drawn pale behind (the rest of the register on a project sheet).
    size : (float, float)
        Width and height in inches.
    legend : bool
        Draw a legend of the statuses shown.
    """
    fig = Figure(figsize=size)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    layers = [layer for layer in (boundary, projects) if layer is not None and not layer.empty]
    if boundary is not None and not boundary.empty:
        boundary.plot(ax=ax, facecolor=LAND_COLOR, edgecolor=palette.BOUNDARY_COLOR, linewidth=0.9, zorder=0)
    if background is not None and not background.empty and "kind" in background.columns:
        rivers = background[background["kind"] == "river"]
        roads = background[background["kind"] == "road"]
        if not rivers.empty:
            rivers.plot(ax=ax, color=palette.RIVER_COLOR, linewidth=1.4, zorder=1)
        if not roads.empty:
            roads.plot(ax=ax, color="#9e9e9e", linewidth=0.7, zorder=1)
    if context is not None and not context.empty:
        _draw_geometries(ax, context, CONTEXT_COLOR, strong=False)
    shown = (
        projects[projects.geometry.notna() & ~projects.geometry.is_empty] if not projects.empty else projects
    )
    _draw_geometries(
        ax, shown, [palette.status_color(s) for s in shown["status"]] if len(shown) else "#000", strong=True
    )
    if layers:
        x0, x1, y0, y1 = _extent(layers)
        # degrees of longitude are shorter than degrees of latitude at 10° N: keep the map's proportions
        aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
        ax.set_aspect(aspect)
        width, height = size
        # widen the shorter side so the map fills the frame without distortion
        box_w, box_h = (x1 - x0), (y1 - y0) * aspect
        if box_w / box_h < width / height:
            grow = (box_h * width / height - box_w) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = (box_w * height / width / aspect - (y1 - y0)) / 2
            y0, y1 = y0 - grow, y1 + grow
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    if legend and len(shown):
        handles: list[object] = [
            Patch(facecolor=palette.status_color(s), label=i18n.label("status", s, lang))
            for s in schema.STATUSES
            if (shown["status"] == s).any()
        ]
        if boundary is not None and not boundary.empty:
            handles.append(
                Line2D([], [], color=palette.BOUNDARY_COLOR, label=i18n.t("legend_boundary", lang))
            )
        ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=True, framealpha=0.9)
    return _png(fig)


#: Projects per Gantt picture (a longer set is drawn as several pictures, one per page).
GANTT_ROWS = 26
#: Longest project label on the Gantt's axis (characters; the table gives the full names).
GANTT_LABEL_CHARS = 48


def gantt_pngs(frame: pd.DataFrame, lang: str, width: float = 10.2) -> list[bytes]:
    """The Gantt of ``frame``'s periods (:func:`portfolio.timeline.periods`), :data:`GANTT_ROWS`
    projects per picture: each latest period a bar coloured by status, each earlier document's
    period a pale dashed bar behind it (the slippage). ``[]`` when no project has a period."""
    data = timeline.periods(frame, lang)
    if data.empty:
        return []
    order = list(data.sort_values("order")["id"].drop_duplicates())
    names = timeline.axis_labels(
        dict(zip(data["id"].astype(str), data["name"].astype(str), strict=False)), GANTT_LABEL_CHARS
    )
    lo, hi = int(data["start"].min()), int(data["end"].max()) + 1
    pictures = []
    for first in range(0, len(order), GANTT_ROWS):
        ids = order[first : first + GANTT_ROWS]
        part = data[data["id"].isin(ids)]
        rows = {ident: i for i, ident in enumerate(ids)}
        tall = 1.1 + 0.22 * len(ids)  # inches: the bars, the year axis below, the legend above
        fig = Figure(figsize=(width, tall))
        ax = fig.add_axes((0.36, 0.45 / tall, 0.62, 1 - 0.85 / tall))
        for year in range(lo, hi + 1):
            ax.axvline(year, color=timeline.YEAR_LINE_COLOR, linewidth=0.6, zorder=0)
        for latest, height, alpha in ((False, 0.72, 0.3), (True, 0.36, 1.0)):
            bars = part[part["latest"] == latest]
            ax.barh(
                [rows[i] for i in bars["id"]],
                bars["end"] + 1 - bars["start"],
                left=bars["start"],
                height=height,
                color=[palette.status_color(s) for s in bars["status"]],
                alpha=alpha,
                edgecolor="#333333" if not latest else "none",
                linestyle="--" if not latest else "-",
                linewidth=0.7 if not latest else 0,
                zorder=1 if not latest else 2,
            )
        ax.set_yticks(range(len(ids)), [names[i] for i in ids], fontsize=6.5)
        ax.set_ylim(len(ids) - 0.5, -0.5)
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if (hi - lo) / s <= 14)
        ticks = [y for y in range(lo, hi) if y % step == 0]
        ax.set_xticks([y + 0.5 for y in ticks], [str(y) for y in ticks], fontsize=7)
        ax.tick_params(axis="x", length=0)
        ax.set_xlim(lo, hi)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        handles: list[object] = [
            Patch(facecolor=palette.status_color(s), label=i18n.label("status", s, lang))
            for s in schema.STATUSES
            if (part["status"] == s).any()
        ]
        if not part["latest"].all():
            handles.append(
                Patch(
                    facecolor="#bbbbbb",
                    alpha=0.5,
                    edgecolor="#333333",
                    linestyle="--",
                    label=i18n.t("timeline_earlier", lang),
                )
            )
        fig.legend(handles=handles, loc="upper right", ncol=len(handles), fontsize=6.5, frameon=False)
        pictures.append(_png(fig))
    return pictures
