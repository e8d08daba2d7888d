"""Heat rules on the tiny layer (issue #17), checked through the one heat chain.

The tiny layer (``tests/data/tiny/heat``: a CHP heats the 8 buildings of the north
district, a boiler house the 6 of the south) with hand-built hourly inputs at a constant
-10 °C: no grid run, so each rule's effect is the only difference between two calls of
:func:`gridmodel.pipeline.heat_chain`.

- occupants' own heating (``[occupants]``, :mod:`gridmodel.thermal.rc` eq. (5)): flats
  with power are warmer than flats without; during a power-off block the indoor
  temperature still falls;
- reduced heat (``[capacity_cut] rule = "reduced_heat"``): a source short of capacity
  keeps every building of its zone on coolant at a lowered share; they all cool, more
  slowly than buildings without heat, and more slowly than under ``nearest_first``;
- a tall building drains only when its own blackout block outlasts its own pipe-freeze
  time (derived from its archetype's time constant), and a drain decision at hour t does
  not change when a strike after t is added;
- one crew action restores a whole network section.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from gridmodel.heat.layer import load_layer
from gridmodel.pipeline import HeatInputs, _input_columns, heat_chain

HOURS = 48
TEMP_C = -10.0


@pytest.fixture(scope="module")
def tiny_layer(tiny_folder):
    return load_layer(tiny_folder / "heat")


def _layer(tiny_layer, **sections):
    """A copy of the tiny layer whose assumptions carry ``sections`` (replaced whole)."""
    assumptions = copy.deepcopy(tiny_layer.assumptions)
    assumptions.update(copy.deepcopy(sections))
    return dataclasses.replace(tiny_layer, assumptions=assumptions)


def _inputs(layer, available=None, queue_off=None, hours=HOURS, temp_c=TEMP_C):
    """Hourly inputs: everything powered and intact but ``available`` {asset: (start_h,
    fraction) or (start_h, end_h, fraction)} and ``queue_off`` {(node, queue): (start_h,
    end_h)} (a power-off block)."""
    index = pd.date_range("2026-01-15", periods=hours, freq="h", tz="UTC")
    assets, nodes, nq = _input_columns(layer)
    aa = pd.DataFrame(1.0, index=index, columns=assets)
    for aid, period in (available or {}).items():
        start, end, frac = period if len(period) == 3 else (period[0], None, period[1])
        aa.iloc[start:end, aa.columns.get_loc(aid)] = frac
    npow = pd.DataFrame(True, index=index, columns=nodes)
    bpow = pd.DataFrame(True, index=index,
                        columns=pd.MultiIndex.from_tuples(nq, names=["grid_node", "queue"]))
    for col, (start, end) in (queue_off or {}).items():
        bpow.iloc[start:end, bpow.columns.get_loc(col)] = False
    temp = pd.Series(temp_c, index=index)
    return temp, HeatInputs(asset_available=aa, node_power=npow, building_power=bpow)


def _indoor(chain, building_ids, layer):
    pos = layer.buildings.reset_index(drop=True)
    cols = pos.index[pos["building_id"].isin(building_ids)].to_numpy()
    return chain.temperatures.to_buildings(cols)


# ---- occupants' heating ------------------------------------------------------------------

OUT_H, BACK_H = 20, 26  # power-off block of queue 1 in the north


def _occupant_runs(tiny_layer, w_per_m2):
    layer = _layer(tiny_layer, occupants={"heating_w_per_m2": w_per_m2})
    temp, inputs = _inputs(layer, available={"heat:tiny-chp": (2, 0.0)},
                           queue_off={("bus:tiny-110-north", 1): (OUT_H, BACK_H)})
    return layer, heat_chain(layer, temp, inputs)


def test_occupant_heating_warms_flats_with_power_and_a_power_off_block_still_cools(tiny_layer):
    """The CHP is lost at hour 2: the 8 north buildings are without heat for the rest.
    tiny-b01 (5 storeys, queue 0) keeps its power; tiny-b02 (5 storeys, queue 1) loses it
    from hour 20 to 26. With 15 W/m² of occupants' heating both are warmer than without
    it; in b02's power-off block its temperature falls in every hour, and faster than
    b01's, which keeps its heaters on."""
    layer, occ = _occupant_runs(tiny_layer, 15.0)
    _, base = _occupant_runs(tiny_layer, 0.0)
    assert occ.heat.without_heat[HOURS - 1, :8].all()  # the rule acts on temperatures only
    np.testing.assert_array_equal(occ.heat.without_heat, base.heat.without_heat)
    t_occ = _indoor(occ, ["tiny-b01", "tiny-b02"], layer)
    t_base = _indoor(base, ["tiny-b01", "tiny-b02"], layer)
    assert (t_occ[-1] > t_base[-1] + 2.0).all()
    block = t_occ[OUT_H - 1:BACK_H, 1]
    assert (np.diff(block) < 0).all()
    drop_b02 = t_occ[OUT_H - 1, 1] - t_occ[BACK_H - 1, 1]
    drop_b01 = t_occ[OUT_H - 1, 0] - t_occ[BACK_H - 1, 0]
    assert drop_b02 > drop_b01 + 0.5
    # without occupants' heating the two 5-storey buildings follow one trajectory
    np.testing.assert_array_equal(t_base[:, 0], t_base[:, 1])


