"""Weather profiles on disk: the built-in catalogue, loading and validation.

On disk a profile is a plain CSV file with two columns::

    timestamp,temp_air
    2026-01-01T00:00:00+02:00,-1.23

``timestamp`` is ISO 8601 with a zone offset, ``temp_air`` is in degrees Celsius. Beside
it, ``<stem>.meta.toml`` may give the profile's time zone (``tz``, the zone of the index
:func:`load_profile` returns); with ``name``, ``kind`` and ``summary`` as well, a file in
the weather folder is a built-in profile (:data:`PROFILES`). :func:`load_profile`
refuses, with a :class:`WeatherError` naming the line and the fix, anything else (see
``docs/weather.md``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.schema import csv_problems, raise_problems
from gridmodel._io.tomlio import read_text, read_toml
from gridmodel.errors import InputError as _BaseError

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


#: The tz argument of :func:`load_profile` that asks for the profile's own time zone.
PROFILE_TZ = "profile"
_META_SUFFIX = ".meta.toml"


def _meta_path(csv_path: Path) -> Path:
    """The metadata file beside a profile CSV: ``<stem>.meta.toml``."""
    return csv_path.with_suffix(_META_SUFFIX)


#: the keys of a profile's metadata file (the catalogue's and the provenance's)
META_KEYS = ("name", "kind", "summary", "tz", "label", "description", "columns", "builder",
             "sources", "anchors")


def _read_meta(path: Path) -> dict:
    """A profile's metadata file, parsed (:class:`WeatherError` if unreadable, or if it
    has a key outside :data:`META_KEYS`: a misspelt ``tz`` would leave the profile in
    UTC without a word)."""
    meta = read_toml(path, "weather profile metadata", WeatherError)[0]
    bad = [k for k in meta if k not in META_KEYS]
    if bad:
        hint = ("; the time zone key is tz" if any(
            k.lower().replace("_", "") in ("timezone", "zone", "tzname") for k in bad) else "")
        msg = (f"{path}: unknown key(s) {bad}{hint}; a weather profile's metadata has "
               f"{list(META_KEYS)}.")
        raise WeatherError(msg)
    return meta


def _builtin_profiles() -> dict[str, dict[str, str]]:
    """The catalogue of the weather folder: one entry per ``*.meta.toml`` with a ``name``."""
    profiles = {}
    for path in sorted(_weather_dir().glob(f"*{_META_SUFFIX}")):
        meta = _read_meta(path)
        missing = [k for k in ("name", "kind", "summary", "tz") if k not in meta]
        if missing:
            msg = f"{path}: missing key(s) {missing} of a built-in weather profile."
            raise WeatherError(msg)
        profiles[meta["name"]] = {"file": path.name.removesuffix(_META_SUFFIX) + ".csv",
                                  "kind": meta["kind"], "description": meta["summary"],
                                  "tz": meta["tz"]}
    return profiles


#: Built-in profiles: short name -> file name in the weather folder, kind, a one-line
#: description and the time zone, read from the ``*.meta.toml`` beside each CSV (its
#: ``name``, ``kind``, ``summary`` and ``tz``). Sources and construction of every profile:
#: ``weather/README.md`` and the same ``*.meta.toml`` files.
PROFILES: dict[str, dict[str, str]] = _builtin_profiles()


def profile_tz(path: str | os.PathLike) -> str | None:
    """Time zone of a profile CSV, from the ``tz`` of the ``<stem>.meta.toml`` beside it.

    Parameters
    ----------
    path : str or path-like
        A profile CSV file.

    Returns
    -------
    str or None
        The zone name (e.g. ``"Europe/Kyiv"``); None if there is no metadata file or it
        has no ``tz``.

    Raises
    ------
    WeatherError
        If the metadata file is unreadable or names an unknown time zone.
    """
    meta = _meta_path(Path(path))
    if not meta.is_file():
        return None
    tz = _read_meta(meta).get("tz")
    if tz is None:
        return None
    try:
        pd.Timestamp(0, tz="UTC").tz_convert(str(tz))
    except (LookupError, ValueError, TypeError) as exc:
        msg = f"{meta}: tz = {tz!r} is not a known time zone (e.g. 'Europe/Kyiv', 'UTC')."
        raise WeatherError(msg) from exc
    return str(tz)


def list_profiles() -> pd.DataFrame:
    """List the built-in weather profiles.

    Returns
    -------
    pandas.DataFrame
        One row per short name (the index) with columns ``file``, ``kind``,
        ``description`` and ``tz``. Pass a short name to :func:`load_profile`.
    """
    frame = pd.DataFrame.from_dict(PROFILES, orient="index")
    frame.index.name = "name"
    return frame


def load_profile(
    name_or_path: str | os.PathLike, tz: str | None = PROFILE_TZ, check_units: bool = True
) -> pd.Series:
    """Load a built-in or user weather profile and validate it.

    Parameters
    ----------
    name_or_path : str or path-like
        A built-in short name (see :func:`list_profiles`: ``"kyiv-2026"``,
        ``"design-cold-spell"``, ``"normal-january"``) or the path of a CSV file with
        columns ``timestamp`` (ISO 8601 with a zone offset, e.g.
        ``2026-02-03T06:00:00+02:00``) and ``temp_air`` [°C]. Other columns are ignored.
    tz : str or None, default "profile"
        Time zone of the returned index. ``"profile"``: the profile's own zone, the ``tz``
        of the ``<stem>.meta.toml`` beside the CSV (every built-in profile has one; see
        :func:`profile_tz`), else the fixed offset of the file's first timestamp (a
        profile without metadata keeps its local hours). ``None`` keeps the instants in
        UTC.
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
    own_tz = profile_tz(path)
    raw = _read_csv(path)
    timestamps = _parse_timestamps(raw, path)
    _check_hourly_step(raw, timestamps, path)
    if own_tz is None:  # no metadata: the file's own offset, not UTC (local times stay local)
        own_tz = pd.Timestamp(raw["timestamp"].iloc[0].strip()).tzinfo if len(raw) else None
    local = timestamps.tz_convert(own_tz) if own_tz is not None else timestamps
    temp_air = _parse_temperatures(raw, local, path, check_units)
    index = pd.DatetimeIndex(timestamps, name="timestamp")
    tz = own_tz if tz == PROFILE_TZ else tz
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
    """The weather table as text; a malformed CSV (an unterminated quote, a row with
    another number of fields than the header) is an error naming its line."""
    text = read_text(path, "weather file", WeatherError)
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    semicolons = ";" in header and "," not in header  # a European spreadsheet export
    raise_problems(csv_problems(text, path),
                   f"{path}: not a well-formed CSV weather file"
                   + (" (it seems to use ';' as separator and ',' as decimal mark: save it "
                      "with commas between fields and '.' in numbers)" if semicolons else ""),
                   WeatherError)
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
    """The checked ``temp_air`` values; ``timestamps`` in the profile's zone (winter months)."""
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
    kelvin = np.flatnonzero(values > 200.0)
    if kelvin.size:  # some rows only: a file joined from two sources?
        row = int(kelvin[0])
        msg = (f"{path}, line {row + 2}: temp_air {values[row]:g} looks like kelvin, and "
               f"{kelvin.size} of {values.size} rows are above 200: the file mixes units. "
               "gridmodel needs °C in every row: subtract 273.15 from those.")
        raise WeatherError(msg)
    mean = float(values.mean())
    winter = np.isin(timestamps.month, (11, 12, 1, 2, 3)).mean() > 0.5  # local months
    limit = _WINTER_MEAN_MAX_C if winter else _MEAN_MAX_C
    if check_units and mean > limit:
        season = "with mostly winter (Nov-Mar) timestamps" if winter else ""
        msg = (
            f"{path}: temp_air looks like Fahrenheit (mean {mean:.1f} {season}; a mean above "
            f"{limit:g} °C is implausible for Ukraine). gridmodel needs °C: convert with "
            "(F - 32) * 5/9. If the values really are °C, pass check_units=False to "
            "load_profile (the command line always checks)."
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
