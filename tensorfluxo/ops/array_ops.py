"""Sources and shape ops: constant, placeholder, identity, reshape, transpose, slicing, casts,
and the two broadcasting helpers every binary gradient uses."""

from __future__ import annotations

import builtins

import numpy as np

from ..framework import dtypes, errors
from ..framework.constant_op import constant
from ..framework.ops import Tensor, apply_op, convert_to_tensor, executing_eagerly, numpy_value
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape, as_shape, unknown_shape
from ..kernels.scatter import scatter, scatter_add
from ._util import constant_value, dims, norm_axes, rank, same, shape_from_tensor
from .indexed_slices import IndexedSlices

newaxis = None

# ---- sources -------------------------------------------------------------------------------
def _placeholder_infer(op):
    return op.attrs["dtype"], op.attrs["shape"]


defop("Placeholder", infer=_placeholder_infer, not_differentiable=True)


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """A value fed at run time: ``X = tf.placeholder(tf.float32, shape=(None, 3), name="X")``."""
    if executing_eagerly():
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
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
# IdentityN gives the outputs of a several-node expansion in a file their op's names
# ("FusedBatchNorm:1"); framework/graph_io.py writes it, TF and tensorfluxo read it.
defop("IdentityN", infer=lambda op: [(t.dtype, t.shape) for t in op.inputs],
      kernel=lambda *xs, T=None: xs if len(xs) > 1 else xs[0], aliases=True,
      grad=lambda op, *dys: list(dys))


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
    s = shape_arg(shape)
    return apply_op("Reshape", [x, s], name=name or "Reshape")


def shape_arg(shape) -> Tensor:
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
    if sorted(perm) != list(builtins.range(len(d))):
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
        try:
            axis = norm_axes(axis, rank(x))
        except ValueError as e:
            raise ValueError(f"{e} for 'squeeze' of tensor {x.name} with shape {x.shape}"
                             ) from None
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
    if dtypes.string in (x.dtype, dt):  # TF fails only when run; refuse now and say what works
        how = "tf.strings.to_number" if x.dtype is dtypes.string else "tf.strings.as_string"
        raise TypeError(f"Cannot cast {x.name} from {x.dtype.name} to {dt.name}: casting "
                        f"between strings and numbers is not supported; use {how}")
    return apply_op("Cast", [x], {"DstT": dt}, name=name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)


# ---- fill / zeros / ones -------------------------------------------------------------------
def _fill_infer(op):
    if rank(op.inputs[1]) not in (0, None):
        raise ValueError(f"value of fill must be a scalar, got shape {op.inputs[1].shape}")
    return op.inputs[1].dtype, shape_from_tensor(op.inputs[0])


defop("Fill", infer=_fill_infer,
      kernel=lambda s, v: np.full(s, v, dtype=np.asarray(v).dtype),
      grad=lambda op, dy: [None, _sum_all(dy)])


def _sum_all(t):
    from .math_ops import reduce_sum
    return reduce_sum(t)


def fill(dims, value, name: str | None = None) -> Tensor:
    return apply_op("Fill", [shape_arg(dims), convert_to_tensor(value)], name=name or "Fill")


def _filled(shape, value, dtype, name) -> Tensor:
    """A constant when the shape is static and small, else a Fill op (as TF: a big tf.zeros
    costs a few bytes in a GraphDef, not the tensor's size)."""
    dt = dtypes.as_dtype(dtype)
    if not isinstance(shape, Tensor) and not (isinstance(shape, (list, tuple)) and
                                              any(isinstance(d, Tensor) for d in shape)):
        dims_ = as_shape(shape).as_list()
        if int(np.prod(dims_)) < 1000:
            return constant(np.full(dims_, value, dt.np), dtype=dt, name=name)
    from ..framework.ops import get_default_graph
    with get_default_graph().name_scope(name) as scope:
        if isinstance(shape, Tensor) or any(isinstance(d, Tensor) for d in shape):
            shape_t = shape_arg(shape)
        else:
            shape_t = constant(as_shape(shape).as_list(), dtype=dtypes.int32,
                               name="shape_as_tensor")
        return fill(shape_t, constant(value, dtype=dt, name="Const"), name=scope)


