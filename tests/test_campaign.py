"""Campaigns: several strike nights in one scenario, and a run from a saved end state.

A resumed run is bitwise the rest of the whole campaign, random repair draws included
(gridmodel.studies.state).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from gridmodel.errors import InputError
from gridmodel.studies.scenario import load_scenario, run

CAMPAIGN = Path(__file__).resolve().parents[1] / "examples" / "campaign"
HEADER = "target,time,effect,fraction_lost,repair_h\n"
# no repair_h on night 2: its grid and heat repairs are drawn from the continued streams
# night 1 also destroys one district's boiler houses for 10 days [C] (FIELD_NOTES 10: boiler
# houses were targeted, which ones not reported), so night 2 strikes while they are drained
NIGHT1 = ("plant:kyiv-chp-5,2026-01-09T04:00+02:00,damaged,1.0,48\n"
          "plant:kyiv-chp-6,2026-01-09T04:00+02:00,damaged,1.0,\n"
          "heat:boilers-obolonskyi,2026-01-09T04:00+02:00,destroyed,,240\n")
NIGHT2 = ("plant:darnytsia-chp-4,2026-01-16T04:00+02:00,disabled,,\n"
          "pump:boilers-darnytskyi,2026-01-16T04:00+02:00,disabled,,\n")


def _files(tmp_path: Path) -> Path:
    for f in ("campaign.toml", "night1.toml", "night2.toml"):
        shutil.copy(CAMPAIGN / f, tmp_path / f)
    (tmp_path / "strikes_campaign.csv").write_text(HEADER + NIGHT1 + NIGHT2, encoding="utf-8")
    (tmp_path / "strikes_night1.csv").write_text(HEADER + NIGHT1, encoding="utf-8")
    (tmp_path / "strikes_night2.csv").write_text(HEADER + NIGHT2, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = _files(tmp_path_factory.mktemp("campaign"))
    whole = run(d / "campaign.toml", out=d / "out" / "campaign", progress=False)
    night1 = run(d / "night1.toml", out=d / "out" / "night1", progress=False)
    night2 = run(d / "night2.toml", out=d / "out" / "night2", progress=False)
    return d, whole, night1, night2


@pytest.mark.slow
def test_resumed_run_is_bitwise_the_rest_of_the_campaign(runs):
    _, whole, _, night2 = runs
    k = int(whole.context.index.get_loc(night2.context.index[0]))
    assert k == 168
    for name in ("without_heat", "drained", "heat_on", "interrupted", "cause"):
        assert np.array_equal(getattr(whole.heat, name)[k:], getattr(night2.heat, name)), name
    assert np.array_equal(whole.temperatures.to_buildings()[k:],
                          night2.temperatures.to_buildings())
    wl = whole.timeline.loads
    assert np.array_equal(wl[wl["time"] >= night2.context.index[0]]["served_mw"].to_numpy(),
                          night2.timeline.loads["served_mw"].to_numpy())
    # the second night strikes while buildings of the first are still drained
    assert whole.heat.drained[k + 3].sum() > 0
    # drawn repair hours of night 2 (grid and heat streams) are the campaign's
    assert night2.summary["resume_check"]["buildings_drained_differ"] == 0


@pytest.mark.slow
def test_state_holds_the_random_streams_and_the_repairs(runs):
    d, whole, night1, _ = runs
    st = d / "out" / "night1" / "state"
    doc = json.loads((st / "state.json").read_text(encoding="utf-8"))
    assert doc["end"] == "2026-01-16T00:00:00+02:00"
    assert doc["random"]["grid_repairs"]["draws"] == 2
    rng = np.random.default_rng(doc["seed"])
    rng.random(2)
    assert rng.bit_generator.state == doc["random"]["grid_repairs"]["bit_generator"]
    import pandas as pd

    strikes = pd.read_parquet(st / "strikes.parquet")
    assert strikes["repair_h"].notna().all()  # drawn hours recorded
    assert len(pd.read_parquet(st / "buildings.parquet")) == len(night1.layer.buildings)


@pytest.mark.slow
def test_resume_must_start_at_the_state_and_keep_the_network(runs):
    d = runs[0]
    sc = load_scenario(d / "night2.toml")
    late = sc.model_copy(update={"start": sc.start.replace(hour=1)})
    with pytest.raises(InputError, match="starts where the state ends"):
        run(late, progress=False)
    other = sc.model_copy(update={"status_date": sc.status_date.replace(day=7)})
    with pytest.raises(InputError, match="status_date"):
        run(other, progress=False)


@pytest.mark.slow
def test_a_state_saved_before_a_grid_option_existed_resumes_at_its_default(runs):
    """A state.json written before ``[grid] line_limits`` existed (its run always had
    the LP) resumes a run at the default, and not one that turns the option off."""
    from gridmodel.studies.state import load_state, resume_config

    d = runs[0]
    state = load_state(d / "out" / "night1" / "state")
    del state["run"]["grid"]["line_limits"]
    sc = load_scenario(d / "night2.toml")
    assert sc.grid.line_limits is True
    assert resume_config(sc, state).start.isoformat() == state["origin"]
    off = sc.model_copy(update={"grid": sc.grid.model_copy(update={"line_limits": False})})
    with pytest.raises(InputError, match="grid"):
        resume_config(off, state)


def test_resume_with_another_heat_layer_is_refused(runs, tmp_path):
    # the saved state's buildings no longer match the layer (one gone, one renamed): its
    # drained flags and indoor temperatures would land on other buildings (a broadcast
    # error before)
    import pandas as pd

    d = runs[0]
    state = tmp_path / "state"
    shutil.copytree(d / "out" / "night1" / "state", state)
    b = pd.read_parquet(state / "buildings.parquet").iloc[:-1].copy()
    b.loc[b.index[0], "building_id"] = "kyiv-renamed"
    b.to_parquet(state / "buildings.parquet", index=False)
    sc = load_scenario(d / "night2.toml").model_copy(update={"initial_state": str(state)})
    with pytest.raises(InputError, match="saved with another heat layer") as err:
        run(sc, progress=False)
    assert "1 of its buildings are not in the layer now (e.g. ['kyiv-renamed'])" in str(err.value)
    assert "2 of the layer's are not in the state" in str(err.value)
