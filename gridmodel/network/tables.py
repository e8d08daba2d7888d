"""Build a :class:`pandapower.pandapowerNet` from a folder of plain CSV tables.

A built-in network (``networks/<name>/``) is a folder of readable, diffable CSV files,
written by the build script in ``networks/`` from public sources:

- ``substations.csv``: substation id, name, aliases, oblast, lon, lat
- ``buses.csv``: bus id, substation, vn_kv, oblast, lon, lat, abroad
- ``lines.csv``, ``trafos.csv``: branches between bus ids with electrical parameters
- ``plants.csv``: plants with technology, installed MW and the bus they feed
- ``loads.csv``: loads per oblast and priority class at their substations
- ``shunts.csv``: shunt reactors
- ``ties.csv`` (optional): normally-open 110 kV ties between city nodes, closed by the
  outage timeline when a node loses its feeds (:mod:`gridmodel.outage.ties`)
- ``interconnectors.csv``: EU import sources at the border
- ``status.csv``: asset status by date (occupied, destroyed, damaged, repaired)
- ``availability.csv``: availability factor per technology
- ``network.toml``: metadata and national parameters

Every element keeps its string id in a column (``bus_id``, ``line_id``, ...) and the
registry (``net.registry``) ties ids, names, aliases and places together.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd

from gridmodel._io.schema import check_document, read_csv_strict
from gridmodel._io.tomlio import read_toml
from gridmodel.errors import NetworkFileError
from gridmodel.network.registry import REGISTRY_COLUMNS, validate_registry
from gridmodel.network.schemas import NetworkFile, check_tables

REQUIRED = {
    "substations.csv": ["substation_id", "name", "aliases", "oblast", "lon", "lat"],
    "buses.csv": ["bus_id", "substation_id", "vn_kv", "oblast", "lon", "lat", "abroad"],
    "lines.csv": [
        "line_id",
        "name",
        "from_bus",
        "to_bus",
        "length_km",
        "r_ohm_per_km",
        "x_ohm_per_km",
        "c_nf_per_km",
        "max_i_ka",
        "parallel",
    ],
    "trafos.csv": [
        "trafo_id",
        "name",
        "substation_id",
        "hv_bus",
        "lv_bus",
        "sn_mva",
        "vn_hv_kv",
        "vn_lv_kv",
        "vk_percent",
        "vkr_percent",
        "pfe_kw",
        "i0_percent",
        "parallel",
    ],
    "plants.csv": [
        "plant_id",
        "name",
        "aliases",
        "technology",
        "installed_mw",
        "bus_id",
        "oblast",
        "lon",
        "lat",
        "dispatchable",
    ],
    "loads.csv": ["load_id", "name", "bus_id", "oblast", "priority_class", "p_mw", "q_mvar"],
    "shunts.csv": ["shunt_id", "name", "bus_id", "q_mvar"],
    "interconnectors.csv": ["interconnector_id", "name", "bus_id", "country", "share"],
    "ties.csv": ["tie_id", "name", "from_bus", "to_bus", "length_km", "r_ohm_per_km",
                 "x_ohm_per_km", "capacity_mw", "switching_h", "source"],
}

OPTIONAL = {"shunts.csv", "interconnectors.csv", "ties.csv"}



def read_table(folder: Path, fname: str) -> pd.DataFrame:
    """Read one CSV table of a network folder, checking its required columns."""
    path = folder / fname
    if not path.is_file():
        if fname in OPTIONAL:
            return pd.DataFrame(columns=REQUIRED[fname])
        msg = f"network folder {folder} lacks {fname}; a network folder needs {sorted(REQUIRED)}."
        raise NetworkFileError(msg)
    try:
        df = read_csv_strict(path, "network table", NetworkFileError, keep_default_na=False,
                             na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        msg = f"cannot read {path}: {exc}. Check that it is a UTF-8 CSV file."
        raise NetworkFileError(msg) from exc
    missing = [c for c in REQUIRED[fname] if c not in df.columns]
    if missing:
        msg = f"{path} lacks columns {missing}; required: {REQUIRED[fname]}."
        raise NetworkFileError(msg)
    return df  # types, ranges, unique ids and references: network.schemas.check_tables


def read_meta(folder: Path) -> dict:
    """Read ``network.toml`` of a network folder."""
    path = folder / "network.toml"
    if not path.is_file():
        msg = f"network folder {folder} lacks network.toml (name, description, parameters)."
        raise NetworkFileError(msg)
    meta, text = read_toml(path, "network metadata", NetworkFileError)
    check_document(NetworkFile, meta, text, path, NetworkFileError)
    return meta


def _check_refs(path: Path, df: pd.DataFrame, cols: list[str], known: set, what: str) -> None:
    for col in cols:
        bad = df.loc[~df[col].isin(known)]
        if len(bad):
            row = bad.index[0] + 2  # header is line 1
            msg = (
                f"{path}, line {row}: {col}={bad.iloc[0][col]!r} is not a known {what} "
                f"({len(bad)} row(s) like this). Fix the id or add the {what}."
            )
            raise NetworkFileError(msg)


def net_from_folder(folder: str | Path):
    """Build a pandapowerNet from a network folder (see module docstring)."""
    folder = Path(folder)
    meta = read_meta(folder)
    t = {fname: read_table(folder, fname) for fname in REQUIRED}
    check_tables(t, folder)  # every table's types, ranges and references (network.schemas)
    return net_from_tables(t, meta, folder)


def net_from_tables(t: dict[str, pd.DataFrame], meta: dict, folder: Path | None = None):
    """Build a pandapowerNet from network tables keyed by file name.

    The net carries the string ids of its elements in ``<element>_id`` columns, the
    tables' extra columns (oblast, technology, priority class, ...), the metadata in
    ``net.meta`` and the asset registry in ``net.registry``.
    """
    where = Path(folder) if folder is not None else Path("<tables>")
    _check_all_refs(t, where)
    imports = meta.get("imports", {})
    if len(t["interconnectors.csv"]) and not (
            isinstance(imports, dict) and ({"commercial_mw", "emergency_mw"} & set(imports))):
        msg = (f"{where / 'interconnectors.csv'} lists {len(t['interconnectors.csv'])} import "
               f"tie(s) but {where / 'network.toml'} gives no import cap: add [imports] with "
               "commercial_mw (and emergency_mw) [MW]; each tie carries its share of it.")
        raise NetworkFileError(msg)
    net = pp.create_empty_network(name=str(meta.get("name", "")), f_hz=50.0)
    vm_pu = float(meta.get("operation", {}).get("generator_vm_pu", 1.0))
    pos = _create_buses(net, t["buses.csv"])
    _create_lines(net, t["lines.csv"], pos)
    _create_trafos(net, t["trafos.csv"], pos)
    _create_plants(net, t["plants.csv"], pos, vm_pu)
    _create_interconnectors(net, t["interconnectors.csv"], t["buses.csv"], pos, vm_pu,
                            meta.get("imports", {}))
    _create_loads(net, t["loads.csv"], pos)
    _create_shunts(net, t["shunts.csv"], pos)
    ties = t.get("ties.csv", pd.DataFrame(columns=REQUIRED["ties.csv"]))
    _create_ties(net, ties, pos)
    net["meta"] = {k: v for k, v in meta.items() if not isinstance(v, dict)}
    net["parameters"] = {k: v for k, v in meta.items() if isinstance(v, dict)}
    net["registry"] = registry_from_tables(net, {**t, "ties.csv": ties})
    return net


def _check_all_refs(t: dict[str, pd.DataFrame], where: Path) -> None:
    """Every bus names a known substation and every element end a known bus."""
    subs, buses = t["substations.csv"], t["buses.csv"]
    _check_refs(
        where / "buses.csv", buses, ["substation_id"], set(subs["substation_id"]), "substation"
    )
    bus_ids = set(buses["bus_id"])
    _check_refs(where / "lines.csv", t["lines.csv"], ["from_bus", "to_bus"], bus_ids, "bus")
    _check_refs(where / "trafos.csv", t["trafos.csv"], ["hv_bus", "lv_bus"], bus_ids, "bus")
    for fname in ("plants.csv", "loads.csv", "shunts.csv", "interconnectors.csv"):
        _check_refs(where / fname, t[fname], ["bus_id"], bus_ids, "bus")
    if "ties.csv" in t:
        _check_refs(where / "ties.csv", t["ties.csv"], ["from_bus", "to_bus"], bus_ids, "bus")


def _create_buses(net, buses: pd.DataFrame) -> dict:
    """Buses with their ids, substation, oblast and position; returns ``bus_id -> index``."""
    bidx = pp.create_buses(
        net,
        len(buses),
        vn_kv=buses["vn_kv"].to_numpy(float),
        name=buses.get("name", buses["bus_id"]).astype(str).tolist(),
        geodata=list(zip(buses["lon"].astype(float), buses["lat"].astype(float), strict=True)),
        zone=buses["oblast"].astype(str).tolist(),
    )
    net.bus["bus_id"] = buses["bus_id"].astype(str).to_numpy()
    net.bus["substation_id"] = buses["substation_id"].astype(str).to_numpy()
    net.bus["oblast"] = buses["oblast"].astype(str).to_numpy()
    net.bus["lon"] = buses["lon"].astype(float).to_numpy()
    net.bus["lat"] = buses["lat"].astype(float).to_numpy()
    net.bus["abroad"] = buses["abroad"].astype(bool).to_numpy()
    return dict(zip(buses["bus_id"], bidx, strict=True))


def _create_lines(net, lines: pd.DataFrame, pos: dict) -> None:
    """Overhead lines from their per-km parameters, with ``line_id`` and ``std_type``."""
    if not len(lines):
        return
    pp.create_lines_from_parameters(
        net,
        lines["from_bus"].map(pos).to_numpy(),
        lines["to_bus"].map(pos).to_numpy(),
        **{c: lines[c].to_numpy(float)
           for c in ("length_km", "r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "max_i_ka")},
        parallel=lines["parallel"].to_numpy(int),
        name=lines["name"].astype(str).tolist(),
        type="ol",
    )
    net.line["line_id"] = lines["line_id"].astype(str).to_numpy()
    net.line["std_type"] = lines.get("std_type", pd.Series([None] * len(lines))).to_numpy()


def _create_trafos(net, tr: pd.DataFrame, pos: dict) -> None:
    """Two-winding transformers with ``trafo_id`` and ``substation_id``."""
    if not len(tr):
        return
    pp.create_transformers_from_parameters(
        net,
        tr["hv_bus"].map(pos).to_numpy(),
        tr["lv_bus"].map(pos).to_numpy(),
        **{c: tr[c].to_numpy(float) for c in ("sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent",
                                              "vkr_percent", "pfe_kw", "i0_percent")},
        parallel=tr["parallel"].to_numpy(int),
        name=tr["name"].astype(str).tolist(),
    )
    net.trafo["trafo_id"] = tr["trafo_id"].astype(str).to_numpy()
    net.trafo["substation_id"] = tr["substation_id"].astype(str).to_numpy()


def _create_ties(net, ties: pd.DataFrame, pos: dict) -> None:
    """Normally-open ties as out-of-service lines (``normally_open`` True, rating
    ``capacity_mw`` in the DC convention, ``switching_h``); other lines get
    ``normally_open`` False. Nothing when there are no ties."""
    if not len(ties):
        return
    n_before = len(net.line)
    vn = net.bus.loc[ties["from_bus"].map(pos).to_numpy(), "vn_kv"].to_numpy(float)
    idx = pp.create_lines_from_parameters(
        net,
        ties["from_bus"].map(pos).to_numpy(),
        ties["to_bus"].map(pos).to_numpy(),
        length_km=ties["length_km"].to_numpy(float),
        r_ohm_per_km=ties["r_ohm_per_km"].to_numpy(float),
        x_ohm_per_km=ties["x_ohm_per_km"].to_numpy(float),
        c_nf_per_km=np.zeros(len(ties)),
        max_i_ka=ties["capacity_mw"].to_numpy(float) / (np.sqrt(3.0) * vn),
        name=ties["name"].astype(str).tolist(),
        in_service=False,
        type="ol",
    )
    net.line.loc[idx, "line_id"] = ties["tie_id"].astype(str).to_numpy()
    is_tie = np.arange(len(net.line)) >= n_before
    net.line["normally_open"] = is_tie
    net.line["switching_h"] = np.concatenate([np.full(n_before, np.nan),
                                              ties["switching_h"].to_numpy(float)])


def _create_plants(net, plants: pd.DataFrame, pos: dict, vm_pu: float) -> None:
    """Dispatchable plants as ``gen`` (voltage set-point ``vm_pu``), the rest as ``sgen``."""
    disp = plants["dispatchable"].astype(bool).to_numpy()
    g = plants.loc[disp]
    if len(g):
        _create_gens(net, g, pos, vm_pu, g["installed_mw"].to_numpy(float),
                     g["technology"].astype(str).tolist())
        _extra(net.gen, g, ["plant_id", "technology", "oblast", "installed_mw"])
    s = plants.loc[~disp]
    if len(s):
        pp.create_sgens(
            net,
            s["bus_id"].map(pos).to_numpy(),
            p_mw=np.zeros(len(s)),
            max_p_mw=s["installed_mw"].to_numpy(float),
            min_p_mw=np.zeros(len(s)),
            name=s["name"].astype(str).tolist(),
            type=s["technology"].astype(str).tolist(),
        )
        _extra(net.sgen, s, ["plant_id", "technology", "oblast", "installed_mw"])


def _create_gens(net, tab: pd.DataFrame, pos: dict, vm_pu: float, max_p_mw: np.ndarray,
                 technology) -> np.ndarray:
    """Controllable ``gen`` rows at ``tab.bus_id`` (``p_mw`` 0, ``vm_pu`` set-point)."""
    return pp.create_gens(
        net,
        tab["bus_id"].map(pos).to_numpy(),
        p_mw=np.zeros(len(tab)),
        vm_pu=vm_pu,
        max_p_mw=max_p_mw,
        min_p_mw=np.zeros(len(tab)),
        name=tab["name"].astype(str).tolist(),
        type=technology,
        controllable=True,
    )


def _create_interconnectors(net, ic: pd.DataFrame, buses: pd.DataFrame, pos: dict,
                            vm_pu: float, imports: dict) -> None:
    """Import ties as ``gen`` of technology ``import``: each its ``share`` of the cap
    ``commercial_mw + emergency_mw`` (``network.toml [imports]``)."""
    if not len(ic):
        return
    cap = float(imports.get("commercial_mw", 0.0)) + float(imports.get("emergency_mw", 0.0))
    share = ic["share"].to_numpy(float)
    idx = _create_gens(net, ic, pos, vm_pu, cap * share, "import")
    net.gen.loc[idx, "plant_id"] = ic["interconnector_id"].astype(str).to_numpy()
    net.gen.loc[idx, "technology"] = "import"
    net.gen.loc[idx, "oblast"] = (
        ic["bus_id"].map(dict(zip(buses["bus_id"], buses["oblast"], strict=True))).to_numpy()
    )
    net.gen.loc[idx, "installed_mw"] = cap * share


def _create_loads(net, loads: pd.DataFrame, pos: dict) -> None:
    """Loads with ``load_id``, ``oblast`` and ``priority_class``."""
    if not len(loads):
        return
    pp.create_loads(
        net,
        loads["bus_id"].map(pos).to_numpy(),
        p_mw=loads["p_mw"].to_numpy(float),
        q_mvar=loads["q_mvar"].to_numpy(float),
        name=loads["name"].astype(str).tolist(),
    )
    _extra(net.load, loads, ["load_id", "oblast", "priority_class"])


def _create_shunts(net, sh: pd.DataFrame, pos: dict) -> None:
    """Shunt reactors (one ``create_shunts`` call) with ``shunt_id``."""
    if not len(sh):
        return
    pp.create_shunts(
        net,
        sh["bus_id"].map(pos).to_numpy(),
        q_mvar=sh["q_mvar"].to_numpy(float),
        p_mw=0.0,
        name=sh["name"].astype(str).tolist(),
    )
    net.shunt["shunt_id"] = sh["shunt_id"].astype(str).to_numpy()


def _extra(table: pd.DataFrame, src: pd.DataFrame, cols: list[str]) -> None:
    n = len(src)
    for col in cols:
        table.loc[table.index[-n:], col] = src[col].to_numpy()


def registry_from_tables(net, t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Build the registry of a network built from tables.

    Rows in this order: substations, buses, lines, transformers, plants (``gen`` then
    ``sgen``), interconnectors, loads, shunts.
    """
    bus_lookup = t["buses.csv"].set_index("bus_id")
    rows = [
        *_substation_rows(t["substations.csv"], t["buses.csv"]),
        *_bus_rows(net, t["substations.csv"]),
        *_line_rows(net.line.index[: len(t["lines.csv"])], t["lines.csv"], bus_lookup),
        *_tie_rows(net, t.get("ties.csv"), bus_lookup),
        *_trafo_rows(net, t["trafos.csv"], bus_lookup),
        *_plant_rows(net, t["plants.csv"], bus_lookup),
        *_interconnector_rows(net, t["interconnectors.csv"], bus_lookup),
        *_load_rows(net, t["loads.csv"], bus_lookup),
        *_shunt_rows(net, bus_lookup),
    ]
    reg = pd.DataFrame(rows).reindex(columns=REGISTRY_COLUMNS)
    return validate_registry(reg)


