"""Session: owns variable values and random state (a ``RunState``) and caches run plans.

``run`` flattens the fetch structure, compiles a plan per (fetches, feeds) signature through the
executor (client/executor.py) on first use, and later only calls it, copying what may alias
session state and rebuilding the caller's structure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import numpy as np

from ..framework import errors, run_context
from ..framework.ops import (
    Graph,
    default_session,
    executing_eagerly,
    get_default_graph,
    get_default_session,
)
from ..ops.indexed_slices import IndexedSlices, IndexedSlicesValue
from .config import check_target, placement_logger
from .executor import RunState

__all__ = ["BaseSession", "Session", "InteractiveSession", "get_default_session"]


class BaseSession(RunState):
    def __init__(self, target: str = "", graph: Graph | None = None, config=None):
        check_target(target)
        super().__init__()
        self._log_placement = placement_logger(config)
        if graph is None and executing_eagerly():
            raise RuntimeError(
                "tf.Session() is not compatible with eager execution: ops run at once and "
                "tensor.numpy() gives their values. Build a graph inside `with "
                "tf.Graph().as_default():` to run it in a Session, or call "
                "tf.compat.v1.disable_eager_execution() at program start.")
        self.graph = graph if graph is not None else get_default_graph()
        self._plans: dict = {}
        self._closed = False
        self._default_ctx = None

    # ---- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Frees variable values and plans; later runs raise RuntimeError."""
        self._closed = True
        self.clear()
        self._plans.clear()

    @contextlib.contextmanager
    def as_default(self):
        """Makes this the default session (for Tensor.eval / Operation.run) in a block."""
        with default_session(self), self.graph.as_default():
            yield self

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
    def closed(self) -> bool:
        return self._closed

    @property
    def sess_str(self) -> str:
        return ""

    def list_devices(self):
        return ["/job:localhost/replica:0/task:0/device:CPU:0"]

    # ---- run -------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Evaluates ``fetches`` (any nesting of lists, tuples, dicts and namedtuples of tensors,
        ops, variables and names) with ``feed_dict`` and returns the same structure."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        if options is not None:  # its deadline, for kernels that block (queue ops)
            run_context.set_timeout(getattr(options, "timeout_in_ms", 0))
            try:
                return self.run(fetches, feed_dict)
            finally:
                run_context.set_timeout(None)
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
        plan = self.compile(items, feeds)
        if self._log_placement is not None:
            self._log_placement(plan.ops)
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
    if isinstance(x, IndexedSlices):
        parts = [x.values, x.indices] + ([x.dense_shape] if x.dense_shape is not None else [])
        return (_slices_value, [_flatten(e, leaves) for e in parts])
    leaves.append(x)
    return len(leaves) - 1


def _slices_value(values, indices, dense_shape=None):
    return IndexedSlicesValue(values, indices, dense_shape)


def _rebuild(treedef, values):
    if type(treedef) is int:
        return values[treedef]
    kind, children = treedef
    if kind is list:
        return [_rebuild(c, values) for c in children]
    if kind is tuple:
        return tuple(_rebuild(c, values) for c in children)
    if kind is _slices_value or issubclass(kind, tuple):
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
    copies = plan.copy_flags
    n = len(copies)
    if type(treedef) is int:
        c = copies[0]

        def run_single(feed_vals):
            return _output(plan(feed_vals)[0], c)
        return run_single

    if treedef[0] is list and all(type(c) is int for c in treedef[1]) and \
            list(treedef[1]) == list(range(n)):
        def run_list(feed_vals):
            vals = plan(feed_vals)
            return [_output(vals[i], copies[i]) for i in range(n)]
        return run_list

    def run_nested(feed_vals):
        vals = plan(feed_vals)
        return _rebuild(treedef, [_output(vals[i], copies[i]) for i in range(n)])
    return run_nested
