"""Load a network: a built-in name, a network folder, a pandapower JSON or a MATPOWER case."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from gridmodel._io.data import data_dir
from gridmodel.errors import NetworkFileError, StatusError
from gridmodel.network import status as st
from gridmodel.network.dispatch import base_operating_point
from gridmodel.network.registry import (
    build_registry_from_elements,
    geo_lon_lat,
    validate_registry,
)
from gridmodel.network.tables import net_from_folder


def builtin_networks() -> list[str]:
    """Names of the networks shipped with gridmodel."""
    root = data_dir("networks")
    return sorted(p.name for p in root.iterdir() if (p / "network.toml").is_file())


def network_folder(name: str) -> Path:
    """Folder of built-in network ``name``."""
    folder = data_dir("networks") / name
    if not (folder / "network.toml").is_file():
        msg = (
            f"unknown network {name!r}; built-in networks are {builtin_networks()}, "
            "or pass the path of a network folder, a pandapower JSON or a MATPOWER case."
        )
        raise NetworkFileError(msg)
    return folder


def load_network(name_or_path: str | Path, status_date=None):
    """Load a network as a :class:`pandapower.pandapowerNet` with a registry.

    Parameters
    ----------
    name_or_path : str or path
        A built-in network name (``"ukraine"``), a network folder of CSV tables, a
        pandapower JSON file (``.json``) or a MATPOWER case (``.m`` or ``.mat``).
    status_date : str or datetime.date, optional
        Apply the asset status in force on that date (occupied, destroyed, damaged)
        and the import cap of that date (``[[imports.by_date]]``). Only for networks
        with a status table. ``None`` gives the system as built.

    Returns
    -------
    pandapowerNet
        The network, never wrapped, with ``net.registry`` (see
        :mod:`gridmodel.network.registry`), ``net.meta``, ``net.parameters`` and, for
        built-in networks, ``net.status_active`` (the status rows in force). A network
        folder comes with the base operating point of
        :func:`gridmodel.network.dispatch.base_operating_point` (generator set-points and
        a slack per island), so ``pp.rundcpp(net)`` and ``pp.runpp(net)`` run as loaded;
        a pandapower JSON or MATPOWER case keeps its own.

    Raises
    ------
    NetworkFileError
        Missing, unreadable or malformed file, unknown network name.
    StatusError
        Bad status table, or a ``status_date`` outside the table's range.
    """
    if not isinstance(name_or_path, str | os.PathLike) or not str(name_or_path).strip():
        msg = (f"load_network needs a built-in network name (e.g. 'ukraine') or a path; got "
               f"{name_or_path!r}.")
        raise NetworkFileError(msg)
    path = Path(name_or_path)
    if path.suffix.lower() in (".json", ".m", ".mat"):
        if not path.is_file():
            msg = f"network file {path} does not exist."
            raise NetworkFileError(msg)
        net = _load_foreign(path)
        if status_date is not None:
            msg = (
                f"{path} has no status table, so status_date={status_date!r} cannot be "
                "applied; load it without status_date."
            )
            raise StatusError(msg)
        return net
    folder = path if path.is_dir() else network_folder(str(name_or_path))
    net = net_from_folder(folder)
    avail_path = folder / "availability.csv"
    factors = st.read_availability(avail_path) if avail_path.is_file() else None
    st.apply_availability(net, factors, folder)
    net["status_active"] = pd.DataFrame(columns=st.STATUS_COLUMNS)
    net["status_date"] = ""
    if status_date is not None:
        date = st.parse_date(status_date)
        status_path = folder / "status.csv"
        if not status_path.is_file():
            msg = f"{folder} has no status.csv, so status_date cannot be applied."
            raise StatusError(msg)
        table = st.read_status(status_path, set(net.registry["asset_id"]))
        rng = net.parameters.get("status", {})
        valid = (
            st.parse_date(rng.get("valid_from", "1900-01-01")),
            st.parse_date(rng.get("valid_to", "2100-01-01")),
        )
        active = st.apply_status(net, table, date, valid)
        st.apply_availability(net, factors, folder)  # the status fractions into max_p_mw
        st.apply_import_caps(net, date)  # the interconnectors' cap of that date
        net["status_active"] = active.reset_index()
        net["status_date"] = date.isoformat()
    base_operating_point(net)  # generator set-points: pandapower runs the net as loaded
    return net


#: top-level packages whose objects a pandapower JSON file may name in ``_module``
#: (pandapower's ``from_json`` imports whatever module a file names)
JSON_MODULES = ("pandapower", "pandas", "numpy", "networkx", "shapely", "geojson", "builtins")


def check_json_modules(path: Path) -> None:
    """Refuse a pandapower JSON file that names a module outside :data:`JSON_MODULES`.

    The file's text is scanned for every ``"_module": "..."`` value before pandapower
    reads it, so nothing it names is imported first.

    Raises
    ------
    NetworkFileError
        The file names other modules (listed), or cannot be read as text.
    """
    import json

    found: set[str] = set()

    def hook(pairs):
        for k, v in pairs:
            if k == "_module" and isinstance(v, str):
                found.add(v)
        return dict(pairs)

    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text, object_pairs_hook=hook)
        for inner in _embedded_json(text):
            json.loads(inner, object_pairs_hook=hook)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        msg = f"cannot read network file {path} as JSON: {exc}."
        raise NetworkFileError(msg) from None
    bad = sorted(m for m in found if m.split(".")[0] not in JSON_MODULES)
    if bad:
        msg = (f"{path} names module(s) {bad} for its objects; gridmodel reads pandapower "
               f"JSON only when every _module is in {list(JSON_MODULES)} (loading it would "
               "import them). Re-save the network with pandapower.to_json.")
        raise NetworkFileError(msg)


def _embedded_json(text: str):
    """JSON documents pandapower nests as strings (its tables are JSON inside JSON)."""
    import json
    import re

    for m in re.finditer(r'"_object"\s*:\s*("(?:[^"\\]|\\.)*")', text):
        inner = json.loads(m.group(1))
        if isinstance(inner, str) and inner.lstrip()[:1] in "{[":
            yield inner


def _load_foreign(path: Path):
    import pandapower as pp

    if path.suffix.lower() == ".json":
        check_json_modules(path)
    try:
        # pandapower's readers emit pandas deprecation warnings about its own code
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            if path.suffix.lower() == ".json":
                net = pp.from_json(str(path))
            else:
                from pandapower.converter.matpower import from_mpc

                net = from_mpc(str(path))
    except Exception as exc:  # pandapower raises many types on malformed files
        msg = (
            f"cannot read network file {path}: {type(exc).__name__}: {exc}. "
            "Check that it is a pandapower JSON (pp.to_json) or a MATPOWER case."
        )
        raise NetworkFileError(msg) from exc
    if "registry" in net and isinstance(net["registry"], pd.DataFrame) and len(net["registry"]):
        try:
            net["registry"] = validate_registry(net["registry"])
        except ValueError as exc:
            msg = f"{path}: bad registry table: {exc}"
            raise NetworkFileError(msg) from exc
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            net["registry"] = build_registry_from_elements(net)
    _ensure_columns(net)
    return net


def _ensure_columns(net) -> None:
    """Give a foreign net the columns gridmodel's engines read (ids, oblast, classes,
    ``lon``/``lat`` from ``bus.geo``, NaN where absent)."""
    reg = net.registry
    if "lon" not in net.bus or "lat" not in net.bus:
        net.bus["lon"], net.bus["lat"] = geo_lon_lat(net.bus)
    if "substation_id" not in net.bus:
        net.bus["substation_id"] = [f"sub:{i}" for i in net.bus.index]
    if "oblast" not in net.bus:
        net.bus["oblast"] = "unknown"
    for element in ("gen", "sgen"):
        tab = net[element]
        if "plant_id" not in tab:
            sub = reg[reg["element"] == element].set_index("element_index")["asset_id"]
            tab["plant_id"] = [sub.get(i, f"{element}:{i}") for i in tab.index]
        if "technology" not in tab:
            tab["technology"] = "unknown"
        if "installed_mw" not in tab:
            cap = tab["max_p_mw"] if "max_p_mw" in tab else tab["p_mw"]
            tab["installed_mw"] = cap.fillna(tab["p_mw"]).astype(float)
    if "priority_class" not in net.load:
        net.load["priority_class"] = "unknown"
    if "oblast" not in net.load:
        net.load["oblast"] = "unknown"
    if "load_id" not in net.load:
        net.load["load_id"] = [f"load:{i}" for i in net.load.index]
