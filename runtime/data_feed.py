"""The Session's side of tf.data: start iterators whose initializer is fetched, feed get_next tensors.

Per Session, each iterator has a state (a Python iterator over its dataset). For a run, the
iterator nodes the fetches need are found once per fetch structure and cached. A dataset that reads
graph tensors (its `sources`) gets their values when its initializer runs: from the run's feed_dict
when fed there, else by a run of this session with that feed_dict. A from_string_handle iterator
takes its element from the iterator whose handle is fed; fed keys that only tf.data reads (handles,
file names) are taken out of the feed_dict, so strings never reach a backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.data.iterator import Iterator
from graphdl.errors import FailedPreconditionError, FeedError, OutOfRangeError
from graphdl.nest import flatten
from graphdl.tensor import Tensor
from runtime.fetches import per_fetches


def _tensor(graph: Any, key: Any) -> Any:
    return key if isinstance(key, Tensor) else graph.as_graph_element(key)


def _strings(value: Any) -> np.ndarray:
    """A string value as an object array of bytes (fetching makes a scalar one bytes, as in TF1)."""
    from graphdl.data.elements import _as_bytes

    return _as_bytes(value)


class DataFeed:
    """tf.data state of one Session."""

    def __init__(self) -> None:
        self.states: dict[int, Any] = {}  # id(Iterator) -> its Python iterator
        self._needs: dict[Any, tuple[list[Any], list[Any], list[Any], list[Any]]] = {}

    def close(self) -> None:
        """The Session closed: drop the iterators' states."""
        self.states.clear()

    def _find(
        self, session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None
    ) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        """(initializers to run as (iterator, dataset), iterators whose next element to feed,
        feed keys to drop, string element components fed by hand as (iterator, index, key))."""
        from compiler.plan import needed_nodes
        from runtime.fetches import flatten_fetches

        graph = session.graph
        flat, _ = flatten_fetches(graph, fetches)
        fed: dict[Tensor, Any] = {}
        for k in feed_dict or ():
            t = _tensor(graph, k)
            if isinstance(t, Tensor):
                fed[t] = k
        targets = [
            f.op if isinstance(f, Tensor) else f for f in flat if not (isinstance(f, Tensor) and f in fed)
        ]
        registry = graph._data_iterators
        inits: list[Any] = []
        feeds: list[Any] = []
        needed = needed_nodes(graph, targets, set(fed))
        for node in needed:
            entry = registry.get(node.name)
            if entry is None:
                continue
            if isinstance(entry, tuple):
                inits.append(entry)
            elif entry not in feeds:
                feeds.append(entry)
        # fed tensors that only tf.data reads (dataset sources, handles): not fed to the backend
        read = {t for _, d in inits for t in d._sources} | {
            it.handle_tensor for it in feeds if it.handle_tensor is not None
        }
        names = {n.name for n in needed}
        drop = [k for t, k in fed.items() if t in read and t.op.name not in names]
        by_hand = []
        for t, k in fed.items():
            owner = registry.get(t.op.name)
            index = owner.host_component(t) if isinstance(owner, Iterator) else None
            if index is not None:  # a string component fed by hand: kept on the host
                by_hand.append((owner, index, k))
                drop.append(k)
        return inits, feeds, drop, by_hand

    def prepare(
        self, session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None
    ) -> Mapping[Any, Any] | None:
        """The feed_dict for this run, with the next element of every iterator it needs."""
        found = per_fetches(self._needs, fetches, feed_dict, lambda: self._find(session, fetches, feed_dict))
        inits, iterators, drop, by_hand = found
        for iterator, dataset in inits:
            env = self._sources(session, dataset, feed_dict) if dataset._sources else {}
            self.states[id(iterator)] = dataset._make(env)
        given = feed_dict
        if drop:
            feed_dict = {k: v for k, v in (feed_dict or {}).items() if k not in drop}
        for iterator, index, k in by_hand:
            iterator.set_host_values({index: _strings(given[k])})  # type: ignore[index]
        if not iterators:
            return feed_dict
        extra: dict[Any, Any] = {}
        pulled: dict[int, Any] = {}
        for iterator in iterators:
            source = iterator if iterator.handle_tensor is None else self._by_handle(session, iterator, given)
            element = pulled.get(id(source))
            if element is None:
                element = pulled[id(source)] = self._next(source)
            host = {}
            for i, (t, v) in enumerate(zip(flatten(iterator.get_next()), flatten(element), strict=True)):
                if t.dtype.name == "string":
                    host[i] = _strings(v)
                else:
                    extra[t] = v
            if host:
                iterator.set_host_values(host)
        merged = dict(feed_dict or {})
        merged.update(extra)
        return merged

    def _next(self, iterator: Any) -> Any:
        state = self.states.get(id(iterator))
        if state is None:
            if not iterator.one_shot:
                raise FailedPreconditionError(
                    "GetNext() failed because the iterator has not been initialized. Ensure that you have run "
                    "the initializer operation for this iterator (sess.run(iterator.initializer)) before "
                    "getting the next element"
                )
            state = self.states[id(iterator)] = iterator.dataset._make({})
        try:
            return next(state)
        except StopIteration:
            raise OutOfRangeError("End of sequence: the dataset's iterator has no more elements") from None

    def _by_handle(self, session: Any, iterator: Any, feed_dict: Mapping[Any, Any] | None) -> Any:
        """The iterator whose string handle is fed to a from_string_handle iterator's placeholder."""
        from graphdl.data.iterator import HANDLE_PREFIX

        graph = session.graph
        handle = iterator.handle_tensor
        value: Any = None
        for k, v in (feed_dict or {}).items():
            if _tensor(graph, k) is handle:
                value = v
        if value is None:
            raise FeedError(
                f"you must feed a value for {handle.op.describe()} ('{handle.name}', dtype string): the "
                "string handle of the iterator (sess.run(iterator.string_handle())) that "
                "Iterator.from_string_handle reads"
            )
        value = np.asarray(value, dtype=object)[()] if not isinstance(value, bytes | str) else value
        text = value.decode() if isinstance(value, bytes) else str(value)
        source = graph._data_iterators.get(HANDLE_PREFIX + text)
        if source is None:
            raise FeedError(
                f"{text!r} fed to '{handle.name}' is not the string handle of an iterator of this graph"
            )
        iterator.check_element_types(source)
        return source

    def _sources(self, session: Any, dataset: Any, feed_dict: Mapping[Any, Any] | None) -> dict[Tensor, Any]:
        """The values of the graph tensors a dataset reads, for its initializer's run."""
        from runtime.session import convert_feed

        graph = session.graph
        env: dict[Tensor, Any] = {}
        for k, v in (feed_dict or {}).items():
            t = _tensor(graph, k)
            if t in dataset._sources:
                env[t] = np.asarray(v, dtype=object) if t.dtype.name == "string" else convert_feed(t, v)
        rest = [t for t in dataset._sources if t not in env]
        if rest:
            kept = {k: v for k, v in (feed_dict or {}).items() if _tensor(graph, k).dtype.name != "string"}
            env.update(zip(rest, session.run(rest, kept or None), strict=True))
        for t in dataset._sources:
            if t.dtype.name == "string":
                from graphdl.data.elements import _as_bytes

                env[t] = _as_bytes(env[t])
        return env
