"""``portfolio.upload.read_upload``: each format read from real files built with pyogrio, each failure."""

from __future__ import annotations

import io
import json
import random
import select
import socket
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

import portfolio.upload as upload
from portfolio import UploadError
from portfolio.upload import MAX_UPLOAD_BYTES, read_upload

NAME = 'Cầu <img src=x onerror="alert(1)"> ${x}'
#: Two points in central Cần Thơ and their VN-2000 / TM-3 105° (EPSG:5897) metres.
WGS = gpd.GeoDataFrame(
    {"name": [NAME, "Bến Ninh Kiều"], "n": [1, 2]},
    geometry=[Point(105.7525, 10.0021), Point(105.7880, 10.0340)],
    crs="EPSG:4326",
)


def write(frame: gpd.GeoDataFrame, path: Path, driver: str, **kwargs: object) -> bytes:
    frame.to_file(path, driver=driver, **kwargs)
    return path.read_bytes()


def zipped_shapefile(
    frame: gpd.GeoDataFrame,
    tmp: Path,
    parts: tuple[str, ...] = ("shp", "shx", "dbf", "prj", "cpg"),
    folder: str = "",
) -> bytes:
    shp = tmp / "layer.shp"
    frame.to_file(shp, driver="ESRI Shapefile")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for ext in parts:
            if shp.with_suffix(f".{ext}").exists():
                archive.write(shp.with_suffix(f".{ext}"), f"{folder}layer.{ext}")
    return buffer.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def assert_near_cantho(frame: gpd.GeoDataFrame) -> None:
    assert frame.crs == "EPSG:4326"
    first = frame.geometry.iloc[0]
    assert first.x == pytest.approx(105.7525, abs=1e-6)
    assert first.y == pytest.approx(10.0021, abs=1e-6)


def fails(filename: str, data: bytes, read: Callable[[str, bytes], object] = read_upload) -> UploadError:
    with pytest.raises(UploadError) as info:
        read(filename, data)
    error = info.value
    assert len(error.problems) == 1
    assert error.problems[0].file == Path(filename.replace("\\", "/")).name
    assert str(error).startswith(error.problems[0].file + ": ")
    assert "\n" not in str(error)
    return error


# --- formats ---------------------------------------------------------------------------------------


def test_geojson(tmp_path: Path) -> None:
    frame = read_upload("layer.geojson", write(WGS, tmp_path / "a.geojson", "GeoJSON"))
    assert_near_cantho(frame)
    assert frame["name"].tolist() == [NAME, "Bến Ninh Kiều"]  # text kept verbatim; the app escapes it
    assert frame.attrs["upload_format"] == "GeoJSON"
    assert frame.attrs["upload_notes"] == []


def test_geojson_with_crs_member_is_reprojected(tmp_path: Path) -> None:
    data = write(WGS.to_crs("EPSG:5897"), tmp_path / "a.geojson", "GeoJSON")
    assert b"5897" in data  # GDAL writes a crs member for a non-WGS 84 layer
    frame = read_upload("qgis-export.geojson", data)
    assert_near_cantho(frame)
    assert any("reprojected from VN-2000" in note for note in frame.attrs["upload_notes"])


def test_single_feature_and_bare_geometry(tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "properties": {"name": "x"},
        "geometry": {"type": "Point", "coordinates": [105.7525, 10.0021]},
    }
    assert_near_cantho(read_upload("f.json", json.dumps(feature).encode()))
    assert_near_cantho(read_upload("g.json", json.dumps(feature["geometry"]).encode()))


def test_geopackage_in_vn2000(tmp_path: Path) -> None:
    frame = read_upload("layer.gpkg", write(WGS.to_crs("EPSG:5897"), tmp_path / "a.gpkg", "GPKG"))
    assert_near_cantho(frame)
    assert frame["name"].iloc[0] == NAME
    assert frame.attrs["upload_format"] == "GeoPackage"


