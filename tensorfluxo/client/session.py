"""Session: owns variable values and random state, and runs cached, compiled run plans.

The first ``run`` with a given (fetches, feeds) signature builds a plan: prune the graph to what
the fetches need (stopping at fed tensors), order it, bind every kernel, then generate one Python
function whose body is one line per op (``v7 = k3(v2, v5)``). Later runs call that function, so
the per-op cost is a single Python call. A failing kernel is re-raised naming the op and the
line of user code that created it (found from the generated function's line number).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Mapping
from time import perf_counter

import numpy as np

from ..framework import errors
from ..framework.ops import Graph, Operation, Tensor, get_default_graph
from ..framework.registry import ref_inputs
from ..kernels.blas import ThreadTuner, blas


class VarCell:
    """A variable's value in one session; ``value`` is None until it is initialized."""

    __slots__ = ("value", "name", "dtype", "shape")

    def __init__(self, var_op: Operation):
        out = var_op.outputs[0]
        self.value = None
        self.name = var_op.name
        self.dtype = out.dtype.np
        self.shape = out.shape

    def get(self) -> np.ndarray:
        v = self.value
        if v is None:
            raise errors.FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {self.name}: run its "
                "initializer (tf.global_variables_initializer()) or restore it from a "
                "checkpoint first.")
        return v


class _SessionState(threading.local):
    def __init__(self):
        self.stack: list[BaseSession] = []


_session_state = _SessionState()


def get_default_session():
    """The session made default by ``with sess:`` / ``sess.as_default()`` (or None)."""
    return _session_state.stack[-1] if _session_state.stack else None


class BaseSession:
    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        self.graph = graph if graph is not None else get_default_graph()
        self._cells: dict[Operation, VarCell] = {}
        self._rngs: dict[Operation, np.random.Generator] = {}
        self._plans: dict = {}
        self._closed = False
        self._default_ctx = None

    # ---- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Frees variable values and plans; later runs raise RuntimeError."""
        self._closed = True
        self._cells.clear()
        self._rngs.clear()
        self._plans.clear()

    @contextlib.contextmanager
    def as_default(self):
        """Makes this the default session (for Tensor.eval / Operation.run) in a block."""
        _session_state.stack.append(self)
        try:
            with self.graph.as_default():
                yield self
        finally:
            _session_state.stack.remove(self)

    def __enter__(self):
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        return self

    def __exit__(self, *exc):
        ctx, self._default_ctx = self._default_ctx, None
        if ctx is not None:
            ctx.__exit__(*exc)
        self.close()
        return False

    @property
    def sess_str(self) -> str:
        return ""

    def list_devices(self):
        return ["/job:localhost/replica:0/task:0/device:CPU:0"]

    # ---- state -----------------------------------------------------------------------------
    def _cell(self, var_op: Operation) -> VarCell:
        cell = self._cells.get(var_op)
        if cell is None:
            if var_op.type != "VariableV2":
                raise TypeError(f"'{var_op.name}' ({var_op.type}) is not a variable")
            cell = self._cells[var_op] = VarCell(var_op)
        return cell

    def _rng(self, op: Operation) -> np.random.Generator:
        rng = self._rngs.get(op)
        if rng is None:
            seed = op.attrs.get("seed"), op.attrs.get("seed2")
            rng = np.random.default_rng(None if seed[0] is None else list(seed))
            self._rngs[op] = rng
        return rng

    def _read_variable(self, var) -> np.ndarray:
        """A copy of a variable's value (FailedPreconditionError if uninitialized)."""
        return self._cell(_var_op(var)).get().copy()

    def _write_variable(self, var, value) -> None:
        """Sets a variable's value, checking dtype and shape against its declaration."""
        op = _var_op(var)
        cell = self._cell(op)
        arr = np.asarray(value)
        if not cell.shape.is_compatible_with(arr.shape):
            raise errors.InvalidArgumentError(
                None, op, f"Cannot assign a value of shape {arr.shape} to variable "
                f"'{op.name}' of shape {cell.shape}.")
        cell.value = np.array(arr, dtype=cell.dtype)

    def _is_initialized(self, var) -> bool:
        cell = self._cells.get(_var_op(var))
        return cell is not None and cell.value is not None

    # ---- run -------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluates ``fetches`` (any nesting of lists, tuples, dicts and namedtuples of tensors,
        ops, variables and names) with ``feed_dict`` and returns the same structure."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if feed_dict:
            feed_keys = tuple(feed_dict)
            feed_vals = tuple(feed_dict.values())
        else:
            feed_keys = feed_vals = ()
        kind = type(fetches)
        if kind is list or kind is tuple:
            key = (kind, tuple(fetches), feed_keys)
        else:
            key = (fetches, feed_keys)
        try:
            plan = self._plans[key]
        except (KeyError, TypeError):
            plan = self._build_plan(fetches, feed_keys, feed_dict)
            try:
                self._plans[key] = plan
            except TypeError:  # unhashable structure (nested dicts/lists): not cached
                pass
        return plan(feed_vals)

    def _build_plan(self, fetches, feed_keys, feed_dict):
        if feed_dict is not None and not isinstance(feed_dict, Mapping):
            raise TypeError(f"feed_dict must be a dict, got {type(feed_dict).__name__}")
        leaves: list = []
        treedef = _flatten(fetches, leaves)
        items = [self._resolve_fetch(x) for x in leaves]
        feeds = [self._resolve_feed(k) for k in feed_keys]
        plan = _Plan(self, items, feeds)
        return _make_runner(plan, treedef)

    def _resolve_fetch(self, x):
        try:
            el = self.graph.as_graph_element(x)
        except (TypeError, ValueError, KeyError) as e:
            raise type(e)(f"Fetch argument {x!r} cannot be interpreted as a Tensor. ({e})"
                          ) from None
        return el

    def _resolve_feed(self, k):
        try:
            el = self.graph.as_graph_element(k, allow_operation=False)
        except (TypeError, ValueError, KeyError) as e:
            raise TypeError(f"Cannot interpret feed_dict key {k!r} as a Tensor: {e}") from None
        return el

    def partial_run_setup(self, *args, **kwargs):
        raise errors.UnimplementedError(None, None, "partial_run is not supported")


