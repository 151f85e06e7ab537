"""Activation ops (`tf.nn`): relu, relu6, leaky_relu, elu, selu, softplus, softsign, softmax, log_softmax.

Each kernel is written once against an array namespace `xp` (NumPy for evaluate, jax.numpy for lower)
and is numerically stable: softmax and log_softmax subtract the max and softplus uses
log1p(exp(-|x|)), so inputs of +-1e4 give finite values and gradients. Gradients are built from
public ops; selu and softsign are composites.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from graphdl.convert import make_tensor
from graphdl.errors import ShapeError
from graphdl.ops.logic import FLOAT, NUMERIC, check_kind
from graphdl.ops.nn_common import _axis_in, _pick_axis, _stop, _t, register_xp
from graphdl.registry import Sample, TensorSpec
from graphdl.tensor import Tensor

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "softplus", "softsign", "softmax", "log_softmax"]


# --- kernels (xp = numpy | jax.numpy) -------------------------------------------------------------


def _softplus(xp: Any, x: Any) -> Any:
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _log_softmax(xp: Any, x: Any, axis: int) -> Any:
    m = _stop(xp)(xp.max(x, axis=axis, keepdims=True))
    s = x - m
    return s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))


def _softmax(xp: Any, x: Any, axis: int) -> Any:
    e = xp.exp(x - _stop(xp)(xp.max(x, axis=axis, keepdims=True)))
    return e / xp.sum(e, axis=axis, keepdims=True)


# --- infer rules ----------------------------------------------------------------------------------


def _unary_infer(kinds: str) -> Callable[..., list[TensorSpec]]:
    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        check_kind(inputs[0], kinds)
        if "axis" in attrs:
            r = inputs[0].shape.ndims
            if r == 0:
                raise ShapeError("needs a tensor of rank 1 or more, got a scalar")
            _axis_in(r, int(attrs["axis"]))
        return [inputs[0]]

    return infer


# --- gradient rules -------------------------------------------------------------------------------


def _where(cond: Tensor, a: Tensor, b: Tensor) -> Tensor:
    from graphdl.ops.array import where

    return where(cond, a, b)  # type: ignore[no-any-return]


def _zeros_like(x: Tensor) -> Tensor:
    from graphdl.ops.array import zeros_like

    return zeros_like(x)  # type: ignore[no-any-return]


def _relu_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater

    y, g = node.outputs[0], grads[0]
    if not y.dtype.is_floating:
        return [None]
    return [_where(greater(y, 0), g, _zeros_like(g))]


def _relu6_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater, less, logical_and

    x, g = node.inputs[0], grads[0]
    if not x.dtype.is_floating:
        return [None]
    return [_where(logical_and(greater(x, 0), less(x, 6)), g, _zeros_like(g))]


def _leaky_relu_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater, scalar_mul

    x, g = node.inputs[0], grads[0]
    return [_where(greater(x, 0), g, scalar_mul(float(node.attrs["alpha"]), g))]


def _elu_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater

    x, y, g = node.inputs[0], node.outputs[0], grads[0]
    return [_where(greater(x, 0), g, g * (y + 1.0))]


def _softplus_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import sigmoid

    return [grads[0] * sigmoid(node.inputs[0])]


def _softmax_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    y, g = node.outputs[0], grads[0]
    axis = int(node.attrs["axis"])
    return [(g - reduce_sum(g * y, axis=axis, keepdims=True)) * y]


def _log_softmax_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import exp
    from graphdl.ops.reduce import reduce_sum

    y, g = node.outputs[0], grads[0]
    axis = int(node.attrs["axis"])
    return [g - exp(y) * reduce_sum(g, axis=axis, keepdims=True)]


# --- samples --------------------------------------------------------------------------------------


def _away(rng: np.random.Generator, shape: tuple[int, ...], kinks: tuple[float, ...] = (0.0,)) -> np.ndarray:
    """Values in [-3, 9] at least 0.1 away from each kink (finite differences need smoothness)."""
    x = rng.uniform(-3.0, 9.0, shape)
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.1, k + 0.5, x)
    return x


def _act_samples(kinks: tuple[float, ...] = (0.0,), ints: bool = False) -> Callable[..., list[Sample]]:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = [
            Sample([_away(rng, (3, 4), kinks)]),
            Sample([_away(rng, (), kinks)]),
            Sample([_away(rng, (2, 1, 3), kinks)]),
            Sample([_away(rng, (0, 3), kinks)]),
            Sample([np.array([-1e4, -50.0, 50.0, 1e4])], grad_inputs=[], note="extreme"),
            Sample([_away(rng, (2, 3), kinks).astype(np.float32)], grad_inputs=[]),
        ]
        if ints:
            out.append(Sample([rng.integers(-5, 10, (2, 3)).astype(np.int32)]))
        return out

    return samples


def _softmax_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal((3, 5))], {"axis": -1}),
        Sample([rng.standard_normal((2, 3, 4))], {"axis": 1}),
        Sample([rng.standard_normal((4,))], {"axis": 0}),
        Sample(
            [np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]])], {"axis": -1}, grad_inputs=[], note="extreme"
        ),
        Sample([rng.standard_normal((2, 3)).astype(np.float32)], {"axis": -1}, grad_inputs=[]),
    ]


# --- registration ---------------------------------------------------------------------------------


_reg = functools.partial(register_xp, module=__name__)


_reg(
    "Relu",
    "relu",
    _unary_infer(NUMERIC),
    lambda xp, x, a: xp.maximum(x, 0),
    _relu_grad,
    _act_samples(ints=True),
    "max(x, 0).",
)
_reg(
    "Relu6",
    "relu6",
    _unary_infer(NUMERIC),
    lambda xp, x, a: xp.minimum(xp.maximum(x, 0), 6),
    _relu6_grad,
    _act_samples((0.0, 6.0), ints=True),
    "min(max(x, 0), 6).",
)
_reg(
    "LeakyRelu",
    "leaky_relu",
    _unary_infer(FLOAT),
    lambda xp, x, a: xp.where(x > 0, x, x * xp.asarray(a["alpha"], x.dtype)),
    _leaky_relu_grad,
    lambda rng: (
        [Sample([s.inputs[0]], {"alpha": 0.2}, s.grad_inputs) for s in _act_samples()(rng)]
        + [Sample([_away(rng, (3,))], {"alpha": 1.5})]
    ),
    "x if x > 0 else alpha * x.",
)
_reg(
    "Elu",
    "elu",
    _unary_infer(FLOAT),
    lambda xp, x, a: xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0))),
    _elu_grad,
    _act_samples(),
    "x if x > 0 else exp(x) - 1.",
)
_reg(
    "Softplus",
    "softplus",
    _unary_infer(FLOAT),
    lambda xp, x, a: _softplus(xp, x),
    _softplus_grad,
    _act_samples(()),
    "log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)).",
)
_reg(
    "Softmax",
    "softmax",
    _unary_infer(FLOAT),
    lambda xp, x, a: _softmax(xp, x, int(a["axis"])),
    _softmax_grad,
    _softmax_samples,
    "exp(x) / sum(exp(x)) along `axis`, with the max subtracted first.",
)
_reg(
    "LogSoftmax",
    "log_softmax",
    _unary_infer(FLOAT),
    lambda xp, x, a: _log_softmax(xp, x, int(a["axis"])),
    _log_softmax_grad,
    _softmax_samples,
    "x - log(sum(exp(x))) along `axis`, with the max subtracted first.",
)


# --- builders -------------------------------------------------------------------------------------


def relu(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.relu(features)`: max(features, 0)."""
    return make_tensor("Relu", [_t(features)], {}, name or "Relu")


