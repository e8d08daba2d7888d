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

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.data import data_dir
from gridmodel._io.tomlio import read_toml
from gridmodel.errors import InputError

__all__ = ["HeatLayer", "HeatLayerError", "archetype_h_w_m2k", "load_layer", "builtin_layers"]


class HeatLayerError(InputError):
    """A heat-layer file is missing or inconsistent (names the file, row and fix)."""


REQUIRED = {
    "districts": ["district", "population_2021", "centroid_lon", "centroid_lat", "grid_node"],
    "sources": ["source_id", "kind", "power_asset", "heat_capacity_mw", "power_need_mw",
                "backup_mw", "backup_fuel_h", "lon", "lat"],
    "zones": ["zone_id", "source_id", "district", "pump_id"],
    "pumping": ["pump_id", "zone_id", "grid_node", "power_need_mw", "backup_mw",
                "backup_fuel_h"],
    "buildings": ["building_id", "district", "zone_id", "source_id", "archetype", "floors",
                  "floor_area_m2", "residents", "grid_node", "queue", "lon", "lat"],
}


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

    @property
    def grid_nodes(self) -> list[str]:
        """Every grid asset id the layer depends on (buses and plants), sorted."""
        ids = set(self.buildings["grid_node"]) | set(self.pumping["grid_node"])
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


def _read_csv(path: Path, required: list[str]) -> pd.DataFrame:
    if not path.is_file():
        msg = f"heat-layer file {path} is missing (rebuild with networks/<city>/build_*.py)."
        raise HeatLayerError(msg)
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in required if c not in df.columns]
    if missing:
        msg = f"{path}: missing column(s) {missing}; expected at least {required}."
        raise HeatLayerError(msg)
    return df


def _bad_rows(path: Path, df: pd.DataFrame, mask, what: str, fix: str, col: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        rows = np.flatnonzero(mask)
        shown = ", ".join(f"line {r + 2} ({col}={df[col].iloc[r]!r})" for r in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        msg = f"{path}: {len(rows)} row(s) {what}: {shown}{more}. {fix}"
        raise HeatLayerError(msg)


def _unknown(path: Path, df: pd.DataFrame, col: str, known, what: str) -> None:
    known = set(known)
    vals = df[col].astype(str)
    bad = ~vals.isin(known)
    if bad.any():
        first = vals[bad].iloc[0]
        close = difflib.get_close_matches(first, sorted(known), n=3)
        _bad_rows(path, df, bad, f"name an unknown {what}",
                  f"Known {what}s: {sorted(known)[:12]}{' ...' if len(known) > 12 else ''}"
                  + (f"; did you mean {close}?" if close else ""), col)


def validate_layer(layer: HeatLayer) -> None:
    """Check ids and values across the tables; raise :class:`HeatLayerError` at the first."""
    from gridmodel.thermal.archetypes import ARCHETYPE_PARAMETERS

    f = layer.files
    b = layer.buildings
    for name in ("districts", "sources", "zones", "pumping", "buildings"):
        df = getattr(layer, name)
        key = REQUIRED[name][0]
        _bad_rows(f[name], df, df[key].duplicated(keep="first"), f"repeat the id {key}",
                  "Ids must be unique.", key)
    _unknown(f["buildings"], b, "district", layer.districts["district"], "district")
    _unknown(f["zones"], layer.zones, "district", layer.districts["district"], "district")
    arch = b["archetype"].astype(str)
    _bad_rows(f["buildings"], b, b["archetype"].isna() | (arch.str.strip() == ""),
              "have no archetype", f"Give one of {sorted(ARCHETYPE_PARAMETERS)}.", "building_id")
    _unknown(f["buildings"], b, "archetype", ARCHETYPE_PARAMETERS, "archetype")
    _unknown(f["buildings"], b, "zone_id", layer.zones["zone_id"], "zone")
    _unknown(f["zones"], layer.zones, "source_id", layer.sources["source_id"], "source")
    _unknown(f["zones"], layer.zones, "pump_id", layer.pumping["pump_id"], "pumping station")
    _unknown(f["pumping"], layer.pumping, "zone_id", layer.zones["zone_id"], "zone")
    zsrc = layer.zones.set_index("zone_id")["source_id"]
    _bad_rows(f["buildings"], b, b["source_id"].to_numpy() != zsrc.loc[b["zone_id"]].to_numpy(),
              "have a source_id other than their zone's", "Fix source_id or zone_id.",
              "building_id")
    for col in ("floors", "floor_area_m2"):
        _bad_rows(f["buildings"], b, ~(pd.to_numeric(b[col], errors="coerce") > 0),
                  f"have a non-positive or missing {col}", f"{col} must be > 0.", "building_id")
    _bad_rows(f["buildings"], b, ~(pd.to_numeric(b["residents"], errors="coerce") >= 0),
              "have a negative or missing residents count", "residents must be >= 0.",
              "building_id")
    for name in ("sources", "pumping"):
        df = getattr(layer, name)
        for col in ("power_need_mw", "backup_mw", "backup_fuel_h"):
            _bad_rows(f[name], df, ~(pd.to_numeric(df[col], errors="coerce") >= 0),
                      f"have a negative or missing {col}", f"{col} must be >= 0.",
                      REQUIRED[name][0])


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
        Missing file or column, unknown district / zone / source / archetype, duplicate ids,
        non-positive areas (message names the file, line and fix).
    """
    folder = _folder(name_or_path)
    meta_all, _ = read_toml(folder / "layer.toml", "layer metadata", HeatLayerError)
    names = meta_all.get("files", {})
    files = {k: folder / names.get(k, f"{k}.csv") for k in REQUIRED}
    files["sources"] = folder / names.get("sources", "heat_sources.csv")
    apath = Path(assumptions) if assumptions else folder / names.get("assumptions",
                                                                    "assumptions.toml")
    files["assumptions"] = apath
    a, _ = read_toml(apath, "assumptions file", HeatLayerError)
    tables = {k: _read_csv(files[k], REQUIRED[k]) for k in REQUIRED}
    layer = HeatLayer(name=meta_all.get("meta", {}).get("name", folder.name), folder=folder,
                      meta=meta_all.get("meta", {}), assumptions=a, files=files, **tables)
    layer.sources["power_asset"] = layer.sources["power_asset"].fillna("").astype(str)
    validate_layer(layer)
    return layer
