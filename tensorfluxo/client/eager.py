"""Eager execution: the op registry run at once (TF2 style), and the switches between modes.

While eager execution is on, the default "graph" is the eager context: its ``create_op`` checks
inputs with the op's own ``infer``, runs the op's own kernel (or ``bind(op, state)``) and returns
a record whose outputs are EagerTensors. There is no second set of kernels or gradients:
``apply_op``, every op function and every gradient function run unchanged.

Per-op cost is what matters (a small eager op should cost a few microseconds), so each
(op type, attrs, input dtypes and shapes) signature runs ``infer`` once; later calls go straight
to the kernel. Ops whose inference reads input values (Reshape's shape) key their signature by
those values too when they are small integer tensors, and are not cached otherwise.

State lives in one ``RunState`` (the executor's): eager variables' cells, random generators,
resources. tf.function plans (eager/function.py) run against the same state, so a variable
read eagerly and one captured by a function are one cell.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..framework import eager_tensor as et
from ..framework import errors, ops
from ..framework.eager_tensor import EagerTensor
from ..framework.ops import Graph, Operation
from ..framework.registry import _REGISTRY, defop, get_op_def
from . import executor
from .executor import RunState

# ---- the run state ---------------------------------------------------------------------------


class EagerState(RunState):
    """The eager context's state. Eager random ops draw from one generator per (seed, op seed)
    pair, kept across calls, so a seeded program draws the same sequence every run (TF2's rule)
    and repeated calls of one seeded op give new numbers; the ops of traced functions have
    their own generators (as TF's kernels)."""

    def __init__(self):
        super().__init__()
        self._unseeded = np.random.default_rng()
        self._by_seed: dict[tuple, np.random.Generator] = {}

    def rng(self, op) -> np.random.Generator:
        if type(op) is not EagerOp:
            return super().rng(op)
        seed = op.attrs.get("seed")
        if seed is None:
            return self._unseeded
        key = (seed, op.attrs.get("seed2"))
        rng = self._by_seed.get(key)
        if rng is None:
            if len(self._by_seed) > 4096:  # op seeds from TF2's counter are used once each
                self._by_seed.clear()
            rng = self._by_seed[key] = np.random.default_rng(list(key))
        return rng

    def restart_random_streams(self) -> None:
        """A new global seed: seeded eager ops and the seeded ops of traced functions start
        their streams again (TF2's set_seed); generators held by plans are reset in place."""
        self._by_seed.clear()
        for op, rng in self._rngs.items():
            seed = op.attrs.get("seed")
            if seed is not None:
                rng.bit_generator.state = np.random.default_rng(
                    [seed, op.attrs.get("seed2")]).bit_generator.state


# ---- op records ------------------------------------------------------------------------------


class EagerOp(Operation):
    """The record of one eagerly run op: type, inputs, attrs, outputs (what ``infer``, ``bind``,
    gradient functions and tapes read)."""

    __slots__ = ()

    def __init__(self, op_def, inputs, attrs, outputs=()):  # noqa: D107 - lean on purpose
        self.op_def = op_def
        self.type = op_def.type
        self.inputs = inputs
        self.attrs = attrs
        self.outputs = outputs

    name = property(lambda self: self.type)
    graph = property(lambda self: CONTEXT)
    control_inputs = property(lambda self: [])
    _site = property(lambda self: "<eager>")
    _id = property(lambda self: 0)

    def __repr__(self) -> str:
        return f"<eager op {self.type}>"


# ---- the eager context -----------------------------------------------------------------------


class EagerContext(Graph):
    """The default "graph" in eager mode: ops run when they are created.

    Name scopes still name variables (TF2 does not make eager names unique); collections and
    control dependencies mean nothing here, as in TF2.
    """

    def __init__(self):
        super().__init__()
        self.state = EagerState()

    @property
    def seed(self):
        return self._seed

    @seed.setter
    def seed(self, value) -> None:
        self._seed = value  # a new global seed restarts the seeded random streams
        if hasattr(self, "state"):
            self.state.restart_random_streams()

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        return f"{self._name_stack}/{name}" if self._name_stack else name

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        yield

    def add_to_collection(self, name: str, value) -> None:
        pass

    def get_collection_ref(self, name: str) -> list:
        return []

    def create_op(self, op_type, inputs, attrs=None, name=None, absolute_name=False,
                  tensor_cls=None):
        graph = ops.get_default_graph()
        if graph is not self:  # a graph is being built (tf.function, Graph().as_default())
            return graph.create_op(op_type, inputs, attrs, name, absolute_name, tensor_cls)
        od = get_op_def(op_type)
        attrs = attrs or {}
        outs = execute(od, inputs, attrs)
        return outs if isinstance(outs, Operation) else EagerOp(od, tuple(inputs), attrs, outs)

    def run(self, op_type: str, inputs, attrs):
        """``apply_op`` in eager mode: the op's output (or outputs, or its record if none)."""
        od = _DEFS.get(op_type) or get_op_def(op_type)
        outs = execute(od, inputs, attrs or {})
        if type(outs) is tuple:
            n = len(outs)
            if n == 1:
                return outs[0]
            return outs if n else EagerOp(od, tuple(inputs), attrs or {}, outs)
        outs = outs.outputs  # built in a graph (a graph tensor was among the inputs)
        return outs[0] if len(outs) == 1 else outs


_DEFS = _REGISTRY  # op type -> declaration (read-only here)


CONTEXT = EagerContext()
ops._eager_home = CONTEXT

# signature -> (output dtypes, kernel or None); None marks a signature that is not cacheable
_CACHE: dict = {}
_VALUE_KEYED: set = set()  # op types whose inference reads (small integer) input values


def execute(od, inputs, attrs: dict):
    """Runs one op eagerly; returns its outputs (EagerTensors), or the graph op it built
    instead when an input is a graph tensor."""
    refs = od.ref_inputs
    if callable(refs):
        refs = refs(EagerOp(od, inputs, attrs))
    vals = []
    key = [od.type]
    value_keyed = od.type in _VALUE_KEYED
    for i, t in enumerate(inputs):
        if type(t) is EagerTensor:
            v = t._value
        else:
            cell = getattr(t, "_eager_cell", None)
            if cell is None:  # a graph tensor: build the op in its graph instead
                return t.graph.create_op(od.type, inputs, attrs)
            if i in refs:
                vals.append(cell)
                key.append(t)
                continue
            t = read_variable(t)
            inputs = [*inputs[:i], t, *inputs[i + 1:]]
            v = t._value
        vals.append(v)
        key.append(t.dtype)
        key.append(v.shape)
        if value_keyed and v.size <= 8 and v.dtype.kind in "iub":
            key.append(v.tobytes())
    if attrs:
        key.append(tuple(attrs.items()))
    key = tuple(key)
    try:
        entry = _CACHE.get(key, False)
    except TypeError:  # unhashable attrs
        entry = None
    record = None
    if entry:
        dts, kernel = entry
    else:
        record = EagerOp(od, tuple(inputs), attrs)
        dts, kernel = _prepare(od, record, key if entry is not None else None)
    if kernel is None:
        if record is None:
            record = EagerOp(od, tuple(inputs), attrs)
        kernel = _bind(od, record)
    try:
        out = kernel(*vals, **attrs) if od.bind is None and od.value is None else kernel(*vals)
    except errors.OpError as e:
        if e.op is None:
            raise type(e)(None, None, f"{e.message} [Op:{od.type}]") from e
        raise
    except Exception as e:  # a NumPy or Python error inside the kernel
        raise errors.InvalidArgumentError(
            None, None, f"{type(e).__name__}: {e} [Op:{od.type}]") from e
    n = len(dts)
    if n == 1:
        if refs:  # the kernel may hand back a variable's buffer: the tensor gets a snapshot
            out = np.array(out)
        outs = (EagerTensor(out, dts[0]),)
    elif n == 0:
        outs = ()
    else:
        outs = tuple(EagerTensor(o, dt) for o, dt in zip(out, dts))
    if ops._tapes:
        ops.record_on_tapes(EagerOp(od, tuple(inputs), attrs, outs))
    return outs


def _prepare(od, record, key):
    """Runs ``infer`` for a new signature; caches what later calls need when that is safe."""
    del et._reads[:]
    try:
        specs = od.infer(record)
    except (ValueError, TypeError) as e:
        shapes = ", ".join(str(t.shape) for t in record.inputs)
        raise type(e)(f"{e} [Op:{od.type}] with input shapes: [{shapes}].") from None
    specs = [specs] if isinstance(specs, tuple) else specs
    dts = tuple(ops.dtypes.as_dtype(dt) for dt, _ in specs)
    read = et._reads[:]
    del et._reads[:]
    kernel = None
    if od.value is not None:
        out = od.value(record)
        kernel = lambda: out  # noqa: E731 - a constant's value
    elif od.bind is None:
        kernel = od.kernel
        if kernel is None:
            raise errors.UnimplementedError(None, None, f"Op {od.type} has no kernel")
    elif not od.stateful:
        kernel = od.bind(record, CONTEXT.state)
    if executor.CHECK_KERNELS and kernel is not None:
        kernel = _checked(kernel, od, specs, record)
    if key is None or (kernel is None and not od.stateful) or od.value is not None:
        return dts, kernel
    if read:
        if not all(r._value.size <= 8 and r._value.dtype.kind in "iub" for r in read):
            return dts, kernel  # inference read a large or float value: never cached
        if od.type not in _VALUE_KEYED:
            _VALUE_KEYED.add(od.type)  # from now on this op type keys small ints by value
            return dts, kernel
    _CACHE[key] = (dts, kernel)
    return dts, kernel


def _bind(od, record):
    return od.bind(record, CONTEXT.state)


def _checked(kernel, od, specs, record):
    def run(*args, **kw):
        out = kernel(*args, **kw)
        outs = (out,) if len(specs) == 1 else out if specs else ()
        for (dt, shape), v in zip(specs, outs):
            a = np.asarray(v)
            want = ops.dtypes.as_dtype(dt)
            if a.dtype != want.np and not (want.name == "string" and a.dtype.kind in "OSU"):
                raise AssertionError(f"kernel of {od.type} returned dtype {a.dtype}, declared "
                                     f"{want.name}")
            if not ops.as_shape(shape).is_compatible_with(a.shape):
                raise AssertionError(f"kernel of {od.type} returned shape {a.shape}, declared "
                                     f"{shape}")
        return out
    return run


# ---- variables -------------------------------------------------------------------------------


def _read_infer(op):
    v = op.inputs[0]
    return v.dtype, v.shape


# A read of a variable as a value: a snapshot (later assignments and in-place optimizer
# updates do not change it), recorded on tapes so gradients reach the variable.
defop("ReadVariableOp", infer=_read_infer, kernel=lambda cell, trainable: np.array(cell.get()),
      ref_inputs=(0,), stateful=True, grad=lambda op, dy: [dy])
_READ = get_op_def("ReadVariableOp")


def read_variable(var) -> EagerTensor:
    """The current value of eager variable ``var`` as an EagerTensor (recorded on tapes)."""
    cell = var._eager_cell
    t = EagerTensor(np.array(cell.get()), var.dtype)
    if ops._tapes:
        ops.record_on_tapes(EagerOp(_READ, (var,), {"trainable": var.trainable}, (t,)))
    return t


# ---- modes -----------------------------------------------------------------------------------


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Ops run at once from now on (TF2 behaviour); ``tf.Graph().as_default()`` still builds
    graphs, and tf.function traces them."""
    if ops._state.stack and ops._state.stack[-1] is not CONTEXT:
        raise ValueError("tf.enable_eager_execution must be called at program startup, not "
                         "inside a `with tf.Graph().as_default():` block.")
    ops._eager_context = CONTEXT


enable_v2_behavior = enable_eager_execution


def disable_eager_execution() -> None:
    """Back to TF1 graph mode: ops are added to the default graph and run in Sessions."""
    ops._eager_context = None


disable_v2_behavior = disable_eager_execution


executing_eagerly = ops.executing_eagerly


def disable_resource_variables() -> None:
    """No-op: tensorfluxo's variables behave the same either way."""


def init_scope():
    """Lifts code out of a function graph being traced into the eager context (TF's
    ``tf.init_scope``): variables and their initial values are made there."""
    if ops._eager_context is None:
        return contextlib.nullcontext()
    return CONTEXT.as_default()


def context_state() -> EagerState:
    """The run state of eager mode (variables' cells, random generators)."""
    return CONTEXT.state
