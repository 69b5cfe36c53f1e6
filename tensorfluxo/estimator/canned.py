"""Canned estimators: DNN and linear classifiers/regressors over numeric feature columns.

The same heads serve tf.estimator (losses summed over the batch, TF 1.x's default
loss_reduction, variables ``dnn/hiddenlayer_0/kernel``) and tf.contrib.learn (batch-mean
losses, variables ``dnn/hiddenlayer_0/weights``). Default optimizers are TF 1.x's: Adagrad
with learning rate 0.05 for DNNs, FTRL with min(0.2, 1/sqrt(#columns)) for linear models.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import feature_column as fc
from .. import metrics as metrics_lib
from ..framework import dtypes
from ..framework.ops import convert_to_tensor
from ..ops import array_ops, init_ops, math_ops, nn_ops
from ..ops.variable_scope import get_variable, variable_scope
from ..train.optimizer import GradientDescentOptimizer, Optimizer, get_global_step
from .estimator import Estimator, EstimatorSpec, ModeKeys

_DNN_LEARNING_RATE = 0.05
_LINEAR_LEARNING_RATE = 0.2


def _optimizer_by_name(name: str, learning_rate: float):
    from ..train import optimizers as o
    table = {"Adagrad": o.AdagradOptimizer, "Adam": o.AdamOptimizer,
             "RMSProp": o.RMSPropOptimizer, "SGD": GradientDescentOptimizer,
             "Ftrl": o.FtrlOptimizer}
    if name not in table:
        raise ValueError(f"Unsupported optimizer name: {name!r}. Supported names are: "
                         f"{sorted(table)}")
    return table[name](learning_rate=learning_rate)


def make_optimizer(opt, learning_rate: float):
    """An optimizer from a name ('Adagrad'), an instance, or a function returning one."""
    if isinstance(opt, str):
        return _optimizer_by_name(opt, learning_rate)
    if isinstance(opt, Optimizer):
        return opt
    if callable(opt):
        made = opt()
        if not isinstance(made, Optimizer):
            raise ValueError(f"The given optimizer function must return an Optimizer, got "
                             f"{made!r}")
        return made
    raise ValueError(f"optimizer must be a name, a tf.train.Optimizer or a function returning "
                     f"one; got {opt!r}")


# ---- heads ------------------------------------------------------------------------------------
class _Head:
    """Loss, predictions and metrics on top of the logits."""

    def __init__(self, n_classes=None, label_dimension=1, reduction="sum", contrib=False):
        self.n_classes, self.label_dimension = n_classes, label_dimension
        self.reduction, self.contrib = reduction, contrib

    @property
    def logits_dim(self) -> int:
        if self.n_classes is None:
            return self.label_dimension
        return 1 if self.n_classes == 2 else self.n_classes

    def predictions(self, logits) -> dict:
        if self.n_classes is None:
            key = "scores" if self.contrib else "predictions"
            return {key: logits}
        if self.n_classes == 2:
            logistic = math_ops.sigmoid(logits, name="logistic")
            probs = array_ops.concat([1.0 - logistic, logistic], 1, name="probabilities")
            ids = array_ops.cast(math_ops.greater(logits, 0.0), dtypes.int64)
            out = {"logits": logits, "logistic": logistic, "probabilities": probs}
        else:
            probs = nn_ops.softmax(logits, name="probabilities")
            ids = array_ops.expand_dims(math_ops.argmax(logits, 1), 1)
            out = {"logits": logits, "probabilities": probs}
        if self.contrib:
            out["classes"] = array_ops.reshape(ids, [-1], name="classes")
        else:
            out["class_ids"] = ids
        return out

    def _labels(self, labels):
        labels = convert_to_tensor(labels)
        if self.n_classes is None:
            labels = array_ops.reshape(labels, [-1, self.label_dimension])
            return labels if labels.dtype is dtypes.float32 else \
                array_ops.cast(labels, dtypes.float32)
        labels = array_ops.reshape(labels, [-1])
        return labels if labels.dtype is dtypes.int64 else array_ops.cast(labels, dtypes.int64)

    def spec(self, labels, mode, logits, make_opt):
        preds = self.predictions(logits)
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=preds)
        y = self._labels(labels)
        if self.n_classes is None:
            per_example = math_ops.squared_difference(logits, y)
        elif self.n_classes == 2:
            yf = array_ops.reshape(array_ops.cast(y, dtypes.float32), [-1, 1])
            per_example = nn_ops.sigmoid_cross_entropy_with_logits(labels=yf, logits=logits)
        else:
            per_example = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                          logits=logits)
        reduce = math_ops.reduce_sum if self.reduction == "sum" else math_ops.reduce_mean
        loss = reduce(per_example, name="loss")
        if mode == ModeKeys.EVAL:
            return EstimatorSpec(mode, preds, loss, eval_metric_ops=self.metrics(y, preds,
                                                                                 per_example))
        train_op = make_opt().minimize(loss, global_step=get_global_step())
        return EstimatorSpec(mode, preds, loss, train_op)

    def metrics(self, y, preds, per_example) -> dict:
        out = {}
        if not self.contrib:
            out["average_loss"] = metrics_lib.mean(per_example, name="average_loss")
        if self.n_classes is None:
            return out
        ids = preds["classes"] if self.contrib else array_ops.reshape(preds["class_ids"], [-1])
        out["accuracy"] = metrics_lib.accuracy(y, ids, name="accuracy")
        if self.n_classes == 2:
            p = array_ops.reshape(preds["logistic"], [-1])
            out["auc"] = metrics_lib.auc(y, p, name="auc")
            out["auc_precision_recall"] = metrics_lib.auc(y, p, curve="PR",
                                                          name="auc_precision_recall")
            out["precision"] = metrics_lib.precision(y, ids, name="precision")
            out["recall"] = metrics_lib.recall(y, ids, name="recall")
            out["prediction/mean"] = metrics_lib.mean(p, name="prediction/mean")
            out["label/mean"] = metrics_lib.mean(y, name="label/mean")
        return out


# ---- logits -----------------------------------------------------------------------------------
def _dnn_logits(features, columns, hidden_units, activation, dropout, logits_dim, training,
                contrib):
    from ..contrib.layers.layers import fully_connected
    from ..layers.core import Dense

    def layer(x, units, act, name):
        if contrib:
            return fully_connected(x, units, activation_fn=act, scope=name)
        return Dense(units, act, name=name)(x)
    with variable_scope("dnn"):
        with variable_scope("input_from_feature_columns" if contrib else "input_layer"):
            net = fc.input_layer(features, columns)
        for i, units in enumerate(hidden_units):
            net = layer(net, units, activation, f"hiddenlayer_{i}")
            if dropout and training:
                net = nn_ops.dropout(net, rate=dropout)
        return layer(net, logits_dim, None, "logits")


def _linear_logits(features, columns, logits_dim):
    with variable_scope("linear"), variable_scope("linear_model"):
        terms = []
        for c in sorted(columns, key=lambda c: c.name):
            x = fc.input_layer(features if isinstance(features, dict) else {c.name: features},
                               [c])
            w = get_variable(f"{c.name or 'feature'}/weights", [c.width, logits_dim],
                             initializer=init_ops.zeros_initializer())
            terms.append(math_ops.matmul(x, w))
        bias = get_variable("bias_weights", [logits_dim], initializer=init_ops.zeros_initializer())
        total = terms[0] if len(terms) == 1 else math_ops.add_n(terms)
        return nn_ops.bias_add(total, bias, name="weighted_sum")


# ---- validation ---------------------------------------------------------------------------
def _check_numeric(a, what):
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got an array of dtype {a.dtype} (shape "
                         f"{a.shape})")


def check_batch(columns, head, features, labels, mode, x_name="x", y_name="y"):
    """Clear errors for data that does not fit the columns / head (before any step)."""
    if isinstance(features, dict):
        items = {}
        for c in columns:
            if c.name not in features:
                raise ValueError(f"Feature {c.name!r} (a feature column) is not in the "
                                 f"features dictionary; its keys are {sorted(features)}")
            items[c] = (f"{x_name}[{c.name!r}]", np.asarray(features[c.name]))
    else:
        if len(columns) != 1:
            raise ValueError(f"{x_name} is a single array but there are {len(columns)} feature "
                             f"columns {[c.name for c in columns]}: pass a dict of arrays")
        items = {columns[0]: (x_name, np.asarray(features))}
    n = None
    for c, (what, a) in items.items():
        _check_numeric(a, what)
        if a.ndim == 0:
            raise ValueError(f"{what} must have a batch dimension, got a scalar")
        width = int(np.prod(a.shape[1:], dtype=np.int64)) if a.ndim > 1 else 1
        if width != c.width:
            raise ValueError(f"{what} has shape {a.shape}: {width} values per example, but "
                             f"feature column {c.name!r} expects {c.width} (shape "
                             f"{list(c.shape)})")
        if n is not None and len(a) != n:
            raise ValueError(f"Features have different lengths: {what} has {len(a)} rows, "
                             f"others {n}")
        n = len(a)
    if mode == ModeKeys.PREDICT:
        return
    if labels is None:
        raise ValueError(f"Labels ({y_name}) must be provided for "
                         f"{'training' if mode == ModeKeys.TRAIN else 'evaluation'}")
    y = np.asarray(labels)
    _check_numeric(y, y_name)
    if y.ndim == 0 or len(y) != n:
        raise ValueError(f"{x_name} and {y_name} have different lengths: {x_name} has {n} rows, "
                         f"{y_name} has shape {y.shape}")
    if head.n_classes is None:
        width = int(np.prod(y.shape[1:], dtype=np.int64)) if y.ndim > 1 else 1
        if width != head.label_dimension:
            raise ValueError(f"{y_name} has shape {y.shape} but label_dimension is "
                             f"{head.label_dimension}")
        return
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
        raise ValueError(f"{y_name} must hold one class id per example (shape [n] or [n, 1]), "
                         f"got shape {y.shape}")
    if y.size:
        if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            bad = y[np.mod(y, 1) != 0][0]
            raise ValueError(f"{y_name} must hold integer class ids, found {bad}")
        lo, hi = y.min(), y.max()
        if lo < 0 or hi >= head.n_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{y_name} holds label {bad:g}, outside [0, {head.n_classes}) for "
                             f"n_classes={head.n_classes}")


# ---- the estimators ---------------------------------------------------------------------------
class _Canned(Estimator):
    def __init__(self, logits_fn, columns, head, optimizer, default_lr, model_dir, config):
        self._columns, self._head = columns, head
        self._optimizer_arg, self._default_lr = optimizer, default_lr

        def model_fn(features, labels, mode, config):
            logits = logits_fn(features, mode == ModeKeys.TRAIN)
            return head.spec(labels, mode, logits,
                             lambda: make_optimizer(self._optimizer_arg, self._default_lr))
        super().__init__(model_fn, model_dir=model_dir, config=config)

    def _check_batch(self, features, labels, mode) -> None:
        check_batch(self._columns, self._head, features, labels, mode)

    def _postprocess(self, predictions: dict) -> dict:
        if "class_ids" in predictions:
            ids = predictions["class_ids"]
            predictions["classes"] = np.array([[str(int(i)).encode()] for i in ids[:, 0]],
                                              dtype=object).reshape(ids.shape)
        return predictions


def _check_common(n_classes, weight_column, label_vocabulary, loss_reduction):
    if n_classes is not None and (not isinstance(n_classes, (int, np.integer)) or n_classes < 2):
        raise ValueError(f"n_classes must be an int > 1, got {n_classes!r}")
    if weight_column is not None:
        raise NotImplementedError("weight_column is not supported by tensorfluxo's canned "
                                  "estimators")
    if label_vocabulary is not None:
        raise NotImplementedError("label_vocabulary is not supported by tensorfluxo's canned "
                                  "estimators: use integer labels")
    if loss_reduction not in ("weighted_sum", "weighted_mean", "weighted_sum_over_batch_size",
                              "weighted_sum_by_nonzero_weights"):
        raise ValueError(f"Invalid loss_reduction: {loss_reduction!r}")
    return "sum" if loss_reduction == "weighted_sum" else "mean"


def _check_hidden(hidden_units, dropout):
    units = list(hidden_units or [])
    if not units or any(not isinstance(u, (int, np.integer)) or u <= 0 for u in units):
        raise ValueError(f"hidden_units must be a non-empty list of positive ints, got "
                         f"{hidden_units!r}")
    if dropout is not None and not 0 <= dropout < 1:
        raise ValueError(f"dropout (the probability of dropping a unit) must be in [0, 1), "
                         f"got {dropout}")
    return [int(u) for u in units]


_SUM = "weighted_sum"


class DNNClassifier(_Canned):
    """``tf.estimator.DNNClassifier(hidden_units=[300, 100], feature_columns=[
    tf.feature_column.numeric_column("x", shape=[784])], n_classes=10)``."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, optimizer="Adagrad",
                 activation_fn=math_ops.relu,
                 dropout=None, input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction=_SUM, batch_norm=False, _contrib=False):
        red = _check_common(n_classes, weight_column, label_vocabulary, loss_reduction)
        units, columns = _check_hidden(hidden_units, dropout), fc.check_columns(feature_columns)
        head = _Head(n_classes=int(n_classes), reduction="mean" if _contrib else red,
                     contrib=_contrib)
        logits = functools.partial(self._logits, columns=columns, units=units,
                                   act=activation_fn, dropout=dropout, head=head,
                                   contrib=_contrib)
        super().__init__(logits, columns, head, optimizer or "Adagrad", _DNN_LEARNING_RATE,
                         model_dir, config)

    @staticmethod
    def _logits(features, training, columns, units, act, dropout, head, contrib):
        return _dnn_logits(features, columns, units, act, dropout, head.logits_dim, training,
                           contrib)


