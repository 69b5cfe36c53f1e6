"""Grouping and ordering (no_op, group, tuple, with_dependencies) and tf.cond."""

from __future__ import annotations

import builtins
import weakref

import numpy as np

from ..framework import errors, nest
from ..framework.ops import (
    Operation,
    Tensor,
    apply_op,
    control_dependencies,
    convert_to_tensor,
    executing_eagerly,
    get_default_graph,
)
from ..framework.registry import defop, ref_inputs
from ..framework.tensor_shape import TensorShape, as_shape
from . import array_ops
from .indexed_slices import dense

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
        # a value from outside the graph (an eager variable or tensor returned by a branch of
        # a tf.function's cond) becomes the branch's own read of it
        outs = [t if t.graph is graph else array_ops.identity(t) for t in outs]
    return single, kind, outs, _lift_reads(set(graph._ops[start:]))


def _lift_reads(ops: set) -> set:
    """``ops`` without the reads of eager variables (a tf.function's captures) that ``ops`` do
    not assign: those reads become inputs of the Cond/While, so gradients reach the variables
    through it."""
    assigned = {id(op.inputs[j]) for op in ops if op.type != "ReadVariableOp"
                for j in ref_inputs(op)}
    return {o for o in ops if not (o.type == "ReadVariableOp" and hasattr(
        o.inputs[0], "_eager_cell") and id(o.inputs[0]) not in assigned)}


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
        # the most specific shape both branches' values have: a dimension is known only where
        # both branches know it and agree ((?, ?) and (1, 1) give (?, ?), not (1, 1))
        if a.shape.ndims is None or a.shape.ndims != b.shape.ndims:
            shape = TensorShape(None)
        else:
            shape = TensorShape([x if x == y else None
                                 for x, y in zip(a.shape.as_tuple(), b.shape.as_tuple())])
        specs.append((a.dtype, shape))
    return specs


def _cond_bind(op, state):
    caps = list(op.inputs[1:])
    g = op.graph
    keys = [g.get_tensor_by_name(n) for n in op.attrs["captures"]] if "captures" in op.attrs \
        else caps  # the branch ops read these tensors; the op's inputs give their values
    saved = _SAVED_BY_COND.get(op, [])
    plans = {}
    n_out = len(op.outputs)

    def branch(key):
        hit = plans.get(key)
        if hit is None:
            outs = [g.get_tensor_by_name(n) for n in op.attrs[key]]
            extra = [t for t in saved if _BRANCH_OF.get(t.op, (None, None))[1] == key]
            fx = _EFFECTS.get(op, {}).get(key, [])
            hit = plans[key] = (state.compile(outs + extra + fx, keys, tune_blas=False,
                                              in_program_order=bool(fx)),
                                builtins.tuple(t.name for t in extra))
        return hit

    def run(pred, *values):
        plan, extra = branch("then_outputs" if pred else "else_outputs")
        out = plan(values)
        if saved:  # this run's values of the branch tensors a gradient reads (CondSaved)
            state.resources[(op, "saved")] = dict(zip(extra, out[n_out:n_out + len(extra)]))
        return out[0] if n_out == 1 else out[:n_out]
    return run


# A gradient (or any later op) that reads a tensor made inside a Cond's branch would make the
# plan compute it again outside the Cond: right for pure ops, wrong for random ones (a dropout
# mask drawn twice). So a Cond records, when it runs, the branch tensors that depend on a
# stateful op and are read outside it, and CondSaved ops give those recorded values.
_BRANCH_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # op -> (Cond, branch key)
_SAVED_BY_COND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Cond -> [tensors]
_BRANCH_OPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Cond -> its branches' ops


def _depends_on_state(t, branch_ops) -> bool:
    stack, seen = [t.op], set()
    while stack:
        o = stack.pop()
        if o in seen or o not in branch_ops:
            continue
        seen.add(o)
        if o.op_def.stateful:
            return True
        stack.extend(x.op for x in o.inputs)
    return False


