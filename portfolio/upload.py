"""Read a user's own layer (the app's "your own layer" upload) safely.

:func:`read_upload` accepts GeoJSON, GeoPackage, KML (or KMZ) and a zipped Shapefile. The real type is
detected from the content, never from the file name alone. Limits users can rely on:

- the upload is at most :data:`MAX_UPLOAD_BYTES` (20 MB: 20,000,000 bytes, the uploader's own limit);
- a ZIP holds at most :data:`MAX_ZIP_MEMBERS` (50) entries and unpacks to at most
  :data:`MAX_UNCOMPRESSED_BYTES` (100 MiB), counted while unpacking, not trusted from its header;
- at most :data:`MAX_FEATURES` (50,000) features, :data:`MAX_VERTICES` (500,000) vertices and
  :data:`MAX_LAYERS` (20) layers;
- it is read in a worker process within :data:`portfolio.bounded.LIMITS` (60 s, 15 CPU-seconds,
  1 GiB), and a GeoPackage is checked with SQLite alone before GDAL opens it (:mod:`portfolio._gpkg`:
  layers are plain tables; no view, trigger or virtual table of the file's own);
- text is UTF-8 (GeoJSON; KML unless its XML declaration names another encoding); a Shapefile's
  ``.cpg`` is honoured, and a ``.dbf`` without one is read as UTF-8 when it decodes as such,
  otherwise as GDAL reads it (its LDID byte or ISO-8859-1).

Nothing in an upload is executed or fetched: the bytes are written to a private temporary directory
under fixed names (no path from the upload is used), ZIP members are unpacked one by one under a byte
budget, XML with a DTD (entities) is refused before GDAL sees it, and GDAL reads the files read-only
(its KML drivers do not follow ``NetworkLink``; checked by ``tests/test_upload.py``).

The result is in EPSG:4326. A layer without a CRS is assumed WGS 84 only when its coordinates are
degrees; otherwise it is refused. Missing or empty geometries are dropped and invalid ones repaired with
``make_valid``; what was done is listed in ``frame.attrs["upload_notes"]`` (English text) and
``frame.attrs["upload_note_items"]`` (:class:`Note`: code and values, for translation). Any failure raises
:class:`portfolio.UploadError` naming the file and what is wrong; a limit hit is the rule
``time_limit``, ``cpu_limit``, ``memory_limit``, ``reader_crashed`` or ``busy``.

:func:`read_upload` gives the whole layer (every attribute); :func:`read_upload_for_view` only what
the map needs (the geometries, lightly simplified, and the ``layer`` name), so a session holds little.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from portfolio import _gpkg, bounded
from portfolio._errors import Problem, UploadError
from portfolio._files import remove_stale, temp_prefix

#: Largest upload accepted, in bytes: 20 MB (20,000,000), the same number as the uploader's
#: ``server.maxUploadSize`` (in MB) in ``.streamlit/config.toml`` (a test checks they agree).
MAX_UPLOAD_BYTES = 20 * 1000 * 1000
#: Largest total size a ZIP (zipped Shapefile, KMZ) may unpack to, in bytes (100 MiB).
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
#: Most entries a ZIP may hold.
MAX_ZIP_MEMBERS = 50
#: Most features read from an upload (all layers together).
MAX_FEATURES = 50_000
#: Most layers read from a GeoPackage or KML.
MAX_LAYERS = 20
#: Most vertices (coordinate pairs) read from an upload, all features together.
MAX_VERTICES = 500_000
#: Tolerance of the simplification :func:`read_upload_for_view` applies, in degrees (about 1 m).
VIEW_TOLERANCE = 1e-5
#: Rules of the limits of :mod:`portfolio.bounded`, by :attr:`~portfolio.bounded.LimitExceeded.limit`.
LIMIT_RULES = {
    "time": "time_limit",
    "cpu": "cpu_limit",
    "memory": "memory_limit",
    "crashed": "reader_crashed",
    "busy": "busy",
}

FORMATS = ("GeoJSON", "GeoPackage", "KML", "KMZ", "zipped Shapefile")

_SQLITE = b"SQLite format 3\x00"
_GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_GEOJSON_TYPES = frozenset(
    {
        "FeatureCollection",
        "Feature",
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
#: Other content people upload by mistake: leading bytes -> what it is.
_OTHER_MAGIC: dict[bytes, str] = {
    b"\x00\x00\x27\x0a": "a bare Shapefile .shp: zip it together with its .shx, .dbf and .prj",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Office (.xls/.doc) file",
    b"\x1f\x8b": "a gzip archive: upload a .zip",
    b"Rar!": "a RAR archive: upload a .zip",
    b"7z\xbc\xaf": "a 7-Zip archive: upload a .zip",
    b"MZ": "a Windows program",
    b"\x7fELF": "a program",
}
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_XML_ENCODING_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding=[\"'])([A-Za-z0-9._-]+)([\"'])")
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: Where a GeoJSON coordinate pair starts: ``[`` then a number (counted before the JSON is parsed).
_KML_COORDINATES = re.compile(r"<(?:\w+:)?coordinates[^>]*>([^<]*)|<gx:coord[\s>]")
_GEOJSON_VERTEX = re.compile(rb"\[\s*[-+]?(?:[0-9]|\.[0-9]|NaN|Infinity)")
_CHUNK = 1024 * 1024


def _display_name(filename: str) -> str:
    """The upload's base name without directories or control characters, for messages."""
    base = re.split(r"[\\/]", str(filename or ""))[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "?", base).strip() or "upload"
    return base if len(base) <= 100 else base[:99] + "…"


