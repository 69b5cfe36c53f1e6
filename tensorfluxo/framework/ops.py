"""Graph, Operation and Tensor: the TF1 dataflow graph that every API of tensorfluxo builds."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

import numpy as np

from . import dtypes
from .registry import get_op_def
from .tensor_shape import TensorShape, as_shape

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame() -> str:
    """'file:line' of the first caller outside tensorfluxo: where the user created an op."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    return "<unknown>" if f is None else f"{f.f_code.co_filename}:{f.f_lineno}"


class GraphKeys:
    """Standard collection names."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"


# ---------------------------------------------------------------------------------------------
_NO_AUTOGRAPH = (
    "Using a symbolic `tf.Tensor` {what} is not allowed inside tf.function "
    "'{t.graph.name}' ({t.name}): its value is only known when the function runs, and "
    "tensorfluxo does not convert Python control flow into graph ops (no AutoGraph). Use "
    "tf.cond for `if` on tensor values and tf.while_loop for loops (or tf.where / "
    "tf.unstack), or decorate with tf.function only the parts without such control flow.")


class Tensor:
    """The ``value_index``-th output of an Operation, named ``"op_name:index"``.

    Python operators (installed by ops/math_ops.py) build new ops; ``bool(t)`` raises, as in TF.
    """

    __slots__ = ("op", "value_index", "dtype", "_shape", "_consumers", "_slice_of",
                 "__weakref__")  # _slice_of: (variable, key) of variable[key]
    __array_priority__ = 100  # numpy_array + tensor calls Tensor.__radd__

    def __init__(self, op: Operation, value_index: int, dtype: dtypes.DType, shape: TensorShape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shape
        self._consumers: list[Operation] = []

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> Graph:
        return self.op.graph

    @property
    def device(self) -> str:
        return ""

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        """Refines the static shape (fails if the new shape is incompatible)."""
        try:
            self._shape = self._shape.merge_with(as_shape(shape))
        except ValueError:
            raise ValueError(f"Tensor '{self.name}' has shape {self._shape}, which is not "
                             f"compatible with the requested shape {as_shape(shape)}") from None

    def consumers(self) -> list[Operation]:
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """The tensor's value in ``session`` (default: the default session)."""
        return _session_for(self.graph, session, "evaluate tensor").run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self.dtype.name}>"

    def __str__(self) -> str:
        return f'Tensor("{self.name}", shape={self._shape}, dtype={self.dtype.name})'

    def __bool__(self):
        if getattr(self.graph, "lifts_variables", False):  # a tf.function being traced
            raise TypeError(_NO_AUTOGRAPH.format(what="as a Python `bool` (`if`, `while`, "
                                                 "`and`/`or`/`not`)", t=self))
        raise TypeError(
            f"Using a `tf.Tensor` as a Python `bool` is not allowed ({self.name}): its value is "
            "only known when the graph runs. Use `if t is not None:` to test for None, or build "
            "the condition into the graph (tf.where, tf.cond-free arithmetic).")

    def __iter__(self):
        if getattr(self.graph, "lifts_variables", False):
            raise TypeError(_NO_AUTOGRAPH.format(what="in a Python `for` loop", t=self))
        raise TypeError(f"Iterating over a symbolic Tensor ({self.name}) is not allowed: its "
                        "values are only known when the graph runs. Use tf.unstack(t) for a "
                        "list of tensors along the first dimension, or sess.run(t) for values.")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic Tensor ({self.name}) to a numpy array. This error may "
            "indicate that you're trying to pass a Tensor to a NumPy call, which is not "
            "supported: compute the value with sess.run(t) / t.eval() first, or use the tf.* "
            "op (tf.reduce_sum for np.sum...).")

    @property
    def ndim(self):
        """The rank (None when unknown), as ``shape.ndims``."""
        return self._shape.ndims

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors ({self.name}). "
                        "Use tensor.shape[0] or tf.shape(tensor)[0].")

    def __hash__(self):
        return id(self)

    # TF1 tensors compare by identity so they can key dicts (feed_dict).
    __eq__ = object.__eq__
    __ne__ = object.__ne__


