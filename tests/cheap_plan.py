"""A plan runner without the model, for tests of a plan's outputs (tables, report).

:class:`CheapPlanRunner` stands in for
:class:`gridmodel.studies.planning.evaluate.ScenarioRunner`: the base scenario's network,
heat layer and target list of ``examples/planning``, and metric values made up from the
night's realised strikes and the variant's crews (``1000 x strikes + 1e5 / crews`` for
every metric), so that variants differ in a known way.
"""

from __future__ import annotations

from pathlib import Path

import gridmodel
from gridmodel.heat.layer import load_layer
from gridmodel.strikes import load_strikes
from gridmodel.studies.planning.evaluate import METRICS, realise
from gridmodel.studies.scenario import load_scenario

EX = Path(__file__).resolve().parents[1] / "examples" / "planning"


class CheapPlanRunner:
    """``runner(variant, night) -> {metric: value}`` without running the chain."""

    def __init__(self):
        sc = load_scenario(EX / "kyiv_winter_base.toml")
        self.net = gridmodel.load_network(sc.network, status_date=sc.status_date)
        self.layer = load_layer("kyiv")
        self.strikes = load_strikes(EX / "kyiv_winter_targets.toml", self.net)
        self.horizon_h = 24

    def __call__(self, variant, night):
        s = realise(night, variant)
        n = 0 if s is None else len(s)
        crews = variant.layer.assumptions["restart"]["crews"]
        return {m: 1000.0 * n + 1e5 / crews for m in METRICS}
