"""TF1's `tf.data.Dataset`, run on the host: NumPy elements, pulled by the Session for `get_next()`.

An element is a nested structure (tuple, dict or a single array) of NumPy arrays. The
transformations are Python generators. A dataset may read graph tensors (placeholders, variables,
ops on them): those are its `sources`, evaluated through the Session, with that run's feed_dict,
when an iterator's initializer runs; the generators get them as `env` (tensor -> value).
`map`, `filter` and `flat_map` trace their function once into a private graph and run that graph on
the NumPy interpreter for each element, so they accept what TF1's accept: functions of tensors that
build graphdl ops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from graphdl.data.elements import Element, Env, Make, _leaf, _lists_to_arrays
from graphdl.dtypes import DType, as_dtype
from graphdl.errors import DTypeError, GraphError, InvalidArgumentError, ShapeError
from graphdl.nest import flatten, pack, same_structure
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = ["Dataset"]


def _as_int(getter: Callable[[Env], Any]) -> Callable[[Env], int]:
    return lambda env: int(getter(env))


def _int_args(values: Any, api: str) -> tuple[list[Callable[[Env], int]], tuple[Tensor, ...]]:
    """Integer arguments given as ints or integer scalar tensors: (getters, the source tensors)."""
    getters: list[Callable[[Env], int]] = []
    sources: list[Tensor] = []
    for value in values:
        getter, dtype, shape, source = _leaf(value)
        if not dtype.is_integer or (shape.dims is not None and len(shape.dims) != 0):
            raise DTypeError(f"Dataset.{api}: arguments must be integer scalars, got a {dtype.name} {shape}")
        getters.append(_as_int(getter))
        if source is not None and source not in sources:
            sources.append(source)
    return getters, tuple(sources)


def _sources(*datasets: Dataset) -> tuple[Tensor, ...]:
    out: list[Tensor] = []
    for d in datasets:
        out.extend(t for t in d._sources if t not in out)
    return tuple(out)


def _merge_shapes(a: TensorShape, b: TensorShape) -> TensorShape:
    """The most specific shape both fit (TF1's concatenate)."""
    if a.dims is None or b.dims is None or len(a.dims) != len(b.dims):
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.dims, b.dims, strict=True)])


def _padding_values(
    pads: list[Any], dtypes: list[DType]
) -> tuple[list[Callable[[Env], Any]], tuple[Tensor, ...]]:
    """padded_batch's fill value getters, one per component (values, or scalar tensors of the
    component's dtype, as in TF1), and the graph tensors they read."""
    getters: list[Callable[[Env], Any]] = []
    sources: list[Tensor] = []
    for p, d in zip(pads, dtypes, strict=True):
        if p is None:
            fill = b"" if d.name == "string" else d.np.type(0)
            getters.append(_constant_getter(fill))
            continue
        if isinstance(p, Tensor) or hasattr(p, "_as_tensor"):
            getter, dtype, shape, source = _leaf(p)
            if dtype.name != d.name:
                raise DTypeError(
                    f"Dataset.padded_batch: a padding value of type {dtype.name} for a component of type {d.name}"
                )
            if shape.dims is not None and len(shape.dims) != 0:
                raise ShapeError(f"Dataset.padded_batch: a padding value must be a scalar, got shape {shape}")
            if source is not None:
                sources.append(source)
            getters.append(_scalar_getter(getter))
            continue
        try:
            fill = np.asarray(p, dtype=object)[()] if d.name == "string" else np.asarray(p).astype(d.np)
        except (TypeError, ValueError):
            raise DTypeError(
                f"Dataset.padded_batch: cannot use the padding value {p!r} for a component of type {d.name}"
            ) from None
        if np.ndim(fill) != 0:
            raise ShapeError(f"Dataset.padded_batch: a padding value must be a scalar, got {p!r}")
        getters.append(_constant_getter(fill))
    return getters, tuple(sources)


def _constant_getter(value: Any) -> Callable[[Env], Any]:
    return lambda env: value


def _scalar_getter(getter: Callable[[Env], Any]) -> Callable[[Env], Any]:
    return lambda env: np.asarray(getter(env))[()]


