"""Hostile files built for real, and a probe that reads one in a fresh "server" process (issue 11).

Reusable by any reader of uploads (layers, change sets): each builder writes a real file and
returns its path; :func:`probe` runs ``module:function(filename, data)`` on each file in one new
Python process, the way the app's server would, and returns what happened to each (the error's
rule, the seconds it took) and the process's peak resident memory before and after.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parent.parent

#: A view that never ends: a recursive CTE counting forever, reduced by max().
FOREVER_VIEW = (
    "SELECT fid, geom, n FROM base, (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL "
    "SELECT n + 1 FROM c) SELECT max(n) AS n FROM c)"
)
#: A view whose one row holds two 900 MB strings.
GIGABYTES_VIEW = (
    "SELECT fid, geom, printf('%.*c', 900000000, 'x') AS a, printf('%.*c', 900000000, 'y') AS b FROM base"
)


def plain_gpkg(path: Path) -> Path:
    """A valid GeoPackage with one point in Cần Thơ, layer ``base`` (as GDAL writes it)."""
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(105.75, 10.0)], crs="EPSG:4326").to_file(
        path, layer="base", driver="GPKG"
    )
    return path


def gpkg_with_view(path: Path, select: str, layer: str = "evil") -> Path:
    """A GeoPackage whose layer ``layer`` is a view ``select`` over the table ``base``, registered
    in ``gpkg_contents`` and ``gpkg_geometry_columns`` as GDAL expects, so GDAL would run it."""
    plain_gpkg(path)
    with sqlite3.connect(path) as con:
        con.execute(f'CREATE VIEW "{layer}" AS {select}')
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES (?, 'features', ?, 4326)",
            (layer, layer),
        )
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)", (layer,))
    con.close()
    return path


def gpkg_with_sql(path: Path, *statements: str) -> Path:
    """:func:`plain_gpkg` with ``statements`` run on it (a trigger, a virtual table…)."""
    plain_gpkg(path)
    with sqlite3.connect(path) as con:
        for statement in statements:
            con.execute(statement)
    con.close()
    return path


def million_points_geojson(path: Path) -> Path:
    """A 19 MB GeoJSON Feature whose MultiPoint holds 1,000,000 points."""
    coords = ",".join(f"[105.{i % 10000:04d},10.{i // 100:04d}]" for i in range(1_000_000))
    path.write_text(
        '{"type":"Feature","properties":{},"geometry":{"type":"MultiPoint","coordinates":[' + coords + "]}}",
        encoding="ascii",
    )
    return path


def zip_bomb(path: Path, members: int = 3, member_bytes: int = 200 << 20) -> Path:
    """A ZIP of ``members`` entries of ``member_bytes`` zeros each (200 MB deflates to 200 KB)."""
    chunk = b"\x00" * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(members):
            with archive.open(f"layer{index}.shp", "w", force_zip64=True) as fh:
                for _ in range(member_bytes // len(chunk)):
                    fh.write(chunk)
    return path


@dataclass(frozen=True)
class Probed:
    """What reading one file did in the probe process."""

    name: str
    rule: str  # the UploadError's first rule, "" when the file was read
    message: str
    seconds: float


_PROBE = r"""
import json, sys, time
from importlib import import_module
from pathlib import Path

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0

module, _, name = sys.argv[1].partition(":")
read = getattr(import_module(module), name)
from portfolio._errors import PortfolioError
out = {"before": peak(), "files": []}
for path in map(Path, sys.argv[2:]):
    data = path.read_bytes()
    start = time.monotonic()
    try:
        read(path.name, data)
        rule, message = "", ""
    except PortfolioError as exc:
        problems = getattr(exc, "problems", None)
        rule, message = (problems[0].rule, problems[0].message) if problems else ("error", str(exc))
    del data
    out["files"].append([path.name, rule, message, time.monotonic() - start])
out["after"] = peak()
print(json.dumps(out))
"""


def probe(reader: str, paths: list[Path], timeout: float = 600) -> tuple[list[Probed], int, int]:
    """Read each of ``paths`` with ``reader`` (``"module:function"``) in one new process.

    Returns the outcome of each file, and the process's peak resident memory (``VmHWM``, bytes)
    after its imports and after the last file.
    """
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, reader, *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return [Probed(*row) for row in out["files"]], out["before"], out["after"]


def many_points_kml(path: Path, points: int = 600_000) -> Path:
    """A KML whose one LineString holds ``points`` vertices (about 13 MB for 600,000)."""
    coords = " ".join(f"105.{i % 10000:04d},10.{i // 100:04d}" for i in range(points))
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Placemark><LineString><coordinates>{coords}</coordinates></LineString></Placemark></kml>",
        encoding="ascii",
    )
    return path
