"""tf.layers convolution and pooling: the Keras classes in a variable scope (``conv2d/kernel``,
``conv2d/bias``) and their functional forms, with TF1's defaults (``kernel_initializer=None``
lets ``get_variable`` choose; ``data_format='channels_last'``)."""

from __future__ import annotations

from ..framework.ops import Tensor
from ..keras.layers import convolutional as kconv
from ..keras.layers import pooling as kpool
from ..ops import init_ops
from .base import Layer


def _tf1_defaults(kwargs: dict) -> dict:
    kwargs.setdefault("data_format", "channels_last")
    kwargs.setdefault("kernel_initializer", None)
    kwargs.setdefault("bias_initializer", init_ops.zeros_initializer())
    return kwargs


class Conv1D(kconv.Conv1D, Layer):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", **kwargs):
        super().__init__(filters, kernel_size, strides, padding, **_tf1_defaults(kwargs))


class Conv2D(kconv.Conv2D, Layer):
    """``Conv2D(32, 5, padding="same", activation=tf.nn.relu)``; variables ``<name>/kernel``
    [5, 5, in, 32] and ``<name>/bias``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", **kwargs):
        super().__init__(filters, kernel_size, strides, padding, **_tf1_defaults(kwargs))


class Conv2DTranspose(kconv.Conv2DTranspose, Layer):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", **kwargs):
        super().__init__(filters, kernel_size, strides, padding, **_tf1_defaults(kwargs))


class SeparableConv2D(kconv.SeparableConv2D, Layer):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", **kwargs):
        kwargs.setdefault("depthwise_initializer", None)
        kwargs.setdefault("pointwise_initializer", None)
        super().__init__(filters, kernel_size, strides, padding, **_tf1_defaults(kwargs))


def _functional(cls, inputs, args, kwargs) -> Tensor:
    reuse = kwargs.pop("reuse", None)
    return cls(*args, _reuse=reuse, **kwargs)(inputs)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid", **kwargs) -> Tensor:
    return _functional(Conv1D, inputs, (filters, kernel_size, strides, padding), kwargs)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid", **kwargs) -> Tensor:
    """``tf.layers.conv2d(X, filters=32, kernel_size=5, padding="same",
    activation=tf.nn.relu, name="conv1")``: variables ``conv1/kernel`` and ``conv1/bias``."""
    return _functional(Conv2D, inputs, (filters, kernel_size, strides, padding), kwargs)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     **kwargs) -> Tensor:
    return _functional(Conv2DTranspose, inputs, (filters, kernel_size, strides, padding), kwargs)


def separable_conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     **kwargs) -> Tensor:
    return _functional(SeparableConv2D, inputs, (filters, kernel_size, strides, padding), kwargs)


def _pooling(keras_cls):
    """tf.layers' pooling class: the Keras one with TF1's signature (strides required)."""
    def __init__(self, pool_size, strides, padding="valid", data_format="channels_last",
                 name=None, **kwargs):
        keras_cls.__init__(self, pool_size, strides, padding, data_format, name=name, **kwargs)
    name = keras_cls.__name__
    return type(name, (keras_cls, Layer), {"__init__": __init__, "__module__": __name__,
                                           "__qualname__": name})


MaxPooling1D = _pooling(kpool.MaxPooling1D)
AveragePooling1D = _pooling(kpool.AveragePooling1D)
MaxPooling2D = _pooling(kpool.MaxPooling2D)
AveragePooling2D = _pooling(kpool.AveragePooling2D)


def _pooling_fn(cls, doc=""):
    def pool(inputs, pool_size, strides, padding="valid", data_format="channels_last",
             name=None) -> Tensor:
        return cls(pool_size, strides, padding, data_format, name=name)(inputs)
    pool.__doc__ = doc
    return pool


max_pooling1d = _pooling_fn(MaxPooling1D)
average_pooling1d = _pooling_fn(AveragePooling1D)
max_pooling2d = _pooling_fn(MaxPooling2D, "``tf.layers.max_pooling2d(conv1, pool_size=[2, 2], "
                                          "strides=2)``.")
average_pooling2d = _pooling_fn(AveragePooling2D)
