"""Weight regularizers: callables ``weights -> scalar penalty`` (tf.contrib.layers)."""

from __future__ import annotations

import numbers

from ...framework.ops import GraphKeys, add_to_collection, get_collection, name_scope
from ...ops import array_ops, math_ops, nn_ops


def _check_scale(scale, what):
    if isinstance(scale, (bool, numbers.Integral)) or not isinstance(scale, numbers.Real):
        raise ValueError(f"{what}: scale must be a float (e.g. 0.001), got {scale!r}")
    if scale < 0.0:
        raise ValueError(f"{what}: setting a scale less than 0 on a regularizer: {scale}")
    return float(scale)


def l1_regularizer(scale, scope=None):
    """``scale * sum(|w|)``; a scale of 0 gives a regularizer that adds nothing."""
    scale = _check_scale(scale, "l1_regularizer")
    if scale == 0.0:
        return lambda _: None

    def l1(weights):
        with name_scope(scope or "l1_regularizer"):
            s = array_ops.constant(scale, dtype=weights.dtype, name="scale")
            return math_ops.multiply(s, math_ops.reduce_sum(math_ops.abs(weights)), name="value")
    return l1


def l2_regularizer(scale, scope=None):
    """``scale * sum(w ** 2) / 2`` (``scale * tf.nn.l2_loss(w)``)."""
    scale = _check_scale(scale, "l2_regularizer")
    if scale == 0.0:
        return lambda _: None

    def l2(weights):
        with name_scope(scope or "l2_regularizer"):
            s = array_ops.constant(scale, dtype=weights.dtype, name="scale")
            return math_ops.multiply(s, nn_ops.l2_loss(weights), name="value")
    return l2


def sum_regularizer(regularizer_list, scope=None):
    """The sum of several regularizers' penalties (None ones skipped)."""
    regularizer_list = [r for r in regularizer_list if r is not None]
    if not regularizer_list:
        return None

    def total(weights):
        with name_scope(scope or "sum_regularizer"):
            penalties = [p for p in (r(weights) for r in regularizer_list) if p is not None]
            return math_ops.add_n(penalties) if penalties else None
    return total


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """``scale_l1 * sum(|w|) + scale_l2 * sum(w ** 2) / 2``."""
    l1 = l1_regularizer(scale_l1)
    l2 = l2_regularizer(scale_l2)
    if _check_scale(scale_l1, "l1_l2_regularizer") == 0.0 and scale_l2 == 0.0:
        return lambda _: None
    return sum_regularizer([l1, l2], scope=scope or "l1_l2_regularizer")


def apply_regularization(regularizer, weights_list=None):
    """Sum of ``regularizer(w)`` over ``weights_list`` (default: the WEIGHTS collection); the
    sum is also added to REGULARIZATION_LOSSES."""
    if weights_list is None:
        weights_list = get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with name_scope("get_regularization_penalty"):
        penalties = [p for p in (regularizer(w) for w in weights_list) if p is not None]
        if not penalties:
            return array_ops.constant(0.0)
        summed = math_ops.add_n(penalties)
    add_to_collection(GraphKeys.REGULARIZATION_LOSSES, summed)
    return summed
