"""Build the stylized, sourced `ukraine` network from public data.

Usage::

    python networks/build_ukraine.py            # writes networks/ukraine/*.csv, network.toml
    python networks/build_ukraine.py --out DIR  # writes elsewhere (used by the rebuild test)

Inputs (all inside the repository, so anyone can rebuild and diff):

- ``ukraine/sources/``: verbatim copies of the public source files (see
  ``ukraine/sources/PROVENANCE.md`` for repository, commit and licence of each);
- ``ukraine/curated/``: hand-made tables, every row with its source or a [C] tag:
  substation names matched by how lines connect (``substation_names.csv``), the
  occupied-asset list (``occupied.csv``), plants (``plants.csv``), line and
  transformer types, oblast population and controlled shares, the stylized Kyiv
  110 kV layer, status events, availability factors and national parameters.

The script is deterministic: the same inputs give byte-identical outputs.
Known pitfalls of the sources (FIELD_NOTES section 7) and how each is handled are
listed in ``ukraine/README.md``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from unidecode import unidecode

from gridmodel._io.tomlio import read_toml
from gridmodel.network.registry import slug

HERE = Path(__file__).resolve().parent
SRC = HERE / "ukraine" / "sources"
CUR = HERE / "ukraine" / "curated"

KV = {750.0: 750.0, 300.0: 330.0, 220.0: 220.0, 380.0: 400.0}  # GridKit lower bound -> nominal
KEEP_FOREIGN = {"PL", "HU", "SK", "RO", "MD"}  # EU neighbours (imports) and Moldova (transit)
EU = {"PL", "HU", "SK", "RO"}
CLASSES = ("critical", "heat_water", "residential", "industry")
AUTO_MATCH_KM = 35.0
CROSSING_DEG = 20.0  # [C] a joint of two straight runs within this angle is a crossing
CROSSING_VERTEX = 3  # [C] bearing taken to the third vertex from the joint


def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * np.arcsin(np.sqrt(a))


def nearest_oblast(s, c, lon, lat) -> list[str]:
    """Oblast of the nearest OSM transmission substation, in this project's oblast names."""
    osm = s["osm"].dropna(subset=["lon", "lat"])
    obl_map = {}
    for _, r in c["oblasts"].iterrows():
        for n in str(r["osm_names"]).split("|"):
            obl_map[n] = r["oblast"]
    d = haversine_km(
        np.asarray(lon, float)[:, None],
        np.asarray(lat, float)[:, None],
        osm["lon"].to_numpy()[None, :],
        osm["lat"].to_numpy()[None, :],
    )
    nearest = osm["oblast_name_en"].to_numpy()[d.argmin(axis=1)]
    return [obl_map.get(n, "unknown") for n in nearest]


def read_sources():
    s = {
        "buses": pd.read_csv(SRC / "gridkit_entsoe2022_ua_buses.csv"),
        "lines": pd.read_csv(SRC / "gridkit_entsoe2022_ua_lines.csv"),
        "trafos": pd.read_csv(SRC / "gridkit_entsoe2022_ua_transformers.csv"),
        "osm": pd.read_csv(SRC / "osm_ukr_energy_dash_ua_transmission_substations.csv"),
        "ppm": pd.read_csv(SRC / "ppm_v0.6.0_ukraine_powerplants.csv"),
    }
    c = {
        "names": pd.read_csv(CUR / "substation_names.csv", dtype={"station_id": int}),
        "occupied": pd.read_csv(CUR / "occupied.csv", dtype={"until": str}),
        "plants": pd.read_csv(CUR / "plants.csv", dtype={"gridkit_bus": str}),
        "oblasts": pd.read_csv(CUR / "oblasts.csv"),
        "line_types": pd.read_csv(CUR / "line_types.csv"),
        "trafo_types": pd.read_csv(CUR / "trafo_types.csv"),
        "kyiv": pd.read_csv(CUR / "kyiv_110kv.csv"),
        "ring": pd.read_csv(CUR / "kyiv_ring.csv"),
        "status": pd.read_csv(CUR / "status_events.csv", dtype={"end": str}),
        "availability": pd.read_csv(CUR / "availability.csv"),
        "built": pd.read_csv(CUR / "built_buses.csv"),
        "cities": pd.read_csv(CUR / "city_110kv.csv"),
    }
    c["params"], c["params_text"] = read_toml(CUR / "parameters.toml", "national parameters")
    return s, c


class Report:
    """Collects what the build decided, for ukraine/build_report.md."""

    def __init__(self):
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        self.lines.append(text)


def select_buses(s, c, rep: Report) -> pd.DataFrame:
    """Buses kept: UA and joints at 220-750 kV, EU/MD endpoints of ties; minus occupied-2014."""
    b = s["buses"].copy()
    b = b[b["voltage_kv_lower_bound"].isin(list(KV))]
    b = b[(b["country"].isin(["UA", "joint"])) | b["country"].isin(KEEP_FOREIGN)]
    built = set(c["built"]["gridkit_bus"])  # flagged under construction, built (sourced)
    # GridKit joints carry no flag (empty, not "f"): only buses flagged "t" are dropped
    b = b[(b["under_construction"] != "t") | b["bus_id"].isin(built)]
    rep.add(f"- kept {len(built)} buses flagged under construction that are built "
            "(curated/built_buses.csv): " + ", ".join(str(x) for x in sorted(built)))
    b["vn_kv"] = b["voltage_kv_lower_bound"].map(KV)
    rep.add(f"- GridKit buses at 220/330/400/750 kV in UA, joints, EU and MD: {len(b)}")
    # oblast of every bus: the oblast of the nearest OSM transmission substation
    b["oblast"] = nearest_oblast(s, c, b["lon"], b["lat"])
    foreign = b["country"].isin(KEEP_FOREIGN)
    b.loc[foreign, "oblast"] = "abroad:" + b.loc[foreign, "country"]
    b["abroad"] = foreign
    # Crimea and Sevastopol: occupied since 2014, outside the controlled system
    crimea = b["oblast"].isin(["Crimea", "Sevastopol"])
    rep.add(f"- dropped {int(crimea.sum())} buses in Crimea and Sevastopol (occupied since 2014)")
    b = b[~crimea]
    occ = c["occupied"]
    early = set(occ.loc[occ["since"] < "2022-02-24", "station_id"])
    drop = b["station_id"].isin(early)
    rep.add(
        f"- dropped {int(drop.sum())} buses at {len(early)} stations occupied since 2014 "
        "(curated/occupied.csv): outside the controlled system for the whole status range"
    )
    return b[~drop].copy()


