"""TF1's convolution variants: conv2d_transpose, depthwise and separable convolutions, atrous convolution.

`conv2d_transpose` is TF1's: a `Conv2DBackpropInput` node (the gradient of conv2d with respect to its
input) whose first input is a zero tensor of `output_shape`, the shape-only input graphdl's backprop
op takes in place of TF1's int `input_sizes`. `atrous_conv2d` is conv2d with dilations. The depthwise
convolution is its own op family (`DepthwiseConv2dNative` and its two backprop ops, in the layout of
`graphdl.ops.conv`): input [N, H, W, C], filter [kh, kw, C, M], output [N, oh, ow, C * M] with output
channel c * M + m made by input channel c and filter column m. The NumPy kernels and the CPU lowering
multiply-add the kh * kw shifted views of the padded input; elsewhere the lowering is XLA's grouped
convolution (`feature_group_count=C`) and JAX's transposes of it. `separable_conv2d` is a depthwise
convolution followed by a 1x1 conv2d. Every op here also takes `data_format="NCHW"` (channels first,
strides and dilations in that order), as `graphdl.ops.conv` does: XLA's convolution with the layout in
its dimension numbers when lowered, the NHWC kernels between transposes in NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_operands, convert_to_tensor, make_tensor
from graphdl.errors import ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import require_same_dtype, spec
from graphdl.ops.conv import (
    _conv_attrs_of,
    _geo,
    backprop_infer_rules,
    bilinear_grads,
    check_conv_specs,
    conv2d,
    conv_out_dims,
    conv_out_hw,
    sample_cases,
    use_patches,
)
from graphdl.ops.nn_common import channel_axis, nhwc_kernel, spatial_axes
from graphdl.ops.window import col2im, out_size, pad, windows
from graphdl.registry import Sample, TensorSpec, register
from graphdl.tensor import Tensor

__all__ = [
    "conv2d_transpose",
    "atrous_conv2d",
    "atrous_conv2d_transpose",
    "depthwise_conv2d",
    "depthwise_conv2d_native",
    "separable_conv2d",
]


# --- depthwise kernels (xp = numpy | jax.numpy) ----------------------------------------------------


def depthwise_k(xp: Any, x: Any, w: Any, attrs: Mapping[str, Any]) -> Any:
    """DepthwiseConv2dNative as a multiply-add over the kh * kw window views."""
    g = _geo(x.shape, w.shape, attrs)
    kh, kw, c, m = w.shape
    wk = xp.reshape(w, (kh * kw, c, m))
    views = windows(xp, pad(xp, x, g), g)
    out = views[0][..., None] * wk[0]
    for k in range(1, kh * kw):
        out = out + views[k][..., None] * wk[k]
    return xp.reshape(out, (x.shape[0], g.oh, g.ow, c * m))


def depthwise_bi_k(xp: Any, like: Any, w: Any, dy: Any, attrs: Mapping[str, Any]) -> Any:
    """d(depthwise)/d(input) applied to dy: each view's share summed back into place (col2im)."""
    g = _geo(like.shape, w.shape, attrs)
    kh, kw, c, m = w.shape
    wk = xp.reshape(w, (kh * kw, c, m))
    dy5 = xp.reshape(dy, (dy.shape[0], g.oh, g.ow, c, m))
    return col2im(xp, [xp.sum(dy5 * wk[k], axis=-1) for k in range(kh * kw)], g, like)


def depthwise_bf_k(xp: Any, x: Any, w_shape: tuple[int, ...], dy: Any, attrs: Mapping[str, Any]) -> Any:
    """d(depthwise)/d(filter) applied to dy: each view times dy, summed over batch and positions."""
    g = _geo(x.shape, w_shape, attrs)
    kh, kw, c, m = (int(d) for d in w_shape)
    dy5 = xp.reshape(dy, (dy.shape[0], g.oh, g.ow, c, m))
    views = windows(xp, pad(xp, x, g), g)
    dw = [xp.einsum("nhwc,nhwcm->cm", v, dy5) for v in views]
    return xp.reshape(xp.stack(dw), (kh, kw, c, m))


