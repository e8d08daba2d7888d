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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: above this many removed branches (or this share of the buses) refactorise instead
MAX_RANK = 150
MAX_RANK_SHARE = 0.5


@dataclass
class LowRank:
    """Precomputed intact-network inverse for :func:`solve_lowrank`."""

    x_inv: np.ndarray  # (n_bus, n_bus), zero on reference rows/columns [rad per pu]
    z: np.ndarray  # (n_bus, n_branch) = X A^T, zero columns for branches not in B0
    z_t: np.ndarray  # Z transposed, C-contiguous (row k = column k of Z)
    in_b0: np.ndarray  # bool per branch: in the intact matrix
    max_rank: int


def prepare_lowrank(compiled) -> LowRank:
    """Invert the intact B matrix of ``compiled`` (dense, ``O(n_bus^3)`` once)."""
    model = compiled.model
    n = model.n_bus
    bus_ok = model.bus_in_service
    # normally-open ties count as closed here: open, they are removed branches
    in_b0 = ((model.br_in_service | model.br_normally_open)
             & bus_ok[model.br_from] & bus_ok[model.br_to])
    f, t, b = model.br_from[in_b0], model.br_to[in_b0], compiled.b_pu[in_b0]
    adj = coo_matrix((np.ones(len(f)), (f, t)), shape=(n, n)).tocsr()
    _, comp = connected_components(adj, directed=False)
    _, first = np.unique(comp, return_index=True)
    nonref = np.ones(n, dtype=bool)
    nonref[first] = False
    idx = np.flatnonzero(nonref)
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
    max_rank = int(min(MAX_RANK, max(10, MAX_RANK_SHARE * n)))
    return LowRank(x_inv=x_inv, z=z, z_t=np.ascontiguousarray(z.T), in_b0=in_b0,
                   max_rank=max_rank)


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
                  inj_mw: np.ndarray, br_alive: np.ndarray) -> np.ndarray | None:
    """DC flows [MW per branch] by a low-rank update of the intact inverse.

    Same arguments and result as :func:`gridmodel.outage.fast.dc_flow_splu`, plus
    ``br_alive`` (live branches, also in dark islands; ``labels`` are the components of
    the live graph). Returns None when too many branches are removed (the caller then
    refactorises).
    """
    lr: LowRank = compiled.extra["lowrank"]
    model = compiled.model
    n = model.n_bus
    f, t = model.br_from, model.br_to
    b = compiled.b_pu
    base = compiled.base_mva
    removed = np.flatnonzero(lr.in_b0 & ~br_alive)
    if len(removed) > 4 * lr.max_rank:
        return None
    n_isl = int(labels.max()) + 1 if len(labels) else 0
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
    theta = lr.x_inv @ inj
    if len(w):
        zw = lr.z[:, w]
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
