"""TF1's `tf.data.Iterator`: `get_next()` tensors the Session feeds with the next element of a dataset.

`get_next()` returns placeholders (named `IteratorGetNext...`) that the graph records as belonging to
this iterator; `initializer` (and `make_initializer(dataset)`) are no-op nodes whose run (re)starts it.
When a run needs the get_next tensors and they are not fed, the Session pulls the iterator's next
element and feeds it (runtime/data_feed.py); at the end it raises `tf.errors.OutOfRangeError`.

No backend holds strings, so string components of an element (TextLineDataset lines) and an
iterator's `string_handle()` are host ops of kind "summary": the Session makes them after the run
(runtime/fetches.py:expand_summaries), the same way on the interpreter and on XLA. A
`from_string_handle` iterator takes each element from the iterator whose handle is fed.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.data.dataset import Dataset
from graphdl.dtypes import DType, as_dtype
from graphdl.errors import BackendError, DTypeError, GraphError, ShapeError
from graphdl.graph import Node, get_default_graph
from graphdl.nest import flatten, pack
from graphdl.registry import TensorSpec, register
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = ["Iterator"]

HANDLE_PREFIX = "__iterator_handle__:"  # Graph._data_iterators key of an iterator's string handle
_HANDLES = itertools.count()
_BY_KEY: weakref.WeakValueDictionary[str, Iterator] = weakref.WeakValueDictionary()


def _handle_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [TensorSpec(TensorShape([]), as_dtype("string"))]


def _handle_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = attrs["handle"].encode()
    return out


def _string_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [TensorSpec(as_shape(attrs["shape"]), as_dtype("string"))]


def _string_eval(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
    iterator = _BY_KEY.get(attrs["iterator"])
    values = getattr(iterator._host, "values", None) if iterator is not None else None
    if values is None or attrs["index"] not in values:
        raise GraphError(
            "a tf.data string element is only known while the Session.run that pulled it returns"
        )
    return values[attrs["index"]]  # type: ignore[no-any-return]


def _host_only(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    raise BackendError(
        "graphdl has no ops on strings: a tf.data string (an element, an iterator's handle) is made on the "
        "host and can be fetched, not used as the input of another op"
    )


# kind "summary": strings made on the host when fetched (runtime/fetches.py:expand_summaries), so they
# fetch the same way on the interpreter and on XLA, which has no strings.
register(
    "IteratorToStringHandle",
    api_name="data.Iterator.string_handle",
    infer=_handle_infer,
    evaluate=_handle_eval,
    lower=_host_only,
    differentiable=False,
    kind="summary",
    doc="The string handle of a tf.data iterator, to feed to Iterator.from_string_handle.",
)
register(
    "IteratorGetNextString",
    api_name="data.Iterator.get_next",
    infer=_string_infer,
    evaluate=_string_eval,
    lower=_host_only,
    differentiable=False,
    kind="summary",
    doc="A string component of a tf.data iterator's next element (the Session pulls it on the host).",
)


class Iterator:
    """An iterator over datasets of one element structure (see the module docstring)."""

    def __init__(
        self,
        structure: Any,
        dtypes: list[DType],
        shapes: list[TensorShape],
        dataset: Dataset | None,
        one_shot: bool,
    ) -> None:
        self._structure = structure
        self._dtypes = list(dtypes)
        self._shapes = list(shapes)
        self.one_shot = one_shot
        self.dataset = dataset
        self._graph = get_default_graph()
        self._next: Any = None
        self._host_leaves: dict[Tensor, int] = {}  # get_next's string components -> element index
        self._initializer: Node | None = None
        self._handle: str | None = None
        self._host = threading.local()  # .values: index -> the string components pulled by this thread
        self.handle_tensor: Tensor | None = None  # set for iterators made by from_string_handle

    @staticmethod
    def from_structure(
        output_types: Any, output_shapes: Any = None, shared_name: str | None = None
    ) -> Iterator:
        """TF1: a reinitializable iterator; `make_initializer(dataset)` points it at a dataset."""
        types = [as_dtype(t) for t in flatten(output_types)]
        shapes = (
            [as_shape(s) for s in _flatten_shapes(output_shapes, output_types)]
            if output_shapes is not None
            else [TensorShape(None)] * len(types)
        )
        if len(shapes) != len(types):
            raise GraphError("Iterator.from_structure: output_types and output_shapes do not match")
        return Iterator(output_types, types, shapes, dataset=None, one_shot=False)

    @staticmethod
    def from_string_handle(string_handle: Tensor, output_types: Any, output_shapes: Any = None) -> Iterator:
        """TF1's feedable iterator: each run takes the next element of the iterator whose handle
        (`sess.run(it.string_handle())`) is fed to the string placeholder `string_handle`."""
        if not isinstance(string_handle, Tensor) or string_handle.dtype.name != "string":
            raise DTypeError(
                "Iterator.from_string_handle: string_handle must be a tf.string tensor (a placeholder)"
            )
        if string_handle.shape.dims is not None and len(string_handle.shape.dims) != 0:
            raise ShapeError(
                f"Iterator.from_string_handle: string_handle must be a scalar, got shape {string_handle.shape}"
            )
        it = Iterator.from_structure(output_types, output_shapes)
        it.handle_tensor = string_handle
        return it

    def string_handle(self, name: str | None = None) -> Tensor:
        """TF1: a string tensor naming this iterator, to feed to a from_string_handle iterator."""
        if self.handle_tensor is not None:
            return self.handle_tensor
        with self._graph.as_default():
            node = self._graph.create_op(
                "IteratorToStringHandle", [], {"handle": self._key()}, name=name or "IteratorToStringHandle"
            )
        return node.outputs[0]

    def _key(self) -> str:
        """This iterator's unique name: its string handle, and how its string elements find it."""
        if self._handle is None:
            self._handle = f"graphdl-iterator-{next(_HANDLES)}"
            _registry(self._graph)[HANDLE_PREFIX + self._handle] = self
            _BY_KEY[self._handle] = self
        return self._handle

    def host_component(self, t: Tensor) -> int | None:
        """The element index of `t` when it is a string component this iterator makes on the host."""
        return self._host_leaves.get(t)

    def set_host_values(self, values: dict[int, Any]) -> None:
        """Record the string components of the element this thread's run pulled (for get_next)."""
        self._host.values = values

    def check_element_types(self, other: Iterator) -> None:
        """Raise unless `other` (fed by handle) makes elements this iterator can give."""
        if [d.name for d in other._dtypes] != [d.name for d in self._dtypes] or any(
            not a.is_compatible_with(b) for a, b in zip(other._shapes, self._shapes, strict=True)
        ):
            raise DTypeError(
                f"the iterator fed by handle gives elements of types {other.output_types} and shapes "
                f"{other.output_shapes}; the from_string_handle iterator expects {self.output_types}, "
                f"{self.output_shapes}"
            )

    @property
    def output_types(self) -> Any:
        return pack(self._structure, list(self._dtypes))

    @property
    def output_shapes(self) -> Any:
        return pack(self._structure, list(self._shapes))

    def get_next(self, name: str | None = None) -> Any:
        """The next element, as tensors (the same ones on every call); each run that needs them takes
        one element."""
        if self._next is None:
            from graphdl.ops.state import placeholder

            leaves = []
            with self._graph.as_default():
                for i, (d, s) in enumerate(zip(self._dtypes, self._shapes, strict=True)):
                    if d.name == "string":  # no backend holds strings: made on the host when fetched
                        node = self._graph.create_op(
                            "IteratorGetNextString",
                            [],
                            {"iterator": self._key(), "index": i, "shape": s},
                            name=name or "IteratorGetNext",
                        )
                        leaves.append(node.outputs[0])
                        self._host_leaves[node.outputs[0]] = i
                    else:
                        leaves.append(placeholder(d, s, name=name or "IteratorGetNext"))
            for t in leaves:
                _registry(self._graph)[t.op.name] = self
            self._next = pack(self._structure, leaves)
        return self._next

    @property
    def initializer(self) -> Node:
        """The op that (re)starts this iterator at the beginning of its dataset."""
        if self.dataset is None:
            raise GraphError(
                "this iterator was made with from_structure or from_string_handle: it has no initializer "
                "of its own (use make_initializer(dataset), or feed a handle)"
            )
        if self._initializer is None:
            self._initializer = self._init_node(self.dataset, "MakeIterator")
        return self._initializer

    def make_initializer(self, dataset: Dataset, name: str | None = None) -> Node:
        """TF1: an op that starts this iterator over `dataset` (which must have the same structure)."""
        if [d.name for d in dataset._dtypes] != [d.name for d in self._dtypes]:
            raise GraphError(
                f"make_initializer: the dataset's types {[d.name for d in dataset._dtypes]} do not match the "
                f"iterator's {[d.name for d in self._dtypes]}"
            )
        for have, want in zip(dataset._shapes, self._shapes, strict=True):
            if not have.is_compatible_with(want):
                raise GraphError(
                    f"make_initializer: a dataset shape {have} does not fit the iterator's {want}"
                )
        return self._init_node(dataset, name or "MakeIterator")

    def _init_node(self, dataset: Dataset, name: str) -> Node:
        from graphdl.ops.state import no_op

        with self._graph.as_default():
            node = no_op(name=name)
        _registry(self._graph)[node.name] = (self, dataset)
        return node


