"""``gridmodel layer check``: every fault class of issue 13 in a broken copy of the tiny layer,
reported with its file and line, exit code 2; a sound layer passes."""

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gridmodel.cli import main
from gridmodel.heat.check import layer_problems

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"
BOXES = {"north": (29.98, 50.0, 30.03, 50.03), "south": (29.98, 49.97, 30.03, 50.0)}


def _box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture
def layer(tmp_path):
    """A copy of the tiny layer with district polygons and its network named by absolute path."""
    d = tmp_path / "heat"
    shutil.copytree(TINY / "heat", d)
    meta = (d / "layer.toml").read_text()
    meta = meta.replace('network = "tests/data/tiny/network"', f'network = "{TINY / "network"}"')
    meta = meta.replace('[files]\n', '[files]\ndistrict_polygons = "districts.geojson"\n')
    (d / "layer.toml").write_text(meta)
    feats = [{"type": "Feature", "properties": {"district": k}, "geometry": _box(*v)}
             for k, v in BOXES.items()]
    (d / "districts.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                    "features": feats}))
    return d


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def _check(folder) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["layer", "check", str(folder)])
    return res.exit_code, res.output  # stdout and stderr (click >= 8.2)


def test_sound_layer_passes(layer):
    assert layer_problems(layer) == []
    code, out = _check(layer)
    assert code == 0, out
    assert "OK (Tinyville: 2 districts, 2 sources, 2 zones, 14 buildings" in out


def _one(layer, pattern: str) -> str:
    """The CLI fails with code 2 and names the fault by ``pattern`` (file:line: ...)."""
    code, out = _check(layer)
    assert code == 2, out
    assert "error:" in out
    assert re.search(pattern, out), out
    return out


def test_unknown_layer_toml_key_as_load_layer_says(layer):
    """layer.toml is checked by the schema load_layer applies (not only its tables)."""
    (layer / "layer.toml").write_text((layer / "layer.toml").read_text() + "\n[bogus]\nx = 1\n")
    _one(layer, r"layer\.toml:\d+: top level: unknown key 'bogus'")


def test_missing_file(layer):
    (layer / "pumping.csv").unlink()
    _one(layer, r"pumping\.csv: missing file")


def test_missing_column(layer):
    df = pd.read_csv(layer / "zones.csv").drop(columns="district")
    df.to_csv(layer / "zones.csv", index=False)
    _one(layer, r"zones\.csv:1: district: missing column")


#: (fault class, file, text, replacement, what the check must say): one-cell edits
EDITS = [
    ("wrong type", "buildings.csv", ",panel_9_12,9,5800,", ",panel_9_12,nine,5800,",
     r"buildings\.csv:4: floors: must be an integer .*'nine'"),
    ("wrong unit: design load in W, not kW", "buildings.csv", ",29.998,50.017,195.3",
     ",29.998,50.017,195300",
     r"buildings\.csv:3: design_load_kw: must be .* kW per m2 .*unit slip"),
    ("out of range", "heat_sources.csv", ",plant:tiny-chp,3.0,", ",plant:tiny-chp,-3.0,",
     r"heat_sources\.csv:2: heat_capacity_mw: must be a number > 0"),
    ("wrong unit: capacity in kW as MW", "heat_sources.csv", ",plant:tiny-chp,3.0,",
     ",plant:tiny-chp,3000,",
     r"heat_sources\.csv:2: heat_capacity_mw: must be 0\.5-20\.0 x the design load .*unit slip"),
    ("wrong unit: capacity in GW as MW", "heat_sources.csv", ",plant:tiny-chp,3.0,",
     ",plant:tiny-chp,0.003,",
     r"heat_sources\.csv:2: heat_capacity_mw: must be 0\.5-20\.0 x the design load"),
    ("wrong unit: setpoint in kelvin", "assumptions.toml", "indoor_setpoint_c = 20.0",
     "indoor_setpoint_c = 293.15",
     r"assumptions\.toml:9: heat_capacity\.indoor_setpoint_c.*less than or equal to 35"),
    ("wrong unit: indoor start in kelvin", "assumptions.toml", "initial_indoor_c = 19.0",
     "initial_indoor_c = 292.15", r"assumptions\.toml:41: comfort\.initial_indoor_c"),
    ("wrong unit: reserve in percent", "assumptions.toml", "reserve = 0.10", "reserve = 10",
     r"assumptions\.toml:10: heat_capacity\.reserve.*less than or equal to 1"),
    ("duplicate id", "buildings.csv", "tiny-b14,", "tiny-b13,",
     r"buildings\.csv:15: building_id: repeats an earlier row's value"),
    ("unknown grid asset", "pumping.csv", ",zone:tiny-boilers-south,bus:tiny-110-south",
     ",zone:tiny-boilers-south,bus:tiny-110-west",
     r"pumping\.csv:3: grid_node: 'bus:tiny-110-west' is not a grid asset of network"),
    ("unknown source", "zones.csv", "north,heat:tiny-chp,", "north,heat:tiny-chq,",
     r"zones\.csv:2: source_id: is not a known heat source .*did you mean 'heat:tiny-chp'"),
    ("unknown zone", "buildings.csv", "tiny-b09,south,zone:tiny-boilers-south",
     "tiny-b09,south,zone:tiny-boilers-east", r"buildings\.csv:10: zone_id: is not a known zone"),
]


