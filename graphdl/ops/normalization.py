"""Normalization in `tf.nn`: local response normalization (an op), fused batch norm and the
moment helpers (composites).

`LRN` is TF1's: sqr_sum[n, h, w, d] = sum(x[n, h, w, d - r : d + r + 1] ** 2) and
y = x / (bias + alpha * sqr_sum) ** beta over the channel (last) axis of a 4-D input. The windowed
sum is a matmul with a 0/1 band matrix (|i - j| <= r), the same in the NumPy and jax kernels; the
gradient is built from public ops with the same band (it is symmetric, so the adjoint of the windowed
sum is the windowed sum): dx = g * N ** -beta - 2 * alpha * beta * x * band_sum(g * x * N ** (-beta - 1)).
`fused_batch_norm`, `batch_norm_with_global_normalization`, `sufficient_statistics`,
`normalize_moments` and `weighted_moments` are composites of public ops, with TF1's formulas.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import float32
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import require_float
from graphdl.ops.nn_common import register_xp
from graphdl.registry import Sample, TensorSpec
from graphdl.tensor import Tensor

__all__ = [
    "local_response_normalization",
    "lrn",
    "fused_batch_norm",
    "batch_norm_with_global_normalization",
    "sufficient_statistics",
    "normalize_moments",
    "weighted_moments",
]


# --- LRN ----------------------------------------------------------------------------------------------


def _band(c: int, r: int, dtype: Any) -> np.ndarray:
    """The [C, C] 0/1 matrix with ones where |i - j| <= r: x @ band sums each channel's window."""
    i = np.arange(c)
    return (np.abs(i[:, None] - i[None, :]) <= r).astype(dtype)


def _lrn_kernel(xp: Any, x: Any, attrs: Mapping[str, Any]) -> Any:
    band = xp.asarray(_band(int(x.shape[-1]), int(attrs["depth_radius"]), x.dtype))
    norm = attrs["bias"] + attrs["alpha"] * xp.matmul(x * x, band)
    return x * norm ** (-attrs["beta"])


def _lrn_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    x = inputs[0]
    require_float(x, "input")
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise ShapeError(f"input must be 4-D [batch, height, width, depth], got shape {x.shape.short()}")
    return [x]


def _lrn_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops import math as m
    from graphdl.ops.linalg import matmul
    from graphdl.ops.math import add, multiply, subtract
    from graphdl.ops.unary import square

    x, g = node.inputs[0], grads[0]
    a = node.attrs
    c = x.shape.as_list()[-1] if x.shape.ndims is not None else None
    if c is not None:
        band = convert_to_tensor(_band(int(c), int(a["depth_radius"]), x.dtype.as_numpy_dtype), name="band")
    else:
        band = _dynamic_band(x, int(a["depth_radius"]))
    norm = add(multiply(matmul(square(x), band), float(a["alpha"])), float(a["bias"]))
    beta = float(a["beta"])
    direct = multiply(g, m.pow(norm, -beta))
    back = matmul(multiply(multiply(g, x), m.pow(norm, -beta - 1.0)), band)
    return [subtract(direct, multiply(multiply(x, back), 2.0 * float(a["alpha"]) * beta))]


def _dynamic_band(x: Tensor, r: int) -> Tensor:
    """`_band` built in the graph, for an input whose depth is known only when it runs."""
    from graphdl.ops.array import expand_dims, shape
    from graphdl.ops.creation import range as range_
    from graphdl.ops.logic import less_equal
    from graphdl.ops.math import cast, subtract
    from graphdl.ops.unary import abs as abs_

    i = range_(shape(x)[-1])
    near = less_equal(abs_(subtract(expand_dims(i, 1), expand_dims(i, 0))), r)
    return cast(near, x.dtype, name="band")


def _lrn_attrs(
    depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0, beta: float = 0.5
) -> dict[str, Any]:
    return {
        "depth_radius": int(depth_radius),
        "bias": float(bias),
        "alpha": float(alpha),
        "beta": float(beta),
    }


