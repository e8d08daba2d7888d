"""Array view of a network shared by both outage engines, and outage application.

:func:`build_model` reads a :class:`pandapower.pandapowerNet` once into plain numpy
arrays (buses, branches, sources, loads, asset -> element maps). :func:`apply_outages`
turns a ``{asset_id: remaining_fraction}`` mapping into the per-element state of one
scenario. The pandapower engine and the compiled engine start from the same state, so
they agree on what a strike removes or damages by construction.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gridmodel.errors import InputError, UnknownAssetError
from gridmodel.network.dispatch import default_import_cap_mw
from gridmodel.network.registry import suggest
from gridmodel.outage._kernel import finish_state_nb
from gridmodel.outage.balance import class_codes

#: pandapower tables that feed power into the grid and can be dispatched by the balance
SOURCE_TABLES = ("gen", "sgen", "ext_grid")


@dataclass
class Model:
    """Plain-array description of a network (positions, not pandapower indices).

    Attributes are documented inline; every ``*_mw`` array is in MW.
    """

    bus_index: np.ndarray  # pandapower bus index per bus position
    bus_in_service: np.ndarray  # bool
    bus_substation: np.ndarray  # object, substation id per bus ("" when unknown)
    bus_name: np.ndarray  # object, bus id (registry id, bus_id column or "bus:<index>")
    # branches: lines first, then transformers
    br_element: np.ndarray  # object, "line" or "trafo"
    br_index: np.ndarray  # pandapower index in its table
    br_asset: np.ndarray  # object, asset id
    br_from: np.ndarray  # bus position (line from_bus, trafo hv_bus)
    br_to: np.ndarray  # bus position (line to_bus, trafo lv_bus)
    br_in_service: np.ndarray  # bool
    br_rating_mw: np.ndarray  # DC rating [MW], see docs/outage.md
    br_normally_open: np.ndarray  # bool, a tie closed only by an outage entry (outage.ties)
    # sources: gen, sgen, ext_grid rows
    src_element: np.ndarray  # object
    src_index: np.ndarray
    src_asset: np.ndarray  # object
    src_bus: np.ndarray  # bus position
    src_cap_mw: np.ndarray  # available capacity [MW] (max_p_mw, clipped at 0)
    src_is_import: np.ndarray  # bool, technology == "import"
    src_technology: np.ndarray  # object, technology ("" when unknown)
    src_in_service: np.ndarray  # bool
    # loads
    load_index: np.ndarray
    load_id: np.ndarray  # object
    load_bus: np.ndarray
    load_demand_mw: np.ndarray  # p_mw x scaling, clipped at 0 [MW]
    load_class: np.ndarray  # object, priority class as given
    load_tier: np.ndarray  # int, shedding tier (balance.SHED_ORDER)
    load_oblast: np.ndarray  # object
    load_in_service: np.ndarray  # bool
    # shunts
    shunt_index: np.ndarray
    shunt_bus: np.ndarray
    shunt_in_service: np.ndarray
    # registry view: asset id -> (kind, element, element_index)
    assets: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    registry: pd.DataFrame | None = None
    import_cap_mw: float = math.inf
    # derived maps (element -> position)
    bus_pos: dict[int, int] = field(default_factory=dict)
    br_pos: dict[tuple[str, int], int] = field(default_factory=dict)
    src_pos: dict[tuple[str, int], int] = field(default_factory=dict)
    load_pos: dict[int, int] = field(default_factory=dict)
    load_pos_by_id: dict[str, int] = field(default_factory=dict)
    shunt_pos: dict[int, int] = field(default_factory=dict)
    sub_buses: dict[str, np.ndarray] = field(default_factory=dict)
    sub_trafos: dict[str, list[int]] = field(default_factory=dict)
    # per-model precomputation for apply_outages (filled on first use)
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_bus(self) -> int:
        """Number of buses."""
        return len(self.bus_index)

    @property
    def n_branch(self) -> int:
        """Number of branches (lines and transformers)."""
        return len(self.br_index)


def _str_col(table: pd.DataFrame, name: str, default: str) -> np.ndarray:
    if name in table.columns:
        return table[name].fillna(default).astype(str).to_numpy(dtype=object)
    return np.full(len(table), default, dtype=object)


def _float_col(table: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name in table.columns:
        return pd.to_numeric(table[name], errors="coerce").fillna(default).to_numpy(float)
    return np.full(len(table), default, dtype=float)


def build_model(net) -> Model:
    """Read ``net`` into a :class:`Model` (no pandapower call, ``net`` unchanged).

    Parameters
    ----------
    net : pandapowerNet
        Network with ``net.registry``.

    Returns
    -------
    Model
    """
    if "registry" not in net or not isinstance(net["registry"], pd.DataFrame):
        msg = "network has no registry table; load it with gridmodel.load_network()."
        raise InputError(msg)
    _check_supported(net)
    reg = net["registry"]
    bus, load = net.bus, net.load
    bus_pos = {int(b): i for i, b in enumerate(bus.index)}
    assets, reg_by_elem = _asset_maps(reg)
    ids = functools.partial(_element_ids, reg_by_elem)
    src = _source_frame(net, bus_pos, ids)
    classes = _str_col(load, "priority_class", "unknown")
    model = Model(
        bus_index=bus.index.to_numpy(np.int64),
        bus_in_service=bus["in_service"].to_numpy(bool),
        bus_substation=_bus_substations(bus, reg),
        bus_name=ids("bus", bus, "bus_id"),
        **_branch_arrays(net, bus_pos, ids),
        src_element=src["element"].to_numpy(dtype=object),
        src_index=src["index"].to_numpy(np.int64),
        src_asset=src["asset"].to_numpy(dtype=object),
        src_bus=src["bus"].to_numpy(np.int64),
        src_cap_mw=src["cap"].to_numpy(float),
        src_is_import=src["imp"].to_numpy(bool),
        src_technology=src["tech"].astype(str).to_numpy(dtype=object),
        src_in_service=src["ins"].to_numpy(bool),
        load_index=load.index.to_numpy(np.int64),
        load_id=ids("load", load, "load_id"),
        load_bus=np.array([bus_pos[int(b)] for b in load["bus"]], dtype=np.int64),
        load_demand_mw=np.clip(load["p_mw"].to_numpy(float) * _float_col(load, "scaling", 1.0),
                               0.0, None),
        load_class=classes,
        load_tier=class_codes(classes),
        load_oblast=_str_col(load, "oblast", "unknown"),
        load_in_service=load["in_service"].to_numpy(bool),
        shunt_index=net.shunt.index.to_numpy(np.int64),
        shunt_bus=np.array([bus_pos[int(b)] for b in net.shunt["bus"]], dtype=np.int64),
        shunt_in_service=net.shunt["in_service"].to_numpy(bool),
        assets=assets,
        registry=reg,
        import_cap_mw=default_import_cap_mw(net),
        bus_pos=bus_pos,
    )
    _position_maps(model, net.trafo, len(net.line))
    _apply_switches(net, model)
    return model


def _bus_substations(bus: pd.DataFrame, reg: pd.DataFrame) -> np.ndarray:
    """Substation id per bus: ``bus.substation_id``, else the registry's bus rows, else
    pandapower's one substation per bus (``sub:<index>``)."""
    if "substation_id" in bus.columns:
        return _str_col(bus, "substation_id", "")
    by_idx = {int(i): str(sb) for i, sb, k in zip(reg["element_index"], reg["substation"],
                                                   reg["kind"], strict=True)
              if k == "bus" and sb}
    return np.array([by_idx.get(int(i), f"sub:{i}") for i in bus.index], dtype=object)


