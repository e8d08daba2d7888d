"""Kharkiv and Odesa heat layers (issue 13): deterministic rebuilds, the layer check, and data
checks of the layer totals against ../shared/docs/CITY_FACTS.md (within 10 %)."""

import importlib.util
from pathlib import Path

import pytest

from gridmodel.heat.check import layer_problems
from gridmodel.heat.layer import load_layer

ROOT = Path(__file__).resolve().parents[1]
BUILT = ("buildings.csv", "heat_sources.csv", "zones.csv", "pumping.csv")
SCRIPTS = {"kharkiv": "build_kharkiv.py", "odesa": "build_odesa.py"}

#: CITY_FACTS K2: residential buildings on district heat per district (derived from the
#: 2008 heating-start report) - the figures the data checks compare the layer with
KHARKIV_DH_BUILDINGS_CITY_FACTS = {
    "shevchenkivskyi": 870, "saltivskyi": 1090, "kyivskyi": 825, "industrialnyi": 607,
    "slobidskyi": 752, "nemyshlianskyi": 605, "novobavarskyi": 460, "osnovianskyi": 402,
    "kholodnohirskyi": 360}
#: CITY_FACTS K3: CHP-5's zone, 354,294 residents (341,182 in the city), 7.29 M m2 residential
CHP5_RESIDENTS_CITY_FACTS = 354_294
CHP5_CITY_RESIDENTS_CITY_FACTS = 341_182
CHP5_RESIDENTIAL_M2_CITY_FACTS = 7.29e6
#: CITY_FACTS O2: Odesa's residential buildings on central heating (2017)
ODESA_DH_BUILDINGS_CITY_FACTS = 3_859


def _build(city: str):
    path = ROOT / "networks" / city / SCRIPTS[city]
    spec = importlib.util.spec_from_file_location(f"build_{city}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.build


@pytest.fixture(scope="module")
def kharkiv():
    return load_layer("kharkiv")


@pytest.fixture(scope="module")
def odesa():
    return load_layer("odesa")


@pytest.mark.parametrize("city", sorted(SCRIPTS))
def test_rebuild_equals_shipped_bytes(tmp_path, city):
    _build(city)(out=tmp_path)
    shipped = ROOT / "networks" / city
    for name in BUILT:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name


@pytest.mark.parametrize("city", sorted(SCRIPTS))
def test_layer_check_passes_with_polygons_and_grid(city):
    """Every building inside its district polygon, every grid id in the ukraine network."""
    assert layer_problems(ROOT / "networks" / city) == []


def test_data_check_kharkiv_buildings_per_district(kharkiv):
    counts = kharkiv.buildings.groupby("district").size()
    for district, n in KHARKIV_DH_BUILDINGS_CITY_FACTS.items():
        assert counts[district] == pytest.approx(n, rel=0.10), district


def test_data_check_kharkiv_chp5_zone(kharkiv):
    b = kharkiv.buildings[kharkiv.buildings["source_id"] == "heat:kharkiv-chp-5"]
    assert b["residents"].sum() == pytest.approx(CHP5_RESIDENTS_CITY_FACTS, rel=0.10)
    assert b["residents"].sum() == pytest.approx(CHP5_CITY_RESIDENTS_CITY_FACTS, rel=0.10)
    assert b["floor_area_m2"].sum() == pytest.approx(CHP5_RESIDENTIAL_M2_CITY_FACTS, rel=0.10)
    # the website's five districts, no other (CITY_FACTS K4)
    assert set(b["district"]) == {"shevchenkivskyi", "saltivskyi", "kyivskyi",
                                  "kholodnohirskyi", "novobavarskyi"}


def test_data_check_odesa_buildings_on_central_heat(odesa):
    assert len(odesa.buildings) == pytest.approx(ODESA_DH_BUILDINGS_CITY_FACTS, rel=0.10)
    chp = odesa.buildings[odesa.buildings["source_id"] == "heat:odesa-chp"]
    assert "prymorskyi" in set(chp["district"])  # the CHP heats the centre (CITY_FACTS O2)


def test_city_ids_do_not_collide(kharkiv, odesa):
    """Source, zone, pump and building ids are unique across the three cities (one run)."""
    kyiv = load_layer("kyiv")
    for table, col in (("sources", "source_id"), ("zones", "zone_id"), ("pumping", "pump_id"),
                       ("buildings", "building_id")):
        ids = [i for lay in (kyiv, kharkiv, odesa) for i in getattr(lay, table)[col]]
        assert len(ids) == len(set(ids)), table