class Operation:
    """A node of the graph: ``type``, ``name``, ``inputs``, ``control_inputs``, ``outputs``."""

    __slots__ = ("graph", "name", "type", "inputs", "control_inputs", "attrs", "outputs",
                 "_id", "op_def", "_site", "__weakref__")

    def __init__(self, graph, name, op_def, inputs, control_inputs, attrs, site):
        self.graph = graph
        self.name = name
        self.type = op_def.type
        self.op_def = op_def
        self.inputs = tuple(inputs)
        self.control_inputs = list(control_inputs)
        self.attrs = attrs
        self.outputs: tuple[Tensor, ...] = ()
        self._id = 0
        self._site = site

    @property
    def device(self) -> str:
        return ""

    @property
    def node_def(self):
        return {"name": self.name, "op": self.type,
                "input": [t.name for t in self.inputs]
                + ["^" + c.name for c in self.control_inputs]}

    def values(self) -> tuple:
        return self.outputs

    def get_attr(self, name: str):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation '{self.name}' has no attr named '{name}'.") from None

    def run(self, feed_dict=None, session=None) -> None:
        """Runs this op in ``session`` (default: the default session)."""
        _session_for(self.graph, session, "run operation").run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"

    def _add_control_input(self, op: Operation) -> None:
        if op not in self.control_inputs:
            self.control_inputs.append(op)


def _session_for(graph, session, what):
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError(f"Cannot {what}: no default session is registered. Use "
                             "`with sess.as_default():` / `with tf.Session() as sess:` or pass "
                             "session=sess.")
    if session.graph is not graph:
        raise ValueError(f"Cannot {what}: the session's graph is different from the graph of "
                         "this tensor/operation.")
    return session


class _SessionStack(threading.local):
    def __init__(self):
        self.stack: list = []


_sessions = _SessionStack()


def get_default_session():
    """The session made default by ``with sess:`` / ``sess.as_default()`` (or None)."""
    stack = _sessions.stack
    return stack[-1] if stack else None


@contextlib.contextmanager
def default_session(session):
    """Makes ``session`` the default session (for Tensor.eval / Operation.run) in a block."""
    _sessions.stack.append(session)
    try:
        yield session
    finally:
        _sessions.stack.remove(session)


