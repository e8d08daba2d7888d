"""Scenario files, the end-to-end run and the Kyiv 3 Feb 2026 reproduction."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from gridmodel.errors import InputError
from gridmodel.studies.scenario import OutputExistsError, ScenarioError, load_scenario, run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BASE = EXAMPLES / "kyiv_2026_02_03.toml"


def _write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_examples_validate():
    for f in ("kyiv_2026_02_03.toml", "kyiv_2026_02_03_all.toml"):
        sc = load_scenario(EXAMPLES / f)
        assert sc.horizon_h == 336
        assert sc.status_date.isoformat() == "2026-02-02"
        assert sc.resolve(sc.strikes.file).is_file()


def test_typo_in_key_names_file_and_line(tmp_path):
    text = BASE.read_text().replace("horizon_h = 336", "horizon_hours = 336")
    p = _write(tmp_path, text)
    line = 1 + text.splitlines().index("horizon_hours = 336")
    with pytest.raises(ScenarioError,
                       match=rf"s.toml:{line}: .*unknown key 'horizon_hours'.*horizon_h"):
        load_scenario(p)


def test_typo_in_table_key_names_line(tmp_path):
    text = BASE.read_text().replace('engine = "fast"', 'engin = "fast"')
    p = _write(tmp_path, text)
    line = 1 + text.splitlines().index('engin = "fast"')
    with pytest.raises(ScenarioError, match=rf"s.toml:{line}: grid: unknown key 'engin'.*engine"):
        load_scenario(p)


def test_wrong_type_names_line(tmp_path):
    text = BASE.read_text().replace("horizon_h = 336", 'horizon_h = "336"')
    p = _write(tmp_path, text)
    line = 1 + text.splitlines().index('horizon_h = "336"')
    with pytest.raises(ScenarioError, match=rf"s.toml:{line}: horizon_h"):
        load_scenario(p)


def test_naive_start_is_rejected(tmp_path):
    text = BASE.read_text().replace("start = 2026-02-03T00:00:00+02:00",
                                    "start = 2026-02-03T00:00:00")
    with pytest.raises(ScenarioError, match="start.*UTC offset"):
        load_scenario(_write(tmp_path, text))


def test_existing_output_folder_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(OutputExistsError, match="already exists.*--force"):
        run(BASE, out=out, progress=False)
    assert (out / "keep.txt").is_file()


def _scenario_copy(tmp_path, strike_rows=None, drop_strikes=False):
    """Copy the base scenario (and its strike list, optionally filtered) into tmp_path."""
    (tmp_path / "strikes").mkdir(exist_ok=True)
    src = EXAMPLES / "strikes" / "kyiv_2026_02_03.csv"
    lines = src.read_text().splitlines(keepends=True)
    if strike_rows is not None:
        lines = [ln for ln in lines if ln.startswith(("#", "target")) or strike_rows(ln)]
    (tmp_path / "strikes" / src.name).write_text("".join(lines))
    text = BASE.read_text()
    if drop_strikes:
        text = text.replace('[strikes]\nfile = "strikes/kyiv_2026_02_03.csv"\n'
                            'reliability = ["A"]\n', "")
    return _write(tmp_path, text, "scenario.toml")


@pytest.fixture(scope="module")
def reproduction(tmp_path_factory):
    out = tmp_path_factory.mktemp("repro") / "base"
    return run(BASE, out=out, progress=False)


@pytest.mark.slow
def test_reproduction_outputs(reproduction):
    out = reproduction.out
    s = json.loads((out / "summary.json").read_text())
    h = s["heat"]
    for key in ("buildings_total", "buildings_without_heat_peak",
                "buildings_without_heat_peak_time", "by_district", "by_cause",
                "buildings_without_heat_end", "building_hours_below_12c",
                "interrupted_building_hours", "people_without_heat_peak"):
        assert key in h, key
    assert set(h["by_cause"]) == {"source_lost", "zone_pumping_unpowered",
                                  "drained_after_building_blackout"}
    assert sum(h["by_cause"].values()) == h["buildings_without_heat_peak"]
    assert {"load_shed_mw_peak", "energy_not_served_mwh"} <= set(s["grid"])
    assert s["seed"] == 20260203
    assert all(len(s["hashes"][k]) == 64 for k in ("network_sha256", "weather_sha256",
                                                   "strikes_sha256"))
    assert {"islands_max", "all_energised_islands_converged", "mw_shed_at_peak",
            "model_warnings"} <= set(s["status"])
    assert s["status"]["model_warnings"] == []  # computed in full
    for name in ("heat_without_by_district.png", "indoor_bands_by_archetype.png",
                 "map_without_heat_peak.png", "heat_hourly.parquet",
                 "heat_buildings.parquet", "grid_loads.parquet", "explanation.txt"):
        assert (out / name).is_file(), name
    hourly = pd.read_parquet(out / "heat_hourly.parquet")
    assert hourly.groupby("time")["buildings_without_heat"].sum().max() == h[
        "buildings_without_heat_peak"]


@pytest.mark.slow
def test_reproduction_targets(reproduction):
    """FIELD_NOTES 1: 1,100-1,170 buildings (city list 1,126) in Darnytskyi/Dniprovskyi,
    drained the same morning, cold to the end of the season. Must come out of the model."""
    h = reproduction.summary["heat"]
    assert 1013 <= h["buildings_without_heat_peak"] <= 1239
    at_peak = h["by_district_at_peak"]
    left = at_peak["darnytskyi"] + at_peak["dniprovskyi"]
    assert left >= 0.9 * h["buildings_without_heat_peak"]
    assert pd.Timestamp(h["first_drain_time"]) <= pd.Timestamp("2026-02-03T12:00+02:00")
    assert h["buildings_without_heat_end"] >= 1013
    assert h["by_cause"]["source_lost"] >= 1000


@pytest.mark.slow
def test_chp4_intact_gives_at_most_a_tenth(reproduction, tmp_path):
    p = _scenario_copy(tmp_path, strike_rows=lambda ln: not ln.startswith(
        "plant:darnytsia-chp-4"))
    res = run(p, out=None, progress=False)
    peak = reproduction.summary["heat"]["buildings_without_heat_peak"]
    assert res.summary["heat"]["buildings_without_heat_peak"] <= 0.1 * peak


@pytest.mark.slow
def test_no_strikes_on_2_feb_status_drains_nothing(tmp_path):
    p = _scenario_copy(tmp_path, drop_strikes=True)
    res = run(p, out=None, progress=False)
    h = res.summary["heat"]
    assert h["buildings_drained_total"] == 0
    assert h["buildings_without_heat_peak"] == 0


def test_cli_reproduce_list_and_existing_out(tmp_path):
    from click.testing import CliRunner

    from gridmodel.cli.run import reproduce_command, run_command

    r = CliRunner().invoke(reproduce_command, ["--list"])
    assert r.exit_code == 0
    assert "kyiv-2026-02-03" in r.output
    out = tmp_path / "exists"
    out.mkdir()
    r = CliRunner().invoke(run_command, [str(BASE), "--out", str(out)])
    assert r.exit_code == 2  # bad input, as every gridmodel command
    assert "already exists" in r.output
    r = CliRunner().invoke(reproduce_command, ["kyiv-2099", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2
    assert "unknown reproduction" in r.output
    shutil.rmtree(out)


def test_engine_override_pandapower_equals_fast(tmp_path):
    """`gridmodel run --engine`: both engines give the same heat result (DC, 48 h)."""
    from click.testing import CliRunner

    from gridmodel.cli.run import run_command

    text = BASE.read_text().replace("horizon_h = 336", "horizon_h = 48")
    path = tmp_path / "short.toml"
    path.write_text(text.replace('file = "strikes/', f'file = "{BASE.parent}/strikes/'),
                    encoding="utf-8")
    sums = {}
    for engine in ("fast", "pandapower"):
        out = tmp_path / engine
        r = CliRunner().invoke(run_command, [str(path), "--out", str(out), "--quiet",
                                             "--engine", engine])
        assert r.exit_code == 0, r.output
        sums[engine] = json.loads((out / "summary.json").read_text())
    for key in ("buildings_without_heat_peak", "building_hours_below_12c",
                "interrupted_building_hours"):
        assert sums["fast"]["heat"][key] == sums["pandapower"]["heat"][key], key
    assert sums["fast"]["grid"]["load_shed_mw_peak"] == pytest.approx(
        sums["pandapower"]["grid"]["load_shed_mw_peak"], abs=1e-6)
    with pytest.raises(InputError, match="unknown engine"):
        run(path, engine="bogus")


def test_package_run_is_scenario_run():
    """``gridmodel.run`` takes every argument of scenario.run (e.g. engine, as documented)."""
    import gridmodel
    from gridmodel.studies import scenario

    assert gridmodel.run is scenario.run
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gridmodel.nope  # noqa: B018


def test_run_temperature_checks_the_run_period():
    """Hand-checkable: 6 hourly values; the run must lie inside and on the profile's hours."""
    from gridmodel.pipeline import run_temperature

    t = pd.date_range("2026-02-03T00:00+02:00", periods=6, freq="h").tz_convert("Europe/Kyiv")
    weather = pd.Series([-1.0, -2.0, -3.0, -4.0, -5.0, -6.0], index=t, name="temp_air")
    index, temp = run_temperature(weather, pd.Timestamp("2026-02-03T01:00+02:00"), 3, "w")
    assert list(index) == list(t[1:4])
    assert temp.tolist() == [-2.0, -3.0, -4.0]
    with pytest.raises(InputError, match=r"f.toml: run period .* outside .*'w'"):
        run_temperature(weather, t[4], 3, "w", where="f.toml: ")
    with pytest.raises(ScenarioError, match="no temperature at 3 hour"):
        run_temperature(weather, t[0] + pd.Timedelta(minutes=30), 3, "w", error=ScenarioError)


