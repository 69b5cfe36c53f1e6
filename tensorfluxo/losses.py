"""tf.losses (TF1): weighted losses added to the LOSSES collection, plus collection helpers.

Each loss computes per-element losses, multiplies them by ``weights`` (broadcast to the
losses' shape) and reduces them as ``reduction`` says; the default,
SUM_BY_NONZERO_WEIGHTS, is the mean over elements whose weight is not zero.
"""

from __future__ import annotations

from .framework import dtypes
from .framework.ops import (
    GraphKeys,
    Tensor,
    add_to_collection,
    convert_to_tensor,
    get_collection,
    name_scope,
)
from .ops import array_ops, math_ops, nn_ops


class Reduction:
    """How compute_weighted_loss reduces the weighted per-element losses."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key!r}; expected one of {cls.all()}")


def _safe_div(num, den):
    """num / den, or 0 where den is 0 (an all-zero-weight batch has zero loss)."""
    zero = array_ops.zeros_like(den)
    safe = math_ops.where(math_ops.greater(den, zero), den, array_ops.ones_like(den))
    return math_ops.where(math_ops.greater(den, zero), num / safe, zero)


def _float_weights(weights, losses: Tensor) -> Tensor:
    w = convert_to_tensor(weights, dtype=losses.dtype) if not isinstance(weights, Tensor) \
        else weights
    if w.dtype is not losses.dtype:
        w = array_ops.cast(w, losses.dtype)
    if w.shape.ndims is not None and losses.shape.ndims is not None and \
            w.shape.ndims > losses.shape.ndims:
        raise ValueError(f"weights of shape {w.shape} cannot be broadcast to the losses' "
                         f"shape {losses.shape}")
    return w


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Weights and reduces ``losses``; the result is added to ``loss_collection``."""
    Reduction.validate(reduction)
    with name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        if not losses.dtype.is_floating:
            raise ValueError(f"losses must be floating point, got {losses.dtype.name} "
                             f"({losses.name})")
        input_dtype = losses.dtype
        if input_dtype is not dtypes.float32 and input_dtype is not dtypes.float64:
            losses = array_ops.cast(losses, dtypes.float32)
        w = _float_weights(weights, losses)
        weighted = math_ops.multiply(losses, w)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = math_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = _safe_div(loss, math_ops.reduce_sum(array_ops.ones_like(losses) * w))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_div(loss, math_ops.reduce_sum(array_ops.ones_like(losses)))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                nonzero = array_ops.cast(math_ops.not_equal(
                    array_ops.ones_like(losses) * w, 0), losses.dtype)
                loss = _safe_div(loss, math_ops.reduce_sum(nonzero))
        if loss.dtype is not input_dtype:
            loss = array_ops.cast(loss, input_dtype)
        if reduction != Reduction.NONE:
            loss = array_ops.identity(loss, name="value")
        add_loss(loss, loss_collection)
        return loss


def _check(labels, predictions, what):
    predictions = convert_to_tensor(predictions)
    labels = convert_to_tensor(labels)
    if labels.dtype is not predictions.dtype:
        labels = array_ops.cast(labels, predictions.dtype)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"{what}: labels shape {labels.shape} is not compatible with "
                         f"predictions shape {predictions.shape}")
    return labels, predictions


