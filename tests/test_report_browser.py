"""End to end: a generated report.html renders in headless Chromium without console
errors, with its map and figures, and without a network connection.

Needs the Debian ``chromium`` package (``scripts/install_chromium.sh``). Skipped only when
Chromium is absent and the ``CI`` environment variable is not set; in CI it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import gridmodel
from gridmodel.heat.layer import load_layer
from gridmodel.report.html import write_report

matplotlib.use("Agg", force=True)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--enable-logging=stderr", "--v=0"]


def chromium() -> str:
    for c in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if c and os.access(c, os.X_OK):
            return c
    if os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: run scripts/install_chromium.sh first")
    pytest.skip("chromium is not installed (/usr/bin/chromium missing; run "
                "scripts/install_chromium.sh); the browser test needs it")
    return ""  # pragma: no cover


def run(exe: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    ud = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    ud.mkdir()
    return subprocess.run([exe, *FLAGS, f"--user-data-dir={ud}", *args], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    import matplotlib.pyplot as plt

    tmp = tmp_path_factory.mktemp("report")
    fig, ax = plt.subplots(figsize=(4, 2.5))
    ax.plot(range(10), [x * x for x in range(10)])
    ax.set_title("test figure")
    fig.savefig(tmp / "fig.png")
    plt.close(fig)
    net = gridmodel.load_network("ukraine", status_date="2026-02-02")
    times = pd.date_range("2026-02-03T00:00+02:00", periods=24, freq="h")
    rows = [{"time": t, "district": d, "buildings_without_heat": (i * k) % 300,
             "people_without_heat": 50 * ((i * k) % 300)}
            for k, d in enumerate(["holosiivskyi", "darnytskyi", "desnianskyi", "dniprovskyi",
                                   "obolonskyi", "pecherskyi", "podilskyi", "sviatoshynskyi",
                                   "solomianskyi", "shevchenkivskyi"], start=1)
            for i, t in enumerate(times)]
    dark = {t.isoformat(): (["bus:pivnichna-330"] if i > 3 else []) for i, t in
            enumerate(times)}
    return write_report(
        tmp, title="Browser test report", scenario={"name": "browser-test"},
        summary={"buildings_without_heat_peak": 1234},
        figures=[tmp / "fig.png"], tables={"t": pd.DataFrame({"a": [1, 2]})}, network=net,
        struck_assets=["plant:darnytsia-chp-4", "sub:pivnichna"], dark_buses=dark,
        heat_frames=pd.DataFrame(rows), illustrative=["everything here [C]"],
        provenance={"seed": 1},
        # named: Kharkiv's layer also has a shevchenkivskyi district (the report's fallback
        # takes the first built-in layer naming one of the frame's districts)
        heat_layer=load_layer("kyiv"))


def test_renders_without_console_errors(report, tmp_path):
    exe = chromium()
    res = run(exe, tmp_path, "--dump-dom", report.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    console = [ln for ln in res.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == [], "\n".join(console)
    # the inline script ran to its end
    assert 'data-report-ready="1"' in dom
    # map: network and districts drawn, district labels updated by the script
    assert 'id="map-network"' in dom
    assert 'id="map-kyiv"' in dom
    assert dom.count('class="bus"') > 100
    assert 'class="struck"' in dom
    assert re.search(r'id="slider-label"[^>]*>[^<]*buildings without heat: \d+', dom)
    # figures embedded as data URIs
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', dom)) == 1
    # no request leaves the file
    assert not re.search(r'(?:src|href)="https?://', dom)


def test_screenshot(report, tmp_path):
    exe = chromium()
    shot = tmp_path / "report.png"
    res = run(exe, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
              "--hide-scrollbars", report.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.is_file()
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank image


# ------------------------------------------------------------- the findings box, per command
VIEWPORT = (1280, 800)


def rendered(exe: str, tmp: Path, page: Path, name: str) -> str:
    """The DOM of ``page`` after its script ran in a 1280 x 800 window; fails on console
    messages; saves a screenshot ``<name>.png`` of the first viewport in ``tmp``."""
    size = f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}"
    res = run(exe, tmp, "--dump-dom", size, page.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    console = [ln for ln in res.stderr.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    assert console == [], "\n".join(console)
    assert 'data-report-ready="1"' in res.stdout
    shot = tmp / f"{name}.png"
    shown = run(exe, tmp, f"--screenshot={shot}", size, "--hide-scrollbars", page.as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    return res.stdout


def box_in_first_viewport(dom: str) -> None:
    """The findings box, as measured by the page's script, lies in the first viewport."""
    m = re.search(r'data-findings-box="(-?\d+),(-?\d+),(-?\d+),(-?\d+),(\d+),(\d+)"', dom)
    assert m is not None, "the page did not measure its findings box"
    left, top, right, bottom, width, _ = map(int, m.groups())
    # the layout depends on the width only (the page uses no vh units); --dump-dom's window
    # keeps room for browser chrome, so its inner height is below the screenshot's 800 px
    assert width == VIEWPORT[0]
    assert 0 <= left < right <= width
    assert 0 <= top < bottom <= VIEWPORT[1], f"findings box ends at y = {bottom} px"