class Session(BaseSession):
    """tf.Session: ``with tf.Session() as sess: sess.run(init); sess.run(train_op, feed)``."""


class InteractiveSession(BaseSession):
    """A Session that installs itself as the default session when created (for notebooks)."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        super().__init__(target, graph, config)
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()

    def close(self) -> None:
        ctx, self._default_ctx = self._default_ctx, None
        if ctx is not None:
            with contextlib.suppress(Exception):
                ctx.__exit__(None, None, None)
        super().close()


def _var_op(var) -> Operation:
    op = var.op if isinstance(var, Tensor) else var
    if not isinstance(op, Operation) or op.type != "VariableV2":
        raise TypeError(f"{var!r} is not a variable")
    return op


# ---- fetch structures ------------------------------------------------------------------------
def _flatten(x, leaves: list):
    """Appends the leaves of a fetch structure; returns a tree definition to rebuild it."""
    kind = type(x)
    if kind is list or kind is tuple:
        return (kind, [_flatten(e, leaves) for e in x])
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple
        return (kind, [_flatten(e, leaves) for e in x])
    if isinstance(x, Mapping):
        return (kind, [(k, _flatten(v, leaves)) for k, v in x.items()])
    if x is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
    leaves.append(x)
    return len(leaves) - 1


def _rebuild(treedef, values):
    if type(treedef) is int:
        return values[treedef]
    kind, children = treedef
    if kind is list:
        return [_rebuild(c, values) for c in children]
    if kind is tuple:
        return tuple(_rebuild(c, values) for c in children)
    if issubclass(kind, tuple):
        return kind(*[_rebuild(c, values) for c in children])
    out = {k: _rebuild(c, values) for k, c in children}
    return out if kind is dict else kind(out) if not hasattr(kind, "default_factory") else \
        _mapping_like(kind, out)


def _mapping_like(kind, items):
    m = kind.__new__(kind)
    m.__init__(None) if hasattr(kind, "default_factory") else m.__init__()
    m.update(items)
    return m


def _output(v, copy):
    """Fetched values are the caller's own: copy anything that may alias session state."""
    if type(v) is np.ndarray:
        if v.ndim == 0:
            return v[()]
        if copy or v.base is not None:
            return v.copy()
    return v


def _make_runner(plan, treedef):
    fn = plan.fn
    copies = plan.copy_flags
    n = len(copies)
    if type(treedef) is int:
        c = copies[0]

        def run_single(feed_vals):
            return _output(plan.call(fn, feed_vals)[0], c)
        return run_single

    if treedef[0] is list and all(type(c) is int for c in treedef[1]) and \
            list(treedef[1]) == list(range(n)):
        def run_list(feed_vals):
            vals = plan.call(fn, feed_vals)
            return [_output(vals[i], copies[i]) for i in range(n)]
        return run_list

    def run_nested(feed_vals):
        vals = plan.call(fn, feed_vals)
        return _rebuild(treedef, [_output(vals[i], copies[i]) for i in range(n)])
    return run_nested


