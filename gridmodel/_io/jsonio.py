"""JSON files: summaries written with numpy scalars, arrays, dates and paths as JSON
values; JSON inputs (saved states, ensemble manifests) read with one error rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from gridmodel._io.tomlio import read_text
from gridmodel.errors import InputError


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


def read_json(path: str | Path, what: str, error: type[InputError] = InputError) -> dict:
    """The JSON object of ``path``, a file gridmodel wrote and reads back.

    Raises
    ------
    InputError
        (or ``error``) The file is missing or unreadable, is not JSON (a damaged or
        truncated file: the message names its line and column) or not a JSON object.
    """
    path = Path(path)
    text = read_text(path, what, error)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = (f"{path}:{exc.lineno}: {what} is not valid JSON ({exc.msg}, column "
               f"{exc.colno}): damaged or cut short? Write it again (rerun).")
        raise error(msg) from None
    if not isinstance(doc, dict):
        msg = f"{path}: {what} is a JSON {type(doc).__name__}, not an object."
        raise error(msg)
    return doc
