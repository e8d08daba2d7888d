"""The transmission-constrained balance (gridmodel.outage.lp).

Hand-checkable answers on two- and four-bus networks, and the LP against pandapower's
own DC OPF (``pandapower.rundcopp``) on ``case9``, ``case30`` and a 4-bus ring with a
congested tie: loads are controllable with a piecewise-linear cost (slope ``-(w + eps)``
below the proportional served demand ``s0``, ``-(w - eps)`` above), generators with
slopes ``-eps`` / ``+eps`` around the proportional dispatch ``g0``; the two objectives
then differ by the constant ``sum w conn + eps (sum s0 + sum g0)``. pandapower's interior
point solver is run at the tightest tolerance it converges at (1e-10 on case9 and the
4-bus ring, 1e-7 on case30), so both unserved load and objective agree to 1e-6
(observed 1e-10 to 5e-7).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pandapower.auxiliary import OPFNotConverged

from gridmodel.outage import simulate_outage
from gridmodel.outage._cases import pandapower_case
from gridmodel.outage._model import apply_outages, build_model
from gridmodel.outage.balance import allocate_import_cap, balance_labels
from gridmodel.outage.fast import compile_network, dc_branches, evaluate
from gridmodel.outage.lp import REDISPATCH_COST, TIER_WEIGHT, solve_island
from tests.tiny_networks import build_net

TOL = 1e-6


def _two_bus(tie_mw=50.0):
    """Plant of 200 MW at A; at B 30 MW critical and 70 MW industry; tie A-B."""
    return build_net(
        buses=[("A", "sub:a", 110.0), ("B", "sub:b", 110.0)],
        lines=[("line:ab", "A", "B", 10.0, tie_mw)],
        gens=[("plant:a", "A", 200.0, "thermal")],
        loads=[("load:bc", "B", 30.0, "critical", "test"),
               ("load:bi", "B", 70.0, "industry", "test")])


def test_tie_limit_sheds_the_lowest_class_behind_it():
    """Tie 50 MW into B (100 MW demand) that holds 200 % until redispatch (trip loading
    2.5): 30 MW critical and 20 MW industry served, the tie at its rating."""
    net = _two_bus()
    for engine in ("pandapower", "fast"):
        res = simulate_outage(net, {}, engine=engine, ac=False, overload_threshold=2.5)
        served = res.loads.set_index("load_id")["served_mw"]
        assert served["load:bc"] == pytest.approx(30.0, abs=TOL)
        assert served["load:bi"] == pytest.approx(20.0, abs=TOL)
        assert res.branches["loading"].max() == pytest.approx(1.0, abs=TOL)
        assert res.cascade_log.empty


def test_without_line_limits_the_proportional_answer_stays():
    """line_limits=False: B fully served over the tie at 200 % of its rating."""
    res = simulate_outage(_two_bus(), {}, engine="fast", ac=False, overload_threshold=2.5,
                          line_limits=False)
    assert res.shed_mw == pytest.approx(0.0)
    assert res.branches["loading"].max() == pytest.approx(2.0)


def test_above_the_trip_loading_the_tie_trips_before_redispatch():
    """Trip loading 1.0: the tie (200 % under the proportional balance) trips, B is dark."""
    for engine in ("pandapower", "fast"):
        res = simulate_outage(_two_bus(), {}, engine=engine, ac=False)
        assert res.shed_mw == pytest.approx(100.0)
        assert res.cascade_log["asset_id"].tolist() == ["line:ab"]


def test_unconstrained_case_keeps_the_proportional_answer():
    """A tie of 150 MW never binds: the same arrays with and without line limits."""
    net = _two_bus(tie_mw=150.0)
    a = simulate_outage(net, {}, engine="fast", ac=False)
    b = simulate_outage(net, {}, engine="fast", ac=False, line_limits=False)
    np.testing.assert_array_equal(a.loads["served_mw"], b.loads["served_mw"])


def four_bus():
    """A ring 0-1-2-3 of 57 MW lines; 300 MW at bus 0, 40 MW at bus 2; 230 MW of load."""
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn_kv=110.0) for _ in range(4)]
    for f, t in [(0, 1), (1, 2), (2, 3), (3, 0)]:
        pp.create_line_from_parameters(net, b[f], b[t], 10.0, r_ohm_per_km=0.01,
                                       x_ohm_per_km=0.4, c_nf_per_km=0.0, max_i_ka=0.3)
    pp.create_gen(net, b[0], p_mw=0.0, max_p_mw=300.0)
    pp.create_gen(net, b[2], p_mw=0.0, max_p_mw=40.0)
    for bus, p in ((1, 80.0), (2, 90.0), (3, 60.0)):
        pp.create_load(net, b[bus], p_mw=p)
    return net


def _prepared(net, seed=0):
    """Registry and classes as pandapower_case gives them, ext_grids as generators."""
    net = copy.deepcopy(net)
    for i in list(net.ext_grid.index):
        eg = net.ext_grid.loc[i]
        cap = float(eg.get("max_p_mw", np.nan))
        cap = cap if np.isfinite(cap) and cap > 0 else float(net.load.p_mw.sum())
        pp.create_gen(net, int(eg["bus"]), p_mw=0.0, max_p_mw=cap, vm_pu=float(eg["vm_pu"]))
    net.ext_grid.drop(net.ext_grid.index, inplace=True)
    net.gen["max_p_mw"] = net.gen["max_p_mw"].fillna(net.gen["p_mw"])
    net.poly_cost.drop(net.poly_cost.index, inplace=True)
    from gridmodel.network.registry import build_registry_from_elements

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net["registry"] = build_registry_from_elements(net)
    rng = np.random.default_rng(seed)
    net.load["load_id"] = [f"load:{i}" for i in net.load.index]
    net.load["priority_class"] = rng.choice(list(("industry", "residential", "heat_water",
                                                  "critical")), size=len(net.load))
    net["parameters"] = {}
    return net


def _lp(net):
    """The production LP's inputs on the intact net (one island) and its answer."""
    model = build_model(net)
    state = apply_outages(model, {})
    cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
    labels = np.zeros(model.n_bus, dtype=np.int64)
    bal = balance_labels(model, state, cap, 1, labels)
    dc = dc_branches(net, model)
    on = state.br_alive
    conn = state.load_demand_mw * state.load_connectable
    weight = TIER_WEIGHT[model.load_tier]
    lp = solve_island(np.arange(model.n_bus), model.br_from[on], model.br_to[on],
                      dc.b_pu[on], dc.shift_rad[on], dc.base_mva, state.br_rating_mw[on],
                      model.src_bus, cap, bal.dispatch_mw, model.load_bus, conn,
                      bal.served_mw, weight)
    const = weight @ conn + REDISPATCH_COST * (bal.served_mw.sum() + bal.dispatch_mw.sum())
    return lp, bal, conn, weight, cap, const


