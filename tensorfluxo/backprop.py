"""tf.GradientTape: records the ops run on watched tensors and differentiates them backwards.

A tape sees every op created while it is active (eager op records, or graph ops while a
tf.function is traced) and keeps those with a watched input; their outputs become watched.
``gradient`` walks the kept ops in reverse and calls the same gradient functions as
``tf.gradients`` (gradients_impl.op_gradients). Those build ops with ``apply_op``, so they run
eagerly in eager mode and are recorded by any outer tape: nested tapes give second order.

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)  # 6.0
"""

from __future__ import annotations

import contextlib
import enum

from .framework import ops
from .framework.nest import flatten_with_packer
from .framework.ops import Tensor, convert_to_tensor
from .ops import array_ops
from .ops.gradients_impl import _sum, op_gradients


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _is_variable(t) -> bool:
    return hasattr(t, "_eager_cell")


class GradientTape:
    """Records operations for automatic differentiation (TF2's ``tf.GradientTape``).

    ``persistent=True`` allows several ``gradient`` calls; trainable variables read inside the
    block are watched automatically unless ``watch_accessed_variables=False``.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._watched: dict[int, object] = {}  # id -> tensor (kept alive while recorded)
        self._variables: dict[int, object] = {}
        self._records: list = []
        self._used = False
        self._active = False

    # ---- recording -------------------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    def _start(self) -> None:
        if not self._active:
            ops._tapes.append(self)
            self._active = True

    def _stop(self) -> None:
        if self._active:
            ops._tapes.remove(self)
            self._active = False

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside this block are not recorded."""
        if not self._active:
            raise ValueError("Tape.stop_recording() can only be used while the tape is "
                             "recording (inside its `with` block).")
        self._stop()
        try:
            yield
        finally:
            self._start()

    def reset(self) -> None:
        """Forgets everything recorded (and watched) so far."""
        self._watched.clear()
        self._variables.clear()
        self._records.clear()

    def watch(self, tensor) -> None:
        """Records operations on ``tensor`` (a tensor, variable or nested structure of them)."""
        leaves: list = []
        flatten_with_packer(tensor, leaves)
        for t in leaves:
            if not isinstance(t, Tensor):
                raise ValueError(f"GradientTape.watch: expected a tensor or variable, got "
                                 f"{type(t).__name__}: {t!r}")
            self._watch(t)

    def _watch(self, t) -> None:
        if _is_variable(t):
            self._variables[id(t)] = t
        self._watched[id(t)] = t

    def watched_variables(self) -> tuple:
        return tuple(self._variables.values())

    def _record(self, op) -> None:
        watched = self._watched
        if op.type == "ReadVariableOp" and self._watch_accessed and op.attrs.get("trainable"):
            var = op.inputs[0]
            self._variables[id(var)] = watched[id(var)] = var
        for t in op.inputs:
            if id(t) in watched:
                break
        else:
            return
        self._records.append(op)
        for t in op.outputs:
            watched[id(t)] = t

    # ---- differentiation -------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each of ``sources`` (same nesting as ``sources``);
        None for a source that ``target`` does not depend on (zeros with
        ``unconnected_gradients="zero"``)."""
        self._use()
        targets: list = []
        flatten_with_packer(target, targets)
        srcs: list = []
        rebuild = flatten_with_packer(sources, srcs)
        out_grads = None
        if output_gradients is not None:
            out_grads = []
            flatten_with_packer(output_gradients, out_grads)
        return rebuild(self._gradient(targets, srcs, out_grads, unconnected_gradients))

    def _use(self) -> None:
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        self._used = True

    def _gradient(self, targets, srcs, out_grads, unconnected):
        unconnected = UnconnectedGradients(unconnected)
        for s in srcs:
            if not isinstance(s, Tensor):
                raise ValueError(f"GradientTape.gradient: sources must be tensors or variables, "
                                 f"got {type(s).__name__}: {s!r}")
        was_active = self._active
        self._stop()  # the backward pass is not recorded on this tape (outer tapes see it)
        try:
            grads: dict[int, list] = {}
            for i, y in enumerate(targets):
                y = convert_to_tensor(y)
                g = out_grads[i] if out_grads is not None else None
                g = array_ops.ones_like(y) if g is None else convert_to_tensor(g, dtype=y.dtype)
                grads.setdefault(id(y), []).append(g)
            for op in reversed(self._records):
                outs = [_sum(grads.get(id(t))) for t in op.outputs]
                for t, g in op_gradients(op, outs):
                    grads.setdefault(id(t), []).append(g)
            result = []
            for s in srcs:
                g = _sum(grads.get(id(s)))
                if g is None and unconnected is UnconnectedGradients.ZERO:
                    g = array_ops.zeros_like(s)
                result.append(g)
            return result
        finally:
            if was_active:
                self._start()

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target[i...] / d source[j...]: shape target.shape + source.shape per source."""
        self._use()
        srcs: list = []
        rebuild = flatten_with_packer(sources, srcs)
        y = convert_to_tensor(target)
        n = y.shape.num_elements()
        if n is None:
            raise ValueError(f"GradientTape.jacobian needs a target of known shape, got {y.shape}")
        rows: list[list] = [[] for _ in srcs]
        for i in range(n):
            onehot = array_ops.reshape(array_ops.one_hot(i, n, dtype=y.dtype), array_ops.shape(y))
            for k, g in enumerate(self._gradient([y], srcs, [onehot], unconnected_gradients)):
                rows[k].append(g)
        out = []
        for s, gs in zip(srcs, rows):
            if any(g is None for g in gs):
                out.append(None)
                continue
            shape = y.shape.as_list() + s.shape.as_list()
            out.append(array_ops.reshape(array_ops.stack(gs), shape) if gs else
                       array_ops.zeros(shape, dtype=s.dtype))
        return rebuild(out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per example b: d target[b, i...] / d source[b, j...] (examples independent)."""
        self._use()
        y = convert_to_tensor(target)
        dims = y.shape.as_list()
        if not dims or None in dims[1:]:
            raise ValueError(f"GradientTape.batch_jacobian needs a target of shape [batch, ...] "
                             f"with known inner dimensions, got {y.shape}")
        inner = 1
        for d in dims[1:]:
            inner *= d
        flat = array_ops.reshape(y, [-1, inner])
        cols = []
        for j in range(inner):
            onehot = array_ops.ones_like(flat[:, :1]) * array_ops.one_hot(j, inner, dtype=y.dtype)
            g, = self._gradient([y], [source], [array_ops.reshape(onehot, array_ops.shape(y))],
                                unconnected_gradients)
            if g is None:
                return None
            cols.append(g)
        out = array_ops.stack(cols, axis=1)
        return array_ops.reshape(out, array_ops.concat(
            [array_ops.shape(y), array_ops.shape(source)[1:]], axis=0))

