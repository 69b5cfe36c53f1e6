"""tf.keras.backend: the session Keras runs in, the learning phase, variable values, names.

Keras builds ops in the default graph and runs them in one session per graph (created on first
use, or given with ``set_session``); ``clear_session`` starts a fresh graph and session and
resets the layer-name counters (dense, dense_1, ...).
"""

from __future__ import annotations

import re
import sys
import weakref

import numpy as np

from ..client.session import Session
from ..framework import dtypes
from ..framework.ops import (
    Tensor,
    convert_to_tensor,
    executing_eagerly,
    get_default_graph,
    reset_default_graph,
)
from ..ops import array_ops, control_flow_ops
from ..ops._util import constant_value

# Keras 2.2 programs import `keras.backend.tensorflow_backend` (set_session, get_session...):
# it is this module. An empty __path__ lets the import system look for submodules of this
# module (under the runner's names too) instead of refusing at once.
sys.modules[__name__ + ".tensorflow_backend"] = sys.modules[__name__]
__path__: list = []

_FLOATX = "float32"
_EPSILON = 1e-7
_sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # graph -> Session
_learning_phases: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> tensor
_fixed_phases: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> 0 / 1
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


# ---- the graph of symbolic Keras tensors in eager mode -------------------------------------
_keras_graph = None


def get_graph():
    """Where Keras builds symbolic tensors (Input, a model's layer graph, fit's step): the
    default graph in TF1 mode; in eager mode one function graph (as TF2's Keras), whose
    variables are eager ones and whose steps run on the eager state."""
    global _keras_graph
    if not executing_eagerly():
        return get_default_graph()
    if _keras_graph is None:
        from ..def_function import FuncGraph
        _keras_graph = FuncGraph("keras_graph")
    return _keras_graph


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
    _fixed_phases.pop(graph, None)
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
def learning_phase(graph=None):
    """A bool tensor, False unless fed True (fit feeds True: dropout on, batch statistics);
    the int 0 or 1 after ``set_learning_phase``."""
    graph = graph or get_default_graph()
    fixed = _fixed_phases.get(graph)
    return fixed if fixed is not None else learning_phase_tensor(graph)


def learning_phase_tensor(graph=None) -> Tensor:
    """The learning-phase placeholder itself (fit feeds it even when the phase is fixed)."""
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
        phase = learning_phase(graph)
        return bool(phase) if isinstance(phase, int) else phase
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
    """Fixes the learning phase of the default graph to 0 (test) or 1 (train) for the layers
    called from now on (Keras 2): they then build only that side."""
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1, got {value!r}")
    _fixed_phases[get_default_graph()] = int(value)


# ---- values --------------------------------------------------------------------------------
def initialize_variables(sess: Session) -> None:
    """Initializes the global variables of ``sess.graph`` not yet initialized in ``sess``
    (Keras 2's session does this for the variables it meets: ``K.variable`` needs no
    initializer run)."""
    from ..variables import global_variables
    with sess.graph.as_default():
        todo = [v.initializer for v in global_variables() if not sess.is_initialized(v)]
    if todo:
        sess.run(todo)


def _session_of(x) -> Session:
    return get_session(x.graph)


def get_value(x):
    """The value of a variable or tensor (a NumPy array); plain numbers are returned as is."""
    if hasattr(x, "numpy"):  # eager tensors and variables
        return x.numpy()
    if isinstance(x, Tensor):
        from ..variables import Variable
        sess = _session_of(x)
        if isinstance(x, Variable):
            if not sess.is_initialized(x):
                sess.run(x.initializer)
            return sess.read_variable(x)
        initialize_variables(sess)
        return sess.run(x)
    return x


def batch_get_value(xs) -> list:
    return [get_value(x) for x in xs]


def set_value(x, value) -> None:
    """Writes ``value`` into the variable ``x`` (in Keras' session for its graph)."""
    from ..variables import Variable
    if not isinstance(x, Variable):
        raise TypeError(f"set_value needs a variable, got {x!r}")
    if hasattr(x, "_eager_cell"):
        x.load(np.asarray(value, dtype=x.dtype.as_numpy_dtype))
        return
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


# ---- Keras 2's backend functions: thin wrappers over tf ops ---------------------------------
# (Keras 2's argument order: K.categorical_crossentropy(target, output).)
def _tf():
    import tensorfluxo
    return tensorfluxo


