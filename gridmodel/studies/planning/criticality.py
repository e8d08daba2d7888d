"""Criticality of assets for heat in homes: single-asset ranking and worst-case sets.

Method (``docs/planning.md``), for a scenario's network (status date), weather, start
and horizon:

1. **The chain per loss.** Every candidate set of lost assets runs through the one chain
   (:func:`gridmodel.pipeline.run_chain`): the lost grid assets are struck
   (``destroyed``) at ``start`` with ``repair_h = outage_h`` (no repair draws), the
   hourly timeline (fast DC engine, the scenario's ``[grid]`` parameters) gives every hour
   its own grid state and the rolling blackouts of the whole system, and lost heat assets
   (sources, pumping stations) are out for ``outage_h`` hours. Results are cached by the
   set of lost assets. (An earlier "demand levels" approximation is gone: one chain.)
2. **Metrics** come from the one row builder (:func:`gridmodel.metrics.row.outcome_row`).
3. **Score.** Against the no-loss baseline: peak buildings without heat, people at that
   peak, building-hours below 12 °C, MW shed at the heat layer's city loads and in the
   whole system at the peak-demand hour. Assets are ordered by these, in this order
   (lexicographic). The city's column is named after the layer (``<layer>_mw_shed``).
4. **Worst-case k-sets.** *Greedy*: start from nothing and add, k times, the candidate
   that makes the set's score largest. *Exact*: every k-subset of the greedy set plus the
   first ``exact_pool`` pool candidates (when there are at most ``max_exact`` subsets), so
   the exact answer is never worse than the greedy one. The pool lists one asset per
   distinct single-loss heat outcome first (assets that tie, e.g. by deepening the
   national deficit the same way, do not crowd out different ones), then the other
   assets with an effect by rank, up to ``pool``, filled up with grid assets of the heat
   layer's city and oblast so that pairs that only matter together (two lines into one node) can be
   found.

Candidates: every substation, line, transformer, plant and interconnector of the
registry, and every heat source with a zone and every pumping station of the heat
layer (buses, loads and shunts are covered by their substation).
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridmodel.errors import InputError, joined_messages

__all__ = ["CriticalityResult", "Criticality", "rank_assets", "run_rank"]

GRID_KINDS = ("substation", "line", "transformer", "plant", "interconnector")
#: the most critical assets whose path (:meth:`Criticality.path`) a ranking reports
PATHS_FOR = 8
SCORE = ("buildings_without_heat", "people_without_heat", "building_hours_below_12c",
         "city_mw_shed", "mw_shed")


@dataclass
class CriticalityResult:
    """Single-asset ranking and worst-case sets.

    Attributes
    ----------
    single : pandas.DataFrame
        One row per candidate: ``rank, asset_id, kind, name``, the :data:`SCORE`
        columns as increases over the baseline (buildings, people, building-h, MW) and
        ``warnings``: the :class:`~gridmodel.errors.ModelWarning` messages of its
        evaluation (one per line; "" when it was computed in full).
    worst_sets : pandas.DataFrame
        ``method`` (greedy / exact), ``k``, ``assets``, the score of the set and its
        ``warnings``.
    baseline : dict
        Baseline values (no loss) of the score quantities.
    meta : dict
        Peak-demand hour, outage hours, candidates, evaluations, timings.
    net : pandapowerNet or None
        The network at the status date (for maps).
    detail : dict or None
        :meth:`Criticality.detail` of the worst set (dark buses, hourly heat by district).
    building_stock : dict or None
        ``{district: buildings}`` of the heat layer.
    city : str or None
        The heat layer's city (``layer.toml`` ``[meta] city``).
    layer : gridmodel.heat.layer.HeatLayer or None
        The scenario's heat layer (names of districts and sources, time zone; the
        report's district map is its own: two cities may share district names).
    score_columns : list of str
        The score columns as named in outputs.
    paths : dict
        Asset id -> :meth:`Criticality.path` of the :data:`PATHS_FOR` most critical
        assets alone (what makes each critical, link by link).
    """

    single: pd.DataFrame
    worst_sets: pd.DataFrame
    baseline: dict
    meta: dict = field(default_factory=dict)
    net: object = None
    detail: dict | None = None
    building_stock: dict | None = None
    city: str | None = None
    layer: object = None
    score_columns: list = field(default_factory=lambda: list(SCORE))
    paths: dict = field(default_factory=dict)

    def top(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` most critical assets."""
        return self.single.head(n)


