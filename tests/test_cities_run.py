"""Several cities in one run (issue 13): the scenario form, and a fourth city written from
scratch - its city node declared in a copy of the tiny network's data, its layer checked
and run beside the tiny city's with no code change."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gridmodel.cli import main
from gridmodel.config import HeatConfig
from gridmodel.studies.scenario import ScenarioError, load_scenario

TINY = Path(__file__).resolve().parent / "data" / "tiny"
BOX = (30.03, 49.99, 30.07, 50.02)  # the fourth city's one district [degrees]


def _append(path: Path, rows: list[dict]) -> None:
    df = pd.read_csv(path)
    pd.concat([df, pd.DataFrame(rows)], ignore_index=True).to_csv(path, index=False)


def _declare_node(net: Path) -> None:
    """The fourth city's 110 kV node in the network's data: substation, bus, trafo, loads,
    and its supply area (rolling blackouts queue it on its own)."""
    _append(net / "substations.csv", [{"substation_id": "sub:fourth-110-east",
                                       "name": "Fourth East 110", "aliases": "East",
                                       "oblast": "Tinyska", "lon": 30.05, "lat": 50.005}])
    _append(net / "buses.csv", [{"bus_id": "bus:fourth-110-east", "name": "Fourth East 110 kV",
                                 "substation_id": "sub:fourth-110-east", "vn_kv": 110,
                                 "oblast": "Tinyska", "lon": 30.05, "lat": 50.005,
                                 "abroad": False}])
    trafo = pd.read_csv(net / "trafos.csv").iloc[0].to_dict()
    trafo.update(trafo_id="trafo:tiny-330-east", name="Tiny 330/110 kV T-3 (East)",
                 lv_bus="bus:fourth-110-east")
    _append(net / "trafos.csv", [trafo])
    _append(net / "loads.csv", [
        {"load_id": f"load:fourth-east-{k}", "name": f"Fourth East {k}",
         "bus_id": "bus:fourth-110-east", "oblast": "Tinyska", "priority_class": k,
         "p_mw": mw, "q_mvar": mw / 5}
        for k, mw in (("residential", 3.0), ("industry", 2.0), ("heat_water", 0.5),
                      ("critical", 0.5))])
    toml = (net / "network.toml").read_text()
    (net / "network.toml").write_text(toml.replace(
        'own_area_substations = ["sub:tiny-110-*"]',
        'own_area_substations = ["sub:tiny-110-*", "sub:fourth-110-*"]'))


def _write_fourth_layer(d: Path, node: str = "bus:fourth-110-east", box=BOX,
                        network: str = "../network") -> None:
    """A one-district city: a boiler house, one zone, one pumping station, four buildings."""
    d.mkdir()
    shutil.copy(TINY / "heat" / "assumptions.toml", d / "assumptions.toml")
    (d / "layer.toml").write_text(
        '[meta]\nname = "fourth"\ncity = "Fourthville"\ntz = "Europe/Kyiv"\n'
        f'network = "{network}"\n\n[files]\ndistrict_polygons = "districts.geojson"\n')
    x0, y0, x1, y1 = box
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    (d / "districts.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"district": "east"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    lon0, lat0 = x0 + 0.01, y0 + 0.01
    pd.DataFrame([{"district": "east", "name": "East", "population_2021": 9000,
                   "centroid_lon": lon0 + 0.01, "centroid_lat": lat0 + 0.005,
                   "grid_node": node}]
                 ).to_csv(d / "districts.csv", index=False)
    pd.DataFrame([{"source_id": "heat:fourth-boilers", "name": "boiler house, East",
                   "kind": "boiler_aggregate", "power_asset": node, "heat_capacity_mw": 1.5,
                   "power_need_mw": 0.02, "backup_mw": 0.0, "backup_fuel_h": 0.0,
                   "lon": lon0, "lat": lat0}]).to_csv(d / "heat_sources.csv", index=False)
    pd.DataFrame([{"zone_id": "zone:fourth-east", "source_id": "heat:fourth-boilers",
                   "district": "east", "pump_id": "pump:fourth-east"}]
                 ).to_csv(d / "zones.csv", index=False)
    pd.DataFrame([{"pump_id": "pump:fourth-east", "zone_id": "zone:fourth-east",
                   "grid_node": node, "power_need_mw": 0.01, "backup_mw": 0.0,
                   "backup_fuel_h": 0.0}]).to_csv(d / "pumping.csv", index=False)
    pd.DataFrame([{"building_id": f"fourth-b{i}", "district": "east",
                   "zone_id": "zone:fourth-east", "source_id": "heat:fourth-boilers",
                   "archetype": arch, "floors": floors, "floor_area_m2": area,
                   "residents": area // 22, "grid_node": node, "queue": i % 6,
                   "lon": lon0 + 0.005 * i, "lat": lat0 + 0.003 * i}
                  for i, (arch, floors, area) in enumerate(
                      [("panel_9_12", 9, 6000), ("panel_16plus", 16, 9000),
                       ("khrushchyovka_5", 5, 3300), ("brick_stalin", 4, 2800)])]
                 ).to_csv(d / "buildings.csv", index=False)


@pytest.fixture(scope="module")
def two_cities(tmp_path_factory):
    """The tiny data copied, the fourth city added, both run in one scenario."""
    root = tmp_path_factory.mktemp("cities") / "tiny"
    shutil.copytree(TINY, root)
    _declare_node(root / "network")
    _write_fourth_layer(root / "fourth")
    sc = (root / "scenario.toml").read_text()
    sc = sc.replace('[heat]\nlayer = "./heat"\n', '[[heat.cities]]\nlayer = "./heat"\n\n'
                    '[[heat.cities]]\nlayer = "./fourth"\nweather = "weather.csv"\n')
    sc = sc.replace("plots = false", "plots = true")
    (root / "two.toml").write_text(sc)
    check = CliRunner().invoke(main, ["layer", "check", str(root / "fourth")])
    out = root.parent / "out"
    res = CliRunner().invoke(main, ["run", str(root / "two.toml"), "--out", str(out), "--quiet"])
    return root, out, check, res


def test_fourth_city_layer_checks_clean(two_cities):
    _, _, check, _ = two_cities
    assert check.exit_code == 0, check.output
    assert "OK (Fourthville: 1 districts" in check.output


def test_two_cities_run_each_with_its_name(two_cities):
    _, out, _, res = two_cities
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert list(s["cities"]) == ["tiny", "fourth"]
    assert s["cities"]["fourth"]["city"] == "Fourthville"
    assert s["cities"]["fourth"]["heat"]["buildings_total"] == 4
    assert s["cities"]["tiny"]["heat"] == s["heat"]  # the first city where one city has it
    assert set(s["cities"]["fourth"]["heat"]["by_district_at_peak"]) == {"east"}
    assert (out / "fourth" / "map_without_heat_peak.png").is_file()
    assert s["cities"]["fourth"]["plots"][0].startswith("fourth/")
    text = (out / "explanation.txt").read_text()
    assert "=== Fourthville (heat layer fourth" in text
    assert "=== Tinyville (heat layer tiny" in text
    assert "Fourthville: peak" in res.output


def test_frames_carry_the_city(two_cities):
    _, out, _, _ = two_cities
    b = pd.read_parquet(out / "heat_buildings.parquet")
    assert b.groupby("city").size().to_dict() == {"fourth": 4, "tiny": 14}
    hourly = pd.read_parquet(out / "heat_hourly.parquet")
    assert set(hourly["city"]) == {"tiny", "fourth"}
    loads = pd.read_parquet(out / "grid_loads.parquet")
    assert "city" not in loads.columns  # the grid is the run's, once


def test_each_city_has_its_own_gis_layers(two_cities):
    """Districts and buildings of each city in its own folder, every building placed
    (the first city's layer used to place every city's rows: NaN coordinates)."""
    _, out, _, _ = two_cities
    for city, districts, n in (("tiny", {"north", "south"}, 14), ("fourth", {"east"}, 4)):
        d = json.loads((out / city / "districts.geojson").read_text())
        assert {f["properties"]["district"] for f in d["features"]} == districts
        b = json.loads((out / city / "buildings.geojson").read_text())
        assert len(b["features"]) == n
        xy = np.array([f["geometry"]["coordinates"] for f in b["features"]], dtype=float)
        assert np.isfinite(xy).all()


def test_rolling_blackouts_reach_the_fourth_city(two_cities):
    _, out, _, _ = two_cities
    sched = pd.read_parquet(out / "grid_blackouts.parquet")
    assert "sub:fourth-110-east" in set(sched["area"].astype(str))
    text = (out / "explanation.txt").read_text()
    assert "Fourthville rolling blackouts: queues off" in text


def test_one_form_or_the_other(tmp_path):
    with pytest.raises(ValueError, match="either layer"):
        HeatConfig.model_validate({"layer": "kyiv", "cities": [{"layer": "odesa"}]})
    with pytest.raises(ValueError, match="names a layer twice"):
        HeatConfig.model_validate({"cities": [{"layer": "odesa"}, {"layer": "odesa"}]})
    sc = (TINY / "scenario.toml").read_text().replace(
        '[heat]\nlayer = "./heat"\n', '[heat]\nlayer = "./heat"\n\n[[heat.cities]]\nlayer = "x"\n')
    (tmp_path / "bad.toml").write_text(sc)
    with pytest.raises(ScenarioError, match=r"bad\.toml:\d+: heat: .*either layer"):
        load_scenario(tmp_path / "bad.toml")


def test_single_layer_form_is_one_city():
    cities = HeatConfig(layer="kharkiv").city_list("kharkiv-2026")
    assert [(c.layer, c.weather) for c in cities] == [("kharkiv", "kharkiv-2026")]


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("name", ["kharkiv_2026_02_03", "odesa_2026_02_03",
                                  "national_2026_02_03"])
def test_city_examples_validate(name):
    sc = load_scenario(EXAMPLES / f"{name}.toml")
    layers = [c.layer for c in sc.heat.city_list(sc.weather)]
    assert layers == {"kharkiv_2026_02_03": ["kharkiv"], "odesa_2026_02_03": ["odesa"],
                      "national_2026_02_03": ["kyiv", "kharkiv", "odesa"]}[name]


@pytest.mark.slow
def test_national_example_gives_each_city_its_figures(tmp_path):
    """3 Feb 2026 on all three cities: Kharkiv's figure is CHP-5's zone, named as its cause."""
    from gridmodel.heat.layer import load_layer

    res = CliRunner().invoke(main, ["run", str(EXAMPLES / "national_2026_02_03.toml"),
                                    "--out", str(tmp_path / "out"), "--quiet"])
    assert res.exit_code == 0, res.output
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [c["city"] for c in s["cities"].values()] == ["Kyiv", "Kharkiv", "Odesa"]
    b = load_layer("kharkiv").buildings
    chp5 = int((b["source_id"] == "heat:kharkiv-chp-5").sum())
    kh = s["cities"]["kharkiv"]["heat"]
    assert kh["buildings_without_heat_peak"] == chp5  # the zone drains, nothing else
    assert kh["by_cause"]["source_lost"] == chp5
    text = (tmp_path / "out" / "explanation.txt").read_text()
    part = text.split("=== Kharkiv")[1].split("=== Odesa")[0]
    assert "source Kharkiv CHP-5 lost" in part
    assert s["cities"]["kyiv"]["heat"]["buildings_without_heat_peak"] == 1036  # CHP-4's zone


def test_layer_named_beside_the_scenario_file(tmp_path, monkeypatch):
    """``layer = "heat"`` is the folder beside the scenario, whatever the working folder."""
    from gridmodel.pipeline import build_context

    shutil.copytree(TINY, tmp_path / "tiny")
    sc_path = tmp_path / "tiny" / "scenario.toml"
    sc_path.write_text(sc_path.read_text().replace('layer = "./heat"', 'layer = "heat"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    ctx = build_context(load_scenario(sc_path))
    assert ctx.layer.folder == tmp_path / "tiny" / "heat"
    assert ctx.layer.name == "tiny"


@pytest.mark.slow
def test_fourth_city_declared_in_the_network_data_and_rebuilt(tmp_path):
    """The fourth city's node declared in a copy of ukraine's curated data, the network
    rebuilt by networks/build_ukraine.py, the layer checked against it and run."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    nets = tmp_path / "networks"
    (nets / "ukraine").mkdir(parents=True)
    shutil.copy(root / "networks" / "build_ukraine.py", nets)
    for sub in ("curated", "sources"):
        shutil.copytree(root / "networks" / "ukraine" / sub, nets / "ukraine" / sub)
    _append(nets / "ukraine" / "curated" / "city_110kv.csv", [{
        "city": "Fourthville", "oblast": "Poltavska", "district": "east", "name": "East",
        "name_uk": "Схід", "lon": 34.56, "lat": 49.60, "population": 250000,
        "feed_1": 5082, "feed_2": 5150, "source": "[C] test city"}])
    params = nets / "ukraine" / "curated" / "parameters.toml"
    params.write_text(params.read_text().replace('"sub:odesa-110-*"]',
                                                 '"sub:odesa-110-*", "sub:fourthville-110-*"]'))
    built = tmp_path / "net"
    proc = subprocess.run([sys.executable, str(nets / "build_ukraine.py"), "--out", str(built)],
                          capture_output=True, text=True, env={"PYTHONPATH": str(root)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "bus:fourthville-110-east" in (built / "buses.csv").read_text()
    _write_fourth_layer(tmp_path / "fourth", node="bus:fourthville-110-east",
                        box=(34.53, 49.57, 34.59, 49.63), network=str(built))
    check = CliRunner().invoke(main, ["layer", "check", str(tmp_path / "fourth")])
    assert check.exit_code == 0, check.output
    (tmp_path / "run.toml").write_text(
        f'name = "fourthville"\nnetwork = "{built}"\nstatus_date = 2026-02-02\n'
        'weather = "kyiv-2026"\nstart = 2026-02-03T00:00:00+02:00\nhorizon_h = 48\n'
        'seed = 1\n\n[heat]\nlayer = "fourth"\n\n[outputs]\nframes = true\nplots = false\n')
    res = CliRunner().invoke(main, ["run", str(tmp_path / "run.toml"), "--out",
                                    str(tmp_path / "out"), "--quiet"])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "out" / "explanation.txt").read_text()
    assert "Fourthville rolling blackouts: queues off" in text
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["grid"]["city_load_shed_mw_peak"] > 0  # the national shortfall reaches it


def _page_data(html: str) -> dict:
    """The JSON the report's script reads (``<script id="report-data">``)."""
    import re

    m = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html,
                  re.S)
    return json.loads(m.group(1))


