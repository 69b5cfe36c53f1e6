"""The op table: one row per op type (tensorfluxo/testing/op_test.py runs each row forward
against NumPy in float32 and float64 with known and unknown shapes, and its gradients against
finite differences). A registered op type without a row fails test_every_op_type_has_a_row.

Adding an op: add its row here, in its family's section (CONTRIBUTING.md, "Adding an op").
"""

import math
from pathlib import Path

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.framework.ops import apply_op
from tensorfluxo.ops.rnn_ops import fused_rnn
from tensorfluxo.testing.op_test import (
    check_row,
    covered,
    distinct,
    missing_rows,
    nz,
    pos,
    row,
    row_ids,
    spd,
    u,
)
from tensorfluxo.train import rules

ROWS = []
add = ROWS.append


def dyn(t):
    """``t`` with unknown static dims inside a row: mixes known and unknown operands."""
    return tf.placeholder_with_default(t, [None] * t.shape.ndims)


def small(*shape):
    return u(*shape, lo=-1.0, hi=1.0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- elementwise unary ----------------------------------------------------------------------
for ops, fn, ref, domain in [
    ("Neg", tf.negative, np.negative, u), ("Abs", tf.abs, np.abs, nz),
    ("Square", tf.square, np.square, u), ("Sqrt", tf.sqrt, np.sqrt, pos),
    ("Rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), pos), ("Exp", tf.exp, np.exp, u),
    ("Log", tf.log, np.log, pos), ("Log1p", tf.log1p, np.log1p, pos),
    ("Expm1", tf.expm1, np.expm1, u), ("Sin", tf.sin, np.sin, u), ("Cos", tf.cos, np.cos, u),
    ("Tan", tf.tan, np.tan, small), ("Reciprocal", tf.reciprocal, lambda x: 1 / x, nz),
    ("Tanh TanhGrad", tf.tanh, np.tanh, u), ("Sigmoid SigmoidGrad", tf.sigmoid, sigmoid, u),
    ("Relu ReluGrad", tf.nn.relu, lambda x: np.maximum(x, 0), nz),
]:
    add(row(ops, fn, domain(2, 3), ref=ref, order=2))
add(row("Mul", lambda x: +x * x, u(2, 3), ref=lambda x: x * x, order=2, id="pos-operator"))
for ops, fn, ref in [("Sign", tf.sign, np.sign), ("Floor", tf.floor, np.floor),
                     ("Ceil", tf.ceil, np.ceil), ("Round", tf.round, np.round)]:
    add(row(ops, fn, nz(2, 3), ref=ref, order=0))
add(row("Round", tf.round, np.array([0.5, 1.5, 2.5, -0.5]), ref=np.round, order=0,
        id="half-to-even"))
SPECIAL = np.array([0.5, -1.0, np.nan, np.inf, -np.inf])
for ops, fn, ref in [("IsNan", tf.is_nan, np.isnan), ("IsInf", tf.is_inf, np.isinf),
                     ("IsFinite", tf.is_finite, np.isfinite)]:
    add(row(ops, fn, SPECIAL, ref=ref, order=0))
add(row("LogicalNot", tf.logical_not, np.array([True, False]), ref=np.logical_not, order=0))

# ---- elementwise binary, with broadcasting --------------------------------------------------
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((2, 3), (1, 3)),
          ((2, 3), (2, 1))]
for ops, fn, ref, dx, dy in [
    ("Add", tf.add, np.add, u, u), ("Sub", tf.subtract, np.subtract, u, u),
    ("Mul", tf.multiply, np.multiply, u, u), ("RealDiv", tf.truediv, np.true_divide, u, nz),
    ("Pow", tf.pow, np.power, pos, u), ("Maximum", tf.maximum, np.maximum, u, u),
    ("Minimum", tf.minimum, np.minimum, u, u),
    ("SquaredDifference", tf.squared_difference, lambda x, y: (x - y) ** 2, u, u),
    ("FloorMod", tf.floormod, np.mod, lambda *s: u(*s, lo=0.1, hi=0.9) + 3,
     lambda *s: pos(*s) + 1),
]:
    for sx, sy in SHAPES:
        add(row(ops, fn, dx(*sx), dy(*sy), ref=ref, order=2, id=f"{sx}-{sy}"))
        if ops in ("Add", "Mul", "Maximum"):
            add(row(ops, fn, dx(*sy), dy(*sx), ref=ref, order=2, id=f"{sy}-{sx}"))
# unknown shapes undo broadcasting at run time (SumToShapeOf; its gradient is BroadcastLike)
add(row("Mul Add SumToShapeOf BroadcastLike", lambda x, y: dyn(x) * dyn(y) + dyn(y), u(2, 3),
        u(3), ref=lambda x, y: x * y + y, order=2, id="partly-unknown", exact_shape=False))
add(row("RealDiv", lambda x, y: dyn(x) / y, u(2, 1), nz(1, 3), ref=np.true_divide, order=2,
        id="partly-unknown", exact_shape=False))
add(row("Pow", lambda x: x ** 3 + 2 ** x, u(3), ref=lambda x: x ** 3 + 2 ** x, order=2,
        id="python-scalar"))


def tied(shape_x, shape_y, dy=u):
    """Operands with some equal entries (comparisons)."""
    x, y = u(*shape_x), dy(*shape_y)
    y[..., :1] = x.reshape(-1)[0]
    return x, y


for ops, fn, ref in [("Equal", tf.equal, np.equal), ("NotEqual", tf.not_equal, np.not_equal),
                     ("Less", tf.less, np.less), ("LessEqual", tf.less_equal, np.less_equal),
                     ("Greater", tf.greater, np.greater),
                     ("GreaterEqual", tf.greater_equal, np.greater_equal),
                     ("FloorDiv", tf.floordiv, np.floor_divide)]:
    for sx, sy in SHAPES[:4]:
        add(row(ops, fn, *tied(sx, sy, nz), ref=ref, order=0, id=f"{sx}-{sy}"))
XI, YI = np.array([7, -7, 6, 0], np.int32), np.array([2, 2, -4, 3], np.int32)
for ops, fn, ref in [("Add", tf.add, np.add), ("FloorDiv", tf.floordiv, np.floor_divide),
                     ("FloorMod", tf.floormod, np.mod), ("Maximum", tf.maximum, np.maximum),
                     ("FloorDiv", tf.div, np.floor_divide),
                     ("Cast RealDiv", tf.truediv, np.true_divide)]:  # int32 / int32: float64
    add(row(ops, fn, XI, YI, ref=ref, id=f"int32-{fn.__name__}"))
add(row("Mean", lambda x: tf.reduce_mean(x, 0), np.array([[1, -2, 2], [2, -1, 3]], np.int32),
        ref=lambda x: np.array([1, -1, 2], np.int32), id="int32-truncates"))
P, Q = np.array([True, True, False, False]), np.array([True, False, True, False])
add(row("LogicalAnd", tf.logical_and, P, Q, ref=np.logical_and, order=0))
add(row("LogicalOr", tf.logical_or, P, Q, ref=np.logical_or, order=0))
add(row("LogicalAnd LogicalOr LogicalNot", tf.logical_xor, P, Q, ref=np.logical_xor, order=0,
        id="xor"))

# ---- matmul ---------------------------------------------------------------------------------
for ta in (False, True):
    for tb in (False, True):
        add(row("MatMul", lambda a, b, ta=ta, tb=tb: tf.matmul(a, b, transpose_a=ta,
                                                               transpose_b=tb),
                u(3, 2) if ta else u(2, 3), u(4, 3) if tb else u(3, 4),
                ref=lambda a, b, ta=ta, tb=tb: (a.T if ta else a) @ (b.T if tb else b), order=2,
                id=f"ta{ta:d}-tb{tb:d}"))


def sw(t, flag):
    return np.swapaxes(t, -1, -2) if flag else t


for sa, sb in [((2, 2, 3), (2, 3, 4)), ((3, 2), (2, 2, 4)), ((1, 2, 3), (2, 3, 2)),
               ((2, 3), (2, 3, 2))]:
    for ax in (False, True):
        for ay in (False, True):
            add(row("BatchMatMul",
                    lambda a, b, ax=ax, ay=ay: tf.matmul(a, b, adjoint_a=ax, adjoint_b=ay),
                    u(*sw(np.empty(sa), ax).shape), u(*sw(np.empty(sb), ay).shape),
                    ref=lambda a, b, ax=ax, ay=ay: np.matmul(sw(a, ax), sw(b, ay)), order=2,
                    id=f"{sa}-{sb}-adj{ax:d}{ay:d}"))
add(row("BatchMatMul", lambda a, b: a @ b, u(2, 3), u(2, 3, 2), ref=np.matmul, order=2,
        id="operator"))
add(row("MatMul", lambda a, b: tf.matmul(dyn(a), b), u(3, 2), u(2, 2), ref=np.matmul, order=2,
        id="unknown-batch", exact_shape=False))
add(row("MatMul", lambda x: tf.matmul(x, x, transpose_b=True), u(4, 3),
        ref=lambda x: x @ x.T, order=2, id="same-input"))

# ---- reductions -----------------------------------------------------------------------------
for ops, fn, ref, domain in [
    ("Sum ReduceGrad", tf.reduce_sum, np.sum, u), ("Mean ReduceGrad", tf.reduce_mean, np.mean, u),
    ("Max ReduceGrad", tf.reduce_max, np.max, distinct),
    ("Min ReduceGrad", tf.reduce_min, np.min, distinct),
    ("Prod ReduceGrad", tf.reduce_prod, np.prod, pos),
]:
    for axis in (None, 0, 1, -1, [0, 2], (0, 1, 2)):
        for keep in (False, True):
            ax = tuple(axis) if isinstance(axis, list) else axis
            add(row(ops, lambda x, fn=fn, axis=axis, keep=keep: fn(x, axis=axis, keepdims=keep),
                    domain(2, 3, 2),
                    ref=lambda x, ref=ref, ax=ax, keep=keep: ref(x, axis=ax, keepdims=keep),
                    order=2,
                    id=f"axis{axis}-keep{keep:d}"))
add(row("Sum", lambda x: tf.reduce_sum(x, reduction_indices=[1], keep_dims=True), u(2, 3),
        ref=lambda x: x.sum(1, keepdims=True), order=2, id="aliases"))
B23 = np.array([[True, False, True], [True, True, True]])
for ops, fn, ref in [("Any", tf.reduce_any, np.any), ("All", tf.reduce_all, np.all)]:
    for axis in (None, 1):
        add(row(ops, lambda x, fn=fn, a=axis: fn(x, a), B23,
                ref=lambda x, ref=ref, a=axis: ref(x, axis=a), order=0, id=f"axis{axis}"))
for ops, fn, ref in [("ArgMax", tf.argmax, np.argmax), ("ArgMin", tf.argmin, np.argmin)]:
    for axis in (0, 1, -1):
        add(row(ops, lambda x, fn=fn, a=axis: fn(x, a), distinct(3, 4),
                ref=lambda x, ref=ref, a=axis: ref(x, axis=a), order=0, id=f"axis{axis}"))
    add(row(ops, lambda x, fn=fn: fn(x, 1, output_type=tf.int32), distinct(3, 4),
            ref=lambda x, ref=ref: ref(x, axis=1).astype(np.int32), order=0, id="int32"))
add(row("ArgMax", lambda x: tf.argmax(x, dimension=1), distinct(3, 4),
        ref=lambda x: np.argmax(x, 1), order=0, id="dimension"))

# ---- add_n, where, cumsum, clip, linear algebra, tensordot ----------------------------------
add(row("AddN", lambda a, b, c: tf.add_n([a, b, c, a]), u(2, 3), u(2, 3), u(2, 3),
        ref=lambda a, b, c: 2 * a + b + c, order=2))
C23 = np.array([[True, False, True], [False, False, True]])
add(row("Select", lambda x, y: tf.where(C23, x, y), u(2, 3), u(2, 3),
        ref=lambda x, y: np.where(C23, x, y), order=2))
add(row("Select", lambda x, y: tf.where(np.array([True, False]), x, y), u(2, 3), u(2, 3),
        ref=lambda x, y: np.where([[True], [False]], x, y), order=2, id="tf1-rows"))
add(row("SelectV2", lambda x, y: tf.where_v2(np.array([True, False, True]), x, y), u(2, 3),
        u(3), ref=lambda x, y: np.where([True, False, True], x, y), order=2))
add(row("Select", tf.where, C23, u(2, 3), u(2, 3), ref=np.where, order=2, id="fed-condition"))
add(row("SelectV2", lambda x: tf.where(C23, x, 0.0), u(2, 3), ref=lambda x: np.where(C23, x, 0),
        id="scalar"))
add(row("Where", lambda c: tf.where(c), C23, ref=lambda c: np.argwhere(c), order=0,
        exact_shape=False))
for excl in (False, True):
    for rev in (False, True):
        for axis in (0, 1):
            def cumsum_ref(x, a=axis, e=excl, r=rev):
                x = np.flip(x, a) if r else x
                out = np.cumsum(x, a) - (x if e else 0)
                return np.flip(out, a) if r else out
            add(row("Cumsum", lambda x, a=axis, e=excl, r=rev: tf.cumsum(x, a, exclusive=e,
                                                                         reverse=r),
                    u(3, 4), ref=cumsum_ref, order=2, id=f"ex{excl:d}-rev{rev:d}-axis{axis}"))
add(row("Maximum Minimum", lambda x: tf.clip_by_value(x, -0.5, 0.5), nz(2, 3),
        ref=lambda x: np.clip(x, -0.5, 0.5), id="clip_by_value"))
add(row("MatrixInverse", tf.matrix_inverse, spd(3), ref=np.linalg.inv, order=2))
add(row("MatrixInverse", tf.matrix_inverse, spd(2, (2,)), ref=np.linalg.inv, id="batch"))
add(row("MatrixInverse", lambda x: tf.matrix_inverse(x, adjoint=True), spd(3),
        ref=lambda x: np.linalg.inv(x.T), id="adjoint"))
add(row("MatrixDeterminant", tf.matrix_determinant, spd(3), ref=np.linalg.det, order=2))
add(row("MatrixDeterminant", tf.matrix_determinant, spd(2, (3,)), ref=np.linalg.det, order=2,
        id="batch"))
for axes, sb in [(1, (4, 2)), (2, (3, 4, 2)), ([[1], [0]], (3, 2)), ([[0, 2], [1, 0]], (4, 2, 3)),
                 (0, (2,))]:
    add(row("Transpose Reshape MatMul", lambda a, b, axes=axes: tf.tensordot(a, b, axes),
            u(2, 3, 4), u(*sb), ref=lambda a, b, axes=axes: np.tensordot(a, b, axes), order=2,
            unknown=False, id=f"tensordot-{axes}"))

# ---- sources, shapes, casts -----------------------------------------------------------------
add(row("Placeholder Identity", lambda x: tf.identity(x) * x, u(2, 3), ref=lambda x: x * x,
        order=2))
add(row("Const", lambda x: x * tf.constant([1.0, 2.0, 3.0], dtype=x.dtype), u(2, 3),
        ref=lambda x: x * [1.0, 2.0, 3.0], order=2))
add(row("PlaceholderWithDefault", lambda x: dyn(x) * x, u(2, 3), ref=lambda x: x * x, order=2))
add(row("StopGradient", tf.stop_gradient, u(2, 3), ref=lambda x: x, order=0))
add(row("ZerosLike", tf.zeros_like, u(2, 3), ref=np.zeros_like, order=0))
add(row("OnesLike", tf.ones_like, u(2, 3), ref=np.ones_like, order=0))
add(row("OnesLike Cast", lambda x: tf.ones_like(x, dtype=tf.int32), u(2, 3),
        ref=lambda x: np.ones(x.shape, np.int32), order=0, id="int32"))
add(row("Shape Size", lambda x: [tf.shape(x), tf.size(x)], u(2, 3, 4),
        ref=lambda x: [np.array(x.shape, np.int32), np.int32(x.size)], order=0))
# TF's ops that GraphDefs written by TensorFlow (or by tensorfluxo for TF) use.
add(row("IdentityN", lambda x, y: apply_op("IdentityN", [x, y])[0] * y, u(2, 3), u(2, 3),
        ref=lambda x, y: x * y, order=2))
add(row("BroadcastGradientArgs",
        lambda a, b: list(apply_op("BroadcastGradientArgs", [a, b])),
        np.array([2, 1, 3], np.int32), np.array([4, 3], np.int32),
        ref=lambda a, b: [np.array([1], np.int32), np.array([0], np.int32)], order=0,
        exact_shape=False))
add(row("Shape", lambda x: tf.shape(x, out_type=tf.int64), u(2, 3),
        ref=lambda x: np.array(x.shape), order=0, id="int64"))
add(row("Rank", tf.rank, u(2, 3, 4), ref=lambda x: np.int32(x.ndim), order=0))
for target in ([6, 4], [-1], [2, -1, 2], [4, 3, 2], [1, 24, 1]):
    add(row("Reshape", lambda x, t=target: tf.reshape(x, t), u(2, 3, 4),
            ref=lambda x, t=target: x.reshape(t), order=2, id=str(target)))
add(row("Reshape Shape Pack", lambda x: tf.reshape(x, [tf.shape(x)[0], -1]), u(2, 3, 4),
        ref=lambda x: x.reshape(2, 12), order=2, id="tensor-dims"))
add(row("Reshape", lambda x: tf.reshape(dyn(x), [-1]), u(2, 3), ref=lambda x: x.reshape(-1),
        order=2, id="partly-unknown", exact_shape=False))
for perm in (None, [0, 2, 1], [2, 0, 1]):
    add(row("Transpose", lambda x, p=perm: tf.transpose(x, p), u(2, 3, 4),
            ref=lambda x, p=perm: np.transpose(x, p), order=2, id=str(perm)))
for axis in (0, 1, 3, -1, -4):
    add(row("ExpandDims", lambda x, a=axis: tf.expand_dims(x, a), u(2, 3, 4),
            ref=lambda x, a=axis: np.expand_dims(x, a), order=2, id=f"axis{axis}"))
for axis in (None, [0], [2], [0, -1]):
    add(row("Squeeze", lambda x, a=axis: tf.squeeze(x, a), u(1, 3, 1),
            ref=lambda x, a=axis: np.squeeze(x, None if a is None else tuple(a)), order=2,
            id=f"axis{axis}"))
add(row("Cast", lambda x: tf.cast(tf.cast(x, tf.float32) * 3.0, tf.float64), u(2, 3),
        ref=lambda x: x.astype(np.float32).astype(np.float64) * 3, out_dtype=np.float64,
        eps=1e-2, tol=1e-4, rtol=1e-6))
for dst in (np.int32, np.int64):
    add(row("Cast", lambda x, d=dst: tf.cast(x * 3, d), u(2, 3), ref=lambda x, d=dst:
            (x * 3).astype(d), order=0, id=np.dtype(dst).name))
for src, dst in [(np.bool_, np.float32), (np.int32, np.float64)]:
    add(row("Cast", lambda x, d=dst: tf.cast(x, d), (u(2, 3) * 3).astype(src),
            ref=lambda x, d=dst: x.astype(d), order=0, id=f"{np.dtype(src).name}-to-float"))
add(row("Fill", lambda v: tf.fill([2, 3], v), u(), ref=lambda v: np.full([2, 3], v), order=2))
add(row("Fill Shape", lambda x: tf.zeros(tf.shape(x)), u(2, 3), ref=np.zeros_like,
        out_dtype=np.float32, order=0, id="zeros-of-shape"))
add(row("Fill", lambda x: tf.ones([tf.shape(x)[0], 2], tf.int32), u(2, 3),
        ref=lambda x: np.ones((2, 2), np.int32), order=0, id="ones-of-tensor-dims"))

# ---- slicing --------------------------------------------------------------------------------
for key in [1, -1, (0, 2), (slice(None), 1), (slice(1, None), slice(None, 2)),
            (slice(None, None, -1),), (slice(None), slice(None, None, -2)), (slice(2, 0, -1), 0),
            (Ellipsis, 1), (0, Ellipsis), (None, 1), (slice(None), None, 0), (Ellipsis, None),
            (1, slice(-2, None), slice(None, None, 3)), (slice(-1, None), Ellipsis, None, -1),
            (slice(5, 10),), (Ellipsis, slice(None, None, 2)), (None, 1, Ellipsis),
            (0, slice(1, None), slice(None, None, -2))]:
    add(row("StridedSlice StridedSliceGrad", lambda x, k=key: x[k], u(2, 3, 4),
            ref=lambda x, k=key: x[k], order=2, id=str(key)))
add(row("StridedSlice", lambda x: x[1:, ::2], u(4, 3), ref=lambda x: x[1:, ::2], order=2,
        id="unknown-dims"))
add(row("StridedSlice", lambda x: x[0] * x[1] + x[:, 0], u(3, 3),
        ref=lambda x: x[0] * x[1] + x[:, 0], order=2, id="repeated"))
add(row("DynamicSlice DynamicSliceGrad",
        lambda x: x[tf.placeholder_with_default(1, []), 1:]
        * x[::-1][:, :tf.placeholder_with_default(2, [])], u(3, 2),
        ref=lambda x: x[1, 1:] * x[::-1][:, :2], order=2, exact_shape=False))
for begin, size in [([0, 0, 0], [2, 3, 4]), ([1, 0, 2], [1, -1, 2]), ([0, 2, 0], [-1, 1, -1]),
                    ([1, 1, 1], [0, 2, 3])]:
    add(row("Slice SliceGrad", lambda x, b=begin, s=size: tf.slice(x, b, s), u(2, 3, 4),
            ref=lambda x, b=begin, s=size: x[tuple(slice(i, None if n == -1 else i + n)
                                                   for i, n in zip(b, s))],
            order=2, id=f"{begin}-{size}"))

# ---- joining and splitting ------------------------------------------------------------------
for axis in (0, 1, -1):
    add(row("Pack Unpack", lambda a, b, c, axis=axis: tf.stack([a, b, c], axis=axis), u(2, 3),
            u(2, 3), u(2, 3), ref=lambda a, b, c, axis=axis: np.stack([a, b, c], axis), order=2,
            id=f"axis{axis}"))
    add(row("Unpack Pack", lambda x, axis=axis: tf.unstack(x, axis=axis), u(2, 3, 4),
            ref=lambda x, axis=axis: list(np.moveaxis(x, axis, 0)), order=2,
            unknown=False, id=f"axis{axis}"))
add(row("Pack", lambda x: tf.stack([x, 2.0]), u(), ref=lambda x: np.array([x, 2.0]), order=2,
        id="python-scalar"))
add(row("Unpack", lambda x: tf.unstack(x)[0], u(1, 3), ref=lambda x: x[0], unknown=False,
        id="one"))
for axis in (0, 1, -1):
    add(row("ConcatV2 ConcatGrad", lambda a, b, axis=axis: tf.concat([a, b, a], axis), u(2, 3),
            u(2, 3), ref=lambda a, b, axis=axis: np.concatenate([a, b, a], axis), order=2,
            id=f"axis{axis}"))
add(row("ConcatV2", lambda a, b: tf.concat([dyn(a), b], 0), u(1, 3), u(2, 3),
        ref=lambda a, b: np.concatenate([a, b]), order=2, id="partly-unknown", exact_shape=False))
add(row("ConcatV2", lambda x: tf.concat([x, [[9.0, 9.0, 9.0]]], 0), u(2, 3),
        ref=lambda x: np.concatenate([x, np.full((1, 3), 9.0)]), order=2, id="python-list"))


def split_ref(x, spec, axis):
    if isinstance(spec, int):
        return np.split(x, spec, axis)
    sizes = [x.shape[axis] - sum(s for s in spec if s != -1) if s == -1 else s for s in spec]
    return np.split(x, np.cumsum(sizes)[:-1], axis)


for spec, axis in [(2, 0), (3, 1), ([1, 2], 1), ([2, -1, 1], 2), ([0, 3], 1), (1, -1),
                   ([2, 0, 1, 1], 2)]:
    add(row("Split" if isinstance(spec, int) else "SplitV",
            lambda x, s=spec, a=axis: tf.split(x, s, a), u(2, 3, 4),
            ref=lambda x, s=spec, a=axis: split_ref(x, s, a), order=2, id=f"{spec}-axis{axis}"))
for mult in ([1, 1], [2, 1], [2, 3], [0, 2]):
    add(row("Tile TileGrad", lambda x, m=mult: tf.tile(x, m), u(2, 3),
            ref=lambda x, m=mult: np.tile(x, m), order=2, id=str(mult)))
for mode in ("CONSTANT", "REFLECT", "SYMMETRIC", "reflect"):
    for pads in ([[1, 0], [2, 2]], [[0, 0], [1, 1]], [[1, 1], [0, 2]]):
        add(row("Pad PadGrad", lambda x, m=mode, p=pads: tf.pad(x, p, m), u(3, 3),
                ref=lambda x, m=mode, p=pads: np.pad(x, p, m.lower()), order=2,
                id=f"{mode}-{pads}"))
add(row("Pad", lambda x: tf.pad(x, [[0, 1], [1, 0]], constant_values=2.0), u(2, 3),
        ref=lambda x: np.pad(x, [[0, 1], [1, 0]], constant_values=2.0), id="constant-values"))
add(row("Pad", lambda x: tf.pad(x, [[1, 1], [0, 1]], constant_values=7),
        np.arange(4, dtype=np.int32).reshape(2, 2),
        ref=lambda x: np.pad(x, [[1, 1], [0, 1]], constant_values=7), id="int"))

# ---- gather, one_hot, boolean_mask, sequence_mask -------------------------------------------
for axis in (0, 1, 2, -1):
    for idx in ([1, 0, 1], [[0, 1], [1, 1]], 1):
        # along axis 0 the gradient is an IndexedSlices (made dense: UnsortedSegmentSum)
        add(row("GatherV2 " + ("UnsortedSegmentSum" if axis == 0 else "GatherGrad"),
                lambda x, i, a=axis: tf.gather(x, i, axis=a), u(2, 3, 4),
                np.array(idx, np.int32), ref=lambda x, i, a=axis: np.take(x, i, axis=a),
                order=2, id=f"axis{axis}-{idx}"))
    add(row("GatherV2", lambda x, i, a=axis: tf.gather(x, i, axis=a), u(2, 3, 4),
            np.array([1, 0, 1]), ref=lambda x, i, a=axis: np.take(x, i, axis=a),
            id=f"axis{axis}-int64"))
add(row("GatherV2", lambda x: tf.gather(x, [[0, 2], [2, 2]]), u(3, 2),
        ref=lambda x: x[[[0, 2], [2, 2]]], order=2, id="constant-indices"))
add(row("UnsortedSegmentSum GatherV2",
        lambda x, i: tf.math.unsorted_segment_sum(x, i, 4), u(5, 3),
        np.array([3, 0, 3, 1, 0], np.int32), order=2,
        ref=lambda x, i: np.stack([x[i == k].sum(0) for k in range(4)])))
add(row("UnsortedSegmentSum", lambda x, i: tf.unsorted_segment_sum(x, i, 3), u(2, 2, 3),
        np.array([[2, 0], [2, 2]], np.int32), id="2d-ids",
        ref=lambda x, i: np.stack([x[i == k].sum(0) for k in range(3)])))
add(row("DynamicPartition DynamicStitch GatherV2",
        lambda x, p: tf.dynamic_partition(x, p, 3), u(5, 2), np.array([2, 0, 2, 1, 2], np.int32),
        ref=lambda x, p: [x[p == k] for k in range(3)], exact_shape=False))
add(row("DynamicStitch GatherV2", lambda x, y: tf.dynamic_stitch([[0, 3], [2, 1]], [x, y]),
        u(2, 3), u(2, 3), ref=lambda x, y: np.stack([x[0], y[1], y[0], x[1]])))
for idx in ([[0, 1], [1, 2]], [[1]], [[0, 2, 3], [1, 0, 0]], [[[0, 0]], [[1, 1]]],
            [[0, 1], [1, 2], [0, 1]]):
    add(row("GatherNd GatherNdGrad", tf.gather_nd, u(2, 3, 4), np.array(idx, np.int32),
            ref=lambda x, i: x[tuple(np.moveaxis(i, -1, 0))], order=2, id=str(idx)))
for axis in (None, -1, 0, 1):
    add(row("OneHot", lambda i, a=axis: tf.one_hot(i, 3, axis=a), np.array([[0, 2], [3, 1]]),
            ref=lambda i, a=axis: np.moveaxis((i[..., None] == np.arange(3)).astype(np.float32),
                                              -1, -1 if a is None else a),
            order=0, id=f"axis{axis}"))
add(row("OneHot", lambda i: tf.one_hot(i, 2, on_value=5, off_value=-1), np.array([1, 0]),
        ref=lambda i: np.where(i[:, None] == np.arange(2), 5, -1).astype(np.int32), order=0,
        id="int-values"))
add(row("OneHot", lambda i: tf.one_hot(i, 2, dtype=tf.float64), np.array([1, 0]),
        ref=lambda i: (i[:, None] == np.arange(2)).astype(np.float64), order=0, id="float64"))
add(row("OneHot", lambda i: tf.one_hot(i, tf.constant(2), on_value=tf.constant(2.0)),
        np.array([1, 0]), ref=lambda i: 2 * (i[:, None] == np.arange(2)).astype(np.float32),
        order=0, id="tensor-values"))
MASK_RNG = np.random.default_rng(5)
for mask_shape, axis in [((2,), None), ((2, 3), None), ((3,), 1), ((3, 4), 1), ((2, 3, 4), 0)]:
    add(row("Where GatherV2", lambda x, m, a=axis: tf.boolean_mask(x, m, axis=a), u(2, 3, 4),
            MASK_RNG.uniform(size=mask_shape) > 0.4,
            ref=lambda x, m, a=axis: x[(slice(None),) * (a or 0) + (m,)], order=2,
            exact_shape=False, id=f"boolean_mask-{mask_shape}-axis{axis}"))
for maxlen in (None, 4, 2):
    for dtype in (tf.bool, tf.float32):
        add(row("Range Less ExpandDims", lambda n, m=maxlen, d=dtype: tf.sequence_mask(n, m, d),
                np.array([1, 3, 0], np.int32),
                ref=lambda n, m=maxlen, d=dtype: (np.arange(n.max() if m is None else m)
                                                  < n[:, None]).astype(d.as_numpy_dtype),
                order=0, exact_shape=maxlen is not None, id=f"sequence_mask-{maxlen}-{dtype}"))

# ---- reverse, broadcast_to, ranges, unique, meshgrid ----------------------------------------
for axis in ([0], [1, 2], [-1], [], [0, 2]):
    add(row("ReverseV2", lambda x, a=axis: tf.reverse(x, a), u(2, 3, 4),
            ref=lambda x, a=axis: np.flip(x, tuple(a)), order=2, id=str(axis)))
for src, dst in [((3,), (2, 3)), ((2, 1), (2, 3)), ((), (2, 2)), ((1, 3), (2, 2, 3)),
                 ((3, 1), (2, 3, 2)), ((2, 3), (2, 3))]:
    add(row("BroadcastTo", lambda x, d=dst: tf.broadcast_to(x, d), u(*src),
            ref=lambda x, d=dst: np.broadcast_to(x, d), order=2, id=f"{src}-{dst}"))
add(row("Range", lambda a, b: tf.range(a, b, 2), np.int32(1), np.int32(8),
        ref=lambda a, b: np.arange(a, b, 2, dtype=np.int32), order=0, exact_shape=False))
add(row("Range", lambda a: tf.range(a, 1.0, 0.25), np.float32(-0.5),
        ref=lambda a: np.arange(a, 1.0, 0.25), order=0, id="float", exact_shape=False))
add(row("LinSpace", lambda a, b: tf.linspace(a, b, 5), np.float64(-1.0), np.float64(2.0),
        ref=lambda a, b: np.linspace(a, b, 5), order=0))
add(row("LinSpace", lambda a: tf.linspace(a, 1.0, 5), np.float64(0.0),
        ref=lambda a: np.linspace(a, 1, 5), order=0, id="python-stop"))
add(row("Unique", tf.unique, np.array([4, 1, 4, 2, 1, 7], np.int32),
        ref=lambda x: [np.array([4, 1, 2, 7], np.int32), np.array([0, 1, 0, 2, 1, 3], np.int32)],
        order=0, exact_shape=False))
for indexing in ("xy", "ij"):
    add(row("BroadcastTo Reshape", lambda x, y, i=indexing: tf.meshgrid(x, y, indexing=i), u(3),
            u(2), ref=lambda x, y, i=indexing: np.meshgrid(x, y, indexing=i), order=2,
            id=f"meshgrid-{indexing}"))
    add(row("BroadcastTo Reshape",
            lambda x, y, z, i=indexing: tf.meshgrid(x, y, z, indexing=i), u(3), u(2), u(4),
            ref=lambda x, y, z, i=indexing: np.meshgrid(x, y, z, indexing=i), order=2,
            id=f"meshgrid3-{indexing}"))


# ---- control flow ---------------------------------------------------------------------------
add(row("Cond", lambda x: tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: -x), pos(2, 3),
        ref=lambda x: x * x, order=2))
