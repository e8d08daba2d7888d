"""Standby units (rule 3a of :mod:`gridmodel.heat.availability`) on the tiny layer.

A copy of the tiny layer (``tests/data/tiny/heat``) gets one standby unit in the north
zone, sited on building tiny-b01, with hand-built hourly inputs at -10 °C: the CHP (the
zone's source) is lost from hour 2, so every rule of the unit is the only difference
between two evaluations.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from gridmodel.heat import availability as av
from gridmodel.heat.check import layer_problems
from gridmodel.heat.layer import HeatLayerError, archetype_h_w_m2k, load_layer
from gridmodel.pipeline import HeatInputs, _input_columns, heat_chain

HOURS = 48
LOST_H = 2  # the CHP is lost from this hour to the end
UNIT = "heat:tiny-modular-north"
COLUMNS = ("standby_id,name,kind,zone_id,heat_capacity_mw,start_delay_h,fuel,fuel_h,own_power,"
           "grid_node,power_need_mw,backup_mw,backup_fuel_h,lon,lat,source")


def _row(**kw) -> str:
    """One standby row: a modular boiler house on tiny-b01's site, 3 h start, gas main."""
    v = dict(standby_id=UNIT, name="modular boiler house north", kind="modular_boiler",
             zone_id="zone:tiny-chp-north", heat_capacity_mw=0.55, start_delay_h=3,
             fuel="gas", fuel_h="", own_power="false", grid_node="bus:tiny-110-north",
             power_need_mw=0.006, backup_mw=0, backup_fuel_h=0, lon=30.006, lat=50.016,
             source="[C] test data")
    v.update(kw)
    return ",".join(str(v[c]) for c in COLUMNS.split(","))


def _folder(tmp_path, tiny_folder, *rows):
    dst = tmp_path / "heat"
    shutil.copytree(tiny_folder / "heat", dst)
    with open(dst / "layer.toml", "a", encoding="utf-8") as f:
        f.write('standby = "standby.csv"\n')
    (dst / "standby.csv").write_text("\n".join([COLUMNS, *rows]) + "\n", encoding="utf-8")
    return dst


def _inputs(layer, unit_alive=True, node_off_from=None):
    index = pd.date_range("2026-01-15", periods=HOURS, freq="h", tz="UTC")
    assets, nodes, nq = _input_columns(layer)
    aa = pd.DataFrame(1.0, index=index, columns=assets)
    aa.iloc[LOST_H:, aa.columns.get_loc("heat:tiny-chp")] = 0.0
    if not unit_alive:
        aa[UNIT] = 0.0
    npow = pd.DataFrame(True, index=index, columns=nodes)
    bpow = pd.DataFrame(True, index=index,
                        columns=pd.MultiIndex.from_tuples(nq, names=["grid_node", "queue"]))
    if node_off_from is not None:
        npow.iloc[node_off_from:, npow.columns.get_loc("bus:tiny-110-north")] = False
        bpow.iloc[node_off_from:, [i for i, c in enumerate(bpow.columns)
                                   if c[0] == "bus:tiny-110-north"]] = False
    return pd.Series(-10.0, index=index), HeatInputs(aa, npow, bpow)


def _supplied(layer, building_id, **kw):
    """Hours at which ``building_id`` is supplied, and those on its standby unit."""
    temp, inp = _inputs(layer, **kw)
    ga = av.group_availability(layer, temp, inp.asset_available, inp.node_power,
                               inp.building_power)
    g = ga.group_of[int(np.flatnonzero(layer.buildings["building_id"] == building_id)[0])]
    on = ga.on_standby[:, g] if ga.on_standby is not None else np.zeros(HOURS, bool)
    return np.flatnonzero(ga.supply_ok[:, g]), np.flatnonzero(on)


def test_a_unit_takes_the_nearest_buildings_of_its_zone_that_fit_its_capacity(
        tmp_path, tiny_folder):
    layer = load_layer(_folder(tmp_path, tiny_folder, _row()))
    b = layer.buildings
    # by hand: design load H x area x (20 - (-22)) K; nearest to (30.006, 50.016) are
    # b01 (on the site), b03 (0.0040 deg), b07 (0.0048 deg): 0.208 + 0.341 = 0.549 MW
    # fits 0.55 MW, adding b07's 0.188 does not (the nearest-first run stops there)
    load = {i: archetype_h_w_m2k(a) * area * 42.0 / 1e6
            for i, a, area in zip(b["building_id"], b["archetype"], b["floor_area_m2"],
                                  strict=True)}
    assert load["tiny-b01"] + load["tiny-b03"] <= 0.55 < (
        load["tiny-b01"] + load["tiny-b03"] + load["tiny-b07"])
    unit_of = av.standby_assignment(layer)
    assert sorted(b.loc[unit_of == 0, "building_id"]) == ["tiny-b01", "tiny-b03"]
    assert (unit_of[~b["building_id"].isin(["tiny-b01", "tiny-b03"])] == -1).all()


