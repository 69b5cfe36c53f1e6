"""The data side of examples/mnist_mlp.py (the `make demo` script); training needs the engine."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tensorfluxo.keras.datasets import mnist

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "mnist_mlp.py"


@pytest.fixture(scope="module")
def demo():
    spec = importlib.util.spec_from_file_location("mnist_mlp_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # main() only runs under __main__
    return module


def test_load_mnist_splits_validation_off_the_training_set(demo):
    X_train, y_train, X_valid, y_valid, X_test, y_test = demo.load_mnist()
    assert [a.shape for a in (X_train, y_train, X_valid, y_valid, X_test, y_test)] == [
        (55000, 784), (55000,), (5000, 784), (5000,), (10000, 784), (10000,)]
    assert X_train.dtype == np.float32 and y_train.dtype == np.int32
    assert X_valid.min() == 0.0 and X_valid.max() == 1.0
    (x_full, y_full), _ = mnist.load_data()
    np.testing.assert_array_equal(y_valid, y_full[:5000])
    np.testing.assert_array_equal(y_train, y_full[5000:])


def test_shuffle_batch_visits_every_example_once(demo):
    X = np.arange(110).reshape(110, 1) * 10
    y = np.arange(110)
    batches = list(demo.shuffle_batch(X, y, 50, np.random.RandomState(0)))
    assert [len(b) for b, _ in batches] == [55, 55]  # 110 // 50 batches, sizes evened out
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(110)) and seen.tolist() != list(range(110))
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb[:, 0], yb * 10)
