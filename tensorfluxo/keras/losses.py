"""tf.keras.losses: functions ``fn(y_true, y_pred) -> per-sample loss`` and Loss classes.

The functions average over the last axis; the classes (``BinaryCrossentropy()``) then reduce
over the batch, weighted by ``sample_weight`` (sum / number of elements, as tf.keras).
Probabilities are clipped to [epsilon, 1 - epsilon] (epsilon 1e-7) as Keras does; when
``y_pred`` comes straight out of a sigmoid or softmax op, its logits are used instead, which
is exact and stable (tf.keras does the same in graph mode).
"""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.eager_tensor import EagerTensor
from ..framework.ops import Tensor, convert_to_tensor
from ..framework.tensor_shape import broadcast_shapes
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..ops import nn_ops as N
from . import backend as K


def _pair(y_true, y_pred):
    """Both as tensors, y_true cast to y_pred's float dtype."""
    y_pred = convert_to_tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = A.cast(y_pred, K.floatx())
    y_true = y_true if isinstance(y_true, Tensor) else convert_to_tensor(np.asarray(y_true))
    if y_true.dtype is not y_pred.dtype:
        y_true = A.cast(y_true, y_pred.dtype)
    if broadcast_shapes(y_true.shape, y_pred.shape) is None:
        raise ValueError(f"Loss: y_true (the targets) of shape {y_true.shape} and y_pred (the "
                         f"model's output) of shape {y_pred.shape} are incompatible: they must "
                         "have the same shape (check the last layer's units against the "
                         "labels, e.g. one-hot vs integer labels)")
    return y_true, y_pred


def _sigmoid_xent_logits(labels, logits):
    """max(x, 0) - x * z + log(1 + exp(-|x|)): stable for any logits."""
    fn = getattr(N, "sigmoid_cross_entropy_with_logits", None)
    if fn is not None:
        return fn(labels=labels, logits=logits)
    return M.relu(logits) - logits * labels + M.log1p(M.exp(-M.abs(logits)))


def _clip(p):
    eps = K.epsilon()
    return M.clip_by_value(p, eps, 1.0 - eps)


# ---- functional forms ------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return M.reduce_mean(M.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return M.reduce_mean(M.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    diff = M.abs((y_true - y_pred) / M.maximum(M.abs(y_true), K.epsilon()))
    return 100.0 * M.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    a = M.log(M.maximum(y_pred, K.epsilon()) + 1.0)
    b = M.log(M.maximum(y_true, K.epsilon()) + 1.0)
    return M.reduce_mean(M.square(a - b), axis=-1)


def _made_by(t, op_type: str) -> bool:
    """True when graph tensor ``t`` is an ``op_type`` output (its logits are then used). An
    eager tensor has no op: probabilities are clipped instead, as in TF2's eager Keras."""
    return not isinstance(t, EagerTensor) and t.op.type == op_type


def _binary_crossentropy_elems(y_true, y_pred, from_logits):
    if from_logits:
        return _sigmoid_xent_logits(y_true, y_pred)
    if _made_by(y_pred, "Sigmoid"):  # the model's own sigmoid: use its logits
        return _sigmoid_xent_logits(y_true, y_pred.op.inputs[0])
    p = _clip(y_pred)
    eps = K.epsilon()
    return -(y_true * M.log(p + eps) + (1.0 - y_true) * M.log(1.0 - p + eps))


