"""2-D max and average pooling (`tf.nn.max_pool`, `tf.nn.avg_pool`) and their gradient ops.

TF1 semantics: padded cells never win a max (they are -inf) and are not counted in an average (a
window's sum is divided by the number of real cells it covers). The max-pool gradient goes to the
first maximum of each window in row-major order, as in TF1. When windows tile the input (ksize ==
strides) the NumPy kernels and the CPU lowering reshape and reduce; otherwise they reduce the kh * kw
strided views of the padded input. On GPU and TPU the lowering uses `lax.reduce_window` and JAX's
derivatives of it; so does every lowering of an NCHW op (`data_format="NCHW"`: channels first, ksize
and strides in that order), whose window dims follow the layout, while its NumPy rule runs the NHWC
kernels between transposes. MaxPoolGrad and MaxPoolGradGrad are each other's gradient (in the incoming
gradient; the routing is piecewise constant in x), as are AvgPool and AvgPoolGrad.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_operands, make_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import require_float, require_same_dtype, spec
from graphdl.ops.nn_common import (
    channel_axis,
    data_format_of,
    four_in,
    from_nhwc,
    is_nchw,
    nhwc_attrs,
    nhwc_kernel,
    spatial_axes,
)
from graphdl.ops.window import (
    Geometry,
    col2im,
    crop,
    geometry,
    out_size,
    pad,
    padding_name,
    tiles,
    valid_counts,
    windows,
)
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = ["max_pool", "avg_pool", "max_pool_grad", "avg_pool_grad"]


# --- kernels (xp = numpy | jax.numpy) ------------------------------------------------------------


def _geo(shape: tuple[int, ...], attrs: Mapping[str, Any]) -> Geometry:
    """The window geometry of a pooling op over an input in the attrs' data format."""
    h, w = spatial_axes(attrs.get("data_format", "NHWC"))
    a = nhwc_attrs(attrs) if is_nchw(attrs) else attrs
    return geometry(int(shape[h]), int(shape[w]), a["ksize"][1], a["ksize"][2], a)


def _views(xp: Any, x: Any, g: Geometry, fill: float, fast: bool) -> list[Any]:
    """The kh * kw views [N, oh, ow, C] of x padded with `fill` (by reshaping when windows tile)."""
    xp_ = pad(xp, x, g, fill)
    if not (fast and tiles(g)):
        return windows(xp, xp_, g)
    n, c = x.shape[0], x.shape[3]
    r = xp.reshape(xp_[:, : g.oh * g.kh, : g.ow * g.kw, :], (n, g.oh, g.kh, g.ow, g.kw, c))
    return [r[:, :, i, :, j, :] for i in range(g.kh) for j in range(g.kw)]


def _unviews(xp: Any, parts: list[Any], g: Geometry, like: Any, fast: bool) -> Any:
    """Sum window views back into an array of the input's shape (the transpose of `_views`)."""
    if not (fast and tiles(g)) or g.oh == 0 or g.ow == 0:
        return col2im(xp, parts, g, like)
    n, c = parts[0].shape[0], parts[0].shape[3]
    s = xp.reshape(xp.stack(parts, axis=3), (n, g.oh, g.ow, g.kh, g.kw, c))
    s = xp.reshape(xp.transpose(s, (0, 1, 3, 2, 4, 5)), (n, g.oh * g.kh, g.ow * g.kw, c))
    hp, wp = g.padded
    if hp > g.oh * g.kh or wp > g.ow * g.kw:  # VALID leaves the last rows/columns out of every window
        s = xp.pad(s, ((0, 0), (0, hp - g.oh * g.kh), (0, wp - g.ow * g.kw), (0, 0)))
    return crop(s, g)


def _first_max_masks(xp: Any, views: list[Any], y: Any) -> list[Any]:
    """For each view, where it holds its window's first maximum (row-major order, as TF1)."""
    masks, taken = [], None
    for v in views:
        m = v == y
        if taken is not None:
            m = m & ~taken
        taken = m if taken is None else taken | m
        masks.append(m)
    return masks


