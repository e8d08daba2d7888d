"""Ensembles: many sampled nights of a strike pattern, run end to end, on many workers.

:func:`run` draws ``n`` nights of a pattern (:func:`gridmodel.strikes.patterns.sample_night`)
and runs each through the one chain (:func:`gridmodel.pipeline.run_chain`: grid timeline
with the fast engine, rolling blackouts, heat availability, restarts, indoor
temperatures) and the one row builder (:func:`gridmodel.metrics.row.outcome_row`).
:func:`compare` does the same for several patterns
with common random numbers. Details and the output layout: ``docs/ensembles.md``.

Reproducibility
---------------
Replicate ``i`` draws everything from ``numpy.random.default_rng(SeedSequence(seed,
spawn_key=(i,)))``, which is ``SeedSequence(seed).spawn(n)[i]``: the result of a replicate
depends only on ``(seed, i)`` and the pattern, never on the number of workers, the
chunking, the scheduler or the order in which chunks finish. In :func:`compare`, replicate
``i`` of every pattern uses the same child (common random numbers).

Output folder
-------------
``manifest.json`` (pattern keys, n, seed entropy, chunk size), one Parquet part file per
finished chunk (``parts/p{pattern}-{first:07d}.parquet``, written atomically), then
``replicates.parquet``. All of it is written into the hidden partial folder
``.<out>.gridmodel-partial`` beside ``out`` (:func:`gridmodel._io.outdir.partial_folder`),
which becomes ``out`` only when the run is complete; an interrupted run leaves its parts
there and ``resume=True`` skips the chunks whose part file exists. A folder is never
replaced without ``force``, and ``force`` replaces only gridmodel's own output folders
(``docs/scenario.md``, "Output folders").
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel import errors
from gridmodel._io.frames import read_frame
from gridmodel._io.jsonio import read_json
from gridmodel._io.outdir import OutputFolder
from gridmodel.config import GRID_RUN_KEYS, checked_seed
from gridmodel.errors import InputError, joined_messages
from gridmodel.metrics.row import REPLICATE_METRICS, outcome_row

__all__ = [
    "ROW_COLUMNS",
    "EnsembleError",
    "EnsembleResult",
    "METRICS",
    "OutputExistsError",
    "compare",
    "computed_in_part",
    "metric_values",
    "pattern_context",
    "replay",
    "run",
    "summarise",
]

MANIFEST_VERSION = 1
#: metric columns of a replicate row (:data:`gridmodel.metrics.row.REPLICATE_METRICS`)
METRICS = REPLICATE_METRICS
#: columns of a replicate row
ROW_COLUMNS = ["pattern", "replicate", "seed_entropy", "spawn_key", "n_launched",
               "n_intercepted", "n_arrived", "n_strikes", "struck_assets", *METRICS,
               "status", "error", "warnings"]



class EnsembleError(InputError):
    """Bad ensemble arguments, an unreachable scheduler or a mismatching resume folder."""


class OutputExistsError(EnsembleError, errors.OutputExistsError):
    """The output folder exists and neither ``resume`` nor ``force`` was given."""


@dataclass
class EnsembleResult:
    """What :func:`run` and :func:`compare` return.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per replicate (:data:`ROW_COLUMNS`), sorted by pattern and replicate;
        ``warnings`` holds the
        :class:`~gridmodel.errors.ModelWarning` messages of a replicate (one per line; a
        result it could compute only in part, such as an island whose line limits could
        not be held), "" when there were none.
    summary : pandas.DataFrame
        Median and 5-95 % range per pattern and metric (:func:`summarise`).
    out : Path or None
    complete : bool
        False when the run stopped early (``stop_after``); resume to finish.
    timings_s : dict
        ``setup``, ``replicates`` [s], ``n_computed`` (replicates computed in this call,
        not read from part files) and ``replicates_per_s``.
    patterns : list of Pattern
    """

    frame: pd.DataFrame
    summary: pd.DataFrame
    out: Path | None = None
    complete: bool = True
    timings_s: dict = field(default_factory=dict)
    patterns: list = field(default_factory=list)


# ------------------------------------------------------------------ worker side
_CTX: dict = {}
_CTX_LOCK = threading.Lock()


def _run_key(run: dict) -> str:
    return repr(sorted((k, str(v)) for k, v in run.items()))


def pattern_context(run: dict):
    """The chain's context of a pattern's ``[run]`` table (its private layer frozen).

    Raises
    ------
    InputError
        The heat layer names assets absent from the network, or the run period lies
        outside the weather profile or has hours without temperature.
    """
    from gridmodel.config import RunConfig
    from gridmodel.pipeline import build_context

    return build_context(RunConfig.from_flat(run), freeze=True)


def _context(run: dict):
    key = _run_key(run)
    with _CTX_LOCK:
        ctx = _CTX.get(key)
        if ctx is None:
            ctx = pattern_context(run)
            _CTX[key] = ctx
    return ctx


def _contexts(patterns) -> dict:
    """The context of each pattern's run configuration, built once in this process and
    shared with the workers (:func:`_init_worker`, :func:`_run_chunk_with`)."""
    return {_run_key(p.run): _context(p.run) for p in patterns}


def _adopt(contexts: dict) -> None:
    """Keep contexts built elsewhere (the parent's, forked or unpickled) in this process."""
    with _CTX_LOCK:
        for key, ctx in contexts.items():
            _CTX.setdefault(key, ctx)


def _init_worker(patterns, contexts=None) -> None:
    """Process-pool initializer: adopt the parent's contexts (inherited by a forked worker,
    unpickled otherwise), else load and compile each run configuration once."""
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning, module="pandapower")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="pandapower")
    _adopt(contexts or {})
    for p in patterns:
        _context(p.run)


