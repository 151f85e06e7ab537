"""ExponentialMovingAverage, the RNN cell wrappers and the tf.image adjustments, on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import GraphError, ShapeError

BACKENDS = ("interpreter", "xla")


def _run_both(graph: tf.Graph, fetches, feeds=None, init: bool = False):
    out = []
    with graph.as_default():
        init_op = tf.global_variables_initializer()
    for b in BACKENDS:
        with tf.Session(graph=graph, backend=b) as s:
            if init:
                s.run(init_op)
            out.append(s.run(fetches, feeds))
    return out


# --- ExponentialMovingAverage -------------------------------------------------------------------


@pytest.mark.parametrize("with_num_updates", [False, True])
def test_ema_matches_numpy_recurrence(with_num_updates: bool) -> None:
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(np.array([1.0, -2.0, 3.0], np.float32), name="w")
        x = tf.placeholder(tf.float32, [3], name="x")
        step = tf.Variable(0, trainable=False, name="step")
        ema = tf.train.ExponentialMovingAverage(0.9, num_updates=step if with_num_updates else None)
        avg_op = ema.apply([w, x])
        with tf.control_dependencies([avg_op]):
            train = tf.group(tf.assign_add(step, 1), w.assign(w.value() * 1.5 + 1.0))
        init = tf.global_variables_initializer()
    feeds = [np.array([0.5 * k, 1.0, -k], np.float32) for k in range(5)]
    # NumPy: each run reads the start-of-run values (graphdl's variable semantics)
    wv = np.array([1.0, -2.0, 3.0])
    sw, sx = wv.copy(), np.zeros(3)
    for k, f in enumerate(feeds):
        d = min(0.9, (1 + k) / (10 + k)) if with_num_updates else 0.9
        sw -= (1 - d) * (sw - wv)
        sx -= (1 - d) * (sx - f)
        wv = wv * 1.5 + 1.0
    results = []
    for b in BACKENDS:
        with tf.Session(graph=g, backend=b) as s:
            s.run(init)
            np.testing.assert_array_equal(s.run(ema.average(w)), [1.0, -2.0, 3.0])  # starts at w's value
            np.testing.assert_array_equal(s.run(ema.average(x)), np.zeros(3))  # a tensor's starts at 0
            for f in feeds:
                s.run(train, {x: f})
            results.append(s.run([ema.average(w), ema.average(x)]))
    for r in results:
        np.testing.assert_allclose(r[0], sw, rtol=1e-5)
        np.testing.assert_allclose(r[1], sx, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)


def test_ema_names_collections_and_restore_map() -> None:
    g = tf.Graph()
    with g.as_default():
        with tf.name_scope("model"):
            w = tf.Variable(np.ones((2, 2), np.float32), name="w")
        b = tf.Variable(np.zeros(2, np.float32), name="b")
        other = tf.Variable(0.0, trainable=False, name="other")
        ema = tf.train.ExponentialMovingAverage(0.99)
        with tf.name_scope("somewhere"):
            op = ema.apply()  # the trainable variables
        sw, sb = ema.average(w), ema.average(b)
        assert sw is not None and sb is not None
        assert sw.name == "model/w/ExponentialMovingAverage:0"
        assert sb.name == "b/ExponentialMovingAverage:0"
        assert ema.average_name(w) == "model/w/ExponentialMovingAverage"
        assert op.name == "somewhere/ExponentialMovingAverage"  # TF1: a relative name scope
        assert ema.average(other) is None
        assert not sw.trainable
        assert tf.trainable_variables() == [w, b]
        assert tf.global_variables() == [w, b, other, sw, sb]
        assert g.get_collection("moving_average_variables") == [w, b]
        restore = ema.variables_to_restore()
        assert restore == {
            "model/w/ExponentialMovingAverage": w,
            "b/ExponentialMovingAverage": b,
            "other": other,
        }
        assert ema.variables_to_restore([w]) == {
            "model/w/ExponentialMovingAverage": w,
            "b": b,
            "other": other,
            "b/ExponentialMovingAverage": sb,
        }
        with pytest.raises(GraphError, match="already computed"):
            ema.apply([w])
        with pytest.raises(TypeError, match="float"):
            ema.apply([tf.Variable(1, name="i")])
        with pytest.raises(GraphError, match="zero_debias"):
            tf.train.ExponentialMovingAverage(0.9, zero_debias=True).apply([tf.constant([1.0])])


# --- RNN cell wrappers --------------------------------------------------------------------------


def _lstm_graph(keep: float | None, seed: int = 7):
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1)
        x = tf.constant(np.random.default_rng(0).normal(size=(4, 3, 5)).astype(np.float32))
        cell = tf.nn.rnn_cell.BasicLSTMCell(6)
        if keep is not None:
            cell = tf.nn.rnn_cell.DropoutWrapper(
                cell, input_keep_prob=keep, output_keep_prob=keep, state_keep_prob=keep, seed=seed
            )
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    return g, out, state


def test_dropout_wrapper_keep_one_is_the_bare_cell() -> None:
    g0, out0, st0 = _lstm_graph(None)
    g1, out1, st1 = _lstm_graph(1.0)
    assert [v.name for v in g0.get_collection("variables")] == [
        v.name for v in g1.get_collection("variables")
    ]
    assert [v.name for v in g1.get_collection("variables")] == [
        "rnn/basic_lstm_cell/kernel:0",
        "rnn/basic_lstm_cell/bias:0",
    ]
    r0 = _run_both(g0, [out0, st0], init=True)
    r1 = _run_both(g1, [out1, st1], init=True)
    for a, b in zip(r0, r1, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1].h, b[1].h)


class _Identity(tf.nn.rnn_cell.RNNCell):
    """A cell whose output is its input, to see what DropoutWrapper hands it."""

    state_size = 1
    output_size = 50

    def __call__(self, inputs, state, scope=None):
        return inputs, state


def test_dropout_wrapper_drops_with_the_right_rate_and_scale() -> None:
    g = tf.Graph()
    with g.as_default():
        keep = tf.placeholder(tf.float32, [], name="keep")
        cell = tf.contrib.rnn.DropoutWrapper(_Identity(), input_keep_prob=keep, seed=3)
        x = tf.ones([2000, 50])
        dropped, _ = cell(x, cell.zero_state(2000, tf.float32))
    assert dropped is not None and dropped is not x
    rs = _run_both(g, dropped, {keep: 0.5}, init=True)
    np.testing.assert_array_equal(rs[0], rs[1])  # same seed, same mask on both backends
    vals = rs[0]
    assert set(np.unique(vals)) <= {0.0, 2.0}
    frac = (vals == 0).mean()
    assert abs(frac - 0.5) < 0.01  # 100000 draws: sd 0.0016
    full = _run_both(g, dropped, {keep: 1.0}, init=True)
    np.testing.assert_array_equal(full[0], np.ones((2000, 50), np.float32))


def test_dropout_wrapper_lstm_state_filter_and_fresh_masks() -> None:
    g, out, state = _lstm_graph(0.5)
    r = _run_both(g, [out, state], init=True)
    np.testing.assert_allclose(r[0][0], r[1][0], rtol=1e-5, atol=1e-6)
    o = r[0][0]
    assert 0.3 < (o == 0).mean() < 0.7  # outputs dropped at keep 0.5
    assert (r[0][1].h == 0).mean() > 0.1  # h is dropped ...
    assert (r[0][1].c == 0).mean() == 0.0  # ... c is not (TF1's default state filter)
    # a fresh mask at every step
    assert not np.array_equal(o[:, 0] == 0, o[:, 1] == 0)
    with pytest.raises(ShapeError, match="between 0 and 1"):
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(2), output_keep_prob=1.5)
    with pytest.raises(GraphError, match="variational_recurrent"):
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(2), variational_recurrent=True)


def test_dropout_wrapper_trains_a_dynamic_rnn_on_both_backends() -> None:
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(8, 4, 3)).astype(np.float32)
    ys = rng.normal(size=(8, 5)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(2)
        x = tf.placeholder(tf.float32, [None, 4, 3])
        y = tf.placeholder(tf.float32, [None, 5])
        keep = tf.placeholder_with_default(1.0, [])
        cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(5), output_keep_prob=keep, seed=5)
        out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        loss = tf.reduce_mean(tf.square(out[:, -1] - y))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
        set_kernel = g.get_collection("trainable_variables")[0].assign(np.full((8, 10), 0.1, np.float32))
    losses = []
    for b in BACKENDS:
        with tf.Session(graph=g, backend=b) as s:
            s.run(init)
            s.run(set_kernel)
            before = s.run(loss, {x: xs, y: ys})
            for _ in range(30):
                s.run(train, {x: xs, y: ys, keep: 0.8})
            losses.append((before, s.run(loss, {x: xs, y: ys})))
    assert losses[0][1] < 0.9 * losses[0][0]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)


def test_residual_and_device_wrappers() -> None:
    g = tf.Graph()
    with g.as_default():
        xv = np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(10)
        x = tf.constant(xv)
        base = tf.nn.rnn_cell.BasicRNNCell(4)
        res = tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.DeviceWrapper(base, "/cpu:0"))
        s0 = res.zero_state(3, tf.float32)
        out, st = res(x, s0)
        assert res.state_size == 4 and res.output_size == 4
        with pytest.raises(ShapeError, match="same shape"):
            tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.BasicRNNCell(2, name="narrow"))(x, tf.zeros([3, 2]))
    for o, s in _run_both(g, [out, st], init=True):
        # the expectation in float32, as the wrapper adds (float64 against a near-zero output was flaky)
        np.testing.assert_allclose(o, s + xv, rtol=1e-6)


# --- tf.image adjustments -----------------------------------------------------------------------


def _np_contrast(x: np.ndarray, f: float) -> np.ndarray:
    m = x.mean(axis=(-3, -2), keepdims=True)
    return (x - m) * f + m


def test_adjust_brightness_and_contrast_against_numpy() -> None:
    rng = np.random.default_rng(0)
    xf = rng.random((2, 4, 5, 3)).astype(np.float32)
    xu = (rng.random((4, 5, 3)) * 255).astype(np.uint8)
    g = tf.Graph()
    with g.as_default():
        outs = [
            tf.image.adjust_contrast(xf, 1.7),
            tf.image.adjust_contrast(xf[0], 0.3),
            tf.image.adjust_brightness(xf, 0.2),
            tf.image.adjust_contrast(xu, 1.7),
            tf.image.adjust_brightness(xu, -0.1),
        ]
        with pytest.raises(ShapeError, match="three-dimensional"):
            tf.image.adjust_contrast(xf[0, 0], 2.0)
    ref_u_c = _np_contrast(xu.astype(np.float32) / 255, 1.7)
    ref_u_b = xu.astype(np.float32) / 255 - 0.1
    for r in _run_both(g, outs):
        np.testing.assert_allclose(r[0], _np_contrast(xf, 1.7), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r[1], _np_contrast(xf[0], 0.3), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(r[2], xf + 0.2, rtol=1e-6)
        # uint8: TF1's convert_image_dtype back (x * 255.5, saturated, truncated)
        assert r[3].dtype == np.uint8 and r[4].dtype == np.uint8
        np.testing.assert_array_equal(r[3], np.clip(ref_u_c * 255.5, 0, 255).astype(np.uint8))
        np.testing.assert_array_equal(r[4], np.clip(ref_u_b * 255.5, 0, 255).astype(np.uint8))


def test_random_flips_identical_across_backends_and_fair() -> None:
    img = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)[..., None].repeat(2, -1)  # [2,3,4,2]
    batch = np.stack([img[0]] * 400)  # [400, 3, 4, 2]
    g = tf.Graph()
    with g.as_default():
        lr = tf.image.random_flip_left_right(batch, seed=1)
        ud = tf.image.random_flip_up_down(batch, seed=2)
        single = tf.image.random_flip_left_right(img[0], seed=3)
    outs = []
    for b in BACKENDS:
        with tf.Session(graph=g, backend=b) as s:
            outs.append([s.run([lr, ud]) for _ in range(2)] + [[s.run(single) for _ in range(200)]])
    for k in range(2):
        np.testing.assert_array_equal(outs[0][k][0], outs[1][k][0])
        np.testing.assert_array_equal(outs[0][k][1], outs[1][k][1])
    np.testing.assert_array_equal(np.stack(outs[0][2]), np.stack(outs[1][2]))
    lr_v, ud_v = outs[0][0]
    flipped_lr = np.array([np.array_equal(im, img[0][:, ::-1]) for im in lr_v])
    kept_lr = np.array([np.array_equal(im, img[0]) for im in lr_v])
    assert np.all(flipped_lr | kept_lr)
    assert 0.4 < flipped_lr.mean() < 0.6  # 400 coins: sd 0.025
    flipped_ud = np.array([np.array_equal(im, img[0][::-1]) for im in ud_v])
    kept_ud = np.array([np.array_equal(im, img[0]) for im in ud_v])
    assert np.all(flipped_ud | kept_ud) and 0.4 < flipped_ud.mean() < 0.6
    singles = np.stack(outs[0][2])
    f1 = np.array([np.array_equal(im, img[0][:, ::-1]) for im in singles])
    k1 = np.array([np.array_equal(im, img[0]) for im in singles])
    assert np.all(f1 | k1) and 0.35 < f1.mean() < 0.65  # a fresh coin each run
    with pytest.raises(ShapeError, match="3 or 4"):
        tf.image.random_flip_left_right(np.zeros((1, 2, 3, 4, 5), np.float32))


def test_random_brightness_and_contrast() -> None:
    rng = np.random.default_rng(3)
    x = rng.random((5, 6, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        br = tf.image.random_brightness(x, 0.25, seed=4)
        ct = tf.image.random_contrast(x, 0.5, 1.5, seed=5)
        with pytest.raises(GraphError, match="non-negative"):
            tf.image.random_brightness(x, -1.0)
        with pytest.raises(GraphError, match="upper must be > lower"):
            tf.image.random_contrast(x, 1.0, 0.5)
    runs = []
    for b in BACKENDS:
        with tf.Session(graph=g, backend=b) as s:
            runs.append([s.run([br, ct]) for _ in range(50)])
    deltas, factors = [], []
    for (b0, c0), (b1, c1) in zip(*runs, strict=True):
        np.testing.assert_array_equal(b0, b1)
        np.testing.assert_allclose(c0, c1, rtol=1e-5, atol=1e-6)
        d = b0 - x  # one delta for the whole image
        np.testing.assert_allclose(d, np.full_like(d, d.mean()), atol=1e-6)
        deltas.append(d.mean())
        m = x.mean(axis=(0, 1))
        f = ((c0 - m) / (x - m)).mean()
        np.testing.assert_allclose(c0, _np_contrast(x, f), rtol=1e-4, atol=1e-5)
        factors.append(f)
    assert min(deltas) >= -0.25 and max(deltas) < 0.25 and np.std(deltas) > 0.05
    assert min(factors) >= 0.5 - 1e-4 and max(factors) < 1.5 + 1e-4 and np.std(factors) > 0.1
