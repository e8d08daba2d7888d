"""Distinct columns, rows and strings by hashing: the de-duplication engine.

Used by :func:`gridmodel.thermal.trajectories.building_temperatures` to find the distinct
(archetype, heat on/off timeline, start temperature) combinations of many buildings; the
results are ordered as :func:`numpy.unique` orders them.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def _unique_columns(heat_on):
    """Distinct columns of a (time, building) bool matrix -> (columns, inverse).

    Columns are in the order of their bits packed big-endian along time (as
    :func:`numpy.packbits` bytes compared in order); ``inverse`` maps each building to its
    column.
    """
    first, inverse = _unique_rows(_pack_columns(np.ascontiguousarray(heat_on, dtype=np.bool_)).T)
    return heat_on[:, first], inverse


def _unique_byte_columns(codes):
    """Distinct columns of a (time, building) uint8 matrix -> (columns, inverse).

    Columns in :func:`numpy.unique` order (bytes compared in order along time): each
    column's bytes, zero-padded to whole words, read as big-endian uint64 words and
    de-duplicated by :func:`_unique_rows`.
    """
    n_t, n_b = codes.shape
    rows = np.zeros((n_b, -(-n_t // 8) * 8), dtype=np.uint8)
    rows[:, :n_t] = np.asarray(codes, dtype=np.uint8).T
    first, inverse = _unique_rows(rows.view(">u8").astype(np.uint64))
    return codes[:, first], inverse


def _unique_rows(words):
    """``numpy.unique`` of the rows of a uint64 matrix, compared word by word.

    Returns
    -------
    first : numpy.ndarray of int64
        First occurrence of each distinct row, distinct rows in increasing order.
    inverse : numpy.ndarray of int64
        Position of each row's value in ``first``.
    """
    first, inverse = _distinct_rows(words)
    # first word most significant; rows without words are all equal
    order = np.lexsort(words[first].T[::-1]) if words.shape[1] else np.arange(first.size)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], rank[inverse]


def _unique_ints(values):
    """``numpy.unique(values, return_inverse=True)`` of a 1-D array of non-negative ints.

    By hashing (one pass) rather than :func:`numpy.unique`'s stable sort of every value,
    which cost 0.75 ms on 12,000 buildings; only the distinct values are sorted.
    """
    vals = np.asarray(values, dtype=np.int64).ravel()
    first, inverse = _unique_rows(vals.astype(np.uint64).reshape(-1, 1))
    return vals[first], inverse


def _unique_strings(names):
    """``numpy.unique(names, return_inverse=True)`` of a 1-D str array, by hashing."""
    codes = np.ascontiguousarray(names).view(np.uint32).reshape(names.size,
                                                                names.dtype.itemsize // 4)
    first, inverse = _unique_rows(codes.astype(np.uint64))
    return names[first], inverse


@njit(cache=True)
def _pack_columns(heat_on):  # pragma: no cover
    """Bits of each column, hour t at bit 63 - t % 64 of word t // 64: (word, column)."""
    n_t, n_b = heat_on.shape
    words = np.zeros(((n_t + 63) // 64, n_b), dtype=np.uint64)
    for t in range(n_t):
        w = t // 64
        shift = np.uint64(63 - t % 64)
        for i in range(n_b):
            words[w, i] |= np.uint64(heat_on[t, i]) << shift
    return words


@njit(cache=True)
def _distinct_rows(words):  # pragma: no cover
    """Distinct rows of a uint64 matrix by hashing (open addressing, exact comparison).

    Returns
    -------
    first : numpy.ndarray of int64
        First row of each distinct row, in order of first appearance.
    inverse : numpy.ndarray of int64
        Distinct row of each row.
    """
    n, n_w = words.shape
    bits = 1
    while (1 << bits) < 2 * n:
        bits += 1
    mask = (1 << bits) - 1
    table = np.full(1 << bits, -1, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    inverse = np.empty(n, dtype=np.int64)
    n_d = 0
    for i in range(n):
        h = np.uint64(0x9E3779B97F4A7C15)
        for w in range(n_w):
            h = (h ^ words[i, w]) * np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
        slot = np.int64(h >> np.uint64(64 - bits))
        while True:
            d = table[slot]
            if d < 0:
                table[slot] = n_d
                first[n_d] = i
                inverse[i] = n_d
                n_d += 1
                break
            j = first[d]
            same = True
            for w in range(n_w):
                if words[j, w] != words[i, w]:
                    same = False
                    break
            if same:
                inverse[i] = d
                break
            slot = (slot + 1) & mask
    return first[:n_d], inverse
