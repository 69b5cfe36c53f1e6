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
import inspect
import weakref

import numpy as np

from .client import eager
from .framework import dtypes
from .framework.eager_tensor import EagerTensor
from .framework.nest import flatten_with_packer
from .framework.ops import Graph, Operation, Tensor, executing_eagerly
from .framework.registry import ref_inputs
from .framework.tensor_shape import TensorShape
from .framework.tensor_spec import TensorSpec
from .ops import array_ops, control_flow_ops

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
        self._allow_variables = allow_variables
        self.created_variables = 0
        self._constants: dict[int, tuple] = {}
        self._reads: dict[int, tuple] = {}  # id(eager variable) -> (variable, its read ops)

    @property
    def seed(self):
        """The global seed now (tf.random.set_seed): Keras' long-lived graph follows it."""
        return eager.CONTEXT.seed

    @seed.setter
    def seed(self, value) -> None:
        pass  # (Graph.__init__'s None; a function's seed is the global one)

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
def _is_leaf(x) -> bool:
    """Tensor arguments: traced by dtype and shape (TensorSpecs stand for them)."""
    return isinstance(x, (EagerTensor, np.ndarray, TensorSpec)) and not hasattr(x, "_eager_cell")


def _signature(x, tensors: list):
    """A hashable key for the structure and the traced properties of ``x``; tensor leaves are
    appended to ``tensors``."""
    if _is_leaf(x):
        tensors.append(x)
        if isinstance(x, TensorSpec):
            return ("T", x.dtype, x.shape.as_tuple())
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


def _leaf_specs(key, out: list) -> list:
    """The (dtype, shape) of each tensor leaf of signature ``key``, in walk order."""
    if isinstance(key, tuple) and key:
        if key[0] == "T" and len(key) == 3:
            out.append((key[1], TensorShape(key[2])))
        elif key[0] not in ("V", "id"):
            for k in key[1]:
                _leaf_specs(k[1] if key[0] is dict else k, out)
    return out


def _fits(general, key) -> bool:
    """Whether signature ``key`` is an instance of ``general`` (None dims match any size)."""
    if isinstance(general, tuple) and general and general[0] == "T" and len(general) == 3:
        return (isinstance(key, tuple) and len(key) == 3 and key[0] == "T"
                and key[1] is general[1] and (general[2] is None or (
                    key[2] is not None and len(key[2]) == len(general[2])
                    and all(g is None or g == d for g, d in zip(general[2], key[2])))))
    if isinstance(general, tuple) and isinstance(key, tuple) and len(general) == len(key):
        return all(_fits(g, k) for g, k in zip(general, key))
    return general == key


def _relax(old, new):
    """``old`` and ``new`` with the dims where they differ unknown, or None if they differ in
    anything else (structure, dtype, rank, Python values)."""
    if isinstance(old, tuple) and old and old[0] == "T" and len(old) == 3:
        if not (isinstance(new, tuple) and len(new) == 3 and new[0] == "T"
                and new[1] is old[1]):
            return None
        if old[2] is None or new[2] is None or len(new[2]) != len(old[2]):
            return ("T", old[1], None)  # ranks differ: any shape
        return ("T", old[1], tuple(a if a == b else None for a, b in zip(old[2], new[2])))
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new):
        parts = [_relax(a, b) for a, b in zip(old, new)]
        return None if any(p is None and (a is not None) for p, a in zip(parts, old)) \
            else tuple(parts)
    return old if old == new else None


def _flat_leaves(x) -> list:
    leaves: list = []
    _signature(x, leaves)
    return leaves


