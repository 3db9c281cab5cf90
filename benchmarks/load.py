"""Several sessions changing filters against one server (issue 13): a bounded load test.

One ``streamlit run app.py`` on loopback; ``--sessions`` light clients that speak Streamlit's own
websocket protocol (the ``BackMsg``/``ForwardMsg`` protobufs of the installed ``streamlit``, over the
``websockets`` package): each opens a session, then ``--changes`` times clicks the "Hide approximate
locations" checkbox (a ``rerun_script`` with the checkbox's new state) after a think time of 0.5–1.5 s,
and times the click → the rerun's ``script_finished`` message, with every message of the rerun
received. A light client reports, like a browser, the hashes of the large messages it already has
(``cached_message_hashes``), so the server sends references as it would to Chromium. Beside them,
``--browsers`` real Chromium pages (Playwright, ``/usr/bin/chromium``) do the same and time the click →
``data-drawn``/``data-filter`` on the map (the map holds the new set).

Reported: median and 95th percentile of click → rerun finished (light clients) and click → map redrawn
(browsers), and the server's peak resident memory (the Streamlit process and its children, sampled
every 0.2 s). Bounded: the run stops after ``--changes`` clicks per session or ``--timeout`` seconds.

Run: ``.venv/bin/python benchmarks/load.py --sessions 10 --browsers 2 --changes 10``
(``--size 10000`` on a synthetic register from ``benchmarks/synth.py``; ``--json FILE``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import browser as bench  # noqa: E402
import synth  # noqa: E402

LABEL = bench.LABEL


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (MB)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, ValueError):
            total += bench.rss_mb(current)
        todo.extend(children.get(current, []))
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


async def light_session(url: str, changes: int, seed: int, out: list[dict[str, float]]) -> None:
    """One session over Streamlit's websocket protocol."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.typing import Origin, Subprotocol

    rng = random.Random(seed)
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    cached: set[str] = set()
    state: dict[str, Any] = {"page": "", "checkbox": None, "value": False}

    async with websockets.connect(
        ws_url,
        subprotocols=[Subprotocol("streamlit")],
        max_size=None,
        origin=Origin(url),
        compression="deflate",
    ) as ws:

        async def rerun(widgets: list[tuple[str, bool]]) -> tuple[float, int]:
            msg = BackMsg()
            client = msg.rerun_script
            client.query_string = "lang=en"
            client.page_script_hash = state["page"]
            client.cached_message_hashes.extend(sorted(cached))
            for ident, value in widgets:
                widget = client.widget_states.widgets.add()
                widget.id = ident
                widget.bool_value = value
            start = time.perf_counter()
            await ws.send(msg.SerializeToString())
            received = 0
            while True:
                data = await ws.recv()
                received += len(data)
                fmsg = ForwardMsg()
                fmsg.ParseFromString(data)
                if fmsg.metadata.cacheable and fmsg.hash:
                    cached.add(fmsg.hash)
                kind = fmsg.WhichOneof("type")
                if kind == "new_session":
                    state["page"] = fmsg.new_session.page_script_hash
                elif kind == "delta" and fmsg.delta.WhichOneof("type") == "new_element":
                    element = fmsg.delta.new_element
                    if element.WhichOneof("type") == "checkbox" and element.checkbox.label == LABEL:
                        state["checkbox"] = element.checkbox.id
                elif (
                    kind == "script_finished" and fmsg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
                ):
                    return time.perf_counter() - start, received

        await rerun([])
        if state["checkbox"] is None:
            raise RuntimeError("no 'Hide approximate locations' checkbox in the page")
        for _ in range(changes):
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            state["value"] = not state["value"]
            seconds, received = await rerun([(state["checkbox"], state["value"])])
            out.append({"seconds": seconds, "bytes": received})


def browser_sessions(url: str, count: int, changes: int, counts: dict[str, int], out: list[float]) -> None:
    """``count`` Chromium pages (one browser), clicking in turn; click → the map holds the new set."""
    if count <= 0:
        return
    from playwright.sync_api import sync_playwright

    rng = random.Random(99)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=bench.CHROMIUM, args=["--no-sandbox"])
        pages: list[list[Any]] = []
        for _ in range(count):
            context = chromium.new_context(viewport={"width": 1366, "height": 900})
            context.set_default_timeout(300_000)
            context.add_init_script(bench.INIT_JS)
            page = context.new_page()
            page.goto(url + "/?lang=en")
            page.evaluate(bench.WAIT_JS, ["app", counts["app_off"], "\u0000", 300_000])
            pages.append([page, False])
        for _ in range(changes):
            for entry in pages:
                page, on = entry[0], bool(entry[1])
                time.sleep(rng.uniform(0.5, 1.5) / count)
                before = page.evaluate(
                    "() => document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]')"
                    ".contentDocument.querySelector('.leaflet-container').dataset.filter"
                )
                page.get_by_text(LABEL, exact=True).click()
                expected = counts["app_off" if on else "app_on"]
                done = page.evaluate(bench.WAIT_JS, ["app", expected, before, 300_000])
                down = page.evaluate("() => window.__pf.down")
                if done > 0:
                    out.append((done - down) / 1000)
                entry[1] = not on
        chromium.close()


async def run(url: str, sessions: int, changes: int, light: list[dict[str, float]]) -> None:
    await asyncio.gather(*(light_session(url, changes, seed, light) for seed in range(sessions)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--browsers", type=int, default=2)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--size", default="real")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.size == "real":
            register, geodata = ROOT / "projects.csv", ROOT / "geodata"
        else:
            made = synth.generate(int(args.size), tmp / "synth")
            register, geodata = made.register, made.geodata
        counts = bench.expected_counts(register, geodata)
        with bench.serve(ROOT / "app.py", register, geodata, tmp / "server.log") as (url, proc):
            peak = [tree_rss_mb(proc.pid)]
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    peak[0] = max(peak[0], tree_rss_mb(proc.pid))
                    time.sleep(0.2)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            light: list[dict[str, float]] = []
            browsers: list[float] = []
            pages = threading.Thread(
                target=browser_sessions,
                args=(url, args.browsers, args.changes, counts, browsers),
                daemon=True,
            )
            started = time.perf_counter()
            pages.start()
            asyncio.run(asyncio.wait_for(run(url, args.sessions, args.changes, light), args.timeout))
            pages.join(timeout=max(1.0, args.timeout - (time.perf_counter() - started)))
            stop.set()
            sampler.join()
    seconds = [r["seconds"] for r in light]
    result = {
        "machine": f"{os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} at the end (1 min)",
        "register": args.size,
        "projects": counts["app_off"],
        "light_sessions": args.sessions,
        "light_clicks": len(seconds),
        "light_median_s": statistics.median(seconds) if seconds else None,
        "light_p95_s": percentile(seconds, 0.95),
        "light_bytes_median": statistics.median(r["bytes"] for r in light) if light else None,
        "browser_pages": args.browsers,
        "browser_clicks": len(browsers),
        "browser_median_s": statistics.median(browsers) if browsers else None,
        "browser_p95_s": percentile(browsers, 0.95),
        "server_peak_rss_mb": round(peak[0]),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
