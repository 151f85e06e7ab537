"""TF1's `tf.data.Dataset`, run on the host: NumPy elements, pulled by the Session for `get_next()`.

An element is a nested structure (tuple, dict or a single array) of NumPy arrays. The
transformations are Python generators. `map` traces its function once into a private graph and runs
that graph on the NumPy interpreter for each element, so it accepts what TF1's `map` accepts: a
function of tensors that builds graphdl ops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype
from graphdl.errors import GraphError
from graphdl.nest import flatten, pack
from graphdl.shapes import TensorShape

__all__ = ["Dataset"]

Element = Any


def _as_array(value: Any, what: str) -> np.ndarray:
    from graphdl.ops.shape_args import static_value
    from graphdl.tensor import Tensor

    if isinstance(value, Tensor):
        v = static_value(value)
        if v is None:
            raise GraphError(
                f"{what}: '{value.name}' is only known when the graph runs; graphdl builds datasets on the "
                "host from NumPy arrays or constants (feed the arrays to from_tensor_slices directly)"
            )
        return v
    arr = np.asarray(value)
    if arr.dtype.kind in "US":  # strings stay host-side values
        return arr
    if arr.dtype == np.float64 and not isinstance(value, np.ndarray):
        arr = arr.astype(np.float32)  # Python floats become float32, as graphdl's constants do
    return arr


class Dataset:
    """A pipeline of elements; build it with the class methods and the transformations below."""

    def __init__(
        self,
        make: Callable[[], Iterator[Element]],
        structure: Any,
        dtypes: list[DType],
        shapes: list[TensorShape],
    ) -> None:
        self._make = make
        self._structure = structure  # the nesting of one element (leaves are placeholders for shape)
        self._dtypes = dtypes
        self._shapes = shapes

    # --- sources ---------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """TF1: the slices of `tensors` along their first dimension, one element each."""
        leaves = [_as_array(t, "Dataset.from_tensor_slices") for t in flatten(tensors)]
        if any(a.ndim == 0 for a in leaves):
            raise GraphError("Dataset.from_tensor_slices: every component needs a first dimension to slice")
        sizes = {a.shape[0] for a in leaves}
        if len(sizes) != 1:
            raise GraphError(
                f"Dataset.from_tensor_slices: the components have different first dimensions {sorted(sizes)}"
            )
        n = sizes.pop()

        def make() -> Iterator[Element]:
            for i in range(n):
                yield pack(tensors, [a[i] for a in leaves])

        return Dataset(
            make, tensors, [as_dtype(a.dtype) for a in leaves], [TensorShape(a.shape[1:]) for a in leaves]
        )

    @staticmethod
    def from_tensors(tensors: Any) -> Dataset:
        """TF1: a dataset of one element, `tensors`."""
        leaves = [_as_array(t, "Dataset.from_tensors") for t in flatten(tensors)]

        def make() -> Iterator[Element]:
            yield pack(tensors, leaves)

        return Dataset(
            make, tensors, [as_dtype(a.dtype) for a in leaves], [TensorShape(a.shape) for a in leaves]
        )

    @staticmethod
    def range(*args: int) -> Dataset:
        """TF1: like Python's range, as int64 scalars."""
        r = range(*args)

        def make() -> Iterator[Element]:
            for i in r:
                yield np.int64(i)

        return Dataset(make, 0, [as_dtype("int64")], [TensorShape([])])

    # --- transformations -------------------------------------------------------------------------
    def _derive(
        self, make: Callable[[], Iterator[Element]], shapes: list[TensorShape] | None = None
    ) -> Dataset:
        return Dataset(make, self._structure, self._dtypes, self._shapes if shapes is None else shapes)

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """TF1: consecutive elements stacked into batches (the last one smaller unless dropped)."""
        n = int(batch_size)
        if n < 1:
            raise GraphError(f"Dataset.batch: batch_size must be positive, got {batch_size}")
        src = self._make

        def make() -> Iterator[Element]:
            chunk: list[Element] = []
            for e in src():
                chunk.append(e)
                if len(chunk) == n:
                    yield self._stack(chunk)
                    chunk = []
            if chunk and not drop_remainder:
                yield self._stack(chunk)

        first = n if drop_remainder else None
        return self._derive(make, [TensorShape([first]).concatenate(s) for s in self._shapes])

    def _stack(self, chunk: list[Element]) -> Element:
        columns = [flatten(e) for e in chunk]
        return pack(self._structure, [np.stack([c[k] for c in columns]) for k in range(len(columns[0]))])

    def shuffle(
        self, buffer_size: int, seed: int | None = None, reshuffle_each_iteration: bool = True
    ) -> Dataset:
        """TF1's buffered shuffle: each output is drawn at random from the next `buffer_size` elements."""
        size = int(buffer_size)
        if size < 1:
            raise GraphError(f"Dataset.shuffle: buffer_size must be positive, got {buffer_size}")
        src = self._make
        epochs = [0]
        base = np.random.SeedSequence(seed).entropy if seed is not None else None

        def make() -> Iterator[Element]:
            epoch = epochs[0]
            if reshuffle_each_iteration:
                epochs[0] += 1
            rng = np.random.default_rng(None if base is None else [base, epoch])
            buffer: list[Element] = []
            for e in src():
                if len(buffer) < size:
                    buffer.append(e)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = e
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))

        return self._derive(make)

    def repeat(self, count: int | None = None) -> Dataset:
        """TF1: the dataset `count` times over (forever when None or -1)."""
        src = self._make
        times = None if count is None or int(count) < 0 else int(count)

        def make() -> Iterator[Element]:
            k = 0
            while times is None or k < times:
                empty = True
                for e in src():
                    empty = False
                    yield e
                k += 1
                if empty:
                    return

        return self._derive(make)

    def take(self, count: int) -> Dataset:
        """TF1: at most the first `count` elements (all of them when -1)."""
        src = self._make
        n = int(count)

        def make() -> Iterator[Element]:
            for i, e in enumerate(src()):
                if 0 <= n <= i:
                    return
                yield e

        return self._derive(make)

    def skip(self, count: int) -> Dataset:
        """TF1: all but the first `count` elements."""
        src = self._make
        n = int(count)

        def make() -> Iterator[Element]:
            for i, e in enumerate(src()):
                if i >= n:
                    yield e

        return self._derive(make)

    def prefetch(self, buffer_size: Any = None) -> Dataset:
        """TF1 `prefetch`: the same elements (the host pipeline produces each one when it is asked for)."""
        return self

    def cache(self, filename: str = "") -> Dataset:
        """TF1 `cache`: the same elements (they are NumPy arrays in memory already)."""
        return self

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None) -> Dataset:
        """TF1: `map_func` (a function of tensors that builds graph ops) applied to each element.

        A tuple element is passed as separate arguments, as in TF1."""
        from graphdl.graph import Graph
        from graphdl.ops.state import placeholder
        from runtime.session import Session

        graph = Graph()
        with graph.as_default():
            ins = [
                placeholder(d, s, name=f"map_input_{i}")
                for i, (d, s) in enumerate(zip(self._dtypes, self._shapes, strict=True))
            ]
            args = pack(self._structure, ins)
            out = (
                map_func(*args)
                if isinstance(args, tuple) and not hasattr(args, "_fields")
                else map_func(args)
            )
        outs = flatten(out)
        from graphdl.convert import convert_to_tensor

        with graph.as_default():
            outs = [convert_to_tensor(o) for o in outs]
        session = Session(graph=graph, backend="interpreter")
        src = self._make

        def make() -> Iterator[Element]:
            for e in src():
                values = session.run(outs, dict(zip(ins, flatten(e), strict=True)))
                yield pack(out, list(values))

        return Dataset(make, out, [o.dtype for o in outs], [o.shape for o in outs])

    # --- description and iterators -----------------------------------------------------------------
    @property
    def output_types(self) -> Any:
        return pack(self._structure, list(self._dtypes))

    @property
    def output_shapes(self) -> Any:
        return pack(self._structure, list(self._shapes))

    def __iter__(self) -> Iterator[Element]:
        return self._make()

    def make_one_shot_iterator(self) -> Any:
        """TF1: an iterator over this dataset that needs no initialization."""
        from graphdl.data.iterator import Iterator as DataIterator

        return DataIterator(self._structure, self._dtypes, self._shapes, dataset=self, one_shot=True)

    def make_initializable_iterator(self, shared_name: str | None = None) -> Any:
        """TF1: an iterator that starts (and restarts) when its `initializer` runs."""
        from graphdl.data.iterator import Iterator as DataIterator

        return DataIterator(self._structure, self._dtypes, self._shapes, dataset=self, one_shot=False)
