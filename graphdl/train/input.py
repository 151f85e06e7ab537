"""TF1's queue-based input producers (`string_input_producer`, `range_input_producer`,
`slice_input_producer`) and `limit_epochs`; their threads are QueueRunners (graphdl/train/queue_runner.py),
and the batchers are in graphdl/train/batching.py.

Queues run on the host (graphdl/data_flow.py, runtime/queue_feed.py), so a pipeline runs the same way
with the interpreter and with XLA. An input producer's shuffling and its num_epochs limit are done on
the host when its enqueue runs; the epoch counter is a local variable (`<name>/limit_epochs/epochs`), so
programs run `tf.local_variables_initializer()` as in TF1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.data_flow import FIFOQueue, HostValue, QueueBase
from graphdl.dtypes import as_dtype
from graphdl.errors import GraphError, OutOfRangeError, ShapeError
from graphdl.graph import GraphKeys, Node, get_default_graph
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor
from graphdl.train.queue_runner import QueueRunner, add_queue_runner

__all__ = [
    "limit_epochs",
    "input_producer",
    "string_input_producer",
    "range_input_producer",
    "slice_input_producer",
]


# --- input producers -----------------------------------------------------------------------------


def _epochs_variable(num_epochs: int, scoped: bool = True) -> Any:
    from contextlib import nullcontext

    from graphdl.variables import Variable

    with get_default_graph().name_scope("limit_epochs") if scoped else nullcontext():
        v = Variable(
            np.int64(0),
            trainable=False,
            collections=[GraphKeys.LOCAL_VARIABLES],
            name="epochs",
            dtype="int64",
        )
    return v


def limit_epochs(tensor: Any, num_epochs: int | None = None, name: str | None = None) -> Tensor:
    """TF1 `tf.train.limit_epochs`: `tensor`, whose evaluation raises OutOfRangeError after `num_epochs`
    runs (its counter, `limit_epochs/epochs`, is a local variable counted up by `count_up_to`)."""
    from graphdl.convert import convert_to_tensor
    from graphdl.ops.array import identity

    t = convert_to_tensor(tensor)
    if num_epochs is None:
        return t
    if num_epochs <= 0:
        raise get_default_graph().located_error(
            GraphError, "limit_epochs", f"num_epochs must be > 0, got {num_epochs}"
        )
    graph = get_default_graph()
    with graph.name_scope(name or "limit_epochs") as scope:
        counter = _epochs_variable(num_epochs, scoped=False).count_up_to(num_epochs)
        with graph.control_dependencies([counter]):
            return identity(t, name=scope)  # TF1 names it after its scope: `limit_epochs`


def _producer_hook(num_epochs: int | None, shuffle: bool, seed: Any, key: str, epochs: Any, bump: Any) -> Any:
    """The host work of a producer's enqueue: count the epoch (OutOfRangeError past num_epochs) and
    shuffle the values along dim 0 with this session's stream."""

    def hook(session: Any, feeder: Any, comps: list[np.ndarray]) -> list[np.ndarray]:
        if num_epochs is not None:
            done = int(session.run(epochs))
            if done >= num_epochs:
                raise OutOfRangeError(f"Reached limit of {num_epochs}")
            session.run(bump)
        if shuffle:
            perm = feeder.rng(key, seed).permutation(comps[0].shape[0])
            comps = [c[perm] for c in comps]
        return comps

    return hook


