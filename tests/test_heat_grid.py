"""The grid-to-heat interface on hand-made timeline frames."""

import numpy as np
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


def test_asset_available_overlaps_keep_the_lowest_fraction():
    t = [pd.Timestamp(f"2026-02-03T0{h}:00+02:00") for h in range(6)]
    periods = pd.DataFrame({
        "asset_id": ["plant:x", "plant:y", "plant:x", "plant:z", "plant:x"],
        "start": [t[1], t[0], t[2], t[0], t[4]],
        "end": [t[4], t[2], t[3], t[5], t[5]],
        "remaining_fraction": [0.5, 0.0, 0.25, 0.1, 1.5]})
    aa = hgrid.asset_available(periods, IDX, assets=["plant:x", "plant:y", "plant:w"])
    assert aa["plant:x"].tolist() == [1.0, 0.5, 0.25, 0.5, 1.0, 1.0]
    assert aa["plant:y"].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert (aa["plant:w"] == 1.0).all()
    assert list(aa.columns) == ["plant:x", "plant:y", "plant:w"]
    assert aa.columns.name == "asset_id"
    assert (aa.dtypes == np.float64).all()


def _loads(rng, n_t=6):
    ids = ["load:kyiv-a-heat_water", "load:kyiv-a-residential", "load:elsewhere"]
    rows = []
    for t in IDX.tz_convert("UTC")[:n_t]:
        for lid in ids:
            rows.append({"time": t, "load_id": lid,
                         "priority_class": "heat_water" if "heat" in lid else "residential",
                         "demand_mw": 10.0, "served_mw": float(rng.choice([0.0, 3.0, 10.0])),
                         "energised": bool(rng.random() < 0.8)})
    return pd.DataFrame(rows)


def test_node_power_same_for_any_row_order():
    # the timeline lists every load at every step (blocks); shuffled rows take the
    # general factorization and must give the same frame
    rng = np.random.default_rng(3)
    loads = _loads(rng)
    nodes = ["bus:kyiv-110-a", "bus:other"]
    blocked = hgrid.node_power(loads, REG, IDX, nodes)
    shuffled = loads.sample(frac=1.0, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(hgrid.node_power(shuffled, REG, IDX, nodes), blocked)
    partial = loads.iloc[:-2]  # last step incomplete: not whole blocks
    want = hgrid.node_power(partial.sample(frac=1.0, random_state=2), REG, IDX, nodes)
    pd.testing.assert_frame_equal(hgrid.node_power(partial, REG, IDX, nodes), want)


def test_factorize_steps_equals_pandas():
    ids = np.array(["b", "a", "c"] * 4, dtype=object)
    times = np.repeat(np.arange(4), 3)
    for i, t in ((ids, times), (ids[::-1].copy(), times), (ids[:-1], times[:-1])):
        codes, uniq = hgrid._factorize_steps(i, t)
        want_codes, want_uniq = pd.factorize(i, use_na_sentinel=True)
        assert np.array_equal(codes, want_codes)
        assert list(uniq) == list(want_uniq)


def test_time_positions_on_even_and_uneven_index():
    even = IDX
    uneven = IDX.delete(2)
    times = pd.Series(IDX.tz_convert("UTC").append(pd.DatetimeIndex(
        ["2026-02-03T00:30+00:00", "2026-02-01T00:00+00:00", "2026-02-09T00:00+00:00"])
        .tz_convert("UTC")))
    for index in (even, uneven):
        ref = index.asi8
        t = times.array.asi8
        pos = np.minimum(np.searchsorted(ref, t), len(ref) - 1)
        want = np.where(ref[pos] == t, pos, -1)
        assert np.array_equal(hgrid._ns_utc_positions(times, index), want)


def test_building_power_same_for_any_row_order():
    rng = np.random.default_rng(5)
    reg = pd.concat([REG, pd.DataFrame({"asset_id": ["sub:kyiv-110-b", "bus:kyiv-110-b"],
                                        "kind": ["substation", "bus"],
                                        "substation": ["", "sub:kyiv-110-b"]})])
    sch = pd.concat([pd.DataFrame({"area": a, "queue": q, "time": IDX.tz_convert("UTC"),
                                   "power_on": rng.random(len(IDX)) < 0.5})
                     for a in ("sub:kyiv-110-a", "sub:kyiv-110-b", "Kyivska") for q in (1, 2)],
                    ignore_index=True)
    nq = [("bus:kyiv-110-a", 1), ("bus:kyiv-110-b", 2), ("bus:kyiv-110-b", 3)]
    bp = hgrid.building_power(sch, reg, IDX, nq)
    for a, q in (("sub:kyiv-110-a", 1), ("sub:kyiv-110-b", 2)):
        want = sch[(sch["area"] == a) & (sch["queue"] == q)]["power_on"].tolist()
        assert bp[(a.replace("sub:", "bus:"), q)].tolist() == want
    assert bp[("bus:kyiv-110-b", 3)].all()
    shuffled = sch.sample(frac=1.0, random_state=4).reset_index(drop=True)
    pd.testing.assert_frame_equal(hgrid.building_power(shuffled, reg, IDX, nq), bp)
