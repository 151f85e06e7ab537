"""TF1's `tf.contrib.seq2seq`: `sequence_loss` (TF 1.15's, with the sum_over_* flags), from public ops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.math import div_no_nan
from graphdl.tensor import Tensor

__all__ = ["sequence_loss"]


def sequence_loss(
    logits: Any,
    targets: Any,
    weights: Any,
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    sum_over_timesteps: bool = False,
    sum_over_batch: bool = False,
    softmax_loss_function: Callable[..., Any] | None = None,
    name: str | None = None,
) -> Tensor:
    """TF1 `tf.contrib.seq2seq.sequence_loss`: weighted cross-entropy of [batch, time, classes] logits.

    Averages divide by the summed weights, sums by the count of non-zero weights (0 where that is 0).
    """
    from graphdl.ops import array
    from graphdl.ops.math import cast, multiply
    from graphdl.ops.reduce import count_nonzero, reduce_sum
    from graphdl.ops.xent import sparse_softmax_cross_entropy_with_logits

    graph = get_default_graph()
    api = "sequence_loss"
    logits, targets, weights = (convert_to_tensor(v) for v in (logits, targets, weights))
    for t, rank, what in (
        (logits, 3, "logits must be a [batch_size x sequence_length x logits] tensor"),
        (targets, 2, "targets must be a [batch_size x sequence_length] tensor"),
        (weights, 2, "weights must be a [batch_size x sequence_length] tensor"),
    ):
        if t.shape.ndims != rank:
            raise graph.located_error(ShapeError, api, f"{what}, got shape {t.shape}")
    if average_across_timesteps and sum_over_timesteps:
        raise graph.located_error(
            GraphError,
            api,
            "average_across_timesteps and sum_over_timesteps cannot be set to True at same time",
        )
    if average_across_batch and sum_over_batch:
        raise graph.located_error(
            GraphError, api, "average_across_batch and sum_over_batch cannot be set to True at same time"
        )
    with graph.name_scope(name or "sequence_loss"):
        shape = array.shape(logits)
        logits_flat = array.reshape(logits, array.stack([convert_to_tensor(-1, dtype=shape.dtype), shape[2]]))
        flat_targets = array.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = sparse_softmax_cross_entropy_with_logits(labels=flat_targets, logits=logits_flat)
        else:
            crossent = convert_to_tensor(softmax_loss_function(labels=flat_targets, logits=logits_flat))
        crossent = multiply(crossent, array.reshape(weights, [-1]))
        if average_across_timesteps and average_across_batch:
            return div_no_nan(reduce_sum(crossent), reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            return div_no_nan(reduce_sum(crossent), cast(count_nonzero(weights), crossent.dtype))
        crossent = array.reshape(crossent, shape[0:2])
        if average_across_timesteps or average_across_batch:
            axis = [0] if average_across_batch else [1]
            return div_no_nan(reduce_sum(crossent, axis=axis), reduce_sum(weights, axis=axis))
        if sum_over_timesteps or sum_over_batch:
            axis = [0] if sum_over_batch else [1]
            count = cast(count_nonzero(weights, axis=axis), crossent.dtype)
            return div_no_nan(reduce_sum(crossent, axis=axis), count)
        return crossent
