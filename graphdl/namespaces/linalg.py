"""`tf.linalg` (TF 1.13+): aliases of graphdl's linear-algebra functions (`inv` is `matrix_inverse`,
...), resolved when accessed, plus `transpose` (TF1's `matrix_transpose`, which swaps the last two
axes). A TF name graphdl does not (yet) provide raises an AttributeError naming tf.linalg.
"""

from __future__ import annotations

from typing import Any

from graphdl.namespaces import lazy_namespace
from graphdl.tensor import Tensor

ALIASES: dict[str, str] = {
    "matmul": "matmul",
    "eye": "eye",
    "tensordot": "tensordot",
    "einsum": "einsum",
    "inv": "matrix_inverse",
    "det": "matrix_determinant",
    "slogdet": "log_matrix_determinant",
    "solve": "matrix_solve",
    "triangular_solve": "matrix_triangular_solve",
    "lstsq": "matrix_solve_ls",
    "cholesky": "cholesky",
    "qr": "qr",
    "svd": "svd",
    "eigh": "self_adjoint_eig",
    "eigvalsh": "self_adjoint_eigvals",
    "diag": "matrix_diag",
    "diag_part": "matrix_diag_part",
    "set_diag": "matrix_set_diag",
    "band_part": "matrix_band_part",
    "tensor_diag": "diag",
    "tensor_diag_part": "diag_part",
    "trace": "trace",
    "norm": "norm",
    "l2_normalize": "nn.l2_normalize",
}


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """TF1 `tf.linalg.transpose` / `tf.matrix_transpose`: swaps the last two axes of a (batch of) matrix."""
    from graphdl.convert import convert_to_tensor
    from graphdl.errors import ShapeError
    from graphdl.graph import get_default_graph
    from graphdl.ops.array import transpose as _transpose

    graph = get_default_graph()
    with graph.name_scope(name):
        x = convert_to_tensor(a)
        ndims = x.shape.ndims
        if ndims is None:
            raise graph.located_error(ShapeError, "matrix_transpose", "a must have a known rank")
        if ndims < 2:
            raise graph.located_error(
                ShapeError,
                "matrix_transpose",
                f"a should be a (batch) matrix, of rank >= 2; got {x.shape.short()}",
            )
        perm = [*range(ndims - 2), ndims - 1, ndims - 2]
        return _transpose(x, perm=perm, conjugate=conjugate)


transpose = matrix_transpose
adjoint = matrix_transpose  # graphdl has no complex dtypes, so the adjoint is the transpose

__getattr__, __dir__ = lazy_namespace(
    "linalg", ALIASES, {"transpose": transpose, "matrix_transpose": matrix_transpose, "adjoint": adjoint}
)
