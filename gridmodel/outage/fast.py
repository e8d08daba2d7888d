"""The compiled DC outage engine for ensembles.

:func:`compile_network` reads a network once into arrays (bus-branch incidence,
susceptances in per unit taken from pandapower's own DC model, capacities, demand and
classes, asset -> element maps); :func:`evaluate` then runs one scenario with the same
rules as the pandapower engine (``simulate_outage(..., ac=False)``):

1. islands with ``scipy.sparse.csgraph.connected_components``;
2. the shared balance (:func:`gridmodel.outage.balance.balance_islands`);
3. the DC flow of every energised island, solved at once;
4. the shared overload rule (:mod:`gridmodel.outage.cascade`), round after round.

DC model (identical to pandapower's ``rundcpp``)
------------------------------------------------
``b = 1 / (x * tap)`` per branch [pu on ``baseMVA``] with ``x``, ``tap`` and the phase
shift read from the ppc that pandapower builds for ``rundcpp`` (so transformers use
pandapower's default ``trafo_model="t"`` and the off-nominal ratios exactly as pandapower
does). Bus injections ``P = (dispatch - served) / baseMVA - Pbusinj`` with the phase
shift injections ``Pfinj = -b * shift``; ``p_from_mw = (b (theta_f - theta_t) + Pfinj)
* baseMVA``. One reference bus per island: as every island is balanced exactly, the
choice of reference does not change the flows.

Two solvers give the same flows:

- ``"splu"``: one sparse LU of the reduced B matrix of all energised islands
  (block-diagonal), per round;
- ``"lowrank"`` (default): the intact B is factorised once at compile time; a scenario
  is a low-rank (Woodbury) correction for the removed branches. Removed branches that
  are needed to keep the intact matrix connected stay in it and carry exactly zero flow
  (each island is balanced), so islanding needs no refactorisation. Falls back to
  ``"splu"`` when more than ``max_rank`` branches are removed. Up to
  :data:`~gridmodel.outage._lowrank.DENSE_MAX_BUS` buses the factor is the dense
  inverse and all rounds run in numba; above, a sparse LU whose removed-branch columns
  are solved as needed and cached (:mod:`gridmodel.outage._sparse`), rounds in Python.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.sparse.linalg import splu

from gridmodel._io.content import same_content, table_content
from gridmodel.config import GRID
from gridmodel.errors import InputError, SimulationError
from gridmodel.outage._kernel import island_labels_nb, run_demands_nb, run_scenario_nb
from gridmodel.outage._lowrank import (
    DENSE_MAX_BUS,
    prepare_lowrank,
    reduced_b,
    solve_lowrank,
    solved_buses,
)
from gridmodel.outage._model import Model, State, apply_outages, build_model
from gridmodel.outage._sparse import MAX_RANK, SparseFactor, prepare_sparse
from gridmodel.outage.balance import Balance, allocate_import_cap, balance_labels
from gridmodel.outage.cascade import (
    TRIP_RTOL,
    check_cascade_args,
    dc_loading,
    trip_loading,
    trip_round,
    warn_cascade_limit,
)
from gridmodel.outage.islands import energised_buses
from gridmodel.outage.lp import DCBranches, above_rating, constrained_balance, limit_binds
from gridmodel.outage.result import OutageResult, build_result


@dataclass
class CompiledNetwork:
    """A network compiled for :func:`evaluate` (arrays only, no pandapower).

    Attributes
    ----------
    model : gridmodel.outage._model.Model
        Buses, branches, sources, loads and asset maps (positions).
    b_pu : numpy.ndarray
        Series susceptance per branch ``1 / (x tap)`` [pu on ``base_mva``]; 0 for
        branches out of service in the compiled net.
    shift_rad : numpy.ndarray
        Phase shift per branch [rad].
    base_mva : float
        System base [MVA].
    """

    model: Model
    b_pu: np.ndarray
    shift_rad: np.ndarray
    base_mva: float
    extra: dict = field(default_factory=dict)

    @property
    def n_bus(self) -> int:
        """Number of buses."""
        return self.model.n_bus

    @property
    def n_branch(self) -> int:
        """Number of branches (lines, then transformers)."""
        return self.model.n_branch

    @property
    def dc(self) -> DCBranches:
        """The branches' DC data for the constrained balance (:mod:`gridmodel.outage.lp`)."""
        return DCBranches(b_pu=self.b_pu, shift_rad=self.shift_rad, base_mva=self.base_mva)


