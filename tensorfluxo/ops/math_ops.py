"""Math ops. Elementwise families are generated from tables (type, NumPy function, gradient);
MatMul, reductions and the rest are declared one by one. Also installs Tensor's operators."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, convert_to_tensor, executing_eagerly, graph_of
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape, broadcast_shapes
from ..kernels import parallel
from ..kernels import softmax as K
from . import array_ops as A
from ._util import (
    defact,
    dims,
    norm_axes,
    pair,
    rank,
    require_float,
    require_numeric,
    same,
    to_tensor_like,
)

# =============================================================================================
# Binary elementwise ops
# =============================================================================================


def _binary_infer(out_dtype=None, allowed=None):
    def infer(op):
        x, y = op.inputs
        if allowed is not None and not allowed(x.dtype):
            raise TypeError(f"{op.type} does not support dtype {x.dtype.name}")
        s = broadcast_shapes(x.shape, y.shape)
        if s is None:
            a, b = x.shape.as_tuple(), y.shape.as_tuple()
            raise ValueError(f"Dimensions must be equal, but are {_first_mismatch(a, b)}")
        return (out_dtype or x.dtype), s
    return infer


def _first_mismatch(a, b):
    for p, q in zip(reversed(a), reversed(b)):
        if p is not None and q is not None and p != q and p != 1 and q != 1:
            return f"{p} and {q}"
    return f"{a} and {b}"


def _ub(g, x, y):
    return A.unbroadcast(g, x, y)


def _g_add(op, dy):
    x, y = op.inputs
    return [_ub(dy, x, y), _ub(dy, y, x)]


def _g_sub(op, dy):
    x, y = op.inputs
    return [_ub(dy, x, y), _ub(negative(dy), y, x)]


def _g_mul(op, dy):
    x, y = op.inputs
    return [_ub(multiply(dy, y), x, y), _ub(multiply(x, dy), y, x)]


def _g_div(op, dy):
    x, y = op.inputs
    return [_ub(dy / y, x, y), _ub(negative(dy) * x / (y * y), y, x)]


def _g_pow(op, dy):
    x, y = op.inputs
    z = op.outputs[0]
    gx = dy * y * pow(x, y - A.constant(1, dtype=y.dtype))
    safe_log = where(x > A.zeros_like(x), log(where(x > A.zeros_like(x), x, A.ones_like(x))),
                     A.zeros_like(x))
    gy = dy * z * safe_log
    return [_ub(gx, x, y), _ub(gy, y, x)]


def _g_pick(compare: str):
    """Maximum/Minimum: the gradient goes to the operand picked (x on ties, as TF)."""
    def grad(op, dy):
        x, y = op.inputs
        mask = A.cast(apply_op(compare, [x, y]), dy.dtype)
        return [_ub(dy * mask, x, y), _ub(dy * (1 - mask), y, x)]
    return grad


def _g_sqdiff(op, dy):
    x, y = op.inputs
    d = dy * A.constant(2, dtype=dy.dtype) * (x - y)
    return [_ub(d, x, y), _ub(negative(d), y, x)]


def _g_floormod(op, dy):
    x, y = op.inputs
    return [_ub(dy, x, y), _ub(negative(dy) * floordiv(x, y), y, x)]


def _numeric(dt):
    return not dt.is_bool and dt is not dtypes.string


def _floor_divide(x, y):
    return np.floor_divide(x, y)


# (type, default op name, NumPy kernel, gradient, output dtype, input dtype check)
_BINARY = [
    ("Add", "add", parallel.elementwise(np.add), _g_add, None, lambda d: d is not dtypes.bool),
    ("Sub", "sub", parallel.elementwise(np.subtract), _g_sub, None, _numeric),
    ("Mul", "mul", parallel.elementwise(np.multiply), _g_mul, None, _numeric),
    ("RealDiv", "truediv", np.true_divide, _g_div, None, lambda d: d.is_floating or d.is_complex),
    ("FloorDiv", "floordiv", _floor_divide, None, None, _numeric),
    ("FloorMod", "mod", np.mod, _g_floormod, None, _numeric),
    ("Pow", "pow", np.power, _g_pow, None, _numeric),
    ("Maximum", "Maximum", np.maximum, _g_pick("GreaterEqual"), None, _numeric),
    ("Minimum", "Minimum", np.minimum, _g_pick("LessEqual"), None, _numeric),
    ("SquaredDifference", "SquaredDifference", lambda x, y: np.square(x - y), _g_sqdiff, None,
     _numeric),
    ("Equal", "Equal", np.equal, None, dtypes.bool, None),
    ("NotEqual", "NotEqual", np.not_equal, None, dtypes.bool, None),
    ("Less", "Less", np.less, None, dtypes.bool, _numeric),
    ("LessEqual", "LessEqual", np.less_equal, None, dtypes.bool, _numeric),
    ("Greater", "Greater", np.greater, None, dtypes.bool, _numeric),
    ("GreaterEqual", "GreaterEqual", np.greater_equal, None, dtypes.bool, _numeric),
    ("LogicalAnd", "LogicalAnd", np.logical_and, None, dtypes.bool, lambda d: d.is_bool),
    ("LogicalOr", "LogicalOr", np.logical_or, None, dtypes.bool, lambda d: d.is_bool),
]

_BINARY_NAMES = {}
for _type, _name, _fn, _grad, _out, _allowed in _BINARY:
    defop(_type, infer=_binary_infer(_out, _allowed), kernel=_fn, grad=_grad,
          not_differentiable=_grad is None)
    _BINARY_NAMES[_type] = _name


def _binary(op_type: str, x, y, name=None) -> Tensor:
    if executing_eagerly():  # no names to give: skip the name scope (it costs ~1 us)
        x, y = pair(x, y, op_type)
        return apply_op(op_type, [x, y])
    # TF names implicit constants after the op: `x * 2.0` creates "mul" and its "mul/y".
    with graph_of([x, y]).name_scope(name or _BINARY_NAMES[op_type]) as scope:
        x, y = pair(x, y, op_type)
        return apply_op(op_type, [x, y], name=scope)


def add(x, y, name=None):
    """x + y, elementwise with broadcasting."""
    return _binary("Add", x, y, name)


def subtract(x, y, name=None):
    return _binary("Sub", x, y, name)


def multiply(x, y, name=None):
    return _binary("Mul", x, y, name)


def truediv(x, y, name=None):
    """x / y; integer tensors are converted to float64 (int8/16 to float32) as in TF."""
    with graph_of([x, y]).name_scope(name or "truediv") as scope:
        x, y = pair(x, y, "truediv")
        if x.dtype.is_integer:
            target = dtypes.float32 if x.dtype in (dtypes.int8, dtypes.int16, dtypes.uint8) \
                else dtypes.float64
            x, y = A.cast(x, target), A.cast(y, target)
        return apply_op("RealDiv", [x, y], name=scope)


divide = truediv


def div(x, y, name=None):
    """TF1's old division: floor division for integers, true division for floats."""
    x, y = pair(x, y, "div")
    return floordiv(x, y, name) if x.dtype.is_integer else truediv(x, y, name)