def _native_dw(x: Any, w: Any, attrs: Mapping[str, Any]) -> Any:
    g = _geo(x.shape, w.shape, attrs)
    kh, kw, c, m = w.shape
    fmt = attrs.get("data_format", "NHWC")
    return jax.lax.conv_general_dilated(
        x, jnp.reshape(w, (kh, kw, 1, c * m)), (g.sh, g.sw), ((g.pt, g.pb), (g.pl, g.pr)),
        rhs_dilation=(g.dh, g.dw), dimension_numbers=(fmt, "HWIO", fmt), feature_group_count=c,
    )  # fmt: skip


def _lower_dw(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, w = inputs
    return depthwise_k(jnp, x, w, attrs) if use_patches(attrs, ctx) else _native_dw(x, w, attrs)


def _lower_dw_bi(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    like, w, dy = inputs
    if use_patches(attrs, ctx):
        return depthwise_bi_k(jnp, like, w, dy, attrs)
    _, vjp = jax.vjp(lambda v: _native_dw(v, w, attrs), jnp.zeros(like.shape, dy.dtype))
    return vjp(dy)[0]


def _lower_dw_bf(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
    x, w_like, dy = inputs
    if use_patches(attrs, ctx):
        return depthwise_bf_k(jnp, x, w_like.shape, dy, attrs)
    _, vjp = jax.vjp(lambda v: _native_dw(x, v, attrs), jnp.zeros(w_like.shape, dy.dtype))
    return vjp(dy)[0]


# --- depthwise infer rules ---------------------------------------------------------------------------


def _dw_check(x: TensorSpec, w: TensorSpec, data_format: str = "NHWC") -> tuple[list[Any], list[Any]]:
    return check_conv_specs(x, w, "filter is [height, width, in_channels, channel_multiplier]", data_format)


def _dw_out(xs: list[Any], ws: list[Any], attrs: Mapping[str, Any]) -> list[Any]:
    c = xs[channel_axis(attrs.get("data_format", "NHWC"))]
    c = c if c is not None else ws[2]
    out_c = None if c is None or ws[3] is None else c * ws[3]
    return conv_out_dims(xs[0], conv_out_hw(xs, ws, attrs), out_c, attrs)


def _dw_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    dtype = require_same_dtype(inputs)
    xs, ws = _dw_check(inputs[0], inputs[1], attrs.get("data_format", "NHWC"))
    return [spec(_dw_out(xs, ws, attrs), dtype)]


_dw_bi_infer, _dw_bf_infer = backprop_infer_rules(_dw_check, _dw_out, "depthwise convolution")


# --- depthwise gradients (each op is bilinear in its last two inputs) ----------------------------------

_DW, _DW_BI, _DW_BF = (
    "DepthwiseConv2dNative",
    "DepthwiseConv2dNativeBackpropInput",
    "DepthwiseConv2dNativeBackpropFilter",
)


_dw_grad, _dw_bi_grad, _dw_bf_grad = bilinear_grads(_DW, _DW_BI, _DW_BF)


# --- samples -------------------------------------------------------------------------------------------

_DW_CASES = [  # x shape, filter shape, strides, padding, dilations
    ((2, 5, 5, 3), (3, 3, 3, 2), 1, "SAME", 1),
    ((1, 7, 6, 2), (2, 3, 2, 1), [1, 2, 2, 1], "VALID", 1),
    ((2, 5, 5, 1), (2, 2, 1, 3), 2, "SAME", 1),
    ((1, 6, 7, 2), (3, 2, 2, 2), [1, 2, 3, 1], "SAME", 1),
    ((1, 7, 7, 2), (2, 3, 2, 2), 1, "SAME", [1, 2, 2, 1]),
    ((1, 8, 6, 3), (3, 2, 3, 1), 1, "VALID", [1, 2, 3, 1]),
]


_DW_NCHW = (0, 3, 4)  # the cases also sampled channels first


def _dw_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal(xs), rng.standard_normal(ws)], a)
        for xs, ws, a in sample_cases(_DW_CASES, _DW_NCHW)
    ]


