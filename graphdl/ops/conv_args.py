"""Argument checks shared by the `tf.nn` convolution and pooling wrappers (conv_generic, conv3d):
spatial lists, padding names, ranks and data formats, with errors located at the caller."""

from __future__ import annotations

from typing import Any

import numpy as np

from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.window import padding_name
from graphdl.tensor import Tensor

__all__: list[str] = []


# --- argument helpers ----------------------------------------------------------------------------------


def _fail(api: str, message: str) -> ShapeError:
    return get_default_graph().located_error(ShapeError, api, message)  # type: ignore[return-value]


def _spatial(value: Any, n: int, what: str, api: str, channels_first: bool = False) -> list[int]:
    """An int, or a list of n (spatial) or n + 2 ints, as n spatial ints (batch/channel entries must be 1)."""
    if value is None:
        return [1] * n
    vals = [int(value)] * n if isinstance(value, int | np.integer) else [int(v) for v in value]
    if len(vals) == 1:
        vals = vals * n
    elif len(vals) == n + 2:
        outer = [vals[0], vals[1]] if channels_first else [vals[0], vals[-1]]
        if outer != [1, 1]:
            raise _fail(api, f"{what} must be 1 on the batch and channel axes, got {vals}")
        vals = vals[2:] if channels_first else vals[1:-1]
    if len(vals) != n:
        raise _fail(api, f"{what} must be an int or a list of 1, {n} or {n + 2} ints, got {value!r}")
    if min(vals) < 1:
        raise _fail(api, f"{what} must be positive, got {vals}")
    return vals


def _padding(api: str, padding: Any) -> str:
    try:
        return padding_name(padding)
    except ShapeError as exc:
        raise _fail(api, str(exc)) from None


def _rank_of(t: Tensor, rank: int, what: str, api: str) -> None:
    if t.shape.ndims is not None and t.shape.ndims != rank:
        raise _fail(api, f"{what} must be {rank}-D, got shape {t.shape.short()}")


_FORMATS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}


def _format(api: str, data_format: Any, n: int) -> bool:
    """Whether `data_format` (None: channels last) is channels first; a ShapeError if it is unknown."""
    if data_format is None:
        return False
    if data_format not in _FORMATS[n]:
        raise _fail(api, f"data_format must be one of {list(_FORMATS[n])}, got {data_format!r}")
    return str(data_format).startswith("NC")