class Criticality:
    """Evaluator of lost-asset sets for one scenario (see the module docstring).

    Parameters
    ----------
    scenario : gridmodel.studies.scenario.Scenario
    outage_h : int, optional
        Hours the assets stay lost from the start (default: the scenario's horizon).
    hourly : bool
        Accepted for old callers; every evaluation is hourly (one chain).
    """

    def __init__(self, scenario, outage_h: int | None = None, hourly: bool = True) -> None:
        from gridmodel.outage.demand import demand_mw
        from gridmodel.pipeline import build_context
        from gridmodel.studies.scenario import ScenarioError

        sc = scenario
        self.scenario = sc
        self.ctx = build_context(sc, error=ScenarioError)
        self.net, self.layer = self.ctx.net, self.ctx.layer
        self.index, self.weather = self.ctx.index, self.ctx.weather
        self.compiled = self.ctx.compiled
        self.outage_h = int(sc.horizon_h if outage_h is None else outage_h)
        if not 0 < self.outage_h:
            msg = f"outage_h must be > 0 [h]; got {outage_h=}."
            raise InputError(msg)
        dem = demand_mw(self.net, self.index, temp_air=self.weather)
        self.peak_time = self.index[int(dem.sum(axis=1).to_numpy().argmax())]
        self.city = self.layer.city
        #: name of the city's MW column in outputs (from the layer, e.g. ``kyiv_mw_shed``)
        self.city_column = f"{self.layer.name}_mw_shed"
        self.heat_assets = sorted(
            set(self.layer.sources.loc[self.layer.sources["source_id"].isin(
                self.layer.zones["source_id"]), "source_id"])
            | set(self.layer.pumping["pump_id"]))
        self._cache: dict = {}
        #: sorted lost-asset tuple -> its evaluation's ModelWarning messages ("" for none)
        self.warned: dict[tuple[str, ...], str] = {}
        self._base_detail: dict | None = None
        self.n_grid_evals = 0
        self.n_heat_evals = 0

    @functools.cached_property
    def baseline(self) -> dict:
        """The no-loss scores, evaluated on first use (after the candidates are checked)."""
        return self._evaluate(())

    def _strikes(self, lost: tuple[str, ...]):
        """The lost grid assets as strikes: destroyed at the start, back after outage_h."""
        from gridmodel.strikes import resolve_strikes, strikes_from_records

        start = pd.Timestamp(self.scenario.start)
        records = [{"target": a, "time": start.isoformat(), "effect": "destroyed",
                    "repair_h": self.outage_h}
                   for a in lost if a not in self.heat_assets]
        return (resolve_strikes(self.net, strikes_from_records(records, "criticality"))
                if records else None)

    def _chain(self, lost: tuple[str, ...]):
        """The chain's result with ``lost`` out for ``outage_h`` hours."""
        from gridmodel.pipeline import run_chain

        res = run_chain(self.ctx, self._strikes(lost), self.scenario.seed, engine="fast",
                        ac=False, heat_assets_out={a: self.outage_h for a in lost
                                                   if a in self.heat_assets})
        self.n_grid_evals += res.timeline.n_engine_runs
        self.n_heat_evals += 1
        return res

    def _evaluate(self, lost: tuple[str, ...]) -> dict:
        from gridmodel.metrics.row import outcome_row

        hit = self._cache.get(lost)
        if hit is not None:
            return hit
        chain = self._chain(lost)
        row = outcome_row(chain, self.ctx, at=self.peak_time)
        self.warned[lost] = joined_messages(chain.model_warnings)
        out = {"buildings_without_heat": float(row["buildings_without_heat_peak"]),
               "people_without_heat": float(row["people_without_heat_peak"]),
               "building_hours_below_12c": float(row["building_hours_below_12c"]),
               "people_hours_without_heat": float(row["people_hours_without_heat"]),
               "city_mw_shed": row["city_mw_shed_at"], "mw_shed": row["mw_shed_at"]}
        self._cache[lost] = out
        return out

    def score(self, lost) -> dict:
        """Increase over the baseline of every score quantity for a set of lost assets."""
        v = self._evaluate(tuple(sorted(lost)))
        return {k: v[k] - self.baseline[k] for k in v}

    def named(self, values: dict) -> dict:
        """Score values with the city's column named after the layer (for outputs)."""
        return {(self.city_column if k == "city_mw_shed" else k): v for k, v in values.items()}

    def detail(self, lost) -> dict:
        """Map inputs for a set of lost assets.

        Returns
        -------
        dict
            ``dark_buses`` (bus ids dead or in unsupplied islands at the peak-demand
            hour), ``heat_hourly`` (``time, district, buildings_without_heat,
            people_without_heat``), ``mw_shed`` (national, at that hour),
            ``sources_down`` (heat source ids below full capacity at some hour) and
            ``zones_unpumped`` (zone ids whose pumping stops at some hour).
        """
        from gridmodel.outage.fast import evaluate
        from gridmodel.outage.islands import energised_buses
        from gridmodel.outage.timeline import state_timeline

        lost = tuple(sorted(lost))
        res = self._chain(lost)
        loads = res.timeline.loads
        at = loads[(loads["time"] == self.peak_time).to_numpy()]
        # the timeline's own asset state at the peak hour (strikes, repairs and the rules
        # that follow from them, e.g. nuclear trips), on the grid's assets
        k = self.index.get_loc(self.peak_time)
        state = state_timeline(res.timeline.assets, self.index[k:k + 1],
                               float(res.timeline.meta["step_h"]))[0]
        known = set(self.net.registry["asset_id"])
        grid_lost = {a: f for a, f in state.items() if a in known}
        demand = pd.Series(at["demand_mw"].to_numpy(), index=at["load_id"].to_numpy())
        ev = evaluate(self.compiled, grid_lost, demand_mw=demand,
                      max_cascade_rounds=self.scenario.grid.max_cascade_rounds)
        lab = ev.bus_island
        energ = energised_buses(lab, ev.balance.energised)
        dark = sorted(str(b) for b in self.compiled.model.bus_name[~energ])
        cap, pump = res.availability.source_capacity, res.availability.pumping
        return {"dark_buses": dark, "heat_hourly": self._heat_hourly(res.heat),
                "mw_shed": float(at["shed_mw"].sum()),
                "sources_down": [str(c) for c in cap.columns[(cap.to_numpy() < 1.0)
                                                             .any(axis=0)]],
                "zones_unpumped": [str(c) for c in pump.columns[~pump.to_numpy(bool)
                                                                .all(axis=0)]]}

    def baseline_detail(self) -> dict:
        """:meth:`detail` of the no-loss baseline (computed once)."""
        if self._base_detail is None:
            self._base_detail = self.detail(())
        return self._base_detail

    def path(self, lost) -> dict:
        """What makes a set of lost assets critical, link by link, beyond the no-loss
        baseline: ``dark_buses`` (buses dark at the peak-demand hour that are not in the
        baseline), ``mw_shed`` (national, the increase there), ``sources_down`` (names of
        heat sources below full capacity at some hour) and ``zones_unpumped`` (zones whose
        pumping stops at some hour), the ``zones`` they serve and those zones'
        ``buildings``."""
        d, base = self.detail(lost), self.baseline_detail()
        down = [x for x in d["sources_down"] if x not in base["sources_down"]]
        unpumped = [x for x in d["zones_unpumped"] if x not in base["zones_unpumped"]]
        z = self.layer.zones
        hit = z[z["source_id"].isin(down) | z["zone_id"].isin(unpumped)]
        src = self.layer.sources.set_index("source_id")["name"].astype(str)
        return {"dark_buses": len(set(d["dark_buses"]) - set(base["dark_buses"])),
                "mw_shed": d["mw_shed"] - base["mw_shed"],
                "sources_down": [src.get(x, x) for x in down], "zones_unpumped": unpumped,
                "zones": hit["zone_id"].astype(str).tolist(),
                "buildings": int(hit["buildings"].sum())}

    def _heat_hourly(self, heat) -> pd.DataFrame:
        """Buildings and people without heat per district and hour."""
        b = self.layer.buildings
        wh = np.asarray(heat.without_heat)
        dist = b["district"].to_numpy()
        resid = b["residents"].to_numpy(float)
        rows = []
        for d in sorted(set(dist)):
            m = dist == d
            rows.append(pd.DataFrame({"time": self.index, "district": d,
                                      "buildings_without_heat": wh[:, m].sum(axis=1),
                                      "people_without_heat": wh[:, m] @ resid[m]}))
        return pd.concat(rows, ignore_index=True)

    @staticmethod
    def key(s: dict) -> tuple:
        """Lexicographic ordering key (larger = more critical)."""
        return tuple(round(s[k], 6) for k in SCORE)

    def candidates(self) -> pd.DataFrame:
        """Candidate assets: ``asset_id, kind, name, oblast``."""
        reg = self.net.registry
        grid = reg.loc[reg["kind"].isin(GRID_KINDS), ["asset_id", "kind", "name", "oblast"]]
        src = self.layer.sources.set_index("source_id")
        pumps = set(self.layer.pumping["pump_id"])
        heat = pd.DataFrame({
            "asset_id": self.heat_assets,
            "kind": ["pumping" if a in pumps else "heat_source" for a in self.heat_assets],
            "name": [str(src.loc[a, "name"]) if a in src.index else a
                     for a in self.heat_assets],
            "oblast": self.city})
        return pd.concat([grid, heat], ignore_index=True)


