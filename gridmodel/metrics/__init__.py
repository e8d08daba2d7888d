"""Small metrics over heat and grid results (one line of arithmetic each).

Shapes: heat states are (time, building) boolean arrays in registry order; ``index`` is
the hourly time index; grid frames are ``TimelineResult`` tables. "Without heat" means
cut off from heat supply: the building's source or zone is down, or it is drained and
not yet restarted (see docs/heat.md). A short stop of a tall building's own pumps is an
*interruption*, not "without heat".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmodel.heat.availability import CAUSES
from gridmodel.outage.steps import StepArrays

__all__ = [
    "building_hours_below",
    "by_cause_at",
    "by_district_peak",
    "energy_not_served_mwh",
    "load_shed_mw",
    "without_heat_count",
]


def without_heat_count(without_heat: np.ndarray, index: pd.DatetimeIndex) -> pd.Series:
    """Buildings without heat per hour [buildings]: ``without_heat.sum(axis=1)``."""
    return pd.Series(np.asarray(without_heat).sum(axis=1), index=index,
                     name="buildings_without_heat")


def by_district_peak(without_heat: np.ndarray, district: np.ndarray,
                     index: pd.DatetimeIndex) -> dict[str, dict]:
    """Each district's own peak of buildings without heat, its time and its total stock."""
    out = {}
    for d in sorted(set(district)):
        m = np.asarray(district) == d
        series = np.asarray(without_heat)[:, m].sum(axis=1)
        k = int(series.argmax()) if series.size else 0
        out[d] = {"buildings": int(m.sum()), "peak": int(series.max(initial=0)),
                  "peak_time": index[k].isoformat() if series.size and series.max() > 0
                  else None}
    return out


def by_cause_at(cause: np.ndarray, k: int) -> dict[str, int]:
    """Buildings without heat at hour ``k`` split by cause (:data:`CAUSES`, 0 excluded)."""
    counts = np.bincount(np.asarray(cause[k], dtype=np.int64), minlength=len(CAUSES))
    return {name: int(counts[c]) for c, name in CAUSES.items() if c}


def building_hours_below(hours_below_per_building: np.ndarray) -> float:
    """Building-hours below a threshold: the sum of per-building hours [building-h]."""
    return float(np.asarray(hours_below_per_building).sum())


def load_shed_mw(loads: pd.DataFrame | StepArrays) -> pd.Series:
    """Total MW shed per step over all loads [MW] (``TimelineResult.loads``, or its
    arrays ``TimelineResult.steps``: the same compensated sums per step)."""
    if isinstance(loads, StepArrays):
        return pd.Series(loads.run_totals("shed_mw")[loads.step_run],
                         index=pd.DatetimeIndex(loads.times, name="time", freq=None),
                         name="shed_mw")
    return loads.groupby("time")["shed_mw"].sum()


def energy_not_served_mwh(loads: pd.DataFrame | StepArrays, step_h: float = 1.0) -> float:
    """Energy not served over the horizon [MWh]: sum of shed MW x step (over the table's
    column, or the same values of the arrays in the same order)."""
    if isinstance(loads, StepArrays):
        return float(loads.per_step("shed_mw").reshape(-1).sum() * step_h)
    return float(loads["shed_mw"].sum() * step_h)
