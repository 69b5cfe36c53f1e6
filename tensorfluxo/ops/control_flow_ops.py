"""Grouping and ordering (no_op, group, tuple, with_dependencies) and tf.cond."""

from __future__ import annotations

import builtins

from ..framework.ops import (
    Operation,
    Tensor,
    apply_op,
    control_dependencies,
    convert_to_tensor,
    get_default_graph,
)
from ..framework.registry import defop, ref_inputs
from ..framework.tensor_shape import TensorShape
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


# ---- cond ------------------------------------------------------------------------------------
# tf.cond runs only the chosen branch: a Cond op takes the predicate and every tensor the
# branches capture from outside, and its kernel runs a compiled sub-plan of the chosen branch
# (the ops the branch functions created), so side effects of the other branch never happen.
def _flat_outputs(out, what):
    single = not isinstance(out, (list, builtins.tuple))
    items = [out] if single else list(out)
    tensors = []
    for x in items:
        if isinstance(x, Operation):
            raise TypeError(f"tf.cond: {what} returned the operation '{x.name}'; branches must "
                            "return tensors (wrap it: tf.control_dependencies([op]) + "
                            "tf.identity(value))")
        tensors.append(convert_to_tensor(x))
    return single, type(out) if not single else None, tensors


def _branch(graph, fn, what):
    if not callable(fn):
        raise TypeError(f"tf.cond: {what} must be callable, got {fn!r}")
    start = len(graph._ops)
    with graph.name_scope(what):
        single, kind, outs = _flat_outputs(fn(), what)
    return single, kind, outs, set(graph._ops[start:])


def captured_inputs(ops, outs) -> list:
    """The tensors from outside ``ops`` that ``ops`` (or the results ``outs``) use, in creation
    order: what a sub-graph built by a user function (a branch, a loop body, a dataset
    function) takes from the enclosing graph. Variable cells (ref inputs) are not values."""
    seen, caps = set(), []
    for op in sorted(ops, key=lambda o: o._id):
        refs = ref_inputs(op)
        for j, t in enumerate(op.inputs):
            if j not in refs and t.op not in ops and t not in seen:
                seen.add(t)
                caps.append(t)
    for t in outs:
        if t.op not in ops and t not in seen:
            seen.add(t)
            caps.append(t)
    return caps


def _cond_infer(op):
    then_t = [op.graph.get_tensor_by_name(n) for n in op.attrs["then_outputs"]]
    else_t = [op.graph.get_tensor_by_name(n) for n in op.attrs["else_outputs"]]
    specs = []
    for a, b in zip(then_t, else_t):
        if a.dtype is not b.dtype:
            raise TypeError(f"tf.cond: the branches return {a.dtype.name} ({a.name}) and "
                            f"{b.dtype.name} ({b.name}) for the same output")
        shape = a.shape.merge_with(b.shape) if a.shape.is_compatible_with(b.shape) else \
            TensorShape(None if a.shape.ndims != b.shape.ndims else [None] * a.shape.ndims)
        specs.append((a.dtype, shape))
    return specs


def _cond_bind(op, state):
    caps = list(op.inputs[1:])
    plans = {}
    n_out = len(op.outputs)

    def branch(key):
        plan = plans.get(key)
        if plan is None:
            outs = [op.graph.get_tensor_by_name(n) for n in op.attrs[key]]
            plan = plans[key] = state.compile(outs, caps, tune_blas=False)
        return plan

    def run(pred, *values):
        plan = branch("then_outputs" if pred else "else_outputs")
        out = plan(values)
        return out[0] if n_out == 1 else out
    return run


def _cond_grad(op, *dys):
    pred, caps = op.inputs[0], list(op.inputs[1:])
    wrt = [c for c in caps if c.dtype.is_floating]
    if not wrt:
        return [None] * len(op.inputs)
    dys = [array_ops.zeros_like(o) if d is None else d for o, d in zip(op.outputs, dys)]

    def grads_of(key):
        def fn():
            from .gradients_impl import gradients
            outs = [op.graph.get_tensor_by_name(n) for n in op.attrs[key]]
            pairs = [(o, d) for o, d in zip(outs, dys) if o.dtype.is_floating]
            # captured inputs are the Cond's independent inputs, even when one is computed
            # from another outside (tanh(a) and a): partial derivatives, as stop_gradients gives
            gs = gradients([o for o, _ in pairs], wrt, grad_ys=[d for _, d in pairs],
                           stop_gradients=wrt) if pairs else [None] * len(wrt)
            return [array_ops.zeros_like(c) if g is None else g for g, c in zip(gs, wrt)]
        return fn
    res = cond(pred, grads_of("then_outputs"), grads_of("else_outputs"))  # a list, as returned
    by_tensor = dict(zip(wrt, res))
    return [None] + [by_tensor.get(c) for c in caps]


# blas=True: a branch may multiply matrices, and the plan running the Cond sets the threads
defop("Cond", infer=_cond_infer, bind=_cond_bind, grad=_cond_grad, aliases=True, blas=True)


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``; only the chosen branch runs.

    Both functions must return the same structure (a tensor, or a list/tuple of tensors) with
    the same dtypes: ``tf.cond(x > 0, lambda: x * 2, lambda: -x)``.
    """
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    pred = convert_to_tensor(pred)
    if not pred.dtype.is_bool or pred.shape.ndims not in (None, 0):
        raise TypeError(f"tf.cond: pred must be a scalar bool tensor, got {pred.dtype.name} of "
                        f"shape {pred.shape} ({pred.name})")
    graph = pred.graph
    with graph.as_default(), graph.name_scope(name or "cond") as scope:
        with graph.control_dependencies(None):  # outer dependencies belong to the Cond op
            t_single, t_kind, t_outs, t_ops = _branch(graph, true_fn, "true_fn")
            f_single, f_kind, f_outs, f_ops = _branch(graph, false_fn, "false_fn")
        if len(t_outs) != len(f_outs) or t_single != f_single:
            raise ValueError(f"tf.cond: true_fn returns {len(t_outs)} value(s) and false_fn "
                             f"{len(f_outs)}; both must return the same structure")
        caps = captured_inputs(t_ops | f_ops, t_outs + f_outs)
        outs = apply_op("Cond", [pred, *caps],
                        {"then_outputs": builtins.tuple(t.name for t in t_outs),
                         "else_outputs": builtins.tuple(t.name for t in f_outs)}, name=scope)
    outs = list(outs) if isinstance(outs, builtins.tuple) else [outs]
    if t_single:
        return outs[0]
    return t_kind(outs) if t_kind in (list, builtins.tuple) else outs
