"""Benchmark: an ensemble of a 500-weapon strike pattern on ukraine + Kyiv heat.

Runs ``N`` replicates (default 1,000) of a 500-weapon pattern (40 cruise, 30 ballistic,
430 drones, generation-first doctrine, reported air defence, 168 h horizon, Kyiv heat
layer) through :func:`gridmodel.studies.ensemble.run` with ``W`` worker processes (default
2) and prints replicates per second. First (``--vs-baseline K``, default 20) one
replicate's CPU time against the frozen baseline commit's (``_baseline.py``): the same
``K`` replicates in interleaved passes (``--passes``, default 5), and the metrics that
rules added since then moved; a third arm runs this tree with ``[run] line_limits =
false`` (without the line-limit LP, a rule the baseline did not have). After the ensemble,
the first ``B`` replicates (default 3) go through the same chain with the plain pandapower
engine (DC, ``engine="pandapower"``, one process) for the ratio, and their metrics are
checked against the ensemble rows. Finally it says whether 10,000 replicates would finish
in under 5 minutes at the measured rate. Last, ``--floor K`` (default 20; 0 skips)
profiles ``K`` replicates and prints the time spent inside compiled solvers (HiGHS,
SuperLU, DAQP and the numba kernels), the part that no removal of Python or pandas
bookkeeping can take away, and the ratio to the baseline's replicate it leaves at best.
``--stages K`` (default 0: skipped) times the chain's steps over ``K`` replicates in one
process (each step's own CPU time, its sub-steps apart): the table of docs/ensembles.md.

Usage::

    python benchmarks/bench_ensemble.py [--n 1000] [--workers 2] [--baseline 3]
                                        [--vs-baseline 20] [--passes 5] [--floor 20]
                                        [--stages 0]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import importlib
import pkgutil
import pstats
import sys
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np

from gridmodel.pipeline import run_chain
from gridmodel.strikes.patterns import pattern_from_dict, sample_night
from gridmodel.studies import ensemble
from gridmodel.studies.ensemble import METRICS, metric_values
from gridmodel.studies.ensemble import pattern_context as build_context

PATTERN = {
    "name": "bench-500",
    "description": "500 weapons, generation first, reported air defence [C] illustrative",
    "salvo": {"cruise": 40, "ballistic": 30, "drone": 430},
    "night": {"first": "2026-02-03T01:00+02:00", "last": "2026-02-03T07:00+02:00"},
    "air_defence": {"preset": "reported"},
    "doctrine": {"preset": "generation_first"},
    "run": {"start": "2026-02-03T00:00+02:00", "horizon_h": 168, "heat_layer": "kyiv"},
}
SEED = 2026


def baseline(pattern, n: int, frame) -> float:
    """Seconds per replicate through the pandapower engine (one process)."""
    ctx = build_context(pattern.run)
    t0 = time.perf_counter()
    worst = 0.0
    for i in range(n):
        rng = np.random.default_rng(ensemble.child_seed(SEED, i))
        night = sample_night(pattern, ctx.net, rng)
        tseed = int(rng.integers(0, 2**31 - 1))
        row = metric_values(run_chain(ctx, night, tseed, engine="pandapower"), ctx)
        want = frame.iloc[i]
        for m in METRICS:
            a, b = float(row[m]), float(want[m])
            if np.isfinite(a) and np.isfinite(b):
                worst = max(worst, abs(a - b) / max(abs(b), 1.0))
    dt = (time.perf_counter() - t0) / n
    print(f"pandapower path: {n} replicates, {dt:.2f} s per replicate (1 process); largest "
          f"relative metric difference to the fast ensemble rows: {worst:.1e}")
    return dt


#: rules added since the frozen baseline that move a replicate's metrics (named, issue #15)
RULES_SINCE_BASELINE = (
    "transmission-constrained balance (outage.lp), nuclear response to frequency, dated "
    "import caps, per-area rolling-blackout queues, heat-only CHP operation, standby units, "
    "the network's GridKit joints kept, building stops judged segment by segment with a node "
    "outage's whole length, a failed refill's repair kept through a new drain")


def _replicate_cpu_code(k: int, pattern: dict = PATTERN) -> str:
    """Code printing the CPU time of ``k`` replicates of ``pattern`` in one process
    (context built and kernels compiled before the clock starts) and the mean of each
    metric, as JSON; the same code runs on the baseline checkout and on this tree."""
    return f"""
