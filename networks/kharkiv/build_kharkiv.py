"""Build the Kharkiv heat layer tables from districts.csv, layer.toml and assumptions.toml.

Writes ``heat_sources.csv``, ``zones.csv``, ``pumping.csv`` and ``buildings.csv`` next to
this script (deterministic: a test rebuilds into a temporary folder and compares bytes).

Usage::

    python networks/kharkiv/build_kharkiv.py [--assumptions FILE] [--out DIR]
                                             [--from-osm osm_kharkiv_city_districts.geojson]

Facts: ``../shared/docs/CITY_FACTS.md`` K1-K5 (README.md in this folder); every
assumption is in ``assumptions.toml`` tagged [C]; the shared steps are
``networks/layer_build.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # the shared steps of the city builds
    sys.path.insert(0, str(HERE.parent))

import layer_build  # noqa: E402
from layer_build import largest_remainder  # noqa: E402


def _chp5(a: dict, districts: pd.DataFrame) -> pd.DataFrame:
    """CHP-5's buildings, residents and residential floor area per district [B/C]."""
    z = a["chp5_zone"]
    d = districts.set_index("district")
    city_residents = float(d["chp5_residents"].sum())
    residential = z["residential_m2"] * city_residents / z["zone_residents"]
    return pd.DataFrame({
        "buildings": (d["dh_buildings"] * d["chp5_residents"] / d["population_2021"])
        .round().astype(int),
        "residents": d["chp5_residents"],
        "floor_area_m2": residential * d["chp5_heated_area_m2"] / d["chp5_heated_area_m2"].sum(),
    })


def zones_of(a: dict, districts: pd.DataFrame) -> list[dict]:
    """Zone specifications: CHP-5, CHP-3, the former CHP-4 and each district's boilers."""
    d = districts.set_index("district")
    chp5 = _chp5(a, districts)
    rest = d["dh_buildings"] - chp5["buildings"]
    c3 = a["chp3_zone"]
    chp3 = dict(zip(c3["districts"], largest_remainder(
        int(c3["buildings"]), rest.loc[c3["districts"]].to_numpy()), strict=True))
    c4 = a["chp4_boilers"]
    stock = a["building_stock"]
    zones = []
    for dist in districts["district"]:
        counts = {"chp-5": int(chp5.at[dist, "buildings"]), "chp-3": int(chp3.get(dist, 0))}
        counts["chp-4"] = round(rest[dist] * c4["share"]) if dist in c4["districts"] else 0
        counts["boilers"] = int(d.at[dist, "dh_buildings"]) - sum(counts.values())
        others = int(round(d.at[dist, "population_2021"] * stock["share_in_dh"]
                           - chp5.at[dist, "residents"]))
        keys = [k for k in ("chp-3", "chp-4", "boilers") if counts[k] > 0]
        res = dict(zip(keys, largest_remainder(others, [counts[k] for k in keys]), strict=True))
        for key, n in counts.items():
            if n <= 0:
                continue
            residents = int(chp5.at[dist, "residents"]) if key == "chp-5" else int(res[key])
            area = (chp5.at[dist, "floor_area_m2"] if key == "chp-5"
                    else residents * stock["m2_per_resident"])
            zones.append({"key": f"kharkiv-{key}-{dist}", "source": key if key != "boilers"
                          else f"boilers-{dist}", "district": dist, "buildings": n,
                          "mix": a["district_class"][dist], "residents": residents,
                          "floor_area_m2": area})
    return zones


def sources_of(a: dict, layer: dict, districts: pd.DataFrame, zones: list[dict]) -> dict:
    """Source specifications: the three large sources, the district boiler aggregates
    (with the boiler share of the backup power, by their buildings). The standby modular
    boiler houses are built from ``[standby.modular_boiler_houses]``
    (``layer_build.standby_table``)."""
    out = {}
    for key, p in layer["plants"].items():
        out[key] = {k: v for k, v in p.items() if k != "electric_mw"}
        if "heat_capacity_mw" in p:
            out[key]["capacity_source"] = "published: 1,420 Gcal/h (CITY_FACTS K3 [A])"
    out |= layer_build.boiler_sources(
        zones, districts, "kharkiv", a,
        "about 250 KhTM boiler houses (CITY_FACTS K3 [C]), aggregated per district [C]")
    return out


def build(assumptions_path: Path | None = None, out: Path | None = None):
    """Build the layer tables; write them to ``out`` (default: this folder) and return them."""
    return layer_build.build_city(HERE, zones_of, sources_of, assumptions_path, out)


if __name__ == "__main__":
    raise SystemExit(layer_build.main(HERE, zones_of, sources_of, __doc__))
