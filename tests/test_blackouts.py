"""Rolling blackouts: queue rule by hand, energy property, lookups, the 2026-01-15 baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.errors import InputError
from gridmodel.outage.blackouts import (
    assign_queue,
    daily_schedule_from_snapshot,
    local_timezone,
    queue_power_on,
    queues_off_per_block,
    rolling_blackouts,
    supply_areas,
)

DAY = "2026-01-15"
#: zone of the local day of the hand-made schedules (a network would carry its own)
TZ = "Europe/Kyiv"


def flat_loads(queued_mw, exempt_mw, shed_mw, area="Lvivska", energised=True, hours=24):
    """One area, one residential, one industry and one critical load, flat over a day."""
    t0 = pd.Timestamp(DAY).tz_localize("Europe/Kyiv")
    rows = []
    for h in range(hours):
        t = (t0 + pd.Timedelta(hours=h)).tz_convert("UTC")
        for lid, cls, dem in (("r", "residential", queued_mw / 2), ("i", "industry",
                              queued_mw / 2), ("c", "critical", exempt_mw)):
            shed = shed_mw * dem / (queued_mw + exempt_mw)
            rows.append({"time": t, "load_id": f"{area}-{lid}", "oblast": area,
                         "priority_class": cls, "demand_mw": dem, "shed_mw": shed,
                         "energised": energised})
    return pd.DataFrame(rows)


def test_hand_calculation_national_deficit():
    """18 GW needed, 11 GW + 1.6 GW imports available (FIELD_NOTES 2).

    Deficit 5.4 GW; critical + heat/water (15 %, 2.7 GW) exempt -> queued 15.3 GW.
    Deficit share 5.4 / 15.3 = 0.3529. Six 4-h blocks x 6 queues = 36 queue-blocks a
    day; 36 x 0.3529 = 12.7 -> 13 queue-blocks off (rule: floor 2 per block, plus one
    where the remainder is largest). Rotation: one queue off 3 blocks (12 h of supply),
    five queues off 2 blocks (16 h). Mean 24 x (1 - 13/36) = 15.33 h against the exact
    24 x (1 - 0.3529) = 15.53 h.
    """
    sched = rolling_blackouts(flat_loads(15300.0, 2700.0, 5400.0), timezone=TZ)
    assert sched.blocks["queues_off"].tolist() == [3, 2, 2, 2, 2, 2]
    supply = sched.daily.set_index("queue")["supply_h"]
    assert supply.tolist() == [12.0, 16.0, 16.0, 16.0, 16.0, 16.0]
    assert supply.mean() == pytest.approx(24 * (1 - 13 / 36))
    od = sched.oblast_daily.iloc[0]
    assert od["queue_supply_h_min"] == 12.0
    assert od["queue_supply_h_max"] == 16.0
    assert od["supply_h_mean"] == pytest.approx(24 * (1 - 13 / 36))
    assert od["residential_dark_share"] == 0.0
    # the exempt critical load keeps power: the deficit is all on queues
    assert sched.areas["exempt_shed_mw"].max() == pytest.approx(0.0)
    assert sched.areas["deficit_mw"].iloc[0] == pytest.approx(5400.0)
    # residential share without power in the first block: 3 of 6 queues
    assert sched.oblast_hourly["residential_off_share"].iloc[0] == pytest.approx(0.5)
    assert sched.oblast_hourly["residential_off_share"].iloc[4] == pytest.approx(2 / 6)


def test_deficit_beyond_queued_demand_hits_exempt_loads():
    sched = rolling_blackouts(flat_loads(1000.0, 200.0, 1100.0, hours=4), timezone=TZ)
    assert sched.blocks["queues_off"].tolist() == [6]
    assert sched.areas["exempt_shed_mw"].iloc[0] == pytest.approx(100.0)
    assert not sched.schedule["power_on"].any()


def test_dark_area_has_every_queue_off_and_counts_as_off():
    sched = rolling_blackouts(flat_loads(600.0, 100.0, 700.0, energised=False, hours=4),
                              timezone=TZ)
    assert sched.blocks["queues_off"].tolist() == [0]  # nothing to schedule
    assert sched.blocks["dark"].all()
    assert not sched.schedule["power_on"].any()
    assert sched.oblast_hourly["residential_off_share"].eq(1.0).all()
    assert sched.oblast_daily["supply_h_mean"].iloc[0] == 0.0
    assert sched.oblast_daily["residential_dark_share"].iloc[0] == 1.0


def test_no_deficit_all_on():
    sched = rolling_blackouts(flat_loads(600.0, 100.0, 0.0), timezone=TZ)
    assert sched.schedule["power_on"].all()
    assert (sched.daily["supply_h"] == 24).all()


@settings(max_examples=60, deadline=None)
@given(
    demand=st.lists(st.floats(10.0, 1000.0), min_size=24, max_size=24),
    share=st.lists(st.floats(0.0, 1.0), min_size=24, max_size=24),
    n_queues=st.sampled_from([2, 3, 4, 6, 8]),
    block_h=st.sampled_from([1, 2, 3, 4, 6]),
)
def test_switched_off_energy_matches_deficit(demand, share, n_queues, block_h):
    """Per day, energy switched off = queued deficit energy within half a queue-block."""
    demand = np.array(demand)
    deficit = demand * np.array(share)
    t0 = pd.Timestamp(DAY).tz_localize("Europe/Kyiv")
    times = pd.date_range(t0, periods=24, freq="h").tz_convert("UTC")
    loads = pd.DataFrame({"time": times, "load_id": "a-r", "oblast": "A",
                          "priority_class": "residential", "demand_mw": demand,
                          "shed_mw": deficit, "energised": True})
    sched = rolling_blackouts(loads, n_queues=n_queues, block_h=block_h, timezone=TZ)
    b = sched.blocks
    assert abs(b["off_mwh"].sum() - deficit.sum()) <= b["queue_block_mwh"].max() / 2 + 1e-6
    # hour by hour, the schedule switches off exactly queues_off / n of the demand
    on = sched.schedule.groupby("time")["power_on"].mean().to_numpy()
    per_hour_off = np.repeat(b["queues_off"].to_numpy(), block_h) / n_queues
    assert np.allclose(1 - on, per_hour_off)
    # fair rotation: daily off-time of queues differs by at most one block
    supply = sched.daily["supply_h"]
    assert supply.max() - supply.min() <= block_h + 1e-9


@given(x=st.lists(st.floats(0.0, 500.0), min_size=1, max_size=12), n=st.integers(1, 10))
def test_queues_off_bounds(x, n):
    demand = np.array(x) + 1.0
    deficit = demand * 0.37
    k = queues_off_per_block(deficit, demand, n)
    assert ((k >= 0) & (k <= n)).all()
    assert abs((k * demand / n).sum() - deficit.sum()) <= (demand / n).max() / 2 + 1e-9


def test_queue_power_on_lookup():
    sched = rolling_blackouts(flat_loads(15300.0, 2700.0, 5400.0), timezone=TZ)
    t0 = pd.Timestamp(DAY).tz_localize("Europe/Kyiv")
    times = pd.DatetimeIndex([t0, t0 + pd.Timedelta(minutes=90), t0 + pd.Timedelta(hours=5)])
    # block 0 switches queues 0-2 off, block 1 queues 3-4
    assert queue_power_on(sched, "Lvivska", 0, times).tolist() == [False, False, True]
    assert queue_power_on(sched, "Lvivska", 3, times).tolist() == [True, True, False]
    with pytest.raises(InputError, match="area 'Nowhere'"):
        queue_power_on(sched, "Nowhere", 0, times)
    with pytest.raises(InputError, match="queue 9"):
        queue_power_on(sched, "Lvivska", 9, times)
    with pytest.raises(InputError, match="outside the schedule"):
        queue_power_on(sched, "Lvivska", 0, [t0 + pd.Timedelta(days=2)])
    with pytest.raises(InputError, match="tz-aware"):
        queue_power_on(sched, "Lvivska", 0, pd.DatetimeIndex(["2026-01-15"]))


def test_assign_queue_deterministic_balanced():
    ids = [f"b{i}" for i in range(103)]
    q = assign_queue(ids, 6, seed=4)
    assert np.bincount(q, minlength=6).max() - np.bincount(q, minlength=6).min() <= 1
    assert (assign_queue(ids, 6, seed=4) == q).all()
    # order does not matter, only the set of ids and the seed
    rev = assign_queue(ids[::-1], 6, seed=4)
    assert (rev[::-1] == q).all()
    assert not (assign_queue(ids, 6, seed=5) == q).all()
    with pytest.raises(InputError, match="n_queues"):
        assign_queue(ids, 0)


def test_bad_parameters():
    loads = flat_loads(100.0, 10.0, 5.0)
    with pytest.raises(InputError, match="block_h"):
        rolling_blackouts(loads, block_h=5, timezone=TZ)
    with pytest.raises(InputError, match="n_queues"):
        rolling_blackouts(loads, n_queues=0, timezone=TZ)
    with pytest.raises(InputError, match="lacks columns"):
        rolling_blackouts(loads.drop(columns="energised"), timezone=TZ)


@pytest.fixture(scope="module")
def ukraine():
    import gridmodel

    try:
        return gridmodel.load_network("ukraine", status_date=DAY)
    except FileNotFoundError as exc:  # pragma: no cover - network data not built
        pytest.skip(f"ukraine network not available: {exc}")


@pytest.mark.slow
def test_ukraine_2026_01_15_baseline_hours_of_supply(ukraine):
    """No strikes at the 2026-01-15 status: hours of supply follow from the deficit.

    Hand rule for flat (snapshot) demand: in an area with queued (residential +
    industry) demand Q and deficit D, 36 queue-blocks a day (6 queues x six 4-h blocks)
    give K = round(36 D / Q) queue-blocks off; each queue has 24 - 4 floor(K/6) or
    24 - 4 ceil(K/6) hours of supply, on average 24 (1 - K/36).
    """
    from gridmodel.outage import simulate_outage

    res = simulate_outage(ukraine, None, ac=False)
    isl = res.islands[res.islands["energised"]]
    deficit_mw = float(isl["shed_mw"].sum())
    assert deficit_mw > 1000.0  # winter 2025-26: demand well above what is available
    sched = daily_schedule_from_snapshot(res.loads, supply_areas(ukraine), DAY)
    loads = res.loads.assign(area=res.loads["load_id"].map(supply_areas(ukraine)))
    queued = loads[loads["priority_class"].isin(["residential", "industry"]) & loads["energised"]]
    shed = loads[loads["energised"]].groupby("area")["shed_mw"].sum()
    q = queued.groupby("area")["demand_mw"].sum()
    checked = 0
    for area, qa in q.items():
        share = min(shed.get(area, 0.0), qa) / qa
        k = int(np.floor(36 * share + 0.5))
        daily = sched.daily[sched.daily["area"] == area]["supply_h"]
        assert daily.mean() == pytest.approx(24 * (1 - k / 36)), area
        assert set(daily) <= {24.0 - 4 * (k // 6), 24.0 - 4 * -(-k // 6)}, area
        checked += 1
    assert checked >= 24  # every oblast and the Kyiv district areas
    # the national picture: mean supply hours of the queues against the deficit share
    nat_share = deficit_mw / float(q.sum())
    mean_h = (sched.daily.groupby("area")["supply_h"].mean() * q / q.sum()).sum()
    assert abs(mean_h - 24 * (1 - nat_share)) <= 4 * 0.5 / 6 * 2 + 1e-9
    kyiv_areas = [a for a in q.index if a.startswith("sub:kyiv-110-")]
    assert len(kyiv_areas) == 10


def test_the_zone_comes_from_the_caller_or_the_areas():
    """No zone in code: an explicit ``timezone`` wins, else the one the areas carry."""
    loads = flat_loads(15300.0, 2700.0, 5400.0)
    with pytest.raises(InputError, match="time zone of the schedules' local day"):
        rolling_blackouts(loads)
    with pytest.raises(InputError, match="time zone of the schedules' local day"):
        daily_schedule_from_snapshot(loads.drop(columns="time"), None, DAY)
    with pytest.raises(InputError, match="'Mars/Olympus' is not a time zone"):
        rolling_blackouts(loads, timezone="Mars/Olympus")
    areas = pd.Series("Lvivska", index=loads["load_id"].unique(), name="area")
    areas.attrs["timezone"] = TZ
    by_areas = rolling_blackouts(loads, areas)
    assert by_areas.timezone == TZ
    pd.testing.assert_frame_equal(by_areas.blocks, rolling_blackouts(loads, timezone=TZ).blocks)
    # the local day moves with the zone: the first UTC block starts at 22:00 the day before
    utc = rolling_blackouts(loads, areas, timezone="UTC")
    assert utc.timezone == "UTC"
    assert len(utc.blocks) == len(by_areas.blocks) + 1


def test_a_network_without_area_parameters_has_oblast_areas_and_no_zone():
    from tiny_networks import tiny_net

    net = tiny_net()
    areas = supply_areas(net)
    assert areas.to_dict() == {"load:city-ind": "city", "load:city-res": "city",
                               "load:east-crit": "east"}
    assert "timezone" not in areas.attrs
    assert local_timezone(net) is None


def test_own_area_substations_and_zone_from_the_network_parameters():
    from tiny_networks import tiny_net

    net = tiny_net()
    net.registry.loc[net.registry["asset_id"] == "load:city-res", "substation"] = "sub:city"
    net.parameters["areas"] = {"timezone": "Europe/Warsaw", "own_area_substations": ["sub:c*"]}
    areas = supply_areas(net)
    assert areas.to_dict() == {"load:city-ind": "city", "load:city-res": "sub:city",
                               "load:east-crit": "east"}
    assert areas.attrs["timezone"] == local_timezone(net) == "Europe/Warsaw"
    net.parameters["areas"]["own_area_substations"] = ["sub:city", "sub:nowhere-*"]
    with pytest.raises(InputError, match=r"\['sub:nowhere-\*'\] match no substation"):
        supply_areas(net)
    net.parameters["areas"] = {"timezone": "Kyiv"}
    with pytest.raises(InputError, match="'Kyiv' is not a time zone"):
        supply_areas(net)


def test_ukraine_areas_carry_the_network_zone(ukraine):
    """``network.toml [areas]``: the operators' zone and the Kyiv district areas."""
    areas = supply_areas(ukraine)
    assert areas.attrs["timezone"] == "Europe/Kyiv"
    districts = sorted(a for a in set(areas) if a.startswith("sub:kyiv-110-"))
    assert len(districts) == 10
    subs = ukraine.registry.set_index("asset_id")["substation"]
    assert (areas[areas.isin(districts)].index.map(subs) == areas[areas.isin(districts)]).all()
