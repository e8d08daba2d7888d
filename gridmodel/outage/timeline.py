"""Outages over time: strikes, repairs, hourly demand and rolling blackouts.

:func:`simulate_outages` steps through a horizon (``step_h``, default 1 h):

1. Strikes are binned to the step that contains them (an asset struck at 04:20 is out
   from the 04:00 step); a repair done at 10:20 brings the asset back from the first
   step that starts at or after it (the 11:00 step). Repair times are drawn per strike
   (:mod:`gridmodel.strikes.repairs`, seeded). A nuclear plant whose connection
   substation is struck trips with it and restarts after the substation's repair plus a
   restart draw (:mod:`gridmodel.outage.nuclear`). A normally-open tie closes
   ``switching_h`` after one of its ends is cut off from every source, while it is
   (:mod:`gridmodel.outage.ties`).
2. Demand follows the daily profile and the outdoor temperature
   (:mod:`gridmodel.outage.demand`), so it changes every step.
3. **Re-run rule.** :func:`gridmodel.outage.engine.simulate_outage` is called once per
   distinct *(asset state, demand)* pair and its result is reused for every other step
   with the same pair. The asset state is the set of ``{asset_id: remaining fraction}``;
   the demand is the per-class demand factor rounded to ``demand_step`` (default 0.01,
   i.e. demand is quantised to 1 % steps of each load's peak demand; the error this
   introduces is at most half a step, 0.5 % of demand). With ``demand_step=0`` the
   demand is exact and a step is re-run whenever the assets or the demand change.
   Without temperature input the profile repeats daily, so a week with unchanged
   assets costs at most 24 engine runs.
4. The rolling-blackout schedule (:mod:`gridmodel.outage.blackouts`) turns the MW shed
   in energised islands into queues switched off in blocks of the local day: in the
   network's zone (``[areas] timezone`` of its ``network.toml``) or, for a network
   without one, in the demand profile's zone (the zone of its hours).

The caller's network is never modified.
"""

from __future__ import annotations

import copy
import math
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel.config import GRID
from gridmodel.errors import InputError, recording_model_warnings, unique_messages
from gridmodel.outage.demand import (
    CLASSES,
    DemandProfile,
    demand_factors,
    load_demand_profile,
    profile_loads,
)
from gridmodel.outage.nuclear import response_strikes
from gridmodel.outage.result import LazyTable, LazyTables
from gridmodel.outage.steps import SUM_COLUMNS, StepArrays
from gridmodel.outage.ties import with_tie_closings
from gridmodel.strikes.repairs import (
    RepairTable,
    asset_states,
    load_repair_table,
    make_rng,
    repair_hours,
)

__all__ = ["TimelineResult", "simulate_outages", "snapshot", "state_timeline"]



def _simulate(net, outages, **kwargs):
    """Call the outage engine (imported lazily; tests replace this function)."""
    from gridmodel.outage.engine import simulate_outage

    return simulate_outage(net, outages, **kwargs)


_ENGINE_SIMULATE = _simulate


#: the tables of :class:`TimelineResult` that may be built on first read
TIMELINE_TABLES = ("loads", "oblasts", "classes", "islands")


