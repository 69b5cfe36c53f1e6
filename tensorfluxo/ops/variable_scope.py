"""variable_scope / get_variable: named, shareable variables (TF1 semantics).

``with tf.variable_scope("relu"): tf.get_variable("threshold", ...)`` creates "relu/threshold";
creating it again fails unless the scope reuses (reuse=True or tf.AUTO_REUSE); reusing a
variable that does not exist fails too. Each ``variable_scope`` also opens a name scope, so
ops get unique names ("relu", "relu_1") while variables keep the scope's name.
"""

from __future__ import annotations

import contextlib
import enum

from ..framework import dtypes
from ..framework.ops import GraphKeys, Tensor, add_to_collection, get_default_graph
from ..framework.tensor_shape import as_shape
from . import init_ops


class _ReuseMode(enum.Enum):
    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE


class VariableScope:
    """A variable scope: name prefix, reuse flag and defaults for get_variable."""

    def __init__(self, reuse, name="", initializer=None, regularizer=None, caching_device=None,
                 partitioner=None, custom_getter=None, name_scope="", dtype=dtypes.float32,
                 use_resource=None, constraint=None):
        self._name = name
        self._reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.custom_getter = custom_getter
        self.original_name_scope = name_scope
        self.dtype = dtypes.as_dtype(dtype)
        self.constraint = constraint
        self.caching_device = caching_device
        self.partitioner = partitioner
        self.use_resource = use_resource

    @property
    def name(self) -> str:
        return self._name

    @property
    def reuse(self):
        return self._reuse

    def reuse_variables(self) -> None:
        self._reuse = True

    def set_initializer(self, initializer) -> None:
        self.initializer = initializer

    def set_regularizer(self, regularizer) -> None:
        self.regularizer = regularizer

    def global_variables(self):
        from ..variables import global_variables
        return global_variables(self._name)

    def trainable_variables(self):
        from ..variables import trainable_variables
        return trainable_variables(self._name)

    def get_variable(self, name, shape=None, dtype=None, initializer=None, regularizer=None,
                     reuse=None, trainable=None, collections=None, **kwargs):
        full = f"{self._name}/{name}" if self._name else name
        if reuse is None:
            reuse = self._reuse
        return _get_or_create(full, shape, dtype or self.dtype,
                              initializer if initializer is not None else self.initializer,
                              regularizer if regularizer is not None else self.regularizer,
                              reuse, trainable, collections)


def _current_scope(graph=None) -> VariableScope:
    g = graph or get_default_graph()
    if g._var_scope is None:
        g._var_scope = VariableScope(False)
    return g._var_scope


def get_variable_scope() -> VariableScope:
    return _current_scope()


@contextlib.contextmanager
def variable_scope(name_or_scope=None, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Opens a variable scope (and a name scope) for get_variable."""
    g = get_default_graph()
    outer = _current_scope(g)
    if name_or_scope is None and default_name is None:
        raise TypeError("If default_name is None then name_or_scope is required")
    if reuse is False:
        reuse = None  # False means "inherit", as in TF1
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        base = name_or_scope
        ns_name = name_or_scope.original_name_scope
    else:
        if name_or_scope is None:
            name_or_scope = _unique_default(g, outer, default_name)
        full = f"{outer.name}/{name_or_scope}" if outer.name else name_or_scope
        base = outer
        ns_name = None
    new_reuse = True if outer.reuse is True else (reuse if reuse is not None else
                                                  (base.reuse if base is not outer else
                                                   outer.reuse))
    if reuse is AUTO_REUSE or (outer.reuse is AUTO_REUSE and reuse is None):
        new_reuse = AUTO_REUSE
    scope = VariableScope(new_reuse, full,
                          initializer if initializer is not None else base.initializer,
                          regularizer if regularizer is not None else base.regularizer,
                          caching_device, partitioner, custom_getter, "",
                          dtype if dtype is not None else base.dtype, use_resource, constraint)
    ctx = contextlib.ExitStack()
    with ctx:
        if auxiliary_name_scope:
            if ns_name:
                ns = ctx.enter_context(g.name_scope(ns_name))
            else:
                leaf = full.rsplit("/", 1)[-1]
                ns = ctx.enter_context(g.name_scope(leaf))
            scope.original_name_scope = ns
        g._var_scope = scope
        try:
            yield scope
        finally:
            g._var_scope = outer


def _unique_default(g, outer, default_name) -> str:
    prefix = f"{outer.name}/" if outer.name else ""
    counts = g.__dict__.setdefault("_scope_counts", {})
    key = prefix + default_name
    i = counts.get(key, 0)
    counts[key] = i + 1
    return default_name if i == 0 else f"{default_name}_{i}"


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 **kwargs):
    """Gets the variable ``scope/name``, creating it if the scope allows (see module doc)."""
    scope = _current_scope()
    return scope.get_variable(name, shape, dtype, initializer, regularizer,
                              trainable=trainable, collections=collections)


def _get_or_create(full, shape, dtype, initializer, regularizer, reuse, trainable, collections):
    from ..variables import Variable
    g = get_default_graph()
    existing = g._vars.get(full)
    if existing is not None:
        if reuse is False or reuse is None:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=tf.AUTO_REUSE in VarScope? Originally "
                             f"defined at: {existing.op._site}")
        if shape is not None and not as_shape(shape).is_compatible_with(existing.shape):
            raise ValueError(f"Trying to share variable {full}, but specified shape "
                             f"{as_shape(shape)} and found shape {existing.shape}.")
        if dtype is not None and dtypes.as_dtype(dtype) is not existing.dtype:
            raise ValueError(f"Trying to share variable {full}, but specified dtype "
                             f"{dtypes.as_dtype(dtype).name} and found dtype "
                             f"{existing.dtype.name}.")
        return existing
    if reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with "
                         "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                         "VarScope?")
    dt = dtypes.as_dtype(dtype or dtypes.float32)
    if isinstance(initializer, Tensor) or (initializer is not None and not callable(initializer)):
        if shape is not None and isinstance(initializer, Tensor) and \
                not as_shape(shape).is_compatible_with(initializer.shape):
            raise ValueError(f"The initializer's shape {initializer.shape} does not match the "
                             f"shape {as_shape(shape)} of variable {full}")
        init_value = initializer
        if not isinstance(initializer, Tensor):
            shape = None
    else:
        if shape is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but "
                             "instead was <unknown>.")
        shape = as_shape(shape)
        if not shape.is_fully_defined():
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but "
                             f"instead was {shape}.")
        if initializer is None:
            initializer = (init_ops.GlorotUniform() if dt.is_floating else init_ops.Zeros())
        shape_list = shape.as_list()

        def init_value():
            with g.name_scope(full + "/Initializer/"):
                return _call_initializer(initializer, shape_list, dt)
    trainable = True if trainable is None else trainable
    with g.name_scope(None):
        v = Variable(init_value, trainable=trainable, collections=collections, name=full,
                     dtype=dt)
    g._vars[full] = v
    if regularizer is not None:
        with g.name_scope(full + "/Regularizer/"):
            loss = regularizer(v)
        if loss is not None:
            add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return v


def _call_initializer(initializer, shape, dtype):
    try:
        return initializer(shape, dtype=dtype, partition_info=None)
    except TypeError:
        return initializer(shape, dtype=dtype)
