"""``gridmodel ensemble`` and ``gridmodel compare``: thin click commands over
gridmodel.studies.ensemble.

Attach to the main group with ``main.add_command(ensemble_command)`` and
``main.add_command(compare_command)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridmodel.cli.base import Command

__all__ = ["compare_command", "ensemble_command"]

_COMMON = [
    click.option("-n", "n", type=int, required=True, help="Replicates (nights) per pattern."),
    click.option("--out", "out", required=True, type=click.Path(path_type=Path),
                 help="Output folder (never overwritten without --force)."),
    click.option("--seed", type=int, default=0, show_default=True,
                 help="Root seed (SeedSequence entropy)."),
    click.option("--workers", type=int, default=1, show_default=True,
                 help="Local worker processes."),
    click.option("--scheduler", default=None,
                 help="Dask scheduler address tcp://host:8786 instead of local processes."),
    click.option("--chunk-size", type=int, default=None, help="Replicates per part file."),
    click.option("--resume", is_flag=True, help="Finish an interrupted run in --out."),
    click.option("--force", is_flag=True, help="Replace an existing --out folder."),
    click.option("--save-nights", is_flag=True,
                 help="Also save every night as CSV + scenario TOML (gridmodel run)."),
    click.option("--quiet", is_flag=True, help="No progress bar."),
]


def _common(f):
    for opt in reversed(_COMMON):
        f = opt(f)
    return f


def _print_summary(res) -> None:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_rows", 500,
                           "display.float_format", "{:,.1f}".format):
        click.echo(res.summary.drop(columns=["illustrative"]).to_string(index=False))
    from gridmodel.studies.ensemble import computed_in_part

    failed = int((res.frame["status"] != "ok").sum())
    warned = int(computed_in_part(res.frame).sum())
    click.echo(f"illustrative [C]: damage, targeting and some interception values are "
               f"assumptions (gridmodel/data/patterns_defaults.toml). {failed} failed "
               f"replicate(s); {warned} computed in part (model warnings: the replicates' "
               f"warnings column).")
    if not res.complete:
        click.echo("stopped early: rerun with --resume to finish.")
    click.echo(f"Outputs in {res.out}")


def _kwargs(n, out, seed, workers, scheduler, chunk_size, resume, force, save_nights, quiet):
    return {"n": n, "seed": seed, "workers": workers, "scheduler": scheduler,
            "out": out, "resume": resume, "force": force, "progress": not quiet,
            "chunk_size": chunk_size, "save_nights": save_nights}


@click.command("ensemble", cls=Command)
@click.argument("pattern", type=click.Path(dir_okay=False, path_type=Path))
@_common
def ensemble_command(pattern: Path, n, out, seed, workers, scheduler, chunk_size, resume,
                     force, save_nights, quiet) -> None:
    """Draw N nights of strike PATTERN.toml and run each end to end."""
    from gridmodel.studies.ensemble import run

    res = run(pattern, **_kwargs(n, out, seed, workers, scheduler, chunk_size, resume, force,
                                 save_nights, quiet))
    _print_summary(res)


@click.command("compare", cls=Command)
@click.argument("patterns", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@_common
def compare_command(patterns, n, out, seed, workers, scheduler, chunk_size, resume, force,
                    save_nights, quiet) -> None:
    """Compare strike PATTERNS (TOML files) on the same replicates (common random numbers).

    Writes summary.csv (median and 5-95 % range per metric), replicates.parquet and PNG
    plots into --out, and prints the table.
    """
    from gridmodel.studies.ensemble import compare

    res = compare(list(patterns), **_kwargs(n, out, seed, workers, scheduler, chunk_size,
                                            resume, force, save_nights, quiet))
    _print_summary(res)
