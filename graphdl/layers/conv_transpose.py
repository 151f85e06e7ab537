"""TF1 `tf.layers` transposed and separable convolutions: conv2d_transpose and separable_conv2d, channels
last (NHWC) or first (NCHW); the kernels' shapes do not depend on the data format.

The transposed convolution's output size is TF1's `deconv_output_length`: input * stride for 'same',
input * stride + max(kernel - stride, 0) for 'valid'. Static sizes go into `output_shape` as ints;
unknown ones (a fed batch) are computed from `tf.shape(inputs)`, as TF1 does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl.layers._utils import _as_float, _padding, _pair
from graphdl.layers.base import Layer
from graphdl.layers.convolutional import _known_channels, _layer_bias_add, _op_format, _spatial_list
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["Conv2DTranspose", "conv2d_transpose", "SeparableConv2D", "separable_conv2d"]


def deconv_output_length(input_length: Any, filter_size: int, padding: str, stride: int) -> Any:
    """TF1's `conv_utils.deconv_output_length` (padding 'SAME' or 'VALID'); works on ints and int tensors."""
    if input_length is None:
        return None
    out = input_length * stride
    if padding == "VALID":
        out = out + max(filter_size - stride, 0)
    return out


class Conv2DTranspose(Layer):
    """TF1 `tf.layers.Conv2DTranspose` (channels last or first): kernel [kh, kw, filters, in_channels],
    bias [filters]."""

    _base_name = "conv2d_transpose"

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
                 padding: str = "valid", data_format: str = "channels_last",
                 activation: Callable[..., Any] | None = None, use_bias: bool = True,
                 kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt = _op_format(data_format, self._base_name)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """kernel [kh, kw, filters, in_channels] and bias [filters]."""
        from graphdl.initializers import GlorotUniform, Zeros

        channels = _known_channels("conv2d_transpose", self.name, input_shape, self._fmt)
        self.kernel = self.add_weight("kernel", [*self.kernel_size, self.filters, channels],
                                      initializer=self.kernel_initializer or GlorotUniform(),
                                      regularizer=self.kernel_regularizer)  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer or Zeros(),
                                        regularizer=self.bias_regularizer)  # fmt: skip
        self.built = True

    def _hw_axes(self) -> tuple[int, int]:
        return (1, 2) if self._fmt == "NHWC" else (2, 3)

    def _in_format(self, batch: Any, hw: list[Any]) -> list[Any]:
        return [batch, *hw, self.filters] if self._fmt == "NHWC" else [batch, self.filters, *hw]

    def compute_output_shape(self, input_shape: Any) -> list[int | None]:
        """[batch, out_h, out_w, filters] (or [batch, filters, out_h, out_w]) by TF1's deconv_output_length."""
        dims = input_shape.as_list() if input_shape.rank is not None else [None] * 4
        hw = [
            deconv_output_length(dims[ax], self.kernel_size[a], self.padding, self.strides[a])
            for a, ax in enumerate(self._hw_axes())
        ]
        return self._in_format(dims[0], hw)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """conv2d_transpose to the deconv_output_length size, bias, activation."""
        from graphdl import nn
        from graphdl.ops.array import shape

        assert self.kernel is not None
        x = _as_float(inputs, self.kernel.dtype)
        static = self.compute_output_shape(x.shape)
        out_shape: list[Any] = list(static)
        if any(d is None for d in static):
            dyn = shape(x)
            hw: list[Any] = []
            for a, ax in enumerate(self._hw_axes()):
                d = static[ax]
                hw.append(
                    d if d is not None
                    else deconv_output_length(dyn[ax], self.kernel_size[a], self.padding, self.strides[a])
                )  # fmt: skip
            out_shape = self._in_format(dyn[0] if static[0] is None else static[0], hw)
        fmt = self._fmt
        out = nn.conv2d_transpose(
            x, self.kernel, out_shape, strides=_spatial_list(fmt, self.strides), padding=self.padding,
            data_format=fmt, name="conv2d_transpose",
        )  # fmt: skip
        if self.bias is not None:
            out = _layer_bias_add(out, self.bias, fmt)
        if self.activation is not None:
            out = self.activation(out)
        return out


