"""tf.gradients: symbolic reverse-mode autodiff that adds gradient ops to the graph."""

from __future__ import annotations

import numpy as np

from ..framework.ops import Operation, Tensor, convert_to_tensor, executing_eagerly
from ..framework.registry import gradient_function
from . import array_ops
from .indexed_slices import IndexedSlices, dense
from .math_ops import add_n

# Op types whose gradient function takes an IndexedSlices as it is (others get it dense).
SPARSE_GRAD_OPS = {"Identity", "ReadVariableOp"}


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """Symbolic derivatives of ``sum(ys)`` with respect to each of ``xs``.

    Returns one tensor per x (None where x does not affect ys). ``grad_ys`` weights each y
    (default ones); ``stop_gradients`` tensors are treated as constants.
    """
    if executing_eagerly():
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs_in = _as_list(xs)
    xs = []
    for x in xs_in:
        if isinstance(x, Operation) or not isinstance(x, Tensor):
            raise TypeError(f"tf.gradients: xs must be tensors or variables, got {x!r}")
        xs.append(x)
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    grad_ys = _as_list(grad_ys)
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    stops = {t for t in _as_list(stop_gradients or [])}
    graph = ys[0].graph

    # Ops on a path from some x to some y.
    fwd: set[Operation] = set()
    todo = [op for x in xs for op in graph.consumers_of(x)]
    while todo:
        op = todo.pop()
        if op in fwd:
            continue
        fwd.add(op)
        for t in op.outputs:
            if t not in stops:
                todo.extend(t._consumers)
    between: set[Operation] = set()
    todo = [y.op for y in ys if y.op in fwd]
    while todo:
        op = todo.pop()
        if op in between:
            continue
        between.add(op)
        todo.extend(t.op for t in op.inputs if t.op in fwd and t not in stops)

    grads: dict[Tensor, list] = {}
    x_set = set(xs)
    with graph.as_default(), graph.name_scope(name):
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if gy is None:
                if not (y.dtype.is_floating or y.dtype.is_complex):
                    raise TypeError(f"tf.gradients: y '{y.name}' has dtype {y.dtype.name}; only "
                                    "floating-point tensors can be differentiated")
                if y.shape.is_fully_defined():
                    gy = array_ops.constant(np.ones(y.shape.as_list(), y.dtype.np),
                                            dtype=y.dtype, name=f"grad_ys_{i}")
                else:
                    gy = array_ops.ones_like(y, name=f"grad_ys_{i}")
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype)
                if not y.shape.is_compatible_with(gy.shape):
                    raise ValueError(f"grad_ys[{i}] has shape {gy.shape}, which is not "
                                     f"compatible with y '{y.name}' of shape {y.shape}")
            grads.setdefault(y, []).append(gy)

        for op in sorted(between, key=lambda o: o._id, reverse=True):
            # nothing flows back through a stop tensor (its own gradient is still returned)
            out_grads = [None if t in stops else _sum(grads.get(t)) for t in op.outputs]
            with graph.name_scope(op.name + "_grad"):
                in_grads = op_gradients(op, out_grads)
            for t, g in in_grads:
                if t.op in fwd or t in x_set:
                    grads.setdefault(t, []).append(g)

        result = []
        for x in xs:
            g = _sum(grads.get(x))
            if g is None and unconnected_gradients == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
    return result


def _differentiable(dtype) -> bool:
    """Float and complex tensors carry gradients, and TensorArray values (gradient arrays)."""
    return dtype.is_floating or dtype.is_complex or dtype.name == "variant"


def op_gradients(op, out_grads) -> list:
    """(input, gradient) pairs of ``op`` given its outputs' gradients (None: no gradient):
    calls the op type's gradient function and checks what it returns. tf.gradients and
    GradientTape (backprop.py) share it."""
    if all(g is None for g in out_grads):
        return []
    found, fn = gradient_function(op.type)
    if not found:
        if not any(t.dtype.is_floating for t in op.inputs):
            return []
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: "
                          f"{op.type}), created at {op._site}")
    if fn is None:
        return []
    if op.type not in SPARSE_GRAD_OPS:
        out_grads = [dense(g) for g in out_grads]
    in_grads = _as_list(fn(op, *out_grads))
    if len(in_grads) != len(op.inputs):
        raise ValueError(f"Gradient of {op.type} returned {len(in_grads)} values for "
                         f"{len(op.inputs)} inputs")
    out = []
    for t, g in zip(op.inputs, in_grads):
        if g is None or not _differentiable(t.dtype):
            continue
        if not isinstance(g, IndexedSlices):
            g = convert_to_tensor(g)
        if g.dtype is not t.dtype:
            raise TypeError(f"Gradient for input {t.name} of {op.name} has dtype "
                            f"{g.dtype.name}, expected {t.dtype.name}")
        out.append((t, g))
    return out


def _sum(gs):
    if not gs:
        return None
    if len(gs) == 1:
        return gs[0]
    if all(isinstance(g, IndexedSlices) for g in gs):  # TF: rows concatenated, not summed
        idx = [g.indices for g in gs]
        if len({i.dtype for i in idx}) > 1:
            idx = [array_ops.cast(i, "int64") for i in idx]
        return IndexedSlices(array_ops.concat([g.values for g in gs], 0),
                             array_ops.concat(idx, 0), gs[0].dense_shape)
    gs = [dense(g) for g in gs]
    if gs[0].dtype.name == "variant":
        from .tensor_array_ops import add_gradient_arrays
        return add_gradient_arrays(gs)
    return add_n(gs)
