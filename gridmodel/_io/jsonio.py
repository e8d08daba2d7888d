"""JSON output of summaries: numpy scalars, arrays, dates and paths as JSON values."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd


def to_jsonable(o):
    """``json.dumps(default=...)`` hook: numbers stay numbers, times become ISO strings.

    Raises
    ------
    TypeError
        For anything else, so a summary never silently turns a value into its ``str``.
    """
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, pd.Timestamp | dt.datetime | dt.date):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    msg = f"not JSON serialisable: {type(o).__name__}"
    raise TypeError(msg)


def write_json(obj, path: str | Path) -> Path:
    """Write ``obj`` as indented UTF-8 JSON with :func:`to_jsonable` for numpy and times."""
    path = Path(path)
    path.write_text(json.dumps(obj, indent=2, default=to_jsonable) + "\n", encoding="utf-8")
    return path
