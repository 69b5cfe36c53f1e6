"""Gradient behaviour beyond the op table (tests/ops/test_op_table.py checks every op's gradient
against finite differences): what has no gradient, ties, stop_gradient(s), cross-entropy labels
and refused second derivatives."""

import numpy as np
import pytest

import tensorfluxo as tf


# ---- what has no gradient -----------------------------------------------------------------
def test_integer_and_comparison_ops_have_no_gradient():
    x = tf.placeholder(tf.float64, [3])
    y = tf.cast(tf.argmax(x), tf.float64) + tf.cast(x > 0, tf.float64) + tf.floor(x) \
        + tf.sign(x) + tf.round(x)
    assert tf.gradients(y, x) == [None]
    z = tf.one_hot(tf.cast(x, tf.int32), 3) * 2.0
    assert tf.gradients(z, x) == [None]


def test_max_gradient_is_shared_between_ties():
    x = tf.placeholder(tf.float64, [2, 3])
    g, = tf.gradients(tf.reduce_max(x, 1), x)
    with tf.Session() as sess:
        got = sess.run(g, {x: [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]})
    np.testing.assert_array_equal(got, [[0, 0.5, 0.5], [1, 0, 0]])


def test_stop_gradient():
    x = tf.placeholder(tf.float64, [2])
    g, = tf.gradients(x * tf.stop_gradient(x), x)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {x: [1.0, 2.0]}), [1.0, 2.0])


def test_gradient_of_int_output_is_an_error():
    x = tf.placeholder(tf.float32, [2])
    with pytest.raises(TypeError, match="only floating-point tensors can be differentiated"):
        tf.gradients(tf.argmax(x), x)


def test_stop_gradients_gives_partial_derivatives():
    # TF's documented example: the stopped tensors' own gradients are still returned
    a = tf.constant(0.0)
    b = 2 * a
    g = tf.gradients(a + b, [a, b], stop_gradients=[a, b])
    with tf.Session() as sess:
        assert sess.run(g) == [1.0, 1.0]
        assert sess.run(tf.gradients(a + b, [a, b])) == [3.0, 1.0]


LOGITS = np.random.default_rng(0).normal(size=(4, 5))


def test_tf1_softmax_cross_entropy_passes_no_gradient_to_labels():
    probs = tf.constant(np.full((4, 5), 0.2))
    g = tf.gradients(tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(
        labels=probs, logits=tf.constant(LOGITS))), [probs])
    assert g == [None]


def test_second_derivative_of_sparse_xent_is_refused_clearly():
    x = tf.placeholder(tf.float64, (4, 5))
    loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([1, 0, 4, 2]), logits=x))
    (g,) = tf.gradients(loss, [x])
    with pytest.raises(LookupError, match="Second derivatives of "
                                          "sparse_softmax_cross_entropy_with_logits"):
        tf.gradients(tf.reduce_sum(g * g), [x])
