"""TF1 `tf.layers`: dense, conv2d, pooling, flatten, dropout and batch normalization, as functions and classes.

Variables are made with `get_variable` inside a variable scope named as TF1 names it: the first
`tf.layers.dense` of a graph owns `dense/kernel` and `dense/bias`, the next `dense_1/...`; a `name`
fixes the scope, and `reuse=True` (or a `variable_scope(..., reuse=True)`) shares its variables.
Ops go into the name scope opened with the variable scope (`dense/MatMul`, `dense/BiasAdd`, ...).
`training` may be a Python bool or a boolean tensor; a tensor switches dropout and batch
normalization between their training and inference forms arithmetically, without control flow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import float32
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import GraphKeys, get_default_graph
from graphdl.tensor import Tensor
from graphdl.variable_scope import VariableScope, get_variable, variable_scope
from graphdl.variables import Variable

__all__ = [
    "Layer",
    "Dense",
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Flatten",
    "Dropout",
    "BatchNormalization",
    "dense",
    "conv2d",
    "max_pooling2d",
    "average_pooling2d",
    "flatten",
    "dropout",
    "batch_normalization",
]


# --- helpers ------------------------------------------------------------------------------------------


def _pair(value: int | Sequence[int], what: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair (TF1's `conv_utils.normalize_tuple`)."""
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    vals = tuple(int(v) for v in value)
    if len(vals) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return vals  # type: ignore[return-value]


def _padding(padding: str) -> str:
    """'valid' / 'same' (any case) as the op's 'VALID' / 'SAME'."""
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return p


def _channels_last(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError(f"only data_format='channels_last' (NHWC) is supported, got {data_format!r}")


def _bias_add(x: Tensor, b: Any) -> Tensor:
    """`tf.nn.bias_add` where the nn ops provide it, else a broadcasting add named BiasAdd."""
    from graphdl import nn

    fn = getattr(nn, "bias_add", None)
    if fn is not None:
        return fn(x, b, name="BiasAdd")
    from graphdl.ops.math import add

    return add(x, b, name="BiasAdd")


def _as_float(t: Any, dtype: Any) -> Tensor:
    from graphdl.ops.math import cast

    t = convert_to_tensor(t)
    return t if t.dtype == dtype else cast(t, dtype)


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor | Variable) or hasattr(x, "_as_tensor")


def _identity(x: Tensor) -> Tensor:
    from graphdl.ops import array

    fn = getattr(array, "identity", None)
    return fn(x) if fn is not None else x


# --- the base class -----------------------------------------------------------------------------------


class Layer:
    """TF1 `tf.layers.Layer`: owns a variable scope, made on the first call and reused by later calls."""

    _base_name = "layer"

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 _reuse: Any = None, **kwargs: Any) -> None:  # fmt: skip
        self.trainable = trainable
        self._name = name
        self._reuse = _reuse
        self._dtype = dtype
        self._scope: VariableScope | None = None
        self._name_scope: str | None = None
        self._variables: list[Variable] = []
        self._trainable_ids: set[int] = set()
        self.built = False
        self.updates: list[Any] = []

    # --- identity
    @property
    def name(self) -> str:
        if self._scope is not None:
            return self._scope.name.split("/")[-1]
        return self._name or self._base_name

    @property
    def scope_name(self) -> str:
        """The full name of the layer's variable scope (after the first call)."""
        if self._scope is None:
            raise GraphError(f"layer {self.name!r} has not been called yet")
        return self._scope.name

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self) -> list[Variable]:
        return [v for v in self._variables if id(v) in self._trainable_ids] if self.trainable else []

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list[Variable]:
        ids = {id(v) for v in self.trainable_variables}
        return [v for v in self._variables if id(v) not in ids]

    non_trainable_weights = non_trainable_variables

    def count_params(self) -> int:
        """The number of scalars in the layer's variables."""
        return int(sum(int(np.prod(v.shape.as_list())) for v in self._variables))  # type: ignore[misc,arg-type]

    # --- building
    def add_weight(self, name: str, shape: Sequence[int], dtype: Any = None, initializer: Any = None,
                   regularizer: Any = None, trainable: bool = True) -> Variable:  # fmt: skip
        """A variable `<scope>/<name>` made (or reused) with get_variable, tracked by the layer."""
        trainable = trainable and self.trainable
        var = get_variable(name, shape=list(shape), dtype=dtype or self._dtype or float32, initializer=initializer,
                           regularizer=regularizer, trainable=trainable)  # fmt: skip
        if all(v is not var for v in self._variables):
            self._variables.append(var)
            if trainable:
                self._trainable_ids.add(id(var))
        return var

    def build(self, input_shape: Any) -> None:
        """Make the layer's variables for inputs of this static shape."""
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """The layer's computation (inside its variable and name scope)."""
        raise NotImplementedError

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Tensor:
        """Build on the first call (in a new or the named variable scope), then compute."""
        graph = get_default_graph()
        inputs = convert_to_tensor(inputs)
        if self._scope is None:
            if self._reuse:
                cm = variable_scope(self._name or self._base_name, reuse=self._reuse)
            else:
                cm = variable_scope(self._name, default_name=self._base_name)
            with cm as scope:
                self._scope = scope
                self._name_scope = graph.get_name_scope()
                if self._dtype is None:
                    self._dtype = inputs.dtype if inputs.dtype.is_floating else float32
                if not self.built:
                    self.build(inputs.shape)
                    self.built = True
                return self.call(inputs, *args, **kwargs)
        with variable_scope(self._scope, reuse=True, auxiliary_name_scope=False), \
                graph.name_scope(self._name_scope + "/" if self._name_scope else None):  # fmt: skip
            return self.call(inputs, *args, **kwargs)

    def apply(self, inputs: Any, *args: Any, **kwargs: Any) -> Tensor:
        """TF1's alias of `__call__`."""
        return self(inputs, *args, **kwargs)


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


