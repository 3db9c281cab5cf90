"""CLI: list, stats, export with every filter flag; usage errors exit 2 naming the allowed values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest

from portfolio import cli
from portfolio import export as export_module
from portfolio.export import FORMATS, csv_sidecar
from portfolio.export import geojson as geojson_format
from portfolio.query import CRITERIA, PARAMETERS, PARAMS, Filter, Param
from portfolio.register import load
from tests.conftest import MakeRegister
from tests.test_export import export_geometries, export_rows


@pytest.fixture
def reg(make_register: MakeRegister) -> list[str]:
    register, geodata = make_register(export_rows(), export_geometries())
    return ["--register", str(register), "--geodata", str(geodata)]


@pytest.fixture
def frame(reg: list[str]) -> gpd.GeoDataFrame:
    return load(reg[1], reg[3])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ list and stats


def test_list_table(capsys: pytest.CaptureFixture[str], reg: list[str], frame: gpd.GeoDataFrame) -> None:
    code, out, _ = run(capsys, "list", *reg)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "status", "period", "size", "name"]
    for ident, name in zip(frame["id"], frame["name_vi"], strict=True):
        assert any(line.startswith(ident + " ") and line.endswith(name) for line in lines), ident
    assert "2021–2025" in out and " km " in out and " ha " in out
    assert lines[-1] == f"{len(frame)} of {len(frame)} projects; filter: all projects (no filter)"


def test_list_english_and_filtered(capsys: pytest.CaptureFixture[str], reg: list[str]) -> None:
    code, out, _ = run(capsys, "list", *reg, "--search", "dt 923", "--lang", "en")
    assert code == 0
    assert "Upgrading and widening of provincial road 923" in out
    assert out.splitlines()[-1].startswith('1 of 6 projects; filter: text matches "dt 923"')


def test_list_nothing_found(capsys: pytest.CaptureFixture[str], reg: list[str]) -> None:
    code, out, _ = run(capsys, "list", *reg, "--search", "không có")
    assert code == 0 and out.startswith("0 of 6 projects")


def test_stats_text_and_json(capsys: pytest.CaptureFixture[str], reg: list[str]) -> None:
    code, out, _ = run(capsys, "stats", *reg, "--status", "under_construction")
    assert code == 0
    assert "Filter: status: Under construction (under_construction)" in out
    assert "Register as of 2026-01-31 (6 projects)" in out
    assert "Projects: 2" in out and "Total length of linear projects:" in out
    code, out, _ = run(capsys, "stats", *reg, "--json")
    data = json.loads(out)
    assert data["count"] == 6 and data["register_as_of"] == "2026-01-31"
    assert data["by_status"]["under_construction"] == 2 and data["total_km"] > 0 and data["total_ha"] > 0


FLAG_CASES = [
    (["--status", "planned,under_construction"], Filter(statuses=("planned", "under_construction"))),
    (["--status", "planned", "--status", "proposed"], Filter(statuses=("planned", "proposed"))),
    (["--from", "2026", "--to", "2030"], Filter(year_from=2026, year_to=2030)),
    (
        ["--from", "2026", "--to", "2030", "--undated", "exclude"],
        Filter(year_from=2026, year_to=2030, undated="exclude"),
    ),
    (["--in-year", "2025", "--undated", "exclude"], Filter(in_year=2025, undated="exclude")),
    (["--sector", "road,port"], Filter(sectors=("road", "port"))),
    (["--owner", "Sở Giao thông vận tải"], Filter(owners=("Sở Giao thông vận tải",))),
    (["--funding", "oda"], Filter(funding_types=("oda",))),
    (["--scope", "city"], Filter(scopes=("city",))),
    (["--commune", "tan an"], Filter(communes=("tan an",))),
    (["--district", "Quận Ninh Kiều"], Filter(districts=("Quận Ninh Kiều",))),
    (["--search", "cai cui"], Filter(search="cai cui")),
    (["--bbox", "105.7,9.95,105.8,10.05"], Filter(bbox=(105.7, 9.95, 105.8, 10.05))),
    (["--max-precision", "2"], Filter(max_precision=2)),
]


@pytest.mark.parametrize(("flags", "expected"), FLAG_CASES)
def test_every_filter_flag(
    capsys: pytest.CaptureFixture[str],
    reg: list[str],
    frame: gpd.GeoDataFrame,
    flags: list[str],
    expected: Filter,
) -> None:
    code, out, _ = run(capsys, "list", *reg, *flags)
    assert code == 0
    want = expected.apply(frame)
    assert out.splitlines()[-1] == f"{len(want)} of {len(frame)} projects; filter: {expected.describe()}"
    listed = {line.split()[0] for line in out.splitlines()[2:-2]}
    assert listed == set(want["id"])


def test_every_filter_parameter_has_a_flag() -> None:
    parser: Any = cli.build_parser()
    choices = parser._subparsers._group_actions[0].choices
    for command in ("list", "stats", "export"):
        text = choices[command].format_help()
        for param in PARAMS:
            assert f"--{param.replace('_', '-')}" in text, (command, param)


# ------------------------------------------------------------------ export


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_each_format(
    capsys: pytest.CaptureFixture[str], reg: list[str], frame: gpd.GeoDataFrame, tmp_path: Path, fmt: str
) -> None:
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / f"plan{export_module.EXTENSIONS[fmt]}"
    code, out, err = run(
        capsys,
        "export",
        *reg,
        "--status",
        "planned,under_construction",
        "--from",
        "2026",
        "--to",
        "2030",
        "--format",
        fmt,
        "-o",
        str(path),
    )
    assert code == 0, err
    f = Filter(statuses=("planned", "under_construction"), year_from=2026, year_to=2030)
    want = f.apply(frame)
    assert f"Wrote {len(want)} of {len(frame)} projects to {path}" in out
    assert f"Filter: {f.describe()}" in out and "Register as of 2026-01-31" in out
    if fmt == "csv":
        meta = json.loads(csv_sidecar(path).read_text(encoding="utf-8"))["metadata"]
        assert meta["filter"] == f.describe() and meta["register_as_of"] == "2026-01-31"
        assert f"Metadata: {csv_sidecar(path)}" in out
    if fmt in ("geojson", "gpkg", "kml", "csv"):
        options = {"GEOM_POSSIBLE_NAMES": "WKT", "KEEP_GEOM_COLUMNS": "NO"} if fmt == "csv" else {}
        assert sorted(pyogrio.read_dataframe(path, **options)["id"]) == sorted(want["id"])
    elif fmt == "dxf":
        assert set(pyogrio.read_dataframe(path)["Layer"]) == set(want["id"])
        assert "EPSG:5897" in out  # DXF defaults to VN-2000 metres
    else:
        assert path.read_bytes()[:2] == b"PK"


def test_export_crs_flag(capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path) -> None:
    path = tmp_path / "vn2000.gpkg"
    code, out, _ = run(capsys, "export", *reg, "--format", "gpkg", "--crs", "EPSG:5897", "-o", str(path))
    assert code == 0 and "EPSG:5897" in out
    assert pyogrio.read_info(path)["crs"] == "EPSG:5897"


def test_export_failure_keeps_previous_file(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plan.geojson"
    path.write_text("previous export", encoding="utf-8")

    def fail(df: object, target: object, *args: object, **kwargs: object) -> None:
        Path(str(target)).write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(pyogrio, "write_dataframe", fail)
    # GeoJSON is written by portfolio.export itself (shapely), not by GDAL: fail its file write too
    monkeypatch.setattr(geojson_format, "_write_text", lambda target, chunks: fail(None, target))
    code, out, err = run(capsys, "export", *reg, "--format", "geojson", "-o", str(path))
    assert code == 1 and "export failed" in err and "disk full" in err
    assert path.read_text(encoding="utf-8") == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.geojson", "reg"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("fmt", "which"),
    [
        ("csv", "register"),
        ("geojson", "geodata/projects.geojson"),
        ("geojson", "geodata/city_boundary.geojson"),
        ("csv", "link-to-register.csv"),
        ("geojson", "geodata"),
    ],
)
def test_export_refuses_to_overwrite_its_inputs(
    capsys: pytest.CaptureFixture[str], reg: list[str], fmt: str, which: str
) -> None:
    register, geodata = Path(reg[1]), Path(reg[3])
    folder = register.parent
    (folder / "link-to-register.csv").symlink_to(register)
    target = {"register": register, "geodata": geodata}.get(which, folder / which)
    before = _snapshot(folder)
    code, out, err = run(capsys, "export", *reg, "-f", fmt, "--status", "completed", "-o", str(target))
    assert code == 2 and out == ""
    assert f"refusing to write {target}: it is " in err and "an input of this export" in err
    assert _snapshot(folder) == before


def test_export_into_the_geodata_folder_under_a_new_name_is_allowed(
    capsys: pytest.CaptureFixture[str], reg: list[str]
) -> None:
    target = Path(reg[3]) / "subset.geojson"
    code, _, err = run(capsys, "export", *reg, "-f", "geojson", "-o", str(target))
    assert code == 0, err
    assert target.is_file()


@pytest.mark.parametrize(
    ("fmt", "name", "expected"),
    [
        ("shp", "x.shp", ".zip"),
        ("geojson", "x.csv", ".geojson or .json"),
        ("csv", "x.geojson", ".csv"),
        ("gpkg", "x.sqlite", ".gpkg"),
        ("kml", "x.kmz", ".kml"),
        ("dxf", "x.dwg", ".dxf"),
        ("csv", "x", ".csv"),
        ("geojson", "x.geojson.tmp", ".geojson or .json"),
    ],
)
def test_export_refuses_a_name_of_another_format(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, fmt: str, name: str, expected: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, err = run(capsys, "export", *reg, "-f", fmt, "-o", str(folder / name))
    assert code == 2 and out == ""
    assert f"error: {fmt} output must end in {expected} " in err and name in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("shp", "x.shp.zip"),
        ("geojson", "x.json"),
        ("geojson", "X.GeoJSON"),
        ("shp", "X.ZIP"),
        ("dxf", "x.DXF"),
    ],
)
def test_export_accepts_each_allowed_name(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, fmt: str, name: str
) -> None:
    code, _, err = run(capsys, "export", *reg, "-f", fmt, "-o", str(tmp_path / name))
    assert code == 0, err
    assert (tmp_path / name).is_file()


def test_export_to_dash_is_refused(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(capsys, "export", *reg, "-f", "geojson", "-o", "-")
    assert code == 2 and out == ""
    assert "error: -o -: writing to standard output is not supported; give a file name" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    code, help_text, _ = run(capsys, "export", "--help")
    assert code == 0 and "'-' (standard output) is not supported" in " ".join(help_text.split())
    assert "shp: .zip" in help_text and "geojson: .geojson or .json" in " ".join(help_text.split())


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_creates_no_folder(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, fmt: str
) -> None:
    missing = tmp_path / "nodir" / "sub"
    target = missing / f"x{export_module.EXTENSIONS[fmt]}"
    code, out, err = run(capsys, "export", *reg, "-f", fmt, "-o", str(target))
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == (
        f"portfolio export: error: cannot write {target}: folder {missing} does not exist"
    )
    assert not (tmp_path / "nodir").exists()
    # the "folder" is a file: named as such, not "File exists"
    file = tmp_path / "some.csv"
    file.write_text("id\n", encoding="utf-8")
    code, out, err = run(capsys, "export", *reg, "-f", fmt, "-o", str(file / target.name))
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == (
        f"portfolio export: error: cannot write {file / target.name}: {file} is not a folder"
    )
    assert file.read_text(encoding="utf-8") == "id\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_export_to_a_fifo_exits_2(capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.geojson"
    os.mkfifo(fifo)
    code, out, err = run(capsys, "export", *reg, "-f", "geojson", "-o", str(fifo))
    assert code == 2 and out == ""
    assert f"cannot write {fifo}: {fifo} is a named pipe (fifo), not a regular file" in err
    assert fifo.is_fifo()


# ------------------------------------------------------------------ usage errors: exit 2, allowed values


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--status", "built"], "under_construction"),
        (["--status", "planned,done"], "suspended"),
        (["--sector", "roads"], "expressway"),
        (["--funding", "budget"], "state_budget"),
        (["--scope", "province"], "regional"),
        (["--undated", "maybe"], "include, exclude"),
        (["--commune", "Atlantis"], "Phường Tân An"),
        (["--district", "Nowhere"], "Quận Ninh Kiều"),
        (["--owner", "Nobody"], "Sở Giao thông vận tải"),
        (["--max-precision", "9"], "1, 2, 3, 4, 5, 6"),
    ],
)
@pytest.mark.parametrize("command", ["list", "stats", "export"])
def test_unknown_values_exit_2(
    capsys: pytest.CaptureFixture[str],
    reg: list[str],
    tmp_path: Path,
    command: str,
    flags: list[str],
    named: str,
) -> None:
    extra = ["--format", "geojson", "-o", str(tmp_path / "x.geojson")] if command == "export" else []
    code, out, err = run(capsys, command, *reg, *flags, *extra)
    assert code == 2
    assert "allowed values" in err and named in err
    assert out == ""
    assert not (tmp_path / "x.geojson").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--from", "twenty"], "not a whole number"),
        (["--from", "2030", "--to", "2026"], "after"),
        (["--bbox", "1,2,3"], "4 numbers"),
        (["--bbox", "580000,1100000,600000,1120000"], "not in degrees"),
    ],
)
def test_bad_values_exit_2(
    capsys: pytest.CaptureFixture[str], reg: list[str], flags: list[str], message: str
) -> None:
    code, _, err = run(capsys, "list", *reg, *flags)
    assert code == 2 and message in err


def test_bad_format_and_crs_exit_2(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path
) -> None:
    out = ["-o", str(tmp_path / "x")]
    code, _, err = run(capsys, "export", *reg, "--format", "xls", *out)
    assert code == 2 and "geojson" in err and "dxf" in err
    code, _, err = run(capsys, "export", *reg, "--format", "kml", "--crs", "EPSG:5897", *out)
    assert code == 2 and "allowed values: EPSG:4326" in err
    code, _, err = run(capsys, "export", *reg, "--format", "shp", "--crs", "EPSG:3857", *out)
    assert code == 2 and "EPSG:5897" in err
    assert list(tmp_path.glob("x*")) == []


def test_repeated_bbox_exits_2(capsys: pytest.CaptureFixture[str], reg: list[str]) -> None:
    code, out, err = run(capsys, "list", *reg, "--bbox", "105.7,9.95,105.8,10.05", "--bbox", "105,9,106,11")
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == (
        "portfolio list: error: --bbox given twice; give one LON_MIN,LAT_MIN,LON_MAX,LAT_MAX"
    )


@pytest.mark.parametrize(
    ("flag", "first", "second"),
    [
        ("--from", "2020", "2021"),
        ("--to", "2030", "2031"),
        ("--in-year", "2025", "2026"),
        ("--undated", "include", "exclude"),
        ("--search", "cau", "duong"),
        ("--crs", "EPSG:4326", "EPSG:5897"),
        ("-f", "gpkg", "geojson"),
        ("-o", "a.gpkg", "b.gpkg"),
    ],
)
def test_a_flag_given_twice_exits_2(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, flag: str, first: str, second: str
) -> None:
    """A flag that takes one value, repeated, is refused rather than the last one silently winning."""
    base = {"-f": "gpkg", "-o": str(tmp_path / "x.gpkg")}
    argv = [a for k, v in base.items() if k != flag for a in (k, v)]
    if flag == "-o":
        first, second = str(tmp_path / first), str(tmp_path / second)
    code, out, err = run(capsys, "export", *reg, *argv, flag, first, flag, second)
    assert code == 2 and out == ""
    assert err.splitlines()[-1].startswith(f"portfolio export: error: {flag}")
    assert "given twice" in err.splitlines()[-1]
    assert [p.name for p in tmp_path.iterdir() if p.name != "reg"] == []  # nothing written


@pytest.mark.parametrize("param", [p for p in PARAMETERS if not p.many], ids=lambda p: p.flag)
def test_every_single_valued_filter_flag_given_twice_exits_2(
    capsys: pytest.CaptureFixture[str], reg: list[str], param: Param
) -> None:
    """Generated from the criteria: no single-valued flag lets the last value silently win (as
    --max-precision did)."""
    value = {"YEAR": "2020", "CODE": "3", "{include,exclude}": "include", "TEXT": "cau"}.get(
        param.metavar, "105.7,9.95,105.8,10.05"
    )
    code, out, err = run(capsys, "list", *reg, param.flag, value, param.flag, value)
    assert code == 2 and out == ""
    assert err.splitlines()[-1].startswith(f"portfolio list: error: {param.flag} given twice"), err


def test_the_filter_help_explains_every_criterion(capsys: pytest.CaptureFixture[str]) -> None:
    code, help_text, _ = run(capsys, "list", "--help")
    epilog = help_text[help_text.index("filters (AND between flags") :]
    for criterion in CRITERIA:
        assert criterion.example in epilog, criterion.name  # --max-precision was missing
    assert "latest period starts in or before" in " ".join(epilog.split())


def test_output_ending_in_a_slash_names_a_folder(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "export", *reg, "-f", "geojson", "-o", str(tmp_path / "x.geojson") + "/")
    assert code == 2 and "names a folder" in err
    assert [p.name for p in tmp_path.iterdir() if p.name != "reg"] == []


def test_in_year_describes_the_other_undated_projects(
    capsys: pytest.CaptureFixture[str], reg: list[str]
) -> None:
    _, out, _ = run(capsys, "list", *reg, "--in-year", "2030")
    assert out.splitlines()[-1].endswith(
        "(and existing works with no period); other projects with no period excluded"
    )


@pytest.mark.parametrize("crs", ["OGC:CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", "ogc:crs84", "CRS84"])
@pytest.mark.parametrize(("fmt", "ext"), [("geojson", ".geojson"), ("kml", ".kml"), ("gpkg", ".gpkg")])
def test_crs84_is_wgs84(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path, crs: str, fmt: str, ext: str
) -> None:
    path = tmp_path / f"x{ext}"
    code, out, err = run(capsys, "export", *reg, "-f", fmt, "--crs", crs, "-o", str(path))
    assert code == 0, err
    assert f"({fmt}, EPSG:4326: WGS 84" in out
    assert pyogrio.read_info(path)["crs"] in ("EPSG:4326", "OGC:CRS84")


def test_invalid_register_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path, reg: list[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id;name\n1;x\n", encoding="utf-8")
    code, out, err = run(capsys, "list", "--register", str(bad), "--geodata", reg[3])
    assert code == 1 and "portfolio validate" in err and out == ""


# ------------------------------------------------------------------ entry points and the real register


def test_python_dash_m_and_console_script(reg: list[str]) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "portfolio", "stats", *reg],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0 and "Projects: 6" in done.stdout
    script = Path(sys.executable).with_name("portfolio")
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    done = subprocess.run(
        [str(script), "list", *reg, "--status", "nope"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2 and "allowed values" in done.stderr


def test_real_readme_command(
    capsys: pytest.CaptureFixture[str], real: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    """The README's one command: everything under construction or planned in 2026-2030, as GeoJSON."""
    path = tmp_path / "ke-hoach-2026-2030.geojson"
    code, out, _ = run(
        capsys,
        "export",
        "--status",
        "under_construction,planned",
        "--from",
        "2026",
        "--to",
        "2030",
        "--format",
        "geojson",
        "-o",
        str(path),
    )
    assert code == 0
    f = Filter(statuses=("under_construction", "planned"), year_from=2026, year_to=2030)
    want = f.apply(real)
    assert len(want) > 0
    assert out.startswith(f"Wrote {len(want)} of {len(real)} projects to {path}")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(feat["properties"]["id"] for feat in doc["features"]) == sorted(want["id"])
    assert doc["metadata"]["filter"] == f.describe()
    assert doc["metadata"]["register_as_of"] == max(real["status_as_of"])
    assert {feat["properties"]["status"] for feat in doc["features"]} <= {"under_construction", "planned"}


