"""keras.engine.training (Keras 2.2's module): Model."""

from ..models import Model  # noqa: F401