def rank_assets(scenario, *, outage_h: int | None = None, k: int = 3, pool: int = 30,
                exact_pool: int = 14, max_exact: int = 500, candidates=None,
                hourly: bool = True, progress: bool = False) -> CriticalityResult:
    """Rank assets by the heat lost if each alone is lost; find worst-case k-sets.

    Parameters
    ----------
    scenario : Scenario
        Network, status date, weather, start and horizon.
    outage_h : int, optional
        Loss duration from the start [h]; default the horizon.
    k : int
        Size of the worst-case sets (>= 1).
    pool : int
        Candidates for the greedy search.
    exact_pool : int
        Candidates for the exact search (every k-subset).
    max_exact : int
        Largest number of k-subsets the exact search may evaluate; above it only the
        greedy result is reported.
    candidates : list of str, optional
        Restrict the single-asset ranking to these asset ids.
    hourly : bool
        Accepted for old callers (every evaluation runs the hourly chain).
    progress : bool

    Returns
    -------
    CriticalityResult
        Score columns named as in outputs (the city's ``<layer>_mw_shed``).
    """
    if not isinstance(k, int) or k < 1:
        msg = f"k must be a whole number >= 1; got {k=}."
        raise InputError(msg)
    t0 = time.perf_counter()
    crit = Criticality(scenario, outage_h=outage_h)
    cand = _candidates(crit, candidates)
    t1 = time.perf_counter()
    single = _single_ranking(crit, cand, progress)
    t2 = time.perf_counter()
    pool_ids = _set_pool(crit, single, pool)
    sets = _worst_sets(crit, pool_ids, k, exact_pool, max_exact)
    t3 = time.perf_counter()
    worst = pd.DataFrame([{**s, **crit.named(v), "warnings": crit.warned[lost]}
                          for s, lost, v in sets])
    meta = {"mode": "hourly", "peak_demand_time": crit.peak_time.isoformat(),
            "outage_h": crit.outage_h, "demand_levels": None,
            "horizon_h": int(scenario.horizon_h), "candidates": int(len(cand)),
            "pool": pool_ids, "grid_evaluations": crit.n_grid_evals,
            "heat_evaluations": crit.n_heat_evals,
            "evaluations_with_model_warnings": sum(w != "" for w in crit.warned.values()),
            "timings_s": {"startup": round(t1 - t0, 2), "single": round(t2 - t1, 2),
                          "sets": round(t3 - t2, 2)}}
    res = CriticalityResult(single=single.rename(columns={"city_mw_shed": crit.city_column}),
                            worst_sets=worst, baseline=crit.named(dict(crit.baseline)),
                            meta=meta)
    res.net = crit.net
    res.city = crit.city
    res.layer = crit.layer
    res.score_columns = [crit.city_column if c == "city_mw_shed" else c for c in SCORE]
    res.building_stock = crit.layer.buildings["district"].value_counts().to_dict()
    res.detail = crit.detail(worst["assets"].iloc[-1].split(", ")) if len(worst) else None
    if res.detail is not None:  # the return of heat is judged against the baseline
        res.detail["baseline_heat_hourly"] = crit.baseline_detail()["heat_hourly"]
    res.paths = {a: crit.path((a,)) for a in single["asset_id"].head(PATHS_FOR)}
    return res