def select_lines(s, buses, rep: Report) -> pd.DataFrame:
    ln = s["lines"].copy()
    n0 = len(ln)
    ln = ln[~ln["under_construction"]]
    rep.add(f"- dropped {n0 - len(ln)} lines flagged under construction (none is assumed built)")
    ln = ln[ln["voltage_kv_lower_bound"].isin(list(KV))]
    keep = set(buses["bus_id"])
    ln = ln[ln["bus0"].isin(keep) & ln["bus1"].isin(keep)]
    ln["vn_kv"] = ln["voltage_kv_lower_bound"].map(KV)
    ln["length_km"] = ln["length_m"] / 1000.0
    rep.add(f"- lines kept (220-750 kV, both ends kept): {len(ln)}")
    return drop_dead_ends(join_crossings(ln, buses, rep), buses, rep)


def drop_dead_ends(ln: pd.DataFrame, buses: pd.DataFrame, rep: Report) -> pd.DataFrame:
    """Lines ending at a joint that no other line leaves, dropped until there are none:
    such a line links nothing (its far end was a line under construction or a dropped
    bus) and would leave the joint an island when its other end is out."""
    joints = set(buses.loc[buses["country"] == "joint", "bus_id"])
    dropped = []
    while True:
        ends = pd.concat([ln["bus0"], ln["bus1"]]).value_counts()
        dead = {b for b in joints if ends.get(b, 0) == 1}
        hit = ln["bus0"].isin(dead) | ln["bus1"].isin(dead)
        if not hit.any():
            break
        dropped += sorted(int(x) for x in ln.loc[hit, "line_id"])
        ln = ln[~hit]
    rep.add(f"- dropped {len(dropped)} lines ending at a joint that no other line leaves: "
            + ", ".join(str(x) for x in dropped))
    return ln


def _bearing_deg(wkt: str, lon: float, lat: float) -> float:
    """Direction (degrees from east) in which a WKT line leaves the point (lon, lat)."""
    pts = [tuple(map(float, p.split())) for p in wkt[wkt.index("(") + 1 : -1].split(",")]
    if math.dist(pts[-1], (lon, lat)) < math.dist(pts[0], (lon, lat)):
        pts = pts[::-1]
    far = pts[min(CROSSING_VERTEX, len(pts) - 1)]
    east = (far[0] - pts[0][0]) * math.cos(math.radians(lat))
    return math.degrees(math.atan2(far[1] - pts[0][1], east))


def _straight_pairs(bearings: list[float]) -> tuple[tuple[int, int], ...] | None:
    """The pairing of four bearings into two straight runs, each within CROSSING_DEG of
    180 degrees (the closest such pairing), or None when there is none."""
    best = None
    for pairs in (((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2))):
        dev = max(abs(180.0 - abs((bearings[a] - bearings[b] + 180.0) % 360.0 - 180.0))
                  for a, b in pairs)
        if dev <= CROSSING_DEG and (best is None or dev < best[0]):
            best = (dev, pairs)
    return None if best is None else best[1]


def join_crossings(ln: pd.DataFrame, buses: pd.DataFrame, rep: Report) -> pd.DataFrame:
    """Lines through a crossing joint, joined end to end (FIELD_NOTES 7).

    A GridKit joint where four lines of one voltage meet as two straight runs is where two
    lines cross on the map, not a tee: each run becomes one line (lengths added, the fewer
    circuits, the bearing at the joint from each line's own geometry) and the joint is
    left without lines. Other joints (two lines in series, tees) are kept as junction
    buses without load.
    """
    ln = ln.assign(joined="")
    crossed = []
    for jb, j in buses[buses["country"] == "joint"].set_index("bus_id").iterrows():
        at = ln[(ln["bus0"] == jb) | (ln["bus1"] == jb)]
        if len(at) != 4:
            continue
        pairs = _straight_pairs([_bearing_deg(g, j["lon"], j["lat"]) for g in at["geometry"]])
        if pairs is None:
            continue
        crossed.append(int(jb))
        runs = []
        for a, b in pairs:
            ra, rb = at.iloc[a], at.iloc[b]
            run = ra.copy()
            run["bus0"] = ra["bus1"] if ra["bus0"] == jb else ra["bus0"]
            run["bus1"] = rb["bus1"] if rb["bus0"] == jb else rb["bus0"]
            run["length_km"] = ra["length_km"] + rb["length_km"]
            run["circuits"] = min(ra["circuits"], rb["circuits"])
            run["joined"] = (f"{ra['joined'] or ra['line_id']} + {rb['joined'] or rb['line_id']}"
                             f" (crossing at joint {jb})")
            runs.append(run)
        ln = pd.concat([ln.drop(index=at.index), pd.DataFrame(runs)])
    rep.add(f"- joined {2 * len(crossed)} pairs of lines through {len(crossed)} crossing "
            "joints (four lines of one voltage as two straight runs, within "
            f"{CROSSING_DEG:g} degrees, [C]): " + ", ".join(str(x) for x in crossed))
    return ln.reset_index(drop=True)


def main_component(buses, lines, trafos, rep: Report):
    g = nx.Graph()
    g.add_nodes_from(buses["bus_id"])
    g.add_edges_from(zip(lines["bus0"], lines["bus1"], strict=True))
    g.add_edges_from(zip(trafos["bus0"], trafos["bus1"], strict=True))
    comps = sorted(nx.connected_components(g), key=lambda x: (-len(x), min(x)))
    main = comps[0]
    dropped = buses[~buses["bus_id"].isin(main)]
    rep.add(
        f"- kept the main connected system ({len(main)} buses); dropped {len(dropped)} buses "
        f"in {len(comps) - 1} pieces not linked to it by in-service lines "
        "(110 kV stubs, lines under construction, foreign ends): "
        + ", ".join(str(x) for x in sorted(dropped["bus_id"]))
    )
    buses = buses[buses["bus_id"].isin(main)].copy()
    lines = lines[lines["bus0"].isin(main) & lines["bus1"].isin(main)].copy()
    trafos = trafos[trafos["bus0"].isin(main) & trafos["bus1"].isin(main)].copy()
    return buses, lines, trafos


