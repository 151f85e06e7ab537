"""Array ops: identity, stop_gradient, reshape, transpose, expand_dims, squeeze, shape, size, rank.

The rest of the family lives beside it and is re-exported here (`graphdl.ops.array.<fn>` reaches
every array op): `creation` (zeros, ones, fill, range, one_hot), `joining` (concat, stack, unstack,
split), `padding` (tile, pad), `slicing` (`Tensor.__getitem__`, slice), `gathering` (gather,
unsorted_segment_sum) and `selection` (where, where_v2, boolean_mask, reverse).
Shape-like arguments are stored as attrs when known at build time (see `graphdl.ops.shape_args`).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import DType, as_dtype, int32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.shape_args import int_list, lower_static, note_runtime_shape, shape_or_tensor
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, as_shape, normalize_axis
from graphdl.tensor import Tensor

_range = builtins.range
_slice = builtins.slice

__all__ = [
    "identity", "stop_gradient", "reshape", "transpose", "expand_dims", "squeeze", "shape", "size", "rank",
    # re-exported from creation, slicing, gathering, joining, padding, selection
    "zeros", "ones", "zeros_like", "ones_like", "fill", "range", "one_hot",
    "getitem", "strided_slice_key", "slice", "gather", "unsorted_segment_sum",
    "concat", "stack", "unstack", "split", "tile", "pad",
    "where", "where_v2", "boolean_mask", "reverse", "reverse_v2",
]  # fmt: skip


def _axis(axis: int, rank: int | None, what: str = "axis") -> int:
    return int(axis) if rank is None else normalize_axis(int(axis), rank, what)


def static_shape_or_tensor(x: Tensor) -> list[int] | Tensor:
    """x's shape as a list when fully known, else a `shape(x)` tensor (for gradient rules)."""
    if x.shape.is_fully_defined():
        return list(x.shape.as_tuple())  # type: ignore[arg-type]
    return shape(x)


def _rnd(rng: np.random.Generator, *dims: int) -> np.ndarray:
    return rng.standard_normal(dims)


# --- identity, stop_gradient -------------------------------------------------------------------

register(
    "Identity",
    api_name="identity",
    infer=lambda inputs, attrs: [inputs[0]],
    evaluate=lambda inputs, attrs, ctx: inputs[0],
    lower=lambda inputs, attrs, ctx: inputs[0],
    gradient=lambda node, grads: [grads[0]],
    samples=lambda rng: [Sample([_rnd(rng, 2, 3)]), Sample([_rnd(rng)]), Sample([np.arange(4)])],
    doc="Returns its input.",
)


