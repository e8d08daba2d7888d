"""Outage engine benchmark: plain pandapower loop vs the compiled fast path.

Draws 200 strike lists (1 to 10 targets each, uniform over substations, lines,
transformers and plants, seeded) on the ``ukraine`` network (falls back to pandapower's
``case300`` with tightened ratings if ``ukraine`` cannot be loaded, and says so), and runs
each through

(a) a plain loop: deep copy of the net, strikes set out of service, islands
    (``connected_components``), the shared balance, one ``pandapower.rundcpp`` per
    cascade round with the same overload rule;
(b) the fast path: ``gridmodel.outage.fast.evaluate`` on a network compiled once
    (numba kernel, low-rank update of the intact inverse), with the proportional balance
    (``line_limits=False``, the rule of (a));
(c) the fast path with the transmission-constrained balance (the default
    ``line_limits=True``): where a branch ends above its continuous rating, the LP of
    :mod:`gridmodel.outage.lp` in the Python round loop;

checks that flows and shed MW of (a) and (b) agree, and prints the median time per scenario of each
and the ratio (a)/(b); then, on the strike sets where a limit binds (their share is
printed), the median time of (c) against (b) in the same run and the MW (c) sheds more.
Each method runs over all scenarios in one pass (as an ensemble
does); passes alternate ``--repeats`` times and each scenario keeps its best time.
Compilation is reported separately and excluded from the ratio.

Then the public API against the frozen baseline (:mod:`_baseline`, commit e165e52): on
``ukraine``, each side in a fresh subprocess draws ``--n`` strike lists with the same
seed on its own network, warms up once, and times (CPU time of the process, which the
other processes of a shared machine disturb less than the wall clock) per strike list
the public call
``simulate_outage(net, outages, engine="fast", ac=False)`` plus reading what a user reads
of the result (:data:`USER_READS`: the totals, the per-load and the per-oblast tables);
baseline and current runs alternate ``--api-repeats`` times, each scenario keeps its best
time, and the ratio of the medians is printed, with the rule of e165e52 (the proportional
balance, ``line_limits=False``) and with today's default (the LP where a line limit
binds, a rule e165e52 did not have), and once reading every table. ``--skip-api`` leaves
this part out.

``--large`` adds the large pandapower cases (case2869pegase, case9241pegase, tightened
ratings: deep cascades): the fast path with its default factor (a sparse LU above
``DENSE_MAX_BUS`` buses) against the plain loop (a), each in its own subprocess, with the
compile time apart and the fast subprocess's peak memory (``ru_maxrss``); then the
crossover of the factor's two stores (dense inverse, sparse LU) on case300,
case1354pegase and case2869pegase.

Run: ``python benchmarks/bench_outage.py [--n 200] [--seed 2026] [--network ukraine]
[--large]``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
import warnings

import numpy as np


def load(name: str):
    """The benchmark network and a note on where it came from."""
    if name == "ukraine":
        try:
            import gridmodel

            return gridmodel.load_network("ukraine"), "ukraine"
        except Exception as exc:  # report and fall back, the benchmark must still run
            note = f"ukraine not loadable ({type(exc).__name__}: {exc}); using case300"
            print(note, file=sys.stderr)
            name = "case300"
    from gridmodel.outage._cases import pandapower_case

    return pandapower_case(name, seed=0, tighten=1.3), f"{name} (tightened ratings)"


def baseline(net, model, outages, max_rounds=20, threshold=1.0):
    """(a): copy + out of service + islands + balance + one rundcpp per cascade round."""
    from gridmodel.outage._model import apply_outages
    from gridmodel.outage.balance import allocate_import_cap, balance_islands
    from gridmodel.outage.cascade import dc_loading, trip_round
    from gridmodel.outage.islands import island_labels
    from gridmodel.outage.powerflow import PandapowerFlow

    state = apply_outages(model, outages)
    flow = PandapowerFlow(net, model, state)  # deep copy of the net, prepared
    cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
    br_alive = state.br_alive.copy()
    tripped = np.full(model.n_branch, -1, dtype=np.int64)
    log: list = []
    rounds = 0
    while True:
        n_isl, labels = island_labels(model.n_bus, model.br_from, model.br_to, br_alive,
                                      state.bus_alive)
        load_isl = np.where(state.load_alive, labels[model.load_bus], -1)
        bal = balance_islands(n_isl, labels[model.src_bus], cap, load_isl,
                              state.load_demand_mw, model.load_tier, state.load_connectable)
        fr = flow.flow(labels, bal, br_alive, cap, ac=False)
        live = br_alive & (labels[model.br_from] >= 0)
        live &= bal.energised[np.maximum(labels[model.br_from], 0)]
        loading = np.where(live, dc_loading(fr.p_from_mw, state.br_rating_mw), 0.0)
        rounds, status = trip_round(loading, live, threshold, rounds, max_rounds,
                                    model.br_asset, br_alive, tripped, log)
        if status is not None:
            break
    return fr.p_from_mw, float(bal.shed_mw.sum()), rounds


def _report_limits(res_b, res_c, t_c, t_b) -> None:
    """Print the share of strike sets where a limit binds and (c)'s cost on them."""
    from gridmodel.outage.lp import limit_binds

    binds = [i for i, ev in enumerate(res_b) if limit_binds(ev.loading)]
    n = len(res_b)
    print(f"(c) constrained balance (LP where a limit binds): limits bind in {len(binds)} "
          f"of {n} strike sets ({100.0 * len(binds) / n:.0f} %)")
    if not binds:
        return
    med_c = statistics.median(t_c[i] for i in binds)
    med_b = statistics.median(t_b[i] for i in binds)
    extra = [res_c[i].shed_mw - res_b[i].shed_mw for i in binds]
    over = max(float(res_c[i].loading.max(initial=0.0)) for i in binds)
    print(f"    on those sets: median {med_c * 1e3:.2f} ms/scenario against "
          f"{med_b * 1e6:.1f} us proportional ({med_c / med_b:.0f}x); extra shed "
          f"median {statistics.median(extra):.1f} MW, max {max(extra):.1f} MW; highest "
          f"loading after the LP {over:.3f}")


