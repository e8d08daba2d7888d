"""Speed of the building thermal model: prints ratios measured in one run, no assertions.

1. Exact 1R1C update (:func:`gridmodel.thermal.indoor_temperature`): building-hours per
   second for 10^3, 10^4 and 10^5 buildings over 14 days hourly.
2. The same 1R1C system with ``solve_ivp`` restarted at every breakpoint
   (:func:`gridmodel.thermal.indoor_temperature_ivp`) on a subset, scaled per building.
3. Distinct trajectories once (:func:`gridmodel.thermal.building_temperatures`) against all
   buildings on a Kyiv-like mix: about 12,000 buildings, 5 archetypes, 50 outage timelines.

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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    main(parser.parse_args().quick)
