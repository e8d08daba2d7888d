"""Tiny test networks whose answers can be worked out on paper, built in memory.

One builder per network, each under its own name (the fixtures of ``conftest.py`` of the
same names call them; a test that needs a fresh or parametrised copy calls the builder):

- :func:`tiny_net`: five buses, one plant, one interconnector, three loads (the
  hand-checkable network of the outage and engine tests);
- :func:`triangle_net`: three buses in a triangle, a cascade on paper;
- :func:`meshed_net`: a small random meshed 110/10 kV network with tight ratings;
- :func:`alias_net`: 750/330/110 kV, names, aliases and an ambiguous name chosen to test
  strike resolution (built from tables by :func:`gridmodel.network.tables.net_from_tables`).

``build_net`` turns a short description into a pandapowerNet with the columns and the
registry of ``docs/architecture.md``, so tests can write networks of three to five buses
in a few lines. The on-disk tiny network and heat layer are in ``tests/data/tiny/``.
"""

from __future__ import annotations

import math

import numpy as np
import pandapower as pp
import pandas as pd

from gridmodel.network.registry import REGISTRY_COLUMNS, validate_registry
from gridmodel.network.tables import net_from_tables

KV = 110.0


def amps_for_mw(rating_mw: float, vn_kv: float = KV) -> float:
    """Line current limit [kA] that gives ``rating_mw`` in the engine's DC convention."""
    return rating_mw / (math.sqrt(3.0) * vn_kv)


def build_net(buses, lines, gens, loads, trafos=(), imports=None):
    """Build a tiny network with a registry.

    Parameters
    ----------
    buses : list of (bus_id, substation_id, vn_kv)
    lines : list of (line_id, from_bus_id, to_bus_id, x_ohm, rating_mw)
    gens : list of (plant_id, bus_id, max_p_mw, technology)
    loads : list of (load_id, bus_id, p_mw, priority_class, oblast)
    trafos : list of (trafo_id, hv_bus_id, lv_bus_id, sn_mva, vk_percent)
    imports : dict, optional
        ``net.parameters["imports"]`` (``commercial_mw``, ``emergency_mw``).
    """
    net = pp.create_empty_network(f_hz=50.0)
    pos = {}
    rows = []
    subs = {}
    for bid, sub, vn in buses:
        i = pp.create_bus(net, vn_kv=vn, name=bid)
        pos[bid] = i
        subs.setdefault(sub, vn)
        subs[sub] = max(subs[sub], vn)
        rows.append(dict(asset_id=bid, kind="bus", element="bus", element_index=i, name=bid,
                         oblast="test", vn_kv=vn, substation=sub))
    net.bus["bus_id"] = [b[0] for b in buses]
    net.bus["substation_id"] = [b[1] for b in buses]
    net.bus["oblast"] = "test"
    for sub, vn in subs.items():
        rows.append(dict(asset_id=sub, kind="substation", element="substation",
                         element_index=-1, name=sub, oblast="test", vn_kv=vn))
    for lid, fb, tb, x_ohm, rating in lines:
        vn = net.bus.at[pos[fb], "vn_kv"]
        i = pp.create_line_from_parameters(
            net, pos[fb], pos[tb], length_km=1.0, r_ohm_per_km=x_ohm / 10.0,
            x_ohm_per_km=x_ohm, c_nf_per_km=0.0, max_i_ka=amps_for_mw(rating, vn), name=lid)
        net.line.at[i, "line_id"] = lid
        rows.append(dict(asset_id=lid, kind="line", element="line", element_index=i,
                         name=lid, oblast="test", vn_kv=vn))
    for tid, hv, lv, sn, vk in trafos:
        i = pp.create_transformer_from_parameters(
            net, pos[hv], pos[lv], sn_mva=sn, vn_hv_kv=net.bus.at[pos[hv], "vn_kv"],
            vn_lv_kv=net.bus.at[pos[lv], "vn_kv"], vk_percent=vk, vkr_percent=0.3,
            pfe_kw=20.0, i0_percent=0.05, name=tid)
        sub = net.bus.at[pos[hv], "substation_id"]
        net.trafo.at[i, "trafo_id"] = tid
        net.trafo.at[i, "substation_id"] = sub
        rows.append(dict(asset_id=tid, kind="transformer", element="trafo", element_index=i,
                         name=tid, oblast="test", substation=sub))
    for pid, bid, pmax, tech in gens:
        i = pp.create_gen(net, pos[bid], p_mw=0.0, vm_pu=1.0, max_p_mw=pmax, min_p_mw=0.0,
                          name=pid, type=tech)
        net.gen.at[i, "plant_id"] = pid
        net.gen.at[i, "technology"] = tech
        net.gen.at[i, "installed_mw"] = pmax
        kind = "interconnector" if tech == "import" else "plant"
        rows.append(dict(asset_id=pid, kind=kind, element="gen", element_index=i, name=pid,
                         oblast="test", technology=tech))
    for lid, bid, p, cls, oblast in loads:
        i = pp.create_load(net, pos[bid], p_mw=p, q_mvar=0.2 * p, name=lid)
        net.load.at[i, "load_id"] = lid
        net.load.at[i, "priority_class"] = cls
        net.load.at[i, "oblast"] = oblast
        rows.append(dict(asset_id=lid, kind="load", element="load", element_index=i, name=lid,
                         oblast=oblast, priority_class=cls))
    net["registry"] = validate_registry(pd.DataFrame(rows).reindex(columns=REGISTRY_COLUMNS))
    net["parameters"] = {"imports": dict(imports)} if imports else {}
    net["meta"] = {"name": "tiny"}
    return net


