"""Figures of what changed, drawn for ``report.html`` only (PNG bytes, never files).

* :func:`timeline_png`: buildings without heat over time, stacked by *affected* district
  (names in the legend), the no-strike baseline dashed, and the outdoor temperature in a
  panel beneath on the same time axis (local time).
* :func:`indoor_png`: indoor temperature of the buildings that lost heat (each distinct
  trajectory; their 5-95 % band when there are many) against the median of the others.
* :func:`paired_png`: an ensemble's paired differences between patterns (same replicate
  index = same random numbers), per metric.

The output files of a run (``gridmodel.report.plots``) are unchanged; these are drawn from
the same results.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

__all__ = ["indoor_png", "paired_png", "timeline_png"]

#: above this many affected distinct trajectories the indoor plot draws their band
_MAX_CURVES = 40


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()


def _local(index: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    """``index`` as naive local wall-clock times (matplotlib's axis labels)."""
    idx = index if index.tz is not None else index.tz_localize("UTC")
    return idx.tz_convert(tz).tz_localize(None)


def timeline_png(index: pd.DatetimeIndex, by_district: pd.DataFrame, baseline, temp_air,
                 tz: str) -> bytes:
    """Buildings without heat by affected district, the baseline, outdoor temperature.

    Parameters
    ----------
    index : pandas.DatetimeIndex
    by_district : pandas.DataFrame
        [time x district name] buildings without heat, affected districts only.
    baseline : array or None
        Buildings without heat per hour without strikes (dashed; None: not drawn).
    temp_air : array
        Outdoor temperature per hour [°C].
    tz : str
        Time zone of the axis labels.
    """
    plt = _plt()
    x = _local(index, tz)
    fig, (ax, at) = plt.subplots(2, 1, figsize=(10, 5), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1.2]})
    if by_district.shape[1]:
        ax.stackplot(x, *[by_district[c].to_numpy() for c in by_district.columns],
                     labels=list(by_district.columns))
    if baseline is not None:
        ax.plot(x, np.asarray(baseline), "k--", lw=1, label="no-strike baseline")
    ax.set_ylabel("buildings without heat")
    ax.set_title("Buildings cut off from heat, by affected district")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    at.plot(x, np.asarray(temp_air, float), color="tab:blue", lw=1.2)
    at.set_ylabel("outdoor [°C]")
    at.set_xlabel(f"local time ({tz})")
    at.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _png(fig)


def indoor_png(index: pd.DatetimeIndex, temps, affected, health_risk_c: float,
               tz: str) -> bytes:
    """Indoor temperature of the buildings that lost heat, against the others' median.

    Parameters
    ----------
    index : pandas.DatetimeIndex
    temps : gridmodel.thermal.trajectories.DistinctTrajectories
    affected : array of bool
        Buildings ever without heat, shape (building,).
    health_risk_c : float
        The layer's ``[comfort] health_risk_c`` (dashed line).
    tz : str
    """
    plt = _plt()
    x = _local(index, tz)
    affected = np.asarray(affected, bool)
    cols = np.unique(temps.inverse[affected])
    fig, ax = plt.subplots(figsize=(10, 4))
    if len(cols) > _MAX_CURVES:
        t = temps.temp_indoor[:, temps.inverse[affected]]
        ax.fill_between(x, np.percentile(t, 5, axis=1), np.percentile(t, 95, axis=1),
                        color="tab:red", alpha=0.25, label="5-95 % of those buildings")
        ax.plot(x, t.min(axis=1), color="tab:red", lw=1, label="coldest of them")
    else:
        for i, c in enumerate(cols):
            ax.plot(x, temps.temp_indoor[:, c], color="tab:red", lw=0.9, alpha=0.7,
                    label="buildings that lost heat" if i == 0 else None)
    if (~affected).any():
        ax.plot(x, np.median(temps.to_buildings(np.flatnonzero(~affected)), axis=1),
                color="0.4", lw=1.4, label="median of the other buildings")
    ax.axhline(health_risk_c, color="k", ls="--", lw=0.8,
               label=f"health risk ({health_risk_c:g} °C)")
    ax.set_ylabel("indoor temperature [°C]")
    ax.set_xlabel(f"local time ({tz})")
    ax.set_title(f"Indoor temperature of the {int(affected.sum()):,} buildings that lost heat")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    return _png(fig)


def paired_png(diffs: pd.DataFrame, reference: str) -> bytes:
    """Paired differences per metric: one box per pattern against ``reference``.

    Parameters
    ----------
    diffs : pandas.DataFrame
        ``pattern, metric, difference`` (pattern minus reference, same replicate).
    reference : str
        The pattern every other is compared with.
    """
    plt = _plt()
    metrics = list(dict.fromkeys(diffs["metric"]))
    fig, axes = plt.subplots(1, max(len(metrics), 1), figsize=(3.2 * max(len(metrics), 1), 3.6),
                             squeeze=False)
    for ax, m in zip(axes[0], metrics, strict=False):
        g = diffs[diffs["metric"] == m]
        pats = list(dict.fromkeys(g["pattern"]))
        ax.boxplot([g.loc[g["pattern"] == p, "difference"].to_numpy() for p in pats])
        ax.set_xticks(range(1, len(pats) + 1), pats)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_title(m.replace("_", " "), fontsize=8)
        ax.tick_params(axis="x", labelsize=7, rotation=30)
    fig.suptitle(f"Paired differences against {reference} (same replicate = same random "
                 "numbers)", fontsize=9)
    fig.tight_layout()
    return _png(fig)
