"""The key findings of a run: what a planner reads first in ``report.html``.

:func:`run_findings` reduces one :class:`gridmodel.studies.scenario.RunResult` to the
figures of the findings box: the peak of buildings and people without heat, when (the heat
layer's local time, to the minute) and where (district names), when heat returns, the same
peak without any strike (a no-strike run of the one chain,
:func:`gridmodel.pipeline.run_chain`), and the strikes that drove it, found by
leave-one-strike-out runs of the same chain (one run per struck asset, up to
:data:`MAX_LEFT_OUT`). Every figure comes from the model; nothing here is a constant of
the outcome.

The peak and its districts are the summary's (``summary.json`` ``heat``): one place per
rule. The return of heat is the first hour from which the run has no more buildings
without heat than its no-strike baseline, to the end of the run (None when it never
gets there).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["MAX_LEFT_OUT", "RunFindings", "city_table", "district_names", "heat_return_index",
           "layer_tz", "local_minute", "run_box", "run_findings", "strike_names"]

#: most struck assets tested one by one (leave-one-out runs)
MAX_LEFT_OUT = 20


@dataclass
class RunFindings:
    """The findings box of one run (times as local-time strings to the minute).

    Attributes
    ----------
    buildings_total, peak_buildings, peak_people : int
        Stock and peak of buildings / residents without heat.
    peak_time : str or None
        Local time of the peak (None: no building ever without heat).
    districts : list of (str, int)
        District names with buildings without heat at the peak, most first.
    heat_returns : str or None
        Local time from which no more buildings than in the baseline are without heat.
    end_buildings : int
        Buildings without heat at the run's last hour.
    end_time : str
        Local time of the run's last hour.
    baseline_peak_buildings, baseline_peak_people : int or None
        The same peak without strikes (None: not computed).
    drivers : pandas.DataFrame
        ``strike, asset_id, first_strike, peak_buildings_avoided,
        people_hours_avoided``: per struck asset, what leaving its strikes out avoids,
        largest first.
    strikes_total, strikes_tested : int
        Struck assets in the run and those left out one by one.
    tz : str
        The time zone of every time shown.
    notes : list of str
    baseline_hourly : numpy.ndarray or None
        Buildings without heat per hour without strikes (None: not computed).
    city : str or None
        The city's display name (``layer.toml`` ``[meta] city``, else the layer name).
    cities : list of RunFindings
        A run of several cities (``[[heat.cities]]``): every city's findings, this one
        first (empty for a one-city run).
    """

    buildings_total: int
    peak_buildings: int
    peak_people: int
    peak_time: str | None
    districts: list[tuple[str, int]]
    heat_returns: str | None
    end_buildings: int
    end_time: str
    baseline_peak_buildings: int | None = None
    baseline_peak_people: int | None = None
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    strikes_total: int = 0
    strikes_tested: int = 0
    tz: str = "UTC"
    notes: list[str] = field(default_factory=list)
    baseline_hourly: np.ndarray | None = None
    city: str | None = None
    cities: list = field(default_factory=list)


def local_minute(ts, tz) -> str | None:
    """``ts`` in ``tz`` as ``YYYY-MM-DD HH:MM`` (None for a missing time)."""
    if ts is None or (not isinstance(ts, str) and pd.isna(ts)):
        return None
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t
    return t.tz_convert(tz).strftime("%Y-%m-%d %H:%M")


def heat_return_index(without: np.ndarray, baseline: np.ndarray) -> int | None:
    """First hour from which ``without`` never exceeds ``baseline`` again.

    Parameters
    ----------
    without, baseline : array of int
        Buildings without heat per hour, with and without the strikes.

    Returns
    -------
    int or None
        None when the last hour still exceeds the baseline, or when no hour ever does
        (nothing to return from).
    """
    excess = np.asarray(without) > np.asarray(baseline)
    if not excess.any() or excess[-1]:
        return None
    return int(np.flatnonzero(excess)[-1]) + 1


def strike_names(net, layer, *more_layers) -> dict[str, str]:
    """Asset id -> readable name from the network registry and the heat layers' sources
    and pumping stations (``layer`` and any further layers of a run of several cities)."""
    names = dict(zip(net.registry["asset_id"].astype(str), net.registry["name"].astype(str),
                     strict=True))
    for lay in (layer, *more_layers):
        if lay is None:
            continue
        from gridmodel.heat.grid import heat_assets

        ha = heat_assets(lay)
        if "name" in ha:
            names.update(zip(ha["asset_id"].astype(str), ha["name"].astype(str), strict=True))
    return {k: v for k, v in names.items() if v and v != "nan"}


def district_names(layer) -> dict[str, str]:
    """District id -> name of the heat layer's district table (the id when unnamed)."""
    d = layer.districts
    col = "name" if "name" in d else "district"
    return dict(zip(d["district"].astype(str), d[col].astype(str), strict=True))


