"""Every data table is validated on load (issue #12): one case per rule.

Each case copies the tiny network and heat layer (``tests/data/tiny``, with a status row,
an availability table and the packaged repair and demand tables added) to ``tmp_path``,
breaks one cell, key or line, and asserts the :mod:`gridmodel.errors` exception, that
its message names the file, the line and the column (or key), and that the broken file
is byte-identical afterwards (loading never writes). The command-line cases assert exit
code 2 and ``error:`` on standard error, one per table family.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridmodel.cli import main
from gridmodel.errors import InputError, NetworkFileError, StatusError
from gridmodel.heat.layer import HeatLayerError, load_layer
from gridmodel.network.io import load_network
from gridmodel.outage.demand import load_demand_profile
from gridmodel.strikes.repairs import load_repair_table

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
DATA = Path(__file__).resolve().parents[2] / "gridmodel" / "data"
STATUS_ROW = "plant:tiny-chp,damaged,0.5,2026-01-01,,[C] test row\n"
AVAILABILITY = "technology,availability_factor,tag,source\nchp,0.7,C,[C] test row\n"
REPAIRS = """[meta]
unit = "h"

[[repair]]
kind = "plant"
effect = "destroyed"
dist = "uniform"
params = { loc = 24.0, scale = 24.0 }
source = "[C] test entry"

[[repair]]
kind = "*"
effect = "damaged"
max_fraction_lost = 0.3
dist = "lognorm"
params = { s = 0.5, scale = 504.0 }
source = "[C] test entry"
"""

LOADERS: dict[str, Callable[[Path], object]] = {
    "heat": lambda root: load_layer(root / "heat"),
    "network": lambda root: load_network(root / "network", status_date="2026-01-15"),
    "repair": lambda root: load_repair_table(root / "repair_times.toml"),
    "demand": lambda root: load_demand_profile(root / "demand_profile.toml"),
}


def make_root(tmp_path: Path) -> Path:
    """A valid copy of the tiny inputs with every table family present."""
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    with (root / "network" / "status.csv").open("a", encoding="utf-8") as f:
        f.write(STATUS_ROW)
    (root / "network" / "availability.csv").write_text(AVAILABILITY, encoding="utf-8")
    (root / "repair_times.toml").write_text(REPAIRS, encoding="utf-8")
    shutil.copy(DATA / "demand_profile.toml", root / "demand_profile.toml")
    return root


# ------------------------------------------------------------------ edits
def cell(line: int, column: str, value: str):
    """Set one CSV cell (line 1 = header); the edit returns the line."""
    def edit(path: Path) -> int:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        rows[line - 1][rows[0].index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
        return line
    return edit


def raw(line: int, old: str, new: str):
    """Replace text on one line of a file (CSV quoting, field counts)."""
    def edit(path: Path) -> int:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        assert old in lines[line - 1], (path, line, old)
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
        path.write_text("".join(lines), encoding="utf-8")
        return line
    return edit


def key(old: str, new: str, report_at: str | None = None):
    """Replace the start ``old`` of the first TOML line that has it; the error is on the
    last line of ``new``, or on the line that starts with ``report_at`` (e.g. a missing
    key's table header)."""
    def edit(path: Path) -> int:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        i = next(i for i, s in enumerate(lines) if s.startswith(old))
        lines[i] = new + lines[i][len(old):]
        text = "".join(lines)
        path.write_text(text, encoding="utf-8")
        if report_at is None:
            return i + 1 + new.count("\n")
        return next(n for n, s in enumerate(text.splitlines(), 1) if s.startswith(report_at))
    return edit


def header_only(path: Path) -> int:
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0],
                    encoding="utf-8")
    return 1


def drop_column(column: str):
    def edit(path: Path) -> int:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        j = rows[0].index(column)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([r[:j] + r[j + 1:] for r in rows])
        path.write_text(buf.getvalue(), encoding="utf-8")
        return 1
    return edit


# ------------------------------------------------------------------ the rules
H, N = "heat", "network"
B, S, Z, P, D = ("heat/buildings.csv", "heat/heat_sources.csv", "heat/zones.csv",
                 "heat/pumping.csv", "heat/districts.csv")
A = "heat/assumptions.toml"
NB, NL, NT, NP, NLD, NI = ("network/buses.csv", "network/lines.csv", "network/trafos.csv",
                           "network/plants.csv", "network/loads.csv",
                           "network/interconnectors.csv")
NS, NA = "network/status.csv", "network/availability.csv"
R, DP = "repair_times.toml", "demand_profile.toml"

