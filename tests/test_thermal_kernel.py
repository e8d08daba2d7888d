"""The compiled 1R1C time loop equals the numpy formulation it replaced, bit for bit.

``gridmodel.thermal.rc._exact_kernel`` steps over time in one numba pass; the former
vectorised numpy loop is kept here as the reference (same equations, same order of
operations). Both are run on random forcing of every shape the heat chain passes: shared
or per-building air, heat, occupants and heat levels.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.thermal.rc import _exact_kernel


def reference_kernel(temp_air, heat_on, h, c_j, gains, q_max, temp_setpoint, temp0, step_s,
                     occupant=None, level=None):
    """The numpy loop of ``_exact_kernel`` before it was compiled (commit 8e22625)."""
    n_t = temp_air.shape[0]
    n_b = max(temp_air.shape[1], heat_on.shape[1], np.size(h), np.size(c_j), np.size(temp0))
    decay = np.broadcast_to(np.exp(-step_s * h / c_j), (n_b,))
    relax = 1.0 - decay
    gain_rise = np.broadcast_to(gains / h, (n_b,))
    gain_step = relax * gain_rise
    heat_rise = np.broadcast_to(q_max / h * relax, (n_b,))
    if occupant is not None:
        occupant_rise = np.broadcast_to(relax * occupant[1] / h, (n_b,))
    shared_air = temp_air.shape[1] == 1
    shared_heat = heat_on.shape[1] == 1
    out = np.empty((n_t, n_b))
    out[0] = np.broadcast_to(np.asarray(temp0, dtype=float), (n_b,))
    buf = np.empty(n_b)
    held = np.empty(n_b)
    for k in range(n_t - 1):
        nxt = out[k + 1]
        np.multiply(out[k], decay, out=nxt)
        if shared_air:
            np.multiply(relax, temp_air[k, 0], out=buf)
            buf += gain_step
        else:
            np.add(temp_air[k], gain_rise, out=buf)
            buf *= relax
        nxt += buf
        if occupant is not None:
            occ = occupant[0][k] & ~heat_on[k]
            nxt += np.where(occ, occupant_rise, 0.0)
        if shared_heat and not heat_on[k, 0]:
            continue
        np.maximum(nxt, temp_setpoint, out=held)
        if level is not None and (level[k] < 1.0).any():
            air = temp_air[k, 0] if shared_air else temp_air[k]
            np.minimum(heat_rise, level[k] * np.maximum(temp_setpoint - air, 0.0) * relax,
                       out=buf)
            np.copyto(buf, heat_rise, where=level[k] >= 1.0)
            buf += nxt
        else:
            np.add(nxt, heat_rise, out=buf)
        np.minimum(held, buf, out=held)
        if shared_heat:
            nxt[:] = held
        else:
            np.copyto(nxt, held, where=heat_on[k])
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_t=st.integers(1, 60), n_b=st.integers(1, 40),
       shared_air=st.booleans(), shared_heat=st.booleans(),
       occupants=st.sampled_from([None, "shared", "each"]),
       levels=st.sampled_from([None, "shared", "each"]), step_h=st.sampled_from([0.25, 1.0]))
def test_compiled_loop_equals_the_numpy_loop(seed, n_t, n_b, shared_air, shared_heat,
                                             occupants, levels, step_h):
    rng = np.random.default_rng(seed)
    temp_air = rng.uniform(-25, 10, (n_t, 1 if shared_air else n_b))
    heat_on = rng.random((n_t, 1 if shared_heat else n_b)) < 0.6
    h = rng.uniform(0.4, 2.5, n_b)
    c_j = rng.uniform(50e3, 400e3, n_b)
    gains = rng.uniform(0, 6, n_b)
    q_max = rng.uniform(20, 80, n_b)
    temp0 = rng.uniform(5, 22, n_b)
    occupant = None
    if occupants is not None:
        occupant = (rng.random((n_t, 1 if occupants == "shared" else n_b)) < 0.5,
                    float(rng.uniform(0.5, 5)))
    level = None
    if levels is not None:
        raw = np.round(rng.uniform(0.3, 1.4, (n_t, 1 if levels == "shared" else n_b)), 2)
        level = np.minimum(raw, 1.0)  # about a third of the shares at full heat
    args = (temp_air, heat_on, h, c_j, gains, q_max, 20.0, temp0, step_h * 3600.0,
            occupant, level)
    got, want = _exact_kernel(*args), reference_kernel(*args)
    assert got.shape == want.shape
    assert np.array_equal(got, want)  # bit for bit (no NaN in these inputs)


def test_scalar_parameters_broadcast_as_before():
    temp_air = np.linspace(-20, 5, 30)[:, None]
    heat_on = (np.arange(30) % 7 < 4)[:, None]
    args = (temp_air, heat_on, 1.2, 150e3, 3.0, 60.0, 20.0, 19.0, 3600.0, None, None)
    np.testing.assert_array_equal(_exact_kernel(*args), reference_kernel(*args))
