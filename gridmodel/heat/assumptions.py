"""The schema of a heat layer's ``assumptions.toml`` (the [C] parameters of the heat rules).

:class:`Assumptions` names every section and key the code reads, with its type and range
(``crews`` an integer >= 1, shares in [0, 1], times >= 0), and the sections only a
layer's build script reads (``networks/<city>/build_*.py``), whose content is its own.
Any other section is the build script's (a table of its own content), unless its name is
close to one of the sections here (``[restrat]``): a typo. An unknown key inside a
section, a missing key and a typo'd section are errors naming the file and the line
(:func:`gridmodel._io.schema.check_document`). The layer keeps the parsed document as a
dict (``HeatLayer.assumptions``); this model only validates it.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from gridmodel._io.schema import toml_line

__all__ = ["SHARE_TOLERANCE", "Assumptions", "share_problems"]

_SHARE = {"ge": 0.0, "le": 1.0}
#: plausible ranges of the temperatures [°C] (a value outside is most likely in kelvin or
#: degrees Fahrenheit, or a sign slip) [C]
_INDOOR_C = {"ge": 5.0, "le": 35.0}
_OUTDOOR_C = {"ge": -60.0, "le": 20.0}


class _Section(BaseModel):
    """A table of assumptions: its keys, a tag ([A]/[B]/[C]) and why."""

    model_config = ConfigDict(extra="forbid", strict=True)
    tag: str | None = None
    why: str | None = None


class _HeatCapacity(_Section):
    indoor_setpoint_c: float = Field(**_INDOOR_C)
    # the build script sizes sources with these two
    design_temp_c: float | None = Field(None, **_OUTDOOR_C)
    reserve: float | None = Field(None, ge=0.0, le=1.0)  # a share of the design load


class _PowerNeed(_Section):
    boiler_mwe_per_mwth: float = Field(0.015, ge=0.0)
    pumping_mwe_per_mwth: float = Field(0.008, ge=0.0)


class _Backup(_Section):
    fuel_hours: float = Field(48.0, ge=0.0)
    generators: int | None = Field(None, ge=0)
    mw_each: float | None = Field(None, ge=0.0)
    share_boilers: float | None = Field(None, **_SHARE)


class _Power(_Section):
    heat_water_served_min: float = Field(**_SHARE)
    tall_floors: int = Field(ge=0)
    queues: int = Field(ge=1)


class _Bridging(_Section):
    start_c: float = Field(le=150.0)  # supply water (above freeze_c: checked below)
    freeze_c: float = Field(ge=-10.0, le=5.0)
    tau_pipe_h: float = Field(gt=0.0)
    drain_max_temp_c: float = Field(**_OUTDOOR_C)

    @model_validator(mode="after")
    def _warmer_start(self):
        if not self.start_c > self.freeze_c:
            msg = (f"start_c ({self.start_c}) must be above freeze_c ({self.freeze_c}): "
                   "water starts warmer than it freezes")
            raise ValueError(msg)
        return self


class _ExpectedDuration(_Section):
    censored_supply_outage_h: float = Field(ge=0.0)


class _Restart(_Section):
    crews: int = Field(ge=1)
    share_for_restarts: float = Field(**_SHARE)
    crew_hours_per_building: float = Field(gt=0.0)
    heat_to_flats_h: float = Field(ge=0.0)


class _HeatOnly(_Section):
    start_h: float = Field(ge=0.0)
    share: float = Field(**_SHARE)


class _Refill(_Section):
    failure_share: float = Field(**_SHARE)
    repair_median_h: float = Field(gt=0.0)
    repair_sigma: float = Field(ge=0.0)


class _Occupants(_Section):
    heating_w_per_m2: float = Field(ge=0.0, le=100.0)


class _Comfort(_Section):
    health_risk_c: float = Field(**_INDOOR_C)
    initial_indoor_c: float = Field(**_INDOOR_C)


class _CapacityCut(_Section):
    rule: Literal["nearest_first", "reduced_heat"] = "nearest_first"
    reduced_min_share: float | None = Field(None, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _share_with_reduced(self):
        if (self.rule == "reduced_heat") != (self.reduced_min_share is not None):
            msg = ("rule = 'reduced_heat' needs reduced_min_share (and only it uses one); got "
                   f"rule = {self.rule!r}, reduced_min_share = {self.reduced_min_share}")
            raise ValueError(msg)
        return self


class _MobileBoilers(_Section):
    units: int = Field(ge=0)
    mw_th_each: float = Field(ge=0.0)


class Assumptions(BaseModel):
    """A heat layer's ``assumptions.toml``: the sections the heat rules read, validated."""

    model_config = ConfigDict(extra="allow", strict=True)
    meta: dict = {}
    heat_capacity: _HeatCapacity
    power_need: _PowerNeed = _PowerNeed()
    backup: _Backup = _Backup()
    power: _Power
    bridging: _Bridging
    expected_duration: _ExpectedDuration
    restart: _Restart
    comfort: _Comfort
    capacity_cut: _CapacityCut | None = None
    heat_only: _HeatOnly | None = None
    refill: _Refill | None = None
    occupants: _Occupants | None = None
    mobile_boilers: _MobileBoilers | None = None

    @model_validator(mode="after")
    def _build_sections(self):
        """Other sections are the build script's tables, unless a known name is misspelt."""
        known = list(type(self).model_fields)
        for key, value in (self.model_extra or {}).items():
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
            if close or not isinstance(value, dict):
                what = f"did you mean [{close[0]}]?" if close else "a key outside any table"
                raise PydanticCustomError(
                    "unknown_section", "unknown section '{key}': {what}",
                    {"key": key, "what": what})
        return self


# ------------------------------------------------------------------ shares of a whole
#: how far a set of shares may sum from 1 (rounding of published percentages)
SHARE_TOLERANCE = 0.005


def _is_shares(section: str, key: str) -> bool:
    """Whether ``[section] key`` holds shares of a whole: a ``*_shares`` or ``*_mix``
    section (each list or table of numbers in it; a ``*_shares`` section of one number per
    key: those numbers), or a ``split`` / ``*_shares`` key."""
    return section.endswith(("_shares", "_mix")) or key == "split" or key.endswith("_shares")


def _numbers(value) -> list[float] | None:
    """The numbers of a list or inline table of numbers; None for anything else."""
    items = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(items, list) or not items:
        return None
    ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
    return [float(v) for v in items] if ok else None


def share_problems(a: dict, text_: str, path) -> list[str]:
    """Every set of shares in an assumptions document that does not sum to 1.

    Parameters
    ----------
    a : dict
        The parsed document.
    text_ : str
        Its text (for line numbers).
    path : path
        The file, for messages.

    Returns
    -------
    list of str
        ``file:line: [section] key: shares sum to S, not 1 (...)``; empty when all do.
    """
    problems = []
    for section, table in a.items():
        if not isinstance(table, dict):
            continue
        whole = {k: v for k, v in table.items() if k not in ("tag", "why")}
        if section.endswith("_shares") and _numbers(whole) is not None:
            table = {**table, "(all keys)": whole}  # a table of one number per key
        for key, value in table.items():
            shares = _numbers(value) if _is_shares(section, key) else None
            if shares is None or abs(sum(shares) - 1.0) <= SHARE_TOLERANCE:
                continue
            line = toml_line(text_, (section, key)) or toml_line(text_, (section,)) or 0
            problems.append(f"{path}:{line}: [{section}] {key}: shares sum to "
                            f"{sum(shares):.4g}, not 1 (got {value!r}); shares of one whole "
                            "must add up to 1")
    return problems
