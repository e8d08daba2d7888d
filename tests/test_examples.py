"""Every example script runs (WNTR's habit: examples that CI runs).

Each script in ``examples/`` takes ``--out DIR`` and writes only there; DIR is given
relative to the working folder, as a user types it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(script), "--out", "out"], env=env,
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "out").is_dir(), "the example wrote nothing into --out"
    assert proc.stdout.strip(), "an example should tell the reader what it did"