class Graph:
    """A TF1 dataflow graph: operations, unique names, name scopes, collections, seed."""

    def __init__(self):
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._names_in_use: dict[str, int] = {}
        self._name_stack = ""
        self._control_stack: list[list[Operation]] = []
        self._collections: dict[str, list] = {}
        self.seed = None
        self._finalized = False
        self._vars: dict = {}          # get_variable's store: full name -> Variable
        self._var_scope = None         # current VariableScope (variable_scope.py)
        self._graph_def_versions = 0

    # ---- default graph ---------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self):
        """Makes this the default graph inside a ``with`` block."""
        _graph_stack().append(self)
        try:
            yield self
        finally:
            _graph_stack().pop()

    # ---- naming ----------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        if self._name_stack:
            name = f"{self._name_stack}/{name}"
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while f"{base}_{i}" in self._names_in_use:
                i += 1
            if mark_as_used:
                self._names_in_use[f"{base}_{i}"] = 1
            name = f"{name}_{i}"
        return name

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """TF1 name scopes: "relu", then "relu_1"...; a name ending in "/" is re-entered as is;
        None or "" returns to the top level."""
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            _check_name(name, _VALID_SCOPE_NAME, "name scope")
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield "" if not new else new + "/"
        finally:
            self._name_stack = old

    # ---- control dependencies --------------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after ``control_inputs``; None clears outer dependencies."""
        saved = self._control_stack
        if control_inputs is None:
            self._control_stack = []
        else:
            ops = []
            for c in control_inputs:
                c = self.as_graph_element(c)
                ops.append(c.op if isinstance(c, Tensor) else c)
            self._control_stack = saved + [ops]
        try:
            yield
        finally:
            self._control_stack = saved

    def _current_control_inputs(self, inputs) -> list[Operation]:
        out: list[Operation] = []
        input_ops = {t.op for t in inputs}
        for group in self._control_stack:
            for op in group:
                if op not in out and op not in input_ops:
                    out.append(op)
        return out

    @contextlib.contextmanager
    def device(self, device_name):
        """Accepted for compatibility; tensorfluxo runs everything on the CPU."""
        yield

    colocate_with = device

    # ---- op creation -----------------------------------------------------------------------
    def create_op(self, op_type: str, inputs, attrs=None, name=None, absolute_name=False,
                  tensor_cls=None) -> Operation:
        """Creates an op of a registered type, inferring its output shapes now."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        op_def = get_op_def(op_type)
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f"Input {i} of op {op_type} must be a Tensor, got {t!r}")
            if t.graph is not self:
                inputs = self._capture_inputs(op_def, inputs, attrs)
                break
        if name and name.endswith("/"):  # a name scope's name ("train/") names the op itself
            name, absolute_name = name[:-1], True
        # The name is only taken once inference succeeded: a rejected op leaves no gap.
        full = name if absolute_name else self.unique_name(name or op_type, mark_as_used=False)
        _check_name(full, _VALID_OP_NAME, "op name")
        op = Operation(self, full, op_def, inputs, self._current_control_inputs(inputs),
                       dict(attrs or {}), _user_frame())
        try:
            specs = op_def.infer(op)
        except (ValueError, TypeError) as e:
            shapes = ", ".join(str(t.shape) for t in inputs)
            raise type(e)(f"{e} for '{full}' (op: '{op_type}') with input shapes: [{shapes}]."
                          ) from None
        if isinstance(specs, tuple):
            specs = [specs]
        cls = tensor_cls or Tensor
        outs = []
        for i, (dt, shape) in enumerate(specs):
            t = cls.__new__(cls)
            Tensor.__init__(t, op, i, dtypes.as_dtype(dt), as_shape(shape))
            outs.append(t)
        op.outputs = tuple(outs)
        if absolute_name:
            self._names_in_use.setdefault(full.lower(), 1)
        else:
            self.unique_name(name or op_type)
        op._id = len(self._ops)
        for t in op.inputs:
            t._consumers.append(op)
        self._ops.append(op)
        self._by_name[full] = op
        if _tapes:
            record_on_tapes(op)
        return op

    def consumers_of(self, t) -> list:
        """The ops of this graph that use ``t``."""
        return t._consumers

    def _capture_inputs(self, op_def, inputs, attrs) -> list:
        """Inputs from outside this graph: a function graph (framework/eager.py) captures
        eager values and variables; a plain graph refuses them."""
        for t in inputs:
            if t.graph is not self:
                mine = next((x for x in inputs if isinstance(x, Tensor) and x.graph is self),
                            None)
                other = f"Tensor {mine.name}" if mine is not None else "the graph it is built in"
                raise ValueError(f"Tensor {t.name} must be from the same graph as {other} "
                                 f"(inputs of {op_def.type}): {t.name} belongs to another "
                                 "tf.Graph. Build every tensor of one computation inside the "
                                 "same `with graph.as_default():` block.")
        return inputs

    # ---- lookup ----------------------------------------------------------------------------
    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings, got {name!r}")
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str) or ":" not in name:
            raise ValueError(f"The name {name!r} looks like an Operation name, not a Tensor "
                             "name. Tensor names must be of the form \"<op_name>:<output_index>\".")
        op_name, _, idx = name.rpartition(":")
        try:
            op = self._by_name[op_name]
        except KeyError:
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The "
                           f"operation, '{op_name}', does not exist in the graph.") from None
        try:
            return op.outputs[int(idx)]
        except (ValueError, IndexError):
            raise KeyError(f"The name '{name}' refers to a Tensor which does not exist. The "
                           f"operation, '{op_name}', exists but only has {len(op.outputs)} "
                           "outputs.") from None

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Resolves a Tensor, Operation, Variable or name to an element of this graph."""
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                return self.get_tensor_by_name(obj)
            if allow_operation:
                return self.get_operation_by_name(obj)
            raise ValueError(f"The name {obj!r} refers to an Operation, not a Tensor. Tensor "
                             "names must be of the form \"<op_name>:<output_index>\": "
                             f"{obj + ':0'!r} is the op's first output.")
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph.")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj!r} is not an element of this graph.")
            return obj
        conv = getattr(obj, "_as_graph_element", None)
        if conv is not None:
            return self.as_graph_element(conv(), allow_tensor, allow_operation)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    # ---- collections -----------------------------------------------------------------------
    def add_to_collection(self, name: str, value) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value) -> None:
        for n in ([names] if isinstance(names, str) else set(names)):
            self.add_to_collection(n, value)

    def get_collection_ref(self, name: str) -> list:
        return self._collections.setdefault(name, [])

    def get_collection(self, name: str, scope=None) -> list:
        items = list(self._collections.get(name, ()))
        if scope is None:
            return items
        import re
        pat = re.compile(scope)
        return [x for x in items if hasattr(x, "name") and pat.match(x.name)]

    def get_all_collection_keys(self) -> list:
        return [k for k, v in self._collections.items() if v]

    def clear_collection(self, name: str) -> None:
        self._collections.pop(name, None)

    # ---- misc ------------------------------------------------------------------------------
    def finalize(self) -> None:
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    @property
    def version(self) -> int:
        return len(self._ops)

    @property
    def _last_id(self) -> int:
        return len(self._ops)

    def as_graph_def(self, add_shapes=False):
        from .graph_io import graph_to_graph_def
        return graph_to_graph_def(self, add_shapes=add_shapes)

    def is_feedable(self, tensor) -> bool:
        return True

    def is_fetchable(self, tensor_or_op) -> bool:
        return True


