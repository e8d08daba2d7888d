"""Transmission-constrained balance: redispatch and priority shedding under DC line limits.

The proportional balance (:mod:`gridmodel.outage.balance`) ignores line limits: every
island shares its deficit evenly, and a region behind congested ties shares the national
average. Where that answer loads a live branch above its **continuous rating**, the
operator redispatches and sheds so that every branch is within its rating: this module
solves that as one linear programme per island where a limit binds, by HiGHS directly
(scipy's bundled bindings), and its tie rule as a small QP by DAQP, shared by both engines.

The rule (also ``docs/outage.md``)
----------------------------------
Per island where a branch exceeds its continuous rating (``loading > 1``, with the
margin :data:`~gridmodel.outage.cascade.TRIP_RTOL`) after the overload cascade settled:

- variables: output ``g_k`` of each source in ``[0, cap_k]``; served demand ``s_j`` of each
  live load in ``[0, connectable_j]``;
- DC flows ``p_b = baseMVA (b_b (theta_f - theta_t) - b_b shift_b)`` (pandapower's DC
  model, :mod:`gridmodel.outage.fast`) within ``[-rating_b, rating_b]`` on every live branch;
  generation equals served load;
- minimise ``sum_j w_j (connectable_j - s_j) + eps (sum_k |g_k - g0_k| + sum_j |s_j - s0_j|)``
  with :data:`PRIORITY_WEIGHT` ``w`` per class (critical > heat_water > residential >
  industry) and ``g0, s0`` the proportional answer: priority-weighted unserved load
  first, then the smallest change from the proportional schedule, which leaves the
  proportional one unchanged wherever it is feasible;
- the tie rule (:func:`_tie_rule`): sources grouped per bus, loads per bus and weight, a
  group's change shared by its members in proportion (:meth:`_Groups.spread`), and among
  the optima over the groups the least ``sum change^2 / size``: a change that
  equivalent groups can share is shared in proportion to their size.

How it is solved (the answer does not depend on it beyond solver tolerance): flows in
the PTDF form (one sparse LU per island, cached by content), the change from the
proportional answer split into bounded up and down columns, and a branch's limit added
only when the proportional answer or a solve loads it above its rating (:data:`LAZY_TOL_MW`).

Islands without a binding limit keep the proportional answer, bit for bit. An LP that
HiGHS cannot solve (e.g. a phase shifter forcing a flow above a rating at zero
injection) keeps the proportional answer and leaves the overload to the cascade rule;
it says so by a :class:`~gridmodel.errors.LineLimitWarning` that names the island's
branches left above their rating.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

import daqp
import numpy as np
from scipy.optimize._highspy import _core as _hc
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import splu

from gridmodel.errors import LineLimitWarning, warn_model
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


def above_rating(loading: np.ndarray) -> np.ndarray:
    """Where a loading (fraction of the continuous rating; 0 on branches not in use) is
    above that rating, past the trip rule's relative margin (``TRIP_RTOL``)."""
    return np.asarray(loading) > 1.0 + TRIP_RTOL


def limit_binds(loading: np.ndarray) -> bool:
    """A branch above its continuous rating (:func:`above_rating`)."""
    return bool(above_rating(loading).any())


def binding_islands(loading: np.ndarray, on: np.ndarray, br_island: np.ndarray) -> np.ndarray:
    """Islands with a branch in use above its continuous rating (:func:`above_rating`)."""
    over = np.asarray(on, dtype=bool) & above_rating(loading)
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
    net = _island_network(bus, br_from, br_to, b_pu, shift_rad, base_mva)
    gen = _Groups.of(net.pos[src_bus], np.zeros(len(src_bus), dtype=np.int64), cap_mw, g0_mw)
    load = _Groups.of(net.pos[load_bus], weight, conn_mw, s0_mw)
    grp = _solve_groups(net, rating_mw, gen, load)
    if grp is None:
        return None
    g = np.clip(gen.spread(grp[0]), 0.0, cap_mw)
    s = np.clip(load.spread(grp[1]), 0.0, conn_mw)
    _balance_exactly(g, s, cap_mw)
    unserved = conn_mw - s
    change = np.abs(g - g0_mw).sum() + np.abs(s - s0_mw).sum()
    return IslandLP(dispatch_mw=g, served_mw=s,
                    objective=float(weight @ unserved + REDISPATCH_COST * change),
                    unserved_mw=float(unserved.sum()))


