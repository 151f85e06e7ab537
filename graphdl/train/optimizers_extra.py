"""TF1's remaining optimizers (Adadelta, Ftrl, ProximalGradientDescent, ProximalAdagrad) and their update ops.

Each update is a registered op (kind "update") following TF1's CPU kernel in training_ops.cc, written
once for `xp` = NumPy or jax.numpy, built with the helpers of graphdl/ops/train_ops.py. Kernel
branches on a scalar hyperparameter (`l1 > 0`, `lr_power == -0.5`) are `where`s so they trace in jax.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.errors import GraphError
from graphdl.ops.train_ops import Kernel, _apply, _infer, _rule
from graphdl.registry import register
from graphdl.tensor import Tensor
from graphdl.train.optimizer import Optimizer, cast_to
from graphdl.train.optimizers import _hyper
from graphdl.variables import Variable

__all__ = [
    "AdadeltaOptimizer",
    "FtrlOptimizer",
    "ProximalGradientDescentOptimizer",
    "ProximalAdagradOptimizer",
]


# --- kernels (training_ops.cc, CPU functors) ----------------------------------------------------
def _adadelta(
    xp: Any, attrs: Mapping[str, Any], var: Any, accum: Any, accum_update: Any, lr: Any, rho: Any,
    epsilon: Any, grad: Any,
) -> tuple[Any, ...]:  # fmt: skip
    one = xp.asarray(1, dtype=var.dtype)
    accum = accum * rho + grad * grad * (one - rho)
    update = xp.sqrt(accum_update + epsilon) * (one / xp.sqrt(accum + epsilon)) * grad
    var = var - update * lr
    accum_update = accum_update * rho + update * update * (one - rho)
    return var, accum, accum_update


def _shrink(xp: Any, prox: Any, shrink: Any, l1: Any, denom: Any) -> Any:
    """Fobos' proximal step: sign(v) * max(|v| - shrink, 0) / denom if l1 > 0, else v / denom."""
    zero = xp.asarray(0, dtype=prox.dtype)
    return xp.where(l1 > 0, xp.sign(prox) * xp.maximum(xp.abs(prox) - shrink, zero) / denom, prox / denom)


def _proximal_gd(
    xp: Any, attrs: Mapping[str, Any], var: Any, lr: Any, l1: Any, l2: Any, grad: Any
) -> tuple[Any, ...]:
    one = xp.asarray(1, dtype=var.dtype)
    prox = var - grad * lr
    return (_shrink(xp, prox, lr * l1, l1, one + l2 * lr),)


def _proximal_adagrad(
    xp: Any, attrs: Mapping[str, Any], var: Any, accum: Any, lr: Any, l1: Any, l2: Any, grad: Any
) -> tuple[Any, ...]:
    one = xp.asarray(1, dtype=var.dtype)
    accum = accum + grad * grad
    rate = lr * (one / xp.sqrt(accum))
    prox = var - grad * rate
    return _shrink(xp, prox, rate * l1, l1, one + l2 * rate), accum


def _ftrl_step(
    xp: Any, var: Any, accum: Any, linear: Any, grad: Any, grad_shrunk: Any, lr: Any, l1: Any, l2: Any,
    lr_power: Any,
) -> tuple[Any, ...]:  # fmt: skip
    with np.errstate(all="ignore"):  # both sides of the where are computed, as in a traced kernel
        two = xp.asarray(2, dtype=var.dtype)
        zero = xp.asarray(0, dtype=var.dtype)
        half = lr_power == xp.asarray(-0.5, dtype=var.dtype)

        def power(x: Any) -> Any:  # x^(-lr_power), with TF1's sqrt special case
            return xp.where(half, xp.sqrt(x), x ** (-lr_power))

        new_accum = accum + grad * grad
        linear = linear + (grad_shrunk - (power(new_accum) - power(accum)) / lr * var)
        x = l1 * xp.sign(linear) - linear
        y = power(new_accum) / lr + two * l2
        var = xp.where(xp.abs(linear) > l1, x / y, zero)
        return var, new_accum, linear


def _ftrl(
    xp: Any, attrs: Mapping[str, Any], var: Any, accum: Any, linear: Any, grad: Any, lr: Any, l1: Any,
    l2: Any, lr_power: Any,
) -> tuple[Any, ...]:  # fmt: skip
    return _ftrl_step(xp, var, accum, linear, grad, grad, lr, l1, l2, lr_power)


def _ftrl_v2(
    xp: Any, attrs: Mapping[str, Any], var: Any, accum: Any, linear: Any, grad: Any, lr: Any, l1: Any,
    l2: Any, l2_shrinkage: Any, lr_power: Any,
) -> tuple[Any, ...]:  # fmt: skip
    two = xp.asarray(2, dtype=var.dtype)
    grad_shrunk = grad + two * l2_shrinkage * var
    return _ftrl_step(xp, var, accum, linear, grad, grad_shrunk, lr, l1, l2, lr_power)


