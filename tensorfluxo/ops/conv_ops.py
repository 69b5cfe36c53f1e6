"""Convolution, pooling and local response normalization ops (tf.nn.conv2d, max_pool, ...).

The ops and their attributes are TensorFlow's (Conv2D with strides/padding/explicit_paddings/
dilations/data_format; its gradients Conv2DBackpropInput and Conv2DBackpropFilter, which have
their own gradients for second order). Kernels work in NHWC (kernels/conv.py); NCHW inputs are
transposed around them. Arguments are checked when the op is built, naming the op, the argument
and the shapes.
"""

from __future__ import annotations

import functools

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import apply_op, convert_to_tensor, name_scope
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from ..kernels import conv as K
from ..kernels.memory import retain_freed_memory
from . import array_ops as A
from ._util import dims, same, shape_from_tensor

# A training step of a convolutional net allocates and frees tens of MB of arrays; glibc
# returns them to the system each time and the next step faults them in again (measured: 8.7
# instead of 4.6 ms for LeNet's second convolution).
retain_freed_memory()

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


# ---- arguments: strides, padding, data_format ---------------------------------------------
def _check_format(data_format, op_name, allowed=("NHWC", "NCHW")) -> str:
    fmt = "NHWC" if data_format is None else data_format
    if fmt not in allowed:
        raise ValueError(f"{op_name}: data_format must be one of {', '.join(allowed)}, got "
                         f"{data_format!r}")
    return fmt


def _channel_axis(fmt: str) -> int:
    return 1 if fmt.startswith("NC") else len(fmt) - 1


def _full(value, what: str, op_name: str, fmt: str) -> list:
    """An int or a list of 1, 2 or 4 ints as TF's 4-entry attribute (1 on batch and channels)."""
    vals = [value] if isinstance(value, (int, np.integer)) else list(value)
    if not vals or not all(isinstance(v, (int, np.integer)) and v > 0 for v in vals):
        raise ValueError(f"{op_name}: {what} must be positive integers, got {value!r}")
    c = _channel_axis(fmt)
    if len(vals) in (1, 2):
        hw = vals * 2 if len(vals) == 1 else vals
        out = [1, 1, 1, 1]
        out[1 + (c == 1)], out[2 + (c == 1)] = int(hw[0]), int(hw[1])
        return out
    if len(vals) != 4:
        raise ValueError(f"{op_name}: {what} must have 1, 2 or 4 entries ({fmt}), got "
                         f"{len(vals)}: {list(vals)}")
    if vals[0] != 1 or vals[c] != 1:
        raise ValueError(f"{op_name}: {what} {list(vals)} must be 1 in the batch and channel "
                         f"dimensions ({fmt})")
    return [int(v) for v in vals]


def _padding(padding, op_name: str, fmt: str, explicit_ok: bool = True):
    """(padding string, explicit_paddings as 8 ints) from 'SAME', 'VALID' or [[b, a]] * 4."""
    if isinstance(padding, str) and padding.upper() in ("SAME", "VALID"):
        return padding.upper(), []
    if explicit_ok and isinstance(padding, (list, tuple)) and not isinstance(padding, str):
        pairs = np.asarray(padding)
        c = _channel_axis(fmt)
        if pairs.shape != (4, 2) or pairs.dtype.kind not in "iu" or (pairs < 0).any() or \
                pairs[0].any() or pairs[c].any():
            raise ValueError(f"{op_name}: explicit padding must be 4 [before, after] pairs of "
                             f"non-negative ints, zero for the batch and channel dimensions "
                             f"({fmt}), got {padding!r}")
        return "EXPLICIT", [int(v) for v in pairs.reshape(-1)]
    allowed = "'SAME', 'VALID' or a list of [before, after] pairs" if explicit_ok else \
        "'SAME' or 'VALID'"
    raise ValueError(f"{op_name}: padding must be {allowed}, got {padding!r}")


def _hw(vals, fmt: str):
    return (vals[2], vals[3]) if fmt == "NCHW" else (vals[1], vals[2])


def _nhwc(d, fmt: str):
    return (d[0], d[2], d[3], d[1]) if fmt == "NCHW" else tuple(d)


def _from_nhwc(d, fmt: str):
    return (d[0], d[3], d[1], d[2]) if fmt == "NCHW" else tuple(d)


