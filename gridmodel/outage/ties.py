"""Re-feeding by switching: normally-open ties closed when a node loses its feeds.

A network folder's optional ``ties.csv`` lists normally-open ties between two nodes
(typically two city 110 kV nodes) with their capacity [MW], the time the operator needs
to switch them in [h] and a source or ``[C]`` (:mod:`gridmodel.network.tables` builds
them as out-of-service lines with ``normally_open`` True and ``switching_h``).

The rule (also ``docs/outage.md``)
----------------------------------
The outage timeline applies it where asset periods become step states
(:func:`gridmodel.outage.timeline.simulate_outages`), for both engines:

- a tie's end is **cut off** while its bus is alive but no source with capacity
  ``> 0`` is reachable from it over the live network with every tie open (strikes and
  repairs only: the rule sees the asset state, not the overload cascade);
- when one end is cut off and the other is not, the tie closes ``switching_h`` after
  the cut began, from the first step that starts at or after that moment (as a repair
  does), and opens again when the cut ends; a struck tie (damaged or destroyed) stays
  open until it is repaired, and closes then if the switching time has passed;
- closed, the tie is an ordinary branch rated at its capacity, and the operator re-feeds
  only what it carries: every live load on the cut-off side keeps
  ``min(1, capacity / their peak demand)`` of its connection (the rest is shed), so
  the district's load is served through the tie up to its capacity at the peak (less
  off-peak, with the same share); the constrained balance (:mod:`gridmodel.outage.lp`)
  keeps the flow within the rating where demand exceeds the peak.

In an outage mapping a tie listed with a remaining fraction ``f > 0`` is closed with
``f`` of its capacity (:func:`gridmodel.outage._model.apply_outages`); these periods
list the closed ties with ``f = 1``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gridmodel.strikes.repairs import STATE_COLUMNS

__all__ = ["TIE_EFFECT", "has_ties", "tie_periods", "with_tie_closings"]

#: ``effect`` of a tie-closing period in the timeline's asset table
TIE_EFFECT = "tie closed"


def has_ties(net) -> bool:
    """Whether ``net`` has normally-open ties (``net.line.normally_open``)."""
    col = net.line.get("normally_open") if len(net.line) else None
    return col is not None and bool(col.fillna(False).astype(bool).any())


def with_tie_closings(net, periods: pd.DataFrame, t0: pd.Timestamp, t_end: pd.Timestamp,
                      step_h: float) -> pd.DataFrame:
    """``periods`` with the tie-closing periods of :func:`tie_periods` appended.

    Unchanged (the same object) for a network without ties.
    """
    if not has_ties(net):
        return periods
    from gridmodel.outage._model import build_model

    model = build_model(net)
    periods = _struck_ties_open(model, periods)
    closing = tie_periods(net, model, periods, t0, t_end, step_h)
    if not len(closing):
        return periods
    return pd.concat([periods, closing], ignore_index=True)


def _struck_ties_open(model, periods: pd.DataFrame) -> pd.DataFrame:
    """A struck tie is not switched in until repaired: its strike periods get fraction 0
    (a tie listed with ``f > 0`` would be closed)."""
    tie_ids = set(model.br_asset[model.br_normally_open])
    hit = periods["asset_id"].isin(tie_ids) & (periods["remaining_fraction"] > 0)
    if not hit.any():
        return periods
    return periods.assign(remaining_fraction=periods["remaining_fraction"].mask(hit, 0.0))


def tie_periods(net, model, periods: pd.DataFrame, t0: pd.Timestamp, t_end: pd.Timestamp,
                step_h: float) -> pd.DataFrame:
    """Periods in which ties are closed and the loads they re-feed capped (module rule).

    Parameters
    ----------
    net : pandapowerNet
        Network with ties (``switching_h`` read from ``net.line``).
    model : gridmodel.outage._model.Model
        Its array view.
    periods : DataFrame
        Asset-state periods of strikes and repairs
        (:func:`gridmodel.strikes.repairs.asset_states`).
    t0, t_end : Timestamp
        Simulated period (UTC).
    step_h : float
        Step [h]: a tie closes from the first step starting at or after its switching time.

    Returns
    -------
    DataFrame
        :data:`~gridmodel.strikes.repairs.STATE_COLUMNS`, ``effect`` :data:`TIE_EFFECT`:
        per closing, the tie with ``remaining_fraction`` 1 and every live load on the
        cut-off side with ``min(1, capacity / their peak demand)``.
    """
    ties = np.flatnonzero(model.br_normally_open)
    bounds, cut, struck, sides = _cut_off(model, periods, t0, t_end, ties)
    switching = net.line.loc[model.br_index[ties], "switching_h"].to_numpy(float)
    step = pd.Timedelta(hours=step_h)

    def on_step(t):  # the first step starting at or after t
        return t0 + step * math.ceil((t - t0) / step)

    rows = []
    for j, k in enumerate(ties):
        for i0, i1 in _runs(cut[:, j]):
            switched = bounds[i0] + pd.Timedelta(hours=float(switching[j]))
            share = _load_share(model, sides[i0][j], model.br_rating_mw[k])
            for u0, u1 in _runs(~struck[i0:i1, j]):
                close, end = on_step(max(switched, bounds[i0 + u0])), bounds[i0 + u1]
                if close >= end:
                    continue
                for aid, f in [(model.br_asset[k], 1.0), *share]:
                    rows.append({"asset_id": aid, "start": close, "end": end,
                                 "remaining_fraction": f, "effect": TIE_EFFECT,
                                 "returns": True, "strike_rows": ""})
    return pd.DataFrame(rows, columns=STATE_COLUMNS)


def _load_share(model, loads: np.ndarray, capacity_mw: float) -> list[tuple[str, float]]:
    """``(load id, min(1, capacity / peak demand of loads))`` for loads below 1."""
    peak = float(model.load_demand_mw[loads].sum())
    f = min(1.0, capacity_mw / peak) if peak > 0 else 1.0
    return [] if f >= 1.0 else [(model.load_id[j], f) for j in loads]


def _cut_off(model, periods: pd.DataFrame, t0, t_end, ties: np.ndarray):
    """Interval bounds; per interval and tie whether exactly one end is cut off and
    whether the tie is struck; per interval the live loads on each tie's cut-off side."""
    from gridmodel.outage._model import apply_outages

    times = pd.concat([periods["start"], periods["end"]]) if len(periods) else pd.Series([])
    inner = [t for t in pd.to_datetime(times, utc=True).tolist() if t0 < t < t_end]
    bounds = sorted({t0, t_end, *inner})
    cut = np.zeros((len(bounds) - 1, len(ties)), dtype=bool)
    struck = np.zeros_like(cut)
    sides = []
    a, b = model.br_from[ties], model.br_to[ties]
    for i, t in enumerate(bounds[:-1]):
        live = periods[(periods["start"] <= t) & (periods["end"] > t)]
        state = live.groupby("asset_id")["remaining_fraction"].min().to_dict()
        st = apply_outages(model, state)
        fed, comp = _fed_buses(model, st)
        struck[i] = [state.get(model.br_asset[k], 1.0) == 0.0 for k in ties]
        cut[i] = st.bus_alive[a] & st.bus_alive[b] & (fed[a] != fed[b])
        dark_end = np.where(fed[a], b, a)
        load_comp = np.where(st.load_alive, comp[model.load_bus], -1)
        sides.append([np.flatnonzero(load_comp == comp[e]) for e in dark_end])
    return bounds, cut, struck, sides


def _fed_buses(model, st) -> tuple[np.ndarray, np.ndarray]:
    """Buses that reach a source with capacity ``> 0`` over live branches, ties open,
    and the component of every bus."""
    n = model.n_bus
    use = st.br_alive & ~model.br_normally_open
    f, t = model.br_from[use], model.br_to[use]
    adj = coo_matrix((np.ones(len(f)), (f, t)), shape=(n, n))
    _, comp = connected_components(adj, directed=False)
    src = model.src_bus[st.src_cap_mw > 0]
    fed_comp = np.zeros(comp.max() + 1, dtype=bool)
    fed_comp[comp[src]] = True
    return fed_comp[comp] & st.bus_alive, comp


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``(first, end)`` interval positions of each run of True flags."""
    out, start = [], None
    for i, on in enumerate(flags):
        if on and start is None:
            start = i
        if not on and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(flags)))
    return out
