"""Convolutional layers: Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, DepthwiseConv2D,
UpSampling2D, ZeroPadding2D, Cropping2D, SpatialDropout2D.

tf.layers' conv2d, conv1d, conv2d_transpose and separable_conv2d are these classes
(layers/convolutional.py subclasses them). Weights and configs are named as tf.keras 2 names
them (``kernel`` [height, width, in, out], ``bias``; SeparableConv2D's ``depthwise_kernel`` and
``pointwise_kernel``).
"""

from __future__ import annotations

import numpy as np

from ...image import resize_bilinear, resize_nearest_neighbor
from ...kernels.conv import out_size
from ...nn import conv as C
from ...ops import array_ops as A
from ...ops import nn_ops as N
from .. import activations, initializers, regularizers
from .. import backend as K
from ..engine import Layer
from .core import Dropout


def normalize_tuple(value, n: int, name: str) -> tuple:
    """An int, or n ints, as a tuple of n ints (Keras' argument rule)."""
    vals = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(vals) != n or not all(isinstance(v, (int, np.integer)) for v in vals):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                         f"{value!r}")
    return tuple(int(v) for v in vals)


def normalize_padding(value, allowed=("valid", "same")) -> str:
    p = value.lower() if isinstance(value, str) else value
    if p not in allowed:
        raise ValueError(f"The `padding` argument must be one of {', '.join(map(repr, allowed))}"
                         f". Received: {value!r}")
    return p


def normalize_data_format(value) -> str:
    fmt = K.image_data_format() if value is None else str(value).lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: {value!r}")
    return fmt


def check_ndim(layer, xs, ndim: int) -> None:
    shape = xs[0].shape
    if shape.ndims is not None and shape.ndims != ndim:
        raise ValueError(f"Input 0 of layer {layer.name!r} ({type(layer).__name__}) is "
                         f"incompatible with the layer: expected ndim={ndim}, found "
                         f"ndim={shape.ndims}. Full shape received: "
                         f"{tuple(shape.as_list())}")


def _spatial_axes(fmt, rank):
    return list(range(2, 2 + rank)) if fmt == "channels_first" else list(range(1, 1 + rank))


def _nn_format(fmt, rank):
    return {(2, False): "NHWC", (2, True): "NCHW", (1, False): "NWC", (1, True): "NCW"}[
        (rank, fmt == "channels_first")]


def _with_spatial(shape, fmt, rank, spatial, channels):
    """The full shape (batch first) from spatial dims and a channel count."""
    if fmt == "channels_first":
        return (shape[0], channels, *spatial)
    return (shape[0], *spatial, channels)