# op type, api name, kernel, number of ref inputs (var and slots), scalar inputs, grad index, doc
_OPS: list[tuple[str, str, Kernel, int, tuple[int, ...], int, str]] = [
    ("ApplyAdadelta", "apply_adadelta", _adadelta, 3, (3, 4, 5), 6,
     "accum = rho*accum + (1-rho)*g^2; u = sqrt(accum_update+eps)/sqrt(accum+eps)*g; var -= lr*u; "
     "accum_update = rho*accum_update + (1-rho)*u^2"),
    ("ApplyFtrl", "apply_ftrl", _ftrl, 3, (4, 5, 6, 7), 3,
     "FTRL-Proximal: linear += g - (n'^-p - n^-p)/lr*var; var = |linear| > l1 ? "
     "(l1*sign(linear) - linear) / (n'^-p/lr + 2*l2) : 0; accum = n' = n + g^2"),
    ("ApplyFtrlV2", "apply_ftrl_v2", _ftrl_v2, 3, (4, 5, 6, 7, 8), 3,
     "FTRL-Proximal with L2 shrinkage: ApplyFtrl with g + 2*l2_shrinkage*var in the linear term"),
    ("ApplyProximalGradientDescent", "apply_proximal_gradient_descent", _proximal_gd, 1, (1, 2, 3), 4,
     "v = var - lr*g; var = sign(v)*max(|v| - lr*l1, 0) / (1 + lr*l2)"),
    ("ApplyProximalAdagrad", "apply_proximal_adagrad", _proximal_adagrad, 2, (2, 3, 4), 5,
     "accum += g^2; a = lr/sqrt(accum); v = var - a*g; var = sign(v)*max(|v| - a*l1, 0) / (1 + a*l2)"),
]  # fmt: skip

for _op, _api, _kernel, _n, _scalars, _g, _doc in _OPS:
    register(
        _op,
        api_name=_api,
        kind="update",
        infer=_infer(_n, _scalars, _g),
        evaluate=_rule(_kernel, np, _n),
        lower=_rule(_kernel, jnp, _n),
        ref_inputs=tuple(range(_n)),
        differentiable=False,
        doc=_doc,
    )