def tiny_net():
    """Five buses, one 100 MW plant, a 50 MW interconnector (import cap 30 MW), 90 MW load.

    ::

        west-110 ---- north-110 ---- city-110 ---- east-110
        ic:west       plant:tpp      |  load:city-ind    load:east-crit
        (import 50)   (100)          |  (industry 20)    (critical 40)
                                 trafo:city-110-10
                                     city-10: load:city-res (residential 30)

    Lines ``line:west-north``, ``line:north-city``, ``line:city-east`` (200 MW each).
    """
    return build_net(
        buses=[("bus:west-110", "sub:west", 110.0), ("bus:north-110", "sub:north", 110.0),
               ("bus:city-110", "sub:city", 110.0), ("bus:city-10", "sub:city", 10.0),
               ("bus:east-110", "sub:east", 110.0)],
        lines=[("line:west-north", "bus:west-110", "bus:north-110", 4.0, 200.0),
               ("line:north-city", "bus:north-110", "bus:city-110", 4.0, 200.0),
               ("line:city-east", "bus:city-110", "bus:east-110", 4.0, 200.0)],
        trafos=[("trafo:city-110-10", "bus:city-110", "bus:city-10", 63.0, 10.5)],
        gens=[("plant:tpp", "bus:north-110", 100.0, "coal"),
              ("ic:west", "bus:west-110", 50.0, "import")],
        loads=[("load:city-ind", "bus:city-110", 20.0, "industry", "city"),
               ("load:city-res", "bus:city-10", 30.0, "residential", "city"),
               ("load:east-crit", "bus:east-110", 40.0, "critical", "east")],
        imports={"commercial_mw": 20.0, "emergency_mw": 10.0},
    )


def triangle_net():
    """Cascade on paper: a triangle, 100 MW plant at A, 90 MW load at B, equal reactances.

    Intact: 60 MW flows A->B directly, 30 MW via C (A-C rated 50 MW). Removing A-B sends
    all 90 MW over A-C (loading 1.8): it trips in round 1 and B and C go dark.
    """
    return build_net(
        buses=[("bus:a", "sub:a", KV), ("bus:b", "sub:b", KV), ("bus:c", "sub:c", KV)],
        lines=[("line:a-b", "bus:a", "bus:b", 4.0, 100.0),
               ("line:a-c", "bus:a", "bus:c", 4.0, 50.0),
               ("line:c-b", "bus:c", "bus:b", 4.0, 100.0)],
        gens=[("plant:a", "bus:a", 100.0, "gas")],
        loads=[("load:b", "bus:b", 90.0, "residential", "b")],
    )


