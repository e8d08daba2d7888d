"""Bridging time and draining rules for stopped district-heating circulation.

When circulation stops in frost, water standing in basement and heat-substation piping
cools toward the outdoor air; Kyiv drains the buildings' heating water at -3 °C or colder
when the stop will outlast what the coolant can bridge (FIELD_NOTES 3 [A]). All
parameters default to ``networks/kyiv/assumptions.toml`` ``[bridging]`` (tagged [C]).

Arrays are (time, group) with an hourly step; a *run* is a maximal stretch of consecutive
stopped hours in one column.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["bridging_time_h", "building_pipe_kwargs", "drain_states", "drain_triggers",
           "freeze_risk", "run_lengths"]


def bridging_time_h(temp_air, start_c=40.0, freeze_c=0.0, tau_pipe_h=6.4,
                    drain_max_temp_c=-3.0, *, apply_drain_threshold=True):
    r"""Hours a stopped system can wait before its basement piping reaches ``freeze_c``.

    Parameters
    ----------
    temp_air : numeric or array-like
        Outdoor air temperature [°C].
    start_c : float, default 40.0
        Water temperature when circulation stops [°C] (return water) [C].
    freeze_c : float, default 0.0
        Temperature at which the piping is taken to be at risk [°C] (FIELD_NOTES 4).
    tau_pipe_h : float, default 6.4
        Time constant of basement piping water toward outdoor air [h] [C]; 6.4 h gives
        7.0 h at -20 °C, inside the 6-8 h of FIELD_NOTES 4.
    drain_max_temp_c : float, default -3.0
        Kyiv drains only at this outdoor temperature or colder [°C] (FIELD_NOTES 3 [A]).
    apply_drain_threshold : bool, default True
        If True, return ``inf`` above ``drain_max_temp_c`` (the operator's rule: never
        drain). If False, return the physical time to ``freeze_c`` (``inf`` only when
        ``temp_air >= freeze_c``), used for the freeze-risk flag.

    Returns
    -------
    numpy.ndarray or float
        Bridging time [h].

    Notes
    -----
    Newton cooling of the standing water, :math:`T(t) = T_{air} + (T_0 - T_{air})
    e^{-t/\tau}`, solved for :math:`T(t) = T_f`:

    .. math:: t_{bridge} = \tau \ln\frac{T_0 - T_{air}}{T_f - T_{air}}     \qquad (1)

    valid for :math:`T_{air} < T_f`. Values: 7.0 h at -20 °C, 10.3 h at -10 °C, 17.0 h
    at -3 °C.
    """
    t = np.asarray(temp_air, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = tau_pipe_h * np.log((start_c - t) / (freeze_c - t))  # (1)
    out = np.where(t < freeze_c, out, np.inf)
    if apply_drain_threshold:
        out = np.where(t <= drain_max_temp_c, out, np.inf)
    return out if out.ndim else float(out)


def building_pipe_kwargs(bridging_kwargs, tau_building_h, indoor_c):
    r"""Bridging keywords for a building's own piping when only its own pumps stop.

    Pipes inside a heated building sit at the indoor temperature and cool with the
    building (FIELD_NOTES 12), not like basement and network piping: the time to
    ``freeze_c`` is (1) of :func:`bridging_time_h` with the building's time constant
    :math:`\tau = C/H` and the indoor temperature as start. Values (``indoor_c`` 19 °C,
    ``freeze_c`` 0 °C): a 16-storey panel block (:math:`\tau` 68.5 h) 56 h at -15 °C,
    46 h at -20 °C. The drain threshold (-3 °C) still applies (the operator's rule).

    Parameters
    ----------
    bridging_kwargs : dict
        The network's keywords (:func:`gridmodel.heat.availability.bridging_kwargs`);
        ``freeze_c`` and ``drain_max_temp_c`` are kept.
    tau_building_h : array-like of float, shape (group,)
        Time constant of the building (group) [h].
    indoor_c : float
        Indoor temperature when the building's circulation stops [°C].

    Returns
    -------
    dict
        Keywords of :func:`bridging_time_h` (and :func:`drain_states`).
    """
    kw = {k: v for k, v in bridging_kwargs.items() if k in ("freeze_c", "drain_max_temp_c")}
    kw["start_c"] = float(indoor_c)
    kw["tau_pipe_h"] = np.asarray(tau_building_h, dtype=float)
    return kw


def run_lengths(stopped, censored_long=None, censored_h=1.0e9):
    """Elapsed and total length of the stop runs, per hour.

    Parameters
    ----------
    stopped : array-like of bool, shape (time, group)
        True while circulation is stopped.
    censored_long : array-like of bool, shape (group,) or (time, group), optional
        For runs still going at the last hour: True where the run is known to last
        beyond the horizon (an unrepaired source or node outage); its total length is
        then ``censored_h``. False keeps the visible length (a scheduled block).
        With a 2-D array, the value at the last hour decides.
    censored_h : float, default 1e9
        Total length [h] given to censored-long runs.

    Returns
    -------
    elapsed : numpy.ndarray of float, shape (time, group)
        Hours since the run began, counting the current hour (1 at the first stopped
        hour); 0 where not stopped.
    total : numpy.ndarray of float, shape (time, group)
        Total length of the run each stopped hour belongs to [h]; 0 where not stopped.
    """
    s = np.asarray(stopped, dtype=bool)
    if s.ndim == 1:
        s = s[:, None]
    n_t, n_g = s.shape
    idx = np.arange(n_t)[:, None]
    # index of the last not-stopped hour at or before t (start of run - 1)
    last_free = np.where(~s, idx, -1)
    np.maximum.accumulate(last_free, axis=0, out=last_free)
    elapsed = np.where(s, idx - last_free, 0).astype(float)
    # index of the next not-stopped hour at or after t
    nxt = np.where(~s, idx, n_t)
    nxt = np.minimum.accumulate(nxt[::-1], axis=0)[::-1]
    total = np.where(s, nxt - last_free - 1, 0).astype(float)
    if censored_long is not None:
        cl = np.asarray(censored_long, dtype=bool)
        cl = cl[-1] if cl.ndim == 2 else cl
        cl = np.broadcast_to(cl, (n_g,))
        touches_end = s & (nxt == n_t) & cl[None, :]
        total = np.where(touches_end, censored_h, total)
    return elapsed, total


def drain_triggers(stopped, total_h, temp_air, bridging_kwargs=None):
    """Hours at which a stopped group is drained.

    A stopped group is drained at the first hour of its stop run at which the outdoor
    temperature is at or below the drain threshold and the run's expected total
    duration (elapsed + known remaining) exceeds the bridging time at that hour's
    temperature (:func:`bridging_time_h`). At most one trigger per run.

    Parameters
    ----------
    stopped : array-like of bool, shape (time, group)
    total_h : array-like of float, shape (time, group)
        Expected total length of the run [h] (:func:`run_lengths`).
    temp_air : array-like of float, shape (time,)
        Outdoor temperature [°C].
    bridging_kwargs : dict, optional
        Keyword arguments of :func:`bridging_time_h`.

    Returns
    -------
    numpy.ndarray of bool, shape (time, group)
        True at the hour each drained run is drained.
    """
    s = np.asarray(stopped, dtype=bool)
    if s.ndim == 1:
        s = s[:, None]
    bridge = np.asarray(bridging_time_h(np.asarray(temp_air, float), **(bridging_kwargs or {})))
    cond = s & (np.asarray(total_h, float).reshape(s.shape) > bridge.reshape(-1, 1))
    # keep the first True of each run: a condition hour whose run has no earlier condition
    n_t = s.shape[0]
    idx = np.arange(n_t)[:, None]
    last_free = np.where(~s, idx, -1)
    np.maximum.accumulate(last_free, axis=0, out=last_free)
    last_cond = np.where(cond, idx, -1)
    prev_cond = np.vstack([np.full((1, s.shape[1]), -1), last_cond[:-1]])
    np.maximum.accumulate(prev_cond, axis=0, out=prev_cond)
    return cond & (prev_cond <= last_free)


def freeze_risk(stopped, drained_run, temp_air, elapsed_h, bridging_kwargs=None):
    """Hours at which an undrained, stopped group has piping past its freezing time.

    Parameters
    ----------
    stopped, drained_run : array-like of bool, shape (time, group)
        Stopped hours; hours whose run has been drained (from its trigger on).
    temp_air : array-like of float, shape (time,)
    elapsed_h : array-like of float, shape (time, group)
        Hours since the run began (:func:`run_lengths`).
    bridging_kwargs : dict, optional
        Keyword arguments of :func:`bridging_time_h` (the drain threshold is ignored).

    Returns
    -------
    numpy.ndarray of bool, shape (time, group)
        True where the water is past ``freeze_c`` by the cooling formula and the
        group was not drained (record as freeze risk).
    """
    kw = dict(bridging_kwargs or {})
    kw["apply_drain_threshold"] = False
    phys = np.asarray(bridging_time_h(np.asarray(temp_air, float), **kw)).reshape(-1, 1)
    s = np.asarray(stopped, bool)
    return s & ~np.asarray(drained_run, bool) & (np.asarray(elapsed_h, float) > phys)


def drain_states(stopped, censored_long, temp_air, bridging_kwargs=None, censored_h=1.0e9,
                 known_end=None):
    """Drain triggers and freeze risk of every stop run, in one pass.

    The same as :func:`run_lengths` (with ``censored_long`` and ``censored_h``), then
    :func:`drain_triggers` and :func:`freeze_risk` with the hours of a run from its
    trigger on taken as drained.

    With ``known_end``, a run is made of segments, one per stretch of equal ``known_end``,
    and an operator knows a segment only from its first hour: the expected total at hour
    u is the run's length up to the end of the latest segment begun by u. A segment's end
    is its ``known_end`` where that is positive (the hour its cause ends, even beyond the
    run: a grid node dark past a building stop that a supply stop follows; ``inf``: beyond
    the horizon, ``censored_h``), else the end of its stretch in the run (a scheduled
    block; the whole censored length when it reaches the end of a censored-long run).
    Without it the run is one segment, known from its first hour, as above.

    Parameters
    ----------
    stopped : array-like of bool, shape (time, group)
    censored_long : array-like of bool, shape (group,)
        Runs still going at the last hour that are known to last beyond the horizon.
    temp_air : array-like of float, shape (time,)
        Outdoor temperature [°C].
    bridging_kwargs : dict, optional
        Keyword arguments of :func:`bridging_time_h`; ``start_c`` and ``tau_pipe_h`` may
        be arrays of shape (group,) (a building's own piping, :func:`building_pipe_kwargs`).
    censored_h : float, default 1e9
        Total length [h] given to censored-long runs.
    known_end : array-like of float, shape (time, group), optional
        Hour index at which the cause of each stopped hour is known to end; 0 for an hour
        known only to the end of its stretch (a scheduled blackout block).

    Returns
    -------
    trigger, freeze : numpy.ndarray of bool, shape (time, group)
        Hour at which each drained run is drained; undrained stopped hours with piping
        past its freezing time.
    """
    s = np.asarray(stopped, dtype=bool)
    if s.ndim == 1:
        s = s[:, None]
    t_air = np.asarray(temp_air, float).reshape(-1, 1)
    kw = dict(bridging_kwargs or {})
    bridge = np.ascontiguousarray(np.broadcast_to(bridging_time_h(t_air, **kw), s.shape),
                                  dtype=float)
    kw["apply_drain_threshold"] = False
    phys = np.ascontiguousarray(np.broadcast_to(bridging_time_h(t_air, **kw), s.shape),
                                dtype=float)
    cl = np.broadcast_to(np.asarray(censored_long, dtype=bool), (s.shape[1],))
    # (1, 1) when not given: the kernel reads it only with known_end given
    ends = (np.zeros((1, 1)) if known_end is None
            else np.ascontiguousarray(np.broadcast_to(known_end, s.shape), dtype=float))
    trigger = np.zeros(s.shape, dtype=bool)
    freeze = np.zeros(s.shape, dtype=bool)
    _drain_runs(s, np.ascontiguousarray(cl), bridge, phys, float(censored_h),
                known_end is not None, ends, trigger, freeze)
    return trigger, freeze


@njit(cache=True)
def _drain_runs(stopped, censored_long, bridge, phys, censored_h, segmented, known_end,
                trigger, freeze):  # pragma: no cover
    """Column by column, run by run: fill ``trigger`` and ``freeze`` (see drain_states)."""
    n_t, n_g = stopped.shape
    for g in range(n_g):
        t = 0
        while t < n_t:
            if not stopped[t, g]:
                t += 1
                continue
            a = t
            while t < n_t and stopped[t, g]:
                t += 1
            whole = censored_h if (t == n_t and censored_long[g]) else float(t - a)
            total = 0.0 if segmented else whole  # known so far: the latest segment's end
            drained = False
            for u in range(a, t):
                if segmented and (u == a or known_end[u, g] != known_end[u - 1, g]):
                    end = known_end[u, g]  # a segment begins
                    if end > 0.0:  # the cause's own end, known beyond the run
                        known = censored_h if np.isinf(end) else end - a
                    else:  # a scheduled stretch: to its end in the run
                        e = u + 1
                        while e < t and known_end[e, g] == 0.0:
                            e += 1
                        known = whole if e == t else float(e - a)
                    total = max(total, known)
                if not drained and total > bridge[u, g]:
                    trigger[u, g] = True
                    drained = True
                if not drained and float(u - a + 1) > phys[u, g]:
                    freeze[u, g] = True
