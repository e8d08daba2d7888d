"""Building thermal models: how fast flats cool when the heat stops.

Pure, vectorised functions in the style of :mod:`pvlib.temperature`. All quantities are per
square metre of heated floor area, so the floor area of a building cancels out of its
indoor temperature (it matters only for heat loads in W).

Models
------
- :func:`indoor_temperature`: one thermal node (1R1C) with the exact per-step exponential
  update (the default; fast, vectorised over buildings).
- :func:`indoor_temperature_ivp`: the same 1R1C system integrated with
  :func:`scipy.integrate.solve_ivp`, restarted at every forcing breakpoint (a reference).
- :func:`indoor_temperature_2r2c`: two nodes (indoor air and building mass) with
  :func:`scipy.integrate.solve_ivp`, restarted at every forcing breakpoint.
- :func:`building_temperatures`: many buildings at once, computing every distinct
  (archetype, heat on/off timeline, start temperature) trajectory only once.

Time convention: ``temp_air[k]`` and ``heat_on[k]`` hold over the interval
``[t_k, t_k + step)``; the result at ``t_k`` is the indoor temperature at the instant
``t_k``, so the first value is ``temp_indoor_initial`` and the last forcing value is unused.

Heating: while ``heat_on`` is true a thermostat-limited source delivers up to
``q_max = oversize * H * (temp_setpoint - temp_design)`` [W/m²] (the design heat load
scaled by ``oversize``) and holds the indoor air at ``temp_setpoint``; while it is false
only internal gains heat the building.

Archetype parameters: :data:`ARCHETYPE_PARAMETERS` (FIELD_NOTES section 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit
from scipy.integrate import solve_ivp

from gridmodel.errors import InputError as _BaseError

__all__ = [
    "ARCHETYPE_PARAMETERS",
    "DistinctTrajectories",
    "UnknownArchetypeError",
    "archetype_parameters",
    "building_temperatures",
    "cooling_time_h",
    "design_heat_load_w_per_m2",
    "hours_below",
    "hours_to_threshold",
    "indoor_temperature",
    "indoor_temperature_2r2c",
    "indoor_temperature_ivp",
    "time_constant_h",
]

_S_PER_H = 3600.0
_MAX_SWITCHES = 16  # thermostat mode switches allowed within one forcing step
_J_PER_KJ = 1000.0

_FN4 = (
    "FIELD_NOTES section 4 table (ISO 13790/52016 capacity classes; Kyivteploenergo heat "
    "bills, H about 1.3-1.7; calibrated to Kyiv observations Jan 2026)"
)

#: Archetype presets, per m² of heated floor area. ``h_w_per_m2k``: heat loss coefficient
#: H (transmission + ventilation) [W/(m² K)]; ``c_kj_per_m2k``: effective heat capacity C
#: [kJ/(m² K)]; ``gains_w_per_m2``: internal gains [W/m²]; ``*_range``: (low, high) from
#: FIELD_NOTES section 4 where given, else tagged [C]; ``floor_area_m2``: typical heated
#: floor area of one building [m²]; ``floors``: typical number of storeys.
ARCHETYPE_PARAMETERS: dict[str, dict] = {
    "khrushchyovka_5": {
        "label": "5-storey Khrushchyovka (panel or brick, 1958-1970s)",
        "h_w_per_m2k": 1.5,
        "h_w_per_m2k_range": (1.2, 1.9),
        "c_kj_per_m2k": 370.0,
        "c_kj_per_m2k_range": (300.0, 480.0),
        "gains_w_per_m2": 2.5,
        "floor_area_m2": 3300.0,
        "floors": 5,
        "source": _FN4 + "; floor area about 3,300 m2 (FIELD_NOTES 4)",
    },
    "panel_9_12": {
        "label": "9-12-storey panel block",
        "h_w_per_m2k": 1.4,
        "h_w_per_m2k_range": (1.1, 1.8),
        "c_kj_per_m2k": 370.0,
        "c_kj_per_m2k_range": (300.0, 480.0),
        "gains_w_per_m2": 2.5,
        "floor_area_m2": 6000.0,
        "floors": 9,
        "source": _FN4 + "; floor area about 6,000 m2 (FIELD_NOTES 4); C range as "
        "khrushchyovka_5 [C]; floors 9 (9-12) [C]",
    },
    "panel_16plus": {
        "label": "16-storey and taller panel block",
        "h_w_per_m2k": 1.5,
        "h_w_per_m2k_range": (1.2, 2.0),
        "c_kj_per_m2k": 370.0,
        "c_kj_per_m2k_range": (300.0, 480.0),
        "gains_w_per_m2": 2.5,
        "floor_area_m2": 9500.0,
        "floors": 16,
        "source": _FN4 + "; C range as khrushchyovka_5 [C]; floor area 9,500 m2 (16 floors x "
        "about 600 m2) and floors [C], as networks/kyiv/assumptions.toml",
    },
    "brick_stalin": {
        "label": "brick, Stalin-era (1930s-1950s)",
        "h_w_per_m2k": 1.6,
        "h_w_per_m2k_range": (1.3, 2.0),
        "c_kj_per_m2k": 450.0,
        "c_kj_per_m2k_range": (370.0, 600.0),
        "gains_w_per_m2": 2.0,
        "floor_area_m2": 3500.0,
        "floors": 5,
        "source": _FN4 + "; floor area 3,500 m2 and 5 floors (3-8) [C], as "
        "networks/kyiv/assumptions.toml",
    },
    "modern_monolithic": {
        "label": "modern monolithic concrete frame (2000s on)",
        "h_w_per_m2k": 0.85,
        "h_w_per_m2k_range": (0.6, 1.1),
        "c_kj_per_m2k": 280.0,
        "c_kj_per_m2k_range": (220.0, 370.0),
        "gains_w_per_m2": 2.5,
        "floor_area_m2": 11000.0,
        "floors": 16,
        "source": _FN4 + "; floor area 11,000 m2 and 16 floors (10-25) [C], as "
        "networks/kyiv/assumptions.toml",
    },
}


class UnknownArchetypeError(_BaseError, KeyError):
    """An archetype name is not a key of :data:`ARCHETYPE_PARAMETERS`.

    Both a ``KeyError`` (a failed lookup, as in pvlib) and a ``ValueError`` /
    ``gridmodel.errors.InputError`` (bad user input).
    """

    __str__ = BaseException.__str__  # KeyError would quote the message


def archetype_parameters(archetype: str) -> dict:
    """Return the parameter set of a named archetype.

    Parameters
    ----------
    archetype : str
        A key of :data:`ARCHETYPE_PARAMETERS`.

    Returns
    -------
    dict
        A copy of the parameter set.

    Raises
    ------
    UnknownArchetypeError
        A ``KeyError`` and ``ValueError``, if ``archetype`` is not a key of
        :data:`ARCHETYPE_PARAMETERS`; the message lists the valid names.
    """
    try:
        return dict(ARCHETYPE_PARAMETERS[archetype])
    except (KeyError, TypeError):
        valid = ", ".join(repr(k) for k in ARCHETYPE_PARAMETERS)
        msg = (
            f"{archetype!r} is not a named archetype in ARCHETYPE_PARAMETERS; valid names: {valid}."
        )
        raise UnknownArchetypeError(msg) from None


def time_constant_h(h_w_per_m2k, c_kj_per_m2k):
    r"""Time constant of a 1R1C building.

    Parameters
    ----------
    h_w_per_m2k : numeric
        Heat loss coefficient per floor area [W/(m² K)].
    c_kj_per_m2k : numeric
        Effective heat capacity per floor area [kJ/(m² K)].

    Returns
    -------
    numeric
        Time constant :math:`\tau = C / H` [h].
    """
    return np.asarray(c_kj_per_m2k) * _J_PER_KJ / np.asarray(h_w_per_m2k) / _S_PER_H


def design_heat_load_w_per_m2(h_w_per_m2k, temp_setpoint=20.0, temp_design=-22.0):
    r"""Design heat load per floor area.

    Parameters
    ----------
    h_w_per_m2k : numeric
        Heat loss coefficient per floor area [W/(m² K)].
    temp_setpoint : numeric, default 20.0
        Indoor set-point [°C].
    temp_design : numeric, default -22.0
        Outdoor design temperature [°C] (Kyiv, FIELD_NOTES section 5, [C]).

    Returns
    -------
    numeric
        :math:`Q_{design} = H (T_{set} - T_{design})` [W/m²]. Multiply by the floor area
        for watts (FIELD_NOTES section 9 sizes heat sources this way).
    """
    return np.asarray(h_w_per_m2k) * (np.asarray(temp_setpoint) - np.asarray(temp_design))


# --------------------------------------------------------------------------------------
# input handling


def _step_from_index(index, step_h):
    """Step [h] from a DatetimeIndex (constant step required) or from ``step_h``."""
    if isinstance(index, pd.DatetimeIndex) and len(index) > 1:
        step_ns = np.diff(index.asi8)
        if not np.all(step_ns == step_ns[0]) or step_ns[0] <= 0:
            i = (
                int(np.flatnonzero(step_ns != step_ns[0])[0])
                if np.any(step_ns != step_ns[0])
                else 0
            )
            msg = (
                "temp_air needs a constant, increasing time step; the index changes step at "
                f"{index[i + 1]} (after {index[i]}). Resample the profile to a fixed step."
            )
            raise ValueError(msg)
        index_step_h = step_ns[0] / 3.6e12
        if step_h is not None and not np.isclose(step_h, index_step_h):
            msg = f"step_h={step_h} disagrees with the index step of {index_step_h} h."
            raise ValueError(msg)
        return float(index_step_h)
    if step_h is None:
        return 1.0
    if not step_h > 0:
        msg = f"step_h must be positive; got {step_h=}."
        raise ValueError(msg)
    return float(step_h)


def _prepare(temp_air, heat_on, step_h):
    """Return (temp_air 2-D view, heat_on 2-D view, step_h, index, columns, one_d)."""
    index = temp_air.index if isinstance(temp_air, pd.Series | pd.DataFrame) else None
    if index is None and isinstance(heat_on, pd.Series | pd.DataFrame):
        index = heat_on.index
    elif index is not None and isinstance(heat_on, pd.Series | pd.DataFrame):
        if not heat_on.index.equals(index):
            msg = "heat_on and temp_air must share the same index."
            raise ValueError(msg)
    columns = None
    for obj in (heat_on, temp_air):
        if isinstance(obj, pd.DataFrame):
            columns = obj.columns
            break
    step = _step_from_index(index, step_h)
    temp = np.asarray(temp_air, dtype=float)
    heat_raw = np.asarray(heat_on)
    if heat_raw.dtype != bool:
        heat_float = heat_raw.astype(float)
        if not np.all(np.isin(heat_float, (0.0, 1.0))):
            msg = "heat_on must be boolean (or 0/1) without missing values."
            raise ValueError(msg)
        heat_raw = heat_float.astype(bool)
    if temp.ndim == 0 or temp.ndim > 2 or heat_raw.ndim > 2:
        msg = f"temp_air must be 1-D or 2-D (time x building); got shape {temp.shape}."
        raise ValueError(msg)
    if not np.all(np.isfinite(temp)):
        row = int(np.flatnonzero(~np.isfinite(temp).reshape(len(temp), -1).all(axis=1))[0])
        msg = f"temp_air has a missing or infinite value at time step {row}."
        raise ValueError(msg)
    one_d = temp.ndim == 1 and heat_raw.ndim <= 1
    temp2 = np.ascontiguousarray(temp.reshape(len(temp), -1))
    heat2 = np.broadcast_to(heat_raw, temp.shape) if heat_raw.ndim == 0 else heat_raw
    heat2 = np.ascontiguousarray(heat2.reshape(len(heat2), -1))  # rows read per step
    if len(heat2) != len(temp2):
        msg = f"heat_on has {len(heat2)} time steps but temp_air has {len(temp2)}."
        raise ValueError(msg)
    return temp2, heat2, step, index, columns, one_d


def _parameters(archetype, n_b, h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2):
    """Per-building (H, C, gains) arrays of length ``n_b`` (or broadcastable scalars)."""
    names = np.asarray(archetype)
    if names.ndim == 0:
        params = archetype_parameters(str(names))
        h, c, g = params["h_w_per_m2k"], params["c_kj_per_m2k"], params["gains_w_per_m2"]
    else:
        unique, inverse = np.unique(names, return_inverse=True)
        table = np.array(
            [
                [p["h_w_per_m2k"], p["c_kj_per_m2k"], p["gains_w_per_m2"]]
                for p in (archetype_parameters(str(u)) for u in unique)
            ]
        )
        h, c, g = table[inverse].T
    h = np.asarray(h if h_w_per_m2k is None else h_w_per_m2k, dtype=float)
    c = np.asarray(c if c_kj_per_m2k is None else c_kj_per_m2k, dtype=float)
    g = np.asarray(g if gains_w_per_m2 is None else gains_w_per_m2, dtype=float)
    if np.any(h <= 0) or np.any(c <= 0):
        msg = "h_w_per_m2k and c_kj_per_m2k must be positive."
        raise ValueError(msg)
    shape = np.broadcast_shapes(h.shape, c.shape, g.shape)
    if shape not in {(), (1,), (n_b,)}:
        msg = f"building parameters have shape {shape} but there are {n_b} building column(s)."
        raise ValueError(msg)
    return h, c, g


def _n_buildings(temp2, heat2, *arrays):
    sizes = {temp2.shape[1], heat2.shape[1]}
    sizes |= {np.size(a) for a in arrays if np.ndim(a) > 0}
    sizes.discard(1)
    if len(sizes) > 1:
        msg = f"inputs disagree on the number of buildings: {sorted(sizes)}."
        raise ValueError(msg)
    return sizes.pop() if sizes else 1


@dataclass(frozen=True)
class _ModelInputs:
    """Validated inputs shared by the three building models (see :func:`_model_inputs`)."""

    temp_air: np.ndarray  # (time, 1 or building)
    heat_on: np.ndarray  # (time, 1 or building), bool
    step_s: float
    n_b: int
    h: np.ndarray  # [W/(m² K)], scalar or (building,)
    c: np.ndarray  # [kJ/(m² K)], scalar or (building,)
    gains: np.ndarray  # [W/m²], scalar or (building,)
    q_max: np.ndarray  # [W/m²], scalar or (building,)
    index: pd.DatetimeIndex | None
    columns: pd.Index | None
    one_d: bool  # a 1-D pandas/array result (one building, scalar parameters)

    def wrap(self, result, name="temp_indoor"):
        """A (time, building) result shaped like the input (see :func:`_wrap`)."""
        return _wrap(result, self.index, self.columns, self.one_d, name)


def _model_inputs(temp_air, heat_on, archetype, temp_indoor_initial, step_h, h_w_per_m2k,
                  c_kj_per_m2k, gains_w_per_m2, temp_setpoint, oversize, temp_design):
    """Forcing, building parameters and heating capacity of one model call, validated."""
    temp2, heat2, step, index, columns, one_d = _prepare(temp_air, heat_on, step_h)
    n_b = _n_buildings(temp2, heat2, archetype, temp_indoor_initial)
    h, c, g = _parameters(archetype, n_b, h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2)
    q_max = oversize * design_heat_load_w_per_m2(h, temp_setpoint, temp_design)
    one_d = (one_d and n_b == 1
             and np.ndim(h) == np.ndim(c) == np.ndim(g) == np.ndim(temp_indoor_initial) == 0)
    return _ModelInputs(temp_air=temp2, heat_on=heat2, step_s=step * _S_PER_H, n_b=n_b, h=h,
                        c=c, gains=g, q_max=q_max, index=index, columns=columns, one_d=one_d)


def _per_building(m: _ModelInputs):
    """(H, C, gains) of each building as arrays of length ``m.n_b`` (solve_ivp models)."""
    return (np.broadcast_to(np.asarray(v, dtype=float), (m.n_b,)) for v in (m.h, m.c, m.gains))


def _wrap(result, index, columns, one_d, name="temp_indoor"):
    if one_d and result.shape[1] == 1:
        result = result[:, 0]
        return pd.Series(result, index=index, name=name) if index is not None else result
    if index is not None:
        return pd.DataFrame(result, index=index, columns=columns)
    return result


# --------------------------------------------------------------------------------------
# 1R1C, exact update


def _exact_kernel(temp_air, heat_on, h, c_j, gains, q_max, temp_setpoint, temp0, step_s):
    """Exact 1R1C update over (n_t, n_b) forcing; returns (n_t, n_b) temperatures.

    Written with in-place operations on preallocated rows (memory-bound loop over time,
    vectorised over buildings).
    """
    n_t = temp_air.shape[0]
    n_b = max(temp_air.shape[1], heat_on.shape[1], np.size(h), np.size(c_j), np.size(temp0))
    decay = np.broadcast_to(np.exp(-step_s * h / c_j), (n_b,))  # exp(-dt / tau)
    relax = 1.0 - decay
    gain_rise = np.broadcast_to(gains / h, (n_b,))  # equilibrium rise from gains [K]
    gain_step = relax * gain_rise
    heat_rise = np.broadcast_to(q_max / h * relax, (n_b,))  # extra rise at full power [K]
    shared_air = temp_air.shape[1] == 1
    shared_heat = heat_on.shape[1] == 1
    out = np.empty((n_t, n_b))
    out[0] = np.broadcast_to(np.asarray(temp0, dtype=float), (n_b,))
    buf = np.empty(n_b)
    held = np.empty(n_b)
    for k in range(n_t - 1):
        nxt = out[k + 1]
        # eq. (2), no heating: F = T decay + (1 - decay) (T_air + g / H)
        np.multiply(out[k], decay, out=nxt)
        if shared_air:
            np.multiply(relax, temp_air[k, 0], out=buf)
            buf += gain_step
        else:
            np.add(temp_air[k], gain_rise, out=buf)
            buf *= relax
        nxt += buf
        # eqs. (3)-(4), heating: min(max(T_set, F), F + heat_rise)
        if shared_heat and not heat_on[k, 0]:
            continue
        np.maximum(nxt, temp_setpoint, out=held)
        np.add(nxt, heat_rise, out=buf)
        np.minimum(held, buf, out=held)
        if shared_heat:
            nxt[:] = held
        else:
            np.copyto(nxt, held, where=heat_on[k])
    return out


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
    h_w_per_m2k : numeric, optional
        Heat loss coefficient H per floor area [W/(m² K)]; overrides the archetype.
    c_kj_per_m2k : numeric, optional
        Effective heat capacity C per floor area [kJ/(m² K)]; overrides the archetype.
    gains_w_per_m2 : numeric, optional
        Internal gains per floor area [W/m²]; overrides the archetype.
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

    Returns
    -------
    pandas.Series, pandas.DataFrame or numpy.ndarray
        Indoor temperature ``temp_indoor`` [°C] at each timestamp, on the input index
        (Series for 1-D pandas input, DataFrame for 2-D pandas input, array otherwise).
        The first value is ``temp_indoor_initial``.

    Notes
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
                        temp_setpoint, temp_indoor_initial, m.step_s)
    return m.wrap(out)


# --------------------------------------------------------------------------------------
# solve_ivp models with an exact thermostat (events at the set-point)


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


def indoor_temperature_ivp(
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
    method="RK45",
    rtol=1e-8,
    atol=1e-8,
):
    r"""Indoor temperature of a 1R1C building with :func:`scipy.integrate.solve_ivp`.

    The reference implementation of :func:`indoor_temperature` (same parameters, same
    result to solver tolerance): eq. (1) of :func:`indoor_temperature` is integrated
    over each forcing interval separately (restarting at every step, so no step crosses
    an on/off switch), building by building, and the thermostat switches mode at the
    exact instant the air reaches the set-point (a terminal event). Written for
    clarity, not speed: thousands of times slower per building-hour than the exact
    update (see ``benchmarks/bench_thermal.py``).

    Parameters
    ----------
    temp_air, heat_on, archetype, temp_indoor_initial, h_w_per_m2k, c_kj_per_m2k, \