# --- conv2d -------------------------------------------------------------------------------------------


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


# --- pooling ------------------------------------------------------------------------------------------


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


# --- flatten ------------------------------------------------------------------------------------------


class Flatten(Layer):
    """TF1 `tf.layers.Flatten`: [batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    _base_name = "flatten"

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        """Reshape to [-1, product of the static non-batch dimensions]."""
        from graphdl.ops import array

        dims = inputs.shape.as_list() if inputs.shape.rank is not None else None
        if dims is None or any(d is None for d in dims[1:]):
            raise ShapeError(
                f"flatten {self.name!r}: all dimensions but the first must be known, got {inputs.shape}"
            )
        n = int(np.prod(dims[1:])) if len(dims) > 1 else 1  # type: ignore[arg-type]
        return array.reshape(inputs, [-1, n], name="Reshape")


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    """TF1 `tf.layers.flatten(inputs)`."""
    return Flatten(name=name)(inputs)


# --- dropout ------------------------------------------------------------------------------------------


def _training_factor(training: Any, dtype: Any) -> Tensor:
    """A boolean `training` tensor as 1.0 / 0.0 of `dtype` (for arithmetic switching)."""
    from graphdl.ops.math import cast

    return cast(convert_to_tensor(training), dtype, name="training_factor")


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


# --- batch normalization ------------------------------------------------------------------------------


class BatchNormalization(Layer):
    """TF1 `tf.layers.BatchNormalization`: moving statistics are non-trainable variables updated by
    ops collected in `tf.GraphKeys.UPDATE_OPS` (run them with the train op, as in TF1)."""

    _base_name = "batch_normalization"

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = None, gamma_initializer: Any = None,
                 moving_mean_initializer: Any = None, moving_variance_initializer: Any = None,
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(trainable=trainable, name=name, **kwargs)
        if not isinstance(axis, int):
            raise ValueError(f"batch_normalization supports one int axis, got {axis!r}")
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.gamma: Variable | None = None
        self.beta: Variable | None = None
        self.moving_mean: Variable | None = None
        self.moving_variance: Variable | None = None

    def build(self, input_shape: Any) -> None:
        """gamma, beta (trainable) and moving_mean, moving_variance (not trainable), each [channels]."""
        from graphdl.initializers import Ones, Zeros

        rank = input_shape.rank
        if rank is None:
            raise ShapeError(f"batch_normalization {self.name!r}: the rank of the inputs must be known")
        axis = self.axis % rank
        c = input_shape.as_list()[axis]
        if c is None:
            raise ShapeError(
                f"batch_normalization {self.name!r}: dimension {axis} of {input_shape} must be known"
            )
        self._axis = axis
        self._rank = rank
        if self.scale:
            self.gamma = self.add_weight("gamma", [c], initializer=self.gamma_initializer or Ones(),
                                         regularizer=self.gamma_regularizer)  # fmt: skip
        if self.center:
            self.beta = self.add_weight("beta", [c], initializer=self.beta_initializer or Zeros(),
                                        regularizer=self.beta_regularizer)  # fmt: skip
        self.moving_mean = self.add_weight("moving_mean", [c], initializer=self.moving_mean_initializer or Zeros(),
                                           trainable=False)  # fmt: skip
        self.moving_variance = self.add_weight("moving_variance", [c],
                                               initializer=self.moving_variance_initializer or Ones(),
                                               trainable=False)  # fmt: skip
        self.built = True

    def _broadcastable(self, v: Any) -> Any:
        """A [channels] tensor shaped to broadcast against the inputs."""
        if self._axis == self._rank - 1:
            return v
        from graphdl.ops.array import reshape

        shape = [1] * self._rank
        shape[self._axis] = -1
        return reshape(v, shape)

    def call(self, inputs: Tensor, training: Any = False) -> Tensor:  # type: ignore[override]
        """Normalize by batch statistics (training) or the moving ones; collect the moving-average updates."""
        from graphdl.ops.math import add, multiply, subtract
        from graphdl.ops.reduce import reduce_mean
        from graphdl.ops.unary import rsqrt, square

        assert self.moving_mean is not None and self.moving_variance is not None
        x = inputs
        dt = x.dtype
        red = [i for i in range(self._rank) if i != self._axis]
        is_tensor = _is_tensor(training)
        if not is_tensor and not training:
            mean, var = self.moving_mean.value(), self.moving_variance.value()
        else:
            with get_default_graph().name_scope("moments"):
                b_mean = reduce_mean(x, red, name="mean")
                centered = subtract(x, self._broadcastable(b_mean), name="centered")
                b_var = reduce_mean(square(centered), red, name="variance")
            if is_tensor:
                t = _training_factor(training, dt)
                mm, mv = self.moving_mean.value(), self.moving_variance.value()
                mean = add(mm, multiply(t, subtract(b_mean, mm)), name="mean")
                var = add(mv, multiply(t, subtract(b_var, mv)), name="variance")
                decay = multiply(t, convert_to_tensor(1.0 - self.momentum, dtype=dt), name="decay")
            else:
                mean, var = b_mean, b_var
                decay = convert_to_tensor(1.0 - self.momentum, dtype=dt, name="decay")
            graph = get_default_graph()
            ups = []
            for v, stat, nm in ((self.moving_mean, b_mean, "AssignMovingAvg"),
                                (self.moving_variance, b_var, "AssignMovingAvg_1")):  # fmt: skip
                with graph.name_scope(nm):
                    delta = multiply(subtract(v.value(), stat, name="sub"), decay, name="mul")
                    ups.append(v.assign_sub(delta, name=nm))
            for u in ups:
                graph.add_to_collection(GraphKeys.UPDATE_OPS, u.op if hasattr(u, "op") else u)
            self.updates.extend(ups)
        inv = rsqrt(add(var, convert_to_tensor(self.epsilon, dtype=dt), name="add"), name="Rsqrt")
        if self.gamma is not None:
            inv = multiply(inv, self.gamma, name="mul")
        shift = multiply(mean, inv, name="mul_1")
        if self.beta is not None:
            shift = subtract(self.beta, shift, name="sub")
        else:
            shift = multiply(shift, convert_to_tensor(-1.0, dtype=dt), name="neg")
        out = multiply(x, self._broadcastable(inv), name="mul_2")
        return add(out, self._broadcastable(shift), name="batchnorm")


def batch_normalization(inputs: Any, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                        center: bool = True, scale: bool = True, beta_initializer: Any = None,
                        gamma_initializer: Any = None, moving_mean_initializer: Any = None,
                        moving_variance_initializer: Any = None, beta_regularizer: Any = None,
                        gamma_regularizer: Any = None, training: Any = False, trainable: bool = True,
                        name: str | None = None, reuse: Any = None, **kwargs: Any) -> Tensor:  # fmt: skip
    """TF1 `tf.layers.batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, training=False)`."""
    layer = BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                               beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                               moving_mean_initializer=moving_mean_initializer,
                               moving_variance_initializer=moving_variance_initializer,
                               beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                               trainable=trainable, name=name, _reuse=reuse)  # fmt: skip
    return layer(inputs, training=training)
