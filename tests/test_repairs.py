"""Repair times: seeded draws, overrides, lookup order, re-strike rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel.errors import InputError
from gridmodel.strikes.repairs import (
    STATE_COLUMNS,
    asset_states,
    draw_repair_hours,
    load_repair_table,
    period_records,
    registry_technology,
    repair_hours,
    repair_schedule,
)

T0 = pd.Timestamp("2026-02-03T00:00Z")


def strikes(rows):
    """Resolved-strike-like table from (asset, kind, hour, effect, fraction_lost, repair_h)."""
    df = pd.DataFrame(rows, columns=["asset_id", "kind", "hour", "effect", "fraction_lost",
                                     "repair_h"])
    df["time"] = T0 + pd.to_timedelta(df.pop("hour"), unit="h")
    df["row"] = np.arange(2, len(df) + 2)
    return df


class FakeNet(dict):
    """Just enough of a net: a registry with technologies."""

    def __init__(self, tech):
        super().__init__(registry=pd.DataFrame({"asset_id": list(tech),
                                                "technology": list(tech.values())}))

    def __getattr__(self, name):
        return self[name]


NET = FakeNet({"plant:chp": "chp", "plant:npp": "nuclear", "plant:coal": "coal",
               "sub:a": "", "line:x": ""})


def test_packaged_table_is_sourced_and_sane():
    table = load_repair_table()
    desc = table.describe()
    assert desc["source"].str.len().min() > 5
    # FIELD_NOTES 3: a CHP shut down returns in 1-2 days; destroyed CHP months
    chp_off = table.lookup("plant", "chp", "disabled")
    assert 24 <= chp_off.dist.ppf(0.01)
    assert chp_off.dist.ppf(0.99) <= 48
    chp_light = table.lookup("plant", "chp", "damaged", 0.2)
    assert chp_light.dist.ppf(0.99) <= 48
    chp_dead = table.lookup("plant", "chp", "destroyed")
    assert chp_dead.dist.ppf(0.0) >= 60 * 24
    # damaged autotransformer: weeks; disabled substation: hours to days
    assert 7 * 24 <= table.lookup("substation", "", "damaged", 0.5).dist.median() <= 8 * 7 * 24
    assert table.lookup("substation", "", "disabled").dist.median() <= 48
    # destroyed plant: months
    assert table.lookup("plant", "coal", "destroyed").dist.median() >= 60 * 24


def test_lookup_order_technology_kind_default():
    table = load_repair_table()
    assert table.lookup("plant", "chp", "disabled").technology == "chp"
    assert table.lookup("plant", "coal", "disabled").kind == "plant"
    assert table.lookup("plant", "coal", "disabled").technology == "*"
    assert table.lookup("shunt", "", "destroyed").kind == "*"
    # heavier CHP damage skips the light-damage entry
    assert table.lookup("plant", "chp", "damaged", 0.8).max_fraction_lost == 1.0


def test_seeded_draws_reproducible_and_seed_sensitive():
    s = strikes([("plant:chp", "plant", 0, "destroyed", 1.0, np.nan),
                 ("sub:a", "substation", 1, "damaged", 0.5, np.nan),
                 ("line:x", "line", 2, "disabled", 1.0, np.nan)])
    a = repair_hours(s, NET, seed=7)
    b = repair_hours(s, NET, rng=np.random.default_rng(7))
    pd.testing.assert_series_equal(a, b)
    c = repair_hours(s, NET, seed=8)
    assert not np.allclose(a, c)
    assert (a > 0).all()
    assert 60 * 24 <= a.iloc[0] <= 120 * 24


def test_array_draws_are_the_table_rows_inverse_cdfs():
    """draw_repair_hours (the sampled nights' path, on arrays): row i's time is its table
    entry's inverse CDF at the generator's i-th uniform (max 0), a given time is kept and
    still takes its uniform; repair_hours on the same strikes gives the same times."""
    s = strikes([("plant:chp", "plant", 0, "destroyed", 1.0, np.nan),
                 ("sub:a", "substation", 1, "damaged", 0.5, 12.0),
                 ("line:x", "line", 2, "disabled", 1.0, np.nan),
                 ("plant:chp", "plant", 3, "damaged", 0.2, np.nan)])
    table = load_repair_table()
    tech = registry_technology(NET, s["asset_id"])
    u = np.random.default_rng(5).random(len(s))
    want = [max(table.lookup(k, t, e, f).dist.ppf(ui), 0.0) for k, t, e, f, ui in zip(
        s["kind"], tech, s["effect"], s["fraction_lost"], u, strict=True)]
    want[1] = 12.0
    gen = np.random.default_rng(5)
    got = draw_repair_hours(table, gen, s["kind"].tolist(), tech, s["effect"].tolist(),
                            s["fraction_lost"].to_numpy(float), s["repair_h"].to_numpy(float))
    np.testing.assert_array_equal(got, want)
    assert gen.random() == np.random.default_rng(5).random(len(s) + 1)[-1]
    np.testing.assert_array_equal(repair_hours(s, NET, seed=5, table=table).to_numpy(), got)
    assert repair_hours(s.iloc[:0], NET, seed=1).empty
    short = np.random.default_rng(5)
    with pytest.raises(ValueError, match="fraction_lost"):
        draw_repair_hours(table, short, s["kind"].tolist(), tech, s["effect"].tolist(),
                          np.ones(3))
    assert short.random() == u[0]  # nothing drawn before the error


def test_override_replaces_only_its_row():
    base = strikes([("plant:chp", "plant", 0, "destroyed", 1.0, np.nan),
                    ("sub:a", "substation", 1, "damaged", 0.5, np.nan)])
    over = base.copy()
    over.loc[0, "repair_h"] = 10.0
    a = repair_hours(base, NET, seed=3)
    b = repair_hours(over, NET, seed=3)
    assert b.iloc[0] == 10.0
    assert b.iloc[1] == a.iloc[1]  # other draws unchanged


def test_draws_equal_one_lookup_and_ppf_per_row():
    """Grouped draws equal a lookup and a scalar ppf per row, also at max_fraction_lost."""
    s = strikes([("plant:chp", "plant", 0, "damaged", 0.3, np.nan),
                 ("plant:chp", "plant", 1, "damaged", 0.3 + 1e-13, np.nan),
                 ("plant:chp", "plant", 1, "damaged", 0.3001, np.nan),
                 ("plant:chp", "plant", 2, "disabled", 1.0, np.nan),
                 ("plant:npp", "plant", 2, "disabled", 1.0, np.nan),
                 ("plant:coal", "plant", 3, "destroyed", 1.0, 12.0),
                 ("sub:a", "substation", 3, "damaged", 0.5, np.nan),
                 ("sub:a", "substation", 4, "damaged", 0.05, np.nan),
                 ("line:x", "line", 5, "disabled", 1.0, np.nan),
                 ("line:x", "line", 5, "destroyed", 1.0, np.nan),
                 ("shunt:s", "shunt", 6, "destroyed", 1.0, np.nan)])
    s.index = [10, 3, 7, 1, 0, 9, 5, 4, 8, 2, 6]
    table = load_repair_table()
    assert load_repair_table(table) is table  # a table passes as it is
    got = repair_hours(s, NET, seed=11, table=table)
    u = np.random.default_rng(11).random(len(s))
    tech = dict(zip(NET.registry["asset_id"], NET.registry["technology"], strict=True))
    want = []
    for i, r in enumerate(s.itertuples()):
        entry = table.lookup(r.kind, tech.get(r.asset_id, ""), r.effect, r.fraction_lost)
        drawn = max(float(entry.dist.ppf(u[i])), 0.0)
        want.append(drawn if np.isnan(r.repair_h) else r.repair_h)
    assert got.index.equals(s.index)
    assert got.to_numpy().tobytes() == np.array(want).tobytes()
    cache: dict = {}  # the registry's technologies kept with the network: same draws
    for _ in range(2):
        kept = repair_hours(s, NET, seed=11, table=table, network_cache=cache)
        assert kept.to_numpy().tobytes() == got.to_numpy().tobytes()
    assert "technology" in cache
    given = repair_hours(s, NET, seed=11, table=table,  # technologies the caller holds
                         technology=registry_technology(NET, s["asset_id"]))
    assert given.to_numpy().tobytes() == got.to_numpy().tobytes()
    # given technologies win over the registry's: none given draws as a registry without
    blank = repair_hours(s, NET, seed=11, table=table, technology=[""] * len(s))
    untyped = repair_hours(s, FakeNet({}), seed=11, table=table)
    assert blank.to_numpy().tobytes() == untyped.to_numpy().tobytes()
    assert not np.array_equal(blank.to_numpy(), got.to_numpy())  # CHP and nuclear rows move
    with pytest.raises(ValueError, match="technology has 1 entries for 11 strikes"):
        repair_hours(s, NET, seed=11, table=table, technology=["chp"])


STRIKE = st.tuples(st.sampled_from(["sub:a", "sub:b", "line:x", None]), st.integers(0, 6),
                   st.sampled_from(["disabled", "damaged", "destroyed"]),
                   st.sampled_from([0.25, 0.5, 0.75]), st.sampled_from([0.0, 2.0, 3.0, 10.0]))


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(STRIKE, min_size=1, max_size=12), seed=st.integers(0, 2**16))
def test_asset_states_follow_the_stable_asset_time_order(rows, seed):
    """Periods of any row order equal those of each asset alone, assets in id order."""
    s = strikes([(a, "substation", h, e, f if e == "damaged" else 1.0, r)
                 for a, h, e, f, r in rows])
    s.index = np.random.default_rng(seed).permutation(len(s)) * 3 + 5
    hours = s["repair_h"].sample(frac=1.0, random_state=seed)  # aligned on the index
    got = asset_states(s, hours)
    parts = []
    for _, one in s.groupby("asset_id", sort=True):  # rows without an asset are dropped
        one = one.sort_values("time", kind="stable")
        parts.append(asset_states(one, one["repair_h"]))
    parts = [p for p in parts if len(p)]
    want = pd.concat(parts, ignore_index=True) if parts else got.iloc[:0]
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(STRIKE, min_size=1, max_size=12), seed=st.integers(0, 2**16))
def test_period_records_equal_asset_states(rows, seed):
    """The list form (the nuclear response's few strikes) gives asset_states' periods,
    field by field and in its order, for any row order, rows without an asset dropped."""
    s = strikes([(a, "substation", h, e, f if e == "damaged" else 1.0, r)
                 for a, h, e, f, r in rows])
    s = s.iloc[np.random.default_rng(seed).permutation(len(s))]
    want = asset_states(s, s["repair_h"])
    got = period_records(s["asset_id"].tolist(), s["time"].tolist(),
                         s["fraction_lost"].tolist(), s["repair_h"].tolist(),
                         s["effect"].tolist(), s["row"].tolist())
    assert [list(r) for r in got] == [STATE_COLUMNS] * len(got)
    assert [tuple(r.values()) for r in got] == list(want.itertuples(index=False, name=None))


def test_restrike_after_repair_starts_new_repair():
    s = strikes([("sub:a", "substation", 0, "disabled", 1.0, 5.0),
                 ("sub:a", "substation", 10, "damaged", 0.5, 20.0)])
    st = asset_states(s, s["repair_h"])
    assert len(st) == 2
    assert st.loc[0, "end"] == T0 + pd.Timedelta(hours=5)
    assert st.loc[0, "returns"]
    assert st.loc[1, "start"] == T0 + pd.Timedelta(hours=10)
    assert st.loc[1, "end"] == T0 + pd.Timedelta(hours=30)
    assert st.loc[1, "remaining_fraction"] == 0.5


def test_restrike_under_repair_worst_wins_later_end():
    # damaged (half lost, 100 h) then destroyed at 10 h (repair 200 h): worst from 10 h,
    # back at 10 + 200 h
    s = strikes([("sub:a", "substation", 0, "damaged", 0.5, 100.0),
                 ("sub:a", "substation", 10, "destroyed", 1.0, 200.0)])
    st = asset_states(s, s["repair_h"])
    assert st[["remaining_fraction", "effect", "returns"]].values.tolist() == [
        [0.5, "damaged", False], [0.0, "destroyed", True]]
    assert st.loc[0, "end"] == st.loc[1, "start"] == T0 + pd.Timedelta(hours=10)
    assert st.loc[1, "end"] == T0 + pd.Timedelta(hours=210)
    assert st.loc[1, "strike_rows"] == "2|3"
    # a milder re-strike under repair never shortens the outage nor improves the state
    s = strikes([("sub:a", "substation", 0, "destroyed", 1.0, 100.0),
                 ("sub:a", "substation", 10, "disabled", 1.0, 5.0)])
    st = asset_states(s, s["repair_h"])
    assert st["effect"].tolist() == ["destroyed", "destroyed"]
    assert st["end"].max() == T0 + pd.Timedelta(hours=100)
    # two strikes at the same time merge into one period
    s = strikes([("sub:a", "substation", 3, "damaged", 0.3, 50.0),
                 ("sub:a", "substation", 3, "damaged", 0.6, 20.0)])
    st = asset_states(s, s["repair_h"])
    assert len(st) == 1
    assert st.loc[0, "remaining_fraction"] == pytest.approx(0.4)
    assert st.loc[0, "end"] == T0 + pd.Timedelta(hours=53)


def test_repair_schedule_end_to_end():
    s = strikes([("plant:npp", "plant", 0, "disabled", 1.0, np.nan)])
    st = repair_schedule(s, NET, seed=1)
    assert len(st) == 1
    assert st.loc[0, "remaining_fraction"] == 0.0
    assert st.loc[0, "end"] > st.loc[0, "start"]


@pytest.mark.parametrize(
    ("entry", "match"),
    [
        ('kind="plant"\neffect="disabled"\ndist="norm"\nparams={loc=5,scale=1}\nsource="x"',
         "negative"),
        ('kind="plant"\neffect="disabled"\ndist="nosuch"\nparams={}\nsource="x"',
         "not a continuous scipy.stats"),
        ('kind="plant"\neffect="zapped"\ndist="uniform"\nparams={}\nsource="x"', "effect"),
        ('kind="plant"\neffect="disabled"\ndist="uniform"\nparams={loc=1,scale=2}\nsource=""',
         "empty source"),
        ('kind="plant"\neffect="disabled"\ndist="lognorm"\nparams={bogus=1}\nsource="x"',
         "do not fit"),
        ('kind="plant"\neffect="disabled"\ndist="uniform"\nparams={loc=1,scale=2}',
         "missing key 'source'"),
    ],
)
def test_bad_repair_file(tmp_path, entry, match):
    p = tmp_path / "r.toml"
    p.write_text("[[repair]]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=match) as info:
        load_repair_table(p)
    assert "entry 1" in str(info.value)


def test_no_matching_entry(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('[[repair]]\nkind="plant"\neffect="disabled"\ndist="uniform"\n'
                 'params={loc=1,scale=2}\nsource="[C]"\n', encoding="utf-8")
    table = load_repair_table(p)
    with pytest.raises(InputError, match="no repair-time entry for kind='line'"):
        table.lookup("line", "", "disabled")


def test_given_repair_h_still_needs_an_entry_and_takes_its_draw(tmp_path):
    """A row with its own repair_h is not drawn from, but it must have an entry and it
    consumes its uniform (so the draws of the other rows do not depend on it)."""
    p = tmp_path / "r.toml"
    p.write_text('[[repair]]\nkind="plant"\neffect="disabled"\ndist="uniform"\n'
                 'params={loc=1,scale=2}\nsource="[C]"\n', encoding="utf-8")
    table = load_repair_table(p)
    s = strikes([("plant:chp", "plant", 0, "disabled", 1.0, 5.0),
                 ("line:x", "line", 1, "disabled", 1.0, 7.0)])
    with pytest.raises(InputError, match="no repair-time entry for kind='line'"):
        repair_hours(s, NET, seed=1, table=table)
    rng = np.random.default_rng(4)
    assert repair_hours(s.iloc[:1], NET, rng=rng, table=table).tolist() == [5.0]
    assert rng.random() == np.random.default_rng(4).random(2)[1]
    both = strikes([("plant:chp", "plant", 0, "disabled", 1.0, 5.0),
                    ("plant:npp", "plant", 1, "disabled", 1.0, np.nan)])
    got = repair_hours(both, NET, seed=2, table=table)
    assert got.tolist() == [5.0, 1.0 + 2.0 * np.random.default_rng(2).random(2)[1]]
