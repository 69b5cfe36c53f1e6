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

from ..framework import dtypes, errors, run_context
from ..framework.graph_io import TFList
from ..framework.ops import apply_op
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
def check_format(data_format, op_name, allowed=("NHWC", "NCHW")) -> str:
    fmt = "NHWC" if data_format is None else data_format
    if fmt not in allowed:
        raise ValueError(f"{op_name}: data_format must be one of {', '.join(allowed)}, got "
                         f"{data_format!r}")
    return fmt


def _channel_axis(fmt: str) -> int:
    return 1 if fmt.startswith("NC") else len(fmt) - 1


def attr4(value, what: str, op_name: str, fmt: str) -> list:
    """An int or a list of 1, 2 or 4 ints as TF's 4-entry attribute (1 on batch and channels),
    a TFList so GraphDefs write it as TF's list(int)."""
    vals = [value] if isinstance(value, (int, np.integer)) else list(value)
    if not vals or not all(isinstance(v, (int, np.integer)) and v > 0 for v in vals):
        raise ValueError(f"{op_name}: {what} must be positive integers, got {value!r}")
    c = _channel_axis(fmt)
    if len(vals) in (1, 2):
        hw = vals * 2 if len(vals) == 1 else vals
        out = [1, 1, 1, 1]
        out[1 + (c == 1)], out[2 + (c == 1)] = int(hw[0]), int(hw[1])
        return TFList(out)
    if len(vals) != 4:
        raise ValueError(f"{op_name}: {what} must have 1, 2 or 4 entries ({fmt}), got "
                         f"{len(vals)}: {list(vals)}")
    if vals[0] != 1 or vals[c] != 1:
        raise ValueError(f"{op_name}: {what} {list(vals)} must be 1 in the batch and channel "
                         f"dimensions ({fmt})")
    return TFList(int(v) for v in vals)


def padding_attr(padding, op_name: str, fmt: str, explicit_ok: bool = True):
    """(padding string, explicit_paddings as 8 ints) from 'SAME', 'VALID' or [[b, a]] * 4."""
    if isinstance(padding, str) and padding.upper() in ("SAME", "VALID"):
        return padding.upper(), TFList()
    if explicit_ok and isinstance(padding, (list, tuple)) and not isinstance(padding, str):
        pairs = np.asarray(padding)
        c = _channel_axis(fmt)
        if pairs.shape != (4, 2) or pairs.dtype.kind not in "iu" or (pairs < 0).any() or \
                pairs[0].any() or pairs[c].any():
            raise ValueError(f"{op_name}: explicit padding must be 4 [before, after] pairs of "
                             f"non-negative ints, zero for the batch and channel dimensions "
                             f"({fmt}), got {padding!r}")
        return "EXPLICIT", TFList(int(v) for v in pairs.reshape(-1))
    allowed = "'SAME', 'VALID' or a list of [before, after] pairs" if explicit_ok else \
        "'SAME' or 'VALID'"
    raise ValueError(f"{op_name}: padding must be {allowed}, got {padding!r}")


def spatial(vals, fmt: str):
    return (vals[2], vals[3]) if fmt == "NCHW" else (vals[1], vals[2])


