"""Data types: a thin, hashable wrapper over NumPy dtypes with TensorFlow's names."""

from __future__ import annotations

import builtins

import numpy as np


class DType:
    """A tensor element type (``tf.float32``...), convertible to and from NumPy."""

    __slots__ = ("name", "as_numpy_dtype", "np")

    def __init__(self, name: str, np_type: type):
        self.name = name
        self.as_numpy_dtype = np_type
        self.np = np.dtype(np_type)  # the dtype object kernels compare against

    is_floating = property(lambda self: self.np.kind == "f")
    is_integer = property(lambda self: self.np.kind in "iu")
    is_complex = property(lambda self: self.np.kind == "c")
    is_bool = property(lambda self: self.np.kind == "b")
    is_unsigned = property(lambda self: self.np.kind == "u")
    base_dtype = property(lambda self: self)
    real_dtype = property(lambda self: self)

    @property
    def min(self):
        return np.finfo(self.np).min if self.is_floating else np.iinfo(self.np).min

    @property
    def max(self):
        return np.finfo(self.np).max if self.is_floating else np.iinfo(self.np).max

    def is_compatible_with(self, other) -> bool:
        return self is as_dtype(other)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = half = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = double = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name
string = DType("string", np.object_)
complex64 = DType("complex64", np.complex64)

# The run-time value of a TensorArray (a Python object, not an array): kept out of _ALL so that
# NumPy's object dtype still means string.
variant = DType("variant", np.object_)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
        bool, string, complex64)
_BY_NAME = {d.name: d for d in _ALL} | {"float": float32, "double": float64, "half": float16,
                                         "variant": variant}
_BY_NP = {d.np: d for d in _ALL}
_BY_NP[np.dtype(np.str_)] = string
_BY_NP[np.dtype(np.bytes_)] = string


def as_dtype(type_value) -> DType:
    """Converts a DType, NumPy dtype, Python type or name ('float32') to a DType."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str) and type_value in _BY_NAME:
        return _BY_NAME[type_value]
    if type_value is float:
        return float32
    if type_value is int:
        return int32
    if type_value in (builtins.bool, np.bool_):
        return bool
    if type_value in (str, bytes):
        return string
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        if npd.kind in "US":
            return string
        if npd in _BY_NP:
            return _BY_NP[npd]
    raise TypeError(f"Cannot convert {type_value!r} to a tensorfluxo DType.")