def _cond_saved_bind(op, state):
    cond_op, name = op.attrs["cond"], op.attrs["tensor"]
    t = op.outputs[0]
    dims = t.shape.as_tuple()
    # the other branch ran: its tensors have no value, and the consumers that read them (the
    # other branch of a gradient Cond) do not run either; an empty stand-in keeps the plan going
    stand_in = np.zeros(() if dims is None else [0 if d is None else d for d in dims],
                        t.dtype.np)

    def run(_):
        return state.resources.get((cond_op, "saved"), {}).get(name, stand_in)
    return run


defop("CondSaved", infer=lambda op: (op.attrs["dtype"], op.attrs["shape"]),
      bind=_cond_saved_bind, aliases=True, stateful=True, not_differentiable=True)


def _recorded(graph, caps) -> list:
    """``caps`` with each branch tensor of an earlier Cond that depends on a stateful op replaced
    by a CondSaved op reading the value that Cond recorded."""
    out = []
    for c in caps:
        owner = _BRANCH_OF.get(c.op)
        if owner is None or owner[0].graph is not graph or not _depends_on_state(
                c, _BRANCH_OPS[owner[0]]):
            out.append(c)
            continue
        cond_op = owner[0]
        saved = _SAVED_BY_COND.setdefault(cond_op, [])
        if c not in saved:
            saved.append(c)
        out.append(apply_op("CondSaved", [cond_op.outputs[0]],
                            {"cond": cond_op, "tensor": c.name, "dtype": c.dtype,
                             "shape": c.shape}, name=c.op.name.rpartition("/")[2] + "_saved"))
    return out


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
            return [array_ops.zeros_like(c) if g is None else dense(g) for g, c in zip(gs, wrt)]
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
    if executing_eagerly():  # TF2: the chosen branch simply runs
        return true_fn() if bool(pred) else false_fn()
    graph = pred.graph
    with graph.as_default(), graph.name_scope(name or "cond") as scope:
        with graph.control_dependencies(None):  # outer dependencies belong to the Cond op
            t_single, t_kind, t_outs, t_ops = _branch(graph, true_fn, "true_fn")
            f_single, f_kind, f_outs, f_ops = _branch(graph, false_fn, "false_fn")
        if len(t_outs) != len(f_outs) or t_single != f_single:
            raise ValueError(f"tf.cond: true_fn returns {len(t_outs)} value(s) and false_fn "
                             f"{len(f_outs)}; both must return the same structure")
        caps = captured_inputs(t_ops | f_ops, t_outs + f_outs)
        values = _recorded(graph, caps)
        outs = apply_op("Cond", [pred, *values],
                        {"then_outputs": builtins.tuple(t.name for t in t_outs),
                         "else_outputs": builtins.tuple(t.name for t in f_outs),
                         "captures": builtins.tuple(t.name for t in caps)}, name=scope)
    outs = list(outs) if isinstance(outs, builtins.tuple) else [outs]
    cond_op = outs[0].op
    _BRANCH_OPS[cond_op] = t_ops | f_ops
    if getattr(graph, "lifts_variables", False):
        _EFFECTS[cond_op] = {"then_outputs": effects(t_ops), "else_outputs": effects(f_ops)}
    for ops_, key in ((t_ops, "then_outputs"), (f_ops, "else_outputs")):
        for o in ops_:
            _BRANCH_OF[o] = (cond_op, key)
    if t_single:
        return outs[0]
    return t_kind(outs) if t_kind in (list, builtins.tuple) else outs


