"""Benchmark of the portfolio from tens of projects to 10,000 (issue 6).

``make bench`` (= ``.venv/bin/python benchmarks/run.py``) generates seeded synthetic registers of 100, 1,000
and 10,000 projects inside the city (:mod:`synth`) in a temporary folder, adds the real register when it
is valid, and measures each step as the median of repeated runs, with the library and the naive way:

- load + validate, cold (the load caches cleared before each run);
- a filter (status + timeframe + search);
- summary figures (of the whole register);
- GeoJSON export (of the whole register, full precision);
- building the folium map of the whole register and rendering its HTML (and the payload in bytes);
- one app rerun through ``streamlit.testing.v1.AppTest`` after a filter change;
- peak memory (``VmHWM``, the peak RSS of the subprocess that runs the steps, one per register and way).

The naive baseline re-reads the files every time (``geopandas.read_file`` + ``pandas.read_csv``), filters
with plain pandas and draws every geometry at full precision with ``folium.GeoJson``
(``benchmarks/naive_app.py`` is its app). Every figure is also given as a ratio to the baseline.

A step whose library module is not committed in git is reported "not measured: module missing". The
script prints a Markdown table, writes it to ``benchmarks/RESULTS.md`` and exits 0 whatever the results
(targets are reported met/missed, not enforced).

Options: ``--sizes 100,1000`` to choose sizes, ``--quick`` for fewer repeats, ``--no-real`` to skip the
real register, ``--out`` for another report file, ``--profile STEP`` to run one step (load, filter,
summary, export, map or app) on the largest synthetic register under cProfile and print where the
time goes. The raw timings of the last run are left in ``$TMPDIR/bench-last.json``. ``--database URL``
then runs the database path (``benchmarks/db.py``, 10,000 and 100,000 projects in PostGIS) and adds its
section; without it, the section of the previous report is kept.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
PY = sys.executable

SIZES = (100, 1000, 10000)
#: (heavy steps, light steps, app reruns) repeats per register size.
REPEATS = {100: (7, 25, 5), 1000: (5, 15, 5), 10000: (3, 10, 3)}
QUICK = {100: (3, 5, 2), 1000: (2, 5, 2), 10000: (1, 3, 1)}

#: The filter every way measures: two statuses, a timeframe and a search term.
FILTER_STATUSES: tuple[str, ...] = ("planned", "under_construction")
FILTER_YEARS: tuple[int, int] = (2020, 2030)
FILTER_SEARCH = "cầu"
#: Status selections the app cycles through, one per rerun (each distinct, so no cached result is reused).
APP_STATUS_CYCLE = [
    ("planned",),
    ("planned", "under_construction"),
    ("completed",),
    ("under_construction", "completed"),
    ("proposed",),
    ("operating", "suspended"),
]

#: Library steps and the module each needs.
STEPS: list[tuple[str, str, str]] = [
    ("load", "load + validate (cold)", "portfolio.register"),
    ("load_warm", "load (cached, warm)", "portfolio.register"),
    ("filter", "filter (status + timeframe + search)", "portfolio.query"),
    ("summary", "summary figures", "portfolio.measure"),
    ("export", "GeoJSON export", "portfolio.export"),
    ("map", "build folium map + render HTML", "portfolio.mapview"),
    ("payload", "map HTML payload", "portfolio.mapview"),
    ("app_first", "app first run (AppTest)", "app.py"),
    ("app_rerun", "app rerun after a filter change (AppTest)", "app.py"),
    ("app_payload", "app: st_folium payload, first run (AppTest)", "app.py"),
    ("rss", "peak memory (max RSS of the process)", ""),
]
#: Steps whose first call on a loaded register is shown apart (the library memoises per loaded frame).
FIRST_CALL = frozenset({"filter", "summary", "export", "map", "app_rerun"})
#: Targets: step -> (limit, unit, which register).
TARGETS: dict[tuple[str, str], float] = {
    ("load", "10000"): 2.0,
    ("filter", "10000"): 0.050,
    ("export", "10000"): 1.0,
    ("payload", "10000"): 8_000_000,
    ("app_rerun", "10000"): 1.5,
    ("app_rerun", "real"): 0.3,
}


# --------------------------------------------------------------------------------------------- helpers
def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _landed(relpath: str) -> bool:
    """True when ``relpath`` (a module name, a package's, or a file) is committed in git."""
    if relpath.endswith(".py"):
        paths = [relpath]
    else:  # a module is a file or a package (portfolio.export, portfolio.query)
        stem = relpath.replace(".", "/")
        paths = [stem + ".py", stem + "/__init__.py"]
    if os.environ.get("BENCH_ALLOW_UNCOMMITTED"):
        return any((ROOT / path).exists() for path in paths)
    return any(
        subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "--error-unmatch", path], capture_output=True, check=False
        ).returncode
        == 0
        for path in paths
    )


