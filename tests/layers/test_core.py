import numpy as np
import pytest

import tensorfluxo as tf


def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_dense_creates_named_variables_and_computes_affine():
    X = tf.placeholder(tf.float32, [None, 4], name="X")
    with tf.name_scope("dnn"):
        h = tf.layers.dense(X, 3, activation=tf.nn.relu, name="hidden1")
        out = tf.layers.dense(h, 2)
        out2 = tf.layers.dense(out, 2)
    assert [v.op.name for v in tf.trainable_variables()] == [
        "hidden1/kernel", "hidden1/bias", "dense/kernel", "dense/bias", "dense_1/kernel",
        "dense_1/bias"]
    assert h.op.name == "dnn/hidden1/Relu" and out.shape.as_list() == [None, 2]
    x = np.random.default_rng(0).random((5, 4)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        k, b, got = sess.run([tf.trainable_variables()[0], tf.trainable_variables()[1], h],
                             {X: x})
    np.testing.assert_allclose(got, np.maximum(x @ k + b, 0), rtol=1e-5)
    assert out2.op.name == "dnn/dense_1/BiasAdd"


def test_dense_reuse_shares_variables_and_refuses_duplicates():
    X = tf.placeholder(tf.float32, [None, 4])
    a = tf.layers.dense(X, 3, name="h")
    b = tf.layers.dense(X, 3, name="h", reuse=True)
    assert len(tf.trainable_variables()) == 2
    x = np.ones((2, 4), np.float32)
    ra, rb = _run([a, b], {X: x})
    np.testing.assert_array_equal(ra, rb)
    with pytest.raises(ValueError, match="Variable h/kernel already exists"):
        tf.layers.dense(X, 3, name="h")
    with pytest.raises(ValueError, match="Variable other/kernel does not exist"):
        tf.layers.dense(X, 3, name="other", reuse=True)


def test_dense_layer_object_is_shared_across_calls():
    layer = tf.layers.Dense(2, use_bias=False, kernel_initializer=tf.ones_initializer())
    y1 = layer(tf.ones([1, 3]))
    y2 = layer(tf.ones([2, 3]) * 2)
    assert layer.trainable_weights == [layer.kernel] and len(tf.global_variables()) == 1
    r1, r2 = _run([y1, y2])
    np.testing.assert_array_equal(r1, [[3, 3]])
    np.testing.assert_array_equal(r2, [[6, 6], [6, 6]])


def test_dense_regularizer_goes_to_regularization_losses():
    X = tf.placeholder(tf.float32, [None, 2])
    tf.layers.dense(X, 2, kernel_initializer=tf.ones_initializer(),
                    kernel_regularizer=tf.contrib.layers.l2_regularizer(0.5), name="r")
    losses = tf.losses.get_regularization_losses()
    assert len(losses) == 1
    assert _run(tf.losses.get_regularization_loss()) == pytest.approx(0.5 * 4 / 2)


def test_dense_needs_a_known_last_dimension():
    with pytest.raises(ValueError, match="last dimension of the inputs to `Dense`"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)
    with pytest.raises(ValueError, match="positive integer"):
        tf.layers.Dense(0)


def test_dense_on_rank3_inputs():
    y = tf.layers.dense(tf.ones([2, 3, 4]), 5, kernel_initializer=tf.ones_initializer())
    assert y.shape.as_list() == [2, 3, 5]
    np.testing.assert_array_equal(_run(y), np.full((2, 3, 5), 4.0))


def test_dropout_python_flag():
    x = tf.ones([1000])
    assert _run(tf.layers.dropout(x, 0.5, training=False)).sum() == 1000
    kept = _run(tf.layers.dropout(x, 0.5, training=True))
    assert set(np.unique(kept)) <= {0.0, 2.0} and 350 < (kept > 0).sum() < 650


def test_dropout_tensor_flag():
    training = tf.placeholder_with_default(False, [], name="training")
    y = tf.layers.dropout(tf.ones([1000]), rate=0.25, training=training)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), np.ones(1000))
        on = sess.run(y, {training: True})
    assert set(np.unique(on)) <= {0.0, np.float32(1 / 0.75)} and (on == 0).sum() > 150


def test_dropout_rejects_bad_rate():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        tf.layers.dropout(tf.ones([3]), rate=1.5, training=True)


def test_flatten():
    x = tf.placeholder(tf.float32, [None, 2, 3])
    y = tf.layers.flatten(x)
    assert y.shape.as_list() == [None, 6]
    assert _run(y, {x: np.zeros((4, 2, 3))}).shape == (4, 6)


def test_tf_layers_are_the_keras_classes_in_a_variable_scope():
    for name in ("Dense", "Dropout", "Flatten", "BatchNormalization"):
        assert issubclass(getattr(tf.layers, name), getattr(tf.keras.layers, name))
    X = tf.placeholder(tf.float64, [None, 2])
    with tf.variable_scope("net", initializer=tf.ones_initializer()):
        y = tf.layers.dense(X, 3, activity_regularizer=tf.contrib.layers.l2_regularizer(0.5))
    kernel = tf.global_variables()[0]
    assert kernel.op.name == "net/dense/kernel" and kernel.dtype == tf.float64  # from X
    assert y.dtype == tf.float64
    (activity,) = tf.losses.get_regularization_losses()
    assert activity.op.name.startswith("net/dense/ActivityRegularizer/")
    got = _run([y, activity], {X: [[1.0, 2.0]]})
    np.testing.assert_array_equal(got[0], [[3.0, 3.0, 3.0]])
    assert got[1] == pytest.approx(0.5 * 27 / 2)


def test_dropout_tensor_flag_draws_no_mask_when_false():
    # The flag switches with tf.cond: running with training False leaves the dropout stream
    # where it was, so the next training run draws the same mask as without it.
    training = tf.placeholder_with_default(False, [])
    x = tf.ones([200])
    tf.set_random_seed(3)
    y = tf.layers.dropout(x, rate=0.5, training=training, seed=1)
    with tf.Session() as sess:
        first = sess.run(y, {training: True})
    with tf.Session() as sess:
        sess.run(y)
        sess.run(y)
        again = sess.run(y, {training: True})
    np.testing.assert_array_equal(first, again)


def test_dropout_tensor_flag_gradient_uses_the_drawn_mask():
    training = tf.placeholder_with_default(False, [])
    x = tf.placeholder(tf.float32, [50, 4])
    y = tf.layers.dropout(x, rate=0.5, training=training)
    (g,) = tf.gradients(tf.reduce_sum(y), x)
    ones = np.ones((50, 4), np.float32)
    with tf.Session() as sess:
        out, grad = sess.run([y, g], {x: ones, training: True})
        np.testing.assert_array_equal(grad, out)  # d sum(x * mask) / dx = mask = y at x = 1
        np.testing.assert_array_equal(sess.run(g, {x: ones}), ones)


def test_a_custom_tf_layers_layer():
    class Scale(tf.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_variable("w", [input_shape[-1]], initializer=tf.ones_initializer())

        def call(self, inputs, training=False):
            return inputs * self.w * (2.0 if training else 1.0)

    layer = Scale(name="scale")
    y = layer(tf.ones([2, 3]), training=True)
    y2 = layer(tf.ones([2, 3]))
    assert [v.op.name for v in tf.global_variables()] == ["scale/w"]
    assert layer.trainable_weights == [layer.w] and layer.scope_name == "scale"
    np.testing.assert_array_equal(_run(y), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(_run(y2), np.ones((2, 3)))
