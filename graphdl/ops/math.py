"""Elementwise binary math with broadcasting, cast, clip_by_value, add_n, scalar_mul.

Unary functions live in `graphdl.ops.unary`, comparisons and logical ops in `graphdl.ops.logic`,
matmul and tensordot in `graphdl.ops.linalg`; all are re-exported here (Tensor operators call
`graphdl.ops.math.<fn>`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import as_dtype, float32, float64
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph, name_scope
from graphdl.ops.common import spec
from graphdl.ops.grad_util import select, unbroadcast
from graphdl.ops.linalg import matmul, tensordot
from graphdl.ops.logic import (
    FLOAT,
    NUMERIC,
    elementwise_infer,
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    not_equal,
    operands,
)
from graphdl.ops.unary import (
    abs,  # noqa: A004  (TF1 name)
    cos,
    exp,
    log,
    log1p,
    negative,
    reciprocal,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tanh,
)
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import broadcast_shapes
from graphdl.tensor import Tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "div", "truediv", "realdiv", "floordiv", "floor_div", "mod",
    "log_sigmoid", "div_no_nan", "divide_no_nan",
    "floormod", "negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "pow",
    "maximum", "minimum", "sin", "cos", "tanh", "sigmoid", "reciprocal", "cast", "to_float",
    "to_double", "to_int32", "to_int64", "clip_by_value", "add_n", "scalar_mul", "squared_difference",
    "matmul", "tensordot", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not",
]  # fmt: skip


def _floating(t: Tensor) -> bool:
    return t.dtype.is_floating


# --- binary arithmetic ------------------------------------------------------------------------

GradFn = Callable[[Tensor, Tensor, Tensor, Tensor], tuple[Tensor | None, Tensor | None]]


def _binary_grad(rule: GradFn) -> Callable[..., list[Tensor | None]]:
    def gradient(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        x, y = node.inputs
        if not _floating(x):
            return [None, None]
        gx, gy = rule(x, y, node.outputs[0], grads[0])
        return [
            None if gx is None else unbroadcast(gx, x, others=[y]),
            None if gy is None else unbroadcast(gy, y, others=[x]),
        ]

    return gradient


def _binary_samples(positive: str = "") -> Callable[[np.random.Generator], list[Sample]]:
    """Broadcasting samples; `positive` names the inputs ('x', 'y') drawn from [0.5, 2]."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        shapes = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 2)), ((0, 3), (3,))]
        out = []
        for sx, sy in shapes:
            x = rng.uniform(0.5, 2.0, sx) if "x" in positive else rng.standard_normal(sx)
            y = rng.uniform(0.5, 2.0, sy) if "y" in positive else rng.standard_normal(sy)
            out.append(Sample([x, y]))
        return out

    return samples


def _register_binary(
    op: str, api: str, np_fn: Any, jnp_fn: Any, grad: GradFn | None, kinds: str = NUMERIC,
    samples: Callable[[np.random.Generator], list[Sample]] | None = None, doc: str = "",
) -> None:  # fmt: skip
    register(
        op,
        api_name=api,
        infer=elementwise_infer(kinds),
        evaluate=lambda inputs, attrs, ctx: np_fn(inputs[0], inputs[1]),
        lower=lambda inputs, attrs, ctx: jnp_fn(inputs[0], inputs[1]),
        gradient=_binary_grad(grad) if grad is not None else None,
        differentiable=grad is not None,
        samples=samples or _binary_samples(),
        doc=doc,
    )


def _neg(t: Tensor) -> Tensor:
    return negative(t)


