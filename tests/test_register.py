"""``portfolio.register.load`` (typed frame, cache, errors) and the atomic writes of ``portfolio._files``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import geopandas as gpd
import pytest

import portfolio.register as register_module
from portfolio import RegisterError, schema
from portfolio._derived import DERIVED_COLUMNS
from portfolio._errors import InputError
from portfolio._files import (
    atomic_path,
    read_text,
    wide_encoding,
    write_atomic,
    write_bytes_atomic,
    write_text_atomic,
)
from portfolio.register import load, load_background, load_boundary
from tests.conftest import ROOT, MakeRegister, base_row, fixture_rows

# --- load ------------------------------------------------------------------------------------------


def test_derived_columns_are_those_of_the_rows(make_register: MakeRegister) -> None:
    """The columns derived at load equal what measure, the periods and the search folding give the rows
    anew; a subset carries them, and a frame whose geometry or text was changed is derived again by
    ``derive`` (the columns do not follow a change by themselves)."""
    from shapely.geometry import LineString

    from portfolio import _derived, _periods, measure, timeline
    from portfolio._text import SEARCH_COLUMNS, haystack

    frame = load(*make_register())
    assert _derived.is_derived(frame)
    plain = gpd.GeoDataFrame(frame.drop(columns=list(DERIVED_COLUMNS)), crs=frame.crs)
    assert not _derived.is_derived(plain)
    km, ha = measure.measure_arrays(plain)  # measured now
    assert frame["length_km"].tolist() == pytest.approx(km.tolist(), nan_ok=True)
    assert frame["area_ha"].tolist() == pytest.approx(ha.tolist(), nan_ok=True)
    assert frame["length_km"].notna().sum() == 1 and frame["area_ha"].notna().sum() == 1
    assert _periods.latest_periods(frame).equals(_periods.latest_periods(plain))
    assert timeline.year_bounds(frame) == timeline.year_bounds(plain)
    for k in range(len(frame)):
        expected = "\n".join(haystack(str(frame[c].iloc[k])) for c in SEARCH_COLUMNS)
        assert frame["search_text"].iloc[k] == expected
    subset = frame[frame["id"] != "kcn-o-mon"]
    assert _derived.is_derived(subset) and subset["length_km"].equals(frame["length_km"].loc[subset.index])
    moved = frame.copy()
    moved.loc[moved.index[0], "geometry"] = LineString([(105.60, 10.00), (105.70, 10.00)])
    moved.loc[moved.index[0], "notes"] = "Gần cảng Cái Cui"
    again = register_module.derive(moved)
    assert again["length_km"].iloc[0] == pytest.approx(10.96, abs=0.01)  # 0.1° of longitude at 10° N
    assert again["length_km"].iloc[0] != frame["length_km"].iloc[0]
    assert " cai cui" in again["search_text"].iloc[0].split("\n")[SEARCH_COLUMNS.index("notes")]
    assert list(again.columns) == list(frame.columns) and again.crs == frame.crs


def test_load_types_and_order(make_register: MakeRegister) -> None:
    frame = load(*make_register())
    # the register's columns, then the columns derived from them at load (portfolio._derived)
    assert list(frame.columns) == [*schema.COLUMNS, *DERIVED_COLUMNS, "geometry"]
    assert frame["id"].tolist() == ["dt-923", "kcn-o-mon", "cang-cai-cui"]
    assert frame.crs == "EPSG:4326"
    assert str(frame["period_start"].dtype) == "Int64"
    assert frame["period_start"].iloc[0] == 2021
    assert frame["period_start"].isna().iloc[1]
    assert frame["geocode_precision"].dtype.kind == "i"
    assert frame["official_area_ha"].dtype.kind == "f"
    assert frame["owner"].iloc[1] == ""
    assert frame.geometry.geom_type.tolist() == ["LineString", "Polygon", "Point"]


def test_load_is_cached_on_file_state(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    first = load(reg, geo)
    assert load(reg, geo) is first
    rows = fixture_rows()
    rows[0]["name_en"] = "Provincial road 923, edited"
    from tests.conftest import write_register

    write_register(reg, rows)
    stat = reg.stat()
    os.utime(reg, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = load(reg, geo)
    assert second is not first
    assert second["name_en"].iloc[0] == "Provincial road 923, edited"


def test_load_raises_register_error_with_problems(make_register: MakeRegister) -> None:
    reg, geo = make_register(rows=[base_row(status="started")])
    with pytest.raises(RegisterError) as info:
        load(reg, geo)
    assert [(p.where, p.field, p.rule) for p in info.value.problems][0] == (
        "row 1 (id dt-923)",
        "status",
        "unknown_value",
    )
    assert str(info.value).startswith(f"{reg}: row 1 (id dt-923): status: ")


def test_load_names_files_as_given(make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch) -> None:
    reg, geo = make_register(rows=[base_row(status="started")])
    monkeypatch.chdir(reg.parent)
    with pytest.raises(RegisterError) as info:
        load("projects.csv", "geodata")
    assert info.value.problems[0].file == "projects.csv"


def test_load_missing_everything(tmp_path: Path) -> None:
    with pytest.raises(RegisterError) as info:
        load(tmp_path / "nothing.csv", tmp_path / "nowhere")
    rules = [(Path(p.file).name, p.rule) for p in info.value.problems]
    assert rules == [
        ("nothing.csv", "missing_file"),
        ("projects.geojson", "missing_file"),
        ("city_boundary.geojson", "missing_file"),
    ]


def test_unexpected_failure_becomes_register_error(
    make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(register_module, "to_frame", boom)
    with pytest.raises(RegisterError) as info:
        load(*make_register())
    (problem,) = info.value.problems
    assert problem.rule == "internal_error"
    assert "ZeroDivisionError: division by zero" in problem.message


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        '{"type": "FeatureCollection", "features": []}',
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {}, "geometry": {"type": "Point", "coordinates": "x"}}]}',
    ],
)
def test_bundled_layers_raise_register_error(make_register: MakeRegister, content: str) -> None:
    reg, geo = make_register()
    (geo / "background.geojson").write_text(content, encoding="utf-8")
    (geo / "city_boundary.geojson").write_text(content, encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        load_background(geo)
    assert info.value.problems[0].file.endswith("background.geojson")
    with pytest.raises(RegisterError):
        load_boundary(geo)
    with pytest.raises(RegisterError) as info:
        load(reg, geo)
    assert info.value.problems[0].file.endswith("city_boundary.geojson")


def test_bundled_layer_reads(make_register: MakeRegister) -> None:
    reg, geo = make_register()
    boundary = load_boundary(geo)
    assert isinstance(boundary, gpd.GeoDataFrame)
    assert boundary.crs == "EPSG:4326"
    assert len(boundary) == 1


# --- reading text ----------------------------------------------------------------------------------


def test_read_text_refuses_utf16(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_text("id,name\n", encoding="utf-16")
    with pytest.raises(Exception) as info:
        read_text(path, kind="register")
    assert info.value.problems[0].rule == "not_utf8"  # type: ignore[attr-defined]


VIETNAMESE_CSV = "id,name_vi,location_vi\r\nkcn-o-mon,Khu công nghiệp Ô Môn,quận Ô Môn\r\n" * 20


@pytest.mark.parametrize(
    ("encoding", "said"),
    [
        ("utf-16", "file is UTF-16 (Excel's 'Unicode text')"),
        ("utf-16-be", "file looks UTF-16 big-endian without a byte-order mark"),
        ("utf-16-le", "file looks UTF-16 little-endian without a byte-order mark"),
        ("utf-32", "file is UTF-32;"),
        ("utf-32-le", "file looks UTF-32 little-endian without a byte-order mark"),
        ("utf-32-be", "file looks UTF-32 big-endian without a byte-order mark"),
    ],
)
def test_read_text_names_wide_encodings(tmp_path: Path, encoding: str, said: str) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(VIETNAMESE_CSV.encode(encoding))
    with pytest.raises(InputError) as info:
        read_text(path, kind="register")
    (problem,) = info.value.problems
    assert (problem.where, problem.rule) == ("line 1", "not_utf8")
    assert problem.message.startswith(said)
    assert "Windows-1258" not in problem.message


@pytest.mark.parametrize("text", [VIETNAMESE_CSV, "a", "Đường tỉnh 923 " * 500, "x\n" * 3000])
def test_wide_encoding_never_claims_utf8(text: str) -> None:
    assert wide_encoding(text.encode("utf-8")) is None


def test_read_text_nul_byte_in_utf8_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(VIETNAMESE_CSV.encode() + b"x\x00y\n")
    with pytest.raises(InputError) as info:
        read_text(path, kind="register")
    assert info.value.problems[0].rule == "not_text"


def test_read_text_cut_in_the_middle_of_a_character(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes((VIETNAMESE_CSV + "Cầ").encode()[:-1])
    with pytest.raises(InputError) as info:
        read_text(path, kind="register")
    (problem,) = info.value.problems
    assert (problem.where, problem.rule) == ("line 41", "not_utf8")
    assert problem.message.startswith("the file ends in the middle of a UTF-8 character")


def test_read_register_takes_cells_over_the_csv_module_default_limit(make_register: MakeRegister) -> None:
    from portfolio.register import read_register

    notes = "ghi chú\n" * 30_000 + "hết"
    reg, _ = make_register(rows=[base_row(notes=notes), *fixture_rows()[1:]])
    raw, problems = read_register(reg)
    assert problems == []
    assert raw is not None and raw.rows[0]["notes"] == notes


# --- atomic writes ---------------------------------------------------------------------------------

OLD = "id,name_vi\ndt-923,Đường tỉnh 923\n".encode()
NEW = ("id,name_vi\n" + "".join(f"r{i},Dòng {i}\n" for i in range(2000))).encode()


def _siblings(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir())


def _half_then_fail(tmp: Path) -> None:
    with tmp.open("wb") as fh:
        fh.write(NEW[: len(NEW) // 2])
        fh.flush()
    raise OSError("disk full (simulated) after writing half")


def test_failure_midway_keeps_previous_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "projects.csv"
    target.write_bytes(OLD)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, _half_then_fail)
    assert target.read_bytes() == OLD
    assert _siblings(target) == ["projects.csv"]


def test_monkeypatched_writer_fails_midway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``write_bytes_atomic`` with ``Path.write_bytes`` replaced by one that dies after half the data."""
    target = tmp_path / "projects.csv"
    target.write_bytes(OLD)
    real_write_bytes = Path.write_bytes

    def write_half(self: Path, data: bytes) -> int:
        real_write_bytes(self, data[: len(data) // 2])
        raise KeyboardInterrupt  # even an interrupt leaves the previous file

    monkeypatch.setattr(Path, "write_bytes", write_half)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(target, NEW)
    monkeypatch.undo()
    assert target.read_bytes() == OLD
    assert _siblings(target) == ["projects.csv"]


def test_failure_in_rename_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "projects.csv"
    target.write_bytes(OLD)

    def refuse(src: object, dst: object) -> None:
        raise PermissionError("rename refused (simulated)")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_bytes_atomic(target, NEW)
    monkeypatch.undo()
    assert target.read_bytes() == OLD
    assert _siblings(target) == ["projects.csv"]


def test_gdal_writer_failing_midway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A GeoPackage export through ``atomic_path`` that fails after GDAL wrote part of the file."""
    from shapely.geometry import Point

    target = tmp_path / "export.gpkg"
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(105.7, 10.0)], crs="EPSG:4326")
    frame.to_file(target, driver="GPKG", layer="projects")
    before = target.read_bytes()
    with pytest.raises(RuntimeError, match="simulated"), atomic_path(target) as tmp:
        frame.to_file(tmp, driver="GPKG", layer="projects")  # a real, complete write to the temporary file…
        tmp.write_bytes(tmp.read_bytes()[:1000])  # …cut in half…
        raise RuntimeError("simulated crash")  # …and the process fails before the rename
    assert target.read_bytes() == before
    assert _siblings(target) == ["export.gpkg"]


def test_nothing_written_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(OLD)
    with pytest.raises(OSError, match="nothing was written"), atomic_path(target):
        pass
    assert target.read_bytes() == OLD


def test_successful_write_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "projects.csv"
    target.parent.mkdir()  # atomic writes create no folder
    write_text_atomic(target, "id\nÔ Môn\n")
    assert target.read_bytes() == "id\nÔ Môn\n".encode()
    write_bytes_atomic(target, NEW)
    assert target.read_bytes() == NEW
    assert _siblings(target) == ["projects.csv"]


# --- the bundled register against the seed appendix ---------------------------------------------

_NS = "NSNN và các nguồn huy động khác"
#: Phụ lục II of 202/KH-UBND (seed ``003_…txt``), transcribed: row -> (Cơ quan chủ trì, start, end,
#: Dự kiến nguồn vốn).
APPENDIX_II: dict[int, tuple[str, int, int, str]] = {
    1: ("Ban Quản lý dự án ODA", 2015, 2021, _NS),
    2: ("Sở Y tế", 2018, 2022, _NS),
    3: ("Sở Giao thông vận tải", 2021, 2025, _NS),
    4: ("Sở Giao thông vận tải (phối hợp thực hiện)", 2021, 2025, _NS),
    5: ("Sở Giao thông vận tải", 2021, 2025, _NS),
    6: ("Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2025, _NS),
    7: ("Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2025, _NS),
    8: ("Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2025, _NS),
    9: ("Sở Giao thông vận tải (đề xuất)", 2021, 2025, _NS),
    10: ("Sở Giao thông vận tải (đề xuất)", 2026, 2030, _NS),
    11: ("Sở Giao thông vận tải đề xuất", 2021, 2030, _NS),
    12: ("Sở Nông nghiệp & Phát triển nông thôn", 2021, 2025, _NS),
    13: ("Sở Nông nghiệp & Phát triển nông thôn", 2021, 2025, _NS),
    14: ("Bệnh viện Huyết học truyền máu, Sở Y tế", 2021, 2025, _NS),
    15: ("Sở Nông nghiệp & Phát triển nông thôn", 2021, 2025, _NS),
    16: ("Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2025, _NS),
    17: ("Sở Xây dựng, Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2030, _NS),
    18: ("Sở Văn hóa, Thể thao và Du lịch", 2021, 2025, _NS),
    19: ("Sở Giao thông vận tải", 2021, 2025, _NS),
    20: ("Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2025, _NS),
    21: ("Sở Khoa học và Công nghệ", 2021, 2023, "Vốn ODA, NSNN, các nguồn huy động khác"),
    22: ("Sở Khoa học và Công nghệ", 2021, 2025, _NS),
    23: ("Trường Đại học Kỹ thuật- Công nghệ Cần Thơ", 2021, 2030, _NS),
    24: ("Sở Khoa học và Công nghệ, Ban Quản lý dự án đầu tư xây dựng thành phố", 2021, 2030, _NS),
}


def test_every_appendix_row_is_in_the_register_exactly_as_the_appendix_gives_it() -> None:
    """Owner, period and funding of each Phụ lục II row, word for word and year for year; every row
    of the appendix is cited by at least one project (row 10 by its two sections)."""
    frame = load(ROOT / "projects.csv", ROOT / "geodata")
    cited: dict[int, list[str]] = {}
    for _, row in frame.iterrows():
        for number in re.findall(r"202/KH-UBND[^;]*Phụ lục II, dòng (\d+)", row["sources"]):
            cited.setdefault(int(number), []).append(row["id"])
            owner, start, end, funding = APPENDIX_II[int(number)]
            assert row["owner"] == owner, (row["id"], number)
            assert (row["period_start"], row["period_end"]) == (start, end), (row["id"], number)
            assert row["funding_source"] == funding, (row["id"], number)
            assert f"202/KH-UBND={start}-{end}" in row["period_history"] or not row["period_history"], (
                row["id"],
                "the appendix period belongs in period_history when it is kept",
            )
    assert sorted(cited) == list(range(1, 25)), sorted(set(range(1, 25)) - set(cited))


# --- the layers (issue 9): readers → rules → register, no cycle -------------------------------------


def _imported(module: str) -> set[str]:
    import ast

    tree = ast.parse((ROOT / "portfolio" / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_rules_import_no_reader_and_nothing_imports_validate() -> None:
    layers = {"portfolio.readers", "portfolio.register", "portfolio.validate", "portfolio._files"}
    for module in ("rules", "_rows", "schema", "constants", "_text"):
        assert not _imported(module) & layers, module
    for module in ("readers", "rules", "register", "_rows", "schema"):
        assert "portfolio.validate" not in _imported(module), module
