"""A pandapower JSON file that names a module outside the allow-list is refused before
anything is imported (pandapower's ``from_json`` imports whatever ``_module`` names)."""

from __future__ import annotations

import json
import sys

import pandapower as pp
import pandapower.networks as pn
import pytest

import gridmodel
from gridmodel.errors import NetworkFileError


def test_crafted_json_naming_another_module_is_refused_before_import(tmp_path):
    pp.to_json(pn.case9(), tmp_path / "case9.json")
    doc = json.loads((tmp_path / "case9.json").read_text())
    doc["_module"] = "gridmodel_evil_module_xyz"  # a module that must never be imported
    (tmp_path / "evil.json").write_text(json.dumps(doc))
    before = (tmp_path / "evil.json").read_bytes()
    with pytest.raises(NetworkFileError, match="gridmodel_evil_module_xyz"):
        gridmodel.load_network(tmp_path / "evil.json")
    assert "gridmodel_evil_module_xyz" not in sys.modules
    assert (tmp_path / "evil.json").read_bytes() == before


def test_nested_module_names_are_scanned_too(tmp_path):
    pp.to_json(pn.case9(), tmp_path / "case9.json")
    text = (tmp_path / "case9.json").read_text()
    evil = text.replace('"_module": "pandas.core.frame"', '"_module": "os"', 1)
    assert evil != text
    (tmp_path / "nested.json").write_text(evil)
    with pytest.raises(NetworkFileError, match="'os'"):
        gridmodel.load_network(tmp_path / "nested.json")


def test_pandapower_case9_json_still_loads(tmp_path):
    pp.to_json(pn.case9(), tmp_path / "case9.json")
    with pytest.warns(UserWarning, match="no registry"):
        net = gridmodel.load_network(tmp_path / "case9.json")
    assert len(net.bus) == 9
