"""Exports: every format read back with GDAL (pyogrio), compared feature by feature; atomic writes.

Fixtures first (hostile and long text, multi-part and clockwise geometries), then the real register.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import errno
import json
import math
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from ezdxf.document import Drawing
from ezdxf.entities.mtext import MText
from ezdxf.filemanagement import readfile as read_dxf
from ezdxf.lldxf.encoding import decode_dxf_unicode

from portfolio import cli
from portfolio import export as export_module
from portfolio._errors import ExportError
from portfolio._files import atomic_path
from portfolio.export import (
    ATTRIBUTION,
    EXPORT_COLUMNS,
    FORMAT_CRS,
    FORMATS,
    SHAPEFILE_FIELDS,
    attribution,
    csv_metadata_bytes,
    csv_sidecar,
    export,
    register_as_of,
    to_bytes,
)
from portfolio.export import csv as csv_format
from portfolio.measure import with_measures
from portfolio.query import Filter
from portfolio.register import load
from tests.conftest import ROOT, MakeRegister, base_row, fixture_geometries, fixture_rows

NUMERIC = {
    "period_start",
    "period_end",
    "geocode_precision",
    "official_area_ha",
    "official_length_km",
    "investment_bn_vnd",
    "length_km",
    "area_ha",
}
#: GDAL CSV open options: geometry from the WKT column, not kept as text.
CSV_WKT = {"GEOM_POSSIBLE_NAMES": "WKT", "KEEP_GEOM_COLUMNS": "NO"}
LONG_NOTE = (
    "Tuyến đi qua các xã Thới Hưng, Thới Xuân, Đông Hiệp; nối Quốc lộ 91 với Đường tỉnh 923 "
    "tại nút giao Cờ Đỏ. "
) * 4


def export_rows() -> list[dict[str, str]]:
    rows = fixture_rows()
    rows[0].update(
        notes=LONG_NOTE.strip(),
        communes="Phường Ninh Kiều; Phường Tân An",
        districts_before_2025="Quận Ninh Kiều",
        admin_basis="geometry",
        owner_current="Sở Xây dựng",
        official_length_km="21.5",
    )
    rows[1].update(official_area_ha="480", notes='Tên có "ngoặc kép", dấu phẩy, và <thẻ> & ký tự đặc biệt')
    rows += [
        base_row(
            id="cap-nuoc-song-hau",
            name_vi="Hệ thống cấp nước sông Hậu (3 trạm)",
            name_en="Hậu River water supply (3 plants)",
            sector="water",
            funding_type="oda",
            period_start="2026",
            period_end="2030",
            status="under_construction",
            status_as_of="2026-01-31",
            location_vi="Ô Môn, Thốt Nốt, Cái Răng",
        ),
        base_row(
            id="ke-song-can-tho",
            name_vi="Kè sông Cần Thơ (2 đoạn)",
            name_en="Cần Thơ river embankment",
            sector="embankment",
            funding_type="mixed",
            period_start="2024",
            period_end="2027",
            status="under_construction",
            status_as_of="2025-06-30",
            location_vi="Ninh Kiều, Cái Răng",
        ),
        base_row(
            id="kdt-nam-can-tho",
            name_vi="Khu đô thị Nam Cần Thơ",
            name_en="South Cần Thơ new town",
            sector="urban_development",
            funding_type="private",
            period_start="",
            period_end="",
            status="proposed",
            status_as_of="2026-01-31",
            location_vi="Cái Răng",
        ),
    ]
    return rows


def export_geometries() -> dict[str, dict[str, Any]]:
    geoms = fixture_geometries()
    # clockwise exterior (RFC 7946 wants counter-clockwise) and over-precise coordinates
    geoms["kcn-o-mon"] = {
        "type": "Polygon",
        "coordinates": [
            [
                [105.600000123, 10.100000456],
                [105.600000123, 10.12],
                [105.62, 10.12],
                [105.62, 10.1],
                [105.600000123, 10.100000456],
            ]
        ],
    }
    geoms["cap-nuoc-song-hau"] = {
        "type": "MultiPoint",
        "coordinates": [[105.64, 10.11], [105.60, 10.18], [105.77, 9.99]],
    }
    geoms["ke-song-can-tho"] = {
        "type": "MultiLineString",
        "coordinates": [
            [[105.785, 10.035], [105.79, 10.03], [105.795, 10.02]],
            [[105.77, 10.00], [105.765, 9.99]],
        ],
    }
    # a polygon with a hole, exterior clockwise
    geoms["kdt-nam-can-tho"] = {
        "type": "Polygon",
        "coordinates": [
            [[105.74, 9.98], [105.74, 10.00], [105.77, 10.00], [105.77, 9.98], [105.74, 9.98]],
            [[105.75, 9.985], [105.76, 9.985], [105.76, 9.995], [105.75, 9.995], [105.75, 9.985]],
        ],
    }
    return geoms


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for exports (``tmp_path`` also holds the fixture register)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def frame(make_register: MakeRegister) -> gpd.GeoDataFrame:
    return load(*make_register(export_rows(), export_geometries()))


# ------------------------------------------------------------------ reading back


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value))


def assert_same_attributes(
    expected: gpd.GeoDataFrame, got: pd.DataFrame, *, rename: dict[str, str] | None = None, text: Any = None
) -> None:
    """Every export column of every project equals what was exported (text exactly, numbers closely)."""
    rename = rename or {}
    got = got.set_index(rename.get("id", "id"))
    assert sorted(got.index) == sorted(expected["id"])
    for _, row in expected.iterrows():
        back = got.loc[row["id"]]
        for column in EXPORT_COLUMNS:
            if column == "id":
                continue
            want, have = row[column], back[rename.get(column, column)]
            if column in NUMERIC:
                if _missing(want):
                    assert _missing(have), (row["id"], column, have)
                else:
                    assert float(have) == pytest.approx(float(want), rel=1e-9, abs=1e-9), (row["id"], column)
            else:
                if isinstance(have, (pd.Timestamp, datetime.datetime)):  # GDAL guesses dates in GeoJSON
                    have = have.date().isoformat()
                have = "" if _missing(have) else str(have)
                want = text(column, want) if text else want
                if callable(want):
                    assert want(have), (row["id"], column, have)
                else:
                    assert have == want, (row["id"], column)


def assert_same_geometries(
    expected: gpd.GeoDataFrame, got: gpd.GeoDataFrame, tolerance: float, id_column: str = "id"
) -> None:
    by_id = dict(zip(got[id_column], got.geometry, strict=True))
    for ident, geom in zip(expected["id"], expected.geometry, strict=True):
        back = shapely.force_2d(by_id[ident])
        assert back.geom_type.removeprefix("Multi") == geom.geom_type.removeprefix("Multi"), ident
        assert shapely.hausdorff_distance(back, geom) <= tolerance, ident
        assert back.area == pytest.approx(geom.area, rel=1e-4, abs=1e-12), ident


def unzip(path: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return into


def read_shapefile_zip(path: Path, into: Path) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    folder = unzip(path, into)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    parts = [pyogrio.read_dataframe(folder / f"{name}.shp") for name in meta["layers"]]
    for name in meta["layers"]:
        assert (folder / f"{name}.cpg").read_text(encoding="ascii").strip() == "UTF-8"
    if not parts:
        return gpd.GeoDataFrame({"id": []}, geometry=[]), meta
    merged = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=parts[0].crs), meta


def dxf_labels(doc: Drawing) -> dict[str, str]:
    """Layer -> the text of its MTEXT label, as ezdxf reads it (escapes decoded)."""
    return {
        m.dxf.layer: decode_dxf_unicode("".join(m.plain_text(split=False)))
        for m in doc.modelspace()
        if isinstance(m, MText)
    }


def dxf_comments(path: Path) -> str:
    """The metadata of a DXF export (its custom drawing properties) as ``key: value`` lines, read by ezdxf."""
    properties = read_dxf(path).header.custom_vars
    return "\n".join(f"{key}: {decode_dxf_unicode(value)}" for key, value in properties)


# ------------------------------------------------------------------ GeoJSON


def test_geojson_rfc7946(frame: gpd.GeoDataFrame, out: Path) -> None:
    path = export(frame, out / "out.geojson", "geojson", filter=Filter())
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(frame)
    meta = doc["metadata"]
    assert meta["filter"] == "all projects (no filter)"
    assert meta["register_as_of"] == "2026-01-31" and meta["licence"] == ATTRIBUTION
    assert meta["count"] == len(frame) and meta["crs"] == "EPSG:4326"
    text = path.read_text(encoding="utf-8")
    assert "Đường tỉnh 923" in text  # raw UTF-8, not \\u escapes
    for number in re.findall(r"-?\d+\.\d+", json.dumps([f["geometry"] for f in doc["features"]])):
        assert len(number.split(".")[1]) <= 6, number
    for feature in doc["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        polygons = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        for polygon in polygons:
            assert polygon.exterior.is_ccw, feature["properties"]["id"]
            assert all(not ring.is_ccw for ring in polygon.interiors)
        assert set(feature["properties"]) == set(EXPORT_COLUMNS)


def test_geojson_read_back(frame: gpd.GeoDataFrame, out: Path) -> None:
    path = export(frame, out / "out.geojson", "geojson")
    got = pyogrio.read_dataframe(path)
    assert got.crs.to_epsg() == 4326
    expected = with_measures(frame)
    assert_same_attributes(expected, got)
    assert_same_geometries(expected, got, tolerance=1e-6)
    assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["filter"].startswith("not stated")


def gdal_geojson(data: gpd.GeoDataFrame, path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """The reference: GDAL's own RFC 7946 GeoJSON writer with the options the library used before."""
    pyogrio.write_dataframe(
        data,
        path,
        driver="GeoJSON",
        layer="projects",
        layer_options={
            "RFC7946": "YES",
            "COORDINATE_PRECISION": "6",
            "WRITE_NAME": "YES",
            "FOREIGN_MEMBERS_COLLECTION": json.dumps({"metadata": meta}, ensure_ascii=False),
        },
    )
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def assert_geojson_equals_gdal(frame: gpd.GeoDataFrame, folder: Path, flt: Filter | None) -> None:
    """The shapely writer's file parses to exactly what GDAL's writer produces (members, properties,
    every coordinate, winding) and GDAL reads both back to equal frames."""
    path = export(frame, folder / "mine.geojson", "geojson", filter=flt)
    mine = json.loads(path.read_text(encoding="utf-8"))
    data = export_module.prepare(frame)
    reference = gdal_geojson(data, folder / "gdal.geojson", mine["metadata"])
    assert list(mine) == list(reference)  # type, metadata, name, xy_coordinate_resolution, features
    assert "crs" not in mine
    for key in reference:
        if key != "features":
            assert mine[key] == reference[key], key
    assert len(mine["features"]) == len(reference["features"]) == len(frame)
    for got, want in zip(mine["features"], reference["features"], strict=True):
        assert got["type"] == "Feature"
        assert got["properties"] == want["properties"]
        assert list(got["properties"]) == list(want["properties"]) == list(EXPORT_COLUMNS)
        assert got["geometry"] == want["geometry"], got["properties"]["id"]  # same rounding and winding
    back, gdal_back = pyogrio.read_dataframe(path), pyogrio.read_dataframe(folder / "gdal.geojson")
    assert list(back.columns) == list(gdal_back.columns)
    for column in back.columns:
        if column != "geometry":
            assert back[column].equals(gdal_back[column]), column
    assert all(a.equals_exact(b, 0) for a, b in zip(back.geometry, gdal_back.geometry, strict=True))


