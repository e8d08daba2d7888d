"""Strike lists: formats, validation, strict resolution, selectors."""

from __future__ import annotations

import pandas as pd
import pytest
from tiny_networks import alias_net

from gridmodel.errors import InputError, UnknownAssetError
from gridmodel.strikes import (
    StrikeListError,
    StrikeTargetError,
    load_strikes,
    parse_time,
    read_strikes,
    remaining_fractions,
    resolve_strikes,
    select_assets,
    strikes_from_records,
)


@pytest.fixture(scope="module")
def net():
    return alias_net()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD_CSV = """# a comment line
target,time,effect,fraction_lost,repair_h,weapon,source,reliability
Alpha 750,2026-02-03T04:00+02:00,damaged,0.5,,ballistic,TASS,C
ТЕЦ-4,2026-02-03T02:00Z,destroyed,,1500,ballistic,ukrinform,A
plant:alpha-npp,2026-02-03T04:30[Europe/Kyiv],disabled,,,,,A
sub:alpha-750,2026-02-03T05:00+02:00,destroyed,,,,,C
"""


def test_good_csv_resolves_every_spelling(tmp_path, net):
    df = load_strikes(write(tmp_path, "s.csv", GOOD_CSV), net)
    assert list(df.columns[:12]) == ["asset_id", "time", "effect", "fraction_lost", "repair_h",
                                     "weapon", "source", "row", "file", "target", "kind", "name"]
    assert "reliability" in df.columns
    assert str(df["time"].dt.tz) == "UTC"
    # sorted by time; rows are CSV line numbers (comment = line 1, header = line 2)
    assert df["asset_id"].tolist() == ["sub:alpha-750", "plant:darnytsia-chp-4",
                                       "plant:alpha-npp", "sub:alpha-750"]
    assert df["row"].tolist() == [3, 4, 5, 6]
    assert df.loc[0, "time"] == pd.Timestamp("2026-02-03T02:00Z")
    assert df.loc[2, "time"] == pd.Timestamp("2026-02-03T02:30Z")
    assert df["fraction_lost"].tolist() == [0.5, 1.0, 1.0, 1.0]
    assert df.loc[1, "repair_h"] == 1500.0
    assert pd.isna(df.loc[0, "repair_h"])
    # repeated strike on one asset kept; the snapshot keeps the worst
    assert remaining_fractions(df) == {"sub:alpha-750": 0.0, "plant:darnytsia-chp-4": 0.0,
                                       "plant:alpha-npp": 0.0}


def test_toml_tables_and_csv_pointer(tmp_path, net):
    write(tmp_path, "list.csv", GOOD_CSV)
    toml_csv = write(tmp_path, "scen.toml", 'name = "x"\nstrikes_csv = "list.csv"\n')
    assert len(load_strikes(toml_csv, net)) == 4
    toml_tab = write(tmp_path, "scen2.toml", """
name = "scenario"
[[strikes]]
target = "Alpha NPP"
time = 2026-02-03T04:00:00+02:00
effect = "disabled"
[[strikes]]
target = "kind=substation;vn_kv>=330;oblast=Kyivska"
time = "2026-02-03T05:00+02:00"
effect = "damaged"
fraction_lost = 0.25
repair_h = 12
""")
    df = load_strikes(toml_tab, net)
    assert df["asset_id"].tolist() == ["plant:alpha-npp", "sub:alpha-750", "sub:bravo"]
    assert df["row"].tolist() == [1, 2, 2]
    assert (df["fraction_lost"].iloc[1:] == 0.25).all()


def test_toml_both_or_neither_is_an_error(tmp_path):
    write(tmp_path, "l.csv", GOOD_CSV)
    p = write(tmp_path, "a.toml", 'strikes_csv = "l.csv"\n[[strikes]]\ntarget = "x"\n')
    with pytest.raises(StrikeListError, match="both"):
        read_strikes(p)
    p = write(tmp_path, "b.toml", 'name = "none"\n')
    with pytest.raises(StrikeListError, match="no strikes"):
        read_strikes(p)
    p = write(tmp_path, "c.toml", 'strikes_csv = "missing.csv"\n')
    with pytest.raises(StrikeListError, match="relative to the TOML"):
        read_strikes(p)


