"""TF1 `tf.layers` in three dimensions (video and volumes): conv3d, max_pooling3d and average_pooling3d,
channels last ([batch, depth, height, width, channels]) or first ([batch, channels, depth, height, width]:
transposed to the NDHWC ops and back, so both run on every backend)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graphdl.layers._utils import _ntuple, _padding
from graphdl.layers.base import Layer
from graphdl.layers.convolutional import _Conv, _op_format
from graphdl.tensor import Tensor

__all__ = [
    "AveragePooling3D",
    "Conv3D",
    "MaxPooling3D",
    "average_pooling3d",
    "conv3d",
    "max_pooling3d",
]


def _channels_last(fn: Callable[[Tensor], Tensor], x: Tensor, fmt2: str) -> Tensor:
    """fn (an NDHWC op) applied to x; channels-first inputs are transposed to it and back."""
    from graphdl.ops.array import transpose

    if fmt2 == "NHWC":
        return fn(x)
    return transpose(fn(transpose(x, [0, 2, 3, 4, 1])), [0, 4, 1, 2, 3])


class Conv3D(_Conv):
    """TF1 `tf.layers.Conv3D`: kernel [kd, kh, kw, in_channels, filters], bias [filters]."""

    _base_name = "conv3d"
    _rank = 3
    _layouts = ("[batch, depth, height, width, channels]", "[batch, channels, depth, height, width]")

    def _convolve(self, x: Tensor) -> Tensor:
        from graphdl import nn

        kw: dict[str, Any] = {}
        if self.dilation_rate != (1, 1, 1):
            kw["dilations"] = [1, *self.dilation_rate, 1]
        strides = [1, *self.strides, 1]
        return _channels_last(
            lambda t: nn.conv3d(t, self.kernel, strides=strides, padding=self.padding, name="Conv3D", **kw),
            x,
            self._fmt2,
        )


def conv3d(inputs: Any, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = (1, 1, 1),
           padding: str = "valid", data_format: str = "channels_last",
           dilation_rate: int | Sequence[int] = (1, 1, 1), activation: Callable[..., Any] | None = None,
           use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
           kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
           kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.conv3d(inputs, filters, kernel_size, strides=(1, 1, 1), padding='valid', ...)`."""
    layer = Conv3D(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                   kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                   kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                   trainable=trainable, name=name, _reuse=reuse)  # fmt: skip
    return layer(inputs)


class _Pooling3D(Layer):
    """Shared 3-D pooling, channels last or first."""

    _op = "max_pool3d"
    _op_name = "MaxPool3D"

    def __init__(self, pool_size: int | Sequence[int], strides: int | Sequence[int], padding: str = "valid",
                 data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt2 = _op_format(data_format, self._base_name)
        self.pool_size = _ntuple(pool_size, 3, "pool_size")
        self.strides = _ntuple(strides, 3, "strides")
        self.padding = _padding(padding)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """The pooling op over windows pool_size, moved by strides."""
        from graphdl import nn

        pool = getattr(nn, self._op)
        ksize, strides = [1, *self.pool_size, 1], [1, *self.strides, 1]
        return _channels_last(
            lambda t: pool(t, ksize=ksize, strides=strides, padding=self.padding, name=self._op_name),
            inputs,
            self._fmt2,
        )


class MaxPooling3D(_Pooling3D):
    """TF1 `tf.layers.MaxPooling3D`."""

    _base_name = "max_pooling3d"


class AveragePooling3D(_Pooling3D):
    """TF1 `tf.layers.AveragePooling3D`."""

    _base_name = "average_pooling3d"
    _op = "avg_pool3d"
    _op_name = "AvgPool3D"


def max_pooling3d(inputs: Any, pool_size: int | Sequence[int], strides: int | Sequence[int],
                  padding: str = "valid", data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.max_pooling3d(inputs, pool_size, strides, padding='valid')`."""
    return MaxPooling3D(pool_size, strides, padding=padding, data_format=data_format, name=name)(inputs)


def average_pooling3d(inputs: Any, pool_size: int | Sequence[int], strides: int | Sequence[int],
                      padding: str = "valid", data_format: str = "channels_last",
                      name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.average_pooling3d(inputs, pool_size, strides, padding='valid')`."""
    return AveragePooling3D(pool_size, strides, padding=padding, data_format=data_format, name=name)(inputs)
