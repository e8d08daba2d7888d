"""Cooling curves of the building archetypes after the heat stops.

Indoor temperature of each archetype in :data:`gridmodel.thermal.ARCHETYPE_PARAMETERS`
over 72 hours without heat, from 19 °C, at a constant -5, -15 and -22 °C outdoors, with
the 12 °C health-risk line (FIELD_NOTES section 3).

Usage::

    python examples/cooling_curves.py [PNG_PATH] [--out DIR]

Writes ``cooling_curves.png`` in the current folder by default, or into ``DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gridmodel.thermal import (  # noqa: E402
    ARCHETYPE_PARAMETERS,
    cooling_time_h,
    indoor_temperature,
)

OUTDOOR_C = (-5.0, -15.0, -22.0)
HOURS = 72
TEMP_START_C = 19.0
TEMP_LINE_C = 12.0


def plot_cooling_curves(path: Path) -> Path:
    """Plot the cooling curves and save them to ``path``; return the path."""
    names = list(ARCHETYPE_PARAMETERS)
    hours = np.arange(HOURS + 1)
    fig, axes = plt.subplots(1, len(OUTDOOR_C), figsize=(13, 4.2), sharey=True)
    for ax, temp_out in zip(axes, OUTDOOR_C, strict=True):
        # all archetypes at once: (time, building) with one column per archetype
        temp_air = np.full((HOURS + 1, 1), temp_out)
        temps = indoor_temperature(temp_air, False, names, TEMP_START_C)
        for j, name in enumerate(names):
            t12 = cooling_time_h(TEMP_LINE_C, temp_out, TEMP_START_C, name)
            # khrushchyovka_5 and panel_16plus share H and C: line styles keep both visible
            style = ("-", "--", ":", "-.", "-")[j % 5]
            ax.plot(hours, temps[:, j], style, label=f"{name} (12 °C after {t12:.0f} h)")
        ax.axhline(TEMP_LINE_C, color="k", linestyle="--", linewidth=1)
        ax.set_title(f"outdoor {temp_out:g} °C, no heat")
        ax.set_xlabel("hours since heat stopped")
        ax.set_xticks(range(0, HOURS + 1, 12))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylabel("indoor temperature [°C]")
    fig.suptitle("gridmodel 1R1C archetypes (FIELD_NOTES section 4), start 19 °C")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description="Plot archetype cooling curves to a PNG.")
    parser.add_argument("path", nargs="?", default="cooling_curves.png", help="PNG file")
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNG")
    args = parser.parse_args(argv)
    path = Path(args.path)
    if args.out is not None:
        path = args.out / path.name
    written = plot_cooling_curves(path)
    print(written)
    return written


if __name__ == "__main__":
    main()
