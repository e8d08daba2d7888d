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
from gridmodel.thermal.distinct import _distinct_rows

__all__ = ["BuildingHeat", "refill_failures", "restart_buildings"]

NORMAL, DRAINED, RESTARTING = 0, 1, 2


def _expanded_state(name: str, kind: str) -> property:
    """Property of :class:`BuildingHeat`: ``{name}_timelines`` per building."""
    return property(lambda self: self._expanded(name),
                    doc=f"(time, building) {kind}: ``{name}_timelines`` of each building.")


@dataclass
class BuildingHeat:
    """Per-building hourly heat states, stored as distinct timelines and an index.

    Buildings of a group that drain, wait and restart at the same hours share every
    hourly state: each distinct timeline is stored once, ``timeline`` maps each building
    (registry order) to its column. The (time, building) arrays ``heat_on``,
    ``without_heat``, ``drained``, ``interrupted``, ``cause``, ``freeze_risk`` and
    ``heat_level`` are expanded from them on first access (and kept).

    Attributes
    ----------
    timeline : numpy.ndarray of int, shape (building,)
        Distinct state timeline (column of the ``*_timelines`` arrays) of each building.
    heat_on_timelines : numpy.ndarray of bool, (time, n_timelines)
        Heating water reaches the flats during the hour (input to the thermal model).
    without_heat_timelines : numpy.ndarray of bool, (time, n_timelines)
        Cut off from heat supply: source or zone down, or drained (until heat is back
        after a restart). A short stop of the building's own pumps is not counted.
    drained_timelines : numpy.ndarray of bool, (time, n_timelines)
        Drained and not yet back (waiting for a crew or restarting).
    interrupted_timelines : numpy.ndarray of bool, (time, n_timelines)
        Circulation stopped but not drained (cools, counts as interrupted).
    cause_timelines : numpy.ndarray of int8, (time, n_timelines)
        Cause of ``without_heat`` (:data:`gridmodel.heat.availability.CAUSES`).
    freeze_risk_timelines : numpy.ndarray of bool, (time, n_timelines)
        Undrained with piping past its freezing time.
    drain_time, restart_start, heat_back : numpy.ndarray of int, shape (building,)
        Hour index of the last drain, of the last crew start and of heat back (-1: never).
    crews_busy : numpy.ndarray of int, shape (time,)
        Crews working on restarts in each hour.
    refill_failed : numpy.ndarray of bool, shape (building,)
        The building's system failed at its first refill (waited for a repair).
    heat_level_timelines : numpy.ndarray of float32, (time, n_timelines), optional
        Share of demand delivered where the heat is on (1 full), 0 where it is off; None
        when no building gets reduced heat in any hour (``GroupAvailability.heat_level``
        None or all 1). :attr:`reduced_heat` follows from it.
    """

    timeline: np.ndarray
    heat_on_timelines: np.ndarray
    without_heat_timelines: np.ndarray
    drained_timelines: np.ndarray
    interrupted_timelines: np.ndarray
    cause_timelines: np.ndarray
    freeze_risk_timelines: np.ndarray
    drain_time: np.ndarray
    restart_start: np.ndarray
    heat_back: np.ndarray
    crews_busy: np.ndarray
    refill_failed: np.ndarray | None = None
    heat_level_timelines: np.ndarray | None = None

    @property
    def n_timelines(self) -> int:
        """Number of distinct state timelines."""
        return self.heat_on_timelines.shape[1]

    def _expanded(self, name: str) -> np.ndarray | None:
        """The (time, building) array of state ``name``, expanded once and kept."""
        cache = self.__dict__.setdefault("_expanded_states", {})
        if name not in cache:
            tl = getattr(self, f"{name}_timelines")
            cache[name] = None if tl is None else tl[:, self.timeline]
        return cache[name]

    heat_on = _expanded_state("heat_on", "bool")
    without_heat = _expanded_state("without_heat", "bool")
    drained = _expanded_state("drained", "bool")
    interrupted = _expanded_state("interrupted", "bool")
    cause = _expanded_state("cause", "int8")
    freeze_risk = _expanded_state("freeze_risk", "bool")
    heat_level = _expanded_state("heat_level", "float32 (None: no reduced heat)")

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
    repair_end = np.zeros(n_b, dtype=np.float64)  # hour a failed refill's repair ends (0: none)
    circulating = np.ascontiguousarray(ga.circulating, dtype=np.bool_)
    supply_ok = np.ascontiguousarray(ga.supply_ok, dtype=np.bool_)
    supply_cause = np.ascontiguousarray(ga.supply_cause, dtype=np.int8)
    freeze_risk = np.ascontiguousarray(ga.freeze_risk, dtype=np.bool_)
    ev_b, ev_t, ev_code, n_ev = _restart_loop(
        g, _sections(ga, n_b), drain_trigger,
        np.ascontiguousarray(ga.drain_cause, dtype=np.int8), circulating, n_t, int(n_crews),
        float(crew_hours_per_building), float(heat_to_flats_h), extra, repair_end,
        drain_time, start, back, crews_busy)
    first, timeline, offsets, ev_t, ev_code = _distinct_timelines(g, ev_b[:n_ev], ev_t[:n_ev],
                                                                  ev_code[:n_ev])
    n_tl = first.size
    states = {name: np.zeros((n_t, n_tl), dtype=np.int8 if name == "cause" else bool)
              for name in ("heat_on", "without_heat", "drained", "interrupted", "cause",
                           "freeze_risk")}
    _write_timelines(g[first], offsets, ev_t, ev_code, circulating, supply_ok, supply_cause,
                     freeze_risk, states["drained"], states["heat_on"],
                     states["without_heat"], states["interrupted"], states["freeze_risk"],
                     states["cause"])
    level = ga.heat_level
    if level is not None and (level < 1.0).any():  # (time, group): only when used
        level = np.where(states["heat_on"], level[:, g[first]], 0.0).astype(np.float32)
    else:
        level = None
    return BuildingHeat(timeline=timeline, **{f"{k}_timelines": v for k, v in states.items()},
                        drain_time=drain_time, restart_start=start, heat_back=back,
                        crews_busy=crews_busy, refill_failed=repair_end > 0.0,
                        heat_level_timelines=level)