def test_occupant_heating_needs_a_non_negative_gain(tiny_layer, tmp_path):
    import shutil

    from gridmodel.heat.layer import HeatLayerError

    src = tiny_layer.files["assumptions"].parent
    shutil.copytree(src, tmp_path / "heat")
    path = tmp_path / "heat" / "assumptions.toml"
    path.write_text(path.read_text() + "\n[occupants]\nheating_w_per_m2 = -5.0\n")
    with pytest.raises(HeatLayerError, match="heating_w_per_m2"):
        load_layer(tmp_path / "heat")


# ---- reduced heat ------------------------------------------------------------------------

def _reduced_runs(tiny_layer, fraction):
    reduced = _layer(tiny_layer, capacity_cut={"rule": "reduced_heat",
                                               "reduced_min_share": 0.5})
    nearest = _layer(tiny_layer, capacity_cut={"rule": "nearest_first"})
    out = []
    for layer in (reduced, nearest):
        temp, inputs = _inputs(layer, available={"heat:tiny-chp": (2, fraction)})
        out.append(heat_chain(layer, temp, inputs))
    temp, inputs = _inputs(reduced, available={"heat:tiny-chp": (2, 0.0)})
    out.append(heat_chain(reduced, temp, inputs))
    return reduced, out


def test_a_reduced_heat_zone_keeps_every_building_on_coolant_and_all_cool_more_slowly(
        tiny_layer):
    """The CHP (3.0 MW) at 40 % from hour 2: 1.2 MW for a zone that needs 2.77 x 30/42 =
    1.98 MW at -10 °C (design -22 °C): served share 0.61 >= reduced_min_share 0.5. Every
    north building keeps its heat at that share (none counted without heat), and every one
    cools: below its start at 48 h, above the same building without any heat."""
    layer, (red, near, off) = _reduced_runs(tiny_layer, 0.4)
    north = np.flatnonzero(layer.buildings["district"].to_numpy() == "north")
    assert not red.heat.without_heat[:, north].any()
    level = red.heat.heat_level[HOURS - 1, north]
    np.testing.assert_allclose(level, 1.2 / (2.77 * 30.0 / 42.0), atol=0.011)
    t_red = red.temperatures.to_buildings(north)
    t_off = off.temperatures.to_buildings(north)
    assert (t_red[-1] < t_red[1] - 1.0).all()  # they cool ...
    assert (np.diff(t_red[2:], axis=0) <= 1e-12).all()
    assert (t_red[-1] > t_off[-1] + 3.0).all()  # ... more slowly than without heat
    # nearest_first cuts some of them whole, and those cool as without heat
    cut = near.heat.without_heat[HOURS - 1, north]
    assert 0 < cut.sum() < north.size
    t_near = near.temperatures.to_buildings(north)
    np.testing.assert_allclose(t_near[-1, cut], t_off[-1, cut])
    # the south (its own boiler house, intact) is untouched by either rule
    south = np.flatnonzero(layer.buildings["district"].to_numpy() == "south")
    assert red.heat.heat_on[:, south].all()
    np.testing.assert_array_equal(red.heat.heat_level[:, south], 1.0)


def test_below_the_minimum_share_the_nearest_keep_reduced_heat_and_the_rest_are_cut(
        tiny_layer):
    """At 20 % (0.6 MW, served share 0.30 < 0.5) the source keeps the nearest buildings
    whose load fits 0.30 / 0.5 = 60 % at the minimum share 0.5 and cuts the rest."""
    layer, (red, _near, _off) = _reduced_runs(tiny_layer, 0.2)
    north = np.flatnonzero(layer.buildings["district"].to_numpy() == "north")
    on = red.heat.heat_on[HOURS - 1, north]
    assert 0 < on.sum() < north.size
    np.testing.assert_allclose(red.heat.heat_level[HOURS - 1, north][on], 0.5)
    load = layer.buildings["design_load_kw"].to_numpy()[north]
    assert load[on].sum() / load.sum() <= 0.6 + 1e-9


# ---- a building's own blackout block, decisions and sections -----------------------------

TALL = ("bus:tiny-110-north", 5)  # tiny-b06: 16 storeys (panel_16plus), queue 5


