"""A wheel built from the repository carries the network and weather data.

Builds the wheel, installs it (without dependencies, which the test environment
already has) into a fresh folder outside the checkout and loads `ukraine` from there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_data_and_loads_ukraine(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("gridmodel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gridmodel/_data/networks/ukraine/network.toml" in names
    assert "gridmodel/_data/networks/ukraine/lines.csv" in names
    assert any(n.startswith("gridmodel/_data/weather/") and n.endswith(".csv") for n in names)
    assert "gridmodel/py.typed" in names  # PEP 561: the package's annotations are for users
    assert "gridmodel/report/templates/report.html.j2" in names  # report.html's template
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names[-8:]
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--quiet",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import gridmodel, pathlib;"
        "p = pathlib.Path(gridmodel.__file__).resolve();"
        f"assert str(p).startswith({str(site.resolve())!r}), p;"
        "net = gridmodel.load_network('ukraine', status_date='2026-01-15');"
        "print(len(net.bus))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(out.stdout.strip().splitlines()[-1]) > 100
