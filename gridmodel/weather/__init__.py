"""Hourly outdoor temperature profiles: load, validate, synthesise.

A weather profile is a :class:`pandas.Series` named ``temp_air`` [°C] on an hourly,
time-zone aware :class:`pandas.DatetimeIndex` (Europe/Kyiv by default). Built-in profiles
live in the repository's ``weather/`` folder (``gridmodel/_data/weather`` in a wheel) and
are rebuilt by ``weather/build_profiles.py``; see ``weather/README.md`` for their sources.

On disk a profile is a plain CSV file with two columns::

    timestamp,temp_air
    2026-01-01T00:00:00+02:00,-1.23

``timestamp`` is ISO 8601 with a zone offset, ``temp_air`` is in degrees Celsius.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel.errors import InputError as _BaseError

__all__ = [
    "PROFILES",
    "WeatherError",
    "diurnal_shape",
    "from_daily_extremes",
    "list_profiles",
    "load_profile",
    "synthetic_cold_spell",
]

DEFAULT_TZ = "Europe/Kyiv"

#: Built-in profiles: short name -> file name in the weather folder and a one-line label.
#: Sources and construction of every profile: ``weather/README.md`` and ``*.meta.toml``.
PROFILES: dict[str, dict[str, str]] = {
    "kyiv-2026": {
        "file": "kyiv_2026_jan_feb_reconstruction.csv",
        "kind": "reconstruction",
        "description": (
            "RECONSTRUCTION of Kyiv 1 Jan - 28 Feb 2026 from observatory monthly means "
            "(Jan -7.6, Feb -5.3 °C) and reported extremes; not an observed hourly series"
        ),
    },
    "design-cold-spell": {
        "file": "kyiv_design_cold_spell.csv",
        "kind": "design",
        "description": (
            "Kyiv heating design cold spell: five days at a daily mean of -22 °C [C], "
            "ramps from and back to the January normal (-3.2 °C); reference dates Jan 2021"
        ),
    },
    "normal-january": {
        "file": "kyiv_normal_january.csv",
        "kind": "climate normal",
        "description": (
            "Kyiv 1991-2020 normal January (mean -3.2 °C) with the GHCN diurnal range; "
            "reference year 2021"
        ),
    },
}

_REQUIRED_COLUMNS = ("timestamp", "temp_air")
_TEMP_MIN_C = -60.0
_TEMP_MAX_C = 50.0
_WINTER_MEAN_MAX_C = 15.0  # warmest Ukrainian winter months average below about +5 °C [C]
_MEAN_MAX_C = 35.0
_ZONE_RE = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
_KELVIN_NAME_RE = re.compile(r"(kelvin|_k$|\(k\)|\[k\]|\bk$|degk)")
_FAHRENHEIT_NAME_RE = re.compile(r"(fahrenheit|_f$|\(f\)|\[f\]|°f|degf|\bf$)")


class WeatherError(_BaseError):
    """A weather profile is missing, malformed or in the wrong unit.

    The message names the file, the line (1 = header) and the fix.
    """


def _weather_dir() -> Path:
    """Return the folder of built-in weather profiles (see :func:`gridmodel._io.data.data_dir`)."""
    from gridmodel._io.data import data_dir

    return data_dir("weather")


def list_profiles() -> pd.DataFrame:
    """List the built-in weather profiles.

    Returns
    -------
    pandas.DataFrame
        One row per short name (the index) with columns ``file``, ``kind`` and
        ``description``. Pass a short name to :func:`load_profile`.
    """
    frame = pd.DataFrame.from_dict(PROFILES, orient="index")
    frame.index.name = "name"
    return frame


def load_profile(
    name_or_path: str | os.PathLike, tz: str | None = DEFAULT_TZ, check_units: bool = True
) -> pd.Series:
    """Load a built-in or user weather profile and validate it.

    Parameters
    ----------
    name_or_path : str or path-like
        A built-in short name (see :func:`list_profiles`: ``"kyiv-2026"``,
        ``"design-cold-spell"``, ``"normal-january"``) or the path of a CSV file with
        columns ``timestamp`` (ISO 8601 with a zone offset, e.g.
        ``2026-02-03T06:00:00+02:00``) and ``temp_air`` [°C]. Other columns are ignored.
    tz : str or None, default "Europe/Kyiv"
        Time zone of the returned index. ``None`` keeps the instants in UTC.
    check_units : bool, default True
        Refuse values whose mean is implausible in °C for Ukraine (above 15 °C when most
        timestamps fall in November-March, above 35 °C otherwise) as probable
        Fahrenheit. Header names with kelvin or Fahrenheit, medians above 200 (kelvin) and
        values outside [-60, 50] °C are refused regardless.

    Returns
    -------
    pandas.Series
        ``temp_air`` [°C] on an hourly, time-zone aware DatetimeIndex named
        ``timestamp``.

    Raises
    ------
    WeatherError
        If the file is missing or unreadable, a column is missing, a timestamp has no
        zone or does not parse, the step is not a constant hour (gap, duplicate or
        unsorted rows), a value is missing, the values look like kelvin or Fahrenheit,
        or a value is physically impossible (below -60 °C or above 50 °C). The message
        names the line of the file (line 1 is the header) and says how to fix it.

    Notes
    -----
    The file is only read, never written.
    """
    path = _resolve_profile(name_or_path)
    raw = _read_csv(path)
    timestamps = _parse_timestamps(raw, path)
    _check_hourly_step(raw, timestamps, path)
    temp_air = _parse_temperatures(raw, timestamps, path, check_units)
    index = pd.DatetimeIndex(timestamps, name="timestamp")
    if tz is not None:
        index = index.tz_convert(tz)
    return pd.Series(temp_air, index=index, name="temp_air")


def _resolve_profile(name_or_path: str | os.PathLike) -> Path:
    if isinstance(name_or_path, str) and name_or_path in PROFILES:
        return _weather_dir() / PROFILES[name_or_path]["file"]
    path = Path(name_or_path)
    if not path.is_file():
        names = ", ".join(repr(n) for n in PROFILES)
        msg = (
            f"no weather profile named {str(name_or_path)!r} and no file at {path}: "
            f"give a built-in name ({names}) or the path of an existing CSV file."
        )
        raise WeatherError(msg)
    return path


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig"
        )
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"{path}: cannot read the weather file as CSV ({exc})."
        raise WeatherError(msg) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    _check_column_units(raw, path)
    missing = [c for c in _REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        hint = (
            " The file seems to use ';' as separator: use commas."
            if (len(raw.columns) == 1 and ";" in raw.columns[0])
            else ""
        )
        msg = (
            f"{path}: missing column(s) {missing}; found {list(raw.columns)}. A weather "
            "file needs a header 'timestamp,temp_air' (ISO 8601 time with zone offset, "
            f"temperature in °C).{hint}"
        )
        raise WeatherError(msg)
    if raw.empty:
        msg = f"{path}: the weather file has a header but no rows."
        raise WeatherError(msg)
    return raw


def _check_column_units(raw: pd.DataFrame, path: Path) -> None:
    """Refuse temperature columns whose header names kelvin or Fahrenheit."""
    for column in raw.columns:
        lower = column.lower()
        if lower == "timestamp":
            continue
        named_unit = "kelvin" in lower or "fahrenheit" in lower
        if not named_unit and "temp" not in lower and lower not in {"t", "k", "f"}:
            continue
        if _KELVIN_NAME_RE.search(lower):
            msg = (
                f"{path}: column {column!r} looks like kelvin (from its name). gridmodel "
                "needs °C in a column 'temp_air': subtract 273.15 and rename the column."
            )
            raise WeatherError(msg)
        if _FAHRENHEIT_NAME_RE.search(lower):
            msg = (
                f"{path}: column {column!r} looks like Fahrenheit (from its name). gridmodel "
                "needs °C in a column 'temp_air': convert with (F - 32) * 5/9 and rename "
                "the column."
            )
            raise WeatherError(msg)


def _around(raw: pd.DataFrame, row: int) -> str:
    """Show the raw timestamps of the rows around data row ``row`` with file lines."""
    lo, hi = max(row - 1, 0), min(row + 2, len(raw))
    return "; ".join(f"line {i + 2}: {raw['timestamp'].iloc[i]!r}" for i in range(lo, hi))


def _parse_timestamps(raw: pd.DataFrame, path: Path) -> pd.DatetimeIndex:
    text = raw["timestamp"].str.strip()
    has_zone = text.str.contains(_ZONE_RE)
    if not has_zone.all():
        row = int(np.flatnonzero(~has_zone.to_numpy())[0])
        msg = (
            f"{path}, line {row + 2}: timestamp {text.iloc[row]!r} has no time zone. "
            "Write ISO 8601 times with an offset, e.g. 2026-02-03T06:00:00+02:00 "
            "(Kyiv local winter time) or ...Z for UTC."
        )
        raise WeatherError(msg)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"{path}, line {row + 2}: cannot parse timestamp {text.iloc[row]!r}; "
            "expected ISO 8601 with an offset, e.g. 2026-02-03T06:00:00+02:00."
        )
        raise WeatherError(msg)
    return pd.DatetimeIndex(parsed)


def _check_hourly_step(raw: pd.DataFrame, timestamps: pd.DatetimeIndex, path: Path) -> None:
    if len(timestamps) < 2:
        return
    step_s = np.diff(timestamps.asi8) / 1e9
    wrong = np.flatnonzero(step_s != 3600.0)
    if wrong.size == 0:
        return
    i = int(wrong[0])  # step between data rows i and i + 1
    step_h = step_s[i] / 3600.0
    if step_h == 0:
        what = "duplicated timestamp"
        fix = "remove the duplicate row"
    elif step_h < 0:
        what = "timestamps out of order"
        fix = "sort the rows by time"
    elif step_h > 1:
        what = f"gap of {step_h:g} h"
        fix = "fill the missing hours (e.g. by interpolation) so the step is 1 h"
    else:
        what = f"step of {step_h:g} h instead of 1 h"
        fix = "resample the file to hourly values"
    msg = (
        f"{path}, line {i + 3}: {what} (the profile must have a constant 1 h step); "
        f"around it: {_around(raw, i + 1)}. Fix: {fix}."
    )
    raise WeatherError(msg)


def _parse_temperatures(
    raw: pd.DataFrame, timestamps: pd.DatetimeIndex, path: Path, check_units: bool = True
) -> np.ndarray:
    text = raw["temp_air"].str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"{path}, line {row + 2}: temp_air is {text.iloc[row]!r}, not a number. "
            "Missing values are not allowed: fill them (e.g. by interpolation) or cut "
            "the profile."
        )
        raise WeatherError(msg)
    median = float(np.median(values))
    if median > 200.0:
        msg = (
            f"{path}: temp_air looks like kelvin (median {median:.1f}). gridmodel needs "
            "°C: subtract 273.15."
        )
        raise WeatherError(msg)
    mean = float(values.mean())
    winter = np.isin(timestamps.tz_convert(DEFAULT_TZ).month, (11, 12, 1, 2, 3)).mean() > 0.5
    limit = _WINTER_MEAN_MAX_C if winter else _MEAN_MAX_C
    if check_units and mean > limit:
        season = "with mostly winter (Nov-Mar) timestamps" if winter else ""
        msg = (
            f"{path}: temp_air looks like Fahrenheit (mean {mean:.1f} {season}; a mean above "
            f"{limit:g} °C is implausible for Ukraine). gridmodel needs °C: convert with "
            "(F - 32) * 5/9. If the values really are °C, pass check_units=False."
        )
        raise WeatherError(msg)
    impossible = (values < _TEMP_MIN_C) | (values > _TEMP_MAX_C)
    if impossible.any():
        row = int(np.flatnonzero(impossible)[0])
        msg = (
            f"{path}, line {row + 2}: temp_air {values[row]:g} °C is outside the "
            f"physically plausible range [{_TEMP_MIN_C:g}, {_TEMP_MAX_C:g}] °C. Check the "
            "unit (°C expected) and the value."
        )
        raise WeatherError(msg)
    return values


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
    tz: str = DEFAULT_TZ,
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
    tz : str, default "Europe/Kyiv"
        Time zone of the local dates and of the result.

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
        days = days.tz_localize(tz)
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
    tz: str = DEFAULT_TZ,
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
    tz : str, default "Europe/Kyiv"
        Time zone of the result.

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
    lengths = {"duration_h": duration_h, "ramp_h": ramp_h, "lead_h": lead_h, "tail_h": tail_h}
    for key, value in lengths.items():
        if int(value) != value or value < 0:
            msg = f"{key} must be a non-negative whole number of hours; got {key}={value!r}."
            raise WeatherError(msg)
    if diurnal_range_k < 0 or noise_k < 0:
        msg = f"diurnal_range_k and noise_k must be >= 0; got {diurnal_range_k=}, {noise_k=}."
        raise WeatherError(msg)
    start = pd.Timestamp(start)
    start = start.tz_localize(tz) if start.tzinfo is None else start.tz_convert(tz)
    n = int(lead_h + 2 * ramp_h + duration_h + tail_h)
    index = pd.date_range(start, periods=n, freq="h", name="timestamp")
    t = np.arange(n, dtype=float)
    down = np.clip((t - lead_h) / max(ramp_h, 1), 0.0, 1.0) if ramp_h else (t >= lead_h) * 1.0
    up_start = lead_h + ramp_h + duration_h
    up = np.clip((t - up_start) / max(ramp_h, 1), 0.0, 1.0) if ramp_h else (t >= up_start) * 1.0
    depth = 0.5 * (1 - np.cos(np.pi * down)) - 0.5 * (1 - np.cos(np.pi * up))
    mean_path = base_temp_c + (temp_spell_c - base_temp_c) * depth
    hour = index.hour + index.minute / 60.0
    temp = mean_path + diurnal_range_k * (diurnal_shape(hour) - 0.5)
    if noise_k > 0:
        rng = np.random.default_rng(seed)
        phi = 0.95
        shocks = rng.normal(0.0, noise_k * np.sqrt(1 - phi**2), size=n)
        noise = np.empty(n)
        noise[0] = rng.normal(0.0, noise_k)
        for i in range(1, n):
            noise[i] = phi * noise[i - 1] + shocks[i]
        temp = temp + noise
    return pd.Series(temp, index=index, name="temp_air")
