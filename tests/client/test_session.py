import collections

import numpy as np
import pytest

import tensorfluxo as tf


def test_run_nested_structures():
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    Pair = collections.namedtuple("Pair", "x y")
    with tf.Session() as sess:
        assert sess.run([a, b]) == [1.0, 2.0]
        assert sess.run((a, b)) == (1.0, 2.0)
        assert sess.run({"a": a, "nested": [b, (a,)]}) == {"a": 1.0, "nested": [2.0, (1.0,)]}
        p = sess.run(Pair(a, b))
        assert isinstance(p, Pair) and p == Pair(1.0, 2.0)
        assert sess.run("a:0") == 1.0
        assert sess.run(collections.OrderedDict(z=b)) == {"z": 2.0}


def test_fetching_an_op_returns_none_and_names_resolve():
    v = tf.Variable(5.0, name="v")
    with tf.Session() as sess:
        assert sess.run(v.initializer) is None
        assert sess.run("v/Assign") is None  # an op name fetches the op
        assert sess.run("v/Assign:0") == 5.0
        assert sess.run(["v:0", v]) == [5.0, 5.0]


def test_feed_by_tensor_or_name_and_feeding_any_tensor():
    A = tf.placeholder(tf.float32, shape=(None, 3), name="A")
    B = A + 5
    C = B * 2
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(B, {A: [[1, 2, 3]]}), [[6, 7, 8]])
        np.testing.assert_array_equal(sess.run(B, {"A:0": [[1, 2, 3]]}), [[6, 7, 8]])
        # feeding an intermediate tensor prunes what is above it (A need not be fed)
        np.testing.assert_array_equal(sess.run(C, {B: np.ones((1, 3))}), [[2, 2, 2]])


def test_feed_shape_error_message():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    y = X * 2.0
    with tf.Session() as sess:
        with pytest.raises(ValueError, match=r"Cannot feed value of shape \(2,\) for Tensor "
                                             r"'X:0', which has shape '\(\?, 3\)'"):
            sess.run(y, {X: [1.0, 2.0]})
        with pytest.raises(ValueError, match=r"shape \(1, 4\)"):
            sess.run(y, {X: [[1.0, 2.0, 3.0, 4.0]]})


def test_feed_dtype_errors():
    y = tf.placeholder(tf.int64, shape=(None,), name="y")
    z = y + 1
    b = tf.placeholder(tf.bool, name="b")
    with tf.Session() as sess:
        assert sess.run(z, {y: np.array([1.0, 2.0])}).tolist() == [2, 3]  # exact ints are fine
        with pytest.raises(TypeError, match="non-integer float values for Tensor 'y:0'"):
            sess.run(z, {y: [1.5]})
        with pytest.raises(TypeError, match="dtype bool"):
            sess.run(tf.logical_not(b), {b: 1.0})
        with pytest.raises(TypeError, match="cannot be a tf.Tensor"):
            sess.run(z, {y: tf.constant([1], dtype=tf.int64)})


def test_missing_feed_message():
    X = tf.placeholder(tf.float32, shape=(None, 3), name="X")
    y = X + 1.0
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"You must feed a value for placeholder tensor 'X' with dtype "
                                 r"float and shape \[\?,3\]"):
            sess.run(y)


def test_uninitialized_variable_message():
    v = tf.Variable(tf.zeros([2]), name="weights")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value weights"):
            sess.run(v * 2.0)
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"weights"]


def test_closed_session_and_unknown_names():
    a = tf.constant(1.0)
    sess = tf.Session()
    with pytest.raises(TypeError, match="cannot be interpreted as a Tensor"):
        sess.run(object())
    with pytest.raises(KeyError, match="does not exist"):
        sess.run("nothing:0")
    with pytest.raises(TypeError, match="Fetch argument None"):
        sess.run([a, None])
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(a)


def test_tensor_of_another_graph():
    a = tf.constant(1.0)
    with tf.Graph().as_default():
        with tf.Session() as sess:
            with pytest.raises(ValueError, match="is not an element of this graph"):
                sess.run(a)


def test_eval_without_default_session():
    a = tf.constant(1.0)
    with pytest.raises(ValueError, match="no default session"):
        a.eval()


def test_fetched_values_are_the_callers_own():
    v = tf.Variable(np.zeros(3, np.float32), name="v")
    c = tf.constant([1.0, 2.0])
    inc = tf.assign_add(v, tf.ones([3]))
    with tf.Session() as sess:
        sess.run(v.initializer)
        first = sess.run(v)
        sess.run(inc)
        np.testing.assert_array_equal(first, [0, 0, 0])  # a later run did not change it
        first[0] = 99
        np.testing.assert_array_equal(sess.run(v), [1, 1, 1])  # nor did the caller's edit
        got = sess.run(c)
        got[0] = 42
        np.testing.assert_array_equal(sess.run(c), [1, 2])


def test_a_tensor_fetched_twice_gives_two_arrays():
    x = tf.placeholder(tf.float32, (2,))
    y = x * 2.0
    with tf.Session() as sess:
        a, b = sess.run([y, y], {x: [1.0, 2.0]})
    a[0] = 99.0
    assert b[0] == 2.0


def test_scalars_come_back_as_numpy_scalars():
    with tf.Session() as sess:
        out = sess.run(tf.constant(3.0) * 2.0)
    assert isinstance(out, np.float32) and out == 6.0


def test_plans_are_cached_per_signature():
    X = tf.placeholder(tf.float32, (None,), name="X")
    y = X * 2.0
    with tf.Session() as sess:
        for i in range(3):
            sess.run(y, {X: [float(i)]})
        assert len(sess._plans) == 1
        sess.run([y], {X: [1.0]})
        assert len(sess._plans) == 2


def test_kernel_failure_names_the_op_and_site():
    x = tf.placeholder(tf.float32, (2, 2), name="m")
    inv = tf.matrix_inverse(x, name="inverse")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"in op 'inverse' \(MatrixInverse\), created at .*test_session"):
            sess.run(inv, {x: np.zeros((2, 2))})


def test_interactive_session_is_default():
    a = tf.constant(2.0)
    sess = tf.InteractiveSession()
    try:
        assert tf.get_default_session() is sess
        assert a.eval() == 2.0
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_with_session_makes_default_and_closes():
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    with tf.Session() as sess:
        x.initializer.run()
        y.initializer.run()
        assert f.eval() == 42
        assert tf.get_default_session() is sess
    assert sess._closed


def test_variables_live_in_the_session():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    assert (s1.run(v), s2.run(v)) == (2.0, 1.0)
    s1.close()
    s2.close()


def test_float32_stays_float32_through_training():
    X = tf.placeholder(tf.float32, (None, 2))
    w = tf.Variable(tf.ones([2, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(X, w) - 1.0))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {X: np.ones((4, 2))})
        assert sess.run(w).dtype == np.float32
        assert sess.run(loss, {X: np.ones((4, 2))}).dtype == np.float32


def test_control_dependency_on_a_fed_tensor_is_satisfied_by_the_feed():
    w = tf.Variable([1.0, 2.0], name="w")
    g = tf.placeholder(tf.float32, shape=(2,), name="g")
    train = tf.train.GradientDescentOptimizer(1.0).apply_gradients([(g, w)])
    with tf.Session() as sess:
        sess.run(w.initializer)
        sess.run(train, {g: [1.0, 1.0]})
        np.testing.assert_array_equal(sess.run(w), [0.0, 1.0])
