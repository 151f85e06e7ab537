"""TF1 `tf.layers` in one dimension (text and signal CNNs): conv1d, max_pooling1d and
average_pooling1d, channels last ([batch, width, channels]) or first ([batch, channels, width])."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graphdl.errors import ShapeError
from graphdl.layers._utils import _as_float, _padding
from graphdl.layers.base import Layer
from graphdl.layers.convolutional import _layer_bias_add, _op_format
from graphdl.tensor import Tensor
from graphdl.variables import Variable

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


class Conv1D(Layer):
    """TF1 `tf.layers.Conv1D`: kernel [kernel_size, in_channels, filters], bias [filters]."""

    _base_name = "conv1d"

    def __init__(self, filters: int, kernel_size: int | Sequence[int], strides: int | Sequence[int] = 1,
                 padding: str = "valid", data_format: str = "channels_last",
                 dilation_rate: int | Sequence[int] = 1, activation: Callable[..., Any] | None = None,
                 use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt, self._fmt2 = _formats(data_format, self._base_name)
        self.filters = int(filters)
        self.kernel_size = _single(kernel_size, "kernel_size")
        self.strides = _single(strides, "strides")
        self.padding = _padding(padding)
        self.dilation_rate = _single(dilation_rate, "dilation_rate")
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """kernel [kernel_size, in_channels, filters] and bias [filters]."""
        from graphdl.initializers import GlorotUniform, Zeros

        dims = input_shape.as_list() if input_shape.rank is not None else None
        c = 2 if self._fmt == "NWC" else 1
        if dims is None or len(dims) != 3 or dims[c] is None:
            layout = "[batch, width, channels]" if self._fmt == "NWC" else "[batch, channels, width]"
            raise ShapeError(
                f"conv1d {self.name!r}: inputs must be {layout} with known channels, got {input_shape}"
            )
        self.kernel = self.add_weight("kernel", [self.kernel_size, int(dims[c]), self.filters],
                                      initializer=self.kernel_initializer or GlorotUniform(),
                                      regularizer=self.kernel_regularizer)  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer or Zeros(),
                                        regularizer=self.bias_regularizer)  # fmt: skip
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """conv1d, bias, activation."""
        from graphdl import nn

        assert self.kernel is not None
        x = _as_float(inputs, self.kernel.dtype)
        kw: dict[str, Any] = {}
        if self.dilation_rate != 1:
            kw["dilations"] = self.dilation_rate
        out = nn.conv1d(x, self.kernel, self.strides, self.padding, data_format=self._fmt, **kw)
        if self.bias is not None:
            out = _layer_bias_add(out, self.bias, self._fmt2)
        if self.activation is not None:
            out = self.activation(out)
        return out


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
