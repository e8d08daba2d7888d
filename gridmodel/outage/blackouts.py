"""Rolling blackouts: turn a power deficit into queue schedules, as Ukrainian operators do.

When an energised island is short of power, the outage engine sheds MW. Operators do
not cut the same consumers all day: in each supply area the residential and industrial
consumers are split into **queues** (черги, FIELD_NOTES 2) that are switched off in turn.

The rule (see ``docs/rolling_blackouts.md``)
--------------------------------------------
- **Supply areas**: each oblast, except the substations that the network's ``[areas]``
  parameters make areas of their own (in ``ukraine`` each Kyiv 110 kV district node
  ``sub:kyiv-110-<district>``; :func:`supply_areas`).
- **Queues**: ``n_queues`` (default 6, the number of main queues in the DSOs' published
  schedules), each holding an equal share of the area's residential + industry demand.
- **Blocks**: the local day is cut into blocks of ``block_h`` hours (default 4: 00-04,
  04-08, ..., 20-24); a queue is on or off for a whole block. The local day is that of
  the network's zone (``[areas] timezone``, Europe/Kyiv in ``ukraine``), carried on the
  :func:`supply_areas` Series, or a zone the caller names.
- **Deficit**: in each area and step, the MW shed in energised islands (all classes) is
  put on residential + industry first: ``deficit = min(shed, queued demand)``.
  Critical and heat/water loads are exempt up to the available power; what the engine
  sheds beyond the queued demand stays on them (``exempt_shed_mw``).
- **Queues off per block**: with ``w_b = E_demand_b / n_queues`` the energy of one
  queue in block ``b`` and ``x_b = E_deficit_b / w_b`` (queue-blocks needed), each
  block gets ``floor(x_b)`` queues off, then extra queue-blocks go to the blocks with
  the largest fractional parts as long as the day's switched-off energy gets closer to
  the day's deficit. So per area and day
  ``|energy switched off - deficit energy| <= max_b w_b / 2`` (half a queue-block).
- **Rotation**: queues are switched off in turn: block after block a pointer runs over
  queues 0, 1, ..., n-1, 0, ... (continuing over days), so each queue's daily off-time
  differs from the others' by at most one block.
- An area with no energised queued demand (a dark island) has every queue off.

Customers are counted by demand: the share of residential customers without power is
the share of residential demand that is dark or in a switched-off queue.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from gridmodel.config import GRID
from gridmodel.errors import InputError
from gridmodel.outage._kernel import group_sums_nb
from gridmodel.outage.demand import check_timezone
from gridmodel.outage.published import published_stages
from gridmodel.outage.result import LazyTable, LazyTables
from gridmodel.outage.steps import StepArrays

__all__ = [
    "EXEMPT_CLASSES",
    "BlackoutSchedule",
    "assign_queue",
    "daily_schedule_from_snapshot",
    "local_timezone",
    "queue_power_on",
    "queues_off_per_block",
    "rolling_blackouts",
    "supply_areas",
]

#: classes kept on (up to the available power) and never put in queues
EXEMPT_CLASSES = ("critical", "heat_water")


#: the tables of :class:`BlackoutSchedule`, built on first read
SCHEDULE_TABLES = ("schedule", "blocks", "areas", "oblast_hourly", "daily", "oblast_daily")


@dataclass(eq=False)
class QueuePower:
    """Whether each queue of each area has power, per step, as arrays (what
    ``BlackoutSchedule.schedule`` lists row by row).

    Attributes
    ----------
    names : numpy.ndarray of object
        Sorted area names.
    area, t : numpy.ndarray of int
        Area (into ``names``) and step (into ``times``) of each row, sorted by area
        and time.
    times : pandas.DatetimeIndex
        Sorted distinct step times (UTC).
    on : numpy.ndarray of bool, shape (rows, queues)
    """

    names: np.ndarray
    area: np.ndarray
    t: np.ndarray
    times: pd.DatetimeIndex
    on: np.ndarray


class BlackoutSchedule(LazyTables):
    """A rolling-blackout schedule and its summaries (times in UTC).

    The tables may be given as DataFrames or as functions without arguments that build
    them on first read (:class:`~gridmodel.outage.result.LazyTable`):
    :func:`rolling_blackouts` passes functions, so a caller pays for the tables it reads;
    ``queue_power`` holds the schedule as arrays.

    Attributes
    ----------
    schedule : DataFrame
        ``area, queue, time, power_on`` for every area, queue and step.
    blocks : DataFrame
        ``area, oblast, date, block, block_start, demand_mwh, deficit_mwh, queues_off,
        off_mwh, queue_block_mwh, dark`` per area and block (``date`` local).
    areas : DataFrame
        ``area, oblast, time, queued_mw, deficit_mw, exempt_shed_mw, dark_mw,
        residential_mw, residential_dark_mw`` per area and step.
    oblast_hourly : DataFrame
        ``oblast, time, residential_off_share`` (dark or in a switched-off queue).
    daily : DataFrame
        ``area, oblast, date, queue, supply_h`` hours of supply per queue and local day.
    oblast_daily : DataFrame
        ``oblast, date, supply_h_mean`` (hours with power per residential customer and
        local day, dark hours counting as none), ``queue_supply_h_min,
        queue_supply_h_max`` (range over the queues of energised areas) and
        ``residential_dark_share`` (mean share of residential demand in dark islands).
    n_queues, block_h, step_h, timezone
        The rule's parameters.
    queue_power : QueuePower or None
        ``schedule`` as arrays (None when the schedule was given as a table only).
    oblast_off : OblastOff or None
        ``oblast_hourly`` as arrays (likewise).
    """

    TABLES = SCHEDULE_TABLES
    schedule = LazyTable()
    blocks = LazyTable()
    areas = LazyTable()
    oblast_hourly = LazyTable()
    daily = LazyTable()
    oblast_daily = LazyTable()

    def __init__(self, schedule, blocks, areas, oblast_hourly, daily, oblast_daily,
                 n_queues: int, block_h: int, step_h: float, timezone: str,
                 queue_power: QueuePower | None = None,
                 oblast_off: OblastOff | None = None) -> None:
        self._tables: dict = {"schedule": schedule, "blocks": blocks, "areas": areas,
                              "oblast_hourly": oblast_hourly, "daily": daily,
                              "oblast_daily": oblast_daily}
        self.n_queues = n_queues
        self.block_h = block_h
        self.step_h = step_h
        self.timezone = timezone
        self.queue_power = queue_power
        self.oblast_off = oblast_off

    def __repr__(self) -> str:
        return (f"BlackoutSchedule({self.n_queues} queues, {self.block_h} h blocks, "
                f"step {self.step_h} h, {self.timezone})")

    @property
    def published(self) -> pd.DataFrame:
        """Stages published a day ahead per area and local day (computed on demand).

        ``area, oblast, date, published_on, queues, hours_off_per_day, emergency,
        actual_queues``: the rule of :mod:`gridmodel.outage.published` (FIELD_NOTES 11);
        a frame the heat layer may read (docs/rolling_blackouts.md).
        """
        return published_stages(self.blocks, self.n_queues)


def _area_parameters(net) -> dict:
    """The network's ``[areas]`` parameters (``network.toml``), empty without them."""
    params = net.get("parameters", None) if hasattr(net, "get") else None
    return dict((params or {}).get("areas", {}))


