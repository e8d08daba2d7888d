"""Network layer: loader, registry, status by date, bad input, and the built `ukraine`.

Tiny networks are written as CSV tables in tmp_path, so the same loader that reads
`networks/ukraine` is exercised on cases whose answer can be checked by eye.
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandapower as pp
import pandas as pd
import pytest

import gridmodel
from gridmodel.errors import NetworkFileError, StatusError, UnknownAssetError
from gridmodel.network import graph, resolve
from gridmodel.network.dispatch import proportional_dispatch
from gridmodel.network.summary import residuals, summary_text, totals
from gridmodel.network.tables import REQUIRED

REPO = Path(__file__).resolve().parents[1]

ABC_META = """name = "abc"
description = "three substations, two lines, one plant"
[imports]
commercial_mw = 100.0
emergency_mw = 0.0
[status]
valid_from = "2024-01-01"
valid_to = "2024-12-31"
"""


def write_abc_folder(folder: Path) -> Path:
    """The alpha - beta - gamma network folder: plant 300 MW at alpha; A-B and B-C
    lines; loads at B (two classes) and C."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network.toml").write_text(ABC_META, encoding="utf-8")
    pd.DataFrame(
        {
            "substation_id": ["sub:alpha", "sub:beta", "sub:gamma"],
            "name": ["Alpha", "Beta", "Gamma"],
            "aliases": ["Альфа|Alpha-330", "", ""],
            "oblast": ["O1", "O1", "O2"],
            "lon": [30.0, 31.0, 32.0],
            "lat": [50.0, 50.0, 50.0],
        }
    ).to_csv(folder / "substations.csv", index=False)
    pd.DataFrame(
        {
            "bus_id": ["bus:alpha-330", "bus:beta-330", "bus:gamma-330"],
            "substation_id": ["sub:alpha", "sub:beta", "sub:gamma"],
            "vn_kv": [330.0] * 3,
            "oblast": ["O1", "O1", "O2"],
            "lon": [30.0, 31.0, 32.0],
            "lat": [50.0] * 3,
            "abroad": [False] * 3,
        }
    ).to_csv(folder / "buses.csv", index=False)
    pd.DataFrame(
        {
            "line_id": ["line:ab", "line:bc"],
            "name": ["Alpha - Beta", "Beta - Gamma"],
            "from_bus": ["bus:alpha-330", "bus:beta-330"],
            "to_bus": ["bus:beta-330", "bus:gamma-330"],
            "length_km": [50.0, 40.0],
            "r_ohm_per_km": [0.0375] * 2,
            "x_ohm_per_km": [0.329] * 2,
            "c_nf_per_km": [11.0] * 2,
            "max_i_ka": [1.65] * 2,
            "parallel": [1, 1],
        }
    ).to_csv(folder / "lines.csv", index=False)
    pd.DataFrame(columns=REQUIRED["trafos.csv"]).to_csv(folder / "trafos.csv", index=False)
    pd.DataFrame(
        {
            "plant_id": ["plant:alpha-npp"],
            "name": ["Alpha NPP"],
            "aliases": ["Альфа АЕС"],
            "technology": ["nuclear"],
            "installed_mw": [300.0],
            "bus_id": ["bus:alpha-330"],
            "oblast": ["O1"],
            "lon": [30.0],
            "lat": [50.0],
            "dispatchable": [True],
        }
    ).to_csv(folder / "plants.csv", index=False)
    pd.DataFrame(
        {
            "load_id": ["load:b-res", "load:b-crit", "load:c-res"],
            "name": ["B residential", "B critical", "C residential"],
            "bus_id": ["bus:beta-330", "bus:beta-330", "bus:gamma-330"],
            "oblast": ["O1", "O1", "O2"],
            "priority_class": ["residential", "critical", "residential"],
            "p_mw": [100.0, 20.0, 80.0],
            "q_mvar": [10.0, 2.0, 8.0],
        }
    ).to_csv(folder / "loads.csv", index=False)
    pd.DataFrame(
        {"technology": ["nuclear"], "availability_factor": [0.5], "source": ["test"]}
    ).to_csv(folder / "availability.csv", index=False)
    pd.DataFrame(
        {
            "asset_id": ["plant:alpha-npp", "sub:gamma", "plant:alpha-npp"],
            "status": ["damaged", "occupied", "repaired"],
            "available_fraction": [0.4, 0.0, 1.0],
            "start": ["2024-03-01", "2024-05-01", "2024-06-01"],
            "end": ["", "2024-07-01", ""],
            "source": ["test"] * 3,
        }
    ).to_csv(folder / "status.csv", index=False)
    return folder


