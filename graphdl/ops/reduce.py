"""Reductions: reduce_sum/mean/max/min/prod/any/all, reduce_logsumexp, argmax/argmin, count_nonzero."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import DType, as_dtype, bool_, int64
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import spec
from graphdl.ops.grad_util import broadcast_like, reduced_axes
from graphdl.ops.logic import NUMERIC, check_kind
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "argmax", "argmin", "count_nonzero",
]  # fmt: skip


def _reduce_infer(kinds: str, out_dtype: DType | None = None) -> Callable[..., list[TensorSpec]]:
    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        x = inputs[0]
        check_kind(x, kinds)
        axis, keep = attrs.get("axis"), bool(attrs.get("keep_dims"))
        dt = out_dtype or x.dtype
        if x.shape.dims is None:
            return [spec([] if axis is None and not keep else None, dt)]
        axes = reduced_axes(axis, len(x.shape.dims)) or []
        dims = x.shape.dims
        if keep:
            return [spec([1 if i in axes else d for i, d in enumerate(dims)], dt)]
        return [spec([d for i, d in enumerate(dims) if i not in axes], dt)]

    return infer


def _axes(x: Any, attrs: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(reduced_axes(attrs.get("axis"), x.ndim) or [])


def _kernel(xp: Any, fn: str) -> Callable[..., Any]:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        kw: dict[str, Any] = {"axis": _axes(x, attrs), "keepdims": bool(attrs.get("keep_dims"))}
        if fn in ("max", "min") and x.size == 0:  # TF1: the reduction of nothing is the identity
            info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
            kw["initial"] = (
                (-np.inf if fn == "max" else np.inf)
                if x.dtype.kind == "f"
                else (info.min if fn == "max" else info.max)
            )
        if fn == "mean":  # sum / count: no warning for an empty slice (NaN, as in TF1)
            count = int(np.prod([x.shape[a] for a in kw["axis"]]))
            return xp.sum(x, **kw) / count if count else xp.sum(x, **kw) * np.nan
        return getattr(xp, fn)(x, **kw)

    return rule


def _logsumexp(xp: Any, stop: Callable[[Any], Any]) -> Callable[..., Any]:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        axes, keep = _axes(x, attrs), bool(attrs.get("keep_dims"))
        m = (
            xp.max(x, axis=axes, keepdims=True, initial=-np.inf)
            if x.size == 0
            else xp.max(x, axis=axes, keepdims=True)
        )
        m = stop(xp.where(xp.isfinite(m), m, xp.zeros_like(m)))
        r = xp.log(xp.sum(xp.exp(x - m), axis=axes, keepdims=True)) + m
        return r if keep else xp.squeeze(r, axis=axes)

    return rule


def _back(t: Tensor, node: Any) -> Tensor:
    """Broadcast a tensor shaped like the reduction's output back to the input's shape."""
    x = node.inputs[0]
    axis, keep = node.attrs.get("axis"), bool(node.attrs.get("keep_dims"))
    return broadcast_like(t, x, axes=None if keep or axis is None else list(axis))


def _reduce(node: Any, t: Tensor, fn: Callable[..., Tensor]) -> Tensor:
    return fn(t, axis=node.attrs.get("axis"), keepdims=bool(node.attrs.get("keep_dims")))


def _sum_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [_back(grads[0], node)]


def _mean_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, y = node.inputs[0], node.outputs[0]
    nx, ny = x.shape.num_elements(), y.shape.num_elements()
    if nx is not None and ny is not None:
        count: Any = float(nx // ny) if ny else 1.0
    else:  # number of reduced elements, known only at run time
        count = _reduce(
            node, broadcast_like(convert_to_tensor(np.array(1, x.dtype.np), graph=x.graph), x), reduce_sum
        )
    return [_back(grads[0] / count, node)]


def _max_min_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    """TF1's rule: the gradient is shared equally among the elements that attain the extreme."""
    from graphdl.ops.math import cast, equal

    x = node.inputs[0]
    ind = cast(equal(_back(node.outputs[0], node), x), x.dtype)
    num = _reduce(node, ind, reduce_sum)
    return [ind * _back(grads[0] / num, node)]


def _prod_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    """d prod / d x_i = product of the others: exact with zeros (one zero: only it gets a gradient)."""
    from graphdl.ops.math import cast, equal

    x = node.inputs[0]
    zmask = cast(equal(x, 0), x.dtype)
    nzeros = _reduce(node, zmask, reduce_sum)
    safe = x + zmask
    p = _reduce(node, safe, reduce_prod)  # product of the non-zero elements
    g = grads[0]
    no_zero = cast(equal(nzeros, 0), x.dtype)
    one_zero = cast(equal(nzeros, 1), x.dtype)
    return [_back(g * no_zero * p, node) / safe + _back(g * one_zero * p, node) * zmask]


