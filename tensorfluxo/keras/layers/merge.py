"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and
their functional forms (``add([a, b])``...). Keras 2.2 spelled the module keras.layers.merge.

Elementwise merges broadcast their inputs (a lower-rank input gets size-1 axes after the
batch axis, as Keras does); shapes that cannot broadcast fail when the layer is called,
naming the layer and the shapes.
"""

from __future__ import annotations

from ...ops import array_ops as A
from ...ops import math_ops as M
from .. import backend as K
from ..engine import Layer, _MultiInput


def _shape_str(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _masks(inputs, mask):
    """The inputs' Keras masks, an unmasked input's as all true; None when none is masked."""
    if mask is None or all(m is None for m in mask):
        return None
    return [m if m is not None else M.not_equal(A.ones_like(x[..., 0]), 0.0)
            for x, m in zip(inputs, mask)]


class _Merge(_MultiInput, Layer):
    """Base of the elementwise merges: ``_merge(tensors)`` of same-rank broadcastable tensors."""

    _min_inputs = 2
    supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """A step is kept when every input keeps it (tf.keras 2)."""
        masks = _masks(inputs, mask)
        if masks is None:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = M.logical_and(out, m)
        return out

    def _check_list(self, input_shape) -> None:
        if not isinstance(input_shape, list) or (input_shape and not isinstance(
                input_shape[0], (list, tuple, type(None)))):
            raise ValueError(f"A merge layer should be called on a list of inputs (layer "
                             f"{self.name!r}, {type(self).__name__})")
        if len(input_shape) < self._min_inputs:
            raise ValueError(f"A merge layer should be called on a list of at least "
                             f"{self._min_inputs} inputs. Got {len(input_shape)} input(s) "
                             f"(layer {self.name!r}, {type(self).__name__})")

    def build(self, input_shape) -> None:
        self._check_list(input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def _broadcast_shape(self, a, b):
        if a is None or b is None:
            return None
        n = max(len(a), len(b))
        a, b = _lift(a, n), _lift(b, n)
        out = [a[0] if a[0] is not None else b[0]]
        for x, y in zip(a[1:], b[1:]):
            if x is None or y is None:
                out.append(y if x == 1 else x if y == 1 else None)
            elif x == y or y == 1:
                out.append(x)
            elif x == 1:
                out.append(y)
            else:
                raise ValueError(f"Operands could not be broadcast together with shapes "
                                 f"{_shape_str(a)} {_shape_str(b)} (layer {self.name!r}, "
                                 f"{type(self).__name__})")
        return tuple(out)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        out = tuple(input_shape[0]) if input_shape[0] is not None else None
        for s in input_shape[1:]:
            out = self._broadcast_shape(out, None if s is None else tuple(s))
        return out

    def call(self, inputs):
        n = max(t.shape.ndims for t in inputs)
        xs = []
        for t in inputs:
            for _ in range(n - t.shape.ndims):  # (b, 3) with (b, 5, 3): (b, 1, 3)
                t = A.expand_dims(t, 1)
            xs.append(t)
        return self._merge(xs)

    def _merge(self, xs):
        raise NotImplementedError


def _lift(shape, n):
    """``shape`` with size-1 axes inserted after the batch axis up to rank ``n``."""
    return (shape[0],) + (1,) * (n - len(shape)) + tuple(shape[1:])


def _fold(fn):
    def merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = fn(out, x)
        return out
    return merge


class Add(_Merge):
    """The sum of its inputs: ``Add()([a, b])``."""
    _merge = _fold(M.add)


class Multiply(_Merge):
    """The elementwise product of its inputs."""
    _merge = _fold(M.multiply)


class Maximum(_Merge):
    _merge = _fold(M.maximum)


class Minimum(_Merge):
    _merge = _fold(M.minimum)


class Average(_Merge):
    def _merge(self, xs):
        return _fold(M.add)(self, xs) / float(len(xs))


class Subtract(_Merge):
    """``a - b`` for exactly two inputs."""

    def _check_list(self, input_shape) -> None:
        super()._check_list(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Got "
                             f"{len(input_shape)} (layer {self.name!r})")

    def _merge(self, xs):
        return xs[0] - xs[1]


class Concatenate(_MultiInput, Layer):
    """Joins its inputs along ``axis`` (-1: features)."""

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A `Concatenate` layer should be called on a list of at least 2 "
                             f"inputs (layer {self.name!r})")
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank
        reduced = [s[:axis] + s[axis + 1:] for s in shapes]
        ok = all(len(s) == rank for s in shapes) and all(
            all(a is None or b is None or a == b for a, b in zip(reduced[0], r))
            for r in reduced[1:])
        if not ok:
            raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes "
                             f"except for the concatenation axis. Received: input_shape="
                             f"{[_shape_str(s) for s in shapes]} (layer {self.name!r}, "
                             f"axis={self.axis})")
        sizes = [s[axis] for s in shapes]
        total = None if None in sizes else sum(sizes)
        first = [next((r[i] for r in reduced if r[i] is not None), None)
                 for i in range(rank - 1)]
        return tuple(first[:axis]) + (total,) + tuple(first[axis:])

    def call(self, inputs):
        return K.concatenate(list(inputs), axis=self.axis)

    supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """Along the features: kept where every input keeps the step; along another axis
        the masks are joined too (tf.keras 2)."""
        masks = _masks(inputs, mask)
        if masks is None:
            return None
        rank = inputs[0].shape.ndims
        if self.axis % rank == rank - 1:
            return _Merge.compute_mask(self, inputs, mask)
        return A.concat(masks, self.axis % rank)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg["axis"] = self.axis
        return cfg


class Dot(_MultiInput, Layer):
    """Per-sample dot products of two inputs over ``axes`` (K.batch_dot); ``normalize=True``
    L2-normalizes both first (cosine proximity)."""

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.axes = list(axes) if isinstance(axes, (list, tuple)) else [int(axes)] * 2
        self.normalize = bool(normalize)

    def _axes(self, shapes):
        return [a % len(s) for a, s in zip(self.axes, shapes)]

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs (layer "
                             f"{self.name!r})")
        a, b = (tuple(s) for s in input_shape)
        ax, bx = self._axes([a, b])
        if a[ax] is not None and b[bx] is not None and a[ax] != b[bx]:
            raise ValueError(f"Dimension incompatibility {a[ax]} != {b[bx]}. Layer shapes: "
                             f"{_shape_str(a)}, {_shape_str(b)} (layer {self.name!r}, "
                             f"axes={self.axes})")
        out = a[:ax] + a[ax + 1:] + b[1:bx] + b[bx + 1:]
        return out if len(out) > 1 else out + (1,)

    def call(self, inputs):
        x, y = inputs
        ax, bx = self._axes([x.shape.as_list(), y.shape.as_list()])
        if self.normalize:
            x, y = K.l2_normalize(x, axis=ax), K.l2_normalize(y, axis=bx)
        return K.batch_dot(x, y, axes=(ax, bx))

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(axes=self.axes, normalize=self.normalize)
        return cfg


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize: bool = False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
