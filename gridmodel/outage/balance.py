"""Power balance per island: dispatch of sources and priority load shedding.

Pure numpy functions over flat arrays, shared by the pandapower engine and the compiled
engine, so that both shed exactly the same MW by construction.

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
    """
    n = int(n_islands)
    demand = np.asarray(load_demand_mw, dtype=float)
    conn = demand if load_connectable is None else demand * load_connectable
    lisl = np.asarray(load_island, dtype=np.int64)
    sisl = np.asarray(src_island, dtype=np.int64)
    cap = np.where(sisl >= 0, np.asarray(src_cap_mw, dtype=float), 0.0)
    lin = lisl >= 0
    sin = sisl >= 0
    avail = np.bincount(sisl[sin], weights=cap[sin], minlength=n)[:n]
    energised = avail > 0.0
    # connectable demand per (island, tier)
    key = lisl[lin] * N_TIERS + np.asarray(load_tier, dtype=np.int64)[lin]
    tier_mw = np.bincount(key, weights=conn[lin], minlength=n * N_TIERS).reshape(n, N_TIERS)
    need = tier_mw.sum(axis=1)
    served_isl = np.where(energised, np.minimum(need, avail), 0.0)
    deficit = need - served_isl
    before = np.cumsum(tier_mw, axis=1) - tier_mw  # demand of earlier tiers
    cut = np.clip(deficit[:, None] - before, 0.0, tier_mw)
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.where(tier_mw > 0, 1.0 - cut / tier_mw, 1.0)
    keep = np.where(cut >= tier_mw, 0.0, np.clip(keep, 0.0, 1.0))  # a fully cut tier is 0
    keep[~energised] = 0.0
    served = np.zeros(len(demand))
    served[lin] = conn[lin] * keep[lisl[lin], np.asarray(load_tier, dtype=np.int64)[lin]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(energised, served_isl / np.where(energised, avail, 1.0), 0.0)
    dispatch = np.zeros(len(cap))
    dispatch[sin] = cap[sin] * ratio[sisl[sin]]
    isl_served = np.bincount(lisl[lin], weights=served[lin], minlength=n)[:n]
    isl_demand = np.bincount(lisl[lin], weights=demand[lin], minlength=n)[:n]
    return Balance(
        dispatch_mw=dispatch,
        served_mw=served,
        shed_mw=demand - served,
        island_available_mw=avail,
        island_demand_mw=isl_demand,
        island_served_mw=isl_served,
        energised=energised,
    )
