"""TF1 `tf.layers` pooling: max_pooling2d and average_pooling2d (NHWC)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphdl.layers._utils import _channels_last, _padding, _pair
from graphdl.layers.base import Layer
from graphdl.tensor import Tensor

__all__ = ["MaxPooling2D", "AveragePooling2D", "max_pooling2d", "average_pooling2d"]


class _Pooling2D(Layer):
    """Shared 2-D pooling over NHWC inputs."""

    _op = "max_pool"
    _op_name = "MaxPool"

    def __init__(self, pool_size: int | Sequence[int], strides: int | Sequence[int], padding: str = "valid",
                 data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, **kwargs)
        _channels_last(data_format)
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """The pooling op over windows pool_size, moved by strides."""
        from graphdl import nn

        fn = getattr(nn, self._op)
        return fn(inputs, ksize=[1, *self.pool_size, 1], strides=[1, *self.strides, 1], padding=self.padding,
                  name=self._op_name)  # fmt: skip


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
