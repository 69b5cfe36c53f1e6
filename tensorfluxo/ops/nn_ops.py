"""Neural-network ops: softmax family, cross-entropies, in_top_k, bias_add (tf.nn.*)."""

from __future__ import annotations

import collections

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import apply_op, convert_to_tensor, name_scope
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from ..kernels import parallel
from ..kernels import softmax as K
from . import array_ops as A
from . import math_ops as M
from ._util import defact, dims, rank, require_float, same, same_float


# ---- softmax / log_softmax -----------------------------------------------------------------
def _g_softmax(op, dy):
    y = op.outputs[0]
    return [(dy - M.reduce_sum(dy * y, axis=-1, keepdims=True)) * y]


def _g_log_softmax(op, dy):
    y = op.outputs[0]
    return [dy - M.exp(y) * M.reduce_sum(dy, axis=-1, keepdims=True)]


defop("Softmax", infer=same_float, kernel=K.softmax, grad=_g_softmax)
defop("LogSoftmax", infer=same_float, kernel=K.log_softmax, grad=_g_log_softmax)


def _along_axis(op_type, logits, axis, name):
    x = convert_to_tensor(logits)
    axis = _class_axis(op_type.lower(), x, axis)
    if axis is None:
        return apply_op(op_type, [x], name=name or op_type)
    perm = list(range(rank(x)))
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
    z, e, s = K.exp_shifted(logits)
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
    z, e, s = K.exp_shifted(logits)
    loss = -(labels * (z - np.log(s))).sum(axis=-1)
    e /= s
    return loss, e * labels.sum(axis=-1, keepdims=True) - labels


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
    axis = _class_axis("softmax_cross_entropy_with_logits", logits,
                       dim if dim is not None and axis == -1 else axis)
    if axis is not None:  # the classes' axis moves last, the others keep their order
        perm = [i for i in range(rank(logits)) if i != axis] + [axis]
        logits, labels = A.transpose(logits, perm), A.transpose(labels, perm)
    loss, _ = apply_op("SoftmaxCrossEntropyWithLogits", [logits, labels],
                       name=name or "softmax_cross_entropy_with_logits")
    return loss


def _class_axis(fn_name, x, axis):
    """``axis`` as a non-negative int if it is not already the last axis of ``x``, else None."""
    r = rank(x)
    if r == 0:
        raise ValueError(f"{fn_name}: logits {x.name} must have rank >= 1, got a scalar")
    if axis in (-1, None) or (r is not None and axis == r - 1):
        return None
    if r is None:
        raise ValueError(f"{fn_name}: axis={axis} needs logits of known rank ({x.name} has "
                         "unknown shape)")
    if not -r <= axis < r:
        raise ValueError(f"{fn_name}: axis {axis} is out of range for logits {x.name} of "
                         f"shape {x.shape} (rank {r})")
    return axis % r


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """TF1's version: no gradient flows into ``labels``."""
    if labels is not None and not isinstance(labels, (int, float)):
        labels = A.stop_gradient(convert_to_tensor(labels))
    return softmax_cross_entropy_with_logits_v2(_sentinel, labels, logits, name=name,
                                                axis=dim if axis is None else axis)


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
    nchw = op.attrs.get("data_format") == "NCHW"
    if nchw and (rank(x) is None or rank(x) < 3):
        raise ValueError(f"bias_add with data_format 'NCHW' needs a value of known rank >= 3 "
                         f"[batch, channels, ...], got shape {x.shape}")
    xd, bd = dims(x), dims(b)
    c = None if xd is None else xd[1 if nchw else -1]
    if c is not None and bd is not None and bd[0] is not None and c != bd[0]:
        raise ValueError(f"Dimensions must be equal, but are {c} and {bd[0]} (the value's "
                         f"channel dimension, {op.attrs.get('data_format') or 'NHWC'}, and the "
                         f"bias)")
    return same(op)


_add = parallel.elementwise(np.add)  # big layers' bias adds on the run's cores


def _k_bias_add(x, b, data_format=None):
    if data_format == "NCHW":
        return _add(x, b.reshape((-1,) + (1,) * (x.ndim - 2)))
    return _add(x, b)


