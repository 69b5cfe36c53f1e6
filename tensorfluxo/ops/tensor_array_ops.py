"""tf.TensorArray: a list of tensors that a while_loop can read and write one element per step.

A TensorArray is a Python object around its *flow*, a ``variant`` tensor whose run-time value is
a ``TensorArrayValue``. Values are never changed in place: a write returns a new value (so a
loop's gradient, which keeps each iteration's values, sees them as they were). Gradients of
TensorArray ops are gradient arrays (``TensorArrayValue`` with ``gradient=True``): sparse,
an element never written reads as zeros, and two of them add element by element.
"""

from __future__ import annotations

import numpy as np

from ..framework import dtypes, errors
from ..framework.ops import Tensor, apply_op, convert_to_tensor, name_scope
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape, as_shape
from . import array_ops
from ._util import constant_value


class TensorArrayValue:
    """The run-time value of a TensorArray's flow: ``elems`` maps index -> array."""

    __slots__ = ("elems", "size", "dynamic", "clear", "cleared", "gradient")

    def __init__(self, elems: dict, size: int, dynamic=False, clear=False, cleared=frozenset(),
                 gradient=False):
        self.elems, self.size, self.dynamic = elems, size, dynamic
        self.clear, self.cleared, self.gradient = clear, cleared, gradient

    @classmethod
    def empty_gradient(cls) -> TensorArrayValue:
        return cls({}, 0, dynamic=True, gradient=True)

    @classmethod
    def sum_gradients(cls, values) -> TensorArrayValue:
        elems: dict = {}
        for v in values:
            for i, e in v.elems.items():
                elems[i] = e if i not in elems else elems[i] + e
        return cls(elems, max(v.size for v in values), dynamic=True, gradient=True)

    def written(self, updates: dict, op_name: str) -> TensorArrayValue:
        size = self.size
        for i in updates:
            if i < 0 or (i >= size and not self.dynamic):
                raise errors.InvalidArgumentError(
                    None, None, f"Tried to write to index {i} but array is not resizeable and "
                    f"size is: {size}")
            size = max(size, i + 1)
        return TensorArrayValue({**self.elems, **updates}, size, self.dynamic, self.clear,
                                self.cleared - set(updates), self.gradient)

    def read(self, i: int, like=None):
        if self.gradient:
            e = self.elems.get(i)
            return np.zeros_like(like) if e is None else e
        if i < 0 or i >= self.size:
            raise errors.InvalidArgumentError(
                None, None, f"Tried to read from index {i} but array size is: {self.size}")
        if i in self.cleared:
            raise errors.InvalidArgumentError(
                None, None, f"Could not read index {i} twice because it was cleared after a "
                "previous read (perhaps try setting clear_after_read = false?)")
        e = self.elems.get(i)
        if e is None:
            raise errors.InvalidArgumentError(
                None, None, f"Could not read from TensorArray index {i} because it has not yet "
                "been written to.")
        if self.clear:  # mark, never remove: a loop's gradient may hold this value
            self.cleared = self.cleared | {i}
        return e


def _flow_infer(op):
    return dtypes.variant, ()


def _create_kernel(size, dynamic_size, clear_after_read, **_):
    return TensorArrayValue({}, int(size), dynamic_size, clear_after_read)


def _write_kernel(ta, index, value, **_):
    return ta.written({int(index): value}, "write")


def _gather_kernel(ta, indices, element_shape, dtype):
    idx = np.asarray(indices).reshape(-1)
    if idx.size == 0:
        if element_shape is None or None in element_shape:
            raise errors.InvalidArgumentError(
                None, None, "TensorArray has size zero, but element shape "
                f"{'<unknown>' if element_shape is None else list(element_shape)} is not fully "
                "defined. Currently only static shapes are supported when packing zero-size "
                "TensorArrays.")
        return np.zeros((0, *element_shape), dtype.np)
    elems = [ta.read(int(i)) for i in idx]
    shapes = {e.shape for e in elems}
    if len(shapes) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"TensorArray has inconsistent element shapes: {sorted(shapes)}; stack and "
            "gather need elements of one shape")
    return np.stack(elems)


def _scatter_kernel(ta, indices, value, **_):
    idx = np.asarray(indices).reshape(-1)
    if len(idx) != len(value):
        raise errors.InvalidArgumentError(
            None, None, f"TensorArray scatter: {len(idx)} indices but the value has "
            f"{len(value)} rows")
    return ta.written({int(i): value[j] for j, i in enumerate(idx)}, "scatter")


def _element_infer(op):
    es = op.attrs["element_shape"]
    return op.attrs["dtype"], TensorShape(None if es is None else list(es))


def _gather_infer(op):
    es, n = op.attrs["element_shape"], op.inputs[1].shape
    k = n.as_list()[0] if n.ndims == 1 else None
    return op.attrs["dtype"], TensorShape(None if es is None else [k, *es])


