"""Helpers shared by the `tf.layers` modules: argument normalization, bias add, casts, `training` switching."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.tensor import Tensor
from graphdl.variables import Variable


def _ntuple(value: int | Sequence[int], n: int, what: str) -> tuple[int, ...]:
    """An int or n ints as an n-tuple (TF1's `conv_utils.normalize_tuple`)."""
    if isinstance(value, int | np.integer):
        return (int(value),) * n
    vals = tuple(int(v) for v in value)
    if len(vals) != n:
        kind = "one int" if n == 1 else "a pair of ints" if n == 2 else f"{n} ints"
        raise ValueError(
            f"{what} must be an int or {'a sequence of ' if n == 1 else ''}{kind}, got {value!r}"
        )
    return vals


def _pair(value: int | Sequence[int], what: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair."""
    return _ntuple(value, 2, what)  # type: ignore[return-value]


def _padding(padding: str) -> str:
    """'valid' / 'same' (any case) as the op's 'VALID' / 'SAME'."""
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return p


def _channels_last(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError(f"only data_format='channels_last' (NHWC) is supported, got {data_format!r}")


def _bias_add(x: Tensor, b: Any) -> Tensor:
    """`tf.nn.bias_add` where the nn ops provide it, else a broadcasting add named BiasAdd."""
    from graphdl import nn

    fn = getattr(nn, "bias_add", None)
    if fn is not None:
        return fn(x, b, name="BiasAdd")
    from graphdl.ops.math import add

    return add(x, b, name="BiasAdd")


def _as_float(t: Any, dtype: Any) -> Tensor:
    from graphdl.ops.math import cast

    t = convert_to_tensor(t)
    return t if t.dtype == dtype else cast(t, dtype)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor | Variable) or hasattr(x, "_as_tensor")


def _identity(x: Tensor) -> Tensor:
    from graphdl.ops import array

    fn = getattr(array, "identity", None)
    return fn(x) if fn is not None else x


def _training_factor(training: Any, dtype: Any) -> Tensor:
    """A boolean `training` tensor as 1.0 / 0.0 of `dtype` (for arithmetic switching). A placeholder of
    unknown shape is taken as the scalar TF1 requires, so the layer's output keeps its input's shape."""
    from graphdl.ops.array import reshape
    from graphdl.ops.math import cast

    t = convert_to_tensor(training)
    if t.shape.ndims is None:
        t = reshape(t, [], name="training_scalar")
    return cast(t, dtype, name="training_factor")
