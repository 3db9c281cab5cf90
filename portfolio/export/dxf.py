"""DXF for CAD, written with ezdxf (DXF R2004): geometry, one layer per project, MTEXT labels.

Each project is on its own DXF layer named by its ``id``. An ``MTEXT`` entity on the same layer at the
project's representative point (the middle of a line) labels it ``"<id>: <name_vi>"``. Polygons are
``HATCH`` entities (their rings as boundary paths), lines ``LWPOLYLINE``, points ``POINT``; each part
of a multi-part geometry is an entity of its own; a project without a geometry (missing or empty) has
its layer and nothing on it, as the other formats keep its record without one. The metadata are custom
drawing properties (``$CUSTOMPROPERTY``: what CAD programs show as the drawing's properties,
``DWGPROPS``); a value longer than a DXF string (:data:`STRING_MAX`) is cut over ``<key>_1``,
``<key>_2``, …. No other attribute fits in DXF: join on the layer name (= ``id``) to the CSV or
GeoPackage for them.

Text is Unicode throughout, as DXF's ``\\U+XXXX`` escapes for every non-ASCII character, which
AutoCAD, BricsCAD, LibreCAD, GDAL (and so QGIS) and ezdxf decode (ezdxf writes them in the custom
properties; :func:`mtext_content` in the labels). A UTF-8 file (DXF R2007 and later) is not written:
GDAL reads text by ``$DWGCODEPAGE`` whatever the version, so QGIS would show the names garbled.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import geopandas as gpd
import shapely

from portfolio.export._core import VN2000, WGS84, Format, Incomplete, projected

if TYPE_CHECKING:  # ezdxf is imported when a DXF is written or read (0.15 s: not for every CLI call)
    from ezdxf.layouts.layout import Modelspace

#: Height of the label text, in drawing units (metres in VN-2000, degrees in WGS 84).
TEXT_HEIGHT: Final[dict[str, float]] = {VN2000: 25.0, WGS84: 0.0002}
#: DXF version written (see the module's docstring); custom drawing properties need R2004.
DXF_VERSION: Final[str] = "R2004"
#: Entity types a project's geometry is drawn with.
SHAPE_TYPES: Final[frozenset[str]] = frozenset({"POINT", "LWPOLYLINE", "HATCH"})
#: MTEXT's special characters -> their escapes: backslash and braces; a caret as ``"^ "``; ``%`` as
#: ``\\U+0025``, since ``%%d`` would become a degree sign.
_MTEXT_ESCAPES: Final[dict[str, str]] = {"\\": "\\\\", "{": "\\{", "}": "\\}", "^": "^ ", "%": "\\U+0025"}
#: Characters of a DXF string value (a line of the file), DXF R2000 and later.
STRING_MAX: Final[int] = 2049
#: Characters per MTEXT text chunk (ezdxf cuts the text into groups 3 and 1 of this many characters).
MTEXT_CHUNK: Final[int] = 250


def label(ident: str, name: str) -> str:
    """The label text of a project in DXF: ``"<id>: <name_vi>"``."""
    return f"{ident}: {name}"


def _one_line(text: str) -> str:
    """``text`` on one line (line breaks as spaces), control characters as U+FFFD."""
    return "".join("\ufffd" if ord(ch) < 0x20 or ch == "\x7f" else ch for ch in " ".join(text.split()))


def mtext_content(text: str) -> str:
    """``text`` as MTEXT content that reads back as itself, on one line (:func:`_one_line`), in ASCII.

    MTEXT's specials are escaped (:data:`_MTEXT_ESCAPES`), every other non-ASCII character is DXF's
    ``\\U+XXXX`` (beyond U+FFFF ``?``): GDAL reads ``ANSI_1252`` text as Latin-1, so a dash or a
    quotation mark of code page 1252 would not read back there. ezdxf cuts long content into chunks of
    :data:`MTEXT_CHUNK` characters (moving a final caret to the next one), and readers such as GDAL
    decode each chunk alone: an escape that would straddle a cut is moved past it by empty groups
    (``{}``), which every reader drops.
    """
    out: list[str] = []
    used = 0  # characters in the current chunk
    for ch in _one_line(text):
        token = _MTEXT_ESCAPES.get(ch) or (
            ch if ord(ch) < 128 else f"\\U+{ord(ch):04X}" if ord(ch) <= 0xFFFF else "?"
        )
        if token.startswith("^") and used + 1 == MTEXT_CHUNK:  # ezdxf moves the caret to the next chunk
            used = 0
        elif len(token) > 1 and used + len(token) > MTEXT_CHUNK:
            room = MTEXT_CHUNK - used
            out.append("{}" * (room // 2) + "{" * (room % 2))
            used = 0
            if room % 2:  # the open group closes at the start of the next chunk
                out.append("}")
                used = 1
        out.append(token)
        used += len(token)
        if used == MTEXT_CHUNK:
            used = 0
    return "".join(out)


def _anchor(geom: shapely.Geometry) -> shapely.Point:
    """Where a project's label stands: the middle of its (longest) line, else a point inside it."""
    if geom.geom_type == "MultiLineString":
        geom = max(geom.geoms, key=lambda g: g.length)
    if geom.geom_type == "LineString":
        return geom.interpolate(0.5, normalized=True)
    return geom.representative_point()


def _parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    return list(geom.geoms) if geom.geom_type.startswith("Multi") else [geom]


