"""Grouping and ordering: no_op, group, tuple, with_dependencies."""

from __future__ import annotations

import builtins

from ..framework.ops import Operation, Tensor, apply_op, control_dependencies, get_default_graph
from ..framework.registry import defop
from . import array_ops

defop("NoOp", infer=lambda op: [], kernel=lambda: None, not_differentiable=True)


def no_op(name=None) -> Operation:
    return apply_op("NoOp", [], name=name or "NoOp")


def group(*inputs, name=None) -> Operation:
    """An op that runs all ``inputs`` (ops or tensors) and has no output."""
    if len(inputs) == 1 and isinstance(inputs[0], (list, builtins.tuple)):
        inputs = builtins.tuple(inputs[0])
    ops = []
    for x in inputs:
        if x is None:
            continue
        if isinstance(x, (list, builtins.tuple)):
            ops.extend(o.op if isinstance(o, Tensor) else o for o in x)
        else:
            ops.append(x.op if isinstance(x, Tensor) else x)
    g = ops[0].graph if ops else get_default_graph()
    with g.as_default(), control_dependencies(ops):
        return no_op(name=name or "group_deps")


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TensorFlow's public name
    """Identity copies of ``tensors`` that are only available once all of them are computed."""
    gate = group(*[t for t in tensors if t is not None], *(control_inputs or []))
    with control_dependencies([gate]):
        return [None if t is None else array_ops.identity(t) for t in tensors]


def with_dependencies(dependencies, output_tensor, name=None) -> Tensor:
    with control_dependencies(dependencies):
        return array_ops.identity(output_tensor, name=name)
