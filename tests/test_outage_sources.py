"""Every source of an outage reaches heat: status, struck heat assets, dead-island CHPs.

Rules in docs/heat.md ("Every source of an outage reaches heat").
"""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from gridmodel.config import RunConfig
from gridmodel.heat.grid import heat_assets, island_energised, status_available
from gridmodel.pipeline import build_context, heat_inputs, run_chain
from gridmodel.strikes import StrikeTargetError, resolve_strikes, strikes_from_records

KYIV = dt.timezone(dt.timedelta(hours=2))
IDX = pd.date_range("2026-01-09T00:00+02:00", periods=4, freq="h")


def test_status_available_by_hand():
    status = pd.DataFrame({"asset_id": ["a", "b", "c"],
                           "status": ["destroyed", "damaged", "occupied"],
                           "available_fraction": [0.0, 0.4, 0.0]})
    got = status_available(status, IDX, ["a", "b", "x"])
    assert got.shape == (4, 3)
    assert (got["a"] == 0.0).all()
    assert (got["b"] == 0.4).all()
    assert (got["x"] == 1.0).all()
    assert (status_available(None, IDX, ["a"]) == 1.0).all().all()


def test_island_energised_by_hand():
    isl = pd.DataFrame({"time": [IDX[0], IDX[0], IDX[1], IDX[2]],
                        "buses": [["b1"], ["b2"], ["b1", "b2"], ["b2"]],
                        "energised": [True, False, True, True]})
    got = island_energised(isl, {"p1": "b1", "p2": "b2"}, IDX)
    # hour 0: b2 in a dead island; hour 2: b1 in no island (out); hour 3: no rows
    assert got["p1"].tolist() == [True, True, False, True]
    assert got["p2"].tolist() == [False, True, True, True]


def _ctx(status_date="2026-01-08", horizon_h=24):
    cfg = RunConfig(status_date=dt.date.fromisoformat(status_date),
                    start=dt.datetime(2026, 1, 9, tzinfo=KYIV), horizon_h=horizon_h,
                    weather="kyiv-2026", network="ukraine")
    return build_context(cfg)


@pytest.fixture(scope="module")
def ctx():
    return _ctx()


def _zone_without(chain, layer, zone: str) -> np.ndarray:
    """Buildings of ``zone`` without heat, per hour."""
    m = (layer.buildings["zone_id"] == zone).to_numpy()
    return chain.heat.without_heat[:, m].sum(axis=1)


def _strike(ctx, target: str, repair_h=12.0):
    raw = strikes_from_records([{"target": target, "time": "2026-01-09T02:00+02:00",
                                 "effect": "destroyed", "repair_h": repair_h}])
    return resolve_strikes(ctx.net, raw, extra=heat_assets(ctx.layer))


@pytest.mark.slow
def test_status_destroyed_source_is_out_from_hour_0():
    # status 2026-02-11: CHP-4 destroyed (networks/ukraine/status.csv), no strikes
    ctx = _ctx("2026-02-11")
    chain = run_chain(ctx, None, 1)
    layer = ctx.layer
    n_zone = int((layer.buildings["source_id"] == "heat:darnytsia-chp-4").sum())
    assert n_zone == 1036
    lost = ~chain.availability.supply_ok[0, chain.availability.group_of]
    assert lost[(layer.buildings["source_id"] == "heat:darnytsia-chp-4").to_numpy()].all()
    assert chain.heat.without_heat[0].sum() >= n_zone


@pytest.mark.slow
@pytest.mark.parametrize(("target", "zone"), [
    ("heat:boilers-darnytskyi", "zone:boilers-darnytskyi"),
    ("pump:chp-6-obolonskyi", "zone:chp-6-obolonskyi"),
])
def test_struck_boiler_house_and_pumping_station_stop_their_zones(ctx, target, zone):
    strikes = _strike(ctx, target)
    assert strikes["kind"].iloc[0] in ("heat_source", "pumping_station")
    chain = run_chain(ctx, strikes, 1)
    n = int((ctx.layer.buildings["zone_id"] == zone).sum())
    w = _zone_without(chain, ctx.layer, zone)
    assert w[:2].tolist() == [0, 0]  # before the strike (02:00)
    assert w[2] == n  # the whole zone from the strike hour
    others = (ctx.layer.buildings["zone_id"] != zone).to_numpy()
    assert chain.heat.without_heat[:, others].sum() == 0
    assert chain.heat_assets["asset_id"].tolist() == [target]


@pytest.mark.parametrize(("status", "fraction", "want"), [
    ("damaged", 0.2, 0.45),  # at least the layer's heat-only share (kyiv: 0.45)
    ("disabled", 0.0, 0.45),
    ("destroyed", 0.0, 0.0),  # a destroyed CHP makes no heat either
    ("damaged", 0.7, 0.7),  # above the share: what the status leaves
])
def test_status_damaged_chp_runs_heat_only_from_hour_0(ctx, status, fraction, want):
    """A CHP damaged or disabled in the network's status (not destroyed) gives heat at
    the layer's heat-only share from hour 0 (docs/heat.md); other assets keep theirs."""
    chain = run_chain(ctx, None, 1)
    index = chain.inputs.asset_available.index
    net = copy.copy(ctx.net)  # the same tables, another status
    net["status_active"] = pd.DataFrame({"asset_id": ["plant:kyiv-chp-5"], "status": [status],
                                         "available_fraction": [fraction]})
    got = heat_inputs(ctx.layer, net, chain.timeline, index).asset_available
    assert (got["plant:kyiv-chp-5"] == want).all()
    others = got.columns != "plant:kyiv-chp-5"
    np.testing.assert_array_equal(got.loc[:, others].to_numpy(),
                                  chain.inputs.asset_available.loc[:, others].to_numpy())


def test_unknown_heat_id_is_a_strict_error(ctx):
    raw = strikes_from_records([{"target": "heat:boilers-darnytsky",
                                 "time": "2026-01-09T02:00+02:00", "effect": "destroyed"}])
    with pytest.raises(StrikeTargetError, match="boilers-darnytskyi"):
        resolve_strikes(ctx.net, raw, extra=heat_assets(ctx.layer))
    with pytest.raises(StrikeTargetError, match="unknown"):
        resolve_strikes(ctx.net, raw)  # without the heat layer: unknown
