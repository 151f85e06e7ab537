"""More of `tf.nn`: dropout, batch_normalization and embedding_lookup.

Dropout draws its mask with the `DropoutMask` op (kind random), which uses the counter-based
uniform generator of `graphdl.random_bits` like the random ops, so the interpreter and the compiled
graph drop the same elements. The rest are composites of public ops. (`moments` lives in
`graphdl.ops.nn`; the pooling ops in `graphdl.ops.pool`, re-exported by `graphdl.ops.conv`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl import random_bits as rb
from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, is_tensor_like
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import require_float, spec
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import as_shape
from graphdl.tensor import Tensor

__all__ = ["dropout", "batch_normalization", "embedding_lookup"]


# --- DropoutMask -------------------------------------------------------------------------------------


def _mask_shape(x_shape: Any, noise_shape: Any) -> list[Any]:
    if noise_shape is None:
        return list(x_shape)
    return [x_shape[i] if d is None else d for i, d in enumerate(noise_shape)]


def _mask_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, keep = inputs
    require_float(x, "x")
    if keep.dtype != x.dtype:
        raise DTypeError(f"keep_prob must be {x.dtype.name} like x, got {keep.dtype.name}")
    if keep.shape.ndims not in (0, None):
        raise ShapeError(f"keep_prob must be a scalar, got shape {keep.shape.short()}")
    ns = attrs.get("noise_shape")
    if ns is None:
        return [spec(x.shape, x.dtype)]
    if x.shape.ndims is not None and len(ns) != x.shape.ndims:
        raise ShapeError(f"noise_shape {ns} does not have the rank of x {x.shape.short()}")
    dims = x.shape.as_list() if x.shape.ndims is not None else [None] * len(ns)
    return [spec(_mask_shape(dims, ns), x.dtype)]


def _mask_rule(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x, keep = inputs
        shape = tuple(int(d) for d in _mask_shape(x.shape, attrs.get("noise_shape")))
        n = int(np.prod(shape, dtype=np.int64))
        key = rb.step_key(xp, rb.base_key(attrs["seed"], attrs["seed2"]), ctx.step)
        u = rb.uniform_float(xp, key, n, x.dtype)
        return xp.floor(xp.asarray(keep, x.dtype) + xp.reshape(u, shape))  # TF1: floor(keep_prob + U[0, 1))

    return rule


def _mask_samples(rng: np.random.Generator) -> list[Sample]:
    a = {"noise_shape": None, "seed": 3, "seed2": 4}
    return [
        Sample([np.zeros((4, 5), np.float32), np.float32(0.7)], a, grad_inputs=[]),  # type: ignore[list-item]
        Sample(
            [np.zeros((3, 2, 6)), np.float64(0.5)],  # type: ignore[list-item]
            {"noise_shape": [None, 1, 6], "seed": 1, "seed2": 9},
            grad_inputs=[],
        ),
        Sample([np.zeros((2, 3), np.float32), np.float32(1.0)], a, grad_inputs=[]),  # type: ignore[list-item]
        Sample([np.zeros((0, 3), np.float32), np.float32(0.5)], a, grad_inputs=[]),  # type: ignore[list-item]
    ]


register(
    "DropoutMask",
    api_name="dropout",
    kind="random",
    infer=_mask_infer,
    evaluate=_mask_rule(np),
    lower=_mask_rule(jnp),
    gradient=lambda node, grads: [None, None],  # the mask is constant in x (only its shape is used)
    samples=_mask_samples,
    doc="floor(keep_prob + U[0, 1)) in the shape of x (or noise_shape): 1 keeps an element, 0 drops it.",
)


def dropout(x: Any, keep_prob: Any = None, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None, rate: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.dropout(x, keep_prob)`: x / keep_prob where kept, 0 where dropped (or give `rate`)."""
    from graphdl.ops.math import multiply, realdiv, subtract
    from graphdl.ops.random import _op_seeds

    graph = get_default_graph()
    if (keep_prob is None) == (rate is None):
        raise graph.located_error(GraphError, "dropout", "give exactly one of keep_prob and rate")
    with graph.name_scope(name or "dropout") as scope:
        xt = convert_to_tensor(x, name="x")
        if not xt.dtype.is_floating:
            raise graph.located_error(
                DTypeError, "dropout", f"x must be a floating tensor, got {xt.dtype.name}"
            )
        given = keep_prob if keep_prob is not None else rate
        if not is_tensor_like(given):
            p = float(given)
            keep_v = p if keep_prob is not None else 1.0 - p
            if not 0.0 < keep_v <= 1.0:
                what = f"keep_prob {p}" if keep_prob is not None else f"rate {p}"
                raise graph.located_error(
                    ShapeError, "dropout", f"{what} must give a keep probability in (0, 1]"
                )
            if keep_v == 1.0:
                return xt
            keep = convert_to_tensor(keep_v, dtype=xt.dtype, name="keep_prob")
        elif keep_prob is not None:
            keep = convert_to_tensor(keep_prob, dtype=xt.dtype, name="keep_prob")
        else:
            keep = subtract(1.0, convert_to_tensor(rate, dtype=xt.dtype), name="keep_prob")
        ns = None
        if noise_shape is not None:
            ns = [None if d is None else int(d) for d in as_shape(noise_shape).as_list()]
        s1, s2 = _op_seeds(seed)
        attrs = {"noise_shape": ns, "seed": s1, "seed2": s2}
        if keep.shape.ndims not in (0, None):
            raise graph.located_error(
                ShapeError, "dropout", f"keep_prob must be a scalar, got shape {keep.shape.short()}"
            )
        mask = graph.create_op("DropoutMask", [xt, keep], attrs, name="mask").outputs[0]
        out = multiply(realdiv(xt, keep, name="div"), mask, name=scope)
        out.set_shape(xt.shape)  # as TF1: a keep_prob placeholder of unknown shape is still a scalar
        return out


# --- composites --------------------------------------------------------------------------------------


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any, variance_epsilon: float,
                        name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.batch_normalization`: scale * (x - mean) / sqrt(variance + eps) + offset."""
    from graphdl.ops.math import add, multiply, negative, rsqrt, subtract

    graph = get_default_graph()
    with graph.name_scope(name or "batchnorm") as scope:
        xt = convert_to_tensor(x)
        dt = xt.dtype
        m, v = convert_to_tensor(mean, dtype=dt), convert_to_tensor(variance, dtype=dt)
        inv = rsqrt(add(v, variance_epsilon))
        if scale is not None:
            inv = multiply(inv, convert_to_tensor(scale, dtype=dt))
        shift = (
            subtract(convert_to_tensor(offset, dtype=dt), multiply(m, inv))
            if offset is not None
            else negative(multiply(m, inv))
        )
        return add(multiply(xt, inv), shift, name=scope)


def embedding_lookup(params: Any, ids: Any, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.embedding_lookup(params, ids)`: rows of params (gather on axis 0)."""
    from graphdl.ops import array

    graph = get_default_graph()
    if isinstance(params, list | tuple):
        if len(params) != 1:
            raise graph.located_error(
                GraphError,
                "embedding_lookup",
                "partitioned params (a list of several tensors) are not supported",
            )
        params = params[0]
    if max_norm is not None:
        raise graph.located_error(GraphError, "embedding_lookup", "max_norm is not supported")
    with graph.name_scope(name or "embedding_lookup") as scope:
        return array.gather(params, ids, axis=0, name=scope)  # type: ignore[no-any-return]