@pytest.fixture
def abc_folder(tmp_path):
    """A fresh folder of the alpha - beta - gamma network (:func:`write_abc_folder`) in
    ``tmp_path``, for the test to edit."""
    return write_abc_folder(tmp_path / "abc")


# ---------------------------------------------------------------- tiny networks
def test_tiny_loads_with_registry_and_ids(abc_folder):
    net = gridmodel.load_network(abc_folder)
    assert isinstance(net, pp.pandapowerNet)
    assert len(net.bus) == 3
    assert len(net.line) == 2
    assert len(net.gen) == 1
    reg = net.registry.set_index("asset_id")
    assert reg.loc["sub:alpha", "kind"] == "substation"
    assert reg.loc["plant:alpha-npp", "element"] == "gen"
    assert reg.loc["line:bc", "oblast"] == "O1"
    assert set(net.load["priority_class"]) == {"residential", "critical"}
    # available = installed x availability factor (0.5), with no status applied
    assert net.gen.at[0, "max_p_mw"] == pytest.approx(150.0)
    assert net.gen.at[0, "installed_mw"] == pytest.approx(300.0)


def test_tiny_shunts_on_their_buses_with_ids(abc_folder):
    pd.DataFrame(
        {
            "shunt_id": ["shunt:ab-to", "shunt:ab-from"],
            "name": ["Shunt AB to", "Shunt AB from"],
            "bus_id": ["bus:beta-330", "bus:alpha-330"],
            "q_mvar": [30.0, 12.5],
        }
    ).to_csv(abc_folder / "shunts.csv", index=False)
    net = gridmodel.load_network(abc_folder)
    assert list(net.shunt["shunt_id"]) == ["shunt:ab-to", "shunt:ab-from"]
    assert list(net.bus.loc[net.shunt["bus"], "bus_id"]) == ["bus:beta-330", "bus:alpha-330"]
    assert list(net.shunt["q_mvar"]) == [30.0, 12.5]
    assert list(net.shunt["p_mw"]) == [0.0, 0.0]
    assert list(net.shunt["name"]) == ["Shunt AB to", "Shunt AB from"]
    assert net.shunt["in_service"].all()
    reg = net.registry.set_index("asset_id")
    assert reg.loc["shunt:ab-from", "element_index"] == net.shunt.index[1]
    assert reg.loc["shunt:ab-to", "substation"] == "sub:beta"


def test_resolve_names_aliases_and_ukrainian_spellings(abc_folder):
    net = gridmodel.load_network(abc_folder)
    assert (
        resolve(net, ["Alpha", "alpha-330", "Альфа", "sub:alpha"], kinds=["substation"])
        == ["sub:alpha"] * 4
    )
    assert resolve(net, ["Альфа АЕС"]) == ["plant:alpha-npp"]


def test_unknown_names_all_reported_with_suggestions(abc_folder):
    net = gridmodel.load_network(abc_folder)
    with pytest.raises(UnknownAssetError) as err:
        resolve(net, ["Alpah", "Gammma", "Beta"])
    assert set(err.value.problems) == {"Alpah", "Gammma"}
    assert any("Alpha" in s for s in err.value.problems["Alpah"])
    assert "Gammma" in str(err.value)


def test_graph_view_has_ids(abc_folder):
    g = graph(gridmodel.load_network(abc_folder))
    assert nx.is_connected(g)
    assert {d["bus_id"] for _, d in g.nodes(data=True)} == {
        "bus:alpha-330",
        "bus:beta-330",
        "bus:gamma-330",
    }


def test_status_by_date_damage_occupation_and_repair(abc_folder):
    before = gridmodel.load_network(abc_folder, status_date="2024-02-01")
    assert before.gen.at[0, "max_p_mw"] == pytest.approx(150.0)
    damaged = gridmodel.load_network(abc_folder, status_date="2024-05-15")
    assert damaged.gen.at[0, "max_p_mw"] == pytest.approx(300.0 * 0.4 * 0.5)
    gamma = damaged.bus.index[damaged.bus["substation_id"] == "sub:gamma"]
    assert not damaged.bus.loc[gamma, "in_service"].any()
    # every element attached to an occupied bus goes too: no dangling branch
    assert not damaged.line.loc[damaged.line["to_bus"].isin(gamma), "in_service"].any()
    assert not damaged.load.loc[damaged.load["bus"].isin(gamma), "in_service"].any()
    repaired = gridmodel.load_network(abc_folder, status_date="2024-07-15")
    assert repaired.gen.at[0, "max_p_mw"] == pytest.approx(150.0)
    assert repaired.bus["in_service"].all()