def name_stations(s, c, buses, rep: Report) -> pd.DataFrame:
    """One row per station (substation): curated names first, then a one-to-one assignment."""
    st = (
        buses.sort_values("bus_id")
        .groupby("station_id")
        .agg(
            lon=("lon", "first"),
            lat=("lat", "first"),
            vn_kv=("vn_kv", "max"),
            oblast=("oblast", "first"),
            country=("country", "first"),
            gens=("attached_generator_names", lambda x: "; ".join(sorted(set(x.dropna())))),
        )
        .reset_index()
    )
    cur = c["names"].set_index("station_id")
    st["name"] = ""
    st["name_uk"] = ""
    st["aliases"] = ""
    st["confidence"] = ""
    st["basis"] = ""
    for i, r in st.iterrows():
        sid = r["station_id"]
        if sid in cur.index:
            row = cur.loc[sid]
            st.loc[i, ["name", "name_uk", "confidence", "basis"]] = [
                row["name"],
                row["name_uk"] if isinstance(row["name_uk"], str) else "",
                row["confidence"],
                row["basis"],
            ]
            st.loc[i, "aliases"] = row["aliases"] if isinstance(row["aliases"], str) else ""
    # stations with a GridKit generator attached take the plant's name
    for i, r in st.iterrows():
        if not r["name"] and r["gens"] and r["country"] == "UA":
            first = r["gens"].split("; ")[0]
            st.loc[i, ["name", "confidence", "basis"]] = [
                f"{first} substation",
                "plant",
                f"GridKit generator(s) attached: {r['gens']}",
            ]
    # one-to-one assignment of the other UA stations to named OSM substations of the same
    # voltage class (Hungarian method on distance), so no OSM name is used twice
    osm = s["osm"].dropna(subset=["lon", "lat", "name"]).copy()
    osm = osm[osm["max_voltage_kv"].fillna(0) >= 220]
    used = {str(x) for x in c["names"]["name_uk"].dropna()}
    osm = osm[~osm["name"].isin(used)].reset_index(drop=True)
    todo = st[(st["name"] == "") & (st["country"] == "UA")].reset_index()
    if len(todo) and len(osm):
        d = haversine_km(
            todo["lon"].to_numpy()[:, None],
            todo["lat"].to_numpy()[:, None],
            osm["lon"].to_numpy()[None, :],
            osm["lat"].to_numpy()[None, :],
        )
        vclass = np.where(
            todo["vn_kv"].to_numpy()[:, None] >= 330,
            osm["max_voltage_kv"].to_numpy()[None, :] >= 330,
            osm["max_voltage_kv"].to_numpy()[None, :] == 220,
        )
        cost = np.where(vclass & (d <= AUTO_MATCH_KM), d, 1e4)  # only pairs within reach
        ri, ci = linear_sum_assignment(cost)
        n_assigned = 0
        for r_i, c_i in zip(ri, ci, strict=True):
            if cost[r_i, c_i] > AUTO_MATCH_KM:
                continue
            o = osm.loc[c_i]
            idx = todo.loc[r_i, "index"]
            uk = str(o["name"])
            en = (
                o["name_en"]
                if isinstance(o["name_en"], str) and o["name_en"]
                else unidecode(uk).replace("'", "")
            )
            st.loc[idx, ["name", "name_uk", "aliases", "confidence", "basis"]] = [
                en.strip(),
                uk,
                "",
                "assigned",
                f"one-to-one assignment to OSM {o['osm_type']} {o['osm_id']} at "
                f"{cost[r_i, c_i]:.1f} km (schematic GridKit coordinates)",
            ]
            n_assigned += 1
        rep.add(
            f"- substation names: {int((st['confidence'] != '').sum()) - n_assigned} curated "
            f"(curated/substation_names.csv), {n_assigned} assigned one-to-one to OSM "
            f"substations within {AUTO_MATCH_KM:.0f} km"
        )
    for i, r in st.iterrows():
        if r["name"]:
            continue
        if r["country"] == "joint":
            st.loc[i, ["name", "confidence", "basis"]] = [
                f"Junction {r['station_id']}",
                "junction",
                "GridKit joint: line tee or crossing point, not a substation (FIELD_NOTES 7)",
            ]
        elif r["country"] in KEEP_FOREIGN:
            st.loc[i, ["name", "confidence", "basis"]] = [
                f"Border {r['country']} {r['station_id']}",
                "foreign",
                "GridKit foreign end of a cross-border line",
            ]
        else:
            gens = f" ({r['gens']})" if r["gens"] else ""
            st.loc[i, ["name", "confidence", "basis"]] = [
                f"Station {r['station_id']}{gens}",
                "unnamed",
                "no OSM substation of its voltage class within reach",
            ]
    # unique names: suffix the voltage, then the station id
    dup = st["name"].duplicated(keep=False)
    st.loc[dup, "name"] = st.loc[dup, "name"] + " " + st.loc[dup, "station_id"].astype(str)
    st["substation_id"] = "sub:" + st["name"].map(slug)
    assert st["substation_id"].is_unique
    ring = c["ring"].set_index("station_id")
    for sid, r in ring.iterrows():
        st.loc[st["station_id"] == sid, "oblast"] = r["oblast"]
    return st


def line_params(c, vn_kv: float) -> pd.Series:
    lt = c["line_types"].set_index("vn_kv")
    return lt.loc[vn_kv]


def trafo_params(c, hv: float, lv: float) -> pd.Series:
    tt = c["trafo_types"]
    hit = tt[(tt["vn_hv_kv"] == hv) & (tt["vn_lv_kv"] == lv)]
    if hit.empty:
        msg = f"no transformer type for {hv}/{lv} kV in curated/trafo_types.csv"
        raise SystemExit(msg)
    return hit.iloc[0]