def _g_bias_add(op, dy):
    x, b = op.inputs
    if op.attrs.get("data_format") != "NCHW":
        return [dy, A.unbroadcast(dy, b, x)]
    column = A.reshape(b, [-1] + [1] * (rank(x) - 2))  # how the kernel broadcasts it
    return [dy, A.reshape(A.unbroadcast(dy, column, x), [-1])]


defop("BiasAdd", infer=_bias_infer, kernel=_k_bias_add, grad=_g_bias_add)


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, ``bias`` 1-D along the channels: the last dimension ('NHWC', default) or
    dimension 1 ('NCHW')."""
    if data_format not in (None, "NHWC", "NCHW", "N...C", "NC..."):
        raise ValueError(f"bias_add: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    value = convert_to_tensor(value)
    bias = convert_to_tensor(bias, dtype=value.dtype)
    attrs = {"data_format": "NCHW"} if data_format in ("NCHW", "NC...") else {}
    return apply_op("BiasAdd", [value, bias], attrs, name=name or "BiasAdd")


# ---- dropout -------------------------------------------------------------------------------
def _dropout_infer(op):
    x, rate = op.inputs
    ns = op.attrs["noise_shape"]
    return [same(op), (x.dtype, x.shape if ns is None else [None if d < 0 else d for d in ns])]


def _dropout_bind(op, session):
    rng = session.rng(op)
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


# ---- activations ---------------------------------------------------------------------------
# Each activation's gradient is its own op (TF's Relu6Grad, EluGrad, ...), whose gradient is
# declared too, so second derivatives work.
_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def _is_neg(y, dtype):
    return A.cast(M.less(y, A.constant(0, dtype=y.dtype)), dtype)


def _elu_k(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _selu_k(x):
    return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))


def _softplus_gg(op, ddx, dy, x):
    s = M.sigmoid(x)
    return ddx * dy * s * (1 - s)


def _softsign_gg(op, ddx, dy, x):
    d = 1 + M.abs(x)
    return ddx * dy * A.constant(-2, dtype=x.dtype) * M.sign(x) / (d * d * d)


defact("Relu6", lambda x: np.clip(x, 0, 6), lambda dy, x: dy * ((x > 0) & (x < 6)), False)
defact("Elu", _elu_k, lambda dy, y: dy * np.where(y > 0, 1, y + 1), True,
        lambda op, ddx, dy, y: ddx * dy * _is_neg(y, y.dtype))
defact("Selu", _selu_k,
        lambda dy, y: dy * np.where(y > 0, _SELU_SCALE, y + _SELU_SCALE * _SELU_ALPHA), True,
        lambda op, ddx, dy, y: ddx * dy * _is_neg(y, y.dtype))
defact("LeakyRelu", lambda x, alpha: np.where(x > 0, x, x * alpha),
        lambda dy, x, alpha: np.where(x > 0, dy, dy * alpha), False)
defact("Softplus", lambda x: np.logaddexp(0, x), lambda dy, x: dy * K.sigmoid(x), False,
        _softplus_gg)
defact("Softsign", lambda x: x / (1 + np.abs(x)), lambda dy, x: dy / np.square(1 + np.abs(x)),
        False, _softsign_gg)


def _act(op_type, features, name, attrs=None):
    x = convert_to_tensor(features)
    if x.dtype.is_integer and op_type == "LeakyRelu":
        x = A.cast(x, dtypes.float32)
    return apply_op(op_type, [x], attrs, name=name or op_type)


def relu6(features, name=None):
    """min(max(features, 0), 6)."""
    return _act("Relu6", features, name)


def elu(features, name=None):
    """features if > 0 else exp(features) - 1."""
    return _act("Elu", features, name)


def selu(features, name=None):
    """scale * (features if > 0 else alpha * (exp(features) - 1)), Klambauer et al.'s constants."""
    return _act("Selu", features, name)


def leaky_relu(features, alpha=0.2, name=None):
    """features if > 0 else alpha * features."""
    if isinstance(alpha, np.ndarray):
        alpha = alpha.item()
    return _act("LeakyRelu", features, name, {"alpha": float(alpha)})


