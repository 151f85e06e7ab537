"""TF1's queue-based batchers: `batch`, `shuffle_batch`, `batch_join`, `shuffle_batch_join` and their
`maybe_*` forms, which enqueue only what `keep_input` keeps. Each fills a queue from QueueRunner threads
(graphdl/train/queue_runner.py) and dequeues batches; the queues run on the host (runtime/queue_feed.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graphdl.data_flow import Enqueue, FIFOQueue, HostValue, PaddingFIFOQueue, QueueBase, RandomShuffleQueue
from graphdl.dtypes import as_dtype
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor
from graphdl.train.input import _is_strings
from graphdl.train.queue_runner import QueueRunner, add_queue_runner

__all__ = [
    "batch",
    "shuffle_batch",
    "batch_join",
    "shuffle_batch_join",
    "maybe_batch",
    "maybe_shuffle_batch",
    "maybe_batch_join",
    "maybe_shuffle_batch_join",
]


def _as_list(tensors: Any) -> list[Any]:
    if isinstance(tensors, Mapping):
        return [tensors[k] for k in sorted(tensors)]
    if isinstance(tensors, list | tuple):
        return list(tensors)
    return [tensors]


def _as_original(original: Any, dequeued: Any) -> Any:
    """The dequeued batch in the structure of the input (TF1: a one-element list gives one tensor)."""
    if isinstance(original, Mapping):
        values = dequeued if isinstance(dequeued, list) else [dequeued]
        return {k: values[i] for i, k in enumerate(sorted(original))}
    return dequeued


def _component(value: Any) -> Any:
    from graphdl.convert import convert_to_tensor

    if isinstance(value, Tensor | HostValue):
        return value
    if _is_strings(value):
        return HostValue(value, as_dtype("string"))
    return convert_to_tensor(value)


def _shapes(tensor_list: list[Any], shapes: Any, enqueue_many: bool, dynamic_pad: bool) -> list[TensorShape]:
    if shapes is not None:
        out = [as_shape(s) for s in shapes]
    else:
        out = []
        for t in tensor_list:
            s = t.shape
            if enqueue_many:
                s = TensorShape(None if s.dims is None else s.dims[1:])
            out.append(s)
    for s in out:
        if dynamic_pad:
            if s.dims is None:
                raise ShapeError(f"dynamic_pad needs shapes of known rank, got {s}")
        elif not s.is_fully_defined():
            raise ShapeError(f"All shapes must be fully defined: {[str(x) for x in out]}")
    return out


def _batcher(
    tensors_list: list[Any],
    batch_size: int,
    capacity: int,
    enqueue_many: bool,
    shapes: Any,
    dynamic_pad: bool,
    allow_smaller_final_batch: bool,
    shared_name: str | None,
    name: str,
    shuffle: tuple[int, Any] | None,
    threads: int = 1,
    keep_input: Any = None,
) -> Any:
    """The queue and its runner: one enqueue op per tensor list, each run by `threads` threads;
    with `keep_input`, each enqueue pushes only the elements it keeps."""
    graph = get_default_graph()
    lists = [[_component(v) for v in _as_list(ts)] for ts in tensors_list]
    with graph.name_scope(name) as scope:
        first = lists[0]
        dtypes = [t.dtype for t in first]
        for other in lists[1:]:
            if [t.dtype for t in other] != dtypes:
                raise GraphError(f"{name}: the tensor lists must all have the same dtypes")
        queue_shapes = _shapes(first, shapes, enqueue_many, dynamic_pad)
        if shuffle is not None:
            q: QueueBase = RandomShuffleQueue(
                capacity, shuffle[0], dtypes, queue_shapes, seed=shuffle[1], shared_name=shared_name
            )
        elif dynamic_pad:
            q = PaddingFIFOQueue(capacity, dtypes, queue_shapes, shared_name=shared_name)
        else:
            q = FIFOQueue(capacity, dtypes, queue_shapes, shared_name=shared_name)
        if keep_input is None:
            ops = [q.enqueue_many(ts) if enqueue_many else q.enqueue(ts) for ts in lists]
        else:
            keep = _keep_tensor(keep_input, enqueue_many, name)
            ops = [_enqueue_kept(q, ts, enqueue_many, keep) for ts in lists]
        add_queue_runner(QueueRunner(q, ops * threads))
        return q, scope


def _keep_tensor(keep_input: Any, enqueue_many: bool, name: str) -> Tensor:
    """keep_input as a bool tensor: a scalar, or with enqueue_many also one flag per element."""
    from graphdl.convert import convert_to_tensor

    keep = convert_to_tensor(keep_input, dtype="bool")
    rank = keep.shape.ndims
    if rank is None or rank > (1 if enqueue_many else 0):
        wanted = "a scalar or a vector" if enqueue_many else "a scalar"
        raise get_default_graph().located_error(
            ShapeError, name, f"keep_input must be {wanted}, got shape {keep.shape}"
        )
    return keep


def _enqueue_kept(q: QueueBase, values: list[Any], many: bool, keep: Tensor) -> Any:
    comps = q._convert(values, many, "enqueue_many" if many else "enqueue")
    op_type, default = ("QueueEnqueueManyV2", "EnqueueMany") if many else ("QueueEnqueueV2", "enqueue")
    return q._control(op_type, None, default, Enqueue(q, comps, many, keep=keep))


def _dequeue(q: QueueBase, batch_size: int, allow_smaller_final_batch: bool, scope: str) -> Any:
    """The batch, named after the batcher's scope (TF1: `batch:0`)."""
    if allow_smaller_final_batch:
        return q.dequeue_up_to(batch_size, name=scope)
    return q.dequeue_many(batch_size, name=scope)


