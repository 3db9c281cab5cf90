"""Shapefile, as a zip: one shapefile per geometry family present, plus the metadata and the full
attributes.

The zip holds ``<name>_points``, ``_lines``, ``_polygons`` (points are written as MultiPoint), UTF-8 with
a ``.cpg``, field names cut to 10 characters by :data:`SHAPEFILE_FIELDS` (also written to
``metadata.json``); with no project, one empty ``<name>_empty`` layer (polygon type) with the same
fields. DBF text is limited to 254 bytes: longer cells are cut at a character boundary and end with
``…``; the metadata list which, and ``<name>_attributes.csv`` in the zip holds every attribute in full
(join on ``id``). The metadata travel as ``metadata.json`` and ``README.txt`` in the zip.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd
import pyogrio

from portfolio._files import temp_prefix
from portfolio.export import csv as csv_format
from portfolio.export._core import (
    LAYER_NAME,
    TEXT_COLUMNS,
    VN2000,
    WGS84,
    Format,
    Incomplete,
    metadata_text,
    projected,
)

#: Register column -> Shapefile (DBF) field name, at most 10 characters.
SHAPEFILE_FIELDS: Final[dict[str, str]] = {
    "id": "id",
    "name_vi": "name_vi",
    "name_en": "name_en",
    "sector": "sector",
    "owner": "owner",
    "owner_current": "owner_cur",
    "investor": "investor",
    "funding_source": "fund_src",
    "funding_type": "fund_type",
    "period_start": "per_start",
    "period_end": "per_end",
    "period_history": "per_hist",
    "status": "status",
    "status_as_of": "status_dt",
    "status_source": "status_src",
    "sources": "sources",
    "location_vi": "location",
    "parent_id": "parent_id",
    "communes": "communes",
    "districts_before_2025": "dist_old",
    "admin_basis": "admin_bas",
    "scope": "scope",
    "geocode_precision": "geo_prec",
    "official_area_ha": "off_area",
    "official_length_km": "off_len",
    "investment_bn_vnd": "inv_bn",
    "investment_kind": "inv_kind",
    "investment_source": "inv_src",
    "notes": "notes",
    "length_km": "length_km",
    "area_ha": "area_ha",
}
#: Largest DBF text cell, in bytes.
DBF_MAX_BYTES: Final[int] = 254
#: Suffix of the layer a Shapefile export of no project holds: empty, polygon-typed (a shapefile
#: has one geometry type), with every field of a non-empty export.
EMPTY_SHAPEFILE_LAYER: Final[str] = "empty"

_FAMILIES = (
    ("points", ("Point", "MultiPoint"), "MultiPoint"),
    ("lines", ("LineString", "MultiLineString"), "MultiLineString"),
    ("polygons", ("Polygon", "MultiPolygon"), "MultiPolygon"),
)
_LAYER_OPTIONS: Final[dict[str, str]] = {"RESIZE": "YES", "SPATIAL_INDEX": "NO"}


def _fit_bytes(text: str, limit: int = DBF_MAX_BYTES) -> tuple[str, bool]:
    if len(text.encode("utf-8")) <= limit:
        return text, False
    marker = "…"
    budget = limit - len(marker.encode("utf-8"))
    cut = text.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return cut + marker, True


def _check_layer(shp: Path, part: gpd.GeoDataFrame) -> None:
    """A shapefile is whole: GDAL reads every record of ``part`` back, with its geometry."""
    try:
        back = pyogrio.read_dataframe(shp)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, RuntimeError) as exc:
        if "DBF" in str(exc):  # a short .dbf
            raise Incomplete(
                f"the shapefile part {shp.with_suffix('.dbf').name} written is incomplete ({exc})"
            ) from None
        raise Incomplete(f"the shapefile {shp.name} written cannot be read back ({exc})") from None
    if len(back) != len(part):
        raise Incomplete(
            f"the shapefile {shp.name} written is incomplete: {len(back)} of {len(part)} records"
        )
    lost = int(back.geometry.isna().sum()) - int(part.geometry.isna().sum())
    if lost:
        raise Incomplete(f"the shapefile {shp.name} written is incomplete: {lost} geometries cannot be read")


def check(path: Path, data: gpd.GeoDataFrame) -> None:
    """A zip is whole: every member's checksum holds (:meth:`zipfile.ZipFile.testzip`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError) as exc:
        raise Incomplete(f"the zip written is damaged ({exc}); it may be truncated") from None
    if bad is not None:
        raise Incomplete(f"the zip written is damaged: {bad} does not match its checksum")


