"""TF1 queue-based input pipelines: QueueRunner, Coordinator, producers, readers and batching.

    filename_queue = tf.train.string_input_producer(["a.csv"], num_epochs=2)
    key, line = tf.TextLineReader().read(filename_queue)
    x, y = tf.decode_csv(line, [[0.0], [0]])
    xb, yb = tf.train.shuffle_batch([x, y], 32, capacity=500, min_after_dequeue=100)
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)

Producer threads run enqueue ops in the session while the main thread trains on dequeued
batches. When a producer runs out (OutOfRangeError) the last one closes its queue, so the
consumer gets OutOfRangeError after the remaining elements; closing the session cancels blocked
ops, so threads never hang at exit.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import (
    GraphKeys,
    Tensor,
    add_to_collection,
    apply_op,
    convert_to_tensor,
    get_collection,
    get_default_graph,
    get_default_session,
)
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from ..ops import data_flow_ops as dfo


# ---- coordination ------------------------------------------------------------------------------
class Coordinator:
    """Tells threads when to stop, and carries the first exception one of them hit."""

    def __init__(self, clean_stop_exception_types=None):
        self._clean = tuple(clean_stop_exception_types or (errors.OutOfRangeError,))
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._exc_info = None
        self._threads: list = []

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, ex=None) -> None:
        with self._lock:
            if ex is not None and self._exc_info is None and not isinstance(ex, self._clean):
                self._exc_info = ex
            self._stop.set()

    def clear_stop(self) -> None:
        with self._lock:
            self._exc_info = None
            self._stop.clear()

    def wait_for_stop(self, timeout=None) -> bool:
        return self._stop.wait(timeout)

    def register_thread(self, thread) -> None:
        self._threads.append(thread)

    @contextlib.contextmanager
    def stop_on_exception(self):
        try:
            yield
        except Exception as e:  # noqa: BLE001 - any error stops the coordinated threads
            self.request_stop(e)

    def raise_requested_exception(self) -> None:
        if self._exc_info is not None:
            raise self._exc_info

    def join(self, threads=None, stop_grace_period_secs: float = 120,
             ignore_live_threads: bool = False) -> None:
        """Waits for the threads (and the registered ones); re-raises a thread's exception."""
        threads = list(threads or []) + [t for t in self._threads if t not in (threads or [])]
        for t in threads:
            t.join(stop_grace_period_secs)
        alive = [t.name for t in threads if t.is_alive()]
        self.raise_requested_exception()
        if alive and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: {alive}")

    @property
    def joined(self) -> bool:
        return all(not t.is_alive() for t in self._threads)


class QueueRunner:
    """Threads that run ``enqueue_ops`` (one thread each) until their input runs out."""

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None):
        if queue is None or not enqueue_ops:
            raise ValueError("QueueRunner needs a queue and a list of enqueue ops")
        self.queue = queue
        self.enqueue_ops = list(enqueue_ops)
        self.close_op = close_op if close_op is not None else queue.close()
        self.cancel_op = cancel_op if cancel_op is not None else \
            queue.close(cancel_pending_enqueues=True)
        self._closed_types = tuple(queue_closed_exception_types or
                                   (errors.OutOfRangeError, errors.CancelledError))
        self._lock = threading.Lock()
        self._running = 0
        self.exceptions_raised: list = []

    @property
    def name(self) -> str:
        return self.queue.name

    def _run(self, sess, enqueue_op, coord):
        try:
            while not (coord is not None and coord.should_stop()):
                try:
                    sess.run(enqueue_op)
                except self._closed_types:
                    with self._lock:
                        self._running -= 1
                        last = self._running == 0
                    if last:
                        with contextlib.suppress(Exception):
                            sess.run(self.close_op)
                    return
        except RuntimeError as e:
            if "closed Session" not in str(e):  # the session closed under us: just stop
                self._failed(e, coord)
        except Exception as e:  # noqa: BLE001 - reported to the coordinator
            self._failed(e, coord)

    def _failed(self, e, coord):
        self.exceptions_raised.append(e)
        if coord is not None:
            coord.request_stop(e)
        else:
            raise e

    def create_threads(self, sess, coord=None, daemon: bool = False, start: bool = False):
        with self._lock:
            self._running = len(self.enqueue_ops)
        threads = [threading.Thread(target=self._run, args=(sess, op, coord), daemon=daemon,
                                    name=f"QueueRunner:{self.name}:{i}")
                   for i, op in enumerate(self.enqueue_ops)]
        for t in threads:
            if coord is not None:
                coord.register_thread(t)
            if start:
                t.start()
        return threads