def floordiv(x, y, name=None):
    return _binary("FloorDiv", x, y, name)


def floormod(x, y, name=None):
    return _binary("FloorMod", x, y, name)


mod = floormod


def pow(x, y, name=None):  # noqa: A001 - TensorFlow's public name
    return _binary("Pow", x, y, name)


def maximum(x, y, name=None):
    """Elementwise max; ``tf.maximum(z, 0.)`` is a ReLU."""
    return _binary("Maximum", x, y, name)


def minimum(x, y, name=None):
    return _binary("Minimum", x, y, name)


def squared_difference(x, y, name=None):
    return _binary("SquaredDifference", x, y, name)


def equal(x, y, name=None):
    return _binary("Equal", x, y, name)


def not_equal(x, y, name=None):
    return _binary("NotEqual", x, y, name)


def less(x, y, name=None):
    return _binary("Less", x, y, name)


def less_equal(x, y, name=None):
    return _binary("LessEqual", x, y, name)


def greater(x, y, name=None):
    return _binary("Greater", x, y, name)


def greater_equal(x, y, name=None):
    return _binary("GreaterEqual", x, y, name)


def logical_and(x, y, name=None):
    return _binary("LogicalAnd", x, y, name)


def logical_or(x, y, name=None):
    return _binary("LogicalOr", x, y, name)


def logical_xor(x, y, name="LogicalXor"):
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


# =============================================================================================
# Unary elementwise ops
# =============================================================================================
def _c(value, like):
    return A.constant(value, dtype=like.dtype)


_UNARY = [
    # (type, kernel, gradient(op, x, y, dy) or None, needs float input)
    ("Neg", np.negative, lambda op, x, y, dy: negative(dy), False),
    ("Abs", np.abs, lambda op, x, y, dy: dy * sign(x), False),
    ("Sign", np.sign, None, False),
    ("Square", np.square, lambda op, x, y, dy: dy * (_c(2, x) * x), False),
    ("Sqrt", np.sqrt, lambda op, x, y, dy: dy * _c(0.5, y) / y, True),
    ("Rsqrt", lambda x: 1 / np.sqrt(x),
     lambda op, x, y, dy: dy * _c(-0.5, y) * y * y * y, True),
    ("Exp", np.exp, lambda op, x, y, dy: dy * y, True),
    ("Log", np.log, lambda op, x, y, dy: dy * reciprocal(x), True),
    ("Log1p", np.log1p, lambda op, x, y, dy: dy * reciprocal(_c(1, x) + x), True),
    ("Expm1", np.expm1, lambda op, x, y, dy: dy * (y + _c(1, y)), True),
    ("Sin", np.sin, lambda op, x, y, dy: dy * cos(x), True),
    ("Cos", np.cos, lambda op, x, y, dy: negative(dy) * sin(x), True),
    ("Tan", np.tan, lambda op, x, y, dy: dy * (_c(1, y) + y * y), True),
    ("Reciprocal", lambda x: 1 / x, lambda op, x, y, dy: negative(dy) * y * y, True),
    ("Floor", np.floor, None, True),
    ("Ceil", np.ceil, None, True),
    ("Round", np.round, None, True),
    ("LogicalNot", np.logical_not, None, False),
    ("IsNan", np.isnan, None, True),
    ("IsFinite", np.isfinite, None, True),
    ("IsInf", np.isinf, None, True),
]