@dataclass
class _Groups:
    """Sources per bus, or loads per bus and weight: the LP's variables (one group each).

    Attributes
    ----------
    member : numpy.ndarray of int
        Group of each element.
    bus, cost : numpy.ndarray
        Island bus position and cost per MW unserved of each group (0 for sources).
    hi_mw, x0_mw : numpy.ndarray
        Sum of the upper bounds and of the proportional answer per group [MW].
    el_hi_mw, el_x0_mw : numpy.ndarray
        Upper bound and proportional answer per element [MW].
    """

    member: np.ndarray
    bus: np.ndarray
    cost: np.ndarray
    hi_mw: np.ndarray
    x0_mw: np.ndarray
    el_hi_mw: np.ndarray
    el_x0_mw: np.ndarray

    @classmethod
    def of(cls, bus_pos, cost, hi_mw, x0_mw) -> _Groups:
        """Group elements by (bus, cost); groups sorted by bus, then cost."""
        member, bus, group_cost = _grouping(np.asarray(bus_pos, np.int64),
                                            np.asarray(cost, float))
        n = len(bus)
        return cls(member=member, bus=bus, cost=group_cost,
                   hi_mw=np.bincount(member, weights=hi_mw, minlength=n),
                   x0_mw=np.bincount(member, weights=x0_mw, minlength=n),
                   el_hi_mw=np.asarray(hi_mw, float), el_x0_mw=np.asarray(x0_mw, float))

    def spread(self, x_mw: np.ndarray) -> np.ndarray:
        """Per element from the group totals ``x_mw``: a rise shared in proportion to the
        headroom ``hi - x0``, a cut in proportion to ``x0`` (the tie rule within a group)."""
        d = (x_mw - self.x0_mw)[self.member]
        room = np.where(d > 0, self.el_hi_mw - self.el_x0_mw, self.el_x0_mw)
        total = np.bincount(self.member, weights=room, minlength=len(self.x0_mw))[self.member]
        share = np.divide(room, total, out=np.zeros_like(room), where=total > 0)
        return self.el_x0_mw + d * share


#: groupings of :meth:`_Groups.of` by content (bounded; the demand rows of one asset
#: state group the same elements)
_GROUPINGS: OrderedDict = OrderedDict()
_GROUPINGS_MAX = 256
#: guards the content-addressed caches (:data:`_GROUPINGS`, :data:`_NETWORKS`) when
#: threads share them (a Dask worker with several threads)
_CACHE_LOCK = threading.Lock()


def _cached(cache: OrderedDict, limit: int, key, compute):
    """``cache[key]``, else ``compute()`` stored under ``key``: a content-addressed cache of
    at most ``limit`` entries, the least recently used dropped first (locked)."""
    with _CACHE_LOCK:
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit
    out = compute()
    with _CACHE_LOCK:
        cache[key] = out
        if len(cache) > limit:
            cache.popitem(last=False)
    return out


def _grouping(bus_pos: np.ndarray, cost: np.ndarray) -> tuple:
    """``(member, bus, cost)`` of the groups of elements by (bus, cost), cached by content."""

    def compute():
        costs, cost_code = np.unique(cost, return_inverse=True)
        keys, member = np.unique(bus_pos * len(costs) + cost_code, return_inverse=True)
        return member, keys // len(costs), costs[keys % len(costs)]

    return _cached(_GROUPINGS, _GROUPINGS_MAX, (bus_pos.tobytes(), cost.tobytes()), compute)