def test_report_shows_every_city(two_cities):
    """report.html of a run of two cities: one district map per city (the fourth city's
    a choropleth on its own district polygon, the tiny city's circles: it ships none),
    one row per city in the findings box, each city's figures equal to summary.json's."""
    _, out, _, res = two_cities
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    s = json.loads((out / "summary.json").read_text())
    assert 'id="map-tiny"' in html
    assert 'id="map-fourth"' in html
    assert '<path id="c1-d-0" class="district"' in html  # Fourthville's boundary
    assert '<circle id="d-0" class="district"' in html  # Tinyville: centroids only
    heats = _page_data(html)["heats"]
    assert [h["city"] for h in heats] == ["Tinyville", "Fourthville"]
    hourly = pd.read_parquet(out / "heat_hourly.parquet")
    for h, layer in zip(heats, ("tiny", "fourth"), strict=True):
        own = hourly[hourly["city"] == layer]
        per_hour = own.groupby("time")["buildings_without_heat"].sum().to_numpy()
        np.testing.assert_array_equal(np.sum(h["values"], axis=0), per_hour)
        assert max(per_hour) == s["cities"][layer]["heat"]["buildings_without_heat_peak"]
    table = html[html.index('data-table="key-findings"'):]
    table = table[:table.index("</table>")]
    rows = {r[r.index("<td class=k>") + 12:r.index("</td>")]: r
            for r in table.split("<tr>")[2:]}  # header row first
    for layer, name in (("tiny", "Tinyville"), ("fourth", "Fourthville")):
        h = s["cities"][layer]["heat"]
        cells = rows[name].split("</td>")
        assert cells[1].endswith(f"{h['buildings_total']:,}")
        assert cells[2].endswith(f"{h['buildings_without_heat_peak']:,}")
    assert "Fourthville" in html[html.index('class="headline"'):][:400]