def _ppc_branch_params(net) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """x [pu], tap ratio and shift [deg] per line/trafo from pandapower's DC ppc."""
    import pandapower as pp
    from pandapower.pd2ppc import _pd2ppc
    from pandapower.pypower.idx_brch import BR_X, SHIFT, TAP
    from pandapower.run import _init_rundcpp_options

    work = copy.deepcopy(net)
    # branch data do not depend on status; with everything in service every bus and
    # branch has a ppc row
    for table in ("bus", "line", "trafo"):
        work[table]["in_service"] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a reference bus is required to build the ppc; it does not change branch data
        pp.create_ext_grid(work, int(work.bus.index[0]))
        _init_rundcpp_options(work, trafo_model="t", trafo_loading="current", recycle=None,
                              check_connectivity=False, switch_rx_ratio=2,
                              trafo3w_losses="hv")
        ppc, _ = _pd2ppc(work)
    lookup = work._pd2ppc_lookups
    bus_lookup = np.asarray(lookup["bus"])[work.bus.index.to_numpy(np.int64)]
    if not np.array_equal(bus_lookup, np.arange(len(work.bus))):
        msg = ("the fast engine needs one pandapower bus per ppc bus (no closed bus-bus "
               "switches fusing buses); use engine='pandapower' for this network.")
        raise InputError(msg)
    br = ppc["branch"]
    parts_x, parts_tap, parts_shift = [], [], []
    for element, n in (("line", len(net.line)), ("trafo", len(net.trafo))):
        if n == 0:
            continue
        lo, hi = lookup["branch"][element]
        parts_x.append(br[lo:hi, BR_X].real)
        parts_tap.append(br[lo:hi, TAP].real)
        parts_shift.append(br[lo:hi, SHIFT].real)
    if not parts_x:
        return np.zeros(0), np.ones(0), np.zeros(0), float(ppc["baseMVA"])
    return (np.concatenate(parts_x), np.concatenate(parts_tap), np.concatenate(parts_shift),
            float(ppc["baseMVA"]))


def dc_branches(net, model: Model) -> DCBranches:
    """Susceptance, phase shift and base of every branch in pandapower's DC model.

    ``b = 1 / (x tap)`` [pu] for branches in service in ``net`` and normally-open ties
    (0 for the others), read from the ppc pandapower builds for ``rundcpp``
    (:func:`_ppc_branch_params`).

    Raises
    ------
    InputError
        A branch in service with zero reactance.
    """
    x, tap, shift_deg, base = _ppc_branch_params(net)
    tap = np.where(tap == 0, 1.0, tap)
    b = np.zeros(model.n_branch)
    ok = model.br_in_service | model.br_normally_open
    bad = ok & (x == 0)
    if bad.any():
        msg = (f"branches {model.br_asset[bad][:10].tolist()} have zero reactance; the DC "
               "model needs x > 0.")
        raise InputError(msg)
    b[ok] = 1.0 / (x[ok] * tap[ok])
    return DCBranches(b_pu=b, shift_rad=np.deg2rad(shift_deg), base_mva=base)


#: how :func:`compile_network` may hold the intact factor of the low-rank update
FACTORS = ("auto", "dense", "sparse")


