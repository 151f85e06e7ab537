"""Adadelta, Ftrl, ProximalGradientDescent, ProximalAdagrad against NumPy versions of TF1's kernels."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.train import optimizers_extra
from tests.graphdl.test_optimizers import check_update_rule_over_steps

BACKENDS = ["interpreter", "xla"]
DTYPES = [np.float32, np.float64]
STEPS = 5


def _h(x: float, dt):
    """A Python-number hyperparameter as TF1 holds it: a float32 constant cast to the var dtype."""
    return dt(np.float32(x))


# --- NumPy references of training_ops.cc (one step each, TF1's order of operations) --------------
def ref_adadelta(var, grad, state, lr=0.001, rho=0.95, epsilon=1e-8):
    dt = var.dtype.type
    lr, rho, eps, one = _h(lr, dt), _h(rho, dt), _h(epsilon, dt), dt(1)
    accum = state.get("accum", np.zeros_like(var))
    accum_update = state.get("accum_update", np.zeros_like(var))
    accum = accum * rho + np.square(grad) * (one - rho)
    update = np.sqrt(accum_update + eps) * (one / np.sqrt(accum + eps)) * grad
    var = var - update * lr
    accum_update = accum_update * rho + np.square(update) * (one - rho)
    return var, {"accum": accum, "accum_update": accum_update}


def ref_ftrl(var, grad, state, lr, lr_power=-0.5, init=0.1, l1=0.0, l2=0.0, shrinkage=0.0):
    dt = var.dtype.type
    lr, p, l1, l2, sh = (_h(x, dt) for x in (lr, lr_power, l1, l2, shrinkage))
    accum = state.get("accum", np.full_like(var, init))
    linear = state.get("linear", np.zeros_like(var))

    def power(x):
        return np.sqrt(x) if p == dt(-0.5) else np.power(x, -p)

    g_sh = grad + dt(2) * sh * var if sh > 0 else grad
    new_accum = accum + grad * grad
    linear = linear + (g_sh - (power(new_accum) - power(accum)) / lr * var)
    x = l1 * np.sign(linear) - linear
    y = power(new_accum) / lr + dt(2) * l2
    var = np.where(np.abs(linear) > l1, x / y, dt(0)).astype(var.dtype)
    return var, {"accum": new_accum, "linear": linear}


def _prox(v, shrink, l1, denom):
    if l1 > 0:
        return np.sign(v) * np.maximum(np.abs(v) - shrink, 0).astype(v.dtype) / denom
    return v / denom


def ref_proximal_gd(var, grad, state, lr, l1=0.0, l2=0.0):
    dt = var.dtype.type
    lr, l1, l2 = _h(lr, dt), _h(l1, dt), _h(l2, dt)
    v = var - grad * lr
    return _prox(v, lr * l1, l1, dt(1) + l2 * lr), state


def ref_proximal_adagrad(var, grad, state, lr, init=0.1, l1=0.0, l2=0.0):
    dt = var.dtype.type
    lr, l1, l2 = _h(lr, dt), _h(l1, dt), _h(l2, dt)
    accum = state.get("accum", np.full_like(var, init)) + grad * grad
    rate = lr * (dt(1) / np.sqrt(accum))
    v = var - grad * rate
    return _prox(v, rate * l1, l1, dt(1) + l2 * rate), {"accum": accum}


CASES = [
    ("adadelta", lambda: tf.train.AdadeltaOptimizer(), ref_adadelta),
    (
        "adadelta_hyper",
        lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.8, epsilon=1e-4),
        lambda v, g, s: ref_adadelta(v, g, s, 1.0, 0.8, 1e-4),
    ),
    ("ftrl", lambda: tf.train.FtrlOptimizer(0.5), lambda v, g, s: ref_ftrl(v, g, s, 0.5)),
    (
        "ftrl_l1_l2",
        lambda: tf.train.FtrlOptimizer(0.5, l1_regularization_strength=0.3, l2_regularization_strength=0.2),
        lambda v, g, s: ref_ftrl(v, g, s, 0.5, l1=0.3, l2=0.2),
    ),
    (
        "ftrl_power",
        lambda: tf.train.FtrlOptimizer(
            0.3, learning_rate_power=-0.3, initial_accumulator_value=0.5, l1_regularization_strength=0.1
        ),
        lambda v, g, s: ref_ftrl(v, g, s, 0.3, lr_power=-0.3, init=0.5, l1=0.1),
    ),
    (
        "ftrl_shrinkage",
        lambda: tf.train.FtrlOptimizer(
            0.5,
            l1_regularization_strength=0.05,
            l2_regularization_strength=0.1,
            l2_shrinkage_regularization_strength=0.4,
        ),
        lambda v, g, s: ref_ftrl(v, g, s, 0.5, l1=0.05, l2=0.1, shrinkage=0.4),
    ),
    (
        "proximal_gd",
        lambda: tf.train.ProximalGradientDescentOptimizer(0.1),
        lambda v, g, s: ref_proximal_gd(v, g, s, 0.1),
    ),
    (
        "proximal_gd_l1_l2",
        lambda: tf.train.ProximalGradientDescentOptimizer(
            0.1, l1_regularization_strength=2.0, l2_regularization_strength=0.5
        ),
        lambda v, g, s: ref_proximal_gd(v, g, s, 0.1, 2.0, 0.5),
    ),
    (
        "proximal_adagrad",
        lambda: tf.train.ProximalAdagradOptimizer(0.3),
        lambda v, g, s: ref_proximal_adagrad(v, g, s, 0.3),
    ),
    (
        "proximal_adagrad_l1_l2",
        lambda: tf.train.ProximalAdagradOptimizer(
            0.3, initial_accumulator_value=0.2, l1_regularization_strength=0.4, l2_regularization_strength=0.3
        ),
        lambda v, g, s: ref_proximal_adagrad(v, g, s, 0.3, 0.2, 0.4, 0.3),
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize(("name", "make", "ref"), CASES, ids=[c[0] for c in CASES])
def test_update_rule_over_steps(name, make, ref, dtype, backend) -> None:
    """apply_gradients with fed gradients reproduces TF1's kernels over several steps."""
    check_update_rule_over_steps(name, make, ref, dtype, backend)


