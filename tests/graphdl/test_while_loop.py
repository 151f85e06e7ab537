"""tf.while_loop (unrolled: static conditions, or a select up to maximum_iterations) and tf.TensorArray."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import DTypeError, GraphError, ShapeError
from graphdl.nest import flatten

BACKENDS = ["xla", "interpreter"]


def both(graph, fetches, feed=None, init=False):
    outs = []
    for b in BACKENDS:
        s = tf.Session(graph=graph, backend=b)
        if init:
            s.run(tf.variables_initializer(graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)))
        outs.append(s.run(fetches, feed or {}))
    for a, b in zip(flatten(outs[0]), flatten(outs[1]), strict=True):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-6)
    return outs[0]


def test_static_loops_unroll_to_tf1_values() -> None:
    g = tf.Graph()
    with g.as_default():
        i, acc = tf.while_loop(lambda i, a: i < 10, lambda i, a: (i + 1, a * 2.0), [tf.constant(0), 1.0])
        never = tf.while_loop(lambda k: k > 5, lambda k: k + 1, [tf.constant(0)])
        capped = tf.while_loop(lambda k: k < 100, lambda k: k + 3, [0], maximum_iterations=4)
        long = tf.while_loop(
            lambda k, s: k < 1000, lambda k, s: (k + 1, s + tf.cast(k, tf.float32)), [0, 0.0]
        )
    got = both(g, [i, acc, never, capped, long])
    assert got[0] == 10 and got[1] == 1024.0
    assert got[2] == 0  # the body never runs
    assert got[3] == 12  # maximum_iterations stops it first
    assert got[4][0] == 1000 and got[4][1] == sum(range(1000))


def test_condition_known_at_run_time_needs_and_uses_maximum_iterations() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3])
        n, y = tf.while_loop(
            lambda n, y: tf.reduce_sum(y) > 1.0, lambda n, y: (n + 1, y / 2.0), [0, x], maximum_iterations=20
        )
    for v in ([4.0, 2.0, 2.0], [0.1, 0.2, 0.3], [1e5, 0.0, 0.0]):
        ref, k = np.array(v, np.float32), 0
        while ref.sum() > 1.0 and k < 20:
            ref, k = ref / np.float32(2.0), k + 1
        got = both(g, [n, y], {x: v})
        assert got[0] == k
        np.testing.assert_array_equal(got[1], ref)
    with g.as_default(), pytest.raises(GraphError, match="maximum_iterations") as ei:
        tf.while_loop(lambda y: tf.reduce_sum(y) > 1.0, lambda y: y / 2.0, [x])
    assert "test_while_loop.py" in str(ei.value)


def test_gradients_through_static_and_run_time_loops() -> None:
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable([1.0, 2.0, 3.0])
        _, z = tf.while_loop(lambda k, z: k < 3, lambda k, z: (k + 1, z * w), [0, tf.ones([3])])
        (gw,) = tf.gradients(tf.reduce_sum(z), [w])
        n = tf.placeholder(tf.int32, [])
        x = tf.placeholder(tf.float32, [3])
        _, y = tf.while_loop(lambda k, y: k < n, lambda k, y: (k + 1, y * w), [0, x], maximum_iterations=5)
        gw2, gx = tf.gradients(tf.reduce_sum(y), [w, x])
    wv, xv = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0], np.float32)
    np.testing.assert_allclose(both(g, gw, init=True), 3 * wv**2)
    for steps in (0, 3, 5):
        got = both(g, [y, gw2, gx], {n: steps, x: xv}, init=True)
        np.testing.assert_allclose(got[0], xv * wv**steps, rtol=1e-6)
        np.testing.assert_allclose(got[1], steps * xv * wv ** max(steps - 1, 0), rtol=1e-6)
        np.testing.assert_allclose(got[2], wv**steps, rtol=1e-6)


def test_structures_and_return_same_structure() -> None:
    Pair = collections.namedtuple("Pair", "count value")
    g = tf.Graph()
    with g.as_default():
        # as in TF1, the body of a loop over [Pair] returns [Pair]
        (out,) = tf.while_loop(
            lambda p: p.count < 3, lambda p: [Pair(p.count + 1, p.value * 3.0)], [Pair(0, 1.0)]
        )
        same = tf.while_loop(lambda k: k < 2, lambda k: [k + 1], [0], return_same_structure=True)
        single = tf.while_loop(lambda k: k < 2, lambda k: k + 1, [0])
        nested = tf.while_loop(
            lambda k, ab: k < 2, lambda k, ab: (k + 1, (ab[0] + 1.0, ab[1] * 2.0)), (0, (1.0, 1.0))
        )
    assert isinstance(out, Pair)
    assert isinstance(same, list) and isinstance(single, tf.Tensor)
    got = both(g, [out.count, out.value, same[0], single, nested[1][0], nested[1][1]])
    assert got == [3, 27.0, 2, 2, 3.0, 4.0]


def test_body_variables_are_made_once() -> None:
    g = tf.Graph()
    with g.as_default():

        def body(k, h):
            w = tf.get_variable("w", [2, 2], initializer=tf.constant_initializer(0.5))
            return k + 1, tf.matmul(h, w)

        _, h = tf.while_loop(lambda k, h: k < 3, body, [0, tf.ones([1, 2])])
    assert [v.name for v in g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)] == ["w:0"]
    np.testing.assert_allclose(
        both(g, h, init=True), np.ones((1, 2)) @ np.linalg.matrix_power(np.full((2, 2), 0.5), 3)
    )


def test_errors_name_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys.modules["graphdl.while_loop"], "MAX_UNROLL", 50)  # tf.while_loop is the function
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(0.0)
        with pytest.raises(GraphError, match="assigns a variable"):
            tf.while_loop(lambda k: k < 2, lambda k: (tf.assign_add(v, 1.0), k + 1)[1], [0])
        with pytest.raises(GraphError, match="same structure"):
            tf.while_loop(lambda a, b: a < 2, lambda a, b: a + 1, [0, 1])
        with pytest.raises(DTypeError, match="boolean scalar"):
            tf.while_loop(lambda k: k, lambda k: k + 1, [0])
        with pytest.raises(ShapeError, match="shape"):
            tf.while_loop(
                lambda y: tf.reduce_sum(y) > 1.0,
                lambda y: tf.concat([y, y], 0),
                [tf.placeholder(tf.float32, [2])],
                maximum_iterations=3,
            )
        with pytest.raises(GraphError, match="known when the graph is built"):
            tf.while_loop(
                lambda k: k < 2, lambda k: k + 1, [0], maximum_iterations=tf.placeholder(tf.int32, [])
            )
        with pytest.raises(GraphError, match="more than"):
            tf.while_loop(lambda k: k >= 0, lambda k: k + 1, [0])


def test_back_prop_false_stops_gradients() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2])
        _, y = tf.while_loop(lambda k, y: k < 2, lambda k, y: (k + 1, y * y), [0, x], back_prop=False)
        (gx,) = tf.gradients(tf.reduce_sum(y) + tf.reduce_sum(x), [x])
    np.testing.assert_allclose(both(g, gx, {x: [1.5, 2.0]}), [1.0, 1.0])


# --- TensorArray -------------------------------------------------------------------------------------


def test_tensor_array_in_a_static_loop() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3])
        ta = tf.TensorArray(tf.float32, size=4)
        _, ta = tf.while_loop(
            lambda t, ta: t < 4, lambda t, ta: (t + 1, ta.write(t, tf.cast(t, tf.float32) * x)), [0, ta]
        )
        fetches = [ta.stack(), ta.read(2), ta.gather([3, 0]), ta.concat(), ta.size()]
    xv = np.array([1.0, 2.0, 3.0], np.float32)
    got = both(g, fetches, {x: xv})
    ref = np.arange(4, dtype=np.float32)[:, None] * xv
    np.testing.assert_array_equal(got[0], ref)
    np.testing.assert_array_equal(got[1], ref[2])
    np.testing.assert_array_equal(got[2], ref[[3, 0]])
    np.testing.assert_array_equal(got[3], ref.reshape(-1))
    assert got[4] == 4


def test_tensor_array_written_at_run_time_indices() -> None:
    """A loop stopped by a fed value: the array is dense, padded to maximum_iterations with zeros, and
    size() counts the elements written (TF1's size)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3])
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        c, _, ta = tf.while_loop(
            lambda t, v, ta: tf.reduce_sum(v) > 1.0,
            lambda t, v, ta: (t + 1, v / 2.0, ta.write(t, v)),
            [0, x, ta],
            maximum_iterations=6,
        )
        last = ta.read(c - 1)
        (gx,) = tf.gradients(tf.reduce_sum(ta.stack()), [x])
        fetches = [c, ta.stack(), ta.size(), last, gx]
    got = both(g, fetches, {x: [4.0, 2.0, 2.0]})
    assert got[0] == 3 and got[2] == 3
    np.testing.assert_array_equal(
        got[1], [[4, 2, 2], [2, 1, 1], [1, 0.5, 0.5], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    )
    np.testing.assert_array_equal(got[3], [1, 0.5, 0.5])
    np.testing.assert_allclose(got[4], np.full(3, 1 + 0.5 + 0.25))


def test_tensor_array_outside_loops_and_errors() -> None:
    g = tf.Graph()
    with g.as_default():
        v = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
        ta = tf.TensorArray(tf.float32, size=3).unstack(v)
        sc = tf.TensorArray(tf.float32, size=3, element_shape=[2]).scatter([2, 0], v[:2])
        sp = tf.TensorArray(tf.float32, size=2).split(tf.range(5, dtype=tf.float32), [2, 3])
        fetches = [ta.read(1), ta.stack(), sc.stack(), sp.read(1), sp.concat()]
        with pytest.raises(GraphError, match="out of range"):
            tf.TensorArray(tf.float32, size=2).write(2, 1.0)
        with pytest.raises(GraphError, match="dynamic_size"):
            tf.TensorArray(tf.float32)
        with pytest.raises(DTypeError, match="float32"):
            tf.TensorArray(tf.float32, size=1).write(0, tf.constant(1))
        with pytest.raises(ShapeError, match="element shape"):
            tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).write(1, [1.0])
        with pytest.raises(GraphError, match="not fully defined"):
            tf.TensorArray(tf.float32, size=2).stack()
    got = both(g, fetches)
    np.testing.assert_array_equal(got[0], [2, 3])
    np.testing.assert_array_equal(got[1], np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(got[2], [[2, 3], [0, 0], [0, 1]])
    np.testing.assert_array_equal(got[3], [2, 3, 4])
    np.testing.assert_array_equal(got[4], np.arange(5))


def test_rnn_sampling_loop() -> None:
    """A char-rnn style sampler: the cell's output picks the next input until a stop symbol or the
    length cap; the same variables as one training step of the cell (made once)."""
    vocab, hidden = 5, 8
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(3)
        start = tf.placeholder(tf.int32, [])
        emb = tf.get_variable("emb", [vocab, hidden])
        cell = tf.nn.rnn_cell.BasicRNNCell(hidden)
        proj = tf.get_variable("proj", [hidden, vocab])

        def body(t, sym, state, ta):
            out, state = cell(tf.nn.embedding_lookup(emb, tf.reshape(sym, [1])), state)
            nxt = tf.cast(tf.argmax(tf.matmul(out, proj), axis=1)[0], tf.int32)
            return t + 1, nxt, state, ta.write(t, nxt)

        t, _, _, ta = tf.while_loop(
            lambda t, sym, state, ta: tf.not_equal(sym, 0),
            body,
            [0, start, cell.zero_state(1, tf.float32), tf.TensorArray(tf.int32, size=0, dynamic_size=True)],
            maximum_iterations=7,
        )
        seq = ta.stack()
    assert (
        len(g.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)) == 4
    )  # emb, proj, the cell's kernel and bias
    s = tf.Session(graph=g, backend="interpreter")
    s.run(tf.variables_initializer(g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)))
    vals = {v.name: s.run(v) for v in g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)}
    kernel = next(v for k, v in vals.items() if "kernel" in k)
    bias = next(v for k, v in vals.items() if "bias" in k)
    for first in (1, 3):
        sym, h, ref = first, np.zeros((1, hidden), np.float32), []
        while sym != 0 and len(ref) < 7:
            x = vals["emb:0"][[sym]]
            h = np.tanh(np.concatenate([x, h], 1) @ kernel + bias)
            sym = int(np.argmax(h @ vals["proj:0"], axis=1)[0])
            ref.append(sym)
        outs = []
        for b in BACKENDS:
            sess = tf.Session(graph=g, backend=b)
            for v in g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES):
                v.load(vals[v.name], sess)
            outs.append(sess.run([t, seq], {start: first}))
        for got_t, got_seq in outs:
            assert got_t == len(ref)
            assert got_seq[: len(ref)].tolist() == ref and not got_seq[len(ref) :].any()
