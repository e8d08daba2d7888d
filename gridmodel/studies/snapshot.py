"""The outage snapshot: every strike of a list applied at once, no time, no heat.

``gridmodel outage STRIKES`` runs this study: the one chain
(:func:`gridmodel.pipeline.run_chain`) on a grid-only snapshot context
(:func:`gridmodel.pipeline.snapshot_context`), the day's rolling-blackout schedule from
the shed, and the frames, map and report of :mod:`gridmodel.report.snapshot`.
"""

from __future__ import annotations

from pathlib import Path

from gridmodel.config import DEFAULTS, GRID

__all__ = ["run_outage"]


def run_outage(strikes_path: Path, *, network: str = DEFAULTS["run"]["network"],
               status_date: str | None = None,
               engine: str = "pandapower", ac: bool = True, out: Path | None = None,
               force: bool = False, n_queues: int = GRID.n_queues,
               block_h: int = GRID.block_h,
               only: dict | None = None) -> dict:
    """Load, resolve and apply a strike list at once; optionally write the results.

    Returns
    -------
    dict
        ``net, strikes, result, schedule, metrics`` (the row builder's values) and
        ``files``.

    Raises
    ------
    InputError
        Bad strike list, unknown targets, an existing ``out`` folder without ``force``.
    """
    from gridmodel._io.outdir import output_folder

    if out is None:
        return _run_outage(strikes_path, network, status_date, engine, ac, None,
                           n_queues, block_h, only)
    # checked first, written aside, swapped into place only when complete
    inputs = [strikes_path, network if Path(network).exists() else None]
    with output_folder(out, force=force, inputs=inputs, command="outage",
                       summary="report.html") as tmp:
        res = _run_outage(strikes_path, network, status_date, engine, ac, tmp,
                          n_queues, block_h, only)
    res["files"] = [Path(out) / f.relative_to(tmp) for f in res["files"]]
    return res


def _run_outage(strikes_path, network, status_date, engine, ac, out, n_queues, block_h,
                only) -> dict:
    """The snapshot of :func:`run_outage`, its files written into ``out`` (None: none)."""
    from gridmodel.metrics.row import outcome_row
    from gridmodel.outage.blackouts import (
        daily_schedule_from_snapshot,
        local_timezone,
        supply_areas,
    )
    from gridmodel.outage.demand import load_demand_profile
    from gridmodel.pipeline import run_chain, snapshot_context
    from gridmodel.report.snapshot import save_outage_map, write_frames, write_snapshot_html
    from gridmodel.strikes import load_strikes

    ctx = snapshot_context(network, status_date=status_date)
    net = ctx.net
    strikes = load_strikes(strikes_path, net, only=only)
    chain = run_chain(ctx, strikes, seed=0, engine=engine, ac=ac)
    result, row = chain.snapshot, outcome_row(chain, ctx)
    # the schedule's local zone: the network's, else the demand profile's (the rule of
    # simulate_outages); its day: the status date, or the local day of the first strike
    tz = local_timezone(net) or load_demand_profile().timezone
    day = status_date or strikes["time"].min().tz_convert(tz).date().isoformat()
    schedule = daily_schedule_from_snapshot(result.loads, supply_areas(net), day,
                                            n_queues=n_queues, block_h=block_h, timezone=tz)
    files: list[Path] = []
    if out is not None:
        frames = {"strikes": strikes, "islands": result.islands, "loads": result.loads,
                  "oblasts": result.oblasts, "branches": result.branches,
                  "cascade_log": result.cascade_log,
                  "blackouts_daily": schedule.daily,
                  "blackouts_oblast_daily": schedule.oblast_daily,
                  "blackouts_blocks": schedule.blocks}
        files = write_frames(frames, out)
        title = (f"{Path(strikes_path).name}: {len(strikes)} strike(s), "
                 f"status {net.get('status_date', '') or 'as built'} (schematic coordinates)")
        files.append(save_outage_map(net, result, strikes["asset_id"].unique(),
                                     out / "map.png", title))
        files.append(write_snapshot_html(out, net, strikes, result, schedule, strikes_path, title,
                                 [files[-1]]))
    return {"net": net, "strikes": strikes, "result": result, "schedule": schedule,
            "metrics": row, "files": files}