def zeros(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of zeros."""
    return _filled(shape, 0, dtype, name or "zeros")


def ones(shape, dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """A tensor of ones."""
    return _filled(shape, 1, dtype, name or "ones")


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
    axes = tuple(builtins.range(lead)) + tuple(i + lead for i, d in enumerate(xs)
                                      if d == 1 and g.shape[i + lead] != 1)
    out = np.sum(g, axis=axes, keepdims=True, dtype=g.dtype) if axes else g
    return out.reshape(xs)


defop("SumToShapeOf", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_sum_to_kernel,
      grad=lambda op, dy: [broadcast_like(dy, op.inputs[0]), None])

def _broadcast_gradient_args(s0, s1):
    """TF's BroadcastGradientArgs: for shapes s0, s1 of two operands broadcast together, the
    axes of the result each operand's gradient is summed over."""
    n = max(len(s0), len(s1))
    a, b = [1] * (n - len(s0)) + list(s0), [1] * (n - len(s1)) + list(s1)
    r0 = [i for i in builtins.range(n) if a[i] == 1 and b[i] != 1 or i < n - len(s0)]
    r1 = [i for i in builtins.range(n) if b[i] == 1 and a[i] != 1 or i < n - len(s1)]
    return np.array(r0, s0.dtype), np.array(r1, s1.dtype)


# Read from TensorFlow's gradient graphs (Sum over r0/r1, then Reshape to the operand's shape).
defop("BroadcastGradientArgs", not_differentiable=True, kernel=_broadcast_gradient_args,
      infer=lambda op: [(op.inputs[0].dtype, [None])] * 2)


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
    axes = list(builtins.range(lead))
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
    out = reduce_sum(_pooled_source(g, axes), axis=axes, keepdims=len(axes) > lead)
    if len(axes) == lead:
        return out
    return reshape(out, x.shape.as_list() if x.shape.is_fully_defined() else shape(x))


def _pooled_source(g: Tensor, axes: list) -> Tensor:
    """For a sum over every axis but the channels of the gradient through relu -> max_pool
    (a conv layer's bias gradient; math_ops builds it as MaxPoolGrad(r, y, ReluGrad(dp, y))),
    the pooled gradient it spreads: each window's value lands on one input position, so both
    sums are equal (up to summation order) and the pooled one has a quarter of the elements for
    a 2x2 pool. Only under a ReLU: its output has no -inf (a window all padding and -inf would
    land nowhere) and its mask zeroes NaN windows (which land nowhere either). Else ``g``."""
    pool = getattr(g, "op", None)  # None for an eager tensor
    if pool is None or pool.type != "MaxPoolGrad" or len(dims(g) or ()) != 4:
        return g
    mask = pool.inputs[2].op
    if mask.type != "ReluGrad" or mask.inputs[1] is not pool.inputs[1] or \
            pool.inputs[0].op.type != "Relu":
        return g
    channels = 1 if pool.attrs.get("data_format") == "NCHW" else 3
    return pool.inputs[2] if sorted(axes) == [a for a in builtins.range(4) if a != channels] \
        else g


# ---- slicing (tensor[...]) -----------------------------------------------------------------
def _slice_infer(op):
    x = op.inputs[0]
    return x.dtype, slice_shape(x, op.attrs["spec"])


def slice_shape(x: Tensor, spec):
    """The static shape of ``x[spec]`` (a list of dims, None where unknown)."""
    d = dims(x)
    if d is None:
        return TensorShape(None)
    spec_t = spec if isinstance(spec, tuple) else (spec,)
    n_real = sum(1 for s in spec_t if s is not None and s is not Ellipsis)
    if n_real > len(d) or sum(1 for s in spec_t if s is Ellipsis) > 1:
        raise ValueError(f"slice {spec} is invalid for shape {x.shape}: too many indices or "
                         f"more than one Ellipsis")
    res = []
    axis = 0
    for s in _expand_ellipsis(spec_t, len(d)):
        if s is None:
            res.append(1)
        elif isinstance(s, builtins.slice):
            # An unknown dimension stays unknown: the slice's length depends on it (as TF).
            if s.step == 0:
                raise ValueError(f"slice step cannot be zero in {spec}")
            res.append(None if d[axis] is None else len(builtins.range(*s.indices(d[axis]))))
            axis += 1
        else:
            if d[axis] is not None and not -d[axis] <= s < d[axis]:
                raise ValueError(f"index {s} is out of bounds for axis {axis} with size "
                                 f"{d[axis]}")
            axis += 1
    return res


def _expand_ellipsis(spec, ndim):
    n_real = sum(1 for s in spec if s is not None and s is not Ellipsis)
    out = []
    for s in spec:
        if s is Ellipsis:
            out.extend([builtins.slice(None)] * (ndim - n_real))
        else:
            out.append(s)
    n_axes = sum(1 for s in out if s is not None)
    out.extend([builtins.slice(None)] * (ndim - n_axes))
    return out


def _slice_grad_kernel(dy, x, spec):
    return scatter(np.shape(x), spec, dy)


defop("StridedSlice", infer=_slice_infer, kernel=lambda x, spec: x[spec], aliases=True,
      grad=lambda op, dy: [apply_op("StridedSliceGrad", [dy, op.inputs[0]],
                                    {"spec": op.attrs["spec"]})])
defop("StridedSliceGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_slice_grad_kernel,
      grad=lambda op, ddx: [apply_op("StridedSlice", [ddx], {"spec": op.attrs["spec"]}), None])


def getitem(tensor: Tensor, key) -> Tensor:
    """``tensor[key]`` with ints, slices, None (tf.newaxis) and Ellipsis."""
    spec, index_tensors, template = slice_key(tensor, key)
    if spec is None:
        return apply_op("DynamicSlice", [tensor, *index_tensors], {"template": template},
                        name="strided_slice")
    return apply_op("StridedSlice", [tensor], {"spec": spec}, name="strided_slice")


def slice_key(tensor: Tensor, key) -> tuple:
    """``key`` of ``tensor[key]`` as ``(spec, [], None)`` when every index is known while the
    graph is built, else ``(None, index_tensors, template)`` (DynamicSlice's form)."""
    key_t = key if isinstance(key, tuple) else (key,)
    norm = []
    for k in key_t:
        if isinstance(k, Tensor):
            v = constant_value(k)
            if v is None:
                return (None, *_dynamic_key(key_t))
            k = int(v)
        if isinstance(k, builtins.slice):
            parts = []
            for p in (k.start, k.stop, k.step):
                if isinstance(p, Tensor):
                    v = constant_value(p)
                    if v is None:
                        return (None, *_dynamic_key(key_t))
                    p = int(v)
                parts.append(None if p is None else int(p))
            k = builtins.slice(*parts)
        elif k is not None and k is not Ellipsis:
            if isinstance(k, (bool, np.bool_)) or not hasattr(k, "__index__"):
                raise TypeError(f"Only integers, slices, ellipsis, tf.newaxis and scalar int "
                                f"tensors are valid indices for {tensor.name}, got {k!r}")
            k = int(k)
        norm.append(k)
    return tuple(norm), [], None


def dynamic_spec(vals, template) -> tuple:
    """The index a DynamicSlice template means for the index tensors' values ``vals``."""
    it = iter(vals)
    spec = []
    for kind, a in template:
        if kind == "i":
            spec.append(int(next(it)) if a is None else a)
        elif kind == "s":
            spec.append(builtins.slice(*[int(next(it)) if p == "t" else p for p in a]))
        else:
            spec.append(a)
    return tuple(spec)


def _dynamic_slice_kernel(x, *vals, template):
    return x[dynamic_spec(vals, template)]


def _dynamic_slice_grad_kernel(dy, x, *vals, template):
    return scatter(np.shape(x), dynamic_spec(vals, template), dy)


def _dynamic_key(key_t) -> tuple:
    inputs = []
    template = []
    for k in key_t:
        if isinstance(k, Tensor):
            inputs.append(k)
            template.append(("i", None))
        elif isinstance(k, builtins.slice):
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
    return inputs, tuple(template)


def _dynamic_slice_infer(op):
    x = op.inputs[0]
    template = op.attrs["template"]
    n_drop = sum(1 for kind, a in template
                 if kind == "i" or (kind == "k" and a is not None and a is not Ellipsis))
    n_new = sum(1 for kind, a in template if kind == "k" and a is None)
    r = rank(x)
    return x.dtype, unknown_shape(None if r is None else r - n_drop + n_new)


def _dynamic_slice_grad(op, dy):
    g = apply_op("DynamicSliceGrad", [dy, *op.inputs], {"template": op.attrs["template"]},
                 name="strided_slice_grad")
    return [g] + [None] * (len(op.inputs) - 1)


defop("DynamicSlice", infer=_dynamic_slice_infer, kernel=_dynamic_slice_kernel, aliases=True,
      grad=_dynamic_slice_grad)
# DynamicSliceGrad(dy, x, *index_tensors) scatters dy into zeros shaped like x.
defop("DynamicSliceGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_dynamic_slice_grad_kernel,
      grad=lambda op, ddx: [apply_op("DynamicSlice", [ddx, *op.inputs[2:]],
                                     {"template": op.attrs["template"]}, name="strided_slice")]
      + [None] * (len(op.inputs) - 1))


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


def _convert_like_first(values) -> list:
    """Python values take the dtype of the first tensor among ``values``; tensors are kept (a
    dtype mismatch is then reported by the op, naming both dtypes)."""
    first = next((v for v in values if isinstance(v, Tensor)), None)
    return [v if isinstance(v, Tensor) else
            convert_to_tensor(v, dtype=None if first is None else first.dtype) for v in values]


def stack(values, axis: int = 0, name: str = "stack") -> Tensor:
    """Stacks same-shaped tensors along a new ``axis``."""
    if not values:
        raise ValueError("stack needs at least one tensor")
    ts = _convert_like_first(values)
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
    if x.shape[axis] != num:  # possible when the rank was unknown at construction
        raise ValueError(f"unstack of num={num} along axis {axis} got a tensor of shape "
                         f"{x.shape}")
    parts = tuple(np.moveaxis(x, axis, 0))
    return parts if num != 1 else parts[0]  # a one-output op's kernel returns the array


def _unpack_grad(op, *dys):
    dys = [zeros_like(t) if g is None else g for t, g in zip(op.outputs, dys)]
    return [stack(dys, axis=op.attrs["axis"])]


defop("Unpack", infer=_unpack_infer, kernel=_unpack_kernel, aliases=True, grad=_unpack_grad)


def unstack(value, num=None, axis: int = 0, name: str = "unstack"):
    """Splits ``value`` along ``axis`` into a list of tensors."""
    x = convert_to_tensor(value)
    d = dims(x)
    if d is None:  # the kernel finds the axis at run time (the gradient of stack needs this)
        if num is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
        outs = apply_op("Unpack", [x], {"num": int(num), "axis": int(axis)}, name=name)
        return list(outs) if isinstance(outs, tuple) else [outs]
    axis = _static_axis(axis, len(d), "unstack")
    if num is None:
        num = d[axis]
        if num is None:
            raise ValueError(f"Cannot infer num from shape {x.shape}")
    outs = apply_op("Unpack", [x], {"num": int(num), "axis": axis}, name=name)
    return list(outs) if isinstance(outs, tuple) else [outs]



# ---- static arguments ----------------------------------------------------------------------
def _static_int_list(value, what: str, op_name: str):
    """A list of ints from a Python sequence or a constant tensor, or None if only known at run
    time."""
    if isinstance(value, Tensor):
        v = constant_value(value)
        return None if v is None else [int(a) for a in np.asarray(v).reshape(-1)]
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu" and arr.size:
        raise TypeError(f"{what} of {op_name} must be integers, got {value!r}")
    return [int(a) for a in arr.reshape(-1)]


def _static_axis(axis, ndim, op_name: str) -> int:
    if isinstance(axis, Tensor):
        v = constant_value(axis)
        if v is None:
            raise TypeError(f"axis of {op_name} must be known when the graph is built (a Python "
                            f"int or a constant), got the computed tensor {axis.name}")
        axis = v
    if np.ndim(axis) != 0:
        raise ValueError(f"axis of {op_name} must be a scalar, got {axis!r}")
    (a,) = norm_axes(int(axis), ndim, what=f"axis of {op_name}")
    return a


def _int_tensor(value, name: str) -> Tensor:
    t = convert_to_tensor(value, name=name)
    if t.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{name} must be an int32 or int64 tensor, got {t.dtype.name} ({t.name})")
    return t


def _check_index_dtype(t: Tensor, op_type: str) -> None:
    if t.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'indices' has DataType {t.dtype.name} not in "
                        f"list of allowed values: int32, int64 (op {op_type})")