def local_timezone(net) -> str | None:
    """Zone of the network's local day: ``[areas] timezone`` of its ``network.toml``.

    Returns
    -------
    str or None
        The zone (``"Europe/Kyiv"`` for ``ukraine``), or None for a network without one
        (a pandapower or MATPOWER case, a test network).

    Raises
    ------
    InputError
        An unknown zone.
    """
    tz = _area_parameters(net).get("timezone")
    return None if tz is None else check_timezone(tz, "network parameters [areas] timezone")


def _glob_matches(values: pd.Series, pattern: str) -> pd.Series:
    """Whether each string of ``values`` matches the ``*`` / ``?`` glob ``pattern``."""
    rx = re.compile(fnmatch.translate(pattern))
    return values.map(lambda v: rx.match(v) is not None).astype(bool)


def _own_area_mask(net, substation: pd.Series) -> pd.Series:
    """Whether each load's substation is an area of its own (``own_area_substations``).

    Raises
    ------
    InputError
        A pattern that matches no substation of the network's registry.
    """
    patterns = [str(p) for p in _area_parameters(net).get("own_area_substations", [])]
    reg = net.registry
    subs = reg.loc[reg["kind"] == "substation", "asset_id"].astype(str)
    unmatched = [p for p in patterns if not _glob_matches(subs, p).any()]
    if unmatched:
        msg = (f"network parameters [areas] own_area_substations: {unmatched} match no "
               "substation asset_id of the registry; name substations (e.g. "
               "'sub:kyiv-110-*').")
        raise InputError(msg)
    mask = pd.Series(False, index=substation.index)
    for p in patterns:
        mask |= _glob_matches(substation, p)
    return mask


def supply_areas(net) -> pd.Series:
    """Supply area of every load: its oblast, or its substation if that is an area itself.

    The network's ``[areas]`` parameters (``network.toml``) name the substations that are
    supply areas of their own (``own_area_substations``: asset ids, ``*`` matching any
    run of characters; in ``ukraine`` the Kyiv 110 kV district nodes ``sub:kyiv-110-*``)
    and the zone of the schedules' local day (``timezone``). A network without them has
    one area per oblast and no zone.

    Returns
    -------
    pandas.Series
        ``load_id -> area``; ``attrs["timezone"]`` holds the network's zone
        (:func:`local_timezone`), which :func:`rolling_blackouts` and
        :func:`daily_schedule_from_snapshot` use when they are not given one.

    Raises
    ------
    InputError
        A pattern that matches no substation, or an unknown zone.
    """
    reg = net.registry
    loads = reg[reg["kind"] == "load"]
    substation = loads["substation"].astype(str)
    area = loads["oblast"].astype(str).where(~_own_area_mask(net, substation), substation)
    out = pd.Series(area.to_numpy(), index=loads["asset_id"].to_numpy(), name="area")
    tz = local_timezone(net)
    if tz is not None:
        out.attrs["timezone"] = tz
    return out


def _schedule_timezone(timezone, areas: pd.Series | None, where: str) -> str:
    """The zone given, else the one ``areas`` carries (:func:`supply_areas`).

    Raises
    ------
    InputError
        Neither names a zone, or the zone is unknown.
    """
    if timezone is None and areas is not None:
        timezone = areas.attrs.get("timezone")
    if timezone is None:
        msg = (f"{where} needs the time zone of the schedules' local day: pass "
               "timezone=... (e.g. 'Europe/Kyiv'), or areas from supply_areas(net) of a "
               "network whose network.toml names one ([areas] timezone).")
        raise InputError(msg)
    return check_timezone(timezone, f"{where} timezone")


def queues_off_per_block(deficit_mwh, demand_mwh, n_queues: int) -> np.ndarray:
    """Number of queues off in each block of one area-day (module rule).

    Parameters
    ----------
    deficit_mwh, demand_mwh : array_like
        Queued deficit and queued demand energy per block [MWh]; deficit <= demand.
    n_queues : int

    Returns
    -------
    numpy.ndarray of int
        Queues off per block, in ``[0, n_queues]``; switched-off energy
        ``sum(k_b * demand_b / n)`` is within ``max_b demand_b / (2 n)`` of the deficit.
    """
    deficit = np.asarray(deficit_mwh, dtype=float)
    demand = np.asarray(demand_mwh, dtype=float)
    w = np.where(demand > 0, demand / n_queues, 0.0)
    x = np.where(w > 0, np.clip(deficit / np.where(w > 0, w, 1.0), 0.0, n_queues), 0.0)
    k = np.floor(x + 1e-9).astype(np.int64)
    gap = float(np.sum(deficit) - np.sum(k * w))
    frac = x - k
    for b in np.argsort(-frac, kind="stable"):
        if frac[b] <= 1e-9 or k[b] >= n_queues:
            continue
        if gap >= w[b] / 2:
            k[b] += 1
            gap -= w[b]
    return k


