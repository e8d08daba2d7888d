"""Run the engine agreement tests against the lowest pandapower of the supported range.

CI tests the pandapower of ``constraints.txt`` (the highest of the range). This script
checks the other end: it reads the lower bound of ``pandapower`` in ``pyproject.toml``,
makes a fresh virtual environment in a temporary folder, installs gridmodel there with
pandapower pinned to the lower bound and every other dependency left to pip within the
ranges of ``pyproject.toml`` (the exact pins of ``constraints.txt`` belong to the highest
pandapower and may not fit the lowest), and runs the tests that compare the fast engine
with pandapower (and PyPSA) on the same networks.

Usage::

    python scripts/pandapower_range.py                 # the lower bound of the range
    python scripts/pandapower_range.py --version 3.5.4 # another version
    python scripts/pandapower_range.py --keep DIR      # keep the environment in DIR

Needs the package index (pip). Exit code: that of pytest (0: every test passed).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the tests in which the engines are compared with pandapower's own results
AGREEMENT_TESTS = ["tests/test_fast_engine.py", "tests/test_outage_engine.py",
                   "tests/test_lp.py", "tests/test_timeline_fast_equal.py"]


def lower_bound(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The ``>=`` bound of pandapower in the runtime dependencies."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    for dep in deps:
        m = re.match(r"pandapower\s*(\[[^\]]*\])?\s*(.*)", dep)
        if m:
            low = re.search(r">=\s*([0-9][^,;\s]*)", m.group(2))
            if low:
                return low.group(1)
    msg = "pyproject.toml: no 'pandapower>=X' in [project] dependencies"
    raise SystemExit(msg)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", help="pandapower version (default: the range's lower bound)")
    ap.add_argument("--keep", type=Path, help="make the environment in this folder and keep it")
    args = ap.parse_args(argv)
    version = args.version or lower_bound()
    with tempfile.TemporaryDirectory() as tmp:
        env_dir = args.keep or Path(tmp) / "venv"
        print(f"pandapower {version}: environment in {env_dir}", flush=True)
        venv.create(env_dir, with_pip=True)
        py = env_dir / "bin" / "python"
        subprocess.run([py, "-m", "pip", "install", "--quiet", f"pandapower=={version}",
                        "-e", f"{ROOT}[test]"], check=True)
        got = subprocess.run([py, "-c", "import pandapower; print(pandapower.__version__)"],
                             check=True, capture_output=True, text=True).stdout.strip()
        print(f"installed pandapower {got}", flush=True)
        rc = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             *AGREEMENT_TESTS], cwd=ROOT).returncode
    print(f"pandapower {version}: agreement tests {'passed' if rc == 0 else 'FAILED'}")
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