def _one_dtype(xs, op_type: str) -> None:
    for i, t in enumerate(xs[1:], 1):
        if t.dtype is not xs[0].dtype:
            raise TypeError(f"{op_type}: values[{i}] has dtype {t.dtype.name}, which does not "
                            f"match dtype {xs[0].dtype.name} of values[0]")


# ---- concat / split ------------------------------------------------------------------------
def _concat_infer(op):
    xs, axis = op.inputs, op.attrs["axis"]
    _one_dtype(xs, "ConcatV2")
    ds = [dims(x) for x in xs]
    known = [d for d in ds if d is not None]
    if not known:
        return xs[0].dtype, TensorShape(None)
    r = len(known[0])
    out = list(known[0])
    out[axis] = 0
    for d in ds:
        if d is None:
            out[axis] = None
            continue
        if len(d) != r:
            raise ValueError(f"Shape must be rank {r} but is rank {len(d)}")
        for i, (a, b) in enumerate(zip(out, d)):
            if i == axis:
                out[i] = None if a is None or b is None else a + b
            elif a is not None and b is not None and a != b:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are {a} and "
                                 f"{b}. Shapes are {known[0]} and {d}")
            elif a is None:
                out[i] = b
    return xs[0].dtype, out


def _concat_grad(op, dy):
    return list(apply_op("ConcatGrad", [dy, *op.inputs], {"axis": op.attrs["axis"]},
                         name="ConcatGrad")) if len(op.inputs) > 1 else [dy]


def _concat_grad_kernel(dy, *xs, axis):
    cuts = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return tuple(np.split(dy, cuts, axis=axis))


def _concat_grad_grad(op, *ddxs):
    parts = [zeros_like(t) if g is None else g for t, g in zip(op.outputs, ddxs)]
    return [concat(parts, op.attrs["axis"])] + [None] * (len(op.inputs) - 1)


defop("ConcatV2", infer=_concat_infer, grad=_concat_grad,
      kernel=lambda *xs, axis: np.concatenate(xs, axis=axis))
# ConcatGrad(dy, *xs) cuts dy into pieces shaped like the xs (TF uses ConcatOffset + Slice).
defop("ConcatGrad", infer=lambda op: [(op.inputs[0].dtype, x.shape) for x in op.inputs[1:]],
      kernel=_concat_grad_kernel, aliases=True, grad=_concat_grad_grad)


def concat(values, axis, name: str = "concat") -> Tensor:
    """Joins tensors along an existing ``axis``: ``tf.concat([a, b], 1)``."""
    if isinstance(values, Tensor):
        values = [values]
    if not values:
        raise ValueError("concat needs at least one tensor")
    xs = _convert_like_first(values)
    r = next((rank(x) for x in xs if rank(x) is not None), None)
    if r == 0:
        raise ValueError(f"Can't concatenate scalars (use tf.stack instead) for '{name}'")
    try:
        a = _static_axis(axis, r, "concat")
    except ValueError as e:
        shapes = ", ".join(str(x.shape) for x in xs)
        raise ValueError(f"{e} for '{name}' of tensors with shapes [{shapes}]") from None
    if len(xs) == 1:
        return identity(xs[0], name=name)
    return apply_op("ConcatV2", xs, {"axis": a}, name=name)


