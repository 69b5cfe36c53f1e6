"""Core layers: Dense, Dropout, Activation, Flatten, Reshape, LeakyReLU, ReLU, Softmax, Lambda.

tf.layers' Dense, Dropout and Flatten are these classes (layers/core.py subclasses them).
"""

from __future__ import annotations

import base64
import importlib
import marshal
import sys
import types

import numpy as np

from ...framework.ops import Graph, Tensor
from ...ops import array_ops as A
from ...ops import control_flow_ops
from ...ops import math_ops as M
from ...ops import nn_ops as N
from .. import activations, constraints, initializers, regularizers
from .. import backend as K
from ..engine import Layer


def _dims_str(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis.

    >>> Dense(4, activation="relu", input_shape=(2,))
    """

    supports_masking = True

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer, got {units!r} (layer {self.name!r})")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape) -> None:
        last = input_shape[-1] if input_shape else None
        if last is None:
            raise ValueError(f"The last dimension of the inputs to `Dense` (layer "
                             f"{self.name!r}) should be defined. Found None in input shape "
                             f"{_dims_str(input_shape) if input_shape else input_shape}.")
        self.kernel = self.add_weight("kernel", (last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _check_input(self, xs) -> None:
        if not self.built:
            if xs[0].shape.ndims is not None and xs[0].shape.ndims < 2:
                raise ValueError(f"Input 0 of layer {self.name!r} (Dense) is incompatible with "
                                 f"the layer: expected min_ndim=2, found ndim="
                                 f"{xs[0].shape.ndims}. Full shape received: "
                                 f"{_dims_str(xs[0].shape.as_list())}")
            return
        shape = xs[0].shape.as_tuple()
        expected = self.kernel.shape.as_list()[0]
        if shape is not None and shape[-1] is not None and shape[-1] != expected:
            raise ValueError(f"Input 0 of layer {self.name!r} (Dense) is incompatible with the "
                             f"layer: expected axis -1 of input shape to have value {expected}, "
                             f"but received input with shape {_dims_str(shape)}")

    def call(self, inputs):
        r = inputs.shape.ndims
        if r == 2:
            y = M.matmul(inputs, self.kernel)
        else:  # (..., in) -> (..., units): one matmul on the flattened leading axes
            flat = A.reshape(inputs, [-1, self.kernel.shape.as_list()[0]])
            lead = [A.shape(inputs)[i] for i in range(r - 1)]
            y = A.reshape(M.matmul(flat, self.kernel), lead + [self.units])
            y.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        if self.use_bias:
            y = N.bias_add(y, self.bias)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(units=self.units, activation=activations.serialize(self.activation),
                   use_bias=self.use_bias,
                   kernel_initializer=initializers.serialize(self.kernel_initializer),
                   bias_initializer=initializers.serialize(self.bias_initializer),
                   kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                   bias_regularizer=regularizers.serialize(self.bias_regularizer),
                   activity_regularizer=regularizers.serialize(self.activity_regularizer),
                   kernel_constraint=constraints.serialize(self.kernel_constraint),
                   bias_constraint=constraints.serialize(self.bias_constraint))
        return cfg


class Activation(Layer):
    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["activation"] = activations.serialize(self.activation)
        return cfg


class LeakyReLU(Layer):
    """max(x, alpha * x) with Keras' default alpha 0.3."""

    supports_masking = True

    def __init__(self, alpha: float = 0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.leaky_relu(inputs, alpha=self.alpha)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["alpha"] = self.alpha
        return cfg


class ReLU(Layer):
    supports_masking = True

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(max_value=self.max_value, negative_slope=self.negative_slope,
                   threshold=self.threshold)
        return cfg


class Softmax(Layer):
    supports_masking = True

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of the inputs while training (scaling the rest by
    1 / (1 - rate)); the identity in predict and evaluate.

    ``rate`` may be a scalar tensor (tf.contrib.layers.dropout's keep_prob), and ``noise_shape``
    a shape broadcast against the inputs (one draw per kept feature map, say).
    """

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, Tensor):
            if not 0 <= float(rate) < 1:
                raise ValueError(f"Invalid value received for argument `rate`: {rate!r}; the "
                                 f"dropout rate must be in [0, 1) (layer {self.name!r})")
            rate = float(rate)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=None):
        flag = K.training_flag(training, inputs.graph)
        if flag is False or (isinstance(self.rate, float) and self.rate == 0):
            return A.identity(inputs)
        if flag is True:
            return N.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                             seed=self.seed)
        y = M.multiply(inputs, dropout_keep(noise_shape_of(inputs, self.noise_shape),
                                            inputs.dtype, self.rate, flag, self.seed))
        y.set_shape(inputs.shape)
        return y

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return cfg


def dropout_keep(shape, dtype, rate, flag, seed=None):
    """A dropout keep mask (0 or 1 / (1 - rate)) of ``shape`` while ``flag`` (a bool or a
    bool tensor) says training; ones (a scalar one for a tensor flag) otherwise.

    With a tensor flag, the cond draws the mask only while training, so inference advances
    no random stream. Multiply outside the cond: the cond's gradient cannot use a tensor made
    inside a branch (it would draw it again)."""
    if flag is False:
        return A.ones([], dtype)
    if flag is True:
        return N.dropout(A.ones(shape, dtype), rate=rate, seed=seed)
    one = A.ones([], dtype)  # a scalar: its shape must not narrow the mask's
    return control_flow_ops.cond(flag, lambda: N.dropout(A.ones(shape, dtype), rate=rate,
                                                         seed=seed),
                                 lambda: one, name="keep_mask")


def noise_shape_of(inputs, noise_shape):
    """A random mask's shape: ``noise_shape`` with its None entries (or all) from the inputs."""
    static = inputs.shape.as_list()
    dims = static if noise_shape is None else [
        s if d is None else int(d) for d, s in zip(noise_shape, static)]
    if None not in dims:
        return dims
    dynamic = A.shape(inputs)
    if noise_shape is None:
        return dynamic
    return A.stack([dynamic[i] if d is None else d for i, d in enumerate(dims)])


class Flatten(Layer):
    """Reshapes [batch, d1, d2, ...] to [batch, d1 * d2 * ...]."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, inputs):
        shape = inputs.shape.as_list() if inputs.shape.ndims is not None else None
        if shape is None:
            raise ValueError(f"Flatten (layer {self.name!r}) needs inputs of known rank, got "
                             f"{inputs.name} of unknown shape")
        rest = shape[1:]
        if None not in rest:
            return A.reshape(inputs, [-1, int(np.prod(rest, dtype=np.int64))])
        return A.reshape(inputs, A.stack([A.shape(inputs)[0], -1]))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else int(np.prod(rest, dtype=np.int64)))

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["data_format"] = "channels_last"
        return cfg


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"There must be at most one unknown dimension (-1) in "
                             f"target_shape {self.target_shape} (layer {self.name!r})")

    def build(self, input_shape) -> None:
        rest = input_shape[1:]
        if None not in rest:
            n = int(np.prod(rest, dtype=np.int64))
            known = int(np.prod([d for d in self.target_shape if d != -1], dtype=np.int64))
            ok = n % known == 0 if -1 in self.target_shape else n == known
            if not ok:
                raise ValueError(f"total size of new array must be unchanged: layer "
                                 f"{self.name!r} cannot reshape input_shape "
                                 f"{_dims_str(input_shape)} to target_shape "
                                 f"{self.target_shape}")
        self.built = True

    def call(self, inputs):
        shape = self.compute_output_shape(tuple(inputs.shape.as_list()))[1:]
        if None not in shape:
            return A.reshape(inputs, [-1] + list(shape))
        # the batch axis from the inputs, so that the target's own -1 is the one inferred
        return A.reshape(inputs, A.stack([A.shape(inputs)[0]] + list(self.target_shape)))

    def compute_output_shape(self, input_shape):
        shape = list(self.target_shape)
        if -1 in shape:
            rest = input_shape[1:]
            known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
            shape[shape.index(-1)] = None if None in rest else \
                int(np.prod(rest, dtype=np.int64)) // known
        return (input_shape[0],) + tuple(shape)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["target_shape"] = list(self.target_shape)
        return cfg


# ---- Lambda --------------------------------------------------------------------------------
def _serialize_function(fn) -> dict:
    """A named module-level function by name; a lambda by its code (loaded only in unsafe mode)."""
    name = getattr(fn, "__name__", "")
    module = getattr(fn, "__module__", None)
    if name != "<lambda>" and module and "<locals>" not in getattr(fn, "__qualname__", "<"):
        return {"function_type": "function", "module": module, "name": fn.__qualname__}
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    return {"function_type": "lambda", "python": list(sys.version_info[:2]), "code": code,
            "defaults": list(fn.__defaults__) if fn.__defaults__ else None}


def _deserialize_function(cfg: dict, safe_mode: bool):
    if safe_mode:
        raise ValueError("Loading a Lambda layer runs Python code stored in the file, which is "
                         "not allowed in safe mode. If you trust the file, pass "
                         "safe_mode=False to load_model / model_from_json.")
    if cfg["function_type"] == "function":
        obj = importlib.import_module(cfg["module"])
        for part in cfg["name"].split("."):
            obj = getattr(obj, part)
        return obj
    if tuple(cfg.get("python", ())) != tuple(sys.version_info[:2]):
        raise ValueError(f"This Lambda layer was saved by Python {cfg.get('python')}; its code "
                         f"cannot be loaded by Python {sys.version_info[:2]}")
    code = marshal.loads(base64.b64decode(cfg["code"]))
    defaults = tuple(cfg["defaults"]) if cfg.get("defaults") else None
    import tensorfluxo
    glb = {"tf": tensorfluxo, "K": K, "np": np, "__builtins__": __builtins__}
    return types.FunctionType(code, glb, code.co_name, defaults)


class Lambda(Layer):
    """Wraps a function of tensors as a layer: ``Lambda(lambda x: x ** 2)``."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self._function_config = None  # as loaded: marshal's bytes are not stable across dumps

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        """``output_shape`` if given (a shape without the batch axis, or a function of the
        input shape), else the shape the function gives a placeholder in a scratch graph."""
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        if self._output_shape is not None:
            return (input_shape[0],) + tuple(self._output_shape)
        with Graph().as_default():
            if isinstance(input_shape, list):
                y = self.call([A.placeholder(self.dtype, s) for s in input_shape])
            else:
                y = self.call(A.placeholder(self.dtype, input_shape))
            return tuple(y.shape.as_list())

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(function=self._function_config or _serialize_function(self.function),
                   arguments=self.arguments,
                   output_shape=self._output_shape)
        return cfg

    @classmethod
    def from_config(cls, config: dict, safe_mode: bool = True):
        cfg = dict(config)
        cfg["function"] = _deserialize_function(cfg["function"], safe_mode)
        layer = cls(**cfg)
        layer._function_config = config["function"]
        return layer


class Permute(Layer):
    """Permutes the non-batch axes: ``Permute((2, 1))`` swaps rows and columns of each
    sample (axes are numbered from 1)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute layer "
                             f"{self.name!r}: {self.dims}. The set of indices in `dims` must "
                             f"be consecutive and start from 1.")

    def build(self, input_shape) -> None:
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute (layer {self.name!r}) with dims {self.dims} needs "
                             f"inputs of rank {len(self.dims) + 1}, got shape "
                             f"{_dims_str(input_shape)}")
        self.built = True

    def call(self, inputs):
        return A.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["dims"] = list(self.dims)
        return cfg


class ActivityRegularization(Layer):
    """The identity, adding l1 * sum|x| + l2 * sum x² of its inputs to the model's loss."""

    supports_masking = True

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    def call(self, inputs):
        return A.identity(inputs)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(l1=self.l1, l2=self.l2)
        return cfg


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["n"] = self.n
        return cfg


class Masking(Layer):
    """Masks the time steps whose features all equal ``mask_value``: they are zeroed here and
    skipped by the recurrent layers (and the loss) downstream.

    >>> Masking(mask_value=0.0, input_shape=(timesteps, features))
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return M.reduce_any(M.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = M.reduce_any(M.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return inputs * A.cast(keep, inputs.dtype)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["mask_value"] = self.mask_value
        return cfg
