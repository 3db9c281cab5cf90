"""Columns the register derives from its own columns once, when its frame is built.

:func:`portfolio.register.to_frame` (every register frame: the files, the database, a change applied)
adds :data:`DERIVED_COLUMNS` after the register's columns and marks the frame (``frame.attrs``,
:data:`MARK`); pandas carries both through subsets, copies and reprojections, so a filtered set, the
cached register and a copy of it all hold their rows' values without measuring or folding again:

- ``length_km`` / ``area_ha``: length of a line (km) and area of a zone (ha), in EPSG:5897, rounded to
  3 decimals (:func:`measure`), NaN for the other kinds;
- ``latest_start`` / ``latest_end``: the latest period (the last ``period_history`` entry, else
  ``period_start``–``period_end``; ``Int64``, missing when undated), as
  :func:`portfolio._periods.latest_periods` reads it;
- ``years_min`` / ``years_max``: the first and last year any of the row's periods names (``Int64``);
- ``search_text``: the search haystack (:func:`portfolio._text.haystack`) of each of
  :data:`portfolio._text.SEARCH_COLUMNS`, in that order, joined by ``"\\n"`` (a haystack holds only
  ``a-z``, ``0-9`` and spaces).

Contract: the values belong to the rows they were derived for. A caller who changes the geometry or the
text of a (copied) register frame calls :func:`portfolio.register.derive` on it to derive them again;
a frame without the mark (built by hand, read from an export) is measured on the fly by
:mod:`portfolio.measure`.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from portfolio import _periods
from portfolio._text import SEARCH_COLUMNS, haystack
from portfolio.constants import METRIC_CRS

#: Columns added to every register frame, in this order, after :data:`portfolio.schema.COLUMNS`.
DERIVED_COLUMNS: Final[tuple[str, ...]] = (
    "length_km",
    "area_ha",
    "latest_start",
    "latest_end",
    "years_min",
    "years_max",
    "search_text",
)
#: ``frame.attrs`` key saying the frame's :data:`DERIVED_COLUMNS` were derived from its rows.
MARK: Final[str] = _periods.DERIVED_MARK

_LINES = ("LineString", "MultiLineString", "LinearRing")
_POLYGONS = ("Polygon", "MultiPolygon")


def measure(geoms: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Length (km, lines) and area (ha, polygons) of ``geoms`` (in ``crs``), in EPSG:5897."""
    projected = gpd.GeoSeries(geoms, crs=crs).to_crs(METRIC_CRS)
    kinds = projected.geom_type
    is_line = kinds.isin(_LINES).to_numpy()
    is_poly = kinds.isin(_POLYGONS).to_numpy()
    length = projected.length.to_numpy(dtype=float) / 1000.0
    area = projected.area.to_numpy(dtype=float) / 10_000.0
    return np.where(is_line, np.round(length, 3), np.nan), np.where(is_poly, np.round(area, 3), np.nan)


def is_derived(frame: pd.DataFrame) -> bool:
    """True when ``frame`` carries derived columns made for its rows (the mark and every column)."""
    return frame.attrs.get(MARK) is True and all(c in frame.columns for c in DERIVED_COLUMNS)


def search_text(frame: pd.DataFrame) -> list[str]:
    """Each row's ``search_text`` (see the module documentation); each distinct cell is folded once."""
    per_column = []
    for column in SEARCH_COLUMNS:
        cells = frame[column].astype(str).tolist()
        lookup = {cell: haystack(cell) for cell in set(cells)}
        per_column.append([lookup[cell] for cell in cells])
    return ["\n".join(parts) for parts in zip(*per_column, strict=True)]


def add(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` (register columns, a CRS) with :data:`DERIVED_COLUMNS` derived and the mark set; the
    geometry column stays last. Existing columns of those names are replaced."""
    if frame.crs is None:
        raise ValueError("frame has no CRS; cannot measure")
    out = frame.drop(columns=[c for c in DERIVED_COLUMNS if c in frame.columns])
    n = len(out)
    km, ha = measure(out.geometry.to_numpy(), out.crs)
    periods = _periods.sourced_periods(out)
    by_row = periods.groupby("pos", sort=True)
    latest = by_row.tail(1)
    pos = latest["pos"].to_numpy()
    spans = by_row.agg(lo=("start", "min"), hi=("end", "max"))

    def years(at: np.ndarray, values: np.ndarray) -> pd.arrays.IntegerArray:
        column = pd.array([pd.NA] * n, dtype="Int64")
        column[at] = values
        return column

    derived: dict[str, Any] = {
        "length_km": km,
        "area_ha": ha,
        "latest_start": years(pos, latest["start"].to_numpy()),
        "latest_end": years(pos, latest["end"].to_numpy()),
        "years_min": years(spans.index.to_numpy(), spans["lo"].to_numpy()),
        "years_max": years(spans.index.to_numpy(), spans["hi"].to_numpy()),
        "search_text": pd.array(search_text(out), dtype="str"),
    }
    geometry = out.geometry.name
    plain = pd.DataFrame(out.drop(columns=[geometry]))
    extra = pd.DataFrame(derived, index=out.index)
    result = gpd.GeoDataFrame(
        pd.concat([plain, extra], axis=1), geometry=out.geometry.to_numpy(), crs=out.crs
    )
    if geometry != "geometry":
        result = result.rename_geometry(geometry)
    result.attrs = {**frame.attrs, MARK: True}
    return result
