"""Horovod's API (``horovod.tensorflow``) on MPI: data-parallel training of tensorfluxo graphs.

    import tensorfluxo.horovod as hvd          # or, under python -m tensorfluxo.run:
    hvd.init()                                 #    import horovod.tensorflow as hvd
    opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.01 * hvd.size()))
    train_op = opt.minimize(loss)
    bcast = hvd.broadcast_global_variables(0)  # run once after the initializer

Launch N ranks with ``mpirun -np N python -m tensorfluxo.run train.py`` or
``python -m tensorfluxo.launch -np N train.py``; run alone, the program is rank 0 of 1 and
every collective is the identity. The collectives are graph ops: ``DistributedOptimizer``
averages all of a step's gradients through one allreduce of one flat buffer (per dtype), not one
message per variable.
"""

from __future__ import annotations

from ..framework import dtypes
from ..framework.ops import Tensor, apply_op, convert_to_tensor, name_scope
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from . import basics
from .basics import (
    init,
    is_initialized,
    local_rank,
    local_size,
    mpi_threads_supported,
    rank,
    shutdown,
    size,
)

Average, Sum = "Average", "Sum"


class _NoCompression:
    @staticmethod
    def compress(tensor):
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor


class _FP16Compression:
    """Floating tensors travel as float16 (half the bytes), summed in float32 per element,
    and come back in their own dtype; other tensors travel as they are. It pays on a network;
    between ranks of one machine the conversions cost more than the bytes saved (NumPy's
    float16 is slow: scale.py measured 7.6 vs 3.2 ms per step on 2 local ranks)."""

    @staticmethod
    def compress(tensor):
        from ..ops.array_ops import cast
        if tensor.dtype.is_floating and tensor.dtype != dtypes.float16:
            return cast(tensor, dtypes.float16), tensor.dtype
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        from ..ops.array_ops import cast
        return tensor if ctx is None else cast(tensor, ctx)


class Compression:
    """How tensors travel in an allreduce: ``Compression.none`` or ``Compression.fp16``."""

    none = _NoCompression
    fp16 = _FP16Compression


def _compressor(compression):
    if compression is None:
        return _NoCompression
    if not hasattr(compression, "compress") or not hasattr(compression, "decompress"):
        raise TypeError(f"compression must be hvd.Compression.none or hvd.Compression.fp16, "
                        f"got {compression!r}")
    return compression


# ---- ops ---------------------------------------------------------------------------------------
def _allreduce_kernel(*xs, average, name):
    out = basics.allreduce_arrays(list(xs), average, f"allreduce '{name}'")
    return out[0] if len(out) == 1 else tuple(out)


def _allreduce_grad(op, *dys):
    # the gradient of a sum over ranks is the sum of the ranks' gradients (average likewise)
    outs = apply_op("HorovodAllreduce", [convert_to_tensor(d) for d in dys],
                    {"average": op.attrs["average"], "name": op.name + "_grad"},
                    name=op.name + "_grad")
    return list(outs) if isinstance(outs, tuple) else [outs]


defop("HorovodAllreduce", infer=lambda op: [(t.dtype, t.shape) for t in op.inputs],
      kernel=_allreduce_kernel, grad=_allreduce_grad, stateful=True)


def _broadcast_kernel(x, root_rank, name):
    return basics.broadcast_array(x, root_rank, f"broadcast '{name}'")


defop("HorovodBroadcast", infer=lambda op: (op.inputs[0].dtype, op.inputs[0].shape),
      kernel=_broadcast_kernel, stateful=True,
      grad=lambda op, dy: [dy if basics.G.rank == op.attrs["root_rank"] else dy * 0])


def _allgather_infer(op):
    s = op.inputs[0].shape
    return op.inputs[0].dtype, (TensorShape(None) if s.ndims is None else
                                TensorShape([None, *s.as_tuple()[1:]]))


defop("HorovodAllgather", infer=_allgather_infer, stateful=True, not_differentiable=True,
      kernel=lambda x, name: basics.allgather_array(x, f"allgather '{name}'"))


# ---- the Horovod functions ---------------------------------------------------------------------
def _average(average, op) -> bool:
    if average is not None and op is not None:
        raise ValueError("allreduce: give `average` or `op`, not both")
    if op is not None:
        if op not in (Average, Sum):
            raise ValueError(f"allreduce: op must be hvd.Average or hvd.Sum, got {op!r}")
        return op == Average
    return True if average is None else bool(average)


def allreduce(tensor, average=None, device_dense="", device_sparse="", compression=None,
              op=None, prescale_factor=1.0, postscale_factor=1.0, name=None) -> Tensor:
    """``tensor`` summed (or averaged, the default) over all ranks."""
    basics._check()
    t = convert_to_tensor(tensor)
    if prescale_factor != 1.0:
        t = t * prescale_factor
    out, = grouped_allreduce([t], average, op, name or "HorovodAllreduce", compression)
    return out * postscale_factor if postscale_factor != 1.0 else out