def child_seed(entropy: int, i: int) -> np.random.SeedSequence:
    """The SeedSequence of replicate ``i``: ``SeedSequence(entropy).spawn(n)[i]``."""
    return np.random.SeedSequence(entropy, spawn_key=(int(i),))


def _timeline_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


def _replicate(pattern, k: int, i: int, entropy: int, fail: frozenset,
               keep_night: bool) -> tuple[dict, pd.DataFrame | None]:
    from gridmodel.strikes.patterns import sample_night

    row = _base_row(pattern, i, entropy)
    night = None
    try:
        ctx = _context(pattern.run)
        rng = np.random.default_rng(child_seed(entropy, i))
        night = sample_night(pattern, ctx.net, rng)
        tseed = _timeline_seed(rng)
        row.update(n_intercepted=int(sum(night.attrs["intercepted"].values())),
                   n_arrived=int(sum(night.attrs["arrived"].values())),
                   n_strikes=int(len(night)),
                   struck_assets=";".join(night["asset_id"].astype(str)),
                   timeline_seed=tseed)
        if i in fail:
            msg = f"injected failure of replicate {i} (test hook fail_replicates)"
            raise RuntimeError(msg)
        chain = _model(ctx, night, tseed)
        row.update(metric_values(chain, ctx))
        row.update(status="ok", error="", warnings=joined_messages(chain.model_warnings))
    except Exception as exc:  # noqa: BLE001 - a failed replicate is recorded, not raised
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        row.update(status="failed", error=tb[:2000])
    return row, (night if keep_night else None)


def _base_row(pattern, i: int, entropy: int) -> dict:
    """The columns of a replicate row known before it runs (its seeds)."""
    return {"pattern": pattern.name, "replicate": int(i), "seed_entropy": str(entropy),
            "spawn_key": str(i), "n_launched": pattern.n_weapons}


def _killed_chunk(patterns, entropy: int, k: int, indices: Sequence[int], reason: str):
    """The result of a chunk whose worker process died on its retry too: every replicate
    recorded as failed, with its seeds (``gridmodel.studies._pool``)."""
    rows = [{**_base_row(patterns[k], i, entropy), "status": "failed", "error": reason}
            for i in indices]
    return k, list(indices), rows, {}


def _model(ctx, night, tseed):
    from gridmodel.pipeline import run_chain

    return run_chain(ctx, night, tseed)


def metric_values(result, ctx) -> dict:
    """The :data:`METRICS` columns of a replicate row, from the one row builder."""
    row = outcome_row(result, ctx)
    return {k: row[k] for k in METRICS}


