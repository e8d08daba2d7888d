"""The interface between the grid timeline and the heat layer.

Three hourly frames on the heat run's index (see :mod:`gridmodel.heat.availability`):

* :func:`asset_available` : [time x asset_id] remaining fraction, from asset-state periods
  (``TimelineResult.assets``: ``asset_id, start, end, remaining_fraction``). A period
  counts from the step containing its start to the first step starting at or after its
  end (the binning rule of :mod:`gridmodel.outage.timeline`).
* :func:`node_power` : [time x grid_node] bool, power for heat infrastructure at a bus:
  the bus's loads are energised and its ``heat_water`` load is served to at least
  ``min_served`` of demand (critical and heat_water loads are exempt from rolling
  blackouts). A node with no heat_water load follows the energised flag of its loads.
* :func:`building_power` : [time x (grid_node, queue)] bool, residential power of each
  rolling-blackout queue (``BlackoutSchedule.schedule``: ``area, queue, time,
  power_on``); Kyiv areas are the 110 kV district substations ``sub:kyiv-110-<district>``.

And what else reaches the heat layer from the grid side (docs/heat.md, "Every source of an
outage reaches heat"):

* :func:`status_available` : [time x asset_id] fraction left by the network's asset status
  on its status date (``net.status_active``): occupied, destroyed and disabled assets 0,
  damaged ones their ``available_fraction``, from hour 0 of the run;
* :func:`island_energised` : [time x plant] bool, whether a plant's bus lies in an
  energised island (``TimelineResult.islands``): a CHP in a dead island stops (rule of
  docs/heat.md until islanded cogeneration is modelled);
* :func:`heat_assets` : the heat layer's sources and pumping stations as strike targets
  (``heat:...``, ``pump:...``), for :func:`gridmodel.strikes.resolve.resolve_strikes`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridmodel.outage.blackouts import QueuePower
from gridmodel.outage.steps import StepArrays

__all__ = ["HEAT_ONLY_EFFECTS", "asset_available", "building_power", "bus_of_substation",
           "heat_assets", "heat_only_periods", "island_energised", "node_power",
           "plant_buses", "status_available"]

#: what leaves a CHP's heat side running alone (heat-only operation, docs/heat.md): a
#: strike's effect, or the plant's status on the network's date; a destroyed plant makes
#: no heat
HEAT_ONLY_EFFECTS = ("damaged", "disabled")


def _bool_or_true(col: pd.Series) -> np.ndarray:
    """Boolean values of a column, True where missing (no information)."""
    v = col.to_numpy(dtype=object)
    miss = pd.isna(v)
    return np.where(miss, True, v.astype(bool) if not miss.any() else
                    np.array([bool(x) if not m else True for x, m in zip(v, miss, strict=True)]))


def _utc(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return index.tz_convert("UTC")


def asset_available(periods: pd.DataFrame, index: pd.DatetimeIndex, assets=None) -> pd.DataFrame:
    """Remaining fraction [0-1] of each asset, hour by hour.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``asset_id, start, end, remaining_fraction`` (tz-aware); overlapping periods of one
        asset keep the lowest fraction.
    index : pandas.DatetimeIndex
        Hourly, tz-aware.
    assets : list of str, optional
        Columns to return (default: every asset in ``periods``); absent ones are 1.0.

    Returns
    -------
    pandas.DataFrame
    """
    ids = sorted(set(periods["asset_id"])) if assets is None else list(assets)
    columns = pd.Index(ids, name="asset_id")
    if periods is None or not len(periods) or not len(index):
        return pd.DataFrame(1.0, index=index, columns=columns)
    t = _utc(index).asi8
    step = (t[1] - t[0]) if len(t) > 1 else 3_600_000_000_000
    pos = {a: i for i, a in enumerate(ids)}
    col = np.array([pos.get(a, -1) for a in periods["asset_id"]], dtype=np.int64)
    vals = np.ones((len(index), len(ids)))
    if (col >= 0).any():
        rows = periods[col >= 0]
        col = col[col >= 0]
        s = _ns(rows["start"])[:, None]
        e = _ns(rows["end"])[:, None]
        on = (t[None, :] + step > s) & (t[None, :] < e)  # step containing start .. before end
        frac = np.where(on, rows["remaining_fraction"].to_numpy(float)[:, None], np.inf)
        # overlapping periods of one asset keep the lowest fraction
        order = np.argsort(col, kind="stable")
        cols, starts = np.unique(col[order], return_index=True)
        vals[:, cols] = np.minimum(1.0, np.minimum.reduceat(frac[order], starts, axis=0).T)
    return pd.DataFrame(vals, index=index, columns=columns)


def heat_only_periods(periods: pd.DataFrame, chp_assets, start_h: float,
                      share: float) -> pd.DataFrame:
    """Asset-state periods of CHP plants as their heat side sees them (heat-only operation).

    A CHP whose plant is ``damaged`` or ``disabled`` (not ``destroyed``) runs its heat side
    alone after ``start_h`` hours: the peak hot-water boilers, which share neither turbines
    nor generators with the damaged units, carry ``share`` of the plant's heat capacity
    until the repair is done (docs/heat.md, rule "heat-only operation"; the layer's
    ``[heat_only]``, tagged [C]). Each such period is split in two: the first ``start_h``
    hours at its own remaining fraction, the rest at ``max(remaining, share)``. Destroyed
    plants, and every other asset, keep their periods unchanged.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``asset_id, start, end, remaining_fraction, effect`` (tz-aware), as
        ``TimelineResult.assets``.
    chp_assets : iterable of str
        Plant ids of the layer's CHP sources.
    start_h : float
        Hours from the start of the period until the heat side runs [h].
    share : float
        Share of heat capacity available in heat-only operation [0-1].

    Returns
    -------
    pandas.DataFrame
        The periods, with each affected CHP period split (same columns).

    References
    ----------
    .. [1] E. Ya. Sokolov, *Teplofikatsiya i teplovye seti* (district heating and heat
       networks), 7th ed., MEI, 2001: peak hot-water boilers cover the part of a CHP's
       design heat load above its turbines' extraction (cogeneration coefficient
       alpha_CHP about 0.5-0.6).
    """
    if periods is None or not len(periods) or "effect" not in periods:
        return periods
    chp = set(chp_assets)
    hit = np.fromiter((a in chp and e in HEAT_ONLY_EFFECTS for a, e in zip(
        periods["asset_id"].tolist(), periods["effect"].tolist(), strict=True)),
        dtype=bool, count=len(periods))
    hit &= periods["remaining_fraction"].to_numpy(dtype=float) < share
    if not hit.any():
        return periods
    # the other periods, then each affected one cut at the switch, then its heat-only rest
    pos = np.flatnonzero(hit)
    start = pd.DatetimeIndex(periods["start"])[pos]
    end = pd.DatetimeIndex(periods["end"])[pos]
    switch = start + pd.Timedelta(hours=float(start_h))
    late = np.asarray(switch < end)
    out = periods.take(np.concatenate([np.flatnonzero(~hit), pos, pos[late]]))
    out = out.reset_index(drop=True)
    cut = slice(len(periods) - len(pos), len(periods))
    rest = slice(len(periods), None)
    out_start, out_end = out["start"].array.copy(), out["end"].array.copy()
    out_end[cut] = switch.where(late, end).array
    out_start[rest] = switch[late].array
    frac = out["remaining_fraction"].to_numpy(dtype=float).copy()
    frac[rest] = float(share)
    return out.assign(start=out_start, end=out_end, remaining_fraction=frac)


def _ns(times: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of tz-aware times; tz-naive ones raise TypeError."""
    return pd.DatetimeIndex(times).tz_convert("UTC").as_unit("ns").asi8