def _pwl(lo, x0, hi, slope_below, slope_above):
    pts = [[lo, x0, slope_below]] if x0 > lo else []
    return pts + ([[x0, hi, slope_above]] if hi > x0 else [])


def _rundcopp(net, bal, conn, weight, cap):
    """pandapower's DC OPF with shedding as controllable loads at priority costs."""
    net = copy.deepcopy(net)
    eps = REDISPATCH_COST
    net.gen["controllable"] = True
    net.gen["min_p_mw"] = 0.0
    net.gen["max_p_mw"] = cap
    # the angle reference, no power
    pp.create_ext_grid(net, int(net.gen.bus.iloc[0]), min_p_mw=0.0, max_p_mw=0.0)
    for k, i in enumerate(net.gen.index):
        pp.create_pwl_cost(net, i, "gen", _pwl(0.0, bal.dispatch_mw[k], cap[k], -eps, eps))
    net.load["controllable"] = True
    net.load["min_p_mw"] = 0.0
    net.load["max_p_mw"] = conn
    for j, i in enumerate(net.load.index):
        pts = _pwl(0.0, bal.served_mw[j], conn[j], -weight[j] - eps, -weight[j] + eps)
        if pts:
            pp.create_pwl_cost(net, i, "load", pts)
    net.line["max_loading_percent"] = 100.0
    if len(net.trafo):
        net.trafo["max_loading_percent"] = 100.0
    for tol in (1e-10, 1e-9, 1e-8, 1e-7):  # the tightest the interior point reaches
        try:
            pp.rundcopp(net, PDIPM_GRADTOL=tol, PDIPM_COMPTOL=tol, PDIPM_COSTTOL=tol,
                        PDIPM_FEASTOL=tol)
        except OPFNotConverged:
            continue
        return net
    msg = "rundcopp did not converge at any tolerance"
    raise AssertionError(msg)


