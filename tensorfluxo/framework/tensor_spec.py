"""tf.TensorSpec: the dtype and (possibly partial) shape of a tensor, without a value."""

from __future__ import annotations

from . import dtypes
from .tensor_shape import as_shape


class TensorSpec:
    """``tf.TensorSpec(shape, dtype)``: describes tf.function arguments (None = any size) and
    dataset elements."""

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = as_shape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> TensorSpec:
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other) -> bool:
        """Whether a tensor (or spec) ``other`` fits: same dtype, compatible shape."""
        return self.dtype is dtypes.as_dtype(other.dtype) and \
            self.shape.is_compatible_with(other.shape)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and self.dtype is other.dtype and \
            self.shape.as_tuple() == other.shape.as_tuple()

    def __hash__(self):
        return hash((self.dtype, self.shape.as_tuple()))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"