def conv2d_transpose(inputs: Any, filters: int, kernel_size: int | Sequence[int],
                     strides: int | Sequence[int] = (1, 1), padding: str = "valid",
                     data_format: str = "channels_last", activation: Callable[..., Any] | None = None,
                     use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                     kernel_regularizer: Any = None, bias_regularizer: Any = None,
                     activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                     trainable: bool = True, name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding='valid', ...)`."""
    layer = Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                            bias_regularizer=bias_regularizer, trainable=trainable, name=name,
                            _reuse=reuse)  # fmt: skip
    return layer(inputs)


class SeparableConv2D(Layer):
    """TF1 `tf.layers.SeparableConv2D` (channels last or first): depthwise_kernel [kh, kw, in, depth_multiplier],
    pointwise_kernel [1, 1, in * depth_multiplier, filters], bias [filters]."""

    _base_name = "separable_conv2d"

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
                 padding: str = "valid", data_format: str = "channels_last",
                 dilation_rate: int | Sequence[int] = (1, 1), depth_multiplier: int = 1,
                 activation: Callable[..., Any] | None = None, use_bias: bool = True,
                 depthwise_initializer: Any = None, pointwise_initializer: Any = None,
                 bias_initializer: Any = None, depthwise_regularizer: Any = None,
                 pointwise_regularizer: Any = None, bias_regularizer: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt = _op_format(data_format, self._base_name)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.depth_multiplier = int(depth_multiplier)
        self.activation = activation
        self.use_bias = use_bias
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.bias_initializer = bias_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.bias_regularizer = bias_regularizer
        self.depthwise_kernel: Variable | None = None
        self.pointwise_kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """depthwise_kernel, pointwise_kernel and bias."""
        from graphdl.initializers import GlorotUniform, Zeros

        c = _known_channels("separable_conv2d", self.name, input_shape, self._fmt)
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight("depthwise_kernel", [*self.kernel_size, c, m],
                                                initializer=self.depthwise_initializer or GlorotUniform(),
                                                regularizer=self.depthwise_regularizer)  # fmt: skip
        self.pointwise_kernel = self.add_weight("pointwise_kernel", [1, 1, c * m, self.filters],
                                                initializer=self.pointwise_initializer or GlorotUniform(),
                                                regularizer=self.pointwise_regularizer)  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer or Zeros(),
                                        regularizer=self.bias_regularizer)  # fmt: skip
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """separable_conv2d, bias, activation."""
        from graphdl import nn

        assert self.depthwise_kernel is not None and self.pointwise_kernel is not None
        x = _as_float(inputs, self.depthwise_kernel.dtype)
        fmt = self._fmt
        out = nn.separable_conv2d(
            x, self.depthwise_kernel, self.pointwise_kernel, strides=_spatial_list(fmt, self.strides),
            padding=self.padding, rate=list(self.dilation_rate), data_format=fmt,
        )  # fmt: skip
        if self.bias is not None:
            out = _layer_bias_add(out, self.bias, fmt)
        if self.activation is not None:
            out = self.activation(out)
        return out


def separable_conv2d(inputs: Any, filters: int, kernel_size: int | Sequence[int],
                     strides: int | Sequence[int] = (1, 1), padding: str = "valid",
                     data_format: str = "channels_last", dilation_rate: int | Sequence[int] = (1, 1),
                     depth_multiplier: int = 1, activation: Callable[..., Any] | None = None,
                     use_bias: bool = True, depthwise_initializer: Any = None, pointwise_initializer: Any = None,
                     bias_initializer: Any = None, depthwise_regularizer: Any = None,
                     pointwise_regularizer: Any = None, bias_regularizer: Any = None,
                     activity_regularizer: Any = None, depthwise_constraint: Any = None,
                     pointwise_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
                     name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.separable_conv2d(inputs, filters, kernel_size, strides=(1, 1), padding='valid', ...)`."""
    layer = SeparableConv2D(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier,
                            activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
                            depthwise_regularizer=depthwise_regularizer,
                            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
                            trainable=trainable, name=name, _reuse=reuse)  # fmt: skip
    return layer(inputs)
