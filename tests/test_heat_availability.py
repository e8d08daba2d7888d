"""Heat availability, draining and restarts on the Kyiv layer with hand-made grid timelines."""

import copy
import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.errors import InputError
from gridmodel.heat.availability import (
    capacity_rank,
    group_availability,
    source_served_fraction,
)
from gridmodel.heat.layer import archetype_h_w_m2k, load_layer
from gridmodel.restoration.restarts import restart_buildings

N_H = 72


def _temp(value=-20.0, n=N_H):
    idx = pd.date_range("2026-02-03 00:00", periods=n, freq="h", tz="Europe/Kyiv")
    return pd.Series(value, index=idx, name="temp_air", dtype=float)


def _run(layer, temp, **frames):
    ga = group_availability(layer, temp, **frames)
    return ga, restart_buildings(ga, 82, 12.0, 48.0)


def test_intact_system_has_heat_everywhere(kyiv_layer):
    ga, bh = _run(kyiv_layer, _temp())
    assert bh.heat_on.all()
    assert not bh.without_heat.any()
    assert not ga.drain_trigger.any()


def test_destroyed_chp4_drains_its_zone(kyiv_layer):
    temp = _temp()
    aa = pd.DataFrame({"plant:darnytsia-chp-4": 1.0}, index=temp.index)
    aa.iloc[4:] = 0.0
    _, bh = _run(kyiv_layer, temp, asset_available=aa)
    in_zone = kyiv_layer.buildings["source_id"].eq("heat:darnytsia-chp-4").to_numpy()
    assert in_zone.sum() == 1036
    assert bh.without_heat[4:, in_zone].all()
    assert not bh.without_heat[:, ~in_zone].any()
    assert (bh.drain_time[in_zone] == 4).all()
    assert (bh.cause[10, in_zone] == 1).all()  # source_lost


def _no_backup(layer, zone):
    lay = copy.copy(layer)
    lay.pumping = layer.pumping.copy()
    lay.pumping.loc[lay.pumping["zone_id"] == zone, "backup_mw"] = 0.0
    return lay


@pytest.mark.parametrize(("hours_off", "drained"), [(10, True), (5, False)])
def test_zone_pumping_unpowered(kyiv_layer, hours_off, drained):
    zone = "zone:chp-6-obolonskyi"
    lay = _no_backup(kyiv_layer, zone)
    temp = _temp(-20.0)  # bridging time 7.0 h
    node = pd.DataFrame({"bus:kyiv-110-obolonskyi": True}, index=temp.index)
    node.iloc[2:2 + hours_off] = False
    ga, bh = _run(lay, temp, node_power=node)
    inz = lay.buildings["zone_id"].eq(zone).to_numpy()
    assert bh.without_heat[2, inz].all()
    assert (bh.cause[2, inz] == 2).all()  # zone_pumping_unpowered
    if drained:
        assert bh.drained[2:20, inz].all()
        assert (bh.drain_time[inz] == 2).all()
    else:
        assert not bh.drained.any()
        assert bh.heat_on[2 + hours_off:, inz].all()
        assert bh.interrupted[2:2 + hours_off, inz].all()
    # the rest of Obolonskyi has backup power on its boiler houses and pumps: keeps heat
    others = lay.buildings["district"].eq("obolonskyi").to_numpy() & ~inz
    assert not bh.without_heat[:, others].any()


def _own_freeze_h(layer, temp_c, indoor_c=19.0, freeze_c=0.0):
    """Each building's own pipe-freeze time by hand: tau ln((T_in - T_a) / (T_f - T_a))."""
    from gridmodel.thermal.archetypes import ARCHETYPE_PARAMETERS

    p = ARCHETYPE_PARAMETERS
    tau = np.array([p[a]["c_kj_per_m2k"] * 1000 / p[a]["h_w_per_m2k"] / 3600
                    for a in layer.buildings["archetype"]])
    return tau * np.log((indoor_c - temp_c) / (freeze_c - temp_c))


