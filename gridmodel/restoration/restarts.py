"""Crew-limited restart of drained buildings, and per-building heat states.

Repairs come from the outage timeline (they decide when a group's supply is back, see
:mod:`gridmodel.heat.availability`); this module adds the restart of drained buildings:

* A drained building can be restarted at an hour when its supply is back (source, zone
  pumping and, for tall buildings, its own power: the group circulates).
* Crews restore whole **network sections** (the layer's ``section_id``; FIELD_NOTES 10:
  hundreds to thousands of buildings a day), **first drained, first restarted** (ties by
  registry order, i.e. building_id): the first queued building whose supply is back takes
  a crew for its section, and every drained building of that section whose supply is back
  restarts with it. ``n_crews = crews * share_for_restarts`` crews each work on one
  section for ``crew_hours_per_building`` hours, then take the next. A layer without
  sections has one building per section.
* Coolant is supplied ``heat_to_flats_h`` hours after the crew starts (fill, pressure,
  then temperature); until then the building stays without heat. From then on it counts
  as back, as the city counts it (FIELD_NOTES 10); the warm-up shows in the indoor
  temperatures.
* A new drain of the building's group (before or after heat is back) drains it again;
  a building already waiting keeps its place in the queue.
* **Refill failures** (optional, the layer's ``[refill]``): a drained building's own system
  fails when it is first refilled with probability ``failure_share`` (leaks and frozen or
  worn risers found under pressure; FIELD_NOTES 10 and Kuleba, 17 Jan 2026: of 102
  buildings still without heat, 56 had "localized failures due to severe frosts and
  worn-out internal systems"); it then stays without heat for a repair of
  ``repair_h`` hours (lognormal) before coolant is supplied. The caller draws which
  buildings fail and their repair hours (:func:`refill_failures`).

Parameters are in the layer's ``assumptions.toml`` ``[restart]`` (tagged [C]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from gridmodel.heat.availability import GroupAvailability

__all__ = ["BuildingHeat", "refill_failures", "restart_buildings"]

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
    refill_failed : numpy.ndarray of bool, shape (building,)
        The building's system failed at its first refill (waited for a repair).
    heat_level : numpy.ndarray of float32, (time, building), optional
        Share of demand delivered where the heat is on (1 full), 0 where it is off; None
        when no building gets reduced heat in any hour (``GroupAvailability.heat_level``
        None or all 1). :attr:`reduced_heat` follows from it.
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
    refill_failed: np.ndarray | None = None
    heat_level: np.ndarray | None = None

    @property
    def reduced_heat(self) -> np.ndarray | None:
        """Heat on at a reduced share of demand, (time, building) bool: has coolant, so not
        counted in ``without_heat``; None when no building gets reduced heat."""
        return None if self.heat_level is None else self.heat_on & (self.heat_level < 1.0)


def refill_failures(n_buildings: int, failure_share: float, repair_median_h: float,
                    repair_sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Hours of in-building repair each building needs at its first refill (0: none).

    One uniform draw per building decides whether its system fails (probability
    ``failure_share``), then one lognormal draw per building gives the repair time
    (median ``repair_median_h``, log-standard deviation ``repair_sigma``); both for every
    building, in registry order, so the draws do not depend on which buildings drain.

    Parameters
    ----------
    n_buildings : int
    failure_share : float
        Probability that a drained building's system fails when refilled [0-1].
    repair_median_h : float
        Median repair time of a failed system [h].
    repair_sigma : float
        Log-standard deviation of the repair time.
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray of float, shape (building,)
    """
    fails = rng.random(n_buildings) < failure_share
    hours = rng.lognormal(np.log(repair_median_h), repair_sigma, n_buildings)
    return np.where(fails, hours, 0.0)