@dataclass(frozen=True)
class _RegistryMaps:
    """Lookups of a network registry used hour by hour (see :func:`_registry_maps`)."""

    reg: pd.DataFrame
    bus_of_substation: dict
    substation_of_bus: dict
    bus_of_asset: dict | None


_REGISTRY_MAPS: list = [None, None]  # weak reference to the last registry, its lookups


def _registry_maps(registry: pd.DataFrame) -> _RegistryMaps:
    """Lookups of ``registry``, computed once per registry object (registries are not
    edited once a network is loaded).

    ``bus_of_asset`` maps every asset id to the bus of its substation (None when asset
    ids repeat: the general paths then raise as pandas does).
    """
    ref, maps = _REGISTRY_MAPS
    if ref is not None and ref() is registry:
        return maps
    reg = registry.set_index("asset_id")
    b_of_s = bus_of_substation(registry)
    maps = _RegistryMaps(
        reg=reg, bus_of_substation=b_of_s, substation_of_bus={b: s for s, b in b_of_s.items()},
        bus_of_asset=(dict(reg["substation"].map(b_of_s)) if reg.index.is_unique else None))
    _REGISTRY_MAPS[:] = [weakref.ref(registry), maps]
    return maps


def bus_of_substation(registry: pd.DataFrame) -> dict[str, str]:
    """``{substation id: bus id}`` from a network registry (first bus of each substation)."""
    buses = registry[registry["kind"] == "bus"]
    buses = buses[buses["substation"].astype(str) != ""]
    return dict(buses.groupby("substation")["asset_id"].first())


