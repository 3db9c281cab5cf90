"""End to end in headless Chromium: click a filter → the map holds the new set (issue 13).

For each register (the real one, then synthetic ones from ``benchmarks/synth.py``) this starts
``streamlit run`` twice on loopback — ``app.py`` and the baseline a user would write
(``benchmarks/explore_app.py``: ``gdf.explore()`` inside ``st_folium``, the load in ``st.cache_data``) —
and drives each with Playwright (``/usr/bin/chromium``, one page):

- **first render**: ``page.goto`` → the map holds every project;
- **filter → redraw**: a click on the "Hide approximate locations" checkbox → the map holds the new set,
  alternately on and off: the first call, then the median of ``--repeats`` more;
- the **Python share** (click → the last websocket message of the rerun arrives: the script run plus the
  transfer) and the **browser share** (that message → the map holds the new set);
- the **bytes** of the websocket messages of the rerun as sent (before compression) and as deflate
  (``CompressionStream('deflate-raw')``, what permessage-deflate sends, near enough) compresses them.

"The map holds the new set" is ``data-drawn``/``data-filter`` on the map container for ``app.py``
(set after each draw), and the number of drawn Leaflet paths for the baseline (it remounts its
iframe on every change). Both run with this repository's ``.streamlit/config.toml`` (websocket
compression on). The baseline's CDN scripts are answered by Playwright: Leaflet from the
installed copy in ``static/vendor``, the others (jQuery, Bootstrap, …) as empty files — nothing
leaves the machine.

The baseline needs what ``explore()`` imports: ``.venv/bin/pip install matplotlib mapclassify``.

Run: ``.venv/bin/python benchmarks/browser.py --sizes real,1000,10000 --repeats 3``
(``--json FILE`` writes the figures; ``--only app`` skips the baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import synth  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
LEAFLET = ROOT / "static" / "vendor" / "leaflet"
LABEL = "Hide approximate locations"

#: Recorded in the page before any script: every websocket message (time, bytes) and pointer downs.
INIT_JS = """
(() => {
  const Orig = window.WebSocket;
  window.__pf = {msgs: [], down: 0, keep: false};
  function Wrapped(url, protocols) {
    const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols);
    ws.addEventListener("message", (e) => {
      const d = e.data;
      const size = d.byteLength !== undefined ? d.byteLength : (d.size !== undefined ? d.size : d.length);
      // A copy: Streamlit hands the buffer on (transferred, so detached) once it has read it.
      const copy = window.__pf.keep ? (d.slice ? d.slice(0) : d) : null;
      window.__pf.msgs.push([Date.now(), size, copy]);
    });
    return ws;
  }
  Wrapped.prototype = Orig.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) { Wrapped[k] = Orig[k]; }
  window.WebSocket = Wrapped;
  document.addEventListener("pointerdown", () => { window.__pf.down = Date.now(); }, true);
})();
"""

#: In the page: wait until the map holds ``expected`` projects (and, for app.py, a filter other than
#: ``before``); return the time. ``kind`` is "app" or "baseline".
WAIT_JS = """
async ([kind, expected, before, timeoutMs]) => {
  const t0 = Date.now();
  function check() {
    const frames = document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]');
    if (frames.length !== 1) { return false; }
    let doc = null;
    try { doc = frames[0].contentDocument; } catch (e) { return false; }
    if (!doc) { return false; }
    const box = doc.querySelector(".leaflet-container");
    if (!box) { return false; }
    if (kind === "app") {
      return box.dataset.drawn === String(expected) && box.dataset.filter !== undefined
        && box.dataset.filter !== before;
    }
    return doc.querySelectorAll(".leaflet-interactive").length === expected;
  }
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) { return -1; }
    await new Promise((r) => setTimeout(r, 4));
  }
  return Date.now();
}
"""

DEFLATE_JS = """
async ([since, until]) => {
  const kept = window.__pf.msgs.filter((m) => m[0] >= since && m[0] <= until && m[2] !== null);
  const parts = kept.map((m) => m[2]);
  const blobs = parts.map((d) => (d instanceof Blob ? d : new Blob([d])));
  const all = new Blob(blobs);
  const stream = all.stream().pipeThrough(new CompressionStream("deflate-raw"));
  const out = await new Response(stream).arrayBuffer();
  return [all.size, out.byteLength];
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(
    app: Path, register: Path, geodata: Path, log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``streamlit run app`` on a free loopback port, stopped on exit."""
    port = _free_port()
    env = dict(
        os.environ, PORTFOLIO_REGISTER=str(register), PORTFOLIO_GEODATA=str(geodata), PORTFOLIO_TILES="none"
    )
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(app),
                f"--server.port={port}",
                "--server.address=127.0.0.1",
                "--server.headless=true",
                "--browser.gatherUsageStats=false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited:\n{log.read_text()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r,
            ):
                if r.read() == b"ok":
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit not healthy:\n{log.read_text()}")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` (MB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def expected_counts(register: Path, geodata: Path) -> dict[str, int]:
    """Projects drawn (app.py's ``data-drawn``) and Leaflet paths drawn (the baseline) with the
    checkbox off and on: a MultiPoint is one project but one circle marker per point."""
    import pandas as pd

    geo = gpd.read_file(geodata / "projects.geojson")
    rows = pd.read_csv(register, dtype=str, keep_default_na=False)
    frame = geo.merge(rows, on="id", how="inner")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    exact = pd.to_numeric(frame["geocode_precision"]) < 3
    paths = frame.geometry.apply(lambda g: len(g.geoms) if g.geom_type == "MultiPoint" else 1)
    return {
        "app_off": len(frame),
        "app_on": int(exact.sum()),
        "baseline_off": int(paths.sum()),
        "baseline_on": int(paths[exact].sum()),
    }


def _cdn(route: Any) -> None:
    """The baseline's CDN files: Leaflet from the installed copy, everything else empty."""
    url = route.request.url
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if "leaflet" in url and name in ("leaflet.js", "leaflet.css"):
        route.fulfill(path=str(LEAFLET / name))
    else:
        kind = "text/css" if name.endswith(".css") else "application/javascript"
        route.fulfill(status=200, body="", content_type=kind)


def measure_app(
    browser: Any, kind: str, url: str, counts: dict[str, int], repeats: int, proc: Any, shots: Path | None
) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(180_000)
    context.add_init_script(INIT_JS)
    context.route(
        "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else _cdn(route)
    )
    page = context.new_page()
    timeout = 240_000
    start = time.time()
    page.goto(url + ("/?lang=en" if kind == "app" else "/"))
    done = page.evaluate(WAIT_JS, [kind, counts[f"{kind}_off"], "\u0000", timeout])
    if done < 0:
        raise RuntimeError(f"{kind}: the map never held {counts[kind + '_off']} projects")
    first_render = done / 1000 - start
    checkbox = page.get_by_text(LABEL, exact=True)
    runs: list[dict[str, float]] = []
    before = page.evaluate(
        "() => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
        " const b = f.contentDocument.querySelector('.leaflet-container'); return b.dataset.filter || ''; }"
    )
    peak = rss_mb(proc.pid)
    for k in range(repeats + 1):
        on = k % 2 == 0
        time.sleep(1.0)  # let the page settle
        page.evaluate("() => { window.__pf.msgs = []; window.__pf.keep = true; }")
        checkbox.click()
        done = page.evaluate(WAIT_JS, [kind, counts[f"{kind}_{'on' if on else 'off'}"], before, timeout])
        if done < 0:
            raise RuntimeError(f"{kind}: no redraw after click {k}")
        down, msgs = page.evaluate("() => [window.__pf.down, window.__pf.msgs.map((m) => [m[0], m[1]])]")
        page.evaluate("() => { window.__pf.keep = false; }")
        arrived = [(t, size) for t, size in msgs if down <= t <= done]
        last = max(t for t, _ in arrived) if arrived else down
        raw = sum(size for _, size in arrived)
        _, deflated = page.evaluate(DEFLATE_JS, [down, done])
        runs.append(
            {
                "total_s": (done - down) / 1000,
                "python_s": (last - down) / 1000,
                "browser_s": (done - last) / 1000,
                "bytes": raw,
                "deflate_bytes": deflated,
            }
        )
        peak = max(peak, rss_mb(proc.pid))
        if kind == "app":
            before = page.evaluate(
                "() => document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
                ".contentDocument.querySelector('.leaflet-container').dataset.filter"
            )
        if shots is not None and k == 0:
            page.screenshot(path=str(shots / f"{kind}-{counts['app_off']}-filtered.png"))
    context.close()
    # A second visitor: the server has the register (and, for app.py, the map's data) already.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.route(
        "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else _cdn(route)
    )
    page = context.new_page()
    start = time.time()
    page.goto(url + ("/?lang=en" if kind == "app" else "/"))
    done = page.evaluate(WAIT_JS, [kind, counts[f"{kind}_off"], "\u0000", timeout])
    warm = done / 1000 - start if done > 0 else float("nan")
    if shots is not None:
        page.screenshot(path=str(shots / f"{kind}-{counts['app_off']}-all.png"))
    context.close()
    rest = runs[1:]
    med = {key: statistics.median(r[key] for r in rest) for key in rest[0]} if rest else runs[0]
    return {
        "first_render_s": first_render,
        "first_render_warm_s": warm,
        "first_call": runs[0],
        "median": med,
        "runs": runs,
        "server_rss_mb": peak,
    }


def registers(sizes: list[str], tmp: Path) -> Iterator[tuple[str, Path, Path]]:
    for size in sizes:
        if size == "real":
            yield "real", ROOT / "projects.csv", ROOT / "geodata"
        else:
            made = synth.generate(int(size), tmp / f"synth-{size}")
            yield size, made.register, made.geodata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="real,1000,10000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("app", "baseline"))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--screenshots", type=Path, help="a folder for a screenshot after each first call")
    parser.add_argument("--markdown", type=Path, help="print the table of a --json file and exit")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(json.loads(args.markdown.read_text())))
        return
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {
        "machine": f"{platform.node()} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f}",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "sizes": {},
    }
    kinds = [args.only] if args.only else ["app", "baseline"]
    with tempfile.TemporaryDirectory() as tmpdir, sync_playwright() as p:
        tmp = Path(tmpdir)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for size, register, geodata in registers(args.sizes.split(","), tmp):
            counts = expected_counts(register, geodata)
            results["sizes"][size] = {"projects": counts["app_off"], "exact": counts["app_on"]}
            for kind in kinds:
                app = ROOT / ("app.py" if kind == "app" else "benchmarks/explore_app.py")
                with serve(app, register, geodata, tmp / f"{kind}-{size}.log") as (url, proc):
                    try:
                        figures = measure_app(
                            browser, kind, url, counts, args.repeats, proc, args.screenshots
                        )
                    except Exception as exc:  # a baseline that cannot finish is a result too
                        figures = {"error": str(exc)[:300]}
                results["sizes"][size][kind] = figures
                print(size, kind, json.dumps(_brief(figures)), flush=True)
        browser.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    """The figures as a Markdown table (for benchmarks/RESULTS.md and the README)."""
    lines = [
        f"Machine: {results['machine']} (1-minute load average as the run began), {results['when']}.",
        "",
        "| register | app | first render (cold server) | second visitor | filter → redraw, first call"
        " | median | Python share"
        " | browser share"
        " | bytes (first call) | deflated | median bytes | server RSS |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, entry in results["sizes"].items():
        for kind in ("app", "baseline"):
            figures = entry.get(kind)
            if figures is None:
                continue
            name = "app.py" if kind == "app" else "explore() + st_folium"
            if "error" in figures:
                lines.append(f"| {size} ({entry['projects']:,}) | {name} | {figures['error'][:80]} |")
                continue
            first, med = figures["first_call"], figures["median"]
            lines.append(
                f"| {size} ({entry['projects']:,}) | {name} | {figures['first_render_s']:.2f} s"
                f" | {figures['first_render_warm_s']:.2f} s"
                f" | {first['total_s']:.3f} s | **{med['total_s']:.3f} s** | {med['python_s']:.3f} s"
                f" | {med['browser_s']:.3f} s | {first['bytes']:,} | {first['deflate_bytes']:,}"
                f" | {int(med['bytes']):,} | {figures['server_rss_mb']:.0f} MB |"
            )
    return "\n".join(lines)


def _brief(figures: dict[str, Any]) -> dict[str, Any]:
    if "error" in figures:
        return figures
    med = figures["median"]
    return {
        "first_render_s": round(figures["first_render_s"], 2),
        "first_render_warm_s": round(figures["first_render_warm_s"], 2),
        "first_call_bytes": int(figures["first_call"]["bytes"]),
        "first_call_s": round(figures["first_call"]["total_s"], 3),
        "median_s": round(med["total_s"], 3),
        "python_s": round(med["python_s"], 3),
        "browser_s": round(med["browser_s"], 3),
        "bytes": int(med["bytes"]),
        "deflate_bytes": int(med["deflate_bytes"]),
        "server_rss_mb": round(figures["server_rss_mb"]),
    }


if __name__ == "__main__":
    main()
