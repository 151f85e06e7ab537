"""TF1 `tf.layers` convolution: conv2d (NHWC)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl.errors import ShapeError
from graphdl.layers._utils import _as_float, _bias_add, _channels_last, _padding, _pair
from graphdl.layers.base import Layer
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["Conv2D", "conv2d"]


class Conv2D(Layer):
    """TF1 `tf.layers.Conv2D` (NHWC): kernel [kh, kw, in, filters], bias [filters]."""

    _base_name = "conv2d"

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1),
                 padding: str = "valid", data_format: str = "channels_last",
                 dilation_rate: int | Sequence[int] = (1, 1), activation: Callable[..., Any] | None = None,
                 use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        _channels_last(data_format)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """kernel [kh, kw, in_channels, filters] and bias [filters]."""
        from graphdl.initializers import GlorotUniform, Zeros

        dims = input_shape.as_list() if input_shape.rank is not None else None
        if dims is None or len(dims) != 4 or dims[-1] is None:
            raise ShapeError(
                f"conv2d {self.name!r}: inputs must be [batch, height, width, channels] with known channels, "
                f"got {input_shape}"
            )
        self.kernel = self.add_weight("kernel", [*self.kernel_size, dims[-1], self.filters],
                                      initializer=self.kernel_initializer or GlorotUniform(),
                                      regularizer=self.kernel_regularizer)  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer or Zeros(),
                                        regularizer=self.bias_regularizer)  # fmt: skip
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """conv2d, bias, activation."""
        from graphdl import nn

        assert self.kernel is not None
        x = _as_float(inputs, self.kernel.dtype)
        kw: dict[str, Any] = {}
        if self.dilation_rate != (1, 1):
            kw["dilations"] = [1, *self.dilation_rate, 1]
        out = nn.conv2d(
            x, self.kernel, strides=[1, *self.strides, 1], padding=self.padding, name="Conv2D", **kw
        )
        if self.bias is not None:
            out = _bias_add(out, self.bias)
        if self.activation is not None:
            out = self.activation(out)
        return out


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
