"""tf.train: optimizers, learning-rate schedules, global step, Saver and checkpoint helpers.

Names are resolved on first use from the module listed in ``_EXPORTS`` (keeps import light).
"""

from __future__ import annotations

import importlib

_O = "tensorfluxo.train.optimizer"
_OPT = "tensorfluxo.train.optimizers"
_LR = "tensorfluxo.train.learning_rate_decay"
_S = "tensorfluxo.train.saver"
_EX = "tensorfluxo.io.example_proto"
_IN = "tensorfluxo.train.input"

_EXPORTS = {
    "Optimizer": _O, "GradientDescentOptimizer": _O, "get_global_step": _O,
    "create_global_step": _O, "get_or_create_global_step": _O,
    "MomentumOptimizer": _OPT, "AdagradOptimizer": _OPT, "RMSPropOptimizer": _OPT,
    "AdamOptimizer": _OPT, "AdadeltaOptimizer": _OPT, "FtrlOptimizer": _OPT,
    "ProximalAdagradOptimizer": _OPT,
    "exponential_decay": _LR, "piecewise_constant": _LR, "inverse_time_decay": _LR,
    "natural_exp_decay": _LR, "polynomial_decay": _LR,
    "Saver": _S, "latest_checkpoint": _S, "checkpoint_exists": _S, "import_meta_graph": _S,
    "get_checkpoint_state": _S, "list_variables": _S, "load_variable": _S,
    "load_checkpoint": _S, "NewCheckpointReader": _S, "export_meta_graph": _S,
    "update_checkpoint_state": _S, "remove_checkpoint": _S, "CheckpointState": _S,
    "Example": _EX, "SequenceExample": _EX, "Features": _EX, "Feature": _EX,
    "FeatureList": _EX, "FeatureLists": _EX, "BytesList": _EX, "FloatList": _EX,
    "Int64List": _EX,
    "Coordinator": _IN, "QueueRunner": _IN, "add_queue_runner": _IN,
    "start_queue_runners": _IN, "limit_epochs": _IN, "input_producer": _IN,
    "string_input_producer": _IN, "range_input_producer": _IN, "batch": _IN,
    "slice_input_producer": _IN,
    "batch_join": _IN, "shuffle_batch": _IN, "shuffle_batch_join": _IN,
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tensorfluxo.train' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