def _tight(name):
    """``case9`` / ``case30`` with ratings at 80 % of the intact flow: limits bind."""
    return _prepared(pandapower_case(name, seed=0, tighten=0.8, min_rating_mw=5.0))


@pytest.mark.parametrize("name", ["four_bus", "case9", "case30"])
def test_lp_equals_pandapower_dc_opf(name):
    net = _prepared(four_bus()) if name == "four_bus" else _tight(name)
    lp, bal, conn, weight, cap, const = _lp(net)
    assert lp is not None
    opf = _rundcopp(net, bal, conn, weight, cap)
    assert opf.OPF_converged
    unserved = conn.sum() - opf.res_load["p_mw"].sum()
    assert lp.unserved_mw == pytest.approx(unserved, abs=TOL)
    assert lp.objective == pytest.approx(float(opf.res_cost) + const, abs=TOL)
    assert lp.unserved_mw > 1.0  # a limit binds
    assert lp.dispatch_mw.sum() == pytest.approx(lp.served_mw.sum(), abs=1e-9)


@pytest.mark.parametrize("name", ["case9", "case30"])
def test_both_engines_agree_where_limits_bind(name):
    """pandapower DC loop and the compiled engine give the same LP answer (1e-9 MW)."""
    net = _tight(name)
    ref = simulate_outage(net, {}, engine="pandapower", ac=False, overload_threshold=3.0)
    assert ref.branches["loading"].max() == pytest.approx(1.0)  # the LP ran
    compiled = compile_network(net)
    for solver in ("lowrank", "splu"):
        ev = evaluate(compiled, {}, solver=solver, overload_threshold=3.0)
        np.testing.assert_allclose(ev.balance.served_mw, ref.loads["served_mw"], atol=1e-9)
        np.testing.assert_allclose(ev.p_from_mw, ref.branches["p_from_mw"], atol=1e-6)


@pytest.mark.parametrize("outages", [{}, {"line:0": 0.0}])
@pytest.mark.parametrize("threshold", [1.3, 3.0])
def test_demand_rows_where_limits_bind_equal_the_round_loop(outages, threshold,
                                                             monkeypatch):
    """The LP on the numba kernel's answer (``evaluate_demands``' rows and
    ``evaluate_state``) equals the LP after the round loop in numpy (the per-row
    fallback) bit for bit, on tight case30 under eight demands: some rows cascade into
    many islands first (trip loading 1.3), all keep limits that bind."""
    from gridmodel.outage import fast
    from gridmodel.outage._model import state_with_demand

    compiled = compile_network(_tight("case30"))
    model = compiled.model
    state = apply_outages(model, outages)
    cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
    rng = np.random.default_rng(5)
    demand = model.load_demand_mw[None, :] * rng.uniform(0.5, 1.5, (8, model.load_bus.size))
    got = fast.evaluate_demands(compiled, state, cap, demand, 20, threshold)
    free = fast.evaluate_demands(compiled, state, cap, demand, 20, threshold,
                                 line_limits=False)
    with monkeypatch.context() as m:  # the batch takes no row (status -1): row by row
        m.setattr(fast, "run_demands_nb", lambda *args: None)
        slow = fast.evaluate_demands(compiled, state, cap, demand, 20, threshold)
    cut = got.served_mw.sum(axis=1) < free.served_mw.sum(axis=1) - 1e-6
    assert cut.any()  # the LP sheds load in some rows (all eight at trip loading 3)
    for r in range(len(demand)):
        ev = fast.evaluate_state(compiled, state_with_demand(model, state, demand[r]), cap,
                                 20, threshold)
        k = ev.n_islands
        for res in (got, slow):
            assert (res.n_islands[r], res.cascade_rounds[r]) == (k, ev.cascade_rounds)
            np.testing.assert_array_equal(res.bus_island[r], ev.bus_island)
            np.testing.assert_array_equal(res.served_mw[r], ev.balance.served_mw)
            np.testing.assert_array_equal(res.dispatch_mw[r], ev.balance.dispatch_mw)
            np.testing.assert_array_equal(res.island_served_mw[r, :k],
                                          ev.balance.island_served_mw)
        if cut[r]:  # the flows under the LP's answer hold every limit
            assert ev.loading.max() <= 1.0 + 1e-6