def _timed(fn: Callable[[], Any], repeats: int, before: Callable[[], None] | None = None) -> dict[str, Any]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return {"times": times, "result": result}


def _rss_bytes() -> int:
    """Peak resident memory of this process: ``VmHWM`` of /proc/self/status.

    ``ru_maxrss`` is not used on Linux: it survives ``execve`` and so starts at the parent's peak
    (the parent holds the generated registers), while ``VmHWM`` belongs to the new address space.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --------------------------------------------------------------------------------------------- naive way
def naive_load(register: Path, geodata: Path) -> Any:
    """Re-read both files: ``geopandas.read_file`` + ``pandas.read_csv``, join on id, check validity."""
    import geopandas as gpd
    import pandas as pd

    geo = gpd.read_file(geodata / "projects.geojson")
    rows = pd.read_csv(register, dtype=str, keep_default_na=False)
    frame = geo.merge(rows, on="id", how="inner")
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_numeric(frame[column].replace("", None)).astype("Int64")
    if not frame.geometry.is_valid.all():
        raise ValueError("invalid geometry")
    return frame


def naive_filter(frame: Any) -> Any:
    statuses, (y0, y1), text = FILTER_STATUSES, FILTER_YEARS, FILTER_SEARCH
    mask = frame["status"].isin(statuses)
    mask &= (frame["period_start"] <= y1).fillna(False) & (frame["period_end"] >= y0).fillna(False)
    found = frame["name_vi"].str.contains(text, case=False, regex=False)
    found |= frame["name_en"].str.contains(text, case=False, regex=False)
    return frame[mask & found]


def naive_summary(frame: Any) -> dict[str, Any]:
    projected = frame.to_crs("EPSG:5897")
    lines = projected.geom_type.str.contains("Line")
    polys = projected.geom_type.str.contains("Polygon")
    return {
        "count": len(frame),
        "by_status": frame["status"].value_counts().to_dict(),
        "by_sector": frame["sector"].value_counts().to_dict(),
        "by_funding": frame["funding_type"].value_counts().to_dict(),
        "total_km": float(projected[lines].length.sum() / 1000),
        "total_ha": float(projected[polys].area.sum() / 10_000),
    }


def naive_map_html(frame: Any) -> str:
    import folium

    fmap = folium.Map(location=[10.0, 105.75], zoom_start=10)
    folium.GeoJson(frame, tooltip=folium.GeoJsonTooltip(fields=["name_vi", "status"])).add_to(fmap)
    return str(fmap.get_root().render())


# --------------------------------------------------------------------------------------------- workers
def _library_frame(register: Path, geodata: Path) -> Any:
    from portfolio import register as reg

    return reg.load(register, geodata)


def _clear_load_caches() -> None:
    """Empty every cache a load fills (the frame, the bundled layers and boundary, the per-cell
    caches of the period history's reading and checks, and of the text folding the derived search
    text uses), where the module has it."""
    import importlib

    for module, names in (
        ("portfolio.register", ("_load_cached", "_load_layer_cached", "_load_boundary_cached")),
        ("portfolio.schema", ("parse_period_history",)),
        ("portfolio._rows", ("_history_checks_cached",)),
        ("portfolio._text", ("normalise", "search_forms")),  # the derived search text folds at load
    ):
        loaded = importlib.import_module(module)
        for name in names:
            cached = getattr(loaded, name, None)
            if cached is not None and hasattr(cached, "cache_clear"):
                cached.cache_clear()


def _cold_load(register: Path, geodata: Path) -> Any:
    _clear_load_caches()
    return _library_frame(register, geodata)


def _make_filter() -> Any:
    from portfolio.query import Filter

    return Filter(
        statuses=FILTER_STATUSES, year_from=FILTER_YEARS[0], year_to=FILTER_YEARS[1], search=FILTER_SEARCH
    )


def _map_html(frame: Any, geodata: Path) -> str:
    """Build the library's map of ``frame`` and render the HTML that the app sends to the browser."""
    mapview = importlib.import_module("portfolio.mapview")
    for name in ("build_map", "make_map", "portfolio_map", "create_map"):
        fn = getattr(mapview, name, None)
        if fn is not None:
            break
    else:
        raise RuntimeError("portfolio.mapview has no build_map()")
    import inspect

    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "geodata" in params:
        kwargs["geodata"] = geodata
    from portfolio import register as reg

    # Draw the bundled background as the app does (the boundary and rivers/roads of the geodata folder).
    if "boundary" in params and hasattr(reg, "load_boundary"):
        kwargs["boundary"] = reg.load_boundary(geodata)
    if "background" in params and hasattr(reg, "load_background"):
        kwargs["background"] = reg.load_background(geodata)
    fmap = fn(frame, **kwargs)
    return str(fmap.get_root().render())


