"""TF1's queues (`tf.FIFOQueue`, `tf.RandomShuffleQueue`, `tf.PaddingFIFOQueue`), run on the host.

A queue lives in each Session (as TF1's resources do), in runtime/queue_feed.py. In the graph, an
enqueue or close is a no-op node and a dequeue (or size, is_closed) is a placeholder-like node that no
backend runs: before each run, the Session's queue feeder (graph._host_feeders) performs the enqueues
and closes the fetches need (evaluating the enqueued tensors with a nested run of the same session),
then dequeues once per dequeue node and feeds the dequeued values. String components never reach a
backend: they are host ops of kind "summary", made when fetched (like tf.data's string elements).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype
from graphdl.errors import BackendError, DTypeError, GraphError, ShapeError
from graphdl.graph import Graph, Node, get_default_graph
from graphdl.registry import TensorSpec, register
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = [
    "QueueBase",
    "FIFOQueue",
    "RandomShuffleQueue",
    "PaddingFIFOQueue",
]

FEEDER_KEY = "graphdl.queues"  # the key of the queue feeder in Graph._host_feeders
_HOST = threading.local()  # .values: {(dequeue node name, component index): value} of this thread's run


def _no_outputs(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return []


def _nothing(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> tuple[()]:
    return ()


def _attr_specs(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [
        TensorSpec(as_shape(s), as_dtype(d)) for d, s in zip(attrs["dtypes"], attrs["shapes"], strict=True)
    ]


def _not_fed(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    raise BackendError(
        "a queue's dequeue, size or is_closed is fed by the Session's queue feeder; it cannot run in a backend"
    )


def _host_string(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    values = getattr(_HOST, "values", {})
    key = (attrs["dequeue"], attrs["index"])
    if key not in values:
        raise GraphError(
            "a string dequeued from a queue is only known while the Session.run that dequeued it returns"
        )
    return values[key]


def register_host_op(kind: str, name: str, api: str, doc: str, module: str = __name__) -> None:
    """Register an op the Session's queue feeder performs on the host (no backend runs it):
    'control' (an enqueue, close or reader: no outputs), 'fed' (outputs it feeds, as a placeholder)
    or 'string' (a host string made when fetched)."""
    rules: dict[str, dict[str, Any]] = {
        "control": {"kind": "control", "stateful": True, "infer": _no_outputs, "evaluate": _nothing,
                    "lower": _nothing},
        "fed": {"kind": "placeholder", "stateful": True, "infer": _attr_specs, "evaluate": _not_fed,
                "lower": _not_fed},
        "string": {"kind": "summary", "infer": _attr_specs, "evaluate": _host_string, "lower": _not_fed},
    }  # fmt: skip
    register(name, api_name=api, differentiable=False, doc=doc, module=module, **rules[kind])


for _kind, _type, _api, _doc in (
    ("control", "FIFOQueueV2", "FIFOQueue", "A first-in first-out queue (its state lives in each Session)."),
    ("control", "RandomShuffleQueueV2", "RandomShuffleQueue", "A queue that dequeues elements in a random order."),
    ("control", "PaddingFIFOQueueV2", "PaddingFIFOQueue", "A FIFO queue whose dequeue_many pads components."),
    ("control", "QueueEnqueueV2", "QueueBase.enqueue", "Enqueues one element (done on the host before the run)."),
    ("control", "QueueEnqueueManyV2", "QueueBase.enqueue_many", "Enqueues a batch of elements (on the host)."),
    ("control", "QueueCloseV2", "QueueBase.close", "Closes a queue (on the host, before the run)."),
    ("fed", "QueueDequeueV2", "QueueBase.dequeue", "One element of a queue, fed by the Session's queue feeder."),
    ("fed", "QueueDequeueManyV2", "QueueBase.dequeue_many", "n elements of a queue, stacked (fed on the host)."),
    ("fed", "QueueDequeueUpToV2", "QueueBase.dequeue_up_to", "Up to n elements of a closed queue (fed on the host)."),
    ("fed", "QueueSizeV2", "QueueBase.size", "The number of elements in a queue (fed on the host)."),
    ("fed", "QueueIsClosedV2", "QueueBase.is_closed", "Whether a queue is closed (fed on the host)."),
    ("string", "QueueDequeueString", "QueueBase.dequeue",
     "A string component of a dequeued element (made on the host: no backend holds strings)."),
):  # fmt: skip
    register_host_op(_kind, _type, _api, _doc)


class HostValue:
    """A value enqueued as is, kept on the host (Python strings: graphdl has no string constants)."""

    def __init__(self, value: Any, dtype: DType) -> None:
        self.value = (
            np.asarray(value, dtype=object) if dtype.name == "string" else np.asarray(value, dtype.np)
        )
        if dtype.name == "string":
            self.value = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s, otypes=[object])(
                self.value
            )
        self.dtype = dtype
        self.shape = TensorShape(self.value.shape)


class QueueOps:
    """The queue nodes of one graph, by node name; called, it makes one Session's queue feeder."""

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}

    def __call__(self) -> Any:
        from runtime.queue_feed import QueueFeed

        return QueueFeed(self)