def test_island_matrices_are_shared_by_demand_rows_and_leave_answers_unchanged():
    """The LP's structural matrices depend on the island only: two calls with other
    demand and ratings reuse them, and the answer equals a fresh build's."""
    import numpy as np

    from gridmodel.outage import lp

    bus, f, t = np.array([0, 1]), np.array([0]), np.array([1])
    args = dict(bus=bus, br_from=f, br_to=t, b_pu=np.array([10.0]), shift_rad=np.zeros(1),
                base_mva=100.0, src_bus=np.array([0]), cap_mw=np.array([100.0]),
                g0_mw=np.array([50.0]), load_bus=np.array([1, 1]),
                weight=np.array([1000.0, 1.0]))
    lp._NETWORKS.clear()
    a = lp.solve_island(rating_mw=np.array([40.0]), conn_mw=np.array([30.0, 20.0]),
                        s0_mw=np.array([30.0, 20.0]), **args)
    assert len(lp._NETWORKS) == 1
    b = lp.solve_island(rating_mw=np.array([25.0]), conn_mw=np.array([30.0, 20.0]),
                        s0_mw=np.array([30.0, 20.0]), **args)
    assert len(lp._NETWORKS) == 1  # the second demand row reused the first's matrices
    lp._NETWORKS.clear()
    fresh = lp.solve_island(rating_mw=np.array([25.0]), conn_mw=np.array([30.0, 20.0]),
                            s0_mw=np.array([30.0, 20.0]), **args)
    assert a.unserved_mw == pytest.approx(10.0)  # 40 MW tie: 30 critical + 10 industry
    assert b.unserved_mw == pytest.approx(25.0)  # 25 MW tie: 25 of the 30 critical
    np.testing.assert_array_equal(b.served_mw, fresh.served_mw)


@pytest.mark.parametrize("load_bus", [[1, 2], [1, 1]])
def test_tie_rule_shares_a_cut_in_proportion_to_size(load_bus):
    """Radial A - B - C, a 50 MW tie A-B, 60 and 40 MW residential behind it (at B and C,
    or both at B): every answer that sheds 50 MW of them is optimal; the tie rule sheds
    them in proportion to their demand, 30 and 20 MW."""
    from gridmodel.outage import lp

    res = lp.solve_island(
        bus=np.array([0, 1, 2]), br_from=np.array([0, 1]), br_to=np.array([1, 2]),
        b_pu=np.array([10.0, 10.0]), shift_rad=np.zeros(2), base_mva=100.0,
        rating_mw=np.array([50.0, 1000.0]), src_bus=np.array([0]), cap_mw=np.array([200.0]),
        g0_mw=np.array([100.0]), load_bus=np.array(load_bus), conn_mw=np.array([60.0, 40.0]),
        s0_mw=np.array([60.0, 40.0]), weight=np.array([10.0, 10.0]))
    np.testing.assert_allclose(res.served_mw, [30.0, 20.0], atol=1e-6)
    assert res.dispatch_mw[0] == pytest.approx(50.0, abs=1e-9)


