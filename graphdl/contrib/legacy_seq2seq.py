"""TF1's `tf.contrib.legacy_seq2seq`: the list-of-tensors seq2seq models and losses, from public ops.

Built on graphdl's RNN cells and variable scopes, so autodiff and both backends work unchanged.
Variable names follow TF 1.15's (`embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding`,
`.../embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/kernel`, ...). Where TF1 deep-copies
the cell for the encoder (`copy.deepcopy(cell)`), graphdl makes an unbuilt copy of it: the encoder
gets its own variables and the graph is never copied.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from graphdl import nest
from graphdl.contrib.attention_seq2seq import (
    attention_decoder,
    embedding_attention_decoder,
    embedding_attention_seq2seq,
)
from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.rnn.cells import RNNCell
from graphdl.rnn.projection_wrappers import EmbeddingWrapper, OutputProjectionWrapper
from graphdl.tensor import Tensor

__all__ = [
    "rnn_decoder",
    "basic_rnn_seq2seq",
    "tied_rnn_seq2seq",
    "embedding_rnn_decoder",
    "embedding_rnn_seq2seq",
    "attention_decoder",
    "embedding_attention_decoder",
    "embedding_attention_seq2seq",
    "sequence_loss_by_example",
    "sequence_loss",
    "model_with_buckets",
]


# --- cells ------------------------------------------------------------------------------------------


def _fresh_copy(cell: Any) -> Any:
    """A copy of `cell` (and the cells it wraps) with no variables yet: TF1's `copy.deepcopy(cell)`."""
    new = copy.copy(cell)
    if getattr(new, "_vars", None) is not None:
        new._vars = None
        new._scope_name = None
    if isinstance(getattr(new, "_cell", None), RNNCell):
        new._cell = _fresh_copy(new._cell)
    if isinstance(getattr(new, "_cells", None), list):
        new._cells = [_fresh_copy(c) for c in new._cells]
    return new


def _check_list(api: str, what: str, value: Any) -> list[Any]:
    if not isinstance(value, list | tuple) or not value:
        raise get_default_graph().located_error(
            GraphError, api, f"{what} must be a non-empty list of tensors"
        )
    return list(value)


# --- decoders and models ----------------------------------------------------------------------------


def rnn_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    cell: Any,
    loop_function: Callable[[Tensor, int], Any] | None = None,
    scope: Any = None,
) -> tuple[list[Tensor], Any]:
    """TF1 `rnn_decoder`: runs `cell` over the inputs from `initial_state`; with `loop_function`,
    input i > 0 is loop_function(output i - 1, i) (greedy decoding)."""
    from graphdl.variable_scope import get_variable_scope, variable_scope

    inputs = _check_list("rnn_decoder", "decoder_inputs", list(decoder_inputs))
    with variable_scope(scope or "rnn_decoder"):
        state = initial_state
        outputs: list[Tensor] = []
        prev = None
        for i, inp in enumerate(inputs):
            if loop_function is not None and prev is not None:
                with variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def basic_rnn_seq2seq(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    cell: Any,
    dtype: Any = None,
    scope: Any = None,
) -> tuple[list[Tensor], Any]:
    """TF1 `basic_rnn_seq2seq`: an encoder (a copy of the cell, own variables) feeds its state to the decoder."""
    from graphdl.dtypes import float32
    from graphdl.rnn.static import static_rnn
    from graphdl.variable_scope import variable_scope

    enc = _check_list("basic_rnn_seq2seq", "encoder_inputs", list(encoder_inputs))
    with variable_scope(scope or "basic_rnn_seq2seq"):
        _, enc_state = static_rnn(_fresh_copy(cell), enc, dtype=dtype or float32)
        return rnn_decoder(decoder_inputs, enc_state, cell)


def tied_rnn_seq2seq(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    cell: Any,
    loop_function: Callable[[Tensor, int], Any] | None = None,
    dtype: Any = None,
    scope: Any = None,
) -> tuple[list[Tensor], Any]:
    """TF1 `tied_rnn_seq2seq`: encoder and decoder share the cell and its variables."""
    from graphdl.dtypes import float32
    from graphdl.rnn.static import static_rnn
    from graphdl.variable_scope import get_variable_scope, variable_scope

    enc = _check_list("tied_rnn_seq2seq", "encoder_inputs", list(encoder_inputs))
    with variable_scope("combined_tied_rnn_seq2seq"):
        scope = scope or "tied_rnn_seq2seq"
        _, enc_state = static_rnn(cell, enc, dtype=dtype or float32, scope=scope)
        get_variable_scope().reuse_variables()
        return rnn_decoder(decoder_inputs, enc_state, cell, loop_function=loop_function, scope=scope)


