"""TF1's remaining array rearrangements: arg_max/arg_min, meshgrid, broadcast_to, roll,
reverse_sequence and invert_permutation (the block rearrangements and extract_image_patches are in
graphdl.ops.space_blocks).

BroadcastTo, Roll, ReverseSequence and InvertPermutation are ops with their own rules; the others
(arg_max, arg_min, meshgrid) are compositions of argmax/argmin, reshape and broadcast_to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_tensor
from graphdl.dtypes import int32, int64
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.reduce import argmax, argmin
from graphdl.ops.shape_args import lower_static, shape_or_tensor, static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, broadcast_shapes, normalize_axis
from graphdl.tensor import Tensor

__all__ = [
    "arg_max",
    "arg_min",
    "meshgrid",
    "broadcast_to",
    "roll",
    "reverse_sequence",
    "invert_permutation",
]


def _rnd(rng: np.random.Generator, *dims: int) -> np.ndarray:
    return rng.standard_normal(dims)


# --- arg_max / arg_min ----------------------------------------------------------------------------


def arg_max(input: Any, dimension: Any, output_type: Any = int64, name: str | None = None) -> Tensor:
    """TF1's deprecated `tf.arg_max(input, dimension, output_type=tf.int64)`: argmax along dimension."""
    return argmax(input, axis=dimension, name=name, output_type=output_type)


def arg_min(input: Any, dimension: Any, output_type: Any = int64, name: str | None = None) -> Tensor:
    """TF1's deprecated `tf.arg_min(input, dimension, output_type=tf.int64)`: argmin along dimension."""
    return argmin(input, axis=dimension, name=name, output_type=output_type)


# --- broadcast_to ---------------------------------------------------------------------------------


def _target(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any, lowering: bool) -> tuple[int, ...]:
    s = attrs.get("shape")
    if s is None:
        s = lower_static(inputs, 1, ctx, "shape") if lowering else inputs[1]
    return tuple(int(d) for d in np.reshape(s, [-1]))


def _broadcast_to_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    s = attrs.get("shape")
    target = TensorShape(list(s)) if s is not None else TensorShape(attrs["shape_hint"])
    out = broadcast_shapes(x.shape, target)
    if out.dims is not None and target.dims is not None and len(out.dims) != len(target.dims):
        raise ShapeError(
            f"input of shape {x.shape.short()} has more dimensions than the target {target.short()}"
        )
    if out.dims is not None and target.dims is not None:
        for d, t in zip(out.dims, target.dims, strict=True):
            if d is not None and t is not None and d != t:
                raise ShapeError(f"input of shape {x.shape.short()} cannot broadcast to {target.short()}")
    return [TensorSpec(target.merge_with(out) if target.is_compatible_with(out) else target, x.dtype)]


def _broadcast_to_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        return xp.broadcast_to(inputs[0], _target(inputs, attrs, ctx, xp is jnp))

    return rule


def _broadcast_to_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.grad_util import unbroadcast

    return [unbroadcast(grads[0], node.inputs[0])] + [None] * (len(node.inputs) - 1)


