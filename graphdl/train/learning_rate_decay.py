"""TF1's learning-rate schedules (`tf.train.exponential_decay`, ...), built from graph ops.

Each returns a scalar tensor that reads the global step when the graph runs, so it can be given to an
optimizer as its learning rate and decays as `minimize(..., global_step=...)` counts the steps. The
formulas are TF1's (tensorflow/python/training/learning_rate_decay_v2.py), written with the same ops
in the same order, in the learning rate's dtype.
"""

from __future__ import annotations

import math as _pymath
from collections.abc import Sequence
from typing import Any

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import int32, int64
from graphdl.errors import DTypeError, GraphError
from graphdl.graph import get_default_graph
from graphdl.tensor import Tensor

__all__ = [
    "exponential_decay",
    "inverse_time_decay",
    "natural_exp_decay",
    "polynomial_decay",
    "piecewise_constant",
    "cosine_decay",
    "cosine_decay_restarts",
    "linear_cosine_decay",
    "noisy_linear_cosine_decay",
]


def _require_step(global_step: Any, api: str) -> None:
    if global_step is None:
        raise get_default_graph().located_error(GraphError, api, f"global_step is required for {api}")


def _as(value: Any, dtype: Any) -> Tensor:
    """value as a tensor of dtype (TF1's math_ops.cast of the schedule's arguments)."""
    from graphdl.ops.math import cast

    t = convert_to_tensor(value) if not isinstance(value, int | float) else None
    if t is None:
        return convert_to_tensor(float(value), dtype=dtype)
    return t if t.dtype == dtype else cast(t, dtype)


def _floor(x: Tensor) -> Tensor:
    """floor(x): graphdl.floor where this graphdl has it, else floordiv(x, 1), which is exact."""
    import graphdl

    fn = getattr(graphdl, "floor", None)
    if fn is not None:
        return fn(x)  # type: ignore[no-any-return]
    from graphdl.ops.math import floordiv

    return floordiv(x, 1.0)


def _ceil(x: Tensor) -> Tensor:
    """ceil(x): graphdl.ceil where this graphdl has it, else -floor(-x)."""
    import graphdl

    fn = getattr(graphdl, "ceil", None)
    if fn is not None:
        return fn(x)  # type: ignore[no-any-return]
    return -_floor(-x)


def _decay_args(
    learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any
) -> tuple[Tensor, ...]:
    lr = convert_to_tensor(learning_rate, name="learning_rate")
    if not lr.dtype.is_floating:
        raise get_default_graph().located_error(
            DTypeError, "learning rate decay", f"learning_rate must be a float, got {lr.dtype.name}"
        )
    dt = lr.dtype
    return lr, _as(global_step, dt), _as(decay_steps, dt), _as(decay_rate, dt)


def exponential_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.exponential_decay`: lr * decay_rate ** (step / decay_steps) (floored if staircase)."""
    from graphdl.ops.math import multiply
    from graphdl.ops.math import pow as pow_

    _require_step(global_step, "exponential_decay")
    with get_default_graph().name_scope(name or "ExponentialDecay") as scope:
        lr, step, steps, rate = _decay_args(learning_rate, global_step, decay_steps, decay_rate)
        p = step / steps
        if staircase:
            p = _floor(p)
        return multiply(lr, pow_(rate, p), name=scope)


def natural_exp_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.natural_exp_decay`: lr * exp(-decay_rate * step / decay_steps) (floored if staircase)."""
    from graphdl.ops.math import multiply
    from graphdl.ops.unary import exp, negative

    _require_step(global_step, "natural_exp_decay")
    with get_default_graph().name_scope(name or "NaturalExpDecay") as scope:
        lr, step, steps, rate = _decay_args(learning_rate, global_step, decay_steps, decay_rate)
        p = step / steps
        if staircase:
            p = _floor(p)
        exponent = exp(multiply(negative(rate), p))
        return multiply(lr, exponent, name=scope)


def inverse_time_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                       staircase: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.inverse_time_decay`: lr / (1 + decay_rate * step / decay_steps) (floored if staircase)."""
    from graphdl.ops.math import add, divide, multiply

    _require_step(global_step, "inverse_time_decay")
    with get_default_graph().name_scope(name or "InverseTimeDecay") as scope:
        lr, step, steps, rate = _decay_args(learning_rate, global_step, decay_steps, decay_rate)
        p = step / steps
        if staircase:
            p = _floor(p)
        const = convert_to_tensor(1.0, dtype=lr.dtype)
        denom = add(const, multiply(rate, p))
        return divide(lr, denom, name=scope)


