"""tf.gradients with TF1's conventions, second-order gradients, and the gradient checker."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import DTypeError, GraphError, ShapeError

BACKENDS = ["interpreter", "xla"]


def run(fetches, feed=None, backend="interpreter"):
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


# --- TF1 conventions ----------------------------------------------------------------------------
def test_one_entry_per_x_none_when_unconnected() -> None:
    x = tf.placeholder(tf.float32, [3], name="x")
    z = tf.placeholder(tf.float32, [3], name="z")
    y = tf.reduce_sum(x * x)
    grads = tf.gradients(y, [x, z, x])
    assert len(grads) == 3 and grads[1] is None
    assert grads[0] is grads[2]
    zeros = tf.gradients(y, [z], unconnected_gradients="zero")[0]
    v = np.array([1.0, 2.0, 3.0], np.float32)
    gx, gz = run([grads[0], zeros], {x: v, z: v})
    np.testing.assert_allclose(gx, 2 * v)
    np.testing.assert_array_equal(gz, np.zeros(3))
    assert tf.gradients(y, x)[0] is not None  # a single x is a list of one


def test_sum_over_ys_and_nonscalar_y() -> None:
    x = tf.placeholder(tf.float64, [2], name="x")
    y1 = x * x  # non-scalar: seeded with ones, so summed
    y2 = tf.sin(x)
    g = tf.gradients([y1, y2], x)[0]
    v = np.array([0.3, -1.2])
    np.testing.assert_allclose(run(g, {x: v}), 2 * v + np.cos(v))


def test_grad_ys() -> None:
    x = tf.placeholder(tf.float64, [2], name="x")
    y = x * x
    g = tf.gradients(y, x, grad_ys=np.array([10.0, -1.0]))[0]
    assert g.graph.get_operation_by_name("gradients/grad_ys_0").type == "Const"
    np.testing.assert_allclose(run(g, {x: [1.0, 2.0]}), [20.0, -4.0])
    seed = tf.placeholder(tf.float64, [2], name="seed")
    g2 = tf.gradients([y, 3.0 * x], x, grad_ys=[seed, None])[0]
    np.testing.assert_allclose(run(g2, {x: [1.0, 2.0], seed: [1.0, 0.5]}), [5.0, 5.0])
    with pytest.raises(ShapeError, match="grad_ys"):
        tf.gradients(y, x, grad_ys=np.ones(3))
    with pytest.raises(DTypeError, match="grad_ys"):
        tf.gradients(y, x, grad_ys=tf.constant(np.ones(2, np.float32)))
    with pytest.raises(GraphError, match="grad_ys"):
        tf.gradients(y, x, grad_ys=[None, None])


def test_stop_gradients_argument() -> None:
    """TF1's documented example: a and b both receive gradient, none flows from b into a."""
    a = tf.constant(0.0)
    b = 2 * a
    ga, gb = tf.gradients(a + b, [a, b], stop_gradients=[a, b])
    assert run([ga, gb]) == [1.0, 1.0]
    ga2, gb2 = tf.gradients(a + b, [a, b])
    assert run([ga2, gb2]) == [3.0, 1.0]


def test_stop_gradient_op() -> None:
    x = tf.placeholder(tf.float64, [], name="x")
    y = x * x + 3.0 * tf.stop_gradient(x * x)
    g = tf.gradients(y, x)[0]
    assert run(g, {x: 2.0}) == 4.0
    assert tf.gradients(tf.stop_gradient(x), x) == [None]


def test_several_paths_summed_with_add_n() -> None:
    x = tf.placeholder(tf.float64, [], name="x")
    y = x * x + tf.sin(x)
    g = tf.gradients(y, x)[0]
    assert g.op.type == "AddN" and g.op.name == "gradients/AddN"
    assert run(g, {x: 0.5}) == pytest.approx(1.0 + np.cos(0.5))


def test_integer_tensors_carry_no_gradient() -> None:
    i = tf.placeholder(tf.int32, [2], name="i")
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.reduce_sum(tf.cast(i, tf.float32) * x)
    gi, gx = tf.gradients(y, [i, x])
    assert gi is None
    np.testing.assert_allclose(run(gx, {i: [2, 3], x: [1.0, 1.0]}), [2.0, 3.0])
    assert tf.gradients(tf.reduce_sum(i), i) == [None]
    assert tf.gradients(tf.reduce_sum(i), i, unconnected_gradients="zero")[0].dtype == tf.int32