def compile_network(net, *, lowrank: bool = True, factor: str = "auto") -> CompiledNetwork:
    """Compile ``net`` for fast DC scenario evaluation (``net`` is not changed).

    Parameters
    ----------
    net : pandapowerNet
        Network with a registry; its current status (in service, capacities) is the
        baseline every scenario starts from.
    lowrank : bool
        Also prepare the low-rank (Woodbury) update of the intact network; without it
        every round refactorises (``solver="splu"``).
    factor : {"auto", "dense", "sparse"}
        How the intact factor is held: ``"dense"``, its inverse (``O(n_bus^2)`` memory,
        ``O(n_bus^3)`` once; the numba kernel multiplies by it), ``"sparse"``, one sparse
        LU and the columns of removed branches as they are needed
        (:mod:`gridmodel.outage._sparse`); ``"auto"``, dense up to
        :data:`~gridmodel.outage._lowrank.DENSE_MAX_BUS` buses, sparse above (the
        measured crossover, docs/performance.md).

    Returns
    -------
    CompiledNetwork
    """
    if factor not in FACTORS:
        msg = f"unknown factor {factor!r}; choose one of {', '.join(FACTORS)}."
        raise InputError(msg)
    model = build_model(net)
    dc = dc_branches(net, model)
    compiled = CompiledNetwork(model=model, b_pu=dc.b_pu, shift_rad=dc.shift_rad,
                               base_mva=dc.base_mva)
    compiled.extra["trip_loading"] = trip_loading(net.get("parameters"), None)
    if not lowrank:
        return compiled
    if factor == "auto":
        factor = "dense" if model.n_bus <= DENSE_MAX_BUS else "sparse"
    if factor == "dense":
        compiled.extra["lowrank"] = prepare_lowrank(compiled)
    else:
        compiled.extra["sparse"] = prepare_sparse(compiled)
    return compiled


#: tables whose content the compiled network depends on
_FINGERPRINT_TABLES = ("bus", "line", "trafo", "gen", "sgen", "ext_grid", "load", "shunt",
                       "switch", "registry")
#: id(net) -> (weak reference to net, content of its tables at compile time, compiled
#: network, the objects that content refers to)
_CACHE: dict[int, tuple] = {}


def fingerprint(net) -> str | None:
    """Hash of everything :func:`compile_network` reads (None if it cannot be hashed).

    Column by column over raw bytes (numbers) and ``repr`` (objects): equal for nets with
    equal tables (a deep copy), about 3 ms on `ukraine`. :func:`compile_cached` checks one
    net against itself with the cheaper :func:`_table_content` instead.
    """
    h = hashlib.blake2b(digest_size=16)
    try:
        for name in _FINGERPRINT_TABLES:
            tab = net[name] if name in net else None
            if not isinstance(tab, pd.DataFrame):
                continue
            h.update(name.encode())
            h.update(repr(list(tab.columns)).encode())
            h.update(repr(tab.index.tolist()).encode())
            for col in tab.columns:
                a = tab[col].to_numpy()
                if a.dtype == object:
                    h.update("\x1f".join(map(repr, a)).encode())
                else:
                    h.update(a.dtype.str.encode())
                    h.update(np.ascontiguousarray(a).tobytes())
        params = net.get("parameters", None) if hasattr(net, "get") else None
        h.update(repr(params).encode())
    except TypeError:  # cells that cannot be turned into bytes: do not cache
        return None
    return h.hexdigest()


def _table_content(net, pins: list | None = None) -> list:
    """Everything of ``net`` that :func:`compile_network` reads, to compare with
    :func:`~gridmodel._io.content.same_content`: the content of each table of
    :data:`_FINGERPRINT_TABLES` (:func:`~gridmodel._io.content.table_content`, blocks as
    raw bytes), then ``net.parameters`` (a deep copy when stored, ``pins`` given).

    An edit in place (``net.line.loc[i, "x_ohm_per_km"] *= 1.1``, a renamed registry
    entry) changes a block's bytes; no table the compilation reads holds mutable cells.
    About 50 us on `ukraine` (:func:`fingerprint` hashes every cell's ``repr``: about 3 ms).
    """
    out = table_content((net[name] if name in net else None
                         for name in _FINGERPRINT_TABLES), pins)
    params = net.get("parameters", None) if hasattr(net, "get") else None
    out.append(copy.deepcopy(params) if pins is not None else params)
    return out


def compile_cached(net) -> CompiledNetwork:
    """:func:`compile_network`, reused while ``net`` is unchanged.

    The cache is keyed by the net object (weakly) and checked against the content of
    every table the compilation reads (:func:`_table_content`, taken after compiling), so
    a net edited in place, or given new tables, is recompiled, never answered from a stale
    compilation.
    """
    hit = _CACHE.get(id(net))
    if hit is not None and hit[0]() is net and same_content(hit[1], _table_content(net)):
        return hit[2]
    compiled = compile_network(net, lowrank=True)
    net_id = id(net)
    try:
        ref = weakref.ref(net, lambda _: _CACHE.pop(net_id, None))
    except TypeError:  # not weak-referenceable: do not cache
        return compiled
    pins: list = []
    _CACHE[net_id] = (ref, _table_content(net, pins), compiled, pins)
    return compiled


