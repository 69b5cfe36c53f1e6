"""Sources and shape ops: constant, placeholder, identity, reshape, transpose, slicing, casts,
and the two broadcasting helpers every binary gradient uses."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, convert_to_tensor, numpy_value
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape
from ._util import constant_value, dims, norm_axes, rank, same, shape_from_tensor

newaxis = None

# ---- sources -------------------------------------------------------------------------------
defop("Const",
      infer=lambda op: (op.attrs["dtype"], op.attrs["value"].shape),
      bind=lambda op, sess: (lambda v=op.attrs["value"]: v),
      aliases=True, not_differentiable=True)


def constant(value, dtype=None, shape=None, name: str = "Const", verify_shape=False) -> Tensor:
    """A constant tensor (``tf.constant([[1, 2]], dtype=tf.float32)``)."""
    arr = numpy_value(value, dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        if arr.shape != shape:
            if verify_shape or (arr.size != 1 and arr.size != int(np.prod(shape))):
                raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
            arr = np.broadcast_to(arr, shape).copy() if arr.size == 1 else arr.reshape(shape)
    arr.setflags(write=False)  # a constant's value is shared by every run
    dt = dtypes.as_dtype(dtype) if dtype is not None else dtypes.as_dtype(arr.dtype)
    return apply_op("Const", [], {"value": arr, "dtype": dt}, name=name)


def _placeholder_infer(op):
    return op.attrs["dtype"], op.attrs["shape"]


defop("Placeholder", infer=_placeholder_infer, not_differentiable=True)


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """A value fed at run time: ``X = tf.placeholder(tf.float32, shape=(None, 3), name="X")``."""
    dt = dtypes.as_dtype(dtype)
    return apply_op("Placeholder", [], {"dtype": dt, "shape": as_shape(shape)},
                    name=name or "Placeholder")


defop("PlaceholderWithDefault",
      infer=lambda op: (op.inputs[0].dtype, op.attrs["shape"]),
      kernel=lambda x, shape: x, aliases=True,
      grad=lambda op, dy: [dy])


def placeholder_with_default(input, shape, name: str | None = None) -> Tensor:
    """A placeholder that evaluates to ``input`` when it is not fed."""
    x = convert_to_tensor(input)
    shape = as_shape(shape)
    if not shape.is_compatible_with(x.shape):
        raise ValueError(f"Default value of shape {x.shape} is not compatible with the "
                         f"placeholder shape {shape}")
    return apply_op("PlaceholderWithDefault", [x], {"shape": shape},
                    name=name or "PlaceholderWithDefault")


# ---- identity and friends ------------------------------------------------------------------
defop("Identity", infer=same, kernel=lambda x: x, aliases=True, grad=lambda op, dy: [dy])
defop("StopGradient", infer=same, kernel=lambda x: x, aliases=True, not_differentiable=True)


def identity(input, name: str | None = None) -> Tensor:
    return apply_op("Identity", [convert_to_tensor(input)], name=name or "Identity")


def stop_gradient(input, name: str | None = None) -> Tensor:
    """Passes the value through; tf.gradients treats it as a constant."""
    return apply_op("StopGradient", [convert_to_tensor(input)], name=name or "StopGradient")


# ---- shapes --------------------------------------------------------------------------------
def _shape_infer(op):
    r = rank(op.inputs[0])
    return op.attrs["out_type"], [r]


defop("Shape", infer=_shape_infer,
      kernel=lambda x, out_type: np.array(np.shape(x), dtype=out_type.np),
      not_differentiable=True)
defop("Size", infer=lambda op: (op.attrs["out_type"], ()),
      kernel=lambda x, out_type: np.array(np.size(x), dtype=out_type.np),
      not_differentiable=True)
defop("Rank", infer=lambda op: (dtypes.int32, ()),
      kernel=lambda x: np.array(np.ndim(x), dtype=np.int32), not_differentiable=True)


def shape(input, name: str | None = None, out_type=dtypes.int32) -> Tensor:
    """The dynamic shape of ``input`` as a 1-D int tensor."""
    return apply_op("Shape", [convert_to_tensor(input)], {"out_type": dtypes.as_dtype(out_type)},
                    name=name or "Shape")


def size(input, name: str | None = None, out_type=dtypes.int32) -> Tensor:
    return apply_op("Size", [convert_to_tensor(input)], {"out_type": dtypes.as_dtype(out_type)},
                    name=name or "Size")


def rank_op(input, name: str | None = None) -> Tensor:
    return apply_op("Rank", [convert_to_tensor(input)], name=name or "Rank")


def _reshape_infer(op):
    x, s = op.inputs
    if rank(s) not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {rank(s)}")
    target = shape_from_tensor(s)
    tdims = target.as_tuple()
    n = x.shape.num_elements()
    if tdims is not None:
        cv = constant_value(s)
        if cv is not None:
            cv = [int(d) for d in np.asarray(cv).reshape(-1)]
            if cv.count(-1) > 1:
                raise ValueError(f"Cannot reshape to {cv}: only one dimension can be -1")
            known = int(np.prod([d for d in cv if d != -1])) if cv else 1
            if -1 in cv:
                if n is not None:
                    if known == 0 or n % known:
                        raise ValueError(f"Cannot reshape a tensor with {n} elements to shape "
                                         f"{cv}")
                    tdims = tuple(n // known if d == -1 else d for d in cv)
            elif n is not None and n != known:
                raise ValueError(f"Cannot reshape a tensor with {n} elements to shape {cv} "
                                 f"({known} elements)")
    return x.dtype, TensorShape(tdims)


defop("Reshape", infer=_reshape_infer,
      kernel=lambda x, s: np.reshape(x, s), aliases=True,
      grad=lambda op, dy: [reshape(dy, shape(op.inputs[0])), None])


def reshape(tensor, shape, name: str | None = None) -> Tensor:
    """Reshapes ``tensor``; one dimension of ``shape`` may be -1."""
    x = convert_to_tensor(tensor)
    s = _shape_arg(shape)
    return apply_op("Reshape", [x, s], name=name or "Reshape")


def _shape_arg(shape) -> Tensor:
    if isinstance(shape, Tensor):
        return shape
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape):
        parts = [d if isinstance(d, Tensor) else constant(int(d), dtype=dtypes.int32)
                 for d in shape]
        parts = [cast(p, dtypes.int32) if p.dtype is not dtypes.int32 else p for p in parts]
        return stack(parts)
    return constant([-1 if d is None else int(d) for d in
                     (shape if isinstance(shape, (list, tuple, np.ndarray)) else [shape])],
                    dtype=dtypes.int32, name="shape")


def _transpose_infer(op):
    x = op.inputs[0]
    perm = op.attrs["perm"]
    d = dims(x)
    if d is None:
        return x.dtype, unknown_shape(None if perm is None else len(perm))
    if perm is None:
        return x.dtype, d[::-1]
    if sorted(perm) != list(range(len(d))):
        raise ValueError(f"perm {list(perm)} is not a permutation of the {len(d)} dimensions")
    return x.dtype, [d[p] for p in perm]


def _transpose_grad(op, dy):
    perm = op.attrs["perm"]
    return [transpose(dy, None if perm is None else list(np.argsort(perm)))]


defop("Transpose", infer=_transpose_infer, kernel=lambda x, perm: np.transpose(x, perm),
      aliases=True, grad=_transpose_grad)


def transpose(a, perm=None, name: str = "transpose", conjugate=False) -> Tensor:
    """Permutes dimensions (reverses them by default)."""
    x = convert_to_tensor(a)
    if perm is not None:
        if isinstance(perm, Tensor):
            perm = constant_value(perm)
        perm = tuple(int(p) for p in perm)
    return apply_op("Transpose", [x], {"perm": perm}, name=name)


def _expand_infer(op):
    x = op.inputs[0]
    d = dims(x)
    if d is None:
        return x.dtype, TensorShape(None)
    axis = op.attrs["axis"]
    n = len(d) + 1
    if not -n <= axis < n:
        raise ValueError(f"axis {axis} is out of range for a tensor of rank {len(d)}")
    d = list(d)
    d.insert(axis % n, 1)
    return x.dtype, d


defop("ExpandDims", infer=_expand_infer, kernel=lambda x, axis: np.expand_dims(x, axis),
      aliases=True, grad=lambda op, dy: [reshape(dy, shape(op.inputs[0]))])


def expand_dims(input, axis=None, name: str | None = None, dim=None) -> Tensor:
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("expand_dims needs an axis")
    return apply_op("ExpandDims", [convert_to_tensor(input)], {"axis": int(axis)},
                    name=name or "ExpandDims")


def _squeeze_infer(op):
    x = op.inputs[0]
    d = dims(x)
    axes = op.attrs["axis"]
    if d is None:
        return x.dtype, TensorShape(None)
    if axes is None:
        if None in d:
            return x.dtype, TensorShape(None)
        return x.dtype, [s for s in d if s != 1]
    axes = norm_axes(axes, len(d))
    for a in axes:
        if d[a] not in (1, None):
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {d[a]}")
    return x.dtype, [s for i, s in enumerate(d) if i not in axes]


defop("Squeeze", infer=_squeeze_infer,
      kernel=lambda x, axis: np.squeeze(x, axis=axis), aliases=True,
      grad=lambda op, dy: [reshape(dy, shape(op.inputs[0]))])


def squeeze(input, axis=None, name: str | None = None, squeeze_dims=None) -> Tensor:
    axis = squeeze_dims if axis is None else axis
    x = convert_to_tensor(input)
    if axis is not None:
        axis = norm_axes(axis, rank(x))
    return apply_op("Squeeze", [x], {"axis": axis}, name=name or "Squeeze")


# ---- cast ----------------------------------------------------------------------------------
def _cast_grad(op, dy):
    x = op.inputs[0]
    if x.dtype.is_floating and op.outputs[0].dtype.is_floating:
        return [cast(dy, x.dtype)]
    return [None]


defop("Cast", infer=lambda op: (op.attrs["DstT"], op.inputs[0].shape),
      kernel=lambda x, DstT: np.asarray(x).astype(DstT.np), grad=_cast_grad)


def cast(x, dtype, name: str | None = None) -> Tensor:
    """Casts to ``dtype`` (bool -> 0/1, float -> int truncates toward zero)."""
    x = convert_to_tensor(x)
    dt = dtypes.as_dtype(dtype)
    if x.dtype is dt:
        return x
    return apply_op("Cast", [x], {"DstT": dt}, name=name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


# ---- fill / zeros / ones -------------------------------------------------------------------
defop("Fill", infer=lambda op: (op.inputs[1].dtype, shape_from_tensor(op.inputs[0])),
      kernel=lambda s, v: np.full(s, v, dtype=np.asarray(v).dtype),
      grad=lambda op, dy: [None, _sum_all(dy)])


def _sum_all(t):
    from .math_ops import reduce_sum
    return reduce_sum(t)


def fill(dims, value, name: str | None = None) -> Tensor:
    return apply_op("Fill", [_shape_arg(dims), convert_to_tensor(value)], name=name or "Fill")


def zeros(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of zeros; a constant when the shape is static."""
    dt = dtypes.as_dtype(dtype)
    if not isinstance(shape, Tensor) and not (isinstance(shape, (list, tuple)) and
                                              any(isinstance(d, Tensor) for d in shape)):
        return constant(np.zeros(as_shape(shape).as_list(), dt.np), dtype=dt,
                        name=name or "zeros")
    return fill(shape, constant(0, dtype=dt), name=name or "zeros")


