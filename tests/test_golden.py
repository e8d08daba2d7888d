"""Every shipped example's outputs equal the recorded golden fingerprints.

``tests/golden/outputs.json`` was captured by ``python scripts/golden.py --update`` on
the code before the architecture redesign; a refactor must leave every value identical.
A deliberate rule change re-captures it in the commit that names the change.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_every_shipped_example_equals_its_golden_outputs(capsys):
    spec = importlib.util.spec_from_file_location("golden", ROOT / "scripts" / "golden.py")
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    rc = golden.main(["--check"])
    out = capsys.readouterr().out
    assert rc == 0, out
