"""Summary, result frames and the readable explanation of a heat run.

The summary schema is documented in ``docs/scenario.md``; definitions of "without heat",
"drained" and "interrupted" in ``docs/heat.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmodel import metrics
from gridmodel.heat.availability import CAUSES
from gridmodel.heat.draining import bridging_time_h, building_pipe_kwargs
from gridmodel.metrics.row import city_load_ids, city_substations, outcome_row
from gridmodel.pipeline import restart_crews

__all__ = ["build_frames", "build_summary", "explain"]


def _iso(ts) -> str | None:
    return None if ts is None else pd.Timestamp(ts).isoformat()


def _status(tl, tz) -> dict:
    isl = tl.islands
    per_step = isl.groupby("time")
    shed = tl.loads.groupby("time")["shed_mw"].sum()
    k = shed.idxmax() if len(shed) else None
    at = isl[isl["time"] == k] if k is not None else isl.iloc[0:0]
    return {
        "islands_max": int(per_step.size().max()) if len(isl) else 0,
        "islands_at_peak_shed": int(len(at)),
        "energised_islands_at_peak_shed": int(at["energised"].sum()),
        "dark_islands_at_peak_shed": int((~at["energised"].astype(bool)).sum()),
        "all_energised_islands_converged": bool(
            isl.loc[isl["energised"].astype(bool), "converged"].astype(bool).all()),
        "steps": int(len(shed)),
        "engine_runs": int(tl.n_engine_runs),
        "peak_shed_time": _iso(pd.Timestamp(k).tz_convert(tz)) if k is not None else None,
        "mw_shed_at_peak": float(shed.max()) if len(shed) else 0.0,
        "method": sorted(set(isl["method"].astype(str))),
    }


def build_summary(sc, ctx, chain, hashes, *, n_strikes: int, schema_version: int) -> dict:
    """The ``summary.json`` dictionary (schema: docs/scenario.md).

    Parameters
    ----------
    sc : gridmodel.studies.scenario.Scenario
    ctx : gridmodel.pipeline.Context
    chain : gridmodel.pipeline.ChainResult
    hashes : dict
        SHA-256 of the inputs.
    n_strikes : int
    schema_version : int
    """
    index, temp, tl = ctx.index, ctx.temp, chain.timeline
    row = outcome_row(chain, ctx)
    return {
        "schema_version": schema_version,
        "scenario": {"name": sc.name, "description": sc.description,
                     "file": str(sc.path) if sc.path else None, "network": sc.network,
                     "status_date": sc.status_date.isoformat(), "weather": sc.weather,
                     "start": _iso(index[0]), "horizon_h": sc.horizon_h,
                     "n_strikes": n_strikes},
        "seed": sc.seed,
        "hashes": hashes,
        "status": {**_status(tl, index.tz),
                   "model_warnings": list(chain.model_warnings)},
        "grid": _grid_summary(ctx, tl, row),
        "heat": _heat_summary(ctx, chain, row),
        "weather": {"temp_air_min_c": float(temp.min()), "temp_air_mean_c":
                    round(float(temp.mean()), 2)},
    }


def _grid_summary(ctx, tl, row: dict) -> dict:
    """The summary's ``grid`` section; ``<layer>_load_shed_mw_peak`` aliases the city key."""
    loads = tl.loads
    city = metrics.load_shed_mw(loads[loads["load_id"].isin(
        city_load_ids(ctx.layer, ctx.net.registry)).to_numpy()])
    city_peak = float(city.max()) if len(city) else 0.0
    return {
        "load_shed_mw_peak": row["mw_shed_peak"],
        "energy_not_served_mwh": row["energy_not_served_mwh"],
        "city_load_shed_mw_peak": city_peak,
        f"{ctx.layer.name}_load_shed_mw_peak": city_peak,
        "assets_out": [
            {"asset_id": r.asset_id, "start": _iso(r.start), "end": _iso(r.end),
             "remaining_fraction": float(r.remaining_fraction), "effect": r.effect}
            for r in tl.assets.itertuples()],
    }


