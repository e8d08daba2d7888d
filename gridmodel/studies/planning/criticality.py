"""Criticality of assets for heat in homes: single-asset ranking and worst-case sets.

Method (``docs/planning.md``), for a scenario's network (status date), weather, start
and horizon:

1. **Grid state per loss.** The network is compiled once for the fast DC engine
   (:mod:`gridmodel.outage.fast`). The horizon's hours are split into ``n_levels`` demand
   levels (quantiles of total demand); each level is represented by its highest-demand
   hour (conservative within the level for the demand, though not always for the heat:
   the rolling-blackout rotation differs from the hourly one, see ``docs/planning.md``),
   so a candidate set of lost assets costs ``n_levels`` engine calls and every hour takes
   the state of its level.
2. **Heat.** The loss lasts ``outage_h`` hours from ``start`` (default the whole
   horizon, i.e. not repaired within it); afterwards the baseline state returns. The
   heat layer's nodes get power from the engine's energised flags and heat_water
   service, a lost plant or heat asset has remaining fraction 0, residential shedding at
   the Kyiv district nodes becomes rolling blackouts (:mod:`gridmodel.outage.blackouts`),
   and the heat availability, draining, crew-limited restart and thermal chain of
   :func:`gridmodel.studies.scenario.run` gives buildings and people without heat. Losses that
   leave the heat inputs unchanged share one heat evaluation (cached by signature).

   **Hourly mode** (``hourly=True``) replaces steps 1-2 by the chain of
   :func:`gridmodel.studies.scenario.run` itself: the lost grid assets are struck
   (``destroyed``) at ``start`` with ``repair_h = outage_h`` (no repair draws), the
   hourly timeline (:func:`gridmodel.outage.timeline.simulate_outages`, fast DC engine,
   the scenario's ``[grid]`` parameters) gives every hour its own grid state and the
   rolling blackouts of the whole system, and :func:`gridmodel.pipeline.heat_inputs`
   feeds the heat chain; lost heat assets have remaining fraction 0 for ``outage_h``
   hours as in the level mode. Results are cached by the set of lost assets.
3. **Score.** Against the no-loss baseline: peak buildings without heat, people at that
   peak, building-hours below 12 °C, MW shed in Kyiv and in the whole system at the
   peak-demand hour (the top level; in the hourly mode the timeline's shed at that hour).
   Assets are ordered by these, in this order (lexicographic).
4. **Worst-case k-sets.** *Greedy*: start from nothing and add, k times, the candidate
   that makes the set's score largest. *Exact*: every k-subset of the greedy set plus the
   first ``exact_pool`` pool candidates (when there are at most ``max_exact`` subsets), so
   the exact answer is never worse than the greedy one. The pool lists one asset per
   distinct single-loss heat outcome first (assets that tie, e.g. by deepening the
   national deficit the same way, do not crowd out different ones), then the other
   assets with an effect by rank, up to ``pool``, filled up with grid assets of Kyiv city
   and oblast so that pairs that only matter together (two lines into one node) can be
   found.

Candidates: every substation, line, transformer, plant and interconnector of the
registry, and every heat source with a zone and every pumping station of the heat
layer (buses, loads and shunts are covered by their substation).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridmodel.errors import InputError

__all__ = ["CriticalityResult", "Criticality", "rank_assets", "run_rank"]

GRID_KINDS = ("substation", "line", "transformer", "plant", "interconnector")
SCORE = ("buildings_without_heat", "people_without_heat", "building_hours_below_12c",
         "kyiv_mw_shed", "mw_shed")


@dataclass
class CriticalityResult:
    """Single-asset ranking and worst-case sets.

    Attributes
    ----------
    single : pandas.DataFrame
        One row per candidate: ``rank, asset_id, kind, name`` and the :data:`SCORE`
        columns as increases over the baseline (buildings, people, building-h, MW).
    worst_sets : pandas.DataFrame
        ``method`` (greedy / exact), ``k``, ``assets`` and the score of the set.
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
    """

    single: pd.DataFrame
    worst_sets: pd.DataFrame
    baseline: dict
    meta: dict = field(default_factory=dict)
    net: object = None
    detail: dict | None = None
    building_stock: dict | None = None

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
    n_levels : int
        Demand levels of the horizon (engine calls per candidate set; level mode).
    hourly : bool
        Exact hourly mode: one grid timeline per candidate set (module docstring).
    """

    def __init__(self, scenario, outage_h: int | None = None, n_levels: int = 6,
                 hourly: bool = False) -> None:
        from gridmodel.heat.grid import bus_of_substation
        from gridmodel.outage.blackouts import supply_areas
        from gridmodel.outage.demand import demand_mw
        from gridmodel.outage.fast import compile_network
        from gridmodel.studies.scenario import load_inputs

        sc = scenario
        self.scenario = sc
        inputs = load_inputs(sc)
        self.net, self.layer = inputs.net, inputs.layer
        self.temp, self.index, self.weather = inputs.temp, inputs.index, inputs.weather
        index, weather = inputs.index, inputs.weather
        self.hourly = bool(hourly)
        self.outage_h = int(sc.horizon_h if outage_h is None else outage_h)
        if not 0 < self.outage_h:
            msg = f"outage_h must be > 0 [h]; got {outage_h=}."
            raise InputError(msg)
        self.compiled = compile_network(self.net, lowrank=True)
        model = self.compiled.model
        dem = demand_mw(self.net, index, temp_air=weather)
        total = dem.sum(axis=1).to_numpy()
        k_peak = int(total.argmax())
        self.peak_time = index[k_peak]
        self.demand_peak = dem.iloc[k_peak]
        self.demand = dem
        # demand levels: quantile bins of total demand; each represented by its max hour
        n_levels = max(1, min(int(n_levels), len(index)))
        edges = np.quantile(total, np.linspace(0, 1, n_levels + 1)[1:-1])
        level = np.searchsorted(edges, total, side="left")
        reps = []
        for lv in np.unique(level):
            hours = np.flatnonzero(level == lv)
            reps.append(int(hours[total[hours].argmax()]))
        remap = {lv: i for i, lv in enumerate(np.unique(level))}
        self.level_of_hour = np.array([remap[v] for v in level])
        self.level_demand = [dem.iloc[h] for h in reps]
        self.top_level = int(self.level_of_hour[k_peak])
        reg = self.net.registry.set_index("asset_id")
        b_of_s = bus_of_substation(self.net.registry)
        node_of_load = pd.Series(model.load_id).map(reg["substation"]).map(b_of_s)
        self.load_node = node_of_load.to_numpy(dtype=object)
        areas = supply_areas(self.net)
        self.areas = areas
        lid = pd.Series(model.load_id)
        self.kyiv_load = lid.map(areas).astype(str).str.startswith("sub:kyiv-").to_numpy()
        self.kyiv_load_ids = frozenset(model.load_id[self.kyiv_load].tolist())
        nodes = set(self.layer.pumping["grid_node"]) | {
            a for a in self.layer.sources["power_asset"] if a.startswith("bus:")}
        self.nodes = sorted(nodes)
        self.node_loads = np.isin(self.load_node, self.nodes) | self.kyiv_load
        self.min_served = float(self.layer.param("power", "heat_water_served_min"))
        self.heat_assets = sorted(
            set(self.layer.sources.loc[self.layer.sources["source_id"].isin(
                self.layer.zones["source_id"]), "source_id"])
            | set(self.layer.pumping["pump_id"]))
        self.plant_assets = sorted(a for a in self.layer.sources["power_asset"]
                                   if a.startswith("plant:"))
        self._heat_cache: dict = {}
        self._hourly_cache: dict = {}
        self.n_grid_evals = 0
        self.n_heat_evals = 0
        self.baseline = self._evaluate(())

    # ------------------------------------------------------------------ pieces
    def _grid(self, lost: tuple[str, ...]) -> list:
        """One engine evaluation per demand level."""
        from gridmodel.outage.fast import evaluate

        grid_lost = {a: 0.0 for a in lost if not a.startswith(("heat:", "pump:"))}
        self.n_grid_evals += len(self.level_demand)
        rounds = self.scenario.grid.max_cascade_rounds
        return [evaluate(self.compiled, grid_lost, demand_mw=d, max_cascade_rounds=rounds)
                for d in self.level_demand]

    def _load_state(self, ev) -> tuple[np.ndarray, np.ndarray]:
        """Energised flag and served share of the heat-relevant loads."""
        m = self.node_loads
        dem = ev.state.load_demand_mw[m]
        share = np.where(dem > 0, ev.balance.served_mw[m] / np.where(dem > 0, dem, 1), 1.0)
        island = np.where(ev.state.load_alive, ev.bus_island[self.compiled.model.load_bus],
                          -1)[m]
        energ = (island >= 0) & ev.balance.energised[np.maximum(island, 0)]
        return energ, share

    def _signature(self, evs, lost) -> tuple:
        parts = []
        for ev in evs:
            energ, share = self._load_state(ev)
            parts.append((tuple(energ.tolist()), tuple(np.round(share, 3).tolist())))
        out = tuple(sorted(a for a in lost if a in self.heat_assets
                           or a in self.plant_assets))
        return (tuple(parts), out)

    def _heat(self, evs, lost, raw: bool = False) -> dict:
        from gridmodel.heat.grid import building_power
        from gridmodel.outage.blackouts import rolling_blackouts
        from gridmodel.studies.planning.evaluate import _heat_from_inputs

        sig = self._signature(evs, lost)
        hit = self._heat_cache.get(sig)
        if hit is not None and not raw:
            return hit
        self.n_heat_evals += 1
        model = self.compiled.model
        layer = self.layer
        idx = self.index
        n_t = len(idx)
        during = np.arange(n_t) < self.outage_h
        base = getattr(self, "_base_ev", None) or evs
        # asset availability
        out_assets = set(sig[1])
        cols = sorted(out_assets)
        aa = pd.DataFrame(1.0, index=idx, columns=pd.Index(cols, name="asset_id"))
        for a in cols:
            aa.loc[during, a] = 0.0
        # per-load state during and after the outage
        m = np.flatnonzero(self.node_loads)
        lv = self.level_of_hour
        st_d = [self._load_state(e) for e in evs]
        st_b = [self._load_state(e) for e in base]
        en_d = np.array([x[0] for x in st_d])[lv]
        sh_d = np.array([x[1] for x in st_d])[lv]
        en_b = np.array([x[0] for x in st_b])[lv]
        sh_b = np.array([x[1] for x in st_b])[lv]
        energ = np.where(during[:, None], en_d, en_b)
        share = np.where(during[:, None], sh_d, sh_b)
        ids = model.load_id[m]
        cls = model.load_class[m]
        nodes = self.load_node[m]
        # node power: energised and heat_water served >= min share
        npow = pd.DataFrame(True, index=idx, columns=pd.Index(self.nodes, name="grid_node"))
        for nd in self.nodes:
            sel = nodes == nd
            if not sel.any():
                continue
            ok = energ[:, sel].any(axis=1)
            hw = sel & (cls == "heat_water")
            if hw.any():
                ok &= share[:, hw].min(axis=1) >= self.min_served
            npow[nd] = ok
        # rolling blackouts at the Kyiv district areas
        kyiv = self.kyiv_load[m]
        dem_h = self.demand[list(ids[kyiv])].to_numpy()
        shed_h = dem_h * (1.0 - share[:, kyiv])
        kyiv_ids = ids[kyiv]
        frame = pd.DataFrame({
            "time": np.repeat(idx.tz_convert("UTC"), len(kyiv_ids)),
            "load_id": np.tile(kyiv_ids, n_t),
            "oblast": np.tile(model.load_oblast[m][kyiv], n_t),
            "priority_class": np.tile(cls[kyiv], n_t),
            "demand_mw": dem_h.ravel(), "served_mw": (dem_h - shed_h).ravel(),
            "shed_mw": shed_h.ravel(), "energised": energ[:, kyiv].ravel()})
        g = self.scenario.grid
        sched = rolling_blackouts(frame, self.areas, n_queues=g.n_queues, block_h=g.block_h)
        tall = layer.buildings[layer.buildings["floors"] > int(layer.param("power",
                                                                            "tall_floors"))]
        nq = sorted(set(zip(tall["grid_node"], tall["queue"].astype(int), strict=True)))
        bpow = building_power(sched.schedule, self.net.registry, idx, nq)
        res = _heat_from_inputs(layer, self.temp, aa, npow, bpow)
        out = {k: res[k] for k in ("buildings_without_heat_peak", "people_without_heat_peak",
                                   "building_hours_below_12c", "people_hours_without_heat")}
        self._heat_cache[sig] = out
        if raw:
            return res
        return out

    def _timeline(self, lost: tuple[str, ...]):
        """Hourly grid timeline with the lost grid assets destroyed for ``outage_h``."""
        from gridmodel.outage.timeline import simulate_outages
        from gridmodel.strikes import resolve_strikes, strikes_from_records

        sc = self.scenario
        start = pd.Timestamp(sc.start)
        records = [{"target": a, "time": start.isoformat(), "effect": "destroyed",
                    "repair_h": self.outage_h}
                   for a in lost if not a.startswith(("heat:", "pump:"))]
        strikes = (resolve_strikes(self.net, strikes_from_records(records, "criticality"))
                   if records else None)
        g = sc.grid
        tl = simulate_outages(self.net, strikes, start=start, horizon_h=float(sc.horizon_h),
                              temp_air=self.weather, seed=sc.seed, engine="fast", ac=False,
                              n_queues=g.n_queues, block_h=g.block_h,
                              demand_step=g.demand_step,
                              max_cascade_rounds=g.max_cascade_rounds,
                              engine_kwargs={"compiled": self.compiled})
        self.n_grid_evals += tl.n_engine_runs
        return tl

    def _heat_hourly(self, tl, lost: tuple[str, ...]) -> dict:
        """Heat chain of :func:`gridmodel.studies.scenario.run` after a timeline; lost heat assets
        have remaining fraction 0 for ``outage_h`` hours."""
        from gridmodel.pipeline import heat_inputs
        from gridmodel.studies.planning.evaluate import _heat_from_inputs

        self.n_heat_evals += 1
        hi = heat_inputs(self.layer, self.net, tl, self.index)
        aa = hi.asset_available
        out = [a for a in lost if a in self.heat_assets]
        if out:
            aa = aa.copy()
            aa.loc[np.arange(len(self.index)) < self.outage_h, out] = 0.0
        return _heat_from_inputs(self.layer, self.temp, aa, hi.node_power, hi.building_power)

    def _peak_loads(self, tl) -> pd.DataFrame:
        """The timeline's load rows at the peak-demand hour."""
        loads = tl.loads
        return loads[(loads["time"] == self.peak_time).to_numpy()]

    def _evaluate_hourly(self, lost: tuple[str, ...]) -> dict:
        hit = self._hourly_cache.get(lost)
        if hit is not None:
            return hit
        tl = self._timeline(lost)
        h = self._heat_hourly(tl, lost)
        at = self._peak_loads(tl)
        out = _values(h, at["shed_mw"].to_numpy(),
                      at["load_id"].isin(self.kyiv_load_ids).to_numpy())
        self._hourly_cache[lost] = out
        return out

    def _evaluate(self, lost: tuple[str, ...]) -> dict:
        if self.hourly:
            return self._evaluate_hourly(lost)
        evs = self._grid(lost)
        if not lost:
            self._base_ev = evs
        h = self._heat(evs, lost)
        return _values(h, evs[self.top_level].balance.shed_mw, self.kyiv_load)

    def score(self, lost) -> dict:
        """Increase over the baseline of every score quantity for a set of lost assets."""
        v = self._evaluate(tuple(sorted(lost)))
        return {k: v[k] - self.baseline[k] for k in v}

    def detail(self, lost) -> dict:
        """Map inputs for a set of lost assets.

        Returns
        -------
        dict
            ``dark_buses`` (bus ids dead or in unsupplied islands at the peak-demand
            hour) and ``heat_hourly`` (``time, district, buildings_without_heat,
            people_without_heat``).
        """
        lost = tuple(sorted(lost))
        if self.hourly:
            ev, res = self._detail_hourly(lost)
        else:
            evs = self._grid(lost)
            ev = evs[self.top_level]
            res = self._heat(evs, lost, raw=True)
        model = self.compiled.model
        lab = ev.bus_island
        energ = (lab >= 0) & ev.balance.energised[np.maximum(lab, 0)]
        dark = sorted(str(b) for b in model.bus_name[~energ])
        b = self.layer.buildings
        wh = np.asarray(res["bh"].without_heat)
        dist = b["district"].to_numpy()
        resid = b["residents"].to_numpy(float)
        rows = []
        for d in sorted(set(dist)):
            m = dist == d
            rows.append(pd.DataFrame({"time": self.index, "district": d,
                                      "buildings_without_heat": wh[:, m].sum(axis=1),
                                      "people_without_heat": wh[:, m] @ resid[m]}))
        return {"dark_buses": dark, "heat_hourly": pd.concat(rows, ignore_index=True)}

    def _detail_hourly(self, lost: tuple[str, ...]) -> tuple:
        """Engine evaluation at the peak-demand hour (the timeline's asset state and
        demand at that hour) and the raw heat result, hourly mode."""
        from gridmodel.outage.fast import evaluate

        tl = self._timeline(lost)
        at = self._peak_loads(tl)
        during = self.index.get_loc(self.peak_time) < self.outage_h
        grid_lost = {a: 0.0 for a in lost if during and not a.startswith(("heat:", "pump:"))}
        demand = pd.Series(at["demand_mw"].to_numpy(), index=at["load_id"].to_numpy())
        ev = evaluate(self.compiled, grid_lost, demand_mw=demand,
                      max_cascade_rounds=self.scenario.grid.max_cascade_rounds)
        return ev, self._heat_hourly(tl, lost)

    @staticmethod
    def key(s: dict) -> tuple:
        """Lexicographic ordering key (larger = more critical)."""
        return tuple(round(s[k], 6) for k in SCORE)

    def candidates(self) -> pd.DataFrame:
        """Candidate assets: ``asset_id, kind, name, oblast``."""
        reg = self.net.registry
        grid = reg.loc[reg["kind"].isin(GRID_KINDS), ["asset_id", "kind", "name", "oblast"]]
        src = self.layer.sources.set_index("source_id")
        heat = pd.DataFrame({
            "asset_id": self.heat_assets,
            "kind": ["heat_source" if a.startswith("heat:") else "pumping"
                     for a in self.heat_assets],
            "name": [str(src.loc[a, "name"]) if a in src.index else a
                     for a in self.heat_assets],
            "oblast": "Kyiv"})
        return pd.concat([grid, heat], ignore_index=True)