def softplus(features, name=None):
    """log(exp(features) + 1), computed without overflow."""
    return _act("Softplus", features, name)


def softsign(features, name=None):
    """features / (abs(features) + 1)."""
    return _act("Softsign", features, name)


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    with name_scope(name, "LogSigmoid"):
        return M.negative(softplus(M.negative(convert_to_tensor(x))))


def swish(features, beta=1.0, name=None):
    """features * sigmoid(beta * features) (also called SiLU)."""
    with name_scope(name, "swish"):
        x = convert_to_tensor(features)
        return x * M.sigmoid(x if beta == 1.0 else x * beta)


silu = swish


def _erf(x):
    import math
    return np.frompyfunc(math.erf, 1, 1)(x).astype(x.dtype)


def _gelu_k(x):
    return (0.5 * x * (1 + _erf(x * np.asarray(0.7071067811865476, x.dtype)))).astype(x.dtype)


def _gelu_grad_k(dy, x):
    cdf = 0.5 * (1 + _erf(x * np.asarray(0.7071067811865476, x.dtype)))
    pdf = np.exp(-0.5 * x * x) * np.asarray(0.3989422804014327, x.dtype)
    return dy * (cdf + x * pdf)


def _gelu_gg(op, ddx, dy, x):
    pdf = M.exp(x * x * A.constant(-0.5, dtype=x.dtype)) * A.constant(0.3989422804014327,
                                                                       dtype=x.dtype)
    return ddx * dy * pdf * (2 - x * x)


defact("Gelu", _gelu_k, _gelu_grad_k, False, _gelu_gg)


def gelu(features, approximate=False, name=None):
    """x * Phi(x) (Phi the standard normal CDF); ``approximate=True`` uses the tanh form."""
    x = convert_to_tensor(features)
    if not approximate:
        return _act("Gelu", x, name)
    with name_scope(name, "Gelu"):
        c = A.constant(0.7978845608028654, dtype=x.dtype)  # sqrt(2 / pi)
        return 0.5 * x * (1 + M.tanh(c * (x + 0.044715 * x * x * x)))


# ---- sigmoid cross-entropies ---------------------------------------------------------------
def _logits_and_labels(fn_name, labels, logits):
    if labels is None or logits is None:
        raise ValueError(f"Both labels= and logits= must be given to {fn_name}")
    logits = convert_to_tensor(logits)
    require_float(logits, fn_name)
    labels = convert_to_tensor(labels, dtype=logits.dtype) if not hasattr(labels, "dtype") \
        else convert_to_tensor(labels)
    if labels.dtype is not logits.dtype:
        raise TypeError(f"{fn_name}: labels ({labels.dtype.name}, {labels.name}) and logits "
                        f"({logits.dtype.name}, {logits.name}) must have the same dtype")
    if not logits.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs "
                         f"{labels.shape})")
    return labels, logits


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Per-element max(x, 0) - x * z + log(1 + exp(-|x|)): no overflow for any logit x."""
    if _sentinel is not None:
        raise ValueError("Only call sigmoid_cross_entropy_with_logits with named arguments "
                         "(labels=..., logits=...)")
    with name_scope(name, "logistic_loss"):
        z, x = _logits_and_labels("sigmoid_cross_entropy_with_logits", labels, logits)
        return M.relu(x) - x * z + M.log1p(M.exp(-M.abs(x)))


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Sigmoid cross-entropy whose positive term is weighted by ``pos_weight``."""
    labels = targets if labels is None else labels
    if pos_weight is None:
        raise ValueError("weighted_cross_entropy_with_logits needs pos_weight")
    with name_scope(name, "logistic_loss"):
        z, x = _logits_and_labels("weighted_cross_entropy_with_logits", labels, logits)
        log_weight = 1 + (pos_weight - 1) * z
        return (1 - z) * x + log_weight * (M.log1p(M.exp(-M.abs(x))) + M.relu(-x))


