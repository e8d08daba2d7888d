"""Check a heat layer folder in full and list every problem (``gridmodel layer check``).

:func:`gridmodel.heat.layer.load_layer` stops at the first file that fails; this module
goes on and reports every problem of every file, each as ``file:line: what: message``,
with the same schemas (:func:`gridmodel.heat.layer.layer_schemas`, the assumptions model
:class:`gridmodel.heat.assumptions.Assumptions` and :func:`share_problems`) and two checks
that need more than the layer: every grid asset the layer names exists in the layer's
network (``layer.toml`` ``[meta] network``), and every building lies inside its
district's polygon when the layer ships polygons (``[files] district_polygons``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from gridmodel._io.schema import check_document, csv_lines, read_csv_strict, table_problems
from gridmodel._io.tomlio import read_toml
from gridmodel.errors import InputError
from gridmodel.heat.assumptions import Assumptions, share_problems
from gridmodel.heat.layer import (
    OPTIONAL_TABLES,
    TABLES,
    HeatLayerError,
    LayerFile,
    _folder,
    layer_files,
    layer_schemas,
)
from gridmodel.heat.polygons import inside, read_polygons

__all__ = ["layer_problems", "network_of"]

#: the most rows one check reports per file (the rest are counted)
MAX_ROWS = 50


def _lines_of(exc: InputError) -> list[str]:
    """The problem lines of an error (its title line dropped when it lists several)."""
    lines = str(exc).splitlines()
    return lines[1:] if len(lines) > 1 and "problem(s)" in lines[0] else lines


def _assumptions(path: Path) -> tuple[dict | None, list[str]]:
    """The parsed assumptions document and its problems."""
    try:
        a, text_ = read_toml(path, "assumptions file", HeatLayerError)
    except InputError as exc:
        return None, _lines_of(exc)
    try:
        check_document(Assumptions, a, text_, path, HeatLayerError)
    except InputError as exc:
        return a, _lines_of(exc) + share_problems(a, text_, path)
    return a, share_problems(a, text_, path)


def _tables(files: dict) -> tuple[dict, list[str]]:
    """The tables that could be read, and the problems of those that could not."""
    tables, problems = {}, []
    for key in TABLES + tuple(k for k in OPTIONAL_TABLES if k in files):
        path = files[key]
        if not path.is_file():
            problems.append(f"{path}: missing file: the layer needs its {key} table "
                            "(rebuild with networks/<city>/build_*.py, or fix [files] in "
                            "layer.toml)")
            continue
        try:
            tables[key] = read_csv_strict(path, "heat-layer file", HeatLayerError,
                                          keep_default_na=False, na_values=[""])
        except InputError as exc:
            problems.extend(_lines_of(exc))
    return tables, problems


def network_of(folder: Path, meta: dict) -> str:
    """The layer's network (``[meta] network``): a folder beside the layer or under the
    working folder, else a built-in network name."""
    name = str(meta.get("network", "ukraine"))
    for base in (folder, Path.cwd()):
        if (base / name / "network.toml").is_file():
            return str(base / name)
    return name


def _asset_problems(tables: dict, files: dict, network: str) -> list[str]:
    """Grid ids of the layer (``grid_node``, ``power_asset``) absent from ``network``."""
    from gridmodel.network.io import load_network

    try:
        known = set(load_network(network).registry["asset_id"].astype(str))
    except InputError as exc:
        return [f"{files['meta']}: [meta] network {network!r}: {exc}"]
    problems = []
    for key, col in (("districts", "grid_node"), ("sources", "power_asset"),
                     ("pumping", "grid_node"), ("buildings", "grid_node"),
                     ("standby", "grid_node")):
        df = tables.get(key)
        if df is None or col not in df.columns:
            continue
        ids = df[col].fillna("").astype(str)
        bad = ids.ne("") & ~ids.isin(known)
        lines = csv_lines(files[key])
        for i in bad[bad].index[:MAX_ROWS]:
            problems.append(f"{files[key]}:{lines[i]}: {col}: {ids[i]!r} is not a grid asset "
                            f"of network {network!r} (declare the node in the network's data "
                            "and rebuild it, or fix the id)")
        problems += _more(files[key], int(bad.sum()), "unknown grid ids")
    return problems


def _polygon_problems(buildings: pd.DataFrame, path: Path, poly_path: Path) -> list[str]:
    """Buildings whose lon/lat lies outside their district's polygon."""
    try:
        polys = read_polygons(poly_path, HeatLayerError)
    except InputError as exc:
        return _lines_of(exc)
    need = {"district", "lon", "lat"}
    if not need <= set(buildings.columns):
        return []
    lines = csv_lines(path)
    problems = []
    for district, rows in buildings.groupby("district", sort=True).groups.items():
        if str(district) not in polys:
            problems.append(f"{poly_path}: no polygon for district {district!r} "
                            "(feature property 'district')")
            continue
        sub = buildings.loc[rows]
        lon = pd.to_numeric(sub["lon"], errors="coerce")
        lat = pd.to_numeric(sub["lat"], errors="coerce")
        out = ~inside(polys[str(district)], lon, lat)
        for i in sub.index[out][:MAX_ROWS]:
            problems.append(f"{path}:{lines[i]}: lon/lat: ({lon[i]}, {lat[i]}) lies outside "
                            f"district {district!r}'s polygon in {poly_path.name}")
        problems += _more(path, int(out.sum()), f"buildings outside {district!r}")
    return problems


