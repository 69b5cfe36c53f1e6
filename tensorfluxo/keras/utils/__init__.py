"""tf.keras.utils: to_categorical, normalize, Progbar."""

from __future__ import annotations

import numpy as np

from ..callbacks import Progbar
from ..data_adapter import Sequence
from .vis_utils import model_to_dot, plot_model


def to_categorical(y, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot rows for integer class labels: ``to_categorical([0, 2]) -> [[1,0,0],[0,0,1]]``."""
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError("to_categorical needs integer class labels; got non-integer "
                             "values")
    elif y.dtype.kind not in "iub":
        raise ValueError(f"to_categorical needs integer class labels, got dtype {y.dtype}")
    y = y.astype(np.int64)
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical needs labels >= 0, got {y.min()}")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(f"Label {y.max()} is out of range for num_classes={num_classes}")
    out = np.zeros((y.size, num_classes), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis: int = -1, order: int = 2) -> np.ndarray:
    x = np.asarray(x)
    n = np.atleast_1d(np.linalg.norm(x, order, axis))
    n[n == 0] = 1
    return x / np.expand_dims(n, axis)


__all__ = ["CustomObjectScope", "Progbar", "Sequence", "custom_object_scope",
           "get_custom_objects", "model_to_dot", "normalize", "plot_model", "to_categorical"]


_CUSTOM_OBJECTS: dict = {}


def get_custom_objects() -> dict:
    """The global name -> object table load_model consults (Keras 2)."""
    return _CUSTOM_OBJECTS


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}): load_model(path)``."""

    def __init__(self, *tables):
        self._tables, self._saved = tables, None

    def __enter__(self):
        self._saved = dict(_CUSTOM_OBJECTS)
        for t in self._tables:
            _CUSTOM_OBJECTS.update(t)
        return self

    def __exit__(self, *exc):
        _CUSTOM_OBJECTS.clear()
        _CUSTOM_OBJECTS.update(self._saved)


custom_object_scope = CustomObjectScope


def set_random_seed(seed: int) -> None:
    """Seeds Python's ``random``, NumPy's global generator and tensorfluxo
    (``tf.random.set_seed``) at once, as ``tf.keras.utils.set_random_seed`` does."""
    import random

    from ...ops.random_ops import set_seed
    random.seed(seed)
    np.random.seed(seed)
    set_seed(seed)