add(covered("NoOp", by="tests/ops/test_control_flow_ops.py::test_group_tuple_and_no_op",
            why="no outputs: nothing to compare or differentiate"))
add(covered("Assert", by="tests/ops/test_while_loop.py::test_case_and_assert",
            why="no outputs: it fails or not"))


def np_loop(x, w):
    h = x
    for _ in range(3):
        h = np.tanh(h * w + x)
    return h


add(row("While WhileGrad", lambda x, w: tf.while_loop(
    lambda k, h: k < 3, lambda k, h: (k + 1, tf.tanh(h * w + x)), (0, x))[1], u(2, 3), u(3),
    ref=np_loop))
add(row("While WhileGrad TensorArrayV3 TensorArrayScatterV3 TensorArrayReadV3 "
        "TensorArrayWriteV3 TensorArrayGatherV3 TensorArraySizeV3 TensorArrayGradWrite "
        "TensorArrayGradRead TensorArrayGradGather TensorArrayGradScatter",
        lambda x: tf.map_fn(lambda v: v * tf.reduce_sum(v), x), u(3, 2),
        ref=lambda x: x * x.sum(1, keepdims=True), id="map_fn"))


def np_reverse_sequence(x, lengths=(3, 1)):
    out = x.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = x[b, :n][::-1]
    return out