def _solve_groups(net: _IslandNetwork, rating_mw: np.ndarray, gen: _Groups, load: _Groups):
    """Group totals ``(generation, served)`` [MW] of the island's LP, or None.

    Columns ``[up, down]`` of every source group, then of every load group: the change
    from the proportional answer split in two bounded parts, so the change cost needs no
    rows. Rows: the island's balance, and the limit of each branch that the proportional
    answer or a previous solve loads above its rating (lazy: a solve that respects every
    limit it was given and loads no other branch above its rating solves the problem with
    all limits, which has only more rows). Then the tie rule (:func:`_tie_rule`).
    """
    n_g, n_l = len(gen.bus), len(load.bus)
    col_bus = np.concatenate([gen.bus, gen.bus, load.bus, load.bus])
    # injection per MW of each column at its bus
    col_sign = np.concatenate([np.ones(n_g), -np.ones(n_g), -np.ones(n_l), np.ones(n_l)])
    cost = np.concatenate([np.full(2 * n_g, REDISPATCH_COST), REDISPATCH_COST - load.cost,
                           REDISPATCH_COST + load.cost])
    upper = np.maximum(np.concatenate([gen.hi_mw - gen.x0_mw, gen.x0_mw,
                                       load.hi_mw - load.x0_mw, load.x0_mw]), 0.0)
    size = np.concatenate([gen.hi_mw, gen.hi_mw, load.hi_mw, load.hi_mw])
    keep = upper > 0  # a column that cannot move is no variable
    col_bus, col_sign, cost, upper, size = (a[keep] for a in (col_bus, col_sign, cost, upper,
                                                              size))
    inj0 = (np.bincount(gen.bus, weights=gen.x0_mw, minlength=net.n_bus)
            - np.bincount(load.bus, weights=load.x0_mw, minlength=net.n_bus))
    p0 = net.flows(inj0)
    over = np.abs(p0) > rating_mw * (1.0 + TRIP_RTOL)
    if not over.any():
        return gen.x0_mw, load.x0_mw
    gap = float(load.x0_mw.sum() - gen.x0_mw.sum())
    rows = _Rows(col_sign[None, :], np.array([gap]), np.array([gap]))

    def limits(branches):
        return _Rows(net.ptdf_rows(branches)[:, col_bus] * col_sign,
                     -rating_mw[branches] - p0[branches], rating_mw[branches] - p0[branches])

    def still_over(x, added):
        p = p0 + net.flows(np.bincount(col_bus, weights=col_sign * x, minlength=net.n_bus),
                           offset=False)
        return np.flatnonzero((np.abs(p) > rating_mw + LAZY_TOL_MW) & ~added)

    h = _highs(cost, upper, rows)
    added = np.zeros(len(rating_mw), dtype=bool)
    new = np.flatnonzero(over)
    while len(new):
        added[new] = True
        more = limits(new)
        rows = rows.extend(more)
        more.add_to(h, np.arange(len(cost)))
        dual_tol = _run_optimal(h)
        if dual_tol is None:
            return None
        sol = h.getSolution()
        x = np.asarray(sol.col_value)
        new = still_over(x, added)
    x = _tie_rule(x, np.asarray(sol.col_dual), np.asarray(sol.row_dual), upper, size, rows,
                  limits, still_over, added, _face_tol(dual_tol))
    full = np.zeros(len(keep))
    full[keep] = x
    xg, xl = full[:2 * n_g], full[2 * n_g:]
    return (gen.x0_mw + xg[:n_g] - xg[n_g:], load.x0_mw + xl[:n_l] - xl[n_l:])