# ---- while_loop ------------------------------------------------------------------------------
# A While op takes the loop variables' initial values and every tensor cond and body capture
# from outside; its kernel runs compiled sub-plans of cond and body in a Python loop (no
# recursion; only the iterations that run execute). The body is built once, on placeholders
# shaped by the shape invariants. Gradient, stack-style: once a gradient of the loop exists, the
# forward kernel also fetches, per iteration, the body tensors the gradient ops read and returns
# them in its last output (a per-run history); a WhileGrad op runs the gradient sub-plan over
# that history in reverse and sums the gradients of the captured tensors (variables included).
# Nothing is recomputed, so random ops in the body (dropout) see the forward's values.
_BODIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # While op -> its body's ops
_SAVED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # While op -> tensors recorded


class LoopHistory:
    """The recorded body tensors (``names``) of each iteration of one While run."""

    __slots__ = ("names", "records")

    def __init__(self, names: builtins.tuple, records: list):
        self.names, self.records = names, records


def _lift_variables(ops: set, variables: list) -> set:
    """``ops`` without the variables created while building a loop body (RNN cells call
    get_variable inside the body) and their initializers: those run once, outside the loop."""
    lifted, todo = set(), []
    for v in variables:
        todo.extend([v.op, v.initializer])
    while todo:
        op = todo.pop()
        if op in lifted or op not in ops:
            continue
        lifted.add(op)
        todo.extend(t.op for t in op.inputs)
        todo.extend(op.control_inputs)
    return ops - lifted


def _loop_value(x) -> Tensor:
    """A loop variable as a tensor: a TensorArray travels as its flow."""
    from .tensor_array_ops import TensorArray
    return x.flow if isinstance(x, TensorArray) else convert_to_tensor(x)


def _rewrap(like, t):
    from .tensor_array_ops import TensorArray
    return like._with_flow(t) if isinstance(like, TensorArray) else t


def _less_specific(inv: TensorShape, shape: TensorShape) -> bool:
    """True when every dimension ``inv`` fixes has that value in ``shape``."""
    if inv.ndims is None:
        return True
    if shape.ndims != inv.ndims:
        return False
    return all(a is None or a == b for a, b in zip(inv.as_list(), shape.as_list()))


def _invariants(structure, flat, inits, shape_invariants) -> list:
    if shape_invariants is None:
        return [t.shape for t in inits]
    invs = nest.flatten_up_to(structure, shape_invariants)
    out = []
    for x, t, inv in zip(flat, inits, invs):
        inv = t.shape if inv is None else as_shape(inv)
        if not _less_specific(inv, t.shape) and not hasattr(x, "flow"):
            raise ValueError(f"tf.while_loop: the shape invariant specified for {t.name} is not "
                             "compatible with the initial shape of the loop variable. It enters "
                             f"the loop with shape {t.shape}, but the specified shape invariant "
                             f"is {inv}.")
        out.append(TensorShape(None) if hasattr(x, "flow") else inv)
    return out


def _check_body_outputs(inits, invs, outs, given) -> None:
    for t, inv, o in zip(inits, invs, outs):
        if o.dtype is not t.dtype:
            raise TypeError(f"tf.while_loop: loop variable {t.name} enters the loop with type "
                            f"{t.dtype.name} but has type {o.dtype.name} after one iteration "
                            f"({o.name})")
        if o.shape.ndims is not None and not inv.is_compatible_with(o.shape):
            more = "" if given else (" To allow the shape to vary across iterations, use the "
                                     "`shape_invariants` argument of tf.while_loop to specify "
                                     "a less-specific shape.")
            raise ValueError(f"tf.while_loop: input tensor '{t.name}' enters the loop with shape "
                             f"{inv}, but has shape {o.shape} after one iteration ({o.name})."
                             + more)


