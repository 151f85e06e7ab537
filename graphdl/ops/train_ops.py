"""Op family: train_ops, the optimizers' variable updates with TF1's exact formulas (training_ops.cc).

Each op writes its variable and its slot variables (its `ref_inputs`) through `ctx.write_variable`
and outputs the variable's new value. It reads the start-of-run values of the variables it writes;
every write lands when the run ends. One kernel per op, written once for `xp` = NumPy or jax.numpy,
follows the order of operations of TF1's CPU kernels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from graphdl._jax import jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.errors import DTypeError, ShapeError
from graphdl.registry import TensorSpec, register
from graphdl.tensor import Tensor

__all__ = [
    "apply_gradient_descent",
    "apply_momentum",
    "apply_adam",
    "apply_rms_prop",
    "apply_centered_rms_prop",
    "apply_adagrad",
]

Kernel = Callable[..., tuple[Any, ...]]


def _gd(xp: Any, attrs: Mapping[str, Any], var: Any, lr: Any, grad: Any) -> tuple[Any, ...]:
    return (var - grad * lr,)


def _momentum(
    xp: Any, attrs: Mapping[str, Any], var: Any, accum: Any, lr: Any, grad: Any, momentum: Any
) -> tuple[Any, ...]:
    accum = accum * momentum + grad
    if attrs.get("use_nesterov", False):
        return var - (grad * lr + accum * momentum * lr), accum
    return var - accum * lr, accum


def _adam(
    xp: Any, attrs: Mapping[str, Any], var: Any, m: Any, v: Any, beta1_power: Any, beta2_power: Any,
    lr: Any, beta1: Any, beta2: Any, epsilon: Any, grad: Any,
) -> tuple[Any, ...]:  # fmt: skip
    one = xp.asarray(1, dtype=var.dtype)
    alpha = lr * xp.sqrt(one - beta2_power) / (one - beta1_power)
    m = m + (grad - m) * (one - beta1)
    v = v + (grad * grad - v) * (one - beta2)
    if attrs.get("use_nesterov", False):
        return var - ((grad * (one - beta1) + beta1 * m) * alpha) / (xp.sqrt(v) + epsilon), m, v
    return var - (m * alpha) / (xp.sqrt(v) + epsilon), m, v


def _rmsprop(
    xp: Any, attrs: Mapping[str, Any], var: Any, ms: Any, mom: Any, lr: Any, rho: Any, momentum: Any,
    epsilon: Any, grad: Any,
) -> tuple[Any, ...]:  # fmt: skip
    one = xp.asarray(1, dtype=var.dtype)
    ms = ms + (grad * grad - ms) * (one - rho)
    mom = mom * momentum + (grad * lr) / xp.sqrt(ms + epsilon)
    return var - mom, ms, mom


def _centered_rmsprop(
    xp: Any, attrs: Mapping[str, Any], var: Any, mg: Any, ms: Any, mom: Any, lr: Any, rho: Any,
    momentum: Any, epsilon: Any, grad: Any,
) -> tuple[Any, ...]:  # fmt: skip
    one = xp.asarray(1, dtype=var.dtype)
    ms = ms + (grad * grad - ms) * (one - rho)
    mg = mg + (grad - mg) * (one - rho)
    denom = (ms - mg * mg) + epsilon
    mom = mom * momentum + (grad * lr) / xp.sqrt(denom)
    return var - mom, mg, ms, mom


def _adagrad(xp: Any, attrs: Mapping[str, Any], var: Any, accum: Any, lr: Any, grad: Any) -> tuple[Any, ...]:
    one = xp.asarray(1, dtype=var.dtype)
    if attrs.get("update_slots", True):
        accum = accum + grad * grad
    return var - grad * lr * (one / xp.sqrt(accum)), accum


def _infer(n_refs: int, scalars: Sequence[int], grad_index: int) -> Callable[..., list[TensorSpec]]:
    """Infer rule: every input has the variable's dtype; hyperparameters are scalars; slots and the
    gradient have the variable's shape; the output is the variable's new value."""

    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        var = inputs[0]
        if not var.dtype.is_floating:
            raise DTypeError(f"the variable must be floating, got {var.dtype.name}")
        for i, s in enumerate(inputs):
            if s.dtype != var.dtype:
                raise DTypeError(f"input {i} has dtype {s.dtype.name}, but the variable is {var.dtype.name}")
        for i in [*range(1, n_refs), grad_index]:
            if not inputs[i].shape.is_compatible_with(var.shape):
                raise ShapeError(
                    f"input {i} has shape {inputs[i].shape}, but the variable has shape {var.shape}"
                )
        for i in scalars:
            if inputs[i].shape.rank not in (None, 0):
                raise ShapeError(f"input {i} must be a scalar, got shape {inputs[i].shape}")
        return [var]

    return infer


def _as(xp: Any, x: Any, dtype: Any) -> Any:
    x = xp.asarray(x)
    return x if x.dtype == dtype else x.astype(dtype)


def _rule(kernel: Kernel, xp: Any, n_refs: int) -> Callable[..., Any]:
    """evaluate/lower: read the written variables, run the kernel, write them, output the new var."""

    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        names = [ctx.node.inputs[i].op.name for i in range(n_refs)]
        refs = [xp.asarray(ctx.read_variable(n)) for n in names]
        dtype = refs[0].dtype
        new = [_as(xp, x, dtype) for x in kernel(xp, attrs, *refs, *inputs[n_refs:])]
        for n, value in zip(names, new, strict=True):
            ctx.write_variable(n, value)
        return new[0]

    return rule


# op type, api name, kernel, number of ref inputs (var and slots), scalar inputs, grad index, doc
_OPS: list[tuple[str, str, Kernel, int, tuple[int, ...], int, str]] = [
    ("ApplyGradientDescent", "apply_gradient_descent", _gd, 1, (1,), 2, "var -= lr * grad"),
    ("ApplyMomentum", "apply_momentum", _momentum, 2, (2, 4), 3,
     "accum = accum * momentum + grad; var -= lr * accum (Nesterov: var -= lr * grad + lr * momentum * accum)"),
    ("ApplyAdam", "apply_adam", _adam, 3, (3, 4, 5, 6, 7, 8), 9,
     "m, v moving moments; var -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)"),
    ("ApplyRMSProp", "apply_rms_prop", _rmsprop, 3, (3, 4, 5, 6), 7,
     "ms += (g^2 - ms) * (1 - rho); mom = mom * momentum + lr * g / sqrt(ms + epsilon); var -= mom"),
    ("ApplyCenteredRMSProp", "apply_centered_rms_prop", _centered_rmsprop, 4, (4, 5, 6, 7), 8,
     "RMSProp with ms - mg^2 in place of ms (mg the moving mean of g)"),
    ("ApplyAdagrad", "apply_adagrad", _adagrad, 2, (2,), 3, "accum += g^2; var -= lr * g / sqrt(accum)"),
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


def _ref(var: Any) -> Tensor:
    if hasattr(var, "op") and getattr(var.op, "type", None) == "VariableV2":
        return var.op.outputs[0]  # type: ignore[no-any-return]
    raise DTypeError(f"an update op needs a Variable to write, got {var!r}")


def _apply(
    op: str, refs: Sequence[Any], values: Sequence[Any], attrs: Mapping[str, Any], name: str | None
) -> Tensor:
    ts = [_ref(r) for r in refs]
    dtype = ts[0].dtype
    ins = ts + [v if isinstance(v, Tensor) else convert_to_tensor(v, dtype=dtype) for v in values]
    return make_tensor(op, ins, attrs, name or op)


def apply_gradient_descent(
    var: Any, alpha: Any, delta: Any, use_locking: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `training_ops.apply_gradient_descent`: var -= alpha * delta."""
    return _apply("ApplyGradientDescent", [var], [alpha, delta], {}, name)


