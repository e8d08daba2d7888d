"""One outage step: islands, balance, power flow and overload cascade.

:func:`simulate_outage` is the entry point. Two engines give the same answer in DC:

- ``"pandapower"``: networkx islands, the shared balance, pandapower ``runpp`` (with a
  per-island DC fallback) or ``rundcpp`` on a private copy of the net;
- ``"fast"``: the compiled engine of :mod:`gridmodel.outage.fast` (DC only).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gridmodel.config import GRID
from gridmodel.errors import InputError, recording_model_warnings, unique_messages
from gridmodel.outage._model import Model, State, apply_outages, build_model
from gridmodel.outage.balance import allocate_import_cap, balance_labels
from gridmodel.outage.cascade import (
    check_cascade_args,
    dc_loading,
    trip_loading,
    trip_round,
    warn_cascade_limit,
)
from gridmodel.outage.islands import energised_buses, labels_from_sets
from gridmodel.outage.lp import constrained_balance, limit_binds
from gridmodel.outage.result import OutageResult, build_result

ENGINES = ("pandapower", "fast")


def simulate_outage(net, outages: Mapping[str, float] | None = None, *,
                    engine: str = "pandapower", ac: bool = True,
                    demand_mw: pd.Series | None = None, import_cap_mw: float | None = None,
                    max_cascade_rounds: int = GRID.max_cascade_rounds,
                    overload_threshold: float | None = None,
                    compiled=None, line_limits: bool = True,
                    nuclear_response: bool = True) -> OutageResult:
    """Simulate what a set of outages does to the system in one step.

    Parameters
    ----------
    net : pandapowerNet
        Network with ``net.registry`` (see ``docs/architecture.md``). Never changed.
    outages : mapping of str to float, optional
        ``{asset_id: remaining_fraction}``: 0 removes the asset (a substation with all
        its buses and everything attached), ``0 < f < 1`` damages it (plants and
        interconnectors keep ``f`` x ``max_p_mw``; lines, transformers and a
        substation's transformers keep ``f`` x their rating; a load keeps ``f`` of its
        connection). ``None`` or ``{}``: the intact system.
    engine : {"pandapower", "fast"}
        ``"fast"`` is the compiled DC engine (requires ``ac=False``).
    ac : bool
        pandapower engine only: AC flow (``runpp``) with a DC fallback per island that
        does not converge; ``False`` runs DC only.
    demand_mw : pandas.Series, optional
        Demand per load [MW] indexed by ``load_id``; default ``p_mw x scaling``.
    import_cap_mw : float, optional
        Total cap on imports [MW], shared over surviving interconnectors in proportion
        to their capacity; default ``commercial_mw + emergency_mw`` of
        ``net.parameters["imports"]``, or unlimited.
    max_cascade_rounds : int
        Most overload trip rounds; status ``"limit hit"`` when overloads remain.
    overload_threshold : float, optional
        A live branch trips when its loading exceeds this fraction of its rating;
        default ``net.parameters["operation"]["trip_loading"]`` (the short-time
        emergency rating), else 1.0.
    compiled : CompiledNetwork, optional
        Fast engine only: ``gridmodel.outage.fast.compile_network(net)`` to reuse, for
        callers that evaluate many scenarios on one net (skips the cache check).
    line_limits : bool
        After the cascade settles, balance every island where a live branch exceeds its
        continuous rating by the LP of :mod:`gridmodel.outage.lp` (redispatch and priority
        shedding within the DC line limits). False keeps the proportional balance (line
        limits then act only through the overload trips).
    nuclear_response : bool
        Trip the nuclear plants whose connection substations ``outages`` hits (below 1),
        or whose every outlet line it removes, as the timeline does at a strike
        (:mod:`gridmodel.outage.nuclear`, FIELD_NOTES 2); the plants tripped are in the
        result's ``nuclear_trips``. False takes ``outages`` as the whole asset state (the
        timeline's own steps, which carry the trips with their restart times).

    Returns
    -------
    OutageResult

    Raises
    ------
    UnknownAssetError
        An outage names an asset that is not in ``net.registry``.
    InputError
        A fraction outside [0, 1], an unknown engine, bad ``demand_mw``.
    SimulationError
        A power flow returned NaN on live elements.
    """
    if engine not in ENGINES:
        msg = f"unknown engine {engine!r}; choose one of {list(ENGINES)}."
        raise InputError(msg)
    overload_threshold = trip_loading(net.get("parameters"), overload_threshold)
    check_cascade_args(max_cascade_rounds, overload_threshold)
    with recording_model_warnings() as said:
        result = _simulate(net, outages, engine, ac, demand_mw, import_cap_mw,
                           max_cascade_rounds, overload_threshold, compiled, line_limits,
                           nuclear_response)
        if result.cascade_status == "limit hit":
            warn_cascade_limit(max_cascade_rounds, overload_threshold, line_limits)
    result.model_warnings = unique_messages(said)
    return result


def _simulate(net, outages, engine: str, ac: bool, demand_mw, import_cap_mw,
              max_cascade_rounds: int, overload_threshold: float, compiled,
              line_limits: bool, nuclear_response: bool) -> OutageResult:
    """The step of :func:`simulate_outage`, its arguments checked."""
    if engine == "fast":
        if ac:
            msg = ("the fast engine is DC only; call simulate_outage(..., engine='fast', "
                   "ac=False) or use engine='pandapower' for AC.")
            raise InputError(msg)
        from gridmodel.outage.fast import compile_cached, evaluate, to_result

        if compiled is None:
            compiled = compile_cached(net)  # compiled once per (unchanged) net
    trips: list[str] = []
    if nuclear_response and outages:
        from gridmodel.outage.nuclear import tripped_plants

        cache = compiled.extra.setdefault("nuclear", {}) if engine == "fast" else None
        trips = tripped_plants(net, outages, network_cache=cache)
        if trips:
            outages = {**outages, **dict.fromkeys(trips, 0.0)}
    if engine == "fast":
        ev = evaluate(compiled, outages, demand_mw=demand_mw, import_cap_mw=import_cap_mw,
                      max_cascade_rounds=max_cascade_rounds,
                      overload_threshold=overload_threshold, line_limits=line_limits)
        result = to_result(compiled, ev)
    else:
        model = build_model(net)
        state = apply_outages(model, outages, demand_mw=demand_mw,
                              import_cap_mw=import_cap_mw)
        result = run_pandapower(net, model, state, ac=ac,
                                max_cascade_rounds=max_cascade_rounds,
                                overload_threshold=overload_threshold,
                                line_limits=line_limits)
    result.nuclear_trips = tuple(trips)
    return result


def _loadings(model: Model, state: State, labels: np.ndarray, bal, fr,
              br_alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Branches in use and their loadings (DC, or pandapower's AC loading where the
    island was solved in AC, divided by the damage fraction); 0 where not in use."""
    live = br_alive & energised_buses(labels[model.br_from], bal.energised)
    loading = dc_loading(fr.p_from_mw, state.br_rating_mw)
    if fr.loading_ac is not None and len(fr.method):  # (no island left: none in use)
        br_method = fr.method[np.maximum(labels[model.br_from], 0)]
        use_ac = live & (br_method == "ac")
        with np.errstate(divide="ignore", invalid="ignore"):
            ac_load = fr.loading_ac / state.br_fraction
        loading = np.where(use_ac, ac_load, loading)
    return live, np.where(live, loading, 0.0)