#: what the public-API timing reads of each result: a user's totals and tables
USER_READS = ("demand_mw", "served_mw", "shed_mw", "n_islands", "loads", "oblasts")
#: every table of an OutageResult (the same at e165e52)
ALL_TABLES = ("islands", "loads", "oblasts", "branches", "cascade_log", "sources")

#: run in a subprocess on the baseline checkout and on this tree (``_baseline``)
_API_CODE = """
import json, statistics, time, warnings
import numpy as np
import gridmodel
from gridmodel.outage import simulate_outage
from gridmodel.outage._cases import random_strikes

net = gridmodel.load_network("ukraine")
scenarios = random_strikes(net, {n}, np.random.default_rng({seed}))
kwargs = json.loads({kwargs!r})
reads = {reads!r}
warnings.simplefilter("ignore")
res = simulate_outage(net, scenarios[0], engine="fast", ac=False, **kwargs)  # compile
for name in reads:
    getattr(res, name)
best = [float("inf")] * len(scenarios)
for _ in range({passes}):
    for i, outages in enumerate(scenarios):
        t = time.process_time()
        res = simulate_outage(net, outages, engine="fast", ac=False, **kwargs)
        for name in reads:
            getattr(res, name)
        best[i] = min(best[i], time.process_time() - t)
print(json.dumps({{"best_s": best}}))
"""


def _api_code(n: int, seed: int, reads, kwargs: dict, passes: int = 2) -> str:
    """The subprocess code of :func:`public_api` for one side."""
    import json

    return _API_CODE.format(n=n, seed=seed, reads=tuple(reads), kwargs=json.dumps(kwargs),
                            passes=passes)


