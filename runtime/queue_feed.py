"""The Session's side of TF1 queues: per-Session queue state and the feeder that acts before each run.

For a run, the queue nodes its fetches need (graphdl/data_flow.py records them by node name) are found
once per fetch structure and feed keys. Then, in order: each enqueue evaluates its components with a
nested run of the same session (which may itself dequeue from an upstream queue) and pushes them;
each dequeue node takes one element (or n) and feeds its outputs; size / is_closed are fed; closes
are applied. Blocking uses one threading.Condition per queue; closing the session cancels every
waiter (CancelledError), so queue-runner threads end.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.data_flow import (
    _HOST,
    Close,
    Dequeue,
    Enqueue,
    HostValue,
    Info,
    QueueBase,
    QueueOps,
)
from graphdl.errors import CancelledError, InvalidArgumentError, OutOfRangeError
from graphdl.readers import HostMap, Read
from graphdl.tensor import Tensor
from runtime.fetches import per_fetches

__all__ = ["QueueFeed", "QueueState"]


def _pad(values: list[np.ndarray]) -> np.ndarray:
    """Stack arrays of one rank, padding each with zeros (b'' for strings) to the largest shape."""
    shape = tuple(max(v.shape[d] for v in values) for d in range(values[0].ndim))
    out = np.zeros((len(values), *shape), dtype=values[0].dtype)
    if out.dtype == object:
        out[...] = b""
    for i, v in enumerate(values):
        where: Any = (i, *(slice(0, n) for n in v.shape))
        out[where] = v
    return out


class QueueState:
    """One queue's elements in one Session, with the blocking rules of TF1's queue kernels."""

    def __init__(self, queue: QueueBase) -> None:
        self.queue = queue
        self.items: list[tuple[np.ndarray, ...]] = []
        self.cond = threading.Condition()
        self.closed = False
        self.cancel_enqueues = False
        self.session_closed = False
        seed = queue._seed
        self.rng = np.random.default_rng(list(seed) if seed is not None else None)

    def _check_session(self) -> None:
        if self.session_closed:
            raise CancelledError(f"{self.queue.describe()}: the Session was closed")

    def _check_element(self, element: tuple[np.ndarray, ...]) -> None:
        for i, (v, s) in enumerate(zip(element, self.queue._shapes, strict=True)):
            if s.dims is not None and (
                len(s.dims) != v.ndim
                or any(d is not None and d != n for d, n in zip(s.dims, v.shape, strict=True))
            ):
                raise InvalidArgumentError(
                    f"Shape mismatch in tuple component {i}. Expected {s}, got {list(v.shape)} "
                    f"(enqueue to {self.queue.describe()})"
                )

    def put(self, elements: list[tuple[np.ndarray, ...]]) -> None:
        """Push elements one by one, blocking while the queue is full."""
        for element in elements:
            self._check_element(element)
        with self.cond:
            self._check_session()
            if self.closed:
                raise CancelledError(f"{self.queue.describe()} is closed.")
            for element in elements:
                while len(self.items) >= self.queue._capacity:
                    self._check_session()
                    if self.cancel_enqueues:
                        raise CancelledError(
                            f"Enqueue operation was cancelled ({self.queue.describe()} was closed)"
                        )
                    self.cond.wait()
                self.items.append(element)
                self.cond.notify_all()

    def take(self, mode: str, n: int) -> tuple[np.ndarray, ...]:
        """Take one element ('one') or n stacked ('many'; 'up_to' gives fewer once closed).

        Elements are taken as they arrive, so n may exceed the capacity (TF1's DequeueMany). If the
        queue closes first, 'up_to' returns what it has; otherwise the taken elements go back to the
        front of the queue and the dequeue raises OutOfRangeError, as in TF1."""
        need = 1 if mode == "one" else n
        taken: list[tuple[np.ndarray, ...]] = []
        with self.cond:
            while len(taken) < need:
                try:
                    self._check_session()
                except BaseException:
                    self.items[:0] = taken
                    raise
                keep = 0 if self.closed else self.queue._min_after_dequeue
                available = len(self.items) - keep
                if available > 0:
                    taken.extend(self._pop() for _ in range(min(available, need - len(taken))))
                    self.cond.notify_all()
                    continue
                if self.closed:
                    if mode == "up_to" and taken:
                        break
                    self.items[:0] = taken
                    raise OutOfRangeError(
                        f"{self.queue.describe()} is closed and has insufficient elements "
                        f"(requested {need}, current size {len(self.items)})"
                    )
                self.cond.wait()
        if mode == "one":
            return taken[0]
        return self._stack(taken)

    def _pop(self) -> tuple[np.ndarray, ...]:
        if self.queue._kind != "RandomShuffleQueue":
            return self.items.pop(0)
        i = int(self.rng.integers(len(self.items)))
        self.items[i], self.items[-1] = self.items[-1], self.items[i]
        return self.items.pop()

    def _stack(self, taken: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
        out = []
        for c, (dtype, shape) in enumerate(zip(self.queue._dtypes, self.queue._shapes, strict=True)):
            values = [e[c] for e in taken]
            if not values:
                dims = shape.dims if shape.dims is not None else []
                out.append(
                    np.zeros(
                        (0, *[d or 0 for d in dims]), dtype=object if dtype.name == "string" else dtype.np
                    )
                )
            elif self.queue._kind == "PaddingFIFOQueue":
                out.append(_pad(values))
            elif any(v.shape != values[0].shape for v in values):
                raise InvalidArgumentError(
                    f"{self.queue.describe()}: dequeue_many needs elements of one shape in component {c}; "
                    f"got {values[0].shape} and {next(v.shape for v in values if v.shape != values[0].shape)} "
                    "(give the queue fully defined shapes, or use a PaddingFIFOQueue)"
                )
            else:
                out.append(np.stack(values))
        return tuple(out)

    def close(self, cancel: bool) -> None:
        with self.cond:
            self.closed = True
            self.cancel_enqueues = self.cancel_enqueues or cancel
            self.cond.notify_all()

    def cancel_all(self) -> None:
        with self.cond:
            self.session_closed = True
            self.cond.notify_all()


def _array(value: Any, string: bool) -> np.ndarray:
    """A component value as an array (strings: an object array of bytes, 0-d for one string)."""
    if string:
        return (
            value
            if isinstance(value, np.ndarray) and value.dtype == object
            else np.asarray(value, dtype=object)
        )
    return np.asarray(value)


def _tensor(graph: Any, key: Any) -> Any:
    return key if isinstance(key, Tensor) else graph.as_graph_element(key)


class QueueFeed:
    """The queues of one graph in one Session (made by the Session on first use)."""

    def __init__(self, ops: QueueOps) -> None:
        self.ops = ops
        self.states: dict[int, QueueState] = {}
        self.rngs: dict[str, np.random.Generator] = {}
        self.readers: dict[int, list[Any]] = {}  # id(reader) -> [lock, iterator over its current file]
        self._lock = threading.Lock()
        self._needs: dict[Any, tuple[list[Any], ...]] = {}
        self._closed = False

    def state(self, queue: QueueBase) -> QueueState:
        with self._lock:
            st = self.states.get(id(queue))
            if st is None:
                st = self.states[id(queue)] = QueueState(queue)
                if self._closed:
                    st.session_closed = True
            return st

    def rng(self, key: str, seed: tuple[int, int] | None) -> np.random.Generator:
        """A per-Session random stream (for input producers' shuffling), seeded when `seed` is."""
        with self._lock:
            g = self.rngs.get(key)
            if g is None:
                g = self.rngs[key] = np.random.default_rng(list(seed) if seed is not None else None)
            return g

    def _find(self, session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None) -> tuple[list[Any], ...]:
        """(enqueues, dequeues, infos, closes) the run needs, each once, in graph order."""
        from compiler.plan import needed_nodes
        from runtime.fetches import flatten_fetches

        graph = session.graph
        flat, _ = flatten_fetches(graph, fetches)
        fed = {t for t in (_tensor(graph, k) for k in feed_dict or ()) if isinstance(t, Tensor)}
        targets = [
            f.op if isinstance(f, Tensor) else f for f in flat if not (isinstance(f, Tensor) and f in fed)
        ]
        found: tuple[list[Any], ...] = ([], [], [], [], [], [])
        slot = {Enqueue: 0, Dequeue: 1, Info: 2, Close: 3, Read: 4, HostMap: 5}
        for node in needed_nodes(graph, targets, fed):
            entry = self.ops.entries.get(node.name)
            if entry is not None:
                group = found[slot[type(entry)]]
                if entry not in group:
                    group.append(entry)
        return found

    def prepare(
        self, session: Any, fetches: Any, feed_dict: Mapping[Any, Any] | None
    ) -> Mapping[Any, Any] | None:
        """The feed_dict for this run, after its enqueues, with its dequeued elements fed."""
        found = per_fetches(self._needs, fetches, feed_dict, lambda: self._find(session, fetches, feed_dict))
        enqueues, dequeues, infos, closes, reads, maps = found
        if not (enqueues or dequeues or infos or closes or reads or maps):
            return feed_dict
        for enq in enqueues:
            self._enqueue(session, enq, feed_dict)
        extra: dict[Any, Any] = {}
        host: dict[tuple[str, int], Any] = {}
        fed = {_tensor(session.graph, k) for k in feed_dict or ()}
        for deq in dequeues:
            if all(t in fed for t in deq.outputs):
                continue
            element = self.state(deq.queue).take(deq.mode, deq.n)
            for i, (t, v) in enumerate(zip(deq.outputs, element, strict=True)):
                if t.dtype.name == "string":
                    host[(deq.key, i)] = v
                elif t not in fed:
                    extra[t] = v
        for read in reads:
            rkey, rvalue = self._read(read)
            host[(read.key, 0)] = np.asarray(rkey, dtype=object)
            host[(read.key, 1)] = np.asarray(rvalue, dtype=object)
        if host:
            _HOST.values = host
        for m in maps:
            if m.output not in fed:
                src = m.source.op.attrs
                extra[m.output] = m.fn(host[(src["dequeue"], src["index"])])
        for info in infos:
            st = self.state(info.queue)
            with st.cond:
                value = len(st.items) if info.what == "size" else st.closed
            extra[info.tensor] = np.asarray(value, dtype=info.tensor.dtype.np)
        for close in closes:
            self.state(close.queue).close(close.cancel)
        if not extra:
            return feed_dict
        merged = dict(feed_dict or {})
        merged.update(extra)
        return merged

    def _enqueue(self, session: Any, enq: Enqueue, feed_dict: Mapping[Any, Any] | None) -> None:
        """Evaluate an enqueue's components (a nested run) and push them."""
        tensors = [c for c in enq.components if isinstance(c, Tensor)]
        if enq.keep is not None:
            tensors.append(enq.keep)
        fetched = session.run(tensors, feed_dict) if tensors else []
        keep = np.asarray(fetched.pop()) if enq.keep is not None else None
        values = iter(fetched)
        comps = [
            c.value if isinstance(c, HostValue) else _array(next(values), c.dtype.name == "string")
            for c in enq.components
        ]
        if keep is not None:
            if not enq.many or not keep.ndim:
                if not keep.all():
                    return  # maybe_batch: this element (or batch) is not kept
            else:
                if keep.shape[0] != comps[0].shape[0]:
                    raise InvalidArgumentError(
                        f"enqueue on {enq.queue.describe()}: keep_input has {keep.shape[0]} flags for a batch of "
                        f"{comps[0].shape[0]}"
                    )
                comps = [c[keep] for c in comps]
        if enq.hook is not None:
            comps = enq.hook(session, self, comps)
        if not enq.many:
            elements = [tuple(comps)]
        else:
            sizes = {c.shape[0] for c in comps}
            if len(sizes) != 1:
                raise InvalidArgumentError(
                    f"enqueue_many on {enq.queue.describe()}: components have different batch sizes {sorted(sizes)}"
                )
            elements = [tuple(_array(c[i], c.dtype == object) for c in comps) for i in range(sizes.pop())]
        self.state(enq.queue).put(elements)

    def _read(self, read: Read) -> tuple[bytes, bytes]:
        """The next record of a reader: from its current file, else from the next file name dequeued."""
        with self._lock:
            state = self.readers.get(id(read.reader))
            if state is None:
                state = self.readers[id(read.reader)] = [threading.Lock(), None]
        with state[0]:
            while True:
                if state[1] is None:
                    name = self.state(read.queue).take("one", 1)[0][()]
                    state[1] = iter(
                        read.reader.records(name.decode() if isinstance(name, bytes) else str(name))
                    )
                record = next(state[1], None)
                if record is not None:
                    return record  # type: ignore[no-any-return]
                state[1] = None

    def close(self) -> None:
        """The Session closed: wake and cancel every blocked enqueue and dequeue."""
        with self._lock:
            self._closed = True
            states = list(self.states.values())
        for st in states:
            st.cancel_all()
