"""The executed notebook of examples/ runs (issue #14): examples/strike_to_report.ipynb
walks from a strike list to the report; executed here in a temporary folder, every cell
runs and the figures it prints are those of the summary.json its run wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "strike_to_report.ipynb"


@pytest.mark.slow
def test_the_notebook_runs_and_prints_the_runs_own_figures(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    summary = json.loads((tmp_path / "notebook_run" / "out" / "summary.json")
                         .read_text(encoding="utf-8"))
    heat = summary["heat"]
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs if o.output_type == "stream")
    assert f"peak: {heat['buildings_without_heat_peak']:,} buildings without heat" in printed
    assert (tmp_path / "notebook_run" / "out" / "report.html").is_file()
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "the curve is drawn"


def test_the_shipped_notebook_is_executed():
    """The notebook in examples/ carries its outputs (a reader sees them without running
    it): written by scripts/build_notebook.py."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