# TensorFlow's rules for names (checked by TF when the op or scope is created).
_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")


def _check_name(name: str, pattern, what: str) -> None:
    if not isinstance(name, str) or not pattern.match(name):
        raise ValueError(f"{name!r} is not a valid {what}: names use letters, digits and "
                         f"'_.-/>' only (no spaces), and must match {pattern.pattern}")


# ---- the default graph -----------------------------------------------------------------------
class _DefaultGraphState(threading.local):
    def __init__(self):
        self.stack: list[Graph] = []


_state = _DefaultGraphState()
_global_default_graph: Graph | None = None


def _graph_stack() -> list[Graph]:
    return _state.stack


# The eager context (framework/eager.py) while eager execution is on: the "graph" whose
# create_op runs ops at once. None in TF1 graph mode.
_eager_context = None


_eager_home = None  # the eager context object, whether eager execution is on or not


def executing_eagerly() -> bool:
    """True when ops run at once: eager mode is on and no graph is being built."""
    if _eager_context is None:
        return False
    stack = _state.stack
    return not stack or stack[-1] is _eager_context


def get_default_graph() -> Graph:
    """The innermost graph made default by ``as_default()``, else the global default graph
    (the eager context when eager execution is on)."""
    global _global_default_graph
    if _state.stack:
        return _state.stack[-1]
    if _eager_context is not None:
        return _eager_context
    if _global_default_graph is None:
        _global_default_graph = Graph()
    return _global_default_graph


def reset_default_graph() -> None:
    """Clears the global default graph (not allowed inside a ``with graph.as_default()``)."""
    global _global_default_graph
    if _state.stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If "
                             "you need a cleared graph, exit the nesting and create a new graph.")
    _global_default_graph = Graph()


def name_scope(name, default_name=None, values=None):
    """tf.name_scope(name) on the default graph (or the graph of ``values``)."""
    graph = graph_of(values) if values else get_default_graph()
    return graph.name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name):
    return get_default_graph().device(device_name)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def graph_of(values) -> Graph:
    """The graph of the first tensor or op among ``values``; eager tensors and variables
    belong to whatever graph is being built (a traced tf.function's), else to eager mode."""
    for v in values:
        if isinstance(v, (Tensor, Operation)):
            g = v.graph
            if g is not _eager_home:
                return g
    return get_default_graph()


