"""Build the built-in weather profiles of gridmodel (deterministic).

Run ``python weather/build_profiles.py`` from the repository root to rewrite the CSV and
``*.meta.toml`` files in ``weather/``; ``tests/test_weather.py`` rebuilds them into a
temporary folder and checks they are byte-identical to the shipped files.

Every number below carries its source: FIELD_NOTES section (``/work/shared/docs``) plus the
original source, or the tag [C] (an assumption of this script, uncertain or derived).
See ``weather/README.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(HERE.parent))

from gridmodel.weather import from_daily_extremes, synthetic_cold_spell  # noqa: E402

TZ = "Europe/Kyiv"
GSOM_FILE = HERE / "sources" / "ghcn_gsom_kyiv_UPM00033345_monthly.csv"

# Observatory monthly means [A], FIELD_NOTES section 5.
MONTHLY_MEAN_C = {(2026, 1): -7.6, (2026, 2): -5.3}
# 1991-2020 normal of January [A], FIELD_NOTES section 5.
JAN_NORMAL_C = -3.2
# Kyiv heating design temperature (coldest five days) [C], FIELD_NOTES section 5.
DESIGN_TEMP_C = -22.0

# Kharkiv monthly means [B]: Kharkiv regional hydrometeorology centre (I. Kondaurova) via
# objectiv.tv 2026-02-02 (Jan -6.8, norm -4.5) and 2026-03-04 (Feb -5.6, norm -3.8).
KHARKIV_MONTHLY_MEAN_C = {(2026, 1): -6.8, (2026, 2): -5.6}
KHARKIV_SOURCE = ("Kharkiv regional hydrometeorology centre (I. Kondaurova) via objectiv.tv "
                  "2026-02-02 (January -6.8, norm -4.5 degC) and 2026-03-04 (February -5.6, "
                  "norm -3.8 degC) [B]")
# Odesa: no monthly figure for 2026 and no sourced normal was found in the stored pages;
# Kyiv's reconstruction is carried over warmer by this offset [C] (Odesa's January is
# about -0.5 to -1 degC against Kyiv's -3.2 in general climatologies; not verified).
ODESA_OFFSET_K = 2.5

# Reported daily extremes of Jan-Feb 2026, kept exactly: date -> (min, max, source).
ANCHORS = {
    "2026-01-18": (
        -16.5,
        -10.0,
        "min [A] FIELD_NOTES 5 (coldest day of Jan, observatory); max [C]",
    ),
    "2026-02-02": (-16.0, -12.0, "max [B] FIELD_NOTES 1 ('-12 by day'); min [C]"),
    "2026-02-03": (
        -20.0,
        -12.0,
        "min and max [B] FIELD_NOTES 1 (night of 2-3 Feb about -20, -12 by day)",
    ),
    "2026-02-10": (
        -20.2,
        -13.0,
        "min [A] FIELD_NOTES 5 (coldest night of Feb, observatory); max [C]",
    ),
}

# Shape of the daily-mean path between anchors [C]: knots (date, daily mean); linear in
# between. Only the shape matters: the level of every non-anchor day is shifted per month
# so the monthly means match MONTHLY_MEAN_C. Chosen so Dec 2025 (+1.0 [A]) runs into a cold
# January, the cold spell of early February holds the month's two coldest nights and the
# end of February thaws (needed for the -5.3 mean after two -20 nights).
SHAPE_KNOTS = [
    ("2025-12-31", -1.0),
    ("2026-01-03", -4.0),
    ("2026-01-08", -9.0),
    ("2026-01-13", -7.0),
    ("2026-01-18", -13.25),
    ("2026-01-23", -6.0),
    ("2026-01-28", -5.0),
    ("2026-02-01", -11.0),
    ("2026-02-03", -16.0),
    ("2026-02-06", -11.0),
    ("2026-02-10", -16.6),
    ("2026-02-15", -6.0),
    ("2026-02-21", -1.0),
    ("2026-02-28", 0.0),
    ("2026-03-01", 0.0),
]
# Maximum of 31 Dec 2025 and minimum of 1 Mar 2026, which shape the first and last night [C].
TEMP_MAX_BEFORE_C = 0.5
TEMP_MIN_AFTER_C = -3.0
# Days next to an anchor take only part of the monthly shift, so the anchors stay the extremes.
TAPER_DAYS = 3


def gsom_diurnal_range_k(month: int, first_year: int = 1991, last_year: int = 2020) -> float:
    """Mean TMAX - TMIN [K] of a month at Kyiv (GHCN GSOM UPM00033345), years with data.

    In 1991-2020 the GSOM file has January and February values for 1991-2005 (15 years).
    """
    gsom = pd.read_csv(GSOM_FILE, usecols=["DATE", "TMIN", "TMAX"])
    year = gsom["DATE"].str[:4].astype(int)
    mon = gsom["DATE"].str[5:7].astype(int)
    rows = gsom[(mon == month) & year.between(first_year, last_year)].dropna()
    return round(float((rows["TMAX"] - rows["TMIN"]).mean()), 2)


def _days(first: str, last: str) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq="D", tz=TZ)


def _fit_monthly_offsets(days, base_mean, dtr, fixed_min, fixed_max, weight, targets, hourly):
    """Per-month shift of the non-anchor daily means so hourly monthly means hit targets.

    The hourly profile is linear in the daily extremes, so the shifts solve a small
    linear system exactly.
    """
    months = list(targets)
    month_of_day = list(zip(days.year, days.month, strict=True))

    def build(shifts):
        shift = np.array([shifts[months.index(m)] for m in month_of_day]) * weight
        tmin = np.where(np.isnan(fixed_min), base_mean + shift - dtr / 2, fixed_min)
        tmax = np.where(np.isnan(fixed_max), base_mean + shift + dtr / 2, fixed_max)
        return tmin, tmax, hourly(tmin, tmax)

    def monthly_means(series):
        grouped = series.groupby([series.index.year, series.index.month]).mean()
        return np.array([grouped.loc[m] for m in months])

    zero = np.zeros(len(months))
    base = monthly_means(build(zero)[2])
    jac = np.empty((len(months), len(months)))
    for j in range(len(months)):
        unit = zero.copy()
        unit[j] = 1.0
        jac[:, j] = monthly_means(build(unit)[2]) - base
    shifts = np.linalg.solve(jac, np.array([targets[m] for m in months]) - base)
    return build(shifts)


def kyiv_2026() -> pd.Series:
    """Reconstruction of Kyiv, 1 Jan - 28 Feb 2026, hourly (see module docstring)."""
    days = _days("2026-01-01", "2026-02-28")
    knot_s = pd.DatetimeIndex([pd.Timestamp(d, tz=TZ) for d, _ in SHAPE_KNOTS]).asi8
    base_mean = np.interp(days.asi8, knot_s, [v for _, v in SHAPE_KNOTS])
    dtr = np.where(days.month == 1, gsom_diurnal_range_k(1), gsom_diurnal_range_k(2))
    fixed_min = np.full(len(days), np.nan)
    fixed_max = np.full(len(days), np.nan)
    anchor_days = pd.DatetimeIndex([pd.Timestamp(d, tz=TZ) for d in ANCHORS])
    for day, (lo, hi, _) in zip(anchor_days, ANCHORS.values(), strict=True):
        i = days.get_loc(day)
        fixed_min[i], fixed_max[i] = lo, hi
    dist = np.min(np.abs((days.asi8[:, None] - anchor_days.asi8[None, :]) / 86400e9), axis=1)
    weight = np.clip(dist / TAPER_DAYS, 0.0, 1.0)

    def hourly(tmin, tmax):
        return from_daily_extremes(
            pd.Series(tmin, index=days),
            pd.Series(tmax, index=days),
            temp_max_before=TEMP_MAX_BEFORE_C,
            temp_min_after=TEMP_MIN_AFTER_C,
            tz=TZ,
        )

    tmin, tmax, temp = _fit_monthly_offsets(
        days, base_mean, dtr, fixed_min, fixed_max, weight, MONTHLY_MEAN_C, hourly
    )
    _check_reconstruction(temp)
    return temp


def shifted_by_month(temp: pd.Series, targets: dict) -> pd.Series:
    """``temp`` shifted month by month so its monthly means are ``targets`` [C].

    Another city's winter follows the same weather systems as Kyiv's (fronts cross
    Ukraine within a day or two); only the level differs. The step between two months'
    shifts falls at local midnight.
    """
    months = list(zip(temp.index.year, temp.index.month, strict=True))
    means = temp.groupby([temp.index.year, temp.index.month]).mean()
    shift = np.array([targets[m] - means.loc[m] for m in months])
    return temp + shift


def _check_reconstruction(temp: pd.Series) -> None:
    """Fail the build if a reported extreme is not the extreme of the reconstruction."""
    jan = temp[temp.index.month == 1]
    feb = temp[temp.index.month == 2]
    checks = {
        "Jan minimum is 18 Jan -16.5": jan.idxmin() == pd.Timestamp("2026-01-18 06:00", tz=TZ)
        and np.isclose(jan.min(), -16.5),
        "Feb minimum is 10 Feb -20.2": feb.idxmin() == pd.Timestamp("2026-02-10 06:00", tz=TZ)
        and np.isclose(feb.min(), -20.2),
        "3 Feb 06:00 is -20.0": np.isclose(temp[pd.Timestamp("2026-02-03 06:00", tz=TZ)], -20.0),
        "only 10 Feb is below -20.0": not ((feb < -20.0 - 1e-9) & (feb.index.day != 10)).any(),
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        msg = f"reconstruction violates reported extremes: {failed}"
        raise RuntimeError(msg)


def normal_january() -> pd.Series:
    """1991-2020 normal January at Kyiv on reference year 2021, hourly.

    Daily means follow the normals of Dec (-1.8), Jan (-3.2) and Feb (-2.3) [A, FIELD_NOTES
    5] placed at mid-month, linearly interpolated, then shifted so the January mean is -3.2
    exactly; the daily range is the GHCN January TMAX - TMIN.
    """
    days = _days("2021-01-01", "2021-01-31")
    knots = pd.DatetimeIndex(
        [pd.Timestamp(d, tz=TZ) for d in ("2020-12-16", "2021-01-16", "2021-02-15")]
    ).asi8
    base_mean = np.interp(days.asi8, knots, [-1.8, JAN_NORMAL_C, -2.3])
    dtr = np.full(len(days), gsom_diurnal_range_k(1))
    nan = np.full(len(days), np.nan)
    first_mean = float(np.interp(days.asi8[0] - 86400e9, knots, [-1.8, JAN_NORMAL_C, -2.3]))
    last_mean = float(np.interp(days.asi8[-1] + 86400e9, knots, [-1.8, JAN_NORMAL_C, -2.3]))

    def hourly(tmin, tmax):
        return from_daily_extremes(
            pd.Series(tmin, index=days),
            pd.Series(tmax, index=days),
            temp_max_before=first_mean + dtr[0] / 2,
            temp_min_after=last_mean - dtr[0] / 2,
            tz=TZ,
        )

    return _fit_monthly_offsets(
        days, base_mean, dtr, nan, nan, np.ones(len(days)), {(2021, 1): JAN_NORMAL_C}, hourly
    )[2]


def design_cold_spell() -> pd.Series:
    """Design cold spell: 5 days at a daily mean of -22 °C [C] between January normals."""
    return synthetic_cold_spell(
        "2021-01-04 00:00",
        temp_spell_c=DESIGN_TEMP_C,
        duration_h=120,
        base_temp_c=JAN_NORMAL_C,
        ramp_h=48,
        lead_h=48,
        tail_h=72,
        diurnal_range_k=gsom_diurnal_range_k(1),
        tz=TZ,
    )


def _csv_text(temp: pd.Series) -> str:
    lines = ["timestamp,temp_air"]
    values = np.round(temp.to_numpy(dtype=float), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    lines += [f"{ts.isoformat()},{v:.2f}" for ts, v in zip(temp.index, values, strict=True)]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _meta_text(name: str, kind: str, summary: str, label: str, description: str,
               sources: list[str], extra: dict) -> str:
    """The ``.meta.toml`` text of a profile.

    ``name``, ``kind``, ``summary`` and ``tz`` make the profile a built-in one: the short
    name, the kind and the one-line description of ``gridmodel.weather.list_profiles`` and
    the time zone ``gridmodel.weather.load_profile`` gives its index.
    """
    lines = [
        f"name = {_toml_string(name)}",
        f"kind = {_toml_string(kind)}",
        f"summary = {_toml_string(summary)}",
        f"tz = {_toml_string(TZ)}",
        f"label = {_toml_string(label)}",
        f"description = {_toml_string(description)}",
        f'columns = {{ timestamp = "ISO 8601, {TZ} local time with offset", '
        'temp_air = "outdoor air temperature [degC]" }',
        'builder = "weather/build_profiles.py"',
        "sources = [",
        *[f"  {_toml_string(s)}," for s in sources],
        "]",
    ]
    for key, value in extra.items():
        lines.append(f"{key} = {_toml_string(value)}")
    return "\n".join(lines) + "\n"


_GSOM_SOURCE = (
    "GHCN-Monthly GSOM station UPM00033345 Kyiv (NOAA NCEI, US-government open data, WMO "
    "Res.40 caveat) via deneve-e/climate-visualization data/UPM00033345.csv commit "
    "423c3d3676fc96bea30fb90b51e26918c66f7d44; copy in weather/sources/"
)


def profiles() -> dict[str, tuple[pd.Series, str]]:
    """Build every profile: file stem -> (series, meta.toml text)."""
    dtr_jan, dtr_feb = gsom_diurnal_range_k(1), gsom_diurnal_range_k(2)
    anchors = "; ".join(f"{d}: min {lo}, max {hi} ({src})" for d, (lo, hi, src) in ANCHORS.items())
    return {
        "kyiv_2026_jan_feb_reconstruction": (
            kyiv_2026(),
            _meta_text(
                "kyiv-2026",
                "reconstruction",
                "RECONSTRUCTION of Kyiv 1 Jan - 28 Feb 2026 from observatory monthly means "
                "(Jan -7.6, Feb -5.3 °C) and reported extremes; not an observed hourly series",
                "RECONSTRUCTION - not observed hourly data",
                "Kyiv 2026-01-01..2026-02-28 hourly, reconstructed from monthly means and "
                "reported extremes with a diurnal shape (min 06:00, max 14:00 local).",
                [
                    "Monthly means Jan 2026 -7.6 degC, Feb 2026 -5.3 degC [A]: FIELD_NOTES "
                    "section 5 (Kyiv observatory)",
                    "Coldest day 18 Jan min -16.5 degC, coldest night 10 Feb -20.2 degC [A]: "
                    "FIELD_NOTES section 5 (Kyiv observatory)",
                    "Night of 2-3 Feb about -20 degC, -12 degC by day [B]: FIELD_NOTES "
                    "section 1 (brusselstimes.com/1950784; ukrinform.net 4088194)",
                    f"Diurnal range Jan {dtr_jan} K, Feb {dtr_feb} K: mean TMAX-TMIN "
                    f"1991-2005 (years with data in 1991-2020); {_GSOM_SOURCE}",
                    "Shape of the day-to-day path between the anchors [C]: "
                    "weather/build_profiles.py SHAPE_KNOTS",
                ],
                {"anchors": anchors},
            ),
        ),
        "kyiv_design_cold_spell": (
            design_cold_spell(),
            _meta_text(
                "design-cold-spell",
                "design",
                "Kyiv heating design cold spell: five days at a daily mean of -22 °C [C], "
                "ramps from and back to the January normal (-3.2 °C); reference dates Jan 2021",
                "DESIGN - synthetic [C]",
                "48 h at the January normal, 48 h ramp, 120 h (five days) at a daily mean "
                "of -22 degC, 48 h ramp, 72 h at the January normal; reference dates "
                "2021-01-04..2021-01-17.",
                [
                    "Design temperature -22 degC (coldest five days) [C]: FIELD_NOTES "
                    "section 5 (commonly cited, not verified)",
                    "Base -3.2 degC = 1991-2020 January normal [A]: FIELD_NOTES section 5",
                    f"Diurnal range {dtr_jan} K: mean January TMAX-TMIN 1991-2005; {_GSOM_SOURCE}",
                    "Ramp and plateau lengths [C]: weather/build_profiles.py",
                ],
                {},
            ),
        ),
        "kyiv_normal_january": (
            normal_january(),
            _meta_text(
                "normal-january",
                "climate normal",
                "Kyiv 1991-2020 normal January (mean -3.2 °C) with the GHCN diurnal range; "
                "reference year 2021",
                "CLIMATE NORMAL - synthetic",
                "Kyiv 1991-2020 normal January on reference year 2021 (2021-01-01.."
                "2021-01-31); smooth daily means, mean exactly -3.2 degC.",
                [
                    "Normals Dec -1.8, Jan -3.2, Feb -2.3 degC [A]: FIELD_NOTES section 5",
                    f"Diurnal range {dtr_jan} K: mean January TMAX-TMIN 1991-2005; {_GSOM_SOURCE}",
                    "Mid-month placement of the normals and linear interpolation [C]",
                ],
                {},
            ),
        ),
    }


def city_profiles(kyiv: pd.Series) -> dict[str, tuple[pd.Series, str]]:
    """Kharkiv (sourced monthly means) and Odesa (climate offset [C]) from Kyiv's path."""
    kyiv_means = kyiv.groupby([kyiv.index.year, kyiv.index.month]).mean().round(2)
    odesa_means = {m: round(float(v) + ODESA_OFFSET_K, 2) for m, v in kyiv_means.items()}
    shape = ("Day-to-day path and diurnal shape: Kyiv's reconstruction (kyiv-2026, "
             "weather/build_profiles.py) [C]")
    return {
        "kharkiv_2026_jan_feb_reconstruction": (
            shifted_by_month(kyiv, KHARKIV_MONTHLY_MEAN_C),
            _meta_text(
                "kharkiv-2026", "reconstruction",
                "RECONSTRUCTION of Kharkiv 1 Jan - 28 Feb 2026: Kyiv's path shifted to "
                "Kharkiv's monthly means (Jan -6.8, Feb -5.6 °C); not an observed series",
                "RECONSTRUCTION - not observed hourly data",
                "Kharkiv 2026-01-01..2026-02-28 hourly: the kyiv-2026 reconstruction "
                "shifted by a constant per month so the monthly means are Kharkiv's.",
                [f"Monthly means: {KHARKIV_SOURCE}", shape], {}),
        ),
        "odesa_2026_jan_feb_transfer": (
            kyiv + ODESA_OFFSET_K,
            _meta_text(
                "odesa-2026", "transfer",
                f"TRANSFER of Kyiv's 2026 reconstruction to Odesa, {ODESA_OFFSET_K:+.1f} K "
                "(climate offset [C]; no Odesa figure found); not an observed series",
                "TRANSFER [C] - not observed hourly data",
                f"Odesa 2026-01-01..2026-02-28 hourly: kyiv-2026 plus {ODESA_OFFSET_K} K "
                f"(monthly means Jan {odesa_means[(2026, 1)]}, Feb "
                f"{odesa_means[(2026, 2)]} degC).",
                [f"Climate offset {ODESA_OFFSET_K:+.1f} K [C]: no 2026 monthly figure and no "
                 "sourced normal found for Odesa (weather/build_profiles.py ODESA_OFFSET_K)",
                 shape], {}),
        ),
    }


def build_all(out_dir: Path = HERE) -> list[Path]:
    """Write every profile CSV and its ``.meta.toml`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    built = profiles()
    built |= city_profiles(built["kyiv_2026_jan_feb_reconstruction"][0])
    for stem, (temp, meta) in built.items():
        csv_path = out_dir / f"{stem}.csv"
        meta_path = out_dir / f"{stem}.meta.toml"
        csv_path.write_bytes(_csv_text(temp).encode("utf-8"))
        meta_path.write_bytes(meta.encode("utf-8"))
        written += [csv_path, meta_path]
    return written


if __name__ == "__main__":
    for path in build_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
