"""Build the Kyiv heat layer tables from districts.csv, layer.toml and assumptions.toml.

Writes ``heat_sources.csv``, ``zones.csv``, ``pumping.csv`` and ``buildings.csv`` next to
this script. The build is deterministic: the same inputs and seed give byte-identical
files (a test rebuilds into a temporary folder and compares bytes).

Usage::

    python networks/kyiv/build_kyiv.py [--assumptions FILE] [--out DIR]

Sources: FIELD_NOTES sections 1, 3, 4 and 9 (see README.md in this folder); every
assumption is in ``assumptions.toml`` tagged [C].
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(HERE.parents[1]))

if str(HERE.parent) not in sys.path:  # the shared steps of the city builds
    sys.path.insert(0, str(HERE.parent))

import layer_build  # noqa: E402
from layer_build import KM_PER_DEG_LAT, largest_remainder  # noqa: E402

from gridmodel._io.tomlio import read_toml  # noqa: E402
from gridmodel.heat.layer import HeatLayerError, archetype_h_w_m2k  # noqa: E402


def network_sections(b: pd.DataFrame, sec: dict, plants: dict, districts: pd.DataFrame):
    """Network section of each building (:func:`layer_build.network_sections`): a large
    plant's buildings by distance from the plant, the others from their district centre."""
    dist = districts.set_index("district")
    src_lon = [plants[k]["lon"] if k in plants else dist.loc[d, "centroid_lon"]
               for k, d in zip(b["source_key"], b["district"], strict=True)]
    src_lat = [plants[k]["lat"] if k in plants else dist.loc[d, "centroid_lat"]
               for k, d in zip(b["source_key"], b["district"], strict=True)]
    return layer_build.network_sections(b, sec, src_lon, src_lat)


#: re-draws of a point outside its district before it is drawn uniformly inside
MAX_REDRAWS = 50


def inside_district(dx, dy, clon, clat, sc_km, km_lon, rings, rng) -> None:
    """Offsets ``dx, dy`` [km] from (``clon``, ``clat``) re-drawn in place from the same
    normal spread (``sc_km / 2``) until their point lies inside the district ``rings``
    (at most :data:`MAX_REDRAWS` times; then uniformly inside the district) [C]: the
    buildings stay clustered around their zone's centre, on the district's ground."""
    from gridmodel.heat.polygons import inside

    def out_mask():  # as written: lon/lat rounded to 5 decimals (about 1 m)
        return ~inside(rings, np.round(clon + dx / km_lon, 5),
                       np.round(clat + dy / KM_PER_DEG_LAT, 5))

    bad = np.flatnonzero(out_mask())
    for _ in range(MAX_REDRAWS):
        if not len(bad):
            return
        dx[bad] = rng.normal(0.0, sc_km / 2, len(bad))
        dy[bad] = rng.normal(0.0, sc_km / 2, len(bad))
        bad = np.flatnonzero(out_mask())
    while len(bad):
        pts = layer_build.points_in(rings, len(bad), rng)
        dx[bad] = (pts[:, 0] - clon) * km_lon
        dy[bad] = (pts[:, 1] - clat) * KM_PER_DEG_LAT
        bad = bad[out_mask()[bad]]


