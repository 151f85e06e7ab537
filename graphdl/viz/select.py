"""Which nodes a drawing shows: what the fetches need, without initializers, split into the forward
pass and the backward pass (gradients and the optimizer updates built from them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphdl.errors import GraphError
from graphdl.graph import Graph, GraphKeys, Node, get_default_graph
from graphdl.tensor import Tensor


def flatten_fetches(fetches: Any) -> list[Any]:
    """Leaves of a nested list/tuple/dict/namedtuple of fetches."""
    if fetches is None:
        return []
    if isinstance(fetches, Mapping):
        out: list[Any] = []
        for v in fetches.values():
            out.extend(flatten_fetches(v))
        return out
    if isinstance(fetches, list | tuple | set | frozenset):
        out = []
        for v in fetches:
            out.extend(flatten_fetches(v))
        return out
    return [fetches]


def as_node(graph: Graph | None, item: Any) -> Node:
    """A fetch (Tensor, Operation, Variable, or name) as the node that produces it."""
    if isinstance(item, Node):
        return item
    if isinstance(item, Tensor):
        return item.op
    if isinstance(item, str):
        if graph is None:
            graph = get_default_graph()
        elem = graph.as_graph_element(item)
        return elem if isinstance(elem, Node) else elem.op
    if hasattr(item, "_as_graph_element"):
        return as_node(graph, item._as_graph_element())
    op = getattr(item, "op", None)
    if isinstance(op, Node):
        return op
    raise GraphError(f"graphdl.viz: cannot draw {item!r}; give tensors, operations, variables or names")


def resolve(graph: Graph | None, fetches: Any) -> tuple[Graph, list[Node] | None]:
    """The graph to draw and the fetched nodes (None: draw the whole graph)."""
    leaves = flatten_fetches(fetches)
    if not leaves:
        return (graph or get_default_graph()), None
    targets = [as_node(graph, f) for f in leaves]
    g = graph or targets[0].graph
    for t in targets:
        if t.graph is not g:
            raise GraphError(f"graphdl.viz: {t.name!r} belongs to another graph than the one drawn")
    return g, targets


def ancestors(targets: Iterable[Node]) -> set[Node]:
    """The targets and every node they need (data and control inputs)."""
    seen: set[Node] = set()
    stack = list(targets)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        stack.extend(t.op for t in n.inputs)
        stack.extend(n.control_inputs)
    return seen


def consumers(nodes: Iterable[Node]) -> dict[Node, list[Node]]:
    """Node -> the nodes (among `nodes`) that read it through a data or control edge."""
    out: dict[Node, list[Node]] = {}
    for n in nodes:
        for t in n.inputs:
            out.setdefault(t.op, []).append(n)
        for c in n.control_inputs:
            out.setdefault(c, []).append(n)
    return out


def _only_feeds(
    order: list[Node],
    cons: dict[Node, list[Node]],
    group: set[Node],
    keep: set[Node],
    skip_gradient_users: bool = False,
) -> None:
    """Grow `group` with nodes (not in `keep`) all of whose consumers are in it, until it stops growing.

    With `skip_gradient_users`, a node read by a gradient op is never added (the loss and the forward
    activations stay in the forward pass even when only gradients read them).
    """
    changed = True
    while changed:
        changed = False
        for n in reversed(order):
            if n in group or n in keep:
                continue
            users = cons.get(n)
            if not users or (skip_gradient_users and any(u.is_gradient for u in users)):
                continue
            if all(u in group for u in users):
                group.add(n)
                changed = True


def initializer_nodes(graph: Graph, order: list[Node]) -> set[Node]:
    """Variable initializers, the values they assign and the `init` ops that group them."""
    seeds: set[Node] = set()
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for v in graph.get_collection(key):
            init = getattr(v, "initializer", None)
            if isinstance(init, Node):
                seeds.add(init)
    if not seeds:
        return set()
    group = set(seeds)
    members = set(order)
    # grouping ops (no consumers) whose inputs are all initializers: `init`, `init_1`
    changed = True
    while changed:
        changed = False
        for n in order:
            if n in group or n.kind != "control":
                continue
            deps = [t.op for t in n.inputs] + list(n.control_inputs)
            if deps and all(d in group for d in deps):
                group.add(n)
                changed = True
    variables = {n for n in order if n.kind == "variable"}
    _only_feeds(order, consumers(order), group, variables)
    return group & members


def backward_nodes(order: list[Node]) -> set[Node]:
    """Gradient nodes, what consumes them (optimizer updates, `train`) and what only those read
    (learning rates, optimizer slots)."""
    back: set[Node] = set()
    for n in order:  # creation order is a topological order
        if n.is_gradient or any(t.op in back for t in n.inputs) or any(c in back for c in n.control_inputs):
            back.add(n)
    if back:
        _only_feeds(order, consumers(order), back, set(), skip_gradient_users=True)
    return back


def select(graph: Graph, targets: list[Node] | None, show_init: bool) -> list[Node]:
    """The nodes to consider, in creation order."""
    order = graph.get_operations()
    if targets is not None:
        need = ancestors(targets)
        return [n for n in order if n in need]
    if show_init:
        return order
    hidden = initializer_nodes(graph, order)
    return [n for n in order if n not in hidden]