def test_status_fraction_reaches_capacity_without_availability_table(abc_folder):
    # availability.csv is optional: a damaged plant still loses its capacity
    (abc_folder / "availability.csv").unlink()
    built = gridmodel.load_network(abc_folder)
    assert built.gen.at[0, "max_p_mw"] == 300.0
    damaged = gridmodel.load_network(abc_folder, status_date="2024-05-15")
    assert damaged.gen.at[0, "max_p_mw"] == pytest.approx(300.0 * 0.4)
    assert damaged.gen.at[0, "status_fraction"] == 0.4


def test_status_of_branches_derates_or_takes_out(abc_folder):
    df = pd.read_csv(abc_folder / "status.csv", keep_default_na=False)
    extra = pd.DataFrame(
        {
            "asset_id": ["line:ab", "line:bc"],
            "status": ["damaged", "destroyed"],
            "available_fraction": [0.25, 0.0],
            "start": ["2024-02-01", "2024-02-01"],
            "end": ["", ""],
            "source": ["test"] * 2,
        }
    )
    pd.concat([df, extra]).to_csv(abc_folder / "status.csv", index=False)
    net = gridmodel.load_network(abc_folder, status_date="2024-02-15")
    line = net.line.set_index("line_id")
    assert line.at["line:ab", "df"] == 0.25
    assert line.at["line:ab", "in_service"]
    assert line.at["line:bc", "df"] == 1.0
    assert not line.at["line:bc", "in_service"]


def test_registry_survives_pandapower_json_round_trip(abc_folder, tmp_path):
    net = gridmodel.load_network(abc_folder)
    path = tmp_path / "tiny.json"
    pp.to_json(net, str(path))
    back = gridmodel.load_network(path)
    pd.testing.assert_frame_equal(
        back.registry.reset_index(drop=True), net.registry.reset_index(drop=True)
    )


def test_user_pandapower_json_without_registry_warns_unknown(tmp_path):
    import pandapower.networks as pn

    path = tmp_path / "case9.json"
    pp.to_json(pn.case9(), str(path))
    with pytest.warns(UserWarning, match="no registry"):
        net = gridmodel.load_network(path)
    assert set(net.registry.loc[net.registry["kind"] == "load", "priority_class"]) == {"unknown"}
    assert (net.registry["oblast"] == "unknown").all()
    assert len(net.registry[net.registry["kind"] == "substation"]) == len(net.bus)


def test_user_matpower_case_loads(tmp_path):
    import pandapower.networks as pn
    from pandapower.converter.matpower import to_mpc

    path = tmp_path / "case9.mat"
    to_mpc(pn.case9(), str(path), init="flat")
    with pytest.warns(UserWarning, match="no registry"):
        net = gridmodel.load_network(path)
    assert len(net.bus) == 9


MPC_M = """function mpc = tiny3
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
	1	3	0	0	0	0	1	1	0	330	1	1.1	0.9;
	2	1	50	10	0	0	1	1	0	330	1	1.1	0.9;
	3	1	30	5	0	0	1	1	0	330	1	1.1	0.9;
];
mpc.gen = [
	1	80	0	100	-100	1	100	1	200	0	0	0	0	0	0	0	0	0	0	0	0;
];
mpc.branch = [
	1	2	0.001	0.01	0	250	250	250	0	0	1	-360	360;
	2	3	0.001	0.01	0	250	250	250	0	0	1	-360	360;
];
"""


def test_user_matpower_m_file_loads_and_solves(tmp_path):
    path = tmp_path / "tiny3.m"
    path.write_text(MPC_M, encoding="utf-8")
    with pytest.warns(UserWarning, match="no registry"):
        net = gridmodel.load_network(path)
    assert len(net.bus) == 3
    assert net.load["p_mw"].sum() == pytest.approx(80.0)
    pp.rundcpp(net)
    assert net.res_ext_grid["p_mw"].sum() + net.res_gen["p_mw"].sum() == pytest.approx(80.0)


