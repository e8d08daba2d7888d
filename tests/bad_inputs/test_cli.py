"""No traceback for bad input, ever (issue #12): one case per rule, on every command.

Each case copies the tiny inputs (``tests/data/tiny``, with a strike pattern and a plan
file added) to ``tmp_path``, breaks one thing (a cell, a key, a line, an option), runs
the command line and asserts exit code 2, ``error:`` on standard error, that the message
names the culprit (file and line, row or key, as the case says) and that every file
below the copy is byte-identical afterwards: nothing the user had is changed or deleted,
and no output folder appears. The model never runs (``run_chain`` raises if called):
every case fails on its inputs, before any work.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridmodel.cli import main

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny"
EVENTS = Path(__file__).resolve().parents[2] / "examples" / "events"
PLAN = """[plan]
name = "tiny-plan"
scenario = "scenario.toml"
interception_prob = 0.5
damage_prob = 1.0
metric = "building_hours_below_12c"
currency = "USD"
price_year = 2026

[[intervention]]
id = "protect-chp"
kind = "protection"
label = "protect the CHP"
assets = ["plant:tiny-chp"]
damage_prob_factor = 0.3
cost = 1.0e6
"""
BACKUP = """
[[intervention]]
id = "backup"
kind = "backup_generators"
label = "x"
sites = ["pump:nowhere"]
mw_per_site = 2.0
fuel_h = 72.0
"""
BOILERS = """
[[intervention]]
id = "boilers"
kind = "modular_boilers"
label = "x"
district = "{district}"
heat_mw = {mw}
"""
FIGURE = ('\n[[figure]]\nfigure = "milestone"\nvalue = 100\ntime = {time}\nsource = "x"\n'
          "{extra}")
TOML_STRIKE = '[[strikes]]\ntarget = "plant:tiny-chp"\ntime = {time}\neffect = "destroyed"\n'
NT = "network/network.toml"
SC, ST, WE, WM, PA, PL = ("scenario.toml", "strikes.csv", "weather.csv", "weather.meta.toml",
                          "pattern.toml", "plan.toml")
STRIKE = "plant:tiny-chp,2026-01-15T04:00+02:00,destroyed,,720,test,tests/data/tiny/README.md"
HEADER = "target,time,effect,fraction_lost,repair_h,weapon,source"


def make_root(tmp_path: Path) -> Path:
    """A valid copy of the tiny inputs (with their strike pattern) and a plan file."""
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    (root / PL).write_text(PLAN, encoding="utf-8")
    return root


def _tree(folder: Path) -> dict[str, str]:
    """{relative path: SHA-256} of every file below ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ edits