# ---- building ops ----------------------------------------------------------------------------
def apply_op(op_type: str, inputs=(), attrs=None, name=None, graph=None):
    """Creates an op and returns its single output, a tuple of outputs, or the Operation itself
    when it has no outputs. Inputs must already be Tensors (convert them with
    ``convert_to_tensor`` first)."""
    if graph is None:
        ctx = _eager_context
        if ctx is not None:
            stack = _state.stack
            if not stack or stack[-1] is ctx:  # eager: run it now
                return ctx.run(op_type, inputs, attrs)
        graph = inputs[0].graph if inputs else get_default_graph()
    op = graph.create_op(op_type, inputs, attrs, name)
    outs = op.outputs
    if len(outs) == 1:
        return outs[0]
    return outs if outs else op


# Active GradientTapes (backprop.py): every op created or run while one is active is
# offered to them.
_tapes: list = []


def record_on_tapes(op) -> None:
    for tape in _tapes:
        tape._record(op)


_tensor_conversion_hooks: list = []


def register_tensor_conversion_function(base_type, fn) -> None:
    """fn(value, dtype, name) -> Tensor, for objects such as Variables or Keras tensors."""
    _tensor_conversion_hooks.append((base_type, fn))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None) -> Tensor:
    """Returns ``value`` as a Tensor of the default graph (constants for Python/NumPy values)."""
    if isinstance(value, Tensor):
        if dtype is not None and dtypes.as_dtype(dtype) is not value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    for base, fn in _tensor_conversion_hooks:
        if isinstance(value, base):
            return fn(value, dtype, name)
    if isinstance(value, Operation):
        raise TypeError(f"Can't convert Operation '{value.name}' to Tensor (it has no outputs "
                        "to use as a value).")
    from .constant_op import constant  # it imports this module
    if dtype is None and preferred_dtype is not None:
        try:
            return constant(value, dtype=preferred_dtype, name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name or "Const")


def convert_n_to_tensor(values, dtype=None, name=None) -> list[Tensor]:
    return [convert_to_tensor(v, dtype=dtype, name=name) for v in values]


def numpy_value(value, dtype=None) -> np.ndarray:
    """NumPy array for a Python/NumPy value, with TensorFlow's default dtypes: Python floats
    become float32, Python ints int32 (int64 when they do not fit)."""
    if dtype is not None:
        dt = dtypes.as_dtype(dtype)
        arr = np.asarray(value)
        if arr.dtype.kind in "US" or dt is dtypes.string:
            return bytes_array(value)
        if dt.is_integer and arr.dtype.kind == "f":
            if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
                raise TypeError(f"Cannot convert {_short(value)} to EagerTensor of dtype "
                                f"{dt.name}: the values are not integers.")
        if dt.is_integer and arr.dtype.kind in "iu" and arr.size:
            info = np.iinfo(dt.np)
            if arr.min() < info.min or arr.max() > info.max:
                raise TypeError(f"Value {_short(value)} does not fit in dtype {dt.name}")
        if dt.is_bool and arr.dtype.kind != "b":
            raise TypeError(f"Expected bool values, got {_short(value)} ({arr.dtype})")
        if (not dt.is_floating and not dt.is_complex) and arr.dtype.kind == "c":
            raise TypeError(f"Cannot convert complex {_short(value)} to {dt.name}")
        return np.array(arr, dtype=dt.np)
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.generic):
        return np.array(value)
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < -2**31 or arr.max() >= 2**31):
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if arr.dtype.kind in "US":
        return bytes_array(value)
    if arr.dtype.kind == "O":
        raise TypeError(f"Cannot convert {_short(value)} to a tensor: elements are not numbers "
                        "(or the nested lists have different lengths).")
    return arr


def bytes_array(value) -> np.ndarray:
    """A string tensor's value: an object array of ``bytes``, as TF gives back (str is encoded
    as UTF-8)."""
    arr = np.array(value, dtype=object)
    flat = arr.reshape(-1)
    for i, x in enumerate(flat):
        if isinstance(x, str):
            flat[i] = x.encode()
        elif isinstance(x, bytes):
            flat[i] = bytes(x)  # np.bytes_ -> bytes
        else:
            raise TypeError(f"Expected strings or bytes for a string tensor, got {x!r} in "
                            f"{_short(value)}")
    return arr


def _short(value) -> str:
    s = repr(value)
    return s if len(s) < 80 else s[:77] + "..."
