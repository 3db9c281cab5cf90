"""Interleaved A/B of two checkouts on one synthetic register, each run in a fresh subprocess, the two
sides alternating so that both see the same machine load.

Run: ``.venv/bin/python benchmarks/ab.py BEFORE_ROOT AFTER_ROOT REGISTER_DIR [N] [--step load|export]``
where REGISTER_DIR holds a register written by ``benchmarks/synth.py`` (``python benchmarks/synth.py 10000
DIR``) and each ROOT is a checkout of the repository (``git worktree add`` or ``git clone``). Prints the
medians of N runs per side (seconds; the export's file size in bytes).

Steps:

- ``load`` (default): cold load + validate, the bench's filter (first call and median) and the summary;
- ``export``: load, then the GeoJSON export six times: the first call, and the median wall and CPU time of
  the other five (as ``benchmarks/run.py`` times it; CPU time is less disturbed by other work).

Use it when the machine is shared: ``benchmarks/run.py``'s absolute times then say more about the other
work than about the code, and the ratio between two checkouts measured in alternation says more.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

#: The script each run executes, by step: ``argv[1]`` is the checkout, ``argv[2]`` the register folder;
#: it prints one JSON object of figures.
STEPS = {
    "load": r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from portfolio import measure, register
from portfolio.query import Filter
folder = Path(sys.argv[2])
t = time.perf_counter(); frame = register.load(folder / "projects.csv", folder / "geodata")
load = time.perf_counter() - t
wanted = Filter(statuses=("planned", "under_construction"), year_from=2020, year_to=2030, search="cầu")
times = []
for _ in range(10):
    t = time.perf_counter(); wanted.apply(frame); times.append(time.perf_counter() - t)
t = time.perf_counter(); measure.summary(frame); summary = time.perf_counter() - t
print(json.dumps({"load": load, "filter_first": times[0], "filter": sorted(times)[5],
                  "summary_first": summary}))
""",
    "export": r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from portfolio import register
from portfolio.export import export
folder = Path(sys.argv[2])
frame = register.load(folder / "projects.csv", folder / "geodata")
out = Path(tempfile.mkdtemp()) / "out.geojson"
times, cpu = [], []
for _ in range(6):
    t, c = time.perf_counter(), time.process_time()
    export(frame, out, "geojson")
    times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
warm, warm_cpu = statistics.median(times[1:]), statistics.median(cpu[1:])
print(json.dumps({"first": times[0], "warm": warm, "warm_cpu": warm_cpu, "bytes": out.stat().st_size}))
""",
}


def main() -> None:
    args = sys.argv[1:]
    step = "load"
    if "--step" in args:
        at = args.index("--step")
        step = args[at + 1]
        del args[at : at + 2]
    if step not in STEPS or len(args) not in (3, 4):
        sys.exit(f"usage: ab.py BEFORE_ROOT AFTER_ROOT REGISTER_DIR [N] [--step {'|'.join(STEPS)}]")
    before, after, folder = args[:3]
    n = int(args[3]) if len(args) > 3 else 4
    runs: dict[str, list[dict[str, float]]] = {before: [], after: []}
    for i in range(n):
        for root in (before, after) if i % 2 == 0 else (after, before):
            done = subprocess.run(
                [sys.executable, "-c", STEPS[step], root, folder],
                capture_output=True,
                text=True,
                check=True,
                env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
            )
            runs[root].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for root, found in runs.items():
        medians = {key: f"{statistics.median(r[key] for r in found):.3f}" for key in found[0]}
        print(root, step, medians, f"n={len(found)}")


if __name__ == "__main__":
    main()
