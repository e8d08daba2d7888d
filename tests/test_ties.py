"""Re-feeding through a normally-open 110 kV tie (grid issue #16, Build 4;
``gridmodel.outage.ties``), on a tiny network worked out on paper::

    plant:gas (300 MW) -- bus:grid-330
                         |                       |
           trafo:a-330-110 (200 MVA)   trafo:b-330-110 (200 MVA)
                         |                       |
     load:a-res 40 -- bus:a-110 ==tie:a-b== bus:b-110 -- load:b-res 30, load:b-crit 10
                         (normally open, 25 MW, switching 2 h)

``trafo:b-330-110`` is destroyed at 00:00 and repaired after 6 h: district B is dark,
the tie closes from 02:00 and re-feeds B up to its 25 MW (each of B's loads keeps
25 / 40 of its connection), and opens again when the transformer is back at 06:00.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import gridmodel
from gridmodel.errors import NetworkFileError
from gridmodel.network.tables import REQUIRED, net_from_tables
from gridmodel.outage import timeline as tl
from gridmodel.outage._model import apply_outages, build_model
from gridmodel.strikes import resolve_strikes, strikes_from_records

START = "2026-01-15T00:00+02:00"
TIE_MW, SWITCHING_H, REPAIR_H = 25.0, 2.0, 6.0
B_LOADS = ("load:b-res", "load:b-crit")
B_PEAK_MW = 40.0  # load:b-res 30 + load:b-crit 10 (inputs)


def _tables(with_tie: bool = True) -> dict[str, pd.DataFrame]:
    subs = pd.DataFrame({"substation_id": ["sub:grid", "sub:a", "sub:b"],
                         "name": ["Grid", "A", "B"], "aliases": ["", "", ""],
                         "oblast": ["test"] * 3, "lon": [30.0, 30.1, 30.2],
                         "lat": [50.0, 50.1, 50.1]})
    buses = pd.DataFrame({"bus_id": ["bus:grid-330", "bus:a-110", "bus:b-110"],
                          "substation_id": subs["substation_id"],
                          "vn_kv": [330.0, 110.0, 110.0], "oblast": ["test"] * 3,
                          "lon": subs["lon"], "lat": subs["lat"], "abroad": [False] * 3})
    trafos = pd.DataFrame({
        "trafo_id": ["trafo:a-330-110", "trafo:b-330-110"], "name": ["A AT", "B AT"],
        "substation_id": ["sub:a", "sub:b"], "hv_bus": ["bus:grid-330"] * 2,
        "lv_bus": ["bus:a-110", "bus:b-110"], "sn_mva": [200.0] * 2,
        "vn_hv_kv": [330.0] * 2, "vn_lv_kv": [110.0] * 2, "vk_percent": [10.0] * 2,
        "vkr_percent": [0.25] * 2, "pfe_kw": [0.0] * 2, "i0_percent": [0.0] * 2,
        "parallel": [1, 1]})
    plants = pd.DataFrame({"plant_id": ["plant:gas"], "name": ["Gas"], "aliases": [""],
                           "technology": ["gas"], "installed_mw": [300.0],
                           "bus_id": ["bus:grid-330"], "oblast": ["test"], "lon": [30.0],
                           "lat": [50.0], "dispatchable": [True]})
    loads = pd.DataFrame({"load_id": ["load:a-res", *B_LOADS], "name": ["a", "b", "bc"],
                          "bus_id": ["bus:a-110", "bus:b-110", "bus:b-110"],
                          "oblast": ["test"] * 3,
                          "priority_class": ["residential", "residential", "critical"],
                          "p_mw": [40.0, 30.0, 10.0], "q_mvar": [0.0] * 3})
    ties = pd.DataFrame({"tie_id": ["tie:a-b"], "name": ["A - B 110 kV tie"],
                         "from_bus": ["bus:a-110"], "to_bus": ["bus:b-110"],
                         "length_km": [5.0], "r_ohm_per_km": [0.12], "x_ohm_per_km": [0.39],
                         "capacity_mw": [TIE_MW], "switching_h": [SWITCHING_H],
                         "source": ["[C] test"]})
    tables = {f: pd.DataFrame(columns=REQUIRED[f]) for f in REQUIRED}
    tables.update({"substations.csv": subs, "buses.csv": buses, "trafos.csv": trafos,
                   "plants.csv": plants, "loads.csv": loads})
    if with_tie:
        tables["ties.csv"] = ties
    return tables


def _net(with_tie: bool = True):
    return net_from_tables(_tables(with_tie), {"name": "ties", "description": "test"})


def _run(net, engine: str):
    strikes = resolve_strikes(net, strikes_from_records(
        [{"target": "trafo:b-330-110", "time": START, "effect": "destroyed",
          "repair_h": REPAIR_H}]))
    res = tl.simulate_outages(net, strikes, START, 8, seed=0, engine=engine, ac=False,
                              blackouts=False)
    b = res.loads[res.loads["load_id"].isin(B_LOADS)]
    return b.groupby("time")[["demand_mw", "served_mw"]].sum().reset_index()


def test_a_tie_is_open_unless_listed_and_closed_when_listed():
    model = build_model(_net())
    k = list(model.br_asset).index("tie:a-b")
    assert not apply_outages(model, {}).br_alive[k]
    assert apply_outages(model, {"tie:a-b": 1.0}).br_alive[k]
    assert not apply_outages(model, {"tie:a-b": 0.0}).br_alive[k]


@pytest.mark.parametrize("engine", ["fast", "pandapower"])
def test_a_district_is_refed_through_its_tie_after_the_switching_time(engine):
    hours = _run(_net(), engine)
    h = (hours["time"] - hours["time"].iloc[0]) / pd.Timedelta(hours=1)
    dark = h < SWITCHING_H
    tied = (h >= SWITCHING_H) & (h < REPAIR_H)
    back = h >= REPAIR_H
    assert (hours.loc[dark, "served_mw"] == 0.0).all()
    expected = hours.loc[tied, "demand_mw"] * TIE_MW / B_PEAK_MW
    assert hours.loc[tied, "served_mw"].to_numpy() == pytest.approx(expected.to_numpy(),
                                                                    abs=1e-6)
    assert (hours.loc[tied, "served_mw"] <= TIE_MW + 1e-6).all()
    assert hours.loc[back, "served_mw"].to_numpy() == pytest.approx(
        hours.loc[back, "demand_mw"].to_numpy(), abs=1e-6)


def test_without_the_tie_the_district_stays_dark_until_the_repair():
    hours = _run(_net(with_tie=False), "fast")
    h = (hours["time"] - hours["time"].iloc[0]) / pd.Timedelta(hours=1)
    assert (hours.loc[h < REPAIR_H, "served_mw"] == 0.0).all()
    assert (hours.loc[h >= REPAIR_H, "served_mw"] > 0.0).all()


def test_the_timeline_lists_the_closing_and_the_capped_loads():
    net = _net()
    strikes = resolve_strikes(net, strikes_from_records(
        [{"target": "trafo:b-330-110", "time": START, "effect": "destroyed",
          "repair_h": REPAIR_H}]))
    res = tl.simulate_outages(net, strikes, START, 8, seed=0, engine="fast", blackouts=False)
    closed = res.assets[res.assets["effect"] == "tie closed"].set_index("asset_id")
    assert set(closed.index) == {"tie:a-b", *B_LOADS}
    start = pd.Timestamp(START).tz_convert("UTC")
    assert (closed["start"] == start + pd.Timedelta(hours=SWITCHING_H)).all()
    assert (closed["end"] == start + pd.Timedelta(hours=REPAIR_H)).all()
    assert closed.loc[list(B_LOADS), "remaining_fraction"].tolist() == pytest.approx(
        [TIE_MW / B_PEAK_MW] * 2)
    # the transformer is out all along; the capped loads count, the closed tie does not
    runs = res.runs.set_index("time")["n_assets_out"]
    assert runs.iloc[:2].tolist() == [1, 1]
    assert runs.iloc[2:6].tolist() == [1 + len(B_LOADS)] * 4


def test_a_struck_tie_stays_open_until_repaired():
    net = _net()
    strikes = resolve_strikes(net, strikes_from_records(
        [{"target": "trafo:b-330-110", "time": START, "effect": "destroyed",
          "repair_h": REPAIR_H},
         {"target": "tie:a-b", "time": START, "effect": "damaged", "fraction_lost": 0.5,
          "repair_h": 4.0}]))
    res = tl.simulate_outages(net, strikes, START, 8, seed=0, engine="fast", blackouts=False)
    b = res.loads[res.loads["load_id"].isin(B_LOADS)].groupby("time")["served_mw"].sum()
    h = (b.index - b.index[0]) / pd.Timedelta(hours=1)
    assert (b[h < 4.0] == 0.0).all()  # damaged: not switched in, although 2 h have passed
    assert (b[(h >= 4.0) & (h < REPAIR_H)] > 0.0).all()  # repaired at 4 h: closed at once


TIE_HEADER = ("tie_id,name,from_bus,to_bus,length_km,r_ohm_per_km,x_ohm_per_km,capacity_mw,"
              "switching_h,source\n")


def _folder_with_ties(tmp_path, tiny_folder, row: str):
    folder = tmp_path / "network"
    shutil.copytree(tiny_folder / "network", folder)
    (folder / "ties.csv").write_text(TIE_HEADER + row + "\n", encoding="utf-8")
    return folder


def test_a_network_folder_reads_its_ties(tmp_path, tiny_folder):
    folder = _folder_with_ties(tmp_path, tiny_folder, "tie:n-s,N - S,bus:tiny-110-north,"
                               "bus:tiny-110-south,3,0.12,0.39,12,1.5,[C] test")
    net = gridmodel.load_network(folder)
    tie = net.line[net.line["line_id"] == "tie:n-s"].iloc[0]
    assert tie["normally_open"]
    assert not tie["in_service"]
    assert tie["switching_h"] == 1.5
    assert net.registry.set_index("asset_id").loc["tie:n-s", "kind"] == "line"
    model = build_model(net)
    assert model.br_rating_mw[list(model.br_asset).index("tie:n-s")] == pytest.approx(12.0)


@pytest.mark.parametrize(("row", "culprit"), [
    ("tie:x,X,bus:tiny-110-north,bus:nowhere,3,0.12,0.39,12,1.5,[C]", "bus:nowhere"),
    ("tie:x,X,bus:tiny-110-north,bus:tiny-110-south,3,0.12,0.39,-5,1.5,[C]", "capacity_mw"),
    ("tie:x,X,bus:tiny-110-north,bus:tiny-110-south,3,0.12,0.39,12,-1,[C]", "switching_h"),
])
def test_a_bad_tie_row_names_the_file_and_the_culprit(tmp_path, tiny_folder, row, culprit):
    folder = _folder_with_ties(tmp_path, tiny_folder, row)
    with pytest.raises(NetworkFileError, match="ties.csv") as err:
        gridmodel.load_network(folder)
    assert culprit in str(err.value)
