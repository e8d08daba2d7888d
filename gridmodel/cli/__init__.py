"""The ``gridmodel`` command line: argument parsing only, no model logic.

Errors follow one rule for every command (:mod:`gridmodel.cli.base`): bad input prints
``error: <message>`` and exits with code 2, without a traceback.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from gridmodel.cli.base import Group
from gridmodel.cli.ensemble import compare_command, ensemble_command
from gridmodel.cli.layer import layer_group
from gridmodel.cli.outage import outage_command
from gridmodel.cli.plan import plan_command, rank_command
from gridmodel.cli.run import reproduce_command, run_command
from gridmodel.cli.validate import validate_command
from gridmodel.errors import InputError


@click.group(cls=Group)
@click.version_option(package_name="gridmodel")
def main() -> None:
    """gridmodel: strikes on Ukraine's power system and the heat in people's homes."""
    # pandapower and numba warn about optional dependencies on import; not for users.
    warnings.filterwarnings("ignore", category=FutureWarning, module="pandapower")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="pandapower")


@main.group(cls=Group)
def network() -> None:
    """Inspect networks: summary, plot, assets."""


_NETWORK = click.option(
    "--network",
    "network_name",
    default="ukraine",
    show_default=True,
    help="built-in network name, network folder, pandapower JSON or MATPOWER case",
)
_STATUS = click.option(
    "--status-date",
    default=None,
    metavar="YYYY-MM-DD",
    help="apply the asset status in force on this date",
)


@network.command("summary")
@_NETWORK
@_STATUS
def network_summary(network_name: str, status_date: str | None) -> None:
    """Buses, lines, generation, load and imports of a network."""
    from gridmodel.network.io import load_network
    from gridmodel.network.summary import summary_text

    net = load_network(network_name, status_date=status_date)
    click.echo(summary_text(net))


@network.command("plot")
@_NETWORK
@_STATUS
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="image file to write (.png unless another format's suffix is given)",
)
@click.option("--force", is_flag=True, help="overwrite an existing file")
def network_plot(network_name: str, status_date: str | None, out: Path, force: bool) -> None:
    """Draw the network in lon/lat, coloured by voltage, plants sized by MW."""
    from matplotlib.backend_bases import FigureCanvasBase

    from gridmodel.network.io import load_network
    from gridmodel.network.plot import save_network_plot

    if not out.suffix:
        out = out.with_suffix(".png")  # the file matplotlib would write
    if out.exists() and not force:
        msg = f"{out} exists; pass --force to overwrite it or choose another --out."
        raise InputError(msg)
    formats = FigureCanvasBase.get_supported_filetypes()
    if out.suffix[1:].lower() not in formats:
        msg = (f"--out {out}: unknown image format {out.suffix!r}; use one of "
               f"{', '.join('.' + f for f in sorted(formats))} (e.g. {out.with_suffix('.png')}).")
        raise InputError(msg)
    if not out.parent.is_dir():
        what = "is a file, not a folder" if out.parent.exists() else "does not exist"
        msg = f"--out {out}: folder {out.parent} {what}; choose another --out."
        raise InputError(msg)
    net = load_network(network_name, status_date=status_date)
    save_network_plot(net, out)
    click.echo(f"wrote {out}")


@network.command("assets")
@_NETWORK
@click.option("--kind", default=None, help="only this kind (substation, line, plant, ...)")
@click.option("--oblast", default=None, help="only this oblast")
@click.option("--match", "match", default=None, help="only names or aliases containing this")
def network_assets(
    network_name: str, kind: str | None, oblast: str | None, match: str | None
) -> None:
    """List registry assets (ids, names, aliases) for writing strike lists."""
    from gridmodel.network.io import load_network
    from gridmodel.network.registry import find_assets

    net = load_network(network_name)
    reg = find_assets(net, kind=kind, oblast=oblast, match=match)
    cols = ["asset_id", "kind", "name", "oblast", "vn_kv", "technology", "aliases"]
    with_pd_width(lambda: click.echo(reg[cols].to_string(index=False)))


def with_pd_width(fn):
    import pandas as pd

    with pd.option_context(
        "display.width", 200, "display.max_colwidth", 60, "display.max_rows", 5000
    ):
        return fn()


# the commands that live in their own modules
main.add_command(outage_command, "outage")
main.add_command(run_command, "run")
main.add_command(reproduce_command, "reproduce")
main.add_command(plan_command, "plan")
main.add_command(rank_command, "rank")
main.add_command(ensemble_command, "ensemble")
main.add_command(compare_command, "compare")
main.add_command(validate_command, "validate")
main.add_command(layer_group, "layer")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
