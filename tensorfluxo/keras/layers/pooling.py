"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D and the global poolings.

tf.layers' max_pooling2d, average_pooling2d and max_pooling1d are these classes
(layers/pooling.py subclasses them).
"""

from __future__ import annotations

from ...kernels.conv import out_size
from ...nn import conv as C
from ...ops import array_ops as A
from ...ops import math_ops as M
from ..engine import Layer
from .convolutional import (
    _nn_format,
    _spatial_axes,
    _with_spatial,
    check_ndim,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)


class Pooling(Layer):
    """Max or average over ``pool_size`` windows ``strides`` apart (default: pool_size)."""

    rank = 2
    kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else \
            normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)

    def _check_input(self, xs) -> None:
        check_ndim(self, xs, self.rank + 2)

    def call(self, inputs):
        fmt = _nn_format(self.data_format, self.rank)
        if self.rank == 1:
            pool = C.max_pool1d if self.kind == "max" else C.avg_pool1d
            return pool(inputs, self.pool_size[0], self.strides[0], self.padding.upper(),
                        data_format=fmt)
        pool = C.max_pool2d if self.kind == "max" else C.avg_pool2d
        return pool(inputs, list(self.pool_size), list(self.strides), self.padding.upper(),
                    data_format=fmt)

    def compute_output_shape(self, input_shape):
        axes = _spatial_axes(self.data_format, self.rank)
        spatial = [out_size(input_shape[a], k, s, 1, self.padding.upper())[0]
                   for a, k, s in zip(axes, self.pool_size, self.strides)]
        c = input_shape[1 if self.data_format == "channels_first" else -1]
        return _with_spatial(input_shape, self.data_format, self.rank, spatial, c)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                   data_format=self.data_format)
        return cfg


class MaxPooling1D(Pooling):
    rank, kind = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(MaxPooling1D):
    kind = "avg"


class MaxPooling2D(Pooling):
    """``MaxPooling2D(pool_size=(2, 2))``: the maximum of each 2x2 block."""
    rank, kind = 2, "max"


class AveragePooling2D(Pooling):
    rank, kind = 2, "avg"


class GlobalPooling(Layer):
    """Max or mean over all spatial positions: (batch, channels), or keepdims."""

    rank = 2
    kind = "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(
            "channels_last" if data_format is None and self.rank == 1 else data_format)
        self.keepdims = keepdims

    def _check_input(self, xs) -> None:
        check_ndim(self, xs, self.rank + 2)

    def call(self, inputs):
        reduce = M.reduce_mean if self.kind == "avg" else M.reduce_max
        return reduce(inputs, axis=_spatial_axes(self.data_format, self.rank),
                      keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        c = input_shape[1 if self.data_format == "channels_first" else -1]
        if self.keepdims:
            return _with_spatial(input_shape, self.data_format, self.rank, [1] * self.rank, c)
        return (input_shape[0], c)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(data_format=self.data_format, keepdims=self.keepdims)
        return cfg


class GlobalAveragePooling1D(GlobalPooling):
    """The mean over the steps; with a Keras mask (Embedding(mask_zero=True)), over the
    unmasked steps only, as tf.keras 2."""

    rank, kind = 1, "avg"
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        last = self.data_format == "channels_last"
        m = A.expand_dims(A.cast(mask, inputs.dtype), 2 if last else 1)
        axis = 1 if last else 2
        return M.reduce_sum(inputs * m, axis=axis, keepdims=self.keepdims) / \
            M.reduce_sum(m, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(GlobalPooling):
    rank, kind = 1, "max"


class GlobalAveragePooling2D(GlobalPooling):
    rank, kind = 2, "avg"


class GlobalMaxPooling2D(GlobalPooling):
    rank, kind = 2, "max"


# Keras' short names
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, \
    AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
