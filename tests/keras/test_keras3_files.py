"""Keras 3 files: .keras, .h5 and .weights.h5 written by Keras 3.15 (tests/data/interop/, made
by scripts/make_tf_interop_files.py) load here and predict what Keras 3 predicted; what
tensorfluxo writes uses Keras 3's layout (Keras 3 loading it: that script's "check")."""

import json
import os
import shutil
import zipfile

import h5py
import numpy as np
import pytest

import tensorfluxo as tf

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "interop")
EXPECTED = np.load(os.path.join(DATA, "expected.npz"))
K = tf.keras


def path(name, ext):
    return os.path.join(DATA, f"keras3_{name}{ext}")


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_keras3_models_load_and_predict_as_keras3(name, ext):
    model = K.models.load_model(path(name, ext))
    np.testing.assert_allclose(model.predict(EXPECTED[f"keras3_{name}/x"]),
                               EXPECTED[f"keras3_{name}/y"], rtol=1e-5, atol=1e-6)
    assert type(model.optimizer).__name__ == "Adam"  # compile_config is read too
    model.evaluate(EXPECTED[f"keras3_{name}/x"], np.zeros(len(EXPECTED[f"keras3_{name}/x"])),
                   verbose=0)


@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_keras3_weights_file_loads_into_the_same_architecture(name):
    model = K.models.load_model(path(name, ".keras"), compile=False)
    fresh = K.models.clone_model(model)
    fresh.load_weights(path(name, ".weights.h5"))
    np.testing.assert_allclose(fresh.predict(EXPECTED[f"keras3_{name}/x"]),
                               EXPECTED[f"keras3_{name}/y"], rtol=1e-5, atol=1e-6)


def test_we_write_keras3_layout(tmp_path):
    model = K.Sequential([K.layers.Dense(4, activation="relu", input_shape=(3,), name="a"),
                          K.layers.BatchNormalization(name="bn"),
                          K.layers.Dense(2, name="b")])
    model.compile("adam", "mse")
    x = np.random.RandomState(0).rand(4, 3).astype(np.float32)
    want = model.predict(x)
    model.save(str(tmp_path / "m.keras"))
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        cfg = json.loads(z.read("config.json"))
        assert json.loads(z.read("metadata.json"))["keras_version"].startswith("3.")
    assert (cfg["module"], cfg["class_name"]) == ("keras", "Sequential")
    entries = cfg["config"]["layers"]
    assert entries[0]["config"]["batch_shape"] == [None, 3]  # an InputLayer, Keras 3 style
    dense = entries[1]
    assert dense["module"] == "keras.layers" and dense["registered_name"] is None
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert dense["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert dense["build_config"] == {"input_shape": [None, 3]}
    assert cfg["compile_config"]["optimizer"]["class_name"] == "Adam"
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert f["layers/dense/vars"].attrs["name"] == "a"
        assert f["layers/dense/vars/0"].shape == (3, 4)
        assert f["layers/batch_normalization/vars/3"].shape == (4,)  # moving variance
        assert f["layers/dense_1/vars/1"].shape == (2,)
    back = K.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(back.predict(x), want)
    back.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_array_equal(back.predict(x), want)


def edited(tmp_path, name, edit):
    """A copy of a Keras 3 .keras file with its config.json changed by ``edit``."""
    src, dst = path(name, ".keras"), str(tmp_path / f"{name}.keras")
    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    cfg = json.loads(files["config.json"])
    edit(cfg)
    files["config.json"] = json.dumps(cfg).encode()
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return dst


def test_unknown_layers_and_unsupported_settings_name_the_file(tmp_path):
    def rename(cfg):
        cfg["config"]["layers"][1]["class_name"] = "FancyDense"
    bad = edited(tmp_path, "mlp", rename)
    with pytest.raises(ValueError, match=r"Unknown layer: 'FancyDense'.*\(loading .*mlp\.keras\)"):
        K.models.load_model(bad)

    def renorm(cfg):
        cfg["config"]["layers"][2]["config"]["renorm"] = True
    bad = edited(tmp_path, "mlp", renorm)
    with pytest.raises(ValueError, match=r"Layer BatchNormalization \(in .*mlp\.keras\) uses "
                                         r"renorm=True, which tensorfluxo does not support"):
        K.models.load_model(bad)


def test_missing_and_mismatched_keras3_weights(tmp_path):
    model = K.models.load_model(path("mlp", ".keras"), compile=False)
    wrong = K.Sequential([K.layers.Dense(5, input_shape=(6,)), K.layers.Dense(3)])
    with pytest.raises(ValueError, match=r"weight .* has shape \(6, 5\), but layers/dense in "
                                         r".*keras3_mlp\.weights\.h5 holds shape \(6, 8\)"):
        wrong.load_weights(path("mlp", ".weights.h5"))
    other = str(tmp_path / "w.weights.h5")
    shutil.copy(path("mlp", ".weights.h5"), other)
    with h5py.File(other, "a") as f:
        del f["layers/batch_normalization"]
    with pytest.raises(ValueError, match="has no group layers/batch_normalization for layer "
                                         "'bn'"):
        model.load_weights(other)