def _bind_defaults(fn, args, kwargs) -> tuple:
    """(args, kwargs) of a call with the defaults of ``fn``'s parameters filled in (TF's
    structured_input_signature)."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return tuple(args), dict(kwargs)
    bound.apply_defaults()
    return bound.args, bound.kwargs


def _rebuild(x, it):
    """``x`` with its tensor leaves replaced by the next items of ``it`` (same walk order)."""
    if _is_leaf(x):
        return next(it)
    if isinstance(x, (list, tuple)):
        items = [_rebuild(e, it) for e in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return {k: _rebuild(x[k], it) for k in sorted(x)}
    return x


# ---- traced functions ------------------------------------------------------------------------
class ConcreteFunction:
    """One trace of a tf.function: its graph, the placeholders its tensor arguments feed, and
    a compiled plan. Callable with tensors (``f.get_concrete_function(spec)(x)``)."""

    def __init__(self, graph: FuncGraph, feeds: list, outputs: list, rebuild, fetch_index: list,
                 input_signature):
        self.graph = graph
        self.inputs = feeds
        self._leaves = outputs  # output leaves: graph tensors, or Python values / None
        self._rebuild = rebuild
        self._fetch_index = fetch_index  # per output leaf: index into the plan's results or -1
        self.structured_input_signature = input_signature
        fetches = [t for t, k in zip(outputs, fetch_index) if k >= 0]
        self.outputs = fetches
        effects = control_flow_ops.effects(graph.get_operations())
        self._plan = eager.context_state().compile(fetches + effects, feeds,
                                                   in_program_order=True)

    @property
    def name(self) -> str:
        return self.graph.name

    @property
    def structured_outputs(self):
        """The function's return value with graph tensors in place of values."""
        return self._rebuild(self._leaves)

    @property
    def output_shapes(self):
        return self._rebuild([getattr(t, "shape", None) for t in self._leaves])

    @property
    def output_dtypes(self):
        return self._rebuild([getattr(t, "dtype", None) for t in self._leaves])

    @property
    def variables(self) -> tuple:
        """The (eager) variables the function reads or updates."""
        seen: dict[int, object] = {}
        for op in self.graph.get_operations():
            for t in op.inputs:
                if hasattr(t, "_eager_cell"):
                    seen.setdefault(id(t), t)
        return tuple(seen.values())

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    def __call__(self, *args, **kwargs):
        """Runs the trace on tensors: one per tensor argument it was traced with, positionally
        in order, or in the traced call's structure."""
        n = len(self.inputs)
        if not executing_eagerly():  # inside another trace: the Python function is inlined
            if kwargs or len(args) != n:
                raise TypeError(f"ConcreteFunction {self.name}: inside a tf.function, pass its "
                                f"{n} tensor argument(s) positionally ({self._specs()})")
            fn, t_args, t_kwargs = self._python_call
            it = iter(args)
            return fn(*_rebuild(t_args, it), **_rebuild(t_kwargs, it))
        flat = list(args)
        if kwargs or len(args) != n or any(isinstance(a, (list, tuple, dict)) for a in args):
            flat = []  # the traced call's structure
            _signature((args, kwargs), flat)
        if len(flat) != n:
            raise TypeError(f"ConcreteFunction {self.name} takes {n} tensor argument(s) "
                            f"({self._specs()}), got {len(flat)}")
        values = []
        for i, (x, feed) in enumerate(zip(flat, self.inputs)):
            if isinstance(x, TensorSpec) or hasattr(x, "_eager_cell"):
                x = x.read_value() if hasattr(x, "_eager_cell") else x
            t = x if isinstance(x, EagerTensor) else array_ops.constant(x, dtype=feed.dtype)
            if t.dtype is not feed.dtype or not feed.shape.is_compatible_with(t.shape):
                raise ValueError(f"ConcreteFunction {self.name}: argument {i} of dtype "
                                 f"{t.dtype.name} and shape {t.shape} does not match "
                                 f"TensorSpec(shape={feed.shape}, dtype=tf.{feed.dtype.name})")
            values.append(t._value)
        return self._call_flat(values)

    def _specs(self) -> str:
        return ", ".join(f"TensorSpec(shape={f.shape}, dtype=tf.{f.dtype.name})"
                         for f in self.inputs)

    def _call_flat(self, values: list):
        results = self._plan(values)
        plan = self._plan
        vals = []
        for j, leaf in enumerate(self._leaves):
            k = self._fetch_index[j]
            if k < 0:
                vals.append(leaf)
                continue
            v = results[k]
            if plan.copy_flags[k]:
                v = np.array(v)
            vals.append(EagerTensor(v, leaf.dtype))
        return self._rebuild(vals)


