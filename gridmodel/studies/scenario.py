"""One scenario file -> one run: the thin orchestrator.

A scenario (TOML, schema in ``docs/scenario.md``, validated strictly: an unknown key or a
wrong type is an error naming the file and line) gives network + status date + strikes
+ weather + horizon. :func:`run` chains the layers::

    network (load_network, status date) -> strikes (load_strikes) -> grid outages over
    time (simulate_outages: islands, balance, repairs, rolling blackouts) -> heat inputs
    (asset availability, node power, queue power) -> heat availability and draining ->
    crew-limited restarts -> indoor temperatures (distinct trajectories once) ->
    metrics -> summary.json, Parquet frames, PNG plots, explanation.

Nothing here is tuned to an event: every rule parameter lives in the heat layer's
``assumptions.toml`` or in the grid modules' data files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import Field

from gridmodel._io.jsonio import write_json
from gridmodel._io.outdir import output_folder
from gridmodel._io.tomlio import read_toml
from gridmodel.config import RunConfig, _Strict, validate_toml
from gridmodel.errors import InputError, OutputExistsError
from gridmodel.pipeline import build_context, run_chain

__all__ = ["RunResult", "Scenario", "ScenarioError", "OutputExistsError", "load_scenario",
           "run", "run_inputs", "scenario_strikes"]

SCHEMA_VERSION = 1


class ScenarioError(InputError):
    """A scenario file is malformed (message names the file, line and key)."""



# ------------------------------------------------------------------------- schema
class StrikesConfig(_Strict):
    """Strike list: a CSV/TOML file (relative to the scenario file) and a row filter."""

    file: str
    reliability: list[str] | None = Field(
        default=None, description="keep rows whose `reliability` column is in this list")


class OutputConfig(_Strict):
    """What to write besides summary.json."""

    frames: bool = True
    plots: bool = True
    state: bool = Field(default=True, description="write the end state (OUT/state)")
    findings: bool = Field(default=True, description=(
        "report.html's no-strike baseline and leave-one-strike-out runs (one chain each)"))


class Scenario(RunConfig):
    """A scenario file (see docs/scenario.md): a run plus a name, strikes and outputs."""

    name: str = Field(min_length=1)
    description: str = ""
    strikes: StrikesConfig | None = None
    initial_state: str | None = Field(
        default=None, description="state folder of an earlier run (OUT/state) to start from")
    outputs: OutputConfig = OutputConfig()


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises
    ------
    ScenarioError
        Missing file, TOML syntax error, unknown key, wrong type or bad value; the
        message names the file, the line and the key.
    """
    path = Path(path)
    data, text = read_toml(path, "scenario file", ScenarioError)
    sc = validate_toml(Scenario, data, text, path, ScenarioError)
    sc.path = path.resolve()
    return sc


# ------------------------------------------------------------------------- run
@dataclass
class RunResult:
    """What :func:`run` returns.

    Attributes
    ----------
    scenario : Scenario
    summary : dict
        The content of ``summary.json`` (schema: docs/scenario.md).
    frames : dict of str to pandas.DataFrame
        Hourly and per-building tables (also written as Parquet).
    explanation : str
        Readable account: which source, which zone, which rule, when.
    out : Path or None
        Output folder (None when nothing was written).
    timings_s : dict
        Wall time of ``startup``, ``model`` and ``outputs`` [s].
    heat : HeatState
    temperatures : BuildingTemperatures
    layer : HeatLayer
    net : pandapowerNet
        The network at the scenario's status date.
    timeline : TimelineResult
        The grid timeline (loads, assets, rolling blackouts).
    context : gridmodel.pipeline.Context
        What the chain ran on (network, layer, weather, index).
    chain : gridmodel.pipeline.ChainResult
        The chain's result (the metrics' row builder reads it).
    """

    scenario: Scenario
    summary: dict
    frames: dict
    explanation: str
    out: Path | None = None
    timings_s: dict = field(default_factory=dict)
    heat: object = None
    temperatures: object = None
    layer: object = None
    net: object = None
    timeline: object = None
    context: object = None
    chain: object = None

    def __repr__(self) -> str:
        """One line: the scenario, its peak without heat, the frames and the folder."""
        h = (self.summary or {}).get("heat") or {}
        peak = (f"{h['buildings_without_heat_peak']} of {h['buildings_total']} buildings "
                f"without heat at peak {h.get('buildings_without_heat_peak_time')}"
                if "buildings_without_heat_peak" in h else "no heat figures")
        return (f"RunResult(scenario={self.scenario.name!r}, {peak}, "
                f"frames={sorted(self.frames or {})}, out={self.out!r})")


