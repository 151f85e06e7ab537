"""Fetch structures: flatten any nesting of lists, tuples, dicts and namedtuples, and rebuild it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphdl.errors import GraphError
from graphdl.graph import Graph, Node
from graphdl.tensor import Tensor

Element = Tensor | Node
Rebuild = Callable[[list[Any]], Any]


def flatten_fetches(graph: Graph, fetches: Any) -> tuple[list[Element], Rebuild]:
    """The flat list of graph elements in `fetches` and a function that rebuilds the structure."""
    flat: list[Element] = []

    def walk(f: Any) -> Callable[[list[Any]], Any]:
        if _is_element(f):
            try:
                el = graph.as_graph_element(f)
            except GraphError as exc:
                raise GraphError(f"cannot fetch {f!r}: {exc}") from None
            i = len(flat)
            flat.append(el)
            return lambda vals: vals[i]
        if isinstance(f, Mapping):
            keys = list(f.keys())
            subs = [walk(f[k]) for k in keys]
            cls = type(f)
            return lambda vals: _make_mapping(cls, zip(keys, (s(vals) for s in subs), strict=True))
        if isinstance(f, tuple) and hasattr(f, "_fields"):
            subs = [walk(x) for x in f]
            cls = type(f)  # type: ignore[assignment]
            return lambda vals: cls(*(s(vals) for s in subs))
        if isinstance(f, list | tuple):
            subs = [walk(x) for x in f]
            cls = type(f)  # type: ignore[assignment]
            return lambda vals: cls(s(vals) for s in subs)  # type: ignore[call-arg]
        if f is None:
            raise GraphError("cannot fetch None")
        raise GraphError(
            f"cannot fetch {f!r} of type {type(f).__name__}: fetch tensors, operations, their names, "
            "or lists, tuples, dicts and namedtuples of them"
        )

    rebuild = walk(fetches)
    if fetches.__class__ in (list, tuple) and all(map(_is_element, fetches)):
        rebuild = fetches.__class__  # a flat list or tuple of elements: rebuilt by a C call
    return flat, rebuild


def _is_element(f: Any) -> bool:
    return isinstance(f, Tensor | Node | str) or hasattr(f, "_as_graph_element")


def _make_mapping(cls: type, items: Any) -> Any:
    try:
        return cls(items)
    except TypeError:
        return dict(items)


def expand_summaries(flat: list[Element], rebuild: Rebuild) -> tuple[list[Element], Rebuild, bool]:
    """Fetches with the summary tensors replaced by the tensors they summarize, and a rebuild that
    computes each summary on the host from those values (summaries are bytes: no program makes them).

    Returns (flat, rebuild, whether anything was replaced); unchanged when no summary is fetched.
    """
    if not any(isinstance(f, Tensor) and f.op.kind == "summary" for f in flat):
        return flat, rebuild, False
    new_flat: list[Element] = []
    where: dict[int, int] = {}

    def position(el: Element) -> int:
        if id(el) not in where:
            where[id(el)] = len(new_flat)
            new_flat.append(el)
        return where[id(el)]

    def plan(el: Element) -> Any:
        if isinstance(el, Tensor) and el.op.kind == "summary":
            return (el.op, [plan(t) for t in el.op.inputs])
        return position(el)

    plans = [plan(el) for el in flat]

    def value(p: Any, vals: list[Any]) -> Any:
        if isinstance(p, int):
            return vals[p]
        node, inputs = p
        return node.op_def.evaluate([value(q, vals) for q in inputs], node.attrs, None)[()]

    def rebuild_with_summaries(vals: list[Any]) -> Any:
        return rebuild([value(p, vals) for p in plans])

    return new_flat, rebuild_with_summaries, True


def per_fetches(cache: dict[Any, Any], fetches: Any, feed_dict: Mapping[Any, Any] | None, find: Any) -> Any:
    """`find()` cached per fetch structure and feed keys (as the Session's fast path keys runs);
    unhashable fetches are looked up anew every run."""
    cls = fetches.__class__
    try:
        key: Any = (tuple(fetches) if cls is list else fetches, cls, *(feed_dict or ()))
        found = cache.get(key)
    except TypeError:
        key, found = None, None
    if found is None:
        found = find()
        if key is not None:
            cache[key] = found
    return found
