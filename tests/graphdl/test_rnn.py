"""RNN cells and static_rnn: TF1 variable names and shapes, equations and gradients through time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import graphdl as gd
from graphdl.rnn import (
    BasicLSTMCell,
    BasicRNNCell,
    GRUCell,
    LSTMCell,
    LSTMStateTuple,
    MultiRNNCell,
    static_rnn,
)

T, B, D = 3, 2, 3  # steps, batch, input depth


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# --- NumPy implementations of TF1's equations ---------------------------------------------------------


def np_lstm(xs: list[np.ndarray], kernel: np.ndarray, bias: np.ndarray, n: int, fb: float = 1.0,
            peep: dict[str, np.ndarray] | None = None) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:  # fmt: skip
    c = np.zeros((xs[0].shape[0], n))
    h = np.zeros_like(c)
    outs = []
    for x in xs:
        z = np.concatenate([x, h], 1) @ kernel + bias
        i, j, f, o = np.split(z, 4, axis=1)
        if peep is not None:
            f, i = f + peep["w_f_diag"] * c, i + peep["w_i_diag"] * c
        c = c * sigmoid(f + fb) + sigmoid(i) * np.tanh(j)
        if peep is not None:
            o = o + peep["w_o_diag"] * c
        h = np.tanh(c) * sigmoid(o)
        outs.append(h)
    return outs, c, h


def np_gru(xs: list[np.ndarray], gk: np.ndarray, gb: np.ndarray, ck: np.ndarray, cb: np.ndarray,
           n: int) -> list[np.ndarray]:  # fmt: skip
    h = np.zeros((xs[0].shape[0], n))
    outs = []
    for x in xs:
        r, u = np.split(sigmoid(np.concatenate([x, h], 1) @ gk + gb), 2, axis=1)
        cand = np.tanh(np.concatenate([x, r * h], 1) @ ck + cb)
        h = u * h + (1 - u) * cand
        outs.append(h)
    return outs


def np_rnn(xs: list[np.ndarray], k: np.ndarray, b: np.ndarray, n: int) -> list[np.ndarray]:
    h = np.zeros((xs[0].shape[0], n))
    outs = []
    for x in xs:
        h = np.tanh(np.concatenate([x, h], 1) @ k + b)
        outs.append(h)
    return outs


def central_diff(f: Callable[[], float], v: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(v)
    flat, oflat = v.reshape(-1), out.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        fp = f()
        flat[k] = old - eps
        fm = f()
        flat[k] = old
        oflat[k] = (fp - fm) / (2 * eps)
    return out


def build(cell_fn: Callable[[], Any], **kw: Any) -> tuple[gd.Graph, list[Any], list[Any], Any, Any]:
    g = gd.Graph()
    with g.as_default():
        xs = [gd.placeholder(gd.float64, [None, D], name=f"x{t}") for t in range(T)]
        cell = cell_fn()
        outs, state = static_rnn(cell, xs, dtype=gd.float64, **kw)
    return g, xs, outs, state, cell


def values(g: gd.Graph, backend: str, fetches: Any, feeds: dict[Any, Any]) -> Any:
    with g.as_default():
        init = gd.global_variables_initializer()
    with gd.Session(graph=g, backend=backend) as s:
        s.run(init)
        variables = {v.name.split(":")[0]: s.run(v) for v in g.get_collection(gd.GraphKeys.GLOBAL_VARIABLES)}
        return variables, s.run(fetches, feeds)


# --- names and shapes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda: BasicLSTMCell(4), {"rnn/basic_lstm_cell/kernel": [7, 16], "rnn/basic_lstm_cell/bias": [16]}),
        (lambda: BasicRNNCell(4), {"rnn/basic_rnn_cell/kernel": [7, 4], "rnn/basic_rnn_cell/bias": [4]}),
        (lambda: GRUCell(4), {"rnn/gru_cell/gates/kernel": [7, 8], "rnn/gru_cell/gates/bias": [8],
                              "rnn/gru_cell/candidate/kernel": [7, 4], "rnn/gru_cell/candidate/bias": [4]}),
        (lambda: LSTMCell(4, use_peepholes=True), {
            "rnn/lstm_cell/kernel": [7, 16], "rnn/lstm_cell/bias": [16], "rnn/lstm_cell/w_f_diag": [4],
            "rnn/lstm_cell/w_i_diag": [4], "rnn/lstm_cell/w_o_diag": [4]}),
        (lambda: LSTMCell(4, num_proj=2), {"rnn/lstm_cell/kernel": [5, 16], "rnn/lstm_cell/bias": [16],
                                           "rnn/lstm_cell/projection/kernel": [4, 2]}),
        (lambda: MultiRNNCell([BasicLSTMCell(4), BasicLSTMCell(5)]), {
            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel": [7, 16],
            "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias": [16],
            "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel": [9, 20],
            "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias": [20]}),
    ],
)  # fmt: skip
def test_variable_names_and_shapes_are_tf1s(make: Callable[[], Any], expect: dict[str, list[int]]) -> None:
    g, _, outs, _, _ = build(make)
    got = {v.op.name: v.shape.as_list() for v in g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)}
    assert got == expect
    assert len(outs) == T


def test_steps_have_numbered_name_scopes_and_share_weights() -> None:
    _g, _, outs, state, cell = build(lambda: BasicLSTMCell(4))
    assert isinstance(state, LSTMStateTuple)
    assert outs[0].op.name.startswith("rnn/basic_lstm_cell/")
    for t in (1, 2):
        assert outs[t].op.name.startswith(f"rnn/basic_lstm_cell_{t}/")
    assert cell.state_size == LSTMStateTuple(4, 4) and cell.output_size == 4
    assert len(cell.variables) == 2
    assert gd.nn.rnn_cell.BasicLSTMCell is BasicLSTMCell and gd.nn.static_rnn is static_rnn


def test_reusing_a_scope_shares_variables() -> None:
    g = gd.Graph()
    with g.as_default():
        xs = [gd.placeholder(gd.float32, [2, 3]) for _ in range(2)]
        with gd.variable_scope("model"):
            static_rnn(BasicLSTMCell(4), xs, dtype=gd.float32)
        with gd.variable_scope("model", reuse=True):
            static_rnn(BasicLSTMCell(4), xs, dtype=gd.float32)
        names = [v.op.name for v in g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)]
        assert names == ["model/rnn/basic_lstm_cell/kernel", "model/rnn/basic_lstm_cell/bias"]


# --- equations -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_lstm_matches_numpy(backend: str) -> None:
    rng = np.random.default_rng(0)
    xv = [rng.standard_normal((B, D)) for _ in range(T)]
    g, xs, outs, state, _ = build(lambda: BasicLSTMCell(4, forget_bias=0.7))
    vs, (o, c, h) = values(g, backend, [outs, state.c, state.h], dict(zip(xs, xv, strict=True)))
    eo, ec, eh = np_lstm(xv, vs["rnn/basic_lstm_cell/kernel"], vs["rnn/basic_lstm_cell/bias"], 4, fb=0.7)
    np.testing.assert_allclose(o, eo, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c, ec, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h, eh, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_peephole_lstm_and_basic_rnn_match_numpy(backend: str) -> None:
    rng = np.random.default_rng(1)
    xv = [rng.standard_normal((B, D)) for _ in range(T)]
    g, xs, outs, _, _ = build(lambda: LSTMCell(3, use_peepholes=True))
    vs, o = values(g, backend, outs, dict(zip(xs, xv, strict=True)))
    peep = {k: vs[f"rnn/lstm_cell/{k}"] for k in ("w_f_diag", "w_i_diag", "w_o_diag")}
    eo, _, _ = np_lstm(xv, vs["rnn/lstm_cell/kernel"], vs["rnn/lstm_cell/bias"], 3, peep=peep)
    np.testing.assert_allclose(o, eo, rtol=1e-12, atol=1e-12)
    g, xs, outs, _, _ = build(lambda: BasicRNNCell(3))
    vs, o = values(g, backend, outs, dict(zip(xs, xv, strict=True)))
    eo = np_rnn(xv, vs["rnn/basic_rnn_cell/kernel"], vs["rnn/basic_rnn_cell/bias"], 3)
    np.testing.assert_allclose(o, eo, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", ["interpreter", "xla"])
def test_gru_matches_numpy(backend: str) -> None:
    rng = np.random.default_rng(2)
    xv = [rng.standard_normal((B, D)) for _ in range(T)]
    g, xs, outs, _, _ = build(lambda: GRUCell(4))
    vs, o = values(g, backend, outs, dict(zip(xs, xv, strict=True)))
    np.testing.assert_allclose(vs["rnn/gru_cell/gates/bias"], np.ones(8))
    np.testing.assert_allclose(vs["rnn/gru_cell/candidate/bias"], np.zeros(4))
    p = "rnn/gru_cell/"
    eo = np_gru(xv, vs[p + "gates/kernel"], vs[p + "gates/bias"], vs[p + "candidate/kernel"],
                vs[p + "candidate/bias"], 4)  # fmt: skip
    np.testing.assert_allclose(o, eo, rtol=1e-12, atol=1e-12)


# --- gradients through time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_gradients_through_time_match_finite_differences(kind: str) -> None:
    rng = np.random.default_rng(3)
    xv = [rng.standard_normal((B, D)) for _ in range(T)]
    n = 3
    r = [rng.standard_normal((B, n)) for _ in range(T)]
    make = (lambda: BasicLSTMCell(n)) if kind == "lstm" else (lambda: GRUCell(n))
    g, xs, outs, _, _ = build(make)
    with g.as_default():
        loss = gd.add_n([gd.reduce_sum(o * gd.constant(w)) for o, w in zip(outs, r, strict=True)])
        tvars = g.get_collection(gd.GraphKeys.TRAINABLE_VARIABLES)
        grads = gd.gradients(loss, [*tvars, xs[0]])
    feeds = dict(zip(xs, xv, strict=True))
    for backend in ("interpreter", "xla"):
        vs, got = values(g, backend, grads, feeds)
        params = [vs[v.op.name] for v in tvars]

        def np_loss(params: list[np.ndarray] = params) -> float:
            outs_np = np_lstm(xv, params[0], params[1], n)[0] if kind == "lstm" else np_gru(xv, *params, n)
            return float(sum(np.sum(o * w) for o, w in zip(outs_np, r, strict=True)))

        for p, gv in zip([*params, xv[0]], got, strict=True):
            np.testing.assert_allclose(gv, central_diff(np_loss, p), rtol=1e-6, atol=1e-8)


def test_sequence_length_zeroes_outputs_and_freezes_state() -> None:
    rng = np.random.default_rng(4)
    xv = [rng.standard_normal((B, D)) for _ in range(T)]
    g = gd.Graph()
    with g.as_default():
        xs = [gd.placeholder(gd.float64, [B, D]) for _ in range(T)]
        seq = gd.placeholder(gd.int32, [B])
        outs, state = static_rnn(BasicLSTMCell(3), xs, dtype=gd.float64, sequence_length=seq)
    feeds = {**dict(zip(xs, xv, strict=True)), seq: np.array([1, 3], np.int32)}
    for backend in ("interpreter", "xla"):
        vs, (o, c) = values(g, backend, [outs, state.c], feeds)
        k, b = vs["rnn/basic_lstm_cell/kernel"], vs["rnn/basic_lstm_cell/bias"]
        short = np_lstm([x[:1] for x in xv[:1]], k, b, 3)
        full = np_lstm([x[1:] for x in xv], k, b, 3)
        np.testing.assert_allclose(o[0][0], short[0][0][0], rtol=1e-12)
        np.testing.assert_allclose(o[1][0], 0.0)
        np.testing.assert_allclose(o[2][0], 0.0)
        np.testing.assert_allclose(c[0], short[1][0], rtol=1e-12)
        np.testing.assert_allclose(c[1], full[1][0], rtol=1e-12)
        np.testing.assert_allclose(o[2][1], full[0][2][0], rtol=1e-12)
