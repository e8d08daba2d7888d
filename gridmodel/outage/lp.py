"""Transmission-constrained balance: redispatch and priority shedding under DC line limits.

The proportional balance (:mod:`gridmodel.outage.balance`) ignores line limits: every
island shares its deficit evenly, and a region behind congested ties shares the national
average. Where that answer loads a live branch above its **continuous rating**, the
operator redispatches and sheds so that every branch is within its rating: this module
solves that as one linear programme per island where a limit binds
(``scipy.optimize.linprog(method="highs")``), shared by both engines.

The rule (also ``docs/outage.md``)
----------------------------------
Per island where a branch exceeds its continuous rating (``loading > 1``, with the
margin :data:`~gridmodel.outage.cascade.TRIP_RTOL`) after the overload cascade settled:

- variables: output ``g_k`` of each source in ``[0, cap_k]``; served demand ``s_j`` of each
  live load in ``[0, connectable_j]``; bus angles ``theta`` (one reference bus at 0);
- DC flows ``p_b = baseMVA (b_b (theta_f - theta_t) - b_b shift_b)`` (pandapower's DC
  model, :mod:`gridmodel.outage.fast`) within ``[-rating_b, rating_b]`` on every live branch;
  generation minus served load equals the net branch outflow at every bus;
- minimise ``sum_j w_j (connectable_j - s_j) + eps (sum_k |g_k - g0_k| + sum_j |s_j - s0_j|)``
  with :data:`PRIORITY_WEIGHT` ``w`` per class (critical > heat_water > residential >
  industry) and ``g0, s0`` the proportional answer: priority-weighted unserved load
  first, then the smallest change from the proportional schedule, which makes the
  answer unique and leaves the proportional one unchanged wherever it is feasible.

Islands without a binding limit keep the proportional answer, bit for bit. An LP that
HiGHS cannot solve (e.g. a phase shifter forcing a flow above a rating at zero
injection) keeps the proportional answer and leaves the overload to the cascade rule.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, hstack, identity, vstack

from gridmodel.outage.balance import SHED_ORDER, Balance
from gridmodel.outage.cascade import TRIP_RTOL

#: cost of one MW unserved per shedding tier of :data:`~gridmodel.outage.balance.SHED_ORDER`
#: (industry, residential, heat_water, critical). [C] FIELD_NOTES 11: industry limits (GOP)
#: come before household schedules (GPV); critical infrastructure is exempt. Ratio 10 per
#: tier: one MW of a higher tier is kept at the cost of up to 10 MW of the tier below.
PRIORITY_WEIGHT: dict[str, float] = {"industry": 1.0, "residential": 10.0,
                                     "heat_water": 100.0, "critical": 1000.0}
#: weights in tier order (the codes of :func:`~gridmodel.outage.balance.class_codes`)
TIER_WEIGHT: np.ndarray = np.array([PRIORITY_WEIGHT[c] for c in SHED_ORDER])
#: cost of one MW of change from the proportional schedule (generation or served load);
#: far below the smallest weight, so it only picks among equally good answers
REDISPATCH_COST: float = 1e-4


@dataclass
class DCBranches:
    """DC data of the branches, as the fast engine compiles them.

    Attributes
    ----------
    b_pu : numpy.ndarray
        Series susceptance ``1 / (x tap)`` per branch [pu on ``base_mva``].
    shift_rad : numpy.ndarray
        Phase shift per branch [rad].
    base_mva : float
    """

    b_pu: np.ndarray
    shift_rad: np.ndarray
    base_mva: float


@dataclass
class IslandLP:
    """One island's constrained balance: arrays over the island's elements.

    Attributes
    ----------
    dispatch_mw, served_mw : numpy.ndarray
        Output per source and served demand per load of the island [MW].
    objective : float
        ``sum w (connectable - served) + REDISPATCH_COST x change`` [weighted MW].
    unserved_mw : float
        Connectable demand not served [MW].
    """

    dispatch_mw: np.ndarray
    served_mw: np.ndarray
    objective: float
    unserved_mw: float


def limit_binds(loading: np.ndarray) -> bool:
    """A branch above its continuous rating (``loading`` is 0 on branches not in use)."""
    return bool((np.asarray(loading) > 1.0 + TRIP_RTOL).any())


def binding_islands(loading: np.ndarray, on: np.ndarray, br_island: np.ndarray) -> np.ndarray:
    """Islands with a branch in use above its continuous rating (``loading > 1``)."""
    over = np.asarray(on, dtype=bool) & (np.asarray(loading) > 1.0 + TRIP_RTOL)
    return np.unique(br_island[over])


def solve_island(bus, br_from, br_to, b_pu, shift_rad, base_mva, rating_mw, src_bus, cap_mw,
                 g0_mw, load_bus, conn_mw, s0_mw, weight) -> IslandLP | None:
    """The LP of one island (module docstring); None when HiGHS finds no optimum.

    Parameters
    ----------
    bus : numpy.ndarray of int
        Bus positions of the island; the first is the angle reference.
    br_from, br_to, b_pu, shift_rad, rating_mw : numpy.ndarray
        The island's branches in use: end buses (positions), susceptance [pu], phase
        shift [rad], continuous rating [MW].
    base_mva : float
    src_bus, cap_mw, g0_mw : numpy.ndarray
        Sources: bus, capacity and proportional dispatch [MW].
    load_bus, conn_mw, s0_mw, weight : numpy.ndarray
        Loads: bus, connectable demand, proportional served demand [MW] and cost per
        MW unserved.

    Returns
    -------
    IslandLP or None
    """
    n_b, n_g, n_l = len(bus), len(src_bus), len(load_bus)
    a_eq, b_eq, a_ub, pfinj_mw = _island_matrices(bus, br_from, br_to, b_pu, shift_rad,
                                                  base_mva, src_bus, load_bus)
    b_ub = np.concatenate([rating_mw - pfinj_mw, rating_mw + pfinj_mw, g0_mw, -g0_mw,
                           s0_mw, -s0_mw])
    cost = np.concatenate([np.zeros(n_g), -weight, np.full(n_g + n_l, REDISPATCH_COST),
                           np.zeros(n_b)])
    bounds = ([(0.0, c) for c in cap_mw] + [(0.0, c) for c in conn_mw]
              + [(0.0, None)] * (n_g + n_l) + [(0.0, 0.0)] + [(None, None)] * (n_b - 1))
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds,
                  method="highs")
    if res.status != 0:
        return None
    g = np.clip(res.x[:n_g], 0.0, cap_mw)
    s = np.clip(res.x[n_g:n_g + n_l], 0.0, conn_mw)
    _balance_exactly(g, s, cap_mw)
    unserved = conn_mw - s
    change = np.abs(g - g0_mw).sum() + np.abs(s - s0_mw).sum()
    return IslandLP(dispatch_mw=g, served_mw=s,
                    objective=float(weight @ unserved + REDISPATCH_COST * change),
                    unserved_mw=float(unserved.sum()))


#: structural LP matrices by island content (bounded; content-addressed, so never stale)
_MATRICES: OrderedDict = OrderedDict()
_MATRICES_MAX = 256


def _island_matrices(bus, br_from, br_to, b_pu, shift_rad, base_mva, src_bus, load_bus):
    """``(A_eq, b_eq, A_ub, pfinj_mw)`` of an island's LP: they depend only on its buses,
    branches and element positions, not on demand, ratings or the proportional answer, so
    the demand rows of one asset state share them (cached by content)."""
    arrays = (bus, br_from, br_to, b_pu, shift_rad, src_bus, load_bus)
    key = (float(base_mva), *(np.ascontiguousarray(a).tobytes() for a in arrays),
           *(len(a) for a in arrays))
    hit = _MATRICES.get(key)
    if hit is not None:
        _MATRICES.move_to_end(key)
        return hit
    pos = np.full(int(bus.max()) + 1, -1, dtype=np.int64)
    pos[bus] = np.arange(len(bus))
    n_b, n_br, n_g, n_l = len(bus), len(br_from), len(src_bus), len(load_bus)
    f, t = pos[br_from], pos[br_to]
    rows = np.arange(n_br)
    # flow per branch = base b (theta_f - theta_t) + base pfinj
    flow = coo_matrix((np.concatenate([base_mva * b_pu, -base_mva * b_pu]),
                       (np.concatenate([rows, rows]), np.concatenate([f, t]))),
                      shape=(n_br, n_b)).tocsr()
    pfinj_mw = -base_mva * b_pu * shift_rad
    inc = coo_matrix((np.concatenate([np.ones(n_br), -np.ones(n_br)]),
                      (np.concatenate([f, t]), np.concatenate([rows, rows]))),
                     shape=(n_b, n_br)).tocsr()  # bus x branch, +1 at from, -1 at to
    gen_at = coo_matrix((np.ones(n_g), (pos[src_bus], np.arange(n_g))), shape=(n_b, n_g))
    load_at = coo_matrix((np.ones(n_l), (pos[load_bus], np.arange(n_l))), shape=(n_b, n_l))
    # x = [g, s, dg, ds, theta]
    z_bg, z_bl = coo_matrix((n_b, n_g)), coo_matrix((n_b, n_l))
    a_eq = hstack([gen_at, -load_at, z_bg, z_bl, -(inc @ flow)]).tocsr()
    b_eq = inc @ pfinj_mw
    z_fg, z_fl = coo_matrix((n_br, n_g)), coo_matrix((n_br, n_l))
    i_g, i_l = identity(n_g), identity(n_l)
    z_gl, z_lg = coo_matrix((n_g, n_l)), coo_matrix((n_l, n_g))
    z_gb, z_lb = coo_matrix((n_g, n_b)), coo_matrix((n_l, n_b))
    a_ub = vstack([
        hstack([z_fg, z_fl, z_fg, z_fl, flow]),
        hstack([z_fg, z_fl, z_fg, z_fl, -flow]),
        hstack([i_g, z_gl, -i_g, z_gl, z_gb]),  # g - dg <= g0
        hstack([-i_g, z_gl, -i_g, z_gl, z_gb]),  # -g - dg <= -g0
        hstack([z_lg, i_l, z_lg, -i_l, z_lb]),
        hstack([z_lg, -i_l, z_lg, -i_l, z_lb]),
    ]).tocsr()
    out = (a_eq, b_eq, a_ub, pfinj_mw)
    _MATRICES[key] = out
    if len(_MATRICES) > _MATRICES_MAX:
        _MATRICES.popitem(last=False)
    return out


def _balance_exactly(g: np.ndarray, s: np.ndarray, cap_mw: np.ndarray) -> None:
    """Make generation equal served load exactly (the solver's tolerance is ~1e-7 MW):
    the mismatch goes to the source with the most headroom (or output), in place."""
    gap = float(s.sum() - g.sum())
    if gap == 0.0 or not len(g):
        return
    k = int(np.argmax(cap_mw - g)) if gap > 0 else int(np.argmax(g))
    g[k] = min(max(g[k] + gap, 0.0), cap_mw[k])


def constrained_balance(model, state, cap_mw: np.ndarray, labels: np.ndarray, bal: Balance,
                        dc: DCBranches, on: np.ndarray, loading: np.ndarray) -> Balance | None:
    """The balance with line limits: the LP in every island where a limit binds.

    Parameters
    ----------
    model, state :
        :class:`~gridmodel.outage._model.Model` and :class:`~gridmodel.outage._model.State`.
    cap_mw : numpy.ndarray
        Capacity per source after the import cap [MW].
    labels : numpy.ndarray of int
        Island per bus.
    bal : Balance
        The proportional balance on these islands.
    dc : DCBranches
    on : numpy.ndarray of bool
        Branches in use (live, in energised islands).
    loading : numpy.ndarray
        Loading of every branch under ``bal`` (fraction of the continuous rating).

    Returns
    -------
    Balance or None
        None when no limit binds (or no LP could be solved): keep ``bal``.
    """
    br_island = labels[model.br_from]
    islands = binding_islands(loading, on, br_island)
    if not len(islands):
        return None
    dispatch, served = bal.dispatch_mw.copy(), bal.served_mw.copy()
    conn = state.load_demand_mw * state.load_connectable
    src_isl = labels[model.src_bus]
    load_isl = np.where(state.load_alive, labels[model.load_bus], -1)
    changed = False
    for isl in islands:
        ks = np.flatnonzero((src_isl == isl) & (cap_mw > 0))
        js = np.flatnonzero(load_isl == isl)
        bs = np.flatnonzero(on & (br_island == isl))
        lp = solve_island(np.flatnonzero(labels == isl), model.br_from[bs], model.br_to[bs],
                          dc.b_pu[bs], dc.shift_rad[bs], dc.base_mva, state.br_rating_mw[bs],
                          model.src_bus[ks], cap_mw[ks], bal.dispatch_mw[ks],
                          model.load_bus[js], conn[js], bal.served_mw[js],
                          TIER_WEIGHT[model.load_tier[js]])
        if lp is None:
            continue
        dispatch[ks], served[js] = lp.dispatch_mw, lp.served_mw
        changed = True
    if not changed:
        return None
    isl_served = bal.island_served_mw.copy()
    for isl in islands:
        isl_served[isl] = served[load_isl == isl].sum()
    return Balance(dispatch_mw=dispatch, served_mw=served,
                   shed_mw=state.load_demand_mw - served,
                   island_available_mw=bal.island_available_mw,
                   island_demand_mw=bal.island_demand_mw, island_served_mw=isl_served,
                   energised=bal.energised)
