"""Indoor temperatures of many buildings, each distinct trajectory computed once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from gridmodel.thermal._inputs import _step_from_index
from gridmodel.thermal.archetypes import archetype_parameters
from gridmodel.thermal.distinct import (
    _unique_byte_columns,
    _unique_columns,
    _unique_ints,
    _unique_rows,
    _unique_strings,
)
from gridmodel.thermal.exposure import hours_below
from gridmodel.thermal.rc import indoor_temperature


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
    heat_level, occupant_on : numpy.ndarray or None
        The rest of each timeline's forcing, shape (time, n_timelines): heat share while
        on (float, whole per cent; None: full heat) and occupants' heating on (bool;
        None: none).
    """

    temp_indoor: np.ndarray
    inverse: np.ndarray
    archetype: np.ndarray
    timeline: np.ndarray
    timelines: np.ndarray
    temp_indoor_initial: np.ndarray
    index: pd.DatetimeIndex | None = None
    heat_level: np.ndarray | None = None
    occupant_on: np.ndarray | None = None

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

def building_temperatures(
    temp_air,
    heat_on,
    archetypes,
    temp_indoor_initial=19.0,
    *,
    timeline=None,
    step_h=None,
    heat_level=None,
    occupant_on=None,
    occupant_timeline=None,
    occupant_w_per_m2=0.0,
    **model_kwargs,
):
    r"""Indoor temperatures of many buildings, each distinct trajectory computed once.

    Buildings with the same archetype, forcing (heat on/off, level, occupants) and start
    temperature share a trajectory (the weather is shared): each group is computed once
    with :func:`indoor_temperature` and maps back to its buildings by an inverse index.

    The forcing comes per building (matrix form) or as distinct columns and the column of
    each building (index form: ``timeline``, ``occupant_timeline``): the same result.

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
    timeline, step_h : array-like of int, float; optional
        For each building the column of ``heat_on`` (and ``heat_level``) it follows,
        shape (building,); the time step [h] for array input.
    heat_level : array-like, optional
        Shape of ``heat_on`` (:func:`indoor_temperature`): the share of the needed heat
        delivered while the heat is on (reduced heat, eq. (6); in whole per cent).
    occupant_on, occupant_timeline : array-like of bool, int; optional
        Whether the flats have power for occupants' heating (eq. (5)), shape (time,
        building), or distinct columns (time, n) with ``occupant_timeline`` the column of
        each building, shape (building,). Buildings share a trajectory only when they
        share these too.
    occupant_w_per_m2 : float, default 0.0
        Occupants' heating while they have power and the heat is off [W/m²] [C].
    **model_kwargs
        Scalar keywords of :func:`indoor_temperature` (``temp_setpoint``, ``oversize``).

    Returns
    -------
    DistinctTrajectories
        Distinct trajectories and the inverse index (``.to_buildings()``,
        ``.hours_below()``).

    Notes
    -----
    Distinct forcing columns are found by hashing their bits (bytes with heat levels or
    occupants), numbered in :func:`numpy.unique` order of the columns the buildings use
    (both forms alike). The expanded array is large (14 days x 10^5 buildings = 270 MB):
    ensemble callers keep the compact form and reduce per distinct trajectory.
    """
    temp, heat, step, index = _shared_forcing(temp_air, heat_on, step_h)
    use_occ = occupant_on is not None and occupant_w_per_m2 > 0
    timelines, timeline_of_b, levels, occ = _forcing_columns(
        heat, timeline, heat_level, occupant_on if use_occ else None,
        occupant_timeline if use_occ else None)
    first, inverse, arch_u, t0_u = _distinct_buildings(archetypes, temp_indoor_initial,
                                                       timeline_of_b, timelines.shape[1])
    tl_u = timeline_of_b[first]
    traj = indoor_temperature(
        temp[:, None], timelines[:, tl_u], archetype=arch_u, temp_indoor_initial=t0_u,
        step_h=step, heat_level=None if levels is None else levels[:, tl_u],
        occupant_on=None if occ is None else occ[:, tl_u],
        occupant_w_per_m2=occupant_w_per_m2 if occ is not None else 0.0, **model_kwargs)
    return DistinctTrajectories(temp_indoor=traj, inverse=inverse.ravel(), archetype=arch_u,
                                timeline=tl_u, timelines=timelines, temp_indoor_initial=t0_u,
                                index=index, heat_level=levels, occupant_on=occ)


