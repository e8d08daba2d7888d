"""Criticality ranking: hand-checkable single losses, greedy vs exact k-sets, outputs,
errors, the hourly mode against gridmodel.studies.scenario.run. Short horizon and a handful of
candidates keep it quick."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gridmodel.errors import InputError
from gridmodel.studies.planning.criticality import Criticality, rank_assets
from gridmodel.studies.scenario import StrikesConfig, load_scenario, run

#: score columns as rank_assets names them in outputs (the Kyiv layer's city column)
SCORE = ("buildings_without_heat", "people_without_heat", "building_hours_below_12c",
         "kyiv_mw_shed", "mw_shed")

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "kyiv_2026_02_03.toml"
ZONES = pd.read_csv(ROOT / "networks" / "kyiv" / "zones.csv").set_index("zone_id")
CANDIDATES = ["plant:kyiv-chp-5", "pump:chp-5-holosiivskyi", "heat:boilers-podilskyi",
              "sub:kyiv-110-obolonskyi", "plant:solar-kyivska"]


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO).model_copy(update={"horizon_h": 48})


@pytest.fixture(scope="module")
def result(scenario):
    return rank_assets(scenario, k=2, pool=5, exact_pool=5, candidates=CANDIDATES)


def test_single_losses_by_hand(result):
    s = result.single.set_index("asset_id")
    # a lost pumping station cuts off exactly its zone's buildings (docs/heat.md)
    assert s.loc["pump:chp-5-holosiivskyi", "buildings_without_heat"] == ZONES.loc[
        "zone:chp-5-holosiivskyi", "buildings"]
    assert s.loc["pump:chp-5-holosiivskyi", "people_without_heat"] == ZONES.loc[
        "zone:chp-5-holosiivskyi", "residents"]
    assert s.loc["heat:boilers-podilskyi", "buildings_without_heat"] == ZONES.loc[
        "zone:boilers-podilskyi", "buildings"]
    # heat assets shed no electricity
    assert s.loc["pump:chp-5-holosiivskyi", "mw_shed"] == 0.0
    # CHP-5 heats more buildings than any single zone pump
    assert s.loc["plant:kyiv-chp-5", "rank"] == 1
    chp5 = ZONES[ZONES["source_id"] == "heat:kyiv-chp-5"]["buildings"].sum()
    assert s.loc["plant:kyiv-chp-5", "buildings_without_heat"] <= chp5
    # ranks follow the lexicographic score
    keys = [tuple(r) for r in result.single[list(SCORE)].to_numpy()]
    assert keys == sorted(keys, reverse=True)
    assert list(result.single["rank"]) == list(range(1, len(CANDIDATES) + 1))


def test_paths_name_what_makes_an_asset_critical(result):
    """Criticality.path: beyond the no-loss baseline, link by link (docs/report.md)."""
    p = result.paths
    assert set(p) == set(result.single["asset_id"])  # every candidate: fewer than 8
    chp5 = p["plant:kyiv-chp-5"]
    assert chp5["sources_down"] == ["Kyiv CHP-5"]
    assert set(chp5["zones"]) == set(ZONES.index[ZONES["source_id"] == "heat:kyiv-chp-5"])
    assert chp5["buildings"] == ZONES.loc[chp5["zones"], "buildings"].sum()
    pump = p["pump:chp-5-holosiivskyi"]
    assert pump["sources_down"] == []
    assert pump["zones_unpumped"] == ["zone:chp-5-holosiivskyi"]
    assert pump["mw_shed"] == 0.0  # a heat asset sheds no electricity
    # a grid asset's MW shed at the peak-demand hour is its score's (increase over baseline)
    s = result.single.set_index("asset_id")
    assert p["sub:kyiv-110-obolonskyi"]["mw_shed"] == pytest.approx(
        s.loc["sub:kyiv-110-obolonskyi", "mw_shed"])


def test_worst_sets(result):
    w = result.worst_sets.set_index("method")
    assert len(w) == 2
    greedy = w.loc["greedy"]
    exact = w.loc[[m for m in w.index if m.startswith("exact")][0]]
    assert "plant:kyiv-chp-5" in greedy["assets"]
    # the exact search over the same pool is at least as bad as the greedy one
    assert tuple(exact[list(SCORE)]) >= tuple(greedy[list(SCORE)])
    # a set is at least as bad as its worst member
    assert exact["buildings_without_heat"] >= result.single["buildings_without_heat"].max()


def test_score_is_monotone_in_zones(scenario):
    c = Criticality(scenario)
    one = c.score(("pump:chp-5-holosiivskyi",))
    two = c.score(("pump:chp-5-holosiivskyi", "heat:boilers-podilskyi"))
    assert two["buildings_without_heat"] == one["buildings_without_heat"] + ZONES.loc[
        "zone:boilers-podilskyi", "buildings"]
    assert c.score(())["buildings_without_heat"] == 0.0


def test_errors(scenario):
    with pytest.raises(InputError, match="unknown candidate"):
        rank_assets(scenario, candidates=["sub:pivnichnaa"])
    with pytest.raises(InputError, match="k must be"):
        rank_assets(scenario, k=0)


def test_cli_rank_outputs(tmp_path):
    from gridmodel.cli.plan import rank_command

    out = tmp_path / "rank"
    args = [str(SCENARIO), "--out", str(out), "--horizon-h", "24", "-k", "2", "--pool", "3",
            "--exact-pool", "3", "--quiet"] + [a for c in CANDIDATES[:3] for a in ("--asset", c)]
    res = CliRunner().invoke(rank_command, args)
    assert res.exit_code == 0, res.output
    assert "worst set (greedy)" in res.output
    for f in ("ranking.csv", "worst_sets.csv", "criticality.json", "criticality.png",
              "report.html"):
        assert (out / f).is_file(), f
    meta = json.loads((out / "criticality.json").read_text())
    assert meta["candidates"] == 3
    assert meta["mode"] == "hourly"  # the only mode: every candidate set runs the one chain
    # numbers stay numbers in the JSON (not their text)
    top = meta["worst_sets"][0]
    assert isinstance(top["buildings_without_heat"], int | float)
    assert isinstance(top["kyiv_mw_shed"], int | float)
    html = (out / "report.html").read_text()
    assert "Worst-case sets of k = 2" in html
    assert 'id="map-network"' in html
    assert 'id="map-kyiv"' in html  # buildings without heat of the worst set, hour by hour
    again = CliRunner().invoke(rank_command, args)
    assert again.exit_code != 0
    assert "already exists" in str(again.exception) + again.output


@pytest.mark.parametrize(("asset", "outage_h"), [("plant:darnytsia-chp-4", 30),
                                                ("sub:kyiv-110-darnytskyi", 30),
                                                ("sub:kyiv-110-darnytskyi", 6)])
def test_hourly_equals_scenario_run(scenario, asset, outage_h, tmp_path):
    # the hourly score of one lost asset is gridmodel.studies.scenario.run with that asset
    # destroyed at the start and repaired after outage_h, minus the no-strike run
    base_sc = scenario.model_copy(update={"strikes": None})
    crit = Criticality(base_sc, outage_h=outage_h, hourly=True)
    repaired_at_peak = crit.index.get_loc(crit.peak_time) >= outage_h
    got = crit.named(crit.score((asset,)))
    strikes = tmp_path / "strikes.csv"
    strikes.write_text("target,time,effect,repair_h\n"
                       f"{asset},{scenario.start.isoformat()},destroyed,{outage_h}\n")
    struck_sc = base_sc.model_copy(update={"strikes": StrikesConfig(file=str(strikes))})

    def values(sc):
        r = run(sc, progress=False)
        h = r.summary["heat"]
        loads = r.frames["grid_loads"]
        at = loads[loads["time"] == crit.peak_time]
        shed = at["shed_mw"].to_numpy()
        from gridmodel.metrics.row import city_load_ids

        kyiv = at["load_id"].isin(city_load_ids(crit.layer, crit.net.registry)).to_numpy()
        return {"buildings_without_heat": h["buildings_without_heat_peak"],
                "people_without_heat": h["people_without_heat_peak"],
                "building_hours_below_12c": h["building_hours_below_12c"],
                "kyiv_mw_shed": shed[kyiv].sum(), "mw_shed": shed.sum()}

    struck, base = values(struck_sc), values(base_sc)
    want = {k: struck[k] - base[k] for k in SCORE}
    assert want["buildings_without_heat"] > 0
    if repaired_at_peak:
        assert want["mw_shed"] == pytest.approx(0.0, abs=1e-6)
    elif asset.startswith("sub:"):
        assert want["kyiv_mw_shed"] > 0
    for k in SCORE:
        assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-9), k


def test_hourly_heat_asset_and_cache(scenario):
    # a lost pumping station cuts off its zone in the hourly mode too, and sheds no MW
    crit = Criticality(scenario, outage_h=30, hourly=True)
    s = crit.score(("pump:chp-5-holosiivskyi",))
    assert s["buildings_without_heat"] == ZONES.loc["zone:chp-5-holosiivskyi", "buildings"]
    assert s["city_mw_shed"] == 0.0
    assert s["mw_shed"] == 0.0
    runs, heats = crit.n_grid_evals, crit.n_heat_evals
    assert crit.score(("pump:chp-5-holosiivskyi",)) == s  # cached by the set itself
    assert (crit.n_grid_evals, crit.n_heat_evals) == (runs, heats)


def test_cli_rank_hourly(tmp_path):
    from gridmodel.cli.plan import rank_command

    out = tmp_path / "rank"
    args = [str(SCENARIO), "--out", str(out), "--horizon-h", "24", "-k", "2", "--pool", "3",
            "--exact-pool", "3", "--quiet", "--hourly"] + [
                a for c in CANDIDATES[:3] for a in ("--asset", c)]
    res = CliRunner().invoke(rank_command, args)
    assert res.exit_code == 0, res.output
    meta = json.loads((out / "criticality.json").read_text())
    assert meta["mode"] == "hourly"
    assert meta["demand_levels"] is None
    assert "hourly: the grid timeline" in (out / "report.html").read_text()


def test_scenario_cascade_limit_is_used(scenario, monkeypatch):
    """The ranking runs the engine with the scenario's max_cascade_rounds, not a default."""
    from gridmodel.outage import fast, timeline

    seen = []
    real_eval, real_tl = fast.evaluate, timeline.simulate_outages

    def spy_eval(*a, **kw):
        seen.append(kw.get("max_cascade_rounds"))
        return real_eval(*a, **kw)

    def spy_tl(*a, **kw):
        seen.append(kw.get("max_cascade_rounds"))
        return real_tl(*a, **kw)

    monkeypatch.setattr(fast, "evaluate", spy_eval)
    monkeypatch.setattr(timeline, "simulate_outages", spy_tl)
    sc = scenario.model_copy(update={"strikes": None, "grid": scenario.grid.model_copy(
        update={"max_cascade_rounds": 3})})
    crit = Criticality(sc, outage_h=12)
    crit.score(("sub:kyiv-110-obolonskyi",))
    assert seen
    assert set(seen) == {3}


