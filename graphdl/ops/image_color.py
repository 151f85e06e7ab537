"""TF1's `tf.image` dtype conversion, grayscale and rotation: convert_image_dtype, rgb_to_grayscale,
grayscale_to_rgb and rot90, written with TF1's ops in TF1's order (tensorflow/python/ops/image_ops_impl.py),
so gradients and both backends come with them."""

from __future__ import annotations

from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import as_dtype, float32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = ["convert_image_dtype", "rgb_to_grayscale", "grayscale_to_rgb", "rot90"]


def _saturate_cast(x: Tensor, dtype: Any) -> Tensor:
    """x cast to dtype, clipped first to the range dtype holds (TF1's saturate_cast)."""
    from graphdl.ops.math import cast, clip_by_value

    lo, hi = max(x.dtype.min, dtype.min), min(x.dtype.max, dtype.max)
    if lo > x.dtype.min or hi < x.dtype.max:
        x = clip_by_value(x, convert_to_tensor(lo, dtype=x.dtype), convert_to_tensor(hi, dtype=x.dtype))
    return cast(x, dtype)


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: str | None = None) -> Tensor:
    """TF1 `tf.image.convert_image_dtype`: integers span [0, MAX] and floats [0, 1]; converting between
    them rescales (float to int multiplies by MAX + 0.5 and truncates), int to int shifts by powers of 2."""
    from graphdl.ops.array import identity
    from graphdl.ops.math import cast, floordiv, multiply

    x = convert_to_tensor(image, name="image")
    dt = as_dtype(dtype)
    if not (dt.is_floating or dt.is_integer) or not (x.dtype.is_floating or x.dtype.is_integer):
        raise get_default_graph().located_error(
            DTypeError,
            "convert_image_dtype",
            f"images convert between integer and float dtypes, got {x.dtype.name} to {dt.name}",
        )
    if dt == x.dtype:
        return identity(x, name=name)
    with get_default_graph().name_scope(name or "convert_image") as scope:
        convert = _saturate_cast if saturate else cast
        if x.dtype.is_integer and dt.is_integer:
            scale_in, scale_out = int(x.dtype.max), int(dt.max)
            if scale_in > scale_out:
                scaled = floordiv(x, convert_to_tensor((scale_in + 1) // (scale_out + 1), dtype=x.dtype))
                return identity(convert(scaled, dt), name=scope)
            return multiply(
                convert(x, dt), convert_to_tensor((scale_out + 1) // (scale_in + 1), dtype=dt), name=scope
            )
        if x.dtype.is_floating and dt.is_floating:
            return cast(x, dt, name=scope)
        if x.dtype.is_integer:
            return multiply(cast(x, dt), convert_to_tensor(1.0 / float(x.dtype.max), dtype=dt), name=scope)
        scaled = multiply(x, convert_to_tensor(float(dt.max) + 0.5, dtype=x.dtype))
        return identity(convert(scaled, dt), name=scope)


def rgb_to_grayscale(images: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.image.rgb_to_grayscale`: 0.2989 R + 0.5870 G + 0.1140 B in float32, kept as a last
    dimension of 1 and converted back to the images' dtype."""
    from graphdl.ops.array import expand_dims
    from graphdl.ops.linalg import tensordot

    x = convert_to_tensor(images, name="images")
    with get_default_graph().name_scope(name or "rgb_to_grayscale") as scope:
        flt = convert_image_dtype(x, float32)
        gray = tensordot(flt, convert_to_tensor([0.2989, 0.5870, 0.1140], dtype=float32), [[-1], [-1]])
        return convert_image_dtype(expand_dims(gray, -1), x.dtype, name=scope)


def grayscale_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.image.grayscale_to_rgb`: the one channel repeated three times."""
    from graphdl.ops.joining import concat

    x = convert_to_tensor(images, name="images")
    dims = x.shape.dims
    if dims is None or len(dims) < 2 or dims[-1] not in (1, None):
        raise get_default_graph().located_error(
            ShapeError, "grayscale_to_rgb", f"images must have a last dimension of 1, got {x.shape.short()}"
        )
    with get_default_graph().name_scope(name or "grayscale_to_rgb") as scope:
        return concat([x, x, x], -1, name=scope)


def rot90(image: Any, k: int = 1, name: str | None = None) -> Tensor:
    """TF1 `tf.image.rot90`: the image (or each of a batch) rotated by k quarter turns counter-clockwise;
    k must be known when the graph is built."""
    from graphdl.ops.array import identity, transpose
    from graphdl.ops.selection import reverse

    x = convert_to_tensor(image, name="image")
    dims = x.shape.dims
    if dims is None or len(dims) not in (3, 4):
        raise get_default_graph().located_error(
            ShapeError,
            "rot90",
            f"image must be [height, width, channels] or a batch of them, got {x.shape.short()}",
        )
    if not isinstance(k, int):
        raise get_default_graph().located_error(DTypeError, "rot90", f"k must be a Python int, got {k!r}")
    h, w = (0, 1) if len(dims) == 3 else (1, 2)
    perm = [1, 0, 2] if len(dims) == 3 else [0, 2, 1, 3]
    with get_default_graph().name_scope(name or "rot90") as scope:
        turns = k % 4
        if turns == 1:
            return transpose(reverse(x, [w]), perm, name=scope)
        if turns == 2:
            return reverse(x, [h, w], name=scope)
        if turns == 3:
            return reverse(transpose(x, perm), [w], name=scope)
        return identity(x, name=scope)