def _queue_ops(graph: Graph) -> QueueOps:
    ops = graph._host_feeders.get(FEEDER_KEY)
    if ops is None:
        ops = graph._host_feeders[FEEDER_KEY] = QueueOps()
    return ops  # type: ignore[no-any-return]


class Enqueue:
    """An enqueue node's host work: the components to evaluate, whether they are a batch, a hook
    (session, feeder, values) -> values run before pushing (input producers: epochs, shuffling), and
    `keep`: a bool tensor evaluated with the components that says which elements to push (maybe_batch)."""

    def __init__(
        self, queue: QueueBase, components: list[Any], many: bool, hook: Any = None, keep: Any = None
    ) -> None:
        self.queue = queue
        self.components = components
        self.many = many
        self.hook = hook
        self.keep = keep


class Dequeue:
    """A dequeue node: mode 'one' | 'many' | 'up_to', n, and its output tensors by component."""

    def __init__(self, queue: QueueBase, mode: str, n: int, outputs: list[Tensor], key: str) -> None:
        self.queue = queue
        self.mode = mode
        self.n = n
        self.outputs = outputs
        self.key = key  # the name of its numeric node (or first string node): the host values' key


class Close:
    def __init__(self, queue: QueueBase, cancel: bool) -> None:
        self.queue = queue
        self.cancel = cancel


class Info:
    """A size() or is_closed() node."""

    def __init__(self, queue: QueueBase, what: str, tensor: Tensor) -> None:
        self.queue = queue
        self.what = what
        self.tensor = tensor


def _as_dtypes(dtypes: Any) -> list[DType]:
    if isinstance(dtypes, list | tuple):
        return [as_dtype(d) for d in dtypes]
    return [as_dtype(dtypes)]