# ---- norms ---------------------------------------------------------------------------------
def _k_l2_loss(x):
    f = x.reshape(-1)
    return np.asarray(np.dot(f, f) * 0.5, dtype=x.dtype)


def _l2_loss_infer(op):
    require_float(op.inputs[0], op.type)
    return op.inputs[0].dtype, []


defop("L2Loss", infer=_l2_loss_infer, kernel=_k_l2_loss,
      grad=lambda op, dy: [op.inputs[0] * dy])


def l2_loss(t, name=None):
    """sum(t ** 2) / 2, a scalar (the usual weight-decay term)."""
    return apply_op("L2Loss", [convert_to_tensor(t)], name=name or "L2Loss")


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize"):
        x = convert_to_tensor(x)
        sq = M.reduce_sum(M.square(x), axis=axis, keepdims=True)
        return x * M.rsqrt(M.maximum(sq, A.constant(epsilon, dtype=x.dtype)))


def zero_fraction(value, name=None):
    """The fraction of zeros in ``value`` as a float32 scalar."""
    with name_scope(name, "zero_fraction"):
        value = convert_to_tensor(value)
        zero = A.constant(0, dtype=value.dtype)
        return M.reduce_mean(A.cast(M.equal(value, zero), dtypes.float32))


# ---- top_k ---------------------------------------------------------------------------------
def _top_k_infer(op):
    x, k = op.inputs[0], op.attrs["k"]
    d = dims(x)
    if d is not None:
        if not d:
            raise ValueError(f"input must be at least 1-D, got shape {x.shape}")
        if d[-1] is not None and d[-1] < k:
            raise ValueError(f"input must have at least k columns. Had {d[-1]}, needed {k}")
    out = TensorShape(None) if d is None else TensorShape(list(d[:-1]) + [k])
    return [(x.dtype, out), (dtypes.int32, out)]


def _k_top_k(x, k, sorted):  # noqa: A002 - TF's attribute name
    n = x.shape[-1]
    if n < k:
        raise errors.InvalidArgumentError(
            None, None, f"input must have at least k columns. Had {n}, needed {k}")
    # A stable descending order (ties: lower index first) for every dtype: sort the reversed
    # row ascending, stably, then read the result backwards.
    order = np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
    idx = (n - 1 - order).astype(np.int32)
    return np.take_along_axis(x, idx, axis=-1), idx


def _k_scatter_last(dy, idx, x):
    out = np.zeros(x.shape, dtype=dy.dtype)
    np.put_along_axis(out, idx.astype(np.intp), dy, axis=-1)
    return out


def _g_top_k(op, dvalues, dindices):
    if dvalues is None:
        return [None]
    return [apply_op("ScatterAlongLastAxis", [dvalues, op.outputs[1], op.inputs[0]])]


defop("TopKV2", infer=_top_k_infer, kernel=_k_top_k, grad=_g_top_k)
defop("TakeAlongLastAxis",
      infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=lambda x, idx: np.take_along_axis(x, idx.astype(np.intp), axis=-1),
      grad=lambda op, dy: [apply_op("ScatterAlongLastAxis", [dy, op.inputs[1], op.inputs[0]]),
                           None])
defop("ScatterAlongLastAxis", infer=lambda op: (op.inputs[0].dtype, op.inputs[2].shape),
      kernel=_k_scatter_last,
      grad=lambda op, ddx: [apply_op("TakeAlongLastAxis", [ddx, op.inputs[1]]), None, None])


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF's argument names
    """(values, indices) of the ``k`` largest entries along the last axis, largest first."""
    from ._util import constant_value
    if hasattr(k, "dtype"):
        v = constant_value(convert_to_tensor(k))
        if v is None:
            raise TypeError("top_k: k must be known when the graph is built (an int or constant)")
        k = v
    k = int(k)
    if k < 0:
        raise ValueError(f"Need k >= 0, got {k}")
    values, indices = apply_op("TopKV2", [convert_to_tensor(input)],
                               {"k": k, "sorted": bool(sorted)}, name=name or "TopKV2")
    return TopKResult(values, indices)


TopKResult = collections.namedtuple("TopKV2", ["values", "indices"])


