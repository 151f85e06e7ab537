"""TF1's `tf.losses`: weighted losses with TF1's reductions, added to the LOSSES collection.

Every loss is `compute_weighted_loss(per-element losses, weights, reduction)`; the default reduction
`SUM_BY_NONZERO_WEIGHTS` divides the weighted sum by the number of elements with a non-zero weight
(the mean, for scalar weights). A division by a zero count gives 0, as TF1's `div_no_nan`.
One deviation: TF1 casts predictions and labels to float32; here floating inputs keep their dtype
(float64 losses stay float64), and integer inputs become float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import float32
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import GraphKeys, get_default_graph
from graphdl.tensor import Tensor

__all__ = [
    "Reduction",
    "compute_weighted_loss",
    "mean_squared_error",
    "absolute_difference",
    "log_loss",
    "hinge_loss",
    "huber_loss",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "sparse_softmax_cross_entropy",
    "add_loss",
    "get_losses",
    "get_regularization_losses",
    "get_regularization_loss",
    "get_total_loss",
]

REGULARIZATION_LOSSES = "regularization_losses"  # TF1's GraphKeys.REGULARIZATION_LOSSES


class Reduction:
    """How a loss reduces its weighted per-element values (TF1 `tf.losses.Reduction`)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"invalid reduction key {key!r}; expected one of {cls.all()}")


def _float(x: Any, like: Tensor | None = None) -> Tensor:
    """A floating tensor: floats keep their dtype, everything else becomes `like`'s dtype or float32."""
    from graphdl.ops.math import cast

    if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
        t = convert_to_tensor(x)
        if t.dtype.is_floating and (like is None or t.dtype == like.dtype):
            return t
        return cast(t, like.dtype if like is not None else float32)
    return convert_to_tensor(np.asarray(x), dtype=like.dtype if like is not None else float32)


def _num_elements(losses: Tensor) -> Tensor:
    """The number of elements of `losses` as a float scalar (static when the shape is known)."""
    from graphdl.ops.grad_util import broadcast_like
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.state import constant

    n = losses.shape.num_elements()
    if n is not None:
        return constant(float(n), dtype=losses.dtype, name="num_elements")
    one = constant(1.0, dtype=losses.dtype)
    return reduce_sum(broadcast_like(one, losses), name="num_elements")


def _num_present(losses: Tensor, weights: Any) -> Tensor:
    """The number of elements of `losses` whose (broadcast) weight is non-zero."""
    from graphdl.ops.grad_util import broadcast_like
    from graphdl.ops.math import cast, not_equal
    from graphdl.ops.reduce import reduce_sum

    if isinstance(weights, int | float) and weights != 0:
        return _num_elements(losses)
    w = _float(weights, losses)
    with losses.graph.name_scope("num_present") as scope:
        present = cast(not_equal(w, 0.0), losses.dtype)
        return reduce_sum(broadcast_like(present, losses), name=scope)


def _div_no_nan(num: Tensor, den: Tensor) -> Tensor:
    """num / den, and 0 where den is 0 (its gradient stays finite there too)."""
    from graphdl.ops.math import cast, divide, equal, multiply

    zero = cast(equal(den, 0.0), den.dtype)
    return multiply(divide(num, den + zero), 1.0 - zero, name="value")