def restart_buildings(ga: GroupAvailability, n_crews: int, crew_hours_per_building: float,
                      heat_to_flats_h: float, refill_repair_h=None) -> BuildingHeat:
    """Per-building states with crew-limited restarts (see module docstring).

    Parameters
    ----------
    ga : GroupAvailability
        Group timelines from :func:`gridmodel.heat.availability.group_availability`.
    n_crews : int
        Crews restarting drained buildings at once.
    crew_hours_per_building : float
        Hours a crew spends on one section [h] (on one building without sections).
    heat_to_flats_h : float
        Hours from crew start to coolant supplied to the buildings [h].
    refill_repair_h : array-like of float, shape (building,), optional
        In-building repair hours at the first refill (:func:`refill_failures`; 0: the
        refill succeeds). Default: every refill succeeds.

    Returns
    -------
    BuildingHeat
    """
    if n_crews < 0 or crew_hours_per_building <= 0 or heat_to_flats_h < 0:
        msg = (f"restart needs n_crews >= 0, crew_hours_per_building > 0 and "
               f"heat_to_flats_h >= 0; got {n_crews=}, {crew_hours_per_building=}, "
               f"{heat_to_flats_h=}.")
        raise ValueError(msg)
    g = np.ascontiguousarray(ga.group_of, dtype=np.int64)
    n_t, n_b = len(ga.index), len(g)
    drain_trigger = np.ascontiguousarray(ga.drain_trigger, dtype=np.bool_)
    drain_time = np.full(n_b, -1, dtype=np.int64)
    start = np.full(n_b, -1, dtype=np.int64)
    back = np.full(n_b, -1, dtype=np.int64)
    crews_busy = np.zeros(n_t, dtype=np.int64)
    extra = (np.zeros(n_b) if refill_repair_h is None
             else np.ascontiguousarray(refill_repair_h, dtype=np.float64))
    if extra.shape != (n_b,) or not np.isfinite(extra).all() or (extra < 0).any():
        msg = f"refill_repair_h must be {n_b} finite hours >= 0, one per building."
        raise ValueError(msg)
    failed = np.zeros(n_b, dtype=np.bool_)
    drained = np.zeros((n_t, n_b), dtype=bool)
    heat_on = np.zeros((n_t, n_b), dtype=bool)
    without = np.zeros((n_t, n_b), dtype=bool)
    interrupted = np.zeros((n_t, n_b), dtype=bool)
    freeze = np.zeros((n_t, n_b), dtype=bool)
    cause = np.zeros((n_t, n_b), dtype=np.int8)
    _restart_loop(g, _sections(ga, n_b), drain_trigger,
                  np.ascontiguousarray(ga.drain_cause, dtype=np.int8),
                  np.ascontiguousarray(ga.circulating, dtype=np.bool_),
                  np.ascontiguousarray(ga.supply_ok, dtype=np.bool_),
                  np.ascontiguousarray(ga.supply_cause, dtype=np.int8),
                  np.ascontiguousarray(ga.freeze_risk, dtype=np.bool_), int(n_crews),
                  float(crew_hours_per_building), float(heat_to_flats_h), extra, failed,
                  drain_time, start, back, crews_busy, drained, heat_on, without, interrupted,
                  freeze, cause)
    level = ga.heat_level
    if level is not None and (level < 1.0).any():  # (time, group): expand only when used
        level = np.where(heat_on, level[:, g], 0.0).astype(np.float32)
    else:
        level = None
    return BuildingHeat(heat_on=heat_on, without_heat=without, drained=drained,
                        interrupted=interrupted, cause=cause,
                        freeze_risk=freeze, drain_time=drain_time,
                        restart_start=start, heat_back=back, crews_busy=crews_busy,
                        refill_failed=failed, heat_level=level)


def _sections(ga: GroupAvailability, n_b: int) -> np.ndarray:
    """Section number of each building (``ga.section_of``; none: each its own section)."""
    sec = getattr(ga, "section_of", None)
    if sec is None:
        return np.arange(n_b, dtype=np.int64)
    return np.ascontiguousarray(sec, dtype=np.int64)


@njit(cache=True)
def _restart_loop(g, section, drain_trigger, drain_cause, circulating, supply_ok, supply_cause,
                  freeze_risk, n_crews, crew_h, flats_h, extra_h, failed, drain_time, start, back,
                  crews_busy, drained, heat_on, without, interrupted, freeze,
                  cause):  # pragma: no cover
    """Hour-by-hour crew loop of :func:`restart_buildings` (fills the output arrays).

    Drained buildings wait in a queue in the order they were drained (hour, then registry
    order) until a crew takes them; restarting buildings are listed with their start hour
    (an entry lapses when the building is drained again). An hour visits every building
    only to write its states. Each hour: heat back after restarts, new drains, crews
    freed, crews assigned, states written.
    """
    n_t, n_b = drained.shape
    taken = np.zeros(section.max() + 1 if n_b else 1, dtype=np.int64)
    state = np.zeros(n_b, dtype=np.int8)
    dcause = np.zeros(n_b, dtype=np.int8)
    crew_end = np.zeros(max(n_crews, 1), dtype=np.float64)  # end hours of busy crews
    n_busy = 0
    queue = np.empty(n_b, dtype=np.int64)
    q_len = 0
    restarting = np.empty(2 * n_b, dtype=np.int64)
    restarting_start = np.empty(2 * n_b, dtype=np.int64)
    n_restarting = 0
    ready = np.zeros(n_b, dtype=np.float64)  # hour coolant reaches a restarting building
    for t in range(n_t):
        n_restarting = _heat_back(t, ready, state, start, back, restarting, restarting_start,
                                  n_restarting)
        q_len = _new_drains(t, g, drain_trigger, drain_cause, state, drain_time, dcause, queue,
                            q_len)
        n_busy = _free_crews(t, crew_end, n_busy)
        free = n_crews - n_busy
        if free > 0 and q_len:
            q_len, n_busy, n_restarting = _assign_crews(
                t, free, g, section, taken, circulating, crew_h, flats_h, extra_h, failed,
                ready, state, start, back, queue, q_len, crew_end, n_busy, restarting,
                restarting_start, n_restarting)
        crews_busy[t] = n_busy
        _write_states(t, g, state, dcause, circulating, supply_ok, supply_cause, freeze_risk,
                      drained, heat_on, without, interrupted, freeze, cause)


