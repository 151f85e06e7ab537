"""Sampled losses: TF1's nce_loss and sampled_softmax_loss, composites of public graphdl ops.

Both follow TF1's `_compute_sampled_logits`: the rows of `weights`/`biases` of the true labels and of
the sampled classes are looked up together, the true logits are row-wise dot products, the sampled
logits a matmul; accidental hits (a sampled class that is a true class of the row) get -FLT_MAX added;
log(expected count) is subtracted from every logit (the "log Q" correction); the labels are 1/num_true
for the true columns and 0 for the sampled ones. nce_loss sums sigmoid cross-entropies over a row,
sampled_softmax_loss takes one softmax cross-entropy per row. The sampler's outputs are behind
stop_gradient, so autodiff and both backends need no gradient code of their own.

Accidental hits are found as a dense [batch, num_sampled] mask (static shapes, so it compiles), with
TF1's rule: a true class hits only the last position of the sampled vector holding that id.
`weights` and `biases` may be lists of shards, split as `embedding_lookup` splits them ("mod": id
goes to shard id % n, row id // n; "div": contiguous blocks, the first total % n shards one row
longer); each shard's lookup is masked and the pieces are added.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor, is_tensor_like
from graphdl.dtypes import int64
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = ["nce_loss", "sampled_softmax_loss"]

FLT_MAX = float(np.finfo(np.float32).max)


def _shards(x: Any, what: str, api: str) -> list[Tensor]:
    """A tensor or a list of shards as a list of tensors."""
    items = list(x) if isinstance(x, list | tuple) else [x]
    if not items:
        raise get_default_graph().located_error(GraphError, api, f"{what} is an empty list")
    return [convert_to_tensor(v, name=what) for v in items]


def _lookup(params: list[Tensor], ids: Tensor, strategy: str, what: str, api: str) -> Tensor:
    """embedding_lookup over one tensor or over shards split TF1's way (a masked gather per shard)."""
    from graphdl.ops import array, math
    from graphdl.ops.creation import zeros_like
    from graphdl.ops.nn_extra import embedding_lookup

    graph = get_default_graph()
    if len(params) == 1:
        return embedding_lookup(params[0], ids)
    n = len(params)
    sizes = [p.shape.dims[0] if p.shape.dims else None for p in params]
    if any(d is None for d in sizes):
        raise graph.located_error(ShapeError, api, f"the shards of {what} need known first dimensions")
    if strategy == "mod":
        shard = math.floormod(ids, n)
        row = math.floordiv(ids, n)
    elif strategy == "div":
        total = int(sum(sizes))  # type: ignore[arg-type]
        per, extras = divmod(total, n)
        if per == 0:
            raise graph.located_error(ShapeError, api, f"{n} shards of {what} hold only {total} rows")
        shard = math.maximum(math.floordiv(ids, per + 1), math.floordiv(ids - extras, per))
        row = array.where(
            math.less(shard, extras), math.floormod(ids, per + 1), math.floormod(ids - extras, per)
        )
    else:
        raise graph.located_error(
            GraphError, api, f"partition_strategy must be 'mod' or 'div', got {strategy!r}"
        )
    parts = []
    for s, (p, size) in enumerate(zip(params, sizes, strict=True)):
        rows = math.minimum(math.maximum(row, 0), int(size) - 1)  # type: ignore[arg-type]
        g = array.gather(p, rows)
        parts.append(array.where(math.equal(shard, s), g, zeros_like(g)))
    return math.add_n(parts)


def _hit_mask(labels: Tensor, sampled: Tensor, num_sampled: int) -> Tensor:
    """[batch, num_sampled] bool: sampled[j] is a true class of the row and j its last position."""
    from graphdl.ops import array, logic, math, reduce

    eq = math.equal(array.expand_dims(labels, 2), array.reshape(sampled, [1, 1, num_sampled]))
    hit = reduce.reduce_any(eq, axis=1)
    same = math.equal(array.expand_dims(sampled, 1), array.expand_dims(sampled, 0))
    later = np.triu(np.ones((num_sampled, num_sampled), bool), k=1)  # [j, j'] with j' > j
    seen_later = reduce.reduce_any(logic.logical_and(same, convert_to_tensor(later)), axis=1)
    return logic.logical_and(hit, array.expand_dims(logic.logical_not(seen_later), 0))


