"""TF1's image adjustments and their random forms (`tf.image`), composed from public ops.

adjust_brightness / adjust_contrast follow TF1: a float16/float32 image is adjusted as it is, a
float64 one in float32, a uint8 one as float32 in [0, 1] converted back with saturation
(`convert_image_dtype`). The random forms draw their factor (or flip coin) with `random_uniform`,
so the interpreter and XLA draw the same numbers for the same seeds. A 4-D batch gets one flip
coin per image, as TF 1.15's random_flip_*; brightness and contrast draw one factor for the batch.
"""

from __future__ import annotations

from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = [
    "random_flip_left_right",
    "random_flip_up_down",
    "random_brightness",
    "random_contrast",
    "adjust_brightness",
    "adjust_contrast",
]


def _to_float(x: Tensor, api: str) -> Tensor:
    """The image in the float dtype TF1 adjusts it in (TF1's convert_image_dtype to float32)."""
    from graphdl.ops.math import cast, multiply

    name = x.dtype.name
    if name in ("float16", "float32"):
        return x
    if name == "float64":
        return cast(x, "float32")
    if name == "uint8":
        return multiply(cast(x, "float32"), 1.0 / 255.0)
    raise get_default_graph().located_error(
        DTypeError, api, f"images must be float16, float32, float64 or uint8, got {x.dtype.name}"
    )


def _from_float(y: Tensor, dtype: Any) -> Tensor:
    """Back to the image's dtype (TF1: uint8 is scaled by 255.5, clipped to [0, 255] and truncated)."""
    from graphdl.ops.math import cast, clip_by_value, multiply

    if y.dtype == dtype:
        return y
    if dtype.name == "uint8":
        return cast(clip_by_value(multiply(y, 255.5), 0.0, 255.0), dtype)
    return cast(y, dtype)


def _image(image: Any, api: str, ranks: tuple[int, ...] | None = None) -> Tensor:
    x = convert_to_tensor(image, name="image")
    nd = x.shape.ndims
    if nd is not None:
        if nd < 3:
            raise get_default_graph().located_error(
                ShapeError, api, f"'image' must be at least three-dimensional, got {x.shape.short()}"
            )
        if ranks is not None and nd not in ranks:
            raise get_default_graph().located_error(
                ShapeError, api, f"'image' must have either 3 or 4 dimensions, got {x.shape.short()}"
            )
    return x


def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """TF1 `tf.image.adjust_brightness(image, delta)`: image + delta (in float, back to the image dtype)."""
    from graphdl.ops.math import add, cast

    graph = get_default_graph()
    with graph.name_scope("adjust_brightness") as scope:
        x = convert_to_tensor(image, name="image")
        flt = _to_float(x, "adjust_brightness")
        d = convert_to_tensor(delta)
        if d.dtype != flt.dtype:
            d = cast(d, flt.dtype)
        if x.dtype == flt.dtype:
            return add(flt, d, name=scope)
        return _from_float(add(flt, d), x.dtype)


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """TF1 `tf.image.adjust_contrast`: (x - mean) * factor + mean, the mean per channel over height and width."""
    from graphdl.ops.math import add, cast, multiply, subtract
    from graphdl.ops.reduce import reduce_mean

    graph = get_default_graph()
    with graph.name_scope("adjust_contrast"):
        x = _image(images, "adjust_contrast")
        flt = _to_float(x, "adjust_contrast")
        f = convert_to_tensor(contrast_factor, name="contrast_factor")
        if f.shape.ndims not in (0, None):
            raise graph.located_error(
                ShapeError, "adjust_contrast", f"contrast_factor must be a scalar, got {f.shape.short()}"
            )
        if f.dtype != flt.dtype:
            f = cast(f, flt.dtype)
        mean = reduce_mean(flt, axis=[-3, -2], keepdims=True)
        return _from_float(add(multiply(subtract(flt, mean), f), mean), x.dtype)


def _random_flip(image: Any, axis: int, seed: int | None, api: str) -> Tensor:
    """TF 1.15's _random_flip: one coin (u < 0.5 flips) for a 3-D image, one per image (u > 0.5) for 4-D."""
    from graphdl.ops import array
    from graphdl.ops.logic import greater, less
    from graphdl.ops.random import random_uniform
    from graphdl.ops.selection import reverse, where, where_v2

    graph = get_default_graph()
    with graph.name_scope(api):
        x = _image(image, api, (3, 4))
        if x.shape.ndims == 4:
            b = x.shape.as_list()[0]
            batch = [b] if b is not None else array.shape(x)[:1]
            u = random_uniform(batch, 0.0, 1.0, seed=seed)
            return where(greater(u, 0.5), reverse(x, [axis + 1]), x)
        u = random_uniform([], 0.0, 1.0, seed=seed)
        return where_v2(less(u, 0.5), reverse(x, [axis]), x)


def random_flip_left_right(image: Any, seed: int | None = None) -> Tensor:
    """TF1 `tf.image.random_flip_left_right`: flips the width axis with probability 1/2 (per image in a batch)."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: int | None = None) -> Tensor:
    """TF1 `tf.image.random_flip_up_down`: flips the height axis with probability 1/2 (per image in a batch)."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def random_brightness(image: Any, max_delta: float, seed: int | None = None) -> Tensor:
    """TF1 `tf.image.random_brightness`: adjust_brightness by a delta drawn from [-max_delta, max_delta)."""
    from graphdl.ops.random import random_uniform

    if float(max_delta) < 0:
        raise get_default_graph().located_error(
            GraphError, "random_brightness", f"max_delta must be non-negative, got {max_delta}"
        )
    if float(max_delta) == 0:
        return adjust_brightness(image, 0.0)
    delta = random_uniform([], -float(max_delta), float(max_delta), seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image: Any, lower: float, upper: float, seed: int | None = None) -> Tensor:
    """TF1 `tf.image.random_contrast`: adjust_contrast by a factor drawn from [lower, upper)."""
    from graphdl.ops.random import random_uniform

    graph = get_default_graph()
    if float(upper) <= float(lower):
        raise graph.located_error(
            GraphError, "random_contrast", f"upper must be > lower, got {lower}, {upper}"
        )
    if float(lower) < 0:
        raise graph.located_error(GraphError, "random_contrast", f"lower must be non-negative, got {lower}")
    factor = random_uniform([], float(lower), float(upper), seed=seed)
    return adjust_contrast(image, factor)
