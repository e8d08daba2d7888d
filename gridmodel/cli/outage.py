"""``gridmodel outage STRIKES``: apply a strike list at once and report what it does.

Attached to the main ``gridmodel`` group in :mod:`gridmodel.cli`. Argument parsing and
output only; the study is :func:`gridmodel.studies.snapshot.run_outage`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import click

from gridmodel.cli.base import Command
from gridmodel.errors import InputError

__all__ = ["format_report", "outage_command"]


def format_report(run: dict) -> str:
    """Readable text: strikes, islands, shed by oblast, hours of supply."""
    import pandas as pd  # here, not at the top: `gridmodel --help` needs no pandas

    strikes, result, schedule = run["strikes"], run["result"], run["schedule"]
    pd_opts = ("display.width", 140, "display.max_columns", 20, "display.max_rows", 80)
    with pd.option_context(*pd_opts):
        lines = [f"{len(strikes)} struck asset(s):"]
        lines.append(strikes[["asset_id", "name", "effect", "fraction_lost", "time"]]
                     .to_string(index=False))
        isl = result.islands.drop(columns=["buses"], errors="ignore")
        lines += ["", "Islands:", isl.round(1).to_string(index=False)]
        ob = result.oblasts.sort_values("shed_mw", ascending=False)
        lines += ["", "Shed by oblast [MW]:", ob.round(3).to_string(index=False)]
        total = result.loads[["demand_mw", "served_mw", "shed_mw"]].sum()
        lines += ["", f"Total: demand {total['demand_mw']:.0f} MW, served "
                  f"{total['served_mw']:.0f} MW, shed {total['shed_mw']:.0f} MW."]
        od = schedule.oblast_daily.round(1)
        lines += ["", f"Rolling blackouts, {schedule.n_queues} queues, {schedule.block_h}-h "
                  "blocks, hours of supply per day (residential/industry queues):",
                  od.to_string(index=False)]
    return "\n".join(lines)


@click.command("outage", cls=Command)
@click.argument("strikes", type=click.Path(path_type=Path))
@click.option("--status-date", default=None, metavar="YYYY-MM-DD",
              help="apply the asset status in force on this date (e.g. 2026-01-15)")
@click.option("--network", "network_name", default="ukraine", show_default=True,
              help="built-in network name, network folder, pandapower JSON or MATPOWER case")
@click.option("--engine", type=click.Choice(["pandapower", "fast"]), default="pandapower",
              show_default=True, help="outage engine (fast is DC only)")
@click.option("--dc", is_flag=True, help="DC power flow only (pandapower engine)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="folder for CSV + Parquet frames and map.png (must not exist)")
@click.option("--force", is_flag=True, help="replace an existing --out folder")
@click.option("--only", "only", multiple=True, metavar="COLUMN=VALUE",
              help="keep only strike rows with this value, e.g. --only reliability=A "
              "(repeatable; values of one column are alternatives)")
def outage_command(strikes: Path, status_date: str | None, network_name: str, engine: str,
                   dc: bool, out: Path | None, force: bool, only: tuple[str, ...]) -> None:
    """Apply every strike in STRIKES (CSV or TOML) at once and report islands and shed."""
    warnings.filterwarnings("ignore", category=FutureWarning, module="pandapower")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="pandapower")
    selection: dict[str, list[str]] = {}
    for term in only:
        col, sep, val = term.partition("=")
        if not sep or not col.strip():
            msg = f"--only {term!r} is not COLUMN=VALUE (e.g. reliability=A)."
            raise InputError(msg)
        selection.setdefault(col.strip(), []).append(val.strip())
    from gridmodel.studies.snapshot import run_outage

    run = run_outage(strikes, network=network_name, status_date=status_date, engine=engine,
                     ac=not dc, out=out, force=force, only=selection or None)
    click.echo(format_report(run))
    if out is not None:
        click.echo(f"\nwrote {len(run['files'])} files to {out}")