def build(out: Path) -> None:
    s, c = read_sources()
    rep = Report()
    rep.add("# Build report of the `ukraine` network\n")
    rep.add("Written by `networks/build_ukraine.py`; do not edit by hand.\n")
    buses = select_buses(s, c, rep)
    lines = select_lines(s, buses, rep)
    tr = s["trafos"]
    tr = tr[tr["bus0"].isin(buses["bus_id"]) & tr["bus1"].isin(buses["bus_id"])].copy()
    buses, lines, tr = main_component(buses, lines, tr, rep)
    st = name_stations(s, c, buses, rep)

    sid_of_station = dict(zip(st["station_id"], st["substation_id"], strict=True))
    name_of_station = dict(zip(st["station_id"], st["name"], strict=True))
    buses = buses.sort_values("bus_id").copy()
    buses["substation_id"] = buses["station_id"].map(sid_of_station)
    buses["oblast"] = buses["station_id"].map(
        dict(zip(st["station_id"], st["oblast"], strict=True))
    )
    buses["bid"] = (
        "bus:" + buses["substation_id"].str[4:] + "-" + buses["vn_kv"].map(lambda v: f"{v:g}")
    )
    assert buses["bid"].is_unique, buses[buses["bid"].duplicated(keep=False)]
    bid = dict(zip(buses["bus_id"], buses["bid"], strict=True))

    # ---- substations table
    occ = c["occupied"]
    subs = pd.DataFrame(
        {
            "substation_id": st["substation_id"],
            "name": st["name"],
            "aliases": [
                "|".join(x for x in [r["name_uk"], r["aliases"]] if isinstance(x, str) and x)
                for _, r in st.iterrows()
            ],
            "oblast": st["oblast"],
            "lon": st["lon"].round(6),
            "lat": st["lat"].round(6),
            "kind": np.where(
                st["confidence"] == "junction",
                "junction",
                np.where(st["confidence"] == "foreign", "border", "substation"),
            ),
            "gridkit_station": st["station_id"],
            "name_confidence": st["confidence"],
            "source": "GridKit ENTSO-E map extract (CC-BY-4.0); name: " + st["basis"],
        }
    )

    # ---- buses table
    bus_tab = pd.DataFrame(
        {
            "bus_id": buses["bid"],
            "name": buses["station_id"].map(name_of_station)
            + " "
            + buses["vn_kv"].map(lambda v: f"{v:g} kV"),
            "substation_id": buses["substation_id"],
            "vn_kv": buses["vn_kv"],
            "oblast": buses["oblast"],
            "lon": buses["lon"].round(6),
            "lat": buses["lat"].round(6),
            "abroad": buses["abroad"],
            "gridkit_bus": buses["bus_id"].astype(str),
            "source": "GridKit ENTSO-E map extract bus "
            + buses["bus_id"].astype(str)
            + " (voltage class lower bound mapped to nominal: 300->330, 380->400)",
        }
    )

    # ---- lines table
    rows = []
    bus_station = dict(zip(buses["bus_id"], buses["station_id"], strict=True))
    for _, r in lines.sort_values("line_id").iterrows():
        p = line_params(c, r["vn_kv"])
        a, b_ = bid[r["bus0"]], bid[r["bus1"]]
        na = name_of_station[bus_station[r["bus0"]]]
        nb = name_of_station[bus_station[r["bus1"]]]
        rows.append(
            {
                "line_id": f"line:{slug(na)}--{slug(nb)}-{r['vn_kv']:g}",
                "name": f"{na} - {nb} {r['vn_kv']:g} kV",
                "aliases": f"{nb} - {na}",
                "from_bus": a,
                "to_bus": b_,
                "vn_kv": r["vn_kv"],
                "length_km": round(float(r["length_km"]), 3),
                "r_ohm_per_km": p["r_ohm_per_km"],
                "x_ohm_per_km": p["x_ohm_per_km"],
                "c_nf_per_km": p["c_nf_per_km"],
                "max_i_ka": p["max_i_ka"],
                "parallel": int(r["circuits"]),
                "std_type": p["conductor"],
                "source": f"GridKit line {r['joined'] or r['line_id']} (length, circuits); "
                "type: curated/line_types.csv",
            }
        )
    line_tab = pd.DataFrame(rows)
    line_tab["line_id"] = _dedupe(line_tab["line_id"])

    # ---- transformers
    rows = []
    bus_kv = dict(zip(buses["bus_id"], buses["vn_kv"], strict=True))
    for _, r in tr.sort_values("transformer_id").iterrows():
        hv, lv = sorted([r["bus0"], r["bus1"]], key=lambda x: -bus_kv[x])
        p = trafo_params(c, bus_kv[hv], bus_kv[lv])
        sname = name_of_station[bus_station[hv]]
        rows.append(
            {
                "trafo_id": f"trafo:{slug(sname)}-{bus_kv[hv]:g}-{bus_kv[lv]:g}",
                "name": f"{sname} {bus_kv[hv]:g}/{bus_kv[lv]:g} kV autotransformers",
                "aliases": f"{sname} AT|{sname} autotransformer",
                "substation_id": sid_of_station[bus_station[hv]],
                "hv_bus": bid[hv],
                "lv_bus": bid[lv],
                "sn_mva": p["sn_mva"],
                "vn_hv_kv": bus_kv[hv],
                "vn_lv_kv": bus_kv[lv],
                "vk_percent": p["vk_percent"],
                "vkr_percent": p["vkr_percent"],
                "pfe_kw": p["pfe_kw"],
                "i0_percent": p["i0_percent"],
                "parallel": int(p["parallel"]),
                "std_type": p["type"],
                "source": f"GridKit transformer {r['transformer_id']}; "
                "type: curated/trafo_types.csv",
            }
        )
    trafo_tab = pd.DataFrame(rows)

    # ---- stylized Kyiv 110 kV layer (FIELD_NOTES 9)
    subs, bus_tab, line_tab, trafo_tab = add_kyiv_layer(
        c, st, subs, bus_tab, line_tab, trafo_tab, rep
    )
    trafo_tab["trafo_id"] = _dedupe(trafo_tab["trafo_id"])

    # ---- plants
    plant_tab = build_plants(s, c, st, bus_tab, buses, rep)

    # ---- loads
    load_tab = build_loads(c, bus_tab, line_tab, trafo_tab, occ, st, rep)
    subs, bus_tab, line_tab, trafo_tab, load_tab = add_city_nodes(
        c, st, {"subs": subs, "buses": bus_tab, "lines": line_tab, "trafos": trafo_tab,
                "loads": load_tab}, rep
    )

    # ---- shunts on 750 kV lines
    comp = float(c["params"]["shunts"]["line_charging_compensation"])
    rows = []
    for _, r in line_tab[line_tab["vn_kv"] == 750].iterrows():
        q_total = (
            (750.0**2) * 2 * math.pi * 50 * r["c_nf_per_km"] * 1e-9 * r["length_km"] * r["parallel"]
        )
        for end in ("from_bus", "to_bus"):
            rows.append(
                {
                    "shunt_id": f"shunt:{r['line_id'][5:]}-{end[:-4]}",
                    "name": f"Shunt reactor {r['name']} ({end[:-4]} end)",
                    "bus_id": r[end],
                    "q_mvar": round(comp * q_total / 2, 3),
                    "source": f"{comp:.0%} of the line's charging, half at each end "
                    "(FIELD_NOTES 7)",
                }
            )
    shunt_tab = pd.DataFrame(rows)

    # ---- interconnectors: EU foreign ends of tie lines, cap shared by thermal rating
    ic_rows = []
    ties = line_tab[
        line_tab["from_bus"].isin(bus_tab.loc[bus_tab["abroad"], "bus_id"])
        | line_tab["to_bus"].isin(bus_tab.loc[bus_tab["abroad"], "bus_id"])
    ]
    abroad = bus_tab.set_index("bus_id")
    for _, r in ties.iterrows():
        fb = r["from_bus"] if abroad.at[r["from_bus"], "abroad"] else r["to_bus"]
        country = abroad.at[fb, "oblast"].split(":")[1]
        if country not in EU:
            continue
        rating = math.sqrt(3) * r["vn_kv"] * r["max_i_ka"] * r["parallel"]
        ic_rows.append(
            {
                "interconnector_id": f"import:{country.lower()}-{fb[4:]}",
                "name": f"Imports from {country} via {r['name']}",
                "bus_id": fb,
                "country": country,
                "rating_mva": rating,
            }
        )
    ic = pd.DataFrame(ic_rows).drop_duplicates("interconnector_id").sort_values("interconnector_id")
    ic["share"] = _rounded_shares(ic["rating_mva"] / ic["rating_mva"].sum(), 6)
    ic["aliases"] = "EU imports " + ic["country"]
    ic["source"] = (
        "FIELD_NOTES 2 [A]: 2.1 GW commercial + 0.25 GW emergency import cap, shared "
        "over EU tie lines in proportion to their thermal rating [C]"
    )
    ic = ic.drop(columns=["rating_mva"])
    rep.add(f"- interconnectors: {len(ic)} EU tie ends ({', '.join(sorted(set(ic['country'])))})")

    # ---- status table
    status = build_status(c, st, subs, plant_tab, rep)

    # ---- write
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "substations.csv": subs,
        "buses.csv": bus_tab,
        "lines.csv": line_tab,
        "trafos.csv": trafo_tab,
        "plants.csv": plant_tab,
        "loads.csv": load_tab,
        "shunts.csv": shunt_tab,
        "interconnectors.csv": ic,
        "status.csv": status,
        "availability.csv": c["availability"],
    }
    for fname, df in tables.items():
        df.to_csv(out / fname, index=False, lineterminator="\n", float_format="%.6g")
    write_meta(out, c["params_text"])
    rep.add("")
    rep.add("## Totals\n")
    for fname, df in tables.items():
        rep.add(f"- {fname}: {len(df)} rows")
    (out / "build_report.md").write_text("\n".join(rep.lines) + "\n", encoding="utf-8")