def run_pandapower(net, model: Model, state: State, *, ac: bool = True,
                   max_cascade_rounds: int = GRID.max_cascade_rounds,
                   overload_threshold: float = 1.0,
                   islands: str = "networkx", line_limits: bool = True) -> OutageResult:
    """The pandapower engine: the loop of islands, balance, flow and cascade.

    Parameters
    ----------
    net : pandapowerNet
        The caller's net (copied by :class:`~gridmodel.outage.powerflow.PandapowerFlow`).
    model, state :
        From :func:`~gridmodel.outage._model.build_model` and
        :func:`~gridmodel.outage._model.apply_outages`.
    ac : bool
        AC with DC fallback per island, else DC only.
    max_cascade_rounds : int
    overload_threshold : float
    islands : {"networkx", "csgraph"}
        How islands are found (both give the same labels).
    line_limits : bool
        The constrained balance where a limit binds (:func:`simulate_outage`).

    Returns
    -------
    OutageResult
    """
    from gridmodel.outage.islands import island_labels
    from gridmodel.outage.powerflow import PandapowerFlow

    flow = PandapowerFlow(net, model, state)
    cap = allocate_import_cap(state.src_cap_mw, model.src_is_import, state.import_cap_mw)
    br_alive = state.br_alive.copy()
    tripped = np.where(state.br_removed, 0, -1).astype(np.int64)
    log: list[tuple[int, str, float]] = []
    rounds = 0
    while True:
        if islands == "networkx":
            sets = flow.islands_nx(state.bus_alive, br_alive)
            n_isl, labels = len(sets), labels_from_sets(sets, model.bus_index)
        else:
            n_isl, labels = island_labels(model.n_bus, model.br_from, model.br_to, br_alive,
                                          state.bus_alive)
        bal = balance_labels(model, state, cap, n_isl, labels)
        fr = flow.flow(labels, bal, br_alive, cap, ac)
        live, loading = _loadings(model, state, labels, bal, fr, br_alive)
        rounds, status = trip_round(loading, live, overload_threshold, rounds,
                                    max_cascade_rounds, model.br_asset, br_alive, tripped, log)
        if status is not None:
            break
    limited = None
    if line_limits and limit_binds(loading):
        from gridmodel.outage.fast import dc_branches

        limited = constrained_balance(model, state, cap, labels, bal, dc_branches(net, model),
                                      live, loading)
    if limited is not None:
        bal = limited
        fr = flow.flow(labels, bal, br_alive, cap, ac)
        live, loading = _loadings(model, state, labels, bal, fr, br_alive)
    return build_result(model, state, engine="pandapower", n_islands=n_isl, bus_island=labels,
                        balance=bal, island_method=fr.method, p_from_mw=fr.p_from_mw,
                        loading=loading, br_alive=br_alive, tripped_round=tripped,
                        cascade_log=log, cascade_rounds=rounds, cascade_status=status,
                        src_cap_mw=cap)
