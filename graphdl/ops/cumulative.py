"""TF1 cumulative ops: cumsum (Cumsum) and cumprod (Cumprod) along one axis, with `exclusive` and `reverse`.

The axis is an attr: a Python int or a constant (build-time known) integer scalar tensor, maybe negative.
`exclusive` leaves out the element itself (the scan starts from 0 for sums, 1 for products); `reverse`
scans from the end of the axis: cumsum([a, b, c], exclusive=True, reverse=True) = [b + c, c, 0].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, is_tensor_like, make_tensor
from graphdl.dtypes import int32
from graphdl.errors import DTypeError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.creation import ones_like, zeros_like
from graphdl.ops.logic import NUMERIC, check_kind, equal, logical_and
from graphdl.ops.math import cast
from graphdl.ops.selection import where
from graphdl.ops.shape_args import static_value
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import normalize_axis
from graphdl.tensor import Tensor

__all__ = ["cumsum", "cumprod"]


# --- rules ---------------------------------------------------------------------------------------


def _infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    check_kind(x, NUMERIC)
    if x.shape.ndims is not None:
        normalize_axis(int(attrs["axis"]), x.shape.ndims)
    return [x]


def _shift(xp: Any, x: Any, axis: int, reverse: bool, identity: int) -> Any:
    """x moved one step along the scan direction, the identity filling the first scanned slot."""
    ndim = x.ndim
    n = x.shape[axis]
    pad = [(0, 0)] * ndim
    pad[axis] = (0, 1) if reverse else (1, 0)
    x = xp.pad(x, pad, constant_values=identity)
    index = [slice(None)] * ndim
    index[axis] = slice(1, n + 1) if reverse else slice(0, n)
    return x[tuple(index)]


def _evaluate(product: bool) -> Any:
    def rule(inputs: list[np.ndarray], attrs: Mapping[str, Any], ctx: Any) -> np.ndarray:
        x = np.asarray(inputs[0])
        axis = int(attrs["axis"]) % x.ndim
        reverse = bool(attrs["reverse"])
        if attrs["exclusive"]:
            x = _shift(np, x, axis, reverse, 1 if product else 0)
        scan = np.cumprod if product else np.cumsum
        if reverse:
            return np.flip(scan(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
        return scan(x, axis=axis, dtype=x.dtype)

    return rule


def _lower(product: bool) -> Any:
    def rule(inputs: list[Any], attrs: Mapping[str, Any], ctx: Any) -> Any:
        x = inputs[0]
        axis = int(attrs["axis"]) % x.ndim
        reverse = bool(attrs["reverse"])
        if attrs["exclusive"]:
            x = _shift(jnp, x, axis, reverse, 1 if product else 0)
        scan = jax.lax.cumprod if product else jax.lax.cumsum
        return scan(x, axis=axis, reverse=reverse)

    return rule


def _cumsum_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    a = node.attrs
    if not node.inputs[0].dtype.is_floating:
        return [None]
    return [cumsum(grads[0], a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


def _cumprod_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    """Exact also at zeros (TF1 divides by x). In scan order, with z the first zero of x:
    k < z: sum_{i scanned after k} g_i y_i / x_k, TF1's formula, where x_k != 0;
    k = z: the same sum with x_z taken as 1 instead of dividing by it (a second cumprod);
    k > z: 0, as every product that involves x_k also involves x_z = 0."""
    x, y, g = node.inputs[0], node.outputs[0], grads[0]
    if not x.dtype.is_floating:
        return [None]
    axis, exclusive, reverse = node.attrs["axis"], node.attrs["exclusive"], node.attrs["reverse"]
    zero = equal(x, 0.0)
    seen = cumsum(cast(zero, int32), axis, reverse=reverse)  # zeros scanned up to and including k
    before = equal(seen, 0)
    first = logical_and(zero, equal(seen, 1))
    ones = ones_like(x)
    t_before = cumsum(g * y, axis, exclusive=exclusive, reverse=not reverse) / where(before, x, ones)
    y_first = cumprod(where(first, ones, x), axis, exclusive=exclusive, reverse=reverse)
    t_first = cumsum(g * y_first, axis, exclusive=exclusive, reverse=not reverse)
    return [where(before, t_before, where(first, t_first, zeros_like(x)))]


# --- samples -------------------------------------------------------------------------------------

_COMBOS = [(False, False), (True, False), (False, True), (True, True)]


def _attrs(axis: int, exclusive: bool, reverse: bool) -> dict[str, Any]:
    return {"axis": axis, "exclusive": exclusive, "reverse": reverse}


def _cumsum_samples(rng: np.random.Generator) -> list[Sample]:
    out = [
        Sample([rng.standard_normal((3, 4))], _attrs(ax, e, r))
        for (e, r), ax in zip(_COMBOS, [0, 1, -1, -2], strict=True)
    ]
    out += [
        Sample([rng.standard_normal((2, 3, 4))], _attrs(1, True, True)),
        Sample([rng.standard_normal((5,))], _attrs(0, True, False)),
        Sample([rng.standard_normal((0, 3))], _attrs(0, True, True)),
        Sample([rng.standard_normal((2, 0))], _attrs(-1, False, True)),
        Sample([rng.integers(-5, 6, (4, 5)).astype(np.int32)], _attrs(1, True, True)),
        Sample([rng.standard_normal((3, 2)).astype(np.float32)], _attrs(0, False, True), grad_inputs=[]),
    ]
    return out


def _with_zeros(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    x[rng.random(shape) < 0.3] = 0.0
    return x


def _cumprod_samples(rng: np.random.Generator) -> list[Sample]:
    smooth = [
        Sample([rng.uniform(0.5, 1.5, (3, 4))], _attrs(ax, e, r))
        for (e, r), ax in zip(_COMBOS, [0, 1, -1, -2], strict=True)
    ]
    zeros = [Sample([_with_zeros(rng, (4, 5))], _attrs(1, e, r), note="zeros") for e, r in _COMBOS]
    runs = np.array([0.0, 1.3, 0.0, 0.0, -0.7, 0.9, 0.0])  # a zero first and last, and two in a row
    return smooth + zeros + [
        Sample([runs], _attrs(0, e, r), note="zero runs") for e, r in _COMBOS
    ] + [
        Sample([_with_zeros(rng, (2, 3, 4))], _attrs(0, True, False)),
        Sample([rng.standard_normal((0, 3))], _attrs(1, False, False)),
        Sample([rng.integers(-3, 4, (3, 4)).astype(np.int64)], _attrs(0, True, True)),
        Sample([rng.uniform(0.5, 1.5, (4,)).astype(np.float32)], _attrs(0, False, True), grad_inputs=[]),
    ]  # fmt: skip


register(
    "Cumsum",
    api_name="cumsum",
    infer=_infer,
    evaluate=_evaluate(product=False),
    lower=_lower(product=False),
    gradient=_cumsum_grad,
    samples=_cumsum_samples,
    doc="Running sum along an axis (exclusive: without the element itself; reverse: from the end).",
)

register(
    "Cumprod",
    api_name="cumprod",
    infer=_infer,
    evaluate=_evaluate(product=True),
    lower=_lower(product=True),
    gradient=_cumprod_grad,
    samples=_cumprod_samples,
    doc="Running product along an axis; the gradient is exact also where x has zeros.",
)


# --- builders ------------------------------------------------------------------------------------


def _axis(axis: Any, api: str) -> int:
    """The scan axis as a Python int: from an int or a build-time constant integer scalar tensor."""
    if isinstance(axis, int | np.integer) and not isinstance(axis, bool):
        return int(axis)
    graph = get_default_graph()
    if is_tensor_like(axis):
        t = convert_to_tensor(axis)
        if not t.dtype.is_integer:
            raise graph.located_error(
                DTypeError, api, f"axis must be an int32 or int64 tensor, got {t.dtype.name}"
            )
        value = static_value(t)
        if value is None:
            raise graph.located_error(
                ShapeError,
                api,
                "axis must be known when the graph is built (a Python int or a constant tensor)",
            )
    else:
        value = np.asarray(axis)
        if value.dtype.kind not in "iu":
            raise graph.located_error(DTypeError, api, f"axis must be an integer, got {axis!r}")
    if value.ndim != 0:
        raise graph.located_error(ShapeError, api, f"axis must be a scalar, got shape {list(value.shape)}")
    return int(value)


def _scan(op: str, api: str, x: Any, axis: Any, exclusive: bool, reverse: bool, name: str | None) -> Tensor:
    t = convert_to_tensor(x)
    attrs = {"axis": _axis(axis, api), "exclusive": bool(exclusive), "reverse": bool(reverse)}
    return make_tensor(op, [t], attrs, name or op)


def cumsum(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.cumsum(x, axis=0, exclusive=False, reverse=False)`: running sum along `axis`."""
    return _scan("Cumsum", "cumsum", x, axis, exclusive, reverse, name)


def cumprod(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None
) -> Tensor:
    """TF1 `tf.cumprod(x, axis=0, exclusive=False, reverse=False)`: running product along `axis`."""
    return _scan("Cumprod", "cumprod", x, axis, exclusive, reverse, name)