def ones(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    dt = dtypes.as_dtype(dtype)
    if not isinstance(shape, Tensor) and not (isinstance(shape, (list, tuple)) and
                                              any(isinstance(d, Tensor) for d in shape)):
        return constant(np.ones(as_shape(shape).as_list(), dt.np), dtype=dt,
                        name=name or "ones")
    return fill(shape, constant(1, dtype=dt), name=name or "ones")


defop("ZerosLike", infer=same, kernel=np.zeros_like, not_differentiable=True)
defop("OnesLike", infer=same, kernel=np.ones_like, not_differentiable=True)


def zeros_like(tensor, dtype=None, name: str | None = None, optimize=True) -> Tensor:
    x = convert_to_tensor(tensor)
    out = apply_op("ZerosLike", [x], name=name or "zeros_like")
    return out if dtype is None else cast(out, dtype)


def ones_like(tensor, dtype=None, name: str | None = None, optimize=True) -> Tensor:
    x = convert_to_tensor(tensor)
    out = apply_op("OnesLike", [x], name=name or "ones_like")
    return out if dtype is None else cast(out, dtype)


# ---- broadcasting helpers for gradients ----------------------------------------------------
def _sum_to_kernel(g, x):
    """Sums ``g`` down to ``x``'s shape (undoing NumPy broadcasting)."""
    xs = np.shape(x)
    if g.shape == xs:
        return g
    lead = g.ndim - len(xs)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(xs)
                                      if d == 1 and g.shape[i + lead] != 1)
    out = np.sum(g, axis=axes, keepdims=True, dtype=g.dtype) if axes else g
    return out.reshape(xs)


