"""tf.contrib.seq2seq.sequence_loss and tf.contrib.legacy_seq2seq: values against NumPy formulas and a
TF1 fixture (char-rnn's rnn_decoder + sequence_loss_by_example), both backends, gradients, training."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import graphdl as gd
from graphdl.contrib import legacy_seq2seq, seq2seq
from graphdl.errors import GraphError, ShapeError
from tests.oracle.harness import numeric_grad

REF = json.loads((pathlib.Path(__file__).parent / "data" / "tf_seq2seq.json").read_text())


def run_both(fetches, feeds=None, graph=None, init=False, rtol=1e-10):
    """Runs fetches on both backends (after the initializer when init) and checks they agree."""
    out = []
    init_op = None
    if init:
        with graph.as_default():
            init_op = gd.global_variables_initializer()
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=graph, backend=backend) as sess:
            if init_op is not None:
                sess.run(init_op)
            out.append(sess.run(fetches, feeds))
    for a, b in zip(gd.nest.flatten(out[0]), gd.nest.flatten(out[1]), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=rtol)
    return out[0]


def _xent(logits, labels):
    """Sparse softmax cross-entropy in NumPy (float64)."""
    m = logits.max(-1, keepdims=True)
    lse = np.log(np.exp(logits - m).sum(-1)) + m[..., 0]
    return lse - np.take_along_axis(logits, labels[..., None], -1)[..., 0]


def _safe_div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _np_sequence_loss(logits, targets, weights, at, ab, st, sb):
    """TF 1.15's contrib.seq2seq.sequence_loss, written out in NumPy."""
    ce = _xent(logits, targets) * weights
    if at and ab:
        return _safe_div(ce.sum(), weights.sum())
    if st and sb:
        return _safe_div(ce.sum(), np.count_nonzero(weights))
    if at or ab:
        ax = 0 if ab else 1
        return _safe_div(ce.sum(ax), weights.sum(ax))
    if st or sb:
        ax = 0 if sb else 1
        return _safe_div(ce.sum(ax), np.count_nonzero(weights, axis=ax).astype(np.float64))
    return ce


FLAGS = [
    (True, True, False, False),
    (False, True, False, False),
    (True, False, False, False),
    (False, False, False, False),
    (False, False, True, True),
    (False, False, True, False),
    (False, False, False, True),
    (True, False, False, True),
    (False, True, True, False),
]


