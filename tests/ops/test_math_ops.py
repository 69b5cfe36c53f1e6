"""Math ops beyond the op table (tests/ops/test_op_table.py checks each op forward against NumPy
and its gradients): dtypes with Python scalars, construction-time errors, Python operators."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.ops import math_ops as M
from tensorfluxo.testing import check_gradients


def test_matmul_operator_and_static_shape():
    a = tf.placeholder(tf.float32, [None, 3])
    w = tf.zeros([3, 5])
    y = a @ w
    assert y.shape.as_list() == [None, 5] and y.op.type == "MatMul"
    z = tf.zeros([2, 3, 4]) @ tf.zeros([4, 5])
    assert z.shape.as_list() == [2, 3, 5]


def test_add_n_of_one_tensor_is_that_tensor():
    x = tf.placeholder(tf.float32, [2])
    assert tf.add_n([x]) is x and tf.add_n([x], name="s").op.type == "Identity"


def test_singular_matrix_inverse_fails_at_run_time_naming_the_op():
    x = tf.constant(np.zeros((2, 2), np.float32))
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                             match="(?s)not invertible.*in op .MatrixInverse"):
        sess.run(tf.matrix_inverse(x))


# ---- float32 stays float32 ----------------------------------------------------------------
def test_float32_stays_float32_with_python_scalars():
    x = tf.placeholder(tf.float32, [2])
    outs = [x + 1, 1 - x, x * 2.5, 3 / x, x ** 2, 2 ** x, x // 2, x % 2, -x, abs(x),
            tf.maximum(x, 0.0), tf.where(x > 0, x, 0.0), tf.reduce_mean(x), tf.cumsum(x),
            tf.clip_by_value(x, 0, 1), tf.tensordot(x, x, 1)]
    assert all(o.dtype == tf.float32 for o in outs)
    with tf.Session() as sess:
        vals = sess.run(outs, {x: np.array([1.5, -2.0], np.float32)})
    assert all(np.asarray(v).dtype == np.float32 for v in vals)


# ---- Python operators ---------------------------------------------------------------------
def test_python_operators():
    xv, yv = np.array([5.0, -3.0], np.float32), np.array([2.0, 4.0], np.float32)
    x, y = tf.constant(xv), tf.constant(yv)
    pv, qv = np.array([True, False]), np.array([True, True])
    p, q = tf.constant(pv), tf.constant(qv)
    m = tf.constant(np.eye(2, dtype=np.float32))
    cases = [
        (x + y, xv + yv), (x - y, xv - yv), (x * y, xv * yv), (x / y, xv / yv),
        (x // y, xv // yv), (x % y, xv % yv), (x ** y, xv ** yv), (-x, -xv), (abs(x), abs(xv)),
        (2 + x, 2 + xv), (2 - x, 2 - xv), (2 * x, 2 * xv), (2 / x, 2 / xv), (2 ** y, 2 ** yv),
        (7 // y, 7 // yv), (7 % y, 7 % yv), (xv + y, xv + yv),
        (m @ m, np.eye(2)), (x < y, xv < yv), (x <= y, xv <= yv), (x > y, xv > yv),
        (x >= y, xv >= yv), (p & q, pv & qv), (p | q, pv | qv), (p ^ q, pv ^ qv), (~p, ~pv),
        (x[1], xv[1]), (x[::-1], xv[::-1]),
    ]
    with tf.Session() as sess:
        got = sess.run([c[0] for c in cases])
    for (t, want), g in zip(cases, got):
        np.testing.assert_allclose(g, want, rtol=1e-6, err_msg=t.name)
        assert np.asarray(g).dtype == np.asarray(want).dtype or t.dtype == tf.float32


def test_int_true_division_gives_float64_as_tf():
    z = tf.constant(3) / tf.constant(2)
    assert z.dtype == tf.float64
    with tf.Session() as sess:
        v = sess.run(z)
    assert v == 1.5 and np.asarray(v).dtype == np.float64
    assert (tf.constant(np.int8(3)) / tf.constant(np.int8(2))).dtype == tf.float32


def test_tensor_bool_raises_and_equality_is_identity():
    x = tf.constant(1.0)
    with pytest.raises(TypeError, match="not allowed"):
        bool(x)
    with pytest.raises(TypeError, match="not allowed"):
        if x > 0:
            pass
    assert (x == x) is True and {x: 1}[x] == 1


# ---- construction-time errors -------------------------------------------------------------
def test_matmul_shape_error_names_op_and_shapes():
    msg = ("Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input "
           "shapes: [(2, 3), (4, 5)]")
    with pytest.raises(ValueError) as e:
        tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))
    assert msg in str(e.value)


def test_matmul_errors():
    with pytest.raises(TypeError, match="Input 'b' of 'MatMul' Op has type float64 that does "
                                        "not match type float32"):
        tf.matmul(tf.zeros([2, 3]), tf.zeros([3, 2], tf.float64))
    with pytest.raises(TypeError, match="MatMul does not support dtype bool"):
        tf.matmul(tf.zeros([2, 2], tf.bool), tf.zeros([2, 2], tf.bool))
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2 .*BatchMat"):
        tf.matmul(tf.zeros([2, 2, 3]), tf.zeros([2, 2, 3]))
    with pytest.raises(ValueError, match=r"Batch dimensions \(2,\) and \(3,\) do not broadcast"):
        tf.matmul(tf.zeros([2, 2, 3]), tf.zeros([3, 3, 2]))
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.matmul(tf.zeros([3]), tf.zeros([3, 2]))


def test_binary_errors():
    with pytest.raises(TypeError, match="Input 'y' of 'Add' Op has type int32 that does not "
                                        "match type float32 of argument 'x'"):
        tf.zeros([2]) + tf.zeros([2], tf.int32)
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 4 for "
                                         r"'add(_\d+)?' \(op: 'Add'\) with input shapes: "
                                         r"\[\(2, 3\), \(4,\)\]"):
        tf.zeros([2, 3]) + tf.zeros([4])
    with pytest.raises(TypeError, match="RealDiv does not support dtype bool"):
        M.apply_op("RealDiv", [tf.constant([True]), tf.constant([False])])
    with pytest.raises(TypeError, match="LogicalAnd does not support dtype float32"):
        tf.logical_and(tf.zeros([2]), tf.zeros([2]))
    with pytest.raises(TypeError, match="Add does not support dtype bool"):
        tf.constant(True) + tf.constant(False)
    with pytest.raises(TypeError, match="Cannot convert .*values are not integers"):
        tf.constant([1, 2]) + 0.5


def test_unary_needs_float():
    with pytest.raises(TypeError, match="'Sqrt' has DataType int32 not in list of allowed "
                                        "values.*Cast it first"):
        tf.sqrt(tf.constant([4]))


def test_reduction_and_axis_errors():
    with pytest.raises(ValueError, match=r"Invalid axis 2: must be in the range \[-2, 2\) for "
                                         r"'Sum' on tensor .* with shape \(2, 3\)"):
        tf.reduce_sum(tf.zeros([2, 3]), 2)
    with pytest.raises(ValueError, match="Invalid axis -3: .*'Mean'"):
        tf.reduce_mean(tf.zeros([2, 3]), [0, -3])
    with pytest.raises(ValueError, match="Invalid axis 2: .*'ArgMax'"):
        tf.argmax(tf.zeros([2, 3]), 2)
    with pytest.raises(ValueError, match="ArgMax needs a single int axis, got \\[0, 1\\]"):
        tf.argmax(tf.zeros([2, 3]), [0, 1])
    with pytest.raises(ValueError, match="Invalid axis 1: .*'Cumsum'"):
        tf.cumsum(tf.zeros([2]), 1)
    with pytest.raises(TypeError, match="reduce_any needs a bool tensor, got float32"):
        tf.reduce_any(tf.zeros([2]))
    with pytest.raises(TypeError, match="must be known when the graph is built"):
        tf.reduce_sum(tf.zeros([2]), tf.placeholder(tf.int32, []))
    with pytest.raises(TypeError, match="reduce_sum does not support dtype bool .*tf.cast"):
        tf.reduce_sum(tf.zeros([2], tf.bool))
    with pytest.raises(TypeError, match="logical_not .* needs a bool tensor, got int32"):
        ~tf.constant(3)


def test_misc_construction_errors():
    with pytest.raises(ValueError, match=r"Shapes must be equal: \(2,\) and \(3,\) for 'AddN'"):
        tf.add_n([tf.zeros([2]), tf.zeros([3])])
    with pytest.raises(TypeError, match="AddN inputs must have one dtype: float32 and float64"):
        tf.add_n([tf.zeros([2]), tf.zeros([2], tf.float64)])
    with pytest.raises(ValueError, match="non-empty list"):
        tf.add_n([])
    with pytest.raises(TypeError, match="condition must be bool, got float32 for 'Select'"):
        tf.where(tf.zeros([2]), tf.zeros([2]), tf.zeros([2]))
    with pytest.raises(ValueError, match="do not broadcast"):
        tf.where(tf.zeros([3], tf.bool), tf.zeros([2]), tf.zeros([2]))
    with pytest.raises(ValueError, match="x and y must both be given"):
        tf.where(tf.zeros([2], tf.bool), tf.zeros([2]))
    with pytest.raises(ValueError, match=r"square matrix .* got shape \(2, 3\) for "
                                         r"'MatrixInverse'"):
        tf.matrix_inverse(tf.zeros([2, 3]))
    with pytest.raises(TypeError, match="'MatrixDeterminant' has DataType int32"):
        tf.matrix_determinant(tf.zeros([2, 2], tf.int32))
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 4 for "
                                         "'tensordot'"):
        tf.tensordot(tf.zeros([2, 3]), tf.zeros([4, 5]), 1)
    with pytest.raises(ValueError, match="tensordot: 1 axes of a"):
        tf.tensordot(tf.zeros([2, 3]), tf.zeros([3, 2]), [[1], [0, 1]])


def test_tensordot_rank_errors():
    with pytest.raises(ValueError, match="tensordot needs tensors of known rank"):
        tf.tensordot(tf.placeholder(tf.float32), tf.zeros([2]), 1)
    with pytest.raises(ValueError, match="at most one unknown free dimension"):
        tf.tensordot(tf.placeholder(tf.float32, [None, None, 2]), tf.zeros([2]), 1)


@pytest.mark.parametrize("axis, keepdims", [([0, 1, 2], False), ([-4, -3, -2], True),
                                            ([0, 1], False)])
def test_large_sums_over_leading_axes(axis, keepdims):
    # a conv layer's bias gradient takes the matrix-vector path; other axes the plain reduce
    x = np.random.default_rng(0).standard_normal((16, 28, 28, 8)).astype(np.float32) + 1
    with tf.Session() as sess:
        got = sess.run(tf.reduce_sum(x, axis, keepdims=keepdims))
    want = np.sum(x.astype(np.float64), axis=tuple(axis), keepdims=keepdims)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_div_no_nan_is_zero_where_the_divisor_is_zero_and_its_gradient_too():
    x = tf.constant([1.0, 2.0, 3.0])
    y = tf.constant([2.0, 0.0, -1.0])
    q = tf.math.divide_no_nan(x, y)
    gx, gy = tf.gradients(q, [x, y])
    with tf.Session() as sess:
        qv, gxv, gyv = sess.run([q, gx, gy])
    np.testing.assert_allclose(qv, [0.5, 0.0, -3.0])
    np.testing.assert_allclose(gxv, [0.5, 0.0, -1.0])
    np.testing.assert_allclose(gyv, [-0.25, 0.0, -3.0])
    check_gradients(lambda a, b: tf.div_no_nan(a, b), [np.array([1.0, 2.0]),
                                                       np.array([0.5, -2.0])])
