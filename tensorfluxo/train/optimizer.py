"""Optimizer: compute_gradients + apply_gradients (TF1 contract). A subclass gives one update
rule as an apply op per variable (``_apply_dense``) and the slots it needs (``_create_slots``).

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
    apply_op,
    control_dependencies,
    convert_to_tensor,
    get_default_graph,
    name_scope,
)
from ..framework.registry import defop
from ..ops import array_ops, state_ops
from ..ops.control_flow_ops import group
from ..ops.gradients_impl import gradients
from ..variables import Variable, trainable_variables


class Optimizer:
    """Base class of tf.train optimizers."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking: bool = False, name: str = "Optimizer"):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict] = {}
        self._non_slot: dict[str, Variable] = {}

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
                with control_dependencies([g for g, _ in pairs]):
                    fused = self._apply_dense_all(pairs)
                    if fused is not None:
                        updates.append(fused)
                    else:
                        for g, v in pairs:
                            with name_scope("update_" + v.op.name):
                                updates.append(self._apply_dense(g, v))
                    updates.append(self._finish(updates))
                if global_step is None:
                    train_op = group(*updates, name=scope)
                else:
                    with control_dependencies([u for u in updates if u is not None]):
                        train_op = state_ops.assign_add(global_step, array_ops.constant(
                            1, dtype=global_step.dtype), name=scope).op
            add_to_collection(GraphKeys.TRAIN_OP, train_op)
        return train_op

    # ---- for subclasses ------------------------------------------------------------------------
    def _create_slots(self, var_list) -> None:
        pass

    def _prepare(self) -> None:
        pass

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _apply_dense_all(self, pairs):
        """One op updating all (grad, var) pairs, or None for one op per variable."""
        return None

    def _finish(self, update_ops):
        return None

    def _hyper(self, value, var, name):
        """A hyperparameter (float, tensor or callable) as a tensor of ``var``'s dtype."""
        if callable(value) and not isinstance(value, Tensor):
            value = value()
        if isinstance(value, Tensor):
            return value if value.dtype is var.dtype else array_ops.cast(value, var.dtype)
        return array_ops.constant(value, dtype=var.dtype, name=name)

    # ---- slots -------------------------------------------------------------------------------
    def _zeros_slot(self, var, slot_name, op_name, init=0.0):
        slots = self._slots.setdefault(slot_name, {})
        if var not in slots:
            value = np.full(var.shape.as_list(), init, dtype=var.dtype.np)
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


# ---- GradientDescent -------------------------------------------------------------------------
def _apply_infer(op):
    var = op.inputs[0]
    for t in op.inputs[1:]:
        if t.dtype is not var.dtype:
            raise TypeError(f"{op.type}: input {t.name} has dtype {t.dtype.name}, expected "
                            f"{var.dtype.name} like variable '{var.op.name}'")
    return []


def _k_apply_gd(var, lr, grad):
    v = var.get()
    v -= lr * grad


def _bind_apply_gd(op, session):
    """The update through a scratch buffer kept per plan: no array allocated per step."""
    scratch = [None]

    def apply(var, lr, grad):
        v = var.get()
        t = scratch[0]
        if t is None or t.shape != v.shape:
            t = scratch[0] = np.empty_like(v)
        np.multiply(grad, lr, out=t)
        v -= t
    return apply


defop("ApplyGradientDescent", infer=_apply_infer, kernel=_k_apply_gd, bind=_bind_apply_gd,
      ref_inputs=(0,), stateful=True, not_differentiable=True)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate, use_locking: bool = False, name: str = "GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var, "learning_rate")
        return apply_op("ApplyGradientDescent", [var, lr, grad], name="ApplyGradientDescent")


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
