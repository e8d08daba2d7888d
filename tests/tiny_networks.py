"""Tiny hand-checkable networks shared by several test files."""

from __future__ import annotations

import pandas as pd

from gridmodel.network.tables import net_from_tables


def tiny_net():
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
    return net_from_tables(tables, {"name": "tiny", "description": "test network"})