def _run_chunk_with(contexts: dict, patterns, k: int, indices: Sequence[int], *args):
    """:func:`_run_chunk` on a Dask worker, with the client's contexts (scattered once to
    every worker) instead of each worker building its own."""
    _adopt(contexts)
    return _run_chunk(patterns, k, indices, *args)


def _run_chunk(patterns, k: int, indices: Sequence[int], entropy: int, fail: frozenset,
               keep_nights: bool):
    rows, nights = [], {}
    for i in indices:
        row, night = _replicate(patterns[k], k, i, entropy, fail, keep_nights)
        rows.append(row)
        if night is not None:
            nights[i] = night
    return k, list(indices), rows, nights


# ------------------------------------------------------------------ orchestration
def _as_patterns(patterns) -> list:
    from gridmodel.strikes.patterns import Pattern, load_pattern

    out = []
    for p in patterns:
        out.append(p if isinstance(p, Pattern) else load_pattern(p))
    names = [p.name for p in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        msg = (f"patterns {dup} appear more than once (names must differ: they label the "
               "rows); give each pattern file its own name.")
        raise EnsembleError(msg)
    return out


def _check_n(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        msg = f"n must be a whole number of replicates >= 1; got {n=!r}."
        raise EnsembleError(msg)
    return int(n)


def _connect(scheduler, timeout_s: float):
    """A dask.distributed Client for a scheduler address, Client or cluster."""
    try:
        from dask.distributed import Client
    except ImportError as exc:  # the optional [dask] extra is not installed
        msg = ("scheduler= needs Dask, an optional dependency: pip install 'gridmodel[dask]'; "
               "or leave scheduler=None (no --scheduler) for the local process pool.")
        raise EnsembleError(msg) from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    if isinstance(scheduler, str):
        try:
            return Client(scheduler, timeout=f"{timeout_s}s"), True
        except (OSError, TimeoutError, ValueError, TypeError) as exc:  # ValueError: no port
            msg = (f"cannot reach the Dask scheduler at {scheduler!r} within {timeout_s:g} s "
                   f"({type(exc).__name__}: {exc}); start it (`dask scheduler`) or check the "
                   "address (tcp://host:8786).")
            raise EnsembleError(msg) from None
    if hasattr(scheduler, "scheduler_address"):  # a cluster object (LocalCluster, ...)
        return Client(scheduler, timeout=f"{timeout_s}s"), True
    msg = (f"scheduler must be None, an address 'tcp://host:port', a dask.distributed "
           f"Client or a cluster; got {type(scheduler).__name__}.")
    raise EnsembleError(msg)


def _prepare_out(out, resume: bool, force: bool, manifest: dict,
                 inputs=()) -> OutputFolder | None:
    """The output folder being written (its partial folder open), or None without ``out``.

    Parts, nights and the manifest go to the hidden partial folder beside ``out``
    (:func:`gridmodel._io.outdir.partial_folder`); ``resume`` continues there (or in a
    copy of a complete ``out``); :func:`_finish` swaps it into place when complete.
    """
    if out is None:
        if resume:
            msg = "resume=True needs the output folder of the interrupted run (out=...)."
            raise EnsembleError(msg)
        return None
    folder = OutputFolder(out, force=force, inputs=inputs, command="ensemble",
                          partial=True, resume=resume)
    try:
        path = folder.open()
    except errors.OutputExistsError as exc:
        raise OutputExistsError(str(exc)) from None
    mpath = path / "manifest.json"
    if folder.resumed:
        if not mpath.is_file():
            msg = (f"{path} has no manifest.json: it is not an ensemble folder; choose "
                   "another folder.")
            raise EnsembleError(msg)
        old = read_json(mpath, "ensemble manifest", EnsembleError)
        for key in ("patterns", "n", "seed_entropy", "chunk_size", "version"):
            if old.get(key) != manifest.get(key):
                msg = (f"cannot resume in {out}: {key} differs (folder: {old.get(key)!r}, "
                       f"now: {manifest.get(key)!r}); rerun with the same patterns, n, "
                       "seed and chunk_size, or use a new folder.")
                raise EnsembleError(msg)
        if "hashes" in old:  # (a folder of an earlier gridmodel has none)
            changed = sorted(k for k in set(old["hashes"]) | set(manifest["hashes"])
                             if old["hashes"].get(k) != manifest["hashes"].get(k))
            if changed:
                msg = (f"cannot resume in {out}: input(s) changed since its first part "
                       f"{changed}; the replicates written would mix two sets of inputs. "
                       "Restore them, or run again into a new folder.")
                raise EnsembleError(msg)
        return folder
    (path / "parts").mkdir()
    mpath.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def _inputs(pats) -> list[Path]:
    """Files and folders the patterns' runs read (never inside the output folder)."""
    from gridmodel.studies.scenario import run_inputs

    return [q for p in pats for q in [p.path, *run_inputs(_context(p.run).config)]]


def _part_path(out: Path, k: int, first: int) -> Path:
    return out / "parts" / f"p{k:02d}-{first:07d}.parquet"


def _to_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in ROW_COLUMNS:
        if c not in df:
            df[c] = np.nan if c in METRICS or c.startswith("n_") else ""
    extra = [c for c in df.columns if c not in ROW_COLUMNS]
    df = df[ROW_COLUMNS + extra]
    for c in ("n_intercepted", "n_arrived", "n_strikes", "timeline_seed"):
        if c in df:
            df[c] = df[c].astype("float64")
    for c in METRICS:
        df[c] = df[c].astype("float64")
    df["struck_assets"] = df["struck_assets"].fillna("").astype(str)
    df["error"] = df["error"].fillna("").astype(str)
    df["warnings"] = _warnings_column(df)
    return df


def _write_part(out: Path, k: int, first: int, rows: list[dict]) -> None:
    path = _part_path(out, k, first)
    tmp = path.with_suffix(".tmp")
    _to_frame(rows).to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _write_nights(out: Path, pattern, nights: dict, rows: list[dict]) -> None:
    from gridmodel.strikes.patterns import write_night

    folder = out / "nights" / pattern.name
    folder.mkdir(parents=True, exist_ok=True)
    seeds = {r["replicate"]: r.get("timeline_seed") for r in rows}
    for i, night in nights.items():
        if night.empty:
            continue
        csv = folder / f"night_{i:07d}.csv"
        write_night(night, csv, force=True,
                    header=f"pattern {pattern.name}, replicate {i}")
        _write_scenario(folder / f"night_{i:07d}.toml", pattern, csv.name, i,
                        int(seeds.get(i) or 0))


def _write_scenario(path: Path, pattern, csv_name: str, i: int, seed: int) -> None:
    """A scenario file that runs a saved night with ``gridmodel run`` (engine fast)."""
    r = pattern.run
    start = pd.Timestamp(r["start"]).isoformat()
    # the pattern's grid options (checked when it was read: bools and numbers, which
    # JSON writes as TOML does)
    grid = "\n".join(f"{k} = {json.dumps(r[k])}" for k in GRID_RUN_KEYS)
    text = f"""# Sampled night {i} of pattern {pattern.name} (illustrative [C]).
# gridmodel run {path.name} --out DIR  reproduces the ensemble row of this replicate.
name = "{pattern.name}-night-{i}"
description = "illustrative [C]: night {i} sampled from strike pattern {pattern.name}"
network = "{r['network']}"
status_date = {r['status_date']}
weather = "{r['weather']}"
start = {start}
horizon_h = {int(r['horizon_h'])}
seed = {seed}

[strikes]
file = "{csv_name}"

[grid]
engine = "fast"
ac = false
{grid}

[heat]
layer = "{r['heat_layer']}"

[outputs]
frames = true
plots = false
"""
    path.write_text(text, encoding="utf-8")


def _chunks(n: int, size: int) -> list[list[int]]:
    return [list(range(a, min(a + size, n))) for a in range(0, n, size)]


def run(pattern, n: int, seed: int | None = 0, *, workers: int = 1, scheduler=None,
        out=None, resume: bool = False, force: bool = False, progress: bool = True,
        chunk_size: int | None = None, save_nights: bool = False,
        scheduler_timeout_s: float = 5.0, stop_after: int | None = None,
        fail_replicates: Iterable[int] = ()) -> EnsembleResult:
    """Draw ``n`` nights of a pattern and run each end to end.

    Parameters
    ----------
    pattern : Pattern or path
        A strike pattern (:func:`gridmodel.strikes.patterns.load_pattern`).
    n : int
        Replicates (>= 1).
    seed : int or None
        Root entropy of :class:`numpy.random.SeedSequence`; None draws fresh entropy (it is
        recorded in the rows and the manifest).
    workers : int
        Local worker processes (``1``: in this process). Ignored with ``scheduler``.
    scheduler : str, dask.distributed.Client or cluster, optional
        Run on Dask instead: ``"tcp://host:8786"``, a Client, or a ``LocalCluster``. An
        unreachable address raises :class:`EnsembleError` within ``scheduler_timeout_s``.
    out : str or path, optional
        Output folder (module docstring); None keeps results in memory only.
    resume : bool
        Finish an interrupted run in ``out``: finished chunks are not recomputed.
    force : bool
        Replace an existing ``out``.
    progress : bool
        tqdm bar over replicates (rate and ETA).
    chunk_size : int, optional
        Replicates per task and part file; default ``ceil(n / (8 x workers))`` capped at
        10 (a fine-grained progress bar; little work lost on interruption).
    save_nights : bool
        Also write every night as ``nights/<pattern>/night_<i>.csv`` with a scenario
        ``night_<i>.toml`` that ``gridmodel run`` replays (needs ``out``).
    scheduler_timeout_s : float
        Time allowed to connect to a Dask scheduler [s].
    stop_after : int, optional
        Test hook: stop after this many chunks are written (simulates an interruption);
        the result has ``complete=False``.
    fail_replicates : iterable of int
        Test hook: these replicate indices raise on purpose after sampling (the row is
        recorded as failed).

    Returns
    -------
    EnsembleResult

    Raises
    ------
    PatternError, EnsembleError, OutputExistsError
        Bad pattern or n, existing folder, unreachable scheduler: before any replicate.
    """
    return _run_many([pattern], n, seed, workers=workers, scheduler=scheduler, out=out,
                     resume=resume, force=force, progress=progress, chunk_size=chunk_size,
                     save_nights=save_nights, scheduler_timeout_s=scheduler_timeout_s,
                     stop_after=stop_after, fail_replicates=fail_replicates)


def compare(patterns: Sequence, n: int, seed: int | None = 0, **kwargs) -> EnsembleResult:
    """Run the same replicates (common random numbers) for several patterns.

    Replicate ``i`` of every pattern draws from the same child
    ``SeedSequence(seed, spawn_key=(i,))``. Keyword arguments are those of :func:`run`;
    with ``out`` the folder also gets ``summary.csv`` and PNG plots
    (:mod:`gridmodel.report.ensemble_plots`).
    """
    if len(patterns) < 1:
        msg = "compare needs at least one pattern file."
        raise EnsembleError(msg)
    pats = _as_patterns(patterns)
    periods = {(str(p.run["start"]), int(p.run["horizon_h"])) for p in pats}
    if len(periods) > 1:  # the metrics sum over the run period: not comparable otherwise
        each = "; ".join(f"{p.name}: start {p.run['start']}, horizon_h {p.run['horizon_h']}"
                         for p in pats)
        msg = (f"compare needs the patterns on one run period, their metrics are sums over "
               f"it ({each}); give every pattern's [run] the same start and horizon_h.")
        raise EnsembleError(msg)
    return _run_many(pats, n, seed, plots=True, **kwargs)


def _check_args(n, patterns, seed, workers, scheduler, out, save_nights, chunk_size):
    """Validated ``(n, patterns, seed, chunk size)`` of an ensemble call."""
    n = _check_n(n)
    pats = _as_patterns(patterns)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        msg = f"workers must be a whole number >= 1; got {workers=!r}."
        raise EnsembleError(msg)
    if save_nights and out is None:
        msg = "save_nights=True needs an output folder (out=...)."
        raise EnsembleError(msg)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    checked_seed(int(seed) if isinstance(seed, np.integer) else seed, error=EnsembleError)
    n_exec = 1 if scheduler is not None else workers
    size = (chunk_size if chunk_size is not None
            else max(1, min(10, math.ceil(n / (8 * n_exec)))))
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        msg = f"chunk_size must be a whole number >= 1; got {chunk_size=!r}."
        raise EnsembleError(msg)
    return n, pats, int(seed), size


class _Collector:
    """Receives finished chunks: keeps their rows, writes their parts, counts them."""

    def __init__(self, pats, outp, save_nights: bool, stop_after, bar) -> None:
        self.pats, self.outp, self.save_nights = pats, outp, save_nights
        self.stop_after, self.bar = stop_after, bar
        self.rows: list[list[dict]] = []
        self.written = 0

    def __call__(self, res) -> bool:
        """Take one chunk's result; True when ``stop_after`` chunks are written."""
        k, idx, rows, nights = res
        self.rows.append(rows)
        if self.outp is not None:
            if self.save_nights:
                _write_nights(self.outp, self.pats[k], nights, rows)
            _write_part(self.outp, k, idx[0], rows)
        self.written += 1
        if self.bar is not None:
            self.bar.update(len(rows))
        return self.stop_after is not None and self.written >= self.stop_after


def _dispatch(todo, pats, seed, fail, save_nights, workers, client, collect) -> bool:
    """Run the chunks on Dask, in this process or on a process pool; False if stopped."""
    args = (seed, fail, save_nights)
    if not todo:
        return True
    if client is not None:
        from dask.distributed import as_completed as dask_completed

        # contexts built once here and sent once to every worker (not built per worker)
        ctxs = client.scatter([_contexts(pats)], broadcast=True)[0]
        futs = [client.submit(_run_chunk_with, ctxs, pats, k, idx, *args, pure=False)
                for k, idx in todo]
        for fut in dask_completed(futs):
            if collect(fut.result()):
                for f in futs:
                    f.cancel()
                return False
        return True
    if workers == 1:
        return not any(collect(_run_chunk(pats, k, idx, *args)) for k, idx in todo)
    from gridmodel.studies._pool import run_chunks

    def killed(pats_, k, idx, reason):
        return _killed_chunk(pats_, seed, k, idx, reason)

    # contexts built once here: a forked worker inherits them, another unpickles them
    return run_chunks(_run_chunk, [(pats, k, idx) for k, idx in todo], args, workers,
                      _init_worker, (pats, _contexts(pats)), collect, killed)


def _pending(outp, pats, n: int, size: int):
    """Chunks already written (their rows) and chunks still to run."""
    done_rows: list[pd.DataFrame] = []
    todo = []
    for k in range(len(pats)):
        for idx in _chunks(n, size):
            part = None if outp is None else _part_path(outp, k, idx[0])
            if part is not None and part.is_file():
                done_rows.append(read_frame(
                    part, "part file of the interrupted run", "it is damaged: move it "
                    "away and --resume again to recompute its chunk.", EnsembleError))
            else:
                todo.append((k, idx))
    return done_rows, todo


def _run_many(patterns, n, seed, *, workers=1, scheduler=None, out=None, resume=False,
              force=False, progress=True, chunk_size=None, save_nights=False,
              scheduler_timeout_s=5.0, stop_after=None, fail_replicates=(),
              plots=False) -> EnsembleResult:
    t0 = time.perf_counter()
    n, pats, seed, size = _check_args(n, patterns, seed, workers, scheduler, out,
                                      save_nights, chunk_size)
    fail = frozenset(int(i) for i in fail_replicates)
    client, own_client = None, False
    if scheduler is not None:
        client, own_client = _connect(scheduler, scheduler_timeout_s)
    try:
        folder = _open_out(pats, n, seed, size, out, resume, force)
        try:
            done_rows, new_rows, complete, t_setup = _replicates(
                folder, pats, (n, seed, size, fail), workers, client, progress, save_nights,
                stop_after)
            return _finish(pats, done_rows, new_rows, folder, complete, plots, seed, n,
                           (t0, t_setup))
        except BaseException:
            if folder is not None:
                folder.discard()  # keeps the partial folder once it holds parts (resume)
            raise
    finally:
        if own_client and client is not None:
            client.close()


def _open_out(pats, n: int, seed: int, size: int, out, resume: bool,
              force: bool) -> OutputFolder | None:
    """Network-dependent checks, then the manifest and the output folder: before any work."""
    from gridmodel.strikes.patterns import check_pattern

    for p in pats:  # selectors match, heat layer fits
        check_pattern(p, _context(p.run).net)
    manifest = {"version": MANIFEST_VERSION,
                "patterns": [{"name": p.name, "key": p.key(),
                              "file": str(p.path) if p.path else None} for p in pats],
                "n": n, "seed_entropy": str(seed), "chunk_size": size,
                "illustrative": True}
    inputs = _inputs(pats) if out is not None else []
    manifest["hashes"] = inputs_digest(inputs)
    return _prepare_out(out, resume, force, manifest, inputs)


def inputs_digest(paths: Iterable[Path]) -> dict[str, str]:
    """SHA-256 of the content of each input (:func:`_inputs`), by path (a folder: every
    file below it, as a run's ``summary.json`` hashes). A resumed ensemble checks them
    (:func:`_prepare_out`)."""
    from gridmodel.studies.scenario import _sha256_path

    # keyed by the resolved path: the same inputs from another working folder match
    return {str(Path(p).resolve()): _sha256_path(Path(p)) for p in paths if p is not None}


def _replicates(folder, pats, spec: tuple, workers, client, progress, save_nights,
                stop_after):
    """Run the chunks not yet written; ``(done rows, new rows, complete, t_setup)``."""
    n, seed, size, fail = spec
    outp = None if folder is None else folder.path
    done_rows, todo = _pending(outp, pats, n, size)
    t_setup = time.perf_counter()
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n * len(pats), initial=sum(len(d) for d in done_rows),
                   unit="rep", desc="replicates", smoothing=0.1, disable=None)
    collect = _Collector(pats, outp, save_nights, stop_after, bar)
    complete = _dispatch(todo, pats, seed, fail, save_nights, workers, client, collect)
    if bar is not None:
        bar.close()
    return done_rows, collect.rows, complete and collect.written >= len(todo), t_setup


def _finish(pats, done_rows, new_rows, folder, complete, plots, seed, n,
            t: tuple[float, float]) -> EnsembleResult:
    """All rows in pattern and replicate order, the summary, and the folder's files.

    A complete run's folder is swapped into place (``out``); an incomplete one stays
    in its partial folder (``result.out``) for ``resume``.
    """
    t0, t_setup = t
    outp = None if folder is None else folder.path
    frames = done_rows + [_to_frame(r) for r in new_rows]
    frame = (pd.concat(frames, ignore_index=True) if frames
             else _to_frame([]).iloc[0:0])
    frame["warnings"] = _warnings_column(frame)
    order = {p.name: k for k, p in enumerate(pats)}
    frame = frame.sort_values(["pattern", "replicate"], key=lambda s: s.map(order)
                              if s.name == "pattern" else s, kind="stable")
    frame = frame.reset_index(drop=True)
    summary = summarise(frame)
    t_end = time.perf_counter()
    n_new = sum(len(r) for r in new_rows)
    timings = {"setup": t_setup - t0, "replicates": t_end - t_setup, "n_computed": n_new,
               "replicates_per_s": (n_new / (t_end - t_setup) if t_end > t_setup
                                    else float("nan"))}
    if outp is not None and complete:
        frame.to_parquet(outp / "replicates.parquet", index=False)
        summary.to_csv(outp / "summary.csv", index=False)
        figures = []
        if plots:
            from gridmodel.report.ensemble_plots import write_plots

            figures = [outp / f for f in write_plots(outp, frame)]
        _write_html(outp, pats, frame, summary, figures, seed, n)
        outp = folder.commit("replicates.parquet")
    return EnsembleResult(frame=frame, summary=summary, out=outp, complete=complete,
                          timings_s=timings, patterns=pats)


def _write_html(outp: Path, pats, frame: pd.DataFrame, summary: pd.DataFrame, figures,
                seed: int, n: int) -> None:
    """``report.html`` of an ensemble or comparison (gridmodel.report.html): the findings
    (medians per pattern, paired differences) first, the paired-difference plot of a
    comparison."""
    from gridmodel.report.change_plots import paired_png
    from gridmodel.report.html import write_report
    from gridmodel.report.study_findings import compare_box, paired_differences

    names = ", ".join(p.name for p in pats)
    failed = frame[frame["status"] != "ok"]
    warned = frame[computed_in_part(frame)]
    diffs, ref = paired_differences(frame, list(METRICS))
    paired = [(f"Paired differences against {ref}: each replicate of a pattern minus the "
               "same replicate of the reference", paired_png(diffs, ref))] if len(diffs) else []
    write_report(
        outp, title=f"Ensemble: {names} ({n} replicates each)",
        summary={"patterns": names, "replicates_per_pattern": n, "seed": seed,
                 "failed_replicates": int(len(failed)),
                 "replicates_with_model_warnings": int(len(warned))},
        findings=compare_box(summary, diffs, ref, n, int(len(failed))),
        figures=paired + [(Path(f).stem.replace("_", " "), f) for f in figures],
        tables={"Median and 5-95 % range per pattern and metric": summary,
                "Failed replicates (seed and error)": failed[
                    [c for c in ("pattern", "replicate", "seed_entropy", "error")
                     if c in failed.columns]],
                "Replicates with model warnings (computed in part; seed and message)":
                    warned[["pattern", "replicate", "seed_entropy", "warnings"]]},
        illustrative=["Strike patterns, interception presets and damage distributions are "
                      "illustrative [C] (gridmodel/data/patterns_defaults.toml); read the "
                      "results as comparisons between patterns, not as forecasts."],
        provenance={"seed": seed, "patterns": [str(p.path) if p.path else p.name
                                               for p in pats]})


def _warnings_column(frame: pd.DataFrame) -> pd.Series:
    """The rows' ``warnings`` as text, "" where none was recorded: rows of part files or
    tables written before rows kept model warnings read as without any."""
    w = frame["warnings"] if "warnings" in frame else pd.Series("", index=frame.index)
    return w.fillna("").astype(str)


def computed_in_part(frame: pd.DataFrame) -> pd.Series:
    """Which replicates ran (``status`` ok) but were computed only in part: a model
    warning in their row (``warnings``)."""
    return (frame["status"] == "ok") & (_warnings_column(frame) != "")


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Median and 5-95 % range of every metric per pattern (successful replicates).

    Returns
    -------
    pandas.DataFrame
        ``pattern, metric, median, p05, p95, n_ok, n_failed, n_warned`` (successful
        replicates with a model warning, counted in ``n_ok``), ``illustrative``.
    """
    rows = []
    for name, g in frame.groupby("pattern", sort=False):
        ok = g[g["status"] == "ok"]
        counts = {"n_ok": int(len(ok)), "n_failed": int(len(g) - len(ok)),
                  "n_warned": int(computed_in_part(g).sum())}
        for m in METRICS:
            x = ok[m].to_numpy(float)
            x = x[np.isfinite(x)]
            q = np.quantile(x, [0.5, 0.05, 0.95]) if len(x) else [np.nan] * 3
            rows.append({"pattern": name, "metric": m, "median": float(q[0]),
                         "p05": float(q[1]), "p95": float(q[2]), **counts,
                         "illustrative": True})
    return pd.DataFrame(rows, columns=["pattern", "metric", "median", "p05", "p95", "n_ok",
                                       "n_failed", "n_warned", "illustrative"])


def replay(path, *, progress: bool = False) -> dict:
    """Run a saved night with :func:`gridmodel.studies.scenario.run` and compute its ensemble row.

    Parameters
    ----------
    path : str or path
        The scenario file ``night_<i>.toml`` written by ``save_nights`` (or its
        ``night_<i>.csv``; the ``.toml`` beside it is used).

    Returns
    -------
    dict
        ``n_strikes`` and the metric columns (:data:`METRICS`),
        computed as in the ensemble; equal to the replicate's row.
    """
    from gridmodel.studies.scenario import load_scenario
    from gridmodel.studies.scenario import run as run_scenario

    path = Path(path)
    if path.suffix.lower() == ".csv":
        path = path.with_suffix(".toml")
    sc = load_scenario(path)
    res = run_scenario(sc, out=None, progress=progress)
    row = {"n_strikes": int(res.summary["scenario"]["n_strikes"])}
    row.update(metric_values(res.chain, res.context))
    return row
