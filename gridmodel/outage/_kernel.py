"""numba kernel of the compiled engine: one scenario, all cascade rounds, no Python.

Each round: islands by union-find (labels numbered by lowest bus position, as
:func:`gridmodel.outage.islands.canonical_labels`), the shared balance
(:func:`gridmodel.outage.balance.balance_core`, the very function the pandapower engine
runs), the low-rank DC flow of :mod:`gridmodel.outage._lowrank`, and the overload rule of
:mod:`gridmodel.outage.cascade` (the threshold with its margin is passed in).

Status codes: 0 converged, 1 round limit hit, -1 the low-rank update does not apply
(too many removed branches or a singular update): the caller refactorises instead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from gridmodel.outage.balance import balance_core


@njit(cache=True)
def _find(parent, a):
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True)
def island_labels_nb(n_bus, br_from, br_to, br_alive, bus_alive, labels):
    """Union-find islands; writes ``labels`` (-1 for dead buses), returns their number."""
    parent = np.arange(n_bus)
    for k in range(len(br_from)):
        if br_alive[k]:
            ra = _find(parent, br_from[k])
            rb = _find(parent, br_to[k])
            if ra != rb:
                if ra < rb:
                    parent[rb] = ra
                else:
                    parent[ra] = rb
    root_label = np.full(n_bus, -1, dtype=np.int64)
    n_isl = 0
    for i in range(n_bus):
        if not bus_alive[i]:
            labels[i] = -1
            continue
        r = _find(parent, i)
        if root_label[r] < 0:
            root_label[r] = n_isl
            n_isl += 1
        labels[i] = root_label[r]
    return n_isl


@njit(cache=True)
def flows_lowrank_nb(n_bus, br_from, br_to, b_pu, shift_rad, base_mva, in_b0, x_inv, z_t,
                     max_rank, labels, n_isl, energ_bus, br_alive, on, inj_mw, p_out):
    """Low-rank DC flows; writes ``p_out`` [MW]; False when the update does not apply."""
    inj, pfinj = _injections_pu_nb(n_bus, br_from, br_to, b_pu, shift_rad, base_mva,
                                   energ_bus, on, inj_mw)
    theta = _intact_angles_nb(x_inv, inj)
    w, n_w = _removed_non_ties_nb(n_isl, n_bus, br_from, br_to, in_b0, br_alive, labels)
    if n_w > max_rank:
        return False
    if n_w > 0:
        _woodbury_update_nb(theta, w[:n_w], br_from, br_to, b_pu, z_t)
    return _branch_flows_nb(theta, br_from, br_to, b_pu, pfinj, base_mva, on, p_out)


@njit(cache=True)
def _injections_pu_nb(n_bus, br_from, br_to, b_pu, shift_rad, base_mva, energ_bus, on,
                      inj_mw):
    """Bus injections [pu] of the energised buses with the phase-shift injections, and
    the shift injection ``Pfinj = -b shift`` per branch [pu]."""
    n_br = len(br_from)
    inj = np.zeros(n_bus)
    for i in range(n_bus):
        if energ_bus[i]:
            inj[i] = inj_mw[i] / base_mva
    pfinj = np.zeros(n_br)
    for k in range(n_br):
        if on[k]:
            pfinj[k] = -b_pu[k] * shift_rad[k]
            inj[br_from[k]] -= pfinj[k]
            inj[br_to[k]] += pfinj[k]
    return inj, pfinj


@njit(cache=True)
def _intact_angles_nb(x_inv, inj):
    """Angles of the intact network ``theta = X inj`` [rad] (row by row: X symmetric)."""
    n_bus = len(inj)
    theta = np.zeros(n_bus)
    for j in range(n_bus):  # X symmetric: theta = sum_j X[j, :] inj[j]
        v = inj[j]
        if v != 0.0:
            row = x_inv[j]
            for i in range(n_bus):
                theta[i] += row[i] * v
    return theta


@njit(cache=True)
def _removed_non_ties_nb(n_isl, n_bus, br_from, br_to, in_b0, br_alive, labels):
    """Branches of the intact matrix now removed, minus a spanning forest of them over the
    current islands (those stay as zero-flow ties): ``(w, n_w)``, the first ``n_w``
    entries of ``w``."""
    n_br = len(br_from)
    parent = np.arange(n_isl + n_bus)
    w = np.empty(n_br, dtype=np.int64)
    n_w = 0
    for k in range(n_br):
        if in_b0[k] and not br_alive[k]:
            a = labels[br_from[k]]
            if a < 0:
                a = n_isl + br_from[k]
            c = labels[br_to[k]]
            if c < 0:
                c = n_isl + br_to[k]
            ra = _find(parent, a)
            rc = _find(parent, c)
            if ra != rc:
                parent[ra] = rc
            else:
                w[n_w] = k
                n_w += 1
    return w, n_w


@njit(cache=True)
def _woodbury_update_nb(theta, w, br_from, br_to, b_pu, z_t):
    """Remove branches ``w`` from ``theta`` in place (Woodbury identity, one
    ``|w| x |w|`` solve); ``z_t[k]`` is ``X`` times branch ``k``'s incidence column."""
    n_w = len(w)
    n_bus = len(theta)
    cmat = np.zeros((n_w, n_w))
    rhs = np.zeros(n_w)
    for i in range(n_w):
        fi = br_from[w[i]]
        ti = br_to[w[i]]
        for j in range(n_w):
            cmat[i, j] = -(z_t[w[j], fi] - z_t[w[j], ti])
        cmat[i, i] += 1.0 / b_pu[w[i]]
        rhs[i] = theta[fi] - theta[ti]
    y = np.linalg.solve(cmat, rhs)
    for j in range(n_w):
        col = z_t[w[j]]
        yj = y[j]
        for i in range(n_bus):
            theta[i] += col[i] * yj