def _pads(explicit, fmt: str):
    if not explicit:
        return ((0, 0), (0, 0))
    p = [tuple(explicit[i:i + 2]) for i in range(0, 8, 2)]
    return (p[2], p[3]) if fmt == "NCHW" else (p[1], p[2])


@functools.lru_cache(maxsize=512)
def _geom(hw, khw, strides, padding, explicit, dilations, fmt) -> K.Geom:
    return K.geometry(hw, khw, _hw(strides, fmt), _hw(dilations, fmt), padding,
                      _pads(explicit, fmt))


def _op_geom(a: dict, hw, khw) -> K.Geom:
    return _geom(tuple(hw), tuple(khw), tuple(a["strides"]), a["padding"],
                 tuple(a.get("explicit_paddings", ())), tuple(a.get("dilations", (1, 1, 1, 1))),
                 a["data_format"])


def _static_out_hw(a: dict, hw, khw, op_type: str):
    """Output height/width (None where unknown); an error when a window does not fit."""
    if None in khw:
        return None, None
    out = []
    for i, (size, k) in enumerate(zip(hw, khw)):
        s = _hw(a["strides"], a["data_format"])[i]
        d = _hw(a.get("dilations", [1] * 4), a["data_format"])[i]
        pads = _pads(a.get("explicit_paddings"), a["data_format"])[i]
        o, _ = K.out_size(size, k, s, d, a["padding"], pads)
        if o is not None and o <= 0:
            what = "filter" if op_type.startswith(("Conv", "Depthwise")) else "window (ksize)"
            eff = (k - 1) * d + 1
            raise ValueError(f"{op_type}: the {what} ({eff} wide in dimension "
                             f"{'HW'[i]}) is larger than the {a['padding']}-padded input "
                             f"({size} + padding): the output size would be {o}")
        out.append(o)
    return tuple(out)


def _to_nhwc(x, fmt):
    return x.transpose(0, 2, 3, 1) if fmt == "NCHW" else x


def _from_nhwc_array(y, fmt):
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2)) if fmt == "NCHW" else y


def _bad(msg):
    return errors.InvalidArgumentError(None, None, msg)


# ---- Conv2D and DepthwiseConv2dNative, with their gradient ops -----------------------------
# Both families are declared from one table: the forward op, its input- and filter-gradient
# ops, the kernels, and how the output depth follows from the filter.
def _require_float(t, op_type, what):
    if t.dtype not in _FLOATS:
        raise TypeError(f"{op_type}: {what} must be float16, float32 or float64, got "
                        f"{t.dtype.name} ({t.name})")


def _four_d(t, op_type, what, layout):
    d = dims(t)
    if d is not None and len(d) != 4:
        raise ValueError(f"{op_type}: {what} must be 4-dimensional {layout}, got shape {t.shape}")
    return d


def _check_conv(op_type, x_dims, w_dims, depthwise, fmt):
    """(input NHWC dims or None, filter dims or None) after checking the depths agree."""
    xd = None if x_dims is None else _nhwc(x_dims, fmt)
    if xd is not None and w_dims is not None and None not in (xd[3], w_dims[2]) \
            and xd[3] != w_dims[2]:
        kind = "in_channels" if not depthwise else "in_channels (depthwise)"
        raise ValueError(f"{op_type}: the depth of input ({xd[3]}) does not match the filter's "
                         f"{kind} ({w_dims[2]})")
    return xd, w_dims


def _out_depth(w_dims, depthwise):
    if w_dims is None or None in w_dims[2:]:
        return None
    return w_dims[2] * w_dims[3] if depthwise else w_dims[3]


def _conv_infer(depthwise):
    def infer(op):
        x, w = op.inputs
        a = op.attrs
        _require_float(x, op.type, "input")
        if w.dtype is not x.dtype:
            raise TypeError(f"{op.type}: filter dtype {w.dtype.name} does not match input dtype "
                            f"{x.dtype.name}")
        xd = _four_d(x, op.type, "input", f"[batch, in_height, in_width, in_channels] "
                                          f"({a['data_format']})")
        wd = _four_d(w, op.type, "filter", "[filter_height, filter_width, in_channels, "
                                           + ("channel_multiplier]" if depthwise else
                                              "out_channels]"))
        xd, wd = _check_conv(op.type, xd, wd, depthwise, a["data_format"])
        if xd is None:
            return x.dtype, TensorShape([None] * 4)
        oh, ow = _static_out_hw(a, xd[1:3], (None, None) if wd is None else wd[:2], op.type)
        return x.dtype, _from_nhwc((xd[0], oh, ow, _out_depth(wd, depthwise)), a["data_format"])
    return infer