def input_producer(
    input_tensor: Any,
    element_shape: Any = None,
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    summary_name: str | None = None,
    name: str | None = None,
    cancel_op: Node | None = None,
) -> QueueBase:
    """TF1 `tf.train.input_producer`: a FIFO queue fed (by a QueueRunner) with the rows of input_tensor,
    once per epoch, shuffled when shuffle."""
    from graphdl.convert import convert_to_tensor

    graph = get_default_graph()
    if isinstance(input_tensor, Tensor | HostValue):
        value = input_tensor
    elif _is_strings(input_tensor):
        value = HostValue(input_tensor, as_dtype("string"))
    else:
        value = convert_to_tensor(input_tensor)
    dims = value.shape.dims
    if dims is not None and not dims:
        raise ShapeError(
            "input_producer: input_tensor must have at least one dimension (its rows are enqueued)"
        )
    shape = (
        as_shape(element_shape)
        if element_shape is not None
        else TensorShape(None if dims is None else dims[1:])
    )
    if not shape.is_fully_defined():
        raise ShapeError(
            f"input_producer: the element shape must be fully defined, got {shape}; pass element_shape"
        )
    with graph.name_scope(name or "input_producer") as scope:
        epochs = bump = None
        if num_epochs is not None:
            if num_epochs <= 0:
                raise GraphError(f"input_producer: num_epochs must be > 0, got {num_epochs}")
            from graphdl.ops.state import assign_add

            var = _epochs_variable(num_epochs)
            epochs = var
            bump = assign_add(var, np.int64(1)).op
        from graphdl.ops.random import get_seed

        s1, s2 = get_seed(seed)
        pair = None if s1 is None or s2 is None else (s1, s2)
        q = FIFOQueue(
            capacity=capacity, dtypes=[value.dtype], shapes=[shape], shared_name=shared_name, name=scope
        )
        hook = _producer_hook(num_epochs, shuffle, pair, scope, epochs, bump)
        enq = q._control("QueueEnqueueManyV2", None, "EnqueueMany", _make_enqueue(q, [value], hook))
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
    return q


def _make_enqueue(q: QueueBase, values: list[Any], hook: Any) -> Any:
    from graphdl.data_flow import Enqueue

    return Enqueue(q, q._convert(values, True, "enqueue_many"), True, hook)


def _is_strings(value: Any) -> bool:
    if isinstance(value, str | bytes):
        return True
    arr = np.asarray(value, dtype=object) if isinstance(value, list | tuple) else None
    return arr is not None and arr.size > 0 and all(isinstance(v, str | bytes) for v in arr.ravel())


def string_input_producer(
    string_tensor: Any,
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    name: str | None = None,
    cancel_op: Node | None = None,
) -> QueueBase:
    """TF1 `tf.train.string_input_producer`: a queue of the strings (file names), once per epoch.

    graphdl has no string tensors in its backends: pass the strings as a Python list; dequeued strings
    are bytes made on the host (fetchable with sess.run, enqueueable into other queues)."""
    if isinstance(string_tensor, Tensor) and string_tensor.dtype.name != "string":
        raise GraphError("string_input_producer: string_tensor must be a list of strings")
    if not isinstance(string_tensor, Tensor | HostValue):
        if not isinstance(string_tensor, list | tuple | np.ndarray) or len(string_tensor) == 0:
            raise GraphError("string_input_producer requires a non-null input tensor")
        string_tensor = HostValue(list(string_tensor), as_dtype("string"))
    with get_default_graph().name_scope(name or "input_producer") as scope:
        return input_producer(
            string_tensor, [], num_epochs, shuffle, seed, capacity, shared_name, None, scope, cancel_op
        )


def range_input_producer(
    limit: Any,
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    name: str | None = None,
) -> QueueBase:
    """TF1 `tf.train.range_input_producer`: a queue of the int32 integers 0..limit-1, once per epoch."""
    from graphdl.ops.creation import range as range_

    graph = get_default_graph()
    with graph.name_scope(name or "input_producer") as scope:
        indices = range_(limit, dtype="int32")
        return input_producer(indices, [], num_epochs, shuffle, seed, capacity, shared_name, None, scope)


def slice_input_producer(
    tensor_list: Sequence[Any],
    num_epochs: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    capacity: int = 32,
    shared_name: str | None = None,
    name: str | None = None,
) -> list[Tensor]:
    """TF1 `tf.train.slice_input_producer`: one row of every tensor in tensor_list per dequeue (the
    rows share an index from a range_input_producer)."""
    from graphdl.convert import convert_to_tensor
    from graphdl.ops.gathering import gather

    tensors = [convert_to_tensor(t) for t in tensor_list]
    if not tensors:
        raise GraphError("Expected at least one tensor in slice_input_producer().")
    n = tensors[0].shape.dims[0] if tensors[0].shape.dims else None
    if n is None:
        raise ShapeError("slice_input_producer: the first tensor needs a known dimension 0")
    for t in tensors[1:]:
        if t.shape.dims is not None and t.shape.dims and t.shape.dims[0] not in (None, n):
            raise ShapeError(
                f"slice_input_producer: all tensors must have {n} rows, '{t.name}' has {t.shape}"
            )
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        queue = range_input_producer(n, num_epochs, shuffle, seed, capacity, shared_name)
        index = queue.dequeue()
        return [gather(t, index) for t in tensors]
