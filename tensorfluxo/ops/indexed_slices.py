"""tf.IndexedSlices: some rows of a tensor, as the gradient of a gather (an embedding lookup)
is. Optimizers apply it to the looked-up rows only (train/rules.py); anything else that needs
a dense tensor converts it with ``convert_to_tensor`` (an UnsortedSegmentSum), as TensorFlow
does, warning only where TensorFlow warns: a dense shape unknown when the graph is built, or
100,000,000 elements or more.
"""

from __future__ import annotations

import warnings
from collections import namedtuple

import numpy as np

from ..framework import dtypes
from ..framework.constant_op import constant
from ..framework.ops import Tensor, apply_op, register_tensor_conversion_function
from ..framework.tensor_shape import TensorShape
from ._util import constant_value

IndexedSlicesValue = namedtuple("IndexedSlicesValue", "values indices dense_shape")
_LARGE_DENSE = 100_000_000  # TF's threshold for its "may consume a large amount of memory"


class IndexedSlices:
    """``values[i]`` is row ``indices[i]`` of a tensor shaped ``dense_shape`` (rows repeated
    in ``indices`` add up). ``sess.run`` returns an ``IndexedSlicesValue``."""

    def __init__(self, values, indices, dense_shape=None):
        self._values, self._indices, self._dense_shape = values, indices, dense_shape

    values = property(lambda self: self._values)
    indices = property(lambda self: self._indices)
    dense_shape = property(lambda self: self._dense_shape)
    dtype = property(lambda self: self._values.dtype)
    name = property(lambda self: self._values.name)
    op = property(lambda self: self._values.op)
    graph = property(lambda self: self._values.graph)
    device = property(lambda self: "")

    @property
    def shape(self) -> TensorShape:
        known = None if self._dense_shape is None else constant_value(self._dense_shape)
        if known is not None:
            return TensorShape([int(d) for d in known])
        return TensorShape([None]).concatenate(self._values.shape[1:])

    def __neg__(self) -> IndexedSlices:
        return IndexedSlices(-self._values, self._indices, self._dense_shape)

    def __repr__(self) -> str:
        return (f"IndexedSlices(indices={self._indices}, values={self._values}"
                + (f", dense_shape={self._dense_shape})" if self._dense_shape is not None
                   else ")"))


def to_dense(s: IndexedSlices, name: str | None = None) -> Tensor:
    """The dense tensor ``s`` stands for: its rows summed into zeros (UnsortedSegmentSum)."""
    if s.dense_shape is None:
        raise ValueError(f"Tensor conversion requested for IndexedSlices without dense_shape: "
                         f"{s!r}")
    known = constant_value(s.dense_shape)
    if known is None:
        warnings.warn("Converting sparse IndexedSlices to a dense Tensor of unknown shape. "
                      "This may consume a large amount of memory.", stacklevel=3)
        n = apply_op("GatherV2", [s.dense_shape, constant(0, dtype=s.dense_shape.dtype)],
                     {"axis": 0}, name="num_rows")
    else:
        if int(np.prod(known)) >= _LARGE_DENSE:
            warnings.warn(f"Converting sparse IndexedSlices to a dense Tensor with "
                          f"{int(np.prod(known))} elements. This may consume a large amount of "
                          "memory.", stacklevel=3)
        n = constant(int(known[0]), dtype=dtypes.int32, name="num_rows")
    return apply_op("UnsortedSegmentSum", [s.values, s.indices, n],
                    name=name or "UnsortedSegmentSum")


def _convert(value: IndexedSlices, dtype=None, name=None) -> Tensor:
    if dtype is not None and dtypes.as_dtype(dtype) is not value.dtype:
        raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for "
                         f"IndexedSlices with dtype {value.dtype.name}")
    return to_dense(value, name)


register_tensor_conversion_function(IndexedSlices, _convert)


def dense(g):
    """``g`` as a dense tensor when it is an IndexedSlices (else unchanged; None stays)."""
    return to_dense(g) if isinstance(g, IndexedSlices) else g
