"""TF1's block rearrangements, space_to_depth/depth_to_space and space_to_batch(_nd)/batch_to_space(_nd),
and extract_image_patches: compositions of reshape, transpose, pad and slicing (their gradients come
from those) that need every dimension but the batch known when the graph is built."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = [
    "space_to_depth",
    "depth_to_space",
    "space_to_batch_nd",
    "batch_to_space_nd",
    "space_to_batch",
    "batch_to_space",
    "extract_image_patches",
]


# --- block rearrangements -------------------------------------------------------------------------


def _static_dims(x: Tensor, api: str, skip: Sequence[int] = (0,)) -> list[int]:
    """x's dims as ints (-1 for the batch), or a located ShapeError when another one is unknown."""
    dims = x.shape.dims
    if dims is None or any(d is None for i, d in enumerate(dims) if i not in skip):
        raise get_default_graph().located_error(
            ShapeError, api, f"input {x.shape.short()} must have a known rank and known non-batch dimensions"
        )
    return [-1 if d is None else int(d) for d in dims]


def _block_size(block_size: Any, api: str) -> int:
    from graphdl.ops.array import _scalar_int

    bs = _scalar_int(block_size, api, "block_size")
    if bs < 2:
        raise get_default_graph().located_error(ShapeError, api, f"block_size must be >= 2, got {bs}")
    return bs


def _to_nhwc(x: Tensor, data_format: str, api: str) -> bool:
    if data_format not in ("NHWC", "NCHW"):
        raise get_default_graph().located_error(
            GraphError, api, f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}"
        )
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise get_default_graph().located_error(ShapeError, api, f"input must be 4-D, got {x.shape.short()}")
    return data_format == "NCHW"


