"""TF1's optimizers, each applying its update op of graphdl/ops/train_ops.py (TF1's training_ops).

As in TF1, Python-number hyperparameters become float32 constants (`<name>/learning_rate`, ...) that
are cast to each variable's dtype, and Adam's beta powers are float32 variables.
"""

from __future__ import annotations

from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.errors import GraphError
from graphdl.graph import Node
from graphdl.ops import train_ops
from graphdl.tensor import Tensor
from graphdl.train.optimizer import Optimizer, cast_to
from graphdl.variables import Variable

__all__ = [
    "GradientDescentOptimizer",
    "MomentumOptimizer",
    "AdamOptimizer",
    "RMSPropOptimizer",
    "AdagradOptimizer",
]


def _hyper(value: Any, name: str) -> Tensor:
    """A hyperparameter as a tensor (a callable is called first, as TF1 does)."""
    if callable(value) and not isinstance(value, Tensor):
        value = value()
    return convert_to_tensor(value, name=name)


class GradientDescentOptimizer(Optimizer):
    """TF1 `tf.train.GradientDescentOptimizer`: var -= learning_rate * grad."""

    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        return train_ops.apply_gradient_descent(var, cast_to(self._lr_t, var), grad)


class MomentumOptimizer(Optimizer):
    """TF1 `tf.train.MomentumOptimizer`: accum = accum * momentum + grad; var -= lr * accum (or Nesterov)."""

    def __init__(
        self,
        learning_rate: Any,
        momentum: Any,
        use_locking: bool = False,
        name: str = "Momentum",
        use_nesterov: bool = False,
    ) -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._zeros_slot(v, "momentum")

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._learning_rate, "learning_rate")
        self._momentum_t = _hyper(self._momentum, "momentum")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        accum = self.get_slot(var, "momentum")
        return train_ops.apply_momentum(
            var, accum, cast_to(self._lr_t, var), grad, cast_to(self._momentum_t, var),
            use_nesterov=self._use_nesterov,
        )  # fmt: skip


class AdamOptimizer(Optimizer):
    """TF1 `tf.train.AdamOptimizer` (Kingma & Ba), with TF1's epsilon-hat form of the update.

    lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m, v are moving moments of the gradient;
    var -= lr_t * m / (sqrt(v) + epsilon). beta1^t and beta2^t are the non-trainable variables
    `beta1_power` and `beta2_power`, multiplied by beta1, beta2 after each step.
    """

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta1: Any = 0.9,
        beta2: Any = 0.999,
        epsilon: Any = 1e-8,
        use_locking: bool = False,
        name: str = "Adam",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _get_beta_accumulators(self, graph: Any = None) -> tuple[Variable, Variable]:
        """(beta1_power, beta2_power) of the graph."""
        from graphdl.graph import get_default_graph

        graph = graph or get_default_graph()
        return self._non_slots[("beta1_power", graph)], self._non_slots[("beta2_power", graph)]

    def _create_slots(self, var_list: list[Variable]) -> None:
        first = min(var_list, key=lambda v: v.name)
        self._non_slot_variable(self._beta1, "beta1_power", first.graph)
        self._non_slot_variable(self._beta2, "beta2_power", first.graph)
        for v in var_list:
            self._zeros_slot(v, "m")
            self._zeros_slot(v, "v")

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "learning_rate")
        self._beta1_t = _hyper(self._beta1, "beta1")
        self._beta2_t = _hyper(self._beta2, "beta2")
        self._epsilon_t = _hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        b1p, b2p = self._get_beta_accumulators(var.graph)
        return train_ops.apply_adam(
            var, self.get_slot(var, "m"), self.get_slot(var, "v"),
            cast_to(b1p.value(), var), cast_to(b2p.value(), var), cast_to(self._lr_t, var),
            cast_to(self._beta1_t, var), cast_to(self._beta2_t, var), cast_to(self._epsilon_t, var), grad,
        )  # fmt: skip

    def _finish(self, update_ops: list[Any], name_scope: str) -> Node:
        """Multiply the beta powers by beta1, beta2 (they read their start-of-run values, as TF1's
        control dependencies make them read the values the updates used)."""
        from graphdl.graph import get_default_graph
        from graphdl.ops.state import group

        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            b1p, b2p = self._get_beta_accumulators(graph)
            update_beta1 = b1p.assign(b1p * self._beta1_t)
            update_beta2 = b2p.assign(b2p * self._beta2_t)
        return group(*update_ops, update_beta1, update_beta2, name=name_scope)


class RMSPropOptimizer(Optimizer):
    """TF1 `tf.train.RMSPropOptimizer`: ms starts at ONES; mom = mom * momentum + lr * g / sqrt(ms + eps)."""

    def __init__(
        self,
        learning_rate: Any,
        decay: Any = 0.9,
        momentum: Any = 0.0,
        epsilon: Any = 1e-10,
        use_locking: bool = False,
        centered: bool = False,
        name: str = "RMSProp",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._decay, self._momentum, self._epsilon = learning_rate, decay, momentum, epsilon
        self._centered = centered

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._make_slot(v, "rms", 1.0, "ones")
            if self._centered:
                self._zeros_slot(v, "mg")
            self._zeros_slot(v, "momentum")

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "learning_rate")
        self._decay_t = _hyper(self._decay, "decay")
        self._momentum_t = _hyper(self._momentum, "momentum")
        self._epsilon_t = _hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, rho, mu, eps = (
            cast_to(t, var) for t in (self._lr_t, self._decay_t, self._momentum_t, self._epsilon_t)
        )
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            mg = self.get_slot(var, "mg")
            return train_ops.apply_centered_rms_prop(var, mg, rms, mom, lr, rho, mu, eps, grad)
        return train_ops.apply_rms_prop(var, rms, mom, lr, rho, mu, eps, grad)


class AdagradOptimizer(Optimizer):
    """TF1 `tf.train.AdagradOptimizer`: accum += grad^2; var -= lr * grad / sqrt(accum)."""

    def __init__(
        self,
        learning_rate: Any,
        initial_accumulator_value: float = 0.1,
        use_locking: bool = False,
        name: str = "Adagrad",
    ) -> None:
        if initial_accumulator_value <= 0.0:
            raise GraphError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._make_slot(v, "accumulator", self._initial_accumulator_value, "Const")

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "learning_rate")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        acc = self.get_slot(var, "accumulator")
        return train_ops.apply_adagrad(var, acc, cast_to(self._lr_t, var), grad)