@pytest.mark.parametrize("block_h", [8, 47, 50, 64])
def test_tall_building_blackout_block(kyiv_layer, block_h):
    """A tall building drains only when its own block outlasts its own pipe-freeze time
    (16-storey panel 45.7 h, 12-storey panel 49.0 h, modern tower 61.1 h at -20 C), never
    by the network's basement-pipe bridging time (7 h): pipes in a heated building cool
    with it (FIELD_NOTES 12)."""
    temp = _temp(-20.0, n=96)
    cols = pd.MultiIndex.from_tuples([("bus:kyiv-110-desnianskyi", 2)])
    bp = pd.DataFrame(True, index=temp.index, columns=cols)
    bp.iloc[8:8 + block_h] = False
    _, bh = _run(kyiv_layer, temp, building_power=bp)
    b = kyiv_layer.buildings
    hit = (b["district"].eq("desnianskyi") & b["queue"].eq(2) & (b["floors"] > 9)).to_numpy()
    low = (b["district"].eq("desnianskyi") & b["queue"].eq(2) & (b["floors"] <= 9)).to_numpy()
    assert hit.sum() > 0
    assert not bh.interrupted[:, low].any()  # up to 9 storeys circulate on network pressure
    assert not bh.heat_on[8, hit].any()
    own = _own_freeze_h(kyiv_layer, -20.0)
    should = hit & (block_h > own)
    assert (bh.drained.any(axis=0) == should).all()
    assert (bh.cause[8, should] == 3).all()  # drained_after_building_blackout
    assert not bh.without_heat[:, hit & ~should].any()  # supply is there; the stop only cools
    assert bh.interrupted[8:8 + block_h, hit & ~should].all()
    if block_h in (47, 50):
        assert should.any()
        assert (hit & ~should).any()


def test_damaged_source_gives_reduced_heat_to_all_its_buildings(kyiv_layer):
    """CHP-5 at 50 % at -20 C serves 57 % of its zones' demand, above reduced_min_share
    (0.5, [capacity_cut] reduced_heat): every building keeps coolant at that share."""
    temp = _temp(-20.0, n=6)
    aa = pd.DataFrame({"plant:kyiv-chp-5": 0.5}, index=temp.index)
    ga, bh = _run(kyiv_layer, temp, asset_available=aa)
    inz = kyiv_layer.buildings["source_id"].eq("heat:kyiv-chp-5").to_numpy()
    served = source_served_fraction(kyiv_layer, ga.source_capacity, temp)["heat:kyiv-chp-5"]
    assert 0.5 <= served.iloc[0] < 1.0
    assert not bh.without_heat[:, inz].any()
    assert bh.reduced_heat[:, inz].all()
    np.testing.assert_allclose(bh.heat_level[:, inz], served.iloc[0], rtol=1e-6)
    assert not bh.reduced_heat[:, ~inz].any()


def test_source_far_below_demand_keeps_nearest_buildings_at_the_minimum_share(kyiv_layer):
    """CHP-5 at 30 % at -20 C serves 34 % of demand, below reduced_min_share 0.5: the
    nearest buildings whose load fits 0.34 / 0.5 keep reduced heat at 0.5, the farthest are
    cut whole (without heat)."""
    temp = _temp(-20.0, n=6)
    aa = pd.DataFrame({"plant:kyiv-chp-5": 0.3}, index=temp.index)
    ga, bh = _run(kyiv_layer, temp, asset_available=aa)
    b = kyiv_layer.buildings
    inz = b["source_id"].eq("heat:kyiv-chp-5").to_numpy()
    lost = bh.without_heat[0] & inz
    assert 0 < lost.sum() < inz.sum()
    s = kyiv_layer.sources.set_index("source_id").loc["heat:kyiv-chp-5"]
    d = np.hypot((b["lon"] - s["lon"]) * np.cos(np.radians(s["lat"])), b["lat"] - s["lat"])
    assert d[lost].min() >= d[inz & ~lost].max()
    kept = inz & ~lost
    np.testing.assert_allclose(bh.heat_level[0, kept], 0.5)
    load = b["floor_area_m2"] * b["archetype"].map(archetype_h_w_m2k)
    served = source_served_fraction(kyiv_layer, ga.source_capacity, temp)["heat:kyiv-chp-5"]
    share_kept = load[kept].sum() / load[inz].sum()
    assert share_kept <= served.iloc[0] / 0.5 + 1e-9
    assert share_kept > served.iloc[0] / 0.5 - 0.02


