"""TF1's remaining linear algebra and special functions, batched over leading axes (`[..., M, N]`).

Ops: Cholesky, MatrixSolve, MatrixTriangularSolve, Qr, Svd, SelfAdjointEigV2, LogMatrixDeterminant,
MatrixBandPart, MatrixDiag, MatrixDiagPart, MatrixSetDiag, Diag, DiagPart, Cross, Lgamma, Digamma,
Igamma, Igammac, Betainc, Polygamma, Zeta. Composites: matrix_solve_ls, trace, lbeta.

Conventions shared by both backends (so the interpreter and XLA give the same numbers):
- cholesky and self_adjoint_eig read the symmetric part (A + A^T) / 2 of their input (TF1 reads the
  lower triangle; the two agree on symmetric inputs), so their gradients are symmetric.
- qr flips the signs so that diag(R) >= 0; svd and self_adjoint_eig flip each singular/eigen vector
  so that its entry of largest magnitude is positive (extra columns of full_matrices are left as the
  LAPACK routine returns them).
- Gradients follow TF1 (Murray 2016 for Cholesky; the usual QR/SVD/eigh formulas, with TF1's limits:
  QR needs M >= N or a square input, SVD needs full_matrices=False or a square input). The special
  functions carry TF1's gradients: igamma/igammac/betainc only with respect to x, polygamma with
  respect to x, zeta with respect to q.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.special as _sp

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, make_op, make_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.linalg_extra import matrix_inverse, matrix_transpose
from graphdl.ops.logic import FLOAT, NUMERIC, check_kind, elementwise_infer, operands
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "cholesky", "matrix_solve", "matrix_triangular_solve", "matrix_solve_ls", "qr", "svd",
    "self_adjoint_eig", "self_adjoint_eigvals", "log_matrix_determinant", "matrix_band_part",
    "matrix_diag", "matrix_diag_part", "matrix_set_diag", "diag", "diag_part", "trace", "cross",
    "lgamma", "digamma", "lbeta", "igamma", "igammac", "betainc", "polygamma", "zeta",
]  # fmt: skip


# --- shared helpers -----------------------------------------------------------------------------


def _t(x: Tensor) -> Tensor:
    return matrix_transpose(x, name="transpose")


def _floating(t: Tensor) -> bool:
    return t.dtype.is_floating


def _expand(x: Tensor, axis: int) -> Tensor:
    from graphdl.ops.array import expand_dims

    return expand_dims(x, axis)


def _dims(s: TensorSpec, what: str, min_rank: int = 2) -> list[int | None] | None:
    """The dims of a (batch of) matrix input; ShapeError below `min_rank`."""
    d = s.shape.dims
    if d is None:
        return None
    if len(d) < min_rank:
        raise ShapeError(f"{what} must have rank >= {min_rank}, got {s.shape.short()}")
    return list(d)


def _square_dims(s: TensorSpec, what: str = "input") -> list[int | None] | None:
    d = _dims(s, what)
    if d is not None and d[-1] is not None and d[-2] is not None and d[-1] != d[-2]:
        raise ShapeError(f"{what} must be a (batch of) square matrices, got {s.shape.short()}")
    return d


def _merge(a: int | None, b: int | None, what: str) -> int | None:
    if a is not None and b is not None and a != b:
        raise ShapeError(what)
    return a if a is not None else b


def _same_float(inputs: list[TensorSpec]) -> None:
    if len({s.dtype for s in inputs}) > 1:
        raise DTypeError("inputs have different dtypes: " + ", ".join(s.dtype.name for s in inputs))
    check_kind(inputs[0], FLOAT)


def _sym(xp: Any, a: Any) -> Any:
    return (a + xp.swapaxes(a, -1, -2)) / 2


def _sign_pos(xp: Any, d: Any) -> Any:
    """+1 where d >= 0, else -1 (never 0, so a flip never zeroes a vector)."""
    return xp.where(d < 0, -1.0, 1.0).astype(d.dtype)


def _fix_columns(xp: Any, u: Any, k: int, *others: Any) -> tuple[Any, ...]:
    """Flip the first k columns of u (and of `others`) so each one's largest-magnitude entry is > 0."""
    if k == 0:
        return (u, *others)
    head = u[..., :, :k]
    idx = xp.argmax(xp.abs(head), axis=-2)[..., None, :]
    s = _sign_pos(xp, xp.take_along_axis(head, idx, axis=-2))  # [..., 1, k]
    out = []
    for m in (u, *others):
        flipped = m[..., :, :k] * s
        out.append(xp.concatenate([flipped, m[..., :, k:]], axis=-1) if m.shape[-1] > k else flipped)
    return tuple(out)


