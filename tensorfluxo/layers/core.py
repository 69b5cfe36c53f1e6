"""tf.layers core layers: Dense, Dropout, Flatten and their functional forms."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, convert_to_tensor, name_scope
from ..ops import array_ops, init_ops, math_ops, nn_ops
from ..ops._util import dims
from .base import Layer


def select(training, when_true, when_false):
    """``when_true() if training else when_false()`` for a Python bool or a bool tensor.

    A tensor flag builds both branches and picks one with ``tf.where`` (there is no
    tf.cond): both are cheap here and neither has side effects."""
    if isinstance(training, (bool, np.bool_)) or training is None:
        return when_true() if training else when_false()
    t = convert_to_tensor(training)
    if t.dtype is not dtypes.bool:
        t = array_ops.cast(t, dtypes.bool)
    return math_ops.where(t, when_true(), when_false())


class Dense(Layer):
    """``outputs = activation(inputs @ kernel + bias)``; variables ``<name>/kernel``, ``/bias``."""

    _weight_names = {"kernel": "kernel", "bias": "bias"}  # contrib names them weights/biases

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if int(units) <= 0:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel = self.bias = None

    def build(self, input_shape) -> None:
        d = input_shape.as_list() if input_shape.ndims is not None else None
        if d is None or d[-1] is None:
            raise ValueError(f"The last dimension of the inputs to `Dense` ('{self.name}') "
                             f"should be defined. Found `None` (input shape {input_shape}).")
        if len(d) < 2:
            raise ValueError(f"Input 0 of layer '{self.name}' should have rank >= 2, got "
                             f"shape {input_shape}")
        self.kernel = self.add_weight(self._weight_names["kernel"], [d[-1], self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.bias = self.add_weight(self._weight_names["bias"], [self.units],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)

    def call(self, inputs):
        if inputs.dtype is not self.kernel.dtype:
            inputs = array_ops.cast(inputs, self.kernel.dtype)
        if len(dims(inputs)) == 2:
            out = math_ops.matmul(inputs, self.kernel)
        else:
            out = math_ops.tensordot(inputs, self.kernel, [[len(dims(inputs)) - 1], [0]])
        if self.use_bias:
            out = nn_ops.bias_add(out, self.bias)
        if self.activation is not None:
            out = self.activation(out)
        if self.activity_regularizer is not None:
            with name_scope("ActivityRegularizer"):
                self._losses.append(self.activity_regularizer(out))
        return out


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None) -> Tensor:
    """A fully connected layer: ``tf.layers.dense(X, 300, activation=tf.nn.relu,
    name="hidden1")`` creates ``hidden1/kernel`` [n_in, 300] and ``hidden1/bias`` [300]."""
    layer = Dense(units, activation, use_bias, kernel_initializer, bias_initializer,
                  kernel_regularizer, bias_regularizer, activity_regularizer, trainable=trainable,
                  name=name, _reuse=reuse)
    return layer(inputs)


class Dropout(Layer):
    """Zeroes a ``rate`` fraction of the inputs (scaling the rest) when ``training``."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        if isinstance(self.rate, (int, float)) and not 0 <= self.rate < 1:
            raise ValueError(f"dropout rate must be in [0, 1), got {self.rate}")
        return select(training,
                      lambda: nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                                             seed=self.seed),
                      lambda: array_ops.identity(inputs))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None) -> Tensor:
    """``tf.layers.dropout(h, rate, training=is_training)``: identity unless ``training``
    (a Python bool or a bool tensor such as a ``placeholder_with_default(False, [])``)."""
    return Dropout(rate, noise_shape, seed, name=name)(inputs, training=training)


class Flatten(Layer):
    """Reshapes [batch, d1, d2, ...] to [batch, d1 * d2 * ...]."""

    def call(self, inputs):
        d = dims(inputs)
        if d is None:
            raise ValueError("Flatten needs inputs of known rank")
        rest = d[1:]
        if None not in rest:
            return array_ops.reshape(inputs, [-1, int(np.prod(rest, dtype=np.int64))])
        return array_ops.reshape(inputs, array_ops.stack([array_ops.shape(inputs)[0], -1]))


def flatten(inputs, name=None, data_format="channels_last") -> Tensor:
    return Flatten(name=name)(inputs)
