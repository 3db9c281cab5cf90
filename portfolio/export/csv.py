"""CSV: one row per project, geometry as WKT in the last column ``WKT``, and a CSV on the Web sidecar.

UTF-8 with a byte-order mark (so spreadsheets read Vietnamese correctly), comma-separated; WKT with 6
decimals in degrees, 3 in metres. A text cell a spreadsheet would run as a formula
(:func:`portfolio._formula.is_formula`) is neutralised with an apostrophe (``'``) before it. The
metadata travel in the sidecar ``<name>.csv-metadata.json`` (W3C CSV on the Web), written beside the
CSV: both are complete before either is renamed into place, the CSV first.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import shapely

from portfolio import _formula
from portfolio.export._core import (
    EXPORT_COLUMNS,
    TEXT_COLUMNS,
    VN2000,
    WGS84,
    Companion,
    Format,
    plain,
    projected,
)

#: The ending the sidecar adds to the CSV's name.
SIDECAR: Final[str] = "-metadata.json"
#: A text cell a spreadsheet would read as a formula made safe (the rule validation applies).
neutralise = _formula.neutralise


def _csv_value(column: str, value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if column in TEXT_COLUMNS:
        return neutralise(str(value))
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def write_table(data: gpd.GeoDataFrame, path: Path, crs: str, *, with_wkt: bool = True) -> None:
    """The CSV table alone (the Shapefile zip's attribute table is one, without ``WKT``)."""
    geoms = projected(data, crs).geometry
    precision = 6 if crs == WGS84 else 3
    wkt = shapely.to_wkt(geoms.to_numpy(), rounding_precision=precision, trim=True) if with_wkt else []
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*EXPORT_COLUMNS, *(["WKT"] if with_wkt else [])])
    columns = [data[c].tolist() for c in EXPORT_COLUMNS]
    for index, row in enumerate(zip(*columns, strict=True)):
        cells = [_csv_value(c, v) for c, v in zip(EXPORT_COLUMNS, row, strict=True)]
        writer.writerow([*cells, wkt[index]] if with_wkt else cells)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def csvw(meta: dict[str, Any], csv_name: str) -> dict[str, Any]:
    """CSV on the Web (W3C) table description carrying the export metadata."""
    return {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_name,
        "dc:title": meta["title"],
        "dc:description": f"Filter: {meta['filter']}",
        "dc:license": meta["licence"],
        "dc:date": meta["register_as_of"],
        "metadata": meta,
        "dialect": {"encoding": "utf-8", "header": True, "delimiter": ","},
        "tableSchema": {
            "columns": [{"name": c, "titles": c} for c in EXPORT_COLUMNS]
            + [{"name": "WKT", "titles": "WKT", "dc:description": f"geometry as WKT in {meta['crs']}"}],
        },
        "notes": [
            "Text cells starting with =, +, -, @, tab or carriage return are prefixed with ' so "
            "spreadsheets do not evaluate them."
        ],
    }


def csvw_bytes(meta: dict[str, Any], csv_name: str) -> bytes:
    """The sidecar's content for a CSV named ``csv_name``."""
    return (json.dumps(csvw(meta, csv_name), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write(data: gpd.GeoDataFrame, paths: tuple[Path, ...], crs: str, meta: dict[str, Any], name: str) -> None:
    """The table at ``paths[0]``, its CSVW sidecar (describing the CSV called ``name``) at ``paths[1]``."""
    table, sidecar = paths
    write_table(data, table, crs)
    sidecar.write_bytes(FORMAT.companions[0].build(meta, name))


FORMAT: Final[Format] = Format(
    name="csv",
    label={"vi": "CSV", "en": "CSV"},
    suffixes=(".csv",),
    media_type="text/csv",
    crs=(WGS84, VN2000),
    what="a CSV file",
    write=write,
    companions=(
        Companion(
            ending=SIDECAR,
            label={"vi": "Siêu dữ liệu CSVW (JSON)", "en": "CSVW metadata (JSON)"},
            media_type="application/json",
            build=csvw_bytes,
        ),
    ),
)
