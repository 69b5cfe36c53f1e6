"""tf.keras.backend: the session Keras runs in, the learning phase, variable values, names.

Keras builds ops in the default graph and runs them in one session per graph (created on first
use, or given with ``set_session``); ``clear_session`` starts a fresh graph and session and
resets the layer-name counters (dense, dense_1, ...).
"""

from __future__ import annotations

import re
import weakref

import numpy as np

from ..client.session import Session
from ..framework import dtypes
from ..framework.ops import Tensor, convert_to_tensor, get_default_graph, reset_default_graph
from ..ops import array_ops, control_flow_ops
from ..ops._util import constant_value

_FLOATX = "float32"
_EPSILON = 1e-7
_sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # graph -> Session
_learning_phases: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> tensor
_uids: dict[str, int] = {}


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}; use 'float16', 'float32' or "
                         "'float64'")
    _FLOATX = value


def epsilon() -> float:
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    return "channels_last"


def backend() -> str:
    return "tensorflow"


# ---- sessions ------------------------------------------------------------------------------
def get_session(graph=None) -> Session:
    """The session Keras uses for ``graph`` (the default graph), created on first use."""
    graph = graph or get_default_graph()
    sess = _sessions.get(graph)
    if sess is None or sess.closed:
        sess = _sessions[graph] = Session(graph=graph)
    return sess


def set_session(session: Session) -> None:
    """Makes Keras run the models of ``session.graph`` in ``session``."""
    _sessions[session.graph] = session


def clear_session() -> None:
    """Forgets every model: a new default graph and session, layer names counted afresh."""
    graph = get_default_graph()
    old = _sessions.pop(graph, None)
    if old is not None:
        old.close()
    reset_default_graph()
    _uids.clear()


def reset_uids() -> None:
    _uids.clear()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3... per prefix (Keras' unique layer-name counter)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def unique_object_name(base: str) -> str:
    """"dense", then "dense_1", "dense_2"... until clear_session."""
    n = get_uid(base)
    return base if n == 1 else f"{base}_{n - 1}"


def to_snake_case(name: str) -> str:
    """Keras' layer-name rule: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, LeakyReLU ->
    leaky_re_lu."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


# ---- learning phase ------------------------------------------------------------------------
def learning_phase(graph=None) -> Tensor:
    """A bool tensor, False unless fed True (fit feeds True: dropout on, batch statistics)."""
    graph = graph or get_default_graph()
    t = _learning_phases.get(graph)
    if t is None:
        with graph.as_default(), graph.name_scope(None), graph.control_dependencies(None):
            t = array_ops.placeholder_with_default(np.array(False), shape=(),
                                                   name="keras_learning_phase")
        _learning_phases[graph] = t
    return t


def training_flag(training=None, graph=None):
    """``training`` as a Python bool when it is known while building the graph (a bool, or a
    constant tensor), else as a scalar bool tensor; None means the learning phase."""
    if training is None:
        return learning_phase(graph)
    if isinstance(training, (bool, np.bool_, int, np.integer)):
        return bool(training)
    t = convert_to_tensor(training)
    value = constant_value(t)
    if value is not None:
        return bool(value)
    return t if t.dtype is dtypes.bool else array_ops.cast(t, dtypes.bool)


def in_train_phase(x, alt, training=None):
    """``x`` while training, else ``alt`` (each a tensor or a function returning one).

    A tensor flag (the learning phase, or a ``training`` placeholder) switches with
    ``tf.cond``, so only the chosen side runs: ``predict`` draws no dropout mask.

    >>> y = K.in_train_phase(lambda: tf.nn.dropout(h, rate=0.5), h)
    """
    flag = training_flag(training)
    if not isinstance(flag, Tensor):
        chosen = x if flag else alt
        return chosen() if callable(chosen) else chosen
    return control_flow_ops.cond(flag, x if callable(x) else lambda: x,
                                 alt if callable(alt) else lambda: alt)


def set_learning_phase(value) -> None:
    raise NotImplementedError("set_learning_phase is not supported: fit feeds the learning "
                              "phase; predict and evaluate run in inference mode")


# ---- values --------------------------------------------------------------------------------
def _session_of(x) -> Session:
    return get_session(x.graph)


def get_value(x):
    """The value of a variable or tensor (a NumPy array); plain numbers are returned as is."""
    if isinstance(x, Tensor):
        from ..variables import Variable
        sess = _session_of(x)
        if isinstance(x, Variable):
            if not sess.is_initialized(x):
                sess.run(x.initializer)
            return sess.read_variable(x)
        return sess.run(x)
    if hasattr(x, "numpy"):
        return x.numpy()
    return x


def batch_get_value(xs) -> list:
    return [get_value(x) for x in xs]


def set_value(x, value) -> None:
    """Writes ``value`` into the variable ``x`` (in Keras' session for its graph)."""
    from ..variables import Variable
    if not isinstance(x, Variable):
        raise TypeError(f"set_value needs a variable, got {x!r}")
    _session_of(x).write_variable(x, np.asarray(value, dtype=x.dtype.as_numpy_dtype))


def batch_set_value(pairs) -> None:
    for x, value in pairs:
        set_value(x, value)


def variable(value, dtype=None, name=None):
    from ..variables import Variable
    dt = dtypes.as_dtype(dtype or floatx())
    return Variable(np.asarray(value, dtype=dt.as_numpy_dtype), name=name)


def eval(x):  # noqa: A001 - Keras' public name
    return get_value(x)


def int_shape(x) -> tuple | None:
    s = x.shape
    return None if s.ndims is None else tuple(s.as_list())


def ndim(x) -> int | None:
    return x.shape.ndims


def dtype(x) -> str:
    return x.dtype.name


def is_keras_tensor(x) -> bool:
    return isinstance(x, Tensor) and hasattr(x, "_keras_history")