def _more(path: Path, n: int, what: str) -> list[str]:
    """A line counting what MAX_ROWS left out (none when nothing was)."""
    return [f"{path}: ... and {n - MAX_ROWS} more {what}"] if n > MAX_ROWS else []


def layer_problems(folder: str | os.PathLike, check_network: bool = True) -> list[str]:
    """Every problem of the heat layer in ``folder``, one line each.

    Parameters
    ----------
    folder : path or str
        The layer folder (holding ``layer.toml``), or a built-in layer's name, as
        :func:`~gridmodel.heat.layer.load_layer` takes it.
    check_network : bool
        Also load the layer's network and check every grid id the layer names.

    Returns
    -------
    list of str
        ``file:line: column or key: message``; empty when the layer is valid.
    """
    if Path(folder).is_file():
        return [f"{folder}: is a file; give the heat layer's folder (the one holding "
                "layer.toml)"]
    try:
        folder = _folder(folder)  # a folder holding layer.toml, or a built-in name
    except HeatLayerError:
        folder = Path(folder)  # its missing layer.toml is the first problem
    meta_path = folder / "layer.toml"
    if not meta_path.is_file():
        return [f"{meta_path}: missing file: a layer folder holds layer.toml "
                "(the format: docs/heat.md, Layer files)"]
    try:
        doc, text = read_toml(meta_path, "layer metadata", HeatLayerError)
    except InputError as exc:
        return _lines_of(exc)
    try:  # the schema load_layer applies (an unknown key or [files] entry is an error)
        check_document(LayerFile, doc, text, meta_path, HeatLayerError)
        meta_problems = []
    except InputError as exc:
        meta_problems = _lines_of(exc)
    files = layer_files(folder, doc) | {"meta": meta_path}
    a, problems = _assumptions(files["assumptions"])
    problems = meta_problems + problems
    tables, read_problems = _tables(files)
    problems += read_problems
    if set(TABLES) <= set(tables):
        queues = (a or {}).get("power", {}).get("queues", 1)
        schemas = layer_schemas(tables, int(queues) if isinstance(queues, int) else 1)
        for key, df in tables.items():
            problems += table_problems(df, schemas[key], files[key])
    if "district_polygons" in files and "buildings" in tables:
        problems += _polygon_problems(tables["buildings"], files["buildings"],
                                      files["district_polygons"])
    if check_network and tables:
        problems += _asset_problems(tables, files, network_of(folder, doc.get("meta", {})))
    return problems
