"""TF1 `tf.layers` pooling: max_pooling2d and average_pooling2d, channels last (NHWC) or first (NCHW)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.layers._utils import _padding, _pair
from graphdl.layers.base import Layer
from graphdl.layers.convolutional import _op_format, _spatial_list
from graphdl.tensor import Tensor

__all__ = ["MaxPooling2D", "AveragePooling2D", "max_pooling2d", "average_pooling2d"]


class _Pooling2D(Layer):
    """Shared 2-D pooling over NHWC or NCHW inputs."""

    _op = "max_pool"
    _op_name = "MaxPool"

    def __init__(self, pool_size: int | Sequence[int], strides: int | Sequence[int], padding: str = "valid",
                 data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, **kwargs)
        self.data_format = str(data_format).lower()
        self._fmt = _op_format(data_format, self._base_name)
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """The pooling op over windows pool_size, moved by strides."""
        from graphdl import nn

        fn = getattr(nn, self._op)
        fmt = self._fmt
        return fn(inputs, ksize=_spatial_list(fmt, self.pool_size), strides=_spatial_list(fmt, self.strides),
                  padding=self.padding, data_format=fmt, name=self._op_name)  # fmt: skip


class MaxPooling2D(_Pooling2D):
    """TF1 `tf.layers.MaxPooling2D`."""

    _base_name = "max_pooling2d"


class AveragePooling2D(_Pooling2D):
    """TF1 `tf.layers.AveragePooling2D`."""

    _base_name = "average_pooling2d"
    _op = "avg_pool"
    _op_name = "AvgPool"


def max_pooling2d(inputs: Any, pool_size: int | Sequence[int], strides: int | Sequence[int],
                  padding: str = "valid", data_format: str = "channels_last", name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.max_pooling2d(inputs, pool_size, strides, padding='valid')`."""
    return MaxPooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name)(inputs)


def average_pooling2d(inputs: Any, pool_size: int | Sequence[int], strides: int | Sequence[int],
                      padding: str = "valid", data_format: str = "channels_last",
                      name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.average_pooling2d(inputs, pool_size, strides, padding='valid')`."""
    return AveragePooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name)(inputs)
