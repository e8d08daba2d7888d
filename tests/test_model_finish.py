"""The compiled and numpy versions of the scenario-state pass agree bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.outage._kernel import finish_state_nb
from gridmodel.outage._model import _finish_numpy


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
    for a, b in zip(finish_state_nb(*args), _finish_numpy(*args), strict=True):
        np.testing.assert_array_equal(a, b)
