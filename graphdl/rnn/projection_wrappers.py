"""TF1's `tf.contrib.rnn.EmbeddingWrapper` and `OutputProjectionWrapper`: cells that embed int ids
before the wrapped cell, or project its output (the legacy seq2seq models use both)."""

from __future__ import annotations

import math
from typing import Any

from graphdl import nest
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.rnn.wrappers import _Wrapper
from graphdl.tensor import Tensor

__all__ = ["EmbeddingWrapper", "OutputProjectionWrapper"]


class EmbeddingWrapper(_Wrapper):
    """TF1 `EmbeddingWrapper`: embeds int ids (variable `embedding_wrapper/embedding`) before the cell."""

    _default_name = "embedding_wrapper"

    def __init__(
        self, cell: Any, embedding_classes: int, embedding_size: int, initializer: Any = None
    ) -> None:
        super().__init__(cell)
        if int(embedding_classes) <= 0 or int(embedding_size) <= 0:
            raise get_default_graph().located_error(
                ShapeError, "EmbeddingWrapper", "embedding_classes and embedding_size must be positive"
            )
        self._classes, self._size, self._initializer = (
            int(embedding_classes),
            int(embedding_size),
            initializer,
        )
        self._state_dtype: Any = None

    @property
    def variables(self) -> list[Any]:
        return [*(self._vars or {}).values(), *self._cell.variables]

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Tensor, Any]:
        self._state_dtype = nest.flatten(state)[0].dtype
        return super().__call__(inputs, state, scope)

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        from graphdl.initializers import random_uniform_initializer
        from graphdl.variable_scope import get_variable, get_variable_scope

        init = self._initializer or get_variable_scope().initializer
        if init is None:
            init = random_uniform_initializer(-math.sqrt(3), math.sqrt(3))
        emb = get_variable(
            "embedding", [self._classes, self._size], dtype=self._state_dtype, initializer=init
        )
        return {"embedding": emb}

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        from graphdl.ops import array
        from graphdl.ops.nn_extra import embedding_lookup

        assert self._vars is not None
        embedded = embedding_lookup(self._vars["embedding"], array.reshape(inputs, [-1]))
        return self._cell(embedded, state)


class OutputProjectionWrapper(_Wrapper):
    """TF1 `OutputProjectionWrapper`: the cell's output times `kernel` plus `bias` (num_proj outputs)."""

    _default_name = "output_projection_wrapper"

    def __init__(self, cell: Any, output_size: int) -> None:
        super().__init__(cell)
        if int(output_size) <= 0:
            raise get_default_graph().located_error(
                ShapeError, "OutputProjectionWrapper", f"output_size must be positive, got {output_size}"
            )
        self._num_proj = int(output_size)

    @property
    def output_size(self) -> int:
        return self._num_proj

    @property
    def variables(self) -> list[Any]:
        return [*self._cell.variables, *(self._vars or {}).values()]

    def _build(self, inputs: Tensor) -> dict[str, Any]:
        return {}

    def _step(self, inputs: Tensor, state: Any) -> tuple[Tensor, Any]:
        from graphdl.initializers import zeros_initializer
        from graphdl.ops.math import matmul
        from graphdl.ops.nn import bias_add
        from graphdl.variable_scope import get_variable

        assert self._vars is not None
        out, new_state = self._cell(inputs, state)
        if not self._vars:  # first call: inside this wrapper's variable scope, as TF1's _linear
            self._vars["kernel"] = get_variable(
                "kernel", [int(self._cell.output_size), self._num_proj], dtype=out.dtype
            )
            self._vars["bias"] = get_variable(
                "bias", [self._num_proj], dtype=out.dtype, initializer=zeros_initializer()
            )
        return bias_add(matmul(out, self._vars["kernel"]), self._vars["bias"]), new_state
