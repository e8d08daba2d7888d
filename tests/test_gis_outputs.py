"""A run's districts and buildings as GeoJSON and GeoParquet (gridmodel.report.gis), and a
short repr of its RunResult."""

from __future__ import annotations

import json
import struct

import pyarrow.parquet as pq
import pytest
from tiny_runs import TWO_STRIKES, tiny_run


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gis")
    return tiny_run(tmp, TWO_STRIKES, plots=False), tmp / "out"


def features(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def test_districts_carry_the_runs_figures(tiny):
    res, out = tiny
    h = res.summary["heat"]
    feats = {f["properties"]["district"]: f for f in features(out / "districts.geojson")}
    d = res.layer.districts.set_index("district")
    assert set(feats) == set(d.index)
    for k, f in feats.items():
        p = f["properties"]
        assert f["geometry"]["coordinates"] == [d.loc[k, "centroid_lon"],
                                                d.loc[k, "centroid_lat"]]
        assert p["name"] == d.loc[k, "name"]
        assert p["peak_without_heat"] == h["by_district"][k]["peak"]
        assert p["without_heat_at_run_peak"] == h["by_district_at_peak"][k]
    assert sum(f["properties"]["building_hours_without_heat"] for f in feats.values()) == \
        h["building_hours_without_heat"]
    # local time to the minute, as the report shows it
    north = feats["north"]["properties"]
    assert north["peak_time_local"] == "2026-01-15 04:00"  # the CHP strike's hour (input)


def test_buildings_carry_the_heat_buildings_frame(tiny):
    res, out = tiny
    feats = features(out / "buildings.geojson")
    assert len(feats) == res.summary["heat"]["buildings_total"]
    b = res.layer.buildings.set_index("building_id")
    for f in feats:
        bid = f["properties"]["building_id"]
        assert f["geometry"]["coordinates"] == [b.loc[bid, "lon"], b.loc[bid, "lat"]]
    assert sum(f["properties"]["hours_without_heat"] for f in feats) == \
        res.summary["heat"]["building_hours_without_heat"]
    # valid JSON: no NaN, times as strings or null
    text = (out / "buildings.geojson").read_text(encoding="utf-8")
    assert "NaN" not in text


@pytest.mark.parametrize("name", ["districts", "buildings"])
def test_geoparquet_points_equal_the_geojson(tiny, name):
    _, out = tiny
    t = pq.read_table(out / f"{name}.geoparquet")
    geo = json.loads(t.schema.metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["encoding"] == "WKB"
    points = [list(struct.unpack("<BIdd", w)[2:]) for w in t.column("geometry").to_pylist()]
    assert points == [f["geometry"]["coordinates"] for f in features(out / f"{name}.geojson")]
    assert t.num_rows == len(points)


def test_run_result_repr_is_one_short_line(tiny):
    res, _ = tiny
    text = repr(res)
    assert "\n" not in text
    assert len(text) < 400
    assert repr(res.scenario.name) in text
    assert f"{res.summary['heat']['buildings_without_heat_peak']} of " in text