defop("SumToShapeOf", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_sum_to_kernel,
      grad=lambda op, dy: [broadcast_like(dy, op.inputs[0]), None])

defop("BroadcastLike", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=lambda g, x: np.broadcast_to(g, np.shape(x)), aliases=True,
      grad=lambda op, dy: [unbroadcast(dy, op.inputs[0]), None])


def broadcast_like(g: Tensor, x: Tensor) -> Tensor:
    """``g`` broadcast to the (dynamic) shape of ``x``."""
    if g.shape.is_fully_defined() and g.shape == x.shape:
        return g
    return apply_op("BroadcastLike", [g, x], name="BroadcastLike")


def unbroadcast(g: Tensor, x: Tensor, other: Tensor | None = None) -> Tensor:
    """The one place gradients undo broadcasting: sums ``g`` to the shape of input ``x``.

    ``other`` is the binary op's other operand. The reduction is decided statically when shapes
    allow (the usual ``xW + b``: nothing for ``xW``, a reduce_sum over the batch axis for ``b``),
    otherwise by a run-time SumToShapeOf op.
    """
    gd, xd = dims(g), dims(x)
    od = dims(other) if other is not None else None
    if gd is None or xd is None or len(gd) < len(xd):
        return apply_op("SumToShapeOf", [g, x], name="SumToShapeOf")
    lead = len(gd) - len(xd)
    axes = list(range(lead))
    for i, d in enumerate(xd):
        gdim = gd[i + lead]
        if d == gdim and d is not None:
            continue
        if d == 1:
            if gdim is None:
                return apply_op("SumToShapeOf", [g, x], name="SumToShapeOf")
            axes.append(i + lead)
            continue
        # x's dim is unknown: the output's dim is x's own unless x was broadcast along it,
        # which cannot happen when the other operand lacks this axis or has it as static 1.
        j = i + lead - (len(gd) - len(od)) if od is not None else -1
        if od is not None and (j < 0 or od[j] == 1):
            continue
        return apply_op("SumToShapeOf", [g, x], name="SumToShapeOf")
    if not axes:
        return g
    from .math_ops import reduce_sum
    out = reduce_sum(g, axis=axes, keepdims=len(axes) > lead)
    if len(axes) == lead:
        return out
    return reshape(out, x.shape.as_list() if x.shape.is_fully_defined() else shape(x))