def add_queue_runner(qr: QueueRunner, collection=GraphKeys.QUEUE_RUNNERS) -> None:
    add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon: bool = True, start: bool = True,
                        collection=GraphKeys.QUEUE_RUNNERS) -> list:
    """Starts the threads of every QueueRunner in the graph's collection; returns them."""
    sess = sess or get_default_session()
    if sess is None:
        raise ValueError("start_queue_runners needs a session (none given and no default one)")
    with sess.graph.as_default():
        runners = get_collection(collection)
    return [t for qr in runners for t in qr.create_threads(sess, coord, daemon, start)]


# ---- producers ---------------------------------------------------------------------------------
def _limit_bind(op, state):
    limit = op.attrs["num_epochs"]
    key = (op, "epochs")

    def run(x):
        n = state.resources.get(key, 0)
        if n >= limit:
            raise errors.OutOfRangeError(None, op, f"Reached limit of {limit} epochs")
        state.resources[key] = n + 1
        return x
    return run


defop("LimitEpochs", infer=lambda op: (op.inputs[0].dtype, op.inputs[0].shape),
      bind=_limit_bind, stateful=True, aliases=True, not_differentiable=True)


def limit_epochs(tensor, num_epochs=None, name=None) -> Tensor:
    """``tensor`` for ``num_epochs`` runs, then OutOfRangeError."""
    t = convert_to_tensor(tensor)
    if num_epochs is None:
        return t
    if int(num_epochs) <= 0:
        raise ValueError(f"num_epochs must be > 0, got {num_epochs}")
    return apply_op("LimitEpochs", [t], {"num_epochs": int(num_epochs)},
                    name=name or "limit_epochs")


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle: bool = True,
                   seed=None, capacity: int = 32, shared_name=None, summary_name=None,
                   name=None, cancel_op=None):
    """A FIFO queue fed, epoch after epoch, with the rows of ``input_tensor`` (shuffled)."""
    from ..ops.random_ops import random_shuffle
    t = convert_to_tensor(input_tensor)
    if t.shape.ndims == 0:
        raise ValueError(f"input_producer: '{t.name}' must have at least one dimension")
    rows = random_shuffle(t, seed=seed) if shuffle else t
    rows = limit_epochs(rows, num_epochs)
    shape = element_shape if element_shape is not None else (
        None if t.shape.ndims is None else t.shape.as_tuple()[1:])
    q = dfo.FIFOQueue(capacity, [t.dtype], [shape], name=name or "input_producer")
    add_queue_runner(QueueRunner(q, [q.enqueue_many([rows])]))
    return q


def string_input_producer(string_tensor, num_epochs=None, shuffle: bool = True, seed=None,
                          capacity: int = 32, shared_name=None, name=None, cancel_op=None):
    """A queue of file names for the readers, ``num_epochs`` times over (None: forever)."""
    t = convert_to_tensor(string_tensor, dtype=dtypes.string)
    if t.shape.ndims != 1:
        raise ValueError(f"string_input_producer expects a vector of file names, got shape "
                         f"{t.shape}")
    return input_producer(t, [], num_epochs, shuffle, seed, capacity,
                          name=name or "input_producer")


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    from ..ops.array_ops import range as range_
    return input_producer(range_(limit), [], num_epochs, shuffle, seed, capacity,
                          name=name or "input_producer")