def _dw_backprop_samples(grad_inputs: list[int]) -> Any:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = []
        for xs, ws, a in sample_cases(_DW_CASES[:5], _DW_NCHW):
            g = _geo(xs, ws, a)
            dy = rng.standard_normal(conv_out_dims(xs[0], [g.oh, g.ow], ws[2] * ws[3], a))
            smp = Sample([rng.standard_normal(xs), rng.standard_normal(ws), dy], a)
            smp.grad_inputs = grad_inputs
            out.append(smp)
        return out

    return samples


register(
    _DW,
    api_name="depthwise_conv2d_native",
    infer=_dw_infer,
    evaluate=nhwc_kernel(depthwise_k, (0,), True),
    lower=_lower_dw,
    gradient=_dw_grad,
    samples=_dw_samples,
    doc="Depthwise 2-D convolution: NHWC or NCHW input, [kh, kw, C, M] filter, C * M output channels.",
)
register(
    _DW_BI,
    api_name="depthwise_conv2d_native_backprop_input",
    infer=_dw_bi_infer,
    evaluate=nhwc_kernel(depthwise_bi_k, (0, 2), True),
    lower=_lower_dw_bi,
    gradient=_dw_bi_grad,
    samples=_dw_backprop_samples([1, 2]),
    doc="Gradient of the depthwise convolution with respect to its input (first input: shape only).",
)
register(
    _DW_BF,
    api_name="depthwise_conv2d_native_backprop_filter",
    infer=_dw_bf_infer,
    evaluate=nhwc_kernel(lambda xp, x, w, dy, a: depthwise_bf_k(xp, x, w.shape, dy, a), (0, 2), False),
    lower=_lower_dw_bf,
    gradient=_dw_bf_grad,
    samples=_dw_backprop_samples([0, 2]),
    doc="Gradient of the depthwise convolution with respect to its filter (second input: shape only).",
)


# --- builders ------------------------------------------------------------------------------------------


def _dims(t: Tensor) -> list[Any]:
    return t.shape.as_list() if t.shape.ndims is not None else [None] * 4


def _need_rank4(api: str, what: str, t: Tensor) -> None:
    if t.shape.ndims is not None and t.shape.ndims != 4:
        raise get_default_graph().located_error(
            ShapeError, api, f"{what} must have rank 4, got shape {t.shape.short()}"
        )


def _rate_pair(api: str, rate: Any) -> list[int]:
    r = [1, 1] if rate is None else ([int(rate)] * 2 if np.ndim(rate) == 0 else [int(v) for v in rate])
    if len(r) != 2 or min(r) < 1:
        raise get_default_graph().located_error(
            ShapeError, api, f"rate must be a positive int or a pair of positive ints, got {rate!r}"
        )
    return r


def _output_shape_dims(api: str, output_shape: Any, data_format: str = "NHWC") -> tuple[Any, list[Any]]:
    """(the argument as a list of ints or an int tensor, what is known of its four entries)."""
    from graphdl.ops.shape_args import shape_or_tensor

    graph = get_default_graph()
    try:
        static, t, hint = shape_or_tensor(output_shape, "output_shape")
    except ShapeError as exc:
        raise graph.located_error(ShapeError, api, str(exc)) from None
    if hint.ndims is not None and hint.ndims != 4:
        raise graph.located_error(
            ShapeError, api, f"output_shape must have 4 entries ({data_format}), got {hint}"
        )
    if static is not None and min(static) < 0:
        raise graph.located_error(ShapeError, api, f"output_shape must be >= 0, got {static}")
    return (static if static is not None else t), (hint.as_list() if hint.ndims is not None else [None] * 4)


