"""tf.cond / tf.case (select of both branches) and map_fn / scan / foldl / foldr (unrolled)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import graphdl as tf
from graphdl.nest import flatten

BACKENDS = ["xla", "interpreter"]
XS = np.array([1.0, -2.0, 3.0], np.float32)


def both(graph, fetches, feed):
    outs = [tf.Session(graph=graph, backend=b).run(fetches, feed) for b in BACKENDS]
    for a, b in zip(flatten(outs[0]), flatten(outs[1]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    return outs[0]


@pytest.mark.parametrize("flag", [True, False])
def test_cond_values_and_gradients(flag: bool) -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3], name="x")
        t = tf.placeholder(tf.bool, [], name="t")
        y = tf.cond(t, lambda: tf.square(x), lambda: 3.0 * x)
        (grad,) = tf.gradients(tf.reduce_sum(y), [x])
    got, dx = both(g, [y, grad], {x: XS, t: flag})
    np.testing.assert_allclose(got, XS**2 if flag else 3 * XS)
    np.testing.assert_allclose(dx, 2 * XS if flag else np.full(3, 3.0))  # only the taken branch


def test_cond_structures_and_strict() -> None:
    Pair = collections.namedtuple("Pair", "a b")
    g = tf.Graph()
    with g.as_default():
        t = tf.constant(False)
        pair = tf.cond(
            t, lambda: Pair(tf.constant(1), tf.constant(2.0)), lambda: Pair(tf.constant(3), tf.constant(4.0))
        )
        d = tf.cond(t, lambda: {"k": tf.constant(1.0)}, lambda: {"k": tf.constant(2.0)})
        single = tf.cond(t, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)])
        kept = tf.cond(t, lambda: [tf.constant(1.0)], lambda: [tf.constant(2.0)], strict=True)
    assert isinstance(pair, Pair) and isinstance(single, tf.Tensor) and isinstance(kept, list)
    out = both(g, {"pair": pair, "d": d, "single": single, "kept": kept}, None)
    assert (
        tuple(out["pair"]) == (3, 4.0)
        and out["d"]["k"] == 2.0
        and out["single"] == 2.0
        and out["kept"] == [2.0]
    )


def test_cond_dropout_switch_pattern() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4, 8], name="x")
        training = tf.placeholder_with_default(False, [], name="training")
        h = tf.cond(training, lambda: tf.nn.dropout(x, keep_prob=0.5, seed=1), lambda: x)
    xs = np.ones((4, 8), np.float32)
    np.testing.assert_array_equal(both(g, h, {x: xs}), xs)
    dropped = both(g, h, {x: xs, training: True})
    assert set(np.unique(dropped)) <= {0.0, 2.0} and (dropped == 0).any()


def test_cond_errors() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.constant([1.0, 2.0])
        v = tf.Variable(1.0, name="v")
        with pytest.raises(tf.DTypeError, match="bool"):
            tf.cond(tf.constant(1), lambda: x, lambda: x)
        with pytest.raises(tf.ShapeError, match="scalar"):
            tf.cond(tf.constant([True, False]), lambda: x, lambda: x)
        with pytest.raises(tf.GraphError, match="different structures"):
            tf.cond(tf.constant(True), lambda: (x, x), lambda: x)
        with pytest.raises(tf.DTypeError, match="float32 and int32"):
            tf.cond(tf.constant(True), lambda: x, lambda: tf.constant([1, 2]))
        with pytest.raises(tf.ShapeError, match="same shape"):
            tf.cond(tf.constant(True), lambda: x, lambda: tf.constant([1.0, 2.0, 3.0]))
        with pytest.raises(
            tf.GraphError, match=r"true branch assigns a variable \(assign 'cond_\d+/true/Assign'"
        ):
            tf.cond(tf.constant(True), lambda: v.assign(2.0), lambda: v.value())
        with pytest.raises(tf.GraphError, match="callables"):
            tf.cond(tf.constant(True), x, lambda: x)


def test_case_first_true_wins_and_default() -> None:
    g = tf.Graph()
    with g.as_default():
        k = tf.placeholder(tf.int32, [], name="k")
        out = tf.case(
            [
                (tf.less(k, 0), lambda: tf.constant(-1)),
                (tf.equal(k, 0), lambda: tf.constant(0)),
                (tf.less(k, 10), lambda: tf.constant(1)),
            ],
            default=lambda: tf.constant(99),
        )
        no_default = tf.case(
            [(tf.less(k, 0), lambda: tf.constant(-1)), (tf.less(k, 5), lambda: tf.constant(7))]
        )
    for value, want, want2 in [(-5, -1, -1), (0, 0, 7), (3, 1, 7), (50, 99, 7)]:
        assert both(g, [out, no_default], {k: value}) == [want, want2]


def test_map_fn_nested_and_gradient() -> None:
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [3, 2], name="a")
        b = tf.placeholder(tf.float32, [3], name="b")
        out = tf.map_fn(lambda e: {"s": tf.reduce_sum(e[0]) * e[1], "p": e[0] * e[1]}, (a, b))
        (da,) = tf.gradients(tf.reduce_sum(out["s"]), [a])
    av = np.arange(6, dtype=np.float32).reshape(3, 2)
    bv = np.array([1.0, 2.0, -1.0], np.float32)
    got = both(g, {"out": out, "da": da}, {a: av, b: bv})
    np.testing.assert_allclose(got["out"]["s"], av.sum(1) * bv)
    np.testing.assert_allclose(got["out"]["p"], av * bv[:, None])
    np.testing.assert_allclose(got["da"], np.repeat(bv[:, None], 2, axis=1))


def test_scan_and_folds_against_numpy() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4], name="x")
        cum = tf.scan(lambda acc, e: acc + e, x)
        cum_init = tf.scan(lambda acc, e: acc * e, x, initializer=tf.constant(2.0))
        rev = tf.scan(lambda acc, e: acc + e, x, reverse=True)
        pair = tf.scan(
            lambda acc, e: (acc[0] + e, acc[1] * e), x, initializer=(tf.constant(0.0), tf.constant(1.0))
        )
        left = tf.foldl(lambda acc, e: acc - e, x)
        right = tf.foldr(lambda acc, e: acc - e, x)
        left0 = tf.foldl(lambda acc, e: acc * 10.0 + e, x, initializer=tf.constant(0.0))
    xs = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    got = both(g, [cum, cum_init, rev, pair, left, right, left0], {x: xs})
    np.testing.assert_allclose(got[0], np.cumsum(xs))
    np.testing.assert_allclose(got[1], 2 * np.cumprod(xs))
    np.testing.assert_allclose(got[2], np.cumsum(xs[::-1])[::-1])
    np.testing.assert_allclose(got[3][0], np.cumsum(xs))
    np.testing.assert_allclose(got[3][1], np.cumprod(xs))
    assert got[4] == 1 - 2 - 3 - 4 and got[5] == 4 - 3 - 2 - 1 and got[6] == 1234.0


def test_unrolling_needs_a_static_first_dimension() -> None:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        with pytest.raises(tf.ShapeError, match="must be known when the graph is built"):
            tf.map_fn(lambda r: r, x)
        with pytest.raises(tf.ShapeError, match="different first dimensions"):
            tf.map_fn(lambda e: e[0], (tf.zeros([2]), tf.zeros([3])))


def test_variables_made_in_a_branch() -> None:
    """get_variable inside a cond branch makes a variable (its initializer is not an assignment in
    the branch), as embedding_rnn_seq2seq with a feed_previous tensor does."""
    g = tf.Graph()
    with g.as_default():
        p = tf.placeholder(tf.bool, [])
        with tf.variable_scope("s"):
            r = tf.cond(p, lambda: tf.get_variable("v", [1], initializer=tf.ones_initializer()) * 2.0,
                        lambda: tf.zeros([1]))  # fmt: skip
        enc = [tf.placeholder(tf.int32, [2]) for _ in range(3)]
        dec = [tf.placeholder(tf.int32, [2]) for _ in range(3)]
        fp = tf.placeholder(tf.bool, [])
        cell = tf.nn.rnn_cell.BasicRNNCell(4)
        outs, _ = tf.contrib.legacy_seq2seq.embedding_rnn_seq2seq(enc, dec, cell, 5, 5, 3, feed_previous=fp)
        init = tf.global_variables_initializer()
    assert g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)[0].name == "s/v:0"
    ids = {t: np.array([1, 2], np.int32) for t in enc + dec}
    for backend in BACKENDS:
        sess = tf.Session(graph=g, backend=backend)
        sess.run(init)
        assert sess.run(r, {p: True}).tolist() == [2.0] and sess.run(r, {p: False}).tolist() == [0.0]
        fed, free = sess.run(outs[-1], {**ids, fp: False}), sess.run(outs[-1], {**ids, fp: True})
        assert fed.shape == free.shape == (2, 5)
        assert np.array_equal(sess.run(outs[0], {**ids, fp: True}), sess.run(outs[0], {**ids, fp: False}))
    with g.as_default(), pytest.raises(tf.errors.GraphError, match="assigns a variable"):
        v = tf.Variable(1.0)
        tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.identity(v))