def _sha256_path(p: Path) -> str:
    h = hashlib.sha256()
    if p.is_dir():
        for f in sorted(q for q in p.rglob("*") if q.is_file() and "__pycache__" not in q.parts):
            h.update(str(f.relative_to(p)).encode())
            h.update(b"\0")
            h.update(f.read_bytes())
    else:
        h.update(p.read_bytes())
    return h.hexdigest()


def _filter_strikes(strikes: pd.DataFrame, cfg: StrikesConfig, where: Path) -> pd.DataFrame:
    """The rows of ``strikes.reliability`` (:func:`gridmodel.strikes.select_rows`): an
    unknown column or a filter that keeps no row is an error, never the no-strike
    baseline."""
    from gridmodel.strikes import select_rows

    if cfg.reliability is None:
        return strikes
    return select_rows(strikes, {"reliability": cfg.reliability},
                       f"{where}: strikes.reliability")


def run(scenario_or_path, out=None, force: bool = False, progress: bool = True,
        engine: str | None = None, *, network=None, strikes=None) -> RunResult:
    """Run one scenario end to end.

    Parameters
    ----------
    scenario_or_path : Scenario, str or path
        A validated :class:`Scenario` or the path of a scenario TOML file.
    out : str or path, optional
        Output folder for summary.json, Parquet frames and PNG plots. Never overwritten
        unless ``force``. None writes nothing.
    force : bool
        Replace an existing output folder.
    progress : bool
        Show tqdm progress bars (grid hours, heat stages).
    engine : {"fast", "pandapower"}, optional
        Override the scenario's ``[grid] engine`` (default: the file's value, ``"fast"``
        when the file says nothing).
    network : pandapowerNet, optional
        A network in memory (with a registry, as :func:`gridmodel.load_network` returns
        it) instead of loading the scenario's ``network`` (:mod:`gridmodel.studies.given`).
    strikes : pandas.DataFrame, optional
        A raw strike table (the columns of a strike list) instead of the scenario's
        ``[strikes] file``; its ``reliability`` filter still applies.

    Returns
    -------
    RunResult

    Raises
    ------
    ScenarioError, OutputExistsError, InputError
        Bad scenario, existing output folder, bad inputs downstream.
    """
    from gridmodel.studies.given import given_inputs

    t_start = time.perf_counter()
    given = given_inputs(network, strikes)
    sc = _with_engine(scenario_or_path if isinstance(scenario_or_path, Scenario)
                      else load_scenario(scenario_or_path), engine)
    if out is None:
        return _run(sc, None, progress, t_start, given)
    # checked first, written aside, swapped into place only when complete (docs/scenario.md)
    with output_folder(out, force=force, inputs=run_inputs(sc),
                       command="run") as tmp:
        result = _run(sc, tmp, progress, t_start, given)
    result.out = out
    return result


def _run(sc: Scenario, out: Path | None, progress: bool, t_start: float,
         given=None) -> RunResult:
    """The run of :func:`run`, its outputs written into ``out`` (None: nothing written);
    ``given``: its in-memory inputs (:class:`gridmodel.studies.given.Given`)."""
    m = _model(sc, progress, given)
    result = _outputs(sc, m.window_ctx, m.window_chain, m.strikes, m.strikes_path, out,
                      given)
    if m.resume_check is not None:
        result.summary["resume_check"] = m.resume_check
    if out is not None and sc.outputs.state:
        from gridmodel.studies.state import save_state

        save_state(out / "state", m.full, m.ctx, m.chain, m.full.start, m.history)
    t_end = time.perf_counter()
    chain = m.chain
    result.timings_s = {"startup": m.t_model - t_start, "model": m.t_outputs - m.t_model,
                        "model_grid": chain.timings_s["grid"],
                        "model_heat": chain.timings_s["heat"],
                        "outputs": t_end - m.t_outputs}
    summary = result.summary
    summary["timings_s"] = {k: round(v, 3) for k, v in result.timings_s.items()}
    if out is not None:  # (out is written aside and swapped in only when complete)
        from gridmodel.report.findings import findings_json, run_findings
        from gridmodel.report.html import run_report

        t_report = time.perf_counter()
        # the findings: a no-strike chain and a chain per left-out strike; summary.json
        # carries what report.html's findings box states
        f = run_findings(result, compare=sc.outputs.findings)
        summary["findings"] = findings_json(f)
        write_json(summary, out / "summary.json")
        run_report(result, out, net=m.ctx.net, compare=sc.outputs.findings, findings=f)
        result.timings_s["report"] = time.perf_counter() - t_report
    return result


