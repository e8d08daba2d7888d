"""THE chain: strikes -> grid timeline -> heat inputs -> availability -> restarts -> indoor.

Every study (``gridmodel run``, the outage snapshot, ensembles, plans, rankings) runs the
model through :func:`run_chain` on a :class:`Context` built once by :func:`build_context`,
so a rule changes in one place:

1. the grid step (:func:`gridmodel.outage.timeline.simulate_outages`: islands, balance,
   repairs, cascade, rolling blackouts; or, for a snapshot context, all strikes at once
   through :func:`gridmodel.outage.timeline.snapshot`);
2. :func:`heat_inputs`: from the grid timeline, what the heat layer needs hour by hour:
   availability of its sources and pumps as grid assets, power at its grid nodes (heat and
   water loads served), and the on/off hours of tall buildings' blackout queues;
3. :func:`heat_chain`: heat availability and draining per building group, crew-limited
   restarts, and indoor temperatures (distinct trajectories computed once).

The metrics of a chain's result come from one row builder,
:func:`gridmodel.metrics.row.outcome_row`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class HeatInputs:
    """Hourly inputs of the heat layer from the grid (see :mod:`gridmodel.heat.grid`).

    Attributes
    ----------
    asset_available : DataFrame
        [time x asset id] remaining fraction of heat-relevant grid assets.
    node_power : DataFrame
        [time x bus id] bool: heat/water loads at the node served.
    building_power : DataFrame
        [time x (bus id, queue)] bool: the queue has power.
    """

    asset_available: pd.DataFrame
    node_power: pd.DataFrame
    building_power: pd.DataFrame


@dataclass
class HeatChain:
    """Result of :func:`heat_chain`: availability, heat per building, indoor temperatures."""

    availability: object  # gridmodel.heat.availability.GroupAvailability
    heat: object  # gridmodel.restoration.restarts.BuildingHeat
    temperatures: object  # gridmodel.thermal.DistinctTrajectories


def heat_inputs(layer, net, timeline, index: pd.DatetimeIndex) -> HeatInputs:
    """What the heat layer reads from a grid timeline, hour by hour.

    Besides the timeline's asset periods, every other source of an outage reaches the
    heat layer here (docs/heat.md): the network's asset status on its status date (from
    hour 0, :func:`gridmodel.heat.grid.status_available`) and the CHP rule: a plant whose
    bus lies in a dead island stops (:func:`gridmodel.heat.grid.island_energised`).

    Parameters
    ----------
    layer : gridmodel.heat.layer.HeatLayer
    net : pandapowerNet
        The network of the timeline (its registry maps loads to nodes).
    timeline : gridmodel.outage.timeline.TimelineResult
    index : DatetimeIndex
        The hours of the heat model.
    """
    from gridmodel.heat import grid as hgrid
    from gridmodel.heat.availability import check_layer, layer_cached

    check_layer(layer)
    assets, nodes, nq = layer_cached(layer, "heat_inputs", lambda: _input_columns(layer))
    aa = hgrid.asset_available(_heat_side_periods(timeline.assets, layer), index,
                               assets=assets)
    aa = _outage_sources(aa, net, timeline, index, layer)
    # the timeline's arrays where it has them (the same answers, no 88,000-row table)
    per_step = timeline.steps if timeline.steps is not None else timeline.loads
    npow = hgrid.node_power(per_step, net.registry, index, nodes,
                            min_served=float(layer.param("power", "heat_water_served_min")))
    bo = timeline.blackouts
    # the schedule's arrays where it has them (the same answer, no 46,000-row table)
    sched = None if bo is None else (bo.queue_power if bo.queue_power is not None
                                     else bo.schedule)
    bpow = hgrid.building_power(sched, net.registry, index, nq)
    return HeatInputs(asset_available=aa, node_power=npow, building_power=bpow)


def _heat_only(layer) -> tuple[list, float, float] | None:
    """``(CHP plant ids, start_h, share)`` of the layer's ``[heat_only]`` rule, or None."""
    ho = layer.assumptions.get("heat_only")
    if not ho:
        return None
    return list(_chp_plants(layer)), float(ho["start_h"]), float(ho["share"])


def _chp_plants(layer) -> tuple:
    """Power-plant ids of the layer's CHP sources (worked out once per layer tables)."""
    from gridmodel.heat.availability import layer_cached

    return layer_cached(layer, "chp_plants", lambda: tuple(
        layer.sources.loc[layer.sources["kind"] == "chp", "power_asset"]))


