"""Image ops: resizing (bilinear, nearest neighbour) and space_to_depth / depth_to_space.

Resizing is a separable linear map: out = Rh @ image @ Rw^T for every image and channel, with
small interpolation matrices built once per (sizes, method, corner convention). The gradient is
the transposed map, so ResizeBilinear and ResizeNearestNeighbor share one kernel and one
gradient kernel. Sampling positions follow TF: ``align_corners`` maps corner pixel centers onto
each other; ``half_pixel_centers`` (TF2's tf.image.resize) samples at pixel centers.
"""

from __future__ import annotations

import functools

import numpy as np

from ..framework import dtypes
from ..framework.ops import apply_op
from ..framework.registry import defop
from ..framework.tensor_shape import TensorShape
from ..kernels import conv as K
from ..kernels.scatter import scatter_add
from . import array_ops as A
from ._util import constant_value, dims


@functools.lru_cache(maxsize=256)
def _matrix(n_in: int, n_out: int, nearest: bool, align_corners: bool, half_pixel: bool):
    """(n_out, n_in) interpolation weights, positions computed in float32 as TF does."""
    f32 = np.float32
    scale = f32(n_in - 1) / f32(n_out - 1) if align_corners and n_out > 1 else \
        f32(n_in) / f32(n_out)
    i = np.arange(n_out, dtype=f32)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if nearest:
        src = (i + f32(0.5)) * scale if half_pixel else i * scale
        idx = np.floor(src + f32(0.5)) if align_corners else np.floor(src)
        m[rows, np.clip(idx.astype(np.int64), 0, n_in - 1)] = 1
        return m
    src = (i + f32(0.5)) * scale - f32(0.5) if half_pixel else i * scale
    low = np.floor(src)
    lerp = (src - low).astype(np.float64)
    lo = np.clip(low.astype(np.int64), 0, n_in - 1)
    hi = np.clip(np.ceil(src).astype(np.int64), 0, n_in - 1)
    return scatter_add(m.shape, (np.tile(rows, 2), np.concatenate([lo, hi])),
                       np.concatenate([1 - lerp, lerp]))


def _maps(in_hw, out_hw, op_type, align_corners, half_pixel_centers, dtype):
    nearest = op_type.startswith("ResizeNearest")
    return [_matrix(a, b, nearest, align_corners, half_pixel_centers).astype(dtype)
            for a, b in zip(in_hw, out_hw)]


def _out_dtype(op_type, dt):
    """Bilinear resizing returns float32 as TF's (float64 stays float64, for exact checks)."""
    if op_type == "ResizeBilinear" and dt is not dtypes.float64:
        return dtypes.float32
    return dt


def _resize_infer(op):
    x, size = op.inputs
    d = dims(x)
    if d is not None and len(d) != 4:
        raise ValueError(f"{op.type}: images must be 4-dimensional [batch, height, width, "
                         f"channels], got shape {x.shape}")
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"{op.type} does not support dtype {x.dtype.name}")
    v = constant_value(size)
    hw = (None, None) if v is None else tuple(int(s) for s in np.reshape(v, -1))
    if len(hw) != 2 or any(s is not None and s <= 0 for s in hw):
        raise ValueError(f"{op.type}: size must be 2 positive ints [new_height, new_width], got "
                         f"{v.tolist()}")
    n, c = (None, None) if d is None else (d[0], d[3])
    return _out_dtype(op.type, x.dtype), [n, hw[0], hw[1], c]


def _k_resize(op_type):
    def kernel(x, size, align_corners, half_pixel_centers):
        dt = np.float64 if x.dtype == np.float64 else np.float32
        rh, rw = _maps(x.shape[1:3], tuple(int(s) for s in size), op_type, align_corners,
                       half_pixel_centers, dt)
        if op_type == "ResizeNearestNeighbor":  # a gather: exact for every dtype
            return np.ascontiguousarray(x[:, rh.argmax(1)][:, :, rw.argmax(1)])
        return K.separable(x.astype(dt, copy=False), rh, rw)
    return kernel