@dataclass
class Evaluation:
    """Arrays of one scenario evaluated by :func:`evaluate` (MW unless named).

    Attributes
    ----------
    state : gridmodel.outage._model.State
        The scenario after the outages.
    n_islands : int
    bus_island : numpy.ndarray of int
        Island per bus (``-1``: dead bus).
    balance : gridmodel.outage.balance.Balance
        Final balance (dispatch per source, served/shed per load, per island sums).
    p_from_mw, loading : numpy.ndarray
        Final flow per branch [MW] and loading (fraction of the rating).
    br_alive : numpy.ndarray of bool
        Branches in service at the end.
    tripped_round : numpy.ndarray of int
        ``-1`` never, ``0`` removed, ``k`` tripped in cascade round ``k``.
    cascade_log : list of (int, str, float)
    cascade_rounds : int
    cascade_status : str
    src_cap_mw : numpy.ndarray
        Capacity per source after damage and the import cap [MW].
    """

    state: State
    n_islands: int
    bus_island: np.ndarray
    balance: Balance
    p_from_mw: np.ndarray
    loading: np.ndarray
    br_alive: np.ndarray
    tripped_round: np.ndarray
    cascade_log: list
    cascade_rounds: int
    cascade_status: str
    src_cap_mw: np.ndarray

    @property
    def shed_mw(self) -> float:
        """Total shed demand [MW]."""
        return float(self.balance.shed_mw.sum())

    @property
    def served_mw(self) -> float:
        """Total served demand [MW]."""
        return float(self.balance.served_mw.sum())

    @property
    def demand_mw(self) -> float:
        """Total demand [MW]."""
        return float(self.state.load_demand_mw.sum())


def evaluate(compiled: CompiledNetwork, outages: Mapping[str, float] | None = None, *,
             demand_mw: pd.Series | None = None, import_cap_mw: float | None = None,
             max_cascade_rounds: int = GRID.max_cascade_rounds,
             overload_threshold: float | None = None,
             solver: str = "lowrank", line_limits: bool = True) -> Evaluation:
    """Evaluate one outage scenario on a compiled network (DC).

    Parameters
    ----------
    compiled : CompiledNetwork
    outages, demand_mw, import_cap_mw, max_cascade_rounds, overload_threshold :
        As :func:`gridmodel.outage.simulate_outage`.
    solver : {"lowrank", "splu"}
        ``"lowrank"``: the low-rank update of the intact factor that
        :func:`compile_network` prepared (dense: the numba kernel; sparse: the round
        loop on the sparse LU); it falls back to ``"splu"`` (a sparse LU per round) for
        very many removed branches, or when the network was compiled without it.
    line_limits : bool
        Balance within the continuous ratings where they bind (:mod:`gridmodel.outage.lp`);
        False keeps the proportional balance everywhere.

    Returns
    -------
    Evaluation
        Arrays; :func:`to_result` turns them into an :class:`OutageResult`.
    """
    if overload_threshold is None:
        overload_threshold = float(compiled.extra.get("trip_loading", 1.0))
    check_cascade_args(max_cascade_rounds, overload_threshold)
    if solver not in ("lowrank", "splu"):
        msg = f"unknown solver {solver!r}; choose 'lowrank' or 'splu'."
        raise InputError(msg)
    model = compiled.model
    state = apply_outages(model, outages, demand_mw=demand_mw, import_cap_mw=import_cap_mw)
    cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
    return evaluate_state(compiled, state, cap, max_cascade_rounds, overload_threshold, solver,
                          line_limits)


