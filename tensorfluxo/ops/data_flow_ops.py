"""TF1 queues: FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue, and their enqueue/dequeue ops.

A queue's elements live in the session (``RunState.resources``), so each session has its own.
Enqueue and dequeue block, as in TF, while the queue is full or empty: producer threads
(``tf.train.QueueRunner``) run enqueue ops while the training loop runs dequeue ops. A blocked op
gives up after ``RunOptions(timeout_in_ms=...)`` with DeadlineExceededError, raises
OutOfRangeError once the queue is closed and too short, and CancelledError when its session
closes, so no thread hangs at exit.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from ..framework import dtypes, errors, run_context
from ..framework.ops import Operation, Tensor, apply_op, convert_to_tensor, get_default_graph
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape, as_shape


class _State:
    """One queue in one session: its elements and the condition blocked ops wait on."""

    def __init__(self, queue):
        self.items: list = []
        self.closed = False
        self.cancelled = False
        self.cond = threading.Condition()
        self.rng = np.random.default_rng(queue.seed)

    def cancel(self) -> None:
        """Wakes every op blocked on this queue with CancelledError (its session closes)."""
        with self.cond:
            self.cancelled = True
            self.cond.notify_all()

    def wait(self, op, ready):
        """Waits until ``ready()``; raises if cancelled or past the run's deadline."""
        deadline = run_context.deadline()
        while not ready():
            if self.cancelled:
                raise errors.CancelledError(None, op, f"Queue '{op.name}' was cancelled: its "
                                            "session was closed.")
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise errors.DeadlineExceededError(None, op, "Timed out waiting for notification "
                                                   f"in '{op.name}'")
            self.cond.wait(0.1 if left is None else min(left, 0.1))


def _state(state, queue) -> _State:
    st = state.resources.get(queue)
    if st is None:
        st = state.resources.setdefault(queue, _State(queue))
    return st


class QueueBase:
    """A queue of elements, each a tuple of tensors with the queue's dtypes (and shapes)."""

    _random = False
    _padding = False

    def __init__(self, capacity, dtypes_, shapes=None, names=None, shared_name=None,
                 name="fifo_queue", min_after_dequeue=0, seed=None):
        single = not isinstance(dtypes_, (list, tuple))
        self.dtypes = [dtypes.as_dtype(d) for d in ([dtypes_] if single else dtypes_)]
        if shapes is None:
            shapes = [None] * len(self.dtypes)
        elif not isinstance(shapes, (list, tuple)) or (
                shapes and not isinstance(shapes[0], (list, tuple, TensorShape)) and
                shapes[0] is not None):
            shapes = [shapes]
        self.shapes = [as_shape(s) for s in shapes]
        if len(self.shapes) != len(self.dtypes):
            raise ValueError(f"{type(self).__name__}: {len(self.shapes)} shapes for "
                             f"{len(self.dtypes)} dtypes")
        if self._padding and any(s.ndims is None for s in self.shapes):
            raise ValueError("PaddingFIFOQueue needs the rank of every component (shapes=)")
        self.names = names
        self.capacity = int(capacity)
        self.min_after_dequeue = int(min_after_dequeue)
        self.seed = seed
        self.graph = get_default_graph()
        self.name = self.graph.unique_name(name)
        self._queue_ref = self  # TF code reads queue.queue_ref; it identifies the queue

    @property
    def queue_ref(self):
        return self

    # ---- ops -------------------------------------------------------------------------------
    def _components(self, vals, many: bool) -> list[Tensor]:
        if isinstance(vals, dict):
            if not self.names:
                raise ValueError(f"Queue '{self.name}' has no names: enqueue a list, not a dict")
            vals = [vals[n] for n in self.names]
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        if len(vals) != len(self.dtypes):
            raise ValueError(f"Queue '{self.name}' holds {len(self.dtypes)} components; got "
                             f"{len(vals)}")
        out = []
        for i, (v, dt, shape) in enumerate(zip(vals, self.dtypes, self.shapes)):
            t = convert_to_tensor(v, dtype=dt)
            el = t.shape
            if many and el.ndims is not None:
                if el.ndims == 0:
                    raise ValueError(f"enqueue_many into '{self.name}': component {i} is a "
                                     "scalar; it needs a leading batch dimension")
                el = TensorShape(el.as_tuple()[1:])
            if not shape.is_compatible_with(el) and not self._padding:
                raise ValueError(f"Shape mismatch in tuple component {i} of queue "
                                 f"'{self.name}'. Expected {shape}, got {el}")
            out.append(t)
        return out

    def enqueue(self, vals, name=None) -> Operation:
        return apply_op("QueueEnqueueV2", self._components(vals, False),
                        {"queue": self, "many": False}, name=name or self.name + "_enqueue")

    def enqueue_many(self, vals, name=None) -> Operation:
        return apply_op("QueueEnqueueV2", self._components(vals, True),
                        {"queue": self, "many": True}, name=name or self.name + "_enqueue_many")

    def _dequeue(self, n, up_to, name):
        outs = apply_op("QueueDequeueV2", [], {"queue": self, "n": n, "up_to": up_to},
                        name=name, graph=self.graph)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        if self.names:
            return dict(zip(self.names, outs))
        return outs[0] if len(outs) == 1 else outs

    def dequeue(self, name=None):
        return self._dequeue(None, False, name or self.name + "_dequeue")

    def dequeue_many(self, n, name=None):
        return self._dequeue(int(n), False, name or self.name + "_dequeue_many")

    def dequeue_up_to(self, n, name=None):
        return self._dequeue(int(n), True, name or self.name + "_dequeue_up_to")

    def close(self, cancel_pending_enqueues: bool = False, name=None) -> Operation:
        return apply_op("QueueCloseV2", [], {"queue": self, "cancel": cancel_pending_enqueues},
                        name=name or self.name + "_close", graph=self.graph)

    def size(self, name=None) -> Tensor:
        return apply_op("QueueSizeV2", [], {"queue": self}, name=name or self.name + "_size",
                        graph=self.graph)

    def is_closed(self, name=None) -> Tensor:
        return apply_op("QueueIsClosedV2", [], {"queue": self},
                        name=name or self.name + "_is_closed", graph=self.graph)