register(
    "BroadcastTo",
    api_name="broadcast_to",
    infer=_broadcast_to_infer,
    evaluate=_broadcast_to_kernel(np),
    lower=_broadcast_to_kernel(jnp),
    gradient=_broadcast_to_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 3)], {"shape": [2, 3]}),
        Sample([_rnd(rng, 2, 1)], {"shape": [3, 2, 4]}),
        Sample([_rnd(rng)], {"shape": [2, 2]}),
        Sample([_rnd(rng, 2, 3)], {"shape": [2, 3]}),
        Sample([_rnd(rng, 1, 3), np.array([2, 3], np.int32)], {"shape": None, "shape_hint": [None, None]}),
    ],
    doc="The input broadcast (NumPy rules) to the given shape.",
)


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.broadcast_to(input, shape)`: input repeated along new and size-1 axes to `shape`."""
    x = convert_to_tensor(input)
    try:
        static, t, hint = shape_or_tensor(shape, "shape")
    except ShapeError as exc:
        raise get_default_graph().located_error(ShapeError, "broadcast_to", str(exc)) from None
    if static is not None:
        if any(d < 0 for d in static):
            raise get_default_graph().located_error(
                ShapeError, "broadcast_to", f"shape must not hold negative sizes, got {static}"
            )
        return make_tensor("BroadcastTo", [x], {"shape": static}, name or "BroadcastTo")
    hint_dims = hint.dims if hint.dims is not None else None
    return make_tensor("BroadcastTo", [x, t], {"shape": None, "shape_hint": hint_dims}, name or "BroadcastTo")


# --- meshgrid -------------------------------------------------------------------------------------


def meshgrid(*args: Any, **kwargs: Any) -> list[Tensor]:
    """TF1 `tf.meshgrid(*args, indexing='xy', name='meshgrid')`: coordinate grids from 1-D inputs
    (Cartesian 'xy' swaps the first two output axes, matrix 'ij' keeps them)."""
    from graphdl.ops.array import reshape, size

    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    graph = get_default_graph()
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword argument {next(iter(kwargs))!r}")
    if indexing not in ("xy", "ij"):
        raise graph.located_error(GraphError, "meshgrid", f"indexing must be 'xy' or 'ij', got {indexing!r}")
    with graph.name_scope(name):
        xs = [convert_to_tensor(a) for a in args]
        ndim = len(xs)
        if ndim == 0:
            return []
        sizes: list[Any] = []
        for x in xs:
            sizes.append(x.shape.num_elements() if x.shape.is_fully_defined() else size(x))
        order = list(range(ndim))
        if indexing == "xy" and ndim > 1:
            order[0], order[1] = 1, 0
        shape = [sizes[order[i]] for i in range(ndim)]  # the output shape
        outputs = []
        for i, x in enumerate(xs):
            pos = order.index(i)
            target = [1] * ndim
            target[pos] = -1
            outputs.append(broadcast_to(reshape(x, target), shape))
        return outputs


# --- roll -----------------------------------------------------------------------------------------


def _roll_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    axes = attrs["axis"]
    if x.shape.ndims is not None:
        for a in axes:
            normalize_axis(int(a), x.shape.ndims)
    if len(inputs) > 1:
        s = inputs[1]
        if not s.dtype.is_integer:
            raise DTypeError(f"shift must be an int32 or int64 tensor, got {s.dtype.name}")
        n = s.shape.num_elements() if s.shape.is_fully_defined() else None
        if n is not None and n != len(axes):
            raise ShapeError(f"shift holds {n} values but axis names {len(axes)} axes")
    return [x]


def _roll_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        axes = tuple(int(a) for a in attrs["axis"])
        shift = attrs.get("shift")
        if shift is None:
            shift = xp.reshape(inputs[1], (-1,))
            return xp.roll(x, tuple(shift[i] for i in range(len(axes))), axis=axes)
        return xp.roll(x, tuple(int(s) for s in shift), axis=axes)

    return rule


def _roll_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    axes = node.attrs["axis"]
    shift = node.attrs.get("shift")
    if shift is None:
        return [roll(grads[0], -node.inputs[1], axes), None]
    return [roll(grads[0], [-int(s) for s in shift], axes)]


register(
    "Roll",
    api_name="roll",
    infer=_roll_infer,
    evaluate=_roll_kernel(np),
    lower=_roll_kernel(jnp),
    gradient=_roll_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 5)], {"shift": [2], "axis": [0]}),
        Sample([_rnd(rng, 3, 4)], {"shift": [1, -5, 2], "axis": [0, 1, 1]}),
        Sample([_rnd(rng, 2, 3, 2)], {"shift": [7], "axis": [-2]}),
        Sample([_rnd(rng, 3, 4), np.array([1, -2], np.int32)], {"shift": None, "axis": [0, 1]}),
    ],
    doc="Elements shifted cyclically along the given axes (repeated axes add their shifts).",
)


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.roll(input, shift, axis)`: shifts elements cyclically by shift[i] along axis[i]."""
    from graphdl.ops.array import _known

    x = convert_to_tensor(input)
    graph = get_default_graph()
    axes = [int(a) for a in _known(axis, "roll", "axis")]
    if is_tensor_like(shift):
        st = convert_to_tensor(shift)
        v = static_value(st)
        if v is None:
            if st.shape.ndims not in (0, 1, None):
                raise graph.located_error(
                    ShapeError, "roll", f"shift must be a scalar or a vector, got {st.shape.short()}"
                )
            return make_tensor("Roll", [x, st], {"shift": None, "axis": axes}, name or "Roll")
        shift = v
    shifts = [int(s) for s in np.reshape(np.asarray(shift), [-1])]
    if len(shifts) != len(axes):
        raise graph.located_error(
            ShapeError, "roll", f"shift and axis must have the same size, got {len(shifts)} and {len(axes)}"
        )
    return make_tensor("Roll", [x], {"shift": shifts, "axis": axes}, name or "Roll")


# --- reverse_sequence -----------------------------------------------------------------------------


def _revseq_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, lens = inputs
    if not lens.dtype.is_integer:
        raise DTypeError(f"seq_lengths must be an int32 or int64 tensor, got {lens.dtype.name}")
    if lens.shape.ndims not in (1, None):
        raise ShapeError(f"seq_lengths must be a vector, got shape {lens.shape.short()}")
    r = x.shape.ndims
    if r is not None:
        sa = normalize_axis(int(attrs["seq_axis"]), r, "seq_axis")
        ba = normalize_axis(int(attrs["batch_axis"]), r, "batch_axis")
        if sa == ba:
            raise ShapeError(f"seq_axis and batch_axis must differ, both are {sa}")
        b = x.shape.dims[ba]  # type: ignore[index]
        n = lens.shape.dims[0] if lens.shape.dims else None
        if b is not None and n is not None and b != n:
            raise ShapeError(
                f"seq_lengths has {n} entries but the batch axis of input {x.shape.short()} has {b}"
            )
    return [x]


def _revseq_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x, lens = inputs
        sa = normalize_axis(int(attrs["seq_axis"]), x.ndim)
        ba = normalize_axis(int(attrs["batch_axis"]), x.ndim)
        n = x.shape[sa]
        if xp is np:
            lens = np.asarray(lens)
            if lens.shape != (x.shape[ba],):
                raise ValueError(
                    f"seq_lengths of shape {list(lens.shape)} does not fit input {list(x.shape)}"
                )
            if lens.size and (lens.min() < 0 or lens.max() > n):
                raise ValueError(f"seq_lengths must be in [0, {n}] (the seq_axis size), got {lens.tolist()}")
        else:
            lens = jnp.clip(lens, 0, n)  # XLA cannot raise: out-of-range lengths are clamped
        pos_shape = [1] * x.ndim
        pos_shape[sa] = n
        len_shape = [1] * x.ndim
        len_shape[ba] = -1
        pos = xp.arange(n).reshape(pos_shape)
        ln = lens.astype(np.int64).reshape(len_shape)
        idx = xp.where(pos < ln, ln - 1 - pos, pos)
        return xp.take_along_axis(x, xp.broadcast_to(idx, x.shape), axis=sa)

    return rule


register(
    "ReverseSequence",
    api_name="reverse_sequence",
    infer=_revseq_infer,
    evaluate=_revseq_kernel(np),
    lower=_revseq_kernel(jnp),
    gradient=lambda node, grads: [
        reverse_sequence(grads[0], node.inputs[1], node.attrs["seq_axis"], node.attrs["batch_axis"]),
        None,
    ],
    samples=lambda rng: [
        Sample([_rnd(rng, 3, 5, 2), np.array([2, 5, 0], np.int32)], {"seq_axis": 1, "batch_axis": 0}),
        Sample([_rnd(rng, 4, 3), np.array([1, 4, 3], np.int64)], {"seq_axis": 0, "batch_axis": 1}),
        Sample([_rnd(rng, 2, 3, 4), np.array([3, 1], np.int32)], {"seq_axis": 2, "batch_axis": 0}),
    ],
    doc="Reverses the first seq_lengths[b] elements along seq_axis of each slice b of batch_axis.",
)


def reverse_sequence(
    input: Any,
    seq_lengths: Any,
    seq_axis: int | None = None,
    batch_axis: int | None = None,
    name: str | None = None,
    seq_dim: int | None = None,
    batch_dim: int | None = None,
) -> Tensor:
    """TF1 `tf.reverse_sequence(input, seq_lengths, seq_axis, batch_axis=0)` (or the deprecated
    seq_dim/batch_dim): reverses each batch entry's first seq_lengths[b] steps."""
    graph = get_default_graph()
    if seq_axis is not None and seq_dim is not None and seq_axis != seq_dim:
        raise graph.located_error(GraphError, "reverse_sequence", "give only one of seq_axis and seq_dim")
    if batch_axis is not None and batch_dim is not None and batch_axis != batch_dim:
        raise graph.located_error(GraphError, "reverse_sequence", "give only one of batch_axis and batch_dim")
    sa = seq_axis if seq_axis is not None else seq_dim
    ba = batch_axis if batch_axis is not None else batch_dim
    if sa is None:
        raise graph.located_error(GraphError, "reverse_sequence", "seq_axis is required")
    x = convert_to_tensor(input)
    lens = (
        convert_to_tensor(seq_lengths)
        if is_tensor_like(seq_lengths)
        else convert_to_tensor(np.asarray(seq_lengths, np.int64))
    )
    attrs = {"seq_axis": int(sa), "batch_axis": 0 if ba is None else int(ba)}
    return make_tensor("ReverseSequence", [x, lens], attrs, name or "ReverseSequence")


