"""tf.summary.FileWriter: TensorBoard event files written by the tensorboard package's writer.

    >>> writer = tf.summary.FileWriter("tf_logs/run-1", tf.get_default_graph())
    >>> writer.add_summary(mse_summary.eval(feed_dict=feed), global_step=step)
    >>> writer.close()

Events are collected in memory and handed to tensorboard's EventFileWriter (whose thread writes
them) `max_queue` at a time, and every `flush_secs`, flush() and close(): waking that thread once
per event would cost a training loop more than the event itself. As in TF1, what was added is on
disk within `flush_secs`; writers left open are closed when the interpreter exits.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import types
from typing import Any

import numpy as np

from tensorfluxo.summary.summary_proto import protos

# Writers still open at interpreter exit are closed then, so queued events reach the disk.
_open_writers: set = set()


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_open_writers):
        writer.close()


def _event_file_writer_class():
    # tensorboard's writer resolves its file API through `tensorboard.compat.tf`, which imports
    # the real TensorFlow when it is installed. Registering `tensorboard.compat.notf` (the
    # module tensorboard's own no-TensorFlow build provides) makes it use its built-in stub.
    real_tf = sys.modules.get("tensorflow")
    # under `python -m tensorfluxo.run`, "tensorflow" is tensorfluxo itself: not a TF for it
    if real_tf is None or getattr(real_tf, "__name__", "").startswith("tensorfluxo"):
        name = "tensorboard.compat.notf"
        sys.modules.setdefault(name, types.ModuleType(name))
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    return EventFileWriter


def _graph_def_of(graph: Any):
    """A tensorboard GraphDef proto from a Graph (via as_graph_def) or a GraphDef."""
    from tensorboard.compat.proto import graph_pb2

    if isinstance(graph, graph_pb2.GraphDef):
        return graph
    if isinstance(graph, bytes):
        return graph_pb2.GraphDef.FromString(graph)
    if hasattr(graph, "as_graph_def"):
        # The shapes let TensorBoard label the edges, as TF1's FileWriter does.
        graph_def = graph.as_graph_def(add_shapes=True)
        if isinstance(graph_def, graph_pb2.GraphDef):
            return graph_def
        # Another protobuf class with the same schema (e.g. a GraphDef built elsewhere).
        return graph_pb2.GraphDef.FromString(graph_def.SerializeToString())
    raise TypeError(
        f"FileWriter needs a Graph or a GraphDef to write a graph, got {type(graph).__name__}"
    )


class FileWriter:
    """Writes summaries and the graph to an event file in `logdir` for `tensorboard --logdir`.

    The logdir is created if missing. `session` is accepted for TF1 compatibility and unused.
    """

    def __init__(
        self,
        logdir: str | os.PathLike,
        graph: Any = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        graph_def: Any = None,
        filename_suffix: str | None = None,
        session: Any = None,
    ) -> None:
        self._logdir = os.fspath(logdir)
        if os.path.exists(self._logdir) and not os.path.isdir(self._logdir):
            raise NotADirectoryError(
                f"FileWriter logdir '{self._logdir}' exists and is not a directory"
            )
        os.makedirs(self._logdir, exist_ok=True)
        self._options = (max_queue, flush_secs, filename_suffix or "")
        self._seen_tags: set[str] = set()
        self._pending: list = []
        self._lock = threading.Lock()  # the flush ticker thread shares _pending and _writer
        self._writer = None
        self.reopen()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def get_logdir(self) -> str:
        """The directory this writer writes event files into."""
        return self._logdir

    def reopen(self) -> None:
        """Start a new event file after close(); does nothing if the writer is open."""
        with self._lock:
            if self._writer is None:
                max_queue, flush_secs, suffix = self._options
                self._writer = _event_file_writer_class()(
                    self._logdir, max_queue, flush_secs, suffix
                )
                self._stop_ticker = threading.Event()
                threading.Thread(
                    target=self._tick, args=(self._stop_ticker, flush_secs), daemon=True
                ).start()
                _open_writers.add(self)

    def _tick(self, stop: threading.Event, flush_secs: float) -> None:
        while not stop.wait(flush_secs):
            self.flush()

    def _hand_off(self) -> None:
        """Give the pending events to tensorboard's writer (caller holds self._lock)."""
        for event in self._pending:
            self._writer.add_event(event)
        self._pending.clear()

    def add_event(self, event: Any) -> None:
        """Queue an Event protobuf for writing."""
        _, event_pb2 = protos()
        if not isinstance(event, event_pb2.Event):
            raise TypeError(f"add_event needs an Event protobuf, got {type(event).__name__}")
        with self._lock:
            if self._writer is None:
                raise RuntimeError(
                    f"FileWriter for '{self._logdir}' is closed; call reopen() to write again"
                )
            self._pending.append(event)
            if len(self._pending) >= self._options[0]:
                self._hand_off()

    def add_summary(self, summary: Any, global_step: int | None = None) -> None:
        """Queue a Summary (the bytes a summary op evaluates to, or a Summary proto)."""
        summary_pb2, event_pb2 = protos()
        event = event_pb2.Event(wall_time=time.time())
        if global_step is not None:
            event.step = int(global_step)
        if isinstance(summary, np.ndarray) and summary.ndim == 0:
            summary = summary.item()  # the 0-d object array a session may return
        if isinstance(summary, (bytes, np.bytes_)):
            try:
                event.summary.ParseFromString(bytes(summary))
            except Exception as exc:  # protobuf's DecodeError type varies by backend
                raise ValueError(
                    f"add_summary: {len(summary)} bytes are not a serialized Summary: {exc}"
                ) from None
        elif isinstance(summary, summary_pb2.Summary):
            event.summary.CopyFrom(summary)
        else:
            name = getattr(summary, "name", None)
            what = f"{type(summary).__name__} '{name}'" if name else type(summary).__name__
            hint = ""
            if hasattr(summary, "op"):
                hint = "; evaluate the summary op first (sess.run(summary) or summary.eval())"
            raise TypeError(
                f"add_summary needs serialized Summary bytes or a Summary proto, got {what}{hint}"
            )
        # As TF1: a plugin's metadata is written with the first event of a tag only.
        for value in event.summary.value:
            if value.tag in self._seen_tags:
                value.ClearField("metadata")
            elif value.HasField("metadata"):
                self._seen_tags.add(value.tag)
        self.add_event(event)

    def add_graph(self, graph: Any, global_step: int | None = None, graph_def: Any = None) -> None:
        """Queue the graph (a Graph, or a GraphDef) for TensorBoard's Graphs tab."""
        _, event_pb2 = protos()
        if graph is not None and graph_def is not None:
            raise ValueError("add_graph: give either graph or graph_def, not both")
        proto = _graph_def_of(graph if graph is not None else graph_def)
        event = event_pb2.Event(wall_time=time.time(), graph_def=proto.SerializeToString())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_run_metadata(self, run_metadata: Any, tag: str, global_step: int | None = None) -> None:
        """Accepted for TF1 compatibility; tensorfluxo collects no run metadata, so no-op."""

    def flush(self) -> None:
        """Block until every event added so far is on disk."""
        with self._lock:
            if self._writer is not None:
                self._hand_off()
                self._writer.flush()

    def close(self) -> None:
        """Write everything, close the event file. Safe to call twice."""
        with self._lock:
            if self._writer is not None:
                self._hand_off()
                self._writer.close()
                self._writer = None
                self._stop_ticker.set()
                _open_writers.discard(self)

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class FileWriterCache:
    """One FileWriter per log directory, shared by whoever asks (tf.summary.FileWriterCache,
    used by estimators and TF1 hooks)."""

    _writers: dict[str, FileWriter] = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir: str) -> FileWriter:
        """The cached writer for ``logdir`` (created, with the default graph, on first use)."""
        key = os.path.abspath(os.fspath(logdir))
        with FileWriterCache._lock:
            writer = FileWriterCache._writers.get(key)
            if writer is None:
                from tensorfluxo.framework.ops import get_default_graph
                writer = FileWriterCache._writers[key] = FileWriter(logdir,
                                                                    graph=get_default_graph())
            return writer

    @staticmethod
    def clear() -> None:
        """Closes and forgets every cached writer."""
        with FileWriterCache._lock:
            writers, FileWriterCache._writers = FileWriterCache._writers, {}
        for w in writers.values():
            w.close()
