"""Sensitivity of the heat rules' [C] parameters on the two validation nights.

For each reported event of the catalogue (``examples/events``: 9 Jan and 3 Feb 2026), the
grid timeline is run once through the one chain; then each [C] parameter of the heat
layer's ``assumptions.toml`` is multiplied by 0.5 and by 1.5 in turn and only the heat
chain is re-run (:func:`gridmodel.pipeline.heat_chain` on the same heat inputs: these
parameters do not act on the grid; the inputs are rebuilt for ``[heat_only]``, which acts
where the timeline becomes heat inputs). Printed as a Markdown table for docs/validation.md:
peak buildings without heat, building-hours without heat and building-hours below the
health-risk line (12 °C), with the ratio to the base run (shares are not raised above
1). A peak moved by more than 2x is flagged (issue #17: such a parameter needs the
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

from gridmodel.pipeline import build_context, heat_chain, heat_inputs, run_chain  # noqa: E402
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
    ("capacity_cut", "reduced_min_share"),
    ("heat_only", "start_h"),
    ("heat_only", "share"),
    ("refill", "failure_share"),
    ("refill", "repair_median_h"),
    ("refill", "repair_sigma"),
    ("occupants", "heating_w_per_m2"),
]
#: sections that act where the grid timeline becomes heat inputs (gridmodel.pipeline.heat_inputs:
#: the heat side of a damaged CHP), so the inputs are rebuilt for them
INPUT_SECTIONS = {"heat_only"}
FACTORS = (0.5, 1.5)
EVENTS = ("kyiv-2026-01-09", "kyiv-2026-02-03")


def _figures(layer, temp, inputs, seed) -> tuple[int, int, int]:
    """Peak buildings without heat, building-hours without heat and building-hours below
    the health-risk line ([comfort] health_risk_c) of one heat chain."""
    hc = heat_chain(layer, temp, inputs, seed=seed)
    count = hc.heat.without_heat.sum(axis=1)
    risk_c = float(layer.assumptions["comfort"]["health_risk_c"])
    cold = hc.temperatures.hours_below((risk_c,))
    return int(count.max(initial=0)), int(count.sum()), int(round(float(cold.sum())))


def _chain(event: str, block_h: float | None = None):
    """Context, chain and seed of one event, optionally with another rolling-blackout
    block."""
    sc = load_scenario(load_event(event).scenario)
    if block_h is not None:
        sc = sc.model_copy(update={"grid": sc.grid.model_copy(update={"block_h": block_h})})
    ctx = build_context(sc, error=ScenarioError)
    strikes, _ = scenario_strikes(sc, ctx.net, ctx.layer)
    return ctx, run_chain(ctx, strikes, sc.seed), sc.seed


def _row(event, parameter, value, figures, base=None) -> dict:
    """One table row; ratios to ``base`` (the base figures) when given."""
    row = {"event": event, "parameter": parameter, "value": value, "peak": figures[0],
           "bh": figures[1], "cold": figures[2]}
    if base is not None:
        for key, i in (("peak_ratio", 0), ("bh_ratio", 1), ("cold_ratio", 2)):
            row[key] = figures[i] / base[i] if base[i] else np.nan
    return row


def event_rows(event: str) -> list[dict]:
    """Base and varied figures of one event (grid run once; block_h x0.5/x1.5/x2 re-run)."""
    ctx, chain, seed = _chain(event)
    layer = ctx.layer
    original = copy.deepcopy(layer.assumptions)
    base = _figures(layer, ctx.temp, chain.inputs, seed)
    rows = [_row(event, "base", "", base)]
    try:
        for section, key in PARAMETERS:
            if section not in original:
                continue  # a rule the layer does not declare
            for f in FACTORS:
                layer.assumptions = copy.deepcopy(original)
                v = float(original[section][key]) * f
                if key.endswith("share") and v > 1.0:
                    continue  # a share above 1 is not a value of the rule
                layer.assumptions[section][key] = v
                inputs = (heat_inputs(layer, ctx.net, chain.timeline, ctx.temp.index)
                          if section in INPUT_SECTIONS else chain.inputs)
                rows.append(_row(event, f"[{section}] {key} x{f}", f"{v:g}",
                                 _figures(layer, ctx.temp, inputs, seed), base))
    finally:
        layer.assumptions = original
    block = float(load_scenario(load_event(event).scenario).grid.block_h)
    for f in (*FACTORS, 2.0):  # a grid parameter: the chain re-run (the 3 Feb cliff, issue #17)
        c2, ch2, seed2 = _chain(event, block * f)
        rows.append(_row(event, f"[grid] block_h x{f}", f"{block * f:g}",
                         _figures(c2.layer, c2.temp, ch2.inputs, seed2), base))
    return rows


def _ratio(r, key) -> str:
    v = r.get(key)
    return "" if v is None else f"{v:.2f}"


def main() -> int:
    print("| event | parameter | value | peak | peak / base | building-hours | bh / base | "
          "building-hours < 12 °C | / base |")
    print("|---|---|---|---|---|---|---|---|---|")
    for event in EVENTS:
        for r in event_rows(event):
            pr = r.get("peak_ratio")
            flag = " **>2x**" if pr is not None and (pr > 2 or pr < 0.5) else ""
            print(f"| {r['event']} | {r['parameter']} | {r['value']} | {r['peak']:,} | "
                  f"{_ratio(r, 'peak_ratio')}{flag} | {r['bh']:,} | {_ratio(r, 'bh_ratio')} | "
                  f"{r['cold']:,} | {_ratio(r, 'cold_ratio')} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