def slice_input_producer(tensor_list, num_epochs=None, shuffle: bool = True, seed=None,
                         capacity: int = 32, shared_name=None, name=None) -> list:
    """One row of each tensor of ``tensor_list`` per run (the same row index in all), visiting
    every row once per epoch (shuffled)."""
    from ..ops.array_ops import gather, shape
    ts = [convert_to_tensor(t) for t in tensor_list]
    if not ts:
        raise ValueError("slice_input_producer needs at least one tensor")
    n = shape(ts[0], out_type=dtypes.int32)[0]
    q = range_input_producer(n, num_epochs, shuffle, seed, capacity,
                             name=name or "input_producer")
    i = q.dequeue()
    return [gather(t, i) for t in ts]


# ---- batching ----------------------------------------------------------------------------------
def _as_list(tensors):
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return keys, [convert_to_tensor(tensors[k]) for k in keys]
    if isinstance(tensors, (list, tuple)):
        return None, [convert_to_tensor(t) for t in tensors]
    return "single", [convert_to_tensor(tensors)]


def _shapes(ts, shapes, enqueue_many, dynamic_pad, what):
    if shapes is not None:
        return [TensorShape(s) if not isinstance(s, TensorShape) else s for s in shapes]
    out = []
    for t in ts:
        s = t.shape
        if enqueue_many and s.ndims is not None:
            s = TensorShape(s.as_tuple()[1:])
        if not dynamic_pad and not s.is_fully_defined():
            raise ValueError(f"{what}: all shapes must be fully defined: '{t.name}' has shape "
                             f"{s} (pass shapes=, or dynamic_pad=True to pad to the longest)")
        out.append(s)
    return out


def _batch(tensors_list, batch_size, capacity, enqueue_many, shapes, dynamic_pad,
           allow_smaller_final_batch, name, queue_fn):
    keys, first = _as_list(tensors_list[0])
    sh = _shapes(first, shapes, enqueue_many, dynamic_pad, name)
    q = queue_fn([t.dtype for t in first], sh)
    enqueues = []
    for tensors in tensors_list:
        _, ts = _as_list(tensors)
        enqueues.append(q.enqueue_many(ts) if enqueue_many else q.enqueue(ts))
    add_queue_runner(QueueRunner(q, enqueues))
    out = q.dequeue_up_to(batch_size) if allow_smaller_final_batch else \
        q.dequeue_many(batch_size)
    out = out if isinstance(out, list) else [out]
    if keys == "single":
        return out[0]
    if keys is not None:
        return dict(zip(keys, out))
    return out


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
          dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of ``tensors`` through a FIFO queue filled by ``num_threads`` threads."""
    def queue(dts, sh):
        cls = dfo.PaddingFIFOQueue if dynamic_pad else dfo.FIFOQueue
        return cls(capacity, dts, sh, name=name or "batch/fifo_queue")
    return _batch([tensors] * int(num_threads), batch_size, capacity, enqueue_many, shapes,
                  dynamic_pad, allow_smaller_final_batch, "tf.train.batch", queue)


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None,
               dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Like batch, with one enqueuing thread per element of ``tensors_list``."""
    def queue(dts, sh):
        cls = dfo.PaddingFIFOQueue if dynamic_pad else dfo.FIFOQueue
        return cls(capacity, dts, sh, name=name or "batch_join/fifo_queue")
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, "tf.train.batch_join", queue)


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None,
                  enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                  shared_name=None, name=None):
    """Shuffled batches through a RandomShuffleQueue holding at least ``min_after_dequeue``."""
    def queue(dts, sh):
        return dfo.RandomShuffleQueue(capacity, min_after_dequeue, dts, sh, seed=seed,
                                      name=name or "shuffle_batch/random_shuffle_queue")
    return _batch([tensors] * int(num_threads), batch_size, capacity, enqueue_many, shapes,
                  False, allow_smaller_final_batch, "tf.train.shuffle_batch", queue)


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None,
                       enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                       shared_name=None, name=None):
    def queue(dts, sh):
        return dfo.RandomShuffleQueue(capacity, min_after_dequeue, dts, sh, seed=seed,
                                      name=name or "shuffle_batch_join/random_shuffle_queue")
    return _batch(list(tensors_list), batch_size, capacity, enqueue_many, shapes, False,
                  allow_smaller_final_batch, "tf.train.shuffle_batch_join", queue)


