"""tf.metrics: streaming metrics over batches on both backends against NumPy accumulations."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import GraphError, ShapeError

BACKENDS = ["interpreter", "xla"]
N = 7
BATCHES = 4


def _batches(seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(BATCHES):
        out.append(
            {
                "labels": rng.integers(0, 2, N).astype(np.int64),
                "preds": rng.integers(0, 2, N).astype(np.int64),
                "scores": rng.uniform(0, 1, N).astype(np.float32),
                "values": rng.standard_normal(N).astype(np.float32),
                "target": rng.standard_normal(N).astype(np.float32),
                "weights": rng.uniform(0, 2, N).astype(np.float32),
            }
        )
    return out


def _div(a, b):
    b = max(b, 0.0)
    return 0.0 if b == 0 else a / b


class RefStream:
    """NumPy accumulation of TF1's metric definitions, batch by batch."""

    def __init__(self, weighted: bool) -> None:
        self.weighted = weighted
        self.sums: dict[str, float] = {}

    def add(self, key: str, value: float) -> None:
        self.sums[key] = self.sums.get(key, 0.0) + float(value)

    def update(self, b) -> dict[str, float]:
        w = b["weights"] if self.weighted else np.ones(N, np.float32)
        y, p = b["labels"].astype(bool), b["preds"].astype(bool)
        self.add("acc_t", np.sum((b["labels"] == b["preds"]) * w))
        self.add("mean_t", np.sum(b["values"] * w))
        self.add("mse_t", np.sum((b["target"] - b["values"]) ** 2 * w))
        self.add("n", np.sum(w))
        self.add("tp", np.sum((y & p) * w))
        self.add("fp", np.sum((~y & p) * w))
        self.add("fn", np.sum((y & ~p) * w))
        return self.values()

    def values(self) -> dict[str, float]:
        s = self.sums
        g = lambda k: s.get(k, 0.0)  # noqa: E731
        return {
            "accuracy": _div(g("acc_t"), g("n")),
            "mean": _div(g("mean_t"), g("n")),
            "mse": _div(g("mse_t"), g("n")),
            "precision": _div(g("tp"), g("tp") + g("fp")),
            "recall": _div(g("tp"), g("tp") + g("fn")),
            "tp": g("tp"),
            "fp": g("fp"),
            "fn": g("fn"),
        }