add(row("ReverseSequence", lambda x: tf.reverse_sequence(x, [3, 1], seq_axis=1, batch_axis=0),
        u(2, 3, 2), ref=np_reverse_sequence, order=2))


def np_fused_rnn(x, h0, w, b, c0=None, order="ijfo", forget_bias=0.0, wc=None, bc=None):
    hs, cs, h, c, d = [], [], h0, c0, x.shape[2]
    for xt in x:
        z = xt @ w[:d] + h @ w[d:] + b
        if wc is not None:  # TF1's GRU
            r, g = np.split(sigmoid(z), 2, axis=1)
            cand = np.tanh(xt @ wc[:d] + (r * h) @ wc[d:] + bc)
            h = g * h + (1 - g) * cand
        elif c0 is None:
            h = np.tanh(z)
        else:
            g = dict(zip(order.replace("c", "j"), np.split(z, 4, axis=1)))
            c = sigmoid(g["f"] + forget_bias) * c + sigmoid(g["i"]) * np.tanh(g["j"])
            h = sigmoid(g["o"]) * np.tanh(c)
            cs.append(c)
        hs.append(h)
    return [np.stack(hs)] + ([np.stack(cs)] if c0 is not None else [])


add(row("FusedRNN FusedRNNGrad", lambda x, h0, w, b: fused_rnn(x, h0, w, b), u(3, 2, 2),
        u(2, 3), small(5, 3), u(3), ref=np_fused_rnn, id="rnn"))
