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

import datetime as dt
import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gridmodel.errors import InputError, OutputExistsError
from gridmodel._io.jsonio import write_json
from gridmodel._io.outdir import prepare_out_dir
from gridmodel._io.tomlio import read_toml

__all__ = ["Inputs", "RunResult", "Scenario", "ScenarioError", "OutputExistsError",
           "check_layer_assets", "load_inputs", "load_scenario", "run", "run_temperature"]

SCHEMA_VERSION = 1


class ScenarioError(InputError):
    """A scenario file is malformed (message names the file, line and key)."""



# ------------------------------------------------------------------------- schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class StrikesConfig(_Strict):
    """Strike list: a CSV/TOML file (relative to the scenario file) and a row filter."""

    file: str
    reliability: list[str] | None = Field(
        default=None, description="keep rows whose `reliability` column is in this list")


class GridConfig(_Strict):
    """Grid timeline options (:func:`gridmodel.outage.timeline.simulate_outages`)."""

    engine: Literal["fast", "pandapower"] = "fast"
    ac: bool = False
    n_queues: int = Field(6, ge=1)
    block_h: int = Field(4, ge=1)
    demand_step: float = Field(0.01, ge=0.0)
    max_cascade_rounds: int = Field(20, ge=0)


class HeatConfig(_Strict):
    """Heat layer (built-in name or folder) and an optional replacement assumptions file."""

    layer: str = "kyiv"
    assumptions: str | None = None


class OutputConfig(_Strict):
    """What to write besides summary.json."""

    frames: bool = True
    plots: bool = True


class Scenario(_Strict):
    """A scenario file (see docs/scenario.md)."""

    name: str = Field(min_length=1)
    description: str = ""
    network: str = "ukraine"
    status_date: dt.date
    weather: str = "kyiv-2026"
    start: dt.datetime
    horizon_h: int = Field(336, gt=0)
    seed: int = 0
    strikes: StrikesConfig | None = None
    grid: GridConfig = GridConfig()
    heat: HeatConfig = HeatConfig()
    outputs: OutputConfig = OutputConfig()
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("start")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        if v.tzinfo is None:
            msg = "start needs a UTC offset, e.g. 2026-02-03T00:00:00+02:00"
            raise ValueError(msg)
        return v

    def resolve_name(self, p: str) -> str:
        """A built-in name as given, or a path made relative to the scenario file."""
        if "/" in p or "\\" in p or Path(p).suffix:
            return str(self.resolve(p))
        return p

    def resolve(self, p: str | None) -> Path | None:
        """A path from the scenario file, relative to the file's folder."""
        if p is None:
            return None
        q = Path(p)
        if not q.is_absolute() and self.path is not None:
            q = self.path.parent / q
        return q


def _line_of(text: str, loc: tuple) -> int | None:
    """Line number (1-based) of a key path in TOML text, or of its table header."""
    keys = [str(k) for k in loc if not isinstance(k, int)]
    if not keys:
        return None
    table, key = keys[:-1], keys[-1]
    current: list[str] = []
    header_line = None
    for i, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        m = re.match(r"^\[\[?([^\]]+)\]\]?", s)
        if m:
            current = [p.strip().strip('"') for p in m.group(1).split(".")]
            if current == keys:
                header_line = i
            continue
        km = re.match(r'^"?([A-Za-z0-9_\-]+)"?\s*=', s)
        if km and km.group(1) == key and current == table:
            return i
        if km and current == [] and table and km.group(1) == table[0]:
            return i  # inline table at top level
    return header_line


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
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(k) for k in loc)
            ln = _line_of(text, loc)
            at = f"line {ln}" if ln else "top level"
            if err["type"] == "extra_forbidden":
                known = _known_keys(loc[:-1])
                lines.append(f"{path}:{ln or '?'}: unknown key {where!r} ({at}); "
                             f"allowed here: {known}")
            else:
                lines.append(f"{path}:{ln or '?'}: {where}: {err['msg']} "
                             f"(got {err.get('input')!r})")
        raise ScenarioError("\n".join(lines)) from None
    sc.path = path.resolve()
    return sc


def _known_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Scenario
    for k in loc:
        ann = model.model_fields[str(k)].annotation
        sub = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type)
               and issubclass(a, BaseModel)]
        if not sub:
            return []
        model = sub[0]
    return sorted(k for k in model.model_fields if k != "path")


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


def _prepare_out(out, force: bool) -> Path | None:
    return None if out is None else prepare_out_dir(out, force, create=False)