# ---- dense layers ------------------------------------------------------------------------
def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases."""
    with name_scope(name, "xw_plus_b"):
        return bias_add(M.matmul(x, weights), biases)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer"):
        return M.relu(bias_add(M.matmul(x, weights), biases))


# ---- fused batch normalization -------------------------------------------------------------
# One op for the whole normalization (and one for its gradient) instead of ~15 small ops: what
# tf.layers / Keras batch normalization run every step.
def _bn_shape(x, axis):
    s = [1] * x.ndim
    s[axis] = x.shape[axis]
    return s


def _k_fused_bn(x, scale, offset, mean, variance, epsilon, is_training, axis):
    # Outputs: y, batch mean, batch variance, and for the gradient x normalized and 1/std.
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    bshape = _bn_shape(x, axis)
    dt = x.dtype
    if is_training:
        n = x.size // max(x.shape[axis], 1)
        mu = np.add.reduce(x, axis=axes) * np.asarray(1 / max(n, 1), dtype=dt)
        xhat = x - mu.reshape(bshape)
        y = np.square(xhat)  # y's buffer serves as scratch first
        var = np.add.reduce(y, axis=axes) * np.asarray(1 / max(n, 1), dtype=dt)
        # The variance output is the unbiased estimate (for moving averages), as TF's.
        out_var = var * np.asarray(n / max(n - 1, 1), dtype=dt)
    else:
        mu, var, out_var = mean, variance, variance
        xhat = x - mu.reshape(bshape)
        y = np.empty_like(xhat)
    inv = (1 / np.sqrt(var + np.asarray(epsilon, dtype=dt))).astype(dt)
    xhat *= inv.reshape(bshape)
    np.multiply(xhat, scale.reshape(bshape), out=y)
    y += offset.reshape(bshape)
    return y, mu, out_var, xhat, inv


def _k_fused_bn_grad(dy, xhat, scale, inv, epsilon, is_training, axis):
    axes = tuple(i for i in range(xhat.ndim) if i != axis % xhat.ndim)
    bshape = _bn_shape(xhat, axis)
    dt = xhat.dtype
    doffset = np.add.reduce(dy, axis=axes)
    t = dy * xhat
    dscale = np.add.reduce(t, axis=axes)
    if is_training:
        # dx = scale * inv * (dy - mean(dy) - xhat * mean(dy * xhat))
        n = np.asarray(1 / max(xhat.size // max(xhat.shape[axis], 1), 1), dtype=dt)
        np.multiply(xhat, (dscale * n).reshape(bshape), out=t)
        t += (doffset * n).reshape(bshape)
        dx = np.subtract(dy, t, out=t)
        dx *= (scale * inv).reshape(bshape)
    else:
        dx = dy * (scale * inv).reshape(bshape)
    return dx, dscale, doffset


def _fused_bn_infer(op):
    x, scale = op.inputs[0], op.inputs[1]
    if x.dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"fused_batch_norm supports float32 and float64, got {x.dtype.name}")
    for t in op.inputs[1:]:
        if t.dtype is not x.dtype:
            raise TypeError(f"{t.name} has dtype {t.dtype.name}, expected {x.dtype.name} like x")
    d = dims(x)
    if d is not None and len(d) < 2:
        raise ValueError(f"x must have at least 2 dimensions, got shape {x.shape}")
    c = None if d is None else d[op.attrs["axis"]]
    if c is None:
        c = dims(scale)[0] if dims(scale) else None
    return [same(op), (x.dtype, [c]), (x.dtype, [c]), same(op), (x.dtype, [c])]


def _g_fused_bn(op, dy, dmean, dvar, dxhat, dinv):
    # Batch statistics' own gradients are dropped, as TF does. dxhat/dinv come only from the
    # gradient of FusedBatchNormGrad (second order): they reach x through the op's definition.
    x, scale = op.inputs[0], op.inputs[1]
    dx = dscale = doffset = None
    if dy is not None:
        dx, dscale, doffset = apply_op("FusedBatchNormGrad",
                                       [dy, op.outputs[3], scale, op.outputs[4]], dict(op.attrs))
    if dxhat is not None or dinv is not None:
        from .gradients_impl import gradients
        axes, channel = _bn_axes(x, op.attrs["axis"])
        if op.attrs["is_training"]:
            centered = x - M.reduce_mean(x, axes, keepdims=True)
            inv = M.rsqrt(M.reduce_mean(M.square(centered), axes, keepdims=True)
                          + op.attrs["epsilon"])
            pairs = [(centered * inv, dxhat), (A.reshape(inv, [-1]), dinv)]
            (extra,) = gradients([t for t, g in pairs if g is not None], [x],
                                 grad_ys=[g for _, g in pairs if g is not None])
        else:  # the statistics are inputs: xhat = (x - mean) * inv
            extra = 0.0 if dxhat is None else dxhat * channel(op.outputs[4])
        dx = extra if dx is None else dx + extra
    return [dx, dscale, doffset, None, None]


def _bn_axes(x, axis):
    """(the reduced axes, a function shaping a per-channel vector to broadcast against x)."""
    r = rank(x)
    if r is None:
        raise LookupError("Second derivatives of fused_batch_norm need inputs of known rank")
    axis %= r
    shape = [1] * r
    shape[axis] = -1
    return ([i for i in range(r) if i != axis],
            lambda v: v if axis == r - 1 else A.reshape(v, shape))


def _g_fused_bn_grad(op, ddx, ddscale, ddoffset):
    # FusedBatchNormGrad's outputs written with generic ops, differentiated w.r.t. its inputs.
    from .gradients_impl import gradients
    dy, xhat, scale, inv = op.inputs
    axes, channel = _bn_axes(xhat, op.attrs["axis"])
    dx = dy
    if op.attrs["is_training"]:
        dx = dy - M.reduce_mean(dy, axes, keepdims=True) - xhat * M.reduce_mean(
            dy * xhat, axes, keepdims=True)
    outs = [dx * channel(scale * inv), M.reduce_sum(dy * xhat, axes), M.reduce_sum(dy, axes)]
    pairs = [(t, g) for t, g in zip(outs, (ddx, ddscale, ddoffset)) if g is not None]
    return gradients([t for t, _ in pairs], list(op.inputs), grad_ys=[g for _, g in pairs],
                     stop_gradients=list(op.inputs))


defop("FusedBatchNorm", infer=_fused_bn_infer, kernel=_k_fused_bn, grad=_g_fused_bn)
defop("FusedBatchNormGrad",
      infer=lambda op: [(op.inputs[1].dtype, op.inputs[1].shape),
                        (op.inputs[2].dtype, op.inputs[2].shape),
                        (op.inputs[2].dtype, op.inputs[2].shape)],
      kernel=_k_fused_bn_grad, grad=_g_fused_bn_grad)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None, axis=None):
    """(y, batch_mean, batch_variance) normalizing ``x`` per channel in one op.

    Training: statistics of the batch over every axis but the channel one (batch_variance is
    unbiased, for moving averages). Inference (``is_training=False``): the given mean/variance.
    ``axis`` (not in TF's signature; the batch-norm layers use it) names the channel axis
    instead of ``data_format``.
    """
    if data_format not in ("NHWC", "NCHW", "NC"):
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    x = convert_to_tensor(x)
    if not is_training and (mean is None or variance is None):
        raise ValueError("Both 'mean' and 'variance' must be given when is_training is False")
    scale = convert_to_tensor(scale, dtype=x.dtype)
    offset = convert_to_tensor(offset, dtype=x.dtype)
    empty = np.zeros([0], dtype=x.dtype.np)
    mean = convert_to_tensor(empty if mean is None else mean, dtype=x.dtype)
    variance = convert_to_tensor(empty if variance is None else variance, dtype=x.dtype)
    y, bm, bv, _, _ = apply_op("FusedBatchNorm", [x, scale, offset, mean, variance],
                               {"epsilon": float(epsilon), "is_training": bool(is_training),
                                "axis": axis if axis is not None else
                                -1 if data_format == "NHWC" else 1},
                               name=name or "FusedBatchNorm")
    return y, bm, bv
