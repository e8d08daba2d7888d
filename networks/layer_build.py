"""Shared steps of the city heat-layer build scripts (``networks/<city>/build_<city>.py``).

A city script turns its facts and its ``assumptions.toml`` into *zone specifications*
(which source heats how many buildings of which district, with what archetype mix,
floor area and residents) and *source specifications*; :func:`build_tables` makes the
building registry and the zone, pumping and source tables from them, deterministically
(same inputs and seed, same bytes). Buildings are placed uniformly at random inside their
district's polygon (``districts.geojson``, OpenStreetMap, ODbL) [C].
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from gridmodel.heat.layer import archetype_h_w_m2k  # noqa: E402
from gridmodel.heat.polygons import inside, read_polygons  # noqa: E402

KM_PER_DEG_LAT = 111.32
BUILDING_COLUMNS = ["building_id", "district", "zone_id", "source_id", "archetype", "floors",
                    "floor_area_m2", "residents", "grid_node", "queue", "lon", "lat",
                    "design_load_kw", "section_id"]


def largest_remainder(total: int, weights) -> np.ndarray:
    """Split the integer ``total`` in proportion to ``weights`` (Hamilton's method).

    Ties in the remainders go to the earlier entry, so the split is deterministic.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0 or w.sum() <= 0:
        msg = f"cannot split {total=} by weights {w.tolist()}"
        raise ValueError(msg)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(int)
    left = total - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:left]] += 1
    return base


def network_sections(b: pd.DataFrame, sec: dict, src_lon, src_lat) -> np.ndarray:
    """Network section of each building: its zone's buildings by distance from the source.

    ``network_km / km_per_section`` sections city-wide (``[sections]``), shared among zones
    in proportion to their buildings (at least one each); a zone's buildings, ranked by
    straight-line distance from their source at (``src_lon``, ``src_lat``) (ties by
    registry order), are cut into that many runs of equal size [C].
    """
    per_section = len(b) * float(sec["km_per_section"]) / float(sec["network_km"])
    src_lon, src_lat = np.asarray(src_lon, dtype=float), np.asarray(src_lat, dtype=float)
    km_lon = KM_PER_DEG_LAT * np.cos(np.radians(src_lat))
    d_km = np.hypot((b["lon"].to_numpy() - src_lon) * km_lon,
                    (b["lat"].to_numpy() - src_lat) * KM_PER_DEG_LAT)
    out = np.empty(len(b), dtype=object)
    for zone, idx in b.groupby("zone_id", sort=True).indices.items():
        n_sec = max(1, round(len(idx) / per_section))
        order = idx[np.argsort(d_km[idx], kind="stable")]
        k = np.arange(len(idx)) * n_sec // len(idx)
        out[order] = [f"sec:{zone.removeprefix('zone:')}-{j + 1:03d}" for j in k]
    return out


# ------------------------------------------------------------------ district polygons
def write_polygons(source: Path, out: Path, ids: dict[str, str], credit: str) -> None:
    """Copy a city's OSM district boundaries with the layer's district ids.

    ``ids`` maps the source's ``district`` property (``"Saltivskyi"``) to the layer id
    (``"saltivskyi"``); each feature keeps its geometry and gets ``name`` and ``credit``.
    """
    doc = json.loads(Path(source).read_text(encoding="utf-8"))
    feats = [{"type": "Feature",
              "properties": {"district": ids[f["properties"]["district"]],
                             "name": f["properties"]["district"], "credit": credit},
              "geometry": f["geometry"]}
             for f in sorted(doc["features"], key=lambda f: ids[f["properties"]["district"]])]
    text = json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False,
                      separators=(",", ":"))
    Path(out).write_text(text + "\n", encoding="utf-8")


