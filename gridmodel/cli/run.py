"""``gridmodel run`` and ``gridmodel reproduce``: thin click commands over scenario.run.

Attach to the main group with ``main.add_command(run_command)`` and
``main.add_command(reproduce_command)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridmodel._io.outdir import output_folder
from gridmodel.cli.base import Command
from gridmodel.errors import InputError

__all__ = ["reproduce_command", "reproductions", "run_command"]

_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

def _examples_dir() -> Path:
    """The examples folder: gridmodel/_data/examples in a wheel, examples/ in a checkout."""
    from gridmodel._io.data import data_dir

    try:
        return data_dir("examples")
    except FileNotFoundError:
        pass
    for cand in (_EXAMPLES, Path.cwd() / "examples"):
        if cand.is_dir():
            return cand
    msg = "the examples/ folder with the reproduction scenarios was not found."
    raise InputError(msg)


def reproductions() -> dict[str, dict]:
    """Named reproductions (``examples/reproductions.toml``): name -> files, description,
    reported target."""
    from gridmodel._io.tomlio import read_toml

    return read_toml(_examples_dir() / "reproductions.toml", "reproductions file")[0]


def _report_time(t: dict) -> str:
    """``, report ... s`` when the run wrote report.html (its findings run more chains)."""
    return f", report {t['report']:.1f} s" if "report" in t else ""


def _headline(res) -> str:
    h = res.summary["heat"]
    g = res.summary["grid"]
    t = res.timings_s
    when = h["buildings_without_heat_peak_time"]
    return (f"{res.scenario.name}: peak {h['buildings_without_heat_peak']} of "
            f"{h['buildings_total']} buildings without heat"
            f"{f' at {when}' if when else ''}; {h['buildings_without_heat_end']} at the "
            f"end; grid peak shed {g['load_shed_mw_peak']:.0f} MW "
            f"(start-up {t['startup']:.1f} s, model {t['model']:.1f} s, "
            f"outputs {t['outputs']:.1f} s{_report_time(t)})") + "".join(
        f"\n  {c['city']}: peak {c['heat']['buildings_without_heat_peak']} of "
        f"{c['heat']['buildings_total']} buildings without heat; "
        f"{c['heat']['buildings_without_heat_end']} at the end; "
        f"{c['city_load_shed_mw_peak']:.0f} MW shed at the city's peak"
        for c in res.summary.get("cities", {}).values()) + _computed_in_part(res.summary)


def _computed_in_part(summary: dict) -> str:
    """A line naming the run's model warnings (``status.model_warnings``), "" for none:
    the headline never hides that a figure was computed only in part."""
    said = summary["status"]["model_warnings"]
    return (f"\n  computed in part: {len(said)} model warning(s), listed in explanation.txt "
            "and summary.json (status.model_warnings)") if said else ""


def _run_one(path, out, force, quiet, engine=None):
    from gridmodel.studies.scenario import run

    return run(path, out=out, force=force, progress=not quiet, engine=engine)


@click.command("run", cls=Command)
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output folder (must not exist unless --force).")
@click.option("--force", is_flag=True, help="Replace an existing output folder.")
@click.option("--quiet", is_flag=True,
              help="No progress bar and no explanation; the headline figures still print.")
@click.option("--engine", type=click.Choice(["fast", "pandapower"]), default=None,
              help="grid engine; default: the scenario's [grid] engine (fast unless set)")
def run_command(scenario: Path, out: Path, force: bool, quiet: bool,
                engine: str | None) -> None:
    """Run SCENARIO.toml end to end and write summary.json, Parquet frames and PNG plots."""
    res = _run_one(scenario, out, force, quiet, engine)
    if not quiet:
        click.echo(res.explanation)
        click.echo("")
    click.echo(_headline(res))
    click.echo(f"Outputs in {out}")


@click.command("reproduce", cls=Command)
@click.argument("name", required=False)
@click.option("--out", "out", type=click.Path(path_type=Path),
              help="Output folder; one sub-folder per scenario file.")
@click.option("--list", "list_", is_flag=True, help="List the named reproductions.")
@click.option("--force", is_flag=True, help="Replace existing output folders.")
@click.option("--base-only", is_flag=True, help="Run only the base scenario.")
@click.option("--quiet", is_flag=True,
              help="No progress bar and no explanation; the headline figures still print.")
def reproduce_command(name, out, list_, force, base_only, quiet) -> None:
    """Reproduce a reported event (e.g. kyiv-2026-02-03) from its scenario files."""
    known = reproductions()
    if list_ or not name:
        for key, spec in known.items():
            click.echo(f"{key}: {spec['description']}")
            click.echo(f"    files: {', '.join(spec['files'])}")
            click.echo(f"    reported: {spec['target']}")
        if not name:
            return
        if list_:
            return
    if name not in known:
        msg = f"unknown reproduction {name!r}; known: {sorted(known)} (see --list)."
        raise InputError(msg)
    if out is None:
        msg = "--out DIR is required."
        raise InputError(msg)
    spec = known[name]
    folder = _examples_dir()
    files = spec["files"][:1] if base_only else spec["files"]
    lines = []
    # one folder, committed when every scenario's sub-folder is complete
    with output_folder(out, force=force, inputs=[folder / f for f in files],
                       command="reproduce", summary="*/summary.json") as tmp:
        for f in files:
            res = _run_one(folder / f, tmp / Path(f).stem, False, quiet)
            if not quiet:
                click.echo(res.explanation)
                click.echo("")
            lines.append(_headline(res))
    click.echo(f"Reported: {spec['target']}")
    for line in lines:
        click.echo(line)
    click.echo(f"Outputs in {out}")