def _asset_maps(reg: pd.DataFrame) -> tuple[dict[str, tuple[str, str, int]],
                                            dict[tuple[str, int], str]]:
    """``asset_id -> (kind, element, element_index)`` and ``(element, index) -> asset_id``
    (the first registry row of an element; substations have no element row)."""
    reg_by_elem: dict[tuple[str, int], str] = {}
    assets: dict[str, tuple[str, str, int]] = {}
    for aid, kind, element, eidx in zip(reg["asset_id"], reg["kind"], reg["element"],
                                        reg["element_index"], strict=True):
        assets[str(aid)] = (str(kind), str(element), int(eidx))
        if element != "substation":
            reg_by_elem.setdefault((str(element), int(eidx)), str(aid))
    return assets, reg_by_elem


def _element_ids(reg_by_elem: dict[tuple[str, int], str], element: str, table: pd.DataFrame,
                 col: str | None) -> np.ndarray:
    """Asset id of every row of ``table``: the registry's, else the row's own ``col``
    (a non-empty string), else ``"<element>:<index>"``."""
    out = []
    own = table[col].to_numpy() if col and col in table.columns else None
    for k, idx in enumerate(table.index):
        aid = reg_by_elem.get((element, int(idx)))
        if aid is None and own is not None and isinstance(own[k], str) and own[k]:
            aid = own[k]
        out.append(aid if aid is not None else f"{element}:{idx}")
    return np.array(out, dtype=object)


