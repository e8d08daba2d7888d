"""Speed of the building thermal model: prints ratios measured in one run, no assertions.

1. Exact 1R1C update (:func:`gridmodel.thermal.indoor_temperature`): building-hours per
   second for 10^3, 10^4 and 10^5 buildings over 14 days hourly.
2. The same 1R1C system with ``solve_ivp`` restarted at every breakpoint
   (:func:`gridmodel.thermal.indoor_temperature_ivp`) on a subset, scaled per building.
3. Distinct trajectories once (:func:`gridmodel.thermal.building_temperatures`) against all
   buildings on a Kyiv-like mix: about 12,000 buildings, 5 archetypes, 50 outage timelines.
4. The heat chain's trajectory step at scale: the shipped heat layers replicated to 10^6
   buildings (``--quick``: 10^5) with jittered archetype, queue and zone, 336 h, through
   group availability and crew restarts (hand-made inputs: a plant lost, pumps and
   rolling-blackout queues cut at random hours), then indoor temperatures in index form
   (distinct state timelines and occupant timelines, as :func:`gridmodel.pipeline.
   heat_chain` computes them) against every building computed (in chunks of 50,000),
   checked equal on a sample of 1,000 buildings (to every building's result and to the
   per-building form of the chain's states).

Run: ``python benchmarks/bench_thermal.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scipy.integrate import solve_ivp  # noqa: E402

from gridmodel.thermal import (  # noqa: E402
    ARCHETYPE_PARAMETERS,
    building_temperatures,
    indoor_temperature,
    indoor_temperature_ivp,
)

N_HOURS = 14 * 24
ARCHETYPES = np.array(list(ARCHETYPE_PARAMETERS))


def kyiv_shares() -> np.ndarray:
    """Archetype shares of the Kyiv heat layer's building registry (order of ARCHETYPES)."""
    from gridmodel.heat.layer import load_layer

    counts = load_layer("kyiv").buildings["archetype"].value_counts()
    shares = counts.reindex(ARCHETYPES, fill_value=0).to_numpy(float)
    return shares / shares.sum()


SHARES = kyiv_shares()


def best_time(func, repeat):
    """Best wall time of ``repeat`` calls [s] and the last result."""
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def weather(rng):
    hours = np.arange(N_HOURS)
    return -12 + 4 * np.sin(2 * np.pi * (hours - 8) / 24) + rng.normal(0, 1, N_HOURS)


def outage_timelines(rng, n_timelines):
    """Rolling-outage style heat-on timelines: blocks of 2-8 h off, some long outages."""
    timelines = np.ones((N_HOURS, n_timelines), dtype=bool)
    for j in range(n_timelines):
        period = rng.integers(8, 25)
        off = rng.integers(2, 9)
        phase = rng.integers(0, period)
        timelines[:, j] = (np.arange(N_HOURS) + phase) % period >= off
        if rng.random() < 0.2:  # a source destroyed: off from some day to the end
            timelines[rng.integers(24, N_HOURS) :, j] = False
    return timelines


def ivp_vectorised_no_heat(temp_air, arch, temp0=19.0):
    """solve_ivp over all buildings at once (state vector), heat off, restarted hourly.

    The setting of PERFORMANCE_NOTES ("restarted at every forcing breakpoint"); without
    the thermostat there are no per-building events, so one solve covers every building.
    """
    h = np.array([ARCHETYPE_PARAMETERS[a]["h_w_per_m2k"] for a in arch])
    c = np.array([ARCHETYPE_PARAMETERS[a]["c_kj_per_m2k"] for a in arch]) * 1000
    g = np.array([ARCHETYPE_PARAMETERS[a]["gains_w_per_m2"] for a in arch])
    out = np.empty((len(temp_air), len(arch)))
    out[0] = temp0
    for k in range(len(temp_air) - 1):
        sol = solve_ivp(
            lambda _t, y, air=temp_air[k]: (h * (air - y) + g) / c,
            (k * 3600.0, (k + 1) * 3600.0),
            out[k],
            rtol=1e-8,
            atol=1e-8,
        )
        out[k + 1] = sol.y[:, -1]
    return out


