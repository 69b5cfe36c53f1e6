"""tf.layers core layers: Dense, Dropout, Flatten (the Keras classes in a variable scope) and
their functional forms."""

from __future__ import annotations

from ..framework.ops import Tensor
from ..keras.layers import core as keras_core
from ..ops import init_ops
from .base import Layer


class Dense(keras_core.Dense, Layer):
    """``outputs = activation(inputs @ kernel + bias)``; variables ``<name>/kernel``, ``/bias``.

    TF1's default ``kernel_initializer=None`` lets ``get_variable`` choose (the scope's
    initializer, else Glorot uniform)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer, bias_initializer,
                         **kwargs)


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None) -> Tensor:
    """A fully connected layer: ``tf.layers.dense(X, 300, activation=tf.nn.relu,
    name="hidden1")`` creates ``hidden1/kernel`` [n_in, 300] and ``hidden1/bias`` [300]."""
    layer = Dense(units, activation, use_bias, kernel_initializer, bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                  bias_constraint=bias_constraint, trainable=trainable, name=name, _reuse=reuse)
    return layer(inputs)


class Dropout(keras_core.Dropout, Layer):
    """Zeroes a ``rate`` fraction of the inputs (scaling the rest) when ``training``."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(rate, noise_shape, seed, name=name, **kwargs)

    def call(self, inputs, training=False):
        return super().call(inputs, training=training)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None) -> Tensor:
    """``tf.layers.dropout(h, rate, training=is_training)``: identity unless ``training``
    (a Python bool or a bool tensor such as a ``placeholder_with_default(False, [])``; a
    tensor switches with ``tf.cond``, so no mask is drawn when it is False)."""
    return Dropout(rate, noise_shape, seed, name=name)(inputs, training=training)


class Flatten(keras_core.Flatten, Layer):
    """Reshapes [batch, d1, d2, ...] to [batch, d1 * d2 * ...]."""


def flatten(inputs, name=None, data_format="channels_last") -> Tensor:
    return Flatten(data_format, name=name)(inputs)
