"""Candidate samplers, compute_accidental_hits, nce_loss and sampled_softmax_loss.

`data/tf_sampled_losses.json` holds TensorFlow 2.21's `tf.compat.v1` outputs on fixed inputs (made by
`data/make_tf_sampled_losses.py`): the losses and their gradients with explicit `sampled_values`,
compute_accidental_hits, and TF1's expected counts of true classes. Every graph runs on both backends.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np
import pytest

import graphdl as tf
from graphdl.errors import BackendError, DTypeError, GraphError, ShapeError
from graphdl.gradient_checker import compute_gradient_error

with open(os.path.join(os.path.dirname(__file__), "data", "tf_sampled_losses.json"), encoding="utf-8") as _f:
    REF = json.load(_f)

BACKENDS = ("interpreter", "xla")


def run_both(g: tf.Graph, fetches: Any, feeds: dict[Any, Any] | None = None, steps: int = 1) -> list[Any]:
    """The fetches on both backends, `steps` runs each: [[interp run 0, ...], [xla run 0, ...]]."""
    out = []
    for backend in BACKENDS:
        with tf.Session(graph=g, backend=backend) as sess:
            out.append([sess.run(fetches, feeds) for _ in range(steps)])
    return out


# --- the losses against TF1 -------------------------------------------------------------------------


@pytest.mark.parametrize("case", range(len(REF["cases"])))
def test_losses_and_gradients_match_tf1(case: int) -> None:
    c = REF["cases"][case]
    g = tf.Graph()
    with g.as_default():
        w = tf.constant(np.array(REF["W"], np.float32))
        b = tf.constant(np.array(REF["b"], np.float32))
        x = tf.placeholder(tf.float32, [None, 4])
        sv = (
            tf.constant(np.array(REF["sampled"], np.int64)),
            tf.constant(np.array(c["true_exp"], np.float32)),
            tf.constant(np.array(REF["samp_exp"], np.float32)),
        )
        fn = getattr(tf.nn, c["loss"])
        loss = fn(w, b, np.array(c["labels"], np.int64), x, 5, 10, num_true=c["num_true"], sampled_values=sv,
                  remove_accidental_hits=c["remove_accidental_hits"])  # fmt: skip
        assert loss.shape.as_list() == [3]
        gw, gb, gx = tf.gradients(tf.reduce_sum(loss * tf.constant([1.0, -0.5, 2.0])), [w, b, x])
        fetch = [loss, tf.convert_to_tensor(gw), tf.convert_to_tensor(gb), gx]
    feeds = {x: np.array(REF["X"], np.float32)}
    (interp,), (xla,) = run_both(g, fetch, feeds)
    for res in (interp, xla):
        for got, key in zip(res, ("value", "grad_w", "grad_b", "grad_x"), strict=True):
            np.testing.assert_allclose(got, np.array(c[key]), rtol=2e-5, atol=2e-5, err_msg=key)
    for a, b_ in zip(interp, xla, strict=True):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", range(len(REF["cases"])))
def test_fed_labels_of_unknown_batch_size_train_as_in_tf1(case: int) -> None:
    # word2vec's pattern: labels fed through a [None, num_true] placeholder and weights that are
    # Variables trained by an optimizer (the lookups must have gradients with no static batch size)
    c = REF["cases"][case]
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(np.array(REF["W"], np.float32))
        b = tf.Variable(np.array(REF["b"], np.float32))
        x = tf.placeholder(tf.float32, [None, 4])
        y = tf.placeholder(tf.int32, [None, c["num_true"]])
        sv = (
            tf.constant(np.array(REF["sampled"], np.int64)),
            tf.constant(np.array(c["true_exp"], np.float32)),
            tf.constant(np.array(REF["samp_exp"], np.float32)),
        )
        loss = getattr(tf.nn, c["loss"])(w, b, y, x, 5, 10, num_true=c["num_true"], sampled_values=sv,
                                         remove_accidental_hits=c["remove_accidental_hits"])  # fmt: skip
        weighted = tf.reduce_sum(loss * tf.constant([1.0, -0.5, 2.0]))
        step = tf.train.GradientDescentOptimizer(1.0).minimize(weighted)
        init = tf.global_variables_initializer()
    feeds = {x: np.array(REF["X"], np.float32), y: np.array(c["labels"], np.int32)}
    for backend in BACKENDS:
        with tf.Session(graph=g, backend=backend) as sess:
            sess.run(init)
            value, _ = sess.run([loss, step], feeds)
            w1, b1 = sess.run([w, b])
        np.testing.assert_allclose(value, np.array(c["value"]), rtol=2e-5, atol=2e-5)
        # one SGD step with rate 1 moves each variable by minus TF1's gradient
        np.testing.assert_allclose(w1, np.array(REF["W"]) - np.array(c["grad_w"]), rtol=2e-5, atol=2e-5)
        np.testing.assert_allclose(b1, np.array(REF["b"]) - np.array(c["grad_b"]), rtol=2e-5, atol=2e-5)


def _numpy_nce(W: np.ndarray, b: np.ndarray, X: np.ndarray, labels: np.ndarray, sampled: np.ndarray,
               te: np.ndarray, se: np.ndarray, softmax: bool, hits: bool) -> np.ndarray:  # fmt: skip
    """An independent NumPy formula of TF1's sampled losses."""
    nt = labels.shape[1]
    tl = np.einsum("bd,btd->bt", X, W[labels]) + b[labels] - np.log(te)
    sl = X @ W[sampled].T + b[sampled]
    if hits:
        last = np.array([sampled[j] not in sampled[j + 1 :] for j in range(len(sampled))])
        sl = sl + np.where(
            (labels[:, :, None] == sampled[None, None, :]).any(1) & last, -3.4028234663852886e38, 0
        )
    sl = sl - np.log(se)
    logits = np.concatenate([tl, sl], 1)
    lab = np.concatenate([np.full_like(tl, 1.0 / nt), np.zeros_like(sl)], 1)
    if softmax:
        m = logits.max(1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(logits - m).sum(1))
        return -(lab * logits).sum(1) + lse
    return (np.maximum(logits, 0) - logits * lab + np.log1p(np.exp(-np.abs(logits)))).sum(1)


