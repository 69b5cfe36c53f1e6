"""The executor: compiles (fetches, feeds) into a run plan and runs it against a ``RunState``.

This is the one way anything in tensorfluxo runs graph ops: ``Session.run``, ``tf.cond``'s
branches and every later sub-graph (loop bodies, dataset functions, ``tf.function``) call
``compile``. Its public API:

- ``RunState``: what runs need besides the graph: variable cells, random generators, per-op
  resources (iterators, queues). A Session is one; kernels reach it through ``bind(op, state)``.
- ``state.compile(fetches, feeds) -> Plan``: prune the graph to what ``fetches`` (tensors and
  operations) need, stopping at the ``feeds`` (tensors), order it, bind every kernel, and generate
  one Python function whose body is one line per op (``v7 = k3(v2, v5)  # dense/MatMul (MatMul)``).
- ``plan(feed_values) -> tuple``: runs it; one value per fetch (None for operations). Values may
  alias state where ``plan.copy_flags`` says so: a caller that hands them out copies those.

Each run has a scratch dict (framework/run_context.py) its kernels can share.

A kernel that fails is re-raised as a ``tf.errors`` class naming the op and the user line that
created it (found from the generated function's line number). BLAS threads are chosen per plan
by measurement (``ThreadTuner`` below), only for plans that contain an op declared ``blas=True``.
A plan with an op declared ``blas="split"`` (convolutions, pooling: kernels that cut their work
into parts themselves) uses the count as the run's ``kernels.parallel.width`` instead, with BLAS
on one thread per part; elementwise kernels and the optimizers split big arrays then too.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence

import numpy as np

from ..framework import errors, run_context
from ..framework.ops import Operation, Tensor, bytes_array
from ..framework.registry import ref_inputs
from ..kernels import parallel
from ..kernels.blas import blas

CHECK_KERNELS = False  # tests turn this on: every kernel's output is checked against infer


class VarCell:
    """A variable's value in one state; ``value`` is None until it is initialized."""

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


class RunState:
    """Variable values, random generators and per-op resources of one session."""

    def __init__(self):
        self._cells: dict[Operation, VarCell] = {}
        self._rngs: dict[Operation, np.random.Generator] = {}
        self.resources: dict = {}  # per-op Python state (iterators, queues), keyed by the op

    def cell(self, var_op: Operation) -> VarCell:
        """The cell holding ``var_op``'s value (created uninitialized on first use)."""
        cell = self._cells.get(var_op)
        if cell is None:
            if var_op.type != "VariableV2":
                raise TypeError(f"'{var_op.name}' ({var_op.type}) is not a variable")
            home = getattr(var_op.graph, "state", None)
            if home is not None and home is not self:
                return home.cell(var_op)  # an eager variable: its cell is the eager context's
            cell = self._cells[var_op] = VarCell(var_op)
        return cell

    def rng(self, op: Operation) -> np.random.Generator:
        """``op``'s random generator, seeded from its (seed, seed2) attributes."""
        rng = self._rngs.get(op)
        if rng is None:
            seed = op.attrs.get("seed"), op.attrs.get("seed2")
            rng = np.random.default_rng(None if seed[0] is None else list(seed))
            self._rngs[op] = rng
        return rng

    def read_variable(self, var) -> np.ndarray:
        """A copy of a variable's value (FailedPreconditionError if uninitialized)."""
        return self.cell(_var_op(var)).get().copy()

    def write_variable(self, var, value) -> None:
        """Sets a variable's value, checking its shape against the declaration."""
        op = _var_op(var)
        cell = self.cell(op)
        arr = np.asarray(value)
        if not cell.shape.is_compatible_with(arr.shape):
            raise errors.InvalidArgumentError(
                None, op, f"Cannot assign a value of shape {arr.shape} to variable "
                f"'{op.name}' of shape {cell.shape}.")
        cell.value = np.array(arr, dtype=cell.dtype, order="C")

    def is_initialized(self, var) -> bool:
        op = _var_op(var)
        cell = self.cell(op) if hasattr(op.graph, "state") else self._cells.get(op)
        return cell is not None and cell.value is not None

    def clear(self) -> None:
        """Frees everything; resources with a ``cancel()`` (queues) wake their blocked ops."""
        for r in list(self.resources.values()):
            cancel = getattr(r, "cancel", None)
            if cancel is not None:
                cancel()
        self._cells.clear()
        self._rngs.clear()
        self.resources.clear()

    def compile(self, fetches: Sequence, feeds: Sequence = (), tune_blas: bool = True,
                in_program_order: bool = False) -> Plan:
        """A run plan computing ``fetches`` (Tensors/Operations) from ``feeds`` (Tensors).
        Sub-plans run from inside a kernel pass ``tune_blas=False``: the outer plan, whose op
        is declared ``blas=True``, chooses the threads. ``in_program_order=True`` runs the ops
        in the order they were created (a traced tf.function: reads and assignments of a
        variable happen in the order the Python code made them)."""
        return Plan(self, list(fetches), list(feeds), tune_blas, in_program_order)