def relu6(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.relu6(features)`: min(max(features, 0), 6)."""
    return make_tensor("Relu6", [_t(features)], {}, name or "Relu6")


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.leaky_relu(features, alpha=0.2)`: features if positive, else alpha * features."""
    return make_tensor("LeakyRelu", [_t(features)], {"alpha": float(alpha)}, name or "LeakyRelu")


def elu(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.elu(features)`: features if positive, else exp(features) - 1."""
    return make_tensor("Elu", [_t(features)], {}, name or "Elu")


def selu(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.selu(features)`: scale * elu(features, alpha), Klambauer et al. constants."""
    from graphdl.ops.math import scalar_mul

    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    x = _t(features)
    with x.graph.name_scope(name or "Selu"):
        e = elu(x)
        return scale * _where(x > 0, x, scalar_mul(alpha, e))  # type: ignore[no-any-return]


def softplus(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.softplus(features)`: log(exp(features) + 1), stable for large |features|."""
    return make_tensor("Softplus", [_t(features)], {}, name or "Softplus")


def softsign(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.softsign(features)`: features / (|features| + 1)."""
    from graphdl.ops.math import abs as abs_

    x = _t(features)
    with x.graph.name_scope(name or "Softsign"):
        return x / (abs_(x) + 1.0)  # type: ignore[no-any-return]


def softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Tensor:
    """TF1 `tf.nn.softmax(logits, axis=None)`: exp(logits) / sum(exp(logits)) along axis (default -1)."""
    return make_tensor("Softmax", [_t(logits)], {"axis": _pick_axis(axis, dim)}, name or "Softmax")


def log_softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Tensor:
    """TF1 `tf.nn.log_softmax(logits, axis=None)`: logits - log(sum(exp(logits))) along axis."""
    return make_tensor("LogSoftmax", [_t(logits)], {"axis": _pick_axis(axis, dim)}, name or "LogSoftmax")