def test_unknown_and_ambiguous_targets_reported_at_once(tmp_path, net):
    p = write(tmp_path, "bad.csv", """target,time,effect
Alpha-75O,2026-02-03T04:00Z,destroyed
Bravo,2026-02-03T04:00Z,destroyed
Zulu,2026-02-03T04:00Z,destroyed
Darnytsia CHP 4,2026-02-03T04:00Z,destroyed
""")
    with pytest.raises(StrikeTargetError) as info:
        load_strikes(p, net)
    err = info.value
    assert isinstance(err, UnknownAssetError)
    assert isinstance(err, InputError)
    text = str(err)
    assert "3 strike target(s)" in text
    assert "row(s) 2: 'Alpha-75O' is unknown; closest: 'Alpha-750 [sub:alpha-750]'" in text
    assert "row(s) 3: 'Bravo' is ambiguous" in text
    assert "sub:charlie" in text
    assert "'Zulu' is unknown" in text
    assert set(err.problems) == {"Alpha-75O", "Bravo", "Zulu"}


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ("Alpha 750,2026-02-03T04:00,destroyed,", "row 2, field time: '2026-02-03T04:00' has "
         "no time zone; write it with a zone"),
        ("Alpha 750,03/02/2026,destroyed,", "row 2, field time: '03/02/2026' is not an ISO 8601"),
        ("Alpha 750,2026-02-03T04:00Z,hit,", "row 2, field effect: 'hit' is not one of"),
        ("Alpha 750,2026-02-03T04:00Z,damaged,1.5", "row 2, field fraction_lost: 1.5 is "
         "outside \\[0, 1\\]"),
        ("Alpha 750,2026-02-03T04:00Z,damaged,-0.1", "fraction_lost: -0.1 is outside"),
        ("Alpha 750,2026-02-03T04:00Z,damaged,", "fraction_lost: missing"),
        ("Alpha 750,2026-02-03T04:00Z,destroyed,0.5", "contradicts effect 'destroyed'"),
        ("Alpha 750,2026-02-03T04:00Z,damaged,half", "fraction_lost: 'half' is not a number"),
        (",2026-02-03T04:00Z,destroyed,", "row 2, field target: missing"),
        ("Alpha 750,2026-02-03T04:00[Mars/Olympus],destroyed,", "unknown time zone"),
    ],
)
def test_bad_rows_name_file_row_field(tmp_path, row, match):
    p = write(tmp_path, "bad.csv", "target,time,effect,fraction_lost\n" + row + "\n")
    with pytest.raises(StrikeListError, match=match) as info:
        read_strikes(p)
    assert str(p) in str(info.value)


def test_every_bad_row_listed(tmp_path):
    p = write(tmp_path, "bad.csv", "target,time,effect\nA,2026-02-03T04:00,destroyed\n"
              "B,2026-02-03T04:00Z,smashed\nC,2026-02-03T04:00Z,destroyed\n")
    with pytest.raises(StrikeListError, match="2 problem") as info:
        read_strikes(p)
    assert "row 2" in str(info.value)
    assert "row 3" in str(info.value)


def test_repair_h_negative_and_missing_column(tmp_path):
    p = write(tmp_path, "a.csv", "target,time,effect,repair_h\nA,2026-02-03T04:00Z,disabled,-3\n")
    with pytest.raises(StrikeListError, match="repair_h: -3 is negative"):
        read_strikes(p)
    p = write(tmp_path, "b.csv", "target,when,effect\nA,2026-02-03T04:00Z,disabled\n")
    with pytest.raises(StrikeListError, match=r"header lacks columns \['time'\]"):
        read_strikes(p)


def test_empty_list_says_how_to_run_baseline(tmp_path):
    p = write(tmp_path, "empty.csv", "target,time,effect,fraction_lost\n")
    with pytest.raises(StrikeListError, match="empty.*baseline"):
        read_strikes(p)
    p = write(tmp_path, "empty.toml", "strikes = []\n")
    with pytest.raises(StrikeListError, match="empty"):
        read_strikes(p)
    with pytest.raises(StrikeListError, match="baseline"):
        strikes_from_records([])