def test_reused_solvers_and_cached_rows_answer_bit_for_bit_as_fresh_ones():
    """The LP keeps per thread one HiGHS instance (cleared before each model),
    the PTDF rows of an island's branches and the element groupings: an LP solved after
    others, in another order, answers exactly as one solved with everything fresh."""
    from gridmodel.outage import lp

    net = _tight("case30")
    scenarios = [{}, *({a: 0.0} for a in net.registry["asset_id"]
                       if a.startswith("line:"))][:12]
    compiled = compile_network(net)

    def answers(order):
        return [evaluate(compiled, s, overload_threshold=3.0).balance.served_mw
                for s in order]

    def clear():
        lp._NETWORKS.clear()
        lp._GROUPINGS.clear()
        lp._SOLVERS.__dict__.clear()

    clear()
    warm = answers(scenarios)
    assert lp._GROUPINGS, "no LP ran: the test checks nothing"
    again = answers(scenarios[::-1])[::-1]
    fresh = []
    for s in scenarios:
        clear()
        fresh.append(evaluate(compiled, s, overload_threshold=3.0).balance.served_mw)
    for a, b, c in zip(warm, again, fresh, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)


def _highs_face_qp(hessian_diag, upper, a, lo, hi):
    """The reference: HiGHS's QP solver (scipy's bundled bindings) on the tie rule's face,
    ``min y' H y / 2`` over ``0 <= y <= upper`` and ``lo <= a y <= hi``."""
    from scipy.optimize._highspy import _core as hc

    from gridmodel.outage import lp

    n = len(upper)
    h = hc._Highs()  # its own instance: these options must not reach the LP's
    h.setOptionValue("output_flag", False)
    h.setOptionValue("qp_regularization_value", 0.0)
    # a bound, as the rule had with HiGHS: on some faces its QP solver does not finish
    # (seed 254, n 5, 3 inequalities ran for minutes; DAQP answers at once)
    h.setOptionValue("qp_iteration_limit", 1000)
    model = hc.HighsLp()
    model.num_col_, model.num_row_ = n, 0
    model.col_cost_, model.col_lower_, model.col_upper_ = np.zeros(n), np.zeros(n), upper
    h.passModel(model)
    lp._Rows(a, lo, hi).add_to(h, np.arange(n))
    h.passHessian(n, n, hc.HessianFormat.kTriangular, np.arange(n + 1, dtype=np.int32),
                  np.arange(n, dtype=np.int32), hessian_diag)
    h.run()
    if h.getModelStatus() != hc.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 8), n_ineq=st.integers(0, 3), seed=st.integers(0, 2**16))
def test_tie_rule_qp_equals_highs_qp(n, n_ineq, seed):
    """The tie rule's QP on a face (DAQP) has HiGHS's QP answer: random faces of the
    rule's shape (a balance row, limit rows with and without a fixed activity, columns
    of +-1 at their buses) through a feasible point."""
    from gridmodel.outage import lp

    rng = np.random.default_rng(seed)
    upper = rng.uniform(1.0, 100.0, n)
    size = rng.uniform(5.0, 500.0, n)
    point = rng.uniform(0.0, 1.0, n) * upper  # the face holds this point
    a = np.vstack([rng.choice([-1.0, 1.0], n), rng.normal(0.0, 1.0, (1 + n_ineq, n))])
    act = a @ point
    slack = rng.uniform(0.0, 20.0, (2, len(act)))
    lo, hi = act - slack[0], act + slack[1]
    lo[:2], hi[:2] = act[:2], act[:2]  # the balance and one limit at their activity
    got = lp._face_qp(np.diag(2.0 / size), upper, lp._Rows(a, lo, hi))
    want = _highs_face_qp(2.0 / size, upper, a, lo, hi)
    assert got is not None
    assume(want is not None)  # the reference gave up: nothing to compare with
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)  # MW; the minimiser is unique
    objective = np.sum(got**2 / size)
    assert objective <= np.sum(want**2 / size) * (1 + 1e-9) + 1e-9


def _answers_on_path(calls, options: dict) -> list:
    """Each island LP's answer (dispatch and served [MW]; None without an optimum) with
    HiGHS's options ``options`` (another path to the same optimum), options restored."""
    from gridmodel.outage import lp

    with lp._options(lp._SOLVERS.lp, **options):
        out = [lp.solve_island(*c) for c in calls]
    return [None if r is None else np.concatenate([r.dispatch_mw, r.served_mw]) for r in out]


def _moves(a: list, b: list) -> np.ndarray:
    """Largest change per LP between two paths' answers [MW] (inf where one has none)."""
    return np.array([np.inf if (x is None) != (y is None) else
                     0.0 if x is None else float(np.abs(x - y).max())
                     for x, y in zip(a, b, strict=True)])