def _branch_arrays(net, bus_pos: dict[int, int], ids) -> dict[str, np.ndarray]:
    """The ``br_*`` fields of :class:`Model`: lines, then transformers.

    DC rating [MW]: ``sqrt(3) vn_kv(from bus) max_i_ka parallel df`` for a line,
    ``sn_mva parallel df`` for a transformer.
    """
    bus, lines, trafos = net.bus, net.line, net.trafo
    vn_from = bus["vn_kv"].to_numpy(float)[
        np.array([bus_pos[int(b)] for b in lines["from_bus"]], dtype=np.int64)
    ] if len(lines) else np.zeros(0)
    line_rating = (math.sqrt(3.0) * vn_from * lines["max_i_ka"].to_numpy(float)
                   * _float_col(lines, "parallel", 1.0) * _float_col(lines, "df", 1.0))
    trafo_rating = (trafos["sn_mva"].to_numpy(float) * _float_col(trafos, "parallel", 1.0)
                    * _float_col(trafos, "df", 1.0))
    fb = np.concatenate([lines["from_bus"].to_numpy(), trafos["hv_bus"].to_numpy()])
    tb = np.concatenate([lines["to_bus"].to_numpy(), trafos["lv_bus"].to_numpy()])
    return {
        "br_element": np.array(["line"] * len(lines) + ["trafo"] * len(trafos), dtype=object),
        "br_index": np.concatenate([lines.index.to_numpy(np.int64),
                                    trafos.index.to_numpy(np.int64)]),
        "br_asset": np.concatenate([ids("line", lines, "line_id"),
                                    ids("trafo", trafos, "trafo_id")]),
        "br_from": np.array([bus_pos[int(b)] for b in fb], dtype=np.int64),
        "br_to": np.array([bus_pos[int(b)] for b in tb], dtype=np.int64),
        "br_in_service": np.concatenate([lines["in_service"].to_numpy(bool),
                                         trafos["in_service"].to_numpy(bool)]),
        "br_rating_mw": np.concatenate([line_rating, trafo_rating]).astype(float),
        "br_normally_open": np.concatenate([_bool_col(lines, "normally_open"),
                                            np.zeros(len(trafos), dtype=bool)]),
    }


def _bool_col(table: pd.DataFrame, name: str) -> np.ndarray:
    """A boolean column, False where absent or missing."""
    if name not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return table[name].fillna(False).astype(bool).to_numpy()


def _source_frame(net, bus_pos: dict[int, int], ids) -> pd.DataFrame:
    """One row per ``gen``, ``sgen`` and ``ext_grid`` row: ``element, index, asset, bus,
    cap, imp, tech, ins`` (capacity [MW] clipped at 0)."""
    src_parts = []
    for element in SOURCE_TABLES:
        tab = net[element] if element in net else None
        if tab is None or not len(tab):
            continue
        if element == "ext_grid":
            # ext_grid has no p_mw: a missing max_p_mw means "unlimited" in pandapower;
            # use the total demand of the network, which never binds.
            total = float(np.clip(net.load["p_mw"].to_numpy(float)
                                  * _float_col(net.load, "scaling", 1.0), 0, None).sum())
            cap = _float_col(tab, "max_p_mw", np.nan)
            cap = np.where(np.isnan(cap), total, cap)
        else:
            cap = _float_col(tab, "max_p_mw", np.nan)
            cap = np.where(np.isnan(cap), tab["p_mw"].to_numpy(float), cap)
        tech = _str_col(tab, "technology", "")
        src_parts.append(pd.DataFrame({
            "element": element,
            "index": tab.index.to_numpy(np.int64),
            "asset": ids(element, tab, "plant_id"),
            "bus": [bus_pos[int(b)] for b in tab["bus"]],
            "cap": np.clip(cap.astype(float), 0.0, None),
            "imp": (tech == "import") if element != "ext_grid" else np.zeros(len(tab), bool),
            "tech": tech,
            "ins": tab["in_service"].to_numpy(bool),
        }))
    return (pd.concat(src_parts, ignore_index=True) if src_parts else pd.DataFrame(
        {"element": [], "index": [], "asset": [], "bus": [], "cap": [], "imp": [], "ins": [],
         "tech": []}))