def test_cli_main_has_every_command():
    """``gridmodel`` attaches every command of gridmodel.cli (outage, run, plan, ensemble,
    validate)."""
    from click.testing import CliRunner

    from gridmodel.cli import main

    assert set(main.commands) == {"network", "outage", "run", "reproduce", "plan", "rank",
                                  "ensemble", "compare", "validate", "layer"}
    for name in main.commands:
        r = CliRunner().invoke(main, [name, "--help"])
        assert r.exit_code == 0, r.output
        assert f"Usage: main {name}" in r.output


def test_a_run_computed_in_part_says_so_in_summary_and_explanation(tmp_path):
    """Model warnings of the run's grid timeline (an island whose line limits could not be
    held; issued here from inside the engine step) reach summary.json's status and the
    explanation, each once."""
    from engine_warnings import issuing

    sc = load_scenario(EXAMPLES / "kyiv_2026_02_03.toml").model_copy(
        update={"horizon_h": 6})
    msg = "island 4 (12 buses): no optimum"
    with issuing(msg, msg):
        res = run(sc, tmp_path / "out", progress=False)
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["status"]["model_warnings"] == [msg]
    text = (tmp_path / "out" / "explanation.txt").read_text()
    assert "Computed in part (1 model warning(s)):" in text
    assert msg in text
    assert res.summary["status"]["model_warnings"] == [msg]
    from gridmodel.cli.run import _headline

    assert "computed in part: 1 model warning(s)" in _headline(res)  # what the CLI prints
