r"""Building models integrated with :func:`scipy.integrate.solve_ivp`.

Each forcing interval is integrated separately (restarting at every breakpoint, so no
step crosses an on/off switch), building by building, and the thermostat switches mode
at the exact instant the air reaches the set-point (terminal events):

- :func:`indoor_temperature_ivp`: the 1R1C system, the reference of
  :func:`gridmodel.thermal.rc.indoor_temperature`;
- :func:`indoor_temperature_2r2c`: two nodes, indoor air and building mass.

The 2R2C model
--------------
Heat flows outdoor - (H) - air - (H_am) - mass; heating and gains enter the air:

.. math::

    C_a \frac{dT_a}{dt} = H (T_{air} - T_a) + H_{am} (T_m - T_a) + g + q \qquad (1)

    C_m \frac{dT_m}{dt} = H_{am} (T_a - T_m) \qquad (2)

with :math:`C_a = f C`, :math:`C_m = (1 - f) C`. The steady state equals the 1R1C
model's; after a switch the air moves quickly (:math:`C_a / (H + H_{am})`, minutes)
and then follows the mass (:math:`\approx C/H`). The thermostat holds :math:`T_a`
at the set-point while the needed heat :math:`H(T_{set} - T_{air}) + H_{am}(T_{set}
- T_m) - g` lies in :math:`[0, q_{max}]`; modes switch at events. Integration
restarts at every forcing breakpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from gridmodel.thermal._inputs import _model_inputs_kw, _per_building, rc_keywords
from gridmodel.thermal._units import _J_PER_KJ, _S_PER_H

_MAX_SWITCHES = 16  # thermostat mode switches allowed within one forcing step


@dataclass(frozen=True)
class _Node:
    """Right-hand sides of a thermal model; state y[0] is the indoor air [°C]."""

    rhs: callable  # (y, temp_air, q) -> dy/dt
    rhs_hold: callable  # (y, temp_air) -> dy/dt with the air held at the set-point
    q_hold: callable  # (y, temp_air) -> heating [W/m2] that holds the air at the set-point
    hold_is_static: bool  # True if the state cannot change while the air is held


def _ivp_step(node, y, span_s, temp_air, heat_on, q_max, temp_setpoint, method, rtol, atol):
    """Advance over one forcing interval, switching thermostat modes at events."""
    t, t_end = span_s
    y = np.array(y, dtype=float)
    band = 1e-9
    for _ in range(_MAX_SWITCHES):
        if t_end - t <= 0:
            return y
        events = []
        if not heat_on:
            fun = lambda _t, yy: node.rhs(yy, temp_air, 0.0)  # noqa: E731
        else:
            delta = y[0] - temp_setpoint
            q_need = node.q_hold(y, temp_air)
            if delta < -band or (abs(delta) <= band and q_need > q_max):
                fun = lambda _t, yy: node.rhs(yy, temp_air, q_max)  # noqa: E731
                events = [_event(lambda _t, yy: yy[0] - temp_setpoint, +1)]
            elif delta > band or (abs(delta) <= band and q_need < 0):
                fun = lambda _t, yy: node.rhs(yy, temp_air, 0.0)  # noqa: E731
                events = [_event(lambda _t, yy: yy[0] - temp_setpoint, -1)]
            else:
                y[0] = temp_setpoint
                if node.hold_is_static:
                    return y
                fun = lambda _t, yy: node.rhs_hold(yy, temp_air)  # noqa: E731
                events = [
                    _event(lambda _t, yy: node.q_hold(yy, temp_air) - q_max, +1),
                    _event(lambda _t, yy: node.q_hold(yy, temp_air), -1),
                ]
        sol = solve_ivp(
            fun, (t, t_end), y, method=method, rtol=rtol, atol=atol, events=events or None
        )
        if not sol.success:  # pragma: no cover - solver failure is not expected
            msg = f"solve_ivp failed: {sol.message}"
            raise RuntimeError(msg)
        y = sol.y[:, -1].copy()
        t = sol.t[-1]
        fired = events and any(len(te) for te in sol.t_events)
        if not fired:
            return y
        if len(events) == 1:
            y[0] = temp_setpoint  # the air reached the set-point
    msg = (
        f"thermostat switched more than {_MAX_SWITCHES} times within one step "
        f"({span_s[0] / _S_PER_H:g}-{span_s[1] / _S_PER_H:g} h); use a shorter step."
    )
    raise RuntimeError(msg)


def _event(fun, direction):
    fun.terminal = True
    fun.direction = direction
    return fun


def _ivp_run(node, y0, temp2, heat2, q_max, temp_setpoint, step_s, method, rtol, atol):
    """Integrate each building column; returns (n_t, n_b, n_state)."""
    n_t = temp2.shape[0]
    n_b = y0.shape[0]
    out = np.empty((n_t, n_b, y0.shape[1]))
    for b in range(n_b):
        nb = node[b]
        y = y0[b]
        out[0, b] = y
        air = temp2[:, b if temp2.shape[1] > 1 else 0]
        on = heat2[:, b if heat2.shape[1] > 1 else 0]
        qb = float(np.broadcast_to(q_max, (n_b,))[b])
        for k in range(n_t - 1):
            y = _ivp_step(
                nb,
                y,
                (k * step_s, (k + 1) * step_s),
                air[k],
                bool(on[k]),
                qb,
                temp_setpoint,
                method,
                rtol,
                atol,
            )
            out[k + 1, b] = y
    return out


def _node_1r1c(h, c_j, gains, temp_setpoint):
    def rhs(y, air, q):
        return (h * (air - y) + gains + q) / c_j

    def rhs_hold(y, _air):
        return np.zeros_like(y)

    def q_hold(_y, air):
        return h * (temp_setpoint - air) - gains

    return _Node(rhs, rhs_hold, q_hold, hold_is_static=True)


def indoor_temperature_ivp(temp_air, heat_on, archetype="panel_9_12", temp_indoor_initial=19.0,
                           *, method="RK45", rtol=1e-8, atol=1e-8, **params):
    r"""Indoor temperature of a 1R1C building with :func:`scipy.integrate.solve_ivp`.

    The reference implementation of :func:`indoor_temperature` (same parameters, same
    result to solver tolerance): eq. (1) of :mod:`gridmodel.thermal.rc` is integrated
    over each forcing interval separately (restarting at every step, so no step crosses
    an on/off switch), building by building, and the thermostat switches mode at the
    exact instant the air reaches the set-point (a terminal event). Written for
    clarity, not speed: thousands of times slower per building-hour than the exact
    update (see ``benchmarks/bench_thermal.py``).

    Parameters
    ----------
    temp_air, heat_on, archetype, temp_indoor_initial
        As in :func:`indoor_temperature`.
    **params
        ``h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2, temp_setpoint, oversize,
        temp_design, step_h`` as in :func:`indoor_temperature` (same defaults,
        :data:`gridmodel.thermal._inputs.RC_KEYWORDS`).
    method : str, default "RK45"
        Integration method of :func:`scipy.integrate.solve_ivp`.
    rtol, atol : float, default 1e-8
        Solver tolerances (relative [-], absolute [K]).

    Returns
    -------
    pandas.Series, pandas.DataFrame or numpy.ndarray
        Indoor temperature [°C], shaped like the result of :func:`indoor_temperature`.
    """
    p = rc_keywords(params, "indoor_temperature_ivp")
    temp_setpoint = p["temp_setpoint"]
    m = _model_inputs_kw(temp_air, heat_on, archetype, temp_indoor_initial, p)
    hb, cb, gb = _per_building(m)
    nodes = [_node_1r1c(hb[b], cb[b] * _J_PER_KJ, gb[b], temp_setpoint) for b in range(m.n_b)]
    y0 = np.broadcast_to(np.asarray(temp_indoor_initial, dtype=float), (m.n_b,))[:, None]
    out = _ivp_run(nodes, y0, m.temp_air, m.heat_on, m.q_max, temp_setpoint, m.step_s, method,
                   rtol, atol)
    return m.wrap(out[:, :, 0])


def indoor_temperature_2r2c(temp_air, heat_on, archetype="panel_9_12", temp_indoor_initial=19.0,
                            *, temp_mass_initial=None, air_capacity_fraction=0.05,
                            h_am_w_per_m2k=27.3, method="LSODA", rtol=1e-7, atol=1e-7,
                            return_mass=False, **params):
    r"""Indoor air and building mass temperatures of a 2R2C building (``solve_ivp``).

    Parameters
    ----------
    temp_air, heat_on, archetype, temp_indoor_initial
        As in :func:`indoor_temperature`; ``temp_indoor_initial`` is the air
        temperature at the first timestamp.
    **params
        ``h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2, temp_setpoint, oversize,
        temp_design, step_h`` as in :func:`indoor_temperature` (same defaults).
    temp_mass_initial : numeric, optional
        Mass temperature at the first timestamp [°C]; default ``temp_indoor_initial``.
    air_capacity_fraction : float, default 0.05
        Share of C in the air node (air, furniture, light partitions) [-]. Air alone is
        about 3 kJ/(m² K) for a 2.6 m storey; 0.05 of 370 kJ/(m² K) adds furniture [C].
    h_am_w_per_m2k : float, default 27.3
        Air-to-mass conductance per floor area [W/(m² K)]: ISO 13790 eq. (C.3)
        :math:`9.1 \cdot A_m/A_f` with :math:`A_m/A_f = 3.0` (heavy class).
    method : str, default "LSODA"
        Integration method of :func:`scipy.integrate.solve_ivp` (the air node is fast, so
        a stiff-capable method pays).
    rtol, atol : float, default 1e-7
        Solver tolerances.
    return_mass : bool, default False
        Also return the mass temperature.

    Returns
    -------
    temp_indoor : pandas.Series, pandas.DataFrame or numpy.ndarray
        Indoor air temperature [°C], shaped like :func:`indoor_temperature`'s result.
    temp_mass : same type, only if ``return_mass``
        Mass temperature [°C].

    Notes
    -----
    Eqs. (1)-(2) of :mod:`gridmodel.thermal.reference`: heat flows outdoor - (H) - air -
    (H_am) - mass, heating and gains enter the air, :math:`C_a = f C`,
    :math:`C_m = (1 - f) C` with ``f = air_capacity_fraction``.

    References
    ----------
    .. [1] ISO 13790:2008, Annex C (5R1C hourly model; the air-mass coupling
       :math:`h_{ms} = 9.1` W/(m² K) and the effective mass area classes).
    """
    p = rc_keywords(params, "indoor_temperature_2r2c")
    temp_setpoint = p["temp_setpoint"]
    m = _model_inputs_kw(temp_air, heat_on, archetype, temp_indoor_initial, p)
    nodes = _nodes_2r2c(m, air_capacity_fraction, float(h_am_w_per_m2k), temp_setpoint)
    y0 = _start_2r2c(temp_indoor_initial, temp_mass_initial, m.n_b)
    out = _ivp_run(nodes, y0, m.temp_air, m.heat_on, m.q_max, temp_setpoint, m.step_s, method,
                   rtol, atol)
    air = m.wrap(out[:, :, 0])
    if return_mass:
        return air, m.wrap(out[:, :, 1], name="temp_mass")
    return air


def _nodes_2r2c(m, air_capacity_fraction, h_am, temp_setpoint):
    """One 2R2C :class:`_Node` per building, the capacity split by ``air_capacity_fraction``."""
    if not 0 < air_capacity_fraction < 1:
        msg = f"air_capacity_fraction must lie in (0, 1); got {air_capacity_fraction=}."
        raise ValueError(msg)
    hb, cb, gb = _per_building(m)
    nodes = []
    for b in range(m.n_b):
        hh, gg = hb[b], gb[b]
        c_a = air_capacity_fraction * cb[b] * _J_PER_KJ
        c_m = (1 - air_capacity_fraction) * cb[b] * _J_PER_KJ
        nodes.append(_node_2r2c(hh, gg, c_a, c_m, h_am, temp_setpoint))
    return nodes


def _start_2r2c(temp_indoor_initial, temp_mass_initial, n_b):
    """Start states (building, [air, mass]) [°C]; the mass starts at the air by default."""
    ta0 = np.broadcast_to(np.asarray(temp_indoor_initial, dtype=float), (n_b,))
    tm0 = ta0 if temp_mass_initial is None else temp_mass_initial
    tm0 = np.broadcast_to(np.asarray(tm0, dtype=float), (n_b,))
    return np.stack([ta0, tm0], axis=1)


def _node_2r2c(h, gains, c_a, c_m, h_am, temp_setpoint):
    def rhs(y, air, q):
        return np.array(
            [
                (h * (air - y[0]) + h_am * (y[1] - y[0]) + gains + q) / c_a,
                h_am * (y[0] - y[1]) / c_m,
            ]
        )

    def rhs_hold(y, _air):
        return np.array([0.0, h_am * (temp_setpoint - y[1]) / c_m])

    def q_hold(y, air):
        return h * (temp_setpoint - air) + h_am * (temp_setpoint - y[1]) - gains

    return _Node(rhs, rhs_hold, q_hold, hold_is_static=False)
