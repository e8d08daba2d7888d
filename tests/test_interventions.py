"""Intervention files: the shipped example, strict validation, and variants that never
touch the base network or layer."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import gridmodel
from gridmodel.studies.planning import InterventionError, build_variant, load_defaults, load_plan

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "planning" / "kyiv_winter_plan.toml"


@pytest.fixture(scope="module")
def net():
    return gridmodel.load_network("ukraine", status_date="2026-02-02")


def write(tmp_path, body: str, name: str = "plan.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return p


def test_defaults_carry_source_and_tag():
    d = load_defaults()
    for kind in ("backup_generators", "modular_boilers", "cogeneration", "protection",
                 "spare_transformers", "interceptors", "restart_crews"):
        assert d[kind]["unit_cost"] > 0
        assert d[kind]["source"]
        assert d[kind]["tag"] in ("A", "B", "C")
    assert d["protection"]["unit_cost"] == 3.0e6  # FIELD_NOTES 8: about USD 3 M each


def test_example_plan_costs(net, kyiv_layer):
    plan = load_plan(PLAN, net=net, layer=kyiv_layer)
    by = plan.by_id()
    assert len(plan.interventions) == 7
    # 4 substations x USD 3 M (FIELD_NOTES 8)
    assert by["protect-330"].capital_cost == pytest.approx(12e6)
    # 7 sites x 2 MW x USD 0.6 M/MW [C]
    assert by["backup-pumps"].capital_cost == pytest.approx(7 * 2 * 0.6e6)
    # 100 MW(th) x USD 0.4 M/MW(th) [C, derived from FIELD_NOTES 8]
    assert by["modular-boilers-darnytskyi"].capital_cost == pytest.approx(40e6)
    assert by["cogen-desnianskyi"].params["heat_mw"] == pytest.approx(33.0)
    assert all(iv.currency == "USD" and iv.price_year == 2026 for iv in plan.interventions)
    assert plan.combinations == [("protect-330", "backup-pumps")]
    assert plan.scenario.name == "kyiv_winter_base.toml"


BAD_CASES = [
    ("""
     [[intervention]]
     id = "a"
     kind = "protecton"
     assets = ["sub:pivnichna"]
     """, ["unknown intervention kind 'protecton'", "did you mean 'protection'", ":4:"]),
    ("""
     [[intervention]]
     id = "a"
     kind = "protection"
     assets = ["sub:pivnichna"]
     unit_cost = -3e6
     """, ["unit_cost must be >= 0", "-3000000", ":6:"]),
    ("""
     [[intervention]]
     id = "b"
     kind = "modular_boilers"
     district = "darnytskyi"
     heat_mw = -10
     """, ["heat_mw [MW] must be > 0", ":6:"]),
    ("""
     [plan]
     interception_prob = 0.5
     combos = [["a", "b"]]

     [[intervention]]
     id = "a"
     kind = "restart_crews"
     crews = 10
     colour = "red"
     """, ["unknown key plan.combos", "did you mean 'combinations'", ":4:",
           "unknown key 'colour'", ":10:"]),
    ("""
     [[intervention]]
     id = "a"
     kind = "restart_crews"
     crews = 10

     [[intervention]]
     id = "a"
     kind = "restart_crews"
     crews = 5
     """, ["repeats the one at line 2"]),
    ("""
     [plan]
     combinations = [["a", "zzz"]]
     [[intervention]]
     id = "a"
     kind = "restart_crews"
     crews = 2.5
     """, ["crews must be a whole number", "unknown intervention id(s)"]),
    ("""
     [[intervention]]
     id = "a"
     kind = "backup_generators"
     """, ["lacks required key 'sites'"]),
    ("""[[intervention]
     id = 1
     """, ["TOML syntax error"]),
]


@pytest.mark.parametrize(("body", "needles"), BAD_CASES)
def test_bad_plans_name_file_line_and_fix(tmp_path, body, needles):
    p = write(tmp_path, body)
    with pytest.raises(InterventionError) as exc:
        load_plan(p)
    msg = str(exc.value)
    assert str(p) in msg
    for n in needles:
        assert n in msg, msg


def test_missing_file(tmp_path):
    with pytest.raises(InterventionError, match="does not exist"):
        load_plan(tmp_path / "nope.toml")


def test_unknown_asset_district_and_site_suggest(tmp_path, net, kyiv_layer):
    p = write(tmp_path, """
        [[intervention]]
        id = "p"
        kind = "protection"
        assets = ["sub:pivnichnaa"]

        [[intervention]]
        id = "m"
        kind = "modular_boilers"
        district = "darnitskyi"
        heat_mw = 10

        [[intervention]]
        id = "g"
        kind = "backup_generators"
        sites = ["pump:chp-5-holosiivsky"]
        """)
    with pytest.raises(InterventionError) as exc:
        load_plan(p, net=net, layer=kyiv_layer)
    msg = str(exc.value)
    assert f"{p}:5:" in msg
    assert "unknown asset 'sub:pivnichnaa'" in msg
    assert "sub:pivnichna" in msg  # suggestion from the registry
    assert f"{p}:10:" in msg
    assert "darnytskyi" in msg
    assert f"{p}:16:" in msg
    assert "pump:chp-5-holosiivskyi" in msg


def test_names_resolve_to_ids(tmp_path, net, kyiv_layer):
    p = write(tmp_path, """
        [[intervention]]
        id = "p"
        kind = "spare_transformers"
        assets = ["Pivnichna"]

        [[intervention]]
        id = "g"
        kind = "backup_generators"
        sites = ["Obolonskyi"]
        mw_per_site = 1
        """)
    plan = load_plan(p, net=net, layer=kyiv_layer)
    assert plan.interventions[0].params["assets"] == ["sub:pivnichna"]
    assert plan.interventions[1].params["sites"] == ["district:obolonskyi"]


def test_variants_leave_base_untouched(net, kyiv_layer):
    plan = load_plan(PLAN, net=net, layer=kyiv_layer)
    src0 = kyiv_layer.sources.copy()
    b0 = kyiv_layer.buildings[["zone_id", "source_id"]].copy()
    load0 = net.load["p_mw"].copy()
    crews0 = kyiv_layer.assumptions["restart"]["crews"]
    v = build_variant(net, kyiv_layer, plan.interventions, interception_prob=0.5)
    assert v.name == "+".join(iv.id for iv in plan.interventions)
    assert v.capital_cost == pytest.approx(sum(iv.capital_cost for iv in plan.interventions))
    # the base network and layer are unchanged
    assert kyiv_layer.sources.equals(src0)
    assert kyiv_layer.buildings[["zone_id", "source_id"]].equals(b0)
    assert net.load["p_mw"].equals(load0)
    assert kyiv_layer.assumptions["restart"]["crews"] == crews0
    # the variant carries every effect
    assert v.net is not net
    assert v.net_changed
    assert v.interception_prob == pytest.approx(0.65)
    assert v.damage_factor["sub:pivnichna"] == pytest.approx(0.3)
    assert v.damage_factor["trafo:pivnichna-330-110"] == pytest.approx(0.3)
    assert v.repair_cap_h["sub:kyivska-750"] == pytest.approx(72.0)
    assert v.layer.assumptions["restart"]["crews"] == crews0 + 40
    pump = v.layer.pumping.set_index("pump_id")
    assert pump.loc["pump:chp-6-obolonskyi", "backup_mw"] == pytest.approx(
        kyiv_layer.pumping.set_index("pump_id").loc["pump:chp-6-obolonskyi", "backup_mw"] + 2.0)
    assert pump.loc["pump:chp-6-obolonskyi", "backup_fuel_h"] == pytest.approx(72.0)
    moved = v.layer.buildings["source_id"] == "heat:modular-boilers-darnytskyi"
    assert moved.any()
    moved_kw = v.layer.buildings.loc[moved, "design_load_kw"].sum()
    assert 90e3 < moved_kw <= 100e3  # up to heat_mw of design load is moved
    assert set(v.layer.buildings.loc[moved, "district"]) == {"darnytskyi"}
    cog = v.layer.sources.set_index("source_id").loc["heat:cogen-desnianskyi"]
    assert cog["power_asset"] == ""  # self-powered
    d_loads = net.load["load_id"].str.startswith("load:kyiv-desnianskyi-")
    cut = net.load.loc[d_loads, "p_mw"].sum() - v.net.load.loc[d_loads, "p_mw"].sum()
    assert cut == pytest.approx(30.0)


def test_baseline_variant_shares_base(net, kyiv_layer):
    v = build_variant(net, kyiv_layer, ())
    assert v.name == "baseline"
    assert v.net is net
    assert v.layer is kyiv_layer
    assert v.capital_cost == 0.0