def _heat_summary(ctx, chain, row: dict) -> dict:
    """The summary's ``heat`` section."""
    layer, index = ctx.layer, ctx.index
    bh, temps, ga = chain.heat, chain.temperatures, chain.availability
    b = layer.buildings
    n = metrics.without_heat_count(bh.without_heat, index)
    k = int(n.to_numpy().argmax())
    peak = row["buildings_without_heat_peak"]
    comfort = layer.assumptions["comfort"]
    below = temps.hours_below((float(comfort["health_risk_c"]),))[0]
    drained_ever = bh.drain_time >= 0
    heat = {
        "layer": layer.name,
        "buildings_total": int(len(b)),
        "residents_total": int(b["residents"].sum()),
        "buildings_without_heat_peak": peak,
        "buildings_without_heat_peak_time": _iso(index[k]) if peak > 0 else None,
        "people_without_heat_peak": int(row["people_without_heat_peak"]),
        "by_district": metrics.by_district_peak(bh.without_heat, b["district"].to_numpy(),
                                                index),
        "by_cause": metrics.by_cause_at(bh.cause, k),
        "by_district_at_peak": {d: int(bh.without_heat[k, (b["district"] == d).to_numpy()]
                                       .sum()) for d in sorted(set(b["district"]))},
        "buildings_without_heat_end": int(n.iloc[-1]),
        "buildings_drained_total": int(drained_ever.sum()),
        "buildings_drained_end": int(bh.drained[-1].sum()),
        "first_drain_time": _iso(index[int(bh.drain_time[drained_ever].min())])
        if drained_ever.any() else None,
        "buildings_restarted": int((bh.heat_back >= 0).sum()),
        "building_hours_without_heat": int(bh.without_heat.sum()),
        "building_hours_below_12c": row["building_hours_below_12c"],
        "buildings_below_12c_ever": int((below > 0).sum()),
        "interrupted_building_hours": int(bh.interrupted.sum()),
        "freeze_risk_building_hours": int(bh.freeze_risk.sum()),
        "indoor_temp_min_c": float(np.round(temps.temp_indoor.min(), 2)),
        "distinct_trajectories": int(temps.n_distinct),
        "groups": int(len(ga.groups)),
        **_standby_figures(layer, ga),
        "definition": ("without heat = cut off from heat supply: the building's source or "
                       "zone pumping is down, or it is drained and not yet restarted"),
    }
    heat["crews_for_restarts"] = restart_crews(layer)
    return heat


def _standby_figures(layer, ga) -> dict:
    """Standby units of the layer and the buildings they supplied (rule 3a)."""
    on = ga.on_standby
    n = (on.astype(np.int64) @ ga.groups["buildings"].to_numpy(np.int64) if on is not None
         else np.zeros(len(ga.index), dtype=np.int64))
    return {"standby_units": int(len(layer.standby)),
            "standby_heat_mw": float(round(layer.standby["heat_capacity_mw"].sum(), 3)),
            "buildings_on_standby_max": int(n.max(initial=0)),
            "building_hours_on_standby": int(n.sum())}


def build_frames(ctx, chain) -> dict[str, pd.DataFrame]:
    """Tables written as Parquet: hourly heat by district, per building, indoor bands, grid."""
    layer, index, temp = ctx.layer, ctx.index, ctx.temp
    tl, ga, bh, temps = chain.timeline, chain.availability, chain.heat, chain.temperatures
    b = layer.buildings
    dist = b["district"].to_numpy()
    res = b["residents"].to_numpy()
    rows = []
    for d in sorted(set(dist)):
        m = dist == d
        w = bh.without_heat[:, m]
        c = bh.cause[:, m]
        frame = pd.DataFrame({
            "time": index, "district": d,
            "buildings_without_heat": w.sum(1),
            "people_without_heat": (w * res[m]).sum(1),
            "drained": bh.drained[:, m].sum(1),
            "interrupted": bh.interrupted[:, m].sum(1),
            "heat_on": bh.heat_on[:, m].sum(1),
        })
        for code, name in CAUSES.items():
            if code:
                frame[name] = (c == code).sum(1)
        rows.append(frame)
    heat_hourly = pd.concat(rows, ignore_index=True)
    heat_hourly.insert(2, "temp_air", np.tile(temp.to_numpy(), len(set(dist))))
    below = temps.hours_below((16.0, 12.0, 8.0))
    ti = temps.temp_indoor
    t_min = ti.min(axis=0)[temps.inverse]
    t_end = ti[-1][temps.inverse]

    def _time(k):
        return pd.Series([index[i] if i >= 0 else pd.NaT for i in k],
                         dtype=f"datetime64[ns, {index.tz}]")

    buildings = pd.DataFrame({
        "building_id": b["building_id"], "district": b["district"], "zone_id": b["zone_id"],
        "source_id": b["source_id"], "archetype": b["archetype"], "floors": b["floors"],
        "residents": b["residents"],
        "hours_without_heat": bh.without_heat.sum(0),
        "hours_interrupted": bh.interrupted.sum(0),
        "drain_time": _time(bh.drain_time), "restart_start": _time(bh.restart_start),
        "heat_back": _time(bh.heat_back),
        "hours_below_16c": below[0], "hours_below_12c": below[1], "hours_below_8c": below[2],
        "temp_indoor_min_c": t_min.round(2), "temp_indoor_end_c": t_end.round(2),
    })
    indoor = indoor_bands(index, temps, b["archetype"].to_numpy())
    loads = tl.loads.copy()
    islands = tl.islands.drop(columns=[c for c in ("buses",) if c in tl.islands.columns])
    sources = ga.source_capacity.copy()
    sources.insert(0, "time", index)
    sources = sources.melt(id_vars="time", var_name="source_id", value_name="capacity_fraction")
    out = {"heat_hourly": heat_hourly, "heat_buildings": buildings, "indoor_bands": indoor,
           "heat_sources_hourly": sources, "grid_loads": loads, "grid_islands": islands,
           "grid_assets": tl.assets.astype({"strike_rows": str})}
    if tl.blackouts is not None:
        out["grid_blackouts"] = tl.blackouts.schedule
    return out


