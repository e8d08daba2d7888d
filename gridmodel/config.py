"""The one run configuration: network, status, weather, start, horizon, grid, heat, seed.

Every study embeds :class:`RunConfig`: a scenario file is a run plus a name, a strike list
and output options (:class:`gridmodel.studies.scenario.Scenario`); a strike pattern's
``[run]`` table is a run in flat form (:meth:`RunConfig.from_flat`); a plan and a ranking
take their base scenario's run. Every default is defined once, in
``gridmodel/data/run_defaults.toml`` (:data:`DEFAULTS`), and nowhere else in the code.

Validation is strict (pydantic, ``extra="forbid"``): an unknown key or a wrong type is an
error naming the file, the line and the key (:func:`validate_toml`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gridmodel._io.schema import check_document
from gridmodel._io.tomlio import read_toml
from gridmodel.errors import InputError

__all__ = ["DEFAULTS", "GRID", "GRID_RUN_KEYS", "MAX_HOURS", "START_YEARS", "CityConfig",
           "GridConfig", "HeatConfig", "RunConfig", "checked_seed", "validate_toml"]

_DEFAULTS_PATH = Path(__file__).resolve().parent / "data" / "run_defaults.toml"
#: The defaults of every run (``gridmodel/data/run_defaults.toml``).
DEFAULTS: dict = read_toml(_DEFAULTS_PATH, "run defaults")[0]
_RUN, _GRID, _HEAT = DEFAULTS["run"], DEFAULTS["run"]["grid"], DEFAULTS["run"]["heat"]
#: The longest run period or repair time [h]: 100 years (hourly time stamps end in 2262).
MAX_HOURS = 876_000
#: The years a run may start in: pandas time stamps cover 1677-09-22 .. 2262-04-11, and a
#: run may last :data:`MAX_HOURS`.
START_YEARS = (1678, 2161)


def aware(v: dt.datetime, key: str, example: str) -> dt.datetime:
    """``v`` when it has a UTC offset; else a ValueError naming ``key`` and an example."""
    if v.tzinfo is None:
        msg = f"{key} needs a UTC offset, e.g. {example}"
        raise ValueError(msg)
    return v


def checked_seed(seed, key: str = "seed", error: type[InputError] = InputError):
    """``seed`` when it is None or a whole number >= 0 (a ``SeedSequence`` entropy).

    Raises
    ------
    InputError
        (or ``error``, a subclass) A negative number, a fraction, a bool or text.
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        msg = f"{key} must be a whole number >= 0 or None; got {key}={seed!r}."
        raise error(msg)
    return seed


def resolve_name(name: str, folder: Path | None) -> str:
    """A built-in name (``"ukraine"``) as given; a path (it has a separator or a suffix)
    relative to ``folder``, the folder of the file that names it (None: as given)."""
    if not ("/" in name or "\\" in name or Path(name).suffix):
        return name
    if folder is None or Path(name).is_absolute():
        return name
    return str(folder / name)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class GridConfig(_Strict):
    """Grid timeline options (:func:`gridmodel.outage.timeline.simulate_outages`)."""

    engine: Literal["fast", "pandapower"] = _GRID["engine"]
    ac: bool = _GRID["ac"]
    n_queues: int = Field(_GRID["n_queues"], ge=1)
    block_h: int = Field(_GRID["block_h"], ge=1)
    demand_step: float = Field(_GRID["demand_step"], ge=0.0)
    max_cascade_rounds: int = Field(_GRID["max_cascade_rounds"], ge=0)
    line_limits: bool = _GRID["line_limits"]


#: the grid options a strike pattern's ``[run]`` table takes (the flat form of
#: :meth:`RunConfig.flat`)
GRID_RUN_KEYS = ("n_queues", "block_h", "demand_step", "max_cascade_rounds", "line_limits")

#: The default grid options (one instance; read its fields for function defaults).
GRID = GridConfig()


class CityConfig(_Strict):
    """One city of a run of several (``[[heat.cities]]``): its heat layer, its weather
    profile (default: the run's ``weather``) and an optional replacement assumptions file."""

    layer: str
    weather: str | None = None
    assumptions: str | None = None


class HeatConfig(_Strict):
    """Heat layer (built-in name or folder) and an optional replacement assumptions file;
    or several cities (``cities``), each with its own layer and weather, on one grid run."""

    layer: str = _HEAT["layer"]
    assumptions: str | None = None
    cities: list[CityConfig] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_form(self):
        if self.cities is None:
            return self
        if {"layer", "assumptions"} & self.model_fields_set:
            msg = ("give either layer (and assumptions) or [[heat.cities]], not both: with "
                   "cities, each [[heat.cities]] names its own layer")
            raise ValueError(msg)
        names = [c.layer for c in self.cities]
        if len(set(names)) != len(names):
            msg = f"[[heat.cities]] names a layer twice: {names}; one entry per city"
            raise ValueError(msg)
        return self

    def city_list(self, weather: str) -> list[CityConfig]:
        """Every city of the run, its weather filled in (the single-layer form: one)."""
        if self.cities is None:
            return [CityConfig(layer=self.layer, weather=weather,
                               assumptions=self.assumptions)]
        return [c.model_copy(update={"weather": c.weather or weather}) for c in self.cities]


