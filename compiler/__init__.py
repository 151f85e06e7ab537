"""graphdl's compiler: validate, infer shapes, differentiate, optimize and lower graphs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compiler.explain import explain
from compiler.ir import Plan, Step
from compiler.plan import build_plan
from compiler.validate import validate
from graphdl.graph import Graph, Node
from graphdl.registry import TensorSpec
from graphdl.tensor import Tensor

__all__ = ["Plan", "Step", "explain", "plan", "validate"]


def plan(
    graph: Graph,
    fetches: Sequence[Tensor | Node],
    feed_specs: Mapping[Tensor, TensorSpec] | None = None,
    optimize: bool = True,
) -> Plan:
    """Plan a run of `fetches` with the given fed tensors; `optimize` runs the default passes."""
    from compiler.passes import DEFAULT_PASSES

    return build_plan(graph, fetches, feed_specs or {}, DEFAULT_PASSES if optimize else ())
