import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import Input, Model, Sequential
from tensorfluxo.keras.layers import Dense, Dropout, InputLayer


def small_model(**compile_kw):
    tf.random.set_seed(1)
    model = Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(**{"optimizer": tf.keras.optimizers.Adam(0.05), "loss": "binary_crossentropy",
                     "metrics": ["accuracy"], **compile_kw})
    return model


def test_deferred_build_fit_evaluate_predict(circles):
    X, y = circles
    model = small_model()
    assert not model.built
    with pytest.raises(ValueError, match="This model has not yet been built"):
        model.summary()
    hist = model.fit(X, y, epochs=30, verbose=0)
    assert model.built and model.input_shape == (None, 2)
    h = hist.history
    assert type(h["loss"][0]) is float and len(h["loss"]) == 30
    assert h["acc"] is h["accuracy"] and "acc" in h
    assert h["loss"][-1] < h["loss"][0]
    loss, acc = model.evaluate(X, y, verbose=0)
    assert acc > 0.9 and isinstance(loss, float)
    p = model.predict(X)
    assert p.shape == (200, 1) and p.dtype == np.float32
    assert np.mean((p[:, 0] > 0.5) == y) == pytest.approx(acc)


def test_one_session_run_per_batch(circles, monkeypatch):
    X, y = circles
    model = small_model()
    model.fit(X[:10], y[:10], epochs=1, verbose=0)
    from tensorfluxo.keras import backend as K
    sess = K.get_session()
    calls = []
    orig = type(sess).run
    monkeypatch.setattr(type(sess), "run", lambda self, *a, **k: calls.append(1) or
                        orig(self, *a, **k))
    model.fit(X, y, epochs=2, batch_size=50, verbose=0)
    assert len(calls) == 8


def test_functional_model_and_weights(circles):
    X, y = circles
    inp = Input(shape=(2,))
    out = Dense(1, activation="sigmoid")(Dense(4, activation="tanh")(inp))
    model = Model(inp, out)
    assert [la.name for la in model.layers] == ["input_1", "dense_1", "dense"]
    model.compile("sgd", "mse", metrics=["mae"])
    w = model.get_weights()
    assert [a.shape for a in w] == [(2, 4), (4,), (4, 1), (1,)]
    assert model.count_params() == 17
    model.set_weights([np.zeros_like(a) for a in w])
    np.testing.assert_allclose(model.predict(X[:3]), 0.5)
    with pytest.raises(ValueError, match="expects 4 weights"):
        model.set_weights(w[:2])
    loss, mae = model.evaluate(X, y, verbose=0)
    assert loss == pytest.approx(0.25) and mae == pytest.approx(0.5)


def test_summary_format(capsys):
    model = Sequential([InputLayer(input_shape=(784,)), Dense(128, activation="sigmoid"),
                        Dense(10, activation="sigmoid")])
    model.summary()
    assert capsys.readouterr().out == (
        'Model: "sequential"\n'
        + "_" * 65 + "\n"
        "Layer (type)                 Output Shape              Param #   \n"
        + "=" * 65 + "\n"
        "dense (Dense)                (None, 128)               100480    \n"
        + "_" * 65 + "\n"
        "dense_1 (Dense)              (None, 10)                1290      \n"
        + "=" * 65 + "\n"
        "Total params: 101,770\nTrainable params: 101,770\nNon-trainable params: 0\n"
        + "_" * 65 + "\n")


