"""Interleaved A/B of two checkouts on one synthetic register: cold load + validate, the bench's filter and
the summary, each run in a fresh subprocess, the two sides alternating so that both see the same machine load.

Run: ``.venv/bin/python benchmarks/ab.py BEFORE_ROOT AFTER_ROOT REGISTER_DIR [N]`` where REGISTER_DIR holds a
register written by ``benchmarks/synth.py`` (``python benchmarks/synth.py 10000 DIR``) and each ROOT is a
checkout of the repository (``git worktree add`` or ``git clone``). Prints the medians of N runs per side.
Use it when the machine is shared: ``benchmarks/run.py``'s absolute times then say more about the other
work than about the code, and the ratio between two checkouts measured in alternation says more.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CODE = r"""
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
"""


def main() -> None:
    before, after, folder = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    runs: dict[str, list[dict[str, float]]] = {before: [], after: []}
    for i in range(n):
        for root in (before, after) if i % 2 == 0 else (after, before):
            done = subprocess.run(
                [sys.executable, "-c", CODE, root, folder],
                capture_output=True,
                text=True,
                check=True,
                env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
            )
            runs[root].append(json.loads(done.stdout.strip().splitlines()[-1]))
    for root, found in runs.items():
        medians = {key: f"{statistics.median(r[key] for r in found):.3f} s" for key in found[0]}
        print(root, medians, f"n={len(found)}")


if __name__ == "__main__":
    main()
