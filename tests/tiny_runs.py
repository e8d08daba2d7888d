"""Runs of the on-disk tiny data (``tests/data/tiny/``) with a strike list of the test's own.

:func:`tiny_run` copies the tiny folder into a temporary folder, writes the given strike
rows as its ``strikes.csv`` and runs the scenario with ``gridmodel.run`` into ``out``.
The report tests use :data:`TWO_STRIKES`: the CHP out 04:00-07:00 local (3 h, shorter than
the bridging time, so its zone is not drained) and the boiler house out 10:00-15:00; heat
is back everywhere by 15:00.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TINY = Path(__file__).resolve().parent / "data" / "tiny"

HEADER = "target,time,effect,fraction_lost,repair_h,weapon,source"
#: two strikes whose outcome is worked out in the module docstring
TWO_STRIKES = [
    "plant:tiny-chp,2026-01-15T04:00+02:00,destroyed,,3,test,tests/tiny_runs.py",
    "heat:tiny-boilers-south,2026-01-15T10:00+02:00,destroyed,,5,test,tests/tiny_runs.py",
]


def tiny_folder_with(tmp: Path, strikes: list[str], *, plots: bool = True) -> Path:
    """A copy of the tiny folder in ``tmp`` with ``strikes`` as its strike list (none: no
    ``[strikes]`` table); returns the scenario file."""
    folder = tmp / "tiny"
    shutil.copytree(TINY, folder)
    (folder / "strikes.csv").write_text("\n".join([HEADER, *strikes]) + "\n",
                                        encoding="utf-8")
    sc = folder / "scenario.toml"
    text = sc.read_text(encoding="utf-8")
    if not strikes:  # the no-strike run: a scenario without a strike list
        text = text.replace('[strikes]\nfile = "strikes.csv"\n', "")
    sc.write_text(text.replace("plots = false", f"plots = {str(plots).lower()}"),
                  encoding="utf-8")
    return sc


def tiny_run(tmp: Path, strikes: list[str], *, out: str | None = "out", plots: bool = True):
    """``gridmodel.run`` of the tiny scenario with ``strikes`` (output in ``tmp / out``)."""
    import gridmodel

    sc = tiny_folder_with(tmp, strikes, plots=plots)
    return gridmodel.run(sc, out=None if out is None else tmp / out, progress=False)
