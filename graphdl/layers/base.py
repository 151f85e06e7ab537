"""TF1 `tf.layers.Layer`, the base class of the layers: variable scope, name scope and variable tracking.

Variables are made with `get_variable` inside a variable scope named as TF1 names it: the first
`tf.layers.dense` of a graph owns `dense/kernel` and `dense/bias`, the next `dense_1/...`; a `name`
fixes the scope, and `reuse=True` (or a `variable_scope(..., reuse=True)`) shares its variables.
Ops go into the name scope opened with the variable scope (`dense/MatMul`, `dense/BiasAdd`, ...).
`training` may be a Python bool or a boolean tensor; a tensor switches dropout and batch
normalization between their training and inference forms arithmetically, without control flow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import float32
from graphdl.errors import GraphError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor
from graphdl.variable_scope import VariableScope, get_variable, variable_scope
from graphdl.variables import Variable

__all__ = ["Layer"]


class Layer:
    """TF1 `tf.layers.Layer`: owns a variable scope, made on the first call and reused by later calls."""

    _base_name = "layer"

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 _reuse: Any = None, **kwargs: Any) -> None:  # fmt: skip
        self.trainable = trainable
        self._name = name
        self._reuse = _reuse
        self._dtype = dtype
        self._scope: VariableScope | None = None
        self._name_scope: str | None = None
        self._variables: list[Variable] = []
        self._trainable_ids: set[int] = set()
        self.built = False
        self.updates: list[Any] = []

    # --- identity
    @property
    def name(self) -> str:
        if self._scope is not None:
            return self._scope.name.split("/")[-1]
        return self._name or self._base_name

    @property
    def scope_name(self) -> str:
        """The full name of the layer's variable scope (after the first call)."""
        if self._scope is None:
            raise GraphError(f"layer {self.name!r} has not been called yet")
        return self._scope.name

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self) -> list[Variable]:
        return [v for v in self._variables if id(v) in self._trainable_ids] if self.trainable else []

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list[Variable]:
        ids = {id(v) for v in self.trainable_variables}
        return [v for v in self._variables if id(v) not in ids]

    non_trainable_weights = non_trainable_variables

    def count_params(self) -> int:
        """The number of scalars in the layer's variables."""
        return int(sum(int(np.prod(v.shape.as_list())) for v in self._variables))  # type: ignore[misc,arg-type]

    # --- building
    def add_weight(self, name: str, shape: Sequence[int], dtype: Any = None, initializer: Any = None,
                   regularizer: Any = None, trainable: bool = True) -> Variable:  # fmt: skip
        """A variable `<scope>/<name>` made (or reused) with get_variable, tracked by the layer."""
        trainable = trainable and self.trainable
        var = get_variable(name, shape=list(shape), dtype=dtype or self._dtype or float32, initializer=initializer,
                           regularizer=regularizer, trainable=trainable)  # fmt: skip
        if all(v is not var for v in self._variables):
            self._variables.append(var)
            if trainable:
                self._trainable_ids.add(id(var))
        return var

    def build(self, input_shape: Any) -> None:
        """Make the layer's variables for inputs of this static shape."""
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """The layer's computation (inside its variable and name scope)."""
        raise NotImplementedError

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Tensor:
        """Build on the first call (in a new or the named variable scope), then compute."""
        graph = get_default_graph()
        inputs = convert_to_tensor(inputs)
        if self._scope is None:
            if self._reuse:
                cm = variable_scope(self._name or self._base_name, reuse=self._reuse)
            else:
                cm = variable_scope(self._name, default_name=self._base_name)
            with cm as scope:
                self._scope = scope
                self._name_scope = graph.get_name_scope()
                if self._dtype is None:
                    self._dtype = inputs.dtype if inputs.dtype.is_floating else float32
                if not self.built:
                    self.build(inputs.shape)
                    self.built = True
                return self.call(inputs, *args, **kwargs)
        with variable_scope(self._scope, reuse=True, auxiliary_name_scope=False), \
                graph.name_scope(self._name_scope + "/" if self._name_scope else None):  # fmt: skip
            return self.call(inputs, *args, **kwargs)

    def apply(self, inputs: Any, *args: Any, **kwargs: Any) -> Tensor:
        """TF1's alias of `__call__`."""
        return self(inputs, *args, **kwargs)