def test_geopackage_several_layers(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    WGS.to_file(path, driver="GPKG", layer="points")
    lines = gpd.GeoDataFrame(
        {"name": ["road"]}, geometry=[LineString([(105.7, 10.0), (105.8, 10.1)])], crs="EPSG:4326"
    ).to_crs("EPSG:32648")
    lines.to_file(path, driver="GPKG", layer="roads")
    frame = read_upload("two.gpkg", path.read_bytes())
    assert sorted(frame["layer"].unique()) == ["points", "roads"]
    assert frame.crs == "EPSG:4326"
    road = frame[frame["layer"] == "roads"].geometry.iloc[0]
    assert road.coords[0] == pytest.approx((105.7, 10.0), abs=1e-6)


def test_kml(tmp_path: Path) -> None:
    frame = read_upload("layer.kml", write(WGS, tmp_path / "a.kml", "KML"))
    assert_near_cantho(frame)
    assert frame["Name"].iloc[0] == NAME
    assert frame.attrs["upload_format"] == "KML"


def test_kmz(tmp_path: Path) -> None:
    data = zip_of({"doc.kml": write(WGS, tmp_path / "a.kml", "KML")})
    frame = read_upload("layer.kmz", data)
    assert_near_cantho(frame)
    assert frame.attrs["upload_format"] == "KMZ"


def test_zipped_shapefile_with_prj_in_vn2000(tmp_path: Path) -> None:
    frame = read_upload("layer.zip", zipped_shapefile(WGS.to_crs("EPSG:5897"), tmp_path, folder="export/"))
    assert_near_cantho(frame)
    assert frame["name"].tolist() == [NAME, "Bến Ninh Kiều"]
    assert frame.attrs["upload_format"] == "zipped Shapefile"


def test_zipped_shapefile_without_prj_in_degrees_assumes_wgs84(tmp_path: Path) -> None:
    frame = read_upload("layer.zip", zipped_shapefile(WGS, tmp_path, parts=("shp", "shx", "dbf", "cpg")))
    assert_near_cantho(frame)
    assert any("assumed WGS 84" in note for note in frame.attrs["upload_notes"])


def test_zipped_shapefile_without_cpg_read_as_utf8(tmp_path: Path) -> None:
    frame = read_upload("layer.zip", zipped_shapefile(WGS, tmp_path, parts=("shp", "shx", "dbf", "prj")))
    assert frame["name"].tolist() == [NAME, "Bến Ninh Kiều"]


def test_type_detected_by_content_not_extension(tmp_path: Path) -> None:
    gpkg = write(WGS, tmp_path / "a.gpkg", "GPKG")
    assert read_upload("misnamed.geojson", gpkg).attrs["upload_format"] == "GeoPackage"
    geojson = write(WGS, tmp_path / "a.geojson", "GeoJSON")
    assert read_upload("misnamed.kml", geojson).attrs["upload_format"] == "GeoJSON"
    assert read_upload("no-extension", geojson).attrs["upload_format"] == "GeoJSON"


def test_utf8_bom_is_tolerated_for_text_formats(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + write(WGS, tmp_path / "a.geojson", "GeoJSON")
    assert_near_cantho(read_upload("bom.geojson", data))


def test_invalid_geometry_repaired_and_empty_dropped() -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[105.60, 10.10], [105.62, 10.12], [105.62, 10.10], [105.60, 10.12], [105.60, 10.10]]
        ],
    }
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "bowtie"}, "geometry": bowtie},
            {"type": "Feature", "properties": {"name": "none"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"name": "z"},
                "geometry": {"type": "Point", "coordinates": [105.7, 10.0, 5.0]},
            },
        ],
    }
    frame = read_upload("mixed.geojson", json.dumps(doc).encode())
    assert frame["name"].tolist() == ["bowtie", "z"]
    assert frame.geometry.is_valid.all()
    assert frame.geometry.iloc[0].geom_type == "MultiPolygon"
    assert not frame.geometry.has_z.any()
    notes = frame.attrs["upload_notes"]
    assert "1 feature(s) without geometry dropped" in notes
    assert "1 invalid geometry repaired (make_valid)" in notes