def meshed_net(seed: int = 0, n_bus: int = 12):
    """A small random meshed 110/10 kV network with tight ratings (cascades happen)."""
    rng = np.random.default_rng(seed)
    buses = [(f"bus:n{i}", f"sub:n{i}", KV) for i in range(n_bus)]
    lines = []
    for i in range(1, n_bus):  # spanning tree plus chords
        j = int(rng.integers(0, i))
        lines.append((f"line:{j}-{i}", f"bus:n{j}", f"bus:n{i}", float(rng.uniform(2, 8)),
                      float(rng.uniform(40, 120))))
    for k in range(n_bus // 2):
        i, j = sorted(rng.choice(n_bus, 2, replace=False).tolist())
        lines.append((f"line:{i}-{j}-c{k}", f"bus:n{i}", f"bus:n{j}", float(rng.uniform(2, 8)),
                      float(rng.uniform(40, 120))))
    buses.append(("bus:n0-10", "sub:n0", 10.0))
    trafos = [("trafo:n0-110-10", "bus:n0", "bus:n0-10", 80.0, 12.0)]
    gens = [(f"plant:g{i}", f"bus:n{i}", float(rng.uniform(40, 150)), "gas")
            for i in rng.choice(n_bus, 4, replace=False)]
    gens.append(("ic:x", f"bus:n{n_bus - 1}", 60.0, "import"))
    classes = ["industry", "residential", "heat_water", "critical"]
    loads = [(f"load:n{i}-{c}", f"bus:n{i}", float(rng.uniform(2, 20)), c, f"ob{i % 3}")
             for i in range(1, n_bus) for c in rng.choice(classes, 2, replace=False)]
    loads.append(("load:n0-10-res", "bus:n0-10", 25.0, "residential", "ob0"))
    return build_net(buses, lines, gens, loads, trafos,
                     imports={"commercial_mw": 30.0, "emergency_mw": 10.0})


def alias_net():
    """Four substations, two plants, four loads; names chosen to test resolution.

    ``Bravo`` is ambiguous on purpose (a substation name and another's alias).
    """
    subs = pd.DataFrame({
        "substation_id": ["sub:alpha-750", "sub:bravo", "sub:kyiv-110-darnytskyi", "sub:charlie"],
        "name": ["Alpha-750", "Bravo", "Darnytskyi 110", "Charlie"],
        "aliases": ["Альфа|Alpha 750", "Браво", "", "Charlie North|Bravo"],
        "oblast": ["Kyivska", "Kyivska", "Kyiv", "Lvivska"],
        "lon": [30.0, 30.5, 30.6, 24.0], "lat": [50.0, 50.4, 50.45, 49.8],
    })
    buses = pd.DataFrame({
        "bus_id": ["bus:alpha-750", "bus:bravo-330", "bus:kyiv-110-darnytskyi", "bus:charlie-330"],
        "substation_id": subs["substation_id"],
        "vn_kv": [750.0, 330.0, 110.0, 330.0],
        "oblast": subs["oblast"], "lon": subs["lon"], "lat": subs["lat"],
        "abroad": [False] * 4,
    })
    lines = pd.DataFrame({
        "line_id": ["line:bravo-charlie"], "name": ["Bravo - Charlie"],
        "from_bus": ["bus:bravo-330"], "to_bus": ["bus:charlie-330"], "length_km": [300.0],
        "r_ohm_per_km": [0.03], "x_ohm_per_km": [0.3], "c_nf_per_km": [10.0],
        "max_i_ka": [2.0], "parallel": [1],
    })
    trafos = pd.DataFrame({
        "trafo_id": ["trafo:alpha-750-330", "trafo:bravo-330-110"],
        "name": ["Alpha AT-1", "Bravo T-1"],
        "substation_id": ["sub:alpha-750", "sub:bravo"],
        "hv_bus": ["bus:alpha-750", "bus:bravo-330"],
        "lv_bus": ["bus:bravo-330", "bus:kyiv-110-darnytskyi"],
        "sn_mva": [1000.0, 500.0], "vn_hv_kv": [750.0, 330.0], "vn_lv_kv": [330.0, 110.0],
        "vk_percent": [12.0, 10.0], "vkr_percent": [0.3, 0.3], "pfe_kw": [0.0, 0.0],
        "i0_percent": [0.0, 0.0], "parallel": [1, 1],
    })
    plants = pd.DataFrame({
        "plant_id": ["plant:alpha-npp", "plant:darnytsia-chp-4"],
        "name": ["Alpha NPP", "Darnytsia CHP-4"], "aliases": ["", "ТЕЦ-4"],
        "technology": ["nuclear", "chp"], "installed_mw": [1000.0, 160.0],
        "bus_id": ["bus:alpha-750", "bus:kyiv-110-darnytskyi"],
        "oblast": ["Kyivska", "Kyiv"], "lon": [30.0, 30.6], "lat": [50.0, 50.45],
        "dispatchable": [True, True],
    })
    loads = pd.DataFrame({
        "load_id": ["load:kyiv-darnytskyi-residential", "load:kyiv-darnytskyi-critical",
                    "load:lvivska-charlie-residential", "load:lvivska-charlie-industry"],
        "name": ["Kyiv res", "Kyiv crit", "Lviv res", "Lviv ind"],
        "bus_id": ["bus:kyiv-110-darnytskyi", "bus:kyiv-110-darnytskyi", "bus:charlie-330",
                   "bus:charlie-330"],
        "oblast": ["Kyiv", "Kyiv", "Lvivska", "Lvivska"],
        "priority_class": ["residential", "critical", "residential", "industry"],
        "p_mw": [400.0, 100.0, 300.0, 200.0], "q_mvar": [0.0] * 4,
    })
    tables = {"substations.csv": subs, "buses.csv": buses, "lines.csv": lines,
              "trafos.csv": trafos, "plants.csv": plants, "loads.csv": loads,
              "shunts.csv": pd.DataFrame(columns=["shunt_id", "name", "bus_id", "q_mvar"]),
              "interconnectors.csv": pd.DataFrame(
                  columns=["interconnector_id", "name", "bus_id", "country", "share"])}
    return net_from_tables(tables, {"name": "alias", "description": "test network"})
