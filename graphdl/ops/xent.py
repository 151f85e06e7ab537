"""Cross-entropy ops (`tf.nn`): sigmoid, weighted, softmax (v1 and v2) and sparse softmax.

The kernels are written once against an array namespace `xp` (NumPy for evaluate, jax.numpy for
lower) and are numerically stable: the sigmoid cross-entropy uses log1p(exp(-|x|)) and the softmax
cross-entropies go through log_softmax, so logits of +-1e4 give finite values and gradients.
Gradients are built from public ops; weighted_cross_entropy_with_logits is a composite.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor, make_tensor
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.graph import get_default_graph
from graphdl.ops.activations import _log_softmax, log_softmax, softmax
from graphdl.ops.common import spec
from graphdl.ops.logic import FLOAT, check_kind
from graphdl.ops.nn_common import _axis_in, _pick_axis, _stop, _t, register_xp
from graphdl.registry import Sample, TensorSpec
from graphdl.shapes import TensorShape, as_shape
from graphdl.tensor import Tensor

__all__ = [
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits",
]  # fmt: skip


# --- kernels (xp = numpy | jax.numpy) -------------------------------------------------------------


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


# --- infer rules ----------------------------------------------------------------------------------


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


# --- gradient rules -------------------------------------------------------------------------------


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


# --- samples --------------------------------------------------------------------------------------


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


# --- registration ---------------------------------------------------------------------------------


_reg = functools.partial(register_xp, module=__name__)


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


# --- builders -------------------------------------------------------------------------------------


def _labels_logits(
    api: str, labels: Any, logits: Any, sentinel: Any, cast_labels: bool = False
) -> tuple[Tensor, Tensor]:
    """(labels, logits) as tensors; with `cast_labels`, floating labels of another dtype are cast to
    the logits' dtype, as TF 1.15's softmax cross-entropies do (np.zeros labels are float64)."""
    if sentinel is not None or labels is None or logits is None:
        raise get_default_graph().located_error(
            GraphError, api, "call it with named arguments only: labels=..., logits=..."
        )
    x = _t(logits)
    z = convert_to_tensor(labels, dtype=None if isinstance(labels, Tensor) else x.dtype)
    if cast_labels and z.dtype != x.dtype and z.dtype.is_floating and x.dtype.is_floating:
        from graphdl.ops.math import cast

        z = cast(z, x.dtype)
    return z, x


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
    z, x = _labels_logits("softmax_cross_entropy_with_logits_v2", labels, logits, _sentinel, cast_labels=True)
    attrs = {"axis": _pick_axis(axis, dim), "labels_grad": True}
    return make_tensor(
        "SoftmaxCrossEntropyWithLogits", [z, x], attrs, name or "softmax_cross_entropy_with_logits"
    )


def softmax_cross_entropy_with_logits(
    _sentinel: Any = None, labels: Any = None, logits: Any = None, dim: int = -1, name: str | None = None,
    axis: int | None = None,
) -> Tensor:  # fmt: skip
    """TF1 `tf.nn.softmax_cross_entropy_with_logits(labels=, logits=, dim=-1)`: no gradient into labels."""
    z, x = _labels_logits("softmax_cross_entropy_with_logits", labels, logits, _sentinel, cast_labels=True)
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
