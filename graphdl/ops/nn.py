"""Neural-network ops (`tf.nn`): activations, softmax, cross-entropies, l2_loss, bias_add, in_top_k.

Each kernel is written once against an array namespace `xp` (NumPy for evaluate, jax.numpy for lower)
and is numerically stable: softmax and log_softmax subtract the max, softplus and the sigmoid
cross-entropy use log1p(exp(-|x|)), the softmax cross-entropies go through log_softmax, so logits of
+-1e4 give finite values and gradients. Gradients are built from public ops.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from graphdl._jax import jax, jnp
from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.dtypes import bool_
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.common import spec
from graphdl.ops.logic import FLOAT, NUMERIC, check_kind
from graphdl.registry import Sample, TensorSpec, register
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "softplus", "softsign", "softmax", "log_softmax",
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "l2_loss", "bias_add", "xw_plus_b", "in_top_k",
    "l2_normalize", "moments",
]  # fmt: skip


def _stop(xp: Any) -> Callable[[Any], Any]:
    return jax.lax.stop_gradient if xp is jnp else (lambda v: v)


# --- kernels (xp = numpy | jax.numpy) -------------------------------------------------------------


def _softplus(xp: Any, x: Any) -> Any:
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _log_softmax(xp: Any, x: Any, axis: int) -> Any:
    m = _stop(xp)(xp.max(x, axis=axis, keepdims=True))
    s = x - m
    return s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))


def _softmax(xp: Any, x: Any, axis: int) -> Any:
    e = xp.exp(x - _stop(xp)(xp.max(x, axis=axis, keepdims=True)))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _sigmoid_xent(xp: Any, z: Any, x: Any) -> Any:
    return xp.maximum(x, 0) - x * z + xp.log1p(xp.exp(-xp.abs(x)))


def _softmax_xent(xp: Any, z: Any, x: Any, axis: int, labels_grad: bool) -> Any:
    if not labels_grad:
        z = _stop(xp)(z)
    return -xp.sum(z * _log_softmax(xp, x, axis), axis=axis)


def _sparse_xent(xp: Any, labels: Any, x: Any) -> Any:
    n = x.shape[-1]
    valid = (labels >= 0) & (labels < n)
    if xp is np and not np.all(valid):
        bad = np.asarray(labels)[~valid].reshape(-1)[0]
        raise ValueError(f"received a label value of {bad}, which is outside the valid range of [0, {n})")
    idx = xp.where(valid, labels, 0).astype(np.int64)
    picked = xp.take_along_axis(_log_softmax(xp, x, -1), idx[..., None], axis=-1)[..., 0]
    loss = -picked
    return loss if xp is np else xp.where(valid, loss, xp.nan)


def _bias_add(xp: Any, v: Any, b: Any, data_format: str) -> Any:
    if data_format.startswith("NC") and v.ndim > 2:
        return v + xp.reshape(b, (b.shape[0],) + (1,) * (v.ndim - 2))
    return v + b


def _in_top_k(xp: Any, pred: Any, targets: Any, k: int) -> Any:
    n = pred.shape[-1]
    valid = (targets >= 0) & (targets < n)
    idx = xp.where(valid, targets, 0).astype(np.int64)
    t = xp.take_along_axis(pred, idx[:, None], axis=1)
    above = xp.sum(pred > t, axis=1)
    return valid & xp.isfinite(t[:, 0]) & (above < k)


# --- infer rules ------------------------------------------------------------------------------------


def _axis_in(rank: int | None, axis: int) -> int:
    if rank is None:
        return axis
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def _unary_infer(kinds: str) -> Callable[..., list[TensorSpec]]:
    def infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
        check_kind(inputs[0], kinds)
        if "axis" in attrs:
            r = inputs[0].shape.ndims
            if r == 0:
                raise ShapeError("needs a tensor of rank 1 or more, got a scalar")
            _axis_in(r, int(attrs["axis"]))
        return [inputs[0]]

    return infer


def _pair_infer(inputs: list[TensorSpec], what: str) -> TensorShape:
    z, x = inputs
    check_kind(x, FLOAT)
    if z.dtype != x.dtype:
        raise DTypeError(f"labels ({z.dtype.name}) and logits ({x.dtype.name}) must have the same dtype")
    if not z.shape.is_compatible_with(x.shape):
        raise ShapeError(
            f"labels and logits must have the same shape, got {z.shape.short()} and {x.shape.short()}"
        )
    return x.shape.merge_with(z.shape)


def _sigmoid_xent_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    return [spec(_pair_infer(inputs, "sigmoid"), inputs[1].dtype)]


def _softmax_xent_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    shape = _pair_infer(inputs, "softmax")
    if shape.dims is None:
        return [spec(None, inputs[1].dtype)]
    if not shape.dims:
        raise ShapeError("logits must have rank 1 or more, got a scalar")
    a = _axis_in(len(shape.dims), int(attrs.get("axis", -1)))
    return [spec([d for i, d in enumerate(shape.dims) if i != a], inputs[1].dtype)]


def _sparse_xent_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    labels, x = inputs
    check_kind(x, FLOAT)
    if labels.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"labels must be int32 or int64 class indices, got {labels.dtype.name}")
    if x.shape.dims is None:
        return [spec(labels.shape, x.dtype)]
    if not x.shape.dims:
        raise ShapeError("logits must have rank 1 or more, got a scalar")
    lead = as_shape(list(x.shape.dims[:-1]))
    if not lead.is_compatible_with(labels.shape):
        raise ShapeError(
            f"labels of shape {labels.shape.short()} must have the shape of logits {x.shape.short()} "
            "without its last (class) dimension"
        )
    return [spec(lead.merge_with(labels.shape), x.dtype)]


def _l2_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    check_kind(inputs[0], FLOAT)
    return [spec([], inputs[0].dtype)]


def _channel_axis(rank: int, data_format: str) -> int:
    return 1 if data_format.startswith("NC") and rank > 2 else rank - 1


def _bias_add_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    v, b = inputs
    check_kind(v, NUMERIC)
    if v.dtype != b.dtype:
        raise DTypeError(f"value ({v.dtype.name}) and bias ({b.dtype.name}) must have the same dtype")
    if b.shape.ndims not in (1, None):
        raise ShapeError(f"bias must be 1-D, got shape {b.shape.short()}")
    if v.shape.ndims is None:
        return [v]
    if v.shape.ndims < 2:
        raise ShapeError(f"value must be at least 2-D, got shape {v.shape.short()}")
    c = v.shape.dims[_channel_axis(v.shape.ndims, attrs.get("data_format", "NHWC"))]  # type: ignore[index]
    bd = b.shape.dims[0] if b.shape.dims else None
    if c is not None and bd is not None and c != bd:
        raise ShapeError(
            f"bias of size {bd} does not match the channel dimension {c} of value {v.shape.short()} "
            f"({attrs.get('data_format', 'NHWC')})"
        )
    return [v]


def _in_top_k_infer(inputs: list[TensorSpec], attrs: Mapping[str, Any]) -> list[TensorSpec]:
    p, t = inputs
    check_kind(p, FLOAT)
    if t.dtype.name not in ("int32", "int64"):
        raise DTypeError(f"targets must be int32 or int64, got {t.dtype.name}")
    if p.shape.ndims not in (2, None) or t.shape.ndims not in (1, None):
        raise ShapeError(
            f"predictions must be 2-D and targets 1-D, got {p.shape.short()} and {t.shape.short()}"
        )
    batch = as_shape([p.shape.dims[0] if p.shape.dims else None])
    if not batch.is_compatible_with(t.shape):
        raise ShapeError(f"predictions {p.shape.short()} and targets {t.shape.short()} differ in batch size")
    return [spec(batch.merge_with(t.shape), bool_)]


# --- gradient rules ---------------------------------------------------------------------------------


def _where(cond: Tensor, a: Tensor, b: Tensor) -> Tensor:
    from graphdl.ops.array import where

    return where(cond, a, b)  # type: ignore[no-any-return]


def _zeros_like(x: Tensor) -> Tensor:
    from graphdl.ops.array import zeros_like

    return zeros_like(x)  # type: ignore[no-any-return]


def _relu_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater

    y, g = node.outputs[0], grads[0]
    if not y.dtype.is_floating:
        return [None]
    return [_where(greater(y, 0), g, _zeros_like(g))]


def _relu6_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater, less, logical_and

    x, g = node.inputs[0], grads[0]
    if not x.dtype.is_floating:
        return [None]
    return [_where(logical_and(greater(x, 0), less(x, 6)), g, _zeros_like(g))]


def _leaky_relu_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater, scalar_mul

    x, g = node.inputs[0], grads[0]
    return [_where(greater(x, 0), g, scalar_mul(float(node.attrs["alpha"]), g))]


def _elu_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import greater

    x, y, g = node.inputs[0], node.outputs[0], grads[0]
    return [_where(greater(x, 0), g, g * (y + 1.0))]


def _softplus_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import sigmoid

    return [grads[0] * sigmoid(node.inputs[0])]


def _softmax_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    y, g = node.outputs[0], grads[0]
    axis = int(node.attrs["axis"])
    return [(g - reduce_sum(g * y, axis=axis, keepdims=True)) * y]


def _log_softmax_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.math import exp
    from graphdl.ops.reduce import reduce_sum

    y, g = node.outputs[0], grads[0]
    axis = int(node.attrs["axis"])
    return [g - exp(y) * reduce_sum(g, axis=axis, keepdims=True)]


def _sigmoid_xent_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.grad_util import unbroadcast
    from graphdl.ops.math import negative, sigmoid

    z, x = node.inputs
    g = grads[0]
    return [unbroadcast(negative(g * x), z), unbroadcast(g * (sigmoid(x) - z), x)]


def _softmax_xent_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    """d/dx = softmax(x) * sum(z) - z (= softmax - labels for a distribution); d/dz = -log_softmax(x)."""
    from graphdl.ops.grad_util import broadcast_like, unbroadcast
    from graphdl.ops.math import negative
    from graphdl.ops.reduce import reduce_sum

    z, x = node.inputs
    axis = int(node.attrs.get("axis", -1))
    g = broadcast_like(grads[0], x, axes=[axis])
    gx = g * (softmax(x, axis=axis) * reduce_sum(z, axis=axis, keepdims=True) - z)
    gz = (
        unbroadcast(g * negative(log_softmax(x, axis=axis)), z)
        if node.attrs.get("labels_grad", True)
        else None
    )
    return [gz, unbroadcast(gx, x)]


def _sparse_xent_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    """d/dx = softmax(x) - one_hot(labels)."""
    from graphdl.ops.array import one_hot
    from graphdl.ops.grad_util import broadcast_like

    labels, x = node.inputs
    depth = x.shape.dims[-1] if x.shape.dims else None
    if depth is None:
        raise GraphError(
            f"{node.describe()}: the gradient needs the number of classes (the last dimension of the logits) "
            "to be known when the graph is built"
        )
    g = broadcast_like(grads[0], x, axes=[-1])
    return [None, g * (softmax(x) - one_hot(labels, depth, dtype=x.dtype))]


def _l2_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    return [grads[0] * node.inputs[0]]


def _bias_add_grad(node: Any, grads: list[Tensor]) -> list[Tensor | None]:
    from graphdl.ops.reduce import reduce_sum

    v = node.inputs[0]
    g = grads[0]
    if not v.dtype.is_floating:
        return [None, None]
    rank = v.shape.ndims
    if rank is None:
        raise GraphError(f"{node.describe()}: the gradient of bias_add needs the rank of its value")
    c = _channel_axis(rank, node.attrs.get("data_format", "NHWC"))
    return [g, reduce_sum(g, axis=[i for i in range(rank) if i != c])]


# --- samples ----------------------------------------------------------------------------------------


def _away(rng: np.random.Generator, shape: tuple[int, ...], kinks: tuple[float, ...] = (0.0,)) -> np.ndarray:
    """Values in [-3, 9] at least 0.1 away from each kink (finite differences need smoothness)."""
    x = rng.uniform(-3.0, 9.0, shape)
    for k in kinks:
        x = np.where(np.abs(x - k) < 0.1, k + 0.5, x)
    return x


def _act_samples(kinks: tuple[float, ...] = (0.0,), ints: bool = False) -> Callable[..., list[Sample]]:
    def samples(rng: np.random.Generator) -> list[Sample]:
        out = [
            Sample([_away(rng, (3, 4), kinks)]),
            Sample([_away(rng, (), kinks)]),
            Sample([_away(rng, (2, 1, 3), kinks)]),
            Sample([_away(rng, (0, 3), kinks)]),
            Sample([np.array([-1e4, -50.0, 50.0, 1e4])], grad_inputs=[], note="extreme"),
            Sample([_away(rng, (2, 3), kinks).astype(np.float32)], grad_inputs=[]),
        ]
        if ints:
            out.append(Sample([rng.integers(-5, 10, (2, 3)).astype(np.int32)]))
        return out

    return samples


def _softmax_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal((3, 5))], {"axis": -1}),
        Sample([rng.standard_normal((2, 3, 4))], {"axis": 1}),
        Sample([rng.standard_normal((4,))], {"axis": 0}),
        Sample(
            [np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]])], {"axis": -1}, grad_inputs=[], note="extreme"
        ),
        Sample([rng.standard_normal((2, 3)).astype(np.float32)], {"axis": -1}, grad_inputs=[]),
    ]


def _distribution(rng: np.random.Generator, shape: tuple[int, ...], axis: int = -1) -> np.ndarray:
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


def _sigmoid_xent_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.uniform(0, 1, (3, 4)), rng.standard_normal((3, 4)) * 3]),
        Sample([rng.uniform(0, 1, ()), rng.standard_normal(())]),
        Sample(
            [np.array([0.0, 1.0, 0.5, 1.0]), np.array([-1e4, 1e4, 1e4, -1e4])], grad_inputs=[], note="extreme"
        ),
    ]


def _softmax_xent_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([_distribution(rng, (3, 5)), rng.standard_normal((3, 5))], {"axis": -1, "labels_grad": True}),
        Sample([rng.uniform(0, 1, (3, 5)), rng.standard_normal((3, 5))], {"axis": -1, "labels_grad": True},
               note="labels not normalized"),
        Sample([_distribution(rng, (2, 4, 3), 1), rng.standard_normal((2, 4, 3))], {"axis": 1, "labels_grad": True}),
        Sample([_distribution(rng, (3, 5)), rng.standard_normal((3, 5))], {"axis": -1, "labels_grad": False},
               grad_inputs=[1], note="v1: no gradient into labels"),
        Sample([np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]), np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])],
               {"axis": -1, "labels_grad": True}, grad_inputs=[], note="extreme"),
    ]  # fmt: skip


def _sparse_xent_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.integers(0, 5, (4,)).astype(np.int32), rng.standard_normal((4, 5))]),
        Sample([rng.integers(0, 3, (2, 3)).astype(np.int64), rng.standard_normal((2, 3, 3))]),
        Sample([np.array([0, 2], np.int32), np.array([[1e4, -1e4, 0.0], [1e4, 0.0, -1e4]])], grad_inputs=[],
               note="extreme"),
    ]  # fmt: skip


def _bias_add_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample([rng.standard_normal((3, 4)), rng.standard_normal((4,))]),
        Sample([rng.standard_normal((2, 3, 3, 2)), rng.standard_normal((2,))], {"data_format": "NHWC"}),
        Sample([rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((3,))], {"data_format": "NCHW"}),
        Sample([rng.integers(-3, 3, (2, 3)).astype(np.int32), np.array([1, 2, 3], np.int32)]),
    ]


def _in_top_k_samples(rng: np.random.Generator) -> list[Sample]:
    p = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, 0.1, 0.3, 0.0], [np.inf, 0.0, 1.0, 2.0]], np.float32)
    return [
        Sample([p, np.array([1, 2, 0], np.int32)], {"k": 1}, note="ties count as in the top k"),
        Sample([p, np.array([3, 2, 1], np.int64)], {"k": 2}),
        Sample(
            [rng.standard_normal((5, 7)).astype(np.float32), rng.integers(0, 7, (5,)).astype(np.int32)],
            {"k": 3},
        ),
    ]


# --- registration -----------------------------------------------------------------------------------


def _unary(xp_fn: Callable[..., Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    return (
        lambda inputs, attrs, ctx: xp_fn(np, inputs[0], attrs),
        lambda inputs, attrs, ctx: xp_fn(jnp, inputs[0], attrs),
    )


def _reg(op: str, api: str, infer: Any, kernel: Callable[..., Any], gradient: Any, samples: Any, doc: str,
         arity: int = 1) -> None:  # fmt: skip
    register(
        op,
        api_name=api,
        infer=infer,
        evaluate=lambda inputs, attrs, ctx: kernel(np, *inputs, attrs),
        lower=lambda inputs, attrs, ctx: kernel(jnp, *inputs, attrs),
        gradient=gradient,
        differentiable=gradient is not None,
        samples=samples,
        doc=doc,
    )


_reg(
    "Relu",
    "relu",
    _unary_infer(NUMERIC),
    lambda xp, x, a: xp.maximum(x, 0),
    _relu_grad,
    _act_samples(ints=True),
    "max(x, 0).",
)
_reg(
    "Relu6",
    "relu6",
    _unary_infer(NUMERIC),
    lambda xp, x, a: xp.minimum(xp.maximum(x, 0), 6),
    _relu6_grad,
    _act_samples((0.0, 6.0), ints=True),
    "min(max(x, 0), 6).",
)
_reg(
    "LeakyRelu",
    "leaky_relu",
    _unary_infer(FLOAT),
    lambda xp, x, a: xp.where(x > 0, x, x * xp.asarray(a["alpha"], x.dtype)),
    _leaky_relu_grad,
    lambda rng: (
        [Sample([s.inputs[0]], {"alpha": 0.2}, s.grad_inputs) for s in _act_samples()(rng)]
        + [Sample([_away(rng, (3,))], {"alpha": 1.5})]
    ),
    "x if x > 0 else alpha * x.",
)
_reg(
    "Elu",
    "elu",
    _unary_infer(FLOAT),
    lambda xp, x, a: xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0))),
    _elu_grad,
    _act_samples(),
    "x if x > 0 else exp(x) - 1.",
)
_reg(
    "Softplus",
    "softplus",
    _unary_infer(FLOAT),
    lambda xp, x, a: _softplus(xp, x),
    _softplus_grad,
    _act_samples(()),
    "log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)).",
)
_reg(
    "Softmax",
    "softmax",
    _unary_infer(FLOAT),
    lambda xp, x, a: _softmax(xp, x, int(a["axis"])),
    _softmax_grad,
    _softmax_samples,
    "exp(x) / sum(exp(x)) along `axis`, with the max subtracted first.",
)
_reg(
    "LogSoftmax",
    "log_softmax",
    _unary_infer(FLOAT),
    lambda xp, x, a: _log_softmax(xp, x, int(a["axis"])),
    _log_softmax_grad,
    _softmax_samples,
    "x - log(sum(exp(x))) along `axis`, with the max subtracted first.",
)
_reg(
    "SigmoidCrossEntropyWithLogits",
    "sigmoid_cross_entropy_with_logits",
    _sigmoid_xent_infer,
    lambda xp, z, x, a: _sigmoid_xent(xp, z, x),
    _sigmoid_xent_grad,
    _sigmoid_xent_samples,
    "max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels z.",
)
_reg(
    "SoftmaxCrossEntropyWithLogits",
    "softmax_cross_entropy_with_logits",
    _softmax_xent_infer,
    lambda xp, z, x, a: _softmax_xent(xp, z, x, int(a.get("axis", -1)), bool(a.get("labels_grad", True))),
    _softmax_xent_grad,
    _softmax_xent_samples,
    "-sum(labels * log_softmax(logits)) along `axis`; labels_grad=False stops the gradient into labels (v1).",
)
_reg(
    "SparseSoftmaxCrossEntropyWithLogits",
    "sparse_softmax_cross_entropy_with_logits",
    _sparse_xent_infer,
    lambda xp, t, x, a: _sparse_xent(xp, t, x),
    _sparse_xent_grad,
    _sparse_xent_samples,
    "-log_softmax(logits)[label] over the last axis; a label out of range is an error (NaN when compiled).",
)
_reg(
    "L2Loss",
    "l2_loss",
    _l2_infer,
    lambda xp, x, a: xp.sum(x * x) / 2,
    _l2_grad,
    lambda rng: [
        Sample([rng.standard_normal((3, 4))]),
        Sample([rng.standard_normal(())]),
        Sample([np.zeros((0,))]),
    ],
    "sum(x ** 2) / 2.",
)
_reg(
    "BiasAdd",
    "bias_add",
    _bias_add_infer,
    lambda xp, v, b, a: _bias_add(xp, v, b, a.get("data_format", "NHWC")),
    _bias_add_grad,
    _bias_add_samples,
    "value + bias along the channel axis (last for NHWC, 1 for NCHW).",
)
_reg("InTopK", "in_top_k", _in_top_k_infer, lambda xp, p, t, a: _in_top_k(xp, p, t, int(a["k"])), None,
     _in_top_k_samples, "Whether each target's prediction is among the top k (ties included).")  # fmt: skip


# --- builders ---------------------------------------------------------------------------------------


def _t(x: Any, dtype: Any = None) -> Tensor:
    return convert_to_tensor(x, dtype=dtype)


def relu(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.relu(features)`: max(features, 0)."""
    return make_tensor("Relu", [_t(features)], {}, name or "Relu")


