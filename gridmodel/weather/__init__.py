"""Hourly outdoor temperature profiles: load, validate, synthesise.

A weather profile is a :class:`pandas.Series` named ``temp_air`` [°C] on an hourly,
time-zone aware :class:`pandas.DatetimeIndex` (Europe/Kyiv by default). Built-in profiles
live in the repository's ``weather/`` folder (``gridmodel/_data/weather`` in a wheel) and
are rebuilt by ``weather/build_profiles.py``; see ``weather/README.md`` for their sources.

On disk a profile is a plain CSV file with two columns::

    timestamp,temp_air
    2026-01-01T00:00:00+02:00,-1.23

``timestamp`` is ISO 8601 with a zone offset, ``temp_air`` is in degrees Celsius.

Modules: :mod:`~gridmodel.weather.profiles` (built-in catalogue, loading, validation) and
:mod:`~gridmodel.weather.synthetic` (diurnal shape, profiles through daily extremes,
cold spells).
"""

from __future__ import annotations

from gridmodel.weather.profiles import (  # noqa: F401 - private ones imported elsewhere
    DEFAULT_TZ,
    PROFILES,
    WeatherError,
    _resolve_profile,
    _weather_dir,
    list_profiles,
    load_profile,
)
from gridmodel.weather.synthetic import diurnal_shape, from_daily_extremes, synthetic_cold_spell

__all__ = [
    "PROFILES",
    "WeatherError",
    "diurnal_shape",
    "from_daily_extremes",
    "list_profiles",
    "load_profile",
    "synthetic_cold_spell",
]
