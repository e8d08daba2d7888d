"""The scenario-state passes equal their specifications bit for bit: the compiled pass its
numpy expressions, the gathered outage fractions the outages applied in turn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridmodel
from gridmodel.outage._kernel import finish_state_nb
from gridmodel.outage._model import _asset_action, _base_arrays, _element_fractions, build_model


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


def element_fractions_loop(model, outs):
    """Each outage applied in turn, as :func:`_element_fractions` did before it gathered
    them per element kind (the specification it must equal)."""
    bus_alive, br_in = model.bus_in_service.copy(), model.br_in_service.copy()
    br_frac = np.ones(model.n_branch)
    src_frac = np.where(model.src_in_service, 1.0, 0.0)
    load_frac = np.where(model.load_in_service, 1.0, 0.0)
    shunt_in, removed = model.shunt_in_service.copy(), []
    for aid, f in outs.items():
        code, pos, trs = _asset_action(model, aid)
        if f == 0.0:
            removed.append(aid)
        if code == "buses":
            if f == 0.0:
                bus_alive[pos] = False
            else:
                br_frac[trs] = np.minimum(br_frac[trs], f)
        elif code == "branch":
            if f == 0.0:
                br_in[pos] = False
            elif model.br_normally_open[pos]:
                br_in[pos] = True
            br_frac[pos] = min(br_frac[pos], f)
        elif code == "source":
            src_frac[pos] = min(src_frac[pos], f)
        elif code == "load":
            load_frac[pos] = min(load_frac[pos], f)
        elif code == "shunt" and f == 0.0:
            shunt_in[pos] = False
    return bus_alive, br_in, br_frac, src_frac, load_frac, shunt_in, removed


@pytest.fixture(scope="module")
def ukraine_model():
    return build_model(gridmodel.load_network("ukraine"))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(0, 60))
def test_element_fractions_equal_the_outages_applied_in_turn(ukraine_model, seed, n):
    """Substations (with their transformers), plants, lines, loads and shunts removed or
    damaged: the gathered fractions equal the sequential ones bit for bit (ukraine has
    no normally-open tie: closing one is tests/test_ties.py's)."""
    model = ukraine_model
    rng = np.random.default_rng(seed)
    assets = sorted(model.assets)
    pick = rng.choice(assets, size=min(n, len(assets)), replace=False)
    outs = {str(a): float(rng.choice([0.0, 0.25, 0.6, 1.0])) for a in pick}
    got = _element_fractions(model, _base_arrays(model), outs)
    for a, b in zip(got, element_fractions_loop(model, outs), strict=True):
        np.testing.assert_array_equal(a, b)