gains_w_per_m2, temp_setpoint, oversize, temp_design, step_h
        As in :func:`indoor_temperature`.
    method : str, default "RK45"
        Integration method of :func:`scipy.integrate.solve_ivp`.
    rtol, atol : float, default 1e-8
        Solver tolerances (relative [-], absolute [K]).

    Returns
    -------
    pandas.Series, pandas.DataFrame or numpy.ndarray
        Indoor temperature [°C], shaped like the result of :func:`indoor_temperature`.
    """
    m = _model_inputs(temp_air, heat_on, archetype, temp_indoor_initial, step_h, h_w_per_m2k,
                      c_kj_per_m2k, gains_w_per_m2, temp_setpoint, oversize, temp_design)
    hb, cb, gb = _per_building(m)
    nodes = [_node_1r1c(hb[b], cb[b] * _J_PER_KJ, gb[b], temp_setpoint) for b in range(m.n_b)]
    y0 = np.broadcast_to(np.asarray(temp_indoor_initial, dtype=float), (m.n_b,))[:, None]
    out = _ivp_run(nodes, y0, m.temp_air, m.heat_on, m.q_max, temp_setpoint, m.step_s, method,
                   rtol, atol)
    return m.wrap(out[:, :, 0])


def indoor_temperature_2r2c(
    temp_air,
    heat_on,
    archetype="panel_9_12",
    temp_indoor_initial=19.0,
    *,
    temp_mass_initial=None,
    air_capacity_fraction=0.05,
    h_am_w_per_m2k=27.3,
    h_w_per_m2k=None,
    c_kj_per_m2k=None,
    gains_w_per_m2=None,
    temp_setpoint=20.0,
    oversize=1.1,
    temp_design=-22.0,
    step_h=None,
    method="LSODA",
    rtol=1e-7,
    atol=1e-7,
    return_mass=False,
):
    r"""Indoor air and building mass temperatures of a 2R2C building (``solve_ivp``).

    Parameters
    ----------
    temp_air, heat_on, archetype, temp_indoor_initial, h_w_per_m2k, c_kj_per_m2k, \