@njit(cache=True)
def _branch_flows_nb(theta, br_from, br_to, b_pu, pfinj, base_mva, on, p_out):
    """``p_out = (b (theta_f - theta_t) + Pfinj) baseMVA`` on branches in use, 0 elsewhere;
    False on a non-finite flow (a singular update)."""
    for k in range(len(br_from)):
        if on[k]:
            p_out[k] = (b_pu[k] * (theta[br_from[k]] - theta[br_to[k]]) + pfinj[k]) * base_mva
            if not np.isfinite(p_out[k]):
                return False
        else:
            p_out[k] = 0.0
    return True


@njit(cache=True)
def run_scenario_nb(n_bus, br_from, br_to, b_pu, shift_rad, base_mva, in_b0, x_inv, z_t,
                    max_rank, bus_alive, br_alive, rating_mw, src_bus, src_cap_mw, load_bus,
                    load_alive, demand_mw, conn_mw, load_tier, trip_limit, max_rounds,
                    labels, dispatch_mw, served_mw, avail_mw, isl_demand_mw, isl_served_mw,
                    energised, p_mw, loading, tripped, trip_loading):
    """All rounds of one scenario; returns ``(n_islands, rounds, status)``.

    ``br_alive`` and ``tripped`` are updated in place; island arrays are sized
    ``n_bus`` (only the first ``n_islands`` entries are meaningful).
    """
    n_br = len(br_from)
    src_isl = np.empty(len(src_bus), dtype=np.int64)
    load_isl = np.empty(len(load_bus), dtype=np.int64)
    energ_bus = np.zeros(n_bus, dtype=np.bool_)
    on = np.zeros(n_br, dtype=np.bool_)
    inj = np.zeros(n_bus)
    rounds = 0
    status = 0
    n_isl = 0
    while True:
        n_isl = island_labels_nb(n_bus, br_from, br_to, br_alive, bus_alive, labels)
        _island_of_elements_nb(labels, src_bus, load_bus, load_alive, src_isl, load_isl)
        balance_core(n_isl, src_isl, src_cap_mw, load_isl, demand_mw, conn_mw, load_tier,
                     dispatch_mw, served_mw, avail_mw[:n_isl], isl_demand_mw[:n_isl],
                     isl_served_mw[:n_isl], energised[:n_isl])
        _energised_injections_nb(labels, energised, br_alive, br_from, src_bus, dispatch_mw,
                                 load_bus, served_mw, energ_bus, on, inj)
        ok = flows_lowrank_nb(n_bus, br_from, br_to, b_pu, shift_rad, base_mva, in_b0, x_inv,
                              z_t, max_rank, labels, n_isl, energ_bus, br_alive, on, inj, p_mw)
        if not ok:
            return n_isl, rounds, -1
        if not _loadings_nb(on, p_mw, rating_mw, trip_limit, loading):
            break
        if rounds >= max_rounds:
            status = 1
            break
        rounds += 1
        for k in range(n_br):
            if on[k] and loading[k] > trip_limit:
                br_alive[k] = False
                tripped[k] = rounds
                trip_loading[k] = loading[k]
    return n_isl, rounds, status


