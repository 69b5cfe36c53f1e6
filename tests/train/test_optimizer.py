import numpy as np
import pytest

import tensorfluxo as tf


def _quadratic():
    w = tf.Variable([1.0, -2.0], name="w")
    loss = tf.reduce_sum(tf.square(w))
    return w, loss


def test_gradient_descent_step_matches_formula():
    w, loss = _quadratic()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [1.0 - 0.1 * 2, -2.0 + 0.1 * 4])


def test_train_op_name_and_global_step():
    w, loss = _quadratic()
    step = tf.train.get_or_create_global_step()
    assert tf.train.get_or_create_global_step() is step
    assert step.dtype == tf.int64 and step.name == "global_step:0"
    with tf.name_scope("train"):
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    assert train.name == "train/GradientDescent"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        assert sess.run(step) == 3


def test_var_list_and_compute_apply_split():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b")
    loss = a * b
    opt = tf.train.GradientDescentOptimizer(0.5)
    gv = opt.compute_gradients(loss, var_list=[a])
    assert [v for _, v in gv] == [a]
    train = opt.apply_gradients([(g * 2.0, v) for g, v in gv])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        assert (sess.run(a), sess.run(b)) == (0.0, 1.0)


def test_learning_rate_as_tensor():
    w, loss = _quadratic()
    lr = tf.placeholder(tf.float32, shape=(), name="lr")
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {lr: 0.5})
        np.testing.assert_allclose(sess.run(w), [0.0, 0.0])


def test_no_gradients_error_names_variables():
    v = tf.Variable(1.0, name="unused")
    loss = tf.constant(2.0) * 3.0
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*unused:0"):
        tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[v])


def test_no_variables_error():
    with pytest.raises(ValueError, match="No variables to optimize"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1.0) * 2.0)


def test_updates_see_gradients_of_the_same_step():
    # Both layers' gradients must use the weights from before the step (in-place updates
    # run after every gradient of the step is computed).
    x = tf.constant([[1.0, 2.0]])
    w1 = tf.Variable([[0.5], [0.25]], name="w1")
    w2 = tf.Variable([[2.0]], name="w2")
    loss = tf.reduce_sum(tf.matmul(tf.matmul(x, w1), w2))
    train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w1), [[0.5 - 2.0], [0.25 - 4.0]])
        np.testing.assert_allclose(sess.run(w2), [[2.0 - 1.0]])
