import pytest

import tensorfluxo as tf


def test_get_variable_creates_in_scope_and_refuses_duplicates():
    with tf.variable_scope("relu"):
        t = tf.get_variable("threshold", shape=(), initializer=tf.constant_initializer(0.0))
    assert t.name == "relu/threshold:0"
    with pytest.raises(ValueError, match="Variable relu/threshold already exists, disallowed. "
                                         "Did you mean to set reuse=True"):
        with tf.variable_scope("relu"):
            tf.get_variable("threshold", shape=())


def test_reuse_true_and_missing_variable():
    with tf.variable_scope("relu"):
        t = tf.get_variable("threshold", shape=(), initializer=tf.constant_initializer(0.0))
    with tf.variable_scope("relu", reuse=True):
        assert tf.get_variable("threshold") is t
    with tf.variable_scope("relu", reuse=True):
        with pytest.raises(ValueError, match="Variable relu/missing does not exist, or was not "
                                             "created with tf.get_variable()"):
            tf.get_variable("missing")


def test_auto_reuse_and_reuse_variables():
    def make():
        with tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
            return tf.get_variable("w", shape=[2])
    assert make() is make()
    with tf.variable_scope("s") as scope:
        a = tf.get_variable("a", shape=[1])
        scope.reuse_variables()
        assert tf.get_variable("a") is a


def test_shape_mismatch_when_sharing():
    with tf.variable_scope("m"):
        tf.get_variable("w", shape=[2])
    with tf.variable_scope("m", reuse=True):
        with pytest.raises(ValueError, match=r"specified shape \(3,\) and found shape \(2,\)"):
            tf.get_variable("w", shape=[3])


def test_new_variable_needs_shape():
    with pytest.raises(ValueError, match="must be fully defined"):
        tf.get_variable("nos")


def test_seed_002_relu_sharing_program():
    n_features = 3

    def relu(X):
        threshold = tf.get_variable("threshold", shape=(),
                                    initializer=tf.constant_initializer(0.0))
        w_shape = (int(X.get_shape()[1]), 1)
        w = tf.Variable(tf.random_normal(w_shape), name="weights")
        b = tf.Variable(0.0, name="bias")
        z = tf.add(tf.matmul(X, w), b, name="z")
        return tf.maximum(z, threshold, name="max")

    X = tf.placeholder(tf.float32, shape=(None, n_features), name="X")
    relus = []
    for relu_index in range(5):
        with tf.variable_scope("relu", reuse=(relu_index >= 1)):
            relus.append(relu(X))
    output = tf.add_n(relus, name="output")
    names = [v.name for v in tf.global_variables()]
    assert names.count("relu/threshold:0") == 1
    assert "relu_1/weights:0" in names
    assert output.op.name == "output"
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(output, {X: [[1.0, 2.0, 3.0]]}).shape == (1, 1)


def test_initializer_from_scope_and_regularizer():
    with tf.variable_scope("r", initializer=tf.ones_initializer(),
                           regularizer=lambda w: tf.reduce_sum(w)):
        v = tf.get_variable("v", shape=[3])
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(losses[0]) == 3.0


def test_default_initializer_is_glorot_uniform():
    v = tf.get_variable("g", shape=[100, 100])
    with tf.Session() as sess:
        sess.run(v.initializer)
        val = sess.run(v)
    limit = (6 / 200) ** 0.5
    assert val.max() <= limit and val.min() >= -limit and val.std() > limit / 3
