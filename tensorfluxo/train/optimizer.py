"""Optimizer: compute_gradients + apply_gradients (TF1 contract). A subclass names its row of
the rule table (``_rule``, train/rules.py) and maps its arguments to the rule's scalar inputs
(``_set_hypers``); the base makes the slots and the apply ops. (A user's subclass may instead
override ``_create_slots`` and ``_apply_dense``, as in TF.)

Apply ops update the variable buffers in place. So that no update can change a value another
gradient still needs (e.g. a layer's weights used by the previous layer's gradient), every
apply op runs after all gradients of the step are computed.
"""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.ops import (
    GraphKeys,
    Tensor,
    add_to_collection,
    control_dependencies,
    convert_to_tensor,
    get_default_graph,
    name_scope,
)
from ..ops import array_ops, state_ops
from ..ops.control_flow_ops import group
from ..ops.gradients_impl import gradients
from ..ops.indexed_slices import IndexedSlices, dense
from ..variables import Variable, trainable_variables
from . import rules


class Optimizer:
    """Base class of tf.train optimizers."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2
    _rule: rules.Rule | None = None

    def __init__(self, use_locking: bool = False, name: str = "Optimizer"):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict] = {}
        self._non_slot: dict[str, Variable] = {}
        self._hypers: dict = {}

    def _set_hypers(self, **values) -> None:
        """The rule's scalar inputs and attributes (and hyper-parameters slots start from)."""
        self._hypers = values

    def get_name(self) -> str:
        return self._name

    # ---- the TF1 contract -------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """compute_gradients then apply_gradients: the training op for ``loss``."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        if not any(g is not None for g, _ in grads_and_vars):
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                f"support gradients, between variables {[v.name for _, v in grads_and_vars]} "
                f"and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient or None, variable)] for the trainable variables (or ``var_list``)."""
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        loss = convert_to_tensor(loss)
        if not loss.dtype.is_floating:
            raise ValueError(f"Invalid type {loss.dtype.name} for {loss.name}, expected: "
                             "float16, float32, float64.")
        if var_list is None:
            var_list = trainable_variables()
        else:
            var_list = list(var_list.values() if isinstance(var_list, dict) else var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"Argument is not a tf.Variable: {v!r}")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """An op applying the update rule to each (gradient, variable) pair."""
        grads_and_vars = [(g, v) for g, v in grads_and_vars]
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        pairs = []
        for g, v in grads_and_vars:
            if g is None:
                continue
            if not isinstance(g, IndexedSlices):  # a sparse gradient updates only its rows
                g = convert_to_tensor(g)
            if not v.shape.is_compatible_with(g.shape):
                raise ValueError(f"Gradient of shape {g.shape} does not match variable "
                                 f"'{v.op.name}' of shape {v.shape}")
            pairs.append((g, v))
        if not pairs:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[v.name for _, v in grads_and_vars]}.")
        graph = pairs[0][1].graph
        with graph.as_default():
            with control_dependencies(None):
                self._create_slots([v for _, v in pairs])
            with name_scope(name or self._name) as scope:
                self._prepare()
                updates = []
                with control_dependencies([getattr(g, "values", g) for g, _ in pairs]):
                    if self._rule is not None:
                        updates += self._apply_rule(pairs)
                    else:  # a subclass's own _apply_dense: sparse gradients made dense
                        for g, v in pairs:
                            with name_scope("update_" + v.op.name):
                                updates.append(self._apply_dense(dense(g), v))
                    updates.append(self._finish(updates))
                if global_step is None:
                    train_op = group(*updates, name=scope)
                else:
                    with control_dependencies([u for u in updates if u is not None]):
                        train_op = state_ops.assign_add(global_step, array_ops.constant(
                            1, dtype=global_step.dtype), name=scope).op
            add_to_collection(GraphKeys.TRAIN_OP, train_op)
        return train_op

    # ---- the rule table's row (or a subclass's own _create_slots / _apply_dense) -------------
    def _create_slots(self, var_list) -> None:
        rule = self._rule
        if rule is None:
            return
        if rule.powers:  # TF keeps beta1^t... as variables, multiplied at each step's end
            dtype = min(var_list, key=lambda v: v.name).dtype
            for power, hyper in rule.powers.items():
                self._get_or_make_non_slot(power, self._hypers[hyper], dtype)
        for v in var_list:
            for slot in rule.slots:
                init = self._hypers[slot.init] if isinstance(slot.init, str) else slot.init
                self._zeros_slot(v, slot.name, self._name, init=init, scalar=slot.scalar)

    def _prepare(self) -> None:
        pass

    def _rule_scalars(self) -> dict:
        """The rule's scalar inputs: hyper-parameters (numbers, tensors or callables) and the
        power variables."""
        scalars = {}
        for name in self._rule.scalars:
            value = self._non_slot[name] if name in self._rule.powers else self._hypers[name]
            scalars[name] = value() if callable(value) and not isinstance(value, Tensor) \
                else value
        return scalars

    def _rule_slots(self, var) -> dict:
        return {s.input: self.get_slot(var, s.name) for s in self._rule.slots}

    def _rule_attrs(self) -> dict:
        return {k: self._hypers[k] for k in self._rule.attrs if k in self._hypers}

    def _apply_rule(self, pairs) -> list:
        vars_ = [v for _, v in pairs]
        return self._rule.apply_all(vars_, [self._rule_slots(v) for v in vars_],
                                    self._rule_scalars(), [g for g, _ in pairs],
                                    self._rule_attrs())

    def _apply_dense(self, grad, var):
        return self._rule.apply(var, self._rule_slots(var), self._rule_scalars(), grad,
                                self._rule_attrs())

    def _finish(self, update_ops):
        powers = self._rule.powers if self._rule is not None else {}
        if not powers:
            return None
        with control_dependencies([u for u in update_ops if u is not None]):
            with name_scope("update_beta_powers"):
                updates = []
                for power, hyper in powers.items():
                    p = self._non_slot[power]
                    updates.append(state_ops.assign(p, p * self._hyper(self._hypers[hyper], p,
                                                                       hyper)))
                return group(*updates)

    def _hyper(self, value, var, name):
        """A hyperparameter (float, tensor or callable) as a tensor of ``var``'s dtype."""
        if callable(value) and not isinstance(value, Tensor):
            value = value()
        if isinstance(value, Tensor):
            return value if value.dtype is var.dtype else array_ops.cast(value, var.dtype)
        return array_ops.constant(value, dtype=var.dtype, name=name)

    # ---- slots -------------------------------------------------------------------------------
    def _zeros_slot(self, var, slot_name, op_name, init=0.0, scalar=False):
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            value = np.full([] if scalar else var.shape.as_list(), init, dtype=var.dtype.np)
            with get_default_graph().name_scope(None):
                slots[var] = Variable(array_ops.constant(value, dtype=var.dtype),
                                      trainable=False, name=f"{var.op.name}/{op_name}")
        return slots[var]

    def _get_or_make_non_slot(self, name, init, dtype=dtypes.float32):
        if name not in self._non_slot:
            with get_default_graph().name_scope(None):
                self._non_slot[name] = Variable(np.asarray(init, dtype=dtypes.as_dtype(
                    dtype).np), trainable=False, name=name)
        return self._non_slot[name]

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self) -> list:
        return sorted(self._slots)

    def variables(self) -> list:
        slots = [v for slots in self._slots.values() for v in slots.values()]
        return list(self._non_slot.values()) + slots  # TF lists beta1_power... first


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    _rule = rules.GRADIENT_DESCENT

    def __init__(self, learning_rate, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(use_locking, name)
        self._set_hypers(lr=learning_rate)


# ---- global step ---------------------------------------------------------------------------
def get_global_step(graph=None):
    g = graph or get_default_graph()
    steps = g.get_collection(GraphKeys.GLOBAL_STEP)
    if len(steps) > 1:
        raise TypeError("Multiple tensors in global_step collection.")
    return steps[0] if steps else None


def create_global_step(graph=None):
    g = graph or get_default_graph()
    if get_global_step(g) is not None:
        raise ValueError('"global_step" already exists.')
    with g.as_default(), g.name_scope(None):
        return Variable(np.int64(0), trainable=False, name="global_step", dtype=dtypes.int64,
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The graph's int64 ``global_step`` variable, created on first use."""
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)
