"""TF1's attention seq2seq in `tf.contrib.legacy_seq2seq`: attention_decoder,
embedding_attention_decoder and embedding_attention_seq2seq (Bahdanau-style attention over the
encoder's outputs, TF 1.15's variable names `AttnW_0`, `Attention_0/kernel`, ...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl import nest
from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.rnn.projection_wrappers import EmbeddingWrapper, OutputProjectionWrapper
from graphdl.tensor import Tensor


def _helpers() -> Any:
    from graphdl.contrib import legacy_seq2seq

    return legacy_seq2seq


__all__ = ["attention_decoder", "embedding_attention_decoder", "embedding_attention_seq2seq"]


def _linear(args: Sequence[Tensor], output_size: int, bias: bool = True) -> Tensor:
    """TF1's `_linear`: concat(args, 1) @ `kernel` (+ `bias`, zeros) with variables in the current scope."""
    from graphdl.initializers import zeros_initializer
    from graphdl.ops import array
    from graphdl.ops.math import matmul
    from graphdl.ops.nn import bias_add
    from graphdl.variable_scope import get_variable

    total = 0
    for a in args:
        d = a.shape.dims
        if d is None or len(d) != 2 or d[1] is None:
            raise get_default_graph().located_error(
                ShapeError, "linear", f"arguments must be [batch, depth] with a known depth, got {a.shape}"
            )
        total += int(d[1])
    dtype = args[0].dtype
    x = args[0] if len(args) == 1 else array.concat(list(args), 1)
    out = matmul(x, get_variable("kernel", [total, int(output_size)], dtype=dtype))
    if not bias:
        return out
    return bias_add(
        out, get_variable("bias", [int(output_size)], dtype=dtype, initializer=zeros_initializer())
    )


def attention_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    attention_states: Any,
    cell: Any,
    output_size: int | None = None,
    num_heads: int = 1,
    loop_function: Callable[[Tensor, int], Any] | None = None,
    dtype: Any = None,
    scope: Any = None,
    initial_state_attention: bool = False,
) -> tuple[list[Tensor], Any]:
    """TF1 `attention_decoder` (Bahdanau-style, arXiv:1412.7449): each step runs the cell on
    linear([input] + attentions), attends over attention_states [batch, length, size] with
    softmax(v . tanh(W h + U state)) per head, and outputs linear([cell output] + attentions)."""
    from graphdl.ops import array
    from graphdl.ops.activations import softmax
    from graphdl.ops.conv import conv2d
    from graphdl.ops.math import multiply
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.unary import tanh
    from graphdl.variable_scope import get_variable, get_variable_scope, variable_scope

    graph = get_default_graph()
    api = "attention_decoder"
    inputs = _helpers()._check_list(api, "decoder_inputs", list(decoder_inputs))
    if num_heads < 1:
        raise graph.located_error(GraphError, api, "with less than 1 heads, use a non-attention decoder")
    states = convert_to_tensor(attention_states)
    dims = states.shape.dims
    if dims is None or len(dims) != 3 or dims[2] is None or dims[1] is None:
        raise graph.located_error(
            ShapeError,
            api,
            f"attention_states must be [batch, length, size] with known length and size, got {states.shape}",
        )
    if output_size is None:
        output_size = cell.output_size
    with variable_scope(scope or "attention_decoder", dtype=dtype) as vs:
        dtype = vs.dtype
        attn_length, attn_size = int(dims[1]), int(dims[2])
        hidden = array.reshape(states, [-1, attn_length, 1, attn_size])
        hidden_features, v = [], []
        for a in range(num_heads):
            k = get_variable(f"AttnW_{a}", [1, 1, attn_size, attn_size])
            hidden_features.append(conv2d(hidden, k, [1, 1, 1, 1], "SAME"))
            v.append(get_variable(f"AttnV_{a}", [attn_size]))

        def attention(query: Any) -> list[Tensor]:
            flat = nest.flatten(query)
            q = flat[0] if len(flat) == 1 else array.concat(flat, 1)
            ds = []
            for a in range(num_heads):
                with variable_scope(f"Attention_{a}"):
                    y = array.reshape(_linear([q], attn_size, True), [-1, 1, 1, attn_size])
                    s = reduce_sum(multiply(v[a], tanh(hidden_features[a] + y)), [2, 3])
                    weights = array.reshape(softmax(s), [-1, attn_length, 1, 1])
                    ds.append(array.reshape(reduce_sum(multiply(weights, hidden), [1, 2]), [-1, attn_size]))
            return ds

        first = convert_to_tensor(inputs[0])
        batch = first.shape.dims[0] if first.shape.dims else None
        if batch is not None:
            attns = [array.zeros([int(batch), attn_size], dtype=dtype) for _ in range(num_heads)]
        else:
            shape = array.stack([array.shape(first)[0], convert_to_tensor(attn_size)])
            attns = [array.zeros(shape, dtype=dtype) for _ in range(num_heads)]
            for t in attns:
                t.set_shape([None, attn_size])
        state = initial_state
        if initial_state_attention:
            attns = attention(initial_state)
        outputs: list[Tensor] = []
        prev = None
        for i, inp in enumerate(inputs):
            if i > 0:
                get_variable_scope().reuse_variables()
            if loop_function is not None and prev is not None:
                with variable_scope("loop_function", reuse=True):
                    inp = loop_function(prev, i)
            inp = convert_to_tensor(inp)
            d = inp.shape.dims
            if d is None or len(d) != 2 or d[1] is None:
                raise graph.located_error(
                    ShapeError, api, f"could not infer input size from input {inp.name}"
                )
            x = _linear([inp, *attns], int(d[1]), True)
            cell_output, state = cell(x, state)
            if i == 0 and initial_state_attention:
                with variable_scope(get_variable_scope(), reuse=True):
                    attns = attention(state)
            else:
                attns = attention(state)
            with variable_scope("AttnOutputProjection"):
                output = _linear([cell_output, *attns], int(output_size), True)
            if loop_function is not None:
                prev = output
            outputs.append(output)
    return outputs, state


