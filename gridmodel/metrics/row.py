"""The one row builder: a chain's result reduced to its metric values.

Every study reads its numbers here: ``gridmodel run``'s summary, an ensemble's replicate
row, a plan's outcome per variant and night, a ranking's score per lost-asset set. Each
picks the keys it reports (:data:`ROW_METRICS` names all of them with their units).

"Without heat" is the chain's ``without_heat`` state (cut off from heat supply; see
``docs/heat.md``); the indoor threshold of the "hours below" metric is the heat layer's
``[comfort] health_risk_c`` (12 °C in the shipped layers, FIELD_NOTES 12).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmodel.config import DEFAULTS
from gridmodel.metrics import building_hours_below, energy_not_served_mwh, load_shed_mw
from gridmodel.outage._kernel import group_sums_nb
from gridmodel.outage.steps import StepArrays

__all__ = ["HOUR_AFTER", "PLAN_METRICS", "REPLICATE_METRICS", "ROW_METRICS", "city_load_ids",
           "city_substations", "outcome_row"]

#: metric keys of :func:`outcome_row`, with units
ROW_METRICS = {
    "mw_shed_peak": "MW shed at the peak hour (national)",
    "energy_not_served_mwh": "energy not served over the horizon [MWh]",
    "people_without_power_peak": "people without power at the peak hour [people]",
    "buildings_without_heat_peak": "buildings without heat at the peak hour [buildings]",
    "people_without_heat_peak": "residents of those buildings [people]",
    "buildings_without_heat_7d": "buildings without heat at start + 167 h [buildings]",
    "building_hours_below_12c": ("building-hours below the layer's health-risk threshold "
                                 "(12 C) indoors [building-h]"),
    "people_hours_without_heat": "people-hours without heat [person-h]",
    "demand_mw": "demand of a snapshot (one step) [MW]",
    "served_mw": "served load of a snapshot (one step) [MW]",
    "mw_shed_at": "MW shed at the hour ``at`` (national) [MW]",
    "city_mw_shed_at": "MW shed at the hour ``at`` at the heat layer's city loads [MW]",
}
#: metric columns of an ensemble replicate row, with units
REPLICATE_METRICS = {k: ROW_METRICS[k] for k in (
    "mw_shed_peak", "energy_not_served_mwh", "people_without_power_peak",
    "buildings_without_heat_peak", "buildings_without_heat_7d", "building_hours_below_12c",
    "people_hours_without_heat")}
#: metrics a plan ranks interventions by: name -> (label, unit); larger values are worse,
#: "avoided" = base - variant
PLAN_METRICS: dict[str, tuple[str, str]] = {
    "building_hours_below_12c": ("building-hours below 12 °C", "building-h"),
    "people_hours_without_heat": ("people-hours without heat", "person-h"),
    "energy_not_served_mwh": ("energy not served", "MWh"),
}
#: hour index of "after N days" (the last hour of day N, ``run_defaults.toml [metrics]``)
HOUR_AFTER = int(DEFAULTS["metrics"]["after_days"]) * 24 - 1


def city_substations(layer, registry: pd.DataFrame) -> set[str]:
    """Substations of the heat layer's districts (``districts.csv`` ``grid_node``).

    The city is the layer's data, not a name in code; these substations are also the
    city's rolling-blackout supply areas.
    """
    reg = registry.set_index("asset_id")
    nodes = layer.districts["grid_node"].astype(str)
    return set(reg["substation"].reindex(nodes).dropna().astype(str))


def city_load_ids(layer, registry: pd.DataFrame) -> np.ndarray:
    """Loads of the heat layer's city: the loads at its districts' substations."""
    subs = city_substations(layer, registry)
    loads = registry[registry["kind"] == "load"]
    return loads.loc[loads["substation"].astype(str).isin(subs), "asset_id"].to_numpy()


def _people_without_power_peak(blackouts, population: pd.Series | None) -> float:
    """Most people without power in one step: residential share off x population, summed
    over the oblasts (from the schedule's arrays where it has them: the same sums)."""
    if blackouts is None or population is None or not len(population):
        return float("nan")
    off = blackouts.oblast_off
    if off is None:
        oh = blackouts.oblast_hourly
        people = oh["residential_off_share"] * oh["oblast"].map(population).fillna(0.0)
        return float(people.groupby(oh["time"]).sum().max())
    if not len(off.key):
        return float("nan")  # as the max of an empty groupby
    pop_of = population.to_dict()  # (as Series.map, then fillna(0): no or NaN -> 0)
    pop = np.array([pop_of.get(o, np.nan) for o in off.oblasts], dtype=float)
    pop[np.isnan(pop)] = 0.0
    people = off.share * pop[off.oblast]
    # per step, in the rows' order (oblast by oblast): pandas' compensated group sums
    per_step = group_sums_nb(people[None, :, None], off.t, len(off.times))[0, :, 0]
    present = np.bincount(off.t, minlength=len(off.times)) > 0
    return float(per_step[present].max())


def _grid_values(tl, population, at, city_ids) -> dict:
    # the timeline's arrays where it has them (the same values as from its load table)
    loads = tl.steps if tl.steps is not None else tl.loads
    shed = load_shed_mw(loads)
    out = {"mw_shed_peak": float(shed.max()) if len(shed) else 0.0,
           "energy_not_served_mwh": energy_not_served_mwh(
               loads, float(tl.meta.get("step_h", 1.0))),
           "people_without_power_peak": _people_without_power_peak(tl.blackouts, population)}
    if at is not None:
        s, ids = _loads_at(loads, at)
        out["mw_shed_at"] = float(s.sum())
        city = pd.Index(ids).isin(city_ids) if city_ids is not None else False
        out["city_mw_shed_at"] = float(s[city].sum())
    return out


def _loads_at(loads, at) -> tuple[np.ndarray, np.ndarray]:
    """MW shed and load id of every load at the step starting at ``at`` (none: empty)."""
    if isinstance(loads, StepArrays):
        k = np.flatnonzero(loads.times == at)
        if not len(k):
            return np.zeros(0), np.zeros(0, dtype=object)
        return loads.per_run("shed_mw")[loads.step_run[k[0]]], loads.model.load_id
    rows = loads[(loads["time"] == at).to_numpy()]
    return rows["shed_mw"].to_numpy(), rows["load_id"].to_numpy()


def _snapshot_values(snap) -> dict:
    """Grid metrics of a one-step outage (no duration, so no energy not served)."""
    loads = snap.loads
    return {"mw_shed_peak": float(loads["shed_mw"].sum()),
            "demand_mw": float(loads["demand_mw"].sum()),
            "served_mw": float(loads["served_mw"].sum()),
            "energy_not_served_mwh": float("nan"),
            "people_without_power_peak": float("nan")}


def _heat_values(result, layer) -> dict:
    # per distinct state timeline, then per building by its index (integer counts: the
    # same values as from the (time, building) array)
    bh = result.heat
    wt, tl = np.asarray(bh.without_heat_timelines), bh.timeline
    n = wt @ np.bincount(tl, minlength=wt.shape[1])
    residents = layer.buildings["residents"].to_numpy()
    k = int(n.argmax()) if len(n) else 0
    threshold_c = float(layer.assumptions["comfort"]["health_risk_c"])
    below = result.temperatures.hours_below((threshold_c,))[0]
    return {
        "buildings_without_heat_peak": int(n.max(initial=0)),
        "people_without_heat_peak": float(residents[wt[k, tl]].sum()) if len(n) else 0.0,
        "buildings_without_heat_7d": float(n[HOUR_AFTER]) if len(n) > HOUR_AFTER
        else float("nan"),
        "building_hours_below_12c": building_hours_below(below),
        # hours without heat per building x residents (whole numbers for whole-number
        # residents: then exact, in any order of summation, below 2**53 person-hours)
        "people_hours_without_heat": float(wt.sum(axis=0)[tl] @ residents),
    }


def outcome_row(result, ctx, *, at=None) -> dict:
    """The metric values of one chain result (:data:`ROW_METRICS`).

    Parameters
    ----------
    result : gridmodel.pipeline.ChainResult
        From :func:`gridmodel.pipeline.run_chain`.
    ctx : gridmodel.pipeline.Context
        Its context (heat layer, population per oblast, network registry).
    at : timestamp, optional
        An hour at which to report the MW shed nationally and at the city's loads
        (``mw_shed_at``, ``city_mw_shed_at``; a ranking's peak-demand hour).

    Returns
    -------
    dict
        Grid metrics always; heat metrics when the context has a heat layer. For a
        snapshot (one step, no time): the MW shed, demand and served, and NaN energy.
    """
    if result.snapshot is not None:
        return _snapshot_values(result.snapshot)
    city_ids = (city_load_ids(ctx.layer, ctx.net.registry)
                if at is not None and ctx.layer is not None else None)
    row = _grid_values(result.timeline, ctx.population, at, city_ids)
    if ctx.layer is not None and result.heat is not None:
        row.update(_heat_values(result, ctx.layer))
    return row
