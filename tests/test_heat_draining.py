"""Bridging time and draining rules on hand-made timelines (values worked out on paper)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.heat import draining


def test_bridging_time_reference_values():
    # FIELD_NOTES 4: 6-8 h to 0 C in basement piping at -20 C.
    assert 6.0 <= draining.bridging_time_h(-20.0) <= 8.0
    # tau * ln((40 + 10) / 10) = 6.4 * ln 5
    assert draining.bridging_time_h(-10.0) == pytest.approx(6.4 * math.log(5.0), rel=1e-12)
    # Kyiv drains only at -3 C or colder (FIELD_NOTES 3): no draining above.
    assert np.isinf(draining.bridging_time_h(-2.0))
    assert np.isfinite(draining.bridging_time_h(-3.0))
    # physical freezing time still finite below 0 C when the threshold is ignored
    assert np.isfinite(draining.bridging_time_h(-2.0, apply_drain_threshold=False))
    # colder -> shorter
    t = draining.bridging_time_h(np.array([-25.0, -15.0, -5.0]))
    assert np.all(np.diff(t) > 0)


def test_run_lengths_and_censoring():
    stopped = np.array([0, 1, 1, 1, 0, 1, 1], dtype=bool)[:, None]
    elapsed, total = draining.run_lengths(stopped)
    assert elapsed[:, 0].tolist() == [0, 1, 2, 3, 0, 1, 2]
    assert total[:, 0].tolist() == [0, 3, 3, 3, 0, 2, 2]
    _, total_c = draining.run_lengths(stopped, censored_long=np.array([True]), censored_h=1e9)
    assert total_c[:, 0].tolist() == [0, 3, 3, 3, 0, 1e9, 1e9]


def _temp(n, value):
    return np.full(n, value, dtype=float)


def test_zone_drained_when_pumping_stop_outlasts_bridging_time():
    # pumps stop at hour 2 for 10 h at -20 C (bridging 7.0 h): drained at hour 2
    stopped = np.zeros((24, 1), dtype=bool)
    stopped[2:12] = True
    _, total = draining.run_lengths(stopped)
    trig = draining.drain_triggers(stopped, total, _temp(24, -20.0))
    assert np.flatnonzero(trig[:, 0]).tolist() == [2]


def test_zone_not_drained_when_power_is_back_in_time():
    # 5 h stop at -20 C (< 7.0 h): not drained; counts only as interruption
    stopped = np.zeros((24, 1), dtype=bool)
    stopped[2:7] = True
    _, total = draining.run_lengths(stopped)
    trig = draining.drain_triggers(stopped, total, _temp(24, -20.0))
    assert not trig.any()


def test_no_draining_above_minus_three():
    stopped = np.zeros((48, 1), dtype=bool)
    stopped[2:40] = True
    elapsed, total = draining.run_lengths(stopped)
    trig = draining.drain_triggers(stopped, total, _temp(48, -1.0))
    assert not trig.any()
    # ... but a long undrained stop below 0 C is recorded as freeze risk
    risk = draining.freeze_risk(stopped, np.zeros_like(stopped), _temp(48, -1.0), elapsed)
    assert risk.any()
    assert not risk[:20].any()


def test_one_trigger_per_run_and_cold_snap_inside_run():
    # mild at first, then cold: drained at the first hour the rule holds, once
    temp = np.r_[_temp(5, 0.0), _temp(19, -15.0)]
    stopped = np.zeros((24, 1), dtype=bool)
    stopped[1:20] = True
    _, total = draining.run_lengths(stopped)
    trig = draining.drain_triggers(stopped, total, temp)
    assert np.flatnonzero(trig[:, 0]).tolist() == [5]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=60),
       st.floats(min_value=-30.0, max_value=5.0))
def test_runs_and_triggers_properties(stops, temp):
    stopped = np.array(stops, dtype=bool)[:, None]
    elapsed, total = draining.run_lengths(stopped)
    assert (elapsed <= total).all()
    assert ((elapsed > 0) == stopped).all()
    assert total[stopped].min(initial=np.inf) >= 1
    trig = draining.drain_triggers(stopped, total, np.full(len(stops), temp))
    assert not (trig & ~stopped).any()
    # at most one trigger per run, and only when the run outlasts the bridging time
    starts = stopped[:, 0] & np.r_[True, ~stopped[:-1, 0]]
    assert trig.sum() <= starts.sum()
    bridge = draining.bridging_time_h(temp)
    assert (total[trig] > bridge).all()
    if temp > -3.0:
        assert not trig.any()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_t=st.integers(1, 40), n_g=st.integers(1, 6),
       censored_h=st.sampled_from([1e9, 30.0, 3.0]))
def test_drain_states_equals_the_step_by_step_rules(seed, n_t, n_g, censored_h):
    # one pass of drain_states = run_lengths -> drain_triggers -> freeze_risk, with hours
    # of a run from its trigger on taken as drained (as group_availability did before)
    rng = np.random.default_rng(seed)
    stopped = rng.random((n_t, n_g)) < rng.choice([0.3, 0.7, 0.95])
    cl = rng.random(n_g) < 0.5
    temp = rng.uniform(-25.0, 3.0, n_t)
    trig, frz = draining.drain_states(stopped, cl, temp, censored_h=censored_h)
    elapsed, total = draining.run_lengths(stopped, censored_long=cl, censored_h=censored_h)
    want_trig = draining.drain_triggers(stopped, total, temp)
    idx = np.arange(n_t)[:, None]
    last_free = np.maximum.accumulate(np.where(~stopped, idx, -1), axis=0)
    last_trig = np.maximum.accumulate(np.where(want_trig, idx, -1), axis=0)
    drained_run = stopped & (last_trig > last_free)
    assert np.array_equal(trig, want_trig)
    assert np.array_equal(frz, draining.freeze_risk(stopped, drained_run, temp, elapsed))
