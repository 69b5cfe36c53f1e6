import numpy as np
import pytest

import tensorfluxo as tf

rng = np.random.default_rng(0)
Y = rng.integers(0, 2, 200)
P = np.clip(Y * 0.35 + rng.random(200) * 0.65, 0, 1).astype(np.float32)


def _stream(metric_pairs, y_ph, p_ph):
    """Feeds Y, P in two batches; returns (values after the 1st batch's update, final)."""
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        first = sess.run([u for _, u in metric_pairs], {y_ph: Y[:120], p_ph: P[:120]})
        sess.run([u for _, u in metric_pairs], {y_ph: Y[120:], p_ph: P[120:]})
        final = sess.run([v for v, _ in metric_pairs])
        sess.run(tf.local_variables_initializer())
        reset = sess.run([v for v, _ in metric_pairs])
    return first, final, reset


def test_streaming_metrics_match_numpy():
    from sklearn.metrics import roc_auc_score
    y = tf.placeholder(tf.int64, [None])
    p = tf.placeholder(tf.float32, [None])
    hard = tf.cast(p > 0.5, tf.int64)
    yf = tf.cast(y, tf.float32)
    pairs = [tf.metrics.accuracy(y, hard), tf.metrics.mean(p),
             tf.metrics.mean_absolute_error(yf, p), tf.metrics.mean_squared_error(yf, p),
             tf.metrics.root_mean_squared_error(yf, p), tf.metrics.precision(y, hard),
             tf.metrics.recall(y, hard), tf.metrics.auc(y, p)]
    first, final, reset = _stream(pairs, y, p)
    h = (P > 0.5).astype(int)
    tp = np.sum((h == 1) & (Y == 1))
    expected = [np.mean(h == Y), P.mean(), np.mean(np.abs(Y - P)), np.mean((Y - P) ** 2),
                np.sqrt(np.mean((Y - P) ** 2)), tp / h.sum(), tp / Y.sum(),
                roc_auc_score(Y, P)]
    np.testing.assert_allclose(final[:7], expected[:7], rtol=1e-5)
    assert final[7] == pytest.approx(expected[7], abs=5e-3)  # 200 thresholds: approximate
    assert first[0] == pytest.approx(np.mean(h[:120] == Y[:120]))
    assert all(v == 0 for v in reset)


def test_metric_variables_are_local_and_named():
    tf.metrics.accuracy(tf.constant([1, 0]), tf.constant([1, 1]))
    tf.metrics.precision(tf.constant([1, 0]), tf.constant([1, 1]))
    assert tf.global_variables() == []
    assert [v.op.name for v in tf.local_variables()] == [
        "accuracy/total", "accuracy/count", "precision/true_positives/count",
        "precision/false_positives/count"]


def test_weighted_mean_and_collections():
    v, up = tf.metrics.mean([1.0, 2.0, 3.0], weights=[1.0, 0.0, 3.0],
                            metrics_collections=["m"], updates_collections=["u"])
    assert tf.get_collection("m") == [v] and tf.get_collection("u") == [up]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(v) == 0.0  # no data yet
        assert sess.run(up) == pytest.approx(10 / 4)


def test_metric_errors():
    with pytest.raises(ValueError, match=r"labels shape \(3,\) and predictions shape \(2,\)"):
        tf.metrics.accuracy(tf.constant([1, 0, 1]), tf.constant([1, 1]))
    with pytest.raises(ValueError, match="curve must be either ROC or PR"):
        tf.metrics.auc([1], [0.5], curve="XY")
