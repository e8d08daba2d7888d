"""Write and execute examples/strike_to_report.ipynb (the cells live here, in one place).

The notebook walks from a strike list to the report (issue #14). This script builds it with
nbformat, executes it with nbclient in a temporary folder (so that its outputs are stored
with it, as a reader sees them) and writes it to ``examples/``. tests/test_notebook.py
executes the shipped notebook again.

Usage::

    python scripts/build_notebook.py [OUT.ipynb]
"""

import sys
import tempfile
from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
CELLS = [
md("""# From a strike list to the report

This notebook walks through one gridmodel run as a planner would: write a strike list, point a
scenario at it, run the model, read the figures, look at the curve, and open the report.
The night is 3 Feb 2026 in Kyiv (FIELD_NOTES 1): Darnytsia CHP-4 destroyed at about 04:00.
Everything below is computed by the model from the built-in data (network `ukraine`,
heat layer `kyiv`, weather `kyiv-2026`); nothing is typed in by hand but the strike.
The tests execute this notebook (`tests/test_notebook.py`)."""),
code("""from pathlib import Path

import pandas as pd

import gridmodel

work = Path("notebook_run")
work.mkdir(exist_ok=True)"""),
md("""## 1. The strike list

One row per strike: a target (id or name, resolved strictly against the network's registry),
a time with its UTC offset, an effect (`destroyed`, `damaged` with `fraction_lost`, `disabled`),
and an optional repair time in hours (empty: drawn from `gridmodel/data/repair_times.toml`).
See `docs/strikes.md`."""),
code("""strikes = pd.DataFrame([
    {"target": "Darnytsia CHP-4", "time": "2026-02-03T04:00+02:00", "effect": "destroyed",
     "fraction_lost": None, "repair_h": None},
])
strikes.to_csv(work / "strikes.csv", index=False)
strikes"""),
md("""## 2. The scenario

Network and its status date, weather, start and horizon, seed, the strike list and the heat
layer (`docs/scenario.md`). Three days keep the notebook quick."""),
code("""_ = (work / "scenario.toml").write_text('''name = "notebook-chp4"
network = "ukraine"
status_date = 2026-02-02
weather = "kyiv-2026"
start = 2026-02-03T00:00:00+02:00
horizon_h = 72
seed = 20260203

[strikes]
file = "strikes.csv"

[heat]
layer = "kyiv"
''', encoding="utf-8")"""),
md("""## 3. Run

`gridmodel.run` runs the one chain (grid timeline, rolling blackouts, heat availability,
draining, restarts, indoor temperatures) and writes `summary.json`, Parquet frames, plots and
`report.html` to the output folder (never over an existing one unless `force=True`)."""),
code("""result = gridmodel.run(work / "scenario.toml", out=work / "out", force=True,
                       progress=False)
status = result.summary["status"]
{k: status[k] for k in list(status)[:8]}"""),
md("""## 4. The figures a planner reads first"""),
code("""heat = result.summary["heat"]
print(f"peak: {heat['buildings_without_heat_peak']:,} buildings without heat "
      f"({heat['people_without_heat_peak']:,} people) "
      f"at {heat['buildings_without_heat_peak_time']}")
print(f"still without heat at the end: {heat['buildings_without_heat_end']:,}; "
      f"coldest flat {heat['indoor_temp_min_c']} C")
at_peak = pd.Series(heat["by_district_at_peak"], name="buildings without heat at the peak")
at_peak[at_peak > 0]"""),
md("""## 5. The curve

`frames["heat_hourly"]` holds the hourly counts per district, with the outdoor temperature
(also `out/heat_hourly.parquet`). gridmodel writes its own plots with matplotlib's Agg
backend, so the notebook asks for inline plots again."""),
code("""%matplotlib inline
hourly = result.frames["heat_hourly"]
city = hourly.groupby("time").agg(
    buildings_without_heat=("buildings_without_heat", "sum"), temp_air=("temp_air", "first"))
ax = city["buildings_without_heat"].plot(figsize=(8, 3), title="Kyiv buildings without heat")
ax.set_ylabel("buildings")
temp_ax = city["temp_air"].plot(ax=ax, secondary_y=True, style="--", color="grey")
temp_ax.set_ylabel("outdoor, C");"""),
md("""## 6. Why, and the report

`result.explanation` says which source, zone and rule left each group without heat, and when;
`report.html` in the output folder is the self-contained report (open it in a browser)."""),
code("""print(result.explanation.split("Draining")[1][:600])
print("report:", (result.out / "report.html").resolve())"""),
]
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = (Path(argv[0]) if argv
           else Path(__file__).resolve().parents[1] / "examples" / "strike_to_report.ipynb")
    nb = nbf.v4.new_notebook(cells=CELLS, metadata={"kernelspec": KERNEL})
    with tempfile.TemporaryDirectory(prefix="gridmodel-notebook-") as run_dir:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": run_dir}}).execute()
    nbf.write(nb, out)
    print("wrote", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
