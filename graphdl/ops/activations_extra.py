"""More `tf.nn` activations and losses, built from public ops: crelu, swish, relu_layer,
log_poisson_loss and zero_fraction.

Each is a composite with TF1's formula (so its gradient is the composition's, and a drawing shows
the pieces a student would write by hand), grouped under a name scope named as TF1 names it.
"""

from __future__ import annotations

import math
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import float32
from graphdl.errors import DTypeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = ["crelu", "swish", "relu_layer", "log_poisson_loss", "zero_fraction"]


def _float_input(x: Any, api: str, what: str = "features") -> Tensor:
    """`x` as a Tensor, a located DTypeError naming `api` when it is not floating."""
    t = convert_to_tensor(x)
    if not t.dtype.is_floating:
        raise get_default_graph().located_error(
            DTypeError, api, f"{what} must be a floating tensor, got {t.dtype.name}"
        )
    return t


def crelu(features: Any, name: str | None = None, axis: int = -1) -> Tensor:
    """TF1 `tf.nn.crelu(features, name=None, axis=-1)`: relu(concat([x, -x], axis)), the
    concatenated ReLU that keeps both signs (TF1's argument order)."""
    from graphdl.ops.activations import relu
    from graphdl.ops.joining import concat
    from graphdl.ops.unary import negative

    x = _float_input(features, "crelu")
    with x.graph.name_scope(name or "CRelu") as scope:
        return relu(concat([x, negative(x)], axis), name=scope)


def swish(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.swish(features)`: sigmoid(x) * x (Ramachandran et al. 2017)."""
    from graphdl.ops.math import multiply
    from graphdl.ops.unary import sigmoid

    x = _float_input(features, "swish")
    with x.graph.name_scope(name or "swish") as scope:
        return multiply(x, sigmoid(x), name=scope)


def relu_layer(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.relu_layer(x, weights, biases)`: relu(matmul(x, weights) + biases)."""
    from graphdl.ops.activations import relu
    from graphdl.ops.linalg import matmul
    from graphdl.ops.nn import bias_add

    xt = _float_input(x, "relu_layer", "x")
    with xt.graph.name_scope(name or "relu_layer") as scope:
        return relu(bias_add(matmul(xt, weights), biases), name=scope)


def log_poisson_loss(
    targets: Any, log_input: Any, compute_full_loss: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.nn.log_poisson_loss`: exp(log_input) - log_input * targets, plus (with
    `compute_full_loss`) the Stirling term t * log(t) - t + 0.5 * log(2 * pi * t) where t > 1."""
    from graphdl.errors import ShapeError
    from graphdl.ops.creation import zeros_like
    from graphdl.ops.logic import greater, less, logical_or
    from graphdl.ops.math import add, multiply, subtract
    from graphdl.ops.selection import where
    from graphdl.ops.unary import exp, log

    graph = get_default_graph()
    with graph.name_scope(name or "log_poisson_loss") as scope:
        li = _float_input(log_input, "log_poisson_loss", "log_input")
        t = convert_to_tensor(targets, dtype=li.dtype, name="targets")
        if t.dtype != li.dtype:
            raise graph.located_error(
                DTypeError, "log_poisson_loss",
                f"targets ({t.dtype.name}) and log_input ({li.dtype.name}) must have the same dtype",
            )  # fmt: skip
        if not t.shape.is_compatible_with(li.shape):
            raise graph.located_error(
                ShapeError, "log_poisson_loss",
                f"log_input shape {li.shape.short()} and targets shape {t.shape.short()} are incompatible",
            )  # fmt: skip
        result = subtract(exp(li), multiply(li, t))
        if not compute_full_loss:
            return _named(result, scope)
        # TF1 adds the term where targets lie outside [0, 1] (log(0) there would be -inf).
        stirling = add(subtract(multiply(t, log(t)), t), multiply(0.5, log(multiply(2.0 * math.pi, t))))
        outside = logical_or(greater(t, 1.0), less(t, 0.0))
        return add(result, where(outside, stirling, zeros_like(t)), name=scope)


def _named(t: Tensor, scope: str) -> Tensor:
    """`t` behind an identity named like the scope (TF1 names a composite's result after it)."""
    from graphdl.ops.array import identity

    return identity(t, name=scope)


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.zero_fraction(value)`: the fraction of entries equal to zero, as float32."""
    from graphdl.ops.logic import equal
    from graphdl.ops.math import cast
    from graphdl.ops.reduce import reduce_mean

    v = convert_to_tensor(value)
    with v.graph.name_scope(name or "zero_fraction") as scope:
        zero = convert_to_tensor(0, dtype=v.dtype)
        return reduce_mean(cast(equal(v, zero), float32), name=scope)
