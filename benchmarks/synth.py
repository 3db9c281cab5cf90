"""Synthetic registers for the benchmark: N projects inside the city, valid under portfolio.validate.

``generate(n, folder, seed)`` writes ``folder/projects.csv`` and ``folder/geodata/`` (``projects.geojson``,
``city_boundary.geojson``, ``background.geojson``) and returns their paths. Everything is drawn from a
seeded ``numpy`` generator, so the same ``(n, seed)`` gives the same files.

The mix follows the register: every sector of ``schema.SECTORS`` with a geometry kind allowed by
``schema.SECTOR_GEOMETRY``; lines of 50-500 vertices (log-uniform, some MultiLineStrings), star-shaped
polygons (industrial zones 0.5-3 km across, sites 50-500 m), points and a few MultiPoints; the
vocabularies of status, funding type, scope and precision; Vietnamese names with diacritics in NFC;
sources citing the seed documents (a few external ``ngoài:`` entries), period histories, parents.

The city outline is read at run time: ``geodata/city_boundary.geojson`` of the repository when it exists,
otherwise the shared reference file. It is written into the temporary geodata folder only (never into the
repository). The background layer is the repository's when it exists, otherwise two synthetic lines.

Run ``python benchmarks/synth.py N OUTDIR [--seed S]`` to write one register by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from portfolio import schema

ROOT = Path(__file__).resolve().parent.parent
REPO_BOUNDARY = ROOT / "geodata" / "city_boundary.geojson"
REPO_BACKGROUND = ROOT / "geodata" / "background.geojson"

#: Sector weights: how often each sector appears (lines are common in a transport-heavy portfolio).
SECTOR_WEIGHTS: dict[str, float] = {
    "road": 14,
    "expressway": 3,
    "bridge": 6,
    "intersection": 2,
    "embankment": 5,
    "waterway": 4,
    "port": 2,
    "airport": 0.3,
    "railway": 1,
    "transit": 2,
    "logistics": 2,
    "industrial_zone": 5,
    "energy": 4,
    "water": 8,
    "irrigation": 7,
    "health": 6,
    "education": 9,
    "culture": 4,
    "public_building": 6,
    "science_technology": 2,
    "urban_development": 8,
}
STATUS_WEIGHTS = {
    "proposed": 20,
    "planned": 35,
    "under_construction": 18,
    "completed": 15,
    "operating": 7,
    "suspended": 5,
}
FUNDING = {
    "state_budget": ["NSNN và các nguồn huy động khác", "Ngân sách thành phố", "Ngân sách trung ương"],
    "oda": ["Vốn vay ODA Ngân hàng Thế giới", "Vốn ODA Nhật Bản (JICA)"],
    "ppp": ["Hợp đồng BOT", "Đối tác công tư (PPP), hợp đồng BT"],
    "private": ["Vốn của nhà đầu tư", "Vốn doanh nghiệp"],
    "mixed": ["Vốn ODA, NSNN đối ứng", "NSNN và vốn nhà đầu tư"],
    "unknown": [""],
}
FUNDING_WEIGHTS = {"state_budget": 45, "oda": 8, "ppp": 8, "private": 12, "mixed": 7, "unknown": 20}
OWNERS = [
    "Sở Giao thông vận tải",
    "Sở Xây dựng",
    "UBND thành phố Cần Thơ",
    "Sở Nông nghiệp và Môi trường",
    "Ban Quản lý dự án đầu tư xây dựng thành phố",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Bộ Giao thông vận tải",
    "Ban QLDA Mỹ Thuận",
    "Công ty Điện lực Cần Thơ",
    "Ban Quản lý các khu chế xuất và công nghiệp",
    "",
]
PLACES = [
    "Ninh Kiều",
    "Cái Răng",
    "Bình Thủy",
    "Ô Môn",
    "Thốt Nốt",
    "Phong Điền",
    "Cờ Đỏ",
    "Vĩnh Thạnh",
    "Thới Lai",
    "Vị Thanh",
    "Ngã Bảy",
    "Sóc Trăng",
    "Long Mỹ",
    "Châu Thành",
    "Phụng Hiệp",
    "Kế Sách",
    "Mỹ Tú",
    "Trần Đề",
    "Vĩnh Châu",
    "Ngã Năm",
    "Thạnh Trị",
    "Mỹ Xuyên",
    "Cù Lao Dung",
    "Long Phú",
    "Hưng Phú",
    "An Bình",
    "Trà Nóc",
    "Tân Lộc",
    "Thới Hưng",
    "Trường Long",
    "Nhơn Ái",
    "Hỏa Lựu",
    "Cái Côn",
    "Đại Ngãi",
    "Cái Cui",
    "Rạch Giá",
    "Xà No",
    "Cái Sắn",
    "Ba Láng",
    "Mái Dầm",
]
COMMUNE_KINDS = ["phường", "xã"]
OLD_DISTRICTS = [
    "quận Ninh Kiều",
    "quận Cái Răng",
    "quận Bình Thủy",
    "quận Ô Môn",
    "quận Thốt Nốt",
    "huyện Phong Điền",
    "huyện Cờ Đỏ",
    "huyện Vĩnh Thạnh",
    "huyện Thới Lai",
    "thành phố Vị Thanh",
    "thành phố Ngã Bảy",
    "huyện Châu Thành",
    "thành phố Sóc Trăng",
    "huyện Kế Sách",
    "huyện Trần Đề",
]
DOC_DATES = {
    "59-NQ/TW": "2020-08-05",
    "202/KH-UBND": "2021-10-01",
    "CTr-NQ29/2023": "2023-04-17",
    "KH-UBND/2026": "2026-01-31",
    "BT-KH2026": "2026-02-02",
}
EXTERNAL = [
    ("Báo Cần Thơ", "Khởi công {vi}", "2024-06-12"),
    ("VnExpress", "{vi} thông xe", "2025-04-19"),
    ("Tuổi Trẻ", "Đẩy nhanh tiến độ {vi}", "2025-09-03"),
]
#: (Vietnamese, English) name templates per sector; {a}, {b} are places, {n} a number.
NAMES: dict[str, list[tuple[str, str]]] = {
    "road": [
        ("Nâng cấp, mở rộng Đường tỉnh {n}", "Upgrading and widening of provincial road {n}"),
        ("Xây dựng tuyến đường {a} – {b}", "{a}–{b} road"),
        ("Đường nối {a} với Quốc lộ 91", "Link road from {a} to national road 91"),
    ],
    "expressway": [("Cao tốc {a} – {b}, dự án thành phần {k}", "{a}–{b} expressway, component {k}")],
    "bridge": [
        ("Cầu {a}", "{a} bridge"),
        ("Xây dựng cầu {a} trên tuyến Đường tỉnh {n}", "{a} bridge on provincial road {n}"),
    ],
    "intersection": [("Nút giao {a}", "{a} interchange")],
    "embankment": [
        ("Kè chống sạt lở sông {a}", "Riverbank protection on the {a} river"),
        ("Kè bờ biển {a}", "{a} coastal embankment"),
    ],
    "waterway": [("Nạo vét luồng kênh {a}", "Dredging of the {a} canal channel")],
    "port": [("Cảng {a}", "{a} port"), ("Bến cảng tổng hợp {a}", "{a} general port terminal")],
    "airport": [("Mở rộng Cảng hàng không quốc tế Cần Thơ", "Expansion of Cần Thơ international airport")],
    "railway": [("Đường sắt {a} – {b}", "{a}–{b} railway")],
    "transit": [("Tuyến xe buýt nhanh {a} – {b}", "{a}–{b} bus rapid transit line")],
    "logistics": [
        ("Trung tâm logistics {a}", "{a} logistics centre"),
        ("Bến xe khách {a}", "{a} bus station"),
    ],
    "industrial_zone": [
        ("Khu công nghiệp {a}", "{a} industrial park"),
        ("Cụm công nghiệp {a} {k}", "{a} industrial cluster {k}"),
    ],
    "energy": [("Nhà máy điện {a}", "{a} power plant"), ("Trạm biến áp 110 kV {a}", "{a} 110 kV substation")],
    "water": [("Nhà máy nước {a}", "{a} water plant"), ("Hệ thống thoát nước {a}", "{a} drainage system")],
    "irrigation": [
        ("Cống ngăn mặn {a}", "{a} salinity control sluice"),
        ("Hệ thống thủy lợi {a}", "{a} irrigation system"),
    ],
    "health": [("Bệnh viện đa khoa {a}", "{a} general hospital"), ("Trạm y tế {a}", "{a} health station")],
    "education": [
        ("Trường THPT {a}", "{a} high school"),
        ("Trường tiểu học {a} {k}", "{a} primary school {k}"),
    ],
    "culture": [
        ("Trung tâm văn hóa – thể thao {a}", "{a} culture and sports centre"),
        ("Sân vận động {a}", "{a} stadium"),
    ],
    "public_building": [
        ("Trụ sở UBND {a}", "{a} People's Committee offices"),
        ("Nhà văn hóa {a}", "{a} community hall"),
    ],
    "science_technology": [("Khu công nghệ thông tin tập trung {a}", "{a} IT park")],
    "urban_development": [
        ("Khu đô thị mới {a}", "{a} new urban area"),
        ("Chỉnh trang đô thị {a}", "{a} urban renewal"),
    ],
}
MULTI_SITE = {"water", "health", "education", "irrigation"}


@dataclass(frozen=True)
class Synthetic:
    """A generated register: paths and a few counts for the report."""

    register: Path
    geodata: Path
    n: int
    lines: int
    polygons: int
    points: int
    vertices: int
    csv_bytes: int
    geojson_bytes: int


def boundary_source() -> Path:
    """The city outline the synthetic projects are placed in (the repository's own)."""
    return REPO_BOUNDARY


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _pick(rng: np.random.Generator, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return str(keys[rng.choice(len(keys), p=p / p.sum())])


class _Sampler:
    """Random geometries inside a polygon (vectorised with numpy and shapely)."""

    def __init__(self, rng: np.random.Generator, city: shapely.Geometry) -> None:
        self.rng = rng
        # Stay a little inside the outline, so rounding to 6 decimals never puts a vertex outside.
        self.inner = city.buffer(-0.005)
        shapely.prepare(self.inner)
        self.bounds = self.inner.bounds

    def points(self, k: int) -> np.ndarray:
        out: list[np.ndarray] = []
        got = 0
        x0, y0, x1, y1 = self.bounds
        while got < k:
            xy = np.column_stack([self.rng.uniform(x0, x1, 4 * k), self.rng.uniform(y0, y1, 4 * k)])
            ok = xy[shapely.contains_xy(self.inner, xy[:, 0], xy[:, 1])]
            out.append(ok)
            got += len(ok)
        return np.round(np.concatenate(out)[:k], 6)

    def inside(self, xy: np.ndarray) -> bool:
        return bool(shapely.contains_xy(self.inner, xy[:, 0], xy[:, 1]).all())

    def line(self, vertices: int, length_km: float) -> np.ndarray:
        """A smooth random walk of ``vertices`` vertices and about ``length_km``, fully inside."""
        for attempt in range(60):
            km = length_km * (0.5 ** (attempt // 6))
            start = self.points(1)[0]
            step = km / (vertices - 1)
            heading = self.rng.uniform(0, 2 * math.pi) + np.cumsum(self.rng.normal(0, 0.12, vertices - 1))
            kx = 1 / (111.32 * math.cos(math.radians(start[1])))
            ky = 1 / 110.57
            dx = np.concatenate([[0.0], np.cumsum(step * np.cos(heading) * kx)])
            dy = np.concatenate([[0.0], np.cumsum(step * np.sin(heading) * ky)])
            xy = np.round(np.column_stack([start[0] + dx, start[1] + dy]), 6)
            if self.inside(xy) and len(np.unique(xy, axis=0)) >= 2:
                return xy
        raise RuntimeError("could not place a line inside the city")

    def polygon(self, radius_km: float, vertices: int) -> shapely.Polygon:
        """A star-shaped (hence simple) polygon around a random centre, fully inside."""
        for _ in range(60):
            centre = self.points(1)[0]
            angles = np.sort(self.rng.uniform(0, 2 * math.pi, vertices))
            radii = radius_km * self.rng.uniform(0.65, 1.0, vertices)
            kx = 1 / (111.32 * math.cos(math.radians(centre[1])))
            ring = np.round(
                np.column_stack(
                    [centre[0] + radii * np.cos(angles) * kx, centre[1] + radii * np.sin(angles) / 110.57]
                ),
                6,
            )
            ring = np.vstack([ring, ring[:1]])
            poly = shapely.Polygon(ring)
            if self.inside(ring) and poly.is_valid and not poly.is_empty:
                return poly
        raise RuntimeError("could not place a polygon inside the city")


def _geometry(s: _Sampler, sector: str, family: str) -> shapely.Geometry:
    rng = s.rng
    if family == "line":
        parts = 1 if rng.random() > 0.08 else int(rng.integers(2, 4))
        lines = []
        for _ in range(parts):
            vertices = int(round(math.exp(rng.uniform(math.log(50), math.log(500)))))
            km = {"expressway": 40.0, "railway": 35.0, "road": 15.0, "waterway": 20.0}.get(sector, 6.0)
            lines.append(s.line(vertices, km * rng.uniform(0.2, 1.0)))
        return shapely.LineString(lines[0]) if parts == 1 else shapely.MultiLineString(lines)
    if family == "polygon":
        big = sector in ("industrial_zone", "urban_development", "airport", "logistics")
        radius = rng.uniform(0.5, 3.0) if big else rng.uniform(0.05, 0.5)
        return s.polygon(radius, int(rng.integers(6, 80)))
    if sector in MULTI_SITE and rng.random() < 0.1:
        return shapely.MultiPoint(s.points(int(rng.integers(2, 6))))
    return shapely.Point(s.points(1)[0])


def _sources(rng: np.random.Generator, vi: str) -> tuple[str, str, str]:
    """(sources, status_source, status_as_of)."""
    keys = list(DOC_DATES)
    chosen = [keys[i] for i in sorted(rng.choice(len(keys), int(rng.integers(1, 4)), replace=False))]
    entries = []
    for key in chosen:
        y, m, d = DOC_DATES[key].split("-")
        section, line = int(rng.integers(1, 9)), int(rng.integers(1, 40))
        entries.append(f"{key} ({d}/{m}/{y}), mục II.{section}, dòng {line}")
    as_of = DOC_DATES[chosen[-1]]
    if rng.random() < 0.1:
        pub, title, day = EXTERNAL[int(rng.integers(len(EXTERNAL)))]
        entries.append(f"{schema.EXTERNAL_PREFIX} {pub}, '{title.format(vi=vi)}', {day}")
        as_of = day
    return schema.LIST_SEP.join(entries), entries[-1], as_of


def _row(rng: np.random.Generator, i: int, sector: str, ids: list[str]) -> dict[str, str]:
    a, b = (PLACES[j] for j in rng.choice(len(PLACES), 2, replace=False))
    templates = NAMES[sector]
    vi_t, en_t = templates[int(rng.integers(len(templates)))]
    fmt = {"a": a, "b": b, "n": str(int(rng.integers(901, 999))), "k": str(int(rng.integers(1, 5)))}
    name_vi, name_en = _nfc(vi_t.format(**fmt)), _nfc(en_t.format(**fmt))
    funding_type = _pick(rng, FUNDING_WEIGHTS)
    status = _pick(rng, STATUS_WEIGHTS)
    sources, status_source, as_of = _sources(rng, name_vi)
    row = {c: "" for c in schema.COLUMNS}
    row.update(
        id=f"syn-{sector.replace('_', '-')}-{i:05d}",
        name_vi=name_vi,
        name_en=name_en,
        sector=sector,
        owner=OWNERS[int(rng.integers(len(OWNERS)))],
        funding_source=FUNDING[funding_type][int(rng.integers(len(FUNDING[funding_type])))],
        funding_type=funding_type,
        status=status,
        status_as_of=as_of,
        status_source=status_source,
        sources=sources,
        location_vi=f"{COMMUNE_KINDS[int(rng.integers(2))]} {a}",
        scope="city" if rng.random() < 0.9 else "regional",
        geocode_precision=str(int(rng.choice(6, p=[0.15, 0.35, 0.25, 0.12, 0.08, 0.05]) + 1)),
    )
    if row["owner"] and rng.random() < 0.25:
        row["owner_current"] = "Sở Xây dựng"
    if status != "proposed" or rng.random() < 0.3:
        start = int(rng.integers(2012, 2031))
        row["period_start"] = str(start)
        row["period_end"] = str(start + int(rng.integers(1, 11)))
        if rng.random() < 0.1 and start >= 2026:
            row["period_history"] = f"202/KH-UBND=2021-2025; KH-UBND/2026={start}-{row['period_end']}"
    if ids and rng.random() < 0.05:
        row["parent_id"] = ids[int(rng.integers(len(ids)))]
    if rng.random() < 0.6:
        picks = rng.choice(len(PLACES), int(rng.integers(1, 4)), replace=False)
        row["communes"] = schema.LIST_SEP.join(f"{COMMUNE_KINDS[int(j) % 2]} {PLACES[int(j)]}" for j in picks)
        row["districts_before_2025"] = OLD_DISTRICTS[int(rng.integers(len(OLD_DISTRICTS)))]
        row["admin_basis"] = "geometry" if rng.random() < 0.8 else "source_text"
    if rng.random() < 0.3:
        row["notes"] = _nfc(f"Tuyến vẽ qua trung tâm {a} và {b}; độ chính xác theo văn bản nguồn.")
    return {k: _nfc(v) for k, v in row.items()}


def _background(s: _Sampler) -> dict[str, Any]:
    feats = []
    for kind, vi, en in (("river", "Sông Hậu", "Hậu river"), ("road", "Quốc lộ 1", "National road 1")):
        xy = s.line(120, 60.0)
        feats.append(
            {
                "type": "Feature",
                "properties": {"kind": kind, "name_vi": vi, "name_en": en},
                "geometry": {"type": "LineString", "coordinates": xy.tolist()},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def generate(n: int, folder: Path, seed: int = 6) -> Synthetic:
    """Write a synthetic register of ``n`` projects into ``folder``; return its paths and counts."""
    rng = np.random.default_rng([seed, n])
    folder = Path(folder)
    geodata = folder / "geodata"
    geodata.mkdir(parents=True, exist_ok=True)
    source = boundary_source()
    city = gpd.read_file(source).geometry.union_all()
    shutil.copyfile(source, geodata / "city_boundary.geojson")
    sampler = _Sampler(rng, city)

    rows: list[dict[str, str]] = []
    geoms: list[shapely.Geometry] = []
    ids: list[str] = []
    for i in range(1, n + 1):
        sector = _pick(rng, SECTOR_WEIGHTS)
        families = sorted(schema.SECTOR_GEOMETRY[sector])
        family = families[int(rng.integers(len(families)))]
        row = _row(rng, i, sector, ids)
        rows.append(row)
        ids.append(row["id"])
        geoms.append(_geometry(sampler, sector, family))

    series = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs("EPSG:5897")
    areas_ha, lengths_km = series.area.to_numpy() / 10_000, series.length.to_numpy() / 1000
    counts = {"line": 0, "polygon": 0, "point": 0}
    for row, geom, area, length in zip(rows, geoms, areas_ha, lengths_km, strict=True):
        kind = geom.geom_type.removeprefix("Multi")
        family = {"LineString": "line", "Polygon": "polygon", "Point": "point"}[kind]
        counts[family] += 1
        if family == "polygon" and rng.random() < 0.6:
            official = area * rng.uniform(0.95, 1.05)
            row["official_area_ha"] = f"{official:.1f}" if official >= 10 else f"{official:.3f}"
        if family == "line" and rng.random() < 0.3:
            row["official_length_km"] = f"{length * rng.uniform(0.9, 1.1):.2f}"

    register = folder / "projects.csv"
    with register.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(schema.COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    features = [
        {"type": "Feature", "properties": {"id": r["id"]}, "geometry": mapping(g)}
        for r, g in zip(rows, geoms, strict=True)
    ]
    text = json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")
    )
    (geodata / "projects.geojson").write_text(text, encoding="utf-8")
    if REPO_BACKGROUND.exists():
        shutil.copyfile(REPO_BACKGROUND, geodata / "background.geojson")
    else:
        (geodata / "background.geojson").write_text(
            json.dumps(_background(sampler), ensure_ascii=False), encoding="utf-8"
        )
    return Synthetic(
        register=register,
        geodata=geodata,
        n=n,
        lines=counts["line"],
        polygons=counts["polygon"],
        points=counts["point"],
        vertices=int(shapely.get_num_coordinates(np.array(geoms)).sum()),
        csv_bytes=register.stat().st_size,
        geojson_bytes=(geodata / "projects.geojson").stat().st_size,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    print(generate(args.n, args.outdir, args.seed))


if __name__ == "__main__":
    main()
