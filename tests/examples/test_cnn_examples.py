"""The convolutional examples, shortened so that they prove learning in seconds (the full
runs, marked long, check the figures users expect: >= 99% test accuracy)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keras_mnist_cnn_learns(mnist_dir):
    # 2,000 images, one epoch (16 Adadelta steps): well above chance (0.1)
    assert _load("keras_mnist_cnn").main(epochs=1, n_train=2000, n_test=1000, verbose=0) > 0.5


def test_deep_mnist_learns(mnist_dir):
    # 100 of the tutorial's 20,000 steps, at Adam 1e-3 instead of 1e-4: ~0.93 already
    assert _load("deep_mnist").main(steps=100, log_every=0, n_test=1000,
                                    learning_rate=1e-3) > 0.85


def test_conv_autoencoder_reconstructs_better_than_the_mean_image(mnist_dir):
    mse, mean_image = _load("conv_autoencoder").main(epochs=2, n_train=2000, n_test=1000,
                                                     batch_size=32, verbose=0)
    assert mse < 0.9 * mean_image


def test_conv_autoencoder_with_transposed_convolutions_trains(mnist_dir):
    from tensorfluxo.keras.datasets import mnist

    model = _load("conv_autoencoder").build("transpose")
    assert model.output_shape == (None, 28, 28, 1)
    (x, _), _ = mnist.load_data()
    x = x[:256].astype("float32").reshape(-1, 28, 28, 1) / 255.0
    before = model.evaluate(x, x, verbose=0)
    model.fit(x, x, epochs=2, batch_size=32, verbose=0)
    assert model.evaluate(x, x, verbose=0) < before
    assert np.isfinite(model.predict(x[:4])).all()


@pytest.mark.long
def test_keras_mnist_cnn_full(mnist_dir):
    assert _load("keras_mnist_cnn").main(epochs=12, verbose=0) >= 0.99


@pytest.mark.long
def test_deep_mnist_full(mnist_dir):
    assert _load("deep_mnist").main(steps=20000, log_every=0) >= 0.99


@pytest.mark.long
def test_conv_autoencoder_full(mnist_dir):
    mse, mean_image = _load("conv_autoencoder").main(epochs=5, verbose=0)
    assert mse < 0.3 * mean_image