def _chain_strikes(chain) -> pd.DataFrame | None:
    """Every strike of a chain with the repair hours it used (grid, then heat assets), so
    that a run without one of them keeps the others' repairs (common random numbers)."""
    parts = [p for p in (chain.timeline.strikes, chain.heat_strikes)
             if p is not None and len(p)]
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True).sort_values("time", kind="stable")


def _leave_one_out_runs(ctx, strikes: pd.DataFrame, seed: int,
                        max_assets: int) -> tuple[list[tuple], int]:
    """Per struck asset (in order of first strike, at most ``max_assets``): ``(asset,
    first strike time, chain without its strikes)``, and the number of struck assets."""
    from gridmodel.pipeline import run_chain

    first = strikes.groupby("asset_id", sort=False)["time"].min().sort_values(kind="stable")
    runs = []
    for asset, t in first.head(max_assets).items():
        rest = strikes[strikes["asset_id"] != asset].reset_index(drop=True)
        runs.append((asset, t, run_chain(ctx, rest if len(rest) else None, seed)))
    return runs, len(first)


def _drivers(runs: list[tuple], city: int, c_ctx, full: dict, names: dict,
             tz) -> pd.DataFrame:
    """The leave-one-out table of one city (``city``: its position in a run of several
    cities, 0 for a one-city run): peak buildings and people-hours without heat avoided by
    leaving each asset's strikes out."""
    from gridmodel.metrics.row import outcome_row

    rows = []
    for asset, t, chain in runs:
        own = chain.cities[city] if chain.cities else chain
        row = outcome_row(own, c_ctx)
        rows.append({
            "strike": names.get(str(asset), str(asset)), "asset_id": str(asset),
            "first_strike": local_minute(t, tz),
            "peak_buildings_avoided": int(full["buildings_without_heat_peak"]
                                          - row["buildings_without_heat_peak"]),
            "people_hours_avoided": int(round(full["people_hours_without_heat"]
                                              - row["people_hours_without_heat"]))})
    cols = ["strike", "asset_id", "first_strike", "peak_buildings_avoided",
            "people_hours_avoided"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["people_hours_avoided", "peak_buildings_avoided"],
                           ascending=False, kind="stable").reset_index(drop=True)


def layer_tz(layer, index: pd.DatetimeIndex | None = None) -> str:
    """The time zone of the times shown: the layer's ``meta["tz"]``, else ``index``'s,
    else UTC."""
    if layer is not None and layer.meta.get("tz"):
        return str(layer.meta["tz"])
    return str(index.tz) if index is not None and index.tz is not None else "UTC"