def _position_maps(model: Model, trafos: pd.DataFrame, n_line: int) -> None:
    """Fill the element -> position lookups that :func:`apply_outages` uses."""
    model.br_pos = {(e, int(i)): k for k, (e, i) in enumerate(zip(model.br_element,
                                                                   model.br_index,
                                                                   strict=True))}
    model.src_pos = {(e, int(i)): k for k, (e, i) in enumerate(zip(model.src_element,
                                                                    model.src_index,
                                                                    strict=True))}
    model.load_pos = {int(i): k for k, i in enumerate(model.load_index)}
    model.load_pos_by_id = {str(lid): k for k, lid in enumerate(model.load_id)}
    model.shunt_pos = {int(i): k for k, i in enumerate(model.shunt_index)}
    sub_buses: dict[str, list[int]] = {}
    for k, s in enumerate(model.bus_substation):
        sub_buses.setdefault(s, []).append(k)
    model.sub_buses = {s: np.array(v, dtype=np.int64) for s, v in sub_buses.items()}
    for k, s in enumerate(_str_col(trafos, "substation_id", "")):
        if s:
            model.sub_trafos.setdefault(s, []).append(n_line + k)


def _check_supported(net) -> None:
    """Refuse elements the engines do not model, naming them and the way out."""
    for element in ("trafo3w", "dcline", "impedance", "tcsc", "ssc", "vsc"):
        if element in net and len(net[element]) and net[element]["in_service"].any():
            msg = (f"network has in-service {element} elements, which the outage engine "
                   f"does not model; replace them (e.g. trafo3w by two-winding "
                   "transformers) or take them out of service.")
            raise InputError(msg)
    for element in ("storage", "ward", "xward", "motor"):
        if element in net and len(net[element]) and net[element]["in_service"].any():
            msg = (f"network has in-service {element} elements, whose power the outage "
                   "balance does not dispatch; model them as gen/sgen/load or take them "
                   "out of service.")
            raise InputError(msg)
    sw = net["switch"] if "switch" in net else None
    if sw is not None and len(sw):
        fuse = sw[(sw["et"] == "b") & sw["closed"].astype(bool)]
        if len(fuse):
            msg = (f"network has {len(fuse)} closed bus-bus switches (e.g. switch "
                   f"{fuse.index[0]}), which fuse buses; the outage engine needs one bus "
                   "per node: merge the buses or open the switches.")
            raise InputError(msg)


def _apply_switches(net, model: Model) -> None:
    """Open line/transformer switches take their branch out of service (as pandapower)."""
    sw = net["switch"] if "switch" in net else None
    if sw is None or not len(sw):
        return
    for et, element in (("l", "line"), ("t", "trafo")):
        open_ = sw[(sw["et"] == et) & ~sw["closed"].astype(bool)]
        for idx in open_["element"]:
            k = model.br_pos.get((element, int(idx)))
            if k is not None:
                model.br_in_service[k] = False


