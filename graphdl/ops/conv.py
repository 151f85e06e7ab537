"""2-D convolution (`tf.nn.conv2d`) and its two backprop ops, with TF1's SAME/VALID geometry.

Layouts are TF1's: NHWC (or, with `data_format="NCHW"`, channels-first) inputs and HWIO filters; the
`strides` and `dilations` attrs are in the data format's order. The NumPy kernels and the CPU lowering compute a
convolution as patches times a matrix (the kh * kw shifted views of the padded input stacked on the
channel axis, then one matmul); on CPU this is several times faster than XLA's own convolution. The
backprop ops follow: the filter gradient is patches^T @ grad, the input gradient is grad @ filter^T
summed back into place (col2im). On GPU and TPU the lowering uses `lax.conv_general_dilated` and
JAX's transposes of it; so does every NCHW lowering, with the layout in the dimension numbers (XLA
sees the real layout, no transposes). The NumPy rules of an NCHW op move it to NHWC and back. Each backprop op is linear in its last two inputs and has its own gradient,
so second-order gradients work. The pooling ops live in `graphdl.ops.pool` and are re-exported here.
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
from graphdl.ops.pool import avg_pool, max_pool
from graphdl.ops.window import Geometry, col2im, four, geometry, out_size, pad, padding_name, windows
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "max_pool", "avg_pool"]


# --- kernels (xp = numpy | jax.numpy) ------------------------------------------------------------


def _geo(x_shape: tuple[int, ...], w_shape: tuple[int, ...], attrs: Mapping[str, Any]) -> Geometry:
    """The window geometry of a convolution of an input in the attrs' data format with an HWIO filter."""
    h, w = spatial_axes(attrs.get("data_format", "NHWC"))
    a = nhwc_attrs(attrs) if is_nchw(attrs) else attrs
    return geometry(int(x_shape[h]), int(x_shape[w]), int(w_shape[0]), int(w_shape[1]), a)


def _patches(xp: Any, x: Any, g: Geometry) -> Any:
    """[N * oh * ow, kh * kw * C] patches of x (rows: output positions; columns: HWC of the window)."""
    views = windows(xp, pad(xp, x, g), g)
    p = views[0] if len(views) == 1 else xp.concatenate(views, axis=-1)
    return xp.reshape(p, (-1, p.shape[-1]))


def conv_patches(xp: Any, x: Any, w: Any, attrs: Mapping[str, Any]) -> Any:
    """Conv2D as patches @ filter matrix."""
    g = _geo(x.shape, w.shape, attrs)
    kdim = w.shape[0] * w.shape[1] * w.shape[2]
    if w.shape[2] == 1:  # one input channel: a matmul with K = kh * kw is slow; multiply-add the views
        wk = xp.reshape(w, (kdim, w.shape[3]))
        views = windows(xp, pad(xp, x, g), g)
        return functools.reduce(xp.add, [v * wk[k] for k, v in enumerate(views)])
    out = xp.matmul(_patches(xp, x, g), xp.reshape(w, (kdim, w.shape[3])))
    return xp.reshape(out, (x.shape[0], g.oh, g.ow, w.shape[3]))


def backprop_filter_patches(
    xp: Any, x: Any, w_shape: tuple[int, ...], dy: Any, attrs: Mapping[str, Any]
) -> Any:
    """d(conv)/d(filter) applied to dy: patches^T @ dy."""
    g = _geo(x.shape, w_shape, attrs)
    dw = xp.matmul(xp.transpose(_patches(xp, x, g)), xp.reshape(dy, (-1, dy.shape[3])))
    return xp.reshape(dw, tuple(int(d) for d in w_shape))


