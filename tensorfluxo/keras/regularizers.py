"""tf.keras.regularizers: penalties added to the loss (l1, l2, l1_l2)."""

from __future__ import annotations

from ..ops import math_ops as M


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x**2)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        terms = []
        if self.l1:
            terms.append(self.l1 * M.reduce_sum(M.abs(x)))
        if self.l2:
            terms.append(self.l2 * M.reduce_sum(M.square(x)))
        if not terms:
            return M.reduce_sum(x * 0.0)
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1: float = 0.01, l2=None):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2: float = 0.01, l1=None):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


def l1(l1: float = 0.01) -> L1:  # noqa: E741
    return L1(l1)


def l2(l2: float = 0.01) -> L2:
    return L2(l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: E741
    return L1L2(l1, l2)


_CLASSES = {"L1L2": L1L2, "L1": L1, "L2": L2, "l1_l2": L1L2}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in ("l1", "l2"):
            return {"l1": L1, "l2": L2}[identifier]()
        if identifier == "l1_l2":
            return L1L2(0.01, 0.01)
        raise ValueError(f"Unknown regularizer: {identifier!r}. Valid names: l1, l2, l1_l2")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(reg) -> dict | None:
    if reg is None:
        return None
    if not isinstance(reg, Regularizer):
        raise ValueError(f"Cannot serialize the regularizer {reg!r}: use a Keras regularizer")
    return {"class_name": type(reg).__name__, "config": reg.get_config()}


def deserialize(config):
    if config is None:
        return None
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Unknown regularizer class: {config.get('class_name')!r}")
    return cls(**config.get("config", {}))
