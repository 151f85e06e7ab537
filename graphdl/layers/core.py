"""TF1 `tf.layers` core layers: dense, flatten and dropout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from graphdl.errors import ShapeError
from graphdl.layers._utils import _as_float, _bias_add, _identity, _is_tensor, _training_factor
from graphdl.layers.base import Layer
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["Dense", "Flatten", "Dropout", "dense", "flatten", "dropout"]


# --- dense --------------------------------------------------------------------------------------------


class Dense(Layer):
    """TF1 `tf.layers.Dense`: `activation(inputs @ kernel + bias)`; kernel is Glorot uniform by default."""

    _base_name = "dense"

    def __init__(self, units: int, activation: Callable[..., Any] | None = None, use_bias: bool = True,
                 kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel: Variable | None = None
        self.bias: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """kernel [in, units] and bias [units]."""
        from graphdl.initializers import GlorotUniform, Zeros

        dims = input_shape.as_list() if input_shape.rank is not None else None
        if not dims or dims[-1] is None:
            raise ShapeError(
                f"dense {self.name!r}: the last dimension of the inputs must be known, got {input_shape}"
            )
        self.kernel = self.add_weight("kernel", [dims[-1], self.units],
                                      initializer=self.kernel_initializer or GlorotUniform(),
                                      regularizer=self.kernel_regularizer)  # fmt: skip
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.units], initializer=self.bias_initializer or Zeros(),
                                        regularizer=self.bias_regularizer)  # fmt: skip
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """matmul (tensordot over the last axis for rank > 2), bias, activation."""
        from graphdl.ops.linalg import matmul, tensordot

        assert self.kernel is not None
        x = _as_float(inputs, self.kernel.dtype)
        rank = x.shape.rank
        if rank is not None and rank > 2:
            out = tensordot(x, self.kernel, [[rank - 1], [0]], name="Tensordot")
        else:
            out = matmul(x, self.kernel, name="MatMul")
        if self.bias is not None:
            out = _bias_add(out, self.bias)
        if self.activation is not None:
            out = self.activation(out)
        return out


def dense(inputs: Any, units: int, activation: Callable[..., Any] | None = None, use_bias: bool = True,
          kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
          bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
          bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
          reuse: Any = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.dense(inputs, units, activation=None, use_bias=True, ..., name=None, reuse=None)`."""
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer, trainable=trainable, name=name, _reuse=reuse)  # fmt: skip
    return layer(inputs)


# --- flatten ------------------------------------------------------------------------------------------


class Flatten(Layer):
    """TF1 `tf.layers.Flatten`: [batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    _base_name = "flatten"

    def __init__(self, data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        if data_format not in ("channels_last", "channels_first"):
            raise ShapeError(
                f"flatten: data_format must be 'channels_last' or 'channels_first', got {data_format!r}"
            )
        self.data_format = data_format

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """Reshape to [-1, product of the static non-batch dimensions]; channels_first inputs are
        first moved to channels last, as TF1 does, so both layouts flatten in the same order."""
        from graphdl.ops import array

        dims = inputs.shape.as_list() if inputs.shape.rank is not None else None
        if dims is None or any(d is None for d in dims[1:]):
            raise ShapeError(
                f"flatten {self.name!r}: all dimensions but the first must be known, got {inputs.shape}"
            )
        if self.data_format == "channels_first" and len(dims) > 2:
            inputs = array.transpose(inputs, [0, *range(2, len(dims)), 1])
        n = int(np.prod(dims[1:])) if len(dims) > 1 else 1  # type: ignore[arg-type]
        return array.reshape(inputs, [-1, n], name="Reshape")


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    """TF1 `tf.layers.flatten(inputs, name=None, data_format='channels_last')`."""
    return Flatten(data_format=data_format, name=name)(inputs)


# --- dropout ------------------------------------------------------------------------------------------


class Dropout(Layer):
    """TF1 `tf.layers.Dropout`: in training, zero each element with probability `rate`, scale by 1/(1-rate)."""

    _base_name = "dropout"

    def __init__(self, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def _mask(self, x: Tensor) -> Tensor:
        """0 or 1/(1-rate) for each element of x (a constant as far as gradients go)."""
        from graphdl import nn
        from graphdl.ops.array import ones_like, stop_gradient

        ones = ones_like(x)
        return stop_gradient(nn.dropout(ones, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed))

    def call(self, inputs: Tensor, training: Any = False) -> Tensor:  # type: ignore[override]
        """Dropout when training (a bool or a boolean tensor), the inputs unchanged otherwise."""
        from graphdl.ops.math import add, multiply, subtract

        if not _is_tensor(training):
            if not training or (not _is_tensor(self.rate) and float(self.rate) == 0.0):
                return _identity(inputs)
            return multiply(inputs, self._mask(inputs), name="dropout")
        # mask = where(training, dropout mask, 1), written as arithmetic: 1 + t * (mask - 1)
        mask = self._mask(inputs)
        t = _training_factor(training, inputs.dtype)
        mask = add(1.0, multiply(t, subtract(mask, 1.0)), name="mask")
        return multiply(inputs, mask, name="dropout")


def dropout(inputs: Any, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None,
            training: Any = False, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False)`."""
    return Dropout(rate=rate, noise_shape=noise_shape, seed=seed, name=name)(inputs, training=training)
