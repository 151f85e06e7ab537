"""Whole-graph validation: unknown ops, dangling inputs, cycles, dtype agreement."""

from __future__ import annotations

from graphdl.errors import GraphError
from graphdl.graph import Graph
from graphdl.registry import _REGISTRY, TensorSpec


def validate(graph: Graph) -> None:
    """Raise GraphError (or the op's ShapeError/DTypeError) for the first problem found."""
    names = {n.name for n in graph.get_operations()}
    for node in graph.get_operations():
        if node.type not in _REGISTRY:
            raise GraphError(
                f"{node.name}: unknown op type {node.type!r} (was the graph loaded from a newer graphdl?)"
            )
        for t in list(node.inputs) + [c.outputs[0] for c in node.control_inputs if c.outputs]:
            if t.op.graph is not graph or t.op.name not in names:
                raise GraphError(f"{node.describe()}: input '{t.name}' is not in the graph")
        for c in node.control_inputs:
            if c.name not in names:
                raise GraphError(f"{node.describe()}: control input '{c.name}' is not in the graph")
        specs = node.op_def.infer([TensorSpec(t.shape, t.dtype) for t in node.inputs], node.attrs)
        for out, s in zip(node.outputs, specs, strict=True):
            if out.dtype != s.dtype:
                raise GraphError(
                    f"{node.describe()}: output '{out.name}' is recorded as {out.dtype.name} "
                    f"but its inputs give {s.dtype.name}"
                )
    import networkx as nx  # imported here: it takes ~0.1 s, and planning a run does not need it

    g = graph.to_networkx()
    if not nx.is_directed_acyclic_graph(g):
        cycle = nx.find_cycle(g)
        raise GraphError("the graph has a cycle: " + " -> ".join(str(e[0]) for e in cycle))
