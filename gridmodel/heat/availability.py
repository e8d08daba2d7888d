"""Hour-by-hour heat availability of every building of a city heat layer.

Interface with the grid (explicit, all hourly on one tz-aware index):

* ``asset_available`` : DataFrame[time x asset_id] of the remaining fraction [0-1] of
  grid assets (plants such as ``plant:darnytsia-chp-4``) and, if struck directly, of heat
  assets (``heat:...`` sources, ``pump:...`` stations). Missing columns mean 1.0.
* ``node_power`` : DataFrame[time x grid_node] bool, power for heat infrastructure
  (sources, pumping) at a bus. Missing columns mean True.
* ``building_power`` : DataFrame[time x (grid_node, queue)] bool, power of apartment
  buildings on a rolling-blackout queue at a bus. Missing columns mean True.

Rules (parameters in the layer's ``assumptions.toml``, tagged [C]; see docs/heat.md):

1. A **source** runs at the fraction ``asset_available[power_asset]`` (CHP: its plant) or,
   for sources drawing power from a bus, while the bus has power or backup generators
   cover its electric need with fuel left (fuel lasts ``backup_fuel_h`` from the moment
   grid power was lost, refilled when it returns). A direct strike on the source
   (``asset_available[source_id]``) multiplies the fraction. Fuel for boilers and CHPs
   (gas, coal) is taken as available.
2. When the available capacity is below the current heat demand of its zones
   (H x floor area x (setpoint - temp_air)), the source keeps the buildings nearest to it
   (``[capacity_cut]``): building *i* is served while the cumulative design load of the
   buildings nearer than it, and its own, is at most the served fraction
   ``capacity / demand`` (rounded down to 1 %).
3. A zone's **pumping** runs while its station is not destroyed and has power (grid or
   backup as in 1).
4. A building **circulates** while 1-3 hold and, if taller than ``tall_floors`` storeys,
   its own power is on (grid node energised and its queue on).
5. **Draining** (:mod:`gridmodel.heat.draining`): a stopped group is drained when the
   stop's expected total duration exceeds the bridging time at the current outdoor
   temperature and it is -3 °C or colder.

Buildings sharing (zone, grid node, queue if tall, tall, capacity band) share every
timeline; rules 1-5 are evaluated once per such group (a few hundred for Kyiv).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from gridmodel.errors import InputError
from gridmodel.heat import draining
from gridmodel.heat.layer import HeatLayer, archetype_h_w_m2k

__all__ = [
    "CAUSES",
    "GroupAvailability",
    "backup_powered",
    "capacity_rank",
    "group_availability",
    "pumping_on",
    "source_capacity",
    "source_served_fraction",
]

#: Cause codes of "without heat" (0 = has supply).
CAUSES = {0: "none", 1: "source_lost", 2: "zone_pumping_unpowered",
          3: "drained_after_building_blackout"}


def _check_frame(df, index: pd.DatetimeIndex, name: str) -> pd.DataFrame | None:
    if df is None:
        return None
    if not isinstance(df, pd.DataFrame):
        msg = f"{name} must be a pandas DataFrame indexed by time; got {type(df).__name__}."
        raise InputError(msg)
    if len(df.index) != len(index) or not df.index.equals(index):
        msg = (f"{name} must share the hourly index of temp_air ({len(index)} hours from "
               f"{index[0] if len(index) else '-'}); got {len(df.index)} rows from "
               f"{df.index[0] if len(df.index) else '-'}.")
        raise InputError(msg)
    return df


def _columns(df, ids, default, dtype, n_t) -> np.ndarray:
    """(time, len(ids)) array of ``df[ids]``, ``default`` where a column is absent."""
    out = np.full((n_t, len(ids)), default, dtype=dtype)
    if df is None:
        return out
    pos = {c: i for i, c in enumerate(df.columns)}
    vals = df.to_numpy()
    for j, a in enumerate(ids):
        i = pos.get(a)
        if i is not None:
            out[:, j] = vals[:, i]
    return out


def backup_powered(grid_on, has_backup, fuel_h):
    """Whether a site has power, from the grid or from backup generators with fuel left.

    Parameters
    ----------
    grid_on : array-like of bool, shape (time, site)
    has_backup : array-like of bool, shape (site,)
        Backup generators able to carry the site's electric need.
    fuel_h : array-like of float, shape (site,)
        Hours of fuel at full output [h]; refilled when grid power returns [C].

    Returns
    -------
    numpy.ndarray of bool, shape (time, site)
    """
    g = np.asarray(grid_on, dtype=bool)
    elapsed, _ = draining.run_lengths(~g)
    ok = np.asarray(has_backup, bool)[None, :] & (elapsed <= np.asarray(fuel_h, float)[None, :])
    return g | ok


def source_capacity(layer: HeatLayer, index, asset_available=None, node_power=None):
    """Available fraction [0-1] of each heat source's capacity, hour by hour.

    Returns
    -------
    pandas.DataFrame
        [time x source_id] (sources with a zone only).
    """
    src = layer.sources[layer.sources["source_id"].isin(layer.zones["source_id"])]
    ids = src["source_id"].tolist()
    direct = _columns(asset_available, ids, 1.0, float, len(index))
    pa = src["power_asset"].tolist()
    is_bus = np.array([not a.startswith("plant:") for a in pa])
    frac = _columns(asset_available, pa, 1.0, float, len(index))
    grid = _columns(node_power, pa, True, bool, len(index))
    has_b = (src["backup_mw"].to_numpy(float) >= src["power_need_mw"].to_numpy(float)) & (
        src["backup_mw"].to_numpy(float) > 0)
    powered = backup_powered(grid, has_b, src["backup_fuel_h"].to_numpy(float))
    frac = np.where(is_bus[None, :], powered.astype(float), frac)
    out = np.clip(frac * direct, 0.0, 1.0)
    return pd.DataFrame(out, index=index, columns=pd.Index(ids, name="source_id"))


def pumping_on(layer: HeatLayer, index, asset_available=None, node_power=None):
    """Whether each zone's pumping runs, hour by hour: DataFrame[time x zone_id] bool."""
    p = layer.pumping.set_index("zone_id").loc[layer.zones["zone_id"]]
    alive = _columns(asset_available, p["pump_id"].tolist(), 1.0, float, len(index)) > 0.0
    grid = _columns(node_power, p["grid_node"].tolist(), True, bool, len(index))
    has_b = (p["backup_mw"].to_numpy(float) >= p["power_need_mw"].to_numpy(float)) & (
        p["backup_mw"].to_numpy(float) > 0)
    powered = backup_powered(grid, has_b, p["backup_fuel_h"].to_numpy(float))
    return pd.DataFrame(alive & powered, index=index,
                        columns=pd.Index(layer.zones["zone_id"].tolist(), name="zone_id"))