def _filter_strikes(strikes: pd.DataFrame, cfg: StrikesConfig, where: Path) -> pd.DataFrame:
    if cfg.reliability is None:
        return strikes
    if "reliability" not in strikes.columns:
        msg = (f"{where}: strikes.reliability is set but the strike list has no "
               "'reliability' column.")
        raise ScenarioError(msg)
    keep = strikes["reliability"].astype(str).str.strip().isin(cfg.reliability)
    return strikes[keep.to_numpy()].reset_index(drop=True)


@dataclass
class Inputs:
    """A scenario's inputs, loaded and checked against each other (:func:`load_inputs`).

    Attributes
    ----------
    network : str
        Network name, or folder resolved from the scenario file.
    net : pandapowerNet
    layer : gridmodel.heat.layer.HeatLayer
    weather_name : str
        Weather profile name, or file resolved from the scenario file.
    weather : pandas.Series
        Outdoor temperature profile [C].
    index : pandas.DatetimeIndex
        The run's hours (``start``, ``horizon_h`` of them) in the profile's time zone.
    temp : pandas.Series
        Outdoor temperature on ``index`` [C].
    """

    network: str
    net: object
    layer: object
    weather_name: str
    weather: pd.Series
    index: pd.DatetimeIndex
    temp: pd.Series


def check_layer_assets(net, layer, network: str) -> None:
    """Raise :class:`InputError` when the heat layer names grid assets absent from ``net``."""
    known = set(net.registry["asset_id"])
    missing = [n for n in layer.grid_nodes if n not in known]
    if missing:
        msg = (f"heat layer {layer.name!r} names grid assets absent from network "
               f"{network!r}: {missing}.")
        raise InputError(msg)


def run_temperature(weather: pd.Series, start, horizon_h: int, name: str, where: str = "",
                    error: type[InputError] = InputError
                    ) -> tuple[pd.DatetimeIndex, pd.Series]:
    """The run's hourly index and the outdoor temperature on it.

    Parameters
    ----------
    weather : pandas.Series
        Outdoor temperature profile [C] (:func:`gridmodel.weather.load_profile`).
    start : timestamp
        First hour of the run (time-zone aware).
    horizon_h : int
        Hours of the run.
    name : str
        Profile name for messages.
    where : str
        Message prefix (e.g. ``"file.toml: "``).
    error : type
        Exception class raised.

    Returns
    -------
    (pandas.DatetimeIndex, pandas.Series)
        ``index`` in the profile's time zone, and ``temp`` on it [C].

    Raises
    ------
    InputError
        (or ``error``) The run period lies outside the profile, or some of its hours
        have no temperature (a start off the profile's whole hours).
    """
    index = pd.date_range(pd.Timestamp(start), periods=int(horizon_h), freq="h").tz_convert(
        weather.index.tz)
    if index[0] < weather.index[0] or index[-1] > weather.index[-1]:
        msg = (f"{where}run period start + horizon_h ({index[0]} .. {index[-1]}) lies outside "
               f"the weather profile {name!r} ({weather.index[0]} .. {weather.index[-1]}).")
        raise error(msg)
    temp = weather.reindex(index)
    if temp.isna().any():
        msg = (f"{where}weather profile {name!r} has no temperature at "
               f"{int(temp.isna().sum())} hour(s) of the run period (first "
               f"{temp.index[temp.isna().to_numpy()][0]}); start the run on one of its "
               "whole hours.")
        raise error(msg)
    return index, temp


def load_inputs(sc: Scenario, horizon_h: int | None = None) -> Inputs:
    """Load a scenario's network, heat layer and weather and check them against each other.

    Names with a path are resolved from the scenario file (:meth:`Scenario.resolve_name`).

    Parameters
    ----------
    sc : Scenario
    horizon_h : int, optional
        Override the scenario's horizon [h].

    Raises
    ------
    InputError
        The heat layer names assets absent from the network.
    ScenarioError
        The run period lies outside the weather profile or has hours without temperature.
    """
    import gridmodel
    from gridmodel.heat.layer import load_layer
    from gridmodel.weather import load_profile

    network = sc.resolve_name(sc.network)
    net = gridmodel.load_network(network, status_date=sc.status_date)
    layer = load_layer(sc.resolve_name(sc.heat.layer),
                       assumptions=sc.resolve(sc.heat.assumptions))
    check_layer_assets(net, layer, sc.network)
    weather_name = sc.resolve_name(sc.weather)
    weather = load_profile(weather_name)
    index, temp = run_temperature(weather, sc.start, horizon_h or sc.horizon_h, sc.weather,
                                  where=f"{sc.path}: ", error=ScenarioError)
    return Inputs(network=network, net=net, layer=layer, weather_name=weather_name,
                  weather=weather, index=index, temp=temp)


