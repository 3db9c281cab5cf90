"""Interleaved A/B of the GeoJSON export in two checkouts on one synthetic register (issue 9's export target).

Run: ``.venv/bin/python benchmarks/ab_export.py BEFORE_ROOT AFTER_ROOT REGISTER_DIR [N]`` where REGISTER_DIR
holds a register written by ``benchmarks/synth.py`` and each ROOT is a checkout (``git worktree add``). Each
run is a fresh subprocess that loads the register, exports it once (the first call, which measures the
geometries) and then five more times (warm, as ``benchmarks/run.py`` times it: wall time, and the process's
CPU time, which other work on a shared machine disturbs less); the two sides alternate so both see the same
machine load. Prints the medians of N runs per side (seconds; the file's size in bytes).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

CODE = r"""
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
        medians = {key: f"{statistics.median(r[key] for r in found):.3f}" for key in found[0]}
        print(root, medians, f"n={len(found)}")


if __name__ == "__main__":
    main()