_BOOL_OUT = {"LogicalNot", "IsNan", "IsFinite", "IsInf"}


def _unary_infer(needs_float, bool_out):
    def infer(op):
        x = op.inputs[0]
        if needs_float:
            require_float(x, op.type)
        elif not bool_out:
            require_numeric(x, op.type)
        return (dtypes.bool if bool_out else x.dtype), x.shape
    return infer


def _unary_grad(fn):
    def grad(op, dy):
        return [fn(op, op.inputs[0], op.outputs[0], dy)]
    return grad


_UNARY_NAMES = {}
for _type, _fn, _grad, _float in _UNARY:
    defop(_type, infer=_unary_infer(_float, _type in _BOOL_OUT), kernel=_fn,
          grad=None if _grad is None else _unary_grad(_grad), not_differentiable=_grad is None)

# Ops whose gradient is its own op (TF's TanhGrad(y, dy), SigmoidGrad(y, dy), ReluGrad(dy, y)),
# so second derivatives work; the other activations of this family are in nn_ops.py.
defact("Tanh", np.tanh, lambda y, dy: dy * (1 - y * y), True,
       lambda op, ddx, dy, y: ddx * dy * _c(-2, y) * y, saved_first=True)
defact("Sigmoid", K.sigmoid, lambda y, dy: dy * y * (1 - y), True,
       lambda op, ddx, dy, y: ddx * dy * (_c(1, y) - _c(2, y) * y), saved_first=True)
def _relu(x, out=None):
    return np.maximum(x, 0, out=out, dtype=x.dtype)


def _relu_grad(dy, y, out=None):
    return np.multiply(dy, y > 0, out=out)


def _relu_under_max_pool(op, dy):
    """The gradient of a ReLU whose output is max-pooled: ReluGrad(MaxPoolGrad(r, y, dp), r) =
    MaxPoolGrad(r, y, ReluGrad(dp, y)), since the pooling gradient lands only where r equals
    its window's maximum y. The mask is applied at the pooled size (a quarter of the
    elements for a 2x2 pool: one full-size pass fewer per layer); TF computes the same values."""
    pool = getattr(dy, "op", None)  # None for an eager tensor (a tape's gradient)
    if pool is None or pool.type != "MaxPoolGrad" or pool.inputs[0] is not op.outputs[0]:
        return None
    r, y, dp = pool.inputs
    return [apply_op("MaxPoolGrad", [r, y, apply_op("ReluGrad", [dp, y])], dict(pool.attrs))]


defact("Relu", parallel.elementwise(_relu), parallel.elementwise(_relu_grad), True,
       infer=_unary_infer(False, False), rewrite=_relu_under_max_pool)


def _unary(op_type, x, name=None):
    x = convert_to_tensor(x)
    return apply_op(op_type, [x], name=name or op_type)


def negative(x, name=None):
    return _unary("Neg", x, name)


def abs(x, name=None):  # noqa: A001
    return _unary("Abs", x, name)


def sign(x, name=None):
    return _unary("Sign", x, name)


def square(x, name=None):
    return _unary("Square", x, name)


def sqrt(x, name=None):
    return _unary("Sqrt", x, name)


def rsqrt(x, name=None):
    return _unary("Rsqrt", x, name)


def exp(x, name=None):
    return _unary("Exp", x, name)


def log(x, name=None):
    return _unary("Log", x, name)


def log1p(x, name=None):
    return _unary("Log1p", x, name)


def expm1(x, name=None):
    return _unary("Expm1", x, name)


def sin(x, name=None):
    return _unary("Sin", x, name)


def cos(x, name=None):
    return _unary("Cos", x, name)


def tan(x, name=None):
    return _unary("Tan", x, name)


def reciprocal(x, name=None):
    return _unary("Reciprocal", x, name)


def floor(x, name=None):
    return _unary("Floor", x, name)


def ceil(x, name=None):
    return _unary("Ceil", x, name)


def round(x, name=None):  # noqa: A001
    """Rounds half to even, as TF does."""
    return _unary("Round", x, name)


def logical_not(x, name=None):
    x = convert_to_tensor(x)
    if not x.dtype.is_bool:
        raise TypeError(f"logical_not (~) needs a bool tensor, got {x.dtype.name} ({x.name})")
    return _unary("LogicalNot", x, name)


def is_nan(x, name=None):
    return _unary("IsNan", x, name)


def is_finite(x, name=None):
    return _unary("IsFinite", x, name)


def is_inf(x, name=None):
    return _unary("IsInf", x, name)


def tanh(x, name=None):
    return _unary("Tanh", x, name)


def sigmoid(x, name=None):
    return _unary("Sigmoid", x, name)


def relu(features, name=None):
    """max(features, 0)."""
    return _unary("Relu", features, name)


# =============================================================================================
# MatMul
# =============================================================================================
def _matmul_dtypes(a, b):
    if a.dtype is not b.dtype:
        raise TypeError(f"Input 'b' of 'MatMul' Op has type {b.dtype.name} that does not match "
                        f"type {a.dtype.name} of argument 'a'.")
    if a.dtype.is_bool or a.dtype is dtypes.string:
        raise TypeError(f"MatMul does not support dtype {a.dtype.name}")