def sub(file: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace the first ``old`` in ``file`` by ``new``."""
    def edit(root: Path) -> None:
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def write(file: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / file).write_text(text, encoding="utf-8")
    return edit


def strike(old: str, new: str) -> Callable[[Path], None]:
    """Change the strike row of ``strikes.csv`` (line 4)."""
    return write(ST, f"# the tiny strike\n#\n{HEADER}\n{STRIKE.replace(old, new, 1)}\n")


def reliability(value: str) -> Callable[[Path], None]:
    """A ``reliability`` column holding ``value`` (line 4)."""
    return write(ST, f"# the tiny strike\n#\n{HEADER},reliability\n{STRIKE},{value}\n")


def weather_values(value: str) -> Callable[[Path], None]:
    """Every temperature of ``weather.csv`` set to ``value``."""
    def edit(root: Path) -> None:
        path = root / WE
        lines = path.read_text(encoding="utf-8").splitlines()
        rows = [lines[0]] + [f"{s.split(',')[0]},{value}" for s in lines[1:]]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return edit


def damaged_part(root: Path) -> None:
    """An interrupted ensemble (1 of 2 chunks written) whose part file is cut short."""
    from gridmodel._io.outdir import partial_folder
    from gridmodel.studies import ensemble

    out = root / "eout"
    ensemble.run(root / PA, 2, seed=0, out=out, chunk_size=1, stop_after=1, progress=False)
    part = next((partial_folder(out) / "parts").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[:40])


def event(root: Path, extra: str) -> None:
    """A copy of a reported event (``ev/``) with ``extra`` at the end of its report."""
    shutil.copytree(EVENTS / "kyiv-2026-02-03", root / "ev")
    path = root / "ev" / "reported.toml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def event_run(root: Path, extra: str) -> None:
    """:func:`event` with its scenario named by absolute path (found from the copy)."""
    event(root, extra)
    sub("ev/reported.toml", 'scenario = "../../kyiv_2026_02_03.toml"',
        f'scenario = "{EVENTS.parent / "kyiv_2026_02_03.toml"}"')(root)


def nothing(root: Path) -> None:
    """The inputs as they are (the option is the bad input)."""


# ------------------------------------------------------------------ commands
def run(*extra):
    return lambda r: ["run", r / SC, "--out", r / "out", "--quiet", *extra]


def outage(*extra, strikes=ST):
    return lambda r: ["outage", r / strikes, "--network", r / "network", "--engine", "fast",
                      "--status-date", "2026-01-15", *extra]


def ensemble(*extra, pattern=PA):
    return lambda r: ["ensemble", r / pattern, "-n", "2", "--out", r / "eout", "--quiet",
                      *extra]


def plan(*extra):
    return lambda r: ["plan", r / SC, "--interventions", r / PL, "-n", "2", "--out",
                      r / "pout", "--quiet", *extra]


def rank(*extra):
    return lambda r: ["rank", r / SC, "--out", r / "rout", "--quiet", *extra]


def network(*args):
    return lambda r: ["network", *args]


def command(*args):
    """Any command line; ``ROOT`` in an argument is the copy's folder (in every case)."""
    return lambda r: list(args)


# (id, edit, command, what the message names: "{root}" is the copy's folder)
CASES = [
    # strike list CSV (outage): reading
    ("strike-unterminated-quote", strike(",destroyed,", ',"destroyed,'), outage(),
     ["{root}/strikes.csv:4:", "unterminated quote"]),
    ("strike-quote-over-lines", write(ST, "\n".join([HEADER, STRIKE.replace(",test,", ',"te'),
                                                   STRIKE.replace(",test,", ',st",'), ""])),
     outage(),
     ["{root}/strikes.csv:2:", "runs over lines 2-3"]),
    ("strike-misspelt-repair-column", write(ST, f"{HEADER.replace('repair_h', 'repair_hours')}"
                                                 f"\n{STRIKE}\n"), outage(),
     ["{root}/strikes.csv, row 2: field 'repair_hours' is not a strike field",
      "did you mean 'repair_h'?"]),
    ("strike-toml-misspelt-key", write("s.toml", TOML_STRIKE.format(time='"2026-01-15T04:00Z"')
                                       + "repair_hours = 2\n"), outage(strikes="s.toml"),
     ["{root}/s.toml", "field 'repair_hours' is not a strike field", "'repair_h'"]),
    ("strike-toml-boolean-fraction", write("s.toml", TOML_STRIKE.format(
        time='"2026-01-15T04:00Z"').replace('"destroyed"', '"damaged"') + "fraction_lost = true\n"),
     outage(strikes="s.toml"), ["{root}/s.toml", "field fraction_lost: True is not a number"]),
    ("strike-short-row", strike(",720,test,tests/data/tiny/README.md", ",720"), outage(),
     ["{root}/strikes.csv:4:", "5 fields, the header has 7"]),
    ("strike-long-row", strike(",test,", ",test,extra,"), outage(),
     ["{root}/strikes.csv:4:", "8 fields, the header has 7"]),
    ("strike-header-lacks-effect", write(ST, "target,time\nplant:tiny-chp,2026-01-15T04:00Z\n"),
     outage(), ["{root}/strikes.csv, line 1", "['effect']"]),
    ("strike-list-empty", write(ST, HEADER + "\n"), outage(),
     ["{root}/strikes.csv", "the strike list is empty"]),
    ("strike-list-missing", nothing, outage(strikes="nowhere.csv"),
     ["{root}/nowhere.csv does not exist"]),
    ("strike-list-suffix", write("strikes.txt", "x\n"), outage(strikes="strikes.txt"),
     ["{root}/strikes.txt", "unknown format '.txt'"]),
    ("strike-toml-both-forms", write("s.toml", 'strikes_csv = "strikes.csv"\n[[strikes]]\n'
                                     'target = "plant:tiny-chp"\n'), outage(strikes="s.toml"),
     ["{root}/s.toml", "both [[strikes]] tables and strikes_csv"]),
    ("strike-toml-csv-missing", write("s.toml", 'strikes_csv = "nowhere.csv"\n'),
     outage(strikes="s.toml"), ["{root}/s.toml", "does not exist"]),
    ("strike-toml-no-strikes", write("s.toml", 'name = "x"\n'), outage(strikes="s.toml"),
     ["{root}/s.toml", "no strikes"]),
    # strike list: fields
    ("strike-no-target", strike("plant:tiny-chp", ""), outage(),
     ["{root}/strikes.csv, row 4, field target: missing"]),
    ("strike-unknown-effect", strike("destroyed", "zapped"), outage(),
     ["{root}/strikes.csv, row 4, field effect", "'zapped'"]),
    ("strike-damaged-no-fraction", strike("destroyed", "damaged"), outage(),
     ["{root}/strikes.csv, row 4, field fraction_lost: missing"]),
    ("strike-fraction-above-one", strike("destroyed,", "damaged,1.5"), outage(),
     ["{root}/strikes.csv, row 4, field fraction_lost", "outside [0, 1]"]),
    ("strike-fraction-contradicts", strike("destroyed,", "destroyed,0.5"), outage(),
     ["{root}/strikes.csv, row 4, field fraction_lost", "contradicts effect 'destroyed'"]),
    ("strike-text-fraction", strike("destroyed,", "damaged,half"), outage(),
     ["{root}/strikes.csv, row 4, field fraction_lost", "'half' is not a number"]),
    ("strike-repair-negative", strike(",720,", ",-3,"), outage(),
     ["{root}/strikes.csv, row 4, field repair_h", "negative"]),
    ("strike-repair-1e300", strike(",720,", ",1e300,"), outage(),
     ["{root}/strikes.csv, row 4, field repair_h", "more than 876000 h"]),
    ("strike-repair-infinite", strike(",720,", ",inf,"), outage(),
     ["{root}/strikes.csv, row 4, field repair_h", "not a finite number"]),
    # strike list: times
    ("strike-time-no-zone", strike("+02:00", ""), outage(),
     ["{root}/strikes.csv, row 4, field time", "has no time zone"]),
    ("strike-time-not-iso", strike("2026-01-15T04:00+02:00", "15.01.2026 04:00"), outage(),
     ["{root}/strikes.csv, row 4, field time", "not an ISO 8601 time"]),
    ("strike-time-unknown-zone", strike("+02:00", "[Mars/Olympus]"), outage(),
     ["{root}/strikes.csv, row 4, field time", "unknown time zone 'Mars/Olympus'"]),
    ("strike-time-offset-and-zone", strike("+02:00", "+02:00[Europe/Kyiv]"), outage(),
     ["{root}/strikes.csv, row 4, field time", "both an offset and a zone"]),
    ("strike-time-dst-repeated", strike("2026-01-15T04:00+02:00",
                                        "2026-10-25T03:30[Europe/Kyiv]"), outage(),
     ["{root}/strikes.csv, row 4, field time", "occurs twice in Europe/Kyiv",
      "2026-10-25T03:30+03:00 (00:30Z) or 2026-10-25T03:30+02:00 (01:30Z)"]),
    ("strike-time-dst-skipped", strike("2026-01-15T04:00+02:00",
                                       "2026-03-29T03:30[Europe/Kyiv]"), outage(),
     ["{root}/strikes.csv, row 4, field time", "does not exist in Europe/Kyiv",
      "2026-03-29T03:30+03:00 (00:30Z) or 2026-03-29T03:30+02:00 (01:30Z)"]),
    ("strike-time-year-9999", strike("2026-01-15T04:00", "9999-01-15T04:00"), outage(),
     ["{root}/strikes.csv, row 4, field time", "outside the years time stamps cover"]),
    # strike list: targets and row filters
    ("strike-unknown-target", strike("plant:tiny-chp", "plant:atlantis"), outage(),
     ["{root}/strikes.csv, row(s) 4", "'plant:atlantis' is unknown", "Tiny CHP"]),
    ("strike-name-other-technology", strike("plant:tiny-chp", "Tiny NPP"), outage(),
     ["{root}/strikes.csv, row(s) 4", "'Tiny NPP' is unknown", "words ignored in matching: 'NPP'",
      "Tiny CHP [plant:tiny-chp] (the name says a nuclear plant"]),
    ("strike-name-other-kind", strike("plant:tiny-chp", "Tiny CHP substation"), outage(),
     ["{root}/strikes.csv, row(s) 4", "is unknown", "'CHP', 'substation'"]),
    ("strike-name-without-its-word", strike("plant:tiny-chp", "Tiny"), outage(),
     ["{root}/strikes.csv, row(s) 4", "'Tiny' is unknown", "words ignored in matching: none"]),
    ("strike-selector-no-kind", strike("plant:tiny-chp", "technology=chp"), outage(),
     ["{root}/strikes.csv, row(s) 4", "needs a kind= term"]),
    ("strike-selector-no-match", strike("plant:tiny-chp", "kind=plant;technology=nuclear"),
     outage(), ["{root}/strikes.csv, row(s) 4", "no asset has technology='nuclear'"]),
    ("strike-selector-bad-field", strike("plant:tiny-chp", "kind=plant;colour=red"), outage(),
     ["{root}/strikes.csv, row(s) 4", "unknown field 'colour'"]),
    ("strike-selector-text-compared", strike("plant:tiny-chp", "kind=plant;name>A"), outage(),
     ["{root}/strikes.csv, row(s) 4", "name is text"]),
    ("outage-only-no-column", nothing, outage("--only", "reliability=A"),
     ["{root}/strikes.csv", "cannot select on 'reliability'"]),
    ("outage-only-keeps-no-row", reliability("B"), outage("--only", "reliability=A"),
     ["{root}/strikes.csv", "no strike row has {'reliability': ['A']}", "['B']"]),
    ("outage-only-not-a-term", nothing, outage("--only", "reliability"),
     ["--only 'reliability' is not COLUMN=VALUE"]),
    ("outage-network-unknown", nothing, lambda r: ["outage", r / ST, "--network", "atlantis"],
     ["unknown network 'atlantis'"]),
    # scenario file (run)
    ("scenario-missing", nothing, lambda r: ["run", r / "nowhere.toml", "--out", r / "out"],
     ["scenario file {root}/nowhere.toml does not exist"]),
    ("scenario-toml-syntax", sub(SC, "seed = 1", "seed = "), run(),
     ["{root}/scenario.toml", "TOML syntax error", "line 10"]),
    ("scenario-unknown-key", sub(SC, "seed = 1", "seed = 1\ncolour = 1"), run(),
     ["{root}/scenario.toml:11: top level: unknown key 'colour'"]),
    ("scenario-no-name", sub(SC, 'name = "tiny-chp-strike"', ""), run(),
     ["{root}/scenario.toml", "missing key 'name'"]),
    ("scenario-horizon-1e7", sub(SC, "horizon_h = 48", "horizon_h = 10000000"), run(),
     ["{root}/scenario.toml:9: horizon_h", "less than or equal to 876000"]),
    ("scenario-horizon-zero", sub(SC, "horizon_h = 48", "horizon_h = 0"), run(),
     ["{root}/scenario.toml:9: horizon_h", "greater than 0"]),
    ("scenario-horizon-fraction", sub(SC, "horizon_h = 48", "horizon_h = 4.5"), run(),
     ["{root}/scenario.toml:9: horizon_h", "valid integer"]),
    ("scenario-start-no-offset", sub(SC, "00:00:00+02:00", "00:00:00"), run(),
     ["{root}/scenario.toml:8: start", "needs a UTC offset"]),
    ("scenario-status-date-text", sub(SC, "status_date = 2026-01-15", 'status_date = "now"'),
     run(), ["{root}/scenario.toml:6: status_date", "not an ISO date"]),
    ("scenario-seed-text", sub(SC, "seed = 1", 'seed = "one"'), run(),
     ["{root}/scenario.toml:10: seed", "valid integer"]),
    ("scenario-seed-negative", sub(SC, "seed = 1", "seed = -1"), run(),
     ["{root}/scenario.toml:10: seed", "greater than or equal to 0"]),
    ("scenario-start-year-9999", sub(SC, "start = 2026-01-15", "start = 9999-01-15"), run(),
     ["{root}/scenario.toml:8: start", "years 1678 to 2161"]),
    ("scenario-engine", sub(SC, 'engine = "fast"', 'engine = "slow"'), run(),
     ["{root}/scenario.toml:16: grid.engine", "'fast' or 'pandapower'"]),
    ("scenario-zero-queues", sub(SC, "[grid]", "[grid]\nn_queues = 0"), run(),
     ["{root}/scenario.toml:16: grid.n_queues", "greater than or equal to 1"]),
    ("scenario-queues-not-the-layers", sub(SC, "[grid]", "[grid]\nn_queues = 4"), run(),
     ["n_queues = 4", "[power] queues = 6", "{root}/heat/assumptions.toml",
      "{root}/heat/buildings.csv"]),
    ("scenario-network-missing", sub(SC, '"./network"', '"./nonet"'), run(),
     ["unknown network '{root}/nonet'"]),
    ("scenario-layer-missing", sub(SC, '"./heat"', '"./noheat"'), run(),
     ["unknown heat layer '{root}/noheat'"]),
    ("scenario-weather-missing", sub(SC, '"weather.csv"', '"nowhere.csv"'), run(),
     ["no file at {root}/nowhere.csv"]),
    ("scenario-strikes-missing", sub(SC, '"strikes.csv"', '"nowhere.csv"'), run(),
     ["strike list {root}/nowhere.csv does not exist"]),
    ("scenario-assumptions-missing", sub(SC, 'layer = "./heat"',
                                         'layer = "./heat"\nassumptions = "nowhere.toml"'),
     run(), ["assumptions file {root}/nowhere.toml does not exist"]),
    ("scenario-status-date-number", sub(SC, "status_date = 2026-01-15",
                                        "status_date = 20260115"), run(),
     ["{root}/scenario.toml:", "status_date 20260115 is not an ISO date"]),
    ("scenario-initial-state-missing", sub(SC, "seed = 1", 'seed = 1\ninitial_state = "st"'),
     run(), ["initial_state {root}/st holds no state.json"]),
    ("scenario-reliability-no-column", sub(SC, 'file = "strikes.csv"',
                                           'file = "strikes.csv"\nreliability = ["A"]'), run(),
     ["{root}/scenario.toml: strikes.reliability", "cannot select on 'reliability'"]),
    ("scenario-reliability-keeps-no-row", lambda r: (reliability("B")(r), sub(
        SC, 'file = "strikes.csv"', 'file = "strikes.csv"\nreliability = ["A"]')(r)), run(),
     ["{root}/scenario.toml: strikes.reliability", "no strike row has", "['B']"]),
    ("scenario-strike-before-start", strike("2026-01-15T04:00", "2025-01-15T04:00"), run(),
     ["outside the simulated period", "{root}/strikes.csv row 4"]),
    ("scenario-heat-target-unknown", strike("plant:tiny-chp", "heat:nowhere"), run(),
     ["{root}/strikes.csv, row(s) 4", "'heat:nowhere' is unknown", "heat:tiny-chp"]),
    ("scenario-beyond-the-weather", sub(SC, "horizon_h = 48", "horizon_h = 100"), run(),
     ["{root}/scenario.toml", "lies outside the weather profile"]),
    ("scenario-start-between-hours", sub(SC, "T00:00:00+02:00", "T00:30:00+02:00"), run(),
     ["{root}/scenario.toml", "no temperature at 48 hour(s)"]),
    ("run-out-below-a-file", nothing, lambda r: ["run", r / SC, "--out", r / ST / "out"],
     ["{root}/strikes.csv, which is a file"]),
    ("run-out-unwritable", nothing, lambda r: ["run", r / SC, "--out", (
        Path("/sys/gridmodel-bad-inputs/out") if os.geteuid() == 0
        else Path("/proc/gridmodel-bad-inputs/out"))], ["cannot write output folder"]),
    ("run-out-holds-the-inputs", nothing, lambda r: ["run", r / SC, "--out", r, "--force"],
     ["an input of this run"]),
    ("run-out-exists", lambda r: (r / "out").mkdir(), run(), ["{root}/out", "--force"]),
    # weather profile (run)
    ("weather-unknown-zone", sub(WM, 'tz = "Europe/Kyiv"', 'tz = "Europe/Kiev2"'), run(),
     ["{root}/weather.meta.toml", "'Europe/Kiev2' is not a known time zone"]),
    ("weather-meta-syntax", write(WM, "tz = \n"), run(),
     ["{root}/weather.meta.toml", "TOML syntax error"]),
    ("weather-no-offset", sub(WE, "2026-01-15T01:00:00+02:00", "2026-01-15T01:00:00"), run(),
     ["{root}/weather.csv, line 3", "has no time zone"]),
    ("weather-not-a-time", sub(WE, "2026-01-15T01:00:00", "2026-13-15T01:00:00"), run(),
     ["{root}/weather.csv, line 3", "cannot parse timestamp"]),
    ("weather-repeated-hour", sub(WE, "2026-01-15T01:00:00", "2026-01-15T00:00:00"), run(),
     ["{root}/weather.csv, line 3", "duplicated timestamp"]),
    ("weather-missing-hour", sub(WE, "2026-01-15T01:00:00+02:00,-11.7\n", ""), run(),
     ["{root}/weather.csv, line 3", "gap of 2 h"]),
    ("weather-out-of-order", lambda r: (sub(WE, "2026-01-15T00:00:00", "X")(r),
                                        sub(WE, "2026-01-15T01:00:00", "2026-01-15T00:00:00")(r),
                                        sub(WE, "X", "2026-01-15T01:00:00")(r)), run(),
     ["{root}/weather.csv, line 3", "out of order"]),
    ("weather-half-hour-step", sub(WE, "2026-01-15T01:00:00", "2026-01-15T00:30:00"), run(),
     ["{root}/weather.csv, line 3", "step of 0.5 h"]),
    ("weather-empty-value", sub(WE, "-11.7", ""), run(),
     ["{root}/weather.csv, line 3", "not a number"]),
    ("weather-text-value", sub(WE, "-11.7", "cold"), run(),
     ["{root}/weather.csv, line 3", "'cold', not a number"]),
    ("weather-implausible", sub(WE, "-11.7", "-80"), run(),
     ["{root}/weather.csv, line 3", "outside the physically plausible range"]),
    ("weather-kelvin-name", sub(WE, "temp_air", "temp_air_k"), run(),
     ["{root}/weather.csv", "looks like kelvin"]),
    ("weather-kelvin-values", weather_values("263.1"), run(),
     ["{root}/weather.csv", "median 263.1"]),
    ("weather-fahrenheit", weather_values("50"), run(),
     ["{root}/weather.csv", "looks like Fahrenheit"]),
    ("weather-missing-column", sub(WE, "temp_air", "temperature"), run(),
     ["{root}/weather.csv", "missing column(s) ['temp_air']"]),
    ("weather-semicolons", lambda r: (r / WE).write_text(
        (r / WE).read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8"), run(),
     ["{root}/weather.csv", "use commas"]),
    ("weather-header-only", write(WE, "timestamp,temp_air\n"), run(),
     ["{root}/weather.csv", "header but no rows"]),
    ("weather-unterminated-quote", sub(WE, "-11.7", '"-11.7'), run(),
     ["{root}/weather.csv:3:", "unterminated quote"]),
    ("weather-ragged-row", sub(WE, "-11.7", "-11.7,3"), run(),
     ["{root}/weather.csv:3:", "3 fields, the header has 2"]),
    # strike pattern (ensemble)
    ("pattern-missing", nothing, ensemble(pattern="nowhere.toml"),
     ["strike pattern {root}/nowhere.toml does not exist"]),
    ("pattern-toml-syntax", sub(PA, "drone = 2", "drone = "), ensemble(),
     ["{root}/pattern.toml", "TOML syntax error"]),
    ("pattern-unknown-table", sub(PA, "[salvo]", "[colour]\nx = 1\n[salvo]"), ensemble(),
     ["{root}/pattern.toml", "unknown key(s) ['colour']"]),
    ("pattern-negative-salvo", sub(PA, "drone = 2", "drone = -2"), ensemble(),
     ["{root}/pattern.toml", "salvo.drone = -2"]),
    ("pattern-fractional-salvo", sub(PA, "drone = 2", "drone = 2.5"), ensemble(),
     ["{root}/pattern.toml", "salvo.drone = 2.5"]),
    ("pattern-empty-salvo", sub(PA, "ballistic = 2\ndrone = 2", "ballistic = 0"), ensemble(),
     ["{root}/pattern.toml", "launches no weapon"]),
    ("pattern-unknown-weapon", sub(PA, "drone = 2", "drone = 2\nrocket = 1"), ensemble(),
     ["{root}/pattern.toml", "unknown weapon class(es) ['rocket']"]),
    ("pattern-night-reversed", sub(PA, "last = 2026-01-15T02", "last = 2026-01-14T02"),
     ensemble(), ["{root}/pattern.toml", "night.last", "before night.first"]),
    ("pattern-night-outside-run", sub(PA, "last = 2026-01-15T02", "last = 2026-01-15T09"),
     ensemble(), ["{root}/pattern.toml", "outside the run period"]),
    ("pattern-night-no-last", sub(PA, "last = 2026-01-15T02:00:00+02:00", ""), ensemble(),
     ["{root}/pattern.toml", "[night] needs first and last"]),
    ("pattern-night-no-zone", sub(PA, "first = 2026-01-15T01:00:00+02:00",
                                  "first = 2026-01-15T01:00:00"), ensemble(),
     ["{root}/pattern.toml: night.first", "has no time zone"]),
    ("pattern-doctrine-unknown-key", sub(PA, "[doctrine]", "[doctrine]\nhits_per_targets = 1"),
     ensemble(),
     ["{root}/pattern.toml", "unknown [doctrine] key(s) ['hits_per_targets']"]),
    ("pattern-target-misspelt-weight", sub(PA, "weight = 1.0}]", "wieght = 100.0}]"),
     ensemble(), ["{root}/pattern.toml", "doctrine target 1 ('kind=plant')",
                  "unknown key(s) ['wieght']"]),
    ("pattern-target-weight-inf", sub(PA, "weight = 1.0}]", "weight = inf}]"), ensemble(),
     ["{root}/pattern.toml", "weight inf; give a finite number > 0"]),
    ("pattern-night-unknown-key", sub(PA, "[night]", "[night]\nlength_h = 3"), ensemble(),
     ["{root}/pattern.toml", "unknown [night] key(s) ['length_h']"]),
    ("pattern-status-date-text", sub(PA, "status_date = 2026-01-15",
                                     'status_date = "15/01/2026"'), ensemble(),
     ["{root}/pattern.toml", "run.status_date = '15/01/2026'", "is not an ISO date"]),
    ("pattern-status-date-number", sub(PA, "status_date = 2026-01-15",
                                       "status_date = 20260115"), ensemble(),
     ["{root}/pattern.toml", "run.status_date = 20260115", "is not an ISO date"]),
    ("pattern-no-targets", sub(PA, 'targets = [{select = "kind=plant", weight = 1.0}]', ""),
     ensemble(), ["{root}/pattern.toml", "[doctrine] has no targets"]),
    ("pattern-target-weight", sub(PA, "weight = 1.0", "weight = -1.0"), ensemble(),
     ["{root}/pattern.toml", "doctrine target 1 ('kind=plant') weight -1.0"]),
    ("pattern-target-no-select", sub(PA, 'select = "kind=plant", ', ""), ensemble(),
     ["{root}/pattern.toml", "doctrine target 1 needs select"]),
    ("pattern-doctrine-preset", sub(PA, "[doctrine]", '[doctrine]\npreset = "nope"'),
     ensemble(), ["{root}/pattern.toml", "doctrine.preset 'nope' is unknown"]),
    ("pattern-doctrine-order", sub(PA, "[doctrine]", '[doctrine]\norder = "biggest"'),
     ensemble(), ["{root}/pattern.toml", "doctrine order 'biggest'"]),
    ("pattern-hits-per-target", sub(PA, "[doctrine]", "[doctrine]\nhits_per_target = 0"),
     ensemble(), ["{root}/pattern.toml", "hits_per_target = 0"]),
    ("pattern-selector-no-match", sub(PA, "kind=plant", "kind=plant;technology=nuclear"),
     ensemble(), ["{root}/pattern.toml", "no asset has technology='nuclear'"]),
    ("pattern-selector-no-kind", sub(PA, "kind=plant", "technology=chp"), ensemble(),
     ["{root}/pattern.toml", "needs a kind= term"]),
    ("pattern-interception-above-one", sub(PA, "[night]", '[air_defence]\npreset = "reported"\n'
                                                                  'drone = 1.5\n[night]'),
     ensemble(), ["{root}/pattern.toml: [air_defence]", "'drone' is 1.5, outside [0, 1]"]),
    ("pattern-interception-preset", sub(PA, "[night]", '[air_defence]\npreset = "x"\n[night]'),
     ensemble(), ["{root}/pattern.toml", "air_defence.preset 'x' is unknown"]),
    ("pattern-protection-level", sub(PA, "[night]", '[protection]\nlevel9 = "kind=plant"\n'
                                     "[night]"), ensemble(),
     ["{root}/pattern.toml", "protection level 'level9'"]),
    ("pattern-run-unknown-key", sub(PA, "horizon_h = 4", "horizon_h = 4\ncolour = 1"),
     ensemble(), ["{root}/pattern.toml", "unknown [run] key(s) ['colour']"]),
    ("pattern-run-horizon-zero", sub(PA, "horizon_h = 4", "horizon_h = 0"), ensemble(),
     ["{root}/pattern.toml", "run.horizon_h = 0"]),
    ("pattern-run-horizon-1e7", sub(PA, "horizon_h = 4", "horizon_h = 10000000"), ensemble(),
     ["{root}/pattern.toml", "run.horizon_h = 10000000", "<= 876000"]),
    ("pattern-defaults-missing", sub(PA, 'name = "tiny"', 'name = "tiny"\ndefaults = "d.toml"'),
     ensemble(), ["pattern defaults file {root}/d.toml does not exist"]),
    # ensemble and compare options
    ("ensemble-zero-nights", nothing, lambda r: ["ensemble", r / PA, "-n", "0", "--out",
                                                 r / "eout"], ["n=0"]),
    ("ensemble-zero-workers", nothing, ensemble("--workers", "0"), ["workers=0"]),
    ("ensemble-zero-chunk", nothing, ensemble("--chunk-size", "0"), ["chunk_size=0"]),
    ("ensemble-negative-seed", nothing, ensemble("--seed", "-1"), ["seed=-1"]),
    ("ensemble-scheduler-no-port", nothing, ensemble("--scheduler", "notaurl"),
     ["Dask scheduler at 'notaurl'", "missing port number", "tcp://host:8786"]),
    ("ensemble-resume-damaged-part", damaged_part, ensemble("--resume"),
     ["part file of the interrupted run {root}/.eout.gridmodel-partial/parts/", "cannot be read",
      "move it away and --resume again"]),
    ("ensemble-not-resumed", damaged_part, ensemble(), ["{root}/eout", "--resume"]),
    ("compare-same-name", nothing, lambda r: ["compare", r / PA, r / PA, "-n", "2", "--out",
                                              r / "cout"], ["patterns ['tiny'] appear more"]),
    ("compare-other-horizon", lambda r: (r / "p6.toml").write_text(
        (r / PA).read_text(encoding="utf-8").replace('name = "tiny"', 'name = "tiny-6h"')
        .replace("horizon_h = 4", "horizon_h = 6"), encoding="utf-8"),
     lambda r: ["compare", r / PA, r / "p6.toml", "-n", "2", "--out", r / "cout"],
     ["compare needs the patterns on one run period", "tiny-6h: start", "horizon_h 6"]),
    # plan and rank
    ("plan-file-missing", lambda r: (r / PL).unlink(), plan(),
     ["plan file {root}/plan.toml does not exist"]),
    ("plan-unknown-kind", sub(PL, 'kind = "protection"', 'kind = "prayer"'), plan(),
     ["{root}/plan.toml:12:", "unknown intervention kind 'prayer'"]),
    ("plan-unknown-asset", sub(PL, '["plant:tiny-chp"]', '["plant:atlantis"]'), plan(),
     ["{root}/plan.toml:14:", "unknown asset 'plant:atlantis'"]),
    ("plan-negative-cost", sub(PL, "cost = 1.0e6", "cost = -1.0"), plan(),
     ["{root}/plan.toml:16:", "cost must be >= 0"]),
    ("plan-factor-above-one", sub(PL, "damage_prob_factor = 0.3", "damage_prob_factor = 1.3"),
     plan(), ["{root}/plan.toml:15:", "damage_prob_factor"]),
    ("plan-interception-above-one", sub(PL, "interception_prob = 0.5", "interception_prob = 1.5"),
     plan(), ["{root}/plan.toml:4:", "plan.interception_prob"]),
    ("plan-unknown-metric", sub(PL, '"building_hours_below_12c"', '"happiness"'), plan(),
     ["{root}/plan.toml:6:", "plan.metric 'happiness' is unknown"]),
    ("plan-repeated-id", lambda r: (r / PL).write_text(PLAN + PLAN.split("\n\n")[1],
                                                       encoding="utf-8"), plan(),
     ["{root}/plan.toml:17:", "'protect-chp' repeats the one at line 10"]),
    ("plan-no-interventions", write(PL, PLAN.split("\n\n")[0]), plan(),
     ["{root}/plan.toml", "no [[intervention]] tables"]),
    ("plan-combination-unknown", sub(PL, "price_year = 2026", 'price_year = 2026\n'
                                     'combinations = [["protect-chp", "nope"]]'), plan(),
     ["{root}/plan.toml:9:", "unknown intervention id(s)", "nope"]),
    ("plan-pattern-missing", nothing, plan("--pattern", "ROOT/nowhere.toml"),
     ["strike pattern", "nowhere.toml does not exist"]),
    ("rank-unknown-asset", nothing, rank("--asset", "plant:atlantis"),
     ["plant:atlantis", "Tiny CHP [plant:tiny-chp]"]),
    ("rank-asset-selector", nothing, rank("--asset", "kind=plant"),
     ["unknown candidate asset(s)", "['kind=plant'] look like selectors: --asset takes asset "
      "ids"]),
    ("rank-beyond-the-weather", sub(SC, "horizon_h = 48", "horizon_h = 100"), rank(),
     ["{root}/scenario.toml", "lies outside the weather profile"]),
    # validate, reproduce
    ("validate-unknown-event", nothing, command("validate", "nosuch-event", "--out",
                                                "ROOT/vout"), ["unknown event 'nosuch-event'"]),
    ("validate-folder-without-report", lambda r: (r / "ev").mkdir(),
     command("validate", "ROOT/ev", "--out", "ROOT/vout"),
     ["event file {root}/ev/reported.toml does not exist"]),
    ("reproduce-unknown", nothing, command("reproduce", "nosuch", "--out", "ROOT/rep"),
     ["unknown reproduction 'nosuch'"]),
    ("reproduce-no-out", nothing, command("reproduce", "kyiv-2026-02-03"),
     ["--out DIR is required"]),
    # network commands
    ("network-plot-existing-png", write("map.png", "precious"),
     network("plot", "--network", "ROOT/network", "--out", "ROOT/map"),
     ["{root}/map.png exists; pass --force"]),
    ("network-plot-unknown-format", nothing,
     network("plot", "--network", "ROOT/network", "--out", "ROOT/map.xyz"),
     ["--out {root}/map.xyz: unknown image format '.xyz'", ".png"]),
    ("network-unknown-name", nothing, network("summary", "--network", "atlantis"),
     ["unknown network 'atlantis'"]),
    ("network-status-date-text", nothing, network("summary", "--network", "ROOT/network",
                                                  "--status-date", "15/01/2026"),
     ["status date '15/01/2026' is not an ISO date"]),
    ("network-status-date-outside", nothing, network("summary", "--network", "ROOT/network",
                                                     "--status-date", "1990-01-01"),
     ["status date 1990-01-01 is outside the status table's range"]),
    ("network-no-metadata", lambda r: (r / "network" / "network.toml").unlink(),
     network("summary", "--network", "ROOT/network"),
     ["network folder {root}/network lacks network.toml"]),
    ("network-no-lines-table", lambda r: (r / "network" / "lines.csv").unlink(),
     network("summary", "--network", "ROOT/network"),
     ["network folder {root}/network lacks lines.csv"]),
    ("network-json-syntax", write("n.json", "{not json"),
     network("summary", "--network", "ROOT/n.json"), ["{root}/n.json as JSON"]),
    ("network-json-foreign-module", write("n.json", '{"_module": "os", "_class": "system"}'),
     network("summary", "--network", "ROOT/n.json"), ["{root}/n.json", "'os'"]),
    ("network-matpower-broken", write("n.m", "function mpc = x\nmpc.bus = [1 2;\n"),
     network("summary", "--network", "ROOT/n.m"), ["network file {root}/n.m"]),
    ("network-plot-out-below-a-file", nothing,
     network("plot", "--network", "ROOT/network", "--out", "ROOT/strikes.csv/map.png"),
     ["folder {root}/strikes.csv is a file"]),
    ("network-plot-out-exists", nothing,
     network("plot", "--network", "ROOT/network", "--out", "ROOT/strikes.csv"),
     ["{root}/strikes.csv exists", "--force"]),
    ("network-assets-unknown-kind", nothing,
     network("assets", "--network", "ROOT/network", "--kind", "volcano"),
     ["kind 'volcano'", "kinds: ['bus'"]),
    ("network-assets-unknown-oblast", nothing,
     network("assets", "--network", "ROOT/network", "--oblast", "Atlantis"),
     ["oblast 'Atlantis'", "Tinyska"]),
    ("network-assets-match-nothing", nothing,
     network("assets", "--network", "ROOT/network", "--match", "atlantis"),
     ["no asset has {'match': 'atlantis'}"]),
    # more strike-list forms
    ("strike-header-repeats-a-column", write(ST, f"target,{HEADER}\nx,{STRIKE}\n"), outage(),
     ["{root}/strikes.csv, line 1", "repeats column(s) ['target']"]),
    ("strike-not-utf8", lambda r: (r / ST).write_bytes(
        (r / ST).read_text(encoding="utf-8").encode("utf-16")), outage(),
     ["cannot read strike list {root}/strikes.csv", "UTF-8"]),
    ("strike-toml-time-no-zone", write("s.toml", TOML_STRIKE.format(time="2026-01-15T04:00:00")),
     outage(strikes="s.toml"), ["{root}/s.toml [[strikes]], row 1, field time", "no time zone"]),
    ("strike-toml-date-only", write("s.toml", TOML_STRIKE.format(time="2026-01-15")),
     outage(strikes="s.toml"), ["{root}/s.toml [[strikes]], row 1, field time",
                                "a date without a time of day"]),
    ("strike-toml-not-tables", write("s.toml", "strikes = 3\n"), outage(strikes="s.toml"),
     ["{root}/s.toml", "must be an array of tables"]),
    # more scenario and run inputs
    ("scenario-weather-a-folder", sub(SC, '"weather.csv"', '"./heat"'), run(),
     ["no file at {root}/heat"]),
    ("scenario-network-a-csv", sub(SC, '"./network"', '"./strikes.csv"'), run(),
     ["unknown network '{root}/strikes.csv'"]),
    ("scenario-state-damaged", lambda r: (
        (r / "st").mkdir(), (r / "st" / "state.json").write_text("{bad", encoding="utf-8"),
        sub(SC, "seed = 1", 'seed = 1\ninitial_state = "st"')(r)), run(),
     ["{root}/st/state.json:1: state file is not valid JSON"]),
    ("scenario-state-frame-missing", lambda r: (
        (r / "st").mkdir(), (r / "st" / "state.json").write_text('{"schema": 1}',
                                                                 encoding="utf-8"),
        sub(SC, "seed = 1", 'seed = 1\ninitial_state = "st"')(r)), run(),
     ["saved state {root}/st/strikes.parquet cannot be read"]),
    ("layer-unknown-key", sub("heat/layer.toml", "[files]", "[files]\ncolour = 1"), run(),
     ["{root}/heat/layer.toml:13: files: unknown key 'colour'"]),
    ("layer-unknown-zone", sub("heat/layer.toml", 'tz = "Europe/Kyiv"', 'tz = "Mars/Olympus"'),
     run(), ["{root}/heat/layer.toml:10: meta.tz", "unknown time zone 'Mars/Olympus'"]),
    ("layer-toml-syntax", sub("heat/layer.toml", 'version = "test"', "version = "), run(),
     ["{root}/heat/layer.toml", "TOML syntax error"]),
    ("layer-table-missing", lambda r: (r / "heat" / "zones.csv").unlink(), run(),
     ["{root}/heat/zones.csv is missing"]),
    ("network-toml-syntax", sub(NT, 'version = "test"', "version = "),
     outage(), ["{root}/network/network.toml", "TOML syntax error"]),
    ("network-toml-unknown-key", sub(NT, "[areas]", "[areas]\ncolour = 1"), outage(),
     ["{root}/network/network.toml:21: areas: unknown key 'colour'"]),
    ("network-toml-unknown-table", sub(NT, "[areas]", "[colours]\nx = 1\n[areas]"), outage(),
     ["{root}/network/network.toml:", "top level: unknown key 'colours'"]),
    ("network-toml-unknown-zone", sub(NT, 'timezone = "Europe/Kyiv"', 'timezone = "Mars/Olympus"'),
     outage(), ["{root}/network/network.toml:22: areas.timezone",
                "unknown time zone 'Mars/Olympus'"]),
    ("network-toml-no-import-cap", lambda r: (sub(NT, "commercial_mw = 20.0", "")(r),
                                              sub(NT, "emergency_mw = 2.0", "")(r)), outage(),
     ["{root}/network/interconnectors.csv lists 1 import tie(s)",
      "{root}/network/network.toml gives no import cap"]),
    ("network-toml-negative-imports", sub(NT, "emergency_mw = 2.0", "emergency_mw = -2.0"),
     outage(), ["{root}/network/network.toml:10: imports.emergency_mw",
                "greater than or equal to 0"]),
    ("network-toml-text-number", sub(NT, "trip_loading = 1.2", 'trip_loading = "1.2"'), outage(),
     ["{root}/network/network.toml:18: operation.trip_loading", "valid number"]),
    ("network-toml-status-not-a-date", sub(NT, 'valid_to = "2026-12-31"', 'valid_to = "soon"'),
     outage(), ["{root}/network/network.toml:14: status.valid_to", "ISO date"]),
    ("network-toml-no-name", sub(NT, 'name = "tiny"', ""), outage(),
     ["{root}/network/network.toml", "missing key 'name'"]),
    # ensemble resume
    ("ensemble-resume-damaged-manifest", lambda r: (damaged_part(r), (
        r / ".eout.gridmodel-partial" / "manifest.json").write_text("{bad", encoding="utf-8")),
     ensemble("--resume"), ["{root}/.eout.gridmodel-partial/manifest.json:1: ensemble manifest "
                            "is not valid JSON"]),
    ("ensemble-resume-other-n", damaged_part, lambda r: [
        "ensemble", r / PA, "-n", "3", "--out", r / "eout", "--quiet", "--resume"],
     ["cannot resume in {root}/eout: n differs (folder: 2, now: 3)"]),
    ("ensemble-resume-weather-changed", lambda r: (damaged_part(r), weather_values("-25.0")(r)),
     ensemble("--resume"), ["cannot resume in {root}/eout: input(s) changed since its first "
                            "part ['{root}/weather.csv']"]),
    ("ensemble-resume-weather-zone-changed", lambda r: (
        damaged_part(r), sub(WM, 'tz = "Europe/Kyiv"', 'tz = "Europe/Warsaw"')(r)),
     ensemble("--resume"), ["cannot resume in {root}/eout: input(s) changed since its first "
                            "part ['{root}/weather.meta.toml']"]),
    ("ensemble-resume-other-seed", damaged_part, ensemble("--resume", "--seed", "4"),
     ["cannot resume in {root}/eout: seed_entropy differs"]),
    # plan and rank files and options
    ("plan-toml-syntax", sub(PL, "cost = 1.0e6", "cost = "), plan(),
     ["{root}/plan.toml", "TOML syntax error"]),
    ("plan-unknown-plan-key", sub(PL, "price_year = 2026", "price_year = 2026\ncolour = 1"),
     plan(), ["{root}/plan.toml:9: unknown key plan.colour"]),
    ("plan-unknown-intervention-key", sub(PL, "cost = 1.0e6", "cost = 1.0e6\ncolour = 1"),
     plan(), ["{root}/plan.toml:17: unknown key 'colour' in intervention 'protect-chp'"]),
    ("plan-unknown-site", lambda r: (r / PL).write_text(PLAN + BACKUP, encoding="utf-8"), plan(),
     ["{root}/plan.toml:22: intervention 'backup'", "unknown site 'pump:nowhere'"]),
    ("plan-unknown-district", lambda r: (r / PL).write_text(PLAN + BOILERS.format(
        district="atlantis", mw="10.0"), encoding="utf-8"), plan(),
     ["{root}/plan.toml:22: intervention 'boilers'", "unknown district 'atlantis'",
      "['north', 'south']"]),
    ("plan-negative-heat", lambda r: (r / PL).write_text(PLAN + BOILERS.format(
        district="north", mw="-10.0"), encoding="utf-8"), plan(),
     ["{root}/plan.toml:23: intervention 'boilers'", "heat_mw [MW] must be > 0"]),
    ("plan-negative-crews", lambda r: (r / PL).write_text(
        PLAN + '\n[[intervention]]\nid = "crews"\nkind = "restart_crews"\nlabel = "x"\n'
        "crews = -2\n", encoding="utf-8"), plan(),
     ["{root}/plan.toml:22: intervention 'crews'", "crews must be a whole number > 0"]),
    ("plan-no-base-scenario", sub(PL, 'scenario = "scenario.toml"\n', ""),
     lambda r: ["plan", "--interventions", r / PL, "--out", r / "pout"],
     ["no base scenario", "{root}/plan.toml"]),
    ("plan-base-scenario-missing", sub(PL, '"scenario.toml"', '"nowhere.toml"'),
     lambda r: ["plan", "--interventions", r / PL, "--out", r / "pout"],
     ["scenario file {root}/nowhere.toml does not exist"]),
    ("plan-seed-negative", nothing, plan("--seed", "-5"), ["seed=-5", ">= 0"]),
    ("plan-horizon-longer", nothing, plan("--horizon-h", "100"),
     ["horizon_h 100 must be a whole number of hours from 1 to the horizon_h 48 of "
      "{root}/scenario.toml"]),
    ("rank-horizon-1e8", nothing, rank("--horizon-h", "100000000"),
     ["horizon_h 100000000 must be", "{root}/scenario.toml"]),
    # validate
    ("validate-report-unknown-key", lambda r: event(r, "\ncolour = 1\n"),
     command("validate", "ROOT/ev", "--out", "ROOT/vout"),
     ["{root}/ev/reported.toml:", "unknown key 'colour'"]),
    ("validate-score-in-percent", lambda r: event(r, "\n[score]\npeak_rel_tol = 10\n"
                                                  "milestone_factor = 1.5\n"),
     command("validate", "ROOT/ev", "--out", "ROOT/vout"),
     ["{root}/ev/reported.toml:", "score.peak_rel_tol", "less than or equal to 1"]),
    ("validate-figure-outside-the-run", lambda r: event_run(r, FIGURE.format(
        time="2026-03-16T10:00:00+02:00", extra="")),
     command("validate", "ROOT/ev", "--out", "ROOT/vout"),
     ["{root}/ev/reported.toml: figure 2 (milestone 100 at 2026-03-16T08:00:00+00:00) lies "
      "outside the run period"]),
    ("validate-unknown-reliability", lambda r: event(r, FIGURE.format(
        time="2026-02-04T10:00:00+02:00", extra='reliability = "Z"\n')),
     command("validate", "ROOT/ev", "--out", "ROOT/vout"),
     ["{root}/ev/reported.toml:", "reliability"]),
    ("validate-event-twice", lambda r: event_run(r, ""),
     command("validate", "ROOT/ev", "ROOT/ev", "--out", "ROOT/vout"),
     ["event '{root}/ev' is given twice"]),
    ("validate-report-syntax", lambda r: event(r, "\nx = \n"),
     command("validate", "ROOT/ev", "--out", "ROOT/vout"),
     ["{root}/ev/reported.toml", "TOML syntax error"]),
    # --out below a file, on every command that writes a folder
    ("outage-out-below-a-file", nothing, outage("--out", "ROOT/strikes.csv/out"),
     ["{root}/strikes.csv, which is a file"]),
    ("ensemble-out-below-a-file", nothing, lambda r: [
        "ensemble", r / PA, "-n", "2", "--out", r / ST / "eout"],
     ["{root}/strikes.csv, which is a file"]),
    ("plan-out-below-a-file", nothing, lambda r: [
        "plan", r / SC, "--interventions", r / PL, "--out", r / ST / "pout"],
     ["{root}/strikes.csv, which is a file"]),
    ("rank-out-below-a-file", nothing, lambda r: ["rank", r / SC, "--out", r / ST / "rout"],
     ["{root}/strikes.csv, which is a file"]),
    ("validate-out-below-a-file", nothing,
     command("validate", "kyiv-2026-02-03", "--out", "ROOT/strikes.csv/vout"),
     ["{root}/strikes.csv, which is a file"]),
    ("reproduce-out-below-a-file", nothing,
     command("reproduce", "kyiv-2026-02-03", "--out", "ROOT/strikes.csv/rep"),
     ["{root}/strikes.csv, which is a file"]),
]


#: cases whose rule is the first check of the chain (the strike times against the run
#: period, :func:`gridmodel.outage.timeline.simulate_outages`): the chain is entered
CHAIN_CHECKS = {"scenario-strike-before-start"}


def _no_model(monkeypatch) -> None:
    """The model's chain raises: a case must fail before any work."""
    def ran(*args, **kwargs):
        raise AssertionError("the model ran on a bad input")

    # the scenario module first: importing it binds pipeline.run_chain
    monkeypatch.setattr("gridmodel.studies.scenario.run_chain", ran)
    monkeypatch.setattr("gridmodel.pipeline.run_chain", ran)


@pytest.mark.parametrize(("case", "edit", "cmd", "names"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_naming_the_culprit(tmp_path, monkeypatch, case, edit, cmd, names):
    if case not in CHAIN_CHECKS:
        _no_model(monkeypatch)
    root = make_root(tmp_path)
    edit(root)
    before, entries = _tree(tmp_path), sorted(root.iterdir())
    res = CliRunner().invoke(main, [str(a).replace("ROOT", str(root)) for a in cmd(root)])
    assert res.exit_code == 2, (res.output, res.exception)
    assert res.stderr.startswith("error:"), res.stderr
    assert "Traceback" not in res.output
    for s in names:
        assert s.replace("{root}", str(root)) in res.stderr, (s, res.stderr)
    assert _tree(tmp_path) == before
    assert sorted(root.iterdir()) == entries  # no output folder, nothing removed


def test_ids_are_distinct():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_the_valid_copy_is_accepted(tmp_path):
    """Every edit above breaks a copy that is otherwise valid: the unbroken inputs load."""
    from gridmodel.strikes.patterns import load_pattern
    from gridmodel.studies.scenario import load_scenario

    root = make_root(tmp_path)
    res = CliRunner().invoke(main, [str(a) for a in outage()(root)])
    assert res.exit_code == 0, res.output
    assert load_scenario(root / SC).horizon_h == 48
    assert load_pattern(root / PA).salvo["drone"] == 2
