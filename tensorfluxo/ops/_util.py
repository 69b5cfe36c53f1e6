"""Small helpers shared by op declarations: static shapes, axes, constant folding of shapes."""

from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.eager_tensor import value_of
from ..framework.ops import Tensor, apply_op, convert_to_tensor
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape


def dims(t: Tensor):
    """The static dims of ``t`` as a tuple of int/None, or None for unknown rank."""
    return t._shape.as_tuple()


def rank(t: Tensor):
    d = t._shape.as_tuple()
    return None if d is None else len(d)


def norm_axes(axis, ndim, what="axis"):
    """Axis/axes (int, list or None) as a sorted tuple of non-negative ints (None = all)."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        value = constant_value(axis)
        if value is None:
            raise TypeError(f"{what} must be known when the graph is built (a Python int or a "
                            f"constant), got the computed tensor {axis.name}")
        axis = value.tolist()
    axes = [int(a) for a in (axis if isinstance(axis, (list, tuple, np.ndarray)) else [axis])]
    if ndim is None:
        if any(a < 0 for a in axes):
            raise ValueError(f"negative {what} {axes} needs a tensor of known rank")
        return tuple(sorted(set(axes)))
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"Invalid {what} {a}: must be in the range [-{ndim}, {ndim})")
        out.append(a % ndim)
    return tuple(sorted(set(out)))


def constant_value(t: Tensor):
    """The value of ``t`` if it is known when the graph is built (constants, static shapes,
    eager tensors)."""
    v = value_of(t)
    if v is not None:
        return v
    op = t.op
    if op.op_def.value is not None:
        return op.op_def.value(op)
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=t.dtype.np)
    if op.type == "Pack":
        vals = [constant_value(x) for x in op.inputs]
        if all(v is not None for v in vals):
            return np.stack(vals, axis=op.attrs["axis"])
    if op.type == "Identity":
        return constant_value(op.inputs[0])
    if op.type == "StridedSlice":  # tf.shape(x)[0] of a known shape
        v = constant_value(op.inputs[0])
        return None if v is None else np.asarray(v[op.attrs["spec"]])
    return None


def shape_from_tensor(t: Tensor) -> TensorShape:
    """Static shape described by a 1-D shape tensor (unknown entries where not constant)."""
    v = constant_value(t)
    if v is not None:
        return TensorShape([None if d < 0 else int(d) for d in np.asarray(v).reshape(-1)])
    if t.op.type == "Pack":
        return TensorShape([_maybe_int(x) for x in t.op.inputs])
    if t.op.type == "Shape":  # the partly known shape of a tensor (a gradient's input_sizes)
        return t.op.inputs[0].shape
    d = dims(t)
    if d is not None and d[0] is not None:
        return TensorShape([None] * d[0])
    return TensorShape(None)


def _maybe_int(t):
    v = constant_value(t)
    return None if v is None or int(v) < 0 else int(v)


def to_tensor_like(value, like: Tensor, name="y") -> Tensor:
    """Converts ``value`` with the dtype of ``like`` (TF converts the 2nd operand to the 1st's)."""
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(value, dtype=like.dtype, name=name)


def pair(x, y, op_name: str):
    """Converts two operands to tensors of one dtype, as TF's binary ops do."""
    if not isinstance(x, Tensor) and hasattr(x, "_as_graph_element"):
        x = convert_to_tensor(x)
    if not isinstance(y, Tensor) and hasattr(y, "_as_graph_element"):
        y = convert_to_tensor(y)
    if isinstance(x, Tensor):
        y = to_tensor_like(y, x)
    elif isinstance(y, Tensor):
        x = to_tensor_like(x, y, name="x")
    else:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, dtype=x.dtype, name="y")
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'y' of '{op_name}' Op has type {y.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 'x'.")
    return x, y


def require_float(t: Tensor, op_name: str) -> None:
    if not (t.dtype.is_floating or t.dtype.is_complex):
        raise TypeError(f"Value passed to parameter 'x' of '{op_name}' has DataType "
                        f"{t.dtype.name} not in list of allowed values: float16, float32, "
                        f"float64 (tensor {t.name}). Cast it first with tf.cast.")


def require_numeric(t: Tensor, op_name: str, param: str = "x") -> None:
    """Numbers only: a bool or string tensor would come back with a dtype that lies."""
    if t.dtype.is_bool or t.dtype is dtypes.string:
        raise TypeError(f"Value passed to parameter '{param}' of '{op_name}' has DataType "
                        f"{t.dtype.name}, which is not a number type (tensor {t.name}). Cast it "
                        "first with tf.cast.")


def same(op):
    """infer: one output with the dtype and shape of input 0."""
    x = op.inputs[0]
    return x.dtype, x.shape


def float_dtype(dt) -> bool:
    return dtypes.as_dtype(dt).is_floating


def same_float(op):
    """infer: like ``same``, for ops defined on floating-point tensors only."""
    require_float(op.inputs[0], op.type)
    return same(op)


def defact(op_type: str, kernel, grad_kernel, saved_output: bool, grad_of_grad=None, *,
           infer=same_float, saved_first: bool = False, rewrite=None) -> None:
    """Declares an elementwise op and its gradient op ``op_type + "Grad"`` (TF's ReluGrad,
    TanhGrad...), whose own gradient is declared too, so second derivatives work.

    ``grad_kernel(dy, saved, **attrs)`` (``(saved, dy)`` with ``saved_first``): saved is the op's
    output (``saved_output``) or input.
    ``grad_of_grad(op, ddx, dy, saved)``: the gradient op's derivative with respect to saved
    (None when it is zero almost everywhere). ``saved_first``: the gradient op's inputs are
    (saved, dy), as TF's TanhGrad and SigmoidGrad have them; else (dy, saved).
    ``rewrite(op, dy)``: the gradient built another way when it returns one (else None).
    """
    grad_type = op_type + "Grad"

    def inputs(dy, saved):
        return [saved, dy] if saved_first else [dy, saved]

    def grad(op, dy):
        other = None if rewrite is None else rewrite(op, dy)
        if other is not None:
            return other
        saved = op.outputs[0] if saved_output else op.inputs[0]
        return [apply_op(grad_type, inputs(dy, saved), dict(op.attrs))]

    def grad_grad(op, ddx):
        dy, saved = inputs(*op.inputs)  # the same swap undoes itself
        second = None if grad_of_grad is None else grad_of_grad(op, ddx, dy, saved)
        return inputs(apply_op(grad_type, inputs(ddx, saved), dict(op.attrs)), second)

    defop(op_type, infer=infer, kernel=kernel, grad=grad)
    defop(grad_type, infer=same, kernel=grad_kernel, grad=grad_grad)
