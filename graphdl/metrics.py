"""TF1's `tf.metrics`: streaming metrics, each a (value, update_op) pair over local variables.

As in TF1 (metrics_impl.py), a metric keeps float32 accumulators in non-trainable LOCAL variables
(also in the "metric_variables" collection) named `<metric scope>/total`, `/count`, ...;
`update_op` adds a batch and returns the updated metric; `value` reads the accumulators.
`tf.local_variables_initializer()` resets them. Divisions are TF1's div_no_nan (0 when the
denominator is 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from graphdl.convert import convert_to_tensor
from graphdl.dtypes import bool_, float32
from graphdl.errors import GraphError, ShapeError
from graphdl.graph import GraphKeys, get_default_graph
from graphdl.tensor import Tensor
from graphdl.variables import Variable

__all__ = [
    "accuracy",
    "auc",
    "false_negatives",
    "false_positives",
    "mean",
    "mean_absolute_error",
    "mean_squared_error",
    "precision",
    "recall",
    "root_mean_squared_error",
    "true_positives",
]

METRIC_VARIABLES = GraphKeys.METRIC_VARIABLES


# --- helpers --------------------------------------------------------------------------------------
def _metric_variable(shape: list[int], name: str) -> Variable:
    """A float32 zero-initialised local accumulator (TF1's `metric_variable`)."""
    from graphdl.ops.creation import zeros

    return Variable(
        lambda: zeros(shape, float32),
        trainable=False,
        collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES],
        name=name,
    )


def _add_to(collections: Sequence[str] | None, value: Any) -> None:
    graph = get_default_graph()
    for key in collections or ():
        graph.add_to_collection(key, value)


def _div_no_nan(num: Tensor, den: Tensor, name: str) -> Tensor:
    """num / max(den, 0), and 0 where that is 0 (TF1's `div_no_nan(t, maximum(c, 0))`)."""
    from graphdl.ops.logic import equal
    from graphdl.ops.math import cast, divide, maximum, multiply

    den = maximum(den, 0.0)
    zero = cast(equal(den, 0.0), den.dtype)
    return multiply(divide(num, den + zero), 1.0 - zero, name=name)  # type: ignore[no-any-return]


