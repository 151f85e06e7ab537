"""Sorting: sort, argsort and searchsorted (TF1's LowerBound / UpperBound).

TF1 sorts with top_k, so equal values keep their order (lower index first) in both directions; the
`Sort` op here does the same with a stable sort along the last axis (the builders transpose other
axes there) and returns the sorted values and the permutation. The values' gradient flows back
through that permutation; searchsorted has none, as in TF1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_operands, convert_to_tensor, make_op, make_tensor
from graphdl.dtypes import as_dtype, int32, int64
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.logic import NUMERIC, check_kind
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, normalize_axis
from graphdl.tensor import Tensor

__all__ = ["sort", "argsort", "searchsorted"]


# --- sort / argsort -------------------------------------------------------------------------------


def _sort_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    check_kind(x, NUMERIC)
    if x.shape.ndims == 0:
        raise ShapeError("input must be at least 1-D, got a scalar")
    return [TensorSpec(x.shape, x.dtype), TensorSpec(x.shape, int32)]


def _sort_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        n = x.shape[-1]
        if attrs["descending"]:
            # a stable ascending sort of the reversed row, read backwards: ties keep the lower index first
            rev = xp.argsort(x[..., ::-1], axis=-1, stable=True)[..., ::-1]
            idx = n - 1 - rev
        else:
            idx = xp.argsort(x, axis=-1, stable=True)
        return xp.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)

    return rule


def _sort_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.array import reshape, shape, size
    from graphdl.ops.creation import range as range_
    from graphdl.ops.creation import zeros_like
    from graphdl.ops.gathering import unsorted_segment_sum

    x, idx = node.inputs[0], node.outputs[1]
    dims = x.shape.dims
    if dims is not None and 0 in dims:
        return [zeros_like(x)]
    # scatter each sorted position's gradient back to the element it came from
    in_shape = shape(x)
    n = in_shape[-1]
    idx2 = reshape(idx, [-1, n])
    offsets = reshape(range_(0, shape(idx2)[0] * n, n), [-1, 1])
    flat = reshape(idx2 + offsets, [-1])
    return [reshape(unsorted_segment_sum(reshape(grads[0], [-1]), flat, size(x)), in_shape)]


register(
    "Sort",
    api_name="sort",
    infer=_sort_infer,
    evaluate=_sort_kernel(np),
    lower=_sort_kernel(jnp),
    gradient=_sort_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal(6)], {"descending": False}),
        Sample([rng.standard_normal((2, 3, 5))], {"descending": True}),
        Sample(
            [np.array([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0]])],
            {"descending": True},
            grad_inputs=[],
        ),
        Sample(
            [np.array([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0]])],
            {"descending": False},
            grad_inputs=[],
        ),
        Sample([np.array([[4, 1, 4, 9], [0, 0, 5, -5]], np.int32)], {"descending": False}),
        Sample([rng.standard_normal((3, 0))], {"descending": False}),
    ],
    doc="The last axis sorted (stable: equal values keep their order) and the permutation that sorts it.",
)


def _direction(direction: str, api: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise get_default_graph().located_error(
            GraphError, api, f"direction must be 'ASCENDING' or 'DESCENDING', got {direction!r}"
        )
    return direction == "DESCENDING"


def _sort_op(values: Any, axis: Any, direction: str, api: str, name: str | None, index: int) -> Tensor:
    from graphdl.ops.array import transpose

    desc = _direction(direction, api)
    x = convert_to_tensor(values)
    r = x.shape.ndims
    graph = get_default_graph()
    if r is None:
        if int(axis) != -1:
            raise graph.located_error(ShapeError, api, "values must have a known rank (or axis=-1)")
        # the last axis, whatever the rank: one Sort, as TF1's top_k does
        if x.dtype.np.kind not in NUMERIC:
            raise graph.located_error(DTypeError, api, f"values must be numeric, got {x.dtype.name}")
        return make_op("Sort", [x], {"descending": desc}, name or api).outputs[index]
    if r == 0:
        raise graph.located_error(ShapeError, api, "values must be at least 1-D, got a scalar")
    try:
        a = normalize_axis(int(axis), r)
    except ShapeError as exc:
        raise graph.located_error(ShapeError, api, str(exc)) from None
    if x.dtype.np.kind not in NUMERIC:
        raise graph.located_error(DTypeError, api, f"values must be numeric, got {x.dtype.name}")
    if a == r - 1:
        return make_op("Sort", [x], {"descending": desc}, name or api).outputs[index]
    perm = list(range(r))
    perm[a], perm[-1] = perm[-1], perm[a]
    with graph.name_scope(name or api):
        out = make_op("Sort", [transpose(x, perm)], {"descending": desc}, "Sort").outputs[index]
        return transpose(out, perm)


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """TF1 `tf.sort(values, axis=-1, direction='ASCENDING')`: values sorted along axis."""
    return _sort_op(values, axis, direction, "sort", name, 0)


def argsort(
    values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.argsort(values, axis=-1, direction='ASCENDING', stable=False)`: the int32 indices that
    sort values along axis (always stable: equal values keep their order, as TF1's top_k gives)."""
    return _sort_op(values, axis, direction, "argsort", name, 1)


