"""N-d indexing: gather_nd (op GatherNd) and scatter_nd (op ScatterNd), each the other's gradient.

`indices` has shape [..., M]: its last axis addresses the first M axes of params (or of `shape`).
Out-of-range indices: the interpreter raises (as TF1 on CPU), naming the op; the XLA lowering reads
zeros for them in gather_nd and drops their updates in scatter_nd (TF1's GPU behaviour), since a
compiled program cannot raise. Negative indices are out of range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import lower_static, shape_or_tensor
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["gather_nd", "scatter_nd"]


def _check_int(s: TensorSpec, what: str) -> None:
    if s.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"{what} must be an int32 or int64 tensor, got {s.dtype.name}")


def _index_depth(ind: TensorSpec) -> int | None:
    """M, the length of the indices' last axis (None when unknown); indices must be at least 1-D."""
    d = ind.shape.dims
    if d is None:
        return None
    if not d:
        raise ShapeError(f"indices must be at least 1-D, got shape {ind.shape.short()}")
    return d[-1]


def _rows(ind: np.ndarray) -> np.ndarray:
    return ind.reshape(int(np.prod(ind.shape[:-1])), ind.shape[-1]).astype(np.int64)


def _check_range(ind: np.ndarray, dims: Sequence[int], what: str) -> None:
    rows = _rows(ind)
    m = rows.shape[1]
    bad = np.any((rows < 0) | (rows >= np.asarray(dims[:m], np.int64)), axis=1)
    if np.any(bad):
        k = int(np.argmax(bad))
        where = ",".join(str(int(v)) for v in np.unravel_index(k, ind.shape[:-1])) if ind.ndim > 1 else ""
        vals = ", ".join(str(int(v)) for v in rows[k])
        shape = ",".join(str(int(d)) for d in dims)
        raise IndexError(f"indices[{where}] = [{vals}] does not index into {what}shape [{shape}]")


# --- gather_nd ----------------------------------------------------------------------------------


def _gather_nd_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    params, ind = inputs
    _check_int(ind, "indices")
    m = _index_depth(ind)
    pd = params.shape.dims
    if m is None or pd is None:
        return [TensorSpec(TensorShape(None), params.dtype)]
    if m > len(pd):
        raise ShapeError(
            f"indices.shape[-1] must be <= params rank, got {m} for params {params.shape.short()} "
            f"and indices {ind.shape.short()}"
        )
    return [TensorSpec(TensorShape(list(ind.shape.dims[:-1]) + list(pd[m:])), params.dtype)]  # type: ignore[index]


def _gather_nd_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    params, ind = np.asarray(inputs[0]), np.asarray(inputs[1])
    m = ind.shape[-1]
    _check_range(ind, params.shape, "param ")
    rows = _rows(ind)
    picked = (
        params[tuple(rows[:, k] for k in range(m))]
        if m
        else np.broadcast_to(params, (rows.shape[0],) + params.shape)
    )
    return np.reshape(picked, ind.shape[:-1] + params.shape[m:])


def _gather_nd_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    params, ind = inputs
    m = ind.shape[-1]
    rows = jnp.reshape(ind, (int(np.prod(ind.shape[:-1])), m))
    if m == 0:
        picked = jnp.broadcast_to(params, (rows.shape[0],) + tuple(params.shape))
        return jnp.reshape(picked, tuple(ind.shape[:-1]) + tuple(params.shape))
    dims = jnp.asarray(params.shape[:m], dtype=rows.dtype)
    ok = jnp.all((rows >= 0) & (rows < dims), axis=1)
    safe = jnp.where(ok[:, None], rows, 0)
    picked = params[tuple(safe[:, k] for k in range(m))]
    picked = jnp.where(jnp.reshape(ok, (-1,) + (1,) * (picked.ndim - 1)), picked, jnp.zeros((), picked.dtype))
    return jnp.reshape(picked, tuple(ind.shape[:-1]) + tuple(params.shape[m:]))


