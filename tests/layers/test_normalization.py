import numpy as np
import pytest

import tensorfluxo as tf


def _data():
    return np.random.default_rng(0).normal(3.0, 2.0, (64, 3)).astype(np.float32)


def test_batch_norm_training_normalizes_with_batch_stats_and_updates_moving_stats():
    X = tf.placeholder(tf.float32, [None, 3])
    y = tf.layers.batch_normalization(X, training=True, momentum=0.9)
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["batch_normalization/gamma", "batch_normalization/beta",
                     "batch_normalization/moving_mean", "batch_normalization/moving_variance"]
    assert [v.op.name for v in tf.trainable_variables()] == names[:2]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    x = _data()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, *_ = sess.run([y] + updates, {X: x})
        mm, mv = sess.run(tf.global_variables()[2:])
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), atol=1e-4)
    np.testing.assert_allclose(mm, 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(mv, 0.9 + 0.1 * x.var(0), rtol=1e-5)


def test_batch_norm_inference_uses_moving_stats():
    X = tf.placeholder(tf.float32, [None, 3])
    y = tf.layers.batch_normalization(X, training=False)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    x = _data()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {X: x}), x / np.sqrt(1 + 1e-3), rtol=1e-5)


def test_batch_norm_tensor_flag_and_control_dependencies_pattern():
    X = tf.placeholder(tf.float32, [None, 3])
    training = tf.placeholder_with_default(False, [])
    y = tf.layers.batch_normalization(X, training=training, momentum=0.5)
    loss = tf.reduce_mean(tf.square(y))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    mm = tf.global_variables()[2]
    x = _data()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op, {X: x})  # inference flag: the update changes nothing
        np.testing.assert_array_equal(sess.run(mm), np.zeros(3))
        sess.run(train_op, {X: x, training: True})
        np.testing.assert_allclose(sess.run(mm), 0.5 * x.mean(0), rtol=1e-5)
        inf, gamma, beta = sess.run([y] + tf.global_variables()[:2], {X: x})
    np.testing.assert_allclose(inf, gamma * (x - 0.5 * x.mean(0)) / np.sqrt(
        0.5 + 0.5 * x.var(0) + 1e-3) + beta, rtol=1e-4, atol=1e-5)


def test_batch_norm_axis_1_and_reuse():
    X = tf.placeholder(tf.float32, [None, 2, 5])
    tf.layers.batch_normalization(X, axis=1, training=True, name="bn")
    assert tf.global_variables()[0].shape.as_list() == [2]
    tf.layers.batch_normalization(X, axis=1, training=True, name="bn", reuse=True)
    assert len(tf.global_variables()) == 4
    with pytest.raises(ValueError, match="Axis -1 of input tensor should have a defined"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, [None, None]))
