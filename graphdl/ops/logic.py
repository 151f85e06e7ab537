"""Comparisons (bool results, no gradient) and logical ops on bool tensors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, convert_to_tensor, is_tensor_like, make_tensor
from graphdl.dtypes import DType, bool_
from graphdl.errors import DTypeError
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import broadcast_shapes
from graphdl.tensor import Tensor

__all__ = [
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
]  # fmt: skip


# Shared with math.py and linalg.py: dtype-kind checks, the elementwise infer rule, operand conversion.
NUMERIC = "fiu"
FLOAT = "f"


def check_kind(s: TensorSpec, kinds: str) -> None:
    """DTypeError unless the dtype's NumPy kind is one of `kinds` ('f' float, 'i'/'u' int, 'b' bool)."""
    if s.dtype.np.kind not in kinds:
        want = {"f": "floating", "fiu": "numeric", "fi": "signed numeric", "b": "bool"}.get(kinds, kinds)
        raise DTypeError(f"expects {want} tensors, got {s.dtype.name}")


def elementwise_infer(kinds: str, out_dtype: DType | None = None) -> Callable[..., list[TensorSpec]]:
    """Infer rule for n-ary elementwise ops: one dtype of the allowed kinds, NumPy broadcasting."""

    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        if len({s.dtype for s in inputs}) > 1:
            raise DTypeError(
                "operand dtypes differ (" + " vs ".join(s.dtype.name for s in inputs) + "); "
                "use graphdl.cast to convert one of them"
            )
        check_kind(inputs[0], kinds)
        return [TensorSpec(broadcast_shapes(*(s.shape for s in inputs)), out_dtype or inputs[0].dtype)]

    return infer


def operands(values: Sequence[Any], api_name: str) -> list[Tensor]:
    """Like convert_operands, but tensors of different dtypes pass through so `infer` reports them
    with the op's name and the user's line."""
    tensors = [v for v in values if is_tensor_like(v)]
    if len({convert_to_tensor(t).dtype for t in tensors}) > 1:
        return [convert_to_tensor(v) for v in values]
    return convert_operands(values, api_name)


def _compare_samples(rng: np.random.Generator) -> list[Sample]:
    x = rng.standard_normal((2, 3))
    ints = rng.integers(-2, 3, (4,)).astype(np.int32)
    return [
        Sample([x, rng.standard_normal((3,))]),
        Sample([x, x.copy()]),
        Sample([ints, ints[::-1].copy()]),
        Sample([np.float64(0.5), rng.standard_normal((0, 2))]),  # type: ignore[list-item]
    ]


def _logic_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.random((2, 3)) > 0.5, rng.random((3,)) > 0.5]),
        Sample([np.array(True), rng.random((4,)) > 0.5]),
    ]


def _register(op: str, api: str, np_fn: Any, jnp_fn: Any, kinds: str, samples: Any, doc: str) -> None:
    register(
        op,
        api_name=api,
        infer=elementwise_infer(kinds, out_dtype=bool_),
        evaluate=lambda inputs, attrs, ctx: np_fn(*inputs),
        lower=lambda inputs, attrs, ctx: jnp_fn(*inputs),
        differentiable=False,
        samples=samples,
        doc=doc,
    )


_OPS: list[tuple[str, str, Any, Any, str, Callable[..., list[Sample]], str]] = [
    ("Equal", "equal", np.equal, jnp.equal, "fiub", _compare_samples, "x == y elementwise."),
    ("NotEqual", "not_equal", np.not_equal, jnp.not_equal, "fiub", _compare_samples, "x != y elementwise."),
    ("Less", "less", np.less, jnp.less, "fiu", _compare_samples, "x < y elementwise."),
    ("LessEqual", "less_equal", np.less_equal, jnp.less_equal, "fiu", _compare_samples, "x <= y."),
    ("Greater", "greater", np.greater, jnp.greater, "fiu", _compare_samples, "x > y elementwise."),
    ("GreaterEqual", "greater_equal", np.greater_equal, jnp.greater_equal, "fiu", _compare_samples, "x >= y."),
    ("LogicalAnd", "logical_and", np.logical_and, jnp.logical_and, "b", _logic_samples, "x AND y."),
    ("LogicalOr", "logical_or", np.logical_or, jnp.logical_or, "b", _logic_samples, "x OR y."),
    ("LogicalXor", "logical_xor", np.logical_xor, jnp.logical_xor, "b", _logic_samples, "x XOR y."),
    ("LogicalNot", "logical_not", np.logical_not, jnp.logical_not, "b",
     lambda rng: [Sample([rng.random((2, 3)) > 0.5]), Sample([np.array(False)])], "NOT x."),
]  # fmt: skip


def _setup() -> None:
    for op, api, np_fn, jnp_fn, kinds, samples, doc in _OPS:
        _register(op, api, np_fn, jnp_fn, kinds, samples, doc)


_setup()


def _binop(op: str, api: str, x: Any, y: Any, name: str | None) -> Tensor:
    a, b = operands([x, y], api)
    return make_tensor(op, [a, b], name=name or op)


def equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.equal(x, y)`: bool tensor of x == y, with broadcasting."""
    return _binop("Equal", "equal", x, y, name)


def not_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.not_equal(x, y)`: bool tensor of x != y."""
    return _binop("NotEqual", "not_equal", x, y, name)


def less(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.less(x, y)`: bool tensor of x < y."""
    return _binop("Less", "less", x, y, name)


def less_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.less_equal(x, y)`: bool tensor of x <= y."""
    return _binop("LessEqual", "less_equal", x, y, name)


def greater(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.greater(x, y)`: bool tensor of x > y."""
    return _binop("Greater", "greater", x, y, name)


def greater_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.greater_equal(x, y)`: bool tensor of x >= y."""
    return _binop("GreaterEqual", "greater_equal", x, y, name)


def logical_and(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.logical_and(x, y)` on bool tensors (also `x & y`)."""
    return _binop("LogicalAnd", "logical_and", x, y, name)


def logical_or(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.logical_or(x, y)` on bool tensors (also `x | y`)."""
    return _binop("LogicalOr", "logical_or", x, y, name)


def logical_xor(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.logical_xor(x, y)` on bool tensors (also `x ^ y`)."""
    return _binop("LogicalXor", "logical_xor", x, y, name or "LogicalXor")


def logical_not(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.logical_not(x)` on a bool tensor (also `~x`)."""
    return make_tensor("LogicalNot", [convert_to_tensor(x)], name=name or "LogicalNot")
