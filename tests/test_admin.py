"""Communes and old districts computed from boundary layers (fixture layers, not reference data)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon, box

from portfolio.admin import MEASURE_CRS, AdminLayers, assign, units_touched
from portfolio.register import load


def _layers() -> AdminLayers:
    # Two wards side by side split at lon 105.75, and one old district covering both.
    communes = gpd.GeoDataFrame(
        {"label": ["Phường Tây", "Phường Đông"]},
        geometry=[box(105.60, 9.90, 105.75, 10.10), box(105.75, 9.90, 105.90, 10.10)],
        crs="EPSG:4326",
    ).to_crs(MEASURE_CRS)
    districts = gpd.GeoDataFrame(
        {"label": ["Quận Ninh Kiều (Cần Thơ)"]}, geometry=[box(105.6, 9.9, 105.9, 10.1)], crs="EPSG:4326"
    ).to_crs(MEASURE_CRS)
    return AdminLayers(communes, districts)


def test_point_line_polygon_assignment() -> None:
    layers = _layers()
    geoms = gpd.GeoSeries(
        [
            Point(105.8, 10.0),
            LineString([(105.70, 10.0), (105.85, 10.0)]),  # 1/3 west, 2/3 east: east first
            Polygon([(105.749, 9.95), (105.80, 9.95), (105.80, 10.0), (105.749, 10.0)]),  # grazes the west
            Point(106.5, 10.0),
        ],
        crs="EPSG:4326",
    )
    result = units_touched(geoms, layers.communes)
    assert result[0] == ["Phường Đông"]
    assert result[1] == ["Phường Đông", "Phường Tây"]
    assert result[2] == ["Phường Đông", "Phường Tây"]  # 1/51 of the area is west: above the 1 % floor
    assert result[3] == []


def test_assign_flags_basis(make_register) -> None:  # type: ignore[no-untyped-def]
    frame = load(*make_register()).copy()
    frame.loc[frame["id"] == "cang-cai-cui", "geocode_precision"] = 6
    out = assign(frame, _layers())
    by_id = dict(zip(frame["id"], out.to_dict("records"), strict=True))
    assert by_id["dt-923"]["admin_basis"] == "geometry"
    assert by_id["dt-923"]["districts_before_2025"] == "Quận Ninh Kiều (Cần Thơ)"
    assert by_id["cang-cai-cui"]["admin_basis"] == "source_text"
    assert by_id["cang-cai-cui"]["communes"] == ""
