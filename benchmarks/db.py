"""The database path of the benchmark (issue 9): the register in PostgreSQL + PostGIS beside the files.

``python benchmarks/db.py --database postgresql://USER:PASSWORD@HOST:PORT/DBNAME`` (``benchmarks/run.py
--database URL`` runs it after its own steps) generates the seeded synthetic registers of
:mod:`synth` (10,000 and 100,000 projects by default), loads each into the database (which it
re-initialises: **every table of the register in that database is replaced**), and measures, each as the
median of repeated runs:

- the store's version check (what every app rerun costs before its cached frame is reused);
- load + validate of the whole register from the database, cold (the register's cache cleared);
- each filter the database can do, run in SQL by :func:`portfolio.stores.postgis.select` (with the
  rows fetched and turned into a GeoDataFrame), beside the same filter on the loaded frame
  (:meth:`portfolio.query.Filter.apply`, the file path once its load is cached), with the planner's
  execution time from ``EXPLAIN ANALYZE`` and the index it used;
- load + validate from the files (the file path, cold), where the files are within the readers' input
  limit (50 MiB per file: the 100,000-project GeoJSON is over it, so the file path cannot load it).

The synthetic files are read into the database with plain ``csv`` and GDAL (not the checked readers,
which refuse files over the limit). The report section replaces the one between the markers in
``benchmarks/RESULTS.md`` (``--out`` for another file); the raw figures go to ``$TMPDIR/bench-db.json``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

BEGIN = "<!-- database path (benchmarks/db.py): begin -->"
END = "<!-- database path (benchmarks/db.py): end -->"


def _timed(fn: Callable[[], Any], repeats: int) -> dict[str, Any]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "n": repeats,
        "result": result,
    }


def _count(fn: Callable[..., Any], *args: Any) -> int:
    return len(fn(*args))


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _cell(m: dict[str, Any]) -> str:
    return f"{_fmt(m['median'])} ({_fmt(m['min'])}–{_fmt(m['max'])}, n={m['n']})"


def load_synthetic(register: Path, geodata: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The synthetic rows (text by column) and their geometries as hex EWKB, read without the limits."""
    import geopandas as gpd
    import numpy as np
    import shapely

    with register.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    frame = gpd.read_file(geodata / "projects.geojson")
    by_id = dict(zip(frame["id"], frame.geometry, strict=True))
    geoms = shapely.set_srid(np.array([by_id[r["id"]] for r in rows], dtype=object), 4326)
    return rows, list(shapely.to_wkb(geoms, hex=True, include_srid=True, output_dimension=2))