def _np_floordiv(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.floor_divide(x, y)


def _np_pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if np.asarray(x).dtype.kind in "iu":
        y = np.asarray(y)
        if np.any(y < 0):
            raise ValueError("integers to negative integer powers are not allowed")
    return np.power(x, y)


def _pow_grad(x: Tensor, y: Tensor, z: Tensor, g: Tensor) -> tuple[Tensor, Tensor]:
    from graphdl.ops import array

    gx = g * y * pow(x, y - 1)
    mask = greater(x, 0)  # TF1: d/dy x^y = x^y log(x) where x > 0, else 0
    log_x = select(mask, log(array.where(mask, x, array.ones_like(x))))
    return gx, g * z * log_x


def _max_min_grad(ge: Callable[..., Tensor]) -> GradFn:
    def rule(x: Tensor, y: Tensor, z: Tensor, g: Tensor) -> tuple[Tensor, Tensor]:
        xmask = ge(x, y)
        return select(xmask, g), select(logical_not(xmask), g)

    return rule


def _sqdiff_grad(x: Tensor, y: Tensor, z: Tensor, g: Tensor) -> tuple[Tensor, Tensor]:
    gx = scalar_mul(2.0, g) * (x - y)
    return gx, negative(gx)


_register_binary("Add", "add", np.add, jnp.add, lambda x, y, z, g: (g, g), doc="x + y with broadcasting.")
_register_binary("Sub", "subtract", np.subtract, jnp.subtract, lambda x, y, z, g: (g, _neg(g)), doc="x - y.")
_register_binary(
    "Mul", "multiply", np.multiply, jnp.multiply, lambda x, y, z, g: (g * y, x * g), doc="x * y."
)
_register_binary(
    "RealDiv", "realdiv", np.true_divide, jnp.true_divide,
    lambda x, y, z, g: (g / y, g * ((-x / y) / y)), kinds=FLOAT, samples=_binary_samples("y"), doc="x / y.",
)  # fmt: skip
_register_binary(
    "FloorDiv", "floordiv", _np_floordiv, jnp.floor_divide, lambda x, y, z, g: (None, None),
    samples=_binary_samples("y"), doc="floor(x / y); no gradient, as in TF1.",
)  # fmt: skip
_register_binary(
    "FloorMod", "mod", np.mod, jnp.mod, lambda x, y, z, g: (g, g * negative(floordiv(x, y))),
    samples=_binary_samples("y"), doc="x - floor(x / y) * y (Python's %).",
)  # fmt: skip
_register_binary("Pow", "pow", _np_pow, jnp.power, _pow_grad, samples=_binary_samples("x"), doc="x ** y.")
_register_binary(
    "Maximum", "maximum", np.maximum, jnp.maximum, _max_min_grad(greater_equal),
    doc="max(x, y); ties send the gradient to x.",
)  # fmt: skip
_register_binary(
    "Minimum", "minimum", np.minimum, jnp.minimum, _max_min_grad(less_equal),
    doc="min(x, y); ties send the gradient to x.",
)  # fmt: skip
_register_binary(
    "SquaredDifference", "squared_difference", lambda x, y: np.square(x - y),
    lambda x, y: jnp.square(x - y), _sqdiff_grad, doc="(x - y)^2.",
)  # fmt: skip


def _binop(op: str, api: str, x: Any, y: Any, name: str | None) -> Tensor:
    a, b = operands([x, y], api)
    return make_tensor(op, [a, b], name=name or op)


def add(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.add(x, y)`: x + y with NumPy broadcasting."""
    return _binop("Add", "add", x, y, name)


def subtract(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.subtract(x, y)`: x - y."""
    return _binop("Sub", "subtract", x, y, name)


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.multiply(x, y)`: x * y."""
    return _binop("Mul", "multiply", x, y, name)


def realdiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.realdiv(x, y)`: x / y for floating tensors."""
    return _binop("RealDiv", "realdiv", x, y, name)


_INT_TO_FLOAT = {"int8": float32, "int16": float32, "uint8": float32, "int32": float64, "int64": float64,
                 "uint32": float64}  # fmt: skip


def truediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.truediv(x, y)`: x / y; integer inputs are cast to float (int32/int64 -> float64)."""
    a, b = operands([x, y], "truediv")
    if a.dtype == b.dtype and a.dtype.name in _INT_TO_FLOAT:
        a, b = cast(a, _INT_TO_FLOAT[a.dtype.name]), cast(b, _INT_TO_FLOAT[b.dtype.name])
    return make_tensor("RealDiv", [a, b], name=name or "truediv")


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.divide(x, y)`: same as truediv (x / y)."""
    return truediv(x, y, name=name)


def div_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.div_no_nan(x, y)`: x / y, and 0 where y is 0; the gradient has no NaNs there either."""
    from graphdl.ops.logic import equal
    from graphdl.ops.selection import where_v2

    a, b = operands([x, y], "div_no_nan")
    if not a.dtype.is_floating:
        raise get_default_graph().located_error(
            DTypeError, "div_no_nan", f"x and y must be floating-point, got {a.dtype.name}"
        )
    with get_default_graph().name_scope(name or "div_no_nan"):
        zero = equal(b, 0)
        quotient = truediv(a, where_v2(zero, 1, b))
        return where_v2(zero, 0, quotient)


divide_no_nan = div_no_nan  # TF 1.13+'s tf.math.divide_no_nan


def floordiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.floordiv(x, y)`: floor(x / y), rounding toward -inf (Python's //)."""
    return _binop("FloorDiv", "floordiv", x, y, name or "floordiv")


floor_div = floordiv


def div(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.div(x, y)`: Python 2 division, floor division for integers and x / y for floats."""
    a, b = operands([x, y], "div")
    if a.dtype.is_integer:
        return make_tensor("FloorDiv", [a, b], name=name or "div")
    return make_tensor("RealDiv", [a, b], name=name or "div")


def log_sigmoid(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.log_sigmoid(x)`: log(1 / (1 + exp(-x))), computed as -softplus(-x) so it does not overflow."""
    from graphdl.ops.activations import softplus

    with name_scope(name, "LogSigmoid", [x]):
        return negative(softplus(negative(x)))


def mod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.mod` / `tf.floormod(x, y)`: x - floor(x / y) * y, the sign of y (Python's %)."""
    return _binop("FloorMod", "mod", x, y, name or "FloorMod")


floormod = mod


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """TF1 `tf.pow(x, y)`: x ** y elementwise."""
    return _binop("Pow", "pow", x, y, name)


def maximum(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.maximum(x, y)`: elementwise max; the gradient of a tie goes to x."""
    return _binop("Maximum", "maximum", x, y, name)


def minimum(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.minimum(x, y)`: elementwise min; the gradient of a tie goes to x."""
    return _binop("Minimum", "minimum", x, y, name)


def squared_difference(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.squared_difference(x, y)`: (x - y) * (x - y)."""
    return _binop("SquaredDifference", "squared_difference", x, y, name)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.scalar_mul(scalar, x)`: x times a rank-0 scalar."""
    s, t = operands([scalar, x], "scalar_mul")
    if s.shape.ndims not in (0, None):
        raise get_default_graph().located_error(
            ShapeError, "scalar_mul", f"scalar must be rank 0, got shape {s.shape.short()}"
        )
    return make_tensor("Mul", [s, t], name=name or "scalar_mul")


# --- cast, clip_by_value, add_n -----------------------------------------------------------------


def _cast_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x = node.inputs[0]
    if x.dtype.is_floating and node.outputs[0].dtype.is_floating:
        return [cast(grads[0], x.dtype)]
    return [None]


register(
    "Cast",
    api_name="cast",
    infer=lambda inputs, attrs: [TensorSpec(inputs[0].shape, as_dtype(attrs["DstT"]))],
    evaluate=lambda inputs, attrs, ctx: np.asarray(inputs[0]).astype(as_dtype(attrs["DstT"]).np),
    lower=lambda inputs, attrs, ctx: inputs[0].astype(as_dtype(attrs["DstT"]).np),
    gradient=_cast_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((2, 3))], {"DstT": float32}, grad_inputs=[]),
        Sample([rng.standard_normal((2, 3)).astype(np.float32)], {"DstT": float64}, grad_inputs=[]),
        Sample([rng.standard_normal((2, 3))], {"DstT": float64}),
        Sample([rng.standard_normal((3,)) * 5], {"DstT": as_dtype("int32")}, grad_inputs=[]),
        Sample([np.array([0.0, 1.5, -2.0])], {"DstT": as_dtype("bool")}, grad_inputs=[]),
        Sample([np.array([True, False])], {"DstT": float64}),
    ],
    doc="Converts to another dtype (floats to ints truncate toward zero).",
)


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.cast(x, dtype)`; returns x itself when it already has that dtype."""
    t = convert_to_tensor(x)
    dt = as_dtype(dtype)
    if t.dtype == dt:
        return t
    return make_tensor("Cast", [t], {"DstT": dt}, name or "Cast")


def to_float(x: Any, name: str = "ToFloat") -> Tensor:
    """TF1 `tf.to_float(x)`: cast to float32."""
    return cast(x, float32, name=name)


def to_double(x: Any, name: str = "ToDouble") -> Tensor:
    """TF1 `tf.to_double(x)`: cast to float64."""
    return cast(x, float64, name=name)


def to_int32(x: Any, name: str = "ToInt32") -> Tensor:
    """TF1 `tf.to_int32(x)`."""
    return cast(x, "int32", name=name)


def to_int64(x: Any, name: str = "ToInt64") -> Tensor:
    """TF1 `tf.to_int64(x)`."""
    return cast(x, "int64", name=name)


def _clip_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    t, lo, hi = inputs
    elementwise_infer(NUMERIC)(inputs, attrs)
    out = broadcast_shapes(t.shape, lo.shape, hi.shape)
    if not out.is_compatible_with(t.shape):
        raise ShapeError(f"clip bounds must broadcast to the shape of t {t.shape.short()}")
    return [TensorSpec(t.shape, t.dtype)]


def _clip_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    t, lo, hi = node.inputs
    if not _floating(t):
        return [None, None, None]
    g = grads[0]
    below, above = less(t, lo), greater(t, hi)
    inside = logical_not(logical_or(below, above))
    return [
        select(inside, g),
        unbroadcast(select(below, g), lo, others=[t, hi]),
        unbroadcast(select(above, g), hi, others=[t, lo]),
    ]


def _clip_samples(rng: np.random.Generator) -> list[Sample]:
    x = rng.uniform(-2, 2, (3, 4))
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.1, 0.0, x)  # keep away from the bounds' kinks
    return [
        Sample([x, np.float64(-1.0), np.float64(1.0)]),  # type: ignore[list-item]
        Sample([x, np.full((4,), -1.0), np.full((3, 1), 1.0)]),
        Sample([x[0], np.float64(-1.0), np.float64(1.0)], grad_inputs=[0]),  # type: ignore[list-item]
    ]


register(
    "ClipByValue",
    api_name="clip_by_value",
    infer=_clip_infer,
    evaluate=lambda inputs, attrs, ctx: np.minimum(np.maximum(inputs[0], inputs[1]), inputs[2]),
    lower=lambda inputs, attrs, ctx: jnp.minimum(jnp.maximum(inputs[0], inputs[1]), inputs[2]),
    gradient=_clip_grad,
    samples=_clip_samples,
    doc="min(max(t, lo), hi); the gradient flows to t where lo <= t <= hi, else to the bound hit.",
)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.clip_by_value(t, clip_value_min, clip_value_max)`: values outside the bounds are set to them."""
    a, lo, hi = operands([t, clip_value_min, clip_value_max], "clip_by_value")
    return make_tensor("ClipByValue", [a, lo, hi], name=name or "clip_by_value")


def _add_n_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    if not inputs:
        raise ShapeError("needs at least one input")
    elementwise_infer(NUMERIC)(inputs, attrs)
    shape = inputs[0].shape
    for s in inputs[1:]:
        if not shape.is_compatible_with(s.shape):
            raise ShapeError(
                "inputs must all have the same shape: " + ", ".join(x.shape.short() for x in inputs)
            )
        shape = shape.merge_with(s.shape)
    return [spec(shape, inputs[0].dtype)]


def _sum_all(xs: Sequence[Any]) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


register(
    "AddN",
    api_name="add_n",
    infer=_add_n_infer,
    evaluate=lambda inputs, attrs, ctx: _sum_all(inputs),
    lower=lambda inputs, attrs, ctx: _sum_all(inputs),
    gradient=lambda node, grads: [grads[0] if _floating(t) else None for t in node.inputs],
    samples=lambda rng: [
        Sample([rng.standard_normal((2, 3)) for _ in range(3)]),
        Sample([rng.standard_normal(())]),
        Sample([rng.standard_normal((4,)), rng.standard_normal((4,))]),
    ],
    doc="Sum of a list of tensors of the same shape and dtype.",
)


def add_n(inputs: Sequence[Any], name: str | None = None) -> Tensor:
    """TF1 `tf.add_n(inputs)`: elementwise sum of tensors of one shape and dtype."""
    if not isinstance(inputs, list | tuple) or not inputs:
        raise get_default_graph().located_error(
            ShapeError, "add_n", "inputs must be a non-empty list of tensors"
        )
    ts = operands(list(inputs), "add_n")
    if len(ts) == 1 and name is None:
        return ts[0]
    return make_tensor("AddN", ts, name=name or "AddN")
