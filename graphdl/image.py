"""`tf.image` (TF1): resizing, flips and per-image standardization (graphdl.ops.image_ops), dtype
conversion, grayscale and rot90 (graphdl.ops.image_color), cropping (graphdl.ops.image_crop), and
`extract_image_patches` (graphdl.ops.space_blocks; TF 1.14 also calls it `extract_patches`)."""

from __future__ import annotations

from graphdl.ops.image_color import *  # noqa: F403
from graphdl.ops.image_color import __all__ as _color_names
from graphdl.ops.image_crop import *  # noqa: F403
from graphdl.ops.image_crop import __all__ as _crop_names
from graphdl.ops.image_ops import (
    ResizeMethod,
    flip_left_right,
    flip_up_down,
    per_image_standardization,
    resize_bilinear,
    resize_images,
    resize_nearest_neighbor,
)
from graphdl.ops.image_random import *  # noqa: F403
from graphdl.ops.image_random import __all__ as _random_names
from graphdl.ops.space_blocks import extract_image_patches

__all__ = [
    "ResizeMethod",
    "resize_images",
    "resize_bilinear",
    "resize_nearest_neighbor",
    "flip_left_right",
    "flip_up_down",
    "per_image_standardization",
    "extract_image_patches",
    "extract_patches",
]

extract_patches = extract_image_patches
__all__ += _random_names
__all__ += _crop_names
__all__ += _color_names
