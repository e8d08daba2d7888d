"""Operating points of a loaded network: the generator set-points pandapower runs with.

:func:`base_operating_point` is the one the loader sets on every network folder: the
outage engine's proportional balance of the intact system (``docs/outage.md``, balance
steps 1 and 3: interconnectors share the import cap in force, :func:`allocate_import_cap`;
every source of an island runs at the same share of its capacity so that generation
equals the island's demand), with one slack generator per energised island, so that
``pp.rundcpp(load_network("ukraine"))`` runs as loaded and gives the engine's no-strike
flows (before the line-limit LP). :func:`proportional_dispatch` is an older, national
variant that can scale the load to balance a short system.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd


def proportional_dispatch(net, *, scale_load: bool = True) -> dict:
    """Dispatch in-service generators in proportion to ``max_p_mw`` to meet the load.

    Mutates ``net`` (call it on a copy you own): sets ``gen.p_mw``, ``sgen.p_mw``
    and one slack generator (the largest in service). When available generation is
    short of demand and ``scale_load`` is true, every in-service load is scaled by the
    same factor so that the case is balanced; the factor is returned.

    Returns
    -------
    dict
        ``demand_mw``, ``available_mw``, ``dispatch_mw``, ``load_scaling`` and
        ``slack_gen`` (pandapower gen index).
    """
    load_on = net.load["in_service"].to_numpy(bool)
    demand = float((net.load["p_mw"] * net.load["scaling"])[load_on].sum())
    cap_g = np.where(net.gen["in_service"], net.gen["max_p_mw"].fillna(0.0), 0.0)
    cap_s = np.where(net.sgen["in_service"], net.sgen["max_p_mw"].fillna(0.0), 0.0)
    available = float(cap_g.sum() + cap_s.sum())
    factor = 1.0
    if available < demand and scale_load:
        factor = available / demand if demand > 0 else 0.0
        net.load.loc[load_on, "scaling"] = net.load.loc[load_on, "scaling"] * factor
        demand = available
    share = demand / available if available > 0 else 0.0
    net.gen["p_mw"] = cap_g * share
    net.sgen["p_mw"] = cap_s * share
    net.gen["slack"] = False
    slack = int(np.argmax(cap_g)) if len(cap_g) else -1
    if slack >= 0:
        net.gen.loc[net.gen.index[slack], "slack"] = True
    return {
        "demand_mw": demand,
        "available_mw": available,
        "dispatch_mw": demand,
        "load_scaling": factor,
        "slack_gen": net.gen.index[slack] if slack >= 0 else None,
    }


def allocate_import_cap(cap_mw: np.ndarray, is_import: np.ndarray,
                        import_cap_mw: float) -> np.ndarray:
    """Share a national import cap over surviving interconnectors.

    Parameters
    ----------
    cap_mw : numpy.ndarray
        Available capacity per source [MW] (0 for sources out of service).
    is_import : numpy.ndarray of bool
        Sources that are interconnectors.
    import_cap_mw : float
        Total import cap [MW]; ``inf`` for none.

    Returns
    -------
    numpy.ndarray
        Capacity per source [MW]: interconnectors scaled by
        ``min(1, import_cap_mw / sum(interconnector capacity))``, others unchanged.
    """
    cap = np.asarray(cap_mw, dtype=float)
    total = float(cap[is_import].sum())
    if not np.isfinite(import_cap_mw) or total <= import_cap_mw:
        return cap.copy()
    out = cap.copy()
    out[is_import] *= import_cap_mw / total
    return out


def default_import_cap_mw(net) -> float:
    """Total import cap [MW] from ``net.parameters["imports"]`` or ``inf`` when absent.

    The cap is ``commercial_mw + emergency_mw`` (either may be missing, counting 0), and
    never more than the interconnectors in service can carry
    (:func:`gridmodel.network.summary.import_cap_mw`: on a status date the practical cap of
    ``[[imports.by_date]]``), so results report the cap that is in force.
    """
    from gridmodel.network.summary import import_cap_mw

    params = net.get("parameters", None) if hasattr(net, "get") else None
    if isinstance(params, dict) and isinstance(params.get("imports"), dict):
        imp = params["imports"]
        if "commercial_mw" in imp or "emergency_mw" in imp:
            cap = float(imp.get("commercial_mw", 0.0)) + float(imp.get("emergency_mw", 0.0))
            return min(cap, import_cap_mw(net)) if "technology" in net.gen else cap
    return math.inf


def base_operating_point(net) -> dict:
    """Set ``gen``/``sgen`` ``p_mw`` and the ``gen`` slack flags to the intact balance.

    Mutates ``net``. Islands are the connected in-service buses (switches respected);
    sources are in-service ``gen`` and ``sgen`` rows with ``max_p_mw > 0``, the
    interconnectors (``technology == "import"``) scaled to the import cap in force
    (:func:`default_import_cap_mw`). An island with capacity at least its demand runs every
    source at ``demand / capacity``; a short island runs every source at capacity, and
    pandapower's slack takes the deficit that the outage engine sheds. The largest
    in-service generator of every island with capacity (and no ``ext_grid``) is its slack.
    Loads are not changed: they are the demand the model reads.

    Returns
    -------
    dict
        ``demand_mw``, ``dispatch_mw`` (totals) and ``short_mw`` (demand the short islands
        cannot meet, 0 when every island is balanced).
    """
    island = _bus_islands(net)
    src = _sources(net, island)
    cap = allocate_import_cap(src["cap"].to_numpy(float), src["imp"].to_numpy(bool),
                              default_import_cap_mw(net))
    load_on = net.load["in_service"].to_numpy(bool)
    demand = np.clip(net.load["p_mw"].to_numpy(float) * net.load["scaling"].to_numpy(float),
                     0.0, None) * load_on
    load_isl = net.load["bus"].map(island).fillna(-1).to_numpy(np.int64)
    n_isl = int(island.max()) + 1 if len(island) else 0
    isl_demand = np.bincount(load_isl[load_isl >= 0], demand[load_isl >= 0], minlength=n_isl)
    isl_cap = np.bincount(src["island"], cap, minlength=n_isl)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(isl_cap > 0, np.minimum(1.0, isl_demand / isl_cap), 0.0)
    dispatch = cap * share[src["island"].to_numpy()]
    for table in ("gen", "sgen"):
        net[table]["p_mw"] = 0.0
        rows = src["table"].to_numpy() == table
        net[table].loc[src.loc[rows, "index"].to_numpy(), "p_mw"] = dispatch[rows]
    _set_slacks(net, src, cap, island)
    return {"demand_mw": float(isl_demand.sum()), "dispatch_mw": float(dispatch.sum()),
            "short_mw": float(np.clip(isl_demand - isl_cap, 0.0, None)[isl_cap > 0].sum())}


def _bus_islands(net) -> pd.Series:
    """Island number per in-service bus (connected in-service buses and branches)."""
    from gridmodel.network.graph import graph

    g = graph(net)
    live = set(net.bus.index[net.bus["in_service"].astype(bool)])
    comps = nx.connected_components(g.subgraph(n for n in g.nodes if n in live))
    return pd.Series({int(b): k for k, comp in enumerate(sorted(comps, key=min))
                      for b in comp}, dtype=np.int64)


def _sources(net, island: pd.Series) -> pd.DataFrame:
    """In-service gen and sgen rows on live buses with capacity > 0 [MW]."""
    parts = []
    for table in ("gen", "sgen"):
        t = net[table]
        if not len(t):
            continue
        cap = pd.to_numeric(t["max_p_mw"], errors="coerce").fillna(t["p_mw"]).clip(lower=0.0)
        tech = t["technology"].astype(str) if "technology" in t else pd.Series("", t.index)
        parts.append(pd.DataFrame({
            "table": table, "index": t.index, "cap": cap.to_numpy(float),
            "imp": (tech == "import").to_numpy(), "island": t["bus"].map(island).to_numpy(),
            "on": t["in_service"].astype(bool).to_numpy()}))
    src = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["table", "index", "cap", "imp", "island", "on"])
    src = src[src["on"] & src["island"].notna() & (src["cap"] > 0)].reset_index(drop=True)
    src["island"] = src["island"].astype(np.int64)
    return src


def _set_slacks(net, src: pd.DataFrame, cap: np.ndarray, island: pd.Series) -> None:
    """One slack: the largest generator (after the import cap) of every island that has
    capacity and no in-service ext_grid."""
    net.gen["slack"] = False
    eg = net.ext_grid[net.ext_grid["in_service"].astype(bool)]
    held = set(eg["bus"].map(island).dropna().astype(int))
    gens = src.assign(cap_mw=cap)[src["table"] == "gen"]
    for isl, rows in gens.groupby("island"):
        if int(isl) not in held:
            net.gen.loc[rows.loc[rows["cap_mw"].idxmax(), "index"], "slack"] = True