def _split_infer(op):
    x, axis, sizes = op.inputs[0], op.attrs["axis"], op.attrs["sizes"]
    d = dims(x)
    if d is None:
        return [(x.dtype, TensorShape(None))] * len(sizes)
    n = d[axis]
    if op.type == "Split":
        if n is not None and n % len(sizes):
            raise ValueError(f"Dimension size must be evenly divisible by {len(sizes)} but is "
                             f"{n}")
        sizes = [None if n is None else n // len(sizes)] * len(sizes)
    else:
        fixed = sum(s for s in sizes if s != -1)
        if n is not None and (fixed > n or (-1 not in sizes and fixed != n)):
            raise ValueError(f"can't split axis of size {n} into pieces of size {list(sizes)}")
        sizes = [(None if n is None else n - fixed) if s == -1 else s for s in sizes]
    out = []
    for s in sizes:
        di = list(d)
        di[axis] = s
        out.append((x.dtype, di))
    return out


def _split_kernel(x, axis, sizes):
    if sizes[0] == -2:  # Split: equal parts of a size known at run time
        if x.shape[axis] % len(sizes):
            raise ValueError(f"Dimension size must be evenly divisible by {len(sizes)} but is "
                             f"{x.shape[axis]}")
        parts = np.split(x, len(sizes), axis=axis)
    else:
        if -1 in sizes:
            n = x.shape[axis] - sum(s for s in sizes if s != -1)
            sizes = [n if s == -1 else s for s in sizes]
        if sum(sizes) != x.shape[axis] or min(sizes) < 0:
            raise ValueError(f"can't split axis of size {x.shape[axis]} into pieces of size "
                             f"{list(sizes)}")
        parts = np.split(x, np.cumsum(sizes)[:-1], axis=axis)
    return tuple(parts) if len(parts) != 1 else parts[0]  # one output: the array itself


def _split_grad(op, *dys):
    parts = [zeros_like(t) if g is None else g for t, g in zip(op.outputs, dys)]
    return [concat(parts, op.attrs["axis"])]


# "Split" stores sizes as [-2] * num (equal parts); "SplitV" the explicit sizes (one may be -1).
defop("Split", infer=_split_infer, kernel=_split_kernel, aliases=True, grad=_split_grad)
defop("SplitV", infer=_split_infer, kernel=_split_kernel, aliases=True, grad=_split_grad)


def split(value, num_or_size_splits, axis=0, num=None, name: str = "split") -> list:
    """Splits ``value`` along ``axis`` into ``num_or_size_splits`` equal parts, or into parts of
    the given sizes (one size may be -1: the rest)."""
    x = convert_to_tensor(value)
    a = _static_axis(axis, rank(x), "split")
    if isinstance(num_or_size_splits, Tensor):
        v = constant_value(num_or_size_splits)
        if v is None:
            raise TypeError("num_or_size_splits of split must be known when the graph is built")
        num_or_size_splits = v.tolist()
    if np.ndim(num_or_size_splits) == 0:
        n = int(num_or_size_splits)
        if n < 1:
            raise ValueError(f"num_or_size_splits of split must be >= 1, got {n}")
        outs = apply_op("Split", [x], {"axis": a, "sizes": (-2,) * n}, name=name)
    else:
        sizes = tuple(int(s) for s in num_or_size_splits)
        if num is not None and int(num) != len(sizes):
            raise ValueError(f"num={num} does not match the {len(sizes)} sizes {list(sizes)}")
        if not sizes or sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise ValueError(f"size_splits of split must be non-negative sizes with at most one "
                             f"-1, got {list(sizes)}")
        outs = apply_op("SplitV", [x], {"axis": a, "sizes": sizes}, name=name)
    return list(outs) if isinstance(outs, tuple) else [outs]


# ---- tile ----------------------------------------------------------------------------------
def _tile_infer(op):
    x, m = op.inputs
    d = dims(x)
    mult = constant_value(m)
    if mult is not None:
        mult = [int(v) for v in np.asarray(mult).reshape(-1)]
        if d is not None and len(mult) != len(d):
            raise ValueError(f"Shape must be rank {len(d)} but is rank {len(mult)}: tile needs "
                             f"one multiple per dimension of the input")
        if any(v < 0 for v in mult):
            raise ValueError(f"multiples must be non-negative, got {mult}")
        if d is None:
            return x.dtype, [None] * len(mult)
        return x.dtype, [None if s is None else s * v for s, v in zip(d, mult)]
    return x.dtype, TensorShape(None) if d is None else [None] * len(d)


def _tile_grad_kernel(dy, x, m):
    xs = np.shape(x)
    inter = [v for pair in zip(m, xs) for v in pair]
    return np.sum(dy.reshape(inter), axis=tuple(builtins.range(0, 2 * len(xs), 2)),
                  dtype=dy.dtype).reshape(xs)


def _tile_kernel(x, m):
    if len(m) != x.ndim:  # only possible when x's rank was unknown at construction
        raise ValueError(f"Expected multiples argument to be a vector of length {x.ndim} but "
                         f"got length {len(m)}: tile needs one multiple per dimension of the "
                         f"input (shape {x.shape})")
    return np.tile(x, m)


defop("Tile", infer=_tile_infer, kernel=_tile_kernel,
      grad=lambda op, dy: [apply_op("TileGrad", [dy, *op.inputs], name="TileGrad"), None])
# TileGrad(dy, x, multiples) sums the tiled copies back to x's shape.
defop("TileGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_tile_grad_kernel,
      grad=lambda op, ddx: [apply_op("Tile", [ddx, op.inputs[2]], name="Tile"), None, None])


def tile(input, multiples, name: str | None = None) -> Tensor:
    """Repeats ``input`` ``multiples[i]`` times along dimension i."""
    x = convert_to_tensor(input)
    m = multiples if isinstance(multiples, Tensor) else \
        constant(np.asarray(multiples, dtype=np.int32).reshape(-1), name="multiples")
    if m.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"multiples of tile must be int32 or int64, got {m.dtype.name}")
    return apply_op("Tile", [x, m], name=name or "Tile")


# ---- pad -----------------------------------------------------------------------------------
_PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


def _pad_infer(op):
    x, p = op.inputs
    mode = op.attrs["mode"]
    d = dims(x)
    pd = dims(p)
    if pd is not None and (len(pd) != 2 or pd[1] not in (2, None)):
        raise ValueError(f"paddings must be a matrix with 2 columns, got shape {p.shape}")
    if d is not None and pd is not None and pd[0] is not None and pd[0] != len(d):
        raise ValueError(f"The first dimension of paddings must be the rank of inputs "
                         f"({len(d)}), got paddings of shape {p.shape}")
    pv = constant_value(p)
    if pv is None:
        n = len(d) if d is not None else (pd[0] if pd is not None else None)
        return x.dtype, TensorShape(None) if n is None else [None] * n
    pv = np.asarray(pv).reshape(-1, 2)
    if (pv < 0).any():
        raise ValueError(f"paddings must be non-negative, got {pv.tolist()}")
    if d is None:
        return x.dtype, [None] * len(pv)
    for i, (s, (a, b)) in enumerate(zip(d, pv)):
        limit = None if s is None else (s - 1 if mode == "REFLECT" else s)
        if mode != "CONSTANT" and limit is not None and (a > limit or b > limit):
            rel = "less than" if mode == "REFLECT" else "no more than"
            raise ValueError(f"paddings must be {rel} the dimension size in {mode} mode: "
                             f"dimension {i} has size {s}, paddings {[int(a), int(b)]}")
    return x.dtype, [None if s is None else s + int(a) + int(b) for s, (a, b) in zip(d, pv)]


def _pad_kernel(x, p, mode, constant_values):
    if mode == "CONSTANT":
        return np.pad(x, p, mode="constant", constant_values=constant_values)
    return np.pad(x, p, mode=mode.lower())


def _pad_grad_kernel(dy, p, mode):
    g = dy
    for ax, (a, b) in enumerate(np.asarray(p).tolist()):
        n = g.shape[ax] - a - b
        if mode == "CONSTANT":
            g = g[(builtins.slice(None),) * ax + (builtins.slice(a, a + n),)]
            continue
        # Each output position came from one input position: add the gradients back there.
        src = np.pad(np.arange(n), (a, b), mode=mode.lower())
        moved = np.moveaxis(g, ax, 0)
        g = np.moveaxis(scatter_add((n,) + moved.shape[1:], src, moved), 0, ax)
    return g


def _pad_grad_infer(op):
    dy, p = op.inputs
    d, pv = dims(dy), constant_value(p)
    if d is None or pv is None:
        return dy.dtype, TensorShape(None) if d is None else [None] * len(d)
    pv = np.asarray(pv).reshape(-1, 2)
    return dy.dtype, [None if s is None else s - int(a) - int(b) for s, (a, b) in zip(d, pv)]


def _pad_grad(op, dy):
    g = apply_op("PadGrad", [dy, op.inputs[1]], {"mode": op.attrs["mode"]}, name="PadGrad")
    g.set_shape(op.inputs[0].shape)
    return [g, None]


defop("Pad", infer=_pad_infer, kernel=_pad_kernel, grad=_pad_grad)
# PadGrad is the adjoint of Pad: it crops (CONSTANT) or folds the mirrored borders back.
defop("PadGrad", infer=_pad_grad_infer, kernel=_pad_grad_kernel, aliases=True,
      grad=lambda op, ddx: [apply_op("Pad", [ddx, op.inputs[1]],
                                     {"mode": op.attrs["mode"], "constant_values": 0}), None])


def pad(tensor, paddings, mode: str = "CONSTANT", name: str | None = None,
        constant_values=0) -> Tensor:
    """Pads ``tensor``: ``paddings[i] = [before, after]`` for dimension i; mode CONSTANT,
    REFLECT (mirror without the edge) or SYMMETRIC (mirror with the edge)."""
    x = convert_to_tensor(tensor)
    m = str(mode).upper()
    if m not in _PAD_MODES:
        raise ValueError(f"Unknown padding mode: {mode} (expected one of {', '.join(_PAD_MODES)})")
    p = paddings if isinstance(paddings, Tensor) else \
        constant(np.asarray(paddings, dtype=np.int32), name="paddings")
    if p.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"paddings of pad must be int32 or int64, got {p.dtype.name}")
    cv = constant_values
    if isinstance(cv, Tensor):
        cv = constant_value(cv)
        if cv is None:
            raise TypeError("constant_values of pad must be known when the graph is built")
    cv = np.asarray(cv, dtype=x.dtype.np)
    if m != "CONSTANT":
        return apply_op("Pad", [x, p], {"mode": m, "constant_values": cv},
                        name=name or "MirrorPad")
    return apply_op("Pad", [x, p], {"mode": m, "constant_values": cv}, name=name or "Pad")


