"""TF1's RNN cell wrappers (`tf.nn.rnn_cell`): DropoutWrapper, ResidualWrapper, DeviceWrapper.

A wrapper owns no variables: it calls the wrapped cell with the same `scope`, so the variables keep
the names they have without it (`rnn/basic_lstm_cell/kernel`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from graphdl import nest
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.rnn.cells import LSTMStateTuple, RNNCell
from graphdl.tensor import Tensor

__all__ = ["DropoutWrapper", "ResidualWrapper", "DeviceWrapper"]


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


def _default_state_filter(substate: Any) -> Any:
    """TF1's default: drop out every state part except an LSTM's cell state c."""
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


class _Wrapper(RNNCell):
    """A cell that delegates sizes, zero_state and variables to the cell it wraps."""

    def __init__(self, cell: Any) -> None:
        super().__init__()
        if not (callable(cell) and hasattr(cell, "state_size") and hasattr(cell, "output_size")):
            raise get_default_graph().located_error(
                GraphError, type(self).__name__, f"the cell must be an RNNCell, got {cell!r}"
            )
        self._cell = cell

    @property
    def wrapped_cell(self) -> Any:
        """The cell this wrapper calls."""
        return self._cell

    @property
    def state_size(self) -> Any:
        return self._cell.state_size

    @property
    def output_size(self) -> Any:
        return self._cell.output_size

    @property
    def variables(self) -> list[Any]:
        return list(self._cell.variables)

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """The wrapped cell's zero state, in the scope `<Wrapper>ZeroState` as TF1."""
        with get_default_graph().name_scope(f"{type(self).__name__}ZeroState"):
            return self._cell.zero_state(batch_size, dtype)


class DropoutWrapper(_Wrapper):
    """TF1 `DropoutWrapper`: tf.nn.dropout on the cell's inputs, outputs and (all but an LSTM's c) states.

    Keep probabilities may be floats in (0, 1] or scalar tensors (placeholders). Each call draws
    fresh masks (TF1's dynamic_rnn loop does the same; graphdl unrolls it into one call per step).
    """

    def __init__(
        self,
        cell: Any,
        input_keep_prob: Any = 1.0,
        output_keep_prob: Any = 1.0,
        state_keep_prob: Any = 1.0,
        variational_recurrent: bool = False,
        input_size: Any = None,
        dtype: Any = None,
        seed: int | None = None,
        dropout_state_filter_visitor: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(cell)
        graph = get_default_graph()
        if variational_recurrent:
            raise graph.located_error(
                GraphError,
                "DropoutWrapper",
                "variational_recurrent=True is not supported; use variational_recurrent=False "
                "(a fresh dropout mask at every step)",
            )
        for what, p in (
            ("input_keep_prob", input_keep_prob),
            ("state_keep_prob", state_keep_prob),
            ("output_keep_prob", output_keep_prob),
        ):
            if not _is_tensor_like(p) and not 0.0 < float(p) <= 1.0:
                raise graph.located_error(
                    ShapeError, "DropoutWrapper", f"Parameter {what} must be between 0 and 1: {float(p)}"
                )
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._filter = dropout_state_filter_visitor or _default_state_filter
        self._calls = 0

    def _gen_seed(self, salt_prefix: str, index: int) -> int | None:
        """TF1's per-tensor seed (md5 of seed and salt), salted further with the call number after the first."""
        if self._seed is None:
            return None
        salt = f"{salt_prefix}_{index}" if self._calls == 0 else f"{salt_prefix}_{index}_{self._calls}"
        return int(hashlib.md5((str(self._seed) + salt).encode("utf-8")).hexdigest()[:8], 16) & 0x7FFFFFFF

    def _dropout(self, values: Any, salt_prefix: str, keep_prob: Any, state_filter: bool = False) -> Any:
        from graphdl.ops.nn_extra import dropout

        counter = [0]

        def drop(v: Any) -> Any:
            i = counter[0]
            counter[0] += 1
            return dropout(v, keep_prob=keep_prob, seed=self._gen_seed(salt_prefix, i))

        def keep(v: Any) -> Any:
            counter[0] += len(nest.flatten(v))
            return v

        def walk(s: Any) -> Any:
            r = self._filter(s) if state_filter else True
            if isinstance(r, bool):
                if not r:
                    return keep(s)
                if isinstance(s, tuple | list):
                    parts = [walk(x) for x in s]
                    return s._make(parts) if hasattr(s, "_make") else type(s)(parts)
                return drop(s)
            flags = nest.flatten(r)
            parts = list(s)
            if len(flags) != len(parts):
                raise GraphError(
                    f"DropoutWrapper: the state filter returned {r!r}, which does not match the state {s!r}"
                )
            out = [drop(x) if f else keep(x) for f, x in zip(flags, parts, strict=True)]
            return s._make(out) if hasattr(s, "_make") else type(s)(out)

        return walk(values)

    @staticmethod
    def _should_dropout(p: Any) -> bool:
        return _is_tensor_like(p) or float(p) < 1.0

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Any, Any]:
        """Dropout on the inputs, one step of the wrapped cell, dropout on the new state and the output."""
        if self._should_dropout(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self._cell(inputs, state, scope=scope)
        if self._should_dropout(self._state_keep_prob):
            new_state = self._dropout(new_state, "state", self._state_keep_prob, state_filter=True)
        if self._should_dropout(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob)
        self._calls += 1
        return output, new_state


class ResidualWrapper(_Wrapper):
    """TF1 `ResidualWrapper`: the cell's output plus its input (or `residual_fn(inputs, outputs)`)."""

    def __init__(self, cell: Any, residual_fn: Callable[[Any, Any], Any] | None = None) -> None:
        super().__init__(cell)
        self._residual_fn = residual_fn

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Any, Any]:
        """One step of the wrapped cell, then output = residual_fn(inputs, output) (default: the sum)."""
        output, new_state = self._cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        if not nest.same_structure(inputs, output):
            raise get_default_graph().located_error(
                ShapeError, "ResidualWrapper", "the inputs and the outputs of the cell differ in structure"
            )
        ins, outs = nest.flatten(inputs), nest.flatten(output)
        for a, b in zip(ins, outs, strict=True):
            sa, sb = a.shape, b.shape
            if sa.ndims is not None and sb.ndims is not None and not sa.is_compatible_with(sb):
                raise get_default_graph().located_error(
                    ShapeError,
                    "ResidualWrapper",
                    f"the input {sa.short()} and the output {sb.short()} of the cell must have the same shape",
                )
        return nest.pack(output, [a + b for a, b in zip(ins, outs, strict=True)]), new_state


class DeviceWrapper(_Wrapper):
    """TF1 `DeviceWrapper`: builds the wrapped cell's ops (and its zero state) under `tf.device(device)`."""

    def __init__(self, cell: Any, device: Any) -> None:
        super().__init__(cell)
        self._device = device

    def zero_state(self, batch_size: Any, dtype: Any) -> Any:
        """The wrapped cell's zero state, built on the device."""
        from graphdl.graph import device

        with get_default_graph().name_scope(f"{type(self).__name__}ZeroState"), device(self._device):
            return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Any, Any]:
        """One step of the wrapped cell under the device."""
        from graphdl.graph import device

        with device(self._device):
            return self._cell(inputs, state, scope=scope)  # type: ignore[no-any-return]