@njit(cache=True)
def _island_of_elements_nb(labels, src_bus, load_bus, load_alive, src_isl, load_isl):
    """Island of every source and every load (-1 for a load that is not alive)."""
    for k in range(len(src_bus)):
        src_isl[k] = labels[src_bus[k]]
    for j in range(len(load_bus)):
        load_isl[j] = labels[load_bus[j]] if load_alive[j] else -1


@njit(cache=True)
def _energised_injections_nb(labels, energised, br_alive, br_from, src_bus, dispatch_mw,
                             load_bus, served_mw, energ_bus, on, inj):
    """Energised buses, branches in use (alive, from an energised bus) and the net bus
    injections ``dispatch - served`` [MW], written into ``energ_bus``, ``on``, ``inj``."""
    for i in range(len(labels)):
        energ_bus[i] = labels[i] >= 0 and energised[labels[i]]
        inj[i] = 0.0
    for k in range(len(br_from)):
        on[k] = br_alive[k] and energ_bus[br_from[k]]
    for k in range(len(src_bus)):
        inj[src_bus[k]] += dispatch_mw[k]
    for j in range(len(load_bus)):
        inj[load_bus[j]] -= served_mw[j]


@njit(cache=True)
def _loadings_nb(on, p_mw, rating_mw, trip_limit, loading):
    """``|p| / rating`` of the branches in use (inf for a zero rating carrying flow, 0 off),
    written into ``loading``; True when one is above ``trip_limit``."""
    any_trip = False
    for k in range(len(on)):
        if on[k]:
            pk = abs(p_mw[k])
            r = rating_mw[k]
            if r > 0.0:
                loading[k] = pk / r
            elif pk > 0.0:
                loading[k] = np.inf
            else:
                loading[k] = 0.0
            if loading[k] > trip_limit:
                any_trip = True
        else:
            loading[k] = 0.0
    return any_trip