@njit(cache=True)
def _numpy_sum(x):  # pragma: no cover
    """``numpy.sum(x)`` of a float64 array of at most 128 values, in numpy's order.

    numpy adds fewer than 8 values one after the other and up to 128 values in 8
    interleaved partial sums (its pairwise summation below the first split); an area-day
    has at most 24 blocks.
    """
    n = x.size
    if n < 8:
        res = 0.0
        for i in range(n):
            res += x[i]
        return res
    r = x[:8].copy()
    n8 = n - n % 8
    for i in range(8, n8, 8):
        for j in range(8):
            r[j] += x[i + j]
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(n8, n):
        res += x[i]
    return res


@njit(cache=True)
def _queues_off_days(deficit_all, demand_all, bounds, n_queues, k_all):  # pragma: no cover
    """:func:`queues_off_per_block` for each area-day ``bounds[i]:bounds[i + 1]`` (finite
    energies, at most 128 blocks), written into ``k_all``."""
    for r in range(bounds.size - 1):
        s0, e0 = bounds[r], bounds[r + 1]
        n = e0 - s0
        w = np.zeros(n)
        x = np.zeros(n)
        k = np.zeros(n, dtype=np.int64)
        for b in range(n):
            dem = demand_all[s0 + b]
            w[b] = dem / n_queues if dem > 0 else 0.0
            if w[b] > 0:
                v = deficit_all[s0 + b] / w[b]
                x[b] = min(max(v, 0.0), float(n_queues))
            k[b] = np.int64(np.floor(x[b] + 1e-9))
        gap = _numpy_sum(deficit_all[s0:e0]) - _numpy_sum(k * w)
        frac = x - k
        order = np.argsort(-frac, kind="mergesort")
        for b in order:
            if frac[b] <= 1e-9 or k[b] >= n_queues:
                continue
            if gap >= w[b] / 2:
                k[b] += 1
                gap -= w[b]
        for b in range(n):
            k_all[s0 + b] = k[b]


@njit(cache=True)
def _kahan_add(total, comp, val):  # pragma: no cover
    """One step of pandas' compensated ``groupby().sum()``: the new ``(total, comp)``
    after adding ``val`` (NaN skipped)."""
    if val != val:
        return total, comp
    y = val - comp
    t = total + y
    comp = t - total - y
    if comp != comp:
        comp = 0.0
    return t, comp


def _group_sums(labels, values, n_groups):
    """Per-group column sums of ``values`` (rows, columns) with pandas' compensated
    summation (``groupby().sum()``, :func:`~gridmodel.outage._kernel.group_sums_nb`);
    rows with a negative label are left out."""
    return group_sums_nb(values[None], labels, n_groups)[0]


@njit(cache=True)
def _area_step_sums(labels, demand_mw, shed_mw, energised, queued, residential,
                    n_groups):  # pragma: no cover
    """Per (area, step) group, the compensated sums (as :func:`_group_sums`) of
    ``queued_mw, shed_energised_mw, dark_mw, residential_mw, residential_dark_mw,
    residential_queued_mw`` over the loads' rows."""
    sumx = np.zeros((n_groups, 6))
    comp = np.zeros((n_groups, 6))
    vals = np.empty(6)
    for i in range(labels.size):
        lab = labels[i]
        if lab < 0:
            continue
        dem, en, q, res = demand_mw[i], energised[i], queued[i], residential[i]
        vals[0] = dem if q and en else 0.0
        vals[1] = shed_mw[i] if en else 0.0
        vals[2] = dem if q and not en else 0.0
        vals[3] = dem if res else 0.0
        vals[4] = dem if res and not en else 0.0
        vals[5] = dem if res and en else 0.0
        for j in range(6):
            sumx[lab, j], comp[lab, j] = _kahan_add(sumx[lab, j], comp[lab, j], vals[j])
    return sumx


def _check_params(n_queues: int, block_h: int, step_h: float) -> None:
    if int(n_queues) != n_queues or n_queues < 1:
        msg = f"n_queues must be a whole number >= 1; got {n_queues=}."
        raise InputError(msg)
    if int(block_h) != block_h or not 1 <= block_h <= 24 or 24 % block_h:
        msg = ("block_h must be a whole number of hours dividing 24 (1, 2, 3, 4, 6, ...); "
               f"got {block_h=}.")
        raise InputError(msg)
    ratio = block_h / step_h
    if step_h <= 0 or abs(ratio - round(ratio)) > 1e-9:
        msg = f"block_h={block_h} must be a whole number of steps of {step_h} h."
        raise InputError(msg)