import json, time, warnings
warnings.simplefilter("ignore")
from gridmodel.strikes.patterns import pattern_from_dict
try:
    from gridmodel.studies import ensemble
    from gridmodel.studies.ensemble import METRICS
except ImportError:  # the baseline's layout
    from gridmodel import ensemble
    from gridmodel.ensemble_replicate import METRICS
p = pattern_from_dict({pattern!r})
ensemble.run(p, 1, seed={SEED}, progress=False)
t = time.process_time()
f = ensemble.run(p, {k}, seed={SEED}, progress=False).frame
cpu = time.process_time() - t
print(json.dumps({{"cpu_s": cpu, "n": {k}, "ok": int((f["status"] == "ok").sum()),
                  "metrics": {{m: float(f[m].mean()) for m in METRICS}}}}))
"""


def versus_baseline(k: int, passes: int = 5) -> float:
    """One replicate's CPU time here against the frozen baseline's, interleaved passes;
    returns the baseline's [ms].

    Each side's figure is its best pass (the least disturbed by other load); every pass's
    own ratio is printed too, so the spread that load on the machine gives shows."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _baseline import BASELINE_COMMIT, run_baseline, run_current

    # this tree without the line-limit LP ([run] line_limits = false): e165e52's balance
    # rule, so the ratio shows what the LP, a rule the baseline did not have, costs
    no_lp = {**PATTERN, "run": {**PATTERN["run"], "line_limits": False}}
    base, cur, off = [], [], []
    for _ in range(passes):
        base.append(run_baseline(_replicate_cpu_code(k)))
        cur.append(run_current(_replicate_cpu_code(k)))
        off.append(run_current(_replicate_cpu_code(k, no_lp)))
    b = min(r["cpu_s"] for r in base) / k
    for label, runs in (("this tree", cur), ("this tree with [run] line_limits = false", off)):
        c = min(r["cpu_s"] for r in runs) / k
        word, factor = ("cheaper", b / c) if c <= b else ("dearer", c / b)
        print(f"one replicate (best of {passes} interleaved passes of {k}, CPU): "
              f"{BASELINE_COMMIT} {b * 1e3:.1f} ms, {label} {c * 1e3:.1f} ms -> "
              f"{factor:.2f}x {word}")
        ratios = ", ".join(f"{r['cpu_s'] / q['cpu_s']:.2f}"
                           for r, q in zip(base, runs, strict=True))
        print(f"  {BASELINE_COMMIT} / {label}, pass by pass: {ratios}")
    mb, mc = base[0]["metrics"], cur[0]["metrics"]
    moved = [m for m in mb if m in mc and not np.isclose(mb[m], mc[m], rtol=1e-9,
                                                         equal_nan=True)]
    print(f"metrics of the same {k} replicates: {len(mb) - len(moved)} identical, "
          f"{len(moved)} moved by rules added since {BASELINE_COMMIT} ({RULES_SINCE_BASELINE})")
    for m in moved:
        print(f"  {m}: {mb[m]:,.4g} -> {mc[m]:,.4g}")
    return b * 1e3


#: compiled code outside gridmodel whose time counts to the floor (cProfile's names)
COMPILED_SOLVERS = {"HiGHS simplex": "scipy.optimize._highspy._core.run",
                    "SuperLU solves": "'solve' of 'SuperLU'"}


def _numba_kernels() -> set[tuple[str, str]]:
    """``(file, name)`` of every numba-compiled function of gridmodel (cProfile keys them
    by their Python source)."""
    from numba.core.registry import CPUDispatcher

    import gridmodel

    out = set()
    for info in pkgutil.walk_packages(gridmodel.__path__, "gridmodel."):
        try:
            mod = importlib.import_module(info.name)
        except ImportError:  # an optional extra (e.g. a plotting module) not installed
            continue
        for obj in vars(mod).values():
            if isinstance(obj, CPUDispatcher):
                code = obj.py_func.__code__
                out.add((code.co_filename, code.co_name))
    return out


