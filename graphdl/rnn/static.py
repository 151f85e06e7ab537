"""TF1's `tf.nn.static_rnn`: a cell unrolled over a Python list of [batch, depth] tensors.

The unrolled graph shares the cell's variables across steps (the variable scope `rnn` is set to
reuse after the first step, as in TF1); step t's ops are in the name scope
`rnn/<cell name>_t` (`rnn/basic_lstm_cell`, `rnn/basic_lstm_cell_1`, ...), so drawings can group
the repeated steps. Gradients through time come from autodiff over the unrolled graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.rnn.cells import LSTMStateTuple, RNNCell
from graphdl.tensor import Tensor

__all__ = ["static_rnn"]


def _map_state(state: Any, fn: Any, *others: Any) -> Any:
    """Apply fn leaf-wise over a (nested) state and matching structures."""
    if isinstance(state, LSTMStateTuple):
        return LSTMStateTuple(*(_map_state(s, fn, *(o[k] for o in others)) for k, s in enumerate(state)))
    if isinstance(state, tuple | list):
        return tuple(_map_state(s, fn, *(o[k] for o in others)) for k, s in enumerate(state))
    return fn(state, *others)


def _batch_size(x: Tensor) -> Any:
    dims = x.shape.as_list() if x.shape.ndims is not None else None
    if dims and dims[0] is not None:
        return int(dims[0])
    from graphdl.ops import array

    return array.shape(x)[0]


def _step_mask(t: int, seq_len: Tensor, dtype: Any) -> Tensor:
    """[batch, 1] of 1.0 where step t is within the sequence, else 0.0."""
    from graphdl.ops import array
    from graphdl.ops.math import cast, less

    t_const = convert_to_tensor(t, dtype=seq_len.dtype, name="time")
    return array.expand_dims(cast(less(t_const, seq_len), dtype), 1)


def static_rnn(cell: RNNCell, inputs: Sequence[Any], initial_state: Any = None, dtype: Any = None,
               sequence_length: Any = None, scope: Any = None) -> tuple[list[Tensor], Any]:  # fmt: skip
    """TF1 `tf.nn.static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None)`.

    Returns (outputs, state): one output per input and the final state. With `sequence_length`,
    outputs past a row's length are zero and its state stops changing, as in TF1.
    """
    from graphdl.ops.math import add, multiply, subtract
    from graphdl.variable_scope import variable_scope

    graph = get_default_graph()
    if not isinstance(inputs, list | tuple) or not inputs:
        raise graph.located_error(GraphError, "static_rnn", "inputs must be a non-empty list of tensors")
    if initial_state is None and dtype is None:
        raise graph.located_error(ShapeError, "static_rnn", "give initial_state or dtype")
    xs = [convert_to_tensor(x) for x in inputs]
    for x in xs:
        if x.shape.ndims is not None and x.shape.ndims != 2:
            raise graph.located_error(
                ShapeError, "static_rnn", f"each input must be [batch, depth], got {x.shape}"
            )
    outputs: list[Tensor] = []
    with variable_scope(scope or "rnn") as varscope:
        state = initial_state if initial_state is not None else cell.zero_state(_batch_size(xs[0]), dtype)
        seq = None
        if sequence_length is not None:
            from graphdl.ops import array

            seq = array.identity(convert_to_tensor(sequence_length), name="sequence_length")
        for t, x in enumerate(xs):
            if t > 0:
                varscope.reuse_variables()
            out, new_state = cell(x, state)
            if seq is not None:
                m = _step_mask(t, seq, out.dtype)
                out = multiply(out, m)
                keep = subtract(1.0, m)
                new_state = _map_state(new_state, lambda n, o: add(multiply(n, m), multiply(o, keep)), state)
            outputs.append(out)
            state = new_state
    return outputs, state