def test_reduced_heat_buildings_cool_more_slowly_than_unheated_ones(kyiv_layer):
    """Done-when of issue #17: a reduced-heat zone's buildings all cool, more slowly
    (the thermal model's eq. (6)), and stay warmer than the same buildings cut off
    (occupants' heating off, so that only the heat supply differs)."""
    import dataclasses

    from gridmodel.pipeline import HeatInputs, heat_chain

    kyiv_layer = dataclasses.replace(kyiv_layer, assumptions={
        **kyiv_layer.assumptions, "occupants": {"heating_w_per_m2": 0.0}})
    temp = _temp(-20.0, n=48)
    inz = kyiv_layer.buildings["source_id"].eq("heat:kyiv-chp-5").to_numpy()
    reduced = heat_chain(kyiv_layer, temp, HeatInputs(
        pd.DataFrame({"plant:kyiv-chp-5": 0.5}, index=temp.index), None, None))
    cut = heat_chain(kyiv_layer, temp, HeatInputs(
        pd.DataFrame({"plant:kyiv-chp-5": 0.0}, index=temp.index), None, None))
    t_red = reduced.temperatures.to_buildings()[:, inz]
    t_cut = cut.temperatures.to_buildings()[:, inz]
    assert (t_red[-1] < t_red[0]).all()            # all cool ...
    assert (t_red[-1] > t_cut[-1] + 3.0).all()     # ... more slowly than without heat
    assert not reduced.heat.without_heat[:, inz].any()


def test_crews_restart_first_drained_first(kyiv_layer):
    temp = _temp(-15.0, n=24 * 12)
    aa = pd.DataFrame({"plant:darnytsia-chp-4": 1.0, "plant:kyiv-chp-6": 1.0},
                      index=temp.index)
    aa.iloc[2:26, 0] = 0.0   # CHP-4 out 24 h from hour 2
    aa.iloc[5:29, 1] = 0.0   # CHP-6 out 24 h from hour 5
    ga = group_availability(kyiv_layer, temp, asset_available=aa)
    bh = restart_buildings(ga, 82, 12.0, 48.0)
    b = kyiv_layer.buildings
    z4 = b["source_id"].eq("heat:darnytsia-chp-4").to_numpy()
    z6 = b["source_id"].eq("heat:kyiv-chp-6").to_numpy()
    assert (bh.drain_time[z4] == 2).all()
    assert (bh.drain_time[z6] == 5).all()
    assert bh.crews_busy.max() <= 82
    assert (z6 & (bh.restart_start >= 0)).any()
    started = bh.restart_start >= 0
    # first drained, first restarted: every CHP-4 building starts before any CHP-6 one
    assert bh.restart_start[z4 & started].max() <= bh.restart_start[z6 & started].min()
    done = bh.heat_back >= 0
    assert done.any()
    assert ((bh.heat_back[done] - bh.restart_start[done]) == 48).all()
    assert (bh.restart_start[started & ~done] > len(temp) - 1 - 48).all()
    assert (bh.restart_start[z4 & started] >= 26).all()  # not before supply is back


def test_misaligned_frames_are_rejected(kyiv_layer):
    temp = _temp()
    bad = pd.DataFrame({"plant:kyiv-chp-5": 1.0}, index=temp.index[:10])
    with pytest.raises(InputError, match="share the hourly index"):
        group_availability(kyiv_layer, temp, asset_available=bad)


