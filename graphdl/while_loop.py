"""TF1's `tf.while_loop`, unrolled into the graph the way graphdl compiles loops (one XLA program).

The loop is built iteration by iteration:
- while the condition's value is known when the graph is built (a counter against a constant), the
  body is applied as it is, and the loop stops where TF1's would; loop values known when the graph
  is built are kept as constants, so a long counting loop stays cheap to unroll;
- once the condition depends on feeds or variables, the loop needs `maximum_iterations`: the
  remaining iterations are all built, and each keeps the previous values where the condition has
  turned false (a select, as `tf.cond` is compiled). The results and the gradients are TF1's; every
  iteration up to `maximum_iterations` is computed.
TensorArrays (graphdl/tensor_array.py) may be loop variables. A body that assigns a variable is
refused (every read in a graphdl run sees start-of-run values); variables made with get_variable in
the body are made once and reused by the later iterations, as TF1 makes them once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl.control_flow import refuse_assignments
from graphdl.convert import convert_to_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import Graph, get_default_graph
from graphdl.nest import flatten as _flatten
from graphdl.nest import pack as _pack
from graphdl.nest import same_structure as _same_structure
from graphdl.tensor import Tensor
from graphdl.tensor_array import TensorArray

__all__ = ["while_loop"]

MAX_UNROLL = 10_000  # iterations of a loop whose condition is known when the graph is built


def _is_seq(x: Any) -> bool:
    return isinstance(x, list | tuple | dict)


def _leaf(x: Any) -> Any:
    return x if isinstance(x, TensorArray) else convert_to_tensor(x)


def _known(t: Any) -> Any:
    """A loop value known when the graph is built as a constant (so the next test folds cheaply)."""
    from graphdl.ops.shape_args import static_value
    from graphdl.ops.state import constant

    if not isinstance(t, Tensor) or t.op.type == "Const":
        return t
    v = static_value(t)
    return t if v is None else constant(np.asarray(v, dtype=t.dtype.np), dtype=t.dtype)


def _test(graph: Graph, cond: Callable[..., Any], args: list[Any]) -> tuple[Tensor, bool | None]:
    """The condition's tensor and its value when known now (else None)."""
    from graphdl.ops.shape_args import static_value

    c = convert_to_tensor(cond(*args))
    if c.dtype.name != "bool" or (c.shape.ndims not in (None, 0)):
        raise graph.located_error(
            DTypeError if c.dtype.name != "bool" else ShapeError,
            "while_loop",
            f"cond must return a boolean scalar, got {c.dtype.name} {c.shape.short()}",
        )
    v = static_value(c)
    return c, (None if v is None else bool(v))


def _assigns(node: Any) -> str:
    return (
        f"while_loop: the body assigns a variable ({node.describe()}); graphdl unrolls the loop into one run "
        "where every read sees the start-of-run value, so the assignment cannot feed the next iteration. Carry "
        "the value as a loop variable and assign the result after the loop"
    )


def _select(graph: Graph, running: Tensor, new: Any, old: Any) -> Any:
    from graphdl.ops.selection import where_v2

    if isinstance(new, TensorArray) or isinstance(old, TensorArray):
        if not (isinstance(new, TensorArray) and isinstance(old, TensorArray)):
            raise graph.located_error(GraphError, "while_loop", "the body turned a TensorArray into a tensor")
        return new._select(running, old)
    if new.dtype != old.dtype:
        raise graph.located_error(
            DTypeError,
            "while_loop",
            f"the body changed a loop variable from {old.dtype.name} to {new.dtype.name}",
        )
    if not new.shape.is_compatible_with(old.shape):
        raise graph.located_error(
            ShapeError,
            "while_loop",
            f"the body changed a loop variable's shape from {old.shape.short()} to {new.shape.short()}; with a "
            "condition known only at run time every iteration must keep the shapes (graphdl selects)",
        )
    return where_v2(running, new, old)