def _filters(rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    from portfolio import schema

    owner = next(r["owner"] for r in rows if r["owner"])
    commune = schema.split_list(next(r["communes"] for r in rows if r["communes"]))[0]
    district = schema.split_list(
        next(r["districts_before_2025"] for r in rows if r["districts_before_2025"])
    )[0]
    name = rows[len(rows) // 2]["name_vi"]
    return {
        "status (1 of 6)": {"statuses": ("suspended",)},
        "status + timeframe + search (run.py's)": {
            "statuses": ("planned", "under_construction"),
            "year_from": 2020,
            "year_to": 2030,
            "search": "cầu",
        },
        "timeframe 2026–2030, dated only": {"year_from": 2026, "year_to": 2030, "undated": "exclude"},
        "sector": {"sectors": ("industrial_zone",)},
        "owner": {"owners": (owner,)},
        "commune": {"communes": (commune,)},
        "bbox 0.05° × 0.05°": {"bbox": (105.75, 10.0, 105.80, 10.05)},
        "district": {"districts": (district,)},
        "search, a common word": {"search": "cầu"},
        "search, one project's name": {"search": name},
    }


def _plan_summary(plan: str) -> tuple[str, float]:
    """The indexes the plan scans and its execution time in seconds."""
    used = sorted(
        set(re.findall(r"(?:Bitmap Index Scan on|Index Scan using|Index Only Scan using) (\w+)", plan))
    )
    seq = "Seq Scan on projects" in plan
    ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return (", ".join(used) or "—") + (" + seq scan" if seq else ""), float(ms.group(1)) / 1000 if ms else 0.0


def bench_size(url: str, n: int, folder: Path, repeats: int, seed: int) -> dict[str, Any]:
    import synth

    from portfolio import register
    from portfolio.query import Filter
    from portfolio.stores import postgis

    out: dict[str, Any] = {"n": n}
    target = folder / f"n{n}"
    t0 = time.perf_counter()
    if (target / "projects.csv").exists() and (target / "geodata" / "projects.geojson").exists():
        out["generated"] = "reused"
        syn = None
    else:
        syn = synth.generate(n, target, seed=seed)
        out["generated"] = f"{time.perf_counter() - t0:.0f} s"
    reg, geo = target / "projects.csv", target / "geodata"
    out["geojson_bytes"] = (geo / "projects.geojson").stat().st_size
    out["csv_bytes"] = reg.stat().st_size
    rows, wkb = load_synthetic(reg, geo)
    out["vertices"] = syn.vertices if syn else None

    postgis.init(url)
    t0 = time.perf_counter()
    with postgis.connect(url) as conn:
        postgis.replace_rows(conn, rows, wkb)
        conn.commit()
    out["copy_s"] = time.perf_counter() - t0
    with postgis.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE projects")
    del wkb

    store = postgis.PostGISStore(url, geo)
    out["version"] = _timed(store.version, repeats * 4)

    from run import _clear_load_caches  # the same caches as run.py's cold load (frame, layers, per-cell)

    def cold_db() -> int:
        _clear_load_caches()
        return len(register.load(store=store))

    out["load_db"] = _timed(cold_db, 1 if n > 20_000 else repeats)
    frame = register.load(store=store)
    within = max(out["geojson_bytes"], out["csv_bytes"]) <= 50 * 1024 * 1024
    if within:

        def cold_files() -> int:
            _clear_load_caches()
            return len(register.load(reg, geo))

        out["load_files"] = _timed(cold_files, repeats)
    out["filters"] = {}
    for name, criteria in _filters(rows).items():
        flt = Filter(**criteria)
        flt.apply(frame)  # the first call builds the search index: measured apart by run.py
        pandas = _timed(functools.partial(_count, flt.apply, frame), repeats)
        database = _timed(functools.partial(_count, postgis.select, store, flt), repeats)
        assert pandas["result"] == database["result"], (name, pandas["result"], database["result"])
        used, execution = _plan_summary(postgis.explain(store, flt, analyze=True))
        out["filters"][name] = {
            "criteria": {k: list(v) if isinstance(v, tuple) else v for k, v in criteria.items()},
            "rows": database["result"],
            "pandas": pandas,
            "select": database,
            "sql_execution_s": execution,
            "indexes": used,
        }
    return out


def report(results: list[dict[str, Any]], command: str, started: float, load: tuple[float, float]) -> str:
    import platform

    import psycopg

    lines = [
        BEGIN,
        "",
        "## Database path (PostgreSQL + PostGIS, `benchmarks/db.py`)",
        "",
        f"Command: `{command}`, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}, "
        f"took {time.time() - started:.0f} s. psycopg {psycopg.__version__}, "
        f"Python {platform.python_version()}; load average (1 min) at start / end: "
        f"{load[0]:.1f} / {load[1]:.1f} (other work on the machine inflates the times).",
        "",
        "The file path keeps the whole register in memory once loaded (cached on the files' state) and "
        "filters it with pandas; the database path runs the filter in SQL on every call and fetches "
        "only the rows found (`postgis.select`, which also turns them into a GeoDataFrame). "
        '"SQL" is PostgreSQL\'s own execution time (`EXPLAIN ANALYZE`).',
        "",
    ]
    for res in results:
        n = res["n"]
        lines += [
            f"### {n:,} synthetic projects",
            "",
            f"GeoJSON {res['geojson_bytes'] / 1e6:.1f} MB, CSV {res['csv_bytes'] / 1e6:.1f} MB"
            + (f", {res['vertices']:,} vertices" if res.get("vertices") else "")
            + f"; COPY into the database: {_fmt(res['copy_s'])}.",
            "",
            "| step | files | database |",
            "|---|---:|---:|",
            f"| version check (each rerun) | file states | {_cell(res['version'])} |",
        ]
        files = (
            _cell(res["load_files"])
            if "load_files" in res
            else "refused: GeoJSON over the 50 MiB input limit"
        )
        lines.append(f"| load + validate, cold | {files} | {_cell(res['load_db'])} |")
        lines += [
            "",
            "| filter | rows | files: `Filter.apply` on the loaded frame | database: `select` "
            "| SQL | indexes used |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for name, f in res["filters"].items():
            lines.append(
                f"| {name} | {f['rows']:,} | {_cell(f['pandas'])} | {_cell(f['select'])} | "
                f"{_fmt(f['sql_execution_s'])} | {f['indexes']} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a database this benchmark may overwrite")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--synthetic", type=Path, help="folder holding (or to hold) nN/ synthetic registers")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    started, load0 = time.time(), os.getloadavg()[0]
    folder = args.synthetic or Path(tempfile.mkdtemp(prefix="bench-db-"))
    results = []
    for n in [int(s) for s in args.sizes.split(",") if s]:
        print(f"{n}: ...", file=sys.stderr, flush=True)
        results.append(bench_size(args.database, n, folder, args.repeats, args.seed))
        print(
            json.dumps({k: v for k, v in results[-1].items() if k != "filters"}, default=str)[:400],
            file=sys.stderr,
            flush=True,
        )
    from portfolio.stores import redact

    shown = (
        f".venv/bin/python benchmarks/db.py --database {redact(args.database)} --sizes {args.sizes} "
        f"--repeats {args.repeats} --seed {args.seed}"
    )
    section = report(results, shown, started, (load0, os.getloadavg()[0]))
    write_section(args.out, section)
    (Path(tempfile.gettempdir()) / "bench-db.json").write_text(
        json.dumps(results, default=str), encoding="utf-8"
    )
    print(section)


if __name__ == "__main__":
    main()
