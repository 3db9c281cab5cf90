"""History and "as of" rebuilt from the audit (portfolio.audit), `portfolio history`, `--as-of`, and the
register version in exports."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from shapely.geometry import Point

from portfolio import audit, changes
from portfolio.register import load
from tests.conftest import ROOT, MakeRegister

NEW_ROW = {
    "name_vi": "Cầu Mới",
    "name_en": "New bridge",
    "sector": "bridge",
    "funding_type": "unknown",
    "status": "proposed",
    "status_as_of": "2026-02-01",
    "status_source": "ngoài: VnExpress 2026-02-01",
    "sources": "ngoài: VnExpress 2026-02-01",
    "location_vi": "Ninh Kiều",
    "scope": "city",
    "geocode_precision": "3",
}


def _apply_three(register: Path, geodata: Path) -> list[changes.Applied]:
    """January: dt-923 starts; February: a new bridge; March: dt-923's period slips and the port moves."""
    done = []
    one = changes.read_changeset(
        "jan.csv",
        "id,status,status_as_of,status_source\n"
        "dt-923,under_construction,2026-01-05,QĐ 1/QĐ-UBND (05/01/2026)\n".encode(),
        author="An",
        reason="works began",
        source="QĐ 1/QĐ-UBND 2026-01-05",
    )
    done.append(changes.apply(register, geodata, one, now=datetime(2026, 1, 10, 2, tzinfo=UTC)))
    two = changes.edit(
        "cau-moi",
        NEW_ROW,
        author="Bình",
        reason="new project",
        source="https://vnexpress.net/x",
        geometry=Point(105.78, 10.03),
    )
    done.append(changes.apply(register, geodata, two, now=datetime(2026, 2, 10, 2, tzinfo=UTC)))
    three = changes.read_changeset(
        "mar.csv",
        b"id,period_history\ndt-923,202/KH-UBND=2021-2025; KH-UBND/2026=2026-2027\n",
        author="Chi",
        reason="slipped",
        source="KH-UBND/2026 2026-01",
    )
    three.geometries["cang-cai-cui"] = Point(105.8436, 9.9957)
    done.append(changes.apply(register, geodata, three, now=datetime(2026, 3, 10, 2, tzinfo=UTC)))
    return done


def _rows(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = frame.set_index("id").to_dict("index")
    return rows


def test_the_register_as_it_stood_on_each_earlier_date(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    original = _rows(load(register, geodata))
    done = _apply_three(register, geodata)
    before = _rows(audit.frame_as_of(register, geodata, "2026-01-09"))
    january = _rows(audit.frame_as_of(register, geodata, date(2026, 1, 10)))
    february = _rows(audit.frame_as_of(register, geodata, "2026-02-28"))
    now = _rows(audit.frame_as_of(register, geodata, "2026-12-31"))
    assert before.keys() == original.keys() and before["dt-923"]["status"] == "planned"
    assert before["dt-923"]["status_as_of"] == original["dt-923"]["status_as_of"]
    assert january["dt-923"]["status"] == "under_construction" and "cau-moi" not in january
    assert february["cau-moi"]["name_en"] == "New bridge" and february["dt-923"]["period_history"] == ""
    assert february["cang-cai-cui"]["geometry"].y == pytest.approx(9.9947)
    assert now["dt-923"]["period_history"].endswith("=2026-2027") and now["cang-cai-cui"][
        "geometry"
    ].y == pytest.approx(9.9957)
    current = load(register, geodata)
    rebuilt = audit.frame_as_of(register, geodata, "2026-12-31")
    assert rebuilt.drop(columns="geometry").astype(str).equals(current.drop(columns="geometry").astype(str))
    assert list(rebuilt.geometry.to_wkb()) == list(current.geometry.to_wkb())
    versions = [
        audit.frame_as_of(register, geodata, d).attrs["register_version"]
        for d in ("2026-01-10", "2026-02-10", "2026-03-10")
    ]
    assert versions == [d.register_version for d in done]


def test_history_of_a_project(make_register: MakeRegister) -> None:
    register, geodata = make_register()
    _apply_three(register, geodata)
    state = changes.read_state(register, geodata)
    entries = audit.history(state, changes.read_audit(changes.audit_path(register)), "dt-923")
    status = [(e.value, e.date, e.changeset != "") for e in entries if e.kind == "status"]
    assert status == [("planned", "2021-10-01", False), ("under_construction", "2026-01-05", True)]
    periods = [(e.value, e.source, e.author) for e in entries if e.kind == "period"]
    assert periods == [
        ("2021–2025", "202/KH-UBND (01/10/2021), Phụ lục II, dòng 5", ""),
        ("2026–2027", "KH-UBND/2026", "Chi"),
    ]
    with pytest.raises(KeyError):
        audit.history(state, [], "no-such-id")


def test_cli_history_list_and_export_as_of(make_register: MakeRegister, tmp_path: Path) -> None:
    register, geodata = make_register()
    _apply_three(register, geodata)
    where = ["--register", str(register), "--geodata", str(geodata)]

    def run(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "portfolio", *argv, *where], capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = run("history", "dt-923")
    assert "under_construction" in out and "change set" in out and "by An" in out and "works began" in out
    assert "cau-moi" not in run("list", "--as-of", "2026-01-31")
    assert "cau-moi" in run("list", "--as-of", "2026-02-10")
    target = tmp_path / "jan.geojson"
    out = run("export", "--as-of", "2026-01-31", "-f", "geojson", "-o", str(target))
    meta = json.loads(target.read_text(encoding="utf-8"))["metadata"]
    jan_version = audit.frame_as_of(register, geodata, "2026-01-31").attrs["register_version"]
    assert meta["register_version"] == jan_version and f"version {jan_version}" in out
    now = tmp_path / "now.geojson"
    run("export", "-f", "geojson", "-o", str(now))
    assert (
        json.loads(now.read_text(encoding="utf-8"))["metadata"]["register_version"]
        == changes.read_state(register, geodata).register_version()
        != jan_version
    )
