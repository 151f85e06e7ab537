"""TF1's `tf.nn.dynamic_rnn` and `tf.nn.bidirectional_dynamic_rnn`, unrolled when the graph is built.

TF1 runs these in a while_loop; graphdl has none, so the time dimension must be static and the cell
is unrolled exactly as in `static_rnn`: the variables live in TF1's scopes (`rnn/basic_lstm_cell/
kernel`, `bidirectional_rnn/fw/lstm_cell/bias`, ...), step t's ops are in the name scope
`rnn/<cell name>_t` (its sequence_length masking too), so drawings fold the repeated steps. With
`sequence_length`, outputs past a row's length are zeros and its state is carried unchanged (TF1's
select), so the final state is the state at the row's last valid step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import Graph, get_default_graph
from graphdl.tensor import Tensor

__all__ = ["dynamic_rnn", "bidirectional_dynamic_rnn"]


# --- nested structures (tuples, lists, namedtuples such as LSTMStateTuple) ------------------------------------


def _flatten(nest: Any) -> list[Any]:
    if isinstance(nest, tuple | list):
        return [leaf for part in nest for leaf in _flatten(part)]
    return [nest]


def _pack_as(structure: Any, flat: list[Any]) -> Any:
    """`flat` (as many leaves as `structure` has) rebuilt in the shape of `structure`."""
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, tuple | list):
            parts = [build(p) for p in s]
            if hasattr(s, "_fields"):
                return type(s)(*parts)
            return type(s)(parts)
        return next(it)

    return build(structure)


def _map(fn: Callable[..., Any], nest: Any, *others: Any) -> Any:
    """fn applied leaf-wise over `nest` and structures of the same shape."""
    flats = [_flatten(o) for o in others]
    leaves = _flatten(nest)
    if any(len(f) != len(leaves) for f in flats):
        raise GraphError(f"structures do not match: {nest!r} vs {others!r}")
    return _pack_as(nest, [fn(x, *(f[k] for f in flats)) for k, x in enumerate(leaves)])


# --- helpers -------------------------------------------------------------------------------------------------


def _static_dim(x: Tensor, axis: int) -> int | None:
    dims = x.shape.as_list() if x.shape.ndims is not None else None
    return None if dims is None else dims[axis]


def _batch_size(x: Tensor, axis: int) -> Any:
    """The batch dimension of x: an int when static, else a scalar tensor."""
    from graphdl.ops import array

    b = _static_dim(x, axis)
    return int(b) if b is not None else array.shape(x)[axis]


@contextlib.contextmanager
def _step_scope(graph: Graph, base: str, out: Any) -> Iterator[None]:
    """Re-enter the name scope of the step that produced `out` (`rnn/basic_lstm_cell_3/`), if any."""
    leaves = [t for t in _flatten(out) if isinstance(t, Tensor)]
    name = leaves[0].op.name if leaves else ""
    rest = name[len(base) :] if base and name.startswith(base) else ""
    if "/" in rest:
        with graph.name_scope(base + rest.split("/")[0] + "/"):
            yield
    else:
        yield


def _check_cell(graph: Graph, api: str, what: str, cell: Any) -> None:
    if not callable(cell) or not hasattr(cell, "state_size") or not hasattr(cell, "output_size"):
        raise graph.located_error(
            GraphError,
            api,
            f"{what} must be an RNNCell (callable with state_size and output_size), got {cell!r}",
        )


def _sequence_length(graph: Graph, api: str, sequence_length: Any) -> Tensor:
    """TF1: sequence_length cast to int32, a vector, and named `sequence_length` in the graph."""
    from graphdl.dtypes import int32
    from graphdl.ops import array
    from graphdl.ops.math import cast

    seq = convert_to_tensor(sequence_length)
    if seq.shape.ndims not in (None, 1):
        raise graph.located_error(
            ShapeError,
            api,
            f"sequence_length must be a vector of length batch_size, but saw shape {seq.shape}",
        )
    if seq.dtype != int32:
        seq = cast(seq, int32)
    return array.identity(seq, name="sequence_length")


def _time_steps(graph: Graph, api: str, flat: list[Tensor], time_axis: int) -> int:
    """The static number of time steps shared by all inputs (graphdl unrolls, so it must be known)."""
    steps: int | None = None
    for x in flat:
        if x.shape.ndims is None or x.shape.ndims < 2:
            raise graph.located_error(
                ShapeError, api, f"inputs must have rank >= 2 ([batch, time, ...] or [time, batch, ...]), "
                f"got shape {x.shape} for {x.name}"
            )  # fmt: skip
        t = _static_dim(x, time_axis)
        if t is None:
            layout = "[time, batch, depth]" if time_axis == 0 else "[batch, time, depth]"
            example = "[20, None, 8]" if time_axis == 0 else "[None, 20, 8]"
            raise graph.located_error(
                GraphError, api, f"the time dimension of inputs {x.name} {x.shape} ({layout}) is unknown; graphdl "
                f"unrolls the recurrence when the graph is built, so give the placeholder a static time "
                f"dimension, e.g. placeholder(float32, {example}), and pad shorter sequences (use sequence_length)"
            )  # fmt: skip
        if steps is not None and t != steps:
            raise graph.located_error(
                ShapeError,
                api,
                f"time steps is not the same for all the elements in the input: {steps} vs {t}",
            )
        steps = int(t)
    assert steps is not None
    if steps == 0:
        raise graph.located_error(ShapeError, api, "inputs have 0 time steps; give at least one step")
    return steps


def _reverse_sequence(x: Tensor, seq: Tensor | None, time_axis: int, batch_axis: int) -> Tensor:
    """TF1 `reverse_sequence` (row b's first seq[b] steps reversed, the rest kept) or, with no
    lengths, `reverse` along the time axis. Built from a gather over the [time * batch, ...] rows."""
    from graphdl.dtypes import int32
    from graphdl.ops import array, creation, gathering, logic, selection
    from graphdl.ops.math import add, cast, multiply, subtract

    if seq is None:
        return selection.reverse(x, [time_axis])
    graph = get_default_graph()
    with graph.name_scope("ReverseSequence"):
        steps = _static_dim(x, time_axis)
        assert steps is not None
        batch = _batch_size(x, batch_axis)
        tt = creation.range(steps, dtype=int32)
        bb = creation.range(batch, dtype=int32)
        # [time, batch] when time-major, [batch, time] when batch-major; row b's step t reads step src.
        t2, b2, lens = (
            (array.expand_dims(tt, 1), array.expand_dims(bb, 0), array.expand_dims(seq, 0))
            if time_axis == 0
            else (array.expand_dims(tt, 0), array.expand_dims(bb, 1), array.expand_dims(seq, 1))
        )
        inside = cast(logic.less(t2, lens), int32)
        src = add(multiply(inside, subtract(subtract(lens, 1), t2)), multiply(subtract(1, inside), t2))
        index = add(multiply(src, batch), b2) if time_axis == 0 else add(multiply(b2, steps), src)
        rest = x.shape.as_list()[2:]
        flat_shape: Any = [-1, *rest]
        if any(d is None for d in rest):
            flat_shape = _flat_shape(x)
        flat = array.reshape(x, flat_shape)
        return gathering.gather(flat, index)


def _flat_shape(x: Tensor) -> Tensor:
    """[-1, *shape(x)[2:]] as a tensor, for reshapes whose trailing dims are only known at run time."""
    from graphdl.ops import array, joining, slicing

    return joining.concat([convert_to_tensor([-1]), slicing.slice(array.shape(x), [2], [-1])], 0)


# --- public API ----------------------------------------------------------------------------------------------------


def dynamic_rnn(cell: Any, inputs: Any, sequence_length: Any = None, initial_state: Any = None, dtype: Any = None,
                parallel_iterations: Any = None, swap_memory: bool = False, time_major: bool = False,
                scope: Any = None) -> tuple[Any, Any]:  # fmt: skip
    """TF1 `tf.nn.dynamic_rnn`: (outputs [batch, time, out] (or time-major), final state), unrolled.

    `parallel_iterations` and `swap_memory` only tune TF1's while_loop; they are accepted and ignored.
    """
    from graphdl.ops import joining, selection
    from graphdl.ops.creation import zeros_like
    from graphdl.ops.logic import less
    from graphdl.variable_scope import variable_scope

    api = "dynamic_rnn"
    graph = get_default_graph()
    _check_cell(graph, api, "cell", cell)
    flat_in = [convert_to_tensor(x) for x in _flatten(inputs)]
    if not flat_in:
        raise graph.located_error(GraphError, api, "inputs must not be empty")
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    num_steps = _time_steps(graph, api, flat_in, time_axis)
    with variable_scope(scope or "rnn") as varscope:
        base = graph.get_name_scope() + "/"
        per_leaf = [joining.unstack(x, num=num_steps, axis=time_axis) for x in flat_in]
        seq = _sequence_length(graph, api, sequence_length) if sequence_length is not None else None
        if initial_state is not None:
            state = initial_state
        else:
            if not dtype:
                raise graph.located_error(
                    GraphError, api, "if there is no initial_state, you must give a dtype"
                )
            state = cell.zero_state(_batch_size(flat_in[0], batch_axis), dtype)
        outputs: list[Any] = []
        for t in range(num_steps):
            if t > 0:
                varscope.reuse_variables()
            out, new_state = cell(_pack_as(inputs, [steps[t] for steps in per_leaf]), state)
            if seq is not None:
                with _step_scope(graph, base, out):
                    valid = less(convert_to_tensor(t, dtype=seq.dtype, name="time"), seq)
                    out = _map(lambda o, v=valid: selection.where(v, o, zeros_like(o)), out)
                    new_state = _map(lambda n, s, v=valid: selection.where(v, n, s), new_state, state)
            outputs.append(out)
            state = new_state
        stacked = [
            joining.stack([_flatten(o)[k] for o in outputs], axis=time_axis)
            for k in range(len(_flatten(outputs[0])))
        ]
        return _pack_as(outputs[0], stacked), state


def bidirectional_dynamic_rnn(cell_fw: Any, cell_bw: Any, inputs: Any, sequence_length: Any = None,
                              initial_state_fw: Any = None, initial_state_bw: Any = None, dtype: Any = None,
                              parallel_iterations: Any = None, swap_memory: bool = False, time_major: bool = False,
                              scope: Any = None) -> tuple[tuple[Any, Any], tuple[Any, Any]]:  # fmt: skip
    """TF1 `tf.nn.bidirectional_dynamic_rnn`: ((output_fw, output_bw), (state_fw, state_bw)).

    The backward cell reads each row reversed within its own length (TF1's reverse_sequence) and its
    outputs are reversed back, so output_bw[t] lines up with input t.
    """
    from graphdl.variable_scope import variable_scope

    api = "bidirectional_dynamic_rnn"
    graph = get_default_graph()
    _check_cell(graph, api, "cell_fw", cell_fw)
    _check_cell(graph, api, "cell_bw", cell_bw)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    kw = {"parallel_iterations": parallel_iterations, "swap_memory": swap_memory, "time_major": time_major}
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length=sequence_length, initial_state=initial_state_fw, dtype=dtype,
                scope=fw_scope, **kw,
            )  # fmt: skip
        seq = None
        if sequence_length is not None:
            seq = _sequence_length(graph, api, sequence_length)

        def rev(x: Any) -> Tensor:
            return _reverse_sequence(convert_to_tensor(x), seq, time_axis, batch_axis)

        with variable_scope("bw") as bw_scope:
            inputs_reverse = _map(rev, inputs)
            tmp, state_bw = dynamic_rnn(
                cell_bw, inputs_reverse, sequence_length=sequence_length, initial_state=initial_state_bw,
                dtype=dtype, scope=bw_scope, **kw,
            )  # fmt: skip
        output_bw = _map(rev, tmp)
    return (output_fw, output_bw), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw: Any, cell_bw: Any, inputs: Any, initial_state_fw: Any = None,
                             initial_state_bw: Any = None, dtype: Any = None, sequence_length: Any = None,
                             scope: Any = None) -> tuple[list[Any], Any, Any]:  # fmt: skip
    """TF1 `tf.nn.static_bidirectional_rnn` (tf.contrib.rnn's too) over a list of [batch, depth] inputs:
    (outputs, state_fw, state_bw), outputs[t] = concat(output_fw[t], output_bw[t]) along depth.

    It is `bidirectional_dynamic_rnn` over the stacked, time-major inputs, so the variables
    (`bidirectional_rnn/fw/...`, `bidirectional_rnn/bw/...`) and values are the same."""
    from graphdl.ops.joining import concat, stack, unstack

    steps = list(inputs)
    if not steps:
        raise get_default_graph().located_error(
            GraphError, "static_bidirectional_rnn", "inputs must not be empty"
        )
    (out_fw, out_bw), (state_fw, state_bw) = bidirectional_dynamic_rnn(
        cell_fw, cell_bw, stack(steps), sequence_length=sequence_length, initial_state_fw=initial_state_fw,
        initial_state_bw=initial_state_bw, dtype=dtype, time_major=True, scope=scope,
    )  # fmt: skip
    return unstack(concat([out_fw, out_bw], axis=2), num=len(steps)), state_fw, state_bw


__all__ += ["static_bidirectional_rnn"]
