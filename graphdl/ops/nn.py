"""Neural-network ops (`tf.nn`): l2_loss, bias_add, xw_plus_b, in_top_k, l2_normalize, moments.

The activations live in `graphdl.ops.activations` and the cross-entropies in `graphdl.ops.xent`
(`graphdl.nn` re-exports all of them). Each kernel is written once against an array namespace `xp`
(NumPy for evaluate, jax.numpy for lower); gradients are built from public ops.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import bool_
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import spec
from graphdl.ops.logic import FLOAT, NUMERIC, check_kind
from graphdl.ops.nn_common import _t, register_xp
from graphdl.registry import Sample, TensorSpec
from graphdl.shapes import as_shape
from graphdl.tensor import Tensor

__all__ = ["l2_loss", "bias_add", "xw_plus_b", "in_top_k", "l2_normalize", "moments"]


# --- kernels (xp = numpy | jax.numpy) -------------------------------------------------------------


def _bias_add(xp: Any, v: Any, b: Any, data_format: str) -> Any:
    if data_format.startswith("NC") and v.ndim > 2:
        return v + xp.reshape(b, (b.shape[0],) + (1,) * (v.ndim - 2))
    return v + b


def _in_top_k(xp: Any, pred: Any, targets: Any, k: int) -> Any:
    n = pred.shape[-1]
    valid = (targets >= 0) & (targets < n)
    idx = xp.where(valid, targets, 0).astype(np.int64)
    t = xp.take_along_axis(pred, idx[:, None], axis=1)
    above = xp.sum(pred > t, axis=1)
    return valid & xp.isfinite(t[:, 0]) & (above < k)


# --- infer rules ----------------------------------------------------------------------------------


def _l2_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    check_kind(inputs[0], FLOAT)
    return [spec([], inputs[0].dtype)]


def _channel_axis(rank: int, data_format: str) -> int:
    return 1 if data_format.startswith("NC") and rank > 2 else rank - 1


def _bias_add_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    v, b = inputs
    check_kind(v, NUMERIC)
    if v.dtype != b.dtype:
        raise DTypeError(f"value ({v.dtype.name}) and bias ({b.dtype.name}) must have the same dtype")
    if b.shape.ndims not in (1, None):
        raise ShapeError(f"bias must be 1-D, got shape {b.shape.short()}")
    if v.shape.ndims is None:
        return [v]
    if v.shape.ndims < 2:
        raise ShapeError(f"value must be at least 2-D, got shape {v.shape.short()}")
    c = v.shape.dims[_channel_axis(v.shape.ndims, attrs.get("data_format", "NHWC"))]  # type: ignore[index]
    bd = b.shape.dims[0] if b.shape.dims else None
    if c is not None and bd is not None and c != bd:
        raise ShapeError(
            f"bias of size {bd} does not match the channel dimension {c} of value {v.shape.short()} "
            f"({attrs.get('data_format', 'NHWC')})"
        )
    return [v]


def _in_top_k_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    p, t = inputs
    check_kind(p, FLOAT)
    if t.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"targets must be int32 or int64, got {t.dtype.name}")
    if p.shape.ndims not in (2, None) or t.shape.ndims not in (1, None):
        raise ShapeError(
            f"predictions must be 2-D and targets 1-D, got {p.shape.short()} and {t.shape.short()}"
        )
    batch = as_shape([p.shape.dims[0] if p.shape.dims else None])
    if not batch.is_compatible_with(t.shape):
        raise ShapeError(f"predictions {p.shape.short()} and targets {t.shape.short()} differ in batch size")
    return [spec(batch.merge_with(t.shape), bool_)]


# --- gradient rules -------------------------------------------------------------------------------


def _l2_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [grads[0] * node.inputs[0]]


def _bias_add_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    v = node.inputs[0]
    g = grads[0]
    if not v.dtype.is_floating:
        return [None, None]
    rank = v.shape.ndims
    fmt = node.attrs.get("data_format", "NHWC")
    if rank is None:
        if str(fmt).startswith("NC"):
            raise GraphError(
                f"{node.describe()}: the gradient of a channels-first bias_add needs the rank of its value"
            )
        # channels last, rank known only when the graph runs: sum every row of [-1, channels]
        from graphdl.ops.array import reshape, size

        return [g, reduce_sum(reshape(g, [-1, size(node.inputs[1])]), axis=0)]
    c = _channel_axis(rank, fmt)
    return [g, reduce_sum(g, axis=[i for i in range(rank) if i != c])]


# --- samples --------------------------------------------------------------------------------------


def _bias_add_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal((3, 4)), rng.standard_normal((4,))]),
        Sample([rng.standard_normal((2, 3, 3, 2)), rng.standard_normal((2,))], {"data_format": "NHWC"}),
        Sample([rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((3,))], {"data_format": "NCHW"}),
        Sample([rng.integers(-3, 3, (2, 3)).astype(np.int32), np.array([1, 2, 3], np.int32)]),
    ]


def _in_top_k_samples(rng: np.random.Generator) -> list[Sample]:
    p = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, 0.1, 0.3, 0.0], [np.inf, 0.0, 1.0, 2.0]], np.float32)
    return [
        Sample([p, np.array([1, 2, 0], np.int32)], {"k": 1}, note="ties count as in the top k"),
        Sample([p, np.array([3, 2, 1], np.int64)], {"k": 2}),
        Sample(
            [rng.standard_normal((5, 7)).astype(np.float32), rng.integers(0, 7, (5,)).astype(np.int32)],
            {"k": 3},
        ),
    ]


# --- registration ---------------------------------------------------------------------------------


_reg = functools.partial(register_xp, module=__name__)


_reg(
    "L2Loss",
    "l2_loss",
    _l2_infer,
    lambda xp, x, a: xp.sum(x * x) / 2,
    _l2_grad,
    lambda rng: [
        Sample([rng.standard_normal((3, 4))]),
        Sample([rng.standard_normal(())]),
        Sample([np.zeros((0,))]),
    ],
    "sum(x ** 2) / 2.",
)
_reg(
    "BiasAdd",
    "bias_add",
    _bias_add_infer,
    lambda xp, v, b, a: _bias_add(xp, v, b, a.get("data_format", "NHWC")),
    _bias_add_grad,
    _bias_add_samples,
    "value + bias along the channel axis (last for NHWC, 1 for NCHW).",
)
_reg("InTopK", "in_top_k", _in_top_k_infer, lambda xp, p, t, a: _in_top_k(xp, p, t, int(a["k"])), None,
     _in_top_k_samples, "Whether each target's prediction is among the top k (ties included).")  # fmt: skip


# --- builders -------------------------------------------------------------------------------------


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.l2_loss(t)`: sum(t ** 2) / 2."""
    return make_tensor("L2Loss", [_t(t)], {}, name or "L2Loss")


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.bias_add(value, bias, data_format=None)`: bias added along the channel axis."""
    v = _t(value)
    b = convert_to_tensor(
        bias, dtype=None if isinstance(bias, Tensor) or hasattr(bias, "_as_tensor") else v.dtype
    )
    fmt = data_format or "NHWC"
    if fmt not in ("NHWC", "NCHW", "NWC", "NCW", "NDHWC", "NCDHW", "N...C", "NC..."):
        raise get_default_graph().located_error(ShapeError, "bias_add", f"unknown data_format {fmt!r}")
    return make_tensor("BiasAdd", [v, b], {"data_format": fmt}, name or "BiasAdd")


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.xw_plus_b(x, weights, biases)`: matmul(x, weights) + biases."""
    from graphdl.ops.linalg import matmul

    xt = _t(x)
    with xt.graph.name_scope(name or "xw_plus_b") as scope:
        return bias_add(matmul(xt, weights), biases, name=scope)


def in_top_k(predictions: Any, targets: Any, k: int, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.in_top_k(predictions, targets, k)`: whether each target is among the top k predictions."""
    p = _t(predictions)
    t = (
        convert_to_tensor(targets)
        if isinstance(targets, Tensor)
        else convert_to_tensor(np.asarray(targets, np.int32))
    )
    return make_tensor("InTopK", [p, t], {"k": int(k)}, name or "in_top_k")


def l2_normalize(
    x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None
) -> Tensor:
    """TF1 `tf.nn.l2_normalize(x, axis)`: x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    from graphdl.ops.math import maximum, rsqrt, square
    from graphdl.ops.reduce import reduce_sum

    xt = _t(x)
    a = axis if axis is not None else dim
    with xt.graph.name_scope(name or "l2_normalize") as scope:
        ss = reduce_sum(square(xt), axis=a, keepdims=True)
        from graphdl.ops.math import multiply

        return multiply(xt, rsqrt(maximum(ss, epsilon)), name=scope)


def moments(x: Any, axes: Any, shift: Any = None, name: str | None = None, keep_dims: bool | None = None,
            keepdims: bool | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """TF1 `tf.nn.moments(x, axes)`: (mean, variance) over `axes`."""
    from graphdl.ops.math import squared_difference
    from graphdl.ops.reduce import reduce_mean

    xt = _t(x)
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with xt.graph.name_scope(name or "moments"):
        mean_k = reduce_mean(xt, axis=axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(xt, mean_k), axis=axes, keepdims=keep, name="variance")
        mean = mean_k if keep else reduce_mean(xt, axis=axes, keepdims=False, name="Squeeze")
        return mean, variance