def evaluate_state(compiled: CompiledNetwork, state: State, cap: np.ndarray,
                   max_cascade_rounds: int, overload_threshold: float,
                   solver: str = "lowrank", line_limits: bool = True) -> Evaluation:
    """Evaluate a state already built by :func:`~gridmodel.outage._model.apply_outages`.

    The part of :func:`evaluate` after the outages are applied, for callers that reuse
    one asset state over many demand levels (the timeline's array path). Arguments are
    not checked again: ``cap`` is the per-source capacity after the import cap
    (:func:`~gridmodel.outage.balance.allocate_import_cap`), ``overload_threshold`` a
    number, ``solver`` one of ``"lowrank"`` and ``"splu"``. Where a line limit binds
    (``line_limits``), the LP of :mod:`gridmodel.outage.lp` runs on the answer of the
    round loop (the numba kernel's, or the numpy loop's where the kernel cannot take
    the state), and the flows are solved again under its balance.
    """
    if solver == "lowrank" and "lowrank" in compiled.extra:  # the numba kernel
        ev = _evaluate_kernel(compiled, state, cap, max_cascade_rounds, overload_threshold)
        if ev is not None:
            return _with_line_limits(compiled, ev, solver) if line_limits else ev
    elif solver == "lowrank" and "sparse" not in compiled.extra:
        solver = "splu"
    return _evaluate_loop(compiled, state, cap, max_cascade_rounds, overload_threshold,
                          solver, line_limits)


@dataclass
class DemandRuns:
    """Results of :func:`evaluate_demands`: one row per demand (run), arrays in MW.

    Island arrays have ``n_bus`` columns; the first ``n_islands[r]`` are run ``r``'s.
    """

    n_islands: np.ndarray  # (runs,) int
    bus_island: np.ndarray  # (runs, buses) int, -1 for dead buses
    dispatch_mw: np.ndarray  # (runs, sources)
    served_mw: np.ndarray  # (runs, loads)
    shed_mw: np.ndarray  # (runs, loads)
    load_demand_mw: np.ndarray  # (runs, loads)
    island_demand_mw: np.ndarray  # (runs, buses)
    island_served_mw: np.ndarray  # (runs, buses)
    energised: np.ndarray  # (runs, buses) bool
    cascade_rounds: np.ndarray  # (runs,) int


def evaluate_demands(compiled: CompiledNetwork, state: State, cap: np.ndarray,
                     demand_mw: np.ndarray, max_cascade_rounds: int,
                     overload_threshold: float, line_limits: bool = True) -> DemandRuns:
    """Evaluate one asset state under each row of ``demand_mw`` (runs x loads) [MW].

    ``demand_mw`` is the demand of every load in model order with loads out of service
    before the strikes at zero (as :func:`~gridmodel.outage._model.state_with_demand`
    sets it). One numba call runs all rows; rows where a line limit binds
    (``line_limits``) then get the LP of :mod:`gridmodel.outage.lp` on the kernel's answer
    (its islands, balance, branches left and loadings, so the round loop is not run again).
    Rows the low-rank update cannot take (or all rows, when the network has no low-rank
    data) go through :func:`evaluate_state`. Each row equals ``evaluate_state`` on that
    demand (``tests/test_timeline_fast_equal.py``; where limits bind,
    ``tests/test_lp.py::test_demand_rows_where_limits_bind_equal_the_round_loop``).
    """
    model = compiled.model
    n_runs, n_bus = len(demand_mw), model.n_bus
    out = DemandRuns(
        n_islands=np.zeros(n_runs, dtype=np.int64),
        bus_island=np.empty((n_runs, n_bus), dtype=np.int64),
        dispatch_mw=np.zeros((n_runs, len(model.src_bus))),
        served_mw=np.zeros((n_runs, len(model.load_bus))),
        shed_mw=np.zeros((n_runs, len(model.load_bus))),
        load_demand_mw=demand_mw,
        island_demand_mw=np.zeros((n_runs, n_bus)),
        island_served_mw=np.zeros((n_runs, n_bus)),
        energised=np.zeros((n_runs, n_bus), dtype=np.bool_),
        cascade_rounds=np.zeros(n_runs, dtype=np.int64))
    status = np.full(n_runs, -1, dtype=np.int64)
    avail_mw = np.zeros((n_runs, n_bus))
    br_alive = np.empty((n_runs, model.n_branch), dtype=np.bool_)
    loading = np.zeros((n_runs, model.n_branch))
    lr = compiled.extra.get("lowrank")
    if lr is not None:
        try:
            run_demands_nb(
                n_bus, model.br_from, model.br_to, compiled.b_pu, compiled.shift_rad,
                compiled.base_mva, lr.in_b0, lr.x_inv, lr.z_t, lr.max_rank, state.bus_alive,
                state.br_alive, state.br_rating_mw, model.src_bus, cap, model.load_bus,
                state.load_alive, demand_mw, state.load_connectable, model.load_tier,
                overload_threshold * (1.0 + TRIP_RTOL), int(max_cascade_rounds),
                out.bus_island, out.dispatch_mw, out.served_mw, avail_mw,
                out.island_demand_mw, out.island_served_mw, out.energised, out.n_islands,
                out.cascade_rounds, br_alive, loading, status)
        except np.linalg.LinAlgError:  # a singular update: every row by the slow path
            status[:] = -1
    limit_hit = bool((status == 1).any())  # rows run again below say so themselves
    if line_limits:  # rows the kernel took where a limit binds: the LP on its answer
        for r in np.flatnonzero((status >= 0) & above_rating(loading).any(axis=1)):
            _limit_row(compiled, state, cap, out, r, avail_mw[r], br_alive[r], loading[r])
    for r in np.flatnonzero(status < 0):
        row_state = dataclasses.replace(state, load_demand_mw=demand_mw[r])
        if lr is not None:
            # the kernel could not take this row: evaluate_state would run it again
            # before the loop, which alone is left
            ev = _evaluate_loop(compiled, row_state, cap, max_cascade_rounds,
                                overload_threshold, "lowrank", line_limits)
        else:
            ev = evaluate_state(compiled, row_state, cap, max_cascade_rounds,
                                overload_threshold, line_limits=line_limits)
        k = ev.n_islands
        limit_hit |= ev.cascade_status == "limit hit"
        out.n_islands[r], out.cascade_rounds[r] = k, ev.cascade_rounds
        out.bus_island[r] = ev.bus_island
        out.dispatch_mw[r], out.served_mw[r] = ev.balance.dispatch_mw, ev.balance.served_mw
        out.island_demand_mw[r, :k] = ev.balance.island_demand_mw
        out.island_served_mw[r, :k] = ev.balance.island_served_mw
        out.energised[r, :k] = ev.balance.energised
    np.subtract(demand_mw, out.served_mw, out=out.shed_mw)
    if limit_hit:
        warn_cascade_limit(max_cascade_rounds, overload_threshold, line_limits)
    return out