def _shape_arg(t: Tensor, out_type: Any) -> Any:
    """The static shape of `t` as a list when known, else a Shape tensor."""
    if t.shape.is_fully_defined():
        return [int(d) for d in t.shape.as_list()]  # type: ignore[union-attr, arg-type]
    from graphdl.ops.array import shape

    return shape(t, out_type=out_type)


def _gather_nd_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    params, ind = node.inputs
    if not params.dtype.is_floating:
        return [None, None]
    return [scatter_nd(ind, grads[0], _shape_arg(params, ind.dtype)), None]


def _f(rng: np.random.Generator, *dims: int) -> np.ndarray:
    return rng.standard_normal(dims)


register(
    "GatherNd",
    api_name="gather_nd",
    infer=_gather_nd_infer,
    evaluate=_gather_nd_eval,
    lower=_gather_nd_lower,
    gradient=_gather_nd_grad,
    samples=lambda rng: [
        Sample([_f(rng, 3, 4), np.array([[0, 1], [2, 3], [0, 1]], np.int32)]),
        Sample([_f(rng, 3, 4, 2), np.array([[[1], [0]], [[2], [2]]], np.int64)]),
        Sample([_f(rng, 2, 3), np.array([[1, 2]], np.int32)]),
        Sample([_f(rng, 2, 3), np.zeros((4, 0), np.int32)]),
        Sample([_f(rng, 2, 3), np.zeros((0, 2), np.int32)]),
    ],
    doc="Slices of params at N-d indices: out[i...] = params[indices[i..., :]].",
)


def _indices(indices: Any) -> Tensor:
    if is_tensor_like(indices):
        return convert_to_tensor(indices)
    arr = np.asarray(indices)
    return convert_to_tensor(arr if arr.dtype == np.int64 else arr.astype(np.int32))