class QueueBase:
    """TF1 `tf.QueueBase`: the enqueue / dequeue / close / size ops of one queue."""

    _type = "FIFOQueueV2"
    _kind = "FIFOQueue"

    def __init__(
        self,
        capacity: int,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        shared_name: str | None = None,
        name: str = "fifo_queue",
        min_after_dequeue: int = 0,
        seed: int | None = None,
    ) -> None:
        self._dtypes = _as_dtypes(dtypes)
        if shapes is None:
            self._shapes = [TensorShape(None)] * len(self._dtypes)
        else:
            # TF1's rule: a list of ints (or None) is one shape, else one shape per component
            shape_list = [shapes] if _is_one_shape(shapes) else list(shapes)
            self._shapes = [as_shape(s) for s in shape_list]
            if len(self._shapes) != len(self._dtypes):
                raise GraphError(
                    f"{self._kind}: queue shapes must have the same length as dtypes "
                    f"({len(self._shapes)} shapes, {len(self._dtypes)} dtypes)"
                )
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if len(names) != len(self._dtypes):
                raise GraphError(f"{self._kind}: queue names must have the same length as dtypes")
        self._names = names
        self._capacity = int(capacity)
        self._min_after_dequeue = int(min_after_dequeue)
        self._graph = get_default_graph()
        if seed is not None or self._graph.seed is not None or self._kind == "RandomShuffleQueue":
            from graphdl.ops.random import get_seed

            s1, s2 = get_seed(seed)
            self._seed: tuple[int, int] | None = None if s1 is None or s2 is None else (s1, s2)
        else:
            self._seed = None
        self._node = self._graph.create_op(self._type, [], {"capacity": self._capacity}, name=name)
        self._ops = _queue_ops(self._graph)
        self._base = self._node.name.split("/")[-1]  # TF1 names a queue's ops after it, in the caller's scope

    # --- TF1's properties ---------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._node.name

    @property
    def queue_ref(self) -> Node:
        return self._node

    @property
    def dtypes(self) -> list[DType]:
        return list(self._dtypes)

    @property
    def shapes(self) -> list[TensorShape]:
        return list(self._shapes)

    @property
    def names(self) -> list[str] | None:
        return None if self._names is None else list(self._names)

    def describe(self) -> str:
        return f"{self._kind} '{self.name}'"

    # --- building -----------------------------------------------------------------------
    def _components(self, vals: Any, api: str) -> list[Any]:
        """The enqueued values as a list in component order (dict by names, tuple/list, or one value)."""
        if self._names is not None:
            if not isinstance(vals, Mapping):
                raise GraphError(f"{api} on {self.describe()}: a queue with names takes a dict of values")
            if set(vals) != set(self._names):
                raise GraphError(
                    f"{api} on {self.describe()}: dict keys {sorted(vals)} do not match the queue names "
                    f"{sorted(self._names)}"
                )
            return [vals[n] for n in self._names]
        if isinstance(vals, list | tuple):
            return list(vals)
        return [vals]

    def _convert(self, vals: Any, many: bool, api: str) -> list[Any]:
        from graphdl.convert import convert_to_tensor

        items = self._components(vals, api)
        if len(items) != len(self._dtypes):
            raise GraphError(
                f"{api} on {self.describe()}: expected {len(self._dtypes)} components, got {len(items)}"
            )
        out: list[Any] = []
        for i, (v, d, s) in enumerate(zip(items, self._dtypes, self._shapes, strict=True)):
            if isinstance(v, Tensor | HostValue):
                if v.dtype.name != d.name:
                    raise DTypeError(
                        f"{api} on {self.describe()}: component {i} has dtype {v.dtype.name}, the queue "
                        f"takes {d.name}"
                    )
                t = v
            elif d.name == "string":
                t = HostValue(v, d)
            else:
                t = convert_to_tensor(v, dtype=d)
            shape = t.shape
            if many:
                if shape.dims is not None and not shape.dims:
                    raise ShapeError(f"{api} on {self.describe()}: component {i} must have a batch dimension")
                shape = TensorShape(None if shape.dims is None else shape.dims[1:])
            if not shape.is_compatible_with(s):
                raise ShapeError(
                    f"{api} on {self.describe()}: component {i} of shape {shape} does not fit the queue's "
                    f"shape {s}"
                )
            out.append(t)
        return out

    def _control(self, op_type: str, name: str | None, default: str, entry: Any) -> Node:
        node = self._graph.create_op(
            op_type, [], {"queue": self.name}, name=name or f"{self._base}_{default}"
        )
        self._ops.entries[node.name] = entry
        return node

    def enqueue(self, vals: Any, name: str | None = None) -> Node:
        """TF1: an op that adds one element (its components evaluated in the run) to the queue."""
        comps = self._convert(vals, False, "enqueue")
        return self._control("QueueEnqueueV2", name, "enqueue", Enqueue(self, comps, False))

    def enqueue_many(self, vals: Any, name: str | None = None) -> Node:
        """TF1: an op that adds the elements of a batch (components sliced along dim 0) to the queue."""
        comps = self._convert(vals, True, "enqueue_many")
        return self._control("QueueEnqueueManyV2", name, "EnqueueMany", Enqueue(self, comps, True))

    def close(self, cancel_pending_enqueues: bool = False, name: str | None = None) -> Node:
        """TF1: an op that closes the queue (and with cancel_pending_enqueues cancels blocked enqueues)."""
        return self._control("QueueCloseV2", name, "Close", Close(self, bool(cancel_pending_enqueues)))

    def _dequeue(self, op_type: str, mode: str, n: int, lead: Any, name: str | None, default: str) -> Any:
        if mode != "one" and (not isinstance(n, int | np.integer) or n < 0):
            raise GraphError(
                f"{default} on {self.describe()}: n must be a non-negative Python int, got {n!r}"
            )
        shapes = [s if lead is False else TensorShape([lead]).concatenate(s) for s in self._shapes]
        base = name or f"{self._base}_{default}"
        numeric = [i for i, d in enumerate(self._dtypes) if d.name != "string"]
        outputs: list[Tensor | None] = [None] * len(self._dtypes)
        key = ""
        if numeric:
            node = self._graph.create_op(
                op_type,
                [],
                {
                    "dtypes": [self._dtypes[i] for i in numeric],
                    "shapes": [shapes[i] for i in numeric],
                    "n": int(n),
                },
                name=base,
            )
            key = node.name
            for j, i in enumerate(numeric):
                outputs[i] = node.outputs[j]
        for i, d in enumerate(self._dtypes):
            if d.name == "string":
                node = self._graph.create_op(
                    "QueueDequeueString",
                    [],
                    {"dtypes": [d], "shapes": [shapes[i]], "index": i, "dequeue": ""},
                    name=base if not key else base.rstrip("/"),
                )
                key = key or node.name
                outputs[i] = node.outputs[0]
        for t in outputs:
            assert t is not None
            if t.op.type == "QueueDequeueString":
                t.op.attrs["dequeue"] = key
        entry = Dequeue(self, mode, int(n), [t for t in outputs if t is not None], key)
        for t in entry.outputs:
            self._ops.entries[t.op.name] = entry
        if self._names is not None:
            return dict(zip(self._names, entry.outputs, strict=True))
        return entry.outputs[0] if len(entry.outputs) == 1 else list(entry.outputs)

    def dequeue(self, name: str | None = None) -> Any:
        """TF1: one element (a tensor, a list, or a dict with names); each run that needs it dequeues once."""
        return self._dequeue("QueueDequeueV2", "one", 1, False, name, "Dequeue")

    def dequeue_many(self, n: int, name: str | None = None) -> Any:
        """TF1: n elements stacked along a new dimension 0 (blocks until n are there)."""
        return self._dequeue("QueueDequeueManyV2", "many", n, int(n), name, "DequeueMany")

    def dequeue_up_to(self, n: int, name: str | None = None) -> Any:
        """TF1: like dequeue_many, but a closed queue gives its last, smaller batch."""
        return self._dequeue("QueueDequeueUpToV2", "up_to", n, None, name, "DequeueUpTo")

    def _info(self, op_type: str, what: str, dtype: str, name: str | None, default: str) -> Tensor:
        node = self._graph.create_op(
            op_type,
            [],
            {"dtypes": [as_dtype(dtype)], "shapes": [TensorShape([])]},
            name=name or f"{self._base}_{default}",
        )
        self._ops.entries[node.name] = Info(self, what, node.outputs[0])
        return node.outputs[0]

    def size(self, name: str | None = None) -> Tensor:
        """TF1: the number of elements in the queue (an int32 scalar)."""
        return self._info("QueueSizeV2", "size", "int32", name, "Size")

    def is_closed(self, name: str | None = None) -> Tensor:
        """TF1: whether the queue is closed (a bool scalar)."""
        return self._info("QueueIsClosedV2", "is_closed", "bool", name, "is_closed")