def _tie_rule(x, col_dual, row_dual, upper, size, rows, limits, still_over, added,
              zero_tol):
    """Among the LP's optima, the one of least ``sum change^2 / size`` over the columns.

    The optima are the answers that keep every column with a non-zero reduced cost at
    the LP's value and every row with a non-zero dual at its activity (complementary
    slackness; zero is within ``zero_tol``, :func:`_face_tol`); on that face a strictly convex QP
    over the free columns has one answer, so a change that equivalent groups can share
    is shared in proportion to their size (capacity or connectable demand). The QP is
    solved by DAQP [1]_, a dual active-set method that is exact up to rounding on such
    small dense problems (a few free columns; HiGHS's QP solver gave the same answers to
    5e-14 MW at several times the cost). The LP's answer stays when no column is free
    or DAQP finds no optimum.

    References
    ----------
    .. [1] D. Arnström, A. Bemporad, D. Axehill, "A dual active-set solver for embedded
       quadratic programming using recursive LDL' updates", IEEE Transactions on
       Automatic Control 67(8), 2022, doi:10.1109/TAC.2022.3176430.
    """
    free = np.abs(col_dual) <= zero_tol
    if free.sum() < 2:
        return x
    fixed = ~free
    act = rows.a @ x
    tight = np.abs(row_dual) > zero_tol

    def restricted(r: _Rows, tight_rows=None):
        shift = r.a[:, fixed] @ x[fixed]
        lo, hi = r.lo - shift, r.hi - shift
        if tight_rows is not None:
            lo = np.where(tight_rows, act - shift, lo)
            hi = np.where(tight_rows, act - shift, hi)
        return _Rows(r.a[:, free], lo, hi)

    face = restricted(rows, tight)
    hessian = np.diag(2.0 / size[free])
    y = x.copy()
    new = np.zeros(0, dtype=np.int64)
    while True:
        if len(new):
            added[new] = True
            face = face.extend(restricted(limits(new)))
        y_free = _face_qp(hessian, upper[free], face)
        if y_free is None:
            return x
        y[free] = np.clip(y_free, 0.0, upper[free])
        new = still_over(y, added)
        if not len(new):
            return y


def _face_qp(hessian: np.ndarray, upper: np.ndarray, face: _Rows) -> np.ndarray | None:
    """``argmin y' H y / 2`` over ``0 <= y <= upper`` and ``face`` (rows with equal bounds
    as equalities) by DAQP, or None when it reports no optimum."""
    n = len(upper)
    sense = np.zeros(n + len(face.lo), dtype=np.int32)
    sense[n:][face.lo == face.hi] = 5  # DAQP's code of an equality row
    y, _, flag, _ = daqp.solve(hessian, np.zeros(n), np.ascontiguousarray(face.a, dtype=float),
                               np.concatenate([upper, face.hi]),
                               np.concatenate([np.zeros(n), face.lo]), sense,
                               primal_tol=TIE_QP_PRIMAL_TOL_MW, eps_prox=0.0,
                               iter_limit=TIE_QP_ITERATIONS_PER_COLUMN * n)
    return np.asarray(y, dtype=float) if flag >= 1 else None


@dataclass
class _Rows:
    """Rows ``lo <= a @ x <= hi`` of the LP (dense: a row per limit over every column)."""

    a: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def extend(self, other: _Rows) -> _Rows:
        return _Rows(np.vstack([self.a, other.a]), np.concatenate([self.lo, other.lo]),
                     np.concatenate([self.hi, other.hi]))

    def add_to(self, h, cols: np.ndarray) -> None:
        """Append the rows to the HiGHS model ``h`` (columns ``cols``)."""
        n_row, n_col = self.a.shape
        h.addRows(n_row, self.lo, self.hi, self.a.size,
                  np.arange(0, self.a.size, n_col, dtype=np.int32),
                  np.tile(cols.astype(np.int32), n_row), self.a.ravel())


