"""tf.Variable: a Tensor (the VariableV2 op's output) whose value lives in each Session."""

from __future__ import annotations

import numpy as np

from .client import eager
from .framework import dtypes, errors
from .framework.eager_tensor import EagerTensor
from .framework.ops import (
    GraphKeys,
    Operation,
    Tensor,
    add_to_collections,
    apply_op,
    convert_to_tensor,
    executing_eagerly,
    get_collection,
    get_default_graph,
    register_tensor_conversion_function,
)
from .framework.registry import defop, get_op_def
from .framework.tensor_shape import TensorShape, as_shape
from .ops import array_ops, state_ops
from .ops.control_flow_ops import group


class Variable(Tensor):
    """A variable: ``x = tf.Variable(3, name="x")``; run ``x.initializer`` before reading it.

    It is the output tensor of its VariableV2 op (``x.name == "x:0"``), so it can be used
    anywhere a Tensor can; its value is kept by each Session separately.
    """

    def __new__(cls, *args, **kwargs):
        if not issubclass(cls, EagerVariable) and eager_variables():
            # eager mode, or a tf.function being traced (lifted out)
            var = object.__new__(EagerVariable)
            if cls is not Variable:  # Python calls __init__ only for instances of cls
                var.__init__(*args, **kwargs)
            return var
        return object.__new__(cls)

    def __init__(self, initial_value=None, trainable=None, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        trainable = True if trainable is None else bool(trainable)
        graph = initial_value.graph if isinstance(initial_value, Tensor) else get_default_graph()
        with graph.as_default(), graph.control_dependencies(None), \
                graph.name_scope(name or "Variable") as scope:
            base = scope[:-1]
            if callable(initial_value):
                initial_value = initial_value()
            init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value") \
                if not isinstance(initial_value, Tensor) else initial_value
            if dtype is not None and init.dtype is not dtypes.as_dtype(dtype):
                init = array_ops.cast(init, dtype)
            vshape = init.shape if shape is None else as_shape(shape)
            if validate_shape and not vshape.is_fully_defined():
                raise ValueError(f"initial_value must have a shape specified: {init} (variable "
                                 f"'{base}'); pass validate_shape=False to allow that.")
            op = graph.create_op("VariableV2", [], {"shape": vshape if validate_shape else
                                                    TensorShape(None), "dtype": init.dtype},
                                 name=base, absolute_name=True)
            Tensor.__init__(self, op, 0, init.dtype, op.outputs[0].shape)
            op.outputs = (self,)
            self._initial_value = init
            self._initializer_op = state_ops.assign(
                self, init, validate_shape=validate_shape, name="Assign").op
        self._trainable = trainable
        self.constraint = constraint
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        with graph.as_default():
            add_to_collections(collections, self)

    # ---- TF1 Variable API -------------------------------------------------------------------
    @property
    def initializer(self):
        """The op that assigns the initial value (``sess.run(x.initializer)``)."""
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def trainable(self) -> bool:
        return self._trainable

    def value(self) -> Tensor:
        return self

    def read_value(self) -> Tensor:
        return array_ops.identity(self, name="read")

    def initialized_value(self) -> Tensor:
        """The variable's value if initialized, else its initial value (to initialize others)."""
        return apply_op("VariableOrInitialValue", [self, self._initial_value],
                        name="initialized_value")

    def assign(self, value, use_locking=False, name=None, read_value=True):
        return state_ops.assign(self, value, name=name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return state_ops.assign_add(self, delta, name=name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return state_ops.assign_sub(self, delta, name=name)

    def load(self, value, session=None) -> None:
        """Writes ``value`` into the variable in ``session`` (default session) without ops."""
        from .framework.ops import get_default_session
        session = session or get_default_session()
        if session is None:
            raise ValueError("Variable.load needs a session: pass session= or use a default one")
        session.write_variable(self, value)

    def _as_graph_element(self):
        return self

    def __getitem__(self, key) -> Tensor:
        """``v[key]``: the slice's value; ``v[key].assign(x)`` (and ``assign_add``,
        ``assign_sub``) update that part of the variable."""
        out = array_ops.getitem(self, key)
        out._slice_of = (self, key)
        return out

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.name}' shape={self.shape} "
                f"dtype={self.dtype.name}_ref>")

    __str__ = __repr__


def eager_variables() -> bool:
    """New variables are eager ones: in eager mode, and while a tf.function is traced (TF2
    lifts a function's variables out of its graph)."""
    if executing_eagerly():
        return True
    return getattr(get_default_graph(), "lifts_variables", False)


def _lift(t: Tensor, name) -> EagerTensor:
    """The value of an initial value built in a function graph (TF2 lifts it out of the trace);
    it must not depend on the function's arguments."""
    try:
        value = eager.context_state().compile([t], tune_blas=False)([])[0]
    except errors.InvalidArgumentError as e:
        first = e.message.splitlines()[0]
        raise ValueError(f"The initial value of variable '{name or 'Variable'}' depends on the "
                         f"arguments of the tf.function being traced ({first}); create the "
                         "variable from a value or a callable that does not.") from None
    return EagerTensor(np.array(value), t.dtype)


class _NoConsumers(list):
    def append(self, op) -> None:
        pass


class EagerVariable(Variable):
    """A TF2 variable: initialized on creation; its value is a cell of the eager run state,
    which eager ops and tf.function plans share.

    >>> v = tf.Variable([1.0, 2.0]); v.assign_add([1.0, 1.0]); v.numpy()
    array([2., 3.], dtype=float32)
    """

    def __init__(self, initial_value=None, trainable=None, validate_shape=True, name=None,
                 dtype=None, constraint=None, shape=None, **_tf1_only):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        graph = get_default_graph()
        scope = graph.get_name_scope()
        check = getattr(graph, "check_variable_creation", None)
        if check is not None:
            check()  # a tf.function may create variables on its first trace only
        with eager.init_scope():
            if callable(initial_value):
                initial_value = initial_value()
            if isinstance(initial_value, Tensor) and not isinstance(
                    initial_value, (EagerTensor, EagerVariable)):
                initial_value = _lift(initial_value, name)
            init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value") \
                if not isinstance(initial_value, Tensor) else initial_value
            if isinstance(init, EagerVariable):
                init = init.read_value()
            if dtype is not None and init.dtype is not dtypes.as_dtype(dtype):
                init = array_ops.cast(init, dtype)
        vshape = init.shape if shape is None else as_shape(shape)
        if validate_shape and not vshape.is_compatible_with(init.shape):
            raise ValueError(f"Variable '{name or 'Variable'}': initial value of shape "
                             f"{init.shape} does not match the shape {vshape}")
        base = name or "Variable"
        full = f"{scope}/{base}" if scope else base
        op = Operation(eager.CONTEXT, full, get_op_def("VariableV2"), [], [],
                       {"shape": vshape, "dtype": init.dtype}, "<eager>")
        Tensor.__init__(self, op, 0, init.dtype, vshape)
        self._consumers = _NoConsumers()  # graphs that capture it do not keep their ops here
        op.outputs = (self,)
        self._eager_cell = cell = eager.context_state().cell(op)
        cell.value = np.array(init._value, dtype=init.dtype.np, order="C")
        self._initial_value = init
        self._initializer_op = None
        self._trainable = True if trainable is None else bool(trainable)
        self.constraint = constraint

    @property
    def graph(self):
        return eager.CONTEXT

    def value(self) -> Tensor:
        return self.read_value()

    def read_value(self) -> Tensor:
        """The current value (a snapshot that later assignments do not change)."""
        if not executing_eagerly():
            return array_ops.identity(self)
        return eager.read_variable(self)

    def numpy(self):
        v = self._eager_cell.get()
        return v[()] if v.ndim == 0 else v.copy()

    def initialized_value(self) -> Tensor:
        return self.read_value()

    def assign(self, value, use_locking=False, name=None, read_value=True):
        out = state_ops.assign(self, value, name=name)
        return self if executing_eagerly() else out

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        out = state_ops.assign_add(self, delta, name=name)
        return self if executing_eagerly() else out

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        out = state_ops.assign_sub(self, delta, name=name)
        return self if executing_eagerly() else out

    def load(self, value, session=None) -> None:
        eager.context_state().write_variable(self, value)

    def eval(self, feed_dict=None, session=None):
        return self.numpy()

    def _snapshot(self) -> EagerTensor:
        return EagerTensor(self._eager_cell.get(), self.dtype)

    def __array__(self, dtype=None, copy=None):
        return np.array(self._eager_cell.get(), dtype=dtype)

    def __bool__(self):
        return bool(self._snapshot())

    def __int__(self):
        return int(self._snapshot())

    def __float__(self):
        return float(self._snapshot())

    def __index__(self):
        return self._snapshot().__index__()

    def __len__(self):
        return len(self._snapshot())

    def __iter__(self):
        return iter(self.read_value())

    def __format__(self, spec):
        return format(self._snapshot(), spec)

    def __repr__(self) -> str:
        v = self.numpy()
        body = repr(v) if np.ndim(v) else str(v)
        sep = "\n" if "\n" in body else ""  # TF2 starts a multi-line value on its own line
        return (f"<tf.Variable '{self.name}' shape={tuple(self.shape.as_list())} "
                f"dtype={self.dtype.name}, numpy={sep}{body}>")

    __str__ = __repr__


def _var_or_init_infer(op):
    return op.inputs[0].dtype, op.inputs[0].shape


def _k_var_or_init(cell, init):
    return init if cell.value is None else cell.value


defop("VariableOrInitialValue", infer=_var_or_init_infer, kernel=_k_var_or_init,
                ref_inputs=(0,), aliases=True, not_differentiable=True)


def _convert_variable(value, dtype=None, name=None):
    return value


register_tensor_conversion_function(Variable, _convert_variable)


# ---- collections of variables -------------------------------------------------------------------
def global_variables(scope=None) -> list:
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None) -> list:
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None) -> list:
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None) -> list:
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None) -> list:
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """One op running the initializers of ``var_list``."""
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """``init = tf.global_variables_initializer()``: initializes every global variable."""
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def is_variable_initialized(variable):
    return state_ops.is_variable_initialized(variable)


def assert_variables_initialized(var_list=None):
    return state_ops.report_uninitialized_variables(var_list)
