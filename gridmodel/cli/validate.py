"""``gridmodel validate``: a thin click command over :func:`gridmodel.studies.validate.validate`.

Attach to the main group with ``main.add_command(validate_command)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridmodel.cli.base import Command
from gridmodel.errors import InputError

__all__ = ["validate_command"]


@click.command("validate", cls=Command)
@click.argument("events", nargs=-1)
@click.option("--out", "out", type=click.Path(path_type=Path),
              help="Output folder (must not exist unless --force).")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("--list", "list_", is_flag=True, help="List the catalogue's events and exit.")
def validate_command(events: tuple[str, ...], out: Path, force: bool, list_: bool) -> None:
    """Run reported EVENTS (catalogue names or folders; default: the whole catalogue) and
    write a scorecard: peak ratio, milestone time ratios, building-hours, PASS/FAIL."""
    from gridmodel.report.validation import scorecard_text
    from gridmodel.studies.validate import catalogue, load_event, validate

    if list_:
        for q in sorted(catalogue().iterdir()):
            if (q / "reported.toml").is_file():
                click.echo(f"{q.name}: {load_event(q).title}")
        return
    if out is None:
        msg = "--out DIR is required."
        raise InputError(msg)
    scores = validate(list(events), out, force=force)
    click.echo(scorecard_text(scores))
    click.echo(f"Outputs in {out}")
