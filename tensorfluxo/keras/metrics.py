"""tf.keras.metrics: metric functions and stateful Metric objects.

A Metric turns each batch into a few sums computed in the graph (``_stats``) and keeps the
running totals in Python, so the value reported for an epoch is over all its samples, as
Keras reports it; ``update_state`` / ``result`` / ``reset_state`` also work on NumPy arrays:

>>> m = Precision(); m.update_state([0, 1, 1], [0.2, 0.8, 0.4]); m.result()
1.0
"""

from __future__ import annotations

import numpy as np

from ..client.session import Session
from ..framework import dtypes
from ..framework.ops import Graph, Tensor, convert_to_tensor
from ..ops import array_ops as A
from ..ops import math_ops as M
from . import backend as K
from . import losses as L


# ---- functions -------------------------------------------------------------------------------
def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    y_true, y_pred = L._pair(y_true, y_pred)
    hit = A.cast(M.equal(y_true, A.cast(y_pred > threshold, y_pred.dtype)), y_pred.dtype)
    return M.reduce_mean(hit, axis=-1)


def categorical_accuracy(y_true, y_pred):
    y_true, y_pred = L._pair(y_true, y_pred)
    return A.cast(M.equal(M.argmax(y_true, axis=-1), M.argmax(y_pred, axis=-1)), y_pred.dtype)


def _sparse_labels(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(np.asarray(y_true))
    tr, pr = y_true.shape.ndims, y_pred.shape.ndims
    if tr is not None and pr is not None and tr == pr:
        y_true = A.squeeze(y_true, axis=[-1])
    return y_true, y_pred


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _sparse_labels(y_true, y_pred)
    pred = M.argmax(y_pred, axis=-1)
    return A.cast(M.equal(A.cast(y_true, dtypes.int64), pred), y_pred.dtype)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    from ..ops import nn_ops as N
    y_true, y_pred = L._pair(y_true, y_pred)
    hit = N.in_top_k(y_pred, M.argmax(y_true, axis=-1), k)
    return A.cast(hit, y_pred.dtype)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    from ..ops import nn_ops as N
    y_true, y_pred = _sparse_labels(y_true, y_pred)
    return A.cast(N.in_top_k(y_pred, A.cast(A.reshape(y_true, [-1]), dtypes.int64), k),
                  y_pred.dtype)


def accuracy(y_true, y_pred):
    y_true, y_pred = L._pair(y_true, y_pred)
    return A.cast(M.equal(y_true, y_pred), y_pred.dtype)


mse = MSE = mean_squared_error = L.mean_squared_error
mae = MAE = mean_absolute_error = L.mean_absolute_error
mape = MAPE = mean_absolute_percentage_error = L.mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error = L.mean_squared_logarithmic_error
binary_crossentropy = L.binary_crossentropy
categorical_crossentropy = L.categorical_crossentropy
sparse_categorical_crossentropy = L.sparse_categorical_crossentropy
hinge, kld, poisson = L.hinge, L.kl_divergence, L.poisson


# ---- Metric objects --------------------------------------------------------------------------
class Metric:
    """update_state / result / reset_state; ``_stats`` gives the graph sums of one batch."""

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or K.unique_object_name(K.to_snake_case(type(self).__name__))
        self.dtype = dtype or K.floatx()
        self._eager: dict = {}
        self.reset_state()

    # graph side: a list of tensors per batch; Python side: fold them into the totals
    def _stats(self, y_true, y_pred, sample_weight=None) -> list:
        raise NotImplementedError

    def _accumulate(self, values: list) -> None:
        raise NotImplementedError

    def result(self) -> float:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    reset_states = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        """Adds a batch given as NumPy arrays (or lists)."""
        if isinstance(y_true, Tensor) or isinstance(y_pred, Tensor):
            raise TypeError(f"{type(self).__name__}.update_state takes NumPy arrays; in a "
                            "graph, pass the metric to compile(metrics=[...]) instead")
        yt = np.asarray(y_true, dtype=np.float32)
        yp = np.asarray(y_pred, dtype=np.float32)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
        key = (yt.shape, yp.shape, None if sw is None else sw.shape)
        fn = self._eager.get(key)
        if fn is None:
            g = Graph()
            with g.as_default():
                pt = A.placeholder(dtypes.float32, yt.shape)
                pp = A.placeholder(dtypes.float32, yp.shape)
                ps = None if sw is None else A.placeholder(dtypes.float32, sw.shape)
                stats = self._stats(pt, pp, ps)
            sess = Session(graph=g)
            feeds = [pt, pp] + ([ps] if ps is not None else [])
            fn = self._eager[key] = lambda *vals: sess.run(stats, dict(zip(feeds, vals)))
        self._accumulate(fn(yt, yp) if sw is None else fn(yt, yp, sw))

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _weighted_sums(values, sample_weight):
    """[sum(values * w), sum(w over the values' elements)] (w = 1 without weights)."""
    if sample_weight is None:
        return [M.reduce_sum(values), A.cast(A.size(values), values.dtype)]
    sw = A.cast(sample_weight, values.dtype)
    vr, sr = values.shape.ndims, sw.shape.ndims
    while None not in (vr, sr) and sr < vr:
        sw = A.expand_dims(sw, -1)
        sr += 1
    if None not in (vr, sr) and sr == vr + 1:
        sw = A.squeeze(sw, axis=[-1])
    w = sw * A.ones_like(values)
    return [M.reduce_sum(values * w), M.reduce_sum(w)]


class Mean(Metric):
    """The (weighted) mean of the values given to ``update_state(values)``."""

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0

    def _accumulate(self, values) -> None:
        self.total += float(values[0])
        self.count += float(values[1])

    def result(self) -> float:
        return np.float32(self.total / self.count) if self.count else np.float32(0.0)

    def update_state(self, values, sample_weight=None) -> None:
        v = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self._accumulate([v.sum(), v.size])
        else:
            w = np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), v.shape)
            self._accumulate([(v * w).sum(), w.sum()])

    def __call__(self, values, sample_weight=None):
        self.update_state(values, sample_weight)
        return self.result()


