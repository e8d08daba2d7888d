"""sample_night against a plain, hit-by-hit implementation of the documented algorithm.

The reference below follows the module docstring of :mod:`gridmodel.strikes.patterns`
literally (one Python step per weapon, one scalar ``ppf`` per hit, a groupby per asset,
the strike table built through ``strikes_from_records`` and ``resolve_strikes``), so any
divergence of the vectorised sampler (values, dtypes, order, attrs, or the number of
draws taken from the generator) fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gridmodel.strikes.patterns import (
    WEAPON_CLASSES,
    check_pattern,
    pattern_from_dict,
    sample_night,
)
from gridmodel.strikes.repairs import load_repair_table
from gridmodel.strikes.resolve import RESOLVED_COLUMNS, resolve_strikes, select_assets
from gridmodel.strikes.strikelist import strikes_from_records

BASE = {
    "name": "fast",
    "salvo": {"cruise": 6, "ballistic": 4, "drone": 40},
    "night": {"first": "2026-02-03T01:00+02:00", "last": "2026-02-03T05:00+02:00"},
    "doctrine": {"preset": "heat_source_first"},
    "run": {"start": "2026-02-03T00:00+02:00", "horizon_h": 12},
}
CASES = {
    "random": {"doctrine": {"preset": "generation_first"}},
    "protected": {"doctrine": {"preset": "random"},
                  "protection": {"level2": ["kind=substation;vn_kv>=330",
                                            "kind=plant;technology=chp"]}},
    "load_served": {"doctrine": {"preset": "load_served", "hits_per_target": 2}},
    "mixed_kinds": {"doctrine": {"targets": [
        {"select": "kind=line;vn_kv>=330", "weight": 1.0},
        {"select": "kind=transformer", "weight": 1.0},
        {"select": "kind=plant", "weight": 2.0}]},
        "air_defence": {"cruise": 0.0, "ballistic": 0.0, "drone": 0.2}},
    "tiny": {"salvo": {"cruise": 1, "ballistic": 0, "drone": 2},
             "air_defence": {"cruise": 0.5, "ballistic": 0.5, "drone": 0.5}},
}


@pytest.fixture(scope="module")
def net():
    import gridmodel

    return gridmodel.load_network("ukraine", status_date="2026-02-02")


def reference_night(pattern, net, rng) -> pd.DataFrame:
    """The documented sampling steps, one weapon and one asset at a time."""
    tg = check_pattern(pattern, net)
    reg = net.registry.set_index("asset_id")
    launched = {c: pattern.salvo[c] for c in WEAPON_CLASSES}
    intercepted = {c: int(rng.binomial(launched[c], pattern.interception[c]))
                   for c in WEAPON_CLASSES}
    arrived = {c: launched[c] - intercepted[c] for c in WEAPON_CLASSES}
    attrs = {"launched": launched, "intercepted": intercepted, "arrived": arrived,
             "illustrative": pattern.illustrative}
    cls = [c for c in WEAPON_CLASSES for _ in range(arrived[c])]
    n = len(cls)
    span_min = int((pattern.night_last - pattern.night_first) / pd.Timedelta(minutes=1))
    minutes = rng.integers(0, span_min + 1, size=n)
    grp = rng.choice(len(tg.groups), size=n, p=tg.weights / tg.weights.sum())
    u_pick = rng.random(n)
    u_dmg = rng.random(n)
    if not n:
        empty = pd.DataFrame(columns=[*RESOLVED_COLUMNS, "n_hits", "protection"])
        empty.attrs.update(attrs)
        return empty
    level = {}
    for lvl, sels in pattern.protection.items():
        for sel in sels:
            level.update(dict.fromkeys(select_assets(net, sel), lvl))
    hits, taken = [], [0] * len(tg.groups)
    for i in range(n):
        g = tg.groups[grp[i]]
        if pattern.doctrine.order == "random":
            a = g[min(int(u_pick[i] * len(g)), len(g) - 1)]
        else:
            a = g[(taken[grp[i]] // pattern.doctrine.hits_per_target) % len(g)]
            taken[grp[i]] += 1
        dist = pattern.defaults["damage_dists"][reg.at[a, "kind"]][level.get(a, "none")]
        factor = float(pattern.defaults["weapons"][cls[i]].get("damage_factor", 1.0))
        loss = min(max(float(dist.ppf(u_dmg[i])) * factor, 0.0), 1.0)
        hits.append({"asset_id": a, "cls": cls[i], "minute": int(minutes[i]), "loss": loss})
    src = (f"sampled: pattern {pattern.name} ({pattern.doctrine.name} doctrine, "
           f"{pattern.interception_name} air defence) [C] illustrative")
    records = []
    for aid, h in pd.DataFrame(hits).groupby("asset_id", sort=True):
        remaining = float(np.prod(1.0 - h["loss"].to_numpy()))
        counts = h["cls"].value_counts()
        destroyed = remaining <= pattern.defaults["destroyed_below"]
        records.append({
            "target": aid,
            "time": (pattern.night_first + pd.Timedelta(minutes=int(h["minute"].min()))
                     ).isoformat(),
            "effect": "destroyed" if destroyed else "damaged",
            "fraction_lost": None if destroyed else round(1.0 - remaining, 4),
            "weapon": "; ".join(f"{c} x{int(counts[c])}" for c in WEAPON_CLASSES
                                if c in counts),
            "source": src, "n_hits": len(h), "protection": level.get(aid, "none")})
    where = f"<night of {pattern.name}>"
    first = resolve_strikes(net, strikes_from_records(records, where=where))
    table = load_repair_table()
    u = rng.random(len(first))
    by_target = {r["target"]: r for r in records}
    for i, s in first.iterrows():
        tech = reg.at[s["asset_id"], "technology"]
        entry = table.lookup(s["kind"], tech, s["effect"], float(s["fraction_lost"]))
        by_target[s["asset_id"]]["repair_h"] = round(max(float(entry.dist.ppf(u[i])), 0.0), 1)
    final = [by_target[a] for a in first["asset_id"]]
    out = resolve_strikes(net, strikes_from_records(final, where=where))
    out["n_hits"] = out["n_hits"].astype("int64")
    out.attrs.update(attrs)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_sample_night_equals_the_hit_by_hit_reference(net, case):
    pattern = pattern_from_dict({**BASE, **CASES[case]})
    for seed in range(12):
        rng_fast, rng_ref = np.random.default_rng(seed), np.random.default_rng(seed)
        fast = sample_night(pattern, net, rng_fast)
        ref = reference_night(pattern, net, rng_ref)
        pd.testing.assert_frame_equal(fast, ref, check_exact=True)
        assert fast.attrs == ref.attrs
        # the generator is left where the reference leaves it
        assert rng_fast.integers(0, 2**31 - 1) == rng_ref.integers(0, 2**31 - 1)


def test_vectorised_damage_ppf_equals_scalar_calls():
    """One ppf call per distribution must give the values of one call per hit, bit for bit."""
    pattern = pattern_from_dict(BASE)
    u = np.random.default_rng(7).random(2000)
    for levels in pattern.defaults["damage_dists"].values():
        for dist in levels.values():
            scalar = np.array([float(dist.ppf(x)) for x in u])
            assert dist.ppf(u).tobytes() == scalar.tobytes()
