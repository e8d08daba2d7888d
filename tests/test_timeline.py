"""Outages over time: binning, repairs, demand, the re-run cache, real engine end to end."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from tiny_networks import alias_net

import gridmodel.outage.timeline as tl
from gridmodel.errors import InputError
from gridmodel.outage.demand import (
    demand_factors,
    demand_mw,
    load_demand_profile,
    profile_loads,
)
from gridmodel.strikes import resolve_strikes, strikes_from_records

START = "2026-02-03T00:00+02:00"


@pytest.fixture(scope="module")
def net():
    """The alias network with the ``ukraine`` area rule: Kyiv 110 kV nodes are areas."""
    net = alias_net()
    net.parameters["areas"] = {"own_area_substations": ["sub:kyiv-110-*"]}
    return net


def resolved(net, records):
    return resolve_strikes(net, strikes_from_records(records))


class Recorder:
    """Stand-in engine: serves everything, records each call's outages and demand."""

    def __init__(self):
        self.calls = []

    def __call__(self, net, outages, *, demand_mw=None, **kwargs):
        self.calls.append((dict(outages or {}), demand_mw.copy(), kwargs))
        reg = net.registry.set_index("asset_id")
        ids = demand_mw.index
        loads = pd.DataFrame({
            "load_id": ids, "oblast": reg.loc[ids, "oblast"].to_numpy(),
            "priority_class": reg.loc[ids, "priority_class"].to_numpy(), "island": 0,
            "demand_mw": demand_mw.to_numpy(), "served_mw": demand_mw.to_numpy(),
            "shed_mw": 0.0, "energised": True})
        islands = pd.DataFrame({"island": [0], "n_buses": [4], "energised": [True],
                                "demand_mw": [demand_mw.sum()]})
        return SimpleNamespace(loads=loads, islands=islands)


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(tl, "_simulate", rec)
    return rec


def test_binning_and_repair_return(net, recorder):
    s = resolved(net, [
        {"target": "plant:alpha-npp", "time": "2026-02-03T04:20+02:00", "effect": "disabled",
         "repair_h": 5},  # out 02:20Z -> 07:20Z: steps 02Z..07Z, back at 08Z
        {"target": "sub:bravo", "time": "2026-02-03T03:00+02:00", "effect": "damaged",
         "fraction_lost": 0.5, "repair_h": 2},  # 01Z -> 03Z: steps 01Z, 02Z
    ])
    res = tl.simulate_outages(net, s, START, 12, seed=0, blackouts=False)
    out = res.runs.set_index(res.runs["time"].dt.hour)["n_assets_out"]
    assert out.to_dict() == {22: 0, 23: 0, 0: 0, 1: 1, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1,
                             8: 0, 9: 0}
    states = [c[0] for c in recorder.calls]
    assert {"sub:bravo": 0.5, "plant:alpha-npp": 0.0} in states
    assert res.assets["asset_id"].tolist() == ["plant:alpha-npp", "sub:bravo"]
    assert res.assets["kind"].tolist() == ["plant", "substation"]
    # every step carries every load, and the oblast/class frames sum to the load frame
    assert len(res.loads) == 12 * len(net.load)
    assert np.isclose(res.oblasts["demand_mw"].sum(), res.loads["demand_mw"].sum())
    assert np.isclose(res.classes["served_mw"].sum(), res.loads["served_mw"].sum())
    summ = res.summary()
    assert set(summ.index) == {"Kyiv", "Lvivska"}
    assert np.isclose(summ["demand_mwh"].sum(), res.loads["demand_mw"].sum())


def test_rerun_only_when_state_or_demand_changes(net, recorder):
    s = resolved(net, [{"target": "Alpha NPP", "time": "2026-02-03T10:00+02:00",
                        "effect": "destroyed"}])
    res = tl.simulate_outages(net, s, START, 72, seed=0, blackouts=False)
    # profile repeats daily without temperature: 24 distinct demand states before the
    # strike and 24 after, at most; the strike at 08Z splits day one.
    assert res.n_engine_runs == len(recorder.calls)
    assert res.n_engine_runs <= 48
    assert res.runs["cached"].sum() == 72 - res.n_engine_runs
    # cached steps reuse a run made with identical inputs
    first = res.runs.drop_duplicates("run").set_index("run")
    for _, r in res.runs[res.runs["cached"]].iterrows():
        assert first.loc[r["run"], "n_assets_out"] == r["n_assets_out"]
        assert first.loc[r["run"], "time"].hour == r["time"].hour


def test_exact_demand_reruns_every_changed_hour(net, recorder):
    temps = pd.Series(np.linspace(-20, 0, 48), index=pd.date_range(
        "2026-02-02T22:00Z", periods=48, freq="h"))
    res = tl.simulate_outages(net, None, START, 48, temp_air=temps, demand_step=0,
                              blackouts=False)
    assert res.n_engine_runs == 48
    d = recorder.calls[0][1]
    expect = demand_mw(net, [pd.Timestamp("2026-02-02T22:00Z")], temps)
    assert np.allclose(d.to_numpy(), expect.iloc[0].to_numpy())


