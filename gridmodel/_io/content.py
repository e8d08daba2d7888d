"""Cheap "unchanged since" checks of pandas tables, for caches of derived constants.

A cache of what was derived from some tables (the compiled network of a net, the
constants of a heat layer) must notice a table edited in place. Hashing every cell costs
milliseconds (Kyiv's 12,000 buildings: about 13 ms); :func:`table_content` instead takes
each table's pandas blocks as raw bytes, which compare in microseconds with ``==``
(:func:`same_content`).

The bytes of an object block are the references of its cells, so equal bytes mean the
very same cell objects, provided those objects live on: ``pins`` (given when a content
is stored) keeps a copy of every object array, so no cell object of the stored content is
freed and its address reused. Equal contents mean equal tables; equal tables may compare
unequal (a new memory layout after pandas consolidates its blocks, a cell replaced by an
equal object): that costs one recomputation, never a stale answer. Mutable cells (a list
in a cell) edited in place are not seen.

This reads pandas' block manager (``DataFrame._mgr``: ``arrays``, ``blknos``,
``blklocs``), the one place in gridmodel that does; ``scripts/pandapower_range.py`` runs
the tests on the lowest and highest pandas the dependency range allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["same_content", "table_content"]


def _extension_content(values) -> tuple:
    """What :func:`table_content` compares of a pandas extension array: the values and
    mask of a masked array (``Int64``), else the cells as a list."""
    data, mask = getattr(values, "_data", None), getattr(values, "_mask", None)
    if type(data) is np.ndarray and type(mask) is np.ndarray:
        return data.tobytes(), mask.tobytes()
    return tuple(values.tolist())


def table_content(tables, pins: list | None = None) -> list:
    """The content of ``tables`` (DataFrames, or None) to compare with :func:`same_content`.

    Per table: column labels, the place of every column in pandas' blocks, and the dtype
    and raw bytes of the index and of each block (of a masked extension array, values and
    mask; of another, its cells); None for a missing table.

    Parameters
    ----------
    tables : iterable of pandas.DataFrame or None
    pins : list, optional
        Given when the content is stored for later comparisons: receives the objects the
        content refers to (keep it with the content).

    Returns
    -------
    list
    """
    out: list = []
    for tab in tables:
        if not isinstance(tab, pd.DataFrame):
            out.append(None)
            continue
        mgr = tab._mgr  # the blocks: one bytes comparison per block, not per column
        arrays = [tab.index.to_numpy(), *mgr.arrays]
        out.append(tab.columns.tolist())
        out.append(mgr.blknos.tobytes())
        out.append(mgr.blklocs.tobytes())
        out.append([a.dtype for a in arrays])
        out.append([a.tobytes() if type(a) is np.ndarray else _extension_content(a)
                    for a in arrays])
        if pins is not None:
            pins.extend(a.copy() for a in arrays
                        if type(a) is np.ndarray and a.dtype == object)
    return out


def same_content(a: list, b: list) -> bool:
    """``a == b`` for two :func:`table_content` lists; False where cells cannot be
    compared (arrays in cells)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