def _var_op(var) -> Operation:
    op = var.op if isinstance(var, Tensor) else var
    if not isinstance(op, Operation) or op.type != "VariableV2":
        raise TypeError(f"{var!r} is not a variable")
    return op


class Plan:
    """A pruned, ordered, bound and compiled subgraph for one (fetches, feeds) signature."""

    def __init__(self, state: RunState, fetches: list, feeds: list, tune_blas: bool = True,
                 in_program_order: bool = False):
        fed = {}
        for i, t in enumerate(feeds):
            if t in fed:
                raise ValueError(f"Tensor {t.name} is fed twice")
            fed[t] = i
        order = prune_and_order(fetches, fed)
        if in_program_order:
            order.sort(key=lambda op: op._id)
        self.ops = order
        used = {t for op in order for t in op.inputs} | set(fetches)  # for partial_outputs
        ns: dict = {}
        names: dict[Tensor, str] = {}
        lines = ["def plan(f):"]
        line_ops: dict[int, Operation] = {}
        for t, i in fed.items():
            ns[f"c{i}"] = feed_checker(t)
            names[t] = f"f{i}"
            lines.append(f"    f{i} = c{i}(f[{i}])")
        uses_blas = splits = False
        for n, op in enumerate(order):
            od = op.op_def
            uses_blas = uses_blas or od.blas
            splits = splits or od.blas == "split"
            if od.value is not None and op.outputs[0] not in fed:
                # a known value is a name bound in the generated function: no call per run
                ns[f"v{n}_0"] = od.value(op)
                names[op.outputs[0]] = f"v{n}_0"
                continue
            refs = ref_inputs(op)
            args = []
            for j, t in enumerate(op.inputs):
                if j in refs:
                    ns[f"r{n}_{j}"] = state.cell(_ref_var_op(op, j))
                    args.append(f"r{n}_{j}")
                else:
                    args.append(names[t])
            ns[f"k{n}"] = _kernel(op, state, used)
            call = f"k{n}({', '.join(args)})"
            outs = [f"v{n}_{i}" for i in range(len(op.outputs))]
            for t, nm in zip(op.outputs, outs):
                if t not in fed:
                    names[t] = nm
            comment = f"  # {op.name} ({op.type})"
            if not outs:
                lines.append(f"    {call}{comment}")
            elif len(outs) == 1:
                lines.append(f"    {outs[0]} = {call}{comment}")
            else:
                lines.append(f"    {', '.join(outs)}, = {call}{comment}")
            line_ops[len(lines)] = op
        rets = []
        copy_flags = []
        fetched = set()
        for it in fetches:
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
        self._fn = ns["plan"]
        self._line_ops = line_ops
        self.copy_flags = copy_flags
        self.n_feeds = len(feeds)
        self._tuner = ThreadTuner() if uses_blas and tune_blas else None
        self._splits = splits

    def __call__(self, feed_vals: Sequence) -> tuple:
        tuner = self._tuner
        n = None if tuner is None else tuner.next()
        if n is None:
            return self._run(feed_vals)
        # with ops that split their work over the cores themselves, BLAS keeps one thread:
        # OpenBLAS's idle workers spin for a while after each call and would take the cores
        # from the parts (measured: a 2 ms pooling gradient split in two took 2.9 ms after a
        # two-thread GEMM, 1.1 ms without one)
        splits = self._splits
        prev, prev_width = blas.set(1 if splits else n), parallel.set_width(n if splits else 1)
        try:
            if tuner.best is not None:
                return self._run(feed_vals)
            t0 = time.perf_counter()
            out = self._run(feed_vals)
            tuner.record(n, time.perf_counter() - t0)
            return out
        finally:
            blas.restore(prev)
            parallel.set_width(prev_width)

    def _run(self, feed_vals):
        outer = run_context.begin_scratch()
        try:
            return self._fn(feed_vals)
        except errors.OpError as e:
            if e.op is None:  # raised by a kernel without knowing its op: name it
                op = self._failed_op(e)
                if op is not None:
                    raise type(e)(None, op, _with_site(e.message, op)) from e
            raise
        except Exception as e:  # a NumPy or Python error inside a kernel
            op = self._failed_op(e)
            if op is None:
                raise
            raise errors.InvalidArgumentError(None, op, _with_site(
                f"{type(e).__name__}: {e} (input shapes: {self._input_shapes(e)})", op)) from e
        finally:
            run_context.end_scratch(outer)

    def _input_shapes(self, e) -> str:
        """The run-time shapes of the failing kernel's arguments, read from the plan's frame."""
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code is not self._fn.__code__:
            tb = tb.tb_next
        call = tb and re.search(r"k\d+\(([^)]*)\)", self.source.splitlines()[tb.tb_lineno - 1])
        if not call:
            return "?"
        env = {**tb.tb_frame.f_globals, **tb.tb_frame.f_locals}
        return ", ".join(str(tuple(np.shape(env[a])) if a in env and a[0] != "r" else
                             getattr(env.get(a), "shape", "?"))
                         for a in call.group(1).split(", ") if a)

    def _failed_op(self, e):
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code is self._fn.__code__:
                return self._line_ops.get(tb.tb_lineno)
            tb = tb.tb_next
        return None


