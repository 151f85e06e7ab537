"""Optimizers against NumPy implementations of TF1's update formulas (training_ops.cc), both backends."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import GraphError

BACKENDS = ["interpreter", "xla"]
DTYPES = [np.float32, np.float64]
STEPS = 5


def _f(x: float) -> np.float32:
    """A Python-number hyperparameter as TF1 holds it: a float32 constant (then cast to the var dtype)."""
    return np.float32(x)


# --- NumPy references: one step each, in the variable's dtype, TF1's order of operations -------------
def ref_sgd(var, grad, state, lr):
    dt = var.dtype.type
    return var - grad * dt(_f(lr)), state


def ref_momentum(var, grad, state, lr, momentum, use_nesterov=False):
    dt = var.dtype.type
    lr, mu = dt(_f(lr)), dt(_f(momentum))
    accum = state.get("accum", np.zeros_like(var)) * mu + grad
    if use_nesterov:
        return var - (grad * lr + accum * mu * lr), {"accum": accum}
    return var - accum * lr, {"accum": accum}


def ref_adam(var, grad, state, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    dt = var.dtype.type
    b1p = state.get("b1p", _f(beta1))  # float32 variables, as in TF1
    b2p = state.get("b2p", _f(beta2))
    m = state.get("m", np.zeros_like(var))
    v = state.get("v", np.zeros_like(var))
    one = dt(1)
    alpha = dt(_f(lr)) * np.sqrt(one - dt(b2p)) / (one - dt(b1p))
    m = m + (grad - m) * (one - dt(_f(beta1)))
    v = v + (grad * grad - v) * (one - dt(_f(beta2)))
    var = var - (m * alpha) / (np.sqrt(v) + dt(_f(epsilon)))
    return var, {"m": m, "v": v, "b1p": np.float32(b1p * _f(beta1)), "b2p": np.float32(b2p * _f(beta2))}


def ref_rmsprop(var, grad, state, lr, decay=0.9, momentum=0.0, epsilon=1e-10, centered=False):
    dt = var.dtype.type
    lr, rho, mu, eps = (dt(_f(x)) for x in (lr, decay, momentum, epsilon))
    ms = state.get("ms", np.ones_like(var))
    mg = state.get("mg", np.zeros_like(var))
    mom = state.get("mom", np.zeros_like(var))
    one = dt(1)
    ms = ms + (grad * grad - ms) * (one - rho)
    if centered:
        mg = mg + (grad - mg) * (one - rho)
        denom = (ms - mg * mg) + eps
    else:
        denom = ms + eps
    mom = mom * mu + (grad * lr) / np.sqrt(denom)
    return var - mom, {"ms": ms, "mg": mg, "mom": mom}


def ref_adagrad(var, grad, state, lr, initial_accumulator_value=0.1):
    dt = var.dtype.type
    accum = state.get("accum", np.full_like(var, initial_accumulator_value)) + grad * grad
    return var - grad * dt(_f(lr)) * (dt(1) / np.sqrt(accum)), {"accum": accum}


CASES = [
    ("sgd", lambda: tf.train.GradientDescentOptimizer(0.1), lambda v, g, s: ref_sgd(v, g, s, 0.1)),
    (
        "momentum",
        lambda: tf.train.MomentumOptimizer(0.1, 0.9),
        lambda v, g, s: ref_momentum(v, g, s, 0.1, 0.9),
    ),
    (
        "nesterov",
        lambda: tf.train.MomentumOptimizer(0.05, 0.8, use_nesterov=True),
        lambda v, g, s: ref_momentum(v, g, s, 0.05, 0.8, use_nesterov=True),
    ),
    ("adam", lambda: tf.train.AdamOptimizer(), lambda v, g, s: ref_adam(v, g, s)),
    (
        "adam_hyper",
        lambda: tf.train.AdamOptimizer(0.1, beta1=0.5, beta2=0.9, epsilon=1e-3),
        lambda v, g, s: ref_adam(v, g, s, 0.1, 0.5, 0.9, 1e-3),
    ),
    ("rmsprop", lambda: tf.train.RMSPropOptimizer(0.01), lambda v, g, s: ref_rmsprop(v, g, s, 0.01)),
    (
        "rmsprop_momentum",
        lambda: tf.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.5, epsilon=1e-6),
        lambda v, g, s: ref_rmsprop(v, g, s, 0.01, 0.8, 0.5, 1e-6),
    ),
    (
        "rmsprop_centered",
        lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.3, centered=True),
        lambda v, g, s: ref_rmsprop(v, g, s, 0.01, momentum=0.3, centered=True),
    ),
    ("adagrad", lambda: tf.train.AdagradOptimizer(0.3), lambda v, g, s: ref_adagrad(v, g, s, 0.3)),
    (
        "adagrad_init",
        lambda: tf.train.AdagradOptimizer(0.3, initial_accumulator_value=0.5),
        lambda v, g, s: ref_adagrad(v, g, s, 0.3, 0.5),
    ),
]


def _tol(dtype, backend):
    if dtype == np.float64:
        return {"rtol": 1e-13, "atol": 1e-13}
    return {"rtol": 0, "atol": 0} if backend == "interpreter" else {"rtol": 2e-6, "atol": 1e-7}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize(("name", "make", "ref"), CASES, ids=[c[0] for c in CASES])
def test_update_rule_over_steps(name, make, ref, dtype, backend) -> None:
    """apply_gradients with fed gradients reproduces TF1's formulas over several steps."""
    check_update_rule_over_steps(name, make, ref, dtype, backend)


