"""``gridmodel.run`` with inputs in memory: a network object, a strike DataFrame and a
Scenario built in Python from ISO strings (gridmodel.studies.given)."""

from __future__ import annotations

import pandas as pd
import pytest
from tiny_runs import TINY

import gridmodel
from gridmodel.errors import InputError
from gridmodel.studies.scenario import Scenario, load_scenario


def scenario_from_strings() -> Scenario:
    return Scenario(name="tiny-in-memory", network=str(TINY / "network"),
                    status_date="2026-01-15", weather=str(TINY / "weather.csv"),
                    start="2026-01-15T00:00:00+02:00", horizon_h=48, seed=1,
                    heat={"layer": str(TINY / "heat")},
                    outputs={"frames": False, "plots": False, "state": False})


def test_iso_strings_equal_the_toml_values():
    sc = scenario_from_strings()
    toml = load_scenario(TINY / "scenario.toml")
    assert sc.status_date == toml.status_date
    assert sc.start == toml.start


def test_bad_iso_strings_name_the_key():
    with pytest.raises(ValueError, match="status_date '15.01.2026' is not an ISO date"):
        Scenario(name="x", status_date="15.01.2026", start="2026-01-15T00:00:00+02:00")
    with pytest.raises(ValueError, match="start needs a UTC offset"):
        Scenario(name="x", status_date="2026-01-15", start="2026-01-15T00:00")


def test_in_memory_network_and_strikes_equal_the_files():
    files = gridmodel.run(TINY / "scenario.toml", progress=False)
    net = gridmodel.load_network(TINY / "network", status_date="2026-01-15")
    strikes = pd.read_csv(TINY / "strikes.csv", comment="#")
    mem = gridmodel.run(scenario_from_strings(), network=net, strikes=strikes,
                        progress=False)
    assert mem.summary["heat"] == files.summary["heat"]
    assert mem.summary["grid"] == files.summary["grid"]
    assert mem.net is net
    # the hashes are over the in-memory tables, not a file
    assert mem.summary["hashes"]["strikes_sha256"] != files.summary["hashes"]["strikes_sha256"]
    assert mem.summary["hashes"]["network_sha256"] != files.summary["hashes"]["network_sha256"]


def test_in_memory_strikes_change_the_run():
    none = gridmodel.run(scenario_from_strings(), progress=False)
    assert none.summary["heat"]["buildings_without_heat_peak"] == 0  # no strike list
    one = pd.DataFrame([{"target": "plant:tiny-chp", "time": "2026-01-15T04:00+02:00",
                         "effect": "destroyed", "repair_h": 720}])
    hit = gridmodel.run(scenario_from_strings(), strikes=one, progress=False)
    assert hit.summary["heat"]["buildings_without_heat_peak"] > 0
    assert hit.summary["scenario"]["n_strikes"] == 1


def test_bad_in_memory_inputs_say_what_to_pass():
    with pytest.raises(InputError, match="network= must be a pandapowerNet with a registry"):
        gridmodel.run(scenario_from_strings(), network="ukraine", progress=False)
    with pytest.raises(InputError, match="strikes= must be a pandas DataFrame"):
        gridmodel.run(scenario_from_strings(), strikes=[{"target": "x"}], progress=False)
    bad = pd.DataFrame([{"target": "plant:nowhere", "time": "2026-01-15T04:00+02:00",
                         "effect": "destroyed"}])
    with pytest.raises(InputError, match="plant:nowhere"):
        gridmodel.run(scenario_from_strings(), strikes=bad, progress=False)