def _restart_reference(g, trig, dcause_g, circ, sup, scause, frz, n_crews, crew_h, flats_h):
    """The crew rules hour by hour, building by building (plain Python)."""
    n_t, n_b = trig.shape[0], len(g)
    state = [0] * n_b  # 0 normal, 1 drained, 2 restarting
    dcause = [0] * n_b
    drain_time, start, back = [-1] * n_b, [-1] * n_b, [-1] * n_b
    crew_end, busy = [], []
    out = {k: np.zeros((n_t, n_b), dtype=bool) for k in
           ("heat_on", "without_heat", "drained", "interrupted", "freeze_risk")}
    cause = np.zeros((n_t, n_b), dtype=np.int8)
    for t in range(n_t):
        for i in range(n_b):
            if state[i] == 2 and t - start[i] >= flats_h:
                state[i], back[i] = 0, t
        for i in range(n_b):
            if trig[t, g[i]] and state[i] != 1:
                state[i], drain_time[i], dcause[i] = 1, t, dcause_g[t, g[i]]
        crew_end = [e for e in crew_end if e > t]
        waiting = sorted((drain_time[i], i) for i in range(n_b)
                         if state[i] == 1 and circ[t, g[i]])
        for _, i in waiting[:max(n_crews - len(crew_end), 0)]:
            state[i], start[i] = 2, t
            crew_end.append(t + crew_h)
            if flats_h == 0:
                state[i], back[i] = 0, t
        busy.append(len(crew_end))
        for i in range(n_b):
            k, dr = g[i], state[i] != 0
            out["drained"][t, i] = dr
            out["heat_on"][t, i] = circ[t, k] and not dr
            out["without_heat"][t, i] = (not sup[t, k]) or dr
            out["interrupted"][t, i] = not circ[t, k] and not dr
            out["freeze_risk"][t, i] = frz[t, k] and not dr
            if out["without_heat"][t, i]:
                cause[t, i] = dcause[i] if dr else scause[t, k]
    return out, cause, drain_time, start, back, busy


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_crews=st.integers(0, 4),
       flats_h=st.sampled_from([0.0, 1.0, 3.0]), crew_h=st.sampled_from([1.0, 2.5]))
def test_restart_equals_reference_rules(seed, n_crews, flats_h, crew_h):
    rng = np.random.default_rng(seed)
    n_t, n_g, n_b = 30, 4, 9
    circ = rng.random((n_t, n_g)) < 0.6
    sup = circ | (rng.random((n_t, n_g)) < 0.3)
    ga = SimpleNamespace(
        index=pd.RangeIndex(n_t), group_of=rng.integers(0, n_g, n_b),
        drain_trigger=~circ & (rng.random((n_t, n_g)) < 0.3),
        drain_cause=rng.integers(1, 4, (n_t, n_g)).astype(np.int8), circulating=circ,
        supply_ok=sup, supply_cause=np.where(sup, 0, rng.integers(1, 3, (n_t, n_g))
                                             ).astype(np.int8),
        freeze_risk=~circ & (rng.random((n_t, n_g)) < 0.2), heat_level=None)
    bh = restart_buildings(ga, n_crews, crew_h, flats_h)
    out, cause, drain_time, start, back, busy = _restart_reference(
        ga.group_of, ga.drain_trigger, ga.drain_cause, circ, sup, ga.supply_cause,
        ga.freeze_risk, n_crews, crew_h, flats_h)
    for k, v in out.items():
        assert np.array_equal(getattr(bh, k), v), k
    assert np.array_equal(bh.cause, cause)
    assert bh.drain_time.tolist() == drain_time
    assert bh.restart_start.tolist() == start
    assert bh.heat_back.tolist() == back
    assert bh.crews_busy.tolist() == busy