def _sections(ga: GroupAvailability, n_b: int) -> np.ndarray:
    """Section number of each building (``ga.section_of``; none: each its own section)."""
    sec = getattr(ga, "section_of", None)
    if sec is None:
        return np.arange(n_b, dtype=np.int64)
    return np.ascontiguousarray(sec, dtype=np.int64)


@njit(cache=True)
def _restart_loop(g, section, drain_trigger, drain_cause, circulating, n_t, n_crews, crew_h,
                  flats_h, extra_h, repair_end, drain_time, start, back,
                  crews_busy):  # pragma: no cover
    """Hour-by-hour crew loop of :func:`restart_buildings`.

    Drained buildings wait in a queue in the order they were drained (hour, then registry
    order) until a crew takes them; restarting buildings are listed with their start hour
    (an entry lapses when the building is drained again). Each hour: heat back after
    restarts, new drains, crews freed, crews assigned, state changes recorded.

    Returns
    -------
    ev_b, ev_t, ev_code : numpy.ndarray of int64
        Building, hour and new state code (:func:`_record_changes`) of each change of a
        building's state code (all start at 0, NORMAL), in hour then registry order.
    n_ev : int
        Number of changes (the arrays' used length).
    """
    n_b = g.size
    taken = np.zeros(section.max() + 1 if n_b else 1, dtype=np.int64)
    state = np.zeros(n_b, dtype=np.int8)
    dcause = np.zeros(n_b, dtype=np.int8)
    code = np.zeros(n_b, dtype=np.int64)
    crew_end = np.zeros(max(n_crews, 1), dtype=np.float64)  # end hours of busy crews
    n_busy = 0
    queue = np.empty(n_b, dtype=np.int64)
    q_len = 0
    restarting = np.empty(2 * n_b, dtype=np.int64)
    restarting_start = np.empty(2 * n_b, dtype=np.int64)
    n_restarting = 0
    ready = np.zeros(n_b, dtype=np.float64)  # hour coolant reaches a restarting building
    cap = max(2 * n_b, 16)
    ev_b = np.empty(cap, dtype=np.int64)
    ev_t = np.empty(cap, dtype=np.int64)
    ev_code = np.empty(cap, dtype=np.int64)
    n_ev = 0
    # buildings whose state was set this hour (only they can change their state code)
    touched = np.empty(n_b, dtype=np.int64)
    mark = np.full(n_b, -1, dtype=np.int64)  # hour a building was last touched
    n_touched = np.zeros(1, dtype=np.int64)
    for t in range(n_t):
        n_touched[0] = 0
        n_restarting = _heat_back(t, ready, state, start, back, restarting, restarting_start,
                                  n_restarting, mark, touched, n_touched)
        q_len = _new_drains(t, g, drain_trigger, drain_cause, state, drain_time, dcause, queue,
                            q_len, mark, touched, n_touched)
        n_busy = _free_crews(t, crew_end, n_busy)
        free = n_crews - n_busy
        if free > 0 and q_len:
            q_len, n_busy, n_restarting = _assign_crews(
                t, free, g, section, taken, circulating, crew_h, flats_h, extra_h,
                repair_end, ready, state, start, back, queue, q_len, crew_end, n_busy, restarting,
                restarting_start, n_restarting, mark, touched, n_touched)
        crews_busy[t] = n_busy
        if n_ev + n_b > ev_b.size:  # room for a change of every building this hour
            ev_b = np.concatenate((ev_b, np.empty_like(ev_b)))
            ev_t = np.concatenate((ev_t, np.empty_like(ev_t)))
            ev_code = np.concatenate((ev_code, np.empty_like(ev_code)))
        n_ev = _record_changes(t, state, dcause, code, np.sort(touched[:n_touched[0]]), ev_b,
                               ev_t, ev_code, n_ev)
    return ev_b, ev_t, ev_code, n_ev


