"""report.html: self-contained, every section optional, content escaped."""

from __future__ import annotations

import copy
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from tiny_runs import TWO_STRIKES, tiny_run

import gridmodel
from gridmodel.heat.layer import load_layer
from gridmodel.report.html import write_report

matplotlib.use("Agg", force=True)


@pytest.fixture(scope="module")
def net():
    return gridmodel.load_network("ukraine", status_date="2026-02-02")


def png(path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    fig.savefig(path)
    plt.close(fig)
    return path


def heat_hourly():
    times = pd.date_range("2026-02-03T00:00+02:00", periods=6, freq="h")
    rows = []
    for d, k in (("darnytskyi", 100), ("obolonskyi", 40), ("pecherskyi", 0)):
        for i, t in enumerate(times):
            rows.append({"time": t, "district": d, "buildings_without_heat": k * i,
                         "people_without_heat": 30 * k * i})
    return pd.DataFrame(rows)


def external_refs(text: str) -> list[str]:
    """src/href attributes that would need a network connection."""
    return [m for m in re.findall(r'(?:src|href)="([^"]+)"', text)
            if not m.startswith(("data:", "#"))]


def test_minimal_report(tmp_path):
    p = write_report(tmp_path / "out")
    text = p.read_text(encoding="utf-8")
    assert p.name == "report.html"
    assert text.startswith("<!DOCTYPE html>")
    assert "gridmodel report" in text
    assert external_refs(text) == []


def test_full_report_sections(tmp_path, net):
    fig = png(tmp_path / "a.png")
    p = write_report(
        tmp_path / "out", title="Test <run>", scenario={"name": "x", "network": "ukraine"},
        summary={"heat": {"buildings_without_heat_peak": 5762}, "seed": 3,
                 "assets": list(range(50))},
        figures=[fig, ("missing one", tmp_path / "nope.png")],
        tables={"ranking": pd.DataFrame({"asset": ["<script>alert(1)</script>"],
                                         "mw": [1.5]}),
                "as records": [{"a": 1, "b": 2}]},
        network=net, struck_assets=["plant:darnytsia-chp-4", "sub:pivnichna",
                                    "line:khmelnytskyi-npp--shepetivka-330"],
        dark_buses={"2026-02-03T01:00": ["bus:pivnichna-330"], "2026-02-03T02:00": []},
        heat_frames={"heat_hourly": heat_hourly()},
        illustrative=["repair times [C]"],
        provenance={"seed": 3, "network_sha256": "abc",
                    "strikes": pd.DataFrame({"asset_id": ["sub:pivnichna"]})})
    text = p.read_text(encoding="utf-8")
    assert external_refs(text) == []
    assert "Test &lt;run&gt;" in text
    assert text.count("data:image/png;base64,") == 1
    assert "figure not found" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text
    for needle in ('id="map-network"', 'id="map-kyiv"', 'id="slider"', "Illustrative values",
                   "Provenance", "heat.buildings_without_heat_peak", "5,762", "[50 items]",
                   'class="struck"', "struck: Darnytsia"):
        assert needle in text, needle
    # the slider starts at the peak hour (index 5) of the heat frame
    assert re.search(r'id="slider"[^>]*value="5"', text)
    # data for the map is embedded as JSON
    assert '"districts": ["darnytskyi", "obolonskyi", "pecherskyi"]' in text


def test_wide_heat_frame_and_dark_list(tmp_path, net):
    idx = pd.date_range("2026-02-03", periods=3, freq="h", tz="UTC")
    wide = pd.DataFrame({"darnytskyi": [0, 5, 9], "podilskyi": [1, 1, 1]}, index=idx)
    dark = list(net.bus.index[:5])  # pandapower indices are mapped to bus ids
    p = write_report(tmp_path, heat_frames=wide, network=net, dark_buses=dark,
                     building_stock={"darnytskyi": 10, "podilskyi": 2})
    text = p.read_text(encoding="utf-8")
    assert '"stock": [10, 2]' in text
    assert str(net.bus["bus_id"].iloc[0]) in text


def test_network_without_coordinates(tmp_path, net):
    n2 = copy.deepcopy(net)
    n2.bus["lon"] = np.nan
    n2.bus["lat"] = np.nan
    if "geo" in n2.bus:
        n2.bus["geo"] = None
    text = write_report(tmp_path, network=n2).read_text(encoding="utf-8")
    assert "no bus coordinates" in text


def test_dark_buses_from_loads(net):
    from gridmodel.report.html import dark_buses_from_loads

    t = pd.Timestamp("2026-02-03T00:00+02:00")
    loads = pd.DataFrame({"time": [t, t], "load_id": ["load:kyiv-obolonskyi-critical",
                                                      "load:kyiv-podilskyi-critical"],
                          "energised": [False, True]})
    assert dark_buses_from_loads(loads, net) == {t.isoformat(): ["bus:kyiv-110-obolonskyi"]}


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    """The tiny run with two strikes (tests/tiny_runs.py), its report written by the run."""
    tmp = tmp_path_factory.mktemp("tiny-report")
    res = tiny_run(tmp, TWO_STRIKES)
    return res, (tmp / "out" / "report.html").read_text(encoding="utf-8")


def findings(text: str) -> dict[str, str]:
    """``data-finding`` key -> ``data-value`` of the findings box."""
    box = text[text.index('id="key-findings"'):text.index("</section>",
                                                          text.index('id="key-findings"'))]
    return dict(re.findall(r'data-finding="([^"]+)" data-value="([^"]*)"', box))


def test_run_report_opens_with_the_key_findings(tiny_report):
    res, text = tiny_report
    main = text[text.index("<main>"):]
    assert re.match(r'<main>\s*<section id="key-findings"', main)  # first on the page
    f = findings(text)
    h = res.summary["heat"]
    assert int(f["peak-buildings"]) == h["buildings_without_heat_peak"]
    assert int(f["peak-people"]) == h["people_without_heat_peak"]
    peak = pd.Timestamp(h["buildings_without_heat_peak_time"]).tz_convert("Europe/Kyiv")
    assert f["peak-time"] == peak.strftime("%Y-%m-%d %H:%M")
    names = dict(zip(res.layer.districts["district"], res.layer.districts["name"],
                     strict=True))
    hit = {names[d] for d, n in h["by_district_at_peak"].items() if n > 0}
    assert set(f["districts"].split("|")) == hit
    # local time to the minute, never nanosecond UTC
    box = text[text.index('id="key-findings"'):text.index('id="figures"')]
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", box)
    assert "+00:00" not in box


def test_heat_return_and_baseline_are_the_models(tiny_report, tmp_path):
    res, text = tiny_report
    f = findings(text)
    # the no-strike run of the same scenario, through the public API
    base = tiny_run(tmp_path / "base", [], out=None)
    assert int(f["baseline-peak-buildings"]) == base.summary["heat"][
        "buildings_without_heat_peak"]
    total = res.frames["heat_hourly"].groupby("time")["buildings_without_heat"].sum()
    base_total = base.frames["heat_hourly"].groupby("time")["buildings_without_heat"].sum()
    over = (total > base_total).to_numpy()
    k = int(np.flatnonzero(over)[-1]) + 1
    assert f["heat-returns"] == total.index[k].tz_convert("Europe/Kyiv").strftime(
        "%Y-%m-%d %H:%M")
    assert int(f["end-buildings"]) == res.summary["heat"]["buildings_without_heat_end"]


def test_drivers_are_leave_one_strike_out_runs(tiny_report, tmp_path):
    res, text = tiny_report
    f = findings(text)
    peak = res.summary["heat"]["buildings_without_heat_peak"]
    # without the CHP strike, only the boiler house's: its peak is what the page states
    alone = tiny_run(tmp_path, TWO_STRIKES[1:], out=None)
    without_chp = alone.summary["heat"]["buildings_without_heat_peak"]
    assert without_chp < peak
    m = re.search(r"Tiny CHP \(([\d,]+) people-hours; peak without it ([\d,]+)\)", text)
    assert m is not None
    assert int(m.group(2).replace(",", "")) == without_chp

    def people_hours(r):
        return int(r.frames["heat_hourly"]["people_without_heat"].sum())

    assert int(m.group(1).replace(",", "")) == people_hours(res) - people_hours(alone)
    assert set(f["drivers"].split("|")) == {"plant:tiny-chp", "heat:tiny-boilers-south"}
    # names, not ids, in the box's text; the table holds both
    assert "boiler house, south" in text


def test_run_report_folds_the_raw_outputs(tiny_report):
    res, text = tiny_report
    raw = text[text.index('<details id="raw">'):]
    for sid in ('id="scenario"', 'id="summary"', 'id="raw-figures"', 'id="provenance"'):
        assert sid in raw
    assert str(res.summary["seed"]) in raw
    # figures of what changed, open: affected districts only, outdoor temperature
    figs = text[text.index('id="figures"'):text.index("</section>", text.index('id="figures"'))]
    assert figs.count("<img") == 2
    assert "Tinyville districts: buildings without heat" in text
    assert "(tests/data/tiny/heat" not in text or "[C]" in text
    assert external_refs(text) == []


def test_heat_return_index():
    from gridmodel.report.findings import heat_return_index

    assert heat_return_index([0, 3, 3, 0, 1, 0, 0], [0] * 7) == 5
    assert heat_return_index([0, 3, 3], [0, 0, 0]) is None  # still out at the end
    assert heat_return_index([1, 1, 1], [1, 1, 1]) is None  # never above the baseline
    assert heat_return_index([2, 2, 1], [1, 1, 1]) == 2


def test_local_minute():
    from gridmodel.report.findings import local_minute

    assert local_minute("2026-01-15T02:00:00.389614984+00:00", "Europe/Kyiv") == \
        "2026-01-15 04:00"
    assert local_minute(None, "UTC") is None


def test_district_map_named_and_timed_by_the_heat_layer(tmp_path):
    """Map id, title and the slider's local time follow the layer's meta (name, city, tz)."""
    layer = copy.copy(load_layer("kyiv"))
    layer.name = "testville"
    layer.meta = {**layer.meta, "city": "Testville", "tz": "UTC"}
    text = write_report(tmp_path, heat_frames=heat_hourly(), heat_layer=layer).read_text(
        encoding="utf-8")
    assert 'id="map-testville"' in text
    assert "Testville districts: buildings without heat" in text
    assert 'aria-label="Testville districts"' in text
    assert '"times": ["2026-02-02 22:00", ' in text  # 00:00+02:00 in UTC


def test_district_map_from_an_explicit_table_without_layer(tmp_path):
    """Districts given without a layer: a neutral map title, times in the frame's zone."""
    districts = pd.DataFrame({"district": ["darnytskyi", "obolonskyi"], "name": ["D", "O"],
                              "centroid_lon": [30.6, 30.5], "centroid_lat": [50.4, 50.5]})
    text = write_report(tmp_path, heat_frames=heat_hourly(), districts=districts).read_text(
        encoding="utf-8")
    assert 'id="map-districts"' in text
    assert "Districts: buildings without heat" in text
    assert '"districts": ["darnytskyi", "obolonskyi"]' in text
    assert '"times": ["2026-02-03 00:00", ' in text  # the frame's own +02:00


def test_default_district_table_is_the_built_in_layer_naming_the_districts(tmp_path):
    """Without districts or layer, the built-in layer whose table names the frame's
    districts draws the map (its city, its time zone)."""
    idx = pd.date_range("2026-02-03", periods=2, freq="h", tz="UTC")
    wide = pd.DataFrame({"darnytskyi": [0, 5]}, index=idx)
    text = write_report(tmp_path, heat_frames=wide).read_text(encoding="utf-8")
    assert 'id="map-kyiv"' in text
    assert '"times": ["2026-02-03 02:00", ' in text  # Europe/Kyiv, from layer.toml
    unknown = pd.DataFrame({"nowhere": [0, 5]}, index=idx)
    text = write_report(tmp_path, heat_frames=unknown).read_text(encoding="utf-8")
    assert 'id="map-' not in text


def test_findings_runs_can_be_switched_off(tmp_path):
    """``[outputs] findings = false``: no baseline and no leave-one-out runs, the rest of
    the box stays."""
    from tiny_runs import tiny_folder_with

    import gridmodel

    sc = tiny_folder_with(tmp_path, TWO_STRIKES)
    sc.write_text(sc.read_text(encoding="utf-8").replace(
        "[outputs]\n", "[outputs]\nfindings = false\n"), encoding="utf-8")
    res = gridmodel.run(sc, out=tmp_path / "out", progress=False)
    f = findings((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert "baseline-peak-buildings" not in f
    assert "drivers" not in f
    assert int(f["peak-buildings"]) == res.summary["heat"]["buildings_without_heat_peak"]


def test_merge_plant_heat_shows_one_row_per_chp():
    from gridmodel.report.study_findings import merge_plant_heat

    single = pd.DataFrame({"rank": [1, 2, 3], "asset_id": ["heat:a", "plant:a", "sub:b"],
                           "name": ["A", "A", "B"], "buildings_without_heat": [9.0, 9.0, 1.0]})
    sources = pd.DataFrame({"source_id": ["heat:a"], "power_asset": ["plant:a"]})
    paths = {"heat:a": {"dark_buses": 0, "mw_shed": 0.0, "sources_down": ["A"],
                        "zones_unpumped": [], "zones": ["zone:a"], "buildings": 9}}
    m = merge_plant_heat(single, sources, paths)
    assert m["asset_ids"].tolist() == ["heat:a + plant:a", "sub:b"]
    assert m["rank"].tolist() == [1, 3]
    assert m.loc[0, "path"] == ("no more buses dark, +0 MW shed nationally at the "
                                "peak-demand hour -> heat sources down: A -> 1 zone(s), "
                                "9 buildings")
    assert m.loc[1, "path"] == ""  # no path computed for it


def test_paired_differences_pair_the_same_replicate():
    from gridmodel.report.study_findings import paired_differences

    frame = pd.DataFrame({"pattern": ["a"] * 3 + ["b"] * 3, "replicate": [0, 1, 2] * 2,
                          "status": ["ok", "ok", "failed", "ok", "ok", "ok"],
                          "m": [1.0, 5.0, 7.0, 2.0, 9.0, 0.0]})
    d, ref = paired_differences(frame, ["m"])
    assert ref == "a"
    # replicate 2 failed for the reference: not paired
    assert d["replicate"].tolist() == [0, 1]
    assert d["difference"].tolist() == [1.0, 4.0]


def test_identifier_columns_are_raw_numbers_others_formatted():
    from gridmodel.report.html import _is_raw

    for name in ("asset_id", "seed", "price_year", "network_sha256", "lifetime_years"):
        assert _is_raw(name), name
    assert not _is_raw("avoided_building_hours_below_12c")  # "id" inside a word
    assert not _is_raw("residents")
