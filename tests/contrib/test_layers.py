import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.contrib.framework import arg_scope
from tensorfluxo.contrib.layers import (
    batch_norm,
    fully_connected,
    l1_l2_regularizer,
    l1_regularizer,
    l2_regularizer,
)


def test_fully_connected_names_relu_default_and_collections():
    X = tf.placeholder(tf.float32, [None, 4], name="X")
    h = fully_connected(X, 3)
    out = fully_connected(h, 2, activation_fn=None, scope="outputs")
    assert [v.op.name for v in tf.global_variables()] == [
        "fully_connected/weights", "fully_connected/biases", "outputs/weights", "outputs/biases"]
    assert h.op.type == "Relu" and out.op.name == "outputs/BiasAdd"
    assert len(tf.get_collection(tf.GraphKeys.WEIGHTS)) == 2
    assert len(tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)) == 4
    fully_connected(X, 3, scope="outputs_reuse")
    fully_connected(X, 3, scope="outputs_reuse", reuse=True)
    assert len(tf.global_variables()) == 6
    with pytest.raises(ValueError, match="num_outputs should be a positive int"):
        fully_connected(X, 0)


def test_regularizers_match_numpy():
    w = np.array([[1.0, -2.0], [3.0, -4.0]], np.float32)
    v = tf.constant(w)
    fns = [l1_regularizer(0.1)(v), l2_regularizer(0.1)(v), l1_l2_regularizer(0.1, 0.2)(v)]
    with tf.Session() as sess:
        got = sess.run(fns)
    np.testing.assert_allclose(got, [0.1 * 10, 0.1 * 30 / 2, 0.1 * 10 + 0.2 * 30 / 2],
                               rtol=1e-6)
    assert l2_regularizer(0.0)(v) is None


def test_regularizer_scale_errors():
    with pytest.raises(ValueError, match="scale must be a float"):
        l2_regularizer(1)
    with pytest.raises(ValueError, match="less than 0"):
        l1_regularizer(-0.1)


def test_weights_regularizer_and_apply_regularization():
    X = tf.placeholder(tf.float32, [None, 3])
    fully_connected(X, 2, weights_initializer=tf.ones_initializer(),
                    weights_regularizer=l1_regularizer(0.5))
    penalty = tf.contrib.layers.apply_regularization(l2_regularizer(1.0))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.losses.get_regularization_loss()) == pytest.approx(3.0 + 3.0)
        assert sess.run(penalty) == pytest.approx(3.0)


def test_variance_scaling_initializers_statistics():
    he = tf.contrib.layers.variance_scaling_initializer(seed=1)([400, 300])
    xu = tf.contrib.layers.xavier_initializer(seed=1)([400, 300])
    with tf.Session() as sess:
        a, b = sess.run([he, xu])
    # contrib: truncated normal with stddev sqrt(1.3 * 2 / fan_in), i.e. ~sqrt(2 / fan_in)
    assert a.std() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    limit = np.sqrt(6 / 700)
    assert np.abs(b).max() <= limit and b.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    with pytest.raises(TypeError, match="Unknown mode"):
        tf.contrib.layers.variance_scaling_initializer(mode="fan_in")


def test_batch_norm_inline_updates_and_arg_scope():
    X = tf.placeholder(tf.float32, [None, 2])
    is_training = tf.placeholder_with_default(False, [])
    params = {"is_training": is_training, "decay": 0.5, "updates_collections": None}
    with arg_scope([fully_connected], normalizer_fn=batch_norm, normalizer_params=params):
        h = fully_connected(X, 2, weights_initializer=tf.ones_initializer(), scope="h")
    names = [v.op.name for v in tf.global_variables()]
    assert names == ["h/weights", "h/BatchNorm/beta", "h/BatchNorm/moving_mean",
                     "h/BatchNorm/moving_variance"]
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    x = np.array([[1, 1], [3, 3]], np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(h, {X: x, is_training: True})
        np.testing.assert_allclose(sess.run(tf.global_variables()[2]), [2.0, 2.0])


def test_contrib_dropout_keep_prob():
    y = tf.contrib.layers.dropout(tf.ones([1000]), keep_prob=0.8, is_training=True)
    with tf.Session() as sess:
        v = sess.run(y)
    assert set(np.unique(v)) <= {0.0, np.float32(1.25)}
