"""tf.metrics (TF1 streaming metrics): each returns ``(value, update_op)``.

The running state lives in local variables (collections LOCAL_VARIABLES and
"metric_variables"): run ``tf.local_variables_initializer()`` to start (or reset), run
``update_op`` once per batch, then read ``value``::

    acc, acc_op = tf.metrics.accuracy(labels=y, predictions=tf.argmax(logits, 1))
    sess.run(tf.local_variables_initializer())
    for xb, yb in batches: sess.run(acc_op, {X: xb, y: yb})
    print(sess.run(acc))
"""

from __future__ import annotations

from .framework import dtypes
from .framework.ops import (
    GraphKeys,
    Tensor,
    add_to_collections,
    control_dependencies,
    convert_to_tensor,
)
from .ops import array_ops, math_ops, state_ops
from .ops.variable_scope import variable_scope

METRIC_VARIABLES = GraphKeys.METRIC_VARIABLES


def _local_variable(shape, name, dtype=dtypes.float32):
    from .variables import Variable
    return Variable(array_ops.zeros(shape, dtype), trainable=False, name=name,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES])


def _safe_div(num, den, name):
    """num / den, 0 where den is 0 (no data yet)."""
    pos = math_ops.greater(den, 0.0)
    return math_ops.where(pos, num / math_ops.where(pos, den, array_ops.ones_like(den)),
                          array_ops.zeros_like(num), name=name)


def _collect(value, update_op, metrics_collections, updates_collections):
    if metrics_collections:
        add_to_collections(metrics_collections, value)
    if updates_collections:
        add_to_collections(updates_collections, update_op)
    return value, update_op


def _as_float(x) -> Tensor:
    x = convert_to_tensor(x)
    return x if x.dtype is dtypes.float32 else array_ops.cast(x, dtypes.float32)


def _match(labels, predictions, what):
    """Squeezes a trailing 1 off whichever of labels/predictions has one extra dimension and
    checks the shapes agree."""
    labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
    lr, pr = labels.shape.ndims, predictions.shape.ndims
    if lr is not None and pr is not None:
        if lr == pr + 1 and labels.shape.as_list()[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])
        elif pr == lr + 1 and predictions.shape.as_list()[-1] == 1:
            predictions = array_ops.squeeze(predictions, [-1])
    if not labels.shape.is_compatible_with(predictions.shape):
        raise ValueError(f"tf.metrics.{what}: labels shape {labels.shape} and predictions "
                         f"shape {predictions.shape} are not compatible")
    return labels, predictions


def _weights(weights, like: Tensor):
    if weights is None:
        return None
    w = _as_float(weights)
    return w * array_ops.ones_like(like)  # broadcast to the values' shape