# ---- gather --------------------------------------------------------------------------------
def _check_bounds(indices, n, what="indices"):
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        pos = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{what}{list(pos)} = {int(indices[pos])} is not in [0, {n})")


def _gather_infer(op):
    p, i = op.inputs
    _check_index_dtype(i, op.type)
    axis = op.attrs["axis"]
    pd, idd = dims(p), dims(i)
    if pd is None or idd is None:
        return p.dtype, TensorShape(None)
    return p.dtype, list(pd[:axis]) + list(idd) + list(pd[axis + 1:])


def _gather_kernel(p, i, axis):
    _check_bounds(i, p.shape[axis])
    return np.take(p, i, axis=axis)


def _gather_grad_kernel(dy, i, p, axis):
    return scatter_add(np.shape(p), (builtins.slice(None),) * axis + (i,), dy)


def _gather_grad(op, dy):
    """Along axis 0 the rows of dy at the indices (an IndexedSlices, as TF: optimizers update
    only those rows); along other axes a dense scatter-add (GatherGrad)."""
    p, i = op.inputs
    if op.attrs["axis"] != 0:
        return [apply_op("GatherGrad", [dy, i, p], {"axis": op.attrs["axis"]},
                         name="GatherGrad"), None]
    known = p.shape.is_fully_defined()
    dense_shape = constant(np.array(p.shape.as_list(), np.int32)) if known else shape(p)
    if rank(i) == 1:
        return [IndexedSlices(dy, i, dense_shape), None]
    rows = concat([constant([-1], dtype=dtypes.int32), dense_shape[1:]], 0) if not known \
        else [-1] + p.shape.as_list()[1:]
    return [IndexedSlices(reshape(dy, rows), reshape(i, [-1]), dense_shape), None]


defop("GatherV2", infer=_gather_infer, kernel=_gather_kernel, grad=_gather_grad)
# GatherGrad(dy, indices, params): dense scatter-add of dy into zeros shaped like params.
defop("GatherGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[2].shape),
      kernel=_gather_grad_kernel,
      grad=lambda op, ddx: [apply_op("GatherV2", [ddx, op.inputs[1]],
                                     {"axis": op.attrs["axis"]}, name="GatherV2"), None, None])


def gather(params, indices, validate_indices=None, name: str | None = None, axis=0,
           batch_dims: int = 0) -> Tensor:
    """Rows (slices along ``axis``) of ``params`` picked by ``indices``."""
    if batch_dims != 0:
        raise NotImplementedError("tensorfluxo's gather supports batch_dims=0 only")
    p = convert_to_tensor(params)
    i = convert_to_tensor(indices)
    a = _static_axis(axis, rank(p), "gather")
    return apply_op("GatherV2", [p, i], {"axis": a}, name=name or "GatherV2")


# ---- segment sums, dynamic partition and stitch ----------------------------------------------
def _segment_sum_infer(op):
    data, ids, n = op.inputs
    _check_index_dtype(ids, op.type)
    dd, idd = dims(data), dims(ids)
    if dd is None or idd is None:
        return data.dtype, TensorShape(None)
    if not TensorShape(dd[:len(idd)]).is_compatible_with(idd):
        raise ValueError(f"segment_ids.shape = {list(idd)} does not prefix data.shape = "
                         f"{list(dd)}")
    k = constant_value(n)
    return data.dtype, [None if k is None else int(k)] + list(dd[len(idd):])


def _segment_sum_kernel(data, ids, n):
    _check_bounds(ids, int(n), what="segment_ids")
    return scatter_add((int(n),) + data.shape[ids.ndim:], ids, data)


# out[ids[i]] += data[i]: the dense form of an IndexedSlices; gradient: the rows gathered back
defop("UnsortedSegmentSum", infer=_segment_sum_infer, kernel=_segment_sum_kernel,
      grad=lambda op, dy: [gather(dy, op.inputs[1]), None, None])


def unsorted_segment_sum(data, segment_ids, num_segments, name: str | None = None) -> Tensor:
    """``out[segment_ids[i]] += data[i]`` into ``num_segments`` zero rows."""
    return apply_op("UnsortedSegmentSum", [convert_to_tensor(data), convert_to_tensor(
        segment_ids), convert_to_tensor(num_segments)], name=name or "UnsortedSegmentSum")


def _partition_infer(op):
    data, parts = op.inputs
    if parts.dtype is not dtypes.int32:
        raise TypeError(f"partitions of dynamic_partition must be int32, got {parts.dtype.name}")
    dd, pd = dims(data), dims(parts)
    if dd is not None and pd is not None and \
            not TensorShape(dd[:len(pd)]).is_compatible_with(pd):
        raise ValueError(f"partitions.shape = {list(pd)} does not prefix data.shape = {list(dd)}")
    rest = None if dd is None or pd is None else [None] + list(dd[len(pd):])
    return [(data.dtype, TensorShape(rest))] * op.attrs["num_partitions"]


def _partition_kernel(data, parts, num_partitions):
    _check_bounds(parts, num_partitions, what="partitions")
    return tuple(data[parts == k] for k in builtins.range(num_partitions))


def _partition_grad(op, *dys):
    data, parts = op.inputs
    n = size(parts)
    positions = dynamic_partition(reshape(range(n), shape(parts)), parts, len(dys))
    dys = [zeros_like(y) if g is None else g for y, g in zip(op.outputs, dys)]
    stitched = dynamic_stitch(positions, dys)
    return [reshape(stitched, shape(data)), None]


defop("DynamicPartition", infer=_partition_infer, kernel=_partition_kernel,
      grad=_partition_grad)


def dynamic_partition(data, partitions, num_partitions: int, name: str | None = None) -> list:
    """``num_partitions`` tensors: output k holds the slices of ``data`` whose partition is k."""
    outs = apply_op("DynamicPartition", [convert_to_tensor(data), convert_to_tensor(partitions)],
                    {"num_partitions": int(num_partitions)}, name=name or "DynamicPartition")
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


def _stitch_infer(op):
    n = op.attrs["N"]
    idx, data = op.inputs[:n], op.inputs[n:]
    for i in idx:
        if i.dtype is not dtypes.int32:
            raise TypeError(f"indices of dynamic_stitch must be int32, got {i.dtype.name}")
    _one_dtype(data, op.type)
    rest = None
    for i, d in zip(idx, data):
        di, dd = dims(i), dims(d)
        if di is not None and dd is not None:
            if not TensorShape(dd[:len(di)]).is_compatible_with(di):
                raise ValueError(f"data.shape {list(dd)} must start with indices.shape "
                                 f"{list(di)} in dynamic_stitch")
            rest = list(dd[len(di):])
    known = [constant_value(i) for i in idx]
    first = None if any(v is None for v in known) else \
        int(max((int(np.max(v)) for v in known if np.size(v)), default=-1)) + 1
    return data[0].dtype, TensorShape(None if rest is None else [first] + rest)


def _stitch_kernel(*args, N):  # noqa: N803 - TF's attribute name
    idx, data = args[:N], args[N:]
    n = max((int(i.max()) for i in idx if i.size), default=-1) + 1
    out = np.zeros((n,) + data[0].shape[idx[0].ndim:], dtype=data[0].dtype)
    for i, d in zip(idx, data):
        out[i] = d
    return out


