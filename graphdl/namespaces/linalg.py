"""`tf.linalg` (TF 1.13+): aliases of graphdl's linear-algebra functions (`inv` is `matrix_inverse`,
...), resolved when accessed; `transpose` is TF1's `matrix_transpose`, which swaps the last two
axes. A TF name graphdl does not (yet) provide raises an AttributeError naming tf.linalg.
"""

from __future__ import annotations

from graphdl.namespaces import lazy_namespace

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
    "cross": "cross",
    "norm": "norm",
    "transpose": "matrix_transpose",  # TF1's tf.linalg.transpose swaps the last two axes
    "matrix_transpose": "matrix_transpose",
    "adjoint": "matrix_transpose",  # graphdl has no complex dtypes, so the adjoint is the transpose
    "l2_normalize": "nn.l2_normalize",
}


__getattr__, __dir__ = lazy_namespace("linalg", ALIASES, {})