add(row("FusedRNN FusedRNNGrad",
        lambda x, h0, w, b, wc, bc: fused_rnn(x, h0, w, b, cell="gru", wc=wc, bc=bc),
        u(3, 2, 2), u(2, 3), small(5, 6), u(6), small(5, 3), u(3),
        ref=lambda x, h0, w, b, wc, bc: np_fused_rnn(x, h0, w, b, wc=wc, bc=bc), id="gru"))
for order in ("ijfo", "ifco"):
    add(row("FusedRNN FusedRNNGrad",
            lambda x, h0, c0, w, b, order=order: list(fused_rnn(x, h0, w, b, c0, "lstm", order,
                                                                0.5)),
            u(3, 2, 2), u(2, 3), u(2, 3), small(5, 12), u(12),
            ref=lambda x, h0, c0, w, b, order=order: np_fused_rnn(x, h0, w, b, c0, order, 0.5),
            id=f"lstm-{order}"))


def two_reads(x):
    ta = tf.TensorArray(x.dtype, size=2, clear_after_read=False).unstack(x)
    return ta.read(0) * ta.read(1) + ta.read(0)


add(row("TensorArrayGradAdd TensorArrayReadV3", two_reads, u(2, 3),
        ref=lambda x: x[0] * x[1] + x[0]))

