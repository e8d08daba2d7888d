"""Sensitivity of the heat rules' [C] parameters on the two validation nights.

For each reported event of the catalogue (``examples/events``: 9 Jan and 3 Feb 2026), the
grid timeline is run once through the one chain; then each [C] parameter of the heat
layer's ``assumptions.toml`` is multiplied by 0.5 and by 1.5 in turn and only the heat
chain is re-run (:func:`gridmodel.pipeline.heat_chain` on the same heat inputs: these
parameters do not act on the grid). Printed as a Markdown table for docs/validation.md:
peak buildings without heat and building-hours without heat, with the ratio to the base
run. A peak moved by more than 2x is flagged (issue #17: such a parameter needs the
FIELD_NOTES line that supports the size of its effect, or a narrower range).

Usage::

    python scripts/heat_sensitivity.py            # both nights, table on stdout
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gridmodel.pipeline import build_context, heat_chain, run_chain  # noqa: E402
from gridmodel.studies.scenario import ScenarioError, load_scenario, scenario_strikes  # noqa: E402
from gridmodel.studies.validate import load_event  # noqa: E402

#: (section, key) of the [C] parameters varied; each acts on the heat chain only
PARAMETERS = [
    ("bridging", "tau_pipe_h"),
    ("bridging", "start_c"),
    ("restart", "share_for_restarts"),
    ("restart", "crew_hours_per_building"),
    ("restart", "heat_to_flats_h"),
    ("comfort", "initial_indoor_c"),
]
FACTORS = (0.5, 1.5)
EVENTS = ("kyiv-2026-01-09", "kyiv-2026-02-03")


def _figures(layer, temp, inputs) -> tuple[int, int]:
    """Peak buildings without heat and building-hours without heat of one heat chain."""
    hc = heat_chain(layer, temp, inputs)
    count = hc.heat.without_heat.sum(axis=1)
    return int(count.max(initial=0)), int(count.sum())


def _chain(event: str, block_h: float | None = None):
    """Context and chain of one event, optionally with another rolling-blackout block."""
    sc = load_scenario(load_event(event).scenario)
    if block_h is not None:
        sc = sc.model_copy(update={"grid": sc.grid.model_copy(update={"block_h": block_h})})
    ctx = build_context(sc, error=ScenarioError)
    strikes, _ = scenario_strikes(sc, ctx.net, ctx.layer)
    return ctx, run_chain(ctx, strikes, sc.seed)


def event_rows(event: str) -> list[dict]:
    """Base and varied figures of one event (grid run once; block_h x0.5/x1.5/x2 re-run)."""
    ctx, chain = _chain(event)
    layer = ctx.layer
    original = copy.deepcopy(layer.assumptions)
    base = _figures(layer, ctx.temp, chain.inputs)
    rows = [{"event": event, "parameter": "base", "value": "", "peak": base[0],
             "bh": base[1]}]
    try:
        for section, key in PARAMETERS:
            for f in FACTORS:
                layer.assumptions = copy.deepcopy(original)
                v = float(original[section][key]) * f
                layer.assumptions[section][key] = v
                peak, bh = _figures(layer, ctx.temp, chain.inputs)
                rows.append({"event": event, "parameter": f"[{section}] {key} x{f}",
                             "value": f"{v:g}", "peak": peak, "bh": bh,
                             "peak_ratio": peak / base[0] if base[0] else np.nan,
                             "bh_ratio": bh / base[1] if base[1] else np.nan})
    finally:
        layer.assumptions = original
    block = float(load_scenario(load_event(event).scenario).grid.block_h)
    for f in (*FACTORS, 2.0):  # a grid parameter: the chain re-run (the 3 Feb cliff, issue #17)
        c2, ch2 = _chain(event, block * f)
        peak, bh = _figures(c2.layer, c2.temp, ch2.inputs)
        rows.append({"event": event, "parameter": f"[grid] block_h x{f}", "value": f"{block * f:g}",
                     "peak": peak, "bh": bh, "peak_ratio": peak / base[0] if base[0] else np.nan,
                     "bh_ratio": bh / base[1] if base[1] else np.nan})
    return rows


def main() -> int:
    print("| event | parameter | value | peak | peak / base | building-hours | bh / base |")
    print("|---|---|---|---|---|---|---|")
    for event in EVENTS:
        for r in event_rows(event):
            pr, br = r.get("peak_ratio"), r.get("bh_ratio")
            flag = " **>2x**" if pr is not None and (pr > 2 or pr < 0.5) else ""
            print(f"| {r['event']} | {r['parameter']} | {r['value']} | {r['peak']:,} | "
                  f"{'' if pr is None else f'{pr:.2f}'}{flag} | {r['bh']:,} | "
                  f"{'' if br is None else f'{br:.2f}'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