def test_kml_network_link_is_not_fetched(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        server.setblocking(False)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        kml = f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<NetworkLink><Link><href>{url}/more.kml</href></Link></NetworkLink>
<Placemark><name>a</name><Style><IconStyle><Icon><href>{url}/i.png</href></Icon></IconStyle></Style>
<Point><coordinates>105.7525,10.0021</coordinates></Point></Placemark>
</Document></kml>"""
        frame = read_upload("links.kml", kml.encode())
        assert_near_cantho(frame)
        readable, _, _ = select.select([server], [], [], 0.3)
        assert readable == [], "reading the KML opened a network connection"


class _Listener:
    """A local TCP listener that records whether anything connected (to prove nothing is fetched)."""

    def __enter__(self) -> _Listener:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.server.setblocking(False)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        return self

    def connected(self) -> bool:
        readable, _, _ = select.select([self.server], [], [], 0.3)
        return bool(readable)

    def __exit__(self, *exc: object) -> None:
        self.server.close()


@pytest.mark.parametrize(
    "member",
    [
        {"type": "link", "properties": {"href": "{url}/crs.wkt", "type": "ogcwkt"}},
        {"type": "name", "properties": {"name": "{url}/epsg/5897"}},
        {"type": "name", "properties": {"name": "/etc/passwd"}},
        "EPSG:5897",
    ],
)
def test_geojson_crs_link_is_refused_not_fetched(member: object) -> None:
    """GDAL fetches a GeoJSON ``crs`` link over HTTP (checked on GDAL 3.12): it must never see one."""
    with _Listener() as listener:
        crs = json.loads(json.dumps(member).replace("{url}", listener.url))
        doc = {
            "type": "FeatureCollection",
            "crs": crs,
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Point", "coordinates": [105.7, 10.0]},
                }
            ],
        }
        error = fails("linked.geojson", json.dumps(doc).encode())
        assert (error.problems[0].rule, error.problems[0].field) == ("wrong_crs", "crs")
        assert "links and other forms are not followed" in error.problems[0].message
        assert not listener.connected()


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:EPSG::5897", "EPSG:5897", "urn:ogc:def:crs:EPSG:6.6:5897"])
def test_geojson_named_epsg_crs_is_honoured(name: str) -> None:
    x, y = WGS.to_crs("EPSG:5897").geometry.iloc[0].coords[0]
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": name}},
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [x, y]}}
        ],
    }
    assert_near_cantho(read_upload("named.geojson", json.dumps(doc).encode()))


def test_crs_definitions_as_urls_are_not_fetched(tmp_path: Path) -> None:
    """A GeoPackage srs definition or a .prj holding a URL: no CRS, refused, nothing fetched."""
    metres = WGS.to_crs("EPSG:5897")
    with _Listener() as listener:
        gpkg = tmp_path / "a.gpkg"
        metres.to_file(gpkg, driver="GPKG", layer="sites")
        con = sqlite3.connect(gpkg)
        with con:
            con.execute(
                "update gpkg_spatial_ref_sys set definition = ?, organization = 'x', "
                "organization_coordsys_id = 1 where srs_id = 5897",
                (f"{listener.url}/srs",),
            )
        con.close()
        error = fails("url.gpkg", gpkg.read_bytes())
        assert (error.problems[0].rule, error.problems[0].where) == ("no_crs", "layer sites")
        shp = tmp_path / "b.shp"
        metres.to_file(shp)
        shp.with_suffix(".prj").write_text(f"{listener.url}/prj")
        data = zip_of(
            {f"b.{ext}": shp.with_suffix(f".{ext}").read_bytes() for ext in ("shp", "shx", "dbf", "prj")}
        )
        assert fails("url.zip", data).problems[0].rule == "no_crs"
        assert not listener.connected()


# --- failures --------------------------------------------------------------------------------------


def test_empty_file() -> None:
    assert fails("empty.geojson", b"").problems[0].rule == "empty_file"
    assert fails("blank.geojson", b"  \n ").problems[0].rule == "empty_file"


def test_over_the_size_limit() -> None:
    error = fails("big.geojson", b"{" + b" " * MAX_UPLOAD_BYTES)
    assert error.problems[0].rule == "too_large"
    assert "uploads are limited to 20 MB (20,000,000 bytes)" in str(error)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\x00\x00\x27\x0a" + b"\x00" * 96, "a bare Shapefile .shp: zip it together with its .shx"),
        (
            b"id,name\n1,a\n",
            "not one of: GeoJSON, GeoPackage, KML, KMZ, zipped Shapefile (it starts with 'id,name",
        ),
        (b"MZ\x90\x00", "a Windows program"),
        (b'<?xml version="1.0"?><gpx version="1.1"></gpx>', "XML but not KML"),
        (b'{"type": "Topology", "objects": {}}', "TopoJSON is not supported"),
    ],
)
def test_unknown_format(data: bytes, what: str) -> None:
    error = fails("layer.geojson", data)
    assert error.problems[0].rule == "unknown_format"
    assert what in error.problems[0].message


def test_json_not_geojson() -> None:
    error = fails("data.json", b'{"rows": [1, 2, 3]}')
    assert (error.problems[0].rule, error.problems[0].field) == ("not_geojson", "type")


def test_bad_json() -> None:
    error = fails("cut.geojson", b'{"type": "FeatureCollection",\n "features": [')
    assert (error.problems[0].rule, error.problems[0].where) == ("bad_json", "line 2")


def test_deeply_nested_json() -> None:
    error = fails("deep.geojson", b"[" * 100_000 + b"]" * 100_000)
    assert error.problems[0].rule == "bad_json"


def test_geojson_not_utf8() -> None:
    doc = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Ô Môn"},
                    "geometry": {"type": "Point", "coordinates": [105.6, 10.1]},
                }
            ],
        },
        ensure_ascii=False,
    )
    error = fails("latin1.geojson", doc.encode("latin-1"))
    assert error.problems[0].rule == "not_utf8"
    assert "save the file as UTF-8" in str(error)


def test_geojson_utf16() -> None:
    error = fails("u16.geojson", '{"type": "FeatureCollection"}'.encode("utf-16"))
    assert error.problems[0].rule == "not_utf8"


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("empty.geojson", b'{"type": "FeatureCollection", "features": []}'),
        (
            "empty.kml",
            b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
            b"<Document><name>nothing</name></Document></kml>",
        ),
        (
            "nulls.geojson",
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
            b' "geometry": null}]}',
        ),
    ],
)
def test_no_features(filename: str, data: bytes) -> None:
    assert fails(filename, data).problems[0].rule == "no_features"


def test_geopackage_with_empty_layer(tmp_path: Path) -> None:
    data = write(WGS.iloc[0:0], tmp_path / "a.gpkg", "GPKG")
    assert fails("empty.gpkg", data).problems[0].rule == "no_features"


def test_kml_with_dtd_is_refused() -> None:
    kml = (
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&x;</name>'
        b"<Point><coordinates>105.7,10.0</coordinates></Point></Placemark></kml>"
    )
    error = fails("xxe.kml", kml)
    assert error.problems[0].rule == "unsafe_xml"


def test_sqlite_that_is_not_a_geopackage(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("create table t (a int)")
    con.close()
    assert fails("db.gpkg", path.read_bytes()).problems[0].rule == "not_geopackage"


def test_truncated_geopackage(tmp_path: Path) -> None:
    data = write(WGS, tmp_path / "a.gpkg", "GPKG")
    error = fails("cut.gpkg", data[:2048])
    assert error.problems[0].rule == "bad_geopackage"  # found by SQLite before GDAL opens it
    assert "damaged" in str(error)
    assert str(tmp_path) not in str(error)


def test_damaged_zip() -> None:
    assert fails("layer.zip", b"PK\x03\x04" + b"\x00" * 40).problems[0].rule == "bad_zip"


def test_zip_that_is_not_a_shapefile() -> None:
    error = fails("photos.zip", zip_of({"readme.txt": b"hello", "table.csv": b"a,b\n"}))
    assert error.problems[0].rule == "zip_not_shapefile"
    assert "it holds: readme.txt, table.csv" in error.problems[0].message


def test_zip_with_shapefile_lacking_dbf(tmp_path: Path) -> None:
    error = fails("layer.zip", zipped_shapefile(WGS, tmp_path, parts=("shp", "shx", "prj")))
    assert error.problems[0].rule == "zip_not_shapefile"
    assert "lacks its .dbf" in error.problems[0].message


def test_zip_with_two_shapefiles(tmp_path: Path) -> None:
    shp = zipfile.ZipFile(io.BytesIO(zipped_shapefile(WGS, tmp_path)))
    members = {
        f"{stem}.{ext}": shp.read(f"layer.{ext}") for stem in ("a", "b") for ext in ("shp", "shx", "dbf")
    }
    error = fails("two.zip", zip_of(members))
    assert error.problems[0].rule == "zip_not_shapefile"
    assert "several Shapefiles (a.shp, b.shp)" in error.problems[0].message


def test_zip_bomb_by_declared_size() -> None:
    zeros = b"\x00" * (15 * 1024 * 1024)
    data = zip_of({f"part{i}.bin": zeros for i in range(8)})  # 120 MB of zeros, about 120 KB zipped
    assert len(data) < 1024 * 1024
    error = fails("bomb.zip", data)
    assert error.problems[0].rule == "zip_bomb"
    assert "the limit is 104,857,600 bytes" in error.problems[0].message


def test_zip_bomb_by_member_count() -> None:
    error = fails("many.zip", zip_of({f"f{i}.txt": b"x" for i in range(60)}))
    assert error.problems[0].rule == "zip_bomb"
    assert "60 entries; the limit is 50" in error.problems[0].message


def test_zip_bomb_with_lying_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget is counted on the bytes really unpacked, whatever the header says."""
    data = zipped_shapefile(WGS, tmp_path)
    monkeypatch.setattr(upload, "MAX_UNCOMPRESSED_BYTES", 10**9)  # header check passes…
    real = zipfile.ZipFile(io.BytesIO(data))
    total = sum(info.file_size for info in real.infolist())
    monkeypatch.setattr(upload, "_unpack", _budgeted_unpack(total // 2))  # …the unpacking budget does not
    # Monkeypatched limits hold in this process only: read here, not in the worker.
    assert fails("layer.zip", data, upload.read_upload_here).problems[0].rule == "zip_bomb"


def _budgeted_unpack(limit: int):  # type: ignore[no-untyped-def]
    original = upload._unpack

    def unpack(reader, archive, info, budget):  # type: ignore[no-untyped-def]
        if budget[0] > limit:
            budget[0] = limit
        return original(reader, archive, info, budget)

    return unpack


def test_shapefile_in_metres_without_prj(tmp_path: Path) -> None:
    data = zipped_shapefile(WGS.to_crs("EPSG:5897"), tmp_path, parts=("shp", "shx", "dbf", "cpg"))
    error = fails("noprj.zip", data)
    assert (error.problems[0].rule, error.problems[0].field) == ("no_crs", "crs")
    assert error.problems[0].message.startswith(
        "the layer has no CRS (no .prj in the ZIP?) and its coordinates"
    )


def test_geojson_metres_labelled_wgs84() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [587412.0, 1105234.0]},
            }
        ],
    }
    error = fails("vn2000.geojson", json.dumps(doc).encode())
    assert (error.problems[0].rule, error.problems[0].field) == ("wrong_crs", "crs")
    assert "not degrees" in error.problems[0].message


