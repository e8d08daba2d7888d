"""The rolling-blackout engine against FIELD_NOTES 11's operating rules.

Blocks are up to 4 h (at most 6 h) and at least 3.5 h with power come between two
outages of a queue; 1 queue off means up to 4 h a day without power, 2 queues 8 h,
3 queues 12 h. Checked on hand-made flat deficits over two local days: the engine
switches queues in 4 h blocks and rotates them, which gives these rules up to 3 queues
(beyond that the schedules stop and emergency outages follow, FIELD_NOTES 11).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridmodel.outage.blackouts import rolling_blackouts

TZ = "Europe/Kyiv"


def flat(queues_short: float, hours: int = 48, queued_mw: float = 600.0):
    """One area, 600 MW queued (100 MW a queue) and 200 MW critical, a flat deficit."""
    t0 = pd.Timestamp("2026-01-15").tz_localize(TZ)
    shed = queues_short * queued_mw / 6.0
    rows = []
    for h in range(hours):
        t = (t0 + pd.Timedelta(hours=h)).tz_convert("UTC")
        for lid, cls, dem in (("r", "residential", queued_mw / 2), ("i", "industry",
                              queued_mw / 2), ("c", "critical", 200.0)):
            rows.append({"time": t, "load_id": lid, "oblast": "A", "priority_class": cls,
                         "demand_mw": dem, "shed_mw": shed * dem / queued_mw
                         if cls != "critical" else 0.0, "energised": True})
    return pd.DataFrame(rows)


def runs(on: np.ndarray, value: bool) -> list[int]:
    """Lengths [steps] of the runs of ``value`` inside ``on`` (ends excluded)."""
    out, n, inside = [], 0, False
    for v in on:
        if v == value:
            n += 1
        else:
            if n and inside:
                out.append(n)
            inside, n = True, 0
    return out


@pytest.mark.parametrize(("queues", "hours_off"), [(1, 4.0), (2, 8.0), (3, 12.0)])
def test_blocks_up_to_4h_at_least_3_5h_on_between_and_hours_a_day(queues, hours_off):
    s = rolling_blackouts(flat(queues), timezone=TZ)
    for _, g in s.schedule.sort_values("time").groupby("queue"):
        on = g["power_on"].to_numpy(bool)
        assert max(runs(on, False), default=0) <= 4  # blocks up to 4 h
        assert min(runs(on, True), default=24) >= 3.5  # at least 3.5 h on between
    # each queue's hours without power a day: the FIELD_NOTES 11 table
    off = 24.0 - s.daily["supply_h"]
    assert np.allclose(off, hours_off)
