"""The Const op and ``tf.constant``: framework-level, since ``convert_to_tensor`` builds it."""

from __future__ import annotations

import numpy as np

from . import dtypes
from .eager_tensor import EagerTensor
from .ops import Tensor, apply_op, executing_eagerly, numpy_value
from .registry import defop
from .tensor_shape import as_shape

defop("Const",
      infer=lambda op: (op.attrs["dtype"], op.attrs["value"].shape),
      value=lambda op: op.attrs["value"],
      aliases=True, not_differentiable=True)


def constant(value, dtype=None, shape=None, name: str = "Const", verify_shape=False) -> Tensor:
    """A constant tensor (``tf.constant([[1, 2]], dtype=tf.float32)``)."""
    if type(value) in (float, int, bool) and shape is None and value and executing_eagerly():
        # Python scalars in eager arithmetic (x * 2.0): one immutable tensor per value
        key = (type(value), value, dtype)
        t = _EAGER_SCALARS.get(key)
        if t is None:
            if len(_EAGER_SCALARS) > 1024:
                _EAGER_SCALARS.clear()
            t = _EAGER_SCALARS[key] = _constant(value, dtype, None, name, verify_shape)
        return t
    return _constant(value, dtype, shape, name, verify_shape)


_EAGER_SCALARS: dict = {}


def _constant(value, dtype, shape, name, verify_shape) -> Tensor:
    arr = numpy_value(value, dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        if arr.shape != shape:
            if verify_shape or (arr.size != 1 and arr.size != int(np.prod(shape))):
                raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
            arr = np.broadcast_to(arr, shape).copy() if arr.size == 1 else arr.reshape(shape)
    arr.setflags(write=False)  # a constant's value is shared by every run
    dt = dtypes.as_dtype(dtype) if dtype is not None else dtypes.as_dtype(arr.dtype)
    if executing_eagerly():
        return EagerTensor(arr, dt)
    return apply_op("Const", [], {"value": arr, "dtype": dt}, name=name)