# ---- the plan ----------------------------------------------------------------------------------
class _Plan:
    """A pruned, ordered, bound and compiled subgraph for one (fetches, feeds) signature."""

    def __init__(self, session: BaseSession, items: list, feeds: list):
        self.session = session
        fed = {}
        for i, t in enumerate(feeds):
            if t in fed:
                raise ValueError(f"Tensor {t.name} is fed twice")
            fed[t] = i
        order = _prune_and_order(items, fed)
        self.ops = order
        ns: dict = {}
        names: dict[Tensor, str] = {}
        lines = ["def plan(f):"]
        line_ops: dict[int, Operation] = {}
        for t, i in fed.items():
            ns[f"c{i}"] = _feed_checker(t)
            names[t] = f"f{i}"
            lines.append(f"    f{i} = c{i}(f[{i}])")
        for n, op in enumerate(order):
            od = op.op_def
            refs = ref_inputs(op)
            if od.value is not None and op.outputs[0] not in fed:
                # a known value is a name bound in the generated function: no call per run
                ns[f"v{n}_0"] = od.value(op)
                names[op.outputs[0]] = f"v{n}_0"
                continue
            args = []
            for j, t in enumerate(op.inputs):
                if j in refs:
                    cell = session._cell(_ref_var_op(op, j))
                    ns[f"r{n}_{j}"] = cell
                    args.append(f"r{n}_{j}")
                else:
                    args.append(names[t])
            if od.bind is not None:
                kernel = od.bind(op, session)
            elif od.kernel is None:
                if op.type == "Placeholder":
                    raise errors.InvalidArgumentError(
                        None, op, _missing_feed_message(op))
                raise errors.UnimplementedError(None, op, f"Op '{op.name}' ({op.type}) has no "
                                                "kernel")
            elif op.attrs:
                kernel = functools.partial(od.kernel, **op.attrs)
            else:
                kernel = od.kernel
            ns[f"k{n}"] = _checked(kernel, op) if CHECK_KERNELS else kernel
            call = f"k{n}({', '.join(args)})"
            outs = [f"v{n}_{i}" for i in range(len(op.outputs))]
            for t, nm in zip(op.outputs, outs):
                if t not in fed:
                    names[t] = nm
            if not outs:
                lines.append(f"    {call}")
            elif len(outs) == 1:
                lines.append(f"    {outs[0]} = {call}")
            else:
                lines.append(f"    {', '.join(outs)}, = {call}")
            line_ops[len(lines)] = op
        rets = []
        copy_flags = []
        fetched = set()
        for it in items:
            if isinstance(it, Operation):
                rets.append("None")
                copy_flags.append(False)
            else:
                rets.append(names[it])
                # a tensor fetched twice gets two arrays, not one object twice
                copy_flags.append(it in fed or it.op.op_def.aliases or it in fetched)
                fetched.add(it)
        lines.append(f"    return ({', '.join(rets)}{',' if len(rets) == 1 else ''})")
        self.source = "\n".join(lines)
        code = compile(self.source, f"<tensorfluxo run plan {id(self):x}>", "exec")
        exec(code, ns)
        self.fn = ns["plan"]
        self.line_ops = line_ops
        self.copy_flags = copy_flags
        self.n_feeds = len(feeds)
        self.tuner = ThreadTuner()

    def call(self, fn, feed_vals):
        tuner = self.tuner
        n = tuner.next()
        if n is None:
            return self._call(fn, feed_vals)
        prev = blas.set(n)
        try:
            if tuner.best is not None:
                return self._call(fn, feed_vals)
            t0 = perf_counter()
            out = self._call(fn, feed_vals)
            tuner.record(n, perf_counter() - t0)
            return out
        finally:
            blas.restore(prev)

    def _call(self, fn, feed_vals):
        try:
            return fn(feed_vals)
        except errors.OpError:
            raise
        except Exception as e:  # re-raise naming the op that failed
            op = self._failed_op(e)
            if op is None:
                raise
            raise errors.InvalidArgumentError(
                None, op, f"{type(e).__name__}: {e}\n  in op '{op.name}' ({op.type}), created "
                f"at {op._site}") from e

    def _failed_op(self, e):
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self.fn.__code__:
                return self.line_ops.get(tb.tb_lineno)
            tb = tb.tb_next
        return None


CHECK_KERNELS = False  # tests turn this on: every kernel's output is checked against infer


