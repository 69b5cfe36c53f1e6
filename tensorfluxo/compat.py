"""tf.compat: ``tf.compat.v1`` is tensorfluxo itself (it implements the TF1 API);
``tf.compat.v2`` is TF2's namespace (tensorfluxo.v2: importing it turns eager execution on)."""

import importlib
import sys

v1 = sys.modules["tensorfluxo"]

__all__ = ["v1", "v2"]  # noqa: F822 - v2 is made on first use (module __getattr__)


def __getattr__(name: str):
    if name == "v2":
        return importlib.import_module("tensorfluxo.v2")
    raise AttributeError(f"module 'tensorfluxo.compat' has no attribute {name!r}")
