"""Editing in a real browser (headless Debian Chromium through Playwright): log in from the sidebar,
edit a project on its card, preview, apply; the register file and its audit change on disk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from portfolio import auth, changes
from portfolio.register import load
from tests.test_browser import CHROMIUM, WAIT_MS, _require_browser, run_app

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2, reruns_delay=2)]
PASSWORD = "mật-khẩu-trình-duyệt-2026"


@pytest.fixture
def editing_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path, Path]]:
    _require_browser()
    editors = tmp_path / "private" / "editors.json"
    monkeypatch.setenv(auth.EDITORS_ENV, str(editors))  # run_app passes the environment on
    auth.add_editor("gt", PASSWORD, "Sở Giao thông vận tải")
    with run_app(tmp_path / "app") as server:
        register = tmp_path / "app" / "register" / "projects.csv"
        yield server.url, register, register.parent / "geodata"


@pytest.fixture
def chromium_page() -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        context.set_default_timeout(WAIT_MS)
        context.route(
            "**/*",
            lambda route, request: (
                route.continue_()
                if "127.0.0.1" in request.url or request.url.startswith(("data:", "blob:", "about:"))
                else route.abort()
            ),
        )
        yield context.new_page()
        browser.close()


def test_an_editor_logs_in_edits_previews_and_applies(
    editing_server: tuple[str, Path, Path], chromium_page: Page
) -> None:
    url, register, geodata = editing_server
    page = chromium_page
    page.goto(f"{url}/?lang=en&sel=dt-923")
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Log in (editors)").click()
    sidebar.get_by_label("User name").fill("gt")
    sidebar.get_by_label("Password", exact=True).fill(PASSWORD)
    sidebar.get_by_role("button", name="Log in").click()
    page.get_by_text("Logged in as gt").wait_for()
    page.get_by_text("Update this project").click()
    page.get_by_label("Notes").fill("checked in the browser")
    page.get_by_label("Reason for the change").fill("site visit")
    page.get_by_role("textbox", name="Evidence (document and date, or an address)").fill(
        "Biên bản 2026-11-30"
    )
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Preview of the change").wait_for()
    assert load(register, geodata).set_index("id").loc["dt-923", "notes"] == ""  # nothing written yet
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("applied (1 audit record(s))").wait_for()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not changes.audit_path(register).exists():
        time.sleep(0.2)
    assert load(register, geodata).set_index("id").loc["dt-923", "notes"] == "checked in the browser"
    assert [(r["author"], r["field"]) for r in changes.read_audit(changes.audit_path(register))] == [
        ("gt", "notes")
    ]
