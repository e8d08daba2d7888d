"""Pieces of the timeline's array path against their plain references.

- :func:`gridmodel.outage.timeline._distinct_states` against :func:`state_timeline`
  (overlapping periods, re-strikes, periods outside the horizon);
- the compensated group sum of the kernel against ``pandas.DataFrame.groupby().sum()``
  (the per-oblast and per-class tables must equal a ``groupby`` bit for bit);
- demand checks of the array path name the load.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_networks import alias_net

from gridmodel.errors import InputError
from gridmodel.outage._kernel import group_sums_nb
from gridmodel.outage._model import check_demand_mw
from gridmodel.outage.timeline import _distinct_states, simulate_outages, state_timeline

T0 = pd.Timestamp("2026-02-03T00:00Z")
ASSETS = ["a", "b", "c"]

period = st.tuples(st.sampled_from(ASSETS), st.integers(-5, 30), st.integers(1, 40),
                   st.sampled_from([0.0, 0.25, 0.5, 0.999999999, 1.0]))


@settings(max_examples=150, deadline=None)
@given(st.lists(period, max_size=8), st.sampled_from([0.5, 1.0, 3.0]))
def test_distinct_states_equal_state_timeline(rows, step_h):
    periods = pd.DataFrame(
        [{"asset_id": a, "start": T0 + pd.Timedelta(minutes=20 * s),
          "end": T0 + pd.Timedelta(minutes=20 * s + 30 * d), "remaining_fraction": f}
         for a, s, d, f in rows],
        columns=["asset_id", "start", "end", "remaining_fraction"])
    times = pd.date_range(T0, periods=12, freq=pd.Timedelta(hours=step_h))
    want = state_timeline(periods, times, step_h)
    step_state, states, keys = _distinct_states(periods, times, step_h)
    assert [states[s] for s in step_state] == want
    assert len(states) == len({tuple(sorted(d.items())) for d in want}) == len(set(keys))
    for s, state in enumerate(states):
        assert keys[s] == tuple(sorted((a, round(v, 9)) for a, v in state.items()))


finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 40), st.integers(1, 5), st.data())
def test_group_sums_equal_pandas_groupby(n_runs, n_rows, n_groups, data):
    codes = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=n_rows,
                                        max_size=n_rows)), dtype=np.int64)
    values = np.array(data.draw(st.lists(finite, min_size=n_runs * n_rows * 2,
                                         max_size=n_runs * n_rows * 2))).reshape(
        n_runs, n_rows, 2)
    got = group_sums_nb(values, codes, n_groups)
    for r in range(n_runs):
        df = pd.DataFrame({"g": codes, "x": values[r, :, 0], "y": values[r, :, 1]})
        want = df.groupby("g", sort=True)[["x", "y"]].sum()
        present = want.index.to_numpy()
        np.testing.assert_array_equal(got[r, present], want.to_numpy())
        absent = np.setdiff1d(np.arange(n_groups), present)
        assert (got[r, absent] == 0.0).all()


def test_group_sums_cancellation_like_pandas():
    # naive summation gives 0 here; compensated summation (pandas) keeps the 1.0
    values = np.array([1e16, 1.0, -1e16, 1.0, 1.0])[None, :, None]
    codes = np.zeros(5, dtype=np.int64)
    want = pd.Series(values[0, :, 0]).groupby(codes).sum().iloc[0]
    assert group_sums_nb(values, codes, 1)[0, 0, 0] == want


def test_check_demand_mw_names_the_load():
    check_demand_mw(np.array([[1.0, 0.0], [2.0, 3.0]]), ["l1", "l2"])
    with pytest.raises(InputError, match=r"'l2', -1\.0"):
        check_demand_mw(np.array([[1.0, 0.0], [2.0, -1.0]]), ["l1", "l2"])
    with pytest.raises(InputError, match="'l1', nan"):
        check_demand_mw(np.array([np.nan, 1.0]), ["l1", "l2"])


def test_lean_path_tables_on_a_tiny_network():
    """The array path's per-oblast table is the groupby of its own load table."""
    net = alias_net()
    res = simulate_outages(net, None, start="2026-02-03T00:00+02:00", horizon_h=6,
                           engine="fast", ac=False, blackouts=False)
    num = ["demand_mw", "served_mw", "shed_mw"]
    for name, key in (("oblasts", "oblast"), ("classes", "priority_class")):
        want = res.loads.groupby(["time", key], sort=True)[num].sum().reset_index()
        pd.testing.assert_frame_equal(getattr(res, name), want, check_exact=True)