def _grad_read(dflow, index, like):
    return apply_op("TensorArrayGradRead", [dflow, index, like], name="TensorArrayGradRead")


defop("TensorArrayV3", infer=_flow_infer, kernel=_create_kernel, stateful=True,
      not_differentiable=True)
defop("TensorArrayWriteV3", infer=_flow_infer, kernel=_write_kernel,
      grad=lambda op, d: [d, None, _grad_read(d, op.inputs[1], op.inputs[2])])
defop("TensorArrayReadV3", infer=_element_infer,
      kernel=lambda ta, index, **_: ta.read(int(index)), aliases=True,
      grad=lambda op, dy: [apply_op("TensorArrayGradWrite", [dy, op.inputs[1]],
                                    name="TensorArrayGradWrite"), None])
defop("TensorArrayGatherV3", infer=_gather_infer, kernel=_gather_kernel,
      grad=lambda op, dy: [apply_op("TensorArrayGradScatter", [dy, op.inputs[1]],
                                    name="TensorArrayGradScatter"), None])
defop("TensorArrayScatterV3", infer=_flow_infer, kernel=_scatter_kernel,
      grad=lambda op, d: [d, None, apply_op("TensorArrayGradGather", [d, op.inputs[1],
                                                                      op.inputs[2]],
                                            name="TensorArrayGradGather")])
defop("TensorArraySizeV3", infer=lambda op: (dtypes.int32, ()),
      kernel=lambda ta: np.array(ta.size, np.int32), not_differentiable=True)

# Gradient arrays: built by the gradients of the ops above. Their own gradients are not defined
# (a second derivative through a TensorArray raises LookupError).
defop("TensorArrayGradRead", infer=lambda op: (op.inputs[2].dtype, op.inputs[2].shape),
      kernel=lambda d, index, like: d.read(int(index), like), aliases=True)
defop("TensorArrayGradWrite", infer=_flow_infer,
      kernel=lambda dy, index: TensorArrayValue({int(index): dy}, int(index) + 1, True,
                                                gradient=True))
defop("TensorArrayGradGather", infer=lambda op: (op.inputs[2].dtype, op.inputs[2].shape),
      kernel=lambda d, indices, like: np.stack(
          [d.read(int(i), like[j]) for j, i in enumerate(np.asarray(indices).reshape(-1))])
      if len(like) else np.zeros_like(like))


def _grad_scatter_kernel(dy, indices):
    elems: dict = {}
    for j, i in enumerate(np.asarray(indices).reshape(-1).tolist()):
        elems[i] = dy[j] if i not in elems else elems[i] + dy[j]  # gathered twice: sum
    return TensorArrayValue(elems, max(elems, default=-1) + 1, True, gradient=True)


defop("TensorArrayGradScatter", infer=_flow_infer, kernel=_grad_scatter_kernel)
defop("TensorArrayGradAdd", infer=_flow_infer,
      kernel=lambda *gs: TensorArrayValue.sum_gradients(gs))


def add_gradient_arrays(grads) -> Tensor:
    """The sum of gradient arrays reaching one TensorArray flow (used by tf.gradients)."""
    return apply_op("TensorArrayGradAdd", list(grads), name="TensorArrayGradAdd")


