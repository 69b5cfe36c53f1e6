"""tensorfluxo.keras (tf.keras): Keras on tensorfluxo's graph engine.

    import tensorfluxo as tf
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=5)
"""

from __future__ import annotations

import importlib

from . import (
    activations,
    backend,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    utils,
)
from .engine import Input
from .models import Sequential
from .training import Model

__version__ = "2.4.0"

_LAZY = {"datasets": "tensorfluxo.keras.datasets", "wrappers": "tensorfluxo.keras.wrappers",
         "preprocessing": "tensorfluxo.keras.preprocessing"}

__all__ = ["Input", "Model", "Sequential", "activations", "backend", "callbacks", "datasets",
           "initializers", "layers", "losses", "metrics", "models", "optimizers",
           "preprocessing", "regularizers", "utils", "wrappers"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tensorfluxo.keras' has no attribute {name!r}")
    value = importlib.import_module(module)
    globals()[name] = value
    return value
