"""Ensemble workers that die (issue #12): a killed worker's chunk is retried once, then
recorded as failed with its seeds; workers end with their parent.

The worker is killed with SIGKILL from inside a replicate (as the out-of-memory killer
would), through a wrapper of ``ensemble._replicate`` that the forked workers inherit.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from test_ensemble import CHEAP  # the cheap salvo at Kyiv's heat sources, 12 h

from gridmodel.strikes.patterns import pattern_from_dict
from gridmodel.studies import ensemble

N = 6

pytestmark = pytest.mark.skipif(multiprocessing.get_start_method(allow_none=False) != "fork",
                                reason="the kill hook reaches the workers by fork")


@pytest.fixture(scope="module")
def runs():
    """The pattern and its uninterrupted in-process run (seed 5, chunks of 2)."""
    pattern = pattern_from_dict(CHEAP)
    return pattern, ensemble.run(pattern, N, seed=5, progress=False, chunk_size=2)


def _killing(marker: Path | None, victim: int):
    """``_replicate`` that SIGKILLs its own worker at replicate ``victim``: once (when
    ``marker`` does not exist yet; it is created first) or every time (``marker`` None)."""
    original = ensemble._replicate

    def replicate(pattern, k, i, *args):
        if i == victim and os.getpid() != PARENT and (marker is None or not marker.exists()):
            if marker is not None:
                marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return original(pattern, k, i, *args)

    return replicate


PARENT = os.getpid()


def _rows(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["error"]).reset_index(drop=True)


def test_a_chunk_whose_worker_is_killed_once_is_retried_and_gives_the_same_rows(
        runs, tmp_path, monkeypatch):
    cheap, reference = runs
    monkeypatch.setattr(ensemble, "_replicate", _killing(tmp_path / "killed", victim=3))
    res = ensemble.run(cheap, N, seed=5, progress=False, chunk_size=2, workers=2)
    assert (tmp_path / "killed").exists()  # the worker was killed once
    assert (res.frame["status"] == "ok").all()
    pd.testing.assert_frame_equal(_rows(res.frame), _rows(reference.frame))
    assert res.complete


def test_a_chunk_whose_worker_dies_twice_is_recorded_failed_with_its_seeds(runs, monkeypatch):
    cheap, reference = runs
    monkeypatch.setattr(ensemble, "_replicate", _killing(None, victim=3))
    res = ensemble.run(cheap, N, seed=5, progress=False, chunk_size=2, workers=2)
    f = res.frame
    bad = f[f["status"] == "failed"]
    assert bad["replicate"].tolist() == [2, 3]  # the chunk of replicate 3
    assert bad["spawn_key"].tolist() == ["2", "3"]
    assert (bad["seed_entropy"] == "5").all()
    assert bad["error"].str.contains("retried alone").all()
    ok = f["status"] == "ok"
    assert ok.sum() == N - 2
    pd.testing.assert_frame_equal(_rows(f[ok]), _rows(reference.frame[ok]))
    assert res.complete
    assert res.summary["n_failed"].eq(2).all()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split() if (task / "children").exists() else []
        out += [int(c) for c in text]
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_workers_end_when_their_parent_is_killed(tmp_path):
    """SIGKILL of the parent while two workers run long chunks: both workers are gone
    within a few seconds (they poll their parent every ensemble.PARENT_POLL_S)."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from gridmodel.strikes.patterns import pattern_from_dict
        from gridmodel.studies import ensemble
        original = ensemble._replicate
        def slow(*args):
            time.sleep(60)
            return original(*args)
        ensemble._replicate = slow
        ensemble.run(pattern_from_dict({CHEAP!r}), 4, seed=1, progress=False, workers=2,
                     chunk_size=1)
    """), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path)
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
            workers = [c for c in _children(proc.pid) if _alive(c)]
            assert proc.poll() is None, "the parent ended before its workers started"
        assert len(workers) >= 2, workers
        time.sleep(2.0)  # the workers are inside their chunks
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10 * ensemble.PARENT_POLL_S + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)]
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in _children(proc.pid):
            try:
                os.kill(w, signal.SIGKILL)
            except ProcessLookupError:
                pass
