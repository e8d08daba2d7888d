"""Two snapshot strikes on the ukraine network at the 2026-01-15 status.

1. Kyivska 750 kV substation alone (``examples/strikes/kyivska_750.csv``).
2. The 750 kV substations of the three operating nuclear plants together
   (``examples/strikes/npp_750_substations.csv``).

Each case applies every strike at once (no repairs) with the pandapower engine and
prints the islands, the MW shed by oblast and the hours of supply per day that rolling
blackouts would leave. Run::

    python examples/outage_kyivska.py [--out DIR]

With ``--out DIR`` the frames (CSV + Parquet) and a map of each case are written to
``DIR/<case>/``. The strikes are illustrative, not reported events.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd

from gridmodel import load_network
from gridmodel.outage.blackouts import daily_schedule_from_snapshot, supply_areas
from gridmodel.outage.timeline import snapshot
from gridmodel.strikes import load_strikes

HERE = Path(__file__).resolve().parent
STATUS_DATE = "2026-01-15"
CASES = {
    "kyivska_750": HERE / "strikes" / "kyivska_750.csv",
    "npp_750_substations": HERE / "strikes" / "npp_750_substations.csv",
}


def run_case(net, name: str, path: Path, out: Path | None) -> pd.DataFrame:
    strikes = load_strikes(path, net)
    result = snapshot(net, strikes, engine="pandapower", ac=True)
    isl = result.islands.drop(columns=["buses"])
    total = result.loads[["demand_mw", "served_mw", "shed_mw"]].sum()
    print(f"\n=== {name}: {', '.join(strikes['name'])} ===")
    print(isl.round(1).to_string(index=False))
    print(f"demand {total['demand_mw']:.0f} MW, served {total['served_mw']:.0f} MW, "
          f"shed {total['shed_mw']:.0f} MW; cascade: {result.cascade_status}, "
          f"{result.cascade_rounds} round(s)")
    worst = result.oblasts.sort_values("shed_fraction", ascending=False).head(8)
    print("oblasts with the largest share shed:")
    print(worst.round(3).to_string(index=False))
    sched = daily_schedule_from_snapshot(result.loads, supply_areas(net), STATUS_DATE)
    od = sched.oblast_daily.set_index("oblast")["supply_h_mean"]
    print(f"hours of supply per day (6 queues, 4-h blocks): national median "
          f"{od.median():.1f} h, lowest {od.min():.1f} h ({od.idxmin()})")
    if out is not None:
        from gridmodel.report.snapshot import save_outage_map, write_frames

        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        write_frames({"islands": result.islands, "loads": result.loads,
                      "oblasts": result.oblasts, "blackouts_oblast_daily": sched.oblast_daily},
                     folder)
        save_outage_map(net, result, strikes["asset_id"].unique(), folder / "map.png",
                        f"{name}, status {STATUS_DATE} (schematic coordinates)")
        print(f"wrote {folder}")
    return result.oblasts.assign(case=name)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for frames and maps")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning, module="pandapower")
    net = load_network("ukraine", status_date=STATUS_DATE)
    base = snapshot(net, None, engine="pandapower", ac=True)
    print(f"baseline {STATUS_DATE}: demand {base.demand_mw:.0f} MW, served "
          f"{base.served_mw:.0f} MW, shed {base.shed_mw:.0f} MW (no strikes)")
    for name, path in CASES.items():
        run_case(net, name, path, args.out)


if __name__ == "__main__":
    main()
