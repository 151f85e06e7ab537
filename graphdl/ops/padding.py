"""Tiling and padding ops: tile, pad (CONSTANT, REFLECT, SYMMETRIC) and MirrorPad's gradient (re-exported by
`graphdl.ops.array`)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.array import (
    _known,
    _rnd,
    _tensor_arg_shape,
    reshape,
    shape,
)
from graphdl.ops.joining import stack
from graphdl.ops.shape_args import lower_static, shape_or_tensor
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

_range = builtins.range
_slice = builtins.slice

__all__ = ["tile", "pad"]


# --- tile ---------------------------------------------------------------------------------------


def _tile_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    m = attrs.get("multiples")
    dims = x.shape.dims
    if m is None:
        r = _tensor_arg_shape(inputs[1], None, "multiples").ndims if len(inputs) > 1 else None
        if r is None and dims is None:
            return [TensorSpec(TensorShape(None), x.dtype)]
        return [TensorSpec(TensorShape([None] * (r if r is not None else len(dims))), x.dtype)]  # type: ignore[arg-type]
    if any(int(k) < 0 for k in m):
        raise ShapeError(f"multiples must be >= 0, got {list(m)}")
    if dims is None:
        return [TensorSpec(TensorShape([None] * len(m)), x.dtype)]
    if len(dims) != len(m):
        raise ShapeError(f"multiples {list(m)} must have one entry per axis of shape {x.shape.short()}")
    return [
        TensorSpec(
            TensorShape([None if d is None else d * int(k) for d, k in zip(dims, m, strict=True)]), x.dtype
        )
    ]


def _tile_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        m = attrs.get("multiples")
        if m is None:
            m = inputs[1] if xp is np else lower_static(inputs, 1, ctx, "multiples")
        return xp.tile(inputs[0], [int(k) for k in np.asarray(m).reshape(-1)])

    return rule


def _tile_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    x = node.inputs[0]
    m = node.attrs.get("multiples")
    mt: Any = m if m is not None else node.inputs[1]
    r = x.shape.ndims
    if r is None:
        raise ShapeError(f"{node.describe()}: the gradient of tile needs an input of known rank")
    if m is not None and x.shape.is_fully_defined():
        split_shape: Any = [v for pair in zip(m, x.shape.as_tuple(), strict=True) for v in pair]
    else:
        mt = convert_to_tensor(np.asarray(m, np.int32)) if m is not None else mt
        split_shape = reshape(stack([mt, shape(x, out_type=mt.dtype)], axis=1), [-1])
    g = reduce_sum(reshape(grads[0], split_shape), axis=list(_range(0, 2 * r, 2)))
    return [g] + [None] * (len(node.inputs) - 1)


register(
    "Tile",
    api_name="tile",
    infer=_tile_infer,
    evaluate=_tile_kernel(np),
    lower=_tile_kernel(jnp),
    gradient=_tile_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 2, 3)], {"multiples": [2, 1]}),
        Sample([_rnd(rng, 2, 1, 3)], {"multiples": [1, 3, 2]}),
        Sample([_rnd(rng, 2)], {"multiples": [0]}),
        Sample([_rnd(rng, 2, 3), np.array([3, 2], np.int32)], {"multiples": None}),
    ],
    doc="Repeats the tensor `multiples[i]` times along axis i.",
)


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.tile(input, multiples)`: repeats input multiples[i] times along axis i."""
    x = convert_to_tensor(input)
    static, t, _ = shape_or_tensor(multiples, "tile: multiples")
    if static is not None:
        return make_tensor("Tile", [x], {"multiples": static}, name or "Tile")
    return make_tensor("Tile", [x, t], {"multiples": None}, name or "Tile")


# --- pad ----------------------------------------------------------------------------------------


def _pad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    p = [[int(a), int(b)] for a, b in attrs["paddings"]]
    mode = attrs.get("mode", "CONSTANT")
    if any(a < 0 or b < 0 for a, b in p):
        raise ShapeError(f"paddings must be >= 0, got {p}")
    dims = x.shape.dims
    if dims is None:
        return [TensorSpec(TensorShape([None] * len(p)), x.dtype)]
    if len(dims) != len(p):
        raise ShapeError(
            f"paddings {p} must have one [before, after] pair per axis of shape {x.shape.short()}"
        )
    if mode in ("REFLECT", "SYMMETRIC"):
        extra = 1 if mode == "REFLECT" else 0
        for i, (d, (a, b)) in enumerate(zip(dims, p, strict=True)):
            if d is not None and max(a, b) > d - extra:
                raise ShapeError(
                    f"{mode} padding of axis {i} by {[a, b]} needs size > {max(a, b) + extra - 1}, got {d}"
                )
    return [
        TensorSpec(
            TensorShape([None if d is None else d + a + b for d, (a, b) in zip(dims, p, strict=True)]),
            x.dtype,
        )
    ]


def _pad_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        p = [(int(a), int(b)) for a, b in attrs["paddings"]]
        mode = attrs.get("mode", "CONSTANT")
        if mode == "CONSTANT":
            return xp.pad(inputs[0], p, mode="constant", constant_values=attrs.get("constant_values", 0))
        return xp.pad(inputs[0], p, mode="reflect" if mode == "REFLECT" else "symmetric")

    return rule


def _unpad(g: Tensor, p: Sequence[Sequence[int]]) -> Tensor:
    from graphdl.ops.slicing import strided_slice_key

    key = tuple(_slice(int(a), -int(b) if int(b) else None) for a, b in p)
    return strided_slice_key(g, key)


