r"""The 1R1C building model with the exact per-step exponential update.

One thermal node per building, vectorised over buildings (:func:`indoor_temperature`;
also in ``docs/thermal.md``).

Model
-----
One node of capacity :math:`C` [J/(m² K)] loses heat through :math:`H` [W/(m² K)] to
the outdoor air and receives internal gains :math:`g` and heating :math:`q`
[W/m²] :

.. math:: C \frac{dT}{dt} = H (T_{air} - T) + g + q            \qquad (1)

With forcing constant over a step :math:`\Delta t` the exact solution is
:math:`T_{k+1} = T_{eq} + (T_k - T_{eq}) e^{-\Delta t/\tau}`, :math:`\tau = C/H`.
Without heating :math:`T_{eq} = T_{air} + g/H`, giving the free value

.. math:: F = T_{air} + g/H + (T_k - T_{air} - g/H) e^{-\Delta t/\tau} \qquad (2)

At full heating power :math:`q_{max} = s H (T_{set} - T_{design})` (``oversize``
:math:`s`) the value is

.. math:: P = F + \frac{q_{max}}{H} \left(1 - e^{-\Delta t/\tau}\right) \qquad (3)

and the thermostat (full power below the set-point, none above, holding the
set-point when it can) gives

.. math:: T_{k+1} = \min\left(\max(T_{set}, F), P\right) \qquad (4)

Eq. (4) is exact whenever the set-point can be held in steady state
(:math:`T_{air} + g/H \le T_{set} \le T_{air} + (g + q_{max})/H`, i.e. between
about the design temperature and +18 °C outdoors); outside that band it is exact
except within a step in which the air crosses the set-point.

Occupants' own heating (electric heaters while the flat has power, gas cooking; FIELD_NOTES
12) adds a gain :math:`o` [W/m²] to :math:`g` in (2) in the steps where it is on and the
heat is off:

.. math:: F' = F + \frac{o}{H} \left(1 - e^{-\Delta t/\tau}\right) \qquad (5)

**Reduced heat** (a source short of capacity supplies every building of its zone at a
share :math:`r < 1` of the heat its current demand needs: quality regulation, the supply
temperature lowered for all; docs/heat.md): the heating power is
:math:`q_r = \min(q_{max},\, r H (T_{set} - T_{air}))`, so (3) becomes

.. math:: P_r = F + \min\left(\frac{q_{max}}{H},\, r (T_{set} - T_{air})\right)
          \left(1 - e^{-\Delta t/\tau}\right) \qquad (6)

and the building settles near :math:`T_{air} + g/H + r (T_{set} - T_{air})`: it cools
more slowly than without heat, toward a warmer floor.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from gridmodel.thermal._inputs import _model_inputs
from gridmodel.thermal._units import _J_PER_KJ


def _exact_kernel(temp_air, heat_on, h, c_j, gains, q_max, temp_setpoint, temp0, step_s,
                  occupant=None, level=None):
    """Exact 1R1C update over (n_t, n_b) forcing; returns (n_t, n_b) temperatures.

    The per-building constants are worked out here (vectorised), the update over time in
    one compiled pass (:func:`_exact_steps`), with the arithmetic of eqs. (2)-(6) in the
    order of the former numpy formulation (``tests/test_thermal.py`` keeps it as the
    reference and checks the two equal bit for bit). ``occupant``: None, or (on, gain)
    with ``on`` of shape (n_t, 1 or n_b) and ``gain`` [W/m²]: the gain is added to the
    free value (2) in the steps where it is on and the heat is off (occupants' own
    heating, eq. (5)). ``level``: None (full heat), or the heat share (n_t, n_b) in
    [0, 1] of eq. (6) where the heat is on (1: full power, eq. (3)).
    """
    n_t = temp_air.shape[0]
    n_b = max(temp_air.shape[1], heat_on.shape[1], np.size(h), np.size(c_j), np.size(temp0))
    decay = np.broadcast_to(np.exp(-step_s * h / c_j), (n_b,))  # exp(-dt / tau)
    relax = 1.0 - decay
    gain_rise = np.broadcast_to(gains / h, (n_b,))  # equilibrium rise from gains [K]
    gain_step = relax * gain_rise
    heat_rise = np.broadcast_to(q_max / h * relax, (n_b,))  # extra rise at full power [K]
    if occupant is not None:
        occupant_on = np.ascontiguousarray(occupant[0], dtype=np.bool_)
        occupant_rise = np.broadcast_to(relax * occupant[1] / h, (n_b,))
    else:
        occupant_on = np.zeros((1, 1), dtype=np.bool_)
        occupant_rise = np.zeros(n_b)
    if level is not None:
        level_k = np.ascontiguousarray(level, dtype=float)
        reduced = (level_k < 1.0).any(axis=1)  # steps with reduced heat anywhere
    else:
        level_k, reduced = np.ones((1, 1)), np.zeros(n_t, dtype=np.bool_)
    out = np.empty((n_t, n_b))
    out[0] = np.broadcast_to(np.asarray(temp0, dtype=float), (n_b,))
    vec = [np.ascontiguousarray(np.broadcast_to(v, (n_b,)), dtype=float)
           for v in (decay, relax, gain_rise, gain_step, heat_rise, occupant_rise,
                     np.asarray(temp_setpoint, dtype=float))]
    _exact_steps(out, np.ascontiguousarray(temp_air, dtype=float),
                 np.ascontiguousarray(heat_on, dtype=np.bool_), *vec, occupant is not None,
                 occupant_on, level is not None, level_k, reduced)
    return out


@njit(cache=True)
def _maximum(a, b):  # pragma: no cover
    """``numpy.maximum`` of two floats (NaN if either is NaN)."""
    if a != a or b != b:
        return a + b
    return a if a >= b else b


@njit(cache=True)
def _minimum(a, b):  # pragma: no cover
    """``numpy.minimum`` of two floats (NaN if either is NaN)."""
    if a != a or b != b:
        return a + b
    return a if a <= b else b


@njit(cache=True)
def _exact_steps(out, temp_air, heat_on, decay, relax, gain_rise, gain_step, heat_rise,
                 occupant_rise, temp_setpoint, use_occupant, occupant_on, use_level, level,
                 reduced):  # pragma: no cover
    """The time loop of :func:`_exact_kernel`, in place on ``out`` (row 0 given)."""
    n_t, n_b = out.shape
    shared_air = temp_air.shape[1] == 1
    shared_heat = heat_on.shape[1] == 1
    shared_occ = occupant_on.shape[1] == 1
    shared_level = level.shape[1] == 1
    for k in range(n_t - 1):
        for b in range(n_b):
            # eq. (2), no heating: F = T decay + (1 - decay) (T_air + g / H)
            if shared_air:
                buf = relax[b] * temp_air[k, 0] + gain_step[b]
            else:
                buf = (temp_air[k, b] + gain_rise[b]) * relax[b]
            x = out[k, b] * decay[b] + buf
            on = heat_on[k, 0] if shared_heat else heat_on[k, b]
            if use_occupant:  # eq. (5): occupants' heating while the heat is off
                occ = (occupant_on[k, 0] if shared_occ else occupant_on[k, b]) and not on
                x = x + (occupant_rise[b] if occ else 0.0)
            if on:  # eqs. (3)-(4), heating: min(max(T_set, F), F + heat_rise)
                held = _maximum(x, temp_setpoint[b])
                if use_level and reduced[k]:  # eq. (6): reduced heat
                    lv = level[k, 0] if shared_level else level[k, b]
                    if lv >= 1.0:
                        rise = heat_rise[b]
                    else:
                        air = temp_air[k, 0] if shared_air else temp_air[k, b]
                        rise = _minimum(heat_rise[b], lv * _maximum(temp_setpoint[b] - air,
                                                                    0.0) * relax[b])
                    x = _minimum(held, rise + x)
                else:
                    x = _minimum(held, x + heat_rise[b])
            out[k + 1, b] = x


def indoor_temperature(
    temp_air,
    heat_on,
    archetype="panel_9_12",
    temp_indoor_initial=19.0,
    *,
    h_w_per_m2k=None,
    c_kj_per_m2k=None,
    gains_w_per_m2=None,
    temp_setpoint=20.0,
    oversize=1.1,
    temp_design=-22.0,
    step_h=None,
    occupant_on=None,
    occupant_w_per_m2=0.0,
    heat_level=None,
):
    r"""Indoor temperature of a 1R1C building, exact per-step exponential update.

    Parameters
    ----------
    temp_air : pandas.Series, pandas.DataFrame or array-like
        Outdoor air temperature [°C], shape (time,) or (time, building). With a pandas
        object the step is read from its DatetimeIndex (constant step required).
    heat_on : bool or array-like of bool
        Whether heat is supplied during each step, shape (), (time,) or (time, building).
    archetype : str or array-like of str, default "panel_9_12"
        Key(s) of :data:`ARCHETYPE_PARAMETERS`, one per building column or one for all.
    temp_indoor_initial : numeric, default 19.0
        Indoor temperature at the first timestamp [°C], scalar or per building.
    h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2 : numeric, optional
        Heat loss coefficient H [W/(m² K)], effective heat capacity C [kJ/(m² K)] and
        internal gains [W/m²] per floor area; each overrides the archetype's.
    temp_setpoint : float, default 20.0
        Thermostat set-point while heat is on [°C].
    oversize : float, default 1.1
        Heating capacity as a multiple of the design heat load [-]. 1.0 holds the
        set-point exactly at the design temperature (with gains, a little below it);
        1.1 is a common sizing margin [C] (document your own choice in a scenario).
    temp_design : float, default -22.0
        Outdoor design temperature the heating is sized for [°C] (FIELD_NOTES 5, [C]).
    step_h : float, optional
        Time step [h] for array input (default 1.0). Must agree with the index if given.
    occupant_on, occupant_w_per_m2 : array-like of bool, float; optional
        Whether the flat has power for occupants' own heating in each step, shape (time,)
        or (time, building), and that heating [W/m²] [C] while the heat is off (eq. (5)).
    heat_level : array-like of float, optional
        Share [0-1] of the heat its demand needs that a building gets while its heat is
        on (reduced heat, eq. (6)), shape (time,) or (time, building); None: full power.

    Returns
    -------
    pandas.Series, pandas.DataFrame or numpy.ndarray
        Indoor temperature ``temp_indoor`` [°C] at each timestamp, on the input index
        (Series for 1-D pandas input, DataFrame for 2-D pandas input, array otherwise).
        The first value is ``temp_indoor_initial``.

    Notes
    -----
    The exact solution of :math:`C\,dT/dt = H (T_{air} - T) + g + q` over each step,
    then the thermostat :math:`T_{k+1} = \min(\max(T_{set}, F), P)` between the free
    value :math:`F` and the value :math:`P` at full power: eqs. (1)-(4) of
    :mod:`gridmodel.thermal.rc`.

    References
    ----------
    .. [1] ISO 13790:2008, Energy performance of buildings - Calculation of energy use
       for space heating and cooling (simple hourly method, capacity classes).
    .. [2] ISO 52016-1:2017, Energy performance of buildings - Energy needs for heating
       and cooling, internal temperatures and sensible and latent heat loads.
    .. [3] FIELD_NOTES section 4: archetype parameters and the Kyiv observation of flats
       at about +10 °C after a day without heat at -12 to -17 °C (January 2026).
    """
    m = _model_inputs(temp_air, heat_on, archetype, temp_indoor_initial, step_h, h_w_per_m2k,
                      c_kj_per_m2k, gains_w_per_m2, temp_setpoint, oversize, temp_design)
    out = _exact_kernel(m.temp_air, m.heat_on, m.h, m.c * _J_PER_KJ, m.gains, m.q_max,
                        temp_setpoint, temp_indoor_initial, m.step_s,
                        _occupant(occupant_on, occupant_w_per_m2, m.heat_on.shape[0]),
                        _level(heat_level, m.heat_on.shape))
    return m.wrap(out)


def _level(heat_level, shape):
    """Heat share (time, building) of eq. (6) broadcast to ``shape``, or None (full)."""
    if heat_level is None:
        return None
    lv = np.asarray(heat_level, dtype=float)
    lv = lv.reshape(-1, 1) if lv.ndim == 1 else lv
    if lv.shape[0] != shape[0] or not ((lv >= 0) & (lv <= 1)).all():
        msg = (f"heat_level must hold shares in [0, 1] for each of the {shape[0]} time steps; "
               f"got shape {lv.shape}.")
        raise ValueError(msg)
    return np.ascontiguousarray(np.broadcast_to(lv, (shape[0], max(shape[1], lv.shape[1]))))


def _occupant(occupant_on, occupant_w_per_m2, n_t):
    """``(on (time, 1 or building), gain [W/m²])`` of the kernel, or None (no gain)."""
    if occupant_on is None or not occupant_w_per_m2 > 0:
        return None
    on = np.asarray(occupant_on, dtype=bool)
    on = on.reshape(-1, 1) if on.ndim == 1 else on
    if on.shape[0] != n_t:
        msg = f"occupant_on has {on.shape[0]} time steps but temp_air has {n_t}."
        raise ValueError(msg)
    return on, float(occupant_w_per_m2)