def _heat_side_periods(periods: pd.DataFrame, layer) -> pd.DataFrame:
    """Asset periods as heat sees them: damaged CHPs in heat-only operation (docs/heat.md)."""
    from gridmodel.heat.grid import heat_only_periods

    rule = _heat_only(layer)
    return periods if rule is None else heat_only_periods(periods, *rule)


def _outage_sources(aa: pd.DataFrame, net, timeline, index, layer) -> pd.DataFrame:
    """``aa`` with the status on the network's date and the dead-island CHP rule.

    A CHP damaged or disabled in the status (not destroyed) runs heat-only from hour 0
    (its damage predates the run) under the layer's ``[heat_only]`` rule.
    """
    from gridmodel.heat import grid as hgrid

    status_active = net.get("status_active")
    status = hgrid.status_available(status_active, index, aa.columns)
    rule = _heat_only(layer)
    if rule is not None and status_active is not None and len(status_active):
        chp = set(rule[0]) & set(status.columns)
        for aid in {a for a, st in zip(status_active["asset_id"].tolist(),
                                       status_active["status"].tolist(), strict=True)
                    if a in chp and st in hgrid.HEAT_ONLY_EFFECTS}:
            status[aid] = np.maximum(status[aid].to_numpy(), rule[2])
    vals = np.minimum(aa.to_numpy(), status.to_numpy())
    columns = set(aa.columns)
    plants = tuple(a for a in _chp_plants(layer) if a in columns)
    cache = timeline.steps.network_cache if timeline.steps is not None else {}
    plant_bus = cache.get(("plant_buses", plants))  # the network's alone, kept with it
    if plant_bus is None:
        plant_bus = cache[("plant_buses", plants)] = hgrid.plant_buses(net, plants)
    if plant_bus:
        lit = hgrid.island_energised(timeline.steps if timeline.steps is not None
                                     else timeline.islands, plant_bus, index)
        cols = aa.columns.get_indexer(lit.columns)
        vals[:, cols] = np.where(lit.to_numpy(), vals[:, cols], 0.0)
    return pd.DataFrame(vals, index=aa.index, columns=aa.columns)


def _input_columns(layer):
    """Columns of the hourly inputs of a layer: heat assets, grid nodes, (node, queue)."""
    assets = sorted(set(layer.sources["power_asset"]) - {""}
                    | set(layer.sources["source_id"]) | set(layer.pumping["pump_id"])
                    | set(layer.standby["standby_id"]))
    b = layer.buildings
    nodes = sorted(set(layer.pumping["grid_node"]) | set(b["grid_node"])
                   | {a for a in layer.sources["power_asset"] if a.startswith("bus:")}
                   | set(layer.standby["grid_node"]) - {""})
    # every building's (node, queue): tall buildings' circulation, all flats' own heating
    nq = sorted(set(zip(b["grid_node"], b["queue"].astype(int), strict=True)))
    return assets, nodes, nq


