"""Outage engine on networks worked out on paper, plus invariants over random outages.

Networks are in ``conftest.py``. Numbers in the asserts are derived in the comments;
tolerances are float round-off (1e-9 MW) unless a power flow is involved.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridmodel.errors import InputError, SimulationError, UnknownAssetError
from gridmodel.outage import SHED_ORDER, OutageResult, simulate_outage
from gridmodel.outage.balance import allocate_import_cap, balance_islands, class_codes
from gridmodel.outage.islands import island_labels, islands_nx, labels_from_sets

ENGINES = [("pandapower", True), ("pandapower", False), ("fast", False)]
TOL = 1e-9


def _run(net, outages=None, engine=("pandapower", False), **kw) -> OutageResult:
    return simulate_outage(net, outages, engine=engine[0], ac=engine[1], **kw)


def _shed(res: OutageResult) -> dict[str, float]:
    return dict(zip(res.loads["load_id"], res.loads["shed_mw"], strict=True))


# --------------------------------------------------------------------------- balance
def test_shed_order_is_the_documented_one():
    assert SHED_ORDER == ("industry", "residential", "heat_water", "critical")
    # unknown classes are shed with residential
    assert class_codes(["industry", "unknown", "residential", "critical", "x"]).tolist() == [
        0, 1, 1, 3, 1]


def test_balance_priority_shedding_exact():
    # one island, 50 MW available, demand: industry 20, residential 30, heat 10, critical 40
    # deficit 50: industry 20 (all), then residential 30 (all) -> heat and critical intact
    bal = balance_islands(1, np.array([0]), np.array([50.0]), np.zeros(4, int),
                          np.array([20.0, 30.0, 10.0, 40.0]), np.array([0, 1, 2, 3]))
    np.testing.assert_allclose(bal.shed_mw, [20, 30, 0, 0], atol=TOL)
    np.testing.assert_allclose(bal.dispatch_mw, [50.0], atol=TOL)
    # 45 MW: deficit 55 -> industry 20, residential 30, heat 5 of 10 (half of the tier)
    bal = balance_islands(1, np.array([0]), np.array([45.0]), np.zeros(5, int),
                          np.array([20.0, 30.0, 4.0, 6.0, 40.0]), np.array([0, 1, 2, 2, 3]))
    np.testing.assert_allclose(bal.shed_mw, [20, 30, 2, 3, 0], atol=TOL)


def test_balance_dispatch_proportional_and_dark_island():
    # island 0: sources 60 and 40 MW, demand 50 -> 30 and 20; island 1: no source
    bal = balance_islands(2, np.array([0, 0]), np.array([60.0, 40.0]), np.array([0, 1, -1]),
                          np.array([50.0, 7.0, 3.0]), np.array([1, 1, 1]))
    np.testing.assert_allclose(bal.dispatch_mw, [30.0, 20.0], atol=TOL)
    np.testing.assert_allclose(bal.served_mw, [50.0, 0.0, 0.0], atol=TOL)
    assert bal.energised.tolist() == [True, False]
    np.testing.assert_allclose(bal.island_demand_mw, [50.0, 7.0], atol=TOL)


def test_import_cap_allocation():
    cap = allocate_import_cap(np.array([100.0, 30.0, 10.0]), np.array([False, True, True]), 20.0)
    np.testing.assert_allclose(cap, [100.0, 15.0, 5.0])
    cap = allocate_import_cap(np.array([100.0, 30.0]), np.array([False, True]), np.inf)
    np.testing.assert_allclose(cap, [100.0, 30.0])


# --------------------------------------------------------------------------- tiny network
@pytest.mark.parametrize("engine", ENGINES)
def test_intact_serves_everything_with_proportional_dispatch(tiny_net, engine):
    res = _run(tiny_net, {}, engine)
    assert res.shed_mw == pytest.approx(0.0, abs=TOL)
    assert res.demand_mw == pytest.approx(90.0)
    assert res.n_islands == 1
    # import capped at 20 + 10 = 30 MW; 130 MW available for 90 MW -> 90 x 100/130, 90 x 30/130
    src = res.sources.set_index("asset_id")
    assert src.at["ic:west", "capacity_mw"] == pytest.approx(30.0)
    assert src.at["plant:tpp", "p_mw"] == pytest.approx(90 * 100 / 130)
    assert src.at["ic:west", "p_mw"] == pytest.approx(90 * 30 / 130)
    assert res.islands.at[0, "method"] == ("ac" if engine[1] else "dc")


@pytest.mark.parametrize("engine", ENGINES)
def test_cut_line_leaves_island_without_source_dark(tiny_net, engine):
    res = _run(tiny_net, {"line:city-east": 0.0}, engine)
    assert res.n_islands == 2
    dark = res.islands[~res.islands["energised"]]
    assert len(dark) == 1
    assert dark["buses"].iloc[0] == ["bus:east-110"]
    assert dark["method"].iloc[0] == "none"
    assert dark["served_mw"].iloc[0] == 0.0
    assert _shed(res) == pytest.approx({"load:city-ind": 0, "load:city-res": 0,
                                        "load:east-crit": 40.0})
    br = res.branches.set_index("asset_id")
    assert br.at["line:city-east", "tripped_round"] == 0
    assert not br.at["line:city-east", "in_service"]
    assert res.removed == ["line:city-east"]


@pytest.mark.parametrize("engine", ENGINES)
def test_priority_shedding_on_damaged_plant(tiny_net, engine):
    # plant at half: 50 + 30 (imports) = 80 MW for 90 MW -> 10 MW of industry shed
    res = _run(tiny_net, {"plant:tpp": 0.5}, engine)
    assert _shed(res) == pytest.approx({"load:city-ind": 10.0, "load:city-res": 0.0,
                                        "load:east-crit": 0.0})
    # plant gone: 30 MW of imports for 90 MW -> industry 20, residential 30, critical 10
    res = _run(tiny_net, {"plant:tpp": 0.0}, engine)
    assert _shed(res) == pytest.approx({"load:city-ind": 20.0, "load:city-res": 30.0,
                                        "load:east-crit": 10.0})
    assert res.served_mw == pytest.approx(30.0)
    ob = res.oblasts.set_index("oblast")
    assert ob.at["east", "shed_fraction"] == pytest.approx(0.25)


@pytest.mark.parametrize("engine", ENGINES)
def test_struck_substation_takes_its_buses_and_elements(tiny_net, engine):
    res = _run(tiny_net, {"sub:city": 0.0}, engine)
    loads = res.loads.set_index("load_id")
    assert loads.at["load:city-ind", "island"] == -1
    assert loads.at["load:city-res", "island"] == -1
    assert not loads.at["load:city-ind", "energised"]
    # east is cut off from every source
    assert res.shed_mw == pytest.approx(90.0)
    br = res.branches.set_index("asset_id")
    assert not br.loc[["line:north-city", "line:city-east", "trafo:city-110-10"],
                      "in_service"].any()
    assert br.at["line:west-north", "in_service"]
    assert res.n_islands == 2  # west+north (energised, no load), east (dark)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_bus_struck_leaves_no_island_and_sheds_everything(tiny_net, engine):
    # no live bus at all: no island, every load cut off (it raised IndexError before)
    reg = tiny_net.registry
    res = _run(tiny_net, dict.fromkeys(reg.loc[reg["kind"] == "bus", "asset_id"], 0.0),
               engine)
    assert res.n_islands == 0
    assert len(res.islands) == 0
    assert res.served_mw == 0.0
    assert res.shed_mw == pytest.approx(res.demand_mw)
    assert res.demand_mw > 0.0
    assert (res.loads["island"] == -1).all()
    assert not res.loads["energised"].any()
    assert not res.branches["in_service"].any()
    assert "0 island(s)" in res.summary()


@pytest.mark.parametrize("engine", ENGINES)
def test_import_cap_argument_and_no_source(tiny_net, engine):
    res = _run(tiny_net, {"plant:tpp": 0.0}, engine, import_cap_mw=0.0)
    assert res.shed_mw == pytest.approx(90.0)
    assert not res.islands["energised"].any()
    assert (res.islands["method"] == "none").all()
    # uncapped: 50 MW of imports
    res = _run(tiny_net, {"plant:tpp": 0.0}, engine, import_cap_mw=float("inf"))
    assert res.served_mw == pytest.approx(50.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_demand_override_and_damaged_load(tiny_net, engine):
    demand = pd.Series({"load:east-crit": 10.0})
    res = _run(tiny_net, {"load:city-res": 0.5}, engine, demand_mw=demand)
    loads = res.loads.set_index("load_id")
    assert loads.at["load:east-crit", "demand_mw"] == 10.0
    # half of the residential connection is lost: 15 MW shed whatever the balance
    assert loads.at["load:city-res", "shed_mw"] == pytest.approx(15.0)
    assert res.shed_mw == pytest.approx(15.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_damaged_line_overloads_and_trips(tiny_net, engine):
    # line:north-city carries all 90 MW less nothing (west feeds via north): rating
    # 200 x 0.2 = 40 MW -> trips in round 1, city and east go dark (90 MW shed)
    res = _run(tiny_net, {"line:north-city": 0.2}, engine)
    assert res.cascade_rounds == 1
    assert res.cascade_log["asset_id"].tolist() == ["line:north-city"]
    assert res.shed_mw == pytest.approx(90.0)
    br = res.branches.set_index("asset_id")
    assert br.at["line:north-city", "tripped_round"] == 1
    assert br.at["line:north-city", "rating_mw"] == pytest.approx(40.0)
    if not engine[1]:
        assert res.cascade_log["loading"].iloc[0] == pytest.approx(90.0 / 40.0, rel=1e-9)


@pytest.mark.parametrize("engine", ENGINES)
def test_triangle_cascade(triangle_net, engine):
    res = _run(triangle_net, {}, engine)
    assert res.cascade_rounds == 0
    if not engine[1]:
        # equal reactances: 2/3 of 90 MW direct, 1/3 via C
        br = res.branches.set_index("asset_id")
        assert br.at["line:a-b", "p_from_mw"] == pytest.approx(60.0, abs=1e-6)
        assert br.at["line:a-c", "p_from_mw"] == pytest.approx(30.0, abs=1e-6)
        assert br.at["line:c-b", "p_from_mw"] == pytest.approx(30.0, abs=1e-6)
        assert br.at["line:a-b", "loading"] == pytest.approx(0.6, abs=1e-8)
    res = _run(triangle_net, {"line:a-b": 0.0}, engine)
    assert res.cascade_log["asset_id"].tolist() == ["line:a-c"]
    if not engine[1]:
        assert res.cascade_log["loading"].tolist() == pytest.approx([1.8])
    assert res.cascade_status == "converged"
    assert res.shed_mw == pytest.approx(90.0)
    assert res.islands["energised"].tolist() == [True, False]
    # a higher threshold keeps A-C in (loading 1.8 < 2) ...
    res = _run(triangle_net, {"line:a-b": 0.0}, engine, overload_threshold=2.0,
               line_limits=False)
    assert res.shed_mw == pytest.approx(0.0, abs=TOL)
    # ... and with line limits the redispatch sheds B down to A-C's 50 MW rating
    res = _run(triangle_net, {"line:a-b": 0.0}, engine, overload_threshold=2.0)
    assert res.cascade_rounds == 0
    if not engine[1]:
        assert res.shed_mw == pytest.approx(40.0, abs=1e-6)
        br = res.branches.set_index("asset_id")
        assert br.at["line:a-c", "loading"] == pytest.approx(1.0, abs=1e-8)


def _three_lines(stiff: bool = False):
    """Three lines from A (400 MW) to B (300 MW): a stiff 20 MW line (1 ohm) beside a 40 MW
    and a 1,000 MW line (10 ohm each), so 250 / 25 / 25 MW. The 20 MW line trips in
    round 1; the other two then carry 150 MW each, above the 40 MW line's rating, which
    trips in round 2; the 1,000 MW line then carries all 300 MW. Two rounds, by hand, at
    any demand from 27 % to 160 % of that (so at every hour of a timeline). ``stiff`` adds
    a 0.01 ohm, 1,000 MW line beside them that carries 296 of the 300 MW: nothing is
    overloaded until it is lost."""
    from tiny_networks import build_net

    big = [("line:stiff", "A", "B", 0.01, 1000.0)] if stiff else []
    return build_net(buses=[("A", "sub:a", 110.0), ("B", "sub:b", 110.0)],
                     lines=[*big, ("line:20", "A", "B", 1.0, 20.0),
                            ("line:40", "A", "B", 10.0, 40.0),
                            ("line:1000", "A", "B", 10.0, 1000.0)],
                     gens=[("plant:a", "A", 400.0, "thermal")],
                     loads=[("load:b", "B", 300.0, "residential", "test")])


@pytest.mark.parametrize("engine", [("pandapower", False), ("fast", False)])
def test_a_cascade_cut_short_by_its_round_limit_says_so(engine):
    """With one round allowed, the 40 MW line is left at 150 MW (375 %): the result says
    the cascade stopped with overloads left (CascadeLimitWarning, kept in
    ``model_warnings``); with two rounds it ends by itself, and with none (the cascade
    off, the caller's choice) nothing is said. A timeline says it once over its hours and
    states, on the array path and the reference path."""
    import warnings

    from gridmodel.errors import _RECORDING, CascadeLimitWarning
    from gridmodel.outage.fast import compile_cached
    from gridmodel.outage.timeline import simulate_outages
    from gridmodel.strikes import resolve_strikes, strikes_from_records

    net = _three_lines()
    full = _run(net, {}, engine, max_cascade_rounds=2, line_limits=False)
    assert full.cascade_status == "converged"
    assert full.cascade_log["asset_id"].tolist() == ["line:20", "line:40"]
    assert full.model_warnings == ()
    with pytest.warns(CascadeLimitWarning, match=r"max_cascade_rounds = 1\)"):
        short = _run(net, {}, engine, max_cascade_rounds=1, line_limits=False)
    assert short.cascade_status == "limit hit"
    assert short.branches.set_index("asset_id").at["line:40", "loading"] == pytest.approx(
        150.0 / 40.0)
    assert len(short.model_warnings) == 1
    assert "max_cascade_rounds = 1" in short.model_warnings[0]
    assert "stay in service overloaded" in short.model_warnings[0]
    # with line limits (the default) the redispatch sheds to the 40 MW rating instead of
    # the trip: 220 MW where the cascade's own end sheds nothing
    with pytest.warns(CascadeLimitWarning, match="redispatch"):
        limited = _run(net, {}, engine, max_cascade_rounds=1)
    assert limited.shed_mw == pytest.approx(220.0, abs=1e-6)
    assert _run(net, {}, engine, max_cascade_rounds=2).shed_mw == pytest.approx(0.0, abs=TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CascadeLimitWarning)
        off = _run(net, {}, engine, max_cascade_rounds=0, line_limits=False)
    assert off.cascade_status == "limit hit"
    assert off.model_warnings == ()
    # a timeline whose first hour is clean and whose later hours are cut short (the stiff
    # line struck at hour 1): the reference path runs the engine once per state inside
    # the timeline's record, so a clean inner record is as empty as the outer one; each
    # block must still drop its own (removing the outer one lost the later warnings and
    # failed the timeline)
    stiff = _three_lines(stiff=True)
    struck = resolve_strikes(stiff, strikes_from_records(
        [{"target": "line:stiff", "time": "2026-01-09T01:00+02:00", "effect": "destroyed",
          "repair_h": 100}], "test"))
    for kw in ({"compiled": compile_cached(stiff)}, {}):  # array path, reference path
        with pytest.warns(CascadeLimitWarning):
            tl = simulate_outages(stiff, struck, start="2026-01-09T00:00+02:00",
                                  horizon_h=3, engine=engine[0], max_cascade_rounds=1,
                                  engine_kwargs=kw)
        assert tl.n_engine_runs >= 2
        assert tl.model_warnings == limited.model_warnings
        assert not getattr(_RECORDING, "lists", [])  # no block left open


def test_cascade_round_limit(triangle_net):
    res = _run(triangle_net, {"line:a-b": 0.0}, max_cascade_rounds=0, line_limits=False)
    assert res.cascade_status == "limit hit"
    assert res.cascade_rounds == 0
    assert res.branches.set_index("asset_id").at["line:a-c", "loading"] == pytest.approx(1.8)
    # the redispatch after the cascade brings what it left overloaded to the rating
    res = _run(triangle_net, {"line:a-b": 0.0}, max_cascade_rounds=0)
    assert res.cascade_status == "limit hit"
    assert res.branches.set_index("asset_id").at["line:a-c", "loading"] == pytest.approx(1.0)
    assert res.shed_mw == pytest.approx(40.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_caller_net_is_unchanged(tiny_net, engine):
    before = copy.deepcopy(tiny_net)
    _run(tiny_net, {"sub:city": 0.0, "plant:tpp": 0.5, "line:west-north": 0.3}, engine)
    _run(tiny_net, {"line:north-city": 0.2}, engine)
    assert set(tiny_net.keys()) == set(before.keys())
    for key in before.keys():
        a, b = tiny_net[key], before[key]
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_dtype=True)
        elif isinstance(b, dict | str | float | int | bool):
            assert a == b, key


def test_unknown_asset_and_bad_fraction(tiny_net):
    with pytest.raises(UnknownAssetError, match="plant:tpx") as err:
        simulate_outage(tiny_net, {"plant:tpx": 0.0})
    assert "plant:tpp" in str(err.value)  # suggestion
    assert "An outage step takes asset ids" in str(err.value)  # not "use a name"
    with pytest.raises(InputError, match="plant:tpp"):
        simulate_outage(tiny_net, {"plant:tpp": 1.5})
    with pytest.raises(InputError, match="line:city-east"):
        simulate_outage(tiny_net, {"line:city-east": float("nan")})
    with pytest.raises(InputError, match=r"'plant:tpp' is True"):  # not read as intact
        simulate_outage(tiny_net, {"plant:tpp": True})
    with pytest.raises(InputError, match="engine"):
        simulate_outage(tiny_net, {}, engine="magic")
    with pytest.raises(InputError, match="DC only"):
        simulate_outage(tiny_net, {}, engine="fast", ac=True)
    with pytest.raises(InputError, match="demand_mw"):
        simulate_outage(tiny_net, {}, demand_mw=pd.Series({"load:nope": 1.0}))
    with pytest.raises(InputError, match="max_cascade_rounds"):
        simulate_outage(tiny_net, {}, max_cascade_rounds=-1)


def test_nan_flow_is_an_error(tiny_net, monkeypatch):
    from gridmodel.outage.powerflow import PandapowerFlow

    monkeypatch.setattr(PandapowerFlow, "_finite", lambda self: False)
    with pytest.raises(SimulationError, match="NaN"):
        simulate_outage(tiny_net, {}, ac=False)
    with pytest.raises(SimulationError, match="NaN"):
        simulate_outage(tiny_net, {}, ac=True)


def test_summary_is_readable(tiny_net):
    res = simulate_outage(tiny_net, {"plant:tpp": 0.0, "line:city-east": 0.0}, ac=False)
    text = res.summary()
    assert "shed" in text
    assert "Islands" in text
    assert "east" in text
    assert "plant:tpp" in text
    assert "OutageResult(" in repr(res)
    res = simulate_outage(tiny_net, {"plant:tpp": 0.25}, ac=False)
    assert res.damaged == {"plant:tpp": 0.25}
    assert "plant:tpp (25% left)" in res.summary()


def test_ac_on_meshed_agrees_with_dc_on_balance(meshed_net):
    ac = simulate_outage(meshed_net, {"plant:g0": 0.0} if "plant:g0" in set(
        meshed_net.registry.asset_id) else {}, ac=True, max_cascade_rounds=0)
    dc = simulate_outage(meshed_net, {"plant:g0": 0.0} if "plant:g0" in set(
        meshed_net.registry.asset_id) else {}, ac=False, max_cascade_rounds=0)
    assert set(ac.islands["method"]) <= {"ac", "dc", "none"}
    assert ac.shed_mw == pytest.approx(dc.shed_mw, abs=1e-9)


# --------------------------------------------------------------------------- islands
def test_networkx_and_csgraph_islands_agree(meshed_net):
    import gridmodel.outage._model as m

    model = m.build_model(meshed_net)
    rng = np.random.default_rng(3)
    ids = [a for a in meshed_net.registry["asset_id"] if a.startswith(("line:", "sub:"))]
    work = copy.deepcopy(meshed_net)
    for _ in range(20):
        outs = {a: 0.0 for a in rng.choice(ids, size=4, replace=False)}
        state = m.apply_outages(model, outs)
        n, labels = island_labels(model.n_bus, model.br_from, model.br_to, state.br_alive,
                                  state.bus_alive)
        work.bus["in_service"] = state.bus_alive
        n_line = len(work.line)
        work.line["in_service"] = state.br_alive[:n_line]
        work.trafo["in_service"] = state.br_alive[n_line:]
        sets = islands_nx(work)
        assert len(sets) == n
        np.testing.assert_array_equal(labels_from_sets(sets, model.bus_index), labels)


# --------------------------------------------------------------------------- properties
def _invariants(res: OutageResult, outages: dict[str, float]) -> None:
    isl = res.islands
    np.testing.assert_allclose(isl["served_mw"] + isl["shed_mw"], isl["demand_mw"], atol=1e-9)
    assert (isl.loc[~isl["energised"], "served_mw"] == 0).all()
    assert (isl.loc[~isl["energised"], "method"] == "none").all()
    loads = res.loads
    np.testing.assert_allclose(loads["served_mw"] + loads["shed_mw"], loads["demand_mw"],
                               atol=1e-9)
    assert (loads["served_mw"] >= -1e-12).all()
    assert (loads["shed_mw"] >= -1e-9).all()
    assert (loads.loc[loads["island"] < 0, "served_mw"] == 0).all()
    # generation equals served load in every energised island (lossless balance)
    np.testing.assert_allclose(isl["generation_mw"], isl["served_mw"], atol=1e-6)
    br = res.branches
    removed = {a for a, f in outages.items() if f == 0.0}
    assert not br.loc[br["asset_id"].isin(removed), "in_service"].any()
    assert not br.loc[br["tripped_round"] >= 0, "in_service"].any()
    assert (br.loc[~br["in_service"], "p_from_mw"] == 0).all()
    assert set(res.removed) == removed
    assert res.demand_mw == pytest.approx(res.served_mw + res.shed_mw)


def _outage_strategy(net):
    ids = sorted(net.registry["asset_id"])
    return st.dictionaries(st.sampled_from(ids),
                           st.sampled_from([0.0, 0.0, 0.3, 0.7, 1.0]), max_size=6)


@functools.cache
def _meshed():
    from tiny_networks import meshed_net

    return meshed_net(0)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_invariants_both_engines_agree(data):
    net = _meshed()
    outages = data.draw(_outage_strategy(net))
    dc = simulate_outage(net, outages, ac=False)
    fast = simulate_outage(net, outages, engine="fast", ac=False)
    for res in (dc, fast):
        _invariants(res, outages)
    np.testing.assert_allclose(fast.loads["shed_mw"], dc.loads["shed_mw"], atol=1e-6)
    np.testing.assert_allclose(fast.branches["p_from_mw"], dc.branches["p_from_mw"], atol=1e-6)
    pd.testing.assert_frame_equal(fast.cascade_log[["round", "asset_id"]],
                                  dc.cascade_log[["round", "asset_id"]])


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_invariants_ac(data):
    net = _meshed()
    outages = data.draw(_outage_strategy(net))
    res = simulate_outage(net, outages, ac=True)
    isl = res.islands
    np.testing.assert_allclose(isl["served_mw"] + isl["shed_mw"], isl["demand_mw"], atol=1e-9)
    assert (isl.loc[~isl["energised"], "served_mw"] == 0).all()
    removed = {a for a, f in outages.items() if f == 0.0}
    br = res.branches
    assert not br.loc[br["asset_id"].isin(removed), "in_service"].any()
    assert not br.loc[br["tripped_round"] >= 0, "in_service"].any()


def test_ac_divergence_falls_back_to_dc_per_island(tiny_net, monkeypatch):
    import pandapower as pp
    from pandapower.auxiliary import LoadflowNotConverged

    def diverge(*args, **kwargs):
        raise LoadflowNotConverged("forced by the test")

    monkeypatch.setattr(pp, "runpp", diverge)
    res = simulate_outage(tiny_net, {"line:city-east": 0.0}, ac=True)
    assert res.islands["method"].tolist() == ["dc", "none"]
    assert res.islands["converged"].tolist() == [True, False]
    assert res.shed_mw == pytest.approx(40.0)


def test_open_line_switch_counts_as_out_and_bus_switches_are_refused(tiny_net):
    import pandapower as pp

    net = copy.deepcopy(tiny_net)
    line = int(net.line.index[net.line["line_id"] == "line:city-east"][0])
    pp.create_switch(net, bus=int(net.line.at[line, "from_bus"]), element=line, et="l",
                     closed=False)
    for engine in ENGINES:
        res = _run(net, {}, engine)
        assert res.shed_mw == pytest.approx(40.0)
    pp.create_switch(net, bus=0, element=1, et="b", closed=True)
    with pytest.raises(InputError, match="bus-bus switches"):
        simulate_outage(net, {})


def test_three_winding_transformers_are_refused(tiny_net):
    import pandapower as pp

    net = copy.deepcopy(tiny_net)
    b = pp.create_bus(net, vn_kv=35.0)
    pp.create_transformer3w(net, hv_bus=2, mv_bus=b, lv_bus=3,
                            std_type="63/25/38 MVA 110/20/10 kV")
    with pytest.raises(InputError, match="trafo3w"):
        simulate_outage(net, {})


@pytest.mark.parametrize("engine", ENGINES)
def test_default_trip_loading_comes_from_the_network(triangle_net, engine):
    # A-C would carry 1.8 x its rating; the network says branches trip above 2.0
    triangle_net["parameters"] = {"operation": {"trip_loading": 2.0}}
    res = _run(triangle_net, {"line:a-b": 0.0}, engine, line_limits=False)
    assert res.cascade_rounds == 0
    assert res.shed_mw == pytest.approx(0.0, abs=TOL)
    res = _run(triangle_net, {"line:a-b": 0.0}, engine, overload_threshold=1.0)
    assert res.cascade_log["asset_id"].tolist() == ["line:a-c"]


def test_fast_evaluate_reads_the_compiled_trip_loading(triangle_net):
    from gridmodel.outage.fast import compile_network, evaluate

    triangle_net["parameters"] = {"operation": {"trip_loading": 2.0}}
    compiled = compile_network(triangle_net)
    assert evaluate(compiled, {"line:a-b": 0.0}).cascade_rounds == 0
    assert evaluate(compiled, {"line:a-b": 0.0}, overload_threshold=1.0).cascade_rounds == 1
