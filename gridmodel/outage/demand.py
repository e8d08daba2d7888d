"""Hourly electricity demand: a daily profile per load class and temperature sensitivity.

Demand of load ``i`` at time ``t`` (``gridmodel/data/demand_profile.toml``)::

    demand_mw = p_mw x hour_factor[class][local hour]
                     x clip(1 + sensitivity_per_k[class] x (temp_ref_c - temp_air), min, max)

``p_mw`` (``net.load.p_mw``) is a load's demand at the national evening peak (18:00
local) at the reference temperature. Classes not in the file (``unknown``) follow
``residential``. Without ``temp_air`` the temperature factor is 1.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gridmodel._io.schema import Source, check_document
from gridmodel._io.tomlio import parse_toml, read_text
from gridmodel.errors import InputError
from gridmodel.network.schemas import PRIORITY_CLASSES

__all__ = ["DemandProfile", "demand_factors", "demand_mw", "load_demand_profile",
           "profile_loads"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: the load classes of the profile: the network tables' priority classes
CLASSES = PRIORITY_CLASSES
_FALLBACK_CLASS = "residential"


@dataclass(frozen=True)
class DemandProfile:
    """Daily demand shape per class [-] and temperature sensitivity [1/K]."""

    hour_factor: dict[str, np.ndarray]
    sensitivity_per_k: dict[str, float]
    temp_ref_c: float
    temp_factor_min: float
    temp_factor_max: float
    timezone: str
    path: str


def check_timezone(timezone, where: str) -> str:
    """Return ``timezone`` as a string after checking that pandas knows the zone.

    Raises
    ------
    InputError
        Not a zone of the IANA tz database, naming ``where``.
    """
    try:
        pd.Timestamp(0, tz="UTC").tz_convert(str(timezone))
    except (KeyError, ValueError, TypeError):
        msg = (f"{where}: {timezone!r} is not a time zone; name one of the IANA tz "
               "database, e.g. 'Europe/Kyiv' or 'UTC'.")
        raise InputError(msg) from None
    return str(timezone)


def load_demand_profile(path: str | Path | DemandProfile | None = None) -> DemandProfile:
    """Read and validate a demand-profile file (default: the packaged one); a profile
    already loaded is returned as it is.

    Raises
    ------
    InputError
        One error listing every problem, ``file:line: key: message``: a class without 24
        positive hour factors, a missing sensitivity or source, limits outside
        0 <= temp_factor_min <= 1 <= temp_factor_max, an unknown key, no ``[meta]
        timezone`` (the zone of the profile's hours of day) or an unknown one.
    """
    if isinstance(path, DemandProfile):
        return path
    where = str(path) if path is not None else "gridmodel/data/demand_profile.toml"
    p = Path(path) if path is not None else DATA_DIR / "demand_profile.toml"
    return _parse_demand_profile(read_text(p, "demand profile"), where)


_HOURS = list[Annotated[float, Field(gt=0.0)]]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Sourced(_Doc):
    source: Source


class _HourFactor(_Sourced):
    """24 positive factors (00 to 23 h local) per class."""

    critical: _HOURS = Field(min_length=24, max_length=24)
    heat_water: _HOURS = Field(min_length=24, max_length=24)
    residential: _HOURS = Field(min_length=24, max_length=24)
    industry: _HOURS = Field(min_length=24, max_length=24)


class _Sensitivity(_Sourced):
    critical: float
    heat_water: float
    residential: float
    industry: float


class _Temperature(_Doc):
    temp_ref_c: float
    temp_ref_source: str | None = None
    temp_factor_min: float = Field(0.0, ge=0.0, le=1.0)
    temp_factor_max: float = Field(np.inf, ge=1.0)
    limits_source: str | None = None
    sensitivity_per_k: _Sensitivity


class _Meta(_Doc):
    timezone: str
    description: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        return check_timezone(v, "the zone of the profile's hours of day")


class _ProfileDoc(_Doc):
    meta: _Meta
    temperature: _Temperature
    hour_factor: _HourFactor


@functools.lru_cache(maxsize=16)
def _parse_demand_profile(text: str, where: str) -> DemandProfile:
    """Parse and validate the text of a demand-profile file.

    Cached on the text: ensembles read the same file once per replicate. The profile is
    frozen and its arrays are read-only, so callers cannot change the shared copy.
    """
    doc = parse_toml(text, where)
    check_document(_ProfileDoc, doc, text, where)
    hf, temp = doc["hour_factor"], doc["temperature"]
    sens = temp["sensitivity_per_k"]
    factors: dict[str, np.ndarray] = {}
    for cls in CLASSES:
        vals = np.asarray(hf[cls], dtype=float)
        vals.flags.writeable = False  # shared by every caller of the cached profile
        factors[cls] = vals
    lo, hi = float(temp.get("temp_factor_min", 0.0)), float(temp.get("temp_factor_max", np.inf))
    return DemandProfile(hour_factor=factors,
                         sensitivity_per_k={c: float(sens[c]) for c in CLASSES},
                         temp_ref_c=float(temp["temp_ref_c"]), temp_factor_min=lo,
                         temp_factor_max=hi, timezone=str(doc["meta"]["timezone"]), path=where)


def _temps(times: pd.DatetimeIndex, temp_air) -> np.ndarray | None:
    if temp_air is None:
        return None
    if np.isscalar(temp_air):
        return np.full(len(times), float(temp_air))
    if not isinstance(temp_air, pd.Series) or not isinstance(temp_air.index, pd.DatetimeIndex):
        msg = ("temp_air must be a number [C] or a pandas Series [C] on a tz-aware "
               f"DatetimeIndex (gridmodel.weather.load_profile); got {type(temp_air).__name__}.")
        raise InputError(msg)
    if temp_air.index.tz is None:
        msg = "temp_air has a naive DatetimeIndex; localize it (e.g. tz_localize('Europe/Kyiv'))."
        raise InputError(msg)
    series = temp_air.tz_convert("UTC").sort_index()
    series = series[~series.index.duplicated()]
    lo, hi = series.index.min(), series.index.max()
    outside = times[(times < lo) | (times > hi)]
    if len(outside):
        msg = (f"temp_air covers {lo} to {hi} but the run needs {times.min()} to "
               f"{times.max()} ({len(outside)} step(s) outside); give a longer profile.")
        raise InputError(msg)
    # hourly steps inside the profile: take the latest value at or before each time
    vals = series.reindex(series.index.union(times)).ffill().reindex(times).to_numpy(float)
    if np.isnan(vals).any():
        msg = "temp_air has missing values (NaN) in the run's period; fill them."
        raise InputError(msg)
    return vals


def demand_factors(times, temp_air=None, profile: DemandProfile | None = None) -> pd.DataFrame:
    """Demand factor [-] per class at each time (hour shape x temperature factor).

    Parameters
    ----------
    times : DatetimeIndex
        Tz-aware times (any zone; the local hour is taken in the profile's zone).
    temp_air : float or pandas.Series, optional
        Outdoor temperature [C]; a Series is sampled at ``times`` (value in force).
    profile : DemandProfile, optional
        Default: the packaged ``demand_profile.toml``.

    Returns
    -------
    pandas.DataFrame
        Index ``times`` (UTC), one column per class.
    """
    profile = profile or load_demand_profile()
    times = pd.DatetimeIndex(times)
    if times.tz is None:
        msg = "times must be tz-aware (UTC or Europe/Kyiv)."
        raise InputError(msg)
    times = times.tz_convert("UTC")
    hours = times.tz_convert(profile.timezone).hour.to_numpy()
    temps = _temps(times, temp_air)
    out = {}
    for cls in CLASSES:
        f = profile.hour_factor[cls][hours]
        if temps is not None:
            tf = 1.0 + profile.sensitivity_per_k[cls] * (profile.temp_ref_c - temps)
            f = f * np.clip(tf, profile.temp_factor_min, profile.temp_factor_max)
        out[cls] = f
    return pd.DataFrame(out, index=times)


def demand_mw(net, times, temp_air=None, profile: DemandProfile | None = None) -> pd.DataFrame:
    """Demand [MW] of every in-service load at each time.

    Returns
    -------
    pandas.DataFrame
        Index ``times`` (UTC), columns ``net.load.load_id``; ``net`` is not modified.
    """
    factors = demand_factors(times, temp_air, profile)
    loads = profile_loads(net)
    mat = (factors[loads["class_for_profile"].to_list()].to_numpy()
           * loads["p_peak_mw"].to_numpy()[None, :])
    return pd.DataFrame(mat, index=factors.index, columns=loads["load_id"].to_list())


def profile_loads(net) -> pd.DataFrame:
    """Every load of ``net`` as the demand profile sees it, in row order.

    Returns
    -------
    pandas.DataFrame
        ``load_id`` (``load:<index>`` for a net without ids), ``class_for_profile`` (its
        priority class, :data:`CLASSES`; ``residential`` for a load without one or with
        another) and ``p_peak_mw`` (``p_mw x scaling``) [MW].
    """
    loads = net.load
    ids = loads["load_id"].astype(str) if "load_id" in loads else pd.Series(
        [f"load:{i}" for i in loads.index], index=loads.index)
    cls = (loads["priority_class"].astype(str) if "priority_class" in loads
           else pd.Series(_FALLBACK_CLASS, index=loads.index))
    return pd.DataFrame({
        "load_id": ids.to_numpy(),
        "class_for_profile": cls.where(cls.isin(CLASSES), _FALLBACK_CLASS).to_numpy(),
        "p_peak_mw": (loads["p_mw"].astype(float) * loads.get("scaling", 1.0)).to_numpy(),
    })
