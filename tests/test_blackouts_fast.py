"""rolling_blackouts against the former loop implementation, frame by frame.

The module computes its sums from integer codes (compiled compensated sums, per-load work
once per step when every step lists the same loads); the reference
(``reference_rolling_blackouts`` of ``test_timeline_fast_equal``) is the plain ``groupby``
and loop version of the same rule, so the frames must be equal exactly, on small random
inputs in the timeline's row layout and shuffled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_timeline_fast_equal import reference_rolling_blackouts

from gridmodel.outage.blackouts import (
    _numpy_sum,
    _queues_off_days,
    queues_off_per_block,
    rolling_blackouts,
)

FRAMES = ["schedule", "blocks", "areas", "oblast_hourly", "daily", "oblast_daily"]


def random_loads(seed, n_days, start):
    """Loads of 2-3 oblasts (one with two district areas) over whole days, odd magnitudes."""
    rng = np.random.default_rng(seed)
    n_loads = int(rng.integers(3, 12))
    oblast = rng.choice(["Kyiv", "Lvivska", "Odeska"], n_loads)
    load_id = np.array([f"L{i}" for i in range(n_loads)], dtype=object)
    cls = rng.choice(["residential", "industry", "critical", "heat_water"], n_loads)
    district = rng.choice(["sub:kyiv-110-a", "sub:kyiv-110-b", None], n_loads)
    areas = pd.Series(np.where(oblast == "Kyiv", district, None), index=load_id).dropna()
    times = pd.date_range(pd.Timestamp(start, tz="Europe/Kyiv"), periods=24 * n_days,
                          freq="h").tz_convert("UTC")
    n = len(times) * n_loads
    demand = rng.random(n) * 10.0 ** rng.integers(-3, 4, n)
    shed = demand * rng.choice([0.0, 0.3, 1.0], n) * rng.random(n)
    energised = rng.random(n) > rng.choice([0.0, 0.2, 1.0])
    loads = pd.DataFrame({
        "time": np.repeat(times, n_loads), "load_id": np.tile(load_id, len(times)),
        "oblast": np.tile(oblast, len(times)), "priority_class": np.tile(cls, len(times)),
        "demand_mw": demand, "shed_mw": shed, "energised": energised})
    return loads, areas


def assert_same(loads, areas, **kw):
    got = rolling_blackouts(loads, areas, **{"timezone": "Europe/Kyiv", **kw})
    want = reference_rolling_blackouts(loads, areas, **kw)
    for f in FRAMES:
        pd.testing.assert_frame_equal(getattr(got, f), getattr(want, f), check_exact=True,
                                      obj=f)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_queues=st.integers(1, 6),
       block_h=st.sampled_from([1, 2, 3, 4, 6]), shuffle=st.booleans(),
       start=st.sampled_from(["2026-01-15", "2026-03-28 05:00", "2026-10-24 17:00"]),
       start_queue=st.integers(0, 7))
def test_matches_loop_implementation(seed, n_queues, block_h, shuffle, start, start_queue):
    """Every frame equals the loop implementation's, in the timeline's row layout (per-load
    work done once per step) and with the rows shuffled (per row), across DST changes."""
    loads, areas = random_loads(seed, 2, start)
    if shuffle:
        loads = loads.sample(frac=1.0, random_state=seed % 1000)
    kw = dict(n_queues=n_queues, block_h=block_h, step_h=1.0, start_queue=start_queue)
    assert_same(loads, areas, **kw)


def test_matches_loop_implementation_half_hour_steps_and_no_areas():
    loads, _ = random_loads(7, 2, "2026-02-03")
    t = loads["time"]
    loads = loads.assign(time=t.min() + (t - t.min()) / 2)
    kw = dict(n_queues=4, block_h=2, step_h=0.5)
    assert_same(loads, None, **kw)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_days=st.integers(1, 4), n_queues=st.integers(1, 8))
def test_compiled_queue_rule_equals_numpy_rule(seed, n_days, n_queues):
    """The compiled per-area-day rule (numpy's summation order included) gives the
    queues of :func:`queues_off_per_block` for day lengths of 1 to 24 blocks."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 25, n_days)
    demand = rng.random(lengths.sum()) * 10.0 ** rng.integers(-3, 5, lengths.sum())
    demand[rng.random(demand.size) < 0.1] = 0.0
    deficit = demand * rng.random(demand.size)
    bounds = np.append(0, np.cumsum(lengths))
    k = np.zeros(demand.size, dtype=np.int64)
    _queues_off_days(deficit, demand, bounds, n_queues, k)
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        np.testing.assert_array_equal(k[s:e], queues_off_per_block(deficit[s:e], demand[s:e],
                                                                   n_queues))


@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 23, 24, 100, 128])
def test_numpy_sum_order(n):
    x = np.random.default_rng(n).random(n) * 10.0 ** (np.arange(n) % 7 - 3)
    assert _numpy_sum(x) == np.sum(x)