class Conv(Layer):
    """N-D convolution (rank 1 or 2) with a bias and an activation: Conv1D and Conv2D."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if filters is not None and (not isinstance(filters, (int, np.integer)) or filters <= 0):
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters!r}.")
        if groups != 1:
            raise ValueError(f"groups={groups} (grouped convolution) is not supported")
        self.filters = None if filters is None else int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        self.padding = normalize_padding(padding, allowed)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def _channels(self, input_shape) -> int:
        c = input_shape[1 if self.data_format == "channels_first" else -1]
        if c is None:
            raise ValueError(f"The channel dimension of the inputs to layer {self.name!r} "
                             f"({type(self).__name__}) should be defined. Found None in input "
                             f"shape {tuple(input_shape)}.")
        return int(c)

    def _check_input(self, xs) -> None:
        check_ndim(self, xs, self.rank + 2)
        if self.built:
            shape = xs[0].shape.as_tuple()
            c = shape[1 if self.data_format == "channels_first" else -1]
            want = self._in_channels
            if c is not None and c != want:
                raise ValueError(f"Input 0 of layer {self.name!r} ({type(self).__name__}) is "
                                 f"incompatible with the layer: expected axis "
                                 f"{1 if self.data_format == 'channels_first' else -1} of "
                                 f"input shape to have value {want}, but received input with "
                                 f"shape {shape}")

    def build(self, input_shape) -> None:
        self._in_channels = self._channels(input_shape)
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + self._kernel_io(),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._add_bias(self.filters)

    def _kernel_io(self) -> tuple:
        return (self._in_channels, self.filters)

    def _add_bias(self, n) -> None:
        self.bias = self.add_weight("bias", (n,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def _finish(self, y):
        if self.use_bias:
            y = N.bias_add(y, self.bias, data_format="NCHW" if self.data_format ==
                           "channels_first" else None)
        return self.activation(y)

    def call(self, inputs):
        fmt = _nn_format(self.data_format, self.rank)
        if self.rank == 1:
            x, padding = inputs, self.padding.upper()
            if self.padding == "causal":  # pad the past only, then a VALID convolution
                axis = 2 if self.data_format == "channels_first" else 1
                pads = [[0, 0]] * 3
                pads[axis] = [self.dilation_rate[0] * (self.kernel_size[0] - 1), 0]
                x, padding = A.pad(x, pads), "VALID"
            y = C.conv1d(x, self.kernel, self.strides[0], padding, data_format=fmt,
                         dilations=self.dilation_rate[0])
        else:
            y = C.conv2d(inputs, self.kernel, list(self.strides), self.padding.upper(),
                         data_format=fmt, dilations=list(self.dilation_rate))
        return self._finish(y)

    def _out_spatial(self, spatial):
        pad = "VALID" if self.padding == "causal" else self.padding.upper()
        outs = []
        for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate):
            if size is not None and self.padding == "causal":
                size += d * (k - 1)
            outs.append(out_size(size, k, s, d, pad)[0])
        return outs

    def compute_output_shape(self, input_shape):
        axes = _spatial_axes(self.data_format, self.rank)
        return _with_spatial(input_shape, self.data_format, self.rank,
                             self._out_spatial([input_shape[a] for a in axes]), self.filters)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                   padding=self.padding, data_format=self.data_format,
                   dilation_rate=self.dilation_rate, groups=self.groups,
                   activation=activations.serialize(self.activation), use_bias=self.use_bias,
                   **weight_config(self, ("kernel", "bias")),
                   activity_regularizer=regularizers.serialize(self.activity_regularizer))
        return cfg


def set_weight_args(layer, prefix, initializer, regularizer, constraint) -> None:
    setattr(layer, f"{prefix}_initializer", initializers.get(initializer))
    setattr(layer, f"{prefix}_regularizer", regularizers.get(regularizer))
    setattr(layer, f"{prefix}_constraint", constraint)


def weight_config(layer, prefixes) -> dict:
    """The <p>_initializer / _regularizer / _constraint config entries of each weight."""
    cfg = {}
    for p in prefixes:
        cfg[f"{p}_initializer"] = initializers.serialize(getattr(layer, f"{p}_initializer"))
        cfg[f"{p}_regularizer"] = regularizers.serialize(getattr(layer, f"{p}_regularizer"))
        cfg[f"{p}_constraint"] = None
    return cfg


class Conv1D(Conv):
    """1-D convolution over (batch, steps, channels): ``Conv1D(64, 3, activation="relu")``."""
    rank = 1


class Conv2D(Conv):
    """2-D convolution: ``Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1))``."""
    rank = 2


def deconv_length(size, k, padding, output_padding, stride, dilation):
    """Keras' output length of a transposed convolution (``size``: an int or a tensor)."""
    if size is None:
        return None
    k = (k - 1) * dilation + 1
    if output_padding is None:
        return size * stride + max(k - stride, 0) if padding == "valid" else size * stride
    pad = k // 2 if padding == "same" else 0
    return (size - 1) * stride + k - 2 * pad + output_padding


