"""Neural-network ops: softmax family, cross-entropies, in_top_k, bias_add (tf.nn.*)."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import apply_op, convert_to_tensor
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from . import array_ops as A
from . import math_ops as M
from ._util import dims, rank, require_float, same


# ---- softmax / log_softmax -----------------------------------------------------------------
def _k_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def _k_log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _g_softmax(op, dy):
    y = op.outputs[0]
    return [(dy - M.reduce_sum(dy * y, axis=-1, keepdims=True)) * y]


def _g_log_softmax(op, dy):
    y = op.outputs[0]
    return [dy - M.exp(y) * M.reduce_sum(dy, axis=-1, keepdims=True)]


def _float_infer(op):
    require_float(op.inputs[0], op.type)
    return same(op)


defop("Softmax", infer=_float_infer, kernel=_k_softmax, grad=_g_softmax)
defop("LogSoftmax", infer=_float_infer, kernel=_k_log_softmax, grad=_g_log_softmax)


def _along_axis(op_type, logits, axis, name):
    x = convert_to_tensor(logits)
    r = rank(x)
    if axis in (-1, None) or (r is not None and axis == r - 1):
        return apply_op(op_type, [x], name=name or op_type)
    perm = list(range(r))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    y = apply_op(op_type, [A.transpose(x, perm)])
    return A.transpose(y, perm, name=name)


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits)) along ``axis`` (the last by default)."""
    return _along_axis("Softmax", logits, dim if axis is None else axis, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    return _along_axis("LogSoftmax", logits, dim if axis is None else axis, name)


# ---- cross-entropies -----------------------------------------------------------------------
def _sparse_xent_infer(op):
    logits, labels = op.inputs
    require_float(logits, op.type)
    if not labels.dtype.is_integer:
        raise TypeError(f"labels must be int32 or int64, got {labels.dtype.name} "
                        f"({labels.name})")
    ld, yd = dims(logits), dims(labels)
    if ld is not None and len(ld) != 2:
        raise ValueError(f"logits must be 2-D [batch_size, num_classes], got shape "
                         f"{logits.shape}")
    if yd is not None and len(yd) != 1:
        raise ValueError(f"labels must be 1-D [batch_size] (class indices), got shape "
                         f"{labels.shape}")
    if ld is not None and yd is not None and None not in (ld[0], yd[0]) and ld[0] != yd[0]:
        raise ValueError(f"logits and labels must have the same first dimension, got logits "
                         f"shape {logits.shape} and labels shape {labels.shape}")
    n = ld[0] if ld is not None else (yd[0] if yd is not None else None)
    if n is None and yd is not None:
        n = yd[0]
    return [(logits.dtype, [n]), (logits.dtype, TensorShape(ld) if ld else [n, None])]


def _k_sparse_xent(logits, labels):
    n, k = logits.shape
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = labels[(labels < 0) | (labels >= k)][0]
        raise errors.InvalidArgumentError(
            None, None, f"Received a label value of {bad} which is outside the valid range of "
            f"[0, {k}). Label values: {' '.join(map(str, labels[:20]))}")
    if labels.shape[0] != n:
        raise errors.InvalidArgumentError(
            None, None, f"logits and labels must have the same first dimension, got logits "
            f"shape {logits.shape} and labels shape {labels.shape}")
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = np.log(s[:, 0]) - z[rows, labels]
    e /= s
    e[rows, labels] -= 1
    return loss, e


def _g_sparse_xent(op, dloss, dbackprop):
    if dbackprop is not None:
        raise LookupError("Second derivatives of sparse_softmax_cross_entropy_with_logits are "
                          "not supported")
    return [A.expand_dims(dloss, -1) * op.outputs[1], None]


defop("SparseSoftmaxCrossEntropyWithLogits", infer=_sparse_xent_infer, kernel=_k_sparse_xent,
      grad=_g_sparse_xent)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    """Per-example cross-entropy between integer class ``labels`` and unscaled ``logits``."""
    if _sentinel is not None:
        raise ValueError("Only call sparse_softmax_cross_entropy_with_logits with named "
                         "arguments (labels=..., logits=...)")
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be given")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels)
    if rank(labels) is not None and rank(logits) is not None and rank(logits) != 2:
        # [d0, ..., C] logits with [d0, ...] labels: flatten, then restore the shape.
        flat_logits = A.reshape(logits, [-1, dims(logits)[-1]])
        flat_labels = A.reshape(labels, [-1])
        loss, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", [flat_logits, flat_labels])
        return A.reshape(loss, A.shape(labels), name=name)
    loss, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", [logits, labels],
                       name=name or "SparseSoftmaxCrossEntropyWithLogits")
    return loss