@pytest.mark.parametrize("loss", ["nce_loss", "sampled_softmax_loss"])
def test_float64_losses_numpy_formula_and_finite_differences(loss: str) -> None:
    rng = np.random.default_rng(3)
    W0, b0, X0 = rng.standard_normal((8, 3)), 0.1 * rng.standard_normal(8), rng.standard_normal((4, 3))
    labels = np.array([[1, 2], [3, 3], [0, 5], [6, 1]], np.int64)
    sampled = np.array([2, 4, 2, 7, 3, 0], np.int64)
    te, se = rng.uniform(0.2, 1.5, (4, 2)), rng.uniform(0.2, 1.5, 6)
    g = tf.Graph()
    with g.as_default():
        W = tf.placeholder(tf.float64, [8, 3])
        b = tf.placeholder(tf.float64, [8])
        X = tf.placeholder(tf.float64, [4, 3])
        out = getattr(tf.nn, loss)(W, b, labels, X, 6, 8, num_true=2, sampled_values=(sampled, te, se),
                                   remove_accidental_hits=True)  # fmt: skip
    feeds = {W: W0, b: b0, X: X0}
    (i,), (x,) = run_both(g, out, feeds)
    want = _numpy_nce(W0, b0, X0, labels, sampled, te, se, loss != "nce_loss", True)
    np.testing.assert_allclose(i, want, rtol=1e-12)
    np.testing.assert_allclose(x, want, rtol=1e-12)
    for t, v in ((W, W0), (b, b0), (X, X0)):
        err = compute_gradient_error(t, list(v.shape), out, [4], x_init_value=v, delta=1e-6,
                                     extra_feed_dict={k: f for k, f in feeds.items() if k is not t})  # fmt: skip
        assert err < 1e-7, (loss, t.name, err)


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_sharded_weights_equal_one_matrix(strategy: str) -> None:
    rng = np.random.default_rng(5)
    W0, b0, X0 = rng.standard_normal((7, 3)), rng.standard_normal(7), rng.standard_normal((3, 3))
    if strategy == "mod":
        shards = [np.arange(7)[np.arange(7) % 3 == s] for s in range(3)]
    else:
        shards = [np.arange(0, 3), np.arange(3, 5), np.arange(5, 7)]  # TF1's div: 7 = 3 + 2 + 2
    labels = np.array([[6], [0], [4]], np.int64)
    sv = (np.array([5, 1, 3, 2], np.int64), np.full((3, 1), 0.5), np.full(4, 0.7))
    g = tf.Graph()
    with g.as_default():
        whole = tf.nn.sampled_softmax_loss(tf.constant(W0), tf.constant(b0), labels, tf.constant(X0), 4, 7,
                                           sampled_values=sv)  # fmt: skip
        ws = [tf.constant(W0[r]) for r in shards]
        split = tf.nn.sampled_softmax_loss(ws, [tf.constant(b0[r]) for r in shards], labels, tf.constant(X0), 4, 7,
                                           sampled_values=sv, partition_strategy=strategy)  # fmt: skip
        gws = tf.gradients(tf.reduce_sum(split), ws)
    (r_i,), (r_x,) = run_both(g, [whole, split, [tf.convert_to_tensor(t) for t in gws]])
    for whole_v, split_v, gw in (r_i, r_x):
        np.testing.assert_allclose(split_v, whole_v, rtol=1e-12)
        assert [v.shape for v in gw] == [(len(r), 3) for r in shards]


