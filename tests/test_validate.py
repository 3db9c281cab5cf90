"""Every rule of ``portfolio.validate`` broken on a copy built by ``make_register``.

Each case asserts the exact problem (file, where, field, rule, message text) and that no other rule
fires than the ones listed; ``test_every_documented_rule_is_broken`` ties the cases to the rules the
module's docstring lists, so a new rule without a test fails the suite.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import portfolio.rules as rules_module
import portfolio.validate as validate_module
from portfolio import Problem, RegisterError, schema
from portfolio._derived import DERIVED_COLUMNS
from portfolio._files import MAX_INPUT_BYTES
from portfolio._rows import check_rows
from portfolio.register import load
from portfolio.validate import validate
from tests.conftest import (
    ROOT,
    MakeRegister,
    base_row,
    fixture_geometries,
    fixture_geometries_with,
    fixture_rows,
    write_register,
)

Build = Callable[[MakeRegister, Path], tuple[Path, Path]]


@dataclass(frozen=True)
class Case:
    rule: str
    build: Build
    file: str  # "register", "geodata" (projects.geojson) or "boundary"
    where: str
    field: str
    message: str  # a fragment of the message (regex)
    also: tuple[str, ...] = ()  # other rules the same break legitimately triggers


def rows_with(**overrides: str) -> list[dict[str, str]]:
    """The fixture rows with the first (``dt-923``) overridden."""
    rows = fixture_rows()
    rows[0] = base_row(**overrides)
    return rows


def cells(**overrides: str) -> Build:
    return lambda make, tmp: make(rows=rows_with(**overrides))


def raw_register(data: bytes) -> Build:
    def build(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
        reg, geo = make()
        reg.write_bytes(data)
        return reg, geo

    return build


def csv_text(rows: list[dict[str, str]] | None = None, columns: list[str] | None = None) -> str:
    path = Path(__import__("tempfile").mkdtemp()) / "r.csv"
    write_register(path, fixture_rows() if rows is None else rows, columns)
    return path.read_bytes().decode("utf-8")


def geometries_with(**overrides: Any) -> Build:
    def build(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
        return make(geometries=fixture_geometries_with(**overrides))

    return build


def raw_geodata(doc: Any) -> Build:
    def build(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
        reg, geo = make()
        text = doc if isinstance(doc, str) else json.dumps(doc)
        (geo / "projects.geojson").write_text(text, encoding="utf-8")
        return reg, geo

    return build


def features(extra: list[Any]) -> dict[str, Any]:
    feats: list[Any] = [
        {"type": "Feature", "properties": {"id": k}, "geometry": g} for k, g in fixture_geometries().items()
    ]
    return {"type": "FeatureCollection", "features": feats + extra}


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258: base letters with circumflex/breve/horn precomposed, tones combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def sparse_register(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
    reg, geo = make()
    with reg.open("r+b") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)  # sparse: costs no disk
    return reg, geo


def directory_register(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
    reg, geo = make()
    reg.unlink()
    reg.mkdir()
    return reg, geo


def missing_register(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
    reg, geo = make()
    reg.unlink()
    return reg, geo


def duplicate_row(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
    return make(rows=[*fixture_rows(), base_row(name_en="Copy")])


def duplicate_feature(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
    line = fixture_geometries()["dt-923"]
    return raw_geodata(features([{"type": "Feature", "properties": {"id": "dt-923"}, "geometry": line}]))(
        make, tmp
    )


def internal_error(make: MakeRegister, tmp: Path) -> tuple[Path, Path]:
    return make()  # the test monkeypatches a check to raise


POINT = {"type": "Point", "coordinates": [105.75, 10.03]}
RING = [[105.60, 10.10], [105.62, 10.10], [105.62, 10.12], [105.60, 10.12]]
HEADER = ",".join(schema.COLUMNS)

CASES: list[Case] = [
    # file structure
    Case("missing_file", missing_register, "register", "", "", r"^register file not found$"),
    Case("unreadable", directory_register, "register", "", "", r"register path is a directory"),
    Case("empty_file", raw_register(b""), "register", "", "", r"^register file is empty$"),
    Case(
        "too_large",
        sparse_register,
        "register",
        "",
        "",
        rf"register file is {MAX_INPUT_BYTES + 1:,} bytes; the limit is {MAX_INPUT_BYTES:,} bytes",
    ),
    Case(
        "not_text",
        raw_register(b"PK\x03\x04\x14\x00\x06\x00xl/workbook.xml"),
        "register",
        "",
        "",
        r"register file is a ZIP archive \(an Excel \.xlsx workbook\?\), not UTF-8 text",
    ),
    Case(
        "bom",
        raw_register(b"\xef\xbb\xbf" + csv_text().encode()),
        "register",
        "line 1",
        "",
        r"byte-order mark .*save it as UTF-8 without BOM",
    ),
    Case(
        "not_utf8",
        raw_register(to_cp1258(csv_text())),
        "register",
        "line 2",
        "",
        r"^byte 0x\w\w at offset \d+ is not UTF-8; .*Windows-1258 or Latin-1",
    ),
    Case(
        "csv_syntax",
        raw_register((HEADER + '\ndt-923,"Đường" 923' + "," * 23 + "\n").encode()),
        "register",
        "line 2",
        "",
        r"^CSV syntax error: ',' expected after '\"'",
    ),
    Case(
        "wrong_delimiter",
        raw_register(csv_text().replace(",", ";").encode()),
        "register",
        "header",
        "",
        r"the header is one column split by ';'; the register must be comma-separated",
    ),
    Case(
        "missing_column",
        raw_register(csv_text(columns=[c for c in schema.COLUMNS if c != "status"]).encode()),
        "register",
        "header",
        "status",
        r"^column is missing$",
    ),
    Case(
        "duplicate_column",
        raw_register(csv_text(columns=[*schema.COLUMNS, "notes"]).encode()),
        "register",
        "header",
        "notes",
        r"^column appears twice$",
    ),
    Case(
        "unknown_column",
        raw_register(csv_text(columns=[*schema.COLUMNS, "budget"]).encode()),
        "register",
        "header",
        "budget",
        r"^is not a register column \(see the README's column table\)$",
    ),
    Case(
        "ragged_row",
        raw_register(
            "\r\n".join(
                line if not line.startswith("kcn-o-mon") else line + ",extra"
                for line in csv_text().split("\r\n")
            ).encode()
        ),
        "register",
        "row 2 (id kcn-o-mon)",
        "",
        rf"^has {len(schema.COLUMNS) + 1} cells, the header has {len(schema.COLUMNS)}$",
        also=("orphan_geometry",),
    ),
    Case(
        "no_rows",
        raw_register((HEADER + "\n").encode()),
        "register",
        "",
        "",
        r"^register has a header but no project rows$",
        also=("orphan_geometry",),
    ),
    # cells
    Case(
        "cell_too_long",
        cells(notes="x" * 32_768),
        "register",
        "row 1 (id dt-923)",
        "notes",
        r"^cell holds 32,768 characters; the limit is 32,767 \(a spreadsheet cuts longer cells\)$",
    ),
    Case(
        "required", cells(name_en=""), "register", "row 1 (id dt-923)", "name_en", r"^is empty but required$"
    ),
    Case(
        "formula",
        cells(name_en='=HYPERLINK("http://evil.example","click")'),
        "register",
        "row 1 (id dt-923)",
        "name_en",
        r"^starts with '=' and a spreadsheet would run it as a formula \('=HYPERLINK\(.*remove the leading",
    ),
    Case(
        "control_char",
        cells(name_vi="Đường tỉnh\n923"),
        "register",
        "row 1 (id dt-923)",
        "name_vi",
        r"^holds the line break '\\n' \(a line feed, U\+000A\) at character 11; only notes may hold line "
        r"breaks$",
    ),
    Case(
        "not_nfc",
        cells(name_vi=unicodedata.normalize("NFD", "Đường tỉnh 923")),
        "register",
        "row 1 (id dt-923)",
        "name_vi",
        r"^text is not in Unicode NFC",
    ),
    Case(
        "whitespace",
        cells(owner="Sở Giao thông vận tải "),
        "register",
        "row 1 (id dt-923)",
        "owner",
        r"^has leading or trailing whitespace$",
    ),
    Case(
        "unknown_value",
        cells(status="started"),
        "register",
        "row 1 (id dt-923)",
        "status",
        r"^'started' is not allowed; allowed: proposed, planned, under_construction",
    ),
    Case(
        "bad_year",
        cells(period_start="năm 2021"),
        "register",
        "row 1 (id dt-923)",
        "period_start",
        r"^'năm 2021' is not a four-digit year \(ASCII digits 0-9\)$",
    ),
    Case(
        "implausible_year",
        cells(period_start="1890"),
        "register",
        "row 1 (id dt-923)",
        "period_start",
        r"^year 1890 is not plausible \(allowed 1990-2060\)$",
    ),
    Case(
        "period_order",
        cells(period_start="2025", period_end="2021"),
        "register",
        "row 1 (id dt-923)",
        "period_start",
        r"^period_start 2025 is after period_end 2021$",
    ),
    Case(
        "bad_id",
        cells(parent_id="QL 91"),
        "register",
        "row 1 (id dt-923)",
        "parent_id",
        r"^'QL 91' is not a lowercase ascii slug$",
        also=("unknown_parent",),
    ),
    Case(
        "bad_source",
        cells(sources="Báo Cần Thơ, 2021"),
        "register",
        "row 1 (id dt-923)",
        "sources",
        r"^source 'Báo Cần Thơ, 2021' does not start with a known document \(59-NQ/TW",
    ),
    Case(
        "bad_period_history",
        cells(period_history="202/KH-UBND=2021-25"),
        "register",
        "row 1 (id dt-923)",
        "period_history",
        r"^entry '202/KH-UBND=2021-25' is not DOCUMENT=START-END \(years in ASCII digits\)$",
    ),
    Case(
        "period_not_in_history",
        cells(period_start="", period_end="", period_history="202/KH-UBND=2021-2025"),
        "register",
        "row 1 (id dt-923)",
        "period_start",
        r"^is empty, but period_history gives periods \(the last: 2021-2025\); fill period_start and "
        r"period_end$",
    ),
    Case(
        "period_not_current",
        cells(
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="202/KH-UBND=2021-2025; ngoài: Báo A 2025-03=2025-2028",
        ),
        "register",
        "row 1 (id dt-923)",
        "period_start",
        r"^period 2021-2025 is not the last entry of period_history \(the most recent source\): 2025-2028$",
    ),
    Case(
        "period_history_order",
        cells(period_history="KH-UBND/2026=2026-2030; 202/KH-UBND=2021-2025"),
        "register",
        "row 1 (id dt-923)",
        "period_history",
        r"^entry '202/KH-UBND' \(2021-10-01\) comes after 'KH-UBND/2026' \(2026-01\), a later document; "
        r"list the entries oldest first$",
    ),
    Case(
        "period_history_date",
        cells(
            period_start="2023",
            period_end="2026",
            sources="KH-UBND/2026 (01/2026), mục II.4.2",
            period_history="ngoài: CafeF 22/07/2025=2023-2026",
        ),
        "register",
        "row 1 (id dt-923)",
        "period_history",
        r"^entry 'ngoài: CafeF 22/07/2025' gives no date its order can be read by: write the date right "
        r"after the publisher .* \(không rõ ngày, …\)=…\)$",
    ),
    Case(
        "bad_precision",
        cells(geocode_precision="7"),
        "register",
        "row 1 (id dt-923)",
        "geocode_precision",
        r"^'7' is not a precision code; allowed: 1, 2, 3, 4, 5, 6$",
    ),
    Case(
        "bad_date",
        cells(status_as_of="01/10/2021"),
        "register",
        "row 1 (id dt-923)",
        "status_as_of",
        r"^'01/10/2021' is not an ISO date YYYY-MM-DD$",
    ),
    Case(
        "bad_number",
        cells(official_length_km="12,5"),
        "register",
        "row 1 (id dt-923)",
        "official_length_km",
        r"^'12,5' is not a plain number: use '\.' as the decimal separator and no thousands separator$",
    ),
    # rows together
    Case("duplicate_id", duplicate_row, "register", "row 4 (id dt-923)", "id", r"^id already used in row 1$"),
    Case(
        "unknown_parent",
        cells(parent_id="ql-91"),
        "register",
        "row 1 (id dt-923)",
        "parent_id",
        r"^parent 'ql-91' is not an id of the register$",
    ),
    Case(
        "parent_cycle",
        lambda make, tmp: make(
            rows=[
                base_row(parent_id="kcn-o-mon"),
                {**fixture_rows()[1], "parent_id": "dt-923"},
                fixture_rows()[2],
            ]
        ),
        "register",
        "row 1 (id dt-923)",
        "parent_id",
        r"^parents form a cycle: dt-923 → kcn-o-mon → dt-923$",
    ),
    # geodata file
    Case(
        "bad_json",
        raw_geodata('{"type": "FeatureCollection",\n "features": [}'),
        "geodata",
        "line 2",
        "",
        r"^not valid JSON: ",
    ),
    Case(
        "not_feature_collection",
        raw_geodata({"type": "Feature", "properties": {"id": "dt-923"}, "geometry": POINT}),
        "geodata",
        "",
        "",
        r"^is not a GeoJSON FeatureCollection$",
    ),
    Case(
        "no_features",
        raw_geodata({"type": "FeatureCollection", "features": []}),
        "geodata",
        "",
        "features",
        r"^holds no features$",
    ),
    Case(
        "bad_feature",
        raw_geodata(features(["dt-924"])),
        "geodata",
        "feature 4",
        "",
        r"^is not a GeoJSON Feature object$",
    ),
    Case(
        "wrong_crs",
        raw_geodata(
            {**features([]), "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::5897"}}}
        ),
        "geodata",
        "",
        "crs",
        r"^declares CRS 'urn:ogc:def:crs:EPSG::5897'; geodata must be WGS 84",
    ),
    # geometry
    Case(
        "missing_id",
        raw_geodata(features([{"type": "Feature", "properties": {"name": "x"}, "geometry": POINT}])),
        "geodata",
        "feature 4",
        "id",
        r"^feature has no id property$",
    ),
    Case(
        "missing_geometry",
        geometries_with(dt_923=None),
        "geodata",
        "id dt-923",
        "geometry",
        r"^register row 1 has no feature in projects.geojson$",
    ),
    Case(
        "orphan_geometry",
        geometries_with(ql_91=POINT),
        "geodata",
        "id ql-91",
        "id",
        r"^feature has no row in the register$",
    ),
    Case(
        "duplicate_geometry",
        duplicate_feature,
        "geodata",
        "id dt-923",
        "geometry",
        r"^id has more than one feature \(one geometry per project\)$",
    ),
    Case(
        "empty_geometry",
        geometries_with(cang_cai_cui={"type": "Point", "coordinates": []}),
        "geodata",
        "id cang-cai-cui",
        "geometry",
        r"^geometry has no coordinates$",
    ),
    Case(
        "invalid_geometry",
        geometries_with(
            kcn_o_mon={
                "type": "Polygon",
                "coordinates": [
                    [[105.60, 10.10], [105.62, 10.12], [105.62, 10.10], [105.60, 10.12], [105.60, 10.10]]
                ],
            }
        ),
        "geodata",
        "id kcn-o-mon",
        "geometry",
        r"^invalid geometry: Self-intersection\[105\.61 10\.11\]$",
    ),
    Case(
        "unclosed_ring",
        geometries_with(kcn_o_mon={"type": "Polygon", "coordinates": [RING]}),
        "geodata",
        "id kcn-o-mon",
        "geometry",
        r"^a polygon ring is not closed \(first and last positions differ\)$",
    ),
    Case(
        "bad_geometry",
        geometries_with(cang_cai_cui={"type": "GeometryCollection", "geometries": [POINT]}),
        "geodata",
        "id cang-cai-cui",
        "geometry",
        r"^GeometryCollection is not supported",
    ),
    Case(
        "projected_coordinates",
        geometries_with(cang_cai_cui={"type": "Point", "coordinates": [587412.3, 1101234.5]}),
        "geodata",
        "id cang-cai-cui",
        "geometry",
        r"^coordinate \(587412\.3, 1101234\.5\) is not degrees: .*VN-2000.*reproject to EPSG:4326$",
    ),
    Case(
        "swapped_coordinates",
        geometries_with(cang_cai_cui={"type": "Point", "coordinates": [9.9947, 105.8436]}),
        "geodata",
        "id cang-cai-cui",
        "geometry",
        r"^coordinate \(9\.9947, 105\.8436\) looks like \(lat, lon\); GeoJSON order is \[lon, lat\]$",
    ),
    Case(
        "outside_region",
        geometries_with(cang_cai_cui={"type": "Point", "coordinates": [105.8542, 21.0285]}),
        "geodata",
        "id cang-cai-cui",
        "geometry",
        r"^coordinate \(105\.8542, 21\.0285\) lies outside the region \(104\.3, 8\.5, 107\.0, 11\.2\)",
    ),
    Case(
        "outside_city",
        geometries_with(cang_cai_cui={"type": "Point", "coordinates": [106.30, 9.40]}),
        "geodata",
        "id cang-cai-cui",
        "geometry",
        r"^a city-scope project lies outside the city boundary .*set scope=regional$",
    ),
    Case(
        "wrong_geometry_kind",
        geometries_with(dt_923=POINT),
        "geodata",
        "id dt-923",
        "geometry",
        r"^a road project must be a line, not a Point$",
    ),
    Case(
        "area_mismatch",
        lambda make, tmp: make(
            rows=[fixture_rows()[0], {**fixture_rows()[1], "official_area_ha": "5000"}, fixture_rows()[2]]
        ),
        "geodata",
        "id kcn-o-mon",
        "geometry",
        r"^polygon area 4\d\d\.\d ha differs from official_area_ha 5,000\.0 ha by more than 15%$",
    ),
    Case(
        "internal_error",
        internal_error,
        "register",
        "",
        "",
        r"^validation failed unexpectedly \(RuntimeError: boom\); please report this with the file$",
    ),
]


def documented_rules() -> set[str]:
    doc = validate_module.__doc__ or ""
    listed = doc[doc.index("- file structure") : doc.index("Every problem names")]
    return set(re.findall(r"``([a-z_0-9]+)``", listed))


def test_every_documented_rule_is_broken() -> None:
    assert documented_rules() == {case.rule for case in CASES}
    assert len(CASES) == len({case.rule for case in CASES})
    assert set(rules_module.RULES) == {case.rule for case in CASES}  # the docstring is the registry's


def _emitted_codes(path: Path) -> set[str]:
    """Rule codes written as literals where a problem is made: ``Problem(file, where, field, RULE, …)``,
    ``_BadGeometry(RULE, …)``, ``rule_error(RULE, …)`` and the (field, RULE, message) history problems."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            at = {"Problem": 3, "_problem": 1, "add": 1, "_BadGeometry": 0, "rule_error": 0}.get(name)
            if at is not None and len(node.args) > at and isinstance(arg := node.args[at], ast.Constant):
                found.add(str(arg.value))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 3 and isinstance(node.elts[2], ast.JoinedStr):
            second = node.elts[1]  # a history problem: (field, RULE, f"message")
            if isinstance(second, ast.Constant) and isinstance(second.value, str):
                found.add(second.value)
    return found