def _matmul_infer(op):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    _matmul_dtypes(a, b)
    da, db = dims(a), dims(b)
    if da is not None and len(da) != 2 or db is not None and len(db) != 2:
        raise ValueError(f"Shape must be rank 2 but is rank "
                         f"{len(da) if da is not None and len(da) != 2 else len(db)}")
    m, ka = (None, None) if da is None else (da[::-1] if ta else da)
    kb, n = (None, None) if db is None else (db[::-1] if tb else db)
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb}")
    return a.dtype, [m, n]


def _matmul_bind(op, session):
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    # np.dot is fastest on contiguous operands; np.matmul passes transposed views to BLAS
    # without a copy (measured: 340 vs 490 us for the MNIST weight gradient X.T @ dy).
    if not ta and not tb:
        return np.dot
    mm = np.matmul
    if ta and not tb:
        return lambda a, b: mm(a.T, b)
    if tb and not ta:
        return lambda a, b: mm(a, b.T)
    return lambda a, b: mm(a.T, b.T)


def _matmul_grad(op, dy):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        return [matmul(dy, b, transpose_b=True), matmul(a, dy, transpose_a=True)]
    if not ta and tb:
        return [matmul(dy, b), matmul(dy, a, transpose_a=True)]
    if ta and not tb:
        return [matmul(b, dy, transpose_b=True), matmul(a, dy)]
    return [matmul(b, dy, transpose_a=True, transpose_b=True),
            matmul(dy, a, transpose_a=True, transpose_b=True)]


defop("MatMul", infer=_matmul_infer, bind=_matmul_bind, grad=_matmul_grad, blas=True,
      kernel=lambda a, b, transpose_a, transpose_b: np.dot(a.T if transpose_a else a,
                                                           b.T if transpose_b else b))


def _batch_matmul_infer(op):
    a, b = op.inputs
    _matmul_dtypes(a, b)
    da, db = dims(a), dims(b)
    if da is None or db is None:
        return a.dtype, TensorShape(None)
    if len(da) < 2 or len(db) < 2:
        raise ValueError("BatchMatMul needs tensors of rank >= 2")
    ka = da[-2] if op.attrs["adj_x"] else da[-1]
    kb = db[-1] if op.attrs["adj_y"] else db[-2]
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb}")
    m = da[-1] if op.attrs["adj_x"] else da[-2]
    n = db[-2] if op.attrs["adj_y"] else db[-1]
    batch = broadcast_shapes(TensorShape(da[:-2]), TensorShape(db[:-2]))
    if batch is None:
        raise ValueError(f"Batch dimensions {da[:-2]} and {db[:-2]} do not broadcast")
    return a.dtype, batch.as_list() + [m, n]


def _bmm_kernel(a, b, adj_x, adj_y):
    return np.matmul(np.swapaxes(a, -1, -2) if adj_x else a, np.swapaxes(b, -1, -2) if adj_y else b)


def _bmm_grad(op, dy):
    a, b = op.inputs
    ax, ay = op.attrs["adj_x"], op.attrs["adj_y"]
    if not ax:
        ga = _bmm(dy, b, False, not ay) if not ay else _bmm(dy, b, False, False)
    else:
        ga = _bmm(b, dy, ay, True)
    if not ay:
        gb = _bmm(a, dy, not ax, False) if not ax else _bmm(a, dy, False, False)
    else:
        gb = _bmm(dy, a, True, ax)
    return [A.unbroadcast(ga, a), A.unbroadcast(gb, b)]


def _bmm(a, b, adj_x, adj_y):
    return apply_op("BatchMatMul", [a, b], {"adj_x": adj_x, "adj_y": adj_y}, name="MatMul")


defop("BatchMatMul", infer=_batch_matmul_infer, kernel=_bmm_kernel, grad=_bmm_grad, blas=True)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None) -> Tensor:
    """Matrix product ``a @ b`` (batched for rank > 2), with optional transposes."""
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        a = convert_to_tensor(a, dtype=b.dtype)
    else:
        a = convert_to_tensor(a)
        b = to_tensor_like(b, a)
    ta = transpose_a or adjoint_a
    tb = transpose_b or adjoint_b
    if rank(a) == 2 and rank(b) == 2:
        return apply_op("MatMul", [a, b], {"transpose_a": bool(ta), "transpose_b": bool(tb)},
                        name=name or "MatMul")
    return apply_op("BatchMatMul", [a, b], {"adj_x": bool(ta), "adj_y": bool(tb)},
                    name=name or "MatMul")


# =============================================================================================
# Reductions
# =============================================================================================
def _reduce_infer(out_dtype=None):
    def infer(op):
        x = op.inputs[0]
        axes, keep = op.attrs["axis"], op.attrs["keepdims"]
        d = dims(x)
        dt = out_dtype or x.dtype
        if d is None:
            return dt, TensorShape(None)
        if axes is None:
            return dt, [1] * len(d) if keep else []
        return dt, [1 if i in axes else s for i, s in enumerate(d) if keep or i not in axes]
    return infer