def main(quick=False):
    rng = np.random.default_rng(2026)
    temp_air = weather(rng)
    timelines = outage_timelines(rng, 50)
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)

    print(f"Thermal benchmark: 1R1C, {N_HOURS} hourly steps (14 days)")
    print("\n1. exact per-step update (indoor_temperature), all buildings computed")
    rates = {}
    for n in sizes:
        arch = rng.choice(ARCHETYPES, n, p=SHARES)
        heat_on = timelines[:, rng.integers(0, timelines.shape[1], n)]
        seconds, _ = best_time(
            lambda arch=arch, heat_on=heat_on: indoor_temperature(temp_air[:, None], heat_on, arch),
            3 if n <= 10_000 else 2,
        )
        rates[n] = n * N_HOURS / seconds
        print(f"   {n:>7} buildings: {seconds * 1e3:8.1f} ms  {rates[n]:12.3e} building-hours/s")

    n_ivp = 20 if quick else 100
    print(f"\n2. solve_ivp 1R1C restarted at every breakpoint, {n_ivp} buildings")
    arch = rng.choice(ARCHETYPES, n_ivp, p=SHARES)
    heat_on = timelines[:, rng.integers(0, timelines.shape[1], n_ivp)]
    t_exact, exact = best_time(lambda: indoor_temperature(temp_air[:, None], heat_on, arch), 3)
    t_ivp, ivp = best_time(
        lambda: indoor_temperature_ivp(temp_air[:, None], heat_on, arch, rtol=1e-8, atol=1e-8),
        1,
    )
    ivp_rate = n_ivp * N_HOURS / t_ivp
    print(f"   solve_ivp: {t_ivp:8.2f} s  {ivp_rate:12.3e} building-hours/s")
    print(f"   exact, same {n_ivp} buildings: {t_exact * 1e3:.2f} ms")
    print(f"   max |solve_ivp - exact| = {np.abs(ivp - exact).max():.2e} K")
    print(f"   ratio exact / solve_ivp, same {n_ivp} buildings: {t_ivp / t_exact:10.0f} x")
    for n in sizes:
        print(
            f"   ratio per building-hour, exact at {n:>7} vs solve_ivp: "
            f"{rates[n] / ivp_rate:10.0f} x"
        )

    print(f"\n   no heat, solve_ivp vectorised over the {n_ivp} buildings, restarted hourly:")
    t_vec, vec = best_time(lambda: ivp_vectorised_no_heat(temp_air, arch), 3)
    t_off, off = best_time(lambda: indoor_temperature(temp_air, False, arch), 3)
    print(
        f"   solve_ivp vectorised: {t_vec * 1e3:8.1f} ms, exact: {t_off * 1e3:6.2f} ms, "
        f"max diff {np.abs(vec - off).max():.1e} K, ratio {t_vec / t_off:6.0f} x"
    )

    n_b = 12_000
    print(f"\n3. distinct trajectories once: {n_b} buildings, 5 archetypes, 50 timelines")
    arch = rng.choice(ARCHETYPES, n_b, p=SHARES)
    timeline = rng.integers(0, timelines.shape[1], n_b)
    heat_on = timelines[:, timeline]
    t_all, full = best_time(lambda: indoor_temperature(temp_air[:, None], heat_on, arch), 3)
    t_matrix, grouped = best_time(lambda: building_temperatures(temp_air, heat_on, arch), 3)
    t_index, grouped_idx = best_time(
        lambda: building_temperatures(temp_air, timelines, arch, timeline=timeline), 3
    )
    same = np.array_equal(grouped.to_buildings(), full) and np.array_equal(
        grouped_idx.to_buildings(), full
    )
    print(
        f"   distinct trajectories: {grouped.n_distinct} of {n_b} buildings "
        f"(identical to all-buildings result: {same})"
    )
    print(f"   all buildings:                          {t_all * 1e3:8.1f} ms")
    print(
        f"   distinct, from (time x building) matrix: {t_matrix * 1e3:8.1f} ms  "
        f"gain {t_all / t_matrix:6.1f} x"
    )
    print(
        f"   distinct, from timeline index:           {t_index * 1e3:8.1f} ms  "
        f"gain {t_all / t_index:6.1f} x"
    )

    scale_section(100_000 if quick else 1_000_000, rng)