def test_naming_and_is_gradient_marks() -> None:
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.name_scope("dense"):
        w = tf.Variable(np.ones((3, 2), np.float32), name="w")
        y = tf.matmul(x, w)
    loss = tf.reduce_sum(tf.sigmoid(y))
    forward = set(tf.get_default_graph().get_operations())
    gw = tf.gradients(loss, w)[0]
    assert gw.op.name == "gradients/dense/MatMul_grad/MatMul_1"
    new = [n for n in tf.get_default_graph().get_operations() if n not in forward]
    assert new and all(n.is_gradient for n in new)
    assert all(n.name.startswith("gradients/") for n in new)
    assert not any(n.is_gradient for n in forward)
    assert any(n.name.startswith("gradients/Sigmoid_grad/") for n in new)
    gw2 = tf.gradients(loss, w)[0]  # a second call gets its own scope, as in TF1
    assert gw2.op.name.startswith("gradients_1/dense/MatMul_grad/")
    gw3 = tf.gradients(loss, w, name="my_grads")[0]
    assert gw3.op.name.startswith("my_grads/dense/MatMul_grad/")


def test_variables_as_xs_and_backends() -> None:
    w = tf.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]), name="w")
    b = tf.Variable(np.array([0.5, -0.5]), name="b")
    x = tf.constant(np.array([[1.0, -1.0]]))
    loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w) + b))
    gw, gb = tf.gradients(loss, [w, b])
    h = np.array([[1.0, -1.0]]) @ np.array([[1.0, 2.0], [3.0, 4.0]]) + [0.5, -0.5]
    d = 1 - np.tanh(h) ** 2
    for backend in BACKENDS:
        got_w, got_b = run([gw, gb], backend=backend)
        np.testing.assert_allclose(got_b, d[0], rtol=1e-12)
        np.testing.assert_allclose(got_w, np.array([[1.0], [-1.0]]) @ d, rtol=1e-12)


def test_x_is_y() -> None:
    x = tf.placeholder(tf.float32, [2], name="x")
    np.testing.assert_array_equal(run(tf.gradients(x, x)[0], {x: [3.0, 4.0]}), [1.0, 1.0])


def test_errors() -> None:
    x = tf.placeholder(tf.float32, [], name="x")
    g2 = tf.Graph()
    with g2.as_default():
        other = tf.placeholder(tf.float32, [], name="other")
    with pytest.raises(GraphError, match="same graph"):
        tf.gradients(x * x, other)
    with pytest.raises(GraphError, match="unconnected_gradients"):
        tf.gradients(x * x, x, unconnected_gradients="nan")
    with pytest.raises(GraphError, match="contains None"):
        tf.gradients(x * x, [None])


def test_op_without_gradient_is_named(monkeypatch) -> None:
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.negative(x, name="flip")
    monkeypatch.setattr(y.op.op_def, "differentiable", False)
    with pytest.raises(GraphError, match=r"no gradient defined for operation 'flip' \(op type: Neg\)"):
        tf.gradients(y * 2.0, x)


