"""tf.contrib.layers initializers (contrib's own signatures and constants)."""

from __future__ import annotations

import math

from ...framework import dtypes
from ...ops import init_ops, random_ops
from ...ops.init_ops import Initializer, fans


class _ContribVarianceScaling(Initializer):
    """contrib's variance scaling: uniform in +-sqrt(3 * factor / n), or a truncated normal of
    stddev sqrt(1.3 * factor / n) (contrib's constant for the truncation)."""

    def __init__(self, factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                 dtype=dtypes.float32):
        super().__init__(dtype)
        if not self.dtype.is_floating:
            raise TypeError(f"Cannot create initializer for non-floating point type "
                            f"{self.dtype.name}.")
        if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
            raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
        self.factor, self.mode, self.uniform, self.seed = float(factor), mode, uniform, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dt = self._dt(dtype)
        fan_in, fan_out = fans(shape)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[self.mode]
        n = max(1.0, float(n))
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return random_ops.random_uniform(shape, -limit, limit, dt, seed=self.seed)
        return random_ops.truncated_normal(shape, 0.0, math.sqrt(1.3 * self.factor / n), dt,
                                           seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode, "uniform": self.uniform,
                "seed": self.seed}


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=dtypes.float32):
    """He initialization by default: ``fully_connected(X, 300,
    weights_initializer=tf.contrib.layers.variance_scaling_initializer())``."""
    return _ContribVarianceScaling(factor, mode, uniform, seed, dtype)


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """Glorot initialization: variance 2 / (fan_in + fan_out)."""
    return _ContribVarianceScaling(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer
zeros_initializer = init_ops.zeros_initializer