def _warm_pattern():
    """The benchmark's pattern, after one replicate in this process has compiled the
    kernels and filled the caches (so what is timed next is the steady state)."""
    pattern = pattern_from_dict(PATTERN)
    ensemble.run(pattern, 1, seed=SEED, workers=1, progress=False)
    return pattern


def solver_floor(k: int, baseline_ms: float | None) -> None:
    """CPU a replicate spends inside compiled solvers, by cProfile over ``k`` replicates.

    Counted: the numba kernels' own time, HiGHS's ``run`` and SuperLU's ``solve``, and the
    tie rule's QP (``outage.lp._face_qp``, whose own time is DAQP's solve and a few array
    lines). The profiler slows Python code, not the inside of these calls, so their sum is
    what a replicate would still cost if every line of Python and pandas around them cost
    nothing: the floor of the chain as its rules stand, and ``baseline_ms`` over it the
    largest ratio to the baseline that plumbing alone could reach.
    """
    pattern = _warm_pattern()
    kernels = _numba_kernels()
    prof = cProfile.Profile()
    t0 = time.process_time()
    prof.enable()
    ensemble.run(pattern, k, seed=SEED, workers=1, progress=False)  # profiled: this process
    prof.disable()
    total_ms = (time.process_time() - t0) / k * 1e3
    parts = dict.fromkeys([*COMPILED_SOLVERS, "numba kernels", "tie-rule QP (DAQP)"], 0.0)
    for (file, _line, name), (_cc, _nc, own_s, _cum, _callers) in pstats.Stats(
            prof).stats.items():
        label = next((lab for lab, pat in COMPILED_SOLVERS.items()
                      if file == "~" and pat in name), None)
        if label is None and (file, name) in kernels:
            label = "numba kernels"
        if label is None and name == "_face_qp" and file.endswith("lp.py"):
            label = "tie-rule QP (DAQP)"
        if label is not None:
            parts[label] += own_s / k * 1e3
    floor_ms = sum(parts.values())
    shares = ", ".join(f"{lab} {ms:.2f}" for lab, ms in parts.items())
    print(f"floor: {floor_ms:.1f} ms a replicate inside compiled solvers ({shares} ms) of "
          f"{total_ms:.1f} ms under the profiler ({k} replicates)")
    if baseline_ms is not None:
        print(f"  at zero Python and pandas overhead a replicate would be at most "
              f"{baseline_ms / floor_ms:.1f}x cheaper than the baseline's {baseline_ms:.1f} ms")


#: the chain's steps timed by ``--stages``: (module, function, label); a step's time
#: excludes that of the steps it calls (the LP is timed inside the grid timeline)
STAGES = [
    ("gridmodel.studies.ensemble", "_replicate", "the rest (row, chain glue)"),
    ("gridmodel.strikes.patterns", "sample_night", "sample the night"),
    ("gridmodel.outage.timeline", "_asset_periods", "asset periods"),
    ("gridmodel.outage.timeline", "_run_steps", "rest of the grid timeline"),
    ("gridmodel.outage.fast", "constrained_balance", "line-limit LPs"),
    ("gridmodel.outage.timeline", "_blackouts", "rolling blackouts"),
    ("gridmodel.pipeline", "heat_inputs", "heat inputs"),
    ("gridmodel.pipeline", "heat_chain", "heat chain"),
    ("gridmodel.studies.ensemble", "metric_values", "row metrics"),
]


