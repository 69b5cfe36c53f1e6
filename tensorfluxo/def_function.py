"""tf.function: traces a Python function into a graph once per input signature and runs the
graph through the executor, against the eager context's run state.

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((x * w - 1.0) ** 2)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
        return loss

Tensors (and NumPy arrays) are traced by dtype and shape, other arguments by value, so a new
shape, dtype or Python value traces again. Eager variables the function uses are captured by
their cells (ops read and update the same cell eager code sees); variables created while tracing
are lifted out, as in TF2, and only the first trace may create them. Python side effects
(print) happen while tracing; ``tf.print`` is an op and prints at every call. The plan runs the
ops in the order the Python code created them, so reads and assignments keep program order.
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from .client import eager
from .framework import dtypes
from .framework.eager_tensor import EagerTensor
from .framework.ops import Graph, Operation, Tensor, executing_eagerly
from .framework.registry import ref_inputs
from .framework.tensor_shape import TensorShape
from .ops import array_ops

RUN_EAGERLY = False  # tf.config.run_functions_eagerly(True)

_CREATE_ERROR = (
    "tf.function only supports singleton tf.Variables created on the first call. Make sure the "
    "tf.Variable is only created once or created outside tf.function. See "
    "https://www.tensorflow.org/guide/function#creating_tfvariables for more information.")


class FuncGraph(Graph):
    """The graph a tf.function is traced into. Eager tensors used in it become constants;
    eager variables are used by their cells (value uses go through ReadVariableOp, which the
    plan runs where the code read them). New variables are created eagerly (lifted)."""

    lifts_variables = True

    def __init__(self, name: str, allow_variables: bool = True):
        super().__init__()
        self.name = name
        self.seed = eager.CONTEXT.seed
        self._allow_variables = allow_variables
        self.created_variables = 0
        self._constants: dict[int, tuple] = {}
        self._reads: dict[int, tuple] = {}  # id(eager variable) -> (variable, its read ops)

    def consumers_of(self, t) -> list:
        if hasattr(t, "_eager_cell"):  # tf.gradients from an eager variable starts at its reads
            return list(self._reads.get(id(t), (t, []))[1])
        return t._consumers

    def check_variable_creation(self) -> None:
        if not self._allow_variables:
            raise ValueError(_CREATE_ERROR)
        self.created_variables += 1

    def _capture_inputs(self, op_def, inputs, attrs) -> list:
        refs = op_def.ref_inputs
        if callable(refs):
            refs = ref_inputs(_Pending(op_def, inputs, attrs or {}))
        out = []
        for i, t in enumerate(inputs):
            if t.graph is self:
                pass
            elif type(t) is EagerTensor:
                t = self._constant(t)
            elif hasattr(t, "_eager_cell"):
                if i not in refs:
                    read = self.create_op("ReadVariableOp", [t], {"trainable": t.trainable},
                                          name=t.op.name.rpartition("/")[2] + "/Read")
                    self._reads.setdefault(id(t), (t, []))[1].append(read)
                    t = read.outputs[0]
            else:
                raise ValueError(f"Tensor {t.name} must be from the same graph as the other "
                                 f"inputs of {op_def.type}: it belongs to another tf.Graph, not "
                                 f"to the function '{self.name}' being traced.")
            out.append(t)
        return out

    def _constant(self, t: EagerTensor) -> Tensor:
        hit = self._constants.get(id(t))
        if hit is None:
            c = self.create_op("Const", [], {"value": t._value, "dtype": t.dtype},
                               name="Const").outputs[0]
            hit = self._constants[id(t)] = (t, c)  # keeps t alive: its id stays its own
        return hit[1]


class _Pending:
    """What a callable ``ref_inputs(op)`` reads, before the op exists."""

    def __init__(self, op_def, inputs, attrs):
        self.op_def, self.inputs, self.attrs, self.type = op_def, inputs, attrs, op_def.type


# ---- argument signatures ---------------------------------------------------------------------
def _signature(x, tensors: list):
    """A hashable key for the structure and the traced properties of ``x``; tensor leaves are
    appended to ``tensors``."""
    if isinstance(x, (EagerTensor, np.ndarray)) and not hasattr(x, "_eager_cell"):
        tensors.append(x)
        dt = x.dtype if isinstance(x, EagerTensor) else dtypes.as_dtype(x.dtype)
        return ("T", dt, tuple(x.shape))
    if isinstance(x, (list, tuple)):
        return (type(x), tuple(_signature(e, tensors) for e in x))
    if isinstance(x, dict):
        return (dict, tuple((k, _signature(v, tensors)) for k, v in sorted(x.items())))
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return ("V", type(x), x)


def _rebuild(x, it):
    """``x`` with its tensor leaves replaced by the next items of ``it`` (same walk order)."""
    if isinstance(x, (EagerTensor, np.ndarray)) and not hasattr(x, "_eager_cell"):
        return next(it)
    if isinstance(x, (list, tuple)):
        items = [_rebuild(e, it) for e in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return {k: _rebuild(x[k], it) for k in sorted(x)}
    return x


def _flatten_out(x, leaves: list):
    if isinstance(x, (list, tuple)) and not isinstance(x, Tensor):
        subs = [_flatten_out(e, leaves) for e in x]
        kind = type(x)
        if hasattr(x, "_fields"):
            return lambda vals: kind(*[s(vals) for s in subs])
        return lambda vals: kind(s(vals) for s in subs)
    if isinstance(x, dict):
        subs = {k: _flatten_out(v, leaves) for k, v in x.items()}
        return lambda vals: {k: s(vals) for k, s in subs.items()}
    i = len(leaves)
    leaves.append(x)
    return lambda vals: vals[i]


# ---- traced functions ------------------------------------------------------------------------
class ConcreteFunction:
    """One trace: its graph, the placeholders fed by the call's tensors, and a compiled plan."""

    def __init__(self, graph: FuncGraph, feeds: list, outputs, rebuild, fetch_index: list):
        self.graph = graph
        self._feeds = feeds
        self.structured_outputs = outputs
        self._rebuild = rebuild
        self._fetch_index = fetch_index  # per output leaf: index into the plan's results or -1
        fetches = [t for t, k in zip(outputs, fetch_index) if k >= 0]
        effects = [op for op in graph.get_operations() if _has_effect(op)]
        self._plan = eager.context_state().compile(fetches + effects, feeds,
                                                   in_program_order=True)

    def __call__(self, values: list):
        results = self._plan(values)
        plan = self._plan
        vals = []
        for j, leaf in enumerate(self.structured_outputs):
            k = self._fetch_index[j]
            if k < 0:
                vals.append(leaf)
                continue
            v = results[k]
            if plan.copy_flags[k]:
                v = np.array(v)
            vals.append(EagerTensor(v, leaf.dtype))
        return self._rebuild(vals)