def test_real_list_and_stats(capsys: pytest.CaptureFixture[str], real: gpd.GeoDataFrame) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and out.splitlines()[-1].startswith(f"{len(real)} of {len(real)} projects")
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["count"] == len(real)
    code, out, _ = run(capsys, "list", "--search", "dt 923")
    assert code == 0 and "dt-923" in out


def test_list_search_puts_name_hits_first(
    capsys: pytest.CaptureFixture[str], make_register: MakeRegister
) -> None:
    rows = export_rows()
    rows[0]["notes"] = "Nối với cảng Cái Cui qua Quốc lộ 91B"  # dt-923, first row: a notes-only hit
    register, geodata = make_register(rows, export_geometries(), name="ranked")
    code, out, _ = run(
        capsys, "list", "--register", str(register), "--geodata", str(geodata), "--search", "cai cui"
    )
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[2:-2]] == ["cang-cai-cui", "dt-923"]


# ------------------------------------------------------------------ admin-areas: no traceback


def test_admin_areas_bad_inputs_exit_1(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path
) -> None:
    from tests.test_admin import write_reference

    reference = write_reference(tmp_path / "ref")
    code, out, err = run(
        capsys, "admin-areas", "--register", str(tmp_path / "nope.csv"), "--reference", str(reference)
    )
    assert code == 1 and out == "" and "nope.csv: register file not found" in err
    for folder, expected in (
        (tmp_path / "none", "none: reference folder not found"),
        (reg[1], "reference folder is a file, not a folder"),
    ):
        code, out, err = run(capsys, "admin-areas", *reg, "--reference", str(folder))
        assert code == 1 and out == "" and expected in err and "Traceback" not in err
    broken = write_reference(tmp_path / "broken")
    (broken / "cantho2025_wards_103.geojson").write_text("{not json", encoding="utf-8")
    code, out, err = run(capsys, "admin-areas", *reg, "--reference", str(broken))
    assert code == 1 and "cantho2025_wards_103.geojson: cannot be read as a vector layer" in err
    assert len(err.splitlines()) == 2  # the problem, then the count