def stage_times(k: int) -> dict[str, float]:
    """CPU a replicate spends in each step of :data:`STAGES` [ms], over ``k`` replicates
    in this process (``time.process_time``; each step without the steps it calls), plus
    ``"outside the replicates"`` (the ensemble's own frame and bookkeeping). Each step's
    calls a replicate are printed beside it: a step never entered shows 0 calls, not a
    quiet 0 ms (a function renamed or called by another name than the one patched)."""
    acc = {label: 0.0 for *_, label in STAGES}
    calls = dict.fromkeys(acc, 0)
    inner: list[float] = []  # time of the timed steps called by each open step

    def timed(f, label):
        @functools.wraps(f)
        def g(*a, **kw):
            calls[label] += 1
            inner.append(0.0)
            t = time.process_time()
            try:
                return f(*a, **kw)
            finally:
                el = time.process_time() - t
                acc[label] += el - inner.pop()
                if inner:
                    inner[-1] += el
        return g

    pattern = _warm_pattern()
    with contextlib.ExitStack() as stack:
        for mod, name, label in STAGES:
            m = importlib.import_module(mod)
            stack.enter_context(mock.patch.object(m, name, timed(getattr(m, name), label)))
        t0 = time.process_time()
        ensemble.run(pattern, k, seed=SEED, workers=1, progress=False)  # timers: this process
        total = time.process_time() - t0
    out = {label: s / k * 1e3 for label, s in acc.items()}
    out["outside the replicates"] = (total - sum(acc.values())) / k * 1e3
    print(f"stages: {total / k * 1e3:.1f} ms a replicate over {k} replicates (one process)")
    for label, ms in sorted(out.items(), key=lambda x: -x[1]):
        n_calls = f"{calls[label] / k:6.1f} calls" if label in calls else ""
        print(f"  {label:28s} {ms:6.1f} ms {n_calls}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline", type=int, default=3,
                    help="replicates through the pandapower engine for the ratio (0: skip)")
    ap.add_argument("--out", default=None,
                    help="write part files here (resumable with --resume; rate is then "
                    "measured on the replicates computed in this run)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--vs-baseline", type=int, default=20, metavar="K",
                    help="replicates per pass of the CPU comparison with the frozen baseline "
                    "commit (0: skip)")
    ap.add_argument("--passes", type=int, default=5,
                    help="interleaved passes of that comparison (each side's best is kept)")
    ap.add_argument("--floor", type=int, default=20, metavar="K",
                    help="replicates profiled for the time inside compiled solvers (0: skip)")
    ap.add_argument("--stages", type=int, default=0, metavar="K",
                    help="replicates timed step by step in one process (0: skip)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    base_ms = versus_baseline(args.vs_baseline, args.passes) if args.vs_baseline else None
    pattern = pattern_from_dict(PATTERN)
    t0 = time.perf_counter()
    res = ensemble.run(pattern, args.n, seed=SEED, workers=args.workers, progress=True,
                       out=args.out, resume=args.resume)
    wall = time.perf_counter() - t0
    rate = res.timings_s["n_computed"] / wall
    ok = int((res.frame["status"] == "ok").sum())
    print(f"ensemble: {args.n} replicates ({ok} ok, {res.timings_s['n_computed']} computed "
          f"in this run) of a {pattern.n_weapons}-weapon pattern, "
          f"{args.workers} workers, {wall:.1f} s wall including start-up "
          f"({res.timings_s['setup']:.1f} s) -> {rate:.2f} replicates/s "
          f"({args.workers / rate:.2f} s per replicate per worker)")
    if min(args.baseline, args.n) > 0:  # --baseline 0: no pandapower path, no ratio
        per_rep_pp = baseline(pattern, min(args.baseline, args.n), res.frame)
        print(f"ratio: ensemble throughput / pandapower path throughput = "
              f"{rate * per_rep_pp:.1f}x ({args.workers} workers vs 1 process); per core "
              f"{rate * per_rep_pp / args.workers:.1f}x")
    t10k = 10_000 / rate
    verdict = "yes" if t10k < 300 else "no"
    print(f"10,000 replicates at this rate: {t10k / 60:.1f} min -> under 5 minutes: {verdict}")
    print(res.summary.to_string(index=False))
    if args.floor:  # last: its warm caches must not speed up the ensemble's start-up
        solver_floor(args.floor, base_ms)
    if args.stages:
        stage_times(args.stages)


if __name__ == "__main__":
    main()