def _eager_loop(cond, body, structure, flat, single, maximum_iterations):
    """while_loop in eager mode (TF2): a Python loop calling the same cond and body."""
    args = nest.pack_sequence_as(structure, [x if hasattr(x, "flow") else convert_to_tensor(x)
                                             for x in flat])
    n = 0
    while (maximum_iterations is None or n < int(maximum_iterations)) and bool(cond(*args)):
        res = body(*args)
        args = [res] if len(args) == 1 and not isinstance(res, (list, builtins.tuple)) \
            else list(res)
        n += 1
    if single:
        return args[0]
    return type(structure)(args) if not hasattr(structure, "_fields") else type(structure)(*args)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, name=None, maximum_iterations=None,
               return_same_structure=False):
    """Repeats ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is True.

    ``loop_vars`` is a (nested) list/tuple/namedtuple/dict of tensors and TensorArrays; ``body``
    returns the same structure with the same dtypes and shapes (a shape may vary only as
    ``shape_invariants`` allows). At most ``maximum_iterations`` iterations run.
    ``parallel_iterations`` and ``swap_memory`` are accepted; iterations run one by one.

    >>> i, s = tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i), (0, 0))
    """
    for fn, what in ((cond, "cond"), (body, "body")):
        if not callable(fn):
            raise TypeError(f"tf.while_loop: {what} must be callable, got {fn!r}")
    single = not isinstance(loop_vars, (list, builtins.tuple))
    structure = [loop_vars] if single else loop_vars
    flat = nest.flatten(structure)
    if not flat:
        raise ValueError("tf.while_loop: no loop variables provided")
    if executing_eagerly():
        return _eager_loop(cond, body, structure, flat, single, maximum_iterations)
    inits = [_loop_value(x) for x in flat]
    invs = _invariants(structure, flat, inits,
                       None if shape_invariants is None else
                       ([shape_invariants] if single else shape_invariants))
    graph = inits[0].graph
    from .variable_scope import GraphKeys
    with graph.as_default(), graph.name_scope(name or "while") as scope:
        maxit = None
        if maximum_iterations is not None:
            maxit = convert_to_tensor(maximum_iterations, name="maximum_iterations")
            if not maxit.dtype.is_integer or maxit.shape.ndims not in (None, 0):
                raise ValueError("tf.while_loop: maximum_iterations must be a scalar integer, "
                                 f"got {maxit.dtype.name} of shape {maxit.shape}")
        with graph.control_dependencies(None):  # outer dependencies belong to the While op
            start = len(graph._ops)
            n_vars = len(graph.get_collection_ref(GraphKeys.GLOBAL_VARIABLES))
            phs = [array_ops.placeholder(t.dtype, inv, name="loop_var")
                   for t, inv in zip(inits, invs)]
            args = nest.pack_sequence_as(structure, [_rewrap(x, p) for x, p in zip(flat, phs)])
            with graph.name_scope("cond"):
                c = convert_to_tensor(cond(*args))
            if not c.dtype.is_bool or c.shape.ndims not in (None, 0):
                raise TypeError(f"tf.while_loop: cond must return a scalar bool tensor, got "
                                f"{c.dtype.name} of shape {c.shape} ({c.name})")
            with graph.name_scope("body"):
                res = body(*args)
            if len(structure) == 1 and (not isinstance(res, (list, builtins.tuple)) or (
                    nest.is_sequence(structure[0]) and len(res) != len(structure))):
                res = [res]
            try:
                nest.assert_same_structure(list(structure), list(res), check_types=False)
            except (ValueError, TypeError) as e:
                raise ValueError(f"tf.while_loop: body must return the structure of loop_vars. "
                                 f"{e}") from None
            res_flat = nest.flatten(list(res))
            outs = [_loop_value(x) for x in res_flat]
            _check_body_outputs(inits, invs, outs, shape_invariants is not None)
            new_vars = graph.get_collection_ref(GraphKeys.GLOBAL_VARIABLES)[n_vars:]
            ops = _lift_reads(_lift_variables(set(graph._ops[start:]), new_vars))
        caps = captured_inputs(ops, outs + [c])
        inputs = inits + caps + ([maxit] if maxit is not None else [])
        results = apply_op("While", inputs, {
            "n_vars": len(inits), "n_caps": len(caps), "cond": c.name,
            "loop_vars": builtins.tuple(p.name for p in phs),
            "body": builtins.tuple(o.name for o in outs),
            "maximum_iterations": maxit is not None, "back_prop": bool(back_prop)}, name=scope)
    _BODIES[results[0].op] = ops
    if getattr(graph, "lifts_variables", False):
        _EFFECTS[results[0].op] = effects(ops)
    packed = nest.pack_sequence_as(
        structure, [_rewrap(x, t) for x, t in zip(res_flat, results[:len(inits)])])
    return packed[0] if single or (len(packed) == 1 and not return_same_structure) else packed


