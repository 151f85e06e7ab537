"""Norm clipping: global_norm, clip_by_global_norm and clip_by_norm, composites of public ops written
as TF1 writes them (so the graphs, their gradients and their numbers match TF1's).

The usual use clips the gradients before applying them:
`grads, _ = tf.clip_by_global_norm(grads, 5.0)` then `optimizer.apply_gradients(zip(grads, vars))`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = ["global_norm", "clip_by_global_norm", "clip_by_norm"]


def _tensor_list(t_list: Any, api: str) -> list[Tensor | None]:
    """The entries of t_list as tensors (None stays None); TF1 refuses anything but a sequence."""
    if not isinstance(t_list, Sequence) or isinstance(t_list, str | bytes):
        raise TypeError(f"{api}: t_list should be a sequence of tensors, got {type(t_list).__name__}")
    return [None if t is None else convert_to_tensor(t) for t in t_list]


def global_norm(t_list: Sequence[Any], name: str | None = None) -> Tensor:
    """TF1 `tf.global_norm(t_list)`: sqrt(sum of the squared L2 norms of the tensors); None entries are skipped."""
    from graphdl.ops.joining import stack
    from graphdl.ops.math import multiply
    from graphdl.ops.nn import l2_loss
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.state import constant
    from graphdl.ops.unary import sqrt

    values = _tensor_list(t_list, "global_norm")
    graph = get_default_graph()
    present = [v for v in values if v is not None]
    if not present:
        raise graph.located_error(GraphError, "global_norm", "t_list holds no tensors (every entry is None)")
    with graph.name_scope(name or "global_norm"):
        half_squared = reduce_sum(stack([l2_loss(v) for v in present]))
        two = constant(2.0, dtype=half_squared.dtype, name="Const")
        return sqrt(multiply(half_squared, two), name="global_norm")


def clip_by_global_norm(
    t_list: Sequence[Any], clip_norm: Any, use_norm: Any = None, name: str | None = None
) -> tuple[list[Tensor | None], Tensor]:
    """TF1 `tf.clip_by_global_norm(t_list, clip_norm, use_norm=None)`: (clipped list, global norm).

    Each tensor becomes t * clip_norm / max(global_norm, clip_norm); None entries pass through, and a
    global norm of inf or NaN makes every entry NaN, as in TF1."""
    from graphdl.ops.array import identity
    from graphdl.ops.math import minimum
    from graphdl.ops.state import constant

    values = _tensor_list(t_list, "clip_by_global_norm")
    norm = global_norm(values, name) if use_norm is None else convert_to_tensor(use_norm)
    graph = get_default_graph()
    with graph.name_scope(name or "clip_by_global_norm") as scope:
        one = constant(1.0, dtype=norm.dtype, name="Const")
        scale = clip_norm * minimum(1.0 / norm, one / clip_norm)
        scale = scale + (norm - norm)  # NaN when the norm is inf or NaN
        base = scope.rstrip("/").rsplit("/", 1)[-1]
        clipped = [
            None if v is None else identity(v * scale, name=f"{base}_{i}") for i, v in enumerate(values)
        ]
    return clipped, norm


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """TF1 `tf.clip_by_norm(t, clip_norm, axes=None)`: t * clip_norm / max(l2norm(t over axes), clip_norm)."""
    from graphdl.ops.array import identity
    from graphdl.ops.creation import ones_like
    from graphdl.ops.logic import greater
    from graphdl.ops.math import maximum
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.selection import where
    from graphdl.ops.unary import sqrt

    graph = get_default_graph()
    with graph.name_scope(name or "clip_by_norm") as scope:
        x = convert_to_tensor(t)
        l2sum = reduce_sum(x * x, axes, keepdims=True)
        pred = greater(l2sum, 0)
        # the two-sided where keeps the gradient finite where the norm is 0
        l2sum_safe = where(pred, l2sum, ones_like(l2sum))
        l2norm = where(pred, sqrt(l2sum_safe), l2sum)
        intermediate = x * clip_norm
        if not x.shape.is_compatible_with(intermediate.shape):
            raise graph.located_error(
                ShapeError,
                "clip_by_norm",
                f"clip_norm must broadcast to t's shape {x.shape.short()}, got {intermediate.shape.short()}",
            )
        return identity(intermediate / maximum(l2norm, clip_norm), name=scope)