def compute_weighted_loss(
    losses: Any,
    weights: Any = 1.0,
    scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES,
    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:
    """TF1 `tf.losses.compute_weighted_loss`: weight the losses, reduce them, add to `loss_collection`."""
    from graphdl.ops.math import multiply
    from graphdl.ops.reduce import reduce_sum

    Reduction.validate(reduction)
    graph = get_default_graph()
    with graph.name_scope(scope or "weighted_loss"):
        losses_t = _float(losses)
        w = _float(weights, losses_t)
        try:
            weighted = multiply(losses_t, w)
        except ShapeError as exc:
            raise graph.located_error(
                ShapeError, "compute_weighted_loss", f"weights do not broadcast to the losses: {exc}"
            ) from None
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            total = reduce_sum(weighted, name="Sum")
            if reduction == Reduction.SUM:
                loss = total
            elif reduction == Reduction.MEAN:
                from graphdl.ops.grad_util import broadcast_like

                loss = _div_no_nan(total, reduce_sum(broadcast_like(w, weighted), name="Sum_1"))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _div_no_nan(total, _num_elements(weighted))
            else:
                loss = _div_no_nan(total, _num_present(weighted, weights))
        add_loss(loss, loss_collection)
        return loss


def _pair(labels: Any, predictions: Any, api: str) -> tuple[Tensor, Tensor]:
    if labels is None or predictions is None:
        raise get_default_graph().located_error(GraphError, api, "labels and predictions must not be None")
    p = _float(predictions)
    y = _float(labels, p)
    if not p.shape.is_compatible_with(y.shape):
        raise get_default_graph().located_error(
            ShapeError,
            api,
            f"predictions {p.shape.short()} and labels {y.shape.short()} have different shapes",
        )
    return y, p


def mean_squared_error(
    labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.mean_squared_error(labels, predictions)`: weighted (predictions - labels)^2, the mean by default."""
    from graphdl.ops.math import squared_difference

    with get_default_graph().name_scope(scope or "mean_squared_error") as sc:
        y, p = _pair(labels, predictions, "mean_squared_error")
        losses = squared_difference(p, y)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def absolute_difference(
    labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.absolute_difference(labels, predictions)`: weighted |predictions - labels|."""
    from graphdl.ops.math import abs as abs_
    from graphdl.ops.math import subtract

    with get_default_graph().name_scope(scope or "absolute_difference") as sc:
        y, p = _pair(labels, predictions, "absolute_difference")
        losses = abs_(subtract(p, y))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def log_loss(
    labels: Any, predictions: Any, weights: Any = 1.0, epsilon: float = 1e-7, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.log_loss`: -y log(p + eps) - (1 - y) log(1 - p + eps)."""
    from graphdl.ops.math import log, multiply, negative, subtract

    with get_default_graph().name_scope(scope or "log_loss") as sc:
        y, p = _pair(labels, predictions, "log_loss")
        losses = subtract(negative(multiply(y, log(p + epsilon))), multiply(1.0 - y, log(1.0 - p + epsilon)))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def hinge_loss(
    labels: Any, logits: Any, weights: Any = 1.0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.hinge_loss(labels in {0, 1}, logits)`: max(0, 1 - (2 labels - 1) logits)."""
    from graphdl.ops.activations import relu

    with get_default_graph().name_scope(scope or "hinge_loss") as sc:
        y, x = _pair(labels, logits, "hinge_loss")
        losses = relu(1.0 - (2.0 * y - 1.0) * x)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def huber_loss(
    labels: Any, predictions: Any, weights: Any = 1.0, delta: float = 1.0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.huber_loss`: 0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta)."""
    from graphdl.ops.math import abs as abs_
    from graphdl.ops.math import minimum, subtract

    with get_default_graph().name_scope(scope or "huber_loss") as sc:
        y, p = _pair(labels, predictions, "huber_loss")
        error = subtract(p, y)
        abs_error = abs_(error)
        quadratic = minimum(abs_error, delta)
        linear = abs_error - quadratic
        losses = 0.5 * quadratic * quadratic + delta * linear
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sigmoid_cross_entropy(
    multi_class_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.sigmoid_cross_entropy(multi_class_labels, logits)`, with optional label smoothing."""
    from graphdl.ops.xent import sigmoid_cross_entropy_with_logits

    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as sc:
        z, x = _pair(multi_class_labels, logits, "sigmoid_cross_entropy")
        if label_smoothing > 0:
            z = z * (1.0 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=z, logits=x, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def softmax_cross_entropy(
    onehot_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.softmax_cross_entropy(onehot_labels, logits)`: no gradient flows into the labels."""
    from graphdl.ops.xent import softmax_cross_entropy_with_logits

    graph = get_default_graph()
    with graph.name_scope(scope or "softmax_cross_entropy_loss") as sc:
        z, x = _pair(onehot_labels, logits, "softmax_cross_entropy")
        if label_smoothing > 0:
            classes = z.shape.dims[-1] if z.shape.dims else None
            if classes is None:
                raise graph.located_error(
                    ShapeError, "softmax_cross_entropy", "label_smoothing needs a known number of classes"
                )
            z = z * (1.0 - label_smoothing) + label_smoothing / classes
        losses = softmax_cross_entropy_with_logits(labels=z, logits=x, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sparse_softmax_cross_entropy(
    labels: Any, logits: Any, weights: Any = 1.0, scope: str | None = None,
    loss_collection: str | None = GraphKeys.LOSSES, reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS,
) -> Tensor:  # fmt: skip
    """TF1 `tf.losses.sparse_softmax_cross_entropy(labels, logits)`: integer class labels."""
    from graphdl.ops.xent import sparse_softmax_cross_entropy_with_logits

    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss") as sc:
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def add_loss(loss: Any, loss_collection: str | None = GraphKeys.LOSSES) -> None:
    """TF1 `tf.losses.add_loss`: add a loss tensor to `loss_collection` (None adds it nowhere)."""
    if loss_collection is not None:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope: str | None = None, loss_collection: str = GraphKeys.LOSSES) -> list[Any]:
    """TF1 `tf.losses.get_losses`: the losses in `loss_collection` (names matching `scope`)."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope: str | None = None) -> list[Any]:
    """TF1 `tf.losses.get_regularization_losses`: the losses that get_variable's regularizers added."""
    return get_default_graph().get_collection(REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope: str | None = None, name: str = "total_regularization_loss") -> Tensor:
    """TF1 `tf.losses.get_regularization_loss`: the sum of the regularization losses (0.0 when none)."""
    from graphdl.ops.math import add_n
    from graphdl.ops.state import constant

    losses = get_regularization_losses(scope)
    if losses:
        return add_n(list(losses), name=name)
    return constant(0.0, name=name)


def get_total_loss(
    add_regularization_losses: bool = True, name: str = "total_loss", scope: str | None = None
) -> Tensor:
    """TF1 `tf.losses.get_total_loss`: the sum of the LOSSES collection (and the regularization losses)."""
    from graphdl.ops.math import add_n

    losses: Sequence[Any] = get_losses(scope)
    if add_regularization_losses:
        losses = list(losses) + get_regularization_losses(scope)
    if not losses:
        raise get_default_graph().located_error(GraphError, "get_total_loss", "no losses were added")
    return add_n(list(losses), name=name)