def _wkb_polygon(w: bytes) -> list[list[list[float]]]:
    """A little-endian WKB Polygon back to GeoJSON rings (lon, lat)."""
    import struct

    order, kind, n_rings = struct.unpack_from("<BII", w)
    assert (order, kind) == (1, 3)
    pos, rings = 9, []
    for _ in range(n_rings):
        (n,) = struct.unpack_from("<I", w, pos)
        xy = np.frombuffer(w, "<f8", 2 * n, pos + 4).reshape(n, 2)
        rings.append(xy.tolist())
        pos += 4 + 16 * n
    assert pos == len(w)
    return rings


def test_district_gis_layer_is_the_boundary_when_the_layer_has_one(two_cities):
    """The fourth city ships its district polygon: districts.geojson and .geoparquet carry
    that boundary (with the centroid in lon/lat); the tiny city ships none: points."""
    import pyarrow.parquet as pq

    root, out, _, _ = two_cities
    own = json.loads((root / "fourth" / "districts.geojson").read_text())["features"][0]
    feat = json.loads((out / "fourth" / "districts.geojson").read_text())["features"][0]
    assert feat["geometry"] == own["geometry"]
    assert feat["properties"]["district"] == "east"
    assert {"lon", "lat"} <= set(feat["properties"])
    t = pq.read_table(out / "fourth" / "districts.geoparquet")
    geo = json.loads(t.schema.metadata[b"geo"])["columns"]["geometry"]
    assert geo["geometry_types"] == ["Polygon"]
    x0, y0, x1, y1 = BOX
    assert geo["bbox"] == [x0, y0, x1, y1]
    assert _wkb_polygon(t.column("geometry").to_pylist()[0]) == own["geometry"]["coordinates"]
    tiny = json.loads((out / "tiny" / "districts.geojson").read_text())["features"]
    assert {f["geometry"]["type"] for f in tiny} == {"Point"}