@dataclass
class State:
    """Per-element state of one scenario after the outages (positions into a Model)."""

    bus_alive: np.ndarray  # bool
    br_alive: np.ndarray  # bool, in service and both ends alive
    br_removed: np.ndarray  # bool, removed by the outages (not by status)
    br_rating_mw: np.ndarray  # rating after damage [MW] (nominal for removed branches)
    br_fraction: np.ndarray  # remaining rating fraction (1 when intact)
    src_cap_mw: np.ndarray  # capacity after damage, 0 when out [MW]
    load_demand_mw: np.ndarray  # demand [MW] (all loads, also those cut off)
    load_connectable: np.ndarray  # fraction of demand that can be served (0..1)
    load_alive: np.ndarray  # bool, in service and at an alive bus
    removed: list[str]  # asset ids removed (fraction 0), in input order
    import_cap_mw: float
    shunt_in: np.ndarray | None = None  # bool, shunts in service
    damaged: dict = field(default_factory=dict)  # asset id -> remaining fraction (0 < f < 1)


def _base_arrays(model: Model) -> dict:
    """Arrays and per-asset actions that :func:`apply_outages` reuses on every call."""
    base = model.cache.get("apply")
    if base is None:
        base = {
            "ones_br": np.ones(model.n_branch),
            "src_frac0": np.where(model.src_in_service, 1.0, 0.0),
            "load_frac0": np.where(model.load_in_service, 1.0, 0.0),
            # loads out of service before the strike (or at buses already out, e.g.
            # occupied territory) are not part of the system's demand
            "load_counts": model.load_in_service & model.bus_in_service[model.load_bus],
            "actions": {},
        }
        model.cache["apply"] = base
    return base


def _asset_action(model: Model, aid: str) -> tuple:
    """What an outage of ``aid`` acts on: ``(code, positions, transformer positions)``."""
    kind, element, eidx = model.assets[aid]
    if kind == "substation" or element in ("substation", "bus"):
        buses = (model.sub_buses.get(aid, np.zeros(0, np.int64))
                 if element == "substation" else np.array([model.bus_pos[eidx]]))
        trs = list(model.sub_trafos.get(aid, [])) if element == "substation" else []
        if not trs:  # no substation_id on trafos: those touching its buses
            trs = np.flatnonzero((model.br_element == "trafo")
                                 & (np.isin(model.br_from, buses)
                                    | np.isin(model.br_to, buses)))
        return ("buses", np.asarray(buses, dtype=np.int64), np.asarray(trs, dtype=np.int64))
    if element in ("line", "trafo"):
        return ("branch", model.br_pos[(element, eidx)], None)
    if element in SOURCE_TABLES:
        return ("source", model.src_pos[(element, eidx)], None)
    if element == "load":
        return ("load", model.load_pos[eidx], None)
    if element == "shunt":
        return ("shunt", model.shunt_pos[eidx], None)
    return ("unsupported", element, None)


def check_outages(model: Model, outages: Mapping[str, float] | None) -> dict[str, float]:
    """Validate an outage mapping: known ids, fractions in [0, 1].

    Raises
    ------
    UnknownAssetError
        Every unknown id, with the closest registry names.
    InputError
        A fraction that is not a number in [0, 1], naming the asset.
    """
    if outages is None:
        return {}
    if type(outages) is not dict and not isinstance(outages, Mapping):
        msg = (f"outages must be a mapping {{asset_id: remaining_fraction}}; got "
               f"{type(outages).__name__}.")
        raise InputError(msg)
    assets = model.assets
    unknown = [a for a in outages if a not in assets]
    if unknown:
        raise UnknownAssetError(
            {a: suggest(model.registry, str(a)) for a in unknown},
            fix=("An outage step takes asset ids (the part in brackets above, e.g. "
                 "'sub:kyivska-750'); names and aliases are resolved by strike lists or "
                 "gridmodel.network.registry.resolve(net, names)."))
    out: dict[str, float] = {}
    for aid, frac in outages.items():
        if type(frac) is float:
            f = frac
        elif isinstance(frac, bool | np.bool_):  # True is not "intact": say what is meant
            f = math.nan
        else:
            try:
                f = float(frac)
            except (TypeError, ValueError):
                f = math.nan
        if not 0.0 <= f <= 1.0:  # also catches NaN
            msg = (f"outage fraction of {aid!r} is {frac!r}; it must be the remaining "
                   "fraction in [0, 1] (0 = removed, 1 = intact).")
            raise InputError(msg)
        out[str(aid)] = f
    return out