# ---- slicing (tensor[...]) -----------------------------------------------------------------
def _slice_infer(op):
    x = op.inputs[0]
    spec = op.attrs["spec"]
    d = dims(x)
    if d is None:
        return x.dtype, TensorShape(None)
    probe = np.empty([1 if s is None else s for s in d], dtype=np.bool_)
    try:
        out = probe[spec]
    except IndexError as e:
        raise ValueError(f"slice {spec} is invalid for shape {x.shape}: {e}") from None
    od = list(out.shape)
    # dims that were unknown stay unknown unless the slice fixed them
    pos = 0
    res = []
    spec_t = spec if isinstance(spec, tuple) else (spec,)
    axis = 0
    for s in _expand_ellipsis(spec_t, len(d)):
        if s is None:
            res.append(1)
            pos += 1
        elif isinstance(s, slice):
            if d[axis] is None:
                res.append(_slice_len_unknown(s))
            else:
                res.append(od[pos])
            pos += 1
            axis += 1
        else:
            if d[axis] is not None and not -d[axis] <= s < d[axis]:
                raise ValueError(f"index {s} is out of bounds for axis {axis} with size "
                                 f"{d[axis]}")
            axis += 1
    return x.dtype, res


def _slice_len_unknown(s: slice):
    if (s.start is not None and s.stop is not None and s.step in (None, 1)
            and s.start >= 0 and s.stop >= 0):
        return max(0, s.stop - s.start)
    return None