def build(assumptions_path: Path | None = None, out: Path | None = None) -> dict[str, pd.DataFrame]:
    """Build the layer tables; write them to ``out`` (default: this folder) and return them."""
    assumptions_path = Path(assumptions_path or HERE / "assumptions.toml")
    out = Path(out or HERE)
    a, _ = read_toml(assumptions_path, "assumptions file", HeatLayerError)
    layer, _ = read_toml(HERE / "layer.toml", "layer metadata", HeatLayerError)
    districts = pd.read_csv(HERE / "districts.csv")
    rng = np.random.default_rng(int(a["meta"]["seed"]))
    # its own stream: re-drawing the points that fall outside their district moves no
    # other draw of the registry
    rng_place = np.random.default_rng([int(a["meta"]["seed"]), 1])
    polygons = layer_build.load_polygons(HERE / layer["files"]["district_polygons"])
    dist_ids = districts["district"].tolist()

    # ---------------------------------------------------------------- counts
    base = districts.set_index("district")["buildings_2014"]
    chp4_total = int(a["chp4_zone"]["buildings"])
    split = a["chp4_zone"]["split"]
    chp4_d = list(split)
    chp4_n = dict(zip(chp4_d, largest_remainder(chp4_total, [split[d] for d in chp4_d]),
                      strict=True))
    extra_total = int(a["building_total"]["value"]) - int(base.sum()) - chp4_total
    w = a["new_stock_weights"]
    extra = dict(zip(dist_ids, largest_remainder(extra_total, [w[d] for d in dist_ids]),
                     strict=True))

    arche = a["archetypes"]
    mix = a["archetype_mix"]
    order = mix["order"]
    plants = layer["plants"]

    rows = []
    for d in dist_ids:
        drow = districts.set_index("district").loc[d]
        n_other = int(base[d]) + int(extra[d])
        zone_counts: list[tuple[str, str, int, list[float]]] = []
        if d in chp4_n:
            zone_counts.append(("chp-4", "chp-4", int(chp4_n[d]), mix["chp4_zone"]))
        if d == a["energia_zone"]["district"]:
            n_en = int(a["energia_zone"]["buildings"])
            zone_counts.append(("energia", "energia", n_en, mix["energia_zone"]))
            n_other -= n_en
        shares = a["zone_shares"][d]
        for src, n in zip(a["zone_shares"]["order"], largest_remainder(n_other, shares),
                          strict=True):
            if n > 0:
                zone_counts.append((src, src, int(n), mix[a["district_class"][d]]))
        for src, _, n, shares_a in zone_counts:
            counts = largest_remainder(n, shares_a)
            kinds = np.repeat(order, counts)
            kinds = kinds[rng.permutation(n)]
            if src in ("chp-4", "energia"):
                p = plants[src]
                clon = (p["lon"] + drow.centroid_lon) / 2 if src == "chp-4" else p["lon"]
                clat = (p["lat"] + drow.centroid_lat) / 2 if src == "chp-4" else p["lat"]
                sc = drow.scatter_km * (0.6 if src == "chp-4" else 0.4)
            else:
                clon, clat, sc = drow.centroid_lon, drow.centroid_lat, drow.scatter_km
            km_lon = KM_PER_DEG_LAT * math.cos(math.radians(clat))
            dx = rng.normal(0.0, sc / 2, n)
            dy = rng.normal(0.0, sc / 2, n)
            inside_district(dx, dy, clon, clat, sc, km_lon, polygons[d], rng_place)
            for i, k in enumerate(kinds):
                spec = arche[k]
                floors = int(rng.choice(spec["floors"], p=np.asarray(spec["floor_weights"])
                                        / np.sum(spec["floor_weights"])))
                area = spec["mean_floor_area_m2"] * math.exp(
                    rng.normal(-0.5 * a["floor_area"]["sigma"] ** 2, a["floor_area"]["sigma"]))
                rows.append({
                    "district": d, "source_key": src, "archetype_key": k,
                    "archetype": spec["thermal_id"], "floors": floors, "area": area,
                    "lon": clon + dx[i] / km_lon, "lat": clat + dy[i] / KM_PER_DEG_LAT,
                })
    b = pd.DataFrame(rows)

    # ---------------------------------------------------------------- floor area
    chp4 = b["source_key"] == "chp-4"
    total_area = float(a["floor_area"]["total_m2"])
    chp4_area = float(a["chp4_zone"]["floor_area_m2"])
    b.loc[chp4, "area"] *= chp4_area / b.loc[chp4, "area"].sum()
    b.loc[~chp4, "area"] *= (total_area - chp4_area) / b.loc[~chp4, "area"].sum()
    b["floor_area_m2"] = b["area"].round(0).astype(int)

    # ---------------------------------------------------------------- residents
    pop = districts.set_index("district")["population_2021"]
    share = float(a["residents"]["share_in_apartment_buildings"])
    b["residents"] = 0
    for d in dist_ids:
        m = (b["district"] == d).to_numpy()
        b.loc[m, "residents"] = largest_remainder(int(round(pop[d] * share)),
                                                  b.loc[m, "floor_area_m2"].to_numpy())

    # ---------------------------------------------------------------- ids and links
    src_id = {k: v["source_id"] for k, v in plants.items()}
    b["source_id"] = [src_id.get(s, f"heat:boilers-{d}") for s, d in
                      zip(b["source_key"], b["district"], strict=True)]
    b["zone_id"] = "zone:" + b["source_key"] + "-" + b["district"]
    b["grid_node"] = b["district"].map(districts.set_index("district")["grid_node"])
    b["queue"] = rng.integers(0, int(a["power"]["queues"]), len(b))  # 0-based like outage.blackouts
    b["building_id"] = [f"kyiv-b{i:05d}" for i in range(1, len(b) + 1)]
    b["lon"] = b["lon"].round(5)
    b["lat"] = b["lat"].round(5)
    b["h_w_m2k"] = b["archetype"].map({t: archetype_h_w_m2k(t) for t in b["archetype"].unique()})
    dt_design = a["heat_capacity"]["indoor_setpoint_c"] - a["heat_capacity"]["design_temp_c"]
    b["design_load_kw"] = (b["h_w_m2k"] * b["floor_area_m2"] * dt_design / 1e3).round(1)
    b["section_id"] = network_sections(b, a["sections"], plants, districts)
    buildings = b[layer_build.BUILDING_COLUMNS].copy()

    # ---------------------------------------------------------------- zones
    zones = layer_build.zone_table(buildings)

    # ---------------------------------------------------------------- sources
    reserve = 1.0 + a["heat_capacity"]["reserve"]
    bk = a["backup"]
    backup_total = bk["generators"] * bk["mw_each"]
    load_by_src = zones.groupby("source_id")["design_load_mw"].sum()
    srows = []
    for key, p in plants.items():
        cap = float(load_by_src.get(p["source_id"], 0.0)) * reserve
        srows.append({
            "source_id": p["source_id"], "name": p["name"], "kind": p["kind"], "fuel": p["fuel"],
            "district": "", "power_asset": p["power_asset"],
            "heat_capacity_mw": round(cap, 1),
            "capacity_source": "sized to design load of its zones x (1 + reserve) [C]",
            "power_need_mw": round(cap * a["power_need"]["boiler_mwe_per_mwth"], 2)
            if p["kind"] != "chp" else 0.0,
            "backup_mw": 0.0, "backup_fuel_h": 0.0,
            "lon": p["lon"], "lat": p["lat"], "source": p["source"], "key": key,
        })
    boiler_caps = {d: float(load_by_src.get(f"heat:boilers-{d}", 0.0)) * reserve
                   for d in dist_ids}
    boiler_backup = largest_remainder(int(round(backup_total * bk["share_boilers"] * 10)),
                                      list(boiler_caps.values())) / 10
    drows = districts.set_index("district")
    for (d, cap), bmw in zip(boiler_caps.items(), boiler_backup, strict=True):
        srows.append({
            "source_id": f"heat:boilers-{d}", "name": f"boiler houses and heat stations, {d}",
            "kind": "boiler_aggregate", "fuel": "gas", "district": d,
            "power_asset": drows.loc[d, "grid_node"], "heat_capacity_mw": round(cap, 1),
            "capacity_source": "sized to design load of its zones x (1 + reserve) [C]",
            "power_need_mw": round(cap * a["power_need"]["boiler_mwe_per_mwth"], 2),
            "backup_mw": float(bmw), "backup_fuel_h": float(bk["fuel_hours"]),
            "lon": drows.loc[d, "centroid_lon"], "lat": drows.loc[d, "centroid_lat"],
            "source": "160-200 boiler houses and heat stations (FIELD_NOTES 3), aggregated [C]",
            "key": "boilers",
        })
    mb = a["mobile_boilers"]
    srows.append({
        "source_id": "heat:mobile-boilers", "name": "mobile boiler houses (standby)",
        "kind": "mobile_boiler", "fuel": "diesel/gas", "district": "", "power_asset": "",
        "heat_capacity_mw": float(mb["units"] * mb["mw_th_each"]),
        "capacity_source": "51 units [A/B] x 1 MW(th) [C]", "power_need_mw": 0.0,
        "backup_mw": 0.0, "backup_fuel_h": 0.0, "lon": float("nan"), "lat": float("nan"),
        "source": "FIELD_NOTES 3; standby, no zone (assumptions.toml [mobile_boilers])",
        "key": "mobile",
    })
    sources = pd.DataFrame(srows).drop(columns="key")

    # ---------------------------------------------------------------- pumping
    pump_backup = largest_remainder(int(round(backup_total * (1 - bk["share_boilers"]) * 10)),
                                    zones["design_load_mw"].to_numpy()) / 10
    pumping = pd.DataFrame({
        "pump_id": zones["pump_id"], "zone_id": zones["zone_id"],
        "grid_node": zones["district"].map(drows["grid_node"]),
        "power_need_mw": (zones["design_load_mw"] * a["power_need"]["pumping_mwe_per_mwth"])
        .round(2),
        "backup_mw": pump_backup, "backup_fuel_h": float(bk["fuel_hours"]),
        "source": "one aggregated pumping station per zone at its district node [C]",
    })

    tables = {"buildings": buildings, "heat_sources": sources, "zones": zones,
              "pumping": pumping}
    layer_build.write_tables(out, tables)
    return tables


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assumptions", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--from-osm", type=Path, default=None,
                        help="Kyiv's OSM district boundaries (shared/data/sources): rewrite "
                        "districts.geojson from them first")
    args = parser.parse_args(argv)
    if args.from_osm:
        layer, _ = read_toml(HERE / "layer.toml", "layer metadata", HeatLayerError)
        layer_build.write_polygons(
            args.from_osm, HERE / layer["files"]["district_polygons"],
            layer_build.district_ids(pd.read_csv(HERE / "districts.csv")),
            "(c) OpenStreetMap contributors, ODbL-1.0 (via darmat1/ukraine-geo-data)")
    t = build(args.assumptions, args.out)
    b = t["buildings"]
    print(f"{len(b)} buildings, {b.floor_area_m2.sum() / 1e6:.2f} M m2, "
          f"{b.residents.sum():,} residents; written to {args.out or HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
