"""Summaries keep numbers as JSON numbers and refuse what they cannot represent."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gridmodel._io.jsonio import to_jsonable, write_json


def test_numpy_and_times_become_json_values(tmp_path):
    obj = {"n": np.int64(3), "x": np.float64(1.5), "ok": np.bool_(True),
           "a": np.arange(3), "t": pd.Timestamp("2026-02-03T04:00+02:00"),
           "p": tmp_path}
    back = json.loads(write_json(obj, tmp_path / "s.json").read_text(encoding="utf-8"))
    assert back == {"n": 3, "x": 1.5, "ok": True, "a": [0, 1, 2],
                    "t": "2026-02-03T04:00:00+02:00", "p": str(tmp_path)}


def test_unknown_objects_are_an_error_not_text():
    with pytest.raises(TypeError, match="object"):
        to_jsonable(object())
