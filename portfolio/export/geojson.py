"""GeoJSON (RFC 7946): WGS 84 lon/lat, exterior rings counter-clockwise, no ``crs`` member.

Coordinates are rounded to 6 decimals (≈ 0.1 m) and written with shapely (``shapely.to_geojson``), in
the layout of GDAL's ``RFC7946=YES`` writer, which is several times slower on large registers. The
metadata travel as the FeatureCollection's foreign member ``"metadata"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from portfolio.export._core import EXPORT_COLUMNS, LAYER_NAME, WGS84, Format, plain

#: Rows converted to GeoJSON at a time (bounds the memory the text of a large export takes).
BATCH: Final[int] = 2000


def features(data: gpd.GeoDataFrame) -> Iterator[str]:
    """One RFC 7946 GeoJSON Feature per row, as compact JSON text, in row order (:func:`batches`)."""
    for batch in batches(data):
        yield from batch


def batches(data: gpd.GeoDataFrame) -> Iterator[list[str]]:
    """The features of :data:`BATCH` rows at a time: one RFC 7946 GeoJSON Feature per row, as compact
    JSON text, in row order.

    Coordinates rounded to 6 decimals (``numpy.round``: the nearest double to a 6-decimal number,
    which the GEOS GeoJSON writer prints in its shortest form), polygons wound with exterior rings
    counter-clockwise and holes clockwise (``shapely.orient_polygons``), every export column as a
    property (missing values as ``null``).
    """
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str).encode
    geoms = data.geometry.to_numpy()
    for start in range(0, len(data), BATCH):
        batch = slice(start, start + BATCH)
        rounded = shapely.transform(geoms[batch], partial(np.round, decimals=6), include_z=None)
        geometry_json = shapely.to_geojson(shapely.orient_polygons(rounded, exterior_cw=False)).tolist()
        columns = [_json_values(data[c].iloc[batch]) for c in EXPORT_COLUMNS]
        yield [
            f'{{"type": "Feature", "properties": {dumps(dict(zip(EXPORT_COLUMNS, values, strict=True)))}, '
            f'"geometry": {"null" if geometry is None else geometry}}}'
            for geometry, values in zip(geometry_json, zip(*columns, strict=True), strict=True)
        ]


def _json_values(series: pd.Series) -> list[Any]:
    """``[plain(v) for v in series]``, without a Python call per cell for typed columns."""
    if series.dtype == object:
        return [plain(v) for v in series.tolist()]
    values: list[Any] = series.tolist()  # Python str / int / float, pd.NA or NaN where missing
    for i in np.flatnonzero(series.isna().to_numpy(dtype=bool)).tolist():
        values[i] = None
    return values


def _write_text(path: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to ``path`` as UTF-8 (the GeoJSON writer's only file access)."""
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for chunk in chunks:
            fh.write(chunk)


def _chunks(head: str, parts: Iterator[list[str]]) -> Iterator[str]:
    """The file's text: ``head``, then the features one per line, a batch per chunk (one write each)."""
    yield head
    separator = ""
    for batch in parts:
        if batch:
            yield separator + ",\n".join(batch)
            separator = ",\n"
    yield "\n]\n}\n" if separator else "]\n}\n"


def write(data: gpd.GeoDataFrame, paths: tuple[Path, ...], crs: str, meta: dict[str, Any], name: str) -> None:
    """RFC 7946 FeatureCollection (written with shapely, not GDAL's slower GeoJSON writer).

    The layout follows GDAL's ``RFC7946=YES, COORDINATE_PRECISION=6, WRITE_NAME=YES`` output: no
    ``crs`` member, the foreign member ``"metadata"``, ``"name"`` and ``"xy_coordinate_resolution"``,
    then one feature per line.
    """
    head = (
        '{\n"type": "FeatureCollection",\n'
        f'"metadata": {json.dumps(meta, ensure_ascii=False)},\n'
        f'"name": {json.dumps(LAYER_NAME)},\n'
        '"xy_coordinate_resolution": 1e-06,\n'
        '"features": [\n'
    )
    _write_text(paths[0], _chunks(head, batches(data)))


FORMAT: Final[Format] = Format(
    name="geojson",
    label={"vi": "GeoJSON", "en": "GeoJSON"},
    suffixes=(".geojson", ".json"),
    media_type="application/geo+json",
    crs=(WGS84,),  # RFC 7946
    what="a GeoJSON file",
    write=write,
)
