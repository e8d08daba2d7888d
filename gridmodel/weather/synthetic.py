"""Synthetic hourly profiles: the diurnal shape, daily extremes, cold spells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gridmodel.weather.profiles import WeatherError


def _zone_of_naive(tz: str | None, what: str) -> str:
    """``tz`` for localizing naive ``what``; :class:`WeatherError` if there is none."""
    if tz is None:
        msg = (f"{what} has no time zone: pass tz (the zone of local times, e.g. "
               f"tz='Europe/Kyiv') or give {what} with a zone.")
        raise WeatherError(msg)
    return tz


def diurnal_shape(hour, hour_min: float = 6.0, hour_max: float = 14.0):
    r"""Normalised diurnal temperature shape, 0 at the daily minimum and 1 at the maximum.

    Parameters
    ----------
    hour : numeric
        Local hour of day [h], 0 <= hour < 24 (fractions allowed).
    hour_min : float, default 6.0
        Local hour of the daily minimum [h].
    hour_max : float, default 14.0
        Local hour of the daily maximum [h], later than ``hour_min``.

    Returns
    -------
    numeric
        Shape value in [0, 1].

    Notes
    -----
    Two half cosines: rising from ``hour_min`` to ``hour_max`` and falling from
    ``hour_max`` to ``hour_min`` of the next day,

    .. math:: s = \tfrac12 \left(1 - \cos(\pi f)\right)

    with :math:`f` the fraction of the rising (or one minus the fraction of the falling)
    half. Sampled hourly with integer ``hour_min`` and ``hour_max`` the daily mean of
    :math:`s` is exactly 1/2, so ``mean + range * (s - 1/2)`` keeps the daily mean.
    """
    hour = np.asarray(hour, dtype=float)
    rise_h = hour_max - hour_min
    since_min = np.mod(hour - hour_min, 24.0)
    frac = np.where(
        since_min <= rise_h, since_min / rise_h, 1.0 - (since_min - rise_h) / (24.0 - rise_h)
    )
    return 0.5 * (1.0 - np.cos(np.pi * frac))


def from_daily_extremes(
    temp_min: pd.Series,
    temp_max: pd.Series,
    hour_min: int = 6,
    hour_max: int = 14,
    temp_max_before: float | None = None,
    temp_min_after: float | None = None,
    tz: str | None = None,
) -> pd.Series:
    r"""Hourly profile through given daily minima and maxima.

    Parameters
    ----------
    temp_min, temp_max : pandas.Series
        Daily minimum and maximum temperature [°C] indexed by consecutive local dates.
    hour_min, hour_max : int, default 6 and 14
        Local hours at which the minimum and the maximum are reached [h].
    temp_max_before : float, optional
        Maximum of the day before the first day [°C] (shapes the first night). Default:
        the first day's maximum.
    temp_min_after : float, optional
        Minimum of the day after the last day [°C]. Default: the last day's minimum.
    tz : str, optional
        Time zone of naive local dates and of the result; required for naive dates.
        Tz-aware dates keep their own zone.

    Returns
    -------
    pandas.Series
        ``temp_air`` [°C], hourly from 00:00 of the first day to 23:00 of the last.

    Notes
    -----
    The knots are the extremes at their hours in time order (max of the day before,
    min, max, min, ..., min of the day after); between two knots the temperature follows
    a half cosine, :math:`T = T_a + (T_b - T_a)(1 - \cos(\pi f))/2`, with :math:`f` the
    elapsed fraction of the interval. Each day's minimum and maximum are met exactly.
    """
    days = pd.DatetimeIndex(temp_min.index).normalize()
    if len(days) != len(temp_max) or len(days) == 0:
        msg = (
            "temp_min and temp_max need the same non-zero length; "
            f"got {len(days)} and {len(temp_max)}."
        )
        raise WeatherError(msg)
    if days.tz is None:
        days = days.tz_localize(_zone_of_naive(tz, "temp_min's index"))
    tmin = np.asarray(temp_min, dtype=float)
    tmax = np.asarray(temp_max, dtype=float)
    before = tmax[0] if temp_max_before is None else float(temp_max_before)
    after = tmin[-1] if temp_min_after is None else float(temp_min_after)
    day_before = days[0] - pd.Timedelta(days=1)
    day_after = days[-1] + pd.Timedelta(days=1)
    knot_times = [day_before + pd.Timedelta(hours=hour_max)]
    knot_temps = [before]
    for day, lo, hi in zip(days, tmin, tmax, strict=True):
        knot_times += [day + pd.Timedelta(hours=hour_min), day + pd.Timedelta(hours=hour_max)]
        knot_temps += [lo, hi]
    knot_times.append(day_after + pd.Timedelta(hours=hour_min))
    knot_temps.append(after)
    knots_s = pd.DatetimeIndex(knot_times).asi8 / 1e9
    knot_temps = np.asarray(knot_temps)
    index = pd.date_range(days[0], day_after, freq="h", inclusive="left", name="timestamp")
    t_s = index.asi8 / 1e9
    k = np.searchsorted(knots_s, t_s, side="right") - 1
    frac = (t_s - knots_s[k]) / (knots_s[k + 1] - knots_s[k])
    temp = knot_temps[k] + (knot_temps[k + 1] - knot_temps[k]) * 0.5 * (1.0 - np.cos(np.pi * frac))
    return pd.Series(temp, index=index, name="temp_air")


def synthetic_cold_spell(
    start,
    temp_spell_c: float = -22.0,
    duration_h: int = 120,
    *,
    base_temp_c: float = -3.2,
    ramp_h: int = 48,
    lead_h: int = 24,
    tail_h: int = 24,
    diurnal_range_k: float = 5.0,
    noise_k: float = 0.0,
    seed: int | np.random.Generator | None = None,
    tz: str | None = None,
) -> pd.Series:
    r"""Synthetic hourly cold spell: base, ramp down, plateau, ramp up, base.

    Parameters
    ----------
    start : str or pandas.Timestamp
        First timestamp of the series (local time in ``tz`` if naive).
    temp_spell_c : float, default -22.0
        Daily-mean temperature on the plateau of the spell [°C]. The hourly minimum is
        ``temp_spell_c - diurnal_range_k / 2``. Kyiv's heating design temperature is
        -22 °C (FIELD_NOTES section 5, [C]).
    duration_h : int, default 120
        Length of the plateau [h].
    base_temp_c : float, default -3.2
        Daily-mean temperature before and after the spell [°C] (Kyiv January normal
        1991-2020, FIELD_NOTES section 5).
    ramp_h : int, default 48
        Length of each half-cosine ramp between base and plateau [h].
    lead_h, tail_h : int, default 24
        Hours at the base temperature before and after the spell [h].
    diurnal_range_k : float, default 5.0
        Daily maximum minus daily minimum [K] (about the GHCN January TMAX - TMIN at
        Kyiv, see ``weather/README.md``).
    noise_k : float, default 0.0
        Standard deviation of an added AR(1) noise with hourly lag-one correlation
        0.95 [K]. Zero gives a deterministic profile.
    seed : int, numpy.random.Generator or None
        Source of randomness for the noise (only used if ``noise_k > 0``).
    tz : str, optional
        Time zone of the result; required for a naive ``start``. Default: the zone of
        ``start``.

    Returns
    -------
    pandas.Series
        ``temp_air`` [°C] on an hourly tz-aware index of
        ``lead_h + 2 * ramp_h + duration_h + tail_h`` hours.

    Notes
    -----
    .. math:: T(t) = \bar T(t) + \Delta T_d \left(s(h) - \tfrac12\right) + \epsilon(t)

    with :math:`\bar T` the smooth daily-mean path, :math:`s` the
    :func:`diurnal_shape` (minimum 06:00, maximum 14:00 local) and :math:`\epsilon` the
    optional noise.
    """
    _check_spell_arguments({"duration_h": duration_h, "ramp_h": ramp_h, "lead_h": lead_h,
                            "tail_h": tail_h}, diurnal_range_k, noise_k)
    start = pd.Timestamp(start)
    if start.tzinfo is None:
        start = start.tz_localize(_zone_of_naive(tz, "start"))
    elif tz is not None:
        start = start.tz_convert(tz)
    n = int(lead_h + 2 * ramp_h + duration_h + tail_h)
    index = pd.date_range(start, periods=n, freq="h", name="timestamp")
    mean_path = base_temp_c + (temp_spell_c - base_temp_c) * _spell_depth(n, lead_h, ramp_h,
                                                                          duration_h)
    hour = index.hour + index.minute / 60.0
    temp = mean_path + diurnal_range_k * (diurnal_shape(hour) - 0.5)
    if noise_k > 0:
        temp = temp + _ar1_noise(n, noise_k, seed)
    return pd.Series(temp, index=index, name="temp_air")


def _check_spell_arguments(lengths: dict, diurnal_range_k: float, noise_k: float) -> None:
    """Refuse negative or fractional hour counts and negative ranges (:class:`WeatherError`)."""
    for key, value in lengths.items():
        if int(value) != value or value < 0:
            msg = f"{key} must be a non-negative whole number of hours; got {key}={value!r}."
            raise WeatherError(msg)
    if diurnal_range_k < 0 or noise_k < 0:
        msg = f"diurnal_range_k and noise_k must be >= 0; got {diurnal_range_k=}, {noise_k=}."
        raise WeatherError(msg)


def _spell_depth(n: int, lead_h: int, ramp_h: int, duration_h: int) -> np.ndarray:
    """Depth of the spell hour by hour: 0 at the base, 1 on the plateau, half cosines between."""
    t = np.arange(n, dtype=float)
    down = np.clip((t - lead_h) / max(ramp_h, 1), 0.0, 1.0) if ramp_h else (t >= lead_h) * 1.0
    up_start = lead_h + ramp_h + duration_h
    up = np.clip((t - up_start) / max(ramp_h, 1), 0.0, 1.0) if ramp_h else (t >= up_start) * 1.0
    return 0.5 * (1 - np.cos(np.pi * down)) - 0.5 * (1 - np.cos(np.pi * up))


def _ar1_noise(n: int, noise_k: float, seed, phi: float = 0.95) -> np.ndarray:
    """Stationary AR(1) noise of standard deviation ``noise_k`` [K], lag-one correlation ``phi``."""
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, noise_k * np.sqrt(1 - phi**2), size=n)
    noise = np.empty(n)
    noise[0] = rng.normal(0.0, noise_k)
    for i in range(1, n):
        noise[i] = phi * noise[i - 1] + shocks[i]
    return noise
