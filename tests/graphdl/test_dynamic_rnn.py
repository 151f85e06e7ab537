"""dynamic_rnn and bidirectional_dynamic_rnn: TF1 scopes, NumPy equations, sequence_length masking,
time_major, per-sequence reversal, gradients through time, and the unknown-time-dimension error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import GraphError
from graphdl.rnn import (
    BasicLSTMCell,
    BasicRNNCell,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    RNNCell,
    bidirectional_dynamic_rnn,
    dynamic_rnn,
    static_rnn,
)
from graphdl.viz.collapse import repeat_folds, scope_path

T, B, D = 4, 3, 3  # steps, batch, input depth
BACKENDS = ("interpreter", "xla")


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# --- NumPy references (TF1's equations), one row at a time so lengths can differ ---------------------------


def np_rnn(xs: np.ndarray, k: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """xs [time, depth] -> (outputs [time, n], final h)."""
    h = np.zeros(k.shape[1])
    outs = []
    for x in xs:
        h = np.tanh(np.concatenate([x, h]) @ k + b)
        outs.append(h)
    return np.array(outs).reshape(len(xs), k.shape[1]), h


def np_lstm(
    xs: np.ndarray, k: np.ndarray, b: np.ndarray, fb: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs [time, depth] -> (outputs [time, n], final c, final h)."""
    n = k.shape[1] // 4
    c, h = np.zeros(n), np.zeros(n)
    outs = []
    for x in xs:
        i, j, f, o = np.split(np.concatenate([x, h]) @ k + b, 4)
        c = c * sigmoid(f + fb) + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
        outs.append(h)
    return np.array(outs).reshape(len(xs), n), c, h


def run_both(g: gd.Graph, fetches: Any, feeds: dict[Any, Any]) -> tuple[dict[str, np.ndarray], Any]:
    """Run on both backends (same variable values), check they agree, return the variables and values."""
    with g.as_default():
        init = gd.global_variables_initializer()
    results = []
    variables: dict[str, np.ndarray] = {}
    for backend in BACKENDS:
        with gd.Session(graph=g, backend=backend) as s:
            s.run(init)
            gvars = g.get_collection(gd.GraphKeys.GLOBAL_VARIABLES)
            if variables:
                for v in gvars:
                    s.load_variable(v, variables[v.op.name])
            else:
                variables = {v.op.name: s.run(v) for v in gvars}
            results.append(s.run(fetches, feeds))
    for a, b in zip(_leaves(results[0]), _leaves(results[1]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    return variables, results[0]


def _leaves(x: Any) -> list[Any]:
    if isinstance(x, tuple | list):
        return [leaf for p in x for leaf in _leaves(p)]
    return [x]


# --- names, scopes, structure -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda: BasicLSTMCell(4), {"rnn/basic_lstm_cell/kernel": [7, 16], "rnn/basic_lstm_cell/bias": [16]}),
        (lambda: BasicRNNCell(4), {"rnn/basic_rnn_cell/kernel": [7, 4], "rnn/basic_rnn_cell/bias": [4]}),
        (lambda: GRUCell(4), {"rnn/gru_cell/gates/kernel": [7, 8], "rnn/gru_cell/gates/bias": [8],
                              "rnn/gru_cell/candidate/kernel": [7, 4], "rnn/gru_cell/candidate/bias": [4]}),
        (lambda: LSTMCell(4, num_proj=2), {"rnn/lstm_cell/kernel": [5, 16], "rnn/lstm_cell/bias": [16],
                                           "rnn/lstm_cell/projection/kernel": [4, 2]}),
        (lambda: MultiRNNCell([BasicLSTMCell(4), GRUCell(5)]), {
            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel": [7, 16],
            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias": [16],
            "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel": [9, 10],
            "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias": [10],
            "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel": [9, 5],
            "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias": [5]}),
    ],
)  # fmt: skip
def test_variable_names_are_tf1s(make: Callable[[], Any], expect: dict[str, list[int]]) -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, T, D])
        outs, _ = dynamic_rnn(make(), x, dtype=gd.float32)
    got = {v.op.name: v.shape.as_list() for v in g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)}
    assert got == expect
    assert outs.shape.as_list()[:2] == [None, T]


