"""Outputs of an outage snapshot: CSV + Parquet frames, the lon/lat map, report.html."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd

__all__ = ["save_outage_map", "write_frames", "write_snapshot_html"]


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


def _bus_positions(net) -> dict:
    """Bus id (as results name buses) -> ``net.bus`` index: ``bus.bus_id``, else the
    registry's bus rows (a network that came without ids: ``bus:<index>``)."""
    if "bus_id" in net.bus:
        return dict(zip(net.bus["bus_id"], net.bus.index, strict=True))
    reg = net.registry[net.registry["element"] == "bus"]
    return dict(zip(reg["asset_id"], reg["element_index"].astype(int), strict=True))


def save_outage_map(net, result, struck_asset_ids, path: Path, title: str = "") -> Path:
    """PNG map in lon/lat (a schematic layout without coordinates): energised buses
    green, dark buses black, struck assets red.

    Branches removed by the strikes or tripped in the cascade are drawn dashed. Uses
    :func:`gridmodel.network.plot.plot_network` (no internet tiles) on a copy of ``net``.
    """
    import matplotlib.pyplot as plt

    from gridmodel.network.plot import bus_xy, plot_network

    pos = _bus_positions(net)
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
    x, y, _ = bus_xy(net)  # the positions plot_network drew the buses at
    ax.scatter(x[lv], y[lv], s=14, color="#2a9d8f", zorder=4, label="energised")
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=ax.get_legend().legend_handles + handles, loc="upper left", fontsize=7,
              ncol=2, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def write_snapshot_html(out, net, strikes, result, schedule, strikes_path, title, figures):
    """``report.html`` of a snapshot: status, islands, shed by oblast, map, provenance."""
    from gridmodel.report.html import write_report

    dark = result.islands.loc[~result.islands["energised"].astype(bool)]
    dark_buses = [b for buses in dark.get("buses", []) for b in buses] if "buses" in dark else []
    summary = {"status": {"islands": int(result.n_islands),
                          "energised_islands": int(result.islands["energised"].sum()),
                          "all_converged": bool(result.islands.loc[
                              result.islands["energised"].astype(bool), "converged"].all()),
                          "cascade": result.cascade_status,
                          "cascade_rounds": int(result.islands["cascade_rounds"].max()),
                          "model_warnings": list(result.model_warnings)},
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
