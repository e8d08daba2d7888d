"""Every TOML input gets the same clear error for a syntax error or a missing file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gridmodel.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
BAD = 'name = "x"\nthis is = not toml\n'


def _loaders(tmp_path):
    from gridmodel.heat.layer import load_layer
    from gridmodel.network.tables import read_meta
    from gridmodel.outage.demand import load_demand_profile
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.strikes.repairs import load_repair_table
    from gridmodel.strikes.strikelist import read_strikes
    from gridmodel.studies.planning.interventions import load_defaults, load_plan
    from gridmodel.studies.scenario import load_scenario

    layer = tmp_path / "layer"
    shutil.copytree(ROOT / "networks" / "kyiv", layer)
    net = tmp_path / "net"
    net.mkdir()
    return {
        "scenario": (tmp_path / "s.toml", load_scenario),
        "plan": (tmp_path / "p.toml", load_plan),
        "intervention defaults": (tmp_path / "d.toml", load_defaults),
        "pattern": (tmp_path / "pat.toml", load_pattern),
        "strike list": (tmp_path / "k.toml", read_strikes),
        "demand profile": (tmp_path / "dp.toml", load_demand_profile),
        "repair table": (tmp_path / "r.toml", load_repair_table),
        "network metadata": (net / "network.toml", lambda p: read_meta(p.parent)),
        "layer metadata": (layer / "layer.toml", lambda p: load_layer(p.parent)),
        "layer assumptions": (layer / "assumptions.toml",
                              lambda p: load_layer(p.parent, assumptions=p)),
    }


@pytest.mark.parametrize("what", ["scenario", "plan", "intervention defaults", "pattern",
                                  "strike list", "demand profile", "repair table",
                                  "network metadata", "layer metadata", "layer assumptions"])
def test_syntax_error_names_the_file_and_line(tmp_path, what):
    path, load = _loaders(tmp_path)[what]
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "TOML syntax error" in msg
    assert "line 2" in msg


def test_a_byte_order_mark_is_dropped_as_in_csv_files(tmp_path):
    # Windows editors write one at the start; tomllib alone rejects it at line 1, column 1
    from gridmodel._io.tomlio import parse_toml, read_toml

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfname = \"x\"\n[run]\nhorizon_h = 4\n")
    doc, _ = read_toml(path, "scenario")
    assert doc == {"name": "x", "run": {"horizon_h": 4}}
    assert parse_toml("\ufeffa = 1\n", "<text>") == {"a": 1}