def stated(dom: str) -> dict[str, str]:
    """``data-finding`` -> ``data-value`` inside the findings box of the rendered DOM."""
    start = dom.index('id="key-findings"')
    box = dom[start:dom.index("</section>", start)]
    return dict(re.findall(r'data-finding="([^"]+)" data-value="([^"]*)"', box))


def local(iso: str, tz: str) -> str:
    return pd.Timestamp(iso).tz_convert(tz).strftime("%Y-%m-%d %H:%M")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    from tiny_runs import TWO_STRIKES, tiny_run

    tmp = tmp_path_factory.mktemp("run")
    tiny_run(tmp, TWO_STRIKES)
    return tmp / "out"


def test_run_findings_first_and_equal_to_summary_json(run_folder, tmp_path):
    import json

    from gridmodel.heat.layer import load_layer

    exe = chromium()
    dom = rendered(exe, tmp_path, run_folder / "report.html", "run")
    box_in_first_viewport(dom)
    f = stated(dom)
    s = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))
    h = s["heat"]
    layer = load_layer(run_folder.parent / "tiny" / "heat")
    tz = layer.meta["tz"]
    assert int(f["peak-buildings"]) == h["buildings_without_heat_peak"]
    assert int(f["peak-people"]) == h["people_without_heat_peak"]
    assert f["peak-time"] == local(h["buildings_without_heat_peak_time"], tz)
    names = dict(zip(layer.districts["district"], layer.districts["name"], strict=True))
    assert set(f["districts"].split("|")) == {names[d] for d, n in
                                             h["by_district_at_peak"].items() if n > 0}
    assert int(f["end-buildings"]) == h["buildings_without_heat_end"]
    # heat returns: the last hour above the no-strike baseline, plus one (hourly output)
    hourly = pd.read_parquet(run_folder / "heat_hourly.parquet")
    total = hourly.groupby("time")["buildings_without_heat"].sum()
    # the tiny data without strikes: supply above demand every hour, nobody off heat
    assert int(f["baseline-peak-buildings"]) == 0
    last = total[total > 0].index.max()
    assert f["heat-returns"] == local((last + pd.Timedelta(hours=1)).isoformat(), tz)
    # and the box states what summary.json's findings say
    sf = s["findings"]["cities"][0]
    assert f["heat-returns"] == sf["heat_returns_local"]
    assert int(f["peak-buildings"]) == sf["peak_buildings"]
    assert f["peak-time"] == sf["peak_time_local"]
    assert set(f["districts"].split("|")) == {d["district"] for d in sf["districts_at_peak"]}