def as_nhwc(d, fmt: str):
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
    return K.geometry(hw, khw, spatial(strides, fmt), spatial(dilations, fmt), padding,
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
        s = spatial(a["strides"], a["data_format"])[i]
        d = spatial(a.get("dilations", [1] * 4), a["data_format"])[i]
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
    xd = None if x_dims is None else as_nhwc(x_dims, fmt)
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
    dd = as_nhwc(dd, a["data_format"])
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
    def kernel(x, w, data_format, reuse=K.compute, **a):
        if x.ndim != 4 or as_nhwc(x.shape, data_format)[3] != w.shape[2]:
            raise _bad(f"input of shape {x.shape} does not fit the filter of shape {w.shape}")
        xh = _to_nhwc(x, data_format)
        g = _op_geom(dict(a, data_format=data_format), xh.shape[1:3], w.shape[:2])
        if g.OH <= 0 or g.OW <= 0:
            raise _bad(f"the filter of shape {w.shape} is larger than the padded input of "
                       f"shape {x.shape}")
        return _from_nhwc_array(fn(np.ascontiguousarray(xh), w, g, reuse), data_format)
    return kernel


def _k_input_grad(fn):
    def kernel(sizes, w, dy, data_format, reuse=K.compute, **a):
        n, h, ww, _ = as_nhwc([int(v) for v in sizes], data_format)
        g = _op_geom(dict(a, data_format=data_format), (h, ww), w.shape[:2])
        dyh = np.ascontiguousarray(_to_nhwc(dy, data_format))
        if dyh.shape[1:3] != (g.OH, g.OW):
            raise _bad(f"out_backprop of shape {dy.shape} does not match the output "
                       f"{(g.OH, g.OW)} of an input of shape {tuple(sizes)}")
        return _from_nhwc_array(fn(w, dyh, g, n, reuse), data_format)
    return kernel


def _k_filter_grad(fn):
    def kernel(x, sizes, dy, data_format, reuse=K.compute, **a):
        kh, kw = int(sizes[0]), int(sizes[1])
        xh = np.ascontiguousarray(_to_nhwc(x, data_format))
        g = _op_geom(dict(a, data_format=data_format), xh.shape[1:3], (kh, kw))
        return fn(xh, np.ascontiguousarray(_to_nhwc(dy, data_format)), g, int(sizes[3]),
                  reuse)
    return kernel


def _sharing(kernel, operands):
    """A bind for a convolution op: in a graph run, what its kernel derives from an operand
    (spectra, im2col columns; K.compute's ``reuse``) is kept in the run's scratch under the
    operand's tensor, where the forward op and its gradient ops of the same run find it."""
    def bind(op, state):
        if getattr(op.graph, "state", None) is not None:  # eager: one kernel serves many values
            return functools.partial(kernel, **op.attrs)
        tensors = dict(zip(operands, op.inputs))
        fmt = op.attrs["data_format"]

        def reuse(operand, what, make):
            memo = run_context.scratch()
            if memo is None:
                return make()
            key = (tensors[operand], operand, fmt, what)
            value = memo.get(key)
            if value is None:
                value = memo[key] = make()
            return value
        return functools.partial(kernel, reuse=reuse, **op.attrs)
    return bind


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

    blas = True if depthwise else "split"  # the Conv2D kernels cut a batch into parts
    defop(fwd, infer=_conv_infer(depthwise), bind=_sharing(_k_forward(k_fwd), "xw"),
          grad=g_fwd, blas=blas)
    defop(back_in, infer=_backprop_infer(depthwise, True),
          bind=_sharing(_k_input_grad(k_in), ("", "w", "dy")), grad=g_in, blas=blas)
    defop(back_filter, infer=_backprop_infer(depthwise, False),
          bind=_sharing(_k_filter_grad(k_filter), ("x", "", "dy")), grad=g_filter, blas=blas)


_defconv("Conv2D", False,
         lambda x, w, g, reuse: K.conv2d(x, w, g, reuse=reuse),
         lambda w, dy, g, n, reuse: K.conv2d_input_grad(w, dy, g, n, reuse=reuse),
         lambda x, dy, g, out_depth, reuse: K.conv2d_filter_grad(x, dy, g, reuse=reuse))
_defconv("DepthwiseConv2dNative", True,
         lambda x, w, g, reuse: K.depthwise(x, w, g),
         lambda w, dy, g, n, reuse: K.depthwise_input_grad(w, dy, g, n),
         lambda x, dy, g, m, reuse: K.depthwise_filter_grad(x, dy, g, m))


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
    n, h, w, c = as_nhwc(d, a["data_format"])
    oh, ow = _static_out_hw(a, (h, w), spatial(a["ksize"], a["data_format"]), op.type)
    return x.dtype, _from_nhwc((n, oh, ow, c), a["data_format"])


def _pool_geom(a, x_shape):
    xh = as_nhwc(x_shape, a["data_format"])
    g = _geom(tuple(xh[1:3]), spatial(a["ksize"], a["data_format"]), tuple(a["strides"]),
              a["padding"], (), (1, 1, 1, 1), a["data_format"])
    if g.OH <= 0 or g.OW <= 0:
        raise _bad(f"the pooling window {a['ksize']} is larger than the {a['padding']}-padded "
                   f"input of shape {tuple(x_shape)}")
    return g


def _nhwc_args(fn, n_arrays):
    """A kernel taking ``n_arrays`` tensors in the op's data format, run in NHWC."""
    def kernel(*arrays, ksize, strides, padding, data_format, **_):  # (TF's extra attrs)
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


def _k_avg_pool_grad(sizes, dy, ksize, strides, padding, data_format, **_):
    a = {"ksize": ksize, "strides": strides, "padding": padding, "data_format": data_format}
    shape = tuple(int(v) for v in sizes)
    g = _pool_geom(a, shape)
    dyh = np.ascontiguousarray(_to_nhwc(dy, data_format))
    return _from_nhwc_array(K.avg_pool_grad(dyh, g, shape[0]), data_format)


def _avg_pool_grad_infer(op):
    sizes, dy = op.inputs
    _require_float(dy, op.type, "grad")
    return dy.dtype, _sizes_infer(op, sizes, "orig_input_shape")


defop("MaxPool", infer=_pool_infer, kernel=_nhwc_args(K.max_pool, 1), grad=_g_max_pool,
      blas="split")
defop("MaxPoolGrad", infer=lambda op: (op.inputs[2].dtype, op.inputs[0].shape),
      kernel=_nhwc_args(K.max_pool_grad, 3), grad=_g_max_pool_grad, blas="split")
defop("MaxPoolGradGrad", infer=lambda op: (op.inputs[2].dtype, op.inputs[1].shape),
      kernel=_nhwc_args(K.max_pool_grad_grad, 3), grad=_g_max_pool_grad_grad)
defop("AvgPool", infer=_pool_infer, kernel=_nhwc_args(K.avg_pool, 1),
      grad=lambda op, dy: [apply_op("AvgPoolGrad", [A.shape(op.inputs[0]), dy],
                                    _pool_attrs(op))])
defop("AvgPoolGrad", infer=_avg_pool_grad_infer, kernel=_k_avg_pool_grad,
      grad=lambda op, dd: [None, apply_op("AvgPool", [dd], _pool_attrs(op))])


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