def _with_site(message: str, op: Operation) -> str:
    return f"{message}\n  in op '{op.name}' ({op.type}), created at {op._site}"


def _kernel(op: Operation, state: RunState, used: set):
    od = op.op_def
    if od.bind is not None:
        kernel = od.bind(op, state)
    elif od.kernel is None:
        if op.type == "Placeholder":
            raise errors.InvalidArgumentError(None, op, _missing_feed_message(op))
        raise errors.UnimplementedError(None, op, f"Op '{op.name}' ({op.type}) has no kernel")
    elif od.partial_outputs:
        needed = tuple(t in used for t in op.outputs)
        kernel = functools.partial(od.kernel, needed=needed, **op.attrs)
    elif op.attrs:
        kernel = functools.partial(od.kernel, **op.attrs)
    else:
        kernel = od.kernel
    return _checked(kernel, op) if CHECK_KERNELS else kernel


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
            if v is None and op.op_def.partial_outputs:
                continue  # an output the plan does not use
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


def prune_and_order(fetches, fed) -> list[Operation]:
    """The ops the fetches need, in a valid execution order (iterative DFS, no recursion)."""
    order: list[Operation] = []
    state: dict[Operation, int] = {}  # 1 = on stack, 2 = done
    roots = [it if isinstance(it, Operation) else it.op for it in fetches
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


def feed_checker(t: Tensor):
    """A fast per-feed check: converts to the tensor's dtype and checks the static shape."""
    if t.dtype.name == "variant":  # a TensorArray's value: a Python object, fed as is
        return lambda v: v
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
        return bytes_array(v)
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


# ---- BLAS threads ------------------------------------------------------------------------------
# On these 2-core machines an idle machine runs the MNIST MLP step 1.5x faster with two OpenBLAS
# threads (0.69 vs 1.0 s/epoch), but a busy one runs it 40x slower (80 ms instead of 2 ms per
# step: the worker threads wait for a core while the caller spins). Neither default is safe, so
# each plan that calls BLAS measures: one thread first, then all cores for a block of runs, and
# keeps the faster (one thread unless more are clearly faster); it measures again every few
# seconds, since load changes. Before trying more threads it looks at the machine: when other
# processes are runnable (/proc/loadavg), more threads would only collapse, so it keeps one and
# spends nothing on the trial. ``TENSORFLUXO_BLAS_THREADS=N`` fixes the count (0: leave BLAS
# alone). The caller's own setting is restored after each run.
_WARMUP = 5         # untimed runs of a new plan: its first runs are slow (allocations, caches)
_BLOCK = 16         # runs per candidate in a measurement...
_SETTLE = 4         # ...of which the first are not counted: after a switch OpenBLAS needs a
                    # few runs to wake its workers (measured: 71, 1.0, 0.8, 0.75 ms, then 0.72)
_CHECK_EVERY = 64   # runs between clock reads while exploiting
_FIRST_SECONDS = 1.0   # the first choice is re-checked soon: early runs are noisy
_EXPLOIT_SECONDS = 5.0  # then this interval, doubling while the answer stays the same...
_MAX_SECONDS = 60.0     # ...up to this
_MARGIN = 0.9       # more threads must be at least 10% faster to be chosen
_CLEAR = 1.3       # a first choice this much faster is re-checked after _EXPLOIT_SECONDS
_GIVE_UP = 5.0      # a second trial run this many times slower than one thread ends the trial


def _others_runnable() -> bool:
    """True when processes other than this one wait for a core right now (Linux; else False).
    /proc/loadavg's fourth field counts the runnable tasks, this one included."""
    try:
        with open("/proc/loadavg", "rb") as f:
            running = int(f.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return False
    return running > 1


def _median(values: list) -> float:
    return sorted(values)[len(values) // 2]


class ThreadTuner:
    """Per run plan: which thread count to use for the next run, from measured run times."""

    __slots__ = ("choices", "best", "queue", "times", "trial", "runs_left", "deadline", "rounds",
                 "interval", "last")

    def __init__(self):
        self.choices = blas.candidates()
        self.best = self.choices[0] if len(self.choices) == 1 else None
        self.queue: list = []
        self.times: dict = {}
        self.trial: list = []
        self.runs_left = 0
        self.deadline = 0.0
        self.rounds = 0
        self.interval = _FIRST_SECONDS
        self.last = None
        if self.best is None and self.choices:
            self._explore()

    def _explore(self) -> None:
        self.best = None
        self.times = {c: [] for c in self.choices}
        warmup = [(self.choices[0], False)] * (_WARMUP if self.rounds == 0 else 0)
        # Blocks, not alternation, and the first runs of a block are not counted: after a
        # switch OpenBLAS wakes its sleeping workers, which would be charged to the
        # multi-threaded candidate.
        self.queue = warmup + [(c, i >= _SETTLE) for c in self.choices for i in range(_BLOCK)]
        self.trial = []
        self.rounds += 1

    def _decide(self, best: int, clear: bool = False) -> None:
        self.best = best
        self.queue = []
        self.runs_left = _CHECK_EVERY
        if self.rounds > 1:
            same = best == self.last
            self.interval = min(max(2 * self.interval, _EXPLOIT_SECONDS), _MAX_SECONDS) \
                if same else _EXPLOIT_SECONDS
        elif clear:  # a first choice by a wide margin is not early noise: checked later
            self.interval = _EXPLOIT_SECONDS
        self.last = best
        self.deadline = time.perf_counter() + self.interval

    def next(self) -> int | None:
        if self.best is not None:
            self.runs_left -= 1
            if self.runs_left <= 0:
                self.runs_left = _CHECK_EVERY
                if len(self.choices) > 1 and time.perf_counter() > self.deadline:
                    self._explore()
                    return self.next()
            return self.best
        if not self.queue:
            return None
        n = self.queue[0][0]
        if n != 1 and not self.trial and self.times[1] and _others_runnable():
            self._decide(1)  # a busy machine: more threads would collapse; try nothing
            return 1
        return n

    def record(self, n: int, seconds: float) -> None:
        """Called after an exploring run."""
        if self.best is not None:  # next() has just decided (a busy machine)
            return
        _, counted = self.queue.pop(0)
        if n != 1:
            self.trial.append(seconds)
            one = _median(self.times[1])
            # after the wake-up run, a run still far slower than one thread means the cores are
            # taken: stop the trial at once instead of paying a whole block of slow runs
            if len(self.trial) >= 2 and seconds > _GIVE_UP * one:
                self._decide(1)
                return
        if counted:
            self.times[n].append(seconds)
        if not self.queue:
            # medians: a contended multi-threaded run is sometimes lucky, so a minimum
            # would favour it exactly when it is the wrong choice
            med = {c: _median(t) for c, t in self.times.items()}
            one, many = med[1], min(med[c] for c in self.choices if c != 1)
            best = 1 if many > _MARGIN * one else max(self.choices)
            self._decide(best, clear=max(one, many) > _CLEAR * min(one, many))

    @property
    def exploring(self) -> bool:
        return self.best is None