# ---- readers -----------------------------------------------------------------------------------
class ReaderBase:
    """Reads records from the files named by a queue: ``key, value = reader.read(queue)``."""

    def __init__(self, name=None):
        self.name = get_default_graph().unique_name(name or type(self).__name__)

    def read(self, queue, name=None):
        return apply_op("ReaderReadV2", [], {"reader": self, "queue": queue},
                        name=name or self.name + "_read", graph=queue.graph)

    def read_up_to(self, queue, num_records, name=None):
        return apply_op("ReaderReadV2", [], {"reader": self, "queue": queue,
                                             "n": int(num_records)},
                        name=name or self.name + "_read_up_to", graph=queue.graph)

    def _records(self, path):
        raise NotImplementedError


class TextLineReader(ReaderBase):
    """One record per line (``skip_header_lines`` skipped in each file)."""

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(name)
        self.skip = int(skip_header_lines or 0)

    def _records(self, path):
        from ..data.readers import _open
        with _open(path, "rb") as f:
            for i, line in enumerate(f):
                if i >= self.skip:
                    yield f"{path}:{i + 1}", line.rstrip(b"\r\n")


class TFRecordReader(ReaderBase):
    def __init__(self, name=None, options=None):
        super().__init__(name)
        self.options = options

    def _records(self, path):
        from ..data.readers import tf_record_iterator
        for i, r in enumerate(tf_record_iterator(path, self.options)):
            yield f"{path}:{i}", r


class WholeFileReader(ReaderBase):
    def _records(self, path):
        from ..data.readers import _open
        with _open(path, "rb") as f:
            yield path, f.read()


class FixedLengthRecordReader(ReaderBase):
    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None,
                 name=None, encoding=None):
        super().__init__(name)
        self._layout = int(record_bytes), int(header_bytes or 0), int(footer_bytes or 0)

    def _records(self, path):
        from ..data.readers import fixed_length_records
        for i, r in enumerate(fixed_length_records(path, *self._layout)):
            yield f"{path}:{i}", r


def _read_bind(op, state):
    reader, queue = op.attrs["reader"], op.attrs["queue"]
    n = op.attrs.get("n")
    key = (reader, "records")

    def one():
        while True:
            it = state.resources.get(key)
            if it is not None:
                rec = next(it, None)
                if rec is not None:
                    return rec
            (name,) = dfo.take(state, op, queue, 1)[0]
            name = name.decode() if isinstance(name, bytes) else str(name)
            state.resources[key] = iter(reader._records(name))

    def run():
        if n is None:
            k, v = one()
            return np.asarray(k.encode(), dtype=object), np.asarray(v, dtype=object)
        recs = []
        for _ in range(n):
            try:
                recs.append(one())
            except errors.OutOfRangeError:
                if not recs:
                    raise
                break
        return (np.asarray([k.encode() for k, _ in recs], dtype=object),
                np.asarray([v for _, v in recs], dtype=object))
    return run


def _read_infer(op):
    shape = TensorShape([]) if op.attrs.get("n") is None else TensorShape([None])
    return [(dtypes.string, shape), (dtypes.string, shape)]


defop("ReaderReadV2", infer=_read_infer, bind=_read_bind, stateful=True,
      not_differentiable=True)