class Dataset:
    """A pipeline of elements; build it with the class methods and the transformations below."""

    def __init__(
        self,
        make: Make,
        structure: Any,
        dtypes: list[DType],
        shapes: list[TensorShape],
        sources: tuple[Tensor, ...] = (),
    ) -> None:
        self._make = make
        self._structure = structure  # the nesting of one element (its leaves are ignored)
        self._dtypes = list(dtypes)
        self._shapes = list(shapes)
        self._sources = sources  # graph tensors the elements depend on (see the module docstring)

    # --- sources ---------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any) -> Dataset:
        """TF1: the slices of `tensors` (arrays, constants, placeholders, variables) along their
        first dimension, one element each."""
        tensors = _lists_to_arrays(tensors)
        leaves = [_leaf(t) for t in flatten(tensors)]
        if any(s.dims is not None and len(s.dims) == 0 for _, _, s, _ in leaves):
            raise ShapeError("Dataset.from_tensor_slices: every component needs a first dimension to slice")
        known = {s.dims[0] for _, _, s, _ in leaves if s.dims is not None and s.dims[0] is not None}
        if len(known) > 1:
            raise ShapeError(
                f"Dataset.from_tensor_slices: the components have different first dimensions {sorted(known)}"
            )
        getters = [g for g, _, _, _ in leaves]

        def make(env: Env) -> Iterator[Element]:
            values = [np.asarray(g(env)) for g in getters]
            sizes = {a.shape[0] if a.ndim else -1 for a in values}
            if len(sizes) != 1 or -1 in sizes:
                raise ShapeError(
                    "Dataset.from_tensor_slices: the fed components have different first dimensions "
                    f"{[a.shape for a in values]}"
                )
            for i in range(sizes.pop()):
                yield pack(tensors, [a[i] for a in values])

        return Dataset(
            make,
            tensors,
            [d for _, d, _, _ in leaves],
            [TensorShape(None) if s.dims is None else TensorShape(s.dims[1:]) for _, _, s, _ in leaves],
            tuple(t for _, _, _, t in leaves if t is not None),
        )

    @staticmethod
    def from_tensors(tensors: Any) -> Dataset:
        """TF1: a dataset of one element, `tensors`."""
        tensors = _lists_to_arrays(tensors)
        leaves = [_leaf(t) for t in flatten(tensors)]

        def make(env: Env) -> Iterator[Element]:
            yield pack(tensors, [np.asarray(g(env)) for g, _, _, _ in leaves])

        return Dataset(
            make,
            tensors,
            [d for _, d, _, _ in leaves],
            [s for _, _, s, _ in leaves],
            tuple(t for _, _, _, t in leaves if t is not None),
        )

    @staticmethod
    def range(*args: Any) -> Dataset:
        """TF1: like Python's range, as int64 scalars; the bounds may be scalar tensors (a placeholder
        is read when the initializer runs)."""
        getters, sources = _int_args(args, "range")

        def make(env: Env) -> Iterator[Element]:
            for i in range(*[get(env) for get in getters]):
                yield np.int64(i)

        return Dataset(make, 0, [as_dtype("int64")], [TensorShape([])], sources)

    @staticmethod
    def from_generator(
        generator: Callable[..., Any], output_types: Any, output_shapes: Any = None, args: Any = None
    ) -> Dataset:
        """TF1: the elements `generator()` yields (called anew at each initialization), converted
        to `output_types` and checked against `output_shapes`."""
        from graphdl.data.sources import from_generator

        return from_generator(generator, output_types, output_shapes, args)

    @staticmethod
    def zip(datasets: Any) -> Dataset:
        """TF1: elements of several datasets side by side (a nested structure of datasets), until the
        shortest ends."""
        parts = flatten(datasets)
        if not parts or not all(isinstance(d, Dataset) for d in parts):
            raise GraphError("Dataset.zip: give a tuple (or other nest) of datasets")

        def make(env: Env) -> Iterator[Element]:
            its = [d._make(env) for d in parts]
            while True:
                try:
                    items = [next(i) for i in its]
                except StopIteration:
                    return
                yield pack(datasets, items)

        return Dataset(
            make,
            pack(datasets, [d._structure for d in parts]),
            [t for d in parts for t in d._dtypes],
            [s for d in parts for s in d._shapes],
            _sources(*parts),
        )

    # --- transformations -------------------------------------------------------------------------
    def _derive(self, make: Make, shapes: list[TensorShape] | None = None) -> Dataset:
        return Dataset(
            make, self._structure, self._dtypes, self._shapes if shapes is None else shapes, self._sources
        )

    def batch(self, batch_size: Any, drop_remainder: bool = False) -> Dataset:
        """TF1: consecutive elements stacked into batches (the last one smaller unless dropped)."""
        size, sources, static = self._size_arg(batch_size, "batch: batch_size")
        src = self._make

        def make(env: Env) -> Iterator[Element]:
            n = size(env)
            chunk: list[Element] = []
            for e in src(env):
                chunk.append(e)
                if len(chunk) == n:
                    yield self._stack(chunk)
                    chunk = []
            if chunk and not drop_remainder:
                yield self._stack(chunk)

        first = static if drop_remainder else None
        shapes = [TensorShape([first]).concatenate(s) for s in self._shapes]
        return Dataset(make, self._structure, self._dtypes, shapes, sources)

    def _stack(self, chunk: list[Element]) -> Element:
        columns = [flatten(e) for e in chunk]
        out = []
        for k in range(len(columns[0])):
            items = [np.asarray(c[k]) for c in columns]
            if len({a.shape for a in items}) > 1:
                raise ShapeError(
                    f"Dataset.batch: cannot batch elements of different shapes {sorted({a.shape for a in items})}"
                    " in one component; use padded_batch"
                )
            out.append(np.stack(items))
        return pack(self._structure, out)

    def padded_batch(
        self,
        batch_size: Any,
        padded_shapes: Any = None,
        padding_values: Any = None,
        drop_remainder: bool = False,
    ) -> Dataset:
        """TF1: batches whose components are padded (at the end of each dimension) to `padded_shapes`;
        a dimension given as None or -1 is padded to the longest in the batch."""
        from graphdl.data.iterator import _flatten_shapes

        size, sources, static = self._size_arg(batch_size, "padded_batch: batch_size")
        if padded_shapes is None:
            targets = [s if s.dims is not None else None for s in self._shapes]
            if any(t is None for t in targets):
                raise ShapeError("Dataset.padded_batch: components of unknown rank need padded_shapes")
            pshapes = [TensorShape([None] * len(s.dims or ())) for s in self._shapes]
        else:
            raw = _flatten_shapes(padded_shapes, self._structure)
            if len(raw) != len(self._shapes):
                raise GraphError(
                    f"Dataset.padded_batch: padded_shapes has {len(raw)} components, the elements "
                    f"{len(self._shapes)}"
                )
            pshapes = []
            for r in raw:
                dims = as_shape(r).dims
                pshapes.append(
                    TensorShape(
                        None if dims is None else [None if d is not None and d < 0 else d for d in dims]
                    )
                )
        for have, want in zip(self._shapes, pshapes, strict=True):
            ok = want.dims is not None and (
                have.dims is None
                or (
                    len(have.dims) == len(want.dims)
                    and all(
                        h is None or w is None or w >= h for h, w in zip(have.dims, want.dims, strict=True)
                    )
                )
            )
            if not ok:
                raise ShapeError(
                    f"Dataset.padded_batch: the padded shape {want} is not compatible with the shape "
                    f"{have} of the corresponding input component"
                )
        pads = flatten(padding_values) if padding_values is not None else [None] * len(self._dtypes)
        if len(pads) != len(self._dtypes):
            raise GraphError("Dataset.padded_batch: padding_values does not match the element structure")
        fill_getters, fill_sources = _padding_values(pads, self._dtypes)
        src = self._make
        structure = self._structure
        dtypes = self._dtypes

        def pad(items: list[np.ndarray], want: TensorShape, fill: Any, dtype: DType) -> np.ndarray:
            rank = items[0].ndim
            top = [max(a.shape[i] for a in items) for i in range(rank)]
            dims = [t if w is None else w for t, w in zip(top, want.dims or (), strict=True)]
            if any(a.ndim != rank or any(s > d for s, d in zip(a.shape, dims, strict=True)) for a in items):
                raise ShapeError(
                    f"Dataset.padded_batch: attempted to pad to a smaller size than the input element "
                    f"(padded shape {want}, element shapes {[a.shape for a in items]})"
                )
            out = np.full([len(items), *dims], fill, dtype=dtype.np)
            for i, a in enumerate(items):
                where: tuple[Any, ...] = (i, *(slice(0, s) for s in a.shape))
                out[where] = a
            return out

        def stack(chunk: list[Element], fills: list[Any]) -> Element:
            columns = [flatten(e) for e in chunk]
            return pack(
                structure,
                [
                    pad([np.asarray(c[k]) for c in columns], pshapes[k], fills[k], dtypes[k])
                    for k in range(len(pshapes))
                ],
            )

        def make(env: Env) -> Iterator[Element]:
            n = size(env)
            fills = [get(env) for get in fill_getters]
            chunk: list[Element] = []
            for e in src(env):
                chunk.append(e)
                if len(chunk) == n:
                    yield stack(chunk, fills)
                    chunk = []
            if chunk and not drop_remainder:
                yield stack(chunk, fills)

        first = static if drop_remainder else None
        shapes = [TensorShape([first]).concatenate(s) for s in pshapes]
        return Dataset(make, structure, dtypes, shapes, sources + fill_sources)

    def unbatch(self) -> Dataset:
        """tf.data.experimental.unbatch: each batch split back into its elements."""
        src = self._make
        structure = self._structure

        def make(env: Env) -> Iterator[Element]:
            for e in src(env):
                parts = [np.asarray(p) for p in flatten(e)]
                sizes = {p.shape[0] if p.ndim else -1 for p in parts}
                if len(sizes) > 1 or -1 in sizes:
                    raise InvalidArgumentError(
                        "Dataset.unbatch: every component needs the same first (batch) dimension, got "
                        f"shapes {[p.shape for p in parts]}"
                    )
                for i in range(sizes.pop() if sizes else 0):
                    yield pack(structure, [p[i] for p in parts])

        if any(s.dims is not None and len(s.dims) == 0 for s in self._shapes):
            raise ShapeError("Dataset.unbatch: every component needs a first (batch) dimension")
        return self._derive(
            make, [TensorShape(None) if s.dims is None else TensorShape(s.dims[1:]) for s in self._shapes]
        )

    def shuffle(
        self, buffer_size: Any, seed: int | None = None, reshuffle_each_iteration: bool = True
    ) -> Dataset:
        """TF1's buffered shuffle: each output is drawn at random from the next `buffer_size` elements."""
        get_size, sources, _ = self._size_arg(buffer_size, "shuffle: buffer_size")
        src = self._make
        epochs = [0]
        base = np.random.SeedSequence(seed).entropy if seed is not None else None

        def make(env: Env) -> Iterator[Element]:
            size = get_size(env)
            epoch = epochs[0]
            if reshuffle_each_iteration:
                epochs[0] += 1
            rng = np.random.default_rng(None if base is None else [base, epoch])
            buffer: list[Element] = []
            for e in src(env):
                if len(buffer) < size:
                    buffer.append(e)
                    continue
                i = int(rng.integers(len(buffer)))
                yield buffer[i]
                buffer[i] = e
            while buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))

        return Dataset(make, self._structure, self._dtypes, self._shapes, sources)

    def _count_arg(self, value: Any) -> tuple[Callable[[Env], int], tuple[Tensor, ...]]:
        """A count given as an int or a scalar tensor (e.g. an element inside flat_map)."""
        if value is not None and (isinstance(value, Tensor) or hasattr(value, "_as_tensor")):
            getter, _, _, source = _leaf(value)
            return (lambda env: int(getter(env))), _sources(self) + ((source,) if source is not None else ())
        n = -1 if value is None else int(value)
        return (lambda env: n), self._sources

    def _size_arg(self, value: Any, what: str) -> tuple[Callable[[Env], int], tuple[Tensor, ...], int | None]:
        """A positive size (batch_size, buffer_size) given as an int or an integer scalar tensor (TF1
        takes a placeholder fed to the initializer): (getter, sources, the size when it is static)."""
        if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
            getter, dtype, shape, source = _leaf(value)
            if not dtype.is_integer or (shape.dims is not None and len(shape.dims) != 0):
                raise DTypeError(
                    f"Dataset.{what} must be an integer scalar, got a {dtype.name} {shape} tensor"
                )
            sources = _sources(self) + ((source,) if source is not None else ())

            def get(env: Env) -> int:
                n = int(getter(env))
                if n < 1:
                    raise InvalidArgumentError(f"Dataset.{what} must be positive, got {n}")
                return n

            return get, sources, None if source is not None else get({})
        n = int(value)
        if n < 1:
            raise GraphError(f"Dataset.{what} must be positive, got {value}")
        return (lambda env: n), self._sources, n

    def repeat(self, count: Any = None) -> Dataset:
        """TF1: the dataset `count` times over (forever when None or -1)."""
        src = self._make
        times, sources = self._count_arg(count)

        def make(env: Env) -> Iterator[Element]:
            n = times(env)
            k = 0
            while n < 0 or k < n:
                empty = True
                for e in src(env):
                    empty = False
                    yield e
                k += 1
                if empty:
                    return

        return Dataset(make, self._structure, self._dtypes, self._shapes, sources)

    def take(self, count: Any) -> Dataset:
        """TF1: at most the first `count` elements (all of them when -1)."""
        src = self._make
        get, sources = self._count_arg(count)

        def make(env: Env) -> Iterator[Element]:
            n = get(env)
            if n == 0:
                return
            for i, e in enumerate(src(env)):
                yield e
                if 0 <= n <= i + 1:
                    return

        return Dataset(make, self._structure, self._dtypes, self._shapes, sources)

    def skip(self, count: Any) -> Dataset:
        """TF1: all but the first `count` elements (none when -1)."""
        src = self._make
        get, sources = self._count_arg(count)

        def make(env: Env) -> Iterator[Element]:
            n = get(env)
            if n < 0:
                return
            for i, e in enumerate(src(env)):
                if i >= n:
                    yield e

        return Dataset(make, self._structure, self._dtypes, self._shapes, sources)

    def shard(self, num_shards: int, index: int) -> Dataset:
        """TF1: every `num_shards`-th element, starting at `index` (one worker's part); either may be a
        scalar tensor (read when the initializer runs)."""
        (get_k, get_i), sources = _int_args((num_shards, index), "shard")

        def check(k: int, i0: int, error: type[Exception]) -> None:
            if k < 1 or not 0 <= i0 < k:
                raise error(f"Dataset.shard: need num_shards >= 1 and 0 <= index < num_shards, got {k}, {i0}")

        if not sources:
            check(get_k({}), get_i({}), GraphError)
        src = self._make

        def make(env: Env) -> Iterator[Element]:
            k, i0 = get_k(env), get_i(env)
            check(k, i0, InvalidArgumentError)
            for i, e in enumerate(src(env)):
                if i % k == i0:
                    yield e

        return Dataset(make, self._structure, self._dtypes, self._shapes, _sources(self) + sources)

    def concatenate(self, dataset: Dataset) -> Dataset:
        """TF1: this dataset's elements, then `dataset`'s (same structure and types)."""
        if not same_structure(self._structure, dataset._structure) or [d.name for d in self._dtypes] != [
            d.name for d in dataset._dtypes
        ]:
            raise DTypeError(
                f"Dataset.concatenate: incompatible dataset elements: types {self.output_types} vs. "
                f"{dataset.output_types}"
            )
        first, second = self._make, dataset._make

        def make(env: Env) -> Iterator[Element]:
            yield from first(env)
            yield from second(env)

        return Dataset(
            make,
            self._structure,
            self._dtypes,
            [_merge_shapes(a, b) for a, b in zip(self._shapes, dataset._shapes, strict=True)],
            _sources(self, dataset),
        )

    def prefetch(self, buffer_size: Any = None) -> Dataset:
        """TF1 `prefetch`: the same elements (the host pipeline produces each one when it is asked for)."""
        return self

    def cache(self, filename: str = "") -> Dataset:
        """TF1 `cache`: the same elements (they are NumPy arrays in memory already)."""
        return self

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        """TF1: `transformation_func(self)`, for tf.data.experimental / tf.contrib.data transformations."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise GraphError(
                f"Dataset.apply: the transformation must return a Dataset, got {type(out).__name__}"
            )
        return out

    def _trace(self, func: Callable[..., Any], what: str) -> tuple[Any, list[Tensor], Any, list[Tensor]]:
        """Call `func` on placeholders of a private graph: (session, inputs, output structure, outputs)."""
        from graphdl.convert import convert_to_tensor
        from graphdl.graph import Graph
        from graphdl.ops.state import placeholder
        from runtime.session import Session

        graph = Graph()
        with graph.as_default():
            ins = [
                placeholder(d, s, name=f"{what}_input_{i}")
                for i, (d, s) in enumerate(zip(self._dtypes, self._shapes, strict=True))
            ]
            args = pack(self._structure, ins)
            out = func(*args) if isinstance(args, tuple) and not hasattr(args, "_fields") else func(args)
            outs = [] if isinstance(out, Dataset) else [convert_to_tensor(o) for o in flatten(out)]
        return Session(graph=graph, backend="interpreter"), ins, out, outs

    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None) -> Dataset:
        """TF1: `map_func` (a function of tensors that builds graph ops) applied to each element.

        A tuple element is passed as separate arguments, as in TF1."""
        session, ins, out, outs = self._trace(map_func, "map")
        if isinstance(out, Dataset):
            raise GraphError("Dataset.map: map_func returned a Dataset; use flat_map")
        src = self._make

        def make(env: Env) -> Iterator[Element]:
            for e in src(env):
                values = session.run(outs, dict(zip(ins, flatten(e), strict=True)))
                yield pack(out, list(values))

        return Dataset(make, out, [o.dtype for o in outs], [o.shape for o in outs], self._sources)

    def filter(self, predicate: Callable[..., Any]) -> Dataset:
        """TF1: the elements for which `predicate` (a function of tensors giving a scalar bool) is true."""
        session, ins, out, outs = self._trace(predicate, "filter")
        if (
            len(outs) != 1
            or outs[0].dtype.name != "bool"
            or outs[0].shape.dims is None
            or len(outs[0].shape.dims) != 0
        ):
            got = ", ".join(f"{o.dtype.name} {o.shape}" for o in outs) or type(out).__name__
            raise DTypeError(
                f"Dataset.filter: `predicate` must return a bool scalar tensor, but it returns {got}"
            )
        src = self._make
        keep = outs[0]

        def make(env: Env) -> Iterator[Element]:
            for e in src(env):
                if bool(session.run(keep, dict(zip(ins, flatten(e), strict=True)))):
                    yield e

        return self._derive(make)

    def flat_map(self, map_func: Callable[..., Any]) -> Dataset:
        """TF1: `map_func` maps each element to a Dataset; their elements, one dataset after another."""
        session, ins, inner, _ = self._trace(map_func, "flat_map")
        if not isinstance(inner, Dataset):
            raise GraphError(f"Dataset.flat_map: map_func must return a Dataset, got {type(inner).__name__}")
        src = self._make
        needs = list(inner._sources)

        def make(env: Env) -> Iterator[Element]:
            for e in src(env):
                feeds = dict(zip(ins, flatten(e), strict=True))
                values = session.run(needs, feeds) if needs else []
                yield from inner._make(dict(zip(needs, values, strict=True)))

        return Dataset(make, inner._structure, inner._dtypes, inner._shapes, self._sources)

    # --- description and iterators -----------------------------------------------------------------
    @property
    def output_types(self) -> Any:
        return pack(self._structure, list(self._dtypes))

    @property
    def output_shapes(self) -> Any:
        return pack(self._structure, list(self._shapes))

    @property
    def output_classes(self) -> Any:
        return pack(self._structure, [Tensor] * len(self._dtypes))

    def __iter__(self) -> Iterator[Element]:
        if self._sources:
            raise GraphError(
                f"this dataset reads graph tensors ({', '.join(repr(t.name) for t in self._sources)}): "
                "iterate it with make_initializable_iterator() and Session.run"
            )
        return self._make({})

    def make_one_shot_iterator(self) -> Any:
        """TF1: an iterator over this dataset that needs no initialization."""
        from graphdl.data.iterator import Iterator as DataIterator

        if self._sources:
            t = self._sources[0]
            raise GraphError(
                f"Dataset.make_one_shot_iterator: the dataset captures {t.op.describe()} ('{t.name}'), "
                "which a one-shot iterator cannot capture by value (TF1: 'Cannot capture a placeholder "
                "by value', or a stateful object such as a Variable); use make_initializable_iterator()"
            )
        return DataIterator(self._structure, self._dtypes, self._shapes, dataset=self, one_shot=True)

    def make_initializable_iterator(self, shared_name: str | None = None) -> Any:
        """TF1: an iterator that starts (and restarts) when its `initializer` runs."""
        from graphdl.data.iterator import Iterator as DataIterator

        return DataIterator(self._structure, self._dtypes, self._shapes, dataset=self, one_shot=False)