class TensorArray:
    """A list of ``size`` tensors of one dtype, written and read by index (TF1's TensorArray).

    Each write returns a new TensorArray; use the returned one::

        ta = tf.TensorArray(tf.float32, size=3)
        ta = ta.write(0, x)
        y = ta.stack()
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic = bool(dynamic_size)
        self._clear = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        # shared by every TensorArray of this flow chain, refined by writes (as TF does)
        self._shape_box = [TensorShape(None) if element_shape is None else
                           as_shape(element_shape)]
        if flow is not None:
            self._flow, self._static_size = flow, None
            return
        if size is None:
            raise ValueError("TensorArray: size must be given")
        with name_scope(name, "TensorArray"):
            size_t = convert_to_tensor(size, dtype=dtypes.int32)
            value = constant_value(size_t)
            self._static_size = None if value is None else int(value)
            self._flow = apply_op("TensorArrayV3", [size_t], {
                "dtype": self._dtype, "dynamic_size": self._dynamic,
                "clear_after_read": self._clear,
                "element_shape": self._attr_shape()}, name=tensor_array_name or "TensorArrayV3")

    # ---- properties ----------------------------------------------------------------------------
    @property
    def flow(self) -> Tensor:
        return self._flow

    @property
    def handle(self) -> Tensor:
        return self._flow

    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic

    @property
    def element_shape(self) -> TensorShape:
        return self._shape_box[0]

    def _attr_shape(self):
        return self._shape_box[0].as_tuple()

    def _with_flow(self, flow: Tensor) -> TensorArray:
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._flow = flow
        return ta

    def _merge_shape(self, shape: TensorShape, what: str) -> None:
        if not self._infer_shape:
            return
        box = self._shape_box
        if not box[0].is_compatible_with(shape):
            raise ValueError(f"TensorArray {what}: inconsistent shapes: saw {shape} but expected "
                             f"{box[0]} (the shape of the array's elements)")
        box[0] = box[0].merge_with(shape)

    def _check_value(self, value: Tensor, what: str) -> None:
        if value.dtype is not self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but op is trying to "
                            f"{what} dtype {value.dtype.name} ({value.name})")

    def _check_index(self, index: Tensor, what: str) -> None:
        if not index.dtype.is_integer:
            raise TypeError(f"TensorArray {what}: index must be an integer, got "
                            f"{index.dtype.name} ({index.name})")
        i = constant_value(index)
        if i is None or self._static_size is None or self._dynamic:
            return
        bad = np.asarray(i).reshape(-1)
        bad = bad[(bad < 0) | (bad >= self._static_size)]
        if bad.size:
            raise ValueError(f"TensorArray {what}: index {int(bad[0])} is out of range: the "
                             f"array's size is {self._static_size} (dynamic_size=False)")

    # ---- ops -------------------------------------------------------------------------------------
    def _attrs(self) -> dict:
        return {"dtype": self._dtype, "element_shape": self._attr_shape()}

    def write(self, index, value, name=None) -> TensorArray:
        """A TensorArray with ``value`` at ``index``."""
        with name_scope(name, "TensorArrayWrite"):
            index = convert_to_tensor(index, preferred_dtype=dtypes.int32)
            value = convert_to_tensor(value, dtype=self._dtype if not isinstance(
                value, Tensor) else None)
            self._check_index(index, "write")
            self._check_value(value, "write")
            self._merge_shape(value.shape, "write")
            return self._with_flow(apply_op("TensorArrayWriteV3", [self._flow, index, value],
                                            name="TensorArrayWriteV3"))

    def read(self, index, name=None) -> Tensor:
        """The element at ``index``."""
        with name_scope(name, "TensorArrayRead"):
            index = convert_to_tensor(index, preferred_dtype=dtypes.int32)
            self._check_index(index, "read")
            return apply_op("TensorArrayReadV3", [self._flow, index], self._attrs(),
                            name="TensorArrayReadV3")

    def gather(self, indices, name=None) -> Tensor:
        """The elements at ``indices``, stacked."""
        with name_scope(name, "TensorArrayGather"):
            indices = convert_to_tensor(indices, preferred_dtype=dtypes.int32)
            self._check_index(indices, "gather")
            return apply_op("TensorArrayGatherV3", [self._flow, indices], self._attrs(),
                            name="TensorArrayGatherV3")

    def stack(self, name=None) -> Tensor:
        """All elements stacked on a new first axis."""
        with name_scope(name, "TensorArrayStack"):
            return self.gather(array_ops.range(self.size()))

    def scatter(self, indices, value, name=None) -> TensorArray:
        """A TensorArray with ``value[j]`` at ``indices[j]``."""
        with name_scope(name, "TensorArrayScatter"):
            indices = convert_to_tensor(indices, preferred_dtype=dtypes.int32)
            value = convert_to_tensor(value, dtype=self._dtype if not isinstance(
                value, Tensor) else None)
            self._check_index(indices, "scatter")
            self._check_value(value, "scatter")
            if value.shape.ndims is not None:
                if value.shape.ndims == 0:
                    raise ValueError(f"TensorArray scatter: the value must have rank >= 1, got "
                                     f"a scalar ({value.name})")
                self._merge_shape(TensorShape(value.shape.as_list()[1:]), "scatter")
            return self._with_flow(apply_op("TensorArrayScatterV3",
                                            [self._flow, indices, value],
                                            name="TensorArrayScatterV3"))

    def unstack(self, value, name=None) -> TensorArray:
        """A TensorArray whose elements are the rows of ``value``."""
        with name_scope(name, "TensorArrayUnstack"):
            value = convert_to_tensor(value, dtype=self._dtype if not isinstance(
                value, Tensor) else None)
            n = value.shape.as_list()[0] if value.shape.ndims else None
            if n is not None and self._static_size is not None and not self._dynamic and \
                    n > self._static_size:
                raise ValueError(f"TensorArray unstack: the value has {n} rows but the array's "
                                 f"size is {self._static_size} ({value.name})")
            rows = array_ops.range(n) if n is not None else \
                array_ops.range(array_ops.shape(value)[0])
            return self.scatter(rows, value)

    def size(self, name=None) -> Tensor:
        """The number of elements (int32 scalar)."""
        return apply_op("TensorArraySizeV3", [self._flow], name=name or "TensorArraySizeV3")

    def identity(self) -> TensorArray:
        return self._with_flow(array_ops.identity(self._flow))

    def close(self, name=None):
        from .control_flow_ops import no_op
        return no_op(name=name or "TensorArrayClose")