class MeanMetricWrapper(Mean):
    """The mean over all samples of ``fn(y_true, y_pred)`` (accuracy, mae, ...)."""

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", None), dtype)

    def _stats(self, y_true, y_pred, sample_weight=None) -> list:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if not values.dtype.is_floating:
            values = A.cast(values, K.floatx())
        return _weighted_sums(values, sample_weight)

    update_state = Metric.update_state
    __call__ = Metric.__call__

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg


def _mean_wrapper(cls_name, fn, default_name, params=()):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        for p, default in params:
            kwargs.setdefault(p, default)
        MeanMetricWrapper.__init__(self, fn, name, dtype, **kwargs)

    return type(cls_name, (MeanMetricWrapper,), {"__init__": __init__})


Accuracy = _mean_wrapper("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _mean_wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                               (("threshold", 0.5),))
CategoricalAccuracy = _mean_wrapper("CategoricalAccuracy", categorical_accuracy,
                                    "categorical_accuracy")
SparseCategoricalAccuracy = _mean_wrapper("SparseCategoricalAccuracy",
                                          sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _mean_wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                        "top_k_categorical_accuracy", (("k", 5),))
MeanSquaredError = _mean_wrapper("MeanSquaredError", L.mean_squared_error,
                                 "mean_squared_error")
MeanAbsoluteError = _mean_wrapper("MeanAbsoluteError", L.mean_absolute_error,
                                  "mean_absolute_error")
MeanAbsolutePercentageError = _mean_wrapper("MeanAbsolutePercentageError",
                                            L.mean_absolute_percentage_error,
                                            "mean_absolute_percentage_error")
BinaryCrossentropy = _mean_wrapper("BinaryCrossentropy", L.binary_crossentropy,
                                   "binary_crossentropy", (("from_logits", False),))
CategoricalCrossentropy = _mean_wrapper("CategoricalCrossentropy", L.categorical_crossentropy,
                                        "categorical_crossentropy", (("from_logits", False),))
SparseCategoricalCrossentropy = _mean_wrapper("SparseCategoricalCrossentropy",
                                              L.sparse_categorical_crossentropy,
                                              "sparse_categorical_crossentropy",
                                              (("from_logits", False),))


class RootMeanSquaredError(MeanMetricWrapper):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(lambda t, p: M.square(L._pair(t, p)[1] - L._pair(t, p)[0]), name,
                         dtype)

    def result(self) -> float:
        return np.float32(np.sqrt(super().result()))

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}