def test_every_rule_is_registered_once_with_the_check_that_emits_it() -> None:
    """Each code the register's checks emit is in the registry, and each registered rule's check (its
    module) emits it; the README's [rule] codes are registered ones."""
    import importlib

    modules = ("_files", "readers", "rules", "_rows", "register")
    emitted = {m: _emitted_codes(ROOT / "portfolio" / f"{m}.py") for m in modules}
    assert set().union(*emitted.values()) - {"invalid"} <= set(rules_module.RULES)
    for code, rule in rules_module.RULES.items():
        assert rule.code == code and rule.group in rules_module.RULE_GROUPS and rule.description
        module_name, _, function = rule.check.partition(".")[2].partition(".")
        module = importlib.import_module(f"portfolio.{module_name}")
        assert not function or callable(getattr(module, function)), rule.check
        assert code in emitted[module_name], (code, rule.check)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    limits = readme[readme.index("## Limits you can rely on") : readme.index("**Your own layer**")]
    cited = {code.strip() for group in re.findall(r"\[([a-z_, ]+)\]", limits) for code in group.split(",")}
    assert cited and cited <= set(rules_module.RULES), cited - set(rules_module.RULES)


def _expected_file(case: Case, reg: Path, geo: Path) -> str:
    return {
        "register": str(reg),
        "geodata": str(geo / "projects.geojson"),
        "boundary": str(geo / "city_boundary.geojson"),
    }[case.file]