def _row(asset_id, kind: str, element: str, element_index, name, aliases, oblast, lon, lat,
         **extra) -> dict:
    """One registry row (``REGISTRY_COLUMNS``; columns not given stay empty)."""
    return dict(asset_id=asset_id, kind=kind, element=element, element_index=element_index,
                name=name, aliases=aliases, oblast=oblast, lon=lon, lat=lat, **extra)


def _substation_rows(subs: pd.DataFrame, buses: pd.DataFrame) -> list[dict]:
    """Substations, each with the highest voltage of its buses."""
    vmax = buses.groupby("substation_id")["vn_kv"].max()
    return [_row(r["substation_id"], "substation", "substation", -1, r["name"], r["aliases"],
                 r["oblast"], r["lon"], r["lat"], vn_kv=vmax.get(r["substation_id"], np.nan))
            for _, r in subs.iterrows()]


def _bus_rows(net, subs: pd.DataFrame) -> list[dict]:
    """Buses, named ``<substation name> <kV> kV``."""
    sub_name = dict(zip(subs["substation_id"], subs["name"], strict=True))
    return [_row(r["bus_id"], "bus", "bus", i,
                 f"{sub_name.get(r['substation_id'], r['bus_id'])} {r['vn_kv']:g} kV", "",
                 r["oblast"], r["lon"], r["lat"], vn_kv=r["vn_kv"],
                 substation=r["substation_id"])
            for i, r in net.bus.iterrows()]