class TimelineResult(LazyTables):
    """Hourly results of :func:`simulate_outages` (tidy frames, times in UTC).

    ``loads``, ``oblasts``, ``classes`` and ``islands`` may be given as DataFrames or as
    functions without arguments that build them (:class:`~gridmodel.outage.result.LazyTable`):
    the fast engine's array path passes functions over ``steps``, so a caller that reads
    the arrays (rolling blackouts, heat inputs, metrics) builds no table.

    Attributes
    ----------
    loads : DataFrame
        ``time, load_id, oblast, priority_class, island, demand_mw, served_mw, shed_mw,
        energised`` per step and load.
    oblasts : DataFrame
        ``time, oblast, demand_mw, served_mw, shed_mw`` per step and oblast.
    classes : DataFrame
        ``time, priority_class, demand_mw, served_mw, shed_mw``.
    islands : DataFrame
        The engine's island table per step, with ``time`` and ``run``.
    assets : DataFrame
        Asset-state periods (:data:`gridmodel.strikes.repairs.STATE_COLUMNS`) with
        ``kind`` and ``name``: which assets are out, how much, and when they return.
    strikes : DataFrame
        The resolved strikes with the ``repair_h`` used (drawn or given).
    runs : DataFrame
        ``time, run, cached, n_assets_out, demand_mw`` per step (``n_assets_out``: assets
        out or damaged, not the ties closed to re-feed them): ``run`` numbers the
        engine calls, ``cached`` is True where a step reused an earlier run.
    blackouts : BlackoutSchedule or None
        Rolling-blackout schedule (:func:`gridmodel.outage.blackouts.rolling_blackouts`).
    steps : gridmodel.outage.steps.StepArrays or None
        The same results as arrays (one row per run, the run of every step) on the fast
        engine's array path; None on the reference path.
    model_warnings : tuple of str
        The :class:`~gridmodel.errors.ModelWarning` messages issued while the timeline was
        computed, each once (a result computed only in part, such as an island whose line
        limits could not be held: :class:`~gridmodel.errors.LineLimitWarning`); kept with
        the result, so a timeline reused from a cache still says them.
    """

    TABLES = TIMELINE_TABLES
    loads = LazyTable()
    oblasts = LazyTable()
    classes = LazyTable()
    islands = LazyTable()

    def __init__(self, loads, oblasts, classes, islands, assets: pd.DataFrame,
                 strikes: pd.DataFrame, runs: pd.DataFrame, blackouts=None,
                 meta: dict | None = None, steps: StepArrays | None = None,
                 model_warnings: tuple[str, ...] = ()) -> None:
        self._tables: dict = {"loads": loads, "oblasts": oblasts, "classes": classes,
                              "islands": islands}
        self.assets = assets
        self.strikes = strikes
        self.runs = runs
        self.blackouts = blackouts
        self.meta = {} if meta is None else meta
        self.steps = steps
        self.model_warnings = tuple(model_warnings)

    def __repr__(self) -> str:
        return (f"TimelineResult({len(self.runs)} steps, {self.n_engine_runs} engine runs, "
                f"{len(self.assets)} asset periods)")

    @property
    def n_engine_runs(self) -> int:
        """Number of calls to the outage engine."""
        return int((~self.runs["cached"]).sum())

    def summary(self) -> pd.DataFrame:
        """Served and shed energy [MWh] and peak shed [MW] per oblast over the horizon."""
        step_h = float(self.meta.get("step_h", 1.0))
        g = self.oblasts.groupby("oblast")
        return pd.DataFrame({
            "demand_mwh": g["demand_mw"].sum() * step_h,
            "served_mwh": g["served_mw"].sum() * step_h,
            "shed_mwh": g["shed_mw"].sum() * step_h,
            "peak_shed_mw": g["shed_mw"].max(),
        })


def _as_strikes(net, strikes) -> pd.DataFrame | None:
    if strikes is None:
        return None
    if isinstance(strikes, str | Path):
        from gridmodel.strikes import load_strikes

        return load_strikes(strikes, net)
    if not isinstance(strikes, pd.DataFrame):
        msg = ("strikes must be a resolved strike table (gridmodel.strikes.load_strikes), a "
               f"path to a strike list, or None for the baseline; got {type(strikes).__name__}.")
        raise InputError(msg)
    missing = [c for c in ("asset_id", "time", "effect", "fraction_lost") if c not in strikes]
    if missing:
        msg = (f"strike table lacks columns {missing}; resolve it with "
               "gridmodel.strikes.load_strikes(path, net) or resolve_strikes(net, raw).")
        raise InputError(msg)
    return strikes