def _checked(kernel, op):
    def run(*args):
        out = kernel(*args)
        outs = out if len(op.outputs) != 1 else (out,)
        if len(op.outputs) == 0:
            return out
        if len(outs) != len(op.outputs):
            raise AssertionError(f"kernel of {op.type} returned {len(outs)} outputs, declared "
                                 f"{len(op.outputs)}")
        for t, v in zip(op.outputs, outs):
            a = np.asarray(v)
            if a.dtype != t.dtype.np and not (t.dtype.name == "string" and a.dtype.kind in "OSU"):
                raise AssertionError(f"kernel of {op.type} ('{op.name}') returned dtype {a.dtype},"
                                     f" declared {t.dtype.name}")
            if not t.shape.is_compatible_with(a.shape):
                raise AssertionError(f"kernel of {op.type} ('{op.name}') returned shape "
                                     f"{a.shape}, declared {t.shape}")
        return out
    return run


def _ref_var_op(op: Operation, j: int) -> Operation:
    v = op.inputs[j].op
    if v.type != "VariableV2":
        raise TypeError(f"Input {j} of '{op.name}' ({op.type}) must be a variable")
    return v


def _prune_and_order(items, fed) -> list[Operation]:
    """The ops the fetches need, in a valid execution order (iterative DFS, no recursion)."""
    order: list[Operation] = []
    state: dict[Operation, int] = {}  # 1 = on stack, 2 = done
    roots = [it if isinstance(it, Operation) else it.op for it in items
             if isinstance(it, Operation) or it not in fed]
    for root in roots:
        if root in state:
            continue
        stack = [(root, False)]
        while stack:
            op, expanded = stack.pop()
            if expanded:
                state[op] = 2
                order.append(op)
                continue
            if state.get(op) == 2:
                continue
            state[op] = 1
            stack.append((op, True))
            refs = ref_inputs(op)
            # a control dependency on an op whose outputs are all fed is satisfied by the feed
            deps = [c for c in op.control_inputs
                    if not (c.outputs and all(t in fed for t in c.outputs))]
            for j, t in enumerate(op.inputs):
                if j in refs or t in fed:
                    continue
                deps.append(t.op)
            for d in reversed(deps):
                if d not in state:
                    stack.append((d, False))
    return order


def _missing_feed_message(op) -> str:
    t = op.outputs[0]
    dims = t.shape.as_tuple()
    shape = "<unknown>" if dims is None else "[" + ",".join(
        "?" if d is None else str(d) for d in dims) + "]"
    dtname = "float" if t.dtype.name == "float32" else t.dtype.name
    return (f"You must feed a value for placeholder tensor '{op.name}' with dtype {dtname} and "
            f"shape {shape}")


def _feed_checker(t: Tensor):
    """A fast per-feed check: converts to the tensor's dtype and checks the static shape."""
    npdt = t.dtype.np
    dims = t.shape.as_tuple()
    rank = None if dims is None else len(dims)
    known = () if dims is None else tuple((i, d) for i, d in enumerate(dims) if d is not None)
    name = t.name

    def bad_shape(v):
        return ValueError(f"Cannot feed value of shape {tuple(v.shape)} for Tensor '{name}', "
                          f"which has shape '{t.shape}'")

    def check(v):
        if type(v) is not np.ndarray or v.dtype is not npdt:
            v = _convert_feed(v, t)
        if rank is not None:
            s = v.shape
            if len(s) != rank:
                raise bad_shape(v)
            for i, d in known:
                if s[i] != d:
                    raise bad_shape(v)
        return v
    return check


def _convert_feed(v, t: Tensor) -> np.ndarray:
    if isinstance(v, (Tensor, Operation)):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object ({v!r} fed for "
                        f"'{t.name}'). Acceptable feed values include Python scalars, strings, "
                        "lists, numpy ndarrays.")
    dt = t.dtype
    try:
        arr = np.asarray(v)
    except ValueError as e:
        raise ValueError(f"Cannot feed value for Tensor '{t.name}': {e}") from None
    if dt.name == "string":
        return np.asarray(v, dtype=object)
    if arr.dtype.kind == "O":
        raise ValueError(f"Cannot feed value for Tensor '{t.name}' ({dt.name}): the value is "
                         "not a rectangular array of numbers.")
    if dt.is_integer and arr.dtype.kind == "f":
        if not np.array_equal(arr, np.round(arr)):
            raise TypeError(f"Cannot feed non-integer float values for Tensor '{t.name}', which "
                            f"has dtype {dt.name}.")
    if dt.is_bool and arr.dtype.kind != "b":
        raise TypeError(f"Cannot feed {arr.dtype} values for Tensor '{t.name}', which has dtype "
                        "bool.")
    if arr.dtype.kind == "c" and not dt.is_complex:
        raise TypeError(f"Cannot feed complex values for Tensor '{t.name}' ({dt.name}).")
    return np.asarray(arr, dtype=dt.np)