def _run(
    case: Case, make_register: MakeRegister, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, list[Problem]]:
    reg, geo = case.build(make_register, tmp_path)
    if case.rule == "internal_error":

        def boom(*args: object) -> list[Problem]:
            raise RuntimeError("boom")

        monkeypatch.setattr(rules_module, "_check_geometry", boom)
    return reg, geo, validate(reg, geo)


@pytest.mark.parametrize("case", CASES, ids=[c.rule for c in CASES])
def test_rule(
    case: Case, make_register: MakeRegister, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, geo, problems = _run(case, make_register, tmp_path, monkeypatch)
    matching = [p for p in problems if p.rule == case.rule]
    assert matching, f"{case.rule} not reported; got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == _expected_file(case, reg, geo)
    assert problem.where == case.where
    assert problem.field == case.field
    assert re.search(case.message, problem.message), problem.message
    assert {p.rule for p in problems} == {case.rule, *case.also}, [str(p) for p in problems]
    line = str(problem)
    assert "\n" not in line
    assert line.startswith(problem.file + ": ")
    assert line.endswith(f"[{case.rule}]")


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.rule != "internal_error"],
    ids=[c.rule for c in CASES if c.rule != "internal_error"],
)
def test_loader_raises_register_error(case: Case, make_register: MakeRegister, tmp_path: Path) -> None:
    reg, geo = case.build(make_register, tmp_path)
    with pytest.raises(RegisterError) as info:
        load(reg, geo)
    assert case.rule in {p.rule for p in info.value.problems}