def test_too_many_features(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(upload, "MAX_FEATURES", 1)
    error = fails("many.geojson", write(WGS, tmp_path / "a.geojson", "GeoJSON"), upload.read_upload_here)
    assert error.problems[0].rule == "too_many_features"


def test_too_many_layers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    WGS.to_file(path, driver="GPKG", layer="one")
    WGS.to_file(path, driver="GPKG", layer="two")
    monkeypatch.setattr(upload, "MAX_LAYERS", 1)
    error = fails("layers.gpkg", path.read_bytes(), upload.read_upload_here)
    assert error.problems[0].rule == "too_many_layers"


def test_path_in_filename_is_not_used() -> None:
    error = fails("../../etc/passwd.geojson", b"")
    assert error.problems[0].file == "passwd.geojson"
    with pytest.raises(UploadError) as info:
        read_upload("C:\\Users\\an\\layer.geojson", b"")
    assert info.value.problems[0].file == "layer.geojson"


def test_only_upload_error_escapes_on_damaged_files(tmp_path: Path) -> None:
    """Truncations and random bytes of every format end in a frame or an UploadError, nothing else."""
    samples = {
        "geojson": write(WGS, tmp_path / "a.geojson", "GeoJSON"),
        "gpkg": write(WGS, tmp_path / "a.gpkg", "GPKG"),
        "kml": write(WGS, tmp_path / "a.kml", "KML"),
        "zip": zipped_shapefile(WGS, tmp_path),
    }
    rng = random.Random(5)
    for ext, data in samples.items():
        cuts = sorted({1, 4, 16, 100, len(data) // 3, len(data) // 2, len(data) - 1})
        variants = [data[:cut] for cut in cuts]
        for _ in range(5):
            mutated = bytearray(data)
            for _ in range(8):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            variants.append(bytes(mutated))
        for variant in variants:
            try:
                frame = read_upload(f"damaged.{ext}", variant)
            except UploadError as exc:
                assert str(exc).startswith("damaged.")
            else:
                assert frame.crs == "EPSG:4326"


def test_polygon_line_point_kinds_survive(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"k": ["p", "l", "a"]},
        geometry=[
            Point(105.75, 10.0),
            LineString([(105.7, 10.0), (105.8, 10.1)]),
            Polygon([(105.6, 10.1), (105.62, 10.1), (105.62, 10.12), (105.6, 10.1)]),
        ],
        crs="EPSG:4326",
    )
    out = read_upload("kinds.geojson", write(frame, tmp_path / "k.geojson", "GeoJSON"))
    assert out.geometry.geom_type.tolist() == ["Point", "LineString", "Polygon"]


def test_zip_member_paths_are_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Members named ``../../x`` (zip slip) are read from memory; nothing is written outside a private dir."""
    src = tmp_path / "src"
    src.mkdir()
    shp = zipfile.ZipFile(io.BytesIO(zipped_shapefile(WGS, src)))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    members = {f"../../escaped/layer.{ext}": shp.read(f"layer.{ext}") for ext in ("shp", "shx", "dbf", "prj")}
    frame = read_upload("slip.zip", zip_of(members))
    assert_near_cantho(frame)
    assert not (tmp_path / "escaped").exists()
    assert not (work.parent.parent / "escaped").exists()
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1258"])
def test_kml_in_a_declared_legacy_encoding(encoding: str) -> None:
    name = "Ô Môn" if encoding == "ISO-8859-1" else "Cái Răng"
    kml = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Placemark><name>{name}</name><Point><coordinates>105.7525,10.0021</coordinates></Point>"
        "</Placemark></kml>"
    )
    data = kml.encode("cp1258" if encoding == "windows-1258" else "latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    frame = read_upload("legacy.kml", data)
    assert_near_cantho(frame)
    assert frame["Name"].iloc[0] == name
    assert f"XML declared as {encoding}: converted to UTF-8" in frame.attrs["upload_notes"]


def test_kml_undeclared_legacy_encoding_is_refused() -> None:
    kml = (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>Ô Môn</name>'
        "<Point><coordinates>105.7,10.0</coordinates></Point></Placemark></kml>"
    )
    error = fails("latin.kml", kml.encode("latin-1"))
    assert error.problems[0].rule == "not_utf8"


def test_notes_carry_codes_and_values_for_translation(tmp_path: Path) -> None:
    frame = read_upload("layer.zip", zipped_shapefile(WGS, tmp_path, parts=("shp", "shx", "dbf", "cpg")))
    items = frame.attrs["upload_note_items"]
    assert [item.text for item in items] == frame.attrs["upload_notes"]
    codes = {item.code for item in items}
    assert {"no_prj", "assumed_wgs84"} <= codes
    projected = read_upload("a.geojson", write(WGS.to_crs("EPSG:5897"), tmp_path / "a.geojson", "GeoJSON"))
    (item,) = [i for i in projected.attrs["upload_note_items"] if i.code == "reprojected"]
    assert item.params["layer"] == "" and "VN-2000" in str(item.params["crs"])