def explain(sc, ctx, chain, summary) -> str:
    """A readable account of the run: which source, which zone, which rule, when."""
    index = ctx.index
    lines = [f"Scenario {sc.name}: {sc.description}".rstrip(": "),
             f"Network {sc.network} on the status of {sc.status_date}; weather {sc.weather}; "
             f"{len(index)} h from {index[0]:%Y-%m-%d %H:%M %Z}.",
             ""]
    lines += _grid_lines(ctx, chain.timeline, summary)
    lines.append("")
    lines += _drain_lines(ctx, chain.availability)
    lines.append("")
    lines += _peak_lines(summary["heat"])
    return "\n".join(lines)


def _longest_off_h(schedule: pd.DataFrame) -> int:
    """Longest run of consecutive hours without power of any (area, queue) [h]."""
    longest = 0
    for _, q in schedule.groupby(["area", "queue"]):
        off = ~q.sort_values("time")["power_on"].to_numpy(bool)
        run = 0
        for v in off:
            run = run + 1 if v else 0
            longest = max(longest, run)
    return longest


def _grid_lines(ctx, tl, summary) -> list[str]:
    """Grid assets out, islands and cascade, the city's rolling blackouts, shed."""
    index, city = ctx.index, ctx.layer.meta.get("city", ctx.layer.name)
    lines = []
    if len(tl.assets):
        lines.append("Grid assets out (repair timeline):")
        for r in tl.assets.itertuples():
            end = pd.Timestamp(r.end).tz_convert(index.tz)
            beyond = " (beyond the horizon)" if end > index[-1] else ""
            lines.append(f"  {r.asset_id}: {r.effect}, {r.remaining_fraction:.0%} left, "
                         f"from {pd.Timestamp(r.start).tz_convert(index.tz):%d %b %H:%M} to "
                         f"{end:%d %b %H:%M}{beyond}")
    else:
        lines.append("No grid asset out.")
    st = summary["status"]
    rounds = int(tl.islands["cascade_rounds"].max()) if "cascade_rounds" in tl.islands else 0
    lines.append(f"Grid: up to {st['islands_max']} islands; overload cascade up to {rounds} "
                 f"round(s) in a step.")
    said = st["model_warnings"]
    if said:
        lines.append(f"Computed in part ({len(said)} model warning(s)):")
        lines += [f"  {m}" for m in said]
    if tl.blackouts is not None:
        sch = tl.blackouts.schedule
        own = sch[sch["area"].astype(str).isin(city_substations(ctx.layer, ctx.net.registry))]
        if len(own):
            share = 1.0 - float(own["power_on"].mean())
            lines.append(f"{city} rolling blackouts: queues off {share:.0%} of queue-hours; "
                         f"longest block without power {_longest_off_h(own)} h in a row.")
    grid = summary["grid"]
    lines.append(f"Grid: peak shed {grid['load_shed_mw_peak']:.0f} MW nationally, "
                 f"{grid['city_load_shed_mw_peak']:.0f} MW in {city}; energy not served "
                 f"{grid['energy_not_served_mwh']:.0f} MWh.")
    return lines


_WHY = {2: "zone pumping without power (grid and backup fuel)",
        3: "tall buildings' own power block (rolling blackout)"}