def _sizes_infer(op, sizes, what):
    """The static shape a *BackpropInput / *BackpropFilter op outputs (from its sizes input)."""
    if sizes.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op.type}: {what} must be int32 or int64, got {sizes.dtype.name}")
    s = shape_from_tensor(sizes)
    if s.ndims is not None and s.ndims != 4:
        raise ValueError(f"{op.type}: {what} must have 4 elements, got {s}")
    return s if s.ndims is not None else TensorShape([None] * 4)


def _backprop_infer(depthwise, wrt_input):
    """Conv2DBackpropInput(input_sizes, filter, out_backprop) or
    Conv2DBackpropFilter(input, filter_sizes, out_backprop): the given operand, the sizes of
    the other, and out_backprop must fit together as in the forward op."""
    def infer(op):
        a = op.attrs
        given, sizes = (op.inputs[1], op.inputs[0]) if wrt_input else op.inputs[:2]
        what = "filter" if wrt_input else "input"
        _require_float(given, op.type, what)
        out = _sizes_infer(op, sizes, "input_sizes" if wrt_input else "filter_sizes")
        gd = _four_d(given, op.type, what, "")
        dd = _four_d(op.inputs[2], op.type, "out_backprop", f"({a['data_format']})")
        xd, wd = (out.as_tuple(), gd) if wrt_input else (gd, out.as_tuple())
        xd, wd = _check_conv(op.type, xd, wd, depthwise, a["data_format"])
        _check_out_backprop(op, a, xd, wd, dd, depthwise)
        return given.dtype, out
    return infer


def _check_out_backprop(op, a, xd, wd, dd, depthwise):
    """out_backprop must have the forward op's output shape (conv2d_transpose's output_shape
    is checked here)."""
    if dd is None or xd is None:
        return
    dd = _nhwc(dd, a["data_format"])
    oh, ow = _static_out_hw(a, xd[1:3], (None, None) if wd is None else wd[:2], op.type)
    want = (xd[0], oh, ow, _out_depth(wd, depthwise))
    for i, (got, exp) in enumerate(zip(dd, want)):
        if None not in (got, exp) and got != exp:
            raise ValueError(f"{op.type}: out_backprop has shape {_from_nhwc(dd, a['data_format'])}"
                             f" but an input of shape "
                             f"{_from_nhwc(xd, a['data_format'])} and a filter of shape "
                             f"{tuple(wd) if wd else None} give "
                             f"{_from_nhwc(want, a['data_format'])} "
                             f"(dimension {'NHWC'[i]} differs: {got} vs {exp})")


def _k_forward(fn):
    def kernel(x, w, data_format, **a):
        if x.ndim != 4 or _nhwc(x.shape, data_format)[3] != w.shape[2]:
            raise _bad(f"input of shape {x.shape} does not fit the filter of shape {w.shape}")
        xh = _to_nhwc(x, data_format)
        g = _op_geom(dict(a, data_format=data_format), xh.shape[1:3], w.shape[:2])
        if g.OH <= 0 or g.OW <= 0:
            raise _bad(f"the filter of shape {w.shape} is larger than the padded input of "
                       f"shape {x.shape}")
        return _from_nhwc_array(fn(np.ascontiguousarray(xh), w, g), data_format)
    return kernel


def _k_input_grad(fn):
    def kernel(sizes, w, dy, data_format, **a):
        n, h, ww, _ = _nhwc([int(v) for v in sizes], data_format)
        g = _op_geom(dict(a, data_format=data_format), (h, ww), w.shape[:2])
        dyh = np.ascontiguousarray(_to_nhwc(dy, data_format))
        if dyh.shape[1:3] != (g.OH, g.OW):
            raise _bad(f"out_backprop of shape {dy.shape} does not match the output "
                       f"{(g.OH, g.OW)} of an input of shape {tuple(sizes)}")
        return _from_nhwc_array(fn(w, dyh, g, n), data_format)
    return kernel


