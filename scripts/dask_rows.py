"""Many ensemble replicates on a Dask LocalCluster against the process pool, by row hashes.

Runs ``--n`` replicates (default 100,000) of a small pattern (the cheap pattern of
``tests/test_ensemble.py``: 27 weapons at Kyiv's heat sources, 12 h) twice with the same
seed: on the process pool (``--workers`` processes) and on a ``dask.distributed``
LocalCluster of as many worker processes; prints the wall time and replicates per second
of each, the SHA-256 of the rows (``pandas.util.hash_pandas_object`` over every column,
replicate order) of each, and whether the rows are identical. Exit 1 if they differ.
Issue #15 asks for 10^5: on two cores about 36 min (pool) plus 45 min (LocalCluster),
identical rows (docs/ensembles.md); ``--n 2000`` takes minutes.

Usage::

    python scripts/dask_rows.py [--n 100000] [--workers 2] [--seed 5]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_ensemble import CHEAP  # noqa: E402  (the tests' pattern, one definition)

from gridmodel.strikes.patterns import pattern_from_dict  # noqa: E402
from gridmodel.studies import ensemble  # noqa: E402


def rows_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of every row's hash, in replicate order."""
    h = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False)
    return hashlib.sha256(h.to_numpy().tobytes()).hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    from dask.distributed import LocalCluster

    pattern = pattern_from_dict(CHEAP)
    t0 = time.perf_counter()
    pool = ensemble.run(pattern, args.n, seed=args.seed, workers=args.workers,
                        progress=False).frame
    t1 = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        dask = ensemble.run(pattern, args.n, seed=args.seed, scheduler=cluster,
                            progress=False).frame
    t2 = time.perf_counter()
    same = pool.equals(dask)
    for name, frame, wall in (("process pool", pool, t1 - t0), ("LocalCluster", dask, t2 - t1)):
        print(f"{name:>13}: {len(frame):,} rows in {wall:,.1f} s "
              f"({len(frame) / wall:,.1f} replicates/s), {int((frame['status'] == 'ok').sum()):,}"
              f" ok, rows sha256 {rows_sha256(frame)}")
    print(f"identical rows: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