def test_detail_map_evaluates_the_timeline_state_nuclear_trip_included(scenario, monkeypatch):
    """The worst set's map evaluates the grid as the timeline had it at the peak-demand
    hour: a struck NPP switchyard also trips its plant (it was left running)."""
    from gridmodel.outage import fast

    seen = []
    real = fast.evaluate

    def spy(compiled, outages=None, **kw):
        seen.append(dict(outages or {}))
        return real(compiled, outages, **kw)

    crit = Criticality(scenario.model_copy(update={"strikes": None}), outage_h=48)
    monkeypatch.setattr(fast, "evaluate", spy)
    crit.detail(("sub:rivne-npp",))
    assert seen
    assert seen[-1].get("sub:rivne-npp") == 0.0
    assert seen[-1].get("plant:rivne-npp") == 0.0


def test_an_evaluation_that_warns_keeps_its_warning(scenario, monkeypatch):
    """A set whose grid timeline issued a ModelWarning (computed in part; here from
    inside its engine step) carries the message in ranking and worst sets, and the
    count reaches criticality.json's meta; the others have ""."""
    from engine_warnings import issuing

    real = Criticality._chain

    def warning_chain(self, lost):
        if "sub:kyiv-110-obolonskyi" not in lost:
            return real(self, lost)
        with issuing(f"no optimum with {len(lost)} lost"):
            return real(self, lost)

    monkeypatch.setattr(Criticality, "_chain", warning_chain)
    res = rank_assets(scenario.model_copy(update={"horizon_h": 12}), k=2, pool=2,
                      exact_pool=2, candidates=CANDIDATES[2:4])
    s = res.single.set_index("asset_id")["warnings"]
    assert s["sub:kyiv-110-obolonskyi"] == "no optimum with 1 lost"
    assert s["heat:boilers-podilskyi"] == ""
    assert (res.worst_sets["warnings"] == "no optimum with 2 lost").all()
    # the baseline, 2 singles and the pair: 2 evaluations warned
    assert res.meta["evaluations_with_model_warnings"] == 2


def test_console_cells_are_whole_numbers_never_minus_zero():
    # -1.8e-12 MW of round-off printed "-0" in the rank table
    from gridmodel.cli.plan import _whole

    assert [_whole(v) for v in (-1.8e-12, -0.4, 1234.6, float("nan"))] == [
        "0", "0", "1,235", "nan"]
