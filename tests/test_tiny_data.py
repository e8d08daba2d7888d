"""The tiny network and heat layer on disk (tests/data/tiny/README.md), and one run of the
chain on them whose answers are worked out on paper."""

from __future__ import annotations

import numpy as np
import pytest

import gridmodel
from gridmodel.heat.layer import archetype_h_w_m2k, load_layer
from gridmodel.pipeline import build_context, check_layer_assets, run_chain
from gridmodel.studies.scenario import load_scenario, scenario_strikes
from gridmodel.weather import load_profile

IMPORT_CAP_MW = 20.0 + 2.0  # network.toml [imports] commercial + emergency
STRIKE_HOUR = 4  # strikes.csv: 04:00 local, the run starts at 00:00 local
CHP_ZONE, BOILER_ZONE = "zone:tiny-chp-north", "zone:tiny-boilers-south"


@pytest.fixture(scope="module")
def tiny_run(tiny_folder):
    """The tiny scenario through :func:`gridmodel.pipeline.run_chain`: (context, chain)."""
    sc = load_scenario(tiny_folder / "scenario.toml")
    ctx = build_context(sc)
    strikes, _ = scenario_strikes(sc, ctx.net, ctx.layer)
    return ctx, run_chain(ctx, strikes, sc.seed)


def test_tiny_network_loads_with_its_sources_and_loads(tiny_folder):
    net = gridmodel.load_network(tiny_folder / "network", status_date="2026-01-15")
    assert (len(net.bus), len(net.line), len(net.trafo), len(net.load)) == (4, 2, 2, 8)
    gen = net.gen.set_index("plant_id")
    assert gen.at["plant:tiny-chp", "max_p_mw"] == pytest.approx(2.5)
    assert gen.at["import:tiny-border", "max_p_mw"] == pytest.approx(IMPORT_CAP_MW)
    assert net.load["p_mw"].sum() == pytest.approx(25.0)
    assert set(net.load["priority_class"]) == {"residential", "industry", "heat_water",
                                               "critical"}
    assert net.status_active.empty


def test_tiny_layer_loads_and_sources_cover_their_design_load(tiny_folder):
    layer = load_layer(tiny_folder / "heat")
    assert (len(layer.districts), len(layer.sources), len(layer.zones), len(layer.pumping),
            len(layer.buildings)) == (2, 2, 2, 2, 14)
    net = gridmodel.load_network(tiny_folder / "network")
    check_layer_assets(net, layer, "tiny")  # every grid node of the layer is in the network
    b = layer.buildings
    ua_w_per_k = b["archetype"].map(archetype_h_w_m2k) * b["floor_area_m2"]
    design_mw = (ua_w_per_k * (20.0 - -22.0) / 1e6).groupby(b["source_id"]).sum()
    assert design_mw.round(2).to_dict() == {"heat:tiny-chp": 2.77,
                                            "heat:tiny-boilers-south": 1.96}
    cap = layer.sources.set_index("source_id")["heat_capacity_mw"]
    assert (cap.reindex(design_mw.index) >= design_mw).all()
    np.testing.assert_allclose(b["design_load_kw"], ua_w_per_k * 42.0 / 1e3, atol=0.05)


def test_tiny_weather_has_its_zone_and_covers_the_run(tiny_folder):
    temp = load_profile(tiny_folder / "weather.csv")
    assert str(temp.index.tz) == "Europe/Kyiv"
    assert len(temp) == 72
    assert (temp.min(), temp.max()) == (pytest.approx(-12.0), pytest.approx(-8.0))


def test_served_plus_shed_is_demand_and_only_industry_is_shed(tiny_run):
    ctx, chain = tiny_run
    loads = chain.timeline.loads
    assert len(loads) == 48 * 8
    np.testing.assert_allclose(loads["served_mw"] + loads["shed_mw"], loads["demand_mw"],
                               atol=1e-9)
    assert (loads.loc[loads["priority_class"] != "industry", "shed_mw"] == 0).all()
    hourly = loads.groupby("time")[["demand_mw", "shed_mw"]].sum()
    assert hourly.index.equals(ctx.index.tz_convert("UTC"))
    demand, shed = hourly["demand_mw"].to_numpy(), hourly["shed_mw"].to_numpy()
    # with the CHP (hours 0-3): 24.5 MW of sources for at most 20 MW; without it: 22 MW
    assert (shed[:STRIKE_HOUR] == 0).all()
    assert demand[:STRIKE_HOUR].max() < IMPORT_CAP_MW + 2.5
    np.testing.assert_allclose(shed[STRIKE_HOUR:],
                               np.maximum(0.0, demand[STRIKE_HOUR:] - IMPORT_CAP_MW), atol=1e-9)
    assert shed.max() > 0


def test_chp_zone_loses_heat_at_the_strike_and_is_drained(tiny_run):
    ctx, chain = tiny_run
    chp = chain.inputs.asset_available["plant:tiny-chp"].to_numpy()
    assert (chp[:STRIKE_HOUR] == 1).all()
    assert (chp[STRIKE_HOUR:] == 0).all()
    zone = ctx.layer.buildings["zone_id"].eq(CHP_ZONE).to_numpy()
    assert zone.sum() == 8
    heat_on = chain.heat.heat_on
    assert heat_on[:STRIKE_HOUR, zone].all()
    assert not heat_on[STRIKE_HOUR:, zone].any()
    # outage of 720 h > bridging time 6.4 h x ln(51.9 / 11.9) = 9.4 h: drained at once
    assert (chain.heat.drain_time[zone] == STRIKE_HOUR).all()
    assert (chain.heat.heat_back[zone] == -1).all()
    assert ctx.layer.buildings.loc[zone, "residents"].sum() == 2120


def test_boiler_zone_keeps_heat_but_for_tall_buildings_off_their_queue(tiny_run):
    ctx, chain = tiny_run
    b = ctx.layer.buildings
    zone = b["zone_id"].eq(BOILER_ZONE).to_numpy()
    tall = (b["floors"] > int(ctx.layer.param("power", "tall_floors"))).to_numpy()
    heat_on = chain.heat.heat_on
    assert zone.sum() == 6
    assert (zone & tall).sum() == 2
    assert heat_on[:, zone & ~tall].all()
    assert not chain.heat.drained[:, zone].any()
    power = chain.inputs.building_power
    for i in np.flatnonzero(zone & tall):
        on = power[(b.at[i, "grid_node"], int(b.at[i, "queue"]))].to_numpy()
        np.testing.assert_array_equal(heat_on[:, i], on)
    assert not power.all().all()  # the deficit puts some queues off

