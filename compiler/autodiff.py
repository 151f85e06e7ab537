"""Symbolic differentiation: walk the graph backwards, calling each op's `gradient` rule.

The gradient is made of ordinary nodes under the name scope `gradients/`, marked as gradient nodes,
so it can be drawn, optimized, run on either backend and differentiated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.errors import DTypeError, GraphError
from graphdl.graph import Graph, Node
from graphdl.tensor import Tensor


def _as_tensor_list(values: Any, what: str) -> list[Tensor]:
    from graphdl.convert import convert_to_tensor

    if not isinstance(values, list | tuple):
        values = [values]
    out = []
    for v in values:
        if v is None:
            raise GraphError(f"gradients: {what} contains None")
        out.append(convert_to_tensor(v))
    return out


def _carries_gradient(t: Tensor) -> bool:
    return t.dtype.is_floating


def _between(graph: Graph, ys: list[Tensor], xs: list[Tensor], stops: set[Tensor]) -> set[Node]:
    """Nodes on some path from an x to a y (data edges through floating tensors only)."""
    # Backwards from ys: ancestors through floating tensors, not through stop tensors.
    back: set[Node] = set()
    stack = [y.op for y in ys]
    while stack:
        n = stack.pop()
        if n in back:
            continue
        back.add(n)
        for t in n.inputs:
            if _carries_gradient(t) and t not in stops:
                stack.append(t.op)
    # Forwards from xs: consumers of reachable tensors, within `back`.
    reach_t: set[Tensor] = set(xs)
    between: set[Node] = set()
    for node in sorted(back, key=lambda n: n.id):
        if any(t in reach_t for t in node.inputs if t not in stops):
            between.add(node)
            reach_t.update(node.outputs)
    return between


def gradients(
    ys: Any,
    xs: Any,
    grad_ys: Any = None,
    name: str = "gradients",
    stop_gradients: Any = None,
    unconnected_gradients: str = "none",
    **unused: Any,
) -> list[Tensor | None]:
    """TF1 `tf.gradients`: for each x, the sum over ys of d(y)/d(x), as new graph nodes."""
    from graphdl.ops import array, math

    ys_t = _as_tensor_list(ys, "ys")
    xs_t = _as_tensor_list(xs, "xs")
    if unconnected_gradients not in ("none", "zero"):
        raise GraphError("gradients: unconnected_gradients must be 'none' or 'zero'")
    graph = ys_t[0].graph
    for t in ys_t + xs_t:
        if t.graph is not graph:
            raise GraphError(f"gradients: '{t.name}' is not in the same graph as '{ys_t[0].name}'")
    if grad_ys is None:
        grad_ys_l: list[Any] = [None] * len(ys_t)
    else:
        grad_ys_l = list(grad_ys) if isinstance(grad_ys, list | tuple) else [grad_ys]
        if len(grad_ys_l) != len(ys_t):
            raise GraphError(f"gradients: {len(ys_t)} ys but {len(grad_ys_l)} grad_ys")
    stops = set(_as_tensor_list(stop_gradients, "stop_gradients")) if stop_gradients else set()

    between = _between(graph, ys_t, xs_t, stops)
    pending: dict[Tensor, list[Tensor]] = {}
    with graph.name_scope(name), graph.gradient_scope():
        for y, gy in zip(ys_t, grad_ys_l, strict=True):
            if not _carries_gradient(y):
                continue
            if gy is None:
                g = array.ones_like(y, name="grad_ys")
            else:
                from graphdl.convert import convert_to_tensor

                g = convert_to_tensor(gy, dtype=y.dtype)
                if not g.shape.is_compatible_with(y.shape):
                    raise GraphError(f"gradients: grad_ys for '{y.name}' has shape {g.shape}, expected {y.shape}")
            pending.setdefault(y, []).append(g)

        for node in sorted(between, key=lambda n: n.id, reverse=True):
            if not any(o in pending for o in node.outputs):
                continue
            if not node.op_def.differentiable or node.op_def.gradient is None:
                if node.op_def.kind == "op" and all(o.dtype.is_floating for o in node.outputs):
                    raise GraphError(
                        f"no gradient defined for operation '{node.name}' (op type: {node.type}), "
                        f"created at {node.describe()}"
                    )
                continue
            with graph.name_scope(node.name + "_grad"):
                out_grads = []
                for o in node.outputs:
                    gs = pending.get(o)
                    if gs:
                        out_grads.append(_aggregate(gs, math))
                    elif _carries_gradient(o):
                        out_grads.append(array.zeros_like(o))
                    else:
                        out_grads.append(None)
                in_grads = node.op_def.gradient(node, out_grads)
            if len(in_grads) != len(node.inputs):
                raise GraphError(
                    f"gradient rule of {node.type} returned {len(in_grads)} gradients for {len(node.inputs)} inputs"
                )
            for t, g in zip(node.inputs, in_grads, strict=True):
                if g is None or t in stops or not _carries_gradient(t):
                    continue
                if g.dtype != t.dtype:
                    raise DTypeError(f"gradient rule of {node.type} gave {g.dtype.name} for a {t.dtype.name} input")
                pending.setdefault(t, []).append(g)

        result: list[Tensor | None] = []
        for x in xs_t:
            gs = pending.get(x)
            if gs and _carries_gradient(x):
                with graph.name_scope(x.op.name + "_grad") if len(gs) > 1 else _nullscope():
                    result.append(_aggregate(gs, math))
            elif unconnected_gradients == "zero":
                result.append(array.zeros_like(x))
            else:
                result.append(None)
    return result


def _aggregate(gs: Sequence[Tensor], math: Any) -> Tensor:
    if len(gs) == 1:
        return gs[0]
    return math.add_n(list(gs))  # type: ignore[no-any-return]


class _nullscope:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
