"""Editors, sessions and permissions (portfolio.auth) on a real editors file with real argon2 hashes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portfolio import auth, changes
from portfolio._errors import ChangeError
from portfolio.register import load
from tests.conftest import ROOT, MakeRegister

PASSWORD = "đúng-mật-khẩu-2026"


@pytest.fixture
def editors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "secrets" / "editors.json"
    monkeypatch.setenv(auth.EDITORS_ENV, str(path))
    auth.add_editor("xd", PASSWORD, "Sở Giao thông vận tải")
    auth.add_editor("ct", PASSWORD, "Sở Công Thương")
    auth.add_editor("root", PASSWORD, "", role="admin")
    return path


def test_passwords_are_argon2_hashes_outside_the_repository(editors: Path) -> None:
    text = editors.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert all(e["password_hash"].startswith("$argon2id$") for e in json.loads(text)["editors"].values())
    assert editors.stat().st_mode & 0o777 == 0o600


def test_an_editors_file_inside_the_repository_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.EDITORS_ENV, str(ROOT / "editors.json"))
    with pytest.raises(auth.AuthError) as caught:
        auth.add_editor("x", PASSWORD, "Sở Y tế")
    assert caught.value.code == "inside_repository" and not (ROOT / "editors.json").exists()
    assert "kho mã nguồn" in caught.value.message("vi") and "inside the repository" in caught.value.message(
        "en"
    )


def test_login_session_logout_and_replay(editors: Path) -> None:
    token = auth.login("xd", PASSWORD)
    assert auth.session(token).department == "Sở Giao thông vận tải"
    auth.logout(token)
    with pytest.raises(auth.AuthError) as caught:
        auth.session(token)  # replayed after logout
    assert caught.value.code == "no_session"
    assert (
        caught.value.message("vi") == "Phiên làm việc không còn hiệu lực (đã đăng xuất?); hãy đăng nhập lại."
    )
    assert token not in editors.read_text(encoding="utf-8")  # only its hash was ever stored


def test_wrong_password_then_locked(editors: Path) -> None:
    now = datetime(2026, 12, 3, 8, tzinfo=UTC)
    for _ in range(auth.MAX_FAILURES - 1):
        with pytest.raises(auth.AuthError) as caught:
            auth.login("xd", "wrong password", now=now)
        assert caught.value.code == "wrong_password"
        assert caught.value.message("vi") == "Sai tên đăng nhập hoặc mật khẩu."
    with pytest.raises(auth.AuthError) as caught:
        auth.login("xd", "wrong password", now=now)
    assert caught.value.code == "locked" and "2026-12-03 08:15 UTC" in caught.value.message("en")
    with pytest.raises(auth.AuthError) as caught:
        auth.login("xd", PASSWORD, now=now + timedelta(minutes=5))  # even the right password, while locked
    assert caught.value.code == "locked" and "bị khóa" in caught.value.message("vi")
    assert auth.login("xd", PASSWORD, now=now + timedelta(minutes=16))
    with pytest.raises(auth.AuthError) as caught:
        auth.login("nobody", PASSWORD)
    assert caught.value.code == "wrong_password"  # an unknown user is told the same


def test_an_expired_session_is_refused(editors: Path) -> None:
    start = datetime(2026, 12, 3, 8, tzinfo=UTC)
    token = auth.login("xd", PASSWORD, now=start)
    assert auth.session(token, now=start + timedelta(hours=auth.SESSION_HOURS - 1)).username == "xd"
    with pytest.raises(auth.AuthError) as caught:
        auth.session(token, now=start + timedelta(hours=auth.SESSION_HOURS, seconds=1))
    assert (
        caught.value.code == "expired"
        and caught.value.message("en") == "Your session has expired; log in again."
    )


def test_a_10000_character_password_is_refused_fast(editors: Path) -> None:
    began = time.perf_counter()
    for _ in range(20):
        with pytest.raises(auth.AuthError) as caught:
            auth.login("xd", "x" * 10_000)
    assert caught.value.code == "too_long" and "256" in caught.value.message("en")
    assert time.perf_counter() - began < 0.5  # one argon2 verification alone takes ~50 ms
    with pytest.raises(auth.AuthError):
        auth.add_editor("big", "x" * 10_000, "Sở Y tế")


def test_editors_change_only_their_departments_rows(editors: Path, make_register: MakeRegister) -> None:
    register, geodata = make_register()
    before = register.read_bytes()
    xd = auth.session(auth.login("xd", PASSWORD))
    ct = auth.session(auth.login("ct", PASSWORD))
    admin = auth.session(auth.login("root", PASSWORD))
    evidence = {"author": "x", "reason": "r", "source": "QĐ 1 2026-11-20"}
    with pytest.raises(ChangeError) as caught:
        changes.apply(
            register, geodata, changes.read_changeset("c.csv", b"id,notes\ndt-923,x\n", **evidence), editor=ct
        )
    problem = caught.value.problems[0]
    assert (problem.file, problem.where, problem.rule) == ("c.csv", "row 1 (id dt-923)", "not_permitted")
    assert "Sở Giao thông vận tải" in problem.message and register.read_bytes() == before
    # giving one's project away to another department is refused too
    with pytest.raises(ChangeError):
        changes.apply(
            register,
            geodata,
            changes.read_changeset("c.csv", "id,owner_current\ndt-923,Sở Y tế\n".encode(), **evidence),
            editor=xd,
        )
    changes.apply(
        register, geodata, changes.read_changeset("c.csv", b"id,notes\ndt-923,ours\n", **evidence), editor=xd
    )
    changes.apply(
        register,
        geodata,
        changes.read_changeset("c.csv", b"id,notes\ncang-cai-cui,all\n", **evidence),
        editor=admin,
    )
    rows = load(register, geodata).set_index("id")
    assert rows.loc["dt-923", "notes"] == "ours" and rows.loc["cang-cai-cui", "notes"] == "all"


def test_cli_editors(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", auth.EDITORS_ENV: str(tmp_path / "e.json"), "HOME": str(tmp_path)}
    run = [sys.executable, "-m", "portfolio", "editors"]
    added = subprocess.run(
        [*run, "add", "lan", "--department", "Sở Y tế"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert added.returncode == 0, added.stderr
    listed = subprocess.run([*run, "list"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert listed.stdout == "lan\teditor\tSở Y tế\n"
    short = subprocess.run(
        [*run, "add", "bad", "--department", "Sở Y tế"],
        input="short\n",
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