class RunConfig(_Strict):
    """What one run of the chain needs besides its strikes (``docs/scenario.md``).

    ``path`` is the file the run was read from: names with a path separator or a
    suffix are resolved against that file's folder (:meth:`resolve_name`).
    """

    network: str = _RUN["network"]
    status_date: dt.date
    weather: str = _RUN["weather"]
    start: dt.datetime
    horizon_h: int = Field(_RUN["horizon_h"], gt=0, le=MAX_HOURS)
    seed: int = Field(_RUN["seed"], ge=0)
    grid: GridConfig = GridConfig()
    heat: HeatConfig = HeatConfig()
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("status_date", "start", mode="before")
    @classmethod
    def _iso(cls, v, info):
        """ISO strings as ``load_network`` takes them: ``"2026-02-02"``,
        ``"2026-02-03T00:00+02:00"`` (a TOML file's own dates pass as they are)."""
        kind = dt.date if info.field_name == "status_date" else dt.datetime
        msg = f"{info.field_name} {v!r} is not an ISO {kind.__name__}, e.g. " + (
            "2026-02-02" if kind is dt.date else "2026-02-03T00:00:00+02:00")
        if isinstance(v, int | float):  # 20260115 is not a date (pydantic: a Unix time)
            raise ValueError(msg)
        if not isinstance(v, str):
            return v
        try:
            return kind.fromisoformat(v.strip())
        except ValueError:
            raise ValueError(msg) from None

    @field_validator("start")
    @classmethod
    def _aware(cls, v: dt.datetime) -> dt.datetime:
        v = aware(v, "start", "2026-02-03T00:00:00+02:00")
        lo, hi = START_YEARS
        if not lo <= v.year <= hi:
            msg = f"start must lie in the years {lo} to {hi} (pandas time stamps end in 2262)"
            raise ValueError(msg)
        return v

    def resolve_name(self, p: str) -> str:
        """A built-in name as given, or a path made relative to the run's file."""
        return resolve_name(p, None if self.path is None else self.path.parent)

    def resolve_layer(self, name: str) -> str:
        """A heat layer: a folder of that name beside the run's file when it holds a
        ``layer.toml`` (``layer = "mycity"``), else :meth:`resolve_name` (a built-in name
        or a path from the file)."""
        beside = self.resolve(name)
        if self.path is not None and beside is not None and (beside / "layer.toml").is_file():
            return str(beside)
        return self.resolve_name(name)

    def resolve(self, p: str | None) -> Path | None:
        """A path from the run's file, relative to the file's folder."""
        if p is None:
            return None
        q = Path(p)
        if not q.is_absolute() and self.path is not None:
            q = self.path.parent / q
        return q

    def checked_horizon(self, horizon_h) -> int | None:
        """A shorter horizon asked for this run (``--horizon-h``), checked; None: none.

        Raises
        ------
        InputError
            Not a whole number of hours from 1 to the run's own ``horizon_h``.
        """
        if horizon_h is None:
            return None
        if (isinstance(horizon_h, bool) or not isinstance(horizon_h, int)
                or not 1 <= horizon_h <= self.horizon_h):
            where = f" of {self.path}" if self.path is not None else ""
            msg = (f"horizon_h {horizon_h!r} must be a whole number of hours from 1 to the "
                   f"horizon_h {self.horizon_h}{where}; a longer run needs a longer horizon_h "
                   "in the scenario file.")
            raise InputError(msg)
        return int(horizon_h)

    def run_config(self) -> RunConfig:
        """The run itself (a study that embeds a run drops its other fields)."""
        fields = {k: getattr(self, k) for k in RunConfig.model_fields}
        return RunConfig.model_construct(**fields)

    # ------------------------------------------------------------ flat form
    def flat(self) -> dict:
        """The flat form of a strike pattern's ``[run]`` table (``heat_layer``, grid keys)."""
        g = self.grid
        return {"network": self.network, "status_date": self.status_date,
                "weather": self.weather, "start": self.start, "horizon_h": self.horizon_h,
                "heat_layer": self.heat.layer, **{k: getattr(g, k) for k in GRID_RUN_KEYS}}

    @classmethod
    def from_flat(cls, run: dict) -> RunConfig:
        """A run from the flat form (:meth:`flat`); missing keys take the defaults."""
        grid = {k: run[k] for k in GRID_RUN_KEYS if k in run}
        fields = {k: run[k] for k in ("network", "status_date", "weather", "start",
                                      "horizon_h", "seed") if k in run}
        if "heat_layer" in run:
            fields["heat"] = HeatConfig(layer=run["heat_layer"])
        return cls.model_validate({**fields, "grid": GridConfig(engine="fast", **grid)},
                                  strict=False)


# ------------------------------------------------------------------ file errors
def validate_toml(model: type[BaseModel], data: dict, text: str, path: Path,
                  error: type[InputError] = InputError) -> BaseModel:
    """Validate parsed TOML ``data`` against ``model``; errors name file, line and key.

    The schema library's document check (:func:`gridmodel._io.schema.check_document`):
    one error, one line per problem (``file:line: key: message (got value)``; an unknown
    key lists the keys allowed there).
    """
    return check_document(model, data, text, path, error)