def _rounded_shares(share: pd.Series, decimals: int) -> pd.Series:
    """Shares rounded to ``decimals`` that still sum to 1 (largest remainders first), so
    the written shares carry the whole cap."""
    unit = 10.0**decimals
    floor = np.floor(share.to_numpy(float) * unit)
    short = int(round(unit - floor.sum()))
    order = np.argsort(-(share.to_numpy(float) * unit - floor), kind="stable")
    floor[order[:short]] += 1
    return pd.Series(floor / unit, index=share.index)


def _dedupe(ids: pd.Series) -> pd.Series:
    seen: dict[str, int] = {}
    out = []
    for x in ids:
        n = seen.get(x, 0)
        seen[x] = n + 1
        out.append(x if n == 0 else f"{x}-{n + 1}")
    return pd.Series(out, index=ids.index)


def add_kyiv_layer(c, st, subs, bus_tab, line_tab, trafo_tab, rep: Report):
    kyiv, ring = c["kyiv"], c["ring"].set_index("station_id")
    sid = dict(zip(st["station_id"], st["substation_id"], strict=True))
    sname = dict(zip(st["station_id"], st["name"], strict=True))
    lp = line_params(c, 110.0)
    tp = trafo_params(c, 330.0, 110.0)
    new_subs, new_buses, new_lines, new_trafos = [], [], [], []
    for station, r in ring.iterrows():
        s_id = sid[station]
        hv = bus_tab.loc[(bus_tab["substation_id"] == s_id) & (bus_tab["vn_kv"] == 330), "bus_id"]
        lv = f"bus:{s_id[4:]}-110"
        new_buses.append(
            {
                "bus_id": lv,
                "name": f"{sname[station]} 110 kV",
                "substation_id": s_id,
                "vn_kv": 110.0,
                "oblast": r["oblast"],
                "lon": round(float(r["osm_lon"]), 6),
                "lat": round(float(r["osm_lat"]), 6),
                "abroad": False,
                "gridkit_bus": "",
                "source": "stylized Kyiv 110 kV layer (FIELD_NOTES 9) [C]",
            }
        )
        new_trafos.append(
            {
                "trafo_id": f"trafo:{s_id[4:]}-330-110",
                "name": f"{sname[station]} 330/110 kV autotransformers",
                "aliases": "",
                "substation_id": s_id,
                "hv_bus": hv.iloc[0],
                "lv_bus": lv,
                "sn_mva": tp["sn_mva"],
                "vn_hv_kv": 330.0,
                "vn_lv_kv": 110.0,
                "vk_percent": tp["vk_percent"],
                "vkr_percent": tp["vkr_percent"],
                "pfe_kw": tp["pfe_kw"],
                "i0_percent": tp["i0_percent"],
                "parallel": int(tp["parallel"]),
                "std_type": tp["type"],
                "source": "stylized Kyiv 110 kV layer [C]; type: curated/trafo_types.csv",
            }
        )
    for _, d in kyiv.iterrows():
        s_id = f"sub:kyiv-110-{d['district']}"
        b_id = f"bus:kyiv-110-{d['district']}"
        new_subs.append(
            {
                "substation_id": s_id,
                "name": f"Kyiv 110 kV {d['name']}",
                "aliases": f"{d['name']}|{d['name_uk']}|{d['name']} district",
                "oblast": "Kyiv",
                "lon": d["lon"],
                "lat": d["lat"],
                "kind": "substation",
                "gridkit_station": "",
                "name_confidence": "stylized",
                "source": "stylized Kyiv 110 kV district node (FIELD_NOTES 9) [C]; " + d["source"],
            }
        )
        new_buses.append(
            {
                "bus_id": b_id,
                "name": f"Kyiv 110 kV {d['name']}",
                "substation_id": s_id,
                "vn_kv": 110.0,
                "oblast": "Kyiv",
                "lon": d["lon"],
                "lat": d["lat"],
                "abroad": False,
                "gridkit_bus": "",
                "source": "stylized Kyiv 110 kV layer (FIELD_NOTES 9) [C]",
            }
        )
        for feed in (d["feed_1"], d["feed_2"]):
            rr = ring.loc[feed]
            km = 1.3 * float(haversine_km(rr["osm_lon"], rr["osm_lat"], d["lon"], d["lat"]))
            new_lines.append(
                {
                    "line_id": f"line:{sid[feed][4:]}--kyiv-110-{d['district']}-110",
                    "name": f"{sname[feed]} - Kyiv {d['name']} 110 kV",
                    "aliases": f"Kyiv {d['name']} - {sname[feed]} 110 kV",
                    "from_bus": f"bus:{sid[feed][4:]}-110",
                    "to_bus": b_id,
                    "vn_kv": 110.0,
                    "length_km": round(max(km, 2.0), 3),
                    "r_ohm_per_km": lp["r_ohm_per_km"],
                    "x_ohm_per_km": lp["x_ohm_per_km"],
                    "c_nf_per_km": lp["c_nf_per_km"],
                    "max_i_ka": lp["max_i_ka"],
                    "parallel": 2,
                    "std_type": lp["conductor"],
                    "source": "stylized Kyiv 110 kV layer [C]: double circuit, length = 1.3 x "
                    "straight distance from the OSM position of the feeding 330 kV substation",
                }
            )
    rep.add(
        f"- Kyiv 110 kV layer: {len(ring)} ring 330/110 kV substations, {len(kyiv)} district "
        f"nodes, {len(new_lines)} double-circuit 110 kV lines (stylized, [C])"
    )
    subs = pd.concat([subs, pd.DataFrame(new_subs)], ignore_index=True)
    bus_tab = pd.concat([bus_tab, pd.DataFrame(new_buses)], ignore_index=True)
    line_tab = pd.concat([line_tab, pd.DataFrame(new_lines)], ignore_index=True)
    trafo_tab = pd.concat([trafo_tab, pd.DataFrame(new_trafos)], ignore_index=True)
    return subs, bus_tab, line_tab, trafo_tab


