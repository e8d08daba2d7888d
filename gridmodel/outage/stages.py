"""Outage stages as Ukrenergo announces them: a deficit -> queues off -> hours a day.

FIELD_NOTES 11 [A/B] (RBC-Ukraine 2025-11-24; YASNO via novy.tv 2025-10-10; Ukrenergo via
epravda 2025-10-07):

- the non-critical consumers of a region are split into 6 queues, each about 12.5 % of the
  region's load (critical infrastructure, about 25 %, is exempt), so a 10 % deficit means
  about one queue off;
- hours a day without power: 1 queue up to 4 h, 2 queues 8 h, 3 queues 12 h, 4 queues
  more than 12 h; at 5-6 queues the schedules stop and emergency outages (GAV) follow;
  more than 16 h off with 5 of 6 groups cut (YASNO); fractional stages (2.5, 3.5) are used.

The rule here: ``queues = deficit / (queue_share x demand)``, rounded **up** to the next
half queue (a stage covers the whole deficit [C]); ``hours off a day = 4 h x queues``
(blocks of 4 h, each of the six queues off in turn: ``queues`` blocks a day per queue,
which gives the table's 4, 8, 12 h and more than 12 h at 4 queues); ``emergency`` from 5
queues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Stage", "stage_for_deficit"]

#: FIELD_NOTES 11 [A/B]: each queue holds about 12.5 % of a region's load
QUEUE_SHARE_OF_LOAD = 0.125
#: FIELD_NOTES 11 [A/B]: the DSOs' schedules switch queues in blocks of up to 4 h
BLOCK_H = 4.0
#: FIELD_NOTES 11 [A/B]: at 5-6 queues the schedules stop and emergency outages follow
EMERGENCY_QUEUES = 5.0
#: FIELD_NOTES 11 [A/B]: six queues (1.1 ... 6.2)
N_QUEUES = 6


@dataclass(frozen=True)
class Stage:
    """An outage stage.

    Attributes
    ----------
    queues : float
        Queues off at once, in half steps (0, 0.5, ..., 6).
    hours_off_per_day : float
        Hours a day each consumer of a queue is without power [h].
    emergency : bool
        True from 5 queues: schedules stop, emergency outages (GAV).
    """

    queues: float
    hours_off_per_day: float
    emergency: bool


def stage_for_deficit(deficit_mw: float, demand_mw: float, *,
                      queue_share: float = QUEUE_SHARE_OF_LOAD) -> Stage:
    """The stage that covers a deficit (module rule).

    Parameters
    ----------
    deficit_mw : float
        Power short in the region [MW] (>= 0).
    demand_mw : float
        The region's demand [MW] (> 0).
    queue_share : float
        Share of the region's load in one queue (FIELD_NOTES 11: about 0.125).

    Examples
    --------
    >>> stage_for_deficit(1800.0, 18000.0)  # 10 %: one queue, up to 4 h a day
    Stage(queues=1.0, hours_off_per_day=4.0, emergency=False)
    """
    if not demand_mw > 0.0 or deficit_mw < 0.0:
        msg = f"need demand_mw > 0 and deficit_mw >= 0; got {demand_mw=}, {deficit_mw=}."
        raise ValueError(msg)
    x = deficit_mw / (queue_share * demand_mw)
    queues = min(float(N_QUEUES), math.ceil(2.0 * x - 1e-9) / 2.0)
    return Stage(queues=queues, hours_off_per_day=BLOCK_H * queues,
                 emergency=queues >= EMERGENCY_QUEUES)
