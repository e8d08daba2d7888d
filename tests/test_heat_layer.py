"""Kyiv heat layer: deterministic rebuild, published aggregates, clear errors on bad input."""

import importlib.util
import shutil
from pathlib import Path

import pytest

from gridmodel.heat.layer import HeatLayerError, load_layer

ROOT = Path(__file__).resolve().parents[1]
KYIV = ROOT / "networks" / "kyiv"
BUILT = ("buildings.csv", "heat_sources.csv", "zones.csv", "pumping.csv")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_kyiv", KYIV / "build_kyiv.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_rebuild_equals_shipped_bytes(tmp_path):
    _build_module().build(out=tmp_path)
    for name in BUILT:
        assert (tmp_path / name).read_bytes() == (KYIV / name).read_bytes(), name


def test_aggregates_match_published_counts(kyiv_layer):
    b = kyiv_layer.buildings
    assert len(b) == 12000  # FIELD_NOTES 3 / assumptions [building_total]
    chp4 = b[b["source_id"] == "heat:darnytsia-chp-4"]
    assert len(chp4) == 1036  # FIELD_NOTES 1 [A]
    assert set(chp4["district"]) == {"darnytskyi", "dniprovskyi"}
    assert chp4["floor_area_m2"].sum() == pytest.approx(4.5e6, rel=1e-4)  # [A]
    assert b["floor_area_m2"].sum() == pytest.approx(56.25e6, rel=1e-4)
    # 2014 table plus CHP-4 and new stock: no district has fewer than its 2014 count
    counts = b.groupby("district").size()
    base = kyiv_layer.districts.set_index("district")["buildings_2014"]
    assert (counts >= base.reindex(counts.index)).all()
    assert len(b[b["source_id"] == "heat:kyiv-energia"]) == 300
    assert b["grid_node"].str.startswith("bus:kyiv-110-").all()
    assert set(b["queue"]) == set(range(6))
    # buildings scatter inside the city
    assert b["lon"].between(30.2, 30.85).all()
    assert b["lat"].between(50.3, 50.6).all()


def test_every_heat_source_named_with_power_asset(kyiv_layer):
    s = kyiv_layer.sources.set_index("source_id")
    assert s.loc["heat:darnytsia-chp-4", "power_asset"] == "plant:darnytsia-chp-4"
    assert s.loc["heat:kyiv-chp-5", "power_asset"] == "plant:kyiv-chp-5"
    assert s.loc["heat:kyiv-chp-6", "power_asset"] == "plant:kyiv-chp-6"
    zoned = s[s.index.isin(kyiv_layer.zones["source_id"])]
    assert (zoned["heat_capacity_mw"] > 0).all()


def _copy(tmp_path):
    dst = tmp_path / "kyiv"
    shutil.copytree(KYIV, dst)
    return dst


def _edit_line(path, line_no, old, new):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1]
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_unknown_district_is_named(tmp_path):
    dst = _copy(tmp_path)
    _edit_line(dst / "buildings.csv", 2, ",holosiivskyi,", ",holosiivsky,")
    with pytest.raises(HeatLayerError, match=r"buildings.csv:2: district:.*did you mean"):
        load_layer(dst)


def test_building_without_archetype_is_named(tmp_path):
    dst = _copy(tmp_path)
    lines = (dst / "buildings.csv").read_text().splitlines(keepends=True)
    parts = lines[3].split(",")
    parts[4] = ""
    lines[3] = ",".join(parts)
    (dst / "buildings.csv").write_text("".join(lines))
    with pytest.raises(HeatLayerError, match=r"buildings.csv:4: archetype: is empty"):
        load_layer(dst)


def test_unknown_layer_lists_builtin():
    with pytest.raises(HeatLayerError, match="kyiv"):
        load_layer("kyev")


def test_build_names_a_broken_assumptions_file(tmp_path):
    bad = tmp_path / "assumptions.toml"
    bad.write_text("[meta]\nseed = \n", encoding="utf-8")
    with pytest.raises(HeatLayerError, match=r"assumptions.toml: TOML syntax error: .*line 2"):
        _build_module().build(bad, out=tmp_path)