def test_valid_fixture_has_no_problem(make_register: MakeRegister) -> None:
    assert validate(*make_register()) == []


def test_problems_in_file_order_and_all_reported(make_register: MakeRegister) -> None:
    rows = fixture_rows()
    rows[0]["status"] = "started"
    rows[2]["period_start"] = "2200"
    problems = validate(*make_register(rows=rows))
    assert [(p.where, p.field, p.rule) for p in problems] == [
        ("row 1 (id dt-923)", "status", "unknown_value"),
        ("row 3 (id cang-cai-cui)", "period_start", "implausible_year"),
    ]


def test_row_numbers_survive_blank_and_ragged_rows(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    lines = reg.read_bytes().decode("utf-8").split("\r\n")
    lines.insert(2, "")  # a blank line after row 1
    lines[3] = lines[3] + ",x"  # row 3 (kcn-o-mon) ragged
    lines[4] = lines[4].replace("operating", "open")  # row 4 (cang-cai-cui)
    reg.write_text("\r\n".join(lines), encoding="utf-8")
    got = {(p.where, p.rule) for p in validate(reg, geo)}
    assert ("row 3 (id kcn-o-mon)", "ragged_row") in got
    assert ("row 4 (id cang-cai-cui)", "unknown_value") in got


def test_empty_header_cells_from_a_spreadsheet(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    lines = reg.read_bytes().decode("utf-8").split("\r\n")
    reg.write_text("\r\n".join(line + ",," for line in lines if line) + "\r\n", encoding="utf-8")
    problems = validate(reg, geo)
    assert [(p.where, p.field, p.rule) for p in problems] == [
        ("header", f"column {len(schema.COLUMNS) + 1}", "unknown_column"),
        ("header", f"column {len(schema.COLUMNS) + 2}", "unknown_column"),
    ]
    assert problems[0].message == "has an empty header cell (an extra column left by a spreadsheet?)"


def test_every_vocabulary_is_checked(make_register: MakeRegister) -> None:
    rows = rows_with(sector="roads", funding_type="loan", scope="province", admin_basis="guess")
    problems = validate(*make_register(rows=rows))
    assert {(p.field, p.rule) for p in problems} == {
        ("sector", "unknown_value"),
        ("funding_type", "unknown_value"),
        ("scope", "unknown_value"),
        ("admin_basis", "unknown_value"),
    }
    assert "did you mean" not in " ".join(p.message for p in problems)


def test_vocabulary_hint_for_case(make_register: MakeRegister) -> None:
    (problem,) = validate(*make_register(rows=rows_with(status="Under construction")))
    assert "did you mean 'under_construction'?" in problem.message


@pytest.mark.parametrize("year", ["2200", "1989", "2061"])
def test_years_outside_range(make_register: MakeRegister, year: str) -> None:
    (problem,) = validate(*make_register(rows=rows_with(period_end=year)))
    assert (problem.field, problem.rule) == ("period_end", "implausible_year")


@pytest.mark.parametrize("value", ["2021.0", "２０２１", "21", "MMXXI", "2_021", "٢٠٢١", "+2021"])
def test_years_not_four_ascii_digits(make_register: MakeRegister, value: str) -> None:
    (problem,) = validate(*make_register(rows=rows_with(period_start=value)))
    assert (problem.field, problem.rule) == ("period_start", "bad_year")


@pytest.mark.parametrize("value", ["0", "-1", "2.0", "two", "٣", "02", "２", "+2"])
def test_precision_codes(make_register: MakeRegister, value: str) -> None:
    (problem,) = validate(*make_register(rows=rows_with(geocode_precision=value)))
    assert (problem.field, problem.rule) == ("geocode_precision", "bad_precision")


@pytest.mark.parametrize("value", ["20211001", "2021-W40-5", "2021-10", "1890-01-01", "2059-12-31"])
def test_status_as_of_strict_iso(make_register: MakeRegister, value: str) -> None:
    (problem,) = validate(*make_register(rows=rows_with(status_as_of=value)))
    assert (problem.field, problem.rule) == ("status_as_of", "bad_date")


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "-3",
        "inf",
        "nan",
        "abc",
        "1_9.3",
        "1__0",
        "١٢",
        "１２",
        "٣.٥",
        "²",
        "1e3",
        "1E-2",
        "+5",
        "5.",
        ".5",
        "1.2.3",
        "1 000",
        "0x10",
        "Infinity",
        "0.0",
        "9" * 400,
        "12,5",
        "1.234,5",
    ],
)
def test_official_numbers_one_plain_form(make_register: MakeRegister, value: str) -> None:
    """Only ASCII digits with at most one '.' (and digits after it), above 0: everything else Python's
    float() or pandas would read (or read differently) is refused with the row and column."""
    problems = validate(*make_register(rows=rows_with(official_length_km=value)))
    assert [(p.where, p.field, p.rule) for p in problems] == [
        ("row 1 (id dt-923)", "official_length_km", "bad_number")
    ]
    assert len(problems[0].message) < 150


@pytest.mark.parametrize("value", ["12", "12.50", "0.5", "007", "19.3"])
def test_official_numbers_plain_form_loads_as_written(make_register: MakeRegister, value: str) -> None:
    frame = load(*make_register(rows=rows_with(official_length_km=value)))
    assert frame["official_length_km"].iloc[0] == float(value)
    assert frame["official_length_km"].isna().tolist()[1:] == [True, True]


@pytest.mark.parametrize("column", ["official_area_ha", "official_length_km"])
@pytest.mark.parametrize("value", ["1_0", "١٢", "1e3"])
def test_number_checks_do_not_depend_on_the_column(
    make_register: MakeRegister, column: str, value: str
) -> None:
    rows = fixture_rows()
    rows[1][column] = value
    problems = validate(*make_register(rows=rows))
    assert [(p.where, p.field, p.rule) for p in problems] == [("row 2 (id kcn-o-mon)", column, "bad_number")]