def space_to_depth(input: Any, block_size: Any, name: str | None = None, data_format: str = "NHWC") -> Tensor:
    """TF1 `tf.space_to_depth(input, block_size, data_format='NHWC')`: moves each block_size x
    block_size spatial block into the depth axis (depth index = (row * block_size + col) * C + c)."""
    from graphdl.ops.array import reshape, transpose

    x = convert_to_tensor(input)
    bs = _block_size(block_size, "space_to_depth")
    nchw = _to_nhwc(x, data_format, "space_to_depth")
    with get_default_graph().name_scope(name or "SpaceToDepth"):
        if nchw:
            x = transpose(x, [0, 2, 3, 1])
        _, h, w, c = _static_dims(x, "space_to_depth")
        if h % bs or w % bs:
            raise get_default_graph().located_error(
                ShapeError, "space_to_depth", f"height {h} and width {w} must be multiples of block_size {bs}"
            )
        y = reshape(x, [-1, h // bs, bs, w // bs, bs, c])
        y = reshape(transpose(y, [0, 1, 3, 2, 4, 5]), [-1, h // bs, w // bs, bs * bs * c])
        return transpose(y, [0, 3, 1, 2]) if nchw else y


def depth_to_space(input: Any, block_size: Any, name: str | None = None, data_format: str = "NHWC") -> Tensor:
    """TF1 `tf.depth_to_space(input, block_size, data_format='NHWC')`: the inverse of space_to_depth."""
    from graphdl.ops.array import reshape, transpose

    x = convert_to_tensor(input)
    bs = _block_size(block_size, "depth_to_space")
    nchw = _to_nhwc(x, data_format, "depth_to_space")
    with get_default_graph().name_scope(name or "DepthToSpace"):
        if nchw:
            x = transpose(x, [0, 2, 3, 1])
        _, h, w, c = _static_dims(x, "depth_to_space")
        if c % (bs * bs):
            raise get_default_graph().located_error(
                ShapeError, "depth_to_space", f"depth {c} must be a multiple of block_size**2 = {bs * bs}"
            )
        d = c // (bs * bs)
        y = reshape(x, [-1, h, w, bs, bs, d])
        y = reshape(transpose(y, [0, 1, 3, 2, 4, 5]), [-1, h * bs, w * bs, d])
        return transpose(y, [0, 3, 1, 2]) if nchw else y


def _block_args(block_shape: Any, pairs: Any, api: str, what: str) -> tuple[list[int], list[list[int]]]:
    from graphdl.ops.array import _known

    graph = get_default_graph()
    bshape = [int(v) for v in _known(block_shape, api, "block_shape")]
    flat = [int(v) for v in _known(pairs, api, what)]
    if not bshape or len(flat) != 2 * len(bshape):
        raise graph.located_error(
            ShapeError,
            api,
            f"{what} must have shape [{len(bshape)}, 2] for block_shape {bshape}, got {pairs!r}",
        )
    if any(v < 1 for v in bshape) or any(v < 0 for v in flat):
        raise graph.located_error(ShapeError, api, f"block_shape must be >= 1 and {what} >= 0")
    return bshape, [[flat[2 * i], flat[2 * i + 1]] for i in range(len(bshape))]


def space_to_batch_nd(input: Any, block_shape: Any, paddings: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.space_to_batch_nd(input, block_shape, paddings)`: zero-pads the M spatial axes after
    the batch, then moves each block of block_shape into the batch (block offsets outermost)."""
    from graphdl.ops.array import reshape, transpose
    from graphdl.ops.padding import pad

    api = "space_to_batch_nd"
    x = convert_to_tensor(input)
    bshape, pads = _block_args(block_shape, paddings, api, "paddings")
    m = len(bshape)
    with get_default_graph().name_scope(name or "SpaceToBatchND"):
        dims = _static_dims(x, api)
        if len(dims) < m + 1:
            raise get_default_graph().located_error(
                ShapeError, api, f"input {x.shape.short()} needs {m} spatial axes after the batch"
            )
        rest = dims[m + 1 :]
        padded = [dims[1 + i] + pads[i][0] + pads[i][1] for i in range(m)]
        for p, bsz in zip(padded, bshape, strict=True):
            if p % bsz:
                raise get_default_graph().located_error(
                    ShapeError,
                    api,
                    f"padded spatial sizes {padded} must be multiples of block_shape {bshape}",
                )
        y = pad(x, [[0, 0], *pads] + [[0, 0]] * len(rest))
        split: list[int] = [-1]
        for p, bsz in zip(padded, bshape, strict=True):
            split += [p // bsz, bsz]
        y = reshape(y, split + rest)
        perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
        perm += list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
        y = transpose(y, perm)
        return reshape(y, [-1] + [p // bsz for p, bsz in zip(padded, bshape, strict=True)] + rest)


def batch_to_space_nd(input: Any, block_shape: Any, crops: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.batch_to_space_nd(input, block_shape, crops)`: the inverse of space_to_batch_nd,
    moving batch blocks back into the M spatial axes and then cropping them."""
    from graphdl.ops.array import reshape, transpose

    api = "batch_to_space_nd"
    x = convert_to_tensor(input)
    bshape, crop = _block_args(block_shape, crops, api, "crops")
    m = len(bshape)
    with get_default_graph().name_scope(name or "BatchToSpaceND"):
        dims = _static_dims(x, api)
        if len(dims) < m + 1:
            raise get_default_graph().located_error(
                ShapeError, api, f"input {x.shape.short()} needs {m} spatial axes after the batch"
            )
        prod = int(np.prod(bshape))
        if dims[0] >= 0 and dims[0] % prod:
            raise get_default_graph().located_error(
                ShapeError, api, f"batch {dims[0]} must be a multiple of prod(block_shape) = {prod}"
            )
        spatial, rest = dims[1 : m + 1], dims[m + 1 :]
        full = [d * bsz for d, bsz in zip(spatial, bshape, strict=True)]
        for i in range(m):
            if crop[i][0] + crop[i][1] > full[i]:
                raise get_default_graph().located_error(
                    ShapeError, api, f"crops {crop} are larger than the spatial sizes {full}"
                )
        y = reshape(x, bshape + [-1] + spatial + rest)
        perm = [m]
        for i in range(m):
            perm += [m + 1 + i, i]
        perm += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
        y = reshape(transpose(y, perm), [-1] + full + rest)
        key = (slice(None),) + tuple(slice(c[0], f - c[1]) for c, f in zip(crop, full, strict=True))
        return y[key] if any(c[0] or c[1] for c in crop) else y


def space_to_batch(
    input: Any, paddings: Any, block_size: Any = None, name: str | None = None, block_shape: Any = None
) -> Tensor:
    """TF1 `tf.space_to_batch(input, paddings, block_size)`: space_to_batch_nd of a 4-D NHWC input
    with a square block."""
    if block_size is None and block_shape is None:
        raise get_default_graph().located_error(GraphError, "space_to_batch", "block_size is required")
    blocks = block_shape if block_shape is not None else [_block_size(block_size, "space_to_batch")] * 2
    return space_to_batch_nd(input, blocks, paddings, name=name or "SpaceToBatchND")


def batch_to_space(
    input: Any, crops: Any, block_size: Any = None, name: str | None = None, block_shape: Any = None
) -> Tensor:
    """TF1 `tf.batch_to_space(input, crops, block_size)`: batch_to_space_nd of a 4-D NHWC input
    with a square block."""
    if block_size is None and block_shape is None:
        raise get_default_graph().located_error(GraphError, "batch_to_space", "block_size is required")
    blocks = block_shape if block_shape is not None else [_block_size(block_size, "batch_to_space")] * 2
    return batch_to_space_nd(input, blocks, crops, name=name or "BatchToSpaceND")


# --- extract_image_patches ------------------------------------------------------------------------


def _window_1d(size: int, k: int, stride: int, rate: int, padding: str) -> tuple[int, int]:
    """(output size, padding before) of one spatial axis, as TF1's SAME/VALID windows."""
    k_eff = k + (k - 1) * (rate - 1)
    if padding == "VALID":
        return max(-(-(size - k_eff + 1) // stride), 0), 0
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return out, total // 2


def extract_image_patches(
    images: Any,
    ksizes: Any = None,
    strides: Any = None,
    rates: Any = None,
    padding: Any = None,
    name: str | None = None,
    sizes: Any = None,
) -> Tensor:
    """TF1 `tf.extract_image_patches(images, ksizes, strides, rates, padding)`: each (dilated)
    ksizes window of an NHWC image flattened into the depth axis, in (row, col, depth) order."""
    from graphdl.ops.array import _known
    from graphdl.ops.joining import concat
    from graphdl.ops.padding import pad

    api = "extract_image_patches"
    graph = get_default_graph()
    ks = sizes if ksizes is None else ksizes
    args = {"ksizes": ks, "strides": strides, "rates": rates}
    vals: dict[str, list[int]] = {}
    for what, v in args.items():
        if v is None:
            raise graph.located_error(GraphError, api, f"{what} is required")
        lst = [int(a) for a in _known(v, api, what)]
        if len(lst) != 4 or lst[0] != 1 or lst[3] != 1 or min(lst) < 1:
            raise graph.located_error(
                ShapeError, api, f"{what} must be [1, rows, cols, 1] with positive sizes, got {v!r}"
            )
        vals[what] = lst
    pad_text = padding.decode() if isinstance(padding, bytes) else padding
    pad_name = str(pad_text).upper() if pad_text is not None else ""
    if pad_name not in ("SAME", "VALID"):
        raise graph.located_error(GraphError, api, f"padding must be 'SAME' or 'VALID', got {padding!r}")
    x = convert_to_tensor(images)
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise graph.located_error(ShapeError, api, f"images must be 4-D (NHWC), got {x.shape.short()}")
    with graph.name_scope(name or "ExtractImagePatches"):
        _, h, w, _ = _static_dims(x, api)
        (kr, kc), (sr, sc), (rr, rc) = (vals[k][1:3] for k in ("ksizes", "strides", "rates"))
        oh, ph = _window_1d(h, kr, sr, rr, pad_name)
        ow, pw = _window_1d(w, kc, sc, rc, pad_name)
        if oh == 0 or ow == 0:
            raise graph.located_error(
                ShapeError, api, f"the windows do not fit images {x.shape.short()} (VALID)"
            )
        need_h, need_w = (oh - 1) * sr + (kr - 1) * rr + 1, (ow - 1) * sc + (kc - 1) * rc + 1
        xp = x
        if ph or pw or need_h > h or need_w > w:
            xp = pad(x, [[0, 0], [ph, max(need_h - h - ph, 0)], [pw, max(need_w - w - pw, 0)], [0, 0]])
        parts = []
        for i in range(kr):
            for j in range(kc):
                r0, c0 = i * rr, j * rc
                parts.append(xp[:, r0 : r0 + (oh - 1) * sr + 1 : sr, c0 : c0 + (ow - 1) * sc + 1 : sc, :])
        return parts[0] if len(parts) == 1 else concat(parts, axis=3)