def _floats(x):
    """Bools averaged or summed count as floatx (Keras casts them first)."""
    x = convert_to_tensor(x)
    return array_ops.cast(x, floatx()) if x.dtype is dtypes.bool else x


def _reduction(tf_name: str, doc: str):
    def fn(x, axis=None, keepdims: bool = False):
        return getattr(_tf(), tf_name)(_floats(x), axis=axis, keepdims=keepdims)
    fn.__name__, fn.__doc__ = tf_name[len("reduce_"):], doc
    return fn


mean = _reduction("reduce_mean", "Mean over ``axis`` (all axes when None).")
sum = _reduction("reduce_sum", "Sum over ``axis`` (all axes when None).")  # noqa: A001
prod = _reduction("reduce_prod", "Product over ``axis``.")
max = _reduction("reduce_max", "Maximum over ``axis``.")  # noqa: A001
min = _reduction("reduce_min", "Minimum over ``axis``.")  # noqa: A001


def var(x, axis=None, keepdims: bool = False):
    tf = _tf()
    x = _floats(x)
    m = tf.reduce_mean(x, axis=axis, keepdims=True)
    return tf.reduce_mean(tf.square(x - m), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims: bool = False):
    return _tf().sqrt(var(x, axis, keepdims))


def any(x, axis=None, keepdims: bool = False):  # noqa: A001
    return _tf().reduce_any(cast(x, "bool"), axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims: bool = False):  # noqa: A001
    return _tf().reduce_all(cast(x, "bool"), axis=axis, keepdims=keepdims)


