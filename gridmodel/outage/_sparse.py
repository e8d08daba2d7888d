"""Sparse-factor store of the low-rank (Woodbury) DC solver, for large networks.

:mod:`gridmodel.outage._lowrank` holds the intact network's inverse ``X = B0^-1`` dense:
``O(n_bus^2)`` memory and an ``O(n_bus^3)`` compile, which wins on small networks (the
numba kernel multiplies by it) and loses above a few thousand buses (case9241pegase:
101 s compile, 5.2 GB). This module keeps the same update rule but holds ``B0`` as one
sparse LU (SuperLU, COLAMD ordering), computed once:

- the intact angles ``X P`` are one pair of triangular solves per round;
- the column ``z_k = X a_k`` of a removed branch ``k`` (the bus-angle response to a unit
  transfer over it) is a solve computed the first time ``k`` is removed and kept in a
  bounded cache, so the cascade rounds of a scenario and the scenarios of an ensemble
  that remove the same branch pay for it once;
- a deep cascade (more removed branches than the update takes) refactorises the live
  branches of that round, and the later rounds of the scenario update that factor
  (their few new trips) instead of refactorising again.

Memory is the factor plus the cache (``CACHE_COLUMNS`` columns of ``n_bus`` floats);
the factor is rebuilt lazily after unpickling (SuperLU objects do not pickle), so a
compiled network still ships to worker processes.

References
----------
.. [1] X. S. Li, "An overview of SuperLU: algorithms, implementation, and user
   interface", ACM Trans. Math. Softw. 31 (3), 2005.
.. [2] W. W. Hager, "Updating the inverse of a matrix", SIAM Review 31 (2), 1989.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from scipy.sparse import csc_matrix
from scipy.sparse.linalg import splu

from gridmodel.errors import SimulationError
from gridmodel.outage._lowrank import intact_matrix, reduced_b, solved_buses

#: removed-branch columns kept between rounds and scenarios (each ``n_bus`` floats)
CACHE_COLUMNS = 4096
#: removed non-tie branches above which a round refactorises rather than solving their
#: columns: measured flat between 10 and 40 on case2869pegase (7.3-7.5 ms per strike
#: list) and case9241pegase (40-41 ms), 2.5x dearer at 80 on case9241pegase, where each
#: column is a solve as dear as about 1/20 of a factorisation (docs/outage.md)
MAX_RANK = 30


class SparseFactor:
    """B of a set of branches as a sparse LU, with the columns ``X a_k`` of branches
    removed from it cached.

    Build it with :meth:`intact` (the compiled network's intact matrix, once) or
    :meth:`of_branches` (the live branches of a cascade round, a refactorisation that
    later rounds update instead of the intact one).

    Attributes
    ----------
    in_b0 : numpy.ndarray of bool
        Branches in the factorised matrix.
    idx : numpy.ndarray of int
        Its non-reference buses (all but the first bus of each connected component).
    max_rank : int
        Removed non-tie branches above which the caller refactorises.
    """

    def __init__(self, n_bus: int, br_from: np.ndarray, br_to: np.ndarray,
                 in_b0: np.ndarray, idx: np.ndarray, matrix, max_rank: int):
        self.n_bus = int(n_bus)
        self.br_from, self.br_to = br_from, br_to
        self.in_b0 = in_b0
        self.idx = idx
        self.matrix = csc_matrix(matrix)
        self.max_rank = int(max_rank)
        self._lu = None
        self._cols: OrderedDict[int, np.ndarray] = OrderedDict()

    @classmethod
    def intact(cls, compiled, max_rank: int) -> SparseFactor:
        """The intact matrix of ``compiled`` (normally-open ties closed)."""
        in_b0, idx, red = intact_matrix(compiled)
        model = compiled.model
        return cls(model.n_bus, model.br_from, model.br_to, in_b0, idx, red, max_rank)

    @classmethod
    def of_branches(cls, compiled, br_alive: np.ndarray, labels: np.ndarray,
                    max_rank: int) -> SparseFactor:
        """The matrix of the branches ``br_alive``, whose components are ``labels``
        (islands numbered by their first bus, ``-1`` for dead buses): each grounded at
        its first bus, dead buses alone."""
        model = compiled.model
        n = model.n_bus
        idx = solved_buses(labels, labels >= 0)
        red = reduced_b(n, idx, model.br_from[br_alive], model.br_to[br_alive],
                        compiled.b_pu[br_alive])
        return cls(n, model.br_from, model.br_to, br_alive.copy(), idx, red, max_rank)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_lu"] = None
        state["_cols"] = OrderedDict()
        return state

    @property
    def lu(self):
        """The SuperLU factor of the reduced matrix (built on first use). B is symmetric
        positive definite (``x > 0``, one grounded bus per component): symmetric mode,
        minimum-degree ordering on ``B + B^T``, no pivoting."""
        if self._lu is None:
            try:
                self._lu = splu(self.matrix, permc_spec="MMD_AT_PLUS_A",
                                diag_pivot_thresh=0.0, options={"SymmetricMode": True})
            except RuntimeError as exc:  # a zero pivot: a branch with zero susceptance
                msg = (f"DC power flow matrix is singular ({exc}): a branch in service "
                       "has zero susceptance; give it x > 0 or take it out of service.")
                raise SimulationError(msg) from exc
        return self._lu

    def angles(self, inj_pu: np.ndarray) -> np.ndarray:
        """Angles ``X inj`` [rad] (zero on reference buses)."""
        theta = np.zeros(self.n_bus)
        if len(self.idx):
            theta[self.idx] = self.lu.solve(inj_pu[self.idx])
        return theta

    def columns(self, branches: np.ndarray) -> np.ndarray:
        """``Z[:, branches]`` = ``X (e_from - e_to)`` per branch, ``(n_bus, len)``."""
        cols = self._cols
        missing = [int(k) for k in branches if int(k) not in cols]
        if missing:
            sol = np.zeros((self.n_bus, len(missing)))
            if len(self.idx):
                rhs = np.zeros((self.n_bus, len(missing)))
                at = np.arange(len(missing))
                rhs[self.br_from[missing], at] += 1.0
                rhs[self.br_to[missing], at] -= 1.0
                sol[self.idx] = self.lu.solve(np.asfortranarray(rhs[self.idx]))
            for c, k in enumerate(missing):
                cols[k] = sol[:, c].copy()
        out = np.empty((self.n_bus, len(branches)))
        for j, k in enumerate(branches):
            out[:, j] = cols[int(k)]
            cols.move_to_end(int(k))
        while len(cols) > CACHE_COLUMNS:
            cols.popitem(last=False)
        return out


def prepare_sparse(compiled) -> SparseFactor:
    """The sparse factor of ``compiled``'s intact matrix (factorised on first use)."""
    return SparseFactor.intact(compiled, MAX_RANK)