def embedding_attention_decoder(
    decoder_inputs: Sequence[Any],
    initial_state: Any,
    attention_states: Any,
    cell: Any,
    num_symbols: int,
    embedding_size: int,
    num_heads: int = 1,
    output_size: int | None = None,
    output_projection: Any = None,
    feed_previous: bool = False,
    update_embedding_for_previous: bool = True,
    dtype: Any = None,
    scope: Any = None,
    initial_state_attention: bool = False,
) -> tuple[list[Tensor], Any]:
    """TF1 `embedding_attention_decoder`: embeds the int decoder inputs, then `attention_decoder`."""
    from graphdl.ops.nn_extra import embedding_lookup
    from graphdl.variable_scope import get_variable, variable_scope

    if output_size is None:
        output_size = cell.output_size
    if output_projection is not None:
        b = convert_to_tensor(output_projection[1], dtype=dtype)
        if not b.shape.is_compatible_with([num_symbols]):
            raise get_default_graph().located_error(
                ShapeError,
                "embedding_attention_decoder",
                f"output_projection[1] must be [{num_symbols}], got {b.shape}",
            )
    with variable_scope(scope or "embedding_attention_decoder", dtype=dtype):
        embedding = get_variable("embedding", [int(num_symbols), int(embedding_size)])
        loop = (
            _helpers()._extract_argmax_and_embed(embedding, output_projection, update_embedding_for_previous)
            if feed_previous
            else None
        )
        emb_inp = [embedding_lookup(embedding, i) for i in decoder_inputs]
        return attention_decoder(
            emb_inp,
            initial_state,
            attention_states,
            cell,
            output_size=output_size,
            num_heads=num_heads,
            loop_function=loop,
            initial_state_attention=initial_state_attention,
        )


def embedding_attention_seq2seq(
    encoder_inputs: Sequence[Any],
    decoder_inputs: Sequence[Any],
    cell: Any,
    num_encoder_symbols: int,
    num_decoder_symbols: int,
    embedding_size: int,
    encoder_cell: Any = None,
    num_heads: int = 1,
    output_projection: Any = None,
    feed_previous: Any = False,
    dtype: Any = None,
    scope: Any = None,
    initial_state_attention: bool = False,
) -> tuple[list[Tensor], Any]:
    """TF1 `embedding_attention_seq2seq`: an embedded encoder whose outputs the embedded attention
    decoder reads; a tensor feed_previous builds both decoders and selects with tf.cond."""
    from graphdl.control_flow import cond
    from graphdl.ops import array
    from graphdl.rnn.static import static_rnn
    from graphdl.variable_scope import get_variable_scope, variable_scope

    api = "embedding_attention_seq2seq"
    enc = _helpers()._check_list(api, "encoder_inputs", list(encoder_inputs))
    dec = _helpers()._check_list(api, "decoder_inputs", list(decoder_inputs))
    with variable_scope(scope or "embedding_attention_seq2seq", dtype=dtype) as vs:
        dtype = vs.dtype
        wrapped = EmbeddingWrapper(
            encoder_cell if encoder_cell is not None else _helpers()._fresh_copy(cell),
            num_encoder_symbols,
            embedding_size,
        )
        enc = [array.reshape(e, [-1, 1]) for e in enc]  # graphdl's static_rnn takes [batch, depth]
        encoder_outputs, encoder_state = static_rnn(wrapped, enc, dtype=dtype)
        top_states = [array.reshape(e, [-1, 1, int(cell.output_size)]) for e in encoder_outputs]
        attention_states = array.concat(top_states, 1)
        output_size = None
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols

        def decoder(feed: bool, update: bool = True) -> tuple[list[Tensor], Any]:
            return embedding_attention_decoder(
                dec,
                encoder_state,
                attention_states,
                cell,
                num_decoder_symbols,
                embedding_size,
                num_heads=num_heads,
                output_size=output_size,
                output_projection=output_projection,
                feed_previous=feed,
                update_embedding_for_previous=update,
                initial_state_attention=initial_state_attention,
            )

        if isinstance(feed_previous, bool):
            return decoder(feed_previous)

        def branch(feed: bool) -> list[Tensor]:
            with variable_scope(get_variable_scope(), reuse=None if feed else True):
                outputs, state = decoder(feed, update=False)
            return list(outputs) + list(nest.flatten(state))

        both = cond(feed_previous, lambda: branch(True), lambda: branch(False))
        state = nest.pack(encoder_state, list(both[len(dec) :]))
        return list(both[: len(dec)]), state
