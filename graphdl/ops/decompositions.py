"""TF1's batched matrix decompositions, cholesky, qr, svd and self_adjoint_eig(vals), and the
least-squares solve matrix_solve_ls built on them (matrices in the last two axes, `[..., M, N]`).

Conventions shared by both backends (so the interpreter and XLA give the same numbers):
- cholesky and self_adjoint_eig read the symmetric part (A + A^T) / 2 of their input (TF1 reads the
  lower triangle; the two agree on symmetric inputs), so their gradients are symmetric.
- qr flips the signs so that diag(R) >= 0; svd and self_adjoint_eig flip each singular/eigen vector
  so that its entry of largest magnitude is positive (extra columns of full_matrices are left as the
  LAPACK routine returns them).
- Gradients follow TF1 (Murray 2016 for Cholesky; the usual QR/SVD/eigh formulas, with TF1's limits:
  QR needs M >= N or a square input, SVD needs full_matrices=False or a square input).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_op, make_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.linalg_common import (
    _dims,
    _distinct_sv,
    _distinct_sym,
    _expand,
    _fix_columns,
    _sign_pos,
    _spd,
    _square_dims,
    _sym,
    _t,
)
from graphdl.ops.linalg_solve import matrix_triangular_solve
from graphdl.ops.logic import FLOAT, check_kind, operands
from graphdl.ops.matrix_structure import matrix_band_part, matrix_diag, matrix_diag_part, matrix_set_diag
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "cholesky",
    "matrix_solve_ls",
    "qr",
    "svd",
    "self_adjoint_eig",
    "self_adjoint_eigvals",
]


# --- cholesky -----------------------------------------------------------------------------------


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
    if db[-2] is not None and m is not None and db[-2] != m:
        raise graph.located_error(
            ShapeError, "matrix_solve_ls", f"matrix {a.shape.short()} and rhs {b.shape.short()} do not match"
        )
    plain = not isinstance(l2_regularizer, Tensor) and float(l2_regularizer) == 0.0
    with graph.name_scope(name or "matrix_solve_ls"):
        tall = m is None or n is None or m >= n
        # TF1 picks the branch when it runs; with an unknown M or N, M >= N is assumed (fed rows of a
        # regression), which with l2 > 0 gives the same X for any M (the two normal equations agree),
        # and is checked when it runs otherwise (without l2 a wide A has a singular A^T A)
        if (m is None or n is None) and plain:
            a = _rows_at_least_cols(a)
        if not fast and plain:
            if tall:
                q, r = qr(a)
                return matrix_triangular_solve(r, matmul(q, b, transpose_a=True), lower=False)
            q, r = qr(_t(a))
            return matmul(q, matrix_triangular_solve(r, b, lower=False, adjoint=True))
        l2 = convert_to_tensor(l2_regularizer, dtype=a.dtype) if not plain else None
        if tall:
            gram = matmul(a, a, transpose_a=True)
            if l2 is not None:
                gram = matrix_set_diag(gram, matrix_diag_part(gram) + l2)
            return _cholesky_solve(cholesky(gram), matmul(a, b, transpose_a=True))
        gram = matmul(a, a, transpose_b=True)
        if l2 is not None:
            gram = matrix_set_diag(gram, matrix_diag_part(gram) + l2)
        return matmul(a, _cholesky_solve(cholesky(gram), b), transpose_a=True)


def _rows_at_least_cols(a: Tensor) -> Tensor:
    """`a` behind a run-time check that its matrices have at least as many rows as columns."""
    from graphdl.graph import control_dependencies
    from graphdl.ops.array import identity, shape
    from graphdl.ops.checks import Assert
    from graphdl.ops.logic import greater_equal

    dims = shape(a)
    check = Assert(
        greater_equal(dims[-2], dims[-1]),
        ["matrix_solve_ls: a matrix of unknown shape needs M >= N rows when l2_regularizer is 0; "
         "got matrix shape", dims],
        name="rows_at_least_cols",
    )  # fmt: skip
    with control_dependencies([check]):
        return identity(a, name="matrix")


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
