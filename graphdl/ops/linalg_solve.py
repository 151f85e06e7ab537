"""TF1's batched linear solves, matrix_solve and matrix_triangular_solve, and log_matrix_determinant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, make_op, make_tensor
from graphdl.errors import ShapeError
from graphdl.ops.linalg_common import _dims, _expand, _merge, _rand_mats, _same_float, _square_dims
from graphdl.ops.linalg_extra import matrix_inverse
from graphdl.ops.logic import FLOAT, check_kind, operands
from graphdl.ops.matrix_structure import matrix_band_part
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "matrix_solve",
    "matrix_triangular_solve",
    "log_matrix_determinant",
]


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


def _np_solve(a: np.ndarray, b: np.ndarray, adjoint: bool, singular: str) -> np.ndarray:
    """a (or its transpose) solved against b; empty systems give zeros, a singular a a ValueError."""
    if adjoint:
        a = np.swapaxes(a, -1, -2)
    if a.shape[-1] == 0 or b.shape[-1] == 0:
        return np.zeros(b.shape, b.dtype)
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise ValueError(singular) from None


def _solve_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a, b = inputs
    return _np_solve(a, b, attrs["adjoint"], "Input matrix is not invertible.")


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
    return _np_solve(a, b, attrs["adjoint"], "Input matrix is not invertible (a zero on its diagonal).")


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
