"""tf.nn's convolution, pooling and local response normalization functions: arguments checked
and normalized to TF's attributes, then the ops of ops/conv_ops.py."""

from __future__ import annotations

import numpy as np

from ..framework.ops import apply_op, convert_to_tensor, name_scope
from ..ops import array_ops as A
from ..ops._util import dims
from ..ops.conv_ops import as_nhwc, attr4, check_format, padding_attr


def _conv_op(op_type, x, w, strides, padding, dilations, data_format, name):
    fmt = check_format(data_format, op_type)
    pad, explicit = padding_attr(padding, op_type, fmt)
    attrs = {"strides": attr4(strides, "strides", op_type, fmt), "padding": pad,
             "explicit_paddings": explicit,
             "dilations": attr4(1 if dilations is None else dilations, "dilations", op_type, fmt),
             "data_format": fmt}
    x = convert_to_tensor(x)
    w = convert_to_tensor(w, dtype=x.dtype) if not hasattr(w, "dtype") else convert_to_tensor(w)
    return apply_op(op_type, [x, w], attrs, name=name or op_type)


def conv2d(input=None, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002
           data_format="NHWC", dilations=None, name=None, filters=None):
    """2-D convolution (cross-correlation) of a 4-D ``input`` with ``filter`` of shape
    [filter_height, filter_width, in_channels, out_channels].

    >>> tf.nn.conv2d(images, W, strides=[1, 1, 1, 1], padding="SAME")
    """
    w = filters if filter is None else filter
    if input is None or w is None or strides is None or padding is None:
        raise TypeError("conv2d needs input, filter (or filters), strides and padding")
    return _conv_op("Conv2D", input, w, strides, padding, dilations, data_format, name)


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",  # noqa: A002
                            dilations=None, name=None):
    """Each input channel convolved with its own ``channel_multiplier`` filters: filter shape
    [height, width, in_channels, channel_multiplier], output depth in_channels * multiplier."""
    return _conv_op("DepthwiseConv2dNative", input, filter, strides, padding, dilations,
                    data_format, name)


