"""Helpers for gradient rules: undoing broadcasting, broadcasting back over reduced axes, masking.

Two small ops live here, each the other's gradient:
  `Unbroadcast(grad, like)`            sums `grad` down to the run-time shape of `like`;
  `BroadcastLike(x, like, axes=None)`  broadcasts `x` up to the run-time shape of `like`, first
                                       re-inserting `axes` (the axes a reduction removed).
`unbroadcast` emits the simplest graph the static shapes allow: nothing when no axis can have been
broadcast, a `reduce_sum` over the known axes, and the dynamic `Unbroadcast` op only when a `None`
dimension leaves it open whether broadcasting happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, broadcast_shapes
from graphdl.tensor import Tensor

__all__ = ["unbroadcast", "broadcast_like", "select", "reduced_axes"]


def _sum_axes(gshape: Sequence[int], shape: Sequence[int]) -> tuple[tuple[int, ...], int]:
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ShapeError(f"cannot sum a gradient of shape {tuple(gshape)} down to shape {tuple(shape)}")
    keep = tuple(lead + i for i, d in enumerate(shape) if d == 1 and gshape[lead + i] != 1)
    return tuple(range(lead)) + keep, lead


def _sum_to(xp: Any, g: Any, shape: Sequence[int]) -> Any:
    axes, _ = _sum_axes(g.shape, shape)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, tuple(shape))


def _unbroadcast_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    g, like = inputs
    if g.dtype != like.dtype:
        raise DTypeError(f"gradient dtype {g.dtype.name} differs from {like.dtype.name}")
    return [TensorSpec(like.shape, g.dtype)]


def _unbroadcast_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [broadcast_like(grads[0], node.inputs[0]), None]


register(
    "Unbroadcast",
    api_name="unbroadcast",
    shape_inputs=(1,),
    infer=_unbroadcast_infer,
    evaluate=lambda inputs, attrs, ctx: _sum_to(np, inputs[0], inputs[1].shape),
    lower=lambda inputs, attrs, ctx: _sum_to(jnp, inputs[0], inputs[1].shape),
    gradient=_unbroadcast_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 1))], grad_inputs=[0]),
        Sample([rng.standard_normal((2, 3)), rng.standard_normal((2, 3))], grad_inputs=[0]),
        Sample([rng.standard_normal((5,)), np.float64(1.0)], grad_inputs=[0]),  # type: ignore[list-item]
    ],
    doc="Sums a broadcast gradient down to the run-time shape of `like`.",
)


def _expand(xp: Any, x: Any, like_ndim: int, axes: Sequence[int] | None) -> Any:
    if axes is None:
        return x
    norm = sorted({a % like_ndim for a in axes}) if like_ndim else []
    return xp.expand_dims(x, tuple(norm)) if norm else x


def _broadcast_like_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, like = inputs
    if x.dtype != like.dtype:
        raise DTypeError(f"dtype {x.dtype.name} differs from {like.dtype.name}")
    axes = attrs.get("axes")
    if axes is None:
        return [TensorSpec(broadcast_shapes(x.shape, like.shape), x.dtype)]
    return [TensorSpec(like.shape, x.dtype)]


def _broadcast_like_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    x, like = inputs
    x = _expand(np, np.asarray(x), like.ndim, attrs.get("axes"))
    return np.array(np.broadcast_to(x, np.broadcast_shapes(x.shape, like.shape)))


def _broadcast_like_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, like = inputs
    x = _expand(jnp, x, like.ndim, attrs.get("axes"))
    return jnp.broadcast_to(x, jnp.broadcast_shapes(x.shape, like.shape))


def _broadcast_like_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    x, like = node.inputs
    axes = node.attrs.get("axes")
    if axes is None:
        return [unbroadcast(grads[0], x, others=[like]), None]
    return [reduce_sum(grads[0], axis=list(axes)), None]


register(
    "BroadcastLike",
    api_name="broadcast_like",
    shape_inputs=(1,),
    infer=_broadcast_like_infer,
    evaluate=_broadcast_like_eval,
    lower=_broadcast_like_lower,
    gradient=_broadcast_like_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 1)), rng.standard_normal((2, 3, 4))], grad_inputs=[0]),
        Sample([rng.standard_normal((2, 4)), rng.standard_normal((2, 3, 4))], {"axes": [1]}, grad_inputs=[0]),
        Sample([rng.standard_normal(()), rng.standard_normal((2, 3))], {"axes": [0, -1]}, grad_inputs=[0]),
    ],
    doc="Broadcasts x to the run-time shape of `like` (after re-inserting reduced `axes`).",
)


def broadcast_like(
    x: Tensor, like: Tensor, axes: Sequence[int] | None = None, name: str | None = None
) -> Tensor:
    """Broadcast `x` to `like`'s shape; `axes` are axes of `like` that a reduction removed from `x`."""
    attrs = {"axes": None if axes is None else [int(a) for a in axes]}
    return make_tensor("BroadcastLike", [x, like], attrs, name or "BroadcastLike")


