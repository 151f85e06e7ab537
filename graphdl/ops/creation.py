"""Creation ops: zeros, ones, zeros_like, ones_like, fill, range, one_hot."""

from __future__ import annotations

import math as _pymath
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_tensor
from graphdl.dtypes import DType, as_dtype, float32, int32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import lower_static, shape_or_tensor, static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["zeros", "ones", "zeros_like", "ones_like", "fill", "range", "one_hot"]

_CONST_LIMIT = 1000  # TF1: zeros/ones of fewer elements are a Const, larger ones a Fill


# --- fill ---------------------------------------------------------------------------------------


def _fill_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    from graphdl.ops.array import _tensor_arg_shape

    v = inputs[0]
    if v.shape.ndims not in (None, 0):
        raise ShapeError(f"value must be a scalar, got shape {v.shape.short()}")
    dims = attrs.get("shape")
    if dims is None:
        return [TensorSpec(_tensor_arg_shape(inputs[1], attrs.get("shape_hint"), "dims"), v.dtype)]
    return [TensorSpec(TensorShape(dims), v.dtype)]


def _fill_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        dims = attrs.get("shape")
        if dims is None:
            dims = inputs[1] if xp is np else lower_static(inputs, 1, ctx, "dims")
        return xp.full([int(d) for d in np.asarray(dims).reshape(-1)], inputs[0])

    return rule


def _fill_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    return [reduce_sum(grads[0])] + [None] * (len(node.inputs) - 1)


register(
    "Fill",
    api_name="fill",
    infer=_fill_infer,
    evaluate=_fill_kernel(np),
    lower=_fill_kernel(jnp),
    gradient=_fill_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal(())], {"shape": [2, 3]}),
        Sample([rng.standard_normal(())], {"shape": []}),
        Sample([np.array(7, np.int32)], {"shape": [0, 2]}),
        Sample([rng.standard_normal(()), np.array([3, 1], np.int32)], {"shape": None}),
    ],
    doc="A tensor of the given shape filled with a scalar.",
)