def _draw(msp: Modelspace, geom: shapely.Geometry, layer: str) -> int:
    """Draw ``geom`` on ``layer``; return the number of entities."""
    from ezdxf.lldxf import const

    attribs = {"layer": layer}
    parts = _parts(geom)
    for part in parts:
        kind = part.geom_type
        if kind == "Point":
            msp.add_point((part.x, part.y), dxfattribs=attribs)
        elif kind == "LineString":
            msp.add_lwpolyline([c[:2] for c in part.coords], dxfattribs=attribs)
        elif kind == "Polygon":
            hatch = msp.add_hatch(color=const.BYLAYER, dxfattribs=attribs)
            hatch.paths.add_polyline_path(
                [c[:2] for c in part.exterior.coords[:-1]],
                is_closed=True,
                flags=const.BOUNDARY_PATH_EXTERNAL,
            )
            for ring in part.interiors:
                hatch.paths.add_polyline_path(
                    [c[:2] for c in ring.coords[:-1]], is_closed=True, flags=const.BOUNDARY_PATH_DEFAULT
                )
        else:
            raise ValueError(f"project {layer}: a {kind} cannot be drawn in DXF")
    return len(parts)


def _written(text: str, encoding: str) -> int:
    """Characters ``text`` takes in a DXF file of ``encoding`` (ezdxf writes a character the code page
    lacks as ``\\U+XXXX``)."""
    from ezdxf.lldxf.encoding import encode

    return len(encode(text, encoding).decode(encoding))


def _properties(meta: dict[str, Any], encoding: str = "cp1252") -> list[tuple[str, str]]:
    """The metadata as custom drawing properties (lists and mappings as JSON), each on one line. A value
    longer than a DXF string (:data:`STRING_MAX` characters as written in ``encoding``) is cut over
    numbered properties: ``filter_1``, ``filter_2``, … (joined, they are the value)."""
    out: list[tuple[str, str]] = []
    for key, value in meta.items():
        text = _one_line(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        if _written(text, encoding) <= STRING_MAX:
            out.append((key, text))
            continue
        pieces, piece, used = [], "", 0
        for ch in text:
            size = _written(ch, encoding)
            if used + size > STRING_MAX:
                pieces.append(piece)
                piece, used = "", 0
            piece += ch
            used += size
        pieces.append(piece)
        out.extend((f"{key}_{number}", p) for number, p in enumerate(pieces, start=1))
    return out


def write(data: gpd.GeoDataFrame, paths: tuple[Path, ...], crs: str, meta: dict[str, Any], name: str) -> None:
    from ezdxf.lldxf.const import DXFError

    try:
        _write(data, paths[0], crs, meta)
    except DXFError as exc:  # e.g. an id that cannot name a layer
        raise ValueError(f"ezdxf could not write the drawing: {exc}") from exc


def _write(data: gpd.GeoDataFrame, path: Path, crs: str, meta: dict[str, Any]) -> None:
    from ezdxf import units
    from ezdxf.enums import MTextEntityAlignment
    from ezdxf.filemanagement import new

    out = projected(data, crs)
    doc = new(DXF_VERSION, units=units.M if crs == VN2000 else 0)  # 0: unitless (degrees)
    for key, value in _properties(meta, doc.output_encoding):
        doc.header.custom_vars.append(key, value)
    msp = doc.modelspace()
    height = TEXT_HEIGHT[crs]
    for ident, title, geom in zip(out["id"].astype(str), out["name_vi"], out.geometry, strict=True):
        doc.layers.add(ident)
        if not _drawn(geom):  # its layer only, as the other formats keep a record without geometry
            continue
        _draw(msp, geom, ident)
        point = _anchor(geom)
        msp.add_mtext(
            mtext_content(label(ident, str(title))), dxfattribs={"layer": ident, "char_height": height}
        ).set_location((point.x, point.y), attachment_point=MTextEntityAlignment.MIDDLE_CENTER)
    doc.saveas(path)


def _drawn(geom: shapely.Geometry | None) -> bool:
    """Whether a project has a geometry to draw and label (not missing, not empty)."""
    return geom is not None and not geom.is_empty


def shape_count(data: gpd.GeoDataFrame) -> int:
    """How many shape entities :func:`write` draws for ``data``."""
    return sum(len(_parts(g)) for g in data.geometry if _drawn(g))


def label_count(data: gpd.GeoDataFrame) -> int:
    """How many labels :func:`write` writes for ``data``: one per project with a geometry."""
    return sum(1 for g in data.geometry if _drawn(g))


def read_back(path: Path) -> tuple[Counter[str], dict[str, str]]:
    """What a DXF export holds: entities per type, and the custom drawing properties."""
    from ezdxf.filemanagement import readfile
    from ezdxf.lldxf.encoding import decode_dxf_unicode

    doc = readfile(path)
    kinds = Counter(entity.dxftype() for entity in doc.modelspace())
    return kinds, {key: decode_dxf_unicode(value) for key, value in doc.header.custom_vars}


def check(path: Path, data: gpd.GeoDataFrame) -> None:
    """A DXF export is whole: ezdxf reads it back with a label and the shapes of every project, and
    the metadata."""
    from ezdxf.lldxf.const import DXFError

    try:
        kinds, properties = read_back(path)
    except (OSError, DXFError, UnicodeDecodeError) as exc:
        raise Incomplete(f"the DXF written cannot be read back ({exc}); it may be truncated") from None
    shapes = sum(kinds[k] for k in SHAPE_TYPES)
    labels = label_count(data)
    if kinds["MTEXT"] != labels or shapes != shape_count(data) or properties.get("count") != str(len(data)):
        raise Incomplete(
            f"the DXF written is incomplete: {kinds['MTEXT']} of {labels} labels and {shapes} of "
            f"{shape_count(data)} shapes read back"
        )


FORMAT: Final[Format] = Format(
    name="dxf",
    label={"vi": "DXF (CAD)", "en": "DXF (CAD)"},
    suffixes=(".dxf",),
    media_type="image/vnd.dxf",
    crs=(VN2000, WGS84),
    what="a DXF file",
    write=write,
    check=check,
)