def public_api(n: int, seed: int, repeats: int) -> None:
    """Time the public call plus the reads of :data:`USER_READS` (and of every table) on
    e165e52 and on this tree, interleaved, and print the ratios (see the module text)."""
    from _baseline import BASELINE_COMMIT, run_baseline, run_current

    cases = [("the rule of e165e52 (line_limits=False)", USER_READS, {"line_limits": False}),
             ("every table read, line_limits=False", USER_READS + ALL_TABLES,
              {"line_limits": False}),
             ("today's default (LP where a limit binds)", USER_READS, {})]
    print(f"public simulate_outage(engine='fast') + reads, {n} strike lists, against "
          f"{BASELINE_COMMIT} (subprocesses, alternating, best of {repeats} x 2 passes):")
    for what, reads, kwargs in cases:
        t_base = [float("inf")] * n
        t_cur = [float("inf")] * n
        for _ in range(repeats):
            base = run_baseline(_api_code(n, seed, reads, {}))["best_s"]
            cur = run_current(_api_code(n, seed, reads, kwargs))["best_s"]
            t_base = [min(a, b) for a, b in zip(t_base, base, strict=True)]
            t_cur = [min(a, b) for a, b in zip(t_cur, cur, strict=True)]
        med_b, med_c = statistics.median(t_base), statistics.median(t_cur)
        print(f"  {what}: {BASELINE_COMMIT} median {med_b * 1e3:.2f} ms, now "
              f"{med_c * 1e3:.3f} ms ({med_b / med_c:.1f}x)")


#: the large cases: the fast path against the pandapower loop, each side in a subprocess
LARGE_CASES = ("case2869pegase", "case9241pegase")
#: the crossover of the intact factor's two stores (dense inverse, sparse LU)
CROSSOVER_CASES = ("case300", "case1354pegase", "case2869pegase")

_LARGE_FAST = """
import json, resource, time, warnings
import numpy as np
from gridmodel.outage._cases import pandapower_case, random_strikes
from gridmodel.outage.fast import compile_network, evaluate

warnings.simplefilter("ignore")
net = pandapower_case({case!r}, seed=0, tighten=1.3)
scenarios = random_strikes(net, {n}, np.random.default_rng({seed}))
t = time.perf_counter()
compiled = compile_network(net, factor={factor!r})
evaluate(compiled, scenarios[0], line_limits=False)  # numba kernel loaded or compiled
compile_s = time.perf_counter() - t
best = [float("inf")] * len(scenarios)
for _ in range({passes}):
    for i, outages in enumerate(scenarios):
        t = time.process_time()
        evaluate(compiled, outages, line_limits=False)
        best[i] = min(best[i], time.process_time() - t)
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"compile_s": compile_s, "best_s": best, "maxrss_kb": rss_kb,
                  "n_bus": compiled.n_bus, "n_branch": compiled.n_branch}}))
"""

_LARGE_PP = """
import json, sys, time, warnings
import numpy as np
sys.path.insert(0, {bench_dir!r})
from bench_outage import baseline
from gridmodel.outage._cases import pandapower_case, random_strikes
from gridmodel.outage._model import build_model
from gridmodel.outage.fast import compile_network, evaluate

warnings.simplefilter("ignore")
net = pandapower_case({case!r}, seed=0, tighten=1.3)
scenarios = random_strikes(net, {n}, np.random.default_rng({seed}))[:{n_pp}]
model = build_model(net)
compiled = compile_network(net)
best, worst_p, worst_shed, rounds = [], 0.0, 0.0, []
for outages in scenarios:
    t = time.process_time()
    p, shed, r = baseline(net, model, outages)
    best.append(time.process_time() - t)
    ev = evaluate(compiled, outages, line_limits=False)
    worst_p = max(worst_p, float(np.abs(p - ev.p_from_mw).max(initial=0.0)))
    worst_shed = max(worst_shed, abs(shed - ev.shed_mw))
    rounds.append(r)
print(json.dumps({{"best_s": best, "worst_p": worst_p, "worst_shed": worst_shed,
                  "rounds": rounds}}))
"""