def test_admin_areas_with_a_trailing_blank_row(
    capsys: pytest.CaptureFixture[str], reg: list[str], tmp_path: Path
) -> None:
    from portfolio import schema
    from tests.test_admin import write_reference

    register = Path(reg[1])
    with register.open("a", encoding="utf-8") as fh:
        fh.write("," * (len(schema.COLUMNS) - 1) + "\n")
    code, out, err = run(capsys, "admin-areas", *reg, "--reference", str(write_reference(tmp_path / "ref")))
    assert code == 0 and err == "" and "cell(s) updated" in out
    assert "Phường" in register.read_text(encoding="utf-8")


# ------------------------------------------------------------------ commas, widths, in-year


def test_commas_separate_communes_but_not_owners(
    capsys: pytest.CaptureFixture[str], reg: list[str], frame: gpd.GeoDataFrame
) -> None:
    code, out, err = run(capsys, "list", *reg, "--commune", "ninh kieu,tan an")
    assert code == 0, err
    assert out.splitlines()[-1].startswith("1 of 6 projects; filter: commune (2025): ninh kieu or tan an")
    code, _, err = run(capsys, "list", *reg, "--owner", "Sở Giao thông vận tải,Sở Xây dựng")
    assert code == 2 and "unknown owner 'Sở Giao thông vận tải,Sở Xây dựng'" in err  # one name, not two
    code, help_text, _ = run(capsys, "list", "--help")
    assert code == 0 and "repeat --owner for OR" in " ".join(help_text.split())


def test_names_are_never_cut_when_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
    reg: list[str],
    frame: gpd.GeoDataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    code, out, _ = run(capsys, "list", *reg)  # captured: not a terminal
    assert code == 0 and "…" not in out
    assert all(name in out for name in frame["name_vi"])
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert "…" in cli.format_table(frame)  # a 40-column terminal: long names are cut


def test_in_year_leaves_undated_out_unless_asked(
    capsys: pytest.CaptureFixture[str], reg: list[str], frame: gpd.GeoDataFrame
) -> None:
    from portfolio.query import EXISTING_STATUSES

    no_period = frame["period_start"].isna() & frame["period_end"].isna()
    undated = int((no_period & ~frame["status"].isin(EXISTING_STATUSES)).sum())  # works that exist stay
    assert undated > 0
    _, out, _ = run(capsys, "list", *reg, "--in-year", "2030")
    _, out_all, _ = run(capsys, "list", *reg, "--in-year", "2030", "--undated", "include")
    assert out.splitlines()[-1].endswith("projects with no period excluded")
    shown, shown_all = int(out.splitlines()[-1].split()[0]), int(out_all.splitlines()[-1].split()[0])
    assert shown_all == shown + undated
