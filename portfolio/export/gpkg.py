"""GeoPackage (GDAL's GPKG driver): one layer ``projects``; the metadata in the layer's metadata and
its description."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pyogrio

from portfolio.export._core import LAYER_NAME, VN2000, WGS84, Format, Incomplete, check_count, projected


def check(path: Path, data: gpd.GeoDataFrame) -> None:
    """A GeoPackage is whole: SQLite's ``quick_check`` passes and GDAL reads every project back."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        raise Incomplete(f"the GeoPackage written is damaged ({exc}); it may be truncated") from None
    if verdict != [("ok",)]:
        raise Incomplete(f"the GeoPackage written is damaged ({verdict[0][0]})")
    check_count(path, len(data), "GeoPackage", LAYER_NAME)


def write(data: gpd.GeoDataFrame, paths: tuple[Path, ...], crs: str, meta: dict[str, Any], name: str) -> None:
    flat = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in meta.items()}
    out = projected(data, crs)
    pyogrio.write_dataframe(
        out,
        paths[0],
        driver="GPKG",
        layer=LAYER_NAME,
        geometry_type=None if len(out) else "Unknown",
        layer_metadata=flat,  # dataset metadata makes GDAL write a .aux.xml beside the file on reading
        layer_options={
            "DESCRIPTION": " | ".join((meta["filter"], f"as of {meta['register_as_of']}", meta["licence"])),
            "IDENTIFIER": "Cần Thơ infrastructure projects",
        },
    )


FORMAT: Final[Format] = Format(
    name="gpkg",
    label={"vi": "GeoPackage", "en": "GeoPackage"},
    suffixes=(".gpkg",),
    media_type="application/geopackage+sqlite3",
    crs=(WGS84, VN2000),
    what="a GeoPackage",
    write=write,
    check=check,
)
