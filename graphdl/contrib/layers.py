"""TF1's `tf.contrib.layers`: xavier and variance-scaling initializers, l1/l2 regularizers, and the
`fully_connected`, `conv2d`, `max_pool2d`, `flatten` and `dropout` layers with contrib's variable
names (`fully_connected/weights`, `fully_connected/biases`, `Conv/weights`, ...)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import as_dtype, float32
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.initializers import Initializer, compute_fans, zeros_initializer
from graphdl.tensor import Tensor

__all__ = [
    "xavier_initializer",
    "xavier_initializer_conv2d",
    "variance_scaling_initializer",
    "l1_regularizer",
    "l2_regularizer",
    "sum_regularizer",
    "apply_regularization",
    "fully_connected",
    "conv2d",
    "max_pool2d",
    "flatten",
    "dropout",
    "batch_norm",
]


_ZEROS = zeros_initializer()  # contrib's default biases_initializer


class _ContribVarianceScaling(Initializer):
    """contrib's variance scaling: uniform in +-sqrt(3 f / n), or a truncated normal of stddev
    sqrt(1.3 f / n); n is fan_in, fan_out or their mean (contrib's own formula, not tf's)."""

    def __init__(self, factor: float, mode: str, uniform: bool, seed: int | None, dtype: Any) -> None:
        if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
            raise GraphError(
                f"variance_scaling_initializer: mode must be FAN_IN, FAN_OUT or FAN_AVG, not {mode!r}"
            )
        self.factor, self.mode, self.uniform, self.seed = float(factor), mode, bool(uniform), seed
        self.dtype = float32 if dtype is None else as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        from graphdl.ops.random import random_uniform, truncated_normal

        dims = [int(d) for d in shape]
        dt = self._float_dtype(dtype)
        fan_in, fan_out = compute_fans(dims)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[self.mode]
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return random_uniform(dims, -limit, limit, dt, seed=self.seed)
        return truncated_normal(dims, 0.0, math.sqrt(1.3 * self.factor / n), dt, seed=self.seed)

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode, "uniform": self.uniform, "seed": self.seed}


def variance_scaling_initializer(
    factor: float = 2.0,
    mode: str = "FAN_IN",
    uniform: bool = False,
    seed: int | None = None,
    dtype: Any = float32,
) -> Initializer:
    """contrib `variance_scaling_initializer` (He initialisation by default)."""
    return _ContribVarianceScaling(factor, mode, uniform, seed, dtype)


def xavier_initializer(uniform: bool = True, seed: int | None = None, dtype: Any = float32) -> Initializer:
    """contrib `xavier_initializer`: Glorot, i.e. variance scaling with factor 1 over the mean fan."""
    return _ContribVarianceScaling(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer


def _scaled_penalty(
    api: str, scale: float, scope: str | None, penalty: Callable[[Tensor], Tensor]
) -> Callable[[Any], Any]:
    """weights -> scale * penalty(weights) in name scope `scope or api`; contrib returns a function of
    None for a scale of 0."""
    if scale < 0:
        raise GraphError(f"{api}: the scale must be >= 0, got {scale}")
    if scale == 0:
        return lambda _: None

    def regularize(weights: Any) -> Tensor:
        from graphdl.ops.math import multiply

        with get_default_graph().name_scope(scope or api) as name:
            w = convert_to_tensor(weights)
            return multiply(convert_to_tensor(scale, dtype=w.dtype), penalty(w), name=name)

    return regularize


def l2_regularizer(scale: float, scope: str | None = None) -> Callable[[Any], Any]:
    """contrib `l2_regularizer`: weights -> scale * l2_loss(weights) (sum of squares / 2)."""
    from graphdl.ops.nn import l2_loss

    return _scaled_penalty("l2_regularizer", scale, scope, l2_loss)


def l1_regularizer(scale: float, scope: str | None = None) -> Callable[[Any], Any]:
    """contrib `l1_regularizer`: weights -> scale * sum(|weights|)."""
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.unary import abs as abs_

    return _scaled_penalty("l1_regularizer", scale, scope, lambda w: reduce_sum(abs_(w)))


def sum_regularizer(
    regularizer_list: Sequence[Callable[[Any], Any]], scope: str | None = None
) -> Callable[[Any], Any]:
    """contrib `sum_regularizer`: the sum of the given regularizers' penalties (None when all are None)."""

    def total(weights: Any) -> Any:
        from graphdl.ops.math import add_n

        parts = [p for p in (r(weights) for r in regularizer_list) if p is not None]
        if not parts:
            return None
        with get_default_graph().name_scope(scope or "sum_regularizer"):
            return add_n(parts)

    return total