# ---- 110 kV district nodes of the heat-layer cities other than Kyiv (curated/city_110kv.csv)
def _step_downs(stations, st, buses, c) -> tuple[list[dict], list[dict]]:
    """A 110 kV bus and 330/110 kV autotransformers at each feeding 330 kV station."""
    tp = trafo_params(c, 330.0, 110.0)
    bus_rows, trafo_rows = [], []
    for station in sorted(stations):
        srow = st.set_index("station_id").loc[station]
        s_id, lv = srow["substation_id"], f"bus:{srow['substation_id'][4:]}-110"
        if lv in set(buses["bus_id"]):
            continue  # already stepped down (Kyiv's ring)
        hv = buses.loc[(buses["substation_id"] == s_id) & (buses["vn_kv"] == 330), "bus_id"]
        here = buses.loc[hv.index[0]]
        bus_rows.append(dict(bus_id=lv, name=f"{srow['name']} 110 kV", substation_id=s_id,
                             vn_kv=110.0, oblast=here["oblast"], lon=here["lon"],
                             lat=here["lat"], abroad=False, gridkit_bus="",
                             source="stylized city 110 kV layer (curated/city_110kv.csv) [C]"))
        trafo_rows.append(dict(
            trafo_id=f"trafo:{s_id[4:]}-330-110", aliases="", substation_id=s_id,
            name=f"{srow['name']} 330/110 kV autotransformers", hv_bus=hv.iloc[0], lv_bus=lv,
            **{k: tp[k] for k in ("sn_mva", "vk_percent", "vkr_percent", "pfe_kw",
                                  "i0_percent")},
            vn_hv_kv=330.0, vn_lv_kv=110.0, parallel=int(tp["parallel"]), std_type=tp["type"],
            source="stylized city 110 kV layer [C]; type: curated/trafo_types.csv"))
    return bus_rows, trafo_rows


