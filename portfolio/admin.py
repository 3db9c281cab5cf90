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
from portfolio._files import write_atomic

MEASURE_CRS = "EPSG:5897"

#: Share of a line's length or a polygon's area below which a unit it grazes is not listed.
MIN_SHARE = 0.01
#: Short names of the three pre-2025 provinces, used to tell apart districts with the same name.
PROVINCE_SHORT = {"92": "Cần Thơ", "93": "Hậu Giang", "94": "Sóc Trăng"}


@dataclass(frozen=True)
class AdminLayers:
    """Communes/wards after 1 July 2025 (``label``) and districts before it (``label``), EPSG:5897."""

    communes: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame


def read_reference(folder: Path) -> AdminLayers:
    """Read the reference boundary layers from ``folder`` (``../shared/reference`` in this workspace).

    Parameters
    ----------
    folder : Path
        Holds ``cantho2025_wards_103.geojson`` (fields ``full_name``) and
        ``cantho_old_districts_gisgov.geojson`` (fields ``district``, ``province_code``).
    """
    wards = gpd.read_file(folder / "cantho2025_wards_103.geojson")
    wards = wards.assign(label=wards["full_name"])[["label", "geometry"]]
    districts = gpd.read_file(folder / "cantho_old_districts_gisgov.geojson")
    districts = districts.assign(
        label=districts["district"] + " (" + districts["province_code"].astype(str).map(PROVINCE_SHORT) + ")"
    )[["label", "geometry"]]
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
    """Rewrite the three admin columns of ``register`` in place (atomically); return rows changed."""
    assigned = assign(frame, layers).set_index(frame["id"])
    text = register.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    changed = 0
    for row in rows:
        new = assigned.loc[row["id"]]
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

    write_atomic(register, write)
    return changed