def _k_filter_grad(fn):
    def kernel(x, sizes, dy, data_format, **a):
        kh, kw = int(sizes[0]), int(sizes[1])
        xh = np.ascontiguousarray(_to_nhwc(x, data_format))
        g = _op_geom(dict(a, data_format=data_format), xh.shape[1:3], (kh, kw))
        return fn(xh, np.ascontiguousarray(_to_nhwc(dy, data_format)), g, int(sizes[3]))
    return kernel


def _grad_attrs(op) -> dict:
    return {k: op.attrs[k] for k in ("strides", "padding", "explicit_paddings", "dilations",
                                     "data_format")}


def _defconv(fwd, depthwise, k_fwd, k_in, k_filter):
    back_in, back_filter = fwd + "BackpropInput", fwd + "BackpropFilter"

    def g_fwd(op, dy):
        x, w = op.inputs
        a = _grad_attrs(op)
        return [apply_op(back_in, [A.shape(x), w, dy], a),
                apply_op(back_filter, [x, A.shape(w), dy], a)]

    def g_in(op, ddx):  # dx = B_in(w, dy) is bilinear in (w, dy)
        _, w, dy = op.inputs
        a = _grad_attrs(op)
        return [None, apply_op(back_filter, [ddx, A.shape(w), dy], a),
                apply_op(fwd, [ddx, w], a)]

    def g_filter(op, ddw):  # dw = B_filter(x, dy) is bilinear in (x, dy)
        x, _, dy = op.inputs
        a = _grad_attrs(op)
        return [apply_op(back_in, [A.shape(x), ddw, dy], a), None,
                apply_op(fwd, [x, ddw], a)]

    defop(fwd, infer=_conv_infer(depthwise), kernel=_k_forward(k_fwd), grad=g_fwd, blas=True)
    defop(back_in, infer=_backprop_infer(depthwise, True), kernel=_k_input_grad(k_in), grad=g_in,
          blas=True)
    defop(back_filter, infer=_backprop_infer(depthwise, False), kernel=_k_filter_grad(k_filter),
          grad=g_filter, blas=True)


_defconv("Conv2D", False, K.conv2d,
         lambda w, dy, g, n: K.conv2d_input_grad(w, dy, g, n),
         lambda x, dy, g, out_depth: K.conv2d_filter_grad(x, dy, g))
_defconv("DepthwiseConv2dNative", True, K.depthwise, K.depthwise_input_grad,
         lambda x, dy, g, m: K.depthwise_filter_grad(x, dy, g, m))