def grouped_allreduce(tensors, average=None, op=None, name=None, compression=None) -> list:
    """Several tensors reduced through one fused buffer."""
    basics._check()
    comp = _compressor(compression)
    packed = [comp.compress(convert_to_tensor(t)) for t in tensors]
    name = name or "HorovodGroupedAllreduce"
    outs = apply_op("HorovodAllreduce", [t for t, _ in packed],
                    {"average": _average(average, op), "name": name}, name=name)
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    return [comp.decompress(o, ctx) for o, (_, ctx) in zip(outs, packed)]


def broadcast(tensor, root_rank: int, name=None) -> Tensor:
    """``tensor`` as it is on ``root_rank``, on every rank."""
    basics._check()
    return apply_op("HorovodBroadcast", [convert_to_tensor(tensor)],
                    {"root_rank": int(root_rank), "name": name or "HorovodBroadcast"},
                    name=name or "HorovodBroadcast")


def allgather(tensor, name=None) -> Tensor:
    """Every rank's ``tensor`` concatenated along the first axis (in rank order)."""
    basics._check()
    return apply_op("HorovodAllgather", [convert_to_tensor(tensor)],
                    {"name": name or "HorovodAllgather"}, name=name or "HorovodAllgather")


def broadcast_variables(variables, root_rank: int, name=None):
    """An op setting each variable to its value on ``root_rank``."""
    from ..ops import control_flow_ops, state_ops
    with name_scope(name or "broadcast_variables"):
        return control_flow_ops.group(*[state_ops.assign(v, broadcast(v, root_rank))
                                        for v in variables])


def broadcast_global_variables(root_rank: int):
    """An op setting every global variable to its value on ``root_rank`` (run it once after
    initializing, so all ranks start from the same weights)."""
    from ..variables import global_variables
    return broadcast_variables(global_variables(), root_rank, name="broadcast_global_variables")


class BroadcastGlobalVariablesHook:
    """A session hook that broadcasts the global variables from ``root_rank`` once the session
    exists (for MonitoredTrainingSession and estimators' ``hooks=``)."""

    def __init__(self, root_rank: int, device=""):
        self.root_rank = root_rank
        self.bcast_op = None

    def begin(self):
        self.bcast_op = broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord=None):
        session.run(self.bcast_op)

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


def _allreduce_grads(grads, average: bool, name: str, compression=None) -> list:
    """Every non-None gradient through one fused allreduce (per dtype, inside the kernel)."""
    present = [i for i, g in enumerate(grads) if g is not None]
    if basics.G.size == 1 or not present:
        return list(grads)
    reduced = grouped_allreduce([grads[i] for i in present], average=average, name=name,
                                compression=compression)
    out = list(grads)
    for i, r in zip(present, reduced):
        out[i] = r
    return out


class DistributedOptimizer:
    """Wraps a tf.train optimizer: gradients are averaged across ranks before they are applied.

    ``hvd.DistributedOptimizer(tf.train.AdamOptimizer(1e-3 * hvd.size()))``; a Keras optimizer
    is wrapped as ``horovod.tensorflow.keras.DistributedOptimizer`` does."""

    def __new__(cls, optimizer, name=None, use_locking=False, device_dense="", device_sparse="",
                compression=None, sparse_as_dense=False, backward_passes_per_step=1,
                op=Average, **kwargs):
        from ..keras.optimizers import Optimizer as KerasOptimizer
        if isinstance(optimizer, KerasOptimizer):
            from .keras import DistributedOptimizer as KerasDistributed
            return KerasDistributed(optimizer, name=name, op=op)
        return super().__new__(cls)

    def __init__(self, optimizer, name=None, use_locking=False, device_dense="",
                 device_sparse="", compression=None, sparse_as_dense=False,
                 backward_passes_per_step=1, op=Average, **kwargs):
        basics._check()
        if not hasattr(optimizer, "compute_gradients"):
            raise TypeError(f"DistributedOptimizer wraps a tf.train optimizer, got {optimizer!r}")
        self._optimizer = optimizer
        self._average = _average(None, op)
        self._compression = _compressor(compression)
        self._name = name or f"Distributed{type(optimizer).__name__}"

    def compute_gradients(self, *args, **kwargs):
        gv = self._optimizer.compute_gradients(*args, **kwargs)
        grads = _allreduce_grads([g for g, _ in gv], self._average, self._name + "_Allreduce",
                                 self._compression)
        return list(zip(grads, [v for _, v in gv]))

    def minimize(self, loss, global_step=None, var_list=None, name=None, **kwargs):
        gv = self.compute_gradients(loss, var_list=var_list)
        return self.apply_gradients(gv, global_step=global_step, name=name)

    def __getattr__(self, attr):  # apply_gradients, get_slot, variables, ...
        return getattr(self._optimizer, attr)


__all__ = ["init", "shutdown", "rank", "local_rank", "size", "local_size", "is_initialized",
           "mpi_threads_supported", "allreduce", "grouped_allreduce", "allgather", "broadcast",
           "broadcast_variables", "broadcast_global_variables", "BroadcastGlobalVariablesHook",
           "DistributedOptimizer", "Average", "Sum", "Compression"]