@dataclass
class _Model:
    """The chain of one run: over the whole campaign (``ctx``, ``chain``) and over the
    run's own hours (``window_ctx``, ``window_chain``; the same without a state)."""

    full: Scenario
    ctx: object
    chain: object
    window_ctx: object
    window_chain: object
    strikes: pd.DataFrame | None
    strikes_path: Path | None
    history: pd.DataFrame | None
    resume_check: dict | None
    t_model: float
    t_outputs: float


def _model(sc: Scenario, progress: bool, given=None) -> _Model:
    """Run the chain of ``sc``; from its ``initial_state`` when it has one
    (docs/campaigns.md: the campaign's recorded strikes are replayed from its first hour)."""
    import dataclasses

    from gridmodel.pipeline import window
    from gridmodel.studies import state as st

    state = st.load_state(sc.resolve(sc.initial_state)) if sc.initial_state else None
    full = st.resume_config(sc, state) if state is not None else sc
    ctx = build_context(full, error=ScenarioError, net=given and given.net)
    if state is not None:
        st.check_layer_matches(state, ctx.layer)
    strikes, strikes_path = scenario_strikes(sc, ctx.net, ctx.layer, ctx.cities,
                                             table=given and given.strikes)
    every = st.history_strikes(state, strikes, sc.start) if state is not None else strikes
    t_model = time.perf_counter()
    chain = run_chain(ctx, every, full.seed, progress=progress)
    t_outputs = time.perf_counter()
    history = _history(chain)
    if state is None:
        return _Model(full, ctx, chain, ctx, chain, strikes, strikes_path, history, None,
                      t_model, t_outputs)
    k = int(ctx.index.get_loc(pd.Timestamp(sc.start)))
    wctx, wchain = window(ctx, chain, sc.start)
    wctx = dataclasses.replace(wctx, config=sc.run_config())
    return _Model(full, ctx, chain, wctx, wchain, strikes, strikes_path, history,
                  st.resume_check(state, chain, k), t_model, t_outputs)


def _history(chain) -> pd.DataFrame | None:
    """Every strike of a chain with the repair hours used (grid, then heat-layer assets)."""
    parts = [p for p in (chain.timeline.strikes, chain.heat_strikes)
             if p is not None and len(p)]
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True).sort_values("time", kind="stable")


def _with_engine(sc: Scenario, engine: str | None) -> Scenario:
    if engine is None:
        return sc
    if engine not in ("fast", "pandapower"):
        msg = f"unknown engine {engine!r}; choose 'fast' or 'pandapower'."
        raise InputError(msg)
    return sc.model_copy(update={"grid": sc.grid.model_copy(update={"engine": engine})})


def scenario_strikes(sc: Scenario, net, layer=None,
                     cities=None, table: pd.DataFrame | None = None,
                     ) -> tuple[pd.DataFrame | None, Path | None]:
    """The scenario's strike list (or ``table``, a raw strike table in memory), resolved
    and filtered (None: no strikes).

    Targets resolve against ``net``'s registry and, with a heat ``layer``, against its
    sources and pumping stations (``heat:...``, ``pump:...``) for what the registry does
    not know (:func:`gridmodel.heat.grid.heat_assets`); with ``cities`` (contexts of a run
    of several cities), against every city's.
    """
    from gridmodel.heat.grid import heat_assets
    from gridmodel.strikes import read_strikes, resolve_strikes

    if table is None and sc.strikes is None:
        return None, None
    extra = (pd.concat([heat_assets(c.layer) for c in cities], ignore_index=True) if cities
             else heat_assets(layer) if layer is not None else None)
    if table is not None:
        from gridmodel.studies.given import given_strikes

        strikes = given_strikes(table, net, extra)
        if sc.strikes is not None:
            strikes = _filter_strikes(strikes, sc.strikes, sc.path)
        return (None if strikes.empty else strikes), None
    path = sc.resolve(sc.strikes.file)
    strikes = _filter_strikes(resolve_strikes(net, read_strikes(path), extra=extra),
                              sc.strikes, sc.path)
    return (None if strikes.empty else strikes), path