# ---- softmax and cross-entropies ------------------------------------------------------------
LOGITS = u(4, 5, lo=-3.0, hi=3.0)
LABELS = np.array([1, 0, 4, 2])
PROBS = np.random.default_rng(0).dirichlet(np.ones(5), size=4)


def np_log_softmax(x, axis=-1):
    z = x - x.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


for axis in (-1, 0):
    add(row("Softmax", lambda x, a=axis: tf.nn.softmax(x, axis=a), LOGITS,
            ref=lambda x, a=axis: np.exp(np_log_softmax(x, a)), order=2, id=f"axis{axis}"))
    add(row("LogSoftmax", lambda x, a=axis: tf.nn.log_softmax(x, axis=a), LOGITS,
            ref=lambda x, a=axis: np_log_softmax(x, a), order=2, id=f"axis{axis}"))
add(row("SparseSoftmaxCrossEntropyWithLogits",
        lambda x, y: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x), LOGITS,
        LABELS, ref=lambda x, y: -np_log_softmax(x)[np.arange(4), y]))
add(row("SoftmaxCrossEntropyWithLogits",
        lambda x, p: tf.nn.softmax_cross_entropy_with_logits_v2(labels=p, logits=x), LOGITS,
        PROBS, ref=lambda x, p: -(p * np_log_softmax(x)).sum(-1)))