def large_cases(n: int, n_pp: int, seed: int, passes: int = 2) -> bool:
    """The fast path (default factor) against the pandapower loop on :data:`LARGE_CASES`,
    then the two factor stores on :data:`CROSSOVER_CASES`; prints the figures, returns
    whether the engines agree to 1e-6 MW."""
    from pathlib import Path

    from _baseline import run_current

    bench_dir = str(Path(__file__).resolve().parent)
    ok = True
    print(f"large cases (tightened ratings, {n} strike lists, seed {seed}; pandapower loop "
          f"on the first {n_pp}; CPU time, each side in its own subprocess):")
    for case in LARGE_CASES:
        fast = run_current(_LARGE_FAST.format(case=case, n=n, seed=seed, factor="auto",
                                              passes=passes))
        pp_ = run_current(_LARGE_PP.format(case=case, n=n, seed=seed, n_pp=n_pp,
                                           bench_dir=bench_dir))
        med_fast = statistics.median(fast["best_s"])
        med_fast_same = statistics.median(fast["best_s"][:n_pp])
        med_pp = statistics.median(pp_["best_s"])
        agree = pp_["worst_p"] <= 1e-6 and pp_["worst_shed"] <= 1e-6
        ok &= agree
        print(f"  {case}: {fast['n_bus']} buses, {fast['n_branch']} branches; compile "
              f"(excluded) {fast['compile_s']:.2f} s; fast median {med_fast * 1e3:.2f} ms "
              f"({med_fast_same * 1e3:.2f} on the first {n_pp}); pandapower loop median "
              f"{med_pp * 1e3:.0f} ms (cascade rounds median "
              f"{statistics.median(pp_['rounds']):g}); ratio {med_pp / med_fast_same:.0f}x; "
              f"peak memory of the fast subprocess {fast['maxrss_kb'] / 1024:.0f} MB; "
              f"agreement {pp_['worst_p']:.1e} MW flow, {pp_['worst_shed']:.1e} MW shed")
    print("crossover of the intact factor (fast path, median per strike list; the default "
          "is dense up to DENSE_MAX_BUS buses):")
    for case in CROSSOVER_CASES:
        row = []
        for factor in ("dense", "sparse"):
            res = run_current(_LARGE_FAST.format(case=case, n=n, seed=seed, factor=factor,
                                                 passes=passes))
            row.append(f"{factor} {statistics.median(res['best_s']) * 1e3:.2f} ms "
                       f"(compile {res['compile_s']:.2f} s, "
                       f"{res['maxrss_kb'] / 1024:.0f} MB)")
        print(f"  {case} ({res['n_bus']} buses): " + "; ".join(row))
    return ok


