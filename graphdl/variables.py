"""TF1 Variables: a VariableV2 node plus its initializer, usable wherever a tensor is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import as_dtype
from graphdl.errors import GraphError
from graphdl.graph import GraphKeys, Node, get_default_graph
from graphdl.ops.state import assign, assign_add, assign_sub, count_up_to, group
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "Variable",
    "global_variables",
    "trainable_variables",
    "local_variables",
    "model_variables",
    "moving_average_variables",
    "global_variables_initializer",
    "local_variables_initializer",
    "variables_initializer",
    "initialize_all_variables",
    "initialize_variables",
    "initialize_local_variables",
    "is_variable_initialized",
]


class Variable:
    """TF1 `tf.Variable(initial_value, trainable=True, name=None, dtype=None)`."""

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool = True,
        collections: Sequence[str] | None = None,
        validate_shape: bool = True,
        name: str | None = None,
        dtype: Any = None,
        expected_shape: Any = None,
        _scope: str | None = None,
    ) -> None:
        if initial_value is None:
            raise GraphError("Variable: initial_value must be given")
        graph = get_default_graph()
        # as TF1's init_scope: a variable and its initializer never take the enclosing control
        # dependencies (an optimizer's slots made under `control_dependencies(UPDATE_OPS)` must not
        # make the initializer run the updates)
        with (
            graph.control_dependencies(None),
            graph.name_scope(_scope if _scope is not None else (name or "Variable")) as scope,
        ):
            with graph.name_scope("Initializer" if _scope is not None else "initial_value"):
                init = initial_value() if callable(initial_value) else initial_value
                if dtype is not None and not isinstance(init, Tensor) and not hasattr(init, "_as_tensor"):
                    init_t = convert_to_tensor(init, dtype=dtype)
                else:
                    init_t = convert_to_tensor(init)
                    if dtype is not None and init_t.dtype != as_dtype(dtype):
                        from graphdl.ops.math import cast

                        init_t = cast(init_t, dtype)
            shape = init_t.shape if validate_shape else TensorShape(None)
            self._node = graph.create_op(
                "VariableV2", [], {"shape": shape, "dtype": init_t.dtype}, name=scope
            )
            self._initializer = assign(self, init_t, name="Assign").op
        self._initial_value = init_t
        self.trainable = trainable
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        for c in collections:
            graph.add_to_collection(c, self)

    @classmethod
    def _from_graph(cls, node: Node, initializer: Node, initial_value: Tensor, trainable: bool) -> Variable:
        """A Variable around nodes already in a graph (an imported graph), adding no ops."""
        v = cls.__new__(cls)
        v._node = node
        v._initializer = initializer
        v._initial_value = initial_value
        v.trainable = trainable
        return v

    # identity
    @property
    def op(self) -> Node:
        return self._node

    @property
    def name(self) -> str:
        return self._node.outputs[0].name

    @property
    def dtype(self) -> Any:
        return self._node.outputs[0].dtype

    @property
    def shape(self) -> TensorShape:
        return self._node.outputs[0].shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def graph(self) -> Any:
        return self._node.graph

    @property
    def initializer(self) -> Node:
        return self._initializer

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    def value(self) -> Tensor:
        return self._node.outputs[0]

    def read_value(self) -> Tensor:
        return self._node.outputs[0]

    def _as_tensor(self) -> Tensor:
        return self._node.outputs[0]

    def _as_graph_element(self) -> Tensor:
        return self._node.outputs[0]

    # updates
    def assign(
        self, value: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True
    ) -> Tensor:
        return assign(self, value, name=name)

    def assign_add(
        self, delta: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True
    ) -> Tensor:
        return assign_add(self, delta, name=name)

    def assign_sub(
        self, delta: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True
    ) -> Tensor:
        return assign_sub(self, delta, name=name)

    def count_up_to(self, limit: int) -> Tensor:
        return count_up_to(self, limit)

    def eval(self, session: Any = None) -> Any:
        return self.value().eval(session=session)

    def load(self, value: Any, session: Any = None) -> None:
        """Set the variable's value in a session without adding ops to the graph."""
        from runtime.session import get_default_session

        (session or get_default_session()).load_variable(self, value)

    def __repr__(self) -> str:
        return f"<graphdl.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __hash__ = object.__hash__  # identity, in C (fetch and feed keys are hashed on every run)

    def __eq__(self, other: object) -> bool:
        return self is other


def _delegate(op_name: str) -> Callable[..., Any]:
    def method(self: Variable, *args: Any) -> Any:
        return getattr(self._as_tensor(), op_name)(*args)

    method.__name__ = op_name
    return method


for _m in [
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__floordiv__",
    "__rfloordiv__",
    "__mod__",
    "__rmod__",
    "__pow__",
    "__rpow__",
    "__matmul__",
    "__rmatmul__",
    "__neg__",
    "__abs__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__getitem__",
    "__and__",
    "__or__",
    "__invert__",
]:
    setattr(Variable, _m, _delegate(_m))
Variable.__array_priority__ = 100  # type: ignore[attr-defined]


def global_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope: str | None = None) -> list[Variable]:
    """TF1 `tf.model_variables()`: the variables of a model's layers (contrib layers add theirs)."""
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope: str | None = None) -> list[Variable]:
    """TF1 `tf.moving_average_variables()`: the variables an ExponentialMovingAverage averages."""
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def variables_initializer(var_list: Sequence[Variable], name: str = "init") -> Node:
    """An op that runs the initializers of `var_list`."""
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer() -> Node:
    """An op that initializes every global variable of the default graph."""
    return variables_initializer(global_variables() + local_variables(), name="init")


def local_variables_initializer() -> Node:
    """An op that initializes every local variable of the default graph (TF1: a no-op when none)."""
    return variables_initializer(local_variables(), name="init")


initialize_all_variables = global_variables_initializer
initialize_variables = variables_initializer  # TF1's deprecated names
initialize_local_variables = local_variables_initializer


def is_variable_initialized(variable: Variable) -> Any:
    raise GraphError("is_variable_initialized is not supported; use Session.is_initialized(variable)")
