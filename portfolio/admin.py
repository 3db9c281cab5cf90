"""Assign post-2025 communes/wards and pre-2025 districts to projects from boundary layers.

The boundary layers are reference data the project does not ship (see the README): this module is
run by maintainers when geometries change, through ``python -m portfolio admin-areas``, and writes
the result into the register's ``communes``, ``districts_before_2025`` and ``admin_basis`` columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from portfolio import schema
from portfolio._errors import InputError, Problem
from portfolio._files import write_atomic
from portfolio.constants import METRIC_CRS as MEASURE_CRS

#: Share of a line's length or a polygon's area below which a unit it grazes is not listed.
MIN_SHARE = 0.01
#: Short names of the three pre-2025 provinces, used to tell apart districts with the same name.
PROVINCE_SHORT = {"92": "Cần Thơ", "93": "Hậu Giang", "94": "Sóc Trăng"}


@dataclass(frozen=True)
class AdminLayers:
    """Communes/wards after 1 July 2025 (``label``) and districts before it (``label``), EPSG:5897."""

    communes: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame


#: The reference layers :func:`read_reference` reads: file name -> fields it needs.
REFERENCE_FILES: dict[str, tuple[str, ...]] = {
    "cantho2025_wards_103.geojson": ("full_name",),
    "cantho_old_districts_gisgov.geojson": ("district", "province_code"),
}


def _file_error(path: Path, rule: str, message: str, field: str = "") -> InputError:
    return InputError([Problem(str(path), "", field, rule, message)])


def _read_layer(path: Path, needed: tuple[str, ...]) -> gpd.GeoDataFrame:
    """One reference layer, with its ``needed`` fields, in EPSG:5897; :class:`InputError` otherwise."""
    if not path.is_file():
        what = "is a folder, not a file" if path.exists() else "not found"
        raise _file_error(path, "missing_file", f"reference layer {what}")
    try:
        layer = gpd.read_file(path)
    except (OSError, RuntimeError, ValueError) as exc:  # pyogrio's errors are RuntimeErrors
        text = str(exc).replace(f"'{path}'", "the file").replace(str(path), "the file")
        reason = " ".join(text.split(";")[0].split()).strip(" :.") or type(exc).__name__
        message = f"cannot be read as a vector layer: {reason}"
        raise _file_error(path, "unreadable_file", message) from None
    for field in needed:
        if field not in layer.columns:
            raise _file_error(
                path,
                "missing_field",
                f"the layer has no field {field!r} (fields: {', '.join(map(str, layer.columns)) or 'none'})",
                field,
            )
    if not len(layer):
        raise _file_error(path, "empty_layer", "the layer has no features")
    if layer.crs is None:
        raise _file_error(path, "missing_crs", "the layer has no coordinate reference system")
    return layer


def read_reference(folder: Path) -> AdminLayers:
    """Read the reference boundary layers from ``folder`` (``../shared/reference`` in this workspace).

    Parameters
    ----------
    folder : Path
        Holds ``cantho2025_wards_103.geojson`` (fields ``full_name``) and
        ``cantho_old_districts_gisgov.geojson`` (fields ``district``, ``province_code``).

    Returns
    -------
    AdminLayers
        Both layers with a ``label`` column, in EPSG:5897.

    Raises
    ------
    InputError
        When ``folder`` is not a folder, or a layer is missing, unreadable, empty, has no CRS or
        lacks a field; the problem names the file (and the field).
    """
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "not found"
        raise _file_error(folder, "missing_folder", f"reference folder {what}")
    (wards_name, wards_fields), (districts_name, districts_fields) = REFERENCE_FILES.items()
    wards = _read_layer(folder / wards_name, wards_fields)
    wards = wards.assign(label=wards["full_name"].astype(str))[["label", "geometry"]]
    districts = _read_layer(folder / districts_name, districts_fields)
    province = (
        districts["province_code"]
        .astype(str)
        .map(PROVINCE_SHORT)
        .fillna(districts["province_code"].astype(str))
    )
    districts = districts.assign(label=districts["district"].astype(str) + " (" + province + ")")[
        ["label", "geometry"]
    ]
    return AdminLayers(wards.to_crs(MEASURE_CRS), districts.to_crs(MEASURE_CRS))


def units_touched(geometry: gpd.GeoSeries, layer: gpd.GeoDataFrame) -> list[list[str]]:
    """For each geometry, the labels of the units it touches, largest share first.

    Points are assigned to the unit containing them; lines to the units holding at least
    :data:`MIN_SHARE` of their length; polygons likewise by area.

    Parameters
    ----------
    geometry : GeoSeries
        Project geometries in any CRS.
    layer : GeoDataFrame
        Units with a ``label`` column, in EPSG:5897.
    """
    projected = geometry.to_crs(MEASURE_CRS)
    result: list[list[str]] = []
    for geom in projected:
        if geom is None or geom.is_empty:
            result.append([])
            continue
        hits = layer[layer.intersects(geom)]
        if geom.geom_type in ("Point", "MultiPoint"):
            result.append(sorted(hits["label"].unique().tolist()))
            continue
        parts = hits.geometry.intersection(geom)
        size = parts.length if geom.geom_type in ("LineString", "MultiLineString") else parts.area
        total = geom.length if geom.geom_type in ("LineString", "MultiLineString") else geom.area
        shares = pd.Series(size.to_numpy() / total if total else 0.0, index=hits["label"].to_numpy())
        shares = shares.groupby(level=0).sum().sort_values(ascending=False)
        result.append([label for label, share in shares.items() if share >= MIN_SHARE])
    return result


def assign(frame: gpd.GeoDataFrame, layers: AdminLayers) -> pd.DataFrame:
    """Compute ``communes``, ``districts_before_2025`` and ``admin_basis`` for every project.

    Projects located at city-wide precision (code 6) keep what the register says (from the source
    text) and are flagged ``source_text``; so are projects whose geometry touches no unit.
    """
    communes = units_touched(frame.geometry, layers.communes)
    districts = units_touched(frame.geometry, layers.districts)
    out = frame[["communes", "districts_before_2025", "admin_basis"]].copy()
    for i, (precision, c_list, d_list) in enumerate(
        zip(frame["geocode_precision"], communes, districts, strict=True)
    ):
        if int(precision) < 6 and c_list:
            out.iloc[i] = [schema.LIST_SEP.join(c_list), schema.LIST_SEP.join(d_list), "geometry"]
        else:
            out.iloc[i, 2] = "source_text"
    return out


def update_register(register: Path, frame: gpd.GeoDataFrame, layers: AdminLayers) -> int:
    """Rewrite the three admin columns of ``register`` in place (atomically); return cells changed.

    ``frame`` is ``register`` as :func:`portfolio.register.load` returned it. Blank rows (every cell
    empty, e.g. a trailing ``,,,,`` line) are written back as they are.

    Raises
    ------
    InputError
        When ``register`` cannot be read or written, or holds a row whose id ``frame`` does not know
        (the file changed since it was loaded); the problem names the file and row.
    """
    assigned = assign(frame, layers).set_index(frame["id"])
    try:
        text = register.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(register, "unreadable_file", f"cannot be read: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    changed = 0
    for number, row in enumerate(rows, start=1):
        ident = (row.get("id") or "").strip()
        if not ident and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank row: the loader skips it too
        if ident not in assigned.index:
            raise InputError(
                [
                    Problem(
                        str(register),
                        f"row {number}",
                        "id",
                        "unknown_id",
                        f"id {ident!r} is not in the loaded register (did the file change? "
                        "run the command again)",
                    )
                ]
            )
        new = assigned.loc[ident]
        for column in ("communes", "districts_before_2025", "admin_basis"):
            if row[column] != new[column]:
                row[column] = str(new[column])
                changed += 1
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(schema.COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)

    def write(tmp: Path) -> None:
        tmp.write_text(buffer.getvalue(), encoding="utf-8")

    try:
        write_atomic(register, write)
    except OSError as exc:
        raise _file_error(register, "unwritable_file", f"cannot be written: {exc}") from None
    return changed
