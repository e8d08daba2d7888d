"""Heat-only operation of damaged CHPs and refill failures (issue #17), on tiny hand-made
inputs and the Kyiv layer."""

import numpy as np
import pandas as pd
import pytest

from gridmodel.heat.availability import group_availability
from gridmodel.heat.grid import asset_available, heat_only_periods
from gridmodel.restoration.restarts import refill_failures, restart_buildings


def _periods(*rows):
    t = pd.Timestamp("2026-01-09 02:00", tz="UTC")
    return pd.DataFrame([{"asset_id": a, "start": t, "end": t + pd.Timedelta(hours=h),
                          "remaining_fraction": r, "effect": e} for a, h, r, e in rows])


def test_damaged_chp_runs_heat_only_after_start_h():
    p = _periods(("plant:chp", 48, 0.0, "damaged"))
    out = heat_only_periods(p, ["plant:chp"], 12.0, 0.45)
    idx = pd.date_range("2026-01-09 02:00", periods=60, freq="h", tz="UTC")
    aa = asset_available(out, idx, assets=["plant:chp"])["plant:chp"].to_numpy()
    assert (aa[:12] == 0.0).all()          # the first 12 h: nothing
    assert (aa[12:48] == 0.45).all()       # then the peak boilers' share
    assert (aa[48:] == 1.0).all()          # repaired: whole again


@pytest.mark.parametrize("effect", ["disabled", "damaged"])
def test_shut_down_or_damaged_both_run_heat_only(effect):
    out = heat_only_periods(_periods(("plant:chp", 48, 0.0, effect)), ["plant:chp"], 6.0, 0.5)
    assert sorted(out["remaining_fraction"]) == [0.0, 0.5]


def test_destroyed_chp_other_plants_and_light_damage_are_unchanged():
    p = _periods(("plant:chp", 2000, 0.0, "destroyed"), ("plant:coal", 48, 0.0, "damaged"),
                 ("plant:chp2", 48, 0.7, "damaged"))
    out = heat_only_periods(p, ["plant:chp", "plant:chp2"], 12.0, 0.45)
    pd.testing.assert_frame_equal(out.sort_values("asset_id").reset_index(drop=True),
                                  p.sort_values("asset_id").reset_index(drop=True))


def test_repair_before_start_h_leaves_the_period_whole():
    out = heat_only_periods(_periods(("plant:chp", 6, 0.0, "damaged")), ["plant:chp"], 12.0, 0.45)
    assert len(out) == 1
    assert out["remaining_fraction"].iloc[0] == 0.0


def test_heat_only_periods_keep_the_others_then_cut_then_the_heat_only_rest():
    p = _periods(("plant:chp", 48, 0.0, "damaged"), ("plant:coal", 48, 0.0, "damaged"),
                 ("plant:chp2", 6, 0.2, "disabled"), ("plant:chp3", 30, 0.1, "damaged"))
    p["returns"] = [True, False, True, True]
    out = heat_only_periods(p, ["plant:chp", "plant:chp2", "plant:chp3"], 12.0, 0.45)
    t0 = p["start"].iloc[0]
    h = [pd.Timedelta(hours=x) for x in (6, 12, 30, 48)]
    assert out["asset_id"].tolist() == ["plant:coal", "plant:chp", "plant:chp2", "plant:chp3",
                                        "plant:chp", "plant:chp3"]
    assert (out["start"] - t0).tolist() == [h[0] * 0, h[0] * 0, h[0] * 0, h[0] * 0, h[1], h[1]]
    assert (out["end"] - t0).tolist() == [h[3], h[1], h[0], h[1], h[3], h[2]]
    assert out["remaining_fraction"].tolist() == [0.0, 0.0, 0.2, 0.1, 0.45, 0.45]
    assert out["returns"].tolist() == [False, True, True, True, True, True]
    assert out.dtypes.equals(p.dtypes)
    assert out.index.equals(pd.RangeIndex(6))


