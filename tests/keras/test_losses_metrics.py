import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import backend as K
from tensorfluxo.keras import losses, metrics

EPS = 1e-7
yt = np.array([[0.0], [1.0], [1.0], [0.0]], np.float32)
yp = np.array([[0.1], [0.8], [0.3], [0.6]], np.float32)


def run(t):
    return K.get_session(t.graph).run(t)


def bce_ref(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p + EPS) + (1 - t) * np.log(1 - p + EPS)).mean(-1)


@pytest.mark.parametrize("fn,ref", [
    (losses.mean_squared_error, lambda t, p: ((p - t) ** 2).mean(-1)),
    (losses.mae, lambda t, p: np.abs(p - t).mean(-1)),
    (losses.binary_crossentropy, bce_ref),
    (losses.huber, lambda t, p: np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2,
                                         np.abs(p - t) - 0.5).mean(-1)),
])
def test_functional_losses_on_arrays(fn, ref):
    np.testing.assert_allclose(run(fn(yt, yp)), ref(yt, yp), rtol=1e-5)


def test_loss_objects_reduce_with_sample_weight():
    sw = np.array([1.0, 0.0, 2.0, 1.0], np.float32)
    value = run(losses.BinaryCrossentropy()(yt, yp, sample_weight=sw))
    assert value == pytest.approx((bce_ref(yt, yp) * sw).sum() / 4, rel=1e-5)
    logits = np.array([[-2.0], [1.5], [0.2], [3.0]], np.float32)
    value = run(losses.BinaryCrossentropy(from_logits=True)(yt, logits))
    assert value == pytest.approx(bce_ref(yt, 1 / (1 + np.exp(-logits))).mean(), rel=1e-4)
    assert run(losses.MeanSquaredError()(yt, yp)) == pytest.approx(((yp - yt) ** 2).mean())


def test_categorical_and_sparse_crossentropy():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], np.float32)
    onehot = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    ref = -np.log(np.array([0.7, 0.1]))
    np.testing.assert_allclose(run(losses.categorical_crossentropy(onehot, p)), ref, rtol=1e-5)
    np.testing.assert_allclose(run(losses.sparse_categorical_crossentropy(
        np.array([0, 1]), p)), ref, rtol=1e-5)
    np.testing.assert_allclose(run(losses.sparse_categorical_crossentropy(
        np.array([[0], [1]]), p)), ref, rtol=1e-5)
    logits = np.log(p)
    np.testing.assert_allclose(run(losses.CategoricalCrossentropy(from_logits=True)(
        onehot, logits)), ref.mean(), rtol=1e-5)


def test_sigmoid_output_uses_logits():
    z = tf.constant(np.array([[40.0], [-40.0]], np.float32))
    loss = losses.binary_crossentropy(np.array([[0.0], [1.0]], np.float32), tf.sigmoid(z))
    np.testing.assert_allclose(run(loss), [40.0, 40.0], rtol=1e-5)  # not clipped at -log(1e-7)


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown loss function: 'relu'. Valid names: .*binary_"):
        losses.get("relu")


def test_metric_objects_against_numpy():
    m = metrics.BinaryAccuracy()
    m.update_state(yt, yp)
    assert m.result() == pytest.approx(0.5)
    m.update_state(np.array([[1.0]]), np.array([[0.9]]))
    assert m.result() == pytest.approx(3 / 5)
    m.reset_state()
    assert m.result() == 0
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(yt, yp)
    r.update_state(yt, yp)
    assert p.result() == pytest.approx(0.5) and r.result() == pytest.approx(0.5)
    auc = metrics.AUC()
    auc.update_state(yt, yp)
    assert auc.result() == pytest.approx(0.75, abs=1e-3)
    ca = metrics.CategoricalAccuracy()
    assert ca([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]) == pytest.approx(0.5)
    sa = metrics.SparseCategoricalAccuracy()
    assert sa([1, 0], [[0.2, 0.8], [0.3, 0.7]]) == pytest.approx(0.5)
    mae = metrics.MeanAbsoluteError()
    assert mae(yt, yp) == pytest.approx(np.abs(yt - yp).mean())


def test_accuracy_choice_follows_loss_and_shapes():
    pick = metrics.accuracy_for
    assert pick("binary_crossentropy", (None, 3), (None, 3)) is metrics.binary_accuracy
    assert pick("mse", (None, 1), (None, 1)) is metrics.binary_accuracy
    assert pick("sparse_categorical_crossentropy", (None, 1), (None, 10)) is \
        metrics.sparse_categorical_accuracy
    assert pick("categorical_crossentropy", (None, 10), (None, 10)) is \
        metrics.categorical_accuracy
    assert pick("mse", (None,), (None, 4)) is metrics.sparse_categorical_accuracy


def test_unknown_metric_name():
    with pytest.raises(ValueError, match="Unknown metric function: 'acuracy'"):
        metrics.get("acuracy")


def test_loss_shape_errors_name_y_true_and_y_pred():
    with pytest.raises(ValueError, match=r"Loss: y_true \(the targets\) of shape \(4, 3\) and "
                                         r"y_pred \(the model's output\) of shape \(4, 2\) are "
                                         r"incompatible"):
        losses.mse(tf.placeholder(tf.float32, [4, 3]), tf.placeholder(tf.float32, [4, 2]))
    with pytest.raises(ValueError, match=r"sparse_categorical_crossentropy: y_true \(integer "
                                         r"class labels\) of shape \(4, 3\) does not fit y_pred "
                                         r"of shape \(4, 2\)"):
        losses.sparse_categorical_crossentropy(tf.placeholder(tf.float32, [4, 3]),
                                                 tf.placeholder(tf.float32, [4, 2]))
    m = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
    m.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"y_true \(the targets\) of shape \(\?, 5\) and y_pred "
                                         r"\(the model's output\) of shape \(\?, 2\)"):
        m.fit(np.ones((4, 3)), np.ones((4, 5)), verbose=0)
