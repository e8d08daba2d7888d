"""The cheap "unchanged since" check of tables (gridmodel._io.content) that the compiled
network's cache and the heat layer's derived constants rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridmodel._io.content import same_content, table_content


def _frame():
    return pd.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "n": [1, 2, 3],
                         "flag": [True, False, True],
                         "k": pd.array([1, None, 3], dtype="Int64")})


def _stored(tables):
    pins: list = []
    return table_content(tables, pins), pins


def test_unchanged_tables_compare_equal():
    t = _frame()
    stored, _ = _stored([t, None])
    assert same_content(stored, table_content([t, None]))


@pytest.mark.parametrize(("col", "value"), [("id", "z"), ("x", 2.5), ("n", 7),
                                            ("flag", True), ("k", 9)])
def test_an_edit_in_place_is_seen(col, value):
    t = _frame()
    stored, _ = _stored([t])
    t.loc[1, col] = value
    assert not same_content(stored, table_content([t]))


def test_new_column_index_or_missing_table_is_seen():
    t = _frame()
    stored, _ = _stored([t])
    assert not same_content(stored, table_content([t.assign(y=0.0)]))
    assert not same_content(stored, table_content([t.set_axis([5, 6, 7])]))
    assert not same_content(stored, table_content([None]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=3), min_size=1, max_size=6), st.data())
def test_a_changed_string_cell_is_never_missed(cells, data):
    """Object cells compare by reference, the stored objects kept alive by the pins: a
    cell given a different string always changes the content."""
    t = pd.DataFrame({"s": cells, "v": np.arange(len(cells), dtype=float)})
    stored, _pins = _stored([t])
    i = data.draw(st.integers(0, len(cells) - 1))
    new = data.draw(st.text(max_size=3).filter(lambda x: x != cells[i]))
    t.loc[i, "s"] = new
    assert not same_content(stored, table_content([t]))