def test_a_unit_starts_after_its_delay_and_runs_while_its_fuel_lasts(tmp_path, tiny_folder):
    layer = load_layer(_folder(tmp_path, tiny_folder, _row(fuel_h=10)))
    ok, on = _supplied(layer, "tiny-b01")
    # lost at hour 2; 3 h start delay: hours 2-4 without supply, 10 h on the unit from 5
    assert on.tolist() == list(range(LOST_H + 3, LOST_H + 3 + 10))
    assert ok.tolist() == [0, 1, *on.tolist()]
    ok_far, on_far = _supplied(layer, "tiny-b02")  # not the unit's: lost from hour 2
    assert ok_far.tolist() == [0, 1]
    assert not len(on_far)


def test_a_unit_without_power_or_destroyed_does_not_start(tmp_path, tiny_folder):
    layer = load_layer(_folder(tmp_path, tiny_folder, _row()))
    assert _supplied(layer, "tiny-b01")[1].tolist() == list(range(5, HOURS))
    assert not len(_supplied(layer, "tiny-b01", unit_alive=False)[1])
    # its node loses power at hour 10 and it has no backup: it stops then
    assert _supplied(layer, "tiny-b01", node_off_from=10)[1].tolist() == list(range(5, 10))


def test_cogeneration_runs_as_its_own_island_and_powers_its_tall_buildings(
        tmp_path, tiny_folder):
    # sited on tiny-b06 (16 storeys: its pumps need power), own power, no grid node
    row = _row(kind="cogeneration", own_power="true", grid_node="", start_delay_h=0,
               lon=29.99, lat=50.008, heat_capacity_mw=0.7)
    layer = load_layer(_folder(tmp_path, tiny_folder, row))
    assert layer.buildings.loc[av.standby_assignment(layer) == 0, "building_id"].tolist() == [
        "tiny-b06"]
    temp, inp = _inputs(layer, node_off_from=10)  # the whole north node dark from hour 10
    ga = av.group_availability(layer, temp, inp.asset_available, inp.node_power,
                               inp.building_power)
    g = ga.group_of[5]
    assert ga.on_standby[LOST_H:, g].all()
    assert not ga.on_standby[:LOST_H, g].any()
    assert ga.circulating[:, g].all()  # the island powers its pumps after hour 10 too
    b05 = ga.group_of[4]  # 12 storeys, no unit: stops at the CHP loss
    assert not ga.circulating[LOST_H:, b05].any()


def test_the_units_buildings_stay_warm_and_undrained_while_the_others_cool(
        tmp_path, tiny_folder):
    layer = load_layer(_folder(tmp_path, tiny_folder, _row()))
    temp, inp = _inputs(layer)
    chain = heat_chain(layer, temp, inp)
    t = chain.temperatures.to_buildings(np.arange(len(layer.buildings)))
    # b01 and b02 are both 5-storey khrushchyovkas of the north zone; only b01 is covered
    assert t[-1, 0] > t[-1, 1] + 5.0
    assert t[-1, 0] > 18.0


def test_a_layer_without_standby_has_no_unit_and_the_same_groups(tiny_folder):
    layer = load_layer(tiny_folder / "heat")
    assert len(layer.standby) == 0
    assert (av.standby_assignment(layer) == -1).all()
    temp, inp = _inputs(layer)
    ga = av.group_availability(layer, temp, inp.asset_available, inp.node_power,
                               inp.building_power)
    assert ga.on_standby is None
    assert set(ga.groups["standby_id"]) == {""}


@pytest.mark.parametrize(("change", "says"), [
    (dict(zone_id="zone:nowhere"), "zone_id"),
    (dict(kind="steam_engine"), "kind"),
    (dict(grid_node=""), "grid_node"),
    (dict(start_delay_h=-1), "start_delay_h"),
    (dict(heat_capacity_mw=0), "heat_capacity_mw"),
    (dict(own_power="maybe"), "own_power"),
    (dict(standby_id="heat:tiny-chp"), "standby_id"),
])
def test_a_bad_standby_row_is_named_with_file_line_and_column(tmp_path, tiny_folder, change,
                                                               says):
    folder = _folder(tmp_path, tiny_folder, _row(standby_id="heat:tiny-ok"), _row(**change))
    problems = [p for p in layer_problems(folder, check_network=False) if "standby.csv" in p]
    assert problems
    assert all("standby.csv:3:" in p for p in problems), problems
    assert any(says in p for p in problems), problems
    with pytest.raises(HeatLayerError, match="standby.csv:3"):
        load_layer(folder)


def test_an_unknown_standby_grid_node_is_reported_against_the_network(tmp_path, tiny_folder):
    folder = _folder(tmp_path, tiny_folder, _row(grid_node="bus:tiny-110-atlantis"))
    problems = layer_problems(folder)
    assert any("standby.csv:2: grid_node" in p and "atlantis" in p for p in problems), problems