def test_references_are_not_trivial() -> None:
    """The L1 cases really zero some weights (so the shrinkage branch is exercised)."""
    rng = np.random.default_rng(0)
    var = rng.standard_normal(50)
    v1, _ = ref_proximal_gd(var, rng.standard_normal(50), {}, 0.1, 2.0, 0.5)
    assert 0 < np.count_nonzero(v1 == 0) < 50
    v2, _ = ref_ftrl(var, rng.standard_normal(50), {}, 0.5, l1=0.3, l2=0.2)
    assert 0 < np.count_nonzero(v2 == 0) < 50


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "make",
    [
        lambda: tf.train.AdadeltaOptimizer(1.0, epsilon=1e-3),
        lambda: tf.train.FtrlOptimizer(0.5, l2_regularization_strength=0.01),
        lambda: tf.train.FtrlOptimizer(0.5, l2_shrinkage_regularization_strength=0.01),
        lambda: tf.train.ProximalGradientDescentOptimizer(0.05, l1_regularization_strength=0.001),
        lambda: tf.train.ProximalAdagradOptimizer(0.5, l2_regularization_strength=0.001),
    ],
    ids=["adadelta", "ftrl", "ftrl_v2", "proximal_gd", "proximal_adagrad"],
)
def test_minimize_least_squares_loss_falls(make, backend) -> None:
    """A small linear regression trained with minimize: the loss falls well below its start."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 0.3
    w = tf.Variable(tf.zeros([4, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    pred = tf.matmul(tf.constant(x), w) + b
    loss = tf.reduce_mean(tf.square(pred - tf.constant(y)))
    train = make().minimize(loss)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        start = sess.run(loss)
        for _ in range(60):
            sess.run(train)
        end = sess.run(loss)
    assert np.isfinite(end) and end < 0.25 * start


def test_minimize_matches_numpy_both_backends() -> None:
    """Symbolic gradients through Ftrl: both backends agree with the reference and with each other."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5, 3))
    y = rng.standard_normal((5, 1))
    w = tf.Variable(np.zeros((3, 1)), name="w")
    r = tf.matmul(tf.constant(a), w) - tf.constant(y)
    train = tf.train.FtrlOptimizer(0.2, l1_regularization_strength=0.01).minimize(0.5 * tf.reduce_sum(r * r))
    results = []
    for backend in BACKENDS:
        ref_w, state = np.zeros((3, 1)), {}
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(STEPS):
                sess.run(train)
                ref_w, state = ref_ftrl(ref_w, a.T @ (a @ ref_w - y), state, 0.2, l1=0.01)
            got = sess.run(w)
        np.testing.assert_allclose(got, ref_w, rtol=1e-12, atol=1e-12)
        results.append(got)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-12)


