"""OutageResult's tables built on first read equal the tables built at once, and the
compiled-network cache notices in-place edits of the tables the engine reads.

The reference tables are built as ``build_result`` built them before the tables became
lazy (``pd.DataFrame(..., columns=...)`` and a ``groupby`` for the oblasts), from the
very arrays the engine handed ``build_result`` (captured by wrapping it).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import tiny_networks

import gridmodel
import gridmodel.outage.engine as engine_mod
import gridmodel.outage.fast as fast_mod
from gridmodel.outage import simulate_outage
from gridmodel.outage._cases import random_strikes
from gridmodel.outage.fast import compile_cached
from gridmodel.outage.result import (
    BRANCH_COLUMNS,
    CASCADE_COLUMNS,
    ISLAND_COLUMNS,
    LOAD_COLUMNS,
    OBLAST_COLUMNS,
    SOURCE_COLUMNS,
    TABLES,
    _frame,
    build_result,
    island_columns,
    load_columns,
)


def _eager_tables(model, state, *, n_islands, bus_island, balance, island_method, p_from_mw,
                  loading, br_alive, tripped_round, cascade_log, cascade_rounds, src_cap_mw,
                  **_) -> dict[str, pd.DataFrame]:
    """The tables as ``build_result`` built them at once (the reference); ``buses`` as
    the lists ``island_members`` gave then."""
    cols = island_columns(model, n_islands, bus_island, balance, island_method, cascade_rounds)
    cols["buses"] = [list(m) for m in cols["buses"]]
    cols["converged"] = np.isin(island_method, ("ac", "dc"))
    islands = pd.DataFrame(cols, columns=ISLAND_COLUMNS)
    loads = pd.DataFrame(load_columns(model, state, bus_island, balance), columns=LOAD_COLUMNS)
    ob = loads.groupby("oblast", sort=True)[["demand_mw", "served_mw", "shed_mw"]].sum()
    ob = ob.reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        ob["shed_fraction"] = np.where(ob["demand_mw"] > 0, ob["shed_mw"] / ob["demand_mw"], 0.0)
    branches = pd.DataFrame({
        "asset_id": model.br_asset, "element": model.br_element, "p_from_mw": p_from_mw,
        "loading": loading, "rating_mw": state.br_rating_mw,
        "in_service": br_alive.astype(bool), "tripped_round": tripped_round.astype(np.int64),
    }, columns=BRANCH_COLUMNS)
    log = pd.DataFrame(cascade_log, columns=CASCADE_COLUMNS)
    log["round"] = log["round"].astype(np.int64)
    log["loading"] = log["loading"].astype(float)
    sources = pd.DataFrame({
        "asset_id": model.src_asset, "element": model.src_element,
        "technology": np.where(model.src_is_import, "import", model.src_technology),
        "island": bus_island[model.src_bus], "capacity_mw": src_cap_mw,
        "p_mw": balance.dispatch_mw,
    }, columns=SOURCE_COLUMNS)
    return {"islands": islands, "loads": loads, "oblasts": ob[OBLAST_COLUMNS],
            "branches": branches, "cascade_log": log, "sources": sources}


@pytest.fixture
def captured(monkeypatch):
    """Every ``build_result`` call of both engines: (its arguments, its result)."""
    calls = []

    def wrapper(model, state, **kw):
        res = build_result(model, state, **kw)
        calls.append(((model, state), kw, res))
        return res

    monkeypatch.setattr(engine_mod, "build_result", wrapper)
    monkeypatch.setattr(fast_mod, "build_result", wrapper)
    return calls


@pytest.fixture(scope="module")
def ukraine():
    """The ukraine network (module; tests that edit it take a deep copy)."""
    return gridmodel.load_network("ukraine")


def _check_equal(calls, read_order):
    for (model, state), kw, res in calls:
        ref = _eager_tables(model, state, **kw)
        for name in read_order:
            pd.testing.assert_frame_equal(getattr(res, name), ref[name], check_exact=True)
            assert list(getattr(res, name).columns) == list(ref[name].columns)
        for total in ("demand_mw", "served_mw", "shed_mw"):
            assert getattr(res, total) == float(ref["loads"][total].sum())
        assert res.n_islands == len(ref["islands"])


def test_lazy_tables_equal_the_eager_ones_fast_engine(ukraine, captured):
    scenarios = random_strikes(ukraine, 40, np.random.default_rng(7), damage_share=0.3)
    for outages in scenarios:
        res = simulate_outage(ukraine, outages, engine="fast", ac=False)
        # totals first (from the arrays, before any table is built), then every table
        assert res.shed_mw == float(np.nansum(res.loads["shed_mw"].to_numpy()))
    assert len(captured) == len(scenarios)
    assert any(len(kw["cascade_log"]) for _, kw, _ in captured)  # a cascade among them
    _check_equal(captured, TABLES)


@pytest.mark.parametrize("ac", [False, True])
def test_lazy_tables_equal_the_eager_ones_pandapower_engine(captured, ac):
    net = tiny_networks.triangle_net()
    for outages in (None, {"line:c-b": 0.0}, {"line:a-b": 0.5}):
        simulate_outage(net, outages, engine="pandapower", ac=ac)
    net = tiny_networks.tiny_net()
    for outages in (None, {"line:north-city": 0.0}, {"plant:tpp": 0.4},
                    {"sub:city": 0.0, "ic:west": 0.0}):
        simulate_outage(net, outages, engine="pandapower", ac=ac)
    _check_equal(captured, reversed(TABLES))


def test_tables_can_be_given_and_assigned():
    res = simulate_outage(tiny_networks.tiny_net(), {"line:city-east": 0.0}, engine="fast",
                          ac=False)
    shed = res.shed_mw
    edited = res.loads.copy()
    edited["shed_mw"] = 0.0
    res.loads = edited
    assert res.loads is edited
    assert res.shed_mw == 0.0 != shed
    assert "OutageResult(" in repr(res)
    assert "Outage step" in res.summary()


def test_editing_a_result_table_leaves_the_engine_alone():
    net = tiny_networks.tiny_net()
    first = simulate_outage(net, {"line:city-east": 0.0}, engine="fast", ac=False)
    first.loads.loc[0, "load_id"] = "changed"
    first.loads.loc[0, "demand_mw"] = -1.0
    first.oblasts.loc[0, "oblast"] = "changed"
    first.branches.loc[0, "rating_mw"] = -1.0
    second = simulate_outage(net, {"line:city-east": 0.0}, engine="fast", ac=False)
    assert "changed" not in second.loads["load_id"].tolist()
    assert (second.loads["demand_mw"] >= 0).all()
    assert "changed" not in second.oblasts["oblast"].tolist()
    assert (second.branches["rating_mw"] > 0).all()


def test_frame_equals_the_public_constructor():
    n = 7
    rng = np.random.default_rng(0)
    cases = [
        {"a": np.array(["x", None, np.nan, 1.5, "y", "", "z"], dtype=object),
         "b": rng.normal(size=n), "c": np.arange(n), "d": rng.random(n) > 0.5,
         "e": rng.normal(size=n), "f": np.arange(n, dtype=np.int32)},
        {"u": np.array(list("abcdefg"))},  # fixed-width strings: the public constructor
        {"a": np.zeros(0), "b": np.zeros(0, dtype=object)},
    ]
    for cols in cases:
        pd.testing.assert_frame_equal(_frame(cols), pd.DataFrame(cols), check_exact=True)
    a = np.arange(3.0)
    df = _frame({"a": a, "b": a})
    df.loc[0, "a"] = 9.0
    assert a[0] == 0.0  # columns are copied


# ------------------------------------------------------------------ compiled-net cache
def test_unchanged_net_reuses_its_compilation(ukraine):
    first = compile_cached(ukraine)
    ukraine.line["x_ohm_per_km"].sum()  # reading does not count as a change
    assert compile_cached(ukraine) is first


@pytest.mark.parametrize("edit", [
    "line_x_loc", "line_x_values", "line_out", "load_p_loc", "load_p_values", "load_out",
    "load_p_assigned", "registry_rename", "registry_back", "parameters", "trafo_rating",
])
def test_an_in_place_edit_after_a_call_is_noticed(ukraine, edit):
    net = copy.deepcopy(ukraine)
    outages = {"sub:kyivska-750": 0.0}
    before = simulate_outage(net, outages, engine="fast", ac=False, line_limits=False)
    compiled = compile_cached(net)
    li, lo = net.line.index[3], net.load.index[int(np.argmax(net.load["p_mw"].to_numpy()))]
    if edit == "line_x_loc":
        net.line.loc[li, "x_ohm_per_km"] *= 1.5
    elif edit == "line_x_values":
        net.line["x_ohm_per_km"].to_numpy()[3] *= 1.5  # a write through a numpy view
    elif edit == "line_out":
        net.line.loc[li, "in_service"] = False
    elif edit == "load_p_loc":
        net.load.loc[lo, "p_mw"] *= 2.0
    elif edit == "load_p_values":
        net.load["p_mw"].to_numpy()[net.load.index.get_loc(lo)] *= 2.0
    elif edit == "load_out":
        net.load.loc[lo, "in_service"] = False
    elif edit == "load_p_assigned":
        net.load["p_mw"] = net.load["p_mw"] * 2.0
    elif edit == "registry_rename":
        net.registry.loc[net.registry.index[5], "name"] = "renamed"
    elif edit == "registry_back":  # a new object that may reuse a freed address
        i = net.registry.index[5]
        old = net.registry.at[i, "name"]
        net.registry.at[i, "name"] = "".join(["tmp", "name"])
        net.registry.at[i, "name"] = "".join([old[:1], old[1:], "!"])
    elif edit == "parameters":
        net.parameters["operation"]["trip_loading"] = 1.3
    elif edit == "trafo_rating":
        net.trafo.loc[net.trafo.index[0], "sn_mva"] *= 0.5
    again = compile_cached(net)
    assert again is not compiled
    fresh = fast_mod.compile_network(net)
    assert np.array_equal(again.b_pu, fresh.b_pu)
    assert np.array_equal(again.model.load_demand_mw, fresh.model.load_demand_mw)
    assert np.array_equal(again.model.br_rating_mw, fresh.model.br_rating_mw)
    if edit.startswith("load_p") or edit == "load_p_assigned":
        after = simulate_outage(net, outages, engine="fast", ac=False, line_limits=False)
        assert after.demand_mw > before.demand_mw
    if edit == "load_out":
        after = simulate_outage(net, outages, engine="fast", ac=False, line_limits=False)
        assert after.demand_mw < before.demand_mw
    assert compile_cached(net) is again  # and then reused


def test_a_result_pickles_and_copies_with_its_tables():
    import pickle

    res = simulate_outage(tiny_networks.tiny_net(), {"line:city-east": 0.0}, engine="fast",
                          ac=False)
    for other in (pickle.loads(pickle.dumps(res)), copy.deepcopy(res)):
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(other, name), getattr(res, name),
                                          check_exact=True)
        assert (other.shed_mw, other.n_islands) == (res.shed_mw, res.n_islands)
