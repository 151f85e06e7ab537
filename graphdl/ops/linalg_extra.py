"""More linear algebra: einsum (op Einsum), matrix_inverse (op MatrixInverse), matrix_determinant
(op MatrixDeterminant), matrix_transpose and norm (composites of existing ops)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, convert_to_tensor, make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["einsum", "norm", "matrix_inverse", "matrix_determinant", "matrix_transpose"]


# --- einsum -------------------------------------------------------------------------------------


def _parse(equation: str, n: int) -> tuple[list[str], str]:
    """Input subscripts and output subscripts of an einsum equation (implicit output: NumPy's rule)."""
    eq = equation.replace(" ", "")
    if "." in eq:
        raise ShapeError(f"ellipsis ('...') in einsum equations is not supported: {equation!r}")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != n:
        raise ShapeError(f"equation {equation!r} names {len(ins)} operands, got {n} inputs")
    for s in [*ins, rhs]:
        if not all(c.isalpha() for c in s):
            raise ShapeError(f"einsum subscripts must be letters, got {s!r} in {equation!r}")
    if not arrow:
        counts = {c: "".join(ins).count(c) for c in set("".join(ins))}
        rhs = "".join(sorted(c for c, k in counts.items() if k == 1))
    if len(set(rhs)) != len(rhs):
        raise ShapeError(f"output subscripts repeat a letter in {equation!r}")
    missing = [c for c in rhs if c not in "".join(ins)]
    if missing:
        raise ShapeError(f"output subscript {missing[0]!r} does not appear in the inputs of {equation!r}")
    return ins, rhs


def _einsum_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dtypes = {s.dtype for s in inputs}
    if len(dtypes) > 1:
        raise DTypeError("inputs have different dtypes: " + ", ".join(s.dtype.name for s in inputs))
    dt = inputs[0].dtype
    if dt.is_bool or dt.name == "string":
        raise DTypeError(f"einsum needs numeric inputs, got {dt.name}")
    ins, rhs = _parse(attrs["equation"], len(inputs))
    sizes: dict[str, int | None] = {}
    for subs, s in zip(ins, inputs, strict=True):
        d = s.shape.dims
        if d is None:
            continue
        if len(d) != len(subs):
            raise ShapeError(
                f"operand {subs!r} of {attrs['equation']!r} has rank {len(subs)}, got {s.shape.short()}"
            )
        for c, n in zip(subs, d, strict=True):
            old = sizes.get(c)
            if old is not None and n is not None and old != n:
                raise ShapeError(f"index {c!r} has size {old} and {n} in {attrs['equation']!r}")
            if old is None:
                sizes[c] = n
    return [TensorSpec(TensorShape([sizes.get(c) for c in rhs]), dt)]


def _einsum_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        ins, rhs = _parse(attrs["equation"], len(inputs))
        return xp.einsum(",".join(ins) + "->" + rhs, *inputs)

    return rule


def _einsum_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    ops = list(node.inputs)
    if not ops[0].dtype.is_floating:
        return [None] * len(ops)
    ins, rhs = _parse(node.attrs["equation"], len(ops))
    used = set("".join(ins)) | set(rhs)
    fresh = iter(c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used)
    out: list[Tensor | None] = []
    for i, subs in enumerate(ins):
        others = [(s, t) for j, (s, t) in enumerate(zip(ins, ops, strict=True)) if j != i]
        elsewhere = set(rhs).union(*[set(s) for s, _ in others])
        terms: list[tuple[str, Any]] = [(rhs, grads[0])] + others
        target = ""
        seen: set[str] = set()
        for pos, c in enumerate(subs):
            if c in seen:  # a repeated index (a diagonal): the gradient lives on the diagonal
                f = next(fresh)
                terms.append((c + f, np.eye(_static_dim(node, ops[i], pos), dtype=ops[i].dtype.np)))
                target += f
                continue
            seen.add(c)
            target += c
            if c not in elsewhere:  # summed over this operand alone: the gradient is constant along it
                terms.append((c, np.ones(_static_dim(node, ops[i], pos), dtype=ops[i].dtype.np)))
        eq = ",".join(s for s, _ in terms) + "->" + target
        out.append(einsum(eq, *[t for _, t in terms]))
    return out


def _static_dim(node: Any, t: Tensor, pos: int) -> int:
    d = t.shape.dims
    if d is None or d[pos] is None:
        raise ShapeError(
            f"{node.describe()}: the gradient of einsum with a repeated or operand-only index needs "
            f"that dimension known when the graph is built, got {t.shape.short()}"
        )
    return int(d[pos])  # type: ignore[arg-type]


register(
    "Einsum",
    api_name="einsum",
    infer=_einsum_infer,
    evaluate=_einsum_kernel(np),
    lower=_einsum_kernel(jnp),
    gradient=_einsum_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((2, 3)), rng.standard_normal((3, 4))], {"equation": "ij,jk->ik"}),
        Sample(
            [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))], {"equation": "bij,bjk->bik"}
        ),
        Sample([rng.standard_normal((3,)), rng.standard_normal((4,))], {"equation": "i,j->ij"}),
        Sample([rng.standard_normal((3, 4)), rng.standard_normal((4,))], {"equation": "ij,j"}),
        Sample([rng.standard_normal((3, 3))], {"equation": "ii->"}),
        Sample([rng.standard_normal((3, 3))], {"equation": "ii->i"}),
        Sample([rng.standard_normal((2, 3))], {"equation": "ij->ji"}),
        Sample([rng.standard_normal((2, 3)), rng.standard_normal((3, 4))], {"equation": "ij,jk->"}),
        Sample([rng.standard_normal((2, 3)), rng.standard_normal((5,))], {"equation": "ij,k->i"}),
    ],
    doc="Tensor contraction written in Einstein notation (numpy.einsum; no ellipsis).",
)