def _build(weighted: bool):
    labels = tf.placeholder(tf.int64, [None], name="labels")
    preds = tf.placeholder(tf.int64, [None], name="preds")
    values = tf.placeholder(tf.float32, [None], name="values")
    target = tf.placeholder(tf.float32, [None], name="target")
    weights = tf.placeholder(tf.float32, [None], name="weights")
    w = weights if weighted else None
    metrics = {
        "accuracy": tf.metrics.accuracy(labels, preds, weights=w),
        "mean": tf.metrics.mean(values, weights=w),
        "mse": tf.metrics.mean_squared_error(target, values, weights=w),
        "precision": tf.metrics.precision(labels, preds, weights=w),
        "recall": tf.metrics.recall(labels, preds, weights=w),
        "tp": tf.metrics.true_positives(labels, preds, weights=w),
        "fp": tf.metrics.false_positives(labels, preds, weights=w),
        "fn": tf.metrics.false_negatives(labels, preds, weights=w),
    }
    feeds = lambda b: {  # noqa: E731
        labels: b["labels"],
        preds: b["preds"],
        values: b["values"],
        target: b["target"],
        weights: b["weights"],
    }
    return metrics, feeds


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_stream_matches_numpy_on_both_backends(weighted) -> None:
    """update_op returns the running metric; value reads it; re-initialising resets; backends agree."""
    metrics, feeds = _build(weighted)
    keys = sorted(metrics)
    values = [metrics[k][0] for k in keys]
    updates = [metrics[k][1] for k in keys]
    runs = {}
    for backend in BACKENDS:
        got = []
        with tf.Session(backend=backend) as sess:
            for _ in range(2):  # the second pass checks that local_variables_initializer resets
                sess.run(tf.local_variables_initializer())
                for k, v in zip(keys, sess.run(values), strict=True):
                    assert v == 0.0 and v.dtype == np.float32, k
                ref = RefStream(weighted)
                for b in _batches():
                    up = sess.run(updates, feeds(b))
                    now = sess.run(values)
                    want = ref.update(b)
                    for k, u, v in zip(keys, up, now, strict=True):
                        np.testing.assert_allclose(u, want[k], rtol=2e-6, atol=1e-6, err_msg=f"{backend} {k}")
                        np.testing.assert_allclose(v, u, rtol=0, atol=0, err_msg=f"{backend} {k}")
                    got.append(now)
        runs[backend] = got
    for a, b in zip(runs["interpreter"], runs["xla"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_reference_is_not_trivial() -> None:
    """The batches make every metric take non-degenerate values."""
    ref = RefStream(True)
    for b in _batches():
        vals = ref.update(b)
    assert all(0.05 < vals[k] < 0.95 for k in ("accuracy", "precision", "recall"))
    assert all(vals[k] > 0 for k in ("tp", "fp", "fn", "mse"))


def test_variables_are_local_metric_variables_with_tf1_names() -> None:
    labels = tf.constant([1, 0, 1])
    preds = tf.constant([1, 1, 1])
    acc, acc_up = tf.metrics.accuracy(labels, preds)
    acc2, _ = tf.metrics.accuracy(labels, preds)
    with tf.name_scope("eval"):
        m, m_up = tf.metrics.mean(tf.constant([1.0, 2.0]), name="my_mean")
    tf.metrics.precision(labels, preds)
    tf.metrics.recall(labels, preds)
    tf.metrics.false_negatives(labels, preds)
    tf.metrics.mean_squared_error(tf.constant([1.0]), tf.constant([2.0]))
    tf.metrics.auc(labels, tf.constant([0.1, 0.5, 0.9]), num_thresholds=5)
    names = [v.op.name for v in tf.local_variables()]
    assert names == [
        "accuracy/total",
        "accuracy/count",
        "accuracy_1/total",
        "accuracy_1/count",
        "eval/my_mean/total",
        "eval/my_mean/count",
        "precision/true_positives/count",
        "precision/false_positives/count",
        "recall/true_positives/count",
        "recall/false_negatives/count",
        "false_negatives/count",
        "mean_squared_error/total",
        "mean_squared_error/count",
        "auc/true_positives",
        "auc/false_negatives",
        "auc/true_negatives",
        "auc/false_positives",
    ]
    assert tf.global_variables() == [] and tf.trainable_variables() == []
    assert [v.op.name for v in tf.get_collection("metric_variables")] == names
    local = tf.local_variables()
    assert all(v.dtype == tf.float32 and not v.trainable for v in local)
    assert local[-1].shape.as_list() == [5] and local[0].shape.as_list() == []
    assert acc.name == "accuracy/value:0" and acc_up.name == "accuracy/update_op:0"
    assert acc2.name == "accuracy_1/value:0"
    assert m.name == "eval/my_mean/value:0" and m_up.name == "eval/my_mean/update_op:0"


def test_collections_arguments() -> None:
    v, up = tf.metrics.mean(tf.constant([1.0]), metrics_collections=["m"], updates_collections=["u"])
    tp, tp_up = tf.metrics.true_positives(
        tf.constant([True]), tf.constant([True]), metrics_collections=["m"], updates_collections=["u"]
    )
    p, p_up = tf.metrics.precision(
        tf.constant([True]), tf.constant([True]), metrics_collections=["m"], updates_collections=["u"]
    )
    assert tf.get_collection("m") == [v, tp, p]
    assert tf.get_collection("u") == [up, tp_up, p_up]


@pytest.mark.parametrize("backend", BACKENDS)
def test_weights_shapes_and_squeezable_dimensions(backend) -> None:
    """[N, 1] predictions against [N] labels are squeezed; scalar, [N] and [N, 1] weights all work."""
    labels = np.array([1, 2, 3, 4], np.int32)
    preds = np.array([[1], [0], [3], [0]], np.int32)
    w = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    a_plain, up_plain = tf.metrics.accuracy(labels, preds)
    a_scalar, up_scalar = tf.metrics.accuracy(labels, preds, weights=2.0)
    a_vec, up_vec = tf.metrics.accuracy(labels, preds, weights=w)
    a_col, up_col = tf.metrics.accuracy(labels, preds, weights=w.reshape(4, 1))
    vals = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    m_row, up_row = tf.metrics.mean(vals, weights=np.array([[0.0, 1.0]], np.float32))
    m_zero, up_zero = tf.metrics.mean(vals, weights=0.0)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.local_variables_initializer())
        got = sess.run([up_plain, up_scalar, up_vec, up_col, up_row, up_zero])
        np.testing.assert_allclose(got, [0.5, 0.5, 4.0 / 10.0, 4.0 / 10.0, 3.0, 0.0], rtol=1e-6)
        got = sess.run([up_plain, up_scalar, up_vec, up_col, up_row, up_zero])
        np.testing.assert_allclose(got, [0.5, 0.5, 0.4, 0.4, 3.0, 0.0], rtol=1e-6)
        np.testing.assert_allclose(sess.run([a_plain, a_scalar, a_vec, a_col, m_row, m_zero]), got, rtol=0)
    assert a_plain.dtype == tf.float32


@pytest.mark.parametrize("backend", BACKENDS)
def test_accuracy_casts_predictions_to_label_dtype(backend) -> None:
    """Float predictions are cast to the integer labels' dtype before comparing (TF1)."""
    acc, up = tf.metrics.accuracy(tf.constant([1, 2, 3]), tf.constant([1.7, 2.0, 0.0]))
    with tf.Session(backend=backend) as sess:
        sess.run(tf.local_variables_initializer())
        np.testing.assert_allclose(sess.run(up), 2.0 / 3.0, rtol=1e-6)  # 1.7 -> 1
        np.testing.assert_allclose(sess.run(acc), 2.0 / 3.0, rtol=1e-6)


def _auc_reference(stream, num_thresholds, curve="ROC", method="trapezoidal"):
    """TF1's auc: confusion counts at thresholds, then a Riemann sum (NumPy, float32 counts)."""
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    th = np.array([-1e-7, *inner, 1.0 + 1e-7], np.float32)
    tp = fn = tn = fp = np.zeros(num_thresholds, np.float64)
    for y, s, w in stream:
        pos = s[None, :] > th[:, None]
        lab = y.astype(bool)[None, :]
        tp = tp + np.sum((lab & pos) * w, 1)
        fn = fn + np.sum((lab & ~pos) * w, 1)
        tn = tn + np.sum((~lab & ~pos) * w, 1)
        fp = fp + np.sum((~lab & pos) * w, 1)
    eps = 1e-6
    rec = (tp + eps) / (tp + fn + eps)
    if curve == "ROC":
        x, yv = fp / (fp + tn + eps), rec
    else:
        x, yv = rec, (tp + eps) / (tp + fp + eps)
    height = {
        "trapezoidal": (yv[:-1] + yv[1:]) / 2,
        "minoring": np.minimum(yv[:-1], yv[1:]),
        "majoring": np.maximum(yv[:-1], yv[1:]),
    }[method]
    return float(np.sum((x[:-1] - x[1:]) * height))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("curve", "method", "weighted"),
    [
        ("ROC", "trapezoidal", False),
        ("ROC", "minoring", True),
        ("PR", "trapezoidal", True),
        ("PR", "majoring", False),
    ],
)
def test_auc_stream(curve, method, weighted, backend) -> None:
    labels = tf.placeholder(tf.int64, [None])
    scores = tf.placeholder(tf.float32, [None])
    weights = tf.placeholder(tf.float32, [None])
    value, update = tf.metrics.auc(
        labels, scores, weights=weights if weighted else None, num_thresholds=50, curve=curve,
        summation_method=method,
    )  # fmt: skip
    stream = []
    with tf.Session(backend=backend) as sess:
        sess.run(tf.local_variables_initializer())
        for b in _batches(5):
            w = b["weights"] if weighted else np.ones(N, np.float32)
            stream.append((b["labels"], b["scores"], w))
            got = sess.run(update, {labels: b["labels"], scores: b["scores"], weights: b["weights"]})
            want = _auc_reference(stream, 50, curve, method)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(sess.run(value), got, rtol=0, atol=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_auc_approaches_the_exact_roc_area(backend) -> None:
    """With many thresholds the ROC AUC is the Mann-Whitney probability that a positive outranks a negative."""
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    s = np.clip(0.5 + 0.25 * (y - 0.5) + 0.2 * rng.standard_normal(400), 0, 1).astype(np.float32)
    value, update = tf.metrics.auc(tf.constant(y), tf.constant(s), num_thresholds=2000)
    exact = np.mean(s[y == 1][:, None] > s[y == 0][None, :])
    with tf.Session(backend=backend) as sess:
        sess.run(tf.local_variables_initializer())
        sess.run(update)
        np.testing.assert_allclose(sess.run(value), exact, atol=2e-3)
    assert 0.7 < exact < 0.95


def test_errors() -> None:
    with pytest.raises(ShapeError, match=r"accuracy \(test_metrics.py:\d+\).*different shapes"):
        tf.metrics.accuracy(tf.constant([1, 2, 3]), tf.constant([1, 2]))
    with pytest.raises(ShapeError, match=r"mean \(test_metrics.py:\d+\).*can not be broadcast"):
        tf.metrics.mean(tf.zeros([2, 3]), weights=tf.ones([3, 3]))
    with pytest.raises(ShapeError, match="can not be broadcast"):
        tf.metrics.true_positives(tf.constant([True, False]), tf.constant([True, True]), weights=tf.ones([3]))
    with pytest.raises(GraphError, match="curve must be"):
        tf.metrics.auc(tf.constant([1]), tf.constant([0.5]), curve="XY")
    with pytest.raises(GraphError, match="not supported"):
        tf.metrics.auc(
            tf.constant([1]), tf.constant([0.5]), curve="PR", summation_method="careful_interpolation"
        )