def logsumexp(x, axis=None, keepdims: bool = False):
    tf = _tf()
    m = tf.stop_gradient(tf.reduce_max(x, axis=axis, keepdims=True))
    out = tf.log(tf.reduce_sum(tf.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else tf.squeeze(out, axis=axis)


def _unary(tf_name: str):
    def fn(x):
        return getattr(_tf(), tf_name)(x)
    fn.__name__ = fn.__qualname__ = tf_name
    fn.__doc__ = f"tf.{tf_name}, elementwise."
    return fn


square, abs, exp, log, round, sign = map(_unary, ("square", "abs", "exp", "log",  # noqa: A001
                                                  "round", "sign"))
sin, cos, tanh, sigmoid, softplus, softsign = map(_unary, ("sin", "cos", "tanh", "sigmoid",
                                                           "softplus", "softsign"))
identity, stop_gradient = _unary("identity"), _unary("stop_gradient")


def _binary(tf_name: str):
    def fn(x, y):
        return getattr(_tf(), tf_name)(x, y)
    fn.__name__ = fn.__qualname__ = tf_name
    fn.__doc__ = f"tf.{tf_name}, elementwise with broadcasting."
    return fn


equal, not_equal, greater, greater_equal, less, less_equal, maximum, minimum = map(
    _binary, ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
              "maximum", "minimum"))


def sqrt(x):
    """sqrt of x clipped at 0 (Keras: no NaN for tiny negative rounding errors)."""
    tf = _tf()
    return tf.sqrt(tf.maximum(x, 0.0))


def pow(x, a):  # noqa: A001
    return _tf().pow(x, a)


def clip(x, min_value=None, max_value=None):
    """x clipped to [min_value, max_value]; None is unbounded; max < min clips at min."""
    lo = -np.inf if min_value is None else min_value
    hi = np.inf if max_value is None else max_value
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and hi < lo:
        hi = lo
    return _tf().clip_by_value(x, lo, hi)


def relu(x, alpha: float = 0.0, max_value=None, threshold: float = 0.0):
    from .activations import relu as _relu
    return _relu(x, alpha, max_value, threshold)


def elu(x, alpha: float = 1.0):
    from .activations import elu as _elu
    return _elu(x, alpha)


def softmax(x, axis: int = -1):
    return _tf().nn.softmax(x, axis=axis)


def hard_sigmoid(x):
    from .activations import hard_sigmoid as _hs
    return _hs(x)


# ---- shapes --------------------------------------------------------------------------------
def shape(x):
    """The dynamic shape: an int32 tensor (``int_shape`` gives the static one)."""
    return _tf().shape(x)


def cast(x, dtype):
    return _tf().cast(x, dtype)


def reshape(x, shape):
    return _tf().reshape(x, shape)


def transpose(x):
    return _tf().transpose(x)


def permute_dimensions(x, pattern):
    return _tf().transpose(x, perm=list(pattern))


def expand_dims(x, axis: int = -1):
    return _tf().expand_dims(x, axis)


def squeeze(x, axis: int):
    return _tf().squeeze(x, [axis])


def concatenate(tensors, axis: int = -1):
    tensors = [convert_to_tensor(t) for t in tensors]
    if axis < 0:
        rank = tensors[0].shape.ndims
        axis = axis % rank if rank else 0
    return _tf().concat(tensors, axis)


def stack(x, axis: int = 0):
    return _tf().stack(x, axis=axis)


def tile(x, n):
    return _tf().tile(x, [n] if isinstance(n, int) else n)


def repeat_elements(x, rep: int, axis: int):
    """Each slice along ``axis`` repeated ``rep`` times (np.repeat)."""
    tf = _tf()
    x = convert_to_tensor(x)
    shape_ = x.shape.as_list()
    if shape_[axis] is None:
        raise ValueError("repeat_elements needs a known size along the repeated axis, got "
                         f"shape {tuple(shape_)} and axis {axis}")
    parts = tf.split(x, shape_[axis], axis=axis)
    return tf.concat([p for p in parts for _ in range(rep)], axis)


def repeat(x, n: int):
    """(batch, dim) -> (batch, n, dim)."""
    tf = _tf()
    return tf.tile(tf.expand_dims(x, 1), [1, n, 1])


def flatten(x):
    return _tf().reshape(x, [-1])


def batch_flatten(x):
    tf = _tf()
    return tf.reshape(x, tf.stack([tf.shape(x)[0], -1]))


def gather(reference, indices):
    return _tf().gather(reference, indices)


def one_hot(indices, num_classes: int):
    return _tf().one_hot(indices, num_classes)


def argmax(x, axis: int = -1):
    return _tf().argmax(x, axis)


def argmin(x, axis: int = -1):
    return _tf().argmin(x, axis)


def cumsum(x, axis: int = 0):
    return _tf().cumsum(x, axis=axis)


def arange(start, stop=None, step=1, dtype="int32"):
    if stop is None:
        start, stop = 0, start
    return _tf().range(start, stop, step, dtype=dtype)


def reverse(x, axes):
    return _tf().reverse(x, [axes] if isinstance(axes, int) else list(axes))


def cast_to_floatx(x):
    return np.asarray(x, dtype=floatx())


def map_fn(fn, elems, name=None, dtype=None):
    return _tf().map_fn(fn, elems, dtype=dtype, name=name)


def foldl(fn, elems, initializer=None, name=None):
    return _tf().foldl(fn, elems, initializer=initializer, name=name)


def foldr(fn, elems, initializer=None, name=None):
    return _tf().foldr(fn, elems, initializer=initializer, name=name)


# ---- convolutions (channels_last) ------------------------------------------------------------
def _channels_last(data_format) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"tensorfluxo's Keras backend supports data_format='channels_last' "
                         f"only, got {data_format!r}")


def conv1d(x, kernel, strides: int = 1, padding: str = "valid", data_format=None,
           dilation_rate: int = 1):
    _channels_last(data_format)
    return _tf().nn.conv1d(x, kernel, strides, padding.upper(), dilations=dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding: str = "valid", data_format=None,
           dilation_rate=(1, 1)):
    _channels_last(data_format)
    return _tf().nn.conv2d(x, kernel, [1, *strides, 1], padding.upper(),
                           dilations=[1, *dilation_rate, 1])


def pool2d(x, pool_size, strides=(1, 1), padding: str = "valid", data_format=None,
           pool_mode: str = "max"):
    _channels_last(data_format)
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"Invalid pool_mode: {pool_mode!r} (use 'max' or 'avg')")
    pool = _tf().nn.max_pool if pool_mode == "max" else _tf().nn.avg_pool
    return pool(x, [1, *pool_size, 1], [1, *strides, 1], padding.upper())


def bias_add(x, bias, data_format=None):
    _channels_last(data_format)
    return _tf().nn.bias_add(x, bias)