def _limit_row(compiled: CompiledNetwork, state: State, cap: np.ndarray, out: DemandRuns,
               r: int, avail_mw: np.ndarray, br_alive: np.ndarray,
               loading: np.ndarray) -> None:
    """Row ``r`` of ``out`` (the kernel's answer, ``avail_mw``, ``br_alive`` and
    ``loading`` its other outputs) with the constrained balance, in place."""
    k = out.n_islands[r]
    demand = out.load_demand_mw[r]
    bal = Balance(dispatch_mw=out.dispatch_mw[r], served_mw=out.served_mw[r],
                  shed_mw=demand - out.served_mw[r], island_available_mw=avail_mw[:k],
                  island_demand_mw=out.island_demand_mw[r, :k],
                  island_served_mw=out.island_served_mw[r, :k],
                  energised=out.energised[r, :k])
    labels = out.bus_island[r]
    _, on = _in_use(compiled.model, labels, bal, br_alive)
    limited = constrained_balance(compiled.model,
                                  dataclasses.replace(state, load_demand_mw=demand), cap,
                                  labels, bal, compiled.dc, on, loading)
    if limited is not None:
        out.dispatch_mw[r], out.served_mw[r] = limited.dispatch_mw, limited.served_mw
        out.island_served_mw[r, :k] = limited.island_served_mw


def _with_line_limits(compiled: CompiledNetwork, ev: Evaluation, solver: str,
                      factor=None) -> Evaluation:
    """``ev`` with the constrained balance where a line limit binds
    (:func:`~gridmodel.outage.lp.constrained_balance`) and the flows under it (by
    ``solver``, updating ``factor``); ``ev`` itself when none binds."""
    if not limit_binds(ev.loading):
        return ev
    _, on = _in_use(compiled.model, ev.bus_island, ev.balance, ev.br_alive)
    limited = constrained_balance(compiled.model, ev.state, ev.src_cap_mw, ev.bus_island,
                                  ev.balance, compiled.dc, on, ev.loading)
    if limited is None:
        return ev
    _, p, loading, _ = _round_flows(compiled, ev.state, ev.bus_island, limited, ev.br_alive,
                                    solver, factor)
    return dataclasses.replace(ev, balance=limited, p_from_mw=p, loading=loading)


