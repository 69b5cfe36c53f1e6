"""The op registry: each op type is declared once with its shape function, kernel and gradient.

A declaration (see ``defop``) holds:

- ``infer(op)``: static shape/dtype inference, run when the op is created. It returns one
  ``(dtype, shape)`` pair, or a list of pairs for ops with several outputs (an empty list for ops
  with none). It raises ValueError/TypeError for bad inputs; the graph adds the op name and the
  input shapes to the message.
- ``kernel(*inputs, **attrs)``: the NumPy implementation. It must not modify its inputs (only ops
  with ``ref_inputs`` modify the variable cells they are given) and must return arrays of the
  dtype ``infer`` declared: the array itself for one output (never a 1-tuple), a tuple for
  several.
- ``grad(op, *output_grads)``: builds the gradient as graph ops; returns one tensor or None per
  input. Output grads of outputs that received no gradient are None.
- ``bind(op, state)`` (optional): returns the callable the run plan will call with the inputs,
  for ops that need per-session state or want to pick a specialised kernel once per plan instead
  of once per step. ``state`` is the executor's ``RunState`` (client/executor.py): ``state.cell(v)``
  (a variable's cell), ``state.rng(op)``, ``state.resources`` (per-op Python objects) and
  ``state.compile(fetches, feeds)`` (a sub-plan, as tf.cond's branches use).
- ``ref_inputs``: input positions that are passed as the session's variable cell (TF's "ref"
  inputs), not as the variable's value: Assign and the optimizers' apply ops. A callable
  ``ref_inputs(op)`` gives them per op (ops over a variable number of variables).
- ``aliases``: the kernel may return an input, a view of it, or state (constants, variables),
  so a fetched value must be copied before it is handed to the caller.
- ``blas``: the kernel calls BLAS (matrix products); only plans with such ops tune BLAS threads.
  ``"split"``: the kernel cuts its work into parts on the run's cores itself (kernels.parallel).
- ``partial_outputs``: the kernel also takes ``needed`` (one bool per output: does the run plan
  use it?) and may return None for an output not needed (a workspace only a gradient reads).
  Called outside a plan (eager), ``needed`` is not passed: every output is needed.
- ``value(op)`` (instead of a kernel): the single output's value, known when the graph is built
  (constants). Run plans bind it as a name, with no call per run, and shape inference of other
  ops can read it (``ops/_util.constant_value``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OpDef:
    type: str
    infer: Callable
    kernel: Callable | None = None
    grad: Callable | None = None
    bind: Callable | None = None
    ref_inputs: tuple | Callable = ()
    aliases: bool = False
    stateful: bool = False
    value: Callable | None = None
    blas: bool | str = False
    partial_outputs: bool = False
    module: str = ""  # where it is declared (op tests name it)
    extra: dict = field(default_factory=dict)


_REGISTRY: dict[str, OpDef] = {}
_GRADIENTS: dict[str, Callable | None] = {}


def defop(type_name: str, *, infer: Callable, kernel: Callable | None = None,
          grad: Callable | None = None, bind: Callable | None = None, ref_inputs: tuple = (),
          aliases: bool = False, stateful: bool = False, not_differentiable: bool = False,
          value: Callable | None = None, blas: bool | str = False,
          partial_outputs: bool = False) -> OpDef:
    """Declares an op type. ``not_differentiable=True`` says its gradient is None on purpose."""
    if type_name in _REGISTRY:
        raise KeyError(f"Op type {type_name!r} is declared twice")
    refs = ref_inputs if callable(ref_inputs) else tuple(ref_inputs)
    od = OpDef(type_name, infer, kernel, grad, bind, refs, aliases, stateful, value, blas,
               partial_outputs, _declaring_module())
    _REGISTRY[type_name] = od
    if grad is not None or not_differentiable:
        _GRADIENTS[type_name] = grad
    return od


def _declaring_module() -> str:
    """The module whose top level declares the op, also through a helper (ops/_util.defact);
    else defop's direct caller."""
    caller = frame = sys._getframe(2)
    for _ in range(3):
        if frame is None:
            break
        if frame.f_code.co_name == "<module>":
            return frame.f_globals.get("__name__", "")
        frame = frame.f_back
    return caller.f_globals.get("__name__", "")


# Op modules imported on first use (not by `import tensorfluxo`); a graph read from a file may
# name their ops before anything imported them.
_LAZY_OP_MODULES = ("tensorfluxo.ops.conv_ops", "tensorfluxo.ops.image_ops")


def get_op_def(type_name: str) -> OpDef:
    if type_name not in _REGISTRY:
        import importlib
        for module in _LAZY_OP_MODULES:
            importlib.import_module(module)
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise KeyError(f"No op named {type_name!r} is registered in tensorfluxo") from None


def ref_inputs(op) -> tuple:
    """The input positions of ``op`` that are variable cells."""
    refs = op.op_def.ref_inputs
    return refs(op) if callable(refs) else refs


def registered_ops() -> dict[str, OpDef]:
    """Every declared op type (the lazily imported op modules included)."""
    import importlib
    for module in _LAZY_OP_MODULES:
        importlib.import_module(module)
    return dict(_REGISTRY)


class RegisterGradient:
    """Decorator registering a gradient function for an op type (tf.RegisterGradient)."""

    def __init__(self, op_type: str):
        self._op_type = op_type

    def __call__(self, fn: Callable) -> Callable:
        _GRADIENTS[self._op_type] = fn
        return fn


def NotDifferentiable(op_type: str) -> None:  # noqa: N802 - TensorFlow's public name
    _GRADIENTS[op_type] = None


def gradient_function(op_type: str):
    """(found, fn): fn is None for ops declared not differentiable."""
    if op_type in _GRADIENTS:
        return True, _GRADIENTS[op_type]
    return False, None
