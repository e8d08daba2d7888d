"""Low-rank (Woodbury) DC solver for the compiled engine.

At compile time the B matrix of the intact network (normally-open ties closed; one
reference bus per connected component, grounded) is inverted once: ``X = B0^-1`` (dense,
zero on reference rows and columns) and ``Z = X A^T`` (one column per branch, the
bus-angle response to a unit transfer over the branch).

A scenario removes a set ``R`` of branches (struck or tripped). Removing all of them
can split the network and make B singular, so a spanning forest of ``R`` over the
current islands (union-find, in order) stays in the matrix as "ties": every island is
balanced, so a tie between islands carries exactly zero flow and the solution equals
solving the islands separately. Only the other removed branches ``W`` are taken out,
by the Woodbury identity::

    (B0 - A_W' D_W A_W)^-1 P = X P + Z_W (D_W^-1 - A_W Z_W)^-1 A_W X P

with ``D_W = diag(b_W)``: one ``|W| x |W|`` solve per round instead of a factorisation.

Two stores of the intact factor give the same update (:func:`solve_lowrank` reads either
through ``angles`` and ``columns``): :class:`LowRank` here, dense, which the numba kernel
multiplies by, for networks up to :data:`DENSE_MAX_BUS` buses; above,
:class:`gridmodel.outage._sparse.SparseFactor`, one sparse LU and the columns of the
branches removed so far. ``benchmarks/bench_outage.py --factor`` measures the crossover
(docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: above this many removed branches (or this share of the buses) refactorise instead
MAX_RANK = 150
MAX_RANK_SHARE = 0.5
#: the dense inverse up to this many buses, the sparse factor above (measured crossover,
#: docs/performance.md: ``bench_outage.py --factor dense|sparse`` on the pandapower cases)
DENSE_MAX_BUS = 1000


@dataclass
class LowRank:
    """Precomputed intact-network inverse for :func:`solve_lowrank`."""

    x_inv: np.ndarray  # (n_bus, n_bus), zero on reference rows/columns [rad per pu]
    z: np.ndarray  # (n_bus, n_branch) = X A^T, zero columns for branches not in B0
    z_t: np.ndarray  # Z transposed, C-contiguous (row k = column k of Z)
    in_b0: np.ndarray  # bool per branch: in the intact matrix
    max_rank: int

    def angles(self, inj_pu: np.ndarray) -> np.ndarray:
        """Intact-network angles ``X inj`` [rad]."""
        return self.x_inv @ inj_pu

    def columns(self, branches: np.ndarray) -> np.ndarray:
        """``Z[:, branches]``, ``(n_bus, len)``."""
        return self.z[:, branches]


def _intact(compiled):
    """Branches of the intact matrix and its non-reference buses.

    Returns ``(in_b0, f, t, b, idx)``: ``in_b0`` marks the branches in the intact matrix
    (in service or normally open, both ends alive), ``f``, ``t``, ``b`` their ends and
    susceptances [pu], ``idx`` the non-reference buses (all but the first bus of each
    connected component).
    """
    model = compiled.model
    n = model.n_bus
    bus_ok = model.bus_in_service
    # normally-open ties count as closed here: open, they are removed branches
    in_b0 = ((model.br_in_service | model.br_normally_open)
             & bus_ok[model.br_from] & bus_ok[model.br_to])
    f, t, b = model.br_from[in_b0], model.br_to[in_b0], compiled.b_pu[in_b0]
    return in_b0, f, t, b, nonreference_buses(n, f, t)


def nonreference_buses(n_bus: int, f: np.ndarray, t: np.ndarray) -> np.ndarray:
    """All buses but the first of each connected component of the branches ``f``-``t``
    (the references, grounded)."""
    adj = coo_matrix((np.ones(len(f)), (f, t)), shape=(n_bus, n_bus)).tocsr()
    _, comp = connected_components(adj, directed=False)
    _, first = np.unique(comp, return_index=True)
    nonref = np.ones(n_bus, dtype=bool)
    nonref[first] = False
    return np.flatnonzero(nonref)


def solved_buses(labels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The buses of ``mask`` but the first of each island (``labels``): those a DC solve
    takes, the first of each island being its grounded reference."""
    pos = np.flatnonzero(mask)
    _, first = np.unique(labels[pos], return_index=True)
    keep = np.ones(len(pos), dtype=bool)
    keep[first] = False
    return pos[keep]


def reduced_b(n_bus: int, idx: np.ndarray, f: np.ndarray, t: np.ndarray,
              b: np.ndarray):
    """Sparse B [pu] of the branches ``f``-``t`` (susceptance ``b``) over the buses
    ``idx`` (the others are references, grounded), CSC, in the order of ``idx``."""
    red = np.full(n_bus, -1, dtype=np.int64)
    red[idx] = np.arange(len(idx))
    rf, rt = red[f], red[t]
    rows = np.concatenate([rf, rt, rf, rt])
    cols = np.concatenate([rf, rt, rt, rf])
    vals = np.concatenate([b, b, -b, -b])
    keep = (rows >= 0) & (cols >= 0)
    m = len(idx)
    return coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(m, m)).tocsc()


