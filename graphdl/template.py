"""TF1's `tf.make_template`: a function whose variables are made on its first call and shared by every
later call, under one variable scope."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from graphdl.errors import GraphError
from graphdl.graph import get_default_graph
from graphdl.variable_scope import VariableScope, variable_scope
from graphdl.variables import Variable, global_variables, local_variables, trainable_variables

__all__ = ["make_template", "Template"]


class Template:
    """The callable `make_template` returns: the first call makes the variable scope (unique in the graph,
    `name`, `name_1`, ...) and the variables; later calls reuse them, and making a new trainable variable
    there is an error, as in TF1."""

    def __init__(
        self,
        name: str,
        func: Callable[..., Any],
        create_scope_now: bool = False,
        unique_name: str | None = None,
        custom_getter: Any = None,
    ) -> None:
        if not name:
            raise get_default_graph().located_error(GraphError, "make_template", "name cannot be empty")
        self._name, self._func, self._unique_name = name, func, unique_name
        self._scope: VariableScope | None = None
        self._created = False
        if create_scope_now:
            with variable_scope(unique_name, name) as scope:
                self._scope = scope

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._scope is None:
            with variable_scope(self._unique_name, self._name) as scope:
                self._scope = scope
                return self._first(args, kwargs)
        if not self._created:
            with variable_scope(self._scope):
                return self._first(args, kwargs)
        before = len(trainable_variables())
        with variable_scope(self._scope, reuse=True):
            result = self._func(*args, **kwargs)
        made = trainable_variables()[before:]
        if made:
            raise get_default_graph().located_error(
                GraphError,
                "make_template",
                f"trainable variable {made[0].name} was created when calling template '{self._name}' after "
                "the first time; perhaps tf.Variable was used where tf.get_variable was meant",
            )
        return result

    def _first(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        result = self._func(*args, **kwargs)
        self._created = True
        return result

    @property
    def name(self) -> str:
        return self._name

    @property
    def func(self) -> Callable[..., Any]:
        return self._func

    @property
    def variable_scope(self) -> VariableScope | None:
        return self._scope

    @property
    def variable_scope_name(self) -> str | None:
        """The scope's name with TF1's trailing slash (`my_layer/`)."""
        return None if self._scope is None else self._scope.name + "/"

    def _mine(self, variables: list[Variable]) -> list[Variable]:
        if self._scope is None:
            return []
        prefix = self._scope.name + "/"
        return [v for v in variables if v.op.name.startswith(prefix)]

    @property
    def variables(self) -> list[Variable]:
        return self._mine(global_variables())

    @property
    def global_variables(self) -> list[Variable]:
        return self._mine(global_variables())

    @property
    def trainable_variables(self) -> list[Variable]:
        return self._mine(trainable_variables())

    @property
    def non_trainable_variables(self) -> list[Variable]:
        trainable = {id(v) for v in trainable_variables()}
        return [v for v in self.global_variables if id(v) not in trainable]

    @property
    def local_variables(self) -> list[Variable]:
        return self._mine(local_variables())


def make_template(
    name_: str,
    func_: Callable[..., Any],
    create_scope_now_: bool = False,
    unique_name_: str | None = None,
    custom_getter_: Any = None,
    **kwargs: Any,
) -> Template:
    """TF1 `tf.make_template(name_, func_, create_scope_now_=False, unique_name_=None, **kwargs)`:
    `func_` with `kwargs` bound, sharing the variables its first call makes."""
    func = functools.partial(func_, **kwargs) if kwargs else func_
    return Template(name_, func, create_scope_now_, unique_name_, custom_getter_)
