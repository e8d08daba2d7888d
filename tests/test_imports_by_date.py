"""Imports by date: the interconnectors' cap in force on the status date (FIELD_NOTES 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

import gridmodel
from gridmodel.cli import main
from gridmodel.errors import StatusError
from gridmodel.network.status import import_caps_on
from gridmodel.network.summary import import_cap_mw, residuals, summary_text


def imports_of(date):
    net = gridmodel.load_network("ukraine", status_date=date)
    g = net.gen[net.gen["technology"] == "import"]
    return net, g


def test_no_synchronous_imports_before_the_entsoe_synchronisation():
    # 24 Feb - 16 Mar 2022: Ukraine ran isolated (ENTSO-E 2022-03-16)
    net, g = imports_of("2022-03-01")
    assert not g["in_service"].any()
    assert import_cap_mw(net) == 0.0


def test_cap_of_the_date_from_its_source():
    # 22 Nov 2022: 500 MW import (Ukrenergo via RBC-Ukraine 2022-10-24)
    net, g = imports_of("2022-11-22")
    assert g["in_service"].all()
    assert import_cap_mw(net) == pytest.approx(500.0, abs=0.01)
    assert "RBC-Ukraine 2022-10-24" in net.parameters["imports"]["source"]
    # shared over the ties as built by thermal rating (each of the three 750 kV ties -
    # Khmelnytskyi-Rzeszow, Zakhidnoukrainska-HU, the RO end via junction 8334 - 25.4 %)
    share = g.set_index("plant_id")["max_p_mw"] / 500.0
    assert share["import:pl-border-pl-5310-750"] == pytest.approx(0.254135)
    assert share.sum() == pytest.approx(1.0, abs=1e-12)
    # winter 2025-26: 2.1 GW + 0.25 GW, practical about 1.6 GW (FIELD_NOTES 2)
    net, _ = imports_of("2026-01-15")
    assert import_cap_mw(net) == pytest.approx(1600.0, abs=0.01)
    assert net.parameters["imports"]["commercial_mw"] == 2100.0
    # as built: the commercial + emergency cap
    assert import_cap_mw(gridmodel.load_network("ukraine")) == pytest.approx(2350.0, abs=0.01)


def test_rows_in_force_and_errors():
    imports = {"by_date": [{"start": "2023-01-01", "commercial_mw": 2.0},
                           {"start": "2022-01-01", "commercial_mw": 1.0}]}
    assert import_caps_on(imports, dt.date(2022, 6, 1))["commercial_mw"] == 1.0
    assert import_caps_on(imports, dt.date(2023, 1, 1))["commercial_mw"] == 2.0
    assert import_caps_on({}, dt.date(2023, 1, 1)) is None
    with pytest.raises(StatusError, match="before the first"):
        import_caps_on(imports, dt.date(2021, 1, 1))


def test_summary_compares_with_the_figures_of_its_own_date():
    net = gridmodel.load_network("ukraine", status_date="2022-11-22")
    assert residuals(net).empty
    text = summary_text(net)
    assert "import cap (2022-11-22): 500 MW in force" in text
    assert "no reported national figures for 2022-11-22" in text
    res = CliRunner().invoke(main, ["network", "summary", "--status-date", "2022-11-22"])
    assert res.exit_code == 0, res.output
    assert "500 MW in force" in res.output
    net = gridmodel.load_network("ukraine", status_date="2026-01-15")
    assert set(residuals(net).index) == {"available_domestic_generation_mw", "demand_mw"}


def test_outage_result_reports_the_import_cap_in_force():
    """On 15 Jan 2026 the interconnectors carry the practical 1.6 GW (FIELD_NOTES 2): the
    outage result reports that cap, not commercial + emergency (2,350 MW)."""
    import gridmodel
    from gridmodel.network.summary import import_cap_mw
    from gridmodel.outage import simulate_outage

    net = gridmodel.load_network("ukraine", status_date="2026-01-15")
    res = simulate_outage(net, {}, engine="fast", ac=False)
    assert res.import_cap_mw == pytest.approx(import_cap_mw(net))
    assert res.import_cap_mw == pytest.approx(1600.0, abs=0.01)