def node_power(loads: pd.DataFrame, registry: pd.DataFrame, index: pd.DatetimeIndex,
               nodes, min_served: float = 0.5) -> pd.DataFrame:
    """Power for heat infrastructure at each grid node, hour by hour.

    Parameters
    ----------
    loads : pandas.DataFrame or gridmodel.outage.steps.StepArrays
        ``time, load_id, priority_class, demand_mw, served_mw, energised`` per step
        (``TimelineResult.loads``), or the timeline's arrays (``TimelineResult.steps``:
        the same answer without building the table).
    registry : pandas.DataFrame
        ``net.registry`` (maps loads to substations and substations to buses).
    index : pandas.DatetimeIndex
        Hourly, tz-aware (the heat run's time axis).
    nodes : list of str
        Bus ids to report.
    min_served : float
        Minimum served share of the node's heat_water demand [-] ([C], assumptions.toml).

    Returns
    -------
    pandas.DataFrame of bool
        [time x node]; nodes without loads in ``loads`` are True (no information).
    """
    maps = _registry_maps(registry)
    reg, b_of_s = maps.reg, maps.bus_of_substation
    if isinstance(loads, StepArrays):
        fast = _node_power_of_runs(loads, maps.bus_of_asset, index, nodes, min_served)
        if fast is not None:
            return fast
        loads = loads.loads_frame()
    fast = _node_power_fast(loads, maps.bus_of_asset, index, nodes, min_served)
    if fast is not None:
        return fast
    df = loads[["time", "load_id", "priority_class", "demand_mw", "served_mw",
                "energised"]].copy()
    df["node"] = df["load_id"].map(reg["substation"]).map(b_of_s)
    df = df[df["node"].isin(set(nodes))]
    out = pd.DataFrame(True, index=index, columns=pd.Index(list(nodes), name="grid_node"))
    if df.empty:
        return out
    df["time"] = pd.to_datetime(df["time"], utc=True)
    utc = _utc(index)
    en = df.pivot_table(index="time", columns="node", values="energised", aggfunc="max")
    hw = df[df["priority_class"] == "heat_water"]
    ok = en.fillna(0).astype(bool)
    if not hw.empty:
        g = hw.groupby(["time", "node"])[["demand_mw", "served_mw"]].sum()
        share = (g["served_mw"] / g["demand_mw"].where(g["demand_mw"] > 0)).fillna(1.0)
        share = share.unstack("node").reindex_like(ok).fillna(1.0)
        ok = ok & (share >= min_served).to_numpy()
    ok = ok.reindex(utc)
    for c in ok.columns:
        col = ok[c]
        out[c] = _bool_or_true(col)
    return out