@njit(cache=True)
def _heat_back(t, ready, state, start, back, restarting, restarting_start,
               n_restarting):  # pragma: no cover
    """Buildings whose coolant is supplied by hour ``t`` (``ready``) become NORMAL.

    Keeps the other entries of ``restarting`` still current (same start hour, still
    RESTARTING) in place; returns their number.
    """
    m = 0
    for j in range(n_restarting):
        i = restarting[j]
        if state[i] == RESTARTING and start[i] == restarting_start[j]:
            if t >= ready[i]:
                state[i] = NORMAL
                back[i] = t
            else:
                restarting[m] = i
                restarting_start[m] = start[i]
                m += 1
    return m


@njit(cache=True)
def _new_drains(t, g, drain_trigger, drain_cause, state, drain_time, dcause, queue,
                q_len):  # pragma: no cover
    """Buildings of the groups drained at hour ``t`` join the queue in registry order.

    A building already waiting (DRAINED) keeps its place; returns the queue length.
    """
    any_trigger = False
    for k in range(drain_trigger.shape[1]):
        if drain_trigger[t, k]:
            any_trigger = True
            break
    if any_trigger:
        for i in range(g.size):
            k = g[i]
            if drain_trigger[t, k] and state[i] != DRAINED:
                state[i] = DRAINED
                drain_time[i] = t
                dcause[i] = drain_cause[t, k]
                queue[q_len] = i
                q_len += 1
    return q_len


@njit(cache=True)
def _free_crews(t, crew_end, n_busy):  # pragma: no cover
    """Drop the crews whose work ended by hour ``t``; returns the number still busy."""
    m = 0
    for j in range(n_busy):
        if crew_end[j] > t:
            crew_end[m] = crew_end[j]
            m += 1
    return m


@njit(cache=True)
def _assign_crews(t, free, g, section, taken, circulating, crew_h, flats_h, extra_h, failed,
                  ready, state, start, back, queue, q_len, crew_end, n_busy, restarting,
                  restarting_start, n_restarting):  # pragma: no cover
    """Give the ``free`` crews to the sections of the first queued buildings that circulate.

    First drained, first restarted: the first queued building whose group circulates
    takes a crew for its section, and every other queued building of that section whose
    group circulates restarts with it. The queue keeps the buildings still waiting, in
    order; ``taken[s]`` is ``t + 1`` once section ``s`` has a crew from hour ``t``.
    Returns (queue length, busy crews, restarting entries).
    """
    m = 0
    for j in range(q_len):
        i = queue[j]
        sec = section[i]
        if circulating[t, g[i]] and (taken[sec] == t + 1 or free > 0):
            if taken[sec] != t + 1:
                taken[sec] = t + 1
                free -= 1
                crew_end[n_busy] = t + crew_h
                n_busy += 1
            state[i] = RESTARTING
            start[i] = t
            ready[i] = t + flats_h
            if extra_h[i] > 0 and not failed[i]:  # first refill fails: repair first
                failed[i] = True
                ready[i] += extra_h[i]
            if ready[i] <= t:
                state[i] = NORMAL
                back[i] = t
            else:
                restarting[n_restarting] = i
                restarting_start[n_restarting] = t
                n_restarting += 1
        else:
            queue[m] = i
            m += 1
    return m, n_busy, n_restarting


@njit(cache=True)
def _write_states(t, g, state, dcause, circulating, supply_ok, supply_cause, freeze_risk,
                  drained, heat_on, without, interrupted, freeze, cause):  # pragma: no cover
    """Row ``t`` of the per-building states (the arrays come zeroed: only True values and
    causes are written)."""
    for i in range(g.size):
        k = g[i]
        if state[i] != NORMAL:
            drained[t, i] = True
            without[t, i] = True
            cause[t, i] = dcause[i]
        else:
            circ = circulating[t, k]
            heat_on[t, i] = circ
            interrupted[t, i] = not circ
            freeze[t, i] = freeze_risk[t, k]
            if not supply_ok[t, k]:
                without[t, i] = True
                cause[t, i] = supply_cause[t, k]