# ---------------------------------------------------------------- bad input
def test_unknown_network_name_lists_builtins():
    with pytest.raises(NetworkFileError, match="ukraine"):
        gridmodel.load_network("atlantis")


def test_missing_json_file(tmp_path):
    with pytest.raises(NetworkFileError, match="does not exist"):
        gridmodel.load_network(tmp_path / "nope.json")


def test_malformed_json_file_names_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(NetworkFileError, match="broken.json"):
        gridmodel.load_network(path)
    assert path.read_text(encoding="utf-8") == "{not json"  # untouched


def test_missing_table_and_column(abc_folder):
    (abc_folder / "loads.csv").unlink()
    with pytest.raises(NetworkFileError, match="loads.csv"):
        gridmodel.load_network(abc_folder)


def test_missing_column_named(abc_folder):
    df = pd.read_csv(abc_folder / "lines.csv").drop(columns=["x_ohm_per_km"])
    df.to_csv(abc_folder / "lines.csv", index=False)
    with pytest.raises(NetworkFileError, match="x_ohm_per_km"):
        gridmodel.load_network(abc_folder)


def test_line_to_unknown_bus_names_line_and_value(abc_folder):
    df = pd.read_csv(abc_folder / "lines.csv")
    df.loc[1, "to_bus"] = "bus:nowhere"
    df.to_csv(abc_folder / "lines.csv", index=False)
    with pytest.raises(NetworkFileError, match=r"lines.csv:3: to_bus:.*bus:nowhere"):
        gridmodel.load_network(abc_folder)


def test_status_naming_unknown_asset(abc_folder):
    df = pd.read_csv(abc_folder / "status.csv", keep_default_na=False)
    df.loc[1, "asset_id"] = "sub:atlantis"
    df.to_csv(abc_folder / "status.csv", index=False)
    with pytest.raises(StatusError, match=r"status.csv:3: asset_id:.*sub:atlantis"):
        gridmodel.load_network(abc_folder, status_date="2024-05-15")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("available_fraction", 1.5, "available_fraction"),
        ("status", "vaporised", "vaporised"),
        ("start", "15/03/2024", "ISO date"),
    ],
)
def test_status_bad_rows(abc_folder, field, value, match):
    df = pd.read_csv(abc_folder / "status.csv", keep_default_na=False)
    df[field] = df[field].astype(object)
    df.loc[0, field] = value
    df.to_csv(abc_folder / "status.csv", index=False)
    with pytest.raises(StatusError, match=match):
        gridmodel.load_network(abc_folder, status_date="2024-05-15")


def test_status_date_outside_range(abc_folder):
    with pytest.raises(StatusError, match="outside"):
        gridmodel.load_network(abc_folder, status_date="2030-01-01")
    with pytest.raises(StatusError, match="YYYY-MM-DD"):
        gridmodel.load_network(abc_folder, status_date="yesterday")


# ---------------------------------------------------------------- the ukraine network
@pytest.fixture(scope="module")
def ukraine():
    return gridmodel.load_network("ukraine")


@pytest.fixture(scope="module")
def ukraine_2026():
    return gridmodel.load_network("ukraine", status_date="2026-01-15")


def test_ukraine_size_and_connectivity(ukraine):
    assert 150 <= len(ukraine.bus) <= 400
    # one connected system, counting the kept transit buses abroad (EU and Moldova ends)
    assert nx.number_connected_components(graph(ukraine)) == 1
    assert set(ukraine.bus["vn_kv"]) >= {750.0, 330.0, 220.0, 110.0}


def test_ukraine_every_element_has_a_source(ukraine):
    folder = REPO / "networks" / "ukraine"
    for fname in (
        "substations.csv",
        "buses.csv",
        "lines.csv",
        "trafos.csv",
        "plants.csv",
        "loads.csv",
        "shunts.csv",
        "interconnectors.csv",
        "status.csv",
        "availability.csv",
    ):
        df = pd.read_csv(folder / fname, keep_default_na=False)
        assert (df["source"].str.len() > 0).all(), fname


