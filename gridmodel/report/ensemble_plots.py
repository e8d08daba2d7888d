"""PNG plots of an ensemble comparison (matplotlib, Agg backend).

- ``distributions.png``: one panel per metric, the patterns' distributions side by side
  (box plots of the successful replicates, 5-95 % whiskers);
- ``decisive_assets.png``: per pattern, the assets struck clearly more often among the
  worst decile of replicates (by people-hours without heat) than among all replicates.

Every figure is labelled "illustrative [C]".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel.metrics.row import REPLICATE_METRICS as METRICS

__all__ = ["decisive_assets", "write_plots"]


def decisive_assets(frame: pd.DataFrame, metric: str = "people_hours_without_heat",
                    quantile: float = 0.9, top: int = 10) -> pd.DataFrame:
    """Assets struck more often in the worst replicates of each pattern than overall.

    With hundreds of weapons many assets are hit in almost every night; an asset is
    *decisive* when it is struck clearly more often in the worst nights than in all of them.

    Parameters
    ----------
    frame : pandas.DataFrame
        Replicate rows (``pattern, struck_assets, status`` and ``metric``).
    metric : str
        Ranking metric; a pattern whose metric is 0 everywhere uses ``mw_shed_peak``.
    quantile : float
        Replicates at or above this quantile of the metric are "worst" (default: the
        worst decile).
    top : int
        Assets per pattern.

    Returns
    -------
    pandas.DataFrame
        ``pattern, asset_id, share_of_worst, share_overall`` (share of the worst / of all
        successful replicates that struck the asset), ``lift`` (their difference, the
        sort key), ``n_worst``.
    """
    cols = ["pattern", "asset_id", "share_of_worst", "share_overall", "lift", "n_worst"]
    rows = []
    for name, g in frame[frame["status"] == "ok"].groupby("pattern", sort=False):
        m = metric if g[metric].max() > 0 else "mw_shed_peak"
        worst = g[g[m] >= g[m].quantile(quantile)]

        def shares(df):
            counts: dict[str, int] = {}
            for s in df["struck_assets"]:
                for a in {x for x in str(s).split(";") if x}:
                    counts[a] = counts.get(a, 0) + 1
            return {a: c / len(df) for a, c in counts.items()}

        sw, sa = shares(worst), shares(g)
        ranked = sorted(sw, key=lambda a: (-(sw[a] - sa[a]), -sw[a], a))[:top]
        for a in ranked:
            rows.append({"pattern": name, "asset_id": a, "share_of_worst": sw[a],
                         "share_overall": sa[a], "lift": sw[a] - sa[a],
                         "n_worst": int(len(worst))})
    return pd.DataFrame(rows, columns=cols)


def write_plots(out: Path, frame: pd.DataFrame) -> list[str]:
    """Write ``distributions.png`` and ``decisive_assets.png`` into ``out``.

    Returns
    -------
    list of str
        File names written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    ok = frame[frame["status"] == "ok"]
    names = list(dict.fromkeys(frame["pattern"]))
    metrics = [m for m in METRICS if ok[m].notna().any()]
    ncol = 3
    nrow = max(1, int(np.ceil(len(metrics) / ncol)))
    fig, axes = plt.subplots(nrow, ncol, figsize=(5 * ncol, 3.6 * nrow), squeeze=False)
    for ax, m in zip(axes.flat, metrics, strict=False):
        data = [ok.loc[ok["pattern"] == p, m].dropna().to_numpy() for p in names]
        ax.boxplot(data, whis=(5, 95), showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=20, fontsize=8)
        ax.set_title(METRICS[m], fontsize=8)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"Strike patterns compared, {ok['replicate'].nunique()} replicates each "
                 "(illustrative [C]; boxes 25-75 %, whiskers 5-95 %)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "distributions.png", dpi=110)
    plt.close(fig)

    dec = decisive_assets(frame)
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 4), squeeze=False)
    for ax, p in zip(axes.flat, names, strict=True):
        d = dec[dec["pattern"] == p].iloc[::-1]
        y = np.arange(len(d))
        ax.barh(y + 0.2, d["share_of_worst"], height=0.4, label="worst 10 %")
        ax.barh(y - 0.2, d["share_overall"], height=0.4, label="all replicates")
        ax.set_yticks(y, d["asset_id"], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_title(p, fontsize=9)
        ax.set_xlabel("share of replicates striking the asset")
        ax.legend(fontsize=7, loc="lower right")
    fig.suptitle("Decisive assets: struck more often in the worst decile than overall "
                 "(illustrative [C])", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "decisive_assets.png", dpi=110)
    plt.close(fig)
    dec.to_csv(out / "decisive_assets.csv", index=False)
    return ["distributions.png", "decisive_assets.png"]
