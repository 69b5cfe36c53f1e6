"""tf.image: resizing (bilinear, nearest neighbour); tf.space_to_depth / depth_to_space."""

from __future__ import annotations

import numpy as np

from .framework.ops import Tensor, apply_op, convert_to_tensor
from .ops import array_ops as A
from .ops._util import dims

__all__ = ["ResizeMethod", "depth_to_space", "resize", "resize_bilinear", "resize_images",
           "resize_nearest_neighbor", "space_to_depth"]

_METHODS = {"bilinear": "ResizeBilinear", "nearest": "ResizeNearestNeighbor"}
_V1_CODES = {0: "bilinear", 1: "nearest"}  # tf.image.ResizeMethod (TF1 integer codes)


class ResizeMethod:
    """tf.image.ResizeMethod: BILINEAR and NEAREST_NEIGHBOR are supported."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"


def _method(method) -> str:
    m = _V1_CODES.get(method, method) if not isinstance(method, str) else method.lower()
    if m in ("nearest_neighbor", "nearest_neighbour"):
        m = "nearest"
    if m not in _METHODS:
        raise ValueError(f"Resize method {method!r} is not supported: use 'bilinear' or "
                         f"'nearest' (tf.image.ResizeMethod.BILINEAR / NEAREST_NEIGHBOR)")
    return m


def _resize(images, size, method, align_corners, half_pixel_centers, name):
    x = convert_to_tensor(images)
    squeeze = dims(x) is not None and len(dims(x)) == 3
    if squeeze:
        x = A.expand_dims(x, 0)
    if not isinstance(size, Tensor):
        sv = list(size)
        if len(sv) != 2:
            raise ValueError(f"size must be a 1-D list of 2 elements [new_height, new_width], "
                             f"got {size!r}")
        size = A.constant(np.asarray(sv, dtype=np.int32), name="size")
    if align_corners and half_pixel_centers:
        raise ValueError("If half_pixel_centers is True, align_corners must be False.")
    op_type = _METHODS[_method(method)]
    y = apply_op(op_type, [x, size], {"align_corners": bool(align_corners),
                                      "half_pixel_centers": bool(half_pixel_centers)},
                 name=name or op_type)
    return A.squeeze(y, [0]) if squeeze else y


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None):
    """TF1's resize: 4-D [batch, h, w, c] or 3-D [h, w, c] images to ``size`` [h, w]."""
    if preserve_aspect_ratio:
        raise NotImplementedError("resize_images(preserve_aspect_ratio=True) is not supported")
    return _resize(images, size, method, align_corners, False, name)


resize = resize_images


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    return _resize(images, size, "bilinear", align_corners, half_pixel_centers, name)


def resize_nearest_neighbor(images, size, align_corners=False, name=None,
                            half_pixel_centers=False):
    return _resize(images, size, "nearest", align_corners, half_pixel_centers, name)


def _block_op(op_type, x, block_size, data_format, name):
    if data_format != "NHWC":
        raise ValueError(f"{op_type}: data_format {data_format!r} is not supported (TensorFlow "
                         f"has no CPU kernel for it either); use 'NHWC'")
    if int(block_size) < 2:
        raise ValueError(f"{op_type}: block_size must be at least 2, got {block_size}")
    return apply_op(op_type, [convert_to_tensor(x)],
                    {"block_size": int(block_size), "data_format": data_format},
                    name=name or op_type)


def space_to_depth(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """Moves each block_size x block_size block of pixels into the depth dimension."""
    return _block_op("SpaceToDepth", input, block_size, data_format, name)


def depth_to_space(input, block_size, name=None, data_format="NHWC"):  # noqa: A002
    """The inverse of space_to_depth."""
    return _block_op("DepthToSpace", input, block_size, data_format, name)
