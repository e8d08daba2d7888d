"""Does the LP's tie rule depend on the solver's path? The figures of docs/outage.md.

The tie rule (:func:`gridmodel.outage.lp._tie_rule`) reads the optimal face from the
reduced costs and row duals of the vertex HiGHS reaches, zero being within
:data:`~gridmodel.outage.lp.TIE_DUAL_TOL`, which must lie above the solver's own dual
feasibility tolerance (:data:`~gridmodel.outage.lp.LP_DUAL_FEASIBILITY_TOL`). This
script takes the island LPs of the first ``K`` replicates (default 40) of
``benchmarks/bench_ensemble.py``'s 500-weapon pattern (seed 2026), exactly as the
ensemble calls :func:`~gridmodel.outage.lp.solve_island`, and solves each again along
other paths of the same solver: HiGHS's primal simplex instead of its dual simplex, and
the dual simplex with other random seeds (its cost perturbation). A rule whose answer is
unique gives the same answer on every path up to the solver's tolerance (about 1e-7
MW). Printed, as Markdown for docs/outage.md:

- for the shipped solver tolerance and HiGHS's default (1e-7), and each tolerance of the
  face (1e-9, the shipped value, up to 1e-5): how many LPs move by more than 1e-6 MW and
  by more than 1 MW on any path against the shipped one, and the largest move;
- the distribution of the reduced costs and duals of the shipped path's vertices by
  decade (is there a gap that a tolerance could fall into?);
- simplex iterations and CPU time per LP of each path, and how many solves needed the
  LP's second try (:func:`~gridmodel.outage.lp._run_optimal`: HiGHS called a vertex
  optimal above its tolerance, or certified no optimum).

Usage::

    python scripts/tie_rule_paths.py [--replicates 40] [--seeds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ensemble import PATTERN, SEED  # noqa: E402

from gridmodel.outage import lp  # noqa: E402
from gridmodel.strikes.patterns import pattern_from_dict  # noqa: E402
from gridmodel.studies import ensemble  # noqa: E402

TOLERANCES = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5)
#: HiGHS's own default dual feasibility tolerance (the LP's before 7 Dec 2026)
HIGHS_DEFAULT_DUAL_TOL = 1e-7
DECADES = np.arange(-12, 1)


def island_lps(k: int) -> list[tuple]:
    """Arguments of every :func:`~gridmodel.outage.lp.solve_island` call of the first
    ``k`` ensemble replicates, in call order."""
    calls = []
    solve = lp.solve_island

    def record(*args):
        calls.append(args)
        return solve(*args)

    lp.solve_island = record
    try:
        ensemble.run(pattern_from_dict(PATTERN), k, seed=SEED, progress=False)
    finally:
        lp.solve_island = solve
    return calls


class _Path:
    """Solve with HiGHS options ``options`` and the face tolerance ``tol``; record the
    simplex iterations, the vertex's reduced costs and duals, and the solves whose first
    run was not certified (:func:`~gridmodel.outage.lp._run_optimal`'s second try)."""

    def __init__(self, options: dict, tol: float):
        self.options, self.tol = options, tol
        self.iterations, self.duals, self.second_tries = 0, [], 0
        self.first = False

    def __enter__(self):
        self.h = lp._highs(np.zeros(1), np.ones(1), lp._Rows(np.zeros((0, 1)), np.zeros(0),
                                                             np.zeros(0)))
        tie, run, certified = lp._tie_rule, lp._run_optimal, lp._certified

        def tie_(x, col_dual, row_dual, *rest):
            self.iterations += self.h.getInfo().simplex_iteration_count
            self.duals.append(np.concatenate([col_dual, row_dual]))
            return tie(x, col_dual, row_dual, *rest)

        def run_(h):
            self.first = True
            return run(h)

        def certified_(h):
            ok = certified(h)
            self.second_tries += self.first and not ok
            self.first = False
            return ok

        lp_tol = self.options.get("dual_feasibility_tolerance", lp.LP_DUAL_FEASIBILITY_TOL)
        self.stack = ExitStack()
        self.stack.enter_context(lp._options(self.h, **self.options))
        for name, value in {"TIE_DUAL_TOL": self.tol, "LP_DUAL_FEASIBILITY_TOL": lp_tol,
                            "_tie_rule": tie_, "_run_optimal": run_,
                            "_certified": certified_}.items():
            self.stack.enter_context(mock.patch.object(lp, name, value))
        return self

    def __exit__(self, *exc):
        return self.stack.__exit__(*exc)


def solve_all(calls: list[tuple], options: dict, tol: float):
    """Answers (dispatch and served, concatenated; None where no optimum), simplex
    iterations and CPU seconds per LP, the number of solves (an LP has one per round of
    lazy limits) that needed a second try (:func:`~gridmodel.outage.lp._run_optimal`),
    and the vertices' duals."""
    with _Path(options, tol) as path:
        t0 = time.process_time()
        out = [lp.solve_island(*c) for c in calls]
        cpu = time.process_time() - t0
    answers = [None if r is None else np.concatenate([r.dispatch_mw, r.served_mw])
               for r in out]
    return (answers, path.iterations / len(calls), cpu / len(calls), path.second_tries,
            path.duals)


def moves(base: list, other: list) -> np.ndarray:
    """Largest change per LP between two paths' answers [MW] (inf where one has none)."""
    return np.array([np.inf if (a is None) != (b is None) else
                     0.0 if a is None else float(np.abs(a - b).max())
                     for a, b in zip(base, other, strict=True)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=40)
    ap.add_argument("--seeds", type=int, default=3,
                    help="other random seeds of the dual simplex (besides the default 0)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    calls = island_lps(args.replicates)
    if not calls:
        raise SystemExit(f"no line limit binds in the first {args.replicates} replicates, "
                         "so no island LP ran: raise --replicates")
    paths = {"dual simplex (shipped)": {},
             "primal simplex": {"simplex_strategy": 4},
             **{f"dual simplex, random seed {s}": {"random_seed": s}
                for s in range(1, args.seeds + 1)}}
    print(f"{len(calls)} island LPs of the first {args.replicates} replicates of "
          f"bench_ensemble's pattern (seed {SEED}); {len(paths)} solver paths\n")
    print("| LP dual feasibility tolerance | face tolerance | LPs moved > 1e-6 MW | > 1 MW "
          "| largest move [MW] |")
    print("|---|---|---|---|---|")
    timing, duals = {}, None
    for solver_tol in (lp.LP_DUAL_FEASIBILITY_TOL, HIGHS_DEFAULT_DUAL_TOL):
        for tol in TOLERANCES:
            runs = {name: solve_all(calls, {**opts, "dual_feasibility_tolerance": solver_tol},
                                    tol)
                    for name, opts in paths.items()}
            base = runs["dual simplex (shipped)"][0]
            worst = np.max([moves(base, r[0]) for r in runs.values()], axis=0)
            print(f"| {solver_tol:.0e}{_shipped(solver_tol, lp.LP_DUAL_FEASIBILITY_TOL)} | "
                  f"{tol:.0e}{_shipped(tol, lp.TIE_DUAL_TOL)} | {int((worst > 1e-6).sum())} | "
                  f"{int((worst > 1.0).sum())} | {worst.max():.2g} |")
            if tol == lp.TIE_DUAL_TOL:
                timing[solver_tol] = {name: r[1:4] for name, r in runs.items()}
                if solver_tol == lp.LP_DUAL_FEASIBILITY_TOL:
                    duals = np.abs(np.concatenate(runs["dual simplex (shipped)"][4]))
    nonzero = duals[duals > 0]
    counts = np.histogram(np.log10(nonzero), bins=DECADES)[0]
    print("\nReduced costs and duals of the shipped path's vertices, by decade (|value|):\n")
    print("| decade | count |")
    print("|---|---|")
    print(f"| exactly 0 | {int((duals == 0).sum()):,} |")
    for lo, c in zip(DECADES[:-1], counts, strict=True):
        print(f"| [1e{lo}, 1e{lo + 1}) | {int(c):,} |")
    print("\n| path (face tolerance 1e-9) | LP dual feasibility tolerance | simplex "
          "iterations of the final solve per LP | CPU ms per LP | solves with a second "
          "try |")
    print("|---|---|---|---|---|")
    for solver_tol, by_path in timing.items():
        for name, (it, cpu, infeasible) in by_path.items():
            print(f"| {name} | {solver_tol:.0e} | {it:.1f} | {cpu * 1e3:.2f} | {infeasible} |")

def _shipped(value: float, shipped: float) -> str:
    return " (shipped)" if value == shipped else ""

if __name__ == "__main__":
    main()