defop("DynamicStitch", infer=_stitch_infer, kernel=_stitch_kernel,
      grad=lambda op, dy: [None] * op.attrs["N"] + [
          gather(dy, i) for i in op.inputs[:op.attrs["N"]]])


def dynamic_stitch(indices, data, name: str | None = None) -> Tensor:
    """``merged[indices[m][i]] = data[m][i]``: the inverse of dynamic_partition."""
    if len(indices) != len(data) or not indices:
        raise ValueError(f"dynamic_stitch needs as many data tensors as indices tensors "
                         f"(at least one), got {len(indices)} and {len(data)}")
    ins = [convert_to_tensor(i) for i in indices] + [convert_to_tensor(d) for d in data]
    return apply_op("DynamicStitch", ins, {"N": len(indices)}, name=name or "DynamicStitch")


def _gather_nd_infer(op):
    p, i = op.inputs
    _check_index_dtype(i, op.type)
    pd, idd = dims(p), dims(i)
    if idd is not None and len(idd) == 0:
        raise ValueError("indices of gather_nd must have rank >= 1")
    if pd is None or idd is None or idd[-1] is None:
        return p.dtype, TensorShape(None)
    k = idd[-1]
    if k > len(pd) or k == 0:
        raise ValueError(f"indices.shape[-1] must be in [1, params.rank], but saw indices shape:"
                         f" {list(idd)} and params shape: {list(pd)}")
    return p.dtype, list(idd[:-1]) + list(pd[k:])


def _nd_index(p, i):
    for j in builtins.range(i.shape[-1]):
        _check_bounds(i[..., j], p.shape[j], what=f"indices[..., {j}]")
    return tuple(np.moveaxis(i, -1, 0))


def _gather_nd_grad_kernel(dy, i, p):
    return scatter_add(np.shape(p), _nd_index(p, i), dy)


defop("GatherNd", infer=_gather_nd_infer, kernel=lambda p, i: p[_nd_index(p, i)],
      grad=lambda op, dy: [apply_op("GatherNdGrad", [dy, op.inputs[1], op.inputs[0]],
                                    name="GatherNdGrad"), None])
defop("GatherNdGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[2].shape),
      kernel=_gather_nd_grad_kernel,
      grad=lambda op, ddx: [apply_op("GatherNd", [ddx, op.inputs[1]], name="GatherNd"), None,
                            None])


def gather_nd(params, indices, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """``params[indices[..., 0], indices[..., 1], ...]`` for each index vector in ``indices``."""
    if batch_dims != 0:
        raise NotImplementedError("tensorfluxo's gather_nd supports batch_dims=0 only")
    return apply_op("GatherNd", [convert_to_tensor(params), convert_to_tensor(indices)],
                    name=name or "GatherNd")


# ---- one_hot -------------------------------------------------------------------------------
def _one_hot_infer(op):
    i, on, off = op.inputs
    if i.dtype not in (dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.int64):  # TF's list
        raise TypeError(f"Value passed to parameter 'indices' has DataType {i.dtype.name} not "
                        f"in list of allowed values: uint8, int8, int32, int64 (op OneHot)")
    if on.dtype is not off.dtype:
        raise TypeError(f"dtype {on.dtype.name} of on_value does not match dtype "
                        f"{off.dtype.name} of off_value")
    d = dims(i)
    if d is None:
        return on.dtype, TensorShape(None)
    out = list(d)
    out.insert(op.attrs["axis"], op.attrs["depth"])
    return on.dtype, out


def _one_hot_kernel(i, on, off, depth, axis):
    out = np.where(np.expand_dims(i, -1) == np.arange(depth), on, off)
    return np.moveaxis(out, -1, axis)


defop("OneHot", infer=_one_hot_infer, kernel=_one_hot_kernel, not_differentiable=True)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name: str | None = None) -> Tensor:
    """One-hot vectors of length ``depth`` (indices out of range give all ``off_value``)."""
    i = convert_to_tensor(indices)
    d = _static_int_list(depth, "depth", "one_hot")
    if d is None or len(d) != 1 or d[0] < 0:
        raise ValueError(f"depth of one_hot must be a non-negative int known when the graph is "
                         f"built, got {depth!r}")
    if dtype is None:
        given = [v for v in (on_value, off_value) if isinstance(v, Tensor)]
        dt = given[0].dtype if given else dtypes.float32
    else:
        dt = dtypes.as_dtype(dtype)
    if on_value is not None and off_value is not None and dtype is None \
            and not isinstance(on_value, Tensor) and not isinstance(off_value, Tensor):
        a, b = numpy_value(on_value), numpy_value(off_value)
        if a.dtype != b.dtype:
            raise TypeError(f"dtype {dtypes.as_dtype(a.dtype).name} of on_value does not match "
                            f"dtype {dtypes.as_dtype(b.dtype).name} of off_value")
        dt = dtypes.as_dtype(a.dtype)
    on = convert_to_tensor(1 if on_value is None else on_value, dtype=dt, name="on_value")
    off = convert_to_tensor(0 if off_value is None else off_value, dtype=dt, name="off_value")
    r = rank(i)
    ax = -1 if axis is None else int(axis)
    if r is not None:
        if not -1 <= ax <= r:
            raise ValueError(f"axis of one_hot must be in [-1, {r}], got {axis}")
        ax = r if ax == -1 else ax
    elif ax != -1:
        raise ValueError("one_hot with an explicit axis needs indices of known rank")
    return apply_op("OneHot", [i, on, off], {"depth": d[0], "axis": ax}, name=name or "one_hot")


# ---- slice ---------------------------------------------------------------------------------
def _slice_op_infer(op):
    x, b, s = op.inputs
    d = dims(x)
    bv, sv = constant_value(b), constant_value(s)
    n = len(d) if d is not None else None
    for what, v in (("begin", bv), ("size", sv)):
        if v is not None and n is not None and len(v) != n:
            raise ValueError(f"Expected {what} argument to be a vector of length {n} but got "
                             f"length {len(v)}")
    if d is None:
        return x.dtype, TensorShape(None) if sv is None else [None] * len(sv)
    if sv is None:
        return x.dtype, [None] * len(d)
    out = []
    for i, s_i in enumerate(int(v) for v in sv):
        b_i = None if bv is None else int(bv[i])
        if b_i is not None and b_i < 0:
            raise ValueError(f"Expected begin[{i}] >= 0, but got {b_i}")
        if s_i < -1:
            raise ValueError(f"Expected size[{i}] >= -1, but got {s_i}")
        if d[i] is not None and b_i is not None:
            if b_i > d[i] or (s_i != -1 and b_i + s_i > d[i]):
                raise ValueError(f"Expected size[{i}] in [0, {d[i] - b_i}], but got {s_i}"
                                 if b_i <= d[i] else
                                 f"Expected begin[{i}] in [0, {d[i]}], but got {b_i}")
        if s_i != -1:
            out.append(s_i)
        else:
            out.append(None if d[i] is None or b_i is None else d[i] - b_i)
    return x.dtype, out


def _slice_index(shape_, b, s):
    idx = []
    for i, (n, b_i, s_i) in enumerate(zip(shape_, b, s)):
        e = n if s_i == -1 else b_i + s_i
        if not 0 <= b_i <= e <= n:
            raise ValueError(f"Slice [{b_i}, {e}) is out of range for dimension {i} of size {n}")
        idx.append(builtins.slice(int(b_i), int(e)))
    return tuple(idx)


