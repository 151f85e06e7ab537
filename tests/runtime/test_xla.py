"""The XLA backend and the Session's compiled path: agreement with the interpreter, caching,
donation, run semantics, device selection and inspection."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import graphdl as gd
from graphdl.errors import BackendError, FeedError, UninitializedVariableError
from runtime.session import Session
from runtime.xla import XlaBackend, resolve_device

BACKENDS = ["interpreter", "xla"]


@pytest.fixture
def graph():
    g = gd.Graph()
    with g.as_default():
        yield g


def _both(fetches, feed_dict=None, setup=None):
    """Run the same fetches on both backends (fresh sessions); return [interpreter, xla] results."""
    out = []
    for b in BACKENDS:
        sess = Session(backend=b)
        if setup is not None:
            setup(sess)
        out.append(sess.run(fetches, feed_dict))
    return out


def test_default_backend_is_xla(graph):
    assert Session().backend_name == "xla"
    assert isinstance(Session().backend, XlaBackend)


def test_backends_agree_on_add_and_matmul(graph):
    rng = np.random.default_rng(0)
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    w = gd.constant(rng.standard_normal((3, 2)).astype(np.float32), name="w")
    b = gd.constant(np.float32([0.5, -1.0]), name="b")
    y = gd.add(gd.matmul(x, w), b, name="y")
    xv = rng.standard_normal((5, 3)).astype(np.float32)
    ri, rx = _both([y, x], {x: xv})
    assert rx[0].dtype == np.float32 and rx[0].shape == (5, 2)
    np.testing.assert_allclose(rx[0], ri[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(rx[1], xv)


def test_backends_agree_float64_and_int(graph):
    a = gd.placeholder(gd.float64, [2, 2])
    i = gd.placeholder(gd.int32, [3])
    fa = gd.matmul(a, a)
    fi = gd.add(i, gd.constant(np.int32([1, 2, 3])))
    av = np.array([[1.0, 2.0], [3.0, 4.0]])
    iv = np.array([4, 5, 6], np.int32)
    ri, rx = _both({"fa": fa, "fi": fi}, {a: av, i: iv})
    assert rx["fa"].dtype == np.float64 and rx["fi"].dtype == np.int32
    np.testing.assert_array_equal(rx["fa"], ri["fa"])
    np.testing.assert_array_equal(rx["fi"], ri["fi"])


def test_fetch_structures(graph):
    x = gd.placeholder(gd.float32, [2], name="x")
    y = gd.add(x, gd.constant(np.float32(1)), name="y")
    noop = gd.no_op()
    Pair = namedtuple("Pair", "a b")
    sess = Session()
    xv = np.float32([1, 2])
    got = sess.run({"p": Pair(y, [x, "y:0"]), "op": noop}, {x: xv})
    assert isinstance(got["p"], Pair)
    np.testing.assert_array_equal(got["p"].a, [2, 3])
    np.testing.assert_array_equal(got["p"].b[1], [2, 3])
    assert got["op"] is None
    assert sess.run(noop) is None
    for _ in range(2):  # the cached fast path keeps the structure
        assert sess.run((y,), {x: xv})[0].tolist() == [2, 3]
        assert sess.run([y, noop], {"x:0": xv})[1] is None
    for k in range(3):  # dict fetches hit the cache by their items
        got = sess.run({"y": y, "x": x}, {x: xv + k})
        assert list(got) == ["y", "x"] and got["y"].tolist() == (xv + k + 1).tolist()
        got = sess.run({"y": [y]}, {x: xv + k})  # unhashable: the general path
        assert got["y"][0].tolist() == (xv + k + 1).tolist()
    r = sess.run(y, {x: xv})
    r[0] = 42  # results are writeable NumPy copies
    assert isinstance(r, np.ndarray)


def test_variables_persist_and_are_per_session(graph):
    v = gd.Variable(np.float32([1, 2]), name="v")
    inc = gd.assign_add(v, gd.constant(np.float32([1, 1])))
    s1, s2 = Session(), Session()
    for s in (s1, s2):
        s.run(gd.global_variables_initializer())
    for _ in range(3):
        s1.run(inc)
    np.testing.assert_array_equal(s1.run(v), [4, 5])
    np.testing.assert_array_equal(s2.run(v), [1, 2])
    assert s1.variable_values()["v"].tolist() == [4, 5]


@pytest.mark.parametrize("backend", BACKENDS)
def test_assigns_apply_together_at_end(graph, backend):
    a = gd.Variable(np.float32(1), name="a")
    b = gd.Variable(np.float32(2), name="b")
    swap = gd.group(gd.assign(a, b), gd.assign(b, a))
    # reads in the same run see start-of-run values
    total = gd.add(a, b)
    sess = Session(backend=backend)
    sess.run(gd.global_variables_initializer())
    _, t = sess.run([swap, total])
    assert float(t) == 3.0
    assert float(sess.run(a)) == 2.0 and float(sess.run(b)) == 1.0
    # the value an assign returns is the new value
    new = gd.assign_add(a, gd.constant(np.float32(10)))
    assert float(sess.run(new)) == 12.0
    assert float(sess.run(a)) == 12.0


def test_donation_does_not_corrupt_earlier_fetches(graph):
    w = gd.Variable(np.arange(4, dtype=np.float32), name="w")
    step = gd.assign_add(w, gd.constant(np.ones(4, np.float32)))
    sess = Session()
    sess.run(gd.global_variables_initializer())
    seen = []
    for _ in range(4):
        before = sess.run(w)
        after = sess.run(step)
        both = sess.run([w, step])
        seen.append((before, after, both))
    for k, (before, after, both) in enumerate(seen):
        np.testing.assert_array_equal(before, np.arange(4) + 2 * k)
        np.testing.assert_array_equal(after, np.arange(4) + 2 * k + 1)
        np.testing.assert_array_equal(both[0], np.arange(4) + 2 * k + 1)
        np.testing.assert_array_equal(both[1], np.arange(4) + 2 * k + 2)


def test_assign_from_other_variable_then_update_both(graph):
    a = gd.Variable(np.float32([1, 2]), name="a")
    b = gd.Variable(np.float32([0, 0]), name="b")
    copy = gd.assign(b, a)
    bump = gd.group(
        gd.assign_add(a, gd.constant(np.float32([1, 1]))), gd.assign_add(b, gd.constant(np.float32([5, 5])))
    )
    sess = Session()
    sess.run(gd.global_variables_initializer())
    sess.run(copy)
    for _ in range(2):
        sess.run(bump)
    np.testing.assert_array_equal(sess.run(a), [3, 4])
    np.testing.assert_array_equal(sess.run(b), [11, 12])


def test_no_retrace_for_same_signature_one_compile_per_batch_size(graph):
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    w = gd.Variable(np.ones((3, 2), np.float32), name="w")
    y = gd.matmul(x, w)
    upd = gd.assign_sub(w, gd.constant(np.full((3, 2), 0.5, np.float32)))
    sess = Session()
    sess.run(gd.global_variables_initializer())
    be = sess.backend
    base = be.traces
    for _ in range(5):
        sess.run(y, {x: np.ones((4, 3), np.float32)})
    assert be.traces == base + 1
    for _ in range(3):
        sess.run(y, {x: np.ones((7, 3), np.float32)})
    assert be.traces == base + 2
    sess.run(y, {x: np.ones((4, 3), np.float32)})
    sess.run(y, {"x:0": np.ones((4, 3), np.float32)})  # a name key: a new entry, the same program
    sess.run([y], {x: [[1.0, 2.0, 3.0]] * 4})  # a list feed of the same shape: converted
    assert be.traces == base + 2  # new fetch structures and feed keys reuse the compiled program
    n = be.traces
    for _ in range(3):  # writes do not retrace either (variables keep shape and dtype)
        sess.run([y, upd], {x: np.ones((4, 3), np.float32)})
    assert be.traces == n + 1
    np.testing.assert_allclose(sess.run(w), np.full((3, 2), -0.5))


def test_feed_errors_before_anything_runs(graph):
    x = gd.placeholder(gd.float32, [2], name="x")
    v = gd.Variable(np.float32(0), name="v")
    inc = gd.assign_add(v, gd.constant(np.float32(1)))
    y = gd.add(x, gd.constant(np.float32(1)))
    sess = Session()
    sess.run(gd.global_variables_initializer())
    sess.run([y, inc], {x: np.float32([1, 2])})
    step = sess._step
    for bad in (np.float32([1, 2, 3]), np.zeros((2, 1), np.float32), np.array([1, 2], np.complex64)):
        with pytest.raises(FeedError):
            sess.run([y, inc], {x: bad})
    with pytest.raises(FeedError, match="placeholder"):
        sess.run([y, inc])
    with pytest.raises(FeedError):
        sess.run([y, inc], {v: np.float32(3)})
    assert sess._step == step
    assert float(sess.run(v)) == 1.0
    # values that convert safely are accepted on the fast path too
    np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [2, 3])
    np.testing.assert_array_equal(sess.run(y, {x: np.array([1, 2], np.int8)}), [2, 3])


def test_uninitialized_variable_and_failed_run_changes_nothing(graph):
    a = gd.Variable(np.float32(1), name="a")
    b = gd.Variable(np.float32(2), name="b")
    upd = gd.group(gd.assign_add(a, gd.constant(np.float32(1))), gd.assign_add(b, gd.constant(np.float32(1))))
    sess = Session()
    sess.run(a.initializer)
    with pytest.raises(UninitializedVariableError, match="'b'"):
        sess.run(upd)
    assert float(sess.run(a)) == 1.0
    assert not sess.is_initialized(b)


def test_feed_mutation_after_run_does_not_leak_into_it(graph):
    x = gd.placeholder(gd.float32, [256, 256], name="x")
    w = gd.Variable(np.zeros((256, 256), np.float32), name="w")
    train = gd.assign_add(w, gd.matmul(x, x)).op
    sess = Session()
    sess.run(gd.global_variables_initializer())
    xv = np.ones((256, 256), np.float32)
    for _ in range(3):
        sess.run(train, {x: xv})  # fetches only an op: the run must still be finished on return
        xv[:] = 0
        xv[:] = 1
        xv[...] = 1
    xv[:] = 0
    np.testing.assert_array_equal(sess.run(w), np.full((256, 256), 3 * 256, np.float32))


def test_device_selection(graph):
    assert resolve_device("cpu").platform == "cpu"
    assert resolve_device(None) is not None
    with pytest.raises(BackendError, match="unknown device"):
        Session(device="quantum")
    missing = [p for p in ("tpu", "gpu") if not _has_platform(p)]
    for p in missing:
        with pytest.raises(BackendError, match="not available"):
            Session(device=p)
    with pytest.raises(BackendError):
        Session(device="cpu:99")
    x = gd.placeholder(gd.float32, [2])
    assert Session(device="cpu").run(gd.add(x, x), {x: np.float32([1, 2])}).tolist() == [2, 4]


def _has_platform(p):
    import jax

    try:
        return bool(jax.devices(p))
    except RuntimeError:
        return False


def test_inspection_texts_and_costs(graph):
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    w = gd.Variable(np.ones((3, 2), np.float32), name="w")
    y = gd.add(gd.matmul(x, w), gd.constant(np.float32(1)))
    upd = gd.assign_add(w, gd.constant(np.ones((3, 2), np.float32)))
    sess = Session()
    sess.run(gd.global_variables_initializer())
    feed = {x: np.ones((4, 3), np.float32)}
    traces = sess.backend.traces
    shlo = sess.lowered_text([y, upd], feed)
    assert "stablehlo" in shlo and "dot_general" in shlo and "tensor<4x3xf32>" in shlo
    hlo = sess.lowered_text([y, upd], feed, stage="hlo")
    assert "HloModule" in hlo and ("dot(" in hlo or "fusion" in hlo)
    assert "HloModule" in sess.lowered_text(y, feed, stage="hlo_unoptimized")
    costs = sess.cost_analysis(y, feed)
    assert costs.get("flops", 0) > 0
    with pytest.raises(ValueError):
        sess.lowered_text(y, feed, stage="ptx")
    # inspection runs nothing
    np.testing.assert_array_equal(sess.run(w), np.ones((3, 2)))
    assert sess.backend.traces >= traces
    # an interpreter session can be inspected too
    assert "dot_general" in Session(backend="interpreter").lowered_text(y, feed)


def _unaligned(shape, dtype=np.float32):
    n = int(np.prod(shape))
    raw = np.empty(n + 32, dtype)
    start = next(i for i in range(1, 32) if raw[i:].ctypes.data % 64)
    return raw[start : start + n].reshape(shape)


def test_unaligned_and_reused_feed_arrays_stay_correct(graph):
    x = gd.placeholder(gd.float32, [64, 100], name="x")
    w = gd.Variable(np.zeros((1, 100), np.float32), name="w")
    col = gd.matmul(gd.constant(np.ones((1, 64), np.float32)), x)  # column sums, shape [1, 100]
    upd = gd.assign_add(w, col)
    sess = Session()
    sess.run(gd.global_variables_initializer())
    xv = _unaligned((64, 100))
    assert xv.ctypes.data % 64 != 0
    for k in range(4):
        xv[...] = k
        np.testing.assert_array_equal(sess.run(col, {x: xv}), np.full((1, 100), 64.0 * k))
        xv[...] = k + 10
        got = sess.run([col, x], {x: xv})
        np.testing.assert_array_equal(got[0], np.full((1, 100), 64.0 * (k + 10)))
        np.testing.assert_array_equal(got[1], xv)
    aligned = np.empty((64, 100), np.float32)
    aligned[...] = 2
    np.testing.assert_array_equal(sess.run(col, {x: aligned}), np.full((1, 100), 128.0))
    for _ in range(3):  # an op-only fetch, the feed array rewritten right after the run returns
        xv[...] = 1
        sess.run(upd.op, {x: xv})
        xv[...] = 1000
    np.testing.assert_array_equal(sess.run(w), np.full((1, 100), 3 * 64.0))


def test_random_ops_match_interpreter_bit_for_bit_without_retracing(graph):
    r = gd.random_normal([3, 4], seed=7)
    u = gd.random_uniform([5], seed=1, dtype=gd.float32)
    sx, si = Session(backend="xla"), Session(backend="interpreter")
    draws = []
    for _ in range(3):
        a, b = sx.run([r, u]), si.run([r, u])
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        draws.append(a[0])
    assert not np.array_equal(draws[0], draws[1])  # each run draws anew (the step advances)
    assert sx.backend.traces == 1


def test_shape_arguments_survive_cse_merging_their_shape_ops() -> None:
    # Two identical branches: CSE keeps one Shape node, so the other Reshape reads a Shape of a node
    # that is no longer in the plan; its static target shape must still be found (the DCGAN pattern
    # of a discriminator applied twice to the same input, trained with two optimizers).
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [None, 3], name="x")
        ys = [gd.reshape(x * 2.0, gd.shape(x * 2.0)) for _ in range(2)]
        grads = [gd.gradients(gd.reduce_sum(gd.reshape(y, [-1]) * 3.0), [x])[0] for y in ys]
    xs = np.arange(6, dtype=np.float32).reshape(2, 3)
    with gd.Session(graph=g) as sess:
        got = sess.run(ys + grads, {x: xs})
    for v in got[:2]:
        np.testing.assert_allclose(v, 2 * xs)
    for v in got[2:]:
        np.testing.assert_allclose(v, np.full((2, 3), 6.0))