def test_scope_argument_and_bidirectional_names() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [2, T, D])
        dynamic_rnn(BasicRNNCell(2), x, dtype=gd.float32, scope="enc")
        with gd.variable_scope("model"):
            bidirectional_dynamic_rnn(LSTMCell(2), GRUCell(3), x, dtype=gd.float32)
        bidirectional_dynamic_rnn(BasicLSTMCell(2), BasicLSTMCell(2), x, dtype=gd.float32, scope="birnn")
    names = [v.op.name for v in g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)]
    assert names == [
        "enc/basic_rnn_cell/kernel", "enc/basic_rnn_cell/bias",
        "model/bidirectional_rnn/fw/lstm_cell/kernel", "model/bidirectional_rnn/fw/lstm_cell/bias",
        "model/bidirectional_rnn/bw/gru_cell/gates/kernel", "model/bidirectional_rnn/bw/gru_cell/gates/bias",
        "model/bidirectional_rnn/bw/gru_cell/candidate/kernel", "model/bidirectional_rnn/bw/gru_cell/candidate/bias",
        "birnn/fw/basic_lstm_cell/kernel", "birnn/fw/basic_lstm_cell/bias",
        "birnn/bw/basic_lstm_cell/kernel", "birnn/bw/basic_lstm_cell/bias",
    ]  # fmt: skip


def test_steps_are_grouped_like_static_rnn_so_drawings_fold_them() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [2, 6, D])
        seq = gd.placeholder(gd.int32, [2])
        _, state = dynamic_rnn(BasicLSTMCell(3), x, sequence_length=seq, dtype=gd.float32)
    assert gd.nn.dynamic_rnn is dynamic_rnn and gd.nn.bidirectional_dynamic_rnn is bidirectional_dynamic_rnn
    assert isinstance(state, LSTMStateTuple)
    # the final state comes from the last step's masking, which lives in that step's scope
    assert state.c.op.name.startswith("rnn/basic_lstm_cell_5/")
    names = [n.name for n in g.get_operations()]
    for t in range(1, 6):
        step = [n for n in names if n.startswith(f"rnn/basic_lstm_cell_{t}/")]
        assert any("MatMul" in n for n in step) and any("Select" in n for n in step)
    # nothing per step is left loose in `rnn/`: only the unstack, the length and the final stack
    loose = [n for n in names if n.startswith("rnn/") and n.count("/") == 1]
    assert len(loose) < 8, loose
    folds = repeat_folds([scope_path(n.rsplit("/", 1)[0]) for n in names], min_repeats=3)
    fold = folds[("rnn", "basic_lstm_cell_2")]
    assert fold.base == "basic_lstm_cell" and (fold.first, fold.last) == (1, 4)


def test_multi_rnn_cell_state_structure_and_values() -> None:
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((B, T, D))
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [B, T, D])
        cell = MultiRNNCell([BasicLSTMCell(3), BasicRNNCell(2)])
        outs, state = dynamic_rnn(cell, x, dtype=gd.float64)
    assert isinstance(state, tuple) and len(state) == 2
    assert isinstance(state[0], LSTMStateTuple) and not isinstance(state[1], tuple)
    assert state[0].c.shape.as_list() == [B, 3] and state[1].shape.as_list() == [B, 2]
    vs, (o, c0, h0, h1) = run_both(g, [outs, state[0].c, state[0].h, state[1]], {x: xv})
    p = "rnn/multi_rnn_cell/"
    for b in range(B):
        lo, lc, lh = np_lstm(
            xv[b], vs[p + "cell_0/basic_lstm_cell/kernel"], vs[p + "cell_0/basic_lstm_cell/bias"]
        )
        ro, rh = np_rnn(lo, vs[p + "cell_1/basic_rnn_cell/kernel"], vs[p + "cell_1/basic_rnn_cell/bias"])
        np.testing.assert_allclose(o[b], ro, rtol=1e-10)
        np.testing.assert_allclose(c0[b], lc, rtol=1e-10)
        np.testing.assert_allclose(h0[b], lh, rtol=1e-10)
        np.testing.assert_allclose(h1[b], rh, rtol=1e-10)