def check_update_rule_over_steps(name, make, ref, dtype, backend) -> None:
    """Run `make()`'s apply_gradients for STEPS steps of random fed gradients and compare the
    variables after each step with `ref(var, grad, state) -> (var, state)` (NumPy). Also used by
    test_optimizers_extra.py."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4)).astype(dtype)
    b0 = rng.standard_normal((4,)).astype(dtype)
    w = tf.Variable(w0, name="w")
    b = tf.Variable(b0, name="b")
    gw = tf.placeholder(w0.dtype, [3, 4], name="gw")
    gb = tf.placeholder(w0.dtype, [4], name="gb")
    gstep = tf.train.get_or_create_global_step()
    train = make().apply_gradients([(gw, w), (gb, b)], global_step=gstep)
    vals, states = {"w": w0, "b": b0}, {"w": {}, "b": {}}
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(STEPS):
            grads = {
                "w": rng.standard_normal((3, 4)).astype(dtype),
                "b": rng.standard_normal(4).astype(dtype),
            }
            assert sess.run(train, {gw: grads["w"], gb: grads["b"]}) is None
            for k in vals:
                vals[k], states[k] = ref(vals[k], grads[k], states[k])
                vals[k] = vals[k].astype(dtype)
            got_w, got_b, got_step = sess.run([w, b, gstep])
            assert got_w.dtype == dtype
            np.testing.assert_allclose(
                got_w, vals["w"], **_tol(dtype, backend), err_msg=f"{name} step {step}"
            )
            np.testing.assert_allclose(
                got_b, vals["b"], **_tol(dtype, backend), err_msg=f"{name} step {step}"
            )
            assert got_step == step + 1


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_minimize_quadratic_matches_numpy(dtype, backend) -> None:
    """minimize uses symbolic gradients: loss = 0.5*|A w - y|^2, gradient A^T (A w - y)."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5, 3)).astype(dtype)
    y = rng.standard_normal((5, 1)).astype(dtype)
    w0 = np.zeros((3, 1), dtype)
    w = tf.Variable(w0, name="w")
    r = tf.matmul(tf.constant(a), w) - tf.constant(y)
    loss = 0.5 * tf.reduce_sum(r * r)
    train = tf.train.AdamOptimizer(0.05).minimize(loss)
    ref_w, state = w0, {}
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(STEPS):
            sess.run(train)
            ref_w, state = ref_adam(ref_w, a.T @ (a @ ref_w - y), state, 0.05)
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(sess.run(w), ref_w, rtol=tol, atol=tol)


@pytest.mark.parametrize("backend", BACKENDS)
def test_non_scalar_loss_is_summed(backend) -> None:
    w = tf.Variable([1.0, 2.0], name="w")
    loss = w * w  # gradient of sum(w^2) is 2w
    train = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [0.5, 1.0])