def _forcing_columns(heat, timeline, heat_level, occupant_on, occupant_timeline):
    """Distinct forcing columns of :func:`building_temperatures` and those of the buildings.

    Each building's forcing is its ``heat`` (and ``heat_level``) column and its
    ``occupant_on`` column (its own column of each without an index). The distinct heat
    columns the buildings use are found first, then the distinct (heat, occupants)
    columns of the pairs the buildings use.

    Returns
    -------
    timelines : numpy.ndarray of bool, shape (time, n_timelines)
        Heat-on state of each distinct column.
    timeline_of_b : numpy.ndarray of int, shape (building,)
    levels : numpy.ndarray of float or None
        Heat share of each column while on (None: full heat).
    occupant_on : numpy.ndarray of bool or None
        Occupants' heating on in each column (None: none).
    """
    heat_of_b = _column_index(timeline, heat.shape[1], "timeline", "heat_on")
    lv = None if heat_level is None else _same_shape(heat_level, heat, "heat_level")
    if timeline is None:  # matrix form: every column, in order
        cols, col_of_b = heat_of_b, heat_of_b
    else:
        cols, col_of_b = _unique_ints(heat_of_b)
        if cols.size < heat.shape[1]:  # (sorted and distinct: else every column)
            heat, lv = heat[:, cols], None if lv is None else lv[:, cols]
    if lv is None and occupant_on is None:
        timelines, of_col = _unique_columns(heat)
        return timelines, of_col[col_of_b], None, None
    codes, of_col = _unique_byte_columns(_heat_codes(heat, lv))
    code_of_b = of_col[col_of_b]
    if occupant_on is not None:
        occ, occ_of_b = _occupant_columns(occupant_on, occupant_timeline, heat.shape[0],
                                          code_of_b.size)
        pairs, pair_of_b = _unique_ints(code_of_b * occ.shape[1] + occ_of_b)
        pc = codes[:, pairs // occ.shape[1]]
        codes, of_pair = _unique_byte_columns(np.where(
            pc > 0, pc, np.where(occ[:, pairs % occ.shape[1]], _OCCUPANT_CODE, 0)
        ).astype(np.uint8))
        code_of_b = of_pair[pair_of_b]
    codes = codes.astype(np.int64)
    timelines = (codes > 0) & (codes <= 100)
    levels = None if lv is None else np.where(timelines, codes / 100.0, 0.0)
    occ = None if occupant_on is None else codes == _OCCUPANT_CODE
    return timelines, code_of_b.astype(np.int64), levels, occ


def _occupant_columns(occupant_on, occupant_timeline, n_t, n_b):
    """Checked occupants' heating columns (time, column) and the column of each building."""
    occ = np.asarray(occupant_on, dtype=bool)
    if occ.ndim == 1:
        occ = occ[:, None]
    if occ.shape[0] != n_t:
        msg = f"occupant_on has {occ.shape[0]} time steps but heat_on has {n_t}."
        raise ValueError(msg)
    occ_of_b = _column_index(occupant_timeline, occ.shape[1], "occupant_timeline",
                             "occupant_on")
    if occ_of_b.size != n_b:
        msg = (f"occupant_on has {occ_of_b.size} buildings but heat_on {n_b}; give "
               "occupant_timeline= with distinct columns.")
        raise ValueError(msg)
    return occ, occ_of_b


def _column_index(index, n_columns, name, of):
    """Checked column of each building (``index``; None: building ``i`` is column ``i``)."""
    if index is None:
        return np.arange(n_columns, dtype=np.int64)
    idx = np.asarray(index, dtype=np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= n_columns):
        msg = (f"{name} indices must lie in [0, {n_columns - 1}] (columns of {of}); "
               f"got [{idx.min()}, {idx.max()}].")
        raise ValueError(msg)
    return idx


def _same_shape(values, like, name):
    """``values`` as a float array, checked to have the shape of ``like``."""
    arr = np.asarray(values)
    if arr.dtype.kind != "f":
        arr = arr.astype(float)
    if arr.shape != like.shape:
        msg = f"{name} has shape {arr.shape}; heat_on has {like.shape}."
        raise ValueError(msg)
    return arr


def _shared_forcing(temp_air, heat_on, step_h):
    """Checked forcing of :func:`building_temperatures`: (temp, heat, step [h], index).

    ``temp`` has shape (time,), ``heat`` (time, column), ``index`` is the DatetimeIndex of
    a Series ``temp_air`` (else None).
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
    return temp, heat, step, index


#: heat code of an hour whose heat is off while the flats have power (occupants heat)
_OCCUPANT_CODE = 101


def _heat_codes(heat, heat_level=None):
    """Heat code of each hour and column, uint8: 0 when the heat is off, else the heat
    level in whole per cent (100: full; at least 1). With occupants' heating an hour off
    becomes :data:`_OCCUPANT_CODE` where the flats have power."""
    if heat_level is None:
        return np.where(heat, np.uint8(100), np.uint8(0))
    return _level_codes(np.ascontiguousarray(heat, dtype=np.bool_),
                        np.ascontiguousarray(heat_level))  # float32 or float64


@njit(cache=True)
def _level_codes(heat, heat_level):  # pragma: no cover
    """:func:`_heat_codes` with levels: ``clip(rint(level * 100), 1, 100)`` where on."""
    n_t, n_c = heat.shape
    out = np.zeros((n_t, n_c), dtype=np.uint8)
    for t in range(n_t):
        for c in range(n_c):
            if heat[t, c]:
                out[t, c] = np.uint8(min(max(np.rint(heat_level[t, c] * 100.0), 1.0), 100.0))
    return out


def _distinct_buildings(archetypes, temp_indoor_initial, timeline_of_b, n_timelines):
    """Group buildings by (archetype, timeline, start temperature).

    Returns
    -------
    first : numpy.ndarray of int
        A building of each distinct group, groups in increasing key order.
    inverse : numpy.ndarray of int, shape (building,)
        Group of each building.
    archetype, temp_indoor_initial : numpy.ndarray, shape (n_distinct,)
        Archetype name and start temperature [°C] of each group.
    """
    n_b = timeline_of_b.shape[0]
    names = np.broadcast_to(np.asarray(archetypes, dtype=str), (n_b,))
    arch_names, arch_code = _unique_strings(names)
    for name in arch_names:
        archetype_parameters(str(name))  # raises on unknown names
    t0 = np.broadcast_to(np.asarray(temp_indoor_initial, dtype=float), (n_b,))
    t0_values, t0_code = np.unique(t0, return_inverse=True)
    key = (
        arch_code.astype(np.int64) * n_timelines + timeline_of_b
    ) * t0_values.size + t0_code
    first, inverse = _unique_rows(key.astype(np.uint64).reshape(-1, 1))
    return first, inverse, arch_names[arch_code[first]], t0[first]