def _make_fill(dims: Any, value: Tensor, name: str, api: str) -> Tensor:
    static, t, hint = shape_or_tensor(dims, f"{api}: dims")
    if static is not None:
        if any(d < 0 for d in static):
            raise get_default_graph().located_error(ShapeError, api, f"dims must be >= 0, got {static}")
        return make_tensor("Fill", [value], {"shape": static}, name)
    return make_tensor("Fill", [value, t], {"shape": None, "shape_hint": hint}, name)


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.fill(dims, value)`: a tensor of shape dims (list or int tensor) filled with value."""
    v = convert_to_tensor(value)
    return _make_fill(dims, v, name or "Fill", "fill")


def _filled(shape: Any, dtype: Any, value: int, name: str, api: str) -> Tensor:
    from graphdl.ops.state import constant

    dt = as_dtype(dtype)
    static, _, _ = shape_or_tensor(shape, f"{api}: shape")
    if static is not None and all(d >= 0 for d in static) and int(np.prod(static)) < _CONST_LIMIT:
        return constant(value, dtype=dt, shape=static, name=name)
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        v = constant(value, dtype=dt, name="Const")
        return _make_fill(shape, v, scope, api)


def zeros(shape: Any, dtype: Any = float32, name: str | None = None) -> Tensor:
    """TF1 `tf.zeros(shape, dtype=float32)`: shape is a list or an int tensor."""
    return _filled(shape, dtype, 0, name or "zeros", "zeros")


def ones(shape: Any, dtype: Any = float32, name: str | None = None) -> Tensor:
    """TF1 `tf.ones(shape, dtype=float32)`: shape is a list or an int tensor."""
    return _filled(shape, dtype, 1, name or "ones", "ones")


# --- zeros_like, ones_like ----------------------------------------------------------------------


def _like_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dt = attrs.get("dtype")
    return [TensorSpec(inputs[0].shape, as_dtype(dt) if dt is not None else inputs[0].dtype)]


def _like_kernel(xp: Any, value: int) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        dt = attrs.get("dtype")
        x = inputs[0]
        return xp.full(x.shape, value, dtype=as_dtype(dt).np if dt is not None else x.dtype)

    return rule


for _op, _api, _v in (("ZerosLike", "zeros_like", 0), ("OnesLike", "ones_like", 1)):
    register(
        _op,
        api_name=_api,
        infer=_like_infer,
        evaluate=_like_kernel(np, _v),
        lower=_like_kernel(jnp, _v),
        gradient=lambda node, grads: [None],
        shape_inputs=(0,),
        samples=lambda rng: [
            Sample([rng.standard_normal((2, 3))], {"dtype": None}),
            Sample([rng.standard_normal(())], {"dtype": None}),
            Sample([np.arange(3, dtype=np.int32)], {"dtype": float32}),
        ],
        doc=f"A tensor of {_v}s with the run-time shape of the input.",
    )


def _like(op: str, tensor: Any, dtype: Any, name: str | None, default: str) -> Tensor:
    x = convert_to_tensor(tensor)
    return make_tensor(op, [x], {"dtype": None if dtype is None else as_dtype(dtype)}, name or default)


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Tensor:
    """TF1 `tf.zeros_like(tensor, dtype=None)`: zeros with the (run-time) shape of tensor."""
    return _like("ZerosLike", tensor, dtype, name, "zeros_like")


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Tensor:
    """TF1 `tf.ones_like(tensor, dtype=None)`: ones with the (run-time) shape of tensor."""
    return _like("OnesLike", tensor, dtype, name, "ones_like")


# --- range --------------------------------------------------------------------------------------


def _range_len(start: float, limit: float, delta: float) -> int:
    if delta == 0:
        raise ShapeError("delta must not be 0")
    return max(0, _pymath.ceil((limit - start) / delta))


def _range_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dt: DType = as_dtype(attrs["dtype"])
    if inputs:
        for s in inputs:
            if s.shape.ndims not in (None, 0):
                raise ShapeError(f"start, limit and delta must be scalars, got shape {s.shape.short()}")
        return [TensorSpec(TensorShape([None]), dt)]
    start, limit, delta = attrs["start"], attrs["limit"], attrs["delta"]
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        raise ShapeError(f"start {start} and limit {limit} are in the wrong order for delta {delta}")
    return [TensorSpec(TensorShape([_range_len(start, limit, delta)]), dt)]


def _range_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        if inputs:
            if xp is np:
                vals = [np.asarray(v).item() for v in inputs]
            else:
                vals = [lower_static(inputs, i, ctx, "range bound").item() for i in (0, 1, 2)]
        else:
            vals = [attrs["start"], attrs["limit"], attrs["delta"]]
        start, limit, delta = vals
        n = _range_len(start, limit, delta)
        return (
            (start + xp.arange(n, dtype=np.float64) * delta).astype(as_dtype(attrs["dtype"]).np)
            if (as_dtype(attrs["dtype"]).is_floating)
            else xp.arange(start, limit, delta, dtype=as_dtype(attrs["dtype"]).np)
        )

    return rule


register(
    "Range",
    api_name="range",
    infer=_range_infer,
    evaluate=_range_kernel(np),
    lower=_range_kernel(jnp),
    differentiable=False,
    samples=lambda rng: [
        Sample([], {"start": 0, "limit": 5, "delta": 1, "dtype": int32}),
        Sample([], {"start": 1.0, "limit": 2.0, "delta": 0.25, "dtype": float32}),
        Sample([], {"start": 5, "limit": 1, "delta": -2, "dtype": as_dtype("int64")}),
        Sample([], {"start": 3, "limit": 3, "delta": 1, "dtype": int32}),
        Sample(
            [np.array(1, np.int32), np.array(7, np.int32), np.array(3, np.int32)],
            {"start": None, "limit": None, "delta": None, "dtype": int32},
        ),
    ],
    doc="The sequence start, start + delta, ... up to but excluding limit.",
)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Tensor:  # noqa: A001
    """TF1 `tf.range(start, limit=None, delta=1, dtype=None)`; range(n) is 0..n-1."""
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    vals: list[Any] = []
    for a in args:
        if is_tensor_like(a):
            v = static_value(convert_to_tensor(a))
            vals.append(a if v is None else v.item())
        else:
            vals.append(np.asarray(a).item())
    if dtype is None:
        kinds = [convert_to_tensor(v).dtype if is_tensor_like(v) else None for v in vals]
        tensor_dts = [k for k in kinds if k is not None]
        if tensor_dts:
            dt = max(tensor_dts, key=lambda d: (d.is_floating, d.size))
        else:
            dt = float32 if any(isinstance(v, float) for v in vals) else int32
    else:
        dt = as_dtype(dtype)
    if any(is_tensor_like(v) for v in vals):
        ts = [convert_to_tensor(v) if is_tensor_like(v) else convert_to_tensor(v, dtype=dt) for v in vals]
        from graphdl.ops.math import cast

        ts = [t if t.dtype == dt else cast(t, dt) for t in ts]
        attrs: dict[str, Any] = {"start": None, "limit": None, "delta": None, "dtype": dt}
        return make_tensor("Range", ts, attrs, name)
    vals = [int(v) for v in vals] if dt.is_integer else [float(v) for v in vals]
    if vals[2] == 0:
        raise get_default_graph().located_error(ShapeError, "range", "delta must not be 0")
    return make_tensor("Range", [], {"start": vals[0], "limit": vals[1], "delta": vals[2], "dtype": dt}, name)


# --- one_hot ------------------------------------------------------------------------------------


def _one_hot_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    ind = inputs[0]
    if not ind.dtype.is_integer:
        raise DTypeError(f"indices must be an integer tensor, got {ind.dtype.name}")
    depth = int(attrs["depth"])
    if depth < 0:
        raise ShapeError(f"depth must be >= 0, got {depth}")
    dt = as_dtype(attrs["dtype"])
    if ind.shape.dims is None:
        return [TensorSpec(TensorShape(None), dt)]
    dims = list(ind.shape.dims)
    a = int(attrs.get("axis", -1))
    if not -1 <= a <= len(dims):
        raise ShapeError(f"axis {a} is out of range for indices of rank {len(dims)} (use -1 .. {len(dims)})")
    a = len(dims) if a == -1 else a
    return [TensorSpec(TensorShape(dims[:a] + [depth] + dims[a:]), dt)]


def _one_hot_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        ind = inputs[0]
        depth = int(attrs["depth"])
        dt = as_dtype(attrs["dtype"]).np
        hot = xp.expand_dims(ind, -1) == xp.arange(depth, dtype=ind.dtype)
        out = xp.where(hot, xp.asarray(attrs["on_value"], dt), xp.asarray(attrs["off_value"], dt))
        a = int(attrs.get("axis", -1))
        return out if a == -1 else xp.moveaxis(out, -1, a)

    return rule


register(
    "OneHot",
    api_name="one_hot",
    infer=_one_hot_infer,
    evaluate=_one_hot_kernel(np),
    lower=_one_hot_kernel(jnp),
    differentiable=False,
    samples=lambda rng: [
        Sample(
            [np.array([0, 2, 1, 5, -1], np.int32)],
            {"depth": 3, "on_value": 1, "off_value": 0, "axis": -1, "dtype": float32},
        ),
        Sample(
            [np.array([[0, 1], [2, 0]], np.int64)],
            {"depth": 4, "on_value": 5.0, "off_value": -1.0, "axis": 0, "dtype": float32},
        ),
        Sample(
            [np.array(1, np.int32)], {"depth": 2, "on_value": 1, "off_value": 0, "axis": -1, "dtype": int32}
        ),
    ],
    doc="One-hot vectors: on_value at each index, off_value elsewhere (out-of-range indices are all off).",
)


def one_hot(indices: Any, depth: Any, on_value: Any = None, off_value: Any = None, axis: Any = None,
            dtype: Any = None, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.one_hot(indices, depth, on_value=1, off_value=0, axis=-1, dtype=float32)`."""
    from graphdl.ops.array import _scalar_int

    ind = convert_to_tensor(indices)
    d = _scalar_int(depth, "one_hot", "depth")
    vals = []
    for v, default in ((on_value, 1), (off_value, 0)):
        if v is None:
            vals.append(default)
            continue
        if is_tensor_like(v):
            s = static_value(convert_to_tensor(v))
            if s is None:
                raise get_default_graph().located_error(
                    ShapeError, "one_hot", "on_value and off_value must be known when the graph is built"
                )
            if dtype is None:
                dtype = convert_to_tensor(v).dtype
            v = s
        vals.append(np.asarray(v).item())
    dt = as_dtype(dtype) if dtype is not None else float32
    attrs = {
        "depth": d,
        "on_value": vals[0],
        "off_value": vals[1],
        "axis": -1 if axis is None else int(axis),
        "dtype": dt,
    }
    return make_tensor("OneHot", [ind], attrs, name or "one_hot")
