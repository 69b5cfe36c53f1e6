"""TF1/TF2 mode switches that TF1-style scripts call first. tensorfluxo is always in graph mode,
so switching TF2 behaviour off is a no-op and asking for eager execution is refused clearly."""

from __future__ import annotations


def disable_v2_behavior() -> None:
    """No-op: tensorfluxo always behaves as TensorFlow 1.x."""


def disable_eager_execution() -> None:
    """No-op: tensorfluxo always builds graphs."""


def enable_eager_execution(*args, **kwargs) -> None:
    raise NotImplementedError("tensorfluxo runs graphs in Sessions only (TF1 semantics); eager "
                              "execution is not supported. Build the graph and use tf.Session.")


enable_v2_behavior = enable_eager_execution


def executing_eagerly() -> bool:
    return False


def disable_resource_variables() -> None:
    """No-op: variables are TF1 reference variables."""
