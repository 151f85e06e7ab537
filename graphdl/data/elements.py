"""How tf.data turns Python and NumPy values and graph tensors into elements: the element type
aliases, array conversion (strings as bytes), leaf getters and structure flattening."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype
from graphdl.nest import flatten
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["Element", "Env", "Getter", "Make"]

Element = Any
Env = dict[Tensor, Any]
Make = Callable[[Env], Iterator[Element]]
Getter = Callable[[Env], np.ndarray]


def _lists_to_arrays(s: Any) -> Any:
    """TF1's tf.data reads a list as one tensor (not a structure), unless it holds tensors."""
    if isinstance(s, list):
        if any(isinstance(x, Tensor) or hasattr(x, "_as_tensor") for x in flatten(s)):
            return tuple(_lists_to_arrays(x) for x in s)
        return _as_array(s)
    if isinstance(s, dict):
        return {k: _lists_to_arrays(v) for k, v in s.items()}
    if isinstance(s, tuple) and not hasattr(s, "_fields"):
        return tuple(_lists_to_arrays(x) for x in s)
    return s


def _holds_numpy(value: Any) -> bool:
    """Whether a value is, or a (nested) list or tuple holds, a NumPy array or scalar."""
    if isinstance(value, np.ndarray | np.generic):
        return True
    return isinstance(value, list | tuple) and any(_holds_numpy(v) for v in value)


def _as_array(value: Any) -> np.ndarray:
    """A component's value as an array, in the dtype TF1's `convert_to_tensor` gives it: Python floats
    (and lists of them) float32, Python ints int32 (int64 when one does not fit), NumPy values their own."""
    arr = np.asarray(value)
    if arr.dtype.kind in "USO":  # strings stay host-side values, as bytes
        return _as_bytes(arr)
    if _holds_numpy(value):
        return arr
    if arr.dtype.kind == "f":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu":
        small = arr.size == 0 or (int(arr.min()) >= -(2**31) and int(arr.max()) < 2**31)
        return arr.astype(np.int32) if small else arr.astype(np.int64)
    return arr


def _as_bytes(arr: Any) -> np.ndarray:
    """An object array of bytes (graphdl's `string` values)."""
    a = np.asarray(arr, dtype=object)
    out = np.empty(a.shape, dtype=object)
    for i, v in np.ndenumerate(a):
        out[i] = v.encode() if isinstance(v, str) else bytes(v)
    return out


def _leaf(value: Any) -> tuple[Getter, DType, TensorShape, Tensor | None]:
    """(value getter, dtype, static shape, source tensor or None) of one component."""
    from graphdl.ops.shape_args import static_value

    if not isinstance(value, Tensor) and hasattr(value, "_as_tensor"):  # a Variable
        value = value._as_tensor()
    if isinstance(value, Tensor):
        v = static_value(value)
        if v is None:  # known when the initializer runs: a source
            return (lambda env: env[value]), value.dtype, value.shape, value
        value = v
    arr = _as_array(value)
    dtype = as_dtype("string") if arr.dtype == object else as_dtype(arr.dtype)
    return (lambda env: arr), dtype, TensorShape(arr.shape), None


def _flatten_up_to(structure: Any, value: Any) -> list[Any] | None:
    """The parts of `value` at the leaves of `structure` (a leaf may hold a list), or None if it
    does not nest that way."""
    if isinstance(structure, dict):
        if not isinstance(value, dict) or set(value) != set(structure):
            return None
        parts = [_flatten_up_to(structure[k], value[k]) for k in sorted(structure)]
    elif isinstance(structure, tuple | list):
        if not isinstance(value, tuple | list) or len(value) != len(structure):
            return None
        parts = [_flatten_up_to(s, v) for s, v in zip(structure, value, strict=True)]
    else:
        return [value]
    if any(p is None for p in parts):
        return None
    return [leaf for p in parts for leaf in p]  # type: ignore[union-attr]
