"""Draw a network in lon/lat with matplotlib (no internet tiles), or as a schematic layout
when the network has no bus coordinates."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gridmodel.network.registry import geo_lon_lat  # noqa: E402

VOLTAGE_COLOURS = {750: "#7b2cbf", 400: "#d62828", 330: "#f77f00", 220: "#2a9d8f", 110: "#8d99ae"}
TECH_COLOURS = {
    "nuclear": "#9b5de5",
    "coal": "#343a40",
    "chp": "#e76f51",
    "hydro": "#0077b6",
    "pumped_storage": "#00b4d8",
    "solar": "#ffb703",
    "wind": "#90be6d",
    "import": "#adb5bd",
}


def _unlabelled_oblasts(net) -> list[str]:
    """Oblasts the map leaves unnamed: ``[plot] unlabelled_oblasts`` of ``network.toml``."""
    params = net.get("parameters", None) if hasattr(net, "get") else None
    return [str(o) for o in (params or {}).get("plot", {}).get("unlabelled_oblasts", [])]


def bus_xy(net) -> tuple[pd.Series, pd.Series, bool]:
    """Where to draw each bus: ``(x, y, geographic)``, indexed like ``net.bus``.

    ``bus.lon``/``bus.lat`` when every bus has them, else pandapower's ``bus.geo``
    points when every bus has one (``geographic`` True); else a schematic layout of the
    bus-branch graph (networkx spring layout, seed 0; ``geographic`` False).
    """
    if "lon" in net.bus and "lat" in net.bus:
        lon = pd.to_numeric(net.bus["lon"], errors="coerce")
        lat = pd.to_numeric(net.bus["lat"], errors="coerce")
        if lon.notna().all() and lat.notna().all():
            return lon, lat, True
    lon, lat = geo_lon_lat(net.bus)
    if lon.notna().all() and lat.notna().all():
        return lon, lat, True
    return (*_schematic_layout(net), False)


def _schematic_layout(net) -> tuple[pd.Series, pd.Series]:
    """Spring layout of every bus and branch (in service or not), deterministic."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(int(b) for b in net.bus.index)
    for element, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        g.add_edges_from(zip(net[element][a].astype(int), net[element][b].astype(int),
                             strict=True))
    pos = nx.spring_layout(g, seed=0)
    xy = np.array([pos[int(b)] for b in net.bus.index]).reshape(-1, 2)
    return (pd.Series(xy[:, 0], index=net.bus.index),
            pd.Series(xy[:, 1], index=net.bus.index))