def apply_outages(model: Model, outages: Mapping[str, float] | None,
                  demand_mw: pd.Series | None = None,
                  import_cap_mw: float | None = None) -> State:
    """Return the state of ``model`` after ``outages`` (the model is not changed).

    Parameters
    ----------
    model : Model
    outages : mapping of str to float, optional
        ``{asset_id: remaining_fraction}``; 0 removes the asset, ``0 < f < 1`` damages it
        (plants and interconnectors keep ``f`` of their capacity, lines and transformers
        ``f`` of their rating, a substation's or bus's transformers ``f`` of their rating,
        a load ``f`` of its connection: the rest is shed). Shunts only switch off. A
        normally-open tie (``net.line.normally_open``, :mod:`gridmodel.outage.ties`) is
        open unless listed: ``f > 0`` closes it with ``f`` of its capacity.
    demand_mw : pandas.Series, optional
        Demand per load [MW] indexed by ``load_id``; loads not in it keep
        ``p_mw x scaling``.
    import_cap_mw : float, optional
        Total import cap [MW]; default ``model.import_cap_mw``.
    """
    outs = check_outages(model, outages)
    base = _base_arrays(model)
    bus_alive, br_in, br_frac, src_frac, load_frac, shunt_in, removed = _element_fractions(
        model, base, outs)
    demand = model.load_demand_mw
    if demand_mw is not None:
        demand = _demand_override(model, demand_mw)
    cap = model.import_cap_mw if import_cap_mw is None else float(import_cap_mw)
    if not cap >= 0:
        msg = f"import_cap_mw must be >= 0 (or None for the network default); got {cap!r}."
        raise InputError(msg)
    # loads out of service before the strike (or at buses already out, e.g. occupied
    # territory) are not part of the system's demand (load_counts)
    br_alive, br_removed, br_rating, src_cap, load_alive, demand, conn = finish_state_nb(
        bus_alive, br_in, model.br_from, model.br_to, model.br_in_service, br_frac,
        model.br_rating_mw, model.src_cap_mw, src_frac, model.src_bus, load_frac,
        model.load_bus, model.load_in_service, base["load_counts"], demand)
    state = State(
        bus_alive=bus_alive,
        br_alive=br_alive,
        br_removed=br_removed,
        br_rating_mw=br_rating,
        br_fraction=br_frac,
        src_cap_mw=src_cap,
        load_demand_mw=demand,
        load_connectable=conn,
        load_alive=load_alive,
        removed=removed,
        damaged={a: f for a, f in outs.items() if 0.0 < f < 1.0},
        import_cap_mw=cap,
        shunt_in=shunt_in,
    )
    return state


def _element_fractions(model: Model, base: dict, outs: dict[str, float]) -> tuple:
    """What the checked outages ``outs`` leave of each element (:func:`apply_outages`).

    The outages are gathered per element kind and applied at once: a fraction is the
    least of those acting on an element (``np.minimum.at``, exact whatever the order).

    Returns
    -------
    (bus_alive, br_in, br_frac, src_frac, load_frac, shunt_in, removed)
        Buses and branches still in, the remaining fraction of each branch rating,
        source capacity and load connection, shunts still in, and the asset ids removed
        (fraction 0) in input order.
    """
    removed: list[str] = []
    dead: dict[str, list] = {"buses": [], "branch": [], "shunt": []}  # positions removed
    # per element kind: positions (a list of arrays) and the fraction that acts on each
    cut: dict[str, tuple[list, list]] = {k: ([], []) for k in ("branch", "source", "load")}
    closed: list[int] = []
    actions = base["actions"]
    for aid, f in outs.items():
        act = actions.get(aid)
        if act is None:
            act = actions[aid] = _asset_action(model, aid)
        code, pos, trs = act
        if f == 0.0:
            removed.append(aid)
        if code == "buses":
            if f == 0.0:
                dead["buses"].append(pos)
            else:  # a damaged substation keeps f of its transformers' rating
                cut["branch"][0].append(trs)
                cut["branch"][1].append(f)
        elif code in cut:
            if code == "branch" and f == 0.0:
                dead["branch"].append([pos])
            elif code == "branch" and model.br_normally_open[pos]:
                closed.append(pos)  # a tie listed with f > 0 is closed
            cut[code][0].append([pos])
            cut[code][1].append(f)
        elif code == "shunt":
            if f == 0.0:
                dead["shunt"].append([pos])
        else:
            msg = f"asset {aid!r} has element {pos!r}, which outages cannot act on."
            raise InputError(msg)
    br_in = _without(model.br_in_service, dead["branch"])
    br_in[closed] = True  # (a closed tie is never one removed: one asset per branch)
    br_frac, src_frac, load_frac = (_least(base[k0], *cut[k]) for k0, k in (
        ("ones_br", "branch"), ("src_frac0", "source"), ("load_frac0", "load")))
    return (_without(model.bus_in_service, dead["buses"]), br_in, br_frac, src_frac,
            load_frac, _without(model.shunt_in_service, dead["shunt"]), removed)