def _lse_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import exp

    x = node.inputs[0]
    return [_back(grads[0], node) * exp(x - _back(node.outputs[0], node))]


def _float_only(rule: Callable[..., list[Tensor | None]]) -> Callable[..., list[Tensor | None]]:
    def gradient(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        return rule(node, grads) if node.inputs[0].dtype.is_floating else [None]

    return gradient


def _samples(kind: str) -> Callable[[np.random.Generator], list[Sample]]:
    def samples(rng: np.random.Generator) -> list[Sample]:
        if kind == "bool":
            x = rng.random((2, 3)) > 0.5
            return [
                Sample([x], {"axis": [1]}),
                Sample([x], {"axis": None}),
                Sample([x], {"axis": [0], "keep_dims": True}),
            ]
        x = rng.uniform(0.5, 1.5, (2, 3, 4)) * rng.choice([-1.0, 1.0], (2, 3, 4))
        out = [
            Sample([x], {"axis": [1]}),
            Sample([x], {"axis": [0, -1], "keep_dims": True}),
            Sample([x], {"axis": None}),
            Sample([x], {"axis": None, "keep_dims": True}),
            Sample([x], {"axis": []}),
            Sample([rng.standard_normal(())], {"axis": None}),
        ]
        if kind in ("sum", "prod", "mean"):
            out.append(Sample([rng.standard_normal((0, 3))], {"axis": [0]}))
        if kind == "extreme":
            out.append(Sample([np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])], {"axis": [1]}, note="ties"))
        if kind == "prod":
            out.append(
                Sample([np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]])], {"axis": [1]})
            )
        out.append(Sample([rng.integers(-3, 4, (3, 4)).astype(np.int32)], {"axis": [0]}))
        return out

    return samples


_REDUCERS = [
    ("Sum", "reduce_sum", "sum", _sum_grad, NUMERIC, "sum", "Sum over the given axes."),
    ("Mean", "reduce_mean", "mean", _mean_grad, NUMERIC, "mean", "Mean over the given axes."),
    ("Max", "reduce_max", "max", _max_min_grad, NUMERIC, "extreme", "Maximum over the given axes."),
    ("Min", "reduce_min", "min", _max_min_grad, NUMERIC, "extreme", "Minimum over the given axes."),
    ("Prod", "reduce_prod", "prod", _prod_grad, NUMERIC, "prod", "Product over the given axes."),
]
for _op, _api, _fn, _grad, _kinds, _kind, _doc in _REDUCERS:
    register(
        _op,
        api_name=_api,
        infer=_reduce_infer(_kinds),
        evaluate=_kernel(np, _fn),
        lower=_kernel(jnp, _fn),
        gradient=_float_only(_grad),
        samples=_samples(_kind),
        doc=_doc,
    )
for _op, _api, _fn, _doc in (
    ("Any", "reduce_any", "any", "Logical OR"),
    ("All", "reduce_all", "all", "Logical AND"),
):
    register(
        _op,
        api_name=_api,
        infer=_reduce_infer("b"),
        evaluate=_kernel(np, _fn),
        lower=_kernel(jnp, _fn),
        differentiable=False,
        samples=_samples("bool"),
        doc=f"{_doc} over the given axes.",
    )
register(
    "ReduceLogSumExp",
    api_name="reduce_logsumexp",
    infer=_reduce_infer("f"),
    evaluate=_logsumexp(np, lambda m: m),
    lower=_logsumexp(jnp, jax.lax.stop_gradient),
    gradient=_lse_grad,
    samples=lambda rng: [
        Sample([rng.standard_normal((2, 3, 4))], {"axis": [1]}),
        Sample([rng.standard_normal((2, 3)) * 50], {"axis": [-1], "keep_dims": True}),
        Sample([rng.standard_normal((3,))], {"axis": None}),
    ],
    doc="log(sum(exp(x))) over the given axes, computed stably (the max is subtracted first).",
)


def _axis_value(axis: Any, api: str) -> list[int] | None:
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        if axis.op.type != "Const":
            raise get_default_graph().located_error(
                ShapeError, api, "axis must be a Python int, a list of ints or a constant tensor"
            )
        axis = axis.op.attrs["value"].tolist()
    if isinstance(axis, int | np.integer):
        return [int(axis)]
    return [int(a) for a in np.asarray(axis).reshape(-1)]