def einsum(equation: str, *inputs: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.einsum(equation, *inputs)`: e.g. 'ij,jk->ik' (matmul), 'ii->' (trace), 'ij->ji'."""
    if not inputs:
        raise get_default_graph().located_error(ShapeError, "einsum", "einsum needs at least one input")
    xs = convert_operands(list(inputs), "einsum")
    try:
        _parse(equation, len(xs))
    except ShapeError as e:
        raise get_default_graph().located_error(ShapeError, "einsum", str(e)) from None
    return make_tensor("Einsum", xs, {"equation": str(equation)}, name or "Einsum")


# --- matrix_inverse, matrix_determinant ---------------------------------------------------------


def _square_infer(what: str) -> Any:
    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        (a,) = inputs
        if not a.dtype.is_floating:
            raise DTypeError(f"input must be a floating tensor, got {a.dtype.name}")
        d = a.shape.dims
        if d is None:
            return [TensorSpec(TensorShape(None), a.dtype)]
        if len(d) < 2:
            raise ShapeError(f"input must have rank >= 2, got {a.shape.short()}")
        if d[-1] is not None and d[-2] is not None and d[-1] != d[-2]:
            raise ShapeError(f"input must be a (batch of) square matrices, got {a.shape.short()}")
        return [TensorSpec(TensorShape(d if what == "inverse" else d[:-2]), a.dtype)]

    return infer


def _inv_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a = np.asarray(inputs[0])
    if attrs.get("adjoint"):
        a = np.swapaxes(a, -1, -2)
    if a.shape[-1] == 0:
        return np.zeros(a.shape, a.dtype)
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise ValueError("Input is not invertible.") from None


def _inv_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    a = inputs[0]
    if attrs.get("adjoint"):
        a = jnp.swapaxes(a, -1, -2)
    if a.shape[-1] == 0:
        return jnp.zeros(a.shape, a.dtype)
    return jnp.linalg.inv(a)


def _inv_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.linalg import matmul

    y, g = node.outputs[0], grads[0]
    # Y = A^-1: dA = -Y^T g Y^T; with adjoint, Y = (A^T)^-1 and dA = -Y g^T Y
    if node.attrs.get("adjoint"):
        return [-matmul(y, matmul(g, y, transpose_a=True))]
    return [-matmul(y, matmul(g, y, transpose_b=True), transpose_a=True)]


def _spd(rng: np.random.Generator, *shape: int) -> np.ndarray:
    n = shape[-1]
    return rng.standard_normal(shape) + 3.0 * np.eye(n)


register(
    "MatrixInverse",
    api_name="matrix_inverse",
    infer=_square_infer("inverse"),
    evaluate=_inv_eval,
    lower=_inv_lower,
    gradient=_inv_grad,
    samples=lambda rng: [
        Sample([_spd(rng, 3, 3)], {"adjoint": False}),
        Sample([_spd(rng, 2, 3, 3)], {"adjoint": True}),
        Sample([_spd(rng, 2, 1, 2, 2)], {"adjoint": False}),
        Sample([_spd(rng, 1, 1)], {"adjoint": False}),
    ],
    doc="Inverse of each square matrix in the last two axes (of its transpose with adjoint=True).",
)


def matrix_inverse(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_inverse(input, adjoint=False)`: batched inverse over the last two axes."""
    x = convert_to_tensor(input)
    return make_tensor("MatrixInverse", [x], {"adjoint": bool(adjoint)}, name or "MatrixInverse")


def _det_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a = inputs[0]
        if a.shape[-1] == 0:
            return xp.ones(a.shape[:-2], a.dtype)
        return xp.linalg.det(a)

    return rule


def _det_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.array import expand_dims

    a, det = node.inputs[0], node.outputs[0]
    scale = expand_dims(expand_dims(grads[0] * det, -1), -1)
    return [scale * matrix_inverse(a, adjoint=True)]


register(
    "MatrixDeterminant",
    api_name="matrix_determinant",
    infer=_square_infer("determinant"),
    evaluate=_det_kernel(np),
    lower=_det_kernel(jnp),
    gradient=_det_grad,
    samples=lambda rng: [
        Sample([_spd(rng, 3, 3)]),
        Sample([_spd(rng, 2, 3, 3)]),
        Sample([_spd(rng, 2, 2, 2, 2)]),
        Sample([_spd(rng, 1, 1)]),
    ],
    doc="Determinant of each square matrix in the last two axes.",
)


def matrix_determinant(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.matrix_determinant(input)`: batched determinant over the last two axes."""
    x = convert_to_tensor(input)
    return make_tensor("MatrixDeterminant", [x], {}, name or "MatrixDeterminant")


# --- matrix_transpose, norm (composites) --------------------------------------------------------


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """TF1 `tf.matrix_transpose(a)`: swaps the last two axes of a (batch of) matrix."""
    from graphdl.ops.array import transpose

    graph = get_default_graph()
    with graph.name_scope(name):
        x = convert_to_tensor(a)
        r = x.shape.ndims
        if r is None:
            raise graph.located_error(ShapeError, "matrix_transpose", "a must have a known rank")
        if r < 2:
            raise graph.located_error(
                ShapeError,
                "matrix_transpose",
                f"a should be a (batch) matrix, of rank >= 2; got {x.shape.short()}",
            )
        return transpose(x, perm=[*range(r - 2), r - 1, r - 2], conjugate=conjugate)


def _norm_axes(axis: Any, rank: int | None) -> tuple[list[int] | None, bool]:
    """(axes or None for all, is a matrix norm); a ShapeError message for a bad `axis`."""
    if axis is None:
        return None, False
    if isinstance(axis, int | np.integer):
        return [int(axis)], False
    axes = [int(a) for a in axis]
    if len(axes) not in (1, 2):
        raise ShapeError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis!r}")
    if len(axes) == 2:
        if rank is not None and axes[0] % rank == axes[1] % rank:
            raise ShapeError(
                f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis!r}"
            )
        return axes, True
    return axes, False


