"""``gridmodel layer``: heat-layer commands (``check``), thin over :mod:`gridmodel.heat.check`.

Attach to the main group with ``main.add_command(layer_group)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridmodel.cli.base import Command, Group
from gridmodel.errors import InputError

__all__ = ["layer_group"]


@click.group("layer", cls=Group)
def layer_group() -> None:
    """Heat layers: check a layer folder."""


@layer_group.command("check", cls=Command)
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--no-network", is_flag=True,
              help="Skip loading the layer's network (its grid ids are not checked).")
def layer_check(folder: Path, no_network: bool) -> None:
    """Check every file, column, unit and reference of the heat layer in FOLDER.

    Prints every problem as file:line: column: message and exits with code 2 if there is
    any; prints a one-line summary and exits 0 otherwise.
    """
    from gridmodel.heat.check import layer_problems
    from gridmodel.heat.layer import load_layer

    problems = layer_problems(folder, check_network=not no_network)
    if problems:
        click.echo("\n".join(problems), err=True)
        msg = (f"heat layer {folder}: {len(problems)} problem(s), listed above as "
               "file:line: column: message; fix them and check again.")
        raise InputError(msg)
    layer = load_layer(folder)
    b = layer.buildings
    sb = layer.standby
    standby = (f", {len(sb)} standby units ({sb['heat_capacity_mw'].sum():.1f} MW)"
               if len(sb) else "")
    click.echo(f"heat layer {folder}: OK ({layer.city}: "
               f"{len(layer.districts)} districts, {len(layer.sources)} sources, "
               f"{len(layer.zones)} zones, {len(b):,} buildings, "
               f"{b['floor_area_m2'].sum() / 1e6:.2f} M m2{standby})")