def _line_rows(index, lines: pd.DataFrame, bus_lookup: pd.DataFrame) -> list[dict]:
    """Lines (``net.line`` rows ``index``) at the midpoint of their ends, in the from
    bus's oblast and voltage."""
    rows = []
    for i, r in zip(index, lines.itertuples(), strict=True):
        fb = bus_lookup.loc[r.from_bus]
        tb = bus_lookup.loc[r.to_bus]
        rows.append(_row(r.line_id, "line", "line", i, r.name, getattr(r, "aliases", "") or "",
                         fb["oblast"], (fb["lon"] + tb["lon"]) / 2, (fb["lat"] + tb["lat"]) / 2,
                         vn_kv=fb["vn_kv"]))
    return rows


def _tie_rows(net, ties: pd.DataFrame | None, bus_lookup: pd.DataFrame) -> list[dict]:
    """Ties (the last ``len(ties)`` lines), registered as lines at their midpoint."""
    if ties is None or not len(ties):
        return []
    return _line_rows(net.line.index[-len(ties):], ties.assign(line_id=ties["tie_id"]),
                      bus_lookup)


def _trafo_rows(net, tr: pd.DataFrame, bus_lookup: pd.DataFrame) -> list[dict]:
    """Transformers at their high-voltage bus."""
    rows = []
    for i, r in zip(net.trafo.index, tr.itertuples(), strict=True):
        hb = bus_lookup.loc[r.hv_bus]
        rows.append(_row(r.trafo_id, "transformer", "trafo", i, r.name,
                         getattr(r, "aliases", "") or "", hb["oblast"], hb["lon"], hb["lat"],
                         vn_kv=r.vn_hv_kv, substation=r.substation_id))
    return rows


