"""A killed worker is survived; workers end with their parent (issue #12).

The worker processes are forked, so a replicate function patched here runs in them: it
kills its own worker (SIGKILL, as the OOM killer does) on replicate 1. Killed once, the
chunk's retry gives the rows of an undisturbed run; killed every time, its replicate is
recorded as failed with its seeds and every other replicate is still computed. A
``kill -9`` of the command leaves no worker behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from gridmodel.studies import ensemble
from gridmodel.studies._pool import PARENT_POLL_S

TINY = Path(__file__).resolve().parent / "data" / "tiny"
N = 4


@pytest.fixture
def pattern(tmp_path) -> Path:
    """A copy of the tiny inputs; their strike pattern."""
    shutil.copytree(TINY, tmp_path / "tiny")
    return tmp_path / "tiny" / "pattern.toml"


def _killing(monkeypatch, marker: Path, always: bool) -> None:
    """Replicate 1 kills its worker process (once, or on every attempt)."""
    replicate = ensemble._replicate

    def killing(pattern, k, i, *args):
        if i == 1 and (always or not marker.exists()):
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return replicate(pattern, k, i, *args)

    monkeypatch.setattr(ensemble, "_replicate", killing)


def test_a_chunk_whose_worker_is_killed_once_is_retried(pattern, monkeypatch):
    whole = ensemble.run(pattern, N, seed=5, chunk_size=1, progress=False)
    _killing(monkeypatch, pattern.parent / "killed", always=False)
    res = ensemble.run(pattern, N, seed=5, workers=2, chunk_size=1, progress=False)
    assert (pattern.parent / "killed").exists()  # the worker was killed
    pd.testing.assert_frame_equal(res.frame, whole.frame)


def test_a_chunk_that_kills_its_worker_again_is_recorded_as_failed(pattern, monkeypatch):
    _killing(monkeypatch, pattern.parent / "killed", always=True)
    out = pattern.parent / "ens"
    res = ensemble.run(pattern, N, seed=5, workers=2, chunk_size=1, progress=False, out=out)
    rows = res.frame.set_index("replicate")
    assert rows.loc[1, "status"] == "failed"
    assert "worker process killed twice" in rows.loc[1, "error"]
    assert (rows.loc[1, "seed_entropy"], rows.loc[1, "spawn_key"]) == ("5", "1")
    assert (rows.drop(index=1)["status"] == "ok").all()
    assert len(pd.read_parquet(out / "replicates.parquet")) == N


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its reaper has ended)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state


SLOW = """
import sys, time
from gridmodel.studies import ensemble
ensemble._replicate = lambda *a: time.sleep(120)
ensemble.run(sys.argv[1], 4, workers=2, chunk_size=1, progress=False)
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_end_with_their_parent(pattern):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen([sys.executable, "-c", SLOW, str(pattern)], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(_children(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _children(parent.pid)
        assert len(workers) >= 2, "the workers did not start"
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10 * PARENT_POLL_S + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = [w for w in workers if _alive(w)]
    for w in orphans:  # do not leave them running when the test fails
        os.kill(w, signal.SIGKILL)
    assert not orphans, "orphaned workers"
