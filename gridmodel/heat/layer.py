"""City heat layer: districts, heat sources, zones, pumping stations and a building registry.

A heat layer is a folder (built-in: ``networks/<city>/``) holding ``layer.toml`` and the
tables it names (``districts.csv``, ``heat_sources.csv``, ``zones.csv``, ``pumping.csv``,
``buildings.csv``) plus ``assumptions.toml`` (the [C] parameters of the heat rules). Another
city is added by data alone: a folder with the same files. See ``docs/heat.md``.

Ids tie the layer to the grid: a source's ``power_asset`` is a plant id (CHP: the heat
source is down when the plant asset is out) or a bus id (the node it draws power from);
pumping stations and buildings name their ``grid_node`` (a bus id).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pydantic import BaseModel, ConfigDict

from gridmodel._io.data import data_dir
from gridmodel._io.schema import (
    TimeZone,
    boolean,
    check_document,
    equals,
    lon_lat,
    nonempty,
    number,
    one_of,
    raise_problems,
    read_csv_strict,
    table_problems,
    text,
    truthy,
    unique_id,
)
from gridmodel._io.tomlio import read_toml
from gridmodel.errors import InputError
from gridmodel.heat.assumptions import Assumptions, share_problems

__all__ = ["HeatLayer", "HeatLayerError", "archetype_h_w_m2k", "load_layer", "builtin_layers"]


class HeatLayerError(InputError):
    """A heat-layer file is missing or inconsistent (names the file, row and fix)."""


#: the tables of a layer (their columns: :func:`layer_schemas`)
TABLES = ("districts", "sources", "zones", "pumping", "buildings")
#: tables a layer may leave out (``layer.toml`` ``[files]`` names them when present)
OPTIONAL_TABLES = ("standby",)
#: the columns of the standby table (rule 3a of :mod:`gridmodel.heat.availability`)
STANDBY_COLUMNS = ("standby_id", "name", "kind", "zone_id", "heat_capacity_mw", "start_delay_h",
                   "fuel", "fuel_h", "own_power", "grid_node", "power_need_mw", "backup_mw",
                   "backup_fuel_h", "lon", "lat", "source")


def empty_standby() -> pd.DataFrame:
    """A standby table with no units (a layer that ships none)."""
    return pd.DataFrame({c: pd.Series(dtype=float if c.endswith(("_mw", "_h")) else object)
                         for c in STANDBY_COLUMNS})


class _Meta(BaseModel):
    """``layer.toml`` ``[meta]``: what the layer is (``city`` and ``tz`` are read)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str | None = None
    city: str | None = None
    description: str = ""
    version: str = ""
    network: str | None = None  # the grid network whose ids the layer uses
    tz: TimeZone | None = None
    licence: str = ""


