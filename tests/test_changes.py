"""Change sets (portfolio.changes): read, preview, validation of the result, atomic apply, audit,
optimistic versioning with two real writer processes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from portfolio import changes
from portfolio._errors import ChangeError, ConflictError
from portfolio.register import load
from tests.conftest import ROOT, MakeRegister

EVIDENCE = {
    "author": "Nguyễn Văn A (Sở Xây dựng)",
    "reason": "quarterly update",
    "source": "QĐ 123/QĐ-UBND 2026-11-20",
}


def _csv(text: str) -> bytes:
    return textwrap.dedent(text).lstrip().encode("utf-8")


def _cs(data: bytes, name: str = "update.csv", **evidence: str) -> changes.ChangeSet:
    return changes.read_changeset(name, data, **{**EVIDENCE, **evidence})


def _files(register: Path, geodata: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (register, geodata / "projects.geojson")}


def test_preview_lists_changed_fields_before_and_after(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    state = changes.read_state(register, geodata)
    cs = _cs(
        _csv("""
        id,status,status_as_of,status_source,notes
        dt-923,under_construction,2026-11-20,"QĐ 123/QĐ-UBND (20/11/2026), Điều 1",
        cang-cai-cui,,,,quay 2 extended
    """)
    )
    pv = changes.preview(state, cs)
    assert pv.ok, pv.problems
    got = {(c.id, c.field): (c.before, c.after) for c in pv.changes}
    assert got == {
        ("dt-923", "status"): ("planned", "under_construction"),
        ("dt-923", "status_as_of"): ("2021-10-01", "2026-11-20"),
        ("dt-923", "status_source"): (
            "202/KH-UBND (01/10/2021), Phụ lục II, dòng 5",
            "QĐ 123/QĐ-UBND (20/11/2026), Điều 1",
        ),
        ("cang-cai-cui", "notes"): ("", "quay 2 extended"),
    }
    assert "dt-923: status: 'planned' → 'under_construction'" in pv.format()
    assert set(cs.base) == {"dt-923", "cang-cai-cui"}  # the versions it started from


def test_unknown_ids_and_new_rows(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    state = changes.read_state(register, geodata)
    pv = changes.preview(
        state,
        _cs(
            _csv("""
        id,notes
        dt-9999,typo
    """)
        ),
    )
    assert pv.unknown_ids == ["dt-9999"] and not pv.ok
    assert pv.problems[0].file == "update.csv" and pv.problems[0].where == "row 1 (id dt-9999)"
    assert pv.problems[0].rule == "unknown_id"


def test_a_new_project_needs_its_geometry_and_every_required_column(
    make_register: MakeRegister, tmp_path: Path
) -> None:
    register, geodata = make_register()
    state = changes.read_state(register, geodata)
    header = (
        "id,name_vi,name_en,sector,funding_type,status,status_as_of,status_source,sources,location_vi,"
        "scope,geocode_precision"
    )
    row = (
        "cau-moi,Cầu Mới,New bridge,bridge,unknown,proposed,2026-11-20,ngoài: VnExpress 2026-11-20,"
        "ngoài: VnExpress 2026-11-20,Ninh Kiều,city,3"
    )
    pv = changes.preview(state, _cs(f"{header}\n{row}\n".encode()))
    assert pv.new_rows == ["cau-moi"] and not pv.ok
    assert any(p.where == "row 1 (id cau-moi)" and p.field == "geometry" for p in pv.problems), pv.problems
    # with its geometry in a second change set applied together: one in-app edit carries both
    cs = _cs(f"{header}\n{row}\n".encode())
    cs.geometries["cau-moi"] = Point(105.78, 10.03)
    pv = changes.preview(changes.read_state(register, geodata), cs)
    assert pv.ok, pv.problems
    assert pv.geometries[0].moved_m is None  # new


def test_a_change_that_breaks_a_rule_is_refused_naming_file_row_and_field(
    make_register: MakeRegister,
) -> None:
    register, geodata = make_register()
    before = _files(register, geodata)
    cs = _cs(
        _csv("""
        id,funding_type
        kcn-o-mon,state_budget
        dt-923,grants
    """)
    )
    with pytest.raises(ChangeError) as caught:
        changes.apply(register, geodata, cs)
    problems = caught.value.problems
    assert [(p.file, p.where, p.field, p.rule) for p in problems] == [
        ("update.csv", "row 2 (id dt-923)", "funding_type", "unknown_value")
    ]
    assert _files(register, geodata) == before
    assert not changes.audit_path(register).exists()


@pytest.mark.parametrize(
    "cells,rule",
    [
        ("dt-923,under_construction,,", "status_date_required"),
        ("dt-923,under_construction,2020-01-01,QĐ 1 (2020)", "status_date_earlier"),
        ("dt-923,,2021-09-30,", "status_date_earlier"),
    ],
)
def test_a_status_change_needs_a_status_date_no_earlier_than_the_one_it_replaces(
    make_register: MakeRegister, cells: str, rule: str
) -> None:
    register, geodata = make_register()
    pv = changes.preview(
        changes.read_state(register, geodata),
        _cs(f"id,status,status_as_of,status_source\n{cells}\n".encode()),
    )
    assert rule in {p.rule for p in pv.problems}
    assert all(p.where == "row 1 (id dt-923)" for p in pv.problems if p.rule == rule)


@pytest.mark.parametrize(
    "evidence,field",
    [
        ({"source": ""}, "source"),
        ({"source": "the minister said so"}, "source"),
        ({"author": " "}, "author"),
        ({"reason": ""}, "reason"),
    ],
)
def test_evidence_is_required(make_register: MakeRegister, evidence: dict[str, str], field: str) -> None:
    register, geodata = make_register()
    pv = changes.preview(changes.read_state(register, geodata), _cs(b"id,notes\ndt-923,x\n", **evidence))
    assert [(p.field, p.rule) for p in pv.problems] == [(field, "evidence_required")]


@pytest.mark.parametrize(
    "source", ["https://cantho.gov.vn/tin/123", "Công văn 45/SXD 12/11/2026", "KH-UBND/2026 2026-01"]
)
def test_accepted_evidence(make_register: MakeRegister, source: str) -> None:
    register, geodata = make_register()
    pv = changes.preview(changes.read_state(register, geodata), _cs(b"id,notes\ndt-923,x\n", source=source))
    assert pv.ok, pv.problems


def test_formula_cells_are_refused_in_csv(make_register: MakeRegister) -> None:
    with pytest.raises(ChangeError) as caught:
        _cs(b'id,notes\ndt-923,"=HYPERLINK(""http://x"")"\n')
    assert [(p.where, p.field, p.rule) for p in caught.value.problems] == [
        ("row 1 (id dt-923)", "notes", "formula")
    ]


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_change_set(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    data = _xlsx(
        [["id", "period_start", "period_end", "notes"], ["dt-923", 2026, 2030.0, "moved to 2026–2030"]]
    )
    cs = _cs(data, name="update.xlsx")
    pv = changes.preview(changes.read_state(register, geodata), cs)
    assert {(c.field, c.after) for c in pv.changes} == {
        ("period_start", "2026"),
        ("period_end", "2030"),
        ("notes", "moved to 2026–2030"),
    }


def test_formula_cells_are_refused_in_xlsx() -> None:
    data = _xlsx([["id", "notes"], ["dt-923", "=1+1"]])
    with pytest.raises(ChangeError) as caught:
        _cs(data, name="update.xlsx")
    assert [(p.where, p.rule) for p in caught.value.problems] == [("cell B2", "formula")]


def test_unknown_columns_are_refused() -> None:
    with pytest.raises(ChangeError) as caught:
        _cs(b"id,statut\ndt-923,planned\n")
    assert [(p.where, p.field, p.rule) for p in caught.value.problems] == [
        ("header", "statut", "unknown_column")
    ]


def test_geometry_change_set_measures_the_move_in_metres(make_register: MakeRegister, tmp_path: Path) -> None:
    register, geodata = make_register()
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "cang-cai-cui"},
                "geometry": {"type": "Point", "coordinates": [105.8536, 9.9947]},
            },
            {
                "type": "Feature",
                "properties": {"id": "dt-923"},
                "geometry": {"type": "LineString", "coordinates": [[105.7525, 10.0021], [105.62, 10.08]]},
            },
        ],
    }
    cs = _cs(json.dumps(doc).encode(), name="moved.geojson")
    pv = changes.preview(changes.read_state(register, geodata), cs)
    assert pv.ok, pv.problems
    moved = {g.id: g for g in pv.geometries}
    moved_m = moved["cang-cai-cui"].moved_m
    assert moved_m is not None and 1080 < moved_m < 1110  # 0.01° of longitude at 10° N ≈ 1,096 m
    line = moved["dt-923"]
    assert line.length_after_km is not None and line.length_before_km is not None
    assert line.length_after_km < line.length_before_km


def test_apply_writes_the_register_and_one_audit_line_per_field(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    cs = _cs(
        _csv("""
        id,status,status_as_of,status_source
        dt-923,under_construction,2026-11-20,QĐ 123/QĐ-UBND (20/11/2026)
    """)
    )
    cs.geometries["cang-cai-cui"] = Point(105.8436, 9.9957)
    done = changes.apply(register, geodata, cs, now=datetime(2026, 11, 21, 3, 0, tzinfo=UTC))
    frame = load(register, geodata)
    row = frame.set_index("id").loc["dt-923"]
    assert (row["status"], row["status_as_of"]) == ("under_construction", "2026-11-20")
    assert frame.set_index("id").loc["cang-cai-cui"].geometry.y == pytest.approx(9.9957)
    audit = changes.read_audit(changes.audit_path(register))
    assert changes.audit_path(register).name == "projects.audit.jsonl"
    assert [(a["project"], a["field"]) for a in audit] == [
        ("dt-923", "status"),
        ("dt-923", "status_as_of"),
        ("dt-923", "status_source"),
        ("cang-cai-cui", "geometry"),
    ]
    first = audit[0]
    assert first["before"] == "planned" and first["after"] == "under_construction"
    assert first["author"] == EVIDENCE["author"] and first["source"] == EVIDENCE["source"]
    assert first["reason"] == EVIDENCE["reason"] and first["time"] == "2026-11-21T03:00:00+00:00"
    assert first["changeset"] == done.changeset and first["register_version"] == done.register_version
    assert done.register_version == changes.read_state(register, geodata).register_version()
    assert not list(register.parent.glob(".*staged")) and not list(geodata.glob(".*staged"))


def test_a_failed_write_leaves_everything_as_it_was(
    make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch
) -> None:
    register, geodata = make_register()
    before = _files(register, geodata)
    cs = _cs(b"id,notes\ndt-923,x\n")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(changes, "write_text_atomic", broken)  # the journal (commit point) cannot be written
    with pytest.raises(OSError):
        changes.apply(register, geodata, cs)
    assert _files(register, geodata) == before
    assert not changes.audit_path(register).exists()
    assert not [p for p in register.parent.iterdir() if p.name.startswith(".")]


def test_an_apply_killed_after_its_commit_point_is_finished_by_the_next(
    make_register: MakeRegister, monkeypatch: pytest.MonkeyPatch
) -> None:
    register, geodata = make_register()
    cs = _cs(b"id,notes\ndt-923,first\n")
    real = changes._roll_forward

    def die(register: Path, journal: dict[str, object]) -> None:
        raise KeyboardInterrupt  # as if the process stopped right after the journal was written

    monkeypatch.setattr(changes, "_roll_forward", die)
    with pytest.raises(KeyboardInterrupt):
        changes.apply(register, geodata, cs)
    assert load(register, geodata).set_index("id").loc["dt-923", "notes"] == ""
    monkeypatch.setattr(changes, "_roll_forward", real)
    assert changes.recover(register, geodata)
    assert load(register, geodata).set_index("id").loc["dt-923", "notes"] == "first"
    assert [a["after"] for a in changes.read_audit(changes.audit_path(register))] == ["first"]
    assert not changes.recover(register, geodata)


def test_same_start_second_writer_gets_a_conflict(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    state = changes.read_state(register, geodata)
    first = changes.start(state, _cs(b"id,notes\ndt-923,mine\n"))
    second = changes.start(state, _cs(b"id,funding_source\ndt-923,ODA\n"))
    changes.apply(register, geodata, first)
    with pytest.raises(ConflictError) as caught:
        changes.apply(register, geodata, second)
    problem = caught.value.problems[0]
    assert problem.rule == "conflict" and "dt-923" in problem.message and "notes" in problem.message
    assert problem.field == "funding_source"
    row = load(register, geodata).set_index("id").loc["dt-923"]
    assert row["notes"] == "mine" and row["funding_source"] == "NSNN và các nguồn huy động khác"


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from portfolio import changes
    from portfolio._errors import ConflictError
    register, geodata, go, value = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    state = changes.read_state(register, geodata)
    cs = changes.start(state, changes.read_changeset(
        "w.csv", f"id,notes\\ndt-923,{value}\\n".encode(), author=value, reason="r",
        source="QĐ 1 2026-11-20"))
    Path(str(go) + "." + value).touch()
    while not go.exists():
        time.sleep(0.01)
    try:
        changes.apply(register, geodata, cs)
    except ConflictError as exc:
        print("CONFLICT", exc.problems[0].message)
        sys.exit(3)
    print("APPLIED")
""")