def write(data: gpd.GeoDataFrame, paths: tuple[Path, ...], crs: str, meta: dict[str, Any], name: str) -> None:
    path = paths[0]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(name).stem.removesuffix(".shp")) or LAYER_NAME
    out = projected(data, crs).copy()
    truncated: list[dict[str, str]] = []
    for column in TEXT_COLUMNS:
        values = out[column].tolist()
        for index, value in enumerate(values):
            fitted, cut = _fit_bytes(str(value))
            if cut:
                values[index] = fitted
                truncated.append(
                    {"id": str(out["id"].iloc[index]), "column": column, "field": SHAPEFILE_FIELDS[column]}
                )
        out[column] = pd.Series(values, index=out.index, dtype=out[column].dtype)
    out = out.rename(columns=SHAPEFILE_FIELDS)
    shp_meta = dict(meta)
    shp_meta["shapefile_fields"] = dict(SHAPEFILE_FIELDS)
    shp_meta["truncated_cells"] = truncated
    shp_meta["truncation_rule"] = (
        f"DBF text is limited to {DBF_MAX_BYTES} bytes: longer cells are cut at a character boundary and "
        "end with '…'; the other formats hold the full text"
    )
    layers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix=temp_prefix("shp"), dir=path.parent) as folder:
        kinds = out.geometry.geom_type
        for family, types, multi in _FAMILIES:
            part = out[kinds.isin(types).to_numpy()]
            if part.empty:
                continue
            layer = f"{stem}_{family}"
            layers[layer] = multi
            pyogrio.write_dataframe(
                part,
                Path(folder) / f"{layer}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                promote_to_multi=True,
                layer_options=_LAYER_OPTIONS,
            )
            _check_layer(Path(folder) / f"{layer}.shp", part)
        if not layers:  # no project: an empty layer with every field, so the zip still opens in GIS
            layer = f"{stem}_{EMPTY_SHAPEFILE_LAYER}"
            layers[layer] = "MultiPolygon"
            pyogrio.write_dataframe(
                out,
                Path(folder) / f"{layer}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type="MultiPolygon",
                layer_options=_LAYER_OPTIONS,
            )
            _check_layer(Path(folder) / f"{layer}.shp", out)
        shp_meta["layers"] = layers
        shp_meta["attributes_csv"] = f"{stem}_attributes.csv"
        csv_format.write_table(data, Path(folder) / shp_meta["attributes_csv"], crs, with_wkt=False)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(Path(folder).iterdir()):
                archive.write(file, arcname=file.name)
            archive.writestr("metadata.json", json.dumps(shp_meta, ensure_ascii=False, indent=2) + "\n")
            archive.writestr("README.txt", _readme(shp_meta))


def _readme(meta: dict[str, Any]) -> str:
    lines = [
        metadata_text(
            {
                k: v
                for k, v in meta.items()
                if k not in ("shapefile_fields", "truncated_cells", "layers", "columns")
            }
        ),
        "",
        "Layers: "
        + ", ".join(f"{k} ({v})" for k, v in meta["layers"].items())
        + (" - no project was selected: the layer is empty, with every field" if meta["count"] == 0 else ""),
        "",
        "Field names (register column -> shapefile field):",
    ]
    lines += [f"  {column:<22} {field}" for column, field in meta["shapefile_fields"].items()]
    lines += [
        "",
        meta["truncation_rule"] + ".",
        f"Full, untruncated attributes of every project: {meta['attributes_csv']} (UTF-8 CSV, register "
        "column names; join on id).",
    ]
    if meta["truncated_cells"]:
        lines.append("Cut cells: " + ", ".join(f"{t['id']}/{t['field']}" for t in meta["truncated_cells"]))
    return "\n".join(lines) + "\n"


FORMAT: Final[Format] = Format(
    name="shp",
    label={"vi": "Shapefile (.zip)", "en": "Shapefile (.zip)"},
    # a zip named .shp would sit among an old shapefile's .dbf and .shx
    suffixes=(".zip",),
    media_type="application/zip",
    crs=(WGS84, VN2000),
    what="a zip of shapefiles",
    write=write,
    check=check,
)