def _expand_ellipsis(spec, ndim):
    n_real = sum(1 for s in spec if s is not None and s is not Ellipsis)
    out = []
    for s in spec:
        if s is Ellipsis:
            out.extend([slice(None)] * (ndim - n_real))
        else:
            out.append(s)
    n_axes = sum(1 for s in out if s is not None)
    out.extend([slice(None)] * (ndim - n_axes))
    return out


def _slice_grad_kernel(dy, x, spec):
    g = np.zeros(np.shape(x), dtype=dy.dtype)
    g[spec] = dy
    return g


defop("StridedSlice", infer=_slice_infer, kernel=lambda x, spec: x[spec], aliases=True,
      grad=lambda op, dy: [apply_op("StridedSliceGrad", [dy, op.inputs[0]],
                                    {"spec": op.attrs["spec"]})])
defop("StridedSliceGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_slice_grad_kernel,
      grad=lambda op, ddx: [apply_op("StridedSlice", [ddx], {"spec": op.attrs["spec"]}), None])


def getitem(tensor: Tensor, key) -> Tensor:
    """``tensor[key]`` with ints, slices, None (tf.newaxis) and Ellipsis."""
    key_t = key if isinstance(key, tuple) else (key,)
    norm = []
    for k in key_t:
        if isinstance(k, Tensor):
            v = constant_value(k)
            if v is None:
                return _dynamic_getitem(tensor, key_t)
            k = int(v)
        if isinstance(k, slice):
            parts = []
            for p in (k.start, k.stop, k.step):
                if isinstance(p, Tensor):
                    v = constant_value(p)
                    if v is None:
                        return _dynamic_getitem(tensor, key_t)
                    p = int(v)
                parts.append(None if p is None else int(p))
            k = slice(*parts)
        elif k is not None and k is not Ellipsis:
            if isinstance(k, (bool, np.bool_)) or not hasattr(k, "__index__"):
                raise TypeError(f"Only integers, slices, ellipsis, tf.newaxis and scalar int "
                                f"tensors are valid indices for {tensor.name}, got {k!r}")
            k = int(k)
        norm.append(k)
    spec = tuple(norm)
    return apply_op("StridedSlice", [tensor], {"spec": spec}, name="strided_slice")


def _dynamic_slice_kernel(x, *vals, template):
    it = iter(vals)
    spec = []
    for kind, a in template:
        if kind == "i":
            spec.append(int(next(it)) if a is None else a)
        elif kind == "s":
            spec.append(slice(*[int(next(it)) if p == "t" else p for p in a]))
        else:
            spec.append(a)
    return x[tuple(spec)]