def _reduced_count(op):
    """Static number of elements reduced per output, or None."""
    x = op.inputs[0]
    d = dims(x)
    if d is None:
        return None
    axes = op.attrs["axis"]
    sel = d if axes is None else [d[a] for a in axes]
    if None in sel:
        return None
    return int(np.prod(sel)) if sel else 1


def _spread(t, op, mean=False):
    """``t``, shaped like the reduction's output, spread back over its input's shape (divided by
    the count for a mean)."""
    return apply_op("ReduceGrad", [t, op.inputs[0]], {"axis": op.attrs["axis"],
                                                      "keepdims": op.attrs["keepdims"],
                                                      "mean": mean}, name="ReduceGrad")


def _g_minmax(op, dy):
    x, axes = op.inputs[0], op.attrs["axis"]
    mask = A.cast(equal(x, _spread(op.outputs[0], op)), dy.dtype)
    count = reduce_sum(mask, axis=list(axes) if axes is not None else None, keepdims=True)
    return [_spread(dy, op) * mask / count]


def _g_prod(op, dy):
    # TF's exact-zero handling is omitted: inputs with zeros give nan
    return [_spread(dy, op) * _spread(op.outputs[0], op) / op.inputs[0]]


def _reduce_grad_kernel(dy, x, axis, keepdims, mean):
    """dy (the reduced gradient) spread back over x's shape, divided by the count for a mean."""
    xs = x.shape
    axes = range(len(xs)) if axis is None else [a % len(xs) for a in axis]
    n = 1
    for a in axes:
        n *= xs[a]
    if not keepdims:
        dy = np.asarray(dy).reshape([1 if i in axes else d for i, d in enumerate(xs)])
    if mean:
        dy = dy / max(n, 1)  # TF divides (x * (1/n) differs in the last bit); int keeps dtype
    out = np.empty(xs, dtype=dy.dtype)  # filling is cheaper than np.broadcast_to's setup
    out[...] = dy
    return out


def _g_reduce_grad(op, ddx):
    dy, x = op.inputs
    axes = op.attrs["axis"]
    f = reduce_mean if op.attrs["mean"] else reduce_sum
    return [f(ddx, axis=None if axes is None else list(axes), keepdims=op.attrs["keepdims"]),
            None]


defop("ReduceGrad", infer=lambda op: (op.inputs[0].dtype, op.inputs[1].shape),
      kernel=_reduce_grad_kernel, grad=_g_reduce_grad)


# The ufuncs' reduce methods directly: np.sum/np.mean add 3-8 us of Python per call, which is
# most of the cost on the small tensors of small models.
def _k_sum(x, axis, keepdims):
    if x.size >= 65536 and x.dtype in (np.float32, np.float64) and axis is not None and \
            len(axis) == x.ndim - 1 and x.flags.c_contiguous and \
            sorted(a % x.ndim for a in axis) == list(range(x.ndim - 1)):
        # every axis but the last (a bias's gradient): a BLAS matrix-vector product, 4x faster
        # than NumPy's row-by-row reduce on a conv layer's output, and blocked, so more exact
        rows = x.reshape(-1, x.shape[-1])
        out = np.ones(rows.shape[0], x.dtype) @ rows
        return out.reshape((1,) * (x.ndim - 1) + out.shape) if keepdims else out
    return np.add.reduce(x, axis=axis, dtype=x.dtype, keepdims=keepdims)


def _k_mean(x, axis, keepdims):
    xs = x.shape
    n = 1
    for a in (range(len(xs)) if axis is None else axis):
        n *= xs[a]
    if x.dtype.kind in "iu":
        s = np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=np.int64)
        return np.trunc(s / max(n, 1)).astype(x.dtype)
    # sum / n as TF computes it: sum * (1/n) is off by one ulp for many n (0.97819996 for
    # TF's 0.9782), which shows in printed accuracies.
    return np.true_divide(np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
                          max(n, 1), dtype=x.dtype)


# (type, kernel(x, axis, keepdims), gradient, output dtype if not the input's)
_REDUCE = [
    ("Sum", _k_sum, lambda op, dy: [_spread(dy, op)], None),
    ("Mean", _k_mean, lambda op, dy: [_spread(dy, op, mean=True)], None),
    ("Max", np.maximum.reduce, _g_minmax, None),
    ("Min", np.minimum.reduce, _g_minmax, None),
    ("Prod", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype),
     _g_prod, None),
    ("Any", np.any, None, dtypes.bool),
    ("All", np.all, None, dtypes.bool),
]
for _type, _fn, _grad, _out in _REDUCE:
    defop(_type, infer=_reduce_infer(_out), kernel=_fn, grad=_grad,
          not_differentiable=_grad is None)


def _axes(axis, x, op_type, single=False):
    """norm_axes, with the op and tensor named in the error."""
    if single and (axis is None or np.ndim(axis) != 0) and not isinstance(axis, Tensor):
        raise ValueError(f"{op_type} needs a single int axis, got {axis!r} (tensor {x.name})")
    if rank(x) is None and not single and axis is not None and not isinstance(axis, Tensor):
        # unknown rank: negative axes stay negative, the kernels count them from the end
        return tuple(sorted({int(a) for a in np.reshape(axis, -1)}))
    try:
        return norm_axes(axis, rank(x))
    except ValueError as e:
        raise ValueError(f"{e} for '{op_type}' on tensor {x.name} with shape {x.shape}") from None


