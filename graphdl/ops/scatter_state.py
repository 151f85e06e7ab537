"""TF1's variable scatters: `tf.scatter_update`, `scatter_add`, `scatter_sub`, `scatter_mul`,
`scatter_div`, `scatter_min` and `scatter_max` write `updates` into the rows `indices` of a variable.

Each is an update op (its write lands when the run ends, as an assign's) returning the variable's new
value. Indices outside the variable's first dimension are an InvalidArgumentError, found at run time
on XLA; the other rows and the run's other writes are then left as they were. Repeated indices
accumulate for the arithmetic scatters; for `scatter_update` which one wins is unspecified, as in TF1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_op
from graphdl.errors import DTypeError, InvalidArgumentError, ShapeError
from graphdl.graph import Node
from graphdl.ops.common import spec
from graphdl.ops.state import _ref_node
from graphdl.registry import TensorSpec, register
from graphdl.shapes import TensorShape
from graphdl.tensor import Tensor

__all__ = [
    "scatter_update",
    "scatter_add",
    "scatter_sub",
    "scatter_mul",
    "scatter_div",
    "scatter_min",
    "scatter_max",
]

# op type -> (api name, NumPy in-place rule, jax .at rule)
_KINDS: dict[str, tuple[str, Any, Any]] = {
    "ScatterUpdate": ("scatter_update", None, lambda at, u: at.set(u, mode="drop")),
    "ScatterAdd": ("scatter_add", np.add, lambda at, u: at.add(u, mode="drop")),
    "ScatterSub": ("scatter_sub", np.subtract, lambda at, u: at.add(-u, mode="drop")),
    "ScatterMul": ("scatter_mul", np.multiply, lambda at, u: at.multiply(u, mode="drop")),
    "ScatterDiv": ("scatter_div", np.divide, lambda at, u: at.divide(u, mode="drop")),
    "ScatterMin": ("scatter_min", np.minimum, lambda at, u: at.min(u, mode="drop")),
    "ScatterMax": ("scatter_max", np.maximum, lambda at, u: at.max(u, mode="drop")),
}


def _infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    ref, indices, updates = inputs
    if indices.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"indices must be int32 or int64, got {indices.dtype.name}")
    if updates.dtype != ref.dtype:
        raise DTypeError(f"updates ({updates.dtype.name}) must have the variable's dtype ({ref.dtype.name})")
    if ref.shape.dims is not None and not ref.shape.dims:
        raise ShapeError("the variable must have at least one dimension to scatter into its rows")
    if ref.shape.dims is not None and indices.shape.dims is not None:
        wanted = TensorShape([*indices.shape.dims, *ref.shape.dims[1:]])
        if not wanted.is_compatible_with(updates.shape):
            raise ShapeError(
                f"updates of shape {updates.shape.short()} must have shape indices.shape + "
                f"variable.shape[1:] = {wanted.short()}"
            )
    return [spec(ref.shape, ref.dtype)]


def _bad_index(node: Node, indices: np.ndarray, rows: int) -> InvalidArgumentError:
    flat = np.asarray(indices).reshape(-1)
    bad = flat[(flat < 0) | (flat >= rows)]
    return InvalidArgumentError(f"{node.describe()}: index {int(bad[0])} is not in [0, {rows})")


def _evaluate(op_type: str) -> Any:
    combine = _KINDS[op_type][1]

    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        name = ctx.node.inputs[0].op.name
        old = np.asarray(ctx.read_variable(name))
        indices, updates = np.asarray(inputs[1]), np.asarray(inputs[2])
        if np.any((indices < 0) | (indices >= old.shape[0])):
            raise _bad_index(ctx.node, indices, old.shape[0])
        new = np.array(old, copy=True)
        if combine is None:
            new[indices] = updates
        else:
            combine.at(new, indices, updates.astype(new.dtype))
        ctx.write_variable(name, new)
        return new

    return rule


def _lower(op_type: str) -> Any:
    apply = _KINDS[op_type][2]

    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        name = ctx.node.inputs[0].op.name
        node = ctx.node
        old = ctx.read_variable(name)
        indices, updates = inputs[1], inputs[2]
        rows = int(old.shape[0])

        def fail(idx: np.ndarray) -> None:
            raise _bad_index(node, idx, rows)

        ctx.check(jnp.all((indices >= 0) & (indices < rows)), fail, indices)
        new = apply(old.at[indices], updates)
        ctx.write_variable(name, new)
        return new

    return rule


for _op, (_api, _np_rule, _jax_rule) in _KINDS.items():
    register(
        _op,
        api_name=_api,
        kind="update",
        infer=_infer,
        evaluate=_evaluate(_op),
        lower=_lower(_op),
        ref_inputs=(0,),
        checks=True,  # indices out of range are found at run time (ctx.check)
        differentiable=False,
        doc="Writes updates into rows of a variable; the write lands when the run ends.",
    )


def _scatter(op_type: str, ref: Any, indices: Any, updates: Any, name: str | None) -> Tensor:
    target = _ref_node(ref)
    idx = convert_to_tensor(indices)
    upd = updates if isinstance(updates, Tensor) else convert_to_tensor(updates, dtype=target.dtype)
    return make_op(op_type, [target, idx, upd], {}, name or op_type).outputs[0]


def scatter_update(
    ref: Any, indices: Any, updates: Any, use_locking: Any = True, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_update(ref, indices, updates)`: ref[indices] = updates."""
    return _scatter("ScatterUpdate", ref, indices, updates, name)


def scatter_add(
    ref: Any, indices: Any, updates: Any, use_locking: Any = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_add(ref, indices, updates)`: ref[indices] += updates (repeats accumulate)."""
    return _scatter("ScatterAdd", ref, indices, updates, name)


def scatter_sub(
    ref: Any, indices: Any, updates: Any, use_locking: Any = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_sub(ref, indices, updates)`: ref[indices] -= updates (repeats accumulate)."""
    return _scatter("ScatterSub", ref, indices, updates, name)


def scatter_mul(
    ref: Any, indices: Any, updates: Any, use_locking: Any = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_mul(ref, indices, updates)`: ref[indices] *= updates (repeats accumulate)."""
    return _scatter("ScatterMul", ref, indices, updates, name)


def scatter_div(
    ref: Any, indices: Any, updates: Any, use_locking: Any = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_div(ref, indices, updates)`: ref[indices] /= updates (repeats accumulate)."""
    return _scatter("ScatterDiv", ref, indices, updates, name)


def scatter_min(
    ref: Any, indices: Any, updates: Any, use_locking: Any = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_min(ref, indices, updates)`: ref[indices] = min(ref[indices], updates)."""
    return _scatter("ScatterMin", ref, indices, updates, name)


def scatter_max(
    ref: Any, indices: Any, updates: Any, use_locking: Any = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.scatter_max(ref, indices, updates)`: ref[indices] = max(ref[indices], updates)."""
    return _scatter("ScatterMax", ref, indices, updates, name)
