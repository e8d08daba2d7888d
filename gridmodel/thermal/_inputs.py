"""Input checks and result shaping shared by the building thermal models.

The forcing (``temp_air``, ``heat_on``) is validated and brought to (time, building) arrays,
the building parameters resolved from archetypes and overrides, and each model's (time,
building) result wrapped back into the input's pandas type (Series, DataFrame or array).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridmodel.thermal._units import _S_PER_H
from gridmodel.thermal.archetypes import _parameters, design_heat_load_w_per_m2


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


#: keyword parameters of the 1R1C model and their defaults (:func:`gridmodel.thermal.rc.
#: indoor_temperature`); the reference solvers take the same keywords as ``**params``
RC_KEYWORDS = {"h_w_per_m2k": None, "c_kj_per_m2k": None, "gains_w_per_m2": None,
               "temp_setpoint": 20.0, "oversize": 1.1, "temp_design": -22.0, "step_h": None}


def rc_keywords(params: dict, where: str) -> dict:
    """``params`` completed with :data:`RC_KEYWORDS`; an unknown keyword is a TypeError."""
    unknown = sorted(set(params) - set(RC_KEYWORDS))
    if unknown:
        msg = (f"{where}() got unexpected keyword argument(s) {unknown}; allowed: "
               f"{list(RC_KEYWORDS)}.")
        raise TypeError(msg)
    return {**RC_KEYWORDS, **params}


def _model_inputs_kw(temp_air, heat_on, archetype, temp_indoor_initial, p: dict):
    """:func:`_model_inputs` from a completed keyword dict (:func:`rc_keywords`)."""
    return _model_inputs(temp_air, heat_on, archetype, temp_indoor_initial, p["step_h"],
                         p["h_w_per_m2k"], p["c_kj_per_m2k"], p["gains_w_per_m2"],
                         p["temp_setpoint"], p["oversize"], p["temp_design"])


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
