"""The timeline's arrays (``TimelineResult.steps``, ``BlackoutSchedule.queue_power``) give
what its tables give, exactly.

On the fast engine's array path the load, island, oblast and class tables of a timeline
are built only when read; the rolling blackouts, the heat layer's power inputs and the
metrics read the arrays instead. Every answer must equal, bit for bit, the one computed
from the tables (those tables themselves equal the per-run reference path:
``tests/test_timeline_fast_equal.py``).
"""

from __future__ import annotations

import copy
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tiny_networks import alias_net

from gridmodel.heat import grid as hgrid
from gridmodel.metrics import energy_not_served_mwh, load_shed_mw
from gridmodel.metrics.row import _grid_values
from gridmodel.outage.blackouts import rolling_blackouts, supply_areas
from gridmodel.outage.steps import PER_RUN_COLUMNS, StepArrays
from gridmodel.outage.timeline import TIMELINE_TABLES, simulate_outages

ROOT = Path(__file__).resolve().parents[1]
BLACKOUT_FRAMES = ("schedule", "blocks", "areas", "oblast_hourly", "daily", "oblast_daily")


def _tables_only(tl):
    """A copy of ``tl`` with its tables built and no arrays (what consumers read then)."""
    out = copy.copy(tl)  # __getstate__ builds every table
    out.steps = None
    if tl.blackouts is not None:
        out.blackouts = copy.copy(tl.blackouts)
        out.blackouts.queue_power = out.blackouts.oblast_off = None
    return out


