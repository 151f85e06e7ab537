"""Turning Python values, NumPy arrays and Variables into graph Tensors, and building op nodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl.dtypes import DType, as_dtype, dtype_of_value
from graphdl.errors import DTypeError, GraphError
from graphdl.graph import Graph, Node, get_default_graph
from graphdl.source import short_location, user_frame
from graphdl.tensor import Tensor


def is_tensor_like(value: Any) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def graph_of(values: Sequence[Any]) -> Graph:
    """The graph the tensors among `values` live in (the default graph when there are none)."""
    for v in values:
        if isinstance(v, Tensor):
            return v.graph
        if hasattr(v, "_as_tensor"):
            return v._as_tensor().graph  # type: ignore[no-any-return]
    return get_default_graph()


def constant_value(value: Any, dtype: Any = None) -> np.ndarray:
    """A NumPy array for a constant, in the dtype graphdl gives it (Python floats are float32)."""
    dt = as_dtype(dtype) if dtype is not None else dtype_of_value(value)
    arr = np.asarray(value)
    if arr.dtype == object:
        raise DTypeError(f"cannot convert {value!r} to a tensor")
    if dtype is not None and arr.dtype.kind == "f" and dt.is_integer and not np.all(np.mod(arr, 1) == 0):
        raise DTypeError(f"cannot convert {value!r} to {dt.name} without losing its fraction")
    return np.asarray(arr, dtype=dt.np)


def convert_to_tensor(
    value: Any, dtype: Any = None, name: str | None = None, graph: Graph | None = None
) -> Tensor:
    """TF1 `convert_to_tensor`: Tensors pass through (dtype checked), Variables read, values become Const."""
    if isinstance(value, Tensor):
        t = value
    elif hasattr(value, "_as_tensor"):
        t = value._as_tensor()
    else:
        from graphdl.ops.state import constant

        with (graph or get_default_graph()).as_default():
            return constant(value, dtype=dtype, name=name or "Const")
    if dtype is not None and t.dtype != as_dtype(dtype):
        raise DTypeError(
            f"({short_location(user_frame())}): tensor '{t.name}' has dtype {t.dtype.name}, "
            f"but {as_dtype(dtype).name} was requested"
        )
    return t


def convert_operands(values: Sequence[Any], api_name: str, dtype: Any = None) -> list[Tensor]:
    """Convert the inputs of an n-ary op so all share one dtype.

    Python scalars and lists take the dtype of the tensors among them; two tensors of different
    dtypes are a DTypeError naming the op and the user's line (TF1 does not promote).
    """
    target: DType | None = as_dtype(dtype) if dtype is not None else None
    if target is None:
        for v in values:
            if is_tensor_like(v):
                target = v.dtype if isinstance(v, Tensor) else v._as_tensor().dtype
                break
            if isinstance(v, np.ndarray | np.generic):
                target = as_dtype(v.dtype) if target is None else target
    graph = graph_of(values)
    out: list[Tensor] = []
    for v in values:
        if is_tensor_like(v):
            t = convert_to_tensor(v)
            if target is not None and t.dtype != target:
                raise DTypeError(
                    f"{api_name} ({short_location(user_frame())}): inputs have different dtypes: "
                    + ", ".join(
                        f"'{convert_to_tensor(x).name}':{convert_to_tensor(x).dtype.name}"
                        for x in values
                        if is_tensor_like(x)
                    )
                    + "; use graphdl.cast to convert one of them"
                )
            out.append(t)
        else:
            if target is not None and not target.is_floating and np.asarray(v).dtype.kind == "f":
                arr = np.asarray(v)
                if not np.all(np.equal(np.mod(arr, 1), 0)):
                    raise DTypeError(
                        f"{api_name} ({short_location(user_frame())}): cannot use {v!r} with "
                        f"{target.name} tensors"
                    )
            out.append(convert_to_tensor(v, dtype=target, graph=graph))
    return out


def make_op(
    op_type: str,
    inputs: Sequence[Any],
    attrs: Mapping[str, Any] | None = None,
    name: str | None = None,
    control_inputs: Sequence[Node] = (),
) -> Node:
    """Create a node in the inputs' graph (tensors converted as they are)."""
    tensors = [convert_to_tensor(v) for v in inputs]
    graph = tensors[0].graph if tensors else get_default_graph()
    for t in tensors:
        if t.graph is not graph:
            raise GraphError(f"{op_type}: inputs come from different graphs")
    return graph.create_op(op_type, tensors, attrs, name=name, control_inputs=control_inputs)


def make_tensor(
    op_type: str, inputs: Sequence[Any], attrs: Mapping[str, Any] | None = None, name: str | None = None
) -> Tensor:
    """Create a single-output node and return its tensor."""
    return make_op(op_type, inputs, attrs, name).outputs[0]