def worker_library(register: Path, geodata: Path, repeats: tuple[int, int, int], out: Path) -> dict[str, Any]:
    heavy, light, _ = repeats
    res: dict[str, Any] = {}

    def step(key: str, module: str, fn: Callable[[], dict[str, Any]]) -> None:
        if module and not _landed(module):
            res[key] = {"missing": module}
            return
        try:
            res[key] = fn()
        except Exception as exc:  # report, do not abort the benchmark
            res[key] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        _log(f"  {key}: {_brief(res[key])}")

    def load() -> dict[str, Any]:
        r = _timed(lambda: _library_frame(register, geodata), heavy, before=_clear_load_caches)
        return {"times": r["times"], "rows": len(r["result"])}

    step("load", "portfolio.register", load)
    frame = _library_frame(register, geodata)
    step(
        "load_warm",
        "portfolio.register",
        lambda: {"times": _timed(lambda: _library_frame(register, geodata), light)["times"]},
    )

    def filt() -> dict[str, Any]:
        flt = _make_filter()
        r = _timed(lambda: flt.apply(frame), light)
        return {"times": r["times"], "rows": len(r["result"])}

    step("filter", "portfolio.query", filt)

    def summary() -> dict[str, Any]:
        from portfolio.measure import summary as summarise

        r = _timed(lambda: summarise(frame), heavy)
        return {"times": r["times"], "count": getattr(r["result"], "count", None)}

    step("summary", "portfolio.measure", summary)

    def export() -> dict[str, Any]:
        from portfolio.export import export as export_frame

        path = out.parent / f"{out.stem}-export.geojson"
        r = _timed(lambda: export_frame(frame, path, "geojson"), heavy)
        return {"times": r["times"], "bytes": path.stat().st_size}

    step("export", "portfolio.export", export)

    def fmap() -> dict[str, Any]:
        r = _timed(lambda: _map_html(frame, geodata), heavy)
        res["payload"] = {"value": len(r["result"].encode("utf-8"))}
        return {"times": r["times"]}

    step("map", "portfolio.mapview", fmap)
    res["rss"] = {"value": _rss_bytes()}
    return res


