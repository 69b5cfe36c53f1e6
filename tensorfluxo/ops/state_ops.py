"""Variable state: VariableV2 reads the session's cell; Assign ops write it (ref inputs)."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import Tensor, apply_op, convert_to_tensor, executing_eagerly
from ..framework.registry import defop
from . import array_ops


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
    # always a copy, C-ordered: the variable owns its buffer, and the optimizers and kernels
    # assume rows (an orthogonal initializer's transposed QR factor made every Adam step on a
    # Keras LSTM's recurrent kernel 10x slower: strided passes between C and F orders)
    v = np.array(value, dtype=cell.dtype, order="C")
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


# ---- sliced assignment: v[0].assign(x), v[:, 1:].assign_add(d) -----------------------------
def _key_text(spec) -> str:
    def one(k):
        if isinstance(k, slice):
            text = ":".join("" if p is None else str(p) for p in (k.start, k.stop, k.step))
            return text[:-1] if k.step is None else text
        return "..." if k is Ellipsis else "tf.newaxis" if k is None else str(k)
    return "[" + ", ".join(one(k) for k in spec) + "]"


def _broadcasts_to(value: tuple, target: tuple) -> bool:
    """Whether a value of shape ``value`` broadcasts to ``target`` (None = unknown dim)."""
    if len(value) > len(target):
        return False
    return all(v is None or t is None or v in (1, t)
               for v, t in zip(value[::-1], target[::-1]))


def _slice_assign_infer(op):
    ref, value = op.inputs[:2]
    if value.dtype is not ref.dtype:
        raise TypeError(f"Cannot assign a {value.dtype.name} value to a slice of variable "
                        f"'{ref.op.name}' of dtype {ref.dtype.name}")
    spec = op.attrs["spec"]
    if spec is not None and value.shape.dims is not None:
        target = array_ops.slice_shape(ref, spec)
        if isinstance(target, list) and not _broadcasts_to(tuple(value.shape.as_list()),
                                                           tuple(target)):
            raise ValueError(
                f"Cannot assign a value of shape {value.shape} to the slice "
                f"{_key_text(spec)} of shape {tuple(target)} of variable '{ref.op.name}' "
                f"(shape {ref.shape})")
    return ref.dtype, ref.shape


def _k_slice_assign(cell, value, *index, spec, template, update):
    buf = cell.get()
    if spec is None:
        spec = array_ops.dynamic_spec(index, template)
    part = buf[spec]
    if not _broadcasts_to(np.shape(value), np.shape(part)):
        raise errors.InvalidArgumentError(
            None, None, f"Cannot assign a value of shape {np.shape(value)} to the slice "
            f"{_key_text(spec)} of shape {np.shape(part)} of variable '{cell.name}' "
            f"(shape {buf.shape})")
    if update == "add":
        value = part + value
    elif update == "sub":
        value = part - value
    buf[spec] = value  # in place, as AssignAdd: the variable owns its buffer
    return buf


defop("StridedSliceAssign", infer=_slice_assign_infer, kernel=_k_slice_assign, **_ref_kwargs)


def slice_assign(ref, key, value, update: str = "assign", name=None):
    """``ref[key] = value`` (``update`` "add"/"sub": ``+=``/``-=``) on variable ``ref``: the
    variable's new value in a graph, the variable itself in eager mode (as TF2)."""
    spec, index, template = array_ops.slice_key(ref, key)
    value = convert_to_tensor(value, dtype=ref.dtype)
    out = apply_op("StridedSliceAssign", [ref, value, *index],
                   {"spec": spec, "template": template, "update": update},
                   name=name or "strided_slice_assign")
    return ref if executing_eagerly() else out


def _slice_update(update: str, method: str):
    """The ``assign``/``assign_add``/``assign_sub`` attribute of ``variable[key]``; other
    tensors have none (AttributeError, so ``hasattr`` answers False)."""
    def get(self):
        try:
            ref, key = self._slice_of
        except AttributeError:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute "
                                 f"'{method}' (only slices of a tf.Variable can be assigned "
                                 "to)") from None
        return lambda value, use_locking=None, name=None, read_value=True: slice_assign(
            ref, key, value, update, name)
    return property(get)


Tensor.assign = _slice_update("assign", "assign")
Tensor.assign_add = _slice_update("add", "assign_add")
Tensor.assign_sub = _slice_update("sub", "assign_sub")


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