def test_progress_output(circles, capsys):
    X, y = circles
    model = small_model()
    model.fit(X, y, epochs=2, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    import re
    pat = r"7/7 \[==============================\] - \d+s \d+(us|ms|s)/step - loss: " \
          r"\d\.\d{4} - accuracy: \d\.\d{4}$"
    assert re.match(pat, out[1]) and re.match(pat, out[3])
    model.fit(X, y, epochs=1, verbose=2, validation_split=0.25)
    out = capsys.readouterr().out.splitlines()
    assert re.match(r"5/5 - \d+s - loss: \S+ - accuracy: \S+ - val_loss: \S+ - val_accuracy: "
                    r"\S+$", out[1])
    model.fit(X, y, epochs=1, verbose=0)
    model.predict(X)
    assert capsys.readouterr().out == ""
    model.evaluate(X, y)
    assert re.match(r"7/7 \[=+\] - .* - loss: .* - accuracy: ", capsys.readouterr().out)


def test_validation_data_class_and_sample_weights(circles):
    X, y = circles
    model = small_model()
    h = model.fit(X, y, epochs=2, verbose=0, validation_data=[X[:50], y[:50]],
                  class_weight={0: 1.0, 1: 2.0})
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    model.fit(X, y, epochs=1, verbose=0, sample_weight=np.ones(len(y)), shuffle=False,
              initial_epoch=0)
    with pytest.raises(ValueError, match=r"class_weight.*classes \[1\] exist in the data"):
        model.fit(X, y, class_weight={0: 1.0}, verbose=0)


def test_train_test_predict_on_batch(circles):
    X, y = circles
    model = small_model()
    loss, acc = model.train_on_batch(X[:32], y[:32])
    assert isinstance(loss, float) and 0 <= acc <= 1
    assert len(model.test_on_batch(X[:32], y[:32])) == 2
    assert model.predict_on_batch(X[:5]).shape == (5, 1)
    assert model.metrics_names == ["loss", "accuracy"]


def test_evaluate_without_metrics_returns_scalar(circles):
    X, y = circles
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    assert isinstance(model.evaluate(X, y, verbose=0), float)


def test_rank_mismatch_like_tf_keras(circles):
    """Seed 004's model_3: input_shape=(None, 1) fed (n, 2) data becomes (n, 2, 1)."""
    X, y = circles
    model = Sequential([Dense(10, input_shape=(None, 1)), Dense(1)])
    model.compile(loss=tf.keras.losses.BinaryCrossentropy(), optimizer="adam",
                  metrics=["accuracy"])
    model.fit(X, y, epochs=2, verbose=0)
    assert model.predict(X[:4]).shape == (4, 2, 1)


def test_multiclass_losses_and_dropout():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4)).astype(np.float32)
    labels = np.argmax(X[:, :3], 1)
    for loss, y in (("sparse_categorical_crossentropy", labels),
                    ("categorical_crossentropy", tf.keras.utils.to_categorical(labels))):
        model = Sequential([Dense(16, activation="relu", input_dim=4), Dropout(0.1),
                            Dense(3, activation="softmax")])
        model.compile(tf.keras.optimizers.Adam(0.05), loss, metrics=["accuracy"])
        h = model.fit(X, y, epochs=40, verbose=0)
        assert h.history["accuracy"][-1] > 0.85


def test_errors(circles):
    X, y = circles
    model = Sequential([Dense(1, input_shape=(3,))])
    with pytest.raises(RuntimeError, match="You must compile your model before training"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="Unknown loss function: 'relu'"):
        model.compile("adam", loss="relu")
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'"):
        model.compile("adamm", loss="mse")
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"Input 0 of layer 'dense' is incompatible with the "
                                         r"layer: expected shape=\(None, 3\), found "
                                         r"shape=\(None, 2\)"):
        model.fit(X, y, verbose=0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'metrics': metrics are "
                                        "given to compile"):
        model.fit(X, y, metrics=["accuracy"])
    bad = np.ones((4, 3))
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN values \(first at index \(2, 1\)"):
        model.fit(bad, np.ones(4), verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous: x sizes: 4, y sizes: 3"):
        model.fit(np.ones((4, 3)), np.ones(3), verbose=0)
    clf = Sequential([Dense(3, activation="softmax", input_shape=(2,))])
    clf.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"one-hot targets shaped like the output \(None, 3\), "
                                         r"but the targets have shape \(200, 1\)"):
        clf.fit(X, y, verbose=0)
    clf.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"integer class labels in \[0, 3\)"):
        clf.fit(X, y + 5, verbose=0)
    with pytest.raises(ValueError, match="unique names"):
        Sequential([Dense(1, name="a"), Dense(1, name="a")])