def worker_naive(register: Path, geodata: Path, repeats: tuple[int, int, int], out: Path) -> dict[str, Any]:
    heavy, light, _ = repeats
    res: dict[str, Any] = {}
    r = _timed(lambda: naive_load(register, geodata), heavy)
    res["load"] = {"times": r["times"], "rows": len(r["result"])}
    _log(f"  naive load: {_brief(res['load'])}")
    # The naive way has no cache: a "warm" load is another full read.
    res["load_warm"] = {"times": _timed(lambda: naive_load(register, geodata), heavy)["times"]}
    r = _timed(lambda: naive_filter(naive_load(register, geodata)), heavy)
    res["filter"] = {"times": r["times"], "rows": len(r["result"])}
    r = _timed(lambda: naive_summary(naive_load(register, geodata)), heavy)
    res["summary"] = {"times": r["times"], "count": r["result"]["count"]}
    path = out.parent / f"{out.stem}-export.geojson"

    def export() -> None:
        frame = naive_load(register, geodata)
        if path.exists():
            path.unlink()
        frame.to_file(path, driver="GeoJSON")

    res["export"] = {"times": _timed(export, heavy)["times"]}
    r = _timed(lambda: naive_map_html(naive_load(register, geodata)), heavy)
    res["map"] = {"times": r["times"]}
    res["payload"] = {"value": len(r["result"].encode("utf-8"))}
    _log(f"  naive map: {_brief(res['map'])}, payload {res['payload']['value']:,} B")
    res["rss"] = {"value": _rss_bytes()}
    return res


def _status_widget(at: Any) -> Any:
    """The app's status multiselect (by key, then by label), or None."""
    for widget in at.multiselect:
        key = str(getattr(widget, "key", "") or "").lower()
        label = str(getattr(widget, "label", "") or "").lower()
        if "status" in key or "status" in label or "trạng thái" in label:
            return widget
    return None


def _status_value(widget: Any, statuses: tuple[str, ...]) -> list[Any]:
    """The widget's option values for ``statuses`` (options may be codes or labels)."""
    from portfolio import schema

    options = list(getattr(widget, "options", []) or [])
    chosen: list[Any] = []
    for code in statuses:
        vi, en, _ = schema.STATUSES[code]
        for option in options:
            if str(option) in (code, vi, en) or str(option).endswith(f"({code})"):
                chosen.append(option)
                break
    return chosen or [statuses[0]]


def _component_bytes(at: Any) -> int:
    """Bytes of the custom components' arguments (the st_folium map sent to the browser)."""
    total = 0
    for element in at.get("component_instance"):
        proto = getattr(element, "proto", None)
        if proto is not None:
            total += len(proto.json_args.encode("utf-8"))
    return total


def worker_app(app: Path, register: Path, geodata: Path, repeats: tuple[int, int, int]) -> dict[str, Any]:
    """Run ``app`` through AppTest: a first run, then reruns each after a status filter change."""
    os.environ["PORTFOLIO_REGISTER"] = str(register)
    os.environ["PORTFOLIO_GEODATA"] = str(geodata)
    os.chdir(app.parent)
    from streamlit.testing.v1 import AppTest

    reruns = repeats[2]
    res: dict[str, Any] = {}
    at = AppTest.from_file(str(app), default_timeout=300)
    start = time.perf_counter()
    at.run()
    res["app_first"] = {"times": [time.perf_counter() - start]}
    if at.exception:
        res["app_first"] = {"error": f"app raised: {str(at.exception[0].value)[:200]}"}
        res["app_rerun"] = {"error": "app raised on first run"}
        return res
    res["app_payload"] = {"value": _component_bytes(at)}
    widget = _status_widget(at)
    if widget is None:
        res["app_rerun"] = {"error": "no status multiselect found in the app"}
        return res
    key = getattr(widget, "key", None)
    times: list[float] = []
    for statuses in APP_STATUS_CYCLE[:reruns]:
        widget = _status_widget(at)
        widget.set_value(_status_value(widget, statuses))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            res["app_rerun"] = {"error": f"app raised: {str(at.exception[0].value)[:200]}"}
            return res
    res["app_rerun"] = {"times": times, "widget": str(key)}
    res["rss"] = {"value": _rss_bytes()}
    return res