def building_power(schedule: pd.DataFrame, registry: pd.DataFrame, index: pd.DatetimeIndex,
                   node_queues) -> pd.DataFrame:
    """Residential power of each (grid node, queue), hour by hour.

    Parameters
    ----------
    schedule : pandas.DataFrame or gridmodel.outage.blackouts.QueuePower
        ``area, queue, time, power_on`` (``BlackoutSchedule.schedule``; ``area`` is a
        substation id for Kyiv districts), or the same as arrays
        (``BlackoutSchedule.queue_power``: the same answer, no table).
    registry : pandas.DataFrame
        ``net.registry``.
    index : pandas.DatetimeIndex
    node_queues : list of (str, int)
        (bus id, queue) pairs to report; absent pairs are True.

    Returns
    -------
    pandas.DataFrame of bool, columns a MultiIndex (grid_node, queue).
    """
    cols = pd.MultiIndex.from_tuples(list(node_queues), names=["grid_node", "queue"])
    if isinstance(schedule, QueuePower):
        s_of_b = _registry_maps(registry).substation_of_bus
        return _building_power_of_queues(schedule, s_of_b, index, list(node_queues), cols)
    out = pd.DataFrame(True, index=index, columns=cols)
    if schedule is None or not len(schedule):
        return out
    s_of_b = _registry_maps(registry).substation_of_bus
    fast = _building_power_fast(schedule, s_of_b, index, list(node_queues), cols)
    if fast is not None:
        return fast
    sch = schedule.copy()
    sch["time"] = pd.to_datetime(sch["time"], utc=True)
    areas = set(sch["area"])
    piv = sch.pivot_table(index="time", columns=["area", "queue"], values="power_on",
                          aggfunc="min").reindex(_utc(index))
    for node, q in node_queues:
        area = s_of_b.get(node)
        if area in areas and (area, q) in piv.columns:
            col = piv[(area, q)]
            out[(node, q)] = _bool_or_true(col)
    return out


