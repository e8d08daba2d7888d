"""The local process pool of ensembles: a killed worker is survived, workers end with us.

:func:`run_chunks` runs chunks of replicates on worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`). When a worker dies (the OOM killer,
``kill -9``), the pool breaks and every chunk not finished by then fails with it; each of
them is then run again **once**, alone in a worker process of its own, so that a second
death is that chunk's own: its replicates are recorded as failed (with their seeds, by the
caller's ``failed`` function) and the rest of the ensemble goes on. Every worker watches
its parent and exits when the parent is gone (no orphans after a ``kill -9`` of the
command).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

__all__ = ["PARENT_POLL_S", "run_chunks"]

#: how often a worker checks that its parent is alive [s]
PARENT_POLL_S = 0.5


def _watch_parent(parent_pid: int) -> None:
    """Exit this process as soon as its parent is no longer ``parent_pid``."""
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent_pid:
            os._exit(70)  # the parent is gone: nobody will read our result


def _start_worker(parent_pid: int, init: Callable, initargs: tuple) -> None:
    """Worker initializer: the parent watch, then the caller's initializer."""
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    init(*initargs)


def _pool(workers: int, init: Callable, initargs: tuple) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                               initargs=(os.getpid(), init, initargs))


def _alone(fn: Callable, chunk: tuple, args: tuple, init: Callable, initargs: tuple,
           failed: Callable):
    """``fn(*chunk, *args)`` in a worker of its own; ``failed(*chunk, reason)`` if it dies."""
    pool = _pool(1, init, initargs)
    try:
        return pool.submit(fn, *chunk, *args).result()
    except BrokenProcessPool as exc:
        reason = (f"worker process killed twice running this chunk ({exc}); out of memory? "
                  "Run fewer workers or a shorter horizon.")
        return failed(*chunk, reason)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_chunks(fn: Callable, chunks: Iterable[tuple], args: tuple, workers: int,
               init: Callable, initargs: tuple, collect: Callable, failed: Callable) -> bool:
    """Run ``fn(*chunk, *args)`` for every chunk on ``workers`` processes.

    Parameters
    ----------
    fn : callable
        A module-level function (pickled to the workers).
    chunks : iterable of tuple
        The leading arguments of each call.
    args : tuple
        The trailing arguments of every call.
    workers : int
        Worker processes.
    init, initargs : callable, tuple
        Worker initializer and its arguments.
    collect : callable
        Called in this process with each result, in completion order; True stops the run.
    failed : callable
        ``failed(*chunk, reason)``: the result recorded for a chunk whose worker died on
        its retry too.

    Returns
    -------
    bool
        False when ``collect`` stopped the run, else True.
    """
    broken = set()
    pool = _pool(workers, init, initargs)
    try:
        futs = {pool.submit(fn, *chunk, *args): chunk for chunk in chunks}
        for fut in as_completed(futs):
            try:
                res = fut.result()
            except BrokenProcessPool:
                broken.add(fut)
                continue
            if collect(res):
                return False
    finally:
        # on a stop, Ctrl-C or an error: drop queued chunks, keep what was collected
        pool.shutdown(wait=True, cancel_futures=True)
    again = [chunk for fut, chunk in futs.items() if fut in broken]  # in submission order
    if not again:
        return True
    with ThreadPoolExecutor(max_workers=workers) as threads:
        retried = threads.map(lambda c: _alone(fn, c, args, init, initargs, failed), again)
        return not any(collect(res) for res in retried)
