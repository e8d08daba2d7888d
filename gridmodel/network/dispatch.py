"""A simple base-case dispatch: every source in proportion to its available capacity.

Used to give a loaded network a balanced operating point for power-flow checks and
plots. The outage engine does its own per-island balancing and shedding.
"""

from __future__ import annotations

import numpy as np


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
