"""Norms and gradient clipping (tf.norm, tf.clip_by_norm, tf.clip_by_global_norm), composed of
math ops so that gradients flow through them."""

from __future__ import annotations

import numpy as np

from ..framework.ops import Tensor, convert_to_tensor, name_scope
from . import array_ops as A
from . import math_ops as M
from ._util import norm_axes, rank
from .indexed_slices import IndexedSlices


# A sparse gradient (IndexedSlices) is clipped through its rows and stays sparse, as in TF.
def _values(t):
    return t.values if isinstance(t, IndexedSlices) else convert_to_tensor(t)


def _like(t, values):
    return IndexedSlices(values, t.indices, t.dense_shape) if isinstance(t, IndexedSlices) \
        else values


def clip_by_norm(t, clip_norm, axes=None, name: str | None = None) -> Tensor:
    """``t * clip_norm / max(||t||_2, clip_norm)``, the L2 norm taken over ``axes`` (default
    all): ``t`` is unchanged when its norm is at most ``clip_norm``.

        g = tf.clip_by_norm(g, 5.0)
    """
    with name_scope(name, "clip_by_norm", [_values(t)]) as scope:
        sparse, t = t, _values(t)
        if not t.dtype.is_floating:
            raise TypeError(f"clip_by_norm needs a floating-point tensor, got {t.dtype.name} "
                            f"({t.name})")
        cn = A.cast(convert_to_tensor(clip_norm), t.dtype)
        l2sum = M.reduce_sum(t * t, axes, keepdims=True)
        # sqrt's gradient at 0 is inf: take it on a safe value where the norm is 0.
        positive = l2sum > 0
        l2norm = M.where(positive, M.sqrt(M.where(positive, l2sum, A.ones_like(l2sum))), l2sum)
        return _like(sparse, A.identity(t * cn / M.maximum(l2norm, cn), name=scope or None))


def _check_list(t_list, fn: str) -> list:
    if isinstance(t_list, Tensor) or not isinstance(t_list, (list, tuple)):
        raise TypeError(f"`t_list` of {fn} should be a sequence of tensors. Received "
                        f"{type(t_list).__name__}.")
    return list(t_list)


def global_norm(t_list, name: str | None = None) -> Tensor:
    """sqrt(sum of the squared L2 norms of all tensors in ``t_list``); None entries are
    ignored."""
    ts = [_values(t) for t in _check_list(t_list, "global_norm") if t is not None]
    with name_scope(name, "global_norm", ts) as scope:
        if not ts:
            raise ValueError("global_norm needs at least one tensor that is not None")
        dt = ts[0].dtype
        sums = [M.reduce_sum(t * t) for t in ts]
        sums = [s if s.dtype is dt else A.cast(s, dt) for s in sums]
        return M.sqrt(M.add_n(sums), name=scope or None)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name: str | None = None):
    """Scales every tensor by ``clip_norm / max(global_norm, clip_norm)``; returns
    ``(list_clipped, global_norm)``. None entries stay None; an infinite or NaN norm gives NaN
    tensors, as in TF.

        grads, _ = tf.clip_by_global_norm(grads, 5.0)
    """
    items = _check_list(t_list, "clip_by_global_norm")
    with name_scope(name, "clip_by_global_norm", [_values(t) for t in items if t is not None]):
        if use_norm is None:
            use_norm = global_norm(items)
        use_norm = convert_to_tensor(use_norm)
        cn = A.cast(convert_to_tensor(clip_norm), use_norm.dtype)
        one = A.constant(1, dtype=use_norm.dtype)
        scale = cn * M.minimum(one / use_norm, one / cn)
        scale = M.where(M.is_finite(use_norm), scale,
                        A.constant(np.nan, dtype=use_norm.dtype))
        out = []
        for i, t in enumerate(items):
            if t is None:
                out.append(None)
                continue
            v = _values(t)
            s = scale if v.dtype is scale.dtype else A.cast(scale, v.dtype)
            out.append(_like(t, A.identity(v * s, name=f"clip_by_global_norm_{i}")))
        return out, use_norm


_INF = (np.inf, float("inf"))


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name: str | None = None,
         keep_dims=None) -> Tensor:
    """Vector norm over ``axis`` (all elements when None) or matrix norm over a pair of axes.

    Vector ``ord``: 'euclidean' (2), 1, np.inf or any p > 0. Matrix ``ord``: 'euclidean' or
    'fro' (Frobenius), 1 (max column sum), np.inf (max row sum).
    """
    if keep_dims is not None:
        keepdims = keep_dims
    x = convert_to_tensor(tensor)
    r = rank(x)
    is_matrix = isinstance(axis, (list, tuple)) and len(axis) == 2
    if axis is not None and not isinstance(axis, int) and not (
            is_matrix and len(set(axis)) == 2 and all(isinstance(a, int) for a in axis)) \
            and not (isinstance(axis, (list, tuple)) and len(axis) == 1):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, "
                         f"got {axis}")
    if is_matrix:
        if ord not in ("euclidean", "fro", 1) and ord not in _INF:
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', "
                             f"1, inf], got {ord}")
    elif not (ord == "euclidean" or ord in _INF or (
            isinstance(ord, (int, float)) and not isinstance(ord, bool) and ord > 0)):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    if r is None:
        raise ValueError(f"norm needs a tensor of known rank, got {x.name}")
    if not x.dtype.is_floating:
        raise TypeError(f"norm needs a floating-point tensor, got {x.dtype.name} ({x.name})")
    axes = norm_axes(axis, r, what="axis of norm")
    if is_matrix:
        axes = tuple(a % r for a in axis)  # keep the user's order: it decides rows/columns
    red = None if axes is None else list(axes)
    with name_scope(name, "norm", [x]):
        if ord in ("euclidean", "fro", 2):
            out = M.sqrt(M.reduce_sum(x * x, red, keepdims=True))
        elif is_matrix:
            sum_axis, max_axis = (axes[0], axes[1]) if ord == 1 else (axes[1], axes[0])
            out = M.reduce_max(M.reduce_sum(M.abs(x), sum_axis, keepdims=True), max_axis,
                               keepdims=True)
        elif ord in _INF:
            out = M.reduce_max(M.abs(x), red, keepdims=True)
        elif ord == 1:
            out = M.reduce_sum(M.abs(x), red, keepdims=True)
        else:
            p = A.constant(ord, dtype=x.dtype)
            out = M.pow(M.reduce_sum(M.pow(M.abs(x), p), red, keepdims=True),
                        A.constant(1.0 / ord, dtype=x.dtype))
        if keepdims:
            return out
        return A.reshape(out, []) if axes is None else A.squeeze(out, list(axes))