@pytest.mark.parametrize("flags", FLAGS)
def test_contrib_sequence_loss_matches_formula(flags):
    at, ab, st, sb = flags
    rng = np.random.default_rng(0)
    logits_v = rng.standard_normal((3, 4, 5))
    targets_v = rng.integers(0, 5, (3, 4))
    weights_v = np.array([[1.0, 1.0, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    g = gd.Graph()
    with g.as_default():
        logits = gd.placeholder(gd.float64, [3, 4, 5])
        targets = gd.placeholder(gd.int32, [3, 4])
        weights = gd.placeholder(gd.float64, [3, 4])
        loss = seq2seq.sequence_loss(
            logits, targets, weights, average_across_timesteps=at, average_across_batch=ab,
            sum_over_timesteps=st, sum_over_batch=sb,
        )  # fmt: skip
        (grad,) = gd.gradients(gd.reduce_sum(loss * loss), [logits])
    feeds = {logits: logits_v, targets: targets_v, weights: weights_v}
    got, got_grad = run_both([loss, grad], feeds, graph=g)
    want = _np_sequence_loss(logits_v, targets_v, weights_v, at, ab, st, sb)
    assert np.shape(got) == np.shape(want) and loss.shape.as_list() == list(np.shape(want))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.all(np.isfinite(got_grad))
    with gd.Session(graph=g, backend="interpreter") as sess:
        num = numeric_grad(lambda v: float(np.sum(sess.run(loss, {**feeds, logits: v}) ** 2)), logits_v)
    np.testing.assert_allclose(got_grad, num, rtol=1e-6, atol=1e-8)


def test_contrib_sequence_loss_custom_softmax_and_errors():
    rng = np.random.default_rng(1)
    logits_v = rng.standard_normal((2, 3, 4))
    targets_v = rng.integers(0, 4, (2, 3))
    seen = {}

    def my_loss(labels, logits):
        seen["shapes"] = (labels.shape.as_list(), logits.shape.as_list())
        return gd.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits) * 2.0

    g = gd.Graph()
    with g.as_default():
        loss = seq2seq.sequence_loss(logits_v, targets_v, np.ones((2, 3)), softmax_loss_function=my_loss)
        assert loss.op.name.startswith("sequence_loss/")
        with pytest.raises(ShapeError, match=r"sequence_loss \(.*test_seq2seq.py.*logits must be"):
            seq2seq.sequence_loss(logits_v[0], targets_v, np.ones((2, 3)))
        with pytest.raises(ShapeError, match=r"sequence_loss.*targets must be"):
            seq2seq.sequence_loss(logits_v, targets_v[0], np.ones((2, 3)))
        with pytest.raises(ShapeError, match=r"sequence_loss.*weights must be"):
            seq2seq.sequence_loss(logits_v, targets_v, np.ones(3))
        with pytest.raises(
            GraphError, match=r"sequence_loss.*average_across_timesteps and sum_over_timesteps"
        ):
            seq2seq.sequence_loss(logits_v, targets_v, np.ones((2, 3)), sum_over_timesteps=True)
        with pytest.raises(GraphError, match=r"sequence_loss.*average_across_batch and sum_over_batch"):
            seq2seq.sequence_loss(logits_v, targets_v, np.ones((2, 3)), sum_over_batch=True)
    assert seen["shapes"] == ([6], [6, 4])
    (got,) = run_both([loss], graph=g)
    np.testing.assert_allclose(got, 2 * _xent(logits_v, targets_v).mean(), rtol=1e-12)


def test_legacy_sequence_losses_match_formula():
    rng = np.random.default_rng(2)
    T, B, V = 3, 4, 5
    logits_v = [rng.standard_normal((B, V)) for _ in range(T)]
    targets_v = [rng.integers(0, V, B) for _ in range(T)]
    weights_v = [rng.uniform(0, 1, B) for _ in range(T)]
    weights_v[1][0] = 0.0
    g = gd.Graph()
    with g.as_default():
        logits = [gd.placeholder(gd.float64, [B, V]) for _ in range(T)]
        targets = [gd.constant(t.astype(np.int32)) for t in targets_v]
        weights = [gd.constant(w) for w in weights_v]
        by_ex = legacy_seq2seq.sequence_loss_by_example(logits, targets, weights)
        by_ex_sum = legacy_seq2seq.sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps=False
        )
        loss = legacy_seq2seq.sequence_loss(logits, targets, weights)
        loss_nb = legacy_seq2seq.sequence_loss(logits, targets, weights, average_across_batch=False)
        grads = gd.gradients(loss, logits)
    assert by_ex.op.name.startswith("sequence_loss_by_example/") and loss.op.name.startswith("sequence_loss/")
    feeds = dict(zip(logits, logits_v, strict=True))
    got = run_both([by_ex, by_ex_sum, loss, loss_nb, *grads], feeds, graph=g)
    ce = sum(_xent(lg, t) * w for lg, t, w in zip(logits_v, targets_v, weights_v, strict=True))
    total = sum(weights_v) + 1e-12
    np.testing.assert_allclose(got[0], ce / total, rtol=1e-12)
    np.testing.assert_allclose(got[1], ce, rtol=1e-12)
    np.testing.assert_allclose(got[2], (ce / total).sum() / B, rtol=1e-12)
    np.testing.assert_allclose(got[3], (ce / total).sum(), rtol=1e-12)
    with gd.Session(graph=g, backend="interpreter") as sess:
        for k in range(T):
            num = numeric_grad(lambda v, k=k: float(sess.run(loss, {**feeds, logits[k]: v})), logits_v[k])
            np.testing.assert_allclose(got[4 + k], num, rtol=1e-6, atol=1e-8)


def test_legacy_losses_bad_arguments():
    with gd.Graph().as_default():
        lg = gd.zeros([2, 3])
        t = gd.zeros([2], gd.int32)
        w = gd.ones([2])
        with pytest.raises(ShapeError, match=r"sequence_loss_by_example \(.*test_seq2seq.py.*same 2, 1, 2"):
            legacy_seq2seq.sequence_loss_by_example([lg, lg], [t, t], [w])
        with pytest.raises(GraphError, match=r"sequence_loss_by_example.*logits must be a list"):
            legacy_seq2seq.sequence_loss_by_example(lg, [t], [w])
        with pytest.raises(GraphError, match=r"rnn_decoder.*decoder_inputs"):
            legacy_seq2seq.rnn_decoder([], None, gd.nn.rnn_cell.BasicRNNCell(2))
        cell = gd.nn.rnn_cell.BasicRNNCell(2)
        with pytest.raises(GraphError, match=r"attention_decoder \(.*test_seq2seq.py.*less than 1 heads"):
            legacy_seq2seq.attention_decoder([lg], w, gd.zeros([2, 4, 3]), cell, num_heads=0)
        with pytest.raises(ShapeError, match=r"attention_decoder.*attention_states must be"):
            legacy_seq2seq.attention_decoder([lg], w, gd.placeholder(gd.float32, [2, 4, None]), cell)
        with pytest.raises(ShapeError, match=r"OutputProjectionWrapper.*must be positive"):
            legacy_seq2seq.embedding_rnn_seq2seq([t], [t], cell, 3, 0, 2)
        with pytest.raises(ShapeError, match=r"model_with_buckets.*encoder_inputs"):
            legacy_seq2seq.model_with_buckets([lg], [lg], [t], [w], [(2, 1)], lambda x, y: (y, None))


def _char_rnn(B, T, V, H, L, infer, lr=0.0):
    """char-rnn's Model (sherjilozair/char-rnn-tensorflow) as TF1 programs write it."""
    cell = gd.nn.rnn_cell.MultiRNNCell([gd.nn.rnn_cell.BasicLSTMCell(H) for _ in range(L)])
    input_data = gd.placeholder(gd.int32, [B, T])
    targets = gd.placeholder(gd.int32, [B, T])
    initial_state = cell.zero_state(B, gd.float32)
    with gd.variable_scope("rnnlm"):
        softmax_w = gd.get_variable("softmax_w", [H, V])
        softmax_b = gd.get_variable("softmax_b", [V])
    embedding = gd.get_variable("embedding", [V, H])
    inputs = gd.split(gd.nn.embedding_lookup(embedding, input_data), T, 1)
    inputs = [gd.squeeze(i, [1]) for i in inputs]

    def loop(prev, _):
        prev = gd.matmul(prev, softmax_w) + softmax_b
        prev_symbol = gd.stop_gradient(gd.argmax(prev, 1))
        return gd.nn.embedding_lookup(embedding, prev_symbol)

    outputs, last_state = legacy_seq2seq.rnn_decoder(
        inputs, initial_state, cell, loop_function=loop if infer else None, scope="rnnlm"
    )
    output = gd.reshape(gd.concat(outputs, 1), [-1, H])
    logits = gd.matmul(output, softmax_w) + softmax_b
    loss = legacy_seq2seq.sequence_loss_by_example([logits], [gd.reshape(targets, [-1])], [gd.ones([B * T])])
    cost = gd.reduce_sum(loss) / B / T
    train_op = None
    if lr:
        tvars = gd.trainable_variables()
        grads, _ = gd.clip_by_global_norm(gd.gradients(cost, tvars), 5.0)
        train_op = gd.train.AdamOptimizer(lr).apply_gradients(zip(grads, tvars, strict=True))
    return input_data, targets, logits, loss, cost, last_state, train_op


@pytest.mark.parametrize("mode", ["train", "infer"])
def test_char_rnn_decoder_matches_tf1(mode):
    ref = REF[mode]
    g = gd.Graph()
    with g.as_default():
        x, y, logits, loss, cost, last_state, _ = _char_rnn(
            REF["B"], REF["T"], REF["V"], REF["H"], REF["L"], mode == "infer"
        )
        variables = gd.global_variables()
        assert [v.op.name for v in variables] == ref["names"]
        loads = [v.assign(np.asarray(ref["variables"][v.op.name], np.float32)) for v in variables]
    feeds = {x: np.asarray(REF["x"], np.int32), y: np.asarray(REF["y"], np.int32)}
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=g, backend=backend) as sess:
            sess.run(loads)
            got_logits, got_loss, got_cost, got_state = sess.run(
                [logits, loss, cost, gd.nest.flatten(last_state)], feeds
            )
        np.testing.assert_allclose(got_logits, ref["logits"], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got_loss, ref["loss"], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got_cost, ref["cost"], rtol=1e-5)
        for s, r in zip(got_state, ref["state"], strict=True):
            np.testing.assert_allclose(s, r, rtol=1e-4, atol=1e-5)


