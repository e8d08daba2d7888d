"""The national oblast map of report.html (gridmodel.report.oblast_map) and the oblast
boundaries it draws (networks/ukraine/oblasts.geojson, written by build_oblast_map.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmodel.report.oblast_map import oblast_shapes, shed_share

REPO = Path(__file__).resolve().parents[1]
UKRAINE = REPO / "networks" / "ukraine"


def test_rebuild_reproduces_the_shipped_boundaries(tmp_path):
    out = tmp_path / "oblasts.geojson"
    subprocess.run([sys.executable, str(UKRAINE / "build_oblast_map.py"), "--out", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (UKRAINE / "oblasts.geojson").read_bytes()


def test_every_oblast_of_the_network_has_a_boundary():
    """Data check: the loads' oblast names are the boundary file's (one feature each)."""
    doc = json.loads((UKRAINE / "oblasts.geojson").read_text(encoding="utf-8"))
    names = [f["properties"]["oblast"] for f in doc["features"]]
    assert len(names) == len(set(names)) == 27
    loads = pd.read_csv(UKRAINE / "loads.csv")
    assert set(loads["oblast"]) <= set(names)


def test_shed_share_by_hand():
    """Two oblasts, two hours: shed over demand summed over each oblast's loads."""
    t0, t1 = pd.Timestamp("2026-02-03T00:00Z"), pd.Timestamp("2026-02-03T01:00Z")
    loads = pd.DataFrame({
        "time": [t0, t0, t0, t1, t1, t1], "oblast": ["A", "A", "B", "A", "A", "B"],
        "demand_mw": [10.0, 30.0, 5.0, 10.0, 30.0, 5.0],
        "shed_mw": [0.0, 10.0, 0.0, 10.0, 30.0, 5.0]})
    times, share = shed_share(loads, ["A", "B", "C"])
    assert times == [t0.isoformat(), t1.isoformat()]
    np.testing.assert_allclose(share, [[0.25, 0.0, 0.0], [1.0, 1.0, 0.0]])


def test_a_network_without_boundaries_has_no_oblast_map(tiny_net):
    assert oblast_shapes(tiny_net) is None


@pytest.fixture(scope="module")
def ukraine():
    import gridmodel

    return gridmodel.load_network("ukraine")


def test_report_colours_the_oblasts_by_the_run(tmp_path, ukraine):
    """write_report with grid_loads: one path per oblast, the slider's shares equal the
    frame's shed / demand per oblast and hour, struck assets crossed."""
    from gridmodel.outage.engine import simulate_outage
    from gridmodel.report.html import write_report

    res = simulate_outage(ukraine, {"sub:kyivska-750": 0.0}, ac=False)
    loads = res.loads.assign(time=pd.Timestamp("2026-02-03T01:00Z"))
    p = write_report(tmp_path, network=ukraine, grid_loads=loads,
                     struck_assets=["sub:kyivska-750"])
    text = p.read_text(encoding="utf-8")
    svg = text[text.index('id="map-oblasts"'):]
    svg = svg[:svg.index("</svg>")]
    assert len(re.findall(r'<path id="ob-\d+" class="oblast"', svg)) == 27
    assert "struck: " in svg
    data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)'
                                "</script>", text, re.S).group(1))["oblasts"]
    want = res.loads.groupby("oblast")[["shed_mw", "demand_mw"]].sum()
    for name, share in zip(data["oblasts"], data["share"], strict=True):
        if name in want.index and want.loc[name, "demand_mw"] > 0:
            assert share[0] == pytest.approx(want.loc[name, "shed_mw"]
                                             / want.loc[name, "demand_mw"], abs=1e-4)
        else:
            assert share[0] == 0.0
    assert max(s[0] for s in data["share"]) > 0  # the struck 750 kV node sheds somewhere