# ---- confusion-matrix metrics ----------------------------------------------------------------
def _confusion(y_true, y_pred, thresholds, sample_weight):
    """Per-threshold [tp, fp, tn, fn] sums; predictions count as positive when > threshold."""
    y_true, y_pred = L._pair(y_true, y_pred)
    t = A.reshape(y_true, [-1, 1])
    p = A.reshape(y_pred, [-1, 1])
    th = A.constant(np.asarray(thresholds, dtype=np.float32).reshape(1, -1),
                    dtype=y_pred.dtype)
    pos = A.cast(p > th, y_pred.dtype)
    neg = 1.0 - pos
    w = None
    if sample_weight is not None:
        sw = A.cast(sample_weight, y_pred.dtype)
        w = A.reshape(sw * A.ones_like(y_true), [-1, 1])
    true, false = t, 1.0 - t
    out = []
    for a, b in ((pos, true), (pos, false), (neg, false), (neg, true)):
        prod = a * b if w is None else a * b * w
        out.append(M.reduce_sum(prod, axis=0))
    return out


class _Confusion(Metric):
    _thresholds = (0.5,)

    def reset_state(self) -> None:
        n = len(self._thresholds)
        self.true_positives = np.zeros(n)
        self.false_positives = np.zeros(n)
        self.true_negatives = np.zeros(n)
        self.false_negatives = np.zeros(n)

    def _stats(self, y_true, y_pred, sample_weight=None) -> list:
        return _confusion(y_true, y_pred, self._thresholds, sample_weight)

    def _accumulate(self, values) -> None:
        self.true_positives += values[0]
        self.false_positives += values[1]
        self.true_negatives += values[2]
        self.false_negatives += values[3]