def _assert_same_answers(tl, registry, index, nodes, plant_bus, areas, tz, population=None):
    assert isinstance(tl.steps, StepArrays)
    ref = _tables_only(tl)
    got_b = rolling_blackouts(tl.steps, areas, timezone=tz)
    want_b = rolling_blackouts(ref.loads, areas, timezone=tz)
    for name in BLACKOUT_FRAMES:
        pd.testing.assert_frame_equal(getattr(got_b, name), getattr(want_b, name),
                                      check_exact=True, obj=name)
    node_queues = [(n, q) for n in nodes for q in (0, 2, 5, 7)]  # 7: no such queue
    node_queues += [(nodes[0], 3.0), (nodes[0], 0)]  # a float queue, a repeated pair
    with warnings.catch_warnings():  # pandas' general path (float queue, repeated pair)
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        want_power = hgrid.building_power(want_b.schedule, registry, index, node_queues)
    pd.testing.assert_frame_equal(
        hgrid.building_power(got_b.queue_power, registry, index, node_queues), want_power,
        check_exact=True)
    pd.testing.assert_frame_equal(hgrid.node_power(tl.steps, registry, index, nodes),
                                  hgrid.node_power(ref.loads, registry, index, nodes),
                                  check_exact=True)
    pd.testing.assert_frame_equal(hgrid.island_energised(tl.steps, plant_bus, index),
                                  hgrid.island_energised(ref.islands, plant_bus, index),
                                  check_exact=True)
    pd.testing.assert_series_equal(load_shed_mw(tl.steps), load_shed_mw(ref.loads),
                                   check_exact=True)
    assert energy_not_served_mwh(tl.steps, 0.5) == energy_not_served_mwh(ref.loads, 0.5)
    ids = tl.steps.model.load_id
    for at in (tl.steps.times[len(tl.steps.times) // 2],
               pd.Timestamp("1999-01-01", tz="UTC")):
        got, want = _grid_values(tl, population, at, ids[::3]), _grid_values(ref, population,
                                                                              at, ids[::3])
        np.testing.assert_equal(got, want)  # exact; NaN equals NaN
    assert tl.blackouts.oblast_off is not None
    assert ref.blackouts.oblast_off is None
    if population is not None:
        assert np.isfinite(_grid_values(tl, population, None, None)[
            "people_without_power_peak"])
    for c in PER_RUN_COLUMNS:
        np.testing.assert_array_equal(tl.steps.per_step(c).reshape(-1),
                                      ref.loads[c].to_numpy())


@pytest.fixture(scope="module")
def kyiv_ctx():
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.studies.ensemble import pattern_context

    patterns = sorted((ROOT / "examples" / "patterns").glob("*.toml"))
    return pattern_context(load_pattern(patterns[0]).run), patterns


@pytest.mark.slow
def test_arrays_answer_as_the_tables_on_ukraine(kyiv_ctx):
    from gridmodel.pipeline import grid_step
    from gridmodel.strikes import load_strikes
    from gridmodel.strikes.patterns import load_pattern, sample_night

    ctx, patterns = kyiv_ctx
    nights = [sample_night(load_pattern(p), ctx.net, np.random.default_rng(40 + i))
              for i, p in enumerate(patterns)]
    nights.append(load_strikes(ROOT / "examples" / "strikes" / "kyiv_2026_02_03.csv",
                               ctx.net, only={"reliability": "A"}))
    nights.append(None)
    areas = ctx.compiled.extra.get("supply_areas")
    if areas is None:
        areas = supply_areas(ctx.net)
    tz = areas.attrs.get("timezone")
    nodes = sorted(set(ctx.layer.buildings["grid_node"]))
    plant_bus = hgrid.plant_buses(ctx.net, ["plant:kyiv-chp-5", "plant:kyiv-chp-6",
                                            *ctx.net.registry["asset_id"][:3]])
    plant_bus["plant:not-a-bus"] = "bus:not-in-the-network"
    for seed, night in enumerate(nights):
        tl = grid_step(ctx, night, seed)
        _assert_same_answers(tl, ctx.net.registry, ctx.index, nodes, plant_bus, areas, tz,
                             ctx.population)


def test_arrays_answer_as_the_tables_on_a_tiny_network():
    from gridmodel.strikes import resolve_strikes, strikes_from_records

    net = alias_net()
    strikes = resolve_strikes(net, strikes_from_records([
        {"target": "plant:alpha-npp", "time": "2026-02-03T02:20+02:00", "effect": "disabled",
         "repair_h": 5},
        {"target": "sub:bravo", "time": "2026-02-03T03:00+02:00", "effect": "destroyed",
         "repair_h": 4},
        {"target": "sub:charlie", "time": "2026-02-03T05:00+02:00", "effect": "damaged",
         "fraction_lost": 0.5, "repair_h": 3}]))
    res = simulate_outages(net, strikes, start="2026-02-03T00:00+02:00", horizon_h=12,
                           engine="fast", ac=False, seed=1)
    assert res.steps.runs.n_islands.max() > 1 or (~res.steps.per_run("energised")).any()
    index = pd.date_range("2026-02-02T22:00Z", periods=16, freq="h")  # wider than the run
    buses = net.registry.loc[net.registry["kind"] == "bus", "asset_id"].tolist()
    nodes = [*buses, "bus:nowhere"]
    plant_bus = {f"p{k}": b for k, b in enumerate([*buses, "bus:nowhere"])}
    areas = supply_areas(net)
    _assert_same_answers(res, net.registry, index, nodes, plant_bus, areas,
                         "Europe/Kyiv")


def test_tables_are_built_on_first_read_and_kept():
    res = simulate_outages(alias_net(), None, start="2026-02-03T00:00+02:00", horizon_h=6,
                           engine="fast", ac=False)
    assert all(callable(res._tables[name]) for name in TIMELINE_TABLES)
    loads = res.loads
    assert res.loads is loads
    assert not callable(res._tables["loads"])
    assert callable(res._tables["islands"])  # the others still unbuilt
    back = pickle.loads(pickle.dumps(res))
    for name in TIMELINE_TABLES:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(res, name),
                                      check_exact=True)
    edited = res.loads.copy()
    res.loads = edited
    assert res.loads is edited


def test_reference_path_has_no_arrays():
    res = simulate_outages(alias_net(), None, start="2026-02-03T00:00+02:00", horizon_h=3,
                           engine="fast", ac=False, _lean=False)
    assert res.steps is None
    assert len(res.loads) == 3 * len(alias_net().load)


def test_unknown_per_run_column_is_named():
    res = simulate_outages(alias_net(), None, start="2026-02-03T00:00+02:00", horizon_h=2,
                           engine="fast", ac=False)
    with pytest.raises(KeyError, match="'served'.*one of"):
        res.steps.per_run("served")


def test_schedule_tables_are_built_on_first_read():
    from gridmodel.outage.blackouts import SCHEDULE_TABLES

    res = simulate_outages(alias_net(), None, start="2026-02-03T00:00+02:00", horizon_h=8,
                           engine="fast", ac=False)
    bo = res.blackouts
    assert all(callable(bo._tables[name]) for name in SCHEDULE_TABLES)
    daily = bo.daily
    assert bo.daily is daily
    assert callable(bo._tables["oblast_daily"])
    back = pickle.loads(pickle.dumps(bo))
    for name in SCHEDULE_TABLES:
        pd.testing.assert_frame_equal(getattr(back, name), getattr(bo, name),
                                      check_exact=True)
    assert back.queue_power.on.shape == (len(bo.areas), bo.n_queues)
