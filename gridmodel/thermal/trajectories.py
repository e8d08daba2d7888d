"""Indoor temperatures of many buildings, each distinct trajectory computed once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gridmodel.thermal._inputs import _step_from_index
from gridmodel.thermal.archetypes import archetype_parameters
from gridmodel.thermal.distinct import (
    _unique_byte_columns,
    _unique_columns,
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
    occupant_w_per_m2=0.0,
    **model_kwargs,
):
    r"""Indoor temperatures of many buildings, each distinct trajectory computed once.

    Buildings with the same archetype, forcing (heat on/off, level, occupants) and start
    temperature share a trajectory (the weather is shared): each group is computed once
    with :func:`indoor_temperature` and maps back to its buildings by an inverse index.

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
        For each building the column of ``heat_on`` it follows, shape (building,); the
        time step [h] for array input.
    heat_level, occupant_on : array-like, optional
        Shape (time, building), not with ``timeline`` (:func:`indoor_temperature`): the
        share of the needed heat delivered while the heat is on (reduced heat, eq. (6); in
        whole per cent), and whether the flats have power for occupants' heating (eq.
        (5)). Buildings then share a trajectory only when they share these too.
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
    Distinct columns of ``heat_on`` are found by packing columns into bits and sorting
    them (:func:`numpy.unique`). The expanded array is large (14 days x 10^5 buildings =
    270 MB): ensemble callers keep the compact form and reduce per distinct trajectory.
    """
    temp, heat, step, index = _shared_forcing(temp_air, heat_on, step_h)
    timelines, timeline_of_b, levels, occ = _forcing_columns(
        heat, timeline, heat_level, occupant_on if occupant_w_per_m2 > 0 else None)
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
                                index=index)


def _forcing_columns(heat, timeline, heat_level, occupant_on):
    """Distinct forcing columns of :func:`building_temperatures`.

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
    if timeline is not None and (heat_level is not None or occupant_on is not None):
        msg = ("heat_level and occupant_on are per building: give heat_on per building, "
               "not distinct timelines with timeline=.")
        raise ValueError(msg)
    if heat_level is None and occupant_on is None:
        return (*_building_timelines(heat, timeline), None, None)
    codes, timeline_of_b = _level_timelines(heat, heat_level, occupant_on)
    timelines = (codes > 0) & (codes <= 100)
    levels = None if heat_level is None else np.where(timelines, codes / 100.0, 0.0)
    occ = None if occupant_on is None else codes == _OCCUPANT_CODE
    return timelines, timeline_of_b, levels, occ


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


def _level_timelines(heat, heat_level=None, occupant_on=None):
    """Distinct columns of the heat code of each building and hour.

    The code is 0 when the heat is off (:data:`_OCCUPANT_CODE` when the flats then have
    power for occupants' heating), else the heat level in whole per cent (100: full).

    Returns
    -------
    codes : numpy.ndarray of int, shape (time, n_distinct)
    timeline_of_b : numpy.ndarray of int, shape (building,)
    """
    on_code = np.full(heat.shape, 100, dtype=np.uint8)
    if heat_level is not None:
        lv = np.asarray(heat_level, dtype=float)
        if lv.shape != heat.shape:
            msg = f"heat_level has shape {lv.shape}; heat_on has {heat.shape}."
            raise ValueError(msg)
        on_code = np.clip(np.rint(lv * 100), 1, 100).astype(np.uint8)
    off_code = np.uint8(0)
    if occupant_on is not None:
        occ = np.asarray(occupant_on, dtype=bool)
        if occ.shape != heat.shape:
            msg = f"occupant_on has shape {occ.shape}; heat_on has {heat.shape}."
            raise ValueError(msg)
        off_code = np.where(occ, _OCCUPANT_CODE, 0).astype(np.uint8)
    code = np.where(heat, on_code, off_code).astype(np.uint8)
    uniq, inverse = _unique_byte_columns(code)
    return uniq.astype(np.int64), inverse.astype(np.int64)


def _building_timelines(heat, timeline):
    """Distinct heat-on timelines and the timeline of each building.

    Without ``timeline`` the distinct columns of ``heat`` (one column per building);
    with it, ``heat`` itself (its columns are the timelines) and the checked indices.
    """
    if timeline is None:
        return _unique_columns(heat)
    timeline_of_b = np.asarray(timeline, dtype=np.int64).ravel()
    if timeline_of_b.size and (timeline_of_b.min() < 0 or timeline_of_b.max() >= heat.shape[1]):
        msg = (
            f"timeline indices must lie in [0, {heat.shape[1] - 1}] (columns of heat_on); "
            f"got [{timeline_of_b.min()}, {timeline_of_b.max()}]."
        )
        raise ValueError(msg)
    return heat, timeline_of_b


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
