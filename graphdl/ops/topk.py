"""top_k (TF1's TopKV2): the k largest entries of the last axis and their indices (re-exported by
`graphdl.nn`, so `tf.nn.top_k` works).

Equal values are ordered by the lower index first, as TF1 does. The values' gradient is scattered
back to the selected positions; the indices carry none.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_op
from graphdl.dtypes import int32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.logic import NUMERIC, check_kind
from graphdl.ops.shape_args import lower_static, static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["top_k"]

TopKV2 = namedtuple("TopKV2", ["values", "indices"])  # TF1's field names for top_k's result


def _topk_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    check_kind(x, NUMERIC)
    k = attrs.get("k")
    if k is None:
        kt = inputs[1]
        if kt.dtype != int32 or kt.shape.ndims not in (0, None):
            raise DTypeError(f"k must be an int32 scalar, got {kt.dtype.name} {kt.shape.short()}")
    elif int(k) < 0:
        raise ShapeError(f"k must be >= 0, got {k}")
    dims = x.shape.dims
    if dims is None:
        return [TensorSpec(TensorShape(None), x.dtype), TensorSpec(TensorShape(None), int32)]
    if len(dims) < 1:
        raise ShapeError(f"input must be at least 1-D, got shape {x.shape.short()}")
    n = dims[-1]
    if k is not None and n is not None and int(k) > n:
        raise ShapeError(f"input {x.shape.short()} must have at least k={k} entries in its last axis")
    out = TensorShape([*dims[:-1], None if k is None else int(k)])
    return [TensorSpec(out, x.dtype), TensorSpec(out, int32)]


def _k_of(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any, xp: Any) -> int:
    k = attrs.get("k")
    if k is None:
        k = int(inputs[1]) if xp is np else int(lower_static(inputs, 1, ctx, "k"))
    return int(k)


def _topk_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x = np.asarray(inputs[0])
    k = _k_of(inputs, attrs, ctx, np)
    n = x.shape[-1]
    if not 0 <= k <= n:
        raise ValueError(f"top_k needs 0 <= k <= {n} (the last axis of the input), got k={k}")
    # A stable ascending sort of the reversed row, read backwards: descending, ties by lower index.
    order = n - 1 - np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    idx = order[..., :k]
    return np.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


def _topk_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    k = _k_of(inputs, attrs, ctx, jnp)
    values, idx = jax.lax.top_k(inputs[0], k)  # XLA's TopK puts the lower index first among equal values
    return values, idx.astype(np.int32)


def _topk_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.array import reshape, shape, size
    from graphdl.ops.creation import range as range_
    from graphdl.ops.creation import zeros_like
    from graphdl.ops.gathering import unsorted_segment_sum

    x, idx = node.inputs[0], node.outputs[1]
    g = grads[0]
    none = [None] * (len(node.inputs) - 1)
    n_static = x.shape.dims[-1] if x.shape.dims else None
    k_static = idx.shape.dims[-1] if idx.shape.dims else None
    if 0 in (n_static, k_static):  # nothing selected
        return [zeros_like(x), *none]
    # As TF1: flatten the indices into positions of the flattened input, then scatter the values'
    # gradient there (the indices of one row are distinct, so nothing collides).
    in_shape = shape(x)
    n = in_shape[-1]
    k = shape(idx)[-1]
    idx2 = reshape(idx, [-1, k])
    rows = shape(idx2)[0]
    offsets = reshape(range_(0, rows * n, n), [-1, 1])
    flat = reshape(idx2 + offsets, [-1])
    scattered = unsorted_segment_sum(reshape(g, [-1]), flat, size(x))
    return [reshape(scattered, in_shape), *none]


register(
    "TopKV2",
    api_name="top_k",
    infer=_topk_infer,
    evaluate=_topk_eval,
    lower=_topk_lower,
    gradient=_topk_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal(6)], {"k": 3, "sorted": True}),
        Sample([rng.standard_normal((2, 3, 5))], {"k": 2, "sorted": True}),
        Sample([rng.standard_normal((3, 4))], {"k": 4, "sorted": True}),
        Sample([rng.standard_normal((2, 4))], {"k": 0, "sorted": True}),
        Sample(
            [np.array([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, 2.0, 2.0, 2.0]])],
            {"k": 3, "sorted": True},
            grad_inputs=[],
            note="ties: lower index first",
        ),
        Sample([np.array([[4, 1, 4, 9], [0, 0, 5, 5]], np.int32)], {"k": 2, "sorted": True}),
        Sample([rng.standard_normal((3, 5)), np.array(2, np.int32)], {"k": None, "sorted": True}),
    ],
    doc="The k largest entries of the last axis (descending, equal values by lower index) and their indices.",
)


def top_k(input: Any, k: Any = 1, sorted: bool = True, name: str | None = None) -> TopKV2:
    """TF1 `tf.nn.top_k(input, k=1, sorted=True)`: (values, indices) of the k largest along the last axis.

    The result is always sorted (TF1 leaves the order unspecified when sorted=False)."""
    x = convert_to_tensor(input)
    attrs: dict[str, Any] = {"k": None, "sorted": bool(sorted)}
    ins = [x]
    if is_tensor_like(k):
        kt = convert_to_tensor(k)
        v = static_value(kt)
        if v is None:
            ins.append(kt)
        else:
            attrs["k"] = int(v)
    else:
        arr = np.asarray(k)
        if arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise get_default_graph().located_error(DTypeError, "top_k", f"k must be an integer, got {k!r}")
        attrs["k"] = int(arr)
    node = make_op("TopKV2", ins, attrs, name or "TopKV2")
    return TopKV2(*node.outputs)