@pytest.mark.parametrize(
    "value",
    ["202/KH-UBND=２０２１-2025", "202/KH-UBND=2021-٢٠٢٥", "202/KH-UBND=1890-2025", "202/KH-UBND=2021-2200"],
)
def test_period_history_years_ascii_and_plausible(make_register: MakeRegister, value: str) -> None:
    problems = validate(*make_register(rows=rows_with(period_history=value)))
    assert [(p.field, p.rule) for p in problems] == [("period_history", "bad_period_history")]


def _validate_with_char(make_register: MakeRegister, column: str, char: str) -> tuple[list[Problem], int]:
    """Validate the fixture register with ``char`` inserted mid-cell in ``column`` of its first row;
    the problems and the insertion offset."""
    row = base_row()
    value = row[column] or "ghi chú"
    cut = len(value) // 2
    problems = validate(
        *make_register(rows=[{**row, column: value[:cut] + char + value[cut:]}, *fixture_rows()[1:]])
    )
    return problems, cut


@pytest.mark.parametrize("column", ["id", "name_vi", "name_en", "owner", "location_vi", "sources", "notes"])
@pytest.mark.parametrize(
    ("char", "code"),
    [
        ("\t", "U+0009"),
        ("\x0b", "U+000B"),
        ("\x1b", "U+001B"),
        ("\x7f", "U+007F"),
        ("\x85", "U+0085"),
        ("\x9b", "U+009B"),
    ],
)
def test_control_characters_refused_in_every_column(
    make_register: MakeRegister, column: str, char: str, code: str
) -> None:
    problems, cut = _validate_with_char(make_register, column, char)
    found = [p for p in problems if p.rule == "control_char"]
    assert [p.field for p in found] == [column]
    assert f"{code}) at character {cut + 1};" in found[0].message
    assert found[0].message.endswith("no cell may hold control characters (use a space)")
    assert {p.rule for p in problems} <= {
        "control_char",
        "bad_id",
        "bad_source",
        "orphan_geometry",
        "missing_geometry",
    }


@pytest.mark.parametrize("column", ["name_vi", "owner", "location_vi", "sources", "notes"])
@pytest.mark.parametrize(
    "char",
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u202a",
        "\u202e",
        "\u2060",
        "\u2066",
        "\u2069",
        "\ufeff",
    ],
)
def test_invisible_and_direction_characters_refused(
    make_register: MakeRegister, column: str, char: str
) -> None:
    problems, cut = _validate_with_char(make_register, column, char)
    found = [p for p in problems if p.rule == "control_char"]
    assert [p.field for p in found] == [column]
    assert f"U+{ord(char):04X}) at character {cut + 1};" in found[0].message
    assert "zero-width or text-direction characters" in found[0].message


@pytest.mark.parametrize("char", ["\n", "\r", "\u2028", "\u2029"])
def test_line_breaks_of_every_kind_only_in_notes(make_register: MakeRegister, char: str) -> None:
    assert validate(*make_register(rows=rows_with(notes=f"dòng một{char}dòng hai"), name="notes")) == []
    (problem,) = validate(*make_register(rows=rows_with(location_vi=f"Đường{char}tỉnh 923"), name="loc"))
    assert (problem.field, problem.rule) == ("location_vi", "control_char")
    assert problem.message.startswith(f"holds the line break {char!r} (")
    assert problem.message.endswith("at character 6; only notes may hold line breaks")


@pytest.mark.parametrize("value", ["+1 555 0100", "@SUM(A1:A9)", "-2+3", "\tcmd", "  =1+1"])
def test_formula_prefixes(make_register: MakeRegister, value: str) -> None:
    problems = validate(*make_register(rows=rows_with(notes=value)))
    assert ("notes", "formula") in {(p.field, p.rule) for p in problems}


def test_plain_negative_number_is_not_a_formula() -> None:
    from portfolio._rows import is_formula

    assert not is_formula("-5")
    assert not is_formula("1 = 1")
    assert is_formula("=1")


def test_line_breaks_allowed_in_notes_only(make_register: MakeRegister) -> None:
    assert validate(*make_register(rows=rows_with(notes="line one\nline two"))) == []
    (problem,) = validate(*make_register(rows=rows_with(notes="bell\x07"), name="bell"))
    assert (problem.field, problem.rule) == ("notes", "control_char")
    (problem,) = validate(*make_register(rows=rows_with(notes="line one\n\tindented"), name="tab"))
    assert (problem.field, problem.rule) == ("notes", "control_char")


def test_cell_length_limit(make_register: MakeRegister) -> None:
    """Cells up to 32,767 characters (Excel's limit) pass; longer ones are named, even past the csv
    module's own field limit (131,072), and nothing else is said about them."""
    assert validate(*make_register(rows=rows_with(notes="x" * 32_767))) == []
    for name, (column, size) in {
        "a": ("notes", 32_768),
        "b": ("notes", 200_000),
        "c": ("official_length_km", 140_000),
        "d": ("status", 40_000),
    }.items():
        (problem,) = validate(*make_register(rows=rows_with(**{column: "1" * size}), name=name))
        assert (problem.where, problem.field, problem.rule) == ("row 1 (id dt-923)", column, "cell_too_long")
        assert problem.message.startswith(f"cell holds {size:,} characters")


def test_giant_id_and_column_name_are_cut_in_messages(make_register: MakeRegister) -> None:
    rows = fixture_rows()
    rows[0]["id"] = "a" * 5000
    problems = validate(*make_register(rows=rows))
    assert {p.rule for p in problems} == {"orphan_geometry", "missing_geometry"}
    assert all(len(p.where) <= 120 and len(str(p)) < 400 for p in problems), [str(p) for p in problems]
    reg, geo = make_register(name="column")
    text = reg.read_text(encoding="utf-8").replace("notes", "notes" + "x" * 5000, 1)
    reg.write_text(text, encoding="utf-8")
    problems = validate(reg, geo)
    assert {p.rule for p in problems} == {"unknown_column", "missing_column"}
    assert all(len(p.field) <= 120 and len(str(p)) < 600 for p in problems), [str(p) for p in problems]


@pytest.mark.parametrize(
    ("position", "rule", "shown"),
    [
        ([1e300, 10], "projected_coordinates", "(1e+300, 10.0)"),
        ([-1e300, 1e300], "projected_coordinates", "(-1e+300, 1e+300)"),
        ([105.12345678901234, 1e-300], "outside_region", "(105.123, 1e-300)"),
        ([10.0000000000001, 105.12345678901234], "swapped_coordinates", "(10, 105.123)"),
        ([593605.2, 1104877.9], "projected_coordinates", "(593605.2, 1104877.9)"),
    ],
)
def test_coordinates_shown_compactly(
    make_register: MakeRegister, position: list[float], rule: str, shown: str
) -> None:
    (problem,) = validate(
        *make_register(
            geometries=fixture_geometries_with(cang_cai_cui={"type": "Point", "coordinates": position})
        )
    )
    assert problem.rule == rule
    assert f"coordinate {shown} " in problem.message
    assert len(problem.message) < 160


