"""TF1's batched matrix structure ops: matrix_diag(_part), matrix_set_diag, matrix_band_part, diag,
diag_part, trace and cross (matrices in the last two axes, `[..., M, N]`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.linalg_common import _dims, _floating, _merge
from graphdl.ops.logic import NUMERIC, check_kind, operands
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "matrix_diag",
    "matrix_diag_part",
    "matrix_set_diag",
    "matrix_band_part",
    "diag",
    "diag_part",
    "trace",
    "cross",
]


# --- diagonals and bands ------------------------------------------------------------------------


def _mdiag_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (x,) = inputs
    d = _dims(x, "diagonal", 1)
    return [TensorSpec(TensorShape(None if d is None else [*d, d[-1]]), x.dtype)]


def _mdiag_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        n = x.shape[-1]
        i = np.arange(n)
        if xp is np:
            out = np.zeros((*x.shape, n), x.dtype)
            out[..., i, i] = x
            return out
        return jnp.zeros((*x.shape, n), x.dtype).at[..., i, i].set(x)

    return rule


def _mdiag_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [matrix_diag_part(grads[0]) if _floating(node.inputs[0]) else None]


register(
    "MatrixDiag",
    api_name="matrix_diag",
    infer=_mdiag_infer,
    evaluate=_mdiag_kernel(np),
    lower=_mdiag_kernel(jnp),
    gradient=_mdiag_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3,))]),
        Sample([rng.standard_normal((2, 4))]),
        Sample([rng.standard_normal((2, 0))]),
        Sample([np.array([[1, 2], [3, 4]], np.int32)]),
    ],
    doc="Batched diagonal matrices from the last axis: [..., N] -> [..., N, N].",
)


def _diag_part_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (x,) = inputs
    d = _dims(x, "input")
    if d is None:
        return [TensorSpec(TensorShape(None), x.dtype)]
    m, n = d[-2], d[-1]
    k = None if m is None or n is None else min(m, n)
    return [TensorSpec(TensorShape([*d[:-2], k]), x.dtype)]


def _diag_part_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        i = np.arange(min(x.shape[-2], x.shape[-1]))
        return x[..., i, i]

    return rule


def _diag_part_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.creation import zeros_like

    x = node.inputs[0]
    return [matrix_set_diag(zeros_like(x), grads[0]) if _floating(x) else None]


register(
    "MatrixDiagPart",
    api_name="matrix_diag_part",
    infer=_diag_part_infer,
    evaluate=_diag_part_kernel(np),
    lower=_diag_part_kernel(jnp),
    gradient=_diag_part_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 3))]),
        Sample([rng.standard_normal((2, 3, 4))]),
        Sample([rng.standard_normal((4, 2))]),
        Sample([np.arange(8, dtype=np.int64).reshape(2, 2, 2)]),
    ],
    doc="The main diagonal of each matrix in the last two axes: [..., M, N] -> [..., min(M, N)].",
)


def _set_diag_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, dg = inputs
    if x.dtype != dg.dtype:
        raise DTypeError(f"input and diagonal dtypes differ: {x.dtype.name} vs {dg.dtype.name}")
    want = _diag_part_infer([x], attrs)[0].shape
    if not want.is_compatible_with(dg.shape):
        raise ShapeError(
            f"diagonal must have shape {want.short()} for input {x.shape.short()}, got {dg.shape.short()}"
        )
    return [TensorSpec(x.shape, x.dtype)]


def _set_diag_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x, dg = inputs
        i = np.arange(min(x.shape[-2], x.shape[-1]))
        if xp is np:
            out = np.array(x, copy=True)
            out[..., i, i] = dg
            return out
        return x.at[..., i, i].set(dg)

    return rule


def _set_diag_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.creation import zeros_like

    x, dg = node.inputs
    if not _floating(x):
        return [None, None]
    g = grads[0]
    return [matrix_set_diag(g, zeros_like(dg)), matrix_diag_part(g)]


register(
    "MatrixSetDiag",
    api_name="matrix_set_diag",
    infer=_set_diag_infer,
    evaluate=_set_diag_kernel(np),
    lower=_set_diag_kernel(jnp),
    gradient=_set_diag_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 3)), rng.standard_normal((3,))]),
        Sample([rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3))]),
        Sample([rng.standard_normal((4, 2)), rng.standard_normal((2,))]),
    ],
    doc="A copy of the input whose main diagonals are replaced by `diagonal`.",
)


def _band_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (x,) = inputs
    _dims(x, "input")
    return [TensorSpec(x.shape, x.dtype)]


def _band_mask(m: int, n: int, lo: int, up: int) -> np.ndarray:
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    return ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))


def _band_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        mask = _band_mask(x.shape[-2], x.shape[-1], attrs["num_lower"], attrs["num_upper"])
        return xp.where(mask, x, xp.zeros((), x.dtype))

    return rule


def _band_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    if not _floating(node.inputs[0]):
        return [None]
    return [matrix_band_part(grads[0], node.attrs["num_lower"], node.attrs["num_upper"])]


register(
    "MatrixBandPart",
    api_name="matrix_band_part",
    infer=_band_infer,
    evaluate=_band_kernel(np),
    lower=_band_kernel(jnp),
    gradient=_band_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((4, 4))], {"num_lower": 1, "num_upper": -1}),
        Sample([rng.standard_normal((2, 3, 5))], {"num_lower": -1, "num_upper": 0}),
        Sample([rng.standard_normal((5, 3))], {"num_lower": 0, "num_upper": 0}),
        Sample([rng.standard_normal((3, 4))], {"num_lower": 2, "num_upper": 1}),
        Sample([np.arange(9, dtype=np.int32).reshape(3, 3)], {"num_lower": 0, "num_upper": 1}),
    ],
    doc="Keeps a band of each matrix: num_lower subdiagonals and num_upper superdiagonals (-1: all).",
)


def _tdiag_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (x,) = inputs
    d = x.shape.dims
    if d is None:
        return [TensorSpec(TensorShape(None), x.dtype)]
    if len(d) < 1:
        raise ShapeError(f"diagonal must have rank >= 1, got {x.shape.short()}")
    return [TensorSpec(TensorShape([*d, *d]), x.dtype)]


def _tdiag_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        n = int(np.prod(x.shape))
        return xp.reshape(xp.diag(xp.reshape(x, (n,))), (*x.shape, *x.shape))

    return rule


def _tdiag_part_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (x,) = inputs
    d = x.shape.dims
    if d is None:
        return [TensorSpec(TensorShape(None), x.dtype)]
    if len(d) == 0 or len(d) % 2:
        raise ShapeError(f"input must have an even, non-zero rank, got {x.shape.short()}")
    k = len(d) // 2
    out: list[int | None] = []
    for a, b in zip(d[:k], d[k:], strict=True):
        out.append(_merge(a, b, f"input must have shape [D1..Dk, D1..Dk], got {x.shape.short()}"))
    return [TensorSpec(TensorShape(out), x.dtype)]


def _tdiag_part_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        s = x.shape[: x.ndim // 2]
        n = int(np.prod(s))
        return xp.reshape(xp.diagonal(xp.reshape(x, (n, n))), s)

    return rule


register(
    "Diag",
    api_name="diag",
    infer=_tdiag_infer,
    evaluate=_tdiag_kernel(np),
    lower=_tdiag_kernel(jnp),
    gradient=lambda node, grads: [diag_part(grads[0]) if _floating(node.inputs[0]) else None],
    samples=lambda rng: [
        Sample([rng.standard_normal((3,))]),
        Sample([rng.standard_normal((2, 3))]),
        Sample([np.array([1, 2], np.int32)]),
    ],
    doc="A tensor of rank 2k with `diagonal` (rank k) on its diagonal: out[i..., i...] = diagonal[i...].",
)

register(
    "DiagPart",
    api_name="diag_part",
    infer=_tdiag_part_infer,
    evaluate=_tdiag_part_kernel(np),
    lower=_tdiag_part_kernel(jnp),
    gradient=lambda node, grads: [diag(grads[0]) if _floating(node.inputs[0]) else None],
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 3))]),
        Sample([rng.standard_normal((2, 3, 2, 3))]),
    ],
    doc="The inverse of diag: out[i...] = input[i..., i...] for an input of shape [D..., D...].",
)


def matrix_diag(diagonal: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_diag(diagonal)`: [..., N] -> [..., N, N] with `diagonal` on the main diagonal."""
    return make_tensor("MatrixDiag", [convert_to_tensor(diagonal)], {}, name or "MatrixDiag")


