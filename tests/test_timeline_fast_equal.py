"""The fast engine's array path of the timeline equals the per-run OutageResult path.

``simulate_outages(..., engine="fast")`` steps on the engine's arrays and builds its
frames once (``_lean=True``, the default); ``_lean=False`` keeps the former loop that builds
an :class:`~gridmodel.outage.result.OutageResult` per engine run and concatenates per-step
frames. Both must give identical frames (values, dtypes, row order) for sampled nights of
every example pattern and for the Kyiv example's strikes. The vectorised rolling-blackout
schedule is checked against the former loop implementation, kept here as the reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gridmodel.errors import InputError
from gridmodel.outage.blackouts import (
    EXEMPT_CLASSES,
    BlackoutSchedule,
    _check_params,
    queues_off_per_block,
    rolling_blackouts,
    supply_areas,
)
from gridmodel.outage.timeline import simulate_outages

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = sorted((ROOT / "examples" / "patterns").glob("*.toml"))
TIMELINE_FRAMES = ("loads", "oblasts", "classes", "islands", "assets", "strikes", "runs")
BLACKOUT_FRAMES = ("schedule", "blocks", "areas", "oblast_hourly", "daily", "oblast_daily")

pytestmark = pytest.mark.slow


def reference_rolling_blackouts(loads: pd.DataFrame, areas: pd.Series | None = None, *,
                      n_queues: int = 6, block_h: int = 4, step_h: float = 1.0,
                      timezone: str = "Europe/Kyiv", start_queue: int = 0) -> BlackoutSchedule:
    """The loop implementation of ``rolling_blackouts`` before vectorisation."""
    _check_params(n_queues, block_h, step_h)
    need = ["time", "load_id", "oblast", "priority_class", "demand_mw", "shed_mw", "energised"]
    missing = [c for c in need if c not in loads]
    if missing:
        msg = f"loads frame lacks columns {missing}; pass TimelineResult.loads."
        raise InputError(msg)
    df = loads[need].copy()
    df["time"] = pd.to_datetime(df["time"], utc=True)
    if areas is None:
        df["area"] = df["oblast"].astype(str)
    else:
        df["area"] = df["load_id"].map(areas).fillna(df["oblast"]).astype(str)
    cls = df["priority_class"].astype(str)
    queued = ~cls.isin(EXEMPT_CLASSES)
    energised = df["energised"].astype(bool)
    res = cls == "residential"
    dem = df["demand_mw"].astype(float)
    df["queued_mw"] = np.where(queued & energised, dem, 0.0)
    df["shed_energised_mw"] = np.where(energised, df["shed_mw"].astype(float), 0.0)
    df["dark_mw"] = np.where(queued & ~energised, dem, 0.0)
    df["residential_mw"] = np.where(res, dem, 0.0)
    df["residential_dark_mw"] = np.where(res & ~energised, dem, 0.0)
    df["residential_queued_mw"] = np.where(res & energised, dem, 0.0)
    cols = ["queued_mw", "shed_energised_mw", "dark_mw", "residential_mw",
            "residential_dark_mw", "residential_queued_mw"]
    area_oblast = df.groupby("area")["oblast"].agg(lambda s: s.mode().iloc[0])
    a = df.groupby(["area", "time"], sort=True)[cols].sum().reset_index()
    a["deficit_mw"] = np.minimum(a["shed_energised_mw"], a["queued_mw"])
    a["exempt_shed_mw"] = a["shed_energised_mw"] - a["deficit_mw"]
    a["oblast"] = a["area"].map(area_oblast)
    local = a["time"].dt.tz_convert(timezone)
    a["date"] = local.dt.date
    a["block"] = (local.dt.hour // block_h).astype(np.int64)
    a["dark"] = (a["queued_mw"] <= 0) & (a["dark_mw"] > 0)

    block_rows = []
    off_of: dict[tuple, list[int]] = {}
    for area, ga in a.groupby("area", sort=True):
        pointer = int(start_queue) % n_queues
        for date, gd in ga.groupby("date", sort=True):
            gb = gd.groupby("block", sort=True)
            e_dem = gb["queued_mw"].sum().to_numpy() * step_h
            e_def = gb["deficit_mw"].sum().to_numpy() * step_h
            blocks = gb["queued_mw"].sum().index.to_numpy()
            dark = gb["dark"].all().to_numpy()
            k = queues_off_per_block(e_def, e_dem, n_queues)
            for b, kb, dm, dfc, dk in zip(blocks, k, e_dem, e_def, dark, strict=True):
                off = [(pointer + j) % n_queues for j in range(int(kb))]
                pointer = (pointer + int(kb)) % n_queues
                off_of[(area, date, int(b))] = off
                block_rows.append({
                    "area": area, "oblast": area_oblast[area], "date": date, "block": int(b),
                    "demand_mwh": dm, "deficit_mwh": dfc, "queues_off": int(kb),
                    "off_queues": off, "off_mwh": kb * dm / n_queues,
                    "queue_block_mwh": dm / n_queues, "dark": bool(dk)})
    blocks_df = pd.DataFrame(block_rows)
    offs = [off_of[key] for key in zip(a["area"], a["date"], a["block"], strict=True)]
    live = (a["queued_mw"] > 0).to_numpy()
    frames = []
    for q in range(n_queues):
        on = live & np.array([q not in off for off in offs], dtype=bool)
        frames.append(pd.DataFrame({"area": a["area"].to_numpy(), "queue": q,
                                    "time": a["time"].to_numpy(), "power_on": on}))
    schedule = pd.concat(frames, ignore_index=True).sort_values(
        ["area", "queue", "time"], kind="stable").reset_index(drop=True)
    schedule["time"] = pd.to_datetime(schedule["time"], utc=True)
    a["queues_off"] = [len(off) for off in offs]

    # per area and step: queues off -> residential share without power
    a["residential_off_mw"] = (a["residential_dark_mw"]
                               + a["residential_queued_mw"] * a["queues_off"] / n_queues)
    g = a.groupby(["oblast", "time"], sort=True)[["residential_mw", "residential_off_mw"]].sum()
    oblast_hourly = g.reset_index()
    oblast_hourly["residential_off_share"] = np.clip(np.where(
        oblast_hourly["residential_mw"] > 0,
        oblast_hourly["residential_off_mw"] / oblast_hourly["residential_mw"].where(
            oblast_hourly["residential_mw"] > 0, 1.0), 0.0), 0.0, 1.0)

    schedule["date"] = schedule["time"].dt.tz_convert(timezone).dt.date
    daily = (schedule.assign(supply_h=schedule["power_on"] * step_h)
             .groupby(["area", "date", "queue"], sort=True)["supply_h"].sum().reset_index())
    daily["oblast"] = daily["area"].map(area_oblast)
    daily = daily[["area", "oblast", "date", "queue", "supply_h"]]
    schedule = schedule.drop(columns="date")
    # per oblast and day: hours with power per residential customer (dark counts as
    # none), and the range over queues of energised areas
    oh = oblast_hourly.assign(
        date=oblast_hourly["time"].dt.tz_convert(timezone).dt.date,
        on_h=(1.0 - oblast_hourly["residential_off_share"]) * step_h,
        dark_share=a.groupby(["oblast", "time"], sort=True)["residential_dark_mw"].sum()
        .to_numpy() / oblast_hourly["residential_mw"].where(
            oblast_hourly["residential_mw"] > 0, 1.0).to_numpy())
    og = oh.groupby(["oblast", "date"], sort=True)
    live_daily = daily[daily["area"].isin(a.loc[a["queued_mw"] > 0, "area"])]
    qg = live_daily.groupby(["oblast", "date"], sort=True)["supply_h"]
    oblast_daily = pd.DataFrame({
        "supply_h_mean": og["on_h"].sum().round(9),
        "queue_supply_h_min": qg.min(),
        "queue_supply_h_max": qg.max(),
        "residential_dark_share": og["dark_share"].mean(),
    }).reset_index()
    areas_out = a[["area", "oblast", "time", "queued_mw", "deficit_mw", "exempt_shed_mw",
                   "dark_mw", "residential_mw", "residential_dark_mw"]]
    return BlackoutSchedule(schedule=schedule, blocks=blocks_df, areas=areas_out,
                            oblast_hourly=oblast_hourly, daily=daily,
                            oblast_daily=oblast_daily, n_queues=int(n_queues),
                            block_h=int(block_h), step_h=float(step_h), timezone=timezone)


@pytest.fixture(scope="module")
def ctx():
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.studies.ensemble import pattern_context as build_context

    return build_context(load_pattern(PATTERNS[0]).run)


def _nights(ctx):
    from gridmodel.strikes import load_strikes
    from gridmodel.strikes.patterns import load_pattern, sample_night

    out = []
    for i, path in enumerate(PATTERNS):
        rng = np.random.default_rng(100 + i)
        night = sample_night(load_pattern(path), ctx.net, rng)
        out.append((path.stem, night, int(rng.integers(0, 2**31 - 1)), 168.0))
    rng = np.random.default_rng(7)
    out.append(("again", sample_night(load_pattern(PATTERNS[0]), ctx.net, rng), 5, 96.0))
    kyiv = load_strikes(ROOT / "examples" / "strikes" / "kyiv_2026_02_03.csv", ctx.net,
                        only={"reliability": "A"})
    out.append(("kyiv", kyiv, 20260203, 336.0))
    out.append(("baseline", None, 0, 48.0))
    return out


def _timeline(ctx, strikes, seed, horizon_h, lean):
    run = ctx.run
    return simulate_outages(
        ctx.net, strikes, start=pd.Timestamp(run["start"]), horizon_h=horizon_h,
        temp_air=ctx.weather, seed=seed, engine="fast", ac=False,
        n_queues=int(run["n_queues"]), block_h=int(run["block_h"]),
        demand_step=float(run["demand_step"]), engine_kwargs={"compiled": ctx.compiled},
        _lean=lean)


def _assert_schedules_equal(got, want):
    for name in BLACKOUT_FRAMES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name),
                                      check_exact=True, obj=f"blackouts.{name}")
    assert (got.n_queues, got.block_h, got.step_h, got.timezone) == (
        want.n_queues, want.block_h, want.step_h, want.timezone)


def test_array_path_equals_result_path(ctx):
    for name, strikes, seed, horizon_h in _nights(ctx):
        lean = _timeline(ctx, strikes, seed, horizon_h, lean=True)
        ref = _timeline(ctx, strikes, seed, horizon_h, lean=False)
        for frame in TIMELINE_FRAMES:
            pd.testing.assert_frame_equal(getattr(lean, frame), getattr(ref, frame),
                                          check_exact=True, obj=f"{name}: {frame}")
        _assert_schedules_equal(lean.blackouts, ref.blackouts)
        assert lean.meta == ref.meta
        assert lean.n_engine_runs == ref.n_engine_runs > 0
        # and the vectorised schedule equals the former loop implementation
        for kw in ({}, {"n_queues": 4, "block_h": 6, "start_queue": 3}):
            got = rolling_blackouts(lean.loads, supply_areas(ctx.net), **kw)
            want = reference_rolling_blackouts(lean.loads, supply_areas(ctx.net), **kw)
            _assert_schedules_equal(got, want)


def test_array_path_not_used_when_the_engine_is_replaced(ctx, monkeypatch):
    from gridmodel.outage import timeline

    calls = []
    real = timeline._simulate

    def spy(net, outages, **kwargs):
        calls.append(outages)
        return real(net, outages, **kwargs)

    monkeypatch.setattr(timeline, "_simulate", spy)
    tl = _timeline(ctx, None, 0, 24.0, lean=True)
    assert len(calls) == tl.n_engine_runs > 0


def test_array_path_keeps_engine_errors(ctx):
    with pytest.raises(InputError):
        simulate_outages(ctx.net, None, start="2026-02-03T00:00+02:00", horizon_h=2,
                         engine="fast", ac=False, max_cascade_rounds=-1,
                         engine_kwargs={"compiled": ctx.compiled})