def _own_freeze_h(layer, building_id, temp_c):
    from gridmodel.heat.availability import bridging_kwargs
    from gridmodel.heat.draining import bridging_time_h, building_pipe_kwargs
    from gridmodel.thermal.archetypes import archetype_parameters, time_constant_h

    arch = layer.buildings.set_index("building_id").loc[building_id, "archetype"]
    p = archetype_parameters(arch)
    tau = float(time_constant_h(p["h_w_per_m2k"], p["c_kj_per_m2k"]))
    indoor = float(layer.param("comfort", "initial_indoor_c"))
    return float(bridging_time_h(temp_c, **building_pipe_kwargs(bridging_kwargs(layer), tau,
                                                                indoor)))


def _b06(layer):
    return int(np.flatnonzero(layer.buildings["building_id"].to_numpy() == "tiny-b06")[0])


@pytest.mark.parametrize(("margin_h", "drained"), [(-2, False), (2, True)])
def test_a_tall_building_drains_only_when_its_own_block_outlasts_its_own_freeze_time(
        tiny_layer, margin_h, drained):
    """At -20 °C tiny-b06's own pipe-freeze time (19 °C start, tau = C/H of panel_16plus)
    is about 46 h, far above the network's bridging time (about 7 h). A blackout block of
    its queue 2 h shorter than that only interrupts it; 2 h longer drains it at the
    block's first hour (hour 4). The supply is intact throughout."""
    layer = _layer(tiny_layer)
    own = _own_freeze_h(layer, "tiny-b06", -20.0)
    assert 40.0 < own < 60.0
    block = int(round(own)) + margin_h
    temp, inputs = _inputs(layer, queue_off={TALL: (4, 4 + block)}, hours=4 + block + 6,
                           temp_c=-20.0)
    hc = heat_chain(layer, temp, inputs)
    i = _b06(layer)
    assert bool(hc.heat.drained[:, i].any()) is drained
    if drained:
        assert hc.heat.drain_time[i] == 4
    else:
        assert hc.heat.interrupted[4:4 + block, i].all()
    others = np.arange(len(layer.buildings)) != i
    assert not hc.heat.drained[:, others].any()


def test_a_decision_at_t_does_not_change_when_a_later_strike_is_added(tiny_layer):
    """tiny-b06's block at hours 8-12 (4 h, below its own freeze time: no drain), then the
    CHP lost for good at hour 12: every state before hour 12 is the one without the
    strike; the strike drains the north zone at hour 12, not at the block's first hour."""
    layer = _layer(tiny_layer)
    block = {TALL: (8, 12)}
    temp, base_in = _inputs(layer, queue_off=block, temp_c=-20.0)
    _, hit_in = _inputs(layer, queue_off=block, temp_c=-20.0,
                        available={"heat:tiny-chp": (12, 0.0)})
    base, hit = heat_chain(layer, temp, base_in), heat_chain(layer, temp, hit_in)
    for name in ("drained", "without_heat", "heat_on", "interrupted"):
        np.testing.assert_array_equal(getattr(base.heat, name)[:12],
                                      getattr(hit.heat, name)[:12], err_msg=name)
    assert not hit.heat.drained[:12].any()
    north = layer.buildings["district"].to_numpy() == "north"
    assert (hit.heat.drain_time[north] == 12).all()
    assert (hit.heat.drain_time[~north] == -1).all()


def test_one_crew_action_restores_a_whole_section(tiny_layer):
    """The north's 8 buildings in two sections (b01-b04, b05-b08) [C test data]. The CHP
    out hours 0-9 at -20 °C: the zone drains at hour 0. One crew (2 crews, half on
    restarts), 12 h a section, coolant 12 h after it starts: at hour 10 it takes the
    section of the first drained building (lowest id) and its 4 buildings are back at hour
    22 together; the crew then takes the second section, back at 34."""
    buildings = tiny_layer.buildings.copy()
    north = buildings["district"].eq("north").to_numpy()
    order = np.arange(len(buildings))
    buildings["section_id"] = np.where(north & (order < 4), "sec:n1",
                                       np.where(north, "sec:n2", "sec:s"))
    layer = dataclasses.replace(_layer(tiny_layer, restart={
        "crews": 2, "share_for_restarts": 0.5, "crew_hours_per_building": 12.0,
        "heat_to_flats_h": 12.0}), buildings=buildings)
    temp, inputs = _inputs(layer, available={"heat:tiny-chp": (0, 10, 0.0)}, hours=48,
                           temp_c=-20.0)
    hc = heat_chain(layer, temp, inputs)
    first, second = north & (order < 4), north & (order >= 4)
    assert (hc.heat.drain_time[north] == 0).all()
    assert (hc.heat.restart_start[first] == 10).all()
    assert (hc.heat.heat_back[first] == 22).all()
    assert (hc.heat.restart_start[second] == 22).all()
    assert (hc.heat.heat_back[second] == 34).all()
    assert hc.heat.without_heat[21, first].all()
    assert not hc.heat.without_heat[22:, first].any()
    assert (hc.heat.crews_busy[10:34] == 1).all()
