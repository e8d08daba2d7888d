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

Modules
-------
- :mod:`~gridmodel.thermal.archetypes`: presets, time constant, design heat load.
- :mod:`~gridmodel.thermal.rc`: the 1R1C model with the exact update.
- :mod:`~gridmodel.thermal.reference`: the ``solve_ivp`` models (1R1C reference, 2R2C).
- :mod:`~gridmodel.thermal.exposure`: cooling time, time to a threshold, hours below.
- :mod:`~gridmodel.thermal.trajectories`: many buildings, distinct trajectories once
  (de-duplication in :mod:`~gridmodel.thermal.distinct`).
"""

from __future__ import annotations

from gridmodel.thermal.archetypes import (
    ARCHETYPE_PARAMETERS,
    UnknownArchetypeError,
    archetype_parameters,
    design_heat_load_w_per_m2,
    time_constant_h,
)
from gridmodel.thermal.distinct import (  # noqa: F401 - private, imported by tests
    _unique_byte_columns,
    _unique_columns,
    _unique_ints,
    _unique_rows,
    _unique_strings,
)
from gridmodel.thermal.exposure import cooling_time_h, hours_below, hours_to_threshold
from gridmodel.thermal.rc import indoor_temperature
from gridmodel.thermal.reference import indoor_temperature_2r2c, indoor_temperature_ivp
from gridmodel.thermal.trajectories import DistinctTrajectories, building_temperatures

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