def test_lp_answer_does_not_depend_on_the_solver_path(monkeypatch):
    """The island LPs of a few ensemble replicates (generation first, short of
    interceptors; whole ukraine network) give the same answer by HiGHS's dual simplex
    (the default) and its primal simplex: the tie rule's face does not depend on the
    vertex reached. At HiGHS's default dual tolerance (1e-7, the rule's before 7 Dec
    2026) the same LPs move by megawatts: the data has the near-ties the test is about."""
    from pathlib import Path

    from gridmodel.outage import lp
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.studies import ensemble

    calls = []
    solve = lp.solve_island

    def record(*args):
        calls.append(args)
        return solve(*args)

    monkeypatch.setattr(lp, "solve_island", record)
    pattern = load_pattern(Path(__file__).parents[1] / "examples" / "patterns"
                           / "generation_first_interceptor_short.toml")
    ensemble.run(pattern, 10, seed=2026, progress=False)
    monkeypatch.setattr(lp, "solve_island", solve)
    assert len(calls) >= 100, "too few LPs: the test checks little"
    primal = {"simplex_strategy": lp.PRIMAL_SIMPLEX}
    moved = _moves(_answers_on_path(calls, {}), _answers_on_path(calls, primal))
    assert moved.max() <= 1e-6, f"{int((moved > 1e-6).sum())} of {len(calls)} LPs moved"
    monkeypatch.setattr(lp, "LP_DUAL_FEASIBILITY_TOL", lp.FALLBACK_DUAL_TOL)
    loose = {"dual_feasibility_tolerance": lp.FALLBACK_DUAL_TOL}
    moved = _moves(_answers_on_path(calls, loose), _answers_on_path(calls, {**loose, **primal}))
    assert (moved > 1.0).any(), "no near-tie in these LPs: the first check proves nothing"


class _FakeHighs:
    """A HiGHS stand-in: each run ends in the next (status, dual infeasibility)."""

    def __init__(self, runs):
        from gridmodel.outage import lp

        self.runs = iter(runs)
        self.options = {"dual_feasibility_tolerance": lp.LP_DUAL_FEASIBILITY_TOL,
                        "simplex_strategy": 1}
        self.log, self.now = [], None

    def setOptionValue(self, name, value):  # noqa: N802 (HiGHS's names)
        self.options[name] = value

    def getOptionValue(self, name):  # noqa: N802
        return None, self.options[name]

    def clearSolver(self):  # noqa: N802
        self.log.append("cold")

    def run(self):
        self.log.append((self.options["simplex_strategy"],
                         self.options["dual_feasibility_tolerance"]))
        self.now = next(self.runs)

    def getModelStatus(self):  # noqa: N802
        return self.now[0]

    def getInfo(self):  # noqa: N802
        from types import SimpleNamespace

        return SimpleNamespace(max_dual_infeasibility=self.now[1])


def test_lp_without_a_certified_optimum_starts_again_by_the_primal_simplex():
    """An answer HiGHS calls optimal above the tolerance, or no certified optimum (not a
    proof of infeasibility), runs again from scratch by the primal simplex, then at the
    default tolerance (and the tie rule's zero with it); the options are restored for
    the next LP."""
    from gridmodel.outage import lp

    ok, unknown, infeasible = (lp._hc.HighsModelStatus.kOptimal,
                               lp._hc.HighsModelStatus.kUnknown,
                               lp._hc.HighsModelStatus.kInfeasible)
    tight, loose = lp.LP_DUAL_FEASIBILITY_TOL, lp.FALLBACK_DUAL_TOL
    primal = lp.PRIMAL_SIMPLEX
    cases = [
        ([(ok, 0.0)], tight, [(1, tight)]),
        ([(ok, 4e-9), (ok, 0.0)], tight, [(1, tight), "cold", (primal, tight)]),
        ([(ok, 4e-9), (ok, 4e-9), (ok, 0.0)], loose,  # the retry not certified either
         [(1, tight), "cold", (primal, tight), (1, loose)]),
        ([(unknown, 0.0), (ok, 0.0)], tight, [(1, tight), "cold", (primal, tight)]),
        ([(unknown, 0.0), (unknown, 0.0), (ok, 0.0)], loose,
         [(1, tight), "cold", (primal, tight), (1, loose)]),
        ([(unknown, 0.0), (unknown, 0.0), (infeasible, 0.0)], None,
         [(1, tight), "cold", (primal, tight), (1, loose)]),
        ([(infeasible, 0.0)], None, [(1, tight)]),  # a proof: no second try
    ]
    for runs, want, log in cases:
        h = _FakeHighs(runs)
        assert lp._run_optimal(h) == want
        assert h.log == log
        assert h.options == {"dual_feasibility_tolerance": tight, "simplex_strategy": 1}
    # the face's zero follows the tolerance the optimum is certified at
    assert lp._face_tol(tight) == lp.TIE_DUAL_TOL
    assert lp._face_tol(loose) == pytest.approx(10 * loose)
    assert lp.TIE_DUAL_TOL == pytest.approx(10 * tight)  # the rule's ten times, shipped