def _drain_lines(ctx, ga, shown_max: int = 25) -> list[str]:
    """Drain events grouped by hour, zone, cause and source, with the rule that fired."""
    from gridmodel.heat.availability import bridging_kwargs

    layer, index, temp = ctx.layer, ctx.index, ctx.temp
    g = ga.groups
    tau = g["tau_h"] if "tau_h" in g else pd.Series(np.nan, index=g.index)
    ev = [(int(t), g.at[gi, "zone_id"], int(ga.drain_cause[t, gi]), int(g.at[gi, "buildings"]),
           g.at[gi, "source_id"], float(tau.at[gi]))
          for t, gi in zip(*np.nonzero(ga.drain_trigger), strict=True)]
    if not ev:
        return ["No building was drained."]
    df = pd.DataFrame(ev, columns=["t", "zone", "cause", "n", "source", "tau_h"])
    # the network's bridging time does not depend on the building: one line per zone there
    df.loc[df["cause"] != 3, "tau_h"] = np.nan
    agg = (df.groupby(["t", "zone", "cause", "source", "tau_h"], sort=True, dropna=False)["n"]
           .sum().reset_index())
    lines = ["Draining (rule: drain when the stop's expected duration exceeds the "
             "bridging time at the current outdoor temperature - the network's piping for a "
             "source or pumping stop, the building's own for its own blackout - at -3 C or "
             "colder):"]
    kw = bridging_kwargs(layer)
    indoor_c = float(layer.param("comfort", "initial_indoor_c"))
    src_names = layer.sources.set_index("source_id")["name"]
    for r in agg.head(shown_max).itertuples():
        ta = float(temp.iloc[r.t])
        why = (f"source {src_names.get(r.source, r.source)} lost" if r.cause == 1
               else _WHY[r.cause])
        if r.cause == 3:  # the building's own pipe-freeze time (heat.draining)
            limit = bridging_time_h(ta, **building_pipe_kwargs(kw, r.tau_h, indoor_c))
            what = "its own pipe-freeze time"
        else:
            limit, what = bridging_time_h(ta, **kw), "bridging time"
        lines.append(f"  {index[r.t]:%d %b %H:%M}: {r.zone} - {r.n} buildings drained; "
                     f"{why}; {ta:.1f} C, {what} {float(limit):.1f} h")
    if len(agg) > shown_max:
        lines.append(f"  ... and {len(agg) - shown_max} more drain events "
                     "(heat_buildings.parquet).")
    return lines


def _peak_lines(h: dict) -> list[str]:
    """Peak, districts and causes at the peak, end of horizon, indoor exposure."""
    peak_t = h["buildings_without_heat_peak_time"]
    top = sorted(h["by_district_at_peak"].items(), key=lambda kv: -kv[1])
    return [
        f"Peak: {h['buildings_without_heat_peak']} of {h['buildings_total']} buildings "
        f"without heat ({h['people_without_heat_peak']:,} residents)"
        + (f" at {pd.Timestamp(peak_t):%d %b %H:%M}" if peak_t else "") + ".",
        "  by district at the peak: " + ", ".join(f"{d} {v}" for d, v in top if v),
        "  by cause at the peak: " + ", ".join(f"{c} {v}" for c, v in h["by_cause"].items()),
        f"End of horizon: {h['buildings_without_heat_end']} buildings without heat; "
        f"{h['buildings_restarted']} restarted by crews "
        f"({h['crews_for_restarts']} crews on restarts, first drained first).",
        f"Indoor: {h['building_hours_below_12c']:.0f} building-hours below 12 C; "
        f"{h['interrupted_building_hours']} interrupted building-hours (short stops); "
        f"{h['freeze_risk_building_hours']} building-hours at freeze risk.",
    ] + ([f"Standby: {h['standby_units']} units ({h['standby_heat_mw']:g} MW) supplied up to "
          f"{h['buildings_on_standby_max']} buildings ({h['building_hours_on_standby']} "
          "building-hours) while their network supply was down."]
         if h.get("standby_units") else [])


def indoor_bands(index, temps, archetype) -> pd.DataFrame:
    """Indoor temperature bands per archetype over buildings, hour by hour [°C].

    Parameters
    ----------
    index : DatetimeIndex
    temps : gridmodel.thermal.DistinctTrajectories
    archetype : array of str
        Archetype per building (columns of ``temps`` mapped back by ``temps.inverse``).

    Returns
    -------
    DataFrame
        ``time, archetype, p05_c, median_c, p95_c, min_c, max_c``: quantiles over the
        buildings of each archetype (each distinct trajectory weighted by its buildings).
    """
    ti = temps.temp_indoor
    arch = np.asarray(archetype)
    bands = []
    for a in sorted(set(arch)):
        cols = temps.inverse[arch == a]
        uniq, counts = np.unique(cols, return_counts=True)
        traj = ti[:, uniq]
        order = np.argsort(traj, axis=1)
        cw = np.cumsum(counts[order], axis=1) / counts.sum()
        sorted_t = np.take_along_axis(traj, order, axis=1)
        q = {}
        for p in (0.05, 0.5, 0.95):
            j = (cw < p).sum(axis=1)
            q[p] = sorted_t[np.arange(len(index)), np.minimum(j, traj.shape[1] - 1)]
        bands.append(pd.DataFrame({"time": index, "archetype": a, "p05_c": q[0.05],
                                   "median_c": q[0.5], "p95_c": q[0.95],
                                   "min_c": traj.min(1), "max_c": traj.max(1)}))
    return pd.concat(bands, ignore_index=True)
