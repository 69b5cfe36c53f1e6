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