def test_groups_and_bands_equal_pandas_grouping(kyiv_layer):
    # capacity bands and groups as group_availability formed them with pandas
    temp = _temp(-18.0, n=48)
    aa = pd.DataFrame({"plant:kyiv-chp-5": 1.0, "plant:kyiv-chp-6": 1.0}, index=temp.index)
    aa.iloc[3:20, 0] = np.linspace(0.2, 0.9, 17)
    aa.iloc[10:30, 1] = 0.45
    ga = group_availability(kyiv_layer, temp, asset_available=aa)
    b = kyiv_layer.buildings
    served = source_served_fraction(kyiv_layer, ga.source_capacity, temp.to_numpy())
    rank = capacity_rank(kyiv_layer)
    # [capacity_cut] reduced_heat: the share of buildings kept (rule 2 of the module)
    m = kyiv_layer.assumptions["capacity_cut"]["reduced_min_share"]
    kept_below = np.floor(served / m * 100 + 1e-9) / 100
    served = served.where(served < m, 1.0).where(served >= m, kept_below)
    band = np.zeros(len(b), dtype=np.int64)
    for sid in served.columns:
        levels = np.unique(served[sid].to_numpy())
        levels = levels[levels < 1.0]
        m = b["source_id"].to_numpy() == sid
        band[m] = np.searchsorted(levels, rank[m] - 1e-12, side="left")
    assert band.max() > 3
    tall = b["floors"].to_numpy() > int(kyiv_layer.param("power", "tall_floors"))
    key = pd.DataFrame({"zone_id": b["zone_id"].to_numpy(), "grid_node": b["grid_node"].to_numpy(),
                        "queue": np.where(tall, b["queue"].to_numpy(), 0), "tall": tall,
                        "tau_h": np.where(tall, _own_freeze_h(kyiv_layer, -20.0), 0.0),
                        "band": band})
    group_of = key.groupby(list(key.columns), sort=True).ngroup().to_numpy(np.int64)
    assert np.array_equal(ga.group_of, group_of)
    groups = (key.assign(_g=group_of).drop_duplicates("_g").sort_values("_g")
              .drop(columns=["_g", "tau_h"]).reset_index(drop=True))
    zinfo = kyiv_layer.zones.set_index("zone_id")
    groups["source_id"] = zinfo.loc[groups["zone_id"], "source_id"].to_numpy()
    groups["district"] = zinfo.loc[groups["zone_id"], "district"].to_numpy()
    groups["standby_id"] = ""  # Kyiv ships no standby unit (tests/test_standby.py)
    groups["buildings"] = np.bincount(group_of)
    pd.testing.assert_frame_equal(ga.groups, groups, check_exact=True)


def test_new_tables_are_not_served_from_the_cache(kyiv_layer):
    temp = _temp(-20.0)
    node = pd.DataFrame({"bus:kyiv-110-obolonskyi": True}, index=temp.index)
    node.iloc[2:12] = False
    before = group_availability(kyiv_layer, temp, node_power=node).pumping
    lay = _no_backup(kyiv_layer, "zone:chp-6-obolonskyi")
    after = group_availability(lay, temp, node_power=node).pumping
    assert not after["zone:chp-6-obolonskyi"].iloc[2:12].any()
    assert before["zone:chp-6-obolonskyi"].iloc[2:12].all()
    replaced = dataclasses.replace(kyiv_layer, pumping=lay.pumping)
    pd.testing.assert_frame_equal(group_availability(replaced, temp, node_power=node).pumping,
                                  after)
    pd.testing.assert_frame_equal(group_availability(kyiv_layer, temp, node_power=node).pumping,
                                  before)


