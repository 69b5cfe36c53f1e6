"""Standalone Keras 2.2 (``import keras`` under ``python -m tensorfluxo.run``).

The rule: a program that imports ``keras`` gets standalone Keras 2.2's optimizer defaults,
one that uses ``tf.keras`` gets tf.keras 2's. Both are the same Keras (tensorfluxo.keras);
only ``keras.optimizers`` differs, and the ``Model`` / ``Sequential`` classes of
``keras`` resolve optimizer names given to ``compile`` ("adadelta") with it:

    ========  =======================  ======================
    name      keras (2.2) default lr   tf.keras (2.x) default
    ========  =======================  ======================
    SGD       0.01                     0.01
    RMSprop   0.001                    0.001
    Adagrad   0.01 (accumulator 0)     0.001 (accumulator 0.1)
    Adadelta  1.0                      0.001
    Adam      0.001                    0.001
    Adamax    0.002                    0.001
    Nadam     0.002                    0.001
    ========  =======================  ======================

Every other ``keras.X`` module is tensorfluxo.keras.X (the runner falls back to it), so Keras
2.2's module spellings (keras.layers.merge, keras.utils.np_utils, keras.engine.topology...)
work in both.
"""

from __future__ import annotations

import importlib

from ..keras import (  # noqa: F401 - keras.<module>
    Input,
    activations,
    backend,
    callbacks,
    constraints,
    initializers,
    layers,
    losses,
    metrics,
    regularizers,
    utils,
)
from . import engine, models, optimizers  # noqa: F401
from .models import Model, Sequential  # noqa: F401

__version__ = "2.2.4"


def __getattr__(name: str):
    """Anything else (datasets, wrappers, preprocessing...) from tensorfluxo.keras."""
    return getattr(importlib.import_module("tensorfluxo.keras"), name)