# --- compute_accidental_hits ---------------------------------------------------------------------------


def test_compute_accidental_hits_matches_tf1() -> None:
    h = REF["hits"]
    g = tf.Graph()
    with g.as_default():
        out = tf.nn.compute_accidental_hits(
            np.array(h["labels"], np.int64), np.array(REF["sampled"], np.int64), 2
        )
    (i,), (x,) = run_both(g, list(out))
    for res in (i, x):
        np.testing.assert_array_equal(res[0], h["indices"])
        assert res[0].dtype == np.int32 and res[1].dtype == np.int64 and res[2].dtype == np.float32
        np.testing.assert_array_equal(res[1], h["ids"])
        np.testing.assert_array_equal(res[2], np.array(h["weights"], np.float32))


def test_compute_accidental_hits_of_fed_data_refused_on_xla() -> None:
    g = tf.Graph()
    with g.as_default():
        t = tf.placeholder(tf.int64, [None, 1])
        out = tf.nn.compute_accidental_hits(t, tf.constant(np.array([3, 1], np.int64)), 1)
    feeds = {t: np.array([[1], [2], [1]], np.int64)}
    with tf.Session(graph=g, backend="interpreter") as sess:
        idx, ids, _ = sess.run(list(out), feeds)
    np.testing.assert_array_equal(idx, [0, 2])
    np.testing.assert_array_equal(ids, [1, 1])
    with tf.Session(graph=g, backend="xla") as sess, pytest.raises(BackendError, match="interpreter"):
        sess.run(list(out), feeds)


# --- samplers -------------------------------------------------------------------------------------------

UNIGRAMS = [1.0, 0.0, 3.0, 2.0, 5.0, 1.0, 0.5, 2.5, 1.0, 4.0]


def _sampler(kind: str, true: Any, num_true: int, n: int, unique: bool, r: int, seed: int | None = 3) -> Any:
    if kind == "unigram":
        return tf.nn.fixed_unigram_candidate_sampler(true, num_true, n, unique, r, distortion=0.75,
                                                     unigrams=UNIGRAMS[:r], seed=seed)  # fmt: skip
    return getattr(tf.nn, f"{kind}_candidate_sampler")(true, num_true, n, unique, r, seed=seed)


def _probs(kind: str, r: int) -> np.ndarray:
    k = np.arange(r, dtype=np.float64)
    if kind == "uniform":
        return np.full(r, 1.0 / r)
    if kind == "log_uniform":
        return np.log((k + 2) / (k + 1)) / np.log(r + 1)
    w = np.array(UNIGRAMS[:r]) ** 0.75
    return w / w.sum()


