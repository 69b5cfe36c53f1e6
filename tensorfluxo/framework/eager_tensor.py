"""EagerTensor: a Tensor that holds its value (eager execution, TF2 style).

An eager op (client/eager.py) returns one: it prints its numbers, converts to NumPy
(``t.numpy()``, ``np.asarray(t)``), and works with ``int()``/``float()``/``bool()``/``len()``,
iteration and comparisons as TensorFlow 2's tensors do. Its Python operators are Tensor's
(installed by ops/math_ops.py), so ``a + b`` runs the same Add op eagerly.
"""

from __future__ import annotations

import numpy as np

from . import dtypes
from . import ops as _ops
from .ops import Tensor
from .tensor_shape import TensorShape

_SHAPES: dict[tuple, TensorShape] = {}
_DTYPES: dict = {}


def shape_of(dims: tuple) -> TensorShape:
    """One shared TensorShape per concrete shape (eager ops make many of the same)."""
    s = _SHAPES.get(dims)
    if s is None:
        s = _SHAPES[dims] = TensorShape(dims)
    return s


def dtype_of(np_dtype) -> dtypes.DType:
    dt = _DTYPES.get(np_dtype)
    if dt is None:
        dt = _DTYPES[np_dtype] = dtypes.as_dtype(
            np.str_ if np_dtype.kind in "OSU" else np_dtype)
    return dt


_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


class EagerTensor(Tensor):
    """A tensor with a value: ``tf.constant(42)`` prints ``tf.Tensor(42, shape=(), ...)``."""

    __slots__ = ("_value",)

    def __init__(self, value, dtype: dtypes.DType):
        self._value = value  # an ndarray or NumPy scalar; never modified
        self.dtype = dtype
        self._shape = shape_of(value.shape)

    # ---- what a symbolic tensor has, answered as TF2 does ------------------------------------
    @property
    def op(self):
        raise AttributeError("Tensor.op is undefined when eager execution is enabled.")

    @property
    def name(self) -> str:
        return "EagerTensor"  # TF2 raises; messages that name a tensor stay readable

    @property
    def graph(self):
        return _ops._eager_home

    @property
    def device(self) -> str:
        return _CPU

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for 0-d tensors), the caller's own."""
        v = self._value
        if self.dtype is dtypes.string:  # TF's strings are bytes
            v = np.vectorize(_as_bytes, otypes=[object])(v)
        return v[()] if v.ndim == 0 else v.copy()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._value, dtype=dtype)

    def __repr__(self) -> str:
        v = self.numpy()
        body = repr(v) if self._value.ndim else _scalar(v)
        sep = "\n" if "\n" in body else ""
        return f"<tf.Tensor: shape={_dims(self)}, dtype={self.dtype.name}, numpy={sep}{body}>"

    def __str__(self) -> str:
        v = self.numpy()
        body = np.array2string(np.asarray(v)) if np.ndim(v) else _scalar(v)
        sep = "\n" if "\n" in body else ""
        return f"tf.Tensor({sep}{body}, shape={_dims(self)}, dtype={self.dtype.name})"

    def __format__(self, spec: str) -> str:
        return format(self.numpy(), spec) if spec else str(self)

    # ---- Python protocols ----------------------------------------------------------------
    def __bool__(self) -> bool:
        return bool(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __index__(self) -> int:
        if not self.dtype.is_integer:
            raise TypeError(f"Only integer tensors can be used as an index, got {self.dtype.name}")
        return int(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __len__(self) -> int:
        if not self._value.ndim:
            raise TypeError("Scalar tensor has no `len()`")
        return len(self._value)

    def __iter__(self):
        if not self._value.ndim:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return iter([self[i] for i in range(len(self._value))])

    def __reduce__(self):
        return EagerTensor, (self._value, self.dtype)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __hash__(self):
        # TF2 refuses to hash tensors; tensorfluxo keeps identity hashing so that internal
        # tables keyed by tensors work (== is elementwise below, as in TF2).
        return id(self)

    def __eq__(self, other):
        from ..ops import math_ops
        try:
            return math_ops.equal(self, other)
        except (TypeError, ValueError):
            return False

    def __ne__(self, other):
        from ..ops import math_ops
        try:
            return math_ops.not_equal(self, other)
        except (TypeError, ValueError):
            return True


def _as_bytes(s):
    return s.encode() if isinstance(s, str) else s


def _dims(t: EagerTensor) -> str:
    return str(tuple(t._value.shape))


def _scalar(v) -> str:
    return str(v)  # NumPy's scalar text, as TF prints it (6.0, True, b'hi')


# Eager tensors whose values shape inference read (client/eager.py decides from it whether
# an op's inference may be cached per input shapes).
_reads: list = []


def value_of(t):
    """The value of an eager tensor, or None for a symbolic one."""
    if type(t) is EagerTensor:
        _reads.append(t)
        return t._value
    return None
