"""Initializers evaluated on the host by the XLA backend (runtime.xla.HOST_INITIALIZERS): the same
values, bit for bit, as the compiled initializer and the interpreter; no XLA program for them; the
compiled path for everything else."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import graphdl as gd
import runtime.xla as rx
from runtime.session import Session


def _model() -> dict[str, Any]:
    """A small CNN + Adam with uniform (glorot), constant, zeros and integer initial values."""
    gd.set_random_seed(3)
    x = gd.placeholder(gd.float32, [None, 64], name="x")
    h = gd.layers.conv2d(gd.reshape(x, [-1, 8, 8, 1]), 4, 3, activation=gd.nn.relu)
    logits = gd.layers.dense(gd.layers.flatten(h), 3)
    c = gd.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="c")
    k = gd.Variable(gd.random_uniform([5], -7, 9, dtype=gd.int64, seed=2), name="k")
    u = gd.Variable(gd.random_uniform([4, 3], -2.0, 5.5, seed=4), name="u")
    loss = gd.reduce_mean(logits) + gd.reduce_sum(c) + gd.reduce_sum(u)
    train = gd.train.AdamOptimizer(0.1).minimize(loss)
    return {"x": x, "loss": loss, "train": train, "init": gd.global_variables_initializer(), "c": c, "k": k}


def _init_values(backend: str, host: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], int]:
    monkeypatch.setattr(rx, "HOST_INITIALIZERS", host)
    g = gd.Graph()
    with g.as_default():
        m = _model()
    sess = Session(graph=g, backend=backend)
    sess.run(m["init"])
    traces = sess.backend.traces if backend == "xla" else 0
    return sess.variable_values(), traces


def test_host_initializer_is_bit_exact_and_compiles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    host, host_traces = _init_values("xla", True, monkeypatch)
    compiled, compiled_traces = _init_values("xla", False, monkeypatch)
    interp, _ = _init_values("interpreter", True, monkeypatch)
    assert host_traces == 0 and compiled_traces == 1
    assert set(host) == set(compiled) == set(interp) and len(host) == 21
    for name in host:
        for other in (compiled, interp):
            assert host[name].dtype == other[name].dtype, name
            np.testing.assert_array_equal(host[name], other[name], err_msg=name)
    assert host["k"].dtype == np.int64 and host["u"].dtype == np.float32
    assert not np.all(host["conv2d/kernel"] == 0)  # a real draw, not zeros


def test_training_after_a_host_initializer_matches_the_compiled_one(monkeypatch: pytest.MonkeyPatch) -> None:
    xb = np.random.default_rng(0).random((4, 64), dtype=np.float32)
    results = []
    for host in (True, False):
        monkeypatch.setattr(rx, "HOST_INITIALIZERS", host)
        g = gd.Graph()
        with g.as_default():
            m = _model()
        sess = Session(graph=g)
        sess.run(m["init"])
        losses = [sess.run([m["train"], m["loss"]], {m["x"]: xb})[1] for _ in range(3)]
        results.append((losses, sess.variable_values()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    for name, v in results[0][1].items():
        np.testing.assert_array_equal(v, results[1][1][name], err_msg=name)


def test_host_initial_values_do_not_alias_the_graph_constants(graph: gd.Graph) -> None:
    init_value = np.ones((3, 2), np.float32)
    w = gd.Variable(init_value, name="w")
    step = gd.assign_add(w, gd.constant(np.full((3, 2), 2.0, np.float32)))
    sess = Session()
    sess.run(gd.global_variables_initializer())
    assert sess.backend.traces == 0
    for _ in range(2):  # the update donates w's buffer: the graph's constant must stay as it was
        sess.run(step.op)
    np.testing.assert_array_equal(sess.run(w), np.full((3, 2), 5.0))
    const = w.initial_value.op.attrs["value"]
    np.testing.assert_array_equal(const, np.ones((3, 2)))
    sess.run(w.initializer)  # re-initializing gives the initial value again
    np.testing.assert_array_equal(sess.run(w), np.ones((3, 2)))


def test_each_initializer_run_draws_from_the_session_step(graph: gd.Graph) -> None:
    v = gd.Variable(gd.random_uniform([6], seed=5), name="v")
    sx, si = Session(), Session(backend="interpreter")
    for _ in range(3):
        sx.run(v.initializer)
        si.run(v.initializer)
        np.testing.assert_array_equal(sx.run(v), si.run(v))
    assert sx.backend.traces == 1  # the fetch of v only: the initializer runs are not compiled


@pytest.mark.parametrize(
    "make",
    [
        lambda: gd.random_normal([3, 4], seed=1),  # normals: compiled (not bit-exact in NumPy)
        lambda: gd.truncated_normal([3, 4], seed=1),
        lambda: gd.random_uniform([3, 4], seed=1, dtype=gd.float16),  # narrower floats: compiled
        lambda: gd.random_uniform([3, 4], -2.0, 5.0, seed=1, dtype=gd.float64),  # float64: compiled
        lambda: gd.random_uniform([3, 4], 1e-3, 1.0, seed=1),  # a scale of 33 significant bits
        lambda: gd.exp(gd.random_uniform([3, 4], seed=1)),  # any other op: compiled
    ],
)
def test_other_initializers_are_compiled_as_before(graph: gd.Graph, make: Any) -> None:
    v = gd.Variable(make(), name="v")
    sx, si = Session(), Session(backend="interpreter")
    sx.run(v.initializer)
    si.run(v.initializer)
    assert sx.backend.traces == 1
    np.testing.assert_allclose(sx.run(v), si.run(v), rtol=1e-6)


def test_runs_that_read_fetch_or_feed_are_compiled(graph: gd.Graph) -> None:
    a = gd.Variable(np.float32(2.0), name="a")
    b = gd.Variable(gd.identity(a) * 3.0, name="b")  # reads a: compiled
    p = gd.placeholder(gd.float32, [], name="p")
    c = gd.Variable(np.float32(0.0), name="c")
    set_c = gd.assign(c, p)  # fed: compiled
    sess = Session()
    sess.run(a.initializer)
    assert sess.backend.traces == 0
    sess.run(b.initializer)
    assert sess.backend.traces == 1
    assert sess.run(gd.assign(c, gd.constant(np.float32(4.0)))) == 4.0  # a fetched value: compiled
    assert sess.backend.traces == 2
    sess.run(set_c, {p: 7.0})
    assert sess.backend.traces == 3
    assert sess.run([a, b, c]) == [2.0, 6.0, 7.0]


def test_a_failing_host_evaluation_falls_back_to_the_compiled_program(
    graph: gd.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    v = gd.Variable(np.arange(4, dtype=np.float32), name="v")
    sess = Session()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no host evaluation")

    monkeypatch.setattr("runtime.interpreter.run_plan", broken)
    sess.run(v.initializer)
    assert sess.backend.traces == 1
    np.testing.assert_array_equal(sess.run(v), np.arange(4))


def test_host_evaluable_limits(graph: gd.Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    import compiler

    big = gd.Variable(gd.random_uniform([1000, 1000], seed=1), name="big")
    small = gd.Variable(gd.random_uniform([10], seed=1), name="small")
    assert rx.host_evaluable(compiler.plan(gd.get_default_graph(), [small.initializer]))
    assert rx.host_evaluable(compiler.plan(gd.get_default_graph(), [big.initializer]))
    monkeypatch.setattr(rx, "HOST_INIT_MAX_RANDOM", 10)
    assert rx.host_evaluable(compiler.plan(gd.get_default_graph(), [small.initializer]))
    assert not rx.host_evaluable(compiler.plan(gd.get_default_graph(), [big.initializer]))


@pytest.fixture
def graph() -> Any:
    g = gd.Graph()
    with g.as_default():
        yield g


def test_many_random_ops_compile_without_fusion_emitters() -> None:
    """16 chained dropouts (char-rnn's DropoutWrapper over layers and time steps): XLA:CPU's fusion
    emitters took minutes to compile this; such programs compile with them off, and still draw
    what the interpreter draws."""
    from runtime.inspect import _executable

    g = gd.Graph()
    with g.as_default():
        gd.set_random_seed(4)
        x = gd.placeholder(gd.float32, [10, 64])
        y = x
        for _ in range(16):
            y = gd.nn.dropout(gd.tanh(y), 0.8)
        few = gd.nn.dropout(x, 0.5)
    xv = np.linspace(-1, 1, 640, dtype=np.float32).reshape(10, 64)
    sessions = [Session(graph=g, backend=b) for b in ("xla", "interpreter")]
    outs = [s.run([y, few], {x: xv}) for s in sessions]
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    backend = sessions[0].backend
    many, _ = _executable(sessions[0], y, {x: xv})
    one, _ = _executable(sessions[0], few, {x: xv})
    assert rx._rng_options(many.plan, backend) == {"xla_cpu_use_fusion_emitters": False}
    assert rx._rng_options(one.plan, backend) is None