def test_giant_integers_in_geodata(make_register: MakeRegister) -> None:
    """Integers past Python's int/float limits are numbers like any other: a property is kept, a
    coordinate is reported as not finite, never an internal error."""
    reg, geo = make_register()
    path = geo / "projects.geojson"
    original = path.read_text(encoding="utf-8")
    path.write_text(
        original.replace('"id": "dt-923"', '"id": "dt-923", "n": -1' + "0" * 5000), encoding="utf-8"
    )
    assert validate(reg, geo) == []
    path.write_text(original.replace("105.8436", "1" + "0" * 5000), encoding="utf-8")
    (problem,) = validate(reg, geo)
    assert (problem.where, problem.rule) == ("id cang-cai-cui", "bad_geometry")
    assert problem.message == "position [inf, 9.9947] holds a value that is not a finite number"


def test_giant_official_area_shown_compactly(make_register: MakeRegister) -> None:
    rows = fixture_rows()
    rows[1]["official_area_ha"] = "1" + "0" * 300
    (problem,) = validate(*make_register(rows=rows))
    assert problem.rule == "area_mismatch"
    assert "official_area_ha 1e+300 ha" in problem.message


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "EPSG:3405"}},
        {"type": "EPSG", "properties": {"code": 5897}},
        "EPSG:32648",
        {"type": "link", "properties": {"href": "http://example.com/crs", "type": "proj4"}},
    ],
)
def test_any_foreign_crs_member_is_reported(make_register: MakeRegister, crs: Any) -> None:
    reg, geo = raw_geodata({**features([]), "crs": crs})(make_register, Path())
    (problem,) = validate(reg, geo)
    assert (problem.file, problem.field, problem.rule) == (str(geo / "projects.geojson"), "crs", "wrong_crs")


@pytest.mark.parametrize(
    "crs",
    [
        None,
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        {"type": "name", "properties": {"name": "EPSG:4326"}},
        {"type": "EPSG", "properties": {"code": 4326}},
    ],
)
def test_wgs84_crs_member_is_accepted(make_register: MakeRegister, crs: Any) -> None:
    reg, geo = raw_geodata({**features([]), "crs": crs})(make_register, Path())
    assert validate(reg, geo) == []


def test_qgis_export_in_vn2000_reports_crs_and_each_feature(make_register: MakeRegister) -> None:
    doc = {
        "type": "FeatureCollection",
        "name": "projects",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3405"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"id": i},
                "geometry": {"type": "Point", "coordinates": [587000.0 + n, 1104000.0]},
            }
            for n, i in enumerate(["dt-923", "kcn-o-mon", "cang-cai-cui"])
        ],
    }
    reg, geo = raw_geodata(doc)(make_register, Path())
    rules = [p.rule for p in validate(reg, geo)]
    assert rules == ["wrong_crs"] + ["projected_coordinates"] * 3


def test_newline_in_id_still_one_line(make_register: MakeRegister) -> None:
    problems = validate(*make_register(rows=rows_with(id="dt\n923")))
    assert problems
    assert all("\n" not in str(p) for p in problems)
    assert any(p.where == "row 1 (id dt\\n923)" and p.rule == "bad_id" for p in problems)


def test_hostile_text_is_kept_verbatim(make_register: MakeRegister) -> None:
    hostile = '<img src=x onerror="alert(1)"> ${alert(2)} <script>alert(3)</script> &amp;'
    frame = load(*make_register(rows=rows_with(name_vi=hostile, name_en=hostile, notes=hostile)))
    row = frame.set_index("id").loc["dt-923"]
    assert row["name_vi"] == hostile
    assert row["name_en"] == hostile
    assert row["notes"] == hostile


