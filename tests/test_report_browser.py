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