@pytest.mark.parametrize("kind", ["log_uniform", "uniform", "unigram"])
@pytest.mark.parametrize("unique", [False, True])
def test_samplers_agree_bit_for_bit_and_move_on_each_run(kind: str, unique: bool) -> None:
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(11)
        out = _sampler(kind, np.array([[2, 5], [7, 0]], np.int64), 2, 6, unique, 10)
    assert [t.shape.as_list() for t in out] == [[6], [2, 2], [6]]
    assert [t.dtype for t in out] == [tf.int64, tf.float32, tf.float32]
    interp, xla = run_both(g, list(out), steps=3)
    for a, b in zip(interp, xla, strict=True):
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(u, v)
    assert any(not np.array_equal(interp[0][0], r[0]) for r in interp[1:])
    for sampled, _, _ in interp:
        assert sampled.min() >= 0 and sampled.max() < 10
        if unique:
            assert len(set(sampled.tolist())) == 6
        if kind == "unigram":
            assert 1 not in sampled  # weight 0


@pytest.mark.parametrize("kind", ["log_uniform", "uniform", "unigram"])
def test_sampler_frequencies_match_probabilities(kind: str) -> None:
    n, r = 20000, 10
    g = tf.Graph()
    with g.as_default():
        sampled, true_exp, samp_exp = _sampler(kind, np.zeros((1, 1), np.int64), 1, n, False, r, seed=5)
    with tf.Session(graph=g, backend="xla") as sess:
        s, te, se = sess.run([sampled, true_exp, samp_exp])
    p = _probs(kind, r)
    counts = np.bincount(s, minlength=r)
    # binomial tolerance: 5 standard deviations per class (a false alarm has probability ~ 6e-6 per class)
    tol = 5 * np.sqrt(n * p * (1 - p)) + 1e-9
    assert np.all(np.abs(counts - n * p) <= tol), (counts, n * p)
    np.testing.assert_allclose(se, (p[s].astype(np.float32) * np.float32(n)), rtol=1e-6)
    np.testing.assert_allclose(te, [[np.float32(p[0]) * np.float32(n)]], rtol=1e-6)


@pytest.mark.parametrize("kind", ["log_uniform", "uniform", "unigram"])
def test_unique_expected_counts_follow_tf1_num_tries_formula(kind: str) -> None:
    r, n = 10, 5
    true = np.array([[0], [4], [9]], np.int64)
    g = tf.Graph()
    with g.as_default():
        out = _sampler(kind, true, 1, n, True, r, seed=8)
    interp, xla = run_both(g, list(out), steps=4)
    p = _probs(kind, r).astype(np.float32).astype(np.float64)
    saw_repeat = False
    for (s, te, se), xs in zip(interp, xla, strict=True):
        for u, v in zip((s, te, se), xs, strict=True):
            np.testing.assert_array_equal(u, v)
        assert len(set(s.tolist())) == n
        # the number of tries, recovered from the most probable sampled id, explains every count
        k = s[np.argmax(p[s])]
        tries = (
            n
            if math.isclose(se[s == k][0], p[k] * n, rel_tol=1e-6)
            else round(math.log1p(-se[s == k][0]) / math.log1p(-p[k]))
        )
        assert tries >= n
        saw_repeat |= tries > n

        def count(q: np.ndarray, t: int = tries) -> np.ndarray:
            return q * n if t == n else -np.expm1(t * np.log1p(-q))

        np.testing.assert_allclose(se, count(p[s]), rtol=2e-5)
        np.testing.assert_allclose(te, count(p[true]), rtol=2e-5)
    if kind == "log_uniform":
        assert saw_repeat  # P(0) = 0.29: five distinct ids out of ten rarely come without a repeat


def test_unique_sampling_of_every_class_and_fallback() -> None:
    g = tf.Graph()
    with g.as_default():
        # all 50 classes: the rare ones (P(49) ~ 5e-3) may not turn up within the capped draws
        s_all, _, se_all = tf.nn.log_uniform_candidate_sampler(
            np.zeros((1, 1), np.int64), 1, 50, True, 50, seed=1
        )
    interp, xla = run_both(g, [s_all, se_all], steps=2)
    for (s, se), (s2, se2) in zip(interp, xla, strict=True):
        np.testing.assert_array_equal(s, s2)
        np.testing.assert_array_equal(se, se2)
        assert sorted(s.tolist()) == list(range(50))
        assert np.all((se > 0) & (se <= 1.0))