def test_two_concurrent_writer_processes_from_the_same_start(
    make_register: MakeRegister, tmp_path: Path
) -> None:
    register, geodata = make_register()
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(register), str(geodata), str(go), value],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for value in ("alpha", "beta")
    ]
    deadline = datetime.now().timestamp() + 60
    while not all(Path(f"{go}.{v}").exists() for v in ("alpha", "beta")):
        assert datetime.now().timestamp() < deadline, [p.communicate() for p in procs]
    go.touch()  # both read the same version; now both apply at once
    results = [p.communicate(timeout=60) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 3], results
    winner = "alpha" if procs[0].returncode == 0 else "beta"
    loser = "beta" if winner == "alpha" else "alpha"
    conflict = next(out for out, _ in results if out.startswith("CONFLICT"))
    assert "dt-923" in conflict and "notes" in conflict
    assert load(register, geodata).set_index("id").loc["dt-923", "notes"] == winner
    audit = changes.read_audit(changes.audit_path(register))
    assert [(a["author"], a["after"]) for a in audit] == [(winner, winner)]
    assert loser not in register.read_text(encoding="utf-8")


def test_edit_of_one_project(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    state = changes.read_state(register, geodata)
    cs = changes.edit(
        "dt-923",
        {"status": "planned", "notes": "checked, unchanged", "funding_source": ""},
        base_version=state.version("dt-923"),
        geometry=LineString([(105.75, 10.0), (105.62, 10.08)]),
        **EVIDENCE,
    )
    done = changes.apply(register, geodata, cs)
    assert {(c.field, c.before, c.after) for c in done.preview.changes} == {
        ("notes", "", "checked, unchanged"),
        ("funding_source", "NSNN và các nguồn huy động khác", ""),
    }
    assert [g.id for g in done.preview.geometries] == ["dt-923"]


def test_applying_nothing_is_refused(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    with pytest.raises(ChangeError) as caught:
        changes.apply(register, geodata, _cs(b"id,status\ndt-923,planned\n"))
    assert caught.value.problems[0].rule == "no_change"


def test_apply_keeps_the_register_files_permissions(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    register.chmod(0o664)
    (geodata / "projects.geojson").chmod(0o644)
    cs = _cs(b"id,notes\ndt-923,x\n")
    cs.geometries["cang-cai-cui"] = Point(105.8436, 9.9957)
    changes.apply(register, geodata, cs)
    assert register.stat().st_mode & 0o777 == 0o664
    assert (geodata / "projects.geojson").stat().st_mode & 0o777 == 0o644


def test_cli_change_preview_and_apply(make_register: MakeRegister, tmp_path: Path) -> None:
    register, geodata = make_register()
    upload = tmp_path / "up.csv"
    upload.write_text(
        "id,status,status_as_of,status_source\n"
        "dt-923,under_construction,2026-11-20,QĐ 99/QĐ-UBND (20/11/2026)\n",
        encoding="utf-8",
    )
    base = [sys.executable, "-m", "portfolio", "change"]
    where = ["--register", str(register), "--geodata", str(geodata)]
    who = ["--author", "A", "--reason", "started", "--source", "QĐ 99/QĐ-UBND 2026-11-20"]
    before = register.read_bytes()
    pv = subprocess.run(
        [*base, "preview", str(upload), *where, *who], capture_output=True, text=True, cwd=ROOT
    )
    assert pv.returncode == 0 and "dt-923: status: 'planned' → 'under_construction'" in pv.stdout
    assert register.read_bytes() == before
    bad = subprocess.run(
        [*base, "apply", str(upload), *where, "--author", "A", "--reason", "r", "--source", "?"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "source: " in bad.stderr and "[evidence_required]" in bad.stderr
    assert register.read_bytes() == before
    ok = subprocess.run([*base, "apply", str(upload), *where, *who], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "applied change set" in ok.stdout and "3 audit record(s)" in ok.stdout
    assert load(register, geodata).set_index("id").loc["dt-923", "status"] == "under_construction"
    missing = subprocess.run([*base, "apply", str(upload), *where], capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 2 and "--author" in missing.stderr


KILLED_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from portfolio import changes
    register, geodata = Path(sys.argv[1]), Path(sys.argv[2])
    for i in range(10_000):
        data = f"id,notes\\ndt-923,note {i}\\ncang-cai-cui,note {i}\\n".encode()
        cs = changes.read_changeset("k.csv", data, author="k", reason="r", source="QĐ 1 2026-11-20")
        changes.apply(register, geodata, cs)
        print(i, flush=True)
""")


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.13, 0.29, 0.41])
def test_a_writer_killed_at_any_moment_leaves_a_whole_register_and_audit(
    make_register: MakeRegister, delay: float
) -> None:
    import signal
    import time

    register, geodata = make_register()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(register), str(geodata)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # one change set applied: the writer is in its loop
    assert first.strip() == "0", proc.stderr.read() if proc.stderr else ""
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    applied = [first, *proc.communicate(timeout=30)[0].split()]
    changes.recover(register, geodata)
    rows = load(register, geodata).set_index("id")  # every rule still holds
    audit = changes.read_audit(changes.audit_path(register))
    last = {}
    for record in audit:
        last[(record["project"], record["field"])] = record["after"]
    # the register holds exactly what the audit says was applied last, for both rows of each change set
    assert rows.loc["dt-923", "notes"] == last[("dt-923", "notes")]
    assert rows.loc["cang-cai-cui", "notes"] == last[("cang-cai-cui", "notes")]
    assert len(audit) % 2 == 0 and len({r["changeset"] for r in audit}) * 2 == len(audit)
    assert len(audit) // 2 >= len(applied)  # every apply it reported is there (one more may be recovered)
    changes.apply(register, geodata, _cs(b"id,notes\ndt-923,after the crash\n"))  # and the next one works
    assert not list(register.parent.glob(".*staged")) and not list(geodata.glob(".*staged"))
