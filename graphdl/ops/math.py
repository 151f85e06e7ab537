"""Elementwise math, comparisons, logical ops, casts, matmul and tensordot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, make_tensor
from graphdl.errors import ShapeError
from graphdl.ops.common import broadcast_infer, require_same_dtype, spec
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = ["add", "matmul"]


def _unbroadcast(grad: Tensor, like: Tensor) -> Tensor:
    """Sum `grad` over the axes that broadcasting added to `like` (TODO owner: math helper)."""
    raise NotImplementedError


register(
    "Add",
    api_name="add",
    infer=lambda inputs, attrs: broadcast_infer(inputs),
    evaluate=lambda inputs, attrs, ctx: np.add(inputs[0], inputs[1]),
    lower=lambda inputs, attrs, ctx: jnp.add(inputs[0], inputs[1]),
    differentiable=False,
)


def add(x: Any, y: Any, name: str | None = None) -> Tensor:
    a, b = convert_operands([x, y], "add")
    return make_tensor("Add", [a, b], name=name or "Add")


def _matmul_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    a, b = inputs
    dtype = require_same_dtype(inputs)
    sa = a.shape.with_rank(2).as_list()
    sb = b.shape.with_rank(2).as_list()
    if attrs.get("transpose_a"):
        sa = sa[::-1]
    if attrs.get("transpose_b"):
        sb = sb[::-1]
    if sa[1] is not None and sb[0] is not None and sa[1] != sb[0]:
        raise ShapeError(f"inner dimensions differ: {a.shape.short()} x {b.shape.short()}")
    return [spec([sa[0], sb[1]], dtype)]


def _mm(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        a, b = inputs
        if attrs.get("transpose_a"):
            a = a.T
        if attrs.get("transpose_b"):
            b = b.T
        return xp.matmul(a, b)

    return rule


register(
    "MatMul",
    api_name="matmul",
    infer=_matmul_infer,
    evaluate=_mm(np),
    lower=_mm(jnp),
    differentiable=False,
    samples=lambda rng: [Sample([rng.standard_normal((3, 4)), rng.standard_normal((4, 2))])],
)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, name: str | None = None) -> Tensor:
    x, y = convert_operands([a, b], "matmul")
    return make_tensor("MatMul", [x, y], {"transpose_a": transpose_a, "transpose_b": transpose_b}, name or "MatMul")
