"""tf.keras.optimizers.schedules: learning rates as functions of the optimizer's step.

    lr = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96)
    model.compile(optimizer=SGD(learning_rate=lr), loss="mse")

Each schedule builds, from the step tensor the optimizer gives it, the same ops as tf.train's
decay functions (train/learning_rate_decay.py).
"""

from __future__ import annotations

import math

from ..framework import dtypes
from ..ops import array_ops as A
from ..ops import math_ops as M
from ..train import learning_rate_decay as decay


class LearningRateSchedule:
    """``schedule(step)`` -> the learning rate at ``step`` (a tensor)."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """initial_learning_rate * decay_rate ** (step / decay_steps) (floored if staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        return decay.exponential_decay(self.initial_learning_rate, step, self.decay_steps,
                                       self.decay_rate, self.staircase, self.name)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(ExponentialDecay):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps)."""

    def __call__(self, step):
        return decay.inverse_time_decay(self.initial_learning_rate, step, self.decay_steps,
                                        self.decay_rate, self.staircase, self.name)


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while boundaries[i-1] < step <= boundaries[i]."""

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of "
                             f"values, got {len(boundaries)} boundaries and {len(values)} "
                             "values")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        vals = [float(v) for v in self.values]
        return decay.piecewise_constant(step, [float(b) for b in self.boundaries], vals,
                                        self.name)

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """initial_learning_rate * ((1 - alpha) * (1 + cos(pi * min(step, decay_steps) /
    decay_steps)) / 2 + alpha)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name

    def __call__(self, step):
        step = M.minimum(A.cast(step, dtypes.float32), float(self.decay_steps))
        cosine = 0.5 * (1.0 + M.cos(step * (math.pi / float(self.decay_steps))))
        return float(self.initial_learning_rate) * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name}


_CLASSES = {c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                    CosineDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict, custom_objects=None) -> LearningRateSchedule:
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: {name!r}")
    return cls.from_config(config.get("config", {}))
