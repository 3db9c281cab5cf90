"""Merge the digitisers' parts (work/parts/*.csv + *.geojson) into projects.csv and geodata/.

One-off integration step kept for the record: the register is maintained directly afterwards.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from portfolio import schema  # noqa: E402

PARTS = ["city_transport", "regional_transport", "sites_zones"]


def main() -> None:
    rows: list[dict[str, str]] = []
    features: list[dict[str, object]] = []
    for part in PARTS:
        with (ROOT / "work/parts" / f"{part}.csv").open(encoding="utf-8", newline="") as fh:
            part_rows = list(csv.DictReader(fh))
        rows += [{k: unicodedata.normalize("NFC", (r.get(k) or "").strip()) for k in schema.COLUMNS}
                 for r in part_rows]
        doc = json.loads((ROOT / "work/parts" / f"{part}.geojson").read_text(encoding="utf-8"))
        for f in doc["features"]:
            features.append({"type": "Feature", "properties": {"id": f["properties"]["id"]},
                             "geometry": f["geometry"]})
    with (ROOT / "projects.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(schema.COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    out = {"type": "FeatureCollection", "features": features}
    (ROOT / "geodata/projects.geojson").write_text(
        json.dumps(out, ensure_ascii=False, separators=(",", ":")).replace('{"type":"Feature"', '\n{"type":"Feature"')
        + "\n", encoding="utf-8")
    print(f"{len(rows)} rows, {len(features)} features")


if __name__ == "__main__":
    main()