add(row("InTopK", lambda p, t: tf.nn.in_top_k(p, t, 2), LOGITS, LABELS,
        ref=lambda p, t: (p > p[np.arange(4), t][:, None]).sum(1) < 2, order=0))

# ---- activations (each gradient is its own op, for second derivatives) ----------------------
SCALE, ALPHA = 1.0507009873554805, 1.6732632423543772
X = np.array([[-3.0, -0.5, 0.3, 2.0], [1.7, 5.0, 7.0, -1.2]])
erf = np.vectorize(math.erf)
for ops, fn, ref, x in [
    ("Relu6 Relu6Grad", tf.nn.relu6, lambda x: np.clip(x, 0, 6), X),
    ("Elu EluGrad", tf.nn.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1), X),
    ("Selu SeluGrad", tf.nn.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(x)), X),
    ("LeakyRelu LeakyReluGrad", tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), X),
    ("LeakyRelu", lambda x: tf.nn.leaky_relu(x, alpha=0.01),
     lambda x: np.where(x > 0, x, 0.01 * x), X),
    ("Softplus SoftplusGrad", tf.nn.softplus, lambda x: np.log1p(np.exp(x)), X),
    ("Softsign SoftsignGrad", tf.nn.softsign, lambda x: x / (1 + np.abs(x)), X),
    ("Softplus Neg", tf.nn.log_sigmoid, lambda x: np.log(sigmoid(x)), X),
    ("Sigmoid Mul", tf.nn.swish, lambda x: x * sigmoid(x), X),
    # gelu's second derivative at 7 is ~1e-10, below what finite differences resolve
    ("Gelu GeluGrad", tf.nn.gelu, lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))), X / 2),
    ("Tanh", lambda x: tf.nn.gelu(x, approximate=True),
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), X / 2),
]:
    add(row(ops, fn, x, ref=ref, order=2))

# ---- bias_add, norms, top_k, batch norm -----------------------------------------------------
add(row("BiasAdd", tf.nn.bias_add, u(4, 3), u(3), ref=np.add, order=2))
add(row("BiasAdd", tf.nn.bias_add, u(2, 2, 3), u(3), ref=np.add, order=2, id="rank3"))
add(row("L2Loss", tf.nn.l2_loss, u(2, 3), ref=lambda x: np.sum(x * x) / 2, order=2))
for axis in (1, 0):
    add(row("Rsqrt Maximum Sum", lambda x, a=axis: tf.nn.l2_normalize(x, a), u(2, 4),
            ref=lambda x, a=axis: x / np.sqrt((x ** 2).sum(a, keepdims=True)), order=2,
            id=f"l2_normalize-axis{axis}"))
add(row("TopKV2 ScatterAlongLastAxis TakeAlongLastAxis", lambda x: tf.nn.top_k(x, 2),
        distinct(3, 4), ref=lambda x: [np.sort(x)[:, ::-1][:, :2],
                                       np.argsort(-x)[:, :2].astype(np.int32)], order=2))


def np_batch_norm(x, s, o, axes=(0, 1, 2)):
    m, v = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - m) / np.sqrt(v + 0.001) * s + o


MEAN4, VAR4 = u(4), pos(4)  # inference statistics: constants (TF gives them no gradient)
add(row("FusedBatchNorm FusedBatchNormGrad",
        lambda x, s, o: tf.nn.fused_batch_norm(x, s, o)[0], u(3, 2, 2, 4), pos(4), u(4),
        ref=np_batch_norm, rtol=1e-4, order=2))
add(row("FusedBatchNorm FusedBatchNormGrad",
        lambda x, s, o: tf.nn.fused_batch_norm(x, s, o, MEAN4, VAR4, is_training=False)[0],
        u(3, 2, 2, 4), pos(4), u(4),
        ref=lambda x, s, o: (x - MEAN4) / np.sqrt(VAR4 + 0.001) * s + o, id="inference",
        order=2))