@dataclass
class _IslandNetwork:
    """DC network of one island: flows from injections by one sparse LU.

    Attributes
    ----------
    pos : numpy.ndarray of int
        Island position of every model bus (-1 outside).
    n_bus : int
    flow_mw : scipy.sparse.csr_matrix
        Branch flow per radian of each bus angle [MW] (``base b (theta_f - theta_t)``).
    lu : scipy.sparse.linalg.SuperLU
        Factors of the bus susceptance matrix without the reference bus (the first).
    pfinj_mw : numpy.ndarray
        Flow per branch from its phase shift alone [MW].
    shift_inj_mw : numpy.ndarray
        Bus injections equivalent to the phase shifts [MW]: the bus x branch incidence
        (+1 at the from bus, -1 at the to bus) times ``pfinj_mw``.
    """

    pos: np.ndarray
    n_bus: int
    flow_mw: object
    lu: object
    pfinj_mw: np.ndarray
    shift_inj_mw: np.ndarray
    #: PTDF row of each branch asked for so far (the demand rows of one asset state ask
    #: for the same few)
    ptdf_cache: dict = field(default_factory=dict)

    def flows(self, inj_mw: np.ndarray, offset: bool = True) -> np.ndarray:
        """Branch flows [MW] of balanced bus injections ``inj_mw`` (with the phase
        shifters' flows, or the change of flows from a change of injections)."""
        rhs = inj_mw - self.shift_inj_mw if offset else inj_mw
        theta = np.zeros(self.n_bus)
        if self.lu is not None:
            theta[1:] = self.lu.solve(np.ascontiguousarray(rhs[1:]))
        p = self.flow_mw @ theta
        return p + self.pfinj_mw if offset else p

    def ptdf_rows(self, branches: np.ndarray) -> np.ndarray:
        """Flow on ``branches`` per MW injected at each bus and taken at the reference
        (the rows of the PTDF matrix; the susceptance matrix is symmetric)."""
        cache = self.ptdf_cache
        missing = [int(k) for k in branches if int(k) not in cache]
        if missing:
            got = np.zeros((len(missing), self.n_bus))
            rows = self.flow_mw[missing][:, 1:].toarray()
            got[:, 1:] = self.lu.solve(np.ascontiguousarray(rows.T)).T
            for k, row in zip(missing, got, strict=True):
                cache[k] = row
        return np.array([cache[int(k)] for k in branches]).reshape(len(branches), self.n_bus)


#: DC networks of islands by content (bounded; content-addressed, so never stale)
_NETWORKS: OrderedDict = OrderedDict()
_NETWORKS_MAX = 64
#: a reduced cost or dual this small counts as zero in the tie rule (:func:`_tie_rule`);
#: ten times the LP's dual feasibility tolerance (:data:`LP_DUAL_FEASIBILITY_TOL`), so a
#: reduced cost the solver could not tell from zero never fixes a column of the face
TIE_DUAL_TOL: float = 1e-9
#: HiGHS's dual feasibility tolerance in the LP (its smallest allowed value; its default
#: is 1e-7). The tie rule reads the optimal face from the vertex's reduced costs, which
#: spread without a gap from 1e-11 to 1e-4 (``REDISPATCH_COST`` times PTDF factors); at the
#: default a reduced cost up to 1e-7 could be the solver's rounding, and the answer
#: depended on the solver's path: 214 of the 1,776 island LPs of bench_ensemble's first
#: 150 replicates moved by more than 1e-6 MW (at most 70 MW) between HiGHS's dual and
#: primal simplex and three random seeds; at 1e-10, with :func:`_run_optimal`'s second
#: try, none moves (9e-12 MW), at the same cost (``scripts/tie_rule_paths.py
#: --replicates 150``, docs/outage.md)
LP_DUAL_FEASIBILITY_TOL: float = 1e-10
#: HiGHS's default dual feasibility tolerance: the LP's last try when neither simplex
#: certifies an optimum at :data:`LP_DUAL_FEASIBILITY_TOL` (:func:`_run_optimal`)
FALLBACK_DUAL_TOL: float = 1e-7
#: HiGHS's code of its primal simplex (``simplex_strategy``): the LP's second try
PRIMAL_SIMPLEX: int = 4
#: the tie rule's QP gives up (the LP's answer stays) after this many iterations per free
#: column (it needs about one; a bound, not a clock, so that the answer never depends on
#: the machine)
TIE_QP_ITERATIONS_PER_COLUMN: int = 20
#: primal feasibility tolerance of the tie rule's QP [MW] (DAQP's default is 1e-6): far
#: below :data:`LAZY_TOL_MW`, so that the QP's own slack never reads as an overload
TIE_QP_PRIMAL_TOL_MW: float = 1e-9
#: a branch off the lazy set counts as above its rating past this margin [MW] (the
#: solver's primal tolerance is about 1e-7 MW)
LAZY_TOL_MW: float = 1e-6


