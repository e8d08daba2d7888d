"""Start-up: ``gridmodel --help`` and ``--version`` import neither pandapower nor pandas,
and ``import gridmodel`` alone does not either (``load_network`` and ``run`` come on use)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pandapower", "pandas", "numba", "matplotlib", "dask")


def _imported(args: list[str]) -> set[str]:
    """Top-level modules a fresh interpreter imported to run ``args``
    (``python -X importtime``), after checking that it exited 0."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get(
        "PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    names = set()
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_cli_flags_do_not_import_the_model(flag):
    names = _imported(["-m", "gridmodel", flag])
    assert "gridmodel" in names  # the check reads the import log at all
    assert "click" in names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_import_gridmodel_is_light_and_load_network_comes_on_use():
    assert not _imported(["-c", "import gridmodel"]) & set(HEAVY)
    names = _imported(["-c", "from gridmodel import load_network; load_network"])
    assert "pandapower" in names


def test_version_prints_the_package_version():
    from gridmodel._io import __version__

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "gridmodel", "--version"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == f"gridmodel, version {__version__}"