def batch(
    tensors: Any,
    batch_size: int,
    num_threads: int = 1,
    capacity: int = 32,
    enqueue_many: bool = False,
    shapes: Any = None,
    dynamic_pad: bool = False,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.batch`: batches of batch_size from a FIFO queue that num_threads QueueRunner
    threads fill with `tensors` (each run of the enqueue evaluates them afresh)."""
    q, scope = _batcher(
        [tensors],
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        shared_name,
        name or "batch",
        None,
        num_threads,
    )
    return _as_original(tensors, _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def shuffle_batch(
    tensors: Any,
    batch_size: int,
    capacity: int,
    min_after_dequeue: int,
    num_threads: int = 1,
    seed: int | None = None,
    enqueue_many: bool = False,
    shapes: Any = None,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.shuffle_batch`: random batches from a RandomShuffleQueue that keeps
    min_after_dequeue elements to mix, filled by num_threads threads."""
    q, scope = _batcher(
        [tensors],
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        shared_name,
        name or "shuffle_batch",
        (min_after_dequeue, seed),
        num_threads,
    )
    return _as_original(tensors, _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def batch_join(
    tensors_list: Sequence[Any],
    batch_size: int,
    capacity: int = 32,
    enqueue_many: bool = False,
    shapes: Any = None,
    dynamic_pad: bool = False,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.batch_join`: like batch, with one enqueue thread per tensor list in tensors_list."""
    q, scope = _batcher(
        list(tensors_list),
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        shared_name,
        name or "batch_join",
        None,
    )
    return _as_original(tensors_list[0], _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def shuffle_batch_join(
    tensors_list: Sequence[Any],
    batch_size: int,
    capacity: int,
    min_after_dequeue: int,
    seed: int | None = None,
    enqueue_many: bool = False,
    shapes: Any = None,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.shuffle_batch_join`: like shuffle_batch, one enqueue thread per tensor list."""
    q, scope = _batcher(
        list(tensors_list),
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        shared_name,
        name or "shuffle_batch_join",
        (min_after_dequeue, seed),
    )
    return _as_original(tensors_list[0], _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def maybe_batch(
    tensors: Any,
    keep_input: Any,
    batch_size: int,
    num_threads: int = 1,
    capacity: int = 32,
    enqueue_many: bool = False,
    shapes: Any = None,
    dynamic_pad: bool = False,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.maybe_batch`: `batch`, enqueuing only the elements `keep_input` keeps."""
    q, scope = _batcher(
        [tensors],
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        shared_name,
        name or "batch",
        None,
        num_threads,
        keep_input,
    )
    return _as_original(tensors, _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def maybe_shuffle_batch(
    tensors: Any,
    batch_size: int,
    capacity: int,
    min_after_dequeue: int,
    keep_input: Any,
    num_threads: int = 1,
    seed: int | None = None,
    enqueue_many: bool = False,
    shapes: Any = None,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.maybe_shuffle_batch`: `shuffle_batch`, enqueuing only what `keep_input` keeps."""
    q, scope = _batcher(
        [tensors],
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        shared_name,
        name or "shuffle_batch",
        (min_after_dequeue, seed),
        num_threads,
        keep_input,
    )
    return _as_original(tensors, _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def maybe_batch_join(
    tensors_list: Sequence[Any],
    keep_input: Any,
    batch_size: int,
    capacity: int = 32,
    enqueue_many: bool = False,
    shapes: Any = None,
    dynamic_pad: bool = False,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.maybe_batch_join`: `batch_join`, enqueuing only what `keep_input` keeps."""
    q, scope = _batcher(
        list(tensors_list),
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        dynamic_pad,
        allow_smaller_final_batch,
        shared_name,
        name or "batch_join",
        None,
        1,
        keep_input,
    )
    return _as_original(tensors_list[0], _dequeue(q, batch_size, allow_smaller_final_batch, scope))


def maybe_shuffle_batch_join(
    tensors_list: Sequence[Any],
    batch_size: int,
    capacity: int,
    min_after_dequeue: int,
    keep_input: Any,
    seed: int | None = None,
    enqueue_many: bool = False,
    shapes: Any = None,
    allow_smaller_final_batch: bool = False,
    shared_name: str | None = None,
    name: str | None = None,
) -> Any:
    """TF1 `tf.train.maybe_shuffle_batch_join`: `shuffle_batch_join`, enqueuing only what `keep_input` keeps."""
    q, scope = _batcher(
        list(tensors_list),
        batch_size,
        capacity,
        enqueue_many,
        shapes,
        False,
        allow_smaller_final_batch,
        shared_name,
        name or "shuffle_batch_join",
        (min_after_dequeue, seed),
        1,
        keep_input,
    )
    return _as_original(tensors_list[0], _dequeue(q, batch_size, allow_smaller_final_batch, scope))