def capacity_rank(layer: HeatLayer) -> np.ndarray:
    """Cumulative design-load fraction of each building within its source, nearest first.

    Building *i* is served while its value is at most the source's served fraction
    (``[capacity_cut]`` rule ``nearest_first``; distance straight-line from the source,
    ties by building_id).

    Returns
    -------
    numpy.ndarray of float, shape (building,), in (0, 1].
    """
    b = layer.buildings
    s = layer.sources.set_index("source_id")
    slon = b["source_id"].map(s["lon"]).to_numpy(float)
    slat = b["source_id"].map(s["lat"]).to_numpy(float)
    kx = np.cos(np.radians(np.nan_to_num(slat, nan=50.0)))
    dist = np.hypot((b["lon"].to_numpy(float) - slon) * kx, b["lat"].to_numpy(float) - slat)
    load = _h(layer) * b["floor_area_m2"].to_numpy(float)
    fast = _capacity_rank_fast(b["source_id"].to_numpy(), np.nan_to_num(dist),
                               b["building_id"].to_numpy(), load)
    if fast is not None:
        return fast
    df = pd.DataFrame({"src": b["source_id"].to_numpy(), "d": np.nan_to_num(dist),
                       "id": b["building_id"].to_numpy(), "load": load})
    df = df.sort_values(["src", "d", "id"])
    cum = df.groupby("src")["load"].cumsum() / df.groupby("src")["load"].transform("sum")
    return cum.reindex(range(len(b))).to_numpy(float)


def _capacity_rank_fast(src, d, ids, load) -> np.ndarray | None:
    """:func:`capacity_rank` from integer codes (None: use the general path).

    Sort by (source, distance, building id) as ``sort_values`` does, then per-source
    cumulative and total loads with pandas' compensated sums, in that order.
    """
    if not len(src) or not np.isfinite(load).all():
        return None
    s_codes, s_uniq = pd.factorize(src, sort=True)
    i_codes, i_uniq = pd.factorize(ids, sort=True)
    if ((s_codes < 0).any() or (i_codes < 0).any()
            or not all(isinstance(x, str) for x in s_uniq)
            or len({type(x) for x in i_uniq}) != 1):
        return None
    order = np.lexsort((i_codes, d, s_codes))
    out = np.empty(len(src), dtype=float)
    out[order] = _cum_share(s_codes[order].astype(np.int64), load[order], len(s_uniq))
    return out