def test_true_expected_counts_match_tf1() -> None:
    labels = np.array(REF["hits"]["labels"], np.int64)
    g = tf.Graph()
    with g.as_default():
        outs = {k: _sampler(k, labels, 2, 6, False, 10)[1] for k in REF["samplers"]}
    (i,), (x,) = run_both(g, outs)
    for k, ref in REF["samplers"].items():
        np.testing.assert_allclose(i[k], ref["true_expected"], rtol=1e-6)
        np.testing.assert_array_equal(i[k], x[k])
        # TF1's own draws: their expected counts by the same formula
        p = _probs(k, 10)
        np.testing.assert_allclose(ref["sampled_expected"], p[ref["sampled"]] * 6, rtol=1e-6)


def test_seeds_follow_graph_and_op_seed() -> None:
    def draw(graph_seed: int | None, op_seed: int | None) -> np.ndarray:
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(graph_seed)
            s = tf.nn.uniform_candidate_sampler(np.zeros((1, 1), np.int64), 1, 8, True, 1000, seed=op_seed)[0]
        with tf.Session(graph=g, backend="interpreter") as sess:
            return sess.run(s)  # type: ignore[no-any-return]

    np.testing.assert_array_equal(draw(1, 2), draw(1, 2))
    assert not np.array_equal(draw(1, 2), draw(1, 3))
    assert not np.array_equal(draw(None, None), draw(None, None))


# --- word2vec ---------------------------------------------------------------------------------------------


def test_skip_gram_word2vec_trains_on_both_backends() -> None:
    rng = np.random.default_rng(0)
    vocab, dim, batch = 30, 8, 32
    # a corpus where word w is followed by w + 1 (mod vocab), with Zipf-like word frequencies
    starts = np.minimum(rng.zipf(1.3, 400) - 1, vocab - 1)
    centers = np.repeat(starts, 2)
    contexts = (centers + np.tile([1, -1], 400)) % vocab
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(4)
        x = tf.placeholder(tf.int64, [batch])
        y = tf.placeholder(tf.int64, [batch, 1])
        emb = tf.Variable(tf.random_uniform([vocab, dim], -1.0, 1.0))
        nce_w = tf.Variable(tf.truncated_normal([vocab, dim], stddev=1.0 / math.sqrt(dim)))
        nce_b = tf.Variable(tf.zeros([vocab]))
        loss = tf.reduce_mean(tf.nn.nce_loss(nce_w, nce_b, y, tf.nn.embedding_lookup(emb, x), 6, vocab))
        train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        init = tf.global_variables_initializer()
    curves = []
    for backend in BACKENDS:
        with tf.Session(graph=g, backend=backend) as sess:
            sess.run(init)
            losses = []
            for step in range(40):
                idx = (np.arange(batch) + step * batch) % len(centers)
                _, lv = sess.run([train, loss], {x: centers[idx], y: contexts[idx][:, None]})
                losses.append(lv)
        curves.append(np.array(losses))
        assert curves[-1][-8:].mean() < 0.7 * curves[-1][:8].mean(), curves[-1]
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-3, atol=1e-4)


