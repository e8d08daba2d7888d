"""Write ``oblasts.geojson``: Ukraine's oblast boundaries keyed by the network's oblast names.

Reads ``sources/geoboundaries_ukr_adm1_oblasts_simplified.geojson`` (geoBoundaries UKR
ADM1, ODbL-1.0, (c) OpenStreetMap contributors) and ``curated/oblast_iso.csv`` (the
network's oblast name -> ISO 3166-2 code, the file's ``shapeISO``), and writes one feature
per oblast with the properties ``oblast`` (the name ``loads.csv`` and the registry use),
``iso_3166_2``, ``name`` (geoBoundaries' English name), ``area_km2`` and ``credit``. The
report's national map (:mod:`gridmodel.report.html`) draws it. Deterministic: the same
inputs give the same bytes (a test rebuilds it and compares).

Usage::

    python networks/ukraine/build_oblast_map.py [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "sources" / "geoboundaries_ukr_adm1_oblasts_simplified.geojson"
CROSSWALK = HERE / "curated" / "oblast_iso.csv"
CREDIT = "geoBoundaries UKR ADM1 (c) OpenStreetMap contributors, ODbL-1.0"


def build(source: Path = SOURCE, crosswalk: Path = CROSSWALK) -> dict:
    """The FeatureCollection (oblasts in the crosswalk's order).

    Raises
    ------
    SystemExit
        A crosswalk code the source does not hold, or a source unit no row names.
    """
    doc = json.loads(Path(source).read_text(encoding="utf-8"))
    by_iso = {f["properties"]["shapeISO"]: f for f in doc["features"]}
    with open(crosswalk, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = sorted({r["iso_3166_2"] for r in rows} - set(by_iso))
    unnamed = sorted(set(by_iso) - {r["iso_3166_2"] for r in rows})
    if missing or unnamed:
        msg = (f"{crosswalk}: codes not in {source.name}: {missing}; units of the source no "
               f"row names: {unnamed}")
        raise SystemExit(msg)
    feats = []
    for r in rows:
        f = by_iso[r["iso_3166_2"]]
        p = f["properties"]
        feats.append({"type": "Feature", "properties": {
            "oblast": r["oblast"], "iso_3166_2": r["iso_3166_2"], "name": p["shapeName"],
            "area_km2": p.get("area_km2"), "credit": CREDIT}, "geometry": f["geometry"]})
    return {"type": "FeatureCollection", "features": feats}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "oblasts.geojson")
    args = parser.parse_args(argv)
    doc = build()
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{len(doc['features'])} oblast boundaries written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