def points_in(rings: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points drawn uniformly inside the polygon ``rings`` (rejection sampling)."""
    allv = np.concatenate(rings)
    lo, hi = allv.min(axis=0), allv.max(axis=0)
    got = np.empty((0, 2))
    while len(got) < n:
        cand = lo + (hi - lo) * rng.random((max(64, 3 * (n - len(got))), 2))
        got = np.vstack([got, cand[inside(rings, cand[:, 0], cand[:, 1])]])
    return got[:n]


# ------------------------------------------------------------------ the registry
def _draw_buildings(zones: list[dict], a: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Archetype, storeys and an unscaled floor area of every building, zone by zone."""
    arche, mix = a["archetypes"], a["archetype_mix"]
    rows = []
    for z in zones:
        counts = largest_remainder(z["buildings"], mix[z["mix"]])
        kinds = np.repeat(mix["order"], counts)[rng.permutation(z["buildings"])]
        for k in kinds:
            spec = arche[k]
            w = np.asarray(spec["floor_weights"], dtype=float)
            floors = int(rng.choice(spec["floors"], p=w / w.sum()))
            area = spec["mean_floor_area_m2"] * math.exp(
                rng.normal(-0.5 * a["floor_area"]["sigma"] ** 2, a["floor_area"]["sigma"]))
            rows.append({"zone_key": z["key"], "district": z["district"],
                         "source_key": z["source"], "archetype": spec["thermal_id"],
                         "floors": floors, "area": area})
    return pd.DataFrame(rows)


def _scale_to_zones(b: pd.DataFrame, zones: list[dict]) -> pd.DataFrame:
    """Floor areas scaled to each zone's total; residents split by floor area."""
    b = b.copy()
    b["floor_area_m2"] = 0
    b["residents"] = 0
    for z in zones:
        m = (b["zone_key"] == z["key"]).to_numpy()
        area = b.loc[m, "area"] * float(z["floor_area_m2"]) / b.loc[m, "area"].sum()
        b.loc[m, "floor_area_m2"] = area.round(0).astype(int)
        b.loc[m, "residents"] = largest_remainder(int(z["residents"]),
                                                  b.loc[m, "floor_area_m2"].to_numpy())
    return b


def _place(b: pd.DataFrame, polygons: dict, rng: np.random.Generator) -> pd.DataFrame:
    """lon/lat of every building: uniform inside its district's polygon [C]."""
    b = b.copy()
    b["lon"], b["lat"] = 0.0, 0.0
    for d, idx in b.groupby("district", sort=True).indices.items():
        pts = points_in(polygons[d], len(idx), rng)
        b.iloc[idx, b.columns.get_loc("lon")] = pts[:, 0].round(5)
        b.iloc[idx, b.columns.get_loc("lat")] = pts[:, 1].round(5)
    return b


def registry(zones: list[dict], sources: dict, districts: pd.DataFrame, a: dict,
             polygons: dict, prefix: str) -> pd.DataFrame:
    """The building registry of a city from its zone specifications.

    Parameters
    ----------
    zones : list of dict
        ``key`` (zone id without ``zone:``), ``source`` (key of ``sources``), ``district``,
        ``buildings``, ``mix`` (row of ``[archetype_mix]``), ``floor_area_m2``,
        ``residents``.
    sources : dict
        ``{key: {"source_id", "lon", "lat", ...}}``.
    districts : DataFrame
        ``district, grid_node``.
    a : dict
        The assumptions (``[meta] seed``, ``[archetypes]``, ``[archetype_mix]``,
        ``[floor_area] sigma``, ``[power] queues``, ``[heat_capacity]``, ``[sections]``).
    polygons : dict
        ``{district: rings}`` (:func:`gridmodel.heat.polygons.read_polygons`).
    prefix : str
        Prefix of the building ids (``"kharkiv"`` -> ``kharkiv-b00001``).
    """
    rng = np.random.default_rng(int(a["meta"]["seed"]))
    b = _scale_to_zones(_draw_buildings(zones, a, rng), zones)
    b = _place(b, polygons, rng)
    b["source_id"] = b["source_key"].map({k: v["source_id"] for k, v in sources.items()})
    b["zone_id"] = "zone:" + b["zone_key"]
    b["grid_node"] = b["district"].map(districts.set_index("district")["grid_node"])
    b["queue"] = rng.integers(0, int(a["power"]["queues"]), len(b))
    b["building_id"] = [f"{prefix}-b{i:05d}" for i in range(1, len(b) + 1)]
    hc = a["heat_capacity"]
    h = b["archetype"].map({t: archetype_h_w_m2k(t) for t in b["archetype"].unique()})
    b["design_load_kw"] = (h * b["floor_area_m2"]
                           * (hc["indoor_setpoint_c"] - hc["design_temp_c"]) / 1e3).round(1)
    b["section_id"] = network_sections(b, a["sections"],
                                       b["source_key"].map(lambda k: sources[k]["lon"]),
                                       b["source_key"].map(lambda k: sources[k]["lat"]))
    return b[BUILDING_COLUMNS].copy()


# ------------------------------------------------------------------ zones, pumping, sources
def zone_table(buildings: pd.DataFrame) -> pd.DataFrame:
    """``zones.csv``: one row per zone, totals of its buildings."""
    z = (buildings.groupby("zone_id", sort=True)
         .agg(source_id=("source_id", "first"), district=("district", "first"),
              buildings=("building_id", "size"), floor_area_m2=("floor_area_m2", "sum"),
              residents=("residents", "sum"), design_load_mw=("design_load_kw", "sum"))
         .reset_index())
    z["design_load_mw"] = (z["design_load_mw"] / 1e3).round(2)
    z["pump_id"] = "pump:" + z["zone_id"].str.removeprefix("zone:")
    return z[["zone_id", "source_id", "district", "pump_id", "buildings", "floor_area_m2",
              "residents", "design_load_mw"]]


def pumping_table(zones: pd.DataFrame, districts: pd.DataFrame, a: dict,
                  backup_mw: float) -> pd.DataFrame:
    """``pumping.csv``: one aggregated pumping station per zone at its district node [C]."""
    split = largest_remainder(int(round(backup_mw * 10)), zones["design_load_mw"].to_numpy())
    return pd.DataFrame({
        "pump_id": zones["pump_id"], "zone_id": zones["zone_id"],
        "grid_node": zones["district"].map(districts.set_index("district")["grid_node"]),
        "power_need_mw": (zones["design_load_mw"] * a["power_need"]["pumping_mwe_per_mwth"])
        .round(2),
        "backup_mw": split / 10, "backup_fuel_h": float(a["backup"]["fuel_hours"]),
        "source": "one aggregated pumping station per zone at its district node [C]",
    })


def source_table(sources: dict, zones: pd.DataFrame, a: dict) -> pd.DataFrame:
    """``heat_sources.csv``: each source's capacity (published, or its zones' design load
    x (1 + reserve) [C]) and electric need (none for a CHP: it powers itself)."""
    load = zones.groupby("source_id")["design_load_mw"].sum()
    reserve = 1.0 + float(a["heat_capacity"]["reserve"])
    rows = []
    for s in sources.values():
        cap = s.get("heat_capacity_mw") or float(load.get(s["source_id"], 0.0)) * reserve
        need = 0.0 if s["kind"] == "chp" else cap * a["power_need"]["boiler_mwe_per_mwth"]
        rows.append({
            "source_id": s["source_id"], "name": s["name"], "kind": s["kind"],
            "fuel": s["fuel"], "district": s.get("district", ""),
            "power_asset": s.get("power_asset", ""), "heat_capacity_mw": round(cap, 1),
            "capacity_source": s.get("capacity_source",
                                     "sized to design load of its zones x (1 + reserve) [C]"),
            "power_need_mw": round(need, 2), "backup_mw": float(s.get("backup_mw", 0.0)),
            "backup_fuel_h": float(s.get("backup_fuel_h", 0.0)),
            "lon": s.get("lon", float("nan")), "lat": s.get("lat", float("nan")),
            "source": s["source"]})
    return pd.DataFrame(rows)


#: the columns of ``standby.csv`` (gridmodel.heat.layer.STANDBY_COLUMNS)
STANDBY_COLUMNS = ["standby_id", "name", "kind", "zone_id", "heat_capacity_mw", "start_delay_h",
                   "fuel", "fuel_h", "own_power", "grid_node", "power_need_mw", "backup_mw",
                   "backup_fuel_h", "lon", "lat", "source"]


def standby_table(a: dict, buildings: pd.DataFrame, zones: pd.DataFrame,
                  sources: pd.DataFrame, prefix: str) -> pd.DataFrame | None:
    """``standby.csv`` from the ``[standby.<key>]`` sections of the assumptions, or None.

    Each section is one fleet: ids ``heat:<prefix>-<id>-<zone>-<k>``, ``kind``, ``units``
    of ``mw_th_each`` MW(th), spread over the zones of ``sources`` (source ids; or the
    zones listed in ``zones``) by their design load (largest remainder),
    ``start_delay_h``, ``fuel`` and ``fuel_h`` (absent: a gas main), ``own_power``
    (cogeneration: its own island) or the zone's district node with ``backup`` generators
    carrying its electric need for ``[backup] fuel_hours``.
    ``site = "source"`` puts a zone's units at its source, ``"buildings"`` at buildings of
    the zone drawn with the seed ``[meta] seed`` (stream 3) [C]. ``source`` and ``tag``
    say where the figures come from.
    """
    fleets = a.get("standby") or {}
    if not fleets:
        return None
    rng = np.random.default_rng([int(a["meta"]["seed"]), 3])
    at_src = sources.set_index("source_id")
    p_need = float(a["power_need"]["boiler_mwe_per_mwth"])
    rows = []
    for key, f in fleets.items():
        zsel = zones[zones["zone_id"].isin(f["zones"])] if "zones" in f else zones[
            zones["source_id"].isin(f["sources"])]
        zsel = zsel.sort_values("zone_id")
        counts = largest_remainder(int(f["units"]), zsel["design_load_mw"].to_numpy())
        for (_, z), n in zip(zsel.iterrows(), counts, strict=True):
            mine = buildings[buildings["zone_id"] == z["zone_id"]]
            node = mine["grid_node"].iloc[0]
            if f.get("site", "buildings") == "source":
                sites = [(at_src.at[z["source_id"], "lon"], at_src.at[z["source_id"], "lat"])] * n
            else:
                pick = rng.choice(len(mine), size=n, replace=False)
                sites = list(zip(mine["lon"].to_numpy()[pick], mine["lat"].to_numpy()[pick],
                                 strict=True))
            for k, (lon, lat) in enumerate(sites, start=1):
                cap = float(f["mw_th_each"])
                own = bool(f.get("own_power", False))
                need = 0.0 if own else round(cap * p_need, 3)
                zone = z["zone_id"].removeprefix(f"zone:{prefix}-")
                rows.append({
                    "standby_id": f"heat:{prefix}-{f['id']}-{zone}-{k}",
                    "name": f"{f['name']} {k} ({zone})",
                    "kind": f["kind"], "zone_id": z["zone_id"], "heat_capacity_mw": cap,
                    "start_delay_h": float(f["start_delay_h"]), "fuel": f["fuel"],
                    "fuel_h": float(f["fuel_h"]) if "fuel_h" in f else float("nan"),
                    "own_power": own, "grid_node": "" if own else node,
                    "power_need_mw": need,
                    "backup_mw": need if f.get("backup", False) else 0.0,
                    "backup_fuel_h": float(a["backup"]["fuel_hours"]) if f.get("backup", False)
                    else 0.0,
                    "lon": round(float(lon), 6), "lat": round(float(lat), 6),
                    "source": f"{f['source']}; [standby.{key}] of assumptions.toml"})
    return pd.DataFrame(rows, columns=STANDBY_COLUMNS)


def write_tables(out: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write the built tables as the layer's CSV files (deterministic bytes)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n", float_format="%.8g")


def load_polygons(path: Path) -> dict:
    """The layer's district polygons (:func:`gridmodel.heat.polygons.read_polygons`)."""
    return read_polygons(path)


# ------------------------------------------------------------------ one city's build
def district_ids(districts: pd.DataFrame) -> dict[str, str]:
    """``{OSM district name: layer district id}`` from ``districts.csv`` (``name``)."""
    return dict(zip(districts["name"], districts["district"], strict=True))


def boiler_sources(zones: list[dict], districts: pd.DataFrame, prefix: str, a: dict,
                   what: str) -> dict:
    """The aggregated boiler houses of each district with a ``boilers-<district>`` zone,
    as source specifications [C]; the boiler share of ``[backup]`` split by buildings."""
    bk = a["backup"]
    mine = [z for z in zones if z["source"].startswith("boilers-")]
    tenths = largest_remainder(int(round(bk["generators"] * bk["mw_each"] * bk["share_boilers"]
                                         * 10)), [z["buildings"] for z in mine])
    at = districts.set_index("district")
    out = {}
    for z, mw in zip(mine, tenths, strict=True):
        row = at.loc[z["district"]]
        out[z["source"]] = {
            "source_id": f"heat:{prefix}-{z['source']}", "name": f"boiler houses, {row['name']}",
            "kind": "boiler_aggregate", "fuel": "gas", "district": z["district"],
            "power_asset": row["grid_node"], "lon": row["centroid_lon"],
            "lat": row["centroid_lat"], "backup_mw": mw / 10,
            "backup_fuel_h": float(bk["fuel_hours"]), "source": what}
    return out


def build_city(here: Path, zones_of, sources_of, assumptions_path: Path | None = None,
               out: Path | None = None) -> dict[str, pd.DataFrame]:
    """Build a city's layer tables from its folder's facts and assumptions.

    Parameters
    ----------
    here : Path
        The city folder (``layer.toml``, ``districts.csv``, ``assumptions.toml``).
    zones_of : callable
        ``(assumptions, districts) -> list of zone specifications`` (:func:`registry`).
    sources_of : callable
        ``(assumptions, layer.toml, districts, zones) -> {key: source specification}``.
    assumptions_path, out : Path, optional
        Other assumptions; output folder (default: ``here``).
    """
    from gridmodel._io.tomlio import read_toml

    a, _ = read_toml(Path(assumptions_path or here / "assumptions.toml"), "assumptions file")
    layer, _ = read_toml(here / "layer.toml", "layer metadata")
    out = Path(out or here)
    districts = pd.read_csv(here / "districts.csv")
    zones = zones_of(a, districts)
    sources = sources_of(a, layer, districts, zones)
    polygons = load_polygons(here / layer["files"]["district_polygons"])
    buildings = registry(zones, sources, districts, a, polygons, layer["meta"]["name"])
    ztab = zone_table(buildings)
    bk = a["backup"]
    pumps = pumping_table(ztab, districts, a,
                          bk["generators"] * bk["mw_each"] * (1 - bk["share_boilers"]))
    tables = {"buildings": buildings, "heat_sources": source_table(sources, ztab, a),
              "zones": ztab, "pumping": pumps}
    standby = standby_table(a, buildings, ztab, tables["heat_sources"], layer["meta"]["name"])
    if standby is not None:
        tables["standby"] = standby
    write_tables(out, tables)
    return tables


def main(here: Path, zones_of, sources_of, doc: str, argv=None) -> int:
    """Command line of a city build script: ``[--assumptions FILE] [--out DIR]
    [--from-osm GEOJSON]`` (the last rewrites the layer's district polygons first)."""
    import argparse

    from gridmodel._io.tomlio import read_toml

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--assumptions", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--from-osm", type=Path, default=None,
                        help="the city's OSM district boundaries (shared/data/sources)")
    args = parser.parse_args(argv)
    if args.from_osm:
        layer, _ = read_toml(here / "layer.toml", "layer metadata")
        write_polygons(args.from_osm, here / layer["files"]["district_polygons"],
                       district_ids(pd.read_csv(here / "districts.csv")),
                       "(c) OpenStreetMap contributors, ODbL-1.0 (via darmat1/ukraine-geo-data)")
    t = build_city(here, zones_of, sources_of, args.assumptions, args.out)
    b = t["buildings"]
    print(f"{len(b)} buildings, {b.floor_area_m2.sum() / 1e6:.2f} M m2, "
          f"{b.residents.sum():,} residents; written to {args.out or here}")
    return 0