def _slice_grad_op_kernel(dy, x, b):
    return scatter(np.shape(x), _slice_index(np.shape(x), b, dy.shape), dy)


defop("Slice", infer=_slice_op_infer, aliases=True,
      kernel=lambda x, b, s: x[_slice_index(x.shape, b, s)],
      grad=lambda op, dy: [apply_op("SliceGrad", [dy, op.inputs[0], op.inputs[1]],
                                    name="SliceGrad"), None, None])
defop("SliceGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_slice_grad_op_kernel,
      grad=lambda op, ddx: [apply_op("Slice", [ddx, op.inputs[2], shape(op.inputs[0])],
                                     name="Slice"), None, None])


def slice(input_, begin, size, name: str | None = None) -> Tensor:  # noqa: A001
    """The block of ``input_`` starting at ``begin`` with ``size`` (-1: to the end)."""
    x = convert_to_tensor(input_)
    b = begin if isinstance(begin, Tensor) else \
        constant(np.asarray(begin, dtype=np.int32).reshape(-1), name="begin")
    s = size if isinstance(size, Tensor) else \
        constant(np.asarray(size, dtype=np.int32).reshape(-1), name="size")
    for what, t in (("begin", b), ("size", s)):
        if t.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"{what} of slice must be int32 or int64, got {t.dtype.name}")
    if s.dtype is not b.dtype:
        s = cast(s, b.dtype)
    return apply_op("Slice", [x, b, s], name=name or "Slice")


# ---- boolean_mask / sequence_mask ----------------------------------------------------------
def boolean_mask(tensor, mask, name: str = "boolean_mask", axis=None) -> Tensor:
    """The entries of ``tensor`` where ``mask`` is True; the mask covers dimensions
    ``axis .. axis + mask.ndim - 1`` and they collapse into one of unknown size."""
    from .math_ops import where
    x = convert_to_tensor(tensor)
    m = convert_to_tensor(mask)
    if not m.dtype.is_bool:
        raise TypeError(f"mask of boolean_mask must be a bool tensor, got {m.dtype.name} "
                        f"({m.name})")
    k = rank(m)
    if k is None:
        raise ValueError("Number of mask dimensions must be specified, even if some dimensions"
                         " are None.  E.g. shape=[None] is ok, but shape=None is not.")
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    xd = dims(x)
    if xd is None:
        raise ValueError(f"boolean_mask needs a tensor of known rank, got {x.name}")
    a = 0 if axis is None else _static_axis(axis, len(xd), "boolean_mask")
    if a + k > len(xd):
        raise ValueError(f"mask of rank {k} does not fit tensor of shape {x.shape} at axis {a}")
    part = TensorShape(xd[a:a + k])
    if not part.is_compatible_with(m.shape):
        raise ValueError(f"Shapes {part} and {m.shape} are incompatible")
    with _name_scope(x, name):
        if k > 1:
            lead = [d if d is not None else shape(x)[i] for i, d in enumerate(xd[:a])]
            tail = [d if d is not None else shape(x)[a + k + i]
                    for i, d in enumerate(xd[a + k:])]
            x = reshape(x, lead + [-1] + tail)
            m = reshape(m, [-1])
        idx = reshape(where(m), [-1])
        return gather(x, idx, axis=a)


def _name_scope(t: Tensor, name: str):
    return t.graph.name_scope(name)


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name: str | None = None) -> Tensor:
    """``mask[i, j] = j < lengths[i]`` with ``maxlen`` columns (default: max(lengths))."""
    from .math_ops import less, reduce_max
    n = convert_to_tensor(lengths)
    if not n.dtype.is_integer:
        raise TypeError(f"lengths of sequence_mask must be integers, got {n.dtype.name}")
    with _name_scope(n, name or "SequenceMask"):
        if maxlen is None:
            top = reduce_max(n)
        else:
            top = convert_to_tensor(maxlen, dtype=None if isinstance(maxlen, Tensor) else n.dtype)
            if rank(top) not in (0, None):
                raise ValueError(f"maxlen must be a scalar, got shape {top.shape}")
            if top.dtype is not n.dtype:
                top = cast(top, n.dtype)
        row = range(constant(0, dtype=n.dtype), top, constant(1, dtype=n.dtype))
        out = less(row, expand_dims(n, -1))
        return out if dtypes.as_dtype(dtype) is dtypes.bool else cast(out, dtype)