# --- second order -------------------------------------------------------------------------------
def _f_np(w, x):
    return np.sum(np.tanh(x @ w) ** 2) + np.sum(np.exp(0.1 * w) * w)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hessian_vector_product(backend) -> None:
    import jax

    import graphdl._jax  # noqa: F401  (x64)

    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 3))
    wv = rng.standard_normal((3, 2))
    vv = rng.standard_normal((3, 2))
    w = tf.placeholder(tf.float64, [3, 2], name="w")
    v = tf.placeholder(tf.float64, [3, 2], name="v")
    x = tf.constant(xv)
    f = tf.reduce_sum(tf.square(tf.tanh(tf.matmul(x, w)))) + tf.reduce_sum(tf.exp(0.1 * w) * w)
    g = tf.gradients(f, w)[0]
    hv = tf.gradients(g, w, grad_ys=v)[0]  # H v, the gradient of <g, v>
    hv2 = tf.gradients(tf.reduce_sum(g * v), w)[0]
    got, got2, got_g = run([hv, hv2, g], {w: wv, v: vv}, backend=backend)

    def f_jax(w_):
        return jax.numpy.sum(jax.numpy.tanh(xv @ w_) ** 2) + jax.numpy.sum(jax.numpy.exp(0.1 * w_) * w_)

    want = jax.jvp(jax.grad(f_jax), (wv,), (vv,))[1]
    np.testing.assert_allclose(got_g, jax.grad(f_jax)(wv), rtol=1e-10)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got2, want, rtol=1e-9, atol=1e-12)
    # and against central differences of the symbolic gradient along v
    eps = 1e-6
    with tf.Session(backend=backend) as sess:
        gp = sess.run(g, {w: wv + eps * vv})
        gm = sess.run(g, {w: wv - eps * vv})
    np.testing.assert_allclose(got, (gp - gm) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_second_and_third_derivatives_scalar() -> None:
    x = tf.placeholder(tf.float64, [], name="x")
    y = tf.sigmoid(x) * tf.sin(x)
    d1 = tf.gradients(y, x)[0]
    d2 = tf.gradients(d1, x)[0]
    d3 = tf.gradients(d2, x)[0]
    assert d2.op.name.startswith("gradients_1/") and d2.op.is_gradient
    x0 = 0.7
    import jax

    f = lambda t: jax.nn.sigmoid(t) * jax.numpy.sin(t)  # noqa: E731
    want = [jax.grad(f)(x0), jax.grad(jax.grad(f))(x0), jax.grad(jax.grad(jax.grad(f)))(x0)]
    for backend in BACKENDS:
        np.testing.assert_allclose(run([d1, d2, d3], {x: x0}, backend), want, rtol=1e-10)


# --- gradient checker ---------------------------------------------------------------------------
def test_compute_gradient_matches() -> None:
    x = tf.placeholder(tf.float64, [2, 3], name="x")
    w = tf.constant(np.arange(6.0).reshape(3, 2) / 6)
    y = tf.tanh(tf.matmul(x, w))
    theo, num = tf.test.compute_gradient(x, [2, 3], y, [2, 2], delta=1e-6)
    assert theo.shape == num.shape == (6, 4)
    np.testing.assert_allclose(theo, num, atol=1e-8)
    assert tf.test.compute_gradient_error(x, [2, 3], y, [2, 2], delta=1e-6) < 1e-8


def test_compute_gradient_lists_and_variables() -> None:
    a = tf.placeholder(tf.float64, [3], name="a")
    b = tf.Variable(np.array([0.5, 1.0, 2.0]), name="b")
    y = tf.reduce_sum(a * b * b)
    init = tf.global_variables_initializer()
    with tf.Session(backend="interpreter") as sess:
        sess.run(init)
        res = tf.test.compute_gradient(
            [a, b], [[3], [3]], y, [], x_init_value=[np.ones(3), np.array([1.0, 2.0, 3.0])], delta=1e-6
        )
        assert len(res) == 2
        for theo, num in res:
            np.testing.assert_allclose(theo, num, atol=1e-7)
        np.testing.assert_allclose(res[1][0][:, 0], [2.0, 4.0, 6.0])
        np.testing.assert_allclose(sess.run(b), [0.5, 1.0, 2.0])  # restored


def test_compute_gradient_error_catches_a_wrong_rule(monkeypatch) -> None:
    x = tf.placeholder(tf.float64, [3], name="x")
    y = tf.sin(x)
    monkeypatch.setattr(y.op.op_def, "gradient", lambda node, grads: [grads[0] * tf.sin(node.inputs[0])])
    err = tf.test.compute_gradient_error(x, [3], y, [3], x_init_value=np.array([0.1, 0.2, 0.3]))
    assert err > 0.5


def test_compute_gradient_shape_checks() -> None:
    x = tf.placeholder(tf.float64, [2], name="x")
    y = x * 2.0
    with pytest.raises(ShapeError, match="x_init_value"):
        tf.test.compute_gradient(x, [2], y, [2], x_init_value=np.ones(3))
    with pytest.raises(ShapeError, match="y_shape"):
        tf.test.compute_gradient(x, [2], y, [5])
