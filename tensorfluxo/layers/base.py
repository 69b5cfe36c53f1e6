"""tf.layers.Layer: a callable object owning variables created through variable_scope.

The first call opens ``variable_scope(name, default_name=<snake_case class name>)`` (so
layers are named "dense", "dense_1", ... as in TF1) and creates the variables with
``get_variable``; later calls re-enter that scope with reuse, so the weights are shared.
"""

from __future__ import annotations

import re

from ..framework.ops import GraphKeys, add_to_collection, get_default_graph
from ..ops.variable_scope import VariableScope, get_variable, variable_scope


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Layer:
    """Base class: subclasses implement ``build(input_shape)`` and ``call(inputs, **kw)``."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 _reuse=None, _scope=None, **kwargs):
        self.trainable = trainable
        self._name_arg = name
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = dtype
        self._reuse = _reuse
        self._scope: VariableScope | None = _scope if isinstance(_scope, VariableScope) else None
        self._ns = None  # the name scope of the first call, re-entered by later calls
        self.built = False
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._updates: list = []
        self._losses: list = []

    # ---- weights -----------------------------------------------------------------------
    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, **kwargs):
        """``get_variable(name, ...)`` in the layer's scope, tracked by the layer."""
        trainable = trainable and self.trainable
        before = len(get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES))
        v = get_variable(name, shape, dtype or self.dtype, initializer=initializer,
                         regularizer=regularizer, trainable=trainable)
        new_losses = get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES)[before:]
        self._losses.extend(new_losses)
        (self._trainable_weights if trainable else self._non_trainable_weights).append(v)
        return v

    @property
    def trainable_weights(self) -> list:
        return list(self._trainable_weights)

    @property
    def non_trainable_weights(self) -> list:
        return list(self._non_trainable_weights)

    @property
    def weights(self) -> list:
        return self._trainable_weights + self._non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    @property
    def updates(self) -> list:
        return list(self._updates)

    @property
    def losses(self) -> list:
        return list(self._losses)

    def add_update(self, update) -> None:
        self._updates.append(update)
        add_to_collection(GraphKeys.UPDATE_OPS, update)

    # ---- the call ------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        from ..framework.ops import convert_to_tensor
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
        if not self.built:
            shape = [t.shape for t in inputs] if isinstance(inputs, (list, tuple)) \
                else inputs.shape
            if self.dtype is None and not isinstance(inputs, (list, tuple)):
                self.dtype = inputs.dtype
            self.build(shape)
            self.built = True
        return self.call(inputs, *args, **kwargs)

    apply = __call__

    @property
    def scope_name(self) -> str:
        if self._scope is None:
            raise ValueError(f"No name available for layer scope because the layer "
                             f"'{self.name}' has not been used yet.")
        return self._scope.name

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}