def polynomial_decay(learning_rate: Any, global_step: Any, decay_steps: Any, end_learning_rate: Any = 0.0001,
                     power: Any = 1.0, cycle: bool = False, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.polynomial_decay`: (lr - end) * (1 - step / decay_steps) ** power + end.

    The step stops at decay_steps, or with cycle=True decay_steps grows to the next multiple above it."""
    from graphdl.ops.logic import equal
    from graphdl.ops.math import add, divide, minimum, multiply
    from graphdl.ops.math import pow as pow_
    from graphdl.ops.selection import where

    _require_step(global_step, "polynomial_decay")
    with get_default_graph().name_scope(name or "PolynomialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dt = lr.dtype
        end = _as(end_learning_rate, dt)
        pw = _as(power, dt)
        step = _as(global_step, dt)
        steps = _as(decay_steps, dt)
        if cycle:
            # the first multiple of decay_steps above the step; 1 at step 0
            one = convert_to_tensor(1.0, dtype=dt)
            multiplier = where(equal(step, 0.0), one, _ceil(step / steps))
            steps = multiply(steps, multiplier)
        else:
            step = minimum(step, steps)
        p = divide(step, steps)
        return add(multiply(lr - end, pow_(1 - p, pw)), end, name=scope)


def piecewise_constant(
    x: Any, boundaries: Sequence[Any], values: Sequence[Any], name: str | None = None
) -> Tensor:
    """TF1 `tf.train.piecewise_constant(x, boundaries, values)`: values[0] while x <= boundaries[0],
    values[i] while boundaries[i-1] < x <= boundaries[i], values[-1] after the last boundary."""
    from graphdl.ops.math import cast
    from graphdl.ops.selection import where

    graph = get_default_graph()
    if len(boundaries) != len(values) - 1:
        raise graph.located_error(
            GraphError,
            "piecewise_constant",
            f"boundaries must be one shorter than values, got {len(boundaries)} boundaries and {len(values)} values",
        )
    with graph.name_scope(name or "PiecewiseConstant") as scope:
        xt = convert_to_tensor(x)
        bounds = [convert_to_tensor(b) for b in boundaries]
        vals = [convert_to_tensor(v) for v in values]
        for i, b in enumerate(bounds):
            if b.dtype != xt.dtype:
                if b.dtype == int32 and xt.dtype == int64:  # Python ints against an int64 step
                    bounds[i] = cast(b, int64)
                else:
                    raise graph.located_error(
                        DTypeError,
                        "piecewise_constant",
                        f"boundaries ({b.dtype.name}) must have the dtype of x ({xt.dtype.name})",
                    )
        for v in vals[1:]:
            if v.dtype != vals[0].dtype:
                raise graph.located_error(
                    DTypeError,
                    "piecewise_constant",
                    f"values must all have one dtype, got {', '.join(t.dtype.name for t in vals)}",
                )
        # The intervals are exclusive and cover every x: pick from the last one down.
        out = vals[-1]
        for i in reversed(range(len(bounds))):
            out = where(xt <= bounds[i], vals[i], out, name=scope if i == 0 else None)
        if not bounds:
            from graphdl.ops.array import identity

            out = identity(out, name=scope)
        return out


def cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, alpha: Any = 0.0,
                 name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.cosine_decay`: lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) /
    decay_steps)) + alpha)."""
    from graphdl.ops.math import minimum, multiply
    from graphdl.ops.unary import cos

    _require_step(global_step, "cosine_decay")
    with get_default_graph().name_scope(name or "CosineDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dt = lr.dtype
        steps = _as(decay_steps, dt)
        step = minimum(_as(global_step, dt), steps)
        completed_fraction = step / steps
        pi = convert_to_tensor(_pymath.pi, dtype=dt)
        cosine_decayed = 0.5 * (1.0 + cos(pi * completed_fraction))
        decayed = (1 - _as(alpha, dt)) * cosine_decayed + _as(alpha, dt)
        return multiply(lr, decayed, name=scope)


def cosine_decay_restarts(learning_rate: Any, global_step: Any, first_decay_steps: Any, t_mul: Any = 2.0,
                          m_mul: Any = 1.0, alpha: Any = 0.0, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.cosine_decay_restarts` (SGDR): cosine decay over periods that grow by t_mul, each
    restarting from a peak scaled by m_mul."""
    from graphdl.ops.math import log, multiply
    from graphdl.ops.math import pow as power

    _require_step(global_step, "cosine_decay_restarts")
    with get_default_graph().name_scope(name or "SGDRDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dt = lr.dtype
        first, a, tm, mm = (_as(v, dt) for v in (first_decay_steps, alpha, t_mul, m_mul))
        completed = _as(global_step, dt) / first
        if isinstance(t_mul, int | float) and float(t_mul) == 1.0:  # TF1's cond on t_mul == 1
            i_restart = _floor(completed)
            completed = completed - i_restart
        else:
            i_restart = _floor(log(1.0 - completed * (1.0 - tm)) / log(tm))
            sum_r = (1.0 - power(tm, i_restart)) / (1.0 - tm)
            completed = (completed - sum_r) / power(tm, i_restart)
        return multiply(lr, (1 - a) * _cosine(0.5 * power(mm, i_restart), completed) + a, name=scope)


def _cosine(scale: Any, fraction: Tensor) -> Tensor:
    """scale * (1 + cos(pi * fraction)), in fraction's dtype."""
    from graphdl.ops.unary import cos

    return scale * (1.0 + cos(convert_to_tensor(_pymath.pi, dtype=fraction.dtype) * fraction))


def linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, num_periods: Any = 0.5,
                        alpha: Any = 0.0, beta: Any = 0.001, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.linear_cosine_decay`: lr * ((alpha + linear) * cosine + beta) with linear =
    (decay_steps - step) / decay_steps and cosine = 0.5 * (1 + cos(pi * 2 * num_periods * step / decay_steps))."""
    _require_step(global_step, "linear_cosine_decay")
    with get_default_graph().name_scope(name or "LinearCosineDecay") as scope:
        return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta, None, scope)


def noisy_linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, initial_variance: Any = 1.0,
                              variance_decay: Any = 0.55, num_periods: Any = 0.5, alpha: Any = 0.0,
                              beta: Any = 0.001, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.train.noisy_linear_cosine_decay`: linear_cosine_decay with normal noise of variance
    initial_variance / (1 + step) ** variance_decay added to the linear part."""
    _require_step(global_step, "noisy_linear_cosine_decay")
    with get_default_graph().name_scope(name or "NoisyLinearCosineDecay") as scope:
        noise = (initial_variance, variance_decay)
        return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta, noise, scope)


def _linear_cosine(lr_value: Any, global_step: Any, decay_steps: Any, num_periods: Any, alpha: Any,
                   beta: Any, noise: tuple[Any, Any] | None, scope: str) -> Tensor:  # fmt: skip
    from graphdl.ops.math import minimum, multiply, sqrt
    from graphdl.ops.math import pow as power

    lr = convert_to_tensor(lr_value, name="learning_rate")
    dt = lr.dtype
    steps = _as(decay_steps, dt)
    step = minimum(_as(global_step, dt), steps)
    linear = (steps - step) / steps
    if noise is not None:
        from graphdl.ops.random import random_normal

        variance = _as(noise[0], dt) / power(1.0 + step, _as(noise[1], dt))
        linear = linear + random_normal([], stddev=sqrt(variance), dtype=dt)
    cosine = _cosine(0.5, 2.0 * _as(num_periods, dt) * step / steps)
    return multiply(lr, (_as(alpha, dt) + linear) * cosine + _as(beta, dt), name=scope)
