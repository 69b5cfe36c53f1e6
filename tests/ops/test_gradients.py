"""Every differentiable op of math_ops.py and array_ops.py against finite differences.

One table of cases: (id, function of float64 placeholders, inputs, options). Inputs are
domain-aware (positive for log/sqrt, away from kinks for abs/relu/max, well-conditioned
matrices), small, and fixed by a seed. ``second_order=True`` also checks the gradient of the
gradient. The same table runs again in float32 to check that no gradient op promotes dtypes.
"""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.framework.ops import apply_op
from tensorfluxo.framework.registry import defop
from tensorfluxo.ops import math_ops as M
from tensorfluxo.testing import check_gradients

R = np.random.default_rng(2)


def u(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, shape)


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def nz(*shape):
    """Away from zero (kinks of abs/relu/sign, poles of 1/x)."""
    return R.uniform(0.5, 2.0, shape) * R.choice([-1.0, 1.0], shape)


def distinct(*shape):
    """Values at least 0.1 apart: no ties for max/min."""
    n = int(np.prod(shape))
    return (R.permutation(n) * 0.1 - n * 0.05 + R.uniform(0, 0.02, n)).reshape(shape)


def spd(n, batch=()):
    return u(*batch, n, n, lo=-0.5, hi=0.5) + 2 * np.eye(n)


def dyn(t, rank=None):
    """``t`` with unknown static dims, so gradients take their run-time paths."""
    return tf.placeholder_with_default(t, [None] * (t.shape.ndims if rank is None else rank))


CASES = []  # (id, fn, inputs, options)


def case(id_, fn, *inputs, **options):
    CASES.append(pytest.param(fn, list(inputs), options, id=id_))


# ---- elementwise unary (second order) -----------------------------------------------------
for name, fn, domain in [
    ("neg", tf.negative, u), ("abs", tf.abs, nz), ("square", tf.square, u),
    ("sqrt", tf.sqrt, pos), ("rsqrt", tf.rsqrt, pos), ("exp", tf.exp, u), ("log", tf.log, pos),
    ("log1p", tf.log1p, pos), ("expm1", tf.expm1, u), ("sin", tf.sin, u), ("cos", tf.cos, u),
    ("tan", lambda x: tf.tan(x), lambda *s: u(*s, lo=-1, hi=1)),
    ("reciprocal", tf.reciprocal, nz), ("tanh", tf.tanh, u), ("sigmoid", tf.sigmoid, u),
    ("relu", M.relu, nz), ("pos_operator", lambda x: +x * x, u),
]:
    case(f"unary-{name}", fn, domain(2, 3), second_order=True)

# ---- elementwise binary with broadcasting (second order) ----------------------------------
SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]
for name, fn, dx, dy in [
    ("add", tf.add, u, u), ("sub", tf.subtract, u, u), ("mul", tf.multiply, u, u),
    ("truediv", tf.truediv, u, nz), ("pow", tf.pow, pos, u), ("maximum", tf.maximum, u, u),
    ("minimum", tf.minimum, u, u), ("squared_difference", tf.squared_difference, u, u),
    ("floormod", tf.floormod, lambda *s: u(*s, lo=0.1, hi=0.9) + 3, lambda *s: pos(*s) + 1),
]:
    for sx, sy in SHAPES:
        case(f"binary-{name}-{sx}-{sy}", fn, dx(*sx), dy(*sy), second_order=True)
        if name in ("add", "mul", "maximum"):
            case(f"binary-{name}-{sy}-{sx}", fn, dx(*sy), dy(*sx), second_order=True)
case("binary-unknown-shapes", lambda x, y: dyn(x) * dyn(y) + dyn(y), u(2, 3), u(3),
     second_order=True)
case("binary-unknown-shapes-2", lambda x, y: dyn(x) / dyn(y), u(2, 1), nz(1, 3),
     second_order=True)
case("pow-python-scalar", lambda x: x ** 3 + 2 ** x, u(3), second_order=True)