def run_findings(result, *, max_strikes: int = MAX_LEFT_OUT,
                 compare: bool = True) -> RunFindings:
    """The key findings of a run.

    Parameters
    ----------
    result : gridmodel.studies.scenario.RunResult
        With ``summary``, ``context``, ``chain`` and ``layer``.
    max_strikes : int
        Most struck assets left out one by one (default :data:`MAX_LEFT_OUT`).
    compare : bool
        Run the no-strike baseline and the leave-one-out runs (False: only the run's own
        figures; the return of heat is then measured against no building without heat).

    Returns
    -------
    RunFindings

    Notes
    -----
    The extra runs reuse the run's context (network compiled once, heat layer, weather)
    and seed; each leaves out every strike on one asset and keeps the repair hours the
    run drew for the others. A resumed run (``initial_state``) gets no extra runs: its
    context covers only its own window.
    """
    from gridmodel.metrics.row import outcome_row
    from gridmodel.pipeline import run_chain

    ctx, chain = result.context, result.chain
    pairs = (list(zip(ctx.cities, chain.cities, strict=True)) if ctx.cities
             else [(ctx, chain)])
    per_city = [_own_findings(c_ctx, _city_heat_summary(result.summary, c_ctx))
                for c_ctx, _ in pairs]
    resumed = getattr(result.scenario, "initial_state", None) is not None
    if compare and not resumed:
        base = run_chain(ctx, None, result.scenario.seed)
        strikes = _chain_strikes(chain)
        runs, n_struck = ((), 0) if strikes is None else _leave_one_out_runs(
            ctx, strikes, result.scenario.seed, max_strikes)
        names = strike_names(ctx.net, *(c.layer for c, _ in pairs))
        for i, ((c_ctx, c_chain), f) in enumerate(zip(pairs, per_city, strict=True)):
            own_base = base.cities[i] if base.cities else base
            brow = outcome_row(own_base, c_ctx)
            f.baseline_hourly = np.asarray(own_base.heat.without_heat).sum(axis=1)
            f.baseline_peak_buildings = int(brow["buildings_without_heat_peak"])
            f.baseline_peak_people = int(round(brow["people_without_heat_peak"]))
            if strikes is not None:
                f.drivers = _drivers(runs, i, c_ctx, outcome_row(c_chain, c_ctx),
                                     names, f.tz)
                f.strikes_total, f.strikes_tested = n_struck, len(f.drivers)
    elif resumed:
        for f in per_city:
            f.notes.append("a resumed run: no baseline or leave-one-out runs (its context "
                           "covers only its own hours)")
    for (c_ctx, c_chain), f in zip(pairs, per_city, strict=True):
        without = np.asarray(c_chain.heat.without_heat).sum(axis=1)
        base_h = f.baseline_hourly if f.baseline_hourly is not None else np.zeros_like(
            without)
        k = heat_return_index(without, base_h)
        f.heat_returns = local_minute(c_ctx.index[k], f.tz) if k is not None else None
    first = per_city[0]
    first.cities = per_city if len(per_city) > 1 else []
    return first


def _city_heat_summary(summary: dict, c_ctx) -> dict:
    """The ``heat`` section of one city: ``summary["cities"][layer]["heat"]`` in a run of
    several cities, else ``summary["heat"]``."""
    return (summary.get("cities") or {}).get(c_ctx.layer.name, summary)["heat"]


def _own_findings(c_ctx, h: dict) -> RunFindings:
    """A city's findings from its own figures (no extra runs yet)."""
    layer, index = c_ctx.layer, c_ctx.index
    tz = layer_tz(layer, index)
    dnames = district_names(layer)
    return RunFindings(
        buildings_total=int(h["buildings_total"]), peak_buildings=int(h[
            "buildings_without_heat_peak"]), peak_people=int(h["people_without_heat_peak"]),
        peak_time=local_minute(h["buildings_without_heat_peak_time"], tz),
        districts=sorted(((dnames.get(d, d), int(n)) for d, n in
                          h["by_district_at_peak"].items() if n > 0), key=lambda x: -x[1]),
        heat_returns=None, end_buildings=int(h["buildings_without_heat_end"]),
        end_time=local_minute(index[-1], tz), tz=tz,
        city=layer.city)


def _item(label: str, key: str, value, text: str) -> dict:
    return {"label": label, "key": key, "value": "" if value is None else str(value),
            "text": text}


def _return_item(f: RunFindings) -> dict:
    if f.heat_returns is not None:
        text = f"{f.heat_returns} ({f.tz}): from then on no more buildings without heat " \
               "than without strikes"
    elif f.peak_buildings == 0:
        text = "no building lost heat"
    else:
        text = (f"not within the run: {f.end_buildings:,} buildings still without heat at "
                f"its end ({f.end_time})")
    return _item("Heat returns", "heat-returns", f.heat_returns, text)


def _driver_item(f: RunFindings) -> dict:
    d = f.drivers[f.drivers["people_hours_avoided"] > 0] if len(f.drivers) else f.drivers
    if not f.strikes_total:
        return _item("Strikes that drove it", "drivers", "", "no strikes")
    top = [f"{r.strike} ({r.people_hours_avoided:,} people-hours; peak without it "
           f"{f.peak_buildings - r.peak_buildings_avoided:,})" for r in d.head(3).itertuples()]
    tested = (f" ({f.strikes_tested} of {f.strikes_total} struck assets tested)"
              if f.strikes_tested < f.strikes_total else "")
    text = ("; ".join(top) if top else "no single strike: each alone changes nothing")
    return _item("Strikes that drove it (without heat avoided when left out)" + tested,
                 "drivers", "|".join(d.head(3)["asset_id"]), text)