@dataclass(frozen=True)
class Note:
    """One thing :func:`read_upload` assumed or repaired: a stable ``code`` (``reprojected``,
    ``no_prj``, ``assumed_wgs84``, ``dropped_no_geometry``, ``repaired``, ``dropped_empty``,
    ``xml_encoding``, ``gdal_warning``), the English ``text`` and the ``params`` a translation needs
    (``layer`` is the layer's name, empty for single-layer formats)."""

    code: str
    text: str
    params: dict[str, str | int]


class _Reader:
    """One upload being read: its display name and the notes gathered on the way."""

    def __init__(self, filename: str) -> None:
        self.name = _display_name(filename)
        self.notes: list[str] = []
        self.items: list[Note] = []

    def note(self, code: str, english: str, **params: str | int) -> None:
        """Record what was assumed or repaired: ``english`` text and its code and values (to translate)."""
        self.notes.append(english)
        self.items.append(Note(code, english, dict(params)))

    def fail(self, rule: str, message: str, where: str = "", field: str = "") -> UploadError:
        return UploadError([Problem(self.name, where, field, rule, message)])


def read_upload(filename: str, data: bytes, *, limits: bounded.Limits = bounded.LIMITS) -> gpd.GeoDataFrame:
    """Read an uploaded layer into a GeoDataFrame in EPSG:4326, in a worker process within ``limits``.

    Parameters
    ----------
    filename : str
        The name the user's file had (used in messages and as a hint only).
    data : bytes
        The file's content.

    Returns
    -------
    geopandas.GeoDataFrame
        The features of every layer (a ``layer`` column when there are several), attributes as
        read (text verbatim: escape it when rendering), dates as ISO text, 2-D geometries in
        EPSG:4326. ``attrs["upload_format"]`` names the detected format and ``attrs["upload_notes"]``
        lists what was assumed or repaired.

    Raises
    ------
    UploadError
        The upload is empty, too large, not one of the supported formats, unreadable, holds no
        usable feature, or has coordinates that cannot be placed, or reading it hit a limit of
        ``limits``; the message names the file.
    """
    return _bounded(read_upload_here, filename, data, limits)


def read_upload_for_view(
    filename: str, data: bytes, *, limits: bounded.Limits = bounded.LIMITS
) -> gpd.GeoDataFrame:
    """:func:`read_upload` reduced to what a map of it needs, in the worker: the geometries
    (simplified within :data:`VIEW_TOLERANCE`) and the ``layer`` column when there is one; the
    ``attrs`` (format, notes) are kept."""
    return _bounded(_read_for_view, filename, data, limits)