# ---- range / linspace / eye ----------------------------------------------------------------
_RANGE_ORDER = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def _range_size(start, limit, delta):
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
    if isinstance(start, (int, np.integer)) and isinstance(delta, (int, np.integer)) \
            and isinstance(limit, (int, np.integer)):
        return int((builtins.abs(limit - start) + builtins.abs(delta) - 1)
                   // builtins.abs(delta))
    return int(np.ceil(builtins.abs((limit - start) / delta)))


def _range_infer(op):
    vals = [constant_value(t) for t in op.inputs]
    for t in op.inputs:
        if rank(t) not in (0, None):
            raise ValueError(f"range arguments must be scalars, got shape {t.shape} ({t.name})")
    if any(v is None for v in vals):
        return op.inputs[0].dtype, [None]
    return op.inputs[0].dtype, [_range_size(*(v.item() for v in vals))]


def _range_kernel(start, limit, delta):
    n = _range_size(start.item(), limit.item(), delta.item())
    return start + np.arange(n, dtype=start.dtype) * delta


defop("Range", infer=_range_infer, kernel=_range_kernel, not_differentiable=True)


def range(start, limit=None, delta=1, dtype=None, name: str = "range") -> Tensor:  # noqa: A001
    """``[start, start + delta, ...)`` up to ``limit`` (exclusive); ``range(n)`` is 0..n-1.
    int32 for int arguments, float32 when one is a Python float."""
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if dtype is not None:
        dt = dtypes.as_dtype(dtype)
    else:
        found = [(a.dtype if isinstance(a, Tensor) else dtypes.as_dtype(numpy_value(a).dtype))
                 for a in args]
        for f in found:
            if f not in _RANGE_ORDER:
                raise TypeError(f"range arguments must be int32, int64, float32 or float64, "
                                f"got {f.name}")
        dt = max(found, key=_RANGE_ORDER.index)
    ts = []
    for a, what in zip(args, ("start", "limit", "delta")):
        if isinstance(a, Tensor):
            ts.append(a if a.dtype is dt else cast(a, dt))
        else:
            ts.append(constant(a, dtype=dt, name=what))
    return apply_op("Range", ts, name=name)


def _linspace_infer(op):
    start, stop, num = op.inputs
    if not start.dtype.is_floating:
        raise TypeError(f"start and stop of linspace must be float32 or float64, got "
                        f"{start.dtype.name}")
    if stop.dtype is not start.dtype:
        raise TypeError(f"start ({start.dtype.name}) and stop ({stop.dtype.name}) of linspace "
                        f"must have one dtype")
    n = constant_value(num)
    if n is None:
        return start.dtype, [None]
    if int(n) <= 0:
        raise ValueError(f"Requires num > 0: {int(n)}")
    return start.dtype, [int(n)]


def _linspace_kernel(start, stop, num):
    if int(num) <= 0:
        raise ValueError(f"Requires num > 0: {int(num)}")
    return np.linspace(start, stop, int(num), dtype=start.dtype)


defop("LinSpace", infer=_linspace_infer, kernel=_linspace_kernel, not_differentiable=True)


def linspace(start, stop, num, name: str | None = None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive."""
    a = convert_to_tensor(start)
    b = convert_to_tensor(stop, dtype=None if isinstance(stop, Tensor) else a.dtype)
    n = _int_tensor(num, "num")
    return apply_op("LinSpace", [a, b, n], name=name or "LinSpace")


lin_space = linspace


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32,
        name: str | None = None) -> Tensor:
    """The identity matrix (or a batch of them) as a constant."""
    def known(v, what):
        r = _static_int_list(v, what, "eye")
        if r is None or len(r) != 1 or r[0] < 0:
            raise ValueError(f"{what} of eye must be a non-negative int known when the graph is "
                             f"built, got {v!r}")
        return r[0]
    n = known(num_rows, "num_rows")
    m = n if num_columns is None else known(num_columns, "num_columns")
    dt = dtypes.as_dtype(dtype)
    value = np.eye(n, m, dtype=dt.np)
    if batch_shape is not None:
        bs = _static_int_list(batch_shape, "batch_shape", "eye")
        if bs is None:
            raise ValueError("batch_shape of eye must be known when the graph is built")
        value = np.broadcast_to(value, tuple(bs) + (n, m))
    return constant(value, dtype=dt, name=name or "eye")


# ---- reverse / broadcast_to ----------------------------------------------------------------
defop("ReverseV2", infer=same, aliases=True, kernel=lambda x, axis: np.flip(x, axis),
      grad=lambda op, dy: [apply_op("ReverseV2", [dy], {"axis": op.attrs["axis"]},
                                    name="ReverseV2")])


def reverse(tensor, axis, name: str | None = None) -> Tensor:
    """Reverses ``tensor`` along each dimension in ``axis``."""
    x = convert_to_tensor(tensor)
    axes = norm_axes(axis, rank(x), what="axis of reverse")  # < 0 needs a known rank
    return apply_op("ReverseV2", [x], {"axis": axes}, name=name or "ReverseV2")


reverse_v2 = reverse


def _broadcast_to_infer(op):
    x, s = op.inputs
    target = shape_from_tensor(s).as_tuple()
    d = dims(x)
    if target is None or d is None:
        return x.dtype, TensorShape(target)
    if len(d) > len(target):
        raise ValueError(f"Unable to broadcast a tensor of shape {x.shape} to the lower rank "
                         f"shape {list(target)}")
    out = list(target)
    lead = len(target) - len(d)
    for i, a in enumerate(d):
        t = target[lead + i]
        if a is not None and t is not None and a != 1 and a != t:
            raise ValueError(f"Dimensions must be equal, but are {a} and {t}: cannot broadcast "
                             f"shape {x.shape} to {list(target)}")
        if t is None and a is not None and a != 1:
            out[lead + i] = a
    return x.dtype, out


defop("BroadcastTo", infer=_broadcast_to_infer, aliases=True,
      kernel=lambda x, s: np.broadcast_to(x, s),
      grad=lambda op, dy: [unbroadcast(dy, op.inputs[0]), None])


def broadcast_to(input, shape, name: str | None = None) -> Tensor:  # noqa: A002
    """``input`` broadcast (NumPy rules) to ``shape``."""
    return apply_op("BroadcastTo", [convert_to_tensor(input), shape_arg(shape)],
                    name=name or "BroadcastTo")


# ---- unique / meshgrid ---------------------------------------------------------------------
def _unique_infer(op):
    x = op.inputs[0]
    if rank(x) not in (1, None):
        raise ValueError(f"Shape must be rank 1 but is rank {rank(x)}: unique needs a vector")
    return [(x.dtype, [None]), (op.attrs["out_idx"], x.shape)]


def _unique_kernel(x, out_idx):
    vals, first, inv = np.unique(x, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # TF keeps the order of first occurrence
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(order.size)
    return vals[order], rank_of[inv.reshape(-1)].astype(out_idx.np)


defop("Unique", infer=_unique_infer, kernel=_unique_kernel, not_differentiable=True)


def unique(x, out_idx=dtypes.int32, name: str | None = None):
    """(y, idx): the distinct values of the vector ``x`` in order of first occurrence, and for
    each element of ``x`` its position in ``y``."""
    return apply_op("Unique", [convert_to_tensor(x)], {"out_idx": dtypes.as_dtype(out_idx)},
                    name=name or "Unique")


def meshgrid(*args, **kwargs) -> list:
    """Coordinate grids from 1-D tensors; ``indexing="xy"`` (default) swaps the first two
    output dimensions, as NumPy does."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for meshgrid")
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing parameter must be either 'xy' or 'ij'")
    if not args:
        return []
    xs = [convert_to_tensor(a) for a in args]
    _one_dtype(xs, "meshgrid")
    with _name_scope(xs[0], name):
        xs = [reshape(x, [-1]) for x in xs]
        sizes = [dims(x)[0] if dims(x)[0] is not None else size(x) for x in xs]
        n = len(xs)
        order = list(builtins.range(n))
        if indexing == "xy" and n > 1:
            order[0], order[1] = 1, 0
        out_shape = [sizes[j] for j in order]
        outs = []
        for i, x in enumerate(xs):
            s = [1] * n
            s[order.index(i)] = -1
            outs.append(broadcast_to(reshape(x, s), out_shape))
        return outs


# ---- reverse_sequence --------------------------------------------------------------------------
def _reverse_sequence_infer(op):
    x, lens = op.inputs
    if not lens.dtype.is_integer or lens.shape.ndims not in (None, 1):
        raise ValueError(f"seq_lengths must be a vector of integers, got {lens.dtype.name} of "
                         f"shape {lens.shape}")
    r = rank(x)
    for what in ("seq_axis", "batch_axis"):
        if r is not None and not 0 <= op.attrs[what] < r:
            raise ValueError(f"{what} {op.attrs[what]} is out of range for input of rank {r}")
    return x.dtype, x.shape


def _reverse_sequence_kernel(x, lengths, seq_axis, batch_axis):
    xt = np.moveaxis(x, (batch_axis, seq_axis), (0, 1))
    n, t = xt.shape[:2]
    lens = np.asarray(lengths, np.int64)
    if len(lens) != n:
        raise errors.InvalidArgumentError(None, None, f"len(seq_lens) != input.dims({batch_axis})"
                                          f", ({len(lens)} vs. {n})")
    if lens.size and (lens.max() > t or lens.min() < 0):
        b = int(np.argmax((lens > t) | (lens < 0)))
        raise errors.InvalidArgumentError(None, None, f"seq_lens({b}) > input.dims({seq_axis}) "
                                          f"({lens[b]} vs. {t})")
    steps = np.arange(t)[None, :]
    idx = np.where(steps < lens[:, None], lens[:, None] - 1 - steps, steps)
    out = xt[np.arange(n)[:, None], idx]
    return np.ascontiguousarray(np.moveaxis(out, (0, 1), (batch_axis, seq_axis)))


defop("ReverseSequence", infer=_reverse_sequence_infer, kernel=_reverse_sequence_kernel,
      grad=lambda op, dy: [apply_op("ReverseSequence", [dy, op.inputs[1]], op.attrs,
                                    name="ReverseSequence"), None])


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,
                     seq_dim=None, batch_dim=None) -> Tensor:
    """Reverses the first ``seq_lengths[b]`` entries along ``seq_axis`` of each batch row b."""
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = (batch_dim or 0) if batch_axis is None else batch_axis
    if seq_axis is None:
        raise ValueError("reverse_sequence: seq_axis must be given")
    x = convert_to_tensor(input)
    r = rank(x)
    ax = [a + r if a < 0 and r is not None else a for a in (seq_axis, batch_axis)]
    return apply_op("ReverseSequence", [x, convert_to_tensor(seq_lengths)],
                    {"seq_axis": ax[0], "batch_axis": ax[1]}, name=name or "ReverseSequence")
