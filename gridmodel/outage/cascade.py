"""Overload cascade rule, shared by both engines.

After each power flow, every live branch whose loading exceeds the threshold trips, all
at once; the engine then re-islands, re-balances and re-flows, until no branch is
overloaded or the round limit is reached. A branch that tripped never returns within a
step.

DC rating convention (both engines; also ``docs/outage.md``):

- line: ``rating_mw = sqrt(3) * vn_kv(from bus) * max_i_ka * parallel * df``
  (the thermal current limit at nominal voltage and unity power factor);
- transformer: ``rating_mw = sn_mva * parallel * df``;
- damage multiplies the rating by the remaining fraction.

``loading = |p_from_mw| / rating_mw``; a branch trips when ``loading > threshold`` (with
a relative margin of :data:`TRIP_RTOL`, so that round-off never decides a trip of a
branch loaded exactly at its rating). In AC the engine uses pandapower's
``loading_percent / 100`` divided by the damage fraction.
"""

from __future__ import annotations

import numpy as np

from gridmodel.errors import CascadeLimitWarning, warn_model


def dc_loading(p_from_mw: np.ndarray, rating_mw: np.ndarray) -> np.ndarray:
    """Loading of branches in DC as a fraction of their rating.

    Parameters
    ----------
    p_from_mw : numpy.ndarray
        Active power at the from (hv) end [MW].
    rating_mw : numpy.ndarray
        Rating [MW] after damage.

    Returns
    -------
    numpy.ndarray
        ``|p_from_mw| / rating_mw``; ``inf`` for a zero rating carrying flow, 0 for a
        branch without flow.
    """
    p = np.abs(np.asarray(p_from_mw, dtype=float))
    r = np.asarray(rating_mw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r > 0, p / np.where(r > 0, r, 1.0), np.where(p > 0, np.inf, 0.0))
    return out


#: relative margin above the threshold before a branch trips, so that round-off in the
#: flows (1e-12 relative between solvers) never decides a trip at exactly the rating
TRIP_RTOL: float = 1e-9


def overloaded(loading: np.ndarray, alive: np.ndarray, threshold: float) -> np.ndarray:
    """Branches that trip this round: live and ``loading > threshold * (1 + TRIP_RTOL)``."""
    limit = threshold * (1.0 + TRIP_RTOL)
    return np.asarray(alive, dtype=bool) & (np.asarray(loading, dtype=float) > limit)


def trip_round(loading, live, threshold: float, rounds: int, max_rounds: int, br_asset,
               br_alive, tripped, log) -> tuple[int, str | None]:
    """One cascade round after a flow: trip every overloaded live branch, or stop.

    Updates ``br_alive``, ``tripped`` (the round each branch tripped in) and ``log``
    (``(round, asset_id, loading)``) in place; shared by the pandapower engine and the
    compiled engine's reference loop.

    Returns
    -------
    (rounds, status)
        ``status`` is None to go on with another round, ``"converged"`` when nothing is
        overloaded, ``"limit hit"`` when overloads remain after ``max_rounds`` rounds.
    """
    trip = overloaded(loading, live, threshold)
    if not trip.any():
        return rounds, "converged"
    if rounds >= max_rounds:
        return rounds, "limit hit"
    rounds += 1
    ks = np.flatnonzero(trip)
    log.extend((rounds, str(a), v) for a, v in zip(np.asarray(br_asset)[ks].tolist(),
                                                   np.asarray(loading, dtype=float)[ks].tolist(),
                                                   strict=True))
    br_alive[trip] = False
    tripped[trip] = rounds
    return rounds, None


def warn_cascade_limit(max_rounds: int, threshold: float, line_limits: bool) -> None:
    """Say that a cascade stopped at its round limit with overloads left
    (:class:`~gridmodel.errors.CascadeLimitWarning`); nothing when the cascade is off
    (``max_rounds == 0``, the caller's choice). One message whatever the engine or the
    step, so that a timeline says it once.

    What the result holds then depends on ``line_limits``: without, the branches stay in
    service overloaded (optimistic: more would have tripped); with, the line-limit LP
    redispatches and sheds load to bring them to their rating instead of letting them
    trip, which can shed more or less than the cascade's own end."""
    if max_rounds <= 0:
        return
    kept = ("the line-limit redispatch then brought them to their rating (shedding load) "
            "instead of letting them trip, so the result can differ either way from the "
            "cascade's end" if line_limits else
            "they stay in service overloaded, so the result is optimistic (more would have "
            "tripped)")
    warn_model(
        f"the overload cascade stopped at its round limit (max_cascade_rounds = "
        f"{max_rounds}) with branches still loaded above the trip loading ({threshold:g}): "
        f"{kept}. Raise [grid] max_cascade_rounds (max_cascade_rounds=) to let the "
        f"cascade run to its end.", CascadeLimitWarning, stacklevel=3)


#: trip loading used when neither the caller nor the network says otherwise
DEFAULT_TRIP_LOADING: float = 1.0


def trip_loading(parameters: dict | None, overload_threshold: float | None) -> float:
    """The loading above which branches trip: the argument, else the network's parameter.

    Networks give it as ``operation.trip_loading`` in their ``network.toml`` (for
    `ukraine`: the short-time emergency rating, a documented [C] parameter).
    """
    if overload_threshold is not None:
        return float(overload_threshold)
    op = (parameters or {}).get("operation", {})
    return float(op.get("trip_loading", DEFAULT_TRIP_LOADING))


def check_cascade_args(max_cascade_rounds: int, overload_threshold: float) -> None:
    """Validate the cascade arguments, naming the bad value."""
    from gridmodel.errors import InputError

    if int(max_cascade_rounds) != max_cascade_rounds or max_cascade_rounds < 0:
        msg = f"max_cascade_rounds must be an integer >= 0; got {max_cascade_rounds=}."
        raise InputError(msg)
    if not overload_threshold > 0:
        msg = f"overload_threshold must be > 0 (1.0 = the rating); got {overload_threshold=}."
        raise InputError(msg)