def _extract_argmax_and_embed(
    embedding: Any, output_projection: Any = None, update_embedding: bool = True
) -> Callable[[Tensor, int], Tensor]:
    """The greedy loop function: embed argmax(previous output [@ W + b])."""
    from graphdl.ops import array
    from graphdl.ops.nn import xw_plus_b
    from graphdl.ops.nn_extra import embedding_lookup
    from graphdl.ops.reduce import argmax

    def loop_function(prev: Tensor, _: int) -> Tensor:
        if output_projection is not None:
            prev = xw_plus_b(prev, output_projection[0], output_projection[1])
        emb_prev = embedding_lookup(embedding, argmax(prev, 1))
        return array.stop_gradient(emb_prev) if not update_embedding else emb_prev

    return loop_function


def embedding_rnn_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    cell: Any,
    num_symbols: int,
    embedding_size: int,
    output_projection: Any = None,
    feed_previous: bool = False,
    update_embedding_for_previous: bool = True,
    scope: Any = None,
) -> tuple[list[Tensor], Any]:
    """TF1 `embedding_rnn_decoder`: embeds the int decoder inputs (variable `embedding`) and decodes."""
    from graphdl.ops.nn_extra import embedding_lookup
    from graphdl.variable_scope import get_variable, variable_scope

    graph = get_default_graph()
    with variable_scope(scope or "embedding_rnn_decoder") as vs:
        if output_projection is not None:
            w = convert_to_tensor(output_projection[0], dtype=vs.dtype)
            b = convert_to_tensor(output_projection[1], dtype=vs.dtype)
            if not (
                w.shape.is_compatible_with([None, num_symbols]) and b.shape.is_compatible_with([num_symbols])
            ):
                raise graph.located_error(
                    ShapeError,
                    "embedding_rnn_decoder",
                    f"output_projection must be (W [?, {num_symbols}], B [{num_symbols}]), got {w.shape} and {b.shape}",
                )
            output_projection = (w, b)
        embedding = get_variable("embedding", [int(num_symbols), int(embedding_size)])
        loop = (
            _extract_argmax_and_embed(embedding, output_projection, update_embedding_for_previous)
            if feed_previous
            else None
        )
        emb_inp = [embedding_lookup(embedding, i) for i in decoder_inputs]
        return rnn_decoder(emb_inp, initial_state, cell, loop_function=loop)


def embedding_rnn_seq2seq(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    cell: Any,
    num_encoder_symbols: int,
    num_decoder_symbols: int,
    embedding_size: int,
    output_projection: Any = None,
    feed_previous: Any = False,
    dtype: Any = None,
    scope: Any = None,
) -> tuple[list[Tensor], Any]:
    """TF1 `embedding_rnn_seq2seq`: embedded encoder (own copy of the cell) -> embedded decoder; the
    decoder projects to num_decoder_symbols unless output_projection is given. A tensor
    feed_previous builds both decoders (shared variables) and selects with tf.cond."""
    from graphdl.control_flow import cond
    from graphdl.ops import array
    from graphdl.rnn.static import static_rnn
    from graphdl.variable_scope import get_variable_scope, variable_scope

    enc = _check_list("embedding_rnn_seq2seq", "encoder_inputs", list(encoder_inputs))
    dec = _check_list("embedding_rnn_seq2seq", "decoder_inputs", list(decoder_inputs))
    with variable_scope(scope or "embedding_rnn_seq2seq") as vs:
        if dtype is not None:
            vs.set_dtype(dtype)
        else:
            dtype = vs.dtype
        encoder_cell = EmbeddingWrapper(_fresh_copy(cell), num_encoder_symbols, embedding_size)
        # graphdl's static_rnn takes [batch, depth] inputs: ids go in as [batch, 1] (the wrapper flattens them)
        enc = [array.reshape(e, [-1, 1]) for e in enc]
        _, encoder_state = static_rnn(encoder_cell, enc, dtype=dtype)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
        if isinstance(feed_previous, bool):
            return embedding_rnn_decoder(
                dec,
                encoder_state,
                cell,
                num_decoder_symbols,
                embedding_size,
                output_projection=output_projection,
                feed_previous=feed_previous,
            )

        def decoder(feed: bool) -> list[Tensor]:
            with variable_scope(get_variable_scope(), reuse=None if feed else True):
                outputs, state = embedding_rnn_decoder(
                    dec,
                    encoder_state,
                    cell,
                    num_decoder_symbols,
                    embedding_size,
                    output_projection=output_projection,
                    feed_previous=feed,
                    update_embedding_for_previous=False,
                )
            return list(outputs) + list(nest.flatten(state))

        both = cond(feed_previous, lambda: decoder(True), lambda: decoder(False))
        state = nest.pack(encoder_state, list(both[len(dec) :]))
        return list(both[: len(dec)]), state


# --- losses -----------------------------------------------------------------------------------------


