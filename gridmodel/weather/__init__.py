"""Hourly outdoor temperature profiles: load, validate, synthesise.

A weather profile is a :class:`pandas.Series` named ``temp_air`` [°C] on an hourly,
time-zone aware :class:`pandas.DatetimeIndex` (the profile's own zone). Built-in profiles
live in the repository's ``weather/`` folder (``gridmodel/_data/weather`` in a wheel) and
are rebuilt by ``weather/build_profiles.py``; see ``weather/README.md`` for their sources.

Modules: :mod:`~gridmodel.weather.profiles` (the file format and its metadata, built-in
catalogue, loading, validation) and
:mod:`~gridmodel.weather.synthetic` (diurnal shape, profiles through daily extremes,
cold spells).
"""

from __future__ import annotations

from gridmodel.weather.profiles import (  # noqa: F401 - private ones imported elsewhere
    PROFILE_TZ,
    PROFILES,
    WeatherError,
    _resolve_profile,
    _weather_dir,
    list_profiles,
    load_profile,
    profile_tz,
)
from gridmodel.weather.synthetic import diurnal_shape, from_daily_extremes, synthetic_cold_spell

__all__ = [
    "PROFILES",
    "PROFILE_TZ",
    "WeatherError",
    "diurnal_shape",
    "from_daily_extremes",
    "list_profiles",
    "load_profile",
    "profile_tz",
    "synthetic_cold_spell",
]
