"""Odesa heat layer build: the four tables of ``networks/odesa`` from its facts and assumptions.

``python networks/odesa/build_odesa.py --help`` lists the options (another assumptions
file, another output folder, the OSM district file to copy the polygons from); the same
inputs give the same bytes (tested). Facts: CITY_FACTS O1-O2 (README.md here); the [C]
assumptions: ``assumptions.toml``; the steps shared with Kharkiv: ``networks/layer_build.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # networks/, for layer_build
import layer_build  # noqa: E402

split = layer_build.largest_remainder


def zones_of(a: dict, districts: pd.DataFrame) -> list[dict]:
    """Zone specifications: the city's buildings by district, then by source."""
    ids = districts["district"].tolist()
    per_district = dict(zip(ids, split(
        int(a["building_total"]["value"]), [a["district_shares"][d] for d in ids]), strict=True))
    order = a["zone_shares"]["order"]
    res = a["residents"]
    pop = districts.set_index("district")["population_2021"]
    zones = []
    for d in ids:
        counts = split(per_district[d], a["zone_shares"][d])
        keep = [(k, int(n)) for k, n in zip(order, counts, strict=True) if n > 0]
        residents = split(int(round(pop[d] * res["share_in_dh"][d])),
                                      [n for _, n in keep])
        for (key, n), r in zip(keep, residents, strict=True):
            zones.append({"key": f"odesa-{key}-{d}",
                          "source": key if key != "boilers" else f"boilers-{d}",
                          "district": d, "buildings": n, "mix": a["district_class"][d],
                          "residents": int(r), "floor_area_m2": r * res["m2_per_resident"]})
    return zones


def sources_of(a: dict, layer: dict, districts: pd.DataFrame, zones: list[dict]) -> dict:
    """Source specifications: the named sources and each district's other TMO boiler houses
    (with the boiler share of the backup power, by their buildings)."""
    out = {k: dict(p) for k, p in layer["plants"].items()}
    return out | layer_build.boiler_sources(
        zones, districts, "odesa", a,
        "144 small and 11 large TMO boiler houses (CITY_FACTS O2 [B]), aggregated per district [C]")


def build(assumptions_path: Path | None = None, out: Path | None = None):
    """Build the layer tables; write them to ``out`` (default: this folder) and return them."""
    return layer_build.build_city(HERE, zones_of, sources_of, assumptions_path, out)


if __name__ == "__main__":
    raise SystemExit(layer_build.main(HERE, zones_of, sources_of, __doc__))
