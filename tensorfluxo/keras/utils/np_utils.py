"""keras.utils.np_utils (Keras 2.2's module): to_categorical, normalize."""

from . import normalize, to_categorical

__all__ = ["normalize", "to_categorical"]