def _conv_op(op_type, x, w, strides, padding, dilations, data_format, name):
    fmt = _check_format(data_format, op_type)
    pad, explicit = _padding(padding, op_type, fmt)
    attrs = {"strides": _full(strides, "strides", op_type, fmt), "padding": pad,
             "explicit_paddings": explicit,
             "dilations": _full(1 if dilations is None else dilations, "dilations", op_type, fmt),
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
    fmt = _check_format(data_format, "Conv2DBackpropFilter")
    pad, explicit = _padding(padding, "Conv2DBackpropFilter", fmt)
    x = convert_to_tensor(input)
    attrs = {"strides": _full(strides, "strides", "Conv2DBackpropFilter", fmt), "padding": pad,
             "explicit_paddings": explicit, "data_format": fmt,
             "dilations": _full(dilations or 1, "dilations", "Conv2DBackpropFilter", fmt)}
    return apply_op("Conv2DBackpropFilter",
                    [x, _sizes_tensor(filter_sizes), convert_to_tensor(out_backprop)], attrs,
                    name=name or "Conv2DBackpropFilter")


def _sizes_tensor(sizes):
    if hasattr(sizes, "dtype"):
        return convert_to_tensor(sizes)
    return A.constant(np.asarray(sizes, dtype=np.int32))


def _backprop_input(op_type, sizes, w, dy, strides, padding, dilations, data_format, name):
    fmt = _check_format(data_format, op_type)
    pad, explicit = _padding(padding, op_type, fmt)
    dy = convert_to_tensor(dy)
    w = convert_to_tensor(w, dtype=dy.dtype) if not hasattr(w, "dtype") else convert_to_tensor(w)
    attrs = {"strides": _full(strides, "strides", op_type, fmt), "padding": pad,
             "explicit_paddings": explicit, "data_format": fmt,
             "dilations": _full(dilations or 1, "dilations", op_type, fmt)}
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
    fmt = _check_format(data_format, "conv2d_transpose")
    xd, wd = dims(x), dims(w)
    if xd is not None and wd is not None and len(xd) == 4 and len(wd) == 4:
        c = _nhwc(xd, fmt)[3]
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
                _nhwc(shape, fmt)[3] != wd[2]:
            raise ValueError(f"conv2d_transpose: output_shape {list(output_shape)} has depth "
                             f"{_nhwc(shape, fmt)[3]} but the filter (shape {w.shape}) makes "
                             f"{wd[2]} output channels")
        if -1 in shape:
            raise ValueError(f"conv2d_transpose: output_shape must be fully known, got "
                             f"{output_shape}; use tf.stack([tf.shape(x)[0], ...]) for a "
                             f"run-time batch size")
    return _backprop_input("Conv2DBackpropInput", output_shape, w, x, strides, padding,
                           dilations, fmt, name or "conv2d_transpose")


# ---- 1-D convolution and pooling: the 2-D ops on a height of 1 (as TF does) ----------------
def _1d(fmt, op_name, allowed=("NWC", "NCW")):
    fmt = _check_format(fmt or allowed[0], op_name, allowed)
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


# ---- pooling -------------------------------------------------------------------------------
def _pool_infer(op):
    x = op.inputs[0]
    a = op.attrs
    if op.type == "AvgPool":
        _require_float(x, op.type, "value")
    elif not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"{op.type} does not support dtype {x.dtype.name}")
    d = _four_d(x, op.type, "input", f"[batch, height, width, channels] ({a['data_format']})")
    if d is None:
        return x.dtype, TensorShape([None] * 4)
    n, h, w, c = _nhwc(d, a["data_format"])
    oh, ow = _static_out_hw(a, (h, w), _hw(a["ksize"], a["data_format"]), op.type)
    return x.dtype, _from_nhwc((n, oh, ow, c), a["data_format"])


def _pool_geom(a, x_shape):
    xh = _nhwc(x_shape, a["data_format"])
    g = _geom(tuple(xh[1:3]), _hw(a["ksize"], a["data_format"]), tuple(a["strides"]),
              a["padding"], (), (1, 1, 1, 1), a["data_format"])
    if g.OH <= 0 or g.OW <= 0:
        raise _bad(f"the pooling window {a['ksize']} is larger than the {a['padding']}-padded "
                   f"input of shape {tuple(x_shape)}")
    return g


def _nhwc_args(fn, n_arrays):
    """A kernel taking ``n_arrays`` tensors in the op's data format, run in NHWC."""
    def kernel(*arrays, ksize, strides, padding, data_format):
        a = {"ksize": ksize, "strides": strides, "padding": padding, "data_format": data_format}
        g = _pool_geom(a, arrays[0].shape)
        hs = [np.ascontiguousarray(_to_nhwc(v, data_format)) for v in arrays[:n_arrays]]
        return _from_nhwc_array(fn(*hs, g), data_format)
    return kernel


def _pool_attrs(op):
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}


def _g_max_pool(op, dy):
    return [apply_op("MaxPoolGrad", [op.inputs[0], op.outputs[0], dy], _pool_attrs(op))]


def _g_max_pool_grad(op, ddx):
    x, y, _ = op.inputs
    return [None, None, apply_op("MaxPoolGradGrad", [x, y, ddx], _pool_attrs(op))]


def _g_max_pool_grad_grad(op, dd):
    x, y, _ = op.inputs
    return [None, None, apply_op("MaxPoolGrad", [x, y, dd], _pool_attrs(op))]


def _k_avg_pool_grad(sizes, dy, ksize, strides, padding, data_format):
    a = {"ksize": ksize, "strides": strides, "padding": padding, "data_format": data_format}
    shape = tuple(int(v) for v in sizes)
    g = _pool_geom(a, shape)
    dyh = np.ascontiguousarray(_to_nhwc(dy, data_format))
    return _from_nhwc_array(K.avg_pool_grad(dyh, g, shape[0]), data_format)