def _evaluate_kernel(compiled: CompiledNetwork, state: State, cap: np.ndarray,
                     max_rounds: int, threshold: float) -> Evaluation | None:
    """Run all rounds in the numba kernel; None when the low-rank update does not apply."""
    model = compiled.model
    lr = compiled.extra["lowrank"]
    n, n_br = model.n_bus, model.n_branch
    br_alive = state.br_alive.copy()
    tripped = np.full(n_br, -1, dtype=np.int64)
    tripped[state.br_removed] = 0
    labels = np.empty(n, dtype=np.int64)
    dispatch = np.zeros(len(model.src_bus))
    served = np.zeros(len(model.load_bus))
    avail, isl_demand, isl_served = np.zeros((3, n))
    energised = np.zeros(n, dtype=np.bool_)
    p, loading, trip_loading = np.zeros((3, n_br))
    conn = state.load_demand_mw * state.load_connectable
    try:
        n_isl, rounds, status = run_scenario_nb(
            n, model.br_from, model.br_to, compiled.b_pu, compiled.shift_rad,
            compiled.base_mva, lr.in_b0, lr.x_inv, lr.z_t, lr.max_rank, state.bus_alive,
            br_alive, state.br_rating_mw, model.src_bus, cap, model.load_bus,
            state.load_alive, state.load_demand_mw, conn, model.load_tier,
            threshold * (1.0 + TRIP_RTOL), int(max_rounds), labels, dispatch, served, avail,
            isl_demand, isl_served, energised, p, loading, tripped, trip_loading)
    except np.linalg.LinAlgError:  # singular low-rank update: refactorise instead
        return None
    if status < 0:
        return None
    bal = Balance(dispatch_mw=dispatch, served_mw=served,
                  shed_mw=state.load_demand_mw - served,
                  island_available_mw=avail[:n_isl], island_demand_mw=isl_demand[:n_isl],
                  island_served_mw=isl_served[:n_isl], energised=energised[:n_isl])
    log = []
    if rounds > 0:
        hit = np.flatnonzero(tripped > 0)
        hit = hit[np.argsort(tripped[hit], kind="stable")]
        log = [(int(tripped[k]), str(model.br_asset[k]), float(trip_loading[k])) for k in hit]
    return Evaluation(state=state, n_islands=int(n_isl), bus_island=labels, balance=bal,
                      p_from_mw=p, loading=loading, br_alive=br_alive, tripped_round=tripped,
                      cascade_log=log, cascade_rounds=int(rounds),
                      cascade_status="limit hit" if status == 1 else "converged",
                      src_cap_mw=cap)


def _evaluate_loop(compiled: CompiledNetwork, state: State, cap: np.ndarray,
                   max_cascade_rounds: int, overload_threshold: float,
                   solver: str, line_limits: bool = True) -> Evaluation:
    """The round loop in numpy/scipy (reference for the kernel, and its fallback), then
    the constrained balance where a line limit binds (``line_limits``).

    ``solver="lowrank"``: each round updates the compiled intact factor (dense or
    sparse) until a round removes more branches than the update takes; that round
    refactorises its live branches (sparse LU) and later rounds update that factor."""
    model = compiled.model
    br_alive = state.br_alive.copy()
    tripped = np.where(state.br_removed, 0, -1).astype(np.int64)
    log: list[tuple[int, str, float]] = []
    rounds = 0
    factor = None  # the compiled intact factor, until a deep cascade refactorises
    while True:
        labels = np.empty(model.n_bus, dtype=np.int64)
        n_isl = int(island_labels_nb(model.n_bus, model.br_from, model.br_to, br_alive,
                                     state.bus_alive, labels))
        bal = balance_labels(model, state, cap, n_isl, labels)
        on, p, loading, factor = _round_flows(compiled, state, labels, bal, br_alive,
                                              solver, factor)
        rounds, status = trip_round(loading, on, overload_threshold, rounds,
                                    max_cascade_rounds, model.br_asset, br_alive, tripped, log)
        if status is not None:
            break
    ev = Evaluation(state=state, n_islands=n_isl, bus_island=labels, balance=bal,
                    p_from_mw=p, loading=loading, br_alive=br_alive, tripped_round=tripped,
                    cascade_log=log, cascade_rounds=rounds, cascade_status=status,
                    src_cap_mw=cap)
    return _with_line_limits(compiled, ev, solver, factor) if line_limits else ev