def _batch_takes_no_row(*args):
    """Stand-in for ``run_demands_nb`` that leaves every row to the per-row path."""
    args[-1][:] = -1  # status per row: -1 = not done by the batch (as it starts)


@pytest.mark.parametrize("outages", [{}, {"plant:alpha-npp": 0.5},
                                     {"trafo:alpha-750-330": 0.3},
                                     {"line:bravo-charlie": 0.0}])
def test_evaluate_demands_rows_equal_evaluate_state(outages, monkeypatch):
    """The batched kernel, its per-row fallback and one evaluate_state per row agree."""
    from gridmodel.outage import fast
    from gridmodel.outage._model import _base_arrays, apply_outages, state_with_demand
    from gridmodel.outage.balance import allocate_import_cap

    net = alias_net()
    rng = np.random.default_rng(3)
    for compiled in (fast.compile_network(net), fast.compile_network(net, lowrank=False)):
        model = compiled.model
        state = apply_outages(model, outages)
        cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
        # from light load to far above generation and the branch ratings (cascades)
        scale = rng.uniform(0.1, 4.0, (6, model.load_demand_mw.size))
        demand = model.load_demand_mw[None, :] * scale
        demand = np.where(_base_arrays(model)["load_counts"], demand, 0.0)
        got = fast.evaluate_demands(compiled, state, cap, demand, 20, 1.2)
        with monkeypatch.context() as m:  # the batch takes no row: all go row by row
            m.setattr(fast, "run_demands_nb", _batch_takes_no_row)
            slow = fast.evaluate_demands(compiled, state, cap, demand, 20, 1.2)
        assert got.cascade_rounds.max() > 0 or outages  # some rows do cascade
        for r in range(len(demand)):
            ev = fast.evaluate_state(compiled, state_with_demand(model, state, demand[r]),
                                     cap, 20, 1.2)
            k = ev.n_islands
            for res in (got, slow):
                assert res.n_islands[r] == k
                assert res.cascade_rounds[r] == ev.cascade_rounds
                np.testing.assert_array_equal(res.bus_island[r], ev.bus_island)
                np.testing.assert_array_equal(res.served_mw[r], ev.balance.served_mw)
                np.testing.assert_array_equal(res.shed_mw[r], ev.balance.shed_mw)
                np.testing.assert_array_equal(res.dispatch_mw[r], ev.balance.dispatch_mw)
                np.testing.assert_array_equal(res.island_served_mw[r, :k],
                                              ev.balance.island_served_mw)
                np.testing.assert_array_equal(res.island_demand_mw[r, :k],
                                              ev.balance.island_demand_mw)
                np.testing.assert_array_equal(res.energised[r, :k], ev.balance.energised)


def test_step_factors_are_kept_by_content_and_handed_out_as_copies():
    from gridmodel.outage.demand import demand_factors, load_demand_profile
    from gridmodel.outage.timeline import _step_factors

    times = pd.date_range("2026-02-02T22:00Z", periods=30, freq="h")
    temps = pd.Series(np.linspace(-20, 0, 40), index=pd.date_range(
        "2026-02-02T20:00Z", periods=40, freq="h"))
    profile = load_demand_profile()
    want = (demand_factors(times, temps, profile) / 0.01).round() * 0.01
    first = _step_factors(times, temps, profile, 0.01)
    pd.testing.assert_frame_equal(first, want, check_exact=True)
    first.iloc[0, 0] = -1.0  # the caller's copy
    pd.testing.assert_frame_equal(_step_factors(times, temps, profile, 0.01), want,
                                  check_exact=True)
    temps.iloc[5] = 3.0  # edited in place: new content, new answer
    pd.testing.assert_frame_equal(
        _step_factors(times, temps, profile, 0.01),
        (demand_factors(times, temps, profile) / 0.01).round() * 0.01, check_exact=True)
    exact = _step_factors(times, temps, profile, 0.0)
    pd.testing.assert_frame_equal(exact, demand_factors(times, temps, profile),
                                  check_exact=True)
    us = pd.Series(temps.to_numpy(), index=temps.index.as_unit("us"))
    pd.testing.assert_frame_equal(_step_factors(times, us, profile, 0.0), exact,
                                  check_exact=True)