def test_slot_names_and_op_types() -> None:
    with tf.name_scope("dense"):
        w = tf.Variable(np.zeros((2, 2), np.float32), name="kernel")
    v = tf.Variable(np.zeros(3, np.float32), name="v")
    loss = tf.reduce_sum(w) + tf.reduce_sum(v)
    g = tf.get_default_graph()

    ada = tf.train.AdadeltaOptimizer()
    ada.minimize(loss)
    assert ada.get_slot_names() == ["accum", "accum_update"]
    assert ada.get_slot(w, "accum").op.name == "dense/kernel/Adadelta"
    assert ada.get_slot(w, "accum_update").op.name == "dense/kernel/Adadelta_1"
    assert ada.get_slot(v, "accum").op.name == "v/Adadelta"
    assert g.get_operation_by_name("Adadelta/update_v/ApplyAdadelta").kind == "update"
    assert g.get_operation_by_name("Adadelta/lr").type == "Const"

    ftrl = tf.train.FtrlOptimizer(0.1, initial_accumulator_value=0.25)
    ftrl.minimize(loss)
    assert ftrl.get_slot_names() == ["accum", "linear"]
    assert ftrl.get_slot(v, "accum").op.name == "v/Ftrl"
    assert ftrl.get_slot(v, "linear").op.name == "v/Ftrl_1"
    assert g.get_operation_by_name("Ftrl/update_v/ApplyFtrl").type == "ApplyFtrl"
    assert g.get_operation_by_name("Ftrl/learning_rate_power").type == "Const"
    ftrl2 = tf.train.FtrlOptimizer(
        0.1, l2_shrinkage_regularization_strength=0.1, accum_name="acc", linear_name="lin", name="F2"
    )
    ftrl2.minimize(loss)
    assert ftrl2.get_slot(v, "accum").op.name == "v/acc"
    assert ftrl2.get_slot(v, "linear").op.name == "v/lin"
    assert g.get_operation_by_name("F2/update_v/ApplyFtrlV2").type == "ApplyFtrlV2"

    pgd = tf.train.ProximalGradientDescentOptimizer(0.1)
    pgd.minimize(loss)
    assert pgd.get_slot_names() == []
    assert g.get_operation_by_name("ProximalGradientDescent/update_v/ApplyProximalGradientDescent")
    pada = tf.train.ProximalAdagradOptimizer(0.1)
    pada.minimize(loss)
    assert pada.get_slot(v, "accumulator").op.name == "v/ProximalAdagrad"
    assert g.get_operation_by_name("ProximalAdagrad/update_v/ApplyProximalAdagrad")

    trainable = {x.op.name for x in tf.trainable_variables()}
    assert trainable == {"dense/kernel", "v"}
    with tf.Session(backend="interpreter") as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(ftrl.get_slot(w, "accum")), np.full((2, 2), 0.25, np.float32))
        np.testing.assert_array_equal(sess.run(ada.get_slot(w, "accum_update")), np.zeros((2, 2)))


def test_constructor_errors() -> None:
    with pytest.raises(GraphError, match="initial_accumulator_value"):
        tf.train.FtrlOptimizer(0.1, initial_accumulator_value=-1.0)
    with pytest.raises(GraphError, match="learning_rate_power"):
        tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)
    with pytest.raises(GraphError, match="l1_regularization_strength"):
        tf.train.FtrlOptimizer(0.1, l1_regularization_strength=-0.1)
    with pytest.raises(GraphError, match="l2_shrinkage_regularization_strength"):
        tf.train.FtrlOptimizer(0.1, l2_shrinkage_regularization_strength=-0.1)
    with pytest.raises(GraphError, match="initial_accumulator_value must be positive"):
        tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_update_op_build_errors() -> None:
    w = tf.Variable(np.zeros(3, np.float32), name="w")
    acc = tf.Variable(np.zeros(3, np.float32), name="acc")
    with pytest.raises(ShapeError, match=r"apply_proximal_adagrad.*shape"):
        optimizers_extra.apply_proximal_adagrad(w, acc, 0.1, 0.0, 0.0, np.zeros(4, np.float32))
    with pytest.raises(ShapeError, match="must be a scalar"):
        optimizers_extra.apply_proximal_gradient_descent(w, np.ones(3, np.float32), 0.0, 0.0, np.zeros(3))
    with pytest.raises(DTypeError, match="dtype"):
        optimizers_extra.apply_adadelta(w, acc, acc, 0.1, 0.9, 1e-8, tf.zeros([3], tf.float64))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fed_learning_rate_and_float64_var(backend) -> None:
    """A fed float32 rate is cast to a float64 variable's dtype (ProximalGD with l1: exact values)."""
    lr = tf.placeholder(tf.float32, [], name="lr")
    w = tf.Variable(np.array([1.0, -1.0, 0.05]), name="w")
    train = tf.train.ProximalGradientDescentOptimizer(lr, l1_regularization_strength=1.0).minimize(
        tf.reduce_sum(w)
    )
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {lr: 0.25})
        # v = w - 0.25 = [0.75, -1.25, -0.2]; shrink by 0.25: [0.5, -1.0, 0.0]
        np.testing.assert_allclose(sess.run(w), [0.5, -1.0, 0.0])
