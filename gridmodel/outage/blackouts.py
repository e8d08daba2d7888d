"""Rolling blackouts: turn a power deficit into queue schedules, as Ukrainian operators do.

When an energised island is short of power, the outage engine sheds MW. Operators do
not cut the same consumers all day: in each supply area the residential and industrial
consumers are split into **queues** (черги, FIELD_NOTES 2) that are switched off in turn.

The rule (see ``docs/rolling_blackouts.md``)
--------------------------------------------
- **Supply areas**: each oblast; in Kyiv city each 110 kV district node
  (``sub:kyiv-110-<district>``) is its own area (:func:`supply_areas`).
- **Queues**: ``n_queues`` (default 6, the number of main queues in the DSOs' published
  schedules), each holding an equal share of the area's residential + industry demand.
- **Blocks**: the local day (Europe/Kyiv) is cut into blocks of ``block_h`` hours
  (default 4: 00-04, 04-08, ..., 20-24); a queue is on or off for a whole block.
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

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from gridmodel.errors import InputError

__all__ = [
    "EXEMPT_CLASSES",
    "BlackoutSchedule",
    "assign_queue",
    "daily_schedule_from_snapshot",
    "queue_power_on",
    "queues_off_per_block",
    "rolling_blackouts",
    "supply_areas",
]

#: classes kept on (up to the available power) and never put in queues
EXEMPT_CLASSES = ("critical", "heat_water")
KYIV_AREA_PREFIX = "sub:kyiv-110-"


@dataclass
class BlackoutSchedule:
    """A rolling-blackout schedule and its summaries (times in UTC).

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
    """

    schedule: pd.DataFrame
    blocks: pd.DataFrame
    areas: pd.DataFrame
    oblast_hourly: pd.DataFrame
    daily: pd.DataFrame
    oblast_daily: pd.DataFrame
    n_queues: int
    block_h: int
    step_h: float
    timezone: str


def supply_areas(net) -> pd.Series:
    """Supply area of every load: its oblast, or its Kyiv 110 kV district node.

    Returns
    -------
    pandas.Series
        ``load_id -> area``; a load whose substation is ``sub:kyiv-110-<district>``
        belongs to that area, every other load to its oblast.
    """
    reg = net.registry
    loads = reg[reg["kind"] == "load"]
    area = loads["oblast"].astype(str).where(
        ~loads["substation"].astype(str).str.startswith(KYIV_AREA_PREFIX),
        loads["substation"].astype(str))
    return pd.Series(area.to_numpy(), index=loads["asset_id"].to_numpy(), name="area")


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
def _queues_off_short(deficit_all, demand_all, bounds, short, n_queues, k_all):  # pragma: no cover
    """:func:`queues_off_per_block` for each area-day ``bounds[i]:bounds[i + 1]`` marked
    ``short`` (fewer than 8 blocks), written into ``k_all``."""
    for r in range(bounds.size - 1):
        if not short[r]:
            continue
        s0, e0 = bounds[r], bounds[r + 1]
        n = e0 - s0
        w = np.zeros(n)
        x = np.zeros(n)
        k = np.zeros(n, dtype=np.int64)
        sum_def = 0.0
        sum_kw = 0.0
        for b in range(n):
            dem = demand_all[s0 + b]
            w[b] = dem / n_queues if dem > 0 else 0.0
            if w[b] > 0:
                v = deficit_all[s0 + b] / w[b]
                x[b] = min(max(v, 0.0), float(n_queues))
            k[b] = np.int64(np.floor(x[b] + 1e-9))
            sum_def += deficit_all[s0 + b]
        for b in range(n):
            sum_kw += k[b] * w[b]
        gap = sum_def - sum_kw
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
                      n_queues: int = 6, block_h: int = 4, step_h: float = 1.0,
                      timezone: str = "Europe/Kyiv", start_queue: int = 0) -> BlackoutSchedule:
    """Build the rolling-blackout schedule from per-load results over time.

    Parameters
    ----------
    loads : DataFrame
        ``time`` (tz-aware), ``load_id, oblast, priority_class, demand_mw, shed_mw,
        energised`` per step and load (``TimelineResult.loads``).
    areas : pandas.Series, optional
        ``load_id -> supply area`` (:func:`supply_areas`); default: the oblast.
    n_queues : int
        Queues per area (default 6).
    block_h : int
        Block length [h] (default 4), a divisor of 24 and a multiple of ``step_h``.
    step_h : float
        Step of ``loads`` [h].
    timezone : str
        Zone of the local day in which blocks are laid out.
    start_queue : int
        Queue switched off first on the first block.

    Returns
    -------
    BlackoutSchedule
    """
    _check_params(n_queues, block_h, step_h)
    need = ["time", "load_id", "oblast", "priority_class", "demand_mw", "shed_mw", "energised"]
    missing = [c for c in need if c not in loads]
    if missing:
        msg = f"loads frame lacks columns {missing}; pass TimelineResult.loads."
        raise InputError(msg)
    df = loads[need].copy()
    df["time"] = _utc_times(df["time"])
    if areas is None:
        df["area"] = df["oblast"].astype(str)
    else:
        df["area"] = df["load_id"].map(areas).fillna(df["oblast"]).astype(str)
    cls = df["priority_class"].astype(str)
    queued = ~cls.isin(EXEMPT_CLASSES)
    energised = df["energised"].astype(bool)
    res = cls == "residential"
    dem = df["demand_mw"].astype(float)
    df["queued_mw"] = np.where(queued & energised, dem, 0.0)
    df["shed_energised_mw"] = np.where(energised, df["shed_mw"].astype(float), 0.0)
    df["dark_mw"] = np.where(queued & ~energised, dem, 0.0)
    df["residential_mw"] = np.where(res, dem, 0.0)
    df["residential_dark_mw"] = np.where(res & ~energised, dem, 0.0)
    df["residential_queued_mw"] = np.where(res & energised, dem, 0.0)
    cols = ["queued_mw", "shed_energised_mw", "dark_mw", "residential_mw",
            "residential_dark_mw", "residential_queued_mw"]
    a, area_oblast = _area_time_sums(df, cols)
    a["deficit_mw"] = np.minimum(a["shed_energised_mw"], a["queued_mw"])
    a["exempt_shed_mw"] = a["shed_energised_mw"] - a["deficit_mw"]
    a["oblast"] = a["area"].map(area_oblast)
    local = a["time"].dt.tz_convert(timezone)
    a["date"] = _dates(local)
    a["block"] = (local.dt.hour // block_h).astype(np.int64)
    a["dark"] = (a["queued_mw"] <= 0) & (a["dark_mw"] > 0)

    blocks_df, schedule, queues_off = _schedule(a, area_oblast, n_queues, step_h, start_queue)
    a["queues_off"] = queues_off

    # per area and step: queues off -> residential share without power
    a["residential_off_mw"] = (a["residential_dark_mw"]
                               + a["residential_queued_mw"] * a["queues_off"] / n_queues)
    g = a.groupby(["oblast", "time"], sort=True)[["residential_mw", "residential_off_mw",
                                                  "residential_dark_mw"]].sum()
    oblast_dark = g["residential_dark_mw"].to_numpy()
    oblast_hourly = g[["residential_mw", "residential_off_mw"]].reset_index()
    oblast_hourly["residential_off_share"] = np.clip(np.where(
        oblast_hourly["residential_mw"] > 0,
        oblast_hourly["residential_off_mw"] / oblast_hourly["residential_mw"].where(
            oblast_hourly["residential_mw"] > 0, 1.0), 0.0), 0.0, 1.0)

    daily = (schedule.assign(supply_h=schedule["power_on"] * step_h)
             .groupby(["area", "date", "queue"], sort=True)["supply_h"].sum().reset_index())
    daily["oblast"] = daily["area"].map(area_oblast)
    daily = daily[["area", "oblast", "date", "queue", "supply_h"]]
    schedule = schedule.drop(columns="date")
    # per oblast and day: hours with power per residential customer (dark counts as
    # none), and the range over queues of energised areas
    oh = oblast_hourly.assign(
        date=_dates(oblast_hourly["time"].dt.tz_convert(timezone)),
        on_h=(1.0 - oblast_hourly["residential_off_share"]) * step_h,
        dark_share=oblast_dark / oblast_hourly["residential_mw"].where(
            oblast_hourly["residential_mw"] > 0, 1.0).to_numpy())
    og = oh.groupby(["oblast", "date"], sort=True)
    live_daily = daily[daily["area"].isin(a.loc[a["queued_mw"] > 0, "area"])]
    qg = live_daily.groupby(["oblast", "date"], sort=True)["supply_h"]
    oblast_daily = pd.DataFrame({
        "supply_h_mean": og["on_h"].sum().round(9),
        "queue_supply_h_min": qg.min(),
        "queue_supply_h_max": qg.max(),
        "residential_dark_share": og["dark_share"].mean(),
    }).reset_index()
    areas_out = a[["area", "oblast", "time", "queued_mw", "deficit_mw", "exempt_shed_mw",
                   "dark_mw", "residential_mw", "residential_dark_mw"]]
    return BlackoutSchedule(schedule=schedule, blocks=blocks_df, areas=areas_out,
                            oblast_hourly=oblast_hourly, daily=daily,
                            oblast_daily=oblast_daily, n_queues=int(n_queues),
                            block_h=int(block_h), step_h=float(step_h), timezone=timezone)


def _dates(local: pd.Series) -> pd.Series:
    """``local.dt.date``, computing each distinct time's date once."""
    codes, uniq = pd.factorize(local, use_na_sentinel=True)
    if (codes < 0).any() or not isinstance(local.dtype, pd.DatetimeTZDtype):
        return local.dt.date
    d = pd.Series(uniq).dt.date.to_numpy(dtype=object)
    return pd.Series(d[codes], index=local.index, name=local.name, dtype=object)


