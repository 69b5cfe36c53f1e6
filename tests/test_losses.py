import numpy as np
import pytest

import tensorfluxo as tf

rng = np.random.default_rng(0)
LOGITS = rng.normal(size=(6, 4)).astype(np.float32)
LABELS = rng.integers(0, 4, 6)
PRED = rng.random((6, 3)).astype(np.float32)
TRUE = rng.random((6, 3)).astype(np.float32)
BIN = rng.integers(0, 2, (6, 3)).astype(np.float32)


def _log_softmax(z):
    z = z - z.max(1, keepdims=True)
    return z - np.log(np.exp(z).sum(1, keepdims=True))


def _run(t):
    with tf.Session() as sess:
        return sess.run(t)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("name, build, expected", [
    ("sparse_softmax_cross_entropy",
     lambda: tf.losses.sparse_softmax_cross_entropy(LABELS, LOGITS),
     -_log_softmax(LOGITS)[np.arange(6), LABELS].mean()),
    ("softmax_cross_entropy",
     lambda: tf.losses.softmax_cross_entropy(np.eye(4)[LABELS], LOGITS),
     -_log_softmax(LOGITS)[np.arange(6), LABELS].mean()),
    ("sigmoid_cross_entropy", lambda: tf.losses.sigmoid_cross_entropy(BIN, PRED),
     np.mean(-BIN * np.log(_sigmoid(PRED)) - (1 - BIN) * np.log(1 - _sigmoid(PRED)))),
    ("mean_squared_error", lambda: tf.losses.mean_squared_error(TRUE, PRED),
     np.mean((TRUE - PRED) ** 2)),
    ("absolute_difference", lambda: tf.losses.absolute_difference(TRUE, PRED),
     np.mean(np.abs(TRUE - PRED))),
    ("log_loss", lambda: tf.losses.log_loss(BIN, PRED),
     np.mean(-BIN * np.log(PRED + 1e-7) - (1 - BIN) * np.log(1 - PRED + 1e-7))),
    ("hinge_loss", lambda: tf.losses.hinge_loss(BIN, PRED - 0.5),
     np.mean(np.maximum(0, 1 - (2 * BIN - 1) * (PRED - 0.5)))),
    ("huber_loss", lambda: tf.losses.huber_loss(TRUE * 3, PRED, delta=1.0),
     np.mean(np.where(np.abs(TRUE * 3 - PRED) <= 1, 0.5 * (TRUE * 3 - PRED) ** 2,
                      np.abs(TRUE * 3 - PRED) - 0.5))),
])
def test_losses_match_numpy_and_join_the_collection(name, build, expected):
    loss = build()
    assert _run(loss) == pytest.approx(expected, rel=1e-5)
    assert tf.losses.get_losses() == [loss]
    assert loss.op.name.endswith("/value")


def test_weights_and_reductions():
    w = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 1.0], np.float32)
    per = -_log_softmax(LOGITS)[np.arange(6), LABELS]
    R = tf.losses.Reduction
    got = _run([tf.losses.sparse_softmax_cross_entropy(LABELS, LOGITS, weights=w),
                tf.losses.sparse_softmax_cross_entropy(LABELS, LOGITS, weights=w,
                                                       reduction=R.SUM),
                tf.losses.sparse_softmax_cross_entropy(LABELS, LOGITS, weights=w,
                                                       reduction=R.MEAN),
                tf.losses.sparse_softmax_cross_entropy(LABELS, LOGITS, weights=w,
                                                       reduction=R.NONE),
                tf.losses.sparse_softmax_cross_entropy(LABELS, LOGITS, weights=0.0)])
    np.testing.assert_allclose(got[0], (per * w).sum() / 4, rtol=1e-5)
    np.testing.assert_allclose(got[1], (per * w).sum(), rtol=1e-5)
    np.testing.assert_allclose(got[2], (per * w).sum() / w.sum(), rtol=1e-5)
    np.testing.assert_allclose(got[3], per * w, rtol=1e-5)
    assert got[4] == 0.0
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        tf.losses.compute_weighted_loss(per, reduction="bogus")


def test_total_and_regularization_losses():
    assert _run(tf.losses.get_regularization_loss()) == 0.0
    with pytest.raises(ValueError, match="No losses found"):
        tf.losses.get_total_loss()
    tf.losses.add_loss(tf.constant(2.0))
    tf.get_variable("w", [2], initializer=tf.ones_initializer(),
                    regularizer=tf.contrib.layers.l2_regularizer(0.5))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(tf.losses.get_total_loss()) == pytest.approx(2.5)
        assert sess.run(tf.losses.get_total_loss(add_regularization_losses=False)) == 2.0


def test_shape_mismatch_and_missing_arguments():
    with pytest.raises(ValueError, match=r"labels shape \(6, 3\) is not compatible"):
        tf.losses.mean_squared_error(TRUE, PRED[:, :2])
    with pytest.raises(ValueError, match="labels must not be None"):
        tf.losses.mean_squared_error(None, PRED)


def test_gradient_flows_through_the_loss():
    logits = tf.Variable(LOGITS)
    loss = tf.losses.sparse_softmax_cross_entropy(LABELS, logits)
    (g,) = tf.gradients(loss, [logits])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(g)
    p = np.exp(_log_softmax(LOGITS))
    p[np.arange(6), LABELS] -= 1
    np.testing.assert_allclose(got, p / 6, rtol=1e-4, atol=1e-6)