def _check_transpose(api: str, out: list[Any], value: Tensor, w: Tensor, attrs: Mapping[str, Any]) -> None:
    """TF1's checks, made at build time where the shapes are known: channels, batch, spatial sizes."""
    graph = get_default_graph()
    vs, ws = _dims(value), _dims(w)
    fmt = attrs["data_format"]
    c = channel_axis(fmt)
    where = "" if fmt == "NHWC" else f" on axis {c} (data_format {fmt!r}, not 'NHWC')"
    if ws[3] is not None and vs[c] is not None and ws[3] != vs[c]:
        raise graph.located_error(
            ShapeError, api, f"value has {vs[c]} channels{where} but the filter {w.shape.short()} expects "
            f"{ws[3]}: value {value.shape.short()} (the filter is [height, width, output_channels, in_channels])",
        )  # fmt: skip
    if ws[2] is not None and out[c] is not None and ws[2] != out[c]:
        raise graph.located_error(
            ShapeError, api, f"output_shape {out} has {out[c]} channels{where} but the filter "
            f"{w.shape.short()} has {ws[2]} output channels (the filter is [height, width, output_channels, "
            "in_channels])",
        )  # fmt: skip
    if vs[0] is not None and out[0] is not None and vs[0] != out[0]:
        raise graph.located_error(
            ShapeError,
            api,
            f"output_shape {out} has batch {out[0]} but value {value.shape.short()} has {vs[0]}",
        )
    s, d = attrs["strides"], attrs["dilations"]
    for k, (ax, what) in enumerate(zip(spatial_axes(fmt), ("height", "width"), strict=True)):
        if out[ax] is None or ws[k] is None or vs[ax] is None:
            continue
        try:
            expect = out_size(out[ax], ws[k], s[ax], d[ax], attrs["padding"])[0]
        except ShapeError as exc:
            raise graph.located_error(ShapeError, api, f"output_shape {out}: {exc}") from None
        if expect != vs[ax]:
            raise graph.located_error(
                ShapeError, api, f"output_shape {out} does not fit value {value.shape.short()}: a convolution "
                f"with strides {s} and {attrs['padding']} padding takes {what} {out[ax]} to {expect}, "
                f"value has {what} {vs[ax]}",
            )  # fmt: skip


def _transpose(
    api: str, value: Any, filter: Any, output_shape: Any, attrs: dict[str, Any], name: str
) -> Tensor:
    from graphdl.ops.creation import fill
    from graphdl.ops.state import constant

    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        v, w = convert_operands([value, filter], api)
        _need_rank4(api, "value", v)
        _need_rank4(api, "filter", w)
        dims, known = _output_shape_dims(api, output_shape, attrs["data_format"])
        _check_transpose(api, known, v, w, attrs)
        # Conv2DBackpropInput reads only the shape of its first input.
        like = fill(dims, constant(0, dtype=v.dtype), name="output_shape")
        return make_tensor("Conv2DBackpropInput", [like, w, v], attrs, scope)


