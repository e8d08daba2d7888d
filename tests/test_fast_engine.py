"""The compiled engine against the pandapower DC engine.

Both run the same islands, balance and cascade rules; the compiled engine's susceptances
come from pandapower's own DC model, so flows and shed MW must agree to round-off. The
tolerance (1e-6 MW) is far above the observed differences (about 1e-10 MW) and far below
anything that matters.
"""

from __future__ import annotations

import functools

import numpy as np
import pandapower as pp
import pytest

from gridmodel.outage import simulate_outage
from gridmodel.outage._cases import pandapower_case, random_strikes
from gridmodel.outage.fast import compile_network, evaluate, to_result

TOL_MW = 1e-6


@functools.cache
def _case(name: str):
    net = pandapower_case(name, seed=0, tighten=1.3)
    return net, compile_network(net, lowrank=True)


@functools.cache
def _ukraine(status_date: str | None = None):
    try:
        import gridmodel

        net = gridmodel.load_network("ukraine", status_date=status_date)
    except Exception as exc:  # the network is built by another module; skip if broken
        pytest.skip(f"ukraine network not loadable: {type(exc).__name__}: {exc}")
    return net, compile_network(net, lowrank=True)


def _agree(net, compiled, scenarios, solvers=("lowrank", "splu")):
    for scen in scenarios:
        ref = simulate_outage(net, scen, ac=False)
        for solver in solvers:
            ev = evaluate(compiled, scen, solver=solver)
            np.testing.assert_allclose(ev.p_from_mw, ref.branches["p_from_mw"], atol=TOL_MW,
                                       err_msg=f"{solver} flows, scenario {scen}")
            np.testing.assert_allclose(ev.balance.shed_mw, ref.loads["shed_mw"], atol=TOL_MW,
                                       err_msg=f"{solver} shed, scenario {scen}")
            assert ev.cascade_rounds == ref.cascade_rounds, scen
            assert [a for _, a, _ in ev.cascade_log] == ref.cascade_log["asset_id"].tolist()
            np.testing.assert_array_equal(ev.tripped_round, ref.branches["tripped_round"])


def test_intact_flows_equal_plain_rundcpp():
    """Without strikes and cascade, the compiled flows are pandapower's own rundcpp."""
    net, compiled = _case("case118")
    ev = evaluate(compiled, {}, max_cascade_rounds=0)
    # rebuild the same injections in a plain copy: gens at dispatch, loads as served
    import copy

    work = copy.deepcopy(net)
    src = ev.balance.dispatch_mw
    model = compiled.model
    for k, (el, idx) in enumerate(zip(model.src_element, model.src_index, strict=True)):
        if el == "gen":
            work.gen.at[idx, "p_mw"] = src[k]
    work.load["p_mw"] = ev.balance.served_mw
    pp.rundcpp(work)
    pf = np.concatenate([work.res_line["p_from_mw"], work.res_trafo["p_hv_mw"]])
    np.testing.assert_allclose(ev.p_from_mw, pf, atol=TOL_MW)


def test_fast_matches_pandapower_dc_case118_50_scenarios():
    net, compiled = _case("case118")
    scenarios = random_strikes(net, 50, np.random.default_rng(2026), damage_share=0.2)
    _agree(net, compiled, scenarios)


def test_fast_matches_pandapower_dc_ukraine_50_scenarios():
    net, compiled = _ukraine()
    scenarios = random_strikes(net, 50, np.random.default_rng(7), damage_share=0.2)
    _agree(net, compiled, scenarios)


def test_fast_matches_pandapower_dc_ukraine_with_status():
    """Assets already out (occupied, destroyed) are out of the intact matrix too."""
    net, compiled = _ukraine("2026-01-15")
    scenarios = random_strikes(net, 20, np.random.default_rng(8), damage_share=0.3)
    _agree(net, compiled, scenarios)


def test_fast_result_has_the_same_tables(tiny_net):
    compiled = compile_network(tiny_net)
    ev = evaluate(compiled, {"line:city-east": 0.0})
    fast = to_result(compiled, ev)
    ref = simulate_outage(tiny_net, {"line:city-east": 0.0}, ac=False)
    for name in ("islands", "loads", "oblasts", "branches", "cascade_log", "sources"):
        a, b = getattr(fast, name), getattr(ref, name)
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b), name
    assert fast.engine == "fast"
    assert ev.shed_mw == pytest.approx(40.0)


def test_compiled_network_is_reusable_and_net_unchanged(tiny_net):
    import copy

    before = copy.deepcopy(tiny_net)
    compiled = compile_network(tiny_net, lowrank=True)
    a = evaluate(compiled, {"plant:tpp": 0.0})
    evaluate(compiled, {"sub:city": 0.0})
    b = evaluate(compiled, {"plant:tpp": 0.0})
    np.testing.assert_array_equal(a.p_from_mw, b.p_from_mw)
    assert a.shed_mw == b.shed_mw == pytest.approx(60.0)
    for key in ("bus", "line", "trafo", "gen", "load"):
        assert tiny_net[key].equals(before[key])