def _ns_utc_positions(times: pd.Series, index: pd.DatetimeIndex) -> np.ndarray | None:
    """Row of ``index`` of each (tz-aware, ns) time, -1 where absent; None: not applicable."""
    dt = times.dtype
    if not isinstance(dt, pd.DatetimeTZDtype) or dt.unit != "ns":
        return None
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None or index.unit != "ns":
        return None
    if not (index.is_monotonic_increasing and index.is_unique):
        return None
    ref = index.asi8
    t = np.asarray(times.array.asi8)
    if not len(ref):
        return np.full(len(t), -1, dtype=np.int64)
    step = ref[1] - ref[0] if len(ref) > 1 else 0
    if step > 0 and (np.diff(ref) == step).all():
        # evenly spaced index: the row is the offset in steps
        inside = (t >= ref[0]) & (t <= ref[-1])
        off = np.where(inside, t - ref[0], 0)
        return np.where(inside & (off % step == 0), off // step, -1)
    pos = np.searchsorted(ref, t)
    pos = np.minimum(pos, len(ref) - 1)
    return np.where(ref[pos] == t, pos, -1).astype(np.int64)


def _node_power_fast(loads, bus_of_asset, index, nodes, min_served):
    """:func:`node_power` with integer codes and bincount (None: use the general path).

    Applies when times are tz-aware (ns), ``energised`` is boolean, node names and asset
    ids are unique and no (time, node) has more than two heat_water loads (sums then equal
    pandas').
    """
    nodes = list(nodes)
    if (bus_of_asset is None or len(set(nodes)) != len(nodes)
            or loads["energised"].dtype != bool):
        return None
    ti = _ns_utc_positions(loads["time"], index)
    if ti is None:
        return None
    codes, uniq = _factorize_steps(loads["load_id"].to_numpy(), loads["time"].array.asi8)
    npos = {n: j for j, n in enumerate(nodes)}
    u_col = np.array([npos.get(bus_of_asset.get(u), -1) for u in uniq], dtype=np.int64)
    col = np.where(codes >= 0, u_col[codes] if len(u_col) else -1, -1)
    keep = col >= 0  # rows whose node is reported
    n_t, n_n = len(index), len(nodes)
    out = np.ones((n_t, n_n), dtype=bool)
    if not keep.any():
        return pd.DataFrame(out, index=index, columns=pd.Index(nodes, name="grid_node"))
    c_all = col[keep]
    t_all = ti[keep]
    node_seen = np.zeros(n_n, dtype=bool)
    node_seen[c_all] = True
    inr = t_all >= 0
    c, t = c_all[inr], t_all[inr]
    time_seen = np.zeros(n_t, dtype=bool)
    time_seen[t] = True
    cell = t * n_n + c
    en = np.zeros(n_t * n_n, dtype=bool)
    en[cell[loads["energised"].to_numpy()[keep][inr]]] = True
    ok = en.reshape(n_t, n_n)
    hw = (loads["priority_class"].to_numpy()[keep][inr] == "heat_water")
    if hw.any():
        dem = loads["demand_mw"].to_numpy(dtype=float)[keep][inr][hw]
        srv = loads["served_mw"].to_numpy(dtype=float)[keep][inr][hw]
        if np.isnan(dem).any() or np.isnan(srv).any():
            return None
        hc = cell[hw]
        if np.bincount(hc, minlength=n_t * n_n).max(initial=0) > 2:
            return None
        d = np.bincount(hc, weights=dem, minlength=n_t * n_n)
        sv = np.bincount(hc, weights=srv, minlength=n_t * n_n)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(d > 0, sv / np.where(d > 0, d, 1.0), 1.0)
        share = np.where(np.isnan(share), 1.0, share)
        ok = ok & (share >= min_served).reshape(n_t, n_n)
    # rows of the index without data, and nodes without loads, have no information
    ok = ok | ~time_seen[:, None] | ~node_seen[None, :]
    return pd.DataFrame(ok, index=index, columns=pd.Index(nodes, name="grid_node"))


def _node_power_of_runs(steps: StepArrays, bus_of_asset, index, nodes, min_served):
    """:func:`_node_power_fast` of a timeline's arrays: each run's answer once, then per
    step its run's (None where the table path would not take the fast path either)."""
    nodes = list(nodes)
    model = steps.model
    if bus_of_asset is None or len(set(nodes)) != len(nodes):
        return None
    ti = _ns_utc_positions(pd.Series(steps.times), index)
    if ti is None:
        return None
    npos = {n: j for j, n in enumerate(nodes)}
    col = np.array([npos.get(bus_of_asset.get(u), -1) for u in model.load_id],
                   dtype=np.int64)
    n_t, n_n = len(index), len(nodes)
    out = np.ones((n_t, n_n), dtype=bool)
    keep = np.flatnonzero(col >= 0)  # loads whose node is reported
    if not len(keep) or not len(steps.times):
        return pd.DataFrame(out, index=index, columns=pd.Index(nodes, name="grid_node"))
    c = col[keep]
    n_runs = len(steps.runs.n_islands)
    run_cell = (np.arange(n_runs, dtype=np.int64)[:, None] * n_n + c[None, :])
    en = np.zeros(n_runs * n_n, dtype=bool)
    en[run_cell[steps.per_run("energised")[:, keep]]] = True
    ok = en.reshape(n_runs, n_n)
    hw = np.asarray(model.load_class, dtype=object)[keep] == "heat_water"
    if hw.any():
        if np.bincount(c[hw], minlength=n_n).max(initial=0) > 2:
            return None
        dem = steps.per_run("demand_mw")[:, keep][:, hw]
        srv = steps.per_run("served_mw")[:, keep][:, hw]
        if np.isnan(dem).any() or np.isnan(srv).any():
            return None
        cells = run_cell[:, hw].ravel()  # a cell's loads in load order, as the table's rows
        d = np.bincount(cells, weights=dem.ravel(), minlength=n_runs * n_n)
        sv = np.bincount(cells, weights=srv.ravel(), minlength=n_runs * n_n)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(d > 0, sv / np.where(d > 0, d, 1.0), 1.0)
        share = np.where(np.isnan(share), 1.0, share)
        ok = ok & (share >= min_served).reshape(n_runs, n_n)
    inside = ti >= 0
    out[ti[inside]] = ok[steps.step_run[inside]]
    node_seen = np.zeros(n_n, dtype=bool)
    node_seen[c] = True
    # nodes without loads have no information (rows of the index without a step stay True)
    out |= ~node_seen[None, :]
    return pd.DataFrame(out, index=index, columns=pd.Index(nodes, name="grid_node"))


def _factorize_steps(ids: np.ndarray, times_ns: np.ndarray):
    """``pandas.factorize(ids)`` of a table listing the same ids at every time step.

    A timeline table repeats one block of rows (the ids of the first step) step after
    step; then only that block is factorized. Any other layout is factorized whole.
    """
    n = len(ids)
    block = int(np.argmax(times_ns != times_ns[0])) if n else 0
    if block and n % block == 0 and (ids.reshape(-1, block) == ids[:block]).all():
        codes, uniq = pd.factorize(ids[:block], use_na_sentinel=True)
        return np.tile(codes, n // block), uniq
    return pd.factorize(ids, use_na_sentinel=True)


def _building_power_fast(schedule, s_of_b, index, node_queues, cols):
    """:func:`building_power` with integer codes (None: use the general path)."""
    if len(set(node_queues)) != len(node_queues) or schedule["power_on"].dtype != bool:
        return None
    if schedule["queue"].dtype.kind not in "iu" or not all(
            isinstance(q, int | np.integer) for _, q in node_queues):
        return None
    ti = _ns_utc_positions(schedule["time"], index)
    if ti is None:
        return None
    n_t = len(index)
    out = np.ones((n_t, len(node_queues)), dtype=bool)
    pair_col: dict[tuple, int] = {}
    for j, (node, q) in enumerate(node_queues):
        area = s_of_b.get(node)
        if area is not None:
            if (area, q) in pair_col:
                return None
            pair_col[(area, q)] = j
    if pair_col:
        areas = pd.Index(sorted({a for a, _ in pair_col}, key=str), dtype=object)
        area = schedule["area"].to_numpy(dtype=object)
        # rows come in runs of one area: look up the first row of each run
        run_start = np.flatnonzero(np.r_[True, area[1:] != area[:-1]]) if len(area) else (
            np.zeros(0, dtype=np.int64))
        a_code = np.repeat(areas.get_indexer(area[run_start]),
                           np.diff(np.r_[run_start, len(area)]))
        qv = schedule["queue"].to_numpy().astype(np.int64)
        qs = sorted({int(q) for _, q in pair_col})
        q0, q1 = qs[0], qs[-1]
        table = np.full((len(areas), q1 - q0 + 1), -1, dtype=np.int64)
        apos = {a: i for i, a in enumerate(areas)}
        for (a, q), j in pair_col.items():
            table[apos[a], int(q) - q0] = j
        m = (a_code >= 0) & (qv >= q0) & (qv <= q1) & (ti >= 0)
        j_row = np.full(len(m), -1, dtype=np.int64)
        j_row[m] = table[a_code[m], qv[m] - q0]
        off = m & (j_row >= 0) & ~schedule["power_on"].to_numpy()
        out[ti[off], j_row[off]] = False
    return pd.DataFrame(out, index=index, columns=cols)


def _building_power_of_queues(qp: QueuePower, s_of_b, index, node_queues,
                              cols) -> pd.DataFrame:
    """:func:`building_power` of a schedule's arrays: each (node, queue) column is its
    area's queue, True where the schedule has no row (no such area or queue, or an hour
    outside the schedule)."""
    n_t, n_q = len(index), qp.on.shape[1]
    out = np.ones((n_t, len(node_queues)), dtype=bool)
    if not len(qp.area):
        return pd.DataFrame(out, index=index, columns=cols)
    ti = _ns_utc_positions(pd.Series(qp.times), index)
    if ti is None:
        ti = _utc(index).get_indexer(pd.DatetimeIndex(qp.times).tz_convert("UTC"))
    area_pos = {a: i for i, a in enumerate(qp.names)}
    start = np.searchsorted(qp.area, np.arange(len(qp.names) + 1))  # rows of each area
    for j, (node, q) in enumerate(node_queues):
        a = area_pos.get(s_of_b.get(node), -1)
        whole = isinstance(q, int | np.integer) or (
            isinstance(q, float | np.floating) and float(q).is_integer())
        if a < 0 or not (whole and 0 <= q < n_q):  # (a queue 2.0 is queue 2, as in pandas)
            continue
        r = np.arange(start[a], start[a + 1])
        k = ti[qp.t[r]]
        inside = k >= 0
        out[k[inside], j] = qp.on[r[inside], int(q)]
    return pd.DataFrame(out, index=index, columns=cols)


# ------------------------------------------------------------------ other outage sources
def status_available(status_active: pd.DataFrame | None, index: pd.DatetimeIndex,
                     assets) -> pd.DataFrame:
    """Fraction [0-1] of each asset left by the network's status, the same every hour.

    Parameters
    ----------
    status_active : pandas.DataFrame or None
        ``net.status_active`` (``asset_id, status, available_fraction``: the status rows
        in force on the network's status date, :func:`gridmodel.network.status.status_on`).
    index : pandas.DatetimeIndex
    assets : list of str
        Columns to return; assets without a status row are 1.0.

    Returns
    -------
    pandas.DataFrame
        [time x asset_id]: 0 for occupied, destroyed and disabled assets, the
        ``available_fraction`` of damaged ones, 1 otherwise (status applies from hour 0).
    """
    from gridmodel.network.status import OUT

    cols = pd.Index(list(assets), name="asset_id")
    left_of: dict[str, float] = {}  # the least any status row leaves of an asset
    if status_active is not None and len(status_active):
        wanted = set(cols)
        for aid, status, avail in zip(status_active["asset_id"].tolist(),
                                      status_active["status"].tolist(),
                                      status_active["available_fraction"].tolist(),
                                      strict=True):
            if aid in wanted:
                left = 0.0 if status in OUT else float(avail)
                left_of[aid] = min(left_of.get(aid, 1.0), left if np.isfinite(left) else 1.0)
    frac = np.array([left_of.get(a, 1.0) for a in cols], dtype=float)
    return pd.DataFrame(np.repeat(frac[None, :], len(index), axis=0), index=index,
                        columns=cols)


def plant_buses(net, plants) -> dict[str, str]:
    """``{plant id: bus id}`` of the plants' generators (plants not found are left out)."""
    reg = net.registry
    bus_id = dict(zip(reg.loc[reg["kind"] == "bus", "element_index"],
                      reg.loc[reg["kind"] == "bus", "asset_id"], strict=True))
    rows = reg[reg["asset_id"].isin(set(plants)) & reg["element"].isin(("gen", "sgen"))]
    out = {}
    for aid, element, i in zip(rows["asset_id"], rows["element"], rows["element_index"],
                               strict=True):
        b = bus_id.get(int(net[element].at[int(i), "bus"]))
        if b is not None:
            out[aid] = b
    return out


def island_energised(islands: pd.DataFrame | None, plant_bus: dict[str, str],
                     index: pd.DatetimeIndex) -> pd.DataFrame:
    """Whether each plant's bus lies in an energised island, hour by hour.

    Parameters
    ----------
    islands : pandas.DataFrame, gridmodel.outage.steps.StepArrays or None
        ``TimelineResult.islands`` (``time, buses, energised`` per island and step), or
        the timeline's arrays (``TimelineResult.steps``: the same answer, no table).
    plant_bus : dict
        ``{plant id: bus id}`` (:func:`plant_buses`).
    index : pandas.DatetimeIndex

    Returns
    -------
    pandas.DataFrame of bool
        [time x plant]; hours without island rows, and a table without ``buses``, are
        True (no information).
    """
    plants = list(plant_bus)
    out = np.ones((len(index), len(plants)), dtype=bool)
    if isinstance(islands, StepArrays):
        return _island_energised_of_runs(islands, [plant_bus[p] for p in plants], index,
                                         pd.Index(plants, name="asset_id"))
    if islands is None or not len(islands) or "buses" not in islands or not plants:
        return pd.DataFrame(out, index=index, columns=pd.Index(plants, name="asset_id"))
    step_of_row = _utc(index).get_indexer(pd.DatetimeIndex(pd.to_datetime(
        islands["time"], utc=True)))
    lit = np.zeros((len(index), len(plants)), dtype=bool)
    seen = np.zeros(len(index), dtype=bool)
    memo: dict[int, np.ndarray] = {}  # cached steps share their bus list
    targets = [plant_bus[p] for p in plants]
    for k, buses, on in zip(step_of_row, islands["buses"], islands["energised"], strict=True):
        if k < 0:
            continue
        seen[k] = True
        if not on:
            continue
        hit = memo.get(id(buses))
        if hit is None:
            members = set(buses)
            hit = memo[id(buses)] = np.array([b in members for b in targets], dtype=bool)
        lit[k] |= hit
    out = np.where(seen[:, None], lit, True)
    return pd.DataFrame(out, index=index, columns=pd.Index(plants, name="asset_id"))


def _island_energised_of_runs(steps: StepArrays, buses: list, index: pd.DatetimeIndex,
                              columns: pd.Index) -> pd.DataFrame:
    """:func:`island_energised` of a timeline's arrays (a bus the network lacks is in
    no island, as it is in no island's ``buses``)."""
    out = np.ones((len(index), len(buses)), dtype=bool)
    if len(buses) and len(steps.times):
        pos_of = {b: k for k, b in enumerate(steps.model.bus_name)}
        pos = np.array([pos_of.get(b, -1) for b in buses], dtype=np.int64)
        lit = steps.bus_energised(np.maximum(pos, 0))
        no_islands = (steps.runs.n_islands == 0)[steps.step_run]
        lit[:, pos < 0] = no_islands[:, None]
        k = _utc(index).get_indexer(pd.DatetimeIndex(steps.times).tz_convert("UTC"))
        out[k[k >= 0]] = lit[k >= 0]
    return pd.DataFrame(out, index=index, columns=columns)


def heat_assets(layer) -> pd.DataFrame:
    """The heat layer's strike targets: ``asset_id, kind, name, technology, aliases``.

    Sources (``heat:...``, kind ``heat_source``, technology their ``kind``: chp,
    boiler_aggregate, ...), pumping stations (``pump:...``, kind ``pumping_station``,
    named after their zone) and standby units (kind ``heat_source``, technology their
    ``kind``: modular_boiler, mobile_boiler, cogeneration), in layer order.
    """
    s, p, sb = layer.sources, layer.pumping, layer.standby
    return pd.DataFrame({
        "asset_id": [*s["source_id"], *p["pump_id"], *sb["standby_id"]],
        "kind": ["heat_source"] * len(s) + ["pumping_station"] * len(p)
        + ["heat_source"] * len(sb),
        "name": [*s["name"], *(f"pumping of {z}" for z in p["zone_id"]), *sb["name"]],
        "technology": [*s["kind"], *([""] * len(p)), *sb["kind"]],
        "aliases": [""] * (len(s) + len(p) + len(sb))})