def test_tables_edited_in_place_are_not_served_from_the_cache():
    """A source given backup power in place changes the result at once (no stale cache)."""
    from gridmodel.heat.availability import freeze_layer

    layer = load_layer("kyiv")
    index = pd.date_range("2026-02-03", periods=48, freq="h", tz="Europe/Kyiv")
    temp = pd.Series(-15.0, index=index)
    node = "bus:kyiv-110-darnytskyi"  # Energia and the district's boiler houses
    npow = pd.DataFrame({node: False}, index=index)
    before = group_availability(layer, temp, node_power=npow)
    i = layer.sources.index[layer.sources["power_asset"] == node]
    layer.sources.loc[i, "backup_mw"] = layer.sources.loc[i, "power_need_mw"] + 1.0
    layer.sources.loc[i, "backup_fuel_h"] = 1000.0
    after = group_availability(layer, temp, node_power=npow)
    fresh = load_layer("kyiv")
    fresh.sources.loc[i, "backup_mw"] = fresh.sources.loc[i, "power_need_mw"] + 1.0
    fresh.sources.loc[i, "backup_fuel_h"] = 1000.0
    want = group_availability(fresh, temp, node_power=npow)
    assert not np.array_equal(before.source_capacity.to_numpy(),
                              after.source_capacity.to_numpy())
    np.testing.assert_array_equal(after.source_capacity.to_numpy(),
                                  want.source_capacity.to_numpy())
    # a frozen layer is trusted not to change: its owner promised (ensembles)
    frozen = freeze_layer(load_layer("kyiv"))
    group_availability(frozen, temp, node_power=npow)
    assert "_content" not in vars(frozen)


def test_heat_chain_uses_the_restart_crews_the_summary_reports(kyiv_layer, monkeypatch):
    # crews x share_for_restarts, rounded: 7 x 0.5 = 3.5 -> 4 (round half to even)
    from gridmodel import pipeline as chain
    from gridmodel.restoration import restarts as restoration

    lay = dataclasses.replace(kyiv_layer, assumptions=copy.deepcopy(kyiv_layer.assumptions))
    lay.assumptions["restart"].update(crews=7, share_for_restarts=0.5)
    assert chain.restart_crews(lay) == 4
    seen = []

    def spy(ga, n_crews, *args):
        seen.append(n_crews)
        return restart_buildings(ga, n_crews, *args)

    monkeypatch.setattr(restoration, "restart_buildings", spy)
    inputs = chain.HeatInputs(asset_available=None, node_power=None, building_power=None)
    chain.heat_chain(lay, _temp(n=6), inputs)
    assert seen == [4]


def test_decision_at_t_ignores_a_later_strike(kyiv_layer):
    """A blackout block 8-12 h of tall buildings, then CHP-6 struck at hour 12 for good:
    every drain decision before hour 12 is the one without the strike (the block alone,
    4 h < the buildings' own pipe-freeze time: no drain); the strike drains its zones at
    hour 12, not at the block's first hour."""
    temp = _temp(-20.0)
    cols = pd.MultiIndex.from_tuples([("bus:kyiv-110-desnianskyi", 2)])
    bp = pd.DataFrame(True, index=temp.index, columns=cols)
    bp.iloc[8:12] = False
    aa = pd.DataFrame({"plant:kyiv-chp-6": 1.0}, index=temp.index)
    aa.iloc[12:] = 0.0
    ga0, bh0 = _run(kyiv_layer, temp, building_power=bp)
    ga1, bh1 = _run(kyiv_layer, temp, building_power=bp, asset_available=aa)
    assert np.array_equal(bh0.drained[:12], bh1.drained[:12])
    assert not bh1.drained[:12].any()
    z6 = kyiv_layer.buildings["source_id"].eq("heat:kyiv-chp-6").to_numpy()
    assert (bh1.drain_time[z6] == 12).all()