# --- invert_permutation ---------------------------------------------------------------------------


def _invperm_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    if x.dtype not in (int32, int64):
        raise DTypeError(f"x must be an int32 or int64 tensor, got {x.dtype.name}")
    if x.shape.ndims not in (1, None):
        raise ShapeError(f"x must be a vector, got shape {x.shape.short()}")
    return [x]


def _invperm_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x = np.asarray(inputs[0])
    n = x.shape[0]
    if not np.array_equal(np.sort(x), np.arange(n)):
        raise ValueError(f"x must be a permutation of 0..{n - 1}, got {x.tolist()}")
    out = np.empty_like(x)
    out[x] = np.arange(n, dtype=x.dtype)
    return out


register(
    "InvertPermutation",
    api_name="invert_permutation",
    infer=_invperm_infer,
    evaluate=_invperm_eval,
    lower=lambda inputs, attrs, ctx: (
        jnp.zeros_like(inputs[0]).at[inputs[0]].set(jnp.arange(inputs[0].shape[0], dtype=inputs[0].dtype))
    ),
    differentiable=False,
    samples=lambda rng: [
        Sample([np.array([3, 4, 0, 2, 1], np.int32)]),
        Sample([rng.permutation(7).astype(np.int64)]),
        Sample([np.zeros((0,), np.int32)]),
    ],
    doc="The inverse permutation y with y[x[i]] = i.",
)


def invert_permutation(x: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.invert_permutation(x)`: y[x[i]] = i for a permutation x of 0..n-1."""
    t = convert_to_tensor(x) if is_tensor_like(x) else convert_to_tensor(np.asarray(x, np.int32))
    return make_tensor("InvertPermutation", [t], {}, name or "InvertPermutation")