def _candidates(crit: Criticality, candidates) -> pd.DataFrame:
    """Every candidate asset, or the ones named (unknown names are an error)."""
    cand = crit.candidates()
    if candidates is None:
        return cand
    want = set(candidates)
    unknown = sorted(want - set(cand["asset_id"]))
    if unknown:
        from gridmodel.network.registry import suggest

        hints = {u: suggest(crit.net.registry, u) for u in unknown}
        selectors = [u for u in unknown if "=" in u]
        extra = (f" {selectors} look like selectors: --asset takes asset ids, one per "
                 "option (`gridmodel network assets --kind ...` lists them)." if selectors
                 else " --asset takes asset ids (the part in brackets of a registry name).")
        msg = f"unknown candidate asset(s): {hints} (name: closest registry names).{extra}"
        raise InputError(msg)
    return cand[cand["asset_id"].isin(want)]


def _single_ranking(crit: Criticality, cand: pd.DataFrame, progress: bool) -> pd.DataFrame:
    """Each candidate's score alone, ranked lexicographically (ties by asset id)."""
    it = cand.itertuples(index=False)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, total=len(cand), desc="assets", unit="asset", disable=None)
    rows = [{"asset_id": r.asset_id, "kind": r.kind, "name": r.name, "oblast": r.oblast,
             **crit.score((r.asset_id,)), "warnings": crit.warned[(r.asset_id,)]}
            for r in it]
    single = pd.DataFrame(rows)
    single["_key"] = [crit.key(s) for s in single[list(SCORE)].to_dict("records")]
    single = single.sort_values(["_key", "asset_id"], ascending=[False, True],
                                kind="mergesort").drop(columns="_key").reset_index(drop=True)
    single.insert(0, "rank", np.arange(1, len(single) + 1))
    return single


