"""Image ops (NHWC): resize_bilinear and resize_nearest_neighbor (ops ResizeBilinear,
ResizeNearestNeighbor and their gradient ops), resize_images, flips and per_image_standardization.

Coordinates follow TF1's kernels exactly, in float32 as they compute them:
  scale = (in - 1) / (out - 1) with align_corners and out > 1, else in / out;
  bilinear source y = dst * scale (legacy), or (dst + 0.5) * scale - 0.5 with half_pixel_centers;
  lower = max(floor(y), 0), upper = min(ceil(y), in - 1), lerp = y - floor(y);
  nearest source y = min(round(dst * scale) if align_corners else floor(dst * scale), in - 1), with
  half_pixel_centers floor((dst + 0.5) * scale) clamped to [0, in - 1].
Both resizes are separable linear maps: out = Wy . image . Wx^T per channel; the gradient ops apply
the transposed maps (each gradient op's own gradient is the forward resize).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import float32, float64
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import int_list, static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "ResizeMethod",
    "resize_images",
    "resize_bilinear",
    "resize_nearest_neighbor",
    "flip_left_right",
    "flip_up_down",
    "per_image_standardization",
]


class ResizeMethod:
    """TF1 `tf.image.ResizeMethod` constants."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


# --- coordinate tables --------------------------------------------------------------------------


def _scale(n_in: int, n_out: int, align: bool) -> np.float32:
    if align and n_out > 1:
        return np.float32(n_in - 1) / np.float32(n_out - 1)
    return np.float32(n_in) / np.float32(n_out)


def bilinear_table(
    n_in: int, n_out: int, align: bool, half: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, lerp) source rows for each output row, as TF1's compute_interpolation_weights."""
    s = _scale(n_in, n_out, align)
    dst = np.arange(n_out, dtype=np.float32)
    src = (dst + np.float32(0.5)) * s - np.float32(0.5) if half else dst * s
    src = src.astype(np.float32)
    fl = np.floor(src)
    lower = np.maximum(fl, 0).astype(np.int64)
    upper = np.minimum(np.ceil(src), n_in - 1).astype(np.int64)
    return lower, upper, (src - fl).astype(np.float32)


def nearest_table(n_in: int, n_out: int, align: bool, half: bool) -> np.ndarray:
    """The source row of each output row, as TF1's ResizeNearestNeighbor kernel."""
    s = _scale(n_in, n_out, align)
    dst = np.arange(n_out, dtype=np.float32)
    if half:
        src = ((dst + np.float32(0.5)) * s).astype(np.float32)
        idx = np.floor(src)
    else:
        src = (dst * s).astype(np.float32)
        idx = np.floor(src + np.float32(0.5)) if align else np.floor(src)  # roundf: src >= 0
    return np.clip(idx.astype(np.int64), 0, n_in - 1)


def _matrix(kind: str, n_in: int, n_out: int, align: bool, half: bool) -> np.ndarray:
    """The [n_out, n_in] interpolation matrix of one axis (float64)."""
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if kind == "bilinear":
        lo, hi, lerp = bilinear_table(n_in, n_out, align, half)
        np.add.at(m, (rows, lo), 1.0 - lerp.astype(np.float64))
        np.add.at(m, (rows, hi), lerp.astype(np.float64))
    else:
        m[rows, nearest_table(n_in, n_out, align, half)] = 1.0
    return m


def _flags(attrs: Mapping[str, Any]) -> tuple[bool, bool]:
    return bool(attrs.get("align_corners")), bool(attrs.get("half_pixel_centers"))


# --- ResizeBilinear, ResizeNearestNeighbor ------------------------------------------------------


def _check_flags(attrs: Mapping[str, Any]) -> None:
    align, half = _flags(attrs)
    if align and half:
        raise ShapeError("if half_pixel_centers is True, align_corners must be False")


def _resize_infer(kind: str) -> Any:
    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        (x,) = inputs
        _check_flags(attrs)
        dt = x.dtype
        if dt.is_bool or dt.name == "string":
            raise DTypeError(f"images must be numeric, got {dt.name}")
        out_dt = dt if kind == "nearest" else (float64 if dt == float64 else float32)
        d = x.shape.dims
        h, w = (int(v) for v in attrs["size"])
        if d is None:
            return [TensorSpec(TensorShape([None, h, w, None]), out_dt)]
        if len(d) != 4:
            raise ShapeError(f"images must be 4-D [batch, height, width, channels], got {x.shape.short()}")
        if 0 in (d[1], d[2]):
            raise ShapeError(f"input image must be of non-zero size, got {x.shape.short()}")
        return [TensorSpec(TensorShape([d[0], h, w, d[3]]), out_dt)]

    return infer