def test_missing_file_and_format(tmp_path):
    with pytest.raises(StrikeListError, match="does not exist"):
        read_strikes(tmp_path / "nope.csv")
    p = write(tmp_path, "s.xlsx", "x")
    with pytest.raises(StrikeListError, match="use .csv or .toml"):
        read_strikes(p)


def test_parse_time_forms():
    utc = pd.Timestamp("2026-02-03T02:00Z")
    assert parse_time("2026-02-03T04:00+02:00") == utc
    assert parse_time("2026-02-03T02:00Z") == utc
    assert parse_time("2026-02-03T04:00[Europe/Kyiv]") == utc
    assert parse_time(pd.Timestamp("2026-02-03T04:00", tz="Europe/Kyiv")) == utc
    with pytest.raises(StrikeListError, match="no time zone"):
        parse_time(pd.Timestamp("2026-02-03T04:00"))


def test_selectors(net):
    assert select_assets(net, "kind=substation;vn_kv>=750") == ["sub:alpha-750"]
    assert select_assets(net, "kind=substation;oblast=kyivska") == ["sub:alpha-750", "sub:bravo"]
    assert select_assets(net, "kind=substation;asset_id=sub:kyiv-110-*") == [
        "sub:kyiv-110-darnytskyi"]
    assert select_assets(net, "kind=plant;technology=chp|nuclear") == [
        "plant:alpha-npp", "plant:darnytsia-chp-4"]
    assert select_assets(net, "kind=load;class=residential;oblast!=Kyiv") == [
        "load:lvivska-charlie-residential"]
    for bad, match in [
        ("oblast=Kyivska", "needs a kind= term"),
        ("kind=substation;voltage>=750", "unknown field 'voltage'"),
        ("kind=substation;vn_kv>=high", "is not one"),
        ("kind=substation;oblast>Kyivska", "is text"),
        ("kind=substation;vn_kv>=1000", "matches no asset"),
        ("kind=substaton", "kind 'substaton' does not exist"),
        ("kind=substation;oblast=Kyivskaa", "closest \\['Kyivska'"),
        ("kind=substation;vn_kv", "not 'field OP value'"),
    ]:
        with pytest.raises(ValueError, match=match):
            select_assets(net, bad)


def test_bad_selector_reported_with_rows(net):
    raw = strikes_from_records([
        {"target": "kind=substation;vn_kv>=1000", "time": "2026-02-03T04:00Z",
         "effect": "destroyed"},
        {"target": "Nowhere", "time": "2026-02-03T04:00Z", "effect": "destroyed"},
    ], where="x.csv", rows=[5, 7])
    with pytest.raises(StrikeTargetError, match="x.csv, row\\(s\\) 5: selector") as info:
        resolve_strikes(net, raw)
    assert "row(s) 7: 'Nowhere' is unknown" in str(info.value)


def test_resolution_does_not_touch_net(net):
    before = net.registry.copy()
    raw = strikes_from_records([{"target": "Alpha 750", "time": "2026-02-03T04:00Z",
                                 "effect": "disabled"}])
    resolve_strikes(net, raw)
    pd.testing.assert_frame_equal(net.registry, before)


# ---- example strike lists and the `outage` command on the ukraine network -------------

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "strikes"


@pytest.fixture(scope="module")
def ukraine():
    import gridmodel

    try:
        return gridmodel.load_network("ukraine", status_date="2026-01-15")
    except FileNotFoundError as exc:  # pragma: no cover - network data not built
        pytest.skip(f"ukraine network not available: {exc}")