def test_refill_failures_draws_are_seeded_and_shared():
    a = refill_failures(20000, 0.15, 72.0, 0.5, np.random.default_rng(1))
    b = refill_failures(20000, 0.15, 72.0, 0.5, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    share = (a > 0).mean()
    assert 0.14 < share < 0.16
    assert 65 < np.median(a[a > 0]) < 80
    assert (refill_failures(100, 0.0, 72.0, 0.5, np.random.default_rng(1)) == 0).all()


def _kyiv_chp6_out(kyiv_layer, hours_out=10, n=120):
    idx = pd.date_range("2026-01-09 00:00", periods=n, freq="h", tz="Europe/Kyiv")
    temp = pd.Series(-20.0, index=idx)
    aa = pd.DataFrame({"plant:kyiv-chp-6": 1.0}, index=idx)
    aa.iloc[:hours_out] = 0.0
    return group_availability(kyiv_layer, temp, asset_available=aa)


def test_a_failed_refill_waits_its_repair_then_heat_returns(kyiv_layer):
    """One crew, 12 h a section, coolant 12 h after start: the first section starts at
    hour 10 and is back at 22; a building of it whose refill fails (30 h repair) is back
    at 52, the others at 22; a building that does not fail is unchanged."""
    ga = _kyiv_chp6_out(kyiv_layer)
    b = kyiv_layer.buildings
    z6 = b["source_id"].eq("heat:kyiv-chp-6").to_numpy()
    sec = b["section_id"].eq(b.loc[z6, "section_id"].iloc[0]).to_numpy()
    failing = np.flatnonzero(sec)[0]
    extra = np.zeros(len(b))
    extra[failing] = 30.0
    base = restart_buildings(ga, 1, 12.0, 12.0)
    bh = restart_buildings(ga, 1, 12.0, 12.0, extra)
    assert bh.heat_back[failing] == 52
    assert base.heat_back[failing] == 22
    assert bh.without_heat[22:52, failing].all()
    assert not bh.without_heat[52:, failing].any()
    assert not bh.heat_on[22:52, failing].any()
    others = sec.copy()
    others[failing] = False
    assert (bh.heat_back[others] == 22).all()
    assert bh.refill_failed[failing]
    assert bh.refill_failed.sum() == 1
    # the crew is not held by the repair: the next section starts at hour 22 as before
    np.testing.assert_array_equal(bh.restart_start, base.restart_start)


def test_only_the_first_refill_can_fail(kyiv_layer):
    """Drained twice: the second restart of a building whose first refill failed
    succeeds (its repair was done)."""
    idx = pd.date_range("2026-01-09 00:00", periods=200, freq="h", tz="Europe/Kyiv")
    temp = pd.Series(-20.0, index=idx)
    aa = pd.DataFrame({"plant:kyiv-chp-6": 1.0}, index=idx)
    aa.iloc[:10] = 0.0
    aa.iloc[100:110] = 0.0
    ga = group_availability(kyiv_layer, temp, asset_available=aa)
    b = kyiv_layer.buildings
    z6 = np.flatnonzero(b["source_id"].eq("heat:kyiv-chp-6").to_numpy())
    extra = np.zeros(len(b))
    extra[z6[0]] = 30.0
    bh = restart_buildings(ga, 1000, 12.0, 12.0, extra)
    assert bh.drain_time[z6[0]] == 100                 # drained again at hour 100
    assert bh.heat_back[z6[0]] == bh.restart_start[z6[0]] + 12   # second refill: no repair


def test_refill_repair_hours_are_checked(kyiv_layer):
    ga = _kyiv_chp6_out(kyiv_layer)
    with pytest.raises(ValueError, match="refill_repair_h"):
        restart_buildings(ga, 1, 12.0, 12.0, np.full(len(kyiv_layer.buildings), -1.0))


def _one_building(circulating: np.ndarray, drain_trigger: np.ndarray):
    """A one-building, one-group availability by hand (the fields the restarts read)."""
    from types import SimpleNamespace

    n = len(circulating)
    return SimpleNamespace(
        index=pd.date_range("2026-02-03", periods=n, freq="h", tz="Europe/Kyiv"),
        group_of=np.array([0]), drain_trigger=drain_trigger,
        drain_cause=drain_trigger.astype(np.int8), circulating=circulating,
        supply_ok=circulating, supply_cause=(~circulating).astype(np.int8),
        freeze_risk=np.zeros((n, 1), bool), section_of=None, heat_level=None)


def test_a_new_drain_does_not_cut_a_failed_refills_repair_short():
    """Drained at 0, supply back at 10: one crew starts at 10, coolant would come at 14,
    the refill fails and its 30 h repair ends at 44. Drained again at 12 (supply off
    12-15), restarted at 15: coolant still not before 44 (before the fix it came at 19,
    the repair forgotten). Without the second stop: back at 44 too."""
    t = np.arange(60)[:, None]
    once = t >= 10
    twice = once.copy()
    twice[12:15] = False
    repair = np.array([30.0])
    one = restart_buildings(_one_building(once, t == 0), 1, 1.0, 4.0, repair)
    two = restart_buildings(_one_building(twice, (t == 0) | (t == 12)), 1, 1.0, 4.0, repair)
    assert one.heat_back[0] == 44
    assert two.drain_time[0] == 12
    assert two.restart_start[0] == 15
    assert two.heat_back[0] == 44
    assert two.without_heat[:44, 0].all()
    assert not two.without_heat[44:, 0].any()
    # after the repair has ended, a new drain restarts in heat_to_flats_h as any building
    late = once.copy()
    late[50:53] = False
    three = restart_buildings(_one_building(late, (t == 0) | (t == 50)), 1, 1.0, 4.0, repair)
    assert three.heat_back[0] == 53 + 4
