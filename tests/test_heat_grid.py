"""The grid-to-heat interface on hand-made timeline frames."""

import pandas as pd

from gridmodel.heat import grid as hgrid

IDX = pd.date_range("2026-02-03 00:00", periods=6, freq="h", tz="Europe/Kyiv")
REG = pd.DataFrame({
    "asset_id": ["sub:kyiv-110-a", "bus:kyiv-110-a", "load:kyiv-a-heat_water",
                 "load:kyiv-a-residential"],
    "kind": ["substation", "bus", "load", "load"],
    "substation": ["", "sub:kyiv-110-a", "sub:kyiv-110-a", "sub:kyiv-110-a"],
})


def test_asset_available_binning():
    periods = pd.DataFrame({
        "asset_id": ["plant:x"],
        "start": [pd.Timestamp("2026-02-03T01:20+02:00")],
        "end": [pd.Timestamp("2026-02-03T03:20+02:00")],
        "remaining_fraction": [0.25]})
    aa = hgrid.asset_available(periods, IDX, assets=["plant:x", "plant:y"])
    # out from the 01:00 step (contains the strike) to the 04:00 step (first at/after end)
    assert aa["plant:x"].tolist() == [1.0, 0.25, 0.25, 0.25, 1.0, 1.0]
    assert (aa["plant:y"] == 1.0).all()


def test_node_power_from_heat_water_service():
    rows = []
    for k, t in enumerate(IDX.tz_convert("UTC")):
        served = 10.0 if k != 2 else 2.0  # 20 % served at hour 2
        rows.append({"time": t, "load_id": "load:kyiv-a-heat_water",
                     "priority_class": "heat_water", "demand_mw": 10.0, "served_mw": served,
                     "energised": k != 4})
        rows.append({"time": t, "load_id": "load:kyiv-a-residential",
                     "priority_class": "residential", "demand_mw": 50.0, "served_mw": 20.0,
                     "energised": k != 4})
    npow = hgrid.node_power(pd.DataFrame(rows), REG, IDX, ["bus:kyiv-110-a", "bus:other"])
    assert npow["bus:kyiv-110-a"].tolist() == [True, True, False, True, False, True]
    assert npow["bus:other"].all()


def test_building_power_from_schedule():
    sch = pd.DataFrame({"area": "sub:kyiv-110-a", "queue": 1, "time": IDX.tz_convert("UTC"),
                        "power_on": [True, False, False, True, True, True]})
    bp = hgrid.building_power(sch, REG, IDX, [("bus:kyiv-110-a", 1), ("bus:kyiv-110-a", 2)])
    assert bp[("bus:kyiv-110-a", 1)].tolist() == [True, False, False, True, True, True]
    assert bp[("bus:kyiv-110-a", 2)].all()