def norm(
    tensor: Any,
    ord: Any = "euclidean",
    axis: Any = None,
    keepdims: Any = None,
    name: str | None = None,
    keep_dims: Any = None,
) -> Tensor:
    """TF1 `tf.norm`: vector p-norms (p > 0, 'euclidean', inf) or matrix norms ('fro', 1, inf) over axis."""
    from graphdl.ops.array import squeeze
    from graphdl.ops.math import abs as _abs
    from graphdl.ops.math import pow as _pow
    from graphdl.ops.math import sqrt
    from graphdl.ops.reduce import reduce_max, reduce_sum

    graph = get_default_graph()
    keep = bool(keepdims if keepdims is not None else keep_dims)
    x0 = convert_to_tensor(tensor)
    try:
        axes, is_matrix = _norm_axes(axis, x0.shape.ndims)
    except ShapeError as e:
        raise graph.located_error(ShapeError, "norm", str(e)) from None
    if is_matrix:
        ok = ord in ("euclidean", "fro", 1, np.inf)
        if not ok:
            raise graph.located_error(
                ShapeError,
                "norm",
                f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, inf], got {ord!r}",
            )
    else:
        ok = ord in ("euclidean", "fro") or (
            isinstance(ord, int | float | np.integer | np.floating)
            and not isinstance(ord, bool)
            and float(ord) > 0
        )
        if not ok:
            raise graph.located_error(
                ShapeError, "norm", f"'ord' must be a supported vector norm, got {ord!r}"
            )
    with graph.name_scope(name or "norm"):
        x = x0
        if not x.dtype.is_floating:
            raise graph.located_error(DTypeError, "norm", f"tensor must be floating, got {x.dtype.name}")
        if ord in ("euclidean", "fro") or (not is_matrix and ord == 2):
            result = sqrt(reduce_sum(x * x, axes, keepdims=True))
        elif is_matrix and ord == 1:
            assert axes is not None
            result = reduce_max(reduce_sum(_abs(x), axes[0], keepdims=True), axes[1], keepdims=True)
        elif is_matrix:  # inf
            assert axes is not None
            result = reduce_max(reduce_sum(_abs(x), axes[1], keepdims=True), axes[0], keepdims=True)
        elif ord == 1:
            result = reduce_sum(_abs(x), axes, keepdims=True)
        elif ord == np.inf:
            result = reduce_max(_abs(x), axes, keepdims=True)
        else:
            p = float(ord)
            result = _pow(reduce_sum(_pow(_abs(x), p), axes, keepdims=True), 1.0 / p)
        if not keep:
            result = squeeze(result, axes) if axes is not None else _reshape_scalar(result)
        return result


def _reshape_scalar(t: Tensor) -> Tensor:
    from graphdl.ops.array import reshape

    return reshape(t, [])