def _without(alive: np.ndarray, parts: list) -> np.ndarray:
    """A copy of ``alive`` with the positions in ``parts`` (a list of arrays) False."""
    out = alive.copy()
    if parts:
        out[np.concatenate(parts).astype(np.int64)] = False
    return out


def _least(frac0: np.ndarray, pos: list, values: list) -> np.ndarray:
    """A copy of ``frac0`` lowered to the least fraction acting at each position:
    ``values[i]`` acts at the positions ``pos[i]``."""
    out = frac0.copy()
    if pos:
        np.minimum.at(out, np.concatenate(pos).astype(np.int64),
                      np.repeat(np.asarray(values, dtype=float), [len(p) for p in pos]))
    return out


def load_positions(model: Model, load_ids) -> np.ndarray:
    """Positions in ``model``'s load arrays of ``load_ids`` (``net.load.load_id`` values).

    Raises
    ------
    InputError
        Ids that name no load.
    """
    ids = model.cache.get("load_id_index")
    if ids is None:
        ids = model.cache["load_id_index"] = pd.Index(
            sorted(model.load_pos_by_id, key=model.load_pos_by_id.get))
    load_ids = pd.Index(load_ids)
    idx = ids.get_indexer(load_ids)
    if (idx < 0).any():
        unknown = list(load_ids[idx < 0])
        msg = (f"demand_mw names loads that do not exist: {unknown[:10]}; index it by "
               "net.load.load_id.")
        raise InputError(msg)
    return idx


def check_demand_mw(values: np.ndarray, load_ids) -> None:
    """Raise :class:`InputError` naming loads whose demand is negative, NaN or infinite.

    ``values`` is (n,) or (steps, n) [MW], ``load_ids`` the n loads of its last axis; the
    message names the loads of the first step with a bad value.
    """
    bad = ~(values >= 0) | ~np.isfinite(values)
    if bad.any():
        rows, bad_rows = np.atleast_2d(values), np.atleast_2d(bad)
        k = int(np.flatnonzero(bad_rows.any(axis=1))[0])
        cols = np.flatnonzero(bad_rows[k])
        pairs = list(zip(np.asarray(load_ids)[cols].tolist(), rows[k, cols].tolist(),
                         strict=True))
        msg = f"demand_mw must be finite and >= 0 [MW]; got {pairs[:5]}."
        raise InputError(msg)


def state_with_demand(model: Model, state: State, demand_mw: np.ndarray) -> State:
    """``state`` with demand ``demand_mw`` (all loads, model order) [MW].

    The same result as :func:`apply_outages` with that demand: loads out of service
    before the strikes keep zero demand; nothing else depends on demand.
    """
    counts = _base_arrays(model)["load_counts"]
    return dataclasses.replace(state, load_demand_mw=np.where(counts, demand_mw, 0.0))


def _demand_override(model: Model, demand_mw: pd.Series) -> np.ndarray:
    if not isinstance(demand_mw, pd.Series):
        msg = f"demand_mw must be a pandas Series indexed by load_id; got {type(demand_mw)}."
        raise InputError(msg)
    idx = load_positions(model, demand_mw.index)
    values = pd.to_numeric(demand_mw, errors="coerce").to_numpy(float)
    check_demand_mw(values, demand_mw.index)
    demand = model.load_demand_mw.copy()
    demand[idx] = values
    return demand
