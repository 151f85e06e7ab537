"""Static shapes with unknown (None) dimensions, and NumPy broadcasting over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from graphdl.errors import ShapeError

Dim = int | None


class Dimension(int):
    """A known dimension as TF1's `shape[i]` returns it: an int that also has TF1's `.value`."""

    __slots__ = ()

    @property
    def value(self) -> int:
        return int(self)

    def is_compatible_with(self, other: Any) -> bool:
        o = dimension_value(other)
        return o is None or o == int(self)

    def __repr__(self) -> str:
        return f"Dimension({int(self)})"

    __str__ = int.__repr__


def dimension_value(dimension: Any) -> int | None:
    """TF1 `tf.dimension_value`: the int (or None) of a Dimension, an int or None."""
    if dimension is None:
        return None
    return int(dimension.value if hasattr(dimension, "value") else dimension)


class TensorShape:
    """A possibly partially known shape: unknown rank (dims None) or a tuple of int|None."""

    __slots__ = ("_dims",)

    def __init__(self, dims: Iterable[Any] | TensorShape | None) -> None:
        if isinstance(dims, TensorShape):
            self._dims: tuple[Dim, ...] | None = dims._dims
        elif dims is None:
            self._dims = None
        else:
            self._dims = tuple(_as_dim(d) for d in dims)

    @property
    def dims(self) -> tuple[Dim, ...] | None:
        return self._dims

    @property
    def ndims(self) -> int | None:
        return None if self._dims is None else len(self._dims)

    rank = ndims

    def as_list(self) -> list[Dim]:
        if self._dims is None:
            raise ShapeError("as_list() is not defined on a shape of unknown rank")
        return list(self._dims)

    def as_tuple(self) -> tuple[Dim, ...]:
        if self._dims is None:
            raise ShapeError("as_tuple() is not defined on a shape of unknown rank")
        return self._dims

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims or ():
            n *= d  # type: ignore[operator]
        return n

    def is_compatible_with(self, other: Any) -> bool:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims, strict=True))

    def merge_with(self, other: Any) -> TensorShape:
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ShapeError(f"shapes {self} and {other} are not compatible")
        return TensorShape(a if a is not None else b for a, b in zip(self._dims, other._dims, strict=True))

    def concatenate(self, other: Any) -> TensorShape:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def with_rank(self, rank: int) -> TensorShape:
        if self._dims is None:
            return TensorShape([None] * rank)
        if len(self._dims) != rank:
            raise ShapeError(f"shape {self} must have rank {rank}")
        return self

    def __len__(self) -> int:
        if self._dims is None:
            raise ShapeError("len() of a shape of unknown rank")
        return len(self._dims)

    def __iter__(self) -> Iterator[Dim]:
        if self._dims is None:
            raise ShapeError("cannot iterate over a shape of unknown rank")
        return iter(self._dims)

    def __getitem__(self, key: int | slice) -> Any:
        if self._dims is None:
            return None if isinstance(key, int) else TensorShape(None)
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        d = self._dims[key]
        return None if d is None else Dimension(d)

    def __eq__(self, other: object) -> bool:
        try:
            o = as_shape(other)
        except (ShapeError, TypeError):
            return False
        return self._dims == o._dims

    def __hash__(self) -> int:
        return hash(self._dims)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        inner = ", ".join("?" if d is None else str(d) for d in self._dims)
        return f"({inner},)" if len(self._dims) == 1 else f"({inner})"

    def short(self) -> str:
        """Compact form for messages and drawings: `[?,784]`."""
        if self._dims is None:
            return "[?...]"
        return "[" + ",".join("?" if d is None else str(d) for d in self._dims) + "]"


def _as_dim(d: Any) -> Dim:
    if d is None:
        return None
    if hasattr(d, "value") and not isinstance(d, int):
        return _as_dim(d.value)
    try:
        i = int(d)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"invalid dimension {d!r}") from exc
    if i < 0:
        if i == -1:
            return None
        raise ShapeError(f"invalid dimension {d!r}: dimensions must be >= 0")
    return i


def as_shape(value: Any) -> TensorShape:
    """Convert a list/tuple/None/TensorShape to a TensorShape."""
    if isinstance(value, TensorShape):
        return value
    if isinstance(value, int):
        return TensorShape([value])
    return TensorShape(value)


def unknown_shape(rank: int | None = None) -> TensorShape:
    return TensorShape(None if rank is None else [None] * rank)


def broadcast_shapes(*shapes: TensorShape) -> TensorShape:
    """Static NumPy broadcasting; None is unknown. Raises ShapeError on a definite mismatch."""
    result: list[Dim] = []
    if any(s.dims is None for s in shapes):
        return TensorShape(None)
    rank = max((len(s.dims) for s in shapes), default=0)  # type: ignore[arg-type]
    for i in range(rank):
        dim: Dim = 1
        unknown = False
        for s in shapes:
            dims = s.dims or ()
            j = i - (rank - len(dims))
            if j < 0:
                continue
            d = dims[j]
            if d is None:
                unknown = True
            elif d != 1:
                if dim not in (1, d):
                    raise ShapeError(
                        "shapes cannot be broadcast together: " + " vs ".join(x.short() for x in shapes)
                    )
                dim = d
        result.append(None if unknown and dim == 1 else dim)
    return TensorShape(result)


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    """Map a possibly negative axis into [0, rank), or raise ShapeError."""
    if not -rank <= axis < rank:
        raise ShapeError(f"{what} {axis} is out of range for rank {rank}")
    return axis % rank


def normalize_axes(axis: int | Sequence[int] | None, rank: int) -> tuple[int, ...]:
    """All axes if None, else the normalized, sorted, unique axes."""
    if axis is None:
        return tuple(range(rank))
    if isinstance(axis, int):
        axis = [axis]
    return tuple(sorted({normalize_axis(int(a), rank) for a in axis}))
