"""Training API: schedules, the learning rate as a float, optimizer slots through
save/load_model (training resumes exactly), predict_classes/predict_proba, metrics from loss
objects and functions, loss_weights, Input(tensor=...), plot_model's error, Progbar."""

import sys

import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo import keras
from tensorfluxo.keras import backend as K
from tensorfluxo.keras.optimizers import schedules

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype(np.float32)
Y = (X[:, :1] + X[:, 1:2] > 0).astype(np.float32)


def _model(opt="adam", loss="binary_crossentropy", **kw):
    model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=(4,)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(opt, loss, **kw)
    return model


@pytest.mark.parametrize("schedule,ref", [
    (schedules.ExponentialDecay(0.1, 10, 0.5), lambda t: 0.1 * 0.5 ** (t / 10)),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
     lambda t: 0.1 * 0.5 ** (t // 10)),
    (schedules.InverseTimeDecay(0.1, 10, 0.5), lambda t: 0.1 / (1 + 0.5 * t / 10)),
    (schedules.PiecewiseConstantDecay([5, 15], [0.1, 0.01, 0.001]),
     lambda t: 0.1 if t <= 5 else 0.01 if t <= 15 else 0.001),
    (schedules.CosineDecay(0.1, 20, alpha=0.1),
     lambda t: 0.1 * (0.9 * 0.5 * (1 + np.cos(np.pi * min(t, 20) / 20)) + 0.1))])
def test_schedules_against_numpy(schedule, ref):
    for t in (0, 3, 10, 17, 40):
        assert K.eval(schedule(tf.constant(t, tf.int64))) == pytest.approx(ref(t), rel=1e-5)
    clone = type(schedule).from_config(schedule.get_config())
    assert clone.get_config() == schedule.get_config()


def test_schedules_import_path():
    from tensorfluxo.keras.optimizers.schedules import CosineDecay
    assert tf.keras.optimizers.schedules.CosineDecay is CosineDecay


def test_optimizer_follows_its_schedule_and_saves_it(tmp_path):
    lr = schedules.PiecewiseConstantDecay([1], [0.25, 0.0])
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(1,), use_bias=False,
                                                 kernel_initializer="zeros")])
    model.compile(keras.optimizers.SGD(learning_rate=lr), "mse")
    x, y = np.ones((1, 1), np.float32), np.ones((1, 1), np.float32)
    for _ in range(4):  # w -= lr * 2 (w - 1): 0.5, 0.75 at rate 0.25, then rate 0
        model.train_on_batch(x, y)
    assert model.get_weights()[0].item() == pytest.approx(0.75)
    model.save(str(tmp_path / "m.h5"))
    loaded = keras.models.load_model(str(tmp_path / "m.h5"))
    assert isinstance(loaded.optimizer.get_config()["learning_rate"], dict)


def test_learning_rate_reads_as_float_and_set_value():
    model = _model(keras.optimizers.Adam(0.01))
    model.fit(X, Y, epochs=1, verbose=0)
    assert float(model.optimizer.lr) == pytest.approx(0.01)
    K.set_value(model.optimizer.lr, 0.5)
    assert K.get_value(model.optimizer.learning_rate) == pytest.approx(0.5)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.5)


@pytest.mark.parametrize("ext", [".h5", ".keras"])
def test_saved_model_resumes_training_exactly(tmp_path, ext):
    tf.set_random_seed(0)
    model = _model(keras.optimizers.Adam(0.05), metrics=["accuracy"])
    model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = str(tmp_path / ("m" + ext))
    model.save(path)
    loaded = keras.models.load_model(path)
    for _ in range(3):
        a = model.train_on_batch(X[:16], Y[:16])
        b = loaded.train_on_batch(X[:16], Y[:16])
        assert a == b
    for w1, w2 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    assert K.get_value(loaded.optimizer.iterations) == 4 * 2 + 3


def test_loaded_optimizer_weights_that_do_not_fit(tmp_path):
    model = _model(keras.optimizers.Adam(0.05))
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(str(tmp_path / "m.h5"))
    loaded = keras.models.load_model(str(tmp_path / "m.h5"))
    loaded.optimizer._pending_weights = loaded.optimizer._pending_weights[:2]
    with pytest.raises(ValueError, match="has 9 weights .* but 2 values were given"):
        loaded.fit(X, Y, verbose=0)