def _k_resize_grad(op_type):
    # TF's inputs: ResizeBilinearGrad(grads, original_image),
    # ResizeNearestNeighborGrad(grads, size of the original image)
    def kernel(dy, original, align_corners, half_pixel_centers):
        nearest = op_type == "ResizeNearestNeighbor"
        in_hw = tuple(int(s) for s in original) if nearest else original.shape[1:3]
        rh, rw = _maps(in_hw, dy.shape[1:3], op_type, align_corners, half_pixel_centers,
                       dy.dtype)
        return K.separable(dy, rh.T, rw.T).astype(dy.dtype if nearest else original.dtype,
                                                  copy=False)
    return kernel


def _hw_tensor(t):
    """The height and width of an NHWC tensor as an int32 [2] tensor (a constant if known)."""
    hw = dims(t)[1:3]
    return A.shape(t)[1:3] if None in hw else A.constant(np.asarray(hw, dtype=np.int32))


def _defresize(op_type):
    nearest = op_type == "ResizeNearestNeighbor"

    def grad(op, dy):
        x = op.inputs[0]
        return [apply_op(op_type + "Grad", [dy, _hw_tensor(x) if nearest else x],
                         dict(op.attrs)), None]

    def grad_grad(op, dd):  # the gradient op is linear in dy: its adjoint is the resize
        return [apply_op(op_type, [dd, _hw_tensor(op.inputs[0])], dict(op.attrs)), None]

    def grad_infer(op):
        dy, original = op.inputs
        if nearest:
            v = constant_value(original)
            hw = [None, None] if v is None else [int(s) for s in np.reshape(v, -1)]
            d = dims(dy)
            return dy.dtype, [None if d is None else d[0], *hw, None if d is None else d[3]]
        if not original.dtype.is_floating:
            raise TypeError(f"{op.type}: gradients need a float image, got "
                            f"{original.dtype.name}")
        return original.dtype, original.shape

    defop(op_type, infer=_resize_infer, kernel=_k_resize(op_type), grad=grad, blas=True)
    defop(op_type + "Grad", infer=grad_infer, kernel=_k_resize_grad(op_type), grad=grad_grad,
          blas=True)


_defresize("ResizeBilinear")
_defresize("ResizeNearestNeighbor")


# ---- space_to_depth / depth_to_space -------------------------------------------------------
def _k_space_to_depth(x, block_size, data_format):
    n, h, w, c = x.shape
    b = block_size
    return x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5).reshape(
        n, h // b, w // b, b * b * c)


def _k_depth_to_space(x, block_size, data_format):
    n, h, w, c = x.shape
    b = block_size
    return x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5).reshape(
        n, h * b, w * b, c // (b * b))


def _block_infer(op):
    x = op.inputs[0]
    b = op.attrs["block_size"]
    d = dims(x)
    if d is None:
        return x.dtype, TensorShape([None] * 4)
    if len(d) != 4:
        raise ValueError(f"{op.type}: input must be 4-dimensional [batch, height, width, "
                         f"depth], got shape {x.shape}")
    n, h, w, c = d
    if op.type == "SpaceToDepth":
        for what, s in (("height", h), ("width", w)):
            if s is not None and s % b:
                raise ValueError(f"SpaceToDepth: the input {what} ({s}) must be divisible by "
                                 f"block_size ({b}); input shape {x.shape}")
        return x.dtype, [n, h and h // b, w and w // b, c and c * b * b]
    if c is not None and c % (b * b):
        raise ValueError(f"DepthToSpace: the input depth ({c}) must be divisible by "
                         f"block_size * block_size ({b * b}); input shape {x.shape}")
    return x.dtype, [n, h and h * b, w and w * b, c and c // (b * b)]


defop("SpaceToDepth", infer=_block_infer, kernel=_k_space_to_depth,
      grad=lambda op, dy: [apply_op("DepthToSpace", [dy], dict(op.attrs))])
defop("DepthToSpace", infer=_block_infer, kernel=_k_depth_to_space,
      grad=lambda op, dy: [apply_op("SpaceToDepth", [dy], dict(op.attrs))])
