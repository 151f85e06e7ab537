"""TF1's `tf.image` cropping and padding: crop_to_bounding_box, pad_to_bounding_box,
resize_image_with_crop_or_pad (CIFAR-10's evaluation input) and central_crop.

Built from slice and pad, so gradients and both backends come with them. The image's height and
width, and the offsets and sizes, must be known when the graph is built, as XLA needs static shapes.
"""

from __future__ import annotations

from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = ["crop_to_bounding_box", "pad_to_bounding_box", "resize_image_with_crop_or_pad", "central_crop"]


def _image(image: Any, api: str) -> tuple[Tensor, bool, int, int]:
    """(image as a batch, whether it was one image, height, width)."""
    from graphdl.ops.array import expand_dims

    x = convert_to_tensor(image)
    dims = x.shape.dims
    if dims is None or len(dims) not in (3, 4):
        raise get_default_graph().located_error(
            ShapeError,
            api,
            f"image must be [height, width, channels] or a batch of them, got {x.shape.short()}",
        )
    single = len(dims) == 3
    h, w = (dims[0], dims[1]) if single else (dims[1], dims[2])
    if h is None or w is None:
        raise get_default_graph().located_error(
            ShapeError,
            api,
            f"the image's height and width must be known when the graph is built, got {x.shape.short()}",
        )
    return (expand_dims(x, 0) if single else x), single, int(h), int(w)


def _done(x: Tensor, single: bool) -> Tensor:
    from graphdl.ops.array import squeeze

    return squeeze(x, [0]) if single else x


def _check(api: str, ok: bool, message: str) -> None:
    if not ok:
        raise get_default_graph().located_error(ShapeError, api, message)


def crop_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> Tensor:
    """TF1: the [target_height, target_width] window whose top-left corner is (offset_height, offset_width)."""
    from graphdl.ops.slicing import slice as slice_

    api = "crop_to_bounding_box"
    with get_default_graph().name_scope("crop_to_bounding_box"):
        x, single, h, w = _image(image, api)
        oh, ow, th, tw = int(offset_height), int(offset_width), int(target_height), int(target_width)
        _check(api, oh >= 0 and ow >= 0, "offset_height and offset_width must be >= 0")
        _check(api, th > 0 and tw > 0, "target_height and target_width must be > 0")
        _check(api, oh + th <= h and ow + tw <= w, f"the box does not fit in the {h}x{w} image")
        return _done(slice_(x, [0, oh, ow, 0], [-1, th, tw, -1]), single)


def pad_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> Tensor:
    """TF1: the image placed at (offset_height, offset_width) in a [target_height, target_width] field of zeros."""
    from graphdl.ops.padding import pad

    api = "pad_to_bounding_box"
    with get_default_graph().name_scope("pad_to_bounding_box"):
        x, single, h, w = _image(image, api)
        oh, ow, th, tw = int(offset_height), int(offset_width), int(target_height), int(target_width)
        _check(api, oh >= 0 and ow >= 0, "offset_height and offset_width must be >= 0")
        after_h, after_w = th - oh - h, tw - ow - w
        _check(api, after_h >= 0 and after_w >= 0, f"the {h}x{w} image does not fit at that offset")
        return _done(pad(x, [[0, 0], [oh, after_h], [ow, after_w], [0, 0]]), single)


def resize_image_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> Tensor:
    """TF1: centrally crop each dimension longer than the target and pad (centred, zeros) each shorter one."""
    with get_default_graph().name_scope("resize_image_with_crop_or_pad"):
        x, single, h, w = _image(image, "resize_image_with_crop_or_pad")
        th, tw = int(target_height), int(target_width)
        _check(
            "resize_image_with_crop_or_pad", th > 0 and tw > 0, "target_height and target_width must be > 0"
        )
        dh, dw = th - h, tw - w
        cropped = crop_to_bounding_box(x, max(-dh // 2, 0), max(-dw // 2, 0), min(th, h), min(tw, w))
        return _done(pad_to_bounding_box(cropped, max(dh // 2, 0), max(dw // 2, 0), th, tw), single)


def central_crop(image: Any, central_fraction: float) -> Tensor:
    """TF1: the central `central_fraction` of the image's height and width (TF1's rounding)."""
    api = "central_crop"
    with get_default_graph().name_scope("central_crop"):
        x, single, h, w = _image(image, api)
        f = float(central_fraction)
        _check(api, 0.0 < f <= 1.0, f"central_fraction must be in (0, 1], got {central_fraction}")
        if f == 1.0:
            return _done(x, single)
        top, left = int((h - h * f) / 2), int((w - w * f) / 2)  # TF 1.15's rounding, in float64
        from graphdl.ops.slicing import slice as slice_

        # a slice, as TF1's (an empty window is allowed here, unlike crop_to_bounding_box)
        return _done(slice_(x, [0, top, left, 0], [-1, h - 2 * top, w - 2 * left, -1]), single)