def _values(heat: dict, shed_mw: np.ndarray, kyiv: np.ndarray) -> dict:
    """Score quantities of one evaluation: heat results and the MW shed per load at the
    peak-demand hour (``kyiv`` marks the Kyiv loads)."""
    return {"buildings_without_heat": float(heat["buildings_without_heat_peak"]),
            "people_without_heat": float(heat["people_without_heat_peak"]),
            "building_hours_below_12c": float(heat["building_hours_below_12c"]),
            "people_hours_without_heat": float(heat["people_hours_without_heat"]),
            "kyiv_mw_shed": float(shed_mw[kyiv].sum()),
            "mw_shed": float(shed_mw.sum())}


def rank_assets(scenario, *, outage_h: int | None = None, k: int = 3, pool: int = 30,
                exact_pool: int = 14, max_exact: int = 500, candidates=None,
                n_levels: int = 6, hourly: bool = False,
                progress: bool = False) -> CriticalityResult:
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
    n_levels : int
        Demand levels of the horizon (engine calls per candidate set).
    hourly : bool
        Exact hourly mode (:class:`Criticality`): one grid timeline per candidate set.
    progress : bool

    Returns
    -------
    CriticalityResult
    """
    if not isinstance(k, int) or k < 1:
        msg = f"k must be a whole number >= 1; got {k=}."
        raise InputError(msg)
    t0 = time.perf_counter()
    crit = Criticality(scenario, outage_h=outage_h, n_levels=n_levels, hourly=hourly)
    cand = crit.candidates()
    if candidates is not None:
        want = set(candidates)
        unknown = sorted(want - set(cand["asset_id"]))
        if unknown:
            from gridmodel.network.registry import suggest

            hints = {u: suggest(crit.net.registry, u) for u in unknown}
            msg = f"unknown candidate asset(s): {hints} (name: closest registry names)."
            raise InputError(msg)
        cand = cand[cand["asset_id"].isin(want)]
    rows = []
    it = cand.itertuples(index=False)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, total=len(cand), desc="assets", unit="asset", disable=None)
    t1 = time.perf_counter()
    for r in it:
        s = crit.score((r.asset_id,))
        rows.append({"asset_id": r.asset_id, "kind": r.kind, "name": r.name,
                     "oblast": r.oblast, **s})
    single = pd.DataFrame(rows)
    single["_key"] = [crit.key(s) for s in single[list(SCORE)].to_dict("records")]
    single = single.sort_values(["_key", "asset_id"], ascending=[False, True],
                                kind="mergesort").drop(columns="_key").reset_index(drop=True)
    single.insert(0, "rank", np.arange(1, len(single) + 1))
    t2 = time.perf_counter()

    # candidate pool for sets: one asset per distinct heat outcome first (so that assets
    # tied by the same outcome do not crowd out different ones), then the rest by rank,
    # then Kyiv-area grid assets
    effect = single[(single[list(SCORE)].abs() > 1e-9).any(axis=1)]
    heat_cols = ["buildings_without_heat", "people_without_heat", "building_hours_below_12c"]
    first = ~effect[heat_cols].round(3).duplicated(keep="first")
    ordered = effect.loc[first, "asset_id"].tolist() + effect.loc[~first, "asset_id"].tolist()
    pool_ids = ordered[:pool]
    kyiv = single[single["oblast"].astype(str).str.contains("Kyiv", case=False)
                  & single["kind"].isin(GRID_KINDS)]["asset_id"]
    for a in kyiv:
        if len(pool_ids) >= pool:
            break
        if a not in pool_ids:
            pool_ids.append(a)
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
        sets.append({"method": "greedy", "k": len(chosen), "assets": ", ".join(chosen),
                     **best[1]})
    ex_ids = list(dict.fromkeys(chosen + pool_ids))[:max(exact_pool, len(chosen))]
    n_comb = math.comb(len(ex_ids), k) if len(ex_ids) >= k else 0
    if 0 < n_comb <= max_exact:
        bx = None
        for combo in itertools.combinations(ex_ids, k):
            s = crit.score(combo)
            if bx is None or crit.key(s) > crit.key(bx[1]):
                bx = (combo, s)
        sets.append({"method": f"exact (all {n_comb} {k}-sets of {len(ex_ids)} candidates)",
                     "k": k, "assets": ", ".join(bx[0]), **bx[1]})
    t3 = time.perf_counter()
    worst = pd.DataFrame(sets)
    meta = {"mode": "hourly" if hourly else "levels",
            "peak_demand_time": crit.peak_time.isoformat(), "outage_h": crit.outage_h,
            "demand_levels": None if hourly else len(crit.level_demand),
            "horizon_h": int(scenario.horizon_h), "candidates": int(len(cand)),
            "pool": pool_ids, "grid_evaluations": crit.n_grid_evals,
            "heat_evaluations": crit.n_heat_evals,
            "timings_s": {"startup": round(t1 - t0, 2), "single": round(t2 - t1, 2),
                          "sets": round(t3 - t2, 2)}}
    base = {k_: v for k_, v in crit.baseline.items()}
    res = CriticalityResult(single=single, worst_sets=worst, baseline=base, meta=meta)
    res.net = crit.net
    res.detail = None
    res.building_stock = crit.layer.buildings["district"].value_counts().to_dict()
    if len(worst):
        res.detail = crit.detail(worst["assets"].iloc[-1].split(", "))
    return res


def run_rank(scenario_path, out, *, outage_h: int | None = None, k: int = 3, top: int = 20,
             pool: int = 30, exact_pool: int = 14, force: bool = False,
             progress: bool = True, candidates=None,
             horizon_h: int | None = None, hourly: bool = False) -> CriticalityResult:
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

    from gridmodel._io.outdir import check_out_dir, prepare_out_dir
    from gridmodel.report.html import write_report
    from gridmodel.studies.scenario import load_scenario

    sc = load_scenario(scenario_path)
    if horizon_h is not None:
        sc = sc.model_copy(update={"horizon_h": int(horizon_h)})
    check_out_dir(out, force)
    res = rank_assets(sc, outage_h=outage_h, k=k, pool=pool, exact_pool=exact_pool,
                      candidates=candidates, hourly=hourly, progress=progress)
    out = prepare_out_dir(out, force)
    res.single.to_csv(out / "ranking.csv", index=False)
    res.worst_sets.to_csv(out / "worst_sets.csv", index=False)
    summary = {"scenario": sc.name, "status_date": sc.status_date.isoformat(),
               "baseline": res.baseline, **res.meta,
               "top": res.top(top)[["rank", "asset_id", *SCORE]].to_dict("records"),
               "worst_sets": res.worst_sets.to_dict("records")}
    from gridmodel._io.jsonio import write_json

    write_json(summary, out / "criticality.json")
    _plot(res, out / "criticality.png", top)
    worst_assets = res.worst_sets["assets"].iloc[-1].split(", ") if len(res.worst_sets) \
        else []
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
        tables={f"Top {top} assets for Kyiv heat (increase over the baseline)":
                res.top(top),
                f"Top {top} among Kyiv city / oblast grid assets and heat-layer assets":
                res.single[res.single["oblast"].astype(str).str.contains("Kyiv", case=False)
                           ].head(top),
                f"Worst-case sets of k = {k}": res.worst_sets},
        network=res.net, struck_assets=worst_assets,
        dark_buses=res.detail["dark_buses"] if res.detail else None,
        heat_frames=res.detail["heat_hourly"] if res.detail else None,
        building_stock=res.building_stock,
        illustrative=["Kyiv heat layer: building registry, zones and rule parameters "
                      "(networks/kyiv/assumptions.toml) are [C]",
                      *([] if hourly else ["each hour takes the grid state of its demand "
                                           "level's highest-demand hour [C]"])],
        provenance={"scenario_file": str(sc.path), "network": sc.network,
                    "weather": sc.weather, "seed": sc.seed,
                    "method": _HOURLY_METHOD if hourly else _LEVELS_METHOD},
        notes=["Each asset is removed alone (remaining fraction 0) from the start of the "
               "scenario for the outage duration; the figures are increases over the "
               "no-loss baseline at the status date. The map shows the worst-case set: "
               "struck (red), buses dark at the peak-demand hour, and Kyiv buildings "
               "without heat hour by hour."])
    return res


_LEVELS_METHOD = ("fast DC engine at the peak-demand hour; heat chain of "
                  "gridmodel.studies.scenario.run; greedy and exact k-set search")
_HOURLY_METHOD = ("hourly: the grid timeline of gridmodel.studies.scenario.run (fast DC engine, every "
                  "hour, lost assets destroyed at the start and repaired after outage_h) and "
                  "its heat chain; greedy and exact k-set search")


def _plot(res: CriticalityResult, path, top: int) -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    t = res.top(top)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(t) + 1.5))
    y = np.arange(len(t))[::-1]
    ax.barh(y, t["buildings_without_heat"], color="#d62828")
    ax.set_yticks(y, t["asset_id"], fontsize=8)
    ax.set_xlabel("buildings without heat at the peak if lost alone [buildings]")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