@njit(cache=True)
def _cum_share(labels, vals, n_groups):  # pragma: no cover
    """Per-group cumulative sum / group total, compensated as pandas' groupby sums."""
    n = vals.size
    acc = np.zeros(n_groups)
    comp = np.zeros(n_groups)
    cum = np.empty(n)
    for i in range(n):
        lab = labels[i]
        y = vals[i] - comp[lab]
        t = acc[lab] + y
        comp[lab] = t - acc[lab] - y
        acc[lab] = t
        cum[i] = t
    tot = np.zeros(n_groups)
    comp[:] = 0.0
    for i in range(n):
        lab = labels[i]
        y = vals[i] - comp[lab]
        t = tot[lab] + y
        comp[lab] = t - tot[lab] - y
        if comp[lab] != comp[lab]:
            comp[lab] = 0.0
        tot[lab] = t
    for i in range(n):
        cum[i] = cum[i] / tot[labels[i]]
    return cum


def _h(layer: HeatLayer) -> np.ndarray:
    b = layer.buildings
    hs = {a: archetype_h_w_m2k(a) for a in b["archetype"].unique()}
    return b["archetype"].map(hs).to_numpy(float)


def source_served_fraction(layer: HeatLayer, capacity_frac: pd.DataFrame, temp_air):
    """Share of each source's current demand it can meet, rounded down to 1 %.

    ``min(1, capacity_frac * heat_capacity_mw / demand_mw(temp_air))`` with
    ``demand_mw = sum(H * floor area) * (setpoint - temp_air)`` over the source's buildings
    (gains ignored: conservative).
    """
    b = layer.buildings
    ua = pd.Series(_h(layer) * b["floor_area_m2"].to_numpy(float)).groupby(
        b["source_id"].to_numpy()).sum()
    cap = layer.sources.set_index("source_id")["heat_capacity_mw"]
    ids = list(capacity_frac.columns)
    setp = float(layer.param("heat_capacity", "indoor_setpoint_c"))
    dT = np.maximum(setp - np.asarray(temp_air, float), 0.0)[:, None]
    demand = ua.reindex(ids).fillna(0).to_numpy()[None, :] * dT / 1e6
    avail = capacity_frac.to_numpy() * cap.reindex(ids).to_numpy(float)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(demand > 0, avail / demand, 1.0)
    s = np.floor(np.clip(s, 0.0, 1.0) * 100 + 1e-9) / 100
    return pd.DataFrame(s, index=capacity_frac.index, columns=capacity_frac.columns)


@dataclass
class GroupAvailability:
    """Per-group hourly timelines of the heat rules (before crews and restarts).

    Attributes
    ----------
    index : pandas.DatetimeIndex
        Hourly time index.
    temp_air : numpy.ndarray, shape (time,)
        Outdoor air temperature [°C].
    groups : pandas.DataFrame
        One row per group: zone_id, source_id, district, grid_node, queue, tall, band,
        buildings.
    group_of : numpy.ndarray of int, shape (building,)
        Group of each building (registry order).
    supply_ok, circulating, drain_trigger, freeze_risk : numpy.ndarray of bool, (time, group)
        Source and pumping serve the group; water circulates in its buildings; hour at
        which the group is drained; piping past its freezing time while undrained.
    supply_cause : numpy.ndarray of int8, (time, group)
        Why supply is lost (:data:`CAUSES`; 0 where supplied).
    drain_cause : numpy.ndarray of int8, (time, group)
        Cause of each drain trigger (0 elsewhere).
    """

    index: pd.DatetimeIndex
    temp_air: np.ndarray
    groups: pd.DataFrame
    group_of: np.ndarray
    supply_ok: np.ndarray
    circulating: np.ndarray
    drain_trigger: np.ndarray
    supply_cause: np.ndarray
    drain_cause: np.ndarray
    freeze_risk: np.ndarray
    source_capacity: pd.DataFrame
    pumping: pd.DataFrame


def bridging_kwargs(layer: HeatLayer) -> dict:
    """Keyword arguments of :func:`draining.bridging_time_h` from the layer's assumptions."""
    return {k: float(layer.param("bridging", k))
            for k in ("start_c", "freeze_c", "tau_pipe_h", "drain_max_temp_c")}


