"""The Keras examples, shortened (part of MNIST, one or two epochs); the full runs are the
slow tests below, their figures in /work/notes/keras.md."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _siamese(args, timeout):
    """The siamese example is a standalone Keras 2.2 program: run it through the runner."""
    out = subprocess.run([sys.executable, "-m", "tensorfluxo.run",
                          str(EXAMPLES / "keras2_mnist_siamese.py"), *args],
                         capture_output=True, text=True, timeout=timeout,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith("* Accuracy")]
    return [float(line.split(":")[1].strip(" %")) for line in lines]


def test_siamese_contrastive_loss_learns(mnist_dir):
    train_acc, test_acc = _siamese(["--epochs", "2", "--n-train", "5000", "--n-test", "1000"],
                                   600)
    assert train_acc > 85 and test_acc > 80


def test_vae_with_add_loss_learns(mnist_dir):
    assert _load("keras_vae_mnist").main(epochs=1, n_train=10000) < 215


def test_subclassed_mnist_classifier_learns(mnist_dir):
    assert _load("keras_subclassed_mnist").main(epochs=1, n_train=10000) > 0.88


@pytest.mark.slow
def test_siamese_full(mnist_dir):
    train_acc, test_acc = _siamese([], 7200)
    assert train_acc > 97 and test_acc > 96


@pytest.mark.slow
def test_vae_full(mnist_dir):
    assert _load("keras_vae_mnist").main(epochs=10) < 165


@pytest.mark.slow
def test_subclassed_mnist_full(mnist_dir):
    assert _load("keras_subclassed_mnist").main(epochs=5) > 0.97


def test_imdb_lstm_learns_with_masked_padding():
    assert _load("keras_imdb_lstm").main(epochs=2, n_train=2000, n_test=500, verbose=0) > 0.7


def test_stateful_lstm_predicts_the_cosine():
    # prediction error relative to the target's variance (1 = predicting the mean)
    assert _load("keras_stateful_lstm").main(epochs=6, xn=10000, verbose=0) < 0.15


@pytest.mark.slow
def test_imdb_lstm_full():
    assert _load("keras_imdb_lstm").main(verbose=0) > 0.9


@pytest.mark.slow
def test_stateful_lstm_full():
    assert _load("keras_stateful_lstm").main(verbose=0) < 0.08