def _plant_rows(net, plants: pd.DataFrame, bus_lookup: pd.DataFrame) -> list[dict]:
    """Plants (``gen``, then ``sgen`` rows) that ``plants.csv`` lists."""
    plants = plants.set_index("plant_id")
    rows = []
    for element in ("gen", "sgen"):
        for i, r in net[element].iterrows():
            pid = r["plant_id"]
            if pid in plants.index:
                p = plants.loc[pid]
                rows.append(_row(pid, "plant", element, i, p["name"], p["aliases"],
                                 p["oblast"], p["lon"], p["lat"], technology=p["technology"],
                                 substation=bus_lookup.loc[p["bus_id"], "substation_id"]))
    return rows


def _interconnector_rows(net, ic: pd.DataFrame, bus_lookup: pd.DataFrame) -> list[dict]:
    """Import ties (their ``gen`` rows), at their bus."""
    ic = ic.set_index("interconnector_id")
    gen_pid = dict(zip(net.gen["plant_id"], net.gen.index, strict=True)) if len(net.gen) else {}
    rows = []
    for iid, r in ic.iterrows():
        b = bus_lookup.loc[r["bus_id"]]
        rows.append(_row(iid, "interconnector", "gen", gen_pid[iid], r["name"],
                         r.get("aliases", "") or "", b["oblast"], b["lon"], b["lat"],
                         technology="import", substation=b["substation_id"]))
    return rows


def _load_rows(net, loads: pd.DataFrame, bus_lookup: pd.DataFrame) -> list[dict]:
    """Loads at their bus, with their priority class."""
    rows = []
    for i, r in zip(net.load.index, loads.itertuples(), strict=True):
        b = bus_lookup.loc[r.bus_id]
        rows.append(_row(r.load_id, "load", "load", i, r.name, "", r.oblast, b["lon"],
                         b["lat"], priority_class=r.priority_class,
                         substation=b["substation_id"]))
    return rows


def _shunt_rows(net, bus_lookup: pd.DataFrame) -> list[dict]:
    """Shunts at their bus."""
    rows = []
    for i, r in net.shunt.iterrows():
        b = bus_lookup.loc[net.bus.at[r["bus"], "bus_id"]]
        rows.append(_row(r["shunt_id"], "shunt", "shunt", i, r["name"], "", b["oblast"],
                         b["lon"], b["lat"], vn_kv=b["vn_kv"], substation=b["substation_id"]))
    return rows