def matrix_diag_part(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_diag_part(input)`: the main diagonals, [..., M, N] -> [..., min(M, N)]."""
    return make_tensor("MatrixDiagPart", [convert_to_tensor(input)], {}, name or "MatrixDiagPart")


def matrix_set_diag(input: Any, diagonal: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_set_diag(input, diagonal)`: input with its main diagonals replaced."""
    x, d = operands([input, diagonal], "matrix_set_diag")
    return make_tensor("MatrixSetDiag", [x, d], {}, name or "MatrixSetDiag")


def matrix_band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_band_part(input, num_lower, num_upper)`: keep a band (negative: keep that whole
    triangle); num_lower/num_upper must be known when the graph is built."""
    from graphdl.ops.array import _scalar_int

    lo = _scalar_int(num_lower, "matrix_band_part", "num_lower")
    up = _scalar_int(num_upper, "matrix_band_part", "num_upper")
    x = convert_to_tensor(input)
    return make_tensor("MatrixBandPart", [x], {"num_lower": lo, "num_upper": up}, name or "MatrixBandPart")


def diag(diagonal: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.diag(diagonal)`: rank k -> rank 2k tensor with `diagonal` on its diagonal."""
    return make_tensor("Diag", [convert_to_tensor(diagonal)], {}, name or "Diag")


def diag_part(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.diag_part(input)`: the diagonal of a [D..., D...] tensor (the inverse of `diag`)."""
    return make_tensor("DiagPart", [convert_to_tensor(input)], {}, name or "DiagPart")


def trace(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.trace(x)`: the sum of the main diagonal of each matrix in the last two axes."""
    from graphdl.ops.reduce import reduce_sum

    with get_default_graph().name_scope(name or "Trace"):
        return reduce_sum(matrix_diag_part(x), -1)


# --- cross --------------------------------------------------------------------------------------


def _cross_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    a, b = inputs
    if a.dtype != b.dtype:
        raise DTypeError(f"a and b dtypes differ: {a.dtype.name} vs {b.dtype.name}")
    check_kind(a, NUMERIC)
    if not a.shape.is_compatible_with(b.shape):
        raise ShapeError(f"a and b must have the same shape, got {a.shape.short()} and {b.shape.short()}")
    shape = a.shape.merge_with(b.shape)
    d = shape.dims
    if d is not None and (len(d) < 1 or d[-1] not in (None, 3)):
        raise ShapeError(f"the last dimension of a and b must be 3, got {a.shape.short()}")
    return [TensorSpec(shape, a.dtype)]


register(
    "Cross",
    api_name="cross",
    infer=_cross_infer,
    evaluate=lambda inputs, attrs, ctx: np.cross(inputs[0], inputs[1]),
    lower=lambda inputs, attrs, ctx: jnp.cross(inputs[0], inputs[1]),
    gradient=lambda node, grads: (
        [cross(node.inputs[1], grads[0]), cross(grads[0], node.inputs[0])]
        if _floating(node.inputs[0])
        else [None, None]
    ),
    samples=lambda rng: [
        Sample([rng.standard_normal((3,)), rng.standard_normal((3,))]),
        Sample([rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3))]),
        Sample([np.array([1, 0, 0], np.int32), np.array([0, 1, 0], np.int32)]),
    ],
    doc="Pairwise cross product of 3-vectors in the last axis.",
)


def cross(a: Any, b: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.cross(a, b)`: the cross product of 3-vectors along the last axis (same shapes)."""
    x, y = operands([a, b], "cross")
    return make_tensor("Cross", [x, y], {}, name or "Cross")