def nested_ops(op: Operation) -> set:
    """The ops of a Cond's branches or a While's body (they run when ``op`` runs)."""
    return _BRANCH_OPS.get(op) or _BODIES.get(op) or set()


def has_effect(op: Operation) -> bool:
    """Ops run for their effect even when no output is used: assignments, optimizer updates,
    prints."""
    return op.type == "PrintV2" or (op.type != "ReadVariableOp" and bool(ref_inputs(op)))


def effects(ops) -> list:
    """The effectful ops among ``ops`` in creation order, those of nested branches and bodies
    represented by their Cond/While."""
    ops = sorted(ops, key=lambda o: o._id)
    inside = set().union(*(nested_ops(o) for o in ops))
    return [o for o in ops if o not in inside and (
        has_effect(o) or any(has_effect(i) for i in nested_ops(o)))]


# In a tf.function, a branch's or loop body's effects run with it (TF2's automatic control
# dependencies); TF1 graphs run only what the outputs need.
_EFFECTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Cond/While -> effect ops


def _while_infer(op):
    g = op.graph
    phs = [g.get_tensor_by_name(n) for n in op.attrs["loop_vars"]]
    from ..framework import dtypes
    return [(p.dtype, p.shape) for p in phs] + [(dtypes.variant, ())]


def _while_bind(op, state):
    a, g = op.attrs, op.graph
    n, nc = a["n_vars"], a["n_caps"]
    feeds = [g.get_tensor_by_name(x) for x in a["loop_vars"]] + list(op.inputs[n:n + nc])
    cond_plan = state.compile([g.get_tensor_by_name(a["cond"])], feeds, tune_blas=False)
    record = bool(op.outputs[-1]._consumers)  # a gradient of this loop exists
    saved = list(_SAVED.get(op, ())) if record else []
    fx = _EFFECTS.get(op, [])
    body_plan = state.compile([g.get_tensor_by_name(x) for x in a["body"]] + saved + fx, feeds,
                              tune_blas=False, in_program_order=bool(fx))
    n_saved = len(saved)
    names = builtins.tuple(t.name for t in saved)
    has_max = a["maximum_iterations"]

    def run(*values):
        xs, caps = values[:n], values[n:n + nc]
        limit = int(values[-1]) if has_max else float("inf")
        records = []
        i = 0
        while i < limit and cond_plan(xs + caps)[0]:
            out = body_plan(xs + caps)
            xs = out[:n]
            if record:
                records.append(out[n:n + n_saved])
            i += 1
        return (*xs, LoopHistory(names, records if record else [()] * i))
    return run


def _zero_like(v):
    from .tensor_array_ops import TensorArrayValue
    return TensorArrayValue.empty_gradient() if isinstance(v, TensorArrayValue) else \
        np.zeros_like(v)


def _accumulate(acc, g):
    from .tensor_array_ops import TensorArrayValue
    if acc is None:
        return g
    return TensorArrayValue.sum_gradients([acc, g]) if isinstance(g, TensorArrayValue) else \
        acc + g


