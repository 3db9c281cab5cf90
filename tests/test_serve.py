"""``portfolio serve``'s warm-up: the first page's work done at start-up, and shared with the app."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import geopandas as gpd
import pytest

from portfolio import mapview, register, serve
from tests.app_fixtures import make_app_register


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty memo and a scratch folder for the published map data."""
    folder = tmp_path / "mapdata"
    monkeypatch.setattr(mapview, "_PUBLISHED", {})
    monkeypatch.setattr(mapview, "MAP_DATA_DIR", folder)
    return folder


def test_warm_up_publishes_the_map_data_the_first_page_asks_for(
    tmp_path: Path, published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, geo = make_app_register(tmp_path / "register")
    steps = serve.warm(reg, geo)
    assert list(steps) == ["imports", "load", "map data", "map"]
    assert len(list(published.glob("*.gz"))) == 1
    # The app's first run, with the key it computes, takes the published data without rebuilding it.
    full = register.load(reg, geo)

    def rebuilt(*args: object, **kwargs: object) -> str:
        raise AssertionError("the map data was built a second time")

    monkeypatch.setattr(mapview, "payload_json", rebuilt)
    payload = mapview.published_payload(mapview.map_version(full, reg, geo), "vi", full)
    assert payload.startswith("url:") and payload.endswith(next(published.glob("*.gz")).name)


def test_sessions_asking_at_once_wait_for_one_build(
    tmp_path: Path, published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, geo = make_app_register(tmp_path / "register")
    full = register.load(reg, geo)
    version = mapview.map_version(full, reg, geo)
    real, calls = mapview.payload_json, []

    def counted(frame: gpd.GeoDataFrame, lang: str) -> str:
        calls.append(lang)
        return real(frame, lang)

    monkeypatch.setattr(mapview, "payload_json", counted)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(mapview.published_payload(version, "vi", full)))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["vi"] and len(set(results)) == 1 and len(results) == 6
    mapview.published_payload(version, "en", full)  # another language is its own build
    assert calls == ["vi", "en"]


def test_a_register_that_does_not_load_is_left_for_the_page(
    tmp_path: Path, published: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reg, geo = make_app_register(tmp_path / "register")
    reg.write_text("id,name_vi\nbroken", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="portfolio"):
        steps = serve.warm(reg, geo)
    assert list(steps) == ["imports"]
    assert "did not load at start-up" in caplog.text
    assert not published.exists()
