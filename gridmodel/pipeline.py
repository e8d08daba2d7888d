"""The heat chain after the grid: grid timeline -> heat availability -> restarts -> indoor.

One place for the steps that ``gridmodel run``, ensembles and planning all take after the
outage timeline, so the three cannot drift apart:

1. :func:`heat_inputs`: from the grid timeline, what the heat layer needs hour by hour:
   availability of its sources and pumps as grid assets, power at its grid nodes (heat and
   water loads served), and the on/off hours of tall buildings' blackout queues;
2. :func:`heat_chain`: heat availability and draining per building group, crew-limited
   restarts, and indoor temperatures (distinct trajectories computed once).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    tall_floors = int(layer.param("power", "tall_floors"))
    assets, nodes, nq = layer_cached(layer, ("heat_inputs", tall_floors),
                                     lambda: _input_columns(layer, tall_floors))
    aa = hgrid.asset_available(timeline.assets, index, assets=assets)
    npow = hgrid.node_power(timeline.loads, net.registry, index, nodes,
                            min_served=float(layer.param("power", "heat_water_served_min")))
    sched = timeline.blackouts.schedule if timeline.blackouts is not None else None
    bpow = hgrid.building_power(sched, net.registry, index, nq)
    return HeatInputs(asset_available=aa, node_power=npow, building_power=bpow)


def _input_columns(layer, tall_floors: int):
    """Columns of the hourly inputs of a layer: heat assets, grid nodes, (node, queue)."""
    assets = sorted(set(layer.sources["power_asset"]) - {""}
                    | set(layer.sources["source_id"]) | set(layer.pumping["pump_id"]))
    nodes = sorted(set(layer.pumping["grid_node"])
                   | {a for a in layer.sources["power_asset"] if a.startswith("bus:")})
    b = layer.buildings
    tallb = b[b["floors"] > tall_floors]
    nq = sorted(set(zip(tallb["grid_node"], tallb["queue"].astype(int), strict=True)))
    return assets, nodes, nq


def heat_chain(layer, temp_air: pd.Series, inputs: HeatInputs) -> HeatChain:
    """Heat availability, draining, crew-limited restarts and indoor temperatures.

    Parameters
    ----------
    layer : gridmodel.heat.layer.HeatLayer
    temp_air : Series
        Outdoor temperature [°C] on the model's hourly index.
    inputs : HeatInputs
        From :func:`heat_inputs` (or built by hand, as planning does for heat-only
        interventions).
    """
    from gridmodel.heat.availability import group_availability, layer_cached
    from gridmodel.restoration.restarts import restart_buildings
    from gridmodel.thermal import building_temperatures

    ga = group_availability(layer, temp_air, asset_available=inputs.asset_available,
                            node_power=inputs.node_power, building_power=inputs.building_power)
    rp = layer.assumptions["restart"]
    bh = restart_buildings(ga, restart_crews(layer), float(rp["crew_hours_per_building"]),
                           float(rp["heat_to_flats_h"]))
    comfort = layer.assumptions["comfort"]
    archetypes = layer_cached(layer, "archetype_str", lambda: np.asarray(
        layer.buildings["archetype"].to_numpy(), dtype=str))
    temps = building_temperatures(temp_air, bh.heat_on, archetypes,
                                  temp_indoor_initial=float(comfort["initial_indoor_c"]))
    return HeatChain(availability=ga, heat=bh, temperatures=temps)


def restart_crews(layer) -> int:
    """Crews restarting drained buildings at once: ``crews * share_for_restarts``, rounded.

    From the layer's ``assumptions.toml`` ``[restart]``; the number the heat chain uses
    and the run summary reports.
    """
    rp = layer.assumptions["restart"]
    return int(round(float(rp["crews"]) * float(rp["share_for_restarts"])))