class DNNRegressor(_Canned):
    """A DNN predicting ``label_dimension`` real values (squared-error loss)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1,
                 weight_column=None, optimizer="Adagrad", activation_fn=math_ops.relu,
                 dropout=None, input_layer_partitioner=None, config=None, warm_start_from=None,
                 loss_reduction=_SUM, batch_norm=False, _contrib=False):
        red = _check_common(None, weight_column, None, loss_reduction)
        units, columns = _check_hidden(hidden_units, dropout), fc.check_columns(feature_columns)
        head = _Head(label_dimension=int(label_dimension),
                     reduction="mean" if _contrib else red, contrib=_contrib)
        logits = functools.partial(DNNClassifier._logits, columns=columns, units=units,
                                   act=activation_fn, dropout=dropout, head=head,
                                   contrib=_contrib)
        super().__init__(logits, columns, head, optimizer or "Adagrad", _DNN_LEARNING_RATE,
                         model_dir, config)


def _linear_lr(columns) -> float:
    return min(_LINEAR_LEARNING_RATE, 1.0 / math.sqrt(len(columns)))


class LinearClassifier(_Canned):
    """A linear (logistic / softmax regression) classifier, FTRL-trained by default."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Ftrl", config=None, partitioner=None,
                 warm_start_from=None, loss_reduction=_SUM, sparse_combiner="sum",
                 _contrib=False):
        red = _check_common(n_classes, weight_column, label_vocabulary, loss_reduction)
        columns = fc.check_columns(feature_columns)
        head = _Head(n_classes=int(n_classes), reduction="mean" if _contrib else red,
                     contrib=_contrib)
        super().__init__(lambda f, training: _linear_logits(f, columns, head.logits_dim),
                         columns, head, optimizer or "Ftrl", _linear_lr(columns), model_dir,
                         config)


class LinearRegressor(_Canned):
    """Linear regression, FTRL-trained by default."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None,
                 loss_reduction=_SUM, sparse_combiner="sum", _contrib=False):
        red = _check_common(None, weight_column, None, loss_reduction)
        columns = fc.check_columns(feature_columns)
        head = _Head(label_dimension=int(label_dimension),
                     reduction="mean" if _contrib else red, contrib=_contrib)
        super().__init__(lambda f, training: _linear_logits(f, columns, head.logits_dim),
                         columns, head, optimizer or "Ftrl", _linear_lr(columns), model_dir,
                         config)
