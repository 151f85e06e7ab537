"""Helpers shared by the `tf.nn` op families (`activations`, `xent`, `nn`).

Registration of an op whose kernel is written once against an array namespace, tensor conversion,
the stop-gradient used by the stable kernels (the subtracted max carries no
gradient under jax), and the axis checks that softmax and the softmax cross-entropies share.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.registry import register
from graphdl.tensor import Tensor


def _t(x: Any, dtype: Any = None) -> Tensor:
    """An op input as a Tensor (Python values and arrays become constants)."""
    return convert_to_tensor(x, dtype=dtype)


def _stop(xp: Any) -> Callable[[Any], Any]:
    """stop_gradient under jax, the identity under NumPy (evaluate has no autodiff)."""
    return jax.lax.stop_gradient if xp is jnp else (lambda v: v)


def _axis_in(rank: int | None, axis: int) -> int:
    """`axis` normalised to [0, rank), or a ShapeError when it is out of range."""
    if rank is None:
        return axis
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def _pick_axis(axis: Any, dim: Any, default: int = -1) -> int:
    """The axis of a softmax-style builder, given as TF1's `axis` or its older spelling `dim`."""
    if axis is not None and dim is not None and axis != dim:
        raise get_default_graph().located_error(ShapeError, "softmax", "give axis or dim, not both")
    a = axis if axis is not None else dim
    return default if a is None else int(a)


def register_xp(op: str, api: str, infer: Any, kernel: Callable[..., Any], gradient: Any, samples: Any,
                doc: str, module: str) -> None:  # fmt: skip
    """Register `op` with `kernel(xp, *inputs, attrs)` as both rules: NumPy for evaluate, jax for lower."""
    register(
        op,
        api_name=api,
        infer=infer,
        evaluate=lambda inputs, attrs, ctx: kernel(np, *inputs, attrs),
        lower=lambda inputs, attrs, ctx: kernel(jnp, *inputs, attrs),
        gradient=gradient,
        differentiable=gradient is not None,
        samples=samples,
        doc=doc,
        module=module,
    )