# ---- convolution, pooling, LRN (NumPy references: the definitions, one output at a time) ----
def _pad_out(size, k, s, d, padding):
    eff = (k - 1) * d + 1
    if padding == "VALID":
        return 0, (size - eff) // s + 1
    if padding == "SAME":
        out = -(-size // s)
        return max((out - 1) * s + eff - size, 0) // 2, out
    return padding[0], (size + padding[0] + padding[1] - eff) // s + 1


def np_conv(x, w, strides=(1, 1), padding="SAME", dil=(1, 1), depthwise=False):
    """Every output pixel: the sum over taps reading the (zero-)padded input."""
    n, h, wd, c = x.shape
    ph, pw = (padding, padding) if isinstance(padding, str) else padding
    (pt, oh), (pl, ow) = (_pad_out(h, w.shape[0], strides[0], dil[0], ph),
                          _pad_out(wd, w.shape[1], strides[1], dil[1], pw))
    out = np.zeros((n, oh, ow, c * w.shape[3] if depthwise else w.shape[3]))
    for i, j, a, b in np.ndindex(oh, ow, w.shape[0], w.shape[1]):
        y, z = i * strides[0] + a * dil[0] - pt, j * strides[1] + b * dil[1] - pl
        if 0 <= y < h and 0 <= z < wd:
            out[:, i, j] += (x[:, y, z, :, None] * w[a, b]).reshape(n, -1) if depthwise \
                else x[:, y, z] @ w[a, b]
    return out


def np_conv_transpose(y, w, out_shape, strides, padding):
    """The adjoint of np_conv: each input pixel's contribution scattered back."""
    x = np.zeros(out_shape)
    (pt, _), (pl, _) = (_pad_out(out_shape[1], w.shape[0], strides[0], 1, padding),
                        _pad_out(out_shape[2], w.shape[1], strides[1], 1, padding))
    for i, j, a, b in np.ndindex(y.shape[1], y.shape[2], w.shape[0], w.shape[1]):
        r, c = i * strides[0] + a - pt, j * strides[1] + b - pl
        if 0 <= r < out_shape[1] and 0 <= c < out_shape[2]:
            x[:, r, c] += y[:, i, j] @ w[a, b].T
    return x


def np_pool(x, k, s, padding, reduce):
    n, h, wd, c = x.shape
    (pt, oh), (pl, ow) = _pad_out(h, k[0], s[0], 1, padding), _pad_out(wd, k[1], s[1], 1, padding)
    out = np.zeros((n, oh, ow, c))
    for i, j in np.ndindex(oh, ow):
        y0, z0 = i * s[0] - pt, j * s[1] - pl
        out[:, i, j] = reduce(x[:, max(y0, 0):y0 + k[0], max(z0, 0):z0 + k[1]], axis=(1, 2))
    return out


IMG, FILT = u(2, 5, 4, 3), u(3, 2, 3, 2)
for case, strides, padding, dil in [
        ("same", [1, 1], "SAME", [1, 1]), ("valid", [1, 1], "VALID", [1, 1]),
        ("strided", [2, 2], "SAME", [1, 1]), ("strided-valid", [2, 3], "VALID", [1, 1]),
        ("dilated", [1, 1], "SAME", [2, 2]), ("dilated-strided", [2, 1], "VALID", [1, 2]),
        ("explicit", [1, 2], ((2, 1), (0, 3)), [1, 1])]:
    tf_pad = padding if isinstance(padding, str) else [[0, 0], *padding, [0, 0]]
    add(row("Conv2D Conv2DBackpropInput Conv2DBackpropFilter",
            lambda x, w, s=strides, p=tf_pad, d=dil: tf.nn.conv2d(x, w, s, p, dilations=d),
            IMG, FILT, ref=lambda x, w, s=strides, p=padding, d=dil: np_conv(x, w, s, p, d),
            order=2, id=case))
add(row("Conv2D", lambda x, w: tf.nn.atrous_conv2d(x, w, 2, "SAME"), IMG, FILT,
        ref=lambda x, w: np_conv(x, w, dil=(2, 2)), id="atrous"))
add(row("Conv2D ExpandDims Squeeze", lambda x, w: tf.nn.conv1d(x, w, 2, "SAME"), u(2, 7, 3),
        u(3, 3, 2), ref=lambda x, w: np_conv(x[:, None], w[None], (1, 2))[:, 0], order=2,
        id="conv1d"))
add(row("Conv2DBackpropInput Conv2D Conv2DBackpropFilter",
        lambda y, w: tf.nn.conv2d_transpose(y, w, [2, 5, 4, 3], [1, 2, 2, 1], "SAME"),
        u(2, 3, 2, 2), FILT, ref=lambda y, w: np_conv_transpose(y, w, (2, 5, 4, 3), (2, 2),
                                                                 "SAME"),
        order=2, unknown=False, id="transpose"))
add(row("DepthwiseConv2dNative DepthwiseConv2dNativeBackpropInput "
        "DepthwiseConv2dNativeBackpropFilter",
        lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 1, 1], "SAME"), IMG, FILT,
        ref=lambda x, w: np_conv(x, w, (2, 1), depthwise=True), order=2))
add(row("DepthwiseConv2dNative", lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1],
                                                                      "VALID", rate=[2, 1]),
        IMG, FILT, ref=lambda x, w: np_conv(x, w, padding="VALID", dil=(2, 1), depthwise=True),
        id="dilated"))
add(row("DepthwiseConv2dNative Conv2D",
        lambda x, w, p: tf.nn.separable_conv2d(x, w, p, [1, 1, 1, 1], "SAME"), IMG, FILT,
        u(1, 1, 6, 2), ref=lambda x, w, p: np_conv(x, w, depthwise=True) @ p[0, 0],
        id="separable"))
for case, k, s, padding in [("2x2-same", [2, 2], [2, 2], "SAME"),
                            ("3x3-s2-same", [3, 3], [2, 2], "SAME"),
                            ("3x2-valid", [3, 2], [1, 1], "VALID"),
                            ("2x3-s3x1-valid", [2, 3], [3, 1], "VALID")]:
    add(row("MaxPool MaxPoolGrad MaxPoolGradGrad",
            lambda x, k=k, s=s, p=padding: tf.nn.max_pool(x, [1, *k, 1], [1, *s, 1], p),
            distinct(2, 5, 4, 3), ref=lambda x, k=k, s=s, p=padding: np_pool(x, k, s, p, np.max),
            order=2, id=case))
    add(row("AvgPool AvgPoolGrad",
            lambda x, k=k, s=s, p=padding: tf.nn.avg_pool(x, [1, *k, 1], [1, *s, 1], p),
            u(2, 5, 4, 3), ref=lambda x, k=k, s=s, p=padding: np_pool(x, k, s, p, np.mean),
            order=2, id=case))
add(row("MaxPool ExpandDims Squeeze", lambda x: tf.nn.max_pool1d(x, 3, 2, "SAME"),
        distinct(2, 7, 3), ref=lambda x: np_pool(x[:, None], (1, 3), (1, 2), "SAME",
                                                 np.max)[:, 0], id="1d"))
add(row("AvgPool ExpandDims Squeeze", lambda x: tf.nn.avg_pool1d(x, 3, 2, "VALID"),
        u(2, 7, 3), ref=lambda x: np_pool(x[:, None], (1, 3), (1, 2), "VALID",
                                          np.mean)[:, 0], id="1d"))
add(row("BiasAdd", lambda x, b: tf.nn.bias_add(x, b, data_format="NCHW"), u(2, 3, 2, 2), u(3),
        ref=lambda x, b: x + b[:, None, None], order=2, id="nchw"))


def np_lrn(x, r=2, bias=1.5, alpha=0.3, beta=0.75):
    s = np.stack([np.sum(x[..., max(0, d - r):d + r + 1] ** 2, -1) for d in range(x.shape[-1])],
                 -1)
    return x / (bias + alpha * s) ** beta


add(row("LRN LRNGrad", lambda x: tf.nn.lrn(x, 2, 1.5, 0.3, 0.75), u(2, 2, 3, 7), ref=np_lrn,
        dtypes=[np.float64]))  # float32 is checked by tests/ops/test_conv_ops.py::test_lrn


# ---- image ops ------------------------------------------------------------------------------
def np_resize(x, size, nearest, align, half):
    """Each output pixel sampled as TF does (positions in float32)."""
    def source(n_in, n_out, i):
        f32 = np.float32
        scale = f32(n_in - 1) / f32(n_out - 1) if align and n_out > 1 else f32(n_in) / f32(n_out)
        if nearest:
            p = (f32(i) + f32(0.5)) * scale if half else f32(i) * scale
            k = int(np.floor(p + f32(0.5)) if align else np.floor(p))
            return [(min(max(k, 0), n_in - 1), 1.0)]
        p = (f32(i) + f32(0.5)) * scale - f32(0.5) if half else f32(i) * scale
        lo = np.floor(p)
        return [(min(max(int(lo), 0), n_in - 1), 1 - float(p - lo)),
                (min(int(np.ceil(p)), n_in - 1), float(p - lo))]
    out = np.zeros((x.shape[0], *size, x.shape[3]))
    for i, j in np.ndindex(*size):
        for a, wa in source(x.shape[1], size[0], i):
            for b, wb in source(x.shape[2], size[1], j):
                out[:, i, j] += wa * wb * x[:, a, b]
    return out