def _rate(rate, dilations):
    if rate is not None and dilations is not None:
        raise ValueError("Specify either rate or dilations, not both")
    return rate if rate is not None else dilations


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """tf.nn.depthwise_conv2d: ``rate`` (or ``dilations``) is the 2-D dilation."""
    return _conv_op("DepthwiseConv2dNative", input, filter, strides, padding,
                    _rate(rate, dilations), data_format, name or "depthwise")


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     rate=None, name=None, data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 convolution mixing the channels."""
    with name_scope(name, "separable_conv2d"):
        pw = convert_to_tensor(pointwise_filter)
        pd = dims(pw)
        if pd is not None and (len(pd) != 4 or pd[0] not in (1, None) or pd[1] not in (1, None)):
            raise ValueError(f"separable_conv2d: pointwise_filter must have shape [1, 1, "
                             f"in_channels * channel_multiplier, out_channels], got {pw.shape}")
        h = depthwise_conv2d(input, depthwise_filter, strides, padding, rate=rate,
                             data_format=data_format, dilations=dilations)
        return conv2d(h, pw, [1, 1, 1, 1], "VALID", data_format=data_format or "NHWC")


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with the filter dilated by ``rate`` (holes between its taps)."""
    return conv2d(value, filters, [1, 1, 1, 1], padding, dilations=[1, rate, rate, 1],
                  name=name or "convolution")


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,  # noqa: A002
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to its input, of shape ``input_sizes``."""
    return _backprop_input("Conv2DBackpropInput", input_sizes,
                           filters if filter is None else filter, out_backprop, strides,
                           padding, dilations, data_format, name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=None,
                           name=None):
    """The gradient of conv2d with respect to its filter, of shape ``filter_sizes``."""
    fmt = check_format(data_format, "Conv2DBackpropFilter")
    pad, explicit = padding_attr(padding, "Conv2DBackpropFilter", fmt)
    x = convert_to_tensor(input)
    attrs = {"strides": attr4(strides, "strides", "Conv2DBackpropFilter", fmt), "padding": pad,
             "explicit_paddings": explicit, "data_format": fmt,
             "dilations": attr4(dilations or 1, "dilations", "Conv2DBackpropFilter", fmt)}
    return apply_op("Conv2DBackpropFilter",
                    [x, _sizes_tensor(filter_sizes), convert_to_tensor(out_backprop)], attrs,
                    name=name or "Conv2DBackpropFilter")


def _sizes_tensor(sizes):
    if hasattr(sizes, "dtype"):
        return convert_to_tensor(sizes)
    return A.constant(np.asarray(sizes, dtype=np.int32))


def _backprop_input(op_type, sizes, w, dy, strides, padding, dilations, data_format, name):
    fmt = check_format(data_format, op_type)
    pad, explicit = padding_attr(padding, op_type, fmt)
    dy = convert_to_tensor(dy)
    w = convert_to_tensor(w, dtype=dy.dtype) if not hasattr(w, "dtype") else convert_to_tensor(w)
    attrs = {"strides": attr4(strides, "strides", op_type, fmt), "padding": pad,
             "explicit_paddings": explicit, "data_format": fmt,
             "dilations": attr4(dilations or 1, "dilations", op_type, fmt)}
    return apply_op(op_type, [_sizes_tensor(sizes), w, dy], attrs, name=name or op_type)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding="SAME", data_format="NHWC", name=None, input=None, filters=None,
                     dilations=None):
    """The transpose (gradient) of conv2d: ``filter`` is [height, width, output_channels,
    in_channels] and ``output_shape`` the 4-D shape of the result.

    >>> tf.nn.conv2d_transpose(h, W, output_shape=[batch, 28, 28, 1], strides=[1, 2, 2, 1])
    """
    x = value if value is not None else input
    w = filter if filter is not None else filters
    if x is None or w is None or output_shape is None or strides is None:
        raise TypeError("conv2d_transpose needs value, filter, output_shape and strides")
    x = convert_to_tensor(x)
    w = convert_to_tensor(w, dtype=x.dtype) if not hasattr(w, "dtype") else convert_to_tensor(w)
    fmt = check_format(data_format, "conv2d_transpose")
    xd, wd = dims(x), dims(w)
    if xd is not None and wd is not None and len(xd) == 4 and len(wd) == 4:
        c = as_nhwc(xd, fmt)[3]
        if None not in (c, wd[3]) and c != wd[3]:
            raise ValueError(f"conv2d_transpose: the depth of value ({c}, shape {x.shape}) does "
                             f"not match the filter's in_channels (its last dimension, "
                             f"{wd[3]}; filter shape {w.shape})")
    if not hasattr(output_shape, "dtype"):
        shape = [int(v) if v is not None else -1 for v in output_shape]
        if len(shape) != 4:
            raise ValueError(f"conv2d_transpose: output_shape must have 4 elements, got "
                             f"{output_shape}")
        if wd is not None and len(wd) == 4 and wd[2] is not None and \
                as_nhwc(shape, fmt)[3] != wd[2]:
            raise ValueError(f"conv2d_transpose: output_shape {list(output_shape)} has depth "
                             f"{as_nhwc(shape, fmt)[3]} but the filter (shape {w.shape}) makes "
                             f"{wd[2]} output channels")
        if -1 in shape:
            raise ValueError(f"conv2d_transpose: output_shape must be fully known, got "
                             f"{output_shape}; use tf.stack([tf.shape(x)[0], ...]) for a "
                             f"run-time batch size")
    return _backprop_input("Conv2DBackpropInput", output_shape, w, x, strides, padding,
                           dilations, fmt, name or "conv2d_transpose")


# ---- 1-D convolution and pooling: the 2-D ops on a height of 1 (as TF does) ----------------
def _1d(fmt, op_name, allowed=("NWC", "NCW")):
    fmt = check_format(fmt or allowed[0], op_name, allowed)
    return fmt, ("NHWC" if fmt == "NWC" else "NCHW"), (1 if fmt == "NWC" else 2)


def _1d_arg(v, what, op_name):
    vals = [v] if isinstance(v, (int, np.integer)) else list(v)
    if len(vals) == 3:
        vals = [vals[1]] if vals[0] == 1 and vals[2] == 1 else vals
    if len(vals) != 1:
        raise ValueError(f"{op_name}: {what} must be an int or have 1 or 3 entries, got {v!r}")
    return [1, int(vals[0])]


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):  # noqa: A002
    """1-D convolution of [batch, width, in_channels] with [width, in_channels, out_channels]."""
    x = convert_to_tensor(value if value is not None else input)
    fmt, fmt2, axis = _1d(data_format, "conv1d")
    if dims(x) is not None and len(dims(x)) != 3:
        raise ValueError(f"conv1d: input must be 3-dimensional [batch, width, channels] ({fmt}), "
                         f"got shape {x.shape}")
    with name_scope(name, "conv1d"):
        w = convert_to_tensor(filters, dtype=x.dtype) if not hasattr(filters, "dtype") \
            else convert_to_tensor(filters)
        if dims(w) is not None and len(dims(w)) != 3:
            raise ValueError(f"conv1d: filters must be 3-dimensional [width, in_channels, "
                             f"out_channels], got shape {w.shape}")
        y = conv2d(A.expand_dims(x, axis), A.expand_dims(w, 0), _1d_arg(stride, "stride",
                                                                        "conv1d"),
                   padding, data_format=fmt2,
                   dilations=None if dilations is None else _1d_arg(dilations, "dilations",
                                                                    "conv1d"))
        return A.squeeze(y, [axis])


def _pool1d(kind, x, ksize, strides, padding, data_format, name):
    op_name = f"{kind}_pool1d"
    x = convert_to_tensor(x)
    fmt, fmt2, axis = _1d(data_format, op_name)
    if dims(x) is not None and len(dims(x)) != 3:
        raise ValueError(f"{op_name}: input must be 3-dimensional [batch, width, channels] "
                         f"({fmt}), got shape {x.shape}")
    with name_scope(name, op_name.title().replace("_", "")):
        y = _pool("MaxPool" if kind == "max" else "AvgPool", A.expand_dims(x, axis),
                  _1d_arg(ksize, "ksize", op_name), _1d_arg(strides, "strides", op_name),
                  padding, fmt2, None)
        return A.squeeze(y, [axis])


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    return _pool1d("max", input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    return _pool1d("avg", input, ksize, strides, padding, data_format, name)


def _pool(op_type, x, ksize, strides, padding, data_format, name):
    fmt = check_format(data_format, op_type)
    pad, _ = padding_attr(padding, op_type, fmt, explicit_ok=False)
    attrs = {"ksize": attr4(ksize, "ksize", op_type, fmt),
             "strides": attr4(strides, "strides", op_type, fmt), "padding": pad,
             "data_format": fmt}
    return apply_op(op_type, [convert_to_tensor(x)], attrs, name=name or op_type)


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """The maximum of each ``ksize`` window, windows ``strides`` apart.

    >>> tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    """
    x = value if value is not None else input
    return _pool("MaxPool", x, ksize, strides, padding, data_format, name)


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """The mean of each window (padding excluded from the count, as in TF)."""
    x = value if value is not None else input
    return _pool("AvgPool", x, ksize, strides, padding, data_format, name)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    return _pool("MaxPool", input, ksize, strides, padding, data_format, name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    return _pool("AvgPool", input, ksize, strides, padding, data_format, name)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,  # noqa: A002
                                 name=None):
    """x / (bias + alpha * sum of x^2 over 2 * depth_radius + 1 channels) ** beta."""
    return apply_op("LRN", [convert_to_tensor(input)],
                    {"depth_radius": int(depth_radius), "bias": float(bias),
                     "alpha": float(alpha), "beta": float(beta)}, name=name or "LRN")


lrn = local_response_normalization


def _spatial_list(value, n, what, op_name):
    vals = [1] * n if value is None else ([value] * n if isinstance(value, (int, np.integer))
                                          else list(value))
    if len(vals) != n:
        raise ValueError(f"{op_name}: {what} must have {n} entries (one per spatial "
                         f"dimension), got {value!r}")
    return vals


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None,  # noqa: A002
                name=None, data_format=None, filters=None, dilations=None):
    """N-D convolution for N = 1 or 2 spatial dimensions (conv1d / conv2d by the filter's
    rank); ``strides`` and ``dilation_rate`` have one entry per spatial dimension."""
    w = convert_to_tensor(filters if filter is None else filter)
    wd = dims(w)
    if wd is None or len(wd) not in (3, 4):
        raise ValueError(f"convolution: filter must have rank 3 (1-D) or 4 (2-D), got shape "
                         f"{w.shape}")
    n = len(wd) - 2
    s = _spatial_list(strides, n, "strides", "convolution")
    d = _spatial_list(dilations if dilation_rate is None else dilation_rate, n, "dilation_rate",
                      "convolution")
    if n == 1:
        return conv1d(input, w, s[0], padding, data_format=data_format, dilations=d[0],
                      name=name)
    fmt = data_format or "NHWC"
    full = [1, *s, 1] if fmt == "NHWC" else [1, 1, *s]
    return conv2d(input, w, full, padding, data_format=fmt, name=name,
                  dilations=[1, *d, 1] if fmt == "NHWC" else [1, 1, *d])


def pool(input, window_shape, pooling_type, padding, dilation_rate=None,  # noqa: A002
         strides=None, name=None, data_format=None, dilations=None):
    """tf.nn.pool: "MAX" or "AVG" pooling over 1 or 2 spatial dimensions."""
    n = len(window_shape)
    kind = str(pooling_type).upper()
    if kind not in ("MAX", "AVG") or n not in (1, 2):
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG' over 1 or 2 spatial "
                         f"dimensions, got {pooling_type!r} with window_shape {window_shape}")
    rate = dilations if dilation_rate is None else dilation_rate
    if any(r != 1 for r in _spatial_list(rate, n, "dilation_rate", "pool")):
        raise ValueError(f"pool: dilation_rate {rate} is not supported (only 1)")
    s = _spatial_list(strides, n, "strides", "pool")
    if n == 1:
        fn = max_pool1d if kind == "MAX" else avg_pool1d
        return fn(input, window_shape[0], s[0], padding, data_format=data_format or "NWC",
                  name=name)
    return _pool("MaxPool" if kind == "MAX" else "AvgPool", input, list(window_shape), s,
                 padding, data_format or "NHWC", name)