def test_lowrank_falls_back_for_many_outages():
    net, compiled = _case("case118")
    lines = [a for a in net.registry["asset_id"] if a.startswith("line:")][:120]
    scen = {a: 0.0 for a in lines}
    ref = simulate_outage(net, scen, ac=False)
    ev = evaluate(compiled, scen, solver="lowrank")
    np.testing.assert_allclose(ev.p_from_mw, ref.branches["p_from_mw"], atol=TOL_MW)
    assert ev.shed_mw == pytest.approx(ref.shed_mw, abs=TOL_MW)


def test_simulate_outage_fast_reuses_compilation_until_the_net_changes(tiny_net, monkeypatch):
    import gridmodel.outage.fast as fast

    calls = []
    real = fast.compile_network

    def counting(net, **kw):
        calls.append(1)
        return real(net, **kw)

    monkeypatch.setattr(fast, "compile_network", counting)
    a = simulate_outage(tiny_net, {"plant:tpp": 0.5}, engine="fast", ac=False)
    b = simulate_outage(tiny_net, {"plant:tpp": 0.5}, engine="fast", ac=False)
    assert len(calls) == 1
    assert a.shed_mw == b.shed_mw == pytest.approx(10.0)
    tiny_net.gen.loc[tiny_net.gen["plant_id"] == "plant:tpp", "max_p_mw"] = 60.0  # edit: recompile
    c = simulate_outage(tiny_net, {"plant:tpp": 0.5}, engine="fast", ac=False)
    assert len(calls) == 2
    assert c.shed_mw == pytest.approx(30.0)


@functools.cache
def _case_sparse(name: str):
    net, _ = _case(name)
    return net, compile_network(net, factor="sparse")


def test_sparse_factor_matches_pandapower_dc_case118_50_scenarios():
    """The sparse-factor store of the low-rank update (large networks) gives the DC
    engine's flows, shed and cascade, deep cascades (refactorised rounds) included."""
    net, compiled = _case_sparse("case118")
    assert "sparse" in compiled.extra
    assert "lowrank" not in compiled.extra
    scenarios = random_strikes(net, 50, np.random.default_rng(2026), damage_share=0.2)
    _agree(net, compiled, scenarios)
    deep = [s for s in scenarios
            if (evaluate(compiled, s).tripped_round > 0).sum() > compiled.extra["sparse"].max_rank]
    assert deep, "no scenario cascades past the update's rank: the refactorisation is untested"


def test_sparse_factor_matches_pandapower_dc_ukraine():
    net, _ = _ukraine("2026-01-15")
    compiled = compile_network(net, factor="sparse")
    scenarios = random_strikes(net, 20, np.random.default_rng(9), damage_share=0.3)
    _agree(net, compiled, scenarios, solvers=("lowrank",))


def test_factor_chosen_by_size(tiny_net, monkeypatch):
    """Dense inverse up to DENSE_MAX_BUS buses, sparse LU above (the measured crossover)."""
    import gridmodel.outage.fast as fast
    from gridmodel.errors import InputError

    assert "lowrank" in compile_network(tiny_net).extra
    net, _ = _case("case118")
    monkeypatch.setattr(fast, "DENSE_MAX_BUS", len(net.bus) - 1)
    extra = compile_network(net).extra
    assert "sparse" in extra
    assert "lowrank" not in extra
    monkeypatch.setattr(fast, "DENSE_MAX_BUS", len(net.bus))
    assert "lowrank" in compile_network(net).extra
    with pytest.raises(InputError, match="unknown factor"):
        compile_network(tiny_net, factor="qr")


def test_sparse_factor_pickles_and_refactorises_lazily():
    """SuperLU objects do not pickle: the factor is dropped and rebuilt after loading, so a
    compiled large network ships to worker processes with the same answers."""
    import pickle

    net, compiled = _case_sparse("case118")
    scen = random_strikes(net, 3, np.random.default_rng(4))
    before = [evaluate(compiled, s).p_from_mw for s in scen]
    copy_ = pickle.loads(pickle.dumps(compiled))
    assert copy_.extra["sparse"]._lu is None
    for s, p in zip(scen, before, strict=True):
        np.testing.assert_allclose(evaluate(copy_, s).p_from_mw, p, atol=1e-9)


def test_sparse_columns_cache_is_bounded(monkeypatch):
    import gridmodel.outage._sparse as sp

    net, _ = _case("case118")
    compiled = compile_network(net, factor="sparse")
    monkeypatch.setattr(sp, "CACHE_COLUMNS", 5)
    factor = compiled.extra["sparse"]
    cols = factor.columns(np.arange(12))
    assert len(factor._cols) == 5
    # a column is X (e_from - e_to): B times it is the unit transfer (off the references)
    k = 3
    e = np.zeros(compiled.n_bus)
    e[compiled.model.br_from[k]] += 1.0
    e[compiled.model.br_to[k]] -= 1.0
    np.testing.assert_allclose((factor.matrix @ cols[factor.idx, k]), e[factor.idx], atol=1e-9)
