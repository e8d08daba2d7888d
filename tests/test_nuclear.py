"""Nuclear units trip when their connection substations are hit (gridmodel.outage.nuclear).

The tiny network, on paper::

    npp-750 (sub:npp) ---- grid-330 (sub:grid)
    plant:npp 1000 MW      plant:gas 400 MW, load:grid 1200 MW (residential)

Intact: 1,400 MW for 1,200 MW, nothing shed. With the NPP tripped only 400 MW is left:
800 MW shed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import build_net

import gridmodel.outage.timeline as tl
from gridmodel.outage.nuclear import connection_substations, response_strikes, tripped_plants
from gridmodel.strikes import resolve_strikes, strikes_from_records

START = "2026-02-03T00:00+02:00"


@pytest.fixture
def net():
    net = build_net(
        buses=[("bus:npp-750", "sub:npp", 750.0), ("bus:grid-330", "sub:grid", 330.0)],
        lines=[("line:npp-grid", "bus:npp-750", "bus:grid-330", 20.0, 3000.0)],
        gens=[("plant:npp", "bus:npp-750", 1000.0, "nuclear"),
              ("plant:gas", "bus:grid-330", 400.0, "gas")],
        loads=[("load:grid", "bus:grid-330", 1200.0, "residential", "grid")],
    )
    reg = net.registry
    reg.loc[reg["asset_id"] == "plant:npp", "substation"] = "sub:npp"  # its switchyard
    reg.loc[reg["asset_id"] == "plant:gas", "substation"] = "sub:grid"
    return net


def strikes(net, records):
    return resolve_strikes(net, strikes_from_records(records))


def test_connection_substations_are_the_switchyard_or_the_listed_ones(net):
    assert connection_substations(net) == {"plant:npp": ["sub:npp"]}
    net.parameters["nuclear"] = {"connection_substations": {"plant:npp": ["sub:npp", "sub:grid"]}}
    assert connection_substations(net) == {"plant:npp": ["sub:npp", "sub:grid"]}


def test_snapshot_trips_the_unit_of_a_damaged_switchyard_only(net):
    # 30 % of the switchyard lost: the bus stays, the unit trips (0 MW)
    assert tripped_plants(net, {"sub:npp": 0.7}) == ["plant:npp"]
    # a strike elsewhere leaves the unit unchanged
    assert tripped_plants(net, {"plant:gas": 0.0}) == []
    assert tripped_plants(net, None) == []
    assert tripped_plants(net, {"sub:npp": 0.7, "plant:npp": 0.0}) == []  # already out
    s = strikes(net, [{"target": "sub:npp", "time": START, "effect": "damaged",
                       "fraction_lost": 0.3}])
    res = tl.snapshot(net, s, engine="pandapower", ac=False)
    src = res.sources.set_index("asset_id")
    assert src.loc["plant:npp", "p_mw"] == pytest.approx(0.0, abs=1e-6)
    assert res.shed_mw == pytest.approx(800.0, abs=1e-3)


def test_trip_lasts_the_substation_repair_plus_the_restart(net):
    s = strikes(net, [{"target": "sub:npp", "time": "2026-02-03T02:00+02:00",
                       "effect": "damaged", "fraction_lost": 0.3, "repair_h": 5}])
    hours = pd.Series([5.0], index=s.index)
    rows, h = response_strikes(net, s, hours, rng=np.random.default_rng(0))
    assert rows["asset_id"].tolist() == ["plant:npp"]
    assert rows["effect"].tolist() == ["disabled"]
    # 5 h of substation repair + a restart draw of the nuclear "disabled" entry (> 0)
    assert float(h.iloc[0]) > 5.0
    res = tl.simulate_outages(net, s, START, 72, seed=3, engine="pandapower", ac=False)
    npp = res.assets[res.assets["asset_id"] == "plant:npp"]
    assert len(npp) == 1
    assert npp["remaining_fraction"].iloc[0] == 0.0
    out_h = (npp["end"].iloc[0] - npp["start"].iloc[0]) / pd.Timedelta(hours=1)
    assert out_h > 5.0
    # the strikes table keeps the strike list's own rows
    assert res.strikes["asset_id"].tolist() == ["sub:npp"]
    by_t = res.loads.groupby("time")[["demand_mw", "shed_mw"]].sum()
    assert by_t["shed_mw"].iloc[:2].max() == pytest.approx(0.0, abs=1e-6)  # before the strike
    # from the strike's step: only the 400 MW gas plant is left
    tripped = by_t.iloc[2:2 + 5]
    assert np.allclose(tripped["shed_mw"], tripped["demand_mw"] - 400.0, atol=1e-3)


def test_strike_elsewhere_leaves_the_unit_unchanged(net):
    s = strikes(net, [{"target": "plant:gas", "time": START, "effect": "disabled",
                       "repair_h": 4}])
    res = tl.simulate_outages(net, s, START, 8, seed=1, engine="pandapower", ac=False)
    assert "plant:npp" not in set(res.assets["asset_id"])


def test_ukraine_three_npp_switchyards_hit_give_the_field_notes_stage():
    # FIELD_NOTES 2: damage at the three NPPs' 750/330 kV switchyards trips every unit
    # (6,268 MW dispatched on 15 Jan 2026 before this rule); FIELD_NOTES 11: the deficit's
    # stage at 12.5 % of load per queue
    import gridmodel
    from gridmodel.outage.stages import stage_for_deficit

    net = gridmodel.load_network("ukraine", status_date="2026-01-15")
    subs = ("sub:rivne-npp", "sub:khmelnytskyi-npp", "sub:south-ukraine-npp")
    s = strikes(net, [{"target": x, "time": "2026-01-15T02:00+02:00", "effect": "damaged",
                       "fraction_lost": 0.3} for x in subs])
    reg = net.registry.set_index("asset_id")
    base = tl.snapshot(net, None, engine="fast", ac=False)
    hit = tl.snapshot(net, s, engine="fast", ac=False)
    nuc = hit.sources[hit.sources["asset_id"].map(reg["technology"]) == "nuclear"]
    assert nuc["p_mw"].sum() == pytest.approx(0.0, abs=1e-6)
    base_nuc = base.sources[base.sources["asset_id"].map(reg["technology"]) == "nuclear"]
    assert base_nuc["p_mw"].sum() > 6000.0
    # intact system: 4,625 MW short of 18,000 (25.7 %): 2.5 queues, 10 h a day off (Kyiv on
    # 18 Jan 2026: about 10 h off, FIELD_NOTES 11)
    assert base.shed_mw == pytest.approx(4625.0, rel=0.01)
    stage = stage_for_deficit(base.shed_mw, base.demand_mw)
    assert (stage.queues, stage.hours_off_per_day, stage.emergency) == (2.5, 10.0, False)
    # the three switchyards hit: 10,893 MW short (60.5 %): 5 queues, schedules stop and
    # emergency outages follow (FIELD_NOTES 11: more than 16 h off with 5 of 6 groups cut)
    got = stage_for_deficit(hit.shed_mw, hit.demand_mw)
    assert (got.queues, got.hours_off_per_day, got.emergency) == (5.0, 20.0, True)
    assert hit.shed_mw - base.shed_mw == pytest.approx(6268.0, rel=0.01)
    # the public one-step API gives the snapshot's answer on the same asset state
    from gridmodel.outage import simulate_outage
    from gridmodel.strikes import remaining_fractions

    one = simulate_outage(net, remaining_fractions(s), engine="fast", ac=False)
    assert one.nuclear_trips == ("plant:khmelnytskyi-npp", "plant:rivne-npp",
                                 "plant:south-ukraine-npp")
    assert one.shed_mw == pytest.approx(hit.shed_mw, abs=1e-9)


@pytest.mark.parametrize("engine", ["pandapower", "fast"])
def test_simulate_outage_trips_the_unit_as_the_snapshot_does(net, engine):
    # the public one-step API applies the same rule as the strike list's snapshot: 30 % of
    # the switchyard lost trips the 1,000 MW unit, so 400 MW of gas serve 1,200 MW
    from gridmodel.outage import simulate_outage

    res = simulate_outage(net, {"sub:npp": 0.7}, engine=engine, ac=False)
    assert res.nuclear_trips == ("plant:npp",)
    assert "plant:npp" in res.removed
    assert res.shed_mw == pytest.approx(800.0, abs=1e-6)
    assert "Nuclear response: 1 plant(s) tripped" in res.summary()
    # off: the outages are the whole asset state, the unit runs at its damaged switchyard
    raw = simulate_outage(net, {"sub:npp": 0.7}, engine=engine, ac=False,
                          nuclear_response=False)
    assert raw.nuclear_trips == ()
    assert raw.shed_mw == pytest.approx(0.0, abs=1e-6)
    # a plant the outages already remove is not reported as tripped by the rule
    both = simulate_outage(net, {"sub:npp": 0.7, "plant:npp": 0.0}, engine=engine, ac=False)
    assert both.nuclear_trips == ()
    assert both.shed_mw == pytest.approx(800.0, abs=1e-6)
    # the islanded switchyard (its only outlet line out) trips it too
    isl = simulate_outage(net, {"line:npp-grid": 0.0}, engine=engine, ac=False)
    assert isl.nuclear_trips == ("plant:npp",)


def test_islanded_switchyard_trips_until_an_outlet_returns(net):
    # the switchyard's only outlet line is struck: the unit is islanded and trips; it
    # restarts after the line is back plus a restart draw
    s = strikes(net, [{"target": "line:npp-grid", "time": "2026-02-03T02:00+02:00",
                       "effect": "disabled", "repair_h": 6}])
    assert tripped_plants(net, {"line:npp-grid": 0.0}) == ["plant:npp"]
    assert tripped_plants(net, {"line:npp-grid": 0.5}) == []
    rows, h = response_strikes(net, s, pd.Series([6.0], index=s.index),
                               rng=np.random.default_rng(0))
    assert rows["asset_id"].tolist() == ["plant:npp"]
    assert rows["time"].iloc[0] == s["time"].iloc[0]
    assert float(h.iloc[0]) > 6.0


def test_islanded_from_the_last_outlet_lost_to_the_first_back():
    # two outlets: line:npp-a (struck at 02:00 for 10 h) and line:npp-b whose far end
    # sub:b is destroyed at 04:00 for 3 h: islanded 04:00-07:00 only
    net = build_net(
        buses=[("bus:npp", "sub:npp", 750.0), ("bus:a", "sub:a", 330.0),
               ("bus:b", "sub:b", 330.0)],
        lines=[("line:npp-a", "bus:npp", "bus:a", 20.0, 3000.0),
               ("line:npp-b", "bus:npp", "bus:b", 20.0, 3000.0)],
        gens=[("plant:npp", "bus:npp", 1000.0, "nuclear")],
        loads=[("load:a", "bus:a", 500.0, "residential", "a")],
    )
    reg = net.registry
    reg.loc[reg["asset_id"] == "plant:npp", "substation"] = "sub:npp"
    from gridmodel.outage.nuclear import _outlets

    assert _outlets(net, {"plant:npp": ["sub:npp"]}) == {
        "plant:npp": [("line:npp-a", "sub:a"), ("line:npp-b", "sub:b")]}
    assert tripped_plants(net, {"line:npp-a": 0.0}) == []
    assert tripped_plants(net, {"line:npp-a": 0.0, "sub:b": 0.0}) == ["plant:npp"]
    s = strikes(net, [
        {"target": "line:npp-a", "time": "2026-02-03T02:00+02:00", "effect": "disabled",
         "repair_h": 10},
        {"target": "sub:b", "time": "2026-02-03T04:00+02:00", "effect": "destroyed",
         "repair_h": 3}])
    hours = pd.Series([10.0, 3.0], index=s.index)
    rows, h = response_strikes(net, s, hours, rng=np.random.default_rng(0))
    assert rows["time"].tolist() == [pd.Timestamp("2026-02-03T04:00+02:00")]
    restart = float(h.iloc[0]) - 3.0
    assert restart > 0.0  # the restart draw after the outlet is back


def test_ukraine_one_switchyard_hit_trips_that_plant_only():
    import gridmodel

    net = gridmodel.load_network("ukraine", status_date="2026-01-15")
    conn = connection_substations(net)
    # Zaporizhzhia NPP is occupied (out by its status): nothing to trip
    assert set(conn) == {"plant:rivne-npp", "plant:khmelnytskyi-npp", "plant:south-ukraine-npp"}
    assert tripped_plants(net, {"sub:rivne-npp": 0.7}) == ["plant:rivne-npp"]
    # Kyivska-750 destroyed: every NPP keeps other outlets, none trips
    assert tripped_plants(net, {"sub:kyivska-750": 0.0}) == []
