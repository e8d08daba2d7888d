"""The frozen baseline every speed benchmark measures against: the chain of e165e52.

The speed issue fixes its ratios against the chain as it stood at commit
:data:`BASELINE_COMMIT`, so that later rules cannot move them. This module gives the
benchmarks a checkout of that commit (a detached ``git worktree`` under
``.bench-baseline/`` in the repository, made on first use and reused) and runs code
against it in a subprocess of the same interpreter, with the checkout first on
``sys.path``. Benchmarks interleave those subprocess timings with the new chain's in the
same run, so both see the same machine load.

Usage::

    from _baseline import baseline_checkout, run_baseline
    figures = run_baseline("import json; print(json.dumps({'x': 1}))")

The code passed to :func:`run_baseline` prints one JSON object as its last line of
standard output; :func:`run_baseline` returns it parsed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: the commit the speed issue's ratios are measured against ("today's chain" when filed)
BASELINE_COMMIT = "e165e52"
REPO = Path(__file__).resolve().parents[1]


def baseline_checkout(commit: str = BASELINE_COMMIT) -> Path:
    """A checkout of ``commit`` (``.bench-baseline/<commit>``, made once by ``git worktree``).

    Raises
    ------
    RuntimeError
        When the repository has no such commit (a shallow clone: ``git fetch --unshallow``).
    """
    path = REPO / ".bench-baseline" / commit
    if (path / "gridmodel" / "__init__.py").is_file():
        return path
    have = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True, check=False)
    if have.returncode != 0:
        msg = (f"baseline commit {commit} is not in this clone ({REPO}); the benchmarks "
               "need the history: run `git fetch --unshallow`.")
        raise RuntimeError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=False,
                   capture_output=True)
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--force",
                    str(path), commit], check=True, capture_output=True)
    return path


def _run_json(code: str, root: Path, what: str, timeout_s: float, cwd: Path | None) -> dict:
    """Run ``code`` in a fresh interpreter with ``root`` first on ``PYTHONPATH``; its last
    non-empty standard-output line parsed as JSON."""
    env = dict(os.environ, PYTHONPATH=str(root))
    res = subprocess.run([sys.executable, "-c", code], cwd=str(cwd or root), env=env,
                         capture_output=True, text=True, timeout=timeout_s, check=False)
    if res.returncode != 0:
        msg = f"{what} run failed with code {res.returncode}:\n{res.stderr[-4000:]}"
        raise RuntimeError(msg)
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    if not lines:
        msg = f"{what} run printed nothing; stderr:\n{res.stderr[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(lines[-1])


def run_baseline(code: str, *, commit: str = BASELINE_COMMIT, timeout_s: float = 3600.0,
                 cwd: Path | None = None) -> dict:
    """Run ``code`` with the baseline checkout importable as ``gridmodel``; its last
    standard-output line (a JSON object) parsed.

    The subprocess uses this interpreter (same packages) with the checkout first on
    ``PYTHONPATH``; ``cwd`` defaults to the checkout, so relative data paths resolve there.
    """
    return _run_json(code, baseline_checkout(commit), f"baseline ({commit})", timeout_s, cwd)


def run_current(code: str, *, timeout_s: float = 3600.0) -> dict:
    """The same as :func:`run_baseline` for this checkout (a fresh process, so both sides
    pay the same start-up and neither inherits the other's caches)."""
    return _run_json(code, REPO, "current", timeout_s, None)