def run_box(f: RunFindings) -> dict:
    """The findings box of ``report.html`` (:func:`gridmodel.report.html.write_report`
    ``findings``) for a run's findings.

    A run of several cities: the items are the first city's (labelled with its name), the
    headline names every city's peak, and the box's table has one row per city.
    """
    where, when = _where_when(f)
    of = f" ({f.city})" if f.cities else ""
    items = [
        _item(f"Peak{of}: buildings without heat", "peak-buildings", f.peak_buildings,
              f"{f.peak_buildings:,} of {f.buildings_total:,}"),
        _item(f"Peak{of}: people without heat", "peak-people", f.peak_people,
              f"{f.peak_people:,} residents"),
        _item(f"When{of} (local time, {f.tz})", "peak-time", f.peak_time, when),
        _item(f"Where{of} (districts at the peak)", "districts",
              "|".join(n for n, _ in f.districts), where),
        _return_item(f),
        _item(f"At the end of the run{of}", "end-buildings", f.end_buildings,
              f"{f.end_buildings:,} buildings without heat ({f.end_time})"),
    ]
    if f.baseline_peak_buildings is not None:
        items.append(_item(
            f"No-strike baseline{of} (same run without strikes)", "baseline-peak-buildings",
            f.baseline_peak_buildings,
            f"{f.baseline_peak_buildings:,} buildings ({f.baseline_peak_people:,} people) at "
            f"its peak: the strikes add {f.peak_buildings - f.baseline_peak_buildings:,}"))
        items.append(_driver_item(f))
    box = {"headline": _headline(f), "items": items, "notes": f.notes}
    if f.cities:
        box["table"] = ("By city (each city's own peak, local time)", city_table(f.cities))
    return box


def _where_when(f: RunFindings) -> tuple[str, str]:
    """The districts at the peak with their counts, and the peak's local time."""
    return (", ".join(f"{n} ({k:,})" for n, k in f.districts) or "none",
            f"{f.peak_time} ({f.tz})" if f.peak_time else "never")


def _headline(f: RunFindings) -> str:
    """One sentence: the peak, when and where; every city's peak in a run of several."""
    if f.cities:
        parts = [(f"{c.city} {c.peak_buildings:,} of {c.buildings_total:,} "
                  f"({c.peak_people:,} people) at {c.peak_time}" if c.peak_buildings
                  else f"{c.city} none") for c in f.cities]
        return "Buildings without heat at each city's peak: " + "; ".join(parts) + "."
    where, when = _where_when(f)
    return (f"{f.peak_buildings:,} of {f.buildings_total:,} buildings "
            f"({f.peak_people:,} people) without heat at the peak, {when}, in {where}."
            if f.peak_buildings else "No building lost heat in this run.")


def findings_json(f: RunFindings) -> dict:
    """The findings box as ``summary.json`` ``findings``: one entry per city (the run's
    city first), each with its peak, when and where, the return of heat, the end of the
    run, the no-strike baseline and the strikes that drove it (local times, ``tz``)."""
    def one(c: RunFindings) -> dict:
        drivers = (c.drivers.to_dict(orient="records") if not c.drivers.empty else [])
        return {"city": c.city, "tz": c.tz, "buildings_total": c.buildings_total,
                "peak_buildings": c.peak_buildings, "peak_people": c.peak_people,
                "peak_time_local": c.peak_time,
                "districts_at_peak": [{"district": n, "buildings": int(v)}
                                      for n, v in c.districts],
                "heat_returns_local": c.heat_returns, "end_buildings": c.end_buildings,
                "end_time_local": c.end_time,
                "baseline_peak_buildings": c.baseline_peak_buildings,
                "baseline_peak_people": c.baseline_peak_people,
                "strikes_total": c.strikes_total, "strikes_tested": c.strikes_tested,
                "drivers": drivers, "notes": list(c.notes)}

    return {"cities": [one(c) for c in (f.cities or [f])]}


def city_table(cities: list[RunFindings]) -> pd.DataFrame:
    """One row per city of a run of several cities: its peak, when, where, the return of
    heat, the end of the run and its no-strike baseline."""
    return pd.DataFrame([{
        "city": c.city, "buildings": c.buildings_total,
        "peak_without_heat": c.peak_buildings, "people_at_peak": c.peak_people,
        "peak_time_local": c.peak_time or "never",
        "districts_at_peak": ", ".join(n for n, _ in c.districts) or "none",
        "heat_returns_local": c.heat_returns or ("-" if not c.peak_buildings
                                                 else "not within the run"),
        "without_heat_at_end": c.end_buildings,
        "baseline_peak": ("" if c.baseline_peak_buildings is None
                          else c.baseline_peak_buildings)} for c in cities])