def _timestamp(value, what: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        msg = (f"{what} {value!r} has no time zone; give e.g. '2026-02-03T00:00+02:00' or "
               "a tz-aware Timestamp.")
        raise InputError(msg)
    return stamp.tz_convert("UTC")


def state_timeline(periods: pd.DataFrame, times: pd.DatetimeIndex,
                   step_h: float) -> list[dict[str, float]]:
    """Asset state ``{asset_id: remaining fraction}`` at each step.

    A period ``[start, end)`` applies from the step containing ``start`` up to, not
    including, the first step starting at or after ``end``. Overlapping periods of one
    asset keep the lowest remaining fraction.
    """
    n = len(times)
    t0 = times[0]
    states: list[dict[str, float]] = [{} for _ in range(n)]
    step = pd.Timedelta(hours=step_h)
    for p in periods.itertuples(index=False):
        k0 = max(math.floor((p.start - t0) / step), 0)
        k1 = min(math.ceil((p.end - t0) / step), n)
        for k in range(k0, k1):
            cur = states[k].get(p.asset_id, 1.0)
            states[k][p.asset_id] = min(cur, float(p.remaining_fraction))
    return states


def _check_horizon(strikes: pd.DataFrame, t0: pd.Timestamp, t_end: pd.Timestamp) -> None:
    outside = ((strikes["time"] < t0) | (strikes["time"] >= t_end)).to_numpy()
    if outside.any():  # (the frame is filtered only then: that costs more than the test)
        bad = strikes[outside]
        rows = ", ".join(f"{r.get('file', '')} row {r['row']} ({r['time']})" if "row" in r
                         else str(r["time"]) for _, r in bad.head(10).iterrows())
        msg = (f"{len(bad)} strike(s) outside the simulated period {t0} to {t_end}: {rows}. "
               "Move start earlier or extend horizon_h; damage from before the period "
               "belongs in the network's status (status_date).")
        raise InputError(msg)


def _loads_meta(net, network_cache: dict | None = None) -> pd.DataFrame:
    """Id, profile class and peak demand [MW] of every load of ``net`` (row order,
    :func:`~gridmodel.outage.demand.profile_loads`); kept in ``network_cache``
    (:func:`_network_cache`, the compiled network's, fingerprinted for ``net``) when
    given. Read only: the cached frame is shared by every call."""
    meta = network_cache.get("loads_meta") if network_cache is not None else None
    if meta is None:
        meta = profile_loads(net)
        if network_cache is not None:
            network_cache["loads_meta"] = meta
    return meta


def simulate_outages(net, strikes=None, start=None, horizon_h: float = 24.0,
                     step_h: float = 1.0, *, temp_air=None, seed=None,
                     rng: np.random.Generator | None = None, engine: str = "pandapower",
                     ac: bool = False, import_cap_mw: float | None = None,
                     max_cascade_rounds: int = GRID.max_cascade_rounds,
                     repair_table: RepairTable | str | Path | None = None,
                     demand_profile: DemandProfile | str | Path | None = None,
                     demand_step: float = GRID.demand_step, blackouts: bool = True,
                     n_queues: int = GRID.n_queues, block_h: int = GRID.block_h,
                     engine_kwargs: Mapping | None = None, progress: bool = False,
                     _lean: bool = True) -> TimelineResult:
    """Simulate strikes, repairs and demand hour by hour.

    Parameters
    ----------
    net : pandapowerNet
        Network with a registry (``gridmodel.load_network``); not modified.
    strikes : DataFrame, path or None
        Resolved strikes (:func:`gridmodel.strikes.load_strikes`), a strike-list file,
        or None for the no-strike baseline.
    start : str or Timestamp
        Start of the first step, with a time zone (default: the first strike's hour).
    horizon_h : float
        Length of the simulated period [h].
    step_h : float
        Step [h]; ``block_h`` must be a multiple of it when ``blackouts`` is on.
    temp_air : float or pandas.Series, optional
        Outdoor temperature [C] (tz-aware hourly Series, e.g. a weather profile of
        :func:`gridmodel.weather.load_profile`) for the demand's temperature sensitivity.
    seed, rng
        Seed or numpy Generator for the repair-time draws.
    engine, ac, import_cap_mw, max_cascade_rounds
        Passed to :func:`gridmodel.outage.engine.simulate_outage` (DC by default:
        an hourly AC run is slow and often diverges in islanded states).
    repair_table, demand_profile
        Replacements for the packaged ``repair_times.toml`` / ``demand_profile.toml``.
    demand_step : float
        Quantum of the per-class demand factors of the run cache (0: exact; module docstring).
    blackouts : bool
        Also compute the rolling-blackout schedule (``n_queues`` queues, ``block_h``-hour
        blocks; :mod:`gridmodel.outage.blackouts`; module docstring, step 4).
    engine_kwargs : mapping, optional
        Further keyword arguments for the engine.
    progress : bool
        Show a tqdm progress bar over the steps.

    Returns
    -------
    TimelineResult

    Raises
    ------
    InputError
        Naive start, bad horizon or step, strikes outside the period, bad temperature.
    """
    # pandas deep-copies attrs into every derived frame: work without, restore at the end
    strikes, attrs = _without_attrs(_as_strikes(net, strikes))
    t0, times = _step_times(strikes, start, horizon_h, step_h)
    kwargs = _engine_kwargs(net, dict(engine=engine, ac=ac, import_cap_mw=import_cap_mw,
                                      max_cascade_rounds=max_cascade_rounds,
                                      **dict(engine_kwargs or {})))
    strikes, periods = _asset_periods(net, strikes, t0, t0 + pd.Timedelta(hours=horizon_h),
                                      step_h, seed, rng, repair_table, _network_cache(kwargs))
    demand_profile = load_demand_profile(demand_profile)
    factors = _step_factors(times, temp_air, demand_profile, demand_step)
    with recording_model_warnings() as said:  # the engine's (line limits, cascade cut short)
        tables, run_rows, steps = _run_steps(net, kwargs, periods, factors, times, step_h,
                                             progress, _lean)
    strikes.attrs = copy.deepcopy(attrs)  # as pandas would have carried them
    result = TimelineResult(
        **tables, assets=periods, strikes=strikes, runs=pd.DataFrame(run_rows),
        meta={"start": t0, "horizon_h": horizon_h, "step_h": step_h, "engine": engine,
              "ac": ac, "seed": seed, "demand_step": demand_step}, steps=steps,
        model_warnings=unique_messages(said))
    if blackouts:
        per_step = result.loads if steps is None else steps  # the arrays where there are
        result.blackouts = _blackouts(net, kwargs.get("compiled"), per_step, demand_profile,
                                      n_queues, block_h, step_h)
    return result


def _network_cache(kwargs: dict) -> dict | None:
    """The timeline's cache kept with the compiled network (None without one)."""
    compiled = kwargs.get("compiled")
    return compiled.extra.setdefault("timeline", {}) if compiled is not None else None


def _without_attrs(strikes: pd.DataFrame | None) -> tuple[pd.DataFrame | None, dict]:
    """A shallow copy of ``strikes`` without ``attrs``, and the ``attrs`` (``{}`` if none)."""
    if strikes is None or not strikes.attrs:
        return strikes, {}
    attrs, strikes = strikes.attrs, strikes.copy(deep=False)
    strikes.attrs = {}
    return strikes, attrs


def _step_factors(times: pd.DatetimeIndex, temp_air, profile: DemandProfile,
                  demand_step: float) -> pd.DataFrame:
    """Demand factor per class and step, quantised to ``demand_step`` (0: exact).

    Kept by content (the step times, the temperature series' values and times, the
    profile object, which is cached per file, and the step): the replicates of an
    ensemble share their hours and weather. A copy is returned.
    """
    key = _factors_key(times, temp_air, profile, demand_step)
    hit = _FACTORS.get(key) if key is not None else None
    if hit is None:
        factors = demand_factors(times, temp_air, profile)
        if demand_step > 0:
            factors = (factors / demand_step).round() * demand_step
        if key is None:
            return factors
        hit = _FACTORS[key] = (profile, factors)  # the profile held: its id stays unique
        while len(_FACTORS) > _FACTORS_MAX:
            _FACTORS.popitem(last=False)
    return hit[1].copy()


#: demand factors by content (:func:`_step_factors`), oldest dropped first
_FACTORS: OrderedDict = OrderedDict()
_FACTORS_MAX = 16


def _factors_key(times: pd.DatetimeIndex, temp_air, profile, demand_step: float):
    """The content key of :func:`_step_factors`, or None (no caching) for a temperature
    that is neither a number nor a Series on a tz-aware DatetimeIndex (the demand
    module's checks then raise)."""
    if temp_air is None or np.isscalar(temp_air):
        temp = ("scalar", None if temp_air is None else float(temp_air))
    elif (isinstance(temp_air, pd.Series) and isinstance(temp_air.index, pd.DatetimeIndex)
          and temp_air.index.tz is not None and temp_air.dtype.kind == "f"):
        temp = (str(temp_air.index.dtype), temp_air.index.asi8.tobytes(),
                str(temp_air.dtype), temp_air.to_numpy().tobytes())
    else:
        return None
    return (str(times.dtype), times.asi8.tobytes(), temp, id(profile), float(demand_step))


def _engine_kwargs(net, kwargs: dict) -> dict:
    """Engine keyword arguments; the fast engine gets the net compiled once per timeline."""
    if kwargs["engine"] == "fast" and "compiled" not in kwargs:
        from gridmodel.outage.fast import compile_cached

        kwargs["compiled"] = compile_cached(net)  # once per timeline, not once per run
    return kwargs


def _step_times(strikes: pd.DataFrame | None, start, horizon_h: float,
                step_h: float) -> tuple[pd.Timestamp, pd.DatetimeIndex]:
    """Start (UTC; default: the first strike floored to the hour) and step times.

    Raises
    ------
    InputError
        No start for a run without strikes, a naive start, or a horizon that is not a
        whole number of steps.
    """
    if start is None:
        if strikes is None or not len(strikes):
            msg = "start is required for a run without strikes (e.g. '2026-01-15T00:00+02:00')."
            raise InputError(msg)
        start = strikes["time"].min().floor("h")
    t0 = _timestamp(start, "start")
    if not (step_h > 0 and horizon_h > 0):
        msg = f"step_h and horizon_h must be > 0 [h]; got {step_h=}, {horizon_h=}."
        raise InputError(msg)
    n_steps = int(round(horizon_h / step_h))
    if n_steps < 1 or not math.isclose(n_steps * step_h, horizon_h, rel_tol=1e-9):
        msg = f"horizon_h={horizon_h} is not a whole number of steps of {step_h} h."
        raise InputError(msg)
    return t0, pd.date_range(t0, periods=n_steps, freq=pd.Timedelta(hours=step_h))


def _asset_periods(net, strikes: pd.DataFrame | None, t0: pd.Timestamp, t_end: pd.Timestamp,
                   step_h: float, seed, rng, repair_table,
                   network_cache: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The strikes with their repair times drawn, and the asset-state periods they give:
    those of the strikes and repairs, the nuclear response, and the normally-open ties
    closed where a node is cut off (:func:`gridmodel.outage.ties.with_tie_closings`).
    ``network_cache`` (kept with the compiled network of ``net``) holds what is worked
    out from the network alone.

    Returns
    -------
    (strikes, periods)
        ``strikes`` with ``repair_h`` (an empty table for the baseline); ``periods`` as
        :func:`gridmodel.strikes.repairs.asset_states`, with ``kind`` and ``name``.
    """
    reg = network_cache.get("registry") if network_cache is not None else None
    if reg is None:
        reg = net.registry.set_index("asset_id")[["kind", "name"]]
        if network_cache is not None:
            network_cache["registry"] = reg
    if strikes is not None:
        _check_horizon(strikes, t0, t_end)
        gen = make_rng(seed, rng)
        repair_table = load_repair_table(repair_table)  # read once for strikes and trips
        hours = repair_hours(strikes, net, seed=seed, rng=gen, table=repair_table,
                             network_cache=network_cache)
        strikes = strikes.assign(repair_h=hours.to_numpy())
        # nuclear units trip when their connection substations are hit (outage.nuclear);
        # their restart draws follow the strikes' own draws on the same generator
        trips, trip_h = response_strikes(net, strikes, hours, rng=gen, table=repair_table,
                                         network_cache=network_cache)
        both = pd.concat([strikes, trips], ignore_index=True) if len(trips) else strikes
        periods = asset_states(both, pd.concat([hours, trip_h], ignore_index=True)
                               if len(trips) else hours)
    else:
        strikes = pd.DataFrame(columns=["asset_id", "time", "effect", "fraction_lost",
                                        "repair_h"])
        periods = asset_states(strikes.assign(row=[]), pd.Series([], dtype=float))
    periods = with_tie_closings(net, periods, t0, t_end, step_h)
    # (= Series.map on the registry for both columns, with one lookup)
    pos = reg.index.get_indexer(periods["asset_id"])
    known = pos >= 0
    kind, name = (np.where(known, reg[c].to_numpy(dtype=object)[pos], np.nan)
                  for c in ("kind", "name"))
    periods = periods.assign(kind=kind, name=name)
    return strikes, periods


def _run_steps(net, kwargs: dict, periods: pd.DataFrame, factors: pd.DataFrame,
               times: pd.DatetimeIndex, step_h: float, progress: bool, lean: bool) -> tuple:
    """Run the engine over the steps: the array path when it applies, else the reference.

    Returns
    -------
    (tables, run_rows, steps)
        The ``loads, oblasts, classes, islands`` tables of :class:`TimelineResult` (frames,
        or on the array path functions that build them from ``steps``), one ``runs`` row
        per step, and the :class:`~gridmodel.outage.steps.StepArrays` (None on the
        reference path).
    """
    meta = _loads_meta(net, _network_cache(kwargs))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(times), desc="hours", unit="h", disable=None, mininterval=0.5)
    if lean and _lean_applies(kwargs):
        steps, run_rows = _steps_lean(net, kwargs, periods, factors, meta, times, step_h, bar)
        tables = _lazy_tables(steps)
    else:
        steps = None
        states = state_timeline(periods, times, step_h)
        loads, islands, run_rows = _steps_results(net, kwargs, states, factors, meta, times,
                                                  bar)
        tables = {"loads": loads, "islands": islands,
                  "oblasts": _sums_table(loads, "oblast"),
                  "classes": _sums_table(loads, "priority_class")}
    if bar is not None:
        bar.close()
    return tables, run_rows, steps


def _sums_table(loads: pd.DataFrame, key: str) -> pd.DataFrame:
    """The ``oblasts`` or ``classes`` table of a load table: its sums per step and ``key``."""
    return loads.groupby(["time", key], sort=True)[SUM_COLUMNS].sum().reset_index()


def _lazy_tables(steps: StepArrays) -> dict:
    """Functions building the tables of :class:`TimelineResult` from ``steps``."""

    def sums(key):
        def build():
            out = steps.sums_frame(key)
            return out if out is not None else _sums_table(steps.loads_frame(), key)
        return build

    return {"loads": steps.loads_frame, "islands": steps.islands_frame,
            "oblasts": sums("oblast"), "classes": sums("priority_class")}


def _blackouts(net, compiled, loads: pd.DataFrame | StepArrays,
               demand_profile: DemandProfile, n_queues: int, block_h: int, step_h: float):
    """The rolling-blackout schedule of a timeline's loads (table or arrays; module rule,
    step 4).

    Areas from :func:`~gridmodel.outage.blackouts.supply_areas` (kept with the compiled
    network, which is fingerprinted for this net); the local day in the network's zone or,
    for a network without one, the demand profile's.
    """
    from gridmodel.outage.blackouts import rolling_blackouts, supply_areas

    if compiled is not None:  # compiled for this net (fingerprinted): areas kept with it
        areas = compiled.extra.get("supply_areas")
        if areas is None:
            areas = compiled.extra["supply_areas"] = supply_areas(net)
    else:
        areas = supply_areas(net)
    # the network's zone; a network without one: the zone of the demand's hours
    tz = areas.attrs.get("timezone", demand_profile.timezone)
    return rolling_blackouts(loads, areas, n_queues=n_queues, block_h=block_h,
                             step_h=step_h, timezone=tz)


def _n_out(state: Mapping[str, float]) -> int:
    """Assets out or damaged in a step state (a closed tie, listed with 1, is not)."""
    return sum(1 for v in state.values() if v < 1.0)


def _steps_results(net, kwargs, states, factors, meta, times, progress):
    """Step loop through the engine's :class:`OutageResult` (any engine; the reference)."""
    cache: dict[tuple, tuple[int, object]] = {}
    load_frames, island_frames, run_rows = [], [], []
    for k in range(len(times)):
        if progress is not None:
            progress.update(1)
        f = factors.iloc[k]
        state = states[k]
        key = (tuple(sorted((a, round(v, 9)) for a, v in state.items())),
               tuple(round(float(f[c]), 9) for c in CLASSES))
        cached = key in cache
        if not cached:
            demand = pd.Series(meta["p_peak_mw"].to_numpy()
                               * f[meta["class_for_profile"]].to_numpy(),
                               index=meta["load_id"].to_numpy())
            # the states carry the nuclear trips with their restart times already
            res = _simulate(net, dict(state), demand_mw=demand, nuclear_response=False,
                            **kwargs)
            cache[key] = (len(cache), res)
        run, res = cache[key]
        t = times[k]
        lf = res.loads.copy()
        lf.insert(0, "time", t)
        load_frames.append(lf)
        isl = res.islands.copy()
        isl.insert(0, "time", t)
        isl.insert(1, "run", run)
        island_frames.append(isl)
        run_rows.append({"time": t, "run": run, "cached": cached,
                         "n_assets_out": _n_out(state),
                         "demand_mw": float(res.loads["demand_mw"].sum())})
    return (pd.concat(load_frames, ignore_index=True),
            pd.concat(island_frames, ignore_index=True), run_rows)


#: keyword arguments of ``simulate_outage`` the array path understands
_LEAN_KEYS = frozenset({"engine", "ac", "import_cap_mw", "max_cascade_rounds",
                        "overload_threshold", "compiled", "line_limits"})


def _lean_applies(kwargs) -> bool:
    """Whether the step loop can call the fast engine's arrays directly."""
    return (_simulate is _ENGINE_SIMULATE and kwargs.get("engine") == "fast"
            and not kwargs.get("ac") and set(kwargs) <= _LEAN_KEYS
            and kwargs.get("compiled") is not None)


def _distinct_states(periods: pd.DataFrame, times: pd.DatetimeIndex, step_h: float):
    """:func:`state_timeline` as ids into the list of distinct states.

    Returns
    -------
    step_state : numpy.ndarray of int
        Index of each step's state in ``states``.
    states : list of dict
        Distinct ``{asset_id: remaining fraction}`` states (same values as
        :func:`state_timeline`).
    keys : list of tuple
        Each state as the cache key of :func:`_steps_results` (sorted, rounded).
    """
    n = len(times)
    ids = periods["asset_id"].tolist()
    assets = list(dict.fromkeys(ids))
    col = {a: j for j, a in enumerate(assets)}
    frac = np.full((n, len(assets)), np.nan)  # NaN: asset not in the state
    # steps each period covers: (t - t0) / step as Timedelta / Timedelta divides (both
    # nanosecond counts as floats, then one division)
    t0_ns = times[:1].as_unit("ns").asi8[0]
    step_ns = pd.Timedelta(hours=step_h).value

    def steps_from(column):
        return ((pd.DatetimeIndex(periods[column]).as_unit("ns").asi8 - t0_ns)
                / float(step_ns)).tolist()

    for aid, a, b, rf in zip(ids, steps_from("start"), steps_from("end"),
                             periods["remaining_fraction"].tolist(), strict=True):
        k0, k1 = max(math.floor(a), 0), min(math.ceil(b), n)
        if k1 > k0:
            cur = frac[k0:k1, col[aid]]
            frac[k0:k1, col[aid]] = np.minimum(np.where(np.isnan(cur), 1.0, cur), float(rf))
    seen: dict[bytes, int] = {}
    step_state = np.empty(n, dtype=np.int64)
    for k in range(n):
        step_state[k] = seen.setdefault(frac[k].tobytes(), len(seen))
    first = np.unique(step_state, return_index=True)[1]
    by_id = sorted(range(len(assets)), key=assets.__getitem__)  # the keys' order
    # round(v, 9) once per distinct value (a handful of fractions recur in every state)
    rounded = {v: round(v, 9) for v in np.unique(frac[first]).tolist() if v == v}
    states, keys = [], []
    for k in first:
        row = frac[k].tolist()
        states.append({assets[j]: v for j, v in enumerate(row) if v == v})  # not NaN
        keys.append(tuple((assets[j], rounded[row[j]]) for j in by_id if row[j] == row[j]))
    return step_state, states, keys


def _steps_lean(net, kwargs, periods, factors, meta, times, step_h, progress):
    """Step loop on the fast engine's arrays: ``(steps, run_rows)``, the runs as
    :class:`~gridmodel.outage.steps.StepArrays` (tables built from them when read).

    Each distinct asset state is applied once; the distinct demand levels met in it are
    evaluated together on that state (:func:`gridmodel.outage.fast.evaluate_demands`),
    each (asset state, demand) pair being one engine run, numbered in order of first
    use. The tables built from ``steps`` equal those of :func:`_steps_results` with
    ``engine="fast"`` (checked in ``tests/test_timeline_fast_equal.py``).
    """
    from gridmodel.outage._model import _base_arrays, apply_outages, check_demand_mw, load_positions
    from gridmodel.outage.balance import allocate_import_cap
    from gridmodel.outage.cascade import check_cascade_args, trip_loading
    from gridmodel.outage.fast import evaluate_demands

    compiled = kwargs["compiled"]
    model = compiled.model
    threshold = trip_loading(net.get("parameters"), kwargs.get("overload_threshold"))
    max_rounds = kwargs.get("max_cascade_rounds", 20)
    check_cascade_args(max_rounds, threshold)
    line_limits = kwargs.get("line_limits", True)
    step_state, states, state_keys = _distinct_states(periods, times, step_h)
    fcols = list(factors.columns)
    fvals = factors.to_numpy()
    key_pos = [fcols.index(c) for c in CLASSES]
    # each load's profile class is one of CLASSES (_loads_meta), each found just above
    load_pos = pd.Index(fcols).get_indexer(meta["class_for_profile"])
    demand_steps = meta["p_peak_mw"].to_numpy() * fvals[:, load_pos]  # [step, load] MW
    check_demand_mw(demand_steps, meta["load_id"].to_numpy())
    # run numbers in order of first use; a step reuses the run of its (state, demand) key
    n_steps = len(times)
    cache: dict[tuple, int] = {}
    step_run = np.empty(n_steps, dtype=np.int64)
    cached = np.zeros(n_steps, dtype=bool)
    first_step: list[int] = []
    # states with equal keys share runs: one number per key (a hash per state, not step)
    key_code: dict[tuple, int] = {}
    state_code = [key_code.setdefault(k, len(key_code)) for k in state_keys]
    step_factor = fvals[:, key_pos].tolist()  # Python floats, as float() of each value
    for k in range(n_steps):
        key = (state_code[step_state[k]], tuple(round(v, 9) for v in step_factor[k]))
        run = cache.get(key)
        if run is None:
            run = cache[key] = len(first_step)
            first_step.append(k)
        else:
            cached[k] = True
        step_run[k] = run
    first_step = np.array(first_step, dtype=np.int64)
    run_state = step_state[first_step]
    # every run's demand in model order; loads out before the strikes count no demand
    demand = np.tile(model.load_demand_mw, (len(first_step), 1))
    demand[:, load_positions(model, meta["load_id"].to_numpy())] = demand_steps[first_step]
    demand = np.where(_base_arrays(model)["load_counts"], demand, 0.0)
    parts, load_alive = {}, np.empty((len(first_step), len(model.load_bus)), dtype=bool)
    for s in range(len(states)):
        rows = np.flatnonzero(run_state == s)
        if not len(rows):
            continue
        state = apply_outages(model, states[s], import_cap_mw=kwargs.get("import_cap_mw"))
        cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
        parts[s] = (rows, evaluate_demands(compiled, state, cap, demand[rows], max_rounds,
                                           threshold, line_limits=line_limits))
        load_alive[rows] = state.load_alive
        if progress is not None:
            progress.update(int(np.isin(step_run, rows).sum()))
    runs = _gather_runs(parts, len(first_step))
    steps = StepArrays(model=model, runs=runs, load_alive=load_alive, step_run=step_run,
                       times=times, network_cache=compiled.extra.setdefault("steps", {}))
    n_out = np.array([_n_out(st) for st in states], dtype=np.int64)
    # = Series.sum of the per-load demand (no NaN here): each row summed along itself
    run_demand = np.nansum(runs.load_demand_mw, axis=1)
    run_rows = pd.DataFrame({"time": times, "run": step_run, "cached": cached,
                             "n_assets_out": n_out[step_state],
                             "demand_mw": run_demand[step_run]})
    return steps, run_rows


def _gather_runs(parts: dict, n_runs: int):
    """One :class:`~gridmodel.outage.fast.DemandRuns` with every run at its row."""
    from dataclasses import fields

    from gridmodel.outage.fast import DemandRuns

    first = next(iter(parts.values()))[1]
    out = {}
    for f in fields(DemandRuns):
        arr = getattr(first, f.name)
        out[f.name] = np.empty((n_runs, *arr.shape[1:]), dtype=arr.dtype)
        for rows, part in parts.values():
            out[f.name][rows] = getattr(part, f.name)
    return DemandRuns(**out)


def snapshot(net, strikes=None, *, engine: str = "pandapower", ac: bool = True, **kwargs):
    """Apply every strike at once (no repairs, no time): one engine run.

    Parameters
    ----------
    net : pandapowerNet
        Not modified.
    strikes : DataFrame, path or None
        Resolved strikes or a strike-list file; None gives the baseline.
    engine, ac, **kwargs
        Passed to :func:`gridmodel.outage.engine.simulate_outage`.

    Returns
    -------
    OutageResult
        The engine's result; outages are :func:`gridmodel.strikes.remaining_fractions`,
        with the nuclear plants whose connection substations are hit tripped by the
        engine (``nuclear_response``, listed in the result's ``nuclear_trips``).
    """
    from gridmodel.strikes import remaining_fractions

    strikes = _as_strikes(net, strikes)
    outages = remaining_fractions(strikes) if strikes is not None else None
    return _simulate(net, outages, engine=engine, ac=ac, **kwargs)