def _is_one_shape(shapes: Any) -> bool:
    return isinstance(shapes, TensorShape) or (
        isinstance(shapes, list | tuple) and all(isinstance(s, int | np.integer) or s is None for s in shapes)
    )


class FIFOQueue(QueueBase):
    """TF1 `tf.FIFOQueue`: elements come out in the order they went in."""

    def __init__(
        self,
        capacity: int,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        shared_name: str | None = None,
        name: str = "fifo_queue",
    ) -> None:
        super().__init__(capacity, dtypes, shapes, names, shared_name, name)


class PaddingFIFOQueue(QueueBase):
    """TF1 `tf.PaddingFIFOQueue`: a FIFO queue whose dequeue_many pads each component with zeros to
    the largest shape in the batch (shapes are required; None dims are the padded ones)."""

    _type = "PaddingFIFOQueueV2"
    _kind = "PaddingFIFOQueue"

    def __init__(
        self,
        capacity: int,
        dtypes: Any,
        shapes: Any,
        names: Any = None,
        shared_name: str | None = None,
        name: str = "padding_fifo_queue",
    ) -> None:
        if shapes is None:
            raise GraphError("PaddingFIFOQueue: shapes must be given (a None dim is padded)")
        super().__init__(capacity, dtypes, shapes, names, shared_name, name)
        for s in self._shapes:
            if s.dims is None:
                raise GraphError(f"PaddingFIFOQueue: every shape must have a known rank, got {s}")


class RandomShuffleQueue(QueueBase):
    """TF1 `tf.RandomShuffleQueue`: dequeues random elements, keeping min_after_dequeue in the queue
    until it is closed (per-Session randomness, reproducible when a seed is set)."""

    _type = "RandomShuffleQueueV2"
    _kind = "RandomShuffleQueue"

    def __init__(
        self,
        capacity: int,
        min_after_dequeue: int,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        seed: int | None = None,
        shared_name: str | None = None,
        name: str = "random_shuffle_queue",
    ) -> None:
        super().__init__(capacity, dtypes, shapes, names, shared_name, name, min_after_dequeue, seed)
