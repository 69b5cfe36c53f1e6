"""Feature columns for numeric inputs: tf.feature_column.numeric_column (core) and
tf.contrib.layers.real_valued_column (contrib.learn), plus input_layer.

A column names a feature (a key of the features dict) and its per-example shape; the
estimators turn the columns into one dense [batch, width] float32 input.
"""

from __future__ import annotations

import collections

import numpy as np

from .framework import dtypes
from .framework.ops import Tensor, convert_to_tensor, name_scope
from .ops import array_ops


class NumericColumn(collections.namedtuple(
        "NumericColumn", ["key", "shape", "default_value", "dtype", "normalizer_fn"])):
    """A real-valued feature ``key`` of per-example ``shape``."""

    @property
    def name(self) -> str:
        return self.key

    @property
    def width(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


class _RealValuedColumn(collections.namedtuple(
        "_RealValuedColumn", ["column_name", "dimension", "default_value", "dtype",
                              "normalizer"])):
    """contrib.layers' real-valued column (``infer_real_valued_columns_from_input`` makes one
    named "" for a plain array ``x``)."""

    @property
    def name(self) -> str:
        return self.column_name

    key = name

    @property
    def shape(self) -> tuple:
        return (self.dimension,)

    @property
    def width(self) -> int:
        return int(self.dimension)

    @property
    def normalizer_fn(self):
        return self.normalizer


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32,
                   normalizer_fn=None) -> NumericColumn:
    """``tf.feature_column.numeric_column("x", shape=[784])``."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"numeric_column key must be a non-empty string, got {key!r}")
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise ValueError(f"shape of numeric_column '{key}' must be an int or a list of ints, "
                         f"got {shape!r}") from None
    if not shape or any(d <= 0 for d in shape):
        raise ValueError(f"shape dimensions of numeric_column '{key}' must be > 0, got {shape}")
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise ValueError(f"dtype of numeric_column '{key}' must be convertible to float, got "
                         f"{dtype.name}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn of numeric_column '{key}' must be a callable, got "
                        f"{normalizer_fn!r}")
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


def real_valued_column(column_name, dimension=1, default_value=None, dtype=dtypes.float32,
                       normalizer=None) -> _RealValuedColumn:
    """contrib's ``real_valued_column(name, dimension)``."""
    if not isinstance(column_name, str):
        raise TypeError(f"column_name must be a string, got {column_name!r}")
    if dimension is None or int(dimension) < 1:
        raise ValueError(f"dimension of real_valued_column '{column_name}' must be >= 1, got "
                         f"{dimension!r}")
    return _RealValuedColumn(column_name, int(dimension), default_value,
                             dtypes.as_dtype(dtype), normalizer)


def check_columns(feature_columns) -> list:
    """The columns as a list, checked to be numeric columns with distinct names."""
    if feature_columns is None:
        raise ValueError("feature_columns must be given (e.g. [tf.feature_column.numeric_column("
                         "'x', shape=[4])])")
    if isinstance(feature_columns, (NumericColumn, _RealValuedColumn)):
        feature_columns = [feature_columns]
    columns = list(feature_columns)
    if not columns:
        raise ValueError("feature_columns must not be empty")
    seen = set()
    for c in columns:
        if not isinstance(c, (NumericColumn, _RealValuedColumn)):
            raise ValueError(f"Items of feature_columns must be numeric columns "
                             f"(numeric_column / real_valued_column); got {c!r}")
        if c.name in seen:
            raise ValueError(f"Duplicate feature column name: {c.name!r}")
        seen.add(c.name)
    return columns


def input_layer(features, feature_columns, weight_collections=None, trainable=True,
                cols_to_vars=None) -> Tensor:
    """The columns' features as one float32 [batch, total width] tensor (columns sorted by
    name, as TF orders them). A plain tensor ``features`` feeds a single column."""
    columns = sorted(check_columns(feature_columns), key=lambda c: c.name)
    with name_scope("input_layer"):
        parts = []
        for c in columns:
            with name_scope(c.name or "feature"):
                t = _lookup(features, c, len(columns))
                if t.dtype is not dtypes.float32:
                    t = array_ops.cast(t, dtypes.float32)
                if c.normalizer_fn is not None:
                    t = c.normalizer_fn(t)
                d = t.shape.as_list() if t.shape.ndims is not None else None
                if d is not None and len(d) >= 2 and None not in d[1:] and \
                        int(np.prod(d[1:])) != c.width:
                    raise ValueError(f"Feature '{c.name}' has shape {t.shape} but its column "
                                     f"expects {c.width} values per example (shape "
                                     f"{list(c.shape)})")
                parts.append(array_ops.reshape(t, [-1, c.width]))
        return parts[0] if len(parts) == 1 else array_ops.concat(parts, 1)


def _lookup(features, column, n_columns) -> Tensor:
    if isinstance(features, dict):
        if column.name not in features:
            raise ValueError(f"Feature {column.name!r} is not in features dictionary (keys: "
                             f"{sorted(features)})")
        return convert_to_tensor(features[column.name])
    if n_columns != 1:
        raise ValueError(f"features is a single tensor but there are {n_columns} feature "
                         "columns: pass a dict {name: tensor}")
    return convert_to_tensor(features)
