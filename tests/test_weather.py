"""Tests of gridmodel.weather: built-in profiles, loader validation, generators."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmodel import weather
from gridmodel.weather import (
    PROFILES,
    WeatherError,
    from_daily_extremes,
    list_profiles,
    load_profile,
    synthetic_cold_spell,
)

WEATHER_DIR = Path(__file__).resolve().parents[1] / "weather"
TZ = "Europe/Kyiv"


def _load_build_script():
    spec = importlib.util.spec_from_file_location(
        "_gridmodel_build_profiles", WEATHER_DIR / "build_profiles.py"
    )
    module = importlib.util.module_from_spec(spec)
    keep = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # keep weather/ (shipped in the wheel) free of __pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = keep
    return module


def _write(tmp_path, text, name="profile.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _good_lines(n=6, start="2026-02-03T00:00:00+02:00", temps=None):
    index = pd.date_range(start, periods=n, freq="h")
    temps = np.linspace(-20, -15, n) if temps is None else temps
    return ["timestamp,temp_air"] + [
        f"{ts.isoformat()},{t:.2f}" for ts, t in zip(index, temps, strict=True)
    ]


# ---------------------------------------------------------------- built-in profiles


def test_list_profiles_and_files_exist():
    frame = list_profiles()
    assert set(frame.index) == {"kyiv-2026", "design-cold-spell", "normal-january",
                                "kharkiv-2026", "odesa-2026"}
    for name, entry in PROFILES.items():
        assert (WEATHER_DIR / entry["file"]).is_file(), name
        meta = tomllib.loads((WEATHER_DIR / entry["file"]).with_suffix(".meta.toml").read_text())
        assert meta["name"] == name
        assert meta["sources"]
        assert (meta["kind"], meta["summary"], meta["tz"]) == (
            entry["kind"], entry["description"], entry["tz"])
    assert list(frame.columns) == ["file", "kind", "description", "tz"]


@pytest.mark.parametrize("name", list(PROFILES))
def test_builtin_profiles_load_hourly_tz_aware(name):
    series = load_profile(name)
    assert series.name == "temp_air"
    assert str(series.index.tz) == TZ
    assert (np.diff(series.index.asi8) == 3600 * 10**9).all()
    assert series.between(-40, 20).all()


def test_reconstruction_monthly_means_match_observatory():
    # FIELD_NOTES 5: Jan 2026 -7.6 °C, Feb 2026 -5.3 °C (observatory, [A]).
    series = load_profile("kyiv-2026")
    assert series.index[0] == pd.Timestamp("2026-01-01 00:00", tz=TZ)
    assert series.index[-1] == pd.Timestamp("2026-02-28 23:00", tz=TZ)
    monthly = series.groupby(series.index.month).mean()
    assert monthly[1] == pytest.approx(-7.6, abs=0.1)
    assert monthly[2] == pytest.approx(-5.3, abs=0.1)


def test_reconstruction_keeps_reported_extremes():
    series = load_profile("kyiv-2026")
    jan = series[series.index.month == 1]
    feb = series[series.index.month == 2]
    assert jan.min() == pytest.approx(-16.5)
    assert jan.idxmin().day == 18
    assert feb.min() == pytest.approx(-20.2)
    assert feb.idxmin().day == 10
    night_2_3_feb = series["2026-02-02 18:00":"2026-02-03 09:00"]
    day_3_feb = series["2026-02-03 10:00":"2026-02-03 18:00"]
    assert night_2_3_feb.min() == pytest.approx(-20.0, abs=0.5)
    assert day_3_feb.max() == pytest.approx(-12.0, abs=0.5)
    # diurnal shape: daily minimum at 06:00, maximum at 14:00 local
    assert (
        jan.groupby(jan.index.hour).mean().idxmin(),
        jan.groupby(jan.index.hour).mean().idxmax(),
    ) == (6, 14)


def test_normal_january_and_design_spell():
    normal = load_profile("normal-january")
    assert normal.mean() == pytest.approx(-3.2, abs=0.01)
    assert len(normal) == 31 * 24
    spell = load_profile("design-cold-spell")
    daily = spell.resample("D").mean()
    assert (daily.round(2) == -22.0).sum() == 5  # the coldest five days at -22 °C [C]
    assert daily.iloc[0] == pytest.approx(-3.2, abs=0.01)


def test_kharkiv_monthly_means_match_the_hydromet_centre():
    """Kharkiv regional hydrometeorology centre via objectiv.tv: Jan -6.8, Feb -5.6 degC [B]."""
    series = load_profile("kharkiv-2026")
    means = series.groupby(series.index.month).mean()
    assert means[1] == pytest.approx(-6.8, abs=0.1)
    assert means[2] == pytest.approx(-5.6, abs=0.1)
    # the day-to-day path is Kyiv's: the same hour is coldest in February
    kyiv = load_profile("kyiv-2026")
    assert series[series.index.month == 2].idxmin() == kyiv[kyiv.index.month == 2].idxmin()


def test_odesa_is_kyiv_with_the_documented_offset():
    build = _load_build_script()
    diff = load_profile("odesa-2026") - load_profile("kyiv-2026")
    assert np.allclose(diff, build.ODESA_OFFSET_K, atol=0.011)
    meta = (WEATHER_DIR / "odesa_2026_jan_feb_transfer.meta.toml").read_text()
    assert "[C]" in meta


def test_rebuild_is_byte_identical(tmp_path):
    build = _load_build_script()
    written = build.build_all(tmp_path)
    assert len(written) == 2 * len(PROFILES)
    for path in written:
        shipped = WEATHER_DIR / path.name
        assert shipped.read_bytes() == path.read_bytes(), f"{path.name} differs from rebuild"


def test_shipped_csv_is_plain():
    for entry in PROFILES.values():
        first = (WEATHER_DIR / entry["file"]).read_text().splitlines()[:2]
        assert first[0] == "timestamp,temp_air"
        assert not first[1].startswith("#")


# ---------------------------------------------------------------- user files: good


def test_user_file_loads_and_converts_zone(tmp_path):
    lines = ["timestamp,temp_air,station"] + [
        f"2026-02-02T{h:02d}:00:00Z,{-10 - h / 2:.1f},x" for h in range(22, 24)
    ]
    lines += [f"2026-02-03T{h:02d}:00:00Z,{-11 - h / 2:.1f},x" for h in range(0, 3)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    before = path.read_bytes()
    series = load_profile(path, tz=TZ)
    assert str(series.index.tz) == TZ
    assert series.index[0] == pd.Timestamp("2026-02-03 00:00", tz=TZ)
    assert series.iloc[0] == pytest.approx(-21.0)
    assert path.read_bytes() == before  # never writes to user files
    assert str(load_profile(str(path), tz=None).index.tz) == "UTC"


def test_user_file_zone_from_its_metadata_file(tmp_path):
    path = _write(tmp_path, "\n".join(_good_lines(4)) + "\n")
    # no metadata: the file's own offset
    assert load_profile(path).index[0].utcoffset() == pd.Timedelta(hours=2)
    meta = _write(tmp_path, 'tz = "Europe/Berlin"\n', name="profile.meta.toml")
    assert weather.profile_tz(path) == "Europe/Berlin"
    series = load_profile(path)
    assert str(series.index.tz) == "Europe/Berlin"
    assert series.index[0] == pd.Timestamp("2026-02-03 00:00", tz=TZ)
    assert str(load_profile(path, tz=TZ).index.tz) == TZ
    meta.write_text('tz = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(WeatherError, match="profile.meta.toml.*Mars/Olympus"):
        load_profile(path)


def test_user_file_across_dst_change(tmp_path):
    index = pd.date_range("2026-03-29 00:00", periods=6, freq="h", tz=TZ)
    lines = ["timestamp,temp_air"] + [f"{ts.isoformat()},1.0" for ts in index]
    series = load_profile(_write(tmp_path, "\n".join(lines) + "\n"))
    assert len(series) == 6


# ---------------------------------------------------------------- user files: bad


def test_nonexistent_file(tmp_path):
    with pytest.raises(WeatherError, match="no file at") as info:
        load_profile(tmp_path / "missing.csv")
    assert "kyiv-2026" in str(info.value)


def test_naive_timestamp_named(tmp_path):
    lines = _good_lines()
    lines[3] = "2026-02-03T02:00:00,-18.0"
    with pytest.raises(WeatherError, match=r"line 4.*no time zone.*\+02:00"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_gap_named(tmp_path):
    lines = _good_lines(8)
    del lines[5]
    with pytest.raises(WeatherError, match=r"line 6: gap of 2 h") as info:
        load_profile(_write(tmp_path, "\n".join(lines)))
    assert "2026-02-03T05:00:00+02:00" in str(info.value)


def test_duplicate_named(tmp_path):
    lines = _good_lines(6)
    lines.insert(4, lines[3])
    with pytest.raises(WeatherError, match=r"line 5: duplicated timestamp"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_unsorted_named(tmp_path):
    lines = _good_lines(6)
    lines[3], lines[4] = lines[4], lines[3]
    with pytest.raises(WeatherError, match=r"out of order|gap"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_nan_named(tmp_path):
    lines = _good_lines(6)
    lines[5] = lines[5].split(",")[0] + ","
    with pytest.raises(WeatherError, match=r"line 6: temp_air is ''"):
        load_profile(_write(tmp_path, "\n".join(lines)))
    lines[5] = lines[5] + "NaN"
    with pytest.raises(WeatherError, match=r"line 6: temp_air is 'NaN'"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_kelvin_values_refused(tmp_path):
    lines = _good_lines(6, temps=np.linspace(253.15, 258.15, 6))
    with pytest.raises(WeatherError, match=r"kelvin.*subtract 273.15"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_fahrenheit_values_refused(tmp_path):
    lines = _good_lines(6, temps=np.linspace(36, 40, 6))
    with pytest.raises(WeatherError, match=r"Fahrenheit.*\(F - 32\)"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_typical_kyiv_winter_in_fahrenheit_refused(tmp_path):
    # -8..-4 °C is 17.6..24.8 °F: plausible-looking numbers, implausible as a winter mean in °C
    temps = np.linspace(17.6, 24.8, 6)
    path = _write(tmp_path, "\n".join(_good_lines(6, temps=temps)))
    with pytest.raises(WeatherError, match=r"Fahrenheit.*check_units=False"):
        load_profile(path)
    assert load_profile(path, check_units=False).iloc[0] == pytest.approx(17.6)


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("temp_f", "Fahrenheit"),
        ("temp_air_k", "kelvin"),
        ("Temperature (F)", "Fahrenheit"),
        ("kelvin", "kelvin"),
        ("air_fahrenheit", "Fahrenheit"),
    ],
)
def test_unit_in_header_refused(tmp_path, header, unit):
    lines = _good_lines(4)
    lines[0] = f"timestamp,{header}"
    with pytest.raises(WeatherError, match=unit):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_missing_column(tmp_path):
    lines = _good_lines(4)
    lines[0] = "timestamp,temperature"
    with pytest.raises(WeatherError, match=r"missing column.*temp_air"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_semicolon_separator_hint(tmp_path):
    lines = [line.replace(",", ";") for line in _good_lines(4)]
    with pytest.raises(WeatherError, match="separator"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_byte_order_mark_and_crlf_accepted(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(_good_lines(4)) + "\r\n").encode("utf-8"))
    assert len(load_profile(path)) == 4


def test_impossible_value_named(tmp_path):
    temps = np.array([-10, -11, -75, -12.0])
    with pytest.raises(WeatherError, match=r"line 4: temp_air -75"):
        load_profile(_write(tmp_path, "\n".join(_good_lines(4, temps=temps))))


def test_unparseable_timestamp_named(tmp_path):
    lines = _good_lines(4)
    lines[2] = "2026-02-30T01:00:00+02:00,-3"
    with pytest.raises(WeatherError, match=r"line 3: cannot parse"):
        load_profile(_write(tmp_path, "\n".join(lines)))


def test_weather_error_is_value_error():
    assert issubclass(WeatherError, ValueError)


# ---------------------------------------------------------------- generators


def test_synthetic_cold_spell_shape_and_plateau():
    spell = synthetic_cold_spell(
        "2026-01-10",
        temp_spell_c=-20.0,
        duration_h=72,
        base_temp_c=-2.0,
        ramp_h=24,
        lead_h=24,
        tail_h=24,
        diurnal_range_k=6.0,
        tz=TZ,
    )
    assert len(spell) == 24 + 24 + 72 + 24 + 24
    assert spell.name == "temp_air"
    assert str(spell.index.tz) == TZ
    plateau = spell["2026-01-12":"2026-01-14"]
    assert plateau.mean() == pytest.approx(-20.0, abs=1e-9)
    assert plateau.min() == pytest.approx(-23.0, abs=1e-9)
    assert plateau.idxmin().hour == 6
    assert spell.iloc[:24].mean() == pytest.approx(-2.0, abs=1e-9)


def test_synthetic_cold_spell_seeded_noise():
    state = np.random.get_state()  # noqa: NPY002 - checks the legacy global state is untouched
    start = pd.Timestamp("2026-01-10", tz=TZ)
    a = synthetic_cold_spell(start, noise_k=1.5, seed=42)
    b = synthetic_cold_spell(start, noise_k=1.5, seed=np.random.default_rng(42))
    c = synthetic_cold_spell(start, noise_k=1.5, seed=43)
    quiet = synthetic_cold_spell(start)
    assert str(quiet.index.tz) == TZ  # the zone of start
    pd.testing.assert_series_equal(a, b)
    assert not np.allclose(a, c)
    assert 0.2 < (a - quiet).std() < 5
    assert np.all(np.random.get_state()[1] == state[1])  # noqa: NPY002


def test_synthetic_cold_spell_bad_arguments():
    with pytest.raises(WeatherError, match="duration_h"):
        synthetic_cold_spell("2026-01-10", duration_h=-5, tz=TZ)
    with pytest.raises(WeatherError, match="start has no time zone"):
        synthetic_cold_spell("2026-01-10")


def test_from_daily_extremes_meets_extremes():
    days = pd.date_range("2026-02-01", periods=3, freq="D", tz=TZ)
    tmin = pd.Series([-10.0, -20.0, -15.0], index=days)
    tmax = pd.Series([-4.0, -12.0, 1.0], index=days)
    hourly = from_daily_extremes(tmin, tmax)
    assert len(hourly) == 72
    np.testing.assert_allclose(hourly[hourly.index.hour == 6], tmin.to_numpy())
    np.testing.assert_allclose(hourly[hourly.index.hour == 14], tmax.to_numpy())
    # between the knots the profile stays within its neighbouring extremes
    assert hourly.min() == pytest.approx(-20.0)
    assert hourly.max() == pytest.approx(1.0)
    naive = pd.Series(tmin.to_numpy(), index=days.tz_localize(None))
    with pytest.raises(WeatherError, match="no time zone"):
        from_daily_extremes(naive, tmax)
    pd.testing.assert_series_equal(from_daily_extremes(naive, tmax, tz=TZ), hourly)


def test_weather_dir_points_at_repo_folder():
    assert weather._weather_dir().resolve() == WEATHER_DIR


def test_a_file_without_metadata_keeps_its_own_offset(tmp_path):
    # no <stem>.meta.toml: the hours stay those of the file (+02:00), not UTC
    path = _write(tmp_path, "\n".join(_good_lines(4)) + "\n")
    series = load_profile(path)
    assert series.index[0].isoformat() == "2026-02-03T00:00:00+02:00"
    assert series.index[0].utcoffset() == pd.Timedelta(hours=2)


def test_a_misspelt_metadata_key_is_refused(tmp_path):
    path = _write(tmp_path, "\n".join(_good_lines(4)) + "\n")
    _write(tmp_path, 'timezone = "Europe/Kyiv"\n', name="profile.meta.toml")
    with pytest.raises(WeatherError, match=r"unknown key\(s\) \['timezone'\]; the time zone "
                                           "key is tz"):
        load_profile(path)


def test_a_file_half_in_kelvin_says_so_not_fahrenheit(tmp_path):
    temps = [-20.0, -19.0, 253.15, 254.15]  # median below 200: not all in kelvin
    path = _write(tmp_path, "\n".join(_good_lines(4, temps=temps)) + "\n")
    with pytest.raises(WeatherError, match=r"line 4: temp_air 253.15 looks like kelvin, and "
                                           r"2 of 4 rows are above 200: the file mixes units"):
        load_profile(path)


def test_semicolons_and_decimal_commas_get_the_hint(tmp_path):
    path = _write(tmp_path, "timestamp;temp_air\n2026-01-15T00:00:00+02:00;-11,4\n"
                            "2026-01-15T01:00:00+02:00;-11,7\n")
    with pytest.raises(WeatherError, match="seems to use ';' as separator and ',' as decimal"):
        load_profile(path)