def _dynamic_getitem(tensor, key_t):
    inputs = [tensor]
    template = []
    for k in key_t:
        if isinstance(k, Tensor):
            inputs.append(k)
            template.append(("i", None))
        elif isinstance(k, slice):
            parts = []
            for p in (k.start, k.stop, k.step):
                if isinstance(p, Tensor):
                    inputs.append(p)
                    parts.append("t")
                else:
                    parts.append(p)
            template.append(("s", tuple(parts)))
        else:
            template.append(("k", k))
    return apply_op("DynamicSlice", inputs, {"template": tuple(template)},
                    name="strided_slice")


def _dynamic_slice_infer(op):
    x = op.inputs[0]
    n_int = sum(1 for kind, _ in op.attrs["template"] if kind == "i")
    n_new = sum(1 for kind, a in op.attrs["template"] if kind == "k" and a is None)
    r = rank(x)
    return x.dtype, unknown_shape(None if r is None else r - n_int + n_new)


defop("DynamicSlice", infer=_dynamic_slice_infer, kernel=_dynamic_slice_kernel, aliases=True,
      not_differentiable=True)


# ---- stack (needed for shapes built from tensors) -------------------------------------------
def _pack_infer(op):
    xs = op.inputs
    shp = xs[0].shape
    for t in xs[1:]:
        if not shp.is_compatible_with(t.shape):
            raise ValueError(f"Shapes of all inputs must match: values[0].shape = {xs[0].shape}"
                             f" != values[{list(xs).index(t)}].shape = {t.shape}")
        shp = shp.merge_with(t.shape)
    for t in xs[1:]:
        if t.dtype is not xs[0].dtype:
            raise TypeError(f"All values must have the same dtype: {xs[0].dtype.name} and "
                            f"{t.dtype.name}")
    d = shp.as_tuple()
    if d is None:
        return xs[0].dtype, TensorShape(None)
    axis = op.attrs["axis"]
    n = len(d) + 1
    if not -n <= axis < n:
        raise ValueError(f"axis {axis} out of range for stacking rank-{len(d)} tensors")
    out = list(d)
    out.insert(axis % n, len(xs))
    return xs[0].dtype, out


def _pack_grad(op, dy):
    return list(unstack(dy, num=len(op.inputs), axis=op.attrs["axis"]))


defop("Pack", infer=_pack_infer, kernel=lambda *xs, axis: np.stack(xs, axis=axis),
      grad=_pack_grad)


def stack(values, axis: int = 0, name: str = "stack") -> Tensor:
    """Stacks same-shaped tensors along a new ``axis``."""
    if not values:
        raise ValueError("stack needs at least one tensor")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    ts = [convert_to_tensor(v, dtype=None if first is None else first.dtype) for v in values]
    return apply_op("Pack", ts, {"axis": int(axis)}, name=name)


def _unpack_infer(op):
    x = op.inputs[0]
    d = dims(x)
    num, axis = op.attrs["num"], op.attrs["axis"]
    if d is None:
        return [(x.dtype, TensorShape(None))] * num
    out = list(d)
    del out[axis % len(d)]
    return [(x.dtype, out)] * num


def _unpack_kernel(x, num, axis):
    return tuple(np.moveaxis(x, axis, 0))


def _unpack_grad(op, *dys):
    dys = [zeros_like(t) if g is None else g for t, g in zip(op.outputs, dys)]
    return [stack(dys, axis=op.attrs["axis"])]


defop("Unpack", infer=_unpack_infer, kernel=_unpack_kernel, aliases=True, grad=_unpack_grad)


def unstack(value, num=None, axis: int = 0, name: str = "unstack"):
    """Splits ``value`` along ``axis`` into a list of tensors."""
    x = convert_to_tensor(value)
    d = dims(x)
    if d is None:
        raise ValueError(f"Cannot infer num from shape {x.shape}")
    axis = int(axis) % len(d)
    if num is None:
        num = d[axis]
        if num is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
    outs = apply_op("Unpack", [x], {"num": int(num), "axis": axis}, name=name)
    return list(outs) if isinstance(outs, tuple) else [outs]