def test_ukraine_named_assets_resolve(ukraine):
    ids = resolve(
        ukraine, ["Kyivska", "Kyivska-750", "Київська", "Kyivska 750"], kinds=["substation"]
    )
    assert set(ids) == {"sub:kyivska-750"}
    assert resolve(
        ukraine, ["Vinnytska", "Zakhidnoukrainska", "Kharkivska", "Zaliutyne"], kinds=["substation"]
    ) == ["sub:vinnytska-750", "sub:zakhidnoukrainska-750", "sub:kharkivska", "sub:zaliutyne"]
    assert resolve(ukraine, ["Darnytsia CHP-4", "Kharkiv CHP-5", "Kyiv CHP-5", "Kyiv CHP-6"]) == [
        "plant:darnytsia-chp-4",
        "plant:kharkiv-chp-5",
        "plant:kyiv-chp-5",
        "plant:kyiv-chp-6",
    ]
    # Kyivska-750 must be the one near Kyiv, linked to the Kyiv ring, not Vinnytska
    reg = ukraine.registry.set_index("asset_id")
    assert reg.loc["sub:kyivska-750", "lat"] > reg.loc["sub:vinnytska-750", "lat"] + 1.0


def test_ukraine_backbone_750_links(ukraine):
    g = graph(ukraine)
    sub = nx.get_node_attributes(g, "substation_id")
    links = {
        frozenset((sub[a], sub[b]))
        for a, b, k in g.edges(keys=True)
        if ukraine.bus.at[a, "vn_kv"] == 750 and ukraine.bus.at[b, "vn_kv"] == 750
    }
    for a, b in [
        ("sub:zakhidnoukrainska-750", "sub:rivne-npp"),
        ("sub:zakhidnoukrainska-750", "sub:khmelnytskyi-npp"),
        ("sub:zakhidnoukrainska-750", "sub:vinnytska-750"),
        ("sub:rivne-npp", "sub:kyivska-750"),
        ("sub:vinnytska-750", "sub:south-ukraine-npp"),
        ("sub:south-ukraine-npp", "sub:dniprovska-750"),
    ]:
        assert frozenset((a, b)) in links, (a, b)


def test_kyivska_autotransformer_carries_flow_in_intact_base_case(ukraine):
    # FIELD_NOTES 7: Kyivska-750's 330 kV side reaches the city ring only through GridKit
    # bus 4369 (flagged under construction, kept by curated/built_buses.csv): with the bus
    # the 750/330 kV autotransformer feeds the ring (about 0.57 GW, DC, intact system,
    # beside the Chornobyl NPP - Pivnichna 330 kV line through joints 9003/9004/8332);
    # without it, 0 MW
    from gridmodel.outage.engine import simulate_outage

    assert "bus:kyivska-330-tie-330" in set(ukraine.registry["asset_id"])
    br = simulate_outage(ukraine, None, ac=False).branches.set_index("asset_id")
    assert abs(br.loc["trafo:kyivska-750-750-330", "p_from_mw"]) > 500.0


def test_ukraine_dc_solves_and_ac_converges_balanced():
    for status_date in (None, "2026-01-15"):
        net = gridmodel.load_network("ukraine", status_date=status_date)
        info = proportional_dispatch(net)
        # the net's own tables balance: generation set = in-service load after scaling
        on_load = net.load["in_service"].to_numpy(bool)
        load_mw = float((net.load["p_mw"] * net.load["scaling"])[on_load].sum())
        gen_mw = float(net.gen["p_mw"].sum() + net.sgen["p_mw"].sum())
        assert gen_mw == pytest.approx(load_mw, rel=1e-9)
        assert info["demand_mw"] == pytest.approx(load_mw, rel=1e-9)
        assert net.gen["slack"].sum() == 1
        # 2026: about 13 GW available (domestic + imports) for 18 GW, so load is scaled
        assert (info["load_scaling"] < 1.0) == (status_date is not None)
        pp.rundcpp(net)
        on = net.bus["in_service"].to_numpy(bool)
        assert not net.res_bus.loc[on, "va_degree"].isna().any()
        pp.runpp(net, init="dc", max_iteration=50)
        assert net.converged
        assert net.res_bus.loc[on, "vm_pu"].between(0.75, 1.15).all()


def test_ukraine_totals_against_reported_figures(ukraine_2026):
    t = totals(ukraine_2026)
    assert t["available_domestic_generation_mw"] == pytest.approx(11000.0, rel=0.10)
    assert t["demand_mw"] == pytest.approx(18000.0, rel=0.10)
    res = residuals(ukraine_2026)
    assert set(res.index) == {"available_domestic_generation_mw", "demand_mw"}
    text = summary_text(ukraine_2026)
    assert "against reported figures" in text
    assert "2026-01-15" in text