def _round_flows(compiled: CompiledNetwork, state: State, labels: np.ndarray, bal: Balance,
                 br_alive: np.ndarray, solver: str, factor=None):
    """Branches in use, their DC flows [MW], loadings under the balance ``bal``, and the
    sparse factor to update next round (``factor``, or the one refactorised here)."""
    model = compiled.model
    energ_bus, on = _in_use(model, labels, bal, br_alive)
    inj_mw = (np.bincount(model.src_bus, weights=bal.dispatch_mw, minlength=model.n_bus)
              - np.bincount(model.load_bus, weights=bal.served_mw, minlength=model.n_bus))
    p = None
    if solver == "lowrank":
        p = solve_lowrank(compiled, labels, energ_bus, on, inj_mw, br_alive, factor)
        if p is None:  # too many removed: refactorise this round's branches
            factor = SparseFactor.of_branches(compiled, br_alive, labels, MAX_RANK)
            p = solve_lowrank(compiled, labels, energ_bus, on, inj_mw, br_alive, factor)
    if p is None:
        p = dc_flow_splu(compiled, labels, energ_bus, on, inj_mw)
    return on, p, np.where(on, dc_loading(p, state.br_rating_mw), 0.0), factor


def _in_use(model: Model, labels: np.ndarray, bal: Balance,
            br_alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energised buses (in an island ``bal`` energises) and branches in use (alive, from
    an energised bus)."""
    energ_bus = energised_buses(labels, bal.energised)
    return energ_bus, br_alive & energ_bus[model.br_from]


def dc_flow_splu(compiled: CompiledNetwork, labels: np.ndarray, energ_bus: np.ndarray,
                 on: np.ndarray, inj_mw: np.ndarray) -> np.ndarray:
    """DC flows of all energised islands with one sparse LU [MW per branch].

    Parameters
    ----------
    compiled : CompiledNetwork
    labels : numpy.ndarray of int
        Island per bus.
    energ_bus : numpy.ndarray of bool
        Buses in energised islands.
    on : numpy.ndarray of bool
        Branches that carry flow (live, in energised islands).
    inj_mw : numpy.ndarray
        Net injection per bus [MW] (balanced per island).

    Returns
    -------
    numpy.ndarray
        ``p_from_mw`` per branch, 0 where ``on`` is False.
    """
    model = compiled.model
    n = model.n_bus
    base = compiled.base_mva
    f, t = model.br_from[on], model.br_to[on]
    b = compiled.b_pu[on]
    pfinj = -b * compiled.shift_rad[on]
    inj = inj_mw / base - (np.bincount(f, weights=pfinj, minlength=n)
                           - np.bincount(t, weights=pfinj, minlength=n))
    # reference: first bus of each energised island; dead buses are not solved
    theta = np.zeros(n)
    idx = solved_buses(labels, energ_bus)
    if len(idx):
        mat = reduced_b(n, idx, f, t, b)
        try:
            theta[idx] = splu(mat).solve(inj[idx])
        except RuntimeError as exc:  # singular factor
            msg = f"DC power flow matrix is singular: {exc}"
            raise SimulationError(msg) from exc
    p = np.zeros(model.n_branch)
    p[on] = (b * (theta[f] - theta[t]) + pfinj) * base
    if not np.isfinite(p).all():
        msg = "DC power flow of the fast engine returned non-finite flows."
        raise SimulationError(msg)
    return p


def to_result(compiled: CompiledNetwork, ev: Evaluation) -> OutageResult:
    """Turn an :class:`Evaluation` into an :class:`OutageResult` (engine ``"fast"``)."""
    method = np.where(ev.balance.energised, "dc", "none").astype(object)
    return build_result(compiled.model, ev.state, engine="fast", n_islands=ev.n_islands,
                        bus_island=ev.bus_island, balance=ev.balance, island_method=method,
                        p_from_mw=ev.p_from_mw, loading=ev.loading, br_alive=ev.br_alive,
                        tripped_round=ev.tripped_round, cascade_log=ev.cascade_log,
                        cascade_rounds=ev.cascade_rounds, cascade_status=ev.cascade_status,
                        src_cap_mw=ev.src_cap_mw)

