"""Horovod's Keras API (``horovod.tensorflow.keras`` / ``horovod.keras``) for tensorfluxo.keras.

    import horovod.tensorflow.keras as hvd
    hvd.init()
    model.compile(optimizer=hvd.DistributedOptimizer(keras.optimizers.Adam(1e-3 * hvd.size())),
                  loss=..., metrics=[...])
    model.fit(x_shard, y_shard, callbacks=[hvd.callbacks.BroadcastGlobalVariablesCallback(0),
                                           hvd.callbacks.MetricAverageCallback()],
              verbose=1 if hvd.rank() == 0 else 0)
"""

from __future__ import annotations

import types

from . import (  # noqa: F401 - the same functions as horovod.tensorflow
    Average,
    Compression,
    Sum,
    _allreduce_grads,
    _average,
    _compressor,
    allgather,
    allreduce,
    basics,
    broadcast,
    init,
    is_initialized,
    local_rank,
    local_size,
    rank,
    shutdown,
    size,
)
from . import keras_callbacks as callbacks


def DistributedOptimizer(optimizer, name=None, device_dense="", device_sparse="",  # noqa: N802
                         compression=None, sparse_as_dense=False, op=Average, **kwargs):
    """The same Keras optimizer, whose gradients are averaged across ranks (one fused allreduce
    per step) before its update rule runs; its config and saved state are the optimizer's."""
    basics._check()
    from ..keras.optimizers import Optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"hvd.DistributedOptimizer (Keras) wraps a keras optimizer, got "
                        f"{optimizer!r}; for tf.train optimizers use horovod.tensorflow's")
    average, comp = _average(None, op), _compressor(compression)
    local = optimizer.get_gradients  # the bound method of this instance

    def get_gradients(self, loss, params):
        return _allreduce_grads(local(loss, params), average,
                                (name or "Distributed" + type(self).__name__) + "_Allreduce",
                                comp)
    optimizer.get_gradients = types.MethodType(get_gradients, optimizer)
    return optimizer


def broadcast_global_variables(root_rank: int):
    """Sets the current Keras session's variables to their values on ``root_rank``."""
    from ..keras import backend as K
    from . import broadcast_global_variables as graph_broadcast
    sess = K.get_session()
    with sess.graph.as_default():
        return sess.run(graph_broadcast(root_rank))


def load_model(filepath, custom_objects=None, compile: bool = True):  # noqa: A002
    """keras.models.load_model, with the loaded optimizer wrapped as a DistributedOptimizer."""
    from ..keras.models import load_model as keras_load
    model = keras_load(filepath, custom_objects=custom_objects, compile=compile)
    if compile and getattr(model, "optimizer", None) is not None:
        DistributedOptimizer(model.optimizer)
    return model


__all__ = ["init", "shutdown", "rank", "local_rank", "size", "local_size", "is_initialized",
           "allreduce", "allgather", "broadcast", "broadcast_global_variables",
           "DistributedOptimizer", "load_model", "callbacks", "Average", "Sum", "Compression"]