def _avg_pool_grad_infer(op):
    sizes, dy = op.inputs
    _require_float(dy, op.type, "grad")
    return dy.dtype, _sizes_infer(op, sizes, "orig_input_shape")


defop("MaxPool", infer=_pool_infer, kernel=_nhwc_args(K.max_pool, 1), grad=_g_max_pool)
defop("MaxPoolGrad", infer=lambda op: (op.inputs[2].dtype, op.inputs[0].shape),
      kernel=_nhwc_args(K.max_pool_grad, 3), grad=_g_max_pool_grad)
defop("MaxPoolGradGrad", infer=lambda op: (op.inputs[2].dtype, op.inputs[1].shape),
      kernel=_nhwc_args(K.max_pool_grad_grad, 3), grad=_g_max_pool_grad_grad)
defop("AvgPool", infer=_pool_infer, kernel=_nhwc_args(K.avg_pool, 1),
      grad=lambda op, dy: [apply_op("AvgPoolGrad", [A.shape(op.inputs[0]), dy],
                                    _pool_attrs(op))])
defop("AvgPoolGrad", infer=_avg_pool_grad_infer, kernel=_k_avg_pool_grad,
      grad=lambda op, dd: [None, apply_op("AvgPool", [dd], _pool_attrs(op))])


def _pool(op_type, x, ksize, strides, padding, data_format, name):
    fmt = _check_format(data_format, op_type)
    pad, _ = _padding(padding, op_type, fmt, explicit_ok=False)
    attrs = {"ksize": _full(ksize, "ksize", op_type, fmt),
             "strides": _full(strides, "strides", op_type, fmt), "padding": pad,
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


# ---- local response normalization ----------------------------------------------------------
def _window_sum(v, r):
    """Sum over channels d - r .. d + r (clipped) along the last axis."""
    c = np.cumsum(v, axis=-1, dtype=v.dtype)
    out = c[..., np.minimum(np.arange(v.shape[-1]) + r, v.shape[-1] - 1)].copy()
    lo = np.arange(v.shape[-1]) - r - 1
    out[..., lo >= 0] -= c[..., lo[lo >= 0]]
    return out


def _k_lrn(x, depth_radius, bias, alpha, beta):
    s = _window_sum(x * x, depth_radius)
    s *= np.asarray(alpha, x.dtype)
    s += np.asarray(bias, x.dtype)
    return x * s ** np.asarray(-beta, x.dtype)


def _k_lrn_grad(dy, x, y, depth_radius, bias, alpha, beta):
    # y = x * s^-beta, s = bias + alpha * window_sum(x^2):
    # dx = dy * s^-beta - 2 alpha beta x * window_sum(dy * y / s)
    dt = x.dtype
    s = _window_sum(x * x, depth_radius) * np.asarray(alpha, dt) + np.asarray(bias, dt)
    t = _window_sum(dy * y / s, depth_radius)
    return dy * s ** np.asarray(-beta, dt) - np.asarray(2 * alpha * beta, dt) * x * t


def _lrn_infer(op):
    x = op.inputs[0]
    if x.dtype not in (dtypes.float16, dtypes.float32):
        if x.dtype is not dtypes.float64:  # float64 is kept for gradient checks
            raise TypeError(f"LRN: input must be float16 or float32, got {x.dtype.name}")
    _four_d(x, "LRN", "input", "[batch, height, width, channels]")
    return same(op)


def _g_lrn_grad(op, *grads):
    raise LookupError("Second derivatives of local response normalization are not supported "
                      "(TensorFlow has none either)")


defop("LRN", infer=_lrn_infer, kernel=_k_lrn,
      grad=lambda op, dy: [apply_op("LRNGrad", [dy, op.inputs[0], op.outputs[0]],
                                    dict(op.attrs))])
defop("LRNGrad", infer=lambda op: (op.inputs[1].dtype, op.inputs[1].shape), kernel=_k_lrn_grad,
      grad=_g_lrn_grad)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5,  # noqa: A002
                                 name=None):
    """x / (bias + alpha * sum of x^2 over 2 * depth_radius + 1 channels) ** beta."""
    return apply_op("LRN", [convert_to_tensor(input)],
                    {"depth_radius": int(depth_radius), "bias": float(bias),
                     "alpha": float(alpha), "beta": float(beta)}, name=name or "LRN")


lrn = local_response_normalization