def _while_grad(op, *dys):
    from .gradients_impl import _differentiable, gradients
    a, g = op.attrs, op.graph
    n, nc = a["n_vars"], a["n_caps"]
    none = [None] * len(op.inputs)
    phs = [g.get_tensor_by_name(x) for x in a["loop_vars"]]
    body = [g.get_tensor_by_name(x) for x in a["body"]]
    caps = list(op.inputs[n:n + nc])
    diff = [k for k in range(n) if _differentiable(phs[k].dtype)]
    wrt = [j for j, c in enumerate(caps) if _differentiable(c.dtype)]
    if not a["back_prop"] or not diff or all(dys[k] is None for k in diff):
        return none
    with g.control_dependencies(None):
        start = len(g._ops)
        dy_phs = [array_ops.placeholder(body[k].dtype, phs[k].shape, name="dy") for k in diff]
        # loop variables and captured tensors are the body's independent inputs
        # a captured table's gradient (a gather in the body) is summed over iterations dense
        gs = [dense(gr) for gr in gradients(
            [body[k] for k in diff], [phs[k] for k in diff] + [caps[j] for j in wrt],
            grad_ys=dy_phs, stop_gradients=[caps[j] for j in wrt])]
        dxs = [array_ops.zeros_like(phs[k]) if gk is None and phs[k].dtype.is_floating else gk
               for k, gk in zip(diff, gs[:len(diff)])]
        dcs = gs[len(diff):]
        body_ops = _BODIES[op]
        need: list = []
        for o in g._ops[start:]:
            need.extend(t for t in o.inputs if t.op in body_ops)
        need.extend(t for t in dxs + dcs if t is not None and t.op in body_ops)
        need = list(dict.fromkeys(need))
        saved = _SAVED.setdefault(op, [])
        saved.extend(t for t in need if t not in saved)
        inputs = [op.outputs[-1]] + [op.outputs[k] if dys[k] is None else dys[k] for k in diff]
        res = apply_op("WhileGrad", inputs + caps, {
            "while": op.name, "diff": builtins.tuple(diff), "wrt": builtins.tuple(wrt),
            "zero_dy": builtins.tuple(dys[k] is None for k in diff),
            "saved": builtins.tuple(t.name for t in need),
            "dy": builtins.tuple(p.name for p in dy_phs),
            "dx": builtins.tuple(None if t is None else t.name for t in dxs),
            "dc": builtins.tuple(None if t is None else t.name for t in dcs)},
            name="WhileGrad")
    res = list(res) if isinstance(res, builtins.tuple) else [res]
    out = none
    for k, r in zip(diff, res):
        out[k] = r
    for j, r in zip(wrt, res[len(diff):]):
        out[n + j] = r
    return out


def _while_grad_infer(op):
    fwd = op.inputs[0].op
    n, diff, wrt = fwd.attrs["n_vars"], op.attrs["diff"], op.attrs["wrt"]
    return [(fwd.inputs[k].dtype, fwd.inputs[k].shape) for k in diff] + \
        [(fwd.inputs[n + j].dtype, fwd.inputs[n + j].shape) for j in wrt]


def _while_grad_bind(op, state):
    a, g = op.attrs, op.graph
    nd = len(a["diff"])
    ts = [None if x is None else g.get_tensor_by_name(x) for x in a["dx"] + a["dc"]]
    fetches = [t for t in ts if t is not None]
    pos, i = [], 0
    for t in ts:
        pos.append(None if t is None else i)
        i += t is not None
    dx_pos, dc_pos = pos[:nd], pos[nd:]
    feeds = [g.get_tensor_by_name(x) for x in a["saved"] + a["dy"]] + list(op.inputs[1 + nd:])
    plan = state.compile(fetches, feeds, tune_blas=False)
    zero_dy, wrt, saved = a["zero_dy"], a["wrt"], a["saved"]
    single = len(op.outputs) == 1

    def run(hist, *vals):
        dys = [_zero_like(v) if z else v for v, z in zip(vals[:nd], zero_dy)]
        caps = vals[nd:]
        where = {name: i for i, name in enumerate(hist.names)}
        idx = [where[name] for name in saved]
        acc = [None] * len(wrt)
        for rec in reversed(hist.records):
            out = plan(builtins.tuple(rec[i] for i in idx) + builtins.tuple(dys) + caps)
            dys = [_zero_like(d) if p is None else out[p] for d, p in zip(dys, dx_pos)]
            for j, p in enumerate(dc_pos):
                if p is not None:
                    acc[j] = _accumulate(acc[j], out[p])
        dcs = [_zero_like(caps[w]) if s is None else s for s, w in zip(acc, wrt)]
        res = builtins.tuple(dys + dcs)
        return res[0] if single else res
    return run