def plot_network(net, ax=None, *, title: str | None = None, dark_buses=None, struck_buses=None):
    """Plot lines coloured by voltage and plants sized by installed MW.

    Buses sit at their coordinates (:func:`bus_xy`), or on a schematic layout when the
    network has none. Out-of-service branches are drawn grey and dashed. ``dark_buses``
    (bus indices) are drawn as black crosses, ``struck_buses`` as red stars. Oblasts are
    named at the median of their buses, except ``unknown`` and those of the network's
    ``[plot] unlabelled_oblasts`` parameter. Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 7.5))
    lon, lat, geographic = bus_xy(net)
    _draw_branches(ax, net, lon, lat)
    on = net.bus["in_service"].astype(bool)
    ax.scatter(lon[on], lat[on], s=6, color="#555555", zorder=3)
    ax.scatter(lon[~on], lat[~on], s=10, color="#cccccc", marker="x", zorder=3)
    _draw_plants(ax, net, lon, lat)
    for buses, size, colour, marker, zorder, label in (
        (dark_buses, 28, "k", "x", 5, "dark (no supply)"),
        (struck_buses, 120, "red", "*", 6, "struck"),
    ):
        if buses is not None and len(buses):
            ax.scatter(
                lon[buses],
                lat[buses],
                s=size,
                color=colour,
                marker=marker,
                zorder=zorder,
                label=label,
            )
    if geographic:
        _label_oblasts(ax, net, lon, lat)
    ax.legend(handles=_legend_handles(net), loc="upper left", fontsize=7, ncol=2,
              framealpha=0.9)
    _frame(ax, net, lat if geographic else None, title)
    return ax


def _frame(ax, net, lat, title: str | None) -> None:
    """Axis labels, aspect and title: lon/lat when ``lat`` is given, else a layout."""
    if lat is not None:
        ax.set_xlabel("longitude [deg]")
        ax.set_ylabel("latitude [deg]")
        mid = float(lat.mean())
        if abs(mid) < 80:
            ax.set_aspect(1 / np.cos(np.radians(mid)))
        where = " (schematic coordinates)"
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        where = " (schematic layout: the network has no bus coordinates)"
    ax.grid(alpha=0.3)
    meta = net.get("meta", {}) if hasattr(net, "get") else {}
    date = net.get("status_date", "") if hasattr(net, "get") else ""
    ax.set_title(
        title
        or f"{(meta or {}).get('name', 'network')}"
        + (f", status {date}" if date else ", as built")
        + where
    )


def _draw_branches(ax, net, lon, lat) -> None:
    """Lines and transformers: coloured and sized by voltage, grey dashed when out."""
    for element, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        t = net[element]
        for _, r in t.iterrows():
            x = [lon[r[a]], lon[r[b]]]
            y = [lat[r[a]], lat[r[b]]]
            vn = net.bus.at[r[a], "vn_kv"]
            if r["in_service"]:
                ax.plot(
                    x,
                    y,
                    color=VOLTAGE_COLOURS.get(int(vn), "#999999"),
                    lw={750: 2.6, 400: 2.0, 330: 1.5}.get(int(vn), 0.9),
                    zorder=2,
                )
            else:
                ax.plot(x, y, color="#bbbbbb", lw=0.8, ls="--", zorder=1)


def _draw_plants(ax, net, lon, lat) -> None:
    """Plants (not import ties) sized by ``sqrt(installed MW)``: filled by technology when
    available, hollow when out of service or at zero capacity."""
    for element in ("gen", "sgen"):
        t = net[element]
        if not len(t):
            continue
        if "technology" in t:
            t = t[t["technology"] != "import"]
        x = lon[t["bus"]].to_numpy()
        y = lat[t["bus"]].to_numpy()
        size = np.sqrt(np.clip(_plant_mw(t, ("installed_mw", "max_p_mw", "p_mw")), 0, None)) * 3
        colours = [TECH_COLOURS.get(x_, "#6c757d") for x_ in t.get("technology", [""] * len(t))]
        available = _plant_mw(t, ("max_p_mw", "installed_mw", "p_mw"))
        alive = t["in_service"].astype(bool).to_numpy() & (available > 0)
        ax.scatter(
            x[alive],
            y[alive],
            s=size[alive],
            c=np.array(colours)[alive],
            alpha=0.6,
            edgecolors="k",
            linewidths=0.4,
            zorder=4,
        )
        ax.scatter(
            x[~alive],
            y[~alive],
            s=size[~alive],
            facecolors="none",
            edgecolors="#999999",
            linewidths=0.8,
            zorder=4,
        )


def _plant_mw(t: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """Plant MW from the first of ``columns`` the table has (a plain pandapower table
    lacks gridmodel's ``installed_mw``), NaN as 0."""
    for col in columns:
        if col in t:
            return pd.to_numeric(t[col], errors="coerce").fillna(0.0).to_numpy(float)
    return np.zeros(len(t))


def _label_oblasts(ax, net, lon, lat) -> None:
    """Oblast names at the median of their home buses (not abroad), except the unlabelled."""
    if "oblast" not in net.bus:
        return
    ua = pd.DataFrame({"oblast": net.bus["oblast"], "lon": lon, "lat": lat})
    if "abroad" in net.bus:
        ua = ua[~net.bus["abroad"].astype(bool)]
    centres = ua.groupby("oblast")[["lon", "lat"]].median()
    unlabelled = {"unknown", *_unlabelled_oblasts(net)}
    for oblast, (x, y) in centres.iterrows():
        if oblast in unlabelled:
            continue
        ax.annotate(
            oblast,
            (x, y),
            fontsize=6.5,
            color="#6c757d",
            ha="center",
            xytext=(0, 7),
            textcoords="offset points",
            zorder=7,
        )


def _legend_handles(net) -> list:
    """Legend entries: the voltages present, the plant technologies present, out of service."""
    handles = [
        plt.Line2D([], [], color=c, lw=2, label=f"{v} kV")
        for v, c in VOLTAGE_COLOURS.items()
        if (net.bus["vn_kv"] == v).any()
    ]
    # a table without rows may lack the column (a network without solar or wind plants)
    techs = {
        tech
        for element in ("gen", "sgen")
        if len(net[element]) and "technology" in net[element]
        for tech in net[element]["technology"]
    }
    handles += [
        plt.Line2D([], [], marker="o", ls="", color=c, label=k, alpha=0.6)
        for k, c in TECH_COLOURS.items()
        if k != "import" and k in techs
    ]
    handles += [plt.Line2D([], [], ls="--", color="#bbbbbb", label="out of service")]
    return handles


def save_network_plot(net, path: str | Path, **kwargs) -> Path:
    """Plot ``net`` and save a PNG to ``path`` (the folder must exist)."""
    path = Path(path)
    fig, ax = plt.subplots(figsize=(11, 7.5))
    plot_network(net, ax=ax, **kwargs)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