def test_slot_names_and_collections() -> None:
    with tf.name_scope("dense"):
        w = tf.Variable(np.zeros((2, 2), np.float32), name="kernel")
    v = tf.Variable(np.zeros(3, np.float32), name="v")
    loss = tf.reduce_sum(w) + tf.reduce_sum(v)
    adam = tf.train.AdamOptimizer()
    adam.minimize(loss)
    names = sorted(x.op.name for x in tf.global_variables())
    assert names == sorted(
        [
            "dense/kernel",
            "v",
            "beta1_power",
            "beta2_power",
            "dense/kernel/Adam",
            "dense/kernel/Adam_1",
            "v/Adam",
            "v/Adam_1",
        ]
    )
    assert [x.op.name for x in tf.trainable_variables()] == ["dense/kernel", "v"]
    assert adam.get_slot(w, "m").op.name == "dense/kernel/Adam"
    assert adam.get_slot(w, "v").op.name == "dense/kernel/Adam_1"
    assert adam.get_slot_names() == ["m", "v"]
    assert adam.get_slot(w, "m").dtype == w.dtype and adam.get_slot(w, "m").shape == w.shape
    b1p = next(x for x in tf.global_variables() if x.op.name == "beta1_power")
    assert b1p.dtype == tf.float32 and not b1p.trainable
    assert len(adam.variables()) == 6
    mom = tf.train.MomentumOptimizer(0.1, 0.9)
    mom.minimize(loss)
    assert mom.get_slot(v, "momentum").op.name == "v/Momentum"
    rms = tf.train.RMSPropOptimizer(0.1, centered=True)
    rms.minimize(loss)
    assert [rms.get_slot(v, s).op.name for s in ("rms", "mg", "momentum")] == [
        "v/RMSProp",
        "v/RMSProp_1",
        "v/RMSProp_2",
    ]
    ada = tf.train.AdagradOptimizer(0.1)
    ada.minimize(loss)
    assert ada.get_slot(v, "accumulator").op.name == "v/Adagrad"


def test_update_op_names_and_types() -> None:
    w = tf.Variable(np.zeros(2, np.float32), name="w")
    gs = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer().minimize(tf.reduce_sum(w * w), global_step=gs)
    g = tf.get_default_graph()
    assert train.name == "Adam" and train.type == "AssignAdd"
    assert g.get_operation_by_name("Adam/update_w/ApplyAdam").type == "ApplyAdam"
    assert g.get_operation_by_name("Adam/update").type == "NoOp"
    assert g.get_operation_by_name("Adam/learning_rate").type == "Const"
    assert train in g.get_collection(tf.GraphKeys.TRAIN_OP)
    sgd = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w), name="sgd_step")
    assert sgd.name == "sgd_step" and sgd.type == "NoOp"
    assert g.get_operation_by_name("sgd_step/update_w/ApplyGradientDescent").kind == "update"


@pytest.mark.parametrize("backend", BACKENDS)
def test_global_step(backend) -> None:
    assert tf.train.get_global_step() is None
    gs = tf.train.get_or_create_global_step()
    assert gs.op.name == "global_step" and gs.dtype == tf.int64 and gs.shape.rank == 0
    assert not gs.trainable
    assert tf.train.get_or_create_global_step() is gs
    assert tf.train.get_global_step() is gs
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [gs]
    with pytest.raises(GraphError, match="already exists"):
        tf.train.create_global_step()
    w = tf.Variable(1.0, name="w")
    train = tf.train.GradientDescentOptimizer(0.5).minimize(w * w, global_step=gs)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        assert tf.train.global_step(sess, gs) == 0
        for _ in range(3):
            sess.run(train)
        assert tf.train.global_step(sess, gs) == 3
        assert sess.run(w) == 0.0  # w - 0.5 * 2w


def test_errors() -> None:
    w = tf.Variable(1.0, name="w")
    u = tf.Variable(2.0, name="u")
    x = tf.placeholder(tf.float32, [], name="x")
    with pytest.raises(GraphError, match=r"No gradients provided for any variable.*'w:0', 'u:0'.*'Square"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.square(x), var_list=[w, u])
    with pytest.raises(GraphError, match="No variables to optimize"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.square(x), var_list=[])
    with pytest.raises(GraphError, match="No gradients provided"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(None, w)])
    with pytest.raises(GraphError, match="not a Variable"):
        tf.train.GradientDescentOptimizer(0.1).apply_gradients([(x, x)])
    with pytest.raises(tf.DTypeError, match="floating"):
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.constant(1))


def test_compute_and_apply_gradients() -> None:
    w = tf.Variable(3.0, name="w")
    u = tf.Variable(2.0, name="u")
    loss = w * w
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss, var_list=[w, u])
    assert gv[0][1] is w and gv[1] == (None, u)
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), v) for g, v in gv if g is not None]
    train = opt.apply_gradients(clipped)
    with tf.Session(backend="interpreter") as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run([w, u]), [2.9, 2.0], rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_learning_rate_tensor(backend) -> None:
    """A fed learning rate (e.g. a schedule) works; var dtype float64 with a float32 rate is cast."""
    lr = tf.placeholder(tf.float32, [], name="lr")
    w = tf.Variable(np.array([1.0, -1.0]), name="w")
    train = tf.train.GradientDescentOptimizer(lr).minimize(tf.reduce_sum(w))
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {lr: 0.5})
        sess.run(train, {lr: 0.25})
        np.testing.assert_allclose(sess.run(w), [0.25, -1.75])
