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
    np.add.at(out, index, updates)
    return out