# --- equations ------------------------------------------------------------------------------------------------


def test_basic_rnn_and_lstm_match_numpy() -> None:
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((B, T, D))
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [None, T, D])
        ro, rs = dynamic_rnn(BasicRNNCell(3), x, dtype=gd.float64, scope="r")
        lo, ls = dynamic_rnn(BasicLSTMCell(4, forget_bias=0.5), x, dtype=gd.float64, scope="l")
    assert ro.shape.as_list() == [None, T, 3] and lo.shape.as_list() == [None, T, 4]
    vs, (rov, rsv, lov, lcv, lhv) = run_both(g, [ro, rs, lo, ls.c, ls.h], {x: xv})
    for b in range(B):
        eo, eh = np_rnn(xv[b], vs["r/basic_rnn_cell/kernel"], vs["r/basic_rnn_cell/bias"])
        np.testing.assert_allclose(rov[b], eo, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(rsv[b], eh, rtol=1e-12, atol=1e-12)
        eo, ec, eh = np_lstm(xv[b], vs["l/basic_lstm_cell/kernel"], vs["l/basic_lstm_cell/bias"], fb=0.5)
        np.testing.assert_allclose(lov[b], eo, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(lcv[b], ec, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(lhv[b], eh, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda: BasicRNNCell(3),
        lambda: BasicLSTMCell(3),
        lambda: BasicLSTMCell(3, state_is_tuple=False),
        lambda: LSTMCell(4, use_peepholes=True, num_proj=2, cell_clip=0.5),
        lambda: GRUCell(3),
        lambda: MultiRNNCell([GRUCell(3), BasicLSTMCell(2)]),
    ],
)
@pytest.mark.parametrize("with_lengths", [False, True])
def test_equals_static_rnn_on_the_same_weights(make: Callable[[], Any], with_lengths: bool) -> None:
    rng = np.random.default_rng(2)
    xv = rng.standard_normal((B, T, D))
    lengths = np.array([T, 0, 2], np.int64)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [B, T, D])
        seq = gd.placeholder(gd.int64, [B]) if with_lengths else None
        cell = make()
        d_out, d_state = dynamic_rnn(cell, x, sequence_length=seq, dtype=gd.float64)
        n_vars = len(g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES))
        s_outs, s_state = static_rnn(cell, gd.unstack(x, axis=1), sequence_length=seq, dtype=gd.float64)
        assert (
            len(g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)) == n_vars
        )  # the cell's weights are shared
    feeds = {x: xv, **({seq: lengths} if seq is not None else {})}
    _, (do, ds, so, ss) = run_both(g, [d_out, d_state, s_outs, s_state], feeds)
    np.testing.assert_allclose(do, np.stack(so, axis=1), rtol=1e-12, atol=1e-14)
    for a, b in zip(_leaves(ds), _leaves(ss), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# --- sequence_length --------------------------------------------------------------------------------------------


def test_sequence_length_masks_outputs_and_keeps_the_last_valid_state() -> None:
    rng = np.random.default_rng(3)
    xv = rng.standard_normal((B, T, D))
    lengths = np.array([0, 2, T], np.int32)
    xv[1, 2:] = (
        np.nan
    )  # padding past a length never reaches outputs or state (TF1 selects, it does not multiply)
    c0 = rng.standard_normal((B, 4))
    h0 = rng.standard_normal((B, 4))
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [None, T, D])
        seq = gd.placeholder(gd.int32, [None])
        init = LSTMStateTuple(gd.constant(c0), gd.constant(h0))
        outs, state = dynamic_rnn(BasicLSTMCell(4), x, sequence_length=seq, initial_state=init)
    vs, (o, c, h) = run_both(g, [outs, state.c, state.h], {x: xv, seq: lengths})
    k, bias = vs["rnn/basic_lstm_cell/kernel"], vs["rnn/basic_lstm_cell/bias"]

    def ref(b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cc, hh = c0[b], h0[b]
        outs_np = np.zeros((T, 4))
        for t in range(lengths[b]):
            i, j, f, oo = np.split(np.concatenate([xv[b, t], hh]) @ k + bias, 4)
            cc = cc * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)
            hh = np.tanh(cc) * sigmoid(oo)
            outs_np[t] = hh
        return outs_np, cc, hh

    for b in range(B):
        eo, ec, eh = ref(b)
        np.testing.assert_allclose(o[b], eo, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(c[b], ec, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(h[b], eh, rtol=1e-12, atol=1e-12)
    assert np.all(o[0] == 0.0) and np.all(o[1, 2:] == 0.0)
    np.testing.assert_array_equal(c[0], c0[0])  # length 0: the initial state, untouched
    np.testing.assert_array_equal(h[0], h0[0])


def test_time_major_matches_batch_major() -> None:
    rng = np.random.default_rng(4)
    xv = rng.standard_normal((B, T, D))
    lengths = np.array([1, T, 3], np.int32)
    g = gd.Graph()
    with g.as_default():
        xb = gd.placeholder(gd.float64, [B, T, D])
        xt = gd.placeholder(gd.float64, [T, None, D])
        seq = gd.placeholder(gd.int32, [B])
        cell = GRUCell(3)
        bo, bs = dynamic_rnn(cell, xb, sequence_length=seq, dtype=gd.float64)
        to, ts = dynamic_rnn(cell, xt, sequence_length=seq, dtype=gd.float64, time_major=True)
    assert to.shape.as_list() == [T, None, 3] and bo.shape.as_list() == [B, T, 3]
    _, (bov, bsv, tov, tsv) = run_both(g, [bo, bs, to, ts], {xb: xv, xt: xv.transpose(1, 0, 2), seq: lengths})
    np.testing.assert_allclose(tov, bov.transpose(1, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(tsv, bsv, rtol=1e-12)
    np.testing.assert_allclose(bsv[0], bov[0, 0], rtol=1e-12)  # GRU: state == output at the last valid step
    np.testing.assert_allclose(bsv[2], bov[2, 2], rtol=1e-12)


class PairCell(RNNCell):
    """A cell with nested input (a, b) and nested output (sum, diff), to exercise nested structures."""

    def __init__(self) -> None:
        super().__init__()
        self._inner = BasicRNNCell(2)

    @property
    def state_size(self) -> int:
        return 2

    @property
    def output_size(self) -> Any:
        return (2, 2)

    def __call__(self, inputs: Any, state: Any, scope: Any = None) -> tuple[Any, Any]:
        a, b = inputs
        out, new = self._inner(gd.concat([a, b], 1), state)
        return (out + 1.0, out - 1.0), new


def test_nested_inputs_and_outputs() -> None:
    rng = np.random.default_rng(5)
    av, bv = rng.standard_normal((B, T, 1)), rng.standard_normal((B, T, 2))
    lengths = np.array([T, 1, 3], np.int32)
    g = gd.Graph()
    with g.as_default():
        a = gd.placeholder(gd.float64, [B, T, 1])
        b = gd.placeholder(gd.float64, [B, T, 2])
        seq = gd.constant(lengths)
        (plus, minus), state = dynamic_rnn(PairCell(), (a, b), sequence_length=seq, dtype=gd.float64)
    vs, (p, m, s) = run_both(g, [plus, minus, state], {a: av, b: bv})
    xv = np.concatenate([av, bv], 2)
    for r in range(B):
        n = lengths[r]
        eo, eh = np_rnn(xv[r, :n], vs["rnn/basic_rnn_cell/kernel"], vs["rnn/basic_rnn_cell/bias"])
        np.testing.assert_allclose(p[r, :n], eo + 1.0, rtol=1e-12)
        np.testing.assert_allclose(m[r, :n], eo - 1.0, rtol=1e-12)
        assert np.all(p[r, n:] == 0.0) and np.all(m[r, n:] == 0.0)
        np.testing.assert_allclose(s[r], eh, rtol=1e-12)


# --- bidirectional ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_bidirectional_matches_numpy_with_per_sequence_reversal(time_major: bool, with_lengths: bool) -> None:
    rng = np.random.default_rng(6)
    xv = rng.standard_normal((B, T, D))
    lengths = np.array([2, T, 0], np.int32) if with_lengths else np.full(B, T, np.int32)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [T, None, D] if time_major else [None, T, D])
        seq = gd.placeholder(gd.int32, [None]) if with_lengths else None
        (of, ob), (sf, sb) = bidirectional_dynamic_rnn(
            BasicRNNCell(3), BasicLSTMCell(2), x, sequence_length=seq, dtype=gd.float64, time_major=time_major
        )
    feeds = {x: xv.transpose(1, 0, 2) if time_major else xv, **({seq: lengths} if seq is not None else {})}
    vs, (ofv, obv, sfv, sbc, sbh) = run_both(g, [of, ob, sf, sb.c, sb.h], feeds)
    if time_major:
        ofv, obv = ofv.transpose(1, 0, 2), obv.transpose(1, 0, 2)
    p = "bidirectional_rnn/"
    for b in range(B):
        n = lengths[b]
        eo, eh = np_rnn(xv[b, :n], vs[p + "fw/basic_rnn_cell/kernel"], vs[p + "fw/basic_rnn_cell/bias"])
        np.testing.assert_allclose(ofv[b, :n], eo, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(sfv[b], eh, rtol=1e-12, atol=1e-12)
        rev, ec, ebh = np_lstm(
            xv[b, :n][::-1], vs[p + "bw/basic_lstm_cell/kernel"], vs[p + "bw/basic_lstm_cell/bias"]
        )
        np.testing.assert_allclose(
            obv[b, :n], rev[::-1], rtol=1e-12, atol=1e-12
        )  # re-reversed: aligned with x
        np.testing.assert_allclose(sbc[b], ec, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(sbh[b], ebh, rtol=1e-12, atol=1e-12)
        assert np.all(ofv[b, n:] == 0.0) and np.all(obv[b, n:] == 0.0)


# --- gradients and training --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_through_time_match_finite_differences(backend: str) -> None:
    rng = np.random.default_rng(7)
    xv = rng.standard_normal((2, T, D))
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float64, [2, T, D])
        seq = gd.constant(np.array([T, 2], np.int32))
        (of, ob), (sf, _) = bidirectional_dynamic_rnn(
            BasicLSTMCell(2), GRUCell(2), x, sequence_length=seq, dtype=gd.float64
        )
        out, _ = dynamic_rnn(BasicRNNCell(2), x, sequence_length=seq, dtype=gd.float64)
        y = gd.concat([of, ob, out], 2) * gd.constant(rng.standard_normal((2, T, 6)))
        y = gd.reduce_sum(y, axis=1) + gd.concat([sf.c, sf.h, sf.h], 1)
        tvars = g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)
        init = gd.global_variables_initializer()
    with gd.Session(graph=g, backend=backend) as s:
        s.run(init)
        err = gd.test.compute_gradient_error(x, [2, T, D], y, [2, 6], x_init_value=xv, delta=1e-5, session=s)
        assert err < 1e-7
        values = [s.run(v) for v in tvars]
        err = gd.test.compute_gradient_error(
            tvars, [v.shape.as_list() for v in tvars], y, [2, 6], x_init_value=values,
            extra_feed_dict={x: xv}, delta=1e-5, session=s,
        )  # fmt: skip
        assert err < 1e-7


def test_a_training_step_decreases_the_loss() -> None:
    rng = np.random.default_rng(8)
    xv = rng.standard_normal((4, T, D)).astype(np.float32)
    target = rng.standard_normal((4, T, 4)).astype(np.float32)
    lengths = np.array([T, 3, 1, 2], np.int32)
    for backend in BACKENDS:
        g = gd.Graph()
        with g.as_default():
            gd.set_random_seed(1)
            x = gd.placeholder(gd.float32, [None, T, D])
            (of, ob), _ = bidirectional_dynamic_rnn(
                LSTMCell(2), GRUCell(2), x, sequence_length=gd.constant(lengths), dtype=gd.float32
            )
            loss = gd.reduce_mean(gd.square(gd.concat([of, ob], 2) - target))
            train = gd.train.GradientDescentOptimizer(0.5).minimize(loss)
            init = gd.global_variables_initializer()
        with gd.Session(graph=g, backend=backend) as s:
            s.run(init)
            losses = [s.run([loss, train], {x: xv})[0] for _ in range(5)]
        assert losses[-1] < losses[0] - 1e-3, losses


# --- errors ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("time_major", [False, True])
def test_unknown_time_dimension_is_an_error_that_says_what_to_do(time_major: bool) -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, None, D])
        with pytest.raises(GraphError, match=r"time dimension.*unknown.*static time dimension") as info:
            dynamic_rnn(BasicLSTMCell(2), x, dtype=gd.float32, time_major=time_major)
        assert "test_dynamic_rnn.py" in str(info.value) and "dynamic_rnn" in str(info.value)
        with pytest.raises(GraphError, match="static time dimension"):
            bidirectional_dynamic_rnn(GRUCell(2), GRUCell(2), x, dtype=gd.float32, time_major=time_major)


def test_other_build_errors() -> None:
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [2, T, D])
        with pytest.raises(GraphError, match="must give a dtype"):
            dynamic_rnn(BasicRNNCell(2), x)
        with pytest.raises(ValueError, match="sequence_length must be a vector"):
            dynamic_rnn(BasicRNNCell(2), x, sequence_length=gd.constant([[1, 2]]), dtype=gd.float32)
        with pytest.raises(ValueError, match="time steps is not the same"):
            dynamic_rnn(BasicRNNCell(2), (x, gd.placeholder(gd.float32, [2, T + 1, 1])), dtype=gd.float32)
        with pytest.raises(GraphError, match="must be an RNNCell"):
            dynamic_rnn(lambda a, b: (a, b), x, dtype=gd.float32)


