"""The outage stages published a day ahead, per supply area (FIELD_NOTES 11).

Ukrenergo sets the number of queues per region and the DSOs publish each day's
schedules the day before (FIELD_NOTES 11 [A/B]). The heat layer may read what a home was
told to expect rather than what happened: :func:`published_stages` gives, per supply area
and local day ``D``:

- ``queues``, ``hours_off_per_day``, ``emergency``: the stage published on ``D - 1``
  (:func:`gridmodel.outage.stages.stage_for_deficit`) for the **largest block deficit of
  day D - 1** (a persistence forecast: the operators publish from the system as it stands
  the day before [C]); for the first day of the horizon, from its first block (the
  system before the first strike of the day) [C];
- ``actual_queues``: the stage of day ``D``'s own largest block deficit, for comparison.

A queue here is ``1 / n_queues`` of the area's queued (residential + industry) demand,
the queue of :func:`gridmodel.outage.blackouts.rolling_blackouts`; an area dark in every
block of a day has no stage that day (NaN, ``emergency`` True).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gridmodel.outage.stages import stage_for_deficit

__all__ = ["PUBLISHED_COLUMNS", "published_stages"]

PUBLISHED_COLUMNS = ["area", "oblast", "date", "published_on", "queues", "hours_off_per_day",
                     "emergency", "actual_queues"]


def _stage_of(deficit_mwh: float, demand_mwh: float, n_queues: int):
    """Stage of one block, or None for a block without queued demand (dark)."""
    if not demand_mwh > 0.0:
        return None
    return stage_for_deficit(max(float(deficit_mwh), 0.0), float(demand_mwh),
                             queue_share=1.0 / n_queues)


def _peak_block(day: pd.DataFrame) -> pd.Series | None:
    """The block of a day with the largest deficit share of its queued demand."""
    live = day[day["demand_mwh"] > 0.0]
    if not len(live):
        return None
    share = live["deficit_mwh"].to_numpy(float) / live["demand_mwh"].to_numpy(float)
    return live.iloc[int(np.argmax(share))]


def published_stages(blocks: pd.DataFrame, n_queues: int) -> pd.DataFrame:
    """Stages published a day ahead per area and local day (module rule).

    Parameters
    ----------
    blocks : DataFrame
        ``BlackoutSchedule.blocks`` (``area, oblast, date, block, demand_mwh,
        deficit_mwh``).
    n_queues : int
        Queues per area.

    Returns
    -------
    DataFrame
        :data:`PUBLISHED_COLUMNS`, one row per area and local day.
    """
    rows = []
    for (area, oblast), g in blocks.sort_values(["area", "date", "block"]).groupby(
            ["area", "oblast"], sort=True):
        days = [(d, day) for d, day in g.groupby("date", sort=True)]
        peaks = [_peak_block(day) for _, day in days]
        actual = [None if p is None else _stage_of(p["deficit_mwh"], p["demand_mwh"], n_queues)
                  for p in peaks]
        for i, (date, day) in enumerate(days):
            if i == 0:
                first = day.iloc[0]
                stage = _stage_of(first["deficit_mwh"], first["demand_mwh"], n_queues)
            else:
                stage = actual[i - 1]
            rows.append({"area": area, "oblast": oblast, "date": date,
                         "published_on": date - dt.timedelta(days=1),
                         "queues": np.nan if stage is None else stage.queues,
                         "hours_off_per_day": np.nan if stage is None
                         else stage.hours_off_per_day,
                         "emergency": True if stage is None else stage.emergency,
                         "actual_queues": np.nan if actual[i] is None else actual[i].queues})
    return pd.DataFrame(rows, columns=PUBLISHED_COLUMNS)