def _set_pool(crit: Criticality, single: pd.DataFrame, pool: int) -> list[str]:
    """Candidates of the set search: one asset per distinct heat outcome first (so that
    assets tied by the same outcome do not crowd out different ones), then the rest by
    rank, then grid assets of the heat layer's city and oblast."""
    effect = single[(single[list(SCORE)].abs() > 1e-9).any(axis=1)]
    heat_cols = ["buildings_without_heat", "people_without_heat", "building_hours_below_12c"]
    first = ~effect[heat_cols].round(3).duplicated(keep="first")
    ordered = effect.loc[first, "asset_id"].tolist() + effect.loc[~first, "asset_id"].tolist()
    pool_ids = ordered[:pool]
    local = single[single["oblast"].astype(str).str.contains(crit.city, case=False)
                   & single["kind"].isin(GRID_KINDS)]["asset_id"]
    for a in local:
        if len(pool_ids) >= pool:
            break
        if a not in pool_ids:
            pool_ids.append(a)
    return pool_ids


def _worst_sets(crit: Criticality, pool_ids: list[str], k: int, exact_pool: int,
                max_exact: int) -> list[tuple[dict, tuple, dict]]:
    """Greedy and (when small enough) exact worst k-sets: ``(description, lost, score)``,
    ``lost`` the sorted asset ids (the key of the evaluation's cache and warnings)."""
    sets = []
    chosen: list[str] = []
    best = None
    for _step in range(min(k, len(pool_ids))):
        best = None
        for c in pool_ids:
            if c in chosen:
                continue
            s = crit.score((*chosen, c))
            if best is None or crit.key(s) > crit.key(best[1]):
                best = (c, s)
        chosen.append(best[0])
    if best is not None:
        sets.append(({"method": "greedy", "k": len(chosen), "assets": ", ".join(chosen)},
                     tuple(sorted(chosen)), best[1]))
    ex_ids = list(dict.fromkeys(chosen + pool_ids))[:max(exact_pool, len(chosen))]
    n_comb = math.comb(len(ex_ids), k) if len(ex_ids) >= k else 0
    if 0 < n_comb <= max_exact:
        bx = None
        for combo in itertools.combinations(ex_ids, k):
            s = crit.score(combo)
            if bx is None or crit.key(s) > crit.key(bx[1]):
                bx = (combo, s)
        sets.append(({"method": f"exact (all {n_comb} {k}-sets of {len(ex_ids)} candidates)",
                      "k": k, "assets": ", ".join(bx[0])}, tuple(sorted(bx[0])), bx[1]))
    return sets