def flats_powered(layer, inputs: HeatInputs, n_hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether each building's flats have power, hour by hour (occupants' heating).

    A building's flats have power while its grid node is served
    (``inputs.node_power``) and its rolling-blackout queue is on
    (``inputs.building_power``); a node or queue the inputs do not carry counts as
    powered (so is every building when the inputs carry no power frames). Buildings on
    the same (node, queue) share a column.

    Returns
    -------
    powered : numpy.ndarray of bool, shape (time, n_node_queues)
        Flats powered on each distinct (grid node, queue) of the buildings.
    of_building : numpy.ndarray of int, shape (building,)
        Column of ``powered`` of each building (registry order).
    """
    from gridmodel.heat.availability import layer_cached

    def node_queues():
        b = layer.buildings
        key = pd.MultiIndex.from_arrays([b["grid_node"].to_numpy(),
                                         b["queue"].to_numpy().astype(int)])
        codes, uniq = pd.factorize(key)
        return uniq, codes.astype(np.int64)

    nq, of_building = layer_cached(layer, "flats_node_queues", node_queues)
    nodes = nq.get_level_values(0).to_numpy()
    out = np.ones((n_hours, len(nq)), dtype=bool)
    if inputs.node_power is not None:
        j = inputs.node_power.columns.get_indexer(nodes)
        out[:, j >= 0] = inputs.node_power.to_numpy(dtype=bool)[:, j[j >= 0]]
    if inputs.building_power is not None:
        k = inputs.building_power.columns.get_indexer(nq)
        out[:, k >= 0] &= inputs.building_power.to_numpy(dtype=bool)[:, k[k >= 0]]
    return out, of_building


def heat_chain(layer, temp_air: pd.Series, inputs: HeatInputs, seed: int = 0) -> HeatChain:
    """Heat availability, draining, crew-limited restarts and indoor temperatures.

    Parameters
    ----------
    layer : gridmodel.heat.layer.HeatLayer
    temp_air : Series
        Outdoor temperature [°C] on the model's hourly index.
    inputs : HeatInputs
        From :func:`heat_inputs` (or built by hand, as planning does for heat-only
        interventions).
    seed : int
        Seed of the refill-failure draws (:func:`refill_rng`; the layer's ``[refill]``).
    """
    from gridmodel.heat.availability import group_availability, layer_cached
    from gridmodel.restoration.restarts import restart_buildings
    from gridmodel.thermal import building_temperatures

    ga = group_availability(layer, temp_air, asset_available=inputs.asset_available,
                            node_power=inputs.node_power, building_power=inputs.building_power)
    rp = layer.assumptions["restart"]
    bh = restart_buildings(ga, restart_crews(layer), float(rp["crew_hours_per_building"]),
                           float(rp["heat_to_flats_h"]), _refill_repair_h(layer, seed))
    comfort = layer.assumptions["comfort"]
    archetypes = layer_cached(layer, "archetype_str", lambda: np.asarray(
        layer.buildings["archetype"].to_numpy(), dtype=str))
    occupant_w = float((layer.assumptions.get("occupants") or {}).get("heating_w_per_m2", 0.0))
    powered, powered_of = (flats_powered(layer, inputs, len(temp_air)) if occupant_w > 0
                           else (None, None))
    temps = building_temperatures(temp_air, bh.heat_on_timelines, archetypes,
                                  temp_indoor_initial=float(comfort["initial_indoor_c"]),
                                  timeline=bh.timeline, heat_level=bh.heat_level_timelines,
                                  occupant_on=powered, occupant_timeline=powered_of,
                                  occupant_w_per_m2=occupant_w)
    return HeatChain(availability=ga, heat=bh, temperatures=temps)


def refill_rng(seed: int) -> np.random.Generator:
    """The random stream of refill failures: ``SeedSequence([2, seed])`` (its own stream,
    so that it never moves a repair draw)."""
    return np.random.default_rng([2, int(seed) % 2**63])


def _refill_repair_h(layer, seed: int):
    """In-building repair hours at the first refill, per building (None: no ``[refill]``)."""
    from gridmodel.restoration.restarts import refill_failures

    rf = layer.assumptions.get("refill")
    if not rf:
        return None
    return refill_failures(len(layer.buildings), float(rf["failure_share"]),
                           float(rf["repair_median_h"]), float(rf["repair_sigma"]),
                           refill_rng(seed))


def restart_crews(layer) -> int:
    """Crews restarting drained buildings at once: ``crews * share_for_restarts``, rounded.

    From the layer's ``assumptions.toml`` ``[restart]``; the number the heat chain uses
    and the run summary reports.
    """
    rp = layer.assumptions["restart"]
    return int(round(float(rp["crews"]) * float(rp["share_for_restarts"])))


# ------------------------------------------------------------------ the context
@dataclass
class Context:
    """Everything a run of the chain needs that does not depend on the strikes.

    Attributes
    ----------
    config : gridmodel.config.RunConfig
        Network, status, weather, start, horizon, grid and heat options, seed.
    network : str
        Network name, or the folder resolved from the run's file.
    net : pandapowerNet
        The network at the run's status date.
    layer : gridmodel.heat.layer.HeatLayer or None
        The heat layer (None: a grid-only context, e.g. the outage snapshot).
    weather_name : str or None
        Weather profile name, or the file resolved from the run's file.
    weather : pandas.Series or None
        Outdoor temperature profile [°C].
    index : pandas.DatetimeIndex or None
        The run's hours in the profile's time zone.
    temp : pandas.Series or None
        Outdoor temperature on ``index`` [°C].
    population : pandas.Series
        Controlled population per oblast [people] (empty when the network has none).
    compiled : gridmodel.outage.fast.CompiledNetwork or None
        The network compiled once for the fast engine.
    snapshot : bool
        All strikes at once, no time (the outage snapshot); no heat.
    timelines : dict or None
        A cache of grid timelines by (network object, strikes, seed), for studies that
        run many heat variants on one grid (plans); None: no caching.
    cities : list of Context or None
        A run of several cities (``[[heat.cities]]``): one context per city, this one
        first, each with its own layer, weather name and temperature on the same hours
        and grid (``weather`` stays the run's: the grid's demand follows it).
    """

    config: object
    network: str
    net: object
    layer: object = None
    weather_name: str | None = None
    weather: pd.Series | None = None
    index: pd.DatetimeIndex | None = None
    temp: pd.Series | None = None
    population: pd.Series | None = None
    compiled: object = None
    snapshot: bool = False
    timelines: dict | None = None
    cities: list | None = None

    @property
    def run(self) -> dict:
        """The configuration in the flat form of a pattern's ``[run]`` table."""
        return self.config.flat()

    def with_variant(self, net, layer) -> Context:
        """The same context on another network and heat layer (a plan's variant)."""
        import dataclasses

        compiled = self.compiled if net is self.net else None
        return dataclasses.replace(self, net=net, layer=layer, compiled=compiled)


def oblast_population(network: str) -> pd.Series:
    """Controlled population per oblast [people] from the network's ``curated/oblasts.csv``.

    ``population_2021 x controlled_share``; an empty Series when the network has no such
    file (then "people without power" is NaN).
    """
    from pathlib import Path

    from gridmodel.errors import InputError
    from gridmodel.network.io import network_folder

    try:
        folder = network_folder(network) if not Path(network).exists() else Path(network)
    except (InputError, FileNotFoundError):
        return pd.Series(dtype=float)
    f = Path(folder) / "curated" / "oblasts.csv"
    if not f.is_file():
        return pd.Series(dtype=float)
    df = pd.read_csv(f)
    return (df["population_2021"] * df["controlled_share"]).set_axis(df["oblast"]).astype(float)


def check_layer_assets(net, layer, network: str) -> None:
    """Raise :class:`InputError` when the heat layer names grid assets absent from ``net``."""
    from gridmodel.errors import InputError

    known = set(net.registry["asset_id"])
    missing = [n for n in layer.grid_nodes if n not in known]
    if missing:
        msg = (f"heat layer {layer.name!r} names grid assets absent from network "
               f"{network!r}: {missing}.")
        raise InputError(msg)


def check_layer_queues(layer, n_queues: int, where: str = "", error: type | None = None) -> None:
    """Raise when the layer's blackout queues are not the grid's.

    Rolling blackouts switch ``[grid] n_queues`` queues (numbered from 0); the layer's
    ``[power] queues`` and every building's ``queue`` must be those: a building in a queue
    the grid does not have would keep its power through every block, silently.
    """
    from gridmodel.errors import InputError

    declared = int(layer.param("power", "queues"))
    top = int(layer.buildings["queue"].max()) if len(layer.buildings) else -1
    if declared != n_queues or top >= n_queues:
        msg = (f"{where}[grid] n_queues = {n_queues}, but heat layer {layer.name!r} has "
               f"[power] queues = {declared} in {layer.files.get('assumptions')} and buildings "
               f"in queues 0-{top} ({layer.files.get('buildings')}); set n_queues to "
               f"{declared} or rebuild the layer with {n_queues} queues.")
        raise (error or InputError)(msg)


def run_temperature(weather: pd.Series, start, horizon_h: int, name: str, where: str = "",
                    error: type | None = None) -> tuple[pd.DatetimeIndex, pd.Series]:
    """The run's hourly index and the outdoor temperature on it.

    Parameters
    ----------
    weather : pandas.Series
        Outdoor temperature profile [°C] (:func:`gridmodel.weather.load_profile`).
    start : timestamp
        First hour of the run (time-zone aware).
    horizon_h : int
        Hours of the run.
    name : str
        Profile name for messages.
    where : str
        Message prefix (e.g. ``"file.toml: "``).
    error : type, optional
        Exception class raised (default :class:`gridmodel.errors.InputError`).

    Returns
    -------
    (pandas.DatetimeIndex, pandas.Series)
        ``index`` in the profile's time zone, and ``temp`` on it [°C].

    Raises
    ------
    InputError
        (or ``error``) The run period lies outside the profile, or some of its hours
        have no temperature (a start off the profile's whole hours).
    """
    from gridmodel.errors import InputError

    error = error or InputError
    index = pd.date_range(pd.Timestamp(start), periods=int(horizon_h), freq="h").tz_convert(
        weather.index.tz)
    if index[0] < weather.index[0] or index[-1] > weather.index[-1]:
        msg = (f"{where}run period start + horizon_h ({index[0]} .. {index[-1]}) lies outside "
               f"the weather profile {name!r} ({weather.index[0]} .. {weather.index[-1]}).")
        raise error(msg)
    temp = weather.reindex(index)
    if temp.isna().any():
        msg = (f"{where}weather profile {name!r} has no temperature at "
               f"{int(temp.isna().sum())} hour(s) of the run period (first "
               f"{temp.index[temp.isna().to_numpy()][0]}); start the run on one of its "
               "whole hours.")
        raise error(msg)
    return index, temp


def build_context(config, *, horizon_h: int | None = None, heat: bool = True,
                  freeze: bool = False, compile_engine: bool = True,
                  error: type | None = None, net=None) -> Context:
    """Load and check what every run of one configuration shares.

    Names with a path are resolved from the configuration's file
    (:meth:`gridmodel.config.RunConfig.resolve_name`).

    Parameters
    ----------
    config : gridmodel.config.RunConfig
        Or any model that embeds one (a scenario).
    horizon_h : int, optional
        Override the configuration's horizon [h].
    heat : bool
        Load the heat layer and the weather (False: grid only).
    freeze : bool
        Mark the context's private heat layer as never edited in place
        (:func:`gridmodel.heat.availability.freeze_layer`; ensembles).
    compile_engine : bool
        Compile the network once for the fast engine.
    error : type, optional
        Exception class for run-period errors (default ``InputError``).
    net : pandapowerNet, optional
        A network already in memory (with a registry), used instead of loading
        ``config.network`` (which still names it in messages and finds its oblasts).

    Raises
    ------
    InputError
        The heat layer names assets absent from the network, or the run period lies
        outside the weather profile or has hours without temperature.
    """
    from gridmodel.network.io import load_network
    from gridmodel.outage.fast import compile_cached

    cfg = config
    network = cfg.resolve_name(cfg.network)
    if net is None:
        net = load_network(network, status_date=cfg.status_date)
    ctx = Context(config=cfg.run_config(), network=network, net=net,
                  population=oblast_population(network),
                  compiled=compile_cached(net) if compile_engine else None)
    if not heat:
        return ctx
    from gridmodel.weather import load_profile

    ctx.weather = load_profile(cfg.resolve_name(cfg.weather))
    where = f"{cfg.path}: " if cfg.path is not None else ""
    hours = horizon_h or cfg.horizon_h
    ctxs: list[Context] = []
    for city in cfg.heat.city_list(cfg.weather):
        ctxs.append(city_context(ctxs[0] if ctxs else ctx, cfg, city, hours, freeze=freeze,
                                 where=where, error=error))
    if len(ctxs) > 1:
        ctxs[0].cities = ctxs
    return ctxs[0]


def city_context(ctx: Context, cfg, city, horizon_h: int, *, freeze: bool = False,
                 where: str = "", error: type | None = None) -> Context:
    """``ctx`` with one city's heat layer, weather and temperature (``city``: a
    :class:`gridmodel.config.CityConfig`); the grid and its weather stay ``ctx``'s.

    Raises
    ------
    InputError
        The layer names assets absent from the network; the city's weather does not
        cover the run's hours (or has gaps), or gives them another time zone than the
        run's weather.
    """
    import dataclasses

    from gridmodel.errors import InputError
    from gridmodel.heat.availability import freeze_layer
    from gridmodel.heat.layer import load_layer
    from gridmodel.weather import load_profile

    layer = load_layer(cfg.resolve_layer(city.layer),
                       assumptions=cfg.resolve(city.assumptions))
    layer = freeze_layer(layer) if freeze else layer
    check_layer_assets(ctx.net, layer, cfg.network)
    check_layer_queues(layer, int(cfg.grid.n_queues), where, error)
    name = cfg.resolve_name(city.weather)
    profile = ctx.weather if name == cfg.resolve_name(cfg.weather) else load_profile(name)
    index, temp = run_temperature(profile, cfg.start, horizon_h, city.weather, where=where,
                                  error=error)
    if ctx.index is not None and not index.equals(ctx.index):
        msg = (f"{where}weather {city.weather!r} of heat layer {city.layer!r} gives the run's "
               f"hours another time axis than the first city's ({index[0]} vs "
               f"{ctx.index[0]}); use profiles in one time zone.")
        raise (error or InputError)(msg)
    return dataclasses.replace(ctx, layer=layer, weather_name=name, index=index, temp=temp,
                               cities=None)


def snapshot_context(network: str, status_date=None) -> Context:
    """A grid-only context for the outage snapshot: all strikes at once, no time."""
    from gridmodel.network.io import load_network

    net = load_network(network, status_date=status_date)
    return Context(config=None, network=network, net=net, snapshot=True,
                   population=oblast_population(network))


# ------------------------------------------------------------------ the chain
@dataclass
class ChainResult:
    """What :func:`run_chain` returns.

    Attributes
    ----------
    timeline : gridmodel.outage.timeline.TimelineResult or None
        The grid timeline (None for a snapshot).
    snapshot : gridmodel.outage.result.OutageResult or None
        The one-step outage (snapshot contexts only).
    inputs : HeatInputs or None
    availability, heat, temperatures
        From :func:`heat_chain` (None without a heat layer).
    heat_strikes : DataFrame or None
        Strikes on heat-layer assets with the ``repair_h`` used.
    heat_assets : DataFrame or None
        Asset-state periods of struck heat-layer assets (:func:`heat_strike_periods`).
    timings_s : dict
        Wall time of the ``grid`` and ``heat`` steps [s].
    cities : list of ChainResult or None
        A run of several cities: one result per city (``Context.cities``), this one first.
    model_warnings : tuple of str
        What the run could compute only in part (:class:`~gridmodel.errors.ModelWarning`
        messages): those of its grid timeline or snapshot (kept with a cached timeline).
    """

    timeline: object = None
    snapshot: object = None
    inputs: HeatInputs | None = None
    availability: object = None
    heat: object = None
    temperatures: object = None
    heat_strikes: pd.DataFrame | None = None
    heat_assets: pd.DataFrame | None = None
    timings_s: dict = field(default_factory=dict)
    cities: list | None = None

    @property
    def model_warnings(self) -> tuple[str, ...]:
        grid = self.timeline if self.timeline is not None else self.snapshot
        return getattr(grid, "model_warnings", ())


def _strikes_key(strikes) -> tuple | None:
    if strikes is None:
        return None
    cols = [c for c in ("asset_id", "time", "fraction_lost", "repair_h") if c in strikes]
    return tuple(tuple(map(str, r)) for r in strikes[cols].itertuples(index=False))


def grid_step(ctx: Context, strikes: pd.DataFrame | None, seed: int, *,
              engine: str | None = None, ac: bool | None = None, progress: bool = False):
    """The grid timeline of one strike table (cached in ``ctx.timelines`` when given)."""
    from gridmodel.outage.timeline import simulate_outages

    cfg, g = ctx.config, ctx.config.grid
    engine = engine or g.engine
    ac = g.ac if ac is None else ac
    key = None
    if ctx.timelines is not None:  # the key costs a pass over the strikes: only when caching
        key = (id(ctx.net), _strikes_key(strikes), int(seed), engine, bool(ac))
        if key in ctx.timelines:
            return ctx.timelines[key]
    kwargs = {"line_limits": g.line_limits}
    if engine == "fast" and ctx.compiled is not None:
        kwargs["compiled"] = ctx.compiled
    tl = simulate_outages(ctx.net, strikes, start=pd.Timestamp(cfg.start),
                          horizon_h=float(len(ctx.index) if ctx.index is not None
                                          else cfg.horizon_h),
                          temp_air=ctx.weather, seed=seed, engine=engine,
                          ac=ac, n_queues=g.n_queues,
                          block_h=g.block_h, demand_step=g.demand_step,
                          max_cascade_rounds=g.max_cascade_rounds, engine_kwargs=kwargs,
                          progress=progress)
    if key is not None:
        ctx.timelines[key] = tl
    return tl


def run_chain(ctx: Context, strikes: pd.DataFrame | None, seed: int, *,
              engine: str | None = None, ac: bool | None = None, progress: bool = False,
              heat_assets_out: dict[str, int] | None = None) -> ChainResult:
    """Run one strike table through the whole chain.

    Parameters
    ----------
    ctx : Context
        From :func:`build_context` (or :func:`snapshot_context`).
    strikes : pandas.DataFrame or None
        Resolved strikes (:func:`gridmodel.strikes.load_strikes`); None or empty: none.
    seed : int
        Seed of the repair draws.
    engine : {"fast", "pandapower"}, optional
        Override the configuration's engine.
    ac : bool, optional
        Override the configuration's AC option (snapshots: AC by default).
    progress : bool
        Show progress bars.
    heat_assets_out : dict, optional
        Heat-layer assets (source or pump ids) out of service from the start for the
        given hours, besides what the grid does to them (a ranking's lost heat assets).

    Returns
    -------
    ChainResult
    """
    if strikes is not None and strikes.empty:
        strikes = None
    if ctx.snapshot:
        from gridmodel.outage.timeline import snapshot

        engine = engine or "pandapower"
        use_ac = (True if ac is None else ac) and engine != "fast"
        return ChainResult(snapshot=snapshot(ctx.net, strikes, engine=engine, ac=use_ac))
    strikes, heat_strikes = split_heat_strikes(ctx.net, strikes)
    t0 = time.perf_counter()
    tl = grid_step(ctx, strikes, seed, engine=engine, ac=ac, progress=progress)
    t1 = time.perf_counter()
    if ctx.layer is None:
        return ChainResult(timeline=tl, timings_s={"grid": t1 - t0})
    heat_strikes, heat_periods = heat_strike_periods(heat_strikes, seed)
    results = [_city_heat(c, tl, heat_strikes, heat_periods, seed, heat_assets_out)
               for c in (ctx.cities or [ctx])]
    first = results[0]
    first.cities = results if ctx.cities else None
    first.timings_s = {"grid": t1 - t0, "heat": time.perf_counter() - t1}
    return first


def _city_heat(ctx: Context, tl, heat_strikes, heat_periods, seed: int,
               heat_assets_out) -> ChainResult:
    """The heat part of the chain for one city's context on the grid timeline ``tl``."""
    inputs = heat_inputs(ctx.layer, ctx.net, tl, ctx.index)
    if heat_assets_out or heat_periods is not None:
        inputs = _heat_assets_lost(inputs, ctx.index, heat_assets_out, heat_periods)
    chain = heat_chain(ctx.layer, ctx.temp, inputs, seed)
    return ChainResult(timeline=tl, inputs=inputs, availability=chain.availability,
                       heat=chain.heat, temperatures=chain.temperatures,
                       heat_strikes=heat_strikes, heat_assets=heat_periods)


def split_heat_strikes(net, strikes: pd.DataFrame | None):
    """``(grid strikes, heat-layer strikes)``: rows on assets of ``net``'s registry, and
    the others (``heat:...``, ``pump:...`` resolved against the heat layer); None when
    a part is empty."""
    if strikes is None:
        return None, None
    grid = strikes["asset_id"].isin(net.registry["asset_id"]).to_numpy()
    if grid.all():  # (filtering by an all-true mask costs more than the test)
        return (None if strikes.empty else strikes.reset_index(drop=True)), None
    parts = (strikes[grid].reset_index(drop=True), strikes[~grid].reset_index(drop=True))
    return tuple(None if p.empty else p for p in parts)


def heat_strike_periods(strikes: pd.DataFrame | None, seed: int):
    """Strikes on heat-layer assets with the ``repair_h`` used, and their asset-state
    periods (``(None, None)``: no such strike).

    Repair times as for grid assets (:func:`gridmodel.strikes.repairs.repair_hours`: a
    strike's ``repair_h``, else a draw for its kind, here the table's ``*`` entries [C]),
    drawn from their own stream :func:`heat_rng` so that adding a heat strike never moves
    a grid strike's draw.
    """
    if strikes is None:
        return None, None
    from gridmodel.strikes.repairs import asset_states, repair_hours

    hours = repair_hours(strikes, None, rng=heat_rng(seed))
    return strikes.assign(repair_h=hours.to_numpy()), asset_states(strikes, hours)


def heat_rng(seed: int) -> np.random.Generator:
    """The random stream of heat-asset repair draws: ``SeedSequence([1, seed])``."""
    return np.random.default_rng([1, int(seed) % 2**63])


def _heat_assets_lost(inputs: HeatInputs, index, heat_assets_out, periods) -> HeatInputs:
    """``inputs`` with heat assets out: a ranking's lost assets and struck heat assets."""
    from gridmodel.heat.grid import asset_available

    aa = inputs.asset_available.copy()
    for asset, hours in sorted((heat_assets_out or {}).items()):
        aa.loc[np.arange(len(index)) < int(hours), asset] = 0.0
    if periods is not None:
        struck = asset_available(periods, index, assets=list(aa.columns))
        aa = pd.DataFrame(np.minimum(aa.to_numpy(), struck.to_numpy()), index=aa.index,
                          columns=aa.columns)
    return HeatInputs(aa, inputs.node_power, inputs.building_power)


# ------------------------------------------------------------------ windows (resumed runs)
#: per-building hour indexes of :class:`gridmodel.restoration.restarts.BuildingHeat`
_HOUR_INDEXES = ("drain_time", "restart_start", "heat_back")
#: 1-D arrays on the time axis
_TIME_VECTORS = ("temp_air", "crews_busy")


def _window_value(name: str, v, k: int, n_t: int, idx: pd.DatetimeIndex):
    """One field of a chain object from hour ``k`` on (unchanged when not on the time axis)."""
    if isinstance(v, pd.DatetimeIndex) and len(v) == n_t:
        return idx
    if isinstance(v, pd.DataFrame | pd.Series) and len(v) == n_t and isinstance(
            v.index, pd.DatetimeIndex):
        return v.iloc[k:]
    if isinstance(v, np.ndarray):
        if name in _HOUR_INDEXES:
            return np.where(v >= k, v - k, -1)
        if (v.ndim == 2 or name in _TIME_VECTORS) and v.shape[0] == n_t:
            return v[k:]
    return v


def _window_object(obj, k: int, n_t: int, idx: pd.DatetimeIndex):
    """A dataclass of the chain with every time-axis field from hour ``k`` on."""
    import dataclasses

    if obj is None:
        return None
    changes = {f.name: _window_value(f.name, getattr(obj, f.name), k, n_t, idx)
               for f in dataclasses.fields(obj)}
    if "temp_indoor_initial" in changes and k > 0:  # the state the window starts from
        changes["temp_indoor_initial"] = obj.temp_indoor[k - 1].copy()
    return dataclasses.replace(obj, **changes)


def _window_frame(df: pd.DataFrame | None, t0: pd.Timestamp, date0) -> pd.DataFrame | None:
    """Rows of a timeline table from ``t0`` on (by ``time``, else by local ``date``)."""
    if df is None:
        return None
    if "time" in df.columns:
        return df[pd.to_datetime(df["time"], utc=True) >= t0].reset_index(drop=True)
    if "date" in df.columns:
        return df[pd.to_datetime(df["date"]).dt.date >= date0].reset_index(drop=True)
    return df


def _window_timeline(tl, t0: pd.Timestamp, date0):
    """A grid timeline from ``t0`` on: hourly tables cut, asset periods still going kept,
    and the whole timeline's model warnings (they are not dated)."""
    from gridmodel.outage.blackouts import SCHEDULE_TABLES, BlackoutSchedule
    from gridmodel.outage.timeline import TIMELINE_TABLES, TimelineResult

    bo = tl.blackouts
    if bo is not None:  # the cut tables only (the arrays span the whole horizon)
        bo = BlackoutSchedule(**{name: _window_frame(getattr(bo, name), t0, date0)
                                 for name in SCHEDULE_TABLES},
                              n_queues=bo.n_queues, block_h=bo.block_h, step_h=bo.step_h,
                              timezone=bo.timezone)
    cut = {name: _window_frame(getattr(tl, name), t0, date0)
           for name in (*TIMELINE_TABLES, "runs")}
    assets = tl.assets[pd.to_datetime(tl.assets["end"], utc=True) > t0].reset_index(drop=True)
    return TimelineResult(**cut, assets=assets, strikes=tl.strikes, blackouts=bo,
                          meta=tl.meta, steps=None, model_warnings=tl.model_warnings)


def window(ctx: Context, chain: ChainResult, start) -> tuple[Context, ChainResult]:
    """The context and chain result from hour ``start`` on (a resumed run's window).

    Every hourly array and table is cut at ``start``; per-building hour indexes
    (``drain_time``, ``restart_start``, ``heat_back``) count from the window's first hour
    (-1: not within it); asset periods still going at ``start`` are kept whole; the
    indoor temperatures start from the hour before the window. A run of several cities
    keeps its first city only.
    """
    import dataclasses

    k = int(ctx.index.get_loc(pd.Timestamp(start)))
    n_t, idx = len(ctx.index), ctx.index[k:]
    t0 = idx[0].tz_convert("UTC")
    wctx = dataclasses.replace(ctx, index=idx, temp=ctx.temp.iloc[k:], cities=None)
    inputs = chain.inputs
    if inputs is not None:
        inputs = HeatInputs(inputs.asset_available.iloc[k:], inputs.node_power.iloc[k:],
                            inputs.building_power.iloc[k:])
    heat_assets = chain.heat_assets
    if heat_assets is not None:
        heat_assets = heat_assets[pd.to_datetime(heat_assets["end"], utc=True) > t0]
    return wctx, dataclasses.replace(
        chain, timeline=_window_timeline(chain.timeline, t0, idx[0].date()), inputs=inputs,
        availability=_window_object(chain.availability, k, n_t, idx),
        heat=_window_object(chain.heat, k, n_t, idx),
        temperatures=_window_object(chain.temperatures, k, n_t, idx),
        heat_assets=heat_assets, cities=None)  # a resumed run shows its first city
