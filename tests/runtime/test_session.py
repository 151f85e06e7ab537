"""Session semantics (TF1): fetch structures, feeds, variables, assigns at run end, failed runs."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import graphdl as gd

BACKENDS = ["interpreter", "xla"]


def _backend_available(name: str) -> bool:
    if name == "interpreter":
        return True
    try:
        import runtime.xla  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(params=BACKENDS)
def backend(request):
    if not _backend_available(request.param):
        pytest.fail(f"backend {request.param} is not importable")
    return request.param


def test_fetch_structures(backend):
    x = gd.placeholder(gd.float32, [2], name="x")
    y = gd.add(x, 1.0)
    z = gd.add(y, y)
    Pair = collections.namedtuple("Pair", "a b")
    with gd.Session(backend=backend) as sess:
        out = sess.run({"y": y, "pair": Pair(z, [y, "x:0"]), "op": y.op, "t": (z,)}, {x: [1.0, 2.0]})
    np.testing.assert_allclose(out["y"], [2, 3])
    assert isinstance(out["pair"], Pair)
    np.testing.assert_allclose(out["pair"].a, [4, 6])
    np.testing.assert_allclose(out["pair"].b[1], [1, 2])
    assert out["op"] is None
    assert isinstance(out["t"], tuple)


def test_fetch_by_name_and_feed_by_name(backend):
    x = gd.placeholder(gd.float32, [2], name="x")
    gd.add(x, 2.0, name="y")
    with gd.Session(backend=backend) as sess:
        np.testing.assert_allclose(sess.run("y:0", {"x:0": np.ones(2)}), [3, 3])


def test_feed_any_non_variable_tensor(backend):
    x = gd.placeholder(gd.float32, [2], name="x")
    y = gd.add(x, 1.0)
    z = gd.add(y, 10.0)
    with gd.Session(backend=backend) as sess:
        np.testing.assert_allclose(sess.run(z, {y: [0.0, 0.0]}), [10, 10])
        np.testing.assert_allclose(sess.run(y, {y: [5.0, 5.0]}), [5, 5])


def test_missing_feed_names_placeholder(backend):
    x = gd.placeholder(gd.float32, [None, 3], name="images")
    y = gd.add(x, 1.0)
    with gd.Session(backend=backend) as sess, pytest.raises(gd.FeedError) as err:
        sess.run(y)
    assert "images" in str(err.value) and "float32" in str(err.value) and "(?, 3)" in str(err.value)


def test_bad_feed_shape_and_dtype(backend):
    x = gd.placeholder(gd.float32, [None, 3], name="x")
    n = gd.placeholder(gd.int32, [2], name="n")
    y = gd.add(x, 1.0)
    with gd.Session(backend=backend) as sess:
        with pytest.raises(gd.FeedError, match=r"shape \(2, 4\).*'x:0'"):
            sess.run(y, {x: np.ones((2, 4))})
        with pytest.raises(gd.FeedError, match=r"float64.*not all whole numbers"):
            sess.run(n, {n: np.array([1.5, 2.0])})
        # whole-number floats feed an int placeholder (TF1 programs feed np.ones(n) as labels) ...
        got = sess.run(n, {n: np.array([1.0, -2.0])})
        assert got.dtype == np.int32 and got.tolist() == [1, -2]
        # ... but not when a value would change: out of int32's range, or not finite
        for bad in ([3e9, 0.0], [np.nan, 1.0], [np.inf, 1.0]):
            with pytest.raises(gd.FeedError, match="not convert exactly to int32"):
                sess.run(n, {n: np.array(bad)})
        # ints feed a float placeholder safely
        np.testing.assert_allclose(sess.run(y, {x: np.ones((1, 3), np.int64)}), [[2, 2, 2]])


def test_uninitialized_variable_named(backend):
    w = gd.Variable(np.ones(3, np.float32), name="weights")
    y = gd.add(w, 1.0)
    with gd.Session(backend=backend) as sess, pytest.raises(gd.UninitializedVariableError, match="weights"):
        sess.run(y)


def test_variables_are_per_session(backend):
    w = gd.Variable(np.zeros(2, np.float32), name="w")
    inc = gd.assign_add(w, [1.0, 1.0])
    s1 = gd.Session(backend=backend)
    s2 = gd.Session(backend=backend)
    s1.run(gd.global_variables_initializer())
    s2.run(gd.global_variables_initializer())
    s1.run(inc)
    s1.run(inc)
    s2.run(inc)
    np.testing.assert_allclose(s1.run(w), [2, 2])
    np.testing.assert_allclose(s2.run(w), [1, 1])
    s1.close()
    s2.close()


def test_reads_see_start_of_run_and_assigns_land_together(backend):
    a = gd.Variable(np.float32(1.0), name="a")
    b = gd.Variable(np.float32(2.0), name="b")
    swap = gd.group(gd.assign(a, b), gd.assign(b, a))
    read_after = gd.add(gd.assign(a, 10.0), 1.0)
    with gd.Session(backend=backend) as sess:
        sess.run(gd.global_variables_initializer())
        sess.run(swap)
        assert sess.run([a, b]) == [2.0, 1.0]
        # an op reading the assign's output sees the new value; plain reads see the old one
        out, old = sess.run([read_after, a])
        assert out == 11.0 and old == 2.0
        assert sess.run(a) == 10.0


def test_failed_run_changes_nothing(backend):
    w = gd.Variable(np.float32(1.0), name="w")
    x = gd.placeholder(gd.float32, [], name="x")
    upd = gd.assign(w, x)
    with gd.Session(backend=backend) as sess:
        sess.run(w.initializer)
        with pytest.raises(gd.FeedError):
            sess.run(upd)
        with pytest.raises(gd.FeedError):
            sess.run(upd, {x: np.ones(3)})
        assert sess.run(w) == 1.0


def test_fetched_values_do_not_alias_state(backend):
    w = gd.Variable(np.zeros(3, np.float32), name="w")
    with gd.Session(backend=backend) as sess:
        sess.run(w.initializer)
        v = sess.run(w)
        v[0] = 5.0
        assert sess.run(w)[0] == 0.0


def test_closed_session_and_graph_property():
    g = gd.Graph()
    with g.as_default():
        c = gd.constant(1.0)
    sess = gd.Session(graph=g, backend="interpreter")
    assert sess.graph is g
    assert sess.run(c) == 1.0
    sess.close()
    with pytest.raises(gd.GraphError, match="closed"):
        sess.run(c)


def test_only_needed_nodes_run():
    x = gd.placeholder(gd.float32, [2], name="x")
    y = gd.add(x, 1.0)
    gd.add(gd.placeholder(gd.float32, [2], name="unfed"), 1.0)
    w = gd.Variable(np.zeros(2, np.float32), name="never_initialized")
    gd.add(w, 1.0)
    with gd.Session(backend="interpreter") as sess:
        np.testing.assert_allclose(sess.run(y, {x: [1.0, 1.0]}), [2, 2])


def test_tensor_eval_uses_default_session():
    c = gd.add(gd.constant(2.0), 3.0)
    with gd.Session(backend="interpreter"):
        assert c.eval() == 5.0


def test_variable_load():
    w = gd.Variable(np.zeros(2, np.float32), name="w")
    with gd.Session(backend="interpreter") as sess:
        w.load([3.0, 4.0], sess)
        np.testing.assert_allclose(sess.run(w), [3, 4])
        with pytest.raises(gd.FeedError):
            w.load([1.0, 2.0, 3.0], sess)


def test_cannot_feed_variable():
    w = gd.Variable(np.zeros(2, np.float32), name="w")
    with gd.Session(backend="interpreter") as sess, pytest.raises(gd.FeedError, match="variable"):
        sess.run(w, {w: [1.0, 1.0]})


def test_control_dependency_on_a_fed_placeholder() -> None:
    # TF1 runs this (gd.metrics.mean waits on its inputs this way): the fed placeholder does not run
    g = gd.Graph()
    with g.as_default():
        x = gd.placeholder(gd.float32, [2], name="x")
        with gd.control_dependencies([x]):
            y = gd.identity(x) * 2
    for backend in ("xla", "interpreter"):
        np.testing.assert_allclose(gd.Session(graph=g, backend=backend).run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
        with pytest.raises(gd.FeedError, match="must feed a value for placeholder 'x'"):
            gd.Session(graph=g, backend=backend).run(y)