def _rand_mats(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Well-conditioned square matrices (random plus 3 I)."""
    return rng.standard_normal(shape) + 3.0 * np.eye(shape[-1])


def _spd(rng: np.random.Generator, *shape: int) -> np.ndarray:
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _distinct_sym(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Symmetric matrices with well separated eigenvalues 1, 2, ..., n (times 1.5)."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    e = 1.5 * np.arange(1, n + 1) - 0.3 * n
    return (q * e) @ np.swapaxes(q, -1, -2)


def _distinct_sv(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """Matrices whose singular values are distinct and away from 0."""
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal((*shape[:-2], m, k)))
    v, _ = np.linalg.qr(rng.standard_normal((*shape[:-2], n, k)))
    s = 1.0 + np.arange(k)[::-1] * 0.9
    return (u * s) @ np.swapaxes(v, -1, -2)


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


# --- cholesky, solves, log-determinant ----------------------------------------------------------


def _square_float_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (a,) = inputs
    check_kind(a, FLOAT)
    _square_dims(a)
    return [TensorSpec(a.shape, a.dtype)]


def _chol_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    try:
        return np.linalg.cholesky(_sym(np, inputs[0]))
    except np.linalg.LinAlgError:
        raise ValueError("Cholesky decomposition was not successful. The input might not be valid.") from None


def _chol_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.linalg import matmul

    ell, g = node.outputs[0], grads[0]
    middle = matmul(ell, g, adjoint_a=True)
    middle = matrix_set_diag(middle, 0.5 * matrix_diag_part(middle))
    middle = matrix_band_part(middle, -1, 0)
    # L^-T middle L^-1 by two triangular solves instead of an explicit inverse
    left = matrix_triangular_solve(ell, middle, lower=True, adjoint=True)
    ga = _t(matrix_triangular_solve(ell, _t(left), lower=True, adjoint=True))
    return [0.5 * (ga + _t(ga))]


register(
    "Cholesky",
    api_name="cholesky",
    infer=_square_float_infer,
    evaluate=_chol_eval,
    lower=lambda inputs, attrs, ctx: jnp.linalg.cholesky(_sym(jnp, inputs[0])),
    gradient=_chol_grad,
    samples=lambda rng: [
        Sample([_spd(rng, 3, 3)]),
        Sample([_spd(rng, 2, 4, 4)]),
        Sample([_spd(rng, 1, 1)]),
    ],
    doc="Lower Cholesky factor L of each symmetric positive definite matrix (reads (A + A^T)/2).",
)


def cholesky(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.cholesky(input)`: L with L L^T = input, for (batches of) SPD matrices."""
    return make_tensor("Cholesky", [convert_to_tensor(input)], {}, name or "Cholesky")


def _solve_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    a, b = inputs
    _same_float(inputs)
    da = _square_dims(a, "matrix")
    db = _dims(b, "rhs")
    if da is None or db is None:
        return [TensorSpec(b.shape if db is not None else TensorShape(None), b.dtype)]
    if len(da) != len(db):
        raise ShapeError(
            f"matrix and rhs must have the same rank, got {a.shape.short()} and {b.shape.short()}"
        )
    msg = f"matrix {a.shape.short()} and rhs {b.shape.short()} do not match"
    batch = [_merge(x, y, msg) for x, y in zip(da[:-2], db[:-2], strict=True)]
    m = _merge(_merge(da[-1], da[-2], msg), db[-2], msg)
    return [TensorSpec(TensorShape([*batch, m, db[-1]]), b.dtype)]


def _solve_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a, b = inputs
    if attrs["adjoint"]:
        a = np.swapaxes(a, -1, -2)
    if a.shape[-1] == 0 or b.shape[-1] == 0:
        return np.zeros(b.shape, b.dtype)
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise ValueError("Input matrix is not invertible.") from None


def _solve_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a, b = inputs
    if attrs["adjoint"]:
        a = jnp.swapaxes(a, -1, -2)
    if a.shape[-1] == 0 or b.shape[-1] == 0:
        return jnp.zeros(b.shape, b.dtype)
    return jnp.linalg.solve(a, b)


def _solve_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.linalg import matmul

    a, x, adj = node.inputs[0], node.outputs[0], node.attrs["adjoint"]
    gb = matrix_solve(a, grads[0], adjoint=not adj)
    ga = -matmul(x, gb, transpose_b=True) if adj else -matmul(gb, x, transpose_b=True)
    return [ga, gb]


register(
    "MatrixSolve",
    api_name="matrix_solve",
    infer=_solve_infer,
    evaluate=_solve_eval,
    lower=_solve_lower,
    gradient=_solve_grad,
    samples=lambda rng: [
        Sample([_rand_mats(rng, 3, 3), rng.standard_normal((3, 2))], {"adjoint": False}),
        Sample([_rand_mats(rng, 2, 3, 3), rng.standard_normal((2, 3, 1))], {"adjoint": True}),
        Sample([_rand_mats(rng, 2, 2), rng.standard_normal((2, 0))], {"adjoint": False}),
    ],
    doc="Solves A X = B (A^T X = B with adjoint) for each square A in the batch.",
)


def matrix_solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_solve(matrix, rhs, adjoint=False)`: X with matrix X = rhs (batched)."""
    a, b = operands([matrix, rhs], "matrix_solve")
    return make_tensor("MatrixSolve", [a, b], {"adjoint": bool(adjoint)}, name or "MatrixSolve")


def _tri_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a, b = inputs
    a = np.tril(a) if attrs["lower"] else np.triu(a)
    if attrs["adjoint"]:
        a = np.swapaxes(a, -1, -2)
    if a.shape[-1] == 0 or b.shape[-1] == 0:
        return np.zeros(b.shape, b.dtype)
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise ValueError("Input matrix is not invertible (a zero on its diagonal).") from None


def _tri_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a, b = inputs
    if a.shape[-1] == 0 or b.shape[-1] == 0:
        return jnp.zeros(b.shape, b.dtype)
    return jax.lax.linalg.triangular_solve(
        a, b, left_side=True, lower=attrs["lower"], transpose_a=attrs["adjoint"]
    )


def _tri_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.linalg import matmul

    a, x = node.inputs[0], node.outputs[0]
    low, adj = node.attrs["lower"], node.attrs["adjoint"]
    gb = matrix_triangular_solve(a, grads[0], lower=low, adjoint=not adj)
    ga = -matmul(x, gb, transpose_b=True) if adj else -matmul(gb, x, transpose_b=True)
    ga = matrix_band_part(ga, -1, 0) if low else matrix_band_part(ga, 0, -1)
    return [ga, gb]


register(
    "MatrixTriangularSolve",
    api_name="matrix_triangular_solve",
    infer=_solve_infer,
    evaluate=_tri_eval,
    lower=_tri_lower,
    gradient=_tri_grad,
    samples=lambda rng: [
        Sample([_rand_mats(rng, 3, 3), rng.standard_normal((3, 2))], {"lower": True, "adjoint": False}),
        Sample([_rand_mats(rng, 3, 3), rng.standard_normal((3, 2))], {"lower": False, "adjoint": False}),
        Sample([_rand_mats(rng, 2, 3, 3), rng.standard_normal((2, 3, 1))], {"lower": True, "adjoint": True}),
        Sample([_rand_mats(rng, 2, 4, 4), rng.standard_normal((2, 4, 3))], {"lower": False, "adjoint": True}),
    ],
    doc="Solves T X = B for the lower (or upper) triangle T of each matrix; the other triangle is ignored.",
)


def matrix_triangular_solve(
    matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False)`: batched triangular solve."""
    a, b = operands([matrix, rhs], "matrix_triangular_solve")
    attrs = {"lower": bool(lower), "adjoint": bool(adjoint)}
    return make_tensor("MatrixTriangularSolve", [a, b], attrs, name or "MatrixTriangularSolve")


def _cholesky_solve(chol: Tensor, rhs: Tensor) -> Tensor:
    y = matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
    return matrix_triangular_solve(chol, y, lower=True, adjoint=True)


def matrix_solve_ls(
    matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True, name: str | None = None
) -> Tensor:
    """TF1 `tf.matrix_solve_ls`: least-squares X minimising ||A X - B||^2 + l2 ||X||^2 (batched).

    fast=True uses the Cholesky factor of the regularised normal equations, as TF1; fast=False with
    l2_regularizer=0 uses a QR factorisation (minimum-norm X for wide A); a composite of public ops.
    """
    from graphdl.ops.linalg import matmul

    graph = get_default_graph()
    a, b = operands([matrix, rhs], "matrix_solve_ls")
    da, db = a.shape.dims, b.shape.dims
    if da is None or len(da) < 2 or db is None or len(db) < 2:
        raise graph.located_error(
            ShapeError,
            "matrix_solve_ls",
            f"matrix and rhs must have rank >= 2, got {a.shape.short()} and {b.shape.short()}",
        )
    if not a.dtype.is_floating:
        raise graph.located_error(
            DTypeError, "matrix_solve_ls", f"matrix must be floating, got {a.dtype.name}"
        )
    m, n = da[-2], da[-1]
    if m is None or n is None:
        raise graph.located_error(
            ShapeError, "matrix_solve_ls", f"the matrix dimensions must be known, got {a.shape.short()}"
        )
    if db[-2] is not None and db[-2] != m:
        raise graph.located_error(
            ShapeError, "matrix_solve_ls", f"matrix {a.shape.short()} and rhs {b.shape.short()} do not match"
        )
    plain = not isinstance(l2_regularizer, Tensor) and float(l2_regularizer) == 0.0
    with graph.name_scope(name or "matrix_solve_ls"):
        if not fast and plain:
            if m >= n:
                q, r = qr(a)
                return matrix_triangular_solve(r, matmul(q, b, transpose_a=True), lower=False)
            q, r = qr(_t(a))
            return matmul(q, matrix_triangular_solve(r, b, lower=False, adjoint=True))
        l2 = convert_to_tensor(l2_regularizer, dtype=a.dtype) if not plain else None
        if m >= n:
            gram = matmul(a, a, transpose_a=True)
            if l2 is not None:
                gram = matrix_set_diag(gram, matrix_diag_part(gram) + l2)
            return _cholesky_solve(cholesky(gram), matmul(a, b, transpose_a=True))
        gram = matmul(a, a, transpose_b=True)
        if l2 is not None:
            gram = matrix_set_diag(gram, matrix_diag_part(gram) + l2)
        return matmul(a, _cholesky_solve(cholesky(gram), b), transpose_a=True)


def _logdet_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (a,) = inputs
    check_kind(a, FLOAT)
    d = _square_dims(a)
    out = TensorShape(None if d is None else d[:-2])
    return [TensorSpec(out, a.dtype), TensorSpec(out, a.dtype)]


def _logdet_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a = inputs[0]
        if a.shape[-1] == 0:
            return xp.ones(a.shape[:-2], a.dtype), xp.zeros(a.shape[:-2], a.dtype)
        s, v = xp.linalg.slogdet(a)
        return s.astype(a.dtype), v.astype(a.dtype)

    return rule


def _logdet_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    g = _expand(_expand(grads[1], -1), -1)
    return [g * matrix_inverse(node.inputs[0], adjoint=True)]


def _logdet_samples(rng: np.random.Generator) -> list[Sample]:
    neg = _rand_mats(rng, 2, 3, 3)
    neg[1, 0] *= -1.0  # a negative determinant
    return [Sample([_rand_mats(rng, 3, 3)]), Sample([neg]), Sample([_rand_mats(rng, 1, 1)])]


register(
    "LogMatrixDeterminant",
    api_name="log_matrix_determinant",
    infer=_logdet_infer,
    evaluate=_logdet_kernel(np),
    lower=_logdet_kernel(jnp),
    gradient=_logdet_grad,
    samples=_logdet_samples,
    doc="(sign, log|det|) of each square matrix; the gradient flows through log|det| only.",
)


def log_matrix_determinant(input: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """TF1 `tf.log_matrix_determinant(input)`: (sign, log_abs_determinant), stable for large matrices."""
    node = make_op("LogMatrixDeterminant", [convert_to_tensor(input)], {}, name or "LogMatrixDeterminant")
    return node.outputs[0], node.outputs[1]


# --- qr -----------------------------------------------------------------------------------------


def _qr_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (a,) = inputs
    check_kind(a, FLOAT)
    d = _dims(a, "input")
    if d is None:
        return [TensorSpec(TensorShape(None), a.dtype)] * 2
    m, n = d[-2], d[-1]
    k = None if m is None or n is None else min(m, n)
    if attrs["full_matrices"]:
        return [TensorSpec(TensorShape([*d[:-2], m, m]), a.dtype), TensorSpec(a.shape, a.dtype)]
    return [
        TensorSpec(TensorShape([*d[:-2], m, k]), a.dtype),
        TensorSpec(TensorShape([*d[:-2], k, n]), a.dtype),
    ]


def _qr_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a = inputs[0]
        q, r = xp.linalg.qr(a, mode="complete" if attrs["full_matrices"] else "reduced")
        k = min(a.shape[-2], a.shape[-1])
        if k == 0:
            return q, r
        i = np.arange(k)
        s = _sign_pos(xp, r[..., i, i])  # diag(R) >= 0
        q1 = q[..., :, :k] * s[..., None, :]
        r1 = r[..., :k, :] * s[..., :, None]
        q = xp.concatenate([q1, q[..., :, k:]], axis=-1) if q.shape[-1] > k else q1
        r = xp.concatenate([r1, r[..., k:, :]], axis=-2) if r.shape[-2] > k else r1
        return q, r

    return rule


def _qr_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.linalg import matmul

    a = node.inputs[0]
    d = a.shape.dims
    m, n = (None, None) if d is None else (d[-2], d[-1])
    if m is None or n is None or m < n or (node.attrs["full_matrices"] and m != n):
        raise GraphError(
            f"{node.describe()}: the gradient of qr is implemented only for inputs with known shape "
            f"[..., M, N], M >= N, and full_matrices=False or M == N (as TF1); got {a.shape.short()}"
        )
    q, r = node.outputs
    dq, dr = grads

    def tri_solve(x: Tensor) -> Tensor:  # x R^-T
        return _t(matrix_triangular_solve(r, _t(x), lower=False, adjoint=False))

    qdq = matmul(q, dq, adjoint_a=True)
    rdr = matmul(r, dr, adjoint_b=True)
    tril = matrix_band_part((qdq - _t(qdq)) + (rdr - _t(rdr)), -1, 0)
    grad_a = matmul(q, dr + tri_solve(tril))
    grad_b = tri_solve(dq - matmul(q, qdq))
    return [grad_a + grad_b]


register(
    "Qr",
    api_name="qr",
    infer=_qr_infer,
    evaluate=_qr_kernel(np),
    lower=_qr_kernel(jnp),
    gradient=_qr_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((3, 3))], {"full_matrices": False}),
        Sample([rng.standard_normal((2, 4, 3))], {"full_matrices": False}),
        Sample([rng.standard_normal((3, 3))], {"full_matrices": True}),
        Sample([rng.standard_normal((2, 3, 5))], {"full_matrices": False}, grad_inputs=[]),
        Sample([rng.standard_normal((4, 2))], {"full_matrices": True}, grad_inputs=[]),
    ],
    doc="QR factorisation A = Q R of each matrix, signs normalised so that diag(R) >= 0.",
)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> tuple[Tensor, Tensor]:
    """TF1 `tf.qr(input, full_matrices=False)`: (q, r) with diag(r) >= 0 (graphdl's sign convention)."""
    node = make_op("Qr", [convert_to_tensor(input)], {"full_matrices": bool(full_matrices)}, name or "Qr")
    return node.outputs[0], node.outputs[1]


# --- svd ----------------------------------------------------------------------------------------


def _svd_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (a,) = inputs
    check_kind(a, FLOAT)
    d = _dims(a, "tensor")
    n_out = 3 if attrs["compute_uv"] else 1
    if d is None:
        return [TensorSpec(TensorShape(None), a.dtype)] * n_out
    m, n = d[-2], d[-1]
    k = None if m is None or n is None else min(m, n)
    s = TensorSpec(TensorShape([*d[:-2], k]), a.dtype)
    if not attrs["compute_uv"]:
        return [s]
    full = attrs["full_matrices"]
    u = TensorSpec(TensorShape([*d[:-2], m, m if full else k]), a.dtype)
    v = TensorSpec(TensorShape([*d[:-2], n, n if full else k]), a.dtype)
    return [s, u, v]


def _svd_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a = inputs[0]
        if not attrs["compute_uv"]:
            return xp.linalg.svd(a, compute_uv=False)
        u, s, vh = xp.linalg.svd(a, full_matrices=attrs["full_matrices"])
        u, v = _fix_columns(xp, u, s.shape[-1], xp.swapaxes(vh, -1, -2))
        return s, u, v

    return rule


def _svd_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.creation import ones_like, zeros_like
    from graphdl.ops.linalg import matmul
    from graphdl.ops.unary import reciprocal

    a = node.inputs[0]
    if not node.attrs["compute_uv"]:
        _, u, v = svd(a, full_matrices=False, compute_uv=True)
        return [matmul(u * _expand(grads[0], -2), v, adjoint_b=True)]
    d = a.shape.dims
    m, n = (None, None) if d is None else (d[-2], d[-1])
    if m is None or n is None or (node.attrs["full_matrices"] and m != n):
        raise GraphError(
            f"{node.describe()}: the gradient of svd is implemented only for inputs with known shape "
            f"[..., M, N] and full_matrices=False or M == N (as TF1); got {a.shape.short()}"
        )
    s, u, v = node.outputs
    gs, gu, gv = grads
    swap = m > n
    if swap:  # work on A^T = V S U^T, so that M <= N
        u, v, gu, gv = v, u, gv, gu
    s_mat = matrix_diag(s)
    s2 = s * s
    diff = matrix_set_diag(_expand(s2, -2) - _expand(s2, -1), ones_like(s))
    f = matrix_set_diag(reciprocal(diff), zeros_like(s))  # f_ij = 1 / (s_j^2 - s_i^2), 0 on the diagonal
    f_u = f * matmul(u, gu, adjoint_a=True)
    f_v = f * matmul(v, gv, adjoint_a=True)
    inner = matrix_diag(gs) + matmul(f_u + _t(f_u), s_mat) + matmul(s_mat, f_v + _t(f_v))
    grad = matmul(u, matmul(inner, v, adjoint_b=True))
    if m != n:
        gvt = _t(gv)
        term2 = gvt - matmul(matmul(gvt, v), v, adjoint_b=True)
        grad = grad + matmul(u * _expand(reciprocal(s), -2), term2)
    return [_t(grad) if swap else grad]


register(
    "Svd",
    api_name="svd",
    infer=_svd_infer,
    evaluate=_svd_kernel(np),
    lower=_svd_kernel(jnp),
    gradient=_svd_grad,
    samples=lambda rng: [
        Sample([_distinct_sv(rng, 3, 3)], {"full_matrices": False, "compute_uv": True}),
        Sample([_distinct_sv(rng, 2, 4, 3)], {"full_matrices": False, "compute_uv": True}),
        Sample([_distinct_sv(rng, 2, 5)], {"full_matrices": False, "compute_uv": True}),
        Sample([_distinct_sv(rng, 3, 3)], {"full_matrices": True, "compute_uv": True}),
        Sample([_distinct_sv(rng, 2, 3, 4)], {"full_matrices": False, "compute_uv": False}),
        Sample([_distinct_sv(rng, 4, 2)], {"full_matrices": True, "compute_uv": True}, grad_inputs=[]),
    ],
    doc="Singular values s (descending) and vectors u, v with A = u diag(s) v^T; see the sign convention.",
)


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None) -> Any:
    """TF1 `tf.svd(tensor, full_matrices=False, compute_uv=True)`: (s, u, v), v not transposed; s alone
    when compute_uv=False."""
    attrs = {"full_matrices": bool(full_matrices), "compute_uv": bool(compute_uv)}
    node = make_op("Svd", [convert_to_tensor(tensor)], attrs, name or "Svd")
    return tuple(node.outputs) if compute_uv else node.outputs[0]


# --- self_adjoint_eig ---------------------------------------------------------------------------


def _eig_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    (a,) = inputs
    check_kind(a, FLOAT)
    d = _square_dims(a, "tensor")
    e = TensorSpec(TensorShape(None if d is None else d[:-1]), a.dtype)
    return [e, TensorSpec(a.shape, a.dtype)] if attrs["compute_v"] else [e]


def _eig_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a = _sym(xp, inputs[0])
        if not attrs["compute_v"]:
            return xp.linalg.eigvalsh(a)
        e, v = xp.linalg.eigh(a)
        (v,) = _fix_columns(xp, v, v.shape[-1])
        return e, v

    return rule


def _eig_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.creation import ones_like, zeros_like
    from graphdl.ops.linalg import matmul
    from graphdl.ops.unary import reciprocal

    if not node.attrs["compute_v"]:
        _, v = self_adjoint_eig(node.inputs[0])
        ga = matmul(v * _expand(grads[0], -2), v, adjoint_b=True)
    else:
        e, v = node.outputs
        ge, gv = grads
        diff = matrix_set_diag(_expand(e, -2) - _expand(e, -1), ones_like(e))
        f = matrix_set_diag(reciprocal(diff), zeros_like(e))  # f_ij = 1 / (e_j - e_i)
        inner = matrix_diag(ge) + f * matmul(v, gv, adjoint_a=True)
        ga = matmul(v, matmul(inner, v, adjoint_b=True))
    return [0.5 * (ga + _t(ga))]


register(
    "SelfAdjointEigV2",
    api_name="self_adjoint_eig",
    infer=_eig_infer,
    evaluate=_eig_kernel(np),
    lower=_eig_kernel(jnp),
    gradient=_eig_grad,
    samples=lambda rng: [
        Sample([_distinct_sym(rng, 3, 3)], {"compute_v": True}),
        Sample([_distinct_sym(rng, 2, 4, 4)], {"compute_v": True}),
        Sample([_distinct_sym(rng, 2, 3, 3)], {"compute_v": False}),
        Sample([rng.standard_normal((3, 3)) + np.diag([0.0, 3.0, 6.0])], {"compute_v": True}),
    ],
    doc="Eigenvalues (ascending) and eigenvectors of each symmetric matrix (reads (A + A^T)/2).",
)


def self_adjoint_eig(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """TF1 `tf.self_adjoint_eig(tensor)`: (e, v), A v = v diag(e), e ascending; see the sign convention."""
    node = make_op(
        "SelfAdjointEigV2", [convert_to_tensor(tensor)], {"compute_v": True}, name or "SelfAdjointEigV2"
    )
    return node.outputs[0], node.outputs[1]


def self_adjoint_eigvals(tensor: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.self_adjoint_eigvals(tensor)`: the eigenvalues of each symmetric matrix, ascending."""
    x = convert_to_tensor(tensor)
    return make_op("SelfAdjointEigV2", [x], {"compute_v": False}, name or "SelfAdjointEigV2").outputs[0]


# --- special functions --------------------------------------------------------------------------


def _positive(
    rng: np.random.Generator, shape: tuple[int, ...], lo: float = 0.5, hi: float = 3.0
) -> np.ndarray:
    return rng.uniform(lo, hi, shape)


def _np_polygamma(n: Any, x: Any) -> Any:
    n = np.asarray(n)
    ok = (n >= 0) & (np.floor(n) == n)
    with np.errstate(invalid="ignore"):
        r = _sp.polygamma(np.where(ok, n, 0).astype(np.int64), x)
    return np.where(ok, r, np.nan).astype(np.result_type(n, x))


def _jnp_polygamma(n: Any, x: Any) -> Any:
    return jax.lax.polygamma(*jnp.broadcast_arrays(n, x))


def _register_special(
    op: str, api: str, np_fn: Any, jnp_fn: Any, grad: Callable[..., list[Tensor | None]],
    samples: Callable[[np.random.Generator], list[Sample]], doc: str,
) -> None:  # fmt: skip
    def gradient(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        from graphdl.ops.grad_util import unbroadcast

        ins = list(node.inputs)
        out = grad(*ins, grads[0])
        return [None if g is None else unbroadcast(g, x, ins) for g, x in zip(out, ins, strict=True)]

    register(
        op,
        api_name=api,
        infer=elementwise_infer(FLOAT),
        evaluate=lambda inputs, attrs, ctx: np.asarray(np_fn(*inputs)),
        lower=lambda inputs, attrs, ctx: jnp_fn(*inputs),
        gradient=gradient,
        samples=samples,
        doc=doc,
    )


def _igamma_dx(a: Tensor, x: Tensor) -> Tensor:
    from graphdl.ops.unary import exp, log

    return exp((a - 1.0) * log(x) - x - lgamma(a))


def _betainc_dx(a: Tensor, b: Tensor, x: Tensor) -> Tensor:
    from graphdl.ops.unary import exp, log, log1p

    return exp((a - 1.0) * log(x) + (b - 1.0) * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b)))


def _setup_special() -> None:
    jsp = jax.scipy.special

    def unary_samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample([_positive(rng, (2, 3))]),
            Sample([_positive(rng, ())]),
            Sample([_positive(rng, (0, 2))]),
        ]

    def pair_samples(lo: tuple[float, float], hi: tuple[float, float]) -> Any:
        def samples(rng: np.random.Generator) -> list[Sample]:
            return [
                Sample([rng.uniform(*lo, (2, 3)), rng.uniform(*hi, (2, 3))], grad_inputs=[1]),
                Sample([rng.uniform(*lo, (3,)), rng.uniform(*hi, (2, 3))], grad_inputs=[1]),
                Sample([rng.uniform(*lo, ()), rng.uniform(*hi, (4,))], grad_inputs=[1]),
            ]

        return samples

    def polygamma_samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample([np.array([0.0, 1.0, 2.0]), _positive(rng, (2, 3))], grad_inputs=[1]),
            Sample([np.array(3.0), _positive(rng, (4,))], grad_inputs=[1]),
            Sample([np.array([-1.0, 1.5]), _positive(rng, (2,))], grad_inputs=[]),
        ]

    def betainc_samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample(
                [_positive(rng, (2, 3)), _positive(rng, (2, 3)), rng.uniform(0.1, 0.9, (2, 3))],
                grad_inputs=[2],
            ),
            Sample(
                [_positive(rng, ()), _positive(rng, (3,)), rng.uniform(0.1, 0.9, (2, 3))], grad_inputs=[2]
            ),
        ]

    specs: list[tuple[str, str, Any, Any, Callable[..., list[Tensor | None]], Any, str]] = [
        ("Lgamma", "lgamma", _sp.gammaln, jsp.gammaln, lambda x, g: [g * digamma(x)], unary_samples,
         "log|Gamma(x)|; gradient digamma(x)."),
        ("Digamma", "digamma", _sp.digamma, jsp.digamma, lambda x, g: [g * polygamma(1.0, x)], unary_samples,
         "psi(x) = d/dx lgamma(x); gradient polygamma(1, x)."),
        ("Igamma", "igamma", _sp.gammainc, jsp.gammainc,
         lambda a, x, g: [None, g * _igamma_dx(a, x)], pair_samples((0.5, 3.0), (0.2, 3.0)),
         "Regularized lower incomplete gamma P(a, x); gradient with respect to x only."),
        ("Igammac", "igammac", _sp.gammaincc, jsp.gammaincc,
         lambda a, x, g: [None, -(g * _igamma_dx(a, x))], pair_samples((0.5, 3.0), (0.2, 3.0)),
         "Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x); gradient with respect to x only."),
        ("Betainc", "betainc", _sp.betainc, jsp.betainc,
         lambda a, b, x, g: [None, None, g * _betainc_dx(a, b, x)], betainc_samples,
         "Regularized incomplete beta I_x(a, b); gradient with respect to x only."),
        ("Polygamma", "polygamma", _np_polygamma, _jnp_polygamma,
         lambda a, x, g: [None, g * polygamma(a + 1.0, x)], polygamma_samples,
         "psi^(a)(x), the a-th derivative of digamma (NaN unless a is a non-negative integer)."),
        ("Zeta", "zeta", _sp.zeta, jsp.zeta,
         lambda x, q, g: [None, g * -(x * zeta(x + 1.0, q))], pair_samples((1.5, 4.0), (0.5, 3.0)),
         "Hurwitz zeta(x, q) = sum_n (n + q)^-x; gradient with respect to q only."),
    ]  # fmt: skip
    for op, api, np_fn, jnp_fn, grad, samples, doc in specs:
        _register_special(op, api, np_fn, jnp_fn, grad, samples, doc)


_setup_special()


def _special(op: str, api: str, args: list[Any], name: str | None) -> Tensor:
    return make_tensor(op, operands(args, api), {}, name or op)


def lgamma(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.lgamma(x)`: log |Gamma(x)|."""
    return _special("Lgamma", "lgamma", [x], name)


def digamma(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.digamma(x)`: Psi(x), the derivative of lgamma."""
    return _special("Digamma", "digamma", [x], name)


def igamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.igamma(a, x)`: the regularized lower incomplete gamma function P(a, x)."""
    return _special("Igamma", "igamma", [a, x], name)


def igammac(a: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.igammac(a, x)`: the regularized upper incomplete gamma function Q(a, x)."""
    return _special("Igammac", "igammac", [a, x], name)


def betainc(a: Any, b: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.betainc(a, b, x)`: the regularized incomplete beta function I_x(a, b)."""
    return _special("Betainc", "betainc", [a, b, x], name)


def polygamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.polygamma(a, x)`: the a-th derivative of digamma at x."""
    return _special("Polygamma", "polygamma", [a, x], name)


def zeta(x: Any, q: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.zeta(x, q)`: the Hurwitz zeta function."""
    return _special("Zeta", "zeta", [x, q], name)


def lbeta(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.lbeta(x)`: log(|Beta(x)|) over the last axis, sum(lgamma(x)) - lgamma(sum(x))."""
    from graphdl.ops.reduce import reduce_sum

    with get_default_graph().name_scope(name or "lbeta"):
        t = convert_to_tensor(x)
        return reduce_sum(lgamma(t), -1) - lgamma(reduce_sum(t, -1))
