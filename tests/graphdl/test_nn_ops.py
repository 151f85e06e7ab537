"""tf.nn ops and tf.losses against NumPy references, on both backends, including extreme logits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import graphdl as gd

BACKENDS = ["interpreter", "xla"]


def run(fetches: Any, feeds: dict[Any, Any] | None = None, backend: str = "interpreter") -> Any:
    with gd.Session(backend=backend) as s:
        return s.run(fetches, feeds or {})


def np_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def central_diff(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences, in float64."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 5)).astype(np.float32) * 3
EXTREME = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -3.0, 0.0]], np.float32)

ACTIVATIONS = [
    ("relu", gd.nn.relu, lambda x: np.maximum(x, 0)),
    ("relu6", gd.nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    ("leaky_relu", gd.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", gd.nn.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    ("softplus", gd.nn.softplus, lambda x: np.logaddexp(0, x)),
    ("softsign", gd.nn.softsign, lambda x: x / (1 + np.abs(x))),
    ("sigmoid", gd.nn.sigmoid, lambda x: 0.5 * (1 + np.tanh(x / 2))),
    ("tanh", gd.nn.tanh, np.tanh),
    ("softmax", gd.nn.softmax, np_softmax),
    ("log_softmax", gd.nn.log_softmax, np_log_softmax),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "fn", "ref"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_numpy(name: str, fn: Any, ref: Any, backend: str) -> None:
    x = gd.placeholder(gd.float32, [None, None])
    y = fn(x)
    for value in (X, EXTREME):
        got = run(y, {x: value}, backend)
        assert got.dtype == np.float32 and got.shape == value.shape
        assert np.all(np.isfinite(got)), f"{name}: non-finite values for {value}"
        with np.errstate(over="ignore"):
            want = ref(value.astype(np.float64))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_activation_names_and_attrs() -> None:
    x = gd.placeholder(gd.float32, [2, 3])
    assert gd.nn.relu(x).op.name == "Relu"
    assert gd.nn.leaky_relu(x, alpha=0.1).op.attrs["alpha"] == pytest.approx(0.1)
    assert gd.nn.softmax(x).op.attrs["axis"] == -1
    assert gd.nn.softmax(x, dim=0).op.attrs["axis"] == 0
    with pytest.raises(gd.ShapeError, match="axis 2 is out of range"):
        gd.nn.softmax(x, axis=2)
    with pytest.raises(gd.DTypeError):
        gd.nn.elu(gd.placeholder(gd.int32, [3]))


def test_relu_on_integers() -> None:
    x = gd.constant([-2, 0, 3, 9], dtype=gd.int32)
    assert run(gd.nn.relu(x)).tolist() == [0, 0, 3, 9]
    assert run(gd.nn.relu6(x)).tolist() == [0, 0, 3, 6]


def test_softmax_axis() -> None:
    v = RNG.standard_normal((2, 3, 4))
    x = gd.constant(v)
    got = run([gd.nn.softmax(x, axis=1), gd.nn.log_softmax(x, axis=0)])
    np.testing.assert_allclose(got[0], np_softmax(v, 1), rtol=1e-12)
    np.testing.assert_allclose(got[1], np_log_softmax(v, 0), rtol=1e-12)


# --- cross-entropies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigmoid_cross_entropy(backend: str) -> None:
    z = gd.placeholder(gd.float32, [None, 4])
    x = gd.placeholder(gd.float32, [None, 4])
    loss = gd.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    assert loss.op.name == "logistic_loss"
    zv = RNG.uniform(0, 1, (3, 4)).astype(np.float32)
    for xv in (X[:3, :4], EXTREME):
        got = run(loss, {z: zv, x: xv}, backend)
        x64, z64 = xv.astype(np.float64), zv.astype(np.float64)
        want = np.logaddexp(0, x64) - x64 * z64
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("v2", [False, True])
def test_softmax_cross_entropy(backend: str, v2: bool) -> None:
    fn = gd.nn.softmax_cross_entropy_with_logits_v2 if v2 else gd.nn.softmax_cross_entropy_with_logits
    z = gd.placeholder(gd.float32, [None, 4])
    x = gd.placeholder(gd.float32, [None, 4])
    loss = fn(labels=z, logits=x)
    assert loss.shape.as_list() == [None]
    zv = np_softmax(RNG.standard_normal((3, 4))).astype(np.float32)
    for xv in (X[:3, :4], EXTREME):
        got = run(loss, {z: zv, x: xv}, backend)
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, -(zv * np_log_softmax(xv.astype(np.float64))).sum(-1), rtol=1e-5)


def test_softmax_cross_entropy_other_axis() -> None:
    zv = np_softmax(RNG.standard_normal((4, 3)), 0)
    xv = RNG.standard_normal((4, 3))
    loss = gd.nn.softmax_cross_entropy_with_logits_v2(labels=zv, logits=gd.constant(xv), axis=0)
    assert loss.shape.as_list() == [3]
    np.testing.assert_allclose(run(loss), -(zv * np_log_softmax(xv, 0)).sum(0), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sparse_softmax_cross_entropy(backend: str) -> None:
    t = gd.placeholder(gd.int32, [None])
    x = gd.placeholder(gd.float32, [None, 4])
    loss = gd.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=x)
    tv = np.array([0, 3, 2], np.int32)
    for xv in (X[:3, :4], EXTREME):
        got = run(loss, {t: tv, x: xv}, backend)
        want = -np_log_softmax(xv.astype(np.float64))[np.arange(3), tv]
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-5)


def test_sparse_label_out_of_range() -> None:
    t = gd.placeholder(gd.int32, [None])
    x = gd.placeholder(gd.float32, [None, 3])
    loss = gd.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=x)
    feed = {t: np.array([0, 3], np.int32), x: np.zeros((2, 3), np.float32)}
    with pytest.raises(gd.ExecutionError, match=r"label value of 3.*\[0, 3\)"):
        run(loss, feed)
    got = run(loss, feed, "xla")  # a compiled program cannot raise: NaN marks the bad label
    assert np.isfinite(got[0]) and np.isnan(got[1])


def test_cross_entropy_argument_errors() -> None:
    x = gd.placeholder(gd.float32, [2, 3])
    with pytest.raises(gd.GraphError, match="named arguments"):
        gd.nn.softmax_cross_entropy_with_logits_v2(x, x)
    with pytest.raises(gd.ShapeError, match="same shape"):
        gd.nn.sigmoid_cross_entropy_with_logits(labels=gd.placeholder(gd.float32, [2, 4]), logits=x)
    with pytest.raises(gd.ShapeError, match="without its last"):
        gd.nn.sparse_softmax_cross_entropy_with_logits(labels=gd.placeholder(gd.int32, [3]), logits=x)
    with pytest.raises(gd.DTypeError, match="int32 or int64"):
        gd.nn.sparse_softmax_cross_entropy_with_logits(labels=gd.placeholder(gd.float32, [2]), logits=x)


# --- l2_loss, bias_add, in_top_k, composites --------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_l2_loss_and_bias_add(backend: str) -> None:
    v = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    b = RNG.standard_normal(5).astype(np.float32)
    bc = RNG.standard_normal(3).astype(np.float32)
    got = run(
        [gd.nn.l2_loss(gd.constant(v)), gd.nn.bias_add(v, b), gd.nn.bias_add(v, bc, data_format="NCHW")],
        backend=backend,
    )
    np.testing.assert_allclose(got[0], (v.astype(np.float64) ** 2).sum() / 2, rtol=1e-5)
    np.testing.assert_allclose(got[1], v + b, rtol=1e-6)
    np.testing.assert_allclose(got[2], v + bc[:, None, None], rtol=1e-6)


def test_bias_add_errors() -> None:
    v = gd.placeholder(gd.float32, [None, 4])
    with pytest.raises(gd.ShapeError, match="does not match the channel dimension 4"):
        gd.nn.bias_add(v, gd.zeros_initializer()([3]))
    with pytest.raises(gd.ShapeError, match="at least 2-D"):
        gd.nn.bias_add(gd.placeholder(gd.float32, [4]), gd.zeros_initializer()([4]))
    with pytest.raises(gd.ShapeError, match="1-D"):
        gd.nn.bias_add(v, gd.zeros_initializer()([1, 4]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_in_top_k(backend: str) -> None:
    p = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, 0.1, 0.3, 0.0], [0.0, 0.0, 1.0, 2.0]], np.float32)
    t = np.array([1, 2, 0], np.int32)
    got = run(
        [gd.nn.in_top_k(p, t, 1), gd.nn.in_top_k(p, t, 2), gd.nn.in_top_k(p, [3, 4, -1], 4)], backend=backend
    )
    assert got[0].tolist() == [True, False, False]  # ties at the boundary count as in the top k
    assert got[1].tolist() == [True, True, False]
    assert got[2].tolist() == [True, False, False]  # out-of-range targets are never in the top k


def test_composites() -> None:
    xv = RNG.standard_normal((3, 4))
    wv = RNG.standard_normal((4, 2))
    bv = RNG.standard_normal(2)
    x = gd.constant(xv)
    mean, var = gd.nn.moments(x, axes=[0])
    got = run([gd.nn.xw_plus_b(x, wv, bv), gd.nn.l2_normalize(x, axis=1), mean, var, gd.nn.selu(x)])
    np.testing.assert_allclose(got[0], xv @ wv + bv, rtol=1e-12)
    np.testing.assert_allclose(got[1], xv / np.linalg.norm(xv, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(got[2], xv.mean(0), rtol=1e-12)
    np.testing.assert_allclose(got[3], xv.var(0), rtol=1e-12)
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    np.testing.assert_allclose(got[4], scale * np.where(xv > 0, xv, alpha * np.expm1(xv)), rtol=1e-12)


# --- gradients ----------------------------------------------------------------------------------------------


def _grad_check(build: Callable[[gd.Tensor], gd.Tensor], value: np.ndarray, rtol: float = 1e-6) -> None:
    """The symbolic gradient of sum(w * build(x)) against central differences, in float64."""
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, value.shape)
        y = build(x)
        w = np.random.default_rng(1).standard_normal(y.shape.as_list())
        loss = gd.reduce_sum(y * w)
        (gx,) = gd.gradients(loss, [x])
        with gd.Session(graph=g) as s:
            sym = s.run(gx, {x: value})
            num = central_diff(lambda v: float(s.run(loss, {x: v})), value)
    np.testing.assert_allclose(sym, num, rtol=rtol, atol=1e-7)


LABELS = np_softmax(RNG.standard_normal((3, 4)))
INT_LABELS = np.array([1, 0, 3], np.int32)

GRAD_CASES: list[tuple[str, Callable[[gd.Tensor], gd.Tensor]]] = [
    ("relu", gd.nn.relu),
    ("elu", gd.nn.elu),
    ("leaky_relu", gd.nn.leaky_relu),
    ("softplus", gd.nn.softplus),
    ("softmax", gd.nn.softmax),
    ("log_softmax", lambda x: gd.nn.log_softmax(x, axis=0)),
    ("sigmoid_xent", lambda x: gd.nn.sigmoid_cross_entropy_with_logits(labels=LABELS, logits=x)),
    ("softmax_xent", lambda x: gd.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=x)),
    ("sparse_xent", lambda x: gd.nn.sparse_softmax_cross_entropy_with_logits(labels=INT_LABELS, logits=x)),
    ("l2_loss", gd.nn.l2_loss),
    ("bias_add", lambda x: gd.nn.bias_add(x, np.arange(4.0))),
    ("softmax_xent_grad", lambda x: gd.gradients(
        gd.reduce_sum(gd.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=x) * [1.0, 2.0, 3.0]), [x]
    )[0]),  # second order
    ("mse", lambda x: gd.losses.mean_squared_error(LABELS, x, weights=[[1.0], [0.0], [2.0]])),
    ("sparse_loss", lambda x: gd.losses.sparse_softmax_cross_entropy(INT_LABELS, x)),
    ("softmax_loss", lambda x: gd.losses.softmax_cross_entropy(LABELS, x, label_smoothing=0.1)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "build"), GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_against_central_differences(name: str, build: Any) -> None:
    value = RNG.uniform(0.2, 2.0, (3, 4)) * RNG.choice([-1.0, 1.0], (3, 4))
    _grad_check(build, value)


def test_softmax_cross_entropy_label_gradients() -> None:
    x = gd.constant(RNG.standard_normal((3, 4)))
    z = gd.placeholder(gd.float64, [3, 4])
    v1 = gd.reduce_sum(gd.nn.softmax_cross_entropy_with_logits(labels=z, logits=x))
    v2 = gd.reduce_sum(gd.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x))
    assert gd.gradients(v1, [z]) == [None]
    (g2,) = gd.gradients(v2, [z])
    (gs,) = gd.gradients(gd.reduce_sum(gd.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)), [z])
    got, got_s, xv = run([g2, gs, x], {z: LABELS})
    np.testing.assert_allclose(got, -np_log_softmax(xv), rtol=1e-12)
    np.testing.assert_allclose(got_s, -xv, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_extreme_logits_give_finite_gradients(backend: str) -> None:
    x = gd.placeholder(gd.float32, [3, 4])
    losses = [
        gd.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS.astype(np.float32), logits=x),
        gd.nn.sparse_softmax_cross_entropy_with_logits(labels=INT_LABELS, logits=x),
        gd.nn.sigmoid_cross_entropy_with_logits(labels=LABELS.astype(np.float32), logits=x),
        gd.nn.softplus(x),
        gd.nn.log_softmax(x),
    ]
    grads = gd.gradients(gd.add_n([gd.reduce_sum(loss) for loss in losses]), [x])
    values = run(losses + grads, {x: EXTREME}, backend)
    for v in values:
        assert np.all(np.isfinite(v))


# --- tf.losses ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_losses_reductions(backend: str) -> None:
    R = gd.losses.Reduction
    y = gd.placeholder(gd.float32, [None, 3])
    p = gd.placeholder(gd.float32, [None, 3])
    w = gd.placeholder(gd.float32, [None, 1])
    yv = RNG.standard_normal((4, 3)).astype(np.float32)
    pv = RNG.standard_normal((4, 3)).astype(np.float32)
    wv = np.array([[1.0], [0.0], [2.0], [0.0]], np.float32)
    sq = (pv.astype(np.float64) - yv) ** 2
    cases = {
        "default": (gd.losses.mean_squared_error(y, p), sq.mean()),
        "weighted": (gd.losses.mean_squared_error(y, p, weights=w), (sq * wv).sum() / 6),
        "zero weights": (gd.losses.mean_squared_error(y, p, weights=0.0), 0.0),
        "sum": (gd.losses.mean_squared_error(y, p, reduction=R.SUM), sq.sum()),
        "mean": (gd.losses.mean_squared_error(y, p, weights=w, reduction=R.MEAN), (sq * wv).sum() / 9),
        "batch": (gd.losses.mean_squared_error(y, p, weights=w, reduction=R.SUM_OVER_BATCH_SIZE), (sq * wv).sum() / 12),
        "none": (gd.losses.mean_squared_error(y, p, weights=w, reduction=R.NONE), sq * wv),
        "abs": (gd.losses.absolute_difference(y, p), np.abs(pv.astype(np.float64) - yv).mean()),
    }  # fmt: skip
    got = run({k: v[0] for k, v in cases.items()}, {y: yv, p: pv, w: wv}, backend)
    for k, (_, want) in cases.items():
        np.testing.assert_allclose(got[k], want, rtol=1e-5, atol=1e-7, err_msg=k)
    assert len(gd.get_collection(gd.GraphKeys.LOSSES)) == len(cases)
    assert gd.losses.get_losses()[0] is cases["default"][0]


def test_classification_losses() -> None:
    xv = RNG.standard_normal((3, 4))
    x = gd.constant(xv)
    probs = 1 / (1 + np.exp(-xv))
    got = run(
        [
            gd.losses.sigmoid_cross_entropy(LABELS, x),
            gd.losses.softmax_cross_entropy(LABELS, x),
            gd.losses.softmax_cross_entropy(LABELS, x, label_smoothing=0.2),
            gd.losses.sparse_softmax_cross_entropy(INT_LABELS, x),
            gd.losses.log_loss(LABELS, gd.constant(probs)),
            gd.losses.hinge_loss(np.round(LABELS), x),
            gd.losses.huber_loss(LABELS, x, delta=0.5),
        ]
    )
    ls = np_log_softmax(xv)
    smooth = LABELS * 0.8 + 0.2 / 4
    err = np.abs(xv - LABELS)
    want = [
        (np.logaddexp(0, xv) - xv * LABELS).mean(),
        -(LABELS * ls).sum(1).mean(),
        -(smooth * ls).sum(1).mean(),
        -ls[np.arange(3), INT_LABELS].mean(),
        (-LABELS * np.log(probs + 1e-7) - (1 - LABELS) * np.log(1 - probs + 1e-7)).mean(),
        np.maximum(0, 1 - (2 * np.round(LABELS) - 1) * xv).mean(),
        np.where(err <= 0.5, 0.5 * err**2, 0.5 * (err - 0.25)).mean(),
    ]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10)


def test_total_loss_with_regularization() -> None:
    with gd.variable_scope("layer", regularizer=gd.nn.l2_loss):
        w = gd.get_variable("w", initializer=np.array([1.0, 2.0], np.float32))
    data = gd.losses.mean_squared_error([0.0, 0.0], w)
    total = gd.losses.get_total_loss()
    reg = gd.losses.get_regularization_loss()
    assert gd.losses.get_regularization_losses()[0].name.startswith("layer/w/Regularizer/")
    with gd.Session() as s:
        s.run(gd.global_variables_initializer())
        vd, vr, vt = s.run([data, reg, total])
    assert vd == pytest.approx(2.5) and vr == pytest.approx(2.5) and vt == pytest.approx(5.0)


def test_losses_errors() -> None:
    with pytest.raises(gd.ShapeError, match="different shapes"):
        gd.losses.mean_squared_error(gd.placeholder(gd.float32, [2, 3]), gd.placeholder(gd.float32, [2, 4]))
    with pytest.raises(ValueError, match="invalid reduction"):
        gd.losses.mean_squared_error([1.0], [2.0], reduction="avg")
    with pytest.raises(gd.GraphError, match="no losses"):
        gd.losses.get_total_loss()
