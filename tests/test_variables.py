import numpy as np
import pytest

import tensorfluxo as tf


def test_variable_naming_and_repr():
    with tf.name_scope("dnn"):
        with tf.name_scope("hidden1"):
            W = tf.Variable(tf.zeros([3, 2]), name="weights")
    assert W.name == "dnn/hidden1/weights:0"
    assert W.op.name == "dnn/hidden1/weights"
    assert W.initializer.name == "dnn/hidden1/weights/Assign"
    assert repr(W) == "<tf.Variable 'dnn/hidden1/weights:0' shape=(3, 2) dtype=float32_ref>"
    v1 = tf.Variable(1.0, name="v")
    v2 = tf.Variable(1.0, name="v")
    assert (v1.op.name, v2.op.name) == ("v", "v_1")


def test_dtype_from_initial_value_and_explicit_dtype():
    assert tf.Variable(3).dtype == tf.int32
    assert tf.Variable(3.0).dtype == tf.float32
    assert tf.Variable(np.zeros(2)).dtype == tf.float64
    assert tf.Variable(3, dtype=tf.float32).dtype == tf.float32


def test_initializer_assign_initialized_value_load():
    w = tf.Variable(tf.random_normal([2, 2], seed=3), name="w")
    w2 = tf.Variable(w.initialized_value() * 2.0, name="w2")
    a = tf.assign(w, tf.ones([2, 2]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(w2), 2 * sess.run(w))
        sess.run(a)
        np.testing.assert_array_equal(sess.run(w), np.ones((2, 2)))
        w.load(np.full((2, 2), 7.0), sess)
        assert sess.run(w)[0, 0] == 7.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="shape"):
            w.load(np.zeros(3), sess)


def test_assign_shape_and_dtype_errors():
    v = tf.Variable(tf.zeros([3, 1]), name="theta")
    with pytest.raises(ValueError, match=r"Shapes \(3, 1\) and \(2, 1\) are incompatible"):
        tf.assign(v, tf.zeros([2, 1]))
    with pytest.raises(TypeError, match="needs a tf.Variable"):
        tf.assign(tf.constant(1.0), 2.0)
    with pytest.raises(ValueError, match="initial_value must be specified"):
        tf.Variable()


def test_assign_add_sub_and_methods():
    v = tf.Variable(10.0)
    with tf.Session() as sess:
        sess.run(v.initializer)
        sess.run(v.assign_add(5.0))
        sess.run(tf.assign_sub(v, 1.0))
        assert sess.run(v) == 14.0
        assert sess.run(v.assign(2.0)) == 2.0


def test_is_initialized_and_variables_initializer():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([a]))
        assert sess.run(tf.is_variable_initialized(a))
        assert not sess.run(tf.is_variable_initialized(b))
        assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"b"]


def test_gradient_descent_by_hand_matches_tf_gradients():
    rng = np.random.default_rng(0)
    data = np.c_[np.ones((100, 1)), rng.normal(size=(100, 3))].astype(np.float32)
    target = (data @ np.array([[1.0], [2.0], [-1.0], [0.5]], np.float32))
    X = tf.constant(data, name="X")
    y = tf.constant(target, name="y")
    theta = tf.Variable(tf.random_uniform([4, 1], -1.0, 1.0, seed=42), name="theta")
    error = tf.matmul(X, theta) - y
    mse = tf.reduce_mean(tf.square(error), name="mse")
    manual = 2 / 100 * tf.matmul(tf.transpose(X), error)
    auto = tf.gradients(mse, [theta])[0]
    with tf.Session() as sess:
        sess.run(theta.initializer)
        m, a = sess.run([manual, auto])
    np.testing.assert_allclose(m, a, rtol=1e-5)