def test_rank_findings_first_and_equal_to_criticality_json(tmp_path):
    """``gridmodel rank`` on the tiny scenario: the most critical asset by name, the path
    that makes it critical, the worst set's peak (baseline + its increase) and the merged
    CHP rows (plant and heat source of one asset once)."""
    import json

    from click.testing import CliRunner
    from tiny_runs import TINY

    from gridmodel.cli.plan import rank_command

    exe = chromium()
    out = tmp_path / "rank"
    r = CliRunner().invoke(rank_command, [str(TINY / "scenario.toml"), "--out", str(out),
                                          "-k", "2", "--pool", "4", "--exact-pool", "4",
                                          "--quiet"])
    assert r.exit_code == 0, r.output
    dom = rendered(exe, tmp_path, out / "report.html", "rank")
    box_in_first_viewport(dom)
    f = stated(dom)
    s = json.loads((out / "criticality.json").read_text(encoding="utf-8"))
    worst = s["worst_sets"][-1]
    assert f["worst-set"] == worst["assets"]
    assert int(f["peak-buildings"]) == round(s["baseline"]["buildings_without_heat"]
                                             + worst["buildings_without_heat"])
    # the box states criticality.json's findings, the return of heat judged against the
    # no-loss baseline
    assert f["heat-returns"] == s["findings"]["heat-returns"]
    assert f["districts"] == s["findings"]["districts"]
    assert f["peak-time"] == s["findings"]["peak-time"]
    assert f["top-asset"].split(" + ")[0] == s["top"][0]["asset_id"]
    assert float(f["top-buildings"]) == s["top"][0]["buildings_without_heat"]
    ranking = pd.read_csv(out / "ranking.csv")
    top_name = ranking.loc[ranking["asset_id"] == s["top"][0]["asset_id"], "name"].iloc[0]
    assert f"Most critical alone: {top_name}" in dom
    # the tiny CHP's plant and heat-source rows are one row of the report's table
    assert "plant:tiny-chp + heat:tiny-chp" in dom
    assert re.search(r"-&gt; heat sources down: Tiny CHP -&gt; 1 zone\(s\), 8 buildings", dom)


def test_compare_findings_first_and_equal_to_summary_csv(tmp_path):
    """``gridmodel compare`` of two patterns: medians per pattern as in summary.csv and
    the paired differences of the same replicates (replicates.parquet)."""
    from click.testing import CliRunner

    from gridmodel.cli.ensemble import compare_command

    exe = chromium()
    files = []
    for doctrine in ("heat_source_first", "substation_first"):
        p = tmp_path / f"{doctrine}.toml"
        p.write_text(f'name = "{doctrine}"\n[salvo]\ncruise = 3\ndrone = 10\n'
                     '[night]\nfirst = 2026-02-03T01:00:00+02:00\n'
                     'last = 2026-02-03T03:00:00+02:00\n'
                     f'[doctrine]\npreset = "{doctrine}"\n'
                     '[run]\nstart = 2026-02-03T00:00:00+02:00\nhorizon_h = 6\n')
        files.append(str(p))
    out = tmp_path / "cmp"
    r = CliRunner().invoke(compare_command, [*files, "-n", "4", "--out", str(out), "--seed",
                                             "2", "--quiet"])
    assert r.exit_code == 0, r.output
    dom = rendered(exe, tmp_path, out / "report.html", "compare")
    box_in_first_viewport(dom)
    f = stated(dom)
    table = pd.read_csv(out / "summary.csv")
    peak = table[table["metric"] == "buildings_without_heat_peak"]
    assert {k: float(v) for k, v in (x.split("=") for x in f["peak-buildings"].split("|"))} \
        == {r.pattern: pytest.approx(r.median) for r in peak.itertuples()}
    frame = pd.read_parquet(out / "replicates.parquet")
    a, b = (frame[frame["pattern"] == p].set_index("replicate")["buildings_without_heat_peak"]
            for p in ("heat_source_first", "substation_first"))
    assert float(f["paired-substation_first"]) == float(np.median(b - a))
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', dom)) >= 2  # paired plot


def test_plan_findings_first_and_equal_to_plan_json(tmp_path):
    """``plan`` with the cheap runner (tests/cheap_plan.py: metric values made up from the
    night's strikes and the crews; the report must state plan.json's figures)."""
    import json

    from cheap_plan import EX, CheapPlanRunner

    from gridmodel.studies.planning.evaluate import run_plan

    exe = chromium()
    out = tmp_path / "plan"
    run_plan(None, EX / "kyiv_winter_plan.toml", 3, out, runner=CheapPlanRunner(),
             progress=False)
    dom = rendered(exe, tmp_path, out / "report.html", "plan")
    box_in_first_viewport(dom)
    f = stated(dom)
    s = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    m = s["primary_metric"]
    assert f["best"] == s["best_per_cost"]["variant"]
    assert float(f["avoided"]) == pytest.approx(s["best_per_cost"][f"avoided_{m}"])
    assert float(f["baseline"]) == pytest.approx(s["baseline_mean"][m])
    ranking = pd.read_csv(out / "ranking.csv")
    assert f["top"].split("|") == ranking["variant"].head(3).tolist()