def apply_momentum(
    var: Any, accum: Any, lr: Any, grad: Any, momentum: Any, use_locking: bool = False,
    use_nesterov: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_momentum`: accum = accum * momentum + grad; var -= lr * accum."""
    return _apply(
        "ApplyMomentum", [var, accum], [lr, grad, momentum], {"use_nesterov": bool(use_nesterov)}, name
    )


def apply_adam(
    var: Any, m: Any, v: Any, beta1_power: Any, beta2_power: Any, lr: Any, beta1: Any, beta2: Any,
    epsilon: Any, grad: Any, use_locking: bool = False, use_nesterov: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_adam` (beta powers are the values of beta^t for this step)."""
    values = [beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad]
    return _apply("ApplyAdam", [var, m, v], values, {"use_nesterov": bool(use_nesterov)}, name)


def apply_rms_prop(
    var: Any, ms: Any, mom: Any, lr: Any, rho: Any, momentum: Any, epsilon: Any, grad: Any,
    use_locking: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_rms_prop`."""
    return _apply("ApplyRMSProp", [var, ms, mom], [lr, rho, momentum, epsilon, grad], {}, name)


def apply_centered_rms_prop(
    var: Any, mg: Any, ms: Any, mom: Any, lr: Any, rho: Any, momentum: Any, epsilon: Any, grad: Any,
    use_locking: bool = False, name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_centered_rms_prop`."""
    return _apply("ApplyCenteredRMSProp", [var, mg, ms, mom], [lr, rho, momentum, epsilon, grad], {}, name)


def apply_adagrad(
    var: Any, accum: Any, lr: Any, grad: Any, use_locking: bool = False, update_slots: bool = True,
    name: str | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `training_ops.apply_adagrad`: accum += grad^2; var -= lr * grad / sqrt(accum)."""
    return _apply("ApplyAdagrad", [var, accum], [lr, grad], {"update_slots": bool(update_slots)}, name)
