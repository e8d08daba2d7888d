"""Crew-limited restart of drained buildings, and per-building heat states.

Repairs come from the outage timeline (they decide when a group's supply is back, see
:mod:`gridmodel.heat.availability`); this module adds the restart of drained buildings:

* A drained building can be restarted at an hour when its supply is back (source, zone
  pumping and, for tall buildings, its own power: the group circulates).
* Crews restart buildings **first drained, first restarted** (ties by registry order,
  i.e. building_id). ``n_crews = crews * share_for_restarts`` crews each work on one
  building for ``crew_hours_per_building`` hours, then take the next.
* Heat reaches the flats ``heat_to_flats_h`` hours after the crew starts (about two days,
  FIELD_NOTES 3 [A]); until then the building stays without heat.
* A new drain of the building's group (before or after heat is back) drains it again;
  a building already waiting keeps its place in the queue.

Parameters are in the layer's ``assumptions.toml`` ``[restart]`` (tagged [C]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridmodel.heat.availability import GroupAvailability

__all__ = ["BuildingHeat", "restart_buildings"]

NORMAL, DRAINED, RESTARTING = 0, 1, 2


@dataclass
class BuildingHeat:
    """Per-building hourly heat states (time, building), registry order.

    Attributes
    ----------
    heat_on : numpy.ndarray of bool
        Heating water reaches the flats during the hour (input to the thermal model).
    without_heat : numpy.ndarray of bool
        Cut off from heat supply: source or zone down, or drained (until heat is back
        after a restart). A short stop of the building's own pumps is not counted.
    drained : numpy.ndarray of bool
        Drained and not yet back (waiting for a crew or restarting).
    interrupted : numpy.ndarray of bool
        Circulation stopped but not drained (cools, counts as interrupted).
    cause : numpy.ndarray of int8
        Cause of ``without_heat`` (:data:`gridmodel.heat.availability.CAUSES`).
    freeze_risk : numpy.ndarray of bool
        Undrained with piping past its freezing time.
    drain_time, restart_start, heat_back : numpy.ndarray of int, shape (building,)
        Hour index of the last drain, of the last crew start and of heat back (-1: never).
    crews_busy : numpy.ndarray of int, shape (time,)
        Crews working on restarts in each hour.
    """

    heat_on: np.ndarray
    without_heat: np.ndarray
    drained: np.ndarray
    interrupted: np.ndarray
    cause: np.ndarray
    freeze_risk: np.ndarray
    drain_time: np.ndarray
    restart_start: np.ndarray
    heat_back: np.ndarray
    crews_busy: np.ndarray


def restart_buildings(ga: GroupAvailability, n_crews: int, crew_hours_per_building: float,
                      heat_to_flats_h: float) -> BuildingHeat:
    """Per-building states with crew-limited restarts (see module docstring).

    Parameters
    ----------
    ga : GroupAvailability
        Group timelines from :func:`gridmodel.heat.availability.group_availability`.
    n_crews : int
        Crews restarting drained buildings at once.
    crew_hours_per_building : float
        Hours a crew spends on one building [h].
    heat_to_flats_h : float
        Hours from crew start to heat in the flats [h].

    Returns
    -------
    BuildingHeat
    """
    if n_crews < 0 or crew_hours_per_building <= 0 or heat_to_flats_h < 0:
        msg = (f"restart needs n_crews >= 0, crew_hours_per_building > 0 and "
               f"heat_to_flats_h >= 0; got {n_crews=}, {crew_hours_per_building=}, "
               f"{heat_to_flats_h=}.")
        raise ValueError(msg)
    g = ga.group_of
    n_t, n_b = len(ga.index), len(g)
    state = np.zeros(n_b, dtype=np.int8)
    drain_time = np.full(n_b, -1, dtype=np.int64)
    dcause = np.zeros(n_b, dtype=np.int8)
    start = np.full(n_b, -1, dtype=np.int64)
    back = np.full(n_b, -1, dtype=np.int64)
    state_t = np.zeros((n_t, n_b), dtype=np.int8)
    cause_d = np.zeros((n_t, n_b), dtype=np.int8)
    crews_busy = np.zeros(n_t, dtype=np.int64)
    crew_free_at: list[float] = []  # end hours of busy crews
    trig_any = ga.drain_trigger.any(axis=0)
    members = {int(k): np.flatnonzero(g == k) for k in np.flatnonzero(trig_any)}
    for t in range(n_t):
        # heat back after restart
        if (state == RESTARTING).any():
            done = (state == RESTARTING) & (t - start >= heat_to_flats_h)
            state[done] = NORMAL
            back[done] = t
        # new drains
        for k in np.flatnonzero(ga.drain_trigger[t]):
            m = members[int(k)]
            newly = m[state[m] != DRAINED]
            state[newly] = DRAINED
            drain_time[newly] = t
            dcause[newly] = ga.drain_cause[t, k]
        # crews
        crew_free_at = [e for e in crew_free_at if e > t]
        free = n_crews - len(crew_free_at)
        waiting = np.flatnonzero(state == DRAINED)
        if free > 0 and waiting.size:
            ok = waiting[ga.circulating[t, g[waiting]]]
            if ok.size:
                order = np.lexsort((ok, drain_time[ok]))
                pick = ok[order[:free]]
                state[pick] = RESTARTING
                start[pick] = t
                crew_free_at.extend([t + crew_hours_per_building] * len(pick))
                if heat_to_flats_h == 0:
                    state[pick] = NORMAL
                    back[pick] = t
        crews_busy[t] = len(crew_free_at)
        state_t[t] = state
        cause_d[t] = np.where(state != NORMAL, dcause, 0)
    drained = state_t != NORMAL
    circ_b = ga.circulating[:, g]
    supply_b = ga.supply_ok[:, g]
    heat_on = circ_b & ~drained
    without = ~supply_b | drained
    cause = np.where(drained, cause_d, ga.supply_cause[:, g]).astype(np.int8)
    cause[~without] = 0
    return BuildingHeat(heat_on=heat_on, without_heat=without, drained=drained,
                        interrupted=~circ_b & ~drained, cause=cause,
                        freeze_risk=ga.freeze_risk[:, g] & ~drained, drain_time=drain_time,
                        restart_start=start, heat_back=back, crews_busy=crews_busy)
