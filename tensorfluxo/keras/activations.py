"""tf.keras.activations: functions of one tensor, also named by strings ("relu", ...)."""

from __future__ import annotations

import math

from ..framework.ops import convert_to_tensor
from ..ops import math_ops as M
from ..ops import nn_ops as N


def _nn(name):
    """tf.nn's op when the engine has it (one fused op), else None."""
    return getattr(N, name, None)


def linear(x):
    return x


def relu(x, alpha: float = 0.0, max_value=None, threshold: float = 0.0):
    """max(x, 0); with ``alpha`` a leak below ``threshold``, with ``max_value`` a cap."""
    x = convert_to_tensor(x)
    if alpha == 0.0 and threshold == 0.0:
        y = M.relu(x)
    else:
        y = M.where(x >= threshold, x, alpha * (x - threshold))
    return y if max_value is None else M.minimum(y, float(max_value))


def sigmoid(x):
    return M.sigmoid(x)


def tanh(x):
    return M.tanh(x)


def softmax(x, axis: int = -1):
    x = convert_to_tensor(x)
    if x.shape.ndims == 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    return N.softmax(x, axis=axis)


def exponential(x):
    return M.exp(x)


def elu(x, alpha: float = 1.0):
    fn = _nn("elu")
    if fn is not None and alpha == 1.0:
        return fn(x)
    x = convert_to_tensor(x)
    return M.where(x > 0, x, alpha * (M.exp(M.minimum(x, 0.0)) - 1.0))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    fn = _nn("selu")
    if fn is not None:
        return fn(x)
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def leaky_relu(x, alpha: float = 0.2):
    fn = _nn("leaky_relu")
    if fn is not None:
        return fn(x, alpha=alpha)
    x = convert_to_tensor(x)
    return M.maximum(x, alpha * x)


def softplus(x):
    fn = _nn("softplus")
    if fn is not None:
        return fn(x)
    x = convert_to_tensor(x)
    return M.relu(x) + M.log1p(M.exp(-M.abs(x)))


def softsign(x):
    x = convert_to_tensor(x)
    return x / (M.abs(x) + 1.0)


def swish(x):
    x = convert_to_tensor(x)
    return x * M.sigmoid(x)


silu = swish


def gelu(x, approximate: bool = False):
    x = convert_to_tensor(x)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + M.tanh(c * (x + 0.044715 * x * x * x)))
    fn = _nn("erf") or getattr(M, "erf", None)
    if fn is None:  # no erf op yet: the tanh form (max. error ~1e-3)
        return gelu(x, approximate=True)
    return 0.5 * x * (1.0 + fn(x / math.sqrt(2.0)))


def hard_sigmoid(x):
    x = convert_to_tensor(x)
    return M.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, exponential, elu, selu,
                                     leaky_relu, softplus, softsign, swish, gelu, hard_sigmoid)}
_BY_NAME["silu"] = swish


def get(identifier):
    """An activation from a name, a function or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation function: {identifier!r}. Valid names: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return fn
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(fn) -> str:
    """The name saved in a layer config; functions from other modules keep their __name__."""
    if fn is None:
        return "linear"
    name = getattr(fn, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is fn:
        return name
    from . import layers as _layers
    if isinstance(fn, _layers.Layer):  # e.g. an activation given as a LeakyReLU layer
        raise ValueError("Layer objects as activations cannot be serialized; add the layer "
                         "to the model instead")
    if name and name in _BY_NAME:
        return name
    if name == "<lambda>" or name is None:
        raise ValueError(f"Cannot serialize the activation {fn!r}: use a named function")
    return name


def deserialize(name):
    return get(name)