def _compute_sampled_logits(
    weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int, num_true: int,
    sampled_values: Any, subtract_log_q: bool, remove_accidental_hits: bool, partition_strategy: str,
    seed: int | None, api: str,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """TF1's (logits, labels) of the true and sampled classes, [batch, num_true + num_sampled] each."""
    from graphdl.ops import array, math, reduce
    from graphdl.ops.candidate_sampling import log_uniform_candidate_sampler
    from graphdl.ops.creation import ones_like, zeros_like

    graph = get_default_graph()
    for what, v in (("num_sampled", num_sampled), ("num_classes", num_classes), ("num_true", num_true)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise graph.located_error(GraphError, api, f"{what} must be a positive integer, got {v!r}")
    ws = _shards(weights, "weights", api)
    bs = _shards(biases, "biases", api)
    x = convert_to_tensor(inputs, name="inputs")
    lab = convert_to_tensor(labels, name="labels")
    if not x.dtype.is_floating:
        raise graph.located_error(GraphError, api, f"inputs must be a floating tensor, got {x.dtype.name}")
    if x.shape.ndims not in (2, None):
        raise graph.located_error(ShapeError, api, f"inputs must be [batch_size, dim], got {x.shape.short()}")
    if not lab.dtype.is_integer:
        raise graph.located_error(GraphError, api, f"labels must be an integer tensor, got {lab.dtype.name}")
    if lab.shape.ndims not in (2, None):
        raise graph.located_error(
            ShapeError, api, f"labels must be [batch_size, num_true={num_true}], got {lab.shape.short()}"
        )
    if lab.shape.dims is not None and lab.shape.dims[1] not in (None, num_true):
        raise graph.located_error(
            ShapeError, api, f"labels {lab.shape.short()} do not have num_true={num_true} columns"
        )
    for w in ws:
        if w.shape.ndims not in (2, None):
            raise graph.located_error(
                ShapeError, api, f"weights must be [num_classes, dim], got {w.shape.short()}"
            )
    lab = math.cast(lab, int64) if lab.dtype != int64 else lab
    labels_flat = array.reshape(lab, [-1])
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(
            lab, num_true, num_sampled, True, num_classes, seed=seed
        )
    if not isinstance(sampled_values, list | tuple) or len(sampled_values) != 3:
        raise graph.located_error(
            GraphError,
            api,
            "sampled_values must be (sampled_candidates, true_expected_count, sampled_expected_count)",
        )
    sampled, true_exp, sampled_exp = (
        array.stop_gradient(v if is_tensor_like(v) else convert_to_tensor(v)) for v in sampled_values
    )
    if sampled.shape.ndims is not None and sampled.shape.as_list() not in ([num_sampled], [None]):
        raise graph.located_error(
            ShapeError,
            api,
            f"sampled candidates {sampled.shape.short()} are not a vector of num_sampled={num_sampled}",
        )
    sampled = math.cast(sampled, int64) if sampled.dtype != int64 else sampled
    # two lookups rather than TF1's one lookup and two slices: a slice whose begin depends on the
    # batch size would have no gradient on XLA, where shapes are static
    true_w = _lookup(ws, labels_flat, partition_strategy, "weights", api)
    sampled_w = _lookup(ws, sampled, partition_strategy, "weights", api)
    true_w, sampled_w = (math.cast(w, x.dtype) if w.dtype != x.dtype else w for w in (true_w, sampled_w))
    sampled_logits = math.matmul(x, sampled_w, transpose_b=True)
    true_b = _lookup(bs, labels_flat, partition_strategy, "biases", api)
    sampled_b = _lookup(bs, sampled, partition_strategy, "biases", api)
    true_b, sampled_b = (math.cast(b, x.dtype) if b.dtype != x.dtype else b for b in (true_b, sampled_b))

    dim = array.shape(true_w, out_type=int64)[1:2]
    true_w3 = array.reshape(true_w, array.concat([np.array([-1, num_true], np.int64), dim], 0))
    row_dots = math.multiply(array.expand_dims(x, 1), true_w3)
    true_logits = reduce.reduce_sum(row_dots, axis=2)
    true_logits = math.add(true_logits, array.reshape(true_b, [-1, num_true]))
    sampled_logits = math.add(sampled_logits, sampled_b)
    if remove_accidental_hits:
        mask = _hit_mask(lab, sampled, num_sampled)
        sampled_logits = array.where(mask, math.add(sampled_logits, -FLT_MAX), sampled_logits)
    if subtract_log_q:
        true_logits = math.subtract(true_logits, math.log(math.cast(true_exp, x.dtype)))
        sampled_logits = math.subtract(sampled_logits, math.log(math.cast(sampled_exp, x.dtype)))
    out_logits = array.concat([true_logits, sampled_logits], 1)
    out_labels = array.concat([ones_like(true_logits) / num_true, zeros_like(sampled_logits)], 1)
    return out_logits, out_labels


def nce_loss(
    weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
    num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = False,
    partition_strategy: str = "mod", name: str = "nce_loss",
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.nce_loss`: noise-contrastive estimation, one loss per example ([batch_size])."""
    from graphdl.ops import reduce
    from graphdl.ops.xent import sigmoid_cross_entropy_with_logits

    graph = get_default_graph()
    with graph.name_scope(name or "nce_loss") as scope:
        logits, labs = _compute_sampled_logits(
            weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
            True, remove_accidental_hits, partition_strategy, None, "nce_loss",
        )  # fmt: skip
        losses = sigmoid_cross_entropy_with_logits(labels=labs, logits=logits, name="sampled_losses")
        return reduce.reduce_sum(losses, axis=1, name=scope)  # type: ignore[no-any-return]


def sampled_softmax_loss(
    weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
    num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = True,
    partition_strategy: str = "mod", name: str = "sampled_softmax_loss", seed: int | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.sampled_softmax_loss`: softmax cross-entropy over the true and sampled classes ([batch_size])."""
    from graphdl.ops import array
    from graphdl.ops.xent import softmax_cross_entropy_with_logits_v2

    graph = get_default_graph()
    with graph.name_scope(name or "sampled_softmax_loss") as scope:
        logits, labs = _compute_sampled_logits(
            weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
            True, remove_accidental_hits, partition_strategy, seed, "sampled_softmax_loss",
        )  # fmt: skip
        labs = array.stop_gradient(labs, name="labels_stop_gradient")
        return softmax_cross_entropy_with_logits_v2(labels=labs, logits=logits, name=scope)  # type: ignore[no-any-return]