class _Files(BaseModel):
    """``layer.toml`` ``[files]``: the file of each table (default: the table's name)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    districts: str = "districts.csv"
    sources: str = "heat_sources.csv"
    zones: str = "zones.csv"
    pumping: str = "pumping.csv"
    buildings: str = "buildings.csv"
    standby: str | None = None  # standby units (optional: none when not named)
    assumptions: str = "assumptions.toml"
    district_polygons: str | None = None  # a GeoJSON of the districts' boundaries


class LayerFile(BaseModel):
    """``layer.toml``: ``[meta]``, ``[files]`` and the build script's ``[plants.*]``
    crosswalk (its own content); any other key is an error naming its line."""

    model_config = ConfigDict(extra="forbid", strict=True)
    meta: _Meta = _Meta()
    files: _Files = _Files()
    plants: dict[str, dict] = {}


def archetype_h_w_m2k(archetype: str) -> float:
    """Heat-loss coefficient H [W/(m² K) of floor area] of a thermal archetype.

    Parameters
    ----------
    archetype : str
        Key of :data:`gridmodel.thermal.ARCHETYPE_PARAMETERS`.

    Returns
    -------
    float
        ``h_w_per_m2k`` of the preset (FIELD_NOTES section 4).
    """
    from gridmodel.thermal.archetypes import archetype_parameters

    return float(archetype_parameters(archetype)["h_w_per_m2k"])


@dataclass
class HeatLayer:
    """A city heat layer (tables as loaded and validated).

    Attributes
    ----------
    name : str
        Layer name (``"kyiv"``).
    folder : Path
        Folder the layer was read from.
    meta : dict
        ``layer.toml`` ``[meta]``.
    assumptions : dict
        Parsed ``assumptions.toml`` (the [C] rule parameters).
    districts, sources, zones, pumping, buildings : pandas.DataFrame
        The tables, indexed 0..n-1 (``buildings`` in registry order).
    standby : pandas.DataFrame
        Standby units (``[files] standby``; no rows when the layer ships none).
    """

    name: str
    folder: Path
    meta: dict
    assumptions: dict
    districts: pd.DataFrame
    sources: pd.DataFrame
    zones: pd.DataFrame
    pumping: pd.DataFrame
    buildings: pd.DataFrame
    files: dict = field(default_factory=dict)
    standby: pd.DataFrame = field(default_factory=empty_standby)

    @property
    def city(self) -> str:
        """The city's display name: ``layer.toml`` ``[meta] city``, else the layer's name."""
        return self.meta.get("city") or self.name

    @property
    def grid_nodes(self) -> list[str]:
        """Every grid asset id the layer depends on (buses and plants), sorted."""
        ids = set(self.buildings["grid_node"]) | set(self.pumping["grid_node"])
        ids |= {a for a in self.standby["grid_node"] if isinstance(a, str) and a}
        ids |= {a for a in self.sources["power_asset"] if isinstance(a, str) and a}
        return sorted(ids)

    def param(self, section: str, key: str):
        """One assumption value, with an error naming the file if it is missing."""
        try:
            return self.assumptions[section][key]
        except KeyError:
            msg = (f"{self.files.get('assumptions', 'assumptions.toml')}: missing "
                   f"[{section}] {key} (the schema: a built-in layer's assumptions.toml, e.g. "
                   "networks/kyiv/assumptions.toml).")
            raise HeatLayerError(msg) from None


def builtin_layers() -> list[str]:
    """Names of the built-in heat layers (folders under ``networks/`` with a layer.toml)."""
    root = data_dir("networks")
    return sorted(p.name for p in root.iterdir() if (p / "layer.toml").is_file())


def _folder(name_or_path) -> Path:
    p = Path(name_or_path)
    if (p / "layer.toml").is_file():
        return p
    cand = data_dir("networks") / str(name_or_path)
    if (cand / "layer.toml").is_file():
        return cand
    msg = (f"unknown heat layer {str(name_or_path)!r}: built-in layers are {builtin_layers()}, "
           "or pass a folder holding layer.toml.")
    raise HeatLayerError(msg)


#: the default file of each table and of the assumptions (``[files]`` may rename them)
#: the file of each table when ``layer.toml`` ``[files]`` names none (the schema's defaults)
DEFAULT_FILES = {k: f.default for k, f in _Files.model_fields.items() if f.default is not None}


def layer_files(folder: Path, meta_all: dict) -> dict[str, Path]:
    """The path of every file of a layer: ``layer.toml`` ``[files]`` over DEFAULT_FILES.

    ``district_polygons`` (a GeoJSON of the districts' boundaries) and the optional tables
    (:data:`OPTIONAL_TABLES`) only when named.
    """
    names = {**DEFAULT_FILES, **meta_all.get("files", {})}
    return {k: Path(folder) / str(v) for k, v in names.items()}


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        msg = f"heat-layer file {path} is missing (rebuild with networks/<city>/build_*.py)."
        raise HeatLayerError(msg)
    return read_csv_strict(path, "heat-layer file", HeatLayerError, keep_default_na=False,
                           na_values=[""])


# ------------------------------------------------------------------ the tables' schemas
#: kinds of heat source (``heat_sources.csv`` ``kind``; planning adds the last two)
SOURCE_KINDS = ("chp", "boiler_aggregate", "waste_to_energy", "mobile_boiler", "modular_boiler",
                "cogeneration")
_SITE_POWER = {c: pa.Column(checks=number(ge=0)) for c in ("power_need_mw", "backup_mw",
                                                           "backup_fuel_h")}
#: kinds of standby unit (``standby.csv`` ``kind``)
STANDBY_KINDS = ("modular_boiler", "mobile_boiler", "cogeneration")
#: the longest plausible start delay of a standby unit [h] (a longer one: days typed as hours?)
MAX_START_DELAY_H = 24 * 30


#: plausible design heat load per m2 of floor area [kW/m2]: H 0.5-3 W/(m2 K) over a design
#: difference of 20-60 K; a value outside is most likely in W/m2 or MW (a unit slip)
DESIGN_KW_PER_M2 = (0.01, 0.2)
#: the largest plausible values of a few columns (a larger one is most likely a unit slip)
MAX_FLOORS = 60
MAX_FLOOR_AREA_M2 = 500_000.0
MAX_HEAT_CAPACITY_MW = 5_000.0
#: plausible heat capacity of a source over the design load of the buildings it supplies:
#: sources are sized to their zones' design load plus a reserve (Kyiv, Odesa 1.1; Kharkiv
#: up to 4.3 where a plant supplies part of its zone's demand); outside is most likely a
#: unit slip (kW or GW written as MW) [C]
CAPACITY_OVER_DESIGN_LOAD = (0.5, 20.0)


def _ref(ids: pd.Series, what: str) -> pa.Column:
    return pa.Column(checks=[text(), one_of(ids, what)])


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` of ``df``, or an empty one (its absence is the schema's to report)."""
    return df[name] if name in df.columns else pd.Series([], dtype=object)


def _per_floor_area(floor_area_m2: pd.Series) -> pa.Check:
    """Each ``design_load_kw`` over its row's ``floor_area_m2`` within DESIGN_KW_PER_M2."""
    lo, hi = DESIGN_KW_PER_M2

    def ok(s: pd.Series) -> pd.Series:
        area = pd.to_numeric(floor_area_m2.reindex(s.index), errors="coerce")
        r = pd.to_numeric(s, errors="coerce") / area
        return r.isna() | r.between(lo, hi)

    return pa.Check(ok, error=(f"must be {lo}-{hi} kW per m2 of floor_area_m2 (design load "
                               "in kW, floor area in m2: a unit slip?)"))


def _capacity_for_design_load(t: dict[str, pd.DataFrame]) -> pa.Check:
    """Each source's ``heat_capacity_mw`` within CAPACITY_OVER_DESIGN_LOAD of the summed
    ``design_load_kw`` of its buildings (a source without buildings, or buildings without
    design loads, passes)."""
    lo, hi = CAPACITY_OVER_DESIGN_LOAD
    b = t["buildings"]
    if {"source_id", "design_load_kw"} <= set(b.columns):
        load_mw = pd.to_numeric(b["design_load_kw"], errors="coerce").groupby(
            b["source_id"]).sum() / 1e3
    else:
        load_mw = pd.Series(dtype=float)
    ids = _col(t["sources"], "source_id")

    def ok(s: pd.Series) -> pd.Series:
        design = ids.reindex(s.index).map(load_mw)
        mw = pd.to_numeric(s, errors="coerce")
        r = mw.where(mw > 0) / design.where(design > 0)  # (<= 0: the range check's to say)
        return r.isna() | r.between(lo, hi)

    return pa.Check(ok, error=(f"must be {lo}-{hi} x the design load of the source's "
                               "buildings (sum of their design_load_kw / 1000): a unit slip "
                               "(kW or GW written as MW)?"))


def _node_unless_own_power(own_power: pd.Series) -> pa.Check:
    """A ``grid_node`` on every row whose unit does not make its own power."""
    def ok(s: pd.Series) -> pd.Series:
        own = truthy(own_power.reindex(s.index))
        has = s.map(lambda v: isinstance(v, str) and v.strip() != "")
        return own | has

    return pa.Check(ok, ignore_na=False, error=(
        "must name the bus the unit draws power from (own_power is false); a unit that "
        "makes its own power (cogeneration) sets own_power = true"))


def layer_schemas(t: dict[str, pd.DataFrame], n_queues: int) -> dict[str, pa.DataFrameSchema]:
    """The schema of every table of a heat layer, references resolved against ``t``.

    Parameters
    ----------
    t : dict
        The tables as read (``districts``, ``sources``, ``zones``, ``pumping``,
        ``buildings``; ``standby`` when the layer ships it).
    n_queues : int
        ``[power] queues`` of the assumptions: a building's queue is 0 .. n_queues - 1.
    """
    from gridmodel.thermal.archetypes import ARCHETYPE_PARAMETERS

    district = _ref(_col(t["districts"], "district"), "district of districts.csv")
    source = _ref(_col(t["sources"], "source_id"), "heat source of heat_sources.csv")
    zone = _ref(_col(t["zones"], "zone_id"), "zone of zones.csv")
    zsrc = pd.Series(_col(t["zones"], "source_id").to_numpy(),
                     index=_col(t["zones"], "zone_id").to_numpy())
    zsrc = zsrc[~zsrc.index.duplicated()]
    node = pa.Column(checks=text())
    return {
        "districts": pa.DataFrameSchema({
            "district": unique_id(), "grid_node": node,
            "population_2021": pa.Column(checks=number(ge=0, integer=True)),
            **lon_lat("centroid_lon", "centroid_lat")}, checks=nonempty("district")),
        "sources": pa.DataFrameSchema({
            "source_id": unique_id(), "kind": pa.Column(checks=one_of(SOURCE_KINDS, "kind")),
            "power_asset": pa.Column(nullable=True),  # none: needs no grid power
            "heat_capacity_mw": pa.Column(checks=[number(gt=0, le=MAX_HEAT_CAPACITY_MW),
                                                  _capacity_for_design_load(t)]),
            **_SITE_POWER,
            **lon_lat(nullable=True)},  # a standby source (mobile boilers) has no site
            checks=nonempty("heat source")),
        "zones": pa.DataFrameSchema({
            "zone_id": unique_id(), "source_id": source, "district": district,
            "pump_id": _ref(_col(t["pumping"], "pump_id"), "pumping station of pumping.csv")},
            checks=nonempty("zone")),
        "pumping": pa.DataFrameSchema({"pump_id": unique_id(), "zone_id": zone,
                                       "grid_node": node, **_SITE_POWER},
                                      checks=nonempty("pumping station")),
        "buildings": pa.DataFrameSchema({
            "building_id": unique_id(), "district": district, "zone_id": zone,
            "source_id": pa.Column(checks=[*source.checks, equals(
                _col(t["buildings"], "zone_id").map(zsrc),
                "its zone's source_id (zones.csv)")]),
            "archetype": pa.Column(checks=one_of(ARCHETYPE_PARAMETERS, "archetype")),
            "floors": pa.Column(checks=number(ge=1, le=MAX_FLOORS, integer=True)),
            "floor_area_m2": pa.Column(checks=number(gt=0, le=MAX_FLOOR_AREA_M2)),
            "residents": pa.Column(checks=number(ge=0, integer=True)),
            "grid_node": node,
            "queue": pa.Column(checks=number(ge=0, lt=n_queues, integer=True)),
            "design_load_kw": pa.Column(checks=[number(ge=0), _per_floor_area(
                _col(t["buildings"], "floor_area_m2"))], required=False),
            "section_id": pa.Column(checks=text(), required=False),
            **lon_lat()}, checks=nonempty("building")),
        "standby": pa.DataFrameSchema({
            "standby_id": unique_id(pa.Check(
                lambda s: ~s.astype(str).isin(set(_col(t["sources"], "source_id").astype(str))),
                error="must differ from every source_id of heat_sources.csv")),
            "name": pa.Column(checks=text()),
            "kind": pa.Column(checks=one_of(STANDBY_KINDS, "standby kind")),
            "zone_id": zone,
            "heat_capacity_mw": pa.Column(checks=number(gt=0, le=MAX_HEAT_CAPACITY_MW)),
            "start_delay_h": pa.Column(checks=number(ge=0, le=MAX_START_DELAY_H)),
            "fuel": pa.Column(checks=text()),
            # empty: fuel from a gas main, not limited in the horizon
            "fuel_h": pa.Column(checks=number(gt=0), nullable=True),
            "own_power": pa.Column(checks=boolean()),
            "grid_node": pa.Column(nullable=True, checks=_node_unless_own_power(
                _col(t.get("standby", pd.DataFrame()), "own_power"))),
            **_SITE_POWER, **lon_lat(),
            "source": pa.Column(checks=text())}, checks=nonempty("standby unit")),
    }


def validate_layer(layer: HeatLayer) -> None:
    """Check every table of ``layer`` and the references between them.

    Raises
    ------
    HeatLayerError
        One error listing every problem of every table, ``file:line: column: message``.
    """
    tables = {k: getattr(layer, k) for k in TABLES}
    if "standby" in layer.files:
        tables["standby"] = layer.standby
    schemas = layer_schemas(tables, int(layer.assumptions["power"]["queues"]))
    problems = [p for k, df in tables.items()
                for p in table_problems(df, schemas[k], layer.files[k])]
    raise_problems(problems, f"heat layer {layer.folder}: invalid tables", HeatLayerError)


def load_layer(name_or_path: str | os.PathLike, assumptions=None) -> HeatLayer:
    """Load and validate a city heat layer.

    Parameters
    ----------
    name_or_path : str or path
        Built-in layer name (:func:`builtin_layers`, e.g. ``"kyiv"``) or a folder holding
        ``layer.toml``.
    assumptions : path, optional
        Another ``assumptions.toml`` (rule parameters only; the tables are as built).

    Returns
    -------
    HeatLayer

    Raises
    ------
    HeatLayerError
        A missing or malformed file; an assumptions key missing, unknown or out of range;
        a table's missing column, repeated id, unknown district / zone / source /
        pumping station / archetype, value out of range (``layer_schemas``). One error
        lists every problem of the assumptions, or of the tables, as
        ``file:line: column: message`` (``docs/data_tables.md``).
    """
    folder = _folder(name_or_path)
    meta_all, meta_text = read_toml(folder / "layer.toml", "layer metadata", HeatLayerError)
    check_document(LayerFile, meta_all, meta_text, folder / "layer.toml", HeatLayerError)
    files = layer_files(folder, meta_all)
    if assumptions:
        files["assumptions"] = Path(assumptions)
    apath = files["assumptions"]
    a, a_text = read_toml(apath, "assumptions file", HeatLayerError)
    check_document(Assumptions, a, a_text, apath, HeatLayerError)
    raise_problems(share_problems(a, a_text, apath), f"{apath}: invalid file", HeatLayerError)
    tables = {k: _read_csv(files[k]) for k in TABLES + OPTIONAL_TABLES if k in files}
    layer = HeatLayer(name=meta_all.get("meta", {}).get("name", folder.name), folder=folder,
                      meta=meta_all.get("meta", {}), assumptions=a, files=files, **tables)
    validate_layer(layer)
    layer.sources["power_asset"] = layer.sources["power_asset"].fillna("").astype(str)
    if "standby" in tables:
        sb = layer.standby
        sb["grid_node"] = sb["grid_node"].fillna("").astype(str)
        sb["own_power"] = truthy(sb["own_power"]).astype(bool)
    return layer
