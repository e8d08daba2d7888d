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
   (H x floor area x (setpoint - temp_air)), the served fraction is ``capacity / demand``
   (rounded down to 1 %) and ``[capacity_cut]`` decides who gets it. ``nearest_first``:
   the source keeps the buildings nearest to it; building *i* is served while the
   cumulative design load of the buildings nearer than it, and its own, is at most the
   served fraction. ``reduced_heat``: while the served fraction is at least
   ``reduced_min_share`` every building of the source gets **reduced heat** at that share
   (the supply temperature lowered for all; they keep their coolant and cool more
   slowly, :mod:`gridmodel.thermal.rc` eq. (6)); below it the nearest buildings whose
   load fits ``served / reduced_min_share`` keep reduced heat at ``reduced_min_share``
   and the others are cut whole.
3. A zone's **pumping** runs while its station is not destroyed and has power (grid or
   backup as in 1).
3a. A **standby unit** (the layer's ``standby`` table: modular or mobile boiler houses,
   cogeneration units) takes over the buildings of its zone nearest to it whose design
   heat load (H x floor area x (setpoint - design_temp_c)) fits its capacity, when their
   supply by 1-3 is lost: from ``start_delay_h`` hours after the stop began, for
   ``fuel_h`` hours of running (empty: a gas main, unlimited), while the unit is not
   destroyed (``asset_available[standby_id]``) and has power: from its ``grid_node`` or
   backup as in 1, or its own (``own_power``, cogeneration running as its own island,
   which then also powers its buildings' pumps). It has its own pumps (zone pumping is
   not needed) and carries its buildings in full; sized at the design temperature, it is
   taken to carry them colder than that too [C].
