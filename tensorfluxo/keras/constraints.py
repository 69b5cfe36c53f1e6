"""tf.keras.constraints: projections applied to a weight after each optimizer step.

    Dense(4, kernel_constraint=max_norm(2.0))   # each unit's incoming weights: norm <= 2
"""

from __future__ import annotations

from ..ops import math_ops as M


class Constraint:
    """``constraint(w)`` returns the projected weight (graph ops)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _norms(w, axis):
    return M.sqrt(M.reduce_sum(M.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescales the weights whose norm along ``axis`` exceeds ``max_value``."""

    def __init__(self, max_value: float = 2, axis=0):
        self.max_value, self.axis = float(max_value), axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = M.clip_by_value(norms, 0.0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become 0."""

    def __call__(self, w):
        return M.maximum(w, 0.0)


class UnitNorm(Constraint):
    """Each weight vector along ``axis`` scaled to norm 1."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms moved into [min_value, max_value] (``rate`` 1: all the way)."""

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis=0):
        self.min_value, self.max_value = float(min_value), float(max_value)
        self.rate, self.axis = float(rate), axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * M.clip_by_value(norms, self.min_value, self.max_value) + \
            (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
            "min_max_norm": MinMaxNorm}
_CLASSES = {c.__name__: c for c in _BY_NAME.values()}


def get(identifier):
    """A constraint from a name ("non_neg"), a config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown constraint: {identifier!r}. Valid names: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret constraint identifier: {identifier!r}")


def serialize(constraint):
    if constraint is None:
        return None
    if not isinstance(constraint, Constraint):
        raise ValueError(f"Cannot serialize the constraint {constraint!r}: use a Keras "
                         "constraint class")
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config: dict, custom_objects=None):
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown constraint: {name!r}")
    return cls.from_config(config.get("config", {}))