def _island_network(bus, br_from, br_to, b_pu, shift_rad, base_mva) -> _IslandNetwork:
    """The island's :class:`_IslandNetwork`: it depends only on its buses and branches,
    not on demand, ratings or the proportional answer, so the demand rows of one asset
    state share it (cached by content)."""
    arrays = (bus, br_from, br_to, b_pu, shift_rad)
    key = (float(base_mva), *(np.ascontiguousarray(a).tobytes() for a in arrays),
           *(len(a) for a in arrays))
    return _cached(_NETWORKS, _NETWORKS_MAX, key,
                   lambda: _build_island_network(bus, br_from, br_to, b_pu, shift_rad,
                                                 base_mva))


def _build_island_network(bus, br_from, br_to, b_pu, shift_rad, base_mva) -> _IslandNetwork:
    """:func:`_island_network` computed."""
    pos = np.full(int(max(bus.max(), br_from.max(initial=0), br_to.max(initial=0))) + 1, -1,
                  dtype=np.int64)
    pos[bus] = np.arange(len(bus))
    n_b, n_br = len(bus), len(br_from)
    f, t = pos[br_from], pos[br_to]
    rows = np.arange(n_br)
    flow = coo_matrix((np.concatenate([base_mva * b_pu, -base_mva * b_pu]),
                       (np.concatenate([rows, rows]), np.concatenate([f, t]))),
                      shape=(n_br, n_b)).tocsr()
    inc = coo_matrix((np.concatenate([np.ones(n_br), -np.ones(n_br)]),
                      (np.concatenate([f, t]), np.concatenate([rows, rows]))),
                     shape=(n_b, n_br)).tocsr()
    b_bus = (inc @ flow).tocsc()[1:, 1:]
    pfinj = -base_mva * b_pu * shift_rad
    return _IslandNetwork(pos=pos, n_bus=n_b, flow_mw=flow,
                          lu=splu(b_bus) if n_b > 1 else None,
                          pfinj_mw=pfinj, shift_inj_mw=inc @ pfinj)


#: one HiGHS instance per thread, cleared before each model: creating one costs about as
#: much as the Python side of a solve
_SOLVERS = threading.local()


def _run_optimal(h) -> float | None:
    """Run HiGHS on its model: the dual feasibility tolerance its optimum is certified
    at, or None without an optimum.

    An optimum counts when HiGHS certifies it within :data:`LP_DUAL_FEASIBILITY_TOL`
    (:func:`_certified`). Rarely it stops short: it calls a vertex optimal while it
    reports a larger dual infeasibility, or it certifies no optimum at all (status
    unknown, not infeasible; in ``scripts/tie_rule_paths.py --replicates 150`` 3 of 1,776
    island LPs on two of five solver paths, none on the shipped one). The LP then starts
    again from scratch by the primal simplex (which agreed with the dual simplex on every
    LP measured); only if that is not certified either does it go on at HiGHS's default
    tolerance (:data:`FALLBACK_DUAL_TOL`), rather than leaving the island's overload to
    the cascade."""
    h.run()
    if _certified(h):
        return LP_DUAL_FEASIBILITY_TOL
    if h.getModelStatus() == _hc.HighsModelStatus.kInfeasible:
        return None  # proven (every column is bounded, so nothing else is final)
    h.clearSolver()
    with _options(h, simplex_strategy=PRIMAL_SIMPLEX):
        h.run()
    if _certified(h):
        return LP_DUAL_FEASIBILITY_TOL
    with _options(h, dual_feasibility_tolerance=FALLBACK_DUAL_TOL):
        h.run()
    return FALLBACK_DUAL_TOL if h.getModelStatus() == _hc.HighsModelStatus.kOptimal else None