def intact_matrix(compiled):
    """The intact B matrix, sparse: ``(in_b0, idx, reduced)``, ``reduced`` being B over
    the non-reference buses ``idx`` (:func:`reduced_b`); ``in_b0`` as :func:`_intact`."""
    in_b0, f, t, b, idx = _intact(compiled)
    return in_b0, idx, reduced_b(compiled.model.n_bus, idx, f, t, b)


def max_rank_of(n_bus: int) -> int:
    """Removed non-tie branches above which a round refactorises instead."""
    return int(min(MAX_RANK, max(10, MAX_RANK_SHARE * n_bus)))


def prepare_lowrank(compiled) -> LowRank:
    """Invert the intact B matrix of ``compiled`` (dense, ``O(n_bus^3)`` once)."""
    model = compiled.model
    n = model.n_bus
    in_b0, f, t, b, idx = _intact(compiled)
    bmat = np.zeros((n, n))
    np.add.at(bmat, (f, f), b)
    np.add.at(bmat, (t, t), b)
    np.add.at(bmat, (f, t), -b)
    np.add.at(bmat, (t, f), -b)
    x_inv = np.zeros((n, n))
    if len(idx):
        x_inv[np.ix_(idx, idx)] = np.linalg.inv(bmat[np.ix_(idx, idx)])
    z = np.zeros((n, model.n_branch))
    z[:, in_b0] = x_inv[:, f] - x_inv[:, t]
    return LowRank(x_inv=x_inv, z=z, z_t=np.ascontiguousarray(z.T), in_b0=in_b0,
                   max_rank=max_rank_of(n))


def _ties(labels: np.ndarray, removed: np.ndarray, f: np.ndarray, t: np.ndarray,
          n_isl: int) -> np.ndarray:
    """Mask over ``removed`` of a spanning forest joining the current islands."""
    comp = labels.copy()
    dead = np.flatnonzero(comp < 0)
    comp[dead] = n_isl + np.arange(len(dead))
    parent = list(range(n_isl + len(dead)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    keep = np.zeros(len(removed), dtype=bool)
    for j, k in enumerate(removed):
        ra, rb = find(int(comp[f[k]])), find(int(comp[t[k]]))
        if ra != rb:
            parent[ra] = rb
            keep[j] = True
    return keep


def solve_lowrank(compiled, labels: np.ndarray, energ_bus: np.ndarray, on: np.ndarray,
                  inj_mw: np.ndarray, br_alive: np.ndarray,
                  factor=None) -> np.ndarray | None:
    """DC flows [MW per branch] by a low-rank update of a factorised matrix.

    Same arguments and result as :func:`gridmodel.outage.fast.dc_flow_splu`, plus
    ``br_alive`` (live branches, also in dark islands; ``labels`` are the components of
    the live graph) and ``factor``, the store to update (:class:`LowRank` or
    :class:`~gridmodel.outage._sparse.SparseFactor`; default: the compiled network's
    intact one). Returns None when too many branches are removed from it (the caller
    then refactorises).
    """
    lr = factor or compiled.extra.get("lowrank") or compiled.extra["sparse"]
    model = compiled.model
    n = model.n_bus
    f, t = model.br_from, model.br_to
    b = compiled.b_pu
    base = compiled.base_mva
    removed = np.flatnonzero(lr.in_b0 & ~br_alive)
    if len(removed) > 4 * lr.max_rank:
        return None
    n_isl = int(labels.max()) + 1 if len(labels) else 0
    # a forest over the islands and dead buses has fewer edges than they are
    if len(removed) - (n_isl + int((labels < 0).sum())) >= lr.max_rank:
        return None
    # dark islands take part in the tie forest as islands of their own
    keep = _ties(labels, removed, f, t, n_isl)
    w = removed[~keep]
    if len(w) > lr.max_rank:
        return None
    fo, to, bo = f[on], t[on], b[on]
    pfinj = -bo * compiled.shift_rad[on]
    inj = inj_mw / base - (np.bincount(fo, weights=pfinj, minlength=n)
                           - np.bincount(to, weights=pfinj, minlength=n))
    inj = np.where(energ_bus, inj, 0.0)
    theta = lr.angles(inj)
    if len(w):
        zw = lr.columns(w)
        cmat = np.diag(1.0 / b[w]) - (zw[f[w], :] - zw[t[w], :])
        rhs = theta[f[w]] - theta[t[w]]
        try:
            y = np.linalg.solve(cmat, rhs)
        except np.linalg.LinAlgError:
            return None
        theta = theta + zw @ y
    p = np.zeros(model.n_branch)
    p[on] = (bo * (theta[fo] - theta[to]) + pfinj) * base
    if not np.isfinite(p).all():
        return None
    return p