# ---- matmul (second order) ----------------------------------------------------------------
for ta in (False, True):
    for tb in (False, True):
        case(f"matmul-ta{ta:d}-tb{tb:d}",
             lambda a, b, ta=ta, tb=tb: tf.matmul(a, b, transpose_a=ta, transpose_b=tb),
             u(3, 2) if ta else u(2, 3), u(4, 3) if tb else u(3, 4), second_order=True)
        case(f"batch_matmul-adj{ta:d}{tb:d}",
             lambda a, b, ta=ta, tb=tb: tf.matmul(a, b, adjoint_a=ta, adjoint_b=tb),
             u(2, 3, 2) if ta else u(2, 2, 3), u(2, 4, 3) if tb else u(2, 3, 4),
             second_order=True)
case("batch_matmul-broadcast", lambda a, b: tf.matmul(a, b), u(1, 2, 3), u(2, 3, 2),
     second_order=True)
case("batch_matmul-rank2-rank3", lambda a, b: a @ b, u(2, 3), u(2, 3, 2), second_order=True)
case("matmul-unknown-batch", lambda a, b: tf.matmul(dyn(a), b), u(3, 2), u(2, 2),
     second_order=True)

# ---- reductions ---------------------------------------------------------------------------
for name, fn, domain in [("sum", tf.reduce_sum, u), ("mean", tf.reduce_mean, u),
                         ("max", tf.reduce_max, distinct), ("min", tf.reduce_min, distinct),
                         ("prod", tf.reduce_prod, pos)]:
    for axis in (None, 0, 1, -1, [0, 2]):
        for keep in (False, True):
            case(f"reduce_{name}-axis{axis}-keep{keep:d}",
                 lambda x, fn=fn, axis=axis, keep=keep: fn(x, axis=axis, keepdims=keep),
                 domain(2, 3, 2), second_order=name in ("sum", "mean", "prod") and keep)
case("reduce_sum-unknown-shape", lambda x: tf.reduce_sum(dyn(x), 1), u(2, 3),
     second_order=True)
case("reduce_mean-unknown-shape", lambda x: tf.reduce_mean(dyn(x), [0]), u(2, 3),
     second_order=True)

# ---- add_n, where, cumsum, clip_by_value, linear algebra, tensordot ----------------------
case("add_n", lambda a, b, c: tf.add_n([a, b, c, a]), u(2, 3), u(2, 3), u(2, 3),
     second_order=True)
c23 = np.array([[True, False, True], [False, False, True]])
case("where", lambda x, y: tf.where(c23, x, y), u(2, 3), u(2, 3), second_order=True)
case("where-broadcast", lambda x, y: tf.where(np.array([True, False, True]), x, y), u(2, 3),
     u(3), second_order=True)
case("where-scalar", lambda x: tf.where(c23, x, 0.0), u(2, 3))
for excl in (False, True):
    for rev in (False, True):
        for axis in (0, 1):
            case(f"cumsum-ex{excl:d}-rev{rev:d}-axis{axis}",
                 lambda x, a=axis, e=excl, r=rev: tf.cumsum(x, a, exclusive=e, reverse=r),
                 u(3, 4), second_order=True)
case("clip_by_value", lambda x: tf.clip_by_value(x, -0.5, 0.5), nz(2, 3))
case("matrix_inverse", tf.matrix_inverse, spd(3), second_order=True)
case("matrix_inverse-batch", tf.matrix_inverse, spd(2, (2,)))
case("matrix_inverse-adjoint", lambda x: tf.matrix_inverse(x, adjoint=True), spd(3))
case("matrix_determinant", tf.matrix_determinant, spd(3), second_order=True)
case("matrix_determinant-batch", tf.matrix_determinant, spd(2, (3,)), second_order=True)
for axes, sb in [(1, (4, 2)), (2, (3, 4, 2)), ([[1], [0]], (3, 2)), ([[0, 2], [1, 0]], (4, 2, 3)),
                 (0, (2,))]:
    case(f"tensordot-{axes}", lambda a, b, axes=axes: tf.tensordot(a, b, axes), u(2, 3, 4),
         u(*sb), second_order=True)

# ---- shape ops ----------------------------------------------------------------------------
case("identity", lambda x: tf.identity(x) * x, u(2, 3), second_order=True)
case("placeholder_with_default", lambda x: dyn(x) * x, u(2, 3), second_order=True)
case("reshape", lambda x: tf.reshape(x, [3, -1]) * np.arange(6.0).reshape(3, 2), u(2, 3),
     second_order=True)