def while_loop(
    cond: Callable[..., Any],
    body: Callable[..., Any],
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: str | None = None,
    maximum_iterations: Any = None,
    return_same_structure: bool = False,
) -> Any:
    """TF1 `tf.while_loop(cond, body, loop_vars, ..., maximum_iterations=None)`, unrolled (see the module)."""
    from graphdl.ops.array import stop_gradient
    from graphdl.ops.logic import logical_and
    from graphdl.variable_scope import get_variable_scope, variable_scope

    graph = get_default_graph()
    if not callable(cond) or not callable(body):
        raise graph.located_error(GraphError, "while_loop", "cond and body must be callables")
    single = not _is_seq(loop_vars)
    structure = [loop_vars] if single else loop_vars
    leaves = [_leaf(x) for x in _flatten(structure)]
    if not leaves:
        raise graph.located_error(GraphError, "while_loop", "loop_vars is empty")
    limit: int | None = None
    if maximum_iterations is not None:
        from graphdl.ops.shape_args import static_value

        m = static_value(convert_to_tensor(maximum_iterations))
        if m is None:
            raise graph.located_error(
                GraphError, "while_loop", "maximum_iterations must be known when the graph is built"
            )
        limit = max(int(m), 0)

    def args(values: list[Any]) -> list[Any]:
        packed = _pack(structure, values)
        return list(packed) if isinstance(packed, list | tuple) else [packed]

    def run_body(values: list[Any], i: int) -> list[Any]:
        scope = get_variable_scope()
        with refuse_assignments(graph, _assigns), graph.name_scope(f"iter_{i}" if i else "body"):
            if i:  # variables made with get_variable by the first iteration are reused
                with variable_scope(scope, reuse=True):
                    out = body(*args(values))
            else:
                out = body(*args(values))
        if single or (len(structure) == 1 and not _is_seq(out)):
            out = [out]
        if not _same_structure(structure, out) or len(_flatten(out)) != len(values):
            raise graph.located_error(
                GraphError, "while_loop", "body must return the same structure as loop_vars"
            )
        return [_leaf(x) for x in _flatten(out)]

    with graph.name_scope(name or "while"):
        values = [_known(v) for v in leaves]
        i = 0
        running: Tensor | None = None
        while limit is None or i < limit:
            with graph.name_scope(f"cond_{i}" if i else "cond"):
                c, known = _test(graph, cond, args(values))
            if running is None and known is not None:
                if not known:
                    break
                if i >= MAX_UNROLL:
                    raise graph.located_error(
                        GraphError,
                        "while_loop",
                        f"the loop runs more than {MAX_UNROLL} iterations; graphdl unrolls loops into one "
                        "program, so use a vectorized form",
                    )
                values = [_known(v) for v in run_body(values, i)]
                i += 1
                continue
            if limit is None:
                raise graph.located_error(
                    GraphError,
                    "while_loop",
                    "the loop condition depends on values known only when the graph runs (feeds or "
                    "variables); graphdl unrolls loops into one XLA program, so give maximum_iterations",
                )
            if running is None:  # arrays written at run-time indices get one element per iteration
                values = [v._with_capacity(limit) if isinstance(v, TensorArray) else v for v in values]
            running = c if running is None else logical_and(running, c)
            new = run_body(values, i)
            values = [_select(graph, running, n, o) for n, o in zip(new, values, strict=True)]
            i += 1
        if not back_prop:
            values = [v if isinstance(v, TensorArray) else stop_gradient(v) for v in values]
        if shape_invariants is not None:
            for v, s in zip(
                values, _flatten([shape_invariants] if single else shape_invariants), strict=False
            ):
                if isinstance(v, Tensor) and s is not None and not v.shape.is_compatible_with(s):
                    raise graph.located_error(
                        ShapeError,
                        "while_loop",
                        f"a loop variable of shape {v.shape.short()} breaks its invariant {s}",
                    )
    result = _pack(structure, values)
    if return_same_structure:
        return result[0] if single else result
    flat = _flatten(result)
    if len(flat) == 1:
        return flat[0]
    return result