def apply_regularization(
    regularizer: Callable[[Any], Any], weights_list: Sequence[Any] | None = None
) -> Tensor:
    """contrib `apply_regularization`: the sum of `regularizer(w)` over the weights, also added to the
    REGULARIZATION_LOSSES collection; the weights default to the 'weights' collection."""
    from graphdl.ops.math import add_n

    graph = get_default_graph()
    weights = list(weights_list) if weights_list is not None else graph.get_collection("weights")
    if not weights:
        raise GraphError("apply_regularization: no weights to regularize")
    with graph.name_scope("get_regularization_penalty"):
        penalties = [p for p in (regularizer(w) for w in weights) if p is not None]
        if not penalties:
            raise GraphError("apply_regularization: the regularizer returned no penalty")
        total = add_n(penalties)
    graph.add_to_collection("regularization_losses", total)
    return total


def _relu(x: Any) -> Tensor:
    from graphdl.ops.activations import relu

    return relu(x)


def fully_connected(
    inputs: Any,
    num_outputs: int,
    activation_fn: Callable[[Any], Any] | None = _relu,
    normalizer_fn: Callable[..., Any] | None = None,
    normalizer_params: dict[str, Any] | None = None,
    weights_initializer: Any = None,
    weights_regularizer: Any = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Any = None,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Tensor:
    """contrib `fully_connected`: activation(inputs @ weights + biases) over the last axis, with
    variables `<scope>/weights` and `<scope>/biases` (scope 'fully_connected', made unique)."""
    from graphdl.ops.linalg import matmul, tensordot
    from graphdl.variable_scope import variable_scope

    x = convert_to_tensor(inputs)
    depth = x.shape.dims[-1] if x.shape.dims else None
    if depth is None:
        raise get_default_graph().located_error(
            ShapeError,
            "fully_connected",
            f"the last dimension of the inputs must be known, got {x.shape.short()}",
        )
    with variable_scope(scope, default_name="fully_connected", values=[x], reuse=reuse):
        weights = _variable(
            "weights", [depth, num_outputs], x, weights_initializer or xavier_initializer(), weights_regularizer,
            trainable, variables_collections,
        )  # fmt: skip
        rank = len(x.shape.dims or ())
        out = matmul(x, weights) if rank == 2 else tensordot(x, weights, [[rank - 1], [0]])
        return _finish(
            out, x, num_outputs, normalizer_fn, normalizer_params, biases_initializer, biases_regularizer, trainable,
            variables_collections, activation_fn, outputs_collections,
        )  # fmt: skip


def _variable(
    name: str,
    shape: list[int],
    x: Tensor,
    initializer: Any,
    regularizer: Any,
    trainable: bool,
    collections: Any,
) -> Any:
    """One of a contrib layer's variables ('weights' or 'biases') in the current variable scope."""
    from graphdl.variable_scope import get_variable

    return get_variable(
        name, shape, dtype=x.dtype, initializer=initializer, regularizer=regularizer, trainable=trainable,
        collections=_collections(collections, name),
    )  # fmt: skip


def _finish(
    out: Tensor, x: Tensor, num_outputs: int, normalizer_fn: Any, normalizer_params: Any, biases_initializer: Any,
    biases_regularizer: Any, trainable: bool, variables_collections: Any, activation_fn: Any, outputs_collections: Any,
    data_format: str = "NHWC",
) -> Tensor:  # fmt: skip
    """contrib's tail of a layer: the normalizer, or else the biases; then the activation."""
    from graphdl.ops.nn import bias_add

    if normalizer_fn is not None:
        out = normalizer_fn(out, **(normalizer_params or {}))
    elif biases_initializer is not None:
        biases = _variable(
            "biases",
            [num_outputs],
            x,
            biases_initializer,
            biases_regularizer,
            trainable,
            variables_collections,
        )
        out = bias_add(out, biases, data_format=data_format)
    if activation_fn is not None:
        out = activation_fn(out)
    _add_outputs(outputs_collections, out)
    return out


def _collections(variables_collections: Any, key: str) -> list[str] | None:
    base = ["variables", "weights" if key == "weights" else "biases", "model_variables"]
    if variables_collections is None:
        return base
    extra = (
        variables_collections.get(key, [])
        if isinstance(variables_collections, dict)
        else variables_collections
    )
    return base + list(extra)


def _add_outputs(collections: Any, out: Tensor) -> None:
    for key in collections or ():
        get_default_graph().add_to_collection(key, out)


def conv2d(
    inputs: Any,
    num_outputs: int,
    kernel_size: Any,
    stride: Any = 1,
    padding: str = "SAME",
    data_format: Any = None,
    rate: int = 1,
    activation_fn: Callable[[Any], Any] | None = _relu,
    normalizer_fn: Callable[..., Any] | None = None,
    normalizer_params: dict[str, Any] | None = None,
    weights_initializer: Any = None,
    weights_regularizer: Any = None,
    biases_initializer: Any = _ZEROS,
    biases_regularizer: Any = None,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Any = None,
) -> Tensor:
    """contrib `conv2d` (NHWC, or NCHW with data_format): variables `<scope>/weights` [kh, kw, in, out]
    and `<scope>/biases`, scope 'Conv' made unique."""
    from graphdl.ops.conv import conv2d as nn_conv2d
    from graphdl.variable_scope import variable_scope

    if data_format not in (None, "NHWC", "NCHW"):
        raise GraphError(f"contrib.layers.conv2d: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    fmt = data_format or "NHWC"
    x = convert_to_tensor(inputs)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    sh, sw = (stride, stride) if isinstance(stride, int) else tuple(stride)
    depth = x.shape.dims[1 if fmt == "NCHW" else -1] if x.shape.dims else None
    if depth is None:
        raise get_default_graph().located_error(
            ShapeError,
            "contrib.layers.conv2d",
            f"the channels of the inputs must be known, got {x.shape.short()}",
        )
    with variable_scope(scope, default_name="Conv", values=[x], reuse=reuse):
        weights = _variable(
            "weights", [kh, kw, depth, num_outputs], x, weights_initializer or xavier_initializer(),
            weights_regularizer, trainable, variables_collections,
        )  # fmt: skip
        out = nn_conv2d(x, weights, [sh, sw], padding.upper(), data_format=fmt, dilations=[rate, rate])
        return _finish(
            out, x, num_outputs, normalizer_fn, normalizer_params, biases_initializer, biases_regularizer, trainable,
            variables_collections, activation_fn, outputs_collections, fmt,
        )  # fmt: skip


def max_pool2d(
    inputs: Any, kernel_size: Any, stride: Any = 2, padding: str = "VALID", data_format: str = "NHWC",
    outputs_collections: Any = None, scope: str | None = None,
) -> Tensor:  # fmt: skip
    """contrib `max_pool2d` (NHWC or NCHW), in name scope 'MaxPool2D'."""
    from graphdl.ops.pool import max_pool

    if data_format not in ("NHWC", "NCHW"):
        raise GraphError(
            f"contrib.layers.max_pool2d: data_format must be 'NHWC' or 'NCHW', got {data_format!r}"
        )
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    sh, sw = (stride, stride) if isinstance(stride, int) else tuple(stride)
    with get_default_graph().name_scope(scope or "MaxPool2D"):
        out = max_pool(inputs, [kh, kw], [sh, sw], padding.upper(), data_format=data_format)
    _add_outputs(outputs_collections, out)
    return out


def flatten(inputs: Any, outputs_collections: Any = None, scope: str | None = None) -> Tensor:
    """contrib `flatten`: [batch, ...] -> [batch, k], in name scope 'Flatten'."""
    from graphdl.ops.array import reshape

    x = convert_to_tensor(inputs)
    dims = x.shape.as_list() if x.shape.ndims is not None else None
    if dims is None or len(dims) < 2 or any(d is None for d in dims[1:]):
        raise get_default_graph().located_error(
            ShapeError,
            "contrib.layers.flatten",
            f"needs a known rank >= 2 and known inner sizes, got {x.shape.short()}",
        )
    with get_default_graph().name_scope(scope or "Flatten"):
        out = reshape(x, [-1, math.prod(int(d) for d in dims[1:] if d is not None)])
    _add_outputs(outputs_collections, out)
    return out


def dropout(
    inputs: Any, keep_prob: float = 0.5, noise_shape: Any = None, is_training: Any = True,
    outputs_collections: Any = None, scope: str | None = None, seed: int | None = None,
) -> Tensor:  # fmt: skip
    """contrib `dropout`: tf.nn.dropout while `is_training` (a bool or a bool tensor), else the inputs."""
    from graphdl.control_flow import cond
    from graphdl.ops.array import identity
    from graphdl.ops.nn_extra import dropout as nn_dropout

    with get_default_graph().name_scope(scope or "Dropout"):
        x = convert_to_tensor(inputs)
        if isinstance(is_training, bool):
            out = (
                nn_dropout(x, keep_prob=keep_prob, noise_shape=noise_shape, seed=seed)
                if is_training
                else identity(x)
            )
        else:
            out = cond(
                is_training,
                lambda: nn_dropout(x, keep_prob=keep_prob, noise_shape=noise_shape, seed=seed),
                lambda: x,
            )
    _add_outputs(outputs_collections, out)
    return out


from graphdl.contrib.batch_norm import batch_norm  # noqa: E402 - contrib's batch_norm lives in its own module