def _lrn_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal((2, 2, 3, 7))], _lrn_attrs()),
        Sample([rng.standard_normal((1, 3, 2, 6))], _lrn_attrs(2, 0.5, 0.3, 0.75)),
        Sample([rng.standard_normal((2, 1, 1, 4))], _lrn_attrs(0, 2.0, 1e-2, 1.0)),
        Sample([rng.standard_normal((1, 2, 2, 3))], _lrn_attrs(1, 1.0, 0.5, 0.5)),
        Sample([rng.standard_normal((1, 2, 2, 5)) * 3.0], _lrn_attrs(3, 0.25, 2.0, 1.5)),
    ]


register_xp(
    "LRN",
    "local_response_normalization",
    _lrn_infer,
    _lrn_kernel,
    _lrn_grad,
    _lrn_samples,
    "x / (bias + alpha * sum of x ** 2 over the 2 * depth_radius + 1 nearest channels) ** beta.",
    __name__,
)


def local_response_normalization(input: Any, depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0,
                                 beta: float = 0.5, name: str | None = None) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.local_response_normalization` (AlexNet's LRN) over the last axis of a 4-D input."""
    graph = get_default_graph()
    if int(depth_radius) < 0:
        raise graph.located_error(ShapeError, "local_response_normalization",
                                  f"depth_radius must be >= 0, got {depth_radius}")  # fmt: skip
    x = convert_to_tensor(input)
    return make_tensor("LRN", [x], _lrn_attrs(depth_radius, bias, alpha, beta), name or "LRN")


lrn = local_response_normalization


# --- moments helpers -------------------------------------------------------------------------------------


def _axes_list(axes: Any, rank: int | None, api: str) -> list[int]:
    """`axes` as a list of ints in [0, rank) (a located ShapeError naming `api` when out of range)."""
    out = [int(a) for a in (axes if isinstance(axes, list | tuple) else [axes])]
    if rank is None:
        return out
    bad = [a for a in out if not -rank <= a < rank]
    if bad:
        raise get_default_graph().located_error(ShapeError, api, f"axes {bad} out of range for rank {rank}")
    return [a % rank for a in out]


def _count(x: Tensor, axes: list[int], name: str = "count") -> Tensor:
    """How many elements of x each reduction over `axes` covers, in x's dtype (a constant when the
    dims are static, else computed from the shape)."""
    dims = x.shape.as_list() if x.shape.ndims is not None else None
    known = [dims[a] for a in axes] if dims is not None else [None]
    if all(d is not None for d in known):
        n = functools.reduce(lambda p, d: p * int(d or 0), known, 1)
        return convert_to_tensor(np.asarray(n, x.dtype.as_numpy_dtype), name=name)
    from graphdl.ops.array import shape
    from graphdl.ops.gathering import gather
    from graphdl.ops.math import cast
    from graphdl.ops.reduce import reduce_prod

    return cast(reduce_prod(gather(shape(x), axes)), x.dtype, name=name)


def sufficient_statistics(x: Any, axes: Any, shift: Any = None, keep_dims: bool | None = None,
                          name: str | None = None, keepdims: bool | None = None
                          ) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:  # fmt: skip
    """TF1 `tf.nn.sufficient_statistics`: (count, sum(x - shift), sum((x - shift) ** 2), shift),
    the sums that `normalize_moments` turns into a mean and variance."""
    from graphdl.ops.math import squared_difference, subtract
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.unary import square

    keep = bool(keepdims if keepdims is not None else keep_dims)
    xt = convert_to_tensor(x)
    with xt.graph.name_scope(name or "sufficient_statistics"):
        ax = _axes_list(axes, xt.shape.ndims, "sufficient_statistics")
        count = _count(xt, ax)
        if shift is not None:
            sh = convert_to_tensor(shift, dtype=xt.dtype, name="shift")
            m_ss = reduce_sum(subtract(xt, sh), axis=ax, keepdims=keep, name="mean_ss")
            v_ss = reduce_sum(squared_difference(xt, sh), axis=ax, keepdims=keep, name="var_ss")
            return count, m_ss, v_ss, sh
        m_ss = reduce_sum(xt, axis=ax, keepdims=keep, name="mean_ss")
        v_ss = reduce_sum(square(xt), axis=ax, keepdims=keep, name="var_ss")
        return count, m_ss, v_ss, None


def normalize_moments(counts: Any, mean_ss: Any, variance_ss: Any, shift: Any,
                      name: str | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """TF1 `tf.nn.normalize_moments`: (mean, variance) from `sufficient_statistics`' sums."""
    from graphdl.ops.math import add, multiply, subtract
    from graphdl.ops.unary import reciprocal, square

    m = convert_to_tensor(mean_ss)
    with m.graph.name_scope(name or "normalize"):
        divisor = reciprocal(convert_to_tensor(counts, dtype=m.dtype), name="divisor")
        v = convert_to_tensor(variance_ss, dtype=m.dtype)
        shifted_mean = multiply(m, divisor, name="shifted_mean")
        if shift is not None:
            mean = add(shifted_mean, convert_to_tensor(shift, dtype=m.dtype), name="mean")
        else:
            mean = shifted_mean
        variance = subtract(multiply(v, divisor), square(shifted_mean), name="variance")
        return mean, variance


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, name: str | None = None,
                     keep_dims: bool | None = None, keepdims: bool | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """TF1 `tf.nn.weighted_moments`: the frequency-weighted mean and (biased) variance over `axes`."""
    from graphdl.ops.array import squeeze
    from graphdl.ops.creation import zeros_like
    from graphdl.ops.math import add, multiply, squared_difference
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.unary import reciprocal

    keep = bool(keepdims if keepdims is not None else keep_dims)
    xt = convert_to_tensor(x)
    with xt.graph.name_scope(name or "weighted_moments"):
        ax = _axes_list(axes, xt.shape.ndims, "weighted_moments")
        w = convert_to_tensor(frequency_weights, dtype=xt.dtype, name="frequency_weights")
        total = reduce_sum(multiply(w, xt), axis=ax, keepdims=True, name="weighted_input_sum")
        weight_sum = reduce_sum(add(w, zeros_like(xt)), axis=ax, keepdims=True, name="sum_of_weights")
        divisor = reciprocal(weight_sum, name="inv_weight_sum")
        mean = multiply(total, divisor, name="weighted_mean")
        dist = reduce_sum(
            multiply(w, squared_difference(xt, mean)), axis=ax, keepdims=True, name="weighted_distsq"
        )
        variance = multiply(dist, divisor, name="weighted_variance")
        if not keep:
            mean = squeeze(mean, axis=ax)
            variance = squeeze(variance, axis=ax)
        return mean, variance


# --- batch norm -------------------------------------------------------------------------------------------


def batch_norm_with_global_normalization(
    t: Any = None, m: Any = None, v: Any = None, beta: Any = None, gamma: Any = None,
    variance_epsilon: Any = None, scale_after_normalization: Any = None, name: str | None = None,
    input: Any = None, mean: Any = None, variance: Any = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.batch_norm_with_global_normalization`: batch_normalization with the given
    (global) mean and variance, gamma applied only when `scale_after_normalization`."""
    from graphdl.ops.nn_extra import batch_normalization

    x = input if input is not None else t
    mu = mean if mean is not None else m
    var = variance if variance is not None else v
    if (
        x is None
        or mu is None
        or var is None
        or variance_epsilon is None
        or scale_after_normalization is None
    ):
        raise get_default_graph().located_error(
            GraphError, "batch_norm_with_global_normalization",
            "t, m, v, beta, gamma, variance_epsilon and scale_after_normalization are required",
        )  # fmt: skip
    scale = gamma if scale_after_normalization else None
    return batch_normalization(x, mu, var, beta, scale, variance_epsilon, name=name or "batchnorm")


_MIN_EPSILON = 1.001e-5  # TF1 raises a smaller epsilon to this (cuDNN's lower bound)


def fused_batch_norm(
    x: Any, scale: Any, offset: Any, mean: Any = None, variance: Any = None, epsilon: float = 0.001,
    data_format: str = "NHWC", is_training: bool = True, name: str | None = None,
) -> tuple[Tensor, Tensor, Tensor]:  # fmt: skip
    """TF1 `tf.nn.fused_batch_norm`: (y, batch_mean, batch_variance) of a 4-D input per channel.

    Training normalizes with the batch's mean and biased variance and returns the Bessel-corrected
    variance (n / (n - 1), as TF1 does, for a moving average); inference uses and returns the given
    `mean` and `variance`. `epsilon` below 1.001e-5 is raised to it, as in TF1."""
    from graphdl.ops.array import reshape, squeeze
    from graphdl.ops.math import add, cast, maximum, multiply, realdiv, squared_difference, subtract
    from graphdl.ops.reduce import reduce_mean
    from graphdl.ops.unary import rsqrt

    api = "fused_batch_norm"
    graph = get_default_graph()
    if data_format not in ("NHWC", "NCHW"):
        raise graph.located_error(
            ShapeError, api, f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}"
        )
    if not is_training and (mean is None or variance is None):
        raise graph.located_error(
            GraphError, api, "both mean and variance must be given (1-D tensors) when is_training is False"
        )
    with graph.name_scope(name or "FusedBatchNorm") as scope:
        xt = convert_to_tensor(x)
        if not xt.dtype.is_floating:
            raise graph.located_error(DTypeError, api, f"x must be a floating tensor, got {xt.dtype.name}")
        if xt.shape.ndims is not None and xt.shape.ndims != 4:
            raise graph.located_error(ShapeError, api, f"x must be 4-D, got shape {xt.shape.short()}")
        # float16 inputs are normalized in float32 (TF1's scale, offset and statistics are float32).
        half = xt.dtype.name in ("float16", "bfloat16")
        xc = cast(xt, float32) if half else xt
        dt = xc.dtype
        c_axis = 3 if data_format == "NHWC" else 1
        c = xt.shape.as_list()[c_axis] if xt.shape.ndims is not None else None
        sc = convert_to_tensor(scale, dtype=dt, name="scale")
        off = convert_to_tensor(offset, dtype=dt, name="offset")
        for what, p in (("scale", sc), ("offset", off)):
            if p.shape.ndims is not None and (p.shape.ndims != 1 or not p.shape.is_compatible_with([c])):
                raise graph.located_error(
                    ShapeError,
                    api,
                    f"{what} must be 1-D with the {c} channels of x, got shape {p.shape.short()}",
                )
        axes = [0, 1, 2] if data_format == "NHWC" else [0, 2, 3]
        per_channel = [1, -1, 1, 1] if data_format == "NCHW" else None
        if is_training:
            m_b = reduce_mean(xc, axis=axes, keepdims=True, name="mean")
            v_b = reduce_mean(squared_difference(xc, m_b), axis=axes, keepdims=True, name="biased_variance")
            n = _count(xc, axes)
            batch_mean = squeeze(m_b, axis=axes)
            bessel = realdiv(n, maximum(subtract(n, 1.0), 1.0), name="bessel")
            batch_var = multiply(squeeze(v_b, axis=axes), bessel, name="variance")
        else:
            batch_mean = convert_to_tensor(mean, dtype=dt, name="mean")
            batch_var = convert_to_tensor(variance, dtype=dt, name="variance")
            m_b = batch_mean if per_channel is None else reshape(batch_mean, per_channel)
            v_b = batch_var if per_channel is None else reshape(batch_var, per_channel)
        sc_b = sc if per_channel is None else reshape(sc, per_channel)
        off_b = off if per_channel is None else reshape(off, per_channel)
        inv = multiply(rsqrt(add(v_b, max(float(epsilon), _MIN_EPSILON))), sc_b)
        y = add(multiply(subtract(xc, m_b), inv), off_b)
        y = cast(y, xt.dtype, name=scope) if half else _identity(y, scope)
        return y, batch_mean, batch_var


def _identity(t: Tensor, name: str) -> Tensor:
    from graphdl.ops.array import identity

    return identity(t, name=name)