def batch_normalization(x, mean, var, beta, gamma, axis: int = -1, epsilon: float = 1e-3):
    return _tf().nn.batch_normalization(x, mean, var, beta, gamma, epsilon)


# ---- products --------------------------------------------------------------------------------
def dot(x, y):
    """Matrix product; for rank > 2, Keras' (and Theano's) rule: the last axis of x with the
    second-to-last of y, e.g. (2, 3, 4) . (4, 5) -> (2, 3, 5)."""
    tf = _tf()
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    rx, ry = x.shape.ndims, y.shape.ndims
    if rx <= 2 and ry <= 2:
        return tf.matmul(x, y)
    xs, ys = x.shape.as_list(), y.shape.as_list()
    if ry > 2:  # move y's second-to-last axis to the front: (k, rest...)
        perm = [ry - 2] + [i for i in range(ry) if i != ry - 2]
        y2 = tf.reshape(tf.transpose(y, perm), [ys[-2], -1])
        yrest = [d for i, d in enumerate(ys) if i != ry - 2]
    else:
        y2, yrest = y, ys[1:]
    out = tf.matmul(tf.reshape(x, [-1, xs[-1]]), y2)
    lead = [d if d is not None else -1 for d in xs[:-1]]
    if lead.count(-1) > 1:
        lead = tf.unstack(tf.shape(x))[:-1]
    return tf.reshape(out, list(lead) + yrest)


def batch_dot(x, y, axes=None):
    """Per-sample dot products over ``axes`` (Keras 2): (b, n) . (b, n) -> (b, 1);
    (b, n, k) . (b, k, m) -> (b, n, m) with axes (2, 1)."""
    tf = _tf()
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    rx, ry = x.shape.ndims, y.shape.ndims
    if axes is None:
        axes = (rx - 1, ry - 2 if ry > 2 else ry - 1)
    if isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = (a % r for a, r in zip(axes, (rx, ry)))
    if rx == 2 and ry == 2:
        if ax != 1 or ay != 1:
            raise ValueError(f"batch_dot of two matrices takes axes 1, got {axes}")
        return tf.reduce_sum(x * y, axis=1, keepdims=True)
    if rx != 3 and ry != 3 and not (rx in (2, 3) and ry in (2, 3)):
        raise ValueError(f"batch_dot supports ranks 2 and 3 here, got shapes {x.shape} and "
                         f"{y.shape}")
    xe = tf.expand_dims(x, 1) if rx == 2 else x          # (b, 1, k)
    ye = tf.expand_dims(y, 2) if ry == 2 else y          # (b, k, 1)
    ax, ay = (2 if rx == 2 else ax), (1 if ry == 2 else ay)
    out = tf.matmul(xe, ye, adjoint_a=ax == 1, adjoint_b=ay == 2)
    if rx == 2:
        out = tf.squeeze(out, [1])
    if ry == 2:
        out = tf.squeeze(out, [-1])
    return out if out.shape.ndims > 1 else tf.expand_dims(out, 1)


def l2_normalize(x, axis=None):
    return _tf().nn.l2_normalize(x, axis=axis)


# ---- losses (Keras 2 order: target, output) ------------------------------------------------
def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    from . import losses
    return losses.categorical_crossentropy(target, output, from_logits=from_logits)


def sparse_categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    from . import losses
    return losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits)


def binary_crossentropy(target, output, from_logits: bool = False):
    """Elementwise (no mean over the last axis, as Keras 2's backend)."""
    from . import losses
    return losses._binary_crossentropy_elems(target, output, from_logits)