def _pad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    p = node.attrs["paddings"]
    if node.attrs.get("mode", "CONSTANT") == "CONSTANT":
        return [_unpad(grads[0], p)]
    return [
        make_tensor("MirrorPadGrad", [grads[0]], {"paddings": p, "mode": node.attrs["mode"]}, "MirrorPadGrad")
    ]


def _pad_samples(mode: str) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = [
            Sample([_rnd(rng, 3, 4)], {"paddings": [[1, 2], [0, 1]], "mode": mode}),
            Sample([_rnd(rng, 2, 3, 3)], {"paddings": [[0, 0], [2, 1], [1, 2]], "mode": mode}),
            Sample([_rnd(rng, 3)], {"paddings": [[0, 0]], "mode": mode}),
        ]
        if mode == "CONSTANT":
            out.append(
                Sample(
                    [_rnd(rng, 2, 2)], {"paddings": [[1, 1], [3, 0]], "mode": mode, "constant_values": 1.5}
                )
            )
        return out

    return samples


register(
    "Pad",
    api_name="pad",
    infer=_pad_infer,
    evaluate=_pad_kernel(np),
    lower=_pad_kernel(jnp),
    gradient=_pad_grad,
    samples=_pad_samples("CONSTANT"),
    doc="Pads with a constant value.",
)
register(
    "MirrorPad",
    api_name="pad",
    infer=_pad_infer,
    evaluate=_pad_kernel(np),
    lower=_pad_kernel(jnp),
    gradient=_pad_grad,
    samples=lambda rng: _pad_samples("REFLECT")(rng) + _pad_samples("SYMMETRIC")(rng),
    doc="Pads by mirroring the tensor (REFLECT excludes the edge, SYMMETRIC repeats it).",
)


def _mirror_index(in_shape: Sequence[int], attrs: Mapping[str, Any]) -> np.ndarray:
    """For each element of the padded tensor, the flat index of the input element it copies."""
    p = [(int(a), int(b)) for a, b in attrs["paddings"]]
    idx = np.arange(int(np.prod(in_shape)), dtype=np.int64).reshape(in_shape)
    return np.pad(idx, p, mode="reflect" if attrs["mode"] == "REFLECT" else "symmetric").reshape(-1)


def _mirror_in_shape(g_shape: Sequence[int], attrs: Mapping[str, Any]) -> list[int]:
    return [int(d) - int(a) - int(b) for d, (a, b) in zip(g_shape, attrs["paddings"], strict=True)]


def _mirror_grad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    g = inputs[0]
    p = attrs["paddings"]
    if g.shape.dims is None:
        return [TensorSpec(TensorShape([None] * len(p)), g.dtype)]
    dims = [None if d is None else d - int(a) - int(b) for d, (a, b) in zip(g.shape.dims, p, strict=True)]
    return [TensorSpec(TensorShape(dims), g.dtype)]


def _mirror_grad_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    g = np.asarray(inputs[0])
    shp = _mirror_in_shape(g.shape, attrs)
    out = np.zeros(int(np.prod(shp)), dtype=g.dtype)
    np.add.at(out, _mirror_index(shp, attrs), g.reshape(-1))
    return out.reshape(shp)


def _mirror_grad_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    g = inputs[0]
    shp = _mirror_in_shape(g.shape, attrs)
    out = jnp.zeros(int(np.prod(shp)), dtype=g.dtype)
    return out.at[_mirror_index(shp, attrs)].add(g.reshape(-1)).reshape(shp)


register(
    "MirrorPadGrad",
    api_name="mirror_pad_grad",
    infer=_mirror_grad_infer,
    evaluate=_mirror_grad_eval,
    lower=_mirror_grad_lower,
    gradient=lambda node, grads: [
        make_tensor(
            "MirrorPad",
            [grads[0]],
            {"paddings": node.attrs["paddings"], "mode": node.attrs["mode"]},
            "MirrorPad",
        )
    ],
    samples=lambda rng: [
        Sample([_rnd(rng, 6, 7)], {"paddings": [[1, 2], [2, 2]], "mode": "REFLECT"}),
        Sample([_rnd(rng, 5, 3)], {"paddings": [[2, 0], [1, 1]], "mode": "SYMMETRIC"}),
    ],
    doc="Gradient of MirrorPad: folds the mirrored borders back onto the input.",
)


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", name: str | None = None, constant_values: Any = 0
) -> Tensor:
    """TF1 `tf.pad(tensor, paddings, mode='CONSTANT', constant_values=0)`; modes CONSTANT|REFLECT|SYMMETRIC."""
    x = convert_to_tensor(tensor)
    graph = get_default_graph()
    m = str(mode).upper()
    if m not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise graph.located_error(
            ShapeError, "pad", f"mode must be CONSTANT, REFLECT or SYMMETRIC, got {mode!r}"
        )
    flat = _known(paddings, "pad", "paddings")
    if len(flat) % 2:
        raise graph.located_error(ShapeError, "pad", f"paddings must have shape [rank, 2], got {paddings!r}")
    p = [[flat[2 * i], flat[2 * i + 1]] for i in _range(len(flat) // 2)]
    if m == "CONSTANT":
        cv = np.asarray(constant_values).item() if not isinstance(constant_values, Tensor) else None
        if cv is None:
            raise graph.located_error(ShapeError, "pad", "constant_values must be a Python number")
        return make_tensor("Pad", [x], {"paddings": p, "mode": m, "constant_values": cv}, name or "Pad")
    return make_tensor("MirrorPad", [x], {"paddings": p, "mode": m}, name or "MirrorPad")
