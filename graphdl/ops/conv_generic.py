"""1-D and N-D convolution and pooling in `tf.nn`: conv1d, max_pool1d, avg_pool1d, the TF 1.14
names max_pool2d and avg_pool2d, max_pool3d and avg_pool3d, and the rank-generic `convolution` and
`pool` (the 3-D ops themselves and `conv3d` are in graphdl.ops.conv3d).

The 1-D functions are TF1's: a size-1 height axis is inserted, the 2-D op runs, and the axis is
squeezed away (NWC input as NHWC, NCW as NCHW).
"""

from __future__ import annotations

from typing import Any

from graphdl.convert import convert_operands, convert_to_tensor, make_tensor
from graphdl.graph import get_default_graph
from graphdl.ops.conv3d import conv3d
from graphdl.ops.conv_args import _fail, _format, _padding, _rank_of, _spatial
from graphdl.tensor import Tensor

__all__ = [
    "conv1d",
    "max_pool1d",
    "avg_pool1d",
    "max_pool2d",
    "avg_pool2d",
    "convolution",
    "pool",
    "max_pool3d",
    "avg_pool3d",
]


# --- 1-D -----------------------------------------------------------------------------------------------


def conv1d(value: Any = None, filters: Any = None, stride: Any = None, padding: Any = None,
           use_cudnn_on_gpu: Any = None, data_format: str | None = "NWC", name: str | None = None,
           input: Any = None, dilations: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.conv1d(value, filters, stride, padding, data_format='NWC')`: conv2d over an
    inserted height axis of size 1, squeezed away after ([batch, width, channels] input,
    [width, in_channels, out_channels] filters)."""
    from graphdl.ops.array import expand_dims, squeeze
    from graphdl.ops.conv import conv2d

    api = "conv1d"
    value = input if input is not None else value
    if value is None or filters is None or stride is None or padding is None:
        raise _fail(api, "value, filters, stride and padding are required")
    first = _format(api, data_format, 1)
    (s,) = _spatial(stride, 1, "stride", api, first)
    (d,) = _spatial(dilations, 1, "dilations", api, first)
    p = _padding(api, padding)
    x, w = convert_operands([value, filters], api)
    _rank_of(x, 3, "value", api)
    _rank_of(w, 3, "filters", api)
    c = x.shape.as_list()[1 if first else 2] if x.shape.ndims is not None else None
    ci = w.shape.as_list()[1] if w.shape.ndims is not None else None
    if c is not None and ci is not None and c != ci:
        raise _fail(api, f"value has {c} channels but the filters expect {ci}: value {x.shape.short()}, "
                         f"filters {w.shape.short()} ({data_format or 'NWC'} value, [width, in, out] filters)")  # fmt: skip
    with x.graph.name_scope(name or "conv1d") as scope:
        axis = 2 if first else 1
        x4 = expand_dims(x, axis)
        w4 = expand_dims(w, 0)
        if first:
            y = conv2d(x4, w4, [1, 1, 1, s], p, data_format="NCHW", dilations=[1, 1, 1, d])
        else:
            y = conv2d(x4, w4, [1, 1, s, 1], p, data_format="NHWC", dilations=[1, 1, d, 1])
        return squeeze(y, [axis], name=scope)


def _pool_nd(kind: str, api: str, x: Any, window: list[int], strides: list[int], padding: str,
             channels_first: bool, name: str | None) -> Tensor:  # fmt: skip
    """Pooling of a 3-, 4- or 5-D input (1, 2 or 3 spatial axes) with the right op; channels-first
    inputs are moved to channels last and back (TF1's result, whatever the layout)."""
    from graphdl.ops.array import expand_dims, squeeze, transpose
    from graphdl.ops.pool import avg_pool, max_pool

    n = len(window)
    xt = convert_to_tensor(x)
    require = n + 2
    _rank_of(xt, require, "input", api)
    if not xt.dtype.is_floating:
        from graphdl.errors import DTypeError

        raise get_default_graph().located_error(
            DTypeError, api, f"input must be a floating tensor, got {xt.dtype.name}"
        )
    with xt.graph.name_scope(name or api) as scope:
        if channels_first:
            xt = transpose(xt, [0, *range(2, n + 2), 1])
        if n == 1:
            x4 = expand_dims(xt, 1)
            pool2 = max_pool if kind == "MAX" else avg_pool
            y = squeeze(pool2(x4, [1, 1, window[0], 1], [1, 1, strides[0], 1], padding), [1])
        elif n == 2:
            pool2 = max_pool if kind == "MAX" else avg_pool
            y = pool2(xt, [1, *window, 1], [1, *strides, 1], padding)
        else:
            op = "MaxPool3D" if kind == "MAX" else "AvgPool3D"
            y = make_tensor(op, [xt], {"ksize": [1, *window, 1], "strides": [1, *strides, 1], "padding": padding,
                                       "data_format": "NDHWC"}, op)  # fmt: skip
        if channels_first:
            y = transpose(y, [0, n + 1, *range(1, n + 1)])
        from graphdl.ops.array import identity

        return identity(y, name=scope)


def _pool_builder(kind: str, api: str, n: int) -> Any:
    def build(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,
              name: str | None = None) -> Tensor:  # fmt: skip
        first = _format(api, data_format, n)
        k = _spatial(ksize, n, "ksize", api, first)
        s = _spatial(strides, n, "strides", api, first)
        return _pool_nd(kind, api, input, k, s, _padding(api, padding), first, name)

    return build


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = "NWC",
               name: str | None = None) -> Tensor:  # fmt: skip
    """TF 1.14 `tf.nn.max_pool1d`: max pooling over the width of a [batch, width, channels] input."""
    return _pool_builder("MAX", "max_pool1d", 1)(input, ksize, strides, padding, data_format, name)


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = "NWC",
               name: str | None = None) -> Tensor:  # fmt: skip
    """TF 1.14 `tf.nn.avg_pool1d`: average pooling over the width (padded cells not counted)."""
    return _pool_builder("AVG", "avg_pool1d", 1)(input, ksize, strides, padding, data_format, name)


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = "NHWC",
               name: str | None = None) -> Tensor:  # fmt: skip
    """TF 1.14 `tf.nn.max_pool2d`: `max_pool` under its newer name."""
    return _pool_builder("MAX", "max_pool2d", 2)(input, ksize, strides, padding, data_format, name)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = "NHWC",
               name: str | None = None) -> Tensor:  # fmt: skip
    """TF 1.14 `tf.nn.avg_pool2d`: `avg_pool` under its newer name."""
    return _pool_builder("AVG", "avg_pool2d", 2)(input, ksize, strides, padding, data_format, name)


def max_pool3d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NDHWC",
               name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.max_pool3d`: max pooling over depth, height and width of an NDHWC input."""
    return _pool_builder("MAX", "max_pool3d", 3)(input, ksize, strides, padding, data_format, name)


def avg_pool3d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NDHWC",
               name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.avg_pool3d`: average pooling over depth, height and width (padded cells not counted)."""
    return _pool_builder("AVG", "avg_pool3d", 3)(input, ksize, strides, padding, data_format, name)


# --- the rank-generic forms ------------------------------------------------------------------------------


def convolution(input: Any, filter: Any = None, padding: Any = None, strides: Any = None, dilation_rate: Any = None,
                name: str | None = None, data_format: str | None = None, filters: Any = None,
                dilations: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.convolution`: an N-D convolution (N = 1, 2 or 3 from the filter's rank) with
    spatial `strides` and `dilation_rate` lists of N ints."""
    from graphdl.ops.conv import conv2d

    api = "convolution"
    filt = filter if filter is not None else filters
    if filt is None or padding is None:
        raise _fail(api, "filter and padding are required")
    rate = dilation_rate if dilation_rate is not None else dilations
    w = convert_to_tensor(filt)
    x = convert_to_tensor(input)
    rank = w.shape.ndims if w.shape.ndims is not None else x.shape.ndims
    if rank is None or rank not in (3, 4, 5):
        raise _fail(
            api, f"the filter must be 3-, 4- or 5-D (1 to 3 spatial dims), got shape {w.shape.short()}"
        )
    n = rank - 2
    _rank_of(x, rank, "input", api)
    first = _format(api, data_format, n)
    s = _spatial(strides, n, "strides", api)
    d = _spatial(rate, n, "dilation_rate", api)
    if max(s) > 1 and max(d) > 1:
        raise _fail(api, f"strides > 1 and dilation_rate > 1 cannot be combined (TF1), got {s} and {d}")
    with x.graph.name_scope(name or "convolution") as scope:
        if n == 1:
            return conv1d(x, w, s, padding, data_format=data_format or "NWC", dilations=d, name=scope)
        if n == 2:
            fmt = "NCHW" if first else "NHWC"
            four = [1, 1, *s] if first else [1, *s, 1]
            dil = [1, 1, *d] if first else [1, *d, 1]
            return conv2d(x, w, four, padding, data_format=fmt, dilations=dil, name=scope)
        if first:
            raise _fail(api, "only data_format='NDHWC' is supported for 3-D convolution")
        return conv3d(x, w, [1, *s, 1], padding, dilations=[1, *d, 1], name=scope)


def pool(input: Any, window_shape: Any, pooling_type: str, padding: Any, dilation_rate: Any = None,
         strides: Any = None, name: str | None = None, data_format: str | None = None,
         dilations: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.pool`: N-D max or average pooling (N = 1, 2 or 3 from `window_shape`); dilated
    windows (dilation_rate > 1) are not supported."""
    api = "pool"
    ptype = str(pooling_type).upper()
    if ptype not in ("MAX", "AVG"):
        raise _fail(api, f"pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    win = [int(v) for v in (window_shape if isinstance(window_shape, list | tuple) else [window_shape])]
    n = len(win)
    if n not in (1, 2, 3):
        raise _fail(api, f"window_shape must have 1, 2 or 3 entries, got {window_shape!r}")
    s = _spatial(strides, n, "strides", api)
    rate = dilation_rate if dilation_rate is not None else dilations
    d = _spatial(rate, n, "dilation_rate", api)
    if max(d) > 1:
        raise _fail(api, f"dilation_rate > 1 is not supported, got {d}")
    if min(win) < 1:
        raise _fail(api, f"window_shape must be positive, got {win}")
    first = _format(api, data_format, n)
    return _pool_nd(ptype, api, input, win, s, _padding(api, padding), first, name)
