"""The 3-D convolution and pooling ops of `tf.nn`: Conv3D and its backprop ops, MaxPool3D, AvgPool3D
and their gradients, and the `conv3d` builder (`max_pool3d`/`avg_pool3d` are built by the
rank-generic pooling of graphdl.ops.conv_generic).

They are ops of their own (NDHWC input, DHWIO filter, TF1's SAME/VALID geometry per axis): their
NumPy kernels cut the padded input into the kd * kh * kw strided views a window sees (a convolution
is a sum of view @ filter-tap matmuls, pooling a max or mean of the views); the convolution lowers to
`lax.conv_general_dilated` (its backprop ops to JAX's transposes of it) and pooling to the same view
kernels in jax.numpy. As with conv2d and max_pool, each backprop op is linear in its gradient input
and has its own gradient; the max-pool gradient goes to the first maximum of each window in
row-major order, as in TF1.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_operands, make_tensor
from graphdl.errors import ShapeError
from graphdl.ops.common import require_float, require_same_dtype, spec
from graphdl.ops.conv import bilinear_grads
from graphdl.ops.conv_args import _fail, _padding
from graphdl.ops.pool import pool_infer_rules
from graphdl.ops.window import out_size
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = ["conv3d"]


# --- N-D window geometry and kernels (xp = numpy | jax.numpy; channels-last input) -----------------


def _geo(spatial: tuple[int, ...], k: tuple[int, ...], attrs: Mapping[str, Any]) -> list[tuple[int, ...]]:
    """Per spatial axis: (in, k, stride, dilation, out, pad before, pad after)."""
    n = len(spatial)
    s = attrs["strides"][1 : n + 1]
    d = (attrs.get("dilations") or [1] * (n + 2))[1 : n + 1]
    out: list[tuple[int, ...]] = []
    for a in range(n):
        o, lo, hi = out_size(int(spatial[a]), int(k[a]), int(s[a]), int(d[a]), attrs["padding"])
        assert o is not None  # the input's size is known here
        out.append((int(spatial[a]), int(k[a]), int(s[a]), int(d[a]), o, lo, hi))
    return out


def _pad(xp: Any, x: Any, geo: list[tuple[int, ...]], value: float) -> Any:
    widths = [(0, 0)] + [(g[5], g[6]) for g in geo] + [(0, 0)]
    return xp.pad(x, widths, constant_values=value) if any(w != (0, 0) for w in widths) else x


def _offsets(geo: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The window taps in row-major order."""
    return list(itertools.product(*(range(g[1]) for g in geo)))


def _slices(geo: list[tuple[int, ...]], off: tuple[int, ...]) -> tuple[slice, ...]:
    """Where tap `off` of every window lies in the padded input."""
    return (slice(None),) + tuple(
        slice(o * g[3], o * g[3] + (g[4] - 1) * g[2] + 1, g[2]) for o, g in zip(off, geo, strict=True)
    ) + (slice(None),)  # fmt: skip


def _views(xp: Any, x: Any, geo: list[tuple[int, ...]], fill: float) -> list[Any]:
    """The views [N, *out, C] of x padded with `fill`, one per window tap."""
    xp_ = _pad(xp, x, geo, fill)
    if any(g[4] == 0 for g in geo):
        z = xp.zeros((x.shape[0], *(g[4] for g in geo), x.shape[-1]), x.dtype)
        return [z for _ in _offsets(geo)]
    return [xp_[_slices(geo, off)] for off in _offsets(geo)]


def _unviews(xp: Any, parts: list[Any], geo: list[tuple[int, ...]], like_shape: tuple[int, ...]) -> Any:
    """Sum per-tap views back into the positions they came from (the transpose of `_views`)."""
    padded = (like_shape[0], *(g[0] + g[5] + g[6] for g in geo), parts[0].shape[-1])
    out = xp.zeros(padded, parts[0].dtype)
    if not any(g[4] == 0 for g in geo):
        for off, p in zip(_offsets(geo), parts, strict=True):
            sl = _slices(geo, off)
            if xp is np:
                out[sl] += p
            else:
                out = out.at[sl].add(p)
    return out[(slice(None),) + tuple(slice(g[5], g[5] + g[0]) for g in geo) + (slice(None),)]


