"""Fast to first sight (issue 14): the first page load after the server starts, to the map drawn.

Starts the app the way a user does (``streamlit run app.py``, or ``python -m portfolio serve`` which
does the first run's work at start-up), waits until the server answers its health check, then opens
headless Chromium (/usr/bin/chromium) on ``/`` and times the page from navigation to the map holding
every project of the register (``path.pf-project`` count), then a second fresh page on the warm server.
Each launcher is started ``--repeats`` times (a new server each time, so every "first" is a first).

Run: ``.venv/bin/python benchmarks/first_sight.py`` (``--repeats 3``, ``--launcher streamlit`` or
``serve`` or ``both``; ``--register PATH`` for a synthetic register). Prints one JSON line per run
and a summary; the target is 3 s to the map on the first load. Figures on a busy shared machine
are indicative only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
TARGET_S = 3.0
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(launcher: str, port: int) -> list[str]:
    flags = [
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false",
    ]
    if launcher == "serve":
        return [sys.executable, "-m", "portfolio", "serve", *flags]
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), *flags]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("the server did not become healthy")


def _to_map(browser: Any, url: str, expected: int) -> float:
    """Seconds from navigation to the map holding ``expected`` projects, in a fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url + "/", wait_until="commit")
        frame = page.locator(MAP_FRAME).last
        frame.wait_for(timeout=120_000)
        # data-drawn: what the map has drawn (SVG paths or, past 3,000 projects, a canvas).
        frame.content_frame.locator(f'.leaflet-container[data-drawn="{expected}"]').wait_for(
            state="attached", timeout=120_000
        )
        return time.perf_counter() - start
    except Exception:
        page.screenshot(path=str(ROOT / "test-artifacts" / "first-sight-failed.png"))
        raise
    finally:
        context.close()


def run_once(launcher: str, expected: int, store: dict[str, str]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PORTFOLIO_TILES="none", **store)
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(_command(launcher, port), cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            healthy = _wait_healthy(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
                try:
                    first = _to_map(browser, url, expected)
                    second = _to_map(browser, url, expected)
                finally:
                    browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "launcher": launcher,
        "start_to_healthy_s": round(healthy, 2),
        "first_page_to_map_s": round(first, 2),
        "second_page_to_map_s": round(second, 2),
        "start_to_first_map_s": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--launcher", choices=("streamlit", "serve", "both"), default="both")
    parser.add_argument(
        "--register", type=Path, help="a projects.csv with geodata/ beside it (benchmarks/synth.py)"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from portfolio import register

    reg = args.register or register.DEFAULT_REGISTER
    geo = reg.parent / "geodata" if args.register else register.DEFAULT_GEODATA
    store = {"PORTFOLIO_REGISTER": str(reg), "PORTFOLIO_GEODATA": str(geo)} if args.register else {}
    frame = register.load(reg, geo)
    expected = int((frame.geometry.notna() & ~frame.geometry.is_empty).sum())
    launchers = ("streamlit", "serve") if args.launcher == "both" else (args.launcher,)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in launchers}
    for _ in range(args.repeats):
        for name in launchers:  # interleaved, so a busy spell weighs on both
            result = run_once(name, expected, store)
            results[name].append(result)
            print(json.dumps(result), flush=True)
    load = os.getloadavg()
    averages = " ".join(f"{v:.1f}" for v in load)
    print(f"\n{expected} projects; load average {averages} on {os.cpu_count()} cores")
    for name, runs in results.items():
        firsts = [r["first_page_to_map_s"] for r in runs]
        seconds = [r["second_page_to_map_s"] for r in runs]
        median = statistics.median(firsts)
        verdict = "met" if median <= TARGET_S else "missed"
        print(
            f"{name:9s} first page → map: median {median:.2f} s (runs {firsts}), "
            f"target {TARGET_S} s {verdict}; warm page: median {statistics.median(seconds):.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
