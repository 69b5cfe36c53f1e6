"""tf.keras.layers."""

from ..engine import Input, InputLayer, Layer
from .core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    LeakyReLU,
    ReLU,
    Reshape,
    Softmax,
)
from .normalization import BatchNormalization

__all__ = ["Activation", "BatchNormalization", "Dense", "Dropout", "Flatten", "Input",
           "InputLayer", "Lambda", "Layer", "LeakyReLU", "ReLU", "Reshape", "Softmax"]


def serialize(layer) -> dict:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config: dict, custom_objects=None, safe_mode: bool = True):
    """A layer from {"class_name": ..., "config": ...}."""
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _layer_classes().get(name)
    if cls is None:
        raise ValueError(f"Unknown layer: {name!r}. Please ensure this object is passed to "
                         f"the `custom_objects` argument.")
    if cls is Lambda:
        return cls.from_config(config["config"], safe_mode=safe_mode)
    return cls.from_config(config["config"])


def _layer_classes() -> dict:
    from .. import models
    out = {n: globals()[n] for n in __all__ if isinstance(globals()[n], type)}
    out.update(Sequential=models.Sequential, Model=models.Model, Functional=models.Model)
    return out