def _div(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


class Precision(_Confusion):
    """tp / (tp + fp) over all the samples seen."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise NotImplementedError(f"{type(self).__name__}: top_k and class_id are not "
                                      "supported")
        self.thresholds = thresholds
        ts = 0.5 if thresholds is None else thresholds
        self._thresholds = tuple(ts) if isinstance(ts, (list, tuple)) else (float(ts),)
        super().__init__(name, dtype)

    def _value(self):
        return _div(self.true_positives, self.true_positives + self.false_positives)

    def result(self):
        v = self._value().astype(np.float32)
        return v[0] if len(v) == 1 else v

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["thresholds"] = self.thresholds
        return cfg


class Recall(Precision):
    """tp / (tp + fn) over all the samples seen."""

    def _value(self):
        return _div(self.true_positives, self.true_positives + self.false_negatives)


class AUC(_Confusion):
    """Area under the ROC (or PR) curve, from ``num_thresholds`` thresholds in [0, 1]."""

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name=None, dtype=None,
                 thresholds=None, multi_label: bool = False, **kwargs):
        if curve.upper() not in ("ROC", "PR"):
            raise ValueError(f"Invalid AUC curve value: {curve!r}; use 'ROC' or 'PR'")
        if num_thresholds <= 1:
            raise ValueError("num_thresholds must be > 1")
        self.num_thresholds, self.curve = num_thresholds, curve.upper()
        self.summation_method = summation_method
        eps = 1e-7
        if thresholds is not None:
            ts = [0.0 - eps] + sorted(float(t) for t in thresholds) + [1.0 + eps]
            self.num_thresholds = len(ts)
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            ts = [0.0 - eps] + inner + [1.0 + eps]
        self._thresholds = tuple(ts)
        super().__init__(name, dtype)

    def result(self):
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        if self.curve == "ROC":
            x, y = _div(fp, fp + tn), _div(tp, tp + fn)
        else:
            x, y = _div(tp, tp + fn), _div(tp, tp + fp)
        if self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        elif self.summation_method == "majoring":
            heights = np.maximum(y[:-1], y[1:])
        else:
            heights = (y[:-1] + y[1:]) / 2
        return np.float32(np.sum((x[:-1] - x[1:]) * heights))

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(num_thresholds=self.num_thresholds, curve=self.curve,
                   summation_method=self.summation_method)
        return cfg


_FUNCTIONS = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mse": L.mean_squared_error, "mean_squared_error": L.mean_squared_error,
    "mae": L.mean_absolute_error, "mean_absolute_error": L.mean_absolute_error,
    "mape": L.mean_absolute_percentage_error,
    "mean_absolute_percentage_error": L.mean_absolute_percentage_error,
    "msle": L.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error": L.mean_squared_logarithmic_error,
    "binary_crossentropy": L.binary_crossentropy,
    "categorical_crossentropy": L.categorical_crossentropy,
    "sparse_categorical_crossentropy": L.sparse_categorical_crossentropy,
    "hinge": L.hinge, "kld": L.kl_divergence, "poisson": L.poisson,
}
_CLASSES = {c.__name__: c for c in (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    RootMeanSquaredError, Precision, Recall, AUC, Mean)}
_STRING_CLASSES = {"auc": AUC, "precision": Precision, "recall": Recall}


def _loss_fn(loss):
    if isinstance(loss, str):
        try:
            loss = L.get(loss)
        except ValueError:
            return None
    return L.base_function(loss)


def _is_binary_loss(loss) -> bool:
    fn = _loss_fn(loss)
    return fn is L.binary_crossentropy or getattr(fn, "__name__", "") == "binary_crossentropy"


def _is_sparse_loss(loss) -> bool:
    fn = _loss_fn(loss)
    return fn is L.sparse_categorical_crossentropy or \
        getattr(fn, "__name__", "") == "sparse_categorical_crossentropy"


def accuracy_for(loss, true_shape, pred_shape):
    """Which accuracy 'accuracy' means: binary for one sigmoid unit or a binary loss (multi-
    label too), sparse for integer labels, categorical otherwise (as tf.keras chose)."""
    pred_last = pred_shape[-1] if pred_shape else None
    true_rank, pred_rank = len(true_shape), len(pred_shape)
    true_last = true_shape[-1] if true_shape else None
    if pred_last == 1 or _is_binary_loss(loss):
        return binary_accuracy
    if _is_sparse_loss(loss) or true_rank < pred_rank or (true_last == 1 and pred_last != 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


def get(identifier, loss=None, true_shape=None, pred_shape=None) -> Metric:
    """A Metric object for a name ("accuracy", "mae", "AUC"...), a function or a Metric."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier in ("accuracy", "acc"):
            fn = accuracy_for(loss, true_shape or (None,), pred_shape or (None,))
            return MeanMetricWrapper(fn, identifier)
        if identifier in ("crossentropy", "ce"):
            fn = L.binary_crossentropy if _is_binary_loss(loss) else (
                L.sparse_categorical_crossentropy if _is_sparse_loss(loss)
                else L.categorical_crossentropy)
            return MeanMetricWrapper(fn, identifier)
        if identifier in _FUNCTIONS:
            return MeanMetricWrapper(_FUNCTIONS[identifier], identifier)
        cls = _CLASSES.get(identifier) or _STRING_CLASSES.get(identifier.lower())
        if cls is not None:
            return cls()
        raise ValueError(f"Unknown metric function: {identifier!r}. Valid names: accuracy, "
                         f"acc, crossentropy, {', '.join(sorted(_FUNCTIONS))}, "
                         f"{', '.join(sorted(_CLASSES))}")
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, L.Loss):  # a loss object as a metric: its per-sample values
        return MeanMetricWrapper(identifier.call, identifier.name)
    if callable(identifier):
        return MeanMetricWrapper(identifier, getattr(identifier, "__name__", "metric"))
    raise TypeError(f"Could not interpret metric identifier: {identifier!r}")


def check_name(identifier) -> None:
    """Fails early (at compile) on a metric name that ``get`` would reject."""
    if isinstance(identifier, str) and identifier not in ("accuracy", "acc", "crossentropy",
                                                          "ce") \
            and identifier not in _FUNCTIONS and identifier not in _CLASSES \
            and identifier.lower() not in _STRING_CLASSES:
        get(identifier)  # raises, listing the valid names


def serialize(metric):
    if isinstance(metric, str):
        return metric
    if isinstance(metric, Metric) and type(metric).__name__ in _CLASSES:
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    name = getattr(metric, "__name__", None)
    if name in _FUNCTIONS:
        return name
    raise ValueError(f"Cannot serialize the custom metric {metric!r}")


def deserialize(config):
    if isinstance(config, str):
        return config
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown metric class: {config.get('class_name')!r}")
    return cls.from_config(config.get("config", {}))