def max_pool_k(xp: Any, x: Any, attrs: Mapping[str, Any], fast: bool = True) -> Any:
    """Max pooling (padded cells are -inf)."""
    return functools.reduce(xp.maximum, _views(xp, x, _geo(x.shape, attrs), -np.inf, fast))


def avg_pool_k(xp: Any, x: Any, attrs: Mapping[str, Any], fast: bool = True) -> Any:
    """Average pooling over the real cells of each window."""
    g = _geo(x.shape, attrs)
    total = functools.reduce(xp.add, _views(xp, x, g, 0.0, fast))
    return total / xp.asarray(valid_counts(g, x.dtype))


def max_pool_grad_k(xp: Any, x: Any, y: Any, dy: Any, attrs: Mapping[str, Any], fast: bool = True) -> Any:
    """dy routed to the first maximum of each window."""
    g = _geo(x.shape, attrs)
    masks = _first_max_masks(xp, _views(xp, x, g, -np.inf, fast), y)
    zero = xp.zeros((), dy.dtype)
    return _unviews(xp, [xp.where(m, dy, zero) for m in masks], g, x, fast)


def max_pool_grad_grad_k(
    xp: Any, x: Any, y: Any, gx: Any, attrs: Mapping[str, Any], fast: bool = True
) -> Any:
    """For each window, gx at the window's first maximum (the transpose of max_pool_grad in dy)."""
    g = _geo(x.shape, attrs)
    masks = _first_max_masks(xp, _views(xp, x, g, -np.inf, fast), y)
    zero = xp.zeros((), gx.dtype)
    picked = [xp.where(m, v, zero) for m, v in zip(masks, _views(xp, gx, g, 0.0, fast), strict=True)]
    return functools.reduce(xp.add, picked)


def avg_pool_grad_k(xp: Any, like: Any, dy: Any, attrs: Mapping[str, Any], fast: bool = True) -> Any:
    """dy spread evenly over the real cells of each window."""
    g = _geo(like.shape, attrs)
    share = dy / xp.asarray(valid_counts(g, dy.dtype))
    return _unviews(xp, [share] * (g.kh * g.kw), g, like, fast)


def _window_args(x: Any, attrs: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """reduce_window's window dims, strides and padding, in the attrs' data format."""
    g = _geo(x.shape, attrs)
    fmt = attrs.get("data_format", "NHWC")
    pads = from_nhwc([(0, 0), (g.pt, g.pb), (g.pl, g.pr), (0, 0)], fmt)
    return tuple(from_nhwc([1, g.kh, g.kw, 1], fmt)), tuple(from_nhwc([1, g.sh, g.sw, 1], fmt)), tuple(pads)


def native_max_pool(x: Any, attrs: Mapping[str, Any]) -> Any:
    """Max pooling with XLA's reduce_window."""
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, *_window_args(x, attrs))


def native_avg_pool(x: Any, attrs: Mapping[str, Any]) -> Any:
    """Average pooling with XLA's reduce_window."""
    # a concrete init value: JAX differentiates reduce_window only when it sees the monoid's identity
    total = jax.lax.reduce_window(x, np.zeros((), x.dtype), jax.lax.add, *_window_args(x, attrs))
    counts = valid_counts(_geo(x.shape, attrs), x.dtype)  # [1, oh, ow, 1]
    if is_nchw(attrs):
        counts = counts.reshape(1, 1, *counts.shape[1:3])
    return total / jnp.asarray(counts)


