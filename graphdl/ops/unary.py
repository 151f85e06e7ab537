"""Elementwise unary math: negative, abs, sign, square, sqrt, rsqrt, exp, log, log1p, sin, cos, tanh,
sigmoid, reciprocal (re-exported by graphdl.ops.math)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.ops.logic import FLOAT, elementwise_infer
from graphdl.registry import Sample, register
from graphdl.tensor import Tensor

__all__ = [
    "negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "sin", "cos", "tanh",
    "sigmoid", "reciprocal",
]  # fmt: skip


def _floating(t: Tensor) -> bool:
    return t.dtype.is_floating


def scalar_mul(scalar: Any, x: Any) -> Tensor:
    from graphdl.ops.math import scalar_mul as _scalar_mul

    return _scalar_mul(scalar, x)


# --- unary math -------------------------------------------------------------------------------

UnaryGrad = Callable[[Tensor, Tensor, Tensor], Tensor]


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    # 1/(1+exp(-x)) is already stable: exp overflows to inf for very negative x, giving exactly 0,
    # and 1/(1+E) keeps full relative precision as the result shrinks towards e^x.
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _unary_samples(domain: str = "any") -> Callable[[np.random.Generator], list[Sample]]:
    def samples(rng: np.random.Generator) -> list[Sample]:
        def draw(shape: tuple[int, ...]) -> np.ndarray:
            if domain == "positive":
                return rng.uniform(0.5, 2.0, shape)
            if domain == "away":  # away from 0, where abs/sign have a kink
                return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
            return rng.standard_normal(shape)

        return [Sample([draw((2, 3))]), Sample([draw(())]), Sample([draw((0, 4))]), Sample([draw((2, 1, 3))])]

    return samples


def _register_unary(
    op: str, api: str, np_fn: Any, jnp_fn: Any, grad: UnaryGrad | None, kinds: str = FLOAT,
    domain: str = "any", doc: str = "",
) -> None:  # fmt: skip
    def gradient(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        x = node.inputs[0]
        if not _floating(x) or grad is None:
            return [None]
        return [grad(x, node.outputs[0], grads[0])]

    register(
        op,
        api_name=api,
        infer=elementwise_infer(kinds),
        evaluate=lambda inputs, attrs, ctx: np_fn(inputs[0]),
        lower=lambda inputs, attrs, ctx: jnp_fn(inputs[0]),
        gradient=gradient,
        samples=_unary_samples(domain),
        doc=doc,
    )


def _zeros_grad(x: Tensor, y: Tensor, g: Tensor) -> Tensor:
    from graphdl.ops import array

    return array.zeros_like(x)


_UNARY: list[tuple[str, str, Any, Any, UnaryGrad, str, str, str]] = [
    ("Neg", "negative", np.negative, jnp.negative, lambda x, y, g: negative(g), "fi", "any", "-x"),
    ("Abs", "abs", np.abs, jnp.abs, lambda x, y, g: g * sign(x), "fi", "away", "|x|"),
    ("Sign", "sign", np.sign, jnp.sign, _zeros_grad, "fi", "away", "-1, 0 or 1; zero gradient"),
    ("Square", "square", np.square, jnp.square, lambda x, y, g: g * scalar_mul(2.0, x), "fi", "any", "x*x"),
    ("Sqrt", "sqrt", np.sqrt, jnp.sqrt, lambda x, y, g: scalar_mul(0.5, g) / y, "f", "positive", "sqrt"),
    ("Rsqrt", "rsqrt", lambda x: 1.0 / np.sqrt(x), jax.lax.rsqrt,
     lambda x, y, g: scalar_mul(-0.5, g) * (y * y * y), "f", "positive", "1/sqrt(x)"),
    ("Exp", "exp", np.exp, jnp.exp, lambda x, y, g: g * y, "f", "any", "e^x"),
    ("Log", "log", np.log, jnp.log, lambda x, y, g: g * reciprocal(x), "f", "positive", "natural log"),
    ("Log1p", "log1p", np.log1p, jnp.log1p, lambda x, y, g: g * reciprocal(1.0 + x), "f", "positive",
     "log(1 + x)"),
    ("Sin", "sin", np.sin, jnp.sin, lambda x, y, g: g * cos(x), "f", "any", "sine"),
    ("Cos", "cos", np.cos, jnp.cos, lambda x, y, g: negative(g * sin(x)), "f", "any", "cosine"),
    ("Tanh", "tanh", np.tanh, jnp.tanh, lambda x, y, g: g * (1.0 - y * y), "f", "any", "tanh"),
    ("Sigmoid", "sigmoid", _np_sigmoid, jax.nn.sigmoid, lambda x, y, g: g * (y * (1.0 - y)), "f", "any",
     "1 / (1 + e^-x), computed stably"),
    ("Reciprocal", "reciprocal", np.reciprocal, jnp.reciprocal,
     lambda x, y, g: negative(g * (y * y)), "f", "positive", "1/x"),
]  # fmt: skip

for _op, _api, _np, _jnp, _grad, _kinds, _domain, _doc in _UNARY:
    _register_unary(_op, _api, _np, _jnp, _grad, _kinds, _domain, _doc)


def _unop(op: str, x: Any, name: str | None) -> Tensor:
    return make_tensor(op, [convert_to_tensor(x)], name=name or op)


def negative(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.negative(x)`: -x."""
    return _unop("Neg", x, name)


def abs(x: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """TF1 `tf.abs(x)`: |x|; the gradient at 0 is 0 (sign(0))."""
    return _unop("Abs", x, name)


def sign(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.sign(x)`: -1, 0 or 1."""
    return _unop("Sign", x, name)


def square(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.square(x)`: x * x."""
    return _unop("Square", x, name)


def sqrt(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.sqrt(x)`."""
    return _unop("Sqrt", x, name)


def rsqrt(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.rsqrt(x)`: 1 / sqrt(x)."""
    return _unop("Rsqrt", x, name)


def exp(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.exp(x)`."""
    return _unop("Exp", x, name)


def log(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.log(x)`: natural logarithm."""
    return _unop("Log", x, name)


def log1p(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.log1p(x)`: log(1 + x), accurate for small x."""
    return _unop("Log1p", x, name)


def sin(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.sin(x)`."""
    return _unop("Sin", x, name)


def cos(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.cos(x)`."""
    return _unop("Cos", x, name)


def tanh(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.tanh(x)` (also `tf.nn.tanh`)."""
    return _unop("Tanh", x, name)


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.sigmoid(x)` (also `tf.nn.sigmoid`): 1 / (1 + exp(-x)), stable for large |x|."""
    return _unop("Sigmoid", x, name)


def reciprocal(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.reciprocal(x)`: 1 / x."""
    return _unop("Reciprocal", x, name)
