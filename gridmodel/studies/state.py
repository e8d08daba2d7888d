"""The end state of a run, saved with its outputs, and a run that starts from it.

``gridmodel run`` writes ``OUT/state/`` (docs/campaigns.md):

* ``state.json``: the campaign's first hour (``origin``), the hour the state holds
  (``end``, the first hour a resumed run models), the run's network, status date,
  weather, heat layer and grid options, and the **random-number state**: the seed, the
  draws taken so far by the grid repair stream and by the heat-asset stream
  (:func:`gridmodel.pipeline.heat_rng`) and each stream's bit-generator state after them;
* ``strikes.parquet``: every strike of the campaign so far with the repair time it got
  (drawn or given), grid and heat-layer assets;
* ``assets.parquet``: the assets still under repair at ``end`` with their remaining
  fraction and remaining hours;
* ``buildings.parquet``: per building at the last hour: drained, without heat, waiting for a
  crew or restarting, the hours of its last drain and crew start, its indoor temperature.

A scenario with ``initial_state = "<folder>"`` starts at that ``end``. The heat rules'
state at an hour is the chain's own history (stops that began earlier and their elapsed
hours, backup fuel, the restart queue in drain order, the blackout rotation, indoor
temperatures), so the resumed run continues it exactly by running the chain from the
campaign's ``origin`` with the recorded strikes (their repair hours fixed, so the repair
stream continues where it stopped: a draw is taken for every strike in order) plus its
own, and reports from its start on (:func:`gridmodel.pipeline.window`). The result is
bitwise the one of the whole campaign run at once. ``resume_check`` in its summary
compares the replayed state at the hour before ``end`` with the saved tables (they differ
only where a rule looks beyond the hour it decides).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.frames import read_frame
from gridmodel._io.jsonio import read_json
from gridmodel.errors import InputError

__all__ = ["STATE_KEYS", "history_strikes", "load_state", "resume_check", "resume_config",
           "save_state"]

SCHEMA = 1
#: run keys a resumed scenario must share with its state
STATE_KEYS = ("network", "status_date", "weather", "heat_layer", "grid")
_STRIKE_COLUMNS = ["asset_id", "time", "effect", "fraction_lost", "repair_h", "kind", "name",
                   "target", "weapon", "source", "row", "file"]


def _run_keys(sc) -> dict:
    return {"network": sc.network, "status_date": sc.status_date.isoformat(),
            "weather": sc.weather, "heat_layer": sc.heat.layer,
            "grid": sc.grid.model_dump()}


def _saved_run_keys(run: dict) -> dict:
    """A state's run keys with the grid options it predates at their defaults: a state
    saved before an option existed ran as that option's default does (``line_limits``:
    the LP was always on)."""
    from gridmodel.config import GRID

    defaults = json.loads(json.dumps(GRID.model_dump(), default=str))
    return {**run, "grid": {**defaults, **run.get("grid", {})}}


def _stream(rng: np.random.Generator, n: int) -> dict:
    rng.random(n)  # the draws taken: one uniform per strike (gridmodel.strikes.repairs)
    return {"draws": int(n), "bit_generator": rng.bit_generator.state}


def _strike_table(strikes: pd.DataFrame | None) -> pd.DataFrame:
    if strikes is None or not len(strikes):
        return pd.DataFrame(columns=_STRIKE_COLUMNS)
    df = strikes.reindex(columns=_STRIKE_COLUMNS).copy()
    for c in ("effect", "kind", "name", "target", "weapon", "source", "row", "file"):
        df[c] = df[c].astype(object).where(df[c].notna(), None).map(
            lambda v: None if v is None else str(v))
    return df


def _buildings(ctx, chain) -> pd.DataFrame:
    bh, temps, index = chain.heat, chain.temperatures, ctx.index

    def hour(k):
        return [index[i].isoformat() if i >= 0 else None for i in k]

    waiting = bh.drained[-1] & (bh.restart_start < np.maximum(bh.drain_time, 0))
    return pd.DataFrame({
        "building_id": ctx.layer.buildings["building_id"].to_numpy(),
        "drained": bh.drained[-1], "without_heat": bh.without_heat[-1],
        "waiting_for_crew": waiting, "restarting": bh.drained[-1] & ~waiting,
        "drain_time": hour(bh.drain_time), "restart_start": hour(bh.restart_start),
        "temp_indoor_c": temps.to_buildings()[-1]})


def _assets_under_repair(chain, end: pd.Timestamp) -> pd.DataFrame:
    parts = [p for p in (chain.timeline.assets, chain.heat_assets) if p is not None]
    per = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["asset_id", "start", "end", "remaining_fraction"])
    per = per[(pd.to_datetime(per["start"], utc=True) < end)
              & (pd.to_datetime(per["end"], utc=True) > end)]
    return pd.DataFrame({"asset_id": per["asset_id"].to_numpy(dtype=object),
                         "remaining_fraction": per["remaining_fraction"].to_numpy(float),
                         "end": pd.to_datetime(per["end"], utc=True).to_numpy(),
                         "remaining_h": ((pd.to_datetime(per["end"], utc=True) - end)
                                         / pd.Timedelta(hours=1)).to_numpy(float)})


def save_state(folder, sc, ctx, chain, origin, history: pd.DataFrame | None) -> Path:
    """Write the end state of a run (module docstring) into ``folder``.

    Parameters
    ----------
    folder : path
        Created; e.g. ``OUT/state``.
    sc : gridmodel.studies.scenario.Scenario
    ctx, chain
        The run's context and chain result over the campaign so far (from ``origin``).
    origin : timestamp
        The campaign's first hour.
    history : DataFrame or None
        Every strike so far with its ``repair_h`` (grid and heat).
    """
    from gridmodel.pipeline import heat_rng

    folder = Path(folder)
    folder.mkdir(parents=True)
    end = ctx.index[-1] + pd.Timedelta(hours=1)
    grid = chain.timeline.strikes
    n_grid = 0 if grid is None else len(grid)
    n_heat = 0 if chain.heat_strikes is None else len(chain.heat_strikes)
    doc = {"schema": SCHEMA, "scenario": sc.name, "origin": pd.Timestamp(origin).isoformat(),
           "end": end.isoformat(), "run": _run_keys(sc), "seed": int(sc.seed),
           "random": {"grid_repairs": _stream(np.random.default_rng(int(sc.seed)), n_grid),
                      "heat_repairs": _stream(heat_rng(int(sc.seed)), n_heat)}}
    (folder / "state.json").write_text(json.dumps(doc, indent=2, default=str) + "\n",
                                       encoding="utf-8")
    _strike_table(history).to_parquet(folder / "strikes.parquet", index=False)
    _assets_under_repair(chain, end.tz_convert("UTC")).to_parquet(
        folder / "assets.parquet", index=False)
    _buildings(ctx, chain).to_parquet(folder / "buildings.parquet", index=False)
    return folder


def load_state(folder) -> dict:
    """Read a saved state: ``state.json`` as a dict plus ``strikes`` and ``buildings``.

    Raises
    ------
    InputError
        The folder or one of its files is missing, or its schema is not this one.
    """
    folder = Path(folder)
    f = folder / "state.json"
    if not f.is_file():
        msg = (f"initial_state {folder} holds no state.json; give the state folder a run "
               "wrote (OUT/state).")
        raise InputError(msg)
    doc = read_json(f, "state file")
    if doc.get("schema") != SCHEMA:
        msg = f"{f}: state schema {doc.get('schema')!r}; this gridmodel reads {SCHEMA}."
        raise InputError(msg)
    fix = "give the state folder a complete run wrote (OUT/state)."
    doc["strikes"] = read_frame(folder / "strikes.parquet", "saved state", fix)
    doc["buildings"] = read_frame(folder / "buildings.parquet", "saved state", fix)
    doc["folder"] = folder
    return doc


def resume_config(sc, state: dict):
    """The scenario over the whole campaign: from the state's origin to ``sc``'s end.

    Raises
    ------
    InputError
        ``sc`` does not start at the state's end, or differs from it in a key of
        :data:`STATE_KEYS`.
    """
    end = pd.Timestamp(state["end"])
    start = pd.Timestamp(sc.start)
    where = f"{sc.path}: " if sc.path is not None else ""
    if start != end:
        msg = (f"{where}a run from initial_state starts where the state ends: start = "
               f"{end.isoformat()} (got {start.isoformat()}).")
        raise InputError(msg)
    ours = json.loads(json.dumps(_run_keys(sc), default=str))
    saved = _saved_run_keys(state["run"])
    bad = [k for k in STATE_KEYS if ours[k] != saved[k]]
    if bad:
        msg = (f"{where}a run from initial_state keeps the campaign's {list(STATE_KEYS)}; "
               f"these differ from the state's: "
               + "; ".join(f"{k}: {ours[k]!r} vs {saved[k]!r}" for k in bad) + ".")
        raise InputError(msg)
    origin = pd.Timestamp(state["origin"])
    hours = int(round((start - origin) / pd.Timedelta(hours=1))) + int(sc.horizon_h)
    return sc.model_copy(update={"start": origin.to_pydatetime(), "horizon_h": hours,
                                 "seed": int(state["seed"])})


def history_strikes(state: dict, new: pd.DataFrame | None, start) -> pd.DataFrame | None:
    """The state's strikes (repair hours fixed) then ``new``, in time order.

    Raises
    ------
    InputError
        A new strike before the resumed run's start.
    """
    old = state["strikes"]
    if len(old):
        old = old.assign(time=pd.to_datetime(old["time"], utc=True))
    t0 = pd.Timestamp(start).tz_convert("UTC")
    if new is not None and (pd.to_datetime(new["time"], utc=True) < t0).any():
        msg = (f"a run from initial_state strikes from its start ({t0.isoformat()}) on; "
               f"earlier strikes belong to the state.")
        raise InputError(msg)
    parts = [p for p in (old, new) if p is not None and len(p)]
    if not parts:
        return None
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return df.sort_values("time", kind="stable").reset_index(drop=True)


def check_layer_matches(state: dict, layer) -> None:
    """The heat layer of a resumed run has the buildings of the state, in its order.

    Raises
    ------
    InputError
        Buildings added, removed, renamed or reordered since the state was saved: the
        state's drained buildings and indoor temperatures would belong to others.
    """
    saved = state["buildings"]["building_id"].astype(str).to_numpy()
    now = layer.buildings["building_id"].astype(str).to_numpy()
    if len(saved) == len(now) and (saved == now).all():
        return
    gone = sorted(set(saved) - set(now))
    new = sorted(set(now) - set(saved))
    what = (f"{len(gone)} of its buildings are not in the layer now (e.g. {gone[:3]}), "
            f"{len(new)} of the layer's are not in the state (e.g. {new[:3]})"
            if gone or new else "the layer lists the same buildings in another order")
    msg = (f"initial_state {state['folder']} was saved with another heat layer than "
           f"{layer.folder}'s: {what}. Resume "
           "with the layer the state was saved with, or start the campaign again from its "
           "first night.")
    raise InputError(msg)


def resume_check(state: dict, chain, k: int) -> dict:
    """Replayed state at the hour before the resume (row ``k - 1``) against the saved one."""
    b = state["buildings"]
    replay = chain.heat.drained[k - 1]
    saved = b["drained"].to_numpy(bool)
    t_saved = b["temp_indoor_c"].to_numpy(float)
    t_replay = chain.temperatures.to_buildings()[k - 1]
    return {"state": str(state["folder"]), "origin": state["origin"],
            "buildings_drained_saved": int(saved.sum()),
            "buildings_drained_replayed": int(replay.sum()),
            "buildings_drained_differ": int((saved != replay).sum()),
            "temp_indoor_max_abs_diff_c": float(np.max(np.abs(t_saved - t_replay)))
            if len(t_saved) else 0.0}
