"""Golden outputs of every shipped example: capture them, or check the code against them.

A refactor that does not change a rule must leave every output value identical. This
script runs each shipped example through the command line (``gridmodel run``,
``outage``, ``ensemble``, ``plan``, ``rank``) into a temporary folder and reduces every
output file to a fingerprint: JSON values as they are (minus wall-clock timings and
absolute paths), every Parquet/CSV frame as its shape, column names, dtypes and one
SHA-256 per column over its values (floats rounded to 8 decimals and 10 significant
digits first: :data:`DECIMALS`, :data:`SIGNIFICANT`). ``tests/golden/outputs.json``
holds the fingerprints of the last deliberate rule change; ``tests/test_golden.py``
compares against it.

Usage::

    python scripts/golden.py --check          # compare (exit 1 and list differences)
    python scripts/golden.py --update         # after a deliberate rule change: rewrite

A rule change that moves an output is named in the commit that runs ``--update``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "outputs.json"
EX = ROOT / "examples"

#: name -> gridmodel command-line arguments (the output folder is appended)
CASES = {
    "run_kyiv_2026_02_03": ["run", str(EX / "kyiv_2026_02_03.toml")],
    "run_kyiv_2026_02_03_all": ["run", str(EX / "kyiv_2026_02_03_all.toml")],
    "outage_kyivska_750": ["outage", str(EX / "strikes" / "kyivska_750.csv"),
                           "--status-date", "2026-01-15"],
    "outage_npp_750_fast": ["outage", str(EX / "strikes" / "npp_750_substations.csv"),
                            "--status-date", "2026-01-15", "--engine", "fast"],
    "outage_kyiv_2026_02_03_dc": ["outage", str(EX / "strikes" / "kyiv_2026_02_03.csv"),
                                  "--status-date", "2026-02-02", "--dc"],
    "ensemble_compare_30": ["compare", *(str(p) for p in sorted(
        (EX / "patterns").glob("*.toml"))), "-n", "30", "--seed", "7", "--quiet"],
    "plan_kyiv_winter_4": ["plan", "--interventions",
                           str(EX / "planning" / "kyiv_winter_plan.toml"), "-n", "4",
                           "--horizon-h", "96", "--quiet"],
    "validate_catalogue": ["validate"],
    "rank_kyiv_2026_02_03": ["rank", str(EX / "kyiv_2026_02_03.toml"), "--horizon-h", "72",
                             "--hourly", "--pool", "8", "--exact-pool", "5", "-k", "2",
                             "--quiet"],
}

#: keys added by the redesign beside the old key they alias (old key -> new key); the old
#: key keeps its value, so the golden records stay as captured
ADDED = {"kyiv_load_shed_mw_peak": "city_load_shed_mw_peak"}

#: keys dropped from JSON outputs: wall-clock figures and machine paths; ``hashes`` are
#: the SHA-256 of the input files, which change whenever a data file gains a documented
#: field (a time zone, a supply-area rule) without any output changing
VOLATILE = {"hashes", "timings_s", "file", "created", "elapsed_s", "wall_s", "python", "platform",
            "out", "path", "folder", "scenario_file", "plan_file", "pattern_file",
            "started", "finished", "replicates_per_s", "versions", "git"}


#: floats are compared after rounding to this many decimals and significant digits: a
#: refactor leaves values identical, while the last bits of a float may differ between
#: machines (BLAS and SIMD paths), which is not a rule change
DECIMALS = 8
SIGNIFICANT = 10


def _rounded(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to :data:`DECIMALS` decimals, then to :data:`SIGNIFICANT` digits."""
    x = np.round(np.asarray(x, dtype=float), DECIMALS)
    finite = np.isfinite(x) & (x != 0)
    mag = np.zeros_like(x)
    mag[finite] = np.floor(np.log10(np.abs(x[finite])))
    scale = 10.0 ** (SIGNIFICANT - 1 - mag)
    out = np.where(finite, np.round(x * scale) / scale, x)
    return out + 0.0  # -0.0 -> 0.0


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in sorted(obj.items()) if k not in VOLATILE}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, str) and (obj.startswith("/") or obj.startswith(str(ROOT))):
        return Path(obj).name
    if isinstance(obj, float):
        return repr(float(_rounded(np.array([obj]))[0]))
    return obj


def _frame_print(df: pd.DataFrame) -> dict:
    cols = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(str)
        elif pd.api.types.is_float_dtype(s.dtype):
            s = pd.Series(_rounded(s.to_numpy()), dtype=s.dtype)
        h = hashlib.sha256(pd.util.hash_pandas_object(s, index=False).to_numpy().tobytes())
        cols[str(c)] = h.hexdigest()[:16]
    return {"shape": list(df.shape), "dtypes": [str(t) for t in df.dtypes], "columns": cols}


def fingerprint(folder: Path) -> dict:
    """Fingerprint of every data file below ``folder`` (paths relative to it)."""
    out = {}
    for f in sorted(folder.rglob("*")):
        if not f.is_file():
            continue
        rel = str(f.relative_to(folder))
        if f.suffix == ".json":
            out[rel] = _clean(json.loads(f.read_text(encoding="utf-8")))
        elif f.suffix == ".parquet":
            out[rel] = _frame_print(pd.read_parquet(f))
        elif f.suffix == ".csv":
            out[rel] = _frame_print(pd.read_csv(f))
    return out


def capture(names=None) -> dict:
    """Run the cases and return their fingerprints."""
    exe = Path(sys.executable).parent / "gridmodel"
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in CASES.items():
            if names and name not in names:
                continue
            out = Path(tmp) / name
            env = dict(os.environ, PYTHONHASHSEED="0")
            p = subprocess.run([str(exe), *args, "--out", str(out)], capture_output=True,
                               text=True, env=env, cwd=ROOT, check=False)
            if p.returncode != 0:
                msg = f"{name}: exit {p.returncode}\n{p.stderr[-3000:]}"
                raise RuntimeError(msg)
            result[name] = fingerprint(out)
    return result


def diff(a, b, path="") -> list[str]:
    """Readable differences between two fingerprints."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                if k not in ADDED.values():
                    out.append(f"{path}/{k}: new")
            elif k not in b:
                out.append(f"{path}/{k}: missing")
            else:
                out += diff(a[k], b[k], f"{path}/{k}")
        return out
    return [] if a == b else [f"{path}: {a!r} -> {b!r}"[:400]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--check", action="store_true")
    g.add_argument("--update", action="store_true")
    ap.add_argument("cases", nargs="*", help="only these cases")
    a = ap.parse_args(argv)
    now = capture(a.cases)
    if a.update:
        old = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        old.update(now)
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN} ({len(now)} cases)")
        return 0
    ref = json.loads(GOLDEN.read_text())
    ref = _clean({k: v for k, v in ref.items() if k in now})
    d = diff(ref, _clean(now))
    for line in d:
        print(line)
    print(f"{len(d)} differences over {len(now)} cases")
    return 1 if d else 0


if __name__ == "__main__":
    raise SystemExit(main())
