"""Neural-network ops: softmax family, cross-entropies, in_top_k, bias_add (tf.nn.*)."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import apply_op, convert_to_tensor, name_scope
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


# ---- dropout -------------------------------------------------------------------------------
def _dropout_infer(op):
    x, rate = op.inputs
    ns = op.attrs["noise_shape"]
    return [same(op), (x.dtype, x.shape if ns is None else [None if d < 0 else d for d in ns])]


def _dropout_bind(op, session):
    rng = session._rng(op)
    ns = op.attrs["noise_shape"]
    draw_dtype = np.float64 if op.inputs[0].dtype.np == np.float64 else np.float32

    def run(x, rate):
        if np.size(rate) != 1:
            raise errors.InvalidArgumentError(
                None, op, f"dropout rate/keep_prob must be a scalar, got shape {np.shape(rate)}")
        rate = float(np.reshape(rate, ()))
        if not 0 <= rate < 1:
            raise errors.InvalidArgumentError(
                None, op, f"dropout rate must be in [0, 1) (keep_prob in (0, 1]), got rate="
                f"{rate:g} (keep_prob={1 - rate:g}) in op '{op.name}'")
        shape = x.shape if ns is None else tuple(
            x.shape[i] if d < 0 else d for i, d in enumerate(ns))
        # Keep where u >= rate (as TF's floor(keep_prob + u)) and scale kept units by 1/keep.
        mask = (rng.random(shape, dtype=draw_dtype) >= rate).astype(x.dtype)
        mask *= np.asarray(1 / (1 - rate), dtype=x.dtype)
        return x * mask, mask
    return run


defop("Dropout", infer=_dropout_infer, bind=_dropout_bind, stateful=True,
      grad=lambda op, dy, dmask: [dy * op.outputs[1], None])


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability ``rate`` (= 1 - ``keep_prob``), scales the rest by
    1 / keep_prob. ``tf.nn.dropout(h, keep_prob)`` (TF1) and ``tf.nn.dropout(h, rate=0.5)``.
    """
    from .random_ops import get_seed
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'rate' and 'keep_prob' in tf.nn.dropout")
    if keep_prob is None and rate is None:
        raise ValueError("You must provide a rate (or keep_prob) to tf.nn.dropout")
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. "
                         f"Got a {x.dtype.name} tensor instead ({x.name}).")
    what, value = ("keep_prob", keep_prob) if keep_prob is not None else ("rate", rate)
    if isinstance(value, (int, float, np.number)):
        value = float(value)
        ok = 0 < value <= 1 if what == "keep_prob" else 0 <= value < 1
        if not ok:
            raise ValueError(f"{what} must be a scalar tensor or a float in the range "
                             f"{'(0, 1]' if what == 'keep_prob' else '[0, 1)'}, got {value:g}")
        r = 1 - value if what == "keep_prob" else value
        if r == 0:
            return x if name is None else A.identity(x, name=name)
        rate_t = A.constant(r, dtype=x.dtype)
    else:
        t = convert_to_tensor(value)
        if rank(t) not in (None, 0):
            raise ValueError(f"{what} must be a scalar tensor, got shape {t.shape} ({t.name})")
        if t.dtype is not x.dtype:
            t = A.cast(t, x.dtype)
        rate_t = (1 - t) if what == "keep_prob" else t
    if noise_shape is not None:
        if hasattr(noise_shape, "dtype"):
            from ._util import constant_value
            v = constant_value(convert_to_tensor(noise_shape))
            if v is None:
                raise TypeError("noise_shape must be known when the graph is built (a list or a "
                                "constant)")
            noise_shape = v.tolist()
        noise_shape = tuple(-1 if d is None else int(d) for d in noise_shape)
        xd = dims(x)
        if xd is not None:
            if len(noise_shape) != len(xd) or any(
                    n >= 0 and s is not None and n not in (1, s) for n, s in zip(noise_shape, xd)):
                raise ValueError(f"noise_shape {list(noise_shape)} is not broadcastable to the "
                                 f"shape of x {x.shape}")
    s1, s2 = get_seed(seed)
    y, _ = apply_op("Dropout", [x, rate_t], {"noise_shape": noise_shape, "seed": s1,
                                             "seed2": s2}, name=name or "dropout")
    return y


# ---- moments and batch normalization -------------------------------------------------------
def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of ``x`` over ``axes``; float16 is computed in float32 as TF does."""
    if keep_dims is not None:
        keepdims = keep_dims
    with name_scope(name, "moments"):
        x = convert_to_tensor(x)
        y = A.cast(x, dtypes.float32) if x.dtype is dtypes.float16 else x
        mean = M.reduce_mean(y, axis=axes, keepdims=True, name="mean")
        # The variance's gradient through the mean is zero, so stop it (fewer gradient ops).
        variance = M.reduce_mean(M.squared_difference(y, A.stop_gradient(mean)), axis=axes,
                                 keepdims=True, name="variance")
        if not keepdims:
            mean = A.squeeze(mean, axes)
            variance = A.squeeze(variance, axes)
        if x.dtype is dtypes.float16:
            mean, variance = A.cast(mean, x.dtype), A.cast(variance, x.dtype)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset (offset/scale may be None)."""
    with name_scope(name, "batchnorm"):
        x = convert_to_tensor(x)
        mean, variance = convert_to_tensor(mean), convert_to_tensor(variance)
        inv = M.rsqrt(variance + A.constant(variance_epsilon, dtype=variance.dtype))
        if scale is not None:
            inv = inv * convert_to_tensor(scale)
        shift = -mean * inv if offset is None else convert_to_tensor(offset) - mean * inv
        if inv.dtype is not x.dtype:
            inv, shift = A.cast(inv, x.dtype), A.cast(shift, x.dtype)
        return x * inv + shift