def _lower(kernel: Any, native: Any) -> Any:
    def lower(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        if ctx.platform == "cpu" and not is_nchw(attrs):
            return kernel(jnp, *inputs, attrs)
        return native(*inputs, attrs)

    return lower


def _native_max_grad(x: Any, y: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    return jax.vjp(lambda v: native_max_pool(v, attrs), x)[1](dy)[0]


def _native_max_grad_grad(x: Any, y: Any, gx: Any, attrs: Mapping[str, Any]) -> Any:
    return jax.jvp(lambda v: native_max_pool(v, attrs), (x,), (gx,))[1]


def _native_avg_grad(like: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    return jax.vjp(lambda v: native_avg_pool(v, attrs), jnp.zeros(like.shape, dy.dtype))[1](dy)[0]


# --- infer rules ------------------------------------------------------------------------------------


def _pooled(x: TensorSpec, attrs: Mapping[str, Any]) -> list[Any]:
    """The pooled shape of x, in the attrs' data format."""
    require_float(x, "input")
    xs: list[Any] = x.shape.with_rank(4).as_list() if x.shape.ndims is not None else [None] * 4
    k, s = attrs["ksize"], attrs["strides"]
    for a in spatial_axes(attrs.get("data_format", "NHWC")):
        xs[a] = out_size(xs[a], k[a], s[a], 1, attrs["padding"])[0]
    return xs


class PoolInferRules(NamedTuple):
    """The infer rules of a pooling family: the pool, MaxPoolGrad, MaxPoolGradGrad and AvgPoolGrad."""

    pool: Any
    max_grad: Any
    max_grad_grad: Any
    avg_grad: Any


def pool_infer_rules(pooled: Callable[[TensorSpec, Mapping[str, Any]], Any]) -> PoolInferRules:
    """The four infer rules of a pooling family, given its rule for the pooled shape of an input
    (2-D pooling here, 3-D in ops/conv3d.py)."""

    def check_pooled(x: TensorSpec, t: TensorSpec, attrs: Mapping[str, Any], what: str) -> None:
        expect = pooled(x, attrs)
        if not t.shape.is_compatible_with(expect):
            raise ShapeError(f"{what} has shape {t.shape.short()}, pooling the input gives {expect}")

    def pool_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        return [spec(pooled(inputs[0], attrs), inputs[0].dtype)]

    def max_grad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        x, y, dy = inputs
        dtype = require_same_dtype(inputs)
        check_pooled(x, y, attrs, "orig_output")
        check_pooled(x, dy, attrs, "grad")
        return [spec(x.shape, dtype)]

    def max_grad_grad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        x, y, gx = inputs
        dtype = require_same_dtype(inputs)
        check_pooled(x, y, attrs, "orig_output")
        if not gx.shape.is_compatible_with(x.shape):
            raise ShapeError(f"grad has shape {gx.shape.short()}, the input has {x.shape.short()}")
        return [spec(pooled(x, attrs), dtype)]

    def avg_grad_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        like, dy = inputs
        dtype = require_same_dtype(inputs)
        check_pooled(like, dy, attrs, "grad")
        return [spec(like.shape, dtype)]

    return PoolInferRules(pool_infer, max_grad_infer, max_grad_grad_infer, avg_grad_infer)


_pool_infer, _max_grad_infer, _max_grad_grad_infer, _avg_grad_infer = pool_infer_rules(_pooled)


# --- gradients ---------------------------------------------------------------------------------------


def _attrs_of(node: Any) -> dict[str, Any]:
    return {k: node.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}


def _max_pool_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, y = node.inputs[0], node.outputs[0]
    return [make_tensor("MaxPoolGrad", [x, y, grads[0]], _attrs_of(node), "MaxPoolGrad")]


def _max_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, y, _ = node.inputs
    return [None, None, make_tensor("MaxPoolGradGrad", [x, y, grads[0]], _attrs_of(node), "MaxPoolGradGrad")]


def _max_grad_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, y, _ = node.inputs
    return [None, None, make_tensor("MaxPoolGrad", [x, y, grads[0]], _attrs_of(node), "MaxPoolGrad")]


def _avg_pool_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [make_tensor("AvgPoolGrad", [node.inputs[0], grads[0]], _attrs_of(node), "AvgPoolGrad")]


def _avg_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [None, make_tensor("AvgPool", [grads[0]], _attrs_of(node), "AvgPool")]


# --- samples -----------------------------------------------------------------------------------------


def _np_rule(kernel: Any) -> Any:
    """The evaluate rule of an op whose every input and its result are in the op's data format."""
    return nhwc_kernel(kernel, (0, 1, 2), True)


_CASES = [  # x shape, ksize, strides, padding
    ((2, 4, 6, 3), 2, 2, "VALID"),
    ((1, 5, 5, 2), 2, 2, "SAME"),
    ((1, 7, 5, 2), 2, 2, "VALID"),
    ((2, 5, 6, 1), 3, 2, "SAME"),
    ((1, 6, 5, 2), [1, 3, 2, 1], [1, 1, 2, 1], "VALID"),
    ((1, 4, 4, 1), 3, 1, "SAME"),
]


_NCHW_CASES = (0, 3, 4)  # the cases also sampled channels first


def pool_attrs(ksize: Any, strides: Any, padding: str, data_format: str = "NHWC") -> dict[str, Any]:
    """The attrs of a pooling op (an int or a pair for ksize or strides gives the spatial entries)."""
    return {"ksize": four_in(ksize, "ksize", data_format), "strides": four_in(strides, "strides", data_format),
            "padding": padding, "data_format": data_format}  # fmt: skip


def _sample_cases() -> list[tuple[tuple[int, ...], dict[str, Any]]]:
    """(x shape, attrs) of each NHWC case, then of the channels-first ones."""
    out: list[tuple[tuple[int, ...], dict[str, Any]]] = [(xs, pool_attrs(k, s, p)) for xs, k, s, p in _CASES]
    for i in _NCHW_CASES:
        xs, k, s, p = _CASES[i]
        a = pool_attrs(k, s, p)
        nchw = {**a, "ksize": from_nhwc(a["ksize"], "NCHW"), "strides": from_nhwc(a["strides"], "NCHW"),
                "data_format": "NCHW"}  # fmt: skip
        out.append((tuple(from_nhwc(list(xs), "NCHW")), nchw))
    return out


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.01 apart, so finite differences never move a window's maximum."""
    n = int(np.prod(shape))
    return (rng.permutation(n).astype(np.float64) * 0.1 + rng.uniform(0.0, 0.05, n)).reshape(shape) - n * 0.05


def _pool_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample([_distinct(rng, xs)], a) for xs, a in _sample_cases()]


def _grad_samples(kind: str) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = []
        for xs, a in _sample_cases():
            x = _distinct(rng, xs)
            y = _np_rule(max_pool_k)([x], a, None)
            if kind == "max":
                out.append(Sample([x, y, rng.standard_normal(y.shape)], a, grad_inputs=[2]))
            elif kind == "maxgg":
                out.append(Sample([x, y, rng.standard_normal(x.shape)], a, grad_inputs=[2]))
            else:
                out.append(Sample([x, rng.standard_normal(y.shape)], a, grad_inputs=[1]))
        return out

    return samples


register(
    "MaxPool",
    api_name="max_pool",
    infer=_pool_infer,
    evaluate=_np_rule(max_pool_k),
    lower=_lower(max_pool_k, native_max_pool),
    gradient=_max_pool_grad,
    samples=_pool_samples,
    doc="Max over each window; padded cells never win (TF1 SAME/VALID padding).",
)
register(
    "AvgPool",
    api_name="avg_pool",
    infer=_pool_infer,
    evaluate=_np_rule(avg_pool_k),
    lower=_lower(avg_pool_k, native_avg_pool),
    gradient=_avg_pool_grad,
    samples=_pool_samples,
    doc="Mean over the real (unpadded) cells of each window.",
)
register(
    "MaxPoolGrad",
    api_name="max_pool_grad",
    infer=_max_grad_infer,
    evaluate=_np_rule(max_pool_grad_k),
    lower=_lower(max_pool_grad_k, _native_max_grad),
    gradient=_max_grad_grad,
    samples=_grad_samples("max"),
    doc="Gradient of max_pool: each window's gradient goes to its first maximum (inputs x, y, dy).",
)
register(
    "MaxPoolGradGrad",
    api_name="max_pool_grad_grad",
    infer=_max_grad_grad_infer,
    evaluate=_np_rule(max_pool_grad_grad_k),
    lower=_lower(max_pool_grad_grad_k, _native_max_grad_grad),
    gradient=_max_grad_grad_grad,
    samples=_grad_samples("maxgg"),
    doc="Gradient of MaxPoolGrad in its incoming gradient: g at each window's first maximum.",
)
register(
    "AvgPoolGrad",
    api_name="avg_pool_grad",
    infer=_avg_grad_infer,
    evaluate=_np_rule(avg_pool_grad_k),
    lower=_lower(avg_pool_grad_k, _native_avg_grad),
    gradient=_avg_grad_grad,
    samples=_grad_samples("avg"),
    doc="Gradient of avg_pool: each window's gradient shared by its real cells (first input: shape only).",
)


# --- builders ----------------------------------------------------------------------------------------


def _pool_attrs_of(api: str, ksize: Any, strides: Any, padding: Any, data_format: str) -> dict[str, Any]:
    graph = get_default_graph()
    fmt = data_format_of(api, data_format)
    try:
        a = pool_attrs(ksize, strides, padding_name(padding), fmt)
    except (ShapeError, TypeError, ValueError) as exc:
        raise graph.located_error(ShapeError, api, str(exc)) from None
    k, s, c = a["ksize"], a["strides"], channel_axis(fmt)
    if k[0] != 1 or k[c] != 1 or s[0] != 1 or s[c] != 1:
        raise graph.located_error(
            ShapeError, api, f"pooling over batch or channels is not supported: ksize and strides must be 1 "
            f"on axes 0 and {c} ({fmt}), got {k} and {s}",
        )  # fmt: skip
    if min(k + s) < 1:
        raise graph.located_error(ShapeError, api, f"ksize and strides must be positive, got {k} and {s}")
    return a


def _pool(op: str, api: str, value: Any, ksize: Any, strides: Any, padding: Any, data_format: str,
          name: str | None) -> Tensor:  # fmt: skip
    attrs = _pool_attrs_of(api, ksize, strides, padding, data_format)
    (x,) = convert_operands([value], api)
    return make_tensor(op, [x], attrs, name or op)


def max_pool(value: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
             name: str | None = None, input: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.max_pool(value, ksize, strides, padding, data_format='NHWC')`."""
    return _pool(
        "MaxPool", "max_pool", value if input is None else input, ksize, strides, padding, data_format, name
    )


def avg_pool(value: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",
             name: str | None = None, input: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.avg_pool(value, ksize, strides, padding, data_format='NHWC')`."""
    return _pool(
        "AvgPool", "avg_pool", value if input is None else input, ksize, strides, padding, data_format, name
    )


def max_pool_grad(orig_input: Any, orig_output: Any, grad: Any, ksize: Any, strides: Any, padding: Any,
                  data_format: str = "NHWC", name: str | None = None) -> Tensor:  # fmt: skip
    """The gradient of max_pool: `grad` routed to the first maximum of each window."""
    attrs = _pool_attrs_of("max_pool_grad", ksize, strides, padding, data_format)
    ts = convert_operands([orig_input, orig_output, grad], "max_pool_grad")
    return make_tensor("MaxPoolGrad", ts, attrs, name or "MaxPoolGrad")


def avg_pool_grad(orig_input: Any, grad: Any, ksize: Any, strides: Any, padding: Any,
                  data_format: str = "NHWC", name: str | None = None) -> Tensor:  # fmt: skip
    """The gradient of avg_pool; `orig_input` gives the input's shape only."""
    attrs = _pool_attrs_of("avg_pool_grad", ksize, strides, padding, data_format)
    ts = convert_operands([orig_input, grad], "avg_pool_grad")
    return make_tensor("AvgPoolGrad", ts, attrs, name or "AvgPoolGrad")