def run_rank(scenario_path, out, *, outage_h: int | None = None, k: int = 3, top: int = 20,
             pool: int = 30, exact_pool: int = 14, force: bool = False,
             progress: bool = True, candidates=None,
             horizon_h: int | None = None, hourly: bool = True) -> CriticalityResult:
    """``gridmodel rank``: rank assets for a scenario and write ``ranking.csv``,
    ``worst_sets.csv``, ``criticality.json``, ``criticality.png`` and ``report.html``.

    Parameters
    ----------
    scenario_path : path
    out : path
        Output folder; never replaced without ``force``.
    outage_h, k, pool, exact_pool, candidates, hourly
        See :func:`rank_assets`.
    horizon_h : int, optional
        Shorter horizon than the scenario's [h].
    top : int
        Assets shown in the report and the plot.
    force : bool
    progress : bool

    Returns
    -------
    CriticalityResult
    """
    from gridmodel._io.outdir import output_folder
    from gridmodel.studies.scenario import load_scenario, run_inputs

    sc = load_scenario(scenario_path)
    horizon_h = sc.checked_horizon(horizon_h)
    if horizon_h is not None:
        sc = sc.model_copy(update={"horizon_h": horizon_h})
    # checked before any model work, written aside, swapped into place when complete
    with output_folder(out, force=force, inputs=run_inputs(sc), command="rank",
                       summary="criticality.json") as tmp:
        res = rank_assets(sc, outage_h=outage_h, k=k, pool=pool, exact_pool=exact_pool,
                          candidates=candidates, progress=progress)
        _write_rank(res, sc, tmp, k, top)
    return res


def _write_rank(res: CriticalityResult, sc, out, k: int, top: int) -> None:
    """The files of :func:`run_rank` in ``out``."""
    from gridmodel._io.jsonio import write_json

    res.single.to_csv(out / "ranking.csv", index=False)
    res.worst_sets.to_csv(out / "worst_sets.csv", index=False)
    findings = _rank_findings(res)
    box = findings[2]
    summary = {"scenario": sc.name, "status_date": sc.status_date.isoformat(),
               "baseline": res.baseline, **res.meta,
               "top": res.top(top)[["rank", "asset_id", *res.score_columns]].to_dict("records"),
               "worst_sets": res.worst_sets.to_dict("records"),
               # what report.html's findings box states, by item key
               "findings": {"headline": box["headline"],
                            **{i["key"]: i["value"] for i in box["items"]}}}
    write_json(summary, out / "criticality.json")
    _plot(res, out / "criticality.png", top)
    _write_rank_report(res, sc, out, k, top, findings)


