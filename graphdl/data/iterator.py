"""TF1's `tf.data.Iterator`: `get_next()` tensors the Session feeds with the next element of a dataset.

`get_next()` returns placeholders (named `IteratorGetNext...`) that the graph records as belonging to
this iterator; `initializer` (and `make_initializer(dataset)`) are no-op nodes whose run (re)starts it.
When a run needs the get_next tensors and they are not fed, the Session pulls the iterator's next
element and feeds it (runtime/data_feed.py); at the end it raises `tf.errors.OutOfRangeError`.
"""

from __future__ import annotations

from typing import Any

from graphdl.data.dataset import Dataset
from graphdl.dtypes import DType, as_dtype
from graphdl.errors import GraphError
from graphdl.graph import Node, get_default_graph
from graphdl.nest import flatten, pack
from graphdl.shapes import TensorShape, as_shape

__all__ = ["Iterator"]


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
        self._initializer: Node | None = None

    @staticmethod
    def from_structure(
        output_types: Any, output_shapes: Any = None, shared_name: str | None = None
    ) -> Iterator:
        """TF1: a reinitializable iterator; `make_initializer(dataset)` points it at a dataset."""
        types = [as_dtype(t) for t in flatten(output_types)]
        shapes = (
            [as_shape(s) for s in _flatten_shapes(output_shapes)]
            if output_shapes is not None
            else [TensorShape(None)] * len(types)
        )
        if len(shapes) != len(types):
            raise GraphError("Iterator.from_structure: output_types and output_shapes do not match")
        return Iterator(output_types, types, shapes, dataset=None, one_shot=False)

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

            with self._graph.as_default():
                leaves = [
                    placeholder(d, s, name=name or "IteratorGetNext")
                    for d, s in zip(self._dtypes, self._shapes, strict=True)
                ]
            for t in leaves:
                self._graph._data_iterators[t.op.name] = self
            self._next = pack(self._structure, leaves)
        return self._next

    @property
    def initializer(self) -> Node:
        """The op that (re)starts this iterator at the beginning of its dataset."""
        if self.dataset is None:
            raise GraphError("this iterator was made with from_structure: use make_initializer(dataset)")
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
        self._graph._data_iterators[node.name] = (self, dataset)
        return node


def _flatten_shapes(shapes: Any) -> list[Any]:
    """Leaves of a nested structure of shapes (a list of ints is one shape, not a structure)."""
    if isinstance(shapes, TensorShape) or shapes is None:
        return [shapes]
    if isinstance(shapes, dict):
        return [leaf for k in sorted(shapes) for leaf in _flatten_shapes(shapes[k])]
    if isinstance(shapes, tuple | list) and shapes and all(isinstance(s, int) or s is None for s in shapes):
        return [list(shapes)]
    if isinstance(shapes, tuple | list):
        return [leaf for s in shapes for leaf in _flatten_shapes(s)]
    return [shapes]
