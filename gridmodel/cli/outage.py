"""``gridmodel outage STRIKES``: apply a strike list at once and report what it does.

Attached to the main ``gridmodel`` group in :mod:`gridmodel.cli`. Argument parsing and
output only; the model is :func:`gridmodel.outage.timeline.snapshot`.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import click
import pandas as pd

from gridmodel.cli.base import Command
from gridmodel.errors import InputError

__all__ = ["outage_command", "run_outage", "save_outage_map", "write_frames"]


def write_frames(frames: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write each frame as ``<name>.csv`` and ``<name>.parquet`` in ``out``.

    List-valued cells (an island's buses, a block's switched-off queues) are written
    ``|``-joined so both formats hold the same text.
    """
    written = []
    for name, df in frames.items():
        df = df.copy()
        for col in df.columns:
            if df[col].map(lambda v: isinstance(v, list | tuple)).any():
                df[col] = df[col].map(lambda v: "|".join(str(x) for x in v)
                                      if isinstance(v, list | tuple) else v)
            elif df[col].dtype == object:
                df[col] = df[col].map(lambda v: v if v is None or isinstance(v, str)
                                      else str(v))
        csv = out / f"{name}.csv"
        df.to_csv(csv, index=False)
        pq = out / f"{name}.parquet"
        df.to_parquet(pq, index=False)
        written += [csv, pq]
    return written


def _struck_buses(net, asset_ids) -> list[int]:
    reg = net.registry.set_index("asset_id")
    buses: set[int] = set()
    for aid in asset_ids:
        r = reg.loc[aid]
        if r["kind"] == "substation":
            buses |= set(net.bus.index[net.bus["substation_id"] == aid])
        elif r["element"] == "bus":
            buses.add(int(r["element_index"]))
        elif r["element"] == "line":
            ln = net.line.loc[int(r["element_index"])]
            buses |= {int(ln["from_bus"]), int(ln["to_bus"])}
        elif r["element"] in ("trafo", "gen", "sgen", "load", "shunt", "ext_grid"):
            row = net[r["element"]].loc[int(r["element_index"])]
            buses.add(int(row["hv_bus"] if r["element"] == "trafo" else row["bus"]))
    return sorted(buses)


def save_outage_map(net, result, struck_asset_ids, path: Path, title: str = "") -> Path:
    """PNG map in lon/lat: energised buses green, dark buses black, struck assets red.

    Branches removed by the strikes or tripped in the cascade are drawn dashed. Uses
    :func:`gridmodel.network.plot.plot_network` (no internet tiles) on a copy of ``net``.
    """
    import matplotlib.pyplot as plt

    from gridmodel.network.plot import plot_network

    pos = dict(zip(net.bus["bus_id"], net.bus.index, strict=True)) if "bus_id" in net.bus else {}
    live = set()
    for buses, energised in zip(result.islands["buses"], result.islands["energised"],
                                strict=True):
        if energised:
            live |= {pos.get(b, b) for b in buses}
    dark = [i for i in net.bus.index if i not in live]
    if "abroad" in net.bus:
        dark = [i for i in dark if not bool(net.bus.at[i, "abroad"])]
    # draw the state after the step on a copy: removed and tripped branches dashed
    view = copy.deepcopy(net)
    br = result.branches.set_index("asset_id")["in_service"].astype(bool)
    for element, id_col in (("line", "line_id"), ("trafo", "trafo_id")):
        if id_col in view[element] and len(view[element]):
            state = view[element][id_col].map(br)
            view[element]["in_service"] = state.fillna(view[element]["in_service"]).astype(bool)
    fig, ax = plt.subplots(figsize=(11, 7.5))
    plot_network(view, ax=ax, title=title or None, dark_buses=dark,
                 struck_buses=_struck_buses(net, struck_asset_ids))
    lv = sorted(live)
    ax.scatter(net.bus.loc[lv, "lon"], net.bus.loc[lv, "lat"], s=14, color="#2a9d8f",
               zorder=4, label="energised")
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=ax.get_legend().legend_handles + handles, loc="upper left", fontsize=7,
              ncol=2, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def _write_html(out, net, strikes, result, schedule, strikes_path, title, figures):
    """``report.html`` of a snapshot: status, islands, shed by oblast, map, provenance."""
    from gridmodel.report.html import write_report

    dark = result.islands.loc[~result.islands["energised"].astype(bool)]
    dark_buses = [b for buses in dark.get("buses", []) for b in buses] if "buses" in dark else []
    summary = {"status": {"islands": int(result.n_islands),
                          "energised_islands": int(result.islands["energised"].sum()),
                          "all_converged": bool(result.islands.loc[
                              result.islands["energised"].astype(bool), "converged"].all()),
                          "cascade": result.cascade_status,
                          "cascade_rounds": int(result.islands["cascade_rounds"].max())},
               "grid": {"demand_mw": round(result.demand_mw, 1),
                        "served_mw": round(result.served_mw, 1),
                        "shed_mw": round(result.shed_mw, 1)}}
    return write_report(
        out, title=f"Outage snapshot: {title}", summary=summary, figures=[("Map", figures[0])],
        tables={"Islands": result.islands.drop(columns=["buses"], errors="ignore"),
                "Shed by oblast": result.oblasts, "Strikes": strikes,
                "Hours of supply per day by oblast": schedule.oblast_daily},
        network=net, struck_assets=list(strikes["asset_id"].unique()), dark_buses=dark_buses,
        provenance={"strike_list": str(strikes_path), "network": net.get("meta", {}).get("name"),
                    "status_date": net.get("status_date", "") or "as built",
                    "engine": result.engine})


def run_outage(strikes_path: Path, *, network: str = "ukraine", status_date: str | None = None,
               engine: str = "pandapower", ac: bool = True, out: Path | None = None,
               force: bool = False, n_queues: int = 6, block_h: int = 4,
               only: dict | None = None) -> dict:
    """Load, resolve and apply a strike list at once; optionally write the results.

    Returns
    -------
    dict
        ``net, strikes, result, schedule, files``.

    Raises
    ------
    InputError
        Bad strike list, unknown targets, an existing ``out`` folder without ``force``.
    """
    from gridmodel.network.io import load_network
    from gridmodel.outage.blackouts import daily_schedule_from_snapshot, supply_areas
    from gridmodel.outage.timeline import snapshot
    from gridmodel._io.outdir import check_out_dir, prepare_out_dir
    from gridmodel.strikes import load_strikes

    if out is not None:
        check_out_dir(out, force)
    net = load_network(network, status_date=status_date)
    strikes = load_strikes(strikes_path, net, only=only)
    if engine == "fast":
        ac = False
    result = snapshot(net, strikes, engine=engine, ac=ac)
    day = status_date or strikes["time"].min().tz_convert("Europe/Kyiv").date().isoformat()
    schedule = daily_schedule_from_snapshot(result.loads, supply_areas(net), day,
                                            n_queues=n_queues, block_h=block_h)
    files: list[Path] = []
    if out is not None:
        out = prepare_out_dir(out, force)
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
        files.append(_write_html(out, net, strikes, result, schedule, strikes_path, title,
                                 [files[-1]]))
    return {"net": net, "strikes": strikes, "result": result, "schedule": schedule,
            "files": files}


def format_report(run: dict) -> str:
    """Readable text: strikes, islands, shed by oblast, hours of supply."""
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
    run = run_outage(strikes, network=network_name, status_date=status_date, engine=engine,
                     ac=not dc, out=out, force=force, only=selection or None)
    click.echo(format_report(run))
    if out is not None:
        click.echo(f"\nwrote {len(run['files'])} files to {out}")
