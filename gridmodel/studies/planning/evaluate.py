"""Evaluate interventions against the same sampled nights as the baseline.

The method (``docs/planning.md``):

1. **Nights.** A night is an attack on the base scenario's target list (its strike list).
   For each replicate *r*, :func:`sample_nights` draws from a child of
   ``SeedSequence(seed)`` one uniform ``u_intercept`` and one ``u_damage`` per listed
   strike and the repair time of every listed strike (drawn on the full list, so a strike's
   repair time does not depend on which other strikes got through).
2. **Common random numbers.** Every variant (baseline, each intervention, each chosen
   combination) sees the same nights. A strike lands when ``u_intercept >= p_intercept``
   and does its listed damage when ``u_damage < damage_prob x damage_factor(asset)``;
   raising ``p_intercept`` (interceptors) or lowering the factor (protection) removes
   strikes from the same night, never adds them (a monotone coupling). Spare
   transformers cap the repair time of strikes on their assets.
3. **Paired differences.** For each replicate, ``avoided = baseline - variant`` for
   building-hours below 12 °C, people-hours without heat and energy not served; the
   table shows the mean and the 5-95 % range of the paired differences over replicates,
   also per million of capital cost.
4. **Cost sensitivity.** The ranking by avoided metric per unit of cost is recomputed
   with each intervention's own cost at x0.5 and x1.5 (the others unchanged), and by
   Monte Carlo over independent cost factors U(0.5, 1.5): the probability that each
   intervention ranks first and in the top three.

The runner is any callable ``runner(variant, night) -> {metric: value}``;
:class:`ScenarioRunner` is the full model (grid timeline, heat availability, restarts,
indoor temperatures), and tests use cheap runners. :func:`evaluate` does the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridmodel.errors import InputError, joined_messages
from gridmodel.metrics.row import PLAN_METRICS

__all__ = [
    "METRICS",
    "Night",
    "PlanResult",
    "ScenarioRunner",
    "evaluate",
    "realise",
    "sample_nights",
    "sample_pattern_nights",
]

#: Ranked metrics: name -> (label, unit) (:data:`gridmodel.metrics.row.PLAN_METRICS`).
METRICS = PLAN_METRICS


@dataclass(frozen=True)
class Night:
    """One sampled attack night (shared by every variant: common random numbers).

    Attributes
    ----------
    replicate : int
    strikes : pandas.DataFrame
        The full target list (resolved strikes) with ``repair_h`` drawn for every row [h].
    u_intercept, u_damage : numpy.ndarray
        One uniform per listed strike.
    seed : int
        Entropy of the replicate's child seed (for the report).
    p_intercept_applied : float
        Interception already applied when the night was drawn (a strike pattern's
        nights hold only arriving weapons); 0 for a target list.
    """

    replicate: int
    strikes: pd.DataFrame | None
    u_intercept: np.ndarray
    u_damage: np.ndarray
    seed: int = 0
    p_intercept_applied: float = 0.0


def _check_nights(n) -> None:
    if not isinstance(n, int | np.integer) or n < 1:
        msg = f"number of nights n must be a whole number >= 1; got {n=}."
        raise InputError(msg)


def sample_nights(strikes: pd.DataFrame | None, n: int, seed: int, net=None) -> list[Night]:
    """Draw ``n`` nights over a target list.

    Parameters
    ----------
    strikes : pandas.DataFrame or None
        Resolved target list (:func:`gridmodel.strikes.load_strikes`); None: no strikes.
    n : int
        Replicates (>= 1).
    seed : int
        Root seed; replicate *r* uses ``SeedSequence(seed).spawn(n)[r]``.
    net : pandapowerNet, optional
        For plant technologies in the repair-time draw.

    Returns
    -------
    list of Night
    """
    _check_nights(n)
    from gridmodel.strikes.repairs import repair_hours

    children = np.random.SeedSequence(seed).spawn(int(n))
    nights = []
    for r, ss in enumerate(children):
        rng = np.random.default_rng(ss)
        m = 0 if strikes is None else len(strikes)
        u_i = rng.random(m)
        u_d = rng.random(m)
        s = None
        if strikes is not None and m:
            s = strikes.reset_index(drop=True).copy()
            s["repair_h"] = repair_hours(s, net, rng=rng).to_numpy(float)
        nights.append(Night(replicate=r, strikes=s, u_intercept=u_i, u_damage=u_d,
                            seed=int(ss.generate_state(1)[0])))
    return nights


def sample_pattern_nights(pattern, net, n: int, seed: int,
                          p_intercept_applied: float) -> list[Night]:
    """Draw ``n`` nights from a strike pattern (:mod:`gridmodel.strikes.patterns`).

    The pattern's own interception has already removed weapons; ``p_intercept_applied``
    says how much (e.g. the plan's ``interception_prob``). An ``interceptors``
    intervention raising it to ``p`` removes each remaining strike with the conditional
    probability ``(p - p_applied) / (1 - p_applied)``, with the night's own uniforms.

    Parameters
    ----------
    pattern : gridmodel.strikes.patterns.Pattern
    net : pandapowerNet
    n : int
    seed : int
        Root seed; replicate *r* draws everything from ``SeedSequence(seed).spawn(n)[r]``
        (the pattern's draws first, then the coupling uniforms).
    p_intercept_applied : float

    Returns
    -------
    list of Night
    """
    from gridmodel.strikes.patterns import sample_night

    _check_nights(n)
    nights = []
    for r, ss in enumerate(np.random.SeedSequence(seed).spawn(int(n))):
        rng = np.random.default_rng(ss)
        s = sample_night(pattern, net, rng)
        m = len(s)
        nights.append(Night(replicate=r, strikes=s.reset_index(drop=True) if m else None,
                            u_intercept=rng.random(m), u_damage=rng.random(m),
                            seed=int(ss.generate_state(1)[0]),
                            p_intercept_applied=float(p_intercept_applied)))
    return nights


def realise(night: Night, variant) -> pd.DataFrame | None:
    """The strikes that land and do damage in ``night`` under ``variant``.

    Parameters
    ----------
    night : Night
    variant : gridmodel.studies.planning.interventions.Variant
        Uses ``interception_prob``, ``damage_prob``, ``damage_factor``, ``repair_cap_h``.

    Returns
    -------
    pandas.DataFrame or None
        Resolved strikes with ``repair_h`` set; None when nothing lands.
    """
    s = night.strikes
    if s is None or not len(s):
        return None
    ids = s["asset_id"].astype(str).to_numpy()
    factor = np.array([variant.damage_factor.get(a, 1.0) for a in ids])
    p0 = night.p_intercept_applied
    p_eff = max(0.0, (variant.interception_prob - p0) / (1.0 - p0)) if p0 < 1 else 0.0
    land = night.u_intercept >= p_eff
    dmg = night.u_damage < variant.damage_prob * factor
    keep = land & dmg
    if not keep.any():
        return None
    out = s.loc[keep].copy()
    cap = np.array([variant.repair_cap_h.get(a, math.inf) for a in out["asset_id"]])
    out["repair_h"] = np.minimum(out["repair_h"].to_numpy(float), cap)
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------- the model
class ScenarioRunner:
    """The full model as a runner: ``runner(variant, night) -> {metric: value}``.

    Every call runs the one chain (:func:`gridmodel.pipeline.run_chain`) on the
    variant's network and heat layer and reads the one row builder
    (:func:`gridmodel.metrics.row.outcome_row`); ``"warnings"`` holds the chain's model
    warnings (``ChainResult.model_warnings``, one per line).

    Parameters
    ----------
    scenario : gridmodel.studies.scenario.Scenario
        Start, horizon, weather, seed and grid options; the strike list is the target
        list of the nights.
    horizon_h : int, optional
        Override the scenario's horizon [h] (shorter runs for quick plans).

    Notes
    -----
    The grid timeline of a (network, realised strikes) pair is computed once and reused
    by every variant that changes only the heat layer (backup generators, modular
    boilers, crews): the context caches timelines.
    """

    def __init__(self, scenario, horizon_h: int | None = None) -> None:
        from gridmodel.pipeline import build_context
        from gridmodel.strikes import load_strikes
        from gridmodel.studies.scenario import ScenarioError, _filter_strikes

        sc = scenario
        self.scenario = sc
        self.horizon_h = int(horizon_h or sc.horizon_h)
        self.context = build_context(sc, horizon_h=self.horizon_h, error=ScenarioError)
        self.context.timelines = {}
        self.net, self.layer = self.context.net, self.context.layer
        self.weather, self.temp = self.context.weather, self.context.temp
        self.start = pd.Timestamp(sc.start)
        self.strikes = None
        if sc.strikes is not None:  # kept even when empty: the nights' target list
            self.strikes = _filter_strikes(load_strikes(sc.resolve(sc.strikes.file),
                                                        self.net), sc.strikes, sc.path)

    def __call__(self, variant, night: Night) -> dict:
        from gridmodel.metrics.row import outcome_row
        from gridmodel.pipeline import run_chain

        ctx = self.context.with_variant(variant.net, variant.layer)
        chain = run_chain(ctx, realise(night, variant), self.scenario.seed)
        row = outcome_row(chain, ctx)
        return {**{k: row[k] for k in (*METRICS, "buildings_without_heat_peak",
                                       "people_without_heat_peak")},
                "warnings": joined_messages(chain.model_warnings)}


# ----------------------------------------------------------------------- evaluate
@dataclass
class PlanResult:
    """Replicate results and the ranking tables.

    Attributes
    ----------
    replicates : pandas.DataFrame
        ``variant, replicate``, one column per metric (raw values) and ``warnings``: the
        :class:`~gridmodel.errors.ModelWarning` messages of the run (one per line; a
        result computed only in part, such as an island whose line limits could not be
        held), "" when there were none.
    variants : pandas.DataFrame
        ``variant, interventions, capital_cost, annual_cost, currency, illustrative``.
    nights : list of Night
    metric : str
        Primary metric for the per-cost ranking.
    """

    replicates: pd.DataFrame
    variants: pd.DataFrame
    nights: list = field(default_factory=list)
    metric: str = "building_hours_below_12c"
    currency: str = "USD"

    def paired(self) -> pd.DataFrame:
        """Avoided metric per replicate: ``baseline - variant`` (positive = better)."""
        rep = self.replicates.set_index(["variant", "replicate"])
        base = rep.loc["baseline"]
        rows = []
        for v in self.variants["variant"]:
            if v == "baseline":
                continue
            d = base[list(METRICS)] - rep.loc[v][list(METRICS)]
            d = d.reset_index()
            d.insert(0, "variant", v)
            rows.append(d)
        if not rows:
            return pd.DataFrame(columns=["variant", "replicate", *METRICS])
        return pd.concat(rows, ignore_index=True)

    def ranking(self) -> pd.DataFrame:
        """One row per variant: mean avoided and 5-95 % range of each metric, per cost.

        Columns ``avoided_<m>``, ``avoided_<m>_p05``, ``avoided_<m>_p95`` and
        ``avoided_<m>_per_musd`` (per million of capital cost) for every metric,
        ``capital_cost``, ``rank`` (by the primary metric per cost, 1 = best).
        """
        p = self.paired()
        var = self.variants.set_index("variant")
        rows = []
        for v, g in p.groupby("variant", sort=False):
            row = {"variant": v, "interventions": var.loc[v, "interventions"],
                   "capital_cost": float(var.loc[v, "capital_cost"]),
                   "illustrative": bool(var.loc[v, "illustrative"])}
            for m in METRICS:
                x = g[m].to_numpy(float)
                row[f"avoided_{m}"] = float(x.mean())
                row[f"avoided_{m}_p05"] = float(np.percentile(x, 5))
                row[f"avoided_{m}_p95"] = float(np.percentile(x, 95))
                row[f"avoided_{m}_per_m{self.currency.lower()}"] = (
                    float(x.mean()) / (row["capital_cost"] / 1e6))
            rows.append(row)
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        key = f"avoided_{self.metric}_per_m{self.currency.lower()}"
        df = df.sort_values([key, f"avoided_{self.metric}"], ascending=False,
                            kind="mergesort")
        df["rank"] = np.arange(1, len(df) + 1)
        return df.reset_index(drop=True)

    def _score(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        r = self.ranking()
        return (r[f"avoided_{self.metric}"].to_numpy(float), r["capital_cost"].to_numpy(float),
                r["variant"].tolist())

    @staticmethod
    def _ranks(score: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Rank (1 = best) by score per cost; ties keep the given order."""
        per = score / cost
        order = np.lexsort((np.arange(len(per)), -per))
        ranks = np.empty(len(per), dtype=np.int64)
        ranks[order] = np.arange(1, len(per) + 1)
        return ranks

    def cost_sensitivity(self, factors: Sequence[float] = (0.5, 1.0, 1.5)) -> pd.DataFrame:
        """Each variant's rank with its own cost times each factor (others unchanged).

        Returns
        -------
        pandas.DataFrame
            ``variant`` and ``rank_cost_x<f>`` per factor, plus ``rank_range`` (best-worst).
        """
        score, cost, names = self._score()
        out = {"variant": names}
        for f in factors:
            col = []
            for i in range(len(names)):
                c = cost.copy()
                c[i] *= f
                col.append(int(self._ranks(score, c)[i]))
            out[f"rank_cost_x{f:g}"] = col
        df = pd.DataFrame(out)
        cols = [c for c in df.columns if c.startswith("rank_cost_x")]
        df["rank_range"] = df[cols].min(axis=1).astype(str) + "-" + df[cols].max(
            axis=1).astype(str)
        return df

    def cost_monte_carlo(self, n: int = 2000, seed: int = 0, low: float = 0.5,
                         high: float = 1.5) -> pd.DataFrame:
        """Probability of ranking first / in the top three under independent cost factors.

        Parameters
        ----------
        n : int
            Draws.
        seed : int
            Seed of the factor draws (``numpy.random.default_rng``).
        low, high : float
            Bounds of the uniform cost factor per variant [-].

        Returns
        -------
        pandas.DataFrame
            ``variant, p_top1, p_top3, median_rank``.
        """
        score, cost, names = self._score()
        rng = np.random.default_rng(seed)
        f = rng.uniform(low, high, size=(n, len(names)))
        per = score[None, :] / (cost[None, :] * f)
        order = np.argsort(-per, axis=1, kind="stable")
        ranks = np.empty_like(order)
        rows = np.arange(n)[:, None]
        ranks[rows, order] = np.arange(1, len(names) + 1)[None, :]
        return pd.DataFrame({"variant": names, "p_top1": (ranks == 1).mean(axis=0),
                             "p_top3": (ranks <= 3).mean(axis=0),
                             "median_rank": np.median(ranks, axis=0)})

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables for the report: ranking, cost sensitivity, cost Monte Carlo."""
        return {"ranking": self.ranking(), "cost_sensitivity": self.cost_sensitivity(),
                "cost_monte_carlo": self.cost_monte_carlo()}


def evaluate(base, interventions: Iterable, nights: Sequence[Night],
             runner: Callable, *, combinations: Iterable[Sequence[str]] = (),
             metric: str = "building_hours_below_12c", currency: str = "USD",
             progress: bool = False) -> PlanResult:
    """Run the baseline, each intervention and each combination over the same nights.

    Parameters
    ----------
    base : dict or Plan-like
        ``net``, ``layer``, ``interception_prob``, ``damage_prob`` (a mapping, or an
        object with these attributes).
    interventions : iterable of Intervention
        Validated, asset ids resolved.
    nights : sequence of Night
        From :func:`sample_nights` (shared by every variant).
    runner : callable
        ``runner(variant, night) -> {metric: value}`` for every name in :data:`METRICS`,
        and optionally ``"warnings"``: the run's model warnings, one per line
        (:class:`ScenarioRunner` gives its chain's, ``ChainResult.model_warnings``).
    combinations : iterable of sequence of str
        Intervention ids evaluated together.
    metric : str
        Primary ranking metric (a key of :data:`METRICS`).
    currency : str
    progress : bool
        tqdm bar over runs.

    Returns
    -------
    PlanResult

    Raises
    ------
    InputError
        No nights, unknown metric or combination id, runner missing a metric.
    """
    if metric not in METRICS:
        msg = f"unknown metric {metric!r}; choose one of {list(METRICS)}."
        raise InputError(msg)
    if not nights:
        msg = "evaluate needs at least one night (sample_nights(strikes, n, seed))."
        raise InputError(msg)
    variants = _variants(base, list(interventions), combinations)
    jobs = [(v, n) for v in variants for n in nights]
    it = jobs
    if progress:
        from tqdm import tqdm

        it = tqdm(jobs, desc="plan runs", unit="run", disable=None)
    rows = []
    for v, night in it:
        res = dict(runner(v, night))
        missing = [m for m in METRICS if m not in res]
        if missing:
            msg = f"runner returned no value for {missing} (variant {v.name!r})."
            raise InputError(msg)
        said = str(res.pop("warnings", ""))
        rows.append({"variant": v.name, "replicate": night.replicate,
                     **{k: float(x) for k, x in res.items()}, "warnings": said})
    vt = pd.DataFrame([{
        "variant": v.name,
        "interventions": "+".join(iv.id for iv in v.interventions) or "-",
        "capital_cost": v.capital_cost,
        "annual_cost": float(sum(iv.annual_cost for iv in v.interventions)),
        "currency": currency,
        "illustrative": any(iv.illustrative for iv in v.interventions),
    } for v in variants])
    return PlanResult(replicates=pd.DataFrame(rows), variants=vt, nights=list(nights),
                      metric=metric, currency=currency)


def _variants(base, ivs: list, combinations) -> list:
    """The baseline, one variant per intervention, one per combination."""
    from gridmodel.studies.planning.interventions import build_variant

    def get(k, default=None):
        return base.get(k, default) if isinstance(base, dict) else getattr(base, k, default)

    by_id = {iv.id: iv for iv in ivs}
    kw = dict(interception_prob=float(get("interception_prob", 0.5)),
              damage_prob=float(get("damage_prob", 1.0)))
    net, layer = get("net"), get("layer")
    variants = [build_variant(net, layer, (), **kw)]
    variants += [build_variant(net, layer, (iv,), **kw) for iv in ivs]
    for combo in combinations:
        bad = [c for c in combo if c not in by_id]
        if bad:
            msg = f"combination {list(combo)} names unknown intervention ids {bad}."
            raise InputError(msg)
        variants.append(build_variant(net, layer, [by_id[c] for c in combo], **kw))
    return variants


# ----------------------------------------------------------------------- orchestration
def plot_ranking(result: PlanResult, path) -> None:
    """Bar chart of the avoided primary metric per million of cost, 5-95 % whiskers."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    r = result.ranking()
    m = result.metric
    cur = result.currency.lower()
    scale = r["capital_cost"].to_numpy(float) / 1e6
    mean = r[f"avoided_{m}_per_m{cur}"].to_numpy(float)
    lo = r[f"avoided_{m}_p05"].to_numpy(float) / scale
    hi = r[f"avoided_{m}_p95"].to_numpy(float) / scale
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.45 * len(r) + 2.0))
    y = np.arange(len(r))[::-1]
    ax = axes[0]
    ax.barh(y, mean, color=["#e9a100" if i else "#3a86ff" for i in r["illustrative"]])
    ax.errorbar(mean, y, xerr=[np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)],
                fmt="none", ecolor="k", capsize=3, lw=1)
    ax.set_yticks(y, r["variant"])
    ax.set_xlabel(f"avoided {METRICS[m][0]} per M{result.currency} [{METRICS[m][1]}/M]")
    ax.set_title("Per unit of cost (orange: illustrative cost) - 5-95 % of nights")
    ax.grid(axis="x", alpha=0.3)
    ax = axes[1]
    a = r[f"avoided_{m}"].to_numpy(float)
    ax.barh(y, a, color="#8d99ae")
    a05 = r[f"avoided_{m}_p05"].to_numpy(float)
    a95 = r[f"avoided_{m}_p95"].to_numpy(float)
    ax.errorbar(a, y, xerr=[np.maximum(a - a05, 0), np.maximum(a95 - a, 0)],
                fmt="none", ecolor="k", capsize=3, lw=1)
    ax.set_yticks(y, [""] * len(r))
    ax.set_xlabel(f"avoided {METRICS[m][0]} [{METRICS[m][1]}]")
    ax.set_title("Absolute (mean over nights)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _base_scenario(base_path, plan):
    """The base scenario of a plan run: the one given, else the plan's ``scenario``.

    Raises
    ------
    InputError
        Neither given, or both given naming different files.
    """
    from pathlib import Path

    if base_path is None:
        if plan.scenario is None:
            msg = (f"no base scenario: give one (gridmodel plan BASE.toml --interventions "
                   f"{plan.path.name}) or set scenario = \"...\" in the [plan] table of "
                   f"{plan.path}.")
            raise InputError(msg)
        return plan.scenario
    if plan.scenario is not None and Path(base_path).resolve() != plan.scenario:
        msg = (f"base scenario {base_path} differs from the scenario {plan.scenario} named "
               f"in the [plan] table of {plan.path}; give the same file or drop one of them.")
        raise InputError(msg)
    return base_path


def run_plan(base_path, plan_path, n: int, out, *, seed: int | None = None,
             horizon_h: int | None = None, force: bool = False, progress: bool = True,
             runner=None, pattern=None):
    """``gridmodel plan``: evaluate a plan file against a base scenario and write outputs.

    Parameters
    ----------
    base_path : path or None
        Base scenario TOML (its strike list is the target list of every night). None: the
        plan's ``[plan] scenario`` (relative to the plan file); when both are given they
        must name the same file.
    plan_path : path
        Plan file (:func:`gridmodel.studies.planning.interventions.load_plan`).
    n : int
        Sampled nights (replicates).
    out : path
        Output folder (``ranking.csv``, ``cost_sensitivity.csv``, ``cost_monte_carlo.csv``,
        ``replicates.csv``, ``plan.json``, ``ranking.png``, ``report.html``).
    seed : int, optional
        Root seed of the nights (default: the scenario's seed).
    horizon_h : int, optional
        Shorter horizon than the scenario's [h].
    force : bool
        Replace an existing output folder.
    progress : bool
    runner : callable, optional
        Replace the full model (tests).
    pattern : path, optional
        Strike pattern (``docs/patterns.md``): nights are drawn from it instead of
        thinning the base scenario's strike list; the plan's ``interception_prob`` is
        taken as the interception the pattern already includes.

    Returns
    -------
    PlanResult
    """
    from gridmodel._io.outdir import output_folder
    from gridmodel.config import checked_seed
    from gridmodel.studies.planning.interventions import load_plan
    from gridmodel.studies.scenario import load_scenario, run_inputs

    plan = load_plan(plan_path)  # structure first: errors before any model work
    base_path = _base_scenario(base_path, plan)
    sc = load_scenario(base_path)
    horizon_h, seed = sc.checked_horizon(horizon_h), checked_seed(seed)
    # checked before any model work, written aside, swapped into place when complete
    with output_folder(out, force=force, inputs=[plan.path, pattern, *run_inputs(sc)],
                       command="plan", summary="plan.json") as tmp:
        return _plan_outputs(plan, sc, base_path, n, tmp, seed=seed, horizon_h=horizon_h,
                             progress=progress, runner=runner, pattern=pattern)


def _plan_outputs(plan, sc, base_path, n: int, out, *, seed, horizon_h, progress, runner,
                  pattern):
    """The evaluation of :func:`run_plan`, its files written into ``out``."""
    from pathlib import Path

    from gridmodel.studies.planning.interventions import validate_assets
    from gridmodel.studies.scenario import _sha256_path

    model = runner if runner is not None else ScenarioRunner(sc, horizon_h=horizon_h)
    plan.interventions = validate_assets(plan, net=model.net, layer=model.layer)
    root = sc.seed if seed is None else int(seed)
    if pattern is not None:
        from gridmodel.strikes.patterns import load_pattern

        pat = load_pattern(pattern)
        nights = sample_pattern_nights(pat, model.net, n, root, plan.interception_prob)
    else:
        nights = sample_nights(model.strikes, n, root, model.net)
    base = {"net": model.net, "layer": model.layer,
            "interception_prob": plan.interception_prob, "damage_prob": plan.damage_prob}
    result = evaluate(base, plan.interventions, nights, model,
                      combinations=plan.combinations, metric=plan.metric,
                      currency=plan.currency, progress=progress)
    warned = _warned(result.replicates)
    tabs, ivs, summary = _write_plan_tables(result, plan, model, n, root, out, warned)
    prov = {"seed": root, "nights": n, "base_scenario": str(Path(base_path).resolve()),
            "plan_file": str(plan.path), "plan_sha256": _sha256_path(Path(plan.path)),
            "network": sc.network, "status_date": sc.status_date.isoformat(),
            "weather": sc.weather,
            "night_seeds": [nt.seed for nt in nights],
            "nights_from": (f"strike pattern {pattern}" if pattern is not None
                            else "the base scenario's strike list (target list)"),
            "method": "common random numbers: every variant sees the same nights; "
                      "ranges are 5-95 % of paired differences over nights"}
    _write_plan_report(out, plan, sc, model, tabs, ivs, summary, prov, warned)
    return result


def _warned(replicates: pd.DataFrame) -> pd.DataFrame:
    """The runs computed only in part (a model warning): ``variant, replicate, warnings``."""
    return replicates.loc[replicates["warnings"] != "", ["variant", "replicate", "warnings"]]


def _write_plan_tables(result: PlanResult, plan, model, n: int, root: int, out,
                       warned: pd.DataFrame):
    """CSV tables, ``ranking.png`` and ``plan.json`` of a plan run (``warned``:
    :func:`_warned`)."""
    from gridmodel._io.jsonio import write_json

    tabs = result.tables()
    for name, df in tabs.items():
        df.to_csv(out / f"{name}.csv", index=False)
    result.replicates.to_csv(out / "replicates.csv", index=False)
    plot_ranking(result, out / "ranking.png")
    ivs = pd.DataFrame([{
        "id": iv.id, "kind": iv.kind, "label": iv.label, "units": iv.units, "unit": iv.unit,
        "capital_cost": iv.capital_cost, "currency": iv.currency, "price_year": iv.price_year,
        "lifetime_years": iv.lifetime_years, "annual_cost": iv.annual_cost, "tag": iv.tag,
        "source": iv.source} for iv in plan.interventions])
    ivs.to_csv(out / "interventions.csv", index=False)
    best = tabs["ranking"].iloc[0] if len(tabs["ranking"]) else None
    base_rep = result.replicates[result.replicates["variant"] == "baseline"]
    summary = {
        "plan": plan.name, "nights": n, "seed": root,
        "horizon_h": getattr(model, "horizon_h", None),
        "interception_prob_base": plan.interception_prob,
        "primary_metric": plan.metric,
        "baseline_mean": {m: float(base_rep[m].mean()) for m in METRICS},
        "runs_with_model_warnings": int(len(warned)),
        "best_per_cost": None if best is None else {
            "variant": best["variant"], "capital_cost": float(best["capital_cost"]),
            f"avoided_{plan.metric}": float(best[f"avoided_{plan.metric}"])},
    }
    write_json(summary, out / "plan.json")
    return tabs, ivs, summary


def _write_plan_report(out, plan, sc, model, tabs, ivs, summary, prov,
                       warned: pd.DataFrame) -> None:
    """``report.html`` of a plan run: the findings (best per unit of cost, what it
    avoids) first; ``warned`` (:func:`_warned`) listed when any run was computed only
    in part."""
    from gridmodel.report.html import write_report
    from gridmodel.report.study_findings import plan_box

    strikes = getattr(model, "strikes", None)
    if strikes is not None:
        prov["target_list"] = strikes[[c for c in ("asset_id", "time", "effect",
                                                   "fraction_lost", "source")
                                       if c in strikes]]
    illus = [f"{iv.id}: {iv.source}" for iv in plan.interventions if iv.illustrative]
    labels = {iv.id: iv.label for iv in plan.interventions}
    write_report(out, title=f"Resilience plan: {plan.name}", scenario=sc,
                 summary=summary, findings=plan_box(summary, tabs["ranking"], labels),
                 figures=[("Ranking per unit of cost", out / "ranking.png")],
                 tables={"Ranking (avoided = baseline - variant, mean and 5-95 % over "
                         "nights)": tabs["ranking"],
                         "Rank when one intervention's cost is x0.5 / x1 / x1.5":
                         tabs["cost_sensitivity"],
                         "Cost Monte Carlo (independent factors U(0.5, 1.5))":
                         tabs["cost_monte_carlo"],
                         "Interventions and costs": ivs,
                         **({"Runs with model warnings (computed in part)": warned}
                            if len(warned) else {})},
                 network=model.net,
                 struck_assets=sorted(set(strikes["asset_id"])) if strikes is not None
                 else (), illustrative=illus, provenance=prov,
                 notes=[plan.description] if plan.description else ())