def test_example_strike_lists_resolve(ukraine):
    one = load_strikes(EXAMPLES / "kyivska_750.csv", ukraine)
    assert one["asset_id"].tolist() == ["sub:kyivska-750"]
    npp = load_strikes(EXAMPLES / "npp_750_substations.csv", ukraine)
    assert sorted(npp["asset_id"]) == ["sub:khmelnytskyi-npp", "sub:rivne-npp",
                                       "sub:south-ukraine-npp"]
    feb = load_strikes(EXAMPLES / "kyiv_2026_02_03.csv", ukraine)
    assert len(feb) == 6
    assert (feb["source"].str.len() > 5).all()
    base = feb[feb["reliability"] == "A"]
    assert sorted(base["asset_id"]) == ["plant:darnytsia-chp-4", "plant:kharkiv-chp-5",
                                        "sub:kharkivska", "sub:zaliutyne"]
    assert (feb["time"] == pd.Timestamp("2026-02-03T02:00Z")).all()
    only_a = load_strikes(EXAMPLES / "kyiv_2026_02_03.csv", ukraine, only={"reliability": "A"})
    assert sorted(only_a["asset_id"]) == sorted(base["asset_id"])
    with pytest.raises(StrikeListError, match="no such column"):
        load_strikes(EXAMPLES / "kyiv_2026_02_03.csv", ukraine, only={"rel": "A"})
    with pytest.raises(StrikeListError, match="no strike row has"):
        load_strikes(EXAMPLES / "kyiv_2026_02_03.csv", ukraine, only={"reliability": "B"})


def _invoke(args):
    from click.testing import CliRunner

    from gridmodel.cli.outage import outage_command

    return CliRunner().invoke(outage_command, [str(a) for a in args])


def test_cli_outage_writes_frames_and_map(tmp_path, ukraine):
    out = tmp_path / "run"
    res = _invoke([EXAMPLES / "kyivska_750.csv", "--status-date", "2026-01-15",
                   "--engine", "fast", "--out", out])
    assert res.exit_code == 0, res.output
    assert "Islands:" in res.output
    assert "Shed by oblast" in res.output
    for name in ("islands", "loads", "oblasts", "strikes", "blackouts_oblast_daily"):
        assert (out / f"{name}.csv").is_file()
        assert (out / f"{name}.parquet").is_file()
    assert (out / "map.png").stat().st_size > 10_000
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Islands" in html
    assert "<svg" in html
    loads = pd.read_parquet(out / "loads.parquet")
    assert loads["demand_mw"].sum() == pytest.approx(
        loads["served_mw"].sum() + loads["shed_mw"].sum())
    # refuses to overwrite without --force, cleanly
    again = _invoke([EXAMPLES / "kyivska_750.csv", "--engine", "fast", "--out", out])
    assert again.exit_code == 2
    assert "already exists" in again.output
    assert "pass --force" in again.output
    assert "Traceback" not in again.output
    forced = _invoke([EXAMPLES / "kyiv_2026_02_03.csv", "--engine", "fast", "--out", out,
                      "--force", "--only", "reliability=A"])
    assert forced.exit_code == 0, forced.output
    assert "4 struck asset(s)" in forced.output
    assert len(pd.read_csv(out / "strikes.csv")) == 4
    bad = _invoke([EXAMPLES / "kyivska_750.csv", "--only", "reliability"])
    assert bad.exit_code == 2


def test_cli_outage_input_errors_are_clean(tmp_path, ukraine):
    """The rule of every command (gridmodel.cli.base): ``error: <summary>`` then one line
    per problem, exit code 2, no traceback, also when the command is invoked alone."""
    bad = write(tmp_path, "bad.csv", "target,time,effect\nKyivska 75O,2026-02-03T04:00Z,"
                "destroyed\nVinnytsa-750,2026-02-03T04:00,destroyed\n")
    res = _invoke([bad, "--engine", "fast"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert lines[0] == f"error: 1 problem(s) in strike list {bad}:"
    assert lines[1].strip().startswith(f"{bad}, row 3, field time: '2026-02-03T04:00' has no "
                                       "time zone")
    assert len(lines) == 2
    bad = write(tmp_path, "bad2.csv", "target,time,effect\nKyivska 75O,2026-02-03T04:00Z,"
                "destroyed\n")
    res = _invoke([bad, "--engine", "fast"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert lines[0] == "error: 1 strike target(s) cannot be resolved:"
    assert "'Kyivska 75O' is unknown; closest: 'Kyivska-750 [sub:kyivska-750]'" in lines[1]
    assert "Traceback" not in res.output
