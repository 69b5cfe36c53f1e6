"""Scatters into zeros: the adjoints of indexing, shared by the gradient kernels of slicing,
gather, gather_nd and pad."""

from __future__ import annotations

import numpy as np


def scatter(shape: tuple, index, updates: np.ndarray) -> np.ndarray:
    """zeros(shape) with ``out[index] = updates``: the adjoint of ``x[index]`` for an index that
    picks each element at most once (slices)."""
    out = np.zeros(shape, dtype=updates.dtype)
    out[index] = updates
    return out


def scatter_add(shape: tuple, index, updates: np.ndarray) -> np.ndarray:
    """zeros(shape) with ``updates`` added at ``index``, repeated indices accumulating (segment
    sums): the adjoint of ``x[index]`` for any integer index (gather, embedding lookups)."""
    out = np.zeros(shape, dtype=updates.dtype)
    if isinstance(index, np.ndarray):  # rows of axis 0: sorted sums beat np.add.at 3x
        rows, summed = sum_rows(index.reshape(-1), updates.reshape((-1,) + out.shape[1:]))
        out[rows] = summed
    else:
        np.add.at(out, index, updates)
    return out


def sum_rows(indices: np.ndarray, values: np.ndarray) -> tuple:
    """(distinct indices in increasing order, the rows of ``values`` summed per index): an
    IndexedSlices with its duplicates added up, as optimizers apply it."""
    order = np.argsort(indices, kind="stable")
    ordered = indices[order]
    starts = np.flatnonzero(np.r_[ordered.size > 0, ordered[1:] != ordered[:-1]])
    rows = values[order]
    return ordered[starts], (rows if starts.size == ordered.size else
                             np.add.reduceat(rows, starts, axis=0))