class Function:
    """What ``tf.function`` returns: call it like the Python function."""

    def __init__(self, python_function, input_signature=None, name=None,
                 reduce_retracing=False):
        self.python_function = python_function
        self.input_signature = None if input_signature is None else list(input_signature)
        self._name = name or getattr(python_function, "__name__", "function")
        self._reduce_retracing = bool(reduce_retracing)
        self._traces: dict = {}  # signature -> ConcreteFunction (also instances of _general's)
        self._general: list = []  # (signature with unknown dims, ConcreteFunction)
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
                         self.input_signature, self._name, self._reduce_retracing)
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
            _signature(args, tensors)
            key = ("spec",)
        else:
            key = _signature((args, kwargs), tensors)
        concrete = self._traces.get(key)
        if concrete is None:
            concrete = self._concrete(key, args, kwargs)
        return concrete._call_flat([t._value if type(t) is EagerTensor else t for t in tensors])

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The trace for these arguments (tensors, TensorSpecs, Python values; none when the
        function has an input_signature), traced now if needed."""
        if self.input_signature is not None:
            if args or kwargs:
                self._check_signature(args, kwargs)
            key = ("spec",)
            args, kwargs = tuple(self.input_signature), {}
        else:
            key = _signature((args, kwargs), [])
        concrete = self._traces.get(key)
        return concrete if concrete is not None else self._concrete(key, args, kwargs)

    def _concrete(self, key, args, kwargs) -> ConcreteFunction:
        """A trace for signature ``key`` not traced yet: an earlier trace with unknown dims
        that fits it, else a new trace (with the dims that changed unknown when retracing is
        reduced)."""
        for general, concrete in self._general:
            if _fits(general, key):
                self._traces[key] = concrete
                return concrete
        if key == ("spec",):
            specs = [(s.dtype, s.shape) for s in self.input_signature]
        else:
            trace_key = key
            if self._reduce_retracing:
                for old in reversed(list(self._traces)):
                    relaxed = _relax(old, key)
                    if relaxed is not None:
                        trace_key = relaxed
                        break
            specs = _leaf_specs(trace_key, [])
            if trace_key != key or not all(s.is_fully_defined() for _, s in specs):
                concrete = self._trace(args, kwargs, specs)
                self._general.append((trace_key, concrete))
                self._traces[key] = self._traces[trace_key] = concrete
                return concrete
        concrete = self._traces[key] = self._trace(args, kwargs, specs)
        return concrete

    def _check_signature(self, args, kwargs):
        if kwargs or len(args) != len(self.input_signature):
            raise TypeError(f"{self._name}: the input_signature has {len(self.input_signature)} "
                            f"arguments, got {len(args)} positional and {len(kwargs)} keyword")
        out = []
        for i, (a, spec) in enumerate(zip(args, self.input_signature)):
            if isinstance(a, TensorSpec):
                t = a
            else:
                t = a if isinstance(a, EagerTensor) else array_ops.constant(a, dtype=spec.dtype)
            if t.dtype is not spec.dtype or not spec.shape.is_compatible_with(t.shape):
                raise ValueError(f"{self._name}: argument {i} of dtype {t.dtype.name} and shape "
                                 f"{t.shape} does not match the input_signature {spec}")
            out.append(t)
        return tuple(out)

    def _trace(self, args, kwargs, specs: list) -> ConcreteFunction:
        first = not self._traces and not self._created_variables
        concrete, created = self._trace_once(args, kwargs, specs, allow_variables=first)
        if created:
            # TF traces a function that created variables once more: that trace must reuse
            # them (a function creating variables at every call fails here, at once).
            self._created_variables = True
            concrete, _ = self._trace_once(args, kwargs, specs, allow_variables=False)
        return concrete

    def _trace_once(self, args, kwargs, specs: list, allow_variables: bool):
        self._tracing_count += 1
        graph = FuncGraph(self._name, allow_variables)
        with graph.as_default():
            names = [leaf.name if isinstance(leaf, TensorSpec) else None
                     for leaf in _flat_leaves((args, kwargs))]
            feeds = [array_ops.placeholder(dt, shape, name=names[i] or f"args_{i}")
                     for i, (dt, shape) in enumerate(specs)]
            it = iter(feeds)
            g_args = _rebuild(args, it)
            g_kwargs = _rebuild(kwargs, it)
            it = iter([TensorSpec(f.shape, f.dtype, f.op.name) for f in feeds])
            signature = _bind_defaults(self.python_function, _rebuild(args, it),
                                       _rebuild(kwargs, it))
            result = self.python_function(*g_args, **g_kwargs)
            leaves = []
            rebuild = flatten_with_packer(result, leaves)
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
        concrete = ConcreteFunction(graph, feeds, outs, rebuild, index, signature)
        concrete._python_call = (self.python_function, args, kwargs)
        return concrete, graph.created_variables


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_relax_shapes=None,
             experimental_compile=None, experimental_follow_type_hints=None, name=None):
    """``@tf.function``: compiles a Python function into a graph per input signature."""
    relax = reduce_retracing or bool(experimental_relax_shapes)
    if func is None:
        return lambda f: Function(f, input_signature, name, relax)
    return Function(func, input_signature, name, relax)