def test_cli_one_line_per_problem_and_exit_1(make_register: MakeRegister) -> None:
    rows = fixture_rows()
    rows[0]["status"] = "started"
    rows[1]["period_start"], rows[1]["period_end"] = "2030", "2025"
    geoms = fixture_geometries()
    geoms["cang-cai-cui"] = {"type": "Point", "coordinates": [9.9947, 105.8436]}
    reg, geo = make_register(rows=rows, geometries=geoms)
    result = subprocess.run(
        [sys.executable, "-m", "portfolio", "validate", "--register", str(reg), "--geodata", str(geo)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{reg}: row 1 (id dt-923): status: 'started' is not allowed; allowed: proposed, planned, "
        "under_construction, completed, operating, suspended [unknown_value]",
        f"{reg}: row 2 (id kcn-o-mon): period_start: period_start 2030 is after period_end 2025 "
        "[period_order]",
        f"{geo / 'projects.geojson'}: id cang-cai-cui: geometry: coordinate (9.9947, 105.8436) looks like "
        "(lat, lon); GeoJSON order is [lon, lat] [swapped_coordinates]",
        "3 problem(s) found",
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_valid_register_exits_0(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    result = subprocess.run(
        [sys.executable, "-m", "portfolio", "validate", "--register", str(reg), "--geodata", str(geo)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")


@pytest.mark.parametrize(
    ("geometry", "rule", "message"),
    [
        (
            {"type": "Point", "coordinates": [[105.75, 10.03]]},
            "bad_geometry",
            r"^position \[\[105\.75, 10\.03\]\] is",
        ),
        ({"type": "Point", "coordinates": [105.75, None]}, "bad_geometry", r"is not \[lon, lat\]"),
        ({"type": "Point", "coordinates": [True, False]}, "bad_geometry", r"is not \[lon, lat\]"),
        ({"type": "Point", "coordinates": "105.75,10.03"}, "bad_geometry", r"is not \[lon, lat\]"),
        ({"type": "Point", "coordinates": [105.75, 10.03, 1, 2]}, "bad_geometry", r"is not \[lon, lat\]"),
        (
            {"type": "Circle", "coordinates": [105.75, 10.03]},
            "bad_geometry",
            r"^geometry type 'Circle' is not one",
        ),
        ({"type": None, "coordinates": [105.75, 10.03]}, "bad_geometry", r"^geometry type null is not one"),
        ({"coordinates": [105.75, 10.03]}, "bad_geometry", r"^geometry is not a GeoJSON geometry object$"),
        ("POINT (105.75 10.03)", "bad_geometry", r"^geometry is not a GeoJSON geometry object$"),
        ({"type": "Point", "coordinates": [1e400, 10.03]}, "bad_geometry", r"not a finite number$"),
        (
            {"type": "MultiPoint", "coordinates": [[105.75, 10.03], []]},
            "bad_geometry",
            r"^position \[\] is not",
        ),
        ({"type": "Point"}, "empty_geometry", r"^geometry has no coordinates$"),
    ],
)
def test_malformed_point_geometry(
    make_register: MakeRegister, geometry: Any, rule: str, message: str
) -> None:
    reg, geo = make_register(geometries={**fixture_geometries(), "cang-cai-cui": geometry})
    (problem,) = validate(reg, geo)
    assert (problem.where, problem.field, problem.rule) == ("id cang-cai-cui", "geometry", rule)
    assert re.search(message, problem.message), problem.message


@pytest.mark.parametrize(
    ("geometry", "rule", "message"),
    [
        ({"type": "LineString", "coordinates": [[105.7, 10.0]]}, "bad_geometry", r"^a line has fewer than 2"),
        (
            {"type": "MultiLineString", "coordinates": [[105.7, 10.0], [105.8, 10.1]]},
            "bad_geometry",
            r"^position 105\.7 is not \[lon, lat\] \(MultiLineString coordinates must be a list of lines",
        ),
        (
            {"type": "LineString", "coordinates": [[105.7, 10.0], [105.7, 10.0]]},
            "invalid_geometry",
            r"^invalid geometry: Too few points",
        ),
        (
            {"type": "LineString", "coordinates": [[105.7, 10.0, 3.0], [105.8, 10.1]]},
            None,
            "",
        ),  # mixed 2-D/3-D
    ],
)
def test_malformed_line_geometry(
    make_register: MakeRegister, geometry: Any, rule: str | None, message: str
) -> None:
    reg, geo = make_register(geometries={**fixture_geometries(), "dt-923": geometry})
    problems = validate(reg, geo)
    if rule is None:
        assert problems == []
        assert not load(reg, geo).geometry.has_z.any()
        return
    (problem,) = problems
    assert (problem.where, problem.field, problem.rule) == ("id dt-923", "geometry", rule)
    assert re.search(message, problem.message), problem.message


@pytest.mark.parametrize(
    ("rings", "rule"),
    [
        ([[[105.60, 10.10], [105.62, 10.10], [105.62, 10.12]]], "unclosed_ring"),  # a triangle never closed
        ([[[105.60, 10.10], [105.62, 10.10], [105.60, 10.10]]], "bad_geometry"),  # closed, only 3 positions
        ([[105.60, 10.10], [105.62, 10.10]], "bad_geometry"),  # a ring where the polygon should be
    ],
)
def test_malformed_polygon(make_register: MakeRegister, rings: Any, rule: str) -> None:
    reg, geo = make_register(
        geometries={**fixture_geometries(), "kcn-o-mon": {"type": "Polygon", "coordinates": rings}}
    )
    (problem,) = validate(reg, geo)
    assert (problem.where, problem.rule) == ("id kcn-o-mon", rule)


# --- the real register (projects.csv + geodata/ of the repository; never edited: copies only) -------

REAL_REGISTER = ROOT / "projects.csv"
REAL_GEODATA = ROOT / "geodata"


def test_real_register_is_valid() -> None:
    problems = validate(REAL_REGISTER, REAL_GEODATA)
    assert problems == [], "\n".join(str(p) for p in problems)
    frame = load(REAL_REGISTER, REAL_GEODATA)
    assert frame["id"].is_unique
    assert list(frame.columns) == [*schema.COLUMNS, *DERIVED_COLUMNS, "geometry"]
    assert frame.crs == "EPSG:4326"
    assert frame.geometry.is_valid.all()


def _real_copy(tmp_path: Path) -> tuple[Path, Path]:
    import shutil

    geo = tmp_path / "geodata"
    shutil.copytree(REAL_GEODATA, geo)
    reg = tmp_path / "projects.csv"
    shutil.copyfile(REAL_REGISTER, reg)
    return reg, geo


def _real_rows(reg: Path) -> tuple[list[str], list[dict[str, str]]]:
    import csv
    import io

    reader = csv.DictReader(io.StringIO(reg.read_bytes().decode("utf-8"), newline=""))
    return list(reader.fieldnames or []), list(reader)


def _break_real_row(reg: Path, index: int, **cells: str) -> str:
    columns, rows = _real_rows(reg)
    rows[index].update(cells)
    write_register(reg, rows, columns)
    return rows[index]["id"]


def test_real_register_copy_with_excel_damage(tmp_path: Path) -> None:
    reg, geo = _real_copy(tmp_path)
    ident = _break_real_row(reg, 4, name_en='=HYPERLINK("http://x.example","a")', period_start="1890")
    got = [(p.where, p.field, p.rule) for p in validate(reg, geo)]
    assert got == [
        (f"row 5 (id {ident})", "name_en", "formula"),
        (f"row 5 (id {ident})", "period_start", "implausible_year"),
    ]
    with pytest.raises(RegisterError):
        load(reg, geo)


def test_real_register_copy_with_swapped_feature(tmp_path: Path) -> None:
    reg, geo = _real_copy(tmp_path)
    path = geo / "projects.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    feature = next(f for f in doc["features"] if f["geometry"]["type"] == "Point")
    x, y = feature["geometry"]["coordinates"][:2]
    feature["geometry"]["coordinates"] = [y, x]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (problem,) = validate(reg, geo)
    assert (problem.file, problem.where, problem.field, problem.rule) == (
        str(path),
        f"id {feature['properties']['id']}",
        "geometry",
        "swapped_coordinates",
    )


#: Ways to break the real city boundary: (its document, its outer ring) edited in place.
BOUNDARY_BREAKS: dict[str, tuple[Callable[[dict[str, Any], list[Any]], object], str, str]] = {
    "unclosed": (lambda doc, ring: ring.pop(), "unclosed_ring", "geometry"),
    "foreign-crs": (
        lambda doc, ring: doc.update(crs={"type": "name", "properties": {"name": "EPSG:5897"}}),
        "wrong_crs",
        "crs",
    ),
    "text-position": (lambda doc, ring: ring.__setitem__(1, ["105.7", "10.0"]), "bad_geometry", "geometry"),
    "swapped": (
        lambda doc, ring: ring.__setitem__(slice(None), [[y, x] for x, y in ring]),
        "swapped_coordinates",
        "geometry",
    ),
    "shifted": (
        lambda doc, ring: ring.__setitem__(slice(None), [[x, y + 2] for x, y in ring]),
        "outside_region",
        "geometry",
    ),
    "nan": (lambda doc, ring: ring[1].__setitem__(0, float("nan")), "bad_geometry", "geometry"),
}


@pytest.mark.parametrize("name", BOUNDARY_BREAKS)
def test_real_register_copy_with_broken_boundary(tmp_path: Path, name: str) -> None:
    """The boundary gets the projects' checks: one problem on it, and no project is checked against it
    (no ``outside_city`` line per city-scope project), and no warning (pytest makes one an error)."""
    breaks, rule, field = BOUNDARY_BREAKS[name]
    reg, geo = _real_copy(tmp_path)
    path = geo / "city_boundary.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    breaks(doc, doc["features"][0]["geometry"]["coordinates"][0])
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    problems = validate(reg, geo)
    assert [(p.file, p.where, p.field, p.rule) for p in problems] == [
        (str(path), "" if field == "crs" else "feature 1", field, rule)
    ], [str(p) for p in problems]
    with pytest.raises(RegisterError) as info:
        load(reg, geo)
    assert [p.rule for p in info.value.problems] == [rule]


def test_real_register_copy_with_duplicate_row(tmp_path: Path) -> None:
    reg, geo = _real_copy(tmp_path)
    columns, rows = _real_rows(reg)
    write_register(reg, [*rows, rows[0]], columns)
    (problem,) = validate(reg, geo)
    assert (problem.where, problem.field, problem.rule) == (
        f"row {len(rows) + 1} (id {rows[0]['id']})",
        "id",
        "duplicate_id",
    )


ANNEX = "202/KH-UBND (01/10/2021), Phụ lục II, dòng 5"
PLAN_2026 = "KH-UBND/2026 (01/2026), mục II.4.2"


@pytest.mark.parametrize(
    ("start", "end", "history", "sources", "expected"),
    [
        # as the real register writes them: no problem
        (
            "2021",
            "2023",
            "ngoài: Thanh Niên (không rõ ngày, trước 2015)=2015-2017; "
            "ngoài: Tiền Phong 2023-10 (khoảng)=2021-2023",
            PLAN_2026,
            [],
        ),
        (
            "2011",
            "2027",
            "ngoài: VietnamPlus (VNA, không rõ ngày, khoảng 2015)=2011-2019; "
            "ngoài: VietTimes 2025 (khởi công 2011 theo VNA)=2011-2027",
            PLAN_2026,
            [],
        ),
        ("2021", "2025", "202/KH-UBND=2021-2025; ngoài: Báo Đầu tư 2021=2021-2026", ANNEX, []),
        (
            "2023",
            "2026",
            "ngoài: Znews 2025-11-24=2023-2025; ngoài: Người Lao Động 2026-01-19=2023-2026",
            PLAN_2026,
            [],
        ),
        # same year, month or day: not out of order (the span of a year holds its months)
        ("2026", "2030", "BT-KH2026=2026-2030; KH-UBND/2026=2026-2030", PLAN_2026, []),
        ("2026", "2030", "KH-UBND/2026=2026-2030; ngoài: Báo A 2026-01-31=2026-2030", PLAN_2026, []),
        # an outside entry whose date is not known is skipped by the order check, not by the others
        (
            "2026",
            "2030",
            "KH-UBND/2026=2026-2030; ngoài: Báo A (không rõ ngày, khoảng 2020)=2020-2025",
            PLAN_2026,
            [("period_start", "period_not_current")],
        ),
        # ... and one with no readable date that does not say so is a problem of its own
        (
            "2020",
            "2025",
            "KH-UBND/2026=2026-2030; ngoài: Báo A (khoảng 2020)=2020-2025",
            PLAN_2026,
            [("period_history", "period_history_date")],
        ),
        (
            "2020",
            "2025",
            "KH-UBND/2026=2026-2030; ngoài: Báo A\u00a02025=2020-2025",
            PLAN_2026,
            [("period_history", "period_history_date")],
        ),
        # Phụ lục III is not Phụ lục II: the last entry holds the period
        (
            "2021",
            "2025",
            "202/KH-UBND=2021-2025; ngoài: Báo A 2025=2025-2030",
            "202/KH-UBND (01/10/2021), Phụ lục III, dòng 2",
            [("period_start", "period_not_current")],
        ),
        # Phụ lục II but no 202/KH-UBND entry: the appendix period is missing from the history
        (
            "2025",
            "2030",
            "ngoài: Báo A 2024=2024-2028; ngoài: Báo B 2025=2025-2030",
            ANNEX,
            [("period_history", "period_not_in_history")],
        ),
        (
            "2021",
            "2025",
            "ngoài: A 2022=2021-2026; ngoài: B 2025=2021-2025",
            ANNEX,
            [("period_history", "period_not_in_history")],
        ),
        # only the end differs: the end is named
        ("2021", "2026", "ngoài: Báo A 2020=2021-2025", PLAN_2026, [("period_end", "period_not_in_history")]),
        ("", "2025", "202/KH-UBND=2021-2025", ANNEX, [("period_start", "period_not_in_history")]),
        ("2021", "", "202/KH-UBND=2021-2025", ANNEX, [("period_end", "period_not_in_history")]),
        # several problems: one per rule
        (
            "2025",
            "2028",
            "ngoài: Báo A 2025-09=2025-2028; 202/KH-UBND=2021-2025",
            PLAN_2026,
            [("period_start", "period_not_current"), ("period_history", "period_history_order")],
        ),
        (
            "2021",
            "2025",
            "ngoài: Báo A 2025-09-30=2025-2028; ngoài: Báo B 2025-09-01=2021-2025",
            PLAN_2026,
            [("period_history", "period_history_order")],
        ),
    ],
)
def test_period_history_against_the_period_columns(
    make_register: MakeRegister,
    start: str,
    end: str,
    history: str,
    sources: str,
    expected: list[tuple[str, str]],
) -> None:
    rows = rows_with(period_start=start, period_end=end, period_history=history, sources=sources)
    problems = validate(*make_register(rows=rows))
    assert [(p.where, p.field, p.rule) for p in problems] == [
        ("row 1 (id dt-923)", field, rule) for field, rule in expected
    ], [str(p) for p in problems]


def test_period_history_checks_wait_for_readable_cells(make_register: MakeRegister) -> None:
    """A bad year, a bad history or start after end is reported alone: the history is not compared."""
    for overrides, rule in (
        ({"period_start": "năm 2021"}, "bad_year"),
        ({"period_history": "202/KH-UBND=2021-25"}, "bad_period_history"),
        ({"period_start": "2025", "period_end": "2021"}, "period_order"),
    ):
        rows = rows_with(**{"period_history": "ngoài: Báo A 2020=2010-2012", **overrides})
        assert [p.rule for p in validate(*make_register(rows=rows, name=rule))] == [rule]


# --- the investment columns (review 2026-12-03, issue 16) ----------------------------------------

_INVESTMENT = {
    "investment_bn_vnd": "3837",
    "investment_kind": "approved",
    "investment_source": 'ngoài: Báo Đầu tư, "Đầu tư 3.837 tỷ đồng…", 2021',
}


def test_investment_columns_valid_and_numeric(make_register: MakeRegister) -> None:
    rows = fixture_rows()
    rows[0].update(_INVESTMENT, investor="Sở Giao thông vận tải (chủ đầu tư)")
    reg, geo = make_register(rows=rows)
    assert validate(reg, geo) == []
    frame = load(reg, geo)
    assert frame.loc[0, "investment_bn_vnd"] == 3837.0 and frame.loc[0, "investment_kind"] == "approved"
    assert math.isnan(frame.loc[1, "investment_bn_vnd"])


@pytest.mark.parametrize(
    ("cells", "field", "rule"),
    [
        ({"investment_kind": ""}, "investment_kind", "required"),
        ({"investment_source": ""}, "investment_source", "required"),
        ({"investment_bn_vnd": ""}, "investment_kind", "required"),
        ({"investment_kind": "approx"}, "investment_kind", "unknown_value"),
        ({"investment_source": "Báo Đầu tư 2021"}, "investment_source", "bad_source"),
        ({"investment_bn_vnd": "3.837,5"}, "investment_bn_vnd", "bad_number"),
    ],
)
def test_investment_columns_go_together(
    make_register: MakeRegister, cells: dict[str, str], field: str, rule: str
) -> None:
    rows = fixture_rows()
    rows[0].update({**_INVESTMENT, **cells})
    reg, geo = make_register(rows=rows)
    problems = validate(reg, geo)
    assert (field, rule) in [(p.field, p.rule) for p in problems], [str(p) for p in problems]
    assert all(p.where == "row 1 (id dt-923)" for p in problems)
    assert check_rows("f", [1], [rows[0]])[0][0] is False  # the row alone is refused too