def test_default_sampler_in_sampled_softmax_is_the_same_on_both_backends() -> None:
    rng = np.random.default_rng(1)
    g = tf.Graph()
    with g.as_default():
        loss = tf.nn.sampled_softmax_loss(tf.constant(rng.standard_normal((50, 4))), tf.zeros([50], tf.float64),
                                          np.array([[3], [49]]), tf.constant(rng.standard_normal((2, 4))), 10, 50,
                                          seed=2)  # fmt: skip
    interp, xla = run_both(g, loss, steps=3)
    for a, b in zip(interp, xla, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert not np.allclose(interp[0], interp[1])


# --- errors -------------------------------------------------------------------------------------------------


def test_bad_arguments_raise_graphdl_errors() -> None:
    t = np.zeros((2, 1), np.int64)
    with tf.Graph().as_default():
        with pytest.raises(
            ShapeError, match=r"log_uniform_candidate_sampler \(test_sampled_losses.py:\d+\).*distinct"
        ):
            tf.nn.log_uniform_candidate_sampler(t, 1, 11, True, 10)
        tf.nn.log_uniform_candidate_sampler(t, 1, 11, False, 10)  # with replacement it is fine
        with pytest.raises(ShapeError, match="matrix"):
            tf.nn.uniform_candidate_sampler(np.zeros(3, np.int64), 1, 2, True, 10)
        with pytest.raises(ShapeError, match="num_true"):
            tf.nn.uniform_candidate_sampler(t, 2, 2, True, 10)
        with pytest.raises(DTypeError, match="int64"):
            tf.nn.uniform_candidate_sampler(np.zeros((2, 1), np.float32), 1, 2, True, 10)
        with pytest.raises(GraphError, match="num_sampled"):
            tf.nn.uniform_candidate_sampler(t, 1, 0, True, 10)
        with pytest.raises(GraphError, match="vocab_file"):
            tf.nn.fixed_unigram_candidate_sampler(t, 1, 2, True, 10, vocab_file="counts.txt")
        with pytest.raises(ShapeError, match="range_max"):
            tf.nn.fixed_unigram_candidate_sampler(t, 1, 2, True, 9, unigrams=UNIGRAMS)
        with pytest.raises(ShapeError, match="non-zero"):
            tf.nn.fixed_unigram_candidate_sampler(t, 1, 10, True, 10, unigrams=UNIGRAMS)
        w, b, x = tf.zeros([10, 3]), tf.zeros([10]), tf.zeros([2, 3])
        with pytest.raises(ShapeError, match=r"nce_loss \(test_sampled_losses.py:\d+\): labels must be"):
            tf.nn.nce_loss(w, b, np.zeros(2, np.int64), x, 2, 10)
        with pytest.raises(ShapeError, match="num_true=2"):
            tf.nn.nce_loss(w, b, t, x, 2, 10, num_true=2)
        with pytest.raises(ShapeError, match="distinct"):
            tf.nn.sampled_softmax_loss(w, b, t, x, 12, 10)
        with pytest.raises(GraphError, match="labels must be an integer"):
            tf.nn.sampled_softmax_loss(w, b, np.zeros((2, 1), np.float32), x, 2, 10)
        with pytest.raises(GraphError, match="partition_strategy"):
            tf.nn.nce_loss([w, w], [b, b], t, x, 2, 20, partition_strategy="bad")
        with pytest.raises(GraphError, match="sampled_values"):
            tf.nn.nce_loss(w, b, t, x, 2, 10, sampled_values=(np.zeros(2, np.int64),))


@pytest.mark.parametrize("kind", ["log_uniform", "unigram"])
def test_unique_first_distinct_in_draw_order_and_fallback_in_both_namespaces(kind: str) -> None:
    from graphdl._jax import jnp
    from graphdl.ops.candidate_sampling import _sampler_attrs, _unique

    probs = None
    if kind == "unigram":
        probs = np.array([0.1, 0.0, 0.2, 0.4, 0.3])
    attrs = _sampler_attrs(kind, 1, 4, True, 5, 1, 2, probs)
    enough = np.array([3, 3, 0, 3, 2, 0, 4, 2, 2], np.int64)  # 4th distinct id (4) at draw 7
    short = np.array([2, 2, 3, 2, 3, 3], np.int64)  # only 2 distinct: fallback
    fill = [0, 1] if kind == "log_uniform" else [4, 0]  # smallest ids / most probable ids not drawn
    for xp in (np, jnp):
        s, tries = _unique(xp, attrs, xp.asarray(enough))
        assert np.asarray(s).tolist() == [3, 0, 2, 4] and int(tries) == 7
        s, tries = _unique(xp, attrs, xp.asarray(short))
        assert np.asarray(s).tolist() == [2, 3, *fill] and int(tries) == 6
