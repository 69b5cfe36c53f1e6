"""tf.image: resizing (bilinear, nearest neighbour)."""

from .ops.image_ops import (
    ResizeMethod,
    resize,
    resize_bilinear,
    resize_images,
    resize_nearest_neighbor,
)

__all__ = ["ResizeMethod", "resize", "resize_bilinear", "resize_images",
           "resize_nearest_neighbor"]
