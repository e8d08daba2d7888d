"""Start-up time of the command line: prints times measured in one run, no assertions.

``gridmodel --version`` (as ``python -m gridmodel --version``, the worktree first on the
path) against ``python -c pass``, the interpreter's own start-up, each in a fresh process:
minimum and median wall time of ``--runs`` runs, alternating the two so that both see the
same machine load, and the ratio of the medians. ``--help`` is timed the same way.

Run: ``python benchmarks/bench_startup.py [--runs 15]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "gridmodel --version": [sys.executable, "-m", "gridmodel", "--version"],
    "gridmodel --help": [sys.executable, "-m", "gridmodel", "--help"],
}


def wall_time_s(cmd: list[str], env: dict[str, str]) -> float:
    """Wall time of one run of ``cmd`` in a fresh process [s] (it must exit 0)."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    for cmd in COMMANDS.values():  # warm the file cache and the bytecode
        wall_time_s(cmd, env)
    times_s: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            times_s[name].append(wall_time_s(cmd, env))
    base_s = statistics.median(times_s["python -c pass"])
    print(f"start-up, {args.runs} runs each, {sys.executable}")
    print(f"{'command':<22}{'min [ms]':>10}{'median [ms]':>13}{'median / python':>17}")
    for name, values in times_s.items():
        median_s = statistics.median(values)
        print(f"{name:<22}{min(values) * 1e3:>10.0f}{median_s * 1e3:>13.0f}"
              f"{median_s / base_s:>17.1f}")


if __name__ == "__main__":
    main()
