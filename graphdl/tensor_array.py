"""TF1's `tf.TensorArray`, the way graphdl compiles loops: a value, not a resource.

graphdl unrolls `tf.while_loop` (graphdl/while_loop.py), so a TensorArray is a Python object that
each `write`, `scatter` or `unstack` returns anew, as TF1's API already does. It holds either
- a dict of element tensors, while every index written is known when the graph is built (a static
  loop's counter, a constant), or
- a dense buffer [size, *element_shape] once an index is known only at run time (a loop whose
  condition depends on feeds). Writes are then a select on the index, and `size()` is the number of
  elements up to the last one written, computed at run time.

Unwritten elements read as zeros when the element shape is known, where TF1 raises at run time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import as_dtype, int32
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["TensorArray"]


def _static_int(value: Any) -> int | None:
    from graphdl.ops.shape_args import static_value

    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    v = static_value(convert_to_tensor(value))
    return None if v is None or v.ndim != 0 else int(v)


def _error(message: str) -> Exception:
    return get_default_graph().located_error(GraphError, "TensorArray", message)


class TensorArray:
    """TF1 `tf.TensorArray(dtype, size=None, dynamic_size=None, ..., element_shape=None, name=None)`."""

    def __init__(
        self,
        dtype: Any,
        size: Any = None,
        dynamic_size: bool | None = None,
        clear_after_read: bool | None = None,
        tensor_array_name: str | None = None,
        handle: Any = None,
        flow: Any = None,
        infer_shape: bool = True,
        element_shape: Any = None,
        colocate_with_first_write_call: bool = True,
        name: str | None = None,
    ) -> None:
        if size is None and not dynamic_size:
            raise _error("size must be given unless dynamic_size=True")
        self._dtype = as_dtype(dtype)
        self._size = None if size is None else _static_int(size)
        if size is not None and self._size is None:
            raise _error("size must be known when the graph is built (graphdl unrolls loops)")
        self._dynamic = bool(dynamic_size)
        self._shape = TensorShape(element_shape) if element_shape is not None else TensorShape(None)
        self._infer = infer_shape
        self._items: dict[int, Tensor] = {}
        self._buf: Tensor | None = None  # dense mode: [capacity, *element_shape]
        self._count: Tensor | None = None  # dense mode: elements up to the last written, at run time
        self._cap: int | None = None  # the dense capacity a while_loop sets for run-time indices

    # --- the TF1 properties ------------------------------------------------------------------
    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic

    @property
    def flow(self) -> Tensor:
        """A float32 scalar standing for the array's state (TF1 threads it through loops)."""
        from graphdl.ops.creation import zeros

        return zeros([], name="flow")

    @property
    def handle(self) -> Any:
        return self

    # --- copies --------------------------------------------------------------------------------
    def _copy(self) -> TensorArray:
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._items = dict(self._items)
        return new

    def _merge_shape(self, value: Tensor) -> None:
        if not self._infer:
            return
        if not self._shape.is_compatible_with(value.shape):
            raise get_default_graph().located_error(
                ShapeError,
                "TensorArray",
                f"could not write an element of shape {value.shape.short()} into a TensorArray of "
                f"element shape {self._shape.short()}",
            )
        self._shape = self._shape.merge_with(value.shape)

    def _value(self, value: Any) -> Tensor:
        t = convert_to_tensor(value, dtype=self._dtype)
        if t.dtype != self._dtype:
            raise _error(f"cannot write {t.dtype.name} into a TensorArray of {self._dtype.name}")
        return t

    def _check_index(self, i: int) -> None:
        if i < 0:
            raise _error(f"index {i} is negative")
        if self._size is not None and not self._dynamic and i >= self._size:
            raise _error(f"index {i} is out of range for a TensorArray of size {self._size}")

    def _capacity(self) -> int:
        if self._size is not None and not self._dynamic:
            return self._size
        n = max(self._items, default=-1) + 1
        if self._size is not None:
            n = max(n, self._size)
        return n

    def _zeros(self) -> Tensor:
        from graphdl.ops.creation import zeros

        if not self._shape.is_fully_defined():
            raise _error(
                "an element was not written and the element shape "
                f"{self._shape.short()} is not fully defined, so it cannot be read as zeros"
            )
        return zeros(self._shape.as_list(), dtype=self._dtype)

    def _dense(self, capacity: int | None = None) -> TensorArray:
        """This array with a dense buffer of `capacity` elements (default: the capacity set by a
        while_loop, else its size)."""
        from graphdl.ops.joining import stack
        from graphdl.ops.state import constant

        if self._buf is not None:
            return self
        n = capacity if capacity is not None else self._cap if self._cap is not None else self._capacity()
        if n <= 0:
            raise _error(
                "an index known only at run time needs a size known when the graph is built "
                "(give size=, or maximum_iterations= to the while_loop)"
            )
        new = self._copy()
        new._buf = stack([self._items[i] if i in self._items else self._zeros() for i in range(n)])
        new._count = constant(max(self._items, default=-1) + 1, dtype=int32)
        new._items = {}
        return new

    def _with_capacity(self, capacity: int) -> TensorArray:
        """A copy that becomes dense with `capacity` elements at its first run-time index."""
        if self._buf is not None:
            return self
        new = self._copy()
        fixed = self._size is not None and not self._dynamic
        new._cap = self._size if fixed else max(capacity, self._capacity())
        return new

    # --- writes (each returns a new TensorArray) --------------------------------------------------
    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """The array with element `index` set to `value`."""
        t = self._value(value)
        i = _static_int(index)
        if i is not None and self._buf is None:
            self._check_index(i)
            new = self._copy()
            new._merge_shape(t)
            new._items[i] = t
            return new
        new = self._copy()
        new._merge_shape(t)
        return new._dense()._write_dense(convert_to_tensor(index, dtype=int32), t)

    def _write_dense(self, index: Tensor, value: Tensor) -> TensorArray:
        from graphdl.ops.array import reshape
        from graphdl.ops.creation import range as range_
        from graphdl.ops.logic import equal
        from graphdl.ops.math import maximum
        from graphdl.ops.selection import where_v2

        assert self._buf is not None and self._count is not None
        rank = len(self._shape.as_list()) if self._shape.dims is not None else 0
        n = self._buf.shape.dims[0] if self._buf.shape.dims else None
        hit = reshape(equal(range_(n), index), [-1] + [1] * rank)
        new = self._copy()
        new._buf = where_v2(hit, value, self._buf)
        new._count = maximum(self._count, index + 1)
        return new

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """The array whose elements are `value`'s slices along axis 0."""
        from graphdl.ops.joining import unstack

        t = self._value(value)
        n = t.shape.dims[0] if t.shape.dims else None
        if n is None:
            raise _error(
                f"unstack needs a first dimension known when the graph is built, got {t.shape.short()}"
            )
        if self._size is not None and not self._dynamic and n > self._size:
            raise _error(f"cannot unstack {n} elements into a TensorArray of size {self._size}")
        new = self._copy()
        new._buf, new._count = None, None
        new._items = {}
        for i, piece in enumerate(unstack(t, num=n)):
            new._merge_shape(piece)
            new._items[i] = piece
        if new._size is None or new._dynamic:
            new._size = n if new._size is None else max(n, new._size)
        return new

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> TensorArray:
        """The array with elements `indices[k]` set to `value[k]`."""
        from graphdl.ops.joining import unstack
        from graphdl.ops.shape_args import static_value

        idx = static_value(convert_to_tensor(indices))
        t = self._value(value)
        if idx is None:
            raise _error("scatter needs indices known when the graph is built")
        new = self
        for k, piece in zip(idx.reshape(-1).tolist(), unstack(t, num=len(idx)), strict=True):
            new = new.write(int(k), piece)
        return new

    def split(self, value: Any, lengths: Any, name: str | None = None) -> TensorArray:
        """The array whose elements are consecutive pieces of `value` of the given lengths."""
        from graphdl.ops.joining import split
        from graphdl.ops.shape_args import static_value

        sizes = static_value(convert_to_tensor(lengths))
        if sizes is None:
            raise _error("split needs lengths known when the graph is built")
        lengths_ = [int(s) for s in sizes.reshape(-1)]
        new = self._copy()
        if len(set(lengths_)) > 1:  # pieces of different lengths: no common element shape (TF1)
            new._infer = False
        for k, piece in enumerate(split(self._value(value), lengths_, axis=0)):
            new = new.write(k, piece)
        return new

    # --- reads -----------------------------------------------------------------------------------
    def read(self, index: Any, name: str | None = None) -> Tensor:
        """Element `index`."""
        from graphdl.ops.gathering import gather

        i = _static_int(index)
        if i is not None and self._buf is None:
            self._check_index(i)
            if i in self._items:
                return self._items[i]
            return self._zeros()
        dense = self._dense()
        assert dense._buf is not None
        return gather(dense._buf, convert_to_tensor(index, dtype=int32))

    def stack(self, name: str | None = None) -> Tensor:
        """All elements stacked along a new axis 0 (a dense array: all `capacity` elements)."""
        from graphdl.ops.joining import stack

        if self._buf is not None:
            return self._buf
        n = self._capacity()
        if n == 0:
            if not self._shape.is_fully_defined():
                raise _error("stack of an empty TensorArray needs a fully defined element_shape")
            from graphdl.ops.creation import zeros

            return zeros([0, *self._shape.as_list()], dtype=self._dtype)
        return stack([self._items[i] if i in self._items else self._zeros() for i in range(n)])

    def gather(self, indices: Any, name: str | None = None) -> Tensor:
        """The elements at `indices`, stacked."""
        from graphdl.ops.gathering import gather

        return gather(self.stack(), convert_to_tensor(indices, dtype=int32))

    def concat(self, name: str | None = None) -> Tensor:
        """All elements joined along their axis 0."""
        from graphdl.ops.joining import concat

        if self._buf is not None:
            from graphdl.ops.array import reshape

            return reshape(self._buf, [-1, *self._shape.as_list()[1:]])
        n = self._capacity()
        return concat([self._items[i] if i in self._items else self._zeros() for i in range(n)], 0)

    def size(self, name: str | None = None) -> Tensor:
        """The number of elements (up to the last written, for a dynamic-size array)."""
        from graphdl.ops.state import constant

        if self._count is not None:
            return self._count if self._dynamic else constant(self._capacity_dense(), dtype=int32)
        return constant(self._capacity(), dtype=int32)

    def _capacity_dense(self) -> int:
        assert self._buf is not None and self._buf.shape.dims is not None
        return int(self._buf.shape.dims[0])  # type: ignore[arg-type]

    def identity(self) -> TensorArray:
        return self

    def close(self, name: str | None = None) -> Any:
        from graphdl.ops.state import no_op

        return no_op()

    # --- while_loop's masking ---------------------------------------------------------------------
    def _select(self, running: Tensor, old: TensorArray) -> TensorArray:
        """This (the body's) array where `running`, else `old` (both made dense)."""
        from graphdl.ops.selection import where_v2

        if self is old:
            return self
        new = self._dense()
        prev = old._copy()
        prev._shape = (
            prev._shape.merge_with(new._shape) if prev._shape.is_compatible_with(new._shape) else prev._shape
        )
        prev = prev._dense(new._capacity_dense())
        assert new._buf is not None and prev._buf is not None and new._count is not None
        assert prev._count is not None
        if not new._buf.shape.is_compatible_with(prev._buf.shape):
            raise _error(
                f"the loop body changed the array from {prev._buf.shape.short()} to {new._buf.shape.short()}"
            )
        out = new._copy()
        out._buf = where_v2(running, new._buf, prev._buf)
        out._count = where_v2(running, new._count, prev._count)
        return out
