"""The app's editing views through Streamlit's AppTest: login, card history and status age, the edit
form's preview then apply, the review view, the change-set upload and the as-of choice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from portfolio import auth, changes
from portfolio.register import load
from tests.app_fixtures import make_app_register

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PASSWORD = "mật-khẩu-thử-2026"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    reg, geo = make_app_register(tmp_path / "app")
    monkeypatch.setenv("PORTFOLIO_REGISTER", str(reg))
    monkeypatch.setenv("PORTFOLIO_GEODATA", str(geo))
    monkeypatch.setenv("PORTFOLIO_TILES", "none")
    monkeypatch.setenv(auth.EDITORS_ENV, str(tmp_path / "private" / "editors.json"))
    auth.add_editor("gt", PASSWORD, "Sở Giao thông vận tải")
    auth.add_editor("yt", PASSWORD, "Sở Y tế")
    return reg, geo


def run(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def login(at: AppTest, user: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(password)
    at.button(key="login").click().run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, label: str) -> AppTest:
    button = next(b for b in at.button if b.label == label and "FormSubmitter" in str(b.key))
    button.click().run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first displayed dataframe having ``column`` (non-widget dataframes expose no key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # Markdown escapes dropped


def test_viewing_needs_no_login_and_the_card_shows_status_age_and_history(env: tuple[Path, Path]) -> None:
    at = run({"sel": "dt-923"})
    assert at.text_input(key="login_user") is not None
    assert "Tuổi của tình trạng:" in texts(at) and "Cần rà soát:" in texts(at)
    history = frame_with(at, "Ngày căn cứ")
    assert set(history["Giá trị"]) == {"Kế hoạch", "2021–2025"}
    assert not [f for f in at.text_input if f.key == "e_status_as_of"]  # no edit form without a login
    table = frame_with(at, "Tuổi tình trạng (ngày)")
    assert "Tuổi tình trạng (ngày)" in table.columns


def test_wrong_password_is_a_clear_message(env: tuple[Path, Path]) -> None:
    at = login(run(), "gt", "sai mật khẩu")
    assert "Sai tên đăng nhập hoặc mật khẩu." in texts(at)
    at = run({"lang": "en"})
    at = login(at, "gt", "x" * 10_000)
    assert "The password is too long (at most 256 characters)" in texts(at)


def test_editor_previews_then_applies_an_edit(env: tuple[Path, Path]) -> None:
    reg, geo = env
    at = login(run({"sel": "dt-923"}), "gt")
    assert "Đã đăng nhập: gt (Sở Giao thông vận tải)" in texts(at)
    at.selectbox(key="e_status").set_value("under_construction")
    at.text_input(key="e_status_as_of").input("2026-11-20")
    at.text_input(key="e_status_source").input("QĐ 77/QĐ-UBND (20/11/2026)")
    at.text_input(key="e_reason").input("works began")
    at.text_input(key="e_source").input("QĐ 77/QĐ-UBND 2026-11-20")
    before = reg.read_bytes()
    at = submit(at, "Xem trước")
    preview = frame_with(at, "Trường")
    assert {"status", "status_as_of", "status_source"} == set(preview["Trường"])
    assert reg.read_bytes() == before  # a preview writes nothing
    at.button(key="apply_edit_dt-923").click().run()
    assert not at.exception, at.exception
    assert "Đã áp dụng bộ thay đổi" in texts(at)
    assert load(reg, geo).set_index("id").loc["dt-923", "status"] == "under_construction"
    audit = changes.read_audit(changes.audit_path(reg))
    assert {a["field"] for a in audit} == {"status", "status_as_of", "status_source"}
    assert {a["author"] for a in audit} == {"gt"}
    assert "Đang thi công" in set(frame_with(at, "Ngày căn cứ")["Giá trị"])


def test_a_breaking_edit_is_refused_in_the_form(env: tuple[Path, Path]) -> None:
    reg, _geo = env
    at = login(run({"sel": "dt-923", "lang": "en"}), "gt")
    at.selectbox(key="e_status").set_value("under_construction")  # no new status date
    at.text_input(key="e_reason").input("r")
    at.text_input(key="e_source").input("QĐ 1 2026-11-20")
    before = reg.read_bytes()
    at = submit(at, "Preview")
    assert "The change is refused" in texts(at) and "[status_date_required]" in texts(at)
    assert not [b for b in at.button if b.key == "apply_edit_dt-923"]
    assert reg.read_bytes() == before


def test_another_departments_project_is_view_only(env: tuple[Path, Path]) -> None:
    at = login(run({"sel": "dt-923", "lang": "en"}), "yt")
    assert "This project is not Sở Y tế's; view only." in texts(at)
    assert not [f for f in at.text_input if f.key == "e_status_as_of"]


def test_review_view_and_change_set_upload(env: tuple[Path, Path]) -> None:
    reg, geo = env
    at = run({"view": "review", "lang": "en"})
    queue = frame_with(at, "Reasons")
    assert "dt-923" in set(queue["id"]) and "Log in to update your department's projects." in texts(at)
    at = login(at, "gt")
    at.text_input(key="cs_reason").input("annual review")
    at.text_input(key="cs_source").input("https://cantho.gov.vn/tin/1")
    uploader: Any = next(w for w in at.get("file_uploader") if "changeset_file" in w.proto.id)
    data = b"id,notes\ndt-923,reviewed\ncang-moi,not ours\n"
    uploader.set_value(("update.csv", data, "text/csv"))
    at = submit(at, "Preview")
    assert "[not_permitted]" in texts(at) and "cang-moi" in texts(at)  # Sở Xây dựng's port
    assert not [b for b in at.button if b.key == "apply_upload"]
    uploader = next(w for w in at.get("file_uploader") if "changeset_file" in w.proto.id)
    uploader.set_value(("update.csv", b"id,notes\ndt-923,reviewed\n", "text/csv"))
    at = submit(at, "Preview")
    assert set(frame_with(at, "Field")["After"]) == {"reviewed"}
    at.button(key="apply_upload").click().run()
    assert not at.exception, at.exception
    assert "Change set" in texts(at) and "applied (1 audit record(s))" in texts(at)
    assert load(reg, geo).set_index("id").loc["dt-923", "notes"] == "reviewed"


def test_as_of_choice_shows_the_earlier_register_read_only(env: tuple[Path, Path]) -> None:
    reg, geo = env
    cs = changes.read_changeset(
        "a.csv", b"id,notes\ndt-923,later note\n", author="gt", reason="r", source="QĐ 1 2026-11-20"
    )
    changes.apply(reg, geo, cs, now=datetime(2026, 6, 1, tzinfo=UTC))
    at = run({"sel": "dt-923", "lang": "en"})
    at.checkbox(key="as_of_on").check().run()
    at.date_input(key="as_of_day").set_value(date(2026, 5, 1)).run()
    assert not at.exception, at.exception
    assert "Showing the register as it stood on 2026-05-01" in texts(at)
    assert "later note" not in texts(at)
    at.checkbox(key="as_of_on").uncheck().run()
    assert "later note" in texts(at)
