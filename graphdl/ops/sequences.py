"""Sequence-building ops: eye, linspace (TF1's lin_space) and sequence_mask.

`eye` is the `Eye` op when its sizes are known when the graph is built (the common case), else a
composite of range and equal; `linspace` is the `LinSpace` op; `sequence_mask` is TF1's composite
`range(maxlen) < expand_dims(lengths, -1)`. With `maxlen=None` the mask's width is `max(lengths)`,
a value: the interpreter runs it for any lengths, XLA only where the lengths are known when the
graph is compiled (constants), as for every data-dependent shape in graphdl.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_operands, convert_to_tensor, is_tensor_like, make_tensor
from graphdl.dtypes import as_dtype, bool_, float32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import lower_static, static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = ["eye", "linspace", "lin_space", "sequence_mask"]


# --- eye ----------------------------------------------------------------------------------------


def _eye_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dims = [*attrs["batch_shape"], attrs["num_rows"], attrs["num_columns"]]
    if any(int(d) < 0 for d in dims):
        raise ShapeError(f"num_rows, num_columns and batch_shape must be >= 0, got {dims}")
    return [TensorSpec(TensorShape([int(d) for d in dims]), as_dtype(attrs["dtype"]))]


def _eye_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        r, c = int(attrs["num_rows"]), int(attrs["num_columns"])
        batch = tuple(int(d) for d in attrs["batch_shape"])
        m = xp.eye(r, c, dtype=as_dtype(attrs["dtype"]).np)
        return xp.array(xp.broadcast_to(m, batch + (r, c))) if batch else m

    return rule


register(
    "Eye",
    api_name="eye",
    infer=_eye_infer,
    evaluate=_eye_kernel(np),
    lower=_eye_kernel(jnp),
    differentiable=False,
    samples=lambda rng: [
        Sample([], {"num_rows": 3, "num_columns": 3, "batch_shape": [], "dtype": float32}),
        Sample([], {"num_rows": 2, "num_columns": 4, "batch_shape": [], "dtype": as_dtype("int32")}),
        Sample([], {"num_rows": 4, "num_columns": 2, "batch_shape": [2, 1], "dtype": as_dtype("float64")}),
        Sample([], {"num_rows": 0, "num_columns": 3, "batch_shape": [], "dtype": bool_}),
    ],
    doc="Identity matrices (ones on the main diagonal), optionally stacked in a batch shape.",
)


def _size_arg(value: Any, what: str) -> int | Tensor:
    """A Python int for a size known now, else the int tensor that holds it."""
    graph = get_default_graph()
    if is_tensor_like(value):
        t = convert_to_tensor(value)
        if not t.dtype.is_integer or t.shape.ndims not in (0, None):
            raise graph.located_error(
                DTypeError, "eye", f"{what} must be an integer scalar, got {t.dtype.name} {t.shape.short()}"
            )
        v = static_value(t)
        return t if v is None else int(v)
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise graph.located_error(DTypeError, "eye", f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


def eye(num_rows: Any, num_columns: Any = None, batch_shape: Any = None, dtype: Any = float32,
        name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.eye(num_rows, num_columns=None, batch_shape=None, dtype=float32)`: identity matrices."""
    from graphdl.ops.shape_args import int_list

    graph = get_default_graph()
    dt = as_dtype(dtype)
    rows = _size_arg(num_rows, "num_rows")
    cols = rows if num_columns is None else _size_arg(num_columns, "num_columns")
    if batch_shape is None:
        batch: list[int] = []
    else:
        b = static_value(convert_to_tensor(batch_shape)) if is_tensor_like(batch_shape) else batch_shape
        if b is None:
            raise graph.located_error(ShapeError, "eye", "batch_shape must be known when the graph is built")
        batch = int_list(b, "eye: batch_shape")
    for what, v in (("num_rows", rows), ("num_columns", cols)):
        if isinstance(v, int) and v < 0:
            raise graph.located_error(ShapeError, "eye", f"{what} must be >= 0, got {v}")
    if any(d < 0 for d in batch):
        raise graph.located_error(ShapeError, "eye", f"batch_shape must be >= 0, got {batch}")
    if isinstance(rows, int) and isinstance(cols, int):
        attrs = {"num_rows": rows, "num_columns": cols, "batch_shape": batch, "dtype": dt}
        return make_tensor("Eye", [], attrs, name or "eye")
    # A size known only at run time: the diagonal of range(rows) == range(cols).
    from graphdl.ops.array import expand_dims, reshape
    from graphdl.ops.creation import ones
    from graphdl.ops.creation import range as range_
    from graphdl.ops.logic import equal, logical_and
    from graphdl.ops.math import cast

    with graph.name_scope(name or "eye") as scope:
        diag = equal(expand_dims(range_(rows), -1), range_(cols))
        if batch:
            diag = logical_and(diag, reshape(ones(batch, dtype=bool_), [*batch, 1, 1]))
        return cast(diag, dt, name=scope) if dt != bool_ else diag


# --- linspace -----------------------------------------------------------------------------------