def test_ukraine_availability_same_for_every_date():
    a = gridmodel.load_network("ukraine", status_date="2023-01-15")
    b = gridmodel.load_network("ukraine", status_date="2026-01-15")
    fa = a.gen.set_index("plant_id")["availability_factor"]
    fb = b.gen.set_index("plant_id")["availability_factor"]
    pd.testing.assert_series_equal(fa, fb)
    # but the status differs: Trypilska destroyed in April 2024
    assert a.gen.set_index("plant_id").at["plant:trypilska-tpp", "max_p_mw"] > 0
    assert b.gen.set_index("plant_id").at["plant:trypilska-tpp", "max_p_mw"] == 0


def test_ukraine_occupied_assets_by_list(ukraine_2026):
    reg = ukraine_2026.registry.set_index("asset_id")
    znpp = ukraine_2026.bus["substation_id"] == "sub:zaporizhzhia-npp"
    assert znpp.any()
    assert not ukraine_2026.bus.loc[znpp, "in_service"].any()
    # Kherson city: occupied in 2022, liberated in November 2022
    kh = ukraine_2026.bus["substation_id"].str.startswith("sub:khersonska")
    assert ukraine_2026.bus.loc[kh, "in_service"].all()
    assert "sub:kyivska-750" in reg.index


def test_rebuild_reproduces_shipped_files(tmp_path):
    out = tmp_path / "ukraine"
    subprocess.run(
        [sys.executable, str(REPO / "networks" / "build_ukraine.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    shipped = REPO / "networks" / "ukraine"
    built = sorted(p.name for p in out.iterdir())
    assert built
    match, mismatch, errors = filecmp.cmpfiles(shipped, out, built, shallow=False)
    assert not mismatch, mismatch
    assert not errors, errors


def test_network_json_matches_loaded_tables(ukraine):
    # the net carries the CSV ids in its tables, one to one
    buses = pd.read_csv(REPO / "networks" / "ukraine" / "buses.csv")
    assert list(ukraine.bus["bus_id"]) == list(buses["bus_id"])
    assert np.isclose(ukraine.load["p_mw"].sum(), 18000.0, rtol=1e-6)


def test_plot_marks_dark_and_struck_buses(abc_folder):
    from gridmodel.network.plot import plot_network

    net = gridmodel.load_network(abc_folder)
    ax = plot_network(net, dark_buses=[1, 2], struck_buses=[0])
    marked = {c.get_label(): c.get_offsets().tolist() for c in ax.collections}
    assert marked["dark (no supply)"] == [[31.0, 50.0], [32.0, 50.0]]
    assert marked["struck"] == [[30.0, 50.0]]
    ax = plot_network(net, dark_buses=[], struck_buses=None)
    assert not {"dark (no supply)", "struck"} & {c.get_label() for c in ax.collections}


@pytest.mark.parametrize("bad", [None, "", 3])
def test_load_network_needs_a_name_or_a_path(bad):
    import gridmodel
    from gridmodel.errors import NetworkFileError

    with pytest.raises(NetworkFileError, match="needs a built-in network name"):
        gridmodel.load_network(bad)


@pytest.mark.parametrize(("row", "fraction"), [(1, 0.5), (0, 0.0), (0, 1.0)])
def test_status_fraction_contradicting_the_status(abc_folder, row, fraction):
    # row 1 is sub:gamma occupied (must be 0), row 0 plant:alpha-npp damaged (0 < f < 1)
    df = pd.read_csv(abc_folder / "status.csv", keep_default_na=False)
    df.loc[row, "available_fraction"] = fraction
    df.to_csv(abc_folder / "status.csv", index=False)
    with pytest.raises(StatusError, match=rf"status.csv:{row + 2}: available_fraction: "
                                          "contradicts the row's status"):
        gridmodel.load_network(abc_folder, status_date="2024-05-15")


def test_a_technology_without_an_availability_factor_names_file_and_plant(abc_folder):
    df = pd.read_csv(abc_folder / "plants.csv", keep_default_na=False)
    df.loc[0, "technology"] = "Nuclear"
    df.to_csv(abc_folder / "plants.csv", index=False)
    with pytest.raises(StatusError, match=r"availability\.csv has no factor for technologies "
                                          r"\['Nuclear'\] \(of plants\.csv, e\.g\. \{'Nuclear': "
                                          r"'plant:alpha-npp'\}\).*known: \['nuclear'\]"):
        gridmodel.load_network(abc_folder)