def _required(**kwargs):
    for k, v in kwargs.items():
        if v is None:
            raise ValueError(f"{k} must not be None.")


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """|labels - predictions|, weighted and reduced."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope or "absolute_difference") as sc:
        labels, predictions = _check(labels, predictions, "absolute_difference")
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """(labels - predictions) ** 2, weighted and reduced (the mean by default)."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope or "mean_squared_error") as sc:
        labels, predictions = _check(labels, predictions, "mean_squared_error")
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """0.5 * e ** 2 where |e| <= delta, else 0.5 * delta ** 2 + delta * (|e| - delta)."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope or "huber_loss") as sc:
        labels, predictions = _check(labels, predictions, "huber_loss")
        err = math_ops.abs(math_ops.subtract(predictions, labels))
        quad = math_ops.minimum(err, delta)
        lin = math_ops.subtract(err, quad)
        losses = 0.5 * quad * quad + delta * lin
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """-y log(p + eps) - (1 - y) log(1 - p + eps) for probabilities ``predictions``."""
    _required(labels=labels, predictions=predictions)
    with name_scope(scope or "log_loss") as sc:
        labels, predictions = _check(labels, predictions, "log_loss")
        losses = -labels * math_ops.log(predictions + epsilon) - \
            (1.0 - labels) * math_ops.log(1.0 - predictions + epsilon)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """max(0, 1 - (2y - 1) * logits) for labels y in {0, 1}."""
    _required(labels=labels, logits=logits)
    with name_scope(scope or "hinge_loss") as sc:
        labels, logits = _check(labels, logits, "hinge_loss")
        signs = 2.0 * labels - 1.0
        losses = math_ops.relu(1.0 - signs * logits)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Sigmoid cross-entropy of ``logits`` against 0/1 ``multi_class_labels``;
    label_smoothing moves the labels towards 1/2."""
    _required(multi_class_labels=multi_class_labels, logits=logits)
    with name_scope(scope or "sigmoid_cross_entropy_loss") as sc:
        labels, logits = _check(multi_class_labels, logits, "sigmoid_cross_entropy")
        if label_smoothing:
            labels = labels * (1.0 - label_smoothing) + 0.5 * label_smoothing
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Softmax cross-entropy of [batch, classes] ``logits`` against one-hot labels;
    ``weights`` is per example ([batch] or scalar)."""
    _required(onehot_labels=onehot_labels, logits=logits)
    with name_scope(scope or "softmax_cross_entropy_loss") as sc:
        labels, logits = _check(onehot_labels, logits, "softmax_cross_entropy")
        if label_smoothing:
            n = array_ops.cast(array_ops.shape(labels)[-1], labels.dtype)
            labels = labels * (1.0 - label_smoothing) + label_smoothing / n
        losses = nn_ops.softmax_cross_entropy_with_logits_v2(
            labels=array_ops.stop_gradient(labels), logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Softmax cross-entropy of ``logits`` against integer class ``labels`` (the mean over
    the batch by default): ``loss = tf.losses.sparse_softmax_cross_entropy(y, logits)``."""
    _required(labels=labels, logits=logits)
    with name_scope(scope or "sparse_softmax_cross_entropy_loss") as sc:
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        if labels.shape.ndims is not None and logits.shape.ndims is not None and \
                labels.shape.ndims == logits.shape.ndims and labels.shape.as_list()[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])  # [batch, 1] labels as TF1 accepts
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                                 name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None) -> Tensor:
    """1 - sum(labels * predictions, axis) for unit-normalized inputs."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify 'axis'.")
    with name_scope(scope or "cosine_distance_loss") as sc:
        labels, predictions = _check(labels, predictions, "cosine_distance")
        losses = 1.0 - math_ops.reduce_sum(labels * predictions, axis=axis, keepdims=True)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


# ---- collections -----------------------------------------------------------------------------
def add_loss(loss, loss_collection=GraphKeys.LOSSES) -> None:
    """Adds ``loss`` to ``loss_collection`` (nothing when the collection is None)."""
    if loss_collection:
        add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES) -> list:
    return get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    return get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss") -> Tensor:
    """Sum of the regularization losses (a 0.0 constant when there are none)."""
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return array_ops.constant(0.0, name=name)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None) -> Tensor:
    """Sum of the LOSSES collection (and the regularization losses)."""
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses found in the LOSSES (or REGULARIZATION_LOSSES) collection: "
                         "create a loss with tf.losses.* or tf.losses.add_loss first")
    return math_ops.add_n(losses, name=name)