def _mean(values, weights):
    """(value, update_op) of a running weighted mean, in the current variable scope."""
    values = _as_float(values)
    total = _local_variable([], "total")
    count = _local_variable([], "count")
    w = _weights(weights, values)
    if w is None:
        n = array_ops.cast(array_ops.size(values), dtypes.float32)
    else:
        values = values * w
        n = math_ops.reduce_sum(w)
    update_total = state_ops.assign_add(total, math_ops.reduce_sum(values))
    with control_dependencies([values]):
        update_count = state_ops.assign_add(count, n)
    return _safe_div(total, count, "value"), _safe_div(update_total, update_count, "update_op")


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of every value seen since the local variables were initialized."""
    with variable_scope(name, default_name="mean"):
        return _collect(*_mean(values, weights), metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """Fraction of ``predictions`` equal to ``labels`` (class ids, e.g. tf.argmax(logits, 1))."""
    with variable_scope(name, default_name="accuracy"):
        labels, predictions = _match(labels, predictions, "accuracy")
        if predictions.dtype is not labels.dtype:
            predictions = array_ops.cast(predictions, labels.dtype)
        is_correct = array_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        return _collect(*_mean(is_correct, weights), metrics_collections, updates_collections)


def _error_mean(what, fn, labels, predictions, weights, name):
    with variable_scope(name, default_name=what):
        labels, predictions = _match(_as_float(labels), _as_float(predictions), what)
        return _mean(fn(predictions, labels), weights)


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """Running mean of |predictions - labels|."""
    return _collect(*_error_mean("mean_absolute_error", lambda p, y: math_ops.abs(p - y),
                                 labels, predictions, weights, name),
                    metrics_collections, updates_collections)


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """Running mean of (predictions - labels) ** 2."""
    return _collect(*_error_mean("mean_squared_error", math_ops.squared_difference,
                                 labels, predictions, weights, name),
                    metrics_collections, updates_collections)


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """sqrt of the running mean squared error."""
    mse, update_mse = _error_mean("root_mean_squared_error", math_ops.squared_difference,
                                  labels, predictions, weights, name)
    return _collect(math_ops.sqrt(mse), math_ops.sqrt(update_mse), metrics_collections,
                    updates_collections)


def _bools(labels, predictions, what):
    labels, predictions = _match(labels, predictions, what)
    return (array_ops.cast(labels, dtypes.bool) if labels.dtype is not dtypes.bool else labels,
            array_ops.cast(predictions, dtypes.bool)
            if predictions.dtype is not dtypes.bool else predictions)


def _confusion_count(kind, labels, predictions, weights, metrics_collections,
                     updates_collections, name):
    with variable_scope(name, default_name=kind):
        y, p = _bools(labels, predictions, kind)
        cond = {"true_positives": lambda: math_ops.logical_and(y, p),
                "false_positives": lambda: math_ops.logical_and(math_ops.logical_not(y), p),
                "false_negatives": lambda: math_ops.logical_and(y, math_ops.logical_not(p)),
                "true_negatives": lambda: math_ops.logical_and(math_ops.logical_not(y),
                                                               math_ops.logical_not(p))}[kind]()
        c = array_ops.cast(cond, dtypes.float32)
        w = _weights(weights, c)
        if w is not None:
            c = c * w
        var = _local_variable([], "count")
        update_op = state_ops.assign_add(var, math_ops.reduce_sum(c))
        return _collect(array_ops.identity(var, name="value"), update_op, metrics_collections,
                        updates_collections)


def true_positives(labels, predictions, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    return _confusion_count("true_positives", labels, predictions, weights,
                            metrics_collections, updates_collections, name)


def false_positives(labels, predictions, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    return _confusion_count("false_positives", labels, predictions, weights,
                            metrics_collections, updates_collections, name)


def false_negatives(labels, predictions, weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    return _confusion_count("false_negatives", labels, predictions, weights,
                            metrics_collections, updates_collections, name)


def true_negatives(labels, predictions, weights=None, metrics_collections=None,
                   updates_collections=None, name=None):
    return _confusion_count("true_negatives", labels, predictions, weights,
                            metrics_collections, updates_collections, name)


def _ratio(kind, other, labels, predictions, weights, metrics_collections, updates_collections,
           name):
    with variable_scope(name, default_name=kind):
        tp, tp_up = true_positives(labels, predictions, weights)
        o, o_up = (false_positives if other == "fp" else false_negatives)(
            labels, predictions, weights)
        value = _safe_div(tp, tp + o, "value")
        update_op = _safe_div(tp_up, tp_up + o_up, "update_op")
        return _collect(value, update_op, metrics_collections, updates_collections)


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    """true_positives / (true_positives + false_positives) over bool/0-1 predictions."""
    return _ratio("precision", "fp", labels, predictions, weights, metrics_collections,
                  updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    """true_positives / (true_positives + false_negatives) over bool/0-1 predictions."""
    return _ratio("recall", "fn", labels, predictions, weights, metrics_collections,
                  updates_collections, name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """Approximate area under the ROC (or PR) curve from confusion counts at
    ``num_thresholds`` thresholds evenly spaced in [0, 1]; predictions are probabilities."""
    if curve not in ("ROC", "PR"):
        raise ValueError(f"curve must be either ROC or PR, {curve!r} unknown")
    if summation_method not in ("trapezoidal", "minoring", "majoring", "careful_interpolation"):
        raise ValueError(f"Invalid summation_method: {summation_method!r}")
    if thresholds is None:
        if num_thresholds < 2:
            raise ValueError("num_thresholds must be > 1.")
        eps = 1e-7
        thresholds = [-eps] + [(i + 1) / (num_thresholds - 1)
                               for i in range(num_thresholds - 2)] + [1.0 + eps]
    else:
        thresholds = [-1e-7] + sorted(float(t) for t in thresholds) + [1.0 + 1e-7]
    n_t = len(thresholds)
    with variable_scope(name, default_name="auc"):
        y, p = _match(labels, predictions, "auc")
        y = array_ops.reshape(array_ops.cast(y, dtypes.bool), [1, -1])
        p = array_ops.reshape(_as_float(p), [1, -1])
        above = math_ops.greater(p, array_ops.constant([[t] for t in thresholds],
                                                       dtypes.float32))  # [T, N]
        not_y, below = math_ops.logical_not(y), math_ops.logical_not(above)
        w = None if weights is None else array_ops.reshape(_as_float(weights) *
                                                           array_ops.ones_like(p), [1, -1])
        updates, variables = {}, {}
        for key, cond in (("true_positives", math_ops.logical_and(above, y)),
                          ("false_negatives", math_ops.logical_and(below, y)),
                          ("true_negatives", math_ops.logical_and(below, not_y)),
                          ("false_positives", math_ops.logical_and(above, not_y))):
            c = array_ops.cast(cond, dtypes.float32)
            if w is not None:
                c = c * w
            var = _local_variable([n_t], key)
            variables[key] = var
            updates[key] = state_ops.assign_add(var, math_ops.reduce_sum(c, axis=1))

        def area(tp, fn, tn, fp, name):
            e = 1e-6
            rec = (tp + e) / (tp + fn + e)
            if curve == "ROC":
                x, yv = fp / (fp + tn + e), rec
            else:
                x, yv = rec, (tp + e) / (tp + fp + e)
            if summation_method == "minoring":
                h = math_ops.minimum(yv[:n_t - 1], yv[1:])
            elif summation_method == "majoring":
                h = math_ops.maximum(yv[:n_t - 1], yv[1:])
            else:
                h = (yv[:n_t - 1] + yv[1:]) / 2.0
            return math_ops.reduce_sum((x[:n_t - 1] - x[1:]) * h, name=name)
        keys = ("true_positives", "false_negatives", "true_negatives", "false_positives")
        value = area(*(variables[k] for k in keys), name="value")
        update_op = area(*(updates[k] for k in keys), name="update_op")
        return _collect(value, update_op, metrics_collections, updates_collections)