def _city_node_tables(d: pd.DataFrame, st, buses, c) -> dict[str, pd.DataFrame]:
    """Substations, buses and double-circuit 110 kV feeder lines of the district nodes."""
    lp = line_params(c, 110.0)
    place = d["city"].map(slug) + "-110-" + d["district"]
    label = d["city"] + " 110 kV " + d["name"]
    node = pd.DataFrame({"substation_id": "sub:" + place, "name": label,
                         "oblast": d["oblast"], "lon": d["lon"], "lat": d["lat"]})
    subs = node.assign(aliases=d["name"] + "|" + d["name_uk"] + "|" + d["name"] + " district",
                       kind="substation", gridkit_station="", name_confidence="stylized",
                       source="stylized city 110 kV district node [C]; " + d["source"])
    buses_new = node.assign(bus_id="bus:" + place, substation_id="sub:" + place, vn_kv=110.0,
                            abroad=False, gridkit_bus="",
                            source="stylized city 110 kV layer (curated/city_110kv.csv) [C]")
    at = st.set_index("station_id")
    lines = []
    for feed_col in ("feed_1", "feed_2"):
        feed = at.loc[d[feed_col], ["substation_id", "name", "lon", "lat"]].reset_index(drop=True)
        km = 1.3 * haversine_km(feed["lon"].to_numpy(), feed["lat"].to_numpy(),
                                d["lon"].to_numpy(), d["lat"].to_numpy())
        lines.append(pd.DataFrame({
            "line_id": "line:" + feed["substation_id"].str[4:] + "--" + place + "-110",
            "name": feed["name"] + " - " + d["city"] + " " + d["name"] + " 110 kV",
            "aliases": d["city"] + " " + d["name"] + " - " + feed["name"] + " 110 kV",
            "from_bus": "bus:" + feed["substation_id"].str[4:] + "-110",
            "to_bus": "bus:" + place, "vn_kv": 110.0,
            "length_km": np.maximum(km, 2.0).round(3),
            **{k: lp[k] for k in ("r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "max_i_ka")},
            "parallel": 2, "std_type": lp["conductor"],
            "source": "stylized city 110 kV layer [C]: double circuit, length = 1.3 x straight "
                      "distance from the feeding 330 kV substation"}))
    return {"subs": subs, "buses": buses_new, "lines": pd.concat(lines, ignore_index=True)}


def _take(loads: pd.DataFrame, rows: pd.Series, mw: float) -> float:
    """Scale the loads ``rows`` down by up to ``mw`` in all; return the MW taken."""
    have = float(loads.loc[rows, "p_mw"].sum())
    taken = min(mw, have)
    if have > 0:
        loads.loc[rows, ["p_mw", "q_mvar"]] = (loads.loc[rows, ["p_mw", "q_mvar"]]
                                               * (1 - taken / have)).round(4)
    return taken


def _city_loads(d: pd.DataFrame, loads: pd.DataFrame, c, st, buses) -> pd.DataFrame:
    """Move each city's share of its oblast's load (by population) to its district nodes:
    first from the load buses of the stations that feed the city (where its load sat),
    the rest from the oblast's other load buses."""
    p = c["params"]["demand"]
    shares = {k: float(p[f"class_share_{k}"]) for k in CLASSES}
    tanphi = math.tan(math.acos(float(p["power_factor"])))
    ob = c["oblasts"].set_index("oblast")
    sub_of = dict(zip(st["station_id"], st["substation_id"], strict=True))
    bus_sub = buses.set_index("bus_id")["substation_id"]
    loads = loads.copy()
    new = []
    for (city, oblast), g in d.groupby(["city", "oblast"], sort=False):
        in_ob = loads["oblast"] == oblast
        frac = float(g["population"].sum()) / float(
            ob.at[oblast, "population_2021"] * ob.at[oblast, "controlled_share"])
        city_mw = float(loads.loc[in_ob, "p_mw"].sum()) * frac
        feeds = {sub_of[s] for s in set(g["feed_1"]) | set(g["feed_2"])}
        at_feed = in_ob & loads["bus_id"].map(bus_sub).isin(feeds)
        left = city_mw - _take(loads, at_feed, city_mw)
        _take(loads, in_ob & ~at_feed, left)
        for _, r in g.iterrows():
            b = buses.set_index("bus_id").loc[f"bus:{slug(city)}-110-{r['district']}"]
            b = pd.concat([b, pd.Series({"bus_id": b.name})])
            mw = city_mw * r["population"] / g["population"].sum()
            new += [_load_row(oblast, b, k, mw * shares[k], tanphi,
                              f"{city}: {frac:.1%} of {oblast} oblast's load (city population "
                              f"{g['population'].sum():,} over the oblast's controlled "
                              f"population, curated/oblasts.csv), taken from the load buses of "
                              f"its feeding stations first, by district population "
                              f"(curated/city_110kv.csv); class share {shares[k]} [C]",
                              load_name=f"{city} {r['name']}") for k in CLASSES]
    return pd.concat([loads, pd.DataFrame(new)], ignore_index=True)


def add_city_nodes(c, st, tabs: dict, rep: Report):
    """The 110 kV district nodes a city heat layer needs (``bus:<city>-110-<district>``).

    Read from ``curated/city_110kv.csv`` (one row per district: position, population, two
    feeding 330 kV stations by GridKit station id, source); each node gets double-circuit
    110 kV lines from 330/110 kV autotransformers at its feeds, and the city's share of its
    oblast's load (by population) is moved to the nodes, from its feeding stations' load
    buses first.
    """
    d = c["cities"]
    step_buses, step_trafos = _step_downs(set(d["feed_1"]) | set(d["feed_2"]), st,
                                          tabs["buses"], c)
    new = _city_node_tables(d, st, tabs["buses"], c)
    subs = pd.concat([tabs["subs"], new["subs"]], ignore_index=True)
    buses = pd.concat([tabs["buses"], pd.DataFrame(step_buses), new["buses"]], ignore_index=True)
    lines = pd.concat([tabs["lines"], new["lines"]], ignore_index=True)
    trafos = pd.concat([tabs["trafos"], pd.DataFrame(step_trafos)], ignore_index=True)
    loads = _city_loads(d, tabs["loads"], c, st, buses)
    rep.add(f"- city 110 kV layers ({', '.join(d['city'].unique())}): {len(d)} district nodes, "
            f"{len(step_trafos)} new 330/110 kV step-downs, {len(new['lines'])} double-circuit "
            "110 kV lines (stylized, [C]; curated/city_110kv.csv)")
    return (subs[tabs["subs"].columns], buses[tabs["buses"].columns],
            lines[tabs["lines"].columns], trafos[tabs["trafos"].columns], loads)


def build_plants(s, c, st, bus_tab, buses, rep: Report) -> pd.DataFrame:
    gk2bid = dict(zip(bus_tab["gridkit_bus"], bus_tab["bus_id"], strict=True))
    rows = []
    ua = bus_tab[
        (~bus_tab["abroad"])
        & (bus_tab["vn_kv"] >= 220)
        & ~bus_tab["substation_id"].str.startswith("sub:junction")
    ]
    oblast_of = dict(zip(bus_tab["bus_id"], bus_tab["oblast"], strict=True))
    for _, p in c["plants"].iterrows():
        gb = str(p["gridkit_bus"])
        if gb.startswith("kyiv-110:"):
            b = f"bus:kyiv-110-{gb.split(':')[1]}"
            how = "stylized Kyiv 110 kV district node"
        elif gb == "nearest":
            d = haversine_km(ua["lon"].to_numpy(), ua["lat"].to_numpy(), p["lon"], p["lat"])
            b = ua["bus_id"].iloc[int(np.argmin(d))]
            how = f"nearest 220-330 kV bus ({d.min():.0f} km; small plant, no GridKit bus)"
        else:
            if gb not in gk2bid:
                rep.add(f"- plant {p['plant_id']}: GridKit bus {gb} not in the network; dropped")
                continue
            b = gk2bid[gb]
            how = f"GridKit bus {gb}, attached by name"
        rows.append(
            {
                "plant_id": p["plant_id"],
                "name": p["name"],
                "aliases": "|".join(x for x in [p["name_uk"], p["aliases"]] if isinstance(x, str)),
                "technology": p["technology"],
                "installed_mw": float(p["installed_mw"]),
                "bus_id": b,
                "oblast": oblast_of[b],
                "lon": p["lon"],
                "lat": p["lat"],
                "dispatchable": True,
                "heat_city": p["heat_city"] if isinstance(p["heat_city"], str) else "",
                "source": f"{p['source']}; bus: {how}",
            }
        )
    # solar and wind aggregated per oblast from powerplantmatching, scaled to the controlled share
    ppm = s["ppm"]
    rn = ppm[ppm["Fueltype"].isin(["Solar", "Wind"])].dropna(subset=["lat", "lon"])
    rn = rn.assign(oblast=nearest_oblast(s, c, rn["lon"], rn["lat"]))
    share = c["oblasts"].set_index("oblast")["controlled_share"]
    agg = rn.groupby(["oblast", "Fueltype"])["Capacity"].sum().reset_index()
    for _, r in agg.sort_values(["oblast", "Fueltype"]).iterrows():
        o = r["oblast"]
        if o == "Kyiv":
            o_bus = "Kyivska"
        else:
            o_bus = o
        mw = float(r["Capacity"]) * float(share.get(r["oblast"], 0.0))
        cands = ua[ua["oblast"] == o_bus].sort_values(["vn_kv", "bus_id"], ascending=[False, True])
        if mw <= 0 or cands.empty:
            continue
        tech = r["Fueltype"].lower()
        b = cands["bus_id"].iloc[0]
        rows.append(
            {
                "plant_id": f"plant:{tech}-{slug(r['oblast'])}",
                "name": f"{r['Fueltype']} {r['oblast']}",
                "aliases": f"{r['Fueltype']} farms {r['oblast']}",
                "technology": tech,
                "installed_mw": round(mw, 3),
                "bus_id": b,
                "oblast": oblast_of[b],
                "lon": float(cands["lon"].iloc[0]),
                "lat": float(cands["lat"].iloc[0]),
                "dispatchable": False,
                "heat_city": "",
                "source": f"powerplantmatching v0.6.0 {r['Fueltype']} rows in {r['oblast']} "
                f"(nearest OSM oblast), x controlled share {share.get(r['oblast'], 0.0)} "
                "(curated/oblasts.csv); aggregated at the oblast's highest-voltage bus",
            }
        )
    tab = pd.DataFrame(rows)
    rep.add(
        f"- plants: {int(tab['dispatchable'].sum())} dispatchable plants attached by name, "
        f"{int((~tab['dispatchable']).sum())} aggregated solar/wind rows; dropped from the "
        "sources as duplicates or retired: Trypilska gas row, Zaporizhzhia gas row, Chernihiv "
        "coal row, Chornobyl (closed 2000)"
    )
    return tab


def build_loads(c, bus_tab, line_tab, trafo_tab, occ, st, rep: Report) -> pd.DataFrame:
    p = c["params"]["demand"]
    total = float(p["national_peak_mw"])
    kyiv_mw = float(p["kyiv_city_peak_mw"])
    shares = {k: float(p[f"class_share_{k}"]) for k in CLASSES}
    tanphi = math.tan(math.acos(float(p["power_factor"])))
    ob = c["oblasts"].copy()
    ob["controlled_pop"] = ob["population_2021"] * ob["controlled_share"]
    rest = ob[ob["oblast"] != "Kyiv"]
    rest_mw = total - kyiv_mw
    rest = rest.assign(p_mw=rest_mw * rest["controlled_pop"] / rest["controlled_pop"].sum())
    # eligible buses: in Ukraine, 220 kV and above (110 kV for Kyiv districts), with an
    # in-service line or transformer, never occupied
    still = occ.loc[occ["until"].isna(), "station_id"]
    occupied_subs = set(st.loc[st["station_id"].isin(still), "substation_id"])
    connected = set(line_tab["from_bus"]) | set(line_tab["to_bus"]) | set(trafo_tab["hv_bus"])
    elig = bus_tab[
        (~bus_tab["abroad"])
        & bus_tab["bus_id"].isin(connected)
        & ~bus_tab["substation_id"].isin(occupied_subs)
        & ~bus_tab["substation_id"].str.startswith("sub:junction")
        & (bus_tab["vn_kv"] >= 220)
    ]
    # one load bus per substation: its lowest voltage level of 220 kV or above
    elig = elig.sort_values(["substation_id", "vn_kv", "bus_id"]).groupby("substation_id").head(1)
    rows = []
    for _, o in rest.iterrows():
        if o["p_mw"] <= 0:
            continue
        bb = elig[elig["oblast"] == o["oblast"]].sort_values("bus_id")
        if bb.empty:
            msg = f"oblast {o['oblast']} has demand but no eligible bus"
            raise SystemExit(msg)
        # [C] a substation's share of its oblast's load goes with the thermal rating of one
        # circuit at its load bus's voltage (curated/line_types.csv): a 220 kV substation
        # takes about a third of a 330 kV one's
        weight = bb["vn_kv"] * bb["vn_kv"].map(lambda v: line_params(c, v)["max_i_ka"])
        for (_, b), share in zip(bb.iterrows(), weight / weight.sum(), strict=True):
            for k in CLASSES:
                rows.append(
                    _load_row(
                        o["oblast"],
                        b,
                        k,
                        o["p_mw"] * share * shares[k],
                        tanphi,
                        f"national peak {total:g} MW less Kyiv city, spread by "
                        f"controlled population (curated/oblasts.csv) over the oblast's "
                        f"{len(bb)} load substations by the rating of one circuit at "
                        f"{b['vn_kv']:g} kV (curated/line_types.csv) [C]: {share:.1%}; "
                        f"class share {shares[k]} [C]",
                    )
                )
    kyiv = c["kyiv"]
    for _, d in kyiv.iterrows():
        b = bus_tab[bus_tab["bus_id"] == f"bus:kyiv-110-{d['district']}"].iloc[0]
        mw = kyiv_mw * d["population_2021"] / kyiv["population_2021"].sum()
        for k in CLASSES:
            rows.append(
                _load_row(
                    "Kyiv",
                    b,
                    k,
                    mw * shares[k],
                    tanphi,
                    f"Kyiv city peak {kyiv_mw:g} MW (FIELD_NOTES 2 [B]) by district "
                    f"population (FIELD_NOTES 3); class share {shares[k]} [C]",
                    load_name=f"Kyiv {d['name']}",
                )
            )
    tab = pd.DataFrame(rows)
    rep.add(
        f"- loads: {len(tab)} rows on {tab['bus_id'].nunique()} substations, "
        f"{tab['p_mw'].sum():.0f} MW in all"
    )
    return tab


def _load_row(oblast, b, k, p_mw, tanphi, source, load_name=None):
    place = b["substation_id"][4:]
    obl = slug(oblast)
    lid = f"load:{obl}-{place}-{k}" if load_name is None else f"load:{slug(load_name)}-{k}"
    return {
        "load_id": lid,
        "name": f"{load_name or b['name']} {k}",
        "bus_id": b["bus_id"],
        "oblast": oblast,
        "priority_class": k,
        "p_mw": round(p_mw, 4),
        "q_mvar": round(p_mw * tanphi, 4),
        "source": source,
    }


def build_status(c, st, subs, plant_tab, rep: Report) -> pd.DataFrame:
    rows = []
    occ = c["occupied"]
    sid = dict(zip(st["station_id"], st["substation_id"], strict=True))
    for _, r in occ[occ["since"] >= "2022-02-24"].iterrows():
        if r["station_id"] not in sid:
            continue
        until = r["until"] if isinstance(r["until"], str) else ""
        rows.append(
            {
                "asset_id": sid[r["station_id"]],
                "status": "occupied",
                "available_fraction": 0.0,
                "start": r["since"],
                "end": until,
                "source": f"curated/occupied.csv: {r['place']} {r['basis']}",
            }
        )
    ev = c["status"]
    known = set(plant_tab["plant_id"]) | set(subs["substation_id"])
    for _, r in ev.iterrows():
        if r["asset_id"] not in known:
            rep.add(
                f"- status event for {r['asset_id']} skipped: the asset is not in the "
                "network (see above)"
            )
            continue
        rows.append(
            {
                "asset_id": r["asset_id"],
                "status": r["status"],
                "available_fraction": r["available_fraction"],
                "start": r["start"],
                "end": r["end"] if isinstance(r["end"], str) else "",
                "source": r["source"],
            }
        )
    tab = pd.DataFrame(rows).sort_values(["start", "asset_id"], kind="stable")
    rep.add(
        f"- status rows: {len(tab)} ({(tab['status'] == 'occupied').sum()} occupied substations)"
    )
    return tab


def write_meta(out: Path, params: str) -> None:
    """Write network.toml: the network's name and description, then curated/parameters.toml."""
    head = (
        "# The `ukraine` network: written by networks/build_ukraine.py; do not edit by hand.\n"
        'name = "ukraine"\n'
        'description = "Stylized, sourced Ukrainian transmission network (750/400/330/220 kV '
        "backbone, plants, oblast loads by priority class, EU imports) with a stylized Kyiv "
        '110 kV layer"\n'
        'version = "2026.1"\n'
        'licence = "CC-BY-4.0 (GridKit/ENTSO-E extract, powerplantmatching) and ODbL-1.0 '
        '(OpenStreetMap names); see sources/PROVENANCE.md"\n\n'
    )
    (out / "network.toml").write_text(head + params, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=HERE / "ukraine",
        help="output folder (default: networks/ukraine)",
    )
    args = ap.parse_args(argv)
    build(args.out)
    print(f"wrote the ukraine network to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
