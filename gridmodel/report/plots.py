"""PNG plots of a heat run (matplotlib, Agg backend, no map tiles).

* ``heat_without_by_district.png``: buildings without heat over time, stacked by affected
  district.
* ``indoor_bands_by_archetype.png``: indoor temperature median and 5-95 % band per archetype.
* ``map_without_heat_peak.png``: buildings at their lon/lat, those without heat at the peak
  highlighted, district names at their centroids (scatter; the registry is synthetic,
  positions are illustrative).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_plots"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_without_heat(ax, index, without_heat, district):
    """Stacked area of buildings without heat per affected district (the legend lists only
    districts with a building ever without heat)."""
    wh, district = np.asarray(without_heat), np.asarray(district)
    ds = [d for d in sorted(set(district)) if wh[:, district == d].any()]
    ys = [wh[:, district == d].sum(1) for d in ds]
    if ds:
        ax.stackplot(index, *ys, labels=ds)
        ax.legend(loc="upper right", fontsize=7, ncol=2)
    else:
        ax.plot(index, np.zeros(len(index)), color="0.5", label="no building without heat")
    ax.set_ylabel("buildings without heat")
    ax.set_title("Buildings cut off from heat supply, by district")
    ax.grid(alpha=0.3)


def plot_indoor_bands(ax, index, temps, archetype, health_risk_c: float):
    """Median and 5-95 % band of indoor temperature per archetype; the health-risk line
    (the layer's ``[comfort] health_risk_c``) dashed."""
    from gridmodel.report.summary import indoor_bands

    for a, band in indoor_bands(index, temps, archetype).groupby("archetype", sort=True):
        line = ax.plot(index, band["median_c"].to_numpy(), label=a, lw=1.2)[0]
        ax.fill_between(index, band["p05_c"].to_numpy(), band["p95_c"].to_numpy(),
                        color=line.get_color(), alpha=0.15)
    ax.axhline(health_risk_c, color="k", ls="--", lw=0.8)
    ax.set_ylabel("indoor temperature [°C]")
    ax.set_title("Indoor temperature by archetype (median, 5-95 % of buildings)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)


def plot_map(ax, buildings: pd.DataFrame, without_at_peak, when: str, city: str,
             districts: pd.DataFrame | None = None):
    """Lon/lat scatter of buildings; without heat at the peak in red.

    ``city`` names the buildings in the title (the heat layer's ``meta["city"]``); the
    aspect ratio is that of an equirectangular map at the buildings' mean latitude
    (rounded to 0.01°). ``districts`` (the layer's table) names each district at its
    centroid.
    """
    w = np.asarray(without_at_peak, bool)
    if districts is not None and {"centroid_lon", "centroid_lat"} <= set(districts):
        names = districts["name"] if "name" in districts else districts["district"]
        for x, y, n in zip(districts["centroid_lon"], districts["centroid_lat"], names,
                           strict=True):
            ax.annotate(str(n), (x, y), ha="center", fontsize=7, color="0.15",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.6,
                              "lw": 0})
    ax.scatter(buildings["lon"][~w], buildings["lat"][~w], s=1.5, c="0.7", label="heat")
    ax.scatter(buildings["lon"][w], buildings["lat"][w], s=3, c="tab:red",
               label=f"without heat ({int(w.sum())})")
    ax.set_xlabel("longitude [°E]")
    ax.set_ylabel("latitude [°N]")
    ax.set_aspect(1 / np.cos(np.radians(round(float(np.mean(buildings["lat"])), 2))))
    ax.set_title(f"{city} apartment buildings without heat at the peak ({when})\n"
                 "synthetic registry: positions illustrative", fontsize=9)
    ax.legend(fontsize=7, loc="lower left", markerscale=4)


def write_plots(out: Path, layer, index, bh, temps, summary) -> list[str]:
    """Write the three PNG plots into ``out``; return their file names."""
    plt = _plt()
    b = layer.buildings
    files = []
    fig, ax = plt.subplots(figsize=(10, 4.5))
    plot_without_heat(ax, index, bh.without_heat, b["district"].to_numpy())
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out / "heat_without_by_district.png", dpi=110)
    plt.close(fig)
    files.append("heat_without_by_district.png")

    fig, ax = plt.subplots(figsize=(10, 4.5))
    plot_indoor_bands(ax, index, temps, b["archetype"].to_numpy(),
                      float(layer.assumptions["comfort"]["health_risk_c"]))
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out / "indoor_bands_by_archetype.png", dpi=110)
    plt.close(fig)
    files.append("indoor_bands_by_archetype.png")

    wt = bh.without_heat.sum(1)
    k = int(wt.argmax())
    fig, ax = plt.subplots(figsize=(7, 7))
    plot_map(ax, b, bh.without_heat[k], f"{index[k]:%d %b %Y %H:%M}",
             layer.city, layer.districts)
    fig.tight_layout()
    fig.savefig(out / "map_without_heat_peak.png", dpi=110)
    plt.close(fig)
    files.append("map_without_heat_peak.png")
    return files