def test_lp_with_no_feasible_answer_keeps_the_proportional_one():
    """Two parallel branches, one shifting phase by 0.1 rad: a transfer ``P`` from bus 0
    loads them ``(P - 100) / 2`` and ``(P + 100) / 2`` MW (b = 10 pu on 100 MVA), so no
    ``P`` keeps both within 10 MW; HiGHS proves the LP infeasible and the island keeps
    the proportional answer (None), at once (a proof needs no second try)."""
    from gridmodel.outage import lp

    got = lp.solve_island(
        bus=np.array([0, 1]), br_from=np.array([0, 0]), br_to=np.array([1, 1]),
        b_pu=np.array([10.0, 10.0]), shift_rad=np.array([0.1, 0.0]), base_mva=100.0,
        rating_mw=np.array([10.0, 10.0]), src_bus=np.array([0]), cap_mw=np.array([100.0]),
        g0_mw=np.array([20.0]), load_bus=np.array([1]), conn_mw=np.array([20.0]),
        s0_mw=np.array([20.0]), weight=np.array([10.0]))
    assert got is None
    assert lp._SOLVERS.lp.getModelStatus() == lp._hc.HighsModelStatus.kInfeasible



def test_an_island_whose_lp_has_no_optimum_says_so_and_keeps_its_answer():
    """A 10 MVA phase-shifting transformer (10 degrees) beside a stiff 50 MW line from A to
    B: the shift alone drives about 17 MW round the loop, so no dispatch keeps the
    transformer within its rating and the LP is infeasible. Both engines warn, naming
    the transformer and its loading, and keep the answer without line limits (B served)."""
    from gridmodel.errors import LineLimitWarning

    net = build_net(buses=[("A", "sub:a", 110.0), ("B", "sub:b", 110.0)],
                    lines=[("line:ab", "A", "B", 1.0, 50.0)],
                    gens=[("plant:a", "A", 200.0, "thermal")],
                    loads=[("load:b", "B", 20.0, "residential", "test")],
                    trafos=[("trafo:ps", "A", "B", 10.0, 10.0)])
    net.trafo["shift_degree"] = 10.0
    want = simulate_outage(net, {}, engine="fast", ac=False, overload_threshold=2.5,
                           line_limits=False).branches.set_index("asset_id")["loading"]
    assert want["trafo:ps"] > 1.5  # the circulating flow alone
    for engine in ("pandapower", "fast"):
        with pytest.warns(LineLimitWarning,
                          match=rf"status Infeasible.*trafo:ps \({want['trafo:ps']:.0%}\)"):
            res = simulate_outage(net, {}, engine=engine, ac=False, overload_threshold=2.5)
        assert res.shed_mw == pytest.approx(0.0, abs=TOL)
        got = res.branches.set_index("asset_id")["loading"]
        np.testing.assert_allclose(got[want.index], want, atol=1e-9)
        assert len(res.model_warnings) == 1  # kept with the result too
        assert "trafo:ps (172%)" in res.model_warnings[0]