def worker_floor(out: Path, reruns: int) -> dict[str, Any]:
    """AppTest's own cost: reruns of a script with one multiselect and one line of text."""
    from streamlit.testing.v1 import AppTest

    script = out.parent / "floor_app.py"
    script.write_text(
        'import streamlit as st\nst.write(st.multiselect("status", list("abcdef"), key="f_status"))\n',
        encoding="utf-8",
    )
    at = AppTest.from_file(str(script), default_timeout=60)
    at.run()
    times = []
    for i in range(max(reruns, 5)):
        at.multiselect[0].set_value([list("abcdef")[i % 6]])
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
    return {"app_rerun": {"times": times}}


def _brief(entry: dict[str, Any]) -> str:
    if "times" in entry:
        return f"median {statistics.median(entry['times']):.3f} s over {len(entry['times'])}"
    return json.dumps(entry)[:200]


def worker_main(args: argparse.Namespace) -> None:
    import folium  # noqa: F401  (imports first, so the RSS after imports is the baseline)
    import geopandas  # noqa: F401
    import pyproj  # noqa: F401

    import portfolio.register  # noqa: F401

    rss_imports = _rss_bytes()
    repeats = tuple(int(x) for x in args.repeats.split(","))
    out = Path(args.out)
    register, geodata = Path(args.register), Path(args.geodata)
    if args.worker == "library":
        res = worker_library(register, geodata, repeats, out)  # type: ignore[arg-type]
    elif args.worker == "naive":
        res = worker_naive(register, geodata, repeats, out)  # type: ignore[arg-type]
    elif args.worker == "floor":
        res = worker_floor(out, repeats[2])
    elif args.worker in ("app", "naive_app"):
        app = ROOT / "app.py" if args.worker == "app" else HERE / "naive_app.py"
        res = worker_app(app, register, geodata, repeats)  # type: ignore[arg-type]
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    if "rss" in res:
        res["rss"]["imports"] = rss_imports
    out.write_text(json.dumps(res), encoding="utf-8")


