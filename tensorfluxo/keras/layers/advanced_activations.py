"""Activation layers with parameters: ELU, PReLU, ThresholdedReLU (and LeakyReLU, ReLU,
Softmax from core.py). Keras 2.2 spelled the module keras.layers.advanced_activations."""

from __future__ import annotations

from ...ops import array_ops as A
from ...ops import math_ops as M
from .. import activations, constraints, initializers, regularizers
from ..engine import Layer
from .core import LeakyReLU, ReLU, Softmax


class ELU(Layer):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    supports_masking = True

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.elu(inputs, self.alpha)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["alpha"] = self.alpha
        return cfg


class ThresholdedReLU(Layer):
    """x if x > theta else 0."""

    supports_masking = True

    def __init__(self, theta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or float(theta) < 0:
            raise ValueError(f"Theta of a thresholded ReLU layer cannot be negative or None, "
                             f"got {theta!r} (layer {self.name!r})")
        self.theta = float(theta)

    def call(self, inputs):
        return inputs * A.cast(M.greater(inputs, self.theta), inputs.dtype)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["theta"] = self.theta
        return cfg


class PReLU(Layer):
    """max(x, 0) + alpha * min(x, 0) with a learned ``alpha`` per input unit (one per
    channel with ``shared_axes=[1, 2]`` after a convolution)."""

    supports_masking = True

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.shared_axes = None if shared_axes is None else (
            [int(shared_axes)] if isinstance(shared_axes, int) else [int(a) for a in shared_axes])

    def build(self, input_shape) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"PReLU (layer {self.name!r}) needs the input's non-batch axes "
                             f"known or shared, got input shape {tuple(input_shape)}")
        self.alpha = self.add_weight("alpha", shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        return M.maximum(inputs, 0.0) + self.alpha * M.minimum(inputs, 0.0)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                   alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                   alpha_constraint=constraints.serialize(self.alpha_constraint),
                   shared_axes=self.shared_axes)
        return cfg


__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]