def rolling_blackouts(loads: pd.DataFrame, areas: pd.Series | None = None, *,
                      n_queues: int = GRID.n_queues, block_h: int = GRID.block_h,
                      step_h: float = 1.0,
                      timezone: str | None = None, start_queue: int = 0) -> BlackoutSchedule:
    """Build the rolling-blackout schedule from per-load results over time.

    Parameters
    ----------
    loads : DataFrame or StepArrays
        ``time`` (tz-aware), ``load_id, oblast, priority_class, demand_mw, shed_mw,
        energised`` per step and load (``TimelineResult.loads``), or the same as the
        timeline's arrays (``TimelineResult.steps``: the same schedule, no table built).
    areas : pandas.Series, optional
        ``load_id -> supply area`` (:func:`supply_areas`); default: the oblast.
        Loads not in it belong to their oblast.
    n_queues : int
        Queues per area (default 6).
    block_h : int
        Block length [h] (default 4), a divisor of 24 and a multiple of ``step_h``.
    step_h : float
        Step of ``loads`` [h].
    timezone : str, optional
        Zone of the local day in which blocks are laid out; default: the zone ``areas``
        carries (``attrs["timezone"]``, from the network's ``[areas]`` parameters).
    start_queue : int
        Queue switched off first on the first block.

    Returns
    -------
    BlackoutSchedule

    Raises
    ------
    InputError
        Bad parameters, missing columns, no rows with a time, or no (or an unknown) zone.

    Notes
    -----
    Sums are pandas' compensated group sums in row order, so the frames equal those of
    the plain ``groupby`` formulation. Rows with a missing time are left out.
    """
    _check_params(n_queues, block_h, step_h)
    timezone = _schedule_timezone(timezone, areas, "rolling_blackouts")
    if not isinstance(loads, StepArrays):
        need = ["time", "load_id", "oblast", "priority_class", "demand_mw", "shed_mw",
                "energised"]
        missing = [c for c in need if c not in loads]
        if missing:
            msg = f"loads frame lacks columns {missing}; pass TimelineResult.loads."
            raise InputError(msg)
    rows = _area_step_rows(loads, areas, timezone, int(block_h))
    return _schedule(rows, int(n_queues), int(block_h), float(step_h), timezone, start_queue)


def _schedule(rows: _AreaStepRows, n_q: int, block_h: int, step_h: float, timezone: str,
              start_queue: int) -> BlackoutSchedule:
    """The schedule of the (area, step) rows: queues off per block, power per queue, and
    functions building the tables on first read."""
    queued_mw, shed_energised_mw, dark_mw = rows.sums[:, 0], rows.sums[:, 1], rows.sums[:, 2]
    deficit_mw = np.minimum(shed_energised_mw, queued_mw)
    blk = _block_queues(rows, queued_mw, deficit_mw, n_q, step_h, start_queue)
    gid, k_all, first_q = blk.gid, blk.k_all, blk.first_q
    # power on per area-step row and queue: off while in the block's switched-off run
    queues_off = k_all[gid]
    q = np.arange(n_q, dtype=np.int64)
    on = (queued_mw > 0)[:, None] & ((q - first_q[gid][:, None]) % n_q >= queues_off[:, None])
    on.setflags(write=False)
    off = _oblast_off(rows, queues_off, n_q)

    @functools.cache
    def daily():
        return _daily_supply(rows, on, step_h)

    def oblast_daily():
        d, d_area, d_date = daily()
        return _oblast_daily(rows, off, step_h, d["supply_h"].to_numpy(), d_area, d_date)

    def areas_out():
        return pd.DataFrame({"area": rows.names[rows.area], "oblast": rows.oblast[rows.area],
                             "time": rows.times[rows.t], "queued_mw": queued_mw,
                             "deficit_mw": deficit_mw,
                             "exempt_shed_mw": shed_energised_mw - deficit_mw,
                             "dark_mw": dark_mw, "residential_mw": rows.sums[:, 3],
                             "residential_dark_mw": rows.sums[:, 4]})

    return BlackoutSchedule(
        schedule=lambda: _schedule_frame(on, rows.area, rows.names, rows.times[rows.t]),
        blocks=lambda: _blocks_frame(rows, blk, n_q), areas=areas_out,
        oblast_hourly=lambda: _oblast_hourly(off), daily=lambda: daily()[0],
        oblast_daily=oblast_daily, n_queues=n_q, block_h=block_h, step_h=step_h,
        timezone=timezone, queue_power=QueuePower(names=rows.names, area=rows.area, t=rows.t,
                                                  times=rows.times, on=on), oblast_off=off)


@dataclass
class _AreaStepRows:
    """The (area, step) rows of :func:`rolling_blackouts`, sorted by area and time."""

    area: np.ndarray  # area code of each row (into ``names``)
    t: np.ndarray  # step code of each row (into ``times``)
    names: np.ndarray  # sorted area names
    oblast: np.ndarray  # oblast of each area
    sums: np.ndarray  # per row: the six sums of :func:`_area_step_sums`
    times: pd.DatetimeIndex  # sorted distinct times (UTC)
    date_t: np.ndarray  # local-date code of each distinct time (into ``dates``)
    dates: np.ndarray  # sorted local dates
    block_t: np.ndarray  # block of the local day of each distinct time
    n_blocks: int  # blocks per day

    @property
    def date(self) -> np.ndarray:
        """Local-date code of each row."""
        return self.date_t[self.t]