def run_worker(
    kind: str, register: Path, geodata: Path, repeats: tuple[int, int, int], tmp: Path, label: str
) -> dict[str, Any]:
    out = tmp / f"{label}-{kind}.json"
    cmd = [
        PY,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--register",
        str(register),
        "--geodata",
        str(geodata),
        "--repeats",
        ",".join(map(str, repeats)),
        "--out",
        str(out),
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(cmd, env=env, check=False, cwd=ROOT, timeout=900)
    if done.returncode != 0 or not out.exists():
        return {"_error": f"worker {kind} exited {done.returncode}"}
    return dict(json.loads(out.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------------------------- report
def machine() -> dict[str, str]:
    from importlib import metadata

    import geopandas
    import pandas
    import pyogrio
    import shapely
    import streamlit

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    mem = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB RAM"
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "gdal": pyogrio.__gdal_version_string__,
        "versions": (
            f"geopandas {geopandas.__version__}, shapely {shapely.__version__}, "
            f"pandas {pandas.__version__}, folium {metadata.version('folium')}, "
            f"streamlit {streamlit.__version__}"
        ),
        "os": platform.platform(),
    }


def _fmt_value(key: str, value: float) -> str:
    if key in ("payload", "app_payload"):
        return f"{value / 1e6:.2f} MB"
    if key == "rss":
        return f"{value / 2**20:.0f} MiB"
    if key == "rss_growth":
        return f"+{value / 2**20:.0f} MiB"
    if value >= 1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms" if value >= 0.001 else f"{value * 1e6:.0f} µs"


def _cell(key: str, entry: dict[str, Any] | None) -> tuple[str, float | None]:
    if entry is None:
        return "—", None
    if "missing" in entry:
        return "not measured: module missing", None
    if "error" in entry:
        return f"not measured: {entry['error']}".replace("|", "/"), None
    if "times" in entry:
        t = entry["times"]
        med = statistics.median(t)
        spread = (
            f" ({_fmt_value(key, min(t))}–{_fmt_value(key, max(t))}, n={len(t)})" if len(t) > 1 else " (n=1)"
        )
        return _fmt_value(key, med) + spread, med
    if "value" in entry:
        text = _fmt_value(key, entry["value"])
        if key == "rss" and "imports" in entry:
            text += f" ({_fmt_value('rss_growth', entry['value'] - entry['imports'])} over imports)"
        return text, float(entry["value"])
    return "—", None


def build_report(
    meta: dict[str, Any], results: dict[str, dict[str, dict[str, Any]]], registers: dict[str, dict[str, Any]]
) -> str:
    m = meta["machine"]
    lines = [
        "# Benchmark results (issue 6)",
        "",
        f"Command: `{meta['command']}` (`make bench`), run {meta['date']}, took {meta['elapsed']:.0f} s.",
        "",
        f"Machine: `nproc` = {m['nproc']}, CPU {m['cpu']}, {m['memory']}; Python {m['python']}, "
        f"GDAL {m['gdal']}; {m['versions']}; {m['os']}. Load average (1 min) at start / end: "
        f"{meta['load'][0]:.1f} / {meta['load'][1]:.1f} (other work on the machine inflates the times "
        "and their spread).",
        "",
        "Each time is the median of repeated runs (min–max and the number of runs in brackets). "
        f"Repeats per size (heavy steps, filter/warm load, app reruns): {meta['repeats']}. "
        "Load + validate is cold: the load caches are cleared before each run. Summary, export and map "
        "cover the whole register; the filter is statuses planned + under construction, years 2020–2030, "
        'search "cầu". The app rerun follows a change of the status multiselect (a different selection '
        "each time). Peak memory is the max RSS of the subprocess that ran that way's steps "
        "(the library's and the naive one's on their own, the app's with AppTest). "
        "Every run of a step is on the same loaded register, so the library's median is the warm cost "
        "(the measures, latest periods, years and search text are columns derived at load; the search "
        'index is memoised per loaded register); "first call" is the '
        "first run after the load, cold (for the app: the first rerun after the first run). "
        "Ratio = library / naive (below 1 is faster or smaller than the naive way).",
        "",
        "## Registers",
        "",
        "| register | projects | lines | polygons | points | vertices | CSV | GeoJSON | generated in |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, info in registers.items():
        lines.append(
            f"| {label} | {info['n']:,} | {info.get('lines', '')} | {info.get('polygons', '')} | "
            f"{info.get('points', '')} | {info.get('vertices', 0):,} | {info['csv_bytes'] / 1e6:.2f} MB | "
            f"{info['geojson_bytes'] / 1e6:.2f} MB | {info.get('gen_s', 0):.1f} s |"
        )
    lines += [
        "",
        "## Targets",
        "",
        "Met or missed is judged on the median; the first call after a load is shown beside it.",
        "",
        "| target | register | limit | median | | first call | |",
        "|---|---|---:|---:|---|---:|---|",
    ]
    names = {k: name for k, name, _ in STEPS}
    for (key, label), limit in TARGETS.items():
        res = results.get(label, {})
        entry = (
            res.get("library", {}).get(key)
            if key not in ("app_rerun", "app_first")
            else res.get("app", {}).get(key)
        )
        text, value = _cell(key, entry)
        verdict = "not measured" if value is None else ("**met**" if value < limit else "**missed**")
        first, first_verdict = "", ""
        if key in FIRST_CALL and entry and entry.get("times"):
            t0 = entry["times"][0]
            first, first_verdict = _fmt_value(key, t0), ("met" if t0 < limit else "missed")
        lines.append(
            f"| {names[key]} | {label} | {_fmt_value(key, limit)} | {text} | {verdict} | "
            f"{first} | {first_verdict} |"
        )
    lines += [
        "",
        "## All steps",
        "",
        "| step | register | library | library, first call | naive | ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for key, name, _ in STEPS:
        for label in results:
            res = results[label]
            if key.startswith("app"):
                lib, naive = res.get("app", {}).get(key), res.get("naive_app", {}).get(key)
            else:
                lib, naive = res.get("library", {}).get(key), res.get("naive", {}).get(key)
            lib_text, lib_v = _cell(key, lib)
            naive_text, naive_v = _cell(key, naive)
            ratio = f"{lib_v / naive_v:.2f}×" if lib_v is not None and naive_v else "—"
            first = _fmt_value(key, lib["times"][0]) if lib and lib.get("times") and key in FIRST_CALL else ""
            lines.append(f"| {name} | {label} | {lib_text} | {first} | {naive_text} | {ratio} |")
    lines += [
        "",
        "Peak memory of the AppTest subprocess (library app / naive app): "
        + "; ".join(
            f"{lbl} {_cell('rss', results[lbl].get('app', {}).get('rss'))[0]} / "
            f"{_cell('rss', results[lbl].get('naive_app', {}).get('rss'))[0]}"
            for lbl in results
        )
        + ".",
    ]
    notes = meta.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- main
def profile_step(step: str, n: int) -> None:
    """Run one library step on a synthetic register of ``n`` under cProfile; print the top functions."""
    import synth

    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        syn = synth.generate(n, tmp / f"n{n}")
        frame = _library_frame(syn.register, syn.geodata) if step not in ("load", "app") else None
        calls: dict[str, Callable[[], Any]] = {
            "load": lambda: _cold_load(syn.register, syn.geodata),
            "filter": lambda: _make_filter().apply(frame),
            "summary": lambda: importlib.import_module("portfolio.measure").summary(frame),
            "export": lambda: importlib.import_module("portfolio.export").export(
                frame, tmp / "out.geojson", "geojson"
            ),
            "map": lambda: _map_html(frame, syn.geodata),
        }
        if step == "app":
            _profile_app(syn.register, syn.geodata, tmp)
            return
        prof = cProfile.Profile()
        prof.enable()
        calls[step]()
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(35)
        print(text.getvalue())
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(20)
        print(text.getvalue())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _describe_real(register: Path, geodata: Path) -> dict[str, Any]:
    """Counts of the real register, as :class:`synth.Synthetic` gives them for a synthetic one."""
    import shapely

    from portfolio import register as reg

    frame = reg.load(register, geodata)
    kinds = frame.geometry.geom_type.str.removeprefix("Multi")
    return {
        "n": len(frame),
        "lines": int((kinds == "LineString").sum()),
        "polygons": int((kinds == "Polygon").sum()),
        "points": int((kinds == "Point").sum()),
        "vertices": int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum()),
        "csv_bytes": register.stat().st_size,
        "geojson_bytes": (geodata / reg.PROJECTS_FILE).stat().st_size,
    }


def _profile_app(register: Path, geodata: Path, tmp: Path) -> None:
    """Profile app.py's first run and one rerun after a status change (AppTest runs the script in
    another thread, which cProfile does not follow: a wrapper script profiles inside that thread)."""
    wrapper = tmp / "profiled_app.py"
    wrapper.write_text(
        "import cProfile, runpy, streamlit as st\n"
        "n = st.session_state.get('_bench_run', 0)\n"
        "st.session_state['_bench_run'] = n + 1\n"
        "prof = cProfile.Profile()\nprof.enable()\n"
        "try:\n"
        f"    runpy.run_path({str(ROOT / 'app.py')!r}, run_name='__main__')\n"
        "finally:\n"
        f"    prof.disable()\n    prof.dump_stats({str(tmp)!r} + f'/app-{{n}}.prof')\n",
        encoding="utf-8",
    )
    os.environ["PORTFOLIO_REGISTER"], os.environ["PORTFOLIO_GEODATA"] = str(register), str(geodata)
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(wrapper), default_timeout=900)
    at.run()
    widget = _status_widget(at)
    if widget is not None:
        widget.set_value(_status_value(widget, ("planned",)))
        at.run()
    for n, title in ((0, "first run"), (1, "rerun after a status change")):
        path = tmp / f"app-{n}.prof"
        if path.exists():
            print(f"===== app {title}")
            pstats.Stats(str(path)).sort_stats("cumulative").print_stats(
                f"{re.escape(str(ROOT))}|geopandas|folium", 40
            )


def real_register() -> tuple[Path, Path] | None:
    register, geodata = ROOT / "projects.csv", ROOT / "geodata"
    if not register.exists() or not (geodata / "projects.geojson").exists():
        return None
    return register, geodata


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the portfolio (issue 6).")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--no-real", action="store_true", help="skip the real register")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    parser.add_argument("--profile", choices=["load", "filter", "summary", "export", "map", "app"])
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--database",
        metavar="URL",
        help="also measure the database path (benchmarks/db.py) in this database, which it overwrites",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--register", help=argparse.SUPPRESS)
    parser.add_argument("--geodata", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.profile:
        profile_step(args.profile, max(sizes))
        return

    import synth

    from portfolio.validate import validate

    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    table = QUICK if args.quick else REPEATS
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    notes: list[str] = []
    registers: dict[str, dict[str, Any]] = {}
    targets: dict[str, tuple[Path, Path, tuple[int, int, int]]] = {}
    try:
        real = None if args.no_real else real_register()
        if real is not None:
            problems = validate(*real)
            if problems:
                notes.append(
                    f"real register skipped: {len(problems)} validation problems (first: {problems[0]})"
                )
            else:
                reg, geo = real
                registers["real"] = _describe_real(reg, geo)
                targets["real"] = (reg, geo, table[100])
        elif not args.no_real:
            notes.append("real register not measured: projects.csv or geodata/projects.geojson missing")
        for n in sizes:
            t0 = time.perf_counter()
            syn = synth.generate(n, tmp / f"n{n}", seed=args.seed)
            gen_s = time.perf_counter() - t0
            problems = validate(syn.register, syn.geodata)
            if problems:
                raise SystemExit(f"synthetic register of {n} is invalid: {problems[:3]}")
            info = asdict(syn)
            info.update(gen_s=gen_s)
            registers[str(n)] = info
            targets[str(n)] = (syn.register, syn.geodata, table.get(n, table[10000]))
            _log(f"generated {n}: {syn.vertices:,} vertices, {syn.geojson_bytes / 1e6:.1f} MB GeoJSON")
        notes.append(
            f"synthetic registers from `benchmarks/synth.py`, seed {args.seed}, city outline "
            f"`{synth.boundary_source()}` (read at run time)"
        )
        results: dict[str, dict[str, dict[str, Any]]] = {}
        app_landed = _landed("app.py")
        for label, (reg, geo, reps) in targets.items():
            _log(f"register {label}: repeats {reps}")
            results[label] = {}
            for kind in ("library", "naive"):
                _log(f" {kind}")
                results[label][kind] = run_worker(kind, reg, geo, reps, tmp, label)
            if app_landed:
                for kind in ("app", "naive_app"):
                    _log(f" {kind}")
                    results[label][kind] = run_worker(kind, reg, geo, reps, tmp, label)
            else:
                missing = {"app_first": {"missing": "app.py"}, "app_rerun": {"missing": "app.py"}}
                results[label]["app"] = missing
                results[label]["naive_app"] = run_worker("naive_app", reg, geo, reps, tmp, label)
        floor = run_worker("floor", tmp, tmp, table[100], tmp, "floor").get("app_rerun")
        if floor and "times" in floor:
            notes.append(
                "AppTest's own floor: a rerun of a one-widget script after a change takes "
                f"{_cell('app_rerun', floor)[0]}; app reruns above include it"
            )
        meta = {
            "machine": machine(),
            "command": " ".join([".venv/bin/python", "benchmarks/run.py", *sys.argv[1:]]),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "elapsed": time.perf_counter() - started,
            "repeats": "; ".join(f"{n}: {table.get(n, table[10000])}" for n in sizes)
            + (f"; real: {table[100]}" if "real" in targets else ""),
            "notes": notes,
            "load": (load_start, os.getloadavg()[0]),
        }
        report = build_report(meta, results, registers)
        print(report)
        previous = Path(args.out).read_text(encoding="utf-8") if Path(args.out).exists() else ""
        Path(args.out).write_text(report, encoding="utf-8")
        import db  # the database path (issue 9): its section is kept, or measured again with --database

        if args.database:
            db.main(["--database", args.database, "--out", args.out])
        elif db.BEGIN in previous and db.END in previous:
            db.write_section(
                Path(args.out), previous[previous.index(db.BEGIN) : previous.index(db.END)] + db.END + "\n"
            )
        (tmp.parent / "bench-last.json").write_text(json.dumps(results), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