# blas=True: a body may multiply matrices, and the plan running the loop sets the threads
defop("While", infer=_while_infer, bind=_while_bind, grad=_while_grad, aliases=True, blas=True,
      stateful=True)
defop("WhileGrad", infer=_while_grad_infer, bind=_while_grad_bind, aliases=True, blas=True)


# ---- Assert and case ---------------------------------------------------------------------------
def _assert_kernel(condition, *data, summarize=3):
    if not condition:
        # as TF prints it: each datum in brackets, its first ``summarize`` values
        shown = " ".join("[" + " ".join(v.decode() if isinstance(v, bytes) else str(v)
                                        for v in np.asarray(d).reshape(-1)[:summarize])
                         + "]" for d in data)
        raise errors.InvalidArgumentError(None, None, f"assertion failed: {shown}")


defop("Assert", infer=lambda op: [], kernel=_assert_kernel, stateful=True,
      not_differentiable=True)


def Assert(condition, data, summarize=None, name=None) -> Operation:  # noqa: N802 - TF's name
    """An op that fails with InvalidArgumentError showing ``data`` when ``condition`` is False."""
    condition = convert_to_tensor(condition)
    if not condition.dtype.is_bool or condition.shape.ndims not in (None, 0):
        raise TypeError(f"tf.Assert: condition must be a scalar bool tensor, got "
                        f"{condition.dtype.name} of shape {condition.shape}")
    data = [convert_to_tensor(d) for d in data]
    return apply_op("Assert", [condition, *data], {"summarize": summarize or 3},
                    name=name or "Assert")


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first true predicate (a chain of ``tf.cond``); ``default`` when none
    is true. ``pred_fn_pairs``: a list of (bool tensor, callable) pairs, or a dict of them.
    ``exclusive=True`` fails at run time when more than one predicate is true.

    >>> tf.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)], default=lambda: x)
    """
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else \
        list(pred_fn_pairs)
    for p in pairs:
        if not isinstance(p, builtins.tuple) or len(p) != 2 or not callable(p[1]):
            raise TypeError(f"tf.case: each element of pred_fn_pairs must be a (predicate, "
                            f"callable) pair, got {p!r}")
    if default is None:
        if not pairs:
            raise ValueError("tf.case: pred_fn_pairs is empty and there is no default")
        *pairs, (_, default) = pairs  # as TF: the last function serves when nothing matches
    if not callable(default):
        raise TypeError(f"tf.case: default must be callable, got {default!r}")
    if not pairs:
        return default()
    preds = [convert_to_tensor(p) for p, _ in pairs]
    graph = preds[0].graph
    with graph.as_default(), graph.name_scope(name):
        deps = []
        if exclusive:
            from .math_ops import reduce_sum
            count = reduce_sum(array_ops.stack([array_ops.cast(p, "int32") for p in preds]))
            deps = [Assert(count <= 1, [f"tf.case: more than one predicate is true "
                                        f"(exclusive=True): {[p.name for p in preds]}", count])]

        def chain(i):
            if i == len(pairs):
                return default
            return lambda: cond(preds[i], pairs[i][1], chain(i + 1))
        with control_dependencies(deps):
            return chain(0)()