for case, align, half in [("legacy", False, False), ("align", True, False),
                          ("half-pixel", False, True)]:
    add(row("ResizeBilinear ResizeBilinearGrad",
            lambda x, a=align, h=half: tf.image.resize_bilinear(x, [5, 3], a,
                                                                half_pixel_centers=h),
            u(2, 3, 4, 2), ref=lambda x, a=align, h=half: np_resize(x, (5, 3), False, a, h),
            order=2, id=case))
    add(row("ResizeNearestNeighbor ResizeNearestNeighborGrad",
            lambda x, a=align, h=half: tf.image.resize_nearest_neighbor(x, [5, 3], a,
                                                                        half_pixel_centers=h),
            u(2, 3, 4, 2), ref=lambda x, a=align, h=half: np_resize(x, (5, 3), True, a, h),
            order=2, id=case))
add(row("SpaceToDepth DepthToSpace", lambda x: tf.space_to_depth(x, 2), u(2, 4, 6, 3),
        ref=lambda x: x.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 3, 12),
        order=2))
add(row("DepthToSpace SpaceToDepth", lambda x: tf.depth_to_space(x, 2), u(2, 2, 3, 8),
        ref=lambda x: x.reshape(2, 2, 3, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(2, 4, 6, 2),
        order=2))

# ---- stateful, random and IO ops: checked by their own tests --------------------------------
RANDOM = "tests/ops/test_random_ops.py::"
add(covered("RandomStandardNormal TruncatedNormal RandomUniform RandomUniformInt",
            by=RANDOM + "test_distributions_and_dtypes", why="random: no reference values"))
add(covered("Multinomial RandomShuffle", by=RANDOM + "test_shuffle_and_multinomial",
            why="random: no reference values"))
add(covered("Dropout", by="tests/ops/test_nn_ops.py::test_dropout_gradient_is_the_mask",
            why="a random mask: finite differences would draw a new one per run"))
add(covered("StatefulStandardNormalV2 StatefulUniform StatefulTruncatedNormal StatefulUniformInt "
            "StatefulUniformFullInt StatefulRandomBinomial RngReadAndSkip "
            "StatelessRandomNormalV2 StatelessRandomUniformV2 StatelessTruncatedNormalV2 "
            "StatelessRandomUniformIntV2 StatelessRandomUniformFullIntV2",
            by="tests/test_random_generator.py::test_seeded_streams_and_state_match_tensorflow",
            why="random: checked against TF 2.21's Philox numbers"))
add(covered("LogUniformCandidateSampler UniformCandidateSampler FixedUnigramCandidateSampler "
            "LearnedUnigramCandidateSampler",
            by="tests/nn/test_sampled_losses.py::test_log_uniform_sampler_draws_zipf",
            why="random: distributions checked statistically, expected counts against TF"))
add(row("ComputeAccidentalHits",
        lambda t, s: tf.nn.compute_accidental_hits(t, s, num_true=2),
        np.array([[3, 5], [7, 1], [0, 11]], np.int64), np.array([2, 7, 0, 11, 5], np.int64),
        ref=lambda t, s: [np.array([0, 1, 2, 2], np.int32), np.array([4, 1, 2, 3]),
                          np.full(4, -np.finfo(np.float32).max, np.float32)],
        exact_shape=False))
VARS = "tests/test_variables.py::"
add(covered("VariableV2 Assign VariableOrInitialValue",
            by=VARS + "test_initializer_assign_initialized_value_load", why="session state"))
add(covered("AssignAdd AssignSub", by=VARS + "test_assign_add_sub_and_methods",
            why="session state"))
add(covered("StridedSliceAssign",
            by=VARS + "test_sliced_assignment_in_a_graph_returns_the_new_value",
            why="session state"))
add(covered("PrintV2", by="tests/test_def_function.py::test_tf_print_runs_at_every_call",
            why="prints: its output is text, not a tensor"))
add(covered("ReadVariableOp", by="tests/client/test_eager.py::"
            "test_tape_gradient_matches_finite_differences_through_a_variable",
            why="reads an eager variable's cell: eager state"))
add(covered("IsVariableInitialized ReportUninitializedVariables",
            by=VARS + "test_is_initialized_and_variables_initializer", why="session state"))
add(covered(" ".join(rules.OP_TYPES),  # the optimizer rule table's apply ops
            by="tests/train/test_optimizer_reference.py::test_rule_matches_tensorflow",
            why="update variables in place"))
add(covered("ScalarSummary HistogramSummary TextSummary MergeSummary",
            by="tests/summary/test_summary_ops.py::test_histogram_text_merge_and_merge_all",
            why="serialized protocol buffers, not arrays"))
add(covered("SaveV2 RestoreV2 StringJoin ShardedFilename MergeV2Checkpoints "
            "StaticRegexFullMatch",
            by="tests/train/test_saver_ops.py::test_tensorflow_sharded_save_graph_runs",
            why="files"))
add(covered("NumpyInputBatches",
            by="tests/estimator/test_estimator.py::test_numpy_input_fn_in_a_graph_ends_with_out_of_range",
            why="a stateful input queue"))
add(covered("MakeIterator IteratorGetNext",
            by="tests/data/test_dataset_ops.py::test_map_filter_and_a_captured_placeholder_fed_at_initialization",
            why="stateful dataset iterators"))
add(covered("ParseExample SparseToDense",
            by="tests/data/test_records.py::test_tfrecord_round_trip_through_a_dataset",
            why="parses serialized protocol buffers"))
add(covered("QueueEnqueueV2 QueueDequeueV2 QueueCloseV2 QueueSizeV2 QueueIsClosedV2",
            by="tests/train/test_input_queues.py::test_fifo_queue_enqueue_dequeue_size_close",
            why="stateful, blocking queues"))
add(covered("LimitEpochs ReaderReadV2",
            by="tests/train/test_input_queues.py::"
               "test_csv_files_through_readers_producers_and_shuffle_batch",
            why="stateful file readers and epoch counters"))
add(covered("DecodeRaw DecodeCSV",
            by="tests/data/test_records.py::test_text_lines_decode_csv_and_decode_raw",
            why="decode strings"))

add(row("CheckNumerics", lambda x: tf.check_numerics(x, "x"), u(2, 3), ref=lambda x: x,
        order=2))
add(covered("Print",
            by="tests/ops/test_check_ops.py::test_tf1_print_passes_its_input_and_prints_data",
            why="it prints"))
add(covered("ImageSummary AudioSummaryV2",
            by="tests/summary/test_image_audio.py::test_audio_summary_holds_wav_clips",
            why="serialized protocol buffers, not arrays"))
add(covered("StringToNumber AsString",
            by="tests/ops/test_string_ops.py::test_to_number_and_as_string",
            why="string tensors"))
add(covered("HorovodAllreduce HorovodBroadcast HorovodAllgather",
            by="tests/horovod/test_horovod.py::test_collectives_on_two_ranks",
            why="collectives across MPI ranks"))
add(covered("CondSaved",
            by="tests/ops/test_control_flow_ops.py::"
               "test_a_cond_gradient_reuses_the_random_values_its_branch_drew",
            why="reads the values a Cond recorded in this run"))

OP_ROWS = [r for r in ROWS if not hasattr(r, "why")]


@pytest.mark.parametrize("r", OP_ROWS, ids=row_ids(OP_ROWS))
def test_op(r):
    check_row(r)


def test_every_op_type_has_a_row():
    problems = missing_rows(ROWS, root=str(Path(__file__).parents[2]))
    assert not problems, "\n".join(problems)
