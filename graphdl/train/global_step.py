"""TF1's global step: an int64 scalar variable in the GLOBAL_STEP collection, counted by optimizers."""

from __future__ import annotations

from typing import Any

from graphdl.errors import GraphError
from graphdl.graph import Graph, GraphKeys, get_default_graph
from graphdl.variables import Variable

__all__ = ["create_global_step", "get_global_step", "get_or_create_global_step", "global_step"]


def get_global_step(graph: Graph | None = None) -> Variable | None:
    """TF1 `tf.train.get_global_step()`: the graph's global step variable, or None."""
    graph = graph or get_default_graph()
    steps = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(steps) > 1:
        raise GraphError(f"the graph has {len(steps)} global step variables: {[v.name for v in steps]}")
    if not steps:
        return None
    step: Variable = steps[0]
    if not step.dtype.is_integer or step.shape.rank != 0:
        raise GraphError(
            f"global step '{step.name}' must be an integer scalar, got {step.dtype.name} {step.shape}"
        )
    return step


def create_global_step(graph: Graph | None = None) -> Variable:
    """TF1 `tf.train.create_global_step()`: a new int64 variable 'global_step' initialized to 0."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise GraphError("a global step variable already exists in this graph")
    # as TF1: a get_variable in the current variable scope ('Model/global_step' under
    # variable_scope('Model')), outside any name scope
    from graphdl.initializers import zeros_initializer
    from graphdl.variable_scope import get_variable

    with graph.as_default(), graph.name_scope(None):
        return get_variable(
            GraphKeys.GLOBAL_STEP,
            shape=[],
            dtype="int64",
            initializer=zeros_initializer(),
            trainable=False,
            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
        )


def get_or_create_global_step(graph: Graph | None = None) -> Variable:
    """TF1 `tf.train.get_or_create_global_step()`."""
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess: Any, global_step_tensor: Any) -> int:
    """TF1 `tf.train.global_step(sess, global_step_tensor)`: the step's current value as an int."""
    return int(sess.run(global_step_tensor))