def relu6(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.relu6(features)`: min(max(features, 0), 6)."""
    return make_tensor("Relu6", [_t(features)], {}, name or "Relu6")


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.leaky_relu(features, alpha=0.2)`: features if positive, else alpha * features."""
    return make_tensor("LeakyRelu", [_t(features)], {"alpha": float(alpha)}, name or "LeakyRelu")


def elu(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.elu(features)`: features if positive, else exp(features) - 1."""
    return make_tensor("Elu", [_t(features)], {}, name or "Elu")


def selu(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.selu(features)`: scale * elu(features, alpha), Klambauer et al. constants."""
    from graphdl.ops.math import scalar_mul

    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    x = _t(features)
    with x.graph.name_scope(name or "Selu"):
        e = elu(x)
        return scale * _where(x > 0, x, scalar_mul(alpha, e))  # type: ignore[no-any-return]


def softplus(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.softplus(features)`: log(exp(features) + 1), stable for large |features|."""
    return make_tensor("Softplus", [_t(features)], {}, name or "Softplus")


def softsign(features: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.softsign(features)`: features / (|features| + 1)."""
    from graphdl.ops.math import abs as abs_

    x = _t(features)
    with x.graph.name_scope(name or "Softsign"):
        return x / (abs_(x) + 1.0)  # type: ignore[no-any-return]


def _pick_axis(axis: Any, dim: Any, default: int = -1) -> int:
    if axis is not None and dim is not None and axis != dim:
        raise get_default_graph().located_error(ShapeError, "softmax", "give axis or dim, not both")
    a = axis if axis is not None else dim
    return default if a is None else int(a)


def softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Tensor:
    """TF1 `tf.nn.softmax(logits, axis=None)`: exp(logits) / sum(exp(logits)) along axis (default -1)."""
    return make_tensor("Softmax", [_t(logits)], {"axis": _pick_axis(axis, dim)}, name or "Softmax")


def log_softmax(
    logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None
) -> Tensor:
    """TF1 `tf.nn.log_softmax(logits, axis=None)`: logits - log(sum(exp(logits))) along axis."""
    return make_tensor("LogSoftmax", [_t(logits)], {"axis": _pick_axis(axis, dim)}, name or "LogSoftmax")


def _labels_logits(api: str, labels: Any, logits: Any, sentinel: Any) -> tuple[Tensor, Tensor]:
    if sentinel is not None or labels is None or logits is None:
        raise get_default_graph().located_error(
            GraphError, api, "call it with named arguments only: labels=..., logits=..."
        )
    x = _t(logits)
    return convert_to_tensor(labels, dtype=None if isinstance(labels, Tensor) else x.dtype), x


def sigmoid_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Tensor:
    """TF1 `tf.nn.sigmoid_cross_entropy_with_logits(labels=, logits=)`: max(x,0) - x*z + log(1+exp(-|x|))."""
    z, x = _labels_logits("sigmoid_cross_entropy_with_logits", labels, logits, _sentinel)
    return make_tensor("SigmoidCrossEntropyWithLogits", [z, x], {}, name or "logistic_loss")


def weighted_cross_entropy_with_logits(
    targets: Any = None,
    logits: Any = None,
    pos_weight: Any = 1.0,
    name: str | None = None,
    labels: Any = None,
) -> Tensor:
    """TF1 `tf.nn.weighted_cross_entropy_with_logits`: (1 - z) x + (1 + (q - 1) z) (log1p(exp(-|x|)) + max(-x, 0))."""
    from graphdl.ops.math import abs as abs_
    from graphdl.ops.math import exp, log1p, maximum, negative

    z, x = _labels_logits(
        "weighted_cross_entropy_with_logits", labels if labels is not None else targets, logits, None
    )
    with x.graph.name_scope(name or "logistic_loss") as scope:
        q = convert_to_tensor(pos_weight, dtype=x.dtype)
        log_weight = 1.0 + (q - 1.0) * z
        soft = log1p(exp(negative(abs_(x)))) + maximum(negative(x), 0.0)
        from graphdl.ops.math import add

        return add((1.0 - z) * x, log_weight * soft, name=scope)


def softmax_cross_entropy_with_logits_v2(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, axis: int | None = None,
    name: str | None = None, dim: int | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.softmax_cross_entropy_with_logits_v2(labels=, logits=, axis=-1)`: backprops into labels too."""
    z, x = _labels_logits("softmax_cross_entropy_with_logits_v2", labels, logits, _sentinel)
    attrs = {"axis": _pick_axis(axis, dim), "labels_grad": True}
    return make_tensor(
        "SoftmaxCrossEntropyWithLogits", [z, x], attrs, name or "softmax_cross_entropy_with_logits"
    )


def softmax_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, dim: int = -1, name: str | None = None,
    axis: int | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.softmax_cross_entropy_with_logits(labels=, logits=, dim=-1)`: no gradient into labels."""
    z, x = _labels_logits("softmax_cross_entropy_with_logits", labels, logits, _sentinel)
    attrs = {"axis": _pick_axis(axis, None if dim == -1 else dim), "labels_grad": False}
    return make_tensor(
        "SoftmaxCrossEntropyWithLogits", [z, x], attrs, name or "softmax_cross_entropy_with_logits"
    )


def sparse_softmax_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, name: str | None = None
) -> Tensor:
    """TF1 `tf.nn.sparse_softmax_cross_entropy_with_logits(labels=, logits=)`: integer class labels."""
    if _sentinel is not None or labels is None or logits is None:
        raise get_default_graph().located_error(
            GraphError,
            "sparse_softmax_cross_entropy_with_logits",
            "call it with named arguments: labels=, logits=",
        )
    x = _t(logits)
    t = convert_to_tensor(labels) if isinstance(labels, Tensor) else convert_to_tensor(np.asarray(labels))
    if t.dtype.name not in ("int32", "int64") and not isinstance(labels, Tensor):
        t = convert_to_tensor(labels, dtype="int32")
    return make_tensor(
        "SparseSoftmaxCrossEntropyWithLogits", [t, x], {}, name or "SparseSoftmaxCrossEntropyWithLogits"
    )


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.l2_loss(t)`: sum(t ** 2) / 2."""
    return make_tensor("L2Loss", [_t(t)], {}, name or "L2Loss")


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.bias_add(value, bias, data_format=None)`: bias added along the channel axis."""
    v = _t(value)
    b = convert_to_tensor(
        bias, dtype=None if isinstance(bias, Tensor) or hasattr(bias, "_as_tensor") else v.dtype
    )
    fmt = data_format or "NHWC"
    if fmt not in ("NHWC", "NCHW", "NWC", "NCW", "NDHWC", "NCDHW", "N...C", "NC..."):
        raise get_default_graph().located_error(ShapeError, "bias_add", f"unknown data_format {fmt!r}")
    return make_tensor("BiasAdd", [v, b], {"data_format": fmt}, name or "BiasAdd")


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.xw_plus_b(x, weights, biases)`: matmul(x, weights) + biases."""
    from graphdl.ops.linalg import matmul

    xt = _t(x)
    with xt.graph.name_scope(name or "xw_plus_b") as scope:
        return bias_add(matmul(xt, weights), biases, name=scope)


def in_top_k(predictions: Any, targets: Any, k: int, name: str | None = None) -> Tensor:
    """TF1 `tf.nn.in_top_k(predictions, targets, k)`: whether each target is among the top k predictions."""
    p = _t(predictions)
    t = (
        convert_to_tensor(targets)
        if isinstance(targets, Tensor)
        else convert_to_tensor(np.asarray(targets, np.int32))
    )
    return make_tensor("InTopK", [p, t], {"k": int(k)}, name or "in_top_k")


def l2_normalize(
    x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None
) -> Tensor:
    """TF1 `tf.nn.l2_normalize(x, axis)`: x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    from graphdl.ops.math import maximum, rsqrt, square
    from graphdl.ops.reduce import reduce_sum

    xt = _t(x)
    a = axis if axis is not None else dim
    with xt.graph.name_scope(name or "l2_normalize") as scope:
        ss = reduce_sum(square(xt), axis=a, keepdims=True)
        from graphdl.ops.math import multiply

        return multiply(xt, rsqrt(maximum(ss, epsilon)), name=scope)


def moments(x: Any, axes: Any, shift: Any = None, name: str | None = None, keep_dims: bool | None = None,
            keepdims: bool | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """TF1 `tf.nn.moments(x, axes)`: (mean, variance) over `axes`."""
    from graphdl.ops.math import squared_difference
    from graphdl.ops.reduce import reduce_mean

    xt = _t(x)
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with xt.graph.name_scope(name or "moments"):
        mean_k = reduce_mean(xt, axis=axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(xt, mean_k), axis=axes, keepdims=keep, name="variance")
        mean = mean_k if keep else reduce_mean(xt, axis=axes, keepdims=False, name="Squeeze")
        return mean, variance
