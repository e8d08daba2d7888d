"""``benchmarks/bench_ensemble.py --stages K`` (the stage table of docs/ensembles.md) times
every step it names: each patched function is the one the chain reaches. A step the chain
stops reaching by that name (a caller that imports it another way, a step moved) would
print 0 calls and a quiet 0 ms; these tests fail on it instead. Times are not checked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
K = 8  # replicates 0-7 of the benchmark's seed need island LPs (2.9 a replicate, 8 Dec 2026)


def test_stages_enters_every_step_of_the_chain():
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_ensemble.py"),
                        "--n", "1", "--vs-baseline", "0", "--baseline", "0", "--floor", "0",
                        "--stages", str(K)],
                       capture_output=True, text=True, check=False, cwd=ROOT, timeout=900)
    assert p.returncode == 0, p.stderr[-2000:]
    head = re.search(rf"^stages: ([\d.]+) ms a replicate over {K} replicates", p.stdout, re.M)
    assert head, p.stdout[-2000:]
    rows = {m.group(1).strip(): (float(m.group(2)), m.group(3))
            for m in re.finditer(r"^  (.+?)\s+(-?[\d.]+) ms\s*(?:([\d.]+) calls)?$",
                                 p.stdout, re.M)}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_ensemble import STAGES
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    for *_, label in STAGES:
        assert label in rows, f"step {label!r} not printed:\n{p.stdout[-2000:]}"
        ms, calls = rows[label]
        assert ms >= 0.0, f"{label}: negative own time {ms} ms (nested steps counted twice)"
        if label == "line-limit LPs":  # several a replicate, or none
            assert float(calls) > 0, "no island LP reached through outage.fast"
        else:  # once a replicate
            assert float(calls) == 1.0, f"{label}: {calls} calls a replicate"
    assert "outside the replicates" in rows