def sequence_loss_by_example(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    softmax_loss_function: Callable[..., Any] | None = None,
    name: str | None = None,
) -> Tensor:
    """TF1 `sequence_loss_by_example`: per-example sum over time of weighted cross-entropy, divided
    by the summed weights (+1e-12) when average_across_timesteps."""
    from graphdl.ops import array
    from graphdl.ops.math import add, add_n, divide, multiply
    from graphdl.ops.xent import sparse_softmax_cross_entropy_with_logits

    graph = get_default_graph()
    api = "sequence_loss_by_example"
    for what, v in (("logits", logits), ("targets", targets), ("weights", weights)):
        if not isinstance(v, list | tuple):
            raise graph.located_error(
                GraphError, api, f"{what} must be a list of tensors, got {type(v).__name__}"
            )
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise graph.located_error(
            ShapeError,
            api,
            f"lengths of logits, weights, and targets must be the same {len(logits)}, {len(weights)}, {len(targets)}",
        )
    if not logits:
        raise graph.located_error(ShapeError, api, "logits must not be empty")
    with graph.name_scope(name or "sequence_loss_by_example"):
        terms = []
        for logit, target, weight in zip(logits, targets, weights, strict=True):
            if softmax_loss_function is None:
                crossent = sparse_softmax_cross_entropy_with_logits(
                    labels=array.reshape(target, [-1]), logits=logit
                )
            else:
                crossent = convert_to_tensor(softmax_loss_function(labels=target, logits=logit))
            terms.append(multiply(crossent, weight))
        log_perps = add_n(terms) if len(terms) > 1 else terms[0]
        if average_across_timesteps:
            ws = [convert_to_tensor(w, dtype=log_perps.dtype) for w in weights]
            total = add(add_n(ws) if len(ws) > 1 else ws[0], convert_to_tensor(1e-12, dtype=log_perps.dtype))
            log_perps = divide(log_perps, total)
    return log_perps


def sequence_loss(
    logits: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    average_across_timesteps: bool = True,
    average_across_batch: bool = True,
    softmax_loss_function: Callable[..., Any] | None = None,
    name: str | None = None,
) -> Tensor:
    """TF1 `legacy_seq2seq.sequence_loss`: the summed per-example loss, divided by the batch size
    when average_across_batch."""
    from graphdl.ops import array
    from graphdl.ops.math import cast, divide
    from graphdl.ops.reduce import reduce_sum

    graph = get_default_graph()
    with graph.name_scope(name or "sequence_loss"):
        cost = reduce_sum(
            sequence_loss_by_example(
                logits,
                targets,
                weights,
                average_across_timesteps=average_across_timesteps,
                softmax_loss_function=softmax_loss_function,
            )
        )
        if average_across_batch:
            batch_size = array.shape(convert_to_tensor(targets[0]))[0]
            return divide(cost, cast(batch_size, cost.dtype))
        return cost


def model_with_buckets(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    targets: Sequence[Any],
    weights: Sequence[Any],
    buckets: Sequence[tuple[int, int]],
    seq2seq: Callable[[list[Any], list[Any]], tuple[list[Tensor], Any]],
    softmax_loss_function: Callable[..., Any] | None = None,
    per_example_loss: bool = False,
    name: str | None = None,
) -> tuple[list[list[Tensor]], list[Tensor]]:
    """TF1 `model_with_buckets`: one seq2seq model per (input, output) bucket, variables shared."""
    from graphdl.variable_scope import get_variable_scope, variable_scope

    graph = get_default_graph()
    api = "model_with_buckets"
    if not buckets:
        raise graph.located_error(
            GraphError, api, "buckets must be a non-empty list of (input, output) sizes"
        )
    for what, seq, need in (
        ("encoder_inputs", encoder_inputs, buckets[-1][0]),
        ("targets", targets, buckets[-1][1]),
        ("weights", weights, buckets[-1][1]),
    ):
        if len(seq) < need:
            raise graph.located_error(
                ShapeError,
                api,
                f"length of {what} ({len(seq)}) must be at least that of last bucket ({need})",
            )
    losses: list[Tensor] = []
    outputs: list[list[Tensor]] = []
    with graph.name_scope(name or "model_with_buckets"):
        for j, (n_in, n_out) in enumerate(buckets):
            with variable_scope(get_variable_scope(), reuse=True if j > 0 else None):
                bucket_outputs, _ = seq2seq(list(encoder_inputs[:n_in]), list(decoder_inputs[:n_out]))
                outputs.append(list(bucket_outputs))
                loss_fn = sequence_loss_by_example if per_example_loss else sequence_loss
                losses.append(
                    loss_fn(
                        outputs[-1],
                        list(targets[:n_out]),
                        list(weights[:n_out]),
                        softmax_loss_function=softmax_loss_function,
                    )
                )
    return outputs, losses