def view_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with only its geometry (simplified within :data:`VIEW_TOLERANCE`) and ``layer``."""
    keep = [c for c in ("layer",) if c in frame.columns]
    values = shapely.simplify(frame.geometry.values, VIEW_TOLERANCE, preserve_topology=True)
    geometry = gpd.GeoSeries(values, index=frame.index)
    out = gpd.GeoDataFrame(frame[keep].copy(), geometry=geometry, crs=frame.crs)
    out.attrs.update(frame.attrs)
    return out


def _read_for_view(filename: str, data: bytes) -> gpd.GeoDataFrame:
    return view_frame(read_upload_here(filename, data))


def _bounded(func: Any, filename: str, data: bytes, limits: bounded.Limits) -> gpd.GeoDataFrame:
    """``func(filename, data)`` in a worker; a limit hit becomes an :class:`UploadError`."""
    reader = _Reader(filename)
    _check_size(reader, data)
    try:
        frame: gpd.GeoDataFrame = bounded.run(func, filename, data, limits=limits)
    except bounded.LimitExceeded as exc:
        remove_stale(Path(tempfile.gettempdir()))  # the killed worker's files
        raise reader.fail(LIMIT_RULES[exc.limit], str(exc)) from None
    return frame


def _check_size(reader: _Reader, data: object) -> bytes:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise reader.fail("unreadable", "the upload is not a file's content")
    if not data.strip():
        raise reader.fail("empty_file", "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise reader.fail(
            "too_large",
            f"the file is {len(data):,} bytes; uploads are limited to "
            f"{MAX_UPLOAD_BYTES // (1000 * 1000)} MB ({MAX_UPLOAD_BYTES:,} bytes)",
        )
    return data


def read_upload_here(filename: str, data: bytes) -> gpd.GeoDataFrame:
    """:func:`read_upload` in this process, with no time, CPU or memory limit: for a worker (or a
    trusted file). The file checks (size, GeoPackage schema, vertices) are the same."""
    reader = _Reader(filename)
    data = _check_size(reader, data)
    with tempfile.TemporaryDirectory(prefix=temp_prefix("upload")) as tmp:
        try:
            frame, fmt = _read(reader, data, Path(tmp))
        except UploadError:
            raise
        except RecursionError:
            raise reader.fail("unreadable", "the file is nested too deeply to be read") from None
        except MemoryError:
            raise  # the worker reports the memory limit
        except Exception as exc:  # GDAL and pandas raise many types; none may reach the user
            text = str(exc).replace(tmp, "").strip() or type(exc).__name__
            raise reader.fail("unreadable", f"the file cannot be read: {text}") from None
    frame.attrs["upload_format"] = fmt
    frame.attrs["upload_notes"] = list(reader.notes)
    frame.attrs["upload_note_items"] = list(reader.items)
    return frame


def _read(reader: _Reader, data: bytes, tmp: Path) -> tuple[gpd.GeoDataFrame, str]:
    if data.startswith(_SQLITE):
        if data[68:72] not in _GPKG_APPLICATION_IDS:
            raise reader.fail("not_geopackage", "the file is an SQLite database but not a GeoPackage")
        path = tmp / "upload.gpkg"
        path.write_bytes(data)
        refused = _gpkg.refusal(path, MAX_FEATURES)
        if refused is not None:
            raise reader.fail(*refused)
        return _finish(reader, _read_layers(reader, path, "GeoPackage")), "GeoPackage"
    if data.startswith(_ZIP):
        return _read_zip(reader, data, tmp)
    for magic, what in _OTHER_MAGIC.items():
        if data.startswith(magic):
            raise reader.fail("unknown_format", f"the file is {what}, not one of: {', '.join(FORMATS)}")
    text = _decode(reader, data)
    head = text.lstrip()[:65536]
    if head.startswith(("{", "[")):
        _check_geojson_vertices(reader, data)
    if head.startswith("<"):
        _check_kml(reader, head, text)
        path = tmp / "upload.kml"
        path.write_text(text, encoding="utf-8")
        return _finish(reader, _read_layers(reader, path, "KML")), "KML"
    if head.startswith(("{", "[")):
        text, crs = _check_geojson(reader, text)
        path = tmp / "upload.geojson"
        path.write_text(text, encoding="utf-8")
        return _finish(reader, _read_layers(reader, path, "GeoJSON", crs=crs)), "GeoJSON"
    sample = head[:20].encode("unicode_escape").decode("ascii")
    raise reader.fail(
        "unknown_format", f"the file is not one of: {', '.join(FORMATS)} (it starts with {sample!r})"
    )


def _check_geojson_vertices(reader: _Reader, data: bytes) -> None:
    """Refuse a GeoJSON of more than :data:`MAX_VERTICES` coordinate pairs before parsing it (a
    million points parse into a gigabyte of Python objects)."""
    found = sum(1 for _ in itertools.islice(_GEOJSON_VERTEX.finditer(data), MAX_VERTICES + 1))
    if found > MAX_VERTICES:
        raise reader.fail("too_many_vertices", f"the file holds more than {MAX_VERTICES:,} vertices")


def _check_vertices(reader: _Reader, values: Any) -> None:
    found = int(shapely.get_num_coordinates(values).sum())
    if found > MAX_VERTICES:
        raise reader.fail(
            "too_many_vertices", f"the file holds {found:,} vertices; the limit is {MAX_VERTICES:,}"
        )


def _decode(reader: _Reader, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise reader.fail("not_utf8", "the file is UTF-16 text; save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = _XML_ENCODING.match(data[:200])
        if declared:  # XML that says it is Latin-1, Windows-1258…: decode as declared, pass UTF-8 on
            name = declared.group(1).decode("ascii")
            try:
                text = data.decode(name)
            except (LookupError, UnicodeDecodeError):
                pass
            else:
                reader.note("xml_encoding", f"XML declared as {name}: converted to UTF-8", encoding=name)
                return _XML_ENCODING_TEXT.sub(r"\1UTF-8\3", text, count=1)
        if b"\x00" in data[:1024]:
            raise reader.fail(
                "unknown_format", f"the file is binary data, not one of: {', '.join(FORMATS)}"
            ) from None
        line = data[: exc.start].count(b"\n") + 1
        raise reader.fail(
            "not_utf8",
            f"byte 0x{data[exc.start]:02x} is not UTF-8 (line {line}); save the file as UTF-8",
            where=f"line {line}",
        ) from None
    if "\x00" in text:
        raise reader.fail("unknown_format", f"the file is binary data, not one of: {', '.join(FORMATS)}")
    return text


def _check_kml(reader: _Reader, head: str, text: str) -> None:
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise reader.fail(
            "unsafe_xml",
            "the XML declares a DTD or entities, which are refused for safety; "
            "export the KML again without a DOCTYPE",
        )
    if not re.search(r"<(?:\w+:)?kml[\s>]", head):
        raise reader.fail(
            "unknown_format",
            "the file is XML but not KML (GML, GPX and SVG are not "
            f"supported); supported: {', '.join(FORMATS)}",
        )
    found = 0  # vertices: the tuples of each <coordinates> and each <gx:coord>, before GDAL parses them
    for block in _KML_COORDINATES.finditer(text):
        found += len(block.group(1).split()) if block.group(1) is not None else 1
        if found > MAX_VERTICES:
            raise reader.fail("too_many_vertices", f"the file holds more than {MAX_VERTICES:,} vertices")


_SAFE_CRS = re.compile(
    r"^(?:EPSG:(?P<code>\d+)|urn:ogc:def:crs:EPSG:[\d.]*:(?P<urn>\d+)|"
    r"(?P<crs84>(?:urn:ogc:def:crs:)?OGC:(?:[\d.]*:)?CRS84|CRS84))$",
    re.IGNORECASE,
)


def _geojson_crs(reader: _Reader, member: object) -> str | None:
    """The CRS a (2008) GeoJSON ``crs`` member names, as ``EPSG:N``; ``None`` when absent.

    Only a named EPSG code or CRS84 is accepted. GDAL would fetch a ``link`` CRS (or a URL name)
    over the network, so such members are refused here and removed before GDAL reads the file.
    """
    if member is None:
        return None
    name: object = None
    if isinstance(member, dict):
        props = member.get("properties")
        if isinstance(props, dict):
            if str(member.get("type", "")).lower() == "epsg" and isinstance(props.get("code"), (int, str)):
                name = f"EPSG:{props['code']}"
            else:
                name = props.get("name")
    match = _SAFE_CRS.match(name.strip()) if isinstance(name, str) else None
    if match is None:
        shown = json.dumps(member, ensure_ascii=False)
        raise reader.fail(
            "wrong_crs",
            f"the crs member {shown[:80]} is not a named EPSG code (such as "
            "urn:ogc:def:crs:EPSG::5897); links and other forms are not "
            "followed",
            field="crs",
        )
    if match["crs84"]:
        return "EPSG:4326"
    return f"EPSG:{match['code'] or match['urn']}"


def _check_geojson(reader: _Reader, text: str) -> tuple[str, str | None]:
    """Check the JSON is GeoJSON; return it without its ``crs`` member(s) and the CRS they named."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise reader.fail(
            "bad_json",
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            where=f"line {exc.lineno}",
        ) from None
    except RecursionError:
        raise reader.fail("bad_json", "the JSON is nested too deeply to be GeoJSON") from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "Topology":
        raise reader.fail("unknown_format", "TopoJSON is not supported; export it as GeoJSON")
    if kind not in _GEOJSON_TYPES:
        raise reader.fail(
            "not_geojson",
            "the JSON is not GeoJSON (no FeatureCollection, Feature or geometry 'type')",
            field="type",
        )
    if kind == "FeatureCollection" and not doc.get("features"):
        raise reader.fail("no_features", "the FeatureCollection holds no features", field="features")
    crs = _geojson_crs(reader, doc.pop("crs", None))
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        for feature in doc["features"]:
            if isinstance(feature, dict) and feature.pop("crs", None) is not None:
                raise reader.fail(
                    "wrong_crs", "a feature has its own crs member; give one CRS for the file", field="crs"
                )
    return json.dumps(doc, ensure_ascii=False, allow_nan=True), crs