def test_geojson_equals_gdal_writer(frame: gpd.GeoDataFrame, out: Path) -> None:
    assert_geojson_equals_gdal(frame, out, Filter())
    f = Filter(statuses=("under_construction", "planned"))
    assert_geojson_equals_gdal(f.apply(frame), out, f)
    assert_geojson_equals_gdal(frame.iloc[:0], out, None)


def test_geojson_precision_and_winding_exact(frame: gpd.GeoDataFrame, out: Path) -> None:
    """Coordinates are the 6-decimal roundings of the input, exactly; rings wound per RFC 7946."""
    path = export(frame, out / "out.geojson", "geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    by_id = dict(zip(frame["id"], frame.geometry, strict=True))
    for feature in doc["features"]:
        back = shapely.geometry.shape(feature["geometry"])
        source = by_id[feature["properties"]["id"]]
        want = sorted(map(tuple, shapely.get_coordinates(source).round(6).tolist()))
        assert sorted(map(tuple, shapely.get_coordinates(back).tolist())) == want
        assert shapely.normalize(back).equals_exact(shapely.normalize(source), 1e-6)
    kdt = next(f for f in doc["features"] if f["properties"]["id"] == "kdt-nam-can-tho")["geometry"]
    exterior, hole = (shapely.LinearRing(ring) for ring in kdt["coordinates"])
    assert exterior.is_ccw and not hole.is_ccw  # the input had them the other way round
    assert '"coordinates":[[[105.6,10.1],' in path.read_text(encoding="utf-8")  # 105.600000123 -> 105.6


# ------------------------------------------------------------------ CSV


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:5897"])
def test_csv_read_back(frame: gpd.GeoDataFrame, out: Path, crs: str) -> None:
    path = export(
        frame, out / "out.csv", "csv", crs=crs, filter=Filter(sectors=("road",)), as_of="2026-02-01"
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw[3:].decode("utf-8").splitlines()[0].split(",")
    assert header == [*EXPORT_COLUMNS, "WKT"]
    got = pyogrio.read_dataframe(path, **CSV_WKT)
    expected = with_measures(frame)
    assert_same_attributes(expected, got)
    assert_same_geometries(expected.to_crs(crs), got, tolerance=1e-6 if crs == "EPSG:4326" else 1e-3)
    sidecar = json.loads(csv_sidecar(path).read_text(encoding="utf-8"))
    assert sidecar["url"] == "out.csv" and sidecar["dc:license"] == ATTRIBUTION
    assert sidecar["metadata"]["filter"] == "sector: Road (road)"
    assert sidecar["metadata"]["filter_params"] == {"sector": ["road"]}
    assert sidecar["metadata"]["register_as_of"] == "2026-02-01"
    assert sidecar["metadata"]["crs"] == crs
    assert [c["name"] for c in sidecar["tableSchema"]["columns"]] == [*EXPORT_COLUMNS, "WKT"]


@pytest.mark.parametrize("cell", ["=1+1", "+84 292 3820", "-5 km", "@SUM(A1:A9)", "\tTab", '=HYPERLINK("x")'])
def test_csv_neutralises_formulas(frame: gpd.GeoDataFrame, out: Path, cell: str) -> None:
    hostile = frame.copy()
    hostile.loc[hostile.index[0], "name_vi"] = cell
    hostile.loc[hostile.index[1], "notes"] = cell
    path = export(hostile, out / "out.csv", "csv")
    got = pyogrio.read_dataframe(path, **CSV_WKT)
    by_id = got.set_index("id")
    assert by_id.loc[hostile["id"].iloc[0], "name_vi"] == "'" + cell
    assert by_id.loc[hostile["id"].iloc[1], "notes"] == "'" + cell
    # untouched text that merely contains the characters
    assert by_id.loc["dt-923", "status_as_of"] == "2021-10-01"
    for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
        for value in next(csv.reader([line])):
            assert not value.startswith(("=", "+", "@")), value


# ------------------------------------------------------------------ GeoPackage


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:5897"])
def test_gpkg_read_back(frame: gpd.GeoDataFrame, out: Path, crs: str) -> None:
    f = Filter(statuses=("planned", "under_construction", "proposed"))
    subset = f.apply(frame)
    path = export(subset, out / "out.gpkg", "gpkg", crs=crs, filter=f, as_of=register_as_of(frame))
    info = pyogrio.read_info(path)
    assert info["layer_name"] == "projects" and info["crs"] == crs
    meta = info["layer_metadata"]
    assert meta["filter"] == f.describe() and meta["licence"] == attribution()
    assert meta["register_as_of"] == "2026-01-31" and meta["crs"] == crs
    assert json.loads(meta["filter_params"]) == f.to_params()
    got = pyogrio.read_dataframe(path)
    expected = with_measures(subset)
    assert_same_attributes(expected, got)
    assert_same_geometries(expected.to_crs(crs), got, tolerance=1e-9 if crs == "EPSG:4326" else 1e-6)
    assert sorted(path.parent.iterdir()) == [path]


# ------------------------------------------------------------------ KML


def test_kml_read_back(frame: gpd.GeoDataFrame, out: Path) -> None:
    f = Filter(search="cần thơ")
    subset = f.apply(frame)
    assert len(subset) >= 2
    path = export(subset, out / "out.kml", "kml", filter=f)
    got = pyogrio.read_dataframe(path)
    assert got.crs.to_epsg() == 4326
    expected = with_measures(subset)
    assert_same_attributes(expected, got)
    assert_same_geometries(expected, got, tolerance=1e-9)
    assert list(got["Name"]) == list(subset["name_vi"])
    xml = path.read_text(encoding="utf-8")
    assert "<description>" in xml and 'filter: text matches "cần thơ"' in xml
    assert ATTRIBUTION.replace("&", "&amp;") in xml or ATTRIBUTION in xml
    with pytest.raises(ExportError, match="allowed values: EPSG:4326"):
        export(subset, out / "out2.kml", "kml", crs="EPSG:5897")


# ------------------------------------------------------------------ Shapefile


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:5897"])
def test_shapefile_zip_read_back(frame: gpd.GeoDataFrame, out: Path, crs: str) -> None:
    path = export(frame, out / "out.zip", "shp", crs=crs, filter=Filter())
    names = zipfile.ZipFile(path).namelist()
    assert {"metadata.json", "README.txt"} <= set(names)
    layers = {n.rsplit(".", 1)[0] for n in names if n.endswith(".shp")}
    assert layers == {"out_points", "out_lines", "out_polygons"}
    got, meta = read_shapefile_zip(path, out / "unzipped")
    assert got.crs.to_epsg() == int(crs.split(":")[1])
    assert all(len(name) <= 10 for name in got.columns)
    assert meta["shapefile_fields"] == SHAPEFILE_FIELDS and meta["licence"] == ATTRIBUTION
    assert meta["truncated_cells"] == [{"id": "dt-923", "column": "notes", "field": "notes"}]

    def text(column: str, value: str) -> Any:
        if len(value.encode("utf-8")) <= 254:
            return value
        return lambda have: (
            have.endswith("…")
            and value.startswith(have[:-1])
            and len(have.encode("utf-8")) <= 254
            and len(have) > 60
        )

    expected = with_measures(frame)
    assert_same_attributes(expected, got, rename=SHAPEFILE_FIELDS, text=text)
    assert_same_geometries(expected.to_crs(crs), got, tolerance=1e-9 if crs == "EPSG:4326" else 1e-6)
    full = pyogrio.read_dataframe(out / "unzipped" / "out_attributes.csv")
    assert_same_attributes(expected, full)  # nothing cut in the attribute table
    assert meta["attributes_csv"] == "out_attributes.csv"
    readme = (out / "unzipped" / "README.txt").read_text(encoding="utf-8")
    assert "districts_before_2025" in readme and "dist_old" in readme and "Cần Thơ" in readme
    assert "out_attributes.csv" in readme


def test_shapefile_field_names_are_unique_and_short() -> None:
    assert set(SHAPEFILE_FIELDS) == set(EXPORT_COLUMNS)
    assert len(set(SHAPEFILE_FIELDS.values())) == len(SHAPEFILE_FIELDS)
    assert all(len(v) <= 10 and re.fullmatch(r"[a-z_]+", v) for v in SHAPEFILE_FIELDS.values())


# ------------------------------------------------------------------ DXF


@pytest.mark.parametrize("crs", [None, "EPSG:4326"])
def test_dxf_read_back(frame: gpd.GeoDataFrame, out: Path, crs: str | None) -> None:
    f = Filter(statuses=("under_construction", "planned", "proposed"))
    subset = f.apply(frame)
    path = export(subset, out / "out.dxf", "dxf", crs=crs, filter=f)
    got = pyogrio.read_dataframe(path)
    out_crs = crs or "EPSG:5897"
    expected = subset.to_crs(out_crs)
    labels = got[got["SubClasses"].str.contains("MText")]
    shapes = got[~got["SubClasses"].str.contains("MText")]
    assert sorted(labels["Layer"]) == sorted(subset["id"])
    assert dict(zip(labels["Layer"], labels["Text"], strict=True)) == {
        i: f"{i}: {n}" for i, n in zip(subset["id"], subset["name_vi"], strict=True)
    }
    for ident, geom in zip(expected["id"], expected.geometry, strict=True):
        parts = shapes[shapes["Layer"] == ident].geometry
        back = shapely.union_all([shapely.force_2d(g) for g in parts])
        tolerance = 1e-3 if out_crs == "EPSG:5897" else 1e-8
        assert shapely.hausdorff_distance(back, geom) <= tolerance, ident
        assert len(parts) == (len(geom.geoms) if geom.geom_type.startswith("Multi") else 1), ident
    comments = dxf_comments(path)
    assert "licence: Register: CC BY 4.0" in comments and f"crs: {out_crs}" in comments
    assert f"filter: {f.describe()}" in comments


def test_dxf_long_metadata_is_cut_into_dxf_strings(frame: gpd.GeoDataFrame, out: Path) -> None:
    """A filter on many owners is longer than a DXF string (2,049 characters): it is cut over numbered
    custom properties, and no line of the file is longer; joined, they read back as the filter."""
    owners = tuple(f"Ban Quản lý dự án đầu tư xây dựng công trình giao thông số {n}" for n in range(40))
    f = Filter(owners=owners)
    assert len(f.describe()) > 2049
    path = export(frame, out / "owners.dxf", "dxf", filter=f)
    lines = path.read_text(encoding="cp1252").split("\n")
    assert max(len(line.rstrip("\r")) for line in lines) <= 2049
    properties = dict(read_dxf(path).header.custom_vars)
    pieces = [k for k in properties if re.fullmatch(r"filter_\d+", k)]
    assert "filter" not in properties and pieces == [f"filter_{n}" for n in range(1, len(pieces) + 1)]
    assert len(pieces) >= 2
    assert "".join(decode_dxf_unicode(properties[k]) for k in pieces) == f.describe()
    assert len(pyogrio.read_dataframe(path)) > 0  # GDAL reads it too


def test_dxf_keeps_a_project_without_geometry_as_an_empty_layer(frame: gpd.GeoDataFrame, out: Path) -> None:
    """A missing or empty geometry is written as the project's layer with nothing on it (the other
    formats keep such a record without a geometry), not an AttributeError out of ``export``."""
    odd = frame.copy()
    gone, empty = odd["id"].iloc[0], odd["id"].iloc[1]
    odd.loc[odd.index[0], "geometry"] = None
    odd.loc[odd.index[1], "geometry"] = shapely.LineString()
    path = export(odd, out / "holes.dxf", "dxf")
    doc = read_dxf(path)
    layers = {layer.dxf.name for layer in doc.layers}
    assert set(odd["id"]) <= layers
    labelled = dxf_labels(doc)
    assert gone not in labelled and empty not in labelled and len(labelled) == len(odd) - 2
    on_layer = {e.dxf.layer for e in doc.modelspace()}
    assert gone not in on_layer and empty not in on_layer
    assert "count: " + str(len(odd)) in dxf_comments(path)
    assert len(pyogrio.read_dataframe(path)) > 0  # GDAL reads it too


def test_dxf_escapes_mtext_specials(frame: gpd.GeoDataFrame, out: Path) -> None:
    odd = frame.copy()
    odd.loc[odd.index[0], "name_vi"] = r"Đường {mới} 100%%d \ ^x"
    path = export(odd, out / "odd.dxf", "dxf")
    got = pyogrio.read_dataframe(path)
    texts = set(got["Text"].dropna())
    assert r"dt-923: Đường {mới} 100%%d \ ^x" in texts
    doc = read_dxf(path)  # and CAD programs read it the same way (DXF R2004, \U+XXXX)
    assert doc.dxfversion == "AC1018"
    assert dxf_labels(doc)["dt-923"] == r"dt-923: Đường {mới} 100%%d \ ^x"


# ------------------------------------------------------------------ exactly the filtered set, empty sets


@pytest.mark.parametrize("fmt", FORMATS)
def test_exports_exactly_the_filtered_set(frame: gpd.GeoDataFrame, out: Path, fmt: str) -> None:
    f = Filter(statuses=("under_construction", "planned"), year_from=2026, year_to=2030)
    subset = f.apply(frame)
    assert 0 < len(subset) < len(frame)
    path = export(subset, out / f"out{export_module.EXTENSIONS[fmt]}", fmt, filter=f)
    if fmt == "shp":
        got, meta = read_shapefile_zip(path, out / "shp")
        assert sorted(got["id"]) == sorted(subset["id"]) and meta["filter"] == f.describe()
    elif fmt == "dxf":
        got = pyogrio.read_dataframe(path)
        assert set(got["Layer"]) == set(subset["id"])
    else:
        got = pyogrio.read_dataframe(path, **(CSV_WKT if fmt == "csv" else {}))
        assert sorted(got["id"]) == sorted(subset["id"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_set_exports(frame: gpd.GeoDataFrame, out: Path, fmt: str) -> None:
    f = Filter(search="không có dự án nào như thế")
    empty = f.apply(frame)
    assert len(empty) == 0
    path = export(empty, out / f"empty{export_module.EXTENSIONS[fmt]}", fmt, filter=f, as_of="2026-01-31")
    if fmt == "shp":
        got, meta = read_shapefile_zip(path, out / "shp")
        assert len(got) == 0 and meta["count"] == 0 and meta["layers"] == {"empty_empty": "MultiPolygon"}
        # GIS opens the zip itself: one empty layer with the fields of a non-empty export
        assert pyogrio.list_layers(f"/vsizip/{path}").tolist() == [["empty_empty", "Polygon"]]
        info = pyogrio.read_info(f"/vsizip/{path}", layer="empty_empty")
        full = export(frame, out / "full.zip", "shp")
        full_info = pyogrio.read_info(f"/vsizip/{full}", layer="full_lines")
        assert info["features"] == 0 and info["crs"] == full_info["crs"] == "EPSG:4326"
        assert list(info["fields"]) == list(full_info["fields"]) == list(SHAPEFILE_FIELDS.values())
        assert info["ogr_types"] == full_info["ogr_types"]
        readme = (out / "shp" / "README.txt").read_text(encoding="utf-8")
        assert "no project was selected: the layer is empty" in readme
    elif fmt == "dxf":
        assert len(pyogrio.read_dataframe(path)) == 0
        assert "count: 0" in dxf_comments(path)
    else:
        assert len(pyogrio.read_dataframe(path, **(CSV_WKT if fmt == "csv" else {}))) == 0


# ------------------------------------------------------------------ formats, CRSs, bytes


def test_unknown_format_and_crs(frame: gpd.GeoDataFrame, out: Path) -> None:
    with pytest.raises(ExportError, match="allowed values: geojson, csv, gpkg, kml, shp, dxf"):
        export(frame, out / "x.xls", "xls")
    with pytest.raises(ExportError, match="EPSG:4326"):
        export(frame, out / "x.geojson", "geojson", crs="EPSG:5897")
    with pytest.raises(ExportError, match="EPSG:5897"):
        export(frame, out / "x.gpkg", "gpkg", crs="EPSG:3857")
    with pytest.raises(ExportError):
        export(frame, out / "x.gpkg", "gpkg", crs="not a crs")
    assert not list(out.iterdir())
    assert export(frame, out / "x.gpkg", "gpkg", crs="epsg:5897").exists()
    assert FORMAT_CRS["dxf"][0] == "EPSG:5897" and FORMAT_CRS["geojson"] == ("EPSG:4326",)


def test_missing_columns(frame: gpd.GeoDataFrame, out: Path) -> None:
    with pytest.raises(ExportError, match="notes"):
        export(frame.drop(columns=["notes"]), out / "x.geojson", "geojson")


@pytest.mark.parametrize("fmt", ["geojson", "csv", "kml", "dxf"])
def test_to_bytes_matches_the_file(frame: gpd.GeoDataFrame, out: Path, fmt: str) -> None:
    f = Filter(sectors=("road", "port"))
    data = to_bytes(f.apply(frame), fmt, filter=f, as_of="2026-01-31")
    path = export(
        f.apply(frame), out / f"projects{export_module.EXTENSIONS[fmt]}", fmt, filter=f, as_of="2026-01-31"
    )
    if fmt != "dxf":
        assert data == path.read_bytes()
        return
    # a DXF states when it was saved ($TDUPDATE) and a fresh version GUID: compare what it holds
    copy = out / "bytes.dxf"
    copy.write_bytes(data)
    assert dxf_comments(copy) == dxf_comments(path)
    assert pyogrio.read_dataframe(copy).equals(pyogrio.read_dataframe(path))


def test_to_bytes_binary_formats(frame: gpd.GeoDataFrame, out: Path) -> None:
    data = to_bytes(frame, "gpkg", crs="EPSG:5897")
    (out / "b.gpkg").write_bytes(data)
    assert len(pyogrio.read_dataframe(out / "b.gpkg")) == len(frame)
    data = to_bytes(frame, "shp")
    assert data[:2] == b"PK"
    meta = json.loads(csv_metadata_bytes(frame, filter=Filter(), as_of="2026-01-31"))
    assert meta["metadata"]["register_as_of"] == "2026-01-31" and meta["url"] == "projects.csv"


def test_the_csv_sidecar_download_is_the_exports_without_preparing_the_frame(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sidecar offered beside a CSV download equals the one the export writes, and is built from
    the frame's count, dates and attrs without reprojecting or copying it."""
    import portfolio.export as export_package

    f = Filter(statuses=("planned",))
    path = export(frame, out / "projects.csv", "csv", filter=f)
    written = json.loads((out / "projects.csv-metadata.json").read_bytes())
    assert path.exists()

    def prepared(_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        raise AssertionError("the frame was prepared for its metadata")

    monkeypatch.setattr(export_package, "prepare", prepared)
    offered = json.loads(csv_metadata_bytes(frame, filter=f))
    assert offered == written
    with pytest.raises(ExportError, match="columns missing from the data: status"):
        csv_metadata_bytes(frame.drop(columns="status"), filter=f)


def test_register_as_of_is_latest_status_date(frame: gpd.GeoDataFrame) -> None:
    assert register_as_of(frame) == max(frame["status_as_of"]) == "2026-01-31"
    assert register_as_of(frame.iloc[:0]) == ""


# ------------------------------------------------------------------ atomic writes


def _fail_midway(df: Any, path: Path, *args: Any, **kwargs: Any) -> None:
    Path(path).write_bytes(b"half a file")
    raise RuntimeError("disk full (simulated)")


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "dxf", "shp"])
def test_failed_write_keeps_the_previous_file(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    target = out / f"out{export_module.EXTENSIONS[fmt]}"
    export(frame, target, fmt)
    before = target.read_bytes()
    calls = {"n": 0}
    real_write = pyogrio.write_dataframe

    def write_then_fail(df: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if fmt == "shp" and calls["n"] == 1:  # the first shapefile layer succeeds, the second fails
            real_write(df, path, *args, **kwargs)
            return
        _fail_midway(df, path)

    monkeypatch.setattr(pyogrio, "write_dataframe", write_then_fail)
    if fmt in ("geojson", "kml", "dxf"):  # written by shapely, ElementTree and ezdxf, not by GDAL
        spec = dataclasses.replace(
            export_module.BY_NAME[fmt], write=lambda data, paths, *a: _fail_midway(data, paths[0])
        )
        monkeypatch.setitem(export_module.BY_NAME, fmt, spec)
    with pytest.raises(ExportError, match="disk full"):
        export(frame.iloc[:4], target, fmt)
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [target.name]


def test_failed_csv_keeps_csv_and_sidecar(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = out / "out.csv"
    export(frame, target, "csv", filter=Filter())
    before, sidecar_before = target.read_bytes(), csv_sidecar(target).read_bytes()
    calls = {"n": 0}
    real = csv_format._csv_value

    def fail_on_row_three(column: str, value: Any) -> str:
        calls["n"] += 1
        if calls["n"] > 2 * len(EXPORT_COLUMNS):
            raise OSError("disk full (simulated)")
        return real(column, value)

    monkeypatch.setattr(csv_format, "_csv_value", fail_on_row_three)
    with pytest.raises(ExportError, match="disk full"):
        export(frame.iloc[:4], target, "csv", filter=Filter(sectors=("road",)))
    assert target.read_bytes() == before and csv_sidecar(target).read_bytes() == sidecar_before
    assert sorted(p.name for p in out.iterdir()) == ["out.csv", "out.csv-metadata.json"]


def test_failure_with_no_previous_file_leaves_nothing(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pyogrio, "write_dataframe", _fail_midway)
    with pytest.raises(ExportError):
        export(frame, out / "new.gpkg", "gpkg")
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------ the real register


REAL_CASES = [(fmt, crs) for fmt in FORMATS for crs in FORMAT_CRS[fmt]]


@pytest.mark.parametrize(("fmt", "crs"), REAL_CASES)
def test_real_register_round_trip(real: gpd.GeoDataFrame, out: Path, fmt: str, crs: str) -> None:
    f = Filter(statuses=("under_construction", "planned"), year_from=2026, year_to=2030)
    for flt in (Filter(), f):
        subset = flt.apply(real)
        path = export(
            subset,
            out / f"real{export_module.EXTENSIONS[fmt]}",
            fmt,
            crs=crs,
            filter=flt,
            as_of=register_as_of(real),
        )
        expected = with_measures(subset)
        tolerance = 1e-3 if crs == "EPSG:5897" else 1e-6
        if fmt == "dxf":
            got = pyogrio.read_dataframe(path)
            labels = got[got["SubClasses"].str.contains("MText")]
            assert dict(zip(labels["Layer"], labels["Text"], strict=True)) == {
                i: f"{i}: {n}" for i, n in zip(subset["id"], subset["name_vi"], strict=True)
            }
            shapes = got[~got["SubClasses"].str.contains("MText")]
            for ident, geom in zip(expected["id"], expected.to_crs(crs).geometry, strict=True):
                parts = shapes[shapes["Layer"] == ident].geometry
                back = shapely.union_all([shapely.force_2d(g) for g in parts])
                assert shapely.hausdorff_distance(back, geom) <= tolerance, ident
            assert f"count: {len(subset)}" in dxf_comments(path)
            continue
        if fmt == "shp":
            got, meta = read_shapefile_zip(path, out / f"shp-{len(subset)}")

            def text(column: str, value: str) -> Any:
                if len(value.encode("utf-8")) <= 254:
                    return value
                return lambda have: have.endswith("…") and value.startswith(have[:-1])

            assert_same_attributes(expected, got, rename=SHAPEFILE_FIELDS, text=text)
            assert meta["register_as_of"] == register_as_of(real)
            full = pyogrio.read_dataframe(out / f"shp-{len(subset)}" / meta["attributes_csv"])
            assert_same_attributes(expected, full)
        else:
            got = pyogrio.read_dataframe(path, **(CSV_WKT if fmt == "csv" else {}))

            def neutral(column: str, value: str) -> str:
                return export_module.neutralise(value) if fmt == "csv" else value

            assert_same_attributes(expected, got, text=neutral)
        assert_same_geometries(expected.to_crs(crs), got, tolerance=tolerance)


def test_real_register_geojson_equals_gdal_writer(real: gpd.GeoDataFrame, out: Path) -> None:
    assert_geojson_equals_gdal(real, out, Filter())
    f = Filter(statuses=("under_construction", "planned"), year_from=2026, year_to=2030)
    assert_geojson_equals_gdal(f.apply(real), out, f)


# ------------------------------------------------------------------ short writes GDAL does not report

GDAL_FORMATS = ["gpkg", "shp"]
#: Formats whose file a library writes and the export reads back before renaming it into place.
CHECKED_FORMATS = [f.name for f in export_module.REGISTRY if f.check is not None]


def _fake_short_gdal_write(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    """Make every GDAL write silently incomplete, as a full disk does: GDAL returns without error.

    ``truncate`` cuts the file GDAL wrote to half its size (for a shapefile the ``.shp``, ``.dbf``
    per ``mode``); ``drop`` writes one feature fewer than asked.
    """
    real_write = pyogrio.write_dataframe

    def short_write(df: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        if mode == "drop":
            assert len(df) > 1
            real_write(df.iloc[:-1], path, *args, **kwargs)
            return
        real_write(df, path, *args, **kwargs)
        victim = Path(path).with_suffix(".dbf") if mode == "truncate_dbf" else Path(path)
        size = victim.stat().st_size
        with victim.open("r+b") as fh:
            fh.truncate(size // 2)
        assert victim.stat().st_size < size

    monkeypatch.setattr(pyogrio, "write_dataframe", short_write)


@pytest.mark.parametrize("mode", ["truncate", "drop"])
@pytest.mark.parametrize("fmt", GDAL_FORMATS)
def test_short_gdal_write_is_an_error(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, mode: str
) -> None:
    target = out / f"out{export_module.EXTENSIONS[fmt]}"
    export(frame.iloc[:2], target, fmt)
    before = target.read_bytes()
    _fake_short_gdal_write(monkeypatch, mode)
    with pytest.raises(ExportError) as info:
        export(frame, target, fmt)
    message = str(info.value)
    assert message.startswith(f"could not write {fmt} to {target}: ") and "\n" not in message
    assert re.search(r"truncated|incomplete|not well-formed|damaged|cannot be read back", message), message
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [target.name]


def test_checked_formats() -> None:
    assert CHECKED_FORMATS == ["gpkg", "kml", "shp", "dxf"]


@pytest.mark.parametrize("fmt", CHECKED_FORMATS)
def test_truncated_output_is_an_error(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Whatever library wrote the file, one cut short without an error (a full disk GDAL, libkml or a
    buffered write did not report) is found by reading it back, and the previous file stays."""
    target = out / f"out{export_module.EXTENSIONS[fmt]}"
    export(frame.iloc[:2], target, fmt)
    before = target.read_bytes()
    spec = export_module.BY_NAME[fmt]

    def write_short(data: Any, paths: tuple[Path, ...], *args: Any) -> None:
        spec.write(data, paths, *args)
        size = paths[0].stat().st_size
        with paths[0].open("r+b") as fh:
            fh.truncate(size // 2)

    monkeypatch.setitem(export_module.BY_NAME, fmt, dataclasses.replace(spec, write=write_short))
    with pytest.raises(ExportError) as info:
        export(frame, target, fmt)
    message = str(info.value)
    assert message.startswith(f"could not write {fmt} to {target}: ") and "\n" not in message
    assert re.search(r"truncated|incomplete|damaged|cannot be read back", message), message
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [target.name]


def test_short_shapefile_dbf_write_is_an_error(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_short_gdal_write(monkeypatch, "truncate_dbf")
    with pytest.raises(ExportError, match=r"could not write shp to .*\.dbf written is incomplete"):
        export(frame, out / "new.zip", "shp")
    assert list(out.iterdir()) == []


def _cli_under_file_size_limit(limit: int, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process whose files may not grow beyond ``limit`` bytes (RLIMIT_FSIZE).

    Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk; GDAL does
    not always notice.
    """
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from portfolio.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE behaviour is Linux's")
@pytest.mark.parametrize("fmt", FORMATS)
def test_file_size_limit_fails_cleanly(make_register: MakeRegister, tmp_path: Path, fmt: str) -> None:
    register, geodata = make_register(export_rows(), export_geometries())
    reg = ["--register", str(register), "--geodata", str(geodata)]
    out = tmp_path / "limited"
    out.mkdir()
    target = out / f"out{export_module.EXTENSIONS[fmt]}"
    whole = export(load(register, geodata), tmp_path / f"whole{export_module.EXTENSIONS[fmt]}", fmt)
    export(load(register, geodata).iloc[:1], target, fmt)
    before = target.read_bytes()
    limit = whole.stat().st_size // 2 // 512 * 512
    done = _cli_under_file_size_limit(limit, "export", *reg, "-f", fmt, "-o", str(target))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr.startswith(f"export failed: could not write {fmt} to {target}: ")
    assert f"the file size limit (ulimit -f) is {limit:,} bytes" in done.stderr
    assert done.stderr.count("\n") == 1
    assert target.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in export_module.outputs(target, fmt))


def test_write_errors_say_what_happened(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(df: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"0\nSECTION\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    class Full:
        f_bavail, f_frsize = 3, 4096

    monkeypatch.setattr(pyogrio, "write_dataframe", disk_full)
    monkeypatch.setattr(os, "statvfs", lambda path: Full())
    target = out / "out.gpkg"
    with pytest.raises(ExportError) as info:
        export(frame, target, "gpkg")
    assert str(info.value).startswith(f"could not write gpkg to {target}: {os.strerror(errno.ENOSPC)}")
    assert f"the disk holding {out} is full (12,288 bytes free)" in str(info.value)
    assert "unexpected structure" not in str(info.value)
    assert list(out.iterdir()) == []


# ------------------------------------------------------------------ links and special files


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_through_a_symlink_writes_its_target(frame: gpd.GeoDataFrame, out: Path, fmt: str) -> None:
    ext = export_module.EXTENSIONS[fmt]
    real_folder = out / "real"
    real_folder.mkdir()
    real = real_folder / f"real{ext}"
    real.write_bytes(b"old")
    link = out / f"link{ext}"
    link.symlink_to(Path("real") / real.name)  # relative, as `ln -s` makes them
    assert export(frame, link, fmt) == link
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / real.name)
    assert real.read_bytes() != b"old"
    if fmt == "shp":
        assert zipfile.is_zipfile(real)
    elif fmt != "dxf":
        assert len(pyogrio.read_dataframe(real, **(CSV_WKT if fmt == "csv" else {}))) == len(frame)
    assert [p.name for p in real_folder.iterdir()] == [real.name]  # the temporary file went beside it
    extra = [csv_sidecar(link).name] if fmt == "csv" else []
    assert sorted(p.name for p in out.iterdir()) == sorted([link.name, "real", *extra])


def test_export_through_a_dangling_symlink_creates_its_target(frame: gpd.GeoDataFrame, out: Path) -> None:
    link = out / "link.geojson"
    link.symlink_to(out / "new.geojson")
    export(frame, link, "geojson")
    assert link.is_symlink() and len(pyogrio.read_dataframe(out / "new.geojson")) == len(frame)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
@pytest.mark.parametrize("fmt", FORMATS)
def test_export_refuses_a_fifo(frame: gpd.GeoDataFrame, out: Path, fmt: str) -> None:
    fifo = out / f"pipe{export_module.EXTENSIONS[fmt]}"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match=re.escape(f"{fifo} is a named pipe (fifo), not a regular file")):
        export(frame, fifo, fmt)
    assert fifo.is_fifo()
    assert [p.name for p in out.iterdir()] == [fifo.name]
    link = out / "link.geojson"  # the same through a symbolic link
    link.symlink_to(fifo)
    with pytest.raises(ExportError, match=re.escape(f"{link} (a link to {fifo}) is a named pipe")):
        export(frame, link, "geojson")
    assert fifo.is_fifo() and link.is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_atomic_path_refuses_special_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="is a named pipe") as info, atomic_path(fifo) as tmp:
        tmp.write_text("never")
    assert info.value.errno == errno.EINVAL
    with pytest.raises(IsADirectoryError, match="is a directory"), atomic_path(tmp_path) as tmp:
        tmp.write_text("never")
    assert fifo.is_fifo() and [p.name for p in tmp_path.iterdir()] == ["pipe.txt"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_into_a_missing_folder_creates_none(frame: gpd.GeoDataFrame, out: Path, fmt: str) -> None:
    target = out / "nodir" / "sub" / f"x{export_module.EXTENSIONS[fmt]}"
    with pytest.raises(ExportError, match=re.escape(f"folder {out / 'nodir' / 'sub'} does not exist")):
        export(frame, target, fmt)
    file = out / "some.csv"
    file.write_bytes(b"id\n")
    with pytest.raises(ExportError, match=re.escape(f"{file} is not a folder")):
        export(frame, file / target.name, fmt)
    assert [p.name for p in out.iterdir()] == ["some.csv"] and file.read_bytes() == b"id\n"


def test_atomic_path_creates_no_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.txt"
    with pytest.raises(FileNotFoundError, match="does not exist"), atomic_path(target) as tmp:
        tmp.write_text("never")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ CSV and its sidecar


def test_csv_rename_failure_keeps_the_previous_pair(
    frame: gpd.GeoDataFrame, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = out / "out.csv"
    export(frame, target, "csv", filter=Filter())
    before, sidecar_before = target.read_bytes(), csv_sidecar(target).read_bytes()
    real_replace = os.replace
    renamed: list[str] = []

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == target:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        renamed.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ExportError, match=f"could not write csv to {re.escape(str(target))}"):
        export(frame.iloc[:2], target, "csv", filter=Filter(sectors=("road",)))
    assert renamed == []  # the sidecar waits for the CSV
    assert target.read_bytes() == before and csv_sidecar(target).read_bytes() == sidecar_before
    assert sorted(p.name for p in out.iterdir()) == ["out.csv", "out.csv-metadata.json"]


def test_csv_to_a_directory_writes_no_sidecar(
    frame: gpd.GeoDataFrame, out: Path, make_register: MakeRegister, capsys: pytest.CaptureFixture[str]
) -> None:
    (out / "taken.csv").mkdir()
    taken = re.escape(str(out / "taken.csv"))
    with pytest.raises(ExportError, match=f"could not write csv to {taken}: {taken} is a directory"):
        export(frame, out / "taken.csv", "csv")
    assert sorted(p.name for p in out.iterdir()) == ["taken.csv"]
    # an old sidecar beside the directory stays as it was
    sidecar = csv_sidecar(out / "taken.csv")
    sidecar.write_text('{"old": true}\n', encoding="utf-8")
    register, geodata = make_register(export_rows(), export_geometries(), name="cli")
    with pytest.raises(SystemExit) as exited:  # a usage error: exit 2
        cli.main(
            [
                "export",
                "--register",
                str(register),
                "--geodata",
                str(geodata),
                "-f",
                "csv",
                "-o",
                str(out / "taken.csv"),
            ]
        )
    captured = capsys.readouterr()
    assert exited.value.code == 2 and captured.err.splitlines()[-1] == (
        f"portfolio export: error: cannot write {out / 'taken.csv'}: {out / 'taken.csv'} is a directory"
    )
    assert sidecar.read_text(encoding="utf-8") == '{"old": true}\n'
    assert sorted(p.name for p in out.iterdir()) == ["taken.csv", "taken.csv-metadata.json"]
    # a directory where the sidecar goes: the CSV is not written either
    (out / "x.csv-metadata.json").mkdir()
    with pytest.raises(ExportError, match="x.csv-metadata.json is a directory"):
        export(frame, out / "x.csv", "csv")
    assert not (out / "x.csv").exists()


# ------------------------------------------------------------------ text XML and DXF must escape

#: Text that breaks naive XML: CDATA ends, tags, entities, a fake placemark and CDATA start.
HOSTILE = [
    "a]]>b",
    "]]>",
    "x]]]]>y]]>]]>",
    "<![CDATA[ <Placemark> & ]]> </Placemark> &amp;",
    "tail]]",
    "\ue000]]>\ue001",
]  # private-use characters: the writer's stand-ins must avoid them


def _hostile_frame(make_register: MakeRegister) -> gpd.GeoDataFrame:
    rows = export_rows()
    for row, text in zip(rows, HOSTILE, strict=False):
        row["name_vi"] = f"Đường {text} mới"
        row["notes"] = f"Ghi chú {text}"
    return load(*make_register(rows, export_geometries()))


def test_kml_text_with_cdata_end_survives(make_register: MakeRegister, out: Path) -> None:
    frame = _hostile_frame(make_register)
    assert any("]]>" in n for n in frame["name_vi"]) and any("]]>" in n for n in frame["notes"])
    f = Filter(search="]]><b>x</b> & <Placemark>")
    path = export(frame, out / "hostile.kml", "kml", filter=f)
    root = ElementTree.parse(path).getroot()  # well-formed
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    description = root.find("k:Document/k:description", ns)
    assert description is not None and description.text is not None
    assert f"filter: {f.describe()}" in description.text.splitlines()
    placemarks = root.findall(".//k:Placemark", ns)
    assert len(placemarks) == len(frame)
    names = [p.findtext("k:name", namespaces=ns) for p in placemarks]
    notes = [p.findtext(".//k:SimpleData[@name='notes']", namespaces=ns) or "" for p in placemarks]
    assert names == list(frame["name_vi"]) and notes == list(frame["notes"])
    assert_same_attributes(with_measures(frame), pyogrio.read_dataframe(path))


def test_kml_control_characters_in_the_filter(frame: gpd.GeoDataFrame, out: Path) -> None:
    f = Filter(search="Cần\x01Thơ\x1b")
    assert "\x01" in f.describe()
    path = export(frame, out / "ctl.kml", "kml", filter=f)
    root = ElementTree.parse(path).getroot()
    text = root.findtext(
        "{http://www.opengis.net/kml/2.2}Document/{http://www.opengis.net/kml/2.2}description"
    )
    assert text is not None
    assert f"filter: {f.describe().replace(chr(1), chr(0xFFFD)).replace(chr(0x1B), chr(0xFFFD))}" in text


def test_gpkg_metadata_keeps_xml_specials(make_register: MakeRegister, out: Path) -> None:
    frame = _hostile_frame(make_register)
    f = Filter(search="]]><b>x</b> & <Placemark>")
    path = export(frame, out / "hostile.gpkg", "gpkg", filter=f)
    info = pyogrio.read_info(path, layer="projects")
    assert info["layer_metadata"]["filter"] == f.describe()
    assert_same_attributes(with_measures(frame), pyogrio.read_dataframe(path))


def test_dxf_long_labels_and_control_characters(frame: gpd.GeoDataFrame, out: Path) -> None:
    odd = frame.copy()
    long_name = "Đường nối Quốc lộ 91 với Đường tỉnh 923 {mới} \\ 100% ^x " * 6
    odd.loc[odd.index[0], "name_vi"] = long_name.strip()
    odd.loc[odd.index[1], "name_vi"] = "Cầu\x01 Rạch\x7f Ngỗng"
    f = Filter(search="tên\x01 ]]> \\{x}")
    path = export(odd, out / "long.dxf", "dxf", filter=f)
    lines = path.read_text(encoding="cp1252").split("\n")
    assert not any(re.search(r"[\x00-\x09\x0b-\x1f\x7f]", line) for line in lines)  # no control character
    entities: list[list[tuple[str, str]]] = []
    for code, value in zip(lines[0::2], lines[1::2], strict=False):  # (group code, value) pairs
        if code.strip() == "0":
            entities.append([])
        elif entities:
            entities[-1].append((code.strip(), value))
    mtexts = [e for e in entities if ("100", "AcDbMText") in e]
    assert len(mtexts) == len(odd)
    chunks = [value for e in mtexts for code, value in e if code == "3"]
    # the long label is cut into pieces of 250 characters (DXF reference, MTEXT group 3), never inside
    # an escape (empty groups {} move it past the cut)
    assert len(chunks) >= 2 and all(len(c) == 250 for c in chunks)
    doc = read_dxf(path)
    assert dxf_labels(doc)[odd["id"].iloc[0]] == f"{odd['id'].iloc[0]}: {long_name.strip()}"
    assert "filter: " + f.describe().replace("\x01", "\ufffd") in dxf_comments(path).replace("\x01", "\ufffd")
    got = pyogrio.read_dataframe(path)
    texts = dict(zip(got["Layer"], got["Text"], strict=True))
    first, second = odd["id"].iloc[0], odd["id"].iloc[1]
    assert texts[first] == f"{first}: {long_name.strip()}"
    assert texts[second] == f"{second}: Cầu\ufffd Rạch\ufffd Ngỗng"