# --- searchsorted ---------------------------------------------------------------------------------


def _bound_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    s, v = inputs
    if s.dtype != v.dtype:
        raise DTypeError(
            f"sorted_sequence and values must have the same dtype, got {s.dtype.name} and {v.dtype.name}"
        )
    check_kind(s, NUMERIC)
    out_type = as_dtype(attrs["out_type"])
    sd, vd = s.shape.dims, v.shape.dims
    if sd is not None and vd is not None:
        if len(sd) < 1 or len(sd) != len(vd):
            raise ShapeError(
                f"sorted_sequence {s.shape.short()} and values {v.shape.short()} must have the same rank >= 1"
            )
        if not TensorShape(sd[:-1]).is_compatible_with(TensorShape(vd[:-1])):
            raise ShapeError(
                f"sorted_sequence {s.shape.short()} and values {v.shape.short()} must agree on all but the last axis"
            )
    return [TensorSpec(v.shape, out_type)]


def _bound_kernel(xp: Any, side: str) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        s, v = inputs
        out_dtype = as_dtype(attrs["out_type"]).np
        lead = v.shape[:-1]
        if s.ndim != v.ndim or s.ndim < 1 or tuple(s.shape[:-1]) != tuple(lead):
            raise ValueError(
                f"sorted_sequence {list(s.shape)} and values {list(v.shape)} must have the same rank >= 1 "
                "and agree on all but the last axis"
            )
        rows = int(np.prod(lead, dtype=np.int64))
        if s.shape[-1] == 0 or rows == 0 or v.shape[-1] == 0:  # nothing to search: every index is 0
            return xp.zeros(v.shape, dtype=out_dtype)
        s2 = s.reshape((rows, s.shape[-1]))
        v2 = v.reshape((rows, v.shape[-1]))
        res: Any
        if xp is np:
            found = [np.searchsorted(a, b, side=side) for a, b in zip(s2, v2, strict=True)]  # type: ignore[call-overload]
            res = np.array(found, dtype=np.int64).reshape(v2.shape)
        else:
            res = jax.vmap(lambda a, b: jnp.searchsorted(a, b, side=side))(s2, v2)
        return res.reshape(tuple(lead) + (v.shape[-1],)).astype(out_dtype)

    return rule


def _bound_samples(rng: np.random.Generator) -> list[Sample]:
    seq = np.sort(rng.integers(0, 5, (2, 6)).astype(np.float64), axis=-1)
    return [
        Sample([seq, rng.integers(-1, 6, (2, 4)).astype(np.float64)], {"out_type": int32}),
        Sample([np.array([1, 2, 2, 4], np.int32), np.array([2, 0, 5, 3, 4], np.int32)], {"out_type": int64}),
        Sample(
            [np.sort(rng.standard_normal((2, 3, 4)), -1), rng.standard_normal((2, 3, 2))], {"out_type": int32}
        ),
    ]


for _op, _side in (("LowerBound", "left"), ("UpperBound", "right")):
    register(
        _op,
        api_name="searchsorted",
        infer=_bound_infer,
        evaluate=_bound_kernel(np, _side),
        lower=_bound_kernel(jnp, _side),
        differentiable=False,
        samples=_bound_samples,
        doc=f"For each value, the {'first' if _side == 'left' else 'last'} index of the sorted last axis "
        "where it could be inserted keeping the order.",
    )


def searchsorted(
    sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = int32, name: str | None = None
) -> Tensor:
    """TF1 `tf.searchsorted(sorted_sequence, values, side='left', out_type=tf.int32)`: insertion
    indices of values into the (batched) sorted last axis of sorted_sequence."""
    graph = get_default_graph()
    if side not in ("left", "right"):
        raise graph.located_error(GraphError, "searchsorted", f"side must be 'left' or 'right', got {side!r}")
    ot = as_dtype(out_type)
    if ot not in (int32, int64):
        raise graph.located_error(
            DTypeError, "searchsorted", f"out_type must be int32 or int64, got {ot.name}"
        )
    s, v = convert_operands([sorted_sequence, values], "searchsorted")
    op = "LowerBound" if side == "left" else "UpperBound"
    return make_tensor(op, [s, v], {"out_type": ot}, name or op)