def backprop_input_patches(xp: Any, like: Any, w: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    """d(conv)/d(input) applied to dy: dy @ filter^T, summed back into place (col2im)."""
    g = _geo(like.shape, w.shape, attrs)
    kh, kw, c, o = w.shape
    dp = xp.matmul(xp.reshape(dy, (-1, o)), xp.transpose(xp.reshape(w, (kh * kw * c, o))))
    dp = xp.reshape(dp, (dy.shape[0], g.oh, g.ow, kh * kw, c))
    return col2im(xp, [dp[:, :, :, k, :] for k in range(kh * kw)], g, like)


def _native(x: Any, w: Any, attrs: Mapping[str, Any]) -> Any:
    g = _geo(x.shape, w.shape, attrs)
    fmt = attrs.get("data_format", "NHWC")
    return jax.lax.conv_general_dilated(
        x, w, (g.sh, g.sw), ((g.pt, g.pb), (g.pl, g.pr)), rhs_dilation=(g.dh, g.dw),
        dimension_numbers=(fmt, "HWIO", fmt),
    )  # fmt: skip


def use_patches(attrs: Mapping[str, Any], ctx: Any) -> bool:
    """Whether a lowering takes the patches kernels (NHWC on CPU) rather than XLA's convolution."""
    return ctx.platform == "cpu" and not is_nchw(attrs)


def native_backprop_input(like: Any, w: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    """The transpose of XLA's convolution with respect to its input."""
    _, vjp = jax.vjp(lambda x: _native(x, w, attrs), jnp.zeros(like.shape, dy.dtype))
    return vjp(dy)[0]


def native_backprop_filter(x: Any, w_shape: tuple[int, ...], dy: Any, attrs: Mapping[str, Any]) -> Any:
    """The transpose of XLA's convolution with respect to its filter."""
    _, vjp = jax.vjp(lambda w: _native(x, w, attrs), jnp.zeros(w_shape, dy.dtype))
    return vjp(dy)[0]


def _lower_conv(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, w = inputs
    return conv_patches(jnp, x, w, attrs) if use_patches(attrs, ctx) else _native(x, w, attrs)


def _lower_bi(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    like, w, dy = inputs
    if use_patches(attrs, ctx):
        return backprop_input_patches(jnp, like, w, dy, attrs)
    return native_backprop_input(like, w, dy, attrs)


def _lower_bf(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, w_like, dy = inputs
    if use_patches(attrs, ctx):
        return backprop_filter_patches(jnp, x, w_like.shape, dy, attrs)
    return native_backprop_filter(x, w_like.shape, dy, attrs)


# --- infer rules ------------------------------------------------------------------------------------


def check_conv_specs(
    x: TensorSpec, w: TensorSpec, layout: str = "HWIO filter", data_format: str = "NHWC"
) -> tuple[list[Any], list[Any]]:
    """The 4-D input and filter dims of a convolution (None where unknown), the input's in
    `data_format`; a ShapeError when the input's channels are not the filter's third dimension.
    `layout` (the filter's) ends the message."""
    require_float(x, "input")
    require_float(w, "filter")
    xs = x.shape.with_rank(4).as_list() if x.shape.ndims is not None else [None] * 4
    ws = w.shape.with_rank(4).as_list() if w.shape.ndims is not None else [None] * 4
    c = xs[channel_axis(data_format)]
    if c is not None and ws[2] is not None and c != ws[2]:
        raise ShapeError(
            f"input has {c} channels but the filter expects {ws[2]}: "
            f"input {x.shape.short()}, filter {w.shape.short()} ({data_format} input, {layout})"
        )
    return xs, ws


_check = check_conv_specs


def conv_out_hw(xs: list[Any], ws: list[Any], attrs: Mapping[str, Any]) -> list[Any]:
    """The output height and width of a convolution (None where unknown), TF1's SAME/VALID rule;
    `xs`, strides and dilations are in the attrs' data format."""
    s, d = attrs["strides"], attrs.get("dilations") or [1, 1, 1, 1]
    return [
        None if ws[k] is None else out_size(xs[ax], ws[k], s[ax], d[ax], attrs["padding"])[0]
        for k, ax in enumerate(spatial_axes(attrs.get("data_format", "NHWC")))
    ]


def conv_out_dims(batch: Any, hw: list[Any], channels: Any, attrs: Mapping[str, Any]) -> list[Any]:
    """An output shape in the attrs' data format."""
    return from_nhwc([batch, *hw, channels], attrs.get("data_format", "NHWC"))


_out_hw = conv_out_hw


def _conv_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x, w = inputs
    dtype = require_same_dtype(inputs)
    xs, ws = _check(x, w, data_format=attrs.get("data_format", "NHWC"))
    return [spec(conv_out_dims(xs[0], _out_hw(xs, ws, attrs), ws[3], attrs), dtype)]


def backprop_infer_rules(
    check: Callable[[TensorSpec, TensorSpec, str], tuple[list[Any], list[Any]]],
    forward_out: Callable[[list[Any], list[Any], Mapping[str, Any]], list[Any]],
    what: str,
) -> tuple[Callable[..., list[TensorSpec]], Callable[..., list[TensorSpec]]]:
    """The infer rules of a convolution's input and filter backprop ops, (input_like, filter,
    out_backprop) and (input, filter_like, out_backprop), given its spec check (input, filter,
    data_format) and output shape."""

    def check_dy(xs: list[Any], ws: list[Any], dy: TensorSpec, attrs: Mapping[str, Any]) -> None:
        expect = forward_out(xs, ws, attrs)
        if not dy.shape.is_compatible_with(expect):
            raise ShapeError(f"out_backprop has shape {dy.shape.short()}, the {what} gives {expect}")

    def bi_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        like, w, dy = inputs
        dtype = require_same_dtype(inputs)
        fmt = attrs.get("data_format", "NHWC")
        xs, ws = check(like, w, fmt)
        check_dy(xs, ws, dy, attrs)
        out, c = list(xs), channel_axis(fmt)
        if out[0] is None and dy.shape.ndims:
            out[0] = dy.shape.as_list()[0]
        if out[c] is None:
            out[c] = ws[2]
        return [spec(out, dtype)]

    def bf_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        x, w_like, dy = inputs
        dtype = require_same_dtype(inputs)
        xs, ws = check(x, w_like, attrs.get("data_format", "NHWC"))
        check_dy(xs, ws, dy, attrs)
        return [spec(ws, dtype)]

    return bi_infer, bf_infer


_bi_infer, _bf_infer = backprop_infer_rules(
    lambda x, w, fmt: _check(x, w, data_format=fmt),
    lambda xs, ws, attrs: conv_out_dims(xs[0], _out_hw(xs, ws, attrs), ws[3], attrs),
    "convolution",
)


# --- gradients ---------------------------------------------------------------------------------------


class BilinearGrads(NamedTuple):
    """The gradient rules of a convolution family's forward op and its two backprop ops."""

    forward: Any
    backprop_input: Any
    backprop_filter: Any


def bilinear_grads(fwd: str, bi: str, bf: str) -> BilinearGrads:
    """The gradients of a convolution family (Conv2D here; depthwise in conv_extra, Conv3D in conv3d):
    the three ops share their attrs and each is bilinear in its last two inputs, so each one's
    gradient is built from the other two."""

    def attrs(node: Any) -> dict[str, Any]:
        return {k: node.attrs[k] for k in ("strides", "padding", "dilations", "data_format")}

    def forward(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        x, w = node.inputs
        a = attrs(node)
        return [make_tensor(bi, [x, w, grads[0]], a, bi), make_tensor(bf, [x, w, grads[0]], a, bf)]

    def backprop_input(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        _, w, dy = node.inputs
        a = attrs(node)
        return [None, make_tensor(bf, [grads[0], w, dy], a, bf), make_tensor(fwd, [grads[0], w], a, fwd)]

    def backprop_filter(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
        x, _, dy = node.inputs
        a = attrs(node)
        return [make_tensor(bi, [x, grads[0], dy], a, bi), None, make_tensor(fwd, [x, grads[0]], a, fwd)]

    return BilinearGrads(forward, backprop_input, backprop_filter)


_conv_grad, _bi_grad, _bf_grad = bilinear_grads("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")


# --- samples -----------------------------------------------------------------------------------------

_CASES = [  # x shape, filter shape, strides, padding, dilations
    ((2, 5, 5, 3), (3, 3, 3, 2), 1, "SAME", 1),
    ((1, 7, 6, 2), (2, 3, 2, 3), [1, 2, 2, 1], "VALID", 1),
    ((2, 5, 5, 1), (2, 2, 1, 2), 2, "SAME", 1),
    ((1, 6, 7, 2), (3, 2, 2, 2), [1, 2, 3, 1], "SAME", 1),
    ((1, 7, 7, 2), (2, 3, 2, 2), 1, "SAME", [1, 2, 2, 1]),
    ((1, 8, 6, 1), (3, 2, 1, 2), 1, "VALID", [1, 2, 3, 1]),
    ((3, 4, 4, 2), (1, 1, 2, 3), 1, "VALID", 1),
]


_NCHW_CASES = (0, 1, 4)  # the cases also sampled channels first


def _attrs(strides: Any, padding: str, dilations: Any, fmt: str = "NHWC") -> dict[str, Any]:
    return {
        "strides": from_nhwc(four(strides, "strides"), fmt),
        "padding": padding,
        "dilations": from_nhwc(four(dilations, "dilations"), fmt),
        "data_format": fmt,
    }


def sample_cases(cases: list[Any], nchw: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """(x shape, filter shape, attrs) of each NHWC case, then of the `nchw` ones channels first."""
    out = [(xs, ws, _attrs(s, p, d)) for xs, ws, s, p, d in cases]
    for i in nchw:
        xs, ws, s, p, d = cases[i]
        out.append((tuple(from_nhwc(list(xs), "NCHW")), ws, _attrs(s, p, d, "NCHW")))
    return out


def _conv_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal(xs), rng.standard_normal(ws)], a)
        for xs, ws, a in sample_cases(_CASES, _NCHW_CASES)
    ]


def _dy_shape(xs: tuple[int, ...], ws: tuple[int, ...], a: Mapping[str, Any]) -> tuple[int, ...]:
    g = _geo(xs, ws, a)
    return tuple(conv_out_dims(xs[0], [g.oh, g.ow], ws[3], a))


def _backprop_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for xs, ws, a in sample_cases(_CASES[:5], _NCHW_CASES):
        ins = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(_dy_shape(xs, ws, a))]
        out.append(Sample(ins, a))
    return out


def _with_grad_inputs(idx: list[int]) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        res = _backprop_samples(rng)
        for smp in res:
            smp.grad_inputs = idx
        return res

    return samples


register(
    "Conv2D",
    api_name="conv2d",
    infer=_conv_infer,
    evaluate=nhwc_kernel(conv_patches, (0,), True),
    lower=_lower_conv,
    gradient=_conv_grad,
    samples=_conv_samples,
    doc="2-D convolution of NHWC or NCHW input with an HWIO filter (TF1 SAME/VALID padding, strides, dilations).",
)
register(
    "Conv2DBackpropInput",
    api_name="conv2d_backprop_input",
    infer=_bi_infer,
    evaluate=nhwc_kernel(backprop_input_patches, (0, 2), True),
    lower=_lower_bi,
    gradient=_bi_grad,
    samples=_with_grad_inputs([1, 2]),
    doc="Gradient of conv2d with respect to its input (the first input gives only the input's shape).",
)
register(
    "Conv2DBackpropFilter",
    api_name="conv2d_backprop_filter",
    infer=_bf_infer,
    evaluate=nhwc_kernel(
        lambda xp, x, w, dy, a: backprop_filter_patches(xp, x, w.shape, dy, a), (0, 2), False
    ),
    lower=_lower_bf,
    gradient=_bf_grad,
    samples=_with_grad_inputs([0, 2]),
    doc="Gradient of conv2d with respect to its filter (the second input gives only the filter's shape).",
)


# --- builders ----------------------------------------------------------------------------------------


def _conv_attrs_of(api: str, strides: Any, padding: Any, data_format: str, dilations: Any) -> dict[str, Any]:
    """A convolution's attrs (strides and dilations in `data_format`'s order), TF1's checks made."""
    graph = get_default_graph()
    fmt = data_format_of(api, data_format)
    try:
        s = four_in(strides, "strides", fmt)
        d = four_in(dilations if dilations is not None else 1, "dilations", fmt)
        p = padding_name(padding)
    except (ShapeError, TypeError, ValueError) as exc:
        raise graph.located_error(ShapeError, api, str(exc)) from None
    c = channel_axis(fmt)
    if s[0] != 1 or s[c] != 1 or d[0] != 1 or d[c] != 1:
        raise graph.located_error(
            ShapeError, api, f"strides and dilations must be 1 on the batch and channel axes "
            f"(axes 0 and {c} for {fmt}), got {s} and {d}",
        )  # fmt: skip
    if min(s + d) < 1:
        raise graph.located_error(ShapeError, api, f"strides and dilations must be positive, got {s} and {d}")
    return {"strides": s, "padding": p, "dilations": d, "data_format": data_format}


def conv2d(
    input: Any, filter: Any = None, strides: Any = None, padding: Any = None, use_cudnn_on_gpu: bool = True,
    data_format: str = "NHWC", dilations: Any = None, name: str | None = None, filters: Any = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.conv2d(input, filter, strides, padding, data_format='NHWC', dilations=[1,1,1,1])`."""
    filt = filter if filter is not None else filters
    if filt is None or strides is None or padding is None:
        raise get_default_graph().located_error(
            ShapeError, "conv2d", "filter, strides and padding are required"
        )
    attrs = _conv_attrs_of("conv2d", strides, padding, data_format, dilations)
    x, w = convert_operands([input, filt], "conv2d")
    return make_tensor("Conv2D", [x, w], attrs, name or "Conv2D")


def conv2d_backprop_input(
    input: Any, filter: Any, out_backprop: Any, strides: Any, padding: Any, data_format: str = "NHWC",
    dilations: Any = None, name: str | None = None,
) -> Tensor:  # fmt: skip
    """d(conv2d)/d(input) applied to `out_backprop`; `input` gives the input's shape only."""
    attrs = _conv_attrs_of("conv2d_backprop_input", strides, padding, data_format, dilations)
    ts = convert_operands([input, filter, out_backprop], "conv2d_backprop_input")
    return make_tensor("Conv2DBackpropInput", ts, attrs, name or "Conv2DBackpropInput")


def conv2d_backprop_filter(
    input: Any, filter: Any, out_backprop: Any, strides: Any, padding: Any, data_format: str = "NHWC",
    dilations: Any = None, name: str | None = None,
) -> Tensor:  # fmt: skip
    """d(conv2d)/d(filter) applied to `out_backprop`; `filter` gives the filter's shape only."""
    attrs = _conv_attrs_of("conv2d_backprop_filter", strides, padding, data_format, dilations)
    ts = convert_operands([input, filter, out_backprop], "conv2d_backprop_filter")
    return make_tensor("Conv2DBackpropFilter", ts, attrs, name or "Conv2DBackpropFilter")