@njit(cache=True)
def run_demands_nb(n_bus, br_from, br_to, b_pu, shift_rad, base_mva, in_b0, x_inv, z_t,
                   max_rank, bus_alive, br_alive0, rating_mw, src_bus, src_cap_mw, load_bus,
                   load_alive, demand_mw, connectable, load_tier, trip_limit, max_rounds,
                   labels, dispatch_mw, served_mw, avail_mw, isl_demand_mw, isl_served_mw,
                   energised, n_islands, rounds, br_alive, loading, status):
    """:func:`run_scenario_nb` for one asset state under several demands.

    Row ``r`` of ``demand_mw`` (runs x loads) is one scenario; the per-run outputs are
    rows of the 2-D output arrays (``br_alive`` and ``loading``, runs x branches: the
    branches left after the cascade and their final loadings), and ``n_islands, rounds,
    status`` get one entry per run. Each run starts from ``br_alive0``. Same arithmetic
    as one call per run (connectable demand = demand x connectable fraction, as the
    caller of :func:`run_scenario_nb` computes it).
    """
    n_br = len(br_from)
    for r in range(demand_mw.shape[0]):
        br_alive[r, :] = br_alive0
        tripped = np.full(n_br, -1, dtype=np.int64)
        p_mw = np.zeros(n_br)
        trip_loading = np.zeros(n_br)
        conn = demand_mw[r] * connectable
        n_islands[r], rounds[r], status[r] = run_scenario_nb(
            n_bus, br_from, br_to, b_pu, shift_rad, base_mva, in_b0, x_inv, z_t, max_rank,
            bus_alive, br_alive[r], rating_mw, src_bus, src_cap_mw, load_bus, load_alive,
            demand_mw[r], conn, load_tier, trip_limit, max_rounds, labels[r],
            dispatch_mw[r], served_mw[r], avail_mw[r], isl_demand_mw[r], isl_served_mw[r],
            energised[r], p_mw, loading[r], tripped, trip_loading)


@njit(cache=True)
def finish_state_nb(bus_alive, br_in, br_from, br_to, br_in_service, br_frac, br_rating0,
                    src_cap0, src_frac, src_bus, load_frac, load_bus, load_in_service,
                    load_counts, demand):
    """The array part of :func:`gridmodel.outage._model.apply_outages` in one pass.

    Same arithmetic, element by element, as the numpy expressions it replaces, so the
    state is bit-identical.
    """
    n_br = len(br_from)
    br_alive = np.empty(n_br, dtype=np.bool_)
    br_removed = np.empty(n_br, dtype=np.bool_)
    br_rating = np.empty(n_br)
    for k in range(n_br):
        a = br_in[k] and bus_alive[br_from[k]] and bus_alive[br_to[k]]
        br_alive[k] = a
        br_removed[k] = br_in_service[k] and not a
        f = br_frac[k]
        br_rating[k] = br_rating0[k] * (f if f > 0 else 1.0)
    n_src = len(src_bus)
    src_cap = np.empty(n_src)
    for i in range(n_src):
        src_cap[i] = src_cap0[i] * src_frac[i] * (1.0 if bus_alive[src_bus[i]] else 0.0)
    n_load = len(load_bus)
    load_alive = np.empty(n_load, dtype=np.bool_)
    dem = np.empty(n_load)
    conn = np.empty(n_load)
    for j in range(n_load):
        la = load_frac[j] > 0 and bus_alive[load_bus[j]] and load_in_service[j]
        load_alive[j] = la
        dem[j] = demand[j] if load_counts[j] else 0.0
        conn[j] = load_frac[j] if la else 0.0
    return br_alive, br_removed, br_rating, src_cap, load_alive, dem, conn


@njit(cache=True)
def group_sums_nb(values, codes, n_groups):
    """Per-group column sums of ``values`` (runs, rows, columns) -> (runs, groups, columns).

    Compensated (Kahan) summation in row order, the arithmetic of pandas'
    ``groupby(...).sum()`` for float columns without missing values, so the timeline's
    per-oblast and per-class tables equal those of a ``groupby`` on its load table
    bit for bit. Rows with a negative code are skipped.
    """
    n_runs, n_rows, n_cols = values.shape
    out = np.zeros((n_runs, n_groups, n_cols))
    comp = np.zeros((n_groups, n_cols))
    for r in range(n_runs):
        comp[:, :] = 0.0
        for i in range(n_rows):
            g = codes[i]
            if g < 0:
                continue
            for j in range(n_cols):
                val = values[r, i, j]
                if val != val:  # NaN is skipped, as pandas does
                    continue
                y = val - comp[g, j]
                t = out[r, g, j] + y
                c = t - out[r, g, j] - y
                comp[g, j] = c if c == c else 0.0  # +-inf values make the compensation NaN
                out[r, g, j] = t
    return out
