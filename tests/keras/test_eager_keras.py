"""Keras in eager mode: calls return values, custom training loops, compile/fit on the eager
state (the step is one compiled plan, as tf.keras runs it under tf.function)."""

import numpy as np
import pytest

import tensorfluxo as tf

pytestmark = pytest.mark.usefixtures("eager")


def _data(n=200):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)  # XOR-like quadrants
    return x, y


def _model():
    tf.random.set_seed(1)
    return tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                tf.keras.layers.Dense(1, activation="sigmoid")])


def test_model_call_returns_values_and_weights_are_eager_variables():
    model = _model()
    x, _ = _data(3)
    out = model(x)
    assert isinstance(out, tf.Tensor) and out.shape == (3, 1)
    assert "numpy=" in repr(out)
    w = model.weights[0]
    assert w.numpy().shape == (2, 8) and isinstance(w, tf.Variable)
    assert len(model.trainable_variables) == 4
    manual = np.maximum(x @ w.numpy() + model.weights[1].numpy(), 0)
    manual = 1 / (1 + np.exp(-(manual @ model.weights[2].numpy() + model.weights[3].numpy())))
    np.testing.assert_allclose(out.numpy(), manual, rtol=1e-5)
    assert model(x[:1]).shape == (1, 1)  # any batch size


@pytest.mark.parametrize("compiled", [False, True])
def test_custom_training_loop_with_tape_and_apply_gradients(compiled):
    model = _model()
    opt = tf.keras.optimizers.Adam(learning_rate=0.05)
    loss_fn = tf.keras.losses.BinaryCrossentropy()
    x, y = _data()

    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    if compiled:
        step = tf.function(step)
    losses = [float(step(x, y)) for _ in range(150)]
    assert losses[-1] < 0.5 * losses[0]
    assert int(opt.iterations) == 150
    if compiled:
        assert step.experimental_get_tracing_count() <= 2


def test_compile_fit_evaluate_predict_in_eager_mode():
    model = _model()
    x, y = _data()
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.05),
                  loss="binary_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=30, batch_size=50, verbose=0)
    assert h.history["loss"][-1] < 0.6 * h.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.85
    p = model.predict(x[:5], verbose=0)
    assert isinstance(p, np.ndarray) and p.shape == (5, 1)
    np.testing.assert_allclose(p, model(x[:5]).numpy(), rtol=1e-5)
    assert abs(float(model.optimizer.learning_rate) - 0.05) < 1e-7


def test_apply_gradients_without_any_gradient_is_refused():
    v = tf.Variable([1.0])
    opt = tf.keras.optimizers.SGD()
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, v)])


class _Subclassed(tf.keras.Model):
    def __init__(self, dropout=True):
        super().__init__()
        self.hidden = tf.keras.layers.Dense(16, activation="relu")
        self.drop = tf.keras.layers.Dropout(0.1) if dropout else None
        self.norm = tf.keras.layers.BatchNormalization()
        self.out = tf.keras.layers.Dense(1, activation="sigmoid")

    def call(self, x, training=False):  # TF2's usual signature: fit must pass training=True
        h = self.hidden(x)
        if self.drop is not None:
            h = self.drop(h, training=training)
        return self.out(self.norm(h, training=training))


def _fit_subclassed(dropout=True):
    tf.keras.backend.clear_session()
    tf.random.set_seed(0)
    x, y = _data(512)
    model = _Subclassed(dropout)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0, validation_split=0.1)
    moving_mean = tf.keras.backend.get_value(model.norm.moving_mean)
    return hist.history, model.evaluate(x, y, verbose=0), model.predict(x[:4]), moving_mean


def test_subclassed_model_fit_evaluate_predict_in_eager_mode():
    for mode in ("eager", "graph"):
        if mode == "graph":
            tf.disable_eager_execution()
        hist, scores, pred, moving_mean = _fit_subclassed()
        assert hist["accuracy"][-1] > 0.85 and scores[1] > 0.85 and pred.shape == (4, 1)
        assert np.abs(moving_mean).max() > 0.01  # fit ran the layers with training=True


def test_subclassed_model_trains_to_the_same_numbers_in_eager_and_graph_mode():
    hist, scores, pred, _ = _fit_subclassed(dropout=False)  # (no random op in the step)
    tf.disable_eager_execution()
    g_hist, g_scores, g_pred, _ = _fit_subclassed(dropout=False)
    np.testing.assert_allclose(hist["loss"], g_hist["loss"], rtol=1e-5)
    np.testing.assert_allclose(scores, g_scores, rtol=1e-5)
    np.testing.assert_allclose(pred, g_pred, rtol=1e-5)


def test_subclassed_call_branching_on_training_in_python_is_told_its_default_is_used():
    class Branchy(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.out = tf.keras.layers.Dense(1)

        def call(self, x, training=False):
            return self.out(x * 2.0 if training else x)
    model = Branchy()
    model.compile("sgd", "mse")
    x, y = _data(32)
    with pytest.warns(UserWarning, match=r"Branchy.call uses `training` as a Python bool; .*"
                                         r"fit runs the call with its default `training`"):
        model.fit(x, y, epochs=1, verbose=0)


def test_sequential_with_batch_normalization_fits_in_eager_mode():
    tf.random.set_seed(0)
    x, y = _data(256)
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.BatchNormalization(),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(tf.keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=10, verbose=0).history
    assert hist["loss"][-1] < hist["loss"][0] and hist["accuracy"][-1] > 0.8
    assert np.abs(model.layers[1].moving_mean.numpy()).max() > 0.01
