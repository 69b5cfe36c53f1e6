"""tf.layers.Layer: a Keras layer whose weights live in a TF1 variable scope.

tf.layers' classes are the Keras layer classes with this base mixed in (as in TensorFlow 1.x:
``class Dense(keras.layers.Dense, tf.layers.Layer)``), so each layer is written once. What
this base changes:

- the first call opens ``variable_scope(name, default_name=<snake_case class name>)`` (layers
  are named "dense", "dense_1", ... per graph, as in TF1) and ``add_weight`` creates variables
  with ``get_variable`` there, so scope initializers, regularizers and ``reuse`` apply; later
  calls re-enter the scope with reuse, sharing the weights;
- ``dtype=None`` takes the dtype of the first inputs (float64 inputs, float64 weights);
- updates also go to ``GraphKeys.UPDATE_OPS`` and losses to ``REGULARIZATION_LOSSES``.
"""

from __future__ import annotations

from ..framework.ops import GraphKeys, add_to_collection, convert_to_tensor, get_default_graph
from ..keras import backend as K
from ..keras import engine
from ..ops import array_ops
from ..ops.variable_scope import VariableScope, get_variable, variable_scope


class Layer(engine.Layer):
    """Base class: subclasses implement ``build(input_shape)`` and ``call(inputs, **kw)``."""

    _weight_renames: dict = {}  # Keras weight name -> variable name (contrib: "weights")

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 _reuse=None, _scope=None, **kwargs):
        super().__init__(trainable=trainable, name=name or K.to_snake_case(type(self).__name__),
                         dtype=dtype, **kwargs)
        if dtype is None:
            self.dtype = None  # the first inputs' dtype
        self._name_arg = name
        self._reuse = _reuse
        # A scope given by the caller (tf.contrib.layers) is the layer's own from the start.
        self._scope: VariableScope | None = _scope if isinstance(_scope, VariableScope) else None
        self._ns = self._scope.original_name_scope if self._scope is not None else None

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, **kwargs):
        """``get_variable(name, ...)`` in the layer's scope, tracked by the layer."""
        trainable = trainable and self.trainable
        losses = get_default_graph().get_collection_ref(GraphKeys.REGULARIZATION_LOSSES)
        before = len(losses)
        v = get_variable(self._weight_renames.get(name, name), shape, dtype or self.dtype,
                         initializer=initializer, regularizer=regularizer, trainable=trainable)
        self._losses.extend(losses[before:])
        (self._trainable_weights if trainable else self._non_trainable_weights).append(v)
        return v

    def add_update(self, updates) -> None:
        super().add_update(updates)
        for u in updates if isinstance(updates, (list, tuple)) else [updates]:
            add_to_collection(GraphKeys.UPDATE_OPS, u)

    def add_loss(self, losses) -> None:
        super().add_loss(losses)
        for x in losses if isinstance(losses, (list, tuple)) else [losses]:
            add_to_collection(GraphKeys.REGULARIZATION_LOSSES, x)

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (list, tuple)):
            inputs = convert_to_tensor(inputs)
        g = get_default_graph()
        if self._scope is None:
            with variable_scope(self._name_arg, default_name=self.name,
                                reuse=self._reuse) as scope:
                self._scope, self._ns = scope, scope.original_name_scope
                self.name = scope.name.rsplit("/", 1)[-1]
                return self._build_and_call(inputs, *args, **kwargs)
        reuse = True if self.built else self._reuse
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False), \
                g.name_scope(self._ns):
            return self._build_and_call(inputs, *args, **kwargs)

    def _build_and_call(self, inputs, *args, **kwargs):
        """Builds on the first inputs, then calls (inside the layer's scope)."""
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._check_input(xs)
        if not self.built:
            if self.dtype is None:
                self.dtype = xs[0].dtype.base_dtype.name
            shapes = [engine.shape_tuple(x) for x in xs]
            self.build(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
            self.built = True
        if not isinstance(inputs, (list, tuple)) and inputs.dtype.is_floating and \
                inputs.dtype.name != self.dtype:
            inputs = array_ops.cast(inputs, self.dtype)
        return self._call_and_regularize(inputs, *args, **kwargs)

    apply = __call__

    @property
    def scope_name(self) -> str:
        if self._scope is None:
            raise ValueError(f"No name available for layer scope because the layer "
                             f"'{self.name}' has not been used yet.")
        return self._scope.name