def main(argv=None) -> int:
    """Run the benchmark and print the figures; exit code 1 if the engines disagree."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="number of strike lists")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--network", default="ukraine")
    ap.add_argument("--repeats", type=int, default=2, help="alternating passes per method")
    ap.add_argument("--api-repeats", type=int, default=2,
                    help="alternating baseline/current subprocess pairs of the API timing")
    ap.add_argument("--skip-api", action="store_true",
                    help="leave out the public-API timing against e165e52")
    ap.add_argument("--large", action="store_true",
                    help="also time case2869pegase and case9241pegase against the "
                         "pandapower loop, and the factor crossover")
    ap.add_argument("--large-n", type=int, default=40,
                    help="strike lists of the fast path on the large cases")
    ap.add_argument("--large-pp", type=int, default=8,
                    help="of those, how many the pandapower loop runs (about 15 s each on "
                         "case9241pegase)")
    args = ap.parse_args(argv)

    from gridmodel.outage._cases import random_strikes
    from gridmodel.outage._model import build_model
    from gridmodel.outage.fast import compile_network, evaluate

    net, label = load(args.network)
    scenarios = random_strikes(net, args.n, np.random.default_rng(args.seed))
    t0 = time.perf_counter()
    compiled = compile_network(net)
    evaluate(compiled, scenarios[0])  # numba: load or compile the kernel once
    t_compile = time.perf_counter() - t0
    model = build_model(net)
    copy.deepcopy(net)  # warm caches of the baseline too
    threshold = float(compiled.extra.get("trip_loading", 1.0))  # the network's trip loading

    # each method runs over all scenarios in its own pass (as an ensemble would), and the
    # passes alternate so that machine noise hits every method alike
    t_a = [[] for _ in scenarios]
    t_b = [[] for _ in scenarios]
    t_s = [[] for _ in scenarios]
    t_c = [[] for _ in scenarios]
    res_a, res_b, res_c = ([None] * len(scenarios) for _ in range(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rep in range(args.repeats):
            for i, scen in enumerate(scenarios):
                t = time.perf_counter()
                out = baseline(net, model, scen, threshold=threshold)
                t_a[i].append(time.perf_counter() - t)
                res_a[i] = out
            for i, scen in enumerate(scenarios):
                t = time.perf_counter()
                ev = evaluate(compiled, scen, overload_threshold=threshold, line_limits=False)
                t_b[i].append(time.perf_counter() - t)
                res_b[i] = ev
            for i, scen in enumerate(scenarios):
                t = time.perf_counter()
                res_c[i] = evaluate(compiled, scen, overload_threshold=threshold)
                t_c[i].append(time.perf_counter() - t)
            for i, scen in enumerate(scenarios):
                t = time.perf_counter()
                evaluate(compiled, scen, overload_threshold=threshold, solver="splu",
                         line_limits=False)
                t_s[i].append(time.perf_counter() - t)
            del rep
    worst_p, worst_shed = 0.0, 0.0
    rounds = []
    for (p_a, shed_a, r), ev in zip(res_a, res_b, strict=True):
        worst_p = max(worst_p, float(np.abs(p_a - ev.p_from_mw).max(initial=0.0)))
        worst_shed = max(worst_shed, abs(shed_a - ev.shed_mw))
        rounds.append(r)
    # per scenario: the best of the repeats (least disturbed); then the median over scenarios
    t_a, t_b, t_s = ([min(x) for x in t] for t in (t_a, t_b, t_s))
    med_a, med_b, med_s = (statistics.median(x) for x in (t_a, t_b, t_s))
    print(f"network: {label}: {model.n_bus} buses, {model.n_branch} branches, "
          f"{len(model.src_bus)} sources, {len(model.load_bus)} loads")
    print(f"scenarios: {len(scenarios)} strike lists of 1-10 targets (seed {args.seed}), "
          f"trip loading {threshold:g}; "
          f"cascade rounds: median {statistics.median(rounds):g}, max {max(rounds)}")
    print(f"compile (once, excluded): {t_compile * 1e3:.1f} ms")
    print(f"(a) copy + out of service + islands + balance + rundcpp per round: "
          f"median {med_a * 1e3:.2f} ms/scenario")
    print(f"(b) fast path (numba low-rank kernel): median {med_b * 1e6:.1f} us/scenario")
    print(f"    fast path with the scipy splu solver: median {med_s * 1e6:.1f} us/scenario")
    print(f"ratio (a)/(b): {med_a / med_b:.0f}x   (a)/splu: {med_a / med_s:.0f}x")
    print(f"agreement: max |flow difference| {worst_p:.2e} MW, "
          f"max |shed difference| {worst_shed:.2e} MW")
    _report_limits(res_b, res_c, [min(x) for x in t_c], t_b)
    ok = worst_p <= 1e-6 and worst_shed <= 1e-6
    if not ok:
        print("DISAGREEMENT above 1e-6 MW", file=sys.stderr)
    if not args.skip_api:
        public_api(args.n, args.seed, args.api_repeats)
    if args.large:
        ok &= large_cases(args.large_n, args.large_pp, args.seed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
