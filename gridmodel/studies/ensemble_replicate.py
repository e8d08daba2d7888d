"""One ensemble replicate end to end, and the metrics of its row.

The model chain is the one of :func:`gridmodel.studies.scenario.run` (grid timeline with the fast
engine -> heat availability -> crew-limited restarts -> indoor temperatures), split in
two so that an ensemble pays the start-up once per worker:

- :func:`build_context` loads the network, compiles it once for the fast engine, and loads
  the heat layer and the weather (once per worker and run configuration);
- :func:`model` runs one strike table through the chain;
- :func:`row_metrics` reduces the results to one ensemble row.

``gridmodel run`` on a saved night (:func:`gridmodel.studies.ensemble.replay`) goes through
:func:`gridmodel.studies.scenario.run` instead and must give the same row; the tests check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridmodel.errors import InputError

__all__ = ["METRICS", "Context", "build_context", "model", "oblast_population", "row_metrics"]

#: metric columns of a replicate row, with units
METRICS = {
    "mw_shed_peak": "MW shed at the peak hour (national)",
    "energy_not_served_mwh": "energy not served over the horizon [MWh]",
    "people_without_power_peak": "people without power at the peak hour [people]",
    "buildings_without_heat_peak": "buildings without heat at the peak hour [buildings]",
    "buildings_without_heat_7d": "buildings without heat at start + 167 h [buildings]",
    "building_hours_below_12c": "building-hours below 12 C indoors [building-h]",
    "people_hours_without_heat": "people-hours without heat [person-h]",
}
#: hour index of "after 7 days" (the last hour of day 7)
HOUR_7D = 7 * 24 - 1


@dataclass
class Context:
    """Everything a replicate needs that does not depend on the night.

    Attributes
    ----------
    run : dict
        The pattern's ``[run]`` table.
    net : pandapowerNet
    layer : gridmodel.heat.layer.HeatLayer
        Loaded for this context and frozen (:func:`gridmodel.heat.availability.freeze_layer`):
        do not edit its tables in place.
    weather : pandas.Series
        Outdoor temperature profile [C].
    temp : pandas.Series
        Outdoor temperature on the run's hourly index [C].
    index : pandas.DatetimeIndex
    population : pandas.Series
        Controlled population per oblast [people] (empty when unknown).
    compiled : gridmodel.outage.fast.CompiledNetwork
        The network compiled once for the fast engine (passed to the timeline as
        ``engine_kwargs={"compiled": ...}``, so no replicate recompiles or re-fingerprints).
    """

    run: dict
    net: object
    layer: object
    weather: pd.Series
    temp: pd.Series
    index: pd.DatetimeIndex
    population: pd.Series
    compiled: object = None


def oblast_population(network: str) -> pd.Series:
    """Controlled population per oblast [people] from the network's ``curated/oblasts.csv``.

    ``population_2021 x controlled_share``; an empty Series when the network has no such
    file (then "people without power" is NaN).
    """
    from pathlib import Path

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


def build_context(run: dict) -> Context:
    """Load and compile what every replicate of a run configuration shares.

    Parameters
    ----------
    run : dict
        ``network, status_date, weather, start, horizon_h, heat_layer, ...`` (a pattern's
        ``run``).

    Raises
    ------
    InputError
        The heat layer names assets absent from the network, or the run period lies
        outside the weather profile or has hours without temperature
        (:func:`gridmodel.studies.scenario.run_temperature`).
    """
    import gridmodel
    from gridmodel.heat.availability import freeze_layer
    from gridmodel.heat.layer import load_layer
    from gridmodel.outage.fast import compile_cached
    from gridmodel.studies.scenario import check_layer_assets, run_temperature
    from gridmodel.weather import load_profile

    net = gridmodel.load_network(run["network"], status_date=run["status_date"])
    layer = freeze_layer(load_layer(run["heat_layer"]))  # private to the context
    check_layer_assets(net, layer, run["network"])
    weather = load_profile(run["weather"])
    index, temp = run_temperature(weather, run["start"], run["horizon_h"], run["weather"])
    return Context(run=dict(run), net=net, layer=layer, weather=weather, temp=temp,
                   index=index, population=oblast_population(run["network"]),
                   compiled=compile_cached(net))


def model(ctx: Context, strikes: pd.DataFrame | None, seed: int, *, engine: str = "fast",
          progress: bool = False):
    """Run one strike table through the chain of :func:`gridmodel.studies.scenario.run`.

    ``engine="pandapower"`` (DC) runs the same chain through the pandapower engine (the
    benchmark's baseline); the ensemble always uses ``"fast"``.

    Returns
    -------
    (TimelineResult, HeatState, temperatures)
    """
    from gridmodel.outage.timeline import simulate_outages

    run, net, layer, index, temp = ctx.run, ctx.net, ctx.layer, ctx.index, ctx.temp
    if strikes is not None and strikes.empty:
        strikes = None
    tl = simulate_outages(net, strikes, start=pd.Timestamp(run["start"]),
                          horizon_h=float(run["horizon_h"]), temp_air=ctx.weather, seed=seed,
                          engine=engine, ac=False, n_queues=int(run["n_queues"]),
                          block_h=int(run["block_h"]), demand_step=float(run["demand_step"]),
                          max_cascade_rounds=int(run.get("max_cascade_rounds", 20)),
                          engine_kwargs={"compiled": ctx.compiled} if engine == "fast"
                          else None, progress=progress)
    from gridmodel.pipeline import heat_chain, heat_inputs

    chain = heat_chain(layer, temp, heat_inputs(layer, net, tl, index))
    bh, temps = chain.heat, chain.temperatures
    return tl, bh, temps


def row_metrics(loads: pd.DataFrame, blackouts, bh, temps, layer, population: pd.Series,
                step_h: float = 1.0) -> dict:
    """The metric columns of a replicate row (:data:`METRICS`).

    Parameters
    ----------
    loads : pandas.DataFrame
        ``TimelineResult.loads`` (``time, load_id, shed_mw, ...``).
    blackouts : BlackoutSchedule or None
        Rolling blackouts; ``oblast_hourly.residential_off_share`` (share of residential
        demand dark or in a switched-off queue) x ``population`` gives people without power.
    bh : HeatState
        From :func:`gridmodel.restoration.restarts.restart_buildings` (``without_heat`` is
        (hour, building) boolean).
    temps : BuildingTemperatures
        From :func:`gridmodel.thermal.building_temperatures`.
    layer : HeatLayer
    population : pandas.Series
        Controlled population per oblast [people].
    step_h : float
        Step [h].

    Returns
    -------
    dict
    """
    from gridmodel import metrics

    shed = metrics.load_shed_mw(loads)
    if blackouts is not None and len(population):
        oh = blackouts.oblast_hourly
        people = (oh["residential_off_share"] * oh["oblast"].map(population).fillna(0.0))
        people_peak = float(people.groupby(oh["time"]).sum().max())
    else:
        people_peak = float("nan")
    wh = np.asarray(bh.without_heat)
    n = wh.sum(axis=1)
    residents = layer.buildings["residents"].to_numpy()
    below = temps.hours_below((12.0,))[0]
    return {
        "mw_shed_peak": float(shed.max()) if len(shed) else 0.0,
        "energy_not_served_mwh": metrics.energy_not_served_mwh(loads, step_h),
        "people_without_power_peak": people_peak,
        "buildings_without_heat_peak": int(n.max(initial=0)),
        "buildings_without_heat_7d": float(n[HOUR_7D]) if len(n) > HOUR_7D else float("nan"),
        "building_hours_below_12c": metrics.building_hours_below(below),
        # hours without heat per building x residents (whole numbers for whole-number
        # residents: then exact, in any order of summation, below 2**53 person-hours)
        "people_hours_without_heat": float(wh.sum(axis=0) @ residents),
    }