def _reducer(
    op: str, api: str, input_tensor: Any, axis: Any, keepdims: Any, name: str | None,
    reduction_indices: Any, keep_dims: Any,
) -> Tensor:  # fmt: skip
    x = convert_to_tensor(input_tensor)
    if axis is None:
        axis = reduction_indices
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = _axis_value(axis, api)
    if axes is not None and x.shape.ndims is not None:
        try:
            reduced_axes(axes, x.shape.ndims)
        except ShapeError as exc:
            raise get_default_graph().located_error(
                ShapeError, api, f"{exc} (input {x.shape.short()})"
            ) from None
    return make_tensor(op, [x], {"axis": axes, "keep_dims": keep}, name or op)


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_sum(input_tensor, axis=None, keepdims=None)`: sum over `axis` (all if None)."""
    return _reducer("Sum", "reduce_sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
                reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_mean`: mean over `axis` (integer inputs give the truncated integer mean)."""
    return _reducer("Mean", "reduce_mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_max`: maximum over `axis`; ties share the gradient equally."""
    return _reducer("Max", "reduce_max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_min`: minimum over `axis`; ties share the gradient equally."""
    return _reducer("Min", "reduce_min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
                reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_prod`: product over `axis` (its gradient is exact where inputs are zero)."""
    return _reducer("Prod", "reduce_prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_any`: logical OR of a bool tensor over `axis`."""
    return _reducer("Any", "reduce_any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_all`: logical AND of a bool tensor over `axis`."""
    return _reducer("All", "reduce_all", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
                     reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.reduce_logsumexp`: log(sum(exp(x))) over `axis`, stable for large |x|."""
    return _reducer(
        "ReduceLogSumExp",
        "reduce_logsumexp",
        input_tensor,
        axis,
        keepdims,
        name,
        reduction_indices,
        keep_dims,
    )


def count_nonzero(input_tensor: Any, axis: Any = None, keepdims: Any = None, dtype: Any = int64,
                  name: str | None = None, reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.count_nonzero`: the number of non-zero elements over `axis`, as `dtype` (int64)."""
    from graphdl.ops.math import cast, not_equal

    x = convert_to_tensor(input_tensor)
    with x.graph.name_scope(name or "count_nonzero"):
        nz = cast(not_equal(x, False if x.dtype == bool_ else 0), int64)
        return cast(reduce_sum(nz, axis, keepdims, None, reduction_indices, keep_dims), dtype)


def _arg_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    check_kind(x, NUMERIC)
    out = as_dtype(attrs.get("output_type", int64))
    if x.shape.dims is None:
        return [spec(None, out)]
    rank = len(x.shape.dims)
    if rank == 0:
        raise ShapeError("needs an input of rank >= 1")
    a = reduced_axes(attrs["axis"], rank)[0]  # type: ignore[index]
    return [spec([d for i, d in enumerate(x.shape.dims) if i != a], out)]


def _arg(xp: Any, fn: str) -> Callable[..., Any]:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        r = getattr(xp, fn)(x, axis=int(attrs["axis"]) % x.ndim)
        return r.astype(as_dtype(attrs.get("output_type", int64)).np)

    return rule


for _op, _fn in (("ArgMax", "argmax"), ("ArgMin", "argmin")):
    register(
        _op,
        api_name=_fn,
        infer=_arg_infer,
        evaluate=_arg(np, _fn),
        lower=_arg(jnp, _fn),
        differentiable=False,
        samples=lambda rng: [
            Sample([rng.standard_normal((3, 4))], {"axis": 1}),
            Sample([rng.standard_normal((3, 4))], {"axis": -2, "output_type": as_dtype("int32")}),
            Sample([rng.integers(-3, 4, (5,)).astype(np.int32)], {"axis": 0}),
        ],
        doc=f"Index of the {_fn[3:]}imum along an axis (first one on ties).",
    )


def _argop(
    op: str, api: str, input: Any, axis: Any, name: str | None, dimension: Any, output_type: Any
) -> Tensor:
    x = convert_to_tensor(input)
    if axis is None:
        axis = 0 if dimension is None else dimension
    ax = _axis_value(axis, api)
    if ax is None or len(ax) != 1:
        raise get_default_graph().located_error(ShapeError, api, f"axis must be a single int, got {axis!r}")
    if x.shape.ndims is not None:
        try:
            reduced_axes(ax, max(x.shape.ndims, 1))
        except ShapeError as exc:
            raise get_default_graph().located_error(
                ShapeError, api, f"{exc} (input {x.shape.short()})"
            ) from None
    return make_tensor(op, [x], {"axis": ax[0], "output_type": as_dtype(output_type)}, name or op)


def argmax(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,
           output_type: Any = int64) -> Tensor:  # fmt: skip
    """TF1 `tf.argmax(input, axis=None, output_type=tf.int64)`: index of the largest value (axis 0 if None)."""
    return _argop("ArgMax", "argmax", input, axis, name, dimension, output_type)


def argmin(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,
           output_type: Any = int64) -> Tensor:  # fmt: skip
    """TF1 `tf.argmin(input, axis=None, output_type=tf.int64)`: index of the smallest value (axis 0 if None)."""
    return _argop("ArgMin", "argmin", input, axis, name, dimension, output_type)
