"""TF1 `tf.layers` normalization: batch_normalization, with moving statistics updated through UPDATE_OPS."""

from __future__ import annotations

from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import ShapeError
from graphdl.graph import GraphKeys, get_default_graph
from graphdl.layers._utils import _is_tensor, _training_factor
from graphdl.layers.base import Layer
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = ["BatchNormalization", "batch_normalization"]


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
