"""The validation scorecard: events as data, scores worked out by hand, the command."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from gridmodel.errors import InputError
from gridmodel.studies.validate import (
    building_hours,
    catalogue,
    load_event,
    milestone_time,
    score_event,
)

TZ = "+02:00"


def _curve(values, start="2026-01-09T00:00"):
    idx = pd.date_range(pd.Timestamp(start + TZ), periods=len(values), freq="h")
    return pd.Series(values, index=idx, dtype="int64")


def _event(tmp_path, figures: str, score: str = "[score]\npeak_rel_tol = 0.1\n"
           "milestone_factor = 1.5\n"):
    # the tiny scenario moved to 9 Jan, 48 h: every figure below lies in its period
    tiny = Path(__file__).resolve().parent / "data" / "tiny"
    sc = (tiny / "scenario.toml").read_text(encoding="utf-8")
    for rel in ("./network", "weather.csv", "strikes.csv", "./heat"):  # its paths, absolute
        assert f'"{rel}"' in sc, rel
        sc = sc.replace(f'"{rel}"', f'"{tiny / rel}"')
    sc = sc.replace("start = 2026-01-15T00:00:00+02:00", "start = 2026-01-09T00:00:00+02:00")
    (tmp_path / "s.toml").write_text(sc, encoding="utf-8")
    (tmp_path / "reported.toml").write_text(
        '[event]\ntitle = "t"\nscenario = "s.toml"\n' + score + figures, encoding="utf-8")
    return load_event(tmp_path)


FIGS = """
[[figure]]
figure = "peak"
value = 100
time = 2026-01-09T02:00:00+02:00
source = "s"

[[figure]]
figure = "milestone"
value = 50
time = 2026-01-09T05:00:00+02:00
source = "s"
"""


def test_catalogue_ships_both_nights():
    names = {q.name for q in catalogue().iterdir() if (q / "reported.toml").is_file()}
    assert {"kyiv-2026-01-09", "kyiv-2026-02-03"} <= names
    jan = load_event("kyiv-2026-01-09")
    assert jan.peak_rel_tol == 0.1
    assert jan.milestone_factor == 1.5
    assert list(jan.figures["value"]) == [6000, 2000, 800, 470, 287, 100, 16]
    feb = load_event("kyiv-2026-02-03")
    assert feb.peak_rel_tol is None
    assert feb.scenario.name == "kyiv_2026_02_03.toml"


def test_scores_by_hand(tmp_path):
    ev = _event(tmp_path, FIGS)
    # strike at 01:00; peak 105 at 02:00; falls to 50 at 04:00 (3 h after the strike;
    # reported 4 h after): time ratio 0.75
    curve = _curve([0, 0, 105, 80, 50, 20, 0])
    t0 = pd.Timestamp("2026-01-09T01:00" + TZ)
    rows = score_event(ev, curve, t0).set_index("figure")
    assert rows.loc["peak", "ratio"] == pytest.approx(1.05)
    assert rows.loc["peak", "verdict"] == "PASS"
    assert rows.loc["milestone", "ratio"] == pytest.approx(0.75)
    assert rows.loc["milestone", "verdict"] == "PASS"
    # building-hours over 02:00..05:00: model 105 + 80 + 50; reported (100 + 50) / 2 * 3
    assert rows.loc["building_hours", "model"] == 235
    assert rows.loc["building_hours", "reported"] == pytest.approx(225)


def test_milestone_counts_only_after_the_peak_and_fails_when_not_reached(tmp_path):
    ev = _event(tmp_path, FIGS)
    curve = _curve([0, 0, 200, 190, 180, 170, 160])
    assert milestone_time(curve, 0) is None  # the zero before the peak does not count
    rows = score_event(ev, curve, pd.Timestamp("2026-01-09T01:00" + TZ)).set_index("figure")
    assert rows.loc["peak", "verdict"] == "FAIL"  # 2.0 outside 0.9..1.1
    assert math.isnan(rows.loc["milestone", "ratio"])
    assert rows.loc["milestone", "verdict"] == "FAIL"


def test_no_band_and_one_time(tmp_path):
    ev = _event(tmp_path, FIGS.split("[[figure]]\nfigure = \"milestone\"")[0], score="")
    rows = score_event(ev, _curve([0, 10, 90]), pd.Timestamp("2026-01-09T00:00" + TZ))
    assert list(rows["verdict"]) == ["no band"]
    assert all(math.isnan(x) for x in building_hours(_curve([1]), ev.figures))


def test_bad_event_files(tmp_path):
    with pytest.raises(InputError, match="unknown event"):
        load_event("no-such-event")
    with pytest.raises(InputError, match="time needs a UTC offset"):
        _event(tmp_path, FIGS.replace("02:00:00+02:00", "02:00:00"))
    with pytest.raises(InputError, match="at most one figure"):
        _event(tmp_path, FIGS.replace('"milestone"', '"peak"'))
    with pytest.raises(InputError, match="unknown key"):
        _event(tmp_path, FIGS.replace('source = "s"\n', 'source = "s"\ncolour = 1\n', 1))


@pytest.mark.slow
def test_validate_command_writes_the_scorecard(tmp_path):
    from gridmodel.cli import main

    out = tmp_path / "v"
    res = CliRunner().invoke(main, ["validate", "kyiv-2026-02-03", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "no band" in res.output
    assert "ratio" in res.output
    for f in ("scorecard.csv", "scorecard.txt", "report.html", "kyiv-2026-02-03.png",
              "kyiv-2026-02-03_curve.csv"):
        assert (out / f).is_file(), f
    card = pd.read_csv(out / "scorecard.csv")
    assert card.loc[0, "model"] == 1036  # CHP-4's zone, an input
