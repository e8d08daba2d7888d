"""The outage snapshot runs on a user's pandapower JSON network (no gridmodel data tables).

A network without ``[areas]`` has no local time zone of its own: the snapshot's schedule
then uses the demand profile's zone (the rule of ``simulate_outages``), instead of failing.
"""

from __future__ import annotations

import pandapower as pp
import pandapower.networks as pn
import pytest


def test_outage_snapshot_on_pandapower_case9(tmp_path):
    from gridmodel.studies.snapshot import run_outage

    pp.to_json(pn.case9(), tmp_path / "case9.json")
    (tmp_path / "s.csv").write_text("target,time,effect\nline:0,2026-01-15T02:00+02:00,"
                                    "destroyed\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="network has no registry"):
        res = run_outage(tmp_path / "s.csv", network=str(tmp_path / "case9.json"),
                         engine="fast")
    loads = res["result"].loads
    assert loads["served_mw"].sum() + loads["shed_mw"].sum() == pytest.approx(
        loads["demand_mw"].sum())
    assert res["schedule"].timezone == "Europe/Kyiv"  # gridmodel/data/demand_profile.toml
