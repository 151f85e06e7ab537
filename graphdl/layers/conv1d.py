"""TF1 `tf.layers` in one dimension (text and signal CNNs): conv1d, max_pooling1d and
average_pooling1d, channels last ([batch, width, channels]) or first ([batch, channels, width])."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graphdl.layers._utils import _padding
from graphdl.layers.base import Layer
from graphdl.layers.convolutional import _Conv, _op_format
from graphdl.tensor import Tensor

__all__ = [
    "AveragePooling1D",
    "Conv1D",
    "MaxPooling1D",
    "average_pooling1d",
    "conv1d",
    "max_pooling1d",
]


def _single(value: int | Sequence[int], what: str) -> int:
    """An int or a one-element sequence as an int (TF1's `normalize_tuple(value, 1, what)`)."""
    if isinstance(value, int | np.integer):
        return int(value)
    vals = [int(v) for v in value]
    if len(vals) != 1:
        raise ValueError(f"{what} must be an int or a sequence of one int, got {value!r}")
    return vals[0]


def _formats(data_format: str, layer: str) -> tuple[str, str]:
    """The 1-D op format ('NWC' / 'NCW') and the matching 2-D one for bias_add."""
    fmt2 = _op_format(data_format, layer)
    return ("NWC" if fmt2 == "NHWC" else "NCW"), fmt2


class Conv1D(_Conv):
    """TF1 `tf.layers.Conv1D`: kernel [kernel_size, in_channels, filters], bias [filters]."""

    _base_name = "conv1d"
    _rank = 1
    _layouts = ("[batch, width, channels]", "[batch, channels, width]")

    def _convolve(self, x: Tensor) -> Tensor:
        from graphdl import nn

        kw: dict[str, Any] = {}
        if self.dilation_rate != (1,):
            kw["dilations"] = self.dilation_rate[0]
        fmt = "NWC" if self._fmt2 == "NHWC" else "NCW"
        return nn.conv1d(x, self.kernel, self.strides[0], self.padding, data_format=fmt, **kw)


def conv1d(inputs: Any, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = 1,
           padding: str = "valid", data_format: str = "channels_last", dilation_rate: int | Sequence[int] = 1,
           activation: Callable[..., Any] | None = None, use_bias: bool = True, kernel_initializer: Any = None,
           bias_initializer: Any = None, kernel_regularizer: Any = None, bias_regularizer: Any = None,
           activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
           trainable: bool = True, name: str | None = None, reuse: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.conv1d(inputs, filters, kernel_size, strides=1, padding='valid', ...)`."""
    layer = Conv1D(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                   kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                   kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                   trainable=trainable, name=name, _reuse=reuse)  # fmt: skip
    return layer(inputs)


class _Pooling1D(Layer):
    """Shared 1-D pooling over [batch, width, channels] or [batch, channels, width] inputs."""

    _op = "max_pool1d"

    def __init__(self, pool_size: int | Sequence[int], strides: int | Sequence[int], padding: str = "valid",
                 data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt, _ = _formats(data_format, self._base_name)
        self.pool_size = _single(pool_size, "pool_size")
        self.strides = _single(strides, "strides")
        self.padding = _padding(padding)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """The pooling op over windows of pool_size, moved by strides."""
        from graphdl import nn

        return getattr(nn, self._op)(
            inputs, self.pool_size, self.strides, self.padding, data_format=self._fmt
        )


class MaxPooling1D(_Pooling1D):
    """TF1 `tf.layers.MaxPooling1D`."""

    _base_name = "max_pooling1d"


class AveragePooling1D(_Pooling1D):
    """TF1 `tf.layers.AveragePooling1D`."""

    _base_name = "average_pooling1d"
    _op = "avg_pool1d"


def max_pooling1d(inputs: Any, pool_size: int | Sequence[int], strides: int | Sequence[int],
                  padding: str = "valid", data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.max_pooling1d(inputs, pool_size, strides, padding='valid')`."""
    return MaxPooling1D(pool_size, strides, padding=padding, data_format=data_format, name=name)(inputs)


def average_pooling1d(inputs: Any, pool_size: int | Sequence[int], strides: int | Sequence[int],
                      padding: str = "valid", data_format: str = "channels_last",
                      name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.average_pooling1d(inputs, pool_size, strides, padding='valid')`."""
    return AveragePooling1D(pool_size, strides, padding=padding, data_format=data_format, name=name)(inputs)
