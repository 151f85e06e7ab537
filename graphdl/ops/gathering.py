"""Gather ops: gather and its gradient, unsorted_segment_sum (re-exported by `graphdl.ops.array`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import lower_static, static_value
from graphdl.ops.slicing import _rnd
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, normalize_axis
from graphdl.tensor import Tensor

__all__ = ["gather", "unsorted_segment_sum"]


# --- gather, unsorted_segment_sum ---------------------------------------------------------------


def _check_indices(s: TensorSpec, what: str = "indices") -> None:
    if not s.dtype.is_integer:
        raise DTypeError(f"{what} must be an int32 or int64 tensor, got {s.dtype.name}")


def _gather_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    params, ind = inputs
    _check_indices(ind)
    pd, idims = params.shape.dims, ind.shape.dims
    if pd is None or idims is None:
        return [TensorSpec(TensorShape(None), params.dtype)]
    if not pd:
        raise ShapeError("params must be at least 1-D")
    a = normalize_axis(int(attrs["axis"]), len(pd))
    return [TensorSpec(TensorShape(list(pd[:a]) + list(idims) + list(pd[a + 1 :])), params.dtype)]


def _gather_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    params, ind = np.asarray(inputs[0]), np.asarray(inputs[1])
    a = normalize_axis(int(attrs["axis"]), params.ndim)
    n = params.shape[a]
    bad = (ind < 0) | (ind >= n)
    if np.any(bad):
        raise IndexError(f"indices{list(np.argwhere(bad)[0])} = {ind[bad][0]} is not in [0, {n})")
    return np.take(params, ind, axis=a)


def _gather_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    params, ind = inputs
    a = normalize_axis(int(attrs["axis"]), params.ndim)
    return jnp.take(params, ind, axis=a, mode="fill", fill_value=0)


def _gather_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.array import shape, transpose

    params, ind = node.inputs
    pr, ir = params.shape.ndims, ind.shape.ndims
    if pr is None or ir is None:
        raise ShapeError(f"{node.describe()}: the gradient of gather needs params and indices of known rank")
    a = normalize_axis(int(node.attrs["axis"]), pr)
    n: Any = params.shape.dims[a]  # type: ignore[index]
    if n is None:
        n = shape(params, out_type=ind.dtype)[a]
    g = grads[0]
    # g has axes params[:a] + indices + params[a+1:]; move the index axes to the front
    if a:
        perm = list(range(a, a + ir)) + list(range(a)) + list(range(a + ir, pr - 1 + ir))
        g = transpose(g, perm)
    s = unsorted_segment_sum(g, ind, n)  # [n] + params[:a] + params[a+1:]
    if a:
        s = transpose(s, list(range(1, a + 1)) + [0] + list(range(a + 1, pr)))
    return [s, None]


register(
    "GatherV2",
    api_name="gather",
    infer=_gather_infer,
    evaluate=_gather_eval,
    lower=_gather_lower,
    gradient=_gather_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 5, 3), np.array([0, 4, 4, 2], np.int32)], {"axis": 0}),
        Sample([_rnd(rng, 5, 3), np.array([[1, 1], [2, 0]], np.int64)], {"axis": 1}),
        Sample([_rnd(rng, 2, 4, 3), np.array(3, np.int32)], {"axis": -2}),
        Sample([_rnd(rng, 3), np.zeros((0,), np.int32)], {"axis": 0}),
    ],
    doc="Slices of params along `axis` at the given indices.",
)


def gather(params: Any, indices: Any, validate_indices: Any = None, name: str | None = None, axis: Any = 0,
           batch_dims: int = 0) -> Tensor:  # fmt: skip
    """TF1 `tf.gather(params, indices, axis=0)`: params[..., indices, ...] along `axis`."""
    from graphdl.ops.array import _scalar_int

    if batch_dims:
        raise get_default_graph().located_error(ShapeError, "gather", "batch_dims is not supported")
    p = convert_to_tensor(params)
    ind = (
        convert_to_tensor(indices)
        if is_tensor_like(indices)
        else convert_to_tensor(np.asarray(indices, np.int32))
    )
    return make_tensor(
        "GatherV2", [p, ind], {"axis": _scalar_int(axis, "gather", "axis")}, name or "GatherV2"
    )


def _segsum_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    data, ids = inputs[0], inputs[1]
    _check_indices(ids, "segment_ids")
    n = attrs.get("num_segments")
    if len(inputs) > 2:
        _check_indices(inputs[2], "num_segments")
    dd, idd = data.shape.dims, ids.shape.dims
    if dd is None or idd is None:
        return [TensorSpec(TensorShape(None), data.dtype)]
    if not TensorShape(dd[: len(idd)]).is_compatible_with(TensorShape(idd)) or len(dd) < len(idd):
        raise ShapeError(
            f"segment_ids shape {ids.shape.short()} must be a prefix of data shape {data.shape.short()}"
        )
    return [TensorSpec(TensorShape([n] + list(dd[len(idd) :])), data.dtype)]


def _segsum_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    data, ids = np.asarray(inputs[0]), np.asarray(inputs[1])
    n = attrs.get("num_segments")
    n = int(inputs[2]) if n is None else int(n)
    if np.any(ids >= n):
        raise IndexError(f"segment_ids contain {int(ids.max())}, which is not < num_segments {n}")
    out = np.zeros((n,) + data.shape[ids.ndim :], dtype=data.dtype)
    keep = ids >= 0  # TF1: negative ids are dropped
    np.add.at(out, ids[keep], data[keep])
    return out


def _segsum_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    data, ids = inputs[0], inputs[1]
    n = attrs.get("num_segments")
    n = int(lower_static(inputs, 2, ctx, "num_segments")) if n is None else int(n)
    out = jnp.zeros((n,) + tuple(data.shape[ids.ndim :]), dtype=data.dtype)
    safe = jnp.where(ids < 0, n, ids)  # negative ids are dropped, as out-of-range ones
    return out.at[safe].add(data, mode="drop")


def _segsum_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.grad_util import select
    from graphdl.ops.logic import greater_equal
    from graphdl.ops.math import cast, maximum

    # negative ids were dropped: gather row 0 for them and mask the result
    ids, data = node.inputs[1], node.inputs[0]
    g = gather(grads[0], maximum(ids, 0))
    mask = greater_equal(ids, 0)
    if data.shape.ndims is not None and ids.shape.ndims is not None and data.shape.ndims == ids.shape.ndims:
        return [select(mask, g)] + [None] * (len(node.inputs) - 1)
    return [g * with_trailing_ones(cast(mask, g.dtype), data, ids)] + [None] * (len(node.inputs) - 1)


def with_trailing_ones(t: Tensor, data: Tensor, ids: Tensor) -> Tensor:
    """t with one size-1 axis appended per axis of data beyond those of ids, so that it broadcasts
    against data's rows; computed when the graph runs where a rank is unknown (as TF1's
    `reshape(t, concat([shape(t), ones(rank(data) - rank(ids))]))`)."""
    from graphdl.dtypes import int32
    from graphdl.ops.array import concat, rank, reshape, shape
    from graphdl.ops.creation import ones

    if data.shape.ndims is not None and ids.shape.ndims is not None:
        extra = data.shape.ndims - ids.shape.ndims
        if extra <= 0:
            return t
        if t.shape.is_fully_defined():
            return reshape(t, list(t.shape.as_tuple()) + [1] * extra)  # type: ignore[operator]
        return reshape(t, concat([shape(t), np.ones(extra, np.int32)], 0))
    extra_t = reshape(rank(data) - rank(ids), [1])
    return reshape(t, concat([shape(t), ones(extra_t, dtype=int32)], 0))


register(
    "UnsortedSegmentSum",
    api_name="unsorted_segment_sum",
    infer=_segsum_infer,
    evaluate=_segsum_eval,
    lower=_segsum_lower,
    gradient=_segsum_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 4, 3), np.array([0, 2, 0, -1], np.int32)], {"num_segments": 3}),
        Sample([_rnd(rng, 2, 2, 3), np.array([[1, 1], [0, 3]], np.int64)], {"num_segments": 4}),
        Sample([_rnd(rng, 5), np.array([4, 3, 2, 1, 0], np.int32)], {"num_segments": 5}),
        Sample([_rnd(rng, 3), np.array([1, 1, 0], np.int32), np.array(2, np.int32)], {"num_segments": None}),
    ],
    doc="Sums the rows of data into num_segments rows chosen by segment_ids (negative ids are dropped).",
)


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.unsorted_segment_sum(data, segment_ids, num_segments)`: out[ids[i]] += data[i]."""
    d = convert_to_tensor(data)
    ids = (
        convert_to_tensor(segment_ids)
        if is_tensor_like(segment_ids)
        else convert_to_tensor(np.asarray(segment_ids, np.int32))
    )
    if is_tensor_like(num_segments):
        nt = convert_to_tensor(num_segments)
        v = static_value(nt)
        if v is None:
            return make_tensor(
                "UnsortedSegmentSum", [d, ids, nt], {"num_segments": None}, name or "UnsortedSegmentSum"
            )
        num_segments = int(v)
    return make_tensor(
        "UnsortedSegmentSum", [d, ids], {"num_segments": int(num_segments)}, name or "UnsortedSegmentSum"
    )
