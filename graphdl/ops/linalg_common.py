"""Helpers shared by the batched linear-algebra families (matrix_structure, linalg_solve,
decompositions): matrix shape checks, sign conventions and sample matrices."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdl.errors import DTypeError, ShapeError
from graphdl.ops.linalg_extra import matrix_transpose
from graphdl.ops.logic import FLOAT, check_kind
from graphdl.registry import TensorSpec
from graphdl.tensor import Tensor

__all__ = []


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