# --- builders (TF1's training_ops.apply_*) ------------------------------------------------------
def apply_adadelta(
    var: Any, accum: Any, accum_update: Any, lr: Any, rho: Any, epsilon: Any, grad: Any,
    use_locking: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_adadelta`: Adadelta's update of var, accum and accum_update."""
    return _apply("ApplyAdadelta", [var, accum, accum_update], [lr, rho, epsilon, grad], {}, name)


def apply_ftrl(
    var: Any, accum: Any, linear: Any, grad: Any, lr: Any, l1: Any, l2: Any, lr_power: Any,
    use_locking: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_ftrl`: the FTRL-Proximal update of var, accum and linear."""
    return _apply("ApplyFtrl", [var, accum, linear], [grad, lr, l1, l2, lr_power], {}, name)


def apply_ftrl_v2(
    var: Any, accum: Any, linear: Any, grad: Any, lr: Any, l1: Any, l2: Any, l2_shrinkage: Any,
    lr_power: Any, use_locking: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_ftrl_v2`: apply_ftrl with online L2 shrinkage."""
    return _apply("ApplyFtrlV2", [var, accum, linear], [grad, lr, l1, l2, l2_shrinkage, lr_power], {}, name)


def apply_proximal_gradient_descent(
    var: Any, alpha: Any, l1: Any, l2: Any, delta: Any, use_locking: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `training_ops.apply_proximal_gradient_descent`: a gradient step, then the L1/L2 proximal step."""
    return _apply("ApplyProximalGradientDescent", [var], [alpha, l1, l2, delta], {}, name)


def apply_proximal_adagrad(
    var: Any, accum: Any, lr: Any, l1: Any, l2: Any, grad: Any, use_locking: bool = False,
    name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_proximal_adagrad`: an Adagrad step, then the L1/L2 proximal step."""
    return _apply("ApplyProximalAdagrad", [var, accum], [lr, l1, l2, grad], {}, name)


# --- optimizers ---------------------------------------------------------------------------------
def _check_non_negative(**values: Any) -> None:
    for key, value in values.items():
        if isinstance(value, (int, float)) and value < 0.0:
            raise GraphError(f"{key} {value} needs to be positive or zero")


class AdadeltaOptimizer(Optimizer):
    """TF1 `tf.train.AdadeltaOptimizer` (Zeiler 2012); slots "accum" and "accum_update" start at zero."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: Any = 0.95,
        epsilon: Any = 1e-8,
        use_locking: bool = False,
        name: str = "Adadelta",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._zeros_slot(v, "accum")
            self._zeros_slot(v, "accum_update")

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "lr")
        self._rho_t = _hyper(self._rho, "rho")
        self._epsilon_t = _hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        return apply_adadelta(
            var, self.get_slot(var, "accum"), self.get_slot(var, "accum_update"),
            cast_to(self._lr_t, var), cast_to(self._rho_t, var), cast_to(self._epsilon_t, var), grad,
        )  # fmt: skip


class FtrlOptimizer(Optimizer):
    """TF1 `tf.train.FtrlOptimizer` (FTRL-Proximal, McMahan et al. 2013); slots "accum" and "linear".

    ApplyFtrlV2 is used when l2_shrinkage_regularization_strength > 0, ApplyFtrl otherwise, as in TF1.
    """

    def __init__(
        self,
        learning_rate: Any,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        use_locking: bool = False,
        name: str = "Ftrl",
        accum_name: str | None = None,
        linear_name: str | None = None,
        l2_shrinkage_regularization_strength: float = 0.0,
    ) -> None:
        super().__init__(use_locking, name)
        if initial_accumulator_value < 0.0:
            raise GraphError(
                f"initial_accumulator_value {initial_accumulator_value} needs to be positive or zero"
            )
        if learning_rate_power > 0.0:
            raise GraphError(f"learning_rate_power {learning_rate_power} needs to be negative or zero")
        _check_non_negative(
            l1_regularization_strength=l1_regularization_strength,
            l2_regularization_strength=l2_regularization_strength,
            l2_shrinkage_regularization_strength=l2_shrinkage_regularization_strength,
        )
        self._lr = learning_rate
        self._lr_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength
        self._l2_shrinkage = l2_shrinkage_regularization_strength
        self._accum_name, self._linear_name = accum_name, linear_name

    def _slot_named(
        self, var: Variable, slot: str, value: float, init_name: str, var_name: str | None
    ) -> None:
        """A slot variable `<var>/<var_name or optimizer name>` (TF1's accum_name and linear_name)."""
        saved = self._name
        self._name = var_name or saved
        try:
            self._make_slot(var, slot, value, init_name)
        finally:
            self._name = saved

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._slot_named(v, "accum", self._initial_accumulator_value, "Const", self._accum_name)
            self._slot_named(v, "linear", 0.0, "zeros", self._linear_name)

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "learning_rate")
        self._l1_t = _hyper(self._l1, "l1_regularization_strength")
        self._l2_t = _hyper(self._l2, "l2_regularization_strength")
        self._l2_shrinkage_t = _hyper(self._l2_shrinkage, "l2_shrinkage_regularization_strength")
        self._lr_power_t = _hyper(self._lr_power, "learning_rate_power")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        lr, l1, l2, power = (cast_to(t, var) for t in (self._lr_t, self._l1_t, self._l2_t, self._lr_power_t))
        if isinstance(self._l2_shrinkage, (int, float)) and self._l2_shrinkage <= 0.0:
            return apply_ftrl(var, accum, linear, grad, lr, l1, l2, power)
        shrinkage = cast_to(self._l2_shrinkage_t, var)
        return apply_ftrl_v2(var, accum, linear, grad, lr, l1, l2, shrinkage, power)


class ProximalGradientDescentOptimizer(Optimizer):
    """TF1 `tf.train.ProximalGradientDescentOptimizer`: a gradient step, then Fobos' L1/L2 proximal step."""

    def __init__(
        self,
        learning_rate: Any,
        l1_regularization_strength: Any = 0.0,
        l2_regularization_strength: Any = 0.0,
        use_locking: bool = False,
        name: str = "ProximalGradientDescent",
    ) -> None:
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "learning_rate")
        self._l1_t = _hyper(self._l1, "l1_regularization_strength")
        self._l2_t = _hyper(self._l2, "l2_regularization_strength")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, l1, l2 = (cast_to(t, var) for t in (self._lr_t, self._l1_t, self._l2_t))
        return apply_proximal_gradient_descent(var, lr, l1, l2, grad)


class ProximalAdagradOptimizer(Optimizer):
    """TF1 `tf.train.ProximalAdagradOptimizer`: Adagrad's step, then Fobos' L1/L2 proximal step."""

    def __init__(
        self,
        learning_rate: Any,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: Any = 0.0,
        l2_regularization_strength: Any = 0.0,
        use_locking: bool = False,
        name: str = "ProximalAdagrad",
    ) -> None:
        if initial_accumulator_value <= 0.0:
            raise GraphError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._lr, self._l1, self._l2 = learning_rate, l1_regularization_strength, l2_regularization_strength
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list: list[Variable]) -> None:
        for v in var_list:
            self._make_slot(v, "accumulator", self._initial_accumulator_value, "Const")

    def _prepare(self) -> None:
        self._lr_t = _hyper(self._lr, "learning_rate")
        self._l1_t = _hyper(self._l1, "l1_regularization_strength")
        self._l2_t = _hyper(self._l2, "l2_regularization_strength")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Tensor:
        lr, l1, l2 = (cast_to(t, var) for t in (self._lr_t, self._l1_t, self._l2_t))
        return apply_proximal_adagrad(var, self.get_slot(var, "accumulator"), lr, l1, l2, grad)
