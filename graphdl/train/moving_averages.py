"""TF1 `tf.train.ExponentialMovingAverage`: shadow variables that track an exponential moving average.

Built from public ops (assign_sub, minimum, group). As everywhere in graphdl, a run reads each
variable's start-of-run value, so an `apply()` run together with a training step averages the values
from before that step (TF1, under `control_dependencies([train_op])`, averages the values after it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import DTypeError, GraphError
from graphdl.graph import GraphKeys, Node, get_default_graph
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["ExponentialMovingAverage"]

# TF1's `tf.GraphKeys.MOVING_AVERAGE_VARIABLES`
MOVING_AVERAGE_VARIABLES = GraphKeys.MOVING_AVERAGE_VARIABLES


def _key(var: Any) -> Any:
    """The dict key of a Variable or a Tensor (both hash by identity)."""
    return var


def _shadow(var: Any, name: str, zeros: bool) -> Variable:
    """A non-trainable variable `<var op name>/<name>` initialised to var's initial value or to zeros."""
    from graphdl.ops import array

    graph = var.graph
    with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
        scope = graph.unique_name(f"{var.op.name}/{name}")

        def init() -> Tensor:
            if zeros:
                shape = var.shape
                if shape.is_fully_defined():
                    return array.zeros(shape.as_list(), dtype=var.dtype)
                return array.zeros_like(var)  # type: ignore[no-any-return]
            return var.initial_value  # type: ignore[no-any-return]

        return Variable(init, trainable=False, _scope=scope + "/")


def _assign_moving_average(variable: Variable, value: Any, decay: Any, name: str | None = None) -> Tensor:
    """TF1 `assign_moving_average` without zero-debiasing: variable -= (variable - value) * (1 - decay)."""
    from graphdl.ops.math import cast, subtract
    from graphdl.ops.state import assign_sub

    graph = get_default_graph()
    with graph.name_scope(name or "AssignMovingAvg") as scope:
        one_minus = subtract(1.0, decay, name="decay")
        if one_minus.dtype != variable.dtype:
            one_minus = cast(one_minus, variable.dtype)
        delta = (variable - value) * one_minus
        return assign_sub(variable, delta, name=scope)


class ExponentialMovingAverage:
    """TF1 `tf.train.ExponentialMovingAverage`: `apply` makes shadow variables and the op updating them."""

    def __init__(
        self,
        decay: Any,
        num_updates: Any = None,
        zero_debias: bool = False,
        name: str = "ExponentialMovingAverage",
    ) -> None:
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = bool(zero_debias)
        self._name = name
        self._averages: dict[Any, Variable] = {}

    @property
    def name(self) -> str:
        """The name of the average (the suffix of the shadow variables and the update op's scope)."""
        return self._name

    def apply(self, var_list: Sequence[Any] | None = None) -> Node:
        """Create the shadow variables of `var_list` (default: the trainable variables) and return the
        op that moves each shadow towards its variable: shadow -= (1 - decay) * (shadow - var)."""
        from graphdl.ops.math import cast, divide, minimum
        from graphdl.ops.state import group

        graph = get_default_graph()
        if var_list is None:
            var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        items: list[Any] = []
        for v in var_list:
            item = v if isinstance(v, Variable) else convert_to_tensor(v)
            if item.dtype.name not in ("float16", "float32", "float64"):
                raise graph.located_error(
                    DTypeError,
                    "ExponentialMovingAverage.apply",
                    f"the variables must be of type float16, float32 or float64, got {item.dtype.name} "
                    f"for '{item.name}'",
                )
            if _key(item) in self._averages:
                raise graph.located_error(
                    GraphError,
                    "ExponentialMovingAverage.apply",
                    f"moving average already computed for: {item.name}",
                )
            if self._zero_debias and not isinstance(item, Variable):
                raise graph.located_error(
                    GraphError,
                    "ExponentialMovingAverage.apply",
                    "zero_debias=True (which TF1 applies to averaged tensors) is not supported; "
                    "average a Variable or pass zero_debias=False",
                )
            items.append(item)
        for item in items:
            is_var = isinstance(item, Variable)
            self._averages[_key(item)] = _shadow(item, self._name, zeros=not is_var)
            if is_var:
                graph.add_to_collection(MOVING_AVERAGE_VARIABLES, item)
        with graph.name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, name="decay")
            if not decay.dtype.is_floating:
                decay = cast(decay, "float32")
            if self._num_updates is not None:
                n = cast(self._num_updates, "float32", name="num_updates")
                decay = minimum(decay, divide(1.0 + n, 10.0 + n))
            updates = [_assign_moving_average(self._averages[_key(it)], it, decay) for it in items]
            return group(*updates, name=scope)

    def average(self, var: Any) -> Variable | None:
        """The shadow variable of `var`, or None if `apply` has not been called for it."""
        return self._averages.get(_key(var))

    def average_name(self, var: Any) -> str:
        """The op name of var's shadow variable (`<var op name>/<name>`), the key it is saved under."""
        return f"{var.op.name}/{self._name}"

    def variables_to_restore(self, moving_avg_variables: Sequence[Any] | None = None) -> dict[str, Any]:
        """A Saver name map restoring each averaged variable from its shadow and the others as they are."""
        graph = get_default_graph()
        if moving_avg_variables is None:
            moving_avg_variables = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES) + graph.get_collection(
                MOVING_AVERAGE_VARIABLES
            )
        averaged = list(dict.fromkeys(moving_avg_variables))
        name_map: dict[str, Any] = {self.average_name(v): v for v in averaged}
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
            if v not in averaged and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map