def test_a_node_outage_inside_a_block_is_judged_from_its_own_first_hour(kyiv_layer):
    """Tall buildings on (Solomianskyi 110 kV, queue 2): their block is 8-12 h, and the
    node goes dark at hour 10 for 100 h (the schedule then keeps the queue off). At 08 only
    the 4 h block is known (below their own pipe-freeze time of 46-61 h at -20 C: no
    drain); the outage is known from hour 10: drained at 10 at the earliest, not at 8
    (before, the whole run was judged at its first hour)."""
    temp = _temp(-20.0, n=130)
    node = "bus:kyiv-110-solomianskyi"
    bp = pd.DataFrame(True, index=temp.index, columns=pd.MultiIndex.from_tuples([(node, 2)]))
    bp.iloc[8:110] = False
    npow = pd.DataFrame({node: True}, index=temp.index)
    npow.iloc[10:110] = False
    b = kyiv_layer.buildings
    tall = (b["grid_node"].eq(node) & b["queue"].eq(2)
            & (b["floors"] > int(kyiv_layer.param("power", "tall_floors")))).to_numpy()
    ga, bh = _run(kyiv_layer, temp, building_power=bp, node_power=npow)
    assert tall.sum() > 10
    own = ga.supply_ok[:, ga.group_of[tall]] & ~ga.circulating[:, ga.group_of[tall]]
    # a building stop (supply on) until the zone's pumps, on their 48 h backup from the
    # node's loss at 10, stop at 58
    assert own[8:58].all()
    # known at 10: the node is dark for 100 h, and circulation does not resume when the
    # zone's pumps stop at 58 (a supply stop follows the building stop): every tall
    # building drains at 10 (t_own 46-61 h < 100 h), none before, none waits for 58
    assert (bh.drain_time[tall] == 10).all()
    # the block alone (node powered): 4 h, no drain
    bp4 = bp.copy()
    bp4.iloc[12:110] = True
    _, bh4 = _run(kyiv_layer, temp, building_power=bp4)
    assert (bh4.drain_time[tall] == -1).all()
    # the node dark at the horizon: taken to outlast it, as a supply stop is
    bp_end = bp.copy()
    bp_end.iloc[110:] = False
    np_end = npow.copy()
    np_end.iloc[110:] = False
    _, bh_end = _run(kyiv_layer, temp.iloc[:40], building_power=bp_end.iloc[:40],
                     node_power=np_end.iloc[:40])
    assert (bh_end.drain_time[tall] == 10).all()


def test_one_crew_action_restores_a_whole_section(kyiv_layer):
    """CHP-6 out hours 0-9 at -20 C: its zones drain at hour 0. One crew, 12 h a section,
    coolant 12 h after it starts: at hour 10 it takes the section of the first drained
    building (lowest id) and every building of that section restarts with it; each is back
    (no longer without heat) at hour 22; the next section starts at hour 22."""
    temp = _temp(-20.0)
    aa = pd.DataFrame({"plant:kyiv-chp-6": 1.0}, index=temp.index)
    aa.iloc[:10] = 0.0
    ga = group_availability(kyiv_layer, temp, asset_available=aa)
    bh = restart_buildings(ga, 1, 12.0, 12.0)
    b = kyiv_layer.buildings
    z6 = b["source_id"].eq("heat:kyiv-chp-6").to_numpy()
    first_sec = b.loc[z6, "section_id"].iloc[0]
    sec = b["section_id"].eq(first_sec).to_numpy()
    assert sec.sum() > 10
    assert (bh.restart_start[sec] == 10).all()
    assert (bh.heat_back[sec] == 22).all()
    assert bh.without_heat[21, sec].all()
    assert not bh.without_heat[22:, sec].any()
    assert bh.heat_on[22:, sec].all()
    starts = pd.Series(bh.restart_start[z6], index=b.loc[z6, "section_id"])
    started = starts[starts >= 0]
    assert sorted(started.unique()) == [10, 22, 34, 46, 58, 70]  # one section a shift
    assert (started.groupby(level=0).nunique() == 1).all()
    assert (started.reset_index().groupby(0)["section_id"].nunique() == 1).all()
    assert (bh.crews_busy[10:] == 1).all()
