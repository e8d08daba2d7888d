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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["asset_available", "building_power", "bus_of_substation", "node_power"]


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
    out = pd.DataFrame(1.0, index=index, columns=pd.Index(ids, name="asset_id"))
    if periods is None or not len(periods) or not len(index):
        return out
    t = _utc(index).asi8
    step = (t[1] - t[0]) if len(t) > 1 else 3_600_000_000_000
    vals = out.to_numpy(copy=True)
    pos = {a: i for i, a in enumerate(ids)}
    for aid, start, end, frac in periods[["asset_id", "start", "end",
                                          "remaining_fraction"]].itertuples(index=False):
        j = pos.get(aid)
        if j is None:
            continue
        s = pd.Timestamp(start).tz_convert("UTC").value
        e = pd.Timestamp(end).tz_convert("UTC").value
        on = (t + step > s) & (t < e)  # step containing start .. step before first at/after end
        vals[on, j] = np.minimum(vals[on, j], float(frac))
    out.loc[:, :] = vals
    return out


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
    loads : pandas.DataFrame
        ``time, load_id, priority_class, demand_mw, served_mw, energised`` per step.
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
    reg = registry.set_index("asset_id")
    b_of_s = bus_of_substation(registry)
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
    schedule : pandas.DataFrame
        ``area, queue, time, power_on`` (``BlackoutSchedule.schedule``); ``area`` is a
        substation id for Kyiv districts.
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
    out = pd.DataFrame(True, index=index, columns=cols)
    if schedule is None or not len(schedule):
        return out
    s_of_b = {b: s for s, b in bus_of_substation(registry).items()}
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