def _certified(h) -> bool:
    """HiGHS calls its answer optimal and its dual infeasibility is within the LP's
    tolerance (reading it costs about 5 us a solve)."""
    return (h.getModelStatus() == _hc.HighsModelStatus.kOptimal
            and h.getInfo().max_dual_infeasibility <= LP_DUAL_FEASIBILITY_TOL)


def _face_tol(dual_tol: float) -> float:
    """The tie rule's zero for an LP certified at ``dual_tol``: :data:`TIE_DUAL_TOL`,
    scaled by ``dual_tol`` over the LP's tolerance (ten times the tolerance at the
    fallback's too: a reduced cost the solver could not tell from zero frees its column)."""
    return TIE_DUAL_TOL * (dual_tol / LP_DUAL_FEASIBILITY_TOL)


@contextmanager
def _options(h, **values):
    """HiGHS options ``values`` set on ``h`` for the block, the previous ones restored."""
    saved = {name: h.getOptionValue(name)[1] for name in values}
    for name, value in values.items():
        h.setOptionValue(name, value)
    try:
        yield h
    finally:
        for name, value in saved.items():
            h.setOptionValue(name, value)


def _highs(cost: np.ndarray, upper: np.ndarray, rows: _Rows):
    """A quiet HiGHS instance (scipy's bundled bindings) holding ``min cost @ x`` over
    ``0 <= x <= upper`` and ``rows``: this thread's instance, its model, basis and
    solution cleared (its options are set once)."""
    h = getattr(_SOLVERS, "lp", None)
    if h is None:
        h = _hc._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # on a few hundred columns it costs more than it saves
        h.setOptionValue("dual_feasibility_tolerance", LP_DUAL_FEASIBILITY_TOL)
        _SOLVERS.lp = h
    else:
        h.clearModel()
    n_col = len(cost)
    # columns added to the empty model from the arrays (a HighsLp's vectors are filled
    # element by element from Python: 53 us against 9 us a model, the same model)
    empty = np.zeros(0, dtype=np.int32)
    h.addCols(n_col, np.ascontiguousarray(cost, dtype=float), np.zeros(n_col),
              np.ascontiguousarray(upper, dtype=float), 0, empty, empty, np.zeros(0))
    rows.add_to(h, np.arange(n_col))
    return h


def _balance_exactly(g: np.ndarray, s: np.ndarray, cap_mw: np.ndarray) -> None:
    """Make generation equal served load exactly (the solver's tolerance is ~1e-7 MW):
    the mismatch goes to the source with the most headroom (or output), in place."""
    gap = float(s.sum() - g.sum())
    if gap == 0.0 or not len(g):
        return
    k = int(np.argmax(cap_mw - g)) if gap > 0 else int(np.argmax(g))
    g[k] = min(max(g[k] + gap, 0.0), cap_mw[k])


def _warn_unsolved(island: int, n_bus: int, asset: np.ndarray, loading: np.ndarray) -> None:
    """Say that ``island`` (``n_bus`` buses) keeps the proportional balance, naming its
    branches ``asset`` above their rating by ``loading`` (highest first, five at most)."""
    over = np.flatnonzero(above_rating(loading))
    over = over[np.argsort(-loading[over], kind="stable")]
    named = ", ".join(f"{asset[k]} ({loading[k]:.0%})" for k in over[:5])
    more = f" and {len(over) - 5} more" if len(over) > 5 else ""
    status = _SOLVERS.lp.getModelStatus().name.removeprefix("k")
    warn_model(
        f"island {island} ({n_bus} buses): the transmission-constrained balance found no "
        f"optimum (HiGHS status {status}), so the island keeps the proportional balance "
        f"and {len(over)} branch(es) stay above their continuous rating: {named}{more}. "
        f"Check those branches' ratings and phase shifts in the network.",
        LineLimitWarning, stacklevel=3)


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

    Warns
    -----
    LineLimitWarning
        For each island whose LP has no optimum (it keeps its proportional answer),
        naming the branches left above their continuous rating.
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
            _warn_unsolved(isl, len(np.flatnonzero(labels == isl)), model.br_asset[bs],
                           loading[bs])
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