case("reshape-dynamic", lambda x: tf.reshape(dyn(x), [-1]), u(2, 3))
for perm in (None, [0, 2, 1], [2, 0, 1]):
    case(f"transpose-{perm}", lambda x, p=perm: tf.transpose(x, p), u(2, 3, 2),
         second_order=True)
case("expand_dims", lambda x: tf.expand_dims(x, 1) * u(2, 1, 3), u(2, 3), second_order=True)
case("squeeze", lambda x: tf.squeeze(x, [1]), u(2, 1, 3), second_order=True)
case("squeeze-all", lambda x: tf.squeeze(x), u(1, 3, 1))
for key in [1, -1, (slice(None), 1), (slice(None, None, -1),), (slice(2, 0, -1), 0),
            (Ellipsis, slice(None, None, 2)), (None, 1, Ellipsis), (slice(-1, None), None, 0),
            (0, slice(1, None), slice(None, None, -2))]:
    case(f"getitem-{key}", lambda x, k=key: x[k], u(3, 3, 4), second_order=True)
case("getitem-tensor-index", lambda x: x[tf.placeholder_with_default(1, []), 1:]
     * x[::-1][:, :tf.placeholder_with_default(2, [])], u(3, 2), second_order=True)
case("getitem-repeated", lambda x: x[0] * x[1] + x[:, 0], u(3, 3), second_order=True)
case("stack", lambda a, b: tf.stack([a, b, a], axis=1), u(2, 3), u(2, 3), second_order=True)
case("unstack", lambda x: tf.unstack(x, axis=1)[2] * tf.unstack(x, axis=1)[0], u(2, 3),
     second_order=True)
case("unstack-one", lambda x: tf.unstack(x)[0], u(1, 3))
case("cast", lambda x: tf.cast(tf.cast(x, tf.float32) * 3.0, tf.float64), u(2, 3), eps=1e-2,
     tol=1e-4)
case("fill", lambda v: tf.fill([2, 3], v) * u(2, 3), u())

# ---- the ops added with concat ------------------------------------------------------------
for axis in (0, 1, -1):
    case(f"concat-{axis}", lambda a, b, axis=axis: tf.concat([a, b, a], axis), u(2, 3),
         u(2, 3), second_order=True)
case("concat-unknown", lambda a, b: tf.concat([dyn(a), b], 0), u(1, 3), u(2, 3),
     second_order=True)
case("split-num", lambda x: tf.split(x, 3, 1)[2] * tf.split(x, 3, 1)[0], u(2, 3),
     second_order=True)
case("split-sizes", lambda x: tf.split(x, [1, -1], 0)[1], u(3, 2), second_order=True)
case("split-one", lambda x: tf.split(x, 1, 0)[0], u(3, 2))
for mult in ([1, 1], [2, 3], [3, 1]):
    case(f"tile-{mult}", lambda x, m=mult: tf.tile(x, m), u(2, 3), second_order=True)
for mode in ("CONSTANT", "REFLECT", "SYMMETRIC"):
    case(f"pad-{mode}", lambda x, m=mode: tf.pad(x, [[1, 2], [2, 1]], m), u(3, 3),
         second_order=True)
case("pad-constant-values", lambda x: tf.pad(x, [[0, 1], [1, 0]], constant_values=2.0),
     u(2, 3))
for axis in (0, 1, -1):
    case(f"gather-axis{axis}", lambda x, a=axis: tf.gather(x, [1, 0, 1, 1], axis=a), u(2, 3, 2),
         second_order=True)
case("gather-2d-indices", lambda x: tf.gather(x, [[0, 2], [2, 2]]), u(3, 2), second_order=True)
case("gather_nd", lambda x: tf.gather_nd(x, [[0, 1], [1, 2], [0, 1]]), u(2, 3, 2),
     second_order=True)
case("gather_nd-full", lambda x: tf.gather_nd(x, [[[0, 1, 1]], [[1, 2, 0]]]), u(2, 3, 2))
case("slice", lambda x: tf.slice(x, [1, 0, 1], [1, -1, 1]), u(2, 3, 2), second_order=True)
case("boolean_mask", lambda x: tf.boolean_mask(x, [True, False, True]), u(3, 2),
     second_order=True)