def conv2d_transpose(
    value: Any, filter: Any = None, output_shape: Any = None, strides: Any = None, padding: str = "SAME",
    data_format: str = "NHWC", name: str | None = None, input: Any = None, filters: Any = None,
    dilations: Any = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.conv2d_transpose`: the gradient of conv2d with respect to its input, applied to value.

    filter is [height, width, output_channels, in_channels]; output_shape is the 4-entry shape of the
    result in `data_format` (a list, or an int tensor whose batch entry may be `tf.shape(x)[0]`).
    """
    value = value if value is not None else input
    filt = filter if filter is not None else filters
    if value is None or filt is None or output_shape is None or strides is None:
        raise get_default_graph().located_error(
            ShapeError, "conv2d_transpose", "value, filter, output_shape and strides are required"
        )
    attrs = _conv_attrs_of("conv2d_transpose", strides, padding, data_format, dilations)
    return _transpose("conv2d_transpose", value, filt, output_shape, attrs, name or "conv2d_transpose")


def atrous_conv2d_transpose(
    value: Any, filters: Any, output_shape: Any, rate: int, padding: str, name: str | None = None
) -> Tensor:
    """TF1 `tf.nn.atrous_conv2d_transpose`: the transpose of `atrous_conv2d` (dilation `rate`, stride 1)."""
    r = _rate_pair("atrous_conv2d_transpose", rate)
    attrs = _conv_attrs_of("atrous_conv2d_transpose", 1, padding, "NHWC", [1, *r, 1])
    return _transpose(
        "atrous_conv2d_transpose", value, filters, output_shape, attrs, name or "AtrousConv2DTranspose"
    )


def atrous_conv2d(value: Any, filters: Any, rate: int, padding: str, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.atrous_conv2d`: conv2d with stride 1 and the filter dilated by `rate` (holes of rate - 1)."""
    if np.ndim(rate) != 0:
        raise get_default_graph().located_error(
            ShapeError, "atrous_conv2d", f"rate must be an int, got {rate!r}"
        )
    r = _rate_pair("atrous_conv2d", rate)
    return conv2d(value, filters, [1, 1, 1, 1], padding, dilations=[1, *r, 1], name=name or "convolution")


def depthwise_conv2d_native(
    input: Any, filter: Any, strides: Any, padding: str, data_format: str = "NHWC", dilations: Any = None,
    name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.depthwise_conv2d_native`: filter [h, w, in_channels, channel_multiplier], C * M outputs."""
    attrs = _conv_attrs_of("depthwise_conv2d_native", strides, padding, data_format, dilations)
    x, w = convert_operands([input, filter], "depthwise_conv2d_native")
    return make_tensor(_DW, [x, w], attrs, name or _DW)


def _depthwise(api: str, input: Any, filter: Any, strides: Any, padding: Any, rate: Any, data_format: Any,
               name: str) -> Tensor:  # fmt: skip
    r = _rate_pair(api, rate)
    attrs = _conv_attrs_of(api, strides, padding, data_format or "NHWC", r)
    if max(r) > 1 and max(attrs["strides"]) > 1:
        raise get_default_graph().located_error(
            ShapeError, api, f"strides > 1 are not supported together with rate > 1, got strides "
            f"{attrs['strides']} and rate {r}",
        )  # fmt: skip
    x, w = convert_operands([input, filter], api)
    _need_rank4(api, "filter", w)
    return make_tensor(_DW, [x, w], attrs, name)


def depthwise_conv2d(
    input: Any, filter: Any, strides: Any, padding: str, rate: Any = None, name: str | None = None,
    data_format: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.depthwise_conv2d`: each input channel convolved with its own channel_multiplier filters."""
    graph = get_default_graph()
    with graph.name_scope(name or "depthwise") as scope:
        return _depthwise("depthwise_conv2d", input, filter, strides, padding, rate, data_format, scope)


def separable_conv2d(
    input: Any, depthwise_filter: Any, pointwise_filter: Any, strides: Any, padding: str, rate: Any = None,
    name: str | None = None, data_format: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.separable_conv2d`: a depthwise convolution, then a 1x1 conv2d mixing the channels."""
    api = "separable_conv2d"
    graph = get_default_graph()
    with graph.name_scope(name or "separable_conv2d") as scope:
        pw = convert_to_tensor(pointwise_filter)
        _need_rank4(api, "pointwise_filter", pw)
        pd = pw.shape.as_list() if pw.shape.ndims is not None else [None] * 4
        if (pd[0] is not None and pd[0] != 1) or (pd[1] is not None and pd[1] != 1):
            raise graph.located_error(
                ShapeError, api, f"pointwise_filter must be [1, 1, in_channels * multiplier, out_channels], "
                f"got {pw.shape.short()}",
            )  # fmt: skip
        dw = _depthwise(api, input, depthwise_filter, strides, padding, rate, data_format, "depthwise")
        made = (
            dw.shape.as_list()[channel_axis(dw.op.attrs["data_format"])]
            if dw.shape.ndims is not None
            else None
        )
        if pd[2] is not None and made not in (None, pd[2]):
            raise graph.located_error(
                ShapeError, api, f"the depthwise convolution makes {made} channels but "
                f"pointwise_filter {pw.shape.short()} expects {pd[2]}",
            )  # fmt: skip
        return conv2d(dw, pw, [1, 1, 1, 1], "VALID", data_format=data_format or "NHWC", name=scope)