def binary_crossentropy(y_true, y_pred, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1):
    """Mean over the last axis of -(y log p + (1 - y) log(1 - p))."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return M.reduce_mean(_binary_crossentropy_elems(y_true, y_pred, from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1):
    """-sum(y * log p) over the classes (the last axis); y one-hot (or probabilities)."""
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        k = y_pred.shape.as_list()[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / k
    if not y_true.shape.is_compatible_with(y_pred.shape):
        raise ValueError(f"Shapes {y_true.shape} and {y_pred.shape} are incompatible: "
                         "categorical_crossentropy needs one-hot labels shaped like the "
                         "predictions (use sparse_categorical_crossentropy for integer labels)")
    if from_logits:
        return N.softmax_cross_entropy_with_logits_v2(labels=y_true, logits=y_pred)
    if _made_by(y_pred, "Softmax"):
        return N.softmax_cross_entropy_with_logits_v2(labels=y_true,
                                                      logits=y_pred.op.inputs[0])
    p = y_pred / M.reduce_sum(y_pred, axis=-1, keepdims=True)
    return -M.reduce_sum(y_true * M.log(_clip(p)), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False, axis: int = -1):
    """Cross-entropy with integer class labels (shape (batch,) or (batch, 1))."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    if from_logits:
        logits = y_pred
    elif _made_by(y_pred, "Softmax"):
        logits = y_pred.op.inputs[0]
    else:
        logits = M.log(_clip(y_pred))
    labels = A.cast(y_true, dtypes.int64) if not y_true.dtype.is_integer else y_true
    pr, lr = y_pred.shape.ndims, labels.shape.ndims
    last = labels.shape.as_list()[-1] if lr else None
    if lr is not None and pr is not None and not (lr == pr - 1 or lr == pr and last in (1, None)):
        raise ValueError(f"sparse_categorical_crossentropy: y_true (integer class labels) of "
                         f"shape {labels.shape} does not fit y_pred of shape {y_pred.shape}: "
                         "labels are shaped like y_pred without its class axis (or with a "
                         "class axis of 1); one-hot labels need categorical_crossentropy")
    if lr is not None and pr is not None and lr == pr:
        labels = A.reshape(labels, [-1]) if pr == 2 else A.squeeze(labels, axis=[-1])
    return N.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def huber(y_true, y_pred, delta: float = 1.0):
    y_true, y_pred = _pair(y_true, y_pred)
    err = M.abs(y_pred - y_true)
    quad = 0.5 * M.square(err)
    lin = delta * err - 0.5 * delta * delta
    return M.reduce_mean(M.where(err <= delta, quad, lin), axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return M.reduce_mean(M.relu(1.0 - y_true * y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return M.reduce_mean(M.square(M.relu(1.0 - y_true * y_pred)), axis=-1)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    t, p = _clip(y_true), _clip(y_pred)
    return M.reduce_sum(t * M.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return M.reduce_mean(y_pred - y_true * M.log(y_pred + K.epsilon()), axis=-1)


def log_cosh(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return M.reduce_mean(x + M.log1p(M.exp(-2.0 * x)) - 0.6931471805599453, axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber


# ---- classes ---------------------------------------------------------------------------------
def reduce_weighted(values, sample_weight=None, mask=None):
    """sum(values * sample_weight) / number of elements (tf.keras' SUM_OVER_BATCH_SIZE); with
    a Keras ``mask``, / the number of unmasked elements (the weights then include the mask)."""
    if sample_weight is not None:
        sw = convert_to_tensor(sample_weight, dtype=values.dtype) \
            if not isinstance(sample_weight, Tensor) else A.cast(sample_weight, values.dtype)
        vr, sr = values.shape.ndims, sw.shape.ndims
        while sr is not None and vr is not None and sr < vr:
            sw = A.expand_dims(sw, -1)
            sr += 1
        if sr is not None and vr is not None and sr == vr + 1:
            sw = A.squeeze(sw, axis=[-1])
        values = values * sw
    n = A.cast(A.size(values), values.dtype) if mask is None else \
        M.maximum(M.reduce_sum(A.cast(mask, values.dtype)), 1.0)
    return M.reduce_sum(values) / n


class Loss:
    """Base class: ``call(y_true, y_pred)`` gives per-sample losses; calling the object
    reduces them to a scalar."""

    def __init__(self, reduction: str = "auto", name: str | None = None):
        self.reduction, self.name = reduction, name or K.to_snake_case(type(self).__name__)

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        if self.reduction == "none":
            return values if sample_weight is None else values * sample_weight
        loss = reduce_weighted(values, sample_weight)
        if self.reduction == "sum":
            return loss * A.cast(A.size(values), loss.dtype)
        return loss

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    def __init__(self, fn, reduction="auto", name=None, **kwargs):
        super().__init__(reduction, name)
        self.fn, self._fn_kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg


def _wrapper(cls_name, fn, default_name, params=()):
    def __init__(self, *args, reduction="auto", name=default_name, **kwargs):
        for p, v in zip(params, args):
            kwargs[p[0]] = v
        for p, default in params:
            kwargs.setdefault(p, default)
        unknown = set(kwargs) - {p for p, _ in params}
        if unknown:
            raise TypeError(f"{cls_name} got an unexpected keyword argument "
                            f"{sorted(unknown)[0]!r}")
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **kwargs)

    return type(cls_name, (LossFunctionWrapper,), {"__init__": __init__, "_fn": fn})


MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError",
                                       mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError",
                                       mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                              (("from_logits", False), ("label_smoothing", 0.0),
                               ("axis", -1)))
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", categorical_crossentropy,
                                   "categorical_crossentropy",
                                   (("from_logits", False), ("label_smoothing", 0.0),
                                    ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy",
                                         sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy",
                                         (("from_logits", False), ("axis", -1)))
Huber = _wrapper("Huber", huber, "huber_loss", (("delta", 1.0),))
Hinge = _wrapper("Hinge", hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, "squared_hinge")
KLDivergence = _wrapper("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _wrapper("Poisson", poisson, "poisson")
LogCosh = _wrapper("LogCosh", log_cosh, "log_cosh")

_FUNCTIONS = {
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "huber": huber, "huber_loss": huber, "hinge": hinge, "squared_hinge": squared_hinge,
    "kl_divergence": kl_divergence, "kld": kl_divergence,
    "kullback_leibler_divergence": kl_divergence, "poisson": poisson,
    "log_cosh": log_cosh, "logcosh": log_cosh,
}
_CLASSES = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Huber, Hinge, SquaredHinge, KLDivergence, Poisson, LogCosh)}


def get(identifier):
    """A loss function or Loss object from a name, a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        fn = _FUNCTIONS.get(identifier) or _FUNCTIONS.get(identifier.lower())
        if fn is None and identifier in _CLASSES:
            return _CLASSES[identifier]()
        if fn is None:
            raise ValueError(f"Unknown loss function: {identifier!r}. Valid names: "
                             f"{', '.join(sorted(set(_FUNCTIONS) | set(_CLASSES)))}")
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret loss function identifier: {identifier!r}")


def serialize(loss):
    if isinstance(loss, Loss):
        if type(loss).__name__ not in _CLASSES:
            raise ValueError(f"Cannot serialize the custom loss {loss!r}")
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if name in _FUNCTIONS and _FUNCTIONS[name] is loss:
        return name
    raise ValueError(f"Cannot serialize the custom loss {loss!r}; pass it in custom_objects "
                     "when loading")


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown loss class: {config.get('class_name')!r}")
    return cls(**config.get("config", {}))


def loss_name(loss) -> str:
    """What Keras calls a loss in messages and configs."""
    if isinstance(loss, Loss):
        return loss.name
    return getattr(loss, "__name__", type(loss).__name__)


def base_function(loss):
    """The per-sample function behind a loss (for choosing the accuracy metric)."""
    if isinstance(loss, LossFunctionWrapper):
        return loss.fn
    return loss
