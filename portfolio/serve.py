"""``portfolio serve``: start the app with the first page's heavy work already done (issue 14).

``streamlit run app.py`` does nothing until the first browser arrives; that first visitor then
waits for the imports of the geospatial and web stack, the register's load and validation, and the
map templates' first compilation. :func:`warm` does that work in the server's process before it
listens, so the first page load costs what every later one does. The app is unchanged: it finds
the modules imported and :func:`portfolio.register.load` cached (on the store's version, so a change
to the register is still read).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from portfolio._errors import PortfolioError

APP = Path(__file__).resolve().parent.parent / "app.py"
log = logging.getLogger("portfolio")


def warm(register_path: Path | None = None, geodata: Path | None = None) -> dict[str, float]:
    """Import what the app's first run imports, load the register and its background layers, and
    build and render the map of the whole register once; returns the seconds each step took.

    A register that does not load is left for the page to report (nothing is raised here)."""
    steps: dict[str, float] = {}
    start = time.perf_counter()
    # Not streamlit_folium: a component must be declared from the app's own run, or the running
    # server does not serve it ("trouble loading the component"); it is light once folium is in.
    from portfolio import access, app_editing, export, mapview, measure, present, register, timeline, upload

    del access, app_editing, export, measure, present, timeline, upload  # for the app's first run
    steps["imports"] = time.perf_counter() - start
    reg = register_path or Path(os.environ.get("PORTFOLIO_REGISTER") or register.DEFAULT_REGISTER)
    geo = geodata or Path(os.environ.get("PORTFOLIO_GEODATA") or register.DEFAULT_GEODATA)
    start = time.perf_counter()
    try:
        full = register.load(reg, geo, database=os.environ.get("PORTFOLIO_DATABASE_URL") or "")
        boundary, background = register.load_boundary(geo), register.load_background(geo)
    except (PortfolioError, OSError) as exc:
        log.warning("the register did not load at start-up (the page will say why): %s", exc)
        return steps
    steps["load"] = time.perf_counter() - start
    start = time.perf_counter()
    # The map's data as the app's first run asks for it (same version key, the page's default
    # language), then one build and render of the map over it (folium's templates compile once).
    version = mapview.map_version(full, reg, geo, os.environ.get("PORTFOLIO_DATABASE_URL") or "")
    payload = mapview.published_payload(version, "vi", full)
    steps["map data"] = time.perf_counter() - start
    start = time.perf_counter()
    fmap = mapview.build_map(full, "vi", boundary=boundary, background=background, payload=payload)
    fmap.get_root().render()
    steps["map"] = time.perf_counter() - start
    return steps


def serve(streamlit_flags: list[str]) -> int:
    """Run ``streamlit run app.py FLAGS…`` in this process and warm up beside it, as soon as
    Streamlit's runtime exists (a component such as the map must be declared to the running
    runtime, so nothing of the app is imported before it); the caches carry over to the app."""
    import threading

    from streamlit import runtime
    from streamlit.web import cli as streamlit_cli

    def warm_when_running() -> None:
        deadline = time.monotonic() + 120
        while not runtime.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        steps = warm()
        print("warmed up: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()), file=sys.stderr)

    threading.Thread(target=warm_when_running, name="portfolio-warm-up", daemon=True).start()
    streamlit_cli.main(["run", str(APP), *streamlit_flags], prog_name="streamlit", standalone_mode=False)
    return 0