# ---- sliced assignment: v[key].assign(x) -----------------------------------------------------
def test_sliced_assignment_in_a_graph_returns_the_new_value():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    a = w[0].assign([9.0, 9.0])
    b = w[:, 1].assign_add([1.0, 1.0])
    c = w[1:, :1].assign_sub([[3.0]])
    i = tf.placeholder(tf.int32, [])
    d = w[i].assign(0.0)  # an index known only at run time; a scalar broadcasts
    assert a.shape == (2, 2) and a.dtype == tf.float32
    with tf.Session() as sess:
        sess.run(w.initializer)
        np.testing.assert_array_equal(sess.run(a), [[9, 9], [3, 4]])
        np.testing.assert_array_equal(sess.run(b), [[9, 10], [3, 5]])
        np.testing.assert_array_equal(sess.run(c), [[9, 10], [0, 5]])
        np.testing.assert_array_equal(sess.run(d, {i: 1}), [[9, 10], [0, 0]])
        np.testing.assert_array_equal(sess.run(w), [[9, 10], [0, 0]])


def test_sliced_assignment_errors_name_the_variable_and_shapes():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(3,\) to the "
                       r"slice \[0\] of shape \(2,\) of variable 'w' \(shape \(2, 2\)\)"):
        w[0].assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        w[0].assign(tf.constant([1, 2]))
    with pytest.raises(AttributeError, match="only slices of a tf.Variable can be assigned"):
        tf.constant([1.0])[0].assign(2.0)
    assert not hasattr((w + 1)[0], "assign")
    i = tf.placeholder(tf.int32, [])
    bad = w[i, :1].assign([1.0, 2.0])
    with tf.Session() as sess:
        sess.run(w.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"shape \(2,\) to the slice \[0, :1\] of shape \(1,\) of "
                                 r"variable 'w'"):
            sess.run(bad, {i: 0})


def test_sliced_assignment_in_eager_mode_and_tf_function(eager):
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], name="v")
    assert v[0].assign([7.0, 8.0, 9.0]) is v  # TF2 returns the variable
    v[:, 0].assign_add([1.0, 1.0])
    v[1, 1:].assign_sub([1.0, 1.0])
    v[0, 1].assign(5)
    np.testing.assert_array_equal(v.numpy(), [[8, 5, 9], [5, 4, 5]])

    @tf.function
    def f():
        v[0, 0].assign(100.0)
        return v[0] + 1  # reads after the assignment see it (program order)
    np.testing.assert_array_equal(f().numpy(), [101, 6, 10])
    np.testing.assert_array_equal(v.numpy(), [[100, 5, 9], [5, 4, 5]])
    with pytest.raises(ValueError, match=r"shape \(2,\) to the slice \[0\] of shape \(3,\) of "
                                         r"variable 'v' \(shape \(2, 3\)\)"):
        v[0].assign([1.0, 2.0])
    assert repr(v).startswith("<tf.Variable 'v:0' shape=(2, 3) dtype=float32, numpy=\narray(")


def test_slices_of_variables_keep_their_gradients(eager):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[0] * x)
        v[1].assign([0.0, 0.0])  # an assignment is not differentiated
        z = y + tf.reduce_sum(v)
    gv, gx = tape.gradient(z, [v, x])
    np.testing.assert_array_equal(gv.numpy(), [[4, 4], [1, 1]])
    assert float(gx) == 3.0


def test_a_variable_holds_its_value_in_row_major_order_whatever_it_was_given():
    """Kernels and optimizer rules work on rows: a Fortran-ordered initial value (a transposed
    QR factor from the orthogonal initializer, a user's np.asfortranarray) is stored C-ordered,
    by initialization, assignment and load alike; the values are unchanged. (A Keras LSTM's
    recurrent kernel was stored F-ordered, and each Adam step on it took 1 ms instead of 0.16.)"""
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    with tf.Graph().as_default():
        v = tf.Variable(a)
        w = tf.Variable(tf.keras.initializers.Orthogonal(seed=1)((4, 6)))
        u = tf.Variable(tf.zeros([3, 4], tf.float64))
        assign = u.assign(a)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(assign)
            np.testing.assert_array_equal(sess.run(v), a)
            np.testing.assert_array_equal(sess.run(u), a)
            assert all(sess.cell(x.op).value.flags.c_contiguous for x in (v, w, u))
            v.load(np.asfortranarray(a * 2), sess)
            np.testing.assert_array_equal(sess.run(v), a * 2)
            assert sess.cell(v.op).value.flags.c_contiguous
