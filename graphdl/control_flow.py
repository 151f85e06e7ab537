"""TF1 control flow, the way graphdl compiles it: `cond` and `case` select, `map_fn`/`scan`/`foldl`/`foldr` unroll.

graphdl has no loop or branch op; a run is one XLA program. So:
- `cond(pred, true_fn, false_fn)` builds both branches and selects elementwise
  (`where(pred, t, f)`). The values and the gradients are TF1's: the gradient flows only into the
  taken branch. Both branches are computed, so a branch may not assign variables. That is refused
  when the graph is built, naming the op, because the assignment would run whichever branch is taken.
- `map_fn`, `scan`, `foldl` and `foldr` unroll over the first dimension, which must be known when the
  graph is built, as `dynamic_rnn` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import Graph, GraphKeys, Node, get_default_graph
from graphdl.nest import flatten as _flatten
from graphdl.nest import pack as _pack
from graphdl.nest import same_structure as _same_structure
from graphdl.tensor import Tensor

__all__ = ["cond", "case", "map_fn", "scan", "foldl", "foldr"]


# --- cond and case -----------------------------------------------------------------------------------


def _variables(graph: Graph) -> set[Any]:
    return {
        v
        for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES)
        for v in graph.get_collection(key)
    }


@contextlib.contextmanager
def refuse_assignments(graph: Graph, message: Callable[[Node], str]) -> Iterator[None]:
    """Refuse the assignments among the ops built inside (a GraphError with `message(node)`): a
    branch or loop body compiled as a select or an unroll cannot assign. The initializers of the
    variables made inside (get_variable) are not assignments."""
    start, before = len(graph.get_operations()), _variables(graph)
    yield
    inits = {v.initializer for v in _variables(graph) - before}
    for node in graph.get_operations()[start:]:
        if node not in inits and (node.op_def.ref_inputs or node.kind == "update"):
            raise GraphError(message(node))


def _branch(graph: Graph, fn: Callable[[], Any], label: str, api: str) -> Any:
    """Build one branch, refusing assignments (both branches always run here)."""
    with (
        refuse_assignments(
            graph,
            lambda node: (
                f"{api}: the {label} branch assigns a variable ({node.describe()}); graphdl computes "
                "both branches and selects, so the assignment would run whichever branch is taken. Move it out of "
                "the branch, e.g. compute the new value with tf.cond and assign it afterwards"
            ),
        ),
        graph.name_scope(label),
    ):
        return fn()


def _select(graph: Graph, pred: Tensor, t: Any, f: Any, api: str) -> Any:
    from graphdl.ops.selection import where_v2

    if isinstance(t, Node) or isinstance(f, Node):
        raise graph.located_error(
            GraphError, api, "branches must return tensors, not operations (both branches run)"
        )
    t, f = convert_to_tensor(t), convert_to_tensor(f)
    if t.dtype != f.dtype:
        raise graph.located_error(DTypeError, api, f"the branches return {t.dtype.name} and {f.dtype.name}")
    if not t.shape.is_compatible_with(f.shape):
        raise graph.located_error(
            ShapeError,
            api,
            f"the branches return shapes {t.shape.short()} and {f.shape.short()}; graphdl selects elementwise, "
            "so both branches must give the same shape",
        )
    return where_v2(pred, t, f, name="Merge")


def _predicate(graph: Graph, pred: Any, api: str) -> Tensor:
    p = convert_to_tensor(pred)
    if not p.dtype.is_bool:
        raise graph.located_error(DTypeError, api, f"the predicate must be a bool tensor, got {p.dtype.name}")
    if p.shape.ndims not in (None, 0):
        raise graph.located_error(
            ShapeError, api, f"the predicate must be a scalar, got shape {p.shape.short()}"
        )
    if (
        p.shape.ndims is None
    ):  # a placeholder of unknown shape: a scalar when fed, so the branches keep their shapes
        from graphdl.ops.array import reshape

        p = reshape(p, [], name="pred_scalar")
    return p


def cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    strict: bool = False,
    name: str | None = None,
    fn1: Callable[[], Any] | None = None,
    fn2: Callable[[], Any] | None = None,
) -> Any:
    """TF1 `tf.cond`: `true_fn()` where `pred` is true, else `false_fn()` (see the module docstring)."""
    graph = get_default_graph()
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if not callable(true_fn) or not callable(false_fn):
        raise graph.located_error(GraphError, "cond", "true_fn and false_fn must both be callables")
    with graph.name_scope(name or "cond"):
        p = _predicate(graph, pred, "cond")
        t = _branch(graph, true_fn, "true", "cond")
        f = _branch(graph, false_fn, "false", "cond")
        if not _same_structure(t, f):
            raise graph.located_error(
                GraphError, "cond", f"the branches return different structures: {t!r} and {f!r}"
            )
        merged = [_select(graph, p, a, b, "cond") for a, b in zip(_flatten(t), _flatten(f), strict=True)]
        out = _pack(t, merged)
    if not strict and isinstance(out, list | tuple) and len(out) == 1 and not hasattr(out, "_fields"):
        return out[0]  # TF1 unpacks singleton lists unless strict
    return out


def case(
    pred_fn_pairs: Any,
    default: Callable[[], Any] | None = None,
    exclusive: bool = False,
    strict: bool = False,
    name: str = "case",
) -> Any:
    """TF1 `tf.case`: the branch of the first true predicate, else `default()` (all branches are computed;
    `exclusive` is not checked at run time)."""
    graph = get_default_graph()
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, Mapping) else list(pred_fn_pairs)
    if not pairs:
        raise graph.located_error(GraphError, "case", "pred_fn_pairs is empty")
    if default is None:  # TF1: the last branch becomes the default
        *pairs, (_, default) = pairs
    with graph.name_scope(name):
        result = _branch(graph, default, "default", "case")
        for i, (pred, fn) in reversed(list(enumerate(pairs))):
            p = _predicate(graph, pred, "case")
            out = _branch(graph, fn, f"case_{i}", "case")
            if not _same_structure(out, result):
                raise graph.located_error(GraphError, "case", "the branches return different structures")
            result = _pack(
                out,
                [
                    _select(graph, p, a, b, "case")
                    for a, b in zip(_flatten(out), _flatten(result), strict=True)
                ],
            )
    if (
        not strict
        and isinstance(result, list | tuple)
        and len(result) == 1
        and not hasattr(result, "_fields")
    ):
        return result[0]
    return result


# --- unrolled higher-order functions ----------------------------------------------------------------


def _unstack_elems(graph: Graph, elems: Any, api: str) -> tuple[list[Any], int]:
    from graphdl.ops.joining import unstack

    leaves = [convert_to_tensor(e) for e in _flatten(elems)]
    if not leaves:
        raise graph.located_error(GraphError, api, "elems is empty")
    sizes = set()
    for t in leaves:
        n = t.shape.dims[0] if t.shape.dims else None
        if n is None:
            raise graph.located_error(
                ShapeError,
                api,
                f"the first dimension of {t.name} ({t.shape.short()}) must be known when the graph is built: "
                "graphdl unrolls the loop; give the placeholder a static first dimension",
            )
        sizes.add(n)
    if len(sizes) != 1:
        raise graph.located_error(
            ShapeError, api, f"the elems have different first dimensions {sorted(sizes)}"
        )
    n = sizes.pop()
    columns = [unstack(t, num=n) for t in leaves]
    return [_pack(elems, [c[i] for c in columns]) for i in range(n)], n


def _stack_results(results: list[Any]) -> Any:
    from graphdl.ops.joining import stack

    leaves = [_flatten(r) for r in results]
    return _pack(results[0], [stack([leaf[k] for leaf in leaves]) for k in range(len(leaves[0]))])


def map_fn(
    fn: Callable[[Any], Any],
    elems: Any,
    dtype: Any = None,
    parallel_iterations: Any = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name: str | None = None,
) -> Any:
    """TF1 `tf.map_fn`: `fn` applied to each slice of `elems` along axis 0, results stacked (unrolled)."""
    graph = get_default_graph()
    with graph.name_scope(name or "map"):
        items, _ = _unstack_elems(graph, elems, "map_fn")
        results = []
        for i, item in enumerate(items):
            with graph.name_scope(f"step_{i}" if i else "step"):
                results.append(fn(item))
        return _stack_results(results)


def scan(
    fn: Callable[[Any, Any], Any],
    elems: Any,
    initializer: Any = None,
    parallel_iterations: Any = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name: str | None = None,
) -> Any:
    """TF1 `tf.scan`: the stacked accumulators of `acc = fn(acc, x)` over axis 0 of `elems` (unrolled).

    Without an initializer the first element starts the accumulator and is the first output."""
    graph = get_default_graph()
    with graph.name_scope(name or "scan"):
        items, n = _unstack_elems(graph, elems, "scan")
        order = list(range(n))[::-1] if reverse else list(range(n))
        outputs: dict[int, Any] = {}
        if initializer is None:
            acc = items[order[0]]
            outputs[order[0]] = acc
            order = order[1:]
        else:
            acc = initializer
        for i in order:
            with graph.name_scope(f"step_{i}" if i else "step"):
                acc = fn(acc, items[i])
            outputs[i] = acc
        return _stack_results([outputs[i] for i in range(n)])


def _fold(fn: Callable[[Any, Any], Any], elems: Any, initializer: Any, name: str, reverse: bool) -> Any:
    graph = get_default_graph()
    with graph.name_scope(name):
        items, n = _unstack_elems(graph, elems, name)
        order = list(range(n))[::-1] if reverse else list(range(n))
        if initializer is None:
            acc, order = items[order[0]], order[1:]
        else:
            acc = initializer
        for i in order:
            with graph.name_scope(f"step_{i}" if i else "step"):
                acc = fn(acc, items[i])
        return acc


def foldl(
    fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: Any = None,
    back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
) -> Any:  # fmt: skip
    """TF1 `tf.foldl`: `acc = fn(acc, x)` from the first element to the last; returns the final acc."""
    return _fold(fn, elems, initializer, name or "foldl", reverse=False)


def foldr(
    fn: Callable[[Any, Any], Any], elems: Any, initializer: Any = None, parallel_iterations: Any = None,
    back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
) -> Any:  # fmt: skip
    """TF1 `tf.foldr`: `acc = fn(acc, x)` from the last element to the first; returns the final acc."""
    return _fold(fn, elems, initializer, name or "foldr", reverse=True)