def _rank_findings(res: CriticalityResult):
    """The report's merged ranking, the worst sets with names, and the findings box."""
    from gridmodel.report.findings import district_names, layer_tz
    from gridmodel.report.study_findings import merge_plant_heat, rank_box

    merged = merge_plant_heat(res.single, res.layer.sources, res.paths)
    names = dict(zip(res.single["asset_id"], res.single["name"].astype(str), strict=True))
    worst = res.worst_sets.copy()
    if len(worst):
        worst.insert(3, "names", [", ".join(names.get(a, a) for a in s.split(", "))
                                  for s in worst["assets"]])
    hourly = res.detail["heat_hourly"] if res.detail else None
    tz = layer_tz(res.layer, pd.DatetimeIndex(hourly["time"]) if hourly is not None else None)
    box = rank_box(merged, worst.iloc[-1].to_dict() if len(worst) else None, hourly,
                   res.baseline, district_names(res.layer), tz,
                   baseline_hourly=res.detail.get("baseline_heat_hourly")
                   if res.detail else None)
    return merged, worst, box


def _write_rank_report(res: CriticalityResult, sc, out, k: int, top: int,
                       findings: tuple) -> None:
    """The ranking's report.html: key findings (``findings``: :func:`_rank_findings`), top
    assets (a CHP's plant and heat-source rows once, with the path that makes each
    critical), the city's assets, worst sets, map."""
    from gridmodel.report.html import write_report

    city = res.city
    worst_assets = res.worst_sets["assets"].iloc[-1].split(", ") if len(res.worst_sets) \
        else []
    merged, worst, box = findings
    local = merged[merged["oblast"].astype(str).str.contains(city, case=False)]
    write_report(
        out, title=f"Criticality for heat: {sc.name}", scenario=sc,
        summary={"baseline (no loss)": res.baseline,
                 "peak_demand_time": res.meta["peak_demand_time"],
                 "outage_h": res.meta["outage_h"], "candidates": res.meta["candidates"],
                 "evaluations": {"grid": res.meta["grid_evaluations"],
                                 "heat": res.meta["heat_evaluations"]},
                 "timings_s": res.meta["timings_s"]},
        figures=[(f"Top {top} assets: buildings without heat if lost alone",
                  out / "criticality.png")],
        findings=box,
        tables={f"Top {top} assets for {city} heat (increase over the baseline; a CHP's "
                "plant and heat source once)": merged.head(top),
                f"Top {top} among {city} city / oblast grid assets and heat-layer assets":
                local.head(top),
                f"Worst-case sets of k = {k}": worst},
        network=res.net, struck_assets=worst_assets,
        dark_buses=res.detail["dark_buses"] if res.detail else None,
        heat_frames=res.detail["heat_hourly"] if res.detail else None,
        building_stock=res.building_stock, heat_layer=res.layer,
        illustrative=[f"{city} heat layer: building registry, zones and rule parameters "
                      "(its assumptions.toml) are [C]"],
        provenance={"scenario_file": str(sc.path), "network": sc.network,
                    "weather": sc.weather, "seed": sc.seed, "method": _METHOD},
        notes=["Each asset is removed alone (remaining fraction 0) from the start of the "
               "scenario for the outage duration; the figures are increases over the "
               "no-loss baseline at the status date. The map shows the worst-case set: "
               "struck (red), buses dark at the peak-demand hour, and the city's buildings "
               f"without heat hour by hour ({city})."])


_METHOD = ("hourly: the grid timeline of the one chain (gridmodel.pipeline.run_chain; fast "
           "DC engine, every hour, lost assets destroyed at the start and repaired after "
           "outage_h) and its heat chain; greedy and exact k-set search")


def _plot(res: CriticalityResult, path, top: int) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    t = res.top(top)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(t) + 1.5))
    y = np.arange(len(t))[::-1]
    ax.barh(y, t["buildings_without_heat"], color="#d62828")
    ax.set_yticks(y, [f"{n} ({a})" for n, a in zip(t["name"], t["asset_id"], strict=True)],
                  fontsize=8)
    ax.set_xlabel("buildings without heat at the peak if lost alone [buildings]")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