def replicated_layer(layer, n_buildings, rng, jitter=0.3):
    """``layer`` replicated to ``n_buildings`` buildings, each replica with its own zones.

    Replica ``r`` copies the buildings, zones (``zone_id#r``), their pumps (``pump_id#r``,
    same grid node), standby units if the layer has them (``standby_id#r``) and sections
    (``section_id#r``); in each replica a share ``jitter`` of
    the buildings is moved to a random zone of the replica (taking that zone's source),
    another to a random queue and another to a random archetype (the layer's shares).
    """
    import dataclasses

    import pandas as pd

    b0, z0, p0 = layer.buildings, layer.zones, layer.pumping
    n_rep = -(-n_buildings // len(b0))
    queues = (int(b0["queue"].min()), int(b0["queue"].max()) + 1)
    arch_share = b0["archetype"].value_counts(normalize=True)
    s0 = getattr(layer, "standby", None)
    parts, zones, pumps, standby = [], [], [], []
    for r in range(n_rep):
        b = b0.copy()
        for col in ("building_id", "zone_id", "section_id"):
            b[col] = b[col].astype(str) + f"#{r}"
        z = z0.assign(zone_id=z0["zone_id"] + f"#{r}", pump_id=z0["pump_id"] + f"#{r}")
        p = p0.assign(zone_id=p0["zone_id"] + f"#{r}", pump_id=p0["pump_id"] + f"#{r}")
        move = rng.random(len(b)) < jitter
        k = rng.integers(0, len(z), move.sum())
        b.loc[move, "zone_id"] = z["zone_id"].to_numpy()[k]
        b.loc[move, "source_id"] = z["source_id"].to_numpy()[k]
        move = rng.random(len(b)) < jitter
        b.loc[move, "queue"] = rng.integers(*queues, move.sum())
        move = rng.random(len(b)) < jitter
        b.loc[move, "archetype"] = rng.choice(arch_share.index.to_numpy(), move.sum(),
                                              p=arch_share.to_numpy())
        parts.append(b)
        zones.append(z)
        pumps.append(p)
        if s0 is not None:
            standby.append(s0.assign(standby_id=s0["standby_id"] + f"#{r}",
                                     zone_id=s0["zone_id"] + f"#{r}"))
    big = pd.concat(parts, ignore_index=True).iloc[:n_buildings].reset_index(drop=True)
    zones = pd.concat(zones, ignore_index=True)
    zones = zones[zones["zone_id"].isin(set(big["zone_id"]))].reset_index(drop=True)
    stats = big.groupby("zone_id").agg(buildings=("building_id", "size"),
                                       floor_area_m2=("floor_area_m2", "sum"),
                                       residents=("residents", "sum"),
                                       design_load_mw=("design_load_kw", "sum"))
    stats["design_load_mw"] /= 1000.0
    zones = zones.drop(columns=[c for c in stats.columns if c in zones]).join(
        stats, on="zone_id")[z0.columns]
    pumps = pd.concat(pumps, ignore_index=True)
    pumps = pumps[pumps["zone_id"].isin(set(zones["zone_id"]))].reset_index(drop=True)
    tables = {"buildings": big, "zones": zones, "pumping": pumps}
    if s0 is not None:
        standby = pd.concat(standby, ignore_index=True)
        tables["standby"] = standby[standby["zone_id"].isin(set(zones["zone_id"]))
                                    ].reset_index(drop=True)
    return dataclasses.replace(layer, **tables)


def scale_inputs(layer, temp, rng):
    """Hand-made heat inputs: one large source lost from hour 4, a fifth of the pumps off
    for 4-16 h, every (node, queue) off 2-6 h in each 24 h at its own phase."""
    import pandas as pd

    from gridmodel.pipeline import HeatInputs

    n_t = len(temp)
    src = layer.sources.sort_values("heat_capacity_mw")["source_id"].iloc[-1]
    aa = pd.DataFrame({src: np.r_[np.ones(4), np.zeros(n_t - 4)]}, index=temp.index)
    pumps = layer.pumping["pump_id"].to_numpy()
    cut = pumps[rng.random(pumps.size) < 0.2]
    avail = np.ones((n_t, cut.size))
    for j in range(cut.size):
        t0 = rng.integers(0, n_t - 16)
        avail[t0:t0 + rng.integers(4, 17), j] = 0.0
    aa = aa.join(pd.DataFrame(avail, index=temp.index, columns=cut))
    b = layer.buildings
    nq = sorted(set(zip(b["grid_node"], b["queue"].astype(int), strict=True)))
    hours = np.arange(n_t)
    on = np.ones((n_t, len(nq)), dtype=bool)
    for j in range(len(nq)):
        phase, off = rng.integers(0, 24), rng.integers(2, 7)
        on[:, j] = (hours + phase) % 24 >= off
    bp = pd.DataFrame(on, index=temp.index, columns=pd.MultiIndex.from_tuples(nq))
    return HeatInputs(asset_available=aa, node_power=None, building_power=bp)


def scale_section(n_target, rng):
    """Section 4: the heat chain's trajectory step at ``n_target`` buildings x 336 h."""
    import pandas as pd

    from gridmodel.heat.availability import group_availability
    from gridmodel.heat.layer import builtin_layers, load_layer
    from gridmodel.pipeline import flats_powered, restart_crews
    from gridmodel.restoration.restarts import restart_buildings
    from gridmodel.weather import load_profile

    w = load_profile("kyiv-2026")
    t0 = pd.Timestamp("2026-01-20 00:00", tz=w.index.tz)
    temp = w[t0:t0 + pd.Timedelta(hours=N_HOURS - 1)]
    names = [n for n in builtin_layers() if n in ("kyiv", "kharkiv", "odesa")]
    layers = [load_layer(n) for n in names]
    # buildings and sample of each layer in proportion to its size, summing to the targets
    share = np.cumsum([0] + [len(lay.buildings) for lay in layers]) / sum(
        len(lay.buildings) for lay in layers)
    sizes, samples = np.diff(np.rint(share * n_target)), np.diff(np.rint(share * 1_000))
    print(f"\n4. heat chain trajectory step: {', '.join(names)} replicated to "
          f"{n_target:,} buildings x {N_HOURS} h")
    t_index = t_all = 0.0
    n_groups = n_tl = n_traj = n_b = n_sample = 0
    same_all = same_chain = True
    for lay, n, n_s in zip(layers, sizes.astype(int), samples.astype(int), strict=True):
        big = replicated_layer(lay, n, rng)
        b = big.buildings
        n_groups += b.groupby(["source_id", "zone_id", "queue", "archetype"]).ngroups
        inputs = scale_inputs(big, temp, rng)
        ga = group_availability(big, temp, asset_available=inputs.asset_available,
                                building_power=inputs.building_power)
        rp = big.assumptions["restart"]
        bh = restart_buildings(ga, restart_crews(big), float(rp["crew_hours_per_building"]),
                               float(rp["heat_to_flats_h"]))
        occ_w = float((big.assumptions.get("occupants") or {}).get("heating_w_per_m2", 0.0))
        powered, powered_of = flats_powered(big, inputs, len(temp))
        arch = np.asarray(b["archetype"].to_numpy(), dtype=str)
        t0_c = float(big.assumptions["comfort"]["initial_indoor_c"])

        def index_form(bh=bh, arch=arch, powered=powered, powered_of=powered_of, occ_w=occ_w,
                       t0_c=t0_c):
            return building_temperatures(
                temp, bh.heat_on_timelines, arch, t0_c, timeline=bh.timeline,
                heat_level=bh.heat_level_timelines, occupant_on=powered,
                occupant_timeline=powered_of, occupant_w_per_m2=occ_w)

        t_i, temps = best_time(index_form, 2)
        t_index += t_i
        n_tl += bh.n_timelines
        n_traj += temps.n_distinct
        # every building computed (no sharing), fed its forcing column of the index form
        col = temps.timeline[temps.inverse]
        sample = np.sort(rng.choice(len(b), n_s, replace=False))
        ref = np.empty((len(temp), sample.size))
        for lo in range(0, len(b), 50_000):
            sl = slice(lo, min(lo + 50_000, len(b)))
            c = col[sl]
            kw = {}
            if temps.heat_level is not None:
                kw["heat_level"] = temps.heat_level[:, c]
            if temps.occupant_on is not None:
                kw.update(occupant_on=temps.occupant_on[:, c], occupant_w_per_m2=occ_w)
            tic = time.perf_counter()
            out = indoor_temperature(temp.to_numpy()[:, None], temps.timelines[:, c],
                                     arch[sl], t0_c, **kw)
            t_all += time.perf_counter() - tic
            inside = (sample >= sl.start) & (sample < sl.stop)
            ref[:, inside] = out[:, sample[inside] - sl.start]
        same_all &= np.array_equal(ref, temps.to_buildings(sample))
        # the same sample through the per-building (matrix) form of the chain's states
        tl, lv = bh.timeline[sample], bh.heat_level_timelines
        chain = building_temperatures(
            temp, bh.heat_on_timelines[:, tl], arch[sample], t0_c,
            heat_level=None if lv is None else lv[:, tl],
            occupant_on=powered[:, powered_of[sample]], occupant_w_per_m2=occ_w)
        same_chain &= np.array_equal(chain.to_buildings(), ref)
        n_b += len(b)
        n_sample += sample.size
    print(f"   {n_b:,} buildings in {n_groups:,} groups (source, zone, queue, archetype): "
          f"{n_tl:,} distinct state timelines, {n_traj:,} distinct trajectories")
    print(f"   every building computed:     {t_all:8.2f} s")
    print(f"   index form (distinct once):  {t_index:8.3f} s  ratio {t_all / t_index:6.1f} x")
    print(f"   equal on a sample of {n_sample:,} buildings: to all buildings {same_all}, "
          f"to the per-building form of the chain's states {same_chain}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    main(parser.parse_args().quick)
