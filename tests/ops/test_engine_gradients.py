"""Finite-difference checks for the softmax family and cross-entropies, and for the run-time
gradient paths taken when shapes are only known at run time (batch dimension None)."""

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.testing import check_gradients

rng = np.random.default_rng(0)
LOGITS = rng.normal(size=(4, 5))
LABELS = np.array([1, 0, 4, 2])
PROBS = rng.dirichlet(np.ones(5), size=4)


@pytest.mark.parametrize("static", [True, False])
def test_softmax_family(static):
    for fn in (tf.nn.softmax, tf.nn.log_softmax, lambda x: tf.nn.softmax(x, axis=0),
               lambda x: tf.nn.log_softmax(x, axis=0)):
        check_gradients(fn, [LOGITS], second_order=True, static_shapes=static)


@pytest.mark.parametrize("static", [True, False])
def test_cross_entropies(static):
    check_gradients(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant(LABELS), logits=x), [LOGITS], static_shapes=static)
    check_gradients(lambda x, p: tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=p, logits=x), [LOGITS, PROBS], static_shapes=static)
    # TF1's version passes no gradient to the labels
    g = tf.gradients(tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.constant(PROBS), logits=tf.constant(LOGITS))), [tf.constant(PROBS)])
    assert g == [None]


def test_second_derivative_of_sparse_xent_is_refused_clearly():
    x = tf.placeholder(tf.float64, (4, 5))
    loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant(LABELS), logits=x))
    (g,) = tf.gradients(loss, [x])
    with pytest.raises(LookupError, match="Second derivatives of "
                                          "sparse_softmax_cross_entropy_with_logits"):
        tf.gradients(tf.reduce_sum(g * g), [x])


@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / (b * b + 1),
    lambda a, b: tf.maximum(a, b), lambda a, b: tf.squared_difference(a, b),
])
def test_broadcasting_gradients_with_unknown_shapes(fn):
    # (4, 3) with (3,), (1, 3) and (4, 1): unknown dims force SumToShapeOf at run time
    a = rng.normal(size=(4, 3))
    for b in (rng.normal(size=3), rng.normal(size=(1, 3)), rng.normal(size=(4, 1))):
        check_gradients(fn, [a, b], static_shapes=False, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda x: tf.reduce_sum(x, axis=0), lambda x: tf.reduce_mean(x, axis=1, keepdims=True),
    lambda x: tf.reduce_mean(x), lambda x: tf.reduce_max(x, axis=1),
    lambda x: tf.nn.bias_add(x, tf.constant([1.0, 2.0, 3.0], dtype=tf.float64)),
    lambda x: tf.matmul(x, x, transpose_b=True), lambda x: tf.reshape(x, [-1]),
    lambda x: x[1:, ::2],
])
def test_reductions_and_shapes_with_unknown_shapes(fn):
    check_gradients(fn, [rng.normal(size=(4, 3))], static_shapes=False, second_order=True)


def test_dropout_gradient_is_its_mask():
    x = tf.placeholder(tf.float64, (200, 10))
    y = tf.nn.dropout(x, keep_prob=0.5, seed=3)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as sess:
        xv = rng.uniform(1, 2, size=(200, 10))
        yv, gv = sess.run([y, g], {x: xv})
    np.testing.assert_allclose(gv, yv / xv)  # d(x * mask / keep)/dx = mask / keep
    assert set(np.unique(gv)) == {0.0, 2.0}


def test_stop_gradients_gives_partial_derivatives():
    # TF's documented example: the stopped tensors' own gradients are still returned
    a = tf.constant(0.0)
    b = 2 * a
    g = tf.gradients(a + b, [a, b], stop_gradients=[a, b])
    with tf.Session() as sess:
        assert sess.run(g) == [1.0, 1.0]
        assert sess.run(tf.gradients(a + b, [a, b])) == [3.0, 1.0]
