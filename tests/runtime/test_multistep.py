"""Session.run_steps: n steps in one call are the same as n calls of Session.run (one scan on XLA)."""

from __future__ import annotations

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import FeedError, GraphError, UninitializedVariableError

BACKENDS = ["xla", "interpreter"]
RNG = np.random.default_rng(0)


def _mlp(keep_prob: float | None = None):
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(7)
        x = tf.placeholder(tf.float32, [None, 6])
        y = tf.placeholder(tf.float32, [None, 3])
        h = tf.layers.dense(x, 5, activation=tf.nn.sigmoid)
        if keep_prob is not None:
            h = tf.nn.dropout(h, keep_prob)
        logits = tf.layers.dense(h, 3)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
        gs = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=gs)
        init = tf.global_variables_initializer()
    return g, x, y, loss, train, gs, init


def _data(n: int, batch: int = 4):
    xs = RNG.standard_normal((n, batch, 6)).astype(np.float32)
    ys = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, (n, batch))]
    return xs, ys


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("keep_prob", [None, 0.7])
def test_steps_equal_separate_runs(backend: str, keep_prob: float | None) -> None:
    """Adam (slots carried), a global step and seeded dropout (per-step randomness)."""
    g, x, y, loss, train, gs, init = _mlp(keep_prob)
    xs, ys = _data(6)
    one, many = tf.Session(graph=g, backend=backend), tf.Session(graph=g, backend=backend)
    one.run(init)
    many.run(init)
    ref = [one.run({"loss": loss, "train": train, "step": gs}, {x: xs[i], y: ys[i]}) for i in range(6)]
    got = many.run_steps({"loss": loss, "train": train, "step": gs}, {x: xs, y: ys})
    assert got["train"] is None
    np.testing.assert_array_equal(got["loss"], [r["loss"] for r in ref])
    np.testing.assert_array_equal(got["step"], [r["step"] for r in ref])
    for v in g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES):
        np.testing.assert_array_equal(many.run(v), one.run(v), err_msg=v.name)
    # and the runs after it continue alike (the run counter advanced by the steps)
    np.testing.assert_array_equal(many.run(loss, {x: xs[0], y: ys[0]}), one.run(loss, {x: xs[0], y: ys[0]}))


def test_backends_agree_and_fetch_structures() -> None:
    g, x, y, loss, train, gs, init = _mlp()
    xs, ys = _data(3)
    outs = []
    for backend in BACKENDS:
        s = tf.Session(graph=g, backend=backend)
        s.run(init)
        single = s.run_steps(loss, {x: xs, y: ys}, steps=3)
        ops_only = s.run_steps(train, {x: xs, y: ys})
        nested = s.run_steps((train, [loss, {"g": gs}]), {x: xs, y: ys})
        assert ops_only is None and single.shape == (3,)
        assert nested[0] is None and nested[1][1]["g"].tolist() == [3, 4, 5]  # start-of-run values
        outs.append((single, nested[1][0]))
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_steps_without_feeds(backend: str) -> None:
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(1.0)
        k = tf.Variable(10.0)  # read, never written
        inc = tf.assign(v, v * 2.0 + k)
        init = tf.global_variables_initializer()
    s = tf.Session(graph=g, backend=backend)
    s.run(init)
    np.testing.assert_array_equal(s.run_steps(inc, steps=4), [12.0, 34.0, 78.0, 166.0])
    assert s.run(v) == 166.0 and s.run(k) == 10.0


def test_errors() -> None:
    g, x, y, loss, _, gs, init = _mlp()
    xs, ys = _data(3)
    s = tf.Session(graph=g)
    with pytest.raises(UninitializedVariableError, match="not initialized"):
        s.run_steps(loss, {x: xs, y: ys})
    s.run(init)
    with pytest.raises(FeedError, match="stack 3 steps"):
        s.run_steps(loss, {x: xs, y: ys[:2]}, steps=3)
    with pytest.raises(FeedError, match="steps="):
        s.run_steps(loss, {x: xs, y: ys[:2]})
    with pytest.raises(FeedError, match="shape"):
        s.run_steps(loss, {x: xs[:, :, :5], y: ys})
    with pytest.raises(GraphError, match="at least 1"):
        s.run_steps(loss, {x: xs[:0], y: ys[:0]}, steps=0)
    with g.as_default(), tf.control_dependencies([tf.assert_positive(loss)]):
        checked = tf.identity(loss)
    with pytest.raises(GraphError, match="run-time checks"):
        s.run_steps(checked, {x: xs, y: ys})
    assert s.run(gs) == 0  # nothing ran
    g2 = tf.Graph()
    with g2.as_default():
        it = tf.data.Dataset.range(5).make_one_shot_iterator()
        nxt = it.get_next()
    with pytest.raises(GraphError, match=r"tf\.data iterators"):
        tf.Session(graph=g2).run_steps(nxt, steps=2)


def test_repeated_calls_refill_the_staged_feeds() -> None:
    """Feeds of any layout (a Fortran-ordered copy, a float64 array cast to float32, an offset view)
    give the same steps as Session.run, call after call through the same staging buffers."""
    g, x, y, loss, train, _, init = _mlp()
    one, many = tf.Session(graph=g), tf.Session(graph=g)
    one.run(init)
    many.run(init)
    for call in range(3):
        xs, ys = _data(4)
        raw = np.empty(xs.size + 1, np.float32)
        shifted = raw[1:].reshape(xs.shape)  # 4 bytes past an allocation: not 64-byte aligned
        shifted[...] = xs
        feeds = [np.asfortranarray(xs), xs.astype(np.float64), shifted][call]
        ref = [one.run([train, loss], {x: xs[i], y: ys[i]})[1] for i in range(4)]
        np.testing.assert_array_equal(many.run_steps([train, loss], {x: feeds, y: ys})[1], ref)