# (id, loader, file, edit, exception, what the message names besides file:line)
CASES = [
    # heat layer: buildings
    ("building-unknown-district", H, B, cell(2, "district", "nort"), HeatLayerError, "district"),
    ("building-unknown-zone", H, B, cell(3, "zone_id", "zone:nowhere"), HeatLayerError,
     "zone_id"),
    ("building-unknown-source", H, B, cell(3, "source_id", "heat:nowhere"), HeatLayerError,
     "source_id"),
    ("building-not-its-zones-source", H, B, cell(3, "source_id", "heat:tiny-boilers-south"),
     HeatLayerError, "source_id"),
    ("building-unknown-archetype", H, B, cell(4, "archetype", "igloo"), HeatLayerError,
     "archetype"),
    ("building-no-archetype", H, B, cell(4, "archetype", ""), HeatLayerError, "archetype"),
    ("building-zero-floors", H, B, cell(5, "floors", "0"), HeatLayerError, "floors"),
    ("building-fractional-floors", H, B, cell(5, "floors", "5.5"), HeatLayerError, "floors"),
    ("building-negative-area", H, B, cell(6, "floor_area_m2", "-3300"), HeatLayerError,
     "floor_area_m2"),
    ("building-negative-residents", H, B, cell(7, "residents", "-1"), HeatLayerError,
     "residents"),
    ("building-queue-too-high", H, B, cell(8, "queue", "6"), HeatLayerError, "queue"),
    ("building-queue-negative", H, B, cell(8, "queue", "-1"), HeatLayerError, "queue"),
    ("building-longitude", H, B, cell(9, "lon", "200"), HeatLayerError, "lon"),
    ("building-latitude", H, B, cell(9, "lat", "95"), HeatLayerError, "lat"),
    ("building-repeated-id", H, B, cell(10, "building_id", "tiny-b01"), HeatLayerError,
     "building_id"),
    ("building-registry-empty", H, B, header_only, HeatLayerError, "table"),
    ("building-missing-column", H, B, drop_column("floors"), HeatLayerError, "floors"),
    # heat layer: sources, zones, pumping, districts
    ("source-negative-capacity", H, S, cell(2, "heat_capacity_mw", "-3.0"), HeatLayerError,
     "heat_capacity_mw"),
    ("source-empty-capacity", H, S, cell(3, "heat_capacity_mw", ""), HeatLayerError,
     "heat_capacity_mw"),
    ("source-unknown-kind", H, S, cell(3, "kind", "volcano"), HeatLayerError, "kind"),
    ("source-negative-fuel", H, S, cell(3, "backup_fuel_h", "-48"), HeatLayerError,
     "backup_fuel_h"),
    ("source-repeated-id", H, S, cell(3, "source_id", "heat:tiny-chp"), HeatLayerError,
     "source_id"),
    ("zone-unknown-source", H, Z, cell(2, "source_id", "heat:nowhere"), HeatLayerError,
     "source_id"),
    ("zone-unknown-district", H, Z, cell(3, "district", "west"), HeatLayerError, "district"),
    ("zone-unknown-pump", H, Z, cell(3, "pump_id", "pump:nowhere"), HeatLayerError, "pump_id"),
    ("pump-unknown-zone", H, P, cell(2, "zone_id", "zone:nowhere"), HeatLayerError, "zone_id"),
    ("pump-negative-power", H, P, cell(3, "power_need_mw", "-0.02"), HeatLayerError,
     "power_need_mw"),
    ("district-negative-population", H, D, cell(2, "population_2021", "-5"), HeatLayerError,
     "population_2021"),
    ("district-latitude", H, D, cell(3, "centroid_lat", "-91"), HeatLayerError,
     "centroid_lat"),
    # heat layer: assumptions.toml
    ("assumption-zero-crews", H, A, key("crews = 4", "crews = 0"), HeatLayerError,
     "restart.crews"),
    ("assumption-fractional-crews", H, A, key("crews = 4", "crews = 4.5"), HeatLayerError,
     "restart.crews"),
    ("assumption-missing-crews", H, A, key("crews = 4", "# crews = 4", "[restart]"),
     HeatLayerError, "missing key 'crews'"),
    ("assumption-unknown-key", H, A, key("crews = 4", "crews = 4\ncrew = 4"), HeatLayerError,
     "unknown key 'crew'"),
    ("assumption-share-above-one", H, A, key("share_for_restarts = 0.5",
                                              "share_for_restarts = 1.5"), HeatLayerError,
     "restart.share_for_restarts"),
    ("assumption-zero-tau", H, A, key("tau_pipe_h = 6.4", "tau_pipe_h = 0.0"), HeatLayerError,
     "bridging.tau_pipe_h"),
    ("assumption-start-below-freeze", H, A, key("start_c = 40.0", "start_c = -5.0", "[bridging]"),
     HeatLayerError, "must be above freeze_c"),
    ("assumption-text-number", H, A, key("tall_floors = 9", 'tall_floors = "9"'),
     HeatLayerError, "power.tall_floors"),
    ("assumption-served-share", H, A, key("heat_water_served_min = 0.5",
                                           "heat_water_served_min = 2.0"), HeatLayerError,
     "power.heat_water_served_min"),
    ("assumption-misspelt-section", H, A, key("[comfort]", "[comfrt]"), HeatLayerError,
     "missing key 'comfort' (is 'comfrt' a typo?)"),
    # network tables
    ("bus-abroad-no", N, NB, cell(2, "abroad", "no"), NetworkFileError, "abroad"),
    ("bus-zero-voltage", N, NB, cell(3, "vn_kv", "0"), NetworkFileError, "vn_kv"),
    ("bus-unknown-substation", N, NB, cell(4, "substation_id", "sub:nowhere"), NetworkFileError,
     "substation_id"),
    ("line-zero-reactance", N, NL, cell(2, "x_ohm_per_km", "0.0"), NetworkFileError,
     "x_ohm_per_km"),
    ("line-unknown-bus", N, NL, cell(3, "to_bus", "bus:nowhere"), NetworkFileError, "to_bus"),
    ("line-same-bus-twice", N, NL, cell(3, "to_bus", "bus:tiny-110-north"), NetworkFileError,
     "to_bus"),
    ("line-zero-rating", N, NL, cell(2, "max_i_ka", "0"), NetworkFileError, "max_i_ka"),
    ("line-zero-parallel", N, NL, cell(3, "parallel", "0"), NetworkFileError, "parallel"),
    ("line-repeated-id", N, NL, cell(3, "line_id", "line:tiny-border-330"), NetworkFileError,
     "line_id"),
    ("trafo-zero-vk", N, NT, cell(2, "vk_percent", "0"), NetworkFileError, "vk_percent"),
    ("trafo-vkr-above-vk", N, NT, cell(3, "vkr_percent", "11.0"), NetworkFileError,
     "vkr_percent"),
    ("plant-negative-mw", N, NP, cell(2, "installed_mw", "-2.5"), NetworkFileError,
     "installed_mw"),
    ("plant-dispatchable-yes", N, NP, cell(2, "dispatchable", "yes"), NetworkFileError,
     "dispatchable"),
    ("plant-unknown-bus", N, NP, cell(2, "bus_id", "bus:nowhere"), NetworkFileError, "bus_id"),
    ("load-negative-mw", N, NLD, cell(2, "p_mw", "-6.0"), NetworkFileError, "p_mw"),
    ("load-text-mw", N, NLD, cell(3, "p_mw", "six"), NetworkFileError, "p_mw"),
    ("load-unknown-bus", N, NLD, cell(4, "bus_id", "bus:nowhere"), NetworkFileError, "bus_id"),
    ("load-unknown-class", N, NLD, cell(5, "priority_class", "vip"), NetworkFileError,
     "priority_class"),
    ("tie-share-above-one", N, NI, cell(2, "share", "1.5"), NetworkFileError, "share"),
    ("csv-unterminated-quote", N, NLD, raw(3, ",Tiny North industry,", ',"Tiny North industry,'),
     NetworkFileError, "unterminated quote"),
    ("csv-short-row", N, NLD, raw(4, ",1.0,0.2", ",1.0"), NetworkFileError, "6 fields"),
    ("csv-long-row", N, NLD, raw(5, ",1.0,0.2", ",1.0,0.2,9"), NetworkFileError, "8 fields"),
    # status and availability
    ("status-unknown-asset", N, NS, cell(2, "asset_id", "plant:atlantis"), StatusError,
     "asset_id"),
    ("status-unknown-status", N, NS, cell(2, "status", "bombed"), StatusError, "status"),
    ("status-fraction-above-one", N, NS, cell(2, "available_fraction", "1.5"), StatusError,
     "available_fraction"),
    ("status-start-not-a-date", N, NS, cell(2, "start", "15/01/2026"), StatusError, "start"),
    ("status-end-before-start", N, NS, cell(2, "end", "2025-12-01"), StatusError, "end"),
    ("availability-above-one", N, NA, cell(2, "availability_factor", "1.2"), StatusError,
     "availability_factor"),
    ("availability-no-source", N, NA, cell(2, "source", ""), StatusError, "source"),
    # repair table
    ("repair-unknown-kind", "repair", R, key('kind = "*"', 'kind = "lines"'), InputError,
     ".kind"),
    ("repair-unknown-effect", "repair", R, key('effect = "damaged"', 'effect = "zapped"'),
     InputError, ".effect"),
    ("repair-fraction-above-one", "repair", R, key("max_fraction_lost = 0.3",
                                                   "max_fraction_lost = 1.3"), InputError,
     ".max_fraction_lost"),
    ("repair-unknown-dist", "repair", R, key('dist = "lognorm"', 'dist = "lognormal"'),
     InputError, ".dist"),
    ("repair-negative-times", "repair", R, key("params = { s = 0.5, scale = 504.0 }",
                                               "params = { s = -0.5, scale = 504.0 }"),
     InputError, ".params"),
    ("repair-unknown-key", "repair", R, key("source = ", "sauce = "),
     InputError, "unknown key 'sauce'"),
    # demand profile
    ("demand-negative-factor", "demand", DP, key("industry    = [0.82,", "industry    = [-0.82,"),
     InputError, "hour_factor.industry entry 1"),
    ("demand-23-factors", "demand", DP, key("critical    = [0.94, ", "critical    = ["),
     InputError, "hour_factor.critical"),
    ("demand-unknown-class", "demand", DP, key("critical = 0.005", "critcal = 0.005"),
     InputError, "unknown key 'critcal'"),
    ("demand-bad-timezone", "demand", DP, key('timezone = "Europe/Kyiv"',
                                              'timezone = "Mars/Olympus"'),
     InputError, "meta.timezone"),
    ("demand-factor-limits", "demand", DP, key("temp_factor_max = 1.5", "temp_factor_max = 0.5"),
     InputError, "temperature.temp_factor_max"),
]


