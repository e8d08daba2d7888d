"""Every study runs the pipeline's one chain and reads the metrics' one row builder.

Spies wrap :func:`gridmodel.pipeline.run_chain` and
:func:`gridmodel.metrics.row.outcome_row` where each study looks them up, then run
``gridmodel run``, the outage snapshot, an ensemble, a plan and a ranking on short
horizons; each must call both, and nothing else may run the grid timeline or the heat
chain on its own (the timeline and heat steps are only entered from ``run_chain``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
STUDIES = ["gridmodel.studies.scenario", "gridmodel.studies.snapshot",
           "gridmodel.studies.ensemble", "gridmodel.studies.planning.evaluate",
           "gridmodel.studies.planning.criticality", "gridmodel.report.summary"]


@pytest.fixture
def spies(monkeypatch):
    from gridmodel import pipeline
    from gridmodel.metrics import row
    from gridmodel.outage import timeline

    calls = {"chain": 0, "row": 0, "timeline_outside_chain": 0, "heat_outside_chain": 0}
    real_chain, real_row = pipeline.run_chain, row.outcome_row
    real_tl, real_heat = timeline.simulate_outages, pipeline.heat_chain
    inside = {"depth": 0}

    def chain(*a, **kw):
        calls["chain"] += 1
        inside["depth"] += 1
        try:
            return real_chain(*a, **kw)
        finally:
            inside["depth"] -= 1

    def outcome(*a, **kw):
        calls["row"] += 1
        return real_row(*a, **kw)

    def tl(*a, **kw):
        calls["timeline_outside_chain"] += inside["depth"] == 0
        return real_tl(*a, **kw)

    def heat(*a, **kw):
        calls["heat_outside_chain"] += inside["depth"] == 0
        return real_heat(*a, **kw)

    # every module that bound one of these names at import time gets the spy too
    import importlib
    import sys

    for name in STUDIES:
        importlib.import_module(name)
    swaps = {id(real_chain): chain, id(real_row): outcome, id(real_tl): tl,
             id(real_heat): heat}
    for mod_name, mod in list(sys.modules.items()):
        if not mod_name.startswith("gridmodel") or mod is None:
            continue
        for attr, value in list(vars(mod).items()):
            if id(value) in swaps:
                monkeypatch.setattr(mod, attr, swaps[id(value)])
    return calls


def _assert_one_chain(calls):
    assert calls["chain"] >= 1, calls
    assert calls["row"] >= 1, calls
    assert calls["timeline_outside_chain"] == 0, calls
    assert calls["heat_outside_chain"] == 0, calls


def test_run_goes_through_the_one_chain(spies):
    from gridmodel.studies.scenario import load_scenario, run

    sc = load_scenario(EX / "kyiv_2026_02_03.toml").model_copy(update={"horizon_h": 12})
    run(sc, progress=False)
    _assert_one_chain(spies)


def test_outage_snapshot_goes_through_the_one_chain(spies):
    from gridmodel.studies.snapshot import run_outage

    res = run_outage(EX / "strikes" / "kyivska_750.csv", status_date="2026-01-15",
                     engine="fast")
    assert res["metrics"]["mw_shed_peak"] == pytest.approx(
        float(res["result"].loads["shed_mw"].sum()))
    assert spies["chain"] == 1
    assert spies["row"] == 1


def test_ensemble_goes_through_the_one_chain(spies, tmp_path):
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.studies import ensemble

    pat = load_pattern(EX / "patterns" / "substation_first.toml")
    pat.run["horizon_h"] = 24
    ensemble._CTX.clear()
    res = ensemble.run(pat, 2, seed=1, workers=1, progress=False)
    assert (res.frame["status"] == "ok").all(), res.frame["error"].tolist()
    assert spies["chain"] == 2
    _assert_one_chain(spies)


def test_plan_goes_through_the_one_chain(spies):
    from gridmodel.studies.planning.evaluate import ScenarioRunner, sample_nights
    from gridmodel.studies.planning.interventions import build_variant
    from gridmodel.studies.scenario import load_scenario

    runner = ScenarioRunner(load_scenario(EX / "planning" / "kyiv_winter_base.toml"),
                            horizon_h=12)
    night = sample_nights(runner.strikes, 1, seed=0, net=runner.net)[0]
    runner(build_variant(runner.net, runner.layer), night)
    _assert_one_chain(spies)


def test_rank_goes_through_the_one_chain(spies):
    from gridmodel.studies.planning.criticality import rank_assets
    from gridmodel.studies.scenario import load_scenario

    sc = load_scenario(EX / "kyiv_2026_02_03.toml").model_copy(update={"horizon_h": 12})
    rank_assets(sc, k=1, pool=1, exact_pool=1, candidates=["pump:chp-5-holosiivskyi"])
    _assert_one_chain(spies)


def test_timeline_cache_keys_on_every_option(tiny_folder):
    """A context's timeline cache (plans) returns a stored timeline only for the same net,
    strikes, seed, engine and AC option (an AC override once got the DC timeline back)."""
    from gridmodel.pipeline import build_context, grid_step
    from gridmodel.studies.scenario import load_scenario

    ctx = build_context(load_scenario(tiny_folder / "scenario.toml"), horizon_h=4)
    ctx.timelines = {}
    dc = grid_step(ctx, None, 0, engine="pandapower", ac=False)
    ac = grid_step(ctx, None, 0, engine="pandapower", ac=True)
    assert ac is not dc
    assert grid_step(ctx, None, 0, engine="pandapower", ac=False) is dc
    assert grid_step(ctx, None, 1, engine="pandapower", ac=False) is not dc


def test_explanation_gives_a_building_blackout_drain_the_building_own_freeze_time(tiny_folder):
    """A drain caused by a building's own blackout is explained with the building's own
    pipe-freeze time, not the network's bridging time (they differ by hours)."""
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from gridmodel.heat.availability import bridging_kwargs
    from gridmodel.heat.draining import bridging_time_h, building_pipe_kwargs
    from gridmodel.heat.layer import load_layer
    from gridmodel.report.summary import _drain_lines

    layer = load_layer(tiny_folder / "heat")
    index = pd.date_range("2026-01-10", periods=3, freq="h", tz="UTC")
    ctx = SimpleNamespace(layer=layer, index=index, temp=pd.Series(-15.0, index=index))
    groups = pd.DataFrame({"zone_id": ["z1", "z2"], "buildings": [2, 3],
                           "source_id": layer.sources["source_id"].iloc[:1].tolist() * 2,
                           "tau_h": [70.0, 70.0]})
    trig = np.zeros((3, 2), dtype=bool)
    trig[1, :] = True
    cause = np.zeros((3, 2), dtype=np.int8)
    cause[1] = [1, 3]
    lines = _drain_lines(ctx, SimpleNamespace(groups=groups, drain_trigger=trig,
                                              drain_cause=cause))
    kw = bridging_kwargs(layer)
    indoor = float(layer.param("comfort", "initial_indoor_c"))
    own = float(bridging_time_h(-15.0, **building_pipe_kwargs(kw, 70.0, indoor)))
    net = float(bridging_time_h(-15.0, **kw))
    assert abs(own - net) > 1.0
    assert any(f"own pipe-freeze time {own:.1f} h" in ln for ln in lines), lines
    assert any(f"bridging time {net:.1f} h" in ln for ln in lines), lines


@pytest.mark.parametrize("line_limits", [True, False])
def test_grid_step_passes_the_run_s_line_limits_to_the_timeline(line_limits, monkeypatch):
    """``[grid] line_limits`` of a run reaches the engine of its grid timeline."""
    from types import SimpleNamespace

    from gridmodel import pipeline
    from gridmodel.config import GridConfig
    from gridmodel.outage import timeline

    seen = {}
    monkeypatch.setattr(timeline, "simulate_outages",
                        lambda *a, **kw: seen.update(kw["engine_kwargs"]))
    cfg = SimpleNamespace(start="2026-02-03T00:00+02:00", horizon_h=4,
                          grid=GridConfig(line_limits=line_limits))
    ctx = SimpleNamespace(config=cfg, timelines=None, compiled=None, net=None, index=None,
                          weather=None)
    pipeline.grid_step(ctx, None, 0)
    assert seen == {"line_limits": line_limits}