def test_profile_loads_classes_and_peaks():
    """A load without a known priority class follows the residential profile; the peak
    is p_mw x scaling; a net without load ids names them load:<index>."""
    loads = pd.DataFrame({"p_mw": [10.0, 4.0, 2.0], "scaling": [1.0, 0.5, 2.0],
                          "priority_class": ["critical", "bakery", "industry"]},
                         index=[3, 5, 9])
    got = profile_loads(SimpleNamespace(load=loads))
    assert got["load_id"].tolist() == ["load:3", "load:5", "load:9"]
    assert got["class_for_profile"].tolist() == ["critical", "residential", "industry"]
    assert got["p_peak_mw"].tolist() == [10.0, 2.0, 4.0]
    times = pd.date_range("2026-02-02T22:00Z", periods=3, freq="h")
    f = demand_factors(times)
    want = f[["critical", "residential", "industry"]].to_numpy() * [10.0, 2.0, 4.0]
    np.testing.assert_array_equal(demand_mw(SimpleNamespace(load=loads), times).to_numpy(),
                                  want)


def test_quantised_demand_within_half_step(net, recorder):
    temps = pd.Series(-7.6, index=pd.date_range("2026-02-02T22:00Z", periods=24, freq="h"))
    tl.simulate_outages(net, None, START, 24, temp_air=temps, demand_step=0.01,
                        blackouts=False)
    times = pd.date_range("2026-02-02T22:00Z", periods=24, freq="h")
    exact = demand_mw(net, times, temps)
    for k, (_, d, _) in enumerate(recorder.calls):
        rel = np.abs(d.to_numpy() - exact.iloc[k].to_numpy()) / net.load["p_mw"].to_numpy()
        assert rel.max() <= 0.005 + 1e-12


def test_input_errors(net, recorder):
    s = resolved(net, [{"target": "Alpha NPP", "time": "2026-02-05T00:00Z",
                        "effect": "destroyed"}])
    with pytest.raises(InputError, match="outside the simulated period.*row 1"):
        tl.simulate_outages(net, s, START, 24)
    early = resolved(net, [{"target": "Alpha NPP", "time": "2026-02-01T00:00Z",
                            "effect": "destroyed"}])
    with pytest.raises(InputError, match="Move start earlier"):
        tl.simulate_outages(net, early, START, 24)
    with pytest.raises(InputError, match="no time zone"):
        tl.simulate_outages(net, None, "2026-02-03T00:00", 24)
    with pytest.raises(InputError, match="start is required"):
        tl.simulate_outages(net, None, None, 24)
    with pytest.raises(InputError, match="whole number of steps"):
        tl.simulate_outages(net, None, START, 10, step_h=3)
    short = pd.Series(-5.0, index=pd.date_range("2026-02-02T22:00Z", periods=5, freq="h"))
    with pytest.raises(InputError, match="temp_air covers"):
        tl.simulate_outages(net, None, START, 24, temp_air=short)
    with pytest.raises(InputError, match="resolved strike table"):
        tl.simulate_outages(net, [1, 2], START, 24)


def test_demand_profile_shape_and_temperature():
    prof = load_demand_profile()
    times = pd.date_range("2026-01-15T00:00", periods=24, freq="h", tz="Europe/Kyiv")
    f = demand_factors(times, None, prof)
    # every class peaks at 1.0 at 18 h local (p_mw is the national evening peak)
    assert np.allclose(f.iloc[18], 1.0)
    assert f["residential"].min() < 0.6
    # colder -> more demand, at the documented sensitivity
    g = demand_factors(times, prof.temp_ref_c - 10.0, prof)
    expect = 1 + 10 * prof.sensitivity_per_k["residential"]
    assert np.allclose(g["residential"] / f["residential"], expect)
    with pytest.raises(InputError, match="tz-aware"):
        demand_factors(pd.date_range("2026-01-15", periods=2, freq="h"))


def test_real_engine_end_to_end(net):
    before = net.load.copy()
    s = resolved(net, [
        {"target": "Darnytsia CHP-4", "time": "2026-02-03T04:00+02:00", "effect": "destroyed"},
        {"target": "Alpha NPP", "time": "2026-02-03T04:00+02:00", "effect": "damaged",
         "fraction_lost": 0.5, "repair_h": 6},
    ])
    res = tl.simulate_outages(net, s, START, 24, seed=1, engine="pandapower")
    pd.testing.assert_frame_equal(net.load, before)  # caller's net untouched
    by_t = res.loads.groupby("time")[["demand_mw", "served_mw", "shed_mw"]].sum()
    assert np.allclose(by_t["served_mw"] + by_t["shed_mw"], by_t["demand_mw"])
    # before the strikes (steps 0-3): 1160 MW of plants, at most 1000 MW demand -> nothing shed
    assert by_t["shed_mw"].iloc[:4].max() == pytest.approx(0.0, abs=1e-6)
    # NPP at half (500 MW) and CHP gone: shed while damaged, at least demand - 500 MW
    hit = by_t.iloc[4:10]  # strike at 04:00 local = step 4, six hours of repair
    assert (hit["shed_mw"] >= hit["demand_mw"] - 500 - 1e-6).all()
    assert res.blackouts is not None
    assert set(res.blackouts.schedule["area"]) == {"Lvivska", "sub:kyiv-110-darnytskyi"}


def test_strike_file_path_and_default_start(tmp_path, net, recorder):
    p = tmp_path / "scenario.toml"
    p.write_text('[[strikes]]\ntarget = "Alpha NPP"\ntime = "2026-02-03T04:30+02:00"\n'
                 'effect = "disabled"\nrepair_h = 2\n', encoding="utf-8")
    res = tl.simulate_outages(net, p, None, 6, blackouts=False)
    assert res.meta["start"] == pd.Timestamp("2026-02-03T02:00Z")  # floored to the hour
    assert res.runs["n_assets_out"].tolist() == [1, 1, 1, 0, 0, 0]  # 02:30Z + 2 h -> 05Z
    assert res.strikes["repair_h"].tolist() == [2.0]