def _xent_infer(op):
    logits, labels = op.inputs
    require_float(logits, op.type)
    if labels.dtype is not logits.dtype:
        raise TypeError(f"labels ({labels.dtype.name}) and logits ({logits.dtype.name}) must "
                        "have the same dtype")
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must have the same shape, got logits shape "
                         f"{logits.shape} and labels shape {labels.shape}")
    d = dims(logits)
    return [(logits.dtype, [None] if d is None else d[:-1]), (logits.dtype, logits.shape)]


def _k_xent(logits, labels):
    z = logits - logits.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    logp = z - lse
    loss = -(labels * logp).sum(axis=-1)
    return loss, np.exp(logp) * labels.sum(axis=-1, keepdims=True) - labels


def _g_xent(op, dloss, dbackprop):
    if dbackprop is not None:
        raise LookupError("Second derivatives of softmax_cross_entropy_with_logits are not "
                          "supported")
    logits, labels = op.inputs
    d = A.expand_dims(dloss, -1)
    return [d * op.outputs[1], d * -log_softmax(logits)]


defop("SoftmaxCrossEntropyWithLogits", infer=_xent_infer, kernel=_k_xent, grad=_g_xent)


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=-1,
                                         name=None, dim=None):
    """Cross-entropy between probability ``labels`` (e.g. one-hot) and ``logits``."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("Call softmax_cross_entropy_with_logits with named arguments "
                         "labels=... and logits=...")
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=logits.dtype) if not hasattr(labels, "dtype") \
        else convert_to_tensor(labels)
    if labels.dtype is not logits.dtype:
        labels = A.cast(labels, logits.dtype)
    loss, _ = apply_op("SoftmaxCrossEntropyWithLogits", [logits, labels],
                       name=name or "softmax_cross_entropy_with_logits")
    return loss


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """TF1's version: no gradient flows into ``labels``."""
    if labels is not None and not isinstance(labels, (int, float)):
        labels = A.stop_gradient(convert_to_tensor(labels))
    return softmax_cross_entropy_with_logits_v2(_sentinel, labels, logits, name=name)


# ---- in_top_k ------------------------------------------------------------------------------
def _in_top_k_infer(op):
    p, t = op.inputs
    if not t.dtype.is_integer:
        raise TypeError(f"targets must be int32 or int64, got {t.dtype.name}")
    pd = dims(p)
    if pd is not None and len(pd) != 2:
        raise ValueError(f"predictions must be 2-D, got shape {p.shape}")
    return dtypes.bool, [None if pd is None else pd[0]]


def _k_in_top_k(predictions, targets, k):
    n, c = predictions.shape
    if targets.size and (targets.min() < 0 or targets.max() >= c):
        return np.zeros(n, dtype=bool)
    target_vals = predictions[np.arange(n), targets]
    better = (predictions > target_vals[:, None]).sum(axis=1)
    return (better < k) & np.isfinite(target_vals)


defop("InTopK", infer=_in_top_k_infer, kernel=_k_in_top_k, not_differentiable=True)


def in_top_k(predictions, targets, k, name=None):
    """Whether each target class is among the top ``k`` predictions (ties count as in)."""
    return apply_op("InTopK", [convert_to_tensor(predictions), convert_to_tensor(targets)],
                    {"k": int(k)}, name=name or "in_top_k")


# ---- bias_add ------------------------------------------------------------------------------
def _bias_infer(op):
    x, b = op.inputs
    if b.dtype is not x.dtype:
        raise TypeError(f"bias dtype {b.dtype.name} does not match value dtype {x.dtype.name}")
    if rank(b) not in (None, 1):
        raise ValueError(f"bias must be 1-D, got shape {b.shape}")
    xd, bd = dims(x), dims(b)
    if xd is not None and bd is not None and xd[-1] is not None and bd[0] is not None \
            and xd[-1] != bd[0]:
        raise ValueError(f"Dimensions must be equal, but are {xd[-1]} and {bd[0]}")
    return same(op)


def _g_bias_add(op, dy):
    r = rank(dy)
    axes = list(range(r - 1)) if r is not None else None
    return [dy, M.reduce_sum(dy, axis=axes) if axes is not None else
            A.unbroadcast(dy, op.inputs[1])]


defop("BiasAdd", infer=_bias_infer, kernel=np.add, grad=_g_bias_add)


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with ``bias`` 1-D along the last dimension."""
    value = convert_to_tensor(value)
    bias = convert_to_tensor(bias, dtype=value.dtype)
    return apply_op("BiasAdd", [value, bias], name=name or "BiasAdd")
