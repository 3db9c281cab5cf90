"""KML 2.2, written with the standard library's ElementTree: WGS 84, one ``Placemark`` per project.

The placemark's id is the project's ``id`` and its name ``name_vi``; every other export column is in
its ``ExtendedData`` (typed by a
``Schema``, as GDAL's LIBKML driver writes it, so GIS programs read numbers as numbers); the metadata
are the ``<Document>``'s name and description. ElementTree escapes the text, so text holding ``]]>``,
``<![CDATA[`` or ``&amp;`` reads back as written; characters XML 1.0 cannot hold become U+FFFD.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

import geopandas as gpd
import pandas as pd
import shapely

from portfolio.export._core import (
    EXPORT_COLUMNS,
    LAYER_NAME,
    WGS84,
    Format,
    check_count,
    metadata_text,
    plain,
)

NAMESPACE: Final[str] = "http://www.opengis.net/kml/2.2"
SCHEMA_ID: Final[str] = f"{LAYER_NAME}.schema"
#: Characters XML 1.0 does not allow (C0 controls but tab and line breaks, surrogates, U+FFFE/F).
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD (``\ufffd``)."""
    return _XML_INVALID.sub("\ufffd", text)


def _field_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "double"
    return "string"


def _coordinates(coords: Any) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y in shapely.get_coordinates(coords).tolist())


def _geometry(parent: ElementTree.Element, geom: shapely.Geometry) -> None:
    sub = ElementTree.SubElement
    kind = geom.geom_type
    if kind == "Point":
        sub(sub(parent, "Point"), "coordinates").text = _coordinates(geom)
    elif kind == "LineString":
        sub(sub(parent, "LineString"), "coordinates").text = _coordinates(geom)
    elif kind == "Polygon":
        polygon = sub(parent, "Polygon")
        ring = sub(sub(polygon, "outerBoundaryIs"), "LinearRing")
        sub(ring, "coordinates").text = _coordinates(geom.exterior)
        for interior in geom.interiors:
            ring = sub(sub(polygon, "innerBoundaryIs"), "LinearRing")
            sub(ring, "coordinates").text = _coordinates(interior)
    elif kind.startswith("Multi") or kind == "GeometryCollection":
        multi = sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)
    else:
        raise ValueError(f"a {kind} cannot be written to KML")


def _text(value: Any) -> str | None:
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    return xml_text(str(value))


def document(data: gpd.GeoDataFrame, meta: dict[str, Any]) -> ElementTree.ElementTree:
    """The KML document of ``data`` (EPSG:4326) with ``meta``."""
    sub = ElementTree.SubElement
    root = ElementTree.Element("kml", xmlns=NAMESPACE)
    doc = sub(root, "Document", id="root_doc")
    sub(doc, "name").text = xml_text(meta["title"])
    sub(doc, "description").text = xml_text(metadata_text(meta))
    schema = sub(doc, "Schema", id=SCHEMA_ID)
    for column in EXPORT_COLUMNS[1:]:  # the id is the placemark's
        sub(schema, "SimpleField", name=column, type=_field_type(data[column]))
    folder = sub(doc, "Folder")
    sub(folder, "name").text = LAYER_NAME
    columns = [data[c].tolist() for c in EXPORT_COLUMNS]
    for geom, row in zip(data.geometry, zip(*columns, strict=True), strict=True):
        values = dict(zip(EXPORT_COLUMNS, row, strict=True))
        placemark = sub(folder, "Placemark", id=xml_text(str(values.pop("id"))))
        sub(placemark, "name").text = _text(values["name_vi"])
        schema_data = sub(sub(placemark, "ExtendedData"), "SchemaData", schemaUrl=f"#{SCHEMA_ID}")
        for column, value in values.items():
            text = _text(value)
            if text is not None:
                sub(schema_data, "SimpleData", name=column).text = text
        if geom is not None and not geom.is_empty:
            _geometry(placemark, geom)
    return ElementTree.ElementTree(root)


def write(data: gpd.GeoDataFrame, paths: tuple[Path, ...], crs: str, meta: dict[str, Any], name: str) -> None:
    document(data, meta).write(paths[0], encoding="utf-8", xml_declaration=True)


def check(path: Path, data: gpd.GeoDataFrame) -> None:
    """A KML file is whole: GDAL reads every placemark back."""
    check_count(path, len(data), "KML")


FORMAT: Final[Format] = Format(
    name="kml",
    label={"vi": "KML", "en": "KML"},
    suffixes=(".kml",),
    media_type="application/vnd.google-earth.kml+xml",
    crs=(WGS84,),  # KML 2.2 is WGS 84 only
    what="a KML file",
    write=write,
    check=check,
)