def test_char_rnn_trains_on_both_backends():
    """The char-rnn program shape trains: the loss on a tiny periodic text drops over 30 Adam steps."""
    text = np.array([int(c) for c in "0123401234012340123401234" * 2], np.int32)
    B, T, V = 2, 6, 5
    xs = np.stack([text[i : i + T] for i in (0, 3)])
    ys = np.stack([text[i + 1 : i + T + 1] for i in (0, 3)])
    curves = []
    for backend in ("interpreter", "xla"):
        g = gd.Graph()
        with g.as_default():
            gd.set_random_seed(3)
            x, y, _, _, cost, _, train_op = _char_rnn(B, T, V, 16, 2, False, lr=0.02)
            with gd.Session(backend=backend) as sess:
                sess.run(gd.global_variables_initializer())
                curves.append([float(sess.run([cost, train_op], {x: xs, y: ys})[0]) for _ in range(30)])
    for c in curves:
        assert c[-1] < 0.5 * c[0], c
    np.testing.assert_allclose(curves[0], curves[1], rtol=2e-3)


def test_rnn_decoder_loop_function_and_scopes():
    """Without a loop function the decoder is static_rnn over the inputs; with one, input i > 0 is
    loop_function(output i - 1, i), built under the scope rnn_decoder/loop_function."""
    rng = np.random.default_rng(4)
    g = gd.Graph()
    calls = []
    with g.as_default():
        inp = [gd.constant(rng.standard_normal((2, 3)).astype(np.float32)) for _ in range(3)]
        cell = gd.nn.rnn_cell.BasicRNNCell(3)
        outs, state = legacy_seq2seq.rnn_decoder(inp, cell.zero_state(2, gd.float32), cell)

        def loop(prev, i):
            calls.append((i, gd.get_variable_scope().name))
            return prev * 2.0

        outs_l, _ = legacy_seq2seq.rnn_decoder(inp, cell.zero_state(2, gd.float32), cell, loop_function=loop)
        ref, ref_state = gd.nn.static_rnn(cell, inp, dtype=gd.float32)
    assert calls == [
        (1, "rnn_decoder/loop_function"),
        (2, "rnn_decoder/loop_function"),
    ]  # variable scope names
    got = run_both([outs, state, outs_l, ref, ref_state], graph=g, init=True, rtol=1e-5)
    for a, b in zip(got[0], got[3], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(got[1], got[4], rtol=1e-6)
    np.testing.assert_allclose(got[2][0], got[0][0], rtol=1e-6)
    with g.as_default():
        names = [v.op.name for v in gd.global_variables()]
        kernel, bias = gd.global_variables()
        init_op = gd.global_variables_initializer()
    assert names == ["rnn_decoder/basic_rnn_cell/kernel", "rnn_decoder/basic_rnn_cell/bias"]
    with gd.Session(graph=g, backend="interpreter") as sess:
        sess.run(init_op)
        k, b, o = sess.run([kernel, bias, outs_l])
    x1 = np.concatenate([2.0 * o[0], o[0]], 1)
    np.testing.assert_allclose(o[1], np.tanh(x1 @ k + b), rtol=1e-5, atol=1e-6)


def test_basic_and_tied_seq2seq_variables_and_values():
    rng = np.random.default_rng(5)
    g = gd.Graph()
    with g.as_default():
        enc = [gd.constant(rng.standard_normal((2, 3)).astype(np.float32)) for _ in range(3)]
        dec = [gd.constant(rng.standard_normal((2, 3)).astype(np.float32)) for _ in range(2)]
        out_b, st_b = legacy_seq2seq.basic_rnn_seq2seq(enc, dec, gd.nn.rnn_cell.GRUCell(4))
        names_b = [v.op.name for v in gd.global_variables()]
        tied_cell = gd.nn.rnn_cell.GRUCell(4)
        out_t, st_t = legacy_seq2seq.tied_rnn_seq2seq(enc, dec, tied_cell)
        names_t = [v.op.name for v in gd.global_variables()][len(names_b) :]
        # the tied model is static_rnn over encoder then decoder inputs with one cell
        ref_out, ref_st = gd.nn.static_rnn(tied_cell, enc + dec, dtype=gd.float32, scope="ref")
    assert names_b == [
        "basic_rnn_seq2seq/rnn/gru_cell/gates/kernel", "basic_rnn_seq2seq/rnn/gru_cell/gates/bias",
        "basic_rnn_seq2seq/rnn/gru_cell/candidate/kernel", "basic_rnn_seq2seq/rnn/gru_cell/candidate/bias",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/gates/kernel", "basic_rnn_seq2seq/rnn_decoder/gru_cell/gates/bias",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/candidate/kernel",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/candidate/bias",
    ]  # fmt: skip
    assert names_t == [
        "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/gru_cell/gates/kernel",
        "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/gru_cell/gates/bias",
        "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/gru_cell/candidate/kernel",
        "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/gru_cell/candidate/bias",
    ]
    got = run_both([out_b, st_b, out_t, st_t, ref_out, ref_st], graph=g, init=True, rtol=1e-5)
    assert len(got[0]) == 2 and got[0][0].shape == (2, 4)
    np.testing.assert_allclose(got[2][-1], got[4][-1], rtol=1e-6)
    np.testing.assert_allclose(got[3], got[5], rtol=1e-6)
    assert not np.allclose(got[0][-1], got[2][-1])  # basic: the encoder has its own weights


def test_embedding_rnn_seq2seq_names_feed_previous_and_training():
    V_in, V_out, E, H, B = 6, 5, 3, 8, 4
    enc_v = np.array([[1, 2, 3, 4], [2, 3, 4, 5], [5, 4, 3, 2]], np.int32)  # [time, batch]
    dec_v = np.array([[0, 0, 0, 0], [1, 2, 3, 4], [2, 3, 4, 1]], np.int32)
    g = gd.Graph()
    with g.as_default():
        gd.set_random_seed(1)
        enc = [gd.placeholder(gd.int32, [B]) for _ in range(3)]
        dec = [gd.placeholder(gd.int32, [B]) for _ in range(3)]
        cell = gd.nn.rnn_cell.BasicLSTMCell(H)
        outs, _ = legacy_seq2seq.embedding_rnn_seq2seq(enc, dec, cell, V_in, V_out, E)
        names = [v.op.name for v in gd.global_variables()]
        with gd.variable_scope(gd.get_variable_scope(), reuse=True):
            outs_fp, _ = legacy_seq2seq.embedding_rnn_seq2seq(
                enc, dec, cell, V_in, V_out, E, feed_previous=True
            )
        flag = gd.placeholder(gd.bool, [])
        with gd.variable_scope(gd.get_variable_scope(), reuse=True):
            outs_c, _ = legacy_seq2seq.embedding_rnn_seq2seq(
                enc, dec, cell, V_in, V_out, E, feed_previous=flag
            )
        assert len(gd.global_variables()) == len(names)  # reuse: no new variables
        targets = dec[1:] + [gd.zeros([B], gd.int32)]
        loss = legacy_seq2seq.sequence_loss(outs, targets, [gd.ones([B])] * 3)
        train_op = gd.train.AdamOptimizer(0.05).minimize(loss)
    assert names == [
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding",
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/kernel",
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/bias",
        "embedding_rnn_seq2seq/embedding_rnn_decoder/embedding",
        "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/basic_lstm_cell/kernel",
        "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/basic_lstm_cell/bias",
        "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/kernel",
        "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/bias",
    ]
    feeds = {**dict(zip(enc, enc_v, strict=True)), **dict(zip(dec, dec_v, strict=True))}
    got = run_both([outs, outs_fp, outs_c], {**feeds, flag: False}, graph=g, init=True, rtol=1e-5)
    assert got[0][0].shape == (B, V_out)
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-6)  # step 0 reads the GO symbol either way
    assert not np.allclose(got[0][2], got[1][2])
    for a, b in zip(got[2], got[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    with g.as_default():
        init_op = gd.global_variables_initializer()
    for backend in ("interpreter", "xla"):
        with gd.Session(graph=g, backend=backend) as sess:
            sess.run(init_op)
            fp_true = sess.run(outs_c, {**feeds, flag: True})
            np.testing.assert_allclose(fp_true[2], sess.run(outs_fp, feeds)[2], rtol=1e-6)
            losses = [sess.run([loss, train_op], feeds)[0] for _ in range(25)]
            assert losses[-1] < 0.3 * losses[0], losses


def test_model_with_buckets_shares_variables():
    B = 2
    g = gd.Graph()
    with g.as_default():
        enc = [gd.constant(np.full((B, 3), 0.1 * i, np.float32)) for i in range(4)]
        dec = [gd.constant(np.full((B, 3), -0.1 * i, np.float32)) for i in range(3)]
        targets = [gd.constant(np.array([i % 4, (i + 1) % 4], np.int32)) for i in range(3)]
        weights = [gd.ones([B]) for _ in range(3)]
        cell = gd.nn.rnn_cell.GRUCell(4)

        def model(x, y):
            return legacy_seq2seq.tied_rnn_seq2seq(x, y, cell)

        outs, losses = legacy_seq2seq.model_with_buckets(enc, dec, targets, weights, [(2, 2), (4, 3)], model)
        _, per_ex = legacy_seq2seq.model_with_buckets(
            enc, dec, targets, weights, [(4, 3)], model, per_example_loss=True, name="again"
        )
    assert [len(o) for o in outs] == [2, 3] and len(losses) == 2
    assert len(g.get_collection("variables")) == 4
    got = run_both([outs, losses, per_ex], graph=g, init=True, rtol=1e-5)
    logits = [np.asarray(o) for o in got[0][1]]
    want = (
        sum(_xent(lg.astype(np.float64), np.array([i % 4, (i + 1) % 4])) for i, lg in enumerate(logits)) / 3
    )
    np.testing.assert_allclose(got[2][0], want, rtol=1e-5)
    np.testing.assert_allclose(got[1][1], want.sum() / B, rtol=1e-5)


def _np_softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_attention_decoder_matches_numpy():
    """attention_decoder's formulas (TF1's: input merge, cell, per-head attention, output projection)
    written out in NumPy from the variables' values, with the loop function and initial attention."""
    rng = np.random.default_rng(6)
    B, L, S, D, H, n_out = 2, 4, 3, 2, 3, 5
    states_v = rng.standard_normal((B, L, S))
    inputs_v = [rng.standard_normal((B, D)) for _ in range(3)]
    init_v = rng.standard_normal((B, H))
    g = gd.Graph()
    with g.as_default():
        states = gd.constant(states_v)
        inputs = [gd.constant(v) for v in inputs_v]
        cell = gd.nn.rnn_cell.BasicRNNCell(H)
        outs, state = legacy_seq2seq.attention_decoder(
            inputs, gd.constant(init_v), states, cell, output_size=n_out, num_heads=2, dtype=gd.float64,
            loop_function=lambda prev, i: prev[:, :D] * 0.5, initial_state_attention=True,
        )  # fmt: skip
        variables = {v.op.name: v for v in gd.global_variables()}
    assert sorted(variables) == sorted(
        [
            f"attention_decoder/{n}"
            for n in (
                "AttnW_0",
                "AttnV_0",
                "AttnW_1",
                "AttnV_1",
                "kernel",
                "bias",
                "basic_rnn_cell/kernel",
                "basic_rnn_cell/bias",
                "Attention_0/kernel",
                "Attention_0/bias",
                "Attention_1/kernel",
                "Attention_1/bias",
                "AttnOutputProjection/kernel",
                "AttnOutputProjection/bias",
            )
        ]
    )
    got = run_both([outs, state, variables], graph=g, init=True, rtol=1e-9)
    w = {k.split("/", 1)[1]: np.asarray(v) for k, v in got[2].items()}

    def attention(q):
        ds = []
        for a in range(2):
            feats = states_v @ w[f"AttnW_{a}"][0, 0]  # the 1x1 convolution
            y = q @ w[f"Attention_{a}/kernel"] + w[f"Attention_{a}/bias"]
            p = _np_softmax(np.sum(w[f"AttnV_{a}"] * np.tanh(feats + y[:, None, :]), -1))
            ds.append(np.sum(p[..., None] * states_v, 1))
        return ds

    attns, st, prev, want = attention(init_v), init_v, None, []
    for inp in inputs_v:
        if prev is not None:
            inp = prev[:, :D] * 0.5
        x = np.concatenate([inp, *attns], 1) @ w["kernel"] + w["bias"]
        st = np.tanh(np.concatenate([x, st], 1) @ w["basic_rnn_cell/kernel"] + w["basic_rnn_cell/bias"])
        attns = attention(st)
        out = (
            np.concatenate([st, *attns], 1) @ w["AttnOutputProjection/kernel"]
            + w["AttnOutputProjection/bias"]
        )
        want.append(out)
        prev = out
    for a, b in zip(got[0], want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[1], st, rtol=1e-9)


def test_embedding_attention_seq2seq_trains_and_feed_previous():
    """A reversal task: the attention model learns it on both backends; a feed_previous tensor
    selects between the teacher-forced and the greedy decoders (shared variables)."""
    B, T, V = 4, 3, 6
    enc_v = np.array([[1, 2, 3, 4], [2, 3, 4, 5], [5, 4, 3, 2]], np.int32)
    tgt_v = enc_v[::-1]
    dec_v = np.concatenate([np.zeros((1, B), np.int32), tgt_v[:-1]])
    curves = []
    for backend in ("interpreter", "xla"):
        g = gd.Graph()
        with g.as_default():
            gd.set_random_seed(2)
            enc = [gd.placeholder(gd.int32, [B]) for _ in range(T)]
            dec = [gd.placeholder(gd.int32, [B]) for _ in range(T)]
            flag = gd.placeholder(gd.bool, [])
            cell = gd.nn.rnn_cell.GRUCell(12)
            outs, _ = legacy_seq2seq.embedding_attention_seq2seq(enc, dec, cell, V, V, 5)
            with gd.variable_scope(gd.get_variable_scope(), reuse=True):
                greedy, _ = legacy_seq2seq.embedding_attention_seq2seq(
                    enc, dec, cell, V, V, 5, feed_previous=True
                )
                chosen, _ = legacy_seq2seq.embedding_attention_seq2seq(
                    enc, dec, cell, V, V, 5, feed_previous=flag
                )
            n_vars = len(gd.global_variables())
            loss = legacy_seq2seq.sequence_loss(
                outs, list(gd.unstack(gd.constant(tgt_v))), [gd.ones([B])] * T
            )
            train_op = gd.train.AdamOptimizer(0.05).minimize(loss)
            feeds = {**dict(zip(enc, enc_v, strict=True)), **dict(zip(dec, dec_v, strict=True))}
            with gd.Session(backend=backend) as sess:
                sess.run(gd.global_variables_initializer())
                a, b, c0 = sess.run([outs, greedy, chosen], {**feeds, flag: False})
                c1 = sess.run(chosen, {**feeds, flag: True})
                for x, y in zip(a, c0, strict=True):
                    np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
                for x, y in zip(b, c1, strict=True):
                    np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
                curves.append([float(sess.run([loss, train_op], feeds)[0]) for _ in range(30)])
                pred = np.argmax(np.stack(sess.run(greedy, feeds)), -1)
        assert n_vars == 20  # the greedy and cond-selected decoders reuse the model's variables
        assert curves[-1][-1] < 0.2 * curves[-1][0], curves[-1]
        np.testing.assert_array_equal(pred, tgt_v)  # greedy decoding reverses the input
    np.testing.assert_allclose(curves[0], curves[1], rtol=5e-3)
