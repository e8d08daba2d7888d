"""Test and benchmark helpers: pandapower cases with a registry, random strike lists.

Not part of the public API; used by ``tests/test_fast_engine.py`` and
``benchmarks/bench_outage.py``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from gridmodel.network.registry import build_registry_from_elements

#: registry kinds a random strike draws from
STRIKE_KINDS = ("substation", "line", "transformer", "plant")
CLASSES = ("industry", "residential", "heat_water", "critical")


def pandapower_case(name: str = "case118", seed: int = 0, tighten: float | None = 1.3,
                    min_rating_mw: float = 30.0):
    """A ``pandapower.networks`` case with a registry and the columns the engine reads.

    Parameters
    ----------
    name : str
        ``"case118"``, ``"case300"``, ... (a function of :mod:`pandapower.networks`).
    seed : int
        Seed for the random priority classes and oblasts of the loads.
    tighten : float or None
        When set, line and transformer ratings become ``tighten`` x the intact DC flow
        (at least ``min_rating_mw``) so that strikes cause overload cascades. Lines get
        a new ``max_i_ka``; transformers a derating factor ``df`` (their impedance, which
        depends on ``sn_mva``, is unchanged).
    min_rating_mw : float
        Floor of the tightened ratings [MW].

    Returns
    -------
    pandapowerNet
    """
    import pandapower.networks as pn

    net = getattr(pn, name)()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        net["registry"] = build_registry_from_elements(net)
    rng = np.random.default_rng(seed)
    net.bus["substation_id"] = [f"sub:{i}" for i in net.bus.index]
    net.bus["oblast"] = [f"region-{i % 5}" for i in range(len(net.bus))]
    net.load["load_id"] = [f"load:{i}" for i in net.load.index]
    net.load["priority_class"] = rng.choice(CLASSES, size=len(net.load))
    net.load["oblast"] = net.bus.loc[net.load["bus"], "oblast"].to_numpy()
    for tab in ("gen", "sgen"):
        net[tab]["plant_id"] = [f"{tab}:{i}" for i in net[tab].index]
        net[tab]["technology"] = "unknown"
    net["parameters"] = {}
    if tighten:
        from gridmodel.outage.fast import compile_network, evaluate

        comp = compile_network(net)
        ev = evaluate(comp, {}, max_cascade_rounds=0, solver="splu")
        flow = np.abs(ev.p_from_mw)
        target = np.maximum(tighten * flow, min_rating_mw)
        n_line = len(net.line)
        vn = net.bus.loc[net.line["from_bus"], "vn_kv"].to_numpy(float)
        net.line["max_i_ka"] = target[:n_line] / (math.sqrt(3.0) * vn * net.line["parallel"]
                                                 * net.line["df"])
        sn = net.trafo["sn_mva"].to_numpy(float) * net.trafo["parallel"].to_numpy(float)
        net.trafo["df"] = np.clip(target[n_line:] / sn, 1e-6, 1.0)
    return net


def random_strikes(net, n_scenarios: int, rng: np.random.Generator, max_targets: int = 10,
                   damage_share: float = 0.0) -> list[dict[str, float]]:
    """Draw strike lists: 1 to ``max_targets`` assets each, uniform over strikeable kinds.

    Parameters
    ----------
    net : pandapowerNet
        Network with a registry.
    n_scenarios : int
    rng : numpy.random.Generator
    max_targets : int
    damage_share : float
        Share of targets that are damaged (fraction drawn from U(0.2, 0.9)) rather than
        removed.

    Returns
    -------
    list of dict
        ``{asset_id: remaining_fraction}`` per scenario.
    """
    reg = net.registry
    ids = reg.loc[reg["kind"].isin(STRIKE_KINDS), "asset_id"].to_numpy()
    out = []
    for _ in range(n_scenarios):
        k = int(rng.integers(1, max_targets + 1))
        picks = rng.choice(ids, size=min(k, len(ids)), replace=False)
        scen = {}
        for a in picks:
            scen[str(a)] = float(rng.uniform(0.2, 0.9)) if rng.random() < damage_share else 0.0
        out.append(scen)
    return out
