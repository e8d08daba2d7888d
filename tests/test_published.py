"""Stages published a day ahead (gridmodel.outage.published, FIELD_NOTES 11)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from gridmodel.outage.published import PUBLISHED_COLUMNS, published_stages
from gridmodel.outage.stages import stage_for_deficit

D1, D2 = dt.date(2026, 2, 3), dt.date(2026, 2, 4)


def blocks(deficits_d1, deficits_d2, demand=60.0):
    """Six 4 h blocks a day of one area, 60 MWh queued demand each (10 MWh a queue)."""
    rows = [{"area": "a", "oblast": "o", "date": d, "block": b, "demand_mwh": demand,
             "deficit_mwh": x} for d, xs in ((D1, deficits_d1), (D2, deficits_d2))
            for b, x in enumerate(xs)]
    return pd.DataFrame(rows)


def test_day_ahead_stage_is_the_previous_days_peak():
    # day 1: nothing short in the first block (before the strike), then 20 MWh of 60 (two
    # queues, 8 h a day); day 2: 5 MWh (half a queue)
    b = blocks([0, 20, 20, 15, 10, 0], [5, 5, 0, 0, 0, 0])
    p = published_stages(b, 6)
    assert list(p.columns) == PUBLISHED_COLUMNS
    d1, d2 = p.iloc[0], p.iloc[1]
    assert (d1["date"], d1["published_on"]) == (D1, D1 - dt.timedelta(days=1))
    # the first day: published from its first block (no deficit yet)
    assert (d1["queues"], d1["hours_off_per_day"], d1["emergency"]) == (0.0, 0.0, False)
    assert d1["actual_queues"] == 2.0
    # the second day: the first day's peak, two queues -> 8 h a day (FIELD_NOTES 11)
    assert (d2["queues"], d2["hours_off_per_day"], d2["emergency"]) == (2.0, 8.0, False)
    assert d2["actual_queues"] == 0.5


def test_dark_day_has_no_stage():
    b = blocks([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]).assign(demand_mwh=0.0)
    p = published_stages(b, 6)
    assert p["queues"].isna().all()
    assert p["emergency"].all()


def test_stage_table_of_field_notes_11():
    # 10 % short: one queue, up to 4 h; 2 queues 8 h; 3 queues 12 h; 5 queues: emergency
    assert stage_for_deficit(1800.0, 18000.0).hours_off_per_day == 4.0
    assert stage_for_deficit(4500.0, 18000.0).hours_off_per_day == 8.0
    assert stage_for_deficit(6750.0, 18000.0).hours_off_per_day == 12.0
    s = stage_for_deficit(0.6 * 18000.0, 18000.0)
    assert (s.queues, s.emergency) == (5.0, True)
    assert stage_for_deficit(0.0, 18000.0).queues == 0.0
    assert stage_for_deficit(2.0 * 18000.0, 18000.0).queues == 6.0
    with pytest.raises(ValueError, match="demand_mw > 0"):
        stage_for_deficit(1.0, 0.0)


def test_timeline_carries_the_published_frame():
    from tiny_networks import tiny_net

    import gridmodel.outage.timeline as tl
    from gridmodel.strikes import resolve_strikes, strikes_from_records

    net = tiny_net()
    s = resolve_strikes(net, strikes_from_records([
        {"target": "plant:tpp", "time": "2026-02-03T06:00+02:00", "effect": "disabled",
         "repair_h": 40}]))
    res = tl.simulate_outages(net, s, "2026-02-03T00:00+02:00", 48, seed=1,
                              engine="fast", ac=False)
    p = res.blackouts.published
    assert set(p["area"]) == set(res.blackouts.blocks["area"])
    assert len(p) == res.blackouts.blocks.groupby(["area", "date"]).ngroups
    second = p[p["date"] == p["date"].max()]
    assert np.isfinite(second["queues"].to_numpy(float)).any()