case("boolean_mask-2d", lambda x: tf.boolean_mask(x, [[True, False], [True, True]], axis=1),
     u(2, 2, 2, 3))
case("reverse", lambda x: tf.reverse(x, [0, 2]), u(2, 3, 2), second_order=True)
case("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3, 2]), u(3, 1), second_order=True)
case("broadcast_to-same", lambda x: tf.broadcast_to(x, [2, 3]) * x, u(2, 3))
case("meshgrid", lambda x, y: tf.add_n([g * g for g in tf.meshgrid(x, y)]), u(3), u(2),
     second_order=True)


@pytest.mark.parametrize("fn,inputs,options", CASES)
def test_gradient_matches_finite_differences(fn, inputs, options):
    check_gradients(fn, inputs, **options)


@pytest.mark.parametrize("fn,inputs,options", [c for c in CASES if c.id != "cast"])
def test_float32_gradients_stay_float32(fn, inputs, options):
    # Kernel checking (tests/conftest.py) fails any kernel whose output dtype is not declared.
    phs = [tf.placeholder(tf.float32, np.shape(v)) for v in inputs]
    y = fn(*phs)
    assert y.dtype == tf.float32
    grads = tf.gradients(tf.reduce_sum(y * y), phs)
    assert all(g.dtype == tf.float32 for g in grads)
    second = tf.gradients(tf.add_n([tf.reduce_sum(g * g) for g in grads]), phs)
    with tf.Session() as sess:
        feed = {p: np.asarray(v, np.float32) for p, v in zip(phs, inputs)}
        vals = sess.run(grads + [g for g in second if g is not None], feed)
    assert all(v.dtype == np.float32 for v in vals)


# ---- what has no gradient -----------------------------------------------------------------
def test_integer_and_comparison_ops_have_no_gradient():
    x = tf.placeholder(tf.float64, [3])
    y = tf.cast(tf.argmax(x), tf.float64) + tf.cast(x > 0, tf.float64) + tf.floor(x) \
        + tf.sign(x) + tf.round(x)
    assert tf.gradients(y, x) == [None]
    z = tf.one_hot(tf.cast(x, tf.int32), 3) * 2.0
    assert tf.gradients(z, x) == [None]


def test_max_gradient_is_shared_between_ties():
    x = tf.placeholder(tf.float64, [2, 3])
    g, = tf.gradients(tf.reduce_max(x, 1), x)
    with tf.Session() as sess:
        got = sess.run(g, {x: [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]})
    np.testing.assert_array_equal(got, [[0, 0.5, 0.5], [1, 0, 0]])


def test_stop_gradient():
    x = tf.placeholder(tf.float64, [2])
    g, = tf.gradients(x * tf.stop_gradient(x), x)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {x: [1.0, 2.0]}), [1.0, 2.0])


def test_gradient_of_int_output_is_an_error():
    x = tf.placeholder(tf.float32, [2])
    with pytest.raises(TypeError, match="only floating-point tensors can be differentiated"):
        tf.gradients(tf.argmax(x), x)


# ---- the harness itself catches wrong gradients -------------------------------------------
_same = lambda op: (op.inputs[0].dtype, op.inputs[0].shape)
defop("TestCube", infer=_same, kernel=lambda x: x ** 3,
      grad=lambda op, dy: [apply_op("TestCubeGrad", [op.inputs[0], dy])])
# d/dx (3 x^2 dy) is 6 x dy; this declares 5 x dy on purpose.
defop("TestCubeGrad", infer=_same, kernel=lambda x, dy: 3 * x * x * dy,
      grad=lambda op, dd: [5.0 * op.inputs[0] * op.inputs[1] * dd, 3.0 * op.inputs[0] ** 2 * dd])
defop("TestWrongGrad", infer=_same, kernel=lambda x: 2 * x, grad=lambda op, dy: [3.0 * dy])


def test_harness_catches_a_wrong_first_order_gradient():
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_gradients(lambda x: apply_op("TestWrongGrad", [x]), [u(3)])


def test_harness_catches_a_wrong_second_order_gradient():
    cube = lambda x: apply_op("TestCube", [x])
    check_gradients(cube, [u(3)])
    with pytest.raises(AssertionError, match="gradient check failed"):
        check_gradients(cube, [u(3)], second_order=True)