def _read_zip(reader: _Reader, data: bytes, tmp: Path) -> tuple[gpd.GeoDataFrame, str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise reader.fail("bad_zip", f"the ZIP archive is damaged: {exc}") from None
    with archive:
        if len(infos) > MAX_ZIP_MEMBERS:
            raise reader.fail(
                "zip_bomb", f"the ZIP holds {len(infos):,} entries; the limit is {MAX_ZIP_MEMBERS}"
            )
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise reader.fail(
                "zip_bomb",
                f"the ZIP unpacks to {declared:,} bytes; the limit is {MAX_UNCOMPRESSED_BYTES:,} bytes",
            )
        files = {}
        for info in infos:
            parts = PurePosixPath(info.filename.replace("\\", "/"))
            if info.is_dir() or "__MACOSX" in parts.parts or parts.name.startswith("._"):
                continue
            files[info.filename] = parts
        if any(info.flag_bits & 0x1 for info in infos):
            raise reader.fail("bad_zip", "the ZIP is encrypted (password-protected)")
        shps = [n for n, p in files.items() if p.suffix.lower() == ".shp"]
        kmls = [n for n, p in files.items() if p.suffix.lower() == ".kml"]
        if not shps and kmls:
            doc = next((n for n in kmls if files[n].name.lower() == "doc.kml"), kmls[0])
            raw = _unpack(reader, archive, archive.getinfo(doc), budget=[MAX_UNCOMPRESSED_BYTES])
            text = _decode(reader, raw)
            _check_kml(reader, text.lstrip()[:65536], text)
            path = tmp / "upload.kml"
            path.write_text(text, encoding="utf-8")
            return _finish(reader, _read_layers(reader, path, "KMZ")), "KMZ"
        if not shps:
            listing = ", ".join(sorted(p.name for p in files.values())[:10]) or "nothing"
            raise reader.fail(
                "zip_not_shapefile",
                f"the ZIP holds no Shapefile (a .shp with its .shx and .dbf) and no KML; it holds: {listing}",
            )
        if len(shps) > 1:
            names = ", ".join(sorted(files[n].name for n in shps))
            raise reader.fail(
                "zip_not_shapefile", f"the ZIP holds several Shapefiles ({names}); upload one per ZIP"
            )
        shp = files[shps[0]]
        stem = str(shp.with_suffix("")).lower()
        members = {p.suffix.lower(): n for n, p in files.items() if str(p.with_suffix("")).lower() == stem}
        missing = [ext for ext in (".shx", ".dbf") if ext not in members]
        if missing:
            raise reader.fail(
                "zip_not_shapefile",
                f"the Shapefile {shp.name} lacks its {' and '.join(missing)} file(s) in the ZIP",
            )
        budget = [MAX_UNCOMPRESSED_BYTES]
        for ext in _SHAPEFILE_PARTS:
            if ext in members:
                (tmp / f"upload{ext}").write_bytes(
                    _unpack(reader, archive, archive.getinfo(members[ext]), budget)
                )
    if ".prj" not in members:
        reader.note("no_prj", "the Shapefile has no .prj (no CRS)")
    encoding = None
    if ".cpg" not in members:
        encoding = _guess_dbf_encoding(tmp / "upload.dbf")
    frame = _read_layers(reader, tmp / "upload.shp", "Shapefile", encoding=encoding)
    return _finish(reader, frame), "zipped Shapefile"


def _unpack(reader: _Reader, archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """Decompress one member, counting real bytes against ``budget`` (headers can lie)."""
    out = bytearray()
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise reader.fail(
                        "zip_bomb", f"the ZIP unpacks to more than {MAX_UNCOMPRESSED_BYTES:,} bytes"
                    )
                out += chunk
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise reader.fail(
            "bad_zip", f"the ZIP entry {PurePosixPath(info.filename).name} cannot be unpacked: {exc}"
        ) from None
    return bytes(out)


def _guess_dbf_encoding(dbf: Path) -> str | None:
    """``"UTF-8"`` for a .dbf with no code page mark whose bytes decode as UTF-8, else ``None``."""
    try:
        raw = dbf.read_bytes()
    except OSError:
        return None
    if len(raw) < 32 or raw[29] != 0:
        return None
    try:
        raw[32:].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "UTF-8"


def _read_layers(
    reader: _Reader, path: Path, fmt: str, encoding: str | None = None, crs: str | None = None
) -> gpd.GeoDataFrame:
    named = fmt in ("GeoPackage", "KML", "KMZ")  # formats whose layer names mean something to the user
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layers = pyogrio.list_layers(path)
        for w in caught:
            reader.note("gdal_warning", str(w.message), layer="", text=str(w.message))
    except Exception as exc:
        text = str(exc).replace(str(path.parent), "").strip()
        raise reader.fail("unreadable", f"the file cannot be read as {fmt}: {text}") from None
    spatial = [str(name) for name, geom_type in layers if geom_type is not None]
    if not spatial:
        raise reader.fail("no_features", f"the {fmt} holds no layer with geometries")
    if len(spatial) > MAX_LAYERS:
        raise reader.fail(
            "too_many_layers", f"the {fmt} holds {len(spatial)} layers; the limit is {MAX_LAYERS}"
        )
    frames = []
    budget = MAX_FEATURES
    for layer in spatial:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                frame = pyogrio.read_dataframe(
                    path,
                    layer=layer,
                    encoding=encoding,
                    max_features=budget + 1,
                    on_invalid="ignore",
                    datetime_as_string=True,
                )
            except Exception as exc:
                text = str(exc).replace(str(path.parent), "").strip()
                raise reader.fail("unreadable", f"layer {layer!r} cannot be read as {fmt}: {text}") from None
        hint = " (no .prj in the ZIP?)" if fmt == "Shapefile" else ""
        label = (
            Layer(f"layer {layer!r}", f"layer {layer}", f"layer {layer}: ", hint, layer)
            if named
            else Layer("the layer", "", "", hint)
        )
        for w in caught:
            reader.note(
                "gdal_warning",
                f"{label.prefix}{w.message}",
                layer=layer if named else "",
                text=str(w.message),
            )
        if len(frame) > budget:
            raise reader.fail("too_many_features", f"the file holds more than {MAX_FEATURES:,} features")
        budget -= len(frame)
        if crs is not None:
            frame = frame.set_crs(crs, allow_override=True)
        if len(frame):
            frames.append((layer, _to_wgs84(reader, frame, label)))
    if not frames:
        raise reader.fail("no_features", f"the {fmt} holds no features")
    if len(frames) == 1:
        return frames[0][1]
    parts = [frame.assign(layer=layer) for layer, frame in frames]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:4326")


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    geoms = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if geoms.empty:
        return None
    return tuple(float(v) for v in geoms.total_bounds)  # type: ignore[return-value]


def _degrees(bounds: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bounds
    return -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90


def _show(bounds: tuple[float, float, float, float]) -> str:
    return "({:.6g}, {:.6g}) to ({:.6g}, {:.6g})".format(*bounds)


@dataclass(frozen=True)
class Layer:
    """How messages name a layer: ``the layer`` for single-layer formats, ``layer 'x'`` otherwise."""

    label: str
    where: str
    prefix: str
    hint: str
    name: str = ""


def _to_wgs84(reader: _Reader, frame: gpd.GeoDataFrame, layer: Layer) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326, assuming WGS 84 only for a CRS-less layer in degrees."""
    bounds = _bounds(frame)
    if bounds is None:
        return frame.set_crs("EPSG:4326", allow_override=True)
    if frame.crs is None:
        if not _degrees(bounds):
            raise reader.fail(
                "no_crs",
                f"{layer.label} has no CRS{layer.hint} and its coordinates "
                f"{_show(bounds)} are not degrees; export it with its CRS or in "
                "EPSG:4326",
                where=layer.where,
                field="crs",
            )
        reader.note(
            "assumed_wgs84",
            f"{layer.prefix}no CRS given; coordinates are degrees, assumed WGS 84",
            layer=layer.name,
        )
        return frame.set_crs("EPSG:4326")
    if frame.crs.is_geographic and not _degrees(bounds):
        raise reader.fail(
            "wrong_crs",
            f"{layer.label} says its CRS is {frame.crs.name} (degrees) but "
            f"its coordinates {_show(bounds)} are not degrees: projected metres "
            "labelled as lon/lat? Export it with its real CRS",
            where=layer.where,
            field="crs",
        )
    if frame.crs.equals("EPSG:4326") or frame.crs.to_epsg() == 4326:
        return frame.set_crs("EPSG:4326", allow_override=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = frame.to_crs("EPSG:4326")
    except Exception as exc:
        raise reader.fail(
            "wrong_crs",
            f"{layer.label} cannot be reprojected from {frame.crs.name} to WGS 84: {exc}",
            where=layer.where,
            field="crs",
        ) from None
    new = _bounds(out)
    if new is None or not all(map(_finite, new)) or not _degrees(new):
        raise reader.fail(
            "wrong_crs",
            f"{layer.label} does not land on the globe once reprojected from "
            f"{frame.crs.name}: is its CRS right?",
            where=layer.where,
            field="crs",
        )
    reader.note(
        "reprojected",
        f"{layer.prefix}reprojected from {frame.crs.name} to WGS 84",
        layer=layer.name,
        crs=str(frame.crs.name),
    )
    return out


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")


def _finish(reader: _Reader, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop missing/empty geometries, repair invalid ones, force 2-D; refuse when nothing is left."""
    geoms = frame.geometry
    missing = geoms.isna() | geoms.is_empty
    if missing.any():
        reader.note(
            "dropped_no_geometry",
            f"{int(missing.sum())} feature(s) without geometry dropped",
            n=int(missing.sum()),
        )
    frame = frame[~missing].copy()
    if frame.empty:
        raise reader.fail("no_features", "the file holds no feature with a geometry", field="geometry")
    _check_vertices(reader, frame.geometry.values)
    values = shapely.force_2d(frame.geometry.values)
    invalid = ~shapely.is_valid(values)
    if invalid.any():
        values[invalid] = shapely.make_valid(values[invalid])
        reader.note(
            "repaired",
            f"{int(invalid.sum())} invalid geometr{'y' if invalid.sum() == 1 else 'ies'} "
            "repaired (make_valid)",
            n=int(invalid.sum()),
        )
    frame = frame.set_geometry(gpd.GeoSeries(values, index=frame.index, crs="EPSG:4326"))
    repaired_empty = frame.geometry.is_empty
    if repaired_empty.any():
        frame = frame[~repaired_empty]
        reader.note(
            "dropped_empty",
            f"{int(repaired_empty.sum())} geometr(ies) empty after repair dropped",
            n=int(repaired_empty.sum()),
        )
    if frame.empty:
        raise reader.fail("no_features", "no feature has a usable geometry", field="geometry")
    bounds = _bounds(frame)
    if bounds is None or not all(map(_finite, bounds)):
        raise reader.fail("bad_geometry", "coordinates are not finite numbers", field="geometry")
    return frame.reset_index(drop=True)
