"""Joining and splitting ops: concat, stack, unstack, split (re-exported by `graphdl.ops.array`)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, convert_to_tensor, make_op, make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.array import (
    _axis,
    _is_int,
    _rnd,
    _scalar_int,
    identity,
    shape,
)
from graphdl.ops.shape_args import lower_static, shape_or_tensor
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

_range = builtins.range
_slice = builtins.slice

__all__ = ["concat", "stack", "unstack", "split"]


# --- concat, stack, unstack, split -------------------------------------------------------------


def _concat_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dtypes = {s.dtype for s in inputs}
    if len(dtypes) > 1:
        raise DTypeError("inputs have different dtypes: " + ", ".join(s.dtype.name for s in inputs))
    known = [s.shape for s in inputs if s.shape.dims is not None]
    if not known:
        return [TensorSpec(TensorShape(None), inputs[0].dtype)]
    r = len(known[0].dims)  # type: ignore[arg-type]
    if r == 0:
        raise ShapeError("cannot concatenate scalars; use stack")
    for k in known:
        if len(k.dims) != r:  # type: ignore[arg-type]
            raise ShapeError(
                "all inputs must have the same rank, got shapes " + ", ".join(i.shape.short() for i in inputs)
            )
    a = _axis(attrs["axis"], r)
    out: list[int | None] = [None] * r
    total: int | None = 0
    for s in inputs:
        d = s.shape.dims
        if d is None:
            total = None
            continue
        da = d[a]
        total = None if total is None or da is None else total + da
        for i in _range(r):
            if i == a:
                continue
            if out[i] is not None and d[i] is not None and out[i] != d[i]:
                raise ShapeError(
                    f"dimension {i} differs between inputs (concatenating along axis {a}): "
                    + ", ".join(x.shape.short() for x in inputs)
                )
            out[i] = out[i] if out[i] is not None else d[i]
    out[a] = total
    return [TensorSpec(TensorShape(out), inputs[0].dtype)]


def _concat_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    xs = node.inputs
    r = next((x.shape.ndims for x in xs if x.shape.ndims is not None), None)
    if r is None:
        a = int(node.attrs["axis"])
        if a < 0:  # a negative axis counts from a rank not known yet
            raise ShapeError(
                f"{node.describe()}: the gradient of concat along a negative axis needs inputs of known rank"
            )
        return list(split(grads[0], stack([shape(x)[a] for x in xs]), axis=a))
    a = _axis(node.attrs["axis"], r)
    sizes = [x.shape.dims[a] if x.shape.dims is not None else None for x in xs]
    if any(s is None for s in sizes):
        return list(split(grads[0], stack([shape(x)[a] for x in xs]), axis=a))
    return list(split(grads[0], sizes, axis=a))


register(
    "ConcatV2",
    api_name="concat",
    infer=_concat_infer,
    evaluate=lambda inputs, attrs, ctx: np.concatenate(inputs, axis=int(attrs["axis"])),
    lower=lambda inputs, attrs, ctx: jnp.concatenate(inputs, axis=int(attrs["axis"])),
    gradient=_concat_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 2, 3), _rnd(rng, 4, 3)], {"axis": 0}),
        Sample([_rnd(rng, 2, 3), _rnd(rng, 2, 1), _rnd(rng, 2, 2)], {"axis": -1}),
        Sample([_rnd(rng, 2, 0), _rnd(rng, 2, 2)], {"axis": 1}),
        Sample([_rnd(rng, 3)], {"axis": 0}),
    ],
    doc="Joins tensors along an existing axis.",
)


def concat(values: Any, axis: Any, name: str = "concat") -> Tensor:
    """TF1 `tf.concat(values, axis)`: joins a list of tensors along `axis`."""
    vals = values if isinstance(values, list | tuple) else [values]
    if not vals:
        raise get_default_graph().located_error(ShapeError, "concat", "values is empty")
    ts = convert_operands(list(vals), "concat")
    a = _scalar_int(axis, "concat", "axis")
    if len(ts) == 1:
        r = ts[0].shape.ndims
        if r is not None:
            try:
                _axis(a, r)
            except ShapeError as exc:
                raise get_default_graph().located_error(ShapeError, "concat", str(exc)) from None
        return identity(ts[0], name=name)
    return make_tensor("ConcatV2", ts, {"axis": a}, name)


def _pack_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dtypes = {s.dtype for s in inputs}
    if len(dtypes) > 1:
        raise DTypeError("inputs have different dtypes: " + ", ".join(s.dtype.name for s in inputs))
    merged = TensorShape(None)
    for s in inputs:
        if not merged.is_compatible_with(s.shape):
            raise ShapeError(
                "all inputs must have the same shape, got " + ", ".join(i.shape.short() for i in inputs)
            )
        merged = merged.merge_with(s.shape)
    if merged.dims is None:
        return [TensorSpec(TensorShape(None), inputs[0].dtype)]
    dims = list(merged.dims)
    a = _axis(attrs["axis"], len(dims) + 1)
    return [TensorSpec(TensorShape(dims[:a] + [len(inputs)] + dims[a:]), inputs[0].dtype)]


register(
    "Pack",
    api_name="stack",
    infer=_pack_infer,
    evaluate=lambda inputs, attrs, ctx: np.stack(inputs, axis=int(attrs["axis"])),
    lower=lambda inputs, attrs, ctx: jnp.stack(inputs, axis=int(attrs["axis"])),
    gradient=lambda node, grads: list(unstack(grads[0], num=len(node.inputs), axis=node.attrs["axis"])),
    samples=lambda rng: [
        Sample([_rnd(rng, 2, 3), _rnd(rng, 2, 3)], {"axis": 0}),
        Sample([_rnd(rng, 2, 3), _rnd(rng, 2, 3), _rnd(rng, 2, 3)], {"axis": -1}),
        Sample([_rnd(rng), _rnd(rng)], {"axis": 0}),
        Sample([np.array(3, np.int32), np.array(4, np.int32)], {"axis": 0}),
    ],
    doc="Stacks tensors of one shape along a new axis.",
)


def stack(values: Any, axis: int = 0, name: str = "stack") -> Tensor:
    """TF1 `tf.stack(values, axis=0)`: packs a list of same-shaped tensors along a new axis."""
    vals = list(values)
    if not vals:
        raise get_default_graph().located_error(ShapeError, "stack", "values is empty")
    ts = convert_operands(vals, "stack")
    return make_tensor("Pack", ts, {"axis": int(axis)}, name)


def _unpack_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    num = int(attrs["num"])
    if x.shape.dims is None:
        return [TensorSpec(TensorShape(None), x.dtype)] * num
    dims = list(x.shape.dims)
    if not dims:
        raise ShapeError("cannot unstack a scalar")
    a = _axis(attrs["axis"], len(dims))
    if dims[a] is not None and dims[a] != num:
        raise ShapeError(f"cannot unstack {num} tensors from axis {a} of shape {x.shape.short()}")
    return [TensorSpec(TensorShape(dims[:a] + dims[a + 1 :]), x.dtype)] * num


def _unpack_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        a = int(attrs["axis"])
        if x.shape[a] != int(attrs["num"]):
            raise ValueError(f"cannot unstack {attrs['num']} tensors from axis {a} of shape {list(x.shape)}")
        return tuple(xp.take(x, i, axis=a) for i in _range(int(attrs["num"])))

    return rule


register(
    "Unpack",
    api_name="unstack",
    infer=_unpack_infer,
    evaluate=_unpack_kernel(np),
    lower=_unpack_kernel(jnp),
    gradient=lambda node, grads: [stack(grads, axis=node.attrs["axis"])],
    samples=lambda rng: [
        Sample([_rnd(rng, 3, 2)], {"num": 3, "axis": 0}),
        Sample([_rnd(rng, 2, 3, 4)], {"num": 4, "axis": -1}),
        Sample([_rnd(rng, 1)], {"num": 1, "axis": 0}),
    ],
    doc="Splits a tensor into its slices along an axis, removing that axis.",
)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list[Tensor]:
    """TF1 `tf.unstack(value, num=None, axis=0)`: a list of the slices along `axis`."""
    x = convert_to_tensor(value)
    r = x.shape.ndims
    if num is None:
        d = x.shape.dims[_axis(axis, r)] if r and x.shape.dims is not None else None
        if d is None:
            raise get_default_graph().located_error(
                ShapeError, "unstack", f"cannot infer num from shape {x.shape.short()}; pass num"
            )
        num = d
    return list(make_op("Unpack", [x], {"num": int(num), "axis": int(axis)}, name).outputs)


def _split_sizes(attrs: Mapping[str, Any], dim: int | None) -> list[int | None]:
    sizes = attrs.get("size_splits")
    if sizes is None:
        n = int(attrs["num_split"])
        if dim is not None and dim % n:
            raise ShapeError(f"cannot split a dimension of size {dim} into {n} equal parts")
        return [None if dim is None else dim // n] * n
    sizes = [int(s) for s in sizes]
    if sum(1 for s in sizes if s == -1) > 1:
        raise ShapeError(f"at most one size in size_splits may be -1, got {sizes}")
    rest = sum(s for s in sizes if s != -1)
    if dim is not None:
        if (-1 not in sizes and rest != dim) or rest > dim:
            raise ShapeError(f"size_splits {sizes} do not add up to the dimension's size {dim}")
        return [dim - rest if s == -1 else s for s in sizes]
    return [None if s == -1 else s for s in sizes]


def _split_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    n = int(attrs["num_split"])
    if x.shape.dims is None:
        return [TensorSpec(TensorShape(None), x.dtype)] * n
    dims = list(x.shape.dims)
    a = _axis(attrs["axis"], len(dims))
    if attrs.get("size_splits") is None and len(inputs) > 1:
        sizes: list[int | None] = [None] * n
    else:
        sizes = _split_sizes(attrs, dims[a])
    return [TensorSpec(TensorShape(dims[:a] + [s] + dims[a + 1 :]), x.dtype) for s in sizes]


def _split_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        a = int(attrs["axis"])
        if len(inputs) > 1:
            raw = inputs[1] if xp is np else lower_static(inputs, 1, ctx, "size_splits")
            attrs = {**attrs, "size_splits": [int(s) for s in np.asarray(raw)]}
        sizes = _split_sizes(attrs, x.shape[a])
        cuts = np.cumsum([int(s) for s in sizes if s is not None])[:-1].tolist()
        return tuple(xp.split(x, cuts, axis=a))

    return rule


register(
    "SplitV",
    api_name="split",
    infer=_split_infer,
    evaluate=_split_kernel(np),
    lower=_split_kernel(jnp),
    gradient=lambda node, grads: [concat(grads, node.attrs["axis"])] + [None] * (len(node.inputs) - 1),
    samples=lambda rng: [
        Sample([_rnd(rng, 6, 2)], {"num_split": 3, "axis": 0, "size_splits": None}),
        Sample([_rnd(rng, 2, 5)], {"num_split": 3, "axis": -1, "size_splits": [1, -1, 2]}),
        Sample([_rnd(rng, 2, 5)], {"num_split": 2, "axis": 1, "size_splits": [5, 0]}),
        Sample(
            [_rnd(rng, 4, 2), np.array([1, 3], np.int32)], {"num_split": 2, "axis": 0, "size_splits": None}
        ),
    ],
    doc="Splits a tensor along an axis into equal parts or parts of the given sizes.",
)


def split(
    value: Any, num_or_size_splits: Any, axis: Any = 0, num: int | None = None, name: str = "split"
) -> list[Tensor]:
    """TF1 `tf.split(value, num_or_size_splits, axis=0)`: a list of pieces along `axis`."""
    x = convert_to_tensor(value)
    a = _scalar_int(axis, "split", "axis")
    if _is_int(num_or_size_splits):
        attrs: dict[str, Any] = {"num_split": int(num_or_size_splits), "axis": a, "size_splits": None}
        return list(make_op("SplitV", [x], attrs, name).outputs)
    static, t, _ = shape_or_tensor(num_or_size_splits, "split: size_splits")
    if static is not None:
        attrs = {"num_split": len(static), "axis": a, "size_splits": static}
        return list(make_op("SplitV", [x], attrs, name).outputs)
    n = num if num is not None else (t.shape.dims[0] if t.shape.dims else None)  # type: ignore[union-attr]
    if n is None:
        raise get_default_graph().located_error(
            ShapeError, "split", "the number of pieces is unknown; pass num"
        )
    return list(
        make_op("SplitV", [x, t], {"num_split": int(n), "axis": a, "size_splits": None}, name).outputs
    )
