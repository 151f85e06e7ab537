"""Helpers shared by the op families: spec builders and common infer rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphdl.dtypes import DType
from graphdl.errors import DTypeError
from graphdl.registry import TensorSpec
from graphdl.shapes import TensorShape, as_shape, broadcast_shapes


def spec(shape: Any, dtype: DType) -> TensorSpec:
    return TensorSpec(as_shape(shape), dtype)


def same_as_first(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    """Infer rule: one output with the first input's shape and dtype."""
    return [inputs[0]]


def require_float(s: TensorSpec, what: str = "input") -> None:
    if not s.dtype.is_floating:
        raise DTypeError(f"{what} must be a floating tensor, got {s.dtype.name}")


def require_same_dtype(inputs: list[TensorSpec]) -> DType:
    dts = {s.dtype for s in inputs}
    if len(dts) > 1:
        raise DTypeError("inputs have different dtypes: " + ", ".join(s.dtype.name for s in inputs))
    return inputs[0].dtype


def broadcast_infer(inputs: list[TensorSpec], out_dtype: DType | None = None) -> list[TensorSpec]:
    """Infer rule body for elementwise n-ary ops with NumPy broadcasting."""
    dtype = require_same_dtype(inputs)
    shape: TensorShape = broadcast_shapes(*(s.shape for s in inputs))
    return [TensorSpec(shape, out_dtype or dtype)]


def single(result: Any) -> Any:
    """Normalise an evaluate/lower result to a tuple of outputs."""
    return result if isinstance(result, tuple | list) else (result,)
