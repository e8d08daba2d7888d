"""A user's own pandapower networks: ``gridmodel outage`` and ``gridmodel network plot`` on
pandapower's case9 and mv_oberrhein written with ``pp.to_json``; bus coordinates from
pandapower's ``bus.geo`` when present, a schematic layout when absent."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest
from click.testing import CliRunner

from gridmodel.cli import main
from gridmodel.network.io import load_network
from gridmodel.network.plot import bus_xy

STRIKE = "target,time,effect\nline:3,2026-01-15T03:00+02:00,destroyed\n"


def _to_json(net, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp.to_json(net, str(path))
    return path


def _invoke(args):
    with pytest.warns(UserWarning, match="network has no registry"):
        res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, (res.output, res.exception)
    return res


@pytest.fixture(scope="module")
def case9_json(tmp_path_factory):
    return _to_json(pn.case9(), tmp_path_factory.mktemp("case9") / "case9.json")


@pytest.fixture(scope="module")
def oberrhein_json(tmp_path_factory):
    return _to_json(pn.mv_oberrhein(), tmp_path_factory.mktemp("ober") / "oberrhein.json")


def _load(path):
    with pytest.warns(UserWarning, match="network has no registry"):
        return load_network(path)


def test_outage_on_case9_writes_every_output(case9_json, tmp_path):
    strikes = tmp_path / "strikes.csv"
    strikes.write_text(STRIKE, encoding="utf-8")
    out = tmp_path / "out"
    res = _invoke(["outage", str(strikes), "--network", str(case9_json), "--out", str(out)])
    assert "wrote" in res.output
    assert (out / "map.png").stat().st_size > 10_000
    assert (out / "report.html").is_file()
    assert (out / "branches.csv").is_file()


@pytest.mark.parametrize("name", ["case9", "oberrhein"])
def test_network_plot_on_pandapower_cases(name, case9_json, oberrhein_json, tmp_path):
    path = {"case9": case9_json, "oberrhein": oberrhein_json}[name]
    png = tmp_path / f"{name}.png"
    _invoke(["network", "plot", "--network", str(path), "--out", str(png)])
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("name", ["case9", "oberrhein"])
def test_network_summary_and_assets_on_pandapower_cases(name, case9_json, oberrhein_json):
    path = str({"case9": case9_json, "oberrhein": oberrhein_json}[name])
    res = _invoke(["network", "summary", "--network", path])
    assert "generation by technology" in res.output
    res = _invoke(["network", "assets", "--network", path])
    assert "bus:0" in res.output


def test_coordinates_come_from_bus_geo(oberrhein_json):
    net = _load(oberrhein_json)
    expected = np.array([json.loads(g)["coordinates"] for g in pn.mv_oberrhein().bus["geo"]])
    x, y, geographic = bus_xy(net)
    assert geographic
    np.testing.assert_allclose(np.column_stack([x, y]), expected)
    # the loader put them into bus.lon/lat and the registry, where reports read them
    np.testing.assert_allclose(net.bus[["lon", "lat"]].to_numpy(), expected)
    subs = net.registry[net.registry["kind"] == "substation"]
    assert subs["lon"].notna().all()


def test_without_coordinates_the_plot_is_a_schematic_layout(tmp_path):
    bare = pn.case9()
    bare.bus["geo"] = None
    path = _to_json(bare, tmp_path / "bare.json")
    net = _load(path)
    assert net.bus["lon"].isna().all()
    x, y, geographic = bus_xy(net)
    assert not geographic
    assert np.isfinite(x).all()
    assert np.isfinite(y).all()
    assert len(set(zip(x.round(6), y.round(6), strict=True))) == len(net.bus)  # distinct
    png = tmp_path / "bare.png"
    _invoke(["network", "plot", "--network", str(path), "--out", str(png)])
    assert png.stat().st_size > 10_000
    strikes = tmp_path / "strikes.csv"
    strikes.write_text(STRIKE, encoding="utf-8")
    _invoke(["outage", str(strikes), "--network", str(path), "--out", str(tmp_path / "o")])
    assert (tmp_path / "o" / "map.png").is_file()