# ---- random ----------------------------------------------------------------------------------
def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _tf().random_normal(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _tf().random_uniform(shape, minval, maxval, dtype=dtype or floatx(), seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _tf().truncated_normal(shape, mean, stddev, dtype=dtype or floatx(), seed=seed)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    tf = _tf()
    dt = dtype or floatx()
    return tf.cast(tf.random_uniform(shape, dtype=dt, seed=seed) < p, dt)


def dropout(x, level, noise_shape=None, seed=None):
    return _tf().nn.dropout(x, rate=level, noise_shape=noise_shape, seed=seed)


# ---- tensors and variables -------------------------------------------------------------------
def placeholder(shape=None, ndim=None, dtype=None, sparse: bool = False, name=None):
    if shape is None and ndim is not None:
        shape = (None,) * ndim
    return array_ops.placeholder(dtype or floatx(), shape, name=name)


def constant(value, dtype=None, shape=None, name=None):
    return _tf().constant(value, dtype=dtype or floatx(), shape=shape, name=name)


def zeros(shape, dtype=None, name=None):
    """A variable of zeros (Keras 2: zeros/ones/eye are variables)."""
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):
    return variable(np.eye(size), dtype, name)


def zeros_like(x, dtype=None, name=None):
    return _tf().zeros_like(x, dtype=dtype, name=name)


def ones_like(x, dtype=None, name=None):
    return _tf().ones_like(x, dtype=dtype, name=name)


def count_params(x) -> int:
    return int(np.prod(int_shape(x), dtype=np.int64))


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def is_placeholder(x) -> bool:
    return isinstance(x, Tensor) and x.op.type in ("Placeholder", "PlaceholderWithDefault")


def update(x, new_x):
    return _tf().assign(x, new_x)


def update_add(x, increment):
    return _tf().assign_add(x, increment)


def update_sub(x, decrement):
    return _tf().assign_sub(x, decrement)


def moving_average_update(x, value, momentum):
    """x <- x * momentum + value * (1 - momentum)."""
    return _tf().assign(x, x * momentum + value * (1.0 - momentum))


def name_scope(name):
    return get_default_graph().name_scope(name)


# ---- control flow ------------------------------------------------------------------------------
def switch(condition, then_expression, else_expression):
    """A scalar condition picks a side with tf.cond (each side a tensor or a function); a
    tensor condition picks elementwise (its shape broadcast to the sides')."""
    tf = _tf()
    cond_t = convert_to_tensor(condition)
    if cond_t.dtype is not dtypes.bool:
        cond_t = tf.cast(cond_t, dtypes.bool)
    if cond_t.shape.ndims == 0:
        return control_flow_ops.cond(
            cond_t, then_expression if callable(then_expression) else lambda: then_expression,
            else_expression if callable(else_expression) else lambda: else_expression)
    then_t = then_expression() if callable(then_expression) else then_expression
    else_t = else_expression() if callable(else_expression) else else_expression
    then_t = convert_to_tensor(then_t)
    for _ in range(then_t.shape.ndims - cond_t.shape.ndims):
        cond_t = tf.expand_dims(cond_t, -1)
    return tf.where_v2(cond_t, then_t, else_t)


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training)


class Function:
    """``K.function(inputs, outputs, updates)``: called with a list of input values, runs the
    outputs (and updates) in Keras' session and returns the outputs' values as a list."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        self.inputs = list(inputs)
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self._single = not isinstance(outputs, (list, tuple))
        ups = []
        for u in updates or []:
            ups.append(_tf().assign(u[0], u[1]).op if isinstance(u, tuple) else u)
        self._fetches = self.outputs + ([control_flow_ops.group(*ups)] if ups else [])

    def __call__(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != len(self.inputs):
            raise ValueError(f"This function takes {len(self.inputs)} input(s) "
                             f"{[t.name for t in self.inputs]}, got {len(inputs)}")
        graph = (self.outputs or self.inputs)[0].graph
        sess = get_session(graph)
        initialize_variables(sess)
        feed = {}
        for t, v in zip(self.inputs, inputs):
            feed[t] = np.asarray(v, dtype=t.dtype.as_numpy_dtype)
        values = sess.run(self._fetches, feed)[:len(self.outputs)]
        return values


def function(inputs, outputs, updates=None, name=None, **kwargs) -> Function:
    """A callable that runs ``outputs`` for given input values:
    ``f = K.function([model.input, K.learning_phase()], [layer.output]); f([x, 0])``."""
    return Function(inputs, outputs, updates, name)


def gradients(loss, variables):
    return _tf().gradients(loss, variables)


def print_tensor(x, message: str = ""):
    """x, printing ``message`` and its value each time it is computed."""
    tf = _tf()
    with get_default_graph().control_dependencies([tf.print(message, x)]):
        return tf.identity(x)


def __getattr__(name: str):
    import difflib
    close = difflib.get_close_matches(name, [n for n in globals() if not n.startswith("_")],
                                      n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise AttributeError(f"module 'keras.backend' has no attribute {name!r}: tensorfluxo's "
                         f"Keras backend has no function {name!r}.{hint}")