def _conv_k(xp: Any, x: Any, w: Any, attrs: Mapping[str, Any]) -> Any:
    """Convolution as a sum over filter taps of view @ tap."""
    n = x.ndim - 2
    geo = _geo(x.shape[1:-1], w.shape[:n], attrs)
    views = _views(xp, x, geo, 0.0)
    return functools.reduce(
        xp.add, [xp.matmul(v, w[off]) for off, v in zip(_offsets(geo), views, strict=True)]
    )


def _conv_bi_k(xp: Any, like: Any, w: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    """d(conv)/d(input) applied to dy: each tap's dy @ tap^T summed back into place."""
    n = like.ndim - 2
    geo = _geo(like.shape[1:-1], w.shape[:n], attrs)
    parts = [xp.matmul(dy, xp.swapaxes(w[off], 0, 1)) for off in _offsets(geo)]
    return _unviews(xp, parts, geo, like.shape)


def _conv_bf_k(xp: Any, x: Any, w_like: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    """d(conv)/d(filter) applied to dy: per tap, view^T @ dy."""
    n = x.ndim - 2
    geo = _geo(x.shape[1:-1], w_like.shape[:n], attrs)
    c, o = x.shape[-1], dy.shape[-1]
    taps = [xp.matmul(xp.reshape(v, (-1, c)).T, xp.reshape(dy, (-1, o))) for v in _views(xp, x, geo, 0.0)]
    return xp.reshape(xp.stack(taps), w_like.shape)


def _native_conv(x: Any, w: Any, attrs: Mapping[str, Any]) -> Any:
    n = x.ndim - 2
    geo = _geo(x.shape[1:-1], w.shape[:n], attrs)
    dims = ("NDHWC", "DHWIO", "NDHWC") if n == 3 else ("NHWC", "HWIO", "NHWC")
    return jax.lax.conv_general_dilated(
        x, w, tuple(g[2] for g in geo), tuple((g[5], g[6]) for g in geo),
        rhs_dilation=tuple(g[3] for g in geo), dimension_numbers=dims,
    )  # fmt: skip


def _lower_conv(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    return _native_conv(inputs[0], inputs[1], attrs)


def _lower_bi(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    like, w, dy = inputs
    return jax.vjp(lambda v: _native_conv(v, w, attrs), jnp.zeros(like.shape, dy.dtype))[1](dy)[0]


def _lower_bf(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, w_like, dy = inputs
    return jax.vjp(lambda v: _native_conv(x, v, attrs), jnp.zeros(w_like.shape, dy.dtype))[1](dy)[0]


def _pool_geo(x: Any, attrs: Mapping[str, Any]) -> list[tuple[int, ...]]:
    n = x.ndim - 2
    return _geo(x.shape[1:-1], tuple(attrs["ksize"][1 : n + 1]), attrs)


def _counts(geo: list[tuple[int, ...]], dtype: Any) -> np.ndarray:
    """How many real (unpadded) cells each window covers, as a [1, *out, 1] constant."""
    ones = np.ones((1, *(g[0] for g in geo), 1), dtype)
    return np.asarray(functools.reduce(np.add, _views(np, ones, geo, 0.0)), dtype)


def _first_max_masks(xp: Any, views: list[Any], y: Any) -> list[Any]:
    """For each view, where it holds its window's first maximum (row-major order, as TF1)."""
    masks, taken = [], None
    for v in views:
        m = v == y if taken is None else (v == y) & ~taken
        taken = m if taken is None else taken | m
        masks.append(m)
    return masks


def _max_pool_k(xp: Any, x: Any, attrs: Mapping[str, Any]) -> Any:
    return functools.reduce(xp.maximum, _views(xp, x, _pool_geo(x, attrs), -np.inf))


def _avg_pool_k(xp: Any, x: Any, attrs: Mapping[str, Any]) -> Any:
    geo = _pool_geo(x, attrs)
    return functools.reduce(xp.add, _views(xp, x, geo, 0.0)) / xp.asarray(_counts(geo, x.dtype))


def _max_pool_grad_k(xp: Any, x: Any, y: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    geo = _pool_geo(x, attrs)
    masks = _first_max_masks(xp, _views(xp, x, geo, -np.inf), y)
    zero = xp.zeros((), dy.dtype)
    return _unviews(xp, [xp.where(m, dy, zero) for m in masks], geo, x.shape)


def _max_pool_grad_grad_k(xp: Any, x: Any, y: Any, gx: Any, attrs: Mapping[str, Any]) -> Any:
    geo = _pool_geo(x, attrs)
    masks = _first_max_masks(xp, _views(xp, x, geo, -np.inf), y)
    zero = xp.zeros((), gx.dtype)
    picked = [xp.where(m, v, zero) for m, v in zip(masks, _views(xp, gx, geo, 0.0), strict=True)]
    return functools.reduce(xp.add, picked)


def _avg_pool_grad_k(xp: Any, like: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    geo = _pool_geo(like, attrs)
    share = dy / xp.asarray(_counts(geo, dy.dtype))
    return _unviews(xp, [share] * len(_offsets(geo)), geo, like.shape)


# --- infer rules ------------------------------------------------------------------------------------


def _dims(s: TensorSpec, rank: int, what: str) -> list[Any]:
    if s.shape.ndims is None:
        return [None] * rank
    if s.shape.ndims != rank:
        raise ShapeError(f"{what} must be {rank}-D, got shape {s.shape.short()}")
    return s.shape.as_list()


def _conv3d_specs(x: TensorSpec, w: TensorSpec) -> tuple[list[Any], list[Any]]:
    require_float(x, "input")
    require_float(w, "filter")
    xs, ws = _dims(x, 5, "input"), _dims(w, 5, "filter")
    if xs[4] is not None and ws[3] is not None and xs[4] != ws[3]:
        raise ShapeError(
            f"input has {xs[4]} channels but the filter expects {ws[3]}: "
            f"input {x.shape.short()}, filter {w.shape.short()} (NDHWC input, DHWIO filter)"
        )
    return xs, ws


def _conv3d_out(xs: list[Any], ws: list[Any], attrs: Mapping[str, Any]) -> list[Any]:
    s, d = attrs["strides"], attrs["dilations"]
    sp = [
        None if ws[a] is None else out_size(xs[a + 1], ws[a], s[a + 1], d[a + 1], attrs["padding"])[0]
        for a in range(3)
    ]
    return [xs[0], *sp, ws[4]]


def _conv3d_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dtype = require_same_dtype(inputs)
    xs, ws = _conv3d_specs(*inputs)
    return [spec(_conv3d_out(xs, ws, attrs), dtype)]


def _check_dy(xs: list[Any], ws: list[Any], dy: TensorSpec, attrs: Mapping[str, Any]) -> None:
    expect = _conv3d_out(xs, ws, attrs)
    if not dy.shape.is_compatible_with(expect):
        raise ShapeError(f"out_backprop has shape {dy.shape.short()}, the convolution gives {expect}")


def _bi_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    like, w, dy = inputs
    dtype = require_same_dtype(inputs)
    xs, ws = _conv3d_specs(like, w)
    _check_dy(xs, ws, dy, attrs)
    return [spec(xs[:4] + [xs[4] if xs[4] is not None else ws[3]], dtype)]


def _bf_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, w_like, dy = inputs
    dtype = require_same_dtype(inputs)
    xs, ws = _conv3d_specs(x, w_like)
    _check_dy(xs, ws, dy, attrs)
    return [spec(ws, dtype)]


def _pooled(x: TensorSpec, attrs: Mapping[str, Any]) -> list[Any]:
    require_float(x, "input")
    xs = _dims(x, 5, "input")
    k, s = attrs["ksize"], attrs["strides"]
    return [xs[0], *(out_size(xs[a], k[a], s[a], 1, attrs["padding"])[0] for a in (1, 2, 3)), xs[4]]


_pool_infer, _max_grad_infer, _max_grad_grad_infer, _avg_grad_infer = pool_infer_rules(_pooled)


# --- gradients ---------------------------------------------------------------------------------------


def _pool_attrs(node: Any) -> dict[str, Any]:
    return {k: node.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}


_conv_grad, _bi_grad, _bf_grad = bilinear_grads("Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2")


def _max_pool_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    a = _pool_attrs(node)
    return [make_tensor("MaxPool3DGrad", [node.inputs[0], node.outputs[0], grads[0]], a, "MaxPool3DGrad")]


def _max_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, y, _ = node.inputs
    a = _pool_attrs(node)
    return [None, None, make_tensor("MaxPool3DGradGrad", [x, y, grads[0]], a, "MaxPool3DGradGrad")]


def _max_grad_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    x, y, _ = node.inputs
    a = _pool_attrs(node)
    return [None, None, make_tensor("MaxPool3DGrad", [x, y, grads[0]], a, "MaxPool3DGrad")]


def _avg_pool_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    a = _pool_attrs(node)
    return [make_tensor("AvgPool3DGrad", [node.inputs[0], grads[0]], a, "AvgPool3DGrad")]


def _avg_grad_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [None, make_tensor("AvgPool3D", [grads[0]], _pool_attrs(node), "AvgPool3D")]


# --- samples -----------------------------------------------------------------------------------------

_CONV_CASES = [  # x shape, filter shape, strides (D, H, W), padding, dilations (D, H, W)
    ((2, 3, 4, 4, 2), (2, 2, 2, 2, 3), (1, 1, 1), "SAME", (1, 1, 1)),
    ((1, 4, 5, 3, 1), (2, 3, 2, 1, 2), (2, 2, 1), "VALID", (1, 1, 1)),
    ((1, 5, 4, 5, 2), (3, 2, 3, 2, 1), (2, 1, 2), "SAME", (1, 1, 1)),
    ((1, 5, 5, 4, 1), (2, 2, 2, 1, 2), (1, 1, 1), "SAME", (2, 1, 2)),
]

_POOL_CASES = [  # x shape, ksize (D, H, W), strides (D, H, W), padding
    ((2, 4, 4, 4, 2), (2, 2, 2), (2, 2, 2), "VALID"),
    ((1, 5, 3, 4, 2), (2, 2, 3), (2, 1, 2), "SAME"),
    ((1, 3, 5, 5, 1), (3, 2, 2), (1, 2, 2), "SAME"),
]


def _c_attrs(strides: Any, padding: str, dilations: Any) -> dict[str, Any]:
    return {
        "strides": [1, *strides, 1],
        "padding": padding,
        "dilations": [1, *dilations, 1],
        "data_format": "NDHWC",
    }


def _p_attrs(ksize: Any, strides: Any, padding: str) -> dict[str, Any]:
    return {"ksize": [1, *ksize, 1], "strides": [1, *strides, 1], "padding": padding, "data_format": "NDHWC"}


def _conv_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample([rng.standard_normal(xs), rng.standard_normal(ws)], _c_attrs(s, p, d))
            for xs, ws, s, p, d in _CONV_CASES]  # fmt: skip


def _backprop_samples(grad_inputs: list[int]) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = []
        for xs, ws, s, p, d in _CONV_CASES[:3]:
            a = _c_attrs(s, p, d)
            x, w = rng.standard_normal(xs), rng.standard_normal(ws)
            dy = rng.standard_normal(_conv_k(np, x, w, a).shape)
            out.append(Sample([x, w, dy], a, grad_inputs=grad_inputs))
        return out

    return samples


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.01 apart, so finite differences never move a window's maximum."""
    n = int(np.prod(shape))
    return (rng.permutation(n).astype(np.float64) * 0.1 + rng.uniform(0.0, 0.05, n)).reshape(shape) - n * 0.05


def _pool_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample([_distinct(rng, xs)], _p_attrs(k, s, p)) for xs, k, s, p in _POOL_CASES]


def _pool_grad_samples(kind: str) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = []
        for xs, k, s, p in _POOL_CASES:
            a = _p_attrs(k, s, p)
            x = _distinct(rng, xs)
            y = _max_pool_k(np, x, a)
            if kind == "max":
                out.append(Sample([x, y, rng.standard_normal(y.shape)], a, grad_inputs=[2]))
            elif kind == "maxgg":
                out.append(Sample([x, y, rng.standard_normal(x.shape)], a, grad_inputs=[2]))
            else:
                out.append(Sample([x, rng.standard_normal(y.shape)], a, grad_inputs=[1]))
        return out

    return samples


def _reg(
    op: str, api: str, infer: Any, kernel: Any, lower: Any, gradient: Any, samples: Any, doc: str
) -> None:
    register(
        op,
        api_name=api,
        infer=infer,
        evaluate=lambda inputs, attrs, ctx: kernel(np, *inputs, attrs),
        lower=lower or (lambda inputs, attrs, ctx: kernel(jnp, *inputs, attrs)),
        gradient=gradient,
        samples=samples,
        doc=doc,
    )


_reg(
    "Conv3D",
    "conv3d",
    _conv3d_infer,
    _conv_k,
    _lower_conv,
    _conv_grad,
    _conv_samples,
    "3-D convolution of NDHWC input with a DHWIO filter (TF1 SAME/VALID padding, strides, dilations).",
)
_reg(
    "Conv3DBackpropInputV2",
    "conv3d_backprop_input_v2",
    _bi_infer,
    _conv_bi_k,
    _lower_bi,
    _bi_grad,
    _backprop_samples([1, 2]),
    "Gradient of conv3d with respect to its input (first input: shape only).",
)
_reg(
    "Conv3DBackpropFilterV2",
    "conv3d_backprop_filter_v2",
    _bf_infer,
    _conv_bf_k,
    _lower_bf,
    _bf_grad,
    _backprop_samples([0, 2]),
    "Gradient of conv3d with respect to its filter (second input: shape only).",
)
_reg(
    "MaxPool3D",
    "max_pool3d",
    _pool_infer,
    _max_pool_k,
    None,
    _max_pool_grad,
    _pool_samples,
    "Max over each 3-D window of an NDHWC input; padded cells never win.",
)
_reg(
    "AvgPool3D",
    "avg_pool3d",
    _pool_infer,
    _avg_pool_k,
    None,
    _avg_pool_grad,
    _pool_samples,
    "Mean over the real (unpadded) cells of each 3-D window of an NDHWC input.",
)
_reg(
    "MaxPool3DGrad",
    "max_pool3d_grad",
    _max_grad_infer,
    _max_pool_grad_k,
    None,
    _max_grad_grad,
    _pool_grad_samples("max"),
    "Gradient of max_pool3d: each window's gradient goes to its first maximum.",
)
_reg(
    "MaxPool3DGradGrad",
    "max_pool3d_grad_grad",
    _max_grad_grad_infer,
    _max_pool_grad_grad_k,
    None,
    _max_grad_grad_grad,
    _pool_grad_samples("maxgg"),
    "Gradient of MaxPool3DGrad in its incoming gradient: g at each window's first maximum.",
)
_reg("AvgPool3DGrad", "avg_pool3d_grad", _avg_grad_infer, _avg_pool_grad_k, None, _avg_grad_grad,
     _pool_grad_samples("avg"), "Gradient of avg_pool3d: each window's gradient shared by its real cells.")  # fmt: skip


# --- builder ------------------------------------------------------------------------------------------


def conv3d(input: Any, filter: Any = None, strides: Any = None, padding: Any = None, data_format: str = "NDHWC",
           dilations: Any = None, name: str | None = None, filters: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.conv3d(input, filter, strides, padding, data_format='NDHWC')` with a DHWIO filter."""
    api = "conv3d"
    filt = filter if filter is not None else filters
    if filt is None or strides is None or padding is None:
        raise _fail(api, "filter, strides and padding are required")
    if data_format != "NDHWC":
        raise _fail(api, f"only data_format='NDHWC' is supported, got {data_format!r}")
    s = [int(v) for v in strides]
    d = [1] * 5 if dilations is None else [int(v) for v in dilations]
    if len(s) != 5 or len(d) != 5:
        raise _fail(api, f"strides and dilations must be lists of 5 ints, got {strides!r} and {dilations!r}")
    if s[0] != 1 or s[4] != 1 or d[0] != 1 or d[4] != 1:
        raise _fail(api, f"strides and dilations must be 1 on the batch and channel axes, got {s} and {d}")
    if min(s + d) < 1:
        raise _fail(api, f"strides and dilations must be positive, got {s} and {d}")
    x, w = convert_operands([input, filt], api)
    attrs = {"strides": s, "padding": _padding(api, padding), "dilations": d, "data_format": "NDHWC"}
    return make_tensor("Conv3D", [x, w], attrs, name or "Conv3D")
