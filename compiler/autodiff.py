"""Symbolic differentiation (TF1's `tf.gradients`): walk the graph backwards, calling each op's `gradient`.

The gradient is made of ordinary nodes under the name scope `gradients/` (the nodes of one op's
rule under `gradients/<op name>_grad/`), marked `is_gradient`, so it can be drawn, optimized, run
on either backend and differentiated again (second-order gradients).

TF1 conventions: the result has one entry per x, the sum over ys of d(y)/d(x); `grad_ys` seeds
each y (default ones, so a non-scalar y is summed); an x no y depends on gets None (zeros with
`unconnected_gradients="zero"`); integer and bool tensors carry no gradient; tensors in
`stop_gradients` receive gradient but pass none on to their inputs; gradients arriving along
several paths are summed with `add_n` (`gradients/AddN`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import Graph, Node
from graphdl.tensor import Tensor

# Kinds of ops through which a missing gradient rule is an error. Others carry no gradient, as in
# TF1, where random ops (which may read an input only for its shape) are registered NotDifferentiable.
_COMPUTING_KINDS = ("op",)


def _as_tensor_list(values: Any, what: str) -> list[Tensor]:
    """Tensors (or Variables) as a list; a single value becomes a list of one."""
    from graphdl.convert import convert_to_tensor

    if values is None:
        return []
    if not isinstance(values, list | tuple):
        values = [values]
    out = []
    for v in values:
        if v is None:
            raise GraphError(f"gradients: {what} contains None")
        out.append(convert_to_tensor(v))
    return out


def _carries_gradient(t: Tensor) -> bool:
    """Only floating tensors carry gradients (TF1: integer and bool tensors are not differentiable)."""
    return t.dtype.is_floating


def _ones_like(t: Tensor, name: str) -> Tensor:
    from graphdl.ops import array

    return array.ones_like(t, name=name)  # type: ignore[no-any-return]


def _zeros_like(t: Tensor) -> Tensor:
    from graphdl.ops import array

    return array.zeros_like(t)  # type: ignore[no-any-return]


def _aggregate(gs: list[Tensor]) -> Tensor:
    """One gradient from those of several paths (TF1: `add_n`, named `gradients/AddN`)."""
    from graphdl.ops.math import add_n

    return gs[0] if len(gs) == 1 else add_n(gs)


def _reached(graph: Graph, xs: Sequence[Tensor], stop_ops: set[Node]) -> tuple[set[Tensor], list[Node]]:
    """Floating tensors that depend on an x, and the nodes (in creation order) that consume them.

    Creation order is a topological order. A node in `stop_ops` passes no dependence on.
    """
    reached: set[Tensor] = {x for x in xs if _carries_gradient(x)}
    if not reached:
        return reached, []
    first = min(x.op.id for x in reached)
    between: list[Node] = []
    for node in graph.get_operations():
        if node.id < first or node in stop_ops:
            continue
        if any(t in reached for t in node.inputs):
            between.append(node)
            reached.update(o for o in node.outputs if _carries_gradient(o))
    return reached, between


def _seed(graph: Graph, i: int, y: Tensor, gy: Any) -> Tensor:
    """The initial gradient of y: ones shaped like y (TF1 `grad_ys_<i>`), or the given grad_ys entry."""
    from graphdl.convert import convert_to_tensor, is_tensor_like

    if gy is None:
        return _ones_like(y, name=f"grad_ys_{i}")
    g = convert_to_tensor(gy, dtype=None if is_tensor_like(gy) else y.dtype, name=f"grad_ys_{i}", graph=graph)
    if g.graph is not graph:
        raise GraphError(f"gradients: grad_ys[{i}] '{g.name}' is not in the graph of '{y.name}'")
    if g.dtype != y.dtype:
        raise DTypeError(
            f"gradients: grad_ys[{i}] has dtype {g.dtype.name}, but ys[{i}] '{y.name}' is {y.dtype.name}"
        )
    if not g.shape.is_compatible_with(y.shape):
        raise ShapeError(
            f"gradients: grad_ys[{i}] has shape {g.shape}, but ys[{i}] '{y.name}' has shape {y.shape}"
        )
    return g


def gradients(
    ys: Any,
    xs: Any,
    grad_ys: Any = None,
    name: str = "gradients",
    stop_gradients: Any = None,
    unconnected_gradients: Any = "none",
    colocate_gradients_with_ops: bool = False,
    gate_gradients: bool = False,
    aggregation_method: Any = None,
) -> list[Tensor | None]:
    """TF1 `tf.gradients`: for each x, the sum over ys of d(y)/d(x), built as new graph nodes."""
    ys_t = _as_tensor_list(ys, "ys")
    xs_t = _as_tensor_list(xs, "xs")
    if not ys_t:
        raise GraphError("gradients: ys is empty")
    mode = str(getattr(unconnected_gradients, "value", unconnected_gradients)).lower()
    if mode not in ("none", "zero"):
        raise GraphError(
            f"gradients: unconnected_gradients must be 'none' or 'zero', got {unconnected_gradients!r}"
        )
    graph = ys_t[0].graph
    for what, ts in (("ys", ys_t), ("xs", xs_t)):
        for t in ts:
            if t.graph is not graph:
                raise GraphError(
                    f"gradients: {what} tensor '{t.name}' is not in the same graph as ys[0] '{ys_t[0].name}'"
                )
    if grad_ys is None:
        grad_ys_l: list[Any] = [None] * len(ys_t)
    else:
        grad_ys_l = list(grad_ys) if isinstance(grad_ys, list | tuple) else [grad_ys]
        if len(grad_ys_l) != len(ys_t):
            raise GraphError(f"gradients: {len(ys_t)} ys but {len(grad_ys_l)} grad_ys")
    stop_ops = {t.op for t in _as_tensor_list(stop_gradients, "stop_gradients")}
    reached, between = _reached(graph, xs_t, stop_ops)

    pending: dict[Tensor, list[Tensor]] = {}
    with graph.name_scope(name), graph.gradient_scope():
        for i, (y, gy) in enumerate(zip(ys_t, grad_ys_l, strict=True)):
            if _carries_gradient(y) and y in reached:
                pending.setdefault(y, []).append(_seed(graph, i, y, gy))

        for node in reversed(between):
            if not any(o in pending for o in node.outputs):
                continue
            out_grads: list[Tensor | None] = []
            for o in node.outputs:
                if o in pending:
                    pending[o] = [_aggregate(pending[o])]
                    out_grads.append(pending[o][0])
                else:
                    out_grads.append(None)
            op_def = node.op_def
            if not op_def.differentiable or op_def.gradient is None:
                if op_def.kind in _COMPUTING_KINDS:
                    raise GraphError(
                        f"no gradient defined for operation '{node.name}' (op type: {node.type}), "
                        f"{node.describe()}: it lies on a path from xs to ys; cut the path with "
                        "graphdl.stop_gradient or differentiate with respect to other tensors"
                    )
                continue
            with graph.name_scope(node.name + "_grad"):
                for k, o in enumerate(node.outputs):
                    if out_grads[k] is None and _carries_gradient(o):
                        out_grads[k] = _zeros_like(o)
                in_grads = op_def.gradient(node, out_grads)
            if len(in_grads) != len(node.inputs):
                raise GraphError(
                    f"the gradient rule of {node.type} returned {len(in_grads)} gradients for the "
                    f"{len(node.inputs)} inputs of {node.describe()}"
                )
            for t, g in zip(node.inputs, in_grads, strict=True):
                if g is None or t not in reached:
                    continue
                if g.dtype != t.dtype:
                    raise DTypeError(
                        f"the gradient rule of {node.type} gave a {g.dtype.name} gradient for the "
                        f"{t.dtype.name} input '{t.name}' of {node.describe()}"
                    )
                if not g.shape.is_compatible_with(t.shape):
                    raise ShapeError(
                        f"the gradient rule of {node.type} gave a gradient of shape {g.shape} for the "
                        f"input '{t.name}' of shape {t.shape} of {node.describe()}"
                    )
                pending.setdefault(t, []).append(g)

        result: list[Tensor | None] = []
        for x in xs_t:
            if x in pending:
                pending[x] = [_aggregate(pending[x])]
                result.append(pending[x][0])
            elif mode == "zero":
                result.append(_zeros_like(x))
            else:
                result.append(None)
    return result
