"""Helpers shared by the `tf.nn` op families (`activations`, `xent`, `nn`).

Registration of an op whose kernel is written once against an array namespace, tensor conversion,
the stop-gradient used by the stable kernels (the subtracted max carries no
gradient under jax), and the axis checks that softmax and the softmax cross-entropies share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.registry import register
from graphdl.tensor import Tensor


def _t(x: Any, dtype: Any = None) -> Tensor:
    """An op input as a Tensor (Python values and arrays become constants)."""
    return convert_to_tensor(x, dtype=dtype)


def _stop(xp: Any) -> Callable[[Any], Any]:
    """stop_gradient under jax, the identity under NumPy (evaluate has no autodiff)."""
    return jax.lax.stop_gradient if xp is jnp else (lambda v: v)


def _axis_in(rank: int | None, axis: int) -> int:
    """`axis` normalised to [0, rank), or a ShapeError when it is out of range."""
    if rank is None:
        return axis
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def _pick_axis(axis: Any, dim: Any, default: int = -1) -> int:
    """The axis of a softmax-style builder, given as TF1's `axis` or its older spelling `dim`."""
    if axis is not None and dim is not None and axis != dim:
        raise get_default_graph().located_error(ShapeError, "softmax", "give axis or dim, not both")
    a = axis if axis is not None else dim
    return default if a is None else int(a)


def register_xp(op: str, api: str, infer: Any, kernel: Callable[..., Any], gradient: Any, samples: Any,
                doc: str, module: str) -> None:  # fmt: skip
    """Register `op` with `kernel(xp, *inputs, attrs)` as both rules: NumPy for evaluate, jax for lower."""
    register(
        op,
        api_name=api,
        infer=infer,
        evaluate=lambda inputs, attrs, ctx: kernel(np, *inputs, attrs),
        lower=lambda inputs, attrs, ctx: kernel(jnp, *inputs, attrs),
        gradient=gradient,
        differentiable=gradient is not None,
        samples=samples,
        doc=doc,
        module=module,
    )


# --- data formats of the 2-D convolution and pooling ops ------------------------------------------------

#: The data formats of the 2-D convolution and pooling ops (TF1's; "NCHW" is channels first).
FORMATS_2D = ("NHWC", "NCHW")


def is_nchw(attrs: Any) -> bool:
    """True when the op's `data_format` attr is channels first."""
    return attrs.get("data_format", "NHWC") == "NCHW"


def channel_axis(data_format: str) -> int:
    """The channel axis of a 4-D tensor in `data_format` (3 for NHWC, 1 for NCHW)."""
    return 1 if data_format == "NCHW" else 3


def spatial_axes(data_format: str) -> tuple[int, int]:
    """The (height, width) axes of a 4-D tensor in `data_format`."""
    return (2, 3) if data_format == "NCHW" else (1, 2)


def from_nhwc(dims: list[Any], data_format: str) -> list[Any]:
    """Four NHWC-ordered entries (a shape, strides, ...) put in `data_format`'s order."""
    return [dims[0], dims[3], dims[1], dims[2]] if data_format == "NCHW" else list(dims)


def to_nhwc(dims: Any, data_format: str) -> list[Any]:
    """Four entries in `data_format`'s order put in NHWC order."""
    return [dims[0], dims[2], dims[3], dims[1]] if data_format == "NCHW" else list(dims)


def nhwc_attrs(attrs: Any) -> dict[str, Any]:
    """The attrs of a channels-first op restated for NHWC (strides, dilations, ksize reordered)."""
    fmt = attrs.get("data_format", "NHWC")
    out = dict(attrs)
    for key in ("strides", "dilations", "ksize"):
        if out.get(key) is not None:
            out[key] = to_nhwc(out[key], fmt)
    out["data_format"] = "NHWC"
    return out


def four_in(value: Any, what: str, data_format: str) -> list[int]:
    """An int, a list of 1 or 2 (spatial) or 4 ints as four ints in `data_format`'s order (TF1's
    `_get_sequence`: the batch and channel entries of a short form are 1)."""
    from graphdl.ops.window import four

    short = isinstance(value, int | np.integer) or len(value) in (1, 2)
    return from_nhwc(four(value, what), data_format) if short else four(value, what)


def data_format_of(api: str, data_format: Any) -> str:
    """`data_format` checked to be "NHWC" or "NCHW" (a located ShapeError naming `api` otherwise)."""
    if data_format not in FORMATS_2D:
        raise get_default_graph().located_error(
            ShapeError, api, f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}"
        )
    return str(data_format)


def to_layout(xp: Any, x: Any, src: str, dst: str) -> Any:
    """A 4-D array moved from layout `src` to `dst` (NHWC or NCHW; no copy when they agree)."""
    if src == dst:
        return x
    return xp.transpose(x, (0, 3, 1, 2) if dst == "NCHW" else (0, 2, 3, 1))


def nhwc_kernel(
    kernel: Callable[..., Any], layout_inputs: tuple[int, ...], layout_out: bool
) -> Callable[..., Any]:
    """A NumPy evaluate rule running an NHWC `kernel(np, *inputs, attrs)` for either data format: a
    channels-first op's inputs at `layout_inputs` are moved to NHWC, its attrs restated for NHWC, and
    its result (when `layout_out`) moved back."""

    def evaluate(inputs: list[Any], attrs: Any, ctx: Any) -> Any:
        if not is_nchw(attrs):
            return kernel(np, *inputs, attrs)
        ins = [to_layout(np, v, "NCHW", "NHWC") if i in layout_inputs else v for i, v in enumerate(inputs)]
        out = kernel(np, *ins, nhwc_attrs(attrs))
        return to_layout(np, out, "NHWC", "NCHW") if layout_out else out

    return evaluate