@njit(cache=True)
def _touch(i, t, mark, touched, n_touched):  # pragma: no cover
    """Note that building ``i``'s state was set at hour ``t`` (once an hour)."""
    if mark[i] != t:
        mark[i] = t
        touched[n_touched[0]] = i
        n_touched[0] += 1


@njit(cache=True)
def _record_changes(t, state, dcause, code, candidates, ev_b, ev_t, ev_code,
                    n_ev):  # pragma: no cover
    """Append the buildings whose state code changed at hour ``t``; returns the count.

    The state code is 0 when NORMAL (the building's states follow its group's), else
    1 + the cause of its drain (drained and without heat, for that cause). Only the
    ``candidates`` (registry order) are looked at: the buildings whose state was set this
    hour, since no other building's code can have changed.
    """
    for i in candidates:
        c = 0 if state[i] == NORMAL else 1 + np.int64(dcause[i])
        if c != code[i]:
            ev_b[n_ev] = i
            ev_t[n_ev] = t
            ev_code[n_ev] = c
            n_ev += 1
            code[i] = c
    return n_ev


@njit(cache=True)
def _distinct_timelines(g, ev_b, ev_t, ev_code):  # pragma: no cover
    """Distinct (group, state-code changes) of the buildings
    (:func:`gridmodel.thermal.distinct._distinct_rows` over one row per building).

    Two buildings share every hourly state when they are in the same group and their
    state codes change at the same hours to the same codes.

    Returns
    -------
    first : numpy.ndarray of int64
        A building of each distinct timeline, in order of first appearance.
    timeline : numpy.ndarray of int64, shape (building,)
        Distinct timeline of each building.
    offsets, ev_t, ev_code : numpy.ndarray of int64
        The changes of building ``i`` are ``ev_t[offsets[i]:offsets[i + 1]]`` (hours) and
        ``ev_code[...]`` (new codes), in hour order.
    """
    n_b = g.size
    offsets = np.zeros(n_b + 1, dtype=np.int64)
    for e in range(ev_b.size):
        offsets[ev_b[e] + 1] += 1
    for i in range(n_b):
        offsets[i + 1] += offsets[i]
    fill = offsets[:-1].copy()
    t_sorted = np.empty_like(ev_t)
    c_sorted = np.empty_like(ev_code)
    for e in range(ev_b.size):  # changes come in hour order: each building's stay sorted
        k = fill[ev_b[e]]
        t_sorted[k], c_sorted[k] = ev_t[e], ev_code[e]
        fill[ev_b[e]] += 1
    # one row per building: group, number of changes, then (hour, code) of each change,
    # zero-padded; distinct rows as the thermal model finds distinct forcing columns
    width = 0
    for i in range(n_b):
        width = max(width, offsets[i + 1] - offsets[i])
    words = np.zeros((n_b, 2 + 2 * width), dtype=np.uint64)
    for i in range(n_b):
        words[i, 0] = np.uint64(g[i])
        words[i, 1] = np.uint64(offsets[i + 1] - offsets[i])
        for k in range(offsets[i + 1] - offsets[i]):
            words[i, 2 + 2 * k] = np.uint64(t_sorted[offsets[i] + k])
            words[i, 3 + 2 * k] = np.uint64(c_sorted[offsets[i] + k])
    first, timeline = _distinct_rows(words)
    n_d = first.size
    n_own = offsets[first + 1] - offsets[first]
    own = np.zeros(n_d + 1, dtype=np.int64)  # the distinct timelines' changes only
    own[1:] = np.cumsum(n_own)
    t_out = np.empty(own[-1], dtype=np.int64)
    c_out = np.empty(own[-1], dtype=np.int64)
    for d in range(n_d):
        t_out[own[d]:own[d + 1]] = t_sorted[offsets[first[d]]:offsets[first[d] + 1]]
        c_out[own[d]:own[d + 1]] = c_sorted[offsets[first[d]]:offsets[first[d] + 1]]
    return first, timeline, own, t_out, c_out


