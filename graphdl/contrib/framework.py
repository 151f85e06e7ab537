"""TF1's `tf.contrib.framework`: the global-step helpers under their contrib names (TF 1.0-era
programs such as cifar10_train.py call `tf.contrib.framework.get_or_create_global_step()`) and the
variable queries `get_variables`, `get_variables_to_restore`, `get_trainable_variables`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.graph import GraphKeys, get_default_graph
from graphdl.train.global_step import create_global_step, get_global_step, get_or_create_global_step

__all__ = [
    "create_global_step",
    "get_global_step",
    "get_or_create_global_step",
    "get_variables",
    "get_variables_to_restore",
    "get_trainable_variables",
    "get_local_variables",
]


def get_variables(
    scope: str | None = None, suffix: str | None = None, collection: str = GraphKeys.GLOBAL_VARIABLES
) -> list[Any]:
    """Variables of `collection` whose names start with `scope` (a variable scope's name also
    works) and end with `suffix`."""
    if scope is not None and not isinstance(scope, str):
        scope = scope.name  # a VariableScope
    found = get_default_graph().get_collection(collection, scope)
    if suffix is not None:
        found = [v for v in found if v.op.name.endswith(suffix)]
    return found


def get_trainable_variables(scope: str | None = None, suffix: str | None = None) -> list[Any]:
    return get_variables(scope, suffix, GraphKeys.TRAINABLE_VARIABLES)


def get_local_variables(scope: str | None = None, suffix: str | None = None) -> list[Any]:
    return get_variables(scope, suffix, GraphKeys.LOCAL_VARIABLES)


def get_variables_to_restore(
    include: Sequence[str] | None = None, exclude: Sequence[str] | None = None
) -> list[Any]:
    """The global variables in the scopes `include` (all when None) and not in the scopes `exclude`."""
    if include is None:
        chosen = get_variables()
    else:
        chosen = []
        for scope in include:
            chosen += [v for v in get_variables(scope) if v not in chosen]
    excluded = {id(v) for scope in exclude or () for v in get_variables(scope)}
    return [v for v in chosen if id(v) not in excluded]