def test_the_valid_copy_loads(tmp_path):
    root = make_root(tmp_path)
    for load in LOADERS.values():
        load(root)


@pytest.mark.parametrize(("loader", "file", "edit", "exc", "names"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_table_names_file_line_and_column(tmp_path, loader, file, edit, exc, names):
    root = make_root(tmp_path)
    path = root / file
    line = edit(path)
    before = path.read_bytes()
    with pytest.raises(exc) as info:
        LOADERS[loader](root)
    msg = str(info.value)
    assert any(s.startswith(f"{path}:{line}:") and names in s for s in msg.splitlines()), msg
    assert path.read_bytes() == before


def test_a_quote_over_lines_is_named_with_its_lines(tmp_path):
    """pandas would read lines 3-5 as one row (the quote closes on line 5)."""
    root = make_root(tmp_path)
    path = root / NLD
    raw(3, ",Tiny North industry,", ',"Tiny North industry,')(path)
    raw(5, ",Tiny North critical,", ',Tiny North critical",')(path)
    with pytest.raises(NetworkFileError, match=r"loads.csv:3: a quoted field runs over lines 3-5"):
        LOADERS["network"](root)


def test_every_problem_in_one_message(tmp_path):
    """Three broken cells in two tables: one error lists all three, by file and line."""
    root = make_root(tmp_path)
    cell(2, "floors", "0")(root / B)
    cell(9, "queue", "9")(root / B)
    cell(2, "heat_capacity_mw", "-1")(root / S)
    with pytest.raises(HeatLayerError) as info:
        LOADERS["heat"](root)
    lines = str(info.value).splitlines()
    assert "3 problem(s)" in lines[0]
    assert any(s.startswith(f"{root / S}:2: heat_capacity_mw") for s in lines)
    assert any(s.startswith(f"{root / B}:2: floors") for s in lines)
    assert any(s.startswith(f"{root / B}:9: queue") for s in lines)


def test_at_most_twenty_problems_and_the_count(tmp_path):
    root = make_root(tmp_path)
    path = root / B
    for line in range(2, 16):
        cell(line, "floors", "0")(path)
        cell(line, "residents", "-1")(path)
    with pytest.raises(HeatLayerError) as info:
        LOADERS["heat"](root)
    lines = str(info.value).splitlines()
    assert "28 problem(s)" in lines[0]
    assert len(lines) == 1 + 20 + 1
    assert lines[-1] == "... and 8 more"


# ------------------------------------------------------------------ command line
def _cli(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(("file", "edit"), [
    (B, cell(3, "floors", "0")),
    (A, key("crews = 4", "crews = -4")),
], ids=["heat-table", "heat-assumptions"])
def test_run_exits_2_on_a_bad_heat_table(tmp_path, file, edit):
    root = make_root(tmp_path)
    edit(root / file)
    res = _cli("run", root / "scenario.toml", "--out", tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error:")
    assert str(root / file) in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("file", "edit"), [
    (NL, cell(2, "x_ohm_per_km", "0")),
    (NLD, raw(4, ",1.0,0.2", ",1.0")),
    (NS, cell(2, "status", "bombed")),
    (NA, cell(2, "availability_factor", "-1")),
], ids=["network-table", "ragged-csv", "status", "availability"])
def test_outage_exits_2_on_a_bad_network_table(tmp_path, file, edit):
    root = make_root(tmp_path)
    edit(root / file)
    res = _cli("outage", root / "strikes.csv", "--network", root / "network",
               "--status-date", "2026-01-15")
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error:")
    assert str(root / file) in res.stderr
