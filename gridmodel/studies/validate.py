"""Reported events as data, run through the one chain and scored: ``gridmodel validate``.

An **event** is a folder (``examples/events/<name>/`` ships two; a user's own folder works
the same) holding ``reported.toml``:

* ``[event]``: ``title``, ``scenario`` (a scenario TOML, relative to the folder) and a
  ``note`` shown beside the scores;
* ``[score]`` (optional): the pass band, ``peak_rel_tol`` (the modelled peak within
  ``+/- peak_rel_tol`` of the reported one) and ``milestone_factor`` (every milestone's
  time ratio in ``[1/f, f]``); an event without it is shown with no pass band;
* ``[[figure]]``: reported figures, each ``figure`` (``"peak"`` or ``"milestone"``),
  ``value`` [buildings without heat], ``time`` (with a UTC offset), ``time_note``,
  ``place``, ``definition``, ``source``, ``reliability``.

Scores (docs/validation.md), with ``n(t)`` the modelled count of buildings without heat
and ``t0`` the first strike (the run's start when the scenario has none):

* peak ratio = ``max n / reported peak``;
* a milestone's time ratio = ``(t_model - t0) / (t_reported - t0)``, where ``t_model`` is
  the first hour at or after the modelled peak at which ``n(t) <= value`` (not reached
  within the horizon: no ratio, FAIL);
* building-hours: the modelled sum of ``n`` over the hours from the first to the last
  reported time, against the reported points joined by straight lines (no band).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from gridmodel._io.outdir import output_folder
from gridmodel._io.tomlio import read_toml
from gridmodel.config import _Strict, aware, validate_toml
from gridmodel.errors import InputError

__all__ = ["Event", "EventScore", "catalogue", "event_curve", "load_event", "score_event",
           "validate"]

EVENT_FILE = "reported.toml"


# ------------------------------------------------------------------ schema
class _EventMeta(_Strict):
    title: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    note: str = ""


class _Score(_Strict):
    peak_rel_tol: float = Field(gt=0.0, le=1.0)  # a fraction of the peak, not a percentage
    milestone_factor: float = Field(gt=1.0, le=10.0)


class _Figure(_Strict):
    figure: Literal["peak", "milestone"]
    value: float = Field(ge=0.0)
    time: dt.datetime
    time_note: str = ""
    place: str = ""
    definition: str = ""
    source: str = Field(min_length=1)
    reliability: Literal["", "A", "B", "C"] = ""  # the FIELD_NOTES grades

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, v):
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("time")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        return aware(v, "time", "2026-01-12T10:00:00+02:00")


class _EventFile(_Strict):
    event: _EventMeta
    score: _Score | None = None
    figure: list[_Figure] = Field(min_length=1)


@dataclass
class Event:
    """A reported event: its folder, scenario file, pass band and reported figures.

    Attributes
    ----------
    name : str
        The folder's name.
    folder : Path
    title, note : str
    scenario : Path
        The scenario TOML the event runs.
    peak_rel_tol, milestone_factor : float or None
        The pass band (None: no band).
    figures : pandas.DataFrame
        ``figure, value, time (UTC), time_note, place, definition, source, reliability``,
        in time order.
    """

    name: str
    folder: Path
    title: str
    note: str
    scenario: Path
    peak_rel_tol: float | None
    milestone_factor: float | None
    figures: pd.DataFrame


def catalogue() -> Path:
    """The shipped catalogue folder (``examples/events``, in a wheel under ``_data``)."""
    from gridmodel._io.data import data_dir

    return data_dir("examples") / "events"


def _event_folder(name_or_path) -> Path:
    p = Path(name_or_path)
    if p.is_dir():
        return p
    if p.name == EVENT_FILE and p.is_file():
        return p.parent
    cat = catalogue()
    if (cat / str(name_or_path)).is_dir():
        return cat / str(name_or_path)
    known = sorted(q.name for q in cat.iterdir() if (q / EVENT_FILE).is_file())
    msg = (f"unknown event {str(name_or_path)!r}: not a folder, and the catalogue {cat} has "
           f"{known}; give a folder holding {EVENT_FILE}.")
    raise InputError(msg)


def load_event(name_or_path) -> Event:
    """Read and check an event: a catalogue name or a folder holding ``reported.toml``.

    Raises
    ------
    InputError
        Unknown event, missing or malformed ``reported.toml`` (file, line and key),
        missing scenario file, more than one peak figure.
    """
    folder = _event_folder(name_or_path).resolve()
    path = folder / EVENT_FILE
    data, text = read_toml(path, "event file")
    ev = validate_toml(_EventFile, data, text, path)
    scenario = (folder / ev.event.scenario).resolve()
    if not scenario.is_file():
        msg = f"{path}: event.scenario {ev.event.scenario!r} is not a file ({scenario})."
        raise InputError(msg)
    figs = pd.DataFrame([f.model_dump() for f in ev.figure])
    figs["time"] = pd.to_datetime(figs["time"], utc=True)
    if (figs["figure"] == "peak").sum() > 1:
        msg = f"{path}: at most one figure = 'peak' per event."
        raise InputError(msg)
    _check_figures_in_period(figs, scenario, path)
    figs = figs.sort_values("time", kind="stable").reset_index(drop=True)
    score = ev.score
    return Event(name=folder.name, folder=folder, title=ev.event.title, note=ev.event.note,
                 scenario=scenario, peak_rel_tol=score.peak_rel_tol if score else None,
                 milestone_factor=score.milestone_factor if score else None, figures=figs)


def _check_figures_in_period(figs: pd.DataFrame, scenario: Path, path: Path) -> None:
    """Every reported figure's time lies in the run period of the event's scenario (else
    it could never be reached, and building-hours would be joined over months)."""
    from gridmodel.studies.scenario import load_scenario

    sc = load_scenario(scenario)
    start = pd.Timestamp(sc.start).tz_convert("UTC")
    end = start + pd.Timedelta(hours=int(sc.horizon_h))
    out = figs[(figs["time"] < start) | (figs["time"] > end)]
    if len(out):
        i = int(out.index[0])
        msg = (f"{path}: figure {i + 1} ({out.at[i, 'figure']} {out.at[i, 'value']:g} at "
               f"{out.at[i, 'time'].isoformat()}) lies outside the run period of "
               f"{scenario} ({start.isoformat()} to {end.isoformat()}); fix its time or "
               "lengthen the scenario's horizon_h.")
        raise InputError(msg)


# ------------------------------------------------------------------ scores
@dataclass
class EventScore:
    """One event run and scored: its modelled curve and its score rows."""

    event: Event
    curve: pd.Series
    first_strike: pd.Timestamp
    rows: pd.DataFrame


def _hours(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a) / pd.Timedelta(hours=1)


def _verdict(ok: bool | None) -> str:
    return "no band" if ok is None else ("PASS" if ok else "FAIL")


def _peak_row(ev: Event, fig, curve: pd.Series) -> dict:
    k = int(np.argmax(curve.to_numpy()))
    model = float(curve.iloc[k])
    ratio = model / fig.value if fig.value > 0 else math.nan
    tol = ev.peak_rel_tol
    ok = None if tol is None else bool(abs(ratio - 1.0) <= tol + 1e-12)
    band = "" if tol is None else f"{1 - tol:.2f}..{1 + tol:.2f}"
    return {"figure": "peak", "reported": fig.value, "reported_time": fig.time,
            "model": model, "model_time": curve.index[k], "ratio": ratio, "band": band,
            "verdict": _verdict(ok)}


def milestone_time(curve: pd.Series, value: float) -> pd.Timestamp | None:
    """First hour at or after the curve's peak at which it is at most ``value`` (None:
    never within the horizon)."""
    n = curve.to_numpy()
    k = int(np.argmax(n))
    hit = np.flatnonzero(n[k:] <= value)
    return None if not hit.size else curve.index[k + int(hit[0])]


def _milestone_row(ev: Event, fig, curve: pd.Series, t0: pd.Timestamp) -> dict:
    t = milestone_time(curve, fig.value)
    rep_h = _hours(t0, fig.time)
    ratio = math.nan if t is None or rep_h <= 0 else _hours(t0, t) / rep_h
    f = ev.milestone_factor
    ok = None if f is None else bool(np.isfinite(ratio) and 1 / f - 1e-12 <= ratio <= f + 1e-12)
    band = "" if f is None else f"{1 / f:.2f}..{f:.2f}"
    return {"figure": "milestone", "reported": fig.value, "reported_time": fig.time,
            "model": float(curve.loc[t]) if t is not None else math.nan,
            "model_time": t if t is not None else pd.NaT, "ratio": ratio, "band": band,
            "verdict": _verdict(ok)}


def building_hours(curve: pd.Series, figures: pd.DataFrame) -> tuple[float, float]:
    """Modelled and reported building-hours between the first and last reported time.

    Modelled: the sum of the hourly counts whose hour lies in the span. Reported: the
    reported points joined by straight lines (trapezoids). Both [building h]; NaN when
    the event reports one time only.
    """
    t = figures["time"]
    if t.nunique() < 2:
        return math.nan, math.nan
    idx = curve.index.tz_convert("UTC")
    inside = (idx >= t.iloc[0]) & (idx < t.iloc[-1])
    x = np.array([_hours(t.iloc[0], s) for s in t])
    y = figures["value"].to_numpy(float)
    reported = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2.0))
    return float(curve.to_numpy()[inside].sum()), reported


def score_event(ev: Event, curve: pd.Series, first_strike: pd.Timestamp) -> pd.DataFrame:
    """Score rows of one event (module docstring): peak, milestones, building-hours.

    Parameters
    ----------
    ev : Event
    curve : Series
        Modelled buildings without heat on the run's hourly index.
    first_strike : Timestamp
        Time of the first strike (tz-aware).
    """
    rows = []
    for fig in ev.figures.itertuples(index=False):
        row = (_peak_row(ev, fig, curve) if fig.figure == "peak"
               else _milestone_row(ev, fig, curve, first_strike))
        rows.append({**row, "source": fig.source, "reliability": fig.reliability})
    model_bh, rep_bh = building_hours(curve, ev.figures)
    if np.isfinite(rep_bh):
        rows.append({"figure": "building_hours", "reported": rep_bh,
                     "reported_time": ev.figures["time"].iloc[-1], "model": model_bh,
                     "model_time": pd.NaT, "ratio": model_bh / rep_bh if rep_bh else math.nan,
                     "band": "", "verdict": "no band",
                     "source": "reported points joined by straight lines", "reliability": ""})
    df = pd.DataFrame(rows)
    df.insert(0, "event", ev.name)
    return df


# ------------------------------------------------------------------ runs
def event_curve(ev: Event, *, progress: bool = False) -> tuple[pd.Series, pd.Timestamp]:
    """Run an event's scenario through the one chain: buildings without heat per hour.

    Returns
    -------
    (Series, Timestamp)
        The count on the run's hourly index, and the first strike (the run's first hour
        without strikes).
    """
    from gridmodel.pipeline import build_context, run_chain
    from gridmodel.studies.scenario import ScenarioError, load_scenario, scenario_strikes

    sc = load_scenario(ev.scenario)
    ctx = build_context(sc, error=ScenarioError)
    strikes, _ = scenario_strikes(sc, ctx.net, ctx.layer)
    chain = run_chain(ctx, strikes, sc.seed, progress=progress)
    curve = pd.Series(chain.heat.without_heat.sum(axis=1).astype(np.int64), index=ctx.index,
                      name="buildings_without_heat")
    t0 = (pd.Timestamp(strikes["time"].min()) if strikes is not None
          else pd.Timestamp(ctx.index[0]))
    return curve, t0


def validate(events=None, out=None, *, force: bool = False,
             progress: bool = False) -> list[EventScore]:
    """Run and score events; with ``out``, write the scorecard, plots and report.html.

    Parameters
    ----------
    events : iterable of str or path, optional
        Catalogue names or event folders (default: every event of the catalogue).
    out : path, optional
        Output folder (never overwritten unless ``force``; written aside and swapped into
        place when complete, :func:`gridmodel._io.outdir.output_folder`).
    force : bool
    progress : bool

    Returns
    -------
    list of EventScore
    """
    if not events:
        events = sorted(q.name for q in catalogue().iterdir() if (q / EVENT_FILE).is_file())
    loaded = [load_event(e) for e in events]
    seen: dict[Path, str] = {}
    for e, ev in zip(events, loaded, strict=True):
        if ev.folder in seen:
            msg = (f"event {e!r} is given twice (also as {seen[ev.folder]!r}, both "
                   f"{ev.folder}); give each event once.")
            raise InputError(msg)
        seen[ev.folder] = str(e)
    if out is None:
        return [_scored(ev, progress) for ev in loaded]
    from gridmodel.report.validation import write_validation
    from gridmodel.studies.scenario import load_scenario, run_inputs

    inputs = [p for ev in loaded for p in (ev.folder, *run_inputs(load_scenario(ev.scenario)))]
    # checked first, written aside, swapped into place only when complete
    with output_folder(out, force=force, inputs=inputs, command="validate",
                       summary="scorecard.csv") as tmp:
        scores = [_scored(ev, progress) for ev in loaded]
        write_validation(tmp, scores)
    return scores


def _scored(ev: Event, progress: bool) -> EventScore:
    curve, t0 = event_curve(ev, progress=progress)
    return EventScore(event=ev, curve=curve, first_strike=t0, rows=score_event(ev, curve, t0))