4. A building **circulates** while 1-3 (or 3a) hold and, if taller than ``tall_floors``
   storeys, its own power is on (grid node energised and its queue on, or its standby
   unit's island).
5. **Draining** (:mod:`gridmodel.heat.draining`): a stopped group is drained when the
   stop's expected total duration exceeds the bridging time at the current outdoor
   temperature and it is -3 °C or colder. A supply stop (source or pumping) is judged
   against the network's basement-pipe bridging time, a stop of the building's own pumps
   (its blackout block) against the building's own pipe-freeze time, derived from its
   cooling (pipes inside a heated building cool with it, FIELD_NOTES 12); each stop from
   its own first hour, with what is known then.

Buildings sharing (zone, grid node, queue and time constant if tall, tall, standby unit,
capacity band) share every timeline; rules 1-5 are evaluated once per such group (a few
hundred for Kyiv).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from gridmodel._io.content import same_content, table_content
from gridmodel.errors import InputError
from gridmodel.heat import draining
from gridmodel.heat.layer import HeatLayer, archetype_h_w_m2k

__all__ = [
    "CAUSES",
    "GroupAvailability",
    "backup_powered",
    "capacity_rank",
    "check_layer",
    "freeze_layer",
    "group_availability",
    "pumping_on",
    "source_capacity",
    "source_served_fraction",
    "design_load_mw",
    "standby_assignment",
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
    src = np.array([pos.get(a, -1) for a in ids], dtype=np.intp)
    have = src >= 0
    if have.any():
        out[:, have] = df.to_numpy()[:, src[have]]
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


def _tables(layer: HeatLayer) -> tuple:
    return (layer.buildings, layer.sources, layer.zones, layer.pumping, layer.standby)


def check_layer(layer: HeatLayer) -> None:
    """Forget the constants derived from ``layer`` if its tables changed since.

    The public functions of the heat chain call this first, so a table edited in place
    (``layer.sources.loc[i, "backup_power"] = True``) is never answered from constants
    derived before the edit. It compares the tables' pandas blocks, as raw bytes, with
    those stored when the constants were derived (:mod:`gridmodel._io.content`: about
    0.2 ms for Kyiv's 12,000 buildings, where hashing every cell took about 12 ms),
    except for a layer marked with :func:`freeze_layer`.
    """
    if vars(layer).get("_frozen"):
        return
    stored = vars(layer).get("_content")
    if stored is not None and same_content(stored[0], table_content(_tables(layer))):
        return
    vars(layer).pop("_derived", None)
    pins: list = []
    vars(layer)["_content"] = (table_content(_tables(layer), pins), pins)


def freeze_layer(layer: HeatLayer) -> HeatLayer:
    """Mark ``layer`` as never edited in place, so :func:`check_layer` skips its hash.

    For owners of a private layer that nothing edits (an ensemble's context loads its
    own). Assigning a new table is still noticed (:func:`layer_cached`).
    """
    vars(layer)["_frozen"] = True
    return layer


def layer_cached(layer: HeatLayer, key, compute):
    """``compute()``, computed once per layer tables and ``key`` and kept on the layer.

    Constants the heat chain derives from a layer (column lists, group membership,
    capacity ranks) depend only on its tables and on scalar parameters, which belong in
    ``key``. They are stored in a private attribute of the layer together with the table
    objects they came from; a layer given a new table (``dataclasses.replace``,
    ``layer.pumping = ...``) starts afresh, and :func:`check_layer` (called by every
    public entry point) drops them when a table was edited in place.

    Parameters
    ----------
    layer : HeatLayer
    key : hashable
        Name of the constant and the parameters it depends on.
    compute : callable
        Without arguments; its result must not be modified by callers.
    """
    tables = _tables(layer)
    entry = vars(layer).get("_derived")
    if entry is None or any(a is not b for a, b in zip(entry[0], tables, strict=True)):
        entry = (tables, {})
        vars(layer)["_derived"] = entry
    values = entry[1]
    if key not in values:
        values[key] = compute()
    return values[key]


@dataclass(frozen=True)
class _Sites:
    """Heat sources (with a zone) and zone pumping of a layer as arrays (layer order)."""

    src_index: pd.Index
    src_power_asset: list
    src_is_bus: np.ndarray
    src_has_backup: np.ndarray
    src_fuel_h: np.ndarray
    src_capacity_mw: np.ndarray
    src_ua_w_per_k: np.ndarray
    zone_index: pd.Index
    pump_ids: list
    pump_nodes: list
    pump_has_backup: np.ndarray
    pump_fuel_h: np.ndarray


def _has_backup(df: pd.DataFrame) -> np.ndarray:
    """Backup generators able to carry the site's electric need."""
    return (df["backup_mw"].to_numpy(float) >= df["power_need_mw"].to_numpy(float)) & (
        df["backup_mw"].to_numpy(float) > 0)


def _sites(layer: HeatLayer) -> _Sites:
    """:class:`_Sites` of a layer, computed once per layer."""
    def compute():
        src = layer.sources[layer.sources["source_id"].isin(layer.zones["source_id"])]
        ids = src["source_id"].tolist()
        pa = src["power_asset"].tolist()
        p = layer.pumping.set_index("zone_id").loc[layer.zones["zone_id"]]
        return _Sites(
            src_index=pd.Index(ids, name="source_id"), src_power_asset=pa,
            src_is_bus=np.array([not a.startswith("plant:") for a in pa]),
            src_has_backup=_has_backup(src), src_fuel_h=src["backup_fuel_h"].to_numpy(float),
            src_capacity_mw=_source_capacity_mw(layer).reindex(ids).to_numpy(float),
            src_ua_w_per_k=_source_ua(layer).reindex(ids).fillna(0).to_numpy(),
            zone_index=pd.Index(layer.zones["zone_id"].tolist(), name="zone_id"),
            pump_ids=p["pump_id"].tolist(), pump_nodes=p["grid_node"].tolist(),
            pump_has_backup=_has_backup(p), pump_fuel_h=p["backup_fuel_h"].to_numpy(float))

    return layer_cached(layer, "sites", compute)


def _source_capacity_array(sites: _Sites, n_t: int, asset_available, node_power):
    """:func:`source_capacity` as an array (time, source)."""
    ids = list(sites.src_index)
    direct = _columns(asset_available, ids, 1.0, float, n_t)
    pa = sites.src_power_asset
    frac = _columns(asset_available, pa, 1.0, float, n_t)
    grid = _columns(node_power, pa, True, bool, n_t)
    powered = backup_powered(grid, sites.src_has_backup, sites.src_fuel_h)
    frac = np.where(sites.src_is_bus[None, :], powered.astype(float), frac)
    return np.clip(frac * direct, 0.0, 1.0)


def _pumping_array(sites: _Sites, n_t: int, asset_available, node_power):
    """:func:`pumping_on` as an array (time, zone)."""
    alive = _columns(asset_available, sites.pump_ids, 1.0, float, n_t) > 0.0
    grid = _columns(node_power, sites.pump_nodes, True, bool, n_t)
    return alive & backup_powered(grid, sites.pump_has_backup, sites.pump_fuel_h)


def source_capacity(layer: HeatLayer, index, asset_available=None, node_power=None):
    """Available fraction [0-1] of each heat source's capacity, hour by hour.

    Returns
    -------
    pandas.DataFrame
        [time x source_id] (sources with a zone only).
    """
    check_layer(layer)
    sites = _sites(layer)
    out = _source_capacity_array(sites, len(index), asset_available, node_power)
    return pd.DataFrame(out, index=index, columns=sites.src_index)


def pumping_on(layer: HeatLayer, index, asset_available=None, node_power=None):
    """Whether each zone's pumping runs, hour by hour: DataFrame[time x zone_id] bool."""
    check_layer(layer)
    sites = _sites(layer)
    return pd.DataFrame(_pumping_array(sites, len(index), asset_available, node_power),
                        index=index, columns=sites.zone_index)


def capacity_rank(layer: HeatLayer) -> np.ndarray:
    """Cumulative design-load fraction of each building within its source, nearest first.

    Building *i* is served while its value is at most the source's served fraction
    (``[capacity_cut]`` rule ``nearest_first``; distance straight-line from the source,
    ties by building_id).

    Returns
    -------
    numpy.ndarray of float, shape (building,), in (0, 1].
    """
    check_layer(layer)
    return _capacity_rank(layer).copy()


def _capacity_rank(layer: HeatLayer) -> np.ndarray:
    """:func:`capacity_rank`, computed once per layer (read-only)."""
    return layer_cached(layer, "capacity_rank", lambda: _compute_capacity_rank(layer))


def _compute_capacity_rank(layer: HeatLayer) -> np.ndarray:
    b = layer.buildings
    s = layer.sources.set_index("source_id")
    slon = b["source_id"].map(s["lon"]).to_numpy(float)
    slat = b["source_id"].map(s["lat"]).to_numpy(float)
    kx = np.cos(np.radians(np.nan_to_num(slat, nan=50.0)))
    dist = np.hypot((b["lon"].to_numpy(float) - slon) * kx, b["lat"].to_numpy(float) - slat)
    load = _ua_w_per_k(layer)
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
    """Heat-loss coefficient H [W/(m² K)] of each building (read-only)."""
    def compute():
        b = layer.buildings
        hs = {a: archetype_h_w_m2k(a) for a in b["archetype"].unique()}
        return b["archetype"].map(hs).to_numpy(float)

    return layer_cached(layer, "h", compute)


def _ua_w_per_k(layer: HeatLayer) -> np.ndarray:
    """H x floor area [W/K] of each building, registry order (read-only): the weight of
    its heat demand in every rule (capacity rank, source demand, design load)."""
    return layer_cached(layer, "ua_building", lambda: _h(layer)
                        * layer.buildings["floor_area_m2"].to_numpy(float))


def _source_ua(layer: HeatLayer) -> pd.Series:
    """Sum of H x floor area [W/K] of each source's buildings (read-only)."""
    return layer_cached(layer, "ua", lambda: pd.Series(_ua_w_per_k(layer)).groupby(
        layer.buildings["source_id"].to_numpy()).sum())


def _source_capacity_mw(layer: HeatLayer) -> pd.Series:
    """Heat capacity [MW] by source id (read-only)."""
    return layer_cached(layer, "capacity_mw",
                        lambda: layer.sources.set_index("source_id")["heat_capacity_mw"])


def _served_array(capacity_frac, capacity_mw, ua_w_per_k, temp_air, setpoint_c):
    """:func:`source_served_fraction` on arrays (time, source)."""
    dT = np.maximum(setpoint_c - np.asarray(temp_air, float), 0.0)[:, None]
    demand = ua_w_per_k[None, :] * dT / 1e6
    avail = capacity_frac * capacity_mw[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(demand > 0, avail / demand, 1.0)
    return np.floor(np.clip(s, 0.0, 1.0) * 100 + 1e-9) / 100


def source_served_fraction(layer: HeatLayer, capacity_frac: pd.DataFrame, temp_air):
    """Share of each source's current demand it can meet, rounded down to 1 %.

    ``min(1, capacity_frac * heat_capacity_mw / demand_mw(temp_air))`` with
    ``demand_mw = sum(H * floor area) * (setpoint - temp_air)`` over the source's buildings
    (gains ignored: conservative).
    """
    check_layer(layer)
    ids = list(capacity_frac.columns)
    s = _served_array(capacity_frac.to_numpy(),
                      _source_capacity_mw(layer).reindex(ids).to_numpy(float),
                      _source_ua(layer).reindex(ids).fillna(0).to_numpy(), temp_air,
                      float(layer.param("heat_capacity", "indoor_setpoint_c")))
    return pd.DataFrame(s, index=capacity_frac.index, columns=capacity_frac.columns)


@dataclass(frozen=True)
class _Standby:
    """Standby units of a layer as arrays (table order) and the unit of each building."""

    ids: list
    unit_of: np.ndarray
    delay_h: np.ndarray
    fuel_h: np.ndarray
    own_power: np.ndarray
    nodes: list
    has_backup: np.ndarray
    backup_fuel_h: np.ndarray


def design_load_mw(layer: HeatLayer) -> np.ndarray:
    """Design heat load [MW] of each building: H x floor area x (setpoint - design temp).

    ``[heat_capacity]`` ``indoor_setpoint_c`` and ``design_temp_c`` of the assumptions
    (FIELD_NOTES 5); registry order.
    """
    design = layer.assumptions.get("heat_capacity", {}).get("design_temp_c")
    if design is None:
        msg = (f"{layer.files.get('assumptions', 'assumptions.toml')}: [heat_capacity] "
               "design_temp_c is needed to size standby units (the city's heating design "
               "temperature, e.g. -22.0 for Kyiv, FIELD_NOTES 5).")
        raise InputError(msg)
    dT = float(layer.param("heat_capacity", "indoor_setpoint_c")) - float(design)
    return _ua_w_per_k(layer) * dT / 1e6


def standby_assignment(layer: HeatLayer) -> np.ndarray:
    """Standby unit (row of ``layer.standby``) of each building, -1 for none (rule 3a).

    Units in table order each take the buildings of their zone not taken yet, nearest
    first (straight line, longitude scaled by cos(latitude); ties by building_id), while
    the cumulative design load (:func:`design_load_mw`) fits the unit's
    ``heat_capacity_mw``.

    Returns
    -------
    numpy.ndarray of int, shape (building,)
    """
    check_layer(layer)
    return _standby(layer).unit_of.copy()


def _standby(layer: HeatLayer) -> _Standby:
    """:class:`_Standby` of a layer, computed once per layer."""
    def compute():
        sb = layer.standby
        b = layer.buildings
        unit_of = np.full(len(b), -1, dtype=np.int64)
        if len(sb):
            load = design_load_mw(layer)
            zone = b["zone_id"].to_numpy()
            lon, lat = b["lon"].to_numpy(float), b["lat"].to_numpy(float)
            ids = b["building_id"].to_numpy()
            for u, row in enumerate(sb.itertuples(index=False)):
                cand = np.flatnonzero((zone == row.zone_id) & (unit_of < 0))
                kx = np.cos(np.radians(float(row.lat)))
                d = np.hypot((lon[cand] - float(row.lon)) * kx, lat[cand] - float(row.lat))
                order = cand[np.lexsort((ids[cand].astype(str), d))]
                take = order[np.cumsum(load[order]) <= float(row.heat_capacity_mw) + 1e-9]
                unit_of[take] = u
        fuel = sb["fuel_h"].to_numpy(float) if len(sb) else np.zeros(0)
        return _Standby(
            ids=sb["standby_id"].tolist(), unit_of=unit_of,
            delay_h=sb["start_delay_h"].to_numpy(float),
            fuel_h=np.where(np.isnan(fuel), np.inf, fuel),
            own_power=sb["own_power"].to_numpy(bool), nodes=sb["grid_node"].tolist(),
            has_backup=_has_backup(sb) if len(sb) else np.zeros(0, bool),
            backup_fuel_h=sb["backup_fuel_h"].to_numpy(float))

    return layer_cached(layer, "standby", compute)


def _standby_on(sb: _Standby, g_unit: np.ndarray, main_ok: np.ndarray, asset_available,
                node_power) -> np.ndarray | None:
    """Whether each group is heated by its standby unit, hour by hour (rule 3a).

    Parameters
    ----------
    sb : _Standby
    g_unit : numpy.ndarray of int, shape (group,)
        Standby unit of each group (-1: none).
    main_ok : numpy.ndarray of bool, shape (time, group)
        Supply by the group's source and zone pumping (rules 1-3).

    Returns
    -------
    numpy.ndarray of bool, shape (time, group), or None when no group has a unit.
    """
    cols = np.flatnonzero(g_unit >= 0)
    if not len(cols):
        return None
    n_t = main_ok.shape[0]
    alive = _columns(asset_available, sb.ids, 1.0, float, n_t) > 0.0
    grid = _columns(node_power, sb.nodes, True, bool, n_t)
    unit_ok = alive & (sb.own_power[None, :]
                       | backup_powered(grid, sb.has_backup, sb.backup_fuel_h))
    u = g_unit[cols]
    elapsed, _ = draining.run_lengths(~main_ok[:, cols])
    running = elapsed - sb.delay_h[u][None, :]
    out = np.zeros(main_ok.shape, dtype=bool)
    out[:, cols] = unit_ok[:, u] & (running > 0) & (running <= sb.fuel_h[u][None, :])
    return out


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
        One row per group: zone_id, grid_node, queue, tall, band, source_id, district,
        standby_id ("" for none), buildings.
    group_of : numpy.ndarray of int, shape (building,)
        Group of each building (registry order).
    supply_ok, circulating, drain_trigger, freeze_risk : numpy.ndarray of bool, (time, group)
        Source and pumping serve the group; water circulates in its buildings; hour at
        which the group is drained; piping past its freezing time while undrained.
    supply_cause : numpy.ndarray of int8, (time, group)
        Why supply is lost (:data:`CAUSES`; 0 where supplied).
    drain_cause : numpy.ndarray of int8, (time, group)
        Cause of each drain trigger (0 elsewhere).
    section_of : numpy.ndarray of int, shape (building,), optional
        Network section of each building (the layer's ``section_id``, numbered in sorted
        order); None when the layer has none (each building its own section).
    heat_level : numpy.ndarray of float, (time, group), optional
        Share of its heat demand a supplied group receives (1: full; below 1: reduced
        heat, ``[capacity_cut]`` rule ``reduced_heat``); None under ``nearest_first``.
    on_standby : numpy.ndarray of bool, (time, group), optional
        Supplied by its standby unit (rule 3a); None when the layer has no standby unit
        covering a building.
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
    section_of: np.ndarray | None = None
    heat_level: np.ndarray | None = None
    on_standby: np.ndarray | None = None


def bridging_kwargs(layer: HeatLayer) -> dict:
    """Keyword arguments of :func:`draining.bridging_time_h` from the layer's assumptions."""
    return {k: float(layer.param("bridging", k))
            for k in ("start_c", "freeze_c", "tau_pipe_h", "drain_max_temp_c")}


@dataclass(frozen=True)
class _Groups:
    """Buildings grouped by (zone, grid node, queue and time constant if tall, tall, standby
    unit), before capacity bands.

    Static groups are numbered in the sorted order of their keys; ``table`` holds one row
    per static group (zone_id, grid_node, queue, tall, tau_h, standby, source_id, district).
    """

    static_of: np.ndarray
    table: pd.DataFrame
    src: np.ndarray
    zone: np.ndarray
    node_queue: list
    building_src: np.ndarray
    building_rank_shift: np.ndarray


def _groups(layer: HeatLayer, tall_floors: int) -> _Groups:
    """:class:`_Groups` of a layer for ``tall_floors``, computed once per layer."""
    def compute():
        b = layer.buildings
        tall = b["floors"].to_numpy() > tall_floors
        queue = np.where(tall, b["queue"].to_numpy(), 0)
        # tall buildings' own stops drain by their own pipe-freeze time: one time constant
        tau = np.where(tall, _tau_building_h(layer), 0.0)
        key = pd.DataFrame({"zone_id": b["zone_id"].to_numpy(),
                            "grid_node": b["grid_node"].to_numpy(), "queue": queue,
                            "tall": tall, "tau_h": tau, "standby": _standby(layer).unit_of})
        static_of = key.groupby(list(key.columns), sort=True).ngroup().to_numpy(np.int64)
        if (static_of < 0).any():
            msg = (f"{layer.files.get('buildings', 'buildings.csv')}: buildings need a "
                   "zone_id, grid_node and queue (missing in row(s) "
                   f"{np.flatnonzero(static_of < 0)[:5].tolist()}).")
            raise InputError(msg)
        table = (key.assign(_g=static_of).drop_duplicates("_g").sort_values("_g")
                 .drop(columns="_g").reset_index(drop=True))
        zinfo = layer.zones.set_index("zone_id")
        table["source_id"] = zinfo.loc[table["zone_id"], "source_id"].to_numpy()
        table["district"] = zinfo.loc[table["zone_id"], "district"].to_numpy()
        sites = _sites(layer)
        src = sites.src_index.get_indexer(table["source_id"])
        building_src = sites.src_index.get_indexer(b["source_id"])
        if (src < 0).any() or (building_src < 0).any():
            msg = "every building's source must be the source of its zone."
            raise InputError(msg)
        return _Groups(static_of=static_of, table=table, src=src,
                       zone=sites.zone_index.get_indexer(table["zone_id"]),
                       node_queue=list(zip(table["grid_node"], table["queue"], strict=True)),
                       building_src=building_src,
                       building_rank_shift=_capacity_rank(layer) - 1e-12)

    return layer_cached(layer, ("groups", tall_floors), compute)


def _band_levels(served: np.ndarray):
    """Distinct served fractions < 1 of each source, sorted, padded with 1.0.

    Returns
    -------
    levels : numpy.ndarray, shape (source, max levels + 1)
        Row j: the levels of source j, then 1.0 (the level of the last band).
    n_levels : numpy.ndarray of int, shape (source,)
    """
    srt = np.sort(served, axis=0)
    new = srt < 1.0  # NaN is not a level
    new[1:] &= srt[1:] != srt[:-1]
    n_levels = new.sum(axis=0)
    levels = np.ones((served.shape[1], int(n_levels.max(initial=0)) + 1))
    t, j = np.nonzero(new)
    levels[j, (np.cumsum(new, axis=0) - 1)[t, j]] = srt[t, j]
    return levels, n_levels


@njit(cache=True)
def _bands(levels, n_levels, src, value):  # pragma: no cover
    """Band of each building: ``searchsorted(levels[src, :n_levels[src]], value, "left")``.

    Comparisons order NaN last, as numpy's sort and searchsorted do.
    """
    out = np.zeros(src.size, dtype=np.int64)
    for i in range(src.size):
        s = src[i]
        v = value[i]
        lo, hi = 0, n_levels[s]
        while lo < hi:
            mid = (lo + hi) // 2
            x = levels[s, mid]
            if x < v or (v != v and x == x):
                lo = mid + 1
            else:
                hi = mid
        out[i] = lo
    return out


def _tau_building_h(layer: HeatLayer) -> np.ndarray:
    """Time constant C/H [h] of each building's archetype (FIELD_NOTES 4), registry order."""
    from gridmodel.thermal.archetypes import ARCHETYPE_PARAMETERS, time_constant_h

    def compute():
        tau = {k: float(time_constant_h(v["h_w_per_m2k"], v["c_kj_per_m2k"]))
               for k, v in ARCHETYPE_PARAMETERS.items()}
        out = np.array([tau[a] for a in layer.buildings["archetype"]], dtype=float)
        out.setflags(write=False)
        return out

    # the archetype parameters are module constants: the layer's tables decide the answer
    return layer_cached(layer, "tau_building_h", compute)


def _tau_group_h(layer: HeatLayer, group_of: np.ndarray, n_groups: int) -> np.ndarray:
    """Shortest building time constant [h] of each group (one value for tall groups)."""
    out = np.full(n_groups, np.inf)
    np.minimum.at(out, group_of, _tau_building_h(layer))
    return out


def _section_of(layer: HeatLayer) -> np.ndarray | None:
    """Section number of each building from ``section_id`` (sorted order), or None."""
    if "section_id" not in layer.buildings.columns:
        return None
    return layer_cached(layer, "section_of", lambda: pd.factorize(
        layer.buildings["section_id"], sort=True)[0].astype(np.int64))


def _drain(layer: HeatLayer, supply_ok, circ, tair, group_of, node_power, grp, g_static):
    """Drain triggers and freeze risk of network stops and of buildings' own stops.

    Two kinds of stop, each judged by what is known when it begins (rule 5): a **supply
    stop** (source or zone pumping lost) by its expected length against the network's
    basement-pipe bridging time; a **building stop** (supply on, the building's own
    pumps off in a blackout block) by its block's length against the building's own
    pipe-freeze time (:func:`draining.building_pipe_kwargs`, FIELD_NOTES 12). A block
    that ends where a supply stop begins is not judged by the supply stop's length.
    Within a building stop, the hours its grid node is dark (``node_power`` False at the
    node of each group ``g_static`` of ``grp``: an outage, known from its first hour
    through the repair timeline) and the scheduled hours are segments known each from
    its own first hour (:func:`draining.drain_states`): a
    block is not judged by a node outage that begins inside it, and a node outage by its
    whole length, also when a supply stop follows within it (the node's loss stops the
    zone's pumps once their backup runs out: circulation does not resume in between). A
    node still dark at the last hour is taken to outlast the horizon, as a supply stop is.
    """
    kw = bridging_kwargs(layer)
    censored = float(layer.param("expected_duration", "censored_supply_outage_h"))
    n_t = len(tair)
    trig, frz = draining.drain_states(~supply_ok, ~supply_ok[-1] if n_t else False, tair, kw,
                                      censored_h=censored)
    own = supply_ok & ~circ
    if own.any():
        node_dark = ~_columns(node_power, [grp.node_queue[g][0] for g in g_static], True,
                              bool, n_t)
        kwb = draining.building_pipe_kwargs(
            kw, _tau_group_h(layer, group_of, supply_ok.shape[1]),
            float(layer.param("comfort", "initial_indoor_c")))
        tb, fb = draining.drain_states(own, False, tair, kwb, censored_h=censored,
                                       known_end=_dark_end(node_dark))
        trig, frz = trig | tb, frz | fb
    return trig, frz


def _dark_end(node_dark: np.ndarray) -> np.ndarray:
    """Per dark hour, the hour its grid node's outage ends (``inf``: still dark at the
    last hour, beyond the horizon); 0 where the node is powered."""
    elapsed, total = draining.run_lengths(node_dark, node_dark[-1], censored_h=np.inf)
    first = np.arange(len(node_dark))[:, None] - elapsed + 1  # the run's first hour
    return np.where(node_dark, first + total, 0.0)


def _reduced_heat(layer: HeatLayer, served: np.ndarray):
    """``(fraction of buildings kept, heat share of the kept)`` per (time, source) under
    ``[capacity_cut]`` (rule 2); ``(served, None)`` under ``nearest_first``."""
    cut = layer.assumptions.get("capacity_cut") or {}
    if cut.get("rule", "nearest_first") != "reduced_heat":
        return served, None
    m = float(cut["reduced_min_share"])
    kept = np.where(served >= m, 1.0, np.floor(served / m * 100 + 1e-9) / 100)
    level = np.maximum(served, m)  # served <= 1 and m <= 1
    return kept, level


def _group_table(layer, grp, g_static, g_band, g_unit, group_of) -> pd.DataFrame:
    """One row per group: zone_id, grid_node, queue, tall, band, source_id, district,
    standby_id ("" for none), buildings."""
    columns = {c: grp.table[c].to_numpy()[g_static] for c in ("zone_id", "grid_node", "queue",
                                                                "tall")}
    columns["band"] = g_band
    columns.update({c: grp.table[c].to_numpy()[g_static] for c in ("source_id", "district")})
    sb_ids = np.array([*_standby(layer).ids, ""], dtype=object)
    columns["standby_id"] = sb_ids[g_unit]  # -1 (none) picks the trailing ""
    columns["buildings"] = np.bincount(group_of, minlength=len(g_static))
    return pd.DataFrame(columns)


def _with_standby(sb: _Standby, g_unit, on_sb, supply_ok, bp, level):
    """Supply, building power and heat level of groups with their standby units (rule 3a):
    supplied in full while on the unit, tall buildings powered by a unit's own island."""
    own = np.zeros(len(g_unit), dtype=bool)
    own[g_unit >= 0] = sb.own_power[g_unit[g_unit >= 0]]
    bp = bp | (on_sb & own[None, :])
    level = None if level is None else np.where(on_sb, 1.0, level)
    return supply_ok | on_sb, bp, level


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
    check_layer(layer)
    index = temp_air.index
    asset_available = _check_frame(asset_available, index, "asset_available")
    node_power = _check_frame(node_power, index, "node_power")
    building_power = _check_frame(building_power, index, "building_power")
    tair = temp_air.to_numpy(float)
    n_t = len(index)
    sites = _sites(layer)
    grp = _groups(layer, int(layer.param("power", "tall_floors")))

    cap = _source_capacity_array(sites, n_t, asset_available, node_power)
    served = _served_array(cap, sites.src_capacity_mw, sites.src_ua_w_per_k, tair,
                           float(layer.param("heat_capacity", "indoor_setpoint_c")))
    pump = _pumping_array(sites, n_t, asset_available, node_power)
    served, level = _reduced_heat(layer, served)

    # capacity bands: distinct served fractions < 1 per source; a group per (static group,
    # band) present, numbered in the sorted order of (zone, node, queue, tall, band)
    levels, n_levels = _band_levels(served)
    band = _bands(levels, n_levels, grp.building_src, grp.building_rank_shift)
    n_band = levels.shape[1]
    code = grp.static_of * n_band + band
    present = np.bincount(code, minlength=len(grp.table) * n_band) > 0
    group_of = (np.cumsum(present) - 1)[code]
    g_static, g_band = np.divmod(np.flatnonzero(present), n_band)
    g_unit = grp.table["standby"].to_numpy(np.int64)[g_static]  # -1: none
    groups = _group_table(layer, grp, g_static, g_band, g_unit, group_of)

    # per-group timelines
    g_src = grp.src[g_static]
    need = levels[g_src, g_band]
    source_ok = served[:, g_src] >= need[None, :] - 1e-12
    source_ok &= cap[:, g_src] > 0
    pump_ok = pump[:, grp.zone[g_static]]
    supply_ok = source_ok & pump_ok
    bp = _columns(building_power, [grp.node_queue[g] for g in g_static], True, bool, n_t)
    bp = bp | ~grp.table["tall"].to_numpy(bool)[g_static][None, :]
    supply_cause = np.where(~source_ok, 1, np.where(~pump_ok, 2, 0)).astype(np.int8)
    level = None if level is None else level[:, g_src]
    sb = _standby(layer)
    on_sb = _standby_on(sb, g_unit, supply_ok, asset_available, node_power)
    if on_sb is not None:
        supply_ok, bp, level = _with_standby(sb, g_unit, on_sb, supply_ok, bp, level)
        supply_cause[on_sb] = 0
    circ = supply_ok & bp

    trig, frz = _drain(layer, supply_ok, circ, tair, group_of, node_power, grp, g_static)
    drain_cause = np.where(trig, np.where(supply_cause > 0, supply_cause, 3), 0).astype(np.int8)
    return GroupAvailability(index=index, temp_air=tair, groups=groups, group_of=group_of,
                             supply_ok=supply_ok, circulating=circ, drain_trigger=trig,
                             supply_cause=supply_cause, drain_cause=drain_cause,
                             freeze_risk=frz,
                             source_capacity=pd.DataFrame(cap, index=index,
                                                          columns=sites.src_index),
                             pumping=pd.DataFrame(pump, index=index, columns=sites.zone_index),
                             section_of=_section_of(layer), heat_level=level,
                             on_standby=on_sb)