def _static_plan(
    gshape: TensorShape, lshape: TensorShape, like: Tensor, others: Sequence[Tensor] | None
) -> Any:
    """(lead_axes, kept_axes) to sum when static shapes decide it, else None (decided at run time)."""
    if gshape.dims is None or lshape.dims is None:
        return None
    gd, ld = gshape.dims, lshape.dims
    lead = len(gd) - len(ld)
    if lead < 0:
        return None
    kept: list[int] = []
    for i, d in enumerate(ld):
        g = gd[lead + i]
        if d == 1:
            if g != 1:
                kept.append(lead + i)
        elif d is None and g != 1:
            # The output dim equals like's own dim when every other operand has 1 (or nothing) there.
            if others is None:
                return None
            for o in others:
                if o is like:
                    continue
                od = o.shape.dims
                if od is None:
                    return None
                j = len(od) - len(ld) + i
                if 0 <= j < len(od) and od[j] != 1:
                    return None
    return list(range(lead)), kept


def unbroadcast(grad: Tensor, like: Tensor, others: Sequence[Tensor] | None = None) -> Tensor:
    """Sum `grad` (shaped like a broadcast result) down to the shape of `like`.

    `others` are the op's other operands; with them, a `None` dim of `like` that no other operand can
    have broadcast needs no run-time check.
    """
    from graphdl.ops.reduce import reduce_sum

    gs, ls = grad.shape, like.shape
    if gs.dims is not None and ls.dims is not None and gs.dims == ls.dims and ls.is_fully_defined():
        return grad
    plan = _static_plan(gs, ls, like, others)
    if plan is None:
        return make_tensor("Unbroadcast", [grad, like], {}, "Unbroadcast")
    lead, kept = plan
    if kept:
        grad = reduce_sum(grad, axis=kept, keepdims=True)
    if lead:
        grad = reduce_sum(grad, axis=lead)
    return grad


def select(mask: Tensor, grad: Tensor) -> Tensor:
    """`grad` where `mask` is true, else 0 (TF1's select-with-zeros; NaN-safe outside the mask)."""
    from graphdl.ops import array

    if mask.shape.dims is not None and mask.shape.dims == grad.shape.dims:
        return array.where(mask, grad, array.zeros_like(grad))
    from graphdl.ops.math import cast, multiply

    return multiply(grad, cast(mask, grad.dtype))


def reduced_axes(axis: Any, rank: int | None) -> list[int] | None:
    """The normalized reduced axes (sorted, unique) when the rank is known, else the raw list."""
    if axis is None:
        return None if rank is None else list(range(rank))
    axes = [int(a) for a in (axis if isinstance(axis, list | tuple) else [axis])]
    if rank is None:
        return axes
    for a in axes:
        if not -rank <= a < max(rank, 1):
            raise ShapeError(f"axis {a} is out of range for rank {rank}")
    return sorted({a % rank for a in axes}) if rank else []