def _area_step_rows(loads: pd.DataFrame, areas: pd.Series | None, timezone: str,
                    block_h: int) -> _AreaStepRows:
    """The loads' (area, step) sums with each step's local date and block.

    Raises
    ------
    InputError
        No row has a time.
    """
    if isinstance(loads, StepArrays):
        times = pd.DatetimeIndex(loads.times).tz_convert("UTC")  # sorted and distinct
        a_area, a_t, area_names, area_oblast, sums = _area_steps_of_runs(loads, areas)
    else:
        t_codes, times = pd.factorize(_utc_times(loads["time"]), sort=True)
        if not len(times):
            msg = "loads frame has no rows with a time; pass TimelineResult.loads."
            raise InputError(msg)
        a_area, a_t, area_names, area_oblast, sums = _area_steps(loads, areas, t_codes,
                                                                 len(times))
    local = pd.DatetimeIndex(times).tz_convert(timezone)
    date_code_t, dates = pd.factorize(local.date, sort=True)
    return _AreaStepRows(area=a_area, t=a_t, names=area_names, oblast=area_oblast, sums=sums,
                         times=times, date_t=date_code_t, dates=dates,
                         block_t=(local.hour // block_h).to_numpy().astype(np.int64),
                         n_blocks=24 // block_h)


@dataclass
class _BlockQueues:
    """The blocks of :func:`rolling_blackouts` (sorted by area, local day and block)."""

    g_key: np.ndarray  # block key: (area x days + day) x blocks per day + block
    gid: np.ndarray  # block of each (area, step) row
    energy_mwh: np.ndarray  # per block: queued demand and deficit [MWh]
    k_all: np.ndarray  # per block: queues off
    first_q: np.ndarray  # per block: the first queue off
    dark: np.ndarray  # per block: every row dark


def _block_queues(rows: _AreaStepRows, queued_mw: np.ndarray, deficit_mw: np.ndarray,
                  n_q: int, step_h: float, start_queue: int) -> _BlockQueues:
    """Each row's block, and per block its energies and the queues off
    (:func:`_queue_blocks`)."""
    dark = (queued_mw <= 0) & (rows.sums[:, 2] > 0)
    n_d, n_b = len(rows.dates), rows.n_blocks
    g_key, gid = _group_labels((rows.area * n_d + rows.date) * n_b + rows.block_t[rows.t],
                               len(rows.names) * n_d * n_b)
    e = _group_sums(gid, np.column_stack([queued_mw, deficit_mw]), len(g_key)) * step_h
    k_all, first_q = _queue_blocks(e[:, 1], e[:, 0], g_key // (n_d * n_b), g_key // n_b,
                                   n_q, start_queue)
    return _BlockQueues(g_key=g_key, gid=gid, energy_mwh=e, k_all=k_all, first_q=first_q,
                        dark=np.bincount(gid[~dark], minlength=len(g_key)) == 0)


def _blocks_frame(rows: _AreaStepRows, blk: _BlockQueues, n_q: int) -> pd.DataFrame:
    """The ``blocks`` table of :class:`BlackoutSchedule`."""
    n_d, n_b = len(rows.dates), rows.n_blocks
    g_key, e, k_all = blk.g_key, blk.energy_mwh, blk.k_all
    g_area, g_date, g_block = g_key // (n_d * n_b), g_key // n_b % n_d, g_key % n_b
    ring = list(range(n_q)) * 2
    return pd.DataFrame({
        "area": rows.names[g_area], "oblast": rows.oblast[g_area], "date": rows.dates[g_date],
        "block": g_block, "demand_mwh": e[:, 0], "deficit_mwh": e[:, 1], "queues_off": k_all,
        "off_queues": [ring[p:p + k] for p, k in zip(blk.first_q.tolist(), k_all.tolist(),
                                                     strict=True)],
        "off_mwh": k_all * e[:, 0] / n_q, "queue_block_mwh": e[:, 0] / n_q,
        "dark": blk.dark})


def _daily_supply(rows: _AreaStepRows, on: np.ndarray, step_h: float) -> tuple:
    """Hours of supply per area, local day and queue (``daily``).

    Returns
    -------
    (daily, d_area, d_date)
        The table and the area and local-date codes of its rows.
    """
    n_q, n_d = on.shape[1], len(rows.dates)
    q = np.arange(n_q, dtype=np.int64)
    ad_key, ad_lab = _group_labels(rows.area * n_d + rows.date, len(rows.names) * n_d)
    supply_h = _group_sums((ad_lab[:, None] * n_q + q).ravel(), (on * step_h).reshape(-1, 1),
                           len(ad_key) * n_q)[:, 0]
    d_area, d_date = np.repeat(ad_key // n_d, n_q), np.repeat(ad_key % n_d, n_q)
    return pd.DataFrame({"area": rows.names[d_area], "oblast": rows.oblast[d_area],
                         "date": rows.dates[d_date],
                         "queue": np.tile(q, len(ad_key)), "supply_h": supply_h}), d_area, d_date


@dataclass(eq=False)
class OblastOff:
    """Residential demand without power per oblast and step, as arrays (the rows of
    ``BlackoutSchedule.oblast_hourly``, sorted by oblast and time).

    Attributes
    ----------
    oblasts : numpy.ndarray of object
        Sorted oblast names.
    key : numpy.ndarray of int
        ``oblast code x n_steps + step`` of each row.
    times : pandas.DatetimeIndex
        Sorted distinct step times (UTC).
    sums_mw : numpy.ndarray, shape (rows, 3)
        ``residential_mw, residential_off_mw, residential_dark_mw`` [MW].
    share : numpy.ndarray
        ``residential_off_share`` [0-1].
    """

    oblasts: np.ndarray
    key: np.ndarray
    times: pd.DatetimeIndex
    sums_mw: np.ndarray
    share: np.ndarray

    @property
    def oblast(self) -> np.ndarray:
        """Oblast code of each row (into ``oblasts``)."""
        return self.key // len(self.times)

    @property
    def t(self) -> np.ndarray:
        """Step code of each row (into ``times``)."""
        return self.key % len(self.times)


def _oblast_off(rows: _AreaStepRows, queues_off: np.ndarray, n_q: int) -> OblastOff:
    """Per oblast and step: queues off -> residential share without power.

    ``queues_off`` is the number of queues off in each (area, step) row.
    """
    residential_mw, residential_dark_mw = rows.sums[:, 3], rows.sums[:, 4]
    residential_queued_mw = rows.sums[:, 5]
    n_t = len(rows.times)
    ob_code_area, oblasts = pd.factorize(rows.oblast, sort=True)
    a_ob = ob_code_area[rows.area]
    oh_key, oh_lab = _group_labels(np.where(a_ob >= 0, a_ob * n_t + rows.t, -1),
                                   len(oblasts) * n_t)
    residential_off_mw = residential_dark_mw + residential_queued_mw * queues_off / n_q
    oh = _group_sums(oh_lab, np.column_stack([residential_mw, residential_off_mw,
                                              residential_dark_mw]), len(oh_key))
    res_denominator = np.where(oh[:, 0] > 0, oh[:, 0], 1.0)
    off_share = np.clip(np.where(oh[:, 0] > 0, oh[:, 1] / res_denominator, 0.0), 0.0, 1.0)
    return OblastOff(oblasts=np.asarray(oblasts, dtype=object), key=oh_key, times=rows.times,
                     sums_mw=oh, share=off_share)


def _oblast_hourly(off: OblastOff) -> pd.DataFrame:
    """``oblast_hourly`` (:class:`BlackoutSchedule`)."""
    return pd.DataFrame({"oblast": off.oblasts[off.oblast], "time": off.times[off.t],
                         "residential_mw": off.sums_mw[:, 0],
                         "residential_off_mw": off.sums_mw[:, 1],
                         "residential_off_share": off.share})


def _oblast_daily(rows: _AreaStepRows, off: OblastOff, step_h: float, supply_h: np.ndarray,
                  d_area: np.ndarray, d_date: np.ndarray) -> pd.DataFrame:
    """``oblast_daily`` (:class:`BlackoutSchedule`); ``supply_h``, ``d_area``, ``d_date``
    the hours of supply per area, day and queue and their codes (:func:`_daily_supply`).
    """
    n_t, n_d = len(rows.times), len(rows.dates)
    ob_code_area = pd.Index(off.oblasts).get_indexer(rows.oblast)
    oh_key, oh, off_share = off.key, off.sums_mw, off.share
    res_denominator = np.where(oh[:, 0] > 0, oh[:, 0], 1.0)
    oblasts = off.oblasts
    # per oblast and day: hours with power per residential customer (dark counts as
    # none), and the range over queues of energised areas
    od_key, od_lab = _group_labels(oh_key // n_t * n_d + rows.date_t[oh_key % n_t],
                                   len(oblasts) * n_d)
    dark_share = oh[:, 2] / res_denominator
    od = _group_sums(od_lab, np.column_stack([(1.0 - off_share) * step_h, dark_share]),
                     len(od_key))
    n_dark_share = np.bincount(od_lab[~np.isnan(dark_share)], minlength=len(od_key))
    queued = rows.sums[:, 0]
    live = np.bincount(rows.area[queued > 0], minlength=len(rows.names))[d_area] > 0
    live &= ob_code_area[d_area] >= 0
    q_min, q_max = _group_min_max(
        np.searchsorted(od_key, ob_code_area[d_area][live] * n_d + d_date[live]),
        supply_h[live], len(od_key))
    oblast_daily = pd.DataFrame({
        "oblast": oblasts[od_key // n_d], "date": rows.dates[od_key % n_d],
        "supply_h_mean": od[:, 0].round(9), "queue_supply_h_min": q_min,
        "queue_supply_h_max": q_max,
        "residential_dark_share": np.divide(od[:, 1], n_dark_share, where=n_dark_share > 0,
                                            out=np.full(len(od_key), np.nan))})
    return oblast_daily


def _area_steps(loads: pd.DataFrame, areas: pd.Series | None, t_codes: np.ndarray,
                n_t: int) -> tuple:
    """Per (area, step) sums of the loads' rows.

    Parameters
    ----------
    loads, areas
        As for :func:`rolling_blackouts`.
    t_codes : numpy.ndarray
        Step of each row (codes of the sorted distinct times; -1 leaves the row out).
    n_t : int
        Number of steps.

    Returns
    -------
    (a_area, a_t, area_names, area_oblast, sums)
        Area and step codes of the (area, step) rows, sorted by area and time; the sorted
        area names; the oblast of each area (most frequent among its loads); and per row
        the compensated sums of ``queued_mw, shed_energised_mw, dark_mw, residential_mw,
        residential_dark_mw, residential_queued_mw`` (:func:`_area_step_sums`).
    """
    n_rows = len(loads)
    m = _rows_per_step(loads, n_t)
    first = loads.iloc[:m]  # per-load attributes, worked out once per distinct row
    a_codes, area_names, area_oblast, queued, residential = _load_areas(
        first["load_id"], first["oblast"], first["priority_class"], areas)
    reps = n_rows // m
    key = np.where(t_codes >= 0, np.tile(a_codes, reps) * n_t + t_codes, -1)
    uk, labels = _group_labels(key, len(area_names) * n_t)
    sums = _area_step_sums(labels, loads["demand_mw"].to_numpy(dtype=float),
                           loads["shed_mw"].to_numpy(dtype=float),
                           loads["energised"].to_numpy(dtype=bool),
                           np.tile(queued, reps), np.tile(residential, reps), len(uk))
    return uk // n_t, uk % n_t, area_names, area_oblast, sums


def _area_steps_of_runs(steps: StepArrays, areas: pd.Series | None) -> tuple:
    """:func:`_area_steps` of a timeline's arrays: the sums once per run and area (each
    over the same loads in the same order as a step's rows of the table), then per step
    its run's."""
    model = steps.model
    hit = steps.network_cache.get("load_areas")
    if hit is None or hit[0] is not areas:  # the areas held, so their id is not reused
        hit = steps.network_cache["load_areas"] = (areas, _load_areas(
            pd.Series(model.load_id, dtype=object), pd.Series(model.load_oblast, dtype=object),
            pd.Series(model.load_class, dtype=object), areas))
    a_codes, area_names, area_oblast, queued, residential = hit[1]
    n_runs, n_a, n_t = len(steps.runs.n_islands), len(area_names), len(steps.times)
    labels = (np.arange(n_runs, dtype=np.int64)[:, None] * n_a + a_codes[None, :]).ravel()
    per_run = _area_step_sums(
        labels, np.ascontiguousarray(steps.per_run("demand_mw"), dtype=float).ravel(),
        np.ascontiguousarray(steps.per_run("shed_mw"), dtype=float).ravel(),
        steps.per_run("energised").ravel(), np.tile(queued, n_runs),
        np.tile(residential, n_runs), n_runs * n_a).reshape(n_runs, n_a, -1)
    a_area = np.repeat(np.arange(n_a, dtype=np.int64), n_t)  # sorted by area, then time
    a_t = np.tile(np.arange(n_t, dtype=np.int64), n_a)
    return a_area, a_t, area_names, area_oblast, per_run[steps.step_run[a_t], a_area]


def _load_areas(load_id: pd.Series, oblast: pd.Series, priority_class: pd.Series,
                areas: pd.Series | None) -> tuple:
    """Per load: its area code, the sorted area names, the oblast of each area (most
    frequent among its loads), and whether the load is queued (not exempt) and
    residential."""
    cls = priority_class.astype(str)
    if areas is None:
        area = oblast.astype(str)
    else:
        area = load_id.map(areas).fillna(oblast).astype(str)
    a_codes, area_names = pd.factorize(area.to_numpy(dtype=object), sort=True)
    area_oblast = _area_oblast(area, oblast, a_codes, area_names).reindex(
        area_names).to_numpy(dtype=object)
    return (a_codes.astype(np.int64), np.asarray(area_names, dtype=object), area_oblast,
            (~cls.isin(EXEMPT_CLASSES)).to_numpy(), (cls == "residential").to_numpy())


def _rows_per_step(loads: pd.DataFrame, n_t: int) -> int:
    """Period of the rows' ``load_id, oblast, priority_class`` (equal by ``==``).

    ``TimelineResult.loads`` repeats the same loads in the same order at every step, so
    the period is the number of loads; otherwise it is the number of rows.
    """
    n_rows = len(loads)
    if n_t > 1 and n_rows % n_t == 0:
        m = n_rows // n_t
        cols = (loads[c].to_numpy() for c in ("load_id", "oblast", "priority_class"))
        if all((c.reshape(-1, m) == c[:m]).all() for c in cols):
            return m
    return n_rows


def _group_labels(key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys in ``[0, n_keys)`` and each row's group (-1 for a negative key)."""
    present = np.zeros(n_keys, dtype=bool)
    present[key[key >= 0]] = True
    slot = np.cumsum(present) - 1
    return np.flatnonzero(present), np.where(key >= 0, slot[key], -1)


def _group_min_max(labels: np.ndarray, values: np.ndarray,
                   n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-group minimum and maximum of ``values`` (NaN for a group without rows)."""
    lo = np.full(n_groups, np.inf)
    hi = np.full(n_groups, -np.inf)
    np.minimum.at(lo, labels, values)
    np.maximum.at(hi, labels, values)
    empty = np.bincount(labels, minlength=n_groups) == 0
    lo[empty] = np.nan
    hi[empty] = np.nan
    return lo, hi


def _queue_blocks(deficit_mwh: np.ndarray, demand_mwh: np.ndarray, g_area: np.ndarray,
                  g_day: np.ndarray, n_queues: int,
                  start_queue: int) -> tuple[np.ndarray, np.ndarray]:
    """Queues off per block (:func:`queues_off_per_block` per area-day) and the first
    switched-off queue of each block.

    The blocks are sorted by area, day and block; ``g_area`` and ``g_day`` number each
    block's area and area-day. The switched-off queues of a block are ``first,
    first + 1, ...`` (mod ``n_queues``), the pointer running on over the blocks of an
    area from ``start_queue``.
    """
    n_g = len(demand_mwh)
    bounds = np.append(np.flatnonzero(np.diff(g_day, prepend=-1)), n_g)
    k_all = np.zeros(n_g, dtype=np.int64)
    if np.isfinite(deficit_mwh).all() and np.isfinite(demand_mwh).all():
        _queues_off_days(deficit_mwh, demand_mwh, bounds, n_queues, k_all)
    else:
        for s, e in zip(bounds[:-1], bounds[1:], strict=True):
            k_all[s:e] = queues_off_per_block(deficit_mwh[s:e], demand_mwh[s:e], n_queues)
    before = np.cumsum(k_all) - k_all
    area_first = np.flatnonzero(np.diff(g_area, prepend=-1))
    before -= np.repeat(before[area_first], np.diff(np.append(area_first, n_g)))
    return k_all, (int(start_queue) % n_queues + before) % n_queues


def _schedule_frame(on: np.ndarray, a_area: np.ndarray, area_names: np.ndarray,
                    a_times: pd.DatetimeIndex) -> pd.DataFrame:
    """``area, queue, time, power_on`` sorted by area, queue and time from ``on`` (area-step
    rows sorted by area and time, by queue)."""
    n_a, n_q = on.shape
    rows = np.arange(n_a)
    area_start = np.searchsorted(a_area, a_area)
    area_len = np.bincount(a_area)[a_area]
    pos = ((area_start * (n_q - 1) + rows)[:, None]
           + np.arange(n_q) * area_len[:, None]).ravel()
    src = np.empty(n_a * n_q, dtype=np.int64)
    src[pos] = np.repeat(rows, n_q)
    queue = np.empty(n_a * n_q, dtype=np.int64)
    queue[pos] = np.tile(np.arange(n_q, dtype=np.int64), n_a)
    power_on = np.empty(n_a * n_q, dtype=bool)
    power_on[pos] = on.ravel()
    return pd.DataFrame({"area": area_names[a_area[src]], "queue": queue,
                         "time": pd.DatetimeIndex(a_times).as_unit("ns")[src],
                         "power_on": power_on})


def _area_oblast(area: pd.Series, oblast: pd.Series, a_codes: np.ndarray,
                 a_uniq: np.ndarray) -> pd.Series:
    """Most frequent oblast of each area (smallest name on ties), indexed by sorted area.

    Same as ``groupby(area)[oblast].agg(lambda s: s.mode().iloc[0])`` on string columns;
    ``a_codes, a_uniq`` are ``pd.factorize(area, sort=True)``.
    """
    o_codes, o_uniq = pd.factorize(oblast.to_numpy(dtype=object), sort=True)
    if ((a_codes < 0).any() or (o_codes < 0).any()
            or not all(isinstance(x, str) for x in a_uniq)
            or not all(isinstance(x, str) for x in o_uniq)):
        return pd.DataFrame({"area": area, "oblast": oblast}).groupby("area")["oblast"].agg(
            lambda s: s.mode().iloc[0])
    n_o = len(o_uniq)
    counts = np.bincount(a_codes * n_o + o_codes, minlength=len(a_uniq) * n_o).reshape(
        len(a_uniq), n_o)
    best = np.argmax(counts, axis=1)  # first maximum: smallest oblast among ties
    return pd.Series(o_uniq[best], index=pd.Index(a_uniq, name="area", dtype=object),
                     name="oblast", dtype=object)


def _utc_times(col: pd.Series) -> pd.Series:
    """``pd.to_datetime(col, utc=True)``, without the element-wise pass for tz-aware columns."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.dt.tz_convert("UTC")
    return pd.to_datetime(col, utc=True)


def daily_schedule_from_snapshot(loads: pd.DataFrame, areas: pd.Series | None, day, *,
                                 n_queues: int = GRID.n_queues, block_h: int = GRID.block_h,
                                 timezone: str | None = None) -> BlackoutSchedule:
    """Schedule for one local day, holding a snapshot's demand and shed constant.

    Parameters
    ----------
    loads : DataFrame
        A snapshot's per-load table (``OutageResult.loads``), without ``time``.
    areas : pandas.Series or None
        As for :func:`rolling_blackouts`.
    day : str or date
        Local date (``"2026-01-15"``).
    n_queues, block_h
        As for :func:`rolling_blackouts`.
    timezone : str, optional
        Zone of the local day; default: the zone ``areas`` carries (:func:`supply_areas`).

    Raises
    ------
    InputError
        No (or an unknown) zone, or as :func:`rolling_blackouts`.
    """
    timezone = _schedule_timezone(timezone, areas, "daily_schedule_from_snapshot")
    t0 = pd.Timestamp(str(day)).tz_localize(timezone)
    times = pd.date_range(t0, periods=24, freq="h").tz_convert("UTC")
    frames = [loads.assign(time=t) for t in times]
    return rolling_blackouts(pd.concat(frames, ignore_index=True), areas, n_queues=n_queues,
                             block_h=block_h, step_h=1.0, timezone=timezone)


def queue_power_on(schedule: BlackoutSchedule | pd.DataFrame, area: str, queue: int,
                   times) -> np.ndarray:
    """Whether a queue of an area has power at the given times.

    Parameters
    ----------
    schedule : BlackoutSchedule or DataFrame
        A schedule (its ``schedule`` table: ``area, queue, time, power_on``).
    area : str
        Supply area (oblast name or an own-area substation such as
        ``sub:kyiv-110-<district>``).
    queue : int
        Queue number in ``[0, n_queues)`` (e.g. from :func:`assign_queue`).
    times : DatetimeIndex or array of tz-aware times
        Times to look up; each takes the state of the step it falls in.

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    InputError
        Unknown area or queue, naive times, or times outside the schedule.
    """
    tab = schedule.schedule if isinstance(schedule, BlackoutSchedule) else schedule
    step_h = schedule.step_h if isinstance(schedule, BlackoutSchedule) else None
    sub = tab[tab["area"] == area]
    if sub.empty:
        areas = sorted(tab["area"].unique())
        msg = f"area {area!r} is not in the schedule; areas: {areas[:20]}."
        raise InputError(msg)
    sub = sub[sub["queue"] == queue]
    if sub.empty:
        msg = (f"queue {queue!r} is not in the schedule of {area!r}; queues are "
               f"0..{tab['queue'].max()}.")
        raise InputError(msg)
    times = pd.DatetimeIndex(times)
    if times.tz is None:
        msg = "times must be tz-aware."
        raise InputError(msg)
    times = times.tz_convert("UTC")
    s = sub.set_index("time")["power_on"].sort_index()
    if step_h is None:
        diffs = s.index.to_series().diff().dropna()
        step_h = diffs.min() / pd.Timedelta(hours=1) if len(diffs) else 1.0
    end = s.index.max() + pd.Timedelta(hours=step_h)
    outside = (times < s.index.min()) | (times >= end)
    if outside.any():
        msg = (f"{int(outside.sum())} time(s) outside the schedule ({s.index.min()} to {end}); "
               "simulate a longer horizon.")
        raise InputError(msg)
    pos = s.index.searchsorted(times, side="right") - 1
    return s.to_numpy(bool)[pos]


def assign_queue(building_ids, n_queues: int = GRID.n_queues, seed=0) -> np.ndarray:
    """Assign buildings (or customers) to queues: deterministic and balanced.

    The distinct ids are sorted, shuffled with ``numpy.random.default_rng(seed)`` and
    dealt to queues 0, 1, ..., n-1 in turn, so queue sizes differ by at most one and the
    result depends only on the set of ids and the seed (not on their order).

    Parameters
    ----------
    building_ids : array_like
        Ids (any hashable, compared as strings); repeated ids get the same queue.
    n_queues : int
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    numpy.ndarray of int64
        Queue of each id, aligned with ``building_ids``.
    """
    if int(n_queues) != n_queues or n_queues < 1:
        msg = f"n_queues must be a whole number >= 1; got {n_queues=}."
        raise InputError(msg)
    ids = np.asarray([str(b) for b in building_ids], dtype=object)
    uniq = np.array(sorted(set(ids.tolist())), dtype=object)
    perm = np.random.default_rng(seed).permutation(len(uniq))
    queue_of = {}
    for rank, i in enumerate(perm):
        queue_of[uniq[i]] = rank % int(n_queues)
    return np.array([queue_of[b] for b in ids], dtype=np.int64)