@njit(cache=True)
def _heat_back(t, ready, state, start, back, restarting, restarting_start,
               n_restarting, mark, touched, n_touched):  # pragma: no cover
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
                _touch(i, t, mark, touched, n_touched)
            else:
                restarting[m] = i
                restarting_start[m] = start[i]
                m += 1
    return m


@njit(cache=True)
def _new_drains(t, g, drain_trigger, drain_cause, state, drain_time, dcause, queue,
                q_len, mark, touched, n_touched):  # pragma: no cover
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
                _touch(i, t, mark, touched, n_touched)
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
def _assign_crews(t, free, g, section, taken, circulating, crew_h, flats_h, extra_h,
                  repair_end, ready, state, start, back, queue, q_len, crew_end, n_busy, restarting,
                  restarting_start, n_restarting, mark, touched,
                  n_touched):  # pragma: no cover
    """Give the ``free`` crews to the sections of the first queued buildings that circulate.

    First drained, first restarted: the first queued building whose group circulates
    takes a crew for its section, and every other queued building of that section whose
    group circulates restarts with it. The queue keeps the buildings still waiting, in
    order; ``taken[s]`` is ``t + 1`` once section ``s`` has a crew from hour ``t``.
    A building's first refill fails when ``extra_h`` > 0: its repair ends ``extra_h``
    after the coolant would have come (``repair_end``), and no restart of it, that one
    or a later one after a new drain, supplies coolant before then.
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
            _touch(i, t, mark, touched, n_touched)
            if extra_h[i] > 0 and repair_end[i] == 0.0:  # first refill fails: repair first
                repair_end[i] = ready[i] + extra_h[i]
            if repair_end[i] > ready[i]:  # a repair under way is not cut short by a drain
                ready[i] = repair_end[i]
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
def _write_timelines(g, offsets, ev_t, ev_code, circulating, supply_ok, supply_cause,
                     freeze_risk, drained, heat_on, without, interrupted, freeze,
                     cause):  # pragma: no cover
    """The hourly states of each distinct timeline (group ``g[d]``, state-code changes
    ``ev_t``/``ev_code[offsets[d]:offsets[d + 1]]``); the arrays come zeroed, (time,
    timeline): only True values and causes are written."""
    n_t = drained.shape[0]
    for d in range(g.size):
        k = g[d]
        e, code = offsets[d], 0
        for t in range(n_t):
            while e < offsets[d + 1] and ev_t[e] <= t:
                code = ev_code[e]
                e += 1
            if code != 0:
                drained[t, d] = True
                without[t, d] = True
                cause[t, d] = code - 1
            else:
                circ = circulating[t, k]
                heat_on[t, d] = circ
                interrupted[t, d] = not circ
                freeze[t, d] = freeze_risk[t, k]
                if not supply_ok[t, k]:
                    without[t, d] = True
                    cause[t, d] = supply_cause[t, k]