def run(scenario_or_path, out=None, force: bool = False, progress: bool = True,
        engine: str | None = None) -> RunResult:
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

    Returns
    -------
    RunResult

    Raises
    ------
    ScenarioError, OutputExistsError, InputError
        Bad scenario, existing output folder, bad inputs downstream.
    """
    from gridmodel.network.io import network_folder
    from gridmodel.outage.timeline import simulate_outages
    from gridmodel.strikes import load_strikes
    from gridmodel.weather import _resolve_profile

    t_start = time.perf_counter()
    sc = scenario_or_path if isinstance(scenario_or_path, Scenario) else load_scenario(
        scenario_or_path)
    if engine is not None:
        if engine not in ("fast", "pandapower"):
            msg = f"unknown engine {engine!r}; choose 'fast' or 'pandapower'."
            raise InputError(msg)
        sc = sc.model_copy(update={"grid": sc.grid.model_copy(update={"engine": engine})})
    out = _prepare_out(out, force)

    # ------------------------------------------------------------ start-up: inputs
    inputs = load_inputs(sc)
    network, net, layer = inputs.network, inputs.net, inputs.layer
    weather_name, weather, index, temp = (inputs.weather_name, inputs.weather, inputs.index,
                                          inputs.temp)
    start = pd.Timestamp(sc.start)
    strikes = None
    strikes_path = None
    if sc.strikes is not None:
        strikes_path = sc.resolve(sc.strikes.file)
        strikes = _filter_strikes(load_strikes(strikes_path, net), sc.strikes, sc.path)
        if strikes.empty:
            strikes = None
    t_model = time.perf_counter()

    # ------------------------------------------------------------ model
    tl = simulate_outages(net, strikes, start=start, horizon_h=float(sc.horizon_h),
                          temp_air=weather, seed=sc.seed, engine=sc.grid.engine,
                          ac=sc.grid.ac, n_queues=sc.grid.n_queues, block_h=sc.grid.block_h,
                          demand_step=sc.grid.demand_step,
                          max_cascade_rounds=sc.grid.max_cascade_rounds, progress=progress)
    t_heat = time.perf_counter()
    from gridmodel.pipeline import heat_chain, heat_inputs

    chain = heat_chain(layer, temp, heat_inputs(layer, net, tl, index))
    ga, bh, temps = chain.availability, chain.heat, chain.temperatures
    t_outputs = time.perf_counter()

    # ------------------------------------------------------------ metrics and outputs
    from gridmodel.report.summary import build_frames, build_summary, explain

    hashes = {
        "network_sha256": _sha256_path(Path(network) if Path(network).exists()
                                       else network_folder(network)),
        "heat_layer_sha256": _sha256_path(layer.folder),
        "weather_sha256": _sha256_path(_resolve_profile(weather_name)),
        "strikes_sha256": _sha256_path(strikes_path) if strikes_path else None,
    }
    summary = build_summary(sc, layer, index, temp, tl, ga, bh, temps, hashes,
                            n_strikes=0 if strikes is None else len(strikes),
                            schema_version=SCHEMA_VERSION)
    frames = build_frames(layer, index, temp, tl, ga, bh, temps)
    text = explain(sc, layer, index, temp, tl, ga, bh, summary)
    result = RunResult(scenario=sc, summary=summary, frames=frames, explanation=text,
                       out=out, heat=bh, temperatures=temps, layer=layer, net=net,
                       timeline=tl)
    if out is not None:
        out.mkdir(parents=True)
        if sc.outputs.frames:
            for name, df in frames.items():
                df.to_parquet(out / f"{name}.parquet", index=False)
        if sc.outputs.plots:
            from gridmodel.report.plots import write_plots

            summary["plots"] = write_plots(out, layer, index, bh, temps, summary)
        (out / "explanation.txt").write_text(text + "\n", encoding="utf-8")
    t_end = time.perf_counter()
    result.timings_s = {"startup": t_model - t_start, "model": t_outputs - t_model,
                        "model_grid": t_heat - t_model, "model_heat": t_outputs - t_heat,
                        "outputs": t_end - t_outputs}
    summary["timings_s"] = {k: round(v, 3) for k, v in result.timings_s.items()}
    if out is not None:
        write_json(summary, out / "summary.json")
        from gridmodel.report.html import run_report

        run_report(result, out, net=net)
    return result
