"""Power balance per island: dispatch of sources and priority load shedding.

Functions over flat numpy arrays (the arithmetic in one numba-compiled loop,
:func:`balance_core`), shared by the pandapower engine and the compiled engine, so that
both shed exactly the same MW by construction.

Rule (also in ``docs/outage.md``)
---------------------------------
For every island (a connected set of live buses):

1. Sources are in-service generators (``gen``, ``sgen``, ``ext_grid``) with available
   capacity ``> 0`` after status and damage. Interconnectors (``technology ==
   "import"``) first share the national import cap in proportion to their capacity
   (:func:`allocate_import_cap`).
2. No source: the island is dark, every load in it is shed.
3. Available >= demand: every source is dispatched in proportion to its capacity so
   that generation equals demand exactly (DC: lossless).
4. Available < demand: every source runs at capacity and the deficit is shed by
   priority tier (:data:`SHED_ORDER`), the whole of a tier before the next; within the
   tier being cut, every load loses the same fraction of its demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

# step 1 lives with the base operating point the loader sets (one rule for both)
from gridmodel.network.dispatch import allocate_import_cap  # noqa: F401 - re-exported

#: shedding order: the first tier is cut first. Classes not listed (``"unknown"`` and
#: anything else) are shed together with ``"residential"``.
SHED_ORDER: tuple[str, ...] = ("industry", "residential", "heat_water", "critical")
#: tier of classes not in :data:`SHED_ORDER`
UNKNOWN_CLASS_TIER: int = SHED_ORDER.index("residential")
N_TIERS: int = len(SHED_ORDER)


def class_codes(classes) -> np.ndarray:
    """Map priority class names to shedding tiers (0 is shed first).

    Parameters
    ----------
    classes : array_like of str
        Priority classes (``critical``, ``heat_water``, ``residential``, ``industry``;
        anything else counts as residential).

    Returns
    -------
    numpy.ndarray of int64
    """
    lookup = {c: i for i, c in enumerate(SHED_ORDER)}
    return np.array([lookup.get(str(c), UNKNOWN_CLASS_TIER) for c in classes], dtype=np.int64)


@dataclass
class Balance:
    """Result of :func:`balance_islands` (arrays in MW).

    Attributes
    ----------
    dispatch_mw : numpy.ndarray
        Generation per source [MW].
    served_mw : numpy.ndarray
        Served demand per load [MW].
    shed_mw : numpy.ndarray
        Shed demand per load [MW] (``demand - served`` exactly).
    island_available_mw, island_demand_mw, island_served_mw : numpy.ndarray
        Per island [MW].
    energised : numpy.ndarray of bool
        Island has at least one source.
    """

    dispatch_mw: np.ndarray
    served_mw: np.ndarray
    shed_mw: np.ndarray
    island_available_mw: np.ndarray
    island_demand_mw: np.ndarray
    island_served_mw: np.ndarray
    energised: np.ndarray


def balance_islands(n_islands: int, src_island: np.ndarray, src_cap_mw: np.ndarray,
                    load_island: np.ndarray, load_demand_mw: np.ndarray,
                    load_tier: np.ndarray, load_connectable=None) -> Balance:
    """Balance every island: dispatch sources, shed load by priority tier.

    Parameters
    ----------
    n_islands : int
        Number of islands; islands are labelled ``0 .. n_islands - 1``.
    src_island : numpy.ndarray of int
        Island per source (``-1``: source on a dead bus, never dispatched).
    src_cap_mw : numpy.ndarray
        Available capacity per source [MW] after damage and import cap.
    load_island : numpy.ndarray of int
        Island per load (``-1``: load cut off, fully shed).
    load_demand_mw : numpy.ndarray
        Demand per load [MW].
    load_tier : numpy.ndarray of int
        Shedding tier per load (:func:`class_codes`).
    load_connectable : numpy.ndarray, optional
        Fraction of each load's demand that can be served at all (a damaged
        connection); the rest is shed whatever the island's balance. Default 1.

    Returns
    -------
    Balance

    Notes
    -----
    The arithmetic is :func:`balance_core`, which the compiled engine calls from inside
    its numba kernel: both engines run the same operations in the same order.
    """
    n = int(n_islands)
    demand = np.ascontiguousarray(load_demand_mw, dtype=np.float64)
    conn = (demand.copy() if load_connectable is None
            else demand * np.asarray(load_connectable, dtype=np.float64))
    dispatch = np.zeros(len(src_cap_mw))
    served = np.zeros(len(demand))
    avail = np.zeros(n)
    isl_demand = np.zeros(n)
    isl_served = np.zeros(n)
    energised = np.zeros(n, dtype=np.bool_)
    balance_core(n, np.ascontiguousarray(src_island, dtype=np.int64),
                 np.ascontiguousarray(src_cap_mw, dtype=np.float64),
                 np.ascontiguousarray(load_island, dtype=np.int64), demand, conn,
                 np.ascontiguousarray(load_tier, dtype=np.int64),
                 dispatch, served, avail, isl_demand, isl_served, energised)
    return Balance(
        dispatch_mw=dispatch,
        served_mw=served,
        shed_mw=demand - served,
        island_available_mw=avail,
        island_demand_mw=isl_demand,
        island_served_mw=isl_served,
        energised=energised,
    )


def balance_labels(model, state, cap_mw: np.ndarray, n_islands: int,
                   bus_island: np.ndarray) -> Balance:
    """:func:`balance_islands` of an outage state, islands given per bus.

    The step both engines' round loops take after finding islands (so they shed the
    same MW by construction).

    Parameters
    ----------
    model, state :
        :class:`~gridmodel.outage._model.Model` and
        :class:`~gridmodel.outage._model.State` (sources, loads, demand, connection).
    cap_mw : numpy.ndarray
        Capacity per source after damage and the import cap [MW].
    n_islands : int
    bus_island : numpy.ndarray of int
        Island per bus (``-1`` for dead buses).

    Returns
    -------
    Balance
    """
    load_island = np.where(state.load_alive, bus_island[model.load_bus], -1)
    return balance_islands(n_islands, bus_island[model.src_bus], cap_mw, load_island,
                           state.load_demand_mw, model.load_tier, state.load_connectable)


@njit(cache=True)
def balance_core(n, src_island, src_cap_mw, load_island, demand_mw, conn_mw, load_tier,
                  dispatch_mw, served_mw, avail_mw, isl_demand_mw, isl_served_mw, energised):
    """Balance arithmetic over flat arrays, writing into the output arrays.

    Loop form, compiled by numba; see the module docstring for the rule.
    ``conn_mw`` is the connectable demand per load (demand x connectable fraction).
    """
    n_tiers = 4  # len(SHED_ORDER)
    tier_mw = np.zeros((n, n_tiers))
    for i in range(n):
        avail_mw[i] = 0.0
        isl_demand_mw[i] = 0.0
        isl_served_mw[i] = 0.0
    for k in range(len(src_island)):
        i = src_island[k]
        if i >= 0:
            avail_mw[i] += src_cap_mw[k]
    for j in range(len(load_island)):
        i = load_island[j]
        if i >= 0:
            tier_mw[i, load_tier[j]] += conn_mw[j]
            isl_demand_mw[i] += demand_mw[j]
    keep = np.zeros((n, n_tiers))
    ratio = np.zeros(n)
    for i in range(n):
        energised[i] = avail_mw[i] > 0.0
        need = 0.0
        for c in range(n_tiers):
            need += tier_mw[i, c]
        served = min(need, avail_mw[i]) if energised[i] else 0.0
        deficit = need - served
        before = 0.0
        for c in range(n_tiers):
            tot = tier_mw[i, c]
            cut = min(max(deficit - before, 0.0), tot)
            if not energised[i] or cut >= tot:
                keep[i, c] = 0.0 if tot > 0.0 or not energised[i] else 1.0
            else:
                keep[i, c] = min(max(1.0 - cut / tot, 0.0), 1.0)
            before += tot
        ratio[i] = served / avail_mw[i] if energised[i] else 0.0
    for j in range(len(load_island)):
        i = load_island[j]
        if i >= 0:
            served_mw[j] = conn_mw[j] * keep[i, load_tier[j]]
            isl_served_mw[i] += served_mw[j]
        else:
            served_mw[j] = 0.0
    for k in range(len(src_island)):
        i = src_island[k]
        dispatch_mw[k] = src_cap_mw[k] * ratio[i] if i >= 0 else 0.0