def test_a_timeline_keeps_the_model_warnings_of_its_steps():
    """The phase-shifter loop above, hour by hour: every step's LP is infeasible, so the
    timeline says it once (the same message each hour), on both engines' paths; a
    timeline computed in full says nothing."""
    from gridmodel.errors import LineLimitWarning
    from gridmodel.outage.fast import compile_cached
    from gridmodel.outage.timeline import simulate_outages
    from gridmodel.pipeline import _window_timeline

    net = build_net(buses=[("A", "sub:a", 110.0), ("B", "sub:b", 110.0)],
                    lines=[("line:ab", "A", "B", 1.0, 50.0)],
                    gens=[("plant:a", "A", 200.0, "thermal")],
                    loads=[("load:b", "B", 20.0, "residential", "test")],
                    trafos=[("trafo:ps", "A", "B", 10.0, 10.0)])
    calm = copy.deepcopy(net)
    net.trafo["shift_degree"] = 10.0
    for engine, kw in (("pandapower", {}), ("fast", {"compiled": compile_cached(net)})):
        with pytest.warns(LineLimitWarning):
            tl = simulate_outages(net, None, start="2026-01-09T00:00+02:00", horizon_h=3,
                                  engine=engine,
                                  engine_kwargs={**kw, "overload_threshold": 2.5})
        assert len(tl.model_warnings) == 1, engine
        assert "status Infeasible" in tl.model_warnings[0]
        assert "trafo:ps" in tl.model_warnings[0]
        # a resumed run's window of the timeline keeps them (they are not dated)
        t1 = pd.Timestamp("2026-01-09T01:00+02:00")
        assert _window_timeline(tl, t1, t1.date()).model_warnings == tl.model_warnings
    quiet = simulate_outages(calm, None, start="2026-01-09T00:00+02:00", horizon_h=3,
                             engine="fast", engine_kwargs={"compiled": compile_cached(calm)})
    assert quiet.model_warnings == ()


def test_model_warnings_are_recorded_per_thread_and_nested_blocks():
    """:func:`~gridmodel.errors.recording_model_warnings` collects only its own thread's
    warnings (replicates run side by side in a Dask worker's threads), an outer block
    sees an inner block's too, and the record does not depend on the filters."""
    import threading
    import warnings

    from gridmodel.errors import _RECORDING, ModelWarning, recording_model_warnings, warn_model

    got = {}
    start = threading.Barrier(2)

    def replicate(name):
        with recording_model_warnings() as said:
            start.wait()
            for k in range(50):
                warn_model(f"{name} {k}")
        got[name] = [str(w) for w in said]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        threads = [threading.Thread(target=replicate, args=(n,)) for n in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with recording_model_warnings() as outer:
            with recording_model_warnings() as inner:
                warn_model("inner")
            warn_model("outer")
        # an inner block as empty as its outer one (equal lists) closes itself only
        with recording_model_warnings() as outer2:
            with recording_model_warnings() as clean:
                pass
            with recording_model_warnings():
                warn_model("later")
    assert got == {n: [f"{n} {k}" for k in range(50)] for n in "ab"}
    assert [str(w) for w in inner] == ["inner"]
    assert [str(w) for w in outer] == ["inner", "outer"]
    assert clean == []
    assert [str(w) for w in outer2] == ["later"]
    assert not getattr(_RECORDING, "lists", [])


@pytest.mark.parametrize("lean", [True, False])
def test_timeline_line_limits_option(lean):
    """``engine_kwargs={"line_limits": False}`` keeps the proportional balance in a
    timeline (on the array path and on the per-run reference alike); by default the tie
    into B (50 MW for 100 MW of demand, trip loading 2.5) makes the LP shed load."""
    from gridmodel.outage.timeline import simulate_outages

    def shed(**kw):
        res = simulate_outages(_two_bus(), None, start="2026-02-03T00:00+02:00", horizon_h=3,
                               engine="fast", ac=False, blackouts=False, _lean=lean,
                               engine_kwargs={"overload_threshold": 2.5, **kw})
        return res.loads.groupby("time")["shed_mw"].sum().to_numpy()

    with_limits, without = shed(), shed(line_limits=False)
    assert (with_limits > 30.0).all()  # B's demand above the tie's 50 MW is shed
    assert (without == 0.0).all()
