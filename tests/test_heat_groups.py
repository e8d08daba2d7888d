"""Heat per building group: the index form equals the per-building form (issue #15).

:func:`gridmodel.restoration.restarts.restart_buildings` returns distinct state timelines
and the timeline of each building; :func:`gridmodel.thermal.building_temperatures` takes
the forcing as distinct columns and an index (``timeline=``, ``occupant_timeline=``).
Both must give, building by building, what the per-building (time x building) form gives:
the same temperatures, the same distinct trajectories in the same order.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.heat.layer import load_layer
from gridmodel.pipeline import HeatInputs, _input_columns, flats_powered, heat_chain
from gridmodel.thermal import ARCHETYPE_PARAMETERS, building_temperatures, indoor_temperature

ARCHETYPES = sorted(ARCHETYPE_PARAMETERS)
FIELDS = ("temp_indoor", "inverse", "archetype", "timeline", "timelines",
          "temp_indoor_initial", "heat_level", "occupant_on")


def _assert_same(a, b):
    """Two DistinctTrajectories equal field by field (None alike)."""
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)


@st.composite
def _forcing(draw):
    """Distinct heat timelines with levels, occupant columns and buildings on them."""
    n_t = draw(st.integers(2, 30))
    n_tl, n_occ, n_b = (draw(st.integers(1, 6)), draw(st.integers(1, 4)),
                        draw(st.integers(1, 40)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    heat = rng.random((n_t, n_tl)) < 0.6
    level = np.where(heat, rng.choice([0.35, 0.5, 0.734, 1.0], (n_t, n_tl)), 0.0)
    occ = rng.random((n_t, n_occ)) < 0.7
    return dict(
        temp=-5.0 + 3.0 * rng.standard_normal(n_t), heat=heat, level=level, occ=occ,
        tl=rng.integers(0, n_tl, n_b), oc=rng.integers(0, n_occ, n_b),
        arch=rng.choice(ARCHETYPES, n_b), t0=rng.choice([19.0, 17.5], n_b),
        with_level=draw(st.booleans()), occ_w=draw(st.sampled_from([0.0, 4.0])))


@settings(max_examples=60, deadline=None)
@given(_forcing())
def test_index_form_equals_the_per_building_form(f):
    level = f["level"] if f["with_level"] else None
    index = building_temperatures(
        f["temp"], f["heat"], f["arch"], f["t0"], timeline=f["tl"], heat_level=level,
        occupant_on=f["occ"], occupant_timeline=f["oc"], occupant_w_per_m2=f["occ_w"])
    matrix = building_temperatures(
        f["temp"], f["heat"][:, f["tl"]], f["arch"], f["t0"],
        heat_level=None if level is None else level[:, f["tl"]],
        occupant_on=f["occ"][:, f["oc"]], occupant_w_per_m2=f["occ_w"])
    _assert_same(index, matrix)
    # and each building computed alone (levels are whole per cent or the rounding rule's)
    per_cent = None if level is None else np.where(
        f["heat"], np.clip(np.rint(level * 100), 1, 100) / 100, 0.0)[:, f["tl"]]
    alone = indoor_temperature(
        f["temp"][:, None], f["heat"][:, f["tl"]], f["arch"], f["t0"], heat_level=per_cent,
        occupant_on=f["occ"][:, f["oc"]] if f["occ_w"] > 0 else None,
        occupant_w_per_m2=f["occ_w"])
    np.testing.assert_array_equal(index.to_buildings(), alone)


def test_index_form_without_occupants_numbers_timelines_as_the_matrix_form():
    rng = np.random.default_rng(5)
    heat = rng.random((24, 5)) < 0.5
    tl = np.array([4, 1, 1, 3, 4, 0])  # column 2 unused
    arch = np.array(ARCHETYPES)[rng.integers(0, len(ARCHETYPES), tl.size)]
    temp = np.full(24, -8.0)
    _assert_same(building_temperatures(temp, heat, arch, timeline=tl),
                 building_temperatures(temp, heat[:, tl], arch))


def test_occupant_columns_must_match_the_buildings():
    heat = np.ones((4, 3), dtype=bool)
    with pytest.raises(ValueError, match="occupant_timeline"):
        building_temperatures(np.zeros(4), heat, "panel_9_12", timeline=[0, 1],
                              occupant_on=np.ones((4, 3), bool), occupant_w_per_m2=1.0)
    with pytest.raises(ValueError, match="occupant_timeline indices"):
        building_temperatures(np.zeros(4), heat, "panel_9_12", timeline=[0, 1],
                              occupant_on=np.ones((4, 1), bool), occupant_timeline=[0, 1],
                              occupant_w_per_m2=1.0)


# ---- the chain on the tiny layer --------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_layer(tiny_folder):
    layer = load_layer(tiny_folder / "heat")
    assumptions = copy.deepcopy(layer.assumptions)
    assumptions.update(capacity_cut={"rule": "reduced_heat", "reduced_min_share": 0.5},
                       occupants={"heating_w_per_m2": 4.0})
    return dataclasses.replace(layer, assumptions=assumptions)


def _inputs(layer, hours=72):
    """The CHP at 40 % from hour 2, the boiler house lost hours 20-40, each (node, queue)
    off 3 h in 8 at its own phase."""
    index = pd.date_range("2026-01-15", periods=hours, freq="h", tz="UTC")
    assets, nodes, nq = _input_columns(layer)
    aa = pd.DataFrame(1.0, index=index, columns=assets)
    aa.iloc[2:, aa.columns.get_loc("heat:tiny-chp")] = 0.4
    boiler = [a for a in assets if "boiler" in a]
    aa.iloc[20:40, [aa.columns.get_loc(a) for a in boiler]] = 0.0
    h = np.arange(hours)
    bpow = pd.DataFrame({col: (h + 3 * j) % 8 >= 3 for j, col in enumerate(nq)}, index=index)
    bpow.columns = pd.MultiIndex.from_tuples(nq, names=["grid_node", "queue"])
    npow = pd.DataFrame(True, index=index, columns=nodes)
    return pd.Series(-12.0, index=index), HeatInputs(aa, npow, bpow)


def test_the_chain_on_groups_equals_the_chain_per_building(tiny_layer):
    """heat_chain (state timelines, occupant columns, index form) gives every building
    what the per-building form of the same states gives."""
    temp, inputs = _inputs(tiny_layer)
    chain = heat_chain(tiny_layer, temp, inputs)
    bh = chain.heat
    n_b = len(tiny_layer.buildings)
    assert bh.timeline.shape == (n_b,)
    assert bh.n_timelines <= n_b
    for name in ("heat_on", "without_heat", "drained", "interrupted", "cause",
                 "freeze_risk", "heat_level"):
        tl = getattr(bh, f"{name}_timelines")
        np.testing.assert_array_equal(getattr(bh, name), tl[:, bh.timeline], err_msg=name)
    assert bh.heat_level is not None
    assert (bh.heat_level[bh.heat_on] < 1).any()
    powered, of_building = flats_powered(tiny_layer, inputs, len(temp))
    assert not powered.all()
    per_building = building_temperatures(
        temp, bh.heat_on, tiny_layer.buildings["archetype"].to_numpy(),
        float(tiny_layer.assumptions["comfort"]["initial_indoor_c"]),
        heat_level=bh.heat_level, occupant_on=powered[:, of_building],
        occupant_w_per_m2=4.0)
    _assert_same(chain.temperatures, per_building)
