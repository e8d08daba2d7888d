"""The key-findings boxes of ``compare``, ``plan`` and ``rank`` (``report.html``).

Each function reduces a study's own outputs (the figures it writes into its summary file)
to the box :func:`gridmodel.report.html.write_report` shows first: ``headline``,
``items`` (``label, key, value, text``) and ``notes``. Nothing is recomputed here except
the paired differences of a comparison, which the common random numbers allow: replicate
``i`` of every pattern draws the same random numbers, so ``pattern - reference`` per
replicate is a paired difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmodel.report.findings import _item

__all__ = ["compare_box", "merge_plant_heat", "paired_differences", "path_text", "plan_box",
           "rank_box"]

#: the comparison's headline metric and its label
PEAK = "buildings_without_heat_peak"


def paired_differences(frame: pd.DataFrame, metrics) -> tuple[pd.DataFrame, str]:
    """``pattern - reference`` per replicate and metric, over replicates that succeeded in
    both (the reference is the first pattern).

    Returns
    -------
    (pandas.DataFrame, str)
        ``pattern, replicate, metric, difference`` and the reference pattern's name.
    """
    ok = frame[frame["status"] == "ok"]
    pats = list(dict.fromkeys(frame["pattern"]))
    ref = pats[0]
    base = ok[ok["pattern"] == ref].set_index("replicate")
    rows = []
    for p in pats[1:]:
        g = ok[ok["pattern"] == p].set_index("replicate")
        both = g.index.intersection(base.index)
        for m in metrics:
            d = g.loc[both, m].astype(float) - base.loc[both, m].astype(float)
            rows += [{"pattern": p, "replicate": int(r), "metric": m, "difference": float(v)}
                     for r, v in d.items() if np.isfinite(v)]
    return pd.DataFrame(rows, columns=["pattern", "replicate", "metric", "difference"]), ref


def _per_pattern(rows: pd.DataFrame) -> str:
    """``pattern=median|...`` (exact floats), the machine-readable value of an item."""
    return "|".join(f"{r.pattern}={float(r.median)!r}" for r in rows.itertuples())


def _q(x) -> tuple[float, float, float]:
    x = np.asarray(x, float)
    return tuple(float(v) for v in np.quantile(x, [0.5, 0.05, 0.95])) if len(x) else (
        np.nan, np.nan, np.nan)


def compare_box(summary: pd.DataFrame, diffs: pd.DataFrame, ref: str, n: int,
                failed: int) -> dict:
    """The findings of an ensemble or comparison.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``summary.csv`` (``pattern, metric, median, p05, p95, ...``).
    diffs : pandas.DataFrame
        :func:`paired_differences`.
    ref : str
        Its reference pattern.
    n : int
        Replicates per pattern.
    failed : int
        Failed replicates.
    """
    peak = summary[summary["metric"] == PEAK]
    per = [f"{r.pattern}: {r.median:,.0f} ({r.p05:,.0f}-{r.p95:,.0f})"
           for r in peak.itertuples()]
    items = [_item("Peak buildings without heat, median (5-95 %) per pattern", "peak-buildings",
                   _per_pattern(peak),
                   "; ".join(per) or "none")]
    worst = peak.sort_values("median", ascending=False, kind="stable").head(1)
    headline = (f"Worst by median peak of buildings without heat: {worst['pattern'].iloc[0]} "
                f"({worst['median'].iloc[0]:,.0f}), over {n} replicates per pattern."
                if len(worst) else "No successful replicate.")
    d = diffs[diffs["metric"] == PEAK]
    for p, g in d.groupby("pattern", sort=False):
        med, lo, hi = _q(g["difference"])
        share = float((g["difference"] > 0).mean())
        items.append(_item(f"Paired difference {p} - {ref} (same replicates)",
                           f"paired-{p}", repr(med),
                           f"median {med:+,.0f} buildings (5-95 %: {lo:+,.0f} to {hi:+,.0f});"
                           f" worse in {share:.0%} of {len(g)} paired replicates"))
    people = summary[summary["metric"] == "people_hours_without_heat"]
    if len(people):
        items.append(_item("People-hours without heat, median per pattern", "people-hours",
                           _per_pattern(people),
                           "; ".join(f"{r.pattern}: {r.median:,.0f}"
                                     for r in people.itertuples())))
    items.append(_item("Replicates", "replicates", n,
                       f"{n} per pattern; {failed} failed"))
    return {"headline": headline, "items": items,
            "notes": ["Patterns and their presets are illustrative [C]: read the "
                      "differences, not the levels, as the result."]}


def plan_box(summary: dict, ranking: pd.DataFrame, labels: dict[str, str]) -> dict:
    """The findings of a plan (``plan.json`` and the ranking table).

    Parameters
    ----------
    summary : dict
        ``plan.json``.
    ranking : pandas.DataFrame
        The ranking table (``variant, capital_cost, avoided_<metric>[, _p05, _p95]``).
    labels : dict
        Intervention id -> label.
    """
    m = summary["primary_metric"]
    best = summary.get("best_per_cost")
    base = summary["baseline_mean"].get(m)
    items = [_item(f"Baseline (no intervention), mean {m.replace('_', ' ')}",
                   "baseline", repr(float(base)), f"{base:,.0f} over {summary['nights']} nights")]
    if best is None:
        return {"headline": "No intervention was evaluated.", "items": items, "notes": []}
    name = labels.get(best["variant"], best["variant"])
    avoided = best[f"avoided_{m}"]
    row = ranking[ranking["variant"] == best["variant"]]
    rng = ""
    if len(row) and f"avoided_{m}_p05" in row:
        rng = (f" (5-95 % over nights: {row[f'avoided_{m}_p05'].iloc[0]:,.0f} to "
               f"{row[f'avoided_{m}_p95'].iloc[0]:,.0f})")
    items += [
        _item("Best per unit of cost", "best", best["variant"], f"{name} ({best['variant']})"),
        _item(f"It avoids (baseline - variant, {m.replace('_', ' ')})", "avoided",
              repr(float(avoided)), f"{avoided:,.0f}{rng}"),
        _item("Its capital cost", "cost", repr(float(best["capital_cost"])),
              f"{best['capital_cost']:,.0f}")]
    top = [f"{labels.get(v, v)}" for v in ranking["variant"].head(3)]
    items.append(_item("Top three per unit of cost", "top", "|".join(ranking["variant"].head(3)),
                       "; ".join(top)))
    return {"headline": f"Best per unit of cost: {name}, avoiding {avoided:,.0f} "
                        f"{m.replace('_', ' ')} (mean over {summary['nights']} nights).",
            "items": items, "notes": []}


def _hourly_peak(hourly: pd.DataFrame, names: dict, tz: str,
                 baseline_hourly: pd.DataFrame | None = None) -> dict:
    """Peak, its local time, the districts at it and the return of heat of an hourly
    ``time, district, buildings_without_heat[, people_without_heat]`` frame; heat returns
    when no more buildings are without heat than in ``baseline_hourly`` (the same frame of
    the baseline; None: no building)."""
    from gridmodel.report.findings import heat_return_index, local_minute

    total = hourly.groupby("time", sort=True)["buildings_without_heat"].sum()
    k = int(total.to_numpy().argmax())
    at = hourly[hourly["time"] == total.index[k]]
    base = (np.zeros(len(total)) if baseline_hourly is None else
            baseline_hourly.groupby("time", sort=True)["buildings_without_heat"].sum()
            .reindex(total.index, fill_value=0).to_numpy())
    ret = heat_return_index(total.to_numpy(), base)
    return {"peak": int(total.iloc[k]), "time": local_minute(total.index[k], tz),
            "districts": [names.get(str(r.district), str(r.district)) for r in
                          at.sort_values("buildings_without_heat", ascending=False)
                          .itertuples() if r.buildings_without_heat > 0],
            "returns": None if ret is None else local_minute(total.index[ret], tz),
            "end": int(total.iloc[-1]), "end_time": local_minute(total.index[-1], tz)}


def rank_box(top: pd.DataFrame, worst: dict | None, hourly: pd.DataFrame | None,
             baseline: dict, names: dict, tz: str,
             baseline_hourly: pd.DataFrame | None = None) -> dict:
    """The findings of a ranking.

    Parameters
    ----------
    top : pandas.DataFrame
        The merged ranking (``name, asset_ids, buildings_without_heat, path``...).
    worst : dict or None
        The worst set's row (``assets``, ``buildings_without_heat``...).
    hourly : pandas.DataFrame or None
        The worst set's hourly heat by district.
    baseline : dict
        ``criticality.json`` ``baseline``.
    names : dict
        District id -> name.
    tz : str
    baseline_hourly : pandas.DataFrame, optional
        The baseline's hourly heat by district: heat returns when the worst set has no
        more buildings without heat than it (None: than zero).
    """
    items = []
    if len(top):
        r = top.iloc[0]
        items += [
            _item("Most critical asset alone", "top-asset", r["asset_ids"], str(r["name"])),
            _item("It adds (buildings without heat at the peak)", "top-buildings",
                  repr(float(r["buildings_without_heat"])),
                  f"+{r['buildings_without_heat']:,.0f} buildings, "
                  f"+{r['people_without_heat']:,.0f} people"),
            _item("Why", "top-path", "", str(r["path"]))]
    if worst is not None and hourly is not None:
        h = _hourly_peak(hourly, names, tz, baseline_hourly)
        items += [
            _item(f"Worst set of {worst['k']}", "worst-set", worst["assets"],
                  str(worst.get("names") or worst["assets"])),
            _item("Its peak: buildings without heat", "peak-buildings", h["peak"],
                  f"{h['peak']:,} (baseline {baseline['buildings_without_heat']:,.0f})"),
            _item(f"When (local time, {tz})", "peak-time", h["time"], str(h["time"])),
            _item("Where (districts at the peak)", "districts", "|".join(h["districts"]),
                  ", ".join(h["districts"]) or "none"),
            _item("Heat returns", "heat-returns", h["returns"], h["returns"] or
                  f"not within the run: {h['end']:,} buildings still without heat at its "
                  f"end ({h['end_time']})")]
    head = "No candidate had an effect."
    if len(top):
        r = top.iloc[0]
        head = (f"Most critical alone: {r['name']} (+{r['buildings_without_heat']:,.0f} "
                "buildings without heat at the peak).")
    return {"headline": head, "items": items, "notes": []}


def path_text(path: dict | None) -> str:
    """One line: asset -> dark buses and shed -> heat sources and pumps -> zones
    (:meth:`gridmodel.studies.planning.criticality.Criticality.path`)."""
    if not path:
        return ""
    n = path["dark_buses"]
    dark = f"{n:,} more bus{'es' if n > 1 else ''} dark" if n else "no more buses dark"
    grid = f"{dark}, {path['mw_shed']:+,.0f} MW shed nationally at the peak-demand hour"
    heat = []
    if path["sources_down"]:
        heat.append("heat sources down: " + ", ".join(path["sources_down"]))
    if path["zones_unpumped"]:
        heat.append(f"pumping without power in {len(path['zones_unpumped'])} zone(s)")
    if not heat:
        return f"{grid} -> no heat source or pump lost"
    return (f"{grid} -> {'; '.join(heat)} -> {len(path['zones'])} zone(s), "
            f"{path['buildings']:,} buildings")


def merge_plant_heat(single: pd.DataFrame, sources: pd.DataFrame, paths: dict) -> pd.DataFrame:
    """The ranking with a CHP's plant and heat-source rows (``plant:x`` / ``heat:x`` of one
    asset, the source's ``power_asset``) shown once, at the better rank of the two.

    Returns
    -------
    pandas.DataFrame
        ``rank, name, asset_ids``, the score columns and ``path``
        (:func:`path_text`, for the assets :data:`paths` covers).
    """
    power = dict(zip(sources["source_id"].astype(str),
                     sources["power_asset"].fillna("").astype(str), strict=True)) \
        if "power_asset" in sources else {}
    key = single["asset_id"].astype(str).map(lambda a: power.get(a) or a)
    out = single.assign(_key=key.to_numpy())
    ids = out.groupby("_key", sort=False)["asset_id"].agg(lambda s: " + ".join(s.astype(str)))
    first = out.drop_duplicates("_key", keep="first").copy()
    first["asset_ids"] = first["_key"].map(ids).to_numpy()
    first["path"] = [path_text(paths.get(a)) for a in first["asset_id"]]
    cols = ["rank", "name", "path", "asset_ids", *[c for c in single.columns
                                                  if c not in ("rank", "asset_id", "name")]]
    return first[cols].reset_index(drop=True)
