"""The compiled scenario-state pass equals its numpy specification bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.outage._kernel import finish_state_nb


def finish_state_numpy(bus_alive, br_in, br_from, br_to, br_in_service, br_frac, br_rating0,
                       src_cap0, src_frac, src_bus, load_frac, load_bus, load_in_service,
                       load_counts, demand):
    """The numpy expressions :func:`finish_state_nb` computes element by element."""
    br_alive = br_in & bus_alive[br_from] & bus_alive[br_to]
    src_cap = src_cap0 * src_frac * bus_alive[src_bus]
    load_alive = (load_frac > 0) & bus_alive[load_bus] & load_in_service
    return (br_alive, br_in_service & ~br_alive,
            br_rating0 * np.where(br_frac > 0, br_frac, 1.0), src_cap, load_alive,
            np.where(load_counts, demand, 0.0), np.where(load_alive, load_frac, 0.0))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_finish_state_numba_equals_numpy(seed):
    rng = np.random.default_rng(seed)
    n_bus, n_br, n_src, n_load = 12, 18, 7, 9
    args = (
        rng.random(n_bus) > 0.2,  # bus_alive
        rng.random(n_br) > 0.2,  # br_in
        rng.integers(0, n_bus, n_br), rng.integers(0, n_bus, n_br),
        rng.random(n_br) > 0.1,  # br_in_service
        rng.choice([0.0, 0.3, 1.0], n_br), rng.random(n_br) * 900,
        rng.random(n_src) * 500, rng.choice([0.0, 0.5, 1.0], n_src), rng.integers(0, n_bus, n_src),
        rng.choice([0.0, 0.7, 1.0], n_load), rng.integers(0, n_bus, n_load),
        rng.random(n_load) > 0.1, rng.random(n_load) > 0.1, rng.random(n_load) * 100,
    )
    for a, b in zip(finish_state_nb(*args), finish_state_numpy(*args), strict=True):
        np.testing.assert_array_equal(a, b)
