"""Communes and old districts computed from boundary layers (fixture layers, not reference data)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from portfolio import schema
from portfolio._errors import InputError
from portfolio.admin import AdminLayers, assign, read_reference, units_touched, update_register
from portfolio.constants import METRIC_CRS as MEASURE_CRS
from portfolio.register import load
from tests.conftest import MakeRegister, fixture_rows


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


# ------------------------------------------------------------------ reference files and bad inputs


def write_reference(folder: Path, wards_fields: dict[str, list[str]] | None = None) -> Path:
    """The fixture layers as the two reference GeoJSON files the command reads."""
    folder.mkdir(parents=True, exist_ok=True)
    layers = _layers()
    wards = gpd.GeoDataFrame(
        wards_fields or {"full_name": layers.communes["label"].tolist()},
        geometry=layers.communes.geometry.to_crs("EPSG:4326").to_numpy(),
        crs="EPSG:4326",
    )
    wards.to_file(folder / "cantho2025_wards_103.geojson", driver="GeoJSON")
    districts = gpd.GeoDataFrame(
        {"district": ["Quận Ninh Kiều"], "province_code": ["92"]},
        geometry=layers.districts.geometry.to_crs("EPSG:4326").to_numpy(),
        crs="EPSG:4326",
    )
    districts.to_file(folder / "cantho_old_districts_gisgov.geojson", driver="GeoJSON")
    return folder


def test_read_reference_labels(tmp_path: Path) -> None:
    layers = read_reference(write_reference(tmp_path / "ref"))
    assert layers.communes["label"].tolist() == ["Phường Tây", "Phường Đông"]
    assert layers.districts["label"].tolist() == ["Quận Ninh Kiều (Cần Thơ)"]
    assert layers.communes.crs.to_epsg() == 5897


@pytest.mark.parametrize(
    ("case", "rule", "named"),
    [
        ("no folder", "missing_folder", "ref"),
        ("a file", "missing_folder", "ref"),
        ("no wards", "missing_file", "cantho2025_wards_103.geojson"),
        ("garbage", "unreadable_file", "cantho_old_districts_gisgov.geojson"),
        ("no field", "missing_field", "cantho2025_wards_103.geojson"),
    ],
)
def test_read_reference_problems_name_the_file(tmp_path: Path, case: str, rule: str, named: str) -> None:
    folder = tmp_path / "ref"
    if case == "a file":
        folder.write_text("not a folder", encoding="utf-8")
    elif case != "no folder":
        write_reference(folder, {"name": ["a", "b"]} if case == "no field" else None)
    if case == "no wards":
        (folder / "cantho2025_wards_103.geojson").unlink()
    if case == "garbage":
        (folder / "cantho_old_districts_gisgov.geojson").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_reference(folder)
    (problem,) = info.value.problems
    assert problem.rule == rule and problem.file.endswith(named)
    assert "\n" not in str(problem)
    if case == "no field":
        assert problem.field == "full_name"


def test_update_register_keeps_blank_rows_and_names_unknown_rows(
    make_register: MakeRegister, tmp_path: Path
) -> None:
    register, geodata = make_register()
    with register.open("a", encoding="utf-8") as fh:
        fh.write("," * (len(schema.COLUMNS) - 1) + "\n")
    frame = load(register, geodata)  # the loader skips the blank row
    changed = update_register(register, frame, _layers())
    text = register.read_text(encoding="utf-8")
    assert changed > 0 and text.endswith("\n" + "," * (len(schema.COLUMNS) - 1) + "\n")
    assert load(register, geodata).set_index("id").loc["dt-923", "admin_basis"] == "geometry"
    other = [r for r in fixture_rows() if r["id"] != "cang-cai-cui"]
    with pytest.raises(InputError) as info:  # the file holds a row the loaded frame does not
        update_register(register, frame[frame["id"].isin([r["id"] for r in other])], _layers())
    (problem,) = info.value.problems
    assert problem.where == "row 3" and problem.field == "id" and "cang-cai-cui" in problem.message
