"""Variable state: VariableV2 reads the session's cell; Assign ops write it (ref inputs)."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import Tensor, apply_op, convert_to_tensor
from ..framework.registry import defop


def _var_bind(op, session):
    cell = session.cell(op)

    def read():
        v = cell.value
        return cell.get() if v is None else v
    return read


defop("VariableV2", infer=lambda op: (op.attrs["dtype"], op.attrs["shape"]), bind=_var_bind,
      aliases=True, stateful=True)


def _assign_infer(op):
    ref, value = op.inputs
    if value.dtype is not ref.dtype:
        raise TypeError(f"Cannot assign a {value.dtype.name} value to variable '{ref.op.name}' "
                        f"of dtype {ref.dtype.name}")
    if op.attrs.get("validate_shape", True) and not ref.shape.is_compatible_with(value.shape):
        raise ValueError(f"Shapes {ref.shape} and {value.shape} are incompatible: cannot "
                         f"assign to variable '{ref.op.name}'")
    return ref.dtype, ref.shape if op.attrs.get("validate_shape", True) else value.shape


def _k_assign(cell, value, validate_shape):
    v = np.array(value, dtype=cell.dtype)  # always a copy: the variable owns its buffer
    if validate_shape and not cell.shape.is_compatible_with(v.shape):
        raise errors.InvalidArgumentError(
            None, None, f"Assign requires shapes of both tensors to match. lhs shape= "
            f"{cell.shape} rhs shape= {v.shape} (variable '{cell.name}')")
    cell.value = v
    return v


def _k_assign_add(cell, value):
    v = cell.get()
    v += value
    return v


def _k_assign_sub(cell, value):
    v = cell.get()
    v -= value
    return v


_ref_kwargs = dict(ref_inputs=(0,), aliases=True, stateful=True, not_differentiable=True)
defop("Assign", infer=_assign_infer, kernel=_k_assign, **_ref_kwargs)
defop("AssignAdd", infer=_assign_infer, kernel=_k_assign_add, **_ref_kwargs)
defop("AssignSub", infer=_assign_infer, kernel=_k_assign_sub, **_ref_kwargs)
defop("IsVariableInitialized", infer=lambda op: (dtypes.bool, ()),
      kernel=lambda cell: np.array(cell.value is not None), ref_inputs=(0,),
      not_differentiable=True)


def _check_ref(ref, what):
    if not isinstance(ref, Tensor) or ref.op.type != "VariableV2":
        raise TypeError(f"{what} needs a tf.Variable as its first argument, got {ref!r}")


def assign(ref, value, validate_shape=True, use_locking=None, name=None) -> Tensor:
    """An op that sets variable ``ref`` to ``value`` (evaluates to the new value)."""
    _check_ref(ref, "tf.assign")
    value = convert_to_tensor(value, dtype=ref.dtype)
    return apply_op("Assign", [ref, value], {"validate_shape": bool(validate_shape)},
                    name=name or "Assign")


def assign_add(ref, value, use_locking=None, name=None) -> Tensor:
    _check_ref(ref, "tf.assign_add")
    return apply_op("AssignAdd", [ref, convert_to_tensor(value, dtype=ref.dtype)],
                    name=name or "AssignAdd")


def assign_sub(ref, value, use_locking=None, name=None) -> Tensor:
    _check_ref(ref, "tf.assign_sub")
    return apply_op("AssignSub", [ref, convert_to_tensor(value, dtype=ref.dtype)],
                    name=name or "AssignSub")


def is_variable_initialized(variable) -> Tensor:
    _check_ref(variable, "tf.is_variable_initialized")
    return apply_op("IsVariableInitialized", [variable], name="IsVariableInitialized")


def _report_bind(op, session):
    cells = [session.cell(v) for v in op.attrs["var_ops"]]

    def report():
        return np.array([c.name.encode() for c in cells if c.value is None], dtype=object)
    return report


defop("ReportUninitializedVariables", infer=lambda op: (dtypes.string, [None]),
      bind=_report_bind, not_differentiable=True)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string tensor naming the variables that are not initialized yet."""
    from ..variables import global_variables, local_variables
    if var_list is None:
        var_list = global_variables() + local_variables()
    return apply_op("ReportUninitializedVariables", [],
                    {"var_ops": tuple(v.op for v in var_list)}, name=name)