def _reduce(op_type, input_tensor, axis, keepdims, name, keep_dims, reduction_indices):
    x = convert_to_tensor(input_tensor)
    if axis is None:
        axis = reduction_indices
    if keep_dims is not None:
        keepdims = keep_dims
    axes = _axes(axis, x, op_type)
    if op_type in ("Any", "All") and not x.dtype.is_bool:
        raise TypeError(f"reduce_{op_type.lower()} needs a bool tensor, got {x.dtype.name} "
                        f"({x.name})")
    if op_type not in ("Any", "All") and (x.dtype.is_bool or x.dtype is dtypes.string):
        raise TypeError(f"reduce_{op_type.lower()} does not support dtype {x.dtype.name} "
                        f"({x.name}); cast it first, e.g. tf.cast(x, tf.float32)")
    return apply_op(op_type, [x], {"axis": axes, "keepdims": bool(keepdims)},
                    name=name or op_type)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    """Sum over ``axis`` (all axes by default)."""
    return _reduce("Sum", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
                keep_dims=None):
    """Mean over ``axis`` (all axes by default)."""
    return _reduce("Mean", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduce("Max", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduce("Min", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
                keep_dims=None):
    return _reduce("Prod", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduce("Any", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_all(input_tensor, axis=None, keepdims=False, name=None, reduction_indices=None,
               keep_dims=None):
    return _reduce("All", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None,
                     reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) over ``axis``, computed without overflow: the maximum is taken out
    first (and left out of the gradient, which is exactly softmax(x))."""
    if axis is None:
        axis = reduction_indices
    if keep_dims is not None:
        keepdims = keep_dims
    with graph_of([input_tensor]).name_scope(name or "ReduceLogSumExp"):
        x = convert_to_tensor(input_tensor)
        top = reduce_max(x, axis, keepdims=True)
        top = A.stop_gradient(where_v2(is_finite(top), top, A.zeros_like(top)))  # -inf rows
        out = log(reduce_sum(exp(x - top), axis, keepdims=keepdims))
        return out + (top if keepdims else A.reshape(top, A.shape(out)))


# ---- argmax / argmin -------------------------------------------------------------------------
def _arg_infer(op):
    x = op.inputs[0]
    d = dims(x)
    if d is None:
        return op.attrs["output_type"], TensorShape(None)
    a = op.attrs["axis"]
    return op.attrs["output_type"], [s for i, s in enumerate(d) if i != a]


for _type, _fn in [("ArgMax", np.argmax), ("ArgMin", np.argmin)]:
    defop(_type, infer=_arg_infer, not_differentiable=True,
          kernel=lambda x, axis, output_type, f=_fn: f(x, axis=axis).astype(output_type.np))


def _arg(op_type, input, axis, name, dimension, output_type):
    x = convert_to_tensor(input)
    if axis is None:
        axis = 0 if dimension is None else dimension
    (a,) = _axes(axis, x, op_type, single=True)
    return apply_op(op_type, [x], {"axis": a, "output_type": dtypes.as_dtype(output_type)},
                    name=name or op_type)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
    """Index of the largest value along ``axis`` (int64 by default, as TF)."""
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):
    return _arg("ArgMin", input, axis, name, dimension, output_type)


# ---- add_n -----------------------------------------------------------------------------------
def _addn_infer(op):
    xs = op.inputs
    require_numeric(xs[0], op.type, "inputs")
    s = xs[0].shape
    for t in xs[1:]:
        if t.dtype is not xs[0].dtype:
            raise TypeError(f"AddN inputs must have one dtype: {xs[0].dtype.name} and "
                            f"{t.dtype.name}")
        if not s.is_compatible_with(t.shape):
            raise ValueError(f"Shapes must be equal: {xs[0].shape} and {t.shape}")
        s = s.merge_with(t.shape)
    return xs[0].dtype, s


def _k_addn(*xs):
    out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        out += x
    return out


defop("AddN", infer=_addn_infer, kernel=_k_addn, grad=lambda op, dy: [dy] * len(op.inputs))


def add_n(inputs, name=None) -> Tensor:
    """Sum of a list of same-shaped tensors."""
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    ts = [convert_to_tensor(t) for t in inputs]
    if len(ts) == 1:
        return ts[0] if name is None else A.identity(ts[0], name=name)
    return apply_op("AddN", ts, name=name or "AddN")


# ---- where / select --------------------------------------------------------------------------
def _select_dtypes(c, x, y):
    if not c.dtype.is_bool:
        raise TypeError(f"condition must be bool, got {c.dtype.name}")
    if x.dtype is not y.dtype:
        raise TypeError(f"x and y must have one dtype: {x.dtype.name} and {y.dtype.name}")


def _select_v2_infer(op):
    c, x, y = op.inputs
    _select_dtypes(c, x, y)
    s = broadcast_shapes(x.shape, y.shape)
    s = None if s is None else broadcast_shapes(c.shape, s)
    if s is None:
        raise ValueError(f"Shapes {c.shape}, {x.shape} and {y.shape} do not broadcast")
    return x.dtype, s


def _select_rows(c, x) -> bool:
    return rank(c) == 1 and rank(x) is not None and rank(x) > 1


def _tf1_select_error(c, x, y):
    """Why TF1's Select refuses these shapes (None if it accepts them)."""
    if not x.shape.is_compatible_with(y.shape):
        return f"x and y must have the same shape, got {x.shape} and {y.shape}"
    s = x.shape.merge_with(y.shape)
    want = TensorShape(s.as_list()[:1]) if _select_rows(c, x) else s
    if rank(c) != 0 and not c.shape.is_compatible_with(want):
        return (f"condition must be a scalar, have the shape of x, or be a vector as long as "
                f"x's first dimension; got condition shape {c.shape} and x shape {s}")
    return None


def _select_infer(op):
    """TF1's Select: x and y of one shape; condition a scalar, of x's shape, or a vector that
    picks whole rows (x's first dimension)."""
    c, x, y = op.inputs
    _select_dtypes(c, x, y)
    why = _tf1_select_error(c, x, y)
    if why is not None:
        raise ValueError(why)
    return x.dtype, x.shape.merge_with(y.shape)


def _k_select(c, x, y):
    if c.ndim == 1 and x.ndim > 1:  # a vector condition picks rows
        c = c.reshape(c.shape + (1,) * (x.ndim - 1))
    return np.where(c, x, y)


def _g_select(op, dy):
    c, x, y = op.inputs
    z = A.zeros_like(dy)
    if op.type == "Select":
        return [None, where(c, dy, z), where(c, z, dy)]
    return [None, A.unbroadcast(where_v2(c, dy, z), x), A.unbroadcast(where_v2(c, z, dy), y)]


defop("Select", infer=_select_infer, kernel=_k_select, grad=_g_select)
defop("SelectV2", infer=_select_v2_infer, kernel=np.where, grad=_g_select)


def _where_index_infer(op):
    r = rank(op.inputs[0])
    return dtypes.int64, [None, r]


defop("Where", infer=_where_index_infer, not_differentiable=True,
      kernel=lambda c: np.argwhere(c).astype(np.int64))


def _where(op_type, condition, x, y, name):
    c = convert_to_tensor(condition)
    if x is None and y is None:
        return apply_op("Where", [c], name=name or "Where")
    if x is None or y is None:
        raise ValueError("x and y must both be given, or both be None")
    x, y = pair(x, y, op_type)
    if op_type == "Select" and _tf1_select_error(c, x, y) is not None:
        op_type = "SelectV2"  # shapes TF1 refuses: broadcast as TF2 does (no value differs)
    return apply_op(op_type, [c, x, y], name=name or "Select")


def where(condition, x=None, y=None, name=None) -> Tensor:
    """TF1's ``tf.where``: ``x if condition else y``; a vector condition with a matrix (or
    higher-rank) x chooses whole rows, as in TF1. Shapes TF1 refuses are broadcast as TF2's
    ``where_v2`` does. With x and y None: the indices of the true elements."""
    return _where("Select", condition, x, y, name)


def where_v2(condition, x=None, y=None, name=None) -> Tensor:
    """``x if condition else y`` with condition, x and y broadcast together (TF2's tf.where)."""
    return _where("SelectV2", condition, x, y, name)


def div_no_nan(x, y, name=None) -> Tensor:
    """``x / y``, 0 where ``y`` is 0 (and a gradient without NaN there)."""
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    with graph_of([x, y]).name_scope(name or "div_no_nan"):
        nonzero = not_equal(y, 0.0)
        return x / where_v2(nonzero, y, A.ones_like(y)) * A.cast(nonzero, x.dtype)


# ---- misc ------------------------------------------------------------------------------------
def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """Clips values to [min, max]; the gradient flows where the value was inside."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max, name=name or "clip_by_value")


def _cumsum_kernel(x, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis, dtype=x.dtype)
    if exclusive:
        out = np.concatenate([np.zeros_like(np.take(out, [0], axis=axis)),
                              np.delete(out, -1, axis=axis)], axis=axis)
    return np.flip(out, axis) if reverse else out


def _g_cumsum(op, dy):
    a = op.attrs
    return [apply_op("Cumsum", [dy], {"axis": a["axis"], "exclusive": a["exclusive"],
                                      "reverse": not a["reverse"]})]


def _cumsum_infer(op):
    require_numeric(op.inputs[0], op.type)
    return same(op)


defop("Cumsum", infer=_cumsum_infer, kernel=_cumsum_kernel, grad=_g_cumsum)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    x = convert_to_tensor(x)
    (ax,) = _axes(axis, x, "Cumsum", single=True)
    return apply_op("Cumsum", [x], {"axis": ax, "exclusive": bool(exclusive),
                                    "reverse": bool(reverse)}, name=name or "Cumsum")


def _square_infer(op):
    x = op.inputs[0]
    require_float(x, op.type)
    d = dims(x)
    if d is not None and (len(d) < 2 or (d[-1] is not None and d[-2] is not None
                                          and d[-1] != d[-2])):
        raise ValueError(f"Input must be a square matrix (or a batch of them), got shape "
                         f"{x.shape}")
    return x.dtype, (x.shape if op.type == "MatrixInverse" else
                     (TensorShape(None) if d is None else d[:-2]))


def _inv_kernel(x):
    try:
        return np.linalg.inv(x).astype(x.dtype, copy=False)
    except np.linalg.LinAlgError:
        raise ValueError("Input is not invertible.") from None


def _g_inv(op, dy):
    y = op.outputs[0]
    return [negative(matmul(matmul(y, dy, transpose_a=True), y, transpose_b=True))]


def _g_det(op, dy):
    # d det(X) / dX = det(X) * inv(X)^T, per matrix of the batch.
    x, y = op.inputs[0], op.outputs[0]
    r = rank(x)
    if r is None:
        raise ValueError(f"the gradient of matrix_determinant needs an input of known rank "
                         f"({x.name})")
    perm = list(range(r - 2)) + [r - 1, r - 2]
    inv_t = A.transpose(apply_op("MatrixInverse", [x]), perm)
    return [A.expand_dims(A.expand_dims(dy * y, -1), -1) * inv_t]


defop("MatrixInverse", infer=_square_infer, kernel=_inv_kernel, grad=_g_inv)
defop("MatrixDeterminant", infer=_square_infer,
      kernel=lambda x: np.asarray(np.linalg.det(x), dtype=x.dtype), grad=_g_det)


def matrix_inverse(input, adjoint=False, name=None) -> Tensor:
    """Inverse of a square matrix (or batch)."""
    x = convert_to_tensor(input)
    if adjoint:
        x = A.transpose(x)
    return apply_op("MatrixInverse", [x], name=name or "MatrixInverse")


def matrix_determinant(input, name=None) -> Tensor:
    return apply_op("MatrixDeterminant", [convert_to_tensor(input)],
                    name=name or "MatrixDeterminant")


def tensordot(a, b, axes, name=None) -> Tensor:
    """Contraction over ``axes`` (an int N for the last N of a / first N of b, or two lists)."""
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, dtype=a.dtype)
    ra, rb = rank(a), rank(b)
    if ra is None or rb is None:
        raise ValueError("tensordot needs tensors of known rank")
    if isinstance(axes, int):
        ax_a, ax_b = list(range(ra - axes, ra)), list(range(axes))
    else:
        ax_a, ax_b = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                      [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    if len(ax_a) != len(ax_b):
        raise ValueError(f"tensordot: {len(ax_a)} axes of a {ax_a} but {len(ax_b)} axes of b "
                         f"{ax_b}")
    ax_a = [x % ra for x in ax_a]
    ax_b = [x % rb for x in ax_b]
    for i, j in zip(ax_a, ax_b):
        p, q = dims(a)[i], dims(b)[j]
        if p is not None and q is not None and p != q:
            raise ValueError(f"Dimensions must be equal, but are {p} and {q} for 'tensordot' "
                             f"(axis {i} of a {a.shape}, axis {j} of b {b.shape})")
    free_a = [i for i in range(ra) if i not in ax_a]
    free_b = [i for i in range(rb) if i not in ax_b]
    at = A.transpose(a, free_a + ax_a)
    bt = A.transpose(b, ax_b + free_b)
    da, db = dims(a), dims(b)
    ka = [da[i] for i in ax_a]
    k = int(np.prod(ka)) if None not in ka else -1
    fa = [da[i] for i in free_a]
    fb = [db[i] for i in free_b]
    m = int(np.prod(fa)) if None not in fa else -1
    n = int(np.prod(fb)) if None not in fb else -1
    prod = matmul(A.reshape(at, [m, k]), A.reshape(bt, [k if k != -1 else -1, n]))
    out_shape = [d if d is not None else -1 for d in fa + fb]
    if out_shape.count(-1) > 1:
        raise ValueError("tensordot supports at most one unknown free dimension")
    return A.reshape(prod, out_shape, name=name)


# =============================================================================================
# Python operators on Tensor (and Variable, which is a Tensor)
# =============================================================================================
def _r(fn):
    return lambda self, other: fn(other, self)


def _matmul_op(a, b):
    return matmul(a, b)


def _pow_op(x, y):
    return pow(x, y)


def _and(x, y):
    return logical_and(x, y)


def _or(x, y):
    return logical_or(x, y)


def _xor(x, y):
    return logical_xor(x, y)


_OPERATORS = {
    "__add__": add, "__sub__": subtract, "__mul__": multiply, "__truediv__": truediv,
    "__floordiv__": floordiv, "__mod__": floormod, "__pow__": _pow_op,
    "__matmul__": _matmul_op, "__and__": _and, "__or__": _or, "__xor__": _xor,
    "__lt__": less, "__le__": less_equal, "__gt__": greater, "__ge__": greater_equal,
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, (lambda f: lambda self, other: f(self, other))(_fn))
    if _name not in ("__lt__", "__le__", "__gt__", "__ge__"):
        setattr(Tensor, "__r" + _name[2:], _r(_fn))
Tensor.__neg__ = lambda self: negative(self)
Tensor.__abs__ = lambda self: abs(self)
Tensor.__invert__ = lambda self: logical_not(self)
Tensor.__getitem__ = lambda self, key: A.getitem(self, key)
Tensor.__pos__ = lambda self: self
