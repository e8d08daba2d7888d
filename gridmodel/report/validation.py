"""The validation scorecard's outputs: table, one plot per event, report.html.

Reads the scores of :func:`gridmodel.studies.validate.validate` (objects with ``event``,
``curve``, ``first_strike`` and ``rows``); writes into the command's output folder:

* ``scorecard.csv``: one row per reported figure and event (peak ratio, each milestone's
  time ratio, building-hours), with its pass band and verdict;
* ``scorecard.txt``: the same, as printed by ``gridmodel validate``;
* ``<event>_curve.csv`` and ``<event>.png``: the modelled buildings without heat per hour
  against the reported points;
* ``report.html`` (:func:`gridmodel.report.html.write_report`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot_event", "scorecard_table", "scorecard_text", "write_validation"]

_COLUMNS = ["event", "figure", "reported", "reported_time", "model", "model_time", "ratio",
            "band", "verdict", "source", "reliability"]


def scorecard_table(scores) -> pd.DataFrame:
    """All score rows, times in each event's local time zone (ISO text)."""
    frames = []
    for s in scores:
        tz = s.curve.index.tz
        df = s.rows.copy()
        for c in ("reported_time", "model_time"):
            df[c] = [t.tz_convert(tz).isoformat(timespec="minutes") if pd.notna(t) else ""
                     for t in df[c]]
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=_COLUMNS)


def _fmt(x, digits: int = 0) -> str:
    if isinstance(x, float) and not np.isfinite(x):
        return "-"
    return f"{x:,.{digits}f}" if isinstance(x, int | float) else str(x)


def scorecard_text(scores) -> str:
    """The scorecard as plain text: per event its title, note and one line per figure."""
    lines = []
    table = scorecard_table(scores)
    for s in scores:
        ev = s.event
        lines.append(f"{ev.name}: {ev.title}")
        if ev.note:
            lines.append(f"  note: {ev.note}")
        for r in table[table["event"] == ev.name].itertuples(index=False):
            what = (f"{r.figure} {_fmt(r.reported)} at {r.reported_time}"
                    if r.figure != "building_hours"
                    else f"building-hours {_fmt(r.reported)} (reported points, joined)")
            ratio = "not reached" if r.figure == "milestone" and r.model_time == "" \
                else f"ratio {_fmt(r.ratio, 2)}"
            band = f" band {r.band}" if r.band else ""
            model = f"model {_fmt(r.model)}" + (f" at {r.model_time}" if r.model_time else "")
            lines.append(f"  {r.verdict:7s} {what}: {model}; {ratio}{band}")
    return "\n".join(lines)


def plot_event(score, path) -> Path:
    """PNG of an event's modelled curve against its reported points (local time)."""
    from gridmodel.report.plots import _plt

    plt = _plt()
    ev, curve = score.event, score.curve
    tz = curve.index.tz
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(curve.index, curve.to_numpy(), lw=1.5, label="model: buildings without heat")
    figs = ev.figures
    for kind, marker in (("peak", "^"), ("milestone", "o")):
        f = figs[figs["figure"] == kind]
        if len(f):
            ax.plot(f["time"].dt.tz_convert(tz), f["value"].to_numpy(float), marker,
                    ms=7, ls="none", color="k" if kind == "milestone" else "tab:red",
                    label=f"reported {kind}")
    ax.axvline(score.first_strike.tz_convert(tz), color="grey", ls="--", lw=0.8,
               label="first strike")
    ax.set_ylabel("buildings without heat")
    ax.set_title(ev.title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_validation(out, scores) -> Path:
    """Write the scorecard, curves, plots and report.html into ``out`` (module docstring).

    Returns
    -------
    Path
        ``report.html``.
    """
    from gridmodel.report.html import write_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = scorecard_table(scores)
    table.to_csv(out / "scorecard.csv", index=False)
    (out / "scorecard.txt").write_text(scorecard_text(scores) + "\n", encoding="utf-8")
    figures = []
    for s in scores:
        curve = s.curve.rename_axis("time").reset_index()
        curve["time"] = [t.isoformat() for t in curve["time"]]
        curve.to_csv(out / f"{s.event.name}_curve.csv", index=False)
        figures.append((s.event.title, plot_event(s, out / f"{s.event.name}.png")))
    notes = ["Each reported event run through the one chain and scored (docs/validation.md): "
             "peak ratio model/reported; each milestone's time ratio (time from the first "
             "strike until the modelled count first falls to or below the reported count, "
             "after the modelled peak, over the reported time); building-hours."]
    notes += [f"{s.event.name}: {s.event.note}" for s in scores if s.event.note]
    verdicts = table["verdict"].value_counts().to_dict()
    summary = {"events": len(scores), **{f"figures_{k.replace(' ', '_')}": int(v)
                                         for k, v in sorted(verdicts.items())}}
    return write_report(out, title="gridmodel validation scorecard", summary=summary,
                        figures=figures, tables={"scorecard": table}, notes=notes)