def _flatten_shapes(shapes: Any, like: Any = None) -> list[Any]:
    """Leaves of a nested structure of shapes (a list of ints is one shape, not a structure). With
    `like` (the element's types or structure), shapes are flattened up to its nesting, as TF1's
    `nest.map_structure_up_to` does: `(None, None)` for a pair of components is two unknown shapes."""
    if like is not None:
        if isinstance(like, dict) and isinstance(shapes, dict) and set(like) == set(shapes):
            return [leaf for k in sorted(like) for leaf in _flatten_shapes(shapes[k], like[k])]
        if (
            isinstance(like, tuple | list)
            and isinstance(shapes, tuple | list)
            and not isinstance(shapes, TensorShape)
            and len(like) == len(shapes)
        ):
            return [leaf for s, t in zip(shapes, like, strict=True) for leaf in _flatten_shapes(s, t)]
        if not isinstance(like, dict | tuple | list):
            return [shapes]  # one component: the whole value is its shape
    if isinstance(shapes, TensorShape) or shapes is None:
        return [shapes]
    if isinstance(shapes, dict):
        return [leaf for k in sorted(shapes) for leaf in _flatten_shapes(shapes[k])]
    if isinstance(shapes, tuple | list) and all(isinstance(s, int) or s is None for s in shapes):
        return [list(shapes)]  # one shape ([] or () is a scalar's)
    if isinstance(shapes, tuple | list):
        return [leaf for s in shapes for leaf in _flatten_shapes(s)]
    return [shapes]


def _data_feed() -> Any:
    from runtime.data_feed import DataFeed

    return DataFeed()


def _registry(graph: Any) -> dict[str, Any]:
    """The graph's tf.data registry (Graph._data_iterators), with the Session's tf.data feeder
    (runtime/data_feed.py) registered among its host feeders."""
    graph._host_feeders.setdefault("graphdl.data", _data_feed)
    return graph._data_iterators  # type: ignore[no-any-return]
