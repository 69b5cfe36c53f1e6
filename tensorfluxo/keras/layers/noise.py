"""Noise layers, active only while training: GaussianNoise, GaussianDropout, AlphaDropout.

As Dropout does, each draws its noise inside a ``tf.cond`` on the learning phase (inference
draws nothing) and applies it outside, so the gradient never needs a tensor made in a branch.
"""

from __future__ import annotations

from ...ops import array_ops as A
from ...ops import control_flow_ops, random_ops
from ...ops import math_ops as M
from .. import backend as K
from ..engine import Layer
from .core import noise_shape_of


def _noisy(layer, inputs, training, draw):
    """``inputs * mult + shift`` with (mult, shift) = ``draw(shape)`` while training, the
    identity otherwise. ``shift`` may be None (multiplicative noise only)."""
    flag = K.training_flag(training, inputs.graph)
    if flag is False or layer._inactive():
        return A.identity(inputs)
    shape = noise_shape_of(inputs, layer.noise_shape)
    if flag is True:
        mult, shift = draw(shape)
    else:
        one, zero = A.ones([], inputs.dtype), A.zeros([], inputs.dtype)
        pair = control_flow_ops.cond(flag, lambda: list(draw(shape)),
                                     lambda: [one, zero], name="noise")
        mult, shift = pair
    y = inputs * mult if mult is not None else inputs
    y = y + shift if shift is not None else y
    y.set_shape(inputs.shape)
    return y


class _Noise(Layer):
    def __init__(self, seed=None, noise_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.seed, self.noise_shape = seed, noise_shape

    def _inactive(self) -> bool:
        return False

    def _check_rate(self, rate) -> float:
        if not 0 <= float(rate) < 1:
            raise ValueError(f"Invalid value received for argument `rate`: {rate!r}; it must "
                             f"be in [0, 1) (layer {self.name!r})")
        return float(rate)


class GaussianNoise(_Noise):
    """Adds N(0, stddev²) noise while training (a regularizer for real-valued inputs)."""

    supports_masking = True

    def __init__(self, stddev: float, **kwargs):
        seed = kwargs.pop("seed", None)
        super().__init__(seed=seed, **kwargs)
        self.stddev = float(stddev)

    def _inactive(self) -> bool:
        return self.stddev == 0

    def call(self, inputs, training=None):
        def draw(shape):
            noise = random_ops.random_normal(shape, 0.0, self.stddev, inputs.dtype,
                                             seed=self.seed)
            return A.ones([], inputs.dtype), noise
        return _noisy(self, inputs, training, draw)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(stddev=self.stddev, seed=self.seed)
        return cfg


class GaussianDropout(_Noise):
    """Multiplies by 1-centred Gaussian noise of stddev sqrt(rate / (1 - rate)) while
    training."""

    supports_masking = True

    def __init__(self, rate: float, **kwargs):
        seed = kwargs.pop("seed", None)
        super().__init__(seed=seed, **kwargs)
        self.rate = self._check_rate(rate)

    def _inactive(self) -> bool:
        return self.rate == 0

    def call(self, inputs, training=None):
        stddev = (self.rate / (1.0 - self.rate)) ** 0.5

        def draw(shape):
            mult = random_ops.random_normal(shape, 1.0, stddev, inputs.dtype, seed=self.seed)
            return mult, A.zeros([], inputs.dtype)
        return _noisy(self, inputs, training, draw)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(rate=self.rate, seed=self.seed)
        return cfg


_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(_Noise):
    """Dropout that keeps SELU's self-normalization: dropped units are set to SELU's negative
    saturation value, then an affine map restores the mean and variance."""

    supports_masking = True

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, noise_shape=noise_shape, **kwargs)
        self.rate = self._check_rate(rate)

    def _inactive(self) -> bool:
        return self.rate == 0

    def call(self, inputs, training=None):
        rate = self.rate
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate

        def draw(shape):
            # a * (x * keep + alpha_p * (1 - keep)) + b
            u = random_ops.random_uniform(shape, dtype=inputs.dtype, seed=self.seed)
            keep = A.cast(M.greater_equal(u, rate), inputs.dtype)
            return keep * a, (1.0 - keep) * (a * alpha_p) + b
        return _noisy(self, inputs, training, draw)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return cfg

