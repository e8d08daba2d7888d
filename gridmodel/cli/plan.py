"""``gridmodel plan`` and ``gridmodel rank``: argument parsing and output only.

The model lives in :func:`gridmodel.studies.planning.evaluate.run_plan` and
:func:`gridmodel.studies.planning.criticality.run_rank`. Attach to the main group with
``main.add_command(plan_command, "plan")`` and ``main.add_command(rank_command, "rank")``.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from gridmodel.cli.base import Command

__all__ = ["plan_command", "rank_command"]

_OUT = click.option("--out", "out", required=True,
                    type=click.Path(file_okay=False, path_type=Path),
                    help="output folder (must not exist unless --force)")
_FORCE = click.option("--force", is_flag=True, help="replace an existing output folder")
_QUIET = click.option("--quiet", is_flag=True, help="no progress bars")


def _whole(v: float) -> str:
    """A table cell rounded to a whole number, never ``-0`` (a -1e-12 MW of round-off)."""
    return f"{round(v):,d}" if math.isfinite(v) else f"{v}"


@click.command("plan", cls=Command)
@click.argument("base", required=False, default=None,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--interventions", "plan_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="plan TOML with [plan] and [[intervention]] tables (docs/planning.md)")
@click.option("-n", "--nights", "n", default=8, show_default=True, type=click.IntRange(1),
              help="sampled nights (replicates), shared by every intervention")
@click.option("--seed", default=None, type=int,
              help="root seed of the nights (default: the scenario's seed)")
@click.option("--horizon-h", default=None, type=click.IntRange(1),
              help="shorter horizon than the scenario's [h]")
@click.option("--pattern", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="draw nights from this strike pattern instead of BASE's strike list")
@_OUT
@_FORCE
@_QUIET
def plan_command(base: Path | None, plan_file: Path, n: int, seed: int | None,
                 horizon_h: int | None, pattern: Path | None, out: Path, force: bool,
                 quiet: bool) -> None:
    """Rank interventions of a plan file against the same sampled nights as BASE.

    BASE may be left out when the plan file names its scenario ([plan] scenario).
    """
    from gridmodel.studies.planning.evaluate import run_plan

    res = run_plan(base, plan_file, n, out, seed=seed, horizon_h=horizon_h, force=force,
                   progress=not quiet, pattern=pattern)
    r = res.ranking()
    cur = res.currency.lower()
    m = res.metric
    cols = ["rank", "variant", "capital_cost", f"avoided_{m}", f"avoided_{m}_p05",
            f"avoided_{m}_p95", f"avoided_{m}_per_m{cur}"]
    click.echo(r[cols].to_string(index=False, float_format=_whole))
    click.echo(f"wrote {out}/report.html")


@click.command("rank", cls=Command)
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--outage-h", default=None, type=click.IntRange(1),
              help="hours each asset stays lost from the start (default: the horizon)")
@click.option("-k", "k", default=3, show_default=True, type=click.IntRange(1),
              help="size of the worst-case sets")
@click.option("--top", default=20, show_default=True, type=click.IntRange(1),
              help="assets shown in the report")
@click.option("--pool", default=30, show_default=True, type=click.IntRange(1),
              help="candidates of the greedy k-set search")
@click.option("--exact-pool", default=14, show_default=True, type=click.IntRange(1),
              help="candidates of the exact k-set search")
@click.option("--horizon-h", default=None, type=click.IntRange(1),
              help="shorter horizon than the scenario's [h]")
@click.option("--asset", "assets", multiple=True,
              help="rank only these asset ids (repeatable; default: every asset)")
@click.option("--hourly", is_flag=True,
              help="kept for old scripts: every candidate set runs the hourly chain "
                   "(docs/planning.md)")
@_OUT
@_FORCE
@_QUIET
def rank_command(scenario: Path, outage_h: int | None, k: int, top: int, pool: int,
                 exact_pool: int, horizon_h: int | None, assets: tuple[str, ...],
                 hourly: bool, out: Path, force: bool, quiet: bool) -> None:
    """Rank assets by the heat in homes lost if each alone is lost; worst k-sets."""
    from gridmodel.studies.planning.criticality import run_rank

    del hourly  # every evaluation is hourly (one chain)
    res = run_rank(scenario, out, outage_h=outage_h, k=k, top=top, pool=pool,
                   exact_pool=exact_pool, force=force, progress=not quiet,
                   candidates=list(assets) or None, horizon_h=horizon_h)
    click.echo(res.top(top)[["rank", "asset_id", *res.score_columns]].to_string(
        index=False, float_format=_whole))
    for row in res.worst_sets.itertuples(index=False):
        click.echo(f"worst set ({row.method}): {row.assets} -> "
                   f"{row.buildings_without_heat:,.0f} buildings, "
                   f"{row.people_without_heat:,.0f} people without heat")
    click.echo(f"wrote {out}/report.html")
