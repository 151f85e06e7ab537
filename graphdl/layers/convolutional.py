"""TF1 `tf.layers` convolution: conv2d, channels last (NHWC) or first (NCHW); kernels are HWIO either way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.layers._utils import _as_float, _ntuple, _padding
from graphdl.layers.base import Layer
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["Conv2D", "conv2d"]

_FORMATS = {"channels_last": "NHWC", "channels_first": "NCHW"}


def _op_format(data_format: str, layer: str = "layer") -> str:
    """A layer's `data_format` ('channels_last' or 'channels_first', any case) as the ops' 'NHWC' or
    'NCHW' (TF1's `conv_utils.normalize_data_format` and `convert_data_format`); a GraphError (a
    ValueError, as TF1's) naming the layer and the user's line otherwise."""
    fmt = _FORMATS.get(str(data_format).lower())
    if fmt is None:
        raise get_default_graph().located_error(
            GraphError, layer, f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}"
        )
    return fmt


def _spatial_list(fmt: str, pair: Sequence[int]) -> list[int]:
    """[1, h, w, 1] (NHWC) or [1, 1, h, w] (NCHW): a pair as an op's strides, ksize or dilations."""
    return [1, *pair, 1] if fmt == "NHWC" else [1, 1, *pair]


def _known_channels(api: str, name: str, input_shape: Any, fmt: str) -> int:
    """The inputs' channels (axis -1 for NHWC, 1 for NCHW), which must be known."""
    dims = input_shape.as_list() if input_shape.rank is not None else None
    c = 3 if fmt == "NHWC" else 1
    if dims is None or len(dims) != 4 or dims[c] is None:
        layout = "[batch, height, width, channels]" if fmt == "NHWC" else "[batch, channels, height, width]"
        raise ShapeError(f"{api} {name!r}: inputs must be {layout} with known channels, got {input_shape}")
    return int(dims[c])


def _layer_bias_add(x: Tensor, b: Any, fmt: str) -> Tensor:
    """The layer's bias added on the channel axis of `fmt` (TF1's `nn.bias_add`, named BiasAdd)."""
    from graphdl.ops.nn import bias_add as nn_bias_add

    return nn_bias_add(x, b, data_format=fmt, name="BiasAdd")


class _Conv(Layer):
    """What the N-D `tf.layers` convolutions share: TF1's arguments, a kernel [*kernel_size, in_channels,
    filters] and a bias [filters] made at build, then convolution, bias and activation."""

    _rank = 2
    _layouts = ("[batch, height, width, channels]", "[batch, channels, height, width]")

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = 1,
                 padding: str = "valid", data_format: str = "channels_last",
                 dilation_rate: int | Sequence[int] = 1, activation: Callable[..., Any] | None = None,
                 use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt2 = _op_format(data_format, self._base_name)  # the 2-D format, which bias_add takes
        self.filters = int(filters)
        self.kernel_size = _ntuple(kernel_size, self._rank, "kernel_size")
        self.strides = _ntuple(strides, self._rank, "strides")
        self.padding = _padding(padding)
        self.dilation_rate = _ntuple(dilation_rate, self._rank, "dilation_rate")
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """kernel [*kernel_size, in_channels, filters] and bias [filters]."""
        from graphdl.initializers import GlorotUniform, Zeros

        dims = input_shape.as_list() if input_shape.rank is not None else None
        last = self._fmt2 == "NHWC"
        c = self._rank + 1 if last else 1
        if dims is None or len(dims) != self._rank + 2 or dims[c] is None:
            raise ShapeError(
                f"{self._base_name} {self.name!r}: inputs must be {self._layouts[0 if last else 1]} "
                f"with known channels, got {input_shape}"
            )
        self.kernel = self.add_weight("kernel", [*self.kernel_size, int(dims[c]), self.filters],
                                      initializer=self.kernel_initializer or GlorotUniform(),
                                      regularizer=self.kernel_regularizer)  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer or Zeros(),
                                        regularizer=self.bias_regularizer)  # fmt: skip
        self.built = True

    def _convolve(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """convolution, bias, activation."""
        assert self.kernel is not None
        out = self._convolve(_as_float(inputs, self.kernel.dtype))
        if self.bias is not None:
            out = _layer_bias_add(out, self.bias, self._fmt2)
        if self.activation is not None:
            out = self.activation(out)
        return out


class Conv2D(_Conv):
    """TF1 `tf.layers.Conv2D` (channels last or first): kernel [kh, kw, in, filters], bias [filters]."""

    _base_name = "conv2d"

    def _convolve(self, x: Tensor) -> Tensor:
        from graphdl import nn

        fmt = self._fmt2
        kw: dict[str, Any] = {}
        if self.dilation_rate != (1, 1):
            kw["dilations"] = _spatial_list(fmt, self.dilation_rate)
        return nn.conv2d(x, self.kernel, strides=_spatial_list(fmt, self.strides), padding=self.padding,
                         data_format=fmt, name="Conv2D", **kw)  # fmt: skip


def conv2d(inputs: Any, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
           padding: str = "valid", data_format: str = "channels_last",
           dilation_rate: int | Sequence[int] = (1, 1), activation: Callable[..., Any] | None = None,
           use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
           kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
           kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.conv2d(inputs, filters, kernel_size, strides=(1, 1), padding='valid', ...)`."""
    layer = Conv2D(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                   kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                   kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                   trainable=trainable, name=name, _reuse=reuse)  # fmt: skip
    return layer(inputs)