class Conv2DTranspose(Conv2D):
    """The transpose of Conv2D (a "deconvolution"): kernel [height, width, filters, in]."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias, **kwargs)
        self.output_padding = None if output_padding is None else \
            normalize_tuple(output_padding, 2, "output_padding")
        if self.output_padding is not None and any(
                p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"Strides {self.strides} must be greater than output padding "
                             f"{self.output_padding} (layer {self.name!r})")

    def _kernel_io(self) -> tuple:
        return (self.filters, self._in_channels)  # the transpose of Conv2D's kernel

    def _out_spatial(self, spatial):
        pads = self.output_padding or (None, None)
        return [deconv_length(size, k, self.padding, p, s, d) for size, k, p, s, d in
                zip(spatial, self.kernel_size, pads, self.strides, self.dilation_rate)]

    def call(self, inputs):
        fmt = _nn_format(self.data_format, 2)
        axes = _spatial_axes(self.data_format, 2)
        static = inputs.shape.as_list()
        dyn = A.shape(inputs)
        spatial = [dyn[a] for a in axes]
        outs = self._out_spatial([static[a] for a in axes])
        # the same formula on the run-time sizes where the static ones are unknown
        sizes = [o if o is not None else self._out_spatial(spatial)[i]
                 for i, o in enumerate(outs)]
        shape = A.stack(list(_with_spatial([dyn[0]], self.data_format, 2, sizes, self.filters)))
        y = C.conv2d_transpose(inputs, self.kernel, shape, list(self.strides),
                               self.padding.upper(), data_format=fmt,
                               dilations=list(self.dilation_rate))
        y.set_shape(self.compute_output_shape(tuple(static)))
        return self._finish(y)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.pop("groups")
        cfg["output_padding"] = self.output_padding
        return cfg


class DepthwiseConv2D(Conv2D):
    """Each input channel convolved with its own ``depth_multiplier`` filters."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        set_weight_args(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                        depthwise_constraint)

    def build(self, input_shape) -> None:
        self._in_channels = self._channels(input_shape)
        self.filters = self._in_channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (self._in_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(self.filters)

    def call(self, inputs):
        y = C.depthwise_conv2d(inputs, self.depthwise_kernel, [1, *self.strides, 1]
                               if self.data_format == "channels_last" else
                               [1, 1, *self.strides], self.padding.upper(),
                               rate=list(self.dilation_rate),
                               data_format=_nn_format(self.data_format, 2))
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        axes = _spatial_axes(self.data_format, 2)
        c = input_shape[1 if self.data_format == "channels_first" else -1]
        return _with_spatial(input_shape, self.data_format, 2,
                             self._out_spatial([input_shape[a] for a in axes]),
                             None if c is None else c * self.depth_multiplier)

    def get_config(self) -> dict:
        cfg = super().get_config()
        for k in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint",
                  "groups"):
            cfg.pop(k)
        cfg.update(depth_multiplier=self.depth_multiplier,
                   **weight_config(self, ("depthwise",)))
        return cfg


class SeparableConv2D(Conv2D):
    """A depthwise convolution, then a 1x1 convolution to ``filters`` channels."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        set_weight_args(self, "depthwise", depthwise_initializer, depthwise_regularizer,
                        depthwise_constraint)
        set_weight_args(self, "pointwise", pointwise_initializer, pointwise_regularizer,
                        pointwise_constraint)

    def build(self, input_shape) -> None:
        self._in_channels = c = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (c, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1, 1, c * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)

    def call(self, inputs):
        strides = [1, *self.strides, 1] if self.data_format == "channels_last" else \
            [1, 1, *self.strides]
        y = C.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, strides,
                               self.padding.upper(), rate=list(self.dilation_rate),
                               data_format=_nn_format(self.data_format, 2))
        return self._finish(y)

    def get_config(self) -> dict:
        cfg = super().get_config()
        for k in ("kernel_initializer", "kernel_regularizer", "kernel_constraint", "groups"):
            cfg.pop(k)
        cfg.update(depth_multiplier=self.depth_multiplier,
                   **weight_config(self, ("depthwise", "pointwise")))
        return cfg


# ---- reshaping the spatial dimensions -----------------------------------------------------
class _Spatial2D(Layer):
    """A 2-D layer without weights whose output depends on the spatial dims only."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)

    def _check_input(self, xs) -> None:
        check_ndim(self, xs, 4)

    def _hw(self, shape):
        return [shape[a] for a in _spatial_axes(self.data_format, 2)]

    def compute_output_shape(self, input_shape):
        c = input_shape[1 if self.data_format == "channels_first" else -1]
        return _with_spatial(input_shape, self.data_format, 2,
                             self._new_hw(self._hw(input_shape)), c)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["data_format"] = self.data_format
        return cfg