def _has_effect(op: Operation) -> bool:
    """Ops run for their effect even when no output is returned: assignments, optimizer
    updates, prints."""
    if op.type == "PrintV2":
        return True
    return op.type != "ReadVariableOp" and bool(ref_inputs(op))


class Function:
    """What ``tf.function`` returns: call it like the Python function."""

    def __init__(self, python_function, input_signature=None, name=None):
        self.python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        self._name = name or getattr(python_function, "__name__", "function")
        self._traces: dict = {}
        self._tracing_count = 0
        self._created_variables = False
        self._bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, python_function)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        try:
            return self._bound[instance]
        except (KeyError, TypeError):
            pass
        bound = Function(functools.partial(self.python_function, instance),
                         self.input_signature, self._name)
        try:
            self._bound[instance] = bound
        except TypeError:
            pass
        return bound

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def __call__(self, *args, **kwargs):
        if RUN_EAGERLY or not executing_eagerly():  # (inside a trace: inlined)
            return self.python_function(*args, **kwargs)
        tensors: list = []
        if self.input_signature is not None:
            args = self._check_signature(args, kwargs)
            kwargs = {}
            key = ("spec",)
            _signature(args, tensors)
        else:
            key = _signature((args, kwargs), tensors)
        concrete = self._traces.get(key)
        if concrete is None:
            concrete = self._traces[key] = self._trace(args, kwargs)
        return concrete([t._value if type(t) is EagerTensor else t for t in tensors])

    def _check_signature(self, args, kwargs):
        if kwargs or len(args) != len(self.input_signature):
            raise TypeError(f"{self._name}: the input_signature has {len(self.input_signature)} "
                            f"arguments, got {len(args)} positional and {len(kwargs)} keyword")
        out = []
        for i, (a, spec) in enumerate(zip(args, self.input_signature)):
            t = a if isinstance(a, EagerTensor) else array_ops.constant(a, dtype=spec.dtype)
            if t.dtype is not spec.dtype or not spec.shape.is_compatible_with(t.shape):
                raise ValueError(f"{self._name}: argument {i} of dtype {t.dtype.name} and shape "
                                 f"{t.shape} does not match the input_signature {spec}")
            out.append(t)
        return tuple(out)

    def _trace(self, args, kwargs) -> ConcreteFunction:
        first = not self._traces and not self._created_variables
        concrete, created = self._trace_once(args, kwargs, allow_variables=first)
        if created:
            # TF traces a function that created variables once more: that trace must reuse
            # them (a function creating variables at every call fails here, at once).
            self._created_variables = True
            concrete, _ = self._trace_once(args, kwargs, allow_variables=False)
        return concrete

    def _trace_once(self, args, kwargs, allow_variables: bool):
        self._tracing_count += 1
        graph = FuncGraph(self._name, allow_variables)
        with graph.as_default():
            feeds = []
            specs = self.input_signature
            leaves: list = []
            _signature((args, kwargs), leaves)
            for i, t in enumerate(leaves):
                if specs is not None:
                    dt, shape = specs[i].dtype, specs[i].shape
                elif isinstance(t, EagerTensor):
                    dt, shape = t.dtype, t.shape
                else:
                    dt, shape = dtypes.as_dtype(t.dtype), TensorShape(t.shape)
                feeds.append(array_ops.placeholder(dt, shape, name=f"args_{i}"))
            it = iter(feeds)
            g_args = _rebuild(args, it)
            g_kwargs = _rebuild(kwargs, it)
            result = self.python_function(*g_args, **g_kwargs)
            leaves = []
            rebuild = _flatten_out(result, leaves)
            outs, index = [], []
            n = 0
            for leaf in leaves:
                if hasattr(leaf, "_eager_cell"):
                    leaf = leaf.read_value()
                if isinstance(leaf, Operation):
                    leaf = None
                if isinstance(leaf, Tensor) and not isinstance(leaf, EagerTensor):
                    index.append(n)
                    n += 1
                else:
                    index.append(-1)
                outs.append(leaf)
        return ConcreteFunction(graph, feeds, outs, rebuild, index), graph.created_variables


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_relax_shapes=None,
             experimental_compile=None, experimental_follow_type_hints=None, name=None):
    """``@tf.function``: compiles a Python function into a graph per input signature."""
    if func is None:
        return lambda f: Function(f, input_signature, name)
    return Function(func, input_signature, name)