def _remove_squeezable_dimensions(
    predictions: Any, labels: Any, weights: Any, api: str
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """TF1's static rule: squeeze a trailing 1 that predictions or labels have extra; then squeeze or
    expand the weights' last axis to predictions' rank; predictions and labels must have one shape."""
    from graphdl.ops.array import expand_dims, squeeze

    p = convert_to_tensor(predictions)
    y = None
    if labels is not None:
        y = convert_to_tensor(labels)
        pr, lr = p.shape.rank, y.shape.rank
        if pr is not None and lr is not None:
            if pr - lr == 1 and p.shape[-1] in (None, 1):
                p = squeeze(p, [-1])
            elif lr - pr == 1 and y.shape[-1] in (None, 1):
                y = squeeze(y, [-1])
        if not p.shape.is_compatible_with(y.shape):
            raise get_default_graph().located_error(
                ShapeError,
                api,
                f"predictions {p.shape.short()} and labels {y.shape.short()} have different shapes",
            )
    if weights is None:
        return p, y, None
    w = convert_to_tensor(weights)
    wr, pr = w.shape.rank, p.shape.rank
    if wr not in (None, 0) and pr is not None:
        if wr - pr == 1 and w.shape[-1] in (None, 1):
            w = squeeze(w, [-1])
        elif pr - wr == 1:
            w = expand_dims(w, -1)
    return p, y, w


def _broadcast_weights(weights: Tensor, values: Tensor, api: str) -> Tensor:
    """float32 weights broadcast to values' shape; they must be a scalar or have values' rank with
    each dimension 1 or equal (TF1's `broadcast_weights`)."""
    from graphdl.ops.grad_util import broadcast_like
    from graphdl.ops.math import cast

    w = weights if weights.dtype == float32 else cast(weights, float32)
    ws, vs = w.shape, values.shape
    if ws.rank == 0:
        return broadcast_like(w, values)  # type: ignore[no-any-return]
    ok = (
        ws.rank is None
        or vs.rank is None
        or (
            ws.rank == vs.rank
            and all(a in (None, 1) or b is None or a == b for a, b in zip(ws, vs, strict=True))
        )
    )
    if not ok:
        raise get_default_graph().located_error(
            ShapeError, api, f"weights {ws.short()} can not be broadcast to values {vs.short()}"
        )
    if ws.is_fully_defined() and vs.is_fully_defined() and ws == vs:
        return w
    return broadcast_like(w, values)  # type: ignore[no-any-return]


# --- mean and the metrics built on it --------------------------------------------------------------
def mean(
    values: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.mean`: the (weighted) mean of every value seen, as (mean, update_op)."""
    from graphdl.ops.array import size
    from graphdl.ops.math import cast, multiply
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.state import assign_add

    graph = get_default_graph()
    with graph.name_scope(name or "mean"):
        v = convert_to_tensor(values)
        v = v if v.dtype == float32 else cast(v, float32)
        total = _metric_variable([], "total")
        count = _metric_variable([], "count")
        if weights is None:
            num_values = cast(size(v), float32)
        else:
            v, _, w = _remove_squeezable_dimensions(v, None, weights, "mean")
            assert w is not None
            w = _broadcast_weights(w, v, "mean")
            v = multiply(v, w)
            num_values = reduce_sum(w)
        update_total = assign_add(total, reduce_sum(v))
        update_count = assign_add(count, num_values)
        value = _div_no_nan(total.value(), count.value(), "value")
        update_op = _div_no_nan(update_total, update_count, "update_op")
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def accuracy(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.accuracy`: how often predictions equal labels (weighted), as (accuracy, update_op)."""
    from graphdl.ops.logic import equal
    from graphdl.ops.math import cast

    p, y, w = _remove_squeezable_dimensions(predictions, labels, weights, "accuracy")
    assert y is not None
    if p.dtype != y.dtype:
        p = cast(p, y.dtype)
    is_correct = cast(equal(p, y), float32)
    return mean(is_correct, w, metrics_collections, updates_collections, name or "accuracy")


def mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.mean_squared_error`: the (weighted) mean of (labels - predictions)^2."""
    from graphdl.ops.math import squared_difference

    p, y, w = _remove_squeezable_dimensions(predictions, labels, weights, "mean_squared_error")
    err = squared_difference(y, p)
    return mean(err, w, metrics_collections, updates_collections, name or "mean_squared_error")


def root_mean_squared_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.root_mean_squared_error`: sqrt of mean_squared_error's value and update."""
    from graphdl.ops.math import sqrt

    mse, update = mean_squared_error(
        labels, predictions, weights, None, None, name or "root_mean_squared_error"
    )
    rmse, update_rmse = sqrt(mse), sqrt(update)
    _add_to(metrics_collections, rmse)
    _add_to(updates_collections, update_rmse)
    return rmse, update_rmse


def mean_absolute_error(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.mean_absolute_error`: the (weighted) mean of |predictions - labels|."""
    from graphdl.ops.unary import abs as absolute

    p, y, w = _remove_squeezable_dimensions(predictions, labels, weights, "mean_absolute_error")
    return mean(absolute(p - y), w, metrics_collections, updates_collections, name or "mean_absolute_error")


# --- counts of a condition ------------------------------------------------------------------------
def _count_condition(
    values: Tensor,
    weights: Tensor | None,
    metrics_collections: Sequence[str] | None,
    updates_collections: Sequence[str] | None,
    api: str,
) -> tuple[Tensor, Tensor]:
    """Sum (weighted) the true elements of a bool tensor into a local `count` (TF1's `_count_condition`)."""
    from graphdl.ops.array import identity
    from graphdl.ops.math import cast, multiply
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.state import assign_add

    count = _metric_variable([], "count")
    v = cast(values, float32)
    if weights is not None:
        v = multiply(v, _broadcast_weights(weights, v, api))
    value = identity(count.value())
    update_op = assign_add(count, reduce_sum(v))
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def _bool_pair(labels: Any, predictions: Any, weights: Any, api: str) -> tuple[Tensor, Tensor, Tensor | None]:
    from graphdl.ops.math import cast

    def as_bool(x: Any) -> Tensor:
        t = convert_to_tensor(x)
        return t if t.dtype == bool_ else cast(t, bool_)  # type: ignore[no-any-return]

    p, y, w = _remove_squeezable_dimensions(as_bool(predictions), as_bool(labels), weights, api)
    assert y is not None
    return p, y, w


def _condition_metric(
    api: str, label_value: bool, prediction_value: bool, labels: Any, predictions: Any, weights: Any,
    metrics_collections: Sequence[str] | None, updates_collections: Sequence[str] | None, name: str | None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    from graphdl.ops.logic import equal, logical_and

    with get_default_graph().name_scope(name or api):
        p, y, w = _bool_pair(labels, predictions, weights, api)
        is_condition = logical_and(equal(y, label_value), equal(p, prediction_value))
        return _count_condition(is_condition, w, metrics_collections, updates_collections, api)


def true_positives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.true_positives`: the (weighted) count of labels and predictions both true."""
    return _condition_metric(
        "true_positives", True, True, labels, predictions, weights, metrics_collections, updates_collections,
        name,
    )  # fmt: skip


def false_positives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.false_positives`: the (weighted) count of false labels predicted true."""
    return _condition_metric(
        "false_positives", False, True, labels, predictions, weights, metrics_collections,
        updates_collections, name,
    )  # fmt: skip


def false_negatives(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.false_negatives`: the (weighted) count of true labels predicted false."""
    return _condition_metric(
        "false_negatives", True, False, labels, predictions, weights, metrics_collections,
        updates_collections, name,
    )  # fmt: skip


def _ratio_metric(
    api: str, other: Any, labels: Any, predictions: Any, weights: Any,
    metrics_collections: Sequence[str] | None, updates_collections: Sequence[str] | None, name: str | None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """tp / (tp + other) of two count metrics made inside the metric's scope (precision, recall)."""
    with get_default_graph().name_scope(name or api):
        p, y, w = _bool_pair(labels, predictions, weights, api)
        tp, tp_update = true_positives(y, p, w)
        ot, ot_update = other(y, p, w)
        value = _div_no_nan(tp, tp + ot, "value")
        update_op = _div_no_nan(tp_update, tp_update + ot_update, "update_op")
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def precision(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.precision`: true_positives / (true_positives + false_positives), 0 when none."""
    return _ratio_metric(
        "precision", false_positives, labels, predictions, weights, metrics_collections,
        updates_collections, name,
    )  # fmt: skip


def recall(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    name: str | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.recall`: true_positives / (true_positives + false_negatives), 0 when none."""
    return _ratio_metric(
        "recall", false_negatives, labels, predictions, weights, metrics_collections, updates_collections,
        name,
    )  # fmt: skip


# --- auc ------------------------------------------------------------------------------------------
_KEPSILON = 1e-7  # TF1's margin so that predictions 0 and 1 fall inside the end thresholds


def auc(
    labels: Any,
    predictions: Any,
    weights: Any = None,
    num_thresholds: int = 200,
    metrics_collections: Sequence[str] | None = None,
    updates_collections: Sequence[str] | None = None,
    curve: str = "ROC",
    name: str | None = None,
    summation_method: str = "trapezoidal",
    thresholds: Sequence[float] | None = None,
) -> tuple[Tensor, Tensor]:
    """TF1 `tf.metrics.auc`: area under the ROC or PR curve from confusion counts at fixed thresholds.

    Riemann sums 'trapezoidal' (and 'careful_interpolation' for ROC, the same there), 'minoring',
    'majoring'; the PR curve's 'careful_interpolation' is not supported.
    """
    from graphdl.ops.array import reshape, transpose
    from graphdl.ops.logic import greater, logical_and, logical_not
    from graphdl.ops.math import cast, divide, maximum, minimum, multiply
    from graphdl.ops.padding import tile
    from graphdl.ops.reduce import reduce_sum
    from graphdl.ops.state import assign_add, constant, group

    graph = get_default_graph()
    if curve not in ("ROC", "PR"):
        raise graph.located_error(GraphError, "auc", f"curve must be 'ROC' or 'PR', got {curve!r}")
    methods = ("trapezoidal", "careful_interpolation", "minoring", "majoring")
    if summation_method not in methods:
        raise graph.located_error(GraphError, "auc", f"summation_method must be one of {methods}")
    if curve == "PR" and summation_method == "careful_interpolation":
        raise graph.located_error(
            GraphError, "auc", "summation_method='careful_interpolation' for the PR curve is not supported"
        )
    if thresholds is not None:
        inner = [float(t) for t in thresholds]
    else:
        if num_thresholds < 2:
            raise graph.located_error(GraphError, "auc", "num_thresholds must be > 1")
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thresh = np.array([0.0 - _KEPSILON, *inner, 1.0 + _KEPSILON], np.float32)
    n = len(thresh)

    with graph.name_scope(name or "auc"):
        p, y, w = _remove_squeezable_dimensions(predictions, labels, weights, "auc")
        assert y is not None
        p = p if p.dtype == float32 else cast(p, float32)
        y = y if y.dtype == bool_ else cast(y, bool_)
        p2 = reshape(p, [-1, 1])
        pred_is_pos = greater(tile(transpose(p2), [n, 1]), constant(thresh.reshape(n, 1)))
        label_is_pos = tile(reshape(y, [1, -1]), [n, 1])
        pred_is_neg, label_is_neg = logical_not(pred_is_pos), logical_not(label_is_pos)
        w_tiled = None
        if w is not None:
            w_tiled = tile(reshape(_broadcast_weights(w, p, "auc"), [1, -1]), [n, 1])
        values: dict[str, Tensor] = {}
        updates: dict[str, Tensor] = {}
        for key, cond in [
            ("tp", logical_and(label_is_pos, pred_is_pos)),
            ("fn", logical_and(label_is_pos, pred_is_neg)),
            ("tn", logical_and(label_is_neg, pred_is_neg)),
            ("fp", logical_and(label_is_neg, pred_is_pos)),
        ]:
            var_name = {"tp": "true_positives", "fn": "false_negatives", "tn": "true_negatives"}.get(
                key, "false_positives"
            )
            var = _metric_variable([n], var_name)
            c = cast(cond, float32)
            if w_tiled is not None:
                c = multiply(c, w_tiled)
            values[key] = var.value()
            updates[key] = assign_add(var, reduce_sum(c, 1))

        def compute(c: dict[str, Tensor], op_name: str) -> Tensor:
            eps = 1.0e-6
            rec = divide(c["tp"] + eps, c["tp"] + c["fn"] + eps)
            if curve == "ROC":
                x, yv = divide(c["fp"], c["fp"] + c["tn"] + eps), rec
            else:
                x, yv = rec, divide(c["tp"] + eps, c["tp"] + c["fp"] + eps)
            dx = x[: n - 1] - x[1:]
            if summation_method == "minoring":
                height = minimum(yv[: n - 1], yv[1:])
            elif summation_method == "majoring":
                height = maximum(yv[: n - 1], yv[1:])
            else:
                height = (yv[: n - 1] + yv[1:]) / 2.0
            return reduce_sum(multiply(dx, height), name=op_name)  # type: ignore[no-any-return]

        value = compute(values, "value")
        with graph.control_dependencies([group(*updates.values())]):
            update_op = compute(updates, "update_op")
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op
