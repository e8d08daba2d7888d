"""Evaluation of interventions: common random numbers, paired differences, ranking and
cost sensitivity (cheap runners worked out by hand), and one short run of the full model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gridmodel
from gridmodel.errors import InputError
from gridmodel.strikes import load_strikes
from gridmodel.studies.planning import Intervention, build_variant, load_plan
from gridmodel.studies.planning.evaluate import (
    METRICS,
    Night,
    ScenarioRunner,
    evaluate,
    realise,
    run_plan,
    sample_nights,
)
from gridmodel.studies.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples" / "planning"


def iv(id_, kind="restart_crews", cost=1e6, tag="C", **params):
    params = params or {"crews": 1}
    return Intervention(id=id_, kind=kind, label=id_, params=params, units=1.0, unit="u",
                        capital_cost=cost, currency="USD", price_year=2026,
                        lifetime_years=10.0, source="test", tag=tag)


# effect of each intervention on every metric (avoided per night = effect x night weight)
EFFECT = {"a": 100.0, "b": 300.0, "c": 50.0}


def cheap_runner(variant, night):
    """Baseline 1000 x w(night); each intervention removes EFFECT x w(night)."""
    w = 1.0 + night.replicate  # nights 1, 2, 3, ...
    saved = sum(EFFECT[i.id] for i in variant.interventions)
    return {m: 1000.0 * w - saved * w for m in METRICS}


def nights(n):
    return [Night(replicate=r, strikes=None, u_intercept=np.zeros(0), u_damage=np.zeros(0))
            for r in range(n)]


def test_paired_differences_ranking_and_ranges():
    ivs = [iv("a", cost=1e6), iv("b", cost=6e6), iv("c", cost=0.25e6)]
    res = evaluate({"net": None, "layer": None}, ivs, nights(3), cheap_runner,
                   combinations=[("a", "c")])
    r = res.ranking().set_index("variant")
    # avoided = EFFECT x w over w = 1, 2, 3: mean 2 x EFFECT
    assert r.loc["a", "avoided_building_hours_below_12c"] == pytest.approx(200.0)
    assert r.loc["b", "avoided_building_hours_below_12c"] == pytest.approx(600.0)
    assert r.loc["a+c", "avoided_building_hours_below_12c"] == pytest.approx(300.0)
    # 5-95 % of the paired differences (100, 200, 300) for a: numpy linear percentiles
    assert r.loc["a", "avoided_building_hours_below_12c_p05"] == pytest.approx(110.0)
    assert r.loc["a", "avoided_building_hours_below_12c_p95"] == pytest.approx(290.0)
    # per M USD: a 200, b 100, c 400, a+c 240 -> ranks c, a+c, a, b
    assert r.loc["c", "avoided_building_hours_below_12c_per_musd"] == pytest.approx(400.0)
    assert list(res.ranking()["variant"]) == ["c", "a+c", "a", "b"]
    assert r.loc["a+c", "capital_cost"] == pytest.approx(1.25e6)


def test_cost_sensitivity_and_monte_carlo():
    ivs = [iv("a", cost=1e6), iv("b", cost=6e6), iv("c", cost=0.25e6)]
    res = evaluate({"net": None, "layer": None}, ivs, nights(2), cheap_runner)
    s = res.cost_sensitivity().set_index("variant")
    # mean avoided over w = 1, 2 (mean 1.5): a 150, b 450, c 75 -> per M USD a 150,
    # b 75, c 300
    assert s.loc["c", "rank_cost_x1"] == 1
    assert s.loc["a", "rank_cost_x0.5"] == 2  # 300 per M ties c; ties keep the order
    assert s.loc["a", "rank_cost_x1.5"] == 2  # 100 per M, still above b
    assert s.loc["b", "rank_cost_x0.5"] == 3  # 150 per M ties a, which ranks first
    assert s.loc["c", "rank_cost_x1.5"] == 1  # 200 per M
    mc = res.cost_monte_carlo(n=4000, seed=1).set_index("variant")
    assert mc["p_top1"].sum() == pytest.approx(1.0)
    assert (mc["p_top3"] == 1.0).all()  # only three variants
    assert mc.loc["b", "p_top1"] == 0.0  # b cannot win within +-50 %
    # a beats c iff 150/fa > 300/fc, i.e. fc > 2 fa: P = 1/16 for U(0.5, 1.5)
    assert mc.loc["a", "p_top1"] == pytest.approx(1 / 16, abs=0.015)
    # same seed, same answer
    assert mc.equals(res.cost_monte_carlo(n=4000, seed=1).set_index("variant"))


def test_evaluate_errors():
    with pytest.raises(InputError, match="at least one night"):
        evaluate({}, [iv("a")], [], cheap_runner)
    with pytest.raises(InputError, match="unknown metric"):
        evaluate({}, [iv("a")], nights(1), cheap_runner, metric="joy")
    with pytest.raises(InputError, match="unknown intervention ids"):
        evaluate({"net": None, "layer": None}, [iv("a")], nights(1), cheap_runner,
                 combinations=[("a", "x")])

    def bad(variant, night):
        return {"building_hours_below_12c": 1.0}

    with pytest.raises(InputError, match="runner returned no value"):
        evaluate({"net": None, "layer": None}, [iv("a")], nights(1), bad)


@pytest.fixture(scope="module")
def net():
    return gridmodel.load_network("ukraine", status_date="2026-02-02")


@pytest.fixture(scope="module")
def targets(net):
    return load_strikes(EX / "kyiv_winter_targets.toml", net)


def test_nights_are_reproducible_and_coupled(net, targets):
    a = sample_nights(targets, 4, seed=7, net=net)
    b = sample_nights(targets, 4, seed=7, net=net)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.u_intercept, y.u_intercept)
        np.testing.assert_array_equal(x.strikes["repair_h"], y.strikes["repair_h"])
    # the first nights do not depend on how many are drawn
    c = sample_nights(targets, 2, seed=7, net=net)
    np.testing.assert_array_equal(c[1].u_damage, a[1].u_damage)
    layer = None
    base = build_variant(net, layer, (), interception_prob=0.3)
    more = build_variant(net, layer, (iv("i", kind="interceptors",
                                         interception_prob=0.7),), interception_prob=0.3)
    prot = build_variant(net, layer, (iv("p", kind="protection", assets=["sub:pivnichna"],
                                         damage_prob_factor=0.0),), interception_prob=0.3)
    spare = build_variant(net, layer, (iv("s", kind="spare_transformers",
                                          assets=["sub:novokyivska"], repair_h_max=10.0),),
                          interception_prob=0.3)
    for night in a:
        s0 = realise(night, base)
        s1 = realise(night, more)
        k0 = set() if s0 is None else set(s0["asset_id"])
        k1 = set() if s1 is None else set(s1["asset_id"])
        assert k1 <= k0  # more interceptors only remove strikes from the same night
        s2 = realise(night, prot)
        assert s2 is None or "sub:pivnichna" not in set(s2["asset_id"])
        s3 = realise(night, spare)
        if s3 is not None and "sub:novokyivska" in set(s3["asset_id"]):
            assert s3.loc[s3["asset_id"] == "sub:novokyivska", "repair_h"].max() <= 10.0
    with pytest.raises(InputError, match="n must be"):
        sample_nights(targets, 0, seed=1)


def test_run_plan_writes_outputs_and_never_overwrites(tmp_path):
    from cheap_plan import CheapPlanRunner as Cheap

    out = tmp_path / "plan"
    res = run_plan(None, EX / "kyiv_winter_plan.toml", 3, out,  # the plan names its base
                   runner=Cheap(), progress=False)
    rk = res.ranking()
    assert len(rk) == 8  # 7 interventions + 1 combination
    for f in ("ranking.csv", "cost_sensitivity.csv", "cost_monte_carlo.csv", "replicates.csv",
              "interventions.csv", "plan.json", "ranking.png", "report.html"):
        assert (out / f).is_file(), f
    summary = json.loads((out / "plan.json").read_text())
    assert summary["nights"] == 3
    html = (out / "report.html").read_text()
    assert "Rank when one intervention" in html
    assert "protect-330" in html
    assert "data:image/png;base64," in html
    with pytest.raises(InputError, match="already exists"):
        run_plan(EX / "kyiv_winter_base.toml", EX / "kyiv_winter_plan.toml", 1, out,
                 runner=Cheap(), progress=False)
    run_plan(EX / "kyiv_winter_base.toml", EX / "kyiv_winter_plan.toml", 1, out,
             runner=Cheap(), progress=False, force=True)
    assert len(pd.read_csv(out / "replicates.csv")) == 9  # 9 variants x 1 night


def test_base_scenario_from_the_plan_file(tmp_path):
    """BASE may be left out when the plan names its scenario; two different ones fail."""
    from gridmodel.studies.planning.evaluate import _base_scenario

    plan = load_plan(EX / "kyiv_winter_plan.toml")
    assert _base_scenario(None, plan) == (EX / "kyiv_winter_base.toml").resolve()
    assert _base_scenario(EX / "kyiv_winter_base.toml", plan) == EX / "kyiv_winter_base.toml"
    other = tmp_path / "other.toml"
    other.write_text((EX / "kyiv_winter_base.toml").read_text(encoding="utf-8"),
                     encoding="utf-8")
    with pytest.raises(InputError, match="differs from the scenario"):
        _base_scenario(other, plan)
    bare = tmp_path / "plan.toml"
    bare.write_text((EX / "kyiv_winter_plan.toml").read_text(encoding="utf-8").replace(
        'scenario = "kyiv_winter_base.toml"\n', ""), encoding="utf-8")
    bare_plan = load_plan(bare)
    assert bare_plan.scenario is None
    with pytest.raises(InputError, match="no base scenario"):
        _base_scenario(None, bare_plan)
    assert _base_scenario(other, bare_plan) == other
    # run_plan refuses the mismatch before it writes anything
    with pytest.raises(InputError, match="differs from the scenario"):
        run_plan(other, EX / "kyiv_winter_plan.toml", 1, tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()


def test_full_model_short_horizon():
    """The real runner on a one-day horizon: crews and protection against the baseline."""
    sc = load_scenario(EX / "kyiv_winter_base.toml")
    runner = ScenarioRunner(sc, horizon_h=36)
    plan = load_plan(EX / "kyiv_winter_plan.toml", net=runner.net, layer=runner.layer)
    by = plan.by_id()
    ns = sample_nights(runner.strikes, 1, seed=3, net=runner.net)
    res = evaluate({"net": runner.net, "layer": runner.layer, "interception_prob": 0.0},
                   [by["protect-330"], by["backup-pumps"]], ns, runner)
    rep = res.replicates.set_index("variant")
    assert rep.loc["baseline", "energy_not_served_mwh"] > 0
    # every strike lands (interception 0); backups never make heat worse
    assert rep.loc["backup-pumps", "building_hours_below_12c"] <= rep.loc[
        "baseline", "building_hours_below_12c"]
    # backup generators do not change the grid: same energy not served
    assert rep.loc["backup-pumps", "energy_not_served_mwh"] == pytest.approx(
        rep.loc["baseline", "energy_not_served_mwh"])


def test_pattern_nights_couple_interception(net):
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.studies.planning.evaluate import sample_pattern_nights

    pat = load_pattern(ROOT / "examples" / "patterns" / "heat_source_first.toml")
    ns = sample_pattern_nights(pat, net, 2, seed=5, p_intercept_applied=0.5)
    again = sample_pattern_nights(pat, net, 2, seed=5, p_intercept_applied=0.5)
    assert ns[0].strikes is not None
    pd.testing.assert_frame_equal(ns[0].strikes, again[0].strikes)
    base = build_variant(net, None, (), interception_prob=0.5)
    assert len(realise(ns[0], base)) == len(ns[0].strikes)  # nothing more intercepted
    more = build_variant(net, None, (iv("i", kind="interceptors", interception_prob=0.75),),
                         interception_prob=0.5)
    s1 = realise(ns[0], more)
    kept = 0 if s1 is None else len(s1)
    # conditional extra interception (0.75 - 0.5) / (1 - 0.5) = 0.5 with the night's uniforms
    assert kept == int((ns[0].u_intercept >= 0.5).sum())


def test_cli_plan_bad_input_is_a_clean_error(tmp_path):
    import click
    from click.testing import CliRunner

    from gridmodel.cli.base import Group
    from gridmodel.cli.plan import plan_command

    @click.group(cls=Group)
    def cli():
        pass

    cli.add_command(plan_command, "plan")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[intervention]]\nid = "x"\nkind = "protection"\nassets = ["sub:nowhere"]\n'
                   "unit_cost = -1\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["plan", str(EX / "kyiv_winter_base.toml"),
                                   "--interventions", str(bad), "-n", "1",
                                   "--out", str(tmp_path / "o"), "--quiet"])
    assert res.exit_code == 2
    assert f"{bad}:5:" in res.output
    assert "unit_cost must be >= 0" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()
    # no BASE and no [plan] scenario: a clean error naming the fix
    bare = tmp_path / "bare.toml"
    bare.write_text('[plan]\nname = "p"\n[[intervention]]\nid = "c"\nkind = "restart_crews"\n'
                    "crews = 10\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["plan", "--interventions", str(bare), "-n", "1",
                                   "--out", str(tmp_path / "o"), "--quiet"])
    assert res.exit_code == 2, res.output
    assert "no base scenario" in res.output
    assert "Traceback" not in res.output


def test_runner_timeline_uses_the_scenario_cascade_limit(monkeypatch):
    from gridmodel.outage import timeline

    seen = []
    real = timeline.simulate_outages

    def spy(*a, **kw):
        seen.append(kw.get("max_cascade_rounds"))
        return real(*a, **kw)

    monkeypatch.setattr(timeline, "simulate_outages", spy)
    sc = load_scenario(EX / "kyiv_winter_base.toml")
    sc = sc.model_copy(update={"grid": sc.grid.model_copy(update={"max_cascade_rounds": 4})})
    runner = ScenarioRunner(sc, horizon_h=6)
    from gridmodel.pipeline import grid_step

    grid_step(runner.context, None, 0)
    assert seen == [4]


def test_runner_resolves_paths_from_the_scenario_file(tmp_path, monkeypatch):
    """A weather file named relative to the scenario file is found from any working folder
    (the runner used to open it relative to the working folder)."""
    import shutil

    from gridmodel.weather import _resolve_profile

    src = _resolve_profile("kyiv-2026")
    shutil.copy(src, tmp_path / "w.csv")
    shutil.copy(src.with_name(src.stem + ".meta.toml"), tmp_path / "w.meta.toml")  # its zone
    text = (EX / "kyiv_winter_base.toml").read_text().replace(
        'weather = "kyiv-2026"', 'weather = "w.csv"').replace(
        'file = "kyiv_winter_targets.toml"', f'file = "{EX / "kyiv_winter_targets.toml"}"')
    (tmp_path / "base.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(ROOT)
    runner = ScenarioRunner(load_scenario(tmp_path / "base.toml"), horizon_h=6)
    ref = ScenarioRunner(load_scenario(EX / "kyiv_winter_base.toml"), horizon_h=6)
    pd.testing.assert_series_equal(runner.temp, ref.temp, check_exact=True)


def test_runs_that_warn_keep_their_warnings_in_rows_summary_and_report(tmp_path):
    """A run the model could compute only in part (its runner's ``"warnings"``, e.g. an
    island whose line limits could not be held) says so in its row, in plan.json and in
    report.html; the others have "", the report of a plan without any lists none, and the
    warnings change no figure of the ranking."""
    from cheap_plan import CheapPlanRunner

    class WarningRunner(CheapPlanRunner):
        def __call__(self, variant, night):
            said = ("island 7 (3 buses): no optimum"
                    if night.replicate == 1 and not variant.interventions else "")
            return {**super().__call__(variant, night), "warnings": said}

    out, clean_out = tmp_path / "plan", tmp_path / "clean"
    res = run_plan(None, EX / "kyiv_winter_plan.toml", 2, out, runner=WarningRunner(),
                   progress=False)
    clean = run_plan(None, EX / "kyiv_winter_plan.toml", 2, clean_out,
                     runner=CheapPlanRunner(), progress=False)
    rep = res.replicates.set_index(["variant", "replicate"])
    assert rep.loc[("baseline", 1), "warnings"] == "island 7 (3 buses): no optimum"
    assert (rep.drop(index=("baseline", 1))["warnings"] == "").all()
    assert (clean.replicates["warnings"] == "").all()
    assert json.loads((out / "plan.json").read_text())["runs_with_model_warnings"] == 1
    assert json.loads((clean_out / "plan.json").read_text())["runs_with_model_warnings"] == 0
    assert "Runs with model warnings" in (out / "report.html").read_text()
    assert "Runs with model warnings" not in (clean_out / "report.html").read_text()
    pd.testing.assert_frame_equal(res.ranking(), clean.ranking())


def test_a_reused_timeline_keeps_its_warnings_for_every_variant():
    """A variant that changes only the heat layer reuses the baseline's grid timeline
    (computed once); the timeline's model warnings reach both rows, not only the row
    that computed it."""
    from engine_warnings import issuing

    runner = ScenarioRunner(load_scenario(EX / "kyiv_winter_base.toml"), horizon_h=6)
    by = load_plan(EX / "kyiv_winter_plan.toml", net=runner.net, layer=runner.layer).by_id()
    ns = sample_nights(runner.strikes, 1, seed=3, net=runner.net)
    with issuing("island 9: no optimum"):
        res = evaluate({"net": runner.net, "layer": runner.layer, "interception_prob": 0.0},
                       [by["backup-pumps"]], ns, runner)
    assert len(runner.context.timelines) == 1  # one grid timeline for both variants
    assert res.replicates["warnings"].tolist() == ["island 9: no optimum"] * 2


@pytest.mark.slow
def test_no_shipped_intervention_leaves_more_people_without_heat_on_any_night(tmp_path):
    """Regression of a label flip (session 21): pump backup lengthened a tall building's
    own-power stop past its pipe-freeze time while a node outage ran on, so it was counted
    "without heat" from the strike instead of "interrupted" until the supply stop, and
    backup-pumps came out worse than nothing on 9 of 12 nights. A node outage is now judged
    by its whole length whatever stop follows (docs/heat.md, Expected duration). On the
    shipped plan's first 6 nights (full model) no variant is worse than the baseline."""
    res = run_plan(EX / "kyiv_winter_base.toml", EX / "kyiv_winter_plan.toml", 6,
                   tmp_path / "plan", progress=False)
    r = res.replicates
    metric = "people_hours_without_heat"
    base = r[r["variant"] == "baseline"].set_index("replicate")[metric]
    for variant, g in r[r["variant"] != "baseline"].groupby("variant"):
        worse = g.set_index("replicate")[metric] - base
        assert (worse <= 1e-6).all(), (variant, worse[worse > 1e-6].to_dict())
