"""Strike patterns: fit of the interception presets, validation, sampling, CSV round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmodel.strikes import load_strikes
from gridmodel.strikes.patterns import (
    WEAPON_CLASSES,
    PatternError,
    check_pattern,
    fit_interception,
    load_defaults,
    load_pattern,
    pattern_from_dict,
    sample_night,
    write_night,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "patterns"
BASE = {
    "name": "t",
    "salvo": {"cruise": 4, "ballistic": 3, "drone": 30},
    "night": {"first": "2026-02-03T01:00+02:00", "last": "2026-02-03T05:00+02:00"},
    "doctrine": {"preset": "heat_source_first"},
    "run": {"start": "2026-02-03T00:00+02:00", "horizon_h": 12},
}


def doc(**over) -> dict:
    d = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for k, v in over.items():
        d[k] = v
    return d


@pytest.fixture(scope="module")
def net():
    import gridmodel

    return gridmodel.load_network("ukraine", status_date="2026-02-02")


# ------------------------------------------------------------------ interception fit
def test_fit_with_class_split_rows_is_the_pooled_ratio():
    tallies = [{"use": True, "launched": {"drone": 40, "cruise": 10},
                "intercepted": {"drone": 39, "cruise": 5}},
               {"use": True, "launched": {"drone": 60}, "intercepted": {"drone": 41}},
               {"use": False, "launched": {"drone": 100}, "intercepted": {"drone": 0}}]
    fit = fit_interception(tallies)
    assert fit["drone"]["p"] == pytest.approx(80 / 100, abs=1e-4)
    assert fit["cruise"]["p"] == pytest.approx(0.5, abs=1e-4)
    assert fit["drone"]["launched"] == 100


def test_reported_preset_from_field_notes_table():
    d = load_defaults()
    rep = d["interception_presets"]["reported"]
    fit = rep["fit"]
    # drones: 11 Apr 2024, 10 and 16 Oct 2025, 12 Feb 2026 rows pooled: 924 / 1044
    assert fit["drone"]["p"] == pytest.approx(924 / 1044, abs=1e-4)
    # cruise and ballistic also use the 3 Feb 2026 row (38 of 70 missiles, 32 ballistic)
    assert 0.6 < fit["cruise"]["p"] < 0.8
    assert 0.3 < fit["ballistic"]["p"] < fit["cruise"]["p"]
    assert set(rep["p"]) == set(WEAPON_CLASSES)
    assert d["interception_presets"]["interceptor_short"]["p"]["ballistic"] < fit[
        "ballistic"]["p"]


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize(("over", "match"), [
    ({"air_defence": {"cruise": 1.2, "ballistic": 0.5, "drone": 0.9}}, "outside"),
    ({"air_defence": {"preset": "reported", "drone": -0.1}}, "outside"),
    ({"air_defence": {"preset": "nonexistent"}}, "preset"),
    ({"air_defence": {"cruise": 0.5, "ballistic": 0.5, "drone": 0.5, "hypersonic": 0.1}},
     "unknown weapon class"),
    ({"salvo": {"cruise": 2, "glide_bomb": 3}}, "unknown weapon class"),
    ({"salvo": {"cruise": 0}}, "no weapon"),
    ({"salvo": {"cruise": -3, "drone": 5}}, ">= 0"),
    ({"doctrine": {"preset": "nope"}}, "doctrine.preset"),
    ({"doctrine": {"targets": [{"select": "kind=plant", "weight": 0}]}}, "weight"),
    ({"doctrine": {"order": "sideways", "targets": [{"select": "kind=plant"}]}}, "order"),
    ({"night": {"first": "2026-02-03T01:00", "last": "2026-02-03T05:00+02:00"}}, "zone"),
    ({"night": {"first": "2026-02-05T01:00+02:00", "last": "2026-02-05T05:00+02:00"}},
     "outside the run period"),
    ({"run": {"horizon_h": 0}}, "horizon_h"),
    ({"launch": 3}, "unknown key"),
])
def test_bad_pattern_is_refused_with_the_culprit(over, match):
    with pytest.raises(PatternError, match=match):
        pattern_from_dict(doc(**over))


def test_doctrine_matching_nothing_is_refused_before_work(net):
    pat = pattern_from_dict(doc(doctrine={"targets": [
        {"select": "kind=plant;oblast=Kyiv", "weight": 1.0},
        {"select": "kind=substation;vn_kv>=1150", "weight": 1.0},
        {"select": "kind=load;oblast=Kyiv", "weight": 1.0}]}))
    with pytest.raises(PatternError) as info:
        check_pattern(pat, net)
    text = str(info.value)
    assert "vn_kv>=1150" in text
    assert "matches no asset" in text
    assert "without damage curves" in text  # loads cannot be struck
    assert "kind=plant;oblast=Kyiv" not in text  # the good selector is not blamed


def test_targeting_cache_reused_and_released_with_the_net(net):
    import copy
    import gc

    from gridmodel.strikes import patterns

    pat = pattern_from_dict(doc())
    other = copy.deepcopy(net)
    tg = check_pattern(pat, other)
    assert check_pattern(pat, other) is tg
    key = (id(other), pat.key())
    assert key in patterns._TARGET_CACHE
    del other, tg
    gc.collect()
    assert key not in patterns._TARGET_CACHE  # the cache did not keep the net alive


def test_examples_load_and_compare_one_thing_at_a_time():
    pats = {p.stem: load_pattern(p) for p in EXAMPLES.glob("*.toml")}
    assert {"generation_first", "substation_first", "heat_source_first",
            "generation_first_interceptor_short"} <= set(pats)
    ref = pats["generation_first"]
    for name in ("substation_first", "heat_source_first"):
        assert pats[name].salvo == ref.salvo
        assert pats[name].interception == ref.interception
        assert pats[name].doctrine != ref.doctrine
    short = pats["generation_first_interceptor_short"]
    assert short.doctrine == ref.doctrine
    assert short.salvo == ref.salvo
    assert short.interception["ballistic"] < ref.interception["ballistic"]
    assert all(p.illustrative for p in pats.values())


# ------------------------------------------------------------------ sampling
def test_sample_night_is_reproducible_and_seed_dependent(net):
    pat = pattern_from_dict(doc())
    a = sample_night(pat, net, np.random.default_rng(7))
    b = sample_night(pat, net, np.random.default_rng(7))
    c = sample_night(pat, net, np.random.default_rng(8))
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs
    assert not (a[["asset_id", "fraction_lost"]].equals(c[["asset_id", "fraction_lost"]]))
    with pytest.raises(ValueError, match="Generator"):
        sample_night(pat, net, 7)


def test_night_within_window_and_sensible(net):
    pat = pattern_from_dict(doc(salvo={"cruise": 10, "ballistic": 10, "drone": 200}))
    s = sample_night(pat, net, np.random.default_rng(1))
    assert s["time"].min() >= pat.night_first
    assert s["time"].max() <= pat.night_last
    assert s["asset_id"].is_unique
    assert s["fraction_lost"].between(0, 1).all()
    assert set(s["effect"]) <= {"damaged", "destroyed"}
    assert (s["repair_h"] > 0).all()
    assert s["n_hits"].sum() == sum(s.attrs["arrived"].values())
    # every struck asset is in one of the doctrine's groups
    groups = set().union(*(set(g) for g in check_pattern(pat, net).groups))
    assert set(s["asset_id"]) <= groups


def test_interception_fraction_within_binomial_bounds(net):
    p = {"cruise": 0.3, "ballistic": 0.6, "drone": 0.9}
    pat = pattern_from_dict(doc(salvo={"cruise": 50, "ballistic": 50, "drone": 400},
                                air_defence=p))
    rng = np.random.default_rng(2026)
    tot = dict.fromkeys(WEAPON_CLASSES, 0)
    nights = 25
    for _ in range(nights):
        s = sample_night(pat, net, rng)
        for c in WEAPON_CLASSES:
            tot[c] += s.attrs["intercepted"][c]
    for c in WEAPON_CLASSES:
        n = pat.salvo[c] * nights
        sd = np.sqrt(n * p[c] * (1 - p[c]))
        assert abs(tot[c] - n * p[c]) < 4 * sd, c  # 4 sigma: fails ~1 in 16,000 runs


def test_no_defence_and_greedy_order(net):
    pat = pattern_from_dict(doc(salvo={"ballistic": 7}, air_defence={"preset": "none"},
                                doctrine={"preset": "load_served", "hits_per_target": 3}))
    s = sample_night(pat, net, np.random.default_rng(0))
    assert s.attrs["arrived"]["ballistic"] == 7
    ranked = check_pattern(pat, net).groups[0]
    hits = s.set_index("asset_id")["n_hits"]
    assert hits[ranked[0]] == 3
    assert hits[ranked[1]] == 3
    assert hits[ranked[2]] == 1


def test_all_intercepted_gives_an_empty_night(net):
    pat = pattern_from_dict(doc(air_defence={"cruise": 1.0, "ballistic": 1.0, "drone": 1.0}))
    s = sample_night(pat, net, np.random.default_rng(0))
    assert s.empty
    assert sum(s.attrs["arrived"].values()) == 0


def test_saved_night_reads_back_identically(net, tmp_path):
    pat = pattern_from_dict(doc())
    s = sample_night(pat, net, np.random.default_rng(11))
    path = write_night(s, tmp_path / "night.csv", header="test night")
    back = load_strikes(path, net)
    cols = ["asset_id", "time", "effect", "fraction_lost", "repair_h", "weapon", "kind"]
    pd.testing.assert_frame_equal(back[cols], s[cols])
    assert "illustrative" in path.read_text()
    with pytest.raises(ValueError, match="exists"):
        write_night(s, path)


def test_protection_level_lowers_damage(net):
    sel = "kind=substation;vn_kv>=750"
    kw = {"salvo": {"cruise": 40}, "air_defence": {"preset": "none"},
          "doctrine": {"targets": [{"select": sel, "weight": 1.0}]}}
    bare = sample_night(pattern_from_dict(doc(**kw)), net, np.random.default_rng(3))
    armoured = sample_night(pattern_from_dict(doc(**kw, protection={"level2": [sel]})), net,
                            np.random.default_rng(3))
    assert (armoured["protection"] == "level2").all()
    assert (bare["protection"] == "none").all()
    # same draws (same rng), so every asset loses less behind concrete
    a = bare.set_index("asset_id")["fraction_lost"].fillna(1.0)
    b = armoured.set_index("asset_id")["fraction_lost"].fillna(1.0)
    assert (b <= a.loc[b.index]).all()
    assert b.mean() < a.mean()


def test_unknown_protection_level_is_refused():
    with pytest.raises(PatternError, match="protection level"):
        pattern_from_dict(doc(protection={"bunker": ["kind=substation"]}))


def test_run_paths_are_relative_to_the_pattern_file(tmp_path, monkeypatch):
    """As in a scenario file: ``network = "./net"`` is the folder beside the pattern, not
    one of the working folder (issue #12: the working folder's was used, or none)."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "tiny.toml").write_text(
        '[salvo]\ndrone = 1\n[night]\nfirst = 2026-01-15T01:00:00+02:00\n'
        'last = 2026-01-15T02:00:00+02:00\n[doctrine]\ntargets = [{select = "kind=plant"}]\n'
        '[run]\nnetwork = "./network"\nweather = "data/weather.csv"\nheat_layer = "kyiv"\n'
        'start = 2026-01-15T00:00:00+02:00\nhorizon_h = 4\n', encoding="utf-8")
    (tmp_path / "w").mkdir()
    monkeypatch.chdir(tmp_path / "w")
    run = load_pattern(Path("../p/tiny.toml")).run
    assert Path(run["network"]) == Path("../p/network")
    assert Path(run["network"]).resolve() == (tmp_path / "p" / "network").resolve()
    assert Path(run["weather"]).resolve() == (tmp_path / "p" / "data" / "weather.csv").resolve()
    assert run["heat_layer"] == "kyiv"  # a built-in name stays a name


def test_run_grid_options_are_checked_at_load_and_reach_the_run_config():
    """A pattern's ``[run]`` grid options (line_limits among them) are checked as a
    scenario's ``[grid]`` table is, naming the key, and reach the run it configures."""
    from gridmodel.config import GRID, RunConfig

    run = pattern_from_dict(doc()).run
    assert run["line_limits"] is GRID.line_limits is True  # run_defaults.toml
    off = pattern_from_dict(doc(run={**BASE["run"], "line_limits": False})).run
    assert off["line_limits"] is False
    cfg = RunConfig.from_flat(off)
    assert cfg.grid.line_limits is False
    assert cfg.flat()["line_limits"] is False  # the flat form round-trips
    with pytest.raises(PatternError, match=r"run\.line_limits = 'sometimes'"):
        pattern_from_dict(doc(run={**BASE["run"], "line_limits": "sometimes"}))
    with pytest.raises(PatternError, match=r"run\.n_queues = 0"):
        pattern_from_dict(doc(run={**BASE["run"], "n_queues": 0}))