def _linspace_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    start, stop = inputs[0], inputs[1]
    for what, s in (("start", start), ("stop", stop)):
        if not s.dtype.is_floating:
            raise DTypeError(f"{what} must be a floating tensor, got {s.dtype.name}")
        if s.shape.ndims not in (0, None):
            raise ShapeError(f"{what} must be a scalar, got shape {s.shape.short()}")
    if start.dtype != stop.dtype:
        raise DTypeError(
            f"start and stop must have the same dtype, got {start.dtype.name} and {stop.dtype.name}"
        )
    num = attrs.get("num")
    if num is None:
        n = inputs[2]
        if not n.dtype.is_integer or n.shape.ndims not in (0, None):
            raise DTypeError(f"num must be an integer scalar, got {n.dtype.name} {n.shape.short()}")
        return [TensorSpec(TensorShape([None]), start.dtype)]
    if int(num) <= 0:
        raise ShapeError(f"num must be > 0, got {num}")
    return [TensorSpec(TensorShape([int(num)]), start.dtype)]


def _linspace_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        start, stop = inputs[0], inputs[1]
        num = attrs.get("num")
        if num is None:
            num = int(inputs[2]) if xp is np else int(lower_static(inputs, 2, ctx, "num"))
        num = int(num)
        if num <= 0:
            raise ValueError(f"linspace needs num > 0, got {num}")
        dt = np.asarray(start).dtype if xp is np else start.dtype
        start = xp.reshape(xp.asarray(start, dt), (1,))
        stop = xp.reshape(xp.asarray(stop, dt), (1,))
        if num == 1:
            return start
        # TF1's kernel: start + step * i in the input dtype, and the last value exactly stop.
        step = (stop - start) / xp.asarray(num - 1, dt)
        return xp.concatenate([start + step * xp.arange(num - 1, dtype=dt), stop])

    return rule


def _linspace_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    g = grads[0]
    num = node.attrs.get("num")
    if num is not None:
        n = int(num)
        w_np = np.arange(n, dtype=np.float64) / max(n - 1, 1)
        w: Tensor = convert_to_tensor(w_np.astype(g.dtype.np))
    else:
        from graphdl.ops.creation import range as range_
        from graphdl.ops.math import cast, maximum

        n_t = node.inputs[2]
        w = cast(range_(n_t), g.dtype) / cast(maximum(n_t - 1, 1), g.dtype)
    # out[i] = start * (1 - w[i]) + stop * w[i], with w[i] = i / (num - 1)
    return [reduce_sum(g * (1.0 - w)), reduce_sum(g * w)] + [None] * (len(node.inputs) - 2)


register(
    "LinSpace",
    api_name="lin_space",
    infer=_linspace_infer,
    evaluate=_linspace_kernel(np),
    lower=_linspace_kernel(jnp),
    gradient=_linspace_grad,
    samples=lambda rng: [
        Sample([np.array(rng.standard_normal()), np.array(rng.standard_normal() + 3.0)], {"num": 5}),
        Sample([np.array(2.0), np.array(-1.0)], {"num": 4}),
        Sample([np.array(rng.standard_normal()), np.array(1.5)], {"num": 1}),
        Sample([np.array(0.0, np.float32), np.array(1.0, np.float32)], {"num": 11}, grad_inputs=[]),
        Sample([np.array(0.5), np.array(4.0), np.array(3, np.int32)], {"num": None}),
    ],
    doc="num evenly spaced values from start to stop, both included.",
)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.linspace(start, stop, num)` (alias `tf.lin_space`): num evenly spaced values, ends included."""
    s, e = convert_operands([start, stop], "lin_space")
    if is_tensor_like(num):
        nt = convert_to_tensor(num)
        v = static_value(nt)
        if v is None:
            return make_tensor("LinSpace", [s, e, nt], {"num": None}, name or "LinSpace")
        num = v
    arr = np.asarray(num)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise get_default_graph().located_error(
            DTypeError, "lin_space", f"num must be an integer, got {num!r}"
        )
    return make_tensor("LinSpace", [s, e], {"num": int(arr)}, name or "LinSpace")


lin_space = linspace


# --- sequence_mask ------------------------------------------------------------------------------


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = bool_, name: str | None = None) -> Tensor:
    """TF1 `tf.sequence_mask(lengths, maxlen=None, dtype=bool)`: mask[..., j] = j < lengths[...].

    Without maxlen the width is max(lengths): XLA needs it when compiling, so there the lengths must be
    constants; pass maxlen for fed lengths (the interpreter runs both)."""
    from graphdl.ops.array import expand_dims
    from graphdl.ops.creation import range as range_
    from graphdl.ops.logic import less
    from graphdl.ops.math import cast, maximum
    from graphdl.ops.reduce import reduce_max
    from graphdl.ops.state import constant

    graph = get_default_graph()
    dt = as_dtype(dtype) if dtype is not None else bool_
    with graph.name_scope(name or "SequenceMask") as scope:
        lens = convert_to_tensor(lengths)
        if not lens.dtype.is_integer:
            raise graph.located_error(
                DTypeError, "sequence_mask", f"lengths must be integers, got {lens.dtype.name}"
            )
        if maxlen is None:
            m = maximum(constant(0, dtype=lens.dtype), reduce_max(lens))
        else:
            m = convert_to_tensor(maxlen)
            if m.shape.ndims not in (0, None):
                raise graph.located_error(
                    ShapeError, "sequence_mask", f"maxlen must be a scalar, got shape {m.shape.short()}"
                )
            if not m.dtype.is_integer:
                raise graph.located_error(
                    DTypeError, "sequence_mask", f"maxlen must be an integer, got {m.dtype.name}"
                )
        row = range_(constant(0, dtype=m.dtype), m, constant(1, dtype=m.dtype), dtype=m.dtype)
        col = expand_dims(lens, -1)
        if col.dtype != m.dtype:
            col = cast(col, m.dtype)
        if dt == bool_:
            return less(row, col, name=scope)
        return cast(less(row, col), dt, name=scope)