def _area_time_sums(df: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """``df.groupby(["area", "time"], sort=True)[cols].sum().reset_index()`` and the oblast
    of each area (:func:`_area_oblast`), from integer codes of ``area`` and ``time``.

    The sums are compensated (Kahan) in row order, as pandas' groupby sums are.
    """
    a_codes, a_uniq = pd.factorize(df["area"].to_numpy(dtype=object), sort=True)
    area_oblast = _area_oblast(df["area"], df["oblast"], a_codes, a_uniq)
    t = df["time"]
    if not isinstance(t.dtype, pd.DatetimeTZDtype) or (a_codes < 0).any() or t.isna().any():
        return df.groupby(["area", "time"], sort=True)[cols].sum().reset_index(), area_oblast
    t_codes, t_uniq = pd.factorize(t, sort=True)
    n_t = len(t_uniq)
    key = a_codes.astype(np.int64) * n_t + t_codes
    present = np.zeros(len(a_uniq) * n_t, dtype=bool)
    present[key] = True
    uk = np.flatnonzero(present)
    slot = np.cumsum(present) - 1
    sums = _group_sums(slot[key], np.column_stack([df[c].to_numpy(dtype=float) for c in cols]),
                       len(uk))
    out = {"area": np.asarray(a_uniq, dtype=object)[uk // n_t], "time": t_uniq[uk % n_t]}
    out.update({c: sums[:, j] for j, c in enumerate(cols)})
    return pd.DataFrame(out), area_oblast


@njit(cache=True)
def _group_sums(labels, values, n_groups):  # pragma: no cover
    """Per-group column sums with pandas' compensated summation (``groupby().sum()``)."""
    n, k = values.shape
    sumx = np.zeros((n_groups, k))
    comp = np.zeros((n_groups, k))
    for i in range(n):
        lab = labels[i]
        if lab < 0:
            continue
        for j in range(k):
            val = values[i, j]
            if val == val:
                y = val - comp[lab, j]
                t = sumx[lab, j] + y
                comp[lab, j] = t - sumx[lab, j] - y
                if comp[lab, j] != comp[lab, j]:
                    comp[lab, j] = 0.0
                sumx[lab, j] = t
    return sumx


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


def _schedule(a: pd.DataFrame, area_oblast: pd.Series, n_queues: int, step_h: float,
              start_queue: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Blocks table, queue schedule (with the local ``date``) and queues off per row of ``a``.

    ``a`` has one row per area and step, sorted by area and time.

    Queue-blocks per area-day from :func:`queues_off_per_block`; the switched-off queues
    of a block are ``pointer, pointer + 1, ...`` (mod ``n_queues``), the pointer running
    on over the blocks of an area.
    """
    gb = a.groupby(["area", "date", "block"], sort=True)
    sums = gb[["queued_mw", "deficit_mw"]].sum()
    dark_all = gb["dark"].all().to_numpy()
    gid = gb.ngroup().to_numpy()
    keys = sums.index
    g_area = keys.get_level_values(0).to_numpy()
    g_date = keys.get_level_values(1).to_numpy()
    g_block = keys.get_level_values(2).to_numpy().astype(np.int64)
    e_dem_all = sums["queued_mw"].to_numpy() * step_h
    e_def_all = sums["deficit_mw"].to_numpy() * step_h
    n_g = len(keys)
    k_all = np.zeros(n_g, dtype=np.int64)
    first_q = np.zeros(n_g, dtype=np.int64)
    off_lists: list[list[int]] = []
    # area-day runs of consecutive groups (groups are sorted by area, date, block)
    if n_g:
        new_day = np.ones(n_g, dtype=bool)
        new_day[1:] = (g_area[1:] != g_area[:-1]) | (g_date[1:] != g_date[:-1])
        new_area = np.ones(n_g, dtype=bool)
        new_area[1:] = g_area[1:] != g_area[:-1]
        bounds = np.append(np.flatnonzero(new_day), n_g)
        short = np.diff(bounds) < 8  # numpy's sums are plain sequential sums below 8 terms
        if np.isfinite(e_def_all).all() and np.isfinite(e_dem_all).all():
            _queues_off_short(e_def_all, e_dem_all, bounds, short, int(n_queues), k_all)
        else:
            short[:] = False
        bounds = bounds.tolist()
        for i, (s, e) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            if not short[i]:
                k_all[s:e] = queues_off_per_block(e_def_all[s:e], e_dem_all[s:e], n_queues)
        pointer = 0
        start = int(start_queue) % n_queues
        for i, (kb, na) in enumerate(zip(k_all.tolist(), new_area.tolist(), strict=True)):
            if na:
                pointer = start
            first_q[i] = pointer
            off_lists.append([(pointer + j) % n_queues for j in range(kb)])
            pointer = (pointer + kb) % n_queues
    if n_g:
        blocks_df = pd.DataFrame({
            "area": g_area, "oblast": area_oblast.reindex(g_area).to_numpy(),
            "date": g_date, "block": g_block, "demand_mwh": e_dem_all,
            "deficit_mwh": e_def_all, "queues_off": k_all, "off_queues": off_lists,
            "off_mwh": k_all * e_dem_all / n_queues, "queue_block_mwh": e_dem_all / n_queues,
            "dark": dark_all.astype(bool)})
    else:
        blocks_df = pd.DataFrame([])
    k_row = k_all[gid]
    p_row = first_q[gid]
    live = (a["queued_mw"] > 0).to_numpy()
    n_rows = len(a)
    area_arr = a["area"].to_numpy()
    area_code = np.zeros(n_rows, dtype=np.int64)
    if n_rows:
        area_code[1:] = np.cumsum(area_arr[1:] != area_arr[:-1])
    rows = np.tile(np.arange(n_rows, dtype=np.int64), n_queues)
    qs = np.repeat(np.arange(n_queues, dtype=np.int64), n_rows)
    order = np.lexsort((rows, qs, area_code[rows]))
    rows, qs = rows[order], qs[order]
    on = live[rows] & ((qs - p_row[rows]) % n_queues >= k_row[rows])
    times = pd.DatetimeIndex(_utc_times(a["time"])).as_unit("ns")
    schedule = pd.DataFrame({"area": area_arr[rows], "queue": qs, "time": times[rows],
                             "power_on": on, "date": a["date"].to_numpy()[rows]})
    return blocks_df, schedule, k_row


def daily_schedule_from_snapshot(loads: pd.DataFrame, areas: pd.Series | None, day, *,
                                 n_queues: int = 6, block_h: int = 4,
                                 timezone: str = "Europe/Kyiv") -> BlackoutSchedule:
    """Schedule for one local day, holding a snapshot's demand and shed constant.

    Parameters
    ----------
    loads : DataFrame
        A snapshot's per-load table (``OutageResult.loads``), without ``time``.
    day : str or date
        Local date (``"2026-01-15"``).
    """
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
        Supply area (oblast name or ``sub:kyiv-110-<district>``).
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


def assign_queue(building_ids, n_queues: int = 6, seed=0) -> np.ndarray:
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