class FIFOQueue(QueueBase):
    """``tf.FIFOQueue(capacity, dtypes, shapes=None)``: first in, first out."""


class RandomShuffleQueue(QueueBase):
    """Dequeues a random element; waits while it holds ``min_after_dequeue`` or fewer."""

    _random = True

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None,
                 shared_name=None, name="random_shuffle_queue"):
        if int(min_after_dequeue) >= int(capacity):
            raise ValueError(f"RandomShuffleQueue: min_after_dequeue ({min_after_dequeue}) must "
                             f"be smaller than capacity ({capacity})")
        from .random_ops import get_seed
        s1, s2 = get_seed(seed)
        super().__init__(capacity, dtypes, shapes, names, shared_name, name, min_after_dequeue,
                         None if s1 is None else [s1, s2])


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose ``dequeue_many`` pads components to the longest in the batch."""

    _padding = True

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None,
                 name="padding_fifo_queue"):
        super().__init__(capacity, dtypes, shapes, names, shared_name, name)


# ---- kernels -----------------------------------------------------------------------------------
def _enqueue_bind(op, state):
    q, many = op.attrs["queue"], op.attrs["many"]

    def run(*values):
        st = _state(state, q)
        values = [np.asarray(v) for v in values]
        if many:
            n = len(values[0])
            if any(len(v) != n for v in values):
                raise errors.InvalidArgumentError(None, op, "enqueue_many: the components have "
                                                  f"different lengths {[len(v) for v in values]}")
            elements = [tuple(v[i] for v in values) for i in range(n)]
        else:
            elements = [tuple(values)]
        for el in elements:
            for i, (a, shape) in enumerate(zip(el, q.shapes)):
                ok = shape.is_compatible_with(np.shape(a)) if not q._padding else \
                    shape.ndims == np.ndim(a) and all(
                        d is None or d == s for d, s in zip(shape.as_tuple(), np.shape(a)))
                if not ok:
                    raise errors.InvalidArgumentError(
                        None, op, f"Shape mismatch in tuple component {i}. Expected {shape}, got "
                        f"{list(np.shape(a))}")
        with st.cond:
            for el in elements:
                if st.closed:
                    raise errors.CancelledError(None, op, f"Queue '{q.name}' is closed.")
                st.wait(op, lambda: len(st.items) < q.capacity or st.closed)
                if st.closed:
                    raise errors.CancelledError(None, op, f"Queue '{q.name}' is closed.")
                st.items.append(el)
                st.cond.notify_all()
    return run


def _take(st, q):
    if q._random:
        j = int(st.rng.integers(len(st.items)))
        st.items[j], st.items[-1] = st.items[-1], st.items[j]
        return st.items.pop()
    return st.items.pop(0)


def _stack(parts, dt, padding):
    if not padding:
        return np.stack(parts).astype(dt.np, copy=False) if dt is not dtypes.string else \
            np.asarray(parts, dtype=object)
    target = [max(s) for s in zip(*[np.shape(p) for p in parts])]
    out = np.zeros((len(parts), *target), dt.np if dt is not dtypes.string else object)
    if dt is dtypes.string:
        out[...] = b""
    for k, p in enumerate(parts):
        out[(k, *[slice(0, s) for s in np.shape(p)])] = p
    return out


def take(state, op, q, want: int, up_to: bool = False) -> list:
    """Removes ``want`` elements from queue ``q`` in ``state`` (blocking as a dequeue op does);
    fewer when ``up_to`` and the queue is closed. Dequeue ops and readers use it."""
    st = _state(state, q)
    floor = q.min_after_dequeue
    with st.cond:
        st.wait(op, lambda: st.closed or len(st.items) >= want + floor)
        if len(st.items) < want:
            if not (up_to and st.items):
                raise errors.OutOfRangeError(
                    None, op, f"{type(q).__name__} '{q.name}' is closed and has insufficient "
                    f"elements (requested {want}, current size {len(st.items)})")
            want = len(st.items)
        elements = [_take(st, q) for _ in range(want)]
        st.cond.notify_all()
    return elements


def _dequeue_bind(op, state):
    q, n, up_to = op.attrs["queue"], op.attrs["n"], op.attrs["up_to"]
    single = len(q.dtypes) == 1

    def run():
        elements = take(state, op, q, 1 if n is None else n, up_to)
        if n is None:
            out = elements[0]
        else:
            out = tuple(_stack([e[i] for e in elements], dt, q._padding)
                        for i, dt in enumerate(q.dtypes))
        return out[0] if single else out
    return run


def _dequeue_infer(op):
    q, n = op.attrs["queue"], op.attrs["n"]
    if n is None:
        return list(zip(q.dtypes, q.shapes))
    lead = None if op.attrs["up_to"] else n
    return [(dt, TensorShape(None) if s.ndims is None else TensorShape([lead, *s.as_tuple()]))
            for dt, s in zip(q.dtypes, q.shapes)]


def _close_bind(op, state):
    q = op.attrs["queue"]

    def run():
        st = _state(state, q)
        with st.cond:
            st.closed = True
            st.cond.notify_all()
    return run


def _size_bind(op, state):
    q = op.attrs["queue"]
    return lambda: np.asarray(len(_state(state, q).items), np.int32)


def _is_closed_bind(op, state):
    q = op.attrs["queue"]
    return lambda: np.asarray(_state(state, q).closed)


defop("QueueEnqueueV2", infer=lambda op: [], bind=_enqueue_bind, stateful=True,
      not_differentiable=True)
defop("QueueDequeueV2", infer=_dequeue_infer, bind=_dequeue_bind, stateful=True,
      not_differentiable=True)
defop("QueueCloseV2", infer=lambda op: [], bind=_close_bind, stateful=True,
      not_differentiable=True)
defop("QueueSizeV2", infer=lambda op: (dtypes.int32, TensorShape([])), bind=_size_bind,
      stateful=True, not_differentiable=True)
defop("QueueIsClosedV2", infer=lambda op: (dtypes.bool, TensorShape([])), bind=_is_closed_bind,
      stateful=True, not_differentiable=True)