gains_w_per_m2, temp_setpoint, oversize, temp_design, step_h
        As in :func:`indoor_temperature`; ``temp_indoor_initial`` is the air
        temperature at the first timestamp.
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

    References
    ----------
    .. [1] ISO 13790:2008, Annex C (5R1C hourly model; the air-mass coupling
       :math:`h_{ms} = 9.1` W/(m² K) and the effective mass area classes).
    """
    m = _model_inputs(temp_air, heat_on, archetype, temp_indoor_initial, step_h, h_w_per_m2k,
                      c_kj_per_m2k, gains_w_per_m2, temp_setpoint, oversize, temp_design)
    if not 0 < air_capacity_fraction < 1:
        msg = f"air_capacity_fraction must lie in (0, 1); got {air_capacity_fraction=}."
        raise ValueError(msg)
    n_b = m.n_b
    hb, cb, gb = _per_building(m)
    h_am = float(h_am_w_per_m2k)
    nodes = []
    for b in range(n_b):
        hh, gg = hb[b], gb[b]
        c_a = air_capacity_fraction * cb[b] * _J_PER_KJ
        c_m = (1 - air_capacity_fraction) * cb[b] * _J_PER_KJ
        nodes.append(_node_2r2c(hh, gg, c_a, c_m, h_am, temp_setpoint))
    ta0 = np.broadcast_to(np.asarray(temp_indoor_initial, dtype=float), (n_b,))
    tm0 = ta0 if temp_mass_initial is None else temp_mass_initial
    tm0 = np.broadcast_to(np.asarray(tm0, dtype=float), (n_b,))
    y0 = np.stack([ta0, tm0], axis=1)
    out = _ivp_run(nodes, y0, m.temp_air, m.heat_on, m.q_max, temp_setpoint, m.step_s, method,
                   rtol, atol)
    air = m.wrap(out[:, :, 0])
    if return_mass:
        return air, m.wrap(out[:, :, 1], name="temp_mass")
    return air


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


# --------------------------------------------------------------------------------------
# helpers on trajectories


def cooling_time_h(
    temp_threshold,
    temp_air,
    temp_indoor_initial=19.0,
    archetype="panel_9_12",
    *,
    h_w_per_m2k=None,
    c_kj_per_m2k=None,
    gains_w_per_m2=None,
):
    r"""Hours without heat until the indoor temperature falls to a threshold (closed form).

    Parameters
    ----------
    temp_threshold : numeric
        Indoor threshold [°C], e.g. 12.
    temp_air : numeric
        Constant outdoor air temperature [°C].
    temp_indoor_initial : numeric, default 19.0
        Indoor temperature when the heat stops [°C].
    archetype, h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2
        As in :func:`indoor_temperature`.

    Returns
    -------
    numeric
        Time [h]; 0 if already at or below the threshold, ``inf`` if the building never
        gets there (equilibrium :math:`T_{air} + g/H` at or above the threshold).

    Notes
    -----
    From the 1R1C solution with :math:`T_{eq} = T_{air} + g/H`:

    .. math:: t = \tau \ln \frac{T_0 - T_{eq}}{T_{thr} - T_{eq}}
    """
    h, c, g = _parameters(archetype, np.size(archetype), h_w_per_m2k, c_kj_per_m2k, gains_w_per_m2)
    tau = time_constant_h(h, c)
    temp_eq = np.asarray(temp_air, dtype=float) + g / h
    t0 = np.asarray(temp_indoor_initial, dtype=float)
    thr = np.asarray(temp_threshold, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = tau * np.log((t0 - temp_eq) / (thr - temp_eq))
    t = np.where(thr >= t0, 0.0, np.where(thr <= temp_eq, np.inf, t))
    return t[()] if np.ndim(t) == 0 else t


def _as_2d(temp_indoor, step_h):
    index = temp_indoor.index if isinstance(temp_indoor, pd.Series | pd.DataFrame) else None
    step = _step_from_index(index, step_h)
    arr = np.asarray(temp_indoor, dtype=float)
    return arr.reshape(len(arr), -1), step, arr.ndim == 1


def hours_to_threshold(temp_indoor, temp_threshold=12.0, step_h=None):
    r"""Hours from the first timestamp until the indoor temperature first falls below X.

    Parameters
    ----------
    temp_indoor : pandas.Series, pandas.DataFrame or array-like
        Indoor temperature [°C], shape (time,) or (time, building).
    temp_threshold : float, default 12.0
        Threshold [°C].
    step_h : float, optional
        Time step [h] for array input (default 1.0); read from the index otherwise.

    Returns
    -------
    float or numpy.ndarray
        Time [h] of the first crossing, linearly interpolated between samples; 0 if the
        first value is already below; ``inf`` if the threshold is never crossed.
    """
    arr, step, one_d = _as_2d(temp_indoor, step_h)
    below = arr < temp_threshold
    any_below = below.any(axis=0)
    k = np.argmax(below, axis=0)  # first sample below
    cols = np.arange(arr.shape[1])
    prev = arr[np.maximum(k - 1, 0), cols]
    curr = arr[k, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(k > 0, (prev - temp_threshold) / (prev - curr), 0.0)
    hours = np.where(any_below, (np.maximum(k - 1, 0) + frac) * step, np.inf)
    hours = np.where(k == 0, np.where(any_below, 0.0, np.inf), hours)
    return float(hours[0]) if one_d else hours


def hours_below(temp_indoor, thresholds=(16.0, 12.0, 8.0), step_h=None):
    r"""Hours spent below each indoor threshold.

    Parameters
    ----------
    temp_indoor : pandas.Series, pandas.DataFrame or array-like
        Indoor temperature [°C], shape (time,) or (time, building).
    thresholds : sequence of float, default (16, 12, 8)
        Thresholds [°C]: 16 °C proposed minimum (2022), 12 °C a common health-risk line,
        8 °C below the Finnish +10 °C line for the less mobile (FIELD_NOTES section 3).
    step_h : float, optional
        Time step [h] for array input (default 1.0); read from the index otherwise.

    Returns
    -------
    pandas.Series or numpy.ndarray
        Hours below each threshold: a Series indexed by threshold for 1-D input, else an
        array of shape (threshold, building). Each sample counts for one step.
    """
    arr, step, one_d = _as_2d(temp_indoor, step_h)
    thr = np.asarray(thresholds, dtype=float)
    counts = (arr[None, :, :] < thr[:, None, None]).sum(axis=1) * step
    if one_d:
        return pd.Series(counts[:, 0], index=pd.Index(thr, name="temp_threshold"), name="hours")
    return counts


# --------------------------------------------------------------------------------------
# many buildings: distinct trajectories once


@dataclass(frozen=True)
class DistinctTrajectories:
    """Indoor temperatures of many buildings stored as distinct trajectories.

    Attributes
    ----------
    temp_indoor : numpy.ndarray
        Distinct trajectories [°C], shape (time, n_distinct).
    inverse : numpy.ndarray
        For each building, the column of ``temp_indoor`` it follows, shape (building,).
    archetype : numpy.ndarray
        Archetype name of each distinct trajectory, shape (n_distinct,).
    timeline : numpy.ndarray
        Heat-on timeline (column of ``timelines``) of each distinct trajectory.
    timelines : numpy.ndarray
        Distinct heat-on timelines, bool, shape (time, n_timelines).
    temp_indoor_initial : numpy.ndarray
        Start temperature of each distinct trajectory [°C].
    index : pandas.DatetimeIndex or None
        Time index of the input weather, if any.
    """

    temp_indoor: np.ndarray
    inverse: np.ndarray
    archetype: np.ndarray
    timeline: np.ndarray
    timelines: np.ndarray
    temp_indoor_initial: np.ndarray
    index: pd.DatetimeIndex | None = None

    @property
    def n_distinct(self) -> int:
        """Number of distinct trajectories."""
        return self.temp_indoor.shape[1]

    @property
    def n_buildings(self) -> int:
        """Number of buildings."""
        return self.inverse.shape[0]

    def to_buildings(self, buildings=None) -> np.ndarray:
        """Expand to a (time, building) array [°C] (all buildings or the given indices)."""
        cols = self.inverse if buildings is None else self.inverse[np.asarray(buildings)]
        return self.temp_indoor[:, cols]

    def hours_below(self, thresholds=(16.0, 12.0, 8.0), step_h=None) -> np.ndarray:
        """Hours below each threshold per building, shape (threshold, building)."""
        step = _step_from_index(self.index, step_h)
        return hours_below(self.temp_indoor, thresholds, step)[:, self.inverse]


def _unique_columns(heat_on):
    """Distinct columns of a (time, building) bool matrix -> (columns, inverse).

    Columns are in the order of their bits packed big-endian along time (as
    :func:`numpy.packbits` bytes compared in order); ``inverse`` maps each building to its
    column.
    """
    first, inverse = _unique_rows(_pack_columns(np.ascontiguousarray(heat_on, dtype=np.bool_)).T)
    return heat_on[:, first], inverse


def _unique_rows(words):
    """``numpy.unique`` of the rows of a uint64 matrix, compared word by word.

    Returns
    -------
    first : numpy.ndarray of int64
        First occurrence of each distinct row, distinct rows in increasing order.
    inverse : numpy.ndarray of int64
        Position of each row's value in ``first``.
    """
    first, inverse = _distinct_rows(words)
    # first word most significant; rows without words are all equal
    order = np.lexsort(words[first].T[::-1]) if words.shape[1] else np.arange(first.size)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], rank[inverse]


def _unique_strings(names):
    """``numpy.unique(names, return_inverse=True)`` of a 1-D str array, by hashing."""
    codes = np.ascontiguousarray(names).view(np.uint32).reshape(names.size,
                                                                names.dtype.itemsize // 4)
    first, inverse = _unique_rows(codes.astype(np.uint64))
    return names[first], inverse


@njit(cache=True)
def _pack_columns(heat_on):  # pragma: no cover
    """Bits of each column, hour t at bit 63 - t % 64 of word t // 64: (word, column)."""
    n_t, n_b = heat_on.shape
    words = np.zeros(((n_t + 63) // 64, n_b), dtype=np.uint64)
    for t in range(n_t):
        w = t // 64
        shift = np.uint64(63 - t % 64)
        for i in range(n_b):
            words[w, i] |= np.uint64(heat_on[t, i]) << shift
    return words


@njit(cache=True)
def _distinct_rows(words):  # pragma: no cover
    """Distinct rows of a uint64 matrix by hashing (open addressing, exact comparison).

    Returns
    -------
    first : numpy.ndarray of int64
        First row of each distinct row, in order of first appearance.
    inverse : numpy.ndarray of int64
        Distinct row of each row.
    """
    n, n_w = words.shape
    bits = 1
    while (1 << bits) < 2 * n:
        bits += 1
    mask = (1 << bits) - 1
    table = np.full(1 << bits, -1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    inverse = np.empty(n, dtype=np.int64)
    n_d = 0
    for i in range(n):
        h = np.uint64(0x9E3779B97F4A7C15)
        for w in range(n_w):
            h = (h ^ words[i, w]) * np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
        slot = np.int64(h >> np.uint64(64 - bits))
        while True:
            d = table[slot]
            if d < 0:
                table[slot] = n_d
                first[n_d] = i
                inverse[i] = n_d
                n_d += 1
                break
            j = first[d]
            same = True
            for w in range(n_w):
                if words[j, w] != words[i, w]:
                    same = False
                    break
            if same:
                inverse[i] = d
                break
            slot = (slot + 1) & mask
    return first[:n_d], inverse


def building_temperatures(
    temp_air,
    heat_on,
    archetypes,
    temp_indoor_initial=19.0,
    *,
    timeline=None,
    step_h=None,
    **model_kwargs,
):
    r"""Indoor temperatures of many buildings, each distinct trajectory computed once.

    Buildings with the same archetype, the same heat on/off timeline and the same start
    temperature have identical trajectories (the weather is shared); they are grouped,
    each group is computed once with :func:`indoor_temperature`, and the result maps
    back to the buildings through an inverse index.

    Parameters
    ----------
    temp_air : pandas.Series or array-like
        Outdoor air temperature [°C], shape (time,), shared by all buildings.
    heat_on : array-like of bool
        Either (time, building) heat-on states, or with ``timeline`` given, the distinct
        heat-on timelines, shape (time, n_timelines).
    archetypes : str or array-like of str
        Archetype of each building, shape (building,) (or one name for all); keys of
        :data:`ARCHETYPE_PARAMETERS`.
    temp_indoor_initial : numeric, default 19.0
        Start temperature [°C], scalar or per building.
    timeline : array-like of int, optional
        For each building the column of ``heat_on`` it follows, shape (building,).
    step_h : float, optional
        Time step [h] for array input.
    **model_kwargs
        Scalar keyword arguments of :func:`indoor_temperature` (``temp_setpoint``,
        ``oversize``, ``temp_design``).

    Returns
    -------
    DistinctTrajectories
        Distinct trajectories and the inverse index; ``.to_buildings()`` gives the
        (time, building) array, ``.hours_below()`` the per-building exposure.

    Notes
    -----
    Without ``timeline`` the distinct columns of ``heat_on`` are found by packing each
    column into bits and sorting the byte strings (:func:`numpy.unique`), which costs
    about as much as reading the matrix once. The expanded (time, building) array is
    large (14 days x 10^5 buildings = 270 MB); ensemble callers should keep the compact
    form and reduce per distinct trajectory.
    """
    if np.ndim(temp_air) != 1:
        msg = f"temp_air must be one shared series of shape (time,); got {np.shape(temp_air)}."
        raise ValueError(msg)
    index = temp_air.index if isinstance(temp_air, pd.Series) else None
    step = _step_from_index(index, step_h)
    temp = np.asarray(temp_air, dtype=float)
    heat = np.asarray(heat_on, dtype=bool)
    if heat.ndim == 1:
        heat = heat[:, None]
    if heat.shape[0] != temp.shape[0]:
        msg = f"heat_on has {heat.shape[0]} time steps but temp_air has {temp.shape[0]}."
        raise ValueError(msg)
    if timeline is None:
        timelines, timeline_of_b = _unique_columns(heat)
    else:
        timeline_of_b = np.asarray(timeline, dtype=np.int64).ravel()
        if timeline_of_b.size and (timeline_of_b.min() < 0 or timeline_of_b.max() >= heat.shape[1]):
            msg = (
                f"timeline indices must lie in [0, {heat.shape[1] - 1}] (columns of heat_on); "
                f"got [{timeline_of_b.min()}, {timeline_of_b.max()}]."
            )
            raise ValueError(msg)
        timelines = heat
    n_b = timeline_of_b.shape[0]
    names = np.broadcast_to(np.asarray(archetypes, dtype=str), (n_b,))
    arch_names, arch_code = _unique_strings(names)
    for name in arch_names:
        archetype_parameters(str(name))  # raises on unknown names
    t0 = np.broadcast_to(np.asarray(temp_indoor_initial, dtype=float), (n_b,))
    t0_values, t0_code = np.unique(t0, return_inverse=True)
    key = (
        arch_code.astype(np.int64) * timelines.shape[1] + timeline_of_b
    ) * t0_values.size + t0_code
    first, inverse = _unique_rows(key.astype(np.uint64).reshape(-1, 1))
    arch_u = arch_names[arch_code[first]]
    tl_u = timeline_of_b[first]
    t0_u = t0[first]
    traj = indoor_temperature(
        temp[:, None],
        timelines[:, tl_u],
        archetype=arch_u,
        temp_indoor_initial=t0_u,
        step_h=step,
        **model_kwargs,
    )
    return DistinctTrajectories(
        temp_indoor=traj,
        inverse=inverse.ravel(),
        archetype=arch_u,
        timeline=tl_u,
        timelines=timelines,
        temp_indoor_initial=t0_u,
        index=index,
    )