def test_predict_classes_and_proba():
    model = _model("adam")
    proba = model.predict_proba(X[:5])
    np.testing.assert_array_equal(model.predict_classes(X[:5]), (proba > 0.5).astype("int32"))
    multi = keras.Sequential([keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
    np.testing.assert_array_equal(multi.predict_classes(X[:5]),
                                  multi.predict(X[:5]).argmax(-1))


def test_custom_metric_functions_and_loss_objects_as_metrics():
    def mean_pred(y_true, y_pred):
        return K.mean(y_pred, axis=-1)

    model = _model("adam", metrics=[mean_pred, keras.losses.MeanSquaredError()])
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    pred = model.predict(X)
    assert logs["mean_pred"] == pytest.approx(pred.mean(), rel=1e-5)
    assert logs["mean_squared_error"] == pytest.approx(((pred - Y) ** 2).mean(), rel=1e-5)


def test_loss_weights_with_two_outputs():
    inp = keras.Input(shape=(4,))
    a = keras.layers.Dense(1, name="a")(inp)
    b = keras.layers.Dense(1, name="b")(inp)
    model = keras.Model(inp, [a, b])
    model.compile("sgd", ["mse", "mae"], loss_weights=[2.0, 0.5])
    model.compile("sgd", ["mse", "mae"], loss_weights=[2.0, 0.5], metrics=["mae"])
    assert model.evaluate(X[:1], [Y[:1], Y[:1]], verbose=0)  # builds the test function
    assert model.metrics_names == ["loss", "a_loss", "b_loss", "a_mae", "b_mae"]
    loss, la, lb, a_mae, b_mae = model.evaluate(X, [Y, Y], batch_size=20, verbose=0)
    pa, pb = model.predict(X)
    assert la == pytest.approx(((pa - Y) ** 2).mean(), rel=1e-5)
    assert lb == pytest.approx(np.abs(pb - Y).mean(), rel=1e-5)
    assert loss == pytest.approx(2.0 * la + 0.5 * lb, rel=1e-5)
    assert a_mae == pytest.approx(np.abs(pa - Y).mean(), rel=1e-5) and b_mae == lb
    hist = model.fit(X, [Y, Y], epochs=1, verbose=0)
    assert sorted(hist.history) == ["a_loss", "a_mae", "b_loss", "b_mae", "loss"]


def test_input_tensor_and_target_tensors():
    """Keras 2's way of training on tensors (a queue or dataset's, here constants): the
    inputs are Input(tensor=...), the targets compile(target_tensors=...), nothing is fed."""
    inp = keras.Input(tensor=tf.constant(X))
    model = keras.Model(inp, keras.layers.Dense(1, activation="sigmoid")(inp))
    assert model.input_shape == (64, 4)
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"],
                  target_tensors=[tf.constant(Y)])
    hist = model.fit(epochs=20, steps_per_epoch=2, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    loss, acc = model.evaluate(steps=1, verbose=0)
    assert acc > 0.8 and loss == pytest.approx(hist.history["loss"][-1], rel=0.2)
    assert model.predict(steps=2).shape == (128, 1)
    with pytest.raises(ValueError, match="fit needs steps_per_epoch"):
        model.fit(verbose=0)
    with pytest.raises(ValueError, match="one entry per model output"):
        model.compile("sgd", "mse", target_tensors=[tf.constant(Y), tf.constant(Y)])


def test_target_tensors_with_fed_inputs():
    inp = keras.Input(shape=(4,), batch_size=64)
    model = keras.Model(inp, keras.layers.Dense(1)(inp))
    model.compile("sgd", "mse", target_tensors=[tf.constant(Y)])
    model.fit(X, epochs=2, batch_size=64, verbose=0)
    assert model.evaluate(X, batch_size=64, verbose=0) == pytest.approx(
        ((model.predict(X, batch_size=64) - Y) ** 2).mean(), rel=1e-5)


def test_plot_model_without_pydot_is_keras_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)  # as if pydot were not installed
    with pytest.raises(ImportError, match="You must install pydot"):
        keras.utils.plot_model(_model(), to_file=str(tmp_path / "m.png"))


def test_plot_model_writes_the_layer_graph(tmp_path, monkeypatch):
    model = keras.Sequential([keras.layers.Dense(8, input_shape=(4,), name="hidden"),
                              keras.layers.Dense(1, name="out")])
    text = keras.utils.model_to_dot(model, show_shapes=True).to_string()
    assert "hidden: Dense" in text and "out: Dense" in text
    assert "(None, 4)" in text and "(None, 8)" in text and "(None, 1)" in text
    assert text.count("->") == 2  # input -> hidden -> out
    keras.utils.plot_model(model, to_file=str(tmp_path / "m.dot"), show_shapes=True)
    assert "hidden: Dense" in (tmp_path / "m.dot").read_text()
    # An image needs graphviz's `dot`; without it on PATH, the error says what to install.
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ImportError, match="You must install graphviz .*pydot is installed"):
        keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    assert not (tmp_path / "m.png").exists()


def test_progbar_and_generic_utils(capsys):
    from tensorfluxo.keras.utils import generic_utils, np_utils
    bar = generic_utils.Progbar(3)
    for i in range(3):
        bar.update(i + 1, [("loss", 0.5)])
    assert "3/3" in capsys.readouterr().out
    np.testing.assert_array_equal(np_utils.to_categorical([1, 0]), [[0, 1], [1, 0]])