@pytest.mark.parametrize(("fault", "file", "old", "new", "said"), EDITS,
                         ids=[e[0] for e in EDITS])
def test_one_cell_fault(layer, fault, file, old, new, said):
    _edit(layer / file, old, new)
    _one(layer, said)


def test_building_outside_its_district(layer):
    # tiny-b07 (line 8) moved south of the north district's box
    _edit(layer / "buildings.csv", ",0,30.002,50.012,188.2", ",0,30.002,49.99,188.2")
    out = _one(layer, r"buildings\.csv:8: lon/lat: .* outside district 'north'")
    assert out.count("outside district") == 1


def test_shares_not_summing_to_one(layer):
    with (layer / "assumptions.toml").open("a") as f:
        f.write('\n[zone_shares]\ntag = "C"\norder = ["chp", "boilers"]\nnorth = [0.7, 0.2]\n')
    lines = (layer / "assumptions.toml").read_text().splitlines()
    line = next(i for i, s in enumerate(lines, 1) if s.startswith("north ="))
    _one(layer, rf"assumptions\.toml:{line}: \[zone_shares\] north: shares sum to 0\.9, not 1")


def test_empty_table(layer):
    text = (layer / "zones.csv").read_text().splitlines()[0]
    (layer / "zones.csv").write_text(text + "\n")
    _one(layer, r"zones\.csv:1: table: has no rows")


def test_every_problem_listed_at_once(layer):
    (layer / "pumping.csv").unlink()
    _edit(layer / "heat_sources.csv", ",plant:tiny-chp,3.0,", ",plant:tiny-chp,-3.0,")
    _edit(layer / "buildings.csv", ",0,30.002,50.012,188.2", ",0,30.002,49.99,188.2")
    probs = layer_problems(layer)
    assert any("pumping.csv: missing file" in p for p in probs)
    assert any("outside district" in p for p in probs)


def test_shares_table_of_one_number_per_key(layer):
    """A ``*_shares`` section of one number per key (Odesa's [district_shares]) sums to 1."""
    with (layer / "assumptions.toml").open("a") as f:
        f.write('\n[district_shares]\ntag = "C"\nnorth = 0.6\nsouth = 0.3\n')
    _one(layer, r"assumptions\.toml:\d+: \[district_shares\] \(all keys\): shares sum to 0\.9")


def test_a_built_in_layer_by_name_and_a_file_for_a_folder():
    code, out = _check("kharkiv")
    assert code == 0, out
    assert "OK (Kharkiv:" in out
    code, out = _check(TINY / "strikes.csv")
    assert code == 2
    assert "strikes.csv: is a file; give the heat layer's folder" in out
    # the Python entry takes the name too, as load_layer does
    assert layer_problems("odesa", check_network=False) == []
