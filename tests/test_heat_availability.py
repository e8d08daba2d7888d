"""Heat availability, draining and restarts on the Kyiv layer with hand-made grid timelines."""

import copy

import numpy as np
import pandas as pd
import pytest

from gridmodel.errors import InputError
from gridmodel.heat.availability import group_availability
from gridmodel.heat.layer import load_layer
from gridmodel.heat.restoration import restart_buildings

N_H = 72


@pytest.fixture(scope="module")
def layer():
    return load_layer("kyiv")


def _temp(value=-20.0, n=N_H):
    idx = pd.date_range("2026-02-03 00:00", periods=n, freq="h", tz="Europe/Kyiv")
    return pd.Series(value, index=idx, name="temp_air", dtype=float)


def _run(layer, temp, **frames):
    ga = group_availability(layer, temp, **frames)
    return ga, restart_buildings(ga, 82, 12.0, 48.0)


def test_intact_system_has_heat_everywhere(layer):
    ga, bh = _run(layer, _temp())
    assert bh.heat_on.all()
    assert not bh.without_heat.any()
    assert not ga.drain_trigger.any()


def test_destroyed_chp4_drains_its_zone(layer):
    temp = _temp()
    aa = pd.DataFrame({"plant:darnytsia-chp-4": 1.0}, index=temp.index)
    aa.iloc[4:] = 0.0
    _, bh = _run(layer, temp, asset_available=aa)
    in_zone = layer.buildings["source_id"].eq("heat:darnytsia-chp-4").to_numpy()
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
def test_zone_pumping_unpowered(layer, hours_off, drained):
    zone = "zone:chp-6-obolonskyi"
    lay = _no_backup(layer, zone)
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


@pytest.mark.parametrize(("block_h", "drained"), [(8, True), (4, False)])
def test_tall_building_blackout_block(layer, block_h, drained):
    temp = _temp(-20.0)
    cols = pd.MultiIndex.from_tuples([("bus:kyiv-110-desnianskyi", 2)])
    bp = pd.DataFrame(True, index=temp.index, columns=cols)
    bp.iloc[8:8 + block_h] = False
    _, bh = _run(layer, temp, building_power=bp)
    b = layer.buildings
    hit = (b["district"].eq("desnianskyi") & b["queue"].eq(2) & (b["floors"] > 9)).to_numpy()
    low = (b["district"].eq("desnianskyi") & b["queue"].eq(2) & (b["floors"] <= 9)).to_numpy()
    assert hit.sum() > 0
    assert not bh.interrupted[:, low].any()  # up to 9 storeys circulate on network pressure
    assert not bh.heat_on[8, hit].any()
    if drained:
        assert bh.drained[8, hit].all()
        assert (bh.cause[8, hit] == 3).all()  # drained_after_building_blackout
    else:
        assert not bh.drained.any()
        assert not bh.without_heat.any()  # supply is there; a short stop only cools
        assert bh.interrupted[8:12, hit].all()


def test_damaged_source_keeps_nearest_buildings(layer):
    temp = _temp(-20.0, n=6)
    aa = pd.DataFrame({"plant:kyiv-chp-5": 0.5}, index=temp.index)
    ga, bh = _run(layer, temp, asset_available=aa)
    b = layer.buildings
    inz = b["source_id"].eq("heat:kyiv-chp-5").to_numpy()
    lost = bh.without_heat[0] & inz
    assert 0 < lost.sum() < inz.sum()
    s = layer.sources.set_index("source_id").loc["heat:kyiv-chp-5"]
    d = np.hypot((b["lon"] - s["lon"]) * np.cos(np.radians(s["lat"])), b["lat"] - s["lat"])
    assert d[lost].min() >= d[inz & ~lost].max()


def test_crews_restart_first_drained_first(layer):
    temp = _temp(-15.0, n=24 * 12)
    aa = pd.DataFrame({"plant:darnytsia-chp-4": 1.0, "plant:kyiv-chp-6": 1.0},
                      index=temp.index)
    aa.iloc[2:26, 0] = 0.0   # CHP-4 out 24 h from hour 2
    aa.iloc[5:29, 1] = 0.0   # CHP-6 out 24 h from hour 5
    ga = group_availability(layer, temp, asset_available=aa)
    bh = restart_buildings(ga, 82, 12.0, 48.0)
    b = layer.buildings
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


def test_misaligned_frames_are_rejected(layer):
    temp = _temp()
    bad = pd.DataFrame({"plant:kyiv-chp-5": 1.0}, index=temp.index[:10])
    with pytest.raises(InputError, match="share the hourly index"):
        group_availability(layer, temp, asset_available=bad)
