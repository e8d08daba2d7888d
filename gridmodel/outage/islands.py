"""Islands: connected sets of live buses joined by live branches.

Two implementations that must agree (a test checks it):

- :func:`island_labels`: ``scipy.sparse.csgraph.connected_components`` over arrays,
  used in the hot path of both engines;
- :func:`islands_nx`: networkx over :func:`gridmodel.network.graph` of a pandapower
  net, for users and for the pandapower engine's cross-check.

Labels are canonical: islands are numbered in the order of their lowest bus position,
and dead buses (out of service) get label ``-1``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def energised_buses(labels: np.ndarray, energised: np.ndarray) -> np.ndarray:
    """Positions of ``labels`` (island per bus or branch end, ``-1`` dead) that lie in an
    island ``energised`` (bool per island) marks; all False when no island is left (every
    bus struck: ``energised`` is empty)."""
    if not len(energised):
        return np.zeros(len(labels), dtype=bool)
    return (labels >= 0) & energised[np.maximum(labels, 0)]


def island_labels(n_bus: int, br_from: np.ndarray, br_to: np.ndarray, br_alive: np.ndarray,
                  bus_alive: np.ndarray) -> tuple[int, np.ndarray]:
    """Label the islands of a bus-branch graph.

    Parameters
    ----------
    n_bus : int
        Number of buses (positions ``0 .. n_bus - 1``).
    br_from, br_to : numpy.ndarray of int
        Bus positions of each branch's ends.
    br_alive : numpy.ndarray of bool
        Branches in service (a branch with a dead end must be False).
    bus_alive : numpy.ndarray of bool
        Buses in service.

    Returns
    -------
    n_islands : int
    labels : numpy.ndarray of int64
        Island per bus, ``-1`` for dead buses; islands numbered by lowest bus position.
    """
    f = br_from[br_alive]
    t = br_to[br_alive]
    adj = coo_matrix((np.ones(len(f)), (f, t)), shape=(n_bus, n_bus)).tocsr()
    _, raw = connected_components(adj, directed=False)
    return canonical_labels(raw, bus_alive)


def canonical_labels(raw: np.ndarray, bus_alive: np.ndarray) -> tuple[int, np.ndarray]:
    """Renumber component labels by first live bus; dead buses get ``-1``."""
    raw = np.asarray(raw, dtype=np.int64)
    labels = np.full(len(raw), -1, dtype=np.int64)
    alive = np.flatnonzero(bus_alive)
    if not len(alive):
        return 0, labels
    _, first, inv = np.unique(raw[alive], return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # rank of each component by its first bus
    labels[alive] = order[inv]
    return len(first), labels


def islands_nx(net) -> list[set[int]]:
    """Islands of a pandapower net (in-service buses and branches) via networkx.

    Parameters
    ----------
    net : pandapowerNet

    Returns
    -------
    list of set of int
        pandapower bus indices of each island, ordered by their lowest bus position.
    """
    from gridmodel.network.graph import graph

    g = graph(net, respect_switches=True, include_out_of_service=False)
    live = set(net.bus.index[net.bus["in_service"].to_numpy(bool)].tolist())
    g = g.subgraph([b for b in g.nodes if b in live])
    pos = {int(b): i for i, b in enumerate(net.bus.index)}
    comps = [set(int(b) for b in c) for c in nx.connected_components(g)]
    missing = live - set().union(*comps) if comps else live
    comps += [{int(b)} for b in missing]
    return sorted(comps, key=lambda c: min(pos[b] for b in c))


def labels_from_sets(islands: list[set[int]], bus_index: np.ndarray) -> np.ndarray:
    """Label per bus position from island bus sets (``-1`` for buses in no island)."""
    pos = {int(b): i for i, b in enumerate(bus_index)}
    labels = np.full(len(bus_index), -1, dtype=np.int64)
    for k, isl in enumerate(islands):
        labels[[pos[b] for b in isl]] = k
    return labels