class UpSampling2D(_Spatial2D):
    """Repeats rows and columns ``size`` times (nearest) or interpolates them (bilinear)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = normalize_tuple(size, 2, "size")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"`interpolation` argument should be one of `\"nearest\"` or "
                             f"`\"bilinear\"`. Received: {interpolation!r}")
        self.interpolation = interpolation

    def _new_hw(self, hw):
        return [None if d is None else d * s for d, s in zip(hw, self.size)]

    def call(self, inputs):
        x = inputs if self.data_format == "channels_last" else A.transpose(inputs, [0, 2, 3, 1])
        hw = x.shape.as_list()[1:3]
        size = self._new_hw(hw) if None not in hw else \
            A.shape(x)[1:3] * np.asarray(self.size, np.int32)
        resize = resize_nearest_neighbor if self.interpolation == "nearest" else resize_bilinear
        y = resize(x, size, half_pixel_centers=True)  # TF2's tf.image.resize, as Keras 2
        if y.dtype != x.dtype:
            y = A.cast(y, x.dtype)
        return y if self.data_format == "channels_last" else A.transpose(y, [0, 3, 1, 2])

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(size=self.size, interpolation=self.interpolation)
        return cfg


def _pairs(value, name):
    """((top, bottom), (left, right)) from an int, 2 ints or 2 pairs."""
    if isinstance(value, (int, np.integer)):
        return ((int(value),) * 2,) * 2
    value = tuple(value)
    if len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        return ((int(value[0]),) * 2, (int(value[1]),) * 2)
    if len(value) == 2:
        return (normalize_tuple(value[0], 2, f"1st entry of {name}"),
                normalize_tuple(value[1], 2, f"2nd entry of {name}"))
    raise ValueError(f"`{name}` should be either an int, a tuple of 2 ints (symmetric_height, "
                     f"symmetric_width), or a tuple of 2 tuples of 2 ints ((top, bottom), "
                     f"(left, right)). Received: {value!r}")


class ZeroPadding2D(_Spatial2D):
    """Adds rows and columns of zeros: ``padding`` int, (rows, cols) or ((t, b), (l, r))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, "padding")

    def _new_hw(self, hw):
        return [None if d is None else d + sum(p) for d, p in zip(hw, self.padding)]

    def call(self, inputs):
        pads = [[0, 0], [0, 0], list(self.padding[0]), list(self.padding[1])] \
            if self.data_format == "channels_first" else \
            [[0, 0], list(self.padding[0]), list(self.padding[1]), [0, 0]]
        return A.pad(inputs, pads)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["padding"] = self.padding
        return cfg


class Cropping2D(_Spatial2D):
    """Removes rows and columns at the borders: ``cropping`` as ZeroPadding2D's padding."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(cropping, "cropping")

    def _new_hw(self, hw):
        return [None if d is None else d - sum(c) for d, c in zip(hw, self.cropping)]

    def build(self, input_shape) -> None:
        for d, c, what in zip(self._hw(input_shape), self.cropping, ("height", "width")):
            if d is not None and sum(c) >= d:
                raise ValueError(f"Cropping {self.cropping} leaves nothing of the input "
                                 f"{what} {d} (layer {self.name!r}, input shape "
                                 f"{tuple(input_shape)})")
        self.built = True

    def call(self, inputs):
        (t, b), (l, r) = self.cropping
        rows, cols = slice(t, -b if b else None), slice(l, -r if r else None)
        key = (slice(None), slice(None), rows, cols) if self.data_format == "channels_first" \
            else (slice(None), rows, cols, slice(None))
        return inputs[key]

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["cropping"] = self.cropping
        return cfg


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps: one draw per (image, channel)."""

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = normalize_data_format(data_format)
        self.noise_shape = (None, None, 1, 1) if self.data_format == "channels_first" else \
            (None, 1, 1, None)

    def _check_input(self, xs) -> None:
        check_ndim(self, xs, 4)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.pop("noise_shape")
        cfg["data_format"] = self.data_format
        return cfg
