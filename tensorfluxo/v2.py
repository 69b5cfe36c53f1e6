"""TF2's namespace: ``import tensorfluxo.v2 as tf`` is what ``import tensorflow as tf`` gives in
TensorFlow 2.x. Importing it turns eager execution on.

It is tensorfluxo's namespace with TF2's differences: ``tf.losses``, ``tf.metrics`` and
``tf.optimizers`` are Keras's, ``tf.where`` is ``where_v2``, and the TF1 graph-building names
(``tf.Session``, ``tf.placeholder``, ...) live only under ``tf.compat.v1``.
"""

from __future__ import annotations

import importlib

import tensorfluxo as _tf1

_tf1.enable_eager_execution()

_V2 = {
    "losses": "tensorfluxo.keras.losses:", "metrics": "tensorfluxo.keras.metrics:",
    "optimizers": "tensorfluxo.keras.optimizers:", "where": "tensorfluxo.ops.math_ops:where_v2",
}
# TF1 names TF2's top-level namespace does not have (tf.compat.v1 has them)
_TF1_ONLY = {"Session", "InteractiveSession", "placeholder", "placeholder_with_default",
             "global_variables_initializer", "initialize_all_variables",
             "local_variables_initializer", "variables_initializer", "get_variable",
             "variable_scope", "get_default_session", "set_random_seed", "reset_default_graph",
             "layers", "contrib", "AUTO_REUSE", "to_float", "to_int32",
             "to_int64", "log", "div", "mod", "multinomial", "random_normal", "random_uniform",
             "truncated_normal", "Print", "py_func", "logging", "app", "flags"}


def __getattr__(name: str):
    target = _V2.get(name)
    if target is not None:
        module, _, attr = target.partition(":")
        value = importlib.import_module(module)
        value = getattr(value, attr) if attr else value
    elif name in _TF1_ONLY:
        raise AttributeError(f"module 'tensorflow' has no attribute {name!r}: it is TF1 graph "
                             f"API; use tf.compat.v1.{name} (tensorfluxo's TF2 mode is eager)")
    else:
        value = getattr(_tf1, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted((set(_tf1.__all__) - _TF1_ONLY) | set(_V2))