def group_availability(layer: HeatLayer, temp_air: pd.Series, asset_available=None,
                       node_power=None, building_power=None) -> GroupAvailability:
    """Evaluate the heat rules once per building group, hour by hour.

    Parameters
    ----------
    layer : HeatLayer
    temp_air : pandas.Series
        Hourly outdoor temperature [°C] on a tz-aware index; defines the time axis.
    asset_available : pandas.DataFrame, optional
        [time x asset_id] remaining fraction [0-1] (missing: 1.0).
    node_power : pandas.DataFrame, optional
        [time x grid_node] bool, power for heat infrastructure (missing: True).
    building_power : pandas.DataFrame, optional
        [time x (grid_node, queue)] bool, residential power per queue (missing: True).

    Returns
    -------
    GroupAvailability
    """
    if not isinstance(temp_air, pd.Series) or not isinstance(temp_air.index, pd.DatetimeIndex):
        msg = "temp_air must be a pandas Series on an hourly DatetimeIndex [°C]."
        raise InputError(msg)
    index = temp_air.index
    asset_available = _check_frame(asset_available, index, "asset_available")
    node_power = _check_frame(node_power, index, "node_power")
    building_power = _check_frame(building_power, index, "building_power")
    tair = temp_air.to_numpy(float)
    b = layer.buildings

    cap = source_capacity(layer, index, asset_available, node_power)
    served = source_served_fraction(layer, cap, tair)
    pump = pumping_on(layer, index, asset_available, node_power)

    # capacity bands: distinct served fractions < 1 per source
    rank = capacity_rank(layer)
    band = np.zeros(len(b), dtype=np.int64)
    band_levels: dict[str, np.ndarray] = {}
    src_of = b["source_id"].to_numpy()
    for sid in served.columns:
        levels = np.unique(served[sid].to_numpy())
        levels = levels[levels < 1.0]
        band_levels[sid] = levels
        if levels.size:
            m = src_of == sid
            band[m] = np.searchsorted(levels, rank[m] - 1e-12, side="left")

    tall = (b["floors"].to_numpy() > int(layer.param("power", "tall_floors")))
    queue = np.where(tall, b["queue"].to_numpy(), 0)
    key = pd.DataFrame({"zone_id": b["zone_id"].to_numpy(), "grid_node": b["grid_node"].to_numpy(),
                        "queue": queue, "tall": tall, "band": band})
    group_of = key.groupby(list(key.columns), sort=True).ngroup().to_numpy(np.int64)
    groups = (key.assign(_g=group_of).drop_duplicates("_g").sort_values("_g")
              .drop(columns="_g").reset_index(drop=True))
    zinfo = layer.zones.set_index("zone_id")
    groups["source_id"] = zinfo.loc[groups["zone_id"], "source_id"].to_numpy()
    groups["district"] = zinfo.loc[groups["zone_id"], "district"].to_numpy()
    groups["buildings"] = np.bincount(group_of, minlength=len(groups))

    # per-group timelines
    g_src = groups["source_id"].to_numpy()
    sv = served[g_src].to_numpy()
    need = np.array([band_levels[s][k] if k < band_levels[s].size else 1.0
                     for s, k in zip(g_src, groups["band"], strict=True)])
    source_ok = sv >= need[None, :] - 1e-12
    source_ok &= cap[g_src].to_numpy() > 0
    pump_ok = pump[groups["zone_id"]].to_numpy()
    supply_ok = source_ok & pump_ok
    bp = _columns(building_power, list(zip(groups["grid_node"], groups["queue"], strict=True)),
                  True, bool, len(index))
    bp = bp | ~groups["tall"].to_numpy(bool)[None, :]
    circ = supply_ok & bp
    supply_cause = np.where(~source_ok, 1, np.where(~pump_ok, 2, 0)).astype(np.int8)

    kw = bridging_kwargs(layer)
    censored = float(layer.param("expected_duration", "censored_supply_outage_h"))
    elapsed, total = draining.run_lengths(~circ, censored_long=~supply_ok[-1:] if len(index)
                                          else None, censored_h=censored)
    trig = draining.drain_triggers(~circ, total, tair, kw)
    drain_cause = np.where(trig, np.where(supply_cause > 0, supply_cause, 3), 0).astype(np.int8)
    # hours of a run after its trigger are drained
    idx = np.arange(len(index))[:, None]
    last_free = np.where(circ, idx, -1)
    np.maximum.accumulate(last_free, axis=0, out=last_free)
    last_trig = np.where(trig, idx, -1)
    np.maximum.accumulate(last_trig, axis=0, out=last_trig)
    drained_run = ~circ & (last_trig > last_free)
    frz = draining.freeze_risk(~circ, drained_run, tair, elapsed, kw)
    return GroupAvailability(index=index, temp_air=tair, groups=groups, group_of=group_of,
                             supply_ok=supply_ok, circulating=circ, drain_trigger=trig,
                             supply_cause=supply_cause, drain_cause=drain_cause,
                             freeze_risk=frz, source_capacity=cap, pumping=pump)