def test_static_bidirectional_rnn_matches_the_dynamic_one() -> None:
    rng = np.random.default_rng(4)
    xs = rng.standard_normal((3, 5, 2)).astype(np.float32)  # batch, time, depth
    lengths = np.array([5, 2, 0], np.int32)
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 5, 2], name="x")
        seq = gd.placeholder(gd.int32, [None], name="seq")
        fw, bw = gd.nn.rnn_cell.BasicLSTMCell(3), gd.nn.rnn_cell.GRUCell(4)
        outs, sfw, sbw = gd.contrib.rnn.static_bidirectional_rnn(
            fw, bw, gd.unstack(x, 5, 1), dtype=gd.float32, sequence_length=seq
        )
        with gd.variable_scope("dyn"):
            (dfw, dbw), (dsfw, dsbw) = gd.nn.bidirectional_dynamic_rnn(
                gd.nn.rnn_cell.BasicLSTMCell(3),
                gd.nn.rnn_cell.GRUCell(4),
                x,
                sequence_length=seq,
                dtype=gd.float32,
            )
        init = gd.global_variables_initializer()
        static_vars = [v for v in g.get_collection("trainable_variables") if not v.op.name.startswith("dyn/")]
        dyn_vars = [v for v in g.get_collection("trainable_variables") if v.op.name.startswith("dyn/")]
        copy = [b.assign(a) for a, b in zip(static_vars, dyn_vars, strict=True)]  # the same weights on both
    names = [v.op.name for v in g.get_collection("trainable_variables")]
    assert names[:4] == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel", "bidirectional_rnn/fw/basic_lstm_cell/bias",
        "bidirectional_rnn/bw/gru_cell/gates/kernel", "bidirectional_rnn/bw/gru_cell/gates/bias",
    ]  # fmt: skip
    assert len(outs) == 5 and outs[0].shape.as_list() == [None, 7]
    for backend in BACKENDS:
        s = gd.Session(graph=g, backend=backend)
        s.run(init)
        s.run(copy)
        feed = {x: xs, seq: lengths}
        got = s.run([outs, sfw, sbw, dfw, dbw, dsfw, dsbw], feed)
        np.testing.assert_allclose(
            np.stack(got[0], axis=1), np.concatenate([got[3], got[4]], axis=2), rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(got[1].h, got[5].h, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got[2], got[6], rtol=1e-5, atol=1e-6)
