import json
import zipfile

import h5py
import numpy as np
import pytest

import tensorfluxo as tf
from tensorfluxo.keras import Input, Model, Sequential
from tensorfluxo.keras.layers import BatchNormalization, Dense, Lambda
from tensorfluxo.keras.models import clone_model, load_model, model_from_json


def trained(X, y):
    m = Sequential([Dense(4, activation="relu", input_shape=(2,)), BatchNormalization(),
                    Dense(1, activation="sigmoid")])
    m.compile(tf.keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    m.fit(X, y, epochs=2, verbose=0)
    return m


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_save_load_round_trip(circles, tmp_path, name):
    X, y = circles
    m = trained(X, y)
    path = tmp_path / name
    m.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), m.predict(X))
    assert loaded.evaluate(X, y, verbose=0) == pytest.approx(m.evaluate(X, y, verbose=0))
    assert isinstance(loaded.optimizer, tf.keras.optimizers.Adam)
    loaded.fit(X, y, epochs=1, verbose=0)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary files left


def test_h5_layout(circles, tmp_path):
    X, y = circles
    m = trained(X, y)
    m.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        assert f.attrs["backend"] in (b"tensorflow", "tensorflow") and "keras_version" in f.attrs
        g = f["model_weights"]
        names = [n.decode() for n in g.attrs["layer_names"]]
        assert names == ["dense", "batch_normalization", "dense_1"]
        assert list(g["dense"].attrs["weight_names"]) == [b"dense/kernel:0", b"dense/bias:0"]
        np.testing.assert_array_equal(g["dense"]["dense"]["kernel:0"], m.get_weights()[0])
    m.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert {"config.json", "metadata.json", "model.weights.h5"} <= set(z.namelist())


def test_weights_json_and_clone(circles, tmp_path):
    X, y = circles
    m = trained(X, y)
    m.save_weights(tmp_path / "w.h5")
    other = model_from_json(m.to_json())
    other.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(other.predict(X), m.predict(X))
    clone = clone_model(m)
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in m.get_weights()]
    assert not np.array_equal(clone.get_weights()[0], m.get_weights()[0])


def test_mismatched_weights_file(circles, tmp_path):
    X, y = circles
    trained(X, y).save_weights(tmp_path / "w.h5")
    wide = Sequential([Dense(5, activation="relu", input_shape=(2,)), BatchNormalization(),
                       Dense(1)])
    with pytest.raises(ValueError, match=r"Layer #0 \(named 'dense_2'\): weight dense_2/kernel:0 "
                                         r"has shape \(2, 5\), but the saved weight "
                                         r"dense/kernel:0 .* has shape \(2, 4\)"):
        wide.load_weights(tmp_path / "w.h5")
    short = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="contains 3 layers with weights, but the model has 1"):
        short.load_weights(tmp_path / "w.h5")
    (tmp_path / "junk.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="neither an HDF5 nor a .keras model file"):
        load_model(tmp_path / "junk.h5")
    with pytest.raises(OSError, match="No file or directory found"):
        load_model(tmp_path / "missing.h5")


def test_functional_with_lambda_needs_unsafe_mode(circles, tmp_path):
    X, y = circles
    inp = Input(shape=(2,))
    out = Dense(1)(Lambda(lambda t: t * 3.0)(Dense(3)(inp)))
    m = Model(inp, out)
    m.compile("sgd", "mse")
    m.save(tmp_path / "f.h5")
    with pytest.raises(ValueError, match="not allowed in safe mode.*safe_mode=False"):
        load_model(tmp_path / "f.h5")
    loaded = load_model(tmp_path / "f.h5", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X), m.predict(X), rtol=1e-6)
