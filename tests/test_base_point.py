"""The base operating point the loader sets: pandapower runs a loaded network as it is, and
its DC flows are the outage engine's no-strike flows (the proportional balance)."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import pytest

import gridmodel
from gridmodel.network.dispatch import base_operating_point
from gridmodel.outage.engine import simulate_outage

TOL_MW = 1e-6


def _branch_flows_mw(net) -> np.ndarray:
    return np.concatenate([net.res_line["p_from_mw"].to_numpy(float),
                           net.res_trafo["p_hv_mw"].to_numpy(float)])


@pytest.fixture(scope="module")
def ukraine():
    return gridmodel.load_network("ukraine")


@pytest.mark.parametrize("engine", ["pandapower", "fast"])
def test_rundcpp_as_loaded_gives_the_engines_base_flows(ukraine, engine):
    net = copy.deepcopy(ukraine)
    pp.rundcpp(net)  # no other call: the loader set the generators and a slack
    # line limits and the cascade on (the defaults): the intact network serves all its
    # load within its ratings, so the engine's base is the plain proportional balance
    base = simulate_outage(ukraine, None, engine=engine, ac=False)
    assert float(base.loads["shed_mw"].sum()) == pytest.approx(0.0, abs=TOL_MW)
    assert base.cascade_rounds == 0
    assert float(base.branches["loading"].max()) < 1.0
    engine_mw = base.branches["p_from_mw"].to_numpy(float)
    flows_mw = _branch_flows_mw(net)
    assert np.abs(flows_mw).max() > 1000.0  # a loaded system, not zeros against zeros
    np.testing.assert_allclose(flows_mw, engine_mw, rtol=0, atol=TOL_MW)
    # the set-points are the engine's dispatch, source by source
    src = base.sources.set_index("asset_id")["p_mw"]
    for table in ("gen", "sgen"):
        ids = net[table]["plant_id"]
        np.testing.assert_allclose(net[table]["p_mw"].to_numpy(float),
                                   src.reindex(ids).fillna(0.0).to_numpy(), atol=TOL_MW)


def test_one_slack_and_generation_equal_to_demand(ukraine):
    gen_mw = ukraine.gen["p_mw"].sum() + ukraine.sgen["p_mw"].sum()
    load_mw = (ukraine.load["p_mw"] * ukraine.load["scaling"])[ukraine.load["in_service"]].sum()
    assert gen_mw == pytest.approx(load_mw, rel=1e-12)
    assert int(ukraine.gen["slack"].sum()) == 1
    slack = ukraine.gen[ukraine.gen["slack"]]
    assert float(slack["max_p_mw"].iloc[0]) == ukraine.gen["max_p_mw"].max()


def test_the_base_point_changes_no_engine_result(ukraine):
    bare = copy.deepcopy(ukraine)
    bare.gen["p_mw"] = 0.0
    bare.sgen["p_mw"] = 0.0
    bare.gen["slack"] = False
    outages = {"sub:kyivska-750": 0.0}
    a = simulate_outage(ukraine, outages, ac=False)
    b = simulate_outage(bare, outages, ac=False)
    for name in ("branches", "loads", "sources", "oblasts"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_a_short_date_runs_with_sources_at_capacity():
    net = gridmodel.load_network("ukraine", status_date="2026-01-15")
    info = base_operating_point(copy.deepcopy(net))
    assert info["short_mw"] > 1000.0  # about 13 GW available for 18 GW
    assert info["dispatch_mw"] == pytest.approx(info["demand_mw"] - info["short_mw"])
    pp.rundcpp(net)
    on = net.bus["in_service"].to_numpy(bool)
    assert not net.res_bus.loc[on, "va_degree"].isna().any()
    # every source but the slack at its capacity (interconnectors at the import cap)
    free = net.gen[~net.gen["slack"] & (net.gen["technology"] != "import")
                   & net.gen["in_service"]]
    np.testing.assert_allclose(free["p_mw"], free["max_p_mw"].clip(lower=0), atol=TOL_MW)


def test_a_pandapower_case_keeps_its_own_set_points(tmp_path):
    case = pn.case9()
    path = tmp_path / "case9.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.to_json(case, str(path))
    with pytest.warns(UserWarning, match="no registry"):
        net = gridmodel.load_network(path)
    pd.testing.assert_series_equal(net.gen["p_mw"], case.gen["p_mw"])
    pp.rundcpp(net)
    assert np.isfinite(_branch_flows_mw(net)).all()
