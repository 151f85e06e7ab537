"""Element types: a small wrapper around NumPy dtypes with TF1's names."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdl.errors import DTypeError


class DType:
    """A graphdl element type (float32, int64, bool, ...)."""

    __slots__ = ("_np", "name")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self.name = name
        self._np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self) -> type:
        return self._np.type

    @property
    def np(self) -> np.dtype:
        """The NumPy dtype object."""
        return self._np

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def is_numeric(self) -> bool:
        return self._np.kind in "fiu"

    @property
    def is_string(self) -> bool:
        return self._np.kind == "O"

    @property
    def min(self) -> float | int:
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self) -> float | int:
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    @property
    def size(self) -> int:
        return self._np.itemsize

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self._np == other._np
        try:
            return self._np == as_dtype(other)._np  # type: ignore[arg-type]
        except (DTypeError, TypeError):
            return False

    def __hash__(self) -> int:
        return hash(self._np)

    def __reduce__(self) -> Any:
        return (as_dtype, (self.name,))


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint32 = DType("uint32", np.uint32)
bool_ = DType("bool", np.bool_)
half = float16
double = float64
# tf.string: the serialized summaries (bytes). Not in ALL: no op computes on strings, only the
# summary ops produce them, on the host (graphdl.summary).
string = DType("string", object)

ALL: tuple[DType, ...] = (float16, float32, float64, int8, int16, int32, int64, uint8, uint32, bool_)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "double": float64, "float": float32, "int": int32})
_BY_NP = {d.np: d for d in ALL}
_BY_NAME["string"] = string
_BY_NP[string.np] = string


def as_dtype(value: Any) -> DType:
    """Convert a DType, a name, a NumPy dtype or a Python type to a graphdl DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
        raise DTypeError(f"unknown dtype name {value!r}; expected one of {sorted(_BY_NAME)}")
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    try:
        npd = np.dtype(value)
    except TypeError as exc:
        raise DTypeError(f"cannot interpret {value!r} as a dtype") from exc
    if npd in _BY_NP:
        return _BY_NP[npd]
    raise DTypeError(f"dtype {npd} is not supported by graphdl")


def dtype_of_value(value: Any) -> DType:
    """The dtype graphdl gives a Python or NumPy value (Python floats become float32; ints int32, or
    int64 when a value does not fit in int32, as TF1's `tf.constant(2**40)` is int64)."""
    if isinstance(value, np.ndarray | np.generic):
        return as_dtype(value.dtype)
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return float32
    if arr.dtype.kind in "iu":
        info = np.iinfo(np.int32)
        fits = arr.size == 0 or (int(arr.min()) >= info.min and int(arr.max()) <= info.max)
        return int32 if fits else int64
    if arr.dtype.kind == "b":
        return bool_
    return as_dtype(arr.dtype)


def can_cast_safely(src: np.dtype, dst: DType) -> bool:
    """Whether a fed NumPy array of dtype `src` may be converted to `dst` (same kind, or int->float)."""
    if src == dst.np:
        return True
    if dst.is_floating:
        return src.kind in "fiub"
    if dst.is_integer:
        return src.kind in "iub"
    if dst.is_bool:
        return src.kind == "b"
    return False


def converts_exactly(arr: np.ndarray, dst: DType) -> bool:
    """Whether a fed array that `can_cast_safely` refuses still converts to `dst` without changing a
    value: floats fed to an integer type when every one is a whole number that type holds (TF1
    programs feed `np.ones(n)` as int labels; TF1 converts with `np.asarray(value, dtype)`)."""
    if arr.dtype.kind != "f" or not dst.is_integer:
        return False
    info = np.iinfo(dst.np)
    with np.errstate(invalid="ignore"):
        return bool(
            np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
            and np.all((arr >= info.min) & (arr <= info.max))
        )
