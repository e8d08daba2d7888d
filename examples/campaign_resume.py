"""A strike campaign over two weeks, run at once and in two parts from a saved state.

Runs ``examples/campaign/campaign.toml`` (two strike nights a week apart, the second
while buildings drained after the first are still waiting for crews), then the same
campaign as ``night1.toml`` and ``night2.toml`` started from night 1's saved state
(``OUT/night1/state``), and checks that the second part is bitwise the second week of the
whole campaign: buildings without heat, drained, heat on, indoor temperatures and the
grid's served load, hour by hour.

Usage::

    python examples/campaign_resume.py --out DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "campaign"


def _arrays(res, k: int = 0) -> dict:
    """The hourly results of a run from its hour ``k`` on."""
    heat, temps = res.heat, res.temperatures
    loads = res.timeline.loads
    t0 = res.context.index[k].tz_convert("UTC")
    served = loads[loads["time"] >= t0]["served_mw"].to_numpy()
    return {"without_heat": heat.without_heat[k:], "drained": heat.drained[k:],
            "heat_on": heat.heat_on[k:], "temp_indoor": temps.to_buildings()[k:],
            "served_mw": served}


def main(argv=None) -> int:
    from gridmodel.studies.scenario import load_scenario, run

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    # absolute: the scenario's initial_state is read relative to the scenario file
    out = ap.parse_args(argv).out.resolve()
    whole = run(HERE / "campaign.toml", out=out / "campaign", progress=False)
    night1 = run(HERE / "night1.toml", out=out / "night1", progress=False)
    sc2 = load_scenario(HERE / "night2.toml").model_copy(
        update={"initial_state": str(out / "night1" / "state")})
    night2 = run(sc2, out=out / "night2", progress=False)
    k = int(whole.context.index.get_loc(night2.context.index[0]))
    a, b = _arrays(whole, k), _arrays(night2)
    same = {name: bool(a[name].shape == b[name].shape and np.array_equal(a[name], b[name]))
            for name in a}
    n = whole.heat.without_heat.sum(axis=1)
    drained_at_night2 = int(whole.heat.drained[k + 3].sum())  # 03:00, before the strike
    print(f"campaign: peak {int(n.max())} buildings without heat; "
          f"{drained_at_night2} still drained an hour before night 2 strikes (16 Jan 04:00); "
          f"{int(n[-1])} at the end")
    print(f"night 1 alone: peak {night1.summary['heat']['buildings_without_heat_peak']}; "
          f"state saved in {out / 'night1' / 'state'}")
    print(f"night 2 from the state: {night2.summary['heat']['buildings_without_heat_peak']} "
          f"peak; resume check {night2.summary['resume_check']}")
    print("bitwise identical to the campaign's second week: "
          + ", ".join(f"{k_}={v}" for k_, v in same.items()))
    return 0 if all(same.values()) and drained_at_night2 > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