def identity(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.identity(input)`: a tensor with the same value."""
    return make_tensor("Identity", [convert_to_tensor(input)], {}, name or "Identity")


def _stop_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    from graphdl._jax import jax

    return jax.lax.stop_gradient(inputs[0])


register(
    "StopGradient",
    api_name="stop_gradient",
    infer=lambda inputs, attrs: [inputs[0]],
    evaluate=lambda inputs, attrs, ctx: inputs[0],
    lower=_stop_lower,
    gradient=lambda node, grads: [None],
    samples=lambda rng: [Sample([_rnd(rng, 2, 3)], grad_inputs=[])],
    doc="Returns its input; no gradient flows through it.",
)


def stop_gradient(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.stop_gradient(input)`: the value of input, treated as a constant by gradients."""
    return make_tensor("StopGradient", [convert_to_tensor(input)], {}, name or "StopGradient")


# --- reshape ------------------------------------------------------------------------------------


def reshape_shape(in_shape: TensorShape, target: Sequence[int]) -> TensorShape:
    """Static output shape of reshaping `in_shape` to `target` (with at most one -1)."""
    if sum(1 for d in target if d == -1) > 1:
        raise ShapeError(f"at most one dimension of the new shape may be -1, got {list(target)}")
    if any(d < -1 for d in target):
        raise ShapeError(f"invalid new shape {list(target)}: dimensions must be >= -1")
    known = int(np.prod([d for d in target if d != -1]))
    n = in_shape.num_elements()
    if n is None:
        return TensorShape([None if d == -1 else d for d in target])
    if -1 not in target:
        if n != known:
            raise ShapeError(
                f"cannot reshape a tensor of {n} elements (shape {in_shape.short()}) into shape "
                f"{list(target)} ({known} elements)"
            )
        return TensorShape(target)
    if known == 0 or n % known:
        raise ShapeError(
            f"cannot reshape a tensor of {n} elements (shape {in_shape.short()}) into shape {list(target)}"
        )
    return TensorShape([n // known if d == -1 else d for d in target])


def _tensor_arg_shape(spec: TensorSpec, hint: Any, what: str) -> TensorShape:
    """The shape described by a 1-D shape tensor of spec `spec`, refined by a build-time hint."""
    if spec.shape.ndims not in (None, 1):
        raise ShapeError(f"{what} must be a vector, got shape {spec.shape.short()}")
    n = spec.shape.dims[0] if spec.shape.dims else None
    h = as_shape(hint) if hint is not None else TensorShape(None)
    if h.dims is not None and (n is None or n == len(h.dims)):
        return h
    return TensorShape(None if n is None else [None] * n)


def _reshape_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    target = attrs.get("shape")
    if target is None:
        return [TensorSpec(_tensor_arg_shape(inputs[1], attrs.get("shape_hint"), "shape"), x.dtype)]
    return [TensorSpec(reshape_shape(x.shape, target), x.dtype)]


def _reshape_eval(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    target = attrs.get("shape")
    return np.reshape(inputs[0], target if target is not None else [int(d) for d in inputs[1]])


def _reshape_lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    target = attrs.get("shape")
    if target is None:
        target = [int(d) for d in lower_static(inputs, 1, ctx, "target shape")]
    return jnp.reshape(inputs[0], target)


def _reshape_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x = node.inputs[0]
    return [reshape(grads[0], static_shape_or_tensor(x))] + [None] * (len(node.inputs) - 1)


register(
    "Reshape",
    api_name="reshape",
    infer=_reshape_infer,
    evaluate=_reshape_eval,
    lower=_reshape_lower,
    gradient=_reshape_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 2, 3)], {"shape": [3, 2]}),
        Sample([_rnd(rng, 2, 3, 4)], {"shape": [-1, 4]}),
        Sample([_rnd(rng, 6)], {"shape": [1, 2, 1, 3]}),
        Sample([_rnd(rng, 1)], {"shape": []}),
        Sample([_rnd(rng, 0, 3)], {"shape": [3, 0]}),
        Sample([_rnd(rng, 2, 3), np.array([3, -1], np.int32)], {"shape": None}, const_inputs=[1]),
        Sample([_rnd(rng, 4, 3), np.array([2, 6], np.int64)], {"shape": None}),
    ],
    doc="Same values in a new shape (one dimension may be -1).",
)


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.reshape(tensor, shape)`: shape is a list (one -1 allowed) or an int tensor."""
    x = convert_to_tensor(tensor)
    static, t, hint = shape_or_tensor(shape, "reshape: shape")
    if static is not None:
        return make_tensor("Reshape", [x], {"shape": static}, name or "Reshape")
    return make_tensor("Reshape", [x, t], {"shape": None, "shape_hint": hint}, name or "Reshape")


# --- transpose ----------------------------------------------------------------------------------


def _perm(attrs: Mapping[str, Any], ndim: int) -> list[int]:
    p = attrs.get("perm")
    return list(_range(ndim))[::-1] if p is None else [int(a) % max(ndim, 1) for a in p]


def _transpose_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    p = attrs.get("perm")
    dims = x.shape.dims
    if dims is None:
        return [TensorSpec(TensorShape(None if p is None else [None] * len(p)), x.dtype)]
    r = len(dims)
    bad = p is not None and (
        len(p) != r
        or any(not -r <= int(a) < r for a in p)
        or sorted(int(a) % max(r, 1) for a in p) != list(_range(r))
    )
    if bad:
        raise ShapeError(
            f"perm {list(p or [])} is not a permutation of the {r} axes of shape {x.shape.short()}"
        )
    return [TensorSpec(TensorShape([dims[a] for a in _perm(attrs, r)]), x.dtype)]


def _transpose_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    p = node.attrs.get("perm")
    if p is None:
        return [transpose(grads[0])]
    r = len(p)
    return [transpose(grads[0], [int(i) for i in np.argsort([int(a) % r for a in p])])]


register(
    "Transpose",
    api_name="transpose",
    infer=_transpose_infer,
    evaluate=lambda inputs, attrs, ctx: np.transpose(inputs[0], _perm(attrs, np.ndim(inputs[0]))),
    lower=lambda inputs, attrs, ctx: jnp.transpose(inputs[0], _perm(attrs, inputs[0].ndim)),
    gradient=_transpose_grad,
    samples=lambda rng: [
        Sample([_rnd(rng, 2, 3)], {"perm": None}),
        Sample([_rnd(rng, 2, 3, 4)], {"perm": [1, 2, 0]}),
        Sample([_rnd(rng, 2, 3, 4)], {"perm": [-1, 0, 1]}),
        Sample([_rnd(rng)], {"perm": []}),
    ],
    doc="Permutes the axes (default: reverses them).",
)


def transpose(a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False) -> Tensor:
    """TF1 `tf.transpose(a, perm=None)`: perm defaults to reversing the axes."""
    x = convert_to_tensor(a)
    p = None if perm is None else int_list(_known(perm, "transpose", "perm"), "transpose: perm")
    return make_tensor("Transpose", [x], {"perm": p}, name)


def _known(value: Any, api: str, what: str) -> Any:
    """A Python value for an argument that must be known when the graph is built."""
    static, t, _ = (
        shape_or_tensor(value, f"{api}: {what}") if not _is_int(value) else ([int(value)], None, None)
    )
    if t is not None:
        raise get_default_graph().located_error(
            ShapeError, api, f"{what} must be known when the graph is built (a Python value or a constant)"
        )
    return static


def _is_int(v: Any) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def _scalar_int(value: Any, api: str, what: str) -> int:
    if _is_int(value):
        return int(value)
    v = _known(value, api, what)
    if len(v) != 1:
        raise get_default_graph().located_error(ShapeError, api, f"{what} must be a scalar, got {value!r}")
    return int(v[0])


# --- expand_dims, squeeze -----------------------------------------------------------------------


def _expand_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    if x.shape.dims is None:
        return [TensorSpec(TensorShape(None), x.dtype)]
    dims = list(x.shape.dims)
    a = _axis(attrs["axis"], len(dims) + 1)
    return [TensorSpec(TensorShape(dims[:a] + [1] + dims[a:]), x.dtype)]


def _reshape_back(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [reshape(grads[0], static_shape_or_tensor(node.inputs[0]))]


register(
    "ExpandDims",
    api_name="expand_dims",
    infer=_expand_infer,
    evaluate=lambda inputs, attrs, ctx: np.expand_dims(inputs[0], int(attrs["axis"])),
    lower=lambda inputs, attrs, ctx: jnp.expand_dims(inputs[0], int(attrs["axis"])),
    gradient=_reshape_back,
    samples=lambda rng: [
        Sample([_rnd(rng, 2, 3)], {"axis": 0}),
        Sample([_rnd(rng, 2, 3)], {"axis": -1}),
        Sample([_rnd(rng, 2, 3)], {"axis": 1}),
        Sample([_rnd(rng)], {"axis": 0}),
    ],
    doc="Inserts an axis of size 1.",
)


def expand_dims(input: Any, axis: Any = None, name: str | None = None, dim: Any = None) -> Tensor:
    """TF1 `tf.expand_dims(input, axis)`: a new axis of size 1 at `axis` (negative counts from the end)."""
    x = convert_to_tensor(input)
    axis = dim if axis is None else axis
    if axis is None:
        raise get_default_graph().located_error(ShapeError, "expand_dims", "axis is required")
    return make_tensor(
        "ExpandDims", [x], {"axis": _scalar_int(axis, "expand_dims", "axis")}, name or "ExpandDims"
    )


def _squeeze_axes(attrs: Mapping[str, Any], shape: Sequence[int | None]) -> tuple[int, ...]:
    sq = attrs.get("squeeze_dims") or []
    if sq:
        return tuple(sorted({normalize_axis(int(a), len(shape)) for a in sq}))
    return tuple(i for i, d in enumerate(shape) if d == 1)


def _squeeze_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    dims = x.shape.dims
    sq = attrs.get("squeeze_dims") or []
    if dims is None:
        return [TensorSpec(TensorShape(None), x.dtype)]
    if not sq and any(d is None for d in dims):
        return [TensorSpec(TensorShape(None), x.dtype)]  # TF1: which axes go is known only at run time
    axes = _squeeze_axes(attrs, dims)
    for a in axes:
        if dims[a] not in (1, None):
            raise ShapeError(
                f"cannot squeeze axis {a} of shape {x.shape.short()}: its size is {dims[a]}, not 1"
            )
    return [TensorSpec(TensorShape([d for i, d in enumerate(dims) if i not in axes]), x.dtype)]


def _squeeze_kernel(xp: Any) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        return xp.squeeze(x, axis=_squeeze_axes(attrs, x.shape))

    return rule


register(
    "Squeeze",
    api_name="squeeze",
    infer=_squeeze_infer,
    evaluate=_squeeze_kernel(np),
    lower=_squeeze_kernel(jnp),
    gradient=_reshape_back,
    samples=lambda rng: [
        Sample([_rnd(rng, 1, 3, 1)], {"squeeze_dims": []}),
        Sample([_rnd(rng, 1, 3, 1)], {"squeeze_dims": [-1]}),
        Sample([_rnd(rng, 2, 1)], {"squeeze_dims": [1]}),
        Sample([_rnd(rng, 1, 1)], {"squeeze_dims": []}),
    ],
    doc="Removes axes of size 1 (all of them, or those listed).",
)


def squeeze(input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None) -> Tensor:
    """TF1 `tf.squeeze(input, axis=None)`: drops size-1 axes (all, or those in axis)."""
    x = convert_to_tensor(input)
    axis = squeeze_dims if axis is None else axis
    axes = [] if axis is None else [int(a) for a in (axis if isinstance(axis, list | tuple) else [axis])]
    return make_tensor("Squeeze", [x], {"squeeze_dims": axes}, name or "Squeeze")


# --- shape, size, rank --------------------------------------------------------------------------


def _shape_infer(kind: str) -> Any:
    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        dt: DType = as_dtype(attrs.get("out_type", int32))
        if not dt.is_integer:
            raise DTypeError(f"out_type must be int32 or int64, got {dt.name}")
        if kind == "Shape":
            return [TensorSpec(TensorShape([inputs[0].shape.ndims]), dt)]
        return [TensorSpec(TensorShape([]), dt)]

    return infer


def _shape_value(kind: str, s: Sequence[int]) -> np.ndarray:
    if kind == "Shape":
        return np.array(list(s), dtype=np.int64)
    if kind == "Size":
        return np.array(int(np.prod(s)), dtype=np.int64)
    return np.array(len(s), dtype=np.int64)


def _shape_lower(kind: str) -> Any:
    def lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        s = tuple(inputs[0].shape)
        node = getattr(ctx, "node", None)
        if node is not None:
            note_runtime_shape(node.inputs[0], s)
        return jnp.asarray(_shape_value(kind, s).astype(as_dtype(attrs.get("out_type", int32)).np))

    return lower


for _kind, _api, _doc in (
    ("Shape", "shape", "The run-time shape of a tensor, as a 1-D int tensor."),
    ("Size", "size", "The run-time number of elements of a tensor."),
    ("Rank", "rank", "The rank of a tensor."),
):
    register(
        _kind,
        api_name=_api,
        infer=_shape_infer(_kind),
        evaluate=lambda inputs, attrs, ctx, _k=_kind: _shape_value(_k, np.shape(inputs[0])),
        lower=_shape_lower(_kind),
        differentiable=False,
        samples=lambda rng: [
            Sample([_rnd(rng, 2, 3)], {"out_type": int32}),
            Sample([_rnd(rng)], {"out_type": as_dtype("int64")}),
            Sample([np.zeros((0, 4), np.int32)], {"out_type": int32}),
        ],
        doc=_doc,
    )


def shape(input: Any, name: str | None = None, out_type: Any = int32) -> Tensor:
    """TF1 `tf.shape(input, out_type=int32)`: the run-time shape (static shapes need not be known)."""
    return make_tensor("Shape", [convert_to_tensor(input)], {"out_type": as_dtype(out_type)}, name or "Shape")


def size(input: Any, name: str | None = None, out_type: Any = int32) -> Tensor:
    """TF1 `tf.size(input, out_type=int32)`: the run-time number of elements."""
    return make_tensor("Size", [convert_to_tensor(input)], {"out_type": as_dtype(out_type)}, name or "Size")


def rank(input: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.rank(input)`: the number of axes, as an int32 scalar tensor."""
    return make_tensor("Rank", [convert_to_tensor(input)], {"out_type": int32}, name or "Rank")


# The rest of the family, re-exported (these modules import the helpers above).
from graphdl.ops.creation import fill, one_hot, ones, ones_like, range, zeros, zeros_like  # noqa: E402, A004
from graphdl.ops.gathering import gather, unsorted_segment_sum  # noqa: E402
from graphdl.ops.joining import concat, split, stack, unstack  # noqa: E402
from graphdl.ops.padding import pad, tile  # noqa: E402
from graphdl.ops.selection import boolean_mask, reverse, reverse_v2, where, where_v2  # noqa: E402
from graphdl.ops.slicing import getitem, slice, strided_slice_key  # noqa: E402, A004