def _compute_dtype(x: Any) -> Any:
    return np.float64 if x.dtype == np.float64 else np.float32


def _bilinear(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        ct = _compute_dtype(x)
        img = x.astype(ct)
        align, half = _flags(attrs)
        oh, ow = (int(v) for v in attrs["size"])
        ylo, yhi, ly = bilinear_table(x.shape[1], oh, align, half)
        xlo, xhi, lx = bilinear_table(x.shape[2], ow, align, half)
        top, bot = img[:, ylo], img[:, yhi]
        lxb = xp.asarray(lx.astype(ct))[None, None, :, None]
        tl, tr, bl, br = top[:, :, xlo], top[:, :, xhi], bot[:, :, xlo], bot[:, :, xhi]
        t = tl + (tr - tl) * lxb
        b = bl + (br - bl) * lxb
        return t + (b - t) * xp.asarray(ly.astype(ct))[None, :, None, None]

    return rule


def _nearest(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        align, half = _flags(attrs)
        oh, ow = (int(v) for v in attrs["size"])
        yi = nearest_table(x.shape[1], oh, align, half)
        xi = nearest_table(x.shape[2], ow, align, half)
        return x[:, yi][:, :, xi]

    return rule


def _resize_grad(kind: str) -> Any:
    def grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        x = node.inputs[0]
        if not x.dtype.is_floating:
            return [None]
        op = "ResizeBilinearGrad" if kind == "bilinear" else "ResizeNearestNeighborGrad"
        g = grads[0]
        if g.dtype != x.dtype:
            from graphdl.ops.math import cast

            g = cast(g, x.dtype)
        return [make_tensor(op, [g, x], dict(node.attrs), op)]

    return grad


def _img(rng: np.random.Generator, *dims: int) -> np.ndarray:
    return rng.standard_normal(dims)


def _resize_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample(
            [_img(rng, 1, 2, 2, 1)], {"size": [3, 3], "align_corners": False, "half_pixel_centers": False}
        ),
        Sample([_img(rng, 2, 2, 3, 2)], {"size": [4, 5], "align_corners": True, "half_pixel_centers": False}),
        Sample([_img(rng, 1, 3, 4, 1)], {"size": [5, 2], "align_corners": False, "half_pixel_centers": True}),
        Sample(
            [_img(rng, 1, 5, 4, 2)], {"size": [2, 3], "align_corners": False, "half_pixel_centers": False}
        ),
        Sample([_img(rng, 1, 1, 3, 1)], {"size": [1, 1], "align_corners": True, "half_pixel_centers": False}),
    ]


register(
    "ResizeBilinear",
    api_name="resize_bilinear",
    infer=_resize_infer("bilinear"),
    evaluate=_bilinear(np),
    lower=_bilinear(jnp),
    gradient=_resize_grad("bilinear"),
    samples=_resize_samples,
    doc="Bilinear resize of NHWC images to `size` with TF1's coordinate conventions (float output).",
)

register(
    "ResizeNearestNeighbor",
    api_name="resize_nearest_neighbor",
    infer=_resize_infer("nearest"),
    evaluate=_nearest(np),
    lower=_nearest(jnp),
    gradient=_resize_grad("nearest"),
    samples=_resize_samples,
    doc="Nearest-neighbor resize of NHWC images to `size` with TF1's coordinate conventions.",
)


# --- gradient ops: the transposed maps ----------------------------------------------------------


def _resize_grad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    g, x = inputs
    if not g.dtype.is_floating or g.dtype != x.dtype:
        raise DTypeError(
            f"grads and original image must share a floating dtype, got {g.dtype.name}, {x.dtype.name}"
        )
    return [TensorSpec(x.shape, x.dtype)]


def _resize_back(kind: str, xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        g, x = inputs
        align, half = _flags(attrs)
        wy = _matrix(kind, x.shape[1], g.shape[1], align, half).astype(g.dtype)
        wx = _matrix(kind, x.shape[2], g.shape[2], align, half).astype(g.dtype)
        return xp.einsum("yh,nyxc,xw->nhwc", xp.asarray(wy), g, xp.asarray(wx))

    return rule


def _resize_back_grad(kind: str) -> Any:
    def grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        op = "ResizeBilinear" if kind == "bilinear" else "ResizeNearestNeighbor"
        g_out = node.inputs[0]
        attrs = dict(node.attrs)
        dims = g_out.shape.dims
        if dims is None or dims[1] is None or dims[2] is None:
            raise ShapeError(f"{node.describe()}: its gradient needs the resized height and width known")
        return [make_tensor(op, [grads[0]], {**attrs, "size": [int(dims[1]), int(dims[2])]}, op), None]

    return grad


def _back_samples(rng: np.random.Generator) -> list[Sample]:
    flags = {"align_corners": False, "half_pixel_centers": False}
    return [
        Sample([_img(rng, 1, 3, 3, 1), _img(rng, 1, 2, 2, 1)], flags, grad_inputs=[0]),
        Sample(
            [_img(rng, 2, 4, 5, 2), _img(rng, 2, 2, 3, 2)], {**flags, "align_corners": True}, grad_inputs=[0]
        ),
        Sample(
            [_img(rng, 1, 5, 2, 1), _img(rng, 1, 3, 4, 1)],
            {**flags, "half_pixel_centers": True},
            grad_inputs=[0],
        ),
    ]


for _kind, _name in (("bilinear", "ResizeBilinearGrad"), ("nearest", "ResizeNearestNeighborGrad")):
    register(
        _name,
        api_name=_name,
        infer=_resize_grad_infer,
        evaluate=_resize_back(_kind, np),
        lower=_resize_back(_kind, jnp),
        gradient=_resize_back_grad(_kind),
        shape_inputs=(1,),
        samples=_back_samples,
        doc="Gradient of the resize w.r.t. the original image (the transposed interpolation map).",
    )


# --- builders -----------------------------------------------------------------------------------


def _size_attr(size: Any, api: str) -> list[int]:
    graph = get_default_graph()
    v: Any = size
    if isinstance(size, Tensor) or (hasattr(size, "dtype") and not isinstance(size, np.ndarray)):
        v = static_value(convert_to_tensor(size))
        if v is None:
            raise graph.located_error(
                ShapeError, api, "size must be known when the graph is built (a list or a constant tensor)"
            )
    try:
        hw = int_list(v, "size")
    except ShapeError as e:
        raise graph.located_error(ShapeError, api, str(e)) from None
    if len(hw) != 2:
        raise graph.located_error(
            ShapeError, api, f"size must be a 1-D int32 Tensor of 2 elements, got {size!r}"
        )
    if min(hw) <= 0:
        raise graph.located_error(ShapeError, api, f"output dimensions must be positive, got {hw}")
    return hw


def _resize(op: str, api: str, images: Any, size: Any, align: bool, half: bool, name: str | None) -> Tensor:
    x = convert_to_tensor(images)
    attrs = {"size": _size_attr(size, api), "align_corners": bool(align), "half_pixel_centers": bool(half)}
    return make_tensor(op, [x], attrs, name or op)


def resize_bilinear(
    images: Any,
    size: Any,
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> Tensor:
    """TF1 `tf.image.resize_bilinear`: NHWC images to `size` = [height, width]; returns float32."""
    y = _resize("ResizeBilinear", "resize_bilinear", images, size, align_corners, half_pixel_centers, name)
    if y.dtype == float64:  # TF1's kernel always returns float32; the op keeps float64 for its gradient
        from graphdl.ops.math import cast

        return cast(y, float32)
    return y


def resize_nearest_neighbor(
    images: Any,
    size: Any,
    align_corners: bool = False,
    name: str | None = None,
    half_pixel_centers: bool = False,
) -> Tensor:
    """TF1 `tf.image.resize_nearest_neighbor`: NHWC images to `size` = [height, width], same dtype."""
    return _resize(
        "ResizeNearestNeighbor",
        "resize_nearest_neighbor",
        images,
        size,
        align_corners,
        half_pixel_centers,
        name,
    )


def resize_images(
    images: Any,
    size: Any,
    method: int = ResizeMethod.BILINEAR,
    align_corners: bool = False,
    preserve_aspect_ratio: bool = False,
) -> Tensor:
    """TF1 `tf.image.resize_images`: 3-D or 4-D images to `size`; BILINEAR or NEAREST_NEIGHBOR."""
    from graphdl.ops.array import expand_dims, squeeze

    graph = get_default_graph()
    with graph.name_scope("resize_images"):
        x = convert_to_tensor(images)
        r = x.shape.ndims
        if r not in (3, 4):
            raise graph.located_error(
                ShapeError,
                "resize_images",
                f"'images' must have either 3 or 4 dimensions, got {x.shape.short()}",
            )
        if method not in (ResizeMethod.BILINEAR, ResizeMethod.NEAREST_NEIGHBOR):
            raise graph.located_error(
                GraphError,
                "resize_images",
                f"method {method!r} is not supported (BILINEAR and NEAREST_NEIGHBOR are)",
            )
        hw = _size_attr(size, "resize_images")
        d = x.shape.dims
        assert d is not None
        h, w = d[-3], d[-2]
        if preserve_aspect_ratio and h is not None and w is not None:
            scale = min(hw[0] / h, hw[1] / w)
            hw = [int(np.round(h * scale)), int(np.round(w * scale))]  # TF1 rounds the scaled size
        if [h, w] == hw:  # TF1 returns the images untouched (same dtype) when the size does not change
            return x
        batch = x if r == 4 else expand_dims(x, 0)
        if method == ResizeMethod.BILINEAR:
            y = resize_bilinear(batch, hw, align_corners=align_corners)
        else:
            y = resize_nearest_neighbor(batch, hw, align_corners=align_corners)
        return y if r == 4 else squeeze(y, [0])


def flip_left_right(image: Any) -> Tensor:
    """TF1 `tf.image.flip_left_right`: reverses the width axis of a 3-D (or 4-D) image."""
    return _flip(image, -2, "flip_left_right")


def flip_up_down(image: Any) -> Tensor:
    """TF1 `tf.image.flip_up_down`: reverses the height axis of a 3-D (or 4-D) image."""
    return _flip(image, -3, "flip_up_down")


def _flip(image: Any, axis: int, api: str) -> Tensor:
    from graphdl.ops.selection import reverse

    graph = get_default_graph()
    with graph.name_scope(api):
        x = convert_to_tensor(image)
        if x.shape.ndims not in (3, 4):
            raise graph.located_error(
                ShapeError, api, f"'image' must have either 3 or 4 dimensions, got {x.shape.short()}"
            )
        return reverse(x, [x.shape.ndims + axis])  # type: ignore[operator]


def per_image_standardization(image: Any) -> Tensor:
    """TF1 `tf.image.per_image_standardization`: (x - mean) / max(stddev, 1/sqrt(N)) per 3-D image."""
    from graphdl.ops.array import shape as _shape
    from graphdl.ops.math import cast, maximum, rsqrt, sqrt, square
    from graphdl.ops.reduce import reduce_mean, reduce_prod

    graph = get_default_graph()
    with graph.name_scope("per_image_standardization"):
        x = convert_to_tensor(image)
        r = x.shape.ndims
        if r not in (3, 4):
            raise graph.located_error(
                ShapeError,
                "per_image_standardization",
                f"'image' must have either 3 or 4 dimensions, got {x.shape.short()}",
            )
        assert r is not None
        axes = [r - 3, r - 2, r - 1]
        if x.dtype != float32:  # TF1 standardizes in float32 whatever the input dtype
            x = cast(x, float32)
        d = x.shape.dims
        assert d is not None
        if all(v is not None for v in d[-3:]):
            n: Any = float(np.prod([int(v) for v in d[-3:]]))  # type: ignore[arg-type]
            min_std = convert_to_tensor(1.0 / np.sqrt(n), dtype=x.dtype)
        else:
            n = cast(reduce_prod(_shape(x)[-3:]), x.dtype)
            min_std = rsqrt(n)
        mean = reduce_mean(x, axes, keepdims=True)
        var = reduce_mean(square(x), axes, keepdims=True) - square(mean)
        from graphdl.ops.activations import relu

        std = maximum(sqrt(relu(var)), min_std)
        return (x - mean) / std