def input_hashes(ctx, strikes_path: Path | None, given=None) -> dict:
    """SHA-256 of every input of a run: network, heat layer, weather, strike list (of an
    in-memory network or strike table, ``given``: over its tables' values)."""
    from gridmodel.studies.given import table_sha256
    from gridmodel.weather import _resolve_profile

    net = given.net if given is not None else None
    table = given.strikes if given is not None else None
    return {
        "network_sha256": _sha256_path(_network_path(ctx.network)) if net is None else
        table_sha256(*(net[t] for t in ("bus", "line", "trafo", "load", "gen", "sgen",
                                        "ext_grid", "registry") if t in net)),
        "heat_layer_sha256": _sha256_path(ctx.layer.folder),
        "weather_sha256": _sha256_path(_resolve_profile(ctx.weather_name)),
        "strikes_sha256": table_sha256(table) if table is not None else
        _sha256_path(strikes_path) if strikes_path else None,
    }


def _network_path(network: str) -> Path:
    """The file or folder of a network (a path, else the built-in folder of the name)."""
    from gridmodel.network.io import network_folder

    return Path(network) if Path(network).exists() else network_folder(network)


def run_inputs(cfg) -> list[Path]:
    """Files and folders a run (a :class:`Scenario` or a RunConfig) reads: its own file,
    the strike list, the network, the heat layer (and a replacement assumptions file)
    and the weather profile (with its ``<stem>.meta.toml`` when it has one: its time zone).

    Built-in names are resolved to their data folders; a name that resolves to nothing is
    left out (its loader reports it). An output folder must not hold any of them
    (:func:`gridmodel._io.outdir.check_out_dir`).
    """
    from gridmodel.heat.layer import _folder as layer_folder
    from gridmodel.weather import _resolve_profile
    from gridmodel.weather.profiles import _meta_path

    strikes = getattr(cfg, "strikes", None)
    cities = cfg.heat.city_list(cfg.weather)
    paths = [cfg.path, strikes and cfg.resolve(strikes.file),
             cfg.resolve(getattr(cfg, "initial_state", None)),
             *(cfg.resolve(c.assumptions) for c in cities)]
    found = [(_network_path, cfg.network), (_resolve_profile, cfg.weather)]
    found += [(layer_folder, c.layer) for c in cities]
    found += [(_resolve_profile, c.weather) for c in cities]
    for find, name in found:
        with contextlib.suppress(InputError):
            paths.append(find(cfg.resolve_layer(name) if find is layer_folder
                              else cfg.resolve_name(name)))
            if find is _resolve_profile and _meta_path(Path(paths[-1])).is_file():
                paths.append(_meta_path(Path(paths[-1])))
    return [Path(p) for p in dict.fromkeys(paths) if p is not None]


def _outputs(sc, ctx, chain, strikes, strikes_path, out, given=None) -> RunResult:
    """Summary, frames, explanation and files of one run."""
    from gridmodel.report.summary import build_frames, build_summary, explain

    n_strikes = 0 if strikes is None else len(strikes)
    summary = build_summary(sc, ctx, chain, input_hashes(ctx, strikes_path, given),
                            n_strikes=n_strikes, schema_version=SCHEMA_VERSION)
    if chain.cities:
        from gridmodel.report import cities as rc

        summary["cities"], text = rc.city_summaries(
            sc, ctx, chain, lambda c: input_hashes(c, strikes_path, given),
            n_strikes=n_strikes, schema_version=SCHEMA_VERSION)
        frames = rc.city_frames(ctx, chain)
    else:
        frames = build_frames(ctx, chain)
        text = explain(sc, ctx, chain, summary)
    result = RunResult(scenario=sc, summary=summary, frames=frames, explanation=text,
                       out=out, heat=chain.heat, temperatures=chain.temperatures,
                       layer=ctx.layer, net=ctx.net, timeline=chain.timeline, context=ctx,
                       chain=chain)
    if out is None:
        return result
    if sc.outputs.frames:
        from gridmodel.report.gis import write_gis

        for name, df in frames.items():
            df.to_parquet(out / f"{name}.parquet", index=False)
        if chain.cities:  # districts and buildings for QGIS, each city in its folder
            from gridmodel.report.cities import write_city_gis

            write_city_gis(out, ctx, frames, summary["cities"])
        else:
            write_gis(out, ctx.layer, frames, summary)
    if sc.outputs.plots:
        from gridmodel.report.plots import write_plots

        summary["plots"] = write_plots(out, ctx.layer, ctx.index, chain.heat,
                                       chain.temperatures, summary)
        if chain.cities:
            from gridmodel.report.cities import write_city_plots

            write_city_plots(out, ctx, chain, summary["cities"])
    (out / "explanation.txt").write_text(text + "\n", encoding="utf-8")
    return result