def gather_nd(params: Any, indices: Any, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """TF1 `tf.gather_nd(params, indices)`: gathers slices of params addressed by indices[..., :M]."""
    if batch_dims:
        raise get_default_graph().located_error(ShapeError, "gather_nd", "batch_dims is not supported")
    p = convert_to_tensor(params)
    return make_tensor("GatherNd", [p, _indices(indices)], {}, name or "GatherNd")


# --- scatter_nd ---------------------------------------------------------------------------------


def _scatter_shape(inputs: Sequence[Any], attrs: Mapping[str, Any]) -> list[int] | None:
    s = attrs.get("shape")
    return None if s is None else [int(d) for d in s]


def _scatter_nd_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    ind, upd = inputs[0], inputs[1]
    _check_int(ind, "indices")
    if len(inputs) > 2:
        _check_int(inputs[2], "shape")
    if upd.dtype.is_bool or upd.dtype.name == "string":
        raise DTypeError(f"updates must be numeric, got {upd.dtype.name}")
    m = _index_depth(ind)
    shape = _scatter_shape(inputs, attrs)
    if shape is None:
        hint = attrs.get("shape_hint")
        return [TensorSpec(TensorShape(hint) if hint is not None else TensorShape(None), upd.dtype)]
    if any(d < 0 for d in shape):
        raise ShapeError(f"shape must be non-negative, got {shape}")
    if m is not None and m > len(shape):
        raise ShapeError(f"indices.shape[-1] = {m} must be <= the rank of shape {shape}")
    if m is not None and ind.shape.dims is not None and upd.shape.dims is not None:
        want = TensorShape(list(ind.shape.dims[:-1]) + shape[m:])
        if not upd.shape.is_compatible_with(want):
            raise ShapeError(
                f"updates must have shape indices.shape[:-1] + shape[indices.shape[-1]:] = {want.short()}, "
                f"got {upd.shape.short()} (indices {ind.shape.short()}, shape {shape})"
            )
    return [TensorSpec(TensorShape(shape), upd.dtype)]


def _scatter_nd_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    ind, upd = np.asarray(inputs[0]), np.asarray(inputs[1])
    shape = _scatter_shape(inputs, attrs)
    if shape is None:
        shape = [int(d) for d in np.asarray(inputs[2]).reshape(-1)]
    m = ind.shape[-1]
    want = tuple(ind.shape[:-1]) + tuple(shape[m:])
    if upd.shape != want:
        raise ValueError(f"updates must have shape {list(want)}, got {list(upd.shape)}")
    _check_range(ind, shape, "")
    out = np.zeros(shape, dtype=upd.dtype)
    rows = _rows(ind)
    flat = upd.reshape((rows.shape[0],) + tuple(shape[m:]))
    if m == 0:
        out += flat.sum(axis=0, dtype=upd.dtype)
    else:
        np.add.at(out, tuple(rows[:, k] for k in range(m)), flat)
    return out


def _scatter_nd_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    ind, upd = inputs[0], inputs[1]
    shape = _scatter_shape(inputs, attrs)
    if shape is None:
        shape = [int(d) for d in lower_static(inputs, 2, ctx, "shape").reshape(-1)]
    m = ind.shape[-1]
    rows = jnp.reshape(ind, (int(np.prod(ind.shape[:-1])), m))
    flat = jnp.reshape(upd, (rows.shape[0],) + tuple(shape[m:]))
    out = jnp.zeros(tuple(shape), upd.dtype)
    if m == 0:
        return out + jnp.sum(flat, axis=0).astype(upd.dtype)
    dims = jnp.asarray(shape[:m], dtype=rows.dtype)
    ok = jnp.all((rows >= 0) & (rows < dims), axis=1)
    safe = jnp.where(ok[:, None], rows, dims)  # out of range rows point past the end: dropped
    return out.at[tuple(safe[:, k] for k in range(m))].add(flat, mode="drop")


def _scatter_nd_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    ind, upd = node.inputs[0], node.inputs[1]
    rest: list[Tensor | None] = [None] * (len(node.inputs) - 1)
    if not upd.dtype.is_floating:
        return [None, None] + rest[1:]
    return [None, gather_nd(grads[0], ind)] + rest[1:]


register(
    "ScatterNd",
    api_name="scatter_nd",
    infer=_scatter_nd_infer,
    evaluate=_scatter_nd_eval,
    lower=_scatter_nd_lower,
    gradient=_scatter_nd_grad,
    samples=lambda rng: [
        Sample([np.array([[4], [3], [1], [7]], np.int32), _f(rng, 4)], {"shape": [8]}),
        Sample([np.array([[0], [2], [0]], np.int64), _f(rng, 3, 4)], {"shape": [4, 4]}),
        Sample(
            [np.array([[[0, 1], [1, 1]], [[0, 1], [2, 0]]], np.int32), _f(rng, 2, 2, 2)], {"shape": [3, 2, 2]}
        ),
        Sample([np.zeros((3, 0), np.int32), _f(rng, 3, 2)], {"shape": [2]}),
        Sample([np.array([[1], [0]], np.int32), _f(rng, 2), np.array([3], np.int32)], {"shape": None}),
    ],
    doc="Zeros of `shape` with `updates` added at N-d indices (duplicates are summed).",
)


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.scatter_nd(indices, updates, shape)`: a zero tensor of `shape` plus updates at indices."""
    ind = _indices(indices)
    upd = convert_to_tensor(updates)
    graph = get_default_graph()
    try:
        static, tensor, hint = shape_or_tensor(shape, "shape")
    except ShapeError as e:
        raise graph.located_error(ShapeError, "scatter_nd", str(e)) from None
    if static is not None:
        return make_tensor("ScatterNd", [ind, upd], {"shape": static}, name or "ScatterNd")
    assert tensor is not None
    attrs = {"shape": None, "shape_hint": hint.dims and list(hint.dims)}
    return make_tensor("ScatterNd", [ind, upd, tensor], attrs, name or "ScatterNd")
