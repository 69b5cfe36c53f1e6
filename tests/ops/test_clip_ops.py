"""tf.norm, tf.clip_by_norm, tf.global_norm, tf.clip_by_global_norm: values against NumPy,
gradients against finite differences, errors."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients

R = np.random.default_rng(3)


def value(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


# ---- norm ---------------------------------------------------------------------------------
VECTOR = [("euclidean", None), (2, 1), (1, None), (1, 0), (np.inf, -1), (3, 1), (0.5, None)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ord,axis", VECTOR, ids=str)
def test_vector_norms(ord, axis, keepdims):
    x = R.uniform(-2, 2, (2, 3)).astype(np.float32)
    n = tf.norm(tf.constant(x), ord=ord, axis=axis, keepdims=keepdims)
    p = 2 if ord == "euclidean" else ord
    if axis is None:
        want = np.linalg.norm(x.reshape(-1), p)
        want = np.full((1, 1), want) if keepdims else want
    else:
        want = np.linalg.norm(x, p, axis=axis, keepdims=keepdims)
    got = value(n)
    assert n.dtype == tf.float32 and got.dtype == np.float32
    assert n.shape.as_list() == list(np.shape(want))
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.parametrize("ord", ["euclidean", "fro", 1, np.inf])
@pytest.mark.parametrize("axis", [(0, 1), (1, 0), (-2, -1), (1, 2)])
def test_matrix_norms(ord, axis):
    x = R.uniform(-2, 2, (2, 3, 4))
    n = tf.norm(tf.constant(x), ord=ord, axis=axis)
    want = np.linalg.norm(x, "fro" if ord == "euclidean" else ord, axis=axis)
    np.testing.assert_allclose(value(n), want, rtol=1e-10)
    assert n.shape.as_list() == list(want.shape)


def test_norm_keep_dims_alias_and_unknown_shape():
    x = tf.placeholder(tf.float32, [None, 3])
    n = tf.norm(x, axis=1, keep_dims=True)
    assert n.shape.as_list() == [None, 1]
    np.testing.assert_allclose(value(n, {x: [[3, 4, 0]]}), [[5.0]])


@pytest.mark.parametrize("ord,axis", [("euclidean", None), (1, 1), (np.inf, 0), (3, None),
                                      (1, (0, 1)), (np.inf, (1, 0)), ("fro", (0, 1))], ids=str)
def test_norm_gradients(ord, axis):
    x = R.uniform(0.5, 2.0, (2, 3)) * R.choice([-1.0, 1.0], (2, 3))
    x[0, 0] = 2.5  # a unique largest |x| for the inf norms
    check_gradients(lambda t: tf.norm(t, ord=ord, axis=axis), [x])


def test_norm_errors():
    x = tf.zeros([3, 3])
    with pytest.raises(ValueError, match=r"'ord' must be a supported matrix norm in "
                                         r"\['euclidean', 'fro', 1, inf\], got 3"):
        tf.norm(x, ord=3, axis=[0, 1])
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got 0"):
        tf.norm(x, ord=0)
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got fro"):
        tf.norm(x, ord="fro")
    with pytest.raises(ValueError, match=r"'axis' must be None, an integer, or a tuple of 2 "
                                         r"unique integers, got \[0, 1, 2\]"):
        tf.norm(x, axis=[0, 1, 2])
    with pytest.raises(ValueError, match="tuple of 2 unique integers, got"):
        tf.norm(x, axis=(1, 1))
    with pytest.raises(ValueError, match="Invalid axis of norm 2"):
        tf.norm(x, axis=2)
    with pytest.raises(TypeError, match="norm needs a floating-point tensor, got int32"):
        tf.norm(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="norm needs a tensor of known rank"):
        tf.norm(tf.placeholder(tf.float32))


# ---- clip_by_norm -------------------------------------------------------------------------
def test_clip_by_norm_values():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [0.3, 0.4]], np.float32)
    c = tf.clip_by_norm(tf.constant(x), 1.0)
    assert c.name == "clip_by_norm:0" and c.dtype == tf.float32
    total = np.sqrt((x ** 2).sum())
    np.testing.assert_allclose(value(c), x / total, rtol=1e-6)
    rows = value(tf.clip_by_norm(tf.constant(x), 1.0, axes=[1]))
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0, 0], [0.3, 0.4]], rtol=1e-6)
    small = value(tf.clip_by_norm(tf.constant(x), 100.0))
    np.testing.assert_allclose(small, x)  # unchanged below the limit
    assert value(tf.clip_by_norm(tf.zeros([2]), 1.0)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("axes,limit", [(None, 1.0), ([1], 1.0), (None, 100.0), ([0], 1.5)])
def test_clip_by_norm_gradients(axes, limit):
    x = R.uniform(-2, 2, (2, 3))
    check_gradients(lambda t: tf.clip_by_norm(t, limit, axes=axes), [x])


def test_clip_by_norm_gradient_at_zero_is_finite():
    x = tf.placeholder(tf.float64, [2])
    g, = tf.gradients(tf.reduce_sum(tf.clip_by_norm(x, 1.0)), x)
    np.testing.assert_array_equal(value(g, {x: [0.0, 0.0]}), [1.0, 1.0])


def test_clip_by_norm_errors():
    with pytest.raises(TypeError, match="clip_by_norm needs a floating-point tensor, got int32"):
        tf.clip_by_norm(tf.constant([1, 2]), 1.0)


# ---- global norm --------------------------------------------------------------------------
def test_global_norm_and_clip_by_global_norm():
    a = np.array([3.0, 4.0], np.float32)
    b = np.array([[12.0]], np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    gn = tf.global_norm([ta, None, tb])
    assert gn.name == "global_norm:0" and gn.dtype == tf.float32
    np.testing.assert_allclose(value(gn), 13.0)
    clipped, norm = tf.clip_by_global_norm([ta, None, tb], 6.5)
    assert clipped[1] is None
    va, vb, vn = value([clipped[0], clipped[2], norm])
    np.testing.assert_allclose(vn, 13.0)
    np.testing.assert_allclose(va, a / 2, rtol=1e-6)
    np.testing.assert_allclose(vb, b / 2, rtol=1e-6)
    assert va.dtype == np.float32
    unchanged, _ = tf.clip_by_global_norm((ta, tb), 100.0)
    np.testing.assert_allclose(value(unchanged[0]), a)
    forced, n2 = tf.clip_by_global_norm([ta], 1.0, use_norm=tf.constant(10.0))
    np.testing.assert_allclose(value(forced[0]), a / 10, rtol=1e-6)


def test_clip_by_global_norm_with_infinite_norm_gives_nan():
    clipped, _ = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isnan(value(clipped[0])).all()


def test_clip_by_global_norm_gradients():
    def fn(a, b):
        (ca, cb), _ = tf.clip_by_global_norm([a, b], 1.0)
        return tf.concat([tf.reshape(ca, [-1]), tf.reshape(cb, [-1])], 0)
    check_gradients(fn, [R.uniform(-2, 2, (2, 2)), R.uniform(-2, 2, (3,))])
    check_gradients(lambda a, b: tf.global_norm([a, b]), [R.uniform(-2, 2, (2, 2)),
                                                           R.uniform(-2, 2, (3,))])


def test_clip_by_global_norm_in_a_training_step():
    w = tf.Variable([3.0, 4.0])
    loss = tf.reduce_sum(w * w) / 2  # gradient = w, norm 5
    opt = tf.train.GradientDescentOptimizer(1.0)
    grads, gvars = zip(*opt.compute_gradients(loss, [w]))
    clipped, _ = tf.clip_by_global_norm(list(grads), 1.0)
    step = opt.apply_gradients(zip(clipped, gvars))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        np.testing.assert_allclose(sess.run(w), [3.0 - 0.6, 4.0 - 0.8], rtol=1e-6)


def test_global_norm_errors():
    with pytest.raises(TypeError, match="`t_list` of clip_by_global_norm should be a sequence "
                                        "of tensors. Received Tensor"):
        tf.clip_by_global_norm(tf.zeros([3]), 1.0)
    with pytest.raises(TypeError, match="`t_list` of global_norm should be a sequence"):
        tf.global_norm(tf.zeros([3]))
    with pytest.raises(ValueError, match="at least one tensor that is not None"):
        tf.global_norm([None])


def test_clipping_keeps_sparse_gradients_sparse():
    """An embedding's IndexedSlices gradient is clipped through its rows (duplicates counted
    apart, as TF's norm of the values) and stays an IndexedSlices for the optimizer."""
    table = tf.Variable(np.ones((5, 2), np.float32))
    w = tf.Variable([3.0, 4.0])
    loss = tf.reduce_sum(tf.gather(table, [1, 1, 3]) * [[1.0, 2.0], [2.0, 2.0], [0.0, 1.0]]) + \
        tf.reduce_sum(w * w) / 2
    grads = tf.gradients(loss, [table, w])
    clipped, norm = tf.clip_by_global_norm(grads, 2.0)
    by_norm = tf.clip_by_norm(grads[0], 1.0)
    assert isinstance(clipped[0], tf.IndexedSlices) and isinstance(by_norm, tf.IndexedSlices)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        c, n, b = sess.run([clipped, norm, by_norm])
    values = np.array([[1.0, 2.0], [2.0, 2.0], [0.0, 1.0]])
    expected = np.sqrt((values ** 2).sum() + 25.0)
    np.testing.assert_allclose(n, expected, rtol=1e-6)
    np.testing.assert_allclose(c[0].values, values * 2.0 / expected, rtol=1e-6)
    np.testing.assert_array_equal(c[0].indices, [1, 1, 3])
    np.testing.assert_allclose(c[1], np.array([3.0, 4.0]) * 2.0 / expected, rtol=1e-6)
    np.testing.assert_allclose(b.values, values / np.sqrt((values ** 2).sum()), rtol=1e-6)
