"""The Session's side of tf.data: start iterators whose initializer is fetched, feed get_next tensors.

Per Session, each iterator has a state (a Python iterator over its dataset). For a run, the
iterator nodes the fetches need are found once per fetch structure and cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphdl.errors import GraphError, OutOfRangeError
from graphdl.nest import flatten
from graphdl.tensor import Tensor


class DataFeed:
    """tf.data state of one Session."""

    def __init__(self) -> None:
        self.states: dict[int, Any] = {}  # id(Iterator) -> its Python iterator
        self._needs: dict[Any, tuple[list[Any], list[Any]]] = {}

    def _find(
        self, session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None
    ) -> tuple[list[Any], list[Any]]:
        """(initializers to run as (iterator, dataset), iterators whose next element to feed)."""
        from compiler.plan import needed_nodes
        from runtime.fetches import flatten_fetches

        graph = session.graph
        flat, _ = flatten_fetches(graph, fetches)
        fed: set[Tensor] = set()
        for k in feed_dict or ():
            t = k if isinstance(k, Tensor) else graph.as_graph_element(k)
            if isinstance(t, Tensor):
                fed.add(t)
        targets = [
            f.op if isinstance(f, Tensor) else f for f in flat if not (isinstance(f, Tensor) and f in fed)
        ]
        registry = graph._data_iterators
        inits: list[Any] = []
        feeds: list[Any] = []
        for node in needed_nodes(graph, targets, fed):
            entry = registry.get(node.name)
            if entry is None:
                continue
            if isinstance(entry, tuple):
                inits.append(entry)
            elif entry not in feeds:
                feeds.append(entry)
        return inits, feeds

    def prepare(
        self, session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None
    ) -> Mapping[Any, Any] | None:
        """The feed_dict for this run, with the next element of every iterator it needs."""
        cls = fetches.__class__
        try:
            key: Any = (tuple(fetches) if cls is list else fetches, cls, *(feed_dict or ()))
            found = self._needs.get(key)
        except TypeError:
            key, found = None, None
        if found is None:
            found = self._find(session, fetches, feed_dict)
            if key is not None:
                self._needs[key] = found
        inits, iterators = found
        for iterator, dataset in inits:
            self.states[id(iterator)] = iter(dataset)
        if not iterators:
            return feed_dict
        extra: dict[Any, Any] = {}
        pulled = []
        for iterator in iterators:
            state = self.states.get(id(iterator))
            if state is None:
                if not iterator.one_shot:
                    raise GraphError(
                        "GetNext() failed because the iterator has not been initialized: run its initializer "
                        "(sess.run(iterator.initializer)) first"
                    )
                state = self.states[id(iterator)] = iter(iterator.dataset)
            try:
                element = next(state)
            except StopIteration:
                raise OutOfRangeError(
                    "End of sequence: the dataset's iterator has no more elements"
                ) from None
            pulled.append(element)
            for t, v in zip(flatten(iterator.get_next()), flatten(element), strict=True):
                extra[t] = v
        merged = dict(feed_dict or {})
        merged.update(extra)
        return merged
