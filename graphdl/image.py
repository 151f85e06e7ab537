"""`tf.image` (TF1): resizing, flips and per-image standardization, from graphdl.ops.image_ops."""

from __future__ import annotations

from graphdl.ops.image_ops import (
    ResizeMethod,
    flip_left_right,
    flip_up_down,
    per_image_standardization,
    resize_bilinear,
    resize_images,
    resize_nearest_neighbor,
)

__all__ = [
    "ResizeMethod",
    "resize_images",
    "resize_bilinear",
    "resize_nearest_neighbor",
    "flip_left_right",
    "flip_up_down",
    "per_image_standardization",
]
