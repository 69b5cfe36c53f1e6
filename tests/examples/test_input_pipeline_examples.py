"""The input-pipeline examples, shortened (10,000 training images, one epoch); the full runs'
figures are in the closing note of issue 12 (slow tests below run them whole)."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dataset_api_mnist_learns(mnist_dir):
    assert _load("mnist_dataset_api").main(epochs=1, n_train=10000) > 0.90


def test_keras_from_a_tfrecord_file_matches_keras_from_arrays(mnist_dir):
    acc_file, acc_arrays = _load("keras_mnist_tfrecord").main(epochs=1, n_train=10000)
    assert acc_file > 0.88 and abs(acc_file - acc_arrays) < 0.02


@pytest.mark.slow
def test_dataset_api_mnist_full(mnist_dir):
    assert _load("mnist_dataset_api").main(epochs=5) > 0.97


@pytest.mark.slow
def test_keras_tfrecord_full(mnist_dir):
    acc_file, acc_arrays = _load("keras_mnist_tfrecord").main(epochs=3)
    assert acc_file > 0.96 and abs(acc_file - acc_arrays) < 0.01
